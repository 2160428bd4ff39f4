"""HYBRID answers and why-answers, wired to the org's knowledge, guard and executor.

The thinking is in the pure engines (`chat/engine/insights.py`: the router and the texts;
`chat/engine/decompose.py`: the SQL and the arithmetic; `chat/engine/waterfall.py`: the chart);
this module runs them for one pipeline turn:

- `insight_answer(turn)`: a why-question (or "¿y por región?" after one) becomes a decomposition;
  a "what is X and how much…" question becomes one HYBRID answer (definition with its source,
  then the data answer); anything else is None and the pipeline goes on as before. Like the
  pipeline's own stages it returns a `pipeline.Outcome` (the answer, its plan and audit SQL).
- `keep_definition(turn, answer, plan)`: a follow-up of a HYBRID answer ("¿y en 2024?") keeps the
  definition.
- `name_outliers(turn, answer)`: a TREND answer names the periods that stand out, each with a
  "why?" follow-up.

Every statement goes through the pipeline's guard and executor with the caller's policy
(`pipeline.execution.sql_answer`, `run_guarded`), so a viewer's decomposition covers only the
rows they may see, and says so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from apps.chat.engine import decompose as dc
from apps.chat.engine import insights as ins
from apps.chat.engine.answer import Answer, intent_dict
from apps.chat.engine.followups import followups
from apps.chat.engine.offline import interpret
from apps.chat.engine.plan import QueryPlan
from apps.chat.engine.waterfall import KINDS as CHART_KINDS
from apps.chat.semantic_cache import semantic_model_for
from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.executor import execute
from apps.governance.engine.guard import guard_sql
from apps.knowledge import search as knowledge_search

if TYPE_CHECKING:
    from apps.chat.pipeline import Outcome, Turn

logger = logging.getLogger(__name__)

MAX_DIMENSIONS = 6
MAX_VALUES = 50


# --- entry points -------------------------------------------------------------------------------


def insight_answer(turn: Turn, *, hybrid: bool = True) -> Outcome | None:
    """The turn's why- or HYBRID answer, or None when the question is neither."""
    model = semantic_model_for(turn.source, turn.catalog, turn.policy)
    previous = (turn.previous_insight or {}).get("decomposition")
    if previous:
        words = ins.followup_dimension(turn.question)
        if words:
            answer = _why_followup(turn, model, previous, words)
            if answer is not None:
                return answer
    why = ins.why_request(turn.question, turn.lang)
    if why is not None:
        answer = _why(turn, model, why)
        if answer is not None:
            return answer
    if hybrid:
        request = ins.hybrid_request(turn.question, turn.lang)
        if request is not None:
            return _hybrid(turn, model, request)
    return None


def keep_definition(turn: Turn, answer: Answer, plan: QueryPlan | None) -> Answer:
    """A data follow-up of a HYBRID answer about the same metric stays HYBRID, definition kept."""
    definition = (turn.previous_insight or {}).get("definition")
    if not definition or answer.type != "SQL" or plan is None:
        return answer
    if definition.get("metric") not in {m.key for m in plan.metrics}:
        return answer
    model = semantic_model_for(turn.source, turn.catalog, turn.policy)
    found = definition_for(turn, model, definition["term"])
    if found is None:
        return answer
    return _as_hybrid(turn, answer, found)


def name_outliers(turn: Turn, answer: Answer, plan: QueryPlan | None) -> Answer:
    """A single-series TREND answer names the periods that stand out (`outliers`), each with a
    "why?" chip that asks for its decomposition."""
    if plan is None or answer.type not in ("SQL", "HYBRID") or not plan.grain:
        return answer
    if len(plan.metrics) != 1 or plan.dimensions or len(answer.columns) != 2:
        return answer
    labels = [str(r[0]) for r in answer.rows]
    values = [r[1] for r in answer.rows]
    if any(not isinstance(v, (int, float)) for v in values if v is not None):
        return answer
    found = ins.outliers(labels, values)
    if not found:
        return answer
    metric = plan.metrics[0]
    currency = (answer.units or {}).get(answer.columns[1], "")
    unit = metric.unit if metric.unit in ("money", "count", "ratio") else "number"
    labels_of = {o.label: _period_label(o.label, plan) for o in found}
    answer.answer += ins.outlier_sentence(
        [ins.Outlier(labels_of[o.label], o.value, o.above, o.score) for o in found],
        unit=unit,
        currency=currency,
        lang=turn.lang,
        grain=plan.grain,
    )
    chips = [ins.why_chip(metric.label, labels_of[o.label], plan.grain, turn.lang) for o in found]
    answer.outliers = [
        {
            "period": labels_of[o.label],
            "value": o.value,
            "direction": "above" if o.above else "below",
            "score": o.score,
            "followup": chip,
        }
        for o, chip in zip(found, chips, strict=True)
    ]
    answer.suggestions = list(dict.fromkeys([*chips[:2], *answer.suggestions]))
    return answer


