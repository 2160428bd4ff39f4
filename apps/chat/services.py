"""Chat writes outside the pipeline: feedback on answers, renaming, archiving, deleting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlglot
from django.db import transaction
from django.utils import timezone
from sqlglot import exp
from sqlglot.errors import SqlglotError

from apps.chat.gap_record import gap_feedback_sync
from apps.chat.models import Conversation, Message
from apps.knowledge.models import DataSource, VerifiedExample
from apps.knowledge.selectors import datasource_get
from apps.knowledge.services import example_propose

FEEDBACK_RATINGS = ("up", "down")
# The 👎 reasons the chat card offers (docs/ux.md "States").
FEEDBACK_TAGS = ("wrong_numbers", "wrong_table", "misunderstood", "too_slow", "other")


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
