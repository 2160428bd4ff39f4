"""The notebook's questions, end to end through the pipeline, checked against the data itself."""

from __future__ import annotations

import sqlite3

import pytest

from apps.chat.pipeline import ask

pytestmark = pytest.mark.django_db


def rows_of(path: str, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def as_set(rows) -> set[tuple]:  # noqa: ANN001
    return {tuple(round(v, 2) if isinstance(v, float) else v for v in row) for row in rows}


def test_total_number_of_sales(member, demo_db_path):
    answer = ask(membership=member("acme", "analista"), question="¿Cuántas ventas hubo en total?")
    assert answer["type"] == "SQL"
    assert answer["intent"]["type"] == "QUERY"
    assert answer["rows"] == [[rows_of(demo_db_path, "SELECT COUNT(*) FROM ventas")[0][0]]]
    assert answer["chart"]["type"] == "kpi"
    assert "5.000" in answer["answer"]


def test_total_sales_by_region_for_each_role(member, demo_db_path):
    question = "¿Cuál fue el total de ventas por región?"
    expected = rows_of(demo_db_path, "SELECT region, SUM(total) FROM ventas GROUP BY region")

    analista = ask(membership=member("acme", "analista"), question=question)
    assert analista["type"] == "SQL" and analista["intent"]["type"] == "AGGREGATION"
    assert len(analista["rows"]) == 4
    assert as_set(analista["rows"]) == as_set(expected)
    assert analista["chart"]["type"] in {"bar", "pie"}

    visor = ask(membership=member("acme", "visor"), question=question)
    assert visor["type"] == "SQL"
    assert as_set(visor["rows"]) == as_set([r for r in expected if r[0] == "Norte"])
    assert visor["scope"], "the row filter applied is reported"

    auditor = ask(membership=member("acme", "auditor"), question=question)
    assert auditor["type"] == "REFUSED"
    assert auditor["error"]["code"] == "not_authorized"
    assert auditor["rows"] == []


def test_top_3_products_by_revenue(member, demo_db_path):
    answer = ask(membership=member("acme", "analista"), question="Top 3 productos por ingresos")
    expected = rows_of(
        demo_db_path,
        "SELECT producto, SUM(total) AS r FROM ventas GROUP BY producto ORDER BY r DESC LIMIT 3",
    )
    assert answer["type"] == "SQL"
    assert [row[0] for row in answer["rows"]] == [row[0] for row in expected]
    assert [round(row[1], 2) for row in answer["rows"]] == [round(r[1], 2) for r in expected]


def test_columns_of_the_ventas_table(member):
    answer = ask(
        membership=member("acme", "analista"), question="¿Qué columnas tiene la tabla ventas?"
    )
    assert answer["type"] == "RAG"
    assert answer["intent"]["type"] == "SCHEMA"
    for column in (
        "venta_id",
        "fecha",
        "producto",
        "cantidad",
        "descuento",
        "total",
        "region",
        "canal",
    ):
        assert column in answer["answer"]
    assert answer["sources"], "a RAG answer always cites a source"


def test_a_repeated_question_hits_the_cache_per_policy(member):
    question = "Ingresos por canal"
    first = ask(membership=member("acme", "analista"), question=question)
    second = ask(membership=member("acme", "analista"), question=question)
    assert not first["cached"] and second["cached"]
    assert second["rows"] == first["rows"]
    # The viewer asks the same words: a different policy, so no cached rows cross the filter.
    visor = ask(membership=member("acme", "visor"), question=question)
    assert not visor["cached"]
    assert visor["rows"] != first["rows"]


def test_a_follow_up_rewrites_the_previous_plan(member, demo_db_path):
    analista = member("acme", "analista")
    first = ask(membership=analista, question="Ingresos por región")
    follow = ask(
        membership=analista, question="¿y en 2024?", conversation_id=first["conversation_id"]
    )
    expected = rows_of(
        demo_db_path,
        "SELECT region, SUM(total) FROM ventas WHERE fecha BETWEEN '2024-01-01' AND '2024-12-31' "
        "GROUP BY region",
    )
    assert follow["type"] == "SQL"
    assert as_set(follow["rows"]) == as_set(expected)
    assert follow["conversation_id"] == first["conversation_id"]
