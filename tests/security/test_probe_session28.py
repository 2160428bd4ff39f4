"""An attacker's probe of session 28's changes (branch h-quality), with a restricted analyst's
and an org admin's login on an org of their own: "A or B" under a row filter now answers
inside the visible rows with a note (`execution._outside_scope`), "… or every row" is asked
back, and a column named by a person's role holding names is personal. Twin orgs whose hidden
rows differ must answer alike (no oracle of hidden rows: counts, sums, averages, top-1, NOT,
IN lists, typed SQL, follow-ups, a cached admin answer), a denied table is no side of an or,
and a masked manager's names leak through no filter, group, order, pattern or Spanish
question. Found and fixed: a manager written with a title or initials ("Dr. John Smith",
"J. Smith") was readable (`pii._without_titles`)."""

from __future__ import annotations

import sqlite3

import pytest

from apps.chat.pipeline import ask, run_query
from apps.governance.models import AccessPolicy, Membership, Role
from apps.knowledge.engine.introspection import introspect_sqlite
from apps.knowledge.engine.pii import names_people
from apps.knowledge.models import CatalogColumn, DataSource
from tests.security.test_probe_session27 import HALLS, _org
from tests.support.probe_orgs import answer_shape as _shape
from tests.support.probe_orgs import answer_text as _text
from tests.support.probe_orgs import ask_as as _ask
from tests.support.probe_orgs import filter_rows as _filter
from tests.support.probe_orgs import fresh_memos as _fresh_memos  # noqa: F401 (autouse)
from tests.support.probe_orgs import never_crashes as _never_crashes
from tests.support.probe_orgs import no_secret as _no_secret
from tests.support.probe_orgs import sqlite_org

pytestmark = pytest.mark.django_db

HIDDEN = ("Dome", "Vault", "1500", "1700", "1999", "2010")


def _member(source: DataSource, who: str = "analyst") -> Membership:
    slug = source.organization.slug
    return Membership.all_tenants.get(
        organization=source.organization, user__username=f"{slug}-{who}"
    )


def _twins(slug: str) -> list[DataSource]:
    """Three orgs under a town = Oslo filter whose hidden Lima halls differ: as in the probe of
    session 27, meeting every other half asked below, and more of them."""
    met = [
        (i, n, t, 100 if t == "Lima" else s, 2020 if t == "Lima" else y) for i, n, t, s, y in HALLS
    ]
    more = [*HALLS, (5, "Crypt", "Lima", 1700, 2020), (6, "Attic", "Lima", 50, 2021)]
    sources = [
        _org(f"{slug}a"),
        _org(f"{slug}b", {"halls": met}),
        _org(f"{slug}c", {"halls": more}),
    ]
    for source in sources:
        _filter(source, ("halls", "town", "Oslo"))
    return sources


def _alike(answers: list[dict], asked: str = "") -> None:
    first = answers[0]
    _never_crashes(first)
    for other in answers[1:]:
        assert _shape(other) == _shape(first), (other["answer"], first["answer"], first.get("sql"))
        assert other["answer"] == first["answer"]
    for answer in answers:
        shown = str(answer.get("rows")) + str(answer.get("answer")) + str(answer.get("chart"))
        for hidden in (*HIDDEN, "Crypt", "Attic"):
            if hidden in asked:  # the analyst's own word may be echoed back
                continue
            assert hidden not in shown, (hidden, answer.get("sql"), shown[:400])


# --- 1. a hidden value on one side of an "or": no oracle of hidden rows --------------------------

OR_ORACLES = [
    "halls in Lima or with seats under 400",
    "the number of halls in Lima or with seats under 400",
    "the total seats of halls in Lima or with seats under 400",
    "the average seats of halls in Lima or with seats under 400",
    "the number of halls with seats over 1000 or town is Lima",
    "halls with seats over 1000 or town is Lima",
    "halls whose town is Lima or seats are over 100",
    "the hall with the most seats in Lima or with year after 2000",
    "top 1 halls by seats in Lima or with year after 2000",
    "halls not in Lima or with seats under 400",
    "halls whose town is not Lima or seats are over 100",
    "halls in Lima or Oslo",
    "the number of halls in Lima or Oslo",
    "halls in Lima or with seats under 400 or year before 2000",
    "the number of halls per town in Lima or with seats under 400",
    "salas en Lima o con seats menor que 400",
    "halls in Lima or with seats under 400 or every row",
    "halls in Lima or people in Spain",
    "halls named Crypt or with seats under 400",  # a name only a hidden row holds (twin c)
    "the number of halls named Attic or Zenit",
    "halls in LIMA or with seats under 400",
    "the number of halls in Lima or all halls",
    "salas en Lima o todas",
]


