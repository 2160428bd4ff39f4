"""Why did a metric change? Its change between two periods split into parts that add up.

Pure (no Django): the metric's SQL expression, a dimension and two periods in, one SQL statement
out (`decomposition_sql`, which the pipeline sends through the guard and the executor like any
other); the rows it returns in, contributions out (`decompose`).

- An **additive** metric (a sum or count, or a linear combination of them: revenue, units,
  orders, gross margin) changes by the sum of its change in each value of a dimension:
  contribution = value in B − value in A.
- A **ratio** metric (an average, or one sum over another: average ticket) changes both because
  each group's own ratio changed (*rate effect*) and because the groups' weights changed (*mix
  effect*). With weights w = group denominator / total denominator and rates r = group numerator /
  group denominator, the symmetric split gives, per group,
  rate = (r_B − r_A)·(w_A + w_B)/2 and mix = (w_B − w_A)·(r_A + r_B)/2, and Σ(rate + mix) is
  exactly the change of the ratio.
- Anything else (distinct counts, minima, maxima) has no parts that add up: `metric_shape` says
  None and the caller says so instead of inventing a split.

The arithmetic is exact (`fractions.Fraction` over the database's numbers); the parts are then
rounded to the metric's precision by largest remainders, so the *rounded* parts still add up to
the rounded total change exactly (and, per row, value B − value A = change, rate + mix = change).
Contributions describe where a change happened, not why: the texts say so.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from sqlglot import exp

# --- the metric's shape -------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricShape:
    kind: str  # "additive" or "ratio"
    numerator: exp.Expression
    denominator: exp.Expression | None = None


def _linear(node: exp.Expression) -> bool:
    """SUM/COUNT (not distinct) and sums, differences and constant multiples of them."""
    if isinstance(node, exp.Paren):
        return _linear(node.this)
    if isinstance(node, exp.Sum):
        return True
    if isinstance(node, exp.Count):
        return not isinstance(node.this, exp.Distinct)
    if isinstance(node, exp.Neg):
        return _linear(node.this)
    if isinstance(node, (exp.Add, exp.Sub)):
        return _linear(node.left) and _linear(node.right)
    if isinstance(node, exp.Mul):
        left, right = node.left, node.right
        return (isinstance(left, exp.Literal) and _linear(right)) or (
            isinstance(right, exp.Literal) and _linear(left)
        )
    if isinstance(node, exp.Div):
        return isinstance(node.right, exp.Literal) and _linear(node.left)
    return False


def metric_shape(expression: exp.Expression) -> MetricShape | None:
    """How a metric's change splits into parts, or None when it does not."""
    node = expression.this if isinstance(expression, exp.Paren) else expression
    if _linear(node):
        return MetricShape("additive", node.copy())
    if isinstance(node, exp.Avg) and node.this is not None:
        arg = node.this
        if isinstance(arg, exp.Distinct):
            return None
        return MetricShape("ratio", exp.Sum(this=arg.copy()), exp.Count(this=arg.copy()))
    if isinstance(node, exp.Div) and _linear(node.left) and _linear(node.right):
        return MetricShape("ratio", node.left.copy(), node.right.copy())
    return None


def within(expression: exp.Expression, condition: exp.Expression) -> exp.Expression:
    """The expression over the rows meeting `condition` only: every aggregate's argument goes
    inside CASE WHEN condition THEN … END (COUNT(*) counts CASE WHEN condition THEN 1 END), and
    an empty period is 0, not NULL."""

    def when(value: exp.Expression) -> exp.Expression:
        return exp.Case(ifs=[exp.If(this=condition.copy(), true=value)])

    def rewrite(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, (exp.Sum, exp.Count)):
            return node
        arg = node.this
        if arg is None or isinstance(arg, exp.Star):
            node.set("this", when(exp.Literal.number(1)))
        else:
            node.set("this", when(arg.copy()))
        return exp.Coalesce(this=node, expressions=[exp.Literal.number(0)])

    return expression.copy().transform(rewrite, copy=False)


