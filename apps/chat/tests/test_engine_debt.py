"""Readings kept or fixed by the code-debt passes of the offline engine (branch `h-debt2`).

- "X or later / or after / o después" has one reader per kind: a period, a year included
  ("2015 or after", "March 2015 or later", "Q2 2015 o después"), is read by the time scanner
  (`timeparse._or_later`); another number ("a fee of 10 or after") by the rewrite
  (`rewrite._or_more`). The rewrite used to take the year of "March 2015 or later" alone,
  leaving `date >= 2015-01-01 AND month = 3`.
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_database, engine_rows

_SCHEMA = """
CREATE TABLE bands (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE gigs (
    id INTEGER PRIMARY KEY, band_id INTEGER REFERENCES bands(id), city TEXT, played_on DATE,
    fee REAL
);
"""
_ROWS = {
    "bands": [(1, "Ants"), (2, "Bees")],
    "gigs": [
        (1, 1, "Oslo", "2014-03-02", 10.0),
        (2, 2, "Rome", "2015-02-02", 20.0),
        (3, 2, "Rome", "2015-05-02", 20.0),
        (4, 1, "Oslo", "2016-01-10", 5.0),
    ],
}


@pytest.fixture(scope="module")
def gigs(tmp_path_factory):  # noqa: ANN001, ANN201
    made = engine_database(tmp_path_factory.mktemp("debt") / "gigs.db", _SCHEMA, _ROWS)
    yield made
    made[1].close()


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("How many gigs were played in 2015 or after?", 3),
        ("How many gigs were played in 2015 or earlier?", 3),
        ("How many gigs were played in March 2015 or later?", 2),
        ("How many gigs were played in Q2 2015 or later?", 2),
        ("How many gigs were played in May 2015 or before?", 3),
        ("¿Cuántos gigs hubo en marzo de 2015 o después?", 2),
        ("¿Cuántos gigs hubo en 2015 o posteriores?", 3),
        ("How many gigs have a fee of 10 or after?", 3),
    ],
)
def test_a_period_or_later_from_its_start(gigs, question: str, want: int) -> None:  # noqa: ANN001
    """The whole period said is the bound, its start (or end) included; a number that is no
    year is a comparison."""
    assert engine_rows(gigs, question) == [(want,)]