def _period_label(label: str, plan: QueryPlan) -> str:
    """A quarter numbered within one year ("3") gets its year ("2025-Q3")."""
    if plan.grain == "quarter" and label.isdigit() and plan.time_range and plan.time_range.start:
        return f"{plan.time_range.start[:4]}-Q{label}"
    return label


# --- HYBRID -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Definition:
    term: str
    text: str
    sources: list[dict[str, str]]
    metric: str | None  # the metric key defined, when the term is a metric


def names_a_measure(plan: QueryPlan) -> bool:
    """Whether a term read as data is a measure to define ("the average ticket"), not a data
    question of its own: "what is the most common mill type, and how many are there?" reads
    "most common mill type" as the groups ranked by a count, and defining that count would
    answer the type without the count asked for. Groups, rows, a ranking or a limit: data."""
    return not (plan.dimensions or plan.listing or plan.order is not None or plan.limit)


def definition_for(turn: Turn, model, term: str) -> Definition | None:  # noqa: ANN001
    """The knowledge base's answer to "what does <term> mean?" with its sources (one retrieval),
    or None when nothing documents it."""
    probe = f"¿Qué significa {term}?" if turn.lang == "es" else f"What does {term} mean?"
    reading = interpret(probe, model)
    request = reading.schema_request if reading.route == "RAG" else None
    metric_key = None
    kwargs: dict[str, Any] = {}
    if request is not None:
        kwargs = {
            "kind": request.kind,
            "table": request.table,
            "column": request.column,
            "metric": request.metric,
        }
        if request.metric:
            metric_key = next(
                (k for k, m in model.metrics.items() if m.name == request.metric), None
            )
    elif reading.plan is not None and reading.plan.metrics and names_a_measure(reading.plan):
        key = reading.plan.metrics[0].key
        if key in model.metrics:
            metric_key = key
            kwargs = {"kind": "metric_definition", "metric": model.metrics[key].name}
    if not kwargs:
        return None
    result = knowledge_search.answer_schema_question(
        org=turn.org,
        question=probe,
        catalog=turn.catalog,
        policy=turn.policy,
        lang=turn.lang,
        **kwargs,
    )
    if result.denied or not result.found or not result.sources:
        return None
    sources = [{"id": doc_id, "title": title} for doc_id, title in result.sources]
    return Definition(term=term, text=result.text.strip(), sources=sources, metric=metric_key)


def _source_line(sources: list[dict[str, str]], lang: str) -> str:
    titles = "; ".join(s["title"] for s in sources)
    return f"**Fuente:** {titles}" if lang == "es" else f"**Source:** {titles}"


def _as_hybrid(turn: Turn, answer: Answer, definition: Definition) -> Answer:
    answer.type = "HYBRID"
    answer.sources = list(definition.sources)
    answer.definition = {
        "term": definition.term,
        "text": definition.text,
        "sources": list(definition.sources),
        "metric": definition.metric,
    }
    answer.answer = "\n\n".join(
        [definition.text, _source_line(definition.sources, turn.lang), answer.answer]
    )
    return answer


def _hybrid(turn: Turn, model, request: ins.HybridRequest) -> Outcome | None:  # noqa: ANN001
    from apps.chat.pipeline.execution import sql_answer

    definition = definition_for(turn, model, request.term)
    if definition is None:
        return None
    reading = None
    for question in (request.data_question, turn.question):
        candidate = interpret(question, model, previous=None)
        if candidate.route == "SQL" and candidate.plan is not None:
            reading = candidate
            break
    if reading is None:
        return None
    turn.timer.lap("intent")
    intent = intent_dict(
        reading.intent.type,
        reading.intent.confidence,
        ("definición + datos; " if turn.lang == "es" else "definition + data; ")
        + reading.intent.reasoning,
    )
    outcome = sql_answer(turn, reading.sql or "", intent, reading.plan)
    answer = outcome.answer
    if answer.type != "SQL":
        return outcome
    answer.suggestions = followups(reading.plan, model, lang=turn.lang)
    answer.interpretation = getattr(reading, "reading", "") or ""
    answer = name_outliers(turn, answer, reading.plan)
    return replace(outcome, answer=_as_hybrid(turn, answer, definition))


