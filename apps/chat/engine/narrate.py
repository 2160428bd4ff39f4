"""Templated short answers (1-3 sentences) from a query's plan and its result rows, es/en.

Pure: no Django, no LLM. Every number in the text comes from `rows`; nothing is estimated.
Numbers follow the language (es `1.234,56`, en `1,234.56`); a value is followed by its column's
documented currency or unit (`units`, from `engine/units.py`), and by nothing when none is known;
ratios (fractions such as an average discount) are shown as percentages.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from apps.chat.engine.labels import week_range
from apps.chat.engine.plan import QueryPlan

_TEXT = {
    "empty": ("La consulta no devolvió datos.", "The query returned no data."),
    "rows": ("La consulta devolvió {n} filas.", "The query returned {n} rows."),
    "one_row": ("La consulta devolvió 1 fila.", "The query returned 1 row."),
    "result": ("Resultado: {value}.", "Result: {value}."),
    "truncated": (" (se muestran {shown} de {total} filas)", " (showing {shown} of {total} rows)"),
    # {most}: "el mayor" / "las mayores" ... agreeing with the metric (see _superlative)
    "highest": (
        "{item} tiene {most} {metric}: {value}",
        "{item} has the highest {metric}: {value}",
    ),
    "lowest": (
        "{item} tiene {most} {metric}: {value}",
        "{item} has the lowest {metric}: {value}",
    ),
    "tied_highest": (
        "{items} empatan con {most} {metric}: {value}",
        "{items} tie for the highest {metric}: {value}",
    ),
    "tied_lowest": (
        "{items} empatan con {most} {metric}: {value}",
        "{items} tie for the lowest {metric}: {value}",
    ),
    "groups": (" (de {n} grupos).", " (out of {n} groups)."),
    "next": (" Le sigue **{item}** con {value}.", " Next is **{item}** with {value}."),
    "trend": (
        "{metric} {verb} de {first} en {p1} a {last} en {p2} ({change}).",
        "{metric} went from {first} in {p1} to {last} in {p2} ({change}).",
    ),
    "peak": (" El máximo fue {value} en {period}.", " The peak was {value} in {period}."),
    "single_period": ("{metric} en {period}: {value}.", "{metric} in {period}: {value}."),
    "series": (
        "Serie de {n} periodos ({p1} a {p2}) para {k} grupos.",
        "Series of {n} periods ({p1} to {p2}) for {k} groups.",
    ),
    "compare": (
        "**{a}** supera a **{b}** en {metric}: {va} frente a {vb} (diferencia {gap}{pct}).",
        "**{a}** beats **{b}** on {metric}: {va} vs {vb} (difference {gap}{pct}).",
    ),
    "tie": (
        "**{a}** y **{b}** empatan en {metric}: {va}.",
        "**{a}** and **{b}** tie on {metric}: {va}.",
    ),
    "listing": ("{n} resultados: {items}.", "{n} results: {items}."),
    "listing_one": ("1 resultado: {items}.", "1 result: {items}."),
}


def _t(key: str, lang: str, **values: Any) -> str:
    es, en = _TEXT[key]
    return (es if lang == "es" else en).format(**values)


# --- numbers ----------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def format_number(value: Any, lang: str, *, decimals: int | None = None) -> str:
    """es `1.234,56`, en `1,234.56`; integers without decimals unless `decimals` says so."""
    if not _is_number(value):
        return str(value)
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        return str(value)
    if decimals is None:
        if number.is_integer():
            decimals = 0
        elif abs(number) < 1:
            decimals = 4
        else:
            decimals = 2
    text = f"{number:,.{decimals}f}"
    if lang == "es":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def format_value(value: Any, unit: str, lang: str, label: str = "") -> str:
    """A metric value in its kind: money with two decimals, ratios as percentages, counts as
    integers; followed by `label`, the documented currency or unit, when there is one."""
    text = _format_kind(value, unit, lang)
    if label and _is_number(value) and unit not in ("percent", "ratio"):
        return f"{text} {label}"
    return text


def _format_kind(value: Any, unit: str, lang: str) -> str:
    if value is None:
        return "—"
    if not _is_number(value):
        return str(value)
    if unit == "money":
        return format_number(value, lang, decimals=2)
    if unit == "percent":
        text = format_number(value, lang, decimals=2)
        return f"{text} %" if lang == "es" else f"{text}%"
    if unit == "ratio":
        percent = format_number(float(value) * 100, lang, decimals=2)
        return f"{percent} %" if lang == "es" else f"{percent}%"
    if unit == "count":
        return format_number(value, lang, decimals=0 if float(value).is_integer() else 2)
    return format_number(value, lang)


def _change(first: Any, last: Any, lang: str) -> str:
    if not (_is_number(first) and _is_number(last)) or float(first) == 0:
        return "—"
    pct = (float(last) - float(first)) / abs(float(first)) * 100
    sign = "+" if pct >= 0 else "−"
    text = format_number(abs(pct), lang, decimals=1)
    return f"{sign}{text} %" if lang == "es" else f"{sign}{text}%"


# --- wording ----------------------------------------------------------------------------------


def _mid(label: str) -> str:
    """A metric name inside a sentence: "Unidades vendidas" -> "unidades vendidas", but
    acronyms and proper names in capitals ("AOV", "EBITDA") stay as written."""
    first = label.split(" ", 1)[0]
    if len(first) > 1 and (first.isupper() or first[1:2].isupper()):
        return label
    return label[:1].lower() + label[1:]


def _cap(text: str) -> str:
    """A sentence starts with a capital, even after markdown bold ("**ventas** ...")."""
    for n, char in enumerate(text):
        if char.isalpha():
            return text[:n] + char.upper() + text[n + 1 :]
        if char not in "*_ ":
            return text
    return text


def _es_form(label: str) -> tuple[bool, bool]:
    """(feminine, plural) of a Spanish metric name, from its head noun: "ventas totales"
    (f, pl), "número de ventas" (m, sg), "facturación" (f, sg), "unidades vendidas" (f, pl)."""
    head = label.split(" ", 1)[0].lower()
    plural = head.endswith("s") and not head.endswith(("is", "us"))
    stem = head[:-2] if head.endswith("es") and plural else head[:-1] if plural else head
    feminine = stem.endswith(("a", "dad", "tad", "ión", "ion", "ud", "ie")) or head.endswith("as")
    return feminine, plural


def _superlative(label: str, lowest: bool) -> str:
    """ "el mayor" / "la mayor" / "los mayores" / "las mayores" (or menor) for the metric."""
    feminine, plural = _es_form(label)
    article = ("las" if feminine else "los") if plural else ("la" if feminine else "el")
    word = "menor" if lowest else "mayor"
    return f"{article} {word}{'es' if plural else ''}"


def _names(items: list[str], lang: str) -> str:
    """ "**A**, **B** y **C**" (at most four names, then how many more)."""
    bold = [f"**{i}**" for i in items[:4]]
    more = len(items) - len(bold)
    if more:
        bold.append(f"{more} más" if lang == "es" else f"{more} more")
    joiner = " y " if lang == "es" else " and "
    return ", ".join(bold[:-1]) + joiner + bold[-1]


def _label(value: Any, grain: str | None, lang: str) -> str:
    """A period or category label as text: quarters as T3/Q3, years without separators."""
    if grain == "quarter" and isinstance(value, int) and 1 <= value <= 4:
        return f"T{value}" if lang == "es" else f"Q{value}"
    if grain == "week":
        return week_range(value, lang) or str(value)  # "2025-48" -> "1–7 dic 2025"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- answers ----------------------------------------------------------------------------------


def narrate(
    plan: QueryPlan | None,
    columns: list[str],
    rows: list[list],
    *,
    lang: str,
    row_count: int,
    truncated: bool,
    units: dict[str, str] | None = None,
) -> str:
    """A short answer in `lang` ("es"/"en") describing `rows` as `plan` asked for them.

    `units` ({column: "EUR"}) says what each result column is counted in; values of the
    other columns get no currency or unit at all."""
    lang = "es" if lang == "es" else "en"
    if not rows or row_count == 0 or all(all(v is None for v in row) for row in rows):
        return _t("empty", lang)
    plan = _with_units(plan, columns, units or {})
    if plan is None and units and len(columns) == 1 and len(rows) == 1:
        value = format_value(rows[0][0], "number", lang, units.get(columns[0], ""))
        return _t("result", lang, value=value)
    try:
        text = _describe(plan, columns, rows, lang, row_count)
    except (ValueError, TypeError, IndexError, ZeroDivisionError):
        text = _generic(columns, rows, lang, row_count)
    if truncated:
        text = text.rstrip(".") + _t("truncated", lang, shown=len(rows), total=row_count) + "."
    return text


def _with_units(plan: QueryPlan | None, columns: list[str], units: dict[str, str]):  # noqa: ANN202
    """The plan with each metric's unit label taken from its result column."""
    if plan is None:
        return None
    keys = (1 if plan.grain and not plan.average_over else 0) + len(plan.dimensions)
    if plan.listing or len(columns) != keys + len(plan.metrics):
        return plan
    metrics = tuple(
        replace(m, unit_label=units.get(columns[keys + i], "")) for i, m in enumerate(plan.metrics)
    )
    return replace(plan, metrics=metrics)


