"""Issue 13, the fresh Spider dev databases: kinds of misreading that gave confidently wrong
answers, each on a small made-up schema (pure tests, no Django).

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_fresh.py
"""

from __future__ import annotations

import pytest

from apps.chat.engine.offline import interpret
from apps.chat.tests.support import engine_database

_SCHEMA = """
    CREATE TABLE conductors (id INTEGER PRIMARY KEY, name TEXT, nationality TEXT);
    CREATE TABLE bands (id INTEGER PRIMARY KEY, name TEXT, label TEXT, location TEXT,
        conductor_id INTEGER REFERENCES conductors(id));
    CREATE TABLE concerts (id INTEGER PRIMARY KEY, band_id INTEGER REFERENCES bands(id),
        share TEXT);
    CREATE TABLE players (id INTEGER PRIMARY KEY, tables_made INTEGER, best_finish INTEGER,
        earnings REAL);
    CREATE TABLE staff (id INTEGER PRIMARY KEY, name TEXT, is_full_time TEXT, bonus REAL);
    CREATE TABLE battles (id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE vessels (id INTEGER PRIMARY KEY, name TEXT,
        lost_in INTEGER REFERENCES battles(id), tonnage TEXT);
"""
_ROWS = {
    "conductors": [(1, "Ada", "UK"), (2, "Bo", "USA"), (3, "Cy", "France")],
    "bands": [
        (1, "North", "Decca", "Oslo", 1),
        (2, "South", "Decca", "Rome", 2),
        (3, "East", "Sony", "Oslo", 3),
        (4, "West", "EMI", "Lima", 1),
    ],
    "concerts": [(1, 1, "22.7%"), (2, 2, "11%"), (3, 3, "9%")],
    "players": [(1, 42, 1, 476090.0), (2, 10, 2, 189233.0), (3, 21, 1, 104871.0)],
    "staff": [(1, "Ann", "T", 3000.0), (2, "Ben", "F", 4000.0), (3, "Cat", "T", 3200.0)],
    "battles": [(1, "Adrianople"), (2, "Serres"), (3, "Rusion")],
    "vessels": [(1, "Lettice", 1, "t"), (2, "Bon Accord", 1, "225"), (3, "Mary", 2, "t")],
}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("fresh") / "fresh.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


def _read(fresh, question: str):  # noqa: ANN001, ANN202
    model, conn = fresh
    result = interpret(question, model)
    rows = conn.execute(result.sql).fetchall() if result.route == "SQL" else None
    return result, rows


def test_a_superlative_after_the_passive_by_ranks_the_subject(fresh):
    """ "used by the most bands": "by" is the agent of the passive, not a grouping; the one
    label asked for is the first of the ranking."""
    result, rows = _read(fresh, "What is the label used by the greatest number of bands?")
    assert result.route == "SQL", result.clarify
    assert [r[0] for r in rows] == ["Decca"], result.sql


def test_a_participle_before_by_is_a_verb_not_a_column(fresh):
    """ "shared by" shares only a stem with the column `share`: it neither groups nor lists it."""
    result, rows = _read(fresh, "List the label shared by the most number of bands.")
    assert result.route == "CLARIFY" or ("share" not in result.sql.lower() and len(rows) == 1)


def test_one_word_of_a_longer_yes_no_column_is_no_filter(fresh):
    """ "one time bonus" says only "time" of `is_full_time`: asked back, never `= 'T'`."""
    result, _rows = _read(fresh, "Find the name of the staff who got the highest one time bonus.")
    assert result.route == "CLARIFY" or "is_full_time" not in result.sql.lower(), result.sql


def test_a_count_that_finds_nothing_to_count_is_asked_back(fresh):
    """ "how many different store locations": never the locations themselves."""
    result, rows = _read(fresh, "How many different store locations are there?")
    assert result.route == "CLARIFY" or (rows is not None and len(rows) == 1), result.sql


def test_numbers_named_before_a_table_are_listed_row_by_row(fresh):
    """ "the tables made and best finishes of players": each player's, not their sums."""
    result, rows = _read(fresh, "List the tables made and the best finishes of players.")
    assert result.route == "SQL", result.clarify
    assert sorted(rows) == [(10, 2), (21, 1), (42, 1)], result.sql


def test_not_any_related_row_keeps_rows_with_none(fresh):
    """ "did not lose any vessel with tonnage '225'": battles that lost no vessel count too."""
    result, rows = _read(fresh, "How many battles did not lose any vessel with tonnage '225'?")
    assert result.route == "CLARIFY" or rows == [(2,)], result.sql


def test_a_typo_is_never_corrected_into_a_documentation_word(fresh):
    """ "conducted" is one letter from "connected" (how tables join): a data question stays
    one (answered or asked back), never the schema's joins."""
    model, _conn = fresh
    result = interpret("Show the names of conductors that have conducted bands.", model)
    assert result.route != "RAG", result.intent


def test_a_name_said_of_no_table_is_of_the_table_the_rest_is_about(fresh):
    """ "the names of stores whose bonus …" ("stores" names no table): the names of the one
    table whose columns the question says, not of another table joined to it."""
    result, rows = _read(
        fresh, "Find the names of stores whose bonus is more than the average bonus."
    )
    assert result.route == "CLARIFY" or sorted(r[0] for r in rows) == ["Ben"], result.sql


@pytest.mark.parametrize(
    "question",
    [
        "List the names of staff in descending order of bonus.",
        "What are the names of the staff, sorted by bonus in descending order?",
    ],
)
def test_a_listing_sorted_by_a_number_of_its_rows_is_those_rows_in_order(fresh, question):
    """ "in descending order of X" with no superlative: every row, sorted, not one ranked."""
    result, rows = _read(fresh, question)
    assert result.route == "SQL", result.clarify
    assert [r[0] for r in rows] == ["Ben", "Cat", "Ann"], result.sql


def test_a_command_word_opening_the_question_is_no_table_of_that_name(tmp_path):
    """ "Please show the labels of bands …" where a table is called `show`: the command."""
    model, conn = engine_database(
        tmp_path / "shows.db",
        """
        CREATE TABLE bands (id INTEGER PRIMARY KEY, name TEXT, label TEXT, founded INTEGER);
        CREATE TABLE show (id INTEGER PRIMARY KEY, band_id INTEGER REFERENCES bands(id),
            attendance INTEGER);
        """,
        {
            "bands": [(1, "North", "Decca", 2001), (2, "South", "Sony", 1999)],
            "show": [(1, 1, 100), (2, 1, 50), (3, 2, 70)],
        },
    )
    result = interpret("Please show the labels of bands in ascending order of founded.", model)
    conn.close()
    assert result.route == "CLARIFY" or "show" not in (result.sql or "").lower(), result.sql
