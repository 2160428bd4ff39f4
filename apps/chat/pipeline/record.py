"""record: the message and the audit entry of a turn, in one transaction, through
chat/services.py (the pipeline decides, the services write)."""

from __future__ import annotations

import time
from typing import Any

from django.db import transaction

from apps.chat import llm_budget
from apps.chat.engine.plan import plan_to_dict
from apps.chat.models import Conversation, Message
from apps.chat.pipeline.values import Outcome, Request, Scope, Timer
from apps.chat.services import (
    TurnRecord,
    conversation_start,
    message_record,
)
from apps.knowledge.models import DataSource
from datachat.tracing import record_question


def record(request: Request, scope: Scope, outcome: Outcome, timer: Timer) -> dict[str, Any]:
    """Store the message and append the audit entry, in one transaction (chat/services.py);
    returns the answer object as stored."""
    answer = outcome.answer
    answer.lang = outcome.lang or scope.lang
    answer.source = scope.source.name if scope.source else None
    conversation = scope.conversation or outcome.conversation
    with transaction.atomic():
        if conversation is None:
            conversation = start_conversation(request, scope.source)
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


def start_conversation(request: Request, source: DataSource | None) -> Conversation:
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
