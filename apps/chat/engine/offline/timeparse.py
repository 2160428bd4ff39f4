"""Time expressions in questions: periods, ranges, relative periods and grains (es/en).

`scan_time(tokens, i)` recognises the longest time expression starting at token i and returns a
`TimeSpan` with the number of tokens it used. Periods carry inclusive ISO dates; a period without
a year ("en marzo", "Q3") is a recurring calendar part; relative periods ("el último trimestre",
"last 3 months") are anchored at the data's latest date, later (see parser): "este año / this
year" is the latest year in the data, "el año pasado / last year" the one before it, "el último
trimestre / the last quarter" the latest quarter and "last 3 months" the latest three months.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from . import lexicon as lx
from .lexicon import Token


@dataclass(frozen=True)
class TimeSpan:
    kind: str  # "period", "part", "relative", "range", "grain", "unit"
    length: int  # tokens used
    start: str | None = None  # inclusive ISO
    end: str | None = None  # inclusive ISO
    granularity: str | None = None  # "day", "week", "month", "quarter", "half", "year"
    label: str = ""
    part: str | None = None  # for kind "part": "month" or "quarter"
    part_values: tuple[int, ...] = ()
    # "<unit>:<count>:<mode>", mode "latest" (the latest N periods, ending at the data's latest
    # date), "current" (the period holding it) or "previous" (the N periods before that one)
    relative: str | None = None
    grain: str | None = None  # for kind "grain" / "unit"
    pieces: tuple = ()  # for a range between two periods of one granularity: both periods


_YEAR_RE = re.compile(r"(19|20|21)\d\d$")
_QUARTER_RE = re.compile(r"(?:q|t)([1-4])$|([1-4])(?:q|t)$|([1-4])(?:er|do|ro|to)?t$")
_HALF_RE = re.compile(r"h([12])$")
_SKIP = lx.FILLER | {"en", "in", "durante", "during", "for", "para"}


def _iso(d: date) -> str:
    return d.isoformat()


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def year_period(year: int) -> TimeSpan:
    return TimeSpan("period", 0, f"{year}-01-01", f"{year}-12-31", "year", str(year))


def month_period(year: int, month: int) -> TimeSpan:
    return TimeSpan(
        "period",
        0,
        _iso(date(year, month, 1)),
        _iso(_month_end(year, month)),
        "month",
        f"{year}-{month:02d}",
    )


def quarter_period(year: int, quarter: int) -> TimeSpan:
    first = 3 * (quarter - 1) + 1
    return TimeSpan(
        "period",
        0,
        _iso(date(year, first, 1)),
        _iso(_month_end(year, first + 2)),
        "quarter",
        f"{year}-Q{quarter}",
    )


def half_period(year: int, half: int) -> TimeSpan:
    first = 1 if half == 1 else 7
    return TimeSpan(
        "period",
        0,
        _iso(date(year, first, 1)),
        _iso(_month_end(year, first + 5)),
        "half",
        f"{year}-H{half}",
    )


def _with_length(span: TimeSpan, length: int) -> TimeSpan:
    return TimeSpan(**{**span.__dict__, "length": length})


class _Cursor:
    """Token access that skips filler words, so "Q3 de 2024" and "Q3 2024" read the same."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens

    def norm(self, i: int) -> str | None:
        return self.tokens[i].norm if 0 <= i < len(self.tokens) else None

    def skip(self, i: int, words: frozenset[str] = _SKIP) -> int:
        while i < len(self.tokens) and self.tokens[i].norm in words:
            i += 1
        return i

    def year(self, i: int) -> int | None:
        tok = self.tokens[i] if 0 <= i < len(self.tokens) else None
        if tok is not None and tok.kind == "number" and _YEAR_RE.match(tok.norm):
            return int(tok.norm)
        return None

    def small_int(self, i: int, low: int, high: int) -> int | None:
        word = self.norm(i)
        if word is None:
            return None
        value = int(word) if word.isdigit() else lx.NUMBER_WORDS.get(word)
        return value if value is not None and low <= value <= high else None


