"""Chat writes: a question's message and audit entry (for the pipeline), new conversations, and
feedback on answers, renaming, archiving, deleting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlglot
from django.db import connection, transaction
from django.utils import timezone
from sqlglot import exp
from sqlglot.errors import SqlglotError

from apps.chat.engine.answer import Answer
from apps.chat.gap_record import gap_feedback_sync, gaps_record
from apps.chat.models import Conversation, Message
from apps.chat.question_stats import counted, question_stat_record
from apps.governance.services import audit_record
from apps.knowledge.models import DataSource, VerifiedExample
from apps.knowledge.selectors import datasource_get
from apps.knowledge.services import example_propose

FEEDBACK_RATINGS = ("up", "down")
# The 👎 reasons the chat card offers (docs/ux.md "States").
FEEDBACK_TAGS = ("wrong_numbers", "wrong_table", "misunderstood", "too_slow", "other")


# What an answer type is as an audit outcome.
AUDIT_OUTCOMES = {
    "SQL": "answered",
    "RAG": "answered",
    "HYBRID": "answered",
    "CLARIFY": "clarify",
    "REFUSED": "refused",
    "ERROR": "error",
}
OWNER_PERMISSIONS = ("view_conversation", "change_conversation", "delete_conversation")


@dataclass(frozen=True)
class TurnRecord:
    """One question or SQL run as the pipeline hands it over to be stored."""

    membership: Any  # governance.Membership: org, user, role
    channel: str
    kind: str
    question: str
    source: DataSource | None
    plan: dict | None  # the query plan as stored (plan_to_dict)
    audit_sql: str = ""
    refusal_rule: str = ""
    policy_fingerprint: str = ""
    audit_details: dict | None = None  # extra audit details (LLM, job, received chars)


def conversation_start(*, membership: Any, source: DataSource | None, title: str) -> Conversation:
    """A new conversation of the member, with the owner's object permissions (one insert of
    the three rows, read from the permission table by the database itself: guardian's
    `assign_perm` costs two queries per permission)."""
    conversation = Conversation.objects.create(
        organization=membership.organization,
        user=membership.user,
        data_source=source,
        title=title,
    )
    _owner_permissions_grant(user=membership.user, conversation=conversation)
    return conversation


def _owner_permissions_grant(*, user: Any, conversation: Conversation) -> None:
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import UserObjectPermission

    content_type = ContentType.objects.get_for_model(Conversation)
    if connection.vendor not in ("postgresql", "sqlite"):
        permissions = Permission.objects.filter(
            content_type=content_type, codename__in=OWNER_PERMISSIONS
        )
        UserObjectPermission.objects.bulk_create(
            [
                UserObjectPermission(
                    user=user,
                    permission=permission,
                    content_type=content_type,
                    object_pk=str(conversation.pk),
                )
                for permission in permissions
            ],
            ignore_conflicts=True,
        )
        return
    # INSERT … SELECT … ON CONFLICT DO NOTHING: the same rows and the same tolerance of a row
    # already there as the bulk_create above, in one statement.
    q = connection.ops.quote_name
    grant, perm = UserObjectPermission._meta, Permission._meta

    def col(meta, name: str) -> str:  # noqa: ANN001
        return q(meta.get_field(name).column)

    marks = ", ".join(["%s"] * len(OWNER_PERMISSIONS))
    sql = (
        f"INSERT INTO {q(grant.db_table)} ({col(grant, 'permission')}, "  # noqa: S608 - model names
        f"{col(grant, 'content_type')}, {col(grant, 'object_pk')}, {col(grant, 'user')}) "
        f"SELECT {col(perm, 'id')}, {col(perm, 'content_type')}, %s, %s FROM {q(perm.db_table)} "
        f"WHERE {col(perm, 'content_type')} = %s AND {col(perm, 'codename')} IN ({marks}) "
        "ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [str(conversation.pk), user.pk, content_type.pk, *OWNER_PERMISSIONS])


def message_record(
    *, record: TurnRecord, answer: Answer, conversation: Conversation, new_conversation: bool
) -> tuple[Message, dict[str, Any]]:
    """Store a turn: the message (with the full answer object), its knowledge gaps, the
    frequent-question count, the conversation's time, and the chained audit entry; in one
    transaction (the caller's, or a new one). Returns the message and the stored answer dict."""
    membership = record.membership
    org, user = membership.organization, membership.user
    # No savepoint when the caller's transaction is open (the pipeline's): nothing here is
    # caught and retried, so a failure rolls back the whole turn either way.
    with transaction.atomic(savepoint=False):
        answer.conversation_id = conversation.pk
        answer.message_id = None
        payload = answer.to_dict()
        message = Message.objects.create(
            organization=org,
            conversation=conversation,
            kind=record.kind,
            question=record.question,
            answer_type=answer.type,
            intent=answer.intent,
            sql=answer.sql or "",
            plan=record.plan,
            error_code=(answer.error or {}).get("code", ""),
            row_count=answer.row_count,
            cached=answer.cached,
            timings_ms=answer.timings_ms,
            llm=payload["llm"],
            # One write: the stored answer has no `message_id` of its own (the row's id is it;
            # `selectors.message_answer_for` puts it back when reading).
            answer=payload,
        )
        answer.message_id = payload["message_id"] = message.pk
        if record.kind == Message.Kind.ASK:
            gaps_record(message=message, answer=answer, source=record.source, user=user)
        if counted(kind=record.kind, answer_type=answer.type):
            question_stat_record(org=org, user=user, question=record.question, lang=answer.lang)
        if not new_conversation:  # a new conversation's updated_at is already now
            Conversation.objects.filter(pk=conversation.pk).update(updated_at=message.created_at)
        _turn_audit(
            record,
            answer,
            details={
                "message_id": message.pk,
                "type": answer.type,
                "cached": answer.cached,
                "intent": (answer.intent or {}).get("type"),
                "filters": answer.scope,
                "masked_columns": list(answer.masked_columns),
                **(record.audit_details or {}),
            },
        )
    return message, payload


def rehearsal_record(*, record: TurnRecord, answer: Answer) -> None:
    """A re-asked question (a steward's fix checked): no message, but its audit-chain entry."""
    _turn_audit(
        record, answer, details={"type": answer.type, "cached": answer.cached, "rehearsal": True}
    )


def _turn_audit(record: TurnRecord, answer: Answer, *, details: dict[str, Any]) -> None:
    membership = record.membership
    audit_record(
        org=membership.organization,
        user=membership.user,
        role=membership.role,
        action=record.kind,
        channel=record.channel,
        source=answer.source or "",
        question=record.question,
        sql=record.audit_sql,
        outcome=AUDIT_OUTCOMES[answer.type],
        code=(answer.error or {}).get("code", ""),
        rule=record.refusal_rule,
        row_count=answer.row_count,
        duration_ms=answer.timings_ms.get("total", 0.0),
        policy_fingerprint=record.policy_fingerprint,
        details=details,
    )


class NotOwner(Exception):
    """Only the conversation's owner may change it (someone it is shared with may only read)."""


@dataclass(frozen=True)
class FeedbackResult:
    message: Message
    example: VerifiedExample | None  # the example a 👍 proposed (or had already proposed)


def _require_owner(conversation: Conversation, user: Any) -> None:
    if conversation.user_id != getattr(user, "pk", None):
        raise NotOwner


@transaction.atomic
def conversation_update(
    *,
    conversation: Conversation,
    user: Any,
    title: str | None = None,
    archived: bool | None = None,
) -> Conversation:
    """Rename and/or archive (or unarchive) one of the user's conversations."""
    _require_owner(conversation, user)
    fields = []
    if title is not None:
        conversation.title = title.strip()[:200]
        fields.append("title")
    if archived is not None:
        conversation.archived = archived
        fields.append("archived")
    if fields:
        conversation.save(update_fields=[*fields, "updated_at"])
    return conversation


@transaction.atomic
def conversation_delete(*, conversation: Conversation, user: Any) -> None:
    """Delete one of the user's conversations and its messages.

    The audit log keeps its entries (it is append-only and names the message ids), so what was
    asked and run stays on record for compliance.
    """
    from apps.chat.question_stats import question_stats_forget

    _require_owner(conversation, user)
    with transaction.atomic():
        question_stats_forget(messages=conversation.messages.select_related("conversation"))
        conversation.delete()


@transaction.atomic
def message_feedback_record(
    *,
    message: Message,
    user: Any,
    rating: str,
    comment: str = "",
    tags: Sequence[str] = (),
) -> FeedbackResult:
    """Store the owner's 👍/👎 (with optional comment and reason tags) on an answer.

    A 👍 on a plain SQL answer to a question proposes it as a verified example for a steward to
    review. Answers shaped by the asker's row filters or masks are not proposed: their SQL
    carries one person's scope and would teach it to everyone.
    """
    if rating not in FEEDBACK_RATINGS:
        raise ValueError(f"unknown rating {rating!r}")
    _require_owner(message.conversation, user)
    message.feedback_rating = rating
    message.feedback_comment = comment.strip()[:2000]
    message.feedback_tags = [tag for tag in dict.fromkeys(tags) if tag in FEEDBACK_TAGS]
    message.save(update_fields=["feedback_rating", "feedback_comment", "feedback_tags"])
    gap_feedback_sync(message=message, source=_source_of(message))
    example = None
    if rating == "up" and _proposable(message):
        source = _source_of(message)
        if source is not None:
            example, _ = example_propose(
                data_source=source,
                question=message.question,
                sql=message.sql,
                tables_used=_tables_of(message.sql, source.dialect),
                user=user,
                source_message_id=message.pk,
            )
    return FeedbackResult(message=message, example=example)


def _proposable(message: Message) -> bool:
    answer = message.answer or {}
    return (
        message.kind == Message.Kind.ASK
        and message.answer_type == "SQL"
        and bool(message.sql)
        and not message.error_code
        and not answer.get("scope")
        and not answer.get("masked_columns")
    )


def _source_of(message: Message) -> DataSource | None:
    name = (message.answer or {}).get("source")
    if name:
        return datasource_get(org=message.organization, name=name)
    return message.conversation.data_source


def _tables_of(sql: str, dialect: str) -> list[str]:
    """Real tables a query reads (CTE names left out), for staleness checks of the example."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except SqlglotError:
        return []
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    return sorted({t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes})


@transaction.atomic
def feedback_review_mark(*, message: Message, user: Any) -> Message:
    """A steward or admin has read a 👎 (and its comment): it leaves the queue's count."""
    if message.feedback_rating != "down":
        raise ValueError("only 👎 feedback is reviewed")
    if message.feedback_reviewed_at is None:
        message.feedback_reviewed_at = timezone.now()
        message.save(update_fields=["feedback_reviewed_at"])
    return message
