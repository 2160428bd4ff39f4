"""The assistant pipeline: one code path for the web chat, the API and `manage.py ask`/`query`.

    screen → context → cache → intent/plan → retrieve → SQL → guard → execute → format → record

Each stage is a small function over plain data; the pure engines do the thinking
(governance.engine: screening, guard, executor; chat.engine: offline NL2SQL, narrate, charts;
knowledge.engine: retrieval, RAG answers). This module wires them to the org's models, the cache
and the audit log, and turns every outcome, refusals and errors included, into the contract's
answer object. With an LLM configured, intent/plan/SQL come from one structured call instead
(apps/chat/llm_path.py), with the offline engine as the fallback; everything after is shared.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import re
import time
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import sqlglot
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from apps.chat import insights, llm_budget, llm_path
from apps.chat import jobs as query_jobs
from apps.chat.engine import narrate
from apps.chat.engine.answer import Answer, LLMUsage, intent_dict
from apps.chat.engine.followups import followups
from apps.chat.engine.labels import display_labels, labelled_chart
from apps.chat.engine.offline import interpret
from apps.chat.engine.offline.plan import QueryPlan, plan_from_dict, plan_to_dict
from apps.chat.engine.periods import plan_period, time_column
from apps.chat.engine.units import result_units
from apps.chat.models import Conversation, Message, QueryJob
from apps.chat.selectors import conversation_owned_get
from apps.chat.semantic_cache import semantic_model_for
from apps.chat.services import (
    TurnRecord,
    conversation_start,
    message_record,
    rehearsal_record,
)
from apps.chat.texts import text
from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.executor import execute
from apps.governance.engine.guard import GuardedQuery, GuardLimits, guard_sql
from apps.governance.engine.policy import DataPolicy
from apps.governance.engine.screening import bounded, screen_question
from apps.governance.models import Membership
from apps.governance.tenancy import tenant_scope
from apps.knowledge import search as knowledge_search
from apps.knowledge.engine.catalog import CatalogSnapshot
from apps.knowledge.models import DataSource
from apps.knowledge.query_context import (
    RESTRICTED_RULE,
    QueryContext,
    query_context,
)
from apps.knowledge.selectors import datasource_get
from datachat.contract import ANSWERED_TYPES
from datachat.providers.llm import LLMError
from datachat.text import detect_language, fold
from datachat.tracing import record_question

logger = logging.getLogger(__name__)


class Timer:
    """Milliseconds per stage; `total` is added at the end. Stages are consecutive laps, except
    the `note`d ones: `llm` is the time spent waiting for the model, inside the stages that
    called it (so `total - llm` is the pipeline's own overhead). The one mutable thing a turn
    carries: a stopwatch, which every stage laps."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.stages: dict[str, float] = {}
        self._mark = self.started
        # Wall-clock laps for the trace (datachat/tracing.py): (stage, start ns, end ns).
        self.started_ns = self._mark_ns = time.time_ns()
        self.laps: list[tuple[str, int, int]] = []

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage] = round(self.stages.get(stage, 0.0) + (now - self._mark) * 1000, 3)
        self._mark = now
        now_ns = time.time_ns()
        self.laps.append((stage, self._mark_ns, now_ns))
        self._mark_ns = now_ns

    def note(self, stage: str, ms: float) -> None:
        self.stages[stage] = round(self.stages.get(stage, 0.0) + ms, 3)

    def result(self) -> dict[str, float]:
        return {**self.stages, "total": round((time.perf_counter() - self.started) * 1000, 3)}


# --- the values the stages pass on --------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """Who asks what, where: the input of one turn, fixed when it arrives."""

    membership: Membership
    question: str  # the question or SQL, cut at the door (`_request`)
    channel: str
    kind: str = Message.Kind.ASK
    # The caller's language: `query`'s messages use it; `ask` detects the question's own (resolve).
    lang: str = "es"
    # The length of an over-long input, cut at the door (0 when it fit): `question` then holds
    # only the bounded prefix, and the refusal is all that happens to it.
    received_chars: int = 0
    # Long queries (apps/chat/jobs.py): whether this turn may become a job (web chat and API),
    # and the job it runs in (in the worker).
    jobs_allowed: bool = False
    job: QueryJob | None = None

    @property
    def org(self):  # noqa: ANN201
        return self.membership.organization

    @property
    def user(self):  # noqa: ANN201
        return self.membership.user


