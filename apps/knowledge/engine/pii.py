"""Personal data in a schema: which columns hold it, which tables are sensitive.

Pure (no Django): introspection calls it with names and a sample of values, the catalog refresh
with the flags it found. Two signals, either one flags a column:

- **the name**, split into words whatever its style (`FirstName`, `first_name`, `FIRST NAME`,
  `HomePhone`, `fecha_nacimiento`), in English and Spanish: e-mail, phone, fax, address,
  postal code, birth date, first/last name, DNI/NIE/NIF, SSN, passport, IBAN, bank account,
  card number, salary, password, user name (also the short `fname`/`lname`). A bare `name`/`nombre`/
  `full name` is a person's name only in a person-like table (customers, employees, staff,
  owners, visitors, conductors, …) or when the column's own words name a person
  (`manager_name`, `nombre_cliente`): a product's, a shop's or a country's name is not
  personal. Keys (`address_id`, `customer_key`) never are.
- **the values**, on a sample of a text column: most values look like an e-mail address, a
  phone number, an IBAN (mod-97 checked) or a payment card number (Luhn checked).

A table is **sensitive** (kept from viewers and analysts by the default policies) when its name
or one of its personal columns is about pay, banking or identity documents (salary, salario,
nómina, payroll, IBAN, bank, cuenta, SSN, DNI, passport, password), or when most of its
non-key columns are personal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# The project's one splitter of identifiers (any naming style, accents folded).
from datachat.text import (
    common_word,
    compound_nouns,
    english_adjective,
    identifier_words,
    person_noun,
)

# --- names -------------------------------------------------------------------------------------


def _wordlist(text: str) -> list[str]:
    return text.split()


def _phrases(text: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(p.split()) for p in text.split(",") if p.strip())


# One word is enough (after splitting): the column holds personal data.
_PII_WORDS = frozenset(
    _wordlist(
        """
        email emails mail correo correos phone phones telephone telefono telefonos tel movil
        mobile cellphone cell celular fax address addresses direccion direcciones domicilio
        street calle zip zipcode postcode postalcode surname surnames apellido apellidos
        firstname lastname fname lname mname username usernames nickname birthdate birthday dob
        nacimiento dni nie nif ssn
        passport pasaporte
        password passwd contrasena iban salary salaries salario salarios sueldo sueldos nomina
        nominas payroll wage wages
        """
    )
)
# Several words together.
_PII_PHRASES = _phrases(
    """
    first name, last name, given name, family name, middle name, maiden name, contact name,
    user name, nombre usuario,
    contact person, birth date, date of birth, fecha nac, postal code, codigo postal,
    cod postal, bank account, account number, cuenta bancaria, numero cuenta, card number,
    credit card, tarjeta credito, social security, seguridad social, tax id, national id,
    id card,
    """
)
# A person's name: only personal in a table about people.
_NAME_WORDS = frozenset({"name", "names", "nombre", "nombres", "fullname"})
# Words for people: any English noun WordNet reads as a kind of person (`person_noun`:
# customer, employee, singer, journalist, player, highschooler, …), and these, which it does not:
# Spanish, and English nouns with a frequent other sense (a conductor is also a material, a
# patient a grammatical role) or for a group of people (staff, people).
_PERSON_WORDS = frozenset(
    _wordlist(
        """
        cliente clientes empleado empleados staff person persons people persona personas
        representative representatives
        usuario usuarios contact contacts contacto contactos propietario propietarios alumno
        alumnos patient patients paciente pacientes member members socio socios trabajador
        trabajadores driver drivers teacher teachers profesor profesores autor autores vendedor
        vendedores conductor conductors visitante visitantes agent agents voluntario voluntarios
        ciudadano ciudadanos residente residentes inquilino inquilinos supervisor supervisors
        pupil pupils estudiante estudiantes tecnico tecnicos abogado abogados
        """
    )
)
# A table of addresses: its "line" columns are street lines.
_ADDRESS_TABLE = frozenset(
    {"address", "addresses", "direccion", "direcciones", "domicilio", "domicilios"}
)
# Words that make a column a key or a code of something else, never personal by its name.
_KEY_WORDS = frozenset({"id", "key", "fk", "pk", "ref", "code"})
# Sensitive: pay, banking, identity documents, credentials.
_SENSITIVE_WORDS = frozenset(
    _wordlist(
        """
        salary salaries salario salarios sueldo sueldos nomina nominas payroll wage wages iban
        bank banco bancaria bancario cuenta ssn dni nie nif passport pasaporte password passwd
        contrasena
        """
    )
)
_SENSITIVE_PHRASES = _phrases(
    """
    social security, seguridad social, credit card, card number, tarjeta credito,
    bank account,
    """
)


def _has_phrase(words: Sequence[str], phrases: Iterable[tuple[str, ...]]) -> bool:
    for phrase in phrases:
        size = len(phrase)
        for start in range(len(words) - size + 1):
            if tuple(words[start : start + size]) == phrase:
                return True
    return False


def person_word(word: str, *, head: bool = True) -> bool:
    """Whether a folded word (or a compound noun, "roller coaster") names people: one of
    `_PERSON_WORDS`, or an English noun whose frequent senses are all kinds of person in WordNet
    (`datachat.text.person_noun`). Before the head of a name, a word that is also an adjective
    qualifies it ("Official_Name", "senior_discount"), it names nobody."""
    if word in _PERSON_WORDS:
        return True
    return person_noun(word) and (head or not english_adjective(word))


def _people_words(name: str) -> list[bool]:
    words = compound_nouns(identifier_words(name))
    return [person_word(w, head=i == len(words) - 1) for i, w in enumerate(words)]


def person_table(table: str) -> bool:
    """Whether a table's name says its rows are people (customers, employees, journalists,
    high schoolers, …): one of its words is a word for people (a compound WordNet holds read
    whole: a roller coaster is no coaster)."""
    return any(_people_words(table))


def name_is_pii(table: str, column: str) -> bool:
    """Whether a column's name says it holds personal data (see the module docstring)."""
    words = identifier_words(column)
    if not words:
        return False
    if words[-1] in _KEY_WORDS:
        # address_id, customer_key, country_code: keys and codes (but a postal code is personal)
        return words[-2:] in (
            ["postal", "code"],
            ["zip", "code"],
            ["tax", "id"],
            ["national", "id"],
        )
    if any(word in _PII_WORDS for word in words) or _has_phrase(words, _PII_PHRASES):
        return True
    if words in (["e", "mail"], ["e", "mail", "address"]):
        return True
    if {"line", "linea", "lines", "lineas"} & set(words) and _ADDRESS_TABLE & set(
        identifier_words(table)
    ):
        # line_1, line_2 of an addresses table: the street lines of an address
        return True
    if any(word in _NAME_WORDS for word in words) or words[-2:] == ["full", "name"]:
        # "name", "customer name", "full name" of a person; "company name" is a firm's.
        business = {"company", "compania", "empresa", "business", "firm", "store", "shop"}
        if business & set(words):
            return False
        # "manager_name", "nombre_cliente": a person's name in any table.
        return person_table(table) or any(_people_words(column))
    return False


