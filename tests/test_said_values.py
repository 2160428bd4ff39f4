"""A value the value index cannot hold (a personal column), said after its column's name: the
answer filters on it as written, asks back naming it when no row has it, and a role that may not
see the column gets the same refusal whether a row has the value or not (no existence oracle).
"""

from __future__ import annotations

import pytest

from apps.chat.pipeline import ask, run_query

pytestmark = pytest.mark.django_db

_QUESTION = "¿Cuántas ventas tiene el cliente con el email '{}'?"
_NOBODY = "nadie@example.invalid"


def test_a_personal_value_is_an_equality_and_asked_back_when_no_row_has_it(member):
    admin = member("acme", "admin")
    email = run_query(membership=admin, sql="SELECT email FROM clientes LIMIT 1")["rows"][0][0]
    found = ask(membership=admin, question=_QUESTION.format(email))
    assert found["type"] == "SQL" and found["rows"][0][0] > 0, found["answer"]
    assert "lower(" in found["sql"].lower()
    missing = ask(membership=admin, question=_QUESTION.format(_NOBODY))
    assert missing["type"] == "CLARIFY" and _NOBODY in missing["answer"], missing["answer"]
    assert len(missing["suggestions"]) >= 2


def test_a_role_without_the_personal_column_learns_nothing_of_its_values(member):
    admin, analista = member("acme", "admin"), member("acme", "analista")
    email = run_query(membership=admin, sql="SELECT email FROM clientes LIMIT 1")["rows"][0][0]
    known = ask(membership=analista, question=_QUESTION.format(email))
    unknown = ask(membership=analista, question=_QUESTION.format(_NOBODY))
    assert known["type"] == unknown["type"] == "REFUSED", (known["answer"], unknown["answer"])
    assert known["error"]["code"] == unknown["error"]["code"]
    assert email not in known["answer"] and not known["rows"]


def test_two_personal_values_of_one_column_are_asked_back_never_an_empty_answer(member):
    # Both e-mails exist, but one row holds one: ANDed they would find nothing, stated as a fact.
    admin = member("acme", "admin")
    rows = run_query(membership=admin, sql="SELECT email FROM clientes LIMIT 2")["rows"]
    first, second = rows[0][0], rows[1][0]
    question = (
        f"¿Cuántas ventas tienen el cliente con el email '{first}' y el cliente con el email "
        f"'{second}'?"
    )
    answer = ask(membership=admin, question=question)
    assert answer["type"] == "CLARIFY", (answer["answer"], answer.get("sql"))
