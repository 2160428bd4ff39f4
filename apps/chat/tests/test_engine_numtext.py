"""Issue 13, numeric comparisons the engine asked back: numbers stored as text, comparisons with
other rows ("than any city in Europe", "than the city with the largest area"), above/below the
average said other ways, place adjectives ("European", "europeas") (pure tests).

Two small atlases of their own, one named in English and one in Spanish: cities with a
population, an area written as text ('95', '150', 'null', as a CSV load leaves it), a postal
code of digits (a code, not a quantity) and a continent. Each test names the kind of question.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_numtext.py
"""

from __future__ import annotations

import sqlite3

import pytest

from apps.chat.engine.offline import build_semantic_model, interpret, sqlgen
from apps.chat.tests.support import engine_model
from apps.knowledge.engine import introspection
from apps.knowledge.engine.catalog import CatalogSnapshot

# (id, name, population, area as text, postal code, continent)
CITIES = [
    (1, "Lyon", 500, "95", "69001", "Europe"),
    (2, "Porto", 230, "41", "4000", "Europe"),
    (3, "Osaka", 2700, "225", "5300", "Asia"),
    (4, "Kobe", 1500, "557", "6500", "Asia"),
    (5, "Lagos", 9000, "1171", "1000", "Africa"),
    (6, "Accra", 2300, "null", "2330", "Africa"),
    (7, "Turin", 870, "130", "10100", "Europe"),
    (8, "Sendai", 1000, "786", "9800", "Asia"),
]

ENGLISH = """
CREATE TABLE cities (CityId INTEGER PRIMARY KEY, Name TEXT, Population INTEGER, Area TEXT,
    PostalCode TEXT, Continent TEXT);
"""
SPANISH = """
CREATE TABLE ciudades (ciudad_id INTEGER PRIMARY KEY, nombre TEXT, poblacion INTEGER,
    superficie TEXT, codigo_postal TEXT, continente TEXT);
"""


def _atlas(path, ddl: str, table: str, dialect: str = "sqlite"):  # noqa: ANN001, ANN202
    conn = sqlite3.connect(path)
    conn.executescript(ddl)
    conn.executemany(f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?)", CITIES)
    conn.commit()
    conn.close()
    found, fks, _counts = introspection.introspect_sqlite(path)
    model = build_semantic_model(CatalogSnapshot(dialect, tuple(found), tuple(fks)))
    return model, sqlite3.connect(f"file:{path}?mode=ro", uri=True)


