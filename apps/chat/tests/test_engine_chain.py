"""Issue 13: relation verbs and values reached through a chain of foreign keys (pure tests, no
Django).

A negated relation verb whose value sits at the end of a many-to-one chain ("models not built by
Acme": each model has one maker) is that value negated row by row, also after "but" following a
condition on the same entity; one-to-many is still a NOT EXISTS or asked back. A participle that
ends a be-question before its preposition ("Which region is the town X located in?") relates the
entity asked to the one named. "<verb> most often" ranks by the rows of the one table the verb
names. A stored value said after "the" is a name ("the usa"). A count metric is an entity before
a relation verb, and a count metric that swallowed a compound's first word ("number of car" +
"models") counts the compound. One small schema, built here (plus a semantic layer's words).

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_chain.py
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from apps.chat.engine.offline import build_semantic_model, interpret
from apps.chat.tests.support import engine_asks, engine_database, engine_reads
from apps.knowledge.engine import introspection
from apps.knowledge.engine.catalog import CatalogSnapshot, MetricDef

_SCHEMA = """
    CREATE TABLE countries (id INTEGER PRIMARY KEY, name TEXT, region TEXT);
    CREATE TABLE towns (id INTEGER PRIMARY KEY, name TEXT,
        country_id INTEGER REFERENCES countries(id));
    CREATE TABLE makers (id INTEGER PRIMARY KEY, full_name TEXT,
        country_id INTEGER REFERENCES countries(id));
    CREATE TABLE models (id INTEGER PRIMARY KEY, name TEXT, price INTEGER,
        maker_id INTEGER REFERENCES makers(id));
    CREATE TABLE rentals (id INTEGER PRIMARY KEY, model_id INTEGER REFERENCES models(id),
        day TEXT);
"""
_ROWS = {
    "countries": [(1, "Ruritania", "Old Europe"), (2, "usa", "New World")],
    "towns": [(1, "Strelsau", 1), (2, "Zenda", 1), (3, "Marxville", 2)],
    "makers": [(1, "Acme Motor Works", 1), (2, "Zeta Carriages", 2), (3, "Omega Engines", 2)],
    "models": [
        (1, "roadster", 90, 1),
        (2, "coupe", 120, 1),
        (3, "wagon", 80, 2),
        (4, "van", 150, 3),
        (5, "bus", 200, 2),
    ],
    "rentals": [(1, 3, "2024-01-02"), (2, 3, "2024-01-03"), (3, 1, "2024-01-04")],
}


@pytest.fixture(scope="module")
def garage(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("chain") / "chain.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


def _rows(garage, question: str) -> list:  # noqa: ANN001
    model, conn = garage
    result = engine_reads(model, question)
    return sorted(row[0] for row in conn.execute(result.sql).fetchall())


def _asks(garage, question: str) -> None:  # noqa: ANN001
    model, _conn = garage
    engine_asks(model, question)


def test_negated_verb_of_a_value_one_step_up_the_chain_is_negated_row_by_row(garage) -> None:  # noqa: ANN001
    assert _rows(garage, "Which models are not built by 'Acme Motor Works'?") == [
        "bus",
        "van",
        "wagon",
    ]


def test_negated_verb_after_but_is_said_of_the_clause_before_it(garage) -> None:  # noqa: ANN001
    assert _rows(
        garage, "Which models are cheaper than 130 but not built by 'Acme Motor Works'?"
    ) == ["wagon"]


def test_negated_verb_one_to_many_is_asked_back(garage) -> None:  # noqa: ANN001
    # a country has several makers: "<> 'Acme'" would keep Ruritania for its other maker
    _asks(garage, "Which countries are not served by 'Acme Motor Works'?")


def test_participle_before_a_stranded_preposition_relates_asked_and_named(garage) -> None:  # noqa: ANN001
    assert _rows(garage, "Which region is the town Zenda located in?") == ["Old Europe"]
    _asks(garage, "Which region is the town Zenda located near the river in?")


def test_verb_naming_a_table_then_most_often_ranks_by_its_rows(garage) -> None:  # noqa: ANN001
    # "rented" begins the name of one table, `rentals`, which references the models
    assert _rows(garage, "Which model is rented most often?") == ["wagon"]
    assert _rows(garage, "What is the name of the model which was rented most frequently?") == [
        "wagon"
    ]
    _asks(garage, "Which model is not rented most often?")


def test_a_stored_value_said_after_the_is_a_name_at_the_end_of_a_chain(garage) -> None:  # noqa: ANN001
    # "usa" is also a Spanish verb (a grammar word): after "the" it is the country's name
    model, conn = garage
    result = interpret("How many models are produced in the usa?", model)
    assert result.route == "SQL", result.clarify
    assert conn.execute(result.sql).fetchall()[0][0] == 3
    _asks(garage, "How many models are produced in usa?")


@pytest.fixture(scope="module")
def steward(tmp_path_factory):  # noqa: ANN001, ANN201
    """The same garage with a semantic layer's words: count metrics of the models and of the
    rentals (said "number of cars"), and "car models" for the models."""
    path = tmp_path_factory.mktemp("steward") / "chain.db"
    _model, conn = engine_database(path, _SCHEMA, _ROWS)
    tables, fks, _counts = introspection.introspect_sqlite(path)
    tables = [replace(t, synonyms=("car models",)) if t.name == "models" else t for t in tables]
    metrics = (
        MetricDef("Number of models", "COUNT(*)", "models", synonyms=("number of models",)),
        MetricDef("Number of cars", "COUNT(*)", "rentals", synonyms=("number of cars",)),
    )
    catalog = CatalogSnapshot("sqlite", tuple(tables), tuple(fks), metrics=metrics)
    yield build_semantic_model(catalog), conn
    conn.close()


def test_a_count_metric_before_a_relation_verb_is_its_entity(steward) -> None:  # noqa: ANN001
    assert _rows(steward, "What is the number of models built by the maker Zeta Carriages?") == [2]


def test_a_count_metric_that_swallowed_a_compound_counts_the_compound(steward) -> None:  # noqa: ANN001
    question = "What is the number of car models built by the maker Zeta Carriages?"
    assert _rows(steward, question) == [2]


def test_a_verb_form_is_not_the_table_a_spanish_synonym_glosses_to(tmp_path) -> None:  # noqa: ANN001
    """A steward's Spanish synonym "alquiler" of `rentals` glosses to "rent": "rented" shares
    only that stem, and is still the verb "rented most frequently" reads."""
    path = tmp_path / "chain.db"
    _model, conn = engine_database(path, _SCHEMA, _ROWS)
    tables, fks, _counts = introspection.introspect_sqlite(path)
    tables = [replace(t, synonyms=("alquiler",)) if t.name == "rentals" else t for t in tables]
    model = build_semantic_model(CatalogSnapshot("sqlite", tuple(tables), tuple(fks)))
    question = "What is the name of the model which was rented most frequently?"
    assert _rows((model, conn), question) == ["wagon"]
    conn.close()
