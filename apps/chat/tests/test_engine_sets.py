"""Issue 13: set shapes and coordination that were asked back (pure tests, made-up schemas).

"the ids and names of each crew, as well as the number of sailors in each", "show the crew
name as well", "clubs that have role keeper, as well as role striker" (as "both … and …"),
"learners whose home town is different from his or her work town" (two columns of one
row compared), and what stays asked back.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_sets.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_reads

_SCHEMA = """
    CREATE TABLE crews (crew_id INTEGER PRIMARY KEY, name TEXT, region TEXT);
    CREATE TABLE sailors (sailor_id INTEGER PRIMARY KEY, name TEXT, rank TEXT, age INTEGER,
        crew_id INTEGER REFERENCES crews(crew_id));
    CREATE TABLE firms (firm_id INTEGER PRIMARY KEY, firm_name TEXT, industry TEXT);
    CREATE TABLE depots (depot_id INTEGER PRIMARY KEY, town TEXT);
    CREATE TABLE depot_firm (depot_id INTEGER REFERENCES depots(depot_id),
        firm_id INTEGER REFERENCES firms(firm_id), PRIMARY KEY (depot_id, firm_id));
    CREATE TABLE members (member_id INTEGER PRIMARY KEY, name TEXT, grade INTEGER);
    CREATE TABLE pal (member_id INTEGER REFERENCES members(member_id),
        pal_id INTEGER REFERENCES members(member_id), PRIMARY KEY (member_id, pal_id));
    CREATE TABLE praise (member_id INTEGER REFERENCES members(member_id),
        praised_id INTEGER REFERENCES members(member_id), PRIMARY KEY (member_id, praised_id));
    CREATE TABLE lineups (lineup_id INTEGER PRIMARY KEY, season INTEGER, player TEXT,
        role TEXT, club TEXT);
    CREATE TABLE learners (learner_id INTEGER PRIMARY KEY, first_name TEXT, home_town TEXT,
        work_town TEXT);
"""
_ROWS = {
    "crews": [(1, "Gull", "North"), (2, "Tern", "South"), (3, "Auk", "North")],
    "sailors": [
        (1, "Ann", "captain", 40, 1),
        (2, "Bob", "mate", 30, 1),
        (3, "Cid", "mate", 25, 2),
        (4, "Dee", "cook", 50, 1),
    ],
    "firms": [(1, "Acme", "Oil"), (2, "Bolt", "Banking"), (3, "Coil", "Oil")],
    "depots": [(1, "Leeds"), (2, "York")],
    "depot_firm": [(1, 1), (2, 1)],
    "members": [(1, "Ann", 9), (2, "Bob", 10), (3, "Cid", 11), (4, "Dan", 12)],
    "pal": [(1, 2), (3, 1)],
    "praise": [(2, 1), (4, 2), (1, 4)],
    "lineups": [
        (1, 2001, "Al", "Keeper", "Rovers"),
        (2, 2001, "Bo", "Striker", "Rovers"),
        (3, 2002, "Cy", "Keeper", "United"),
        (4, 2002, "Di", "Winger", "City"),
        (5, 2003, "Ed", "Striker", "City"),
    ],
    "learners": [
        (1, "Jo", "Leeds", "Leeds"),
        (2, "Max", "York", "Hull"),
        (3, "Liv", "Hull", "Hull"),
        (4, "Ray", "Leeds", "York"),
    ],
}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("sets") / "fleet.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


def _rows(db, question: str) -> list:  # noqa: ANN001
    model, conn = db
    result = engine_reads(model, question)
    return sorted(conn.execute(result.sql).fetchall())


def _names(db, question: str) -> list:  # noqa: ANN001
    return sorted(row[0] for row in _rows(db, question))


def test_as_well_as_between_two_things_asked_is_and(fleet):
    """ "the names of each crew, as well as the number of sailors in each": both columns."""
    question = "What are the names of each crew, as well as the number of sailors in each?"
    rows = _rows(fleet, question)
    assert sorted(tuple(sorted(map(str, r))) for r in rows) == [("1", "Tern"), ("3", "Gull")]


def test_as_well_at_the_end_adds_nothing(fleet):
    """ "…; show the region as well" is "…; show the region"."""
    model, _ = fleet
    plain = engine_reads(model, "List the names of all crews and their region.")
    said = engine_reads(model, "List the names of all crews, and the region as well.")
    assert said.sql == plain.sql


def test_as_well_as_with_the_noun_said_again_is_both(fleet):
    """ "clubs that have role keeper, as well as role striker": the clubs that have both (one
    row with each value), never either, never one row with the two values."""
    names = _names(fleet, "Which clubs have role Keeper, as well as role Striker?")
    assert names == ["Rovers"]
    model, _ = fleet
    assert (
        " IN (SELECT"
        in engine_reads(
            model, "Return the clubs that have role Keeper, as well as role Striker."
        ).sql
    )


def test_a_column_different_from_another_column_of_the_same_row(fleet):
    """ "whose home town is different from his or her work town": the row's two columns
    compared (`NumericFilter.other`), not a listing of both; "current one" is the same noun."""
    for question in (
        "What is the first name of the learners whose home town is different from his or "
        "her work town?",
        "Whose home town is different from his or her work town? List his or her first name.",
        "What is the first name of the learner whose work town is different from the home one?",
    ):
        model, conn = fleet
        result = engine_reads(model, question)
        assert "<>" in result.sql, question
        assert sorted(r[0] for r in conn.execute(result.sql).fetchall()) == ["Max", "Ray"]


def test_a_column_the_same_as_another_column(fleet):
    said = "List the first names of learners whose home town is {} their work town."
    names = _names(fleet, said.format("the same as"))
    assert names == ["Jo", "Liv"]
    names = _names(fleet, said.format("not the same as"))
    assert names == ["Max", "Ray"]


def test_a_comparison_with_a_column_of_another_table_is_asked_back(fleet):
    """The second column is not one of the rows' own: asked back, never compared anyway."""
    model, _ = fleet
    engine_asks(model, "Which sailors have a name different from the region?")
    engine_asks(model, "List the first names of learners whose home town is different from 3.")