@dataclass(frozen=True)
class History:
    """What the conversation's earlier turns leave for a follow-up."""

    plan: QueryPlan | None = None  # the last offline plan, rewritten by "¿y en 2024?"
    # The previous answer's insight fields ({"decomposition", "definition"}): "¿y por región?"
    # after a why-answer, "¿y en 2024?" after a HYBRID one.
    insight: dict | None = None
    # The LLM path only: the previous answered turn (question, SQL) the model rewrites.
    turn: tuple[str, str | None] | None = None


@dataclass(frozen=True)
class Scope:
    """What `resolve` found: the language, the data source, the conversation and its history,
    and the governed-query context (catalog, policy, connection). A stage that stops early leaves
    the later fields empty."""

    lang: str
    source: DataSource | None = None
    conversation: Conversation | None = None
    history: History = History()
    context: QueryContext | None = None  # source, catalog, policy, connection (query_context)

    @property
    def catalog(self) -> CatalogSnapshot | None:
        return self.context.catalog if self.context is not None else None

    @property
    def policy(self) -> DataPolicy | None:
        return self.context.policy if self.context is not None else None


@dataclass(frozen=True)
class Outcome:
    """What the answering stages decided: the answer object, and what the message and the audit
    entry record about how it was reached."""

    answer: Answer
    plan: QueryPlan | None = None  # the plan the answer ran (stored; follow-ups rewrite it)
    audit_sql: str = ""  # the SQL as run (guarded) or as attempted
    refusal_rule: str = ""  # the rule that refused it
    refusal: SqlRefusal | None = None  # the guard's or executor's refusal (the LLM corrects some)
    lang: str = ""  # the language the interpretation settled on ("" = the scope's)
    llm: llm_path.LLMSession | None = None  # the question's model calls, tokens and fallback
    # A conversation this stage started (a job handed over, then refused as busy).
    conversation: Conversation | None = None


@dataclass(frozen=True)
class Turn:
    """The read-only view the answering stages share: the request, its scope, the stopwatch,
    and what earlier stages fixed (the cache key, the model session, the job's watch). Frozen:
    a stage returns what it decides (`Outcome`) instead of writing here; a changed view is a new
    one (`dataclasses.replace`)."""

    request: Request
    scope: Scope
    timer: Timer
    cache_key: str = ""  # the answer's cache key (an ask's), handed to a job
    llm: llm_path.LLMSession | None = None
    job_watch: query_jobs.JobWatch | None = None  # in the worker: the running job's Stop

    # What the stages read, by name.
    membership = property(lambda self: self.request.membership)
    org = property(lambda self: self.request.org)
    user = property(lambda self: self.request.user)
    question = property(lambda self: self.request.question)
    channel = property(lambda self: self.request.channel)
    kind = property(lambda self: self.request.kind)
    jobs_allowed = property(lambda self: self.request.jobs_allowed)
    lang = property(lambda self: self.scope.lang)
    source = property(lambda self: self.scope.source)
    conversation = property(lambda self: self.scope.conversation)
    context = property(lambda self: self.scope.context)
    catalog = property(lambda self: self.scope.catalog)
    policy = property(lambda self: self.scope.policy)
    previous_plan = property(lambda self: self.scope.history.plan)
    previous_insight = property(lambda self: self.scope.history.insight)
    previous_turn = property(lambda self: self.scope.history.turn)

    def in_lang(self, lang: str) -> Turn:
        """The same turn in the language the interpretation settled on."""
        return self if lang == self.lang else replace(self, scope=replace(self.scope, lang=lang))


