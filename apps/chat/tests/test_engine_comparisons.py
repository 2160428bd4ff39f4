"""Issue 13, comparisons and ranges: numeric and date conditions on any schema (pure tests).

Two small garages of their own, one named in English and one in Spanish: cars with a weight,
a power, a number of cylinders and a plain integer year (no date column), made by makers of a
few countries. Each test names the kind of question it covers.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_comparisons.py
"""

from __future__ import annotations

import sqlite3

import pytest

from apps.chat.engine.offline import build_semantic_model, interpret
from apps.chat.tests.support import engine_model, engine_reads
from apps.knowledge.engine import introspection
from apps.knowledge.engine.catalog import CatalogSnapshot

# (id, model, maker, code, weight, power, cylinders, year)
CARS = [
    (1, "chevelle", 1, "150", 3504, 130, 8, 1970),
    (2, "skylark", 2, "165", 3693, 165, 8, 1970),
    (3, "corolla", 3, "150", 2130, 75, 4, 1971),
    (4, "civic", 4, "200", 1795, 53, 4, 1975),
    (5, "pinto", 5, "150", 2046, 86, 4, 1976),
    (6, "impala", 1, "220", 4354, 220, 8, 1979),
    (7, "accord", 4, "150", 2335, 72, 4, 1981),
    (8, "camry", 3, "175", 2720, 92, 4, 1983),
    (9, "mustang", 5, "150", 3139, 140, 6, 1983),
    (10, "tercel", 3, "150", 2050, 62, 4, 1984),
]
MAKERS = [(1, "chevrolet", 1), (2, "buick", 1), (3, "toyota", 2), (4, "honda", 2), (5, "ford", 1)]
COUNTRIES = [(1, "usa"), (2, "japan"), (3, "germany")]

ENGLISH = """
CREATE TABLE countries (CountryId INTEGER PRIMARY KEY, CountryName TEXT);
CREATE TABLE makers (MakerId INTEGER PRIMARY KEY, MakerName TEXT,
    CountryId INTEGER REFERENCES countries(CountryId));
CREATE TABLE cars (CarId INTEGER PRIMARY KEY, Model TEXT,
    MakerId INTEGER REFERENCES makers(MakerId), Code TEXT, Weight INTEGER,
    Horsepower INTEGER, Cylinders INTEGER, Year INTEGER);
"""
SPANISH = """
CREATE TABLE paises (pais_id INTEGER PRIMARY KEY, nombre TEXT);
CREATE TABLE fabricantes (fabricante_id INTEGER PRIMARY KEY, nombre TEXT,
    pais_id INTEGER REFERENCES paises(pais_id));
CREATE TABLE coches (coche_id INTEGER PRIMARY KEY, modelo TEXT,
    fabricante_id INTEGER REFERENCES fabricantes(fabricante_id), codigo TEXT, peso INTEGER,
    potencia INTEGER, cilindros INTEGER, anio INTEGER);
"""


def _garage(path, ddl: str, tables: tuple[str, str, str]):  # noqa: ANN001, ANN202
    conn = sqlite3.connect(path)
    conn.executescript(ddl)
    countries, makers, cars = tables
    conn.executemany(f"INSERT INTO {countries} VALUES (?, ?)", COUNTRIES)
    conn.executemany(f"INSERT INTO {makers} VALUES (?, ?, ?)", MAKERS)
    conn.executemany(f"INSERT INTO {cars} VALUES (?, ?, ?, ?, ?, ?, ?, ?)", CARS)
    conn.commit()
    conn.close()
    model = engine_model(path)
    return model, sqlite3.connect(f"file:{path}?mode=ro", uri=True)


