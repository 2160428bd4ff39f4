"""An attacker's probe of session 23's changes, with an analyst's login on an org of their own:
the new readings of the offline engine (two-word synonyms, modifier words of column names,
Spanish country names such as "EE. UU.", set shapes NOT EXISTS / both-and, superlatives over
related rows) against masked personal columns (an addresses table's street lines, a person's
names), row filters, quoted values and other orgs' catalogs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from apps.governance.models import AccessPolicy, Role
from apps.knowledge.models import CatalogColumn, DataSource
from tests.support.probe_orgs import answer_shape as _shape
from tests.support.probe_orgs import answer_text as _said
from tests.support.probe_orgs import ask_as as _ask
from tests.support.probe_orgs import filter_rows as _filtered
from tests.support.probe_orgs import fresh_memos as _fresh_memos  # noqa: F401 (autouse)
from tests.support.probe_orgs import injection_is_data, no_secret, sqlite_org

pytestmark = pytest.mark.django_db

SCRIPT = """
CREATE TABLE people (person_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
    country TEXT, age INTEGER);
CREATE TABLE addresses (address_id INTEGER PRIMARY KEY, line_1 TEXT, line_2 TEXT, city TEXT,
    country TEXT);
CREATE TABLE people_addresses (person_id INTEGER REFERENCES people(person_id),
    address_id INTEGER REFERENCES addresses(address_id), date_from TEXT);
CREATE TABLE orders (order_id INTEGER PRIMARY KEY,
    person_id INTEGER REFERENCES people(person_id), amount REAL, status TEXT);
"""
PEOPLE = [
    (1, "Zelda", "Quixote", "Spain", 31),
    (2, "Yorick", "Pennywhistle", "United States", 45),
    (3, "Xavier", "Oddbody", "Spain", 52),
    (4, "Wanda", "Nightingale", "France", 28),
    (5, "Vera", "Moonbeam", "France", 40),
]
ADDRESSES = [
    (1, "12 Elm Street", "Flat 3", "Madrid", "Spain"),
    (2, "77 Secret Lane", "", "Boston", "United States"),
    (3, "5 Rue Cachée", "", "Paris", "France"),
]
LINKS = [(1, 1, "2020-01-01"), (2, 2, "2021-01-01"), (3, 1, "2019-05-05"), (4, 3, "2018-02-02")]
ORDERS = [
    (1, 1, 10.0, "paid"),
    (2, 1, 20.0, "open"),
    (3, 2, 999.0, "paid"),
    (4, 3, 5.0, "paid"),
    (5, 4, 50.0, "open"),
]
REAL_LINE = "77 Secret Lane"
MADE_UP_LINE = "1 Nowhere Road"
SECRETS = (
    "Elm Street",
    "Secret Lane",
    "Cachée",
    "Zelda",
    "Yorick",
    "Xavier",
    "Wanda",
    "Quixote",
    "Pennywhistle",
    "Oddbody",
    "Nightingale",
    "Vera",
    "Moonbeam",
)


def _org(slug: str, script: str = SCRIPT, rows: dict | None = None) -> DataSource:
    """An org of its own with one SQLite source and an analyst whose policy masks every personal
    column (`@pii`): the org's admin would set it so."""
    if rows is None:
        rows = {
            "people": PEOPLE,
            "addresses": ADDRESSES,
            "people_addresses": LINKS,
            "orders": ORDERS,
        }
    return sqlite_org(slug, script, rows)


@pytest.fixture
def source() -> DataSource:
    return _org("probe23")


def test_the_street_lines_and_names_are_flagged_personal(source: DataSource) -> None:
    flagged = set(
        CatalogColumn.all_tenants.filter(table__data_source=source, pii=True).values_list(
            "table__name", "name"
        )
    )
    assert {("addresses", "line_1"), ("addresses", "line_2")} <= flagged
    assert {("people", "first_name"), ("people", "last_name")} <= flagged


# --- 1. masked columns through the new readings: the same answer whether the value exists ---

