"""Issue 13, branch `h-newdbs6`: "by" after a past participle names who did it.

- "the total funding asked by startups whose founder is taller than 1.85", "the total funding
  asked by startups": "by" right after a participle ("asked by", "made by") and before the
  measured rows' own noun is the doer of the verb, so "total" stays a SUM over those rows (it
  was read as "per startup", an average); "per startup", "by each backer" and "the average
  funding asked by startups" keep their readings.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_newdbs6.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_database, engine_reads, engine_rows

_SCHEMA = """
    CREATE TABLE founder (founder_id INTEGER PRIMARY KEY, name TEXT, height REAL);
    CREATE TABLE startup (startup_id INTEGER PRIMARY KEY, venture TEXT, funding_asked REAL,
        backer TEXT, founder_id INTEGER REFERENCES founder(founder_id));
"""
_ROWS = {
    "founder": [(1, "Ann", 1.9), (2, "Bob", 1.7), (3, "Cy", 1.88)],
    "startup": [
        (1, "Alpha", 100000, "Xavier", 1),
        (2, "Beta", 50000, "Yara", 2),
        (3, "Gamma", 70000, "Xavier", 3),
    ],
}


@pytest.fixture(scope="module")
def startups(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("agent") / "s.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


@pytest.mark.parametrize(
    ("question", "total"),
    [
        ("What is the total funding asked by startups whose founder is taller than 1.85?", 170000),
        ("Give the total funding asked by startups with height more than 1.85.", 170000),
        ("What is the total funding asked by startups?", 220000),
    ],
)
def test_by_after_a_participle_is_the_doer_not_per_row(startups, question, total):
    sql = engine_reads(startups[0], question).sql
    assert "SUM(" in sql and "AVG(" not in sql, sql
    assert engine_rows(startups, question) == [(total,)]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the total funding asked per startup?", "AVG("),
        ("What is the average funding asked by startups?", "AVG("),
        ("What is the total funding asked by each backer?", "GROUP BY"),
    ],
)
def test_per_row_averages_and_each_groups_keep_their_readings(startups, question, expected):
    assert expected in engine_reads(startups[0], question).sql
