"""Names the value index cannot hold (a personal column is never indexed): a name said alone is
the name of a row of the one table whose naming column is such a column ("What grade is Mara
in?", "Mara's id"); a name after a `<verb>_by` column ("cooked by Ann Lee") is that column's
value whether or not its table was named right before; "A or B" there is either of them.
Invented schemas (session 25, after people's names became personal)."""

from __future__ import annotations

import pytest

from .support import engine_asks, engine_database, engine_reads, engine_rows

_SCHOOL = """
CREATE TABLE pupil (id INTEGER PRIMARY KEY, name TEXT, grade INTEGER);
CREATE TABLE note (id INTEGER PRIMARY KEY, pupil_id INTEGER REFERENCES pupil(id), body TEXT);
CREATE TABLE recipe (id INTEGER PRIMARY KEY, title TEXT, cooked_by TEXT);
"""
_ROWS = {
    "pupil": [(1, "Mara", 9), (2, "Tomas", 10), (3, "Ines", 11), (4, "Oskar", 9)],
    "note": [(1, 1, "late"), (2, 1, "early"), (3, 3, "absent")],
    "recipe": [
        (1, "Stew", "Ann Lee"),
        (2, "Soup", "Bo Park"),
        (3, "Pie", "Cy Dunn"),
        (4, "Cake", "Ann Lee"),
    ],
}


@pytest.fixture
def school(tmp_path):
    return engine_database(tmp_path / "school.db", _SCHOOL, _ROWS)


def test_the_names_are_personal_and_not_indexed(school):
    model, _conn = school
    assert model.column("pupil", "name").pii and not model.column("pupil", "name").values
    assert model.column("recipe", "cooked_by").pii


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        ("What grade is Mara in?", [(9,)]),
        ("What is Ines's id?", [(3,)]),
        ("How many notes does Mara have?", [(2,)]),
    ],
)
def test_a_name_said_alone_names_a_row_of_the_table_with_an_open_naming_column(
    school, question, rows
):
    read = engine_reads(school[0], question)
    assert "lower(" in read.sql.lower(), read.sql
    assert [tuple(r)[-1:] for r in engine_rows(school, question)] == rows


def test_a_name_no_row_has_is_still_read_as_said_and_finds_nothing(school):
    # The pipeline then asks back naming it (`_said_value_missing`, tests/test_said_values.py).
    read = engine_reads(school[0], "What grade is Zebulon in?")
    assert any(f.op == "said" and f.values == ("Zebulon",) for f in read.plan.filters)
    assert engine_rows(school, "What grade is Zebulon in?") == []


def test_a_name_after_a_by_column_is_its_value_without_the_table_right_before(school):
    assert engine_rows(school, "How many recipes were cooked by Ann Lee?") == [(2,)]


def test_two_names_joined_by_or_are_either_of_them(school):
    rows = engine_rows(school, "What are the titles of recipes cooked by Ann Lee or Bo Park?")
    assert sorted(r[0] for r in rows) == ["Cake", "Soup", "Stew"]


def test_two_tables_with_open_naming_columns_give_no_reading_of_a_bare_name(tmp_path):
    script = _SCHOOL + "CREATE TABLE tutor (id INTEGER PRIMARY KEY, name TEXT, room INTEGER);"
    rows = dict(_ROWS, tutor=[(1, "Mara", 3), (2, "Vera", 4)])
    model, _conn = engine_database(tmp_path / "two.db", script, rows)
    assert model.column("tutor", "name").pii
    engine_asks(model, "Who is Mara?")


@pytest.mark.parametrize(
    "question",
    [
        "How many pupils are in Tromso?",  # a place, not a pupil called Tromso
        "How many Dutch pupils are there?",  # a nationality no value says
        "How many pupils have the note 'late at Mara Street'?",  # inside a quoted text
    ],
)
def test_a_place_a_nationality_or_a_quoted_word_is_no_persons_name(school, question):
    result = engine_asks(school[0], question)
    assert not any(f.op == "said" for f in (result.plan.filters if result.plan else ()))