ORACLES = [
    "how many addresses have line 1 '{}'?",
    "how many addresses have the first line '{}'?",
    "how many addresses have the street line '{}'?",
    "how many people live at an address with line 1 '{}'?",
    "which people have no address with line 1 '{}'?",
    "people without an address whose line 1 is '{}'",
    "people with both an address with line 1 '{}' and an order",
    "people who have an address with line 1 '{}' and an address in Boston",
    "¿cuántas direcciones tienen la línea 1 '{}'?",
    "¿qué personas no tienen ninguna dirección con línea 1 '{}'?",
    "how many orders of people whose address line 1 is '{}'?",
    "count addresses where line 1 is not '{}'",
    "how many addresses whose line 1 contains '{}'?",
    "people who live at an address with line 1 '{}'",
    "who lives at '{}'?",
]


@pytest.mark.parametrize("template", ORACLES)
def test_a_guessed_street_line_is_no_oracle(source: DataSource, template: str) -> None:
    real = _ask(source, template.format(REAL_LINE))
    made_up = _ask(source, template.format(MADE_UP_LINE))
    assert _shape(real) == _shape(made_up), (real["answer"], real["sql"], made_up["sql"])
    for secret in SECRETS:
        assert secret not in _said(real).replace(REAL_LINE, ""), (secret, real["sql"])


NAME_ORACLES = [
    "how many people have the first name '{}'?",
    "how many people with the given name '{}'?",
    "people with both the first name '{}' and an order",
    "how many orders of the person whose family name is '{}'?",
    "which addresses have no person with the first name '{}'?",
    "¿cuántos pedidos tiene la persona con nombre '{}'?",
]


@pytest.mark.parametrize("template", NAME_ORACLES)
def test_a_guessed_persons_name_is_no_oracle(source: DataSource, template: str) -> None:
    real = _ask(source, template.format("Yorick"))
    made_up = _ask(source, template.format("Bartholomew"))
    assert _shape(real) == _shape(made_up), (real["answer"], real["sql"], made_up["sql"])


READS = [
    "list the addresses ordered by line 1",
    "the street lines of the addresses",
    "what is the first line of each address?",
    "the address with the longest line 1",
    "which address has the most people?",
    "the line 1 of the address with the most people",
    "the person with the most orders",
    "who is the oldest person?",
    "the first name of the person with the largest order",
    "people who have no orders",
    "people who have both a paid order and an open order",
    "people with no address in Madrid",
    "the first and last names of people in Spain",
    "the family names of the people",
    "list the people's full names",
    "las direcciones ordenadas por línea 1",
    "¿quién es la persona más vieja?",
    "el nombre de la persona con más pedidos",
    "¿qué personas no tienen pedidos?",
    "the address of the person with the most orders",
    "the people in the country with the most addresses",
    "which person placed the most orders?",
    "the city of the person with the most orders",
    "the country of the person who placed the largest order",
    "¿qué persona hizo más pedidos?",
]


@pytest.mark.parametrize("question", READS)
def test_no_reading_returns_a_masked_value(source: DataSource, question: str) -> None:
    """Superlatives over related rows, NOT EXISTS, both-and, ORDER BY, synonyms and modifier
    words: whatever is asked back, refused or answered, no street line nor name in clear."""
    answer = _ask(source, question)
    no_secret(answer, SECRETS)


SET_SHAPES = [
    "people with no orders",
    "how many people have no orders?",
    "people who never placed any orders",
    "addresses with no people",
    "how many addresses have no people?",
    "people with no orders above 100",
    "people that do not have any paid orders",
    "personas sin pedidos",
    "¿qué personas no tienen ningún pedido?",
    "which first name has both people from Spain and people from France?",
    "which line 1 has both people from Spain and people from France?",
    "which country has both people with age above 30 and people with age below 30?",
    "which city has both addresses with line 1 '12 Elm Street' and addresses with line 2 'Flat 3'?",
    "how many people live in countries that do not have any addresses?",
    "the average age of people that do not have any orders",
]


