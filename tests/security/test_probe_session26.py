"""An attacker's probe of session 26's changes, with an analyst's (and an org admin's) login on
an org of their own: the personal-data rule that now reads a name column naming a thing as no
person's ("Song_Name" of a singer), the neutral ask-back for a name no row has ("I can't find
“X” in the data" and the columns it offers), nested superlatives (`WHERE key = (SELECT key …
LIMIT 1)`), "or" ranges of one column, patterns after "the word"/"substring", dropped label
and filter columns, the confidence gate. A masked value is neither shown nor confirmed, row
filters hold inside the new subqueries, a pattern's text stays data, and odd inputs get an
answer or an ask-back, never an exception."""

from __future__ import annotations

import pytest

from apps.governance.models import AccessPolicy, Role
from apps.knowledge.engine.pii import name_is_pii, names_people
from apps.knowledge.models import DataSource
from tests.support.probe_orgs import answer_shape as _shape
from tests.support.probe_orgs import answer_text as _said
from tests.support.probe_orgs import ask_as as _ask
from tests.support.probe_orgs import filter_rows as _filter
from tests.support.probe_orgs import fresh_memos as _fresh_memos  # noqa: F401 (autouse)
from tests.support.probe_orgs import injection_is_data as _injection_is_data
from tests.support.probe_orgs import never_crashes as _never_crashes
from tests.support.probe_orgs import no_secret as _no_secret
from tests.support.probe_orgs import sqlite_org

pytestmark = pytest.mark.django_db

SCRIPT = """
CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, billing_name TEXT, card_name TEXT,
    account_name TEXT, city TEXT, score INTEGER);
CREATE TABLE singer (Singer_ID INTEGER PRIMARY KEY, Name TEXT, Song_Name TEXT, Age INTEGER,
    Country TEXT);
CREATE TABLE orders (order_id INTEGER PRIMARY KEY,
    customer_id INTEGER REFERENCES customers(customer_id), amount REAL, note TEXT);
"""
CUSTOMERS = [
    (1, "Zelda Quixote", "Zelda Quixote", "Zelda Quixote", "Madrid", 5),
    (2, "Yorick Oddbody", "Yorick Oddbody", "Yorick Oddbody", "Boston", 7),
    (3, "Xavier Pumble", "Xavier Pumble", "Xavier Pumble", "Madrid", 9),
    (4, "Wanda Trask", "Wanda Trask", "Wanda Trask", "Paris", 4),
]
SINGERS = [
    (1, "Joe Sharp", "You", 52, "Netherlands"),
    (2, "Timbaland", "Dangerous", 32, "United States"),
    (3, "Justin Brown", "Hey Oh", 29, "France"),
    (4, "Rose White", "Sun", 41, "France"),
]
ORDERS = [
    (1, 1, 10.0, "gift wrap"),
    (2, 2, 250.0, "leave at door"),
    (3, 3, 99.5, "fragile"),
    (4, 1, 400.0, "express"),
]
ROWS = {"customers": CUSTOMERS, "singer": SINGERS, "orders": ORDERS}
SECRETS = ("Zelda", "Yorick", "Xavier", "Wanda", "Quixote", "Oddbody", "Pumble", "Trask")


def _org(slug: str, rows: dict | None = None) -> DataSource:
    return sqlite_org(slug, SCRIPT, {**ROWS, **(rows or {})})


# --- 1. a name column naming a thing, in a table of people -------------------------------------

NAMES = ["Zelda Quixote", "Yorick Oddbody", "Xavier Pumble", "Wanda Trask", "Ana Ruiz"]


@pytest.mark.parametrize(
    "table, column",
    [
        ("customers", "billing_name"),
        ("customers", "card_name"),
        ("customers", "account_name"),
        ("customers", "name_on_card"),
        ("employees", "badge_name"),
        ("customers", "invoice_name"),
        ("customers", "delivery_name"),
        ("employees", "signature_name"),
    ],
)
def test_a_things_name_in_a_table_of_people_holding_peoples_names_is_personal(
    table: str, column: str
) -> None:
    """Session 26 unflags a name column whose words name a thing in a table of people
    ("Song_Name" of a singer): a billing, card or account name of a customer is the customer's
    own name, so its values decide (they look like "Firstname Lastname": personal)."""
    assert not name_is_pii(table, column)  # the name alone no longer says it
    assert names_people(column, NAMES, table=table)


def test_a_songs_name_stays_readable() -> None:
    """The rule's own case holds: song titles are no people's names."""
    songs = ["You", "Dangerous", "Hey Oh", "Sun", "Love Story"]
    assert not name_is_pii("singer", "Song_Name")
    assert not names_people("Song_Name", songs, table="singer")


def test_customers_billing_names_are_masked_for_the_analyst() -> None:
    """End to end: the analyst (personal data masked) sees no billing, card or account name,
    nor can confirm one by asking about it; the admin sees them."""
    source = _org("probe26a")
    seen = _ask(source, "list the billing names of all customers", "admin")
    assert "Zelda" in _said(seen), (seen["answer"], seen["sql"])
    for question in [
        "list the billing names of all customers",
        "all the information about customers",
        "list all customers",
        "the card name and city of each customer",
        "the account names of the customers in Madrid",
    ]:
        answer = _ask(source, question)
        _never_crashes(answer)
        _no_secret(answer, SECRETS)
