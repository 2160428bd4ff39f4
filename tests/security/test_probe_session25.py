"""An attacker's probe of session 25's changes, with an analyst's (and an org admin's) login on
an org of their own: people's names flagged as personal (WordNet words for people, columns named
after a person's role or deed holding names), names read again when the index no longer holds
them (a bare name, "<verb> by A or B", the ask-back probing each value), and the engine rules
merged this session (graded adjectives, same-row column comparisons, most common values and
HAVING counts). A masked name is neither shown nor confirmed (a guessed name reads the same
in a twin org whose data lacks it), row filters hold inside the probes and the new subqueries,
another org's names read like made-up ones, a name's text stays data, and odd inputs get an
answer or an ask-back, never an exception."""

from __future__ import annotations

import pytest

from apps.governance.models import AccessPolicy, Role
from apps.knowledge.engine.pii import name_is_pii, names_people, person_role_column
from apps.knowledge.models import DataSource
from tests.support.probe_orgs import answer_shape as _shape
from tests.support.probe_orgs import answer_text as _said
from tests.support.probe_orgs import ask_as as _ask
from tests.support.probe_orgs import fresh_memos as _fresh_memos  # noqa: F401 (autouse)
from tests.support.probe_orgs import never_crashes as _never_crashes
from tests.support.probe_orgs import sqlite_org

pytestmark = pytest.mark.django_db

SCRIPT = """
CREATE TABLE Highschooler (ID INTEGER PRIMARY KEY, name TEXT, grade INTEGER);
CREATE TABLE Friend (student_id INTEGER REFERENCES Highschooler(ID),
    friend_id INTEGER REFERENCES Highschooler(ID));
CREATE TABLE Cartoon (id INTEGER PRIMARY KEY, Title TEXT, Directed_by TEXT, Channel TEXT);
CREATE TABLE clerks (clerk_id INTEGER PRIMARY KEY, clerk_name TEXT, city TEXT);
CREATE TABLE shops (shop_id INTEGER PRIMARY KEY, shop_title TEXT,
    manager_id INTEGER REFERENCES clerks(clerk_id), area REAL);
CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
    email TEXT, birth_date TEXT, city TEXT, score INTEGER, bonus INTEGER, age INTEGER);
"""
STUDENTS = [(1, "Kyle", 10), (2, "Jordan", 9), (3, "Tiffany", 11), (4, "Gabriel", 9)]
FRIENDS = [(1, 2), (2, 3), (3, 4), (4, 1)]
CARTOONS = [
    (1, "The Rise of the Blue Beetle", "Ben Jones", "CN"),
    (2, "Terror on the Clock", "Brandon Vietti", "CN"),
    (3, "The Eyes of Despero", "Michael Chang", "BW"),
    (4, "Return of the Fearsome Fangs", "Ben Jones", "BW"),
    (5, "Deep Cover for Batman", "Dani Rendon", "CN"),
]
CLERKS = [(1, "Ann Roe", "Boston"), (2, "Ben Orr", "Madrid"), (3, "Cy Lux", "Paris")]
SHOPS = [(1, "Harbour", 1, 10.0), (2, "Airport", 2, 20.0), (3, "Downtown", 1, 30.0)]
CUSTOMERS = [
    (1, "Zelda", "Quixote", "zelda@example.org", "1990-01-02", "Madrid", 5, 5, 36),
    (2, "Yorick", "Quixote", "yorick@example.org", "1971-03-04", "Boston", 7, 2, 55),
    (3, "Xavier", "Oddbody", "xavier@example.org", "2001-05-06", "Madrid", 9, 9, 25),
    (4, "Wanda", "Wanda", "wanda@example.org", "1985-07-08", "Paris", 4, 8, 41),
]
ROWS = {
    "Highschooler": STUDENTS,
    "Friend": FRIENDS,
    "Cartoon": CARTOONS,
    "clerks": CLERKS,
    "shops": SHOPS,
    "customers": CUSTOMERS,
}


