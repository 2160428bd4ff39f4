"""Issue 13, branch `h-twotables`: columns of two tables listed together, joined by one path.

"Show the names of pilots and the models of planes", "the names of singers and the dates of
gigs": a column of a table the question names, joined to the listed rows by exactly one
foreign-key path (one key, or one link table with a key to each), is listed with them
(`plan_leftovers._column_of_one_linked`); one row per joined row (per link row), no DISTINCT, no
aggregate. A clause ending the listing ("… they have flown with", "… que volaron") whose unknown
verb says how the two are paired is that join (`relations.pair_verb`). Two paths (a match's home
and away pilot) still ask back.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_twotables.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_databases, engine_reads

_SCHEMAS = {
    "en": """
    CREATE TABLE pilot (pilot_id INTEGER PRIMARY KEY, name TEXT, age INTEGER);
    CREATE TABLE plane (plane_id INTEGER PRIMARY KEY, model TEXT, maker TEXT);
    CREATE TABLE flight (flight_id INTEGER PRIMARY KEY, pilot_id INTEGER, plane_id INTEGER,
        hours INTEGER,
        FOREIGN KEY (pilot_id) REFERENCES pilot(pilot_id),
        FOREIGN KEY (plane_id) REFERENCES plane(plane_id));
    CREATE TABLE singer (singer_id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE gig (gig_id INTEGER PRIMARY KEY, gig_date TEXT, venue TEXT, singer_id INTEGER,
        FOREIGN KEY (singer_id) REFERENCES singer(singer_id));
    CREATE TABLE team (team_id INTEGER PRIMARY KEY, title TEXT);
    CREATE TABLE duel (duel_id INTEGER PRIMARY KEY, arena TEXT, home_id INTEGER, away_id INTEGER,
        FOREIGN KEY (home_id) REFERENCES team(team_id),
        FOREIGN KEY (away_id) REFERENCES team(team_id));
    """,
    "es": """
    CREATE TABLE piloto (piloto_id INTEGER PRIMARY KEY, nombre TEXT, edad INTEGER);
    CREATE TABLE avion (avion_id INTEGER PRIMARY KEY, modelo TEXT, fabricante TEXT);
    CREATE TABLE vuelo (vuelo_id INTEGER PRIMARY KEY, piloto_id INTEGER, avion_id INTEGER,
        FOREIGN KEY (piloto_id) REFERENCES piloto(piloto_id),
        FOREIGN KEY (avion_id) REFERENCES avion(avion_id));
    """,
}
_ROWS = {
    "en": {
        "pilot": [(1, "Ana", 30), (2, "Bo", 40), (3, "Cy", 50)],
        "plane": [(1, "A320", "Airbus"), (2, "B737", "Boeing")],
        "flight": [(1, 1, 1, 3), (2, 1, 2, 4), (3, 2, 2, 5), (4, 2, 2, 6)],
        "singer": [(1, "Di"), (2, "Ed")],
        "gig": [(1, "2020-01-01", "Hall", 1), (2, "2021-02-02", "Club", 1)],
        "team": [(1, "Reds"), (2, "Blues")],
        "duel": [(1, "Park", 1, 2)],
    },
    "es": {
        "piloto": [(1, "Ana", 30), (2, "Bo", 40)],
        "avion": [(1, "A320", "Airbus"), (2, "B737", "Boeing")],
        "vuelo": [(1, 1, 1), (2, 1, 2), (3, 2, 2), (4, 2, 2)],
    },
}
_PAIRS = [("Ana", "A320"), ("Ana", "B737"), ("Bo", "B737"), ("Bo", "B737")]


@pytest.fixture(scope="module")
def hangar(tmp_path_factory):  # noqa: ANN001, ANN201
    with engine_databases(tmp_path_factory, "hangar.db", _SCHEMAS, _ROWS) as made:
        yield made


def _rows(hangar, lang: str, question: str) -> list:  # noqa: ANN001
    model, conn = hangar[lang]
    return sorted(tuple(r) for r in conn.execute(engine_reads(model, question).sql).fetchall())


@pytest.mark.parametrize(
    "question",
    [
        "Show the names of pilots and the models of planes",
        "Show the names of pilots and the models of planes they have flown with.",
        "What are the names of pilots and the models of the planes that they flew?",
    ],
)
def test_two_tables_through_a_link_table_one_row_per_link_row(hangar, question):  # noqa: ANN001
    assert _rows(hangar, "en", question) == _PAIRS  # Bo flew the B737 twice: twice


@pytest.mark.parametrize(
    "question",
    [
        "Show the names of singers and the dates of gigs",
        "What are the names of singers and the dates of gigs they performed?",
    ],
)
def test_two_tables_through_one_key(hangar, question):  # noqa: ANN001
    assert _rows(hangar, "en", question) == [("Di", "2020-01-01"), ("Di", "2021-02-02")]


def test_spanish_the_verb_after_que_is_the_join(hangar):  # noqa: ANN001
    question = "los nombres de los pilotos y los modelos de los aviones que volaron"
    assert _rows(hangar, "es", question) == _PAIRS


def test_two_paths_still_ask_back(hangar):  # noqa: ANN001
    model, _conn = hangar["en"]
    engine_asks(model, "Show the titles of teams and the arenas of duels they played")


_CLUB = """
CREATE TABLE country (country_id INTEGER PRIMARY KEY, country_name TEXT);
CREATE TABLE member (member_id INTEGER PRIMARY KEY, name TEXT, country_id INTEGER,
    FOREIGN KEY (country_id) REFERENCES country(country_id));
CREATE TABLE payment (payment_id INTEGER PRIMARY KEY, member_id INTEGER, amount INTEGER,
    FOREIGN KEY (member_id) REFERENCES member(member_id));
"""
_CLUB_ROWS = {
    "country": [(1, "Peru"), (2, "Chile")],
    "member": [(1, "Ana", 1), (2, "Bo", 2)],
    "payment": [(1, 1, 150), (2, 1, 200), (3, 1, 300), (4, 2, 50)],
}


def test_a_parent_listed_beside_a_filter_on_the_many_side_shows_each_row_once(tmp_path):
    """Review of session 28: a table joined to the listed rows' parent (the member's country)
    is no many side; a condition on the many side (payments above 100) must not repeat each
    member once per payment."""
    model, conn = engine_database(tmp_path / "club.db", _CLUB, _CLUB_ROWS)
    question = (
        "Show the names of members with a payment amount above 100 and the country names of "
        "countries"
    )
    rows = [tuple(r) for r in conn.execute(engine_reads(model, question).sql).fetchall()]
    assert rows == [("Ana", "Peru")]
