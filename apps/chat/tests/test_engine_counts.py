"""Issue 13, branch `h-counts`: counts of rows used as conditions, rankings and sort keys.

- After an each-word ("in each grade", "for each grade") a numeric column groups: every value
  is a group (after "by" it still ranks).
- "<column values> that have at least N <rows>" is GROUP BY the column HAVING COUNT(*), a
  numeric column too; "the names of <column>" are its values. When the counted word names a
  table the column's rows reach only one-to-many but also a column of the column's own table
  (each draft row names its athlete), the rows of that table are counted.
- "the most common <column>", "the <column> that is most common among <rows>", "the <table>
  that is most commonly used in <rows>", and with no rows said the column's own table's rows:
  GROUP BY the column ORDER BY COUNT(*) DESC LIMIT 1 (or the N said).
- Asked back: groups sorted alphabetically (no plan orders groups by their text), and a most
  common value of a column two tables hold with no rows said.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_counts.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_reads, engine_rows

_SCHEMA = """
    CREATE TABLE clubs (id INTEGER PRIMARY KEY, title TEXT);
    CREATE TABLE athletes (id INTEGER PRIMARY KEY, athlete TEXT, wins INTEGER,
        club_id INTEGER REFERENCES clubs(id));
    CREATE TABLE drafts (id INTEGER PRIMARY KEY, athlete TEXT, role TEXT, school TEXT,
        club_id INTEGER REFERENCES clubs(id));
    CREATE TABLE pupils (id INTEGER PRIMARY KEY, name TEXT, grade INTEGER, homeland TEXT);
    CREATE TABLE tutors (id INTEGER PRIMARY KEY, name TEXT, homeland TEXT);
