"""Issue 13: Spanish questions on an English schema, third round (pure tests, no Django).

A Spanish plural abbreviation ("EE. UU.") is one word and, with the Spanish names of common
countries and of a territory's nouns, reaches the value stored in English; a table's two-word
synonym reaches Spanish through the glossary in Spanish order ("modelos de vehículo"); a table
word after "de" that only modifies the table or metric said before it is one name with it
("número de fabricantes de vehículos"); after a comparison, an average word said after its noun
compares with the column's mean ("mayor que la potencia media"); a participle after "más" whose
root begins a numeric column's Spanish name orders by it ("la ciudad más poblada"); "como
subcadena en" is a text
pattern; everyday nouns of column names are in the glossary. Each with its English
counterpart on a small invented schema of its own.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_es3.py
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from apps.chat.engine.offline import build_semantic_model
from apps.chat.engine.offline import lexicon as lx
from apps.chat.tests.support import engine_asks, engine_database, engine_reads
from apps.knowledge.engine.catalog import MetricDef

_WORKS = """
    CREATE TABLE nation (code TEXT PRIMARY KEY, name TEXT, status TEXT);
    CREATE TABLE maker (id INTEGER PRIMARY KEY, name TEXT,
        nation_code TEXT REFERENCES nation(code));
    CREATE TABLE line (id INTEGER PRIMARY KEY, name TEXT, maker_id INTEGER REFERENCES maker(id));
    CREATE TABLE vehicle (id INTEGER PRIMARY KEY, line_id INTEGER REFERENCES line(id),
        power INTEGER, special_features TEXT);
    CREATE TABLE city (id INTEGER PRIMARY KEY, name TEXT, population INTEGER,
        nation_code TEXT REFERENCES nation(code));