@pytest.fixture(scope="module")
def atlas(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = _atlas(tmp_path_factory.mktemp("atlas") / "atlas.db", ENGLISH, "cities")
    yield model, conn
    conn.close()


@pytest.fixture(scope="module")
def atlas_es(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = _atlas(tmp_path_factory.mktemp("atlas_es") / "atlas.db", SPANISH, "ciudades")
    yield model, conn
    conn.close()


def _rows(fixture, question: str) -> list[tuple]:  # noqa: ANN001
    model, conn = fixture
    result = interpret(question, model)
    assert result.route == "SQL", (question, result.clarify)
    return conn.execute(result.sql).fetchall()


def _names(rows: list[tuple]) -> set[str]:
    return {row[0] for row in rows}


# --- numbers stored as text --------------------------------------------------------------------


def test_a_text_column_of_numbers_is_a_number_and_a_code_of_digits_is_not(atlas, atlas_es):
    for fixture, area, code in (
        (atlas, ("cities", "Area"), ("cities", "PostalCode")),
        (atlas_es, ("ciudades", "superficie"), ("ciudades", "codigo_postal")),
    ):
        model, _conn = fixture
        assert model.column(*area).kind == "number"
        assert model.column(*area).numeric_text
        assert model.column(*code).kind == "text"
        assert not model.column(*code).numeric_text


@pytest.mark.parametrize(
    ("fixture", "question"),
    [
        ("atlas", "How many cities have an area greater than 200?"),
        ("atlas", "What is the number of cities with area more than 200?"),
        ("atlas_es", "¿Cuántas ciudades tienen una superficie mayor que 200?"),
    ],
)
def test_a_comparison_on_numbers_stored_as_text_compares_numbers(request, fixture, question):
    # as text '95' > '200' and 'null' > '200': only 225, 557, 1171 and 786 are larger
    assert _rows(request.getfixturevalue(fixture), question) == [(4,)]


@pytest.mark.parametrize(
    ("fixture", "question"),
    [
        ("atlas", "What is the average area of the cities?"),
        ("atlas_es", "¿Cuál es la superficie media de las ciudades?"),
    ],
)
def test_an_average_of_numbers_stored_as_text_leaves_out_the_missing_ones(
    request, fixture, question
):
    ((average,),) = _rows(request.getfixturevalue(fixture), question)
    assert average == pytest.approx((95 + 41 + 225 + 557 + 1171 + 130 + 786) / 7)


@pytest.mark.parametrize(
    ("fixture", "question"),
    [
        ("atlas", "What is the maximum area of the cities?"),
        ("atlas_es", "¿Cuál es la superficie máxima de las ciudades?"),
    ],
)
def test_the_largest_number_stored_as_text_is_the_largest_number(request, fixture, question):
    # as text, '95' is the largest
    assert _rows(request.getfixturevalue(fixture), question) == [(1171.0,)]


@pytest.mark.parametrize(
    ("dialect", "cast"),
    [
        ("postgres", "AS DOUBLE PRECISION"),
        ("mariadb", "AS DOUBLE"),
        ("duckdb", "TRY_CAST"),
        ("sqlite", "AS REAL"),
    ],
)
def test_numbers_stored_as_text_are_cast_safely_in_every_dialect_and_pass_the_guard(
    tmp_path, dialect, cast
):
    """A plain CAST fails on 'null' in PostgreSQL: every dialect casts only what is a number,
    with no regular expression (the guard allows none), and the guard lets the query through."""
    from apps.governance.engine.guard import guard_sql
    from apps.governance.engine.policy import DataPolicy

    model, conn = _atlas(tmp_path / "atlas.db", SPANISH, "ciudades", dialect=dialect)
    conn.close()
    policy = DataPolicy(
        role="ANALYST",
        can_query=True,
        allowed_tables=frozenset({"ciudades"}),
        masked_columns=frozenset(),
    )
    for question in (
        "¿Cuántas ciudades tienen una superficie mayor que 200?",
        "¿Cuál es la superficie media de las ciudades?",
        "¿Cuántas ciudades tienen una población mayor que la de la ciudad con la mayor superficie?",
    ):
        result = interpret(question, model)
        assert result.route == "SQL", question
        assert cast in result.sql
        guard_sql(result.sql, dialect=dialect, schema=model.catalog.schema_mapping(), policy=policy)


@pytest.mark.parametrize(
    ("text", "number"),
    [("130", 130.0), (" 41 ", 41.0), ("-2.5", -2.5), ("0.75", 0.75), ("7.", 7.0)],
)
def test_the_portable_number_check_keeps_numbers(text, number):
    """The PostgreSQL and MariaDB check (REPLACE, TRIM, LENGTH, LIKE) reads the same in SQLite."""
    sql = f"SELECT CASE WHEN {sqlgen._TEXT_NUMBER_CHECK} THEN CAST(TRIM({{c}}) AS REAL) END"
    count = sql.count("{c}")
    value = sqlite3.connect(":memory:").execute(sql.replace("{c}", "?"), [text] * count).fetchone()
    assert value == (number,)


@pytest.mark.parametrize("text", ["null", "", "-", ".", "1.2.3", "12-3", "n/a", "1e5", "--1"])
def test_the_portable_number_check_drops_what_is_no_number(text):
    sql = f"SELECT CASE WHEN {sqlgen._TEXT_NUMBER_CHECK} THEN 1 ELSE 0 END"
    count = sql.count("{c}")
    value = sqlite3.connect(":memory:").execute(sql.replace("{c}", "?"), [text] * count)
    assert value.fetchone() == (0,)


# --- comparisons with other rows ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "question", "expected"),
    [
        (
            "atlas",
            "Which cities have a larger population than any city in Europe?",
            {"Osaka", "Kobe", "Lagos", "Accra", "Sendai"},
        ),
        (
            "atlas",
            "What are the cities that have a population greater than that of every city in Asia?",
            {"Lagos"},
        ),
        (
            "atlas",
            "Which cities have a smaller population than any city in Asia?",
            {"Lyon", "Porto", "Turin"},
        ),
        (
            "atlas_es",
            "¿Qué ciudades tienen más población que cualquier ciudad de Europa?",
            {"Osaka", "Kobe", "Lagos", "Accra", "Sendai"},
        ),
        (
            "atlas_es",
            "¿Qué ciudades tienen una población menor que la de cualquier ciudad de Asia?",
            {"Lyon", "Porto", "Turin"},
        ),
    ],
)
def test_larger_than_any_of_a_group_is_larger_than_its_largest(
    request, fixture, question, expected
):
    assert _names(_rows(request.getfixturevalue(fixture), question)) == expected


@pytest.mark.parametrize(
    ("fixture", "question"),
    [
        ("atlas", "How many cities have a larger population than the city with the largest area?"),
        (
            "atlas",
            "What is the number of cities with a greater population than the one with the most "
            "area?",
        ),
        (
            "atlas_es",
            "¿Cuántas ciudades tienen una población mayor que la de la ciudad con la mayor "
            "superficie?",
        ),
    ],
)
def test_larger_than_the_row_a_superlative_picks(request, fixture, question):
    # the largest area is Lagos's (1171 as a number; '95' as text), population 9000: none
    # is larger; Accra's 'null' area ranks nowhere
    assert _rows(request.getfixturevalue(fixture), question) == [(0,)]


def test_smaller_than_the_row_a_superlative_picks(atlas):
    smaller = "How many cities have a smaller population than the city with the smallest area?"
    assert _rows(atlas, smaller) == [(0,)]  # Porto (41) has the smallest population too
    larger = "How many cities have a larger population than the city with the smallest area?"
    rows = _rows(atlas, larger)
    assert rows == [(7,)]


@pytest.mark.parametrize(
    "question",
    [
        "Which cities have a larger population than some city in Europe?",
        "Which cities have a larger population than any city?",
        "Which cities have a larger population than any planet in Europe?",
    ],
)
def test_a_comparison_with_other_rows_it_cannot_read_is_asked_back(atlas, question):
    model, _conn = atlas
    assert interpret(question, model).route != "SQL"


# --- above / below the average said other ways --------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "question"),
    [
        ("atlas", "Find the name of the cities whose population is below the average population."),
        ("atlas", "Which cities have a population smaller than the average?"),
        ("atlas_es", "¿Qué ciudades tienen una población más pequeña que la media?"),
    ],
)
def test_below_the_average_said_with_the_column_or_smaller_than(request, fixture, question):
    # mean population 2262.5: Lyon, Porto, Turin, Kobe, Sendai
    expected = {"Lyon", "Porto", "Turin", "Kobe", "Sendai"}
    assert _names(_rows(request.getfixturevalue(fixture), question)) == expected


