"""An attacker's probe of branch `h-values2`'s readings, with an analyst's login on an org of
their own: codes of a reference table read as values ("orders with the code PD") and adjectives
of nationality read as the country they pertain to ("French people", "personas francesas").
A masked column's values must be neither revealed nor confirmed: a guessed value gets the same
answer whether some row holds it or not (a twin org whose data lacks it)."""

from __future__ import annotations

import pytest

from apps.chat import semantic_cache as chat_semantic
from apps.chat.pipeline import ask
from apps.governance.models import Membership
from apps.knowledge import selectors
from apps.knowledge.models import DataSource
from tests.support.probe_orgs import answer_shape as _shape
from tests.support.probe_orgs import sqlite_org

pytestmark = pytest.mark.django_db

SCRIPT = """
CREATE TABLE ref_status (status_code CHAR(4) PRIMARY KEY, status_description TEXT);
CREATE TABLE people (person_id INTEGER PRIMARY KEY, first_name TEXT, country TEXT, age INTEGER);
CREATE TABLE orders (order_id INTEGER PRIMARY KEY, person_id INTEGER REFERENCES people(person_id),
    status_code CHAR(4) REFERENCES ref_status(status_code), amount REAL);
"""
STATUS = [("PD", "Paid"), ("OP", "Open"), ("CX", "Cancelled")]
PEOPLE = [(1, "Zelda", "Spain", 31), (2, "Wanda", "France", 28), (3, "Vera", "France", 40)]
ORDERS = [(1, 1, "PD", 10.0), (2, 2, "OP", 20.0), (3, 3, "PD", 5.0), (4, 1, "CX", 7.0)]


@pytest.fixture(autouse=True)
def _fresh_memos():
    selectors._snapshot_cache.clear()
    chat_semantic._models.clear()
    yield
    selectors._snapshot_cache.clear()
    chat_semantic._models.clear()


def _org(slug: str, rows: dict, masked: list[str]) -> DataSource:
    return sqlite_org(slug, SCRIPT, rows, tuple(masked), admin=False)


def _ask(source: DataSource, question: str) -> dict:
    member = Membership.all_tenants.get(
        organization=source.organization,
        user__username=f"{source.organization.slug}-analyst",
    )
    return ask(membership=member, question=question, channel="cli")


@pytest.mark.parametrize(
    "question",
    [
        "How many French people are there?",
        "What is the average age of the French people?",
        "¿Cuántas personas francesas hay?",
        "people who are not French",
    ],
)
def test_a_nationality_of_a_masked_country_is_no_oracle(question: str) -> None:
    """people.country masked: "French" reads the same whether some row holds 'France'."""
    masked = ["people.country"]
    here = _org("probev1", {"ref_status": STATUS, "people": PEOPLE, "orders": ORDERS}, masked)
    people = [(i, n, "Belgium" if c == "France" else c, a) for i, n, c, a in PEOPLE]
    there = _org("probev2", {"ref_status": STATUS, "people": people, "orders": ORDERS}, masked)
    a, b = _ask(here, question), _ask(there, question)
    assert _shape(a) == _shape(b), (a["answer"], a["sql"], b["answer"])
    assert a["answer"] == b["answer"]
    assert "France" not in str(a) or "France" in question


@pytest.mark.parametrize(
    "question",
    [
        "How many orders have the status code PD?",
        "What is the total amount of orders with the code PD?",
        "¿Cuántos pedidos tienen el código PD?",
    ],
)
def test_a_masked_code_is_no_oracle(question: str) -> None:
    """Both status code columns masked: a guessed code reads the same whether it is held."""
    masked = ["orders.status_code", "ref_status.status_code"]
    here = _org("probev3", {"ref_status": STATUS, "people": PEOPLE, "orders": ORDERS}, masked)
    status = [("QQ" if c == "PD" else c, d) for c, d in STATUS]
    orders = [(i, p, "QQ" if c == "PD" else c, a) for i, p, c, a in ORDERS]
    there = _org("probev4", {"ref_status": status, "people": PEOPLE, "orders": orders}, masked)
    a, b = _ask(here, question), _ask(there, question)
    assert _shape(a) == _shape(b), (a["answer"], a["sql"], b["answer"])
    assert a["answer"] == b["answer"]


def test_an_unmasked_code_and_nationality_still_filter() -> None:
    """The admin's reading, for contrast: with nothing masked both rules read the value."""
    source = _org("probev5", {"ref_status": STATUS, "people": PEOPLE, "orders": ORDERS}, [])
    assert _ask(source, "How many orders have the status code PD?")["rows"] == [[2]]
    assert _ask(source, "How many French people are there?")["rows"] == [[2]]
