"""Did the SQL use what the question said? The last check before an answer (issue 13 §7).

A rule that reads a question may leave a mention aside (a column named in a listing, a number,
a value) and the plan then answers another question, confidently. Here every mention that
carries meaning is looked for in the compiled SQL: a catalog column by name, a table, a value as
a literal, a number among the plan's constants. The first one missing is returned, and the
question is asked back naming it.
"""

from __future__ import annotations

import contextlib

import sqlglot
from sqlglot import exp

from datachat import text as tx

from ..plan import QueryPlan, plan_from_dict
from . import lexicon as lx
from . import measures as ms
from .parser import SOFT_TOTAL
from .scan import Mention
from .semantic import SemanticModel


def _sql_parts(sql: str, dialect: str) -> tuple[set[str], set[str], set[str], set[str]]:
    """(column names, table names, literal strings, the column names used beyond being shown)
    of a SQL text, folded."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.ParseError:
        return set(), set(), set(), set()
    columns = {lx.fold(c.name) for c in tree.find_all(exp.Column)}
    tables = {lx.fold(t.name) for t in tree.find_all(exp.Table)}
    literals = {lx.fold(str(v.this)).strip("%") for v in tree.find_all(exp.Literal)}
    used = {lx.fold(c.name) for c in tree.find_all(exp.Column) if not _only_shown(c)}
    return columns, tables, literals, used


def _only_shown(column: exp.Column) -> bool:
    """Whether a column is one the SELECT list shows as it is (not counted, grouped, joined on
    or filtered by)."""
    node: exp.Expression = column
    while isinstance(node.parent, (exp.Alias, exp.Paren)):
        node = node.parent
    return isinstance(node.parent, exp.Select) and node.arg_key == "expressions"


def _with_rows(plan: QueryPlan) -> list[QueryPlan]:
    """The plan, and the plan of the rows it requires to exist (or not), if any."""
    inner = plan_from_dict(plan.rows_plan) if plan.rows_plan else None
    return [plan] if inner is None else [plan, inner]


def _numbers(outer: QueryPlan) -> set[float]:
    found: set[float] = set()
    for plan in _with_rows(outer):
        found |= _plan_numbers(plan)
    return found


def _plan_numbers(plan: QueryPlan) -> set[float]:
    found: set[float] = set()
    if plan.limit:
        found.add(float(plan.limit))
    found |= {float(f.value) for f in plan.numeric_filters}
    found |= {float(f.value) for f in plan.share_numeric}
    found |= {float(h.value) for h in plan.having}
    for f in (*plan.filters, *plan.share_of):
        for v in f.values:
            with contextlib.suppress(ValueError):
                found.add(float(v))
    for part in plan.date_parts:
        found |= {float(v) for v in part.values}
    return found


def _said_number(m: Mention) -> float | None:
    value = m.value
    if isinstance(value, tuple) and value and isinstance(value[0], (int, float)):
        return float(value[0])
    return None


def _close(value: float, known: set[float]) -> bool:
    if value in known:
        return True
    # a percentage said as 20% may be kept as 0.2; "at least 3" may become "> 2"
    return any(abs(value - k) < 1e-9 or abs(value / 100 - k) < 1e-9 for k in known) or any(
        float(value).is_integer() and abs(value - k) == 1 for k in known
    )


def unused_mention(
    mentions: list[Mention],
    skip: set[int],
    plan: QueryPlan,
    sql: str,
    model: SemanticModel,
) -> str | None:
    """The text of the first meaningful mention the SQL does not use, else None.

    `skip` holds mentions another one stands for (a table that only qualifies a column, a
    weak value read as a common word)."""
    columns, tables, literals, used = _sql_parts(sql, model.dialect)
    if not columns and not tables:
        return None
    numbers = _numbers(plan)
    for i, m in enumerate(mentions):
        if i in skip:
            continue
        if m.kind == "number":
            value = _said_number(m)
            if value is not None and not _close(value, numbers):
                return m.text
            continue
        timed = m.kind == "time" and m.time is not None
        if timed and not any(_time_used(m, p) for p in _with_rows(plan)):
            return m.text
        if m.kind != "schema" or lx.fold(m.text) in SOFT_TOTAL:
            continue  # "total" next to a measure is a soft word, not the column `total`
        if _found(m, (columns, used), tables, literals, plan, model):
            continue
        return m.text
    return None


def _found(m: Mention, said, tables, literals, plan: QueryPlan, model) -> bool:  # noqa: ANN001
    columns, used = said  # every column of the SQL, and those it does more with than show
    keys = {ref.key for ref in plan.metrics}
    for e in m.entries:
        if e.kind == "metric":
            metric = model.metrics.get(e.ref[0])
            if e.ref[0] in keys or (metric is not None and lx.fold(metric.table) in tables):
                return True
            if ms.plain_count(metric) and _through_key(model, plan, metric.table, used):
                return True  # a steward's COUNT(*) of a table counted by the key to it
        elif e.kind == "table":
            if lx.fold(e.ref[0]) in tables:
                return True
            # "how many customers bought": counted through the key that references them; a
            # key only shown ("all the information about orders and their customers" as the
            # orders' columns, `customer_id` among them) stands for no customer's data
            if _through_key(model, plan, e.ref[0], used):
                return True
        elif e.kind == "column":
            if lx.fold(e.ref[1]) in columns:
                return True
        elif e.kind == "value" and lx.fold(str(e.ref[2])) in literals:
            return True
    return False


def _through_key(model, plan: QueryPlan, table: str, columns) -> bool:  # noqa: ANN001
    """Whether the SQL uses the one foreign key by which the plan's table references `table`
    (held by the plan's rows: a key of `table` itself, the same name, is no reference)."""
    path = model.path(plan.table, table) or ()
    return len(path) == 1 and path[0][0] == plan.table and lx.fold(path[0][1]) in columns


def _time_used(m: Mention, plan: QueryPlan) -> bool:
    """A grain said ("por mes", "each year") is the plan's grain, what it averages over or what
    it compares; a named period ("Q4 2025") is one of its ranges exactly, not a wider one."""
    span = m.time
    if _on_a_year_column(span, plan):
        return True
    if span.kind == "grain" and span.grain:
        compared = (
            plan.comparison is not None and plan.comparison.dimension == f"period:{span.grain}"
        )
        return span.grain in (plan.grain, plan.average_over) or compared
    if span.kind == "period" and span.start and span.end:
        ranges = [r for r in (plan.time_range, *plan.time_periods) if r is not None]
        if not ranges and not plan.date_parts:
            return False
        exact = any(r.start == span.start and r.end == span.end for r in ranges)
        inside = any(
            (r.start or "") >= span.start and (r.end or "9999") <= span.end for r in ranges
        )
        return exact or inside or bool(plan.date_parts)
    return True


def _is_year_column(name: str) -> bool:
    return bool(set(tx.identifier_words(name)) & lx.YEAR_COLUMN_WORDS)


def _on_a_year_column(span, plan: QueryPlan) -> bool:  # noqa: ANN001
    """A table with no date: "each year" groups by its year column, "in 1980" / "before 1980"
    compares it (conditions.year_column)."""
    if span.kind == "grain":
        return span.grain == "year" and any(_is_year_column(d.column) for d in plan.dimensions)
    years = {int(d[:4]) for d in (span.start, span.end) if d}
    if span.end and not span.start:
        years = {y + 1 for y in years}  # "before 1980" ends on 1979-12-31
    if span.start and not span.end and span.start[4:] != "-01-01":
        return False
    return bool(years) and any(
        _is_year_column(f.column) and int(f.value) in years | {y - 1 for y in years}
        for f in plan.numeric_filters
    )
