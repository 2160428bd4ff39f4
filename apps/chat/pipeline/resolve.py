"""The door and the scope: the input cut at its limit (`new_request`), the scope a question is
answered in (`resolve`: language, data source, conversation and its history, the governed-query
context) and the screening that may refuse it before anything reads it (`screen`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.conf import settings

from apps.chat import llm_path
from apps.chat.engine.answer import intent_dict
from apps.chat.engine.offline import interpret
from apps.chat.engine.plan import plan_from_dict
from apps.chat.models import Conversation, Message
from apps.chat.pipeline.values import (
    ConversationNotFound,
    History,
    Outcome,
    Request,
    Scope,
    Timer,
    Turn,
    error,
    refused,
)
from apps.chat.selectors import conversation_owned_get
from apps.chat.semantic_cache import semantic_model_for
from apps.chat.texts import text
from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.guard import GuardLimits
from apps.governance.engine.screening import bounded, screen_question
from apps.governance.models import Membership, Organization
from apps.governance.selectors import org_is_current
from apps.knowledge.query_context import (
    RESTRICTED_RULE,
    query_context,
)
from apps.knowledge.selectors import datasource_get
from datachat.contract import ANSWERED_TYPES
from datachat.text import detect_language


def input_limit(kind: str) -> int:
    """The most characters of a question (`ask`) or of SQL (`query`) the pipeline accepts."""
    if kind == Message.Kind.QUERY:
        return GuardLimits().max_sql_length
    return settings.DATACHAT["QUESTION_MAX_CHARS"]


def stored_text(text: str, *, kind: str = Message.Kind.ASK) -> str:
    """What the pipeline keeps of an input (the message, the audit entry, the page's echo): the
    input itself, or a bounded prefix with an ellipsis when it is over the limit."""
    return bounded(text or "", input_limit(kind))


def new_request(
    membership: Membership, text: str, channel: str, kind: str, **extra: Any
) -> Request:
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


def _org_refresh_from(org: Organization, fresh: Organization) -> None:
    """`org.refresh_from_db()` from a copy of its row just read (with the data source)."""
    for column in org._meta.concrete_fields:
        setattr(org, column.attname, getattr(fresh, column.attname))


def resolve(
    request: Request, source_name: str | None, conversation_id: int | None, timer: Timer
) -> tuple[Scope, Outcome | None]:
    """Language, data source, conversation (and its history) and the caller's governed-query
    context; with the refusal that ends the turn here, if any (an unknown or restricted source,
    a role without data questions). Raises `ConversationNotFound` for another's conversation."""
    org = request.org
    lang = detect_language(request.question) if request.kind == Message.Kind.ASK else request.lang
    # The member object may outlive a knowledge edit (a batch, a long-lived worker): read the
    # org's limits and knowledge version afresh, so the cache key and policy are current (a
    # request's member was read with its org a moment ago: no second read). The row comes
    # with the source's, in one query.
    stale_org = not org_is_current(org)
    source = datasource_get(org=org, name=source_name, with_org=stale_org)
    if source is not None and source.organization_id == org.pk:
        if stale_org:
            _org_refresh_from(org, source.organization)
        source.organization = org  # the same row, already read: no second query
    elif stale_org:
        org.refresh_from_db()
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
        return scope, error("unknown_source", text("unknown_source", lang, name=source_name))
    try:
        context = query_context(membership=request.membership, source=source, lang=lang)
    except SqlRefusal as refusal:  # a restricted source this caller may not use
        outcome = refused("not_authorized", text("source_restricted", lang))
        return scope, replace(outcome, refusal_rule=refusal.detail or RESTRICTED_RULE)
    scope = replace(scope, context=context)
    timer.lap("context")
    policy = context.policy
    if not policy.can_query:
        outcome = refused("not_authorized", text("role_no_data", lang))
        if request.kind == Message.Kind.ASK:
            outcome.answer.intent = refusal_intent(
                request.question, scope, "refused: the role asks no data questions"
            )
        return scope, replace(outcome, refusal_rule=f"policy.{policy.role}.no_data_questions")
    return scope, None


def refusal_intent(question: str, scope: Scope, why: str) -> dict:
    """`ask` always reports an intent (the contract leaves it null only for `query`): for a
    question refused before interpretation, the offline engine's reading of it (pure and local,
    nothing leaves the process), with the refusal as the reasoning."""
    try:
        reading = interpret(question, _caller_model(scope)).intent
        return intent_dict(reading.type, reading.confidence, f"{why}; {reading.reasoning}")
    except Exception:  # noqa: BLE001 - a refusal must not fail on its annotation
        return intent_dict("AMBIGUOUS", 0.0, why)


def _caller_model(scope: Scope):  # noqa: ANN202
    """The semantic model as the caller may use it (no values of what its policy hides)."""
    return semantic_model_for(scope.source, scope.catalog, scope.policy)


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


def screen(turn: Turn) -> Outcome | None:
    """The refusal of a question screening stops (too long, control characters, injection)."""
    screen = screen_question(turn.question, max_length=settings.DATACHAT["QUESTION_MAX_CHARS"])
    turn.timer.lap("screen")
    if screen.ok:
        return None
    outcome = refused(screen.code or "prompt_injection", text(screen.code, turn.lang))
    why = f"refused by screening ({screen.code})"
    if screen.code == "question_too_long":
        # Not interpreted at all: an over-long question costs nothing past the door.
        outcome.answer.intent = intent_dict("AMBIGUOUS", 0.0, why)
    else:
        outcome.answer.intent = refusal_intent(turn.question, turn.scope, why)
    return replace(outcome, refusal_rule=f"screening.{screen.code}")


def sql_editing_refused(turn: Turn) -> Outcome | None:
    """The refusal of hand-written SQL for a role that may not edit SQL (checked when it is
    asked and again in the worker: the policy may have changed while its job waited)."""
    if turn.policy.can_edit_sql:
        return None
    outcome = refused("not_authorized", text("role_no_sql", turn.lang))
    return replace(outcome, refusal_rule=f"policy.{turn.policy.role}.no_sql_editing")
