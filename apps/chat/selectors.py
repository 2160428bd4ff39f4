"""Chat reads, scoped to the caller's organization and ownership."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from apps.chat.models import Conversation, Message
from apps.governance.models import Membership


def conversation_list(*, membership: Membership) -> QuerySet[Conversation]:
    """The member's conversations in their org, newest first."""
    return Conversation.all_tenants.filter(
        organization=membership.organization, user=membership.user, archived=False
    ).order_by("-updated_at")


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
