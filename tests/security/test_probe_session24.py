"""An attacker's probe of session 24's changes to the offline engine, with an analyst's (and an
org admin's) login on an org of their own: short codes read as values, nationality adjectives
read as countries, numbers read as values or rows ("grade 10", "store 1"), "X's id", description
columns, "all the information about <table>", the row with an extreme value, NOT EXISTS for
"except" / "not used by any", both-halves IN subqueries, US/USA as a country and the new
ask-back kinds. A masked column's values are neither listed, revealed nor confirmed (a guessed
value reads the same in a twin org whose data lacks it), row filters hold inside the new
subqueries, another org's names read like unknown words, quoted values stay data, and odd
inputs get an answer or an ask-back, never an exception."""

from __future__ import annotations

import pytest

from apps.governance.models import AccessPolicy, Role
from apps.knowledge.models import DataSource
from tests.support.probe_orgs import answer_shape as _shape
from tests.support.probe_orgs import answer_text as _said
from tests.support.probe_orgs import ask_as as _ask
from tests.support.probe_orgs import filter_rows as _filtered
from tests.support.probe_orgs import fresh_memos as _fresh_memos  # noqa: F401 (autouse)
from tests.support.probe_orgs import injection_is_data, no_secret, sqlite_org
from tests.support.probe_orgs import never_crashes as _never_crashes

pytestmark = pytest.mark.django_db

SCRIPT = """
CREATE TABLE ref_status (status_code CHAR(4) PRIMARY KEY, status_description TEXT);
CREATE TABLE stores (store_id INTEGER PRIMARY KEY, store_name TEXT, city TEXT,
    store_description TEXT);
CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
    email TEXT, country TEXT, grade INTEGER, age INTEGER);
CREATE TABLE orders (order_id INTEGER PRIMARY KEY,
    customer_id INTEGER REFERENCES customers(customer_id),
    store_id INTEGER REFERENCES stores(store_id),
    status_code CHAR(4) REFERENCES ref_status(status_code), amount REAL);
"""
STATUS = [("PD", "Paid"), ("OP", "Open"), ("CX", "Cancelled")]
STORES = [
    (1, "Downtown", "Madrid", "The flagship store"),
    (2, "Harbour", "Boston", "A small store by the sea"),
    (3, "Airport", "Paris", "Open at night"),
]
CUSTOMERS = [
    (1, "Zelda", "Quixote", "zelda@example.org", "Spain", 10, 31),
    (2, "Yorick", "Pennywhistle", "yorick@example.org", "United States", 11, 45),
    (3, "Xavier", "Oddbody", "xavier@example.org", "Spain", 9, 52),
    (4, "Wanda", "Nightingale", "wanda@example.org", "France", 10, 28),
    (5, "Vera", "Moonbeam", "vera@example.org", "France", 12, 40),
]
ORDERS = [
    (1, 1, 1, "PD", 10.0),
    (2, 1, 2, "OP", 20.0),
    (3, 2, 2, "PD", 999.0),
    (4, 3, 1, "PD", 5.0),
    (5, 4, 3, "CX", 50.0),
]
ROWS = {"ref_status": STATUS, "stores": STORES, "customers": CUSTOMERS, "orders": ORDERS}
SECRETS = (
    "Zelda",
    "Yorick",
    "Xavier",
    "Wanda",
    "Vera",
    "Quixote",
    "Pennywhistle",
    "Oddbody",
    "Nightingale",
    "Moonbeam",
    "example.org",
)


def _org(
    slug: str, rows: dict | None = None, masked: tuple[str, ...] = (), script: str = SCRIPT
) -> DataSource:
    """An org of its own with one SQLite source, an analyst whose policy masks every personal
    column (`@pii`) and the columns given, and an admin."""
    return sqlite_org(slug, script, rows if rows is not None else ROWS, tuple(masked))


@pytest.fixture
def source() -> DataSource:
    return _org("probe24")


