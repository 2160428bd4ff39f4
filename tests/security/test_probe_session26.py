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
    # a firm's name stays a firm's, whatever its values look like (northwind's suppliers)
    firms = ["Exotic Liquids", "New Orleans Cajun Delights", "Grandma Kelly's Homestead"]
    assert not names_people("CompanyName", firms, table="Suppliers")


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


# --- 2. the new shapes under row filters, masks and other orgs ---------------------------------

VENUE = """
CREATE TABLE halls (hall_id INTEGER PRIMARY KEY, name TEXT, town TEXT, seats INTEGER);
CREATE TABLE gigs (gig_id INTEGER PRIMARY KEY, title TEXT,
    hall_id INTEGER REFERENCES halls(hall_id), year INTEGER);
CREATE TABLE pupils (pupil_id INTEGER PRIMARY KEY, name TEXT, email TEXT, grade INTEGER,
    age INTEGER);
"""
HALLS = [(1, "Zenit", "Oslo", 900), (2, "Dome", "Lima", 1500), (3, "Barn", "Oslo", 300)]
GIGS = [
    (1, "Spring", 1, 2014),
    (2, "Summer", 2, 2014),
    (3, "Autumn", 2, 2015),
    (4, "Winter", 3, 2014),
    (5, "Dawn", 2, 2016),
]
PUPILS = [
    (1, "Ana Ruiz", "ana@x.org", 9, 14),
    (2, "Ben Orr", "ben@x.org", 9, 15),
    (3, "Cai Lux", "cai@x.org", 10, 15),
    (4, "Dee Fox", "dee@x.org", 11, 16),
]
VENUE_ROWS = {"halls": HALLS, "gigs": GIGS, "pupils": PUPILS}


def _venue(slug: str, rows: dict | None = None, masked: tuple[str, ...] = ()) -> DataSource:
    return sqlite_org(slug, VENUE, {**VENUE_ROWS, **(rows or {})}, masked)


@pytest.mark.parametrize(
    ("question", "want"),
    [
        # the nested superlative's subquery picks among the rows the analyst may see (Zenit,
        # not Dome with 1,500 seats and three gigs)
        ("How many gigs were held in the hall with the largest seats?", [(1,)]),
        ("What is the average year of gigs in the hall with the smallest seats?", [(2014.0,)]),
        ("the name of the hall with the most gigs", [("Zenit",)]),
        ("Which seats has the most gigs?", [(900, 1)]),
        # either range of one column stays one parenthesised OR beside the row filter
        ("the number of halls with seats over 1000 or under 400", [(1,)]),
        ("halls with seats over 1000 or under 400", [("Barn",)]),
        # a pattern after "the word" / "substring" reads only visible rows
        ("What is the town of the hall whose name has the word Dome?", []),
        ("Which halls have substring 'Dome'?", []),
        ("Which halls contain the string 'o'?", []),
    ],
)
def test_row_filters_hold_inside_the_new_shapes(question: str, want: list) -> None:
    source = _venue("probe26b")
    _filter(source, ("halls", "town", "Oslo"))
    answer = _ask(source, question)
    assert answer["type"] == "SQL", (answer["answer"], answer.get("sql"))
    assert [tuple(r) for r in answer["rows"]] == want, answer["sql"]
    # every read of halls, the subquery's too, is of the filtered rows
    sql = answer["sql"]
    assert sql.count("FROM halls") == sql.count("WHERE town IN ('Oslo')"), sql
    shown = str(answer["rows"]) + str(answer["answer"])
    assert "Lima" not in shown and "Dome," not in shown and "1500" not in shown, shown


