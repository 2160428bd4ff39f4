"""The offline engine matches the words of a question against the catalog's value index (the
distinct values of text columns). That index is the source's, not the caller's: a value of a
column the caller's policy masks must not be recognised for them, or the answer says whether a
word is one of the masked column's values (a refusal `column_masked` for "Sevilla", "not found"
for "Narnia"): the masked values, one guess at a time."""

from __future__ import annotations

import pytest

from apps.chat.pipeline import ask
from apps.governance.models import AccessPolicy

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
