"""Issue 13, confidently wrong shapes found on the fourth group of Spider train dev databases
(branch h-wrong7). One test per cause, each on a small invented schema (herds of goats, towns
hosting fair competitions with herds ranked in them, plays and their performances' prices), with and
without a semantic layer:

- an order word before a measure said "for each"/"per" row of a table ("the highest price for
  each play"): each group's MAX/MIN, never the one row with the extreme, and never a layer's
  metric of another aggregate (an "Average price" metric) in its place;
- a number compared before "total number of <column>" ("more than 500 total number of goats"):
  the condition is on the column named there (`total_goats`), never on the measure said before
  the comparison, and no extra column; a word naming two columns by one word of each with
  nothing to choose is asked back;
- a year, rank, code or id is never summed or averaged unless an aggregate word says so;
- the rows named after "each" ("the theme of each competition") are never counted per value of
  their own column when no word asked for a count.

    .venv/bin/python -m pytest -p no:cacheprovider -q apps/chat/tests/test_engine_wrong7.py
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from apps.chat.engine.offline import build_semantic_model
from apps.chat.tests.support import engine_asks, engine_database, engine_reads, engine_rows
from apps.knowledge.engine.catalog import MetricDef

_SCRIPT = """
    CREATE TABLE herd (herd_id INTEGER PRIMARY KEY, year INTEGER, total_goats INTEGER,
        milking_goats INTEGER);
    CREATE TABLE town (town_id INTEGER PRIMARY KEY, official_name TEXT, population INTEGER);
    CREATE TABLE fair_competition (contest_id INTEGER PRIMARY KEY, year INTEGER, theme TEXT,
        host_town_id INTEGER REFERENCES town(town_id));
    CREATE TABLE record (contest_id INTEGER REFERENCES fair_competition(contest_id),
        herd_id INTEGER REFERENCES herd(herd_id), rank INTEGER,
        PRIMARY KEY (contest_id, herd_id));
    CREATE TABLE play (play_id INTEGER PRIMARY KEY, title TEXT, director TEXT);
    CREATE TABLE theater (theater_id INTEGER PRIMARY KEY, name TEXT, capacity INTEGER);
    CREATE TABLE performance (theater_id INTEGER REFERENCES theater(theater_id),
        play_id INTEGER REFERENCES play(play_id), price REAL,
        PRIMARY KEY (theater_id, play_id));
