"""QueryPlan -> SQL, built with sqlglot expressions for the catalog's dialect (sqlite, postgres,
mariadb: a new engine adds its time templates below, `_engine` refuses one without them).

Joins follow the foreign-key paths of the semantic model; columns are table-qualified only when
the query reads more than one table, so simple questions give simple SQL. Time buckets:
sqlite uses strftime ('%Y-%m' for months, as the verified examples do); postgres uses to_char;
mariadb date_format, the same labels.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlglot
from sqlglot import exp

from apps.governance.engine.dialects import Dialect, get_dialect

from ..plan import ColumnRef, Filter, NumericFilter, QueryPlan, TimeRange
from . import lexicon as lx
from .labels import person_name
from .measures import metric_expression
from .semantic import _DISPLAY_NAMES as DISPLAY_NAMES
from .semantic import SemanticModel, with_joins
from .shown import plain_groups


class PlanError(ValueError):
    """The plan cannot be compiled against this model (unknown column, no join path...)."""


_PERIOD_SQL = {
    "sqlite": {
        "day": "{c}",
        "day_of_timestamp": "DATE({c})",  # dates are ISO text; a timestamp's day is its prefix
        "week": "STRFTIME('%Y-%W', {c})",
        "month": "STRFTIME('%Y-%m', {c})",
        "quarter_in_year": "(CAST(STRFTIME('%m', {c}) AS INTEGER) + 2) / 3",
        "quarter": "STRFTIME('%Y', {c}) || '-Q' || "
        "((CAST(STRFTIME('%m', {c}) AS INTEGER) + 2) / 3)",
        "year": "STRFTIME('%Y', {c})",
        "month_of_year": "CAST(STRFTIME('%m', {c}) AS INTEGER)",
    },
    "postgres": {
        "day": "CAST({c} AS DATE)",
        "day_of_timestamp": "CAST({c} AS DATE)",
        # the same label as SQLite's %W (weeks start on Monday, days before it are week 00)
        "week": "TO_CHAR({c}, 'YYYY') || '-' || LPAD(CAST(FLOOR((EXTRACT(DOY FROM {c}) + 6 - "
        "MOD(CAST(EXTRACT(ISODOW FROM {c}) AS INT) - 1, 7)) / 7) AS INT)::TEXT, 2, '0')",
        "month": "TO_CHAR({c}, 'YYYY-MM')",
        "quarter_in_year": "CAST(EXTRACT(QUARTER FROM {c}) AS INT)",
        "quarter": "TO_CHAR({c}, 'YYYY-\"Q\"Q')",
        "year": "TO_CHAR({c}, 'YYYY')",
        "month_of_year": "CAST(EXTRACT(MONTH FROM {c}) AS INT)",
    },
    "duckdb": {
        "day": "CAST({c} AS DATE)",
        "day_of_timestamp": "CAST({c} AS DATE)",
        "week": "STRFTIME({c}, '%Y-%W')",  # %W as SQLite's: weeks start on Monday
        "month": "STRFTIME({c}, '%Y-%m')",
        "quarter_in_year": "CAST(EXTRACT(QUARTER FROM {c}) AS INT)",
        "quarter": "STRFTIME({c}, '%Y') || '-Q' || CAST(EXTRACT(QUARTER FROM {c}) AS INT)",
        "year": "STRFTIME({c}, '%Y')",
        "month_of_year": "CAST(EXTRACT(MONTH FROM {c}) AS INT)",
    },
    "mariadb": {
        "day": "CAST({c} AS DATE)",
        "day_of_timestamp": "CAST({c} AS DATE)",
        # the same label as SQLite's %W: WEEK mode 5 counts Monday weeks, days before it are 00
        "week": "CONCAT(DATE_FORMAT({c}, '%Y'), '-', "
        "CASE WHEN WEEK({c}, 5) < 10 THEN '0' ELSE '' END, WEEK({c}, 5))",
        "month": "DATE_FORMAT({c}, '%Y-%m')",
        "quarter_in_year": "QUARTER({c})",
        "quarter": "CONCAT(DATE_FORMAT({c}, '%Y'), '-Q', QUARTER({c}))",
        "year": "DATE_FORMAT({c}, '%Y')",
        "month_of_year": "MONTH({c})",
    },
}

# Start of the latest period, from the latest date {m} = MAX(column); {n} periods back.
_ANCHOR_SQL = {
    "sqlite": {
        "day": "DATE({m}, '-{d} days')",
        "week": "DATE({m}, '-{w} days')",
        "month": "DATE({m}, 'start of month', '-{n} months')",
        "month0": "DATE({m}, 'start of month')",
        "year0": "DATE({m}, 'start of year')",
        "quarter": "DATE({m}, 'start of month', '-' || "
        "(((CAST(STRFTIME('%m', {m}) AS INTEGER) - 1) % 3) + {q}) || ' months')",
        "year": "DATE({m}, 'start of year', '-{n} years')",
    },
    "postgres": {
        "day": "CAST({m} AS DATE) - {d}",
        "week": "CAST({m} AS DATE) - {w}",
        "month": "CAST(DATE_TRUNC('month', {m}) - INTERVAL '{n} months' AS DATE)",
        "quarter": "CAST(DATE_TRUNC('quarter', {m}) - INTERVAL '{q} months' AS DATE)",
        "year": "CAST(DATE_TRUNC('year', {m}) - INTERVAL '{n} years' AS DATE)",
        "month0": "CAST(DATE_TRUNC('month', {m}) AS DATE)",
        "year0": "CAST(DATE_TRUNC('year', {m}) AS DATE)",
    },
    "mariadb": {
        "day": "DATE_SUB(CAST({m} AS DATE), INTERVAL {d} DAY)",
        "week": "DATE_SUB(CAST({m} AS DATE), INTERVAL {w} DAY)",
        "month": "DATE_SUB(CAST(DATE_FORMAT({m}, '%Y-%m-01') AS DATE), INTERVAL {n} MONTH)",
        "quarter": "DATE_ADD(MAKEDATE(YEAR({m}), 1), INTERVAL (QUARTER({m}) - 1) * 3 - {q} MONTH)",
        "year": "DATE_SUB(CAST(DATE_FORMAT({m}, '%Y-01-01') AS DATE), INTERVAL {n} YEAR)",
        "month0": "CAST(DATE_FORMAT({m}, '%Y-%m-01') AS DATE)",
        "year0": "CAST(DATE_FORMAT({m}, '%Y-01-01') AS DATE)",
    },
}
_ANCHOR_SQL["duckdb"] = _ANCHOR_SQL["postgres"]  # DATE_TRUNC and intervals read the same


def _digits_removed(c: str) -> str:
    """SQL removing the digits 0-9 from {c} (ten REPLACEs: the guard allows no regex)."""
    for digit in "0123456789":
        c = f"REPLACE({c}, '{digit}', '')"
    return c


# A number written as text ('130', 'null') as a number, NULL when it is none: a plain CAST
# fails on 'null' in PostgreSQL and is 0 in SQLite and MariaDB. A number is at most a leading
# minus, digits and one point: what is left without the digits is '', '.', '-' or '-.'.
_TEXT_NUMBER_CHECK = (
    "{rest} IN ('', '.', '-', '-.') AND LENGTH({rest}) < LENGTH(TRIM({{c}})) "
    "AND TRIM({{c}}) NOT LIKE '_%-%'"
).format(rest=_digits_removed("TRIM({c})"))
_NUMBER_SQL = {
    "sqlite": "CASE WHEN TRIM({c}) GLOB '*[0-9]*' AND TRIM({c}) NOT GLOB '*[^0-9.-]*' "
    "THEN CAST({c} AS REAL) END",
    "postgres": f"CASE WHEN {_TEXT_NUMBER_CHECK} THEN CAST(TRIM({{c}}) AS DOUBLE PRECISION) END",
    "mariadb": f"CASE WHEN {_TEXT_NUMBER_CHECK} THEN CAST(TRIM({{c}}) AS DOUBLE) END",
    "duckdb": "TRY_CAST({c} AS DOUBLE)",
}
_PLACEHOLDER = "__datachat_col__"


def _engine(model: SemanticModel) -> Dialect:
    """The model's engine (`UnknownDialect` for one nobody registered); its time templates must
    be written above (a PlanError names the engine otherwise)."""
    engine = get_dialect(model.dialect)
    if engine.kind not in _PERIOD_SQL or engine.kind not in _ANCHOR_SQL:
        raise PlanError(f"no time templates for {engine.label}")
    return engine


def _dialect(model: SemanticModel) -> str:
    return _engine(model).sqlglot_name


def _template(model: SemanticModel, sql: str, column: exp.Expression) -> exp.Expression:
    parsed = sqlglot.parse_one(sql.format(c=_PLACEHOLDER, m=_PLACEHOLDER), read=_dialect(model))

    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and node.name == _PLACEHOLDER:
            return column.copy()
        return node

    return parsed.transform(swap)


class _Builder:
    def __init__(self, plan: QueryPlan, model: SemanticModel) -> None:
        self.plan = plan
        self.model = model
        self.engine = _engine(model)
        self.dialect = self.engine.kind
        self.metrics = [
            (self._numbers_in(expression), tables)
            for expression, tables in (metric_expression(model, m.key) for m in plan.metrics)
        ]
        # measures said only to rank or keep the groups: not columns (only where the columns
        # are read by name, never by a window or an outer query)
        self.hidden = set(plan.hidden_metrics) if plain_groups(plan) else set()
        self.joins = self._joins()
        self.qualify = bool(self.joins) or plan.rows_plan is not None
        if self.upstream:
            self._count_keys()

    # --- tables and columns ---------------------------------------------------------------

    def _needed(self) -> list[str]:
        p = self.plan
        tables: list[str] = []
        refs = [
            *(t for _, ts in self.metrics for t in sorted(ts)),
            *(d.table for d in p.dimensions),
            *(f.table for f in p.filters),
            *(f.table for f in p.numeric_filters),
            *(r.table for r in ([p.time_range] if p.time_range else [])),
            *(r.table for r in p.time_periods),
            *(d.table for d in p.date_parts),
            *([p.time_column.table] if p.time_column and p.grain else []),
            *(c.table for c in p.listing),
            # "the money rank of the tallest player": rows sorted by a column of the row they
            # refer to
            *([p.listing_order.table] if p.listing and p.listing_order is not None else []),
            *(f.table for f in p.share_of),
            *(f.table for f in p.share_numeric),
        ]
        for table in refs:
            if table not in tables:
                tables.append(table)
        return tables

    def _joins(self) -> list[tuple[str, str, str, str, str]]:
        """(joined table, its column, other table, other column) in join order."""
        base = self.plan.table
        if base not in self.model.tables:
            raise PlanError(f"unknown table {base}")
        present = {base}
        joins = []
        # Tables a one-to-many join multiplies: every table already joined when a join fans
        # out, so a second branch (staff → payments and staff → rentals) multiplies the first.
        self.upstream: frozenset[str] = frozenset()
        # Tables on the many side of such a join, and those reached through them: one row of
        # theirs per joined row ("the models of the planes each pilot flew").
        self.many_side: set[str] = set()
        self.fanouts = 0
        for table in self._needed():
            if table not in self.model.tables:
                raise PlanError(f"unknown table {table}")
            if table in present:
                continue
            path = self.model.path(base, table)
            if path is None:
                raise PlanError(f"no join path from {base} to {table}")
            for left, left_col, right, right_col in path:
                if left in present and right not in present:
                    if left in self.many_side:
                        self.many_side.add(right)
                    joins.append((right, right_col, left, left_col))
                    present.add(right)
                elif right in present and left not in present:
                    # `left` holds the foreign key: one row of `right` meets many of `left`
                    if not self._one_to_one(left, left_col):
                        self.upstream = self.upstream | present
                        self.many_side.add(left)
                        self.fanouts += 1
                    elif right in self.many_side:
                        self.many_side.add(left)
                    joins.append((left, left_col, right, right_col))
                    present.add(left)
        return joins

    def _one_each(self) -> bool:
        """A listing joined to a many side shows one row per listed row (DISTINCT), unless it
        lists a column of its one many side ("the names of pilots and the models of the planes
        they flew": one row per joined row). Two fan-outs keep DISTINCT: the second would
        repeat each pair once per row of the other."""
        if not self.upstream:
            return False
        listed = self.plan.listing
        return self.fanouts > 1 or not any(c.table in self.many_side for c in listed)

    def _one_to_one(self, table: str, column: str) -> bool:
        info = self.model.tables.get(table)
        return info is not None and info.key == (column,)

    def col(self, table: str, column: str) -> exp.Column:
        if self.model.column(table, column) is None:
            raise PlanError(f"unknown column {table}.{column}")
        return exp.column(column, table=table if self.qualify else None)

    def num(self, table: str, column: str) -> exp.Expression:
        """A column read as a number: itself, or the safe cast of a text column holding
        numbers (`ColumnSem.numeric_text`), so '95' < '150' and 'null' is no value."""
        return self._as_number(self.col(table, column), table)

    def _as_number(self, column: exp.Column, table: str) -> exp.Expression:
        sem = self.model.column(table, column.name)
        if sem is None or not sem.numeric_text:
            return column
        return _template(self.model, _NUMBER_SQL[self.dialect], column)

    def _numbers_in(self, expression: exp.Expression) -> exp.Expression:
        """An aggregate expression whose measured columns are read as numbers (SUM, AVG,
        MIN, MAX of a text column holding numbers); COUNT counts rows, as it is."""

        def cast(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Column) and not isinstance(node.parent, exp.Distinct):
                agg = node.find_ancestor(exp.AggFunc)
                if agg is not None and not isinstance(agg, exp.Count):
                    return self._as_number(node, node.table)
            return node

        return expression.transform(cast)

    def _whole_name(self, table: str, column: str) -> tuple[str, str] | None:
        """The first- and last-name columns a person's label is shown with, or None."""
        if table not in self.plan.full_names:
            return None
        pair = person_name(self.model, table)
        return pair if pair is not None and column == self.model.tables[table].display else None

    def shown(self, table: str, column: str) -> exp.Expression:
        """A column as the answer shows it: a person's label is "First Last"."""
        pair = self._whole_name(table, column)
        if pair is None:
            return self.col(table, column)
        first, last = (self.col(table, c) for c in pair)
        return exp.DPipe(
            this=exp.DPipe(this=first, expression=exp.Literal.string(" ")), expression=last
        )

    def _unqualify(self, node: exp.Expression) -> exp.Expression:
        if self.qualify:
            return node
        for column in node.find_all(exp.Column):
            column.set("table", None)
        return node

    # --- time -----------------------------------------------------------------------------

    def _single_year(self) -> bool:
        p = self.plan
        ranges = [p.time_range] if p.time_range else list(p.time_periods)
        if not ranges:
            bounds = self.model.date_bounds.get(
                (p.time_column.table, p.time_column.column) if p.time_column else ("", "")
            )
            return bool(bounds) and bounds[0][:4] == bounds[1][:4]
        for r in ranges:
            if r.relative:
                unit, count = r.relative.split(":")[:2]
                if not (unit in ("quarter", "year") and count == "1"):
                    return False
            elif not (r.start and r.end and r.start[:4] == r.end[:4]):
                return False
        return len({(r.start or "")[:4] for r in ranges}) == 1

    def period(self) -> exp.Expression | None:
        p = self.plan
        if not p.grain or not p.time_column:
            return None
        column = self.col(p.time_column.table, p.time_column.column)
        name = p.grain
        by_period = p.comparison is not None and p.comparison.dimension.startswith("period:")
        if name == "quarter" and self._single_year() and not by_period:
            name = "quarter_in_year"
        if name == "day" and self._is_timestamp(p.time_column):
            name = "day_of_timestamp"
        sql = _PERIOD_SQL[self.dialect][name]
        return _template(self.model, sql, column)

    def _is_timestamp(self, ref) -> bool:  # noqa: ANN001
        info = self.model.catalog.table(ref.table)
        declared = (info.column(ref.column).type or "").upper() if info else ""
        return "TIME" in declared

    def _range_condition(self, r: TimeRange) -> exp.Expression | None:
        column = self.col(r.table, r.column)
        if r.relative:
            return self._relative_condition(r, column)
        timestamp = self._is_timestamp(r)
        if r.start and r.end and not timestamp:
            return exp.Between(
                this=column, low=exp.Literal.string(r.start), high=exp.Literal.string(r.end)
            )
        parts: list[exp.Expression] = []
        if r.start:
            parts.append(exp.GTE(this=column.copy(), expression=exp.Literal.string(r.start)))
        if r.end:
            if timestamp:
                after = (date.fromisoformat(r.end) + timedelta(days=1)).isoformat()
                parts.append(exp.LT(this=column.copy(), expression=exp.Literal.string(after)))
            else:
                parts.append(exp.LTE(this=column.copy(), expression=exp.Literal.string(r.end)))
        return exp.and_(*parts) if parts else None

    def _relative_condition(self, r: TimeRange, column: exp.Expression) -> exp.Expression:
        unit, count, *rest = r.relative.split(":")
        n = max(int(count), 1)
        if rest and rest[0] == "previous":
            # the n periods before the current one: from n+1 periods back up to (not
            # including) the start of the current period
            start = self._anchor(r, unit, n + 1)
            end = self._anchor(r, unit, 1)
            return exp.and_(
                exp.GTE(this=column, expression=start),
                exp.LT(this=column.copy(), expression=end),
            )
        return exp.GTE(this=column, expression=self._anchor(r, unit, n))

    def _anchor(self, r: TimeRange, unit: str, n: int) -> exp.Expression:
        """A subquery giving the first day of the latest n periods (anchored at MAX(date))."""
        latest = exp.Max(this=exp.column(r.column))
        if n == 1 and f"{unit}0" in _ANCHOR_SQL[self.dialect]:
            unit = f"{unit}0"
        template = _ANCHOR_SQL[self.dialect][unit].format(
            m="{m}", n=n - 1, d=n - 1, w=7 * n - 1, q=3 * (n - 1)
        )
        start = _template(self.model, template, latest)
        return exp.select(start).from_(exp.to_table(r.table)).subquery()

    # --- clauses --------------------------------------------------------------------------

    def where(self) -> list[exp.Expression]:
        p = self.plan
        conditions: list[exp.Expression] = []
        sides: dict[int, list[exp.Expression]] = {}  # "older than 30 or from Paris"
        for f in p.filters:
            before = len(conditions)
            self._filter(f, conditions)
            if f.either:
                sides.setdefault(f.either, []).extend(conditions[before:])
                del conditions[before:]
        alternatives: dict[tuple[str, str], list[exp.Expression]] = {}
        for f in p.numeric_filters:
            before = len(conditions)
            self._numeric_filter(f, conditions, alternatives)
            if f.either:
                sides.setdefault(f.either, []).extend(conditions[before:])
                del conditions[before:]
        if alternatives:
            ors = iter(exp.paren(exp.or_(*same)) for same in alternatives.values())
            conditions = [
                next(ors) if isinstance(c, exp.Paren) and isinstance(c.this, exp.Boolean) else c
                for c in conditions
            ]
        if sides:
            either = [
                exp.paren(exp.and_(*side)) if len(side) > 1 else side[0]
                for _, side in sorted(sides.items())
            ]
            conditions.append(exp.paren(exp.or_(*either)))
        if p.time_range:
            condition = self._range_condition(p.time_range)
            if condition is not None:
                conditions.append(condition)
        if p.time_periods:
            ranges = [self._range_condition(r) for r in p.time_periods]
            conditions.append(exp.paren(exp.or_(*[r for r in ranges if r is not None])))
        for part in p.date_parts:
            column = self.col(part.table, part.column)
            expr = _template(self.model, _PERIOD_SQL[self.dialect]["month_of_year"], column)
            values = [exp.Literal.number(v) for v in part.values]
            conditions.append(
                exp.EQ(this=expr, expression=values[0])
                if len(values) == 1
                else exp.In(this=expr, expressions=values)
            )
        return conditions

    def _filter(self, f: Filter, conditions: list[exp.Expression]) -> None:
        """A value filter's condition, appended to `conditions`."""
        column = self.col(f.table, f.column)
        literals = [exp.Literal.string(str(v)) for v in f.values]
        if f.op in ("=", "!=") and len(literals) == 1:
            node = exp.EQ if f.op == "=" else exp.NEQ
            conditions.append(node(this=column, expression=literals[0]))
        elif f.op in ("in", "=", "not in", "!="):
            node = exp.In(this=column, expressions=literals)
            conditions.append(node if f.op in ("in", "=") else exp.Not(this=node))
        elif f.op == "said":  # values the index does not hold, said as written: any case
            said = [exp.Literal.string(str(v).lower()) for v in f.values]
            lowered = exp.Lower(this=column)
            if len(said) == 1:
                conditions.append(exp.EQ(this=lowered, expression=said[0]))
            else:  # "directed by Ben Jones or Brandon Vietti"
                conditions.append(exp.In(this=lowered, expressions=said))
        elif f.op in ("like", "not like"):  # text patterns: "names that contain 'a'"
            likes = [exp.Like(this=column.copy(), expression=lit) for lit in literals]
            node = exp.or_(*likes) if len(likes) > 1 else likes[0]
            conditions.append(node if f.op == "like" else exp.Not(this=node))
        else:
            raise PlanError(f"unknown filter op {f.op}")

    def _numeric_filter(
        self,
        f: NumericFilter,
        conditions: list[exp.Expression],
        alternatives: dict[tuple[str, str], list[exp.Expression]],
    ) -> None:
        """A numeric filter's condition, appended to `conditions` (an alternative of one
        column: a placeholder, its comparison kept in `alternatives`)."""
        if f.alternative:  # "in 2014 or 2015": any of the values of one column
            same = alternatives.setdefault((f.table, f.column), [])
            if not same:
                conditions.append(exp.Paren(this=exp.false()))  # replaced below
            same.append(_compare(self.num(f.table, f.column), f.op, f.value))
            return
        if f.other:  # "different from his or her current address": the row's own column
            node = {"=": exp.EQ, "!=": exp.NEQ}[f.op]
            other = self.col(f.table, f.other)
            conditions.append(node(this=self.col(f.table, f.column), expression=other))
            return
        if f.average:  # "above the average": the mean of the whole column
            own = self._as_number(exp.column(f.column), f.table)
            mean = exp.select(exp.Avg(this=own)).from_(f.table)
            node = {">": exp.GT, "<": exp.LT}[f.op]
            conditions.append(
                node(this=self.num(f.table, f.column), expression=exp.Subquery(this=mean))
            )
            return
        if f.than == "row" and f.op == "=":  # "in the stadium with the highest capacity"
            other = exp.Subquery(this=self._ranked_row(f))
            conditions.append(exp.EQ(this=self.col(f.table, f.column), expression=other))
            return
        if f.than:  # "greater than any country in Europe", "than the car with the most…"
            node = {">": exp.GT, "<": exp.LT}[f.op]
            other = exp.Subquery(this=self._other_rows(f))
            conditions.append(node(this=self.num(f.table, f.column), expression=other))
            return
        sem = self.model.column(f.table, f.column)
        if sem is not None and sem.flag == "bool" and f.op in ("=", "!=") and f.value in (0, 1):
            yes = (f.value == 1) == (f.op == "=")  # a boolean type: TRUE/FALSE in any dialect
            node = exp.EQ(this=self.col(f.table, f.column), expression=exp.Boolean(this=yes))
            conditions.append(node)
            return
        conditions.append(_compare(self.num(f.table, f.column), f.op, f.value))

    def _own(self, table: str, column: str) -> exp.Column:
        """A column of a subquery's own table, unqualified (it reads that table alone)."""
        if self.model.column(table, column) is None:
            raise PlanError(f"unknown column {table}.{column}")
        return exp.column(column)

    def _ranked_row(self, f) -> exp.Select:  # noqa: ANN001
        """The key of the one row of `f.table` its column `f.than_rank` ranks first (rows with
        no value left out): the row a nested superlative picks."""
        ranked = self._as_number(self._own(f.table, f.than_rank), f.table)
        known = exp.Not(this=exp.Is(this=ranked.copy(), expression=exp.Null()))
        return (
            exp.select(self._own(f.table, f.column))
            .from_(f.table)
            .where(known)
            .order_by(exp.Ordered(this=ranked, desc=f.than_desc))
            .limit(1)
        )

    def _other_rows(self, f) -> exp.Select:  # noqa: ANN001
        """The value a row is compared with (`NumericFilter.than`), from its own table: the
        largest (">") or smallest ("<") of a group's rows, or the one row a column ranks first."""
        own = self._as_number(self._own(f.table, f.column), f.table)
        if f.than == "every":
            conditions = [
                exp.EQ(this=self._own(f.table, column), expression=exp.Literal.string(str(value)))
                for column, value in f.than_values
            ]
            if not conditions:
                raise PlanError("a comparison with a group that has no condition")
            agg = exp.Max if f.op == ">" else exp.Min
            return exp.select(agg(this=own)).from_(f.table).where(exp.and_(*conditions))
        if f.than == "row":
            ranked = self._as_number(self._own(f.table, f.than_rank), f.table)
            known = exp.Not(this=exp.Is(this=ranked.copy(), expression=exp.Null()))
            return (
                exp.select(own)
                .from_(f.table)
                .where(known)
                .order_by(exp.Ordered(this=ranked, desc=f.than_desc))
                .limit(1)
            )
        raise PlanError(f"unknown comparison with other rows {f.than}")

    def build(self) -> exp.Select:
        p = self.plan
        if p.average_per and not p.listing:
            return self._average_per()
        if p.listing:
            shown = list(p.listing)
            ranked_by = p.listing_order
            if (
                ranked_by is not None
                and ranked_by not in shown
                and (p.distinct or self._one_each())
            ):
                shown.append(ranked_by)  # DISTINCT rows are ordered by a column they show
            select = exp.select(*[self._listed(c) for c in shown])
            if p.distinct:
                select = select.distinct()
        else:
            select = self._aggregate_select()
        select = select.from_(exp.to_table(p.table))
        for table, column, other, other_column in self.joins:
            on = exp.EQ(
                this=exp.column(column, table=table),
                expression=exp.column(other_column, table=other),
            )
            select = select.join(exp.to_table(table), on=on)
        conditions = self.where()
        if p.rows_plan is not None:
            conditions.append(self._rows_exist())
        if p.also_in is not None:
            conditions.append(self._also_in())
        if p.listing and p.listing_order is not None:  # rows without the value rank nowhere
            ranked = self.num(p.listing_order.table, p.listing_order.column)
            conditions.append(exp.Not(this=exp.Is(this=ranked, expression=exp.Null())))
        if conditions:
            select = select.where(exp.and_(*conditions))
        if not p.listing:
            select = self._group_order(select)
            if self.upstream and self._inflated():
                select = self._at_grain(select)
        elif self._one_each():
            select = select.distinct()
        if p.listing and p.listing_order is not None:
            ranked = self.num(p.listing_order.table, p.listing_order.column)
            desc = p.order.desc if p.order is not None else True
            select = select.order_by(exp.Ordered(this=ranked, desc=desc))
        if p.average_over and not p.listing:
            select = self._average_over(select)
        if p.window and not p.listing:
            return self._window(select)
        if p.rank_period and p.limit and p.order is not None and not p.listing:
            return self._top_per_period(select)
        per_group = bool(p.rank_within) and set(p.rank_within) < set(p.dimensions)
        if per_group and p.limit and p.order is not None and not p.listing:
            return self._top_per_group(select)
        if p.limit:
            select = select.limit(int(p.limit))
        return select

    def _listed(self, ref) -> exp.Expression:  # noqa: ANN001
        shown = self.shown(ref.table, ref.column)
        return shown if isinstance(shown, exp.Column) else exp.alias_(shown, self.dim_alias(ref))

    def _also_in(self) -> exp.Expression:
        """listed IN (SELECT listed FROM … WHERE the other plan's conditions): the values the
        other rows share ("both … and …"). Plain columns only."""
        from ..plan import plan_from_dict  # noqa: PLC0415

        p = self.plan
        other = plan_from_dict(p.also_in)
        key = self.model.tables[p.table].key if p.table in self.model.tables else ()
        if other is not None and len(key) == 1 and other.listing == (ColumnRef(p.table, key[0]),):
            ref = other.listing[0]  # the rows themselves: key IN (the other half's keys)
        elif other is None or len(p.listing) != 1 or other.listing != p.listing:
            raise PlanError("'both' needs one listed column in both plans")
        else:
            ref = p.listing[0]
        if not isinstance(self.shown(ref.table, ref.column), exp.Column):
            raise PlanError("'both' on a computed column")
        inner = _Builder(other.with_changes(also_in=None, order=None, limit=None), self.model)
        select = inner.build()
        return exp.In(this=self.col(ref.table, ref.column), query=exp.Subquery(this=select))

    def _rows_exist(self) -> exp.Expression:
        """[NOT] EXISTS (SELECT 1 FROM other … WHERE other.key = listed.key AND conditions)."""
        from ..plan import plan_from_dict, plan_to_dict  # noqa: PLC0415

        p = self.plan
        inner_plan = plan_from_dict(p.rows_plan)
        if inner_plan is None or len(p.rows_key) != 2:
            raise PlanError("unreadable rows plan")
        # a listing of the inner plan only says which tables it joins ("shops with no
        # employees": the hirings joined to the employees); it selects 1
        inner = _Builder(inner_plan.with_changes(metrics=()), self.model)
        inner.qualify = True
        if p.table in {t for t, *_ in inner.joins}:
            raise PlanError("the listed table inside its own condition")
        fk, key = p.rows_key
        link = exp.EQ(
            this=exp.column(fk, table=inner_plan.table), expression=exp.column(key, table=p.table)
        )
        select = exp.select(exp.Literal.number(1)).from_(exp.to_table(inner_plan.table))
        for table, column, other, other_column in inner.joins:
            on = exp.EQ(
                this=exp.column(column, table=table),
                expression=exp.column(other_column, table=other),
            )
            select = select.join(exp.to_table(table), on=on)
        if p.rows_each:  # "both Laptop Pro and Monitor": a row for each value
            several = [f for f in inner_plan.filters if f.op in ("in", "=") and len(f.values) > 1]
            if len(several) != 1 or p.rows_absent:
                raise PlanError("'both' needs one list of values")
            each = several[0]
            rest = inner_plan.with_changes(
                filters=tuple(f for f in inner_plan.filters if f is not each)
            )
            checks = []
            for value in each.values:
                one = rest.with_changes(
                    filters=(*rest.filters, each.__class__(each.table, each.column, "=", (value,)))
                )
                single = self.plan.with_changes(rows_plan=plan_to_dict(one), rows_each=False)
                checks.append(_Builder(single, self.model)._rows_exist())
            return exp.and_(*checks)
        known = select.where(link.copy())
        select = select.where(exp.and_(link, *inner.where()))
        exists = exp.Exists(this=select)
        if p.rows_absent and p.rows_known:
            return exp.and_(exp.Exists(this=known), exp.Not(this=exists))
        return exp.Not(this=exists) if p.rows_absent else exists

    # --- the grain of a one-to-many join (issue 13 §5) ------------------------------------

    def _count_keys(self) -> None:
        """COUNT(*) of a table the joins multiply counts its distinct keys instead."""
        for n, (expression, tables) in enumerate(self.metrics):
            for agg in list(expression.find_all(exp.Count)):
                if not isinstance(agg.this, exp.Star):
                    continue
                (table,) = tables if len(tables) == 1 else (self.plan.table,)
                if table not in self.upstream:
                    continue
                key = self.model.tables[table].key if table in self.model.tables else ()
                if len(key) != 1:
                    raise PlanError(f"rows of {table} multiplied by a join, no key")
                column = exp.column(key[0], table=table)
                counted = exp.Count(this=exp.Distinct(expressions=[column]))
                if agg is expression:
                    expression = counted
                else:
                    agg.replace(counted)
                self.metrics[n] = (expression, tables)

    def _inflated(self) -> bool:
        """Whether a measure reads a table the joins multiply (an order's freight summed once
        per order line). MIN, MAX and COUNT(DISTINCT) are safe; COUNT(*) was made distinct;
        anything else is computed at its grain (`_at_grain`)."""
        for expression, _tables in self.metrics:
            for agg in expression.find_all(exp.AggFunc):
                if isinstance(agg, (exp.Min, exp.Max)):
                    continue
                if isinstance(agg, exp.Count) and isinstance(agg.this, (exp.Distinct, exp.Star)):
                    continue
                if any(c.table in self.upstream for c in agg.find_all(exp.Column)):
                    return True
        return False

    def _at_grain(self, select: exp.Select) -> exp.Select:
        """The aggregate over the distinct rows of the measured tables: an inner SELECT
        DISTINCT of their keys and of every column the outer query reads, joined and filtered
        as before; the outer query groups it. A measure mixing grains cannot be answered."""
        measured = {
            c.table
            for expression, _tables in self.metrics
            for agg in expression.find_all(exp.AggFunc)
            for c in agg.find_all(exp.Column)
        }
        if measured - self.upstream:
            raise PlanError("measures at two grains across a one-to-many join")
        outer_parts = [*select.expressions]
        for arg in ("group", "having", "order"):
            if select.args.get(arg) is not None:
                outer_parts.append(select.args[arg])
        read = {
            (c.table, c.name) for part in outer_parts for c in part.find_all(exp.Column) if c.table
        }
        for table in sorted(measured):
            key = self.model.tables[table].key if table in self.model.tables else ()
            if not key:
                raise PlanError(f"rows of {table} multiplied by a join, no key")
            read |= {(table, k) for k in key}
        inner = exp.select(
            *[exp.alias_(exp.column(c, table=t), f"{t}__{c}") for t, c in sorted(read)]
        ).distinct()
        source = select.args.get("from_") or select.args.get("from")
        inner = inner.from_(source.this.copy())
        if select.args.get("joins"):
            inner.set("joins", [j.copy() for j in select.args["joins"]])
        if select.args.get("where") is not None:
            inner.set("where", select.args["where"].copy())
        outer = select.copy()
        outer.set("joins", None)
        outer.set("where", None)
        outer.set("from_" if "from_" in outer.args else "from", None)
        outer = outer.from_(inner.subquery("g"))
        items = []
        for item in outer.expressions:
            if isinstance(item, exp.Column) and item.table:
                item = exp.alias_(item, item.name)  # keep the output name
            items.append(item)
        outer.set("expressions", items)

        def flatten(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Column) and node.table:
                return exp.column(f"{node.table}__{node.name}")
            return node

        for arg in ("expressions", "group", "having", "order"):
            value = outer.args.get(arg)
            if value is None:
                continue
            if isinstance(value, list):
                outer.set(arg, [v.transform(flatten) for v in value])
            else:
                outer.set(arg, value.transform(flatten))
        return outer

    def _top_per_group(self, inner: exp.Select) -> exp.Select:
        """Top N of each group: ROW_NUMBER() over the groups, then rank <= N."""
        p = self.plan
        metric = self._unqualify(self.metrics[p.order.metric][0].copy())
        partition = [self.shown(d.table, d.column) for d in p.rank_within]
        ordered = exp.Ordered(this=metric, desc=p.order.desc, nulls_first=self._nulls(p.order.desc))
        window = exp.Window(
            this=exp.RowNumber(), partition_by=partition, order=exp.Order(expressions=[ordered])
        )
        inner.set("order", None)
        inner = inner.select(exp.alias_(window, "rank_in_group"))
        outputs = [exp.column(self.dim_alias(d)) for d in p.dimensions]
        outputs += [exp.column(a) for a in self.metric_aliases]
        groups = [exp.column(self.dim_alias(d)) for d in p.rank_within]
        alias = self.metric_aliases[p.order.metric]
        last = exp.Ordered(
            this=exp.column(alias), desc=p.order.desc, nulls_first=self._nulls(p.order.desc)
        )
        return (
            exp.select(*outputs)
            .from_(inner.subquery("ranked"))
            .where(
                exp.LTE(this=exp.column("rank_in_group"), expression=exp.Literal.number(p.limit))
            )
            .order_by(*groups, last)
        )

    def _window(self, inner: exp.Select) -> exp.Select:
        """The grouped periods, then a window over them in period order (per group of the
        other dimensions): the running total, or the previous period's value, the difference
        and the percent change; "change_pair" keeps the last period only (A, B, B - A, %)."""
        p = self.plan
        if not self.period_alias or len(self.metric_aliases) != 1:
            raise PlanError("a window needs one metric over periods")
        inner.set("order", None)
        period = exp.column(self.period_alias)
        dims = [exp.column(self.dim_alias(d)) for d in p.dimensions]
        value = exp.column(self.metric_aliases[0])
        by_period = exp.Order(
            expressions=[
                exp.Ordered(this=period.copy(), desc=False, nulls_first=self._nulls(False))
            ]
        )

        def over(function: exp.Expression) -> exp.Window:
            partition = [d.copy() for d in dims] or None
            return exp.Window(this=function, partition_by=partition, order=by_period.copy())

        items: list[exp.Expression] = [*dims, period, value]
        if p.window == "running":
            items.append(exp.alias_(over(exp.Sum(this=value.copy())), "running_total"))
        elif p.window in ("change", "change_pair"):
            previous = over(exp.Lag(this=value.copy()))
            difference = exp.Sub(this=value.copy(), expression=previous.copy())
            percent = exp.Div(
                this=exp.Mul(
                    this=exp.paren(difference.copy()), expression=exp.Literal.number("100.0")
                ),
                expression=exp.Nullif(this=previous.copy(), expression=exp.Literal.number(0)),
            )
            items += [
                exp.alias_(previous, "previous_value"),
                exp.alias_(difference, "change"),
                exp.alias_(percent, "percent_change"),
            ]
        else:
            raise PlanError(f"unknown window {p.window}")
        if p.window == "change_pair":
            items.append(exp.alias_(exp.Window(this=exp.Max(this=period.copy())), "last_period"))
        outer = exp.select(*items).from_(inner.subquery("periods"))
        if p.window != "change_pair":
            return outer.order_by(*[d.copy() for d in dims], period.copy())
        names = [*[d.name for d in dims], "previous_value", value.name, "change", "percent_change"]
        last = (
            exp.select(*[exp.column(n) for n in names])
            .from_(outer.subquery("changes"))
            .where(exp.EQ(this=exp.column(self.period_alias), expression=exp.column("last_period")))
        )
        return last.order_by(*[d.copy() for d in dims]) if dims else last

    def _top_per_period(self, inner: exp.Select) -> exp.Select:
        """The best period within each coarser one ("el mejor mes de cada año"): the coarser
        period is grouped too, and ROW_NUMBER() over it keeps the top N of each."""
        p = self.plan
        if not self.period_alias or p.time_column is None:
            raise PlanError("a rank within periods needs a period")
        coarse = _template(
            self.model,
            _PERIOD_SQL[self.dialect][p.rank_period],
            self.col(p.time_column.table, p.time_column.column),
        )
        alias = (
            f"{p.rank_period}_of_{self.period_alias}"
            if p.rank_period == self.period_alias
            else p.rank_period
        )
        inner.set("order", None)
        inner.set("limit", None)
        inner.set("expressions", [exp.alias_(coarse.copy(), alias), *inner.expressions])
        inner = inner.group_by(coarse.copy())
        metric = self._unqualify(self.metrics[p.order.metric][0].copy())
        ordered = exp.Ordered(this=metric, desc=p.order.desc, nulls_first=self._nulls(p.order.desc))
        window = exp.Window(
            this=exp.RowNumber(),
            partition_by=[coarse.copy()],
            order=exp.Order(expressions=[ordered]),
        )
        inner = inner.select(exp.alias_(window, "rank_in_period"))
        outputs = [exp.column(alias), exp.column(self.period_alias)]
        outputs += [exp.column(self.dim_alias(d)) for d in p.dimensions]
        outputs += [exp.column(a) for a in self.metric_aliases]
        measured = self.metric_aliases[p.order.metric]
        last = exp.Ordered(
            this=exp.column(measured), desc=p.order.desc, nulls_first=self._nulls(p.order.desc)
        )
        return (
            exp.select(*outputs)
            .from_(inner.subquery("ranked"))
            .where(
                exp.LTE(this=exp.column("rank_in_period"), expression=exp.Literal.number(p.limit))
            )
            .order_by(exp.column(alias), last)
        )

    def dim_alias(self, d) -> str:  # noqa: ANN001
        """A dimension's output name: its column, or table_column when two tables share it."""
        if self._whole_name(d.table, d.column) is not None:
            return "full_name" if len(self.plan.full_names) == 1 else f"{d.table}_full_name"
        names = [x.column for x in self.plan.dimensions]
        return d.column if names.count(d.column) == 1 else f"{d.table}_{d.column}"

    def _nulls(self, desc: bool) -> bool:
        """NULL placement as the dialect's default, so no NULLS FIRST/LAST is printed."""
        return desc if self.engine.nulls_sort_high else not desc

    def _average_per(self) -> exp.Select:
        """SELECT dims, AVG(m) FROM (m per entity and dims) GROUP BY dims: the mean over the
        entities (customers) of their totals, within each group."""
        p = self.plan
        inner_plan = p.with_changes(
            dimensions=(*p.dimensions, *p.average_per),
            average_per=(),
            order=None,
            limit=None,
            having=(),
        )
        inner = _Builder(inner_plan, self.model)
        select = inner.build()
        dims = [exp.column(inner.dim_alias(d)) for d in p.dimensions]
        metrics = [exp.alias_(exp.Avg(this=exp.column(a)), a) for a in inner.metric_aliases]
        outer = exp.select(*dims, *metrics).from_(select.subquery("per_entity"))
        if dims:
            outer = outer.group_by(*[d.copy() for d in dims])
        if p.order is not None:
            alias = inner.metric_aliases[min(p.order.metric, len(inner.metric_aliases) - 1)]
            outer = outer.order_by(
                exp.Ordered(
                    this=exp.column(alias), desc=p.order.desc, nulls_first=self._nulls(p.order.desc)
                )
            )
        if p.limit:
            outer = outer.limit(int(p.limit))
        return outer

    def _average_over(self, inner: exp.Select) -> exp.Select:
        """SELECT dims, AVG(m) FROM (the per-period totals) GROUP BY dims."""
        inner.set("order", None)
        dims = [exp.column(self.dim_alias(d)) for d in self.plan.dimensions]
        metrics = [exp.alias_(exp.Avg(this=exp.column(a)), a) for a in self.metric_aliases]
        outer = exp.select(*dims, *metrics).from_(inner.subquery("per_period"))
        if dims:
            outer = outer.group_by(*[d.copy() for d in dims])
        if self.plan.order is not None:
            alias = self.metric_aliases[min(self.plan.order.metric, len(self.metric_aliases) - 1)]
            desc = self.plan.order.desc
            nulls_first = desc if self.engine.nulls_sort_high else not desc
            outer = outer.order_by(
                exp.Ordered(this=exp.column(alias), desc=desc, nulls_first=nulls_first)
            )
        return outer

    def _aggregate_select(self) -> exp.Select:
        p = self.plan
        items: list[exp.Expression] = []
        self.group: list[exp.Expression] = []
        self.period_alias = None
        for d in p.dimensions:
            column = self.shown(d.table, d.column)
            alias = self.dim_alias(d)
            items.append(exp.alias_(column, alias) if alias != d.column else column)
            key = self._row_key(d.table, d.column)
            if key is not None:  # two customers may share a name: one row per customer
                self.group.append(self.col(d.table, key))
            self.group.append(column.copy())
        period = self.period()
        if period is not None:
            # the period column where the question put it ("por región y año": after region)
            at = min(max(p.period_position, 0), len(items))
            self.period_alias = p.grain
            items.insert(at, exp.alias_(period, p.grain))
            self.group.insert(at, period.copy())
            self.period_group = self.group[at]
        self.metric_aliases = []
        for n, (ref, (expression, _tables)) in enumerate(zip(p.metrics, self.metrics, strict=True)):
            alias = ref.alias
            if p.share:
                expression = self._share(expression)
            while alias in self.metric_aliases:
                alias += "_2"
            self.metric_aliases.append(alias)
            if n not in self.hidden:  # a measure said only to rank or keep the rows
                items.append(exp.alias_(self._unqualify(expression.copy()), alias))
        return exp.select(*items)

    def _share(self, expression: exp.Expression) -> exp.Expression:
        """metric * 100.0 / total: the total over all groups (a window), or over all rows with
        the conditions moved into the numerator (CASE WHEN)."""
        hundred = exp.Literal.number("100.0")
        total = expression if isinstance(expression, exp.Sum) else None
        if total is not None and isinstance(total.this, (exp.Sub, exp.Paren)):
            difference = total.this.unnest() if isinstance(total.this, exp.Paren) else total.this
            if isinstance(difference, exp.Sub):
                # a percentage of a difference (a margin: revenue - cost) is relative to its
                # first term, SUM(a - b) * 100 / SUM(a), not a share of the difference's total
                whole = exp.Sum(this=difference.this.copy())
                return exp.Div(this=exp.Mul(this=expression, expression=hundred), expression=whole)
        if not (self.plan.share_of or self.plan.share_numeric):
            total = exp.Window(this=exp.Sum(this=expression.copy()))
            return exp.Div(this=exp.Mul(this=expression, expression=hundred), expression=total)
        conditions = []
        for f in self.plan.share_of:
            column = self.col(f.table, f.column)
            literals = [exp.Literal.string(str(v)) for v in f.values]
            node = exp.In(this=column, expressions=literals)
            conditions.append(exp.Not(this=node) if f.op in ("!=", "not in") else node)
        for f in self.plan.share_numeric:
            conditions.append(_compare(self.num(f.table, f.column), f.op, f.value))
        condition = exp.and_(*conditions)
        numerator = expression.copy()
        agg = numerator if isinstance(numerator, exp.AggFunc) else numerator.find(exp.AggFunc)
        if isinstance(agg, exp.Count) and isinstance(agg.this, exp.Distinct):
            inner = agg.this.expressions[0]
            case = exp.Case(ifs=[exp.If(this=condition, true=inner.copy())])
            agg.this.set("expressions", [case])
        elif isinstance(agg, exp.Count):
            case = exp.Case(
                ifs=[exp.If(this=condition, true=exp.Literal.number(1))],
                default=exp.Literal.number(0),
            )
            agg.replace(exp.Sum(this=case))
            numerator = numerator if numerator is not agg else exp.Sum(this=case)
        elif isinstance(agg, exp.Sum):
            case = exp.Case(
                ifs=[exp.If(this=condition, true=agg.this.copy())], default=exp.Literal.number(0)
            )
            agg.set("this", case)
        else:
            raise PlanError("share of a non-additive metric")
        return exp.Div(this=exp.Mul(this=numerator, expression=hundred), expression=expression)

    def _row_key(self, table: str, column: str) -> str | None:
        """The key of a joined table grouped by its naming column (clientes.nombre ->
        cliente_id, the column the join reaches it by), else None."""
        info = self.model.tables.get(table)
        if table == self.plan.table or info is None or info.display != column:
            return None
        if lx.fold(column) not in DISPLAY_NAMES and not info.named:
            return None  # a table's first text column, not a name: kept as it was
        steps = self.model.path(self.plan.table, table)
        if not steps or steps[-1][2] != table:
            return None
        return steps[-1][3]

    def _group_order(self, select: exp.Select) -> exp.Select:
        p = self.plan
        if self.group:
            select = select.group_by(*self.group)
        for h in p.having:
            expression = self._unqualify(self.metrics[h.metric][0].copy())
            select = select.having(_compare(expression, h.op, h.value))
        if p.order is not None and p.metrics:
            index = min(p.order.metric, len(p.metrics) - 1)
            ranked: exp.Expression = exp.column(self.metric_aliases[index])
            if index in self.hidden:  # not a column of the answer: its expression
                ranked = self._unqualify(self.metrics[index][0].copy())
            desc = p.order.desc
            # NULL placement as the dialect's default, so no NULLS FIRST/LAST is printed.
            nulls_first = desc if self.engine.nulls_sort_high else not desc
            select = select.order_by(exp.Ordered(this=ranked, desc=desc, nulls_first=nulls_first))
        elif self.period_alias and not (
            p.comparison is not None and p.comparison.dimension.startswith("period:")
        ):
            others = [g.copy() for g in self.group if g is not self.period_group]
            select = select.order_by(exp.column(self.period_alias), *others)
        return select


def _compare(column: exp.Expression, op: str, value: float) -> exp.Expression:
    literal = exp.Literal.number(int(value) if float(value).is_integer() else value)
    nodes = {">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE, "=": exp.EQ, "!=": exp.NEQ}
    if op not in nodes:
        raise PlanError(f"unknown comparison {op}")
    return nodes[op](this=column, expression=literal)


def compile_sql(plan: QueryPlan, model: SemanticModel) -> str:
    """The SQL of `plan` in the model's dialect; raises PlanError when it cannot be built."""
    if plan.joins:  # "the stores managed by X": through the foreign key the verb chose
        model = with_joins(model, plan.joins)
    if plan.groups_counted:
        return _groups_counted(plan, model).sql(dialect=_dialect(model))
    select = _Builder(plan, model).build()
    return select.sql(dialect=_dialect(model))


def _groups_counted(plan: QueryPlan, model: SemanticModel) -> exp.Select:
    """How many groups pass the plan's HAVING: the grouped query, counted from outside."""
    if not plan.having or not plan.dimensions:
        raise PlanError("groups_counted needs groups and a condition on their count")
    inner = _Builder(plan.with_changes(groups_counted=False, order=None, limit=None), model).build()
    return exp.select("COUNT(*) AS n").from_(inner.subquery("passing"))