def _generic(columns: list[str], rows: list[list], lang: str, row_count: int) -> str:
    if len(rows) == 1 and len(rows[0]) == 1:
        return _t("result", lang, value=format_value(rows[0][0], "number", lang))
    if row_count == 1:
        return _t("one_row", lang)
    return _t("rows", lang, n=format_number(row_count, lang))


def _describe(
    plan: QueryPlan | None, columns: list[str], rows: list[list], lang: str, row_count: int
) -> str:
    if plan is None:
        return _generic(columns, rows, lang, row_count)
    if plan.listing:
        return _listing(rows, lang, max(row_count, len(rows)))
    keys = (1 if plan.grain and not plan.average_over else 0) + len(plan.dimensions)
    if plan.hidden_metrics and len(columns) < keys + len(plan.metrics):
        plan = _shown_metrics(plan)
        if not plan.metrics:  # "the country with the most car makers": the names it asked for
            return _listing(rows, lang, max(row_count, len(rows)))
    if len(columns) != keys + len(plan.metrics) or not plan.metrics:
        return _generic(columns, rows, lang, len(rows))
    if keys == 0:
        return _single(plan, rows[0], lang)
    if plan.comparison is not None and keys == 1:
        return _comparison(plan, rows, lang)
    if plan.average_over:
        return _ranking(plan, rows, keys, lang)
    if plan.rank_within:
        return _per_group(plan, rows, keys, lang)
    if plan.grain and keys == 1 and not (plan.order and plan.limit):
        return _trend(plan, rows, lang)
    if plan.grain and not (plan.order and plan.limit):
        return _series(plan, rows, lang)
    return _ranking(plan, rows, keys, lang)


