"""The chart chooser: every rule, the JSON it renders, hints, caps and both languages.

Pure tests (no Django): run with `pytest -p no:django apps/chat/tests/test_charts.py`.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from apps.chat.engine.charts import (
    CHART_TYPES,
    MAX_BARS,
    MAX_LINE_POINTS,
    MAX_PIE_SLICES,
    MAX_SCATTER_POINTS,
    PALETTE_DARK,
    PALETTE_LIGHT,
    ChartSpec,
    build_chart,
    chart_summary,
    choose_chart,
    format_number,
    plotly_config,
    render_figure,
    validate_hint,
)

REGIONS = [["Norte", 120.5], ["Sur", 80], ["Este", 45.25], ["Oeste", 60]]


def render(columns, rows, **kw):
    lang = kw.get("lang", "es")
    theme = kw.pop("theme", "light")
    spec = choose_chart(columns, rows, **kw)
    return spec, render_figure(spec, columns, rows, lang=lang, theme=theme)


def assert_plain_json(fig):
    """json.dumps works without a custom encoder, and no NaN sneaks in."""
    text = json.dumps(fig, allow_nan=False)
    assert json.loads(text) == fig
    return text


def fits(spec: ChartSpec) -> set[str]:
    return {spec.type, *spec.alternatives}


# ------------------------------------------------------------------ rules


def test_single_number_is_a_kpi_indicator():
    spec, fig = render(["total_ventas"], [[1234567.891]])
    assert spec.type == "kpi"
    assert spec.y == ("total_ventas",)
    assert spec.alternatives == ("table",)
    trace = fig["data"][0]
    assert trace["type"] == "indicator"
    assert trace["value"] == pytest.approx(1234567.891)
    assert trace["title"]["text"] == "total_ventas"
    assert_plain_json(fig)


@pytest.mark.parametrize("rows", [[["hola"]], [[None]], [[1], [2]]])
def test_no_kpi_for_text_null_or_more_rows(rows):
    assert choose_chart(["n"], rows).type != "kpi"


@pytest.mark.parametrize(
    "xs",
    [
        ["2024-03-01", "2024-01-01", "2024-02-01"],
        ["2024-03", "2024-01", "2024-02"],
        ["2024-Q3", "2024-Q1", "2024-Q2"],
        ["2024-03-01T10:00:00", "2024-01-01T10:00:00", "2024-02-01 10:00"],
        ["2026", "2024", "2025"],
    ],
)
def test_time_like_first_column_is_a_line_sorted_by_x(xs):
    rows = [[x, v] for x, v in zip(xs, [3, 1, 2], strict=True)]
    spec, fig = render(["periodo", "ventas"], rows)
    assert spec.type == "line"
    assert spec.x == "periodo" and spec.y == ("ventas",)
    assert spec.temporal
    trace = fig["data"][0]
    assert trace["type"] == "scatter" and "lines" in trace["mode"]
    assert trace["x"] == sorted(trace["x"])
    assert trace["y"] == [1, 2, 3]  # values follow their x after sorting
    assert "pie" not in fits(spec)
    assert_plain_json(fig)


def test_iso_dates_use_a_date_axis_and_quarters_a_category_axis():
    _, fig = render(["fecha", "v"], [["2024-01-01", 1], ["2024-01-02", 2]])
    assert fig["layout"]["xaxis"]["type"] == "date"
    _, fig = render(["t", "v"], [["2024-Q1", 1], ["2024-Q2", 2]])
    assert fig["layout"]["xaxis"]["type"] == "category"


def test_integer_years_by_name_are_time_on_a_category_axis():
    spec, fig = render(["anio", "ventas"], [[2024, 10], [2022, 8], [2023, 9]])
    assert spec.type == "line"
    assert fig["data"][0]["x"] == ["2022", "2023", "2024"]  # never 2.022 nor 2022.5
    assert fig["layout"]["xaxis"]["type"] == "category"


def test_integer_that_only_looks_like_a_year_is_a_measure():
    spec = choose_chart(["importe", "unidades"], [[2024, 10], [2022, 8], [2023, 9]])
    assert spec.type == "scatter"


def test_python_dates_datetimes_and_decimals_are_accepted():
    rows = [[dt.date(2024, 1, 2), Decimal("2.50")], [dt.date(2024, 1, 1), Decimal("1.25")]]
    spec, fig = render(["dia", "importe"], rows)
    assert spec.type == "line"
    assert fig["data"][0]["x"] == ["2024-01-01", "2024-01-02"]
    assert fig["data"][0]["y"] == [1.25, 2.5]
    assert_plain_json(fig)
    spec, fig = render(["ts", "n"], [[dt.datetime(2024, 1, 1, h), h] for h in range(3)])
    assert spec.type == "line"
    assert_plain_json(fig)


def test_time_series_with_a_category_is_one_line_per_series():
    rows = [
        ["2024-01", "Norte", 1],
        ["2024-02", "Norte", 2],
        ["2024-01", "Sur", 3],
        ["2024-02", "Sur", 4],
    ]
    spec, fig = render(["mes", "region", "ventas"], rows)
    assert spec.type == "line" and spec.color == "region"
    assert [t["name"] for t in fig["data"]] == ["Norte", "Sur"]
    assert fig["layout"]["legend"]["title"]["text"] == "region"


def test_category_and_measure_is_a_vertical_bar_in_sql_order():
    spec, fig = render(["region", "ventas"], REGIONS)
    assert spec.type == "bar" and spec.orientation == "v"
    assert spec.x == "region" and spec.y == ("ventas",)
    trace = fig["data"][0]
    assert trace["type"] == "bar"
    assert trace["x"] == ["Norte", "Sur", "Este", "Oeste"]
    assert trace["y"] == [120.5, 80, 45.25, 60]
    assert fig["layout"]["xaxis"]["title"]["text"] == "region"
    assert fig["layout"]["yaxis"]["title"]["text"] == "ventas"


def test_many_categories_make_a_horizontal_bar():
    rows = [[f"R{i}", i] for i in range(9)]
    spec, fig = render(["region", "ventas"], rows)
    assert spec.type == "bar" and spec.orientation == "h"
    trace = fig["data"][0]
    assert trace["orientation"] == "h"
    assert trace["y"][0] == "R0" and trace["x"][0] == 0
    assert fig["layout"]["yaxis"]["autorange"] == "reversed"


def test_long_labels_make_a_horizontal_bar():
    rows = [["Monitor 27 pulgadas curvo", 3], ["Teclado", 5]]
    assert choose_chart(["producto", "unidades"], rows).orientation == "h"


def test_two_categories_and_a_measure_is_a_stacked_bar_with_colour():
    rows = [
        ["Norte", "Monitores", 10],
        ["Norte", "Teclados", 5],
        ["Sur", "Monitores", 7],
        ["Sur", "Teclados", 3],
        ["Este", "Teclados", 1],
    ]
    spec, fig = render(["region", "categoria", "ventas"], rows)
    assert spec.type == "bar" and spec.color == "categoria" and spec.barmode == "stack"
    assert fig["layout"]["barmode"] == "stack"
    names = [t["name"] for t in fig["data"]]
    assert names == ["Monitores", "Teclados"]
    monitores = fig["data"][0]
    assert monitores["x"] == ["Norte", "Sur", "Este"]
    assert monitores["y"] == [10, 7, None]  # a missing pair is a gap, not a zero
    assert "pie" not in fits(spec)


def test_non_additive_measure_is_grouped_not_stacked():
    rows = [["N", "a", 1.5], ["N", "b", 2.5], ["S", "a", 3.0]]
    assert choose_chart(["region", "cat", "ventas"], rows).barmode == "stack"
    for name in ("importe_medio", "AVG(precio)", "tasa_conversion"):
        assert choose_chart(["region", "cat", name], rows).barmode == "group"


def test_periods_as_colour_when_the_category_has_too_many_values():
    rows = [[year, r, 1] for year in (2023, 2024) for r in "ABCDEFGHIJ"]
    spec, fig = render(["anio", "region", "ventas"], rows)
    assert spec.type == "bar"
    assert spec.x == "region" and spec.color == "anio" and spec.barmode == "group"
    assert [t["name"] for t in fig["data"]] == ["2023", "2024"]


def test_more_than_eight_series_in_both_directions_is_a_table():
    rows = [[a, b, 1] for a in "ABCDEFGHI" for b in "JKLMNOPQR"]
    assert choose_chart(["x", "y", "n"], rows).type == "table"


def test_share_hint_makes_a_pie_of_parts_of_a_whole():
    spec, fig = render(["region", "ventas"], REGIONS, hint="share")
    assert spec.type == "pie"
    assert "bar" in spec.alternatives
    trace = fig["data"][0]
    assert trace["type"] == "pie"
    assert trace["labels"] == ["Norte", "Sur", "Este", "Oeste"]
    assert "label" in trace["textinfo"]  # labels on slices: not colour alone
    assert_plain_json(fig)


def test_share_named_measure_is_a_pie_by_default():
    rows = [["Norte", 40.0], ["Sur", 35.0], ["Este", 25.0]]
    assert choose_chart(["region", "porcentaje"], rows).type == "pie"


def test_counts_offer_a_pie_but_default_to_bars():
    spec = choose_chart(["estado", "count(*)"], [["abierto", 3], ["cerrado", 9]])
    assert spec.type == "bar"
    assert "pie" in spec.alternatives


def test_unnamed_measure_fits_a_pie_only_when_asked():
    rows = [["a", 1], ["b", 2]]
    assert "pie" not in fits(choose_chart(["k", "valor"], rows))
    assert choose_chart(["k", "valor"], rows, hint="pie").type == "pie"


def test_pie_never_for_more_than_six_slices():
    rows = [[f"R{i}", i + 1] for i in range(MAX_PIE_SLICES + 1)]
    spec = choose_chart(["region", "ventas"], rows, hint="pie")
    assert spec.type == "bar"
    assert "pie" not in fits(spec)
    assert "ignored" in spec.reason


def test_pie_never_for_time_series():
    rows = [["2024-01", 10], ["2024-02", 12], ["2024-03", 8]]
    for hint in ("pie", "share"):
        spec = choose_chart(["mes", "ventas"], rows, hint=hint)
        assert spec.type == "line"
        assert "pie" not in fits(spec)


@pytest.mark.parametrize(
    ("name", "rows"),
    [
        ("ventas", [["a", 5], ["b", -1]]),  # negative part
        ("ventas", [["a", 5], ["b", None]]),  # missing part
        ("ventas", [["a", 0], ["b", 0]]),  # nothing to divide
        ("avg_ticket", [["a", 5], ["b", 6]]),  # averages are no parts of a whole
        ("ventas", [["a", 5], ["a", 6]]),  # repeated label
        ("ventas", [["a", 5]]),  # one slice
    ],
)
def test_pie_needs_distinct_non_negative_parts_of_a_whole(name, rows):
    assert "pie" not in fits(choose_chart(["k", name], rows, hint="pie"))


def test_two_numeric_measures_is_a_scatter():
    rows = [[10.0, 3], [12.5, 4], [8.0, 1]]
    spec, fig = render(["precio", "unidades"], rows)
    assert spec.type == "scatter" and spec.x == "precio" and spec.y == ("unidades",)
    trace = fig["data"][0]
    assert trace["type"] == "scatter" and trace["mode"] == "markers"
    assert fig["layout"]["xaxis"]["title"]["text"] == "precio"
    assert fig["layout"]["yaxis"]["title"]["text"] == "unidades"


def test_three_numeric_measures_default_to_table_with_scatter_offered():
    spec = choose_chart(["a", "b", "c"], [[1, 2, 3], [4, 5, 6]])
    assert spec.type == "table" and spec.alternatives == ("scatter",)


@pytest.mark.parametrize(
    ("columns", "rows"),
    [
        (["cliente", "importe"], [["Ana", 1], ["Ana", 2]]),  # raw listing: nothing aggregated
        (["a", "b", "c", "n"], [["x", "y", "z", 1]]),  # three categories
        (["nombre", "email"], [["Ana", "a@x"], ["Luis", "l@x"]]),  # no measure
        (["region", "ventas"], []),  # no rows
        (["region", "ventas"], [["N", 1, 2]]),  # rows that do not match the columns
    ],
)
def test_otherwise_a_table_with_no_figure(columns, rows):
    spec, fig = render(columns, rows)
    assert spec.type == "table"
    assert fig is None
    assert build_chart(columns, rows)["figure"] is None


def test_ids_are_labels_not_measures():
    spec = choose_chart(["tienda_id", "ventas"], [[1, 5], [2, 6]])
    assert spec.type == "bar" and spec.x == "tienda_id"


def test_masked_numeric_column_is_not_a_measure():
    rows = [["Norte", "***"], ["Sur", "***"]]
    spec = choose_chart(["region", "salario"], rows, column_types=["text", "numeric"])
    assert spec.type == "table"


def test_column_types_are_a_prior_values_decide():
    rows = [[2023, 5], [2024, 6]]
    assert choose_chart(["periodo", "v"], rows, column_types=["year", "bigint"]).type == "line"
    assert choose_chart(["k", "v"], rows, column_types=["text", "int"]).type == "bar"
    # SQLite reports dates as TEXT: the ISO values still make it a time series.
    rows = [["2024-01-01", 1], ["2024-01-02", 2]]
    assert choose_chart(["fecha", "v"], rows, column_types=["TEXT", "INTEGER"]).type == "line"


def test_nan_is_a_missing_value_and_never_reaches_the_json():
    rows = [["a", 1.0], ["b", float("nan")], ["c", float("inf")]]
    spec, fig = render(["k", "ventas"], rows)
    assert spec.type == "bar"
    assert fig["data"][0]["y"] == [1.0, None, None]
    assert_plain_json(fig)


def test_booleans_are_categories_with_words():
    spec, fig = render(["activo", "n"], [[True, 5], [False, 6]])
    assert spec.type == "bar"
    assert fig["data"][0]["x"] == ["Sí", "No"]
    _, fig = render(["activo", "n"], [[True, 5], [False, 6]], lang="en")
    assert fig["data"][0]["x"] == ["Yes", "No"]


# ------------------------------------------------------------------ alternatives and hints


FITTING_CASES = [
    (["total"], [[3]]),
    (["mes", "v"], [["2024-01", 1], ["2024-02", 2]]),
    (["region", "ventas"], REGIONS),
    (["region", "cat", "ventas"], [["N", "a", 1], ["N", "b", 2], ["S", "a", 3]]),
    (["x", "y"], [[1, 2], [3, 4]]),
    (["nombre", "email"], [["Ana", "a@x"]]),
]


@pytest.mark.parametrize(("columns", "rows"), FITTING_CASES)
def test_alternatives_only_list_types_that_fit(columns, rows):
    spec = choose_chart(columns, rows)
    assert spec.type not in spec.alternatives
    assert set(spec.alternatives) <= set(CHART_TYPES)
    assert spec.alternatives == tuple(t for t in CHART_TYPES if t in spec.alternatives)
    if spec.type != "table":
        assert "table" in spec.alternatives
    for alt in spec.alternatives:  # each alternative, asked for, is what is drawn
        alt_spec = choose_chart(columns, rows, hint=alt)
        assert alt_spec.type == alt
        assert fits(alt_spec) == fits(spec)
        fig = render_figure(alt_spec, columns, rows)
        if alt == "table":
            assert fig is None
        else:
            assert_plain_json(fig)


@pytest.mark.parametrize(("columns", "rows"), FITTING_CASES)
def test_types_not_listed_do_not_fit_and_hints_for_them_are_ignored(columns, rows):
    spec = choose_chart(columns, rows)
    for other in set(CHART_TYPES) - fits(spec):
        hinted = choose_chart(columns, rows, hint=other)
        assert hinted.type == spec.type
        assert "ignored" in hinted.reason


def test_hint_validation():
    assert validate_hint(" Bar ") == "bar"
    assert validate_hint("share") == "share"
    assert validate_hint("3d-donut") is None
    assert validate_hint(None) is None
    assert validate_hint(42) is None
    spec = choose_chart(["region", "ventas"], REGIONS, hint="import os")
    assert spec.type == "bar"
    assert "unknown hint" in spec.reason


def test_table_hint_always_fits():
    spec = choose_chart(["region", "ventas"], REGIONS, hint="table")
    assert spec.type == "table" and "bar" in spec.alternatives
    assert render_figure(spec, ["region", "ventas"], REGIONS) is None


def test_bar_hint_on_a_time_series_keeps_time_order():
    rows = [["2024-03", 3], ["2024-01", 1], ["2024-02", 2]]
    spec, fig = render(["mes", "ventas"], rows, hint="bar")
    assert spec.type == "bar" and spec.orientation == "v"
    assert fig["data"][0]["x"] == ["2024-01", "2024-02", "2024-03"]


# ------------------------------------------------------------------ caps


def test_more_than_fifty_bars_keeps_the_top_fifty_and_says_so():
    rows = [[f"Producto {i:03d}", i] for i in range(120)]
    spec, fig = render(["producto", "ventas"], rows)
    assert spec.type == "bar" and spec.limit == MAX_BARS and spec.total == 120
    assert "top 50 de 120" in spec.title
    trace = fig["data"][0]
    assert len(trace["x"]) == MAX_BARS
    assert trace["x"][0] == 119 and trace["y"][0] == "Producto 119"  # horizontal, largest first
    assert fig["layout"]["height"] > 1000  # tall enough for 50 readable bars
    spec = choose_chart(["producto", "ventas"], rows, lang="en")
    assert "top 50 of 120" in spec.title


def test_long_time_series_keeps_the_latest_points():
    start = dt.date(2020, 1, 1)
    n = MAX_LINE_POINTS + 500
    rows = [[(start + dt.timedelta(days=i)).isoformat(), i] for i in range(n)]
    spec, fig = render(["fecha", "v"], rows)
    assert spec.type == "line" and spec.limit == MAX_LINE_POINTS
    assert "últimos 2.000 de 2.500" in spec.title
    assert len(fig["data"][0]["x"]) == MAX_LINE_POINTS
    assert fig["data"][0]["y"][-1] == n - 1


def test_big_scatter_keeps_the_first_points():
    rows = [[i, i * 2] for i in range(MAX_SCATTER_POINTS + 10)]
    spec, fig = render(["a", "b"], rows, lang="en")
    assert spec.type == "scatter" and "first 2,000 of 2,010 points" in spec.title
    assert len(fig["data"][0]["x"]) == MAX_SCATTER_POINTS


# ------------------------------------------------------------------ layout, theme, language


def test_separators_follow_the_language():
    _, fig_es = render(["region", "ventas"], REGIONS, lang="es")
    _, fig_en = render(["region", "ventas"], REGIONS, lang="en")
    assert fig_es["layout"]["separators"] == ",."
    assert fig_en["layout"]["separators"] == ".,"
    assert choose_chart(["region", "ventas"], REGIONS, lang="es").title == "ventas por region"
    assert choose_chart(["region", "ventas"], REGIONS, lang="en-GB").title == "ventas by region"


def test_given_title_is_kept():
    assert choose_chart(["region", "ventas"], REGIONS, title="Ventas 2024").title == "Ventas 2024"


def test_theme_picks_template_and_colour_blind_safe_palette():
    _, light = render(["region", "ventas"], REGIONS)
    _, dark = render(["region", "ventas"], REGIONS, theme="dark")
    assert light["layout"]["colorway"] == list(PALETTE_LIGHT)
    assert dark["layout"]["colorway"] == list(PALETTE_DARK)
    # The template is embedded (plotly.js has no named templates), trimmed to the traces used.
    assert light["layout"]["template"]["layout"]["plot_bgcolor"] == "white"
    assert set(light["layout"]["template"]["data"]) <= {"bar"}
    assert dark["layout"]["template"]["layout"]["paper_bgcolor"] != "white"
    _, unknown = render(["region", "ventas"], REGIONS, theme="neon")
    assert unknown["layout"]["colorway"] == list(PALETTE_LIGHT)


def test_value_axis_shows_full_grouped_numbers():
    _, fig = render(["region", "ventas"], [["N", 1_250_000], ["S", 3_000_000]])
    axis = fig["layout"]["yaxis"]
    assert axis["separatethousands"] is True and axis["exponentformat"] == "none"
    assert axis["hoverformat"] == ",.0f"


def test_plotly_config_locale():
    assert plotly_config("es")["locale"] == "es"
    assert plotly_config("en")["locale"] == "en"
    assert plotly_config()["displaylogo"] is False


def test_render_rejects_a_spec_for_other_columns():
    spec = choose_chart(["region", "ventas"], REGIONS)
    assert render_figure(spec, ["a", "b"], REGIONS) is None


def test_format_number():
    assert format_number(1234567.891, "es") == "1.234.567,89"
    assert format_number(1234567.891, "en") == "1,234,567.89"
    assert format_number(2000, "es") == "2.000"
    assert format_number(0.5, "es") == "0,5"


# ------------------------------------------------------------------ text alternative


@pytest.mark.parametrize(
    ("columns", "rows", "es", "en"),
    [
        (["total"], [[1234.5]], "1.234,5", "1,234.5"),
        (["region", "ventas"], REGIONS, "Norte (120,5)", "Norte (120.5)"),
        (
            ["mes", "ventas"],
            [["2024-01", 100], ["2024-12", 150]],
            "de ene 2024 a dic 2024",
            "from Jan 2024 to Dec 2024",
        ),
        (["fecha", "v"], [["2024-12-31", 1], ["2025-01-01", 2]], "31 dic 2024", "Dec 31, 2024"),
        (["x", "y"], [[1, 2], [3, 4]], "dispersión", "Scatter plot"),
        (["nombre", "email"], [["Ana", "a@x"]], "1 fila y 2 columnas", "1 row and 2 columns"),
    ],
)
def test_chart_summary_in_both_languages(columns, rows, es, en):
    spec_es = choose_chart(columns, rows, lang="es")
    spec_en = choose_chart(columns, rows, lang="en")
    text_es = chart_summary(spec_es, columns, rows, "es")
    text_en = chart_summary(spec_en, columns, rows, "en")
    assert es in text_es and en in text_en
    assert text_es.endswith(".") and text_en.endswith(".")
    assert text_es != text_en


def test_summary_of_a_pie_gives_the_largest_share():
    spec = choose_chart(["region", "ventas"], [["N", 3], ["S", 1]], hint="pie")
    assert "N (75 %)" in chart_summary(spec, ["region", "ventas"], [["N", 3], ["S", 1]], "es")
    assert "N (75%)" in chart_summary(spec, ["region", "ventas"], [["N", 3], ["S", 1]], "en")


def test_summary_of_a_line_gives_the_change():
    rows = [["2024", 100], ["2025", 80]]
    spec = choose_chart(["anio", "ventas"], rows)
    assert "pasa de 100 a 80 (−20 %)" in chart_summary(spec, ["anio", "ventas"], rows, "es")


def test_summary_mentions_the_cap():
    rows = [[f"P{i}", i] for i in range(60)]
    spec = choose_chart(["producto", "ventas"], rows)
    assert "top 50 de 60" in chart_summary(spec, ["producto", "ventas"], rows, "es")


# ------------------------------------------------------------------ the chart field


def test_build_chart_is_the_contract_field_and_json_safe():
    chart = build_chart(["region", "ventas"], REGIONS, lang="en", theme="dark")
    assert chart["type"] in CHART_TYPES
    assert set(chart) >= {"type", "figure"}
    assert chart["alternatives"] == ["pie", "table"]
    assert chart["summary"].startswith("Bar chart")
    assert_plain_json(chart)


def test_spec_is_frozen_and_serialisable():
    spec = choose_chart(["region", "ventas"], REGIONS)
    with pytest.raises(AttributeError):
        spec.type = "pie"  # type: ignore[misc]
    assert json.loads(json.dumps(spec.to_dict()))["y"] == ["ventas"]
    assert spec.series == spec.color


def test_figure_is_made_of_plain_python_types():
    def walk(node):
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        else:
            assert node is None or type(node) in (str, int, float, bool), type(node)

    for columns, rows in FITTING_CASES:
        for theme in ("light", "dark"):
            fig = build_chart(columns, rows, theme=theme)["figure"]
            if fig is not None:
                walk(fig)


# ------------------------------------------------------------------ the vendored plotly.js


def test_ensure_vendor_assets_writes_plotly_js_once(tmp_path):
    from datachat.assets import PLOTLY_JS, ensure_vendor_assets

    target = tmp_path / PLOTLY_JS
    assert ensure_vendor_assets(tmp_path) == [target]
    assert target.read_bytes().startswith(b"/**\n* plotly.js v")
    assert ensure_vendor_assets(tmp_path) == []  # idempotent
    target.write_text("stale")  # another plotly version, or a torn write
    assert ensure_vendor_assets(tmp_path) == [target]
    assert target.stat().st_size > 1_000_000


VALIDATION_SHAPES = [
    (["n"], [[20000]]),
    (["region", "revenue"], [["Norte", 1.5], ["Sur", 2.5], ["Este", 3.0], ["Oeste", 0.5]]),
    (["mes", "revenue"], [["2025-01", 10.0], ["2025-02", 12.0], ["2025-03", 9.5]]),
    (["canal", "region", "revenue"], [["Online", "Norte", 1.0], ["Tienda", "Sur", 2.0]]),
    (["precio", "unidades"], [[10.0, 3], [20.0, 5], [30.0, 1]]),
    (["producto", "revenue"], [[f"Producto número {i}", float(i)] for i in range(30)]),
]


@pytest.mark.parametrize(("columns", "rows"), VALIDATION_SHAPES)
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_figure_is_valid_plotly_json(columns, rows, theme):
    # The figures are built as plain dicts for speed; plotly's own validator must accept them.
    import plotly.graph_objects as go

    spec = choose_chart(columns, rows, lang="es")
    for kind in (spec.type, *spec.alternatives):
        alt = choose_chart(columns, rows, hint=kind, lang="es")
        figure = render_figure(alt, columns, rows, lang="es", theme=theme)
        if figure is not None:
            go.Figure(figure)  # raises ValueError on any invalid property