@pytest.fixture(scope="module")
def garage(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = _garage(
        tmp_path_factory.mktemp("garage") / "garage.db", ENGLISH, ("countries", "makers", "cars")
    )
    yield model, conn
    conn.close()


@pytest.fixture(scope="module")
def taller(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = _garage(
        tmp_path_factory.mktemp("taller") / "taller.db",
        SPANISH,
        ("paises", "fabricantes", "coches"),
    )
    yield model, conn
    conn.close()


def answer(model, conn, question: str) -> list[tuple]:  # noqa: ANN001
    result = engine_reads(model, question)
    return sorted(conn.execute(result.sql).fetchall())


def models_where(condition: str) -> list[tuple]:
    return sorted((c[1],) for c in CARS if eval(condition, {}, {"w": c[4], "hp": c[5], "y": c[7]}))  # noqa: S307


# --- numbers compared ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "question"),
    [
        ("garage", "Which models have a weight between 2000 and 3000?"),
        ("garage", "What are the models whose weight is between 2000 and 3000?"),
        ("taller", "¿Qué modelos tienen un peso entre 2000 y 3000?"),
        ("taller", "¿Cuáles son los modelos con peso entre 2000 y 3000?"),
    ],
)
def test_a_range_of_numbers_is_two_comparisons_on_the_column_named(request, fixture, question):
    """ "between 160000 and 900000" was asked back naming the first number."""
    model, conn = request.getfixturevalue(fixture)
    got = answer(model, conn, question)
    assert [row[:1] for row in got] == models_where("2000 <= w <= 3000")


def test_a_number_after_a_comparison_is_a_number_not_a_text_value(garage):
    """'150' is also a value of a text column (Code): after "greater than" it is a number."""
    model, conn = garage
    got = answer(model, conn, "How many cars have a weight greater than 150?")
    assert got == [(len(CARS),)]
    got = answer(model, conn, "How many cars have a horsepower greater than 150?")
    assert got == [(2,)]


@pytest.mark.parametrize(
    ("fixture", "question"),
    [
        ("garage", "What are the cars whose weight is more than 3000?"),
        ("taller", "¿Cuáles son los coches con un peso mayor que 3000?"),
    ],
)
def test_what_are_the_rows_with_a_condition_lists_them_not_counts_them(request, fixture, question):
    """On a schema-only model whose fact table is the one asked about, "What are the cities
    whose population…" counted the cities."""
    model, conn = request.getfixturevalue(fixture)
    result = interpret(question, model)
    assert result.route == "SQL", result.clarify
    assert "COUNT(" not in result.sql.upper()
    assert len(conn.execute(result.sql).fetchall()) == len(models_where("w > 3000"))


def test_a_column_of_names_lists_rows_not_distinct_values(tmp_path):
    """Every text column is indexed now, so a column of names (hundreds of values) looked like a
    category: "the names of the cities that…" gave DISTINCT names, merging two cities."""
    path = tmp_path / "towns.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE regions (Code TEXT PRIMARY KEY, Name TEXT, Population INTEGER);
        CREATE TABLE towns (TownId INTEGER PRIMARY KEY, Name TEXT,
            RegionCode TEXT REFERENCES regions(Code), Population INTEGER);
        INSERT INTO regions VALUES ('N', 'North', 5000000), ('S', 'South', 7000000);
        """
    )
    towns = [(n, f"Town {n % 70}", "NS"[n % 2], 1000 * n) for n in range(1, 141)]
    conn.executemany("INSERT INTO towns VALUES (?, ?, ?, ?)", towns)
    conn.commit()
    conn.close()
    found, fks, _ = introspection.introspect_sqlite(path)
    model = build_semantic_model(CatalogSnapshot("sqlite", tuple(found), tuple(fks)))
    ro = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    result = interpret("Return the names of towns that have a population above 100000.", model)
    assert result.route == "SQL", result.clarify
    got = ro.execute(result.sql).fetchall()
    assert len(got) == sum(1 for t in towns if t[3] > 100000)


# --- a plain integer year column (no date) -----------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "question", "condition"),
    [
        ("garage", "How many cars were made before 1980?", "y < 1980"),
        ("garage", "How many cars after 1979?", "y > 1979"),
        ("garage", "In 1983, how many cars were made?", "y == 1983"),
        ("garage", "How many cars between 1971 and 1976?", "1971 <= y <= 1976"),
        ("taller", "¿Cuántos coches antes de 1980?", "y < 1980"),
        ("taller", "¿Cuántos coches después de 1979?", "y > 1979"),
        ("taller", "¿Cuántos coches hay en 1983?", "y == 1983"),
    ],
)
def test_a_time_on_a_table_without_dates_compares_its_year_column(
    request, fixture, question, condition
):
    """ "before 1980" on a table whose year is a plain integer asked back (no date)."""
    model, conn = request.getfixturevalue(fixture)
    assert answer(model, conn, question) == [(len(models_where(condition)),)]


@pytest.mark.parametrize(
    ("fixture", "question"),
    [
        ("garage", "What is the average weight of cars each year?"),
        ("garage", "average weight by year"),
        ("taller", "¿Cuál es el peso promedio por año?"),
        ("taller", "peso medio de cada año"),
    ],
)
def test_each_year_groups_by_the_year_column(request, fixture, question):
    """ "average weight of cars each year" asked back: no date to take the year of."""
    model, conn = request.getfixturevalue(fixture)
    got = answer(model, conn, question)
    years = sorted({c[7] for c in CARS})
    assert [row[0] for row in got] == years
    for year, value in got:
        weights = [c[4] for c in CARS if c[7] == year]
        assert value == pytest.approx(sum(weights) / len(weights))


def test_a_named_year_column_before_a_time_is_compared_not_added_up(tmp_path):
    """ "countries whose independence year is before 1930" summed the year column."""
    path = tmp_path / "nations.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE nations (Code TEXT PRIMARY KEY, Name TEXT, IndepYear INTEGER,
            Population INTEGER);
        INSERT INTO nations VALUES ('AA', 'Avalon', 1900, 10), ('BB', 'Borduria', 1950, 20),
            ('CC', 'Carpania', 1820, 30), ('DD', 'Dorne', NULL, 40);
        """
    )
    conn.commit()
    conn.close()
    found, fks, _ = introspection.introspect_sqlite(path)
    model = build_semantic_model(CatalogSnapshot("sqlite", tuple(found), tuple(fks)))
    ro = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    for question, expected in (
        ("How many nations have an indep year before 1930?", 2),
        ("How many nations with indep year after 1930?", 1),
    ):
        assert answer(model, ro, question) == [(expected,)], question


