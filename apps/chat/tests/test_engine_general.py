"""Issue 13: the offline engine on any schema (pure tests, no Django).

Each test names the cause from the issue's "What was seen" it covers. The demo catalog is the
project's; the small foreign schemas are built here, in SQLite, in the shapes the issue found
(PascalCase names, header and line tables, people with first and last names, big text columns).

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_general.py
"""

from __future__ import annotations

import sqlite3

import pytest

from apps.chat.engine.offline import build_semantic_model, interpret
from apps.chat.tests.support import build_demo_db, demo_content, introspect_sqlite


@pytest.fixture(scope="module")
def demo(tmp_path_factory):  # noqa: ANN001, ANN201
    path = build_demo_db(tmp_path_factory.mktemp("general") / "empresa.db", rows=5_000, seed=7)
    content = demo_content("acme")
    if content is None:
        pytest.skip("apps.knowledge.demo.content is not available")
    model = build_semantic_model(introspect_sqlite(path, content=content))
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    yield model, conn
    conn.close()


def rows(conn: sqlite3.Connection, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


# --- §7 no silently dropped words ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "word"),
    [
        ("customers who bought both Laptop Pro and Monitor", "both"),
        ("ventas de clientes que nunca compraron Monitor", "nunca"),
        ("clientes que compraron ambos productos", "ambos"),
    ],
)
def test_a_word_that_changes_the_meaning_is_asked_back_by_name(demo, question, word):
    """Stopwords swallowed "both"; "never" was dropped: now each is named in the question back
    and in `unresolved`."""
    model, _conn = demo
    result = interpret(question, model)
    assert result.route == "CLARIFY", result.sql
    assert word in result.clarify
    assert ("word", word) in {(u.kind, u.text) for u in result.unresolved}


def test_an_aggregate_word_with_no_target_is_not_dropped(demo):
    """ "maximum and minimum" read as MIN only: both aggregates of one target now."""
    model, conn = demo
    for question in (
        "maximum and minimum list price of products",
        "el precio de lista máximo y mínimo de los productos",
    ):
        result = interpret(question, model)
        assert result.route == "SQL", result.clarify
        assert "MAX(" in result.sql and "MIN(" in result.sql
        ((high, low),) = rows(conn, result.sql)
        assert (high, low) == rows(
            conn, "SELECT MAX(precio_lista), MIN(precio_lista) FROM productos"
        )[0]
    three = interpret("precio unitario medio, máximo y mínimo por categoría", model)
    assert three.route == "SQL" and len(three.plan.metrics) == 3


def test_an_aggregate_word_that_applies_to_nothing_asks_back(demo):
    model, _conn = demo
    result = interpret("maximum of customers by region and average", model)
    assert result.route == "CLARIFY"
    assert result.unresolved


def test_a_data_answer_says_its_reading_in_the_question_language(demo):
    model, _conn = demo
    es = interpret("Ingresos por canal en el cuarto trimestre de 2025", model)
    assert es.route == "SQL"
    assert "SUM(total)" in es.reading and "por canal" in es.reading and "2025" in es.reading
    en = interpret("revenue by channel in 2025", model)
    assert en.route == "SQL" and "by canal" in en.reading and "SUM(total)" in en.reading
    top = interpret("top 3 productos por ingresos", model)
    assert "top 3" in top.reading


def test_every_question_asked_back_says_what_was_not_understood(demo):
    model, _conn = demo
    for question in ("¿Y eso qué?", "ventas por departamento", "how many flurbs are there"):
        result = interpret(question, model)
        assert result.route == "CLARIFY"
        assert result.unresolved, question
        assert all(u.kind in ("word", "metric", "value") and u.text for u in result.unresolved)
    named = interpret("ventas por departamento", model)
    assert ("word", "departamento") in {(u.kind, u.text) for u in named.unresolved}