@pytest.mark.parametrize("question", OR_ORACLES)
def test_an_or_on_a_hidden_value_is_no_oracle(question: str) -> None:
    _alike([_ask(source, question) for source in _twins("p28or")], question)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT name FROM halls WHERE town = 'Lima' OR seats < 400",
        "SELECT count(*) FROM halls WHERE town = 'Lima' OR seats < 400",
        "SELECT sum(seats), avg(seats), max(year) FROM halls WHERE town = 'Lima' OR 1 = 1",
        "SELECT count(*) FROM halls WHERE town IN ('Lima', 'Oslo')",
        "SELECT name FROM halls WHERE NOT (town = 'Oslo') OR seats > 1000"
        " ORDER BY seats DESC LIMIT 1",
        "SELECT town, count(*) FROM halls WHERE town = 'Lima' OR year > 2000 GROUP BY town",
        "SELECT name FROM halls WHERE town = 'Lima' UNION SELECT name FROM halls WHERE seats > 0",
    ],
)
def test_typed_sql_with_an_or_on_a_hidden_value_is_no_oracle(sql: str) -> None:
    answers = [run_query(membership=_member(s), sql=sql, lang="en") for s in _twins("p28sql")]
    _alike(answers)
    assert answers[0]["type"] == "SQL", answers[0]["answer"]
    assert "FROM halls WHERE town IN ('Oslo'))" in answers[0]["sql"], answers[0]["sql"]


def test_an_admins_cached_answer_is_not_the_analysts() -> None:
    source = _twins("p28cache")[0]
    question = "halls in Lima or with seats under 400"
    admin = _ask(source, question, "admin")
    assert sorted(r[0] for r in admin["rows"]) == ["Barn", "Dome", "Vault"], admin["sql"]
    for _ in range(2):  # the second time from any cache there is
        answer = _ask(source, question)
        assert [tuple(r) for r in answer["rows"]] == [("Barn",)], answer["sql"]
        assert "«Lima» is outside your access" in answer["answer"], answer["answer"]
        _no_secret(answer, HIDDEN)


@pytest.mark.parametrize("channel", ["api", "web"])
def test_a_follow_up_on_a_hidden_value_is_no_oracle(channel: str) -> None:
    answers = []
    for source in _twins(f"p28fu{channel}"):
        first = ask(
            membership=_member(source), question="halls with seats under 400", channel=channel
        )
        turns = [first]
        for follow in ("same for Lima", "and in Lima or with year after 2012", "what about Lima"):
            turns.append(
                ask(
                    membership=_member(source),
                    question=follow,
                    channel=channel,
                    conversation_id=first["conversation_id"],
                )
            )
        answers.append(turns)
    for step in range(len(answers[0])):
        _alike([turns[step] for turns in answers])


@pytest.mark.parametrize(
    "question",
    [
        "halls with seats over 1000 or people with salary over 100",
        "halls in Lima or people in Spain",
        "the number of gymnasts with floor points over 9 or people with height over 190",
        "gymnasts in club North or whose people country is Spain",
        "gimnastas del club North o personas de Spain",
    ],
)
def test_a_denied_table_is_no_side_of_an_or(question: str) -> None:
    source = _org("p28deny")
    AccessPolicy.all_tenants.filter(organization=source.organization, role=Role.ANALYST).update(
        allowed_tables=["halls", "gymnast"]
    )
    answer = _ask(source, question)
    _never_crashes(answer)
    sql = answer.get("sql") or ""
    assert "people" not in sql.lower(), sql
    _no_secret(answer, ("Ana Ruiz", "Ben Orr", "Cai Lux", "Dee Fox", "9000", "5000", "Peru"))