def llm_hybrid(turn: Turn, answer: Answer) -> Answer | None:
    """The LLM path's HYBRID plan (or a SQL plan for a question the router reads as hybrid): the
    model's data answer plus the definition from the knowledge base; None when the question names
    no term the documentation defines."""
    request = ins.hybrid_request(turn.question, turn.lang)
    if request is None or answer.type != "SQL":
        return None
    model = semantic_model_for(turn.source, turn.catalog, turn.policy)
    definition = definition_for(turn, model, request.term)
    if definition is None:
        return None
    return _as_hybrid(turn, answer, definition)


# --- why ----------------------------------------------------------------------------------------


def run_guarded(turn: Turn, sql: str):  # noqa: ANN201
    """Guard and execute one statement with the caller's policy; raises SqlRefusal."""
    guarded = guard_sql(
        sql,
        dialect=turn.source.dialect,
        schema=turn.catalog.schema_mapping(),
        policy=turn.policy,
        lang=turn.lang,
    )
    result = execute(guarded, source=turn.context.connection, lang=turn.lang)
    return guarded, result


def _metric_expression(model, key: str) -> exp.Expression | None:  # noqa: ANN001
    kind, *rest = key.split(":")
    if kind == "metric":
        metric = model.metrics.get(key)
        return metric.expression if metric is not None else None
    if kind == "count":
        return exp.Count(this=exp.Star())
    if kind == "agg" and len(rest) == 2:
        table, column = rest[1].split(".", 1)
        node = {"sum": exp.Sum, "avg": exp.Avg}.get(rest[0])
        return node(this=exp.column(column, table=table)) if node else None
    return None


def _metric_tables(expression: exp.Expression, fact: str) -> list[str]:
    return sorted({c.table for c in expression.find_all(exp.Column) if c.table} - {fact})


def _joins(model, fact: str, table: str, *, many_to_one: bool) -> list[dc.JoinStep] | None:  # noqa: ANN001
    """Join steps (joined table, its column, present table, present column) from the fact table
    to `table`; with `many_to_one`, None when a step would multiply the fact's rows."""
    path = model.path(fact, table)
    if path is None:
        return None
    here, steps = fact, []
    for left, left_col, right, right_col in path:
        if left == here:
            steps.append((right, right_col, left, left_col))
            here = right
        else:
            if many_to_one:
                return None
            steps.append((left, left_col, right, right_col))
            here = left
    return steps


def candidate_dimensions(model, fact: str, policy, exclude: set[tuple[str, str]]):  # noqa: ANN001, ANN201
    """Low-cardinality text columns of the fact table and of the tables it points to, that the
    caller may see unmasked and that are not personal data; one per set of values."""
    found: list[tuple[dc.Dimension, list[dc.JoinStep]]] = []
    # A filtered column ("solo la región Norte") is no candidate, nor is its copy in another
    # table (clientes.region for ventas.region): same name or same values.
    seen_names = {name for _table, name in exclude}
    seen_values = {
        tuple(sorted(model.column(t, c).values or ()))
        for t, c in exclude
        if model.column(t, c) is not None
    }
    tables = [fact] + sorted(t for t in model.tables if t != fact)
    for table in tables:
        if table not in policy.allowed_tables:
            continue
        joins = [] if table == fact else _joins(model, fact, table, many_to_one=True)
        if joins is None:
            continue
        info = model.tables[table]
        for name in info.columns:
            column = model.column(table, name)
            if column is None or column.kind != "text" or column.pii:
                continue
            if (table, name) in policy.masked_columns or (table, name) in exclude:
                continue
            values = tuple(sorted(column.values or ()))
            if not 2 <= len(values) <= MAX_VALUES or name == info.display and table != fact:
                continue
            if values in seen_values or name in seen_names:
                continue
            seen_values.add(values)
            seen_names.add(name)
            found.append((dc.Dimension(table, name, name), joins))
    return found[:MAX_DIMENSIONS]


