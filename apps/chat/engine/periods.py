"""The period an answer used, named as people say it (issue 14.2): the answer's `period` field.

Pure (no Django). Relative periods ("el mes pasado", "the last quarter") are anchored at the
latest date in the data (the SQL generator computes them from MAX(date)); this module names the
dates that anchoring gave, with the same arithmetic, and says so when the data ends before
today's period: "noviembre de 2025 (mes anterior al último con datos)", "diciembre de 2025
(último mes con datos)". Literal ranges are named by their dates ("T3 2025", "2025",
"1–7 dic 2025"), and a question without a time filter by the data's whole span.
"""

from __future__ import annotations

import datetime as dt

from apps.chat.engine.plan import QueryPlan, TimeRange

_MONTHS = {
    "es": (
        "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
        "septiembre", "octubre", "noviembre", "diciembre",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December",
    ),
}  # fmt: skip
_SHORT = {
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
# (singular, plural) of each unit, with the Spanish gender agreeing ("última semana").
_UNITS = {
    "es": {
        "day": ("último día", "últimos {n} días"),
        "week": ("última semana", "últimas {n} semanas"),
        "month": ("último mes", "últimos {n} meses"),
        "quarter": ("último trimestre", "últimos {n} trimestres"),
        "year": ("último año", "últimos {n} años"),
    },
    "en": {
        "day": ("latest day", "latest {n} days"),
        "week": ("latest week", "latest {n} weeks"),
        "month": ("latest month", "latest {n} months"),
        "quarter": ("latest quarter", "latest {n} quarters"),
        "year": ("latest year", "latest {n} years"),
    },
}
_PREVIOUS = {
    "es": {
        "day": "día anterior al último con datos",
        "week": "semana anterior a la última con datos",
        "month": "mes anterior al último con datos",
        "quarter": "trimestre anterior al último con datos",
        "year": "año anterior al último con datos",
    },
    "en": {
        "day": "the day before the latest with data",
        "week": "the week before the latest with data",
        "month": "the month before the latest with data",
        "quarter": "the quarter before the latest with data",
        "year": "the year before the latest with data",
    },
}
_WITH_DATA = {"es": "con datos", "en": "with data"}
_ALL = {"es": "todo el periodo con datos", "en": "all the data"}


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "es"


def day_name(day: dt.date, lang: str) -> str:
    """ "5 dic 2025" / "Dec 5, 2025"."""
    month = _SHORT[_lang(lang)][day.month - 1]
    if _lang(lang) == "en":
        return f"{month} {day.day}, {day.year}"
    return f"{day.day} {month} {day.year}"


def range_name(start: dt.date, end: dt.date, lang: str) -> str:
    """The shortest exact name of [start, end]: a month, a quarter, a year, or the two days."""
    lang = _lang(lang)
    next_day = end + dt.timedelta(days=1)
    whole_months = start.day == 1 and next_day.day == 1
    months = (next_day.year - start.year) * 12 + next_day.month - start.month
    if whole_months and months == 12 and start.month == 1:
        return str(start.year)
    if whole_months and months == 3 and start.month % 3 == 1:
        quarter = (start.month - 1) // 3 + 1
        return f"T{quarter} {start.year}" if lang == "es" else f"Q{quarter} {start.year}"
    if whole_months and months == 1:
        name = _MONTHS[lang][start.month - 1]
        return f"{name} de {start.year}" if lang == "es" else f"{name} {start.year}"
    if start == end:
        return day_name(start, lang)
    short = _SHORT[lang]
    if start.year == end.year and start.month == end.month:
        if lang == "en":
            return f"{short[start.month - 1]} {start.day}–{end.day}, {start.year}"
        return f"{start.day}–{end.day} {short[start.month - 1]} {start.year}"
    return f"{day_name(start, lang)} – {day_name(end, lang)}"


def period_start(latest: dt.date, unit: str, count: int) -> dt.date:
    """The first day of the latest `count` periods ending at `latest` (the SQL generator's
    anchor: calendar months, quarters and years; trailing days and weeks)."""
    if unit == "day":
        return latest - dt.timedelta(days=count - 1)
    if unit == "week":
        return latest - dt.timedelta(days=7 * count - 1)
    if unit == "year":
        return dt.date(latest.year - count + 1, 1, 1)
    index = latest.year * 12 + latest.month - 1
    if unit == "month":
        index -= count - 1
    elif unit == "quarter":
        index -= (latest.month - 1) % 3 + 3 * (count - 1)
    return dt.date(index // 12, index % 12 + 1, 1)


def relative_bounds(relative: str, latest: dt.date) -> tuple[dt.date, dt.date, str, int, str]:
    """(start, end, unit, count, mode) of a relative period ("month:1:previous") anchored at
    the data's latest date, exactly as the SQL computes it."""
    unit, count, *rest = relative.split(":")
    n = max(int(count), 1)
    mode = rest[0] if rest else "latest"
    if mode == "previous":
        end = period_start(latest, unit, 1) - dt.timedelta(days=1)
        return period_start(end, unit, n), end, unit, n, mode
    return period_start(latest, unit, n), latest, unit, n, mode


def _stale(latest: dt.date, unit: str, today: dt.date) -> bool:
    """The data ends before the period today is in: "last month" cannot mean today's."""
    return period_start(latest, unit, 1) < period_start(today, unit, 1)


def relative_name(relative: str, latest: dt.date, lang: str, today: dt.date) -> str:
    """ "noviembre de 2025 (mes anterior al último con datos)" when the data ends before
    today's period, else only "noviembre de 2025"."""
    lang = _lang(lang)
    start, end, unit, n, mode = relative_bounds(relative, latest)
    name = range_name(start, end, lang)
    if unit not in _UNITS[lang] or not _stale(latest, unit, today):
        return name
    if mode == "previous":
        note = _PREVIOUS[lang][unit] if n == 1 else _PREVIOUS[lang][unit]
    else:
        one, many = _UNITS[lang][unit]
        note = f"{one if n == 1 else many.format(n=n)} {_WITH_DATA[lang]}"
    return f"{name} ({note})"


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def literal_name(r: TimeRange, lang: str) -> str | None:
    start, end = _date(r.start), _date(r.end)
    if start and end:
        return range_name(start, end, lang)
    if start:
        return f"{'desde el' if _lang(lang) == 'es' else 'from'} {day_name(start, lang)}"
    if end:
        return f"{'hasta el' if _lang(lang) == 'es' else 'until'} {day_name(end, lang)}"
    return r.label or None


def plan_period(
    plan: QueryPlan | None,
    lang: str,
    *,
    bounds: tuple[str | None, str | None] | None,
    today: dt.date,
) -> str | None:
    """The name of the period `plan` used. `bounds` are the (min, max) dates of its time column
    in the data the caller may see (None when unknown); `today` the caller's date."""
    if plan is None:
        return None
    lang = _lang(lang)
    first, latest = (_date(bounds[0]), _date(bounds[1])) if bounds else (None, None)
    if plan.time_range is not None:
        r = plan.time_range
        if r.relative:
            return relative_name(r.relative, latest, lang, today) if latest else r.label or None
        return literal_name(r, lang)
    if plan.time_periods:
        names = [literal_name(r, lang) for r in plan.time_periods]
        return " vs ".join(n for n in names if n) or None
    if plan.date_parts:
        return None  # a calendar part in every year ("en marzo"): no single period to name
    if first and latest:
        return f"{_ALL[lang]} ({range_name(first, latest, lang)})"
    return None


def time_column(plan: QueryPlan | None, main_date) -> tuple[str, str] | None:  # noqa: ANN001
    """(table, column) whose dates the plan's period is on: its range's, its grain's, or the
    main date of its table (`main_date(table)`)."""
    if plan is None:
        return None
    if plan.time_range is not None:
        return plan.time_range.table, plan.time_range.column
    if plan.time_periods:
        return None
    if plan.time_column is not None:
        return plan.time_column.table, plan.time_column.column
    column = main_date(plan.table)
    return (plan.table, column) if column else None
