"""Issue 13, branch `h-newdbs8`: the confidently wrong answers of the eighth group, as kinds.

- "Films that are never screened in the evening": "never" keeps the rows with no related row
  at all too (a film never screened is never screened in the evening); "not screened in the
  evening" still looks only among the films that are screened.
- "How many volunteers belong to the type 'Coordinator'?": a plural that names the table
  ("volunteers") is the table, not the stored type 'Volunteer' of the same word, unless it is
  said right next to its column's name or listed with another value of that column.
- "What is the name of crew lead of the most shifts?": "the name of" said of a column that
  refers to another table's rows asks for that table's label; a reading that shows the
  reference and some other name (the shift's) is asked back.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_newdbs8.py
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from apps.chat.engine.offline import build_semantic_model
from apps.chat.engine.offline.parser import Clarify
from apps.chat.tests.support import engine_asks, engine_database, engine_reads, engine_rows
from apps.knowledge.engine import introspection
from apps.knowledge.engine.catalog import CatalogSnapshot

_SCHEMA = """
    CREATE TABLE film (film_id INTEGER PRIMARY KEY, title TEXT, studio TEXT);
    CREATE TABLE cinema (cinema_id INTEGER PRIMARY KEY, name TEXT, city TEXT);
    CREATE TABLE screening (cinema_id INTEGER REFERENCES cinema(cinema_id),
        film_id INTEGER REFERENCES film(film_id), slot TEXT, PRIMARY KEY (cinema_id, film_id));
    CREATE TABLE volunteers (volunteer_id INTEGER PRIMARY KEY, volunteer_type_code TEXT,
        volunteer_details TEXT);
    CREATE TABLE crew (crew_id INTEGER PRIMARY KEY, crew_name TEXT, town TEXT);
    CREATE TABLE shift (shift_id INTEGER PRIMARY KEY, shift_name TEXT,
        lead_crew_id INTEGER REFERENCES crew(crew_id));
"""
_ROWS = {
    "film": [(1, "Anora", "Neon"), (2, "Bolt", "Disney"), (3, "Cargo", "Neon"), (4, "Dune", "Lux")],
    "cinema": [(1, "Rex", "Oslo"), (2, "Odeon", "Bergen"), (3, "Lux", "Oslo")],
    "screening": [(1, 1, "Evening"), (2, 1, "Matinee"), (1, 2, "Matinee"), (3, 3, "Evening")],
    "volunteers": [
        (1, "Volunteer", "Ann"),
        (2, "Coordinator", "Bo"),
        (3, "Volunteer", "Cy"),
        (4, "Coordinator", "Di"),
        (5, "Volunteer", "Ed"),
    ],
    "crew": [(1, "Ada", "Oslo"), (2, "Ben", "Bergen"), (3, "Cal", "Oslo")],
    "shift": [(1, "Dawn", 1), (2, "Noon", 1), (3, "Dusk", 2), (4, "Night", 1)],
}
# a steward's words: "name" for both tables' labels, "crew lead" for the shift's reference
_SYNONYMS = {
    "shift": {"shift_name": ("name", "shift name"), "lead_crew_id": ("crew lead", "lead")},
    "crew": {"crew_name": ("name", "crew name")},
}


@pytest.fixture(scope="module")
def db(tmp_path_factory):  # noqa: ANN001, ANN201
    path = tmp_path_factory.mktemp("newdbs8") / "n.db"
    model, conn = engine_database(path, _SCHEMA, _ROWS)
    infos, fks, _counts = introspection.introspect_sqlite(path)
    laid = [
        replace(
            info,
            columns=tuple(
                replace(c, synonyms=_SYNONYMS.get(info.name, {}).get(c.name, ()))
                for c in info.columns
            ),
        )
        for info in infos
    ]
    layered = build_semantic_model(CatalogSnapshot("sqlite", tuple(laid), tuple(fks)))
    yield model, conn, layered
    conn.close()


def test_never_keeps_the_rows_with_no_related_row_at_all(db):
    question = "Find the titles of films that are never screened in the evening."
    assert sorted(engine_rows(db[:2], question)) == [("Bolt",), ("Dune",)]


def test_not_without_never_still_looks_among_the_related_rows(db):
    question = "What are the titles of films that are not screened in the evening?"
    assert engine_rows(db[:2], question) == [("Bolt",)]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many volunteers belong to the type 'Coordinator'?", [(2,)]),
        ("How many volunteers are in the type 'Volunteer'?", [(3,)]),
    ],
)
def test_a_plural_that_names_the_table_is_the_table_not_a_value(db, question, expected):
    sql = engine_reads(db[0], question).sql
    assert "DISTINCT" not in sql.upper(), sql
    assert engine_rows(db[:2], question) == expected


def test_the_value_listed_with_another_value_of_its_column_is_still_the_value(db):
    question = "How many volunteers have type Coordinator or Volunteer?"
    assert engine_rows(db[:2], question) == [(5,)]


def test_the_name_of_a_reference_to_other_rows_is_asked_back(db):
    asked = engine_asks(db[2], "What is the name of crew lead of the most shifts?")
    assert "name" in asked.clarify.lower() and Clarify.UNUSED_WORD in asked.notes, asked.notes