def _currency(model, expression: exp.Expression) -> str:  # noqa: ANN001
    for col in expression.find_all(exp.Column):
        table = model.catalog.table(col.table)
        info = table.column(col.name) if table is not None else None
        if info is not None and (info.currency or info.unit):
            return info.currency or info.unit
    return ""


def _bounds(turn: Turn, model, fact: str, date: str) -> tuple[str, str] | None:  # noqa: ANN001
    column = exp.column(date, table=fact)
    sql = (
        exp.select(exp.Min(this=column.copy()), exp.Max(this=column.copy()))
        .from_(fact)
        .sql(dialect=model.dialect)
    )
    _guarded, result = run_guarded(turn, sql)
    if not result.rows or result.rows[0][0] is None:
        return None
    low, high = result.rows[0]
    return str(low)[:10], str(high)[:10]


def _periods(plan: QueryPlan, bounds: tuple[str, str]) -> tuple[dc.Period, dc.Period] | None:
    """(A, B): two periods named, a range of two periods, or the period asked about and the one
    before it; with no period at all, the latest year (or month) with data and the one before."""
    low, high = bounds
    if len(plan.time_periods) >= 2:
        ordered = sorted(plan.time_periods, key=lambda r: r.start or "")
        first, last = ordered[0], ordered[-1]
        if first.start and first.end and last.start and last.end:
            return dc.period_of(first.start, first.end, first.label), dc.period_of(
                last.start, last.end, last.label
            )
    if plan.time_range is not None:
        r = plan.time_range
        if r.relative:
            unit, _, mode = (r.relative.split(":") + ["", ""])[:3]
            latest = _latest(unit, high)
            if latest is None:
                return None
            period = dc.previous(latest) if mode == "previous" else latest
            return dc.previous(period), period
        if r.start and r.end:
            two = dc.split_in_two(r.start, r.end)
            if two is not None:
                return two
            period = dc.period_of(r.start, r.end, r.label)
            return dc.previous(period), period
        return None
    if plan.date_parts:
        part = plan.date_parts[-1]
        year_high = int(high[:4])
        if part.part == "month" and part.values:
            number = part.values[-1]
            year = year_high if f"{year_high}-{number:02d}" <= high[:7] else year_high - 1
            period = dc.month(year, number)
            return dc.previous(period), period
        if part.part == "quarter" and part.values:
            number = part.values[-1]
            year = year_high if (number - 1) * 3 + 1 <= int(high[5:7]) else year_high - 1
            period = dc.quarter(year, number)
            return dc.previous(period), period
        return None
    if int(high[:4]) > int(low[:4]):
        latest = dc.year(int(high[:4]))
    else:
        latest = dc.month(int(high[:4]), int(high[5:7]))
    return dc.previous(latest), latest