@pytest.mark.parametrize(
    "question",
    [
        "How many gigs were held in the hall with the largest seats?",
        "What is the average year of gigs in the hall with the smallest seats?",
        "halls with seats over 1000 or under 400",
        "¿Cuántos gigs hubo en el hall con más seats?",
    ],
)
def test_a_masked_column_ranking_a_nested_superlative_is_refused_whatever_its_values(
    question: str,
) -> None:
    """A masked number that picks the one row of a nested superlative (or bounds an 'or'
    range) would order the rows by a value the analyst may not see: refused, alike in a twin
    org whose halls rank the other way."""
    reversed_halls = [(i, n, t, 2000 - s) for i, n, t, s in HALLS]
    here = _venue("probe26c", masked=("halls.seats",))
    there = _venue("probe26d", {"halls": reversed_halls}, masked=("halls.seats",))
    a, b = _ask(here, question), _ask(there, question)
    assert a["type"] == "REFUSED" and a["error"]["code"] == "column_masked", a
    assert _shape(a) == _shape(b) and a["answer"] == b["answer"]


@pytest.mark.parametrize(
    "question",
    [
        "What grade is Cai Lux in?",  # a row the analyst cannot see (grade 10)
        "What grade is Cai in?",
        "What grade is Zorb Blat in?",  # no row at all
    ],
)
def test_the_neutral_ask_back_is_no_oracle_of_rows_filtered_away(question: str) -> None:
    """Names unmasked, e-mails masked, rows filtered to grade 9: a name only a hidden row has
    reads like a made-up one, in the ask-back's text and in the columns it offers (the twin
    org's data lacks it)."""
    no_cai = [(i, "Cyd Vane" if n == "Cai Lux" else n, e, g, a) for i, n, e, g, a in PUPILS]
    here, there = _venue("probe26e"), _venue("probe26f", {"pupils": no_cai})
    for source in (here, there):
        AccessPolicy.all_tenants.filter(organization=source.organization, role=Role.ANALYST).update(
            masked_columns=["pupils.email"]
        )
        _filter(source, ("pupils", "grade", 9))
    a, b = _ask(here, question), _ask(there, question)
    _never_crashes(a)
    assert a["type"] != "REFUSED", a["answer"]
    assert _shape(a) == _shape(b), (a["answer"], b["answer"])
    assert a["answer"] == b["answer"] and a.get("suggestions") == b.get("suggestions")
    assert "cai@x.org" not in _said(a)


def test_the_ask_back_of_a_masked_name_is_one_refusal() -> None:
    """Names masked (`@pii`): a name a row has and a made-up one get the same refusal, never
    the ask-back that would say the second one is missing."""
    source = _venue("probe26g")
    known, unknown = (
        _ask(source, "What grade is Ana Ruiz in?"),
        _ask(source, "What grade is Zorb Blat in?"),
    )
    assert _shape(known) == _shape(unknown), (known["answer"], unknown["answer"])
    assert known["type"] == "REFUSED" and known["error"]["code"] == "column_masked"
    for question in [
        "What is the email of the pupil whose name has the word Ana?",
        "Which pupils have substring 'Ana'?",
        "the email of the pupil with the highest age",
    ]:
        answer = _ask(source, question)
        _never_crashes(answer)
        _no_secret(answer, ("ana@x.org", "dee@x.org", "Ana Ruiz", "Dee Fox"))


def test_another_orgs_hall_reads_as_no_row() -> None:
    """Org A holds the hall "Zenit"; org B's admin looks for it by the new pattern shapes."""
    _venue("probe26h")
    other = _venue("probe26i", {"halls": [(1, "Aula", "Rome", 900), (2, "Dome", "Lima", 1500)]})
    for question in [
        "What is the town of the hall whose name has the word Zenit?",
        "Which halls have substring 'Zenit'?",
    ]:
        answer = _ask(other, question, "admin")
        _never_crashes(answer)
        assert not answer.get("rows"), (answer["sql"], answer["rows"])


# --- 3. a pattern's text is data ----------------------------------------------------------------


def _no_injection(answer: dict, sql: str) -> None:
    _never_crashes(answer)
    lowered = sql.lower()
    for word in ("drop ", "union", "delete", "insert", "update ", "attach", "pragma", "1=1"):
        assert word not in lowered.replace("'%", "").split("like")[0], sql


