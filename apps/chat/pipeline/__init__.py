"""The assistant pipeline: one code path for the web chat, the API and `manage.py ask`/`query`.

    resolve → screen → cache → intent/plan → retrieve → SQL → guard → execute → format → record

Each stage is a function that takes what it needs and returns a value (`values.py`): `resolve`
returns the `Scope` (language, source, conversation and its history, the governed-query
context); the answering stages return an `Outcome` (the answer object, its plan, the audit SQL and
refusal rule, the settled language, the model session); `record` returns the answer as stored.
This module composes them, top to bottom, for `ask`, `run_query` and `rehearse`; the stages live
in `resolve.py` (the door, the scope, screening), `cache.py`, `offline.py` and `llm.py` (intent
and plan, with or without a model), `execution.py` (guard → execute → format), `record.py` and
`worker.py` (a long query's job, in the worker).

The pure engines do the thinking (governance.engine: screening, guard, executor; chat.engine:
offline NL2SQL, narrate, charts; knowledge.engine: retrieval, RAG answers); the pipeline wires
them to the org's models, the cache and the audit log, and turns every outcome, refusals and
errors included, into the contract's answer object. With an LLM configured, intent/plan/SQL come
from one structured call instead (apps/chat/llm_path.py), with the offline engine as the
fallback; everything after is shared.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from apps.chat import insights, llm_budget, llm_path
from apps.chat import jobs as query_jobs
from apps.chat.models import Message
from apps.chat.pipeline.cache import cache_key, cache_set, cached, normalise_question
from apps.chat.pipeline.execution import refusal_error, scope_phrase, sql_answer
from apps.chat.pipeline.llm import budget_exhausted_answer, llm_or_offline_answer
from apps.chat.pipeline.offline import offline_answer
from apps.chat.pipeline.record import record
from apps.chat.pipeline.resolve import (
    input_limit,
    new_request,
    resolve,
    screen,
    sql_editing_refused,
    stored_text,
)
from apps.chat.pipeline.values import (
    ConversationNotFound,
    History,
    Outcome,
    Request,
    Scope,
    Timer,
    Turn,
    error,
    internal_error,
    refused,
)
from apps.chat.pipeline.worker import job_cancelled_record, run_job
from apps.chat.services import TurnRecord, rehearsal_record
from apps.chat.texts import text
from apps.governance.models import Membership
from apps.governance.tenancy import tenant_scope
from datachat.contract import ANSWERED_TYPES

__all__ = [
    "JOB_CHANNELS",
    "ConversationNotFound",
    "History",
    "Outcome",
    "Request",
    "Scope",
    "Timer",
    "Turn",
    "ask",
    "input_limit",
    "job_cancelled_record",
    "normalise_question",
    "refusal_error",
    "rehearse",
    "resolve",
    "run_job",
    "run_query",
    "scope_phrase",
    "stored_text",
]

logger = logging.getLogger(__name__)


def ask(
    *,
    membership: Membership,
    question: str,
    source_name: str | None = None,
    conversation_id: int | None = None,
    channel: str = "cli",
) -> dict[str, Any]:
    """Answer a natural-language question for a member; always returns the answer object.

    A `conversation_id` that is not the member's own is an ERROR answer here
    (`conversation_not_found`); the API checks it first (`conversation_owned_get`) and answers
    404 instead, like every other foreign id."""
    request = new_request(
        membership,
        question,
        channel,
        Message.Kind.ASK,
        jobs_allowed=channel in JOB_CHANNELS and query_jobs.jobs_enabled(),
    )
    with tenant_scope(membership.organization):
        return _run(request, source_name, conversation_id, _ask_stages)


def run_query(
    *,
    membership: Membership,
    sql: str,
    source_name: str | None = None,
    conversation_id: int | None = None,
    channel: str = "cli",
    lang: str = "es",
) -> dict[str, Any]:
    """Run hand-written SQL ("edit and re-run") through the same guard, executor and audit.

    SQL has no language of its own: messages use `lang` (the caller's UI or API language)."""
    # Over-long SQL keeps its bounded prefix, which is itself over the guard's length limit:
    # the guard refuses it (`too_complex`) on its length before parsing anything.
    request = new_request(
        membership,
        sql,
        channel,
        Message.Kind.QUERY,
        lang=lang if lang in ("es", "en") else "es",
        jobs_allowed=channel in JOB_CHANNELS and query_jobs.jobs_enabled(),
    )
    with tenant_scope(membership.organization):
        return _run(request, source_name, conversation_id, _query_stages)


def rehearse(
    *, membership: Membership, question: str, source_name: str | None = None, channel: str = "gaps"
) -> dict[str, Any]:
    """Answer a question as the member would be answered now, without storing a message: a
    steward's fix re-asks a knowledge gap's questions with it. The attempt is still an audit-chain
    entry (channel `gaps`), and its model tokens still count against the org's budget."""
    request = new_request(membership, question, channel, Message.Kind.ASK)
    timer = Timer()
    scope = Scope(lang=request.lang)
    with tenant_scope(membership.organization):
        try:
            scope, stop = resolve(request, source_name, None, timer)
            outcome = stop or _ask_stages(Turn(request=request, scope=scope, timer=timer))
        except Exception as exc:  # noqa: BLE001 - an answer object, never a crash
            logger.exception("rehearsal failure")
            outcome = internal_error(exc, scope.lang)
        answer = outcome.answer
        answer.lang = outcome.lang or scope.lang
        answer.source = scope.source.name if scope.source else None
        answer.timings_ms = timer.result()
        rehearsal_record(
            record=TurnRecord(
                membership=membership,
                channel=channel,
                kind=request.kind,
                question=request.question,
                source=scope.source,
                plan=None,
                audit_sql=outcome.audit_sql,
                refusal_rule=outcome.refusal_rule,
                policy_fingerprint=scope.policy.fingerprint() if scope.policy else "",
            ),
            answer=answer,
        )
    if outcome.llm is not None:
        llm_budget.llm_usage_add(
            org=request.org, tokens=answer.llm.prompt_tokens + answer.llm.completion_tokens
        )
    return answer.to_dict()


# The channels whose slow queries become jobs (`ask`/`query` commands run to the end).
JOB_CHANNELS = ("web", "api")


def _run(  # noqa: ANN001
    request: Request, source_name: str | None, conversation_id: int | None, stages
) -> dict[str, Any]:
    """The pipeline's story: resolve the scope, let the kind's stages decide the outcome, record
    it. Returns the stored answer object, or a long query's pending job (`jobs.pending`: the
    worker records it when it ends)."""
    timer = Timer()
    scope = Scope(lang=request.lang)
    try:
        scope, stop = resolve(request, source_name, conversation_id, timer)
        outcome = stop or stages(Turn(request=request, scope=scope, timer=timer))
    except query_jobs.JobQueued as queued:
        if queued.job.llm:  # the model's tokens were spent here, not in the worker
            usage = queued.job.llm
            tokens = usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)
            llm_budget.llm_usage_add(org=request.org, tokens=tokens)
        return query_jobs.pending(queued.job)
    except ConversationNotFound as missing:
        scope = missing.scope
        outcome = error("conversation_not_found", text("conversation_not_found", scope.lang))
    except Exception as exc:  # noqa: BLE001 - the contract: an answer object, never a crash
        logger.exception("pipeline failure")
        outcome = internal_error(exc, scope.lang)
    return record(request, scope, outcome, timer)


