"""Issue 13: set shapes said in words (pure tests, made-up schemas).

"regions with no depots", "depots that do not have any drivers", "people who are not
members", "regiones sin almacenes": the rows of an entity with no related row at all (NOT
EXISTS), directly or through a link table; a measure of such rows; "the districts that have
both kiosks with … and kiosks with …": the values two sets of rows share.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_setops.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_reads

_SCHEMA = """
    CREATE TABLE regions (region_id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE depots (depot_id INTEGER PRIMARY KEY, name TEXT, capacity INTEGER,
        region_id INTEGER REFERENCES regions(region_id));
    CREATE TABLE drivers (driver_id INTEGER PRIMARY KEY, name TEXT, age INTEGER);
    CREATE TABLE assignments (depot_id INTEGER REFERENCES depots(depot_id),
        driver_id INTEGER REFERENCES drivers(driver_id), PRIMARY KEY (depot_id, driver_id));
    CREATE TABLE persons (person_id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE members (member_id INTEGER PRIMARY KEY, level TEXT,
        person_id INTEGER REFERENCES persons(person_id));
    CREATE TABLE kiosks (kiosk_id INTEGER PRIMARY KEY, name TEXT, district TEXT,
        products INTEGER);
"""
_ROWS = {
    "regions": [(1, "Coast"), (2, "Valley"), (3, "Plateau")],
    "depots": [(1, "Harbour", 500, 1), (2, "Dock", 200, 1), (3, "Mill", 300, 2)],
    "drivers": [(1, "Ann", 30), (2, "Bob", 60), (3, "Cid", 45)],
    "assignments": [(1, 1), (1, 2), (2, 3)],
    "persons": [(1, "Ada"), (2, "Ben"), (3, "Cy")],
    "members": [(1, "gold", 1), (2, "silver", 3)],
    "kiosks": [
        (1, "K1", "North", 100),
        (2, "K2", "North", 5000),
        (3, "K3", "South", 5000),
        (4, "K4", "East", 500),
    ],
}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("en") / "fleet.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


def _rows(db, question: str) -> list:  # noqa: ANN001
    model, conn = db
    result = engine_reads(model, question)
    assert "NOT EXISTS" in result.sql.upper(), result.sql
    return sorted(conn.execute(result.sql).fetchall())


@pytest.mark.parametrize(
    "question",
    [
        "Which regions have no depots?",
        "What are the names of the regions without any depots?",
        "List the regions that do not have any depots.",
        "What are the names of the regions where there is not a single depot?",
    ],
)
def test_rows_with_no_related_row_at_all(fleet, question):
    assert _rows(fleet, question) == [("Plateau",)]


def test_how_many_rows_have_no_related_row(fleet):
    assert _rows(fleet, "How many regions have no depots?") == [(1,)]


def test_the_related_rows_may_be_described(fleet):
    """ "no depots with a capacity above 400": rows with none of those (none at all included)."""
    assert _rows(fleet, "Which regions have no depots with a capacity above 400?") == [
        ("Plateau",),
        ("Valley",),
    ]


def test_rows_not_of_a_table_that_references_them(fleet):
    """ "people who are not members": no row of the table that references them."""
    assert _rows(fleet, "List the names of persons that are not members.") == [("Ben",)]
    assert _rows(fleet, "How many persons are not in the members?") == [(1,)]


def test_through_the_link_table_that_references_both(fleet):
    """ "depots with no drivers": the drivers of a depot are its assignments' drivers."""
    assert _rows(fleet, "Which depots have no drivers?") == [("Mill",)]
    assert _rows(fleet, "Which depots have no drivers with an age above 50?") == [
        ("Dock",),
        ("Mill",),
    ]


@pytest.mark.parametrize(
    "question",
    [
        "Which depots have no regions?",  # a depot points at one region: no set of rows
        "Which regions have no depots in Coast?",  # a condition on the regions themselves
    ],
)
def test_not_this_shape_is_not_read_as_none_of_them(fleet, question):
    model, _conn = fleet
    engine_asks(model, question)


_ES_SCHEMA = """
    CREATE TABLE regiones (id_region INTEGER PRIMARY KEY, nombre TEXT);
    CREATE TABLE almacenes (id_almacen INTEGER PRIMARY KEY, nombre TEXT,
        id_region INTEGER REFERENCES regiones(id_region));
"""
_ES_ROWS = {
    "regiones": [(1, "Costa"), (2, "Valle")],
    "almacenes": [(1, "Puerto", 1)],
}


@pytest.fixture(scope="module")
def almacenes(tmp_path_factory):  # noqa: ANN001, ANN201
    path = tmp_path_factory.mktemp("es") / "almacenes.db"
    model, conn = engine_database(path, _ES_SCHEMA, _ES_ROWS)
    yield model, conn
    conn.close()


@pytest.mark.parametrize(
    "question",
    [
        "¿Qué regiones no tienen ningún almacén?",
        "¿Cuáles son los nombres de las regiones sin almacenes?",
        "¿Cuáles son las regiones donde no hay ni un solo almacén?",
    ],
)
def test_spanish_rows_with_no_related_row(almacenes, question):
    assert _rows(almacenes, question) == [("Valle",)]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the total capacity of the depots that have no drivers?", [(300,)]),
        ("What is the average capacity of depots that do not have any drivers?", [(300.0,)]),
    ],
)
def test_a_measure_of_the_rows_with_no_related_row(fleet, question, expected):
    """The measure of the rows a clause keeps by their related rows, not of every row."""
    assert _rows(fleet, question) == expected


def test_a_negation_nothing_reads_is_asked_back(fleet):
    """ "have no X" where X is no set of rows of the entity: never a grouping by X."""
    model, _conn = fleet
    engine_asks(model, "What is the average capacity of depots that have no regions?")


@pytest.mark.parametrize(
    "question",
    [
        "Which districts have both kiosks with less than 1000 products and kiosks with more "
        "than 4000 products?",
        "Which district has both kiosks with less than 1000 products and those with more than "
        "4000 products?",
    ],
)
def test_values_shared_by_two_sets_of_rows(fleet, question):
    """ "both A and B" of a category column: the values listed by both, not rows meeting both."""
    model, conn = fleet
    result = engine_reads(model, question)
    assert " IN (" in result.sql.upper(), result.sql
    assert conn.execute(result.sql).fetchall() == [("North",)]


def test_both_said_of_the_rows_themselves_is_not_a_shared_value(fleet):
    model, _conn = fleet
    engine_asks(
        model, "Which kiosks have both less than 1000 products and more than 4000 products?"
    )


def test_a_condition_after_both_halves_is_not_read_as_the_second_only(fleet):
    """ "both A and B named K2": the end of the second half may be said of both: ask."""
    model, _conn = fleet
    engine_asks(
        model,
        "Which districts have both kiosks with less than 1000 products and kiosks with more "
        "than 4000 products named K2?",
    )


def test_columns_that_do_not_name_the_rows_are_not_listed_per_row(fleet):
    """ "the capacities of the depots with no drivers": each depot's or the set of values?"""
    model, _conn = fleet
    engine_asks(model, "What are the capacities of the depots that have no drivers?")
