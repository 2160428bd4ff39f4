"""Issue 13, third round of confidently wrong shapes on databases the engine never saw.

One test per cause, each on a small schema of its own (a library of books, shelves and loans):

- a table with a `<table>_name` and a `<table>_description` column: "the names" of its rows are
  the name column, never the description (the label preferred a description by its spelling);
- "the first, middle, and last name": modifiers listed before one head noun are each read with
  it, never a bare "first" taken as whatever column has the word (`date_first_visited`);
- "the first <table> to <verb>": an ordinal before a table's name picks one row by an order
  nobody named; asked back, never every row listed;
- "the X of the <table> used by the greatest number of Y", the table said once in the
  singular: the top one row, never every group sorted;
- "the distinct X for all <table>" on a table with no name column, X being a column of another
  table too: that column listed, never every column of the table.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_wrong3.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_reads, engine_rows

_SCRIPT = """
    CREATE TABLE shelf_kinds (shelf_kind_code TEXT PRIMARY KEY, shelf_kind_description TEXT);
    CREATE TABLE shelves (shelf_id INTEGER PRIMARY KEY, capacity INTEGER,
        shelf_kind_code TEXT REFERENCES shelf_kinds(shelf_kind_code));
    CREATE TABLE books (book_id INTEGER PRIMARY KEY, book_description TEXT, book_name TEXT,
        shelf_id INTEGER REFERENCES shelves(shelf_id));
    CREATE TABLE members (member_id INTEGER PRIMARY KEY, first_name TEXT, middle_name TEXT,
        last_name TEXT, date_first_visited DATETIME);
    CREATE TABLE loans (loan_id INTEGER PRIMARY KEY, book_id INTEGER REFERENCES books(book_id),
        member_id INTEGER REFERENCES members(member_id));
"""
_ROWS = {
    "shelf_kinds": [("OAK", "Oak shelf"), ("PINE", "Pine shelf"), ("MET", "Metal shelf")],
    "shelves": [(1, 10, "OAK"), (2, 20, "OAK"), (3, 30, "PINE"), (4, 5, "OAK")],
    "books": [
        (1, "a", "Dune", 1), (2, "b", "Emma", 1), (3, "a", "Ulysses", 2), (4, "c", "Beloved", 1),
        (5, "d", "Hamlet", 3),
    ],
    "members": [
        (1, "Ann", "B", "Cole", "2001-05-01"), (2, "Bob", "C", "Dunn", "1999-01-01"),
        (3, "Cid", "D", "Eyre", "2010-03-03"),
    ],
    "loans": [(1, 1, 1), (2, 1, 2), (3, 2, 3), (4, 3, 1)],
}  # fmt: skip


@pytest.fixture(scope="module")
def library(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("lib") / "lib.db", _SCRIPT, _ROWS)
    yield model, conn
    conn.close()


def test_the_names_of_rows_are_the_name_column_not_the_description(library):
    model, _conn = library
    assert model.tables["books"].display == "book_name"
    rows = engine_rows(library, "What are the ids and names of books with the most loans?")
    assert ("Dune",) in [tuple(v for v in r if isinstance(v, str)) for r in rows]
    assert all("a" not in r for r in rows)


@pytest.mark.parametrize(
    "question",
    [
        "What is the first, middle, and last name of all members?",
        "the first and last name of members",
    ],
)
def test_modifiers_listed_before_one_head_noun_each_name_a_column(library, question):
    model, _conn = library
    sql = engine_reads(model, question).sql
    assert "first_name" in sql
    assert "date_first_visited" not in sql


@pytest.mark.parametrize(
    "question",
    [
        "What is the first, middle, and last name of the first member?",
        "Who is the first member to pay? List the first name and last name.",
        "the last name of the last member",
    ],
)
def test_an_ordinal_before_a_table_name_is_asked_back(library, question):
    """ "the first member" names no order; "the first member to visit" does (the date column
    the verb names, `date_first_visited`: `test_engine_asked.py`)."""
    model, _conn = library
    engine_asks(model, question)


_RACKS = """
    CREATE TABLE racks (rack_id INTEGER PRIMARY KEY, rack_code TEXT);
    CREATE TABLE boxes (box_id INTEGER PRIMARY KEY, rack_id INTEGER REFERENCES racks(rack_id));
"""


@pytest.fixture(scope="module")
def racks(tmp_path_factory):  # noqa: ANN001, ANN201
    rows = {
        "racks": [(1, "R1"), (2, "R2"), (3, "R3")],
        "boxes": [(1, 2), (2, 2), (3, 1), (4, 3), (5, 2)],
    }
    model, conn = engine_database(tmp_path_factory.mktemp("racks") / "r.db", _RACKS, rows)
    yield model, conn
    conn.close()


def test_the_table_said_once_in_the_singular_with_the_greatest_number_is_one_row(racks):
    rows = engine_rows(
        racks, "Return the id and rack code of the rack used by the greatest number of boxes."
    )
    assert [sorted(map(str, r[:2])) for r in rows] == [["2", "R2"]]


def test_a_column_of_two_tables_said_for_all_rows_of_one_lists_that_column(library):
    model, _conn = library
    result = engine_reads(model, "Show all distinct shelf kind codes for all shelves.")
    assert result.plan.listing and [c.column for c in result.plan.listing] == ["shelf_kind_code"]
    rows = engine_rows(library, "Show all distinct shelf kind codes for all shelves.")
    assert sorted(rows) == [("OAK",), ("PINE",)]


_STUDY = """
    CREATE TABLE programs (program_id INTEGER PRIMARY KEY, program_name TEXT);
    CREATE TABLE courses (course_id INTEGER PRIMARY KEY, course_name TEXT);
    CREATE TABLE pupils (pupil_id INTEGER PRIMARY KEY, pupil_name TEXT,
        program_id INTEGER REFERENCES programs(program_id),
        course_id INTEGER REFERENCES courses(course_id));
"""


def test_a_synonym_whose_other_sense_heads_another_table_is_asked_back(tmp_path):
    """ "curriculum": a program, or a course (of study)? The thesaurus reaches both."""
    rows = {
        "programs": [(1, "Arts"), (2, "Law")],
        "courses": [(1, "Maths"), (2, "Latin")],
        "pupils": [(1, "Ann", 1, 2), (2, "Bob", 1, 1), (3, "Cy", 2, 2)],
    }
    model, conn = engine_database(tmp_path / "s.db", _STUDY, rows)
    conn.close()
    engine_asks(model, "What is the name of the curriculum with the most pupils?")
    engine_reads(model, "What is the name of the program with the most pupils?")