@pytest.mark.parametrize(
    "question",
    [
        "Which halls have substring 'Dome'' OR ''1''=''1'?",
        "Which halls have substring 'x'') UNION SELECT email FROM pupils --'?",
        "What is the town of the hall whose name has the word Dome'); DROP TABLE gigs; --",
        "What is the town of the hall whose name has the word x' UNION SELECT email FROM pupils",
        'Which halls contain the string "%\'; DELETE FROM halls; --"?',
        "¿Qué halls contienen la cadena 'x'' OR 1=1 --'?",
        "What grade is Robert'); DROP TABLE pupils;-- in?",
        "What grade is O'Brien in?",
    ],
)
def test_patterns_and_names_stay_data(question: str) -> None:
    source = _venue("probe26j")
    _injection_is_data(source, question, ("ana@x.org", "ben@x.org"), _no_injection)


@pytest.mark.parametrize(
    "table",
    ["user_accounts", "customer_accounts", "passenger_bookings", "guest_reservations",
     "staff_accounts", "driver_licenses", "customer_orders"],
)  # fmt: skip
def test_the_name_of_a_table_of_peoples_things_holding_rare_names_is_personal(table: str) -> None:
    """Session 26 reads a word for people before a thing's head as naming things
    ("Web_client_accelerator"); the `name` of a user's account or a passenger's booking is
    then judged by its values, and the strict test (a first name of the list) let rare first
    names through: the lenient test decides."""
    assert not name_is_pii(table, "name")
    assert names_people("name", NAMES[:4], table=table)
    assert names_people("full_name", NAMES[:4], table=table)
    software = ["CACHEbox", "CProxy", "Fasterfox", "Opera Turbo", "Polipo", "Squid", "Nitro"]
    assert not names_people("name", software, table=table)


def test_user_accounts_names_are_masked_for_the_analyst() -> None:
    script = "CREATE TABLE user_accounts (account_id INTEGER PRIMARY KEY, name TEXT, plan TEXT);"
    rows = {"user_accounts": [(i, n, "gold") for i, n in enumerate(NAMES[:4], 1)]}
    source = sqlite_org("probe26k", script, rows)
    for question in ["list all user accounts", "the names of the user accounts"]:
        answer = _ask(source, question)
        _never_crashes(answer)
        _no_secret(answer, SECRETS)


# --- 4. odd inputs on the new shapes ------------------------------------------------------------

ODD = [
    "the word",
    "has the word",
    "halls whose name has the word",
    "halls whose name has the substring the",
    "halls whose name has the word the the the",
    "Which halls have substring ''?",
    "Which halls have substring '''?",
    "halls that have the string “Dome” in in in",
    "gigs in 2015 or after or before or",
    "gigs in or after or 2015",
    "or or or seats over 1000 or under",
    "halls with seats over or under 400",
    "halls with seats over 1000 or under 400 or over 5000 or under -3",
    "How many gigs were held in the hall with the largest largest seats?",
    "the hall with the most gigs with the most gigs with the most seats",
    "gigs in the hall with the largest seats of the hall with the smallest seats",
    "What grade is in?",
    "What grade is “” in?",
    "What grade is \u200bAna\u200b in?",
    "What grade is ANA RUIZ RUIZ RUIZ RUIZ RUIZ RUIZ in?",
    "What grade is " + "Zorb " * 60 + "in?",
    "¿En qué curso está Zorblat?",
    "¿Cuántos gigs hubo en la sala con más o menos asientos?",
    "salas cuyo nombre tiene la palabra",
    "salas cuyo nombre tiene la subcadena la la",
    "gigs 2015 o después o antes",
    "seats seats seats most most gigs halls halls",
    "the word Dome in in",
    "%_%'\\",
]


@pytest.mark.parametrize("question", ODD)
def test_odd_inputs_on_the_new_shapes_never_crash(question: str) -> None:
    source = _venue("probe26l")
    _filter(source, ("halls", "town", "Oslo"))
    for who in ("analyst", "admin"):
        answer = _ask(source, question, who)
        _never_crashes(answer)
        if who == "analyst":
            _no_secret(answer, ("ana@x.org", "Ana Ruiz", "Lima"))
