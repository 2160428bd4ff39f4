"""Issue 13, the answer table shows the columns the question asks for (pure tests, no Django).

A measure said only to rank the rows or to keep them is not a column when the question names
what to show (a name or id word, another measure, a column said "of" the rows it singles out);
a grouping column a filter fixes to one value is not a column either. Without such words
("which region has the most cities?") the measure stays: it is part of the answer.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_cols.py
"""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest

from apps.chat.engine.narrate import narrate
from apps.chat.engine.offline import interpret
from apps.chat.engine.offline.shown import drop_constant_dimensions
from apps.chat.engine.plan import ColumnRef, Filter, MetricRef, QueryPlan
from apps.chat.tests.support import engine_model, engine_reads


@pytest.fixture(scope="module")
def isles(tmp_path_factory):  # noqa: ANN001, ANN201
    path = tmp_path_factory.mktemp("isles") / "isles.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE Regions (RegionId INTEGER PRIMARY KEY, Region TEXT);
        CREATE TABLE Cities (CityId INTEGER PRIMARY KEY, CityName TEXT, District TEXT,
            RegionId INTEGER REFERENCES Regions(RegionId), Population INTEGER, Area REAL);
        INSERT INTO Regions VALUES (1, 'north'), (2, 'south'), (3, 'east');
        INSERT INTO Cities VALUES (1, 'Springfield', 'Old Town', 1, 120000, 80.5),
            (2, 'Shelbyville', 'Harbour', 1, 60000, 40.0),
            (3, 'Ogdenville', 'Old Town', 2, 30000, 22.5),
            (4, 'Capital City', 'Downtown', 2, 700000, 300.0),
            (5, 'North Haverbrook', 'Harbour', 1, 9000, 12.0),
            (6, 'Brockway', 'Downtown', 3, 4000, 9.0);
        CREATE TABLE Visits (VisitId INTEGER PRIMARY KEY, CityId INTEGER
            REFERENCES Cities(CityId), VisitDate DATE, Spend REAL);
        INSERT INTO Visits VALUES (1, 1, '2024-01-05', 10.0), (2, 1, '2024-02-05', 20.0),
            (3, 4, '2024-03-05', 5.0);
        """
    )
    conn.commit()
    conn.close()
    model = engine_model(path)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    yield model, conn
    conn.close()


def _rows(isles, question: str) -> list[tuple]:  # noqa: ANN001
    model, conn = isles
    result = engine_reads(model, question)
    return conn.execute(result.sql).fetchall()


def _same(got: list[tuple], gold: list[tuple]) -> bool:
    return Counter(tuple(sorted(map(repr, r))) for r in got) == Counter(
        tuple(sorted(map(repr, r))) for r in gold
    )


@pytest.mark.parametrize(
    ("question", "gold"),
    [
        # ranked by a count of related rows: only the name asked for
        ("What is the name of the region with the most cities?", [("north",)]),
        ("¿Cuál es el nombre de la región con más ciudades?", [("north",)]),
        # kept by a count (HAVING): only the names and ids asked for
        ("What are the names of the regions with at least 2 cities?", [("north",), ("south",)]),
        (
            "¿Cuáles son los nombres de las regiones con al menos 2 ciudades?",
            [("north",), ("south",)],
        ),
        ("List the names and ids of regions with at least 2 cities.", [("north", 1), ("south", 2)]),
        # the rows themselves ranked by a column of theirs
        (
            "What are the names of the 2 cities with the largest population?",
            [("Capital City",), ("Springfield",)],
        ),
        (
            "¿Cuáles son los nombres de las 2 ciudades con mayor población?",
            [("Capital City",), ("Springfield",)],
        ),
        ("Return the names of the 2 most populated cities.", [("Capital City",), ("Springfield",)]),
    ],
)
def test_a_measure_said_only_to_rank_or_keep_is_not_a_column(isles, question, gold):  # noqa: ANN001
    assert _same(_rows(isles, question), gold), question


@pytest.mark.parametrize(
    ("question", "width"),
    [
        # no name or id word: the measure that ranks is part of the answer (the demo's golds)
        ("Which region has the most cities?", 2),
        ("¿Qué región tiene más ciudades?", 2),
        ("Regions with at least 2 cities", 2),
        # asked for: listed next to the names
        ("What are the names and areas of the 2 cities with the largest area?", 2),
    ],
)
def test_a_measure_the_question_asks_for_stays_a_column(isles, question, width):  # noqa: ANN001
    rows = _rows(isles, question)
    assert rows and len(rows[0]) == width, (question, rows)


def test_a_column_and_its_name_word_are_one_column(isles):  # noqa: ANN001
    """ "the district name": District has no table of its own, the word names its values."""
    rows = _rows(isles, "What is the district name of the city Springfield?")
    assert _same(rows, [("Old Town",)])


@pytest.mark.parametrize(
    ("question", "gold"),
    [
        ("What is the area of the city Springfield?", [(80.5,)]),
        ("¿Cuál es la población de la ciudad Springfield?", [(120000,)]),
    ],
)
def test_a_property_of_a_named_row_comes_without_the_label(isles, question, gold):  # noqa: ANN001
    """ "the area of the city Springfield": the city is said, its area is the answer."""
    assert _same(_rows(isles, question), gold), question


def test_the_narration_names_the_rows_when_the_measure_is_not_a_column(isles):  # noqa: ANN001
    model, conn = isles
    result = interpret("What is the name of the region with the most cities?", model)
    assert result.plan.hidden_metrics == (0,)
    assert "number of" in result.reading.lower()  # the reading still says what ranked them
    rows = [list(r) for r in conn.execute(result.sql).fetchall()]
    text = narrate(result.plan, ["Region"], rows, lang="en", row_count=1, truncated=False)
    assert "north" in text


def test_a_grouping_column_fixed_to_one_value_is_not_a_column():
    plan = QueryPlan(
        table="Cities",
        metrics=(MetricRef("count:Cities", "number of cities", "count", "n_cities"),),
        dimensions=(ColumnRef("Cities", "District"), ColumnRef("Cities", "RegionId")),
        filters=(Filter("Cities", "District", "=", ("Harbour",)),),
    )
    assert drop_constant_dimensions(plan).dimensions == (ColumnRef("Cities", "RegionId"),)
    several = plan.with_changes(filters=(Filter("Cities", "District", "in", ("A", "B")),))
    assert drop_constant_dimensions(several).dimensions == plan.dimensions


@pytest.mark.parametrize(
    ("question", "gold"),
    [
        # "the mean X" is the average, not "what does X mean?" (sent to the documents)
        ("Give the mean area of the cities.", [(77.33333333333333,)]),
        # "are considered", "pertenecen": the link of the filter, not a word to ask about
        ("Give the mean area of cities which are considered Harbour district.", [(26.0,)]),
        (
            "¿Cuál es la población media de las ciudades que pertenecen al distrito Harbour?",
            [(34500.0,)],
        ),
    ],
)
def test_the_mean_of_a_measure_is_data_not_documentation(isles, question, gold):  # noqa: ANN001
    assert _same(_rows(isles, question), gold), question


def test_what_a_word_means_is_still_a_documentation_question(isles):  # noqa: ANN001
    assert interpret("What does area mean?", isles[0]).route == "RAG"


@pytest.fixture(scope="module")
def nations(tmp_path_factory):  # noqa: ANN001, ANN201
    """A named table that is also the fact table (foreign keys and a date)."""
    path = tmp_path_factory.mktemp("nations") / "nations.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE Continents (ContId INTEGER PRIMARY KEY, Continent TEXT);
        CREATE TABLE Nations (NationId INTEGER PRIMARY KEY, Name TEXT, ContId INTEGER
            REFERENCES Continents(ContId), Founded DATE, Population INTEGER, Area REAL);
        INSERT INTO Continents VALUES (1, 'Europe'), (2, 'Asia');
        INSERT INTO Nations VALUES (1, 'Aland', 1, '1920-01-01', 30000, 1.5),
            (2, 'Borduria', 1, '1960-05-01', 900000, 20.0),
            (3, 'Cathay', 2, '1955-01-01', 5000000, 90.0);
        """
    )
    conn.commit()
    conn.close()
    model = engine_model(path)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    yield model, conn
    conn.close()


@pytest.mark.parametrize(
    ("question", "gold"),
    [
        ("Give the names of the nations in Europe.", [("Aland",), ("Borduria",)]),
        ("¿Cuáles son los nombres de las naciones de Europa?", [("Aland",), ("Borduria",)]),
        ("What are the names and ids of the nations in Europe?", [("Aland", 1), ("Borduria", 2)]),
    ],
)
def test_name_words_list_those_columns_of_a_named_fact_table(nations, question, gold):  # noqa: ANN001
    assert nations[0].fact == "Nations"
    assert _same(_rows(nations, question), gold), question
