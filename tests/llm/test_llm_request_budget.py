"""The LLM's timeouts stay within the request budget (issue 15, seen 7): with a model endpoint
that hangs, a question still ends within DATACHAT_LLM_REQUEST_BUDGET (plus the offline answer),
and its message and audit entry are written. Before, a 20 s timeout with 2 retries could outlive
the web worker's 30 s timeout, and then neither was."""

from __future__ import annotations

import time

import pytest

from apps.chat import llm_path
from apps.chat.models import Message
from apps.chat.pipeline import ask
from apps.governance.models import AuditEntry
from tests.support.openai_stub import Reply

pytestmark = pytest.mark.django_db


def test_a_hanging_model_ends_within_the_request_budget(llm, member, llm_env):
    # Given a model endpoint that hangs for a minute on every request, a per-request timeout
    # and retries that together would take 3 × 3 s + backoff, and a budget of 2 s
    llm.set_handler(lambda body: Reply.slow(60))
    llm_env.set(DATACHAT_LLM_TIMEOUT="3")
    llm_env.set(DATACHAT_LLM_MAX_RETRIES="2")
    llm_env.set(DATACHAT_LLM_REQUEST_BUDGET="2")
    llm_path.reset()
    entries = AuditEntry.objects.count()
    # When a member asks a question
    started = time.monotonic()
    answer = ask(membership=member("acme", "analista"), question="Ventas por región")
    elapsed = time.monotonic() - started
    # Then the question ends soon after the budget, answered offline, and both records exist
    assert elapsed < 2 + 2.5, f"{elapsed:.1f} s with a 2 s budget"
    assert answer["llm"]["provider"].startswith("offline (fallback:")
    assert Message.all_tenants.filter(pk=answer["message_id"]).exists()
    assert AuditEntry.objects.count() == entries + 1
    assert llm.chat_calls >= 1


def test_the_budget_is_read_from_the_environment():
    from datachat.providers.llm import LLMConfig

    assert LLMConfig.from_env({}).request_budget_s == 25.0
    assert LLMConfig.from_env({"DATACHAT_LLM_REQUEST_BUDGET": "12"}).request_budget_s == 12.0
    with pytest.raises(ValueError):
        LLMConfig.from_env({"DATACHAT_LLM_REQUEST_BUDGET": "0"})
