"""The chart registry: one object per chart kind, and a new kind is one class plus `register`.

Pure tests (no Django): run with `pytest -p no:django apps/chat/tests/test_chart_registry.py`.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import pytest

from apps.chat.engine import charts
from apps.chat.engine.charts import (
    CHARTS,
    ChartKind,
    Drawing,
    build_chart,
    chart_summary,
    choose_chart,
    register,
    render_figure,
)
from datachat.contract import CHART_KINDS


@pytest.fixture
def registry():  # noqa: ANN201
    """Restores the registry after a test that registers a kind of its own."""
    saved = dict(CHARTS)
    yield
    CHARTS.clear()
    CHARTS.update(saved)
    charts._registry_changed()


def test_one_object_per_kind_in_the_switchers_order() -> None:
    # The waterfall (chat/engine/waterfall.py) registers itself last; it is drawn from a
    # why-answer's decomposition, never chosen from a result's shape.
    assert charts.CHART_TYPES == ("kpi", "line", "bar", "pie", "scatter", "table", "waterfall")
    assert set(CHART_KINDS) <= set(CHARTS)
    for name, kind in CHARTS.items():
        assert isinstance(kind, ChartKind) and kind.name == name
        assert kind.label  # the switcher names every kind
    assert frozenset(charts.CHART_TYPES) | {"share"} == charts.HINTS


def test_a_name_is_registered_once(registry) -> None:  # noqa: ANN001
    class Again(ChartKind):
        name = "bar"
        label = "Bars again"

    with pytest.raises(ValueError, match="already registered"):
        register(Again)
    assert type(CHARTS["bar"]).__name__ == "BarChart"


def test_a_new_kind_is_one_class_and_its_registration(registry) -> None:  # noqa: ANN001
    """A strip of category values: chosen, drawn, described and titled through the registry
    alone, with nothing else in the chart engine changed."""

    @register
    class StripChart(ChartKind):
        name = "strip"
        label = "Strip"
        priority = 5
        title_form = "measure"
        aliases = ("dots",)

        def fits(self, cols: list[Any], data: list[list[Any]], hint: str | None) -> Any:
            if len(cols) == 1 and cols[0].kind == charts.CATEGORY and 2 <= len(data) <= 10:
                return charts._Fit(x=0, y=(0,), total=len(data), reason="a few labels")
            return None

        def render(self, d: Drawing, layout: dict[str, Any]) -> list[dict[str, Any]]:
            labels = [str(r[d.xi]) for r in d.data]
            return [charts._trace("scatter", x=labels, y=[1] * len(labels), mode="markers")]

        def summary(self, d: Drawing, y_names: str, cap: str) -> str:
            return f"{len(d.data)} × {y_names}"

    columns, rows = ["region"], [["Norte"], ["Sur"], ["Este"]]
    spec = choose_chart(columns, rows, lang="en")
    assert spec.type == "strip"
    assert spec.alternatives == ("table",)
    assert spec.title == "region"
    figure = render_figure(spec, columns, rows)
    go.Figure(figure)  # Plotly accepts it
    assert figure["data"][0]["x"] == ["Norte", "Sur", "Este"]
    assert chart_summary(spec, columns, rows) == "3 × region"
    assert charts.CHART_TYPES[-1] == "strip"
    assert charts.validate_hint("DOTS") == "dots"
    # The table is still offered, and asking for it gives it; other shapes are untouched.
    assert choose_chart(columns, rows, hint="table").type == "table"
    assert choose_chart(columns, rows, hint="dots").type == "strip"
    assert build_chart(["region", "total"], [["Norte", 1], ["Sur", 2]])["type"] == "bar"


def test_a_kind_that_does_not_fit_is_never_offered(registry) -> None:  # noqa: ANN001
    @register
    class Never(ChartKind):
        name = "never"
        label = "Never"
        priority = 1

        def fits(self, cols: list[Any], data: list[list[Any]], hint: str | None) -> None:
            return None

    for columns, rows in ((["n"], [[1]]), (["r", "t"], [["a", 1], ["b", 2]])):
        spec = choose_chart(columns, rows, hint="never")
        assert spec.type != "never" and "never" not in spec.alternatives
        assert "hint 'never' ignored" in spec.reason


def test_an_unregistered_kind_draws_nothing_and_reads_as_a_table() -> None:
    spec = charts.ChartSpec(type="waterfall", x="r", y=("t",))
    assert render_figure(spec, ["r", "t"], [["a", 1]]) is None
    assert chart_summary(spec, ["r", "t"], [["a", 1]], "en") == "Table with 1 row and 2 columns."
