"""Screening of a question before it reaches the LLM: length, control characters, injection.

A hit is a refusal (`prompt_injection`), audited by the caller; the text never reaches the model.
Detection runs on a normalised copy (`datachat.text.fold`: compatibility forms unified, zero-width
and other invisible characters removed, lower-cased, accents folded) so fullwidth or zero-width
spellings cannot dodge a pattern; the normalised copy is used for detection only and is never
passed on.

The patterns target instructions to the assistant, role markers, requests for the system prompt,
explicit SQL write/admin commands and known dangerous functions, and base64 blobs that decode to
any of those. Ordinary business wording ("ventas que se actualizaron", "clientes eliminados") does
not match: SQL commands must appear with their SQL shape (DELETE FROM, UPDATE ... SET, DROP TABLE).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from datachat.text import detect_language, fold, visible_text


@dataclass(frozen=True)
class ScreenResult:
    ok: bool
    code: str | None  # prompt_injection, question_too_long, empty_question, control_characters
    reason: str  # short English label of what matched (for the audit log, not for users)
    lang: str  # "es" or "en": the language to answer in


_FLAGS = re.IGNORECASE | re.DOTALL


def _any(words: str) -> str:
    """A regex alternation of '|'-separated words or phrases: keeps the patterns readable."""
    return "(" + words + ")"


_INSTRUCTION_PATTERNS = [
    # English: overriding instructions, role-play, system prompt, secrets, code execution
    r"\b"
    + _any("ignore|disregard|forget|override|bypass")
    + r"\b.{0,40}\b"
    + _any("previous|prior|above|earlier|all|your|the")
    + r"\b.{0,30}\b"
    + _any("instructions?|rules|prompts?|directives|guidelines|restrictions")
    + r"\b",
    r"\byou are now\b",
    r"\b"
    + _any("act|behave|pretend|roleplay")
    + r"\b.{0,20}\b(as|like|to be)\b.{0,30}\b"
    + _any("dan|admin|administrator|root|superuser|unrestricted|jailbroken|developer")
    + r"\b",
    r"\bdan\b.{0,60}\b(no|without)\b.{0,15}\b(restrictions?|limits|rules|filters)\b",
    r"\b(developer|maintenance|god|debug|jailbreak)\s+mode\b",
    r"\b"
    + _any("print|reveal|show|repeat|output|display|tell|give|leak|dump|what")
    + r"\b.{0,30}\b(system|initial|hidden|original)\s+(prompt|instructions?|message)\b",
    r"\byour\s+(system\s+)?(prompt|instructions)\b.{0,20}\b(verbatim|word for word|exactly)\b",
    r"\b" + _any("connection string|database password|db password|api[_ ]?key|secret key") + r"\b",
    r"\bcredentials\b",
    r"\bgrant\b.{0,40}\b(privileges?|permissions?|access|admin|superuser)\b",
    r"\bimport\s+os\b|\bos\.environ\b|\bsubprocess\b|\b__import__\b",
    r"\bopen\s*\(\s*['\"]/|\beval\s*\(|\bexec\s*\(",
    r"\b(system|note to the assistant|assistant)\s+note\b",
    r"\bnote to the (assistant|ai|model)\b",
    # Spanish: olvidar/ignorar instrucciones, modo desarrollador, prompt del sistema
    r"\b"
    + _any("olvida|olvide|olvidad|ignora|ignore|ignorad|omite|salta(te)?|descarta")
    + r"\b.{0,40}\b"
    + _any("instrucciones|reglas|indicaciones|restricciones|directrices|prompt")
    + r"\b",
    r"\bahora\s+(eres|seras|actuas como)\b",
    r"\b"
    + _any("actua|comportate|finge|haz de cuenta")
    + r"\b.{0,20}\b(como|que eres|ser)\b"
    + r".{0,30}\b"
    + _any("dan|admin|administrador|root|superusuario|sin restricciones")
    + r"\b",
    r"\bmodo\s+"
    + _any("desarrollador|developer|mantenimiento|administrador|dios|debug|sin restricciones")
    + r"\b",
    r"\b"
    + _any("repite|repetir|muestra|muestrame|revela|imprime|dime|ensena|ensename|cuales son")
    + r"\b.{0,40}\b"
    + _any("instrucciones|prompt|mensaje del sistema|indicaciones")
    + r"\b.{0,40}\b"
    + _any(
        "recibiste|sistema|iniciales|anteriores|originales|ocultas|palabra por palabra"
        "|textualmente|antes"
    )
    + r"\b",
    r"\b(prompt|instrucciones)\s+del\s+sistema\b",
    r"\b(cadena de conexion|contrasena de la base|clave de api|credenciales)\b",
    r"\b"
    + _any("otorga|otorgame|concede|concedeme|dame")
    + r"\b.{0,30}\b"
    + _any("privilegios|permisos totales|todos los permisos|acceso total")
    + r"\b",
]

_ROLE_MARKERS = [
    r"(^|\n)\s*(system|assistant|user|sistema|asistente)\s*:",
    r"<\|?\s*(im_start|im_end|system|endoftext|eot_id|start_header_id)\s*\|?>",
    r"\[/?\s*(inst|sys)\s*\]",
    r"<<\s*sys\s*>>",
    r"#{2,}\s*(instruction|instrucciones|system|sistema|response)\b",
]

_SQL_COMMANDS = [
    r"\bdrop\s+(table|database|schema|view|index|role|user|function)\b",
    r"\bdelete\s+from\b",
    r"\binsert\s+into\b",
    r"\bupdate\s+[\w\".]+\s+set\b",
    r"\btruncate\s+(table\s+)?[\w\".]+",
    r"\balter\s+(table|database|role|user|system|schema)\b",
    r"\bgrant\s+(all|select|insert|update|delete|usage|execute)\b",
    r"\brevoke\s+(all|select|insert|update|delete|usage|execute)\b",
    r"\battach\s+(database\s+)?['\"]",
    r"\battach\s+database\b",
    r"\bcopy\b.{0,80}\bto\s+(program|stdout|'|\")",
    r"\bcopy\s+\(",
    r"\bcreate\s+(temp\s+|temporary\s+)?(table|database|role|user|function|extension|trigger|view)\b",
    r"\bvacuum\s+into\b",
    r"\bpragma\s+\w+",
    r"\bset\s+(role|session|app\.|search_path|default_transaction)",
    r"\bselect\b.{0,200}\binto\s+\w+\s+from\b",
    r"\bpg_(sleep|read_file|read_binary_file|ls_dir|terminate_backend|cancel_backend|stat_activity|authid|shadow)\b",
    r"\bdblink\w*\b",
    r"\bload_extension\b",
    r"\blo_(import|export)\b",
    r"\bquery_to_xml\b",
    r"\bset_config\b",
    r"\bxp_cmdshell\b",
    r"\battach\b.{0,20}\b(database|db|sqlite)\b",
    r"\b(adjunta|anexa|conecta)\b.{0,20}\bbase de datos\b.{0,40}\b(cliente|cuenta|otra|archivo)\b",
    r"\b(using|with|usa|usando|con)\s+`?copy\b",
    r"(^|[\s'\"`(])/(tmp|etc|var|root|home|proc|dev|usr)/",
    r";\s*(drop|delete|insert|update|alter|truncate|create|grant)\b",
    r"\bunion\s+(all\s+)?select\b.{0,80}\bfrom\s+(pg_|sqlite_master|information_schema)",
    r"\b(sqlite_master|information_schema|pg_catalog|pg_shadow|pg_authid)\b",
]

# A request, in words, to change data ("borra las ventas de 2024", "delete all customers"): the
# verb in the imperative/infinitive followed by a data object. DataChat only reads, so it is
# refused up front rather than turned into a clarification about an unknown word.
_DATA_OBJECTS = (
    r"(ventas?|clientes?|productos?|empleados?|pedidos?|proveedores?|datos|registros?|filas?|"
    r"tablas?|columnas?|precios?|totales|sales|customers?|clients?|products?|employees?|orders?|"
    r"records?|rows?|tables?|columns?|data|prices?|duplicates?|duplicados)"
)
_ARTICLES = r"(\s+(el|la|los|las|de|del|todos|todas|toda|todo|the|all|every|any|a|an|tus|mis|"
_ARTICLES += r"esos|esas|estos|estas|these|those|my|our|nuestros|nuestras))*"
_WRITE_VERBS = (
    r"\b(borra|borrar|borren|elimina|eliminar|eliminen|suprime|suprimir|actualiza|actualizar|"
    r"modifica|modificar|inserta|insertar|agrega|agregar|anade|anadir|vacia|vaciar|sobrescribe|"
    r"delete|remove|erase|wipe|purge|update|modify|overwrite|insert|truncate|drop|clear|"
    r"deduplicate|dedupe)"
)
_WRITE_REQUEST = [
    _WRITE_VERBS + _ARTICLES + r"\s+" + _DATA_OBJECTS + r"\b",
    r"\b(crea|crear|create|make)\s+(una|un|a|an)?\s*(nueva\s+|new\s+)?"
    r"(tabla|table|copia de seguridad|backup|copia|copy)\b",
    r"\b(cambia|cambiar|change|set|update|actualiza|actualizar|modify|modifica|modificar)\s+"
    r"(el|la|los|las|the)?\s*(list\s+)?(precio|price|total|estado|status|region|canal|channel|"
    r"descuento|discount|nombre|name|salario|salary)s?\b.{0,60}\b(a|to|en|by)\b",
]

_INJECTION_RES = [
    (re.compile(p, _FLAGS), label)
    for label, patterns in (
        ("instruction override", _INSTRUCTION_PATTERNS),
        ("role marker", _ROLE_MARKERS),
        ("sql command", _SQL_COMMANDS),
    )
    for p in patterns
]
_WRITE_RES = [
    (re.compile(p, _FLAGS), label)
    for label, patterns in (("write request", _WRITE_REQUEST),)
    for p in patterns
]

_BASE64_RE = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/=])")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def _injection(folded: str) -> str | None:
    for regex, label in _INJECTION_RES:
        if regex.search(folded):
            return label
    return None


def _decoded_blobs(text: str) -> list[str]:
    blobs = []
    for match in _BASE64_RE.finditer(text):
        token = match.group(0)
        padded = token + "=" * (-len(token) % 4)
        try:
            raw = base64.b64decode(padded, validate=True)
        except (binascii.Error, ValueError):
            continue
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if decoded.isprintable() or decoded.strip().isprintable():
            blobs.append(decoded)
    return blobs


TRUNCATION_MARK = "…"


def bounded(text: str, max_length: int) -> str:
    """What is kept of an input: `text` itself, or its first `max_length` characters and an
    ellipsis when it is longer. Over-long input is refused, and only this prefix is stored (in
    the message and the audit log) or looked at further; it is always longer than
    `max_length` when cut, so screening refuses it for its length."""
    if len(text) <= max_length:
        return text
    return text[:max_length] + TRUNCATION_MARK


def screen_question(text: str, *, max_length: int = 2000) -> ScreenResult:
    """Screen a user question: empty, too long, control characters, prompt injection.

    The length is checked first, and nothing else reads more than `max_length` characters of
    an over-long text: refusing a megabyte costs what refusing a line does."""
    if text is None or not str(text).strip():
        return ScreenResult(False, "empty_question", "empty", "es")
    text = str(text)
    if len(text) > max_length:
        lang = detect_language(text[:max_length])
        return ScreenResult(False, "question_too_long", f"longer than {max_length}", lang)
    lang = detect_language(text)
    if _CONTROL_RE.search(text):
        return ScreenResult(False, "control_characters", "control or bidi characters", lang)
    folded = fold(text)
    label = _injection(folded)
    if label is None:
        for decoded in _decoded_blobs(visible_text(text)):
            inner = _injection(fold(decoded))
            if inner is not None:
                label = f"base64 {inner}"
                break
    if label is not None:
        return ScreenResult(False, "prompt_injection", label, lang)
    if any(regex.search(folded) for regex, _ in _WRITE_RES):
        return ScreenResult(False, "sql_not_read_only", "write request", lang)
    return ScreenResult(True, None, "", lang)