def _shown_metrics(plan: QueryPlan) -> QueryPlan:
    """The plan as its columns show it: without the metrics said only to rank or keep the rows
    (they are not columns; the interpretation says them), ordered by none of the others."""
    hidden = set(plan.hidden_metrics)
    metrics = tuple(m for n, m in enumerate(plan.metrics) if n not in hidden)
    return replace(plan, metrics=metrics, order=None, having=(), hidden_metrics=())


def _context(plan: QueryPlan) -> str:
    equal = ("=", "in", "said")
    said = [f for f in plan.filters if not f.either]  # "Paris or older than 30": the reading's
    bits = [", ".join(str(v) for v in f.values) for f in said if f.op in equal]
    bits += [f"≠ {', '.join(str(v) for v in f.values)}" for f in said if f.op in ("!=", "not in")]
    if plan.time_range is not None and plan.time_range.label:
        bits.append(plan.time_range.label)
    return f" ({'; '.join(bits)})" if bits else ""


def _single(plan: QueryPlan, row: list, lang: str) -> str:
    parts = [
        f"**{m.label}**: {format_value(v, m.unit, lang, m.unit_label)}"
        for m, v in zip(plan.metrics, row, strict=True)
    ]
    head = parts[0] if len(parts) == 1 else "; ".join(parts)
    context = _context(plan)
    if context and len(parts) == 1:
        label, value = head.split(": ", 1)
        return _cap(f"{label}{context}: {value}.")
    return _cap(f"{head}{context}.")


def _item(row: list, keys: int, grain: str | None, lang: str, at: int = 0) -> str:
    return " / ".join(_label(v, grain if n == at else None, lang) for n, v in enumerate(row[:keys]))


def _ranking(plan: QueryPlan, rows: list[list], keys: int, lang: str) -> str:
    index = plan.order.metric if plan.order else 0
    metric = plan.metrics[index]
    column = keys + index
    ascending = plan.order is not None and not plan.order.desc
    if plan.order is not None:
        ordered = rows
    else:
        numeric = [r for r in rows if _is_number(r[column])]
        ordered = sorted(numeric, key=lambda r: float(r[column]), reverse=True)
    if not ordered:
        return _generic([], rows, lang, len(rows))
    grain = None if plan.average_over else plan.grain
    at = plan.period_position
    top = ordered[0]
    tied = [r for r in ordered if r[column] == top[column]]
    label = _mid(metric.label)
    most = _superlative(label, ascending) if lang == "es" else ""
    value = format_value(top[column], metric.unit, lang, metric.unit_label)
    if len(tied) > 1:  # "Este y Norte empatan con el mayor número de clientes: 30"
        items = _names([_item(r, keys, grain, lang, at) for r in tied], lang)
        key = "tied_lowest" if ascending else "tied_highest"
        text = _t(key, lang, items=items, most=most, metric=label, value=value)
    else:
        item = f"**{_item(top, keys, grain, lang, at)}**"
        key = "lowest" if ascending else "highest"
        text = _t(key, lang, item=item, most=most, metric=label, value=value)
    # "de N grupos" only when the rows are all the groups: a top N does not know how many
    # there were, and "(de 3 grupos)" for the 3 first of 120 customers misleads
    complete = not plan.limit or len(rows) < plan.limit
    if len(rows) > 1 and complete:
        text += _t("groups", lang, n=format_number(len(rows), lang))
    else:
        text += "."
    rest = ordered[len(tied) :]
    if rest:
        second = rest[0]
        text += _t(
            "next",
            lang,
            item=_item(second, keys, grain, lang, at),
            value=format_value(second[column], metric.unit, lang, metric.unit_label),
        )
    return text


