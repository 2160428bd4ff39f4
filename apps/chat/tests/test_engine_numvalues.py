"""Issue 13: numbers said as values (pure tests, no Django).

A numeric column said as the place its rows are, then a bare number ("pupils in grade 10",
"in grades 9 or 10", "alumnos en el curso 10") is an equality on that column (alternatives
with "or"); a table said in the singular, then a bare whole number ("the city of club 1", "la
tienda 1") is the row with that key. A year stays a time, a number followed by what it counts
stays a count. One small schema per language.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_numvalues.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_databases, engine_reads

_SCHEMAS = {
    "en": """
        CREATE TABLE pupil (pupil_id INTEGER PRIMARY KEY, name TEXT, grade INTEGER, score REAL);
        CREATE TABLE club (club_id INTEGER PRIMARY KEY, city TEXT);
        CREATE TABLE member (member_id INTEGER PRIMARY KEY,
            club_id INTEGER REFERENCES club(club_id), fee REAL);
    """,
    "es": """
        CREATE TABLE alumnos (alumno_id INTEGER PRIMARY KEY, nombre TEXT, curso INTEGER,
            nota REAL);
        CREATE TABLE tienda (tienda_id INTEGER PRIMARY KEY, ciudad TEXT);
        CREATE TABLE articulos (articulo_id INTEGER PRIMARY KEY,
            tienda_id INTEGER REFERENCES tienda(tienda_id), precio REAL);
    """,
}
_PUPILS = [(1, "Ann", 9, 3.0), (2, "Bob", 10, 4.0), (3, "Cid", 11, 5.0), (4, "Dee", 10, 2.0)]
_CLUBS = [(1, "Oslo"), (2, "Rome")]
_MEMBERS = [(1, 1, 5.0), (2, 1, 6.0), (3, 2, 7.0)]
_ROWS = {
    "en": {"pupil": _PUPILS, "club": _CLUBS, "member": _MEMBERS},
    "es": {"alumnos": _PUPILS, "tienda": _CLUBS, "articulos": _MEMBERS},
}


@pytest.fixture(scope="module")
def school(tmp_path_factory):  # noqa: ANN001, ANN201
    with engine_databases(tmp_path_factory, "school.db", _SCHEMAS, _ROWS) as made:
        yield made


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [
        ("en", "Show the names of all pupils in grade 10.", [("Bob",), ("Dee",)]),
        ("en", "How many pupils are there in grade 9 or 10?", [(3,)]),
        ("en", "Count the number of pupils in grades 9 or 10.", [(3,)]),
        ("en", "What is the average score of pupils in grade 10?", [(3.0,)]),
        ("en", "Return the city of club 1.", [("Oslo",)]),
        ("en", "How many members does club 1 have?", [(2,)]),
        ("en", "What is the total fee of the members of club 2?", [(7.0,)]),
        ("es", "¿Cuántos alumnos hay en el curso 10?", [(2,)]),
        ("es", "¿Cuántos alumnos hay en el curso 9 o 10?", [(3,)]),
        ("es", "¿Cuál es la ciudad de la tienda 1?", [("Oslo",)]),
        ("es", "¿Cuántos articulos tiene la tienda 1?", [(2,)]),
    ],
)
def test_a_number_said_as_a_value(school, lang, question, expected) -> None:  # noqa: ANN001
    model, conn = school[lang]
    sql = engine_reads(model, question).sql
    assert sorted(tuple(r) for r in conn.execute(sql).fetchall()) == expected


def test_a_number_before_what_it_counts_is_no_key(school) -> None:  # noqa: ANN001
    model, _conn = school["en"]
    sql = engine_reads(model, "Show the top 1 club by total fee.").sql
    assert "club_id = 1" not in sql.replace('"', "")


def test_a_possessive_names_the_row_whose_key_is_asked(school) -> None:  # noqa: ANN001
    """ "What is Rome's id?": the key of the row the value names (a value said with 's)."""
    model, conn = school["en"]
    sql = engine_reads(model, "What is Rome's id?").sql
    assert conn.execute(sql).fetchall() == [(2,)]
