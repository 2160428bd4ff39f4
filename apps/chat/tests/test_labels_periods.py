"""Display labels and named periods (issue 14 §1-3): the pure functions behind the answer's
`labels` and `period` fields."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.chat.engine.labels import display_labels, is_percent, week_range
from apps.chat.engine.periods import plan_period, range_name, relative_bounds, relative_name
from apps.chat.engine.plan import ColumnRef, MetricRef, QueryPlan, TimeRange

DEC_2026 = dt.date(2026, 12, 6)


@pytest.mark.parametrize(
    ("start", "end", "es", "en"),
    [
        ("2025-11-01", "2025-11-30", "noviembre de 2025", "November 2025"),
        ("2025-07-01", "2025-09-30", "T3 2025", "Q3 2025"),
        ("2025-01-01", "2025-12-31", "2025", "2025"),
        ("2025-12-01", "2025-12-07", "1–7 dic 2025", "Dec 1–7, 2025"),
        ("2025-12-05", "2025-12-05", "5 dic 2025", "Dec 5, 2025"),
        ("2024-01-01", "2025-12-31", "1 ene 2024 – 31 dic 2025", "Jan 1, 2024 – Dec 31, 2025"),
    ],
)
def test_ranges_get_their_shortest_exact_name(start, end, es, en):
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    assert range_name(a, b, "es") == es and range_name(a, b, "en") == en


def test_relative_periods_name_the_dates_the_sql_used():
    latest = dt.date(2025, 12, 31)
    assert relative_bounds("month:1:previous", latest)[:2] == (
        dt.date(2025, 11, 1),
        dt.date(2025, 11, 30),
    )
    assert relative_bounds("quarter:1:latest", latest)[:2] == (
        dt.date(2025, 10, 1),
        latest,
    )
    # the data ends long before today: the name says how the period was anchored
    assert (
        relative_name("month:1:previous", latest, "es", DEC_2026)
        == "noviembre de 2025 (mes anterior al último con datos)"
    )
    assert (
        relative_name("quarter:1:latest", latest, "en", DEC_2026)
        == "Q4 2025 (latest quarter with data)"
    )
    assert (
        relative_name("month:3:latest", latest, "es", DEC_2026)
        == "T4 2025 (últimos 3 meses con datos)"
    )
    # current data: the plain name, no note
    assert relative_name("month:1:previous", latest, "es", dt.date(2025, 12, 20)) == (
        "noviembre de 2025"
    )


def test_a_plan_names_its_period_or_the_whole_span():
    plan = QueryPlan(table="ventas", metrics=(MetricRef("metric:x", "Ventas", "money", "v"),))
    whole = plan_period(plan, "es", bounds=("2024-01-01", "2025-12-31"), today=DEC_2026)
    assert whole == "todo el periodo con datos (1 ene 2024 – 31 dic 2025)"
    ranged = plan.with_changes(
        time_range=TimeRange("ventas", "fecha", "2025-07-01", "2025-09-30", "2025-Q3")
    )
    assert plan_period(ranged, "en", bounds=None, today=DEC_2026) == "Q3 2025"
    relative = plan.with_changes(
        time_range=TimeRange("ventas", "fecha", label="mes pasado", relative="month:1:previous")
    )
    assert plan_period(relative, "es", bounds=None, today=DEC_2026) == "mes pasado"
    assert plan_period(None, "es", bounds=None, today=DEC_2026) is None


@pytest.mark.parametrize(
    ("value", "es", "en"),
    [
        ("2025-48", "1–7 dic 2025", "Dec 1–7, 2025"),  # SQLite's %W: the first Monday starts 01
        ("2025-43", "27 oct – 2 nov 2025", "Oct 27 – Nov 2, 2025"),
        ("2025-00", "1–5 ene 2025", "Jan 1–5, 2025"),  # days before the year's first Monday
        ("2025-52", "29–31 dic 2025", "Dec 29–31, 2025"),  # the rest is 2026-00
    ],
)
def test_weeks_read_as_the_dates_they_span(value, es, en):
    assert week_range(value, "es") == es and week_range(value, "en") == en


def test_not_a_week_is_left_alone():
    assert week_range("2025-11-30", "es") is None and week_range(48, "es") is None


def test_labels_fall_back_to_spaced_words_and_mark_fractions():
    plan = QueryPlan(
        table="ventas",
        metrics=(
            MetricRef("metric:d", "descuento promedio", "ratio", "descuento_promedio"),
            MetricRef("metric:t", "ventas totales", "money", "revenue_total"),
        ),
        dimensions=(ColumnRef("ventas", "canal"),),
    )
    labels = display_labels(
        ["canal", "descuento_promedio", "revenue_total", "ticket_medio"],
        plan=plan,
        model=None,
        units={"revenue_total": "USD"},
        lang="es",
    )
    assert labels == {
        "canal": "Canal",
        "descuento_promedio": "Descuento promedio (%)",
        "revenue_total": "Ventas totales (USD)",
        "ticket_medio": "Ticket medio",
    }
    assert is_percent(labels["descuento_promedio"]) and not is_percent(labels["revenue_total"])