def _year_after(cur: _Cursor, i: int) -> tuple[int | None, int]:
    """A year right after i (fillers allowed): (year, index after it) or (None, i)."""
    j = cur.skip(i)
    year = cur.year(j)
    return (year, j + 1) if year is not None else (None, i)


def _date_at(cur: _Cursor, i: int) -> tuple[date, int] | None:
    tok = cur.tokens[i]
    if tok.kind == "date":
        parts = re.split(r"[-/]", tok.norm)
        try:
            if len(parts[0]) == 4:
                return date(int(parts[0]), int(parts[1]), int(parts[2])), i + 1
            return date(int(parts[2]), int(parts[1]), int(parts[0])), i + 1
        except ValueError:
            return None
    day = cur.small_int(i, 1, 31)
    if day is not None and cur.tokens[i].kind == "number":  # "15 de marzo de 2024"
        j = cur.skip(i + 1)
        month = lx.MONTHS.get(cur.norm(j) or "")
        if month:
            year, k = _year_after(cur, j + 1)
            if year:
                try:
                    return date(year, month, day), k
                except ValueError:
                    return None
    month = lx.MONTHS.get(tok.norm)
    if month:  # "march 15 2024"
        day = cur.small_int(i + 1, 1, 31)
        if day is not None and cur.tokens[i + 1].kind == "number":
            year, k = _year_after(cur, i + 2)
            if year:
                try:
                    return date(year, month, day), k
                except ValueError:
                    return None
    return None


def _period_at(cur: _Cursor, i: int, *, allow_part: bool = True) -> TimeSpan | None:
    """A calendar period at i: a date, month [year], quarter [year], half [year] or year."""
    if i >= len(cur.tokens):
        return None
    found = _date_at(cur, i)
    if found:
        d, k = found
        return TimeSpan("period", k - i, _iso(d), _iso(d), "day", _iso(d))
    word = cur.norm(i) or ""
    # "año 2024", "year 2024", "ejercicio 2024"
    if word in ("ano", "year", "ejercicio") and cur.year(i + 1):
        return _with_length(year_period(cur.year(i + 1)), 2)
    year = cur.year(i)
    if year is not None:
        after = cur.skip(i + 1)
        quarter = _quarter_word(cur, after)
        if quarter:  # "2024 Q3"
            return _with_length(quarter_period(year, quarter[0]), quarter[1] - i)
        return _with_length(year_period(year), 1)
    month = lx.MONTHS.get(word)
    if month:
        year, k = _year_after(cur, i + 1)
        if year:
            return _with_length(month_period(year, month), k - i)
        if allow_part and word not in lx.WEAK_MONTHS:
            return TimeSpan("part", 1, part="month", part_values=(month,), label=word)
        return None
    quarter = _quarter_word(cur, i)
    if quarter:
        q, k = quarter
        year, k2 = _year_after(cur, k)
        if year:
            return _with_length(quarter_period(year, q), k2 - i)
        if allow_part:
            months = tuple(range(3 * q - 2, 3 * q + 1))
            return TimeSpan("part", k - i, part="quarter", part_values=months, label=f"Q{q}")
        return None
    half = _half_word(cur, i)
    if half:
        h, k = half
        year, k2 = _year_after(cur, k)
        if year:
            return _with_length(half_period(year, h), k2 - i)
    return None


def _quarter_word(cur: _Cursor, i: int) -> tuple[int, int] | None:
    """(quarter, index after) for "Q3", "T3", "3T", "tercer trimestre", "third quarter", ..."""
    word = cur.norm(i)
    if word is None:
        return None
    match = _QUARTER_RE.match(word)
    if match:
        return int(next(g for g in match.groups() if g)), i + 1
    if word in lx.ORDINALS and lx.ORDINALS[word] <= 4:
        nxt = cur.norm(i + 1)
        if nxt in ("trimestre", "quarter"):
            return lx.ORDINALS[word], i + 2
    if word in ("trimestre", "quarter"):
        q = cur.small_int(i + 1, 1, 4)
        if q is not None:
            return q, i + 2
    return None


