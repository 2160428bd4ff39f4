"""Issue 13 (h-wrong9): confidently wrong readings asked back (pure tests, made-up schema).

- a rate ranked per group with no aggregate word ("which survey source has the highest reject
  rate?"): the one row with the highest rate, or the source whose rates average highest;
- "who has the <number column>" with nothing after it that picks rows ("the survey source of
  the survey that has the reject rate"): which rows is not said;
- "what is all the information about all people?" with a layer's "Number of people" metric:
  every column of the rows, never the metric no word named;
- a comparison with the average joined by "or" to another condition ("an age above the average
  or a mentor in the Physics department"): one OR, never both ANDed;
- "shared by / both … X and Y" of one column not read as two halves: never the rows of either
  value (IN), asked back (`_check_values_shared`, checked on a plan);
- a figure followed by a second question asking for a listing ("what is the maximum height of
  the lighthouses and what are the keepers' names?"): one figure and a list, or the figure per
  keeper.

    .venv/bin/python -m pytest -p no:cacheprovider -q apps/chat/tests/test_engine_wrong9.py
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from apps.chat.engine.offline import build_semantic_model
from apps.chat.engine.offline import lexicon as lx
from apps.chat.engine.offline.checks import _check_values_shared
from apps.chat.engine.offline.parser import Clarify, Unclear
from apps.chat.engine.plan import Filter, QueryPlan
from apps.chat.tests.support import engine_asks, engine_database, engine_reads
from apps.knowledge.engine.catalog import MetricDef

_SCRIPT = """
    CREATE TABLE surveys (survey_id INTEGER PRIMARY KEY, survey_source TEXT,
        approval_rate REAL, reject_rate REAL);
    CREATE TABLE keepers (keeper_id INTEGER PRIMARY KEY, name TEXT, nationality TEXT);
    CREATE TABLE lighthouses (lighthouse_id INTEGER PRIMARY KEY, name TEXT,
        height_meters REAL, keeper_id INTEGER REFERENCES keepers(keeper_id));
    CREATE TABLE mentors (mentor_id INTEGER PRIMARY KEY, name TEXT, department TEXT);
    CREATE TABLE scholars (scholar_id INTEGER PRIMARY KEY, name TEXT, age INTEGER,
        advisor_id INTEGER REFERENCES mentors(mentor_id));
"""
_ROWS = {
    "surveys": [(1, "WNBC", 0.3, 0.2), (2, "FOX", 0.4, 0.5), (3, "FOX", 0.1, 0.1)],
    "keepers": [(1, "Kim", "UK"), (2, "Lee", "FR")],
    "lighthouses": [(1, "Tall", 30.0, 1), (2, "Short", 10.0, 2), (3, "Mid", 20.0, 1)],
    "mentors": [(1, "Moe", "Physics"), (2, "Ned", "Math")],
    "scholars": [(1, "Sal", 20, 1), (2, "Tia", 31, 2), (3, "Uma", 21, 2)],
}


@pytest.fixture(scope="module")
def coast(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("wrong9") / "coast.db", _SCRIPT, _ROWS)
    yield model, conn
    conn.close()


@pytest.mark.parametrize(
    "question",
    [
        "Which survey source does the highest reject rate come from?",
        "Which survey source has the highest reject rate?",
    ],
)
def test_a_rate_ranked_per_group_with_no_aggregate_word_is_asked_back(coast, question):
    assert engine_asks(coast[0], question).clarify


def test_a_rate_ranked_per_group_with_average_said_is_the_average(coast):
    model, conn = coast
    result = engine_reads(model, "Which survey source has the highest average reject rate?")
    assert conn.execute(result.sql).fetchall()[0][0] == "FOX"


def test_a_figure_then_a_second_question_listing_is_asked_back(coast):
    model, _conn = coast
    engine_asks(
        model,
        "What is the maximum height in meters for the lighthouses and what are the keepers' names?",
    )


def test_a_figure_said_for_each_keeps_its_groups(coast):
    model, conn = coast
    result = engine_reads(model, "What is the maximum height of each keeper and their names?")
    assert sorted(conn.execute(result.sql).fetchall()) == [("Kim", 30.0), ("Lee", 10.0)]


def test_a_number_column_had_with_nothing_picking_rows_is_asked_back(coast):
    model, _conn = coast
    asked = engine_asks(
        model, "Return the survey source corresponding to the survey that has the reject rate."
    )
    assert "reject rate" in asked.clarify


def test_a_number_column_had_with_a_superlative_is_the_top_row(coast):
    model, conn = coast
    result = engine_reads(
        model, "What is the survey source of the survey that has the highest reject rate?"
    )
    assert conn.execute(result.sql).fetchall() == [("FOX",)]


def test_all_the_information_about_rows_is_every_column_not_a_layer_count(coast):
    """A steward's "Number of surveys" (COUNT(*)) of the table most metrics are of is never
    read in place of "all the information about all surveys"."""
    model, conn = coast
    metrics = (
        MetricDef("Number of surveys", "COUNT(*)", "surveys", synonyms=("number of surveys",)),
        MetricDef("Average reject rate", "AVG(reject_rate)", "surveys"),
    )
    layer = build_semantic_model(replace(model.catalog, metrics=metrics))
    for question in (
        "What is all the information about all surveys?",
        "List all info about all surveys.",
    ):
        result = engine_reads(layer, question)
        assert len(conn.execute(result.sql).fetchall()[0]) == 4, result.sql


@pytest.mark.parametrize(
    "question",
    [
        "Find the names of scholars with an age above the average or a mentor in the Physics "
        "department",
        "Find the names of scholars with a mentor in the Physics department or an age above the "
        "average",
    ],
)
def test_above_the_average_or_another_condition_is_one_or(coast, question):
    model, conn = coast
    result = engine_reads(model, question)
    assert sorted(conn.execute(result.sql).fetchall()) == [("Sal",), ("Tia",)]


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Show the fire brigade shared by districts with side East and West.", True),
        ("Show the fire brigade of districts in both East and West.", True),
        ("Show the fire brigade of districts with side East or West.", False),
    ],
)
def test_values_shared_are_never_the_rows_of_either_value(question, asks):
    """The reading that is left when the question is not split into two halves: one filter
    of both values, which means either of them."""

    plan = QueryPlan("districts", filters=(Filter("districts", "side", "in", ("East", "West")),))
    tokens = lx.tokenize(question, "en")
    if not asks:
        _check_values_shared(plan, question, tokens)
        return
    with pytest.raises(Unclear) as asked:
        _check_values_shared(plan, question, tokens)
    assert asked.value.reason == Clarify.SHARED_VALUES