"""
_ROWS = {
    "herd": [(1, 2001, 400, 100), (2, 2002, 600, 200), (3, 2003, 900, 500), (4, 2004, 300, 250)],
    "town": [(1, "Oakville", 5000), (2, "Elm Bay", 800), (3, "Pine Hill", 2000)],
    "fair_competition": [(1, 2011, "Robots", 1), (2, 2012, "Oceans", 1), (3, 2013, "Space", 2),
                (4, 2014, "Music", 3)],
    "record": [(1, 1, 1), (1, 2, 2), (2, 1, 2), (3, 3, 1)],
    "play": [(1, "Hamlet", "Ann Roe"), (2, "Macbeth", "Bo Li"), (3, "Othello", "Ann Roe")],
    "theater": [(1, "Globe", 900), (2, "Rose", 500)],
    "performance": [(1, 1, 12.5), (2, 1, 20.0), (1, 2, 9.0), (2, 3, 15.0), (1, 3, 7.5)],
}  # fmt: skip


@pytest.fixture(scope="module")
def farm(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("w7") / "w7.db", _SCRIPT, _ROWS)
    yield model, conn
    conn.close()


@pytest.fixture(scope="module")
def farm_layer(farm):  # noqa: ANN001, ANN201
    """The schema as a steward's semantic layer describes it: table and column synonyms, an
    average-price metric, counts of competitions and of their themes (the competitions are the
    table most metrics are of)."""
    model, conn = farm
    tables_said = {
        "fair_competition": ("competition", "competitions"),
        "town": ("town", "towns", "city", "cities"),
        "record": ("record", "records", "result", "results"),
    }
    columns_said = {
        ("fair_competition", "host_town_id"): ("host town", "town", "city"),
        ("record", "contest_id"): ("contest", "competition"),
        ("record", "herd_id"): ("herd",),
        ("record", "rank"): ("rank", "position"),
    }
    tables = tuple(
        replace(
            t,
            synonyms=tables_said.get(t.name, t.synonyms),
            columns=tuple(
                replace(c, synonyms=columns_said.get((t.name, c.name), c.synonyms))
                for c in t.columns
            ),
        )
        for t in model.catalog.tables
    )
    metrics = (
        MetricDef("Average price", "AVG(price)", "performance", synonyms=("average price",)),
        MetricDef(
            "Number of competitions",
            "COUNT(*)",
            "fair_competition",
            synonyms=("number of competitions",),
        ),
        MetricDef(
            "Number of themes",
            "COUNT(DISTINCT theme)",
            "fair_competition",
            synonyms=("number of themes",),
        ),
    )
    catalog = replace(model.catalog, tables=tables, metrics=metrics)
    return build_semantic_model(catalog), conn


_PER_PLAY_MAX = [("Hamlet", 20.0), ("Macbeth", 9.0), ("Othello", 15.0)]
_PER_PLAY_MIN = [("Hamlet", 12.5), ("Macbeth", 9.0), ("Othello", 7.5)]


@pytest.mark.parametrize("layer", [False, True])
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Give me the title and highest price for each play.", _PER_PLAY_MAX),
        ("What is the highest price of each play?", _PER_PLAY_MAX),
        ("Show the title and the lowest price per play.", _PER_PLAY_MIN),
    ],
)
def test_an_extreme_said_for_each_row_of_a_table_is_each_groups_aggregate(
    farm, farm_layer, layer, question, expected
):
    database = farm_layer if layer else farm
    assert sorted(engine_rows(database, question)) == expected
    sql = engine_reads(database[0], question).sql
    assert "AVG(" not in sql.upper()
    assert "LIMIT 1" not in sql.upper()


def test_the_row_with_an_extreme_per_group_is_not_an_aggregate(farm):
    # "which play has the highest price for each theater" singles out rows: not MAX per group
    result = engine_asks(farm[0], "Which play has the highest price for each theater?")
    assert result.sql is None or "MAX(" not in (result.sql or "")


@pytest.mark.parametrize("layer", [False, True])
@pytest.mark.parametrize(
    "question",
    [
        "What is the average number of milking goats of herds with more than 500 total number "
        "of goats?",
        "What is the average number of milking goats of herds with more than 500 total goats?",
    ],
)
def test_a_number_compared_before_a_column_conditions_that_column(
    farm, farm_layer, layer, question
):
    database = farm_layer if layer else farm
    result = engine_reads(database[0], question)
    assert "total_goats > 500" in result.sql
    assert engine_rows(database, question) == [(350.0,)]  # one column: no SUM(total_goats)


def test_one_word_of_two_columns_of_one_table_is_asked_back(farm):
    result = engine_asks(farm[0], "What is the average number of goats of herds?")
    assert "goats" in result.clarify


@pytest.mark.parametrize("layer", [False, True])
@pytest.mark.parametrize(
    "question",
    [
        "Show the rank of each herd.",
        "Give the ranks of the herds.",
    ],
)
def test_a_rank_or_year_is_never_summed_unless_said(farm, farm_layer, layer, question):
    database = farm_layer if layer else farm
    from apps.chat.engine.offline import interpret

    result = interpret(question, database[0])
    if result.route == "SQL":
        assert "SUM(" not in result.sql.upper()
        assert "AVG(" not in result.sql.upper()


@pytest.mark.parametrize("layer", [False, True])
def test_an_aggregate_word_still_aggregates_a_rank_or_year(farm, farm_layer, layer):
    database = farm_layer if layer else farm
    rows = engine_rows(database, "What is the average rank of each herd?")
    assert sorted(rows) == [(1, 1.5), (2, 2.0), (3, 1.0)]
    assert engine_rows(database, "What is the average year of fair competitions?") == [(2012.5,)]


def test_the_years_of_each_rows_host_are_never_summed(farm_layer):
    question = "Give the years and official names of the cities of each competition."
    from apps.chat.engine.offline import interpret

    result = interpret(question, farm_layer[0])
    if result.route == "SQL":
        assert "SUM(" not in result.sql.upper()


@pytest.mark.parametrize(
    "question",
    [
        "What is the theme of each competition?",
        "Give the official names of the cities of each competition.",
    ],
)
def test_the_rows_named_after_each_are_not_counted_unasked(farm_layer, question):
    from apps.chat.engine.offline import interpret

    result = interpret(question, farm_layer[0])
    if result.route == "SQL":
        assert "COUNT(" not in result.sql.upper()


def test_a_count_said_for_each_row_is_still_a_count(farm_layer):
    rows = engine_rows(farm_layer, "How many competitions does each town have?")
    assert sorted(r[-1] for r in rows) == [1, 1, 2]


def test_an_extreme_said_for_each_value_of_a_column_is_each_values_aggregate(farm):
    rows = engine_rows(farm, "What is the lowest price for each director?")
    assert sorted(rows) == [("Ann Roe", 7.5), ("Bo Li", 9.0)]


@pytest.mark.parametrize("layer", [False, True])
def test_the_year_of_the_rows_a_value_picks_is_still_answered(farm, farm_layer, layer):
    database = farm_layer if layer else farm
    rows = engine_rows(database, 'What is the year of the fair competition with theme "Robots"?')
    assert rows == [(2011,)]
