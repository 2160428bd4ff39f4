"""Issue 13 §4: schema understanding without a semantic layer (pure tests, invented schemas).

A table called with a container word is named by its rows' word ("the boats" of `boats_data`);
"in alphabetical order" sorts a listing by its text label; a table with no name of its own
whose rows each stand for one row of a named table ("the names of the riders", `riders`
referring to `persons`) is named by that table's name.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_labels.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_rows

_SCHEMA = """
    CREATE TABLE persons (person_id INTEGER PRIMARY KEY, name TEXT, born TEXT, weight REAL);
    CREATE TABLE riders (rider_id INTEGER PRIMARY KEY, person_id INTEGER, wins INTEGER,
        points REAL, FOREIGN KEY (person_id) REFERENCES persons(person_id));
    CREATE TABLE boats_data (boat_id INTEGER PRIMARY KEY, sails INTEGER, speed REAL);
    CREATE TABLE harbours (harbour_id INTEGER PRIMARY KEY, name TEXT, town TEXT);
    CREATE TABLE moorings (mooring_id INTEGER PRIMARY KEY, boat_id INTEGER, harbour_id INTEGER,
        fee REAL, FOREIGN KEY (boat_id) REFERENCES boats_data(boat_id),
        FOREIGN KEY (harbour_id) REFERENCES harbours(harbour_id));
    CREATE TABLE routes (route_id INTEGER PRIMARY KEY, start TEXT, finish TEXT);
    CREATE TABLE crew_info (crew_id INTEGER PRIMARY KEY, role TEXT);
    CREATE TABLE crew_data (crew_id INTEGER PRIMARY KEY, age INTEGER);
"""
_ROWS = {
    "persons": [
        (1, "Zoe", "1990", 60.0),
        (2, "Abel", "1985", 70.0),
        (3, "Mia", "1992", 55.0),
        (4, "Ned", "1980", 80.0),
    ],
    "riders": [(1, 1, 3, 10.0), (2, 2, 5, 30.0), (3, 3, 1, 20.0)],
    "boats_data": [(1, 2, 10.5), (2, 3, 12.0), (3, 4, 9.0)],
    "harbours": [(1, "Porto", "North"), (2, "Bay", "South")],
    "moorings": [(1, 1, 1, 5.0), (2, 2, 2, 7.0)],
    "routes": [(1, "Bay", "Porto"), (2, "Porto", "Bay")],
    "crew_info": [(1, "cook")],
    "crew_data": [(1, 30)],
}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("en") / "fleet.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many boats have more than 2 sails?", [(2,)]),
        ("What is the average speed of the boats?", [(pytest.approx(31.5 / 3),)]),
    ],
)
def test_a_table_called_with_a_container_word_is_named_by_its_rows(fleet, question, expected):
    assert engine_rows(fleet, question) == expected


def test_a_container_word_shared_by_two_tables_names_neither(fleet):
    # `crew_info` and `crew_data`: "crew" alone is not one of them
    model, _conn = fleet
    assert not any(e.kind == "table" for e in model.lookup("crew", "en") or ())


@pytest.mark.parametrize(
    "question",
    [
        "List the names of the persons in alphabetical order.",
        "What are the names of persons, ordered by their names alphabetically?",
        "List the names and weights of persons in ascending alphabetical order of name.",
    ],
)
def test_in_alphabetical_order_sorts_the_rows_by_their_label(fleet, question):
    rows = engine_rows(fleet, question)
    assert [row[0] for row in rows] == ["Abel", "Mia", "Ned", "Zoe"]


def test_descending_alphabetical_order_is_descending(fleet):
    rows = engine_rows(fleet, "List the names of the persons in descending alphabetical order.")
    assert [row[0] for row in rows] == ["Zoe", "Ned", "Mia", "Abel"]


def test_alphabetical_order_with_no_text_listed_is_not_guessed(fleet):
    model, _conn = fleet
    engine_asks(model, "List the wins of the riders in alphabetical order.")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What are the names of the riders?", {"Zoe", "Abel", "Mia"}),
        ("Return the names of all the riders with more than 2 wins.", {"Zoe", "Abel"}),
    ],
)
def test_a_nameless_table_is_named_by_the_named_table_it_refers_to(fleet, question, expected):
    assert {row[0] for row in engine_rows(fleet, question)} == expected


def test_names_of_riders_sorted_by_their_own_column(fleet):
    rows = engine_rows(fleet, "List the names of riders in descending order of points.")
    assert [row[0] for row in rows] == ["Abel", "Mia", "Zoe"]


def test_a_nameless_table_referring_to_two_named_tables_takes_no_name(fleet):
    # a mooring refers to a boat and a harbour: the harbour's name is not the mooring's
    model, _conn = fleet
    result = engine_asks(model, "What are the names of the moorings?")
    assert result.sql is None or "harbours.name" not in result.sql