@pytest.mark.parametrize("question", SET_SHAPES)
def test_set_shapes_return_no_masked_value(source: DataSource, question: str) -> None:
    """NOT EXISTS, both … and … (`listed IN (SELECT …)`) and a measure of rows kept by related
    rows: a masked column listed, or compared in the subquery, is masked or refused."""
    answer = _ask(source, question)
    no_secret(answer, SECRETS)
    if "line 1" in question or "first name" in question:
        assert not answer["rows"] or all("***" in map(str, r) for r in answer["rows"])


# --- 2. row filters inside the new subqueries --------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # order 3 (999, paid, person 2) is hidden: person 2 has no order above 100 for them
        ("people with no orders above 100", [1, 2, 3, 4, 5]),
        ("people that do not have any paid orders", [1, 2, 3, 4, 5]),
        ("people who never placed any orders", [2, 3, 5]),
        ("how many people have no orders?", [3]),
        ("¿qué personas no tienen ningún pedido?", [2, 3, 5]),
        ("the average age of people that do not have any orders", [pytest.approx(137 / 3)]),
    ],
)
def test_not_exists_reads_the_related_rows_through_the_row_filter(
    source: DataSource, question: str, expected: list
) -> None:
    """The analyst sees the open orders only: a NOT EXISTS over orders counts the paid ones as
    absent (as a plain listing of orders would), never as present: no sign of a hidden row."""
    _filtered(source, ("orders", "status", "open"))
    answer = _ask(source, question)
    assert answer["type"] == "SQL", (answer["answer"], answer["sql"])
    assert [row[0] for row in answer["rows"]] == expected, answer["sql"]


def test_both_halves_read_the_subquery_through_the_row_filter(source: DataSource) -> None:
    """`listed IN (SELECT …)`: the second half's rows are filtered too. France has people of 28
    and 40 (the admin's answer); the analyst sees the people of 40 only, so none of theirs is
    below 30."""
    question = "which country has both people with age above 30 and people with age below 30?"
    admin = _ask(source, question, "admin")
    assert admin["type"] == "SQL" and admin["rows"] == [["France"]], admin["sql"]
    _filtered(source, ("people", "age", 40))
    answer = _ask(source, question)
    assert answer["type"] in ("SQL", "CLARIFY"), answer["answer"]
    assert not answer["rows"], answer["sql"]


def test_a_superlative_over_related_rows_counts_only_visible_rows(source: DataSource) -> None:
    """Orders of Spain's people are hidden from an analyst who sees the United States only: the
    country with the most orders (Spain, 3, for the admin) is theirs."""
    _filtered(source, ("people", "country", "United States"))
    answer = _ask(source, "which country has the most orders?")
    assert answer["type"] == "SQL", answer["answer"]
    assert answer["rows"] and all(
        "Spain" not in map(str, row) and "France" not in map(str, row) for row in answer["rows"]
    ), answer["sql"]


# --- steward synonyms of two words on masked columns -------------------------------------------


def _synonyms(source: DataSource, table: str, column: str, *words: str) -> None:
    CatalogColumn.all_tenants.filter(
        table__data_source=source, table__name=table, name=column
    ).update(synonyms=list(words))
    org = source.organization
    type(org).objects.filter(pk=org.pk).update(knowledge_version=org.knowledge_version + 1)
    source.organization.refresh_from_db()


@pytest.mark.parametrize(
    "template",
    [
        "how many addresses have the street address '{}'?",
        "which people have no address with street address '{}'?",
        "how many people live at the street address '{}'?",
        "¿cuántas direcciones tienen la calle principal '{}'?",
    ],
)
def test_a_two_word_synonym_of_a_masked_column_is_no_oracle(
    source: DataSource, template: str
) -> None:
    _synonyms(source, "addresses", "line_1", "street address", "calle principal")
    real = _ask(source, template.format(REAL_LINE))
    made_up = _ask(source, template.format(MADE_UP_LINE))
    assert _shape(real) == _shape(made_up), (real["answer"], real["sql"], made_up["sql"])


