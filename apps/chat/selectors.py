"""Chat reads, scoped to the caller's organization and ownership."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from apps.chat.models import Conversation, Message, QueryJob
from apps.governance.models import Membership


def conversation_list(*, membership: Membership) -> QuerySet[Conversation]:
    """The member's conversations in their org, newest first."""
    return (
        Conversation.all_tenants.for_org(membership.organization)
        .filter(user=membership.user, archived=False)
        .order_by("-updated_at")
    )


def conversation_owned_get(*, membership: Membership, pk: int) -> Conversation | None:
    """The member's own conversation with this id in their org (the only kind a question may
    continue), or None: missing, another member's, shared with them, or another org's alike."""
    return (
        Conversation.all_tenants.select_related("data_source")
        .filter(pk=pk, organization=membership.organization, user=membership.user)
        .first()
    )


def access_conversation_by_id(*, membership: Membership, pk: int) -> Conversation:
    """The conversation if it is the member's (or shared with them), in their org; else 404.

    Missing and forbidden look the same, so ids of other tenants reveal nothing.
    """
    conversation = (
        Conversation.all_tenants.select_related("data_source")
        .filter(pk=pk, organization=membership.organization)
        .first()
    )
    if conversation is None:
        raise Http404
    user = membership.user
    if conversation.user_id != user.pk and not user.has_perm(
        "chat.view_conversation", conversation
    ):
        raise Http404
    return conversation


def access_message_by_id(*, membership: Membership, pk: int) -> Message:
    message = (
        Message.all_tenants.select_related("conversation")
        .filter(pk=pk, organization=membership.organization)
        .first()
    )
    if message is None:
        raise Http404
    access_conversation_by_id(membership=membership, pk=message.conversation_id)
    return message


def conversation_search(
    *, membership: Membership, q: str | None = None, archived: bool = False
) -> QuerySet[Conversation]:
    """The member's own conversations (archived or not), newest first, optionally searched.

    `q` matches the title or any question asked in the conversation (case-insensitive).
    """
    qs = Conversation.all_tenants.for_org(membership.organization).filter(
        user=membership.user, archived=archived
    )
    if q:
        asked = Message.all_tenants.for_org(membership.organization).filter(
            conversation=OuterRef("pk"),
            question__icontains=q,
        )
        qs = qs.filter(Q(title__icontains=q) | Exists(asked))
    return (
        qs.select_related("data_source")
        .annotate(message_count=Count("messages"))
        .order_by("-updated_at", "-pk")
    )


def conversation_messages(*, conversation: Conversation) -> QuerySet[Message]:
    """The turns of a conversation, oldest first."""
    return (
        Message.all_tenants.for_org(conversation.organization_id)
        .filter(conversation=conversation)
        .order_by("created_at", "id")
    )


def message_answer_for(*, message: Message, membership: Membership) -> dict:
    """The stored answer object as this member may see it.

    The rows of a stored answer were computed under its owner's policy; someone the
    conversation is shared with may have a narrower one (row filters, masks), so they get the
    answer without its data: to see rows they re-run the SQL under their own policy.
    """
    answer = dict(message.answer or {})
    # Stored without its own id (one write per answer): the row's id is the message id.
    answer["message_id"] = message.pk
    answer.setdefault("conversation_id", message.conversation_id)
    if message.conversation.user_id == membership.user_id:
        return answer
    if answer.get("rows") or answer.get("chart"):
        answer.update(rows=[], chart=None, rows_withheld=True)
    return answer


def frequent_questions(*, org, lang: str, limit: int = 3) -> list[str]:  # noqa: ANN001
    """The org's most asked answered questions in a language, for the empty state's chips.

    Only questions that at least two different people asked: a colleague's one-off question
    (which may be about data the viewer cannot see) is never shown to others. Read from the
    maintained aggregate (apps/chat/question_stats.py), not a scan of the messages.
    """
    from apps.chat.question_stats import frequent_questions as from_aggregate

    return from_aggregate(org=org, lang=lang, limit=limit)


def review_feedback(*, org, pending_only: bool = True) -> QuerySet[Message]:  # noqa: ANN001
    """👎 answers of the org, newest first, for the stewards' review queue (with the asker)."""
    messages = Message.all_tenants.for_org(org).filter(feedback_rating="down")
    if pending_only:
        messages = messages.filter(feedback_reviewed_at__isnull=True)
    return messages.select_related("conversation__user").order_by("-created_at")


def review_count(*, org) -> int:  # noqa: ANN001
    """What waits in the review queue: proposed examples plus 👎 nobody has looked at yet."""
    from apps.knowledge.models import VerifiedExample

    proposed = (
        VerifiedExample.all_tenants.for_org(org)
        .filter(status=VerifiedExample.Status.PROPOSED)
        .count()
    )
    return proposed + review_feedback(org=org).count()


def access_job_by_id(*, membership: Membership, pk: Any) -> QueryJob:
    """A long query's job, for the member who asked it only (404 for anyone else)."""
    job = (
        QueryJob.all_tenants.for_org(membership.organization)
        .filter(pk=pk, user=membership.user)
        .first()
    )
    if job is None:
        raise Http404
    return job
