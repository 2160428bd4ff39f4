"""The chat page's frequent questions come from a maintained aggregate (issue 15, seen 5): the
page's queries do not grow with the history, none of them scans the messages, and the chips are
the same as the scan gave."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from apps.chat.models import Message
from apps.chat.pipeline import ask
from apps.chat.question_stats import question_stats_rebuild
from apps.chat.selectors import frequent_questions
from apps.chat.services import conversation_delete

pytestmark = pytest.mark.django_db

QUESTIONS = [
    "Ticket promedio por canal",
    "¿Cuál fue el total de ventas por región?",
    "Ventas por mes",
    "Top 5 productos por ventas",
]


def scan(org, lang: str, limit: int = 3) -> list[str]:  # noqa: ANN001
    """What the page showed before the aggregate: a scan of all the org's messages."""
    rows = (
        Message.all_tenants.filter(
            organization=org,
            kind=Message.Kind.ASK,
            answer_type__in=("SQL", "RAG", "HYBRID"),
            answer__lang=lang,
        )
        .values("question")
        .annotate(n=Count("id"), people=Count("conversation__user", distinct=True))
        .filter(people__gte=2)
        .order_by("-n", "question")[:limit]
    )
    return [row["question"] for row in rows]


def test_the_aggregate_gives_what_the_scan_gave(member):
    analista, cientifica = member("acme", "analista"), member("acme", "cientifica")
    org = analista.organization
    conversations = []
    for n, question in enumerate(QUESTIONS):
        for who in [analista] * (n + 1) + [cientifica] * (1 if n % 2 == 0 else 0):
            conversations.append(ask(membership=who, question=question)["conversation_id"])
    ask(membership=analista, question="Revenue by channel")
    ask(membership=cientifica, question="Revenue by channel")
    for lang in ("es", "en"):
        assert frequent_questions(org=org, lang=lang, limit=5) == scan(org, lang, 5)
    assert frequent_questions(org=org, lang="es", limit=5)  # not trivially empty
    # Deleting a conversation takes its question out, as the scan would
    from apps.chat.models import Conversation

    conversation = Conversation.all_tenants.get(pk=conversations[-1])
    conversation_delete(conversation=conversation, user=conversation.user)
    assert frequent_questions(org=org, lang="es", limit=5) == scan(org, "es", 5)
    # And a rebuild from the messages agrees with what was maintained
    maintained = frequent_questions(org=org, lang="es", limit=5)
    question_stats_rebuild(org=org)
    assert frequent_questions(org=org, lang="es", limit=5) == maintained


def _page_queries(client) -> list[str]:  # noqa: ANN001
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/chat/").status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_the_chat_page_does_not_scan_the_history(client, member, django_assert_max_num_queries):
    analista = member("acme", "analista")
    client.force_login(analista.user)
    ask(membership=analista, question=QUESTIONS[0])
    before = _page_queries(client)
    # When the history grows by 400 answered messages from two people
    conversation = Message.all_tenants.filter(organization=analista.organization).first()
    template = Message.all_tenants.get(pk=conversation.pk)
    others = [member("acme", "cientifica"), analista]
    for n in range(400):
        who = others[n % 2]
        conv = template.conversation
        if who.user_id != conv.user_id:
            from apps.chat.models import Conversation

            conv = Conversation.all_tenants.create(organization=who.organization, user=who.user)
        Message.all_tenants.create(
            organization=who.organization,
            conversation=conv,
            question=QUESTIONS[n % len(QUESTIONS)],
            answer_type="SQL",
            answer={"lang": "es"},
        )
    question_stats_rebuild(org=analista.organization)
    # Then the page runs no more queries than before, and none of them reads the messages
    with django_assert_max_num_queries(len(before)):
        after = _page_queries(client)
    scans = [s for s in after if 'GROUP BY "chat_message"."question"' in s]
    assert not scans, scans
    assert frequent_questions(org=analista.organization, lang="es") == scan(
        analista.organization, "es"
    )