"""
_ROWS = {
    "nation": [
        ("USA", "usa", "Republic"),
        ("FRA", "france", "Republic"),
        ("RUR", "ruritania", "US Territory"),
        ("ELB", "elbonia", "Monarchy"),
    ],
    "maker": [(1, "Alpha Motors", "USA"), (2, "Beta Works", "FRA"), (3, "Gamma", "USA")],
    "line": [(1, "Zephyr", 1), (2, "Breeze", 1), (3, "Mistral", 2), (4, "Gale", 3)],
    "vehicle": [
        (1, 1, 100, "Trailers,Deleted Scenes"),
        (2, 2, 150, "Trailers"),
        (3, 3, 90, "Commentaries"),
        (4, 4, 200, "Deleted Scenes"),
    ],
    "city": [(1, "Alpha", 500, "USA"), (2, "Beta", 900, "FRA"), (3, "Gamma", 100, "USA")],
}
_SYNONYMS = {
    "maker": ("makers", "vehicle makers", "fabricantes"),
    "line": ("lines", "vehicle models"),
    "vehicle": ("vehicles", "vehículos"),
}


@pytest.fixture(scope="module")
def works(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("works") / "works.db", _WORKS, _ROWS)
    yield model, conn
    conn.close()


@pytest.fixture(scope="module")
def layer(works):  # noqa: ANN001, ANN201
    """The schema as a semantic layer describes it: table synonyms and a count of makers."""
    model, conn = works
    catalog = model.catalog
    tables = tuple(replace(t, synonyms=_SYNONYMS.get(t.name, t.synonyms)) for t in catalog.tables)
    metric = MetricDef(
        "Number of makers",
        "COUNT(*)",
        "maker",
        synonyms=("number of makers", "número de fabricantes"),
    )
    return build_semantic_model(replace(catalog, tables=tables, metrics=(metric,))), conn


def _rows(conn, sql: str) -> list[tuple]:  # noqa: ANN001
    return sorted(conn.execute(sql).fetchall())


# --- a plural abbreviation and Spanish country names -----------------------------------------


def test_spanish_plural_abbreviation_is_one_word() -> None:
    for written in ("EE. UU.", "EE.UU.", "EEUU"):
        tokens = lx.tokenize(f"los coches de {written}", "es")
        assert [t.norm for t in tokens][-1] == "eeuu", written
    # two capitals alone stay words of their own
    assert [t.norm for t in lx.tokenize("the AA battery", "en")] == ["the", "aa", "battery"]


@pytest.mark.parametrize(
    "question",
    ["¿Cuáles son los nombres de los fabricantes de EE. UU.?", "Names of the makers of the usa"],
)
def test_a_country_said_by_its_spanish_abbreviation(works, question: str) -> None:
    model, conn = works
    result = engine_reads(model, question)
    assert _rows(conn, result.sql) == [("Alpha Motors",), ("Gamma",)]


@pytest.mark.parametrize(
    "question",
    [
        "¿Cuántas naciones cuyo estado es territorio de EE. UU. hay?",
        "How many nations whose status is US Territory are there?",
    ],
)
def test_a_territory_value_said_in_spanish_order(works, question: str) -> None:
    model, conn = works
    result = engine_reads(model, question)
    assert "US Territory" in result.sql
    assert _rows(conn, result.sql) == [(1,)]


def test_a_country_said_by_its_spanish_name(works) -> None:  # noqa: ANN001
    model, conn = works
    result = engine_reads(model, "¿Cuáles son los nombres de los fabricantes de Francia?")
    assert _rows(conn, result.sql) == [("Beta Works",)]


# --- a two-word table synonym said in Spanish order ------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "¿Cuántos modelos de vehículo se producen en Francia?",
        "How many vehicle models are produced in France?",
    ],
)
def test_two_word_table_synonym_in_spanish_order(layer, question: str) -> None:
    model, conn = layer
    result = engine_reads(model, question)
    assert "FROM line" in result.sql
    assert _rows(conn, result.sql) == [(1,)]


# --- a table word after "de" that modifies the one before it ---------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "¿Cuál es el número de fabricantes de vehículos de Francia?",
        "What is the number of vehicle makers in France?",
    ],
)
def test_modifier_after_de_names_the_same_table(layer, question: str) -> None:
    model, conn = layer
    result = engine_reads(model, question)
    assert "vehicle" not in result.sql.lower().replace("vehicle makers", "")
    assert _rows(conn, result.sql) == [(1,)]


def test_table_after_de_that_names_another_table_is_not_absorbed(layer) -> None:  # noqa: ANN001
    """ "modelos de fabricantes": makers do not name a kind of model; two tables stay said."""
    model, _conn = layer
    result = engine_reads(model, "¿Cuál es el número de fabricantes de cada nación?")
    assert "nation" in result.sql.lower()


# --- an average word after its noun, after a comparison --------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "¿Qué vehículos tienen una potencia mayor que la potencia media?",
        "Which vehicles have a power greater than the average power?",
    ],
)
def test_average_word_after_its_noun_in_a_comparison(works, question: str) -> None:
    model, conn = works
    result = engine_reads(model, question)
    assert "AVG(" in result.sql.upper()
    assert len(conn.execute(result.sql).fetchall()) == 2  # 150 and 200 are above 135


def test_average_word_after_its_noun_without_comparison_is_unchanged(works) -> None:  # noqa: ANN001
    model, conn = works
    result = engine_reads(model, "¿Cuál es la potencia media de los vehículos?")
    assert conn.execute(result.sql).fetchall() == [(135.0,)]


# --- a participle after "más" that says a numeric column ---------------------------------------


@pytest.mark.parametrize(
    ("question", "populations"),
    [
        ("¿Cuál es la ciudad más poblada?", {900}),
        ("What is the most populated city?", {900}),
        ("¿Cuáles son las 2 ciudades menos pobladas?", {100, 500}),
    ],
)
def test_participle_after_mas_orders_by_its_column(works, question: str, populations) -> None:  # noqa: ANN001
    model, conn = works
    result = engine_reads(model, question)
    assert "ORDER BY" in result.sql and "population" in result.sql.lower()
    rows = conn.execute(result.sql).fetchall()
    assert {v for r in rows for v in r if isinstance(v, int)} == populations


def test_participle_naming_no_column_is_asked_back(works) -> None:  # noqa: ANN001
    model, _conn = works
    engine_asks(model, "¿Cuál es la ciudad más visitada?")


# --- "como subcadena en" and everyday column nouns -------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "¿Qué vehículos tienen 'Deleted Scenes' como subcadena en sus características especiales?",
        "Which vehicles have 'Deleted Scenes' as a substring in the special features?",
    ],
)
def test_substring_pattern_in_a_column(works, question: str) -> None:
    model, conn = works
    result = engine_reads(model, question)
    assert "LIKE '%Deleted Scenes%'" in result.sql
    assert len(conn.execute(result.sql).fetchall()) == 2


def test_unknown_spanish_word_is_still_asked_back(works) -> None:  # noqa: ANN001
    model, _conn = works
    engine_asks(model, "¿Qué vehículos tienen la mayor diversidad de naciones?")


# --- the Spanish word of one word of a column's name -----------------------------------------

_STATES = """
    CREATE TABLE state (code TEXT PRIMARY KEY, name TEXT, government_form TEXT);
"""
_STATE_ROWS = {
    "state": [
        ("RUR", "Ruritania", "Monarchy"),
        ("FRE", "Freedonia", "Republic"),
        ("ELB", "Elbonia", "Republic"),
    ]
}


@pytest.mark.parametrize(
    "question",
    [
        "¿Cuáles son los nombres de los estados cuyo gobierno es Monarchy?",
        "What are the names of the states whose government is Monarchy?",
    ],
)
def test_spanish_word_of_one_word_of_a_column_name(tmp_path, question: str) -> None:  # noqa: ANN001
    model, conn = engine_database(tmp_path / "states.db", _STATES, _STATE_ROWS)
    result = engine_reads(model, question)
    assert "government_form" in result.sql
    assert _rows(conn, result.sql) == [("Ruritania",)]
    conn.close()
