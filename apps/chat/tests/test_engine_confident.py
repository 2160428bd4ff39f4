"""Issue 13 (h-confident): readings sure of themselves that answered another question (pure
tests, made-up schema).

- "all the information about boats and their sailors": the boats' columns and each boat's
  sailor's, never the boats alone with "and their sailors" dropped (the key each boat holds is
  no answer for the sailors); a table many rows of which belong to each listed row ("sailors and
  their boats") is asked back, naming it; so is any table said beside a listing whose only
  trace in the SQL is a key the SELECT shows ("list the sailors and their boats": `coverage`
  counts a table through a key only when the key is counted, grouped, joined or filtered on,
  and only a key the plan's rows hold);
- "the kind of the boat with the length": a numeric column after "with the" and nothing that
  picks rows is asked back (as "who has the length" is), never read as "length > 0";
- "the kind of the boat whose length is the largest" (columns said of one row, the table in the
  singular): the row with the largest length, never the kind whose lengths add up the most;
- a definition's term read as a ranking ("what is the most common boat kind, and how many are
  there?"): a data question, not a measure to define (`insights.names_a_measure`).

    .venv/bin/python -m pytest -p no:cacheprovider -q apps/chat/tests/test_engine_confident.py
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from apps.chat.engine.offline import build_semantic_model
from apps.chat.engine.offline.parser import Clarify
from apps.chat.insights import names_a_measure
from apps.chat.tests.support import engine_asks, engine_database, engine_reads
from apps.knowledge.engine.catalog import MetricDef

_SCRIPT = """
    CREATE TABLE sailors (sailor_id INTEGER PRIMARY KEY, name TEXT, rank_title TEXT);
    CREATE TABLE boats (boat_id INTEGER PRIMARY KEY, boat_name TEXT, kind TEXT,
        length REAL, sailor_id INTEGER REFERENCES sailors(sailor_id));
    CREATE TABLE trips (trip_id INTEGER PRIMARY KEY,
        boat_id INTEGER REFERENCES boats(boat_id), distance REAL, harbour TEXT);
"""
_ROWS = {
    "sailors": [(1, "Ann", "Captain"), (2, "Bo", "Mate"), (3, "Ann", "Cook")],
    "boats": [
        (1, "Gull", "sloop", 8.5, 1),
        (2, "Tern", "ketch", 12.0, 2),
        (3, "Puffin", "sloop", 9.0, 3),
        (4, "Skua", "sloop", 7.0, 1),
    ],
    "trips": [
        (1, 1, 10.0, "Vigo"),
        (2, 1, 12.0, "Brest"),
        (3, 2, 30.0, "Vigo"),
        (4, 3, 5.0, "Cork"),
        (5, 3, 7.0, "Vigo"),
        (6, 3, 9.0, "Cork"),
    ],
}


@pytest.fixture(scope="module")
def marina(tmp_path_factory):  # noqa: ANN001, ANN201
    db = tmp_path_factory.mktemp("confident") / "marina.db"
    model, conn = engine_database(db, _SCRIPT, _ROWS)
    yield model, conn
    conn.close()


# --- "all the information about X and their Y" -----------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "all the information about boats and their sailors",
        "all the information about boats with their sailors",
        "Show all the information about boats and sailors",
    ],
)
def test_every_column_of_the_rows_and_of_the_row_each_refers_to(marina, question):
    model, conn = marina
    reading = engine_reads(model, question)
    assert "sailors" in reading.sql and "JOIN" in reading.sql, reading.sql
    rows = conn.execute(reading.sql).fetchall()
    assert len(rows) == 4  # one row per boat
    flat = {str(v) for row in rows for v in row}
    assert {"Gull", "Captain", "Mate", "Cook"} <= flat  # the boats' and their sailors' columns


def test_the_rows_many_of_which_belong_to_each_listed_row_are_asked_back(marina):
    model, _conn = marina
    asked = engine_asks(model, "all the information about sailors and their boats")
    assert asked.clarify and "boats" in asked.clarify


@pytest.mark.parametrize(
    "question", ["list the sailors and their boats", "list the boats and their sailors"]
)
def test_a_table_said_beside_a_listing_is_not_covered_by_a_key_only_shown(marina, question):
    # the listed rows' key (or the key they hold) shown is no answer for the other table
    model, _conn = marina
    asked = engine_asks(model, question)
    assert Clarify.UNUSED_WORD in asked.notes, asked.notes


def test_a_count_through_the_key_the_rows_hold_still_answers(marina):
    model, conn = marina
    reading = engine_reads(model, "how many sailors have boats")
    assert conn.execute(reading.sql).fetchall() == [(3,)]


def test_every_column_of_one_table_stays_as_it_was(marina):
    model, conn = marina
    reading = engine_reads(model, "all the information about boats")
    assert "JOIN" not in reading.sql
    assert len(conn.execute(reading.sql).fetchall()) == 4


# --- "with the <number column>" ---------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "What is the kind of the boat with the length?",
        "the harbour of the trip with the distance",
    ],
)
def test_a_number_column_after_with_the_and_nothing_that_picks_rows_is_asked(marina, question):
    model, _conn = marina
    asked = engine_asks(model, question)
    assert Clarify.BARE_NUMBER in asked.notes, asked.notes


@pytest.mark.parametrize(
    "question",
    [
        "the kind of the boat with the highest length",
        "the harbour of the trip with the largest distance",
    ],
)
def test_with_a_number_that_picks_rows_still_answers(marina, question):
    model, _conn = marina
    engine_reads(model, question)


# --- a definition's term read as a ranking ------------------------------------------------------


def test_a_ranking_is_no_measure_to_define(marina):
    model, _conn = marina
    ranked = engine_reads(model, "the most common boat kind").plan
    assert not names_a_measure(ranked)
    measure = engine_reads(model, "the average length of the boats").plan
    assert names_a_measure(measure)


# --- columns said of one row of the table ranked ------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "the kind of the boat whose length is the largest",
        "the kind and name of the boat whose length is the largest",
    ],
)
def test_columns_said_of_one_row_rank_the_rows_not_groups_of_them(marina, question):
    # with a steward's count of the boats, the table ranked is the fact table: "the kind of the
    # boat whose length is the largest" was SUM(length) per kind (two sloops add up)
    model, conn = marina
    metrics = (MetricDef("Number of boats", "COUNT(*)", "boats", synonyms=("number of boats",)),)
    layer = build_semantic_model(replace(model.catalog, metrics=metrics))
    reading = engine_reads(layer, question)
    assert "SUM(" not in reading.sql, reading.sql
    assert "ketch" in conn.execute(reading.sql).fetchall()[0]


def test_a_column_asked_as_the_subject_still_ranks_its_groups(marina):
    model, conn = marina
    metrics = (MetricDef("Number of boats", "COUNT(*)", "boats", synonyms=("number of boats",)),)
    layer = build_semantic_model(replace(model.catalog, metrics=metrics))
    reading = engine_reads(layer, "which kind has the largest total length")
    assert conn.execute(reading.sql).fetchall()[0][0] == "sloop"  # 8.5 + 9 + 7
