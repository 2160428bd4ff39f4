"""Issue 13, branch `h-newdbs7`: the confidently wrong answers of the seventh group, as kinds.

- A stored value that only says a table's name ('the lake', a sketch's title beside the table
  `lake`) is that table when a question says the word ("the sketches of lakes"), not a filter;
  said as stored after "the" next to its column it is still the value.
- "The distinct directors of the shows with …": the different values of a column said of a
  table are that column alone (the table's label beside it lists a value once per row).
- "How many panels has each invitee been invited to?": a passive verb that says what a column
  named in the question is ("invited" of `invitee`) is no filter on a stored value 'Invited'.
- "Senators with more than 5000 votes": a number column's own word after "more than N"
  compares its values; it counts no rows ("more than 2 ballots" still counts ballots).
- "Longer than 15 mm": after a word of length, "mm" and "m" are units, not millions.
- "The racer of the highest rank": rank 1 or the largest rank number? Asked back.
- "Venues that do not have a gig in the genre 'Jazz'": "have a" is "have any": venues with no
  gig at all are kept too.
- "The names of senators and the number of records they have": a count of rows said by a row
  word alone that the SQL does not count is asked back, never dropped.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_newdbs7.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_reads, engine_rows

_SCHEMA = """
    CREATE TABLE lake (lake_id INTEGER PRIMARY KEY, name TEXT, depth REAL, country TEXT);
    CREATE TABLE sketch (sketch_id INTEGER PRIMARY KEY, title TEXT, style TEXT,
        lake_id INTEGER REFERENCES lake(lake_id));
    CREATE TABLE show (show_id INTEGER PRIMARY KEY, name TEXT, director TEXT, award TEXT,
        outcome TEXT);
    CREATE TABLE panel_invite (invite_id INTEGER PRIMARY KEY, panel TEXT, invitee TEXT,
        status TEXT);
    CREATE TABLE senator (senator_id INTEGER PRIMARY KEY, name TEXT, party TEXT);
    CREATE TABLE ballot (ballot_id INTEGER PRIMARY KEY, senator_id INTEGER
        REFERENCES senator(senator_id), votes REAL, vote_share REAL);
    CREATE TABLE cable (cable_id INTEGER PRIMARY KEY, label TEXT, length_mm REAL,
        price REAL);
    CREATE TABLE racer (racer_id INTEGER PRIMARY KEY, name TEXT, rank INTEGER,
        join_year INTEGER);
    CREATE TABLE venue (venue_id INTEGER PRIMARY KEY, name TEXT, city TEXT);
    CREATE TABLE gig (gig_id INTEGER PRIMARY KEY, venue_id INTEGER REFERENCES venue(venue_id),
        genre TEXT);
