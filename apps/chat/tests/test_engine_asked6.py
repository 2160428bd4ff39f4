"""Issue 13, branch `h-asked6`: a text sort key, and superlative adjectives that name a column.

- "Show the age of the rowers ordered by name", "la edad de los remeros ordenados por nombre":
  the column said before the order words is listed, the text column said after them sorts
  (`plan_order._text_key_after_order`); "ordenados por <columna>" is no grouping. Several columns
  after the order words and a sortable one before them: asked back
  (`plan_order._other_key_after_order`), it listed the others sorted by the one before.
- "the youngest rower" where the rower row has no age but its person has
  (`superlatives._ranking` through `semantic.linked_label`); "the shortest person" is the
  lowest height when the row has a height and no length (`_SIZE_OF_ROW`); with both, the
  length as before (`lexicon.DIMENSION_ADJECTIVES`).
- "the coach who joined latest", "who has the latest join year", "the most recently launched
  boat", "the boat that was launched in the most recent year": the date or year column the
  verb names (`superlatives._time_extreme_of_verb`).
- "the most common hometown of rowers" (a column of the person a rower stands for) and "the
  kind of boats that is most common" (`superlatives._mode_of_column`).

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_asked6.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_reads, engine_rows

_SCHEMA = """
    CREATE TABLE person (person_id INTEGER PRIMARY KEY, name TEXT, age INTEGER, height REAL,
        weight REAL, hometown TEXT);
    CREATE TABLE rower (rower_id INTEGER PRIMARY KEY,
        person_id INTEGER REFERENCES person(person_id), club TEXT, total_points REAL);
    CREATE TABLE boat (boat_id INTEGER PRIMARY KEY, name TEXT, builder TEXT, kind TEXT,
        year_launched INTEGER, length REAL);
    CREATE TABLE coach (coach_id INTEGER PRIMARY KEY, name TEXT, city TEXT, year_join INTEGER);
    CREATE TABLE raft (raft_id INTEGER PRIMARY KEY, name TEXT, height REAL, length REAL);
    CREATE TABLE remero (remero_id INTEGER PRIMARY KEY, nombre TEXT, club TEXT, edad INTEGER);
"""
_ROWS = {
    "person": [
        (1, "Ada", 24, 1.8, 71.5, "Oslo"),
        (2, "Bo", 31, 1.9, 80.0, "Oslo"),
        (3, "Cy", 28, 1.7, 76.2, "Bergen"),
        (4, "Di", 22, 1.75, 60.0, "Molde"),
    ],
    "rower": [(1, 1, "Oslo RK", 9.5), (2, 2, "Bergen RK", 8.0), (3, 3, "Oslo RK", 7.0)],
    "boat": [
        (1, "Swift", "Empacher", "eight", 2015, 18.0),
        (2, "Gull", "Filippi", "pair", 2019, 10.0),
        (3, "Tern", "Empacher", "eight", 2012, 17.5),
    ],
    "coach": [(1, "Eva", "Oslo", 2011), (2, "Finn", "Bergen", 2016)],
    "raft": [(1, "Log", 1.0, 4.0), (2, "Reed", 0.5, 6.0)],
    "remero": [(1, "Ada", "Oslo RK", 24), (2, "Bo", "Bergen RK", 31), (3, "Cy", "Molde RK", 28)],
}


@pytest.fixture(scope="module")
def club(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("asked6") / "club.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


@pytest.mark.parametrize(
    ("question", "listed", "key"),
    [
        ("Show the age of the people ordered by name.", "age", "name"),
        ("List the city of the coaches sorted by name.", "city", "name"),
        ("Muestra la edad de los remeros ordenados por nombre.", "edad", "nombre"),
        ("Muestra el club de los remeros ordenados por nombre.", "club", "nombre"),
    ],
)  # fmt: skip
def test_a_text_column_after_the_order_words_sorts_the_one_before(
    club, question, listed, key
) -> None:  # noqa: ANN001, E501
    model, conn = club
    sql = engine_reads(model, question).sql
    columns = [d[0] for d in conn.execute(sql).description]
    rows = conn.execute(sql).fetchall()
    assert listed in columns, sql
    assert "ORDER BY" in sql and sql.split("ORDER BY")[1].strip().startswith(key), sql
    keys = [r[columns.index(key)] for r in rows] if key in columns else None
    assert keys is None or keys == sorted(keys), rows


def test_two_columns_after_the_order_words_and_one_before_are_asked_back(club) -> None:  # noqa: ANN001
    model, _ = club
    engine_asks(model, "Show the age of the people ordered by name and hometown.")


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        ("What is the total points of the youngest rower?", [(9.5,)]),
        ("What is the club of the oldest rower?", [("Bergen RK",)]),
        ("What is the weight of the shortest person?", [(76.2,)]),
        ("What is the club of the shortest rower?", [("Oslo RK",)]),
        ("What is the name of the shortest boat?", [("Gull",)]),
    ],
)  # fmt: skip
def test_a_superlative_of_the_person_a_row_stands_for(club, question, rows) -> None:  # noqa: ANN001
    assert engine_rows(club, question) == rows


def test_shortest_with_a_height_and_a_length_keeps_the_length(club) -> None:  # noqa: ANN001
    # both columns: not read as the height; the lexicon's reading (length) stays, as before
    assert "ORDER BY length" in engine_reads(club[0], "What is the name of the shortest raft?").sql


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        ("What is the name of the coach who joined latest?", [("Finn",)]),
        ("Return the name of the coach who has the latest join year.", [("Finn",)]),
        ("What is the name of the coach who joined earliest?", [("Eva",)]),
        ("What is the name of the most recently launched boat?", [("Gull",)]),
        ("Return the name of the boat that was launched in the most recent year.", [("Gull",)]),
    ],
)  # fmt: skip
def test_latest_and_earliest_of_the_year_a_verb_names(club, question, rows) -> None:  # noqa: ANN001
    assert engine_rows(club, question) == rows


def test_latest_with_no_column_the_verb_names_is_asked_back(club) -> None:  # noqa: ANN001
    model, _ = club
    engine_asks(model, "What is the name of the coach who retired latest?")


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        ("What is the most common hometown of rowers?", [("Oslo",)]),
        ("Return the hometown that is most common among rowers.", [("Oslo",)]),
        ("Give the kind of boats that is most common.", [("eight",)]),
        ("Give the builder of boats that is most common", [("Empacher",)]),
    ],
)  # fmt: skip
def test_the_most_common_value(club, question, rows) -> None:  # noqa: ANN001
    assert engine_rows(club, question) == rows