# --- place adjectives and "qué <rows>" ----------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "question"),
    [
        ("atlas", "How many European cities are there?"),
        ("atlas", "How many Asian cities are there?"),
        ("atlas_es", "¿Cuántas ciudades europeas hay?"),
        ("atlas_es", "¿Cuántas ciudades asiáticas hay?"),
    ],
)
def test_a_place_adjective_is_its_value(request, fixture, question):
    assert _rows(request.getfixturevalue(fixture), question) == [(3,)]


def test_que_before_a_table_lists_its_rows(atlas_es):
    rows = _rows(atlas_es, "¿Qué ciudades tienen una población mayor que 2500?")
    assert _names(rows) == {"Osaka", "Lagos"}


# --- "the model of the car": the column of the rows said, not another table's rows --------------

GARAGE = """
CREATE TABLE models (model_id INTEGER PRIMARY KEY, model TEXT);
CREATE TABLE car_names (make_id INTEGER PRIMARY KEY, model TEXT REFERENCES models(model),
    make TEXT);
CREATE TABLE cars (car_id INTEGER PRIMARY KEY REFERENCES car_names(make_id), weight INTEGER);
INSERT INTO models VALUES (1, 'civic'), (2, 'golf'), (3, 'polo');
INSERT INTO car_names VALUES (1, 'civic', 'civic lx'), (2, 'civic', 'civic dx'),
    (3, 'golf', 'golf gti');
INSERT INTO cars VALUES (1, 2000), (2, 2100), (3, 3000);
"""


