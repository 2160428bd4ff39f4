"""Issue 13, branch `h-asked2`: questions asked back turned into answers.

- Rows that stand for a person (`semantic.linked_label`: a table with no name of its own and one
  foreign key to a table of named rows, keyed by it or not): "the average age of the rowers",
  "the ages of the jockeys", "the names of the rowers in ascending order of height" read the
  person's columns of those rows, through the key (the table said is the base, joined to the
  people), instead of asking back the table word. Plural columns with no aggregate word are
  each row's value, never an average.

    .venv/bin/python -m pytest -q -p no:cacheprovider apps/chat/tests/test_engine_asked2.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_database, engine_reads, engine_rows

_SCHEMA = """
    CREATE TABLE persons (person_id INTEGER PRIMARY KEY, name TEXT, age INTEGER, height REAL,
        hometown TEXT);
    CREATE TABLE rowers (rower_id INTEGER PRIMARY KEY REFERENCES persons(person_id),
        sprint_points REAL, total_points REAL);
    CREATE TABLE jockeys (jockey_id INTEGER PRIMARY KEY,
        person_id INTEGER REFERENCES persons(person_id), wins INTEGER, total REAL);
"""
_ROWS = {
    "persons": [
        (1, "Ana Lopez", 30, 1.7, "Lima"),
        (2, "Ben Cole", 25, 1.8, "Oslo"),
        (3, "Cai Wu", 41, 1.6, "Lima"),
        (4, "Dee Park", 35, 1.9, "Rome"),
        (5, "Eli Ross", 28, 1.75, "Oslo"),
    ],
    "rowers": [(1, 9.5, 50.0), (2, 8.0, 55.5), (3, 7.0, 40.0)],
    "jockeys": [(1, 2, 10, 300.0), (2, 4, 3, 250.0), (3, 5, 7, 320.0)],
}


@pytest.fixture(scope="module")
def club(tmp_path_factory):  # noqa: ANN001, ANN201
    made = engine_database(tmp_path_factory.mktemp("asked2") / "club.db", _SCHEMA, _ROWS)
    yield made
    made[1].close()


@pytest.mark.parametrize(
    ("question", "want"),
    [
        # keyed by the person's key (a rower is a person)
        ("What is the average age of rowers?", [(32.0,)]),
        ("Return the average age across all rowers.", [(32.0,)]),
        # a key of its own and a foreign key to the person
        ("What is the average age of jockeys?", [(29.333333333333332,)]),
        ("What is the maximum height of jockeys with total above 260?", [(1.8,)]),
        # the person's table itself: every person
        ("What is the average age of persons?", [(31.8,)]),
    ],
)
def test_a_measure_of_the_people_the_rows_stand_for(club, question: str, want: list) -> None:  # noqa: ANN001
    assert engine_rows(club, question) == want


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("Show the ages of rowers.", [(25,), (30,), (41,)]),
        ("What are the heights of jockeys with total smaller than 315?", [(1.8,), (1.9,)]),
        # read before as the sum of the points and the average age
        ("Show the ages and total points of rowers.", [(25, 55.5), (30, 50.0), (41, 40.0)]),
    ],
)
def test_columns_of_the_people_the_rows_stand_for(club, question: str, want: list) -> None:  # noqa: ANN001
    assert sorted(engine_rows(club, question)) == want


@pytest.mark.parametrize(
    ("question", "want"),
    [
        (
            "List the names of rowers in ascending order of height.",
            [("Cai Wu",), ("Ana Lopez",), ("Ben Cole",)],
        ),
        (
            "What are the names of jockeys, ordered by their heights ascending?",
            [("Eli Ross",), ("Ben Cole",), ("Dee Park",)],
        ),
    ],
)
def test_rows_sorted_by_a_column_of_their_person(club, question: str, want: list) -> None:  # noqa: ANN001
    assert engine_rows(club, question) == want


def test_a_count_of_the_rows_is_no_measure_of_people(club) -> None:  # noqa: ANN001
    assert engine_rows(club, "How many rowers are there?") == [(3,)]
    sql = engine_reads(club[0], "Show the wins of jockeys.").sql
    assert "persons" not in sql, sql