def _twin(slug: str, masked: tuple[str, ...], **changes: list) -> DataSource:
    """The same org's twin whose rows differ only where `changes` say (a guessed value absent)."""
    return _org(slug, {**ROWS, **changes}, masked)


def _no_secret(answer: dict, *more: str) -> None:
    no_secret(answer, (*SECRETS, *more))


# --- 1. a guessed masked value reads the same whether the data holds it -------------------------

COUNTRY_MASKED = ("customers.country",)
CUSTOMERS_NO_FRANCE_NO_US = [
    (i, f, n, e, {"France": "Belgium", "United States": "Canada"}.get(c, c), g, a)
    for i, f, n, e, c, g, a in CUSTOMERS
]


@pytest.mark.parametrize(
    "question",
    [
        "how many American customers?",
        "how many customers from the US?",
        "how many customers from the USA?",
        "customers from the U.S.A.",
        "customers who are French",
        "all customers except the French ones",
        "all the information about the French customers",
        "stores not used by any French customer",
        "stores not used by any order of a customer from the USA",
        "customers who are French and customers who are American",
        "the age of the French customer with the highest grade",
        "what is the French customer's id?",
        "which stores have both orders of French customers and orders of Spanish customers?",
    ],
)
def test_a_masked_country_by_nationality_or_us_is_no_oracle(question: str) -> None:
    here = _org("probe24a", masked=COUNTRY_MASKED)
    there = _twin("probe24b", COUNTRY_MASKED, customers=CUSTOMERS_NO_FRANCE_NO_US)
    a, b = _ask(here, question), _ask(there, question)
    assert _shape(a) == _shape(b), (a["answer"], a["sql"], b["answer"], b["sql"])
    assert a["answer"] == b["answer"]
    _no_secret(a, "France", "United States")


@pytest.mark.parametrize(
    "question", ["how many customers from the USA?", "how many customers from the US?"]
)
def test_a_country_acronym_no_value_says_is_asked_back_not_dropped(question: str) -> None:
    """With the country masked no value says "USA": the acronym is asked back (it had been
    dropped as the pronoun "us", a count of every customer stated confidently), the same
    answer whether the data holds the country or not."""
    here = _org("probe24a", masked=COUNTRY_MASKED)
    there = _twin("probe24b", COUNTRY_MASKED, customers=CUSTOMERS_NO_FRANCE_NO_US)
    a, b = _ask(here, question), _ask(there, question)
    assert a["type"] == b["type"] == "CLARIFY", (a["answer"], a["sql"])
    assert a["answer"] == b["answer"]


CODE_MASKED = ("orders.status_code", "ref_status.status_code")


@pytest.mark.parametrize(
    "question",
    [
        "stores not used by any order with the code PD",
        "all customers except those with an order with the status code PD",
        "customers that have both an order with status code PD and an order with status code OP",
        "the amount of the order with the highest amount and status code PD",
        "all the information about orders with the code PD",
        "what is PD's description?",
        "the description of the status PD",
        "the status description of PD",
        "describe the status PD",
        "orders with the codes PD, OP or CX",
    ],
)
def test_a_masked_code_in_the_new_shapes_is_no_oracle(question: str) -> None:
    here = _org("probe24c", masked=CODE_MASKED)
    status = [("QQ" if c == "PD" else c, d) for c, d in STATUS]
    orders = [(i, c, s, "QQ" if k == "PD" else k, a) for i, c, s, k, a in ORDERS]
    there = _twin("probe24d", CODE_MASKED, ref_status=status, orders=orders)
    a, b = _ask(here, question), _ask(there, question)
    assert _shape(a) == _shape(b), (a["answer"], a["sql"], b["answer"], b["sql"])
    assert a["answer"] == b["answer"]


NAME_MASKED = ("stores.store_name",)


