"""Issue 13, what to show: projection lists, labels and schema words (pure tests, no Django).

A small schema of its own, in the shapes the foreign sets showed: a table whose label column is
named like the table (`Region`), keys called `<Table>Id`, a column name in two tables
(`Population`), English names asked about in Spanish.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_projection.py
"""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest

from apps.chat.engine.offline import interpret
from apps.chat.tests.support import engine_model, engine_reads


@pytest.fixture(scope="module")
def towns(tmp_path_factory):  # noqa: ANN001, ANN201
    path = tmp_path_factory.mktemp("towns") / "towns.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE Regions (RegionId INTEGER PRIMARY KEY, Region TEXT, Population INTEGER);
        CREATE TABLE Cities (CityId INTEGER PRIMARY KEY, CityName TEXT,
            RegionId INTEGER REFERENCES Regions(RegionId), Population INTEGER, Area REAL);
        CREATE TABLE Hotels (HotelId INTEGER PRIMARY KEY, HotelName TEXT,
            CityId INTEGER REFERENCES Cities(CityId), Rooms INTEGER, Stars INTEGER);
        INSERT INTO Regions VALUES (1, 'north', 900000), (2, 'south', 500000), (3, 'east', 10);
        INSERT INTO Cities VALUES (1, 'Springfield', 1, 120000, 80.5),
            (2, 'Shelbyville', 1, 60000, 40.0), (3, 'Ogdenville', 2, 30000, 22.5),
            (4, 'Capital City', 2, 700000, 300.0), (5, 'North Haverbrook', 1, 9000, 12.0);
        INSERT INTO Hotels VALUES (1, 'Grand', 1, 120, 4), (2, 'Plaza', 1, 80, 3),
            (3, 'Motel Inn', 2, 20, 2), (4, 'Royal', 4, 300, 5), (5, 'Budget', 3, 40, 2),
            (6, 'Lakeside', 4, 150, 4);
        CREATE TABLE Guests (GuestId INTEGER PRIMARY KEY, FirstName TEXT, LastName TEXT,
            HotelId INTEGER REFERENCES Hotels(HotelId), BoardType TEXT);
        CREATE TABLE Managers (ManagerId INTEGER PRIMARY KEY, FirstName TEXT, LastName TEXT);
        INSERT INTO Guests VALUES (1, 'Ann', 'Lee', 1, 'full board'), (2, 'Bob', 'Lee', 1,
            'half board'), (3, 'Cy', 'Diaz', 4, 'full board'), (4, 'Dee', 'Roe', 4, 'bed only');
        INSERT INTO Managers VALUES (1, 'Max', 'Power'), (2, 'Eva', 'Stone');
        """
    )
    conn.commit()
    conn.close()
    model = engine_model(path)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    yield model, conn
    conn.close()


def _same_rows(got: list[tuple], gold: list[tuple]) -> bool:
    """The gold's rows, in any row and column order (the evaluation's rule, without floats)."""
    return Counter(tuple(sorted(map(repr, r))) for r in got) == Counter(
        tuple(sorted(map(repr, r))) for r in gold
    )


def _answer(towns, question: str) -> tuple[str, list[tuple]]:  # noqa: ANN001
    model, conn = towns
    result = engine_reads(model, question)
    return result.sql, conn.execute(result.sql).fetchall()


def _gold(towns, sql: str) -> list[tuple]:  # noqa: ANN001
    return towns[1].execute(sql).fetchall()


PER_REGION = """SELECT r.RegionId, r.Region, COUNT(*) FROM Cities c JOIN Regions r
    ON r.RegionId = c.RegionId GROUP BY r.RegionId"""


@pytest.mark.parametrize(
    "question",
    [
        "For each region, list its id, name and how many cities it has.",
        "How many cities does each region have? List the region id, region name and the number.",
        "Para cada región, indica su id, su nombre y cuántas ciudades tiene.",
        "What are the region name, id and the number of cities corresponding to each region?",
    ],
)
def test_name_and_id_are_the_label_and_key_of_the_table_they_are_said_of(towns, question):
    """ "name" and "id" asked back when no column is called so (`Region`, `RegionId`): they are
    the label and the key of the table they are said of (next to it, "of" it, or "its")."""
    _sql, got = _answer(towns, question)
    assert _same_rows(got, _gold(towns, PER_REGION))


def test_names_and_ids_of_a_table_are_its_label_and_key_columns(towns):
    for question in (
        "What are the names and ids of all cities in the north region?",
        "¿Cuáles son los nombres y los ids de las ciudades de la región north?",
    ):
        sql, got = _answer(towns, question)
        gold = _gold(
            towns,
            "SELECT CityName, CityId FROM Cities JOIN Regions USING (RegionId)"
            " WHERE Region = 'north'",
        )
        assert _same_rows(got, gold), sql


def test_a_name_said_of_something_that_is_no_table_is_asked_back(towns):
    """ "el nombre del género": the word after "of" is not a table, so "name" is not guessed
    from another table of the question (and "género" is a noun there, not "generó")."""
    model, _conn = towns
    result = interpret("¿Cuál es el nombre del género de la ciudad Springfield?", model)
    assert result.route == "CLARIFY"
    assert "género" in result.clarify


@pytest.mark.parametrize(
    "question",
    [
        "What are the population and area of Springfield?",
        "¿Cuál es la población y la superficie de Springfield?",
    ],
)
def test_a_column_in_two_tables_is_taken_from_the_table_the_question_is_about(towns, question):
    """`Population` is a column of regions and of cities: the city named decides (it was the
    first table in alphabetical order, joined and summed)."""
    sql, got = _answer(towns, question)
    assert "Regions" not in sql
    assert _same_rows(got, _gold(towns, "SELECT Population, Area FROM Cities WHERE CityId = 1"))


def test_spanish_data_words_find_an_english_schema(towns):
    """With only an English schema, "población", "ciudad", "hoteles" were not understood."""
    for question, gold in (
        ("¿Cuál es la población total de las ciudades?", "SELECT SUM(Population) FROM Cities"),
        ("¿Cuántos hoteles hay?", "SELECT COUNT(*) FROM Hotels"),
    ):
        sql, got = _answer(towns, question)
        assert _same_rows(got, _gold(towns, gold)), sql


@pytest.mark.parametrize(
    "question",
    [
        "What is the maximum rooms for each number of stars?",
        "¿Cuál es el máximo de rooms para cada número de stars?",
    ],
)
def test_each_number_of_a_numeric_column_groups_by_it(towns, question):
    """ "for each number of stars" summed the stars and dropped "each": it groups by them."""
    sql, got = _answer(towns, question)
    assert "GROUP BY" in sql
    gold = _gold(towns, "SELECT Stars, MAX(Rooms) FROM Hotels GROUP BY Stars")
    assert _same_rows(got, gold)


def test_a_measure_said_after_the_superlative_is_measured_on_its_own_table(towns):
    """ "the 2 cities with the most population": the implied fact count was replaced by the
    population, but the query stayed on the fact table (hotels), multiplying it."""
    sql, got = _answer(towns, "What are the names of the 2 cities with the most population?")
    assert "Hotels" not in sql
    names = sorted(r[0] for r in got)
    assert names == ["Capital City", "Springfield"]


@pytest.mark.parametrize(
    ("question", "gold"),
    [
        (
            "How many different last names do the guests have?",
            "SELECT COUNT(DISTINCT LastName) FROM Guests",
        ),
        (
            "Count the number of different guest last names.",
            "SELECT COUNT(DISTINCT LastName) FROM Guests",
        ),
        (
            "How many different types of board are there?",
            "SELECT COUNT(DISTINCT BoardType) FROM Guests",
        ),
        (
            "How many different cities do the hotels have?",
            "SELECT COUNT(DISTINCT CityId) FROM Hotels",
        ),
        (
            "¿Cuántos apellidos diferentes tienen los guests?",
            "SELECT COUNT(DISTINCT LastName) FROM Guests",
        ),
    ],
)
def test_how_many_different_x_counts_distinct_values(towns, question, gold):
    """ "different" was corrected to "difference" and read as a comparison (or answered a
    comparison confidently); "forms of government" named one column twice and grouped by it."""
    sql, got = _answer(towns, question)
    assert _same_rows(got, _gold(towns, gold)), sql


def test_different_numbers_of_a_numeric_column_group_by_it(towns):
    sql, got = _answer(towns, "What is the maximum rooms for different number of stars?")
    assert _same_rows(got, _gold(towns, "SELECT Stars, MAX(Rooms) FROM Hotels GROUP BY Stars"))


@pytest.mark.parametrize(
    "question",
    [
        "What is the full name of the guests on half board?",
        "¿Cuál es el nombre completo de los guests con half board?",
    ],
)
def test_a_full_name_is_the_first_and_last_name_of_the_table_it_is_said_of(towns, question):
    """ "full name" was asked back: it is the first and last name columns (here of guests, not
    of managers, which have them too)."""
    sql, got = _answer(towns, question)
    gold = _gold(
        towns,
        "SELECT FirstName, LastName FROM Guests WHERE BoardType = 'half board'",
    )
    assert _same_rows(got, gold), sql
    assert "Managers" not in sql


def test_spanish_request_verbs_are_not_schema_words(towns):
    """ "Devuelve"/"Halla" (return, find) were asked back as words of the data."""
    for question in ("Devuelve los nombres de las regiones.", "Halla los nombres de las regiones."):
        sql, got = _answer(towns, question)
        assert _same_rows(got, _gold(towns, "SELECT Region FROM Regions")), sql


def test_a_comparison_without_a_number_is_never_a_superlative(towns):
    """ "mayor que la población media" was read as "la mayor" (ordered by the average):
    a comparative with no number after it is asked back, naming it."""
    model, _conn = towns
    question = "Halla el número de hoteles de cada ciudad cuyas rooms son mayores que la media."
    result = interpret(question, model)
    assert result.route == "CLARIFY", result.sql
    assert "mayores que" in result.clarify
