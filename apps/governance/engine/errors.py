"""Refusals raised by the SQL guard, the executor and the question screen.

A refusal carries a stable `code` (what API clients, the audit log and tests match on) and a
`message`: one sentence a person understands, in their language. Messages are built only from
templates plus identifiers (table, column and function names, limits); they never contain a data
value, so a masked value or another tenant's data cannot leak through an error. Anything more
technical (a parser position, a database error code) goes to `detail`, which is for logs and for
the LLM's bounded retry, and is scrubbed of data values by whoever raises.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGS = ("es", "en")

# code -> {lang: template}. Templates use str.format with named identifiers only.
_MESSAGES: Mapping[str, Mapping[str, str]] = {
    "parse_error": {
        "es": "No pude interpretar la consulta SQL: revisa la sintaxis.",
        "en": "The SQL query could not be parsed: please check its syntax.",
    },
    "empty_query": {
        "es": "La consulta está vacía.",
        "en": "The query is empty.",
    },
    "multiple_statements": {
        "es": "Solo se permite una sentencia SQL por consulta.",
        "en": "Only one SQL statement per query is allowed.",
    },
    "sql_not_read_only": {
        "es": "Solo se permiten consultas de lectura (SELECT); {what} no está permitido.",
        "en": "Only read-only queries (SELECT) are allowed; {what} is not permitted.",
    },
    "syntax_not_allowed": {
        "es": "La construcción SQL «{what}» no está permitida en las consultas.",
        "en": "The SQL construct '{what}' is not allowed in queries.",
    },
    "table_not_allowed": {
        "es": "La tabla «{table}» no existe o no está disponible para tu rol.{hint}",
        "en": "Table '{table}' does not exist or is not available to your role.{hint}",
    },
    "column_not_allowed": {
        "es": "La columna «{column}» no existe, es ambigua o no está disponible.{hint}",
        "en": "Column '{column}' does not exist, is ambiguous or is not available.{hint}",
    },
    "column_masked": {
        "es": (
            "La columna «{column}» está protegida: se puede mostrar enmascarada, pero no usar "
            "para filtrar, unir, agrupar u ordenar."
        ),
        "en": (
            "Column '{column}' is protected: it can be shown masked, but not used to filter, "
            "join, group or sort."
        ),
    },
    "function_not_allowed": {
        "es": "La función «{function}» no está permitida en las consultas.",
        "en": "Function '{function}' is not allowed in queries.",
    },
    "too_complex": {
        "es": "La consulta es demasiado compleja ({what}); simplifícala o divídela en partes.",
        "en": "The query is too complex ({what}); simplify it or split it into parts.",
    },
    "timeout": {
        "es": (
            "La consulta tardó más de {seconds} s y se canceló. Prueba a añadir un filtro o un "
            "rango de fechas, o a agregar los datos."
        ),
        "en": (
            "The query took longer than {seconds} s and was cancelled. Try adding a filter or a "
            "date range, or aggregating the data."
        ),
    },
    "row_limit": {
        "es": "La consulta devuelve demasiadas filas (más de {limit}); añade un filtro.",
        "en": "The query returns too many rows (more than {limit}); add a filter.",
    },
    "execution_error": {
        "es": "La base de datos no pudo ejecutar la consulta.",
        "en": "The database could not run the query.",
    },
    "not_authorized": {
        "es": "Tu rol no permite hacer consultas de datos.",
        "en": "Your role does not allow data queries.",
    },
    "question_too_long": {
        "es": "La pregunta es demasiado larga; resúmela en menos palabras.",
        "en": "The question is too long; please shorten it.",
    },
    "empty_question": {
        "es": "La pregunta está vacía.",
        "en": "The question is empty.",
    },
    "control_characters": {
        "es": "La pregunta contiene caracteres de control no permitidos.",
        "en": "The question contains control characters that are not allowed.",
    },
    "prompt_injection": {
        "es": (
            "La pregunta contiene instrucciones o comandos que no puedo seguir. Reformúlala como "
            "una pregunta sobre los datos."
        ),
        "en": (
            "The question contains instructions or commands I cannot follow. Please rephrase it "
            "as a question about the data."
        ),
    },
    # A data source whose stored location breaks the location rules (knowledge/locations.py):
    # refused when opening, whatever was stored before.
    "location_invalid": {
        "es": "La ubicación de esta fuente de datos no es válida; avisa a la plataforma.",
        "en": "This data source's location is not valid; tell the platform team.",
    },
    "location_outside_org": {
        "es": (
            "La ubicación de esta fuente de datos está fuera de la carpeta de tu organización y "
            "no se abre."
        ),
        "en": "This data source's location is outside your organization's folder; not opened.",
    },
    "location_is_platform": {
        "es": "Esta fuente de datos apunta a la propia plataforma y no se abre.",
        "en": "This data source points at the platform itself; it is not opened.",
    },
    "host_not_allowed": {
        "es": "El servidor de esta fuente de datos no está en la lista de servidores permitidos.",
        "en": "This data source's server is not in the list of allowed hosts.",
    },
    "location_unavailable": {
        "es": "No se pudo abrir esta fuente de datos.",
        "en": "This data source could not be opened.",
    },
}

CODES = frozenset(_MESSAGES)


def normalise_lang(lang: str | None) -> str:
    """'es' unless the caller asked for a language we have messages in."""
    return lang if lang in LANGS else "es"


def refusal_message(code: str, lang: str = "es", **params: object) -> str:
    """The localised sentence for `code`, with identifiers filled in (missing ones blank)."""
    templates = _MESSAGES.get(code) or _MESSAGES["execution_error"]
    template = templates[normalise_lang(lang)]
    return template.format_map(_BlankMissing(params))


class _BlankMissing(dict):
    def __missing__(self, key: str) -> str:
        return ""


class SqlRefusal(Exception):
    """A query or question that is refused, with a stable code and a human message.

    `str(refusal)` is `"<code>: <message>"`; `detail` is never part of it.
    """

    def __init__(
        self,
        code: str,
        *,
        lang: str = "es",
        detail: str | None = None,
        message: str | None = None,
        **params: object,
    ) -> None:
        if code not in CODES:
            raise ValueError(f"unknown refusal code: {code}")
        self.code = code
        self.lang = normalise_lang(lang)
        self.message = message or refusal_message(code, self.lang, **params)
        self.detail = detail
        super().__init__(f"{code}: {self.message}")

    def __reduce__(self):  # pickling (Celery results) keeps code, message and detail
        return (_rebuild_refusal, (self.code, self.lang, self.message, self.detail))


def _rebuild_refusal(code: str, lang: str, message: str, detail: str | None) -> SqlRefusal:
    return SqlRefusal(code, lang=lang, message=message, detail=detail)