def _latest(unit: str, high: str) -> dc.Period | None:
    year, month = int(high[:4]), int(high[5:7])
    if unit == "month":
        return dc.month(year, month)
    if unit == "quarter":
        return dc.quarter(year, (month - 1) // 3 + 1)
    if unit == "year":
        return dc.year(year)
    return None


def _read_why(turn: Turn, model, rest: str):  # noqa: ANN001, ANN202
    """The offline engine's reading of what the why-question measures."""
    candidates = [rest] if rest else []
    if model.revenue_metric in model.metrics:
        candidates.append(f"{model.metrics[model.revenue_metric].name} {rest}".strip())
    for question in candidates:
        reading = interpret(question, model)
        if reading.route == "SQL" and reading.plan is not None and reading.plan.metrics:
            if any(f.either for f in (*reading.plan.filters, *reading.plan.numeric_filters)):
                return None  # "from Paris or older than 30": no one segment to decompose
            return reading
    return None


def _why(turn: Turn, model, why: ins.WhyRequest) -> Outcome | None:  # noqa: ANN001
    reading = _read_why(turn, model, why.rest)
    if reading is None:
        return None
    plan = reading.plan
    metric = plan.metrics[0]
    try:
        from apps.chat.engine.offline import measures

        metric = measures.metric_ref(model, metric.key, turn.lang)  # in the question's language
    except Exception:  # noqa: BLE001 - keep the reading's own label
        pass
    conditions = tuple(dc.Condition(f.table, f.column, f.op, tuple(f.values)) for f in plan.filters)
    dims = [dc.Dimension(d.table, d.column, d.column) for d in plan.dimensions]
    return _decompose(
        turn,
        model,
        metric=metric,
        plan=plan,
        conditions=conditions,
        only=dims or None,
        direction=why.direction,
    )


def _why_followup(turn: Turn, model, previous: dict, words: str) -> Outcome | None:  # noqa: ANN001
    """ "¿y por región?" after a why-answer: the same change along that dimension only."""
    key = previous["metric"]["key"]
    name = model.metrics[key].name if key in model.metrics else previous["metric"]["label"]
    joiner = "por" if turn.lang == "es" else "by"
    reading = interpret(f"{name} {joiner} {words}", model)
    if reading.route != "SQL" or reading.plan is None or not reading.plan.dimensions:
        return None
    dims = [dc.Dimension(d.table, d.column, d.column) for d in reading.plan.dimensions]
    metric = reading.plan.metrics[0] if reading.plan.metrics else None
    if metric is None or metric.key != key:
        from apps.chat.engine.offline import measures

        metric = measures.metric_ref(model, key, turn.lang)
    periods = tuple(
        dc.Period(p["start"], p["end"], p["grain"], p["label"])
        for p in (previous["period_a"], previous["period_b"])
    )
    conditions = tuple(
        dc.Condition(f["table"], f["column"], f["op"], tuple(f["values"]))
        for f in previous.get("filters") or []
    )
    return _decompose(
        turn,
        model,
        metric=metric,
        plan=None,
        conditions=conditions,
        only=dims,
        periods=periods,
        direction=None,
    )


def _text_answer(turn: Turn, kind: str, message: str, intent: dict, audit_sql: str = "") -> Outcome:
    from apps.chat.pipeline import Outcome

    return Outcome(Answer(type=kind, intent=intent, answer=message), audit_sql=audit_sql)


_CANNOT = {
    "shape": (
        "«{metric}» no se reparte en partes que sumen (es un conteo de distintos, un mínimo o un "
        "máximo): puedo mostrar su evolución o compararlo entre grupos, pero no descomponer su "
        "cambio.",
        "“{metric}” does not split into parts that add up (it is a distinct count, a minimum or a "
        "maximum): I can show its trend or compare it across groups, but not decompose its change.",
    ),
    "dates": (
        "No encuentro fechas con las que comparar dos periodos para «{metric}».",
        "I can't find dates to compare two periods of “{metric}”.",
    ),
    "empty": (
        "No hay datos de «{metric}» en uno de los dos periodos ({a}, {b}) que puedes ver: no hay "
        "cambio que descomponer.",
        "There is no “{metric}” data in one of the two periods ({a}, {b}) you can see: there is no "
        "change to decompose.",
    ),
}


def _cannot(key: str, lang: str, **values: str) -> str:
    es, en = _CANNOT[key]
    return (es if lang == "es" else en).format(**values)


def _decompose(
    turn: Turn,
    model,  # noqa: ANN001
    *,
    metric,  # noqa: ANN001
    plan: QueryPlan | None,
    conditions: tuple[dc.Condition, ...],
    only: list[dc.Dimension] | None,
    direction: str | None,
    periods: tuple[dc.Period, dc.Period] | None = None,
) -> Outcome | None:
    """The decomposition's answer with the statements it ran, or None when the change cannot be
    decomposed along any dimension the caller may see."""
    from apps.chat.pipeline import Outcome
    from apps.chat.pipeline.execution import scope_phrase
    from apps.chat.texts import text

    turn.timer.lap("intent")
    lang = turn.lang
    expression = _metric_expression(model, metric.key)
    if expression is None:
        return None
    fact = model.metrics[metric.key].table if metric.key in model.metrics else None
    if fact is None:
        fact = next((c.table for c in expression.find_all(exp.Column) if c.table), None)
    if fact is None and metric.key.startswith("count:"):
        fact = metric.key.split(":", 1)[1]
    reasoning_head = (
        "por qué: descomposición del cambio" if lang == "es" else "why: change decomposition"
    )
    intent = intent_dict("COMPARISON", 0.85, f"{reasoning_head} ({metric.label})")
    shape = dc.metric_shape(expression)
    if shape is None:
        return _text_answer(turn, "CLARIFY", _cannot("shape", lang, metric=metric.label), intent)
    date = model.main_date(fact) if fact else None
    if date is None:
        return _text_answer(turn, "CLARIFY", _cannot("dates", lang, metric=metric.label), intent)
    try:
        if periods is None:
            bounds = _bounds(turn, model, fact, date)
            if bounds is None:
                return _text_answer(
                    turn, "CLARIFY", _cannot("dates", lang, metric=metric.label), intent
                )
            periods = _periods(plan, bounds) if plan is not None else None
            if periods is None:
                return None
    except SqlRefusal as refusal:
        return _refusal(turn, refusal, intent)
    period_a, period_b = periods
    metric_joins: list[dc.JoinStep] = []
    for table in _metric_tables(expression, fact):
        steps = _joins(model, fact, table, many_to_one=False) or []
        metric_joins += steps
    condition_joins: list[dc.JoinStep] = []
    for cond in conditions:
        if cond.table != fact:
            condition_joins += _joins(model, fact, cond.table, many_to_one=False) or []
    if only:
        dims = []
        for d in only:
            joins = [] if d.table == fact else _joins(model, fact, d.table, many_to_one=True)
            if joins is not None:
                dims.append((d, joins))
    else:
        exclude = {(c.table, c.column) for c in conditions if c.op in ("=", "in")}
        # The caller's row filters too: a viewer who sees only Norte learns nothing from a
        # split by region (it says so in the scope note instead).
        exclude |= {(f.table, f.column) for f in turn.policy.row_filters}
        dims = candidate_dimensions(model, fact, turn.policy, exclude)
    if not dims:
        return None
    splits, statements, scope, skipped = [], [], [], []
    value_a = value_b = None
    unit = metric.unit if metric.unit in ("money", "count", "ratio") else "number"
    if shape.kind == "ratio" and unit == "count":
        unit = "number"
    for dimension, joins in dims:
        sql = dc.decomposition_sql(
            shape=shape,
            fact=fact,
            metric_joins=metric_joins,
            dimension=dimension,
            dimension_joins=joins,
            date=(fact, date),
            period_a=period_a,
            period_b=period_b,
            conditions=conditions,
            condition_joins=condition_joins,
            dialect=model.dialect,
        )
        try:
            guarded, result = run_guarded(turn, sql)
        except SqlRefusal as refusal:
            if not splits and refusal.code not in ("table_not_allowed", "column_not_allowed"):
                return _refusal(turn, refusal, intent, audit_sql=sql)
            skipped.append(f"{dimension.table}.{dimension.column}")
            continue
        statements.append(guarded.sql)
        scope += list(guarded.applied_filters)
        rows = [list(r) for r in result.rows]
        if result.truncated:
            skipped.append(f"{dimension.table}.{dimension.column}")
            continue
        try:
            a, b, part = dc.split(rows, kind=shape.kind, dimension=dimension, unit=unit)
        except dc.NotDecomposable:
            return _text_answer(
                turn,
                "CLARIFY",
                _cannot("empty", lang, metric=metric.label, a=period_a.label, b=period_b.label),
                intent,
                audit_sql=";\n".join(statements),
            )
        if value_a is None:
            value_a, value_b = a, b
        elif (a, b) != (value_a, value_b):
            skipped.append(f"{dimension.table}.{dimension.column}")  # rows lost on a join
            continue
        splits.append(part)
    turn.timer.lap("execute")
    audit_sql = ";\n".join(statements)
    splits.sort(key=lambda sp: -(sp.top.share if sp.top is not None else 0.0))
    if not splits:
        return None
    decomposition = dc.Decomposition(
        metric_key=metric.key,
        metric_label=metric.label,
        unit=unit,
        currency=_currency(model, expression),
        kind=shape.kind,
        period_a=period_a,
        period_b=period_b,
        value_a=value_a,
        value_b=value_b,
        splits=splits,
        conditions=conditions,
        scope=tuple(dict.fromkeys(scope)),
        skipped=tuple(skipped),
    )
    if shape.kind == "additive" and value_a == 0 and value_b == 0:
        return _text_answer(
            turn,
            "CLARIFY",
            _cannot("empty", lang, metric=metric.label, a=period_a.label, b=period_b.label),
            intent,
            audit_sql=audit_sql,
        )
    body = ins.why_text(decomposition, lang, direction=direction)
    if decomposition.scope:
        body += " " + text("scope_note", lang, filters=scope_phrase(decomposition.scope))
    columns, rows = decomposition.table(lang)
    stored = decomposition.to_dict()
    chart = CHART_KINDS["waterfall"]
    figure = chart.figure(stored, lang=lang)
    headline = chart.headline_column(stored)
    first_sql = next(
        (
            s
            for s, sp in zip(statements, splits, strict=False)
            if f"{sp.dimension.table}.{sp.dimension.column}" == headline
        ),
        statements[0],
    )
    answer = Answer(
        type="SQL",
        intent=intent,
        answer=body,
        sql=first_sql,
        columns=columns,
        rows=rows,
        row_count=len(rows),
        chart={"type": chart.name, "figure": figure} if figure else None,
        scope=list(decomposition.scope),
        units={c: decomposition.currency for c in columns[2:5]} if decomposition.currency else {},
        decomposition=stored,
    )
    answer.suggestions = _why_followups(decomposition, model, turn, only is not None)
    answer.interpretation = _reading(decomposition, lang)
    turn.timer.lap("format")
    plan = _base_plan(model, metric, fact, period_b, conditions)  # "¿y en 2024?" rewrites it
    return Outcome(answer, plan=plan, audit_sql=audit_sql)


def _reading(d: dc.Decomposition, lang: str) -> str:
    """ "ventas totales · 2025-01 → 2025-02 · por categoria, canal · canal = Online": what was
    decomposed, shown on the card like any answer's reading."""
    by = "por" if lang == "es" else "by"
    parts = [
        d.metric_label,
        f"{d.period_a.label} → {d.period_b.label}",
        f"{by} " + ", ".join(s.dimension.name for s in d.splits),
    ]
    parts += [
        f"{c.column} {'=' if c.op in ('=', 'in') else '≠'} {', '.join(c.values)}"
        for c in d.conditions
    ]
    return " · ".join(parts)


def _base_plan(model, metric, fact: str, period, conditions) -> QueryPlan:  # noqa: ANN001
    """The plan a plain follow-up ("¿y en 2024?") rewrites after a why-answer: the metric in
    period B with the same filters."""
    from apps.chat.engine.plan import Filter, TimeRange

    date = model.main_date(fact)
    return QueryPlan(
        table=fact,
        metrics=(metric,),
        filters=tuple(Filter(c.table, c.column, c.op, c.values) for c in conditions),
        time_range=TimeRange(fact, date, period.start, period.end, period.label) if date else None,
    )


def _why_followups(d: dc.Decomposition, model, turn: Turn, narrowed: bool) -> list[str]:  # noqa: ANN001
    """ "¿Y por canal?" for the dimensions not shown first (a click decomposes along it)."""
    shown = [s.dimension for s in d.splits]
    if narrowed:
        fact = _fact(d, model)
        candidates = [c for c, _ in candidate_dimensions(model, fact, turn.policy, set())]
        words = [c.column for c in candidates if c not in shown][:3]
    else:
        drawn = CHART_KINDS["waterfall"].headline_column(d.to_dict())
        words = [
            s.dimension.column
            for s in d.splits
            if f"{s.dimension.table}.{s.dimension.column}" != drawn
        ][:3]
    if turn.lang == "es":
        return [f"¿Y por {w}?" for w in words][:3]
    return [f"And by {w}?" for w in words][:3]


def _fact(d: dc.Decomposition, model) -> str:  # noqa: ANN001
    if d.metric_key in model.metrics:
        return model.metrics[d.metric_key].table
    return d.splits[0].dimension.table if d.splits else model.fact


def _refusal(turn: Turn, refusal: SqlRefusal, intent: dict, audit_sql: str = "") -> Outcome:
    from apps.chat.pipeline import Outcome

    kind = "ERROR" if refusal.code in ("timeout", "execution_error") else "REFUSED"
    answer = Answer(
        type=kind,
        intent=intent,
        answer=refusal.message,
        error={"code": refusal.code, "message": refusal.message},
    )
    rule = getattr(refusal, "detail", "") or refusal.code
    return Outcome(answer, audit_sql=audit_sql, refusal_rule=rule, refusal=refusal)