def test_a_visible_value_in_another_case_has_no_note() -> None:
    answer = _ask(_twins("p28case")[0], "halls in oslo or with seats under 400")
    assert sorted(tuple(r) for r in answer["rows"]) == [("Barn",), ("Zenit",)], answer["sql"]
    assert "outside your access" not in answer["answer"], answer["answer"]


# --- 2. names in a role column: masked, and no oracle of them ------------------------------------

TEAMS_SQL = (
    "CREATE TABLE teams (team_id INTEGER PRIMARY KEY, name TEXT, city TEXT, manager TEXT,"
    " wins INTEGER);"
)
MANAGERS = ["John Smith", "Mary Baker", "Peter Cook", "Anna Mason"]
OTHERS = ["Paul Wright", "Linda Fisher", "Oscar Hunt", "Sara Glover"]
SECRETS = ("Smith", "Baker", "Cook", "Mason", "Wright", "Fisher", "Hunt", "Glover")


def _teams(slug: str, managers: list[str]) -> DataSource:
    rows = [
        (i, team, city, manager, wins)
        for i, (team, city, manager, wins) in enumerate(
            zip(["Reds", "Blues", "Greens", "Golds"], ["Leeds", "York", "Hull", "Bath"], managers,
                [30, 25, 20, 15], strict=True), 1)
    ]  # fmt: skip
    return sqlite_org(slug, TEAMS_SQL, {"teams": rows})


MANAGER_QUESTIONS = [
    "teams whose manager is John Smith",
    "teams managed by Smith",
    "the number of teams whose manager is Mary Baker",
    "teams with manager Smith or wins over 20",
    "the number of teams whose manager is John Smith or Paul Wright",
    "teams by manager",
    "the number of teams per manager",
    "teams ordered by manager",
    "teams whose manager starts with J",
    "teams whose manager contains Smith",
    "teams where manager like '%Smith%'",
    "list the managers",
    "the manager of the Reds",
    "the team with the most wins and its manager",
    "Smith",
    "wins of John Smith's team",
    "equipos cuyo manager es John Smith",
    "el número de equipos por manager",
    "equipos con manager Smith o wins mayor que 20",
    "list all teams",
    "all the information about teams",
]


@pytest.mark.parametrize("question", MANAGER_QUESTIONS)
def test_a_masked_manager_leaks_through_no_question(question: str) -> None:
    here, there = _teams("p28man1", MANAGERS), _teams("p28man2", OTHERS)
    a, b = _ask(here, question), _ask(there, question)
    _never_crashes(a)
    assert _shape(a) == _shape(b), (a["answer"], a.get("sql"), b["answer"], b.get("sql"))
    for answer in (a, b):
        said = _text(answer) + str(answer.get("chart"))
        for secret in SECRETS:
            if secret not in question:  # the analyst's own word may be echoed back
                assert secret not in said, (secret, answer.get("sql"), answer["answer"])


@pytest.mark.parametrize(
    ("question", "word"),
    [
        ("teams whose manager contains Smith", "find"),
        ("teams whose manager starts with J", "find"),
        ("equipos cuyo manager contiene Smith", "encuentro"),
        ("equipos cuyo manager empieza con J", "encuentro"),
    ],
)
def test_a_masked_pattern_is_asked_back_in_the_question_language(question: str, word: str) -> None:
    """Branch h-either2: a question with no hint word of either language was read as Spanish
    (the tie's default), so "teams whose manager contains Smith" was asked back in Spanish;
    the relative and pattern words now vote (`datachat.text.detect_language`)."""
    answer = _ask(_teams("p28lang", MANAGERS), question)
    _never_crashes(answer)
    assert word in answer["answer"], answer["answer"]


TIENDAS_SQL = (
    "CREATE TABLE tienda (id INTEGER PRIMARY KEY, nombre TEXT, ciudad TEXT, gerente TEXT);"
)


