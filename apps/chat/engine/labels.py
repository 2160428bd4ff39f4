"""Display labels of result columns: what people read instead of SQL aliases (issue 14.1).

Pure (no Django). `display_labels` is the one place that names a result column for people:
the answer's `labels` field, the results table's headers, the chart's title, axes and legend
all read its output (exports keep the SQL aliases as headers: the names code reading them
uses). A label comes from, in order:

1. the plan's measures: the metric's name in the question's language ("Ventas totales");
2. the plan's period column: the grain's word ("Mes", "Semana", "Trimestre", "Año", "Día");
3. the plan's dimensions and listed columns, then any catalog column of that name: the column's
   word in the language (its accented synonym in Spanish, "región", "categoría"; its English
   gloss in English);
4. a catalog metric whose output alias is the column ("revenue_total" → "Ventas totales");
5. the alias itself, its words spaced and capitalised ("ticket_medio" → "Ticket medio").

The documented currency or unit (`engine/units.py`) follows in parentheses ("Ventas totales
(USD)"). A measure counted as a 0..1 fraction (an average discount, a share) is labelled with
" (%)": `is_percent(label)` is how the table and the charts know to show it as a percentage.

`chart_labels` is the single function the charts call to draw a result with these labels.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from apps.chat.engine.offline import lexicon as lx
from apps.chat.engine.offline.measures import metric_label
from apps.chat.engine.offline.semantic import SemanticModel
from apps.chat.engine.offline.suggest import column_word
from apps.chat.engine.plan import QueryPlan

PERCENT = "%"
_GRAIN_WORDS = {
    "es": {"day": "Día", "week": "Semana", "month": "Mes", "quarter": "Trimestre", "year": "Año"},
    "en": {"day": "Day", "week": "Week", "month": "Month", "quarter": "Quarter", "year": "Year"},
}
# Aliases the SQL generator gives period columns, in either language.
_GRAIN_ALIASES = {
    "day": "day", "dia": "day", "week": "week", "semana": "week", "month": "month",
    "mes": "month", "quarter": "quarter", "trimestre": "quarter", "year": "year", "anio": "year",
    "ano": "year", "period": None, "periodo": None,
}  # fmt: skip
_WEEK_VALUE = re.compile(r"^(\d{4})-W?(\d{2})$")
_MONTHS = {
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def display_labels(
    columns: list[str],
    *,
    plan: QueryPlan | None,
    model: SemanticModel | None,
    units: Mapping[str, str] | None,
    lang: str,
) -> dict[str, str]:
    """`{result column: label}` for every column (see the module doc for the order)."""
    lang = "en" if lang == "en" else "es"
    units = units or {}
    labels: dict[str, str] = {}
    for column in columns:
        name, percent = _name(str(column), plan, model, lang)
        unit = PERCENT if percent else units.get(column, "")
        labels[column] = f"{_capital(name)} ({unit})" if unit else _capital(name)
    return labels


def is_percent(label: str) -> bool:
    """A column labelled as a fraction shown in percent (see `display_labels`)."""
    return str(label).endswith(f" ({PERCENT})")


def _name(
    column: str, plan: QueryPlan | None, model: SemanticModel | None, lang: str
) -> tuple[str, bool]:
    """(the words for a column, whether it is a 0..1 fraction)."""
    folded = lx.fold(column)
    if plan is not None:
        for metric in plan.metrics:
            if metric.alias == column:
                ratio = metric.unit == "ratio" or (plan.share and metric.unit != "percent")
                return metric.label, ratio
        grain = _GRAIN_ALIASES.get(folded, "")
        if plan.grain and (grain == plan.grain or grain is None):
            return _GRAIN_WORDS[lang][plan.grain], False
        for ref in (*plan.dimensions, *plan.listing):
            if ref.column == column and model is not None:
                word = column_word(model, ref.table, ref.column, lang)
                return word, _ratio(model, ref.table, column)
    grain = _GRAIN_ALIASES.get(folded)
    if grain:
        return _GRAIN_WORDS[lang][grain], False
    if model is not None:
        for table in model.catalog.tables:
            if table.column(column) is not None:
                word = column_word(model, table.name, column, lang)
                return word, _ratio(model, table.name, column)
        for key, metric in model.metrics.items():
            if metric.alias == column:
                return metric_label(model, key, lang), metric.unit == "ratio"
    return column.replace("_", " ").strip() or column, False


def _ratio(model: SemanticModel, table: str, column: str) -> bool:
    info = model.column(table, column)
    return bool(info and info.ratio)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


# --- values shown with the labels -----------------------------------------------------------


def week_range(value: Any, lang: str) -> str | None:
    """ "2025-48" (the SQL generator's week: Monday-based, days before the year's first Monday
    are week 00) → "1–7 dic 2025"; None for anything else."""
    match = _WEEK_VALUE.match(str(value)) if isinstance(value, str) else None
    if match is None:
        return None
    year, week = int(match.group(1)), int(match.group(2))
    jan1 = dt.date(year, 1, 1)
    first_monday = jan1 + dt.timedelta(days=(7 - jan1.weekday()) % 7)
    if week == 0:
        start, end = jan1, first_monday - dt.timedelta(days=1)
    else:
        start = first_monday + dt.timedelta(days=7 * (week - 1))
        end = start + dt.timedelta(days=6)
    if start.year != year or week > 53:
        return None
    end = min(end, dt.date(year, 12, 31))
    months = _MONTHS["en" if lang == "en" else "es"]
    if lang == "en":
        if start.month == end.month:
            return f"{months[start.month - 1]} {start.day}–{end.day}, {year}"
        return f"{months[start.month - 1]} {start.day} – {months[end.month - 1]} {end.day}, {year}"
    if start.month == end.month:
        return f"{start.day}–{end.day} {months[start.month - 1]} {year}"
    return f"{start.day} {months[start.month - 1]} – {end.day} {months[end.month - 1]} {year}"


def is_week_column(name: str, values: list[Any]) -> bool:
    """A period column of weeks: named so, and every value a "YYYY-WW" week."""
    present = [v for v in values if v is not None]
    return (
        _GRAIN_ALIASES.get(lx.fold(str(name))) == "week"
        and bool(present)
        and all(week_range(v, "es") is not None for v in present)
    )


def chart_labels(
    spec: Any,
    columns: list[str],
    rows: list[list[Any]],
    labels: Mapping[str, str] | None,
    lang: str,
) -> tuple[Any, list[str], list[list[Any]]]:
    """The chart `spec`, columns and rows as people read them: columns renamed to their labels
    (so the title, axes, legend, hover and the text alternative say "Ventas totales (USD) por
    Región"), and week periods as date ranges. The spec was chosen on the raw columns (the
    chooser reads column names); drawing only needs names to match the spec's."""
    labels = dict(labels or {})
    if not labels:
        return spec, list(columns), rows
    # Two columns with one label (rare: "region" of two tables) keep their raw names.
    shown = [labels.get(c, c) for c in columns]
    if len(set(shown)) != len(shown):
        return spec, list(columns), rows

    def name(column: str | None) -> str | None:
        return labels.get(column, column) if column is not None else None

    weeks = [
        i for i, c in enumerate(columns) if is_week_column(c, [r[i] for r in rows if i < len(r)])
    ]
    if weeks:
        rows = [[week_range(v, lang) if i in weeks else v for i, v in enumerate(r)] for r in rows]
    title = spec.title
    raw = [spec.x, spec.color, *spec.y]
    for column in sorted((c for c in raw if c), key=len, reverse=True):
        title = re.sub(rf"(?<![\w(]){re.escape(column)}(?![\w)])", name(column), title)
    relabelled = dataclasses.replace(
        spec,
        x=name(spec.x),
        y=tuple(name(y) for y in spec.y),
        color=name(spec.color),
        title=title,
    )
    return relabelled, shown, rows


