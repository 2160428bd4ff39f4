"""The pure insight engines: decomposition arithmetic and SQL, periods, the router, outliers."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from fractions import Fraction

import plotly.graph_objects as go
import pytest
import sqlglot
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.chat.engine import decompose as dc
from apps.chat.engine import insights as ins
from apps.chat.engine.waterfall import KINDS


def shape(sql: str) -> dc.MetricShape | None:
    return dc.metric_shape(sqlglot.parse_one(sql))


# --- shapes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("SUM(v.total)", "additive"),
        ("COUNT(*)", "additive"),
        ("SUM(v.total - v.cantidad * p.costo)", "additive"),
        ("SUM(v.a) - SUM(v.b)", "additive"),
        ("0.5 * SUM(v.a)", "additive"),
        ("AVG(v.total)", "ratio"),
        ("SUM(v.total) / COUNT(*)", "ratio"),
        ("SUM(v.a) / SUM(v.b)", "ratio"),
    ],
)
def test_metrics_that_split_into_parts(sql, kind):
    found = shape(sql)
    assert found is not None and found.kind == kind
    assert (found.denominator is not None) == (kind == "ratio")


@pytest.mark.parametrize(
    "sql", ["COUNT(DISTINCT v.cliente_id)", "MAX(v.total)", "MIN(v.total)", "AVG(DISTINCT v.x)"]
)
def test_metrics_without_parts_that_add_up(sql):
    assert shape(sql) is None


# --- arithmetic ---------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=1e7, allow_nan=False),
            st.floats(min_value=0, max_value=1e7, allow_nan=False),
        ),
        min_size=1,
        max_size=15,
    )
)
def test_additive_parts_add_up_exactly_after_rounding(pairs):
    rows = [[f"g{i}", a, b] for i, (a, b) in enumerate(pairs)]
    value_a, value_b, split = dc.split(
        rows, kind="additive", dimension=dc.Dimension("t", "g"), unit="money"
    )
    assert sum((c.change for c in split.parts), Fraction(0)) == value_b - value_a
    assert sum((c.value_a for c in split.parts), Fraction(0)) == value_a
    for c in split.parts:
        assert c.value_b - c.value_a == c.change
    # Rounded to the cent, within half a cent of the exact totals.
    assert abs(value_a - Fraction(sum(Fraction(a) for a, _ in pairs))) <= Fraction(1, 200)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10_000),
            st.integers(min_value=0, max_value=10_000),
            st.integers(min_value=1, max_value=500),
            st.integers(min_value=1, max_value=500),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_ratio_rate_and_mix_add_up_to_the_change(groups):
    rows = [[f"g{i}", na, nb, da, db] for i, (na, nb, da, db) in enumerate(groups)]
    value_a, value_b, split = dc.split(
        rows, kind="ratio", dimension=dc.Dimension("t", "g"), unit="money"
    )
    exact_a = Fraction(sum(g[0] for g in groups), sum(g[2] for g in groups))
    exact_b = Fraction(sum(g[1] for g in groups), sum(g[3] for g in groups))
    assert abs(value_a - exact_a) <= Fraction(1, 200)
    assert abs(value_b - exact_b) <= Fraction(1, 200)
    assert sum((c.change for c in split.parts), Fraction(0)) == value_b - value_a
    for c in split.parts:
        assert c.rate_effect + c.mix_effect == c.change


def test_ratio_split_separates_mix_from_rate():
    # Each channel's average is unchanged; only the mix moved towards the dearer channel.
    rows = [["Online", 100 * 10, 300 * 10, 10, 30], ["Tienda", 50 * 30, 50 * 10, 30, 10]]
    value_a, value_b, split = dc.split(
        rows, kind="ratio", dimension=dc.Dimension("v", "canal"), unit="money"
    )
    assert (value_a, value_b) == (Fraction("62.5"), Fraction("87.5"))
    assert all(c.rate_effect == 0 for c in split.parts)
    assert sum(c.mix_effect for c in split.parts) == 25


def test_ranking_puts_the_largest_part_of_a_drop_first():
    rows = [["a", 100, 90], ["b", 100, 40], ["c", 100, 120]]
    _a, _b, split = dc.split(rows, kind="additive", dimension=dc.Dimension("t", "g"), unit="count")
    assert [c.value for c in split.parts] == ["b", "a", "c"]
    assert split.top.share == 120.0  # −60 of a −50 change: the others partly offset it


def test_an_empty_period_of_a_ratio_is_not_decomposable():
    with pytest.raises(dc.NotDecomposable):
        dc.split([["a", 10, 0, 2, 0]], kind="ratio", dimension=dc.Dimension("t", "g"), unit="money")


@pytest.mark.parametrize(
    ("values", "target"),
    [([Fraction(1, 3)] * 3, Fraction(1)), ([Fraction(-1, 3)] * 3, Fraction(-1))],
)
def test_apportion_reaches_the_target(values, target):
    parts = dc.apportion(values, target, Fraction(1, 100))
    assert sum(parts) == target


# --- periods ------------------------------------------------------------------------------------


def test_periods():
    assert dc.previous(dc.month(2025, 1)) == dc.month(2024, 12)
    assert dc.previous(dc.quarter(2025, 1)) == dc.quarter(2024, 4)
    assert dc.previous(dc.year(2025)) == dc.year(2024)
    assert dc.split_in_two("2024-01-01", "2025-12-31") == (dc.year(2024), dc.year(2025))
    assert dc.split_in_two("2025-01-01", "2025-06-30") == (dc.quarter(2025, 1), dc.quarter(2025, 2))
    assert dc.split_in_two("2025-01-01", "2025-02-28") == (dc.month(2025, 1), dc.month(2025, 2))
    assert dc.split_in_two("2024-01-01", "2025-06-30") is None
    assert dc.period_of("2025-02-01", "2025-02-28") == dc.month(2025, 2)
    odd = dc.period_of("2025-02-03", "2025-02-09")
    assert dc.previous(odd).end == "2025-02-02" and dc.previous(odd).start == "2025-01-27"


# --- SQL against a real database ----------------------------------------------------------------


@pytest.fixture
def shop():
    connection = sqlite3.connect(":memory:")
    connection.executescript(
        """
        CREATE TABLE ventas (fecha TEXT, canal TEXT, total REAL, cliente_id INTEGER);
        CREATE TABLE clientes (cliente_id INTEGER, segmento TEXT);
        INSERT INTO clientes VALUES (1, 'Pyme'), (2, 'Empresa');
        INSERT INTO ventas VALUES
          ('2025-01-05', 'Online', 100.10, 1), ('2025-01-31', 'Tienda', 50.05, 2),
          ('2025-02-01', 'Online', 20.20, 2), ('2025-02-28', 'Tienda', 70.00, NULL),
          ('2025-03-01', 'Online', 999, 1), ('2024-12-31', 'Online', 999, 1);
        """
    )
    yield connection
    connection.close()


def test_decomposition_sql_counts_each_row_once_and_keeps_rows_without_a_join(shop):
    sql = dc.decomposition_sql(
        shape=shape("SUM(ventas.total)"),
        fact="ventas",
        metric_joins=[],
        dimension=dc.Dimension("clientes", "segmento"),
        dimension_joins=[("clientes", "cliente_id", "ventas", "cliente_id")],
        date=("ventas", "fecha"),
        period_a=dc.month(2025, 1),
        period_b=dc.month(2025, 2),
    )
    rows = shop.execute(sql).fetchall()
    value_a, value_b, split = dc.split(
        rows, kind="additive", dimension=dc.Dimension("clientes", "segmento"), unit="money"
    )
    assert (value_a, value_b) == (Fraction("150.15"), Fraction("90.20"))
    assert {c.value for c in split.parts} == {"Pyme", "Empresa", "∅"}  # the NULL group counts


def test_decomposition_sql_of_a_ratio_with_a_filter(shop):
    sql = dc.decomposition_sql(
        shape=shape("AVG(ventas.total)"),
        fact="ventas",
        metric_joins=[],
        dimension=dc.Dimension("ventas", "canal"),
        dimension_joins=[],
        date=("ventas", "fecha"),
        period_a=dc.month(2025, 1),
        period_b=dc.month(2025, 2),
        conditions=[dc.Condition("ventas", "canal", "!=", ("Tienda",))],
    )
    rows = shop.execute(sql).fetchall()
    assert rows == [("Online", pytest.approx(100.10), pytest.approx(20.20), 1, 1)]


def test_stored_decomposition_and_its_waterfall():
    rows = [["Online", 300.0, 100.0], ["Tienda", 200.0, 250.0], ["Otro", 0.0, 0.0]]
    value_a, value_b, split = dc.split(
        rows, kind="additive", dimension=dc.Dimension("ventas", "canal"), unit="money"
    )
    d = dc.Decomposition(
        "metric:revenue", "ventas", "money", "USD", "additive", dc.month(2025, 1),
        dc.month(2025, 2), value_a, value_b, [split],
    )  # fmt: skip
    stored = d.to_dict()
    assert dc.parts_add_up(stored)
    assert stored["change"] == -150.0 and stored["top"][0]["value"] == "Online"
    figure = KINDS["waterfall"].figure(stored, lang="es", theme="dark")
    go.Figure(figure)  # Plotly accepts it
    trace = figure["data"][0]
    assert trace["type"] == "waterfall"
    assert trace["measure"][0] == "absolute" and trace["measure"][-1] == "total"
    relative = [y for y, m in zip(trace["y"], trace["measure"], strict=True) if m == "relative"]
    assert sum(Decimal(str(y)) for y in relative) == Decimal("-150")
    broken = {**stored, "contributions": [{**stored["contributions"][0], "change": -199.99}]}
    assert not dc.parts_add_up(broken)
    text = ins.why_text(d, "es", direction="up")
    assert "−150 USD" in text.replace(",00", "") and "Online" in text
    assert "no causas" in text and "no subió, bajó" in text


# --- the router ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "term", "data"),
    [
        (
            "¿Qué significa margen bruto y cuál fue por categoría en 2025?",
            "margen bruto",
            "margen bruto por categoria en 2025",
        ),
        (
            "Explain what the average ticket is and show it by sales channel",
            "average ticket",
            "average ticket by sales channel",
        ),
        ("¿Qué es el ticket promedio y cuánto fue en 2025?", "ticket promedio", None),
        ("Define gross margin, then show it by region", "gross margin", None),
        ("explícame qué es el margen bruto y muéstramelo por categoría", "margen bruto", None),
        ("What is the average discount and how much was it by channel?", "average discount", None),
        ("What does revenue mean and how much was it in 2024?", "revenue", None),
        (  # a count of a noun is the data asked, never a "show me" to drop
            "What are the names of the high schoolers and how many friends does each have?",
            "names of the high schoolers",
            "names of the high schoolers how many friends does each have",
        ),
        ("What is revenue and how much was it in March?", "revenue", "revenue in march"),
    ],
)
def test_hybrid_requests(question, term, data):
    found = ins.hybrid_request(question, "es")
    assert found is not None and found.term == term
    if data:
        assert found.data_question == data


@pytest.mark.parametrize(
    "question",
    [
        "¿Qué es el margen bruto?",
        "What does the discount column mean?",
        "Ventas por región y canal",
        "¿Cuál fue el margen bruto por categoría?",
    ],
)
def test_not_hybrid(question):
    assert ins.hybrid_request(question, "es") is None


@pytest.mark.parametrize(
    ("question", "rest", "direction"),
    [
        ("¿Por qué bajaron las ventas en febrero?", "ventas en febrero", "down"),
        ("¿a qué se debe la caída de Online?", "online", "down"),
        ("What drove the change in revenue between 2024 and 2025?", None, None),
        ("Why did revenue go up in December 2025?", "revenue in december 2025", "up"),
        ("¿Qué explica el cambio de ventas totales en febrero de 2025?", None, None),
    ],
)
def test_why_requests(question, rest, direction):
    found = ins.why_request(question, "es")
    assert found is not None and found.direction == direction
    if rest is not None:
        assert found.rest == rest


@pytest.mark.parametrize(
    "question",
    ["¿Por qué el ticket promedio es mayor en Online?", "Ventas de febrero", "Why?"],
)
def test_not_why(question):
    assert ins.why_request(question, "en") is None


def test_followup_dimension():
    assert ins.followup_dimension("¿y por región?") == "region"
    assert ins.followup_dimension("and by channel?") == "channel"
    assert ins.followup_dimension("¿y en 2024?") is None


# --- outliers -----------------------------------------------------------------------------------


def test_a_dip_and_a_spike_stand_out_of_a_trend():
    values = [100 + 10 * i for i in range(12)]
    values[4] = 20  # a dip
    values[9] = 400  # a spike
    found = ins.outliers([f"2025-{m:02d}" for m in range(1, 13)], values)
    assert {(o.label, o.above) for o in found} == {("2025-05", False), ("2025-10", True)}


def test_a_steady_trend_or_a_short_series_names_nothing():
    assert ins.outliers([str(i) for i in range(12)], [100 + 10 * i for i in range(12)]) == []
    assert ins.outliers(["a", "b", "c"], [1, 100, 1]) == []


def test_why_chip_reads_back_as_a_why_question():
    chip = ins.why_chip("ventas totales", "2025-02", "month", "es")
    assert chip == "¿Qué explica el cambio de ventas totales en febrero de 2025?"
    assert ins.why_request(chip, "es").rest == "ventas totales en febrero de 2025"
    assert ins.why_request(ins.why_chip("revenue", "2025-02", "month", "en"), "en") is not None
