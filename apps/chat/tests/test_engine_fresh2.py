"""Issue 13: kinds of question the engine asked back on databases it never saw (pure tests).

"the average X across all Y", "the maximum X among Y with …": the rows an aggregate is over,
said as "of" them; "the height of the player with the highest earnings": a numeric column of
the one named row a superlative picks, not a ranking without groups; "taller than 200":
the height compared. One small made-up schema.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_fresh2.py
"""

from __future__ import annotations

import pytest

from apps.chat.engine.offline import interpret
from apps.chat.tests.support import engine_database, engine_reads

_SCHEMA = """
    CREATE TABLE stores (store_id INTEGER PRIMARY KEY, name TEXT, district TEXT,
        number_products INTEGER);
    CREATE TABLE players (player_id INTEGER PRIMARY KEY, name TEXT, earnings REAL,
        money_rank INTEGER, final_table_made INTEGER, height REAL);
"""
_ROWS = {
    "stores": [(1, "Alpha", "North", 100), (2, "Beta", "South", 5000), (3, "Gamma", "North", 900)],
    "players": [
        (1, "Ann", 100.0, 3, 4, 180.0),
        (2, "Bob", 300.0, 1, 7, 190.0),
        (3, "Cid", 150.0, 2, 9, 175.0),
    ],
}


@pytest.fixture(scope="module")
def league(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("en") / "league.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


def _rows(league, question: str) -> list:  # noqa: ANN001
    model, conn = league
    result = engine_reads(model, question)
    return conn.execute(result.sql).fetchall()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Return the average earnings across all players.", [(550.0 / 3,)]),
        ("What are the minimum and maximum number of products across all the stores?",
         [(100, 5000)]),
        ("What is the maximum final table made among players with earnings less than 200?", [(9,)]),
    ],
)  # fmt: skip
def test_across_or_among_the_rows_is_the_rows_aggregated(league, question, expected):
    assert [tuple(pytest.approx(v) for v in row) for row in _rows(league, question)] == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the money rank of the player with the highest earnings?", [(1,)]),
        ("What is the height of the player with the lowest earnings?", [(180.0,)]),
        ("Return the money rank of the player with the greatest height.", [(1,)]),
    ],
)
def test_a_number_of_the_one_named_row_a_superlative_picks(league, question, expected):
    """Not the MAX of one column nor a ranking without groups: that row's own column."""
    assert _rows(league, question) == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Give the average earnings of players who are taller than 178.", [(200.0,)]),
        ("How many players are shorter than 178 in height?", None),
    ],
)
def test_a_height_comparative_is_a_comparison_of_that_column(league, question, expected):
    """ "taller than 178": height above 178; "shorter" stays a length (none here): asked."""
    model, conn = league
    result = interpret(question, model)
    if expected is None:
        assert result.route == "CLARIFY", result.sql
    else:
        assert conn.execute(result.sql).fetchall() == expected
