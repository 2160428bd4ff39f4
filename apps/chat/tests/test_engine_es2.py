"""Issue 13: Spanish questions on an English schema, second round (pure tests, no Django).

A column's name said in Spanish ranks with a synonym of another table's column, and the table
said decides; a column synonym that says its own table lists that table's rows; every
translation of a one-word name is its gloss, and an order word that glosses a column is that
column when nothing is ordered "by"; a Spanish adjective after its noun leaves the noun as the
relation verb's entity, and a distinct word after both is moved before the noun. Each with its
English counterpart on a small atlas of its own.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_es2.py
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from apps.chat.engine.offline import interpret
from apps.chat.tests.support import engine_database, engine_reads

_ATLAS = """
    CREATE TABLE country (Code TEXT PRIMARY KEY, Name TEXT, IndepYear INTEGER,
        Population INTEGER);
    CREATE TABLE countrylanguage (CountryCode TEXT REFERENCES country(Code), Language TEXT,
        IsOfficial TEXT, Percentage REAL);
    CREATE TABLE city (ID INTEGER PRIMARY KEY, Name TEXT,
        CountryCode TEXT REFERENCES country(Code), Population INTEGER);
    CREATE TABLE film (film_id INTEGER PRIMARY KEY, title TEXT, rating TEXT, length INTEGER);
    CREATE TABLE store (store_id INTEGER PRIMARY KEY, manager TEXT);
    CREATE TABLE inventory (inventory_id INTEGER PRIMARY KEY,
        film_id INTEGER REFERENCES film(film_id), store_id INTEGER REFERENCES store(store_id));
"""
_ROWS = {
    "country": [
        ("RUR", "Ruritania", 1900, 900000),
        ("FRE", "Freedonia", 1950, 500000),
        ("ELB", "Elbonia", 1800, 700000),
    ],
    "countrylanguage": [
        ("RUR", "English", "T", 50.0),
        ("RUR", "Dutch", "F", 10.0),
        ("FRE", "French", "T", 90.0),
        ("ELB", "English", "F", 5.0),
        ("ELB", "Elbish", "T", 95.0),
    ],
    # more names than a category has values: a column of names, whose rows are listed
    "city": [
        (1, "Alpha", "RUR", 200000),
        (2, "Gamma", "FRE", 300000),
        (3, "Alpha", "ELB", 250000),
        *((n, f"Town {n}", "ELB", 1000 + n) for n in range(4, 80)),
    ],
    "film": [(1, "ALPHA", "PG", 90), (2, "BETA", "R", 120), (3, "GAMMA", "R", 100)],
    "store": [(1, "Mike"), (2, "Jon")],
    "inventory": [(1, 1, 1), (2, 2, 2), (3, 3, 2), (4, 1, 2)],
}


@pytest.fixture(scope="module")
def atlas(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("atlas") / "atlas.db", _ATLAS, _ROWS)
    yield model, conn
    conn.close()


def _with_synonyms(model, table: str, column: str, synonyms: tuple[str, ...]):  # noqa: ANN001, ANN202
    """The atlas as a semantic layer that gives one column synonyms would describe it."""
    from apps.chat.engine.offline import build_semantic_model

    catalog = model.catalog
    tables = []
    for t in catalog.tables:
        if t.name == table:
            cols = tuple(
                replace(c, synonyms=synonyms) if c.name == column else c for c in t.columns
            )
            t = replace(t, columns=cols)
        tables.append(t)
    return build_semantic_model(replace(catalog, tables=tuple(tables)))


def _with_table_synonyms(model, table: str, synonyms: tuple[str, ...]):  # noqa: ANN001, ANN202
    from apps.chat.engine.offline import build_semantic_model

    catalog = model.catalog
    tables = tuple(replace(t, synonyms=synonyms) if t.name == table else t for t in catalog.tables)
    return build_semantic_model(replace(catalog, tables=tables))


def _rows(model, conn, question: str) -> list:  # noqa: ANN001
    result = engine_reads(model, question)
    return sorted(row[0] for row in conn.execute(result.sql).fetchall())


@pytest.mark.parametrize(
    "question",
    [
        "Devuelve los nombres de las ciudades que tienen una población entre 150000 y 400000.",
        "Return the names of the cities that have a population between 150000 and 400000.",
    ],
)
def test_a_glossed_column_name_ranks_with_another_tables_synonym(atlas, question):
    """ "población" is a synonym of the country's `Population` and the Spanish name of the
    city's: the cities said decide, as "population" (both names) does in English."""
    model, conn = atlas
    layered = _with_synonyms(model, "country", "Population", ("población", "habitantes"))
    assert _rows(layered, conn, question) == ["Alpha", "Alpha", "Gamma"]


@pytest.mark.parametrize(
    ("synonym", "question"),
    [
        ("nombre de la ciudad", "Los nombres de las ciudades con una población mayor que 150000."),
        ("city name", "List the city names with a population above 150000."),
    ],
)
def test_a_column_synonym_that_says_its_table_lists_the_rows(atlas, synonym, question):
    """Two cities called Alpha are two rows, as in "the names of the cities": no DISTINCT."""
    model, conn = atlas
    layered = _with_synonyms(model, "city", "Name", (synonym,))
    assert _rows(layered, conn, question) == ["Alpha", "Alpha", "Gamma"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Cuenta el número de clasificaciones distintas.", [2]),
        ("Count the number of distinct ratings.", [2]),
        ("Devuelve los títulos de las películas con clasificación R.", ["BETA", "GAMMA"]),
        ("Return the titles of the films with rating R.", ["BETA", "GAMMA"]),
    ],
)
def test_an_order_word_a_column_glosses_is_the_column_without_a_by(atlas, question, expected):
    """ "clasificación" is an order word and the Spanish of `rating` (one of its several
    translations): with no "por" after it nothing is ordered, it is the column."""
    model, conn = atlas
    result = interpret(question, model)
    assert result.route == "SQL", (question, result.clarify)
    assert sorted(row[-1] for row in conn.execute(result.sql).fetchall()) == expected


@pytest.mark.parametrize(
    "question",
    [
        "¿Cuál es el número de idiomas oficiales distintos que se hablan en los países fundados "
        "antes de 1930?",
        "What is the number of unique official languages that are spoken in the countries "
        "founded before 1930?",
    ],
)
def test_an_adjective_after_its_noun_leaves_the_noun_to_the_verb(atlas, question):
    """ "idiomas oficiales … que se hablan en los países": the languages are spoken (the flag
    is an adjective after them), and "distintos" counts the distinct languages."""
    model, conn = atlas
    assert _rows(model, conn, question) == [2]


@pytest.mark.parametrize(
    "question",
    ["¿Qué tienda tiene más artículos?", "Which store has the most items?"],
)
def test_a_tables_english_synonym_reaches_spanish_through_the_glossary(atlas, question):
    """ "items" is a synonym of `inventory` (written in English only): "artículos" is its
    Spanish, as a name's gloss is."""
    model, conn = atlas
    layered = _with_table_synonyms(model, "inventory", ("copies", "items"))
    assert _rows(layered, conn, question) == ["Jon"]
