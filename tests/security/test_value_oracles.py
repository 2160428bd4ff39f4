"""The offline engine matches the words of a question against the catalog's value index (the
distinct values of text columns). That index is the source's, not the caller's: a value of a
column the caller's policy masks must not be recognised for them, or the answer says whether a
word is one of the masked column's values (a refusal `column_masked` for "Sevilla", "not found"
for "Narnia"): the masked values, one guess at a time."""

from __future__ import annotations

import pytest

from apps.chat.pipeline import ask
from apps.governance.models import AccessPolicy
from tests.llm.conftest import llm  # noqa: F401 - the model endpoint fixture
from tests.support.openai_stub import Reply

pytestmark = pytest.mark.django_db


def _reply(answer: dict) -> tuple:
    return answer["type"], (answer.get("error") or {}).get("code")


@pytest.mark.parametrize(
    "template", ["¿Cuántos clientes hay en {}?", "ventas de clientes de {}", "ventas en {}"]
)
def test_a_masked_columns_values_are_no_oracle(member, template: str) -> None:
    analista = member("acme", "analista")
    policy = AccessPolicy.all_tenants.for_org(analista.organization).get(role="ANALYST")
    policy.masked_columns = [*policy.masked_columns, "clientes.ciudad"]
    policy.save()
    real = ask(membership=analista, question=template.format("Sevilla"), channel="cli")
    made_up = ask(membership=analista, question=template.format("Narnia"), channel="cli")
    assert _reply(real) == _reply(made_up), (real["answer"], made_up["answer"])
    assert "ciudad" not in real["answer"] and "Sevilla" not in str(real.get("intent"))


def test_an_unmasked_column_still_filters(member) -> None:
    analista = member("acme", "analista")
    answer = ask(membership=analista, question="¿Cuántos clientes hay en Sevilla?", channel="cli")
    assert answer["type"] == "SQL" and "'Sevilla'" in answer["sql"]


def test_a_hidden_tables_values_are_no_oracle(member) -> None:
    """The viewer sees `ventas` and `productos` only: a city (a `clientes.ciudad` value) in a
    question about sales is unknown to them, exactly as a made-up word is."""
    visor = member("acme", "visor")
    real = ask(membership=visor, question="ventas en Sevilla", channel="cli")
    made_up = ask(membership=visor, question="ventas en Narnia", channel="cli")
    assert _reply(real) == _reply(made_up), (real["answer"], made_up["answer"])
    assert "clientes" not in real["answer"]


def test_a_value_only_in_rows_the_row_filter_hides_is_no_oracle(member) -> None:
    """An analyst who sees only the customers of region Norte: a city whose customers are all
    in Sur is unknown to them, as a made-up word is (not "0 customers in Sevilla", which
    confirms Sevilla's customers exist); a city of their own rows still filters."""
    analista = member("acme", "analista")
    policy = AccessPolicy.all_tenants.for_org(analista.organization).get(role="ANALYST")
    policy.row_filters = [{"table": "clientes", "column": "region", "value": "Norte"}]
    policy.save()
    template = "¿Cuántos clientes hay en {}?"
    hidden = ask(membership=analista, question=template.format("Sevilla"), channel="cli")
    made_up = ask(membership=analista, question=template.format("Narnia"), channel="cli")
    assert _reply(hidden) == _reply(made_up), (hidden["answer"], made_up["answer"])
    visible = ask(membership=analista, question=template.format("Bilbao"), channel="cli")
    assert visible["type"] == "SQL" and "'Bilbao'" in visible["sql"]
    assert visible["rows"][0][0] > 0


def test_the_llm_prompt_offers_only_values_of_the_rows_the_caller_sees(member, llm) -> None:  # noqa: ANN001, F811
    """With a model, the prompt's VALUES come from the same caller view: a city of the rows the
    row filter hides is not offered as found in the data; one of the caller's own rows is."""
    analista = member("acme", "analista")
    policy = AccessPolicy.all_tenants.for_org(analista.organization).get(role="ANALYST")
    policy.row_filters = [{"table": "clientes", "column": "region", "value": "Norte"}]
    policy.save()
    reply = {
        "intent": "AGGREGATION",
        "confidence": 0.9,
        "reasoning": "count",
        "plan": "SQL",
        "sql": "SELECT COUNT(*) FROM clientes",
        "chart": "auto",
        "clarify_question": None,
        "suggestions": [],
        "rewritten_question": None,
    }
    llm.enqueue(Reply.json(reply), Reply.json(reply))
    ask(membership=analista, question="¿Cuántos clientes hay en Sevilla?", channel="cli")
    ask(membership=analista, question="¿Cuántos clientes hay en Bilbao?", channel="cli")
    hidden, visible = (r.message_text() for r in llm.requests[:2])
    assert '"Sevilla"' not in hidden
    assert 'clientes.ciudad = "Bilbao"' in visible


def test_a_columns_listed_values_are_those_of_the_rows_the_caller_sees(member) -> None:
    """ "Which values does ciudad take?" answered from the catalog lists, to a caller who sees
    only region Norte, the cities of Norte's customers, not those of the rows hidden from them."""
    analista = member("acme", "analista")
    policy = AccessPolicy.all_tenants.for_org(analista.organization).get(role="ANALYST")
    policy.row_filters = [{"table": "clientes", "column": "region", "value": "Norte"}]
    policy.save()
    answer = ask(membership=analista, question="¿Qué valores tiene la columna ciudad de clientes?")
    assert answer["type"] == "RAG", answer["answer"]
    assert "Bilbao" in answer["answer"] and "Sevilla" not in answer["answer"]
