"""The monthly LLM token budget per organization, against the local OpenAI-compatible server.

Once an org's month-to-date tokens (what its answers recorded) reach its budget, questions are
answered by the offline engine with a note, no call is made, and `llm.provider` says why; other
orgs, and orgs without a budget, are not affected; a new month starts from zero."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.chat.llm_budget import llm_tokens_this_month
from apps.chat.models import Message
from apps.chat.pipeline import ask
from apps.governance.models import AuditEntry, Organization
from tests.llm.test_llm_pipeline import GOOD_SQL, QUESTION, structured
from tests.support.openai_stub import OpenAIStub, Reply

pytestmark = pytest.mark.django_db

SECOND = "Top 3 productos por ingresos"
THIRD = "¿Cuál fue el total de ventas por canal?"


def _budget(slug: str, tokens: int | None) -> Organization:
    org = Organization.objects.get(slug=slug)
    org.llm_monthly_token_budget = tokens
    org.save(update_fields=["llm_monthly_token_budget"])
    return org


def test_over_budget_no_call_is_made_and_the_offline_engine_answers(llm: OpenAIStub, member):
    # Given acme may use 1,000 tokens a month, and a first question used 980 of them
    acme = _budget("acme", 1000)
    analista = member("acme", "analista")
    llm.enqueue(Reply.json(structured(), prompt_tokens=900, completion_tokens=80))
    first = ask(membership=analista, question=QUESTION)
    assert first["llm"]["provider"] == "openai" and llm.chat_calls == 1
    assert llm_tokens_this_month(org=acme) == 980
    # When a second question still fits (980 < 1,000), it goes to the model and passes the budget
    llm.enqueue(Reply.json(structured(GOOD_SQL), prompt_tokens=300, completion_tokens=20))
    second = ask(membership=analista, question=SECOND)
    assert second["llm"]["provider"] == "openai" and llm.chat_calls == 2
    assert llm_tokens_this_month(org=acme) == 1300
    # Then the third is answered without any call, from the offline engine, saying why
    third = ask(membership=member("acme", "cientifica"), question=THIRD)
    assert llm.chat_calls == 2
    assert third["type"] == "SQL" and third["rows"]
    assert third["llm"]["provider"] == "offline (fallback: llm_budget_exhausted)"
    assert third["llm"]["calls"] == 0 and third["llm"]["prompt_tokens"] == 0
    assert "presupuesto mensual" in third["answer"]
    entry = AuditEntry.objects.filter(organization=acme).latest("seq")
    assert entry.details["llm"]["fallback"] == "llm_budget_exhausted"


def test_the_count_survives_a_cache_loss_and_is_per_org(llm: OpenAIStub, member):
    acme = _budget("acme", 500)
    llm.enqueue(Reply.json(structured(), prompt_tokens=450, completion_tokens=60))
    ask(membership=member("acme", "analista"), question=QUESTION)
    cache.clear()  # the count is recomputed from the stored answers
    assert llm_tokens_this_month(org=acme) == 510
    over = ask(membership=member("acme", "analista"), question=THIRD)
    assert over["llm"]["provider"] == "offline (fallback: llm_budget_exhausted)"
    assert llm.chat_calls == 1
    # globex has no budget: it still asks the model
    llm.enqueue(Reply.json(structured("SELECT COUNT(*) FROM pedidos"), prompt_tokens=10))
    other = ask(membership=member("globex", "globex_analyst"), question="¿Cuántos pedidos hay?")
    assert other["llm"]["provider"] == "openai" and llm.chat_calls == 2


def test_a_question_the_offline_engine_cannot_answer_asks_back_with_the_note(
    llm: OpenAIStub, member
):
    acme = _budget("acme", 1)
    llm.enqueue(Reply.json(structured(), prompt_tokens=5, completion_tokens=1))
    ask(membership=member("acme", "analista"), question=QUESTION)
    vague = ask(membership=member("acme", "analista"), question="¿Qué tal van las cosas?")
    assert llm.chat_calls == 1
    # The offline engine asks back (with rewrites it can answer) rather than guess; the note
    # says the model is not available this month, so a person knows why the answer is limited.
    assert vague["type"] == "CLARIFY"
    assert vague["suggestions"]
    assert "presupuesto mensual" in vague["answer"]
    assert vague["llm"]["provider"] == "offline (fallback: llm_budget_exhausted)"
    assert llm_tokens_this_month(org=acme) == 6


def test_last_months_usage_does_not_count(llm: OpenAIStub, member):
    acme = _budget("acme", 1000)
    llm.enqueue(Reply.json(structured(), prompt_tokens=2000, completion_tokens=0))
    first = ask(membership=member("acme", "analista"), question=QUESTION)
    last_month = timezone.now().replace(day=1) - dt.timedelta(days=2)
    Message.all_tenants.filter(pk=first["message_id"]).update(created_at=last_month)
    cache.clear()
    assert llm_tokens_this_month(org=acme) == 0
    llm.enqueue(Reply.json(structured(GOOD_SQL), prompt_tokens=10))
    assert ask(membership=member("acme", "analista"), question=SECOND)["llm"]["provider"] == (
        "openai"
    )


def test_no_budget_means_no_limit(llm: OpenAIStub, member):
    _budget("acme", None)
    llm.enqueue(Reply.json(structured(), prompt_tokens=10**9, completion_tokens=0))
    ask(membership=member("acme", "analista"), question=QUESTION)
    llm.enqueue(Reply.json(structured(GOOD_SQL), prompt_tokens=10))
    answer = ask(membership=member("acme", "analista"), question=SECOND)
    assert answer["llm"]["provider"] == "openai" and llm.chat_calls == 2
