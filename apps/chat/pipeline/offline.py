"""Intent and plan without a model: a steward's verified example, or the offline engine's
reading (CLARIFY, RAG over the org's documents, or SQL through `execution.sql_answer`)."""

from __future__ import annotations

from dataclasses import replace

import sqlglot

from apps.chat import insights
from apps.chat.engine.answer import Answer, intent_dict
from apps.chat.engine.followups import followups
from apps.chat.engine.offline import interpret
from apps.chat.engine.plan import QueryPlan
from apps.chat.pipeline.cache import normalise_question
from apps.chat.pipeline.execution import sql_answer
from apps.chat.pipeline.values import Outcome, Turn
from apps.chat.semantic_cache import caller_catalog, semantic_model_for
from apps.chat.texts import text
from apps.knowledge import search as knowledge_search


def offline_answer(turn: Turn) -> Outcome:
    """The built-in engine: intent, plan and SQL without a model."""
    verified = _verified_example(turn)
    if verified is not None:
        return verified
    model = semantic_model_for(turn.source, turn.catalog, turn.policy)
    interpretation = interpret(turn.question, model, previous=turn.previous_plan)
    turn = turn.in_lang(interpretation.lang or turn.lang)
    turn.timer.lap("intent")
    intent = intent_dict(
        interpretation.intent.type,
        interpretation.intent.confidence,
        interpretation.intent.reasoning,
    )

    if interpretation.route == "CLARIFY":
        answer = Answer(
            type="CLARIFY",
            intent=intent,
            answer=interpretation.clarify or text("clarify", turn.lang),
            suggestions=list(interpretation.suggestions),
            unresolved=[u.as_dict() for u in interpretation.unresolved],
        )
        return Outcome(answer, lang=turn.lang)
    if interpretation.route == "RAG":
        return replace(_rag_answer(turn, interpretation, intent), lang=turn.lang)
    plan = interpretation.plan
    sql = _ranked_sql(plan, interpretation.sql or "", turn.source.dialect)
    outcome = sql_answer(turn, sql, intent, plan)
    answer = outcome.answer
    answer.interpretation = interpretation.reading
    if answer.type == "SQL":
        answer.suggestions = followups(plan, model, lang=turn.lang)
        if interpretation.intent.type == "TREND":
            answer = insights.name_outliers(turn, answer, plan)
        answer = insights.keep_definition(turn, answer, plan)
        turn.timer.lap("format")
    return replace(outcome, answer=answer, lang=turn.lang)


def _verified_example(turn: Turn) -> Outcome | None:
    """A question a steward answered with an approved verified example (the same question,
    normalised) gets that example's SQL, through the guard and executor like any other."""
    from apps.knowledge.models import VerifiedExample
    from apps.knowledge.selectors import example_list

    wanted = normalise_question(turn.question)
    for question, sql in example_list(
        data_source=turn.source, status=VerifiedExample.Status.APPROVED
    ).values_list("question", "sql"):
        if normalise_question(question) == wanted:
            reasoning = (
                "Pregunta con un ejemplo verificado por un responsable de datos."
                if turn.lang == "es"
                else "A question with a verified example from a data steward."
            )
            intent = intent_dict("QUERY", 0.95, reasoning)
            turn.timer.lap("intent")
            return sql_answer(turn, sql, intent, None, narrate_shape=True)
    return None


def _rag_answer(turn: Turn, interpretation, intent: dict) -> Outcome:  # noqa: ANN001
    request = interpretation.schema_request
    result = knowledge_search.answer_schema_question(
        org=turn.org,
        question=turn.question,
        catalog=caller_catalog(turn.source, turn.catalog, turn.policy),  # values they may see
        policy=turn.policy,
        lang=turn.lang,
        kind=getattr(request, "kind", None),
        table=getattr(request, "table", None),
        column=getattr(request, "column", None),
        metric=getattr(request, "metric", None),
    )
    turn.timer.lap("retrieve")
    if result.denied:
        answer = Answer(
            type="REFUSED",
            intent=intent,
            answer=result.text,
            error={"code": "table_not_allowed", "message": result.text},
        )
        return Outcome(answer, refusal_rule="policy.table_not_allowed")
    if not result.found:
        # Nothing documented answers it: what the question named is a gap in the knowledge.
        said = list(interpretation.unmapped) or [turn.question.strip()[:200]]
        answer = Answer(
            type="CLARIFY",
            intent=intent,
            answer=result.text or text("clarify", turn.lang),
            suggestions=list(interpretation.suggestions),
            unresolved=[{"kind": "word", "text": w} for w in said],
        )
        return Outcome(answer)
    answer = Answer(
        type="RAG",
        intent=intent,
        answer=result.text,
        sources=[{"id": doc_id, "title": title} for doc_id, title in result.sources],
    )
    return Outcome(answer)


def _ranked_sql(plan: QueryPlan | None, sql: str, dialect: str) -> str:
    """A plain "X por Y" ordered as the text ranks it (largest first), in the SQL itself: the
    table, the chart, the export (which re-runs the SQL) and the text then agree."""
    if plan is None or not sql or plan.listing or not plan.metrics or plan.order is not None:
        return sql
    if (plan.grain and not plan.average_over) or not plan.dimensions:
        return sql
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except (sqlglot.errors.SqlglotError, ValueError):
        return sql
    if not isinstance(tree, sqlglot.exp.Select) or tree.args.get("order") is not None:
        return sql
    alias = plan.metrics[0].alias
    if alias not in [e.alias_or_name for e in tree.expressions]:
        return sql
    return tree.order_by(
        sqlglot.exp.Ordered(this=sqlglot.exp.column(alias), desc=True), copy=False
    ).sql(dialect=dialect)