@pytest.mark.parametrize(
    "question",
    [
        "the street addresses of the addresses",
        "list the addresses by street address",
        "the street address of the person with the most orders",
        "people's given names",
        "the given name of the person with the most orders",
        "people with no orders and their given names",
    ],
)
def test_a_two_word_synonym_lists_a_masked_column_masked(source: DataSource, question: str) -> None:
    _synonyms(source, "addresses", "line_1", "street address")
    _synonyms(source, "people", "first_name", "given name")
    answer = _ask(source, question)
    no_secret(answer, SECRETS)


# --- 3. quoted values, "EE. UU." and synonyms are data, never SQL -------------------------------

INJECTIONS = [
    "how many people live in EE. UU.'; DROP TABLE people; --",
    "¿cuántas personas viven en EE. UU.' OR '1'='1?",
    "¿cuántas personas viven en EE.UU.'||(SELECT group_concat(first_name) FROM people)||'?",
    "people with no orders with status 'x'' OR ''1''=''1'",
    "people with no orders with status 'paid') OR (1=1'",
    "people who have both an order with status 'open' and an order with status 'x\\' OR 1=1 --'",
    "which country has both people with age above 30 and people with age below 30 OR 1=1",
    "personas de EE. UU. UNION SELECT line_1 FROM addresses",
    "how many people live in 'EE. UU.'; ATTACH DATABASE '/tmp/ev-probe/x.db' AS x; --'?",
]


def _no_injected_words(answer: dict, sql: str) -> None:
    assert answer["type"] in ("SQL", "CLARIFY", "REFUSED"), answer["answer"]
    for word in ("DROP", "ATTACH", "UNION", "group_concat"):
        assert word.lower() not in sql.lower().replace("'", "") or f"'{word}" in sql, sql
    assert " OR 1=1" not in sql.upper().replace("'1'='1'", ""), sql


@pytest.mark.parametrize("question", INJECTIONS)
def test_quoted_values_and_country_names_are_data(source: DataSource, question: str) -> None:
    injection_is_data(source, question, SECRETS, _no_injected_words)
    assert not Path("/tmp/ev-probe/x.db").exists()


def test_a_spanish_country_name_still_filters(source: DataSource) -> None:
    """The control: "EE. UU." is the United States (a value of the caller's rows)."""
    answer = _ask(source, "¿cuántas personas viven en EE. UU.?")
    assert answer["type"] == "SQL" and answer["rows"] == [[1]], answer["sql"]


# --- 4. another org's catalog, thesaurus and values ---------------------------------------------

OTHER = """
CREATE TABLE crew_members (crew_id INTEGER PRIMARY KEY, shift_name TEXT, country TEXT);
"""


def test_another_orgs_two_word_names_and_values_are_not_read(source: DataSource) -> None:
    """globex-like org B has a table "crew members", a synonym "deck hands" and a country
    "Atlantis": org A's analyst naming them gets what a made-up word gets, nothing of B's."""
    other = _org("probe23b", OTHER, {"crew_members": [(1, "Night Watch", "Atlantis")]})
    CatalogColumn.all_tenants.filter(table__data_source=other, name="shift_name").update(
        synonyms=["deck hands"]
    )
    for question, control in [
        ("how many crew members are there?", "how many zorblaxes are there?"),
        ("list the deck hands", "list the zorblaxes"),
        ("people from Atlantis", "people from Narnia"),
        ("¿cuántas personas de Atlántida?", "¿cuántas personas de Narnia?"),
        ("the crew members with no orders", "the zorblaxes with no orders"),
    ]:
        theirs, made_up = _ask(source, question), _ask(source, control)
        assert _shape(theirs)[:2] == _shape(made_up)[:2], (theirs["answer"], theirs["sql"])
        said = _said(theirs).lower()
        assert "crew_members" not in said and "night watch" not in said and "shift" not in said
    mine = _ask(other, "how many crew members are there?")
    assert mine["type"] == "SQL" and mine["rows"] == [[1]], mine["sql"]