def _half_word(cur: _Cursor, i: int) -> tuple[int, int] | None:
    word = cur.norm(i)
    if word is None:
        return None
    match = _HALF_RE.match(word)
    if match:
        return int(match.group(1)), i + 1
    if word in lx.ORDINALS and lx.ORDINALS[word] <= 2 and cur.norm(i + 1) in ("semestre", "half"):
        return lx.ORDINALS[word], i + 2
    return None


def _inherit_year(first: TimeSpan, second: TimeSpan) -> TimeSpan | None:
    """ "de enero a marzo de 2025": the first part takes the second period's year."""
    if first.kind != "part" or second.kind != "period" or not second.start:
        return None
    year = int(second.start[:4])
    if first.part == "month":
        return month_period(year, first.part_values[0])
    if first.part == "quarter":
        return quarter_period(year, (first.part_values[0] + 2) // 3)
    return None


def _range_at(cur: _Cursor, i: int) -> TimeSpan | None:
    """ "entre A y B", "between A and B", "desde A hasta B", "from A to B", "de enero a marzo"."""
    word = cur.norm(i)
    starts_with_marker = word in ("entre", "between", "desde", "from", "de", "del")
    j = cur.skip(i + 1) if starts_with_marker else i
    day_range = _day_range_at(cur, i, j, starts_with_marker=starts_with_marker)
    if day_range is not None:
        return day_range
    first = _period_at(cur, j)
    if first is None:
        return None
    k = j + first.length
    sep = cur.norm(k)
    if sep not in ("y", "and", "hasta", "a", "al", "to", "until", "till", "through"):
        return None
    if sep in ("y", "and") and word not in ("entre", "between"):
        return None  # "2024 y 2025" is a list of periods, not a range
    m = cur.skip(k + 1)
    second = _period_at(cur, m)
    if second is None:
        return None
    if first.kind == "part":
        first = _inherit_year(first, second)
        if first is None:
            return None
    if second.kind != "period" or not first.start or not second.end:
        return None
    end = m + second.length
    label = f"{first.label} – {second.label}"
    same = first.granularity == second.granularity and first.granularity != "day"
    pieces = (first, second) if same else ()
    return TimeSpan("range", end - i, first.start, second.end, "day", label, pieces=pieces)


_RANGE_SEPARATORS = ("y", "and", "hasta", "a", "al", "to", "until", "till", "through")


def _yearless_day_at(cur: _Cursor, i: int) -> tuple[int, int | None, int] | None:
    """(day, month or None, index after) for a day without a year at i: "1 de enero",
    "March 3", or a bare day "1" (as in "del 1 al 15 de marzo"); only a range's first end
    uses it, and only when the other end is a full date, so "de 2 a 5" is never a date."""
    word = cur.norm(i)
    if word is None:
        return None
    month = lx.MONTHS.get(word)
    if month:  # "March 3"
        day = cur.small_int(i + 1, 1, 31)
        if day is not None and cur.tokens[i + 1].kind == "number":
            return day, month, i + 2
        return None
    day = cur.small_int(i, 1, 31)
    if day is None or cur.tokens[i].kind != "number":
        return None
    j = cur.skip(i + 1)
    month = lx.MONTHS.get(cur.norm(j) or "")
    if month:  # "1 de enero"
        return day, month, j + 1
    return day, None, i + 1


def _day_range_at(cur: _Cursor, i: int, j: int, *, starts_with_marker: bool) -> TimeSpan | None:
    """A range of days whose first end has no year (it takes the second end's year and, for a
    bare day, its month): "entre el 1 de enero y el 15 de febrero de 2025", "from March 3 to
    April 10, 2024", "del 1 al 15 de marzo de 2025". Without this the first end read as a
    recurring month and the range collapsed to its last day."""
    found = _yearless_day_at(cur, j)
    if found is None:
        return None
    day, month, k = found
    sep = cur.norm(k)
    if sep not in _RANGE_SEPARATORS:
        return None
    if sep in ("y", "and") and cur.norm(i) not in ("entre", "between"):
        return None
    if month is None and not starts_with_marker:
        return None  # a bare number needs "del"/"from"/"entre" before it to be a day
    m = cur.skip(k + 1)
    end = _date_at(cur, m)
    if end is None:
        return None
    last, after = end
    try:
        first = date(last.year, month or last.month, day)
    except ValueError:
        return None
    if first > last:  # "from December 15 to January 10, 2025"
        try:
            first = date(last.year - 1, first.month, first.day)
        except ValueError:
            return None
    label = f"{_iso(first)} – {_iso(last)}"
    return TimeSpan("range", after - i, _iso(first), _iso(last), "day", label)


def _bound_at(cur: _Cursor, i: int) -> TimeSpan | None:
    """Open ranges: "desde 2025-07-01", "since March 2025", "antes de 2025", "hasta junio 2025"."""
    for phrases, mode in (
        (lx.SINCE_PHRASES, "since"),
        (lx.UNTIL_PHRASES, "before"),
        (lx.UPTO_PHRASES, "upto"),
    ):
        for phrase in phrases:
            words = phrase.split()
            if [cur.norm(i + n) for n in range(len(words))] != words:
                continue
            j = cur.skip(i + len(words))
            period = _period_at(cur, j, allow_part=False)
            if period is None or period.kind != "period":
                continue
            length = j + period.length - i
            if mode == "since":
                after = phrase in ("after", "despues de", "posterior a", "posteriores a")
                start = period.start
                if after:
                    start = _iso(date.fromisoformat(period.end) + timedelta(days=1))
                return TimeSpan("range", length, start, None, "day", f"≥ {start}")
            if mode == "before":
                end = _iso(date.fromisoformat(period.start) - timedelta(days=1))
                return TimeSpan("range", length, None, end, "day", f"< {period.start}")
            return TimeSpan("range", length, None, period.end, "day", f"≤ {period.end}")
    return None


def _week_of_month_at(cur: _Cursor, i: int) -> TimeSpan | None:
    """ "la última semana de diciembre de 2025", "first week of March 2025"."""
    word = cur.norm(i)
    if word not in ("ultima", "last", "primera", "first") or cur.norm(i + 1) not in (
        "semana",
        "week",
    ):
        return None
    j = cur.skip(i + 2)
    period = _period_at(cur, j, allow_part=False)
    if period is None or period.granularity not in ("month", "year"):
        return None
    start, end = date.fromisoformat(period.start), date.fromisoformat(period.end)
    if word in ("ultima", "last"):
        start = end - timedelta(days=6)
    else:
        end = start + timedelta(days=6)
    return TimeSpan(
        "range",
        j + period.length - i,
        _iso(start),
        _iso(end),
        "day",
        f"{_iso(start)} – {_iso(end)}",
    )


def _leading_mode(cur: _Cursor, i: int, word: str, count: int | None) -> str:
    """The mode of a relative period whose qualifier comes first.

    The convention: relative periods are anchored at the
    data's latest date. "este/this <unit>" is the period holding it ("current"); "último/latest
    <unit>", "the last <unit>" and "last/past N <units>" are the latest N periods ("latest",
    trailing); "previous/prior <unit>" and English "last/past <unit>" without a number or an
    article are the period before the current one ("previous"), because "last year" means the
    year before this one, while "the last quarter" reads as the most recent quarter.
    """
    if word in lx.THIS_WORDS:
        return "current"
    if word in ("previous", "prior"):
        return "previous"
    if word in ("last", "past") and count is None and cur.norm(i - 1) not in ("the", "this"):
        return "previous"
    return "latest"


def _relative_at(cur: _Cursor, i: int) -> TimeSpan | None:
    """ "el último trimestre", "last 3 months", "el año pasado", "este mes", "this year"."""
    word = cur.norm(i)
    if word is None:
        return None
    if word in lx.LAST_WORDS or word in ("past", "previous", "prior") or word in lx.THIS_WORDS:
        if word == "mas":  # "el mes más reciente" is read by the unit-first branch below
            return None
        count = cur.small_int(i + 1, 1, 366)
        mode = _leading_mode(cur, i, word, count)
        j = i + 2 if count is not None else i + 1
        unit = lx.UNIT_WORDS.get(cur.norm(j) or "")
        if unit and unit not in ("half",) and (cur.norm(j) not in ("fecha", "date")):
            return TimeSpan(
                "relative",
                j + 1 - i,
                granularity=unit,
                relative=f"{unit}:{count or 1}:{mode}",
                label=" ".join(t.text for t in cur.tokens[i : j + 1]),
            )
        return None
    unit = lx.UNIT_WORDS.get(word)
    if unit and word not in ("fecha", "date"):
        nxt = cur.norm(i + 1)
        if nxt in lx.PREVIOUS_WORDS or nxt in ("actual", "en", "curso"):
            if nxt == "en" and cur.norm(i + 2) != "curso":
                return None
            length = 3 if nxt == "en" else 2
            # "el año pasado", "el mes anterior": the period before the current (latest) one
            mode = "previous" if nxt in lx.PREVIOUS_WORDS else "current"
            return TimeSpan(
                "relative",
                length,
                granularity=unit,
                relative=f"{unit}:1:{mode}",
                label=" ".join(t.text for t in cur.tokens[i : i + length]),
            )
        if nxt in ("mas", "most") and cur.norm(i + 2) in ("reciente", "recent"):
            return TimeSpan(
                "relative",
                3,
                granularity=unit,
                relative=f"{unit}:1:latest",
                label=" ".join(t.text for t in cur.tokens[i : i + 3]),
            )
    return None


def _grain_at(cur: _Cursor, i: int) -> TimeSpan | None:
    word = cur.norm(i) or ""
    if word in lx.GRAIN_ADJECTIVES:
        return TimeSpan("grain", 1, grain=lx.GRAIN_ADJECTIVES[word])
    for phrase, grain in lx.GRAIN_PHRASES.items():
        words = phrase.split()
        if [cur.norm(i + n) for n in range(len(words))] == words:
            return TimeSpan("grain", len(words), grain=grain)
    if word in ("por", "by", "per", "cada", "each", "every"):
        j = i + 1
        if cur.norm(j) in ("cada", "each", "every"):
            j += 1
        nxt = cur.norm(j) or ""
        unit = lx.UNIT_WORDS.get(nxt)
        if unit and unit != "half":
            return TimeSpan("grain", j + 1 - i, grain=unit)
    unit = lx.UNIT_WORDS.get(word)
    if unit and unit != "half" and word not in ("fecha", "date"):
        return TimeSpan("unit", 1, grain=unit)
    return None


def scan_time(tokens: list[Token], i: int, *, after_comparator: bool = False) -> TimeSpan | None:
    """The time expression starting at token i, or None. Years right after a comparator
    ("mayores a 2000") are numbers, not years."""
    cur = _Cursor(tokens)
    for finder in (_week_of_month_at, _range_at, _bound_at, _relative_at):
        span = finder(cur, i)
        if span is not None:
            return span
    if not after_comparator:
        period = _period_at(cur, i)
        if period is not None:
            return _or_later(cur, i, period)
    return _grain_at(cur, i)


def _or_later(cur: _Cursor, i: int, period: TimeSpan) -> TimeSpan:
    """ "in 2014 or after", "in year 2011 or later", "en 2014 o después": from the period on
    (its start included); "or before / or earlier", "o antes": up to its end. Before, the two
    words were filler and the period alone was kept (= 2014)."""
    if period.kind != "period" or period.start is None or period.end is None:
        return period
    j = i + period.length
    pair = (cur.norm(j), cur.norm(j + 1))
    if pair in lx.OR_AFTER:
        return TimeSpan("range", period.length + 2, period.start, None, "day", f"≥ {period.start}")
    if pair in lx.OR_BEFORE:
        return TimeSpan("range", period.length + 2, None, period.end, "day", f"≤ {period.end}")
    return period