@pytest.mark.parametrize(
    "question",
    [
        "what is Downtown's id?",
        "what is Downtown's city?",
        "what is the store Downtown's id?",
        "the description of the store named Downtown",
        "describe the store Downtown",
        "Describe Downtown",
        "the description for Downtown",
        "customers who have orders in Downtown and orders in Harbour",
        "customers with both an order in Downtown and an order in Harbour",
        "customers except those with orders in Downtown",
        "stores except Downtown",
        "the amount of the order with the highest amount in Downtown",
    ],
)
def test_a_masked_name_by_possessive_or_description_is_no_oracle(question: str) -> None:
    """The admin masks the stores' names (not a personal column): "Downtown's id", "describe
    Downtown" read the same as in a twin whose store is called otherwise."""
    here = _org("probe24e", masked=NAME_MASKED)
    stores = [(i, "Uptown" if n == "Downtown" else n, c, d) for i, n, c, d in STORES]
    there = _twin("probe24f", NAME_MASKED, stores=stores)
    a, b = _ask(here, question), _ask(there, question)
    assert _shape(a) == _shape(b), (a["answer"], a["sql"], b["answer"], b["sql"])
    assert a["answer"] == b["answer"]


GRADE_MASKED = ("customers.grade",)


@pytest.mark.parametrize(
    "question",
    [
        "customers in grade 10",
        "how many customers are in grade 10?",
        "customers in grades 10 or 11",
        "the age of the customer in grade 10",
        "all the information about customers in grade 10",
        "stores not used by any customer in grade 10",
        "¿cuántos clientes hay en el curso 10?",
    ],
)
def test_a_masked_number_said_as_a_place_is_no_oracle(question: str) -> None:
    here = _org("probe24g", masked=GRADE_MASKED)
    customers = [(i, f, n, e, c, 13 if g == 10 else g, a) for i, f, n, e, c, g, a in CUSTOMERS]
    there = _twin("probe24h", GRADE_MASKED, customers=customers)
    a, b = _ask(here, question), _ask(there, question)
    assert _shape(a) == _shape(b), (a["answer"], a["sql"], b["answer"], b["sql"])
    assert a["answer"] == b["answer"]


@pytest.mark.parametrize(
    "question",
    [
        "what is Zelda's id?",
        "what is Zelda's age?",
        "Zelda's orders",
        "what is zelda@example.org's id?",
        "the description of the customer Zelda",
        "customers with both the first name Zelda and an order",
    ],
)
def test_a_personal_value_by_possessive_is_no_oracle(source: DataSource, question: str) -> None:
    real = _ask(source, question)
    made_up = _ask(source, question.replace("Zelda", "Bartholomew").replace("zelda", "bart"))
    assert _shape(real)[:3] == _shape(made_up)[:3], (real["answer"], real["sql"])
    assert real["answer"].replace("Zelda", "X").replace("zelda", "x") == made_up["answer"].replace(
        "Bartholomew", "X"
    ).replace("bart", "x")


# --- 2./3. masked columns listed, ranked or described ------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "all the information about customers",
        "give me all the information about the customers",
        "todos los datos de los clientes",
        "toda la información de los clientes",
        "all the information about customers in grade 10",
        "all the information about the customer with the highest age",
        "all the information about customers except those who have orders",
        "all the info about customers who are French",
        "all the details of the customers from the USA",
        "all the information about orders and their customers",
        "the email of the customer with the highest age",
        "the first name and email of the customer with the largest grade",
        "the last name of the oldest customer",
        "what is the customer 1's email?",
        "the email of customer 1",
        "the name of customer 3",
        "customers who have both an order in store 1 and an order in store 2",
    ],
)
def test_no_new_reading_lists_a_personal_value(source: DataSource, question: str) -> None:
    answer = _ask(source, question)
    _no_secret(answer)
    # the customers' own columns, when the reading lists them, are masked
    listed = answer["type"] == "SQL" and "customers." in answer["sql"]
    if listed and "information" in question and "customers" in question:
        assert all("***" in map(str, row) for row in answer["rows"]), answer["sql"]