"""
_ROWS = {
    "lake": [
        (1, "Tana", 14.0, "Ethiopia"),
        (2, "Abaya", 13.1, "Ethiopia"),
        (3, "Kivu", 480.0, "Rwanda"),
    ],
    "sketch": [
        (1, "heron", "ink", 1),
        (2, "the lake", "oil", 2),
        (3, "reeds", "ink", 3),
        (4, "dawn", "oil", 1),
    ],
    "show": [
        (1, "Arcadia", "Ann Lee", "Golden Mask", "Won"),
        (2, "Birdsong", "Ann Lee", "Silver Quill", "Nominated"),
        (3, "Cascade", "Bo Ray", "Silver Quill", "Nominated"),
        (4, "Dunes", "Ann Lee", "Silver Quill", "Won"),
    ],
    "panel_invite": [
        (1, "Ethics", "Mara", "Invited"),
        (2, "Budget", "Mara", "Attended"),
        (3, "Ethics", "Olu", "Invited"),
    ],
    "senator": [(1, "Ames", "Blue"), (2, "Baird", "Green"), (3, "Cole", "Blue")],
    "ballot": [(1, 1, 9000, 40.0), (2, 1, 3000, 12.0), (3, 2, 4000, 20.0), (4, 3, 7000, 30.0)],
    "cable": [(1, "short", 10.0, 2.0), (2, "mid", 20.0, 3.0), (3, "long", 40.0, 5.0)],
    "racer": [(1, "Ines", 3, 2001), (2, "Joss", 1, 2005), (3, "Kai", 7, 1999)],
    "venue": [(1, "Blue Room", "Oslo"), (2, "Cellar", "Bergen"), (3, "Dome", "Oslo")],
    "gig": [(1, 1, "Jazz"), (2, 1, "Folk"), (3, 2, "Folk")],
}


@pytest.fixture(scope="module")
def db(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("newdbs7") / "n.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


def test_a_value_that_only_says_a_tables_name_is_that_table(db):
    sql = engine_reads(db[0], "What are the title and style of the sketches of lakes?").sql
    assert "'the lake'" not in sql, sql
    assert sorted(engine_rows(db, "What are the title and style of the sketches of lakes?")) == [
        ("dawn", "oil"),
        ("heron", "ink"),
        ("reeds", "ink"),
        ("the lake", "oil"),
    ]


def test_the_same_value_said_as_stored_after_its_column_is_still_the_value(db):
    question = "What is the style of the sketch with the title 'the lake'?"
    assert engine_rows(db, question) == [("oil",)]


def test_the_distinct_values_of_a_column_said_of_a_table_are_that_column_alone(db):
    question = "Give the distinct directors of the shows with an award that is not 'Golden Mask'?"
    assert sorted(engine_rows(db, question)) == [("Ann Lee",), ("Bo Ray",)]
    plain = "What are the directors of the shows with the award 'Golden Mask'?"
    assert "name" in engine_reads(db[0], plain).sql.lower()  # the label stays without "distinct"


def test_a_passive_verb_that_restates_a_column_said_is_no_value_filter(db):
    question = "How many panels has each invitee been invited to?"
    sql = engine_reads(db[0], question).sql
    assert "'Invited'" not in sql, sql
    assert sorted(engine_rows(db, question)) == [("Mara", 2), ("Olu", 1)]


def test_the_same_word_without_the_column_said_still_filters(db):
    sql = engine_reads(db[0], "How many panel invites have status invited?").sql
    assert "'Invited'" in sql, sql


def test_more_than_n_of_a_number_column_compares_its_values(db):
    question = "What are the names of senators with more than 5000 votes in ballot?"
    sql = engine_reads(db[0], question).sql
    assert "COUNT(" not in sql.upper(), sql
    assert sorted(engine_rows(db, question)) == [("Ames",), ("Cole",)]


def test_more_than_n_rows_of_a_table_still_counts_them(db):
    sql = engine_reads(db[0], "What are the names of senators with more than 1 ballot?").sql
    assert "COUNT(" in sql.upper(), sql


def test_mm_after_a_length_word_is_millimetres(db):
    question = "How many cables have a length longer than 15 mm?"
    sql = engine_reads(db[0], question).sql
    assert "15000000" not in sql, sql
    assert engine_rows(db, question) == [(2,)]


def test_m_after_an_amount_is_still_a_million(db):
    sql = engine_reads(db[0], "How many cables have a price more than 2 m?").sql
    assert "2000000" in sql, sql


def test_a_superlative_of_a_rank_is_asked_back(db):
    asked = engine_asks(db[0], "What is the join year of the racer of the highest rank?")
    assert "rank" in asked.clarify.lower()


def test_an_explicit_order_of_a_rank_is_read_as_said(db):
    rows = engine_rows(db, "List the names of racers in ascending order of rank.")
    assert [r[0] for r in rows] == ["Joss", "Ines", "Kai"]


def test_do_not_have_a_keeps_the_rows_with_no_related_row(db):
    question = "What are the names of venues that do not have a gig in the genre 'Jazz'?"
    assert sorted(engine_rows(db, question)) == [("Cellar",), ("Dome",)]


def test_a_count_of_records_the_sql_does_not_count_is_asked_back(db):
    engine_asks(db[0], "Show the names of senators and the number of records they have.")


def test_how_many_records_a_table_has_is_still_counted(db):
    assert engine_rows(db, "How many records are in senator?") == [(3,)]


def test_m_after_higher_than_an_amount_is_still_a_million(db):
    sql = engine_reads(db[0], "How many cables have a price higher than 2 m?").sql
    assert "2000000" in sql, sql