"""
_ROWS = {
    "clubs": [(1, "Lions"), (2, "Hawks")],
    "athletes": [(1, "Ann Lee", 3, 1), (2, "Bo Ray", 5, 2), (3, "Cy Fox", 1, 1)],
    "drafts": [
        (1, "Dan Poe", "Keeper", "Oxbridge", 1),
        (2, "Eve Sol", "Striker", "Oxbridge", 2),
        (3, "Fay Ito", "Striker", "Redwood", 1),
        (4, "Gus Orr", "Striker", "Lakeside", 2),
        (5, "Hal Ng", "Keeper", "Redwood", 1),
        (6, "Ivy Tam", "Wing", "Oxbridge", 1),
    ],
    "pupils": [
        (1, "Ana", 9, "Peru"),
        (2, "Ben", 9, "Chile"),
        (3, "Cai", 10, "Peru"),
        (4, "Dee", 11, "Peru"),
        (5, "Eli", 11, "Chile"),
        (6, "Fia", 11, "Peru"),
    ],
    "tutors": [(1, "Gil", "Chile"), (2, "Hui", "Chile")],
}


@pytest.fixture(scope="module")
def league(tmp_path_factory):  # noqa: ANN001, ANN201
    made = engine_database(tmp_path_factory.mktemp("counts") / "league.db", _SCHEMA, _ROWS)
    yield made
    made[1].close()


def _same(got: list, want: list) -> bool:
    return sorted(map(tuple, got)) == sorted(map(tuple, want))


@pytest.mark.parametrize(
    "question",
    ["How many pupils are in each grade?", "Show the number of pupils for each grade."],
)
def test_each_numeric_column_groups(league, question: str) -> None:  # noqa: ANN001
    """ "in each grade": every grade a group, not a ranking by the grade."""
    rows = engine_rows(league, question)
    assert _same(rows, [(9, 2), (10, 1), (11, 3)]), rows


@pytest.mark.parametrize(
    "question",
    ["Which grades have 2 or more pupils?", "Show all grades that have at least 2 pupils."],
)
def test_numeric_column_values_kept_by_a_count(league, question: str) -> None:  # noqa: ANN001
    result = engine_reads(league[0], question)
    assert "HAVING COUNT(*) >= 2" in result.sql
    assert {row[0] for row in league[1].execute(result.sql)} == {9, 11}


@pytest.mark.parametrize(
    "question",
    [
        "Show the name of schools that have at least three athletes.",
        "What are the names of all schools that have three or more athletes?",
        "Which schools have at least 3 athletes?",
    ],
)
def test_count_of_rows_whose_column_names_the_counted_word(league, question: str) -> None:  # noqa: ANN001
    """ "athletes" names a table (reached from a draft only through the club, one-to-many) and
    each draft's athlete: the drafts of each school are counted, never the club's athletes."""
    result = engine_reads(league[0], question)
    assert "HAVING COUNT(*) >= 3" in result.sql and "athletes" not in result.sql.lower()
    assert {row[0] for row in league[1].execute(result.sql)} == {"Oxbridge"}


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("Show the most common role of athletes in drafts.", ["Striker"]),
        ("What is the role that is most common among athletes in drafts?", ["Striker"]),
        ("What is the most common role?", ["Striker"]),
        ("Give the homeland that is most common across all pupils.", ["Peru"]),
        ("Show the top 2 most common schools of athletes in drafts.", ["Oxbridge", "Redwood"]),
    ],
)
def test_most_common_value_of_a_column(league, question: str, want: list) -> None:  # noqa: ANN001
    result = engine_reads(league[0], question)
    assert "GROUP BY" in result.sql and "ORDER BY" in result.sql, result.sql
    assert [row[0] for row in league[1].execute(result.sql)] == want


def test_table_most_commonly_used_in_rows(league) -> None:  # noqa: ANN001
    """ "the club that is most commonly used in drafts": the club with the most drafts."""
    result = engine_reads(
        league[0], "Return the title of the club that is most commonly used in drafts."
    )
    rows = league[1].execute(result.sql).fetchall()
    assert len(rows) == 1 and "Lions" in rows[0], result.sql


@pytest.mark.parametrize(
    "question",
    [
        # groups sorted by their text: no plan says it, never the count sorted instead
        "Show the schools that have at least two athletes in descending alphabetical order.",
        # two tables hold a homeland and no rows are said
        "What is the most common homeland?",
    ],
)
def test_asked_back(league, question: str) -> None:  # noqa: ANN001
    engine_asks(league[0], question)


@pytest.mark.parametrize(
    ("question", "desc"),
    [
        ("Please show the roles of drafts in ascending order of count.", False),
        ("Show the roles of drafts in descending order of count.", True),
        ("What are the roles of drafts, sorted by their frequency?", False),
        ("Show the roles ordered by count.", False),
    ],
)
def test_values_sorted_by_their_count(league, question: str, desc: bool) -> None:  # noqa: ANN001
    """A bare count word as the sort key: the values, sorted by how many rows hold each (the
    count sorts them; the question asks for the values, branch h-columns)."""
    result = engine_reads(league[0], question)
    assert "GROUP BY role" in result.sql and "COUNT(*)" in result.sql, result.sql
    assert result.sql.rstrip().endswith("DESC" if desc else "ASC"), result.sql
    rows = league[1].execute(result.sql).fetchall()
    order = [("Striker",), ("Keeper",), ("Wing",)]
    assert rows == (order if desc else order[::-1])


_NEWSROOM = """
    CREATE TABLE writers (id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE happenings (id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE reports (id INTEGER PRIMARY KEY, writer_id INTEGER REFERENCES writers(id),
        happening_id INTEGER REFERENCES happenings(id));
    CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE steps (id INTEGER PRIMARY KEY, recipe_id INTEGER REFERENCES recipes(id),
        instruction TEXT);
"""
_NEWSROOM_ROWS = {
    "writers": [(1, "Ada"), (2, "Bea"), (3, "Cal")],
    "happenings": [(1, "Flood"), (2, "Fair"), (3, "Vote")],
    "reports": [(1, 1, 1), (2, 1, 2), (3, 2, 3), (4, 3, 1), (5, 3, 3)],
    "recipes": [(1, "Soup"), (2, "Stew"), (3, "Toast")],
    "steps": [(1, 1, "boil"), (2, 1, "stir"), (3, 2, "chop"), (4, 3, "heat"), (5, 3, "butter")],
}


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory):  # noqa: ANN001, ANN201
    path = tmp_path_factory.mktemp("counts") / "newsroom.db"
    made = engine_database(path, _NEWSROOM, _NEWSROOM_ROWS)
    yield made
    made[1].close()


def test_verb_naming_the_link_table(newsroom) -> None:  # noqa: ANN001
    """ "writers that have reported more than one happening": the verb names the table that
    references both; the count is over it."""
    rows = engine_rows(
        newsroom, "Show the names of writers that have reported more than one happening."
    )
    assert sorted(row[0] for row in rows) == ["Ada", "Cal"]


def test_counted_word_names_a_column_of_the_referencing_table(newsroom) -> None:  # noqa: ANN001
    """ "recipes with at least 2 instructions": each step's instruction, so the steps of each
    recipe are counted."""
    result = engine_reads(newsroom[0], "Which recipes have at least 2 instructions?")
    assert "HAVING COUNT(*) >= 2" in result.sql, result.sql
    assert sorted(row[0] for row in newsroom[1].execute(result.sql)) == ["Soup", "Toast"]


@pytest.mark.parametrize(
    "question",
    [
        "Give the names of recipes that have between one and two steps.",
        "Which recipe has 1 to 2 steps?",
    ],
)
def test_range_of_a_count(newsroom, question: str) -> None:  # noqa: ANN001
    """A range said before a table's rows bounds their count (two HAVINGs)."""
    result = engine_reads(newsroom[0], question)
    assert "COUNT(*) >= 1" in result.sql and "COUNT(*) <= 2" in result.sql, result.sql
    assert sorted(row[0] for row in newsroom[1].execute(result.sql)) == ["Soup", "Stew", "Toast"]


def test_a_word_shared_weakly_with_a_column_is_no_count_of_its_rows(tmp_path) -> None:  # noqa: ANN001
    """ "gadget types that have fewer than 3 gadgets": "gadgets" only shares a word with the
    type's description; the types' own rows are never what is counted (asked back, as before:
    the word says no table the type is reached from)."""
    model, conn = engine_database(
        tmp_path / "gadgets.db",
        """
        CREATE TABLE ref_gadget_types (gadget_type_code TEXT PRIMARY KEY,
            gadget_type_description TEXT);
        CREATE TABLE gadgets (gadget_id INTEGER PRIMARY KEY,
            gadget_type_code TEXT REFERENCES ref_gadget_types(gadget_type_code),
            gadget_details TEXT);
        """,
        {
            "ref_gadget_types": [("AA", "Alpha"), ("BB", "Beta")],
            "gadgets": [(1, "AA", "x"), (2, "AA", "y"), (3, "AA", "z"), (4, "BB", "w")],
        },
    )
    engine_asks(model, "What are the codes of gadget types that have fewer than 3 gadgets?")
    conn.close()
