"""guard → execute → format: one SQL statement under the caller's policy, run where it belongs
(to the end, or in a web request up to the short deadline before it becomes a job), and its
answer (ranked rows, units, labels, the named period, chart, narration, scope note); a refusal
becomes the contract's `error` with its kind."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import math
import re
from dataclasses import replace
from decimal import Decimal

import sqlglot
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from apps.chat import jobs as query_jobs
from apps.chat import llm_path
from apps.chat.engine import narrate
from apps.chat.engine.answer import Answer
from apps.chat.engine.labels import display_labels, labelled_chart
from apps.chat.engine.periods import plan_period, time_column
from apps.chat.engine.plan import QueryPlan, plan_to_dict
from apps.chat.engine.units import result_units
from apps.chat.models import Conversation
from apps.chat.pipeline.cache import cache_get
from apps.chat.pipeline.record import start_conversation
from apps.chat.pipeline.values import Outcome, Turn, ran
from apps.chat.semantic_cache import semantic_model_for
from apps.chat.texts import text
from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.executor import execute
from apps.governance.engine.guard import GuardedQuery, guard_sql
from apps.governance.engine.policy import DataPolicy
from apps.knowledge.engine.catalog import CatalogSnapshot
from datachat.text import fold

logger = logging.getLogger(__name__)


def sql_answer(
    turn: Turn,
    sql: str,
    intent: dict | None,
    plan: QueryPlan | None,
    *,
    chart_hint: str | None = None,
    narrate_shape: bool = False,
) -> Outcome:
    """Guard, execute and format `sql` (the outcome records `plan` as the plan it ran).
    `chart_hint` is a preferred chart type (it wins only when it fits the data); `narrate_shape`
    narrates SQL that has no plan (the model's) from the result's shape."""
    turn.timer.lap("sql")
    guarded: GuardedQuery | None = None
    try:
        guarded = guard_sql(
            sql,
            dialect=turn.source.dialect,
            schema=turn.catalog.schema_mapping(),
            policy=turn.policy,
            lang=turn.lang,
        )
        turn.timer.lap("guard")
        result = _execute(turn, guarded)
        turn.timer.lap("execute")
    except query_jobs.JobNeeded as needed:
        busy, started = _job_start(turn, sql, intent, plan, chart_hint, narrate_shape, needed)
        key = "too_many_running_queries" if busy.level == "user" else "too_many_running_queries_org"
        message = text(key, turn.lang, running=busy.running, limit=busy.limit)
        answer = Answer(
            type="ERROR",
            intent=intent,
            answer=message,
            error={"code": "too_many_running_queries", "message": message},
        )
        return Outcome(
            answer,
            plan=plan,
            audit_sql=guarded.sql if guarded is not None else sql,
            refusal_rule=f"jobs.{busy.level}_limit",
            conversation=started,
        )
    except SqlRefusal as refusal:
        turn.timer.lap("guard")
        kind = "ERROR" if refusal.code in ("timeout", "execution_error") else "REFUSED"
        answer = Answer(
            type=kind,
            intent=intent,
            answer=refusal.message,
            error=refusal_error(refusal, sql, turn.catalog),
            sql=None,
        )
        if refusal.code == "timeout":
            answer.suggestions = [text("timeout_advice", turn.lang)]
        return Outcome(
            answer,
            plan=plan,
            audit_sql=guarded.sql if guarded is not None else sql,  # refused by the executor
            refusal_rule=getattr(refusal, "detail", "") or refusal.code,
            refusal=refusal,
        )
    except Exception as exc:
        ran(exc, audit_sql=guarded.sql if guarded is not None else sql, plan=plan)
        raise
    outside = _period_outside_data(turn, plan, result) or _said_value_missing(turn, plan, result)
    if outside is not None:
        return Outcome(replace(outside, intent=intent), plan=plan, audit_sql=guarded.sql)
    try:
        answer = _formatted(turn, guarded, result, intent, plan, chart_hint, narrate_shape)
    except Exception as exc:
        ran(exc, audit_sql=guarded.sql, plan=plan)  # it ran: the audit entry names it
        raise
    return Outcome(answer, plan=plan, audit_sql=guarded.sql)


def _nothing_found(result) -> bool:  # noqa: ANN001 - the executor's QueryResult
    """No rows, or one row of nothing (a total of no rows is NULL, a count 0)."""
    if not result.rows:
        return True
    return len(result.rows) == 1 and all(v is None or v == 0 for v in result.rows[0])


def _period_outside_data(turn: Turn, plan: QueryPlan | None, result) -> Answer | None:  # noqa: ANN001
    """A named period the data does not reach ("March 2031" in data of 1996-1998) found
    nothing: ask back saying which dates the data covers (as the caller may see them),
    instead of an empty table or a 0 stated as a fact. None when the period is covered, or
    the span cannot be read."""
    period = plan.time_range if plan is not None else None
    if period is None or period.relative or not (period.start or period.end):
        return None
    if not _nothing_found(result):
        return None
    column = sqlglot.exp.column(period.column, table=period.table)
    span = sqlglot.exp.select(
        sqlglot.exp.Min(this=column.copy()), sqlglot.exp.Max(this=column.copy())
    ).from_(sqlglot.exp.to_table(period.table))
    rows = _probe_rows(turn, span)
    if rows is None:
        return None
    first, last = (
        str(v)[:10] if v is not None else None for v in (rows[0] if rows else (None,) * 2)
    )
    if first is None or last is None:
        return None
    after_the_data = period.start is not None and period.start[:10] > last
    before_the_data = period.end is not None and period.end[:10] < first
    if not (after_the_data or before_the_data):
        return None
    asked = period.label or " – ".join(p for p in (period.start, period.end) if p)
    message = text("period_outside_data", turn.lang, asked=asked, first=first, last=last)
    return Answer(type="CLARIFY", answer=message, suggestions=_in_years(turn.question, first, last))


def _probe_rows(turn: Turn, query: sqlglot.exp.Select) -> list | None:
    """The rows of a small check query the pipeline runs itself, through the guard and the
    caller's policy like any other; None when it is refused or cannot be built."""
    try:
        guarded = guard_sql(
            query.sql(dialect=turn.source.dialect),
            dialect=turn.source.dialect,
            schema=turn.catalog.schema_mapping(),
            policy=turn.policy,
            lang=turn.lang,
        )
        return list(execute(guarded, source=turn.context.connection, lang=turn.lang).rows)
    except (SqlRefusal, ValueError, sqlglot.errors.SqlglotError):
        return None


def _said_value_missing(turn: Turn, plan: QueryPlan | None, result) -> Answer | None:  # noqa: ANN001
    """A value said in the question that the value index does not hold (a personal or
    high-cardinality column: `Filter.op == "said"`) and no row has: ask back naming it, instead
    of an empty answer stated as a fact. Checked only when the answer found nothing, with one
    guarded `SELECT 1 … LIMIT 1` per value, through the caller's policy: a masked column was
    already refused in the answer's own WHERE (`column_masked`, whatever the value), and a row
    filter limits the check to the rows the caller may see, so it tells nothing the answer
    would not."""
    if plan is None or not _nothing_found(result):
        return None
    said = [(f, value) for f in plan.filters if f.op == "said" for value in f.values]
    for f, value in said:  # "directed by Ben Jones or Brandon Vietti": each value in turn
        column = sqlglot.exp.Lower(this=sqlglot.exp.column(f.column, table=f.table))
        wanted = sqlglot.exp.Literal.string(str(value).lower())
        probe = (
            sqlglot.exp.select(sqlglot.exp.Literal.number(1))
            .from_(sqlglot.exp.to_table(f.table))
            .where(sqlglot.exp.EQ(this=column, expression=wanted))
            .limit(1)
        )
        rows = _probe_rows(turn, probe)
        if rows is None:
            return None
        if not rows:
            if f.guessed:
                return _guessed_name_missing(turn, f, value)
            word = _column_word(turn.catalog, f.table, f.column, turn.lang)
            message = text("said_value_missing", turn.lang, value=value, column=word, table=f.table)
            words = {"table": f.table, "column": word}
            offered = [
                text("said_value_starts", turn.lang, start=value[:2], **words),
                text("said_value_contains", turn.lang, part=max(value.split(), key=len), **words),
            ]
            return Answer(type="CLARIFY", answer=message, suggestions=offered)
    return None


def _guessed_name_missing(turn: Turn, f, value: str) -> Answer:  # noqa: ANN001 - a plan Filter
    """A capitalised word the engine read as a name of a column it chose (`literals.name_rows`:
    "What grade is Klingonish in?") that no row has: asked back without saying whose name it
    was taken for (it may be no name at all), the table's text columns the index does not hold
    offered as the places to look ("Highschooler whose name contains 'Klingonish'")."""
    message = text("said_name_missing", turn.lang, value=value)
    info = turn.catalog.table(f.table) if turn.catalog is not None else None
    names = [f.column] + [
        c.name
        for c in (info.columns if info is not None else ())
        if c.name != f.column and c.values is None and not c.primary_key and _text_column(c)
    ]
    part = max(value.split(), key=len)
    offered = [
        text(
            "said_value_contains",
            turn.lang,
            part=part,
            table=f.table,
            column=_column_word(turn.catalog, f.table, name, turn.lang),
        )
        for name in names[:3]
    ]
    return Answer(type="CLARIFY", answer=message, suggestions=offered)


def _text_column(column) -> bool:  # noqa: ANN001 - a catalog ColumnInfo
    """Whether a catalog column is declared as text (TEXT, VARCHAR, STRING, CLOB)."""
    declared = (column.type or "TEXT").upper()
    return any(t in declared for t in ("TEXT", "CHAR", "STRING", "CLOB"))


_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")


def _in_years(question: str, first: str, last: str) -> list[str]:
    """The question asked again of the data's last and first years (each year it names swapped
    for them), or with the year added when it names none."""
    years = list(dict.fromkeys([last[:4], first[:4]]))
    if len(years) < 2:
        years.append(str(int(years[0]) - 1))
    stripped = question.strip().rstrip("?")
    if _YEAR.search(stripped):
        return [_YEAR.sub(year, question.strip()) for year in years]
    return [f"{stripped} {year}" for year in years]


def _formatted(  # noqa: PLR0913
    turn: Turn,
    guarded: GuardedQuery,
    result,  # noqa: ANN001 - the executor's QueryResult
    intent: dict | None,
    plan: QueryPlan | None,
    chart_hint: str | None,
    narrate_shape: bool,
) -> Answer:
    """The SQL answer of a result: ranked rows, units, labels, the named period, the chart and
    the narration, with the scope note of the caller's row filters."""
    columns = list(result.columns)
    rows = _ranked_rows(plan, columns, [list(r) for r in result.rows])
    units = result_units(guarded.sql, turn.source.dialect, turn.catalog)
    model = semantic_model_for(turn.source, turn.catalog, turn.policy)
    labels = display_labels(columns, plan=plan, model=model, units=units, lang=turn.lang)
    period = _period(turn, plan, model)
    spec, figures, _summary = labelled_chart(
        columns, rows, labels=labels, units=units, hint=chart_hint, lang=turn.lang
    )
    figure = figures["light"]
    if plan is None and narrate_shape:
        plan = llm_path.narration_plan(columns, rows)
    body = narrate.narrate(
        _named_period(plan, period),
        columns,
        rows,
        lang=turn.lang,
        row_count=result.row_count,
        truncated=result.truncated,
        units=units,
    )
    if guarded.applied_filters:
        # Row-level security applied: say so in the answer itself (API and CLI too), so a 0 or
        # an empty result is read as "none that you can see", not "none at all".
        phrase = scope_phrase(guarded.applied_filters, turn.catalog, turn.lang)
        outside = _outside_scope(turn.policy, plan)
        if outside:
            # Asked about values the caller's row filter hides ("Sur" for a Norte viewer):
            # say so, instead of "no data" above an empty one-row table.
            body = text("outside_scope", turn.lang, filters=phrase, asked=outside)
            columns, rows, figure = [], [], None
            result = dataclasses.replace(result, row_count=0, truncated=False)
        else:
            body += " " + text("scope_note", turn.lang, filters=phrase)
            either = _outside_scope(turn.policy, plan, either=True)
            if either:
                # "in Lima or with seats under 400": the OR is read inside the visible rows;
                # the note comes from the policy alone, never from the data (no oracle)
                body += " " + text("outside_scope_either", turn.lang, asked=either)
    turn.timer.lap("format")
    return Answer(
        type="SQL",
        intent=intent,
        answer=body,
        sql=guarded.sql,
        columns=columns,
        rows=rows,
        row_count=result.row_count,
        truncated=result.truncated,
        count_capped=result.count_capped,
        chart={"type": spec.type, "figure": figure},
        scope=list(guarded.applied_filters),
        masked_columns=list(guarded.masked_outputs),
        units=units,
        labels=labels,
        period=period,
    )


def _execute(turn: Turn, guarded: GuardedQuery):  # noqa: ANN202
    """Run a guarded query where it belongs: to the end in a job or a command; in a web request
    only up to the short deadline (`jobs.web_execute` raises `JobNeeded` past it)."""
    connection = turn.context.connection
    if turn.job_watch is not None:
        return execute(guarded, source=connection, lang=turn.lang, on_start=turn.job_watch.on_start)
    if not turn.jobs_allowed:
        return execute(guarded, source=connection, lang=turn.lang)
    return query_jobs.web_execute(
        guarded=guarded,
        connection=connection,
        source_pk=turn.source.pk,
        org=turn.org,
        lang=turn.lang,
    )


def _job_start(  # noqa: PLR0913
    turn: Turn,
    sql: str,
    intent: dict | None,
    plan: QueryPlan | None,
    chart_hint: str | None,
    narrate_shape: bool,
    needed: query_jobs.JobNeeded,
) -> tuple[query_jobs.JobsBusy, Conversation | None]:
    """Hand the query to a worker (raises `JobQueued`), or return why it cannot run now (with
    the conversation started for the job, if one was)."""
    try:
        query_jobs.concurrency_check(org=turn.org, user_id=turn.user.pk)
    except query_jobs.JobsBusy as busy:
        return busy, None
    conversation, started = turn.conversation, None
    if conversation is None:
        with transaction.atomic():
            conversation = started = start_conversation(turn.request, turn.source)
    try:
        job = query_jobs.job_create(
            organization=turn.org,
            user=turn.user,
            conversation=conversation,
            source_name=turn.source.name,
            kind=turn.kind,
            channel=turn.channel,
            lang=turn.lang,
            question=turn.question,
            sql=sql,
            intent=intent,
            plan=plan_to_dict(plan),
            chart_hint=chart_hint or "",
            narrate_shape=narrate_shape,
            llm=turn.llm.usage() if turn.llm is not None else {},
            cache_key=turn.cache_key,
            reason=needed.reason,
            estimated_cost=needed.cost,
        )
    except query_jobs.JobsBusy as busy:
        return busy, started
    raise query_jobs.JobQueued(job)


def _ranked_rows(plan: QueryPlan | None, columns: list[str], rows: list[list]) -> list[list]:
    """Groups in the order the text and the chart give them (largest first) when the plan
    asked for no order: the SQL of a plain "X por Y" has no ORDER BY, and a table starting at
    "Este" under a text that says "Norte has the most" reads as a contradiction."""
    if plan is None or plan.listing or not plan.metrics or plan.order is not None:
        return rows
    if plan.grain and not plan.average_over:
        return rows  # periods stay in time order
    keys = len(plan.dimensions)
    if not keys or len(columns) != keys + len(plan.metrics):
        return rows

    def value(row: list) -> float:
        v = row[keys]
        number = isinstance(v, int | float | Decimal) and not isinstance(v, bool)
        return -float(v) if number else math.inf

    return sorted(rows, key=value)


def _period(turn: Turn, plan: QueryPlan | None, model) -> str | None:  # noqa: ANN001
    """The named period of the answer (`engine/periods.py`); the data's first and latest
    dates are read, under the caller's policy, only when the name needs them."""
    if plan is None:
        return None
    bounds = None
    needs_bounds = (plan.time_range is not None and plan.time_range.relative) or (
        plan.time_range is None and not plan.time_periods and not plan.date_parts
    )
    where = time_column(plan, model.main_date) if needs_bounds else None
    if where is not None:
        bounds = _date_bounds(turn, *where)
    return plan_period(plan, turn.lang, bounds=bounds, today=timezone.localdate())


_BOUNDS_TTL = 600  # seconds: new rows move the latest date; a name ten minutes old is fine


def _date_bounds(turn: Turn, table: str, column: str) -> tuple[str | None, str | None] | None:
    """MIN and MAX of a date column, through the same guard (row filters) and executor; cached
    per source, schema and policy (a row filter changes them), so a large source pays the scan
    once per ten minutes, not once per answer."""
    key = (
        "dc:bounds:"
        + hashlib.sha256(
            "|".join(
                [
                    str(turn.source.pk),
                    str(turn.source.schema_version),
                    turn.policy.fingerprint() if turn.policy else "",
                    table,
                    column,
                ]
            ).encode()
        ).hexdigest()
    )
    cached = cache_get(key)
    if isinstance(cached, list | tuple) and len(cached) == 2:
        return cached[0], cached[1]
    bounds = _read_date_bounds(turn, table, column)
    if bounds is not None:
        try:
            cache.set(key, list(bounds), _BOUNDS_TTL)
        except Exception:  # noqa: BLE001 - a cache fault only costs the next query
            logger.warning("cache write failed", exc_info=True)
    return bounds


def _read_date_bounds(turn: Turn, table: str, column: str) -> tuple[str | None, str | None] | None:
    query = sqlglot.exp.select(
        sqlglot.exp.Min(this=sqlglot.exp.column(column)),
        sqlglot.exp.Max(this=sqlglot.exp.column(column)),
    ).from_(sqlglot.exp.to_table(table))
    rows = _probe_rows(turn, query)
    if not rows:
        return None
    low, high = rows[0][0], rows[0][1]
    return (str(low) if low is not None else None, str(high) if high is not None else None)


def _named_period(plan: QueryPlan | None, period: str | None) -> QueryPlan | None:
    """The plan with its range labelled by the dates it used, for the narration:
    "(noviembre de 2025, mes anterior al último con datos)" instead of "(mes pasado)", "(T3
    2025)" instead of "(2025-Q3)"."""
    if plan is None or plan.time_range is None or not period:
        return plan
    inline = period.replace(" (", ", ", 1).rstrip(")") if " (" in period else period
    return plan.with_changes(time_range=replace(plan.time_range, label=inline))


def scope_phrase(
    filters: tuple[str, ...] | list[str],
    catalog: CatalogSnapshot | None = None,
    lang: str = "es",
) -> str:
    """`ventas.region IN ('Norte')` → `región Norte`: the row filters as a person reads them
    (the column's word in the language, from the catalog's synonyms, when there is one)."""
    parts = []
    for item in filters:
        column, _, values = item.partition(" IN ")
        table, _, name = column.rpartition(".")
        word = _column_word(catalog, table, name, lang)
        parts.append(f"{word} {values.strip('()').replace(chr(39), '')}".strip())
    return "; ".join(dict.fromkeys(parts))


def _column_word(catalog: CatalogSnapshot | None, table: str, name: str, lang: str) -> str:
    """ "region" → "región" (the synonym that is the name with its accents), else the name."""
    spaced = name.replace("_", " ")
    info = catalog.table(table) if catalog is not None and table else None
    column = info.column(name) if info is not None else None
    if column is not None and lang == "es":
        for synonym in column.synonyms:
            if fold(synonym) == fold(spaced):
                return synonym
    return spaced


# Refusals a person can ask an administrator to lift (the role's access to data); every other
# refusal of SQL is a mistake in the query (syntax, an unknown name) or a fixed product rule.
_PERMISSION_CODES = frozenset({"not_authorized", "column_masked", "source_restricted"})


_RULE_CODES = frozenset(
    {"sql_not_read_only", "syntax_not_allowed", "function_not_allowed", "multiple_statements"}
)


_POSITION = re.compile(r"line (\d+), col (\d+)")


def refusal_error(refusal: SqlRefusal, sql: str, catalog: CatalogSnapshot | None) -> dict:
    """The answer's `error`: code and message, plus `kind` ("permission": the role may not see
    it, and access can be requested; "mistake": a syntax error or a name that does not exist;
    "rule": something no role may do) and, for a syntax error, `position` ("line 1, col 8")."""
    error = {"code": refusal.code, "message": refusal.message}
    if refusal.code in _PERMISSION_CODES:
        error["kind"] = "permission"
    elif refusal.code in ("table_not_allowed", "column_not_allowed"):
        error["kind"] = "mistake" if _unknown_names(refusal.code, sql, catalog) else "permission"
    elif refusal.code in _RULE_CODES:
        error["kind"] = "rule"
    else:
        error["kind"] = "mistake"
    position = _POSITION.search(getattr(refusal, "detail", "") or "")
    if refusal.code == "parse_error" and position:
        error["position"] = {"line": int(position.group(1)), "column": int(position.group(2))}
    return error


def _unknown_names(code: str, sql: str, catalog: CatalogSnapshot | None) -> bool:
    """Whether the SQL names a table (or column) that no table of the whole catalog has: a
    typo, not a permission (the guard says "does not exist or is not available" for both)."""
    if catalog is None:
        return False
    try:
        tree = sqlglot.parse_one(sql, read=catalog.dialect)
    except (sqlglot.errors.SqlglotError, ValueError):
        return True
    tables = {t.name.lower() for t in catalog.tables}
    named = {t.name.lower() for t in tree.find_all(sqlglot.exp.Table)}
    ctes = {c.alias_or_name.lower() for c in tree.find_all(sqlglot.exp.CTE)}
    if named - tables - ctes:
        return True
    if code == "table_not_allowed":
        return False
    columns = {c.name.lower() for t in catalog.tables for c in t.columns}
    aliases = {a.alias.lower() for a in tree.find_all(sqlglot.exp.Alias)}
    used = {c.name.lower() for c in tree.find_all(sqlglot.exp.Column) if c.name}
    return bool(used - columns - aliases)


def _outside_scope(
    policy: DataPolicy | None, plan: QueryPlan | None, *, either: bool = False
) -> str:
    """The values a plan filters on that the caller's row filter on the same column hides
    ("«Sur»"), or "" when every asked value is visible (or nothing was asked). A filter on one
    side of an "or" between two conditions (`Filter.either`: "in Lima or with seats under 400")
    hides no answer, the other side may hold visible rows: it counts only with `either`, which
    names its hidden values. Decided from the policy alone, whatever rows exist."""
    if policy is None or plan is None:
        return ""
    hidden: list[str] = []
    asked = 0
    for wanted in plan.filters:
        if wanted.op not in ("=", "in") or bool(wanted.either) != either:
            continue
        for row_filter in policy.row_filters:
            if (row_filter.table, row_filter.column) != (wanted.table, wanted.column):
                continue
            allowed = {fold(str(v)) for v in row_filter.values}
            asked += len(wanted.values)
            hidden += [str(v) for v in wanted.values if fold(str(v)) not in allowed]
    if not hidden or (len(hidden) < asked and not either):
        return ""  # some asked value is visible: the rows shown are the visible part
    return ", ".join(f"«{v}»" for v in dict.fromkeys(hidden))
