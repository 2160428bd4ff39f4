"""Issue 13, branch `h-asked3`: questions the engine asked back that a general rule reads.

- "How many types of hulls are there in Oslo?", "¿Cuántos tipos de casco hay en Oslo?": a kind
  word (type, kind, sort, variety; tipo, clase, variedad) no schema name explains, between a
  count and "of <column>", counts the column's different values; elsewhere ("the most common
  kind of hull", "¿qué tipo de casco tiene el Ada?") it is the column itself. Before a table
  ("how many kinds of boats"), or with a value of that column also said ("the most common kind
  of hull across steel boats"), it stays unknown and is asked back.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_asked3.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_reads, engine_rows

_SCHEMA = """
    CREATE TABLE boats (boat_id INTEGER PRIMARY KEY, name TEXT, hull TEXT, port TEXT,
        length INTEGER);
"""
_ROWS = {
    "boats": [
        (1, "Ada", "Steel", "Oslo", 12),
        (2, "Bea", "Wood", "Oslo", 9),
        (3, "Cleo", "Steel", "Oslo", 15),
        (4, "Dora", "Fibre", "Bergen", 11),
        (5, "Eva", "Steel", "Bergen", 8),
    ],
}
_ESQUEMA = """
    CREATE TABLE barcos (barco_id INTEGER PRIMARY KEY, nombre TEXT, casco TEXT, puerto TEXT,
        eslora INTEGER);
"""
_FILAS = {"barcos": [tuple(row) for row in _ROWS["boats"]]}


@pytest.fixture(scope="module")
def harbour(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("asked3") / "harbour.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


@pytest.fixture(scope="module")
def puerto(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("asked3") / "puerto.db", _ESQUEMA, _FILAS)
    yield model, conn
    conn.close()


@pytest.mark.parametrize(
    "question",
    [
        "How many types of hulls are there in Oslo?",
        "How many kinds of different hulls are in Oslo?",
        "How many different sorts of hull are in Oslo?",
    ],
)
def test_kinds_of_a_column_counted(harbour, question):  # noqa: ANN001
    sql = engine_reads(harbour[0], question).sql
    assert "COUNT(DISTINCT hull)" in sql, sql
    assert engine_rows(harbour, question) == [(2,)]


def test_kinds_of_a_column_counted_es(puerto):  # noqa: ANN001
    assert engine_rows(puerto, "¿Cuántos tipos de casco hay en Oslo?") == [(2,)]


def test_kind_of_a_column_is_the_column(harbour, puerto):  # noqa: ANN001
    assert engine_rows(harbour, "List the most common kind of hull across boats.") == [("Steel",)]
    assert engine_rows(harbour, "What type of hull does Dora have?") == [("Fibre",)]
    assert engine_rows(puerto, "¿Qué tipo de casco tiene Dora?") == [("Fibre",)]


def test_kinds_of_a_table_asked_back(harbour):  # noqa: ANN001
    engine_asks(harbour[0], "How many kinds of boats are in Oslo?")


def test_kind_of_a_column_with_its_value_asked_back(harbour):  # noqa: ANN001
    # a value of the column said too: its values, or a filter on one of them?
    engine_asks(harbour[0], "List the most common kind of hull across steel boats.")
