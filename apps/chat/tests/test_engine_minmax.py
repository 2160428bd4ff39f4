"""Issue 13: superlatives and extremes of rows (pure tests, no Django).

"Which model has the largest horsepower?" where the horsepower is a column of the cars and the
model a column of the same rows (a table joined one to one, whose foreign key names the models)
is the model of the car with the largest value, not each model's total; a noun of the main table
("model") before such a superlative names the rows ranked, not a count to rank them by; "with /
has the minimum X" picks a row as "the lowest X" does; "the model of the car with …" is a
column of that one car; "the maximum X for (all) the different <numbers>" groups by each
value. One small made-up schema, built here.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_minmax.py
"""

from __future__ import annotations

import pytest

from apps.chat.engine.offline import interpret
from apps.chat.tests.support import engine_database, engine_reads

_SCHEMA = """
    CREATE TABLE makers (id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE models (id INTEGER PRIMARY KEY, model TEXT UNIQUE,
        maker_id INTEGER REFERENCES makers(id), launched DATE);
    CREATE TABLE car_names (make_id INTEGER PRIMARY KEY, model TEXT REFERENCES models(model),
        make TEXT);
    CREATE TABLE cars (id INTEGER PRIMARY KEY REFERENCES car_names(make_id),
        horsepower INTEGER, weight INTEGER, cylinders INTEGER);
"""
_ROWS = {
    "makers": [(1, "Fiat"), (2, "Ford"), (3, "Volvo")],
    "models": [(1, "fiat", 1, "1970-01-01"), (2, "ford", 2, "1971-01-01"),
               (3, "volvo", 3, "1972-01-01")],
    "car_names": [(1, "fiat", "fiat 128"), (2, "ford", "ford pinto"), (3, "ford", "ford torino"),
                  (4, "volvo", "volvo 144")],
    "cars": [(1, 50, 2000, 4), (2, 90, 2500, 4), (3, 100, 3500, 8), (4, 120, 3000, 4)],
}  # fmt: skip


@pytest.fixture(scope="module")
def garage(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("cars") / "cars.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


def _first_column(garage, question: str) -> list:  # noqa: ANN001
    model, conn = garage
    result = engine_reads(model, question)
    return [row[0] for row in conn.execute(result.sql).fetchall()]


def test_a_superlative_of_a_column_picks_the_row_whose_model_is_asked(garage) -> None:  # noqa: ANN001
    # the row reading (volvo, 120), not the model with the largest total (ford, 90 + 100)
    assert _first_column(garage, "Which model has the largest horsepower?") == ["volvo"]


def test_a_noun_of_the_main_table_before_a_ranked_column_is_not_counted(garage) -> None:  # noqa: ANN001
    # "model" names the main table: it is the rows ranked, not "the number of models"
    model, _conn = garage
    assert model.fact == "models"
    assert _first_column(garage, "Which model has the smallest horsepower?") == ["fiat"]


def test_with_or_has_the_minimum_picks_a_row(garage) -> None:  # noqa: ANN001
    assert _first_column(garage, "Which model has the minimum horsepower?") == ["fiat"]
    assert _first_column(garage, "Which make has the maximum weight?") == ["ford torino"]
    # not after "with/has the": still the aggregate
    assert _first_column(garage, "What is the maximum horsepower of the cars?") == [120]


def test_the_column_of_the_car_with_an_extreme(garage) -> None:  # noqa: ANN001
    # the car (a table with no name of its own) is the row; its make is a column of it
    question = "What is the make of the car with the smallest horsepower?"
    assert _first_column(garage, question) == ["fiat 128"]


def test_a_column_of_the_nameless_row_with_an_extreme(garage) -> None:  # noqa: ANN001
    # a car has no name of its own: "the weight of the car with …" is that row's weight
    question = "What is the weight of the car with the largest horsepower?"
    assert _first_column(garage, question) == [3000]


def test_a_measure_for_the_different_values_of_a_number_groups_by_them(garage) -> None:  # noqa: ANN001
    model, conn = garage
    result = interpret("What is the maximum horsepower for all the different cylinders?", model)
    assert result.route == "SQL", result.clarify
    assert sorted(conn.execute(result.sql).fetchall()) == [(4, 120), (8, 100)]


def test_a_column_said_of_nameless_rows_is_what_is_listed(garage) -> None:  # noqa: ANN001
    # "the model of the cars whose …": the model (a column of the rows joined one to one), not
    # every column of the cars with it
    question = "What is the model of the cars whose weight is below 2600?"
    assert sorted(_first_column(garage, question)) == ["fiat", "ford"]
    model, _conn = garage
    assert interpret(question, model).sql.startswith("SELECT car_names.model FROM")


def test_a_number_of_the_rows_behind_a_named_make_is_that_rows_value(tmp_path) -> None:  # noqa: ANN001
    # "car" only qualifies "make" (a steward's name of the car_names table and its column):
    # the weight asked is the cars' weight of that make, not a listing of the makes that
    # leaves "weight" unused
    from dataclasses import replace

    from apps.chat.engine.offline import build_semantic_model
    from apps.knowledge.engine import introspection
    from apps.knowledge.engine.catalog import CatalogSnapshot

    path = tmp_path / "cars.db"
    _model, conn = engine_database(path, _SCHEMA, _ROWS)
    tables, fks, _counts = introspection.introspect_sqlite(path)
    tables = [replace(t, synonyms=("make",)) if t.name == "car_names" else t for t in tables]
    model = build_semantic_model(CatalogSnapshot("sqlite", tuple(tables), tuple(fks)))
    question = "What is the weight of the car make ford pinto?"
    assert _first_column((model, conn), question) == [2500]
    conn.close()


def test_the_different_models_of_nameless_rows_are_listed_once_each(garage) -> None:  # noqa: ANN001
    # two ford cars weigh more than 2400: "the different models" lists ford once
    question = "What are the different models of the cars weighing more than 2400?"
    assert sorted(_first_column(garage, question)) == ["ford", "volvo"]