def _org(slug: str, rows: dict | None = None, masked: tuple[str, ...] = ()) -> DataSource:
    return sqlite_org(slug, SCRIPT, {**ROWS, **(rows or {})}, tuple(masked))


def _policy(source: DataSource, **fields) -> None:
    AccessPolicy.all_tenants.filter(organization=source.organization, role=Role.ANALYST).update(
        **fields
    )


# --- 1. a guessed name reads the same whether the data holds it ---------------------------------

STUDENTS_NO_KYLE = [(i, "Kendrick" if n == "Kyle" else n, g) for i, n, g in STUDENTS]
CARTOONS_NO_BEN = [(i, t, "Dana Frost" if d == "Ben Jones" else d, c) for i, t, d, c in CARTOONS]
CLERKS_NO_ANN = [(i, "Ada Vane" if n == "Ann Roe" else n, c) for i, n, c in CLERKS]
NO_NAMES = {"Highschooler": STUDENTS_NO_KYLE, "Cartoon": CARTOONS_NO_BEN, "clerks": CLERKS_NO_ANN}

NAME_QUESTIONS = [
    "What grade is Kyle in?",
    "the grade of Kyle",
    "what is Kyle's grade?",
    "Kyle's friends",
    "how many friends does Kyle have?",
    "¿En qué curso está Kyle?",
    "cartoons directed by Ben Jones",
    "cartoons directed by Ben Jones or Brandon Vietti",
    "cartoons directed by Zorb Blat or Ben Jones",
    "how many cartoons were directed by Ben Jones?",
    "channels of the cartoons directed by 'Ben Jones'",
    "shops managed by 'Ann Roe'",
    "shops managed by Ann Roe or Zorb Blat",
    "the area of the shops managed by Ann Roe",
]


@pytest.mark.parametrize("question", NAME_QUESTIONS)
def test_a_masked_name_read_again_is_no_oracle(question: str) -> None:
    """The analyst's policy masks every personal column: a name said alone or after
    "<verb> by" reads the same as in a twin org whose data lacks it (refused, not confirmed
    by an answer nor by the ask-back that probes each value)."""
    here, there = _org("probe25a"), _org("probe25b", NO_NAMES)
    a, b = _ask(here, question), _ask(there, question)
    _never_crashes(a)
    assert _shape(a) == _shape(b), (a["answer"], a["sql"], b["answer"], b["sql"])
    assert a["answer"] == b["answer"]
    for secret in ("Tiffany", "Gabriel", "Michael Chang", "Dani Rendon", "Cy Lux"):
        assert secret not in _said(a), (secret, a["answer"], a["sql"])


def test_the_names_this_session_reads_are_masked_for_the_analyst() -> None:
    """The columns the session's rules read as people's names are personal: a student's name
    (a table WordNet reads as people), a film's director (`Directed_by` holding names), a
    clerk's name; the analyst sees none of them, the admin does."""
    source = _org("probe25c")
    for question, secret in [
        ("list the names of all highschoolers", "Tiffany"),
        ("all the information about cartoons", "Vietti"),
        ("list all clerks", "Ann Roe"),
    ]:
        seen = _ask(source, question, "admin")
        assert secret in _said(seen), (question, seen["answer"], seen["sql"])
        masked = _ask(source, question)
        _never_crashes(masked)
        assert secret not in _said(masked), (question, masked["answer"], masked["sql"])


