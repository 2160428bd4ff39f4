"""Issue 13: adjectives that name a column and a direction (branch `h-adjs`; pure tests, no
Django).

A graded adjective measures an attribute (WordNet's attribute pointers: old/young -> age,
wide/narrow -> width, …): "the youngest rower", "rowers older than 30", "ordered by age from
the oldest to the youngest" use the one numeric column of the table that the attribute names;
none or two, and the word is asked back. A comparison said before a column and its number
("rowers above age 20") compares that column; two bounds of one column that no row meets
together are asked back. One small rowing club of its own, built here.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_adjs.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_reads
from datachat import text as tx

_SCHEMA = """
    CREATE TABLE clubs (club_id INTEGER PRIMARY KEY, club_name TEXT, town TEXT);
    CREATE TABLE rowers (rower_id INTEGER PRIMARY KEY, name TEXT, home_town TEXT,
        age INTEGER, club_id INTEGER REFERENCES clubs(club_id));
    CREATE TABLE boats (boat_id INTEGER PRIMARY KEY, name TEXT, width REAL,
        min_age INTEGER, max_age INTEGER);
"""
_ROWS = {
    "clubs": [(1, "Leander", "Henley"), (2, "Thames", "Putney")],
    "rowers": [
        (1, "Ann", "Oxford", 19, 1),
        (2, "Bea", "Oxford", 34, 1),
        (3, "Cal", "Bath", 27, 2),
        (4, "Dan", "Bath", 41, 2),
        (5, "Eve", "York", 23, 1),
    ],
    "boats": [(1, "Swift", 0.5, 12, 30), (2, "Heron", 1.2, 16, 60), (3, "Kite", 0.8, 18, 80)],
}


@pytest.fixture(scope="module")
def club(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("adjs") / "c.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


def _rows(club, question: str) -> list:  # noqa: ANN001
    model, conn = club
    return conn.execute(engine_reads(model, question).sql).fetchall()


def test_wordnet_gives_the_attribute_a_graded_adjective_measures():
    """The comparatives and superlatives of the adjectives reach their base form and its
    attribute noun (regular -er/-est endings and WordNet's exception list)."""
    assert tx.adjective_attributes("youngest") == ("young", ("age",))
    assert tx.adjective_attributes("older") == ("old", ("age",))
    assert tx.adjective_attributes("biggest") == ("big", ("size",))
    assert tx.adjective_attributes("wider")[1][0] == "width"
    assert tx.adjective_attributes("recent") is None


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the name of the youngest rower?", "Ann"),
        ("Show the home town of the oldest rower.", "Bath"),
    ],
)
def test_a_superlative_of_an_attribute_orders_the_column_it_names(club, question, expected):
    """ "the youngest rower": the row with the lowest age (asked back naming "youngest")."""
    got = _rows(club, question)
    assert len(got) == 1 and expected in got[0], got


@pytest.fixture(scope="module")
def members(tmp_path_factory):  # noqa: ANN001, ANN201
    schema = """CREATE TABLE members (member_id INTEGER PRIMARY KEY, member_name TEXT,
        birth_date DATE, joined DATE);"""
    rows = {
        "members": [
            (1, "Gus", "1961-04-02", "2001-01-01"),
            (2, "Hal", "1979-11-30", "2002-01-01"),
            (3, "Ivy", "1970-01-15", "2003-01-01"),
        ]
    }
    model, conn = engine_database(tmp_path_factory.mktemp("adjs") / "m.db", schema, rows)
    yield model, conn
    conn.close()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the name of the youngest member?", "Hal"),
        ("Who is the oldest member?", "Gus"),
        ("Which member is the youngest?", "Hal"),
    ],
)
def test_age_of_a_table_with_birth_dates_orders_them_backwards(members, question, expected):
    """ "the youngest member" where members keep a birth date: the latest birth date; "who is"
    and "which member is" name the row by its label, not by the date alone."""
    got = _rows(members, question)
    assert len(got) == 1 and got[0][0] == expected, got


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("Which rowers are older than 30?", {"Bea", "Dan"}),
        ("List the rowers younger than 25.", {"Ann", "Eve"}),
        ("What are the names of rowers who are older than average?", {"Bea", "Dan"}),
        ("Which boats are wider than 0.7?", {"Heron", "Kite"}),
    ],
)
def test_a_comparative_of_an_attribute_compares_the_column_it_names(club, question, names):
    """ "older than 30", "older than average": the age column compared (asked back naming
    "older, than")."""
    got = _rows(club, question)
    assert {row[0] for row in got} == names, got


def test_two_ends_of_an_attribute_say_the_direction_of_the_order(club):
    """ "ordered by age from the oldest to the youngest" is descending (asked back before)."""
    got = _rows(club, "List the rowers' names ordered by age from the oldest to the youngest.")
    assert [row[0] for row in got] == ["Dan", "Bea", "Cal", "Eve", "Ann"], got
    got = _rows(club, "List the names of the rowers ordered by age from youngest to oldest.")
    assert [row[0] for row in got] == ["Ann", "Eve", "Cal", "Bea", "Dan"], got


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("What are the names of the rowers above age 30?", {"Bea", "Dan"}),
        ("Which rowers under age 25 are there?", {"Ann", "Eve"}),
        ("List the rowers over age 40.", {"Dan"}),
    ],
)
def test_a_comparison_before_a_column_and_its_number_compares_that_column(club, question, names):
    """ "rowers above age 30": asked back naming "above" (the column came between)."""
    got = _rows(club, question)
    assert {row[0] for row in got} == names, got


def test_an_attribute_two_columns_say_is_asked_back(club):
    """ "the oldest boat" where boats have a min_age and a max_age: which one is not said."""
    model, _conn = club
    engine_asks(model, "What is the name of the oldest boat?")
    engine_asks(model, "Which boats are older than 20?")


def test_an_attribute_no_column_says_is_asked_back(club):
    """ "the oldest club": clubs have no age column; nothing to order by."""
    model, _conn = club
    engine_asks(model, "What is the name of the oldest club?")


def test_two_bounds_no_row_meets_together_are_asked_back(club):
    """ "rowers with age above 40 and age below 30": two sets of rows, not their AND (which
    answered with no row, confidently)."""
    model, _conn = club
    engine_asks(model, "Show the towns of rowers with age above 40 and age below 30.")
    assert {r[0] for r in _rows(club, "Show the rowers with age above 20 and age below 30.")} == {
        "Cal",
        "Eve",
    }


@pytest.mark.parametrize(
    "question",
    [
        # the mean of other rows: the parser would keep the Oxford rowers, not average them
        "Show the rowers older than the average age of rowers from Oxford.",
        # an extreme per group: read as an average per name before
        "Show the youngest rowers in each home town.",
        # the rows said twice across "and": two sets of rows, not one row meeting both
        "Show the home towns with rowers from Leander and rowers older than 30.",
        "Show the home towns where a rower above age 40 and a rower below 30 are from.",
    ],
)
def test_shapes_the_parser_misreads_stay_asked_back(club, question):
    """The adjective is read only where the shape it becomes is read right."""
    model, _conn = club
    engine_asks(model, question)