@pytest.mark.parametrize(
    "question",
    [
        "people with no orders above 100",
        "people who have both a paid order and an open order",
        "the family names of the people",
        "the street lines of the addresses",
    ],
)
def test_the_admins_answer_to_a_new_shape_is_not_served_to_the_analyst(
    source: DataSource, question: str
) -> None:
    """Asked first by the admin (names in clear), then by the analyst who sees the open orders
    only: theirs is masked and filtered, not the admin's cached answer."""
    first = _ask(source, question, "admin")
    _filtered(source, ("orders", "status", "open"))
    again = _ask(source, question)
    no_secret(again, SECRETS)
    if "above 100" in question and again["type"] == "SQL":
        assert [r[0] for r in again["rows"]] == [1, 2, 3, 4, 5], again["sql"]
    if "both" in question and again["type"] == "SQL":
        assert not again["rows"] and first["rows"], again["sql"]


@pytest.mark.parametrize(
    "question",
    [
        "the first person by first name",
        "the person whose first name comes first alphabetically",
        "the address with the smallest line 1",
        "people sorted by last name",
        "the country of the person with the longest last name",
    ],
)
def test_an_order_by_a_masked_column_returns_no_masked_value(
    source: DataSource, question: str
) -> None:
    answer = _ask(source, question)
    no_secret(answer, SECRETS)
    sql = (answer.get("sql") or "").lower()
    assert "order by people.first_name" not in sql and "order by addresses.line_1" not in sql


# --- the guard over the SQL shapes of this session, whatever wording produced them --------------

GUARD_SCHEMA = {
    "people": {"person_id": "INTEGER", "first_name": "TEXT", "country": "TEXT", "age": "INTEGER"},
    "addresses": {"address_id": "INTEGER", "line_1": "TEXT", "city": "TEXT"},
    "people_addresses": {"person_id": "INTEGER", "address_id": "INTEGER"},
    "orders": {"order_id": "INTEGER", "person_id": "INTEGER", "status": "TEXT"},
}
_LINK = "pa.person_id = p.person_id AND a.address_id = pa.address_id"
MASKED_SHAPES = [
    # NOT EXISTS / EXISTS probing a masked value
    "SELECT p.person_id FROM people AS p WHERE NOT EXISTS (SELECT 1 FROM people_addresses AS pa"
    f", addresses AS a WHERE {_LINK} AND a.line_1 = '77 Secret Lane')",
    "SELECT COUNT(*) FROM people AS p WHERE EXISTS (SELECT 1 FROM people_addresses AS pa, "
    f"addresses AS a WHERE {_LINK} AND LOWER(a.line_1) LIKE '77%')",
    # both … and …: the second half's IN subquery on a masked column
    "SELECT DISTINCT p.country FROM people AS p WHERE p.age > 30 AND p.country IN "
    "(SELECT p2.country FROM people AS p2 WHERE p2.first_name = 'Yorick')",
    "SELECT DISTINCT a.city FROM addresses AS a WHERE a.line_1 IN "
    "(SELECT a2.line_1 FROM addresses AS a2 WHERE a2.city = 'Boston')",
    # a correlated ORDER BY … LIMIT 1 on a related table's masked column
    "SELECT p.person_id FROM people AS p ORDER BY (SELECT a.line_1 FROM people_addresses AS pa, "
    f"addresses AS a WHERE {_LINK} ORDER BY a.line_1 LIMIT 1) LIMIT 1",
    "SELECT p.country FROM people AS p ORDER BY p.first_name LIMIT 1",
    "SELECT (SELECT a.city FROM addresses AS a ORDER BY a.line_1 DESC LIMIT 1) AS c",
]