# --- periods --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Inclusive ISO dates; `grain` is "month", "quarter", "year" or "days"."""

    start: str
    end: str
    grain: str
    label: str

    def as_dict(self) -> dict[str, str]:
        return {"label": self.label, "start": self.start, "end": self.end, "grain": self.grain}


def _date(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso[:10])


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def month(year: int, number: int) -> Period:
    return Period(
        dt.date(year, number, 1).isoformat(),
        _month_end(year, number).isoformat(),
        "month",
        f"{year}-{number:02d}",
    )


def quarter(year: int, number: int) -> Period:
    first = 3 * (number - 1) + 1
    return Period(
        dt.date(year, first, 1).isoformat(),
        _month_end(year, first + 2).isoformat(),
        "quarter",
        f"{year}-Q{number}",
    )


def year(number: int) -> Period:
    return Period(f"{number}-01-01", f"{number}-12-31", "year", str(number))


def period_of(start: str, end: str, label: str = "") -> Period:
    """A range read as a calendar period when it is exactly one (month, quarter, year)."""
    a, b = _date(start), _date(end)
    if a.day == 1 and b == _month_end(b.year, b.month) and a.year == b.year:
        if a.month == b.month:
            return month(a.year, a.month)
        if a.month % 3 == 1 and b.month == a.month + 2:
            return quarter(a.year, (a.month - 1) // 3 + 1)
        if a.month == 1 and b.month == 12:
            return year(a.year)
    return Period(a.isoformat(), b.isoformat(), "days", label or f"{a.isoformat()} – {b}")


def previous(period: Period) -> Period:
    """The period of the same kind just before."""
    a = _date(period.start)
    if period.grain == "month":
        return month(a.year - (a.month == 1), (a.month - 2) % 12 + 1)
    if period.grain == "quarter":
        q = (a.month - 1) // 3 + 1
        return quarter(a.year - (q == 1), (q - 2) % 4 + 1)
    if period.grain == "year":
        return year(a.year - 1)
    days = (_date(period.end) - a).days + 1
    end = a - dt.timedelta(days=1)
    start = end - dt.timedelta(days=days - 1)
    return Period(start.isoformat(), end.isoformat(), "days", f"{start} – {end}")


def split_in_two(start: str, end: str) -> tuple[Period, Period] | None:
    """ "between 2024 and 2025" (the range 2024-01-01..2025-12-31) → (2024, 2025): a range made
    of exactly two consecutive calendar periods of one kind; None otherwise."""
    a, b = _date(start), _date(end)
    if a.day != 1 or b != _month_end(b.year, b.month):
        return None
    months = (b.year - a.year) * 12 + b.month - a.month + 1
    if months == 2:
        first = month(a.year, a.month)
    elif months == 6 and a.month % 3 == 1:
        first = quarter(a.year, (a.month - 1) // 3 + 1)
    elif months == 24 and a.month == 1:
        first = year(a.year)
    else:
        return None
    nxt = previous_inverse(first)
    return first, nxt


def previous_inverse(period: Period) -> Period:
    """The period of the same kind just after."""
    b = _date(period.end) + dt.timedelta(days=1)
    if period.grain == "month":
        return month(b.year, b.month)
    if period.grain == "quarter":
        return quarter(b.year, (b.month - 1) // 3 + 1)
    if period.grain == "year":
        return year(b.year)
    days = (_date(period.end) - _date(period.start)).days + 1
    end = b + dt.timedelta(days=days - 1)
    return Period(b.isoformat(), end.isoformat(), "days", f"{b} – {end}")


def end_exclusive(period: Period) -> str:
    return (_date(period.end) + dt.timedelta(days=1)).isoformat()


# --- SQL ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dimension:
    table: str
    column: str
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or self.column


@dataclass(frozen=True)
class Condition:
    """A filter on the rows decomposed ("solo Online"): op "=", "!=", "in" or "not in"."""

    table: str
    column: str
    op: str
    values: tuple[str, ...]


def _between(column: exp.Expression, period: Period) -> exp.Expression:
    # Half-open on the day after: right for ISO text dates, DATE and TIMESTAMP columns alike.
    return exp.and_(
        exp.GTE(this=column.copy(), expression=exp.Literal.string(period.start)),
        exp.LT(this=column.copy(), expression=exp.Literal.string(end_exclusive(period))),
    )


def _condition(column: exp.Expression, cond: Condition) -> exp.Expression:
    values = [exp.Literal.string(v) for v in cond.values]
    if cond.op in ("=", "in"):
        node: exp.Expression = (
            exp.EQ(this=column, expression=values[0])
            if len(values) == 1
            else exp.In(this=column, expressions=values)
        )
        return node
    if len(values) == 1:
        return exp.NEQ(this=column, expression=values[0])
    return exp.Not(this=exp.In(this=column, expressions=values))


JoinStep = tuple[str, str, str, str]  # (table, column, other table, other column)


def decomposition_sql(
    *,
    shape: MetricShape,
    fact: str,
    metric_joins: Sequence[JoinStep],
    dimension: Dimension | None,
    dimension_joins: Sequence[JoinStep],
    date: tuple[str, str],
    period_a: Period,
    period_b: Period,
    conditions: Sequence[Condition] = (),
    condition_joins: Sequence[JoinStep] = (),
    dialect: str = "sqlite",
) -> str:
    """One SELECT: per value of `dimension` (or one row without it), the metric's numerator (and
    denominator) in period A and in period B. Joins are (joined table, its column, present
    table, present column); the metric's own joins are inner, a dimension's are LEFT JOINs so no
    row of the fact drops out of the totals."""
    date_col = exp.column(date[1], table=date[0])
    in_a, in_b = _between(date_col, period_a), _between(date_col, period_b)
    select = exp.select()
    if dimension is not None:
        select = select.select(
            exp.alias_(exp.column(dimension.column, table=dimension.table), "grupo")
        )
    select = select.select(
        exp.alias_(within(shape.numerator, in_a), "num_a"),
        exp.alias_(within(shape.numerator, in_b), "num_b"),
    )
    if shape.denominator is not None:
        select = select.select(
            exp.alias_(within(shape.denominator, in_a), "den_a"),
            exp.alias_(within(shape.denominator, in_b), "den_b"),
        )
    select = select.from_(exp.to_table(fact))
    present = {fact}
    for joins, kind in (
        (metric_joins, "inner"),
        (condition_joins, "inner"),
        (dimension_joins, "left"),
    ):
        for table, column, other, other_column in joins:
            if table in present:
                continue
            on = exp.EQ(
                this=exp.column(column, table=table),
                expression=exp.column(other_column, table=other),
            )
            select = select.join(exp.to_table(table), on=on, join_type=kind)
            present.add(table)
    first = min(period_a, period_b, key=lambda p: p.start)
    last = max(period_a, period_b, key=lambda p: p.end)
    where = [
        exp.GTE(this=date_col.copy(), expression=exp.Literal.string(first.start)),
        exp.LT(this=date_col.copy(), expression=exp.Literal.string(end_exclusive(last))),
    ]
    where += [_condition(exp.column(c.column, table=c.table), c) for c in conditions]
    select = select.where(exp.and_(*where))
    if dimension is not None:
        select = select.group_by(exp.column(dimension.column, table=dimension.table))
    return select.sql(dialect=dialect)


# --- the arithmetic -----------------------------------------------------------------------------


def _fraction(value: Any) -> Fraction:
    if value is None:
        return Fraction(0)
    if isinstance(value, Decimal):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        return Fraction(value)
    return Fraction(value)


def _round(value: Fraction, quantum: Fraction) -> Fraction:
    """Half away from zero to a multiple of `quantum`."""
    units = value / quantum
    whole = math.floor(abs(units) + Fraction(1, 2))
    return (whole if units >= 0 else -whole) * quantum


def apportion(values: Sequence[Fraction], target: Fraction, quantum: Fraction) -> list[Fraction]:
    """Each value rounded to a multiple of `quantum` so that the results add up to `target`
    (itself a multiple of it) exactly: floors first, then the missing quanta to the values with
    the largest remainders (or removed from the smallest, when the target is below the floors)."""
    floors = [math.floor(v / quantum) * quantum for v in values]
    missing = int((target - sum(floors, Fraction(0))) / quantum)
    if not values:
        return []
    order = sorted(range(len(values)), key=lambda i: values[i] - floors[i], reverse=missing > 0)
    out = list(floors)
    step = quantum if missing > 0 else -quantum
    for n in range(abs(missing)):
        out[order[n % len(order)]] += step
    return out


@dataclass(frozen=True)
class Contribution:
    dimension: str
    value: str
    value_a: Fraction
    value_b: Fraction
    change: Fraction
    share: float  # of the total change, in percent (0 when the total did not change)
    rate_effect: Fraction | None = None
    mix_effect: Fraction | None = None
    weight_a: float | None = None  # the group's share of the denominator, in percent
    weight_b: float | None = None


@dataclass(frozen=True)
class Split:
    """One dimension's contributions, ranked: the ones that moved with the total first."""

    dimension: Dimension
    parts: tuple[Contribution, ...]

    @property
    def top(self) -> Contribution | None:
        return self.parts[0] if self.parts else None


class NotDecomposable(ValueError):
    """The metric is undefined in a period (a ratio over no rows), or the rows are unusable."""


def _precision(unit: str) -> int:
    return 0 if unit == "count" else 4 if unit in ("ratio", "percent") else 2


def quantum_of(unit: str) -> Fraction:
    return Fraction(1, 10 ** _precision(unit))


def _label(value: Any) -> str:
    return "∅" if value is None else str(value)


def totals(rows: Sequence[Sequence[Any]], kind: str) -> tuple[Fraction, Fraction]:
    """The metric in A and in B from one query's rows (numerators, denominators per group)."""
    offset = len(rows[0]) - (4 if kind == "ratio" else 2) if rows else 0
    num_a = sum((_fraction(r[offset]) for r in rows), Fraction(0))
    num_b = sum((_fraction(r[offset + 1]) for r in rows), Fraction(0))
    if kind != "ratio":
        return num_a, num_b
    den_a = sum((_fraction(r[offset + 2]) for r in rows), Fraction(0))
    den_b = sum((_fraction(r[offset + 3]) for r in rows), Fraction(0))
    if den_a == 0 or den_b == 0:
        raise NotDecomposable("empty period")
    return num_a / den_a, num_b / den_b


def split(
    rows: Sequence[Sequence[Any]], *, kind: str, dimension: Dimension, unit: str
) -> tuple[Fraction, Fraction, Split]:
    """(rounded value in A, rounded value in B, the dimension's rounded contributions).

    `rows` are (group, num_a, num_b[, den_a, den_b]) as `decomposition_sql` returns them."""
    q = quantum_of(unit)
    groups = [_label(r[0]) for r in rows]
    if kind == "ratio":
        value_a, value_b, parts = _ratio_parts(rows, groups, dimension, q)
    else:
        value_a, value_b, parts = _additive_parts(rows, groups, dimension, q)
    return value_a, value_b, Split(dimension, tuple(rank(parts, value_b - value_a)))


def _additive_parts(rows, groups, dimension, q):  # noqa: ANN001, ANN202
    a = [_fraction(r[1]) for r in rows]
    b = [_fraction(r[2]) for r in rows]
    total_a, total_b = _round(sum(a, Fraction(0)), q), _round(sum(b, Fraction(0)), q)
    ra, rb = apportion(a, total_a, q), apportion(b, total_b, q)
    change = total_b - total_a
    parts = [
        Contribution(dimension.name, g, x, y, y - x, _share(y - x, change))
        for g, x, y in zip(groups, ra, rb, strict=True)
    ]
    return total_a, total_b, parts


def _ratio_parts(rows, groups, dimension, q):  # noqa: ANN001, ANN202
    num_a = [_fraction(r[1]) for r in rows]
    num_b = [_fraction(r[2]) for r in rows]
    den_a = [_fraction(r[3]) for r in rows]
    den_b = [_fraction(r[4]) for r in rows]
    total_den_a, total_den_b = sum(den_a, Fraction(0)), sum(den_b, Fraction(0))
    if total_den_a == 0 or total_den_b == 0:
        raise NotDecomposable("empty period")
    avg_a = sum(num_a, Fraction(0)) / total_den_a
    avg_b = sum(num_b, Fraction(0)) / total_den_b
    rates, mixes, contributions, weights = [], [], [], []
    for na, nb, da, db in zip(num_a, num_b, den_a, den_b, strict=True):
        wa, wb = da / total_den_a, db / total_den_b
        ra = na / da if da else None
        rb = nb / db if db else None
        ra = ra if ra is not None else (rb if rb is not None else Fraction(0))
        rb = rb if rb is not None else ra
        rate = (rb - ra) * (wa + wb) / 2
        mix = (wb - wa) * (ra + rb) / 2
        rates.append(rate)
        mixes.append(mix)
        contributions.append(rate + mix)
        weights.append((wa, wb, ra if da else None, rb if db else None))
    rounded_a, rounded_b = _round(avg_a, q), _round(avg_b, q)
    change = rounded_b - rounded_a
    changes = apportion(contributions, change, q)
    rate_total = _round(sum(rates, Fraction(0)), q)
    rate_parts = apportion(rates, rate_total, q)
    parts = []
    for g, c, rate, (wa, wb, ga, gb) in zip(groups, changes, rate_parts, weights, strict=True):
        parts.append(
            Contribution(
                dimension.name,
                g,
                _round(ga, q) if ga is not None else Fraction(0),
                _round(gb, q) if gb is not None else Fraction(0),
                c,
                _share(c, change),
                rate_effect=rate,
                mix_effect=c - rate,
                weight_a=round(float(wa) * 100, 1),
                weight_b=round(float(wb) * 100, 1),
            )
        )
    return rounded_a, rounded_b, parts


def _share(part: Fraction, total: Fraction) -> float:
    return 0.0 if total == 0 else round(float(part / total) * 100, 1)


def rank(parts: Sequence[Contribution], total_change: Fraction) -> list[Contribution]:
    """Largest contribution in the direction of the total change first (for a drop, the most
    negative), then the rest in the same order; ties by name, so the order is stable."""
    sign = -1 if total_change < 0 else 1
    return sorted(parts, key=lambda c: (-sign * c.change, c.value))


# --- the decomposition --------------------------------------------------------------------------


@dataclass
class Decomposition:
    metric_key: str
    metric_label: str
    unit: str  # "money", "count", "ratio", "number"
    currency: str  # "USD", "" when none is documented
    kind: str  # "additive" or "ratio"
    period_a: Period
    period_b: Period
    value_a: Fraction
    value_b: Fraction
    splits: list[Split] = field(default_factory=list)
    conditions: tuple[Condition, ...] = ()
    scope: tuple[str, ...] = ()  # row filters of the caller's policy, human readable
    skipped: tuple[str, ...] = ()  # candidate dimensions left out (masked, refused)

    @property
    def change(self) -> Fraction:
        return self.value_b - self.value_a

    @property
    def change_pct(self) -> float | None:
        if self.value_a == 0:
            return None
        return round(float(self.change / abs(self.value_a)) * 100, 1)

    def headline(self, count: int = 2) -> list[Contribution]:
        """The top value of each dimension, the dimensions whose top value carries most of the
        change first; only values that moved with the total."""
        if self.change == 0:
            return []
        tops = [s.top for s in self.splits if s.top is not None and s.top.share > 0]
        tops.sort(key=lambda c: (-c.share, c.dimension, c.value))
        return tops[:count]

    def table(self, lang: str) -> tuple[list[str], list[list[Any]]]:
        """The contributions as a result table (the answer's `columns` and `rows`)."""
        es = lang == "es"
        columns = [
            "dimension",
            "valor" if es else "value",
            f"{self.metric_label} {self.period_a.label}",
            f"{self.metric_label} {self.period_b.label}",
            "cambio" if es else "change",
            "pct_del_cambio" if es else "pct_of_change",
        ]
        if self.kind == "ratio":
            columns += [
                "efecto_tasa" if es else "rate_effect",
                "efecto_mezcla" if es else "mix_effect",
            ]
        rows: list[list[Any]] = []
        for s in self.splits:
            for c in s.parts:
                row: list[Any] = [
                    c.dimension,
                    c.value,
                    number(c.value_a, self.unit),
                    number(c.value_b, self.unit),
                    number(c.change, self.unit),
                    c.share,
                ]
                if self.kind == "ratio":
                    row += [number(c.rate_effect, self.unit), number(c.mix_effect, self.unit)]
                rows.append(row)
        return columns, rows

    def to_dict(self) -> dict[str, Any]:
        """The answer's `decomposition` field (docs/insights.md)."""
        return {
            "metric": {"key": self.metric_key, "label": self.metric_label, "unit": self.unit},
            "currency": self.currency,
            "kind": self.kind,
            "period_a": self.period_a.as_dict(),
            "period_b": self.period_b.as_dict(),
            "value_a": number(self.value_a, self.unit),
            "value_b": number(self.value_b, self.unit),
            "change": number(self.change, self.unit),
            "change_pct": self.change_pct,
            "precision": _precision(self.unit),
            "dimensions": [
                {
                    "table": s.dimension.table,
                    "column": s.dimension.column,
                    "label": s.dimension.name,
                }
                for s in self.splits
            ],
            "contributions": [
                _contribution_dict(c, s.dimension, self.unit) for s in self.splits for c in s.parts
            ],
            "top": [
                {"dimension": c.dimension, "value": c.value, "share": c.share}
                for c in self.headline(3)
            ],
            "filters": [
                {"table": c.table, "column": c.column, "op": c.op, "values": list(c.values)}
                for c in self.conditions
            ],
            "scope": list(self.scope),
            "skipped": list(self.skipped),
        }


def _contribution_dict(c: Contribution, dimension: Dimension, unit: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "dimension": c.dimension,
        "column": f"{dimension.table}.{dimension.column}",
        "value": c.value,
        "value_a": number(c.value_a, unit),
        "value_b": number(c.value_b, unit),
        "change": number(c.change, unit),
        "share": c.share,
    }
    if c.rate_effect is not None:
        out.update(
            rate_effect=number(c.rate_effect, unit),
            mix_effect=number(c.mix_effect, unit),
            weight_a=c.weight_a,
            weight_b=c.weight_b,
        )
    return out


def number(value: Fraction | None, unit: str) -> int | float | None:
    """A rounded part as JSON: an int for counts, else the float whose decimal form is exactly
    the rounded value (`Decimal(str(x))` gives it back)."""
    if value is None:
        return None
    digits = _precision(unit)
    as_decimal = Decimal(value.numerator) / Decimal(value.denominator)
    as_decimal = as_decimal.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return int(as_decimal) if digits == 0 else float(as_decimal)


def parts_add_up(decomposition: dict[str, Any]) -> bool:
    """The contract's check on a stored `decomposition`: per dimension, the contributions add up
    to the total change exactly (in decimal), and the total change is value B − value A."""
    change = Decimal(str(decomposition["change"]))
    if Decimal(str(decomposition["value_b"])) - Decimal(str(decomposition["value_a"])) != change:
        return False
    by_dimension: dict[str, Decimal] = {}
    for c in decomposition["contributions"]:
        key = c["column"]
        by_dimension[key] = by_dimension.get(key, Decimal(0)) + Decimal(str(c["change"]))
        if "rate_effect" in c and Decimal(str(c["rate_effect"])) + Decimal(
            str(c["mix_effect"])
        ) != Decimal(str(c["change"])):
            return False
    return bool(by_dimension) and all(total == change for total in by_dimension.values())