# --- 2. row filters and other orgs ----------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "What grade is Kyle in?",
        "what is Kyle's grade?",
        "the grade of Kyle",
        "Kyle's friends",
        "cartoons directed by Ben Jones",
        "cartoons directed by Ben Jones or Brandon Vietti",
        "cartoons directed by Zorb Blat or Ben Jones",
        "shops managed by Ann Roe",
        "shops managed by Ann Roe or Zorb Blat",
    ],
)
def test_a_row_filtered_analyst_learns_nothing_of_names_in_rows_they_cannot_see(
    question: str,
) -> None:
    """Names unmasked, rows filtered: Kyle (grade 10), Ben Jones's cartoons (both off the
    analyst's channel... one on it is removed below) and Ann Roe (Boston) are in rows the
    analyst cannot see; the answer and the ask-back read as for a name the data lacks."""
    filters = [
        {"table": "Highschooler", "column": "grade", "value": 9},
        {"table": "Cartoon", "column": "Channel", "value": "CN"},
        {"table": "clerks", "column": "city", "value": "Madrid"},
        {"table": "shops", "column": "area", "value": 20.0},
    ]
    # Ben Jones directs only on the BW channel here, which the analyst cannot see.
    cartoons = [(i, t, d, "BW" if d == "Ben Jones" else c) for i, t, d, c in CARTOONS]
    cartoons_no_ben = [
        (i, t, "Dana Frost" if d == "Ben Jones" else d, c) for i, t, d, c in cartoons
    ]
    here = _org("probe25d", {"Cartoon": cartoons})
    there = _org("probe25e", {**NO_NAMES, "Cartoon": cartoons_no_ben})
    for source in (here, there):
        _policy(source, masked_columns=[], row_filters=filters)
    a, b = _ask(here, question), _ask(there, question)
    _never_crashes(a)
    assert a["type"] != "REFUSED", a["answer"]  # the names are read, through the row filters
    assert _shape(a) == _shape(b), (a["answer"], a["sql"], b["answer"], b["sql"])
    assert a["answer"] == b["answer"]


@pytest.mark.parametrize(
    "question",
    [
        "What grade is Kyle in?",
        "cartoons directed by Ben Jones or Brandon Vietti",
        "shops managed by Ann Roe",
    ],
)
def test_another_orgs_names_read_like_made_up_ones(question: str) -> None:
    """Org A holds the names; org B's admin (who sees everything of B) asks about them: B's
    answer is the one B gives for a made-up name."""
    _org("probe25f")
    other = _org("probe25g", NO_NAMES)
    made_up = (
        question.replace("Kyle", "Zorblat")
        .replace("Ben Jones", "Zorb Blat")
        .replace("Brandon Vietti", "Quil Vass")
        .replace("Ann Roe", "Zorb Blat")
    )
    if "Vietti" in question:  # Brandon Vietti is in B too: only Ben Jones is A's alone
        made_up = question.replace("Ben Jones", "Zorb Blat")
    a, b = _ask(other, question, "admin"), _ask(other, made_up, "admin")
    _never_crashes(a)
    assert _shape(a)[:3] == _shape(b)[:3], (a["answer"], a["sql"], b["answer"], b["sql"])
    assert not any("Ben Jones" in str(r) or "Kyle" in str(r) for r in a.get("rows") or [])


# --- 3. a name's text stays data ------------------------------------------------------------------

ODD_NAMES = [
    "O'Brien",
    "Ben' OR '1'='1",
    "Ben'); DROP TABLE Cartoon; --",
    "Ben%",
    "B_n Jones",
    "Ben \\' Jones",
    "Zoë Ñúñez",
    "Ｂｅｎ Ｊｏｎｅｓ",
    "Ben\u200bJones",
    "Ben " + "Jones " * 400,
    "Kyle" * 300,
    '"Kyle"',
]


@pytest.mark.parametrize("name", ODD_NAMES)
@pytest.mark.parametrize(
    "template",
    [
        "What grade is {} in?",
        "cartoons directed by {} or Brandon Vietti",
        "cartoons directed by Ben Jones or {}",
        "shops managed by '{}'",
        "{}'s friends",
    ],
)
def test_an_odd_name_is_data_and_never_crashes(template: str, name: str) -> None:
    source = _org("probe25h")
    answer = _ask(source, template.format(name), "admin")
    _never_crashes(answer)
    assert "drop" not in str(answer.get("sql") or "").lower().split("'")[0::2].__str__()
    # a wildcard or a quote matches no row but its own text
    if answer["type"] == "SQL" and "Brandon Vietti" in template:
        titles = {r[0] for r in answer["rows"]}
        assert "The Eyes of Despero" not in titles and "Deep Cover for Batman" not in titles
    still = _ask(source, "how many cartoons are there?", "admin")
    assert still["rows"] == [[5]], still


