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
  personal. Keys (`address_id`, `customer_key`) never are, nor the address of a building or
  an organisation (`building.Street_address`, `schools.zip_code`: `place_table`).
- **the values**, on a sample of a text column: most values look like an e-mail address, a
  phone number, an IBAN (mod-97 checked) or a payment card number (Luhn checked); or, in a
  column named for people or a `name` whose table's name or other columns say its rows are
  people, people's names (`names_people`).

A table is **sensitive** (kept from viewers and analysts by the default policies) when its name
or one of its personal columns is about pay, banking or identity documents (salary, salario,
nómina, payroll, IBAN, bank, cuenta, SSN, DNI, passport, password), or when most of its
non-key columns are personal.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

# The project's one splitter of identifiers (any naming style, accents folded).
from datachat.text import (
    common_word,
    compound_nouns,
    english_adjective,
    fold,
    identifier_words,
    noun_kind,
    person_noun,
    place_first,
    place_noun,
    surname_noun,
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
        firstname forename forenames lastname fname lname mname username usernames nickname
        birthdate birthday dob nacimiento dni nie nif ssn
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
# Spanish (the engine's second language: `jugadores.nombre` is as personal as `players.name`),
# and English nouns with a frequent other sense (a conductor is also a material, a
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
        pupil pupils estudiante estudiantes tecnico tecnicos abogado abogados personnel
        jugador jugadores gerente gerentes entrenador entrenadores doctor doctores director
        directores encargado encargados huesped huespedes pasajero pasajeros piloto pilotos
        cantante cantantes actor actores actriz actrices artista artistas lector lectores
        miembro miembros jefe jefes medico medicos enfermero enfermeros enfermera enfermeras
        periodista periodistas comprador compradores arbitro arbitros atleta atletas
        deportista deportistas musico musicos escritor escritores candidato candidatos
        solicitante solicitantes invitado invitados participante participantes ponente ponentes
        anfitrion anfitriones anfitriona anfitrionas presentador presentadores presentadora
        presentadoras tripulante tripulantes orador oradores oradora oradoras conferenciante
        conferenciantes ganador ganadores ganadora ganadoras capitan capitanes dueno duenos
        duena duenas conductores conductora conductoras escaladores escalador alpinista alpinistas
        """
    )
)
# Words for a person in a role that WordNet reads first as something else, or for a group of
# people (a host is first a multitude, a crew a unit): a column named so, or a bare `name` of a
# table named so, holds people's names when its values say so (`names_people`). WordNet's own
# nouns with one of their two frequent senses a person (climber, speaker, editor, founder:
# `datachat.text.noun_kind` "role") count too.
_ROLE_WORDS = frozenset(
    _wordlist(
        """
        host hosts crew crews cast panel jury presenter presenters anchor anchors responsable
        responsables titular titulares tripulacion
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
    whole: a roller coaster is no coaster). A word for people before a head WordNet holds as a
    thing names the things, not people ("Web_client_accelerator", "customer_orders"); their
    `name` is judged by its values (`names_people`). Generic last words ("employee_data",
    "staff_list") are no head."""
    words = compound_nouns(identifier_words(table))
    while len(words) > 1 and words[-1] in _GENERIC_TABLE_WORDS:
        words = words[:-1]
    people = [person_word(w, head=i == len(words) - 1) for i, w in enumerate(words)]
    if not any(people):
        return False
    return people[-1] or noun_kind(words[-1]) != "thing"


# The words of an address (a street, a postal code): a person's where they live or work, a
# building's or an organisation's where it stands (`place_table`).
_ADDRESS_WORDS = frozenset(
    _wordlist(
        """
        address addresses direccion direcciones domicilio street calle zip zipcode postcode
        postalcode
        """
    )
)
_ADDRESS_PHRASES = _phrases("postal code, codigo postal, cod postal, zip code")
_NOT_ADDRESS_PHRASES = tuple(p for p in _PII_PHRASES if p not in _ADDRESS_PHRASES)
# Spanish words for buildings, places and organisations (WordNet's are English: `place_noun`).
_PLACE_WORDS_ES = frozenset(
    _wordlist(
        """
        edificio edificios empresa empresas compania companias tienda tiendas sucursal
        sucursales oficina oficinas sede sedes colegio colegios escuela escuelas universidad
        universidades hospital hospitales hotel hoteles museo museos estadio estadios iglesia
        iglesias almacen almacenes fabrica fabricas restaurante restaurantes institucion
        instituciones organizacion organizaciones local locales centro centros
        """
    )
)


def place_table(table: str) -> bool:
    """Whether a table's name says its rows are buildings, places or organisations (`building`,
    `Institution`, `schools`, `store_locations`, `sucursales`): its head word (generic last words
    such as `data` skipped) is one for WordNet (`datachat.text.place_noun`: not where people live,
    a house or a home) and no word of it names people (`customer_sites`, `Suppliers`). A table of
    addresses is not one: its rows are the addresses of whatever points to them."""
    words = compound_nouns(identifier_words(table))
    while len(words) > 1 and words[-1] in _GENERIC_TABLE_WORDS:
        words = words[:-1]
    if not words or words[-1] in _ADDRESS_TABLE or any(role_word(w) for w in words):
        return False
    return words[-1] in _PLACE_WORDS_ES or place_noun(words[-1])


def _address_column(words: Sequence[str]) -> bool:
    """Whether every personal word of a column's name is an address's (`Street_address`,
    `zip_code`, `codigo_postal`), none a phone's, an e-mail's or a person's."""
    personal = {w for w in words if w in _PII_WORDS}
    if _has_phrase(words, _ADDRESS_PHRASES):
        personal.add("address")
    return (
        bool(personal)
        and personal <= _ADDRESS_WORDS
        and not _has_phrase(words, _NOT_ADDRESS_PHRASES)
    )


