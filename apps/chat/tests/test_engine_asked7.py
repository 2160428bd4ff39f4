"""Issue 13, branch `h-asked7`: nouns the schema names another way, that were asked back.

- A table with a compound name is named by what its own key says one row is
  (`semantic.key_row_noun`): `harbour_safety_office(harbour_id)` is "the harbours",
  `sail_regatta(regatta_id)` "the regattas". A key that is a foreign key (the row of another
  table) says nothing.
- "the style score", "the total score", "the distance scores": a score, value or figure word
  right after a numeric column says only the number it holds (`rereads._amount_of_column`,
  `lexicon.MEASURE_NOUNS`); after a text column it is still asked back.
- "the years spent working": a word between the words of one column's name
  (`years_working`) says only more of it (`rereads._word_inside_column`).
- "the net tonnage", "the focal length": the first words of one column's name
  (`net_tonnage_tons`) name it when they begin no other column's name
  (`semantic._index_column_heads`).
- "lenses", "buses": the plural of a noun that ends in "s" (`datachat.text._s_noun_plural`),
  so "telescope lenses" names `telescope_lens` as "telescope lens" does.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_asked7.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_reads, engine_rows
from datachat import text as tx

_SCHEMA = """
    CREATE TABLE harbour_safety_office (harbour_id INTEGER PRIMARY KEY, name TEXT,
        depth REAL, region TEXT);
    CREATE TABLE quay (quay_id INTEGER PRIMARY KEY, name TEXT,
        harbour_id INTEGER REFERENCES harbour_safety_office(harbour_id), berths INTEGER);
    CREATE TABLE sail_regatta (regatta_id INTEGER PRIMARY KEY, title TEXT, year INTEGER);
    CREATE TABLE person (person_id INTEGER PRIMARY KEY, name TEXT, age INTEGER);
    CREATE TABLE skipper_record (skipper_id INTEGER PRIMARY KEY REFERENCES person(person_id),
        wins INTEGER);
    CREATE TABLE jumper (jumper_id INTEGER PRIMARY KEY, name TEXT, style REAL, distance REAL,
        total REAL);
    CREATE TABLE telescope_lens (id INTEGER PRIMARY KEY, brand TEXT, name TEXT,
        aperture REAL);
    CREATE TABLE tour_bus (id INTEGER PRIMARY KEY, plate TEXT, seats INTEGER);
    CREATE TABLE ferry (ferry_id INTEGER PRIMARY KEY, name TEXT, years_working INTEGER,
        crew_size INTEGER, net_tonnage_tons REAL, deck_length_m REAL, deck_length_ft REAL);
    CREATE TABLE berth_kind (berth_kind_code TEXT PRIMARY KEY, berth_kind_description TEXT);
    CREATE TABLE mooring (mooring_id INTEGER PRIMARY KEY,
        berth_kind_code TEXT REFERENCES berth_kind(berth_kind_code), depth REAL);
