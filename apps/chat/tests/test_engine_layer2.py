"""Issue 13: a steward's semantic layer must not make the engine read a question differently from
the schema alone where the layer adds no word the question says (pure tests, no Django).

A semantic-layer file written from a schema usually gives every table a plain row count
("Number of clubs", `COUNT(*)`) and a few sums. Those metrics must not change readings the
question does not ask them for:

- the layer's metrics choose the fact table (the table with most metrics; one row count per
  table ties, and the tie goes by name), and the fact table lends its date to rows that have
  none: a year said of rows with a year column of their own ("painters who joined after 1990",
  "salons before 2009") is that column, whichever table the metrics made the fact.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_layer2.py
"""

from __future__ import annotations

import pytest

from apps.chat.engine.offline import build_semantic_model
from apps.chat.tests.support import engine_database, engine_reads, layered_catalog
from apps.knowledge.engine.catalog import MetricDef


def _layered(path, script: str, rows: dict, tables: dict, metrics: tuple):  # noqa: ANN001, ANN202
    """(schema-only model, model with the steward's layer, read-only connection). `tables` maps
    a table to {"synonyms": (...), "columns": {column: (synonyms...)}}."""
    plain, conn = engine_database(path, script, rows)
    return plain, build_semantic_model(layered_catalog(path, tables, metrics)), conn


def _rows(model, conn, question: str) -> list:  # noqa: ANN001
    return sorted(conn.execute(engine_reads(model, question).sql).fetchall())


def _count(name: str, table: str, *synonyms: str) -> MetricDef:
    return MetricDef(name, "COUNT(*)", table, synonyms=synonyms)


# --- one row count per table, and a sum: the fact table ----------------------------------------

_CLUBS = """
    CREATE TABLE painter (painter_id INTEGER PRIMARY KEY, name TEXT, country TEXT, age INTEGER,
        year_join INTEGER);
    CREATE TABLE salon (salon_id INTEGER PRIMARY KEY, year INTEGER, motto TEXT,
        painter_id INTEGER REFERENCES painter(painter_id), fee REAL);
    CREATE TABLE salon_visit (salon_id INTEGER REFERENCES salon(salon_id), date TEXT,
        visitors INTEGER, PRIMARY KEY (salon_id, date));
"""
_CLUBS_ROWS = {
    "painter": [
        (1, "Ines Morel", "Chile", 52, 1995),
        (2, "Oto Lind", "Norway", 48, 1985),
        (3, "Pia Roux", "Chile", 30, 2001),
        (4, "Ugo Sand", "Peru", 61, 1999),
    ],
    "salon": [
        (1, 2003, "Blue hour", 1, 12.5),
        (2, 2004, "Salt air", 2, 20.0),
        (3, 2006, "Low tide", 1, 15.0),
        (4, 2010, "Harbour", 4, 30.0),
    ],
    "salon_visit": [(1, "May 2", 120), (1, "May 3", 80), (2, "June 1", 300), (3, "July 9", 95)],
}


@pytest.fixture(scope="module")
def salons(tmp_path_factory):  # noqa: ANN001, ANN201
    plain, laid, conn = _layered(
        tmp_path_factory.mktemp("salons") / "salons.db",
        _CLUBS,
        _CLUBS_ROWS,
        {
            "painter": {
                "synonyms": ("painter", "painters", "pintor", "pintores"),
                "columns": {"year_join": ("year joined", "join year"), "age": ("age", "edad")},
            },
            "salon": {
                "synonyms": ("salon", "salons", "salón", "salones"),
                "columns": {"fee": ("fee", "ticket fee"), "year": ("year", "año")},
            },
            "salon_visit": {
                "synonyms": ("salon visit", "salon visits", "visita", "visitas"),
                "columns": {"visitors": ("visitors", "visitantes")},
            },
        },
        (
            _count("Number of painters", "painter", "number of painters", "número de pintores"),
            _count("Number of salons", "salon", "number of salons", "número de salones"),
            MetricDef("Total visitors", "SUM(visitors)", "salon_visit", ("total visitors",)),
        ),
    )
    yield plain, laid, conn
    conn.close()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many painters are above age 46 and joined after 1990?", [(2,)]),
        ("Count the number of painters who are older than 46 and joined after 1990.", [(2,)]),
        (
            "Show the average, minimum, and maximum fees for salons for all years before 2009.",
            [(15.83, 12.5, 20.0)],
        ),
        ("What are the names of painters who did not have a salon in 2004?", None),
    ],
)
def test_a_year_of_rows_with_a_year_column_is_not_the_fact_tables_date(
    salons, question, expected
) -> None:  # noqa: ANN001
    """Before: one metric per table tied, the table last by name (`salon_visit`) became the
    fact table, its date (days without a year) was lent to the painters and the salons, whose
    own year column the question's year is about, and each question was asked back where the
    schema alone answers it."""
    plain, laid, conn = salons
    assert _rows(laid, conn, question) == _rows(plain, conn, question)
    if expected is not None:
        assert [tuple(round(v, 2) for v in row) for row in _rows(laid, conn, question)] == expected