def test_orders_and_their_customers_lists_both_with_the_personal_columns_masked(
    source: DataSource,
) -> None:
    # "and their customers" was dropped (the orders' columns alone); now each order's customer's
    # columns are listed beside it, the personal ones masked, never left out silently
    answer = _ask(source, "all the information about orders and their customers")
    assert answer["type"] == "SQL" and "customers." in answer["sql"], answer
    assert len(answer["rows"]) == len(ORDERS)
    assert all("***" in map(str, row) for row in answer["rows"]), answer["sql"]
    _no_secret(answer)


@pytest.mark.parametrize(
    "question",
    [
        "all the information about stores",
        "the description of the store named Downtown",
        "describe the store Harbour",
        "the descriptions of the stores",
        "what is Downtown's description?",
        "the store description of store 1",
        "the description of the store with the highest store id",
        "stores whose description contains 'sea'",
    ],
)
def test_a_masked_description_column_stays_masked(question: str) -> None:
    source = _org("probe24i", masked=("stores.store_description",))
    answer = _ask(source, question)
    _no_secret(answer, "flagship", "small store", "at night")


@pytest.mark.parametrize(
    "question",
    [
        "the country of the customer with the highest age",
        "the grade of the oldest customer",
        "the city of the store of the order with the highest age",
        "all the information about the customer with the highest age",
        "which customer has the largest age?",
    ],
)
def test_a_row_picked_by_a_masked_number_is_not_shown(question: str) -> None:
    """customers.age masked: the row with the highest age would say whose age is highest."""
    here = _org("probe24j", masked=("customers.age",))
    customers = [(i, f, n, e, c, g, 60 - a) for i, f, n, e, c, g, a in CUSTOMERS]
    there = _twin("probe24k", ("customers.age",), customers=customers)
    a, b = _ask(here, question), _ask(there, question)
    assert _shape(a) == _shape(b), (a["answer"], a["sql"], b["answer"], b["sql"])
    sql = (a.get("sql") or "").lower()
    assert "order by customers.age" not in sql and "order by age" not in sql


# --- 2. row filters inside the new subqueries, joins and listings -------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("stores not used by any order", [["Harbour"], ["Airport"]]),
        ("all customers except those who have orders", [2, 4, 5]),
        ("stores not used by any order with the code PD", [["Harbour"], ["Airport"]]),
        ("the store with the highest amount", [["Downtown", 10.0]]),
        (
            "customers that have both an order with status code PD and an order with status "
            "code OP",
            [],
        ),
    ],
)
def test_row_filters_hold_in_the_new_shapes(
    source: DataSource, question: str, expected: list
) -> None:
    """The analyst sees the orders of store 1 only (orders 1 and 4): a related row they cannot
    see is absent, never present (or, a code no visible row holds ('OP'), asked back)."""
    _filtered(source, ("orders", "store_id", 1))
    answer = _ask(source, question)
    if not expected and answer["type"] == "CLARIFY":
        return
    assert answer["type"] == "SQL", (answer["answer"], answer["sql"])
    if expected and isinstance(expected[0], int):
        assert [r[0] for r in answer["rows"]] == expected, answer["sql"]
    else:
        assert answer["rows"] == expected, answer["sql"]