@pytest.mark.parametrize(
    "question",
    [
        "tiendas cuyo gerente es García",
        "número de tiendas por gerente",
        "tiendas ordenadas por gerente",
        "tiendas de Sevilla o con gerente Pérez",
        "García",
    ],
)
def test_a_masked_gerente_leaks_through_no_spanish_question(question: str) -> None:
    answers = []
    for slug, names in (("p28ger1", ["García", "Pérez", "Sánchez", "Ruiz"]),
                        ("p28ger2", ["Blanco", "Moreno", "Navarro", "Ortega"])):  # fmt: skip
        rows = [(i, f"Tienda {i}", "Sevilla", n) for i, n in enumerate(names, 1)]
        source = sqlite_org(slug, TIENDAS_SQL, {"tienda": rows})
        assert CatalogColumn.all_tenants.get(table__data_source=source, name="gerente").pii
        answers.append(_ask(source, question))
    _never_crashes(answers[0])
    assert _shape(answers[0]) == _shape(answers[1]), [a["answer"] for a in answers]
    for answer in answers:
        for secret in ("Sánchez", "Ruiz", "Blanco", "Moreno", "Navarro", "Ortega"):
            assert secret not in _text(answer), (secret, answer.get("sql"), answer["answer"])


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT name FROM teams WHERE manager LIKE 'J%'",
        "SELECT manager, count(*) FROM teams GROUP BY manager",
        "SELECT name FROM teams ORDER BY manager",
        "SELECT count(*) FROM teams WHERE manager = 'John Smith' OR wins > 100",
        "SELECT name FROM teams WHERE wins > 100 OR substr(manager, 1, 1) = 'J'",
        "SELECT group_concat(manager) FROM teams",
        "SELECT count(DISTINCT manager) FROM teams WHERE length(manager) > 9",
    ],
)
def test_typed_sql_on_a_masked_manager_is_refused(sql: str) -> None:
    answer = run_query(membership=_member(_teams("p28mansql", MANAGERS)), sql=sql, lang="en")
    assert answer["type"] == "REFUSED", (answer["answer"], answer.get("sql"))
    assert (answer.get("error") or {}).get("code") == "column_masked", answer["answer"]
    _no_secret(answer, SECRETS)


@pytest.mark.parametrize(
    "managers",
    [
        ["J. Smith", "M. Baker", "P. Cook", "A. Mason"],  # initials
        ["Dr. John Smith", "Mrs. Mary Baker", "Mr. Peter Cook", "Ms. Anna Mason"],  # titles
        ["Sra. Ruiz", "Dr. Pérez", "Sr. Gómez", "Dra. Díaz"],
        ["J. R. Tolkien", "C. S. Lewis", "T. S. Eliot", "G. K. Chesterton"],
    ],
)
def test_a_manager_with_a_title_or_initials_is_masked(managers: list[str]) -> None:
    # found by this probe: these were readable (and their values indexed for filters)
    columns = ["team_id", "name", "city", "manager", "wins"]
    assert names_people("manager", managers, table="teams", columns=columns)
    source = _teams("p28title", managers)
    flag = CatalogColumn.all_tenants.get(table__data_source=source, name="manager")
    assert flag.pii, managers
    answer = _ask(source, "list all teams")
    _never_crashes(answer)
    _no_secret(answer, [m.split()[-1] for m in managers])


@pytest.mark.parametrize(
    "values",
    [
        ["St. Louis", "St. Paul", "St. Albans", "St. Ives"],  # places, not a title
        ["U.S. Navy", "U.K. Navy", "U.S. Army", "U.K. Army"],
        ["Dr. Pepper", "Dr. Oetker", "Mr. Muscle", "Mr. Clean"],  # brands after a title
    ],
)
def test_a_title_alone_makes_no_person(values: list[str]) -> None:
    assert not names_people("owner", values, table="venue", columns=["id", "owner"])


def test_introspection_masks_initials_in_a_role_column(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "fleet.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE fleet (ship_id INTEGER PRIMARY KEY, name TEXT, captain TEXT)")
        db.executemany(
            "INSERT INTO fleet VALUES (?, ?, ?)",
            [(1, "Aurora", "J. Smith"), (2, "Borealis", "Capt. Ahab"), (3, "Cygnus", "R. Baker"),
             (4, "Draco", "Dr. Nemo")],
        )  # fmt: skip
    tables, _fks, _counts = introspect_sqlite(path)
    flags = {(t.name, c.name): (c.pii, c.values) for t in tables for c in t.columns}
    assert flags[("fleet", "captain")] == (True, None)
    assert flags[("fleet", "name")][0] is False
