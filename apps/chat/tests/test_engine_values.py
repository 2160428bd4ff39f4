"""Issue 13: entity values the value index cannot supply (pure tests, no Django).

A value said right after the name of a column whose values are not indexed (personal columns
never are) is an equality on that column as written, in any case ("the customer with the first
name Linda", "the address 12 Elm Street", quoted or not, two in a row); a pattern's column may
be named after it ("'Wifi' as a substring in the features section"); "in the world" is no
filter and "together" no word to ask about; "distinct languages" of a link table counts its
key's values; "el número de teléfono" is the phone column, not a count. One small schema per
language, built here. The pipeline's check that a said value exists (and what a role without
personal-data access gets) is in tests/test_said_values.py.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_values.py
"""

from __future__ import annotations

import pytest

from apps.chat.engine.offline import interpret
from apps.chat.tests.support import engine_databases, engine_reads

_SCHEMAS = {
    "en": """
        CREATE TABLE address (address_id INTEGER PRIMARY KEY, address TEXT, phone TEXT,
            district TEXT);
        CREATE TABLE customer (customer_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
            email TEXT, address_id INTEGER REFERENCES address(address_id));
        CREATE TABLE hotel (hotel_id INTEGER PRIMARY KEY, name TEXT, features TEXT,
            region TEXT, area REAL);
        CREATE TABLE hotel_language (hotel_id INTEGER REFERENCES hotel(hotel_id),
            language TEXT, PRIMARY KEY (hotel_id, language));
    """,
    "es": """
        CREATE TABLE direccion (direccion_id INTEGER PRIMARY KEY, direccion TEXT,
            telefono TEXT, distrito TEXT);
        CREATE TABLE cliente (cliente_id INTEGER PRIMARY KEY, nombre TEXT, apellido TEXT,
            email TEXT, direccion_id INTEGER REFERENCES direccion(direccion_id));
    """,
}
_ADDRESSES = [(1, "12 Elm Street", "555-0101", "North"), (2, "7 Oak Road", "555-0202", "South")]
_CUSTOMERS = [
    (1, "LINDA", "BURNS", "linda@example.com", 1),
    (2, "APRIL", "BURNS", "april@example.com", 2),
    (3, "APRIL", "SMITH", "asmith@example.com", 1),
]
_HOTELS = [
    (1, "Seaview", "Pool,Wifi", "Caribbean", 10.0),
    (2, "Hilltop", "Parking", "Caribbean", 20.0),
    (3, "Citylight", "Wifi,Gym", "Europe", 5.0),
]
_SPOKEN = [(1, "English"), (1, "Spanish"), (2, "English"), (3, "French"), (3, "English")]
_ROWS = {
    "en": {"address": _ADDRESSES, "customer": _CUSTOMERS, "hotel": _HOTELS,
           "hotel_language": _SPOKEN},
    "es": {"direccion": _ADDRESSES, "cliente": _CUSTOMERS},
}  # fmt: skip


@pytest.fixture(scope="module")
def shop(tmp_path_factory):  # noqa: ANN001, ANN201
    with engine_databases(tmp_path_factory, "shop.db", _SCHEMAS, _ROWS) as made:
        yield made


def _rows(shop, lang: str, question: str) -> list:  # noqa: ANN001
    model, conn = shop[lang]
    result = engine_reads(model, question)
    return sorted(tuple(row) for row in conn.execute(result.sql).fetchall())


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [
        ("en", "What is the email of the customer with the first name Linda?",
         [("linda@example.com",)]),
        ("en", "List the emails of customers with the first name April and the last name Burns.",
         [("april@example.com",)]),
        ("en", "What is the phone of the address 12 Elm Street?", [("555-0101",)]),
        ("en", "Give the phone corresponding to the address '7 Oak Road'.", [("555-0202",)]),
        ("es", "¿Cuál es el email del cliente con el nombre Linda?", [("linda@example.com",)]),
    ],
)  # fmt: skip
def test_a_value_said_after_a_column_the_index_does_not_hold_is_an_equality(
    shop, lang, question, expected
):
    """Compared without case: 'Linda' finds LINDA; the value is taken out, not asked about
    (the rows are the ones said; what else is shown is another rule's)."""
    rows = _rows(shop, lang, question)
    assert len(rows) == len(expected), rows
    assert all(want[0] in row for want, row in zip(expected, rows, strict=True)), rows


@pytest.mark.parametrize(
    "question",
    [
        "What is the email of the customer with the first name linda?",
        "What Is The Email Of The Customer With The First Name Linda?",
    ],
)
def test_a_word_not_written_as_a_name_is_no_literal(shop, question):
    """Only a capitalised (or quoted) value in a question that is not all capitals is one."""
    model, _conn = shop["en"]
    result = interpret(question, model)
    assert result.route != "SQL" or "linda" not in (result.sql or "").lower(), result.sql


@pytest.mark.parametrize(
    "question",
    [
        "Which hotels have 'Wifi' as a substring in the features?",
        "Return the names of hotels that include 'Wifi' in their features section.",
    ],
)
def test_a_pattern_goes_on_the_column_named_after_it(shop, question):
    assert _rows(shop, "en", question) == [("Citylight",), ("Seaview",)]


def test_in_the_world_is_no_filter_and_together_no_word(shop):
    assert _rows(shop, "en", "How many hotels are there in the world?") == [(3,)]
    total = "What is the total area of the hotels in the Caribbean together?"
    assert _rows(shop, "en", total) == [(30.0,)]


def test_distinct_values_of_a_link_table_key_are_counted_not_its_rows(shop):
    assert _rows(shop, "en", "What is the number of distinct languages?") == [(3,)]


def test_el_numero_de_una_columna_de_texto_es_la_columna(shop):
    rows = _rows(shop, "es", "¿Cuál es el número de teléfono de la dirección '7 Oak Road'?")
    assert len(rows) == 1 and "555-0202" in rows[0], rows