def name_is_sensitive(name: str) -> bool:
    """Whether a table or column name is about pay, banking, identity documents or credentials."""
    words = identifier_words(name)
    return any(word in _SENSITIVE_WORDS for word in words) or _has_phrase(words, _SENSITIVE_PHRASES)


# --- values ------------------------------------------------------------------------------------

_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[\d\s().\-/]{7,24}(\s*(x|ext\.?)\s*\d{1,6})?$", re.IGNORECASE)
_DATE_LIKE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T].*)?$")
_DECIMAL_LIKE = re.compile(r"^-?\d{1,3}([.,]\d{3})*([.,]\d{1,2})?$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
# A span of years ('2010-2011'), alone or after a count ('2 (2010-2011)'): no phone number.
_YEAR_SPAN = re.compile(
    r"^(\d{1,3}\s*)?\(?\s*(?P<first>(1[89]|20)\d\d)\s*[-/]\s*(?P<last>(1[89]|20)\d\d)\s*\)?$"
)
# A column is personal by its values when this share of the sampled values matches one kind.
VALUE_SHARE = 0.6


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _iban_ok(compact: str) -> bool:
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def value_kind(value: str) -> str:
    """`email`, `phone`, `iban`, `card` or "" for one value."""
    text = value.strip()
    if not text or len(text) > 64:
        return ""
    if _EMAIL.match(text):
        return "email"
    compact = re.sub(r"[\s-]", "", text).upper()
    if _IBAN.match(compact) and _iban_ok(compact):
        return "iban"
    # A long number passing Luhn, written like a card (in groups, or 15-16 digits).
    card_like = text != compact or len(compact) in (15, 16)
    if compact.isdigit() and 13 <= len(compact) <= 19 and card_like and _luhn(compact):
        return "card"
    if _year_span(text):
        return ""
    if _PHONE.match(text) and not _DATE_LIKE.match(text) and not _DECIMAL_LIKE.match(text):
        digits = re.sub(r"\D", "", text.split("x")[0].split("X")[0])
        has_separator = text.startswith("+") or any(ch in text for ch in " ()-./")
        if 7 <= len(digits) <= 15 and has_separator:
            return "phone"
    return ""


def _year_span(text: str) -> bool:
    """A span of years, alone or after a count: '2010-2011', '2 (2010-2011)' (seasons played),
    never a phone number."""
    match = _YEAR_SPAN.match(text)
    if match is None:
        return False
    first, last = int(match["first"]), int(match["last"])
    return first <= last <= first + 100


def values_pii_kind(values: Iterable[object]) -> str:
    """The kind of personal data most sampled values are (e-mail, phone, IBAN, card), or ""."""
    texts = [str(v) for v in values if v is not None and str(v).strip()]
    if len(texts) < 3:
        return ""
    counts: dict[str, int] = {}
    for text in texts:
        kind = value_kind(text)
        if kind:
            counts[kind] = counts.get(kind, 0) + 1
    if not counts:
        return ""
    kind, hits = max(counts.items(), key=lambda item: item[1])
    return kind if hits >= VALUE_SHARE * len(texts) else ""


# --- people's names in a column named after what a person is or did ------------------------

# Particles inside a person's name ("Thierry de Termond", "Ludwig van Beethoven").
_NAME_PARTICLES = frozenset(
    _wordlist("de del della der di da das dos du la le van von den bin ibn al y e")
)
# A word of a firm's or a group's name: a value holding one is no person's name.
_ORGANISATION_WORDS = frozenset(
    _wordlist(
        """
        co company companies corp corporation inc incorporated ltd limited llc plc gmbh
        ag sa sl bv group holdings bros brothers sons partners associates shipyard shipyards
        shipbuilding yard yards works industries studio studios productions pictures films
        records entertainment media university college school institute club fc team united
        council department ministry government
        """
    )
)
# One word of a person's name: capitalised ("Jelenic", "DeMatteis", "O'Brien", "Kyu-tae",
# "García"), all capitals ("GUINESS"), or an initial ("J.").
_NAME_TOKEN = re.compile(r"^(?:[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)*|[^\W\d_]\.)$")


def _name_token(token: str) -> bool:
    return (
        bool(_NAME_TOKEN.match(token))
        and token[0].isupper()
        and (len(token) > 1 or token.endswith("."))
    )


# A column holds people's names by its values when this share of the sampled values is one.
NAME_VALUE_SHARE = 0.6


def person_role_column(column: str) -> bool:
    """Whether a column's name says a person did something to the row or is the person in a
    role: `<verb>_by` (`Directed_by`, `Written_by`, `Reported_by`; Spanish `escrito_por`) or a
    word for people as its last word (`Player`, `Author`, `Manager`, `bulgarian_commander`).
    Its values decide whether it holds their names (`names_people`)."""
    words = identifier_words(column)
    if len(words) >= 2 and words[-1] in ("by", "por"):
        return True
    return bool(words) and words[-1] not in _KEY_WORDS and person_word(words[-1])


def value_is_person_name(value: str) -> bool:
    """Whether a value begins like a person's name: two to four capitalised words, particles
    between them ("Ben Jones", "J. M. DeMatteis", "Cho Soong-Jae (630)"), not all of them
    common English words (a position, "Point Guard", is not a name; nor, alone, "Tom Hardy":
    the column is decided by most of its values) and none a firm's word ("Cammell Laird & Co";
    "Harland and Wolff" has one capitalised word before "and")."""
    tokens = value.strip().split()
    if any(token.lower().strip(".,") in _ORGANISATION_WORDS for token in tokens):
        return False
    run: list[str] = []
    for token in tokens[:6]:
        if _name_token(token):
            run.append(token)
        elif token in _NAME_PARTICLES and run:
            continue
        else:
            break
        if len(run) == 4:
            break
    if len(run) < 2:
        return False
    return not all(common_word(token.lower().rstrip(".")) for token in run)


def names_people(column: str, values: Iterable[object]) -> bool:
    """Whether a column named after a person's role or deed (`person_role_column`) holds
    people's names: most of its sampled values (NAME_VALUE_SHARE, at least 3) look like one."""
    if not person_role_column(column):
        return False
    texts = [str(v) for v in values if v is not None and str(v).strip()]
    if len(texts) < 3:
        return False
    hits = sum(value_is_person_name(text) for text in texts)
    return hits >= NAME_VALUE_SHARE * len(texts)


# --- tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnFlag:
    name: str
    pii: bool
    primary_key: bool = False


def table_sensitive(table: str, columns: Sequence[ColumnFlag]) -> bool:
    """Whether a table is sensitive (see the module docstring): named after pay, banking or
    identity documents, holding such a personal column, or mostly personal columns."""
    if name_is_sensitive(table):
        return True
    if any(c.pii and name_is_sensitive(c.name) for c in columns):
        return True
    data = [
        c
        for c in columns
        if not c.primary_key and (identifier_words(c.name)[-1:] or [""])[0] not in _KEY_WORDS
    ]
    return bool(data) and sum(c.pii for c in data) * 2 > len(data)
