"""The offline engine's plain data: intent, query plan, schema request, interpretation.

A `QueryPlan` is dialect-free: it names tables, columns and metric keys of the semantic model;
`sqlgen.compile_sql` turns it into SQL for the catalog's dialect. Plans are stored with each
message (`plan_to_dict`) so a follow-up can rewrite the previous one (`plan_from_dict`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

GRAINS = ("day", "week", "month", "quarter", "year")


@dataclass(frozen=True)
class Intent:
    type: str  # one of datachat.contract.INTENTS
    confidence: float
    reasoning: str


@dataclass(frozen=True)
class MetricRef:
    """A measure of the plan. `key` is resolved by the semantic model:

    "metric:<slug>" a catalog MetricDef; "agg:<fn>:<table>.<column>" a generic aggregate;
    "count:<table>" rows of a table; "countd:<table>.<column>" distinct values.
    """

    key: str
    label: str
    unit: str = "number"  # "money", "count", "ratio" or "number": how narrate formats it
    alias: str = "value"
    unit_label: str = ""  # the documented currency or unit shown after the value ("EUR", "km²")


@dataclass(frozen=True)
class ColumnRef:
    table: str
    column: str


@dataclass(frozen=True)
class Filter:
    table: str
    column: str
    op: str  # "=", "!=", "in", "not in", "like", "not like"; "said": a value the index does
    # not hold, said in the question (offline/literals.py): equal in any case, checked to exist
    values: tuple[str, ...]
    # A "said" name whose column the engine chose (a capitalised word said alone, read as a
    # person's name: `literals.name_rows`): asked back without naming that column when no row
    # has it ("I can't find “X” in the data"), the candidate columns offered.
    guessed: bool = False


@dataclass(frozen=True)
class NumericFilter:
    table: str
    column: str
    op: str  # ">", ">=", "<", "<=", "=", "!="
    value: float
    average: bool = False  # compared with the column's mean over its table, not with `value`
    # Compared with other rows of its table (`than.py`), not with `value`: "every" row having
    # `than_values` ((column, value) pairs: the largest of them for ">", the smallest for
    # "<"), or the "row" ranked first by `than_rank` (descending when `than_desc`).
    than: str = ""
    than_values: tuple = ()
    than_rank: str = ""
    than_desc: bool = True
    # "born in 1948 or 1949": one of the values of this column, OR-ed with the other equalities
    # of the same column marked so (offline/alternatives.py)
    alternative: bool = False
    # "whose permanent address is different from his or her current address": compared with
    # this other column of the same row, not with `value` (offline/than.py: SameRow)
    other: str = ""


@dataclass(frozen=True)
class HavingFilter:
    metric: int  # index into QueryPlan.metrics
    op: str
    value: float


@dataclass(frozen=True)
class TimeRange:
    """Inclusive ISO dates on `table.column`; `start`/`end` may be open (None).

    `relative` ("quarter:1", "month:3", "year:1", "day:7", ...) marks a range anchored at the
    latest date in the data, used when the model does not know the data's dates: sqlgen then
    computes it in SQL from MAX(column).
    """

    table: str
    column: str
    start: str | None = None
    end: str | None = None
    label: str = ""
    relative: str | None = None


@dataclass(frozen=True)
class DatePart:
    """A recurring calendar part without a year: "en marzo" -> month 3, "Q3" -> months 7-9."""

    table: str
    column: str
    part: str  # "month" or "quarter"
    values: tuple[int, ...]


@dataclass(frozen=True)
class Order:
    metric: int  # index into QueryPlan.metrics
    desc: bool = True


@dataclass(frozen=True)
class Comparison:
    """What is compared: "table.column" and its values, or "period:<grain>" and period labels."""

    dimension: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class QueryPlan:
    table: str  # the FROM table
    metrics: tuple[MetricRef, ...] = ()
    dimensions: tuple[ColumnRef, ...] = ()
    filters: tuple[Filter, ...] = ()
    numeric_filters: tuple[NumericFilter, ...] = ()
    having: tuple[HavingFilter, ...] = ()
    time_range: TimeRange | None = None
    time_periods: tuple[TimeRange, ...] = ()  # OR-ed: periods being compared
    date_parts: tuple[DatePart, ...] = ()
    grain: str | None = None  # one of GRAINS
    time_column: ColumnRef | None = None  # where the grain applies
    order: Order | None = None
    limit: int | None = None
    comparison: Comparison | None = None
    listing: tuple[ColumnRef, ...] = ()  # entity listings: SELECT these columns, no metric
    distinct: bool = False
    average_over: str | None = None  # a grain: the metrics are averaged over its periods
    period_position: int = 0  # index of the period column among the grouping columns
    rank_within: tuple[ColumnRef, ...] = ()  # order/limit apply per group of these dimensions
    # "ingreso promedio por cliente en cada segmento": the metric summed per these columns (an
    # entity), then averaged within the dimensions
    average_per: tuple[ColumnRef, ...] = ()
    # "clientes que (nunca) compraron en el canal Online": the listed rows that have (or have
    # no) row of another table meeting conditions; `rows_plan` is that table's plan (as a dict,
    # its filters only), `rows_key` (its column, the listed table's key) ties them.
    rows_plan: dict | None = None
    rows_key: tuple[str, ...] = ()
    rows_absent: bool = False
    rows_each: bool = False  # "both X and Y": one such row for each value, not either
    # "countries that do not speak English": among the rows that have some row of the other
    # table (a country with no language recorded says nothing about English)
    rows_known: bool = False
    # "the districts that have both shops with fewer than 3000 products and shops with more than
    # 10000": the listed values also listed by this plan (as a dict: the same listing, its own
    # conditions), `listing IN (its SELECT)`
    also_in: dict | None = None
    # "how many countries have more than 2 makers": the groups that pass `having`, counted
    groups_counted: bool = False
    # Percentages: with groups, each group's share of the total; without, the share of the rows
    # matching `share_of` (conditions moved out of WHERE into the numerator).
    share: bool = False
    share_of: tuple[Filter, ...] = ()
    share_numeric: tuple[NumericFilter, ...] = ()
    # Windows over the periods of `grain` (issue 13 §6): "change" adds the previous period's
    # value, the difference and the percent change ("variación mes a mes"); "change_pair" keeps
    # only the last of the compared periods ("crecimiento de 2024 a 2025": A, B, B - A, %);
    # "running" adds the running total ("ventas acumuladas por mes").
    window: str | None = None
    # "el mejor mes de cada año": order/limit apply within each period of this coarser grain
    rank_period: str | None = None
    # "the country with the lowest life expectancy": the listed rows ordered by this column of
    # theirs (rows without a value left out), `order.desc` its direction, `limit` kept
    listing_order: ColumnRef | None = None
    # "the country with the most car makers", "districts with at least two addresses": metrics
    # (indexes into `metrics`) said only to rank or keep the rows; ORDER BY and HAVING use them,
    # the answer's columns do not (`shown.py`)
    hidden_metrics: tuple[int, ...] = ()
    # tables of people whose label (a first- or last-name column) is shown as "First Last"
    # (`labels.people_shown_whole`)
    full_names: tuple[str, ...] = ()
    # "the stores managed by X": the foreign keys (table, column, ref_table, ref_column) a
    # relation verb chose where several link the same two tables; joins between those tables
    # go through them instead of the schema's first (`semantic.with_joins`)
    joins: tuple[tuple[str, str, str, str], ...] = ()

    def with_changes(self, **changes: Any) -> QueryPlan:
        return replace(self, **changes)


@dataclass(frozen=True)
class SchemaRequest:
    kind: str  # one of datachat.contract.SCHEMA_KINDS
    table: str | None = None
    column: str | None = None
    metric: str | None = None


@dataclass(frozen=True)
class Interpretation:
    route: str  # one of datachat.contract.ROUTES
    intent: Intent
    lang: str  # "es" or "en"
    plan: QueryPlan | None = None
    sql: str | None = None
    schema_request: SchemaRequest | None = None
    clarify: str = ""
    suggestions: tuple[str, ...] = ()
    unmapped: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    reading: str = ""  # the plan said in the question's language (see reading.py)
    unresolved: tuple[Unresolved, ...] = ()  # what was not understood (CLARIFY)


UNRESOLVED_KINDS = ("word", "metric", "value")


@dataclass(frozen=True)
class Unresolved:
    """A word, metric or value of the question the engine did not understand."""

    kind: str  # one of UNRESOLVED_KINDS
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text}


# --- (de)serialisation: plans are stored as JSON with each message ---------------------------

_NESTED: dict[str, Any] = {
    "metrics": MetricRef,
    "dimensions": ColumnRef,
    "filters": Filter,
    "numeric_filters": NumericFilter,
    "having": HavingFilter,
    "time_periods": TimeRange,
    "date_parts": DatePart,
    "listing": ColumnRef,
    "share_of": Filter,
    "share_numeric": NumericFilter,
    "rank_within": ColumnRef,
    "average_per": ColumnRef,
}
_SINGLE: dict[str, Any] = {
    "time_range": TimeRange,
    "time_column": ColumnRef,
    "order": Order,
    "comparison": Comparison,
    "listing_order": ColumnRef,
}


def plan_to_dict(plan: QueryPlan | None) -> dict | None:
    """JSON-ready dict of a plan (tuples become lists); None stays None."""
    return None if plan is None else asdict(plan)


def _build(cls: Any, data: dict) -> Any:
    names = {f.name for f in fields(cls)}
    kwargs = {}
    for key, value in data.items():
        if key not in names:
            continue  # a field written by a newer version: ignore rather than fail
        kwargs[key] = tuple(value) if isinstance(value, list) else value
    return cls(**kwargs)


def plan_from_dict(data: dict | None) -> QueryPlan | None:
    """Inverse of plan_to_dict; returns None for None, empty or unreadable input."""
    if not data or not isinstance(data, dict) or "table" not in data:
        return None
    try:
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key in _NESTED:
                kwargs[key] = tuple(_build(_NESTED[key], item) for item in value or ())
            elif key in _SINGLE:
                kwargs[key] = _build(_SINGLE[key], value) if value else None
            else:
                kwargs[key] = value
        return _build(QueryPlan, kwargs)
    except (TypeError, ValueError, KeyError):
        return None