def _per_group(plan: QueryPlan, rows: list[list], keys: int, lang: str) -> str:
    """ "Norte: Mouse Wireless (4.123); Sur: ..." for a top N within each group."""
    index = plan.order.metric if plan.order else 0
    metric = plan.metrics[index]
    groups = len(plan.rank_within)
    shown = []
    for r in rows[:6]:
        group = " / ".join(str(v) for v in r[:groups])
        item = _item(r[groups:], keys - groups, None, lang)
        value = format_value(r[keys + index], metric.unit, lang, metric.unit_label)
        shown.append(f"{group}: **{item}** ({value})")
    return _cap(f"{metric.label} — ") + "; ".join(shown) + ("…" if len(rows) > 6 else "") + "."


def _trend(plan: QueryPlan, rows: list[list], lang: str) -> str:
    metric = plan.metrics[0]
    first, last = rows[0], rows[-1]
    if len(rows) == 1:
        return _t(
            "single_period",
            lang,
            metric=_cap(metric.label),
            period=_label(first[0], plan.grain, lang),
            value=format_value(first[1], metric.unit, lang, metric.unit_label),
        )
    text = _t(
        "trend",
        lang,
        metric=_cap(metric.label),
        verb="pasaron" if _es_form(metric.label)[1] else "pasó",
        first=format_value(first[1], metric.unit, lang, metric.unit_label),
        p1=_label(first[0], plan.grain, lang),
        last=format_value(last[1], metric.unit, lang, metric.unit_label),
        p2=_label(last[0], plan.grain, lang),
        change=_change(first[1], last[1], lang),
    )
    numeric = [r for r in rows if _is_number(r[1])]
    if numeric:
        peak = max(numeric, key=lambda r: float(r[1]))
        text += _t(
            "peak",
            lang,
            value=format_value(peak[1], metric.unit, lang, metric.unit_label),
            period=_label(peak[0], plan.grain, lang),
        )
    return text


def _series(plan: QueryPlan, rows: list[list], lang: str) -> str:
    at = plan.period_position
    keys = 1 + len(plan.dimensions)
    periods = [r[at] for r in rows]
    groups = {tuple(v for n, v in enumerate(r[:keys]) if n != at) for r in rows}
    return _t(
        "series",
        lang,
        n=format_number(len(set(periods)), lang),
        p1=_label(min(periods), plan.grain, lang),
        p2=_label(max(periods), plan.grain, lang),
        k=format_number(len(groups), lang),
    )


def _comparison(plan: QueryPlan, rows: list[list], lang: str) -> str:
    metric = plan.metrics[0]
    numeric = sorted((r for r in rows if _is_number(r[1])), key=lambda r: float(r[1]), reverse=True)
    if len(numeric) < 2:
        return _ranking(plan, rows, 1, lang)
    a, b = numeric[0], numeric[1]
    grain = plan.grain
    if float(a[1]) == float(b[1]):
        return _t(
            "tie",
            lang,
            a=_label(a[0], grain, lang),
            b=_label(b[0], grain, lang),
            metric=_mid(metric.label),
            va=format_value(a[1], metric.unit, lang, metric.unit_label),
        )
    gap = float(a[1]) - float(b[1])
    pct = _change(b[1], a[1], lang)
    return _t(
        "compare",
        lang,
        a=_label(a[0], grain, lang),
        b=_label(b[0], grain, lang),
        metric=_mid(metric.label),
        va=format_value(a[1], metric.unit, lang, metric.unit_label),
        vb=format_value(b[1], metric.unit, lang, metric.unit_label),
        gap=format_value(gap, metric.unit, lang, metric.unit_label),
        pct="" if pct == "—" else f", {pct}",
    )


def _listing(rows: list[list], lang: str, total: int) -> str:
    shown = [" · ".join(_plain(v, lang) for v in row) for row in rows[:5]]
    items = ", ".join(shown) + ("…" if len(rows) > 5 else "")
    if total == 1:
        return _t("listing_one", lang, items=items)
    return _t("listing", lang, n=format_number(total, lang), items=items)


def _plain(value: Any, lang: str) -> str:
    if _is_number(value):
        return format_number(value, lang)
    return "—" if value is None else str(value)


__all__: Sequence[str] = ("format_number", "format_value", "narrate")
