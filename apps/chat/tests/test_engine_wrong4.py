"""Issue 13: confidently wrong kinds found on four fresh databases (pure tests, invented schemas).

A table with two foreign keys to one table (a self-referencing link table, or two roles of one
referenced table) joins on the subject side its column names give, or asks which.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_wrong4.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_rows

_SCHEMA = """
    CREATE TABLE members (id INTEGER PRIMARY KEY, name TEXT, birth_year INTEGER);
    CREATE TABLE buddy (member_id INTEGER, buddy_id INTEGER,
        FOREIGN KEY (buddy_id) REFERENCES members(id),
        FOREIGN KEY (member_id) REFERENCES members(id));
    CREATE TABLE ports (port_id INTEGER PRIMARY KEY, port_name TEXT);
    CREATE TABLE shipments (shipment_id INTEGER PRIMARY KEY, weight REAL,
        origin_port_id INTEGER, destination_port_id INTEGER,
        FOREIGN KEY (origin_port_id) REFERENCES ports(port_id),
        FOREIGN KEY (destination_port_id) REFERENCES ports(port_id));
"""
_ROWS = {
    "members": [(1, "Ann", 1948), (2, "Bob", 1950), (3, "Cid", 1951), (4, "Dee", 1949)],
    # Ann has three buddies; Bob, Cid and Dee one each, but Dee is everyone's buddy
    "buddy": [(1, 2), (1, 3), (1, 4), (2, 4), (3, 4)],
    "ports": [(1, "Oslo"), (2, "Riga")],
    "shipments": [(1, 5.0, 1, 2), (2, 7.0, 1, 2), (3, 1.0, 2, 1)],
}


@pytest.fixture(scope="module")
def club(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("en") / "club.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the name of the member with the most buddies?", [("Ann",)]),
        ("Show the names of members who have at least 2 buddies.", [("Ann",)]),
    ],
)
def test_self_referencing_link_table_counts_the_subject_side(club, question, expected):
    # `buddy_id` repeats the link table's own word: it names the other end, not the subject
    assert engine_rows(club, question) == expected


def test_two_roles_of_one_table_say_which_or_are_asked(club):
    model, _ = club
    result = engine_asks(model, "How many shipments does each port have?")
    assert "origin_port_id" in result.clarify and "destination_port_id" in result.clarify


def test_values_of_one_number_column_joined_by_or_are_alternatives(club):
    # one row holds one year: "1948 or 1949" is either, never both (an empty AND)
    question = "Show the names of members whose birth year is either 1948 or 1949."
    assert sorted(engine_rows(club, question)) == [("Ann",), ("Dee",)]


def test_values_of_one_number_column_joined_by_and_are_asked(club):
    model, _ = club
    engine_asks(model, "Show the names of members whose birth year is 1948 and 1949.")


def test_a_superlative_no_part_of_the_plan_reads_is_asked(club):
    # no column says age: "youngest" must order something or be asked, never every row
    model, _ = club
    result = engine_asks(model, "What are the names of the youngest members?")
    assert "youngest" in result.clarify