@pytest.mark.parametrize(
    ("question", "keys"),
    [
        ("all the information about customers", {1, 3}),
        ("todos los datos de los clientes", {1, 3}),
        ("all the information about customers in grade 10", {1}),
        ("all the information about the customer with the highest age", {3}),
        ("customers in grade 10", {1}),
        ("customers who are French", set()),
        ("how many customers from the USA?", None),
        ("the age of the customer with the highest grade", None),
        ("all the information about orders", None),
    ],
)
def test_a_customer_row_filter_holds_in_the_new_readings(
    source: DataSource, question: str, keys: set | None
) -> None:
    """The analyst sees the customers of Spain only (1 and 3)."""
    _filtered(source, ("customers", "country", "Spain"))
    answer = _ask(source, question)
    _never_crashes(answer)
    _no_secret(answer)
    if keys is not None and answer["type"] == "SQL":
        assert {r[0] for r in answer["rows"]} <= keys, answer["sql"]
    if "USA" in question:
        assert answer["rows"] in ([[0]], []), answer["sql"]
    if "highest grade" in question:
        assert answer["rows"] in ([[31]], []), answer["sql"]


def test_a_possessive_names_only_visible_rows(source: DataSource) -> None:
    _filtered(source, ("stores", "city", "Boston"))
    answer = _ask(source, "what is Downtown's id?")
    _never_crashes(answer)
    assert not answer["rows"], answer["sql"]
    assert _ask(source, "what is Downtown's id?", "admin")["rows"] == [[1]]


# --- 4. another org's names, codes, countries and rows ------------------------------------------

OTHER_ROWS = {
    "ref_status": [("ZK", "Zonked")],
    "stores": [(7, "Krakenhall", "Berlin", "A secret warehouse")],
    "customers": [(9, "Otto", "Lilienthal", "otto@other.org", "Germany", 7, 66)],
    "orders": [(9, 9, 7, "ZK", 123.0)],
}


@pytest.mark.parametrize(
    ("question", "control"),
    [
        # the control is a nationality no org holds: a made-up capitalised word ("Klingonish") is
        # now read as a person's name (session 25, `name_rows`), whatever any org holds
        ("how many German customers?", "how many Peruvian customers?"),
        ("customers who are German", "customers who are Peruvian"),
        ("orders with the code ZK", "orders with the code YY"),
        (
            "stores not used by any order with the code ZK",
            "stores not used by any order with the code YY",
        ),
        ("what is Krakenhall's id?", "what is Quuxville's id?"),
        ("describe the store Krakenhall", "describe the store Quuxville"),
        ("the description of Krakenhall", "the description of Quuxville"),
        ("customers in grade 7", "customers in grade 8"),
        ("the city of store 7", "the city of store 8"),
        ("all the information about store 7", "all the information about store 8"),
        ("what is Otto's id?", "what is Bartholomew's id?"),
    ],
)
def test_another_orgs_values_read_like_unknown_words(
    source: DataSource, question: str, control: str
) -> None:
    _org("probe24x", OTHER_ROWS)
    for who in ("analyst", "admin"):
        theirs, made_up = _ask(source, question, who), _ask(source, control, who)
        assert _shape(theirs)[:3] == _shape(made_up)[:3], (theirs["answer"], theirs["sql"])
        said = _said(theirs)
        for word in ("Germany", "Berlin", "secret warehouse", "Zonked", "Lilienthal", "123"):
            assert word not in said, (word, theirs["sql"])


# --- 5. quoted values, codes, possessives and letter patterns are data --------------------------

INJECTIONS = [
    "orders with status code 'PD'' OR 1=1 --'",
    "orders with the code PD' OR '1'='1",
    "orders with the codes PD, OP'); DELETE FROM orders; --",
    "what is Downtown' OR 1=1 --'s id?",
    "what is x'||(SELECT group_concat(email) FROM customers)||'s id?",
    "what is O'Brien's id?",
    "customers whose country starts with the letter ''' OR 1=1 --'",
    "customers whose country starts with the letter 'S'' OR ''1''=''1'",
    "customers whose country contains the word 'x'' UNION SELECT email FROM customers --'",
    "all the information about customers' UNION SELECT email, 1, 1, 1, 1, 1, 1 FROM customers --",
    "the description of the store named 'x'' OR 1=1 --'",
    "customers in grade 10 OR 1=1",
    "customers in grade 10; DROP TABLE customers",
    "the city of store 1 OR 1=1",
    "stores not used by any order with the code 'PD') OR (1=1",
    "French customers' OR '1'='1",
]