@pytest.mark.parametrize("sql", MASKED_SHAPES)
def test_the_guard_refuses_a_masked_column_in_the_new_shapes(sql: str) -> None:
    from apps.governance.engine.errors import SqlRefusal
    from apps.governance.engine.guard import guard_sql
    from apps.governance.engine.policy import DataPolicy

    policy = DataPolicy(
        role="ANALYST",
        can_query=True,
        allowed_tables=frozenset(GUARD_SCHEMA),
        masked_columns=frozenset({("addresses", "line_1"), ("people", "first_name")}),
    )
    with pytest.raises(SqlRefusal) as refused:
        guard_sql(sql, dialect="sqlite", schema=GUARD_SCHEMA, policy=policy, lang="en")
    assert refused.value.code == "column_masked"


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT COUNT(*) FROM people AS p WHERE NOT EXISTS (SELECT 1 FROM orders AS o "
        "WHERE o.person_id = p.person_id)",
        "SELECT p.person_id FROM people AS p ORDER BY (SELECT COUNT(*) FROM orders AS o "
        "WHERE o.person_id = p.person_id) DESC LIMIT 1",
        "SELECT DISTINCT p.country FROM people AS p WHERE p.person_id IN "
        "(SELECT orders.person_id FROM orders WHERE orders.status = 'paid')",
        "WITH o AS (SELECT person_id FROM orders) SELECT COUNT(*) FROM people AS p WHERE "
        "EXISTS (SELECT 1 FROM o WHERE o.person_id = p.person_id)",
    ],
)
def test_the_guard_filters_the_related_rows_of_every_subquery(sql: str) -> None:
    """Each read of the filtered table, in a subquery, an ORDER BY or a CTE, runs over the
    caller's rows: run on a real file, the hidden (paid) orders are never counted."""
    from apps.governance.engine.guard import guard_sql
    from apps.governance.engine.policy import DataPolicy, RowFilter

    policy = DataPolicy(
        role="ANALYST",
        can_query=True,
        allowed_tables=frozenset(GUARD_SCHEMA),
        masked_columns=frozenset(),
        row_filters=(RowFilter("orders", "status", ("open",)),),
    )
    guarded = guard_sql(sql, dialect="sqlite", schema=GUARD_SCHEMA, policy=policy, lang="en")
    conn = sqlite3.connect(":memory:")
    for table, columns in GUARD_SCHEMA.items():
        conn.execute(f"CREATE TABLE {table} ({', '.join(columns)})")
    conn.executemany("INSERT INTO people VALUES (?, 'n', ?, 40)", [(1, "Spain"), (2, "France")])
    conn.executemany("INSERT INTO orders VALUES (?, ?, ?)", [(1, 1, "open"), (2, 2, "paid")])
    filtered = conn.execute(guarded.sql).fetchall()
    conn.execute("DELETE FROM orders WHERE status <> 'open'")
    assert filtered == conn.execute(sql).fetchall(), guarded.sql


@pytest.mark.parametrize(
    "question",
    [
        "¿cuántas personas viven en EE. UU.?",
        "personas de Estados Unidos",
        "people from the United States",
        "people from the U.S.",
        "personas que no tienen direcciones en EE. UU.",
        "people with no addresses in the United States",
    ],
)
def test_a_masked_countrys_spanish_name_is_no_oracle(source: DataSource, question: str) -> None:
    """The country columns masked: a Spanish (or dotted) name of a country the data holds is
    read as in a twin org whose data has no such country, wording for wording."""
    people = [(i, f, n, "Canada" if c == "United States" else c, a) for i, f, n, c, a in PEOPLE]
    addresses = [
        (i, a, b, c, "Canada" if k == "United States" else k) for i, a, b, c, k in ADDRESSES
    ]
    twin = _org(
        "probe23c",
        rows={
            "people": people,
            "addresses": addresses,
            "people_addresses": LINKS,
            "orders": ORDERS,
        },
    )
    masked = ["@pii", "people.country", "addresses.country"]
    for src in (source, twin):
        AccessPolicy.all_tenants.filter(organization=src.organization, role=Role.ANALYST).update(
            masked_columns=masked
        )
    here, there = _ask(source, question), _ask(twin, question)
    assert _shape(here) == _shape(there), (here["answer"], here["sql"], there["answer"])
    assert here["answer"] == there["answer"]