def test_an_average_over_years_of_a_count_is_asked_back_on_a_year_column(garage):
    """ "average number of cars per year" is a mean over years, not a mean within each: not
    done on a year column, asked back rather than grouped."""
    model, _conn = garage
    assert interpret("average number of cars per year", model).route == "CLARIFY"


# --- HAVING on counts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "question"),
    [
        ("garage", "Which countries have more than 2 makers?"),
        ("garage", "Which countries have at least 3 makers?"),
        ("taller", "¿Qué países tienen al menos 3 fabricantes?"),
        ("taller", "¿Qué países tienen más de 2 fabricantes?"),
    ],
)
def test_entities_that_have_more_than_n_rows_are_a_having_on_the_count(request, fixture, question):
    """ "Which countries have at least 3 cities?" asked which column the number applied to
    ("have", unlike "with", was not read as the count's verb)."""
    model, conn = request.getfixturevalue(fixture)
    result = interpret(question, model)
    assert result.route == "SQL", result.clarify
    assert "HAVING" in result.sql.upper()
    got = conn.execute(result.sql).fetchall()
    assert [row[0] for row in got] == ["usa"]


def test_a_text_column_that_has_more_than_n_rows_groups_them(garage):
    """ "Which districts have at least two addresses?": the entity is a column of the table
    counted, not a table."""
    model, conn = garage
    result = interpret("Which models have at least 2 cars?", model)
    assert result.route == "SQL", result.clarify
    assert "HAVING" in result.sql.upper()
    assert conn.execute(result.sql).fetchall() == []  # every model is one car


def test_a_counted_noun_read_as_two_tables_is_not_rewritten(garage):
    """ "countries with at least 3 car manufacturers" on a schema where "car" and
    "manufacturers" are two names: counting "car" would answer another question."""
    model, _conn = garage
    result = interpret("Which countries have at least 2 car makers?", model)
    assert result.route == "CLARIFY" or "makers" in result.sql


@pytest.mark.parametrize(
    ("fixture", "question"),
    [
        ("garage", "What is the average weight of the cars with 4 cylinders?"),
        ("taller", "¿Cuál es el peso medio de los coches con 4 cilindros?"),
    ],
)
def test_a_number_before_a_numeric_column_is_its_value(request, fixture, question):
    """ "cars with 4 cylinders" asked back naming "4"."""
    model, conn = request.getfixturevalue(fixture)
    weights = [c[4] for c in CARS if c[6] == 4]
    assert answer(model, conn, question) == [(pytest.approx(sum(weights) / len(weights)),)]


def test_the_largest_of_a_text_column_is_asked_back(garage):
    """ "which model has the largest horsepower" where horsepower is text: the column became a
    group and the models were ranked by a count, confidently; now asked back naming it."""
    model, _conn = garage
    result = interpret("For the cars with 4 cylinders, which model has the largest code?", model)
    assert result.route == "CLARIFY"
    assert ("word", "code") in {(u.kind, u.text) for u in result.unresolved}


@pytest.mark.parametrize(
    ("fixture", "question", "condition"),
    [
        ("garage", "Which models are lighter than 3000?", "w < 3000"),
        ("garage", "Which models are heavier than 3000?", "w > 3000"),
        (
            "garage",
            "Which models have a weight no less than 2000 and no more than 3000?",
            "2000 <= w <= 3000",
        ),
        ("taller", "¿Qué modelos son más ligeros que 3000?", "w < 3000"),
        ("taller", "¿Qué modelos son más pesados que 3000?", "w > 3000"),
    ],
)
def test_a_comparative_of_a_dimension_compares_the_column_named_by_it(
    request, fixture, question, condition
):
    """ "cars lighter than 3500" asked back naming "lighter" and "than"."""
    model, conn = request.getfixturevalue(fixture)
    assert answer(model, conn, question) == models_where(condition)


def test_heavier_than_the_average_compares_with_the_mean(garage):
    model, conn = garage
    mean = sum(c[4] for c in CARS) / len(CARS)
    got = answer(model, conn, "Which models are heavier than the average?")
    assert [row[0] for row in got] == [m for (m,) in models_where(f"w > {mean}")]


