"""Issue 13, confidently wrong shapes found on the Spider train dev databases (branch h-wrong6).

One test per cause, each on a small invented schema (auditions of musicians, critics and
concerts):

- a noun that names a table and also a text column of another table ("the musicians from
  school X", where `auditions.musician` is a column and `musician` a table): when the rest of
  the question is said of the other table (or a table next to it) and of none next to the
  noun's table, the column is listed, never the table's rows reached through a third table;
- a text pattern said after "that" ("mottos that contain 'x'") or after a noun of the pattern
  ("contain the word 'x'", "start with the letter 'D'"): LIKE on the column named before it,
  with the verb's shape, never on the table's label;
- a verb that is only part of a column's name, said in a clause ("musicians who performed
  for X", "how many years did each perform"): the verb, never that column grouped by;
- "more than one <table>" where the table's numeric column shares only the word: a count of
  the rows (asked back when not read so), never a filter on that column;
- several columns of one table named by itself ("the nationalities and ages of critics"):
  one line per row, no DISTINCT (one column of a category keeps its values once each).

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_wrong6.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_reads, engine_rows

_SCRIPT = """
    CREATE TABLE region (region_id INTEGER PRIMARY KEY, region_name TEXT, motto TEXT);
    CREATE TABLE band (band_id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE audition (season INTEGER PRIMARY KEY, musician TEXT, school TEXT,
        region INTEGER REFERENCES region(region_id), band INTEGER REFERENCES band(band_id));
    CREATE TABLE musician (musician_id INTEGER PRIMARY KEY, musician TEXT,
        years_performed TEXT, band INTEGER REFERENCES band(band_id));
    CREATE TABLE critic (critic_id INTEGER PRIMARY KEY, name TEXT, nationality TEXT, age INTEGER);
    CREATE TABLE concert (concert_id INTEGER PRIMARY KEY, name TEXT, concert_attendance INTEGER);
    CREATE TABLE review (critic_id INTEGER REFERENCES critic(critic_id),
        concert_id INTEGER REFERENCES concert(concert_id), PRIMARY KEY (critic_id, concert_id));
"""
_ROWS = {
    "region": [(1, "Northland", "By the Sea"), (2, "Southland", "Sun and Sand"),
               (3, "Eastmark", "Seaside Songs")],
    "band": [(1, "Rockers"), (2, "Jazzers")],
    "audition": [(2001, "Ana Vidal", "Juilliard", 1, 1), (2002, "Ben Ross", "Berklee", 2, 1),
                 (2003, "Cleo Park", "Juilliard", 2, 2), (2004, "Dan Wu", "Berklee", 3, 2)],
    "musician": [(1, "Eve Stone", "2 (2010-2011)", 1), (2, "Finn Lake", "3 (2009-2011)", 1),
                 (3, "Gus Hale", "2 (2010-2011)", 2)],
    "critic": [(1, "Hana", "England", 30), (2, "Ivo", "England", 30), (3, "Jon", "Wales", 41)],
    "concert": [(1, "Spring Gala", 900), (2, "Summer Jam", 40), (3, "Winter Night", 1)],
    "review": [(1, 1), (1, 2), (2, 3), (3, 1), (3, 3)],
}  # fmt: skip


@pytest.fixture(scope="module")
def school(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("aud") / "aud.db", _SCRIPT, _ROWS)
    yield model, conn
    conn.close()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Show the musicians from school Juilliard.", {"Ana Vidal", "Cleo Park"}),
        ("Which musicians are from Southland?", {"Ben Ross", "Cleo Park"}),
    ],
)
def test_a_table_noun_that_is_another_tables_column_lists_that_column(school, question, expected):
    rows = engine_rows(school, question)
    assert {r[0] for r in rows} == expected
    assert "years_performed" not in engine_reads(school[0], question).sql


@pytest.mark.parametrize(
    ("question", "like"),
    [
        ('Show all mottos that contain the word "Sea".', "'%Sea%'"),
        ('Show the mottos that start with the letter "S".', "'S%'"),
        ('Show the mottos that start with "S".', "'S%'"),
    ],
)
def test_a_pattern_said_after_that_is_on_the_column_before_it(school, question, like):
    sql = engine_reads(school[0], question).sql
    assert f"motto LIKE {like}" in sql
    assert "region_name LIKE" not in sql


@pytest.mark.parametrize(
    "question",
    [
        "What are the musicians who performed for Rockers, and how many years did each perform?",
        "Count the number of different schools that musicians who perform for Rockers are from.",
    ],
)
def test_a_verb_that_is_part_of_a_column_name_is_not_that_column(school, question):
    from apps.chat.engine.offline import interpret

    result = interpret(question, school[0])
    assert result.route == "CLARIFY" or "GROUP BY musician.years_performed" not in result.sql


def test_more_than_one_of_a_table_is_not_its_column_sharing_the_word(school):
    question = "Show the names of critics that have reviewed more than one concert."
    result = engine_asks(school[0], question)
    assert result.sql is None


def test_several_columns_of_a_named_table_keep_one_line_per_row(school):
    rows = engine_rows(school, "What are the nationalities and ages of critics?")
    assert sorted(rows) == [("England", 30), ("England", 30), ("Wales", 41)]
    assert sorted(engine_rows(school, "What are the nationalities of critics?")) == [
        ("England",),
        ("Wales",),
    ]


_FIRMS = """
    CREATE TABLE business (business_id INTEGER PRIMARY KEY, business_name TEXT);
    CREATE TABLE kiosk (kiosk_id INTEGER PRIMARY KEY, manager_name TEXT);
    CREATE TABLE kiosk_business (kiosk_id INTEGER REFERENCES kiosk(kiosk_id),
        business_id INTEGER REFERENCES business(business_id), PRIMARY KEY (kiosk_id, business_id));
"""
_FIRM_ROWS = {
    "business": [(1, "Acme"), (2, "Globex")],
    "kiosk": [(1, "Kim"), (2, "Lee"), (3, "Max")],
    "kiosk_business": [(1, 1), (2, 1), (3, 2)],
}


def test_the_company_is_the_table_of_companies_when_the_data_has_one(tmp_path):
    """ "the business name": with a table of businesses, "the business" is that table, not the
    organisation asking (dropped, which left "name" to another table's manager name)."""
    database = engine_database(tmp_path / "firms.db", _FIRMS, _FIRM_ROWS)
    rows = engine_rows(database, "Show the business name with the number of kiosks.")
    assert sorted(rows) == [("Acme", 2), ("Globex", 1)]
    database[1].close()


_VALUED_FIRMS = """
    CREATE TABLE firm (firm_id INTEGER PRIMARY KEY, firm TEXT, market_value REAL);
"""


@pytest.fixture(scope="module")
def valued_firms(tmp_path_factory):  # noqa: ANN001, ANN201
    rows = {"firm": [(1, "Acme", 10.0), (2, "Brill", 40.0), (3, "Corvo", 25.0)]}
    model, conn = engine_database(tmp_path_factory.mktemp("firm") / "firm.db", _VALUED_FIRMS, rows)
    yield model, conn
    conn.close()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the minimum, maximum, and average market value for every firm?",
         [(10.0, 40.0, 25.0)]),
        ("What is the maximum market value for each firm?", [(40.0,)]),
    ],
)  # fmt: skip
def test_a_minimum_or_maximum_for_every_row_is_over_all_rows(
    valued_firms, question, expected
) -> None:  # noqa: ANN001
    # "for every firm" where each firm is one row: over all of them; no aggregate said is
    # turned into an average (it was AVG alone, the minimum and maximum silently dropped)
    assert engine_rows(valued_firms, question) == expected
