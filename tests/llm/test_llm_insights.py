"""HYBRID and why-questions with an LLM configured (the real local OpenAI-compatible stub).

A HYBRID question costs one structured call and one retrieval: the model's SQL through the guard,
the definition from the knowledge base with its source. A why-question costs no call at all: the
decomposition is arithmetic over guarded queries, the same as offline.
"""

from __future__ import annotations

import pytest

from apps.chat.engine.decompose import parts_add_up
from apps.chat.pipeline import ask
from tests.llm.test_llm_pipeline import rows_as_set, structured
from tests.support.openai_stub import OpenAIStub, Reply

pytestmark = pytest.mark.django_db

SQL = "SELECT canal, ROUND(AVG(total), 2) AS ticket FROM ventas GROUP BY canal"


@pytest.mark.parametrize("plan", ["HYBRID", "SQL"])
def test_hybrid_question_is_one_call_with_the_definition_and_its_source(
    llm: OpenAIStub, member, demo_rows, plan
):
    llm.enqueue(Reply.json(structured(sql=SQL, plan=plan)))

    answer = ask(
        membership=member("acme", "analista"),
        question="Explain what the average ticket is and show it by sales channel",
    )

    assert llm.chat_calls == 1
    assert answer["type"] == "HYBRID" and answer["llm"]["provider"] == "openai"
    assert answer["sources"] == answer["definition"]["sources"]
    assert answer["sources"][0]["title"] == "Métrica: Ticket promedio"
    assert answer["answer"].index("AVG(ventas.total)") < answer["answer"].index("**Source:**")
    assert rows_as_set(answer["rows"]) == rows_as_set(
        demo_rows("SELECT canal, ROUND(AVG(total), 2) FROM ventas GROUP BY canal")
    )


def test_why_question_costs_no_model_call(llm: OpenAIStub, member):
    answer = ask(
        membership=member("acme", "analista"), question="Why did revenue drop in February 2025?"
    )

    assert llm.chat_calls == 0
    assert answer["type"] == "SQL" and parts_add_up(answer["decomposition"])
    assert answer["chart"]["type"] == "waterfall"


def test_over_budget_a_hybrid_question_is_answered_offline_still_hybrid(llm: OpenAIStub, member):
    from apps.governance.models import Organization

    acme = Organization.objects.get(slug="acme")
    acme.llm_monthly_token_budget = 100
    acme.save(update_fields=["llm_monthly_token_budget"])
    llm.enqueue(Reply.json(structured(), prompt_tokens=900, completion_tokens=80))
    ask(membership=member("acme", "analista"), question="¿Cuál fue el total de ventas por región?")
    assert llm.chat_calls == 1  # the budget is now used up

    answer = ask(
        membership=member("acme", "analista"),
        question="¿Qué es el ticket promedio y cuánto fue en 2025?",
    )

    assert llm.chat_calls == 1
    assert answer["type"] == "HYBRID" and answer["sources"] and answer["rows"]
    assert answer["llm"]["provider"] == "offline (fallback: llm_budget_exhausted)"
    assert "presupuesto mensual" in answer["answer"]