def percent_axes(figure: dict[str, Any] | None, spec: Any) -> dict[str, Any] | None:
    """Fractions drawn as percentages: the value axis and the KPI of a " (%)" measure."""
    if not figure or not spec.y or not is_percent(spec.y[0]):
        return figure
    layout = figure.get("layout") or {}
    horizontal = spec.type == "bar" and spec.orientation == "h"
    axis = "xaxis" if horizontal else "yaxis"
    if spec.type in ("bar", "line") and axis in layout:
        layout[axis]["tickformat"] = ".0%"
        layout[axis]["hoverformat"] = ".2%"
    if spec.type == "kpi":
        for trace in figure.get("data") or []:
            trace.setdefault("number", {})["valueformat"] = ".2%"
    return figure


def labelled_chart(
    columns: list[str],
    rows: list[list[Any]],
    *,
    labels: Mapping[str, str] | None,
    units: Mapping[str, str] | None,
    hint: str | None,
    lang: str,
    themes: tuple[str, ...] = ("light",),
) -> tuple[Any, dict[str, dict[str, Any] | None], str]:
    """(spec as chosen, {theme: figure}, text alternative) drawn with the display labels.

    The chart is chosen on the raw columns and drawn through `chart_labels`. Without labels
    (an answer stored before them) the unit map labels the axes as before."""
    from apps.chat.engine import charts

    spec = charts.choose_chart(columns, rows, hint=hint, lang=lang)
    shown_spec, shown_columns, shown_rows = chart_labels(spec, columns, rows, labels, lang)
    plain = shown_columns == list(columns)
    figures = {}
    for theme in themes:
        figure = charts.render_figure(
            shown_spec,
            shown_columns,
            shown_rows,
            lang=lang,
            theme=theme,
            units=dict(units or {}) if plain else None,
        )
        figures[theme] = percent_axes(figure, shown_spec)
    summary = charts.chart_summary(shown_spec, shown_columns, shown_rows, lang)
    return shown_spec, figures, summary