class ConversationNotFound(Exception):
    """The conversation id is not the member's own; `scope` holds what was resolved before."""

    def __init__(self, scope: Scope) -> None:
        super().__init__("conversation_not_found")
        self.scope = scope


def input_limit(kind: str) -> int:
    """The most characters of a question (`ask`) or of SQL (`query`) the pipeline accepts."""
    if kind == Message.Kind.QUERY:
        return GuardLimits().max_sql_length
    return settings.DATACHAT["QUESTION_MAX_CHARS"]


def stored_text(text: str, *, kind: str = Message.Kind.ASK) -> str:
    """What the pipeline keeps of an input (the message, the audit entry, the page's echo): the
    input itself, or a bounded prefix with an ellipsis when it is over the limit."""
    return bounded(text or "", input_limit(kind))


def _request(membership: Membership, text: str, channel: str, kind: str, **extra: Any) -> Request:
    """A request whose input is cut at the door: an over-long question or SQL is never read past
    the limit (no language detection, interpretation, cache key or storage of the rest)."""
    text = text or ""
    limit = input_limit(kind)
    received = len(text) if len(text) > limit else 0
    return Request(
        membership=membership,
        question=bounded(text, limit),
        channel=channel,
        kind=kind,
        received_chars=received,
        **extra,
    )