# Words before "name" that make it a firm's ("company name"), whatever the table.
_BUSINESS_WORDS = frozenset({"company", "compania", "empresa", "business", "firm", "store", "shop"})


def name_is_pii(table: str, column: str) -> bool:
    """Whether a column's name says it holds personal data (see the module docstring)."""
    words = identifier_words(column)
    if not words:
        return False
    if _address_column(words) and place_table(table) and not any(_people_words(column)):
        # a building's `Street_address`, a school's `zip_code`: where it stands, no one's home
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
        if _BUSINESS_WORDS & set(words):
            return False
        # "manager_name", "nombre_cliente": a person's name in any table.
        if any(_people_words(column)):
            return True
        # "Song_Name" of a singer: the name of a thing WordNet holds, no person's.
        if _names_a_thing(words):
            return False
        return person_table(table)
    return False


# Words before "name" that say which of a person's names it is, never whose.
_NAME_QUALIFIERS = frozenset(
    _wordlist(
        """
        first last full given middle family maiden nick display legal real birth stage pen
        screen christian second sur preferred official common short long complete proper
        """
    )
)


def _names_a_thing(words: Sequence[str]) -> bool:
    """Whether a name column's own words name the thing whose name it is ("Song_Name",
    "pet_name", "team_name"): a word besides "name" that WordNet holds as a noun for things
    only (`noun_kind`), not one saying which of a person's names it is ("stage_name")."""
    others = [w for w in words if w not in _NAME_WORDS and w not in _NAME_QUALIFIERS]
    return any(noun_kind(w) == "thing" for w in others if w.isalpha())


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
# A title before a person's name ("Dr. John Smith", "Sra. Ruiz"): dropped in a role column.
_NAME_TITLES = frozenset(
    _wordlist("mr mrs ms miss mx dr prof sir dame rev fr capt sr sra srta dra don doña")
)
# A word of a firm's or a group's name: a value holding one is no person's name.
_ORGANISATION_WORDS = frozenset(
    _wordlist(
        """
        co company companies corp corporation inc incorporated ltd limited llc plc gmbh
        ag sa sl bv group holdings bros brothers sons partners associates shipyard shipyards
        shipbuilding yard yards works industries studio studios productions pictures films
        records entertainment media university college school institute club fc team united
        council department ministry government motor motors systems logistics foods solutions
        services technologies labs airlines airways insurance pharma energy automotive
        electric electronics software consulting ventures enterprises trading international
        global network foundation association society
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
    word for people or for people in a role as its last word (`Player`, `Author`, `Manager`,
    `bulgarian_commander`, `Hosts`, `crew`, `speaker`). Its values decide whether it holds their
    names (`names_people`)."""
    words = identifier_words(column)
    if len(words) >= 2 and words[-1] in ("by", "por"):
        return True
    return bool(words) and words[-1] not in _KEY_WORDS and role_word(words[-1])


def role_word(word: str) -> bool:
    """Whether a folded word may name people in a role, their values deciding: a word for
    people (`person_word`), one of `_ROLE_WORDS` (host, crew, anchor), or an English noun one of
    whose two frequent senses is a person in WordNet ("climber", "speaker", "editor")."""
    return person_word(word) or word in _ROLE_WORDS or noun_kind(word) == "role"


def value_is_person_name(value: str) -> bool:
    """Whether a value begins like a person's name: two to four capitalised words, particles
    between them ("Ben Jones", "J. M. DeMatteis", "Cho Soong-Jae (630)", surname first "SMITH,
    John"), not all of them
    common English words (a position, "Point Guard", is not a name; nor, alone, "Tom Hardy":
    the column is decided by most of its values) and none a firm's word ("Cammell Laird & Co";
    "Harland and Wolff" has one capitalised word before "and")."""
    tokens = value.strip().split()
    if any(token.lower().strip(".,") in _ORGANISATION_WORDS for token in tokens):
        return False
    run: list[str] = []
    for i, token in enumerate(tokens[:6]):
        if i == 0 and token.endswith(",") and len(tokens) > 1:
            token = token[:-1]  # "SMITH, John", "Jones, Ben": surname first
        if i > 0 and token[-1:] in (",", ";") and _name_token(token[:-1]):
            run.append(token[:-1])  # "John Smith, Jane Doe": a list of names, the first one
            break
        if _name_token(token):
            run.append(token)
        elif token in _NAME_PARTICLES and run:
            continue
        else:
            break
        if len(run) == 4:
            break
    if len(run) < 2 or _brand_like(tokens[:6], run):
        return False
    return not all(common_word(token.lower().rstrip(".")) for token in run)


# A word of a product's or a brand's name: a model number ("Flip 5", "SRS-XB43"; a number in
# brackets, "Cho Soong-Jae (630)", is a person's count or rank), or a capital inside a word after
# three small letters ("SoundLink", "HomePod", "DigitalOcean"; not "McDonald", "DeMatteis").
_MODEL_TOKEN = re.compile(r"^[^\W_]*\d[\w.-]*$")
_INNER_CAPITAL = re.compile(r"[a-z]{3}[A-Z]")
# Last words of a product line's or a service's name ("Google Cloud", "Samsung Galaxy", "Sonos
# One", "Apple Music"): a brand's known suffix. A surname that is a common noun ("Baker",
# "Smith", "Rose") is none: only such a suffix, a model number or an inner capital is a brand's.
_BRAND_SUFFIXES = frozenset(
    _wordlist(
        """
        cloud galaxy pixel one plus pro max mini lite air online mobile pay tv music play store
        drive maps mail watch pod pad phone tab echo office express prime web net app apps hub
        box cam smart home assistant
        """
    )
)


def _brand_like(tokens: Sequence[str], run: Sequence[str]) -> bool:
    """Whether a value that begins like a person's name is a product's or a brand's, by real
    brand evidence: one of its words is a model number or has a brand's inner capital
    (`_MODEL_TOKEN`, `_INNER_CAPITAL`), or, after a first word that is no known first name, its
    last name word is a product line's or a service's known suffix ("Google Cloud", "Samsung
    Galaxy"; "Bill Gates", "Ximena Rose", "Elon Baker" are people's names)."""
    if any(_MODEL_TOKEN.match(t) for t in tokens) or any(_INNER_CAPITAL.search(t) for t in run):
        return True
    last = fold(run[-1]).lower().rstrip(".")
    return not first_name(run[0]) and last in _BRAND_SUFFIXES


def _role_value_is_name(value: str) -> bool:
    """A value of a column named for people that is a person's name: one by
    `value_is_person_name`, or a first name alone ("Kyle") or a name in lower case ("steve
    ralston"), beginning with a first name of `first_names.txt`."""
    if value_is_person_name(value):
        return True
    tokens = value.strip().split()
    if not 1 <= len(tokens) <= 4 or not first_name(tokens[0]):
        return False
    if not all(t.replace("-", "").replace("'", "").replace(".", "").isalpha() for t in tokens):
        return False
    return len(tokens) == 1 or value.strip() == value.strip().lower() or value_is_full_name(value)


def names_people(
    column: str, values: Iterable[object], table: str = "", columns: Sequence[str] = ()
) -> bool:
    """Whether a text column holds people's names, judged on a sample of its values (at least
    3, NAME_VALUE_SHARE of them) and on the names of its table's `columns`:

    - a bare `name` or a column named for people in a role (`person_role_column`) of a table
      whose rows are people (`_people_rows`: by its name, or by its other columns, a
      nationality, a hometown, an age and a birth date, when its name is a role's or names no
      thing), when its values are people's names, one word alone included (a surname,
      "Hamilton", or a given name not on the list, "Kaloyan": `_one_word_name`);
    - a column named after a person's deed or with a word for people last (`Player`, `Hosts`,
      `Directed_by`), when its values are people's names (`value_is_person_name`, a first name
      alone or in lower case); a column or a bare `name` of a table named by a word one of
      whose senses is a person (`speaker`, `climber.Name`, `makers.full_name`: `role_word`),
      when they pass the strict test below (a maker is mostly a firm: "Zeta Carriages");
    - a column of a table whose name says nothing of its rows (`Sheet1`, `hoja1`, `datos`,
      `export`: a spreadsheet's), or a bare `name` of a table that names no thing WordNet holds
      (`jugadoras`, `ventas`), unless the column names a thing (`City`, `Title`, `Producto`
      counts as unknown and is judged), when its values look like "Firstname Lastname"
      (`value_is_full_name`: a known first name first, no place's or firm's word).
    """
    words = identifier_words(column)
    if not words or words[-1] in _KEY_WORDS:
        return False
    texts = [str(v).strip() for v in values if v is not None and str(v).strip()]
    if len(texts) < 3:
        return False
    needed = NAME_VALUE_SHARE * len(texts)
    bare = _bare_name(words)
    if (bare or person_role_column(column)) and table and _people_rows(table, columns):
        # a table's naming column holds distinct values: one word repeated is a category's
        alone = not bare or len(set(texts)) >= NAME_DISTINCT_SHARE * len(texts)
        hits = sum(_role_value_is_name(t) or (alone and _one_word_name(t)) for t in texts)
        if hits >= needed:
            return True
    if _named_role(words) and sum(_name_in_role(t) for t in texts) >= needed:
        return True  # "manager", "coach", "captain" holding "Smith", "Rose Baker"
    if _people_column(words):
        test = _role_value_is_name
    elif person_role_column(column) or (bare and _role_table(table)):
        test = value_is_full_name  # a word whose first sense may be no person ("maker")
    else:
        test = None
    if test is not None and sum(test(text) for text in texts) >= needed:
        return True
    if table and (_things_name_of_people(table, words) or (bare and _people_things(table))):
        # "billing_name", "card_name" of a customer: a thing's name (`name_is_pii` lets it
        # pass, as "Song_Name" of a singer), but often the person's own name on it: the
        # lenient test (a rare first name, "Zelda Quixote", is still a name).
        hits = sum(value_is_person_name(t) or value_is_full_name(t) for t in texts)
        return hits >= needed
    if not table or not _judged_by_values(table, words, bare=bare):
        return False
    return sum(value_is_full_name(text) for text in texts) >= needed


# Of a table's naming column, at least this share of the sampled values differ.
NAME_DISTINCT_SHARE = 0.8
# Columns only a table of people has (`nationality`, `Home_Town`, `Birth_Place`), and those a
# table of animals has too (a dog's `age`, `date_of_birth`, `gender`): one of the first or two
# of the second say a table's rows are people. Height and weight are things' as well.
_PERSON_ATTRIBUTES = _phrases(
    """
    nationality, citizenship, nacionalidad, ciudadania, hometown, home town, birthplace,
    birth place, place of birth, lugar nacimiento, occupation, profession, ocupacion,
    profesion, marital, estado civil, spouse, conyuge, religion, ethnicity,
    """
)
_LIVING_ATTRIBUTES = _phrases(
    """
    age, edad, birth, born, birthday, birthdate, dob, nacimiento, gender, genero, sex, sexo,
    male, female,
    """
)


def _people_rows(table: str, columns: Sequence[str]) -> bool:
    """Whether a table's rows are people: its name says so (`person_table`), or its other
    columns do while its name does not say otherwise: a column only people have for a table
    named by a role (`rider`, `speaker`, and `Dogs`, a dog being also "a dull unattractive
    girl": `_role_table`), that or two of a living being's for a table whose name names no
    thing WordNet holds (`f1_2024`, `Sheet1`). A `ship` or a `team` with a nationality is no
    one."""
    if person_table(table):
        return True
    column_words = [identifier_words(c) for c in columns]
    if any(_has_phrase(w, _PERSON_ATTRIBUTES) for w in column_words):
        return _role_table(table) or not _table_names_a_thing(table)
    living = sum(_has_phrase(w, _LIVING_ATTRIBUTES) for w in column_words)
    return living >= 2 and not _role_table(table) and not _table_names_a_thing(table)


def _one_word_name(value: str) -> bool:
    """A surname or a given name alone ("Hamilton", "Verstappen", "Pelé", "O'Neill"): one
    capitalised word of letters, not an English common word ("Forward", "Unknown"), not a code
    in capitals ("NYY", "ESK") nor with a brand's inner capital ("SoundLink")."""
    token = value.strip()
    if " " in token or token.endswith(".") or not _name_token(token):
        return False
    if (token.isupper() and len(token) <= 4) or _INNER_CAPITAL.search(token):
        return False
    return not common_word(fold(token).lower())


def _people_things(table: str) -> bool:
    """A table named by a word for people before a thing's head ("user_accounts",
    "passenger_bookings", "Web_client_accelerator"), which `person_table` reads as things: its
    bare `name` is often the person's (an account holder's), so the lenient test decides."""
    words = compound_nouns(identifier_words(table))
    return any(person_word(w) for w in words) and not person_table(table)


def _things_name_of_people(table: str, words: Sequence[str]) -> bool:
    """A name column of a table of people whose words name a thing (`_names_a_thing`:
    "Song_Name", "billing_name", "name_on_card"), which `name_is_pii` reads as no person's:
    its values decide."""
    return (
        any(w in _NAME_WORDS for w in words)
        and not _BUSINESS_WORDS & set(words)
        and _names_a_thing(words)
        and person_table(table)
    )


# Names of a column that hold a person in a role whatever the table's rows are (a shop's
# `manager`, a team's `coach`, a ship's `captain`): one- or two-word capitalised names there are
# people's, a surname alone included (`_name_in_role`).
_ROLE_COLUMNS = frozenset(
    _wordlist(
        """
        manager managers coach coaches captain captains director directors owner owners contact
        contacts host hosts author authors editor editors founder founders president presidents
        chairman chairwoman chairperson leader leaders boss supervisor supervisors teacher
        teachers instructor instructors trainer trainers referee referees umpire umpires pilot
        pilots skipper skippers commander commanders presenter presenters chef chefs landlord
        landlords tenant tenants ceo
        gerente gerentes entrenador entrenadora entrenadores capitan capitana capitanes
        directora directoras dueno duena duenos duenas propietario propietaria propietarios
        contacto contactos anfitrion anfitriona anfitriones autor autora autores editora
        fundador fundadora fundadores presidente presidenta presidentes jefe jefa jefes
        encargado encargada encargados responsable responsables profesor profesora piloto
        arbitro arbitra comandante presentador presentadora inquilino inquilina casero casera
        """
    )
)


def _named_role(words: Sequence[str]) -> bool:
    """A column named by a person's role (`_ROLE_COLUMNS`), alone or before a name word
    (`manager`, `Head_Coach`, `captain_name`, `nombre_del_entrenador` is not: its last word is
    the name, its role said before it)."""
    if not words or words[-1] in _KEY_WORDS:
        return False
    if words[-1] in _NAME_WORDS and len(words) >= 2:
        return words[-2] in _ROLE_COLUMNS
    return words[-1] in _ROLE_COLUMNS


def _name_in_role(value: str) -> bool:
    """A value of a column named by a person's role that is a person's name: one by
    `_role_value_is_name`, or one to three capitalised words (particles between them), none a
    firm's, a place's or a product's, each a known first name, a surname WordNet holds
    ("Smith", "Baker") or no English common word ("Wenger"), the first no place
    first ("London", "Beijing": a city hosts too), no code in capitals ("NYY", "COSCO")."""
    if _role_value_is_name(value):
        return True
    tokens = value.strip().split()
    bare = _without_titles(tokens)
    if bare != tokens:  # "Dr. John Smith", "J. Smith": the name after them is judged
        return _name_in_role(" ".join(bare))
    run = [t for t in tokens if t not in _NAME_PARTICLES]
    if not 1 <= len(run) <= 3 or not all(_name_token(t) and not t.endswith(".") for t in run):
        return False
    folded = [fold(t).lower() for t in run]
    if any(w in _ORGANISATION_WORDS or w in _PLACE_WORDS for w in folded):
        return False
    if _brand_like(tokens, run) or any(t.isupper() and (len(t) <= 4 or len(run) == 1) for t in run):
        return False  # "NYY", "COSCO": a code or a firm's initials
    if place_first(folded[0]):
        return False
    return all(
        first_name(t) or surname_noun(w) or not common_word(w)
        for t, w in zip(run, folded, strict=True)
    )


def _without_titles(tokens: list[str]) -> list[str]:
    """A name's tokens without a leading title ("Dr.", "Mrs", "Sra.") or initials ("J.", "J.
    R."), as long as a word stays after them."""
    while len(tokens) > 1 and (
        fold(tokens[0].rstrip(".")).lower() in _NAME_TITLES
        or (len(tokens[0]) == 2 and tokens[0][0].isupper() and tokens[0][1] == ".")
    ):
        tokens = tokens[1:]
    return tokens


def _people_column(words: Sequence[str]) -> bool:
    """A column named after what a person did (`Directed_by`, `escrito_por`) or with a word
    for people as its last word (`Player`, `gerente`, `Hosts`): judged by the role test."""
    if len(words) >= 2 and words[-1] in ("by", "por"):
        return True
    return words[-1] not in _KEY_WORDS and (person_word(words[-1]) or words[-1] in _ROLE_WORDS)


def _bare_name(words: Sequence[str]) -> bool:
    """`name`, `Name`, `full_name`, `nombre`, `nombre_completo`: a name, nobody's said."""
    return bool(words) and all(w in _NAME_WORDS or w in ("full", "completo") for w in words)


def _role_table(table: str) -> bool:
    """A table named after people in a role, its values deciding: `climber`, `hosts`,
    `speakers`, `crew` (the head word, `role_word`), or with a word for people before its head
    ("Web_client_accelerator": a client's tool, or a client)."""
    words = compound_nouns(identifier_words(table))
    return bool(words) and (role_word(words[-1]) or any(person_word(w) for w in words))


# Words of a table's name that say nothing of what its rows are: a spreadsheet's sheet or file
# ("Sheet1", "Hoja 1", "export_2024", "datos_finales", "Form Responses 1").
_GENERIC_TABLE_WORDS = frozenset(
    _wordlist(
        """
        sheet sheets hoja hojas data datos dataset table tabla tablas list lista listado
        listados export exports exportacion import importacion upload uploads file files archivo
        fichero record records registro registros entry entries row rows book libro workbook
        report informe result results resultado resultados query consulta output input tmp
        temp test prueba copy copia final finales new nuevo nueva old viejo main master raw
        clean sample muestra untitled sin titulo page pagina tab summary resumen base db dump
        backup csv xlsx xls info information informacion detail details detalle detalles form
        forms formulario formularios response responses respuesta respuestas survey surveys
        encuesta encuestas signup signups inscripcion inscripciones attendance asistencia
        registration registrations de del of the la el los las v version
        """
    )
)
# Words of a column's name that say nothing of what it holds ("col_3", "Field 2", "Valor").
_GENERIC_COLUMN_WORDS = frozenset(
    _wordlist("col column columna field campo value valor text texto data dato info")
)


def _judged_by_values(table: str, words: Sequence[str], *, bare: bool) -> bool:
    """Whether a column is judged by its values alone: its own words name no thing WordNet
    holds (not `City`, `Title`, `Product`), and its table's name says nothing of its rows
    (generic words and numbers only), or, for a bare `name`, names no thing either."""
    if not bare and any(
        w not in _GENERIC_COLUMN_WORDS and noun_kind(w) in ("thing", "role") for w in words
    ):
        return False
    table_words = [w for w in identifier_words(table) if w.isalpha()]
    if all(w in _GENERIC_TABLE_WORDS for w in table_words):
        return True
    return bare and not _table_names_a_thing(table)


def _table_names_a_thing(table: str) -> bool:
    """Whether a word of a table's name (generic words aside) is a thing WordNet holds."""
    words = compound_nouns([w for w in identifier_words(table) if w.isalpha()])
    return any(noun_kind(w) == "thing" for w in words if w not in _GENERIC_TABLE_WORDS)


# Words of a place's, a building's or an event's name: a value holding one is nobody's name
# ("Victoria Falls", "Grace Church", "Jackson Heights").
_PLACE_WORDS = frozenset(
    _wordlist(
        """
        city county park hill hills lake lakes river bay beach falls springs spring valley
        island islands isle mount mountain mountains port fort saint san santa st ste north
        south east west new street road avenue ave lane drive square heights ville town village
        district province state republic kingdom grand royal museum hotel hall church cathedral
        chapel centre center stadium arena airport station bridge tower castle palace garden
        gardens harbour harbor point creek forest wood woods field fields cove cape coast
        peninsula desert canyon glen dale ridge plaza calle avenida plaza parque rio puerto
        ciudad provincia estado reino villa cup trophy award prize festival show series season
        league championship open tour games
        """
    )
)
_LIST_SPLIT = re.compile(r"\s*(?:[;/&|+]|\band\b|\by\b)\s*")


def value_is_full_name(value: str) -> bool:
    """Whether a value is a person's full name by a strict test, for a column whose name says
    nothing of people: two to five words, the first a known first name (`first_names.txt`),
    each capitalised or a particle ("María del Carmen Ruiz"), none a place's or a firm's word
    ("Victoria Falls", "Austin Motor Co"); or "SURNAME, Firstname". The first of a list
    ("Ana Ruiz and Leo Sanz") is read."""
    text = _LIST_SPLIT.split(value.strip())[0]
    if text.count(",") == 1:
        surname, given = (part.strip() for part in text.split(","))
        if given and surname and " " not in surname:
            text = f"{given} {surname}"  # "SMITH, John" / "Ruiz, Ana"
    tokens = text.split(",")[0].split()
    if not 2 <= len(tokens) <= 5 or not first_name(tokens[0]) or not _name_token(tokens[0]):
        return False
    for token in tokens[1:]:
        word = fold(token).lower().rstrip(".")
        if word in _PLACE_WORDS or word in _ORGANISATION_WORDS:
            return False
        if token in _NAME_PARTICLES:
            continue
        if not _name_token(token):
            return False
    return tokens[-1] not in _NAME_PARTICLES


_FIRST_NAMES_FILE = Path(__file__).with_name("first_names.txt")


@functools.cache
def _first_names() -> frozenset[str]:
    lines = _FIRST_NAMES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def first_name(word: str) -> bool:
    """Whether a word (any case, accents folded) is a first name of `first_names.txt`: English,
    Spanish, German, French, Italian, Portuguese and Dutch given names, from Faker's lists."""
    return fold(word).lower().strip(".,;'") in _first_names()


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