@pytest.mark.parametrize(
    "question",
    [
        "Find the model of the car whose weight is below 2500.",
        "Find the model of the car whose weight is below the average weight.",
    ],
)
def test_the_model_of_the_car_is_not_a_list_of_the_models_table(tmp_path, question):
    """ "model" names the models table and a column of car names, one row per car: said of
    the cars it is that column, never the distinct rows of the models table (a different
    answer: one row per model instead of one per car)."""
    path = tmp_path / "garage.db"
    conn = sqlite3.connect(path)
    conn.executescript(GARAGE)
    conn.close()
    model = engine_model(path)
    result = interpret(question, model)
    assert result.route != "SQL" or "models.model" not in result.sql.lower()


def test_a_comparison_with_other_rows_is_said_back(atlas, atlas_es):
    model, _conn = atlas
    group = interpret("Which cities have a larger population than any city in Europe?", model)
    assert "Population > MAX(Population) [Continent = Europe]" in group.reading
    row = "How many cities have a larger population than the city with the smallest area?"
    said = interpret(row, model).reading
    assert "Population > Population of the row with the smallest Area" in said
    model_es, _conn = atlas_es
    fila = (
        "¿Cuántas ciudades tienen una población mayor que la de la ciudad con la mayor superficie?"
    )
    assert "poblacion de la fila con mayor superficie" in interpret(fila, model_es).reading


def test_numbers_stored_as_text_run_on_postgresql_as_on_sqlite(tmp_path, atlas_es):
    """On a real PostgreSQL the safe cast leaves 'null' out instead of failing, and answers
    what SQLite answers (skipped when no PostgreSQL is reachable)."""
    import uuid
    from urllib.parse import urlparse

    psycopg = pytest.importorskip("psycopg")
    from apps.chat.tests.test_offline_engine import _postgres_url

    url = _postgres_url()
    if url is None:
        pytest.skip("PostgreSQL is not reachable")
    name = f"numtext_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        pg_model, conn = _atlas(tmp_path / "atlas.db", SPANISH, "ciudades", dialect="postgres")
        conn.close()
        lite_model, lite = atlas_es
        dsn = urlparse(url)._replace(path=f"/{name}").geturl()
        with psycopg.connect(dsn) as pg:
            pg.execute(SPANISH)
            with pg.cursor() as cursor:
                cursor.executemany("INSERT INTO ciudades VALUES (%s, %s, %s, %s, %s, %s)", CITIES)
            for question in (
                "¿Cuántas ciudades tienen una superficie mayor que 200?",
                "¿Cuál es la superficie media de las ciudades?",
                "¿Cuál es la superficie máxima de las ciudades?",
                "¿Cuántas ciudades tienen una población mayor que la de la ciudad con la mayor "
                "superficie?",
            ):
                got = pg.execute(interpret(question, pg_model).sql).fetchall()
                expected = lite.execute(interpret(question, lite_model).sql).fetchall()
                flat = [float(v) for row in got for v in row]
                assert flat == pytest.approx([float(v) for row in expected for v in row]), question
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
