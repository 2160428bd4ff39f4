"""Issue 13: verbs the catalog does not know, third round (pure tests, no Django).

A relation verb after the perfect auxiliary "have" ("leaders that *have* led more than one
band"); the answer says which foreign key a relation verb was read as; where two foreign keys
link the same two tables, the one whose column says the verb (`manager_id` for "managed") or
else the one plain key (`shop_id`, not `manager_id`) is joined through, and when nothing
decides the verb is asked back; an irregular verb form (WordNet's exception list: "taught",
"led") is a verb of a year. Small schemas of their own, built here.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_verbs3.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_reads
from datachat import text as tx

_SCHEMA = """
    CREATE TABLE leaders (leader_id INTEGER PRIMARY KEY, name TEXT, age INTEGER);
    CREATE TABLE bands (band_id INTEGER PRIMARY KEY, band TEXT, founded_year INTEGER,
        label TEXT, leader_id INTEGER REFERENCES leaders(leader_id));
    CREATE TABLE shops (shop_id INTEGER PRIMARY KEY, name TEXT,
        manager_id INTEGER REFERENCES clerks(clerk_id));
    CREATE TABLE clerks (clerk_id INTEGER PRIMARY KEY, name TEXT,
        shop_id INTEGER REFERENCES shops(shop_id));
    CREATE TABLE ports (port_id INTEGER PRIMARY KEY, port TEXT);
    CREATE TABLE ferries (ferry_id INTEGER PRIMARY KEY, ferry TEXT,
        origin_port_id INTEGER REFERENCES ports(port_id),
        destination_port_id INTEGER REFERENCES ports(port_id));
    CREATE TABLE lessons (lesson_id INTEGER PRIMARY KEY, topic TEXT, lesson_year INTEGER);
"""
_ROWS = {
    "leaders": [(1, "Ada Quill", 50), (2, "Bo Rask", 40), (3, "Cy Moss", 60)],
    "bands": [
        (1, "Red Owls", 2001, "Vox", 1),
        (2, "Blue Elms", 2010, "Vox", 1),
        (3, "Grey Pines", 2012, "Orb", 2),
    ],
    "shops": [(1, "North", 2), (2, "South", 3)],
    "clerks": [(1, "Ann Lee", 1), (2, "Ben Orr", 1), (3, "Cal Ray", 2), (4, "Dee Fox", 2)],
    "ports": [(1, "Oslo"), (2, "Kiel"), (3, "Riga")],
    "ferries": [(1, "Swan", 1, 2), (2, "Gull", 1, 3), (3, "Tern", 2, 3)],
    "lessons": [(1, "algebra", 1999), (2, "botany", 2005), (3, "chemistry", 2011)],
}


@pytest.fixture(scope="module")
def town(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("verbs3") / "town.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


def _rows(town, question: str) -> list:  # noqa: ANN001
    model, conn = town
    result = engine_reads(model, question)
    return sorted(row[0] for row in conn.execute(result.sql).fetchall())


def test_relation_verb_after_perfect_have_is_the_join(town) -> None:  # noqa: ANN001
    assert _rows(town, "Show the names of leaders that have led more than one band.") == [
        "Ada Quill"
    ]
    assert _rows(town, "What are the names of leaders who have led bands founded after 2005?") == [
        "Ada Quill",
        "Bo Rask",
    ]


def test_verb_of_each_value_of_a_column_of_the_counted_rows_is_their_count(town) -> None:  # noqa: ANN001
    model, conn = town
    result = engine_reads(model, "How many bands does each label sign?")
    assert sorted(conn.execute(result.sql).fetchall()) == [("Orb", 1), ("Vox", 2)]


def test_reading_says_the_foreign_key_of_a_relation_verb(town) -> None:  # noqa: ANN001
    model, _conn = town
    result = engine_reads(model, "Show the names of leaders that have led more than one band.")
    assert "led → bands.leader_id" in result.reading


def test_verb_said_by_one_of_two_keys_joins_through_it(town) -> None:  # noqa: ANN001
    model, conn = town
    result = engine_reads(model, "Which shops are managed by 'Ben Orr'?")
    assert "manager_id" in result.sql and "managed → shops.manager_id" in result.reading
    assert sorted(r[0] for r in conn.execute(result.sql).fetchall()) == ["North"]


def test_verb_said_by_no_key_takes_the_one_plain_key(town) -> None:  # noqa: ANN001
    model, conn = town
    result = engine_reads(model, "Which clerks work at the shop 'South'?")
    assert "clerks.shop_id" in result.sql
    assert sorted(r[0] for r in conn.execute(result.sql).fetchall()) == ["Cal Ray", "Dee Fox"]


def test_two_keys_and_nothing_deciding_is_asked_back(town) -> None:  # noqa: ANN001
    model, _conn = town
    result = engine_asks(model, "Which ports are served by more than 1 ferry?")
    assert "served" in result.clarify


def test_irregular_verb_form_before_a_year_is_the_year_column(town) -> None:  # noqa: ANN001
    model, _conn = town
    assert _rows(town, "What are the topics of lessons taught after 2000?") == [
        "botany",
        "chemistry",
    ]
    result = engine_reads(model, "What are the topics of lessons taught after 2000?")
    assert "taught → lesson_year" in result.reading


def test_irregular_verb_forms_have_their_base_form() -> None:
    assert tx.verb_lemma("lost") == "lose"
    assert tx.verb_lemma("taught") == "teach"
    assert tx.verb_lemma("conducted") is None  # regular: the stemmer's
