"""Issue 13, superlatives said in words the parser read another way (pure tests).

Two small hiking clubs of their own, one named in English and one in Spanish: trails with a
length, an elevation gain and a climb time, in a few regions, and the club's hikers. Each test
names the kind of question it covers.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_superl.py
"""

from __future__ import annotations

import sqlite3

import pytest

from apps.chat.engine.offline import interpret
from apps.chat.engine.offline import lexicon as lx
from apps.chat.engine.offline.superlatives import read_superlatives
from apps.chat.tests.support import engine_model, engine_reads

REGIONS = [(1, "Asturias"), (2, "Galicia")]
# (id, name, region, length, elevation, climb time)
TRAILS = [
    (1, "pine ridge", 1, 12, 900, 4.5),
    (2, "lake loop", 1, 5, 120, 1.5),
    (3, "eagle peak", 2, 9, 1400, 6.0),
    (4, "river walk", 2, 3, 40, 0.8),
    (5, "fox trail", 1, 7, 300, 2.2),
]
# (id, first name, last name, city, section): the sections have no name, only a number
HIKERS = [
    (1, "ana", "lopez", "leon", 1),
    (2, "luis", "garcia", "soria", 2),
    (3, "ana", "perez", "leon", 2),
    (4, "marta", "lopez", "avila", 2),
    (5, "ana", "lopez", "soria", 1),
    (6, "luis", "diaz", "leon", 2),
]
SECTIONS = [(1, 1990), (2, 2005)]
# (id, hiker, trail, date): the club's fact table, so the trails are a table of their own
HIKES = [(n, n % 6 + 1, n % 5 + 1, f"2024-0{n % 9 + 1}-1{n % 7}") for n in range(1, 13)]

ENGLISH = """
CREATE TABLE regions (region_id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE trails (trail_id INTEGER PRIMARY KEY, name TEXT,
    region_id INTEGER REFERENCES regions(region_id), length INTEGER, elevation INTEGER,
    climb_time REAL);
CREATE TABLE sections (section_id INTEGER PRIMARY KEY, founded INTEGER);
CREATE TABLE hikers (hiker_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT, city TEXT,
    section_id INTEGER REFERENCES sections(section_id));
CREATE TABLE hikes (hike_id INTEGER PRIMARY KEY, hiker_id INTEGER REFERENCES hikers(hiker_id),
    trail_id INTEGER REFERENCES trails(trail_id), hike_date DATE);
"""
SPANISH = """
CREATE TABLE regiones (region_id INTEGER PRIMARY KEY, nombre TEXT);
CREATE TABLE senderos (sendero_id INTEGER PRIMARY KEY, nombre TEXT,
    region_id INTEGER REFERENCES regiones(region_id), longitud INTEGER, desnivel INTEGER,
    tiempo_subida REAL);
CREATE TABLE secciones (seccion_id INTEGER PRIMARY KEY, fundada INTEGER);
CREATE TABLE excursionistas (excursionista_id INTEGER PRIMARY KEY, nombre TEXT, apellido TEXT,
    ciudad TEXT, seccion_id INTEGER REFERENCES secciones(seccion_id));
CREATE TABLE salidas (salida_id INTEGER PRIMARY KEY,
    excursionista_id INTEGER REFERENCES excursionistas(excursionista_id),
    sendero_id INTEGER REFERENCES senderos(sendero_id), fecha DATE);
"""


def _club(path, ddl: str, tables: tuple[str, ...]):  # noqa: ANN001, ANN202
    conn = sqlite3.connect(path)
    conn.executescript(ddl)
    regions, trails, sections, hikers, hikes = tables
    conn.executemany(f"INSERT INTO {sections} VALUES (?, ?)", SECTIONS)
    conn.executemany(f"INSERT INTO {regions} VALUES (?, ?)", REGIONS)
    conn.executemany(f"INSERT INTO {trails} VALUES (?, ?, ?, ?, ?, ?)", TRAILS)
    conn.executemany(f"INSERT INTO {hikers} VALUES (?, ?, ?, ?, ?)", HIKERS)
    conn.executemany(f"INSERT INTO {hikes} VALUES (?, ?, ?, ?)", HIKES)
    conn.commit()
    conn.close()
    model = engine_model(path)
    return model, sqlite3.connect(f"file:{path}?mode=ro", uri=True)