def _ask_stages(turn: Turn) -> Outcome:
    """screen → cache → insight, offline engine or model → (guard → execute → format)."""
    stopped = screen(turn)
    if stopped is not None:
        return stopped
    turn = replace(turn, cache_key=cache_key(turn, "answer", turn.question))
    hit = cached(turn)
    if hit is not None:
        return hit
    outcome = _interpreted(turn)
    # A fallback is not cached: recomputing it offline costs milliseconds, and a cached copy
    # would go on hiding the model's answer after the endpoint recovers.
    fell_back = outcome.llm is not None and outcome.llm.fallback is not None
    if not fell_back and outcome.answer.type in ANSWERED_TYPES:
        cache_set(turn.cache_key, outcome.answer, outcome.plan)
    return outcome


def _interpreted(turn: Turn) -> Outcome:
    """Why-questions are answered by the decomposition in both modes (arithmetic, not a model's
    guess); HYBRID questions here only offline (with a model, its one structured call decides)."""
    outcome = insights.insight_answer(turn, hybrid=not llm_path.llm_enabled())
    if outcome is not None:
        return outcome
    if not llm_path.llm_enabled():
        return offline_answer(turn)
    if llm_budget.llm_budget_exhausted(org=turn.org):
        return budget_exhausted_answer(turn)
    return llm_or_offline_answer(turn)


def _query_stages(turn: Turn) -> Outcome:
    """The role may edit SQL → (guard → execute → format)."""
    not_editable = sql_editing_refused(turn)
    if not_editable is not None:
        return not_editable
    if not turn.question.strip():
        return refused("empty_query", text("empty_query", turn.lang))
    return sql_answer(turn, turn.question, None, None)