def _nothing_injected_outside_literals(answer: dict, sql: str) -> None:
    _never_crashes(answer)
    outside = "".join(sql.split("'")[::2]).lower()  # the SQL outside its string literals
    for word in ("drop", "delete", "union", "group_concat", "1 = 1", "1=1"):
        assert word not in outside, sql


@pytest.mark.parametrize("question", INJECTIONS)
def test_quoted_codes_possessives_and_letters_are_data(source: DataSource, question: str) -> None:
    injection_is_data(source, question, SECRETS, _nothing_injected_outside_literals)


# --- 6. odd inputs around the new phrases: an answer or an ask-back, never a crash -------------

ODD = [
    "'s",
    "'s id",
    "what is 's id?",
    "what is ''s id?",
    "what is '''s id?",
    "'s 's 's 's",
    "Downtown's's's id",
    "the city of store 99999999999999999999",
    "the city of store -1",
    "the city of store 0x10",
    "the city of store 1e400",
    "customers in grade 99999999999999999999",
    "the city of store " + "9" * 400,
    "customers in grade " + "9" * 400,
    "customers in grades 10 or " + "9" * 400,
    "what is the age of customer " + "9" * 400,
    "customers with an age above " + "9" * 305 + " million",
    "customers with an age above " + "9" * 400 + ",5",
    "customers in grade 1e400",
    "customers in grade 1.5.5",
    "customers in grades 10 or or or",
    "store",
    "store 1",
    "stores 1 2 3 4 5",
    "orders with the status code ''",
    'orders with the code ""',
    "orders with the codes " + ", ".join(f"C{i}" for i in range(400)),
    "orders with the codes " + " or ".join(["PD"] * 300),
    "customers whose country starts with the letter ''",
    "customers whose country starts with the letter '%'",
    "customers whose country starts with the letter '_'",
    "customers whose country starts with the letter",
    "all the information about",
    "all the information about ''",
    "all the information about all the information about customers",
    "all the information",
    "describe",
    "describe ''",
    "the description of",
    "the description of the description of the store",
    "Describe Downtown's description",
    "all customers except",
    "all except all except",
    "stores not used by any",
    "not used by any",
    "the store with the highest",
    "the with the highest",
    "Ünïcödé customers 🙂 in grade 10",
    "customers who are Françaises 🇫🇷",
    "customers who are \u200bFrench\u200b",
    "customers from the USA\u0301",
    "customers who are " + "French " * 200,
    "customers who are " + "A" * 5000,
    "the " + "very " * 500 + "oldest customer",
    "customers in grade 10\x00",
    "stores\tnot\nused by any order",
    "both",
    "both and",
    "customers with both and",
    "USA",
    "US US US",
]


@pytest.mark.parametrize("question", ODD)
def test_odd_inputs_around_the_new_phrases_never_crash(source: DataSource, question: str) -> None:
    for who in ("analyst", "admin"):
        answer = _ask(source, question, who)
        _never_crashes(answer)
        if who == "analyst":
            _no_secret(answer)


def test_a_number_too_long_for_a_float_is_no_number() -> None:
    from apps.chat.engine.offline import lexicon as lx

    assert lx.parse_number("9" * 400) is None
    assert lx.parse_number("9" * 400 + ",5") is None
    assert lx.parse_number("99999999999999999999") == 1e20


# --- tables the role may not read, through the new subqueries and listings ---------------------


