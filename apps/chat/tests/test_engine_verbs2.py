"""Issue 13: verbs still asked back after the first verb rules (pure tests, no Django).

A verb that is a numeric column's own word ("cars *weighing* more than 3000", "coches que
*pesaron* menos de 3200") is that column when exactly one such column can be reached from the
tables the question names, and is asked back when two can. One small schema per language,
built here.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_verbs2.py
"""

from __future__ import annotations

import sqlite3

import pytest

from apps.chat.engine.offline import build_semantic_model
from apps.chat.tests.support import engine_answer as _answer
from apps.chat.tests.support import engine_clarify as _asks
from apps.chat.tests.support import engine_databases
from apps.knowledge.engine import introspection
from apps.knowledge.engine.catalog import CatalogSnapshot, MetricDef

_MAKERS = [(1, "Acme Motor Works"), (2, "Zeta Cars")]
_CARS = [(1, 1, 3000, 90, 4), (2, 1, 3500, 120, 8), (3, 2, 2500, 80, 4), (4, 2, 4000, 150, 8)]
_CRATES = [(1, 1, 40), (2, 3, 60)]  # crates of parts shipped with a car: a second weight

_SCHEMAS = {
    "en": """
        CREATE TABLE makers (id INTEGER PRIMARY KEY, full_name TEXT);
        CREATE TABLE cars (id INTEGER PRIMARY KEY, maker_id INTEGER REFERENCES makers(id),
            weight INTEGER, cost INTEGER, cylinders INTEGER);
        CREATE TABLE crates (id INTEGER PRIMARY KEY, car_id INTEGER REFERENCES cars(id),
            gross_weight INTEGER);
    """,
    "es": """
        CREATE TABLE fabricantes (id INTEGER PRIMARY KEY, nombre_completo TEXT);
        CREATE TABLE coches (id INTEGER PRIMARY KEY,
            fabricante_id INTEGER REFERENCES fabricantes(id),
            peso INTEGER, costo INTEGER, cilindros INTEGER);
        CREATE TABLE cajas (id INTEGER PRIMARY KEY, coche_id INTEGER REFERENCES coches(id),
            peso_bruto INTEGER);
    """,
}
_TABLES = {"en": ("makers", "cars", "crates"), "es": ("fabricantes", "coches", "cajas")}


_ROWS = {
    lang: dict(zip(tables, (_MAKERS, _CARS, _CRATES), strict=True))
    for lang, tables in _TABLES.items()
}


@pytest.fixture(scope="module")
def garage(tmp_path_factory):  # noqa: ANN001, ANN201
    with engine_databases(tmp_path_factory, "cars.db", _SCHEMAS, _ROWS) as made:
        yield made


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [
        ("en", "How many cars weighed less than 3200?", [(2,)]),
        ("en", "How many cars weigh no less than 3000 and no more than 3600?", [(2,)]),
        ("en", "How many cars weighing more than 3000 have 8 cylinders?", [(2,)]),
        ("en", "How many cars cost more than 100?", [(2,)]),
        # the named table's own weight, not its cars'
        ("en", "How many crates weighed more than 50?", [(1,)]),
        ("es", "¿Cuántos coches pesan más de 3000 y tienen 8 cilindros?", [(2,)]),
        ("es", "¿Cuántos coches que pesaron menos de 3200 hay?", [(2,)]),
    ],
)  # fmt: skip
def test_a_verb_that_is_a_numeric_columns_word_is_that_column(garage, lang, question, expected):
    """weigh-ed ~ weight (the -t noun), pesaron ~ peso: the comparison after the verb
    compares that column."""
    _result, got = _answer(garage, lang, question)
    assert got == expected


@pytest.mark.parametrize(
    ("lang", "question", "verb"),
    [
        # a car's weight and its crates' gross weight: two columns the verb could mean
        ("en", "How many crates of cars weighing more than 3000 are there?", "weighing"),
        # no comparison after the verb: nothing to compare
        ("en", "Which cars weighed heavily?", "weighed"),
    ],
)  # fmt: skip
def test_a_column_verb_without_one_comparable_column_is_asked_back(garage, lang, question, verb):
    assert verb in _asks(garage, lang, question)


# --- the top row by a link table's one measure: "the language predominantly spoken in X" -----

_COUNTRIES = [
    ("RU", "Ruritania", "Europe"),
    ("FR", "Freedonia", "Europe"),
    ("EL", "Elbonia", "Asia"),
]
_LANGUAGES = [
    ("RU", "Rurish", 70.0), ("RU", "Dutch", 30.0), ("FR", "Dutch", 60.0), ("FR", "Fredish", 40.0),
    ("EL", "Elbish", 90.0), ("EL", "Dutch", 10.0),
]  # fmt: skip
_FAITHS = [("RU", "Sunfaith", 80.0, 100), ("RU", "Moonfaith", 20.0, 900)]
_ATLAS = {
    "en": """
        CREATE TABLE countries (code TEXT PRIMARY KEY, name TEXT, continent TEXT);
        CREATE TABLE country_languages (country_code TEXT REFERENCES countries(code), language TEXT,
            percentage REAL, PRIMARY KEY (country_code, language));
        CREATE TABLE faiths (country_code TEXT REFERENCES countries(code), faith TEXT,
            percentage REAL, followers INTEGER, PRIMARY KEY (country_code, faith));
    """,
    "es": """
        CREATE TABLE paises (codigo TEXT PRIMARY KEY, nombre TEXT, continente TEXT);
        CREATE TABLE lenguas_pais (codigo_pais TEXT REFERENCES paises(codigo), lengua TEXT,
            porcentaje REAL, PRIMARY KEY (codigo_pais, lengua));
        CREATE TABLE religiones (codigo_pais TEXT REFERENCES paises(codigo), religion TEXT,
            porcentaje REAL, fieles INTEGER, PRIMARY KEY (codigo_pais, religion));
    """,
}
_ATLAS_TABLES = {
    "en": ("countries", "country_languages", "faiths"),
    "es": ("paises", "lenguas_pais", "religiones"),
}


