"""Issue 13, branch `h-asked4`: kinds of questions the engine asked back that a general rule reads.

- "Show the name, club and age of the rowers ordered by age": the column that sorts is also
  listed; the one said after the order words sorts, every column said is listed
  (`plan_order._said_after_order`).
- "ordered alphabetically", "in the decreasing (increasing) order of": said as "in alphabetical
  order", "in descending (ascending) order of" (`lexicon.ALPHA_PHRASES`, `DESC_PHRASES`,
  `ASC_PHRASES`).
- "ordered by the amount of money pledged", "the total amount of money pledged", "the gift
  amounts": an amount word no schema name explains, beside a numeric column, says only that
  column (`offline._amount_of_column`). Beside a table or a text column it is asked back.
- "sorted by the year they joined", "by the years in which they joined": "year" followed by a
  pronoun and a verb is the year column whose name says the verb (`verbs.year_of_verb`).
- "the clubs that are shared by at least two rowers": the values that many rows have, a count
  of rows per value (`lexicon.SHARED_BY_COUNT`).

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_asked4.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_reads, engine_rows

_SCHEMA = """
    CREATE TABLE rower (rower_id INTEGER PRIMARY KEY, name TEXT, club TEXT, age INTEGER,
        weight REAL, joined_year INTEGER);
    CREATE TABLE regatta (regatta_id INTEGER PRIMARY KEY, title TEXT, year INTEGER);
    CREATE TABLE donor (donor_id INTEGER PRIMARY KEY, name TEXT, city TEXT,
        money_pledged REAL, num_of_gifts INTEGER);
"""
_ROWS = {
    "rower": [
        (1, "Ada Lind", "Oslo RK", 24, 71.5, 2015),
        (2, "Bo Ek", "Bergen RK", 31, 80.0, 2010),
        (3, "Cy Ho", "Oslo RK", 28, 76.2, 2018),
        (4, "Di Yu", "Molde RK", 22, 68.0, 2020),
    ],
    "regatta": [(1, "Spring Cup", 2019), (2, "Fjord Race", 2020)],
    "donor": [
        (1, "Eli Park", "York", 5000.0, 3),
        (2, "Fay Lund", "Leeds", 12000.0, 7),
        (3, "Gus Moe", "York", 800.0, 1),
    ],
}


@pytest.fixture(scope="module")
def club(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("asked4") / "club.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        (
            "Show the name, club and age of all rowers ordered by age.",
            [("Di Yu", "Molde RK", 22), ("Ada Lind", "Oslo RK", 24), ("Cy Ho", "Oslo RK", 28),
             ("Bo Ek", "Bergen RK", 31)],
        ),
        (
            "List the name and age of rowers in descending order of age.",
            [("Bo Ek", 31), ("Cy Ho", 28), ("Ada Lind", 24), ("Di Yu", 22)],
        ),
        (
            "Show name, club, age for all rowers ordered by age from the oldest to the youngest.",
            [("Bo Ek", "Bergen RK", 31), ("Cy Ho", "Oslo RK", 28), ("Ada Lind", "Oslo RK", 24),
             ("Di Yu", "Molde RK", 22)],
        ),
        (
            "Show the name, age and weight of rowers in descending order of weight.",
            [("Bo Ek", 31, 80.0), ("Cy Ho", 28, 76.2), ("Ada Lind", 24, 71.5),
             ("Di Yu", 22, 68.0)],
        ),
    ],
)  # fmt: skip
def test_a_listed_column_said_again_after_the_order_words_sorts(club, question, rows) -> None:  # noqa: ANN001
    assert engine_rows(club, question) == rows


def test_several_columns_after_the_order_words_are_still_asked(club) -> None:  # noqa: ANN001
    engine_asks(club[0], "List the age and weight of rowers ordered by age and weight.")


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        (
            "What are the names of donors, ordered descending by amount of money pledged?",
            [("Fay Lund",), ("Eli Park",), ("Gus Moe",)],
        ),
        (
            "What are the names of donors, ordered descending by the amount of money pledged?",
            [("Fay Lund",), ("Eli Park",), ("Gus Moe",)],
        ),
        ("What is the total amount of money pledged?", [(17800.0,)]),
    ],
)
def test_an_amount_of_a_numeric_column_is_the_column(club, question, rows) -> None:  # noqa: ANN001
    assert engine_rows(club, question) == rows


def test_a_column_followed_by_amounts_is_the_column(club) -> None:  # noqa: ANN001
    result = engine_reads(club[0], "Find the gift amounts and names of all donors.")
    assert "num_of_gifts" in result.sql
    assert sorted(club[1].execute(result.sql).fetchall()) == [
        ("Eli Park", 3),
        ("Fay Lund", 7),
        ("Gus Moe", 1),
    ]


@pytest.mark.parametrize(
    "question",
    [
        "What is the amount of donors in York?",  # a table: the count, or a sum?
        "Show the name amount of donors.",  # a text column
    ],
)
def test_an_amount_of_no_numeric_column_is_asked(club, question) -> None:  # noqa: ANN001
    engine_asks(club[0], question)


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        ("What are the clubs that are shared by at least two rowers?", [("Oslo RK",)]),
        ("Which clubs are shared by more than one rower?", [("Oslo RK",)]),
        ("What are the cities shared by at least 2 donors?", [("York",)]),
    ],
)
def test_values_shared_by_a_number_of_rows(club, question, rows) -> None:  # noqa: ANN001
    assert [row[:1] for row in engine_rows(club, question)] == rows


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        (
            "What are the names of rowers, sorted by the year they joined?",
            [("Bo Ek",), ("Ada Lind",), ("Cy Ho",), ("Di Yu",)],
        ),
        (
            "What are the names of rowers, sorted by the years in which they joined?",
            [("Bo Ek",), ("Ada Lind",), ("Cy Ho",), ("Di Yu",)],
        ),
    ],
)
def test_the_year_they_did_a_verb_is_the_year_column_of_that_verb(club, question, rows) -> None:  # noqa: ANN001
    assert engine_rows(club, question) == rows


def test_the_year_of_a_verb_no_column_says_is_asked(club) -> None:  # noqa: ANN001
    engine_asks(club[0], "What are the names of rowers, sorted by the year they retired?")


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        (
            "Return the names of rowers, ordered alphabetically.",
            [("Ada Lind",), ("Bo Ek",), ("Cy Ho",), ("Di Yu",)],
        ),
        (
            "List the names of rowers in the decreasing order of their weights.",
            [("Bo Ek",), ("Cy Ho",), ("Ada Lind",), ("Di Yu",)],
        ),
        (
            "List the names of rowers in increasing order of age.",
            [("Di Yu",), ("Ada Lind",), ("Cy Ho",), ("Bo Ek",)],
        ),
    ],
)
def test_orders_said_another_way(club, question, rows) -> None:  # noqa: ANN001
    assert engine_rows(club, question) == rows
