"""Issue 13, Northwind's readings as kinds, second round (branch `h-nwind2`; pure tests, no Django).

An invented seed shop: `Buyers` (firms), `Clerks` (people), `Tickets` (the order headers),
`TicketLines` (a seed and how many units of it a ticket took) and `Seeds` (priced items).

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_nwind2.py
"""

from __future__ import annotations

import pytest

from apps.chat.engine.offline.parser import Clarify
from apps.chat.tests.support import engine_asks, engine_database, engine_reads

SCHEMA = """
CREATE TABLE Buyers (BuyerID TEXT PRIMARY KEY, FirmName TEXT, Town TEXT);
CREATE TABLE Clerks (ClerkID INTEGER PRIMARY KEY, FirstName TEXT, LastName TEXT);
CREATE TABLE Seeds (SeedID INTEGER PRIMARY KEY, SeedName TEXT, UnitPrice REAL);
CREATE TABLE Tickets (TicketID INTEGER PRIMARY KEY, BuyerID TEXT REFERENCES Buyers(BuyerID),
    ClerkID INTEGER REFERENCES Clerks(ClerkID), TicketDate TEXT);
CREATE TABLE TicketLines (TicketID INTEGER REFERENCES Tickets(TicketID),
    SeedID INTEGER REFERENCES Seeds(SeedID), Quantity INTEGER,
    PRIMARY KEY (TicketID, SeedID));
"""

ROWS = {
    "Buyers": [("GRN", "Green Acres", "Leeds"), ("ROOT", "Root & Co", "York")],
    "Clerks": [(1, "Ada", "Moss"), (2, "Ben", "Hale")],
    "Seeds": [(1, "Basil", 2.5), (2, "Thyme", 3.0), (3, "Sage", 1.5)],
    "Tickets": [
        (10, "GRN", 1, "2024-03-01"),
        (11, "GRN", 2, "2024-03-02"),
        (12, "ROOT", 1, "2024-03-03"),
    ],
    "TicketLines": [(10, 1, 40), (10, 2, 1), (11, 3, 2), (12, 1, 1)],
}


@pytest.fixture(scope="module")
def shop(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("seeds") / "seeds.db", SCHEMA, ROWS)
    yield model, conn
    conn.close()


def test_the_most_items_through_lines_with_a_quantity_is_asked_back(shop) -> None:  # noqa: ANN001
    """ "the buyers who have ordered the most seeds": the distinct seeds (GRN: 3) or the units
    (GRN: 43)? Both are readings of it; the lines say how many units each took."""
    model, _conn = shop
    result = engine_asks(model, "Find the top 1 buyers who have ordered the most seeds")
    assert Clarify.ITEMS_OR_UNITS in result.notes


def test_taken_is_a_filler_verb_like_take(shop) -> None:  # noqa: ANN001
    """ "the number of tickets each clerk has taken": as "processed" or "placed", the verb says
    no more than the link."""
    model, conn = shop
    result = engine_reads(model, "List the clerks and the number of tickets each clerk has taken")
    rows = conn.execute(result.sql).fetchall()
    assert sorted(row[-1] for row in rows) == [1, 2]
    assert any("Ada Moss" in map(str, row) for row in rows)


def test_the_most_of_an_item_named_through_lines_with_a_quantity_is_asked_back(shop) -> None:  # noqa: ANN001
    """ "the buyer who has ordered the most 'Basil'": ROOT has as many tickets of it as GRN
    (one each) but GRN took 40 units: the most tickets, or the most units?"""
    model, _conn = shop
    result = engine_asks(model, "Find the buyer who has ordered the most 'Basil' seed")
    assert Clarify.ORDERS_OR_UNITS in result.notes