def _build_atlas(path, lang: str):  # noqa: ANN001, ANN202
    conn = sqlite3.connect(path)
    conn.executescript(_ATLAS[lang])
    rows = (_COUNTRIES, _LANGUAGES, _FAITHS)
    for table, values in zip(_ATLAS_TABLES[lang], rows, strict=True):
        marks = ", ".join("?" * len(values[0]))
        conn.executemany(f"INSERT INTO {table} VALUES ({marks})", values)  # noqa: S608
    conn.commit()
    conn.close()
    tables, fks, _counts = introspection.introspect_sqlite(path)
    counted = _ATLAS_TABLES[lang][0]
    metric = MetricDef(  # a steward's count of the countries, as a semantic layer has
        _COUNT_METRIC[lang], "COUNT(*)", counted, synonyms=(_COUNT_METRIC[lang].lower(),)
    )
    catalog = CatalogSnapshot("sqlite", tuple(tables), tuple(fks), metrics=(metric,))
    return build_semantic_model(catalog), sqlite3.connect(f"file:{path}?mode=ro", uri=True)


_COUNT_METRIC = {"en": "Number of countries", "es": "Número de países"}


@pytest.fixture(scope="module")
def atlas(tmp_path_factory):  # noqa: ANN001, ANN201
    made = {
        lang: _build_atlas(tmp_path_factory.mktemp(f"atlas-{lang}") / "atlas.db", lang)
        for lang in _ATLAS
    }
    yield made
    for _model, conn in made.values():
        conn.close()


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [
        ("en", "What language is predominantly spoken in Ruritania?", "Rurish"),
        ("en", "Which language is the most popular in Freedonia?", "Dutch"),
        ("en", "What is the main language of Elbonia?", "Elbish"),
        ("es", "¿Qué lengua se habla principalmente en Ruritania?", "Rurish"),
        ("es", "¿Cuál es la lengua más popular en Freedonia?", "Dutch"),
    ],
)  # fmt: skip
def test_the_predominant_value_is_the_top_row_by_the_link_tables_measure(
    atlas, lang, question, expected
):
    """One country named: its language row with the largest percentage."""
    _result, got = _answer(atlas, lang, question)
    assert len(got) == 1
    assert got[0][0] == expected


@pytest.mark.parametrize(
    ("lang", "question", "word"),
    [
        # a category (many countries): the most popular language counts them, not this shape
        ("en", "Which language is the most popular in Europe?", "popular"),
        ("es", "¿Qué lengua se habla principalmente en Europa?", "principalmente"),
        # two measures (a share and a count of followers): which one ranks is not said
        ("en", "What faith is predominantly practised in Ruritania?", "predominantly"),
        ("es", "¿Qué religión es la más popular en Ruritania?", "popular"),
    ],
)  # fmt: skip
def test_the_predominant_value_without_one_row_or_one_measure_is_asked_back(
    atlas, lang, question, word
):
    assert word in _asks(atlas, lang, question)


# --- "each maker … and how many cars it produces": a verb after a count is the relation -----


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("en", "What is the full name of each maker, along with its id and how many cars it "
               "produces?"),
        ("es", "¿Cuál es el nombre completo de cada fabricante, junto con su id y cuántos "
               "coches produce?"),
    ],
)  # fmt: skip
def test_a_verb_after_how_many_rows_relates_them_to_the_entity_of_each(garage, lang, question):
    """ "along with" is "with"; the verb ending "how many cars it produces" is the join between
    the cars counted and the maker of "each"."""
    _result, got = _answer(garage, lang, question)
    assert got == [("Acme Motor Works", 1, 2), ("Zeta Cars", 2, 2)]


def test_a_verb_after_how_many_rows_without_each_is_asked_back(garage):
    question = "What is the full name of the maker Zeta Cars and how many cars it produces?"
    assert "produces" in _asks(garage, "en", question)


# --- "spoken by only one country": a relation verb before a count of exactly one ------------


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [
        ("en", "Languages spoken by only one country", ["Elbish", "Fredish", "Rurish"]),
        ("en", "Languages spoken by a single country in Europe", ["Fredish", "Rurish"]),
        ("en", "Languages spoken by more than 1 country", ["Dutch"]),
        ("es", "¿Qué lenguas se hablan en un solo país?", ["Elbish", "Fredish", "Rurish"]),
        ("es", "¿Qué lenguas se hablan en más de 1 país?", ["Dutch"]),
    ],
)  # fmt: skip
def test_a_relation_verb_before_only_one_is_a_count_of_exactly_one(atlas, lang, question, expected):
    """A column's values (the languages of a link table) by a count of the rows it relates
    to: "are spoken by" reads as "have", "only one"/"un solo" as exactly 1."""
    _result, got = _answer(atlas, lang, question)
    assert [row[0] for row in got] == expected
