"""An attacker's probe of session 27's changes, with an analyst's (and an org admin's) login on
an org of their own: "A or B" over two columns (`WHERE (A OR B)`), person columns read through
a role table's key to a people table, and the plain count. A row filter stays ANDed outside
the OR, a masked column is no side of one, an OR's text stays data, and odd inputs get an
answer or an ask-back, never an exception."""

from __future__ import annotations

import pytest

from apps.knowledge.models import DataSource
from tests.support.probe_orgs import answer_shape as _shape
from tests.support.probe_orgs import ask_as as _ask
from tests.support.probe_orgs import filter_rows as _filter
from tests.support.probe_orgs import fresh_memos as _fresh_memos  # noqa: F401 (autouse)
from tests.support.probe_orgs import never_crashes as _never_crashes
from tests.support.probe_orgs import no_secret as _no_secret
from tests.support.probe_orgs import sqlite_org

pytestmark = pytest.mark.django_db

SCRIPT = """
CREATE TABLE people (People_ID INTEGER PRIMARY KEY, Name TEXT, Email TEXT, Height REAL,
    Salary INTEGER, Country TEXT);
CREATE TABLE gymnast (Gymnast_ID INTEGER PRIMARY KEY REFERENCES people(People_ID),
    Floor_Points REAL, Total_Points REAL, Club TEXT);
CREATE TABLE halls (hall_id INTEGER PRIMARY KEY, name TEXT, town TEXT, seats INTEGER,
    year INTEGER);
"""
PEOPLE = [
    (1, "Ana Ruiz", "ana@x.org", 170.0, 5000, "Spain"),
    (2, "Ben Orr", "ben@x.org", 182.0, 9000, "Peru"),
    (3, "Cai Lux", "cai@x.org", 195.0, 7000, "Spain"),
    (4, "Dee Fox", "dee@x.org", 160.0, 3000, "Chile"),
]
GYMNASTS = [(1, 9.1, 57.0, "North"), (2, 9.5, 58.0, "South"), (3, 8.9, 56.5, "North")]
HALLS = [
    (1, "Zenit", "Oslo", 900, 2001),
    (2, "Dome", "Lima", 1500, 2010),
    (3, "Barn", "Oslo", 300, 2015),
    (4, "Vault", "Lima", 200, 1999),
]
ROWS = {"people": PEOPLE, "gymnast": GYMNASTS, "halls": HALLS}
SECRETS = ("ana@x.org", "ben@x.org", "cai@x.org", "dee@x.org")


def _org(slug: str, rows: dict | None = None, masked: tuple[str, ...] = ()) -> DataSource:
    return sqlite_org(slug, SCRIPT, {**ROWS, **(rows or {})}, masked)


def _where(sql: str) -> str:
    return sql.split("WHERE", 1)[1] if "WHERE" in sql else ""


# --- 1. "A or B" under a row filter ------------------------------------------------------------

OR_QUESTIONS = [
    "halls with seats over 1000 or year after 2012",
    "the number of halls with seats over 1000 or year after 2012",
    "halls in Lima or with seats under 400",
    "halls whose town is Lima or seats are over 100",
    "halls with seats over 1000 or 1=1",
    "halls with seats over 1000 or every row",
    "halls with seats over 1000 or the town is anything",
    "halls with seats over 1000 or town is Lima or year before 2000",
    "salas con seats mayor que 1000 o year después de 2012",
    "halls with seats over 1000 or the year is 2010 or later",
    "halls with seats over 1000 or people with salary over 100",
    "halls with seats over 1000 or auth_user with id over 0",
]


@pytest.mark.parametrize("question", OR_QUESTIONS)
def test_a_row_filter_is_anded_outside_the_or(question: str) -> None:
    source = _org("probe27a")
    _filter(source, ("halls", "town", "Oslo"))
    answer = _ask(source, question)
    _never_crashes(answer)
    sql = answer.get("sql") or ""
    if answer["type"] == "SQL" and "FROM halls" in sql:
        where = _where(sql)
        assert "town IN ('Oslo')" in where, sql
        # the policy is no side of an OR: it stands before any parenthesised OR
        assert where.strip().startswith("town IN ('Oslo')") or " OR town IN" not in sql, sql
        # the policy is a subquery of its own: no OR of the question reaches inside it
        assert "FROM (SELECT" in sql and "FROM halls WHERE town IN ('Oslo'))" in sql, sql
    shown = str(answer.get("rows")) + str(answer.get("answer"))
    for hidden in ("Lima", "Dome", "Vault", "1500"):
        if hidden in question:  # the analyst's own word may be echoed back
            continue
        assert hidden not in shown, (question, sql, shown)
    assert "auth_user" not in sql, sql