# --- 4. the session's engine rules on masked columns ---------------------------------------------

CUSTOMERS_SHUFFLED = [
    (1, "Zelda", "Oddbody", "zelda@example.org", "2001-05-06", "Madrid", 9, 5, 55),
    (2, "Yorick", "Yorick", "yorick@example.org", "1990-01-02", "Boston", 4, 2, 25),
    (3, "Xavier", "Quixote", "xavier@example.org", "1971-03-04", "Madrid", 5, 9, 41),
    (4, "Wanda", "Quixote", "wanda@example.org", "1985-07-08", "Paris", 7, 8, 36),
]
SCORE_MASKED = ("customers.score", "customers.birth_date", "customers.age")


@pytest.mark.parametrize(
    "question",
    [
        "the youngest customer",
        "the oldest customer",
        "who is the youngest customer?",
        "customers from the oldest to the youngest",
        "customers younger than Zelda",
        "the most common last name",
        "the last name that is most common among customers",
        "last names sorted by their frequency",
        "last names in ascending order of count",
        "how many customers have each last name?",
        "last names shared by at least two customers",
        "customers whose first name is the same as their last name",
        "customers whose first name is different from their last name",
        "customers whose email is different from their last name",
        "customers whose score is the same as their bonus",
        "customers whose bonus is different from their score",
        "customers whose bonus is higher than their score",
        "the customer with the highest score",
        "the customer with the best score",
        "customers with a score higher than the average",
        "cities with at least two customers whose score is above 5",
        "the most common birth date",
        "the youngest customer's city",
        "the city of the oldest customer",
        "customers older than 30",
        "customers from the oldest to the youngest",
        "which customer is the youngest?",
        "customers whose age is the same as their score",
        "customers whose age is higher than their bonus",
        "customers whose bonus is the same as their age",
        "the most common age",
        "ages shared by at least two customers",
        "how many customers of each age?",
        "customers whose birth date is the same as their city",
    ],
)
def test_the_new_rules_on_masked_columns_are_no_oracle(question: str) -> None:
    """Names, e-mails and birth dates are personal, scores masked by the admin: a twin whose
    masked values are shuffled among the same customers gives the same answer."""
    here = _org("probe25i", masked=SCORE_MASKED)
    there = _org("probe25j", {"customers": CUSTOMERS_SHUFFLED}, masked=SCORE_MASKED)
    a, b = _ask(here, question), _ask(there, question)
    _never_crashes(a)
    assert _shape(a) == _shape(b), (a["answer"], a["sql"], b["answer"], b["sql"])
    assert a["answer"] == b["answer"]
    for secret in ("Quixote", "Oddbody", "example.org", "1990", "1971"):
        assert secret not in _said(a), (secret, a["answer"], a["sql"])


@pytest.mark.parametrize(
    "question",
    [
        "the most common city of customers",
        "cities with at least two customers",
        "how many customers in each city?",
        "the city with the most customers",
        "customers whose score is the same as their bonus",
        "customers whose bonus is different from their score",
        "the customer with the highest bonus",
        "cities sorted by their frequency",
    ],
)
def test_a_customer_row_filter_holds_in_the_new_shapes(question: str) -> None:
    """Row filter city = Madrid: the rows of other cities change in a twin, the analyst's
    answer does not."""
    others = [
        (i, f, n, e, b, c, s * 3, s * 3, a)
        for i, f, n, e, b, c, s, _, a in CUSTOMERS
        if c != "Madrid"
    ]
    extra = [(9, "Una", "Vale", "una@example.org", "1999-09-09", "Paris", 1, 1, 70)]
    madrid = [r for r in CUSTOMERS if r[5] == "Madrid"]
    here = _org("probe25k")
    there = _org("probe25l", {"customers": madrid + others + extra})
    for source in (here, there):
        _policy(
            source,
            masked_columns=["@pii"],
            row_filters=[{"table": "customers", "column": "city", "value": "Madrid"}],
        )
    a, b = _ask(here, question), _ask(there, question)
    _never_crashes(a)
    assert _shape(a) == _shape(b), (a["answer"], a["sql"], b["answer"], b["sql"])
    assert "Paris" not in _said(a) and "Boston" not in _said(a), (a["answer"], a["sql"])