@pytest.mark.parametrize(
    "question",
    [
        "all the information about orders",
        "all the information about ref status",
        "all customers except those who have orders",
        "stores not used by any order",
        "stores not used by any order with the code PD",
        "customers with both an order with the status code PD and an order with the status code OP",
        "the age of the customer with the largest amount",
        "what is PD's description?",
        "the description of the status PD",
        "describe the status PD",
        "how many orders have the code PD?",
    ],
)
def test_a_table_outside_the_role_is_not_read_by_the_new_shapes(
    source: DataSource, question: str
) -> None:
    AccessPolicy.all_tenants.filter(organization=source.organization, role=Role.ANALYST).update(
        allowed_tables=["customers", "stores"]
    )
    answer = _ask(source, question)
    _never_crashes(answer)
    assert answer["type"] in ("REFUSED", "CLARIFY"), (answer["answer"], answer["sql"])
    for word in ("Paid", "Cancelled", "999"):
        assert word not in _said(answer)
    made_up = _ask(source, question.replace("PD", "QQ"))
    assert _shape(answer)[:2] == _shape(made_up)[:2], (answer["answer"], made_up["answer"])


# --- both halves as an IN subquery (`_rows_of_both`, "shared by") -------------------------------

BOTH_SCRIPT = """
CREATE TABLE venues (venue_id INTEGER PRIMARY KEY, name TEXT, town TEXT, seats INTEGER);
CREATE TABLE gigs (gig_id INTEGER PRIMARY KEY, title TEXT, year TEXT,
    venue_id INTEGER REFERENCES venues(venue_id));
CREATE TABLE players (player_id INTEGER PRIMARY KEY, name TEXT, nation TEXT,
    birth_year INTEGER);
"""
BOTH_ROWS = {
    "venues": [(1, "Arena", "Leeds", 900), (2, "Hall", "York", 300), (3, "Barn", "Hull", 100)],
    "gigs": [(1, "Opening", "2020", 1), (2, "Closing", "2021", 2), (3, "Encore", "2021", 1)],
    "players": [(1, "Al", "UK", 1940), (2, "Bo", "UK", 1960), (3, "Cy", "FR", 1940)],
}
VENUES_OF_BOTH = "Which venues had gigs in both 2020 and 2021?"
NATIONS_SHARED = (
    "What are the nations that are shared by players with a birth year before 1945 and after 1955?"
)


@pytest.fixture
def both() -> DataSource:
    return _org("probe24both", BOTH_ROWS, script=BOTH_SCRIPT)


def test_both_halves_read_their_subquery_through_the_row_filter(both: DataSource) -> None:
    """Arena's 2021 gig (Encore) is hidden: for the analyst no venue had gigs in both years."""
    admin = _ask(both, VENUES_OF_BOTH, "admin")
    assert " IN (" in admin["sql"].upper() and admin["rows"] == [["Arena"]], admin["sql"]
    _filtered(both, ("gigs", "title", "Opening"))
    answer = _ask(both, VENUES_OF_BOTH)
    _never_crashes(answer)
    assert not answer["rows"], answer["sql"]


def test_values_shared_by_two_halves_read_through_the_row_filter(both: DataSource) -> None:
    admin = _ask(both, NATIONS_SHARED, "admin")
    assert " IN (" in admin["sql"].upper() and admin["rows"] == [["UK"]], admin["sql"]
    _filtered(both, ("players", "birth_year", 1940))
    answer = _ask(both, NATIONS_SHARED)
    _never_crashes(answer)
    assert not answer["rows"], answer["sql"]


@pytest.mark.parametrize("question", [NATIONS_SHARED, VENUES_OF_BOTH])
def test_a_masked_column_compared_in_the_subquery_is_refused_or_masked(question: str) -> None:
    """players.nation and venues.name masked: their values are not listed, and a nation is not
    compared across the halves (it would say which nations both hold)."""
    source = _org("probe24both2", BOTH_ROWS, ("players.nation", "venues.name"), BOTH_SCRIPT)
    answer = _ask(source, question)
    _never_crashes(answer)
    said = _said(answer)
    for word in ("UK", "FR", "Arena"):
        assert word not in said.replace("'***'", ""), (word, answer["sql"])


# --- "club 2": the row with that key, through row filters, masks and another org ---------------

