"""The waterfall chart kind: a change between two periods drawn as the bars that add up to it.

One kind of the chart registry (`charts.CHARTS["waterfall"]`, registered here; `charts.py` imports
this module last, so the registry always holds it). Unlike the other kinds it is never chosen from
a result's shape (`fits` is None): a why-answer draws it from its `decomposition`
(docs/insights.md). Declarative like every other chart: Plotly's own `waterfall` trace as figure
JSON (plain dicts), built only from a decomposition's numbers; no code is generated or executed.
The first bar is the metric in period A ("absolute"), then one bar per value of the dimension
("relative": its contribution), the rest grouped in one bar, and the metric in period B ("total").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.chat.engine import charts
from apps.chat.engine.charts import ChartKind, gettext_noop, register

MAX_BARS = 8  # values drawn one by one; the others share one bar (so the bars still add up)

_WORDS = {
    "others": ("Otros", "Others"),
    "title": ("Cambio de {metric} por {dimension}", "Change in {metric} by {dimension}"),
    "summary": (
        "Cascada: {metric} pasa de {a} en {pa} a {b} en {pb}; {n} barras de contribución por "
        "{dimension}.",
        "Waterfall: {metric} goes from {a} in {pa} to {b} in {pb}; {n} contribution bars by "
        "{dimension}.",
    ),
}

# Okabe & Ito: blue for rises, vermillion for drops, grey for the two totals.
_COLOURS = {
    "light": {"up": "#0072B2", "down": "#D55E00", "total": "#7f7f7f"},
    "dark": {"up": "#56B4E9", "down": "#E69F00", "total": "#bbbbbb"},
}


def _w(key: str, lang: str) -> str:
    es, en = _WORDS[key]
    return es if lang == "es" else en


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


@register
class WaterfallChart(ChartKind):
    """`figure(decomposition, dimension=…)` → Plotly figure JSON, from the answer's stored
    `decomposition` (docs/insights.md), in light or dark."""

    name = "waterfall"
    label = gettext_noop("Waterfall")
    priority = 1000
    title_form = None

    def fits(self, cols: list, data: list[list[Any]], hint: str | None) -> None:
        """Never from a result's shape: a waterfall needs a decomposition's totals and parts."""
        return None

    def bars(
        self, decomposition: dict[str, Any], dimension: str | None = None, *, lang: str = "es"
    ):
        """(labels, values, measures) of the bars; the relative bars add up to B − A exactly."""
        dims = decomposition.get("dimensions") or []
        if not dims:
            return None
        column = dimension or self.headline_column(decomposition)
        parts = [c for c in decomposition.get("contributions") or [] if c["column"] == column]
        if not parts:
            return None
        parts.sort(key=lambda c: -abs(_dec(c["change"])))
        shown, rest = parts[:MAX_BARS], parts[MAX_BARS:]
        labels = [decomposition["period_a"]["label"]] + [str(c["value"]) for c in shown]
        values = [_dec(decomposition["value_a"])] + [_dec(c["change"]) for c in shown]
        measures = ["absolute"] + ["relative"] * len(shown)
        if rest:
            labels.append(_w("others", lang))
            values.append(sum((_dec(c["change"]) for c in rest), Decimal(0)))
            measures.append("relative")
        labels.append(decomposition["period_b"]["label"])
        values.append(_dec(decomposition["value_b"]))
        measures.append("total")
        return labels, values, measures, column

    @staticmethod
    def headline_column(decomposition: dict[str, Any]) -> str:
        top = decomposition.get("top") or []
        by_label = {d["label"]: f"{d['table']}.{d['column']}" for d in decomposition["dimensions"]}
        if top and top[0]["dimension"] in by_label:
            return by_label[top[0]["dimension"]]
        first = decomposition["dimensions"][0]
        return f"{first['table']}.{first['column']}"

    def figure(
        self,
        decomposition: dict[str, Any],
        *,
        dimension: str | None = None,
        lang: str = "es",
        theme: str = "light",
    ) -> dict[str, Any] | None:
        lang = "en" if lang == "en" else "es"
        theme = theme if theme in charts.TEMPLATES else "light"
        drawn = self.bars(decomposition, dimension, lang=lang)
        if drawn is None:
            return None
        labels, values, measures, column = drawn
        label = next(
            (
                d["label"]
                for d in decomposition["dimensions"]
                if f"{d['table']}.{d['column']}" == column
            ),
            column,
        )
        metric = decomposition["metric"]["label"]
        currency = decomposition.get("currency") or ""
        colours = _COLOURS[theme]
        numbers = [float(v) for v in values]
        trace = {
            "type": "waterfall",
            "orientation": "v",
            "x": labels,
            "y": numbers,
            "measure": measures,
            "text": [charts.format_number(v, lang) for v in numbers],
            "textposition": "outside",
            "connector": {"line": {"width": 1, "dash": "dot"}},
            "increasing": {"marker": {"color": colours["up"]}},
            "decreasing": {"marker": {"color": colours["down"]}},
            "totals": {"marker": {"color": colours["total"]}},
            "name": metric,
            "hovertemplate": "%{x}: %{y:,.2f}<extra></extra>",
        }
        title = _w("title", lang).format(metric=metric, dimension=label)
        value_axis = charts._value_axis(f"{metric} ({currency})" if currency else metric, numbers)
        layout = {
            "template": charts._template(charts.TEMPLATES[theme], {"waterfall"}),
            "separators": ",." if lang == "es" else ".,",
            "title": {"text": title, "x": 0, "xanchor": "left", "pad": {"l": 12}},
            "margin": {"t": 56, "r": 16, "b": 48, "l": 16},
            "autosize": True,
            "showlegend": False,
            "xaxis": {"type": "category", "automargin": True, "title": {"text": label}},
            "yaxis": value_axis,
            "waterfallgap": 0.3,
        }
        return charts._json_safe({"data": [trace], "layout": layout})

    def describe(self, decomposition: dict[str, Any], *, lang: str = "es") -> str:
        """One sentence for screen readers."""
        drawn = self.bars(decomposition, lang=lang)
        if drawn is None:
            return ""
        labels, _values, _measures, column = drawn
        label = next(
            (
                d["label"]
                for d in decomposition["dimensions"]
                if f"{d['table']}.{d['column']}" == column
            ),
            column,
        )
        return _w("summary", lang).format(
            metric=decomposition["metric"]["label"],
            a=charts.format_number(decomposition["value_a"], lang),
            pa=decomposition["period_a"]["label"],
            b=charts.format_number(decomposition["value_b"], lang),
            pb=decomposition["period_b"]["label"],
            n=len(labels) - 2,
            dimension=label,
        )


# The kinds drawn from an answer's `decomposition` rather than chosen from the result's shape.
KINDS: dict[str, WaterfallChart] = {WaterfallChart.name: charts.CHARTS[WaterfallChart.name]}