def test_columns_listed_before_the_rows_without_related_rows(fleet):
    """ "the firm name and industry of firms without a depot", "firm name and industry without
    a depot": each such row's columns (NOT EXISTS through the link table), as "firms without a
    depot" lists them."""
    for question in (
        "Show the firm name and industry of firms without a depot.",
        "Show firm name and industry without a depot.",
    ):
        rows = _rows(fleet, question)
        assert rows == [("Bolt", "Banking"), ("Coil", "Oil")], question


def test_a_column_alone_of_rows_without_related_rows_stays_asked_back(fleet):
    """ "the industry of firms without a depot": each firm's, or the industries no firm with a
    depot has? Asked back, as before."""
    model, _ = fleet
    engine_asks(model, "Show the industry of firms without a depot.")
    engine_asks(model, "Show the industry without a depot.")


def test_rows_that_have_some_related_rows(fleet):
    """ "crews that have sailors", "the average age … of crews that have some sailors": the
    rows with at least one related row (EXISTS), read only when the question was asked back
    otherwise; "crews with no sailors" stays NOT EXISTS."""
    model, conn = fleet
    result = engine_reads(model, "List the names of crews that have some sailors.")
    assert "EXISTS" in result.sql and "NOT EXISTS" not in result.sql
    assert sorted(r[0] for r in conn.execute(result.sql).fetchall()) == ["Gull", "Tern"]
    assert _names(fleet, "Which crews have no sailors?") == ["Auk"]
    count = engine_reads(model, "How many firms have some depots?")
    assert conn.execute(count.sql).fetchall() == [(1,)]


def test_rows_that_have_related_rows_never_with_a_negation(fleet):
    """A negation the none reading does not take is never read as "have some"."""
    model, _ = fleet
    engine_asks(model, "Which crews have not sailed with sailors?")


def test_rows_that_have_rows_of_a_table_of_two_keys(fleet):
    """ "members who have pals": `pal(member_id, pal_id)`, the word names `pal_id`, so a
    member's pals are the rows whose other key is the member; "members who are praised" (a
    participle after "are") are the rows the key it names points at (`praised_id`)."""
    assert _names(fleet, "What are the names of members who have pals?") == ["Ann", "Cid"]
    assert _names(fleet, "What are the names of members who are praised?") == ["Ann", "Bob", "Dan"]


def test_rows_that_have_both_kinds_of_related_rows(fleet):
    """ "members who both have pals and are praised": each half its own EXISTS, the second
    kept as the members' keys (`also_in`), never either."""
    model, conn = fleet
    result = engine_reads(
        model, "What are the names of members who both have pals and are praised?"
    )
    assert " IN (SELECT" in result.sql
    assert sorted(r[0] for r in conn.execute(result.sql).fetchall()) == ["Ann"]
