"""Issue 13: codes of a reference table (pure tests, no Django).

A text key holding a short list of codes (a reference table's `method_code` 'EXP', 'STD', and
the foreign keys to it) has its values indexed like a category's: "parcels with method code
EXP", "the code EXP or STD" (the column's last word said alone before a code), "la descripción
del tipo con el código STD". A long list of codes (ISO codes of hundreds of countries,
customers' ids) and numbers written as text stay identifiers. One small schema per language.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_codes.py
"""

from __future__ import annotations

import pytest

from apps.chat.engine.offline import interpret
from apps.chat.tests.support import engine_databases, engine_reads

_SCHEMAS = {
    "en": """
        CREATE TABLE Ref_Shipping_Methods (Method_Code CHAR(10) PRIMARY KEY,
            Method_Description VARCHAR(80));
        CREATE TABLE Parcels (Parcel_ID INTEGER PRIMARY KEY, Weight REAL,
            Method_Code CHAR(10) REFERENCES Ref_Shipping_Methods(Method_Code));
        CREATE TABLE Lockers (Locker_Code CHAR(10) PRIMARY KEY, Floor INTEGER);
    """,
    "es": """
        CREATE TABLE tipos_envio (codigo_tipo CHAR(10) PRIMARY KEY, descripcion VARCHAR(80));
        CREATE TABLE paquetes (paquete_id INTEGER PRIMARY KEY, peso REAL,
            codigo_tipo CHAR(10) REFERENCES tipos_envio(codigo_tipo));
    """,
}
_METHODS = [("EXP", "Express"), ("STD", "Standard"), ("ECO", "Economy")]
_PARCELS = [(1, 2.5, "EXP"), (2, 1.0, "STD"), (3, 4.0, "EXP"), (4, 0.5, "ECO")]
# more codes than a category has: identifiers, never filters
_LOCKERS = [(f"L{n:03d}", n % 4) for n in range(80)]
_ROWS = {
    "en": {"Ref_Shipping_Methods": _METHODS, "Parcels": _PARCELS, "Lockers": _LOCKERS},
    "es": {"tipos_envio": _METHODS, "paquetes": _PARCELS},
}


@pytest.fixture(scope="module")
def post(tmp_path_factory):  # noqa: ANN001, ANN201
    with engine_databases(tmp_path_factory, "post.db", _SCHEMAS, _ROWS) as made:
        yield made


def _rows(post, lang: str, question: str) -> list:  # noqa: ANN001
    model, conn = post[lang]
    result = engine_reads(model, question)
    return sorted(tuple(row) for row in conn.execute(result.sql).fetchall())


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [
        ("en", "How many parcels have method code EXP?", [(2,)]),
        ("en", "How many parcels have the method code 'STD'?", [(1,)]),
        ("en", "What are the ids of parcels with method code EXP or ECO?", [(1,), (3,), (4,)]),
        ("en", "Return the ids of parcels that have the code EXP.", [(1,), (3,)]),
        ("en", "What is the method description for method code ECO?", [("Economy",)]),
        ("en", "What is the average weight of parcels with the code EXP?", [(3.25,)]),
        ("es", "¿Cuántos paquetes tienen el código EXP?", [(2,)]),
        ("es", "¿Cuál es el peso medio de los paquetes con código tipo EXP?", [(3.25,)]),
        ("es", "¿Cuál es la descripción del tipo de envío con el código STD?", [("Standard",)]),
    ],
)
def test_a_code_of_a_reference_table_is_a_filter(post, lang, question, expected) -> None:  # noqa: ANN001
    assert _rows(post, lang, question) == expected


def test_a_long_list_of_codes_stays_identifiers(post) -> None:  # noqa: ANN001
    model, _conn = post["en"]
    assert not model.column("Lockers", "Locker_Code").values
    assert model.column("Parcels", "Method_Code").values == ("ECO", "EXP", "STD")
    assert interpret("How many lockers have the code L007?", model).route == "CLARIFY"
