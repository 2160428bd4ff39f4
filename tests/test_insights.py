"""HYBRID answers, why-answers, outliers and their follow-ups, end to end through `pipeline.ask`.

The expected numbers come from the demo database itself (read-only SQLite, outside the
product), never from the product's own output.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import plotly.graph_objects as go
import pytest
from django.core.cache import cache

from apps.chat.engine import insights as ins
from apps.chat.engine.decompose import parts_add_up
from apps.chat.pipeline import ask
from apps.governance.models import AccessPolicy, AuditEntry

pytestmark = pytest.mark.django_db

FEB = "fecha BETWEEN '2025-02-01' AND '2025-02-28'"
JAN = "fecha BETWEEN '2025-01-01' AND '2025-01-31'"


@pytest.fixture(autouse=True)
def _no_cached_answers():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rows(demo_db_path):  # noqa: ANN001, ANN201
    def run(sql: str) -> list[tuple]:
        connection = sqlite3.connect(f"file:{demo_db_path}?mode=ro", uri=True)
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()

    return run


def cents(value) -> Decimal:  # noqa: ANN001
    return Decimal(str(value)).quantize(Decimal("0.01"))


def as_map(result) -> dict:  # noqa: ANN001
    return {r[0]: round(r[1], 2) for r in result}


# --- HYBRID -------------------------------------------------------------------------------------


def test_hybrid_answer_defines_with_its_source_then_shows_the_data(member, rows):
    answer = ask(
        membership=member("acme", "analista"),
        question="¿Qué significa margen bruto y cuál fue por categoría en 2025?",
    )

    assert answer["type"] == "HYBRID"
    assert [s["title"] for s in answer["sources"]] == ["Métrica: Margen bruto"]
    assert answer["definition"]["term"] == "margen bruto"
    assert answer["definition"]["metric"] == "metric:margen_bruto"
    text = answer["answer"]
    # The definition first, its source cited, then the narration of the data.
    assert text.index("Ganancia bruta") < text.index("**Fuente:** Métrica: Margen bruto")
    assert text.index("Fuente") < text.index("Electrónica")
    gold = rows(
        "SELECT v.categoria, SUM(v.total - v.cantidad * p.costo_unitario) FROM ventas v "
        "JOIN productos p ON p.producto_id = v.producto_id "
        "WHERE v.fecha BETWEEN '2025-01-01' AND '2025-12-31' GROUP BY v.categoria"
    )
    assert as_map(answer["rows"]) == as_map(gold)
    assert answer["chart"]["type"] == "bar"


def test_hybrid_in_english_and_its_followup_keeps_the_definition(member, rows):
    analyst = member("acme", "analista")
    first = ask(
        membership=analyst,
        question="What is the average ticket and how much was it in 2025?",
    )
    assert first["type"] == "HYBRID" and first["lang"] == "en"
    assert first["sources"][0]["title"] == "Métrica: Ticket promedio"
    assert "**Source:** Métrica: Ticket promedio" in first["answer"]

    second = ask(
        membership=analyst, question="And in 2024?", conversation_id=first["conversation_id"]
    )

    assert second["type"] == "HYBRID"
    assert second["definition"]["text"] == first["definition"]["text"]
    (gold,) = rows(
        "SELECT AVG(total) FROM ventas WHERE fecha BETWEEN '2024-01-01' AND '2024-12-31'"
    )
    assert round(second["rows"][0][0], 6) == round(gold[0], 6)


def test_a_plain_question_after_a_hybrid_one_is_not_hybrid(member):
    analyst = member("acme", "analista")
    first = ask(membership=analyst, question="¿Qué es el ticket promedio y cuánto fue en 2025?")
    second = ask(
        membership=analyst,
        question="Unidades vendidas por región",
        conversation_id=first["conversation_id"],
    )
    assert first["type"] == "HYBRID" and second["type"] == "SQL" and not second["sources"]


# --- why ----------------------------------------------------------------------------------------


def test_why_answer_splits_the_change_into_parts_that_add_up(member, rows):
    answer = ask(
        membership=member("acme", "analista"), question="¿Por qué bajaron las ventas en febrero?"
    )

    assert answer["type"] == "SQL" and answer["intent"]["type"] == "COMPARISON"
    d = answer["decomposition"]
    assert parts_add_up(d)
    ((jan, feb),) = rows(
        f"SELECT SUM(CASE WHEN {JAN} THEN total END), SUM(CASE WHEN {FEB} THEN total END) "
        "FROM ventas"
    )
    assert (d["period_a"]["label"], d["period_b"]["label"]) == ("2025-01", "2025-02")
    assert answer["interpretation"].startswith("ventas totales · 2025-01 → 2025-02 · por ")
    assert cents(d["value_a"]) == cents(jan) and cents(d["value_b"]) == cents(feb)
    by_category = rows(
        f"SELECT categoria, SUM(CASE WHEN {FEB} THEN total ELSE 0 END) - "
        f"SUM(CASE WHEN {JAN} THEN total ELSE 0 END) AS c FROM ventas "
        f"WHERE {JAN} OR {FEB} GROUP BY categoria ORDER BY c"
    )
    parts = [c for c in d["contributions"] if c["column"] == "ventas.categoria"]
    assert parts[0]["value"] == by_category[0][0]  # the largest part of the drop first
    assert {c["value"]: cents(c["change"]) for c in parts} == {k: cents(v) for k, v in by_category}
    # In words, with the top contributor, the change and what it is not.
    text = answer["answer"]
    assert text.startswith("La caída de ventas totales en febrero de 2025")
    assert d["top"][0]["value"] in text and "no causas" in text
    # The waterfall: Plotly's own trace, declarative, accepted by Plotly.
    assert answer["chart"]["type"] == "waterfall"
    figure = answer["chart"]["figure"]
    go.Figure(figure)
    assert figure["data"][0]["type"] == "waterfall"
    # The contributions table.
    assert answer["columns"][:2] == ["dimension", "valor"]
    assert len(answer["rows"]) == len(d["contributions"])
    # Every statement through the guard, into the audit chain.
    entry = AuditEntry.objects.filter(organization__slug="acme").order_by("-id").first()
    assert entry.outcome == "answered" and "CASE WHEN" in entry.sql


def test_ratio_metric_separates_mix_from_rate(member):
    answer = ask(
        membership=member("acme", "analista"),
        question="Why did the average order value change between 2024 and 2025?",
    )
    d = answer["decomposition"]
    assert d["kind"] == "ratio" and parts_add_up(d)
    assert {"rate_effect", "mix_effect"} <= set(d["contributions"][0])
    assert "rate_effect" in answer["columns"] and "mix effect" in answer["answer"]


def test_viewer_decomposition_covers_only_their_rows_and_says_so(member, rows):
    answer = ask(membership=member("acme", "visor"), question="Why did revenue drop in February?")

    d = answer["decomposition"]
    assert parts_add_up(d)
    ((jan, feb),) = rows(
        f"SELECT SUM(CASE WHEN {JAN} THEN total END), SUM(CASE WHEN {FEB} THEN total END) "
        "FROM ventas WHERE region = 'Norte'"
    )
    assert cents(d["value_a"]) == cents(jan) and cents(d["value_b"]) == cents(feb)
    assert any("Norte" in s for s in answer["scope"]) and "Norte" in answer["answer"]
    assert "You only see data for" in answer["answer"]
    columns = {f"{x['table']}.{x['column']}" for x in d["dimensions"]}
    assert not any(c.startswith("clientes.") for c in columns)  # a table the visor may not see
    assert "ventas.region" not in columns  # their own row filter: nothing to split


def test_masked_columns_are_never_a_candidate_dimension(member):
    analyst = member("acme", "analista")
    policy = AccessPolicy.all_tenants.get(organization=analyst.organization, role=analyst.role)
    policy.masked_columns = [*policy.masked_columns, "ventas.canal"]
    policy.save()

    answer = ask(membership=analyst, question="¿Por qué bajaron las ventas en febrero?")

    columns = {f"{x['table']}.{x['column']}" for x in answer["decomposition"]["dimensions"]}
    assert columns and "ventas.canal" not in columns
    assert parts_add_up(answer["decomposition"])


def test_why_followup_decomposes_along_that_dimension_only(member):
    analyst = member("acme", "analista")
    first = ask(membership=analyst, question="¿Por qué bajaron las ventas en febrero?")
    second = ask(
        membership=analyst, question="¿y por región?", conversation_id=first["conversation_id"]
    )

    d = second["decomposition"]
    assert [x["column"] for x in d["dimensions"]] == ["region"]
    assert d["period_b"] == first["decomposition"]["period_b"]
    assert d["change"] == first["decomposition"]["change"] and parts_add_up(d)


def test_a_metric_without_parts_is_said_not_split(member):
    answer = ask(
        membership=member("acme", "analista"),
        question="¿Por qué bajaron los clientes activos en febrero?",
    )
    assert answer["type"] == "CLARIFY" and "no se reparte" in answer["answer"]
    assert answer["decomposition"] is None


def test_why_answers_are_cached_under_the_policy(member):
    analyst = member("acme", "analista")
    first = ask(membership=analyst, question="¿Por qué subieron los ingresos en 2025?")
    again = ask(membership=analyst, question="¿Por qué subieron los ingresos en 2025?")
    viewer = ask(
        membership=member("acme", "visor"), question="¿Por qué subieron los ingresos en 2025?"
    )
    assert again["cached"] and again["decomposition"] == first["decomposition"]
    assert (
        not viewer["cached"]
        and viewer["decomposition"]["value_b"] < first["decomposition"]["value_b"]
    )


# --- outliers -----------------------------------------------------------------------------------


def test_trend_names_the_periods_that_stand_out_with_a_why_chip(member, rows):
    analyst = member("acme", "analista")
    trend = ask(membership=analyst, question="Ventas mensuales")

    assert trend["intent"]["type"] == "TREND"
    assert trend["outliers"], trend["answer"]
    # The first one named is the month farthest from its neighbours (two on each side).
    series = rows("SELECT strftime('%Y-%m', fecha) AS m, SUM(total) FROM ventas GROUP BY m")
    values = [v for _m, v in series]

    def gap(i: int) -> float:
        start = min(max(0, i - 2), len(values) - 5)
        around = sorted(values[j] for j in range(start, start + 5) if j != i)
        return abs(values[i] - (around[1] + around[2]) / 2)

    farthest = max(range(len(values)), key=gap)
    first = trend["outliers"][0]
    assert first["period"] == series[farthest][0]
    assert first["direction"] == ("above" if values[farthest] > values[farthest - 1] else "below")
    month = ins.label_words(first["period"], "month", "es")
    assert month in trend["answer"]
    assert first["followup"] == f"¿Qué explica el cambio de ventas totales en {month}?"
    assert trend["suggestions"][0] == first["followup"]

    # One click on the chip runs the decomposition of that month against the one before.
    why = ask(
        membership=analyst, question=first["followup"], conversation_id=trend["conversation_id"]
    )

    d = why["decomposition"]
    assert d["period_b"]["label"] == first["period"]
    assert d["period_a"]["label"] == series[farthest - 1][0]
    assert parts_add_up(d)