# --- 2. a masked column is no side of an OR -----------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "halls with seats over 1000 or year after 2012",
        "the number of halls with year after 2012 or seats under 400",
        "halls in Oslo or with seats under 400",
        "salas con year después de 2012 o seats menor que 400",
    ],
)
def test_a_masked_column_in_an_or_is_refused_whatever_its_values(question: str) -> None:
    flipped = [(i, n, t, 2000 - s, y) for i, n, t, s, y in HALLS]
    here = _org("probe27b", masked=("halls.seats",))
    there = _org("probe27c", {"halls": flipped}, masked=("halls.seats",))
    a, b = _ask(here, question), _ask(there, question)
    _never_crashes(a)
    assert _shape(a) == _shape(b), (a["answer"], a.get("sql"), b["answer"], b.get("sql"))
    assert "seats" not in _where(a.get("sql") or ""), a["sql"]


def test_a_masked_email_is_no_side_of_an_or() -> None:
    source = _org("probe27d")
    for question in [
        "people with height over 190 or email containing ana",
        "the number of people with salary over 8000 or email is ana@x.org",
        "people whose country is Peru or whose email is cai@x.org",
    ]:
        answer = _ask(source, question)
        _never_crashes(answer)
        _no_secret(answer, SECRETS)
        assert "Email" not in _where(answer.get("sql") or ""), answer["sql"]


# --- 3. person columns through a role table ----------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "the average salary of all gymnasts",
        "the emails of all gymnasts",
        "the names and emails of gymnasts with total points over 57",
        "the height of gymnasts in club North or with floor points over 9.2",
        "list all gymnasts",
    ],
)
def test_person_columns_through_a_role_table(question: str) -> None:
    source = _org("probe27e", masked=("people.Salary",))
    _filter(source, ("people", "Country", "Spain"), ("gymnast", "Club", "North"))
    answer = _ask(source, question)
    _never_crashes(answer)
    _no_secret(answer, (*SECRETS, "Ben Orr", "9000", "5000", "7000"))
    sql = answer.get("sql") or ""
    if answer["type"] == "SQL":
        for table, rule in (("people", "Country IN ('Spain')"), ("gymnast", "Club IN ('North')")):
            if f"FROM {table}" in sql or f"JOIN {table}" in sql:
                assert rule in sql, sql


def test_the_plain_count_holds_the_row_filter() -> None:
    source = _org("probe27f")
    _filter(source, ("halls", "town", "Oslo"))
    for question in ["how many halls are there", "count the halls", "number of halls"]:
        answer = _ask(source, question)
        _never_crashes(answer)
        if answer["type"] == "SQL":
            assert [tuple(r) for r in answer["rows"]] == [(2,)], (question, answer["sql"])


# --- 4. odd inputs ------------------------------------------------------------------------------

ODD = [
    "halls with or",
    "or or or",
    "halls with seats over or year after or",
    "halls with seats over 1000 or",
    "or halls with seats over 1000",
    "halls with seats over 1000 or ((year after 2000)",
    "halls with seats over 1000 or year after 2000' OR '1'='1",
    "halls with seats over 1000 or name is 'x'); DROP TABLE halls; --",
    "halls o o o seats",
    "halls with seats over 1000 " + "or year after 2000 " * 40,
]


@pytest.mark.parametrize("question", ODD)
def test_odd_or_inputs_never_crash(question: str) -> None:
    source = _org("probe27g")
    _filter(source, ("halls", "town", "Oslo"))
    for who in ("analyst", "admin"):
        answer = _ask(source, question, who)
        _never_crashes(answer)
        sql = (answer.get("sql") or "").lower()
        assert "drop " not in sql and sql.rstrip().rstrip(";").count(";") == 0, sql
        if who == "analyst":
            shown = str(answer.get("rows")) + str(answer.get("answer"))
            assert "Lima" not in shown and "Dome" not in shown, (question, sql)