CLUB_SCRIPT = """
CREATE TABLE club (club_id INTEGER PRIMARY KEY, city TEXT, motto TEXT);
CREATE TABLE member (member_id INTEGER PRIMARY KEY, club_id INTEGER REFERENCES club(club_id),
    fee REAL);
"""
CLUB_ROWS = {
    "club": [(1, "Oslo", "Row hard"), (2, "Rome", "Sail far")],
    "member": [(1, 1, 5.0), (2, 1, 6.0), (3, 2, 7.0)],
}


@pytest.mark.parametrize(
    ("question", "admin_rows"),
    [
        ("What is the city of club 2?", [["Rome"]]),
        ("How many members does club 2 have?", [[1]]),
        ("the total fee of the members of club 2", [[7.0]]),
    ],
)
def test_a_row_by_key_reads_through_row_filters_and_masks(question: str, admin_rows: list) -> None:
    source = _org("probe24club", CLUB_ROWS, ("club.motto",), CLUB_SCRIPT)
    admin = _ask(source, question, "admin")
    assert admin["rows"] == admin_rows, admin["sql"]
    _filtered(source, ("club", "city", "Oslo"))
    answer = _ask(source, question)
    _never_crashes(answer)
    assert "Rome" not in _said(answer) and answer["rows"] in ([], [[0]], [[None]]), answer["sql"]
    motto = _ask(source, "the motto of club 1")
    assert "Row hard" not in _said(motto), motto["sql"]


def test_a_row_by_key_of_another_org_is_no_row_here() -> None:
    """Org B has a club 7 in Bergen; org A's analyst asking for club 7 gets no row (as for a
    club 8 nobody has), never B's city."""
    here = _org("probe24club2", CLUB_ROWS, (), CLUB_SCRIPT)
    _org("probe24club3", {"club": [(7, "Bergen", "x")], "member": [(9, 7, 1.0)]}, (), CLUB_SCRIPT)
    theirs = _ask(here, "What is the city of club 7?")
    nobody = _ask(here, "What is the city of club 8?")
    assert _shape(theirs) == _shape(nobody), theirs["sql"]
    assert "Bergen" not in _said(theirs)


@pytest.mark.parametrize(
    ("question", "masked"),
    [
        ("all the information about customers", ()),
        ("customers in grade 10", ("customers.grade",)),
        ("what is Downtown's id?", ("stores.store_name",)),
        ("the description of the store named Downtown", ("stores.store_description",)),
        ("how many French customers?", ("customers.country",)),
        ("how many orders have the code PD?", CODE_MASKED),
    ],
)
def test_the_admins_answer_is_not_served_to_the_analyst(question: str, masked: tuple) -> None:
    source = _org("probe24cache", masked=masked)
    admin = _ask(source, question, "admin")
    assert admin["type"] == "SQL" and admin["rows"], (admin["answer"], admin["sql"])
    answer = _ask(source, question)
    assert _shape(answer) != _shape(admin), answer["sql"]
    _no_secret(answer, "flagship")


@pytest.mark.parametrize(
    "question",
    [
        "customers whose country starts with the letter '%'",
        "customers whose country starts with the letter '_'",
        "customers whose country contains the word '%_%'",
        "how many customers have a country that ends with the letter '%'?",
    ],
)
def test_a_pattern_of_wildcards_alone_is_no_pattern(source: DataSource, question: str) -> None:
    """The wildcards are stripped from a pattern's text: one of nothing else was LIKE '%', every
    row for "starts with the letter '%'". Asked back now."""
    answer = _ask(source, question)
    _never_crashes(answer)
    assert "LIKE '%'" not in (answer.get("sql") or ""), answer["sql"]
    assert answer["type"] == "CLARIFY", (answer["answer"], answer["sql"])
    control = _ask(source, "customers whose country starts with the letter 'S'")
    assert [r[0] for r in control["rows"]] == [1, 3], control["sql"]
