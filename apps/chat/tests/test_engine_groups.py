"""Issue 13: superlatives over related rows (branch `h-groups`; pure tests, no Django).

"the member with the highest fee" (fees being the sessions', many per member) is the member of
the session with the highest fee; "the member who made the earliest session" the member of the
first session by its own date; "the greatest amount of sessions" is their number.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_groups.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_reads, engine_rows

_SCHEMA = """
    CREATE TABLE clubs (club_id INTEGER PRIMARY KEY, club_name TEXT);
    CREATE TABLE members (member_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
        club_id INTEGER REFERENCES clubs(club_id));
    CREATE TABLE sessions (session_id INTEGER PRIMARY KEY,
        member_id INTEGER REFERENCES members(member_id), session_date DATETIME, fee REAL);
"""
_ROWS = {
    "clubs": [(1, "Reds"), (2, "Blues")],
    "members": [(1, "Ann", "Lee", 1), (2, "Bob", "Ray", 2), (3, "Cid", "Poe", 2)],
    # Cid's fees sum highest (51), Bob has the one highest fee (30), Ann the first session
    "sessions": [
        (1, 1, "2024-01-05 10:00:00", 10.0),
        (2, 1, "2024-01-02 09:00:00", 20.0),
        (3, 2, "2024-02-01 08:00:00", 30.0),
        (4, 3, "2024-03-01 12:00:00", 25.0),
        (5, 3, "2024-03-02 12:00:00", 26.0),
    ],
}


@pytest.fixture(scope="module")
def club(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("groups") / "g.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the first name of the member with the highest fee?", [("Bob",)]),
        ("the first name of the member who has the lowest fee", [("Ann",)]),
        ("Which club has the maximum fee?", [("Blues", 30.0)]),
    ],
)  # fmt: skip
def test_the_row_whose_related_row_has_the_extreme_value(club, question, expected):
    """A superlative right before a column of related rows: ORDER BY it LIMIT 1 through the
    foreign key, not the largest sum per member."""
    assert engine_rows(club, question) == expected


def test_a_total_said_keeps_the_sum_per_row(club):
    assert engine_rows(
        club, "What is the first name of the member with the highest total fee?"
    ) == [("Cid",)]


@pytest.mark.parametrize(
    "question",
    [
        "the 2 members with the highest fees",  # one member could be listed twice
        "the member with the largest amount of fee",  # "amount of": a sum, perhaps
    ],
)
def test_related_extremes_that_may_mean_a_sum_are_asked_back(club, question):
    model, _conn = club
    engine_asks(model, question)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the first name of the member who made the earliest session?", [("Ann",)]),
        ("Return the first name and last name of the member with the first session.",
         [("Ann", "Lee")]),
        ("What is the first name of the member who booked the most recent session?", [("Cid",)]),
        ("the first name of the member who made the latest session date", [("Cid",)]),
        ("What is the first name of the member with the lowest session date?", [("Ann",)]),
    ],
)  # fmt: skip
def test_the_row_whose_related_row_is_first_or_last_in_time(club, question, expected):
    """The related table's own date column orders its rows (natively: dates, not numbers)."""
    assert engine_rows(club, question) == expected


def test_the_date_of_the_first_row_is_still_its_minimum(club):
    assert engine_rows(club, "What was the date of the earliest session?") == [
        ("2024-01-02 09:00:00",)
    ]


def test_the_greatest_amount_of_related_rows_is_their_number(club):
    rows = engine_rows(
        club, "What is the first name of the member with the greatest amount of sessions?"
    )
    assert rows in ([("Ann",)], [("Cid",)])  # two sessions each


def test_both_before_a_list_of_columns_is_no_condition(club):
    assert engine_rows(club, "List both first name and last name of the members.") == [
        ("Ann", "Lee"),
        ("Bob", "Ray"),
        ("Cid", "Poe"),
    ]


@pytest.mark.parametrize(
    "question",
    [
        "Which member has the oldest session?",  # an adjective the engine does not read
        "Which member has the busiest session?",
    ],
)
def test_a_word_after_an_article_is_no_relation_verb(club, question):
    """A word right after "the" is a noun's adjective, never a verb joining two tables: read as
    one, "the oldest session" became "members who have sessions" (every member, confidently);
    unread, the word is asked back."""
    model, _conn = club
    assert engine_asks(model, question)


@pytest.mark.parametrize(
    "question",
    [
        "Which member has the largest session?",
        "the first name of the member who booked the biggest session",
        "Which member has the smallest session?",
    ],
)
def test_the_size_of_one_row_is_no_count_of_rows(club, question):
    """ "the largest session" (singular) is one session's size, by a column nobody named, not
    the number of sessions ("the most sessions"): asked back, never the member with the most."""
    model, _conn = club
    assert "size_of_row" in engine_asks(model, question).notes


@pytest.mark.parametrize(
    "question",
    ["Which member has the most sessions?", "the member with the largest number of sessions"],
)
def test_the_most_rows_is_still_their_count(club, question):
    (row,) = engine_rows(club, question)
    assert row[-1] == 2, row  # Ann and Cid have two sessions each, Bob one


def test_the_size_of_one_row_in_spanish(tmp_path):
    """ "el pedido más grande": the size said after the noun, as Spanish does."""
    model, conn = engine_database(
        tmp_path / "es.db",
        """CREATE TABLE clientes (cliente_id INTEGER PRIMARY KEY, nombre TEXT);
        CREATE TABLE pedidos (pedido_id INTEGER PRIMARY KEY,
            cliente_id INTEGER REFERENCES clientes(cliente_id), importe REAL);""",
        {
            "clientes": [(1, "Ana"), (2, "Luis")],
            "pedidos": [(1, 1, 5.0), (2, 1, 6.0), (3, 2, 90.0)],
        },
    )
    conn.close()
    assert "size_of_row" in engine_asks(model, "el cliente con el pedido más grande").notes
    assert engine_reads(model, "el cliente con más pedidos").sql
