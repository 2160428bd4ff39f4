"""Intent and plan from one structured model call (apps/chat/llm_path.py), with its SQL
corrections and RAG answers; the offline engine answers when the model fails or the org's budget
is used up (`llm.provider` says so)."""

from __future__ import annotations

import logging
from dataclasses import replace

from apps.chat import insights, llm_budget, llm_path
from apps.chat.engine.answer import Answer, LLMUsage, intent_dict
from apps.chat.pipeline.execution import sql_answer
from apps.chat.pipeline.offline import offline_answer
from apps.chat.pipeline.values import Outcome, Turn
from apps.chat.semantic_cache import caller_catalog
from apps.chat.texts import text
from datachat.providers.llm import LLMError

logger = logging.getLogger(__name__)


def llm_or_offline_answer(turn: Turn) -> Outcome:
    """The LLM path; on any provider error (down, circuit open, unusable output, rejected) the
    offline engine answers the question instead and `llm.provider` says so."""
    session = llm_path.LLMSession()
    turn = replace(turn, llm=session)
    try:
        outcome = _llm_answer(turn, session)
    except LLMError as exc:
        logger.warning("LLM path failed (%s): answering offline", exc.reason)
        session.fallback = exc.reason
        turn.timer.lap("intent")
        outcome = offline_answer(turn)
    outcome.answer.llm = LLMUsage(**session.usage())
    return replace(outcome, llm=session)


def budget_exhausted_answer(turn: Turn) -> Outcome:
    """The org's monthly LLM budget is used up: no call; the offline engine answers (whatever it
    answers: data, documentation, or a question back with rewrites it can answer), with a note
    saying why, and `llm.provider` = `offline (fallback: llm_budget_exhausted)`."""
    session = llm_path.LLMSession()
    session.fallback = llm_budget.BUDGET_EXHAUSTED
    turn = replace(turn, llm=session)
    turn.timer.lap("intent")
    outcome = insights.insight_answer(turn) or offline_answer(turn)  # HYBRID offline too
    answer = outcome.answer
    note = text("llm_budget_exhausted", outcome.lang or turn.lang)
    answer.answer = f"{answer.answer}\n\n{note}" if answer.answer else note
    answer.llm = LLMUsage(**session.usage())
    return replace(outcome, llm=session)


def _llm_answer(turn: Turn, session: llm_path.LLMSession) -> Outcome:
    """One structured call decides the plan; only RAG and SQL corrections make another."""
    structured = llm_path.structured_interpret(
        session=session,
        source=turn.source,
        catalog=caller_catalog(turn.source, turn.catalog, turn.policy),
        policy=turn.policy,
        question=turn.question,
        lang=turn.lang,
        previous=turn.previous_turn,
        sample_connection=lambda: turn.context.connection,
    )
    turn.timer.lap("intent")
    intent = intent_dict(structured.intent, structured.confidence, structured.reasoning)
    if structured.plan == "CLARIFY" or structured.confidence < llm_path.MIN_CONFIDENCE:
        answer = Answer(
            type="CLARIFY",
            intent=intent,
            answer=structured.clarify_question or text("clarify", turn.lang),
            suggestions=list(structured.suggestions),
            unresolved=[{"kind": "word", "text": turn.question.strip()[:200]}],
        )
        return Outcome(answer)
    if structured.plan == "RAG":
        return Outcome(_llm_rag_answer(turn, session, intent, structured.suggestions))
    hint = None if structured.chart == "auto" else structured.chart
    outcome = _llm_sql_answer(turn, session, structured.sql or "", intent, hint)
    answer = outcome.answer
    if structured.plan in ("HYBRID", "SQL") and answer.type == "SQL":
        # A definition from the knowledge base when the question asks for one ("what is X and
        # how much…"): one retrieval, no second call.
        hybrid = insights.llm_hybrid(turn, answer)
        if hybrid is not None:
            turn.timer.lap("retrieve")
            return replace(outcome, answer=hybrid)
    if structured.plan == "HYBRID" and answer.type == "SQL":
        sources = llm_path.related_sources(
            org=turn.org, catalog=turn.catalog, policy=turn.policy, question=turn.question
        )
        turn.timer.lap("retrieve")
        if sources:
            answer.type = "HYBRID"
            answer.sources = sources
            answer.answer += "\n\n" + llm_path.related_line(sources, turn.lang)
    return outcome


def _llm_sql_answer(
    turn: Turn, session: llm_path.LLMSession, sql: str, intent: dict, hint: str | None
) -> Outcome:
    """The model's SQL through the same guard and executor as any other; a correctable refusal
    goes back to the model, at most `MAX_CORRECTIONS` times (each attempt is in the audit)."""
    outcome = sql_answer(turn, sql, intent, None, chart_hint=hint, narrate_shape=True)
    for _ in range(llm_path.MAX_CORRECTIONS):
        refusal = outcome.refusal
        if refusal is None or not llm_path.correctable(refusal):
            break
        sql = llm_path.correct_sql(session=session, failed_sql=sql, refusal=refusal)
        turn.timer.lap("sql")
        outcome = sql_answer(turn, sql, intent, None, chart_hint=hint, narrate_shape=True)
    return outcome


def _llm_rag_answer(
    turn: Turn, session: llm_path.LLMSession, intent: dict, suggestions: list[str]
) -> Answer:
    outcome = llm_path.rag_answer(
        session=session,
        org=turn.org,
        catalog=caller_catalog(turn.source, turn.catalog, turn.policy),
        policy=turn.policy,
        question=turn.question,
        lang=turn.lang,
    )
    turn.timer.lap("retrieve")
    if outcome is None or not outcome.sources:
        # Nothing retrieved, or an answer resting on no document: ask back rather than assert.
        return Answer(
            type="CLARIFY",
            intent=intent,
            answer=(outcome.text if outcome else "") or text("clarify", turn.lang),
            suggestions=list(suggestions),
        )
    return Answer(type="RAG", intent=intent, answer=outcome.text, sources=list(outcome.sources))
