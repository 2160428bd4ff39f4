"""Issue 13: numeric conditions and counts whose column is not named directly (pure tests, no
Django).

Number words in "N or more", "the X which have N Y", the count a which-question's HAVING only
keeps, "a <column> of <number>", size comparatives and "how long is" said of a column, units a
column's description names, residence verbs and the verb that ends "how much <measure> do
<rows> <verb>". One small atlas and film shop of their own, built here.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_units.py
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from apps.chat.engine.offline import build_semantic_model
from apps.chat.tests.support import engine_asks, engine_database, engine_reads

_SCHEMA = """
    CREATE TABLE countries (code TEXT PRIMARY KEY, name TEXT, continent TEXT, region TEXT,
        population INTEGER, life_expectancy REAL, surface_area REAL, code2 TEXT);
    CREATE TABLE cities (id INTEGER PRIMARY KEY, name TEXT, district TEXT, population INTEGER,
        country_code TEXT REFERENCES countries(code));
    CREATE TABLE films (film_id INTEGER PRIMARY KEY, title TEXT, length INTEGER, rating TEXT,
        rental_rate REAL, replacement_cost REAL);
"""
_ROWS = {
    "countries": [
        ("RU", "Ruritania", "Europe", "Western Europe", 80000, 71.5, 1000.0, "IS"),
        ("FR", "Freedonia", "Europe", "Eastern Europe", 500000, 78.0, 2500.0, "FR"),
        ("EL", "Elbonia", "Asia", "Eastern Asia", 700000, 65.0, 3000.0, "EL"),
        ("GR", "Grand Fenwick", "Asia", "Southern Asia", 3000, 60.0, 100.0, "GR"),
        ("KH", "Khemed", "Africa", "Northern Africa", 1200, 55.0, 800.0, "KH"),
    ],
    "cities": [
        (1, "Alpha", "North", 100, "RU"),
        (2, "Beta", "North", 300, "RU"),
        (3, "Gamma", "South", 5000, "RU"),
        (4, "Delta", "East", 200, "FR"),
        (5, "Epsilon", "West", 900, "EL"),
        (6, "Zeta", "West", 50, "EL"),
        (7, "Eta", "West", 70, "KH"),
    ],
    "films": [
        (1, "Dune", 155, "PG", 0.99, 20.0),
        (2, "Heat", 90, "R", 2.99, 25.0),
        (3, "Up", 96, "PG", 0.99, 15.0),
        (4, "Jaws", 124, "PG-13", 4.99, 10.0),
    ],
}
_MINUTES = "Length of the film in minutes"


@pytest.fixture(scope="module")
def shop(tmp_path_factory):  # noqa: ANN001, ANN201
    """The schema alone, and the same schema with the length column described in minutes."""
    from apps.knowledge.engine import introspection
    from apps.knowledge.engine.catalog import CatalogSnapshot

    path = tmp_path_factory.mktemp("units") / "shop.db"
    model, conn = engine_database(path, _SCHEMA, _ROWS)
    tables, fks, _counts = introspection.introspect_sqlite(path)
    described = [
        replace(
            t,
            columns=tuple(
                replace(c, description=_MINUTES) if c.name == "length" else c for c in t.columns
            ),
        )
        for t in tables
    ]
    steward = build_semantic_model(CatalogSnapshot("sqlite", tuple(described), tuple(fks)))
    yield {"schema": model, "described": steward}, conn
    conn.close()


def _answer(shop, question: str, which: str = "schema"):  # noqa: ANN001, ANN202
    models, conn = shop
    result = engine_reads(models[which], question)
    return result.sql, sorted(conn.execute(result.sql).fetchall())


def _asks(shop, question: str, which: str = "schema") -> None:  # noqa: ANN001
    models, _conn = shop
    engine_asks(models[which], question)


def test_a_number_word_before_or_more_is_at_least(shop) -> None:  # noqa: ANN001
    _sql, rows = _answer(shop, "Which districts have two or more cities?")
    assert rows == [("North",), ("West",)]


def test_the_entity_which_has_a_count_is_a_having(shop) -> None:  # noqa: ANN001
    # "the districts which have …": the relative pronoun between the entity and "have"
    sql, rows = _answer(shop, "Give the districts which have two or more cities.")
    assert "HAVING COUNT(*) >= 2" in sql
    assert rows == [("North",), ("West",)]


def test_a_which_question_shows_the_rows_a_having_keeps_not_the_count(shop) -> None:  # noqa: ANN001
    _sql, rows = _answer(shop, "Which countries have at least 2 cities?")
    assert rows == [("Elbonia",), ("Ruritania",)]
    # without a question opener the count is the answer's evidence and stays
    _sql, rows = _answer(shop, "Countries with at least 2 cities")
    assert rows == [("Elbonia", 2), ("Ruritania", 3)]


def test_a_spanish_which_question_shows_the_rows_a_having_keeps(shop) -> None:  # noqa: ANN001
    _sql, rows = _answer(shop, "¿Qué distritos tienen 2 o más cities?")
    assert rows == [("North",), ("West",)]


def test_a_copula_between_a_column_and_above_the_average(shop) -> None:  # noqa: ANN001
    # "is" also scans as a stored code ('IS'): it stood between the column and the comparison
    sql, rows = _answer(
        shop,
        "Find the number of cities in each district whose population is greater than the "
        "average population of cities?",
    )
    assert "AVG(population)" in sql
    assert rows == [("South", 1)]


def test_a_column_of_a_number_is_its_value(shop) -> None:  # noqa: ANN001
    sql, rows = _answer(
        shop,
        "What are the names of the countries that are in the continent of Europe and have a "
        "population of 80000?",
    )
    assert "population = 80000" in sql
    assert rows == [("Ruritania",)]
    _sql, rows = _answer(shop, "Which films have a rental rate of 0.99?")
    assert rows == [("Dune",), ("Up",)]
    _asks(shop, "What is the population of 3 countries?")


def test_a_taken_column_is_not_the_next_comparisons(shop) -> None:  # noqa: ANN001
    # "a rental rate of 0.99 and an inventory of below 3" compared the rate with 3
    _asks(shop, "Which films have a rental rate of 0.99 and a cities of below 3?")


def test_a_size_comparative_after_a_column_compares_that_column(shop) -> None:  # noqa: ANN001
    sql, rows = _answer(
        shop,
        "Find the average life expectancy and total population for each continent where the "
        "average life expectancy is shorter than 72?",
    )
    assert "HAVING AVG(life_expectancy) < 72" in sql
    assert [r[0] for r in rows] == ["Africa", "Asia"]
    # said of the rows it is still their length
    _sql, rows = _answer(shop, "Which films are longer than 100?")
    assert rows == [("Dune",), ("Jaws",)]


def test_a_measure_before_is_and_its_comparison_is_hidden(shop) -> None:  # noqa: ANN001
    sql, _rows = _answer(
        shop,
        "Find the total population for each continent whose average life expectancy is "
        "greater than 70.",
    )
    assert "avg_life_expectancy" not in sql.split(" FROM ")[0]


def test_how_long_is_a_column_asks_for_it(shop) -> None:  # noqa: ANN001
    _sql, rows = _answer(
        shop, "How long is the people's average life expectancy in Western Europe?"
    )
    assert rows == [(71.5,)]
    _asks(shop, "How long is the film Dune?")


def test_a_unit_the_column_description_names_is_read(shop) -> None:  # noqa: ANN001
    question = "Find all the films longer than 100 minutes"
    _sql, rows = _answer(shop, question, "described")
    assert rows == [("Dune",), ("Jaws",)]
    _sql, rows = _answer(shop, "Which films have a length of more than 100 minutes?", "described")
    assert rows == [("Dune",), ("Jaws",)]
    _asks(shop, question)  # no description: the unit may not be the column's
    _asks(shop, "Find all the films longer than 100 hours", "described")


def test_a_residence_verb_after_a_measure_is_no_relation(shop) -> None:  # noqa: ANN001
    sql, rows = _answer(shop, "How many population live in North district?")
    assert "SUM(population)" in sql
    assert rows == [(400,)]


def test_the_verb_ending_how_much_measure_do_rows_verb(shop) -> None:  # noqa: ANN001
    _sql, rows = _answer(shop, "How much surface area do the countries in Europe cover together?")
    assert rows == [(3500.0,)]
