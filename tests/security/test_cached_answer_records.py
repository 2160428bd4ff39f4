"""A cached answer's trimmed writes (the chain head bumped with UPDATE…RETURNING, the owner's
object permissions by one INSERT…SELECT): every answer, cached or not, is an audit entry that
keeps the org's chain verifiable, and a new conversation's permissions go to its owner only."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from guardian.shortcuts import get_perms

from apps.chat.models import Conversation
from apps.chat.pipeline import ask
from apps.governance.models import AuditEntry
from apps.governance.services import audit_verify

pytestmark = pytest.mark.django_db

QUESTION = "¿Cuántas ventas hubo por canal?"


def test_cached_answers_are_audited_in_a_chain_that_verifies(member):
    cache.clear()
    analista, cientifica = member("acme", "analista"), member("acme", "cientifica")
    org = analista.organization
    before = AuditEntry.objects.filter(organization=org).count()
    first = ask(membership=analista, question=QUESTION)
    again = ask(membership=analista, question=QUESTION)
    other = ask(membership=cientifica, question=QUESTION)
    assert not first.get("cached") and again.get("cached")
    entries = list(AuditEntry.objects.filter(organization=org).order_by("-seq")[:3])[::-1]
    assert AuditEntry.objects.filter(organization=org).count() == before + 3
    assert [e.username for e in entries] == ["analista", "analista", "cientifica"]
    assert all(e.outcome == "answered" and e.sql for e in entries)
    assert [e.seq for e in entries] == list(range(entries[0].seq, entries[0].seq + 3))
    assert audit_verify(org=org).ok
    for answer, owner, stranger in (
        (again, analista, cientifica),
        (other, cientifica, analista),
    ):
        conversation = Conversation.all_tenants.get(pk=answer["conversation_id"])
        assert conversation.user_id == owner.user_id
        assert set(get_perms(owner.user, conversation)) == {
            "view_conversation",
            "change_conversation",
            "delete_conversation",
        }
        assert get_perms(stranger.user, conversation) == []
