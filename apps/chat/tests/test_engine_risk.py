"""Issue 13, confident answers made safer (branch h-risk; pure tests).

Readings the engine answered with confidence although the question says something else: an
aggregate over groups of one row each ("the minimum, maximum and average share price for every
firm" grouped by the firm's own name column is each firm's price three times).

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_risk.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_reads

_FIRMS = """
CREATE TABLE firm (Firm_ID INTEGER PRIMARY KEY, Rank INTEGER, Firm TEXT, Town TEXT,
    Share_Price REAL, Staff INTEGER);
CREATE TABLE depot (Depot_ID INTEGER PRIMARY KEY, Location TEXT, Opened INTEGER);
CREATE TABLE depot_firm (Depot_ID INTEGER REFERENCES depot(Depot_ID),
    Firm_ID INTEGER REFERENCES firm(Firm_ID), Rank_of_the_Year INTEGER,
    PRIMARY KEY (Depot_ID, Firm_ID));
"""
_FIRMS_ROWS = {
    "firm": [
        (1, 1, "North Star", "Ashby", 1.5, 4),
        (2, 2, "Quick Fill", "Ashby", 1.6, 6),
        (3, 3, "Blue Pump", "Brill", 1.4, 2),
    ],
    "depot": [(1, "Ashby", 1990), (2, "Brill", 2001)],
    "depot_firm": [(1, 1, 1), (2, 2, 2), (1, 3, 3)],
}


@pytest.fixture(scope="module")
def firms(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(
        tmp_path_factory.mktemp("firms") / "firms.db", _FIRMS, _FIRMS_ROWS
    )
    yield model, conn
    conn.close()


@pytest.mark.parametrize(
    "question",
    [
        "What is the minimum, maximum, and average share price for every firm?",
        "What is the average share price of each firm?",
    ],
)
def test_an_aggregate_over_groups_of_one_row_is_asked(firms, question: str) -> None:  # noqa: ANN001
    """Grouped by the column called as its table (one firm per row), the aggregate is each
    row's own value: one figure over all firms, or each firm's price, was meant."""
    model, _conn = firms
    assert "Share_Price" in engine_asks(model, question).clarify


def test_an_aggregate_over_groups_of_several_rows_answers(firms) -> None:  # noqa: ANN001
    model, conn = firms
    sql = engine_reads(model, "What is the average share price for each town?").sql
    assert sorted(conn.execute(sql).fetchall()) == [("Ashby", 1.55), ("Brill", 1.4)]
    # the top rows ranked by their own value: one row each, as asked
    sql = engine_reads(model, "Return the names and share prices of the 2 largest firms.").sql
    assert [row[0] for row in conn.execute(sql).fetchall()][:2] == ["Quick Fill", "North Star"]