"""
_ROWS = {
    "harbour_safety_office": [
        (1, "Kvarn", 12.0, "North"),
        (2, "Lysa", 8.5, "South"),
        (3, "Mole", 15.0, "North"),
    ],
    "quay": [(1, "Q1", 1, 4), (2, "Q2", 1, 6), (3, "Q3", 3, 2)],
    "sail_regatta": [(1, "Spring Cup", 2019), (2, "Autumn Cup", 2021)],
    "person": [(1, "Ada", 30), (2, "Bo", 41)],
    "skipper_record": [(1, 3), (2, 5)],
    "jumper": [
        (1, "Ari", 55.0, 120.0, 175.0),
        (2, "Bjorn", 58.5, 110.0, 168.5),
        (3, "Cato", 51.0, 131.0, 182.0),
    ],
    "telescope_lens": [(1, "Zeiss", "Apo", 80.0), (2, "Leica", "Tele", 60.0)],
    "tour_bus": [(1, "AB 123", 50), (2, "CD 456", 30)],
    "ferry": [
        (1, "Fram", 12, 8, 410.0, 40.0, 131.2),
        (2, "Skarv", 4, 5, 220.5, 25.0, 82.0),
        (3, "Tind", 20, 9, 515.0, 52.0, 170.6),
    ],
    "berth_kind": [("D", "Deep"), ("S", "Shallow")],
    "mooring": [(1, "D", 9.0), (2, "D", 11.0), (3, "S", 3.0)],
}


@pytest.fixture(scope="module")
def port(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("asked7") / "port.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        ("How many harbours are there?", [(3,)]),
        ("List the names of harbours in descending order of depth.",
         [("Mole",), ("Kvarn",), ("Lysa",)]),
        ("What is the name of the harbour with the greatest depth?", [("Mole",)]),
        ("How many regattas are there?", [(2,)]),
    ],
)  # fmt: skip
def test_the_noun_of_a_tables_own_key_names_its_rows(port, question, rows) -> None:  # noqa: ANN001
    assert engine_rows(port, question) == rows


def test_the_rows_noun_joins_like_the_table(port) -> None:  # noqa: ANN001
    model, conn = port
    sql = engine_reads(model, "Show the names of quays in harbours with a depth above 10.").sql
    assert "harbour_safety_office" in sql, sql
    assert sorted(conn.execute(sql).fetchall()) == [("Q1",), ("Q2",), ("Q3",)]


def test_a_key_that_is_a_foreign_key_names_no_rows(port) -> None:  # noqa: ANN001
    model, _conn = port
    assert "skippers" in engine_asks(model, "How many skippers are there?").clarify


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        ("What is the average style score of jumpers?", [(54.833333333333336,)]),
        ("What are the names of jumpers whose total score is higher than 170?",
         [("Ari",), ("Cato",)]),
        ("List the style score and distance score of jumpers in ascending order of style score.",
         [(51.0, 131.0), (55.0, 120.0), (58.5, 110.0)]),
        ("What is the distance value of the jumper with the highest total score?", [(131.0,)]),
    ],
)  # fmt: skip
def test_a_score_word_after_a_numeric_column_is_that_column(port, question, rows) -> None:  # noqa: ANN001, E501
    # the columns asked for, last (a listing may show the rows' name before them)
    assert [row[-len(rows[0]) :] for row in engine_rows(port, question)] == rows


def test_a_score_word_after_a_text_column_is_asked_back(port) -> None:  # noqa: ANN001
    model, _conn = port
    assert "score" in engine_asks(model, "What is the name score of the jumpers?").clarify


@pytest.mark.parametrize(
    ("plural", "singular"),
    [("lenses", "lens"), ("buses", "bus"), ("statuses", "status"), ("houses", "house"),
     ("cases", "case"), ("uses", "use"), ("courses", "course")],
)  # fmt: skip
def test_the_plural_of_a_noun_in_s(plural, singular) -> None:  # noqa: ANN001
    assert tx.singular(plural, "en") == singular
    assert tx.stem(plural, "en") == tx.stem(singular, "en")


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        ("How many telescope lenses are there?", [(2,)]),
        ("List the brands of all telescope lenses.", [("Leica",), ("Zeiss",)]),
        ("How many seats do the tour buses have in total?", [(80,)]),
    ],
)  # fmt: skip
def test_a_plural_in_ses_names_its_table(port, question, rows) -> None:  # noqa: ANN001
    model, conn = port
    assert sorted(conn.execute(engine_reads(model, question).sql).fetchall()) == rows


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        ("What is the average number of years spent working on a ferry?", [(12.0,)]),
        ("What are the maximum and minimum years spent working of ferries?", [(20, 4)]),
    ],
)  # fmt: skip
def test_a_word_between_the_words_of_a_column_name(port, question, rows) -> None:  # noqa: ANN001
    assert engine_rows(port, question) == rows


def test_a_word_beside_part_of_a_column_name_is_asked_back(port) -> None:  # noqa: ANN001
    model, _conn = port
    assert "spent" in engine_asks(model, "What are the years spent of the ferries?").clarify


def test_a_noun_between_the_words_of_a_column_name_is_asked_back(port) -> None:  # noqa: ANN001
    # "years of service working" may be another thing than `years_working`
    model, _conn = port
    question = "What is the average years service working of the ferries?"
    assert "service" in engine_asks(model, question).clarify


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        ("What is the maximum net tonnage of the ferries?", [(515.0,)]),
        ("List the names of ferries in descending order of net tonnage.",
         [("Tind",), ("Fram",), ("Skarv",)]),
        ("How many ferries have a net tonnage above 300?", [(2,)]),
    ],
)  # fmt: skip
def test_the_first_words_of_a_column_name_name_it(port, question, rows) -> None:  # noqa: ANN001
    assert engine_rows(port, question) == rows


def test_first_words_that_begin_two_column_names_are_asked_back(port) -> None:  # noqa: ANN001
    model, _conn = port
    engine_asks(model, "What is the average deck length of the ferries?")


def test_first_words_that_also_begin_a_key_column_name_nothing(port) -> None:  # noqa: ANN001
    # "berth kind" begins `berth_kind_code` (a key) and `berth_kind_description`: neither
    assert engine_rows(port, "Count the number of moorings of the berth kind Deep.") == [(2,)]