# --- the entry points ---------------------------------------------------------------------------


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
    request = _request(
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
    request = _request(
        membership,
        sql,
        channel,
        Message.Kind.QUERY,
        lang=lang if lang in ("es", "en") else "es",
        jobs_allowed=channel in JOB_CHANNELS and query_jobs.jobs_enabled(),
    )
    with tenant_scope(membership.organization):
        return _run(request, source_name, conversation_id, _query_stages)


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
        outcome = _error("conversation_not_found", text("conversation_not_found", scope.lang))
    except Exception as exc:  # noqa: BLE001 - the contract: an answer object, never a crash
        logger.exception("pipeline failure")
        outcome = _error("internal_error", text("internal_error", scope.lang), detail=exc)
    return _record(request, scope, outcome, timer)


# --- resolve ------------------------------------------------------------------------------------


def resolve(
    request: Request, source_name: str | None, conversation_id: int | None, timer: Timer
) -> tuple[Scope, Outcome | None]:
    """Language, data source, conversation (and its history) and the caller's governed-query
    context; with the refusal that ends the turn here, if any (an unknown or restricted source,
    a role without data questions). Raises `ConversationNotFound` for another's conversation."""
    org = request.org
    lang = detect_language(request.question) if request.kind == Message.Kind.ASK else request.lang
    # The member object may outlive a knowledge edit (a batch, a long-lived worker): read the
    # org's limits and knowledge version afresh, so the cache key and policy are current.
    org.refresh_from_db()
    source = datasource_get(org=org, name=source_name)
    if source is not None and source.organization_id == org.pk:
        source.organization = org  # the same row, already read: no second query
    conversation, history = None, History()
    if conversation_id is not None:
        conversation = conversation_owned_get(membership=request.membership, pk=conversation_id)
        if conversation is None:
            raise ConversationNotFound(Scope(lang=lang, source=source))
        history = _history(conversation)
        if source_name is None and conversation.data_source_id:
            source = conversation.data_source
    scope = Scope(lang=lang, source=source, conversation=conversation, history=history)
    if source is None:
        return scope, _error("unknown_source", text("unknown_source", lang, name=source_name))
    try:
        context = query_context(membership=request.membership, source=source, lang=lang)
    except SqlRefusal as refusal:  # a restricted source this caller may not use
        outcome = _refused("not_authorized", text("source_restricted", lang))
        return scope, replace(outcome, refusal_rule=refusal.detail or RESTRICTED_RULE)
    scope = replace(scope, context=context)
    timer.lap("context")
    policy = context.policy
    if not policy.can_query:
        outcome = _refused("not_authorized", text("role_no_data", lang))
        if request.kind == Message.Kind.ASK:
            outcome.answer.intent = _refusal_intent(
                request.question, scope, "refused: the role asks no data questions"
            )
        return scope, replace(outcome, refusal_rule=f"policy.{policy.role}.no_data_questions")
    return scope, None


def _refusal_intent(question: str, scope: Scope, why: str) -> dict:
    """`ask` always reports an intent (the contract leaves it null only for `query`): for a
    question refused before interpretation, the offline engine's reading of it (pure and local,
    nothing leaves the process), with the refusal as the reasoning."""
    try:
        reading = interpret(question, semantic_model_for(scope.source, scope.catalog)).intent
        return intent_dict(reading.type, reading.confidence, f"{why}; {reading.reasoning}")
    except Exception:  # noqa: BLE001 - a refusal must not fail on its annotation
        return intent_dict("AMBIGUOUS", 0.0, why)


def _history(conversation: Conversation) -> History:
    """The previous plan, insight fields and (with a model) answered question and SQL."""
    previous_plan = previous_insight = previous_turn = None
    last = (
        Message.objects.filter(conversation=conversation, kind=Message.Kind.ASK)
        .exclude(plan=None)
        .order_by("-created_at", "-id")
        .first()
    )
    if last is not None:
        previous_plan = plan_from_dict(last.plan)
    latest = (
        Message.objects.filter(conversation=conversation, kind=Message.Kind.ASK)
        .order_by("-created_at", "-id")
        .values_list("answer", flat=True)
        .first()
    )
    if isinstance(latest, dict) and (latest.get("decomposition") or latest.get("definition")):
        previous_insight = {
            "decomposition": latest.get("decomposition"),
            "definition": latest.get("definition"),
        }
    if llm_path.llm_enabled():
        # The model rewrites a follow-up from the previous question and its SQL (an LLM answer
        # has no offline plan to rewrite).
        answered = (
            Message.objects.filter(
                conversation=conversation,
                kind=Message.Kind.ASK,
                answer_type__in=ANSWERED_TYPES,
            )
            .order_by("-created_at", "-id")
            .values_list("question", "sql")
            .first()
        )
        if answered is not None:
            previous_turn = (answered[0], answered[1] or None)
    return History(plan=previous_plan, insight=previous_insight, turn=previous_turn)


# --- ask ------------------------------------------------------------------------------------


def _ask_stages(turn: Turn) -> Outcome:
    """screen → cache → insight, offline engine or model → (guard → execute → format)."""
    refused = _screen(turn)
    if refused is not None:
        return refused
    turn = replace(turn, cache_key=_cache_key(turn, "answer", turn.question))
    hit = _cached(turn)
    if hit is not None:
        return hit
    outcome = _interpreted(turn)
    # A fallback is not cached: recomputing it offline costs milliseconds, and a cached copy
    # would go on hiding the model's answer after the endpoint recovers.
    fell_back = outcome.llm is not None and outcome.llm.fallback is not None
    if not fell_back and outcome.answer.type in ANSWERED_TYPES:
        _cache_set(turn.cache_key, outcome.answer, outcome.plan)
    return outcome


def _screen(turn: Turn) -> Outcome | None:
    """The refusal of a question screening stops (too long, control characters, injection)."""
    screen = screen_question(turn.question, max_length=settings.DATACHAT["QUESTION_MAX_CHARS"])
    turn.timer.lap("screen")
    if screen.ok:
        return None
    outcome = _refused(screen.code or "prompt_injection", text(screen.code, turn.lang))
    why = f"refused by screening ({screen.code})"
    if screen.code == "question_too_long":
        # Not interpreted at all: an over-long question costs nothing past the door.
        outcome.answer.intent = intent_dict("AMBIGUOUS", 0.0, why)
    else:
        outcome.answer.intent = _refusal_intent(turn.question, turn.scope, why)
    return replace(outcome, refusal_rule=f"screening.{screen.code}")


def _cached(turn: Turn) -> Outcome | None:
    """The stored answer under the turn's cache key, if any."""
    cached = _cache_get(turn.cache_key)
    turn.timer.lap("cache")
    if cached is None:
        return None
    payload = dict(cached)
    plan = plan_from_dict(payload.pop("_plan", None))
    answer = Answer(**payload)
    answer.cached = True
    if llm_path.llm_enabled():
        answer.llm = LLMUsage(provider=llm_path.PROVIDER)  # a hit costs no call
    return Outcome(answer, plan=plan, audit_sql=answer.sql or "")


def _interpreted(turn: Turn) -> Outcome:
    """Why-questions are answered by the decomposition in both modes (arithmetic, not a model's
    guess); HYBRID questions here only offline (with a model, its one structured call decides)."""
    outcome = insights.insight_answer(turn, hybrid=not llm_path.llm_enabled())
    if outcome is not None:
        return outcome
    if not llm_path.llm_enabled():
        return _offline_answer(turn)
    if llm_budget.llm_budget_exhausted(org=turn.org):
        return _budget_exhausted_answer(turn)
    return _llm_or_offline_answer(turn)


def _offline_answer(turn: Turn) -> Outcome:
    """The built-in engine: intent, plan and SQL without a model."""
    verified = _verified_example(turn)
    if verified is not None:
        return verified
    model = semantic_model_for(turn.source, turn.catalog)
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
    outcome = _sql_answer(turn, sql, intent, plan)
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
            return _sql_answer(turn, sql, intent, None, narrate_shape=True)
    return None


# --- ask, with an LLM ---------------------------------------------------------------------------


def _llm_or_offline_answer(turn: Turn) -> Outcome:
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
        outcome = _offline_answer(turn)
    outcome.answer.llm = LLMUsage(**session.usage())
    return replace(outcome, llm=session)


def _budget_exhausted_answer(turn: Turn) -> Outcome:
    """The org's monthly LLM budget is used up: no call; the offline engine answers (whatever it
    answers: data, documentation, or a question back with rewrites it can answer), with a note
    saying why, and `llm.provider` = `offline (fallback: llm_budget_exhausted)`."""
    session = llm_path.LLMSession()
    session.fallback = llm_budget.BUDGET_EXHAUSTED
    turn = replace(turn, llm=session)
    turn.timer.lap("intent")
    outcome = insights.insight_answer(turn) or _offline_answer(turn)  # HYBRID offline too
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
        catalog=turn.catalog,
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
    outcome = _sql_answer(turn, sql, intent, None, chart_hint=hint, narrate_shape=True)
    for _ in range(llm_path.MAX_CORRECTIONS):
        refusal = outcome.refusal
        if refusal is None or not llm_path.correctable(refusal):
            break
        sql = llm_path.correct_sql(session=session, failed_sql=sql, refusal=refusal)
        turn.timer.lap("sql")
        outcome = _sql_answer(turn, sql, intent, None, chart_hint=hint, narrate_shape=True)
    return outcome


def _llm_rag_answer(
    turn: Turn, session: llm_path.LLMSession, intent: dict, suggestions: list[str]
) -> Answer:
    outcome = llm_path.rag_answer(
        session=session,
        org=turn.org,
        catalog=turn.catalog,
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


def _rag_answer(turn: Turn, interpretation, intent: dict) -> Outcome:  # noqa: ANN001
    request = interpretation.schema_request
    result = knowledge_search.answer_schema_question(
        org=turn.org,
        question=turn.question,
        catalog=turn.catalog,
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


# --- guard → execute → format -------------------------------------------------------------------


def _sql_answer(
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
    return Outcome(
        _formatted(turn, guarded, result, intent, plan, chart_hint, narrate_shape),
        plan=plan,
        audit_sql=guarded.sql,
    )


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
    model = semantic_model_for(turn.source, turn.catalog)
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
            conversation = started = _conversation_start(turn.request, turn.source)
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


# --- jobs (the worker's side) -------------------------------------------------------------------


def run_job(job: QueryJob) -> str:
    """Run a claimed job in the worker: guard, execute (watched for Stop), format and record the
    answer (message + audit entry naming the job). Returns the job's final status."""
    request = _job_request(job)
    timer = Timer()
    watch = query_jobs.JobWatch(job)
    scope = Scope(lang=request.lang)
    with tenant_scope(job.organization):
        try:
            scope, stop = resolve(request, job.source_name, job.conversation_id, timer)
            scope = replace(scope, lang=job.lang)
            turn = Turn(request=request, scope=scope, timer=timer, cache_key=job.cache_key)
            outcome = stop or _job_answer(replace(turn, job_watch=watch), job)
        except Exception as exc:  # noqa: BLE001 - the job ends with an answer, never a crash
            if isinstance(exc, ConversationNotFound):
                scope = exc.scope
            logger.exception("query job failure")
            outcome = _error("internal_error", text("internal_error", scope.lang), detail=exc)
        finally:
            watch.close()
        cancelled = watch.cancelled or query_jobs.cancel_requested(job.pk)
        if cancelled:
            # The SQL it ran (or was running) and its plan stay in the audit entry.
            stopped = _cancelled_answer(scope.lang)
            outcome = replace(stopped, plan=outcome.plan, audit_sql=outcome.audit_sql)
        status = QueryJob.Status.CANCELLED if cancelled else QueryJob.Status.DONE
        answer = outcome.answer
        if job.llm:
            answer.llm = LLMUsage(**job.llm)
        answer.job = query_jobs.job_field(job, status)
        _record(request, scope, outcome, timer)
        if not cancelled and answer.type in ("SQL", "HYBRID") and job.cache_key:
            _cache_set(job.cache_key, answer, outcome.plan)
    query_jobs.job_finish(job, status=status, message_id=answer.message_id)
    return status


def _job_request(job: QueryJob) -> Request:
    membership = Membership.all_tenants.select_related("organization", "user").get(
        organization=job.organization, user=job.user
    )
    return _request(membership, job.question, job.channel, job.kind, lang=job.lang, job=job)


def _job_answer(turn: Turn, job: QueryJob) -> Outcome:
    plan = plan_from_dict(job.plan)
    outcome = _sql_answer(
        turn,
        job.sql,
        job.intent,
        plan,
        chart_hint=job.chart_hint or None,
        narrate_shape=job.narrate_shape,
    )
    answer = outcome.answer
    if answer.type == "SQL" and job.kind == Message.Kind.ASK and plan is not None:
        model = semantic_model_for(turn.source, turn.catalog)
        answer.suggestions = followups(plan, model, lang=turn.lang)
    return outcome


def _cancelled_answer(lang: str) -> Outcome:
    message = text("query_cancelled", lang)
    answer = Answer(
        type="ERROR", answer=message, error={"code": "query_cancelled", "message": message}
    )
    return Outcome(answer, refusal_rule="jobs.stopped")


def job_cancelled_record(job: QueryJob) -> dict[str, Any]:
    """A job stopped before a worker took it: its cancelled answer, recorded (message + audit)."""
    request = _job_request(job)
    timer = Timer()
    scope = Scope(lang=request.lang)
    with tenant_scope(job.organization):
        try:
            scope, _stop = resolve(request, job.source_name, job.conversation_id, timer)
        except ConversationNotFound as missing:
            scope = missing.scope
            logger.warning("cancelled job context", exc_info=True)
        except Exception:  # noqa: BLE001 - the record is what matters here
            logger.warning("cancelled job context", exc_info=True)
        scope = replace(scope, lang=job.lang)
        outcome = replace(_cancelled_answer(scope.lang), audit_sql=job.sql)
        outcome.answer.job = query_jobs.job_field(job, QueryJob.Status.CANCELLED)
        payload = _record(request, scope, outcome, timer)
    query_jobs.job_finish(
        job, status=QueryJob.Status.CANCELLED, message_id=outcome.answer.message_id
    )
    return payload


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
    cached = _cache_get(key)
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
    try:
        guarded = guard_sql(
            query.sql(dialect=turn.source.dialect),
            dialect=turn.source.dialect,
            schema=turn.catalog.schema_mapping(),
            policy=turn.policy,
            lang=turn.lang,
        )
        result = execute(guarded, source=turn.context.connection, lang=turn.lang)
    except (SqlRefusal, ValueError, sqlglot.errors.SqlglotError):
        return None
    if not result.rows:
        return None
    low, high = result.rows[0][0], result.rows[0][1]
    return (str(low) if low is not None else None, str(high) if high is not None else None)


def _named_period(plan: QueryPlan | None, period: str | None) -> QueryPlan | None:
    """The plan with its range labelled by the dates it used, for the narration:
    "(noviembre de 2025, mes anterior al último con datos)" instead of "(mes pasado)", "(T3
    2025)" instead of "(2025-Q3)"."""
    if plan is None or plan.time_range is None or not period:
        return plan
    inline = period.replace(" (", ", ", 1).rstrip(")") if " (" in period else period
    return plan.with_changes(time_range=replace(plan.time_range, label=inline))


# --- query ----------------------------------------------------------------------------------


def rehearse(
    *, membership: Membership, question: str, source_name: str | None = None, channel: str = "gaps"
) -> dict[str, Any]:
    """Answer a question as the member would be answered now, without storing a message: a
    steward's fix re-asks a knowledge gap's questions with it. The attempt is still an audit-chain
    entry (channel `gaps`), and its model tokens still count against the org's budget."""
    request = _request(membership, question, channel, Message.Kind.ASK)
    timer = Timer()
    scope = Scope(lang=request.lang)
    with tenant_scope(membership.organization):
        try:
            scope, stop = resolve(request, source_name, None, timer)
            outcome = stop or _ask_stages(Turn(request=request, scope=scope, timer=timer))
        except Exception as exc:  # noqa: BLE001 - an answer object, never a crash
            logger.exception("rehearsal failure")
            outcome = _error("internal_error", text("internal_error", scope.lang), detail=exc)
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


def _query_stages(turn: Turn) -> Outcome:
    """The role may edit SQL → (guard → execute → format)."""
    if not turn.policy.can_edit_sql:
        outcome = _refused("not_authorized", text("role_no_sql", turn.lang))
        return replace(outcome, refusal_rule=f"policy.{turn.policy.role}.no_sql_editing")
    if not turn.question.strip():
        return _refused("empty_query", text("empty_query", turn.lang))
    return _sql_answer(turn, turn.question, None, None)


# --- shared ---------------------------------------------------------------------------------


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


def _outside_scope(policy: DataPolicy | None, plan: QueryPlan | None) -> str:
    """The values a plan filters on that the caller's row filter on the same column hides
    ("«Sur»"), or "" when every asked value is visible (or nothing was asked)."""
    if policy is None or plan is None:
        return ""
    hidden: list[str] = []
    asked = 0
    for wanted in plan.filters:
        if wanted.op not in ("=", "in"):
            continue
        for row_filter in policy.row_filters:
            if (row_filter.table, row_filter.column) != (wanted.table, wanted.column):
                continue
            allowed = {fold(str(v)) for v in row_filter.values}
            asked += len(wanted.values)
            hidden += [str(v) for v in wanted.values if fold(str(v)) not in allowed]
    if not hidden or len(hidden) < asked:
        return ""  # some asked value is visible: the rows shown are the visible part
    return ", ".join(f"«{v}»" for v in dict.fromkeys(hidden))


def _refused(code: str, message: str) -> Outcome:
    return Outcome(Answer(type="REFUSED", answer=message, error={"code": code, "message": message}))


def _error(code: str, message: str, detail: Exception | None = None) -> Outcome:
    return Outcome(Answer(type="ERROR", answer=message, error={"code": code, "message": message}))


def normalise_question(question: str) -> str:
    return " ".join(fold(question).replace("¿", " ").replace("?", " ").split())


def _cache_key(turn: Turn, kind: str, question: str) -> str:
    """Org, source (and its schema version), the caller's policy fingerprint, the knowledge
    version, the conversation context and the normalised question: a cached answer can never
    cross a row filter or a mask (DESIGN: caching). The provider mode (offline, or which model at
    which endpoint) keeps one producer's answers from being served as another's."""
    context = json.dumps(plan_to_dict(turn.previous_plan), sort_keys=True, default=str)
    if turn.previous_insight is not None:
        context += json.dumps(turn.previous_insight, sort_keys=True, default=str)
    if turn.previous_turn is not None:
        context += json.dumps(turn.previous_turn, ensure_ascii=False)
    raw = "|".join(
        [
            kind,
            llm_path.cache_mode(),
            str(turn.org.pk),
            ":".join(map(str, turn.source.memo_key())),
            turn.policy.fingerprint(),
            str(turn.org.knowledge_version),
            hashlib.sha256(context.encode()).hexdigest()[:16],
            normalise_question(question),
        ]
    )
    return "dc:" + hashlib.sha256(raw.encode()).hexdigest()


def _cache_get(key: str) -> dict | None:
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 - a cache fault is a miss
        logger.warning("cache read failed", exc_info=True)
        return None


def _cache_set(key: str, answer: Answer, plan: QueryPlan | None) -> None:
    payload = answer.to_dict()
    for transient in ("cached", "timings_ms", "llm", "conversation_id", "message_id", "job"):
        payload.pop(transient, None)
    payload["_plan"] = plan_to_dict(plan)
    ttl = settings.DATACHAT["CACHE_TTL"]["rag" if answer.type == "RAG" else "result"]
    try:
        cache.set(key, payload, ttl)
    except Exception:  # noqa: BLE001
        logger.warning("cache write failed", exc_info=True)


# --- record -------------------------------------------------------------------------------------


def _record(request: Request, scope: Scope, outcome: Outcome, timer: Timer) -> dict[str, Any]:
    """Store the message and append the audit entry, in one transaction (chat/services.py);
    returns the answer object as stored."""
    answer = outcome.answer
    answer.lang = outcome.lang or scope.lang
    answer.source = scope.source.name if scope.source else None
    conversation = scope.conversation or outcome.conversation
    with transaction.atomic():
        if conversation is None:
            conversation = _conversation_start(request, scope.source)
        timer.lap("record")
        if outcome.llm is not None:
            timer.note("llm", outcome.llm.model_ms)
        answer.timings_ms = timer.result()
        record_question(
            started_ns=timer.started_ns,
            ended_ns=time.time_ns(),
            stages=timer.laps,
            channel=request.channel,
            type=answer.type,
            org=request.org.slug,
        )
        _message, payload = message_record(
            record=TurnRecord(
                membership=request.membership,
                channel=request.channel,
                kind=request.kind,
                question=request.question,
                source=scope.source,
                plan=plan_to_dict(outcome.plan),
                audit_sql=outcome.audit_sql,
                refusal_rule=outcome.refusal_rule,
                policy_fingerprint=scope.policy.fingerprint() if scope.policy else "",
                audit_details=_audit_details(request, outcome),
            ),
            answer=answer,
            conversation=conversation,
            new_conversation=scope.conversation is None,
        )
    if outcome.llm is not None:
        llm_budget.llm_usage_add(
            org=request.org, tokens=answer.llm.prompt_tokens + answer.llm.completion_tokens
        )
    return payload


def _conversation_start(request: Request, source: DataSource | None) -> Conversation:
    return conversation_start(
        membership=request.membership,
        source=source,
        title=request.question[:80] if request.kind == Message.Kind.ASK else "SQL",
    )


def _audit_details(request: Request, outcome: Outcome) -> dict[str, Any]:
    """The audit details only the pipeline knows (the rest: services.message_record)."""
    details: dict[str, Any] = {}
    if outcome.llm is not None:
        details["llm"] = outcome.llm.audit_details()
    if request.job is not None:
        details["job"] = str(request.job.pk)
    if request.received_chars:
        details["received_chars"] = request.received_chars  # the question stored is a prefix
    return details