@pytest.fixture(scope="module")
def club(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = _club(
        tmp_path_factory.mktemp("club") / "club.db",
        ENGLISH,
        ("regions", "trails", "sections", "hikers", "hikes"),
    )
    yield model, conn
    conn.close()


@pytest.fixture(scope="module")
def grupo(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = _club(
        tmp_path_factory.mktemp("grupo") / "grupo.db",
        SPANISH,
        ("regiones", "senderos", "secciones", "excursionistas", "salidas"),
    )
    yield model, conn
    conn.close()


def answer(model, conn, question: str) -> list[tuple]:  # noqa: ANN001
    result = engine_reads(model, question)
    return conn.execute(result.sql).fetchall()


# --- the mode of a column --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "question", "mode"),
    [
        ("club", "What is the most common first name of the hikers?", "ana"),
        ("club", "Return the most popular city among all hikers.", "leon"),
        ("club", "Which is the most frequent last name among the hikers?", "lopez"),
        ("grupo", "¿Cuál es el nombre más común entre los excursionistas?", "ana"),
        ("grupo", "Devuelve la ciudad más frecuente de todos los excursionistas.", "leon"),
    ],
)
def test_the_most_common_column_of_a_table_is_its_mode(request, fixture, question, mode):
    """ "the most common/popular/frequent <column> of/among <table>" was asked back on
    "common"/"popular"/"among": it is the value with the most rows of that table."""
    model, conn = request.getfixturevalue(fixture)
    rows = answer(model, conn, question)
    assert len(rows) == 1
    assert rows[0][0] == mode


def test_the_most_common_full_name_groups_both_name_columns(club):
    """ "full name" is read as the first and last name: the mode is over the pair."""
    model, conn = club
    rows = answer(model, conn, "What is the most popular full name of the hikers?")
    assert len(rows) == 1
    assert {"ana", "lopez"} <= set(rows[0])


def test_the_most_common_column_without_its_table_is_left_alone(club):
    """Without a table after it ("of the regions" does not own the city), the words stay and
    are asked back as before, never guessed."""
    model, _conn = club
    tokens = lx.tokenize("What is the most common city of the regions?", "en")
    assert read_superlatives(model, tokens) == tokens
    assert interpret("What is the most common city of the regions?", model).route == "CLARIFY"


# --- size adjectives before (en) or after (es) a column ---------------------------------------


@pytest.mark.parametrize(
    ("fixture", "question", "name"),
    [
        ("club", "What is the name of the trail with the shortest climb time?", "river walk"),
        ("club", "Which trail has the longest climb time in Asturias?", "pine ridge"),
        ("grupo", "¿Cuál es el sendero con el tiempo de subida más corto?", "river walk"),
        ("grupo", "¿Qué sendero tiene el tiempo de subida más largo de Asturias?", "pine ridge"),
        ("grupo", "¿Cuál es el sendero con el desnivel más bajo?", "river walk"),
    ],
)
def test_a_size_adjective_next_to_a_column_orders_that_column(request, fixture, question, name):
    """ "the shortest life expectancy" was asked back on "length" (the adjective was read as a
    column called length); "la esperanza de vida más baja" counted the rows per name."""
    model, conn = request.getfixturevalue(fixture)
    rows = answer(model, conn, question)
    assert len(rows) == 1
    assert rows[0][0] == name


def test_a_size_adjective_alone_still_names_the_length(club):
    """ "the longest trail": no column after the adjective, the length column is ranked."""
    model, conn = club
    assert answer(model, conn, "Which trail is the longest?")[0][0] == "pine ridge"


# --- a filler noun of quantity ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("What is the name of the trail with the smallest amount of elevation?", "river walk"),
        ("Which trail has the largest quantity of elevation?", "eagle peak"),
    ],
)
def test_an_amount_of_a_column_is_that_column(club, question, name):
    """ "the smallest amount of horsepower" was asked back on "amount"."""
    model, conn = club
    rows = answer(model, conn, question)
    assert len(rows) == 1
    assert rows[0][0] == name


def test_an_amount_of_a_column_without_the_rows_it_singles_out_is_left_alone(club):
    """ "the largest amount of X for the models": no row said with it, the words stay."""
    model, _conn = club
    tokens = lx.tokenize("What is the largest amount of elevation for the trails?", "en")
    assert read_superlatives(model, tokens) == tokens


# --- several columns shown with the row a superlative picks ------------------------------------


@pytest.mark.parametrize(
    ("fixture", "question"),
    [
        ("club", "What are the name and climb time of the trail with the largest elevation?"),
        (
            "club",
            "What are the length, name and climb time of the trail with the largest elevation?",
        ),
        ("grupo", "¿Cuáles son el nombre y el tiempo de subida del sendero con mayor desnivel?"),
    ],
)
def test_numeric_columns_listed_before_a_superlative_are_shown(request, fixture, question):
    """ "the population, name and leader of the country with the largest area" was asked back
    on "population" (it was replaced by the ranked column, then found unused)."""
    model, conn = request.getfixturevalue(fixture)
    rows = answer(model, conn, question)
    assert len(rows) == 1
    assert "eagle peak" in rows[0]
    assert 6.0 in rows[0]  # the climb time shown
    # the elevation only ranks the rows: the columns shown are the ones listed (branch h-cols)
    assert 1400 not in rows[0]
    assert len(rows[0]) == question.count(",") + 2


def test_a_column_listed_and_ranked_is_shown_once(club):
    """ "the name and climb time of the trail with the longest climb time": one column."""
    model, conn = club
    question = "What are the name and climb time of the trail with the highest climb time?"
    result = interpret(question, model)
    assert result.route == "SQL", result.clarify
    assert conn.execute(result.sql).fetchall() == [("eagle peak", 6.0)]


# --- a table with no label is named by its key ----------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "question"),
    [
        ("club", "Which section has the most hikers?"),
        ("club", "Return the id of the section with the most hikers."),
        ("grupo", "¿Qué sección tiene más excursionistas?"),
    ],
)
def test_a_table_without_a_label_is_grouped_by_its_key(request, fixture, question):
    """ "Which store has the most customers?" on `store(store_id, …)` was asked back on
    "store": a table with no name column is grouped by its one-column key."""
    model, conn = request.getfixturevalue(fixture)
    rows = answer(model, conn, question)
    assert len(rows) == 1
    assert rows[0][0] == 2  # section 2 has 4 of the 6 hikers


# --- a number before the rows a superlative picks --------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "question"),
    [
        ("club", "Return the names of the 2 trails with the largest elevation."),
        ("grupo", "¿Cuáles son los nombres de los 2 senderos con mayor desnivel?"),
    ],
)
def test_a_number_before_the_rows_ranked_by_a_column_is_the_limit(request, fixture, question):
    """ "the names of the 3 countries with the largest population" was asked back on "3"."""
    model, conn = request.getfixturevalue(fixture)
    assert answer(model, conn, question) == [("eagle peak",), ("pine ridge",)]