@pytest.mark.parametrize(
    ("fixture", "question"),
    [
        ("garage", "Which countries have 3 or more makers?"),
        ("taller", "¿Qué países tienen 3 o más fabricantes?"),
    ],
)
def test_n_or_more_is_at_least_n(request, fixture, question):
    """ "¿Qué países tienen 3 o más ciudades?" asked back naming "3"."""
    model, conn = request.getfixturevalue(fixture)
    result = interpret(question, model)
    assert result.route == "SQL", result.clarify
    assert [row[0] for row in conn.execute(result.sql).fetchall()] == ["usa"]


@pytest.mark.parametrize(
    ("fixture", "question"),
    [
        ("garage", "What is the maximum weight for each number of cylinders?"),
        ("taller", "¿Cuál es el peso máximo para cada número de cilindros?"),
    ],
)
def test_each_number_of_a_column_counts_nothing(request, fixture, question):
    """ "la aceleración máxima para cada número de cilindros" counted the cylinders: it
    groups by them (not done yet on a numeric column: asked back, never a count)."""
    model, _conn = request.getfixturevalue(fixture)
    result = interpret(question, model)
    assert result.route == "CLARIFY" or "COUNT(" not in result.sql.upper()


# --- the row with the largest or smallest value ---------------------------------------------------


@pytest.fixture(scope="module")
def regions(tmp_path_factory):  # noqa: ANN001, ANN201
    """Towns (the fact table: it has the key) in regions that have their own population; North
    has three towns, so a SUM per region over the towns triples its population."""
    path = tmp_path_factory.mktemp("regions") / "regions.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE regions (Code TEXT PRIMARY KEY, Name TEXT, Continent TEXT,
            Population INTEGER, LifeExpectancy REAL);
        CREATE TABLE towns (TownId INTEGER PRIMARY KEY, Name TEXT,
            RegionCode TEXT REFERENCES regions(Code), Population INTEGER);
        INSERT INTO regions VALUES ('N', 'North', 'Asia', 5000000, 70.5),
            ('S', 'South', 'Asia', 7000000, 60.0), ('E', 'East', 'Asia', 9000000, NULL),
            ('W', 'West', 'Europe', 1000000, 50.0);
        INSERT INTO towns VALUES (1, 'Aa', 'N', 10), (2, 'Bb', 'N', 20), (3, 'Cc', 'N', 30),
            (4, 'Dd', 'S', 40), (5, 'Ee', 'E', 50), (6, 'Ff', 'W', 60);
        """
    )
    # more towns than a category has values: their names are entities
    conn.executemany(
        "INSERT INTO towns VALUES (?, ?, 'W', 1)", [(n, f"Town {n}") for n in range(7, 70)]
    )
    conn.commit()
    conn.close()
    found, fks, _ = introspection.introspect_sqlite(path)
    model = build_semantic_model(CatalogSnapshot("sqlite", tuple(found), tuple(fks)))
    ro = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    yield model, ro
    ro.close()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Give the name of the region in Asia with the lowest life expectancy.", "South"),
        ("Which region in Asia has the highest life expectancy?", "North"),
        ("¿Qué región de Asia tiene la menor esperanza de vida?", None),
    ],
)
def test_the_row_with_the_lowest_value_is_ordered_not_summed(regions, question, expected):
    """ "the country in Asia with the lowest life expectancy" added the life expectancy up
    once per city joined, per country name; a row without the value is not the lowest."""
    model, conn = regions
    result = interpret(question, model)
    if expected is None:  # no Spanish names in this schema: asked back, never a SUM
        assert result.route == "CLARIFY" or "SUM(" not in result.sql.upper()
        return
    assert result.route == "SQL", result.clarify
    assert "SUM(" not in result.sql.upper()
    got = conn.execute(result.sql).fetchall()
    assert [row[0] for row in got] == [expected]


def test_a_number_before_a_superlative_is_the_limit(regions):
    """ "the 2 lowest life expectancies" kept one row: the "2" was taken for "1" by the
    coverage check's tolerance for "at least 3" read as "> 2"."""
    model, conn = regions
    result = interpret(
        "What are the names of the regions with the 2 lowest life expectancy?", model
    )
    assert result.route == "SQL", result.clarify
    assert [row[0] for row in conn.execute(result.sql).fetchall()] == ["West", "South"]


def test_a_parent_value_ranked_per_child_name_is_asked_back(regions):
    """ "the 3 most populated countries" with "names" read as the cities' names summed each
    country's population once per city name, confidently."""
    model, _conn = regions
    result = interpret("Return the names of the 2 most populated regions.", model)
    assert result.route == "CLARIFY" or "SUM(" not in result.sql.upper()
    ranked = interpret("the 2 most populated regions", model)
    assert ranked.route == "SQL" and "SUM(" not in ranked.sql.upper()