# --- 5. names the detection missed (fixed: Spanish words for people) -----------------------------


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("jugadores", "nombre"),
        ("Jugador", "Nombre"),
        ("entrenadores", "nombre_completo"),
        ("pasajeros", "nombre"),
        ("periodistas", "nombre"),
        ("tiendas", "nombre_gerente"),
        ("EmpleadosActivos", "nombre"),
        ("Personnel", "name"),
    ],
)
def test_a_spanish_table_of_people_has_personal_names(table: str, column: str) -> None:
    """The engine reads Spanish; a Spanish word for people said the names were no one's
    (`jugadores.nombre` was shown to the analyst whose role masks personal data)."""
    assert name_is_pii(table, column)


def test_a_spanish_role_column_is_judged_by_its_values() -> None:
    assert person_role_column("gerente")
    assert person_role_column("entrenador")


def test_names_written_surname_first_are_people() -> None:
    """An export's "SMITH, John" (the comma kept the surname from reading as a name's word):
    a `Player` column of them was shown to the analyst whose role masks personal data."""
    assert names_people("Player", ["SMITH, John", "JONES, Ann", "LEE, Kim", "Ruiz, Ana"])
    assert not names_people("Player", ["Point Guard", "Forward, Centre", "Goalkeeper"])


SPANISH = """
CREATE TABLE jugadores (jugador_id INTEGER PRIMARY KEY, nombre TEXT, equipo TEXT, goles INTEGER);
"""


def test_the_analyst_sees_no_spanish_players_names() -> None:
    source = sqlite_org(
        "probe25m",
        SPANISH,
        {"jugadores": [(1, "Iker Zubiaurre", "Rojos", 3), (2, "Nerea Olabarria", "Azules", 5)]},
    )
    for question in ("lista de jugadores", "list all players", "the player with the most goles"):
        seen = _ask(source, question, "admin")
        masked = _ask(source, question)
        _never_crashes(masked)
        if "Zubiaurre" in _said(seen) or "Olabarria" in _said(seen):
            assert "Zubiaurre" not in _said(masked), (question, masked["answer"], masked["sql"])
            assert "Olabarria" not in _said(masked), (question, masked["answer"], masked["sql"])
    shown = _ask(source, "lista de jugadores", "admin")
    assert "Zubiaurre" in _said(shown), shown


ROWERS = """
CREATE TABLE clubs (club_id INTEGER PRIMARY KEY, club_name TEXT, town TEXT);
CREATE TABLE rowers (rower_id INTEGER PRIMARY KEY, name TEXT, home_town TEXT,
    age INTEGER, club_id INTEGER REFERENCES clubs(club_id));
CREATE TABLE members (member_id INTEGER PRIMARY KEY, name TEXT, birth_date TEXT, city TEXT);
"""
ROWER_ROWS = {
    "clubs": [(1, "Leander", "Henley"), (2, "Thames", "Putney")],
    "rowers": [
        (1, "Ann", "Oxford", 19, 1),
        (2, "Bea", "Oxford", 34, 1),
        (3, "Cal", "Bath", 27, 2),
        (4, "Dan", "Bath", 41, 2),
        (5, "Eve", "York", 23, 1),
    ],
    "members": [
        (1, "Gus", "1950-01-01", "Leeds"),
        (2, "Hal", "2004-02-02", "Derby"),
        (3, "Ivy", "1980-03-03", "Hull"),
    ],
}
ROWER_SHUFFLED = {
    "clubs": ROWER_ROWS["clubs"],
    "rowers": [
        (i, n, t, {19: 41, 41: 19, 34: 23, 23: 34}.get(a, a), c)
        for i, n, t, a, c in ROWER_ROWS["rowers"]
    ],
    "members": [
        (1, "Gus", "2004-02-02", "Leeds"),
        (2, "Hal", "1950-01-01", "Derby"),
        (3, "Ivy", "1980-03-03", "Hull"),
    ],
}


