"""Suggestions: follow-ups derived from the last result, and the org's frequent questions."""

from __future__ import annotations

import pytest

from apps.chat.pipeline import ask
from apps.chat.selectors import frequent_questions

pytestmark = pytest.mark.django_db


def test_sql_answers_offer_followups_that_the_engine_answers(member):
    analista = member("acme", "analista")
    first = ask(membership=analista, question="¿Cuál fue el total de ventas por región?")
    assert 1 <= len(first["suggestions"]) <= 3
    for suggestion in first["suggestions"]:
        follow = ask(
            membership=analista, question=suggestion, conversation_id=first["conversation_id"]
        )
        assert follow["type"] == "SQL", (suggestion, follow["answer"])
        assert follow["sql"] != first["sql"]


def test_english_questions_get_english_followups(member):
    answer = ask(membership=member("acme", "analista"), question="Revenue by channel")
    assert answer["suggestions"]
    assert all(not s.startswith(("Ahora", "Solo", "¿Y")) for s in answer["suggestions"])


def test_frequent_questions_need_two_people(member):
    org = member("acme", "analista").organization
    ask(membership=member("acme", "analista"), question="Ticket promedio por canal")
    ask(membership=member("acme", "analista"), question="Ticket promedio por canal")
    assert "Ticket promedio por canal" not in frequent_questions(org=org, lang="es")
    ask(membership=member("acme", "cientifica"), question="Ticket promedio por canal")
    assert frequent_questions(org=org, lang="es")[0] == "Ticket promedio por canal"
    assert frequent_questions(org=org, lang="en") == []
