"""Issue 13: kinds of question the engine asked back on the dev databases (pure tests, a
made-up schema): the first (last) row of a table by the date a verb names ("the first
member to join").

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_asked.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_rows

_SCHEMA = """
    CREATE TABLE members (member_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
        date_joined DATETIME, date_renewed DATETIME);
    CREATE TABLE loans (loan_id INTEGER PRIMARY KEY, loan_date DATETIME, fee INTEGER,
        member_id INTEGER REFERENCES members(member_id));
"""
_ROWS = {
    "members": [
        (1, "Ann", "Ash", "2001-05-01", "2020-01-01"),
        (2, "Bob", "Birch", "1999-03-02", "2010-01-01"),
        (3, "Cid", "Cedar", "2004-07-09", "2023-01-01"),
    ],
    "loans": [(1, "2010-01-01", 3, 1), (2, "2012-01-01", 4, 2)],
}


@pytest.fixture(scope="module")
def club(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("asked") / "club.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        ("Who is the first member to join? List the first name and last name.", [("Bob", "Birch")]),
        ("What is the first and last name of the first member to join?", [("Bob", "Birch")]),
        ("What is the first name of the last member to renew?", [("Cid",)]),
    ],
)
def test_the_first_row_to_do_what_a_date_column_says(club, question, rows):  # noqa: ANN001
    """ "the first member to join": the member with the lowest `date_joined`, the date column
    whose name says the verb; "the last … to renew" the highest `date_renewed`."""
    assert engine_rows(club, question) == rows


@pytest.mark.parametrize(
    "question",
    [
        "Who is the first member? List the first name.",  # by the key? by a date?
        "What is the first name of the first member to pay?",  # no date says "pay"
        "What is the last name of the first member to be listed?",
    ],
)
def test_a_first_row_with_no_date_that_says_it_is_asked_back(club, question):  # noqa: ANN001
    model, _conn = club
    engine_asks(model, question)