@pytest.mark.parametrize(
    "question",
    [
        "What is the name of the youngest rower?",
        "Show the home town of the oldest rower.",
        "Which rowers are older than 30?",
        "List the rowers younger than 25.",
        "What are the names of rowers who are older than average?",
        "List the rowers' names ordered by age from the oldest to the youngest.",
        "List the names of the rowers ordered by age from youngest to oldest.",
        "the home town of the youngest rower in each club",
        "What is the city of the youngest member?",
        "Who is the oldest member?",
        "Which member is the youngest?",
        "What is the most common age of rowers?",
        "clubs with at least two rowers older than 30",
    ],
)
def test_graded_adjectives_on_a_masked_age_are_no_oracle(question: str) -> None:
    """The rowers' age masked by the admin, the members' birth date personal: "the youngest",
    "older than 30", "from the oldest to the youngest" read the same in a twin whose ages and
    birth dates are swapped among the same rows (the admin's answers differ: the rule reads)."""
    here = sqlite_org("probe25n", ROWERS, ROWER_ROWS, ("rowers.age",))
    there = sqlite_org("probe25o", ROWERS, ROWER_SHUFFLED, ("rowers.age",))
    a, b = _ask(here, question), _ask(there, question)
    _never_crashes(a)
    assert _shape(a) == _shape(b), (a["answer"], a["sql"], b["answer"], b["sql"])
    assert a["answer"] == b["answer"]


# --- 6. the admin's answer is not the analyst's; a table the analyst may not read ---------------


@pytest.mark.parametrize(
    "question",
    ["What grade is Kyle in?", "cartoons directed by Ben Jones or Brandon Vietti"],
)
def test_the_admins_answer_about_a_name_is_not_served_to_the_analyst(question: str) -> None:
    """The admin asks first (the answer may be cached); the analyst whose role masks the name
    asking the same question is refused as if the admin had not asked."""
    source = _org("probe25p")
    seen = _ask(source, question, "admin")
    assert seen["type"] == "SQL" and seen["rows"], (seen["answer"], seen["sql"])
    masked = _ask(source, question)
    assert masked["type"] == "REFUSED", (masked["answer"], masked["sql"])
    assert not masked.get("rows"), masked


@pytest.mark.parametrize(
    "question", ["What grade is Kyle in?", "the grade of Kyle", "Kyle's friends"]
)
def test_a_name_of_a_table_the_analyst_may_not_read_is_no_oracle(question: str) -> None:
    """Names unmasked but the students' tables not allowed: a bare name (read as a row of the one
    table of people) reads the same whether the student exists."""
    allowed = ["Cartoon", "clerks", "shops", "customers"]
    here, there = _org("probe25q"), _org("probe25r", NO_NAMES)
    for source in (here, there):
        _policy(source, masked_columns=[], allowed_tables=allowed)
    a, b = _ask(here, question), _ask(there, question)
    _never_crashes(a)
    assert _shape(a) == _shape(b), (a["answer"], a["sql"], b["answer"], b["sql"])
    assert a["answer"] == b["answer"]
    assert "10" not in str(a.get("rows")), a


@pytest.mark.parametrize("count", [3, 60, 150])
def test_a_long_chain_of_names_is_answered_quickly(count: int) -> None:
    """ "directed by A or B or …" up to the question's length limit: each value the ask-back
    probes is one guarded query, the chain gets a clean answer or an ask-back, in bounded time."""
    import time

    source = _org("probe25s")
    names = " or ".join(f"Zed{chr(65 + i % 26)}{chr(65 + i // 26)} Jones" for i in range(count))
    for question in (
        f"cartoons directed by {names} on channel BW",
        f"how many cartoons were directed by {names}?",
        f"cartoons of channel BW directed by Ben Jones or {names}",
    ):
        started = time.monotonic()
        answer = _ask(source, question[:1995], "admin")
        _never_crashes(answer)
        assert time.monotonic() - started < 20, question[:80]
