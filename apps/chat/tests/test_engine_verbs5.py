"""Issue 13: verbs the catalog does not know, fifth round (pure tests, no Django).

A participle ending a count question ("How many bulletins are *published*?") says only that
the rows exist, unless a table or column is named by the verb; "ended up being" is "were"; a
verb followed by a word that names a year column ("islands that *became sovereign* after
1950") is that column; a verb before a value of the entity's own table ("stations that do not
*use* Breton") is that value, no join; a participle the catalog reads as the link table
between two entities ("guests who have not *booked* any hall") is that join. A small schema
of its own, built here.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_verbs5.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_reads, engine_rows

_SCHEMA = """
    CREATE TABLE bulletins (bulletin_id INTEGER PRIMARY KEY, title TEXT, pages INTEGER);
    CREATE TABLE parcels (parcel_id INTEGER PRIMARY KEY, weight INTEGER, shipped_date DATE);
    CREATE TABLE guilds (guild_id INTEGER PRIMARY KEY, guild_name TEXT, guild_level TEXT);
    CREATE TABLE vessels (vessel_id INTEGER PRIMARY KEY, name TEXT, fate TEXT);
    CREATE TABLE islands (island_id INTEGER PRIMARY KEY, name TEXT, sovereign_year INTEGER,
        settled_year INTEGER, regime TEXT);
    CREATE TABLE stations (station_id INTEGER PRIMARY KEY, callsign TEXT, language TEXT);
    CREATE TABLE guests (guest_id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE halls (hall_id INTEGER PRIMARY KEY, hall_name TEXT, seats INTEGER);
    CREATE TABLE booking (guest_id INTEGER REFERENCES guests(guest_id),
        hall_id INTEGER REFERENCES halls(hall_id), nights INTEGER,
        PRIMARY KEY (guest_id, hall_id));
    CREATE TABLE clients (client_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
        email TEXT);
    CREATE TABLE agents (agent_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
        region TEXT);
    CREATE TABLE sales (sale_id INTEGER PRIMARY KEY, client_id INTEGER REFERENCES
        clients(client_id), agent_id INTEGER REFERENCES agents(agent_id), amount REAL);
    CREATE TABLE makers (maker_id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE gadgets (gadget_id INTEGER PRIMARY KEY, title TEXT,
        maker_id INTEGER REFERENCES makers(maker_id));
"""
_ROWS = {
    "bulletins": [(1, "Spring", 10), (2, "Summer", 12), (3, "Autumn", 8)],
    "parcels": [(1, 5, "2014-01-02"), (2, 7, None)],
    "guilds": [(1, "Masons", "High"), (2, "Masons", "Low"), (3, "Weavers", "High")],
    "vessels": [(1, "Swift", "Sunk"), (2, "Gale", "Scrapped"), (3, "Tern", "Sunk")],
    "islands": [
        (1, "Aro", 1960, 1700, "Sovereign Council"),
        (2, "Bel", 1901, 1650, "Crown"),
        (3, "Cay", 1975, 1800, "Crown"),
    ],
    "stations": [(1, "KXA", "Welsh"), (2, "KXB", "Welsh"), (3, "KXC", "Breton")],
    "guests": [(1, "Ann"), (2, "Bob"), (3, "Cid")],
    "halls": [(1, "Rose", 40), (2, "Iris", 90)],
    "booking": [(1, 1, 2), (1, 2, 1), (3, 2, 4)],
    "clients": [(1, "Ann", "Cole", "ann@x.org"), (2, "Bo", "Dunn", "bo@x.org")],
    "agents": [(1, "Cy", "Enz", "North"), (2, "Di", "Fox", "South")],
    "sales": [(1, 1, 1, 10.0), (2, 1, 2, 30.0), (3, 2, 2, 5.0)],
    "makers": [(1, "Acme"), (2, "Bolt")],
    "gadgets": [(1, "Cog", 1), (2, "Gear", 1), (3, "Nut", 2)],
}


@pytest.fixture(scope="module")
def town(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("verbs5") / "town.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


# --- a participle that only says the rows exist ------------------------------------------------


def test_participle_ending_a_count_says_the_rows_exist(town) -> None:  # noqa: ANN001
    assert engine_rows(town, "How many bulletins are published?") == [(3,)]


def test_participle_after_a_column_said_as_different_counts_its_values(town) -> None:  # noqa: ANN001
    assert engine_rows(town, "How many different guild names are offered?") == [(2,)]


def test_participle_after_different_rows_of_a_table_is_asked_back(town) -> None:  # noqa: ANN001
    # "different guilds": two rows share a name, so rows and names give two answers
    model, _conn = town
    assert "offered" in engine_asks(model, "How many different guilds are offered?").clarify


def test_participle_a_column_is_named_by_is_asked_back(town) -> None:  # noqa: ANN001
    # `shipped_date`: "shipped" may mean the parcels with a date, not all of them
    model, _conn = town
    assert "shipped" in engine_asks(model, "How many parcels are shipped?").clarify


def test_negated_participle_is_asked_back(town) -> None:  # noqa: ANN001
    model, _conn = town
    assert "published" in engine_asks(model, "How many bulletins are not published?").clarify


# --- "ended up being" ----------------------------------------------------------------------------


def test_ended_up_being_is_were(town) -> None:  # noqa: ANN001
    assert engine_rows(town, "How many vessels ended up being 'Sunk'?") == [(2,)]


# --- a verb and a word that names a year column ------------------------------------------------


def test_verb_and_a_word_naming_a_year_column_compare_that_column(town) -> None:  # noqa: ANN001
    model, _conn = town
    question = "What are the names of the islands that became sovereign after 1950?"
    result = engine_reads(model, question)
    assert "sovereign_year" in result.sql and "regime" not in result.sql.lower()
    assert "became sovereign → sovereign_year" in result.reading
    assert sorted(engine_rows(town, question)) == [("Aro",), ("Cay",)]


def test_verb_and_a_word_naming_no_year_column_is_asked_back(town) -> None:  # noqa: ANN001
    # two year columns, and "famous" names neither
    model, _conn = town
    engine_asks(model, "What are the names of the islands that became famous after 1950?")


# --- a verb before a value of the entity's own table --------------------------------------------


def test_negated_verb_before_an_own_value_is_that_value_negated(town) -> None:  # noqa: ANN001
    model, _conn = town
    result = engine_reads(model, "List the callsigns of the stations that do not use Breton.")
    assert "JOIN" not in result.sql
    assert sorted(engine_rows(town, "How many stations do not use Welsh?")) == [(1,)]
    assert engine_rows(town, "List the callsigns of the stations that use Breton.") == [("KXC",)]


# --- a participle that names the link table ----------------------------------------------------


def test_participle_naming_the_link_table_is_its_join(town) -> None:  # noqa: ANN001
    question = "List the names of guests who have not booked any hall."
    assert engine_rows(town, question) == [("Bob",)]


def test_participle_naming_the_link_table_between_other_tables_is_kept(town) -> None:  # noqa: ANN001
    # "vessels" and "halls" are not what `booking` links: the word is not taken out
    model, _conn = town
    engine_asks(model, "List the names of vessels that have not booked any hall.")


# --- "his or her" for the one table of people the question names ------------------------------


def test_his_or_her_is_the_one_person_asked_about(town) -> None:  # noqa: ANN001
    question = (
        "Which client has the largest total amount? List his or her first name and last name."
    )
    result = engine_reads(town[0], question)
    assert "clients.first_name" in result.sql and "agents" not in result.sql
    assert engine_rows(town, question) == [("Ann", "Cole")]
    # without the pronoun, "first name" is the clients' or the agents': asked back
    engine_asks(town[0], "Which client has the largest total amount? List the first name.")


def test_her_with_two_tables_of_people_is_asked_back(town) -> None:  # noqa: ANN001
    model, _conn = town
    question = "Which client bought from the agent with the region South? List her first name."
    assert "her" in engine_asks(model, question).clarify


def test_his_before_another_tables_column_is_asked_back(town) -> None:  # noqa: ANN001
    model, _conn = town
    question = (
        "Which client has the largest total amount? List his first name and the agent region."
    )
    assert "his" in engine_asks(model, question).clarify


# --- a relation verb said again of the same rows: "… and how many gadgets they produce" --------


def test_relation_verb_said_again_after_they_is_the_same_relation(town) -> None:  # noqa: ANN001
    question = (
        "What are the names of makers that produce more than 1 gadget, as well as how many "
        "gadgets they produce?"
    )
    assert engine_rows(town, question) == [("Acme", 2)]


def test_relation_verb_said_again_without_a_pronoun_is_asked_back(town) -> None:  # noqa: ANN001
    model, _conn = town
    question = (
        "What are the names of makers that produce more than 1 gadget, and how many gadgets "
        "produce?"
    )
    assert "produce" in engine_asks(model, question).clarify


def test_his_or_her_not_of_the_row_asked_for_is_asked_back(town) -> None:  # noqa: ANN001
    # the question asks for an amount, not for a client: whose first name is it?
    model, _conn = town
    question = "What is the largest amount of a client? List his or her first name."
    assert "his" in engine_asks(model, question).clarify


# --- "how many X <verb> each <column>": the count per that column ------------------------------


def test_verb_before_each_column_of_the_rows_one_parent_counts_per_value(town) -> None:  # noqa: ANN001
    assert sorted(engine_rows(town, "How many sales involve each region?")) == [
        ("North", 1),
        ("South", 2),
    ]
    assert sorted(engine_rows(town, "How many vessels reached each fate?")) == [
        ("Scrapped", 1),
        ("Sunk", 2),
    ]


def test_verb_before_each_column_of_many_related_rows_is_asked_back(town) -> None:  # noqa: ANN001
    # a maker has several gadgets: which title would it be counted under?
    model, _conn = town
    assert "involve" in engine_asks(model, "How many makers involve each title?").clarify
