"""Issue 13: verbs the catalog does not know (pure tests, no Django).

A verb of a year ("cars *produced* in 1980", "países *fundados* después de 1950") is the one
date or year column reachable from the entity it is said of, and is asked back when there are
several or when it follows "or"; a filler verb ("listed") is consumed; a do-question whose verb
ends its sentence is a relation even when another sentence follows it; "name" of a table that
also has a column called as the table ("the makers": `maker` and `full_name`) is asked back.
One small schema per language, built here.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_verbs.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_answer as _answer
from apps.chat.tests.support import engine_clarify as _asks
from apps.chat.tests.support import engine_databases

_COUNTRIES = [(1, "Ruritania", 1920), (2, "Freedonia", 1960), (3, "Elbonia", 1975)]
_MAKERS = [(1, "acme", "Acme Motor Works", 1), (2, "zeta", "Zeta Cars", 2)]
_MODELS = [(1, "roadster", 1), (2, "coupe", 1), (3, "wagon", 2)]
_CARS = [(1, 1, 3000, 1979, 4), (2, 1, 3500, 1980, 8), (3, 2, 2500, 1980, 4), (4, 3, 4000, 1982, 8)]
_DELIVERIES = [(1, 2, 100, 1981), (2, 3, 200, 1980)]
# "stores": one table with two years, for the ambiguous case
_STORES = [(1, "North", 1990, 2001), (2, "South", 1995, 2010)]

_SCHEMAS = {
    "en": """
        CREATE TABLE countries (id INTEGER PRIMARY KEY, name TEXT, indep_year INTEGER);
        CREATE TABLE makers (id INTEGER PRIMARY KEY, maker TEXT, full_name TEXT,
            country_id INTEGER REFERENCES countries(id));
        CREATE TABLE models (id INTEGER PRIMARY KEY, name TEXT,
            maker_id INTEGER REFERENCES makers(id));
        CREATE TABLE cars (id INTEGER PRIMARY KEY, model_id INTEGER REFERENCES models(id),
            weight INTEGER, year INTEGER, cylinders INTEGER);
        CREATE TABLE deliveries (id INTEGER PRIMARY KEY, car_id INTEGER REFERENCES cars(id),
            fee INTEGER, year INTEGER);
        CREATE TABLE stores (id INTEGER PRIMARY KEY, name TEXT, open_year INTEGER,
            close_year INTEGER);
    """,
    "es": """
        CREATE TABLE paises (id INTEGER PRIMARY KEY, nombre TEXT, anio_independencia INTEGER);
        CREATE TABLE fabricantes (id INTEGER PRIMARY KEY, fabricante TEXT,
            nombre_completo TEXT, pais_id INTEGER REFERENCES paises(id));
        CREATE TABLE modelos (id INTEGER PRIMARY KEY, nombre TEXT,
            fabricante_id INTEGER REFERENCES fabricantes(id));
        CREATE TABLE coches (id INTEGER PRIMARY KEY, modelo_id INTEGER REFERENCES modelos(id),
            peso INTEGER, anio INTEGER, cilindros INTEGER);
        CREATE TABLE entregas (id INTEGER PRIMARY KEY, coche_id INTEGER REFERENCES coches(id),
            tarifa INTEGER, anio INTEGER);
        CREATE TABLE tiendas (id INTEGER PRIMARY KEY, nombre TEXT, anio_apertura INTEGER,
            anio_cierre INTEGER);
    """,
}
_TABLES = {
    "en": ("countries", "makers", "models", "cars", "deliveries", "stores"),
    "es": ("paises", "fabricantes", "modelos", "coches", "entregas", "tiendas"),
}


_ROWS = {
    lang: dict(
        zip(tables, (_COUNTRIES, _MAKERS, _MODELS, _CARS, _DELIVERIES, _STORES), strict=True)
    )
    for lang, tables in _TABLES.items()
}


@pytest.fixture(scope="module")
def garage(tmp_path_factory):  # noqa: ANN001, ANN201
    with engine_databases(tmp_path_factory, "cars.db", _SCHEMAS, _ROWS) as made:
        yield made


@pytest.mark.parametrize(
    ("lang", "question", "verb", "expected"),
    [
        ("en", "Which countries were founded after 1950?", "founded",
         [("Elbonia",), ("Freedonia",)]),
        ("es", "¿Qué países fueron fundados después de 1950?", "fundados",
         [("Elbonia",), ("Freedonia",)]),
        ("en", "How many cars were produced in 1980?", "produced", [(2,)]),
        ("es", "¿Cuántos coches se produjeron en 1980?", "produjeron", [(2,)]),
        ("en", "What is the minimum weight of the cars produced in 1980?", "produced",
         [(2500,)]),
        ("es", "¿Cuál es el peso mínimo de los coches producidos en 1980?", "producidos",
         [(2500,)]),
        ("en", "What is the minimum weight of the cars produced with 8 cylinders in 1980?",
         "produced", [(3500,)]),
        ("es", "¿Cuál es el peso mínimo de los coches producidos con 8 cilindros en 1980?",
         "producidos", [(3500,)]),
    ],
)  # fmt: skip
def test_a_verb_before_a_year_is_the_one_year_column(garage, lang, question, verb, expected):
    """The entity's own year column (a country's independence, a car's year): the verb is
    consumed, and the reading says how."""
    result, got = _answer(garage, lang, question)
    assert got == expected
    assert f"{verb} → " in result.reading


@pytest.mark.parametrize(
    ("lang", "question", "verb"),
    [
        # models reach two years: their cars' year and their maker's country's independence
        ("en", "Which models were produced after 1980?", "produced"),
        ("es", "¿Qué modelos se produjeron después de 1980?", "produjeron"),
        # a store has an opening and a closing year
        ("en", "How many stores were renovated after 1992?", "renovated"),
        ("es", "¿Cuántas tiendas fueron renovadas después de 1992?", "renovadas"),
    ],
)
def test_a_verb_before_a_year_with_several_candidate_columns_is_asked_back(
    garage, lang, question, verb
):
    assert verb in _asks(garage, lang, question)


@pytest.mark.parametrize(
    ("lang", "question", "verb"),
    [
        ("en", "What is the total fee of deliveries of cars with 8 cylinders produced in 1980?",
         "produced"),
        ("es", "¿Cuál es la tarifa total de las entregas de coches con 8 cilindros producidos en "
         "1980?", "producidos"),
    ],
)  # fmt: skip
def test_a_verb_of_a_year_the_plan_compares_elsewhere_is_asked_back(garage, lang, question, verb):
    """The cars' year is the verb's column, but the deliveries' own year is what the time
    stage compares: the SQL would not say what the reading says."""
    assert verb in _asks(garage, lang, question)


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("en", "How many cars have a weight above 3000 or were produced before 1980?"),
        ("es", "¿Cuántos coches tienen un peso mayor que 3000 o se produjeron antes de 1980?"),
    ],
)
def test_a_verb_of_a_year_after_or_is_not_consumed(garage, lang, question):
    """Two filters joined by "or": consuming the verb would AND them."""
    _asks(garage, lang, question)


def test_a_filler_verb_is_consumed(garage):
    result, got = _answer(garage, "en", "How many countries are listed?")
    assert got == [(3,)]


def test_a_do_question_verb_ending_its_sentence_before_another_is_the_relation(garage):
    """ "How many models does each maker produce? List …": the verb still ends its sentence."""
    result, got = _answer(
        garage, "en", "How many models does each maker produce? List the full name and the number."
    )
    assert sorted(row[-1] for row in got) == [1, 2]


@pytest.mark.parametrize(
    ("lang", "question", "word"),
    [
        ("en", "What is the name of the makers?", "name"),
        ("es", "¿Cuál es el nombre de los fabricantes?", "nombre"),
        ("en", "What is the name of the different makers?", "name"),
        ("es", "¿Cuál es el nombre de los distintos fabricantes?", "nombre"),
    ],
)
def test_name_of_a_table_with_a_column_called_as_the_table_is_asked_back(
    garage, lang, question, word
):
    """`makers(maker, full_name)`: "the name of the makers" may be either column."""
    assert f"{word}" in _asks(garage, lang, question)


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [
        ("en", "What is the full name of the makers?", [("Acme Motor Works",), ("Zeta Cars",)]),
        ("es", "¿Cuál es el nombre completo de los fabricantes?",
         [("Acme Motor Works",), ("Zeta Cars",)]),
        ("en", "What is the name of the countries?",
         [("Elbonia",), ("Freedonia",), ("Ruritania",)]),
        ("en", "What are the names of the different countries?",
         [("Elbonia",), ("Freedonia",), ("Ruritania",)]),
        ("es", "¿Cuáles son los nombres de los distintos países?",
         [("Elbonia",), ("Freedonia",), ("Ruritania",)]),
    ],
)  # fmt: skip
def test_a_name_said_exactly_or_of_a_table_without_rival_is_read(garage, lang, question, expected):
    assert _answer(garage, lang, question)[1] == expected


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [
        ("en", "How many countries where Zeta Cars is based?", [(1,)]),
        ("en", "List the countries where Zeta Cars is based.", [("Freedonia",)]),
        ("es", "¿En cuántos países se basa Zeta Cars?", [(1,)]),
    ],
)
def test_a_passive_verb_after_a_value_relates_it_to_the_entity_before_where(
    garage, lang, question, expected
):
    """ "countries where X is based": the verb ends the clause after "<value> is"; the entity
    is the one before "where"."""
    result, got = _answer(garage, lang, question)
    assert got == expected
    assert "Zeta Cars" in result.sql
