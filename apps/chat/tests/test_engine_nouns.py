"""Issue 13, nouns that name a table or column but not as the catalog writes it (pure tests).

A summer camp's book of its own: the campers (a table whose one-word name `Summercamper` no
dictionary holds), their canoes, the pantries and the lodges. Each test names the kind of
question it covers.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_nouns.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_reads, engine_rows

CAMP = """
CREATE TABLE Summercamper (camper_id INTEGER PRIMARY KEY, name TEXT, age INTEGER);
CREATE TABLE Canoe (canoe_id INTEGER PRIMARY KEY, camper_id INTEGER
    REFERENCES Summercamper(camper_id), colour TEXT, seats INTEGER);
CREATE TABLE Pantries (pantry_id INTEGER PRIMARY KEY, shelf TEXT, jars INTEGER);
CREATE TABLE Lodges (lodge_id INTEGER PRIMARY KEY, beds INTEGER);
"""
ROWS = {
    "Summercamper": [(1, "Ana", 9), (2, "Ben", 12), (3, "Cy", 11)],
    "Canoe": [(1, 1, "red", 2), (2, 1, "blue", 3), (3, 2, "red", 2)],
    "Pantries": [(1, "top", 10), (2, "low", 4)],
    "Lodges": [(1, 8), (2, 12)],
}


@pytest.fixture(scope="module")
def camp(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("camp") / "camp.db", CAMP, ROWS)
    yield model, conn
    conn.close()


def test_a_glued_table_name_written_apart(camp) -> None:  # noqa: ANN001
    """ "summer campers" is `Summercamper`: the words glued give the table's one-word name."""
    assert engine_rows(camp, "How many summer campers are there?") == [(3,)]
    assert sorted(
        engine_rows(camp, "Show the names of the summer campers with an age over 10.")
    ) == [
        ("Ben",),
        ("Cy",),
    ]


def test_an_agent_name_said_as_its_words_and_a_noun_of_people(camp) -> None:  # noqa: ANN001
    """ "summer camp guests" is `Summercamper` (the name less "-er", then a noun of people);
    the same words before a noun that names no people are not the table."""
    assert engine_rows(camp, "How many summer camp guests are there?") == [(3,)]
    ages = engine_rows(camp, "Show the ages of the summer camp guests.")
    assert sorted(a[-1] for a in ages) == [9, 11, 12]
    engine_asks(camp[0], "How many summer camp fees are there?")


def test_a_misspelt_word_near_the_other_number_of_a_catalog_word(camp) -> None:  # noqa: ANN001
    """ "patnry" is one transposition from "pantry", the singular of the table's `Pantries`
    (the catalog says the plural only); the reading says the correction."""
    result = engine_reads(camp[0], "Show the shelf of every patnry.")
    assert "Pantries" in result.sql
    assert any("patnry -> pantry" in note for note in result.notes)


def test_a_real_word_near_a_catalog_word_is_never_corrected(camp) -> None:  # noqa: ANN001
    """ "ledges" is an English word one letter from `Lodges`: the question means what it says,
    so it is asked back, never read as the lodges."""
    result = engine_asks(camp[0], "How many ledges are there?")
    assert "Lodges" not in (result.sql or "")
    # a made-up plural of a word ("lodgees") is no word: it is still corrected
    assert engine_rows(camp, "How many lodgees are there?") == [(2,)]


def test_a_space_that_slipped_one_letter(camp) -> None:  # noqa: ANN001
    """ "canoesw ith" is "canoes with": the one way of moving a letter across the space that
    gives two known words."""
    result = engine_reads(camp[0], "What is the number of canoesw ith more than 2 seats?")
    assert camp[1].execute(result.sql).fetchall() == [(1,)]
    assert any("canoesw ith -> canoes with" in note for note in result.notes)


RACES = """
CREATE TABLE rider (rider_id INTEGER PRIMARY KEY, rider TEXT, stable TEXT);
CREATE TABLE race_entry (entry_id INTEGER PRIMARY KEY, rider TEXT, horse TEXT, track TEXT,
    lane INTEGER);
"""
RACE_ROWS = {
    "rider": [(1, "Kim", "Oak"), (2, "Lee", "Elm")],
    "race_entry": [
        (1, "Kim", "Comet", "Ascot", 1),
        (2, "Lee", "Dancer", "Ascot", 2),
        (3, "Max", "Blitzen", "Epsom", 3),
    ],
}


@pytest.fixture(scope="module")
def races(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("races") / "r.db", RACES, RACE_ROWS)
    yield model, conn
    conn.close()


def test_a_noun_of_a_table_and_of_another_tables_column(races) -> None:  # noqa: ANN001
    """ "riders" is the table `rider` and the column `race_entry.rider`: said after what is asked
    of them, with only `race_entry`'s columns around ("the horses of riders on track Ascot"),
    it is the entries' rows, not one more column to show nor the table `rider`."""
    result = engine_reads(races[0], "Show the horses of riders from track Ascot.")
    assert "FROM race_entry" in result.sql and "rider" not in result.sql.split("WHERE")[0]
    assert sorted(races[1].execute(result.sql).fetchall()) == [("Comet",), ("Dancer",)]
    lanes = engine_reads(races[0], "Show the lanes and horses of riders whose track is Epsom.")
    assert races[1].execute(lanes.sql).fetchall() == [(3, "Blitzen")]


def test_a_noun_of_a_table_with_that_tables_own_column(races) -> None:  # noqa: ANN001
    """With the table's own column said ("the stable of riders"), the noun is that table."""
    result = engine_reads(races[0], "Show the stable of all riders.")
    assert "FROM rider" in result.sql


def test_a_noun_of_people_said_of_the_one_table_of_people(camp, tmp_path) -> None:  # noqa: ANN001
    """ "guests" names no table or column: the one table of people is `Summercamper`, whose
    glued agent name says no kind of person, so any noun of people is said of it. Beside a
    second table of people (`Coach`, with names) it could mean either: asked back. A pronoun
    ("someone") never is the table; "each guest" (groups) is asked back."""
    assert engine_rows(camp, "How many guests are there?") == [(3,)]
    assert engine_rows(camp, "Show the names of guests with an age over 10.") == [("Ben",), ("Cy",)]
    # groups of rows the noun only infers: which column labels them is a guess, asked back
    engine_asks(camp[0], "How many canoes does each guest have?")
    engine_asks(camp[0], "How many someone are there?")
    # grammar words WordNet also files under people ("the haves", "More") stay grammar
    assert engine_rows(camp, "How many canoes have more than 2 seats?") == [(1,)]
    two, conn = engine_database(
        tmp_path / "two.db",
        CAMP + "CREATE TABLE Coach (coach_id INTEGER PRIMARY KEY, name TEXT);",
        {**ROWS, "Coach": [(1, "Dee")]},
    )
    engine_asks(two, "How many guests are there?")
    conn.close()
