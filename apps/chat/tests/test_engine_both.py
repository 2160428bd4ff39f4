"""Issue 13: set shapes and negations that were asked back (pure tests, made-up schemas).

"all venues except those having a gig in 2020", "venues that did not have a gig in 2020"
(a year stored as text, two values), "badges not used by any member", "members who do not
have any pals" (a table of two keys to the members), "bands that do not have the genre
rock", "list both the name and the id", and their Spanish.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_both.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_reads

_SCHEMA = """
    CREATE TABLE venues (venue_id INTEGER PRIMARY KEY, name TEXT, town TEXT, seats INTEGER);
    CREATE TABLE gigs (gig_id INTEGER PRIMARY KEY, title TEXT, Year TEXT,
        venue_id INTEGER REFERENCES venues(venue_id));
    CREATE TABLE songs (song_id INTEGER PRIMARY KEY, title TEXT, release_year TEXT);
    CREATE TABLE setlist (gig_id INTEGER REFERENCES gigs(gig_id),
        song_id INTEGER REFERENCES songs(song_id), PRIMARY KEY (gig_id, song_id));
    CREATE TABLE badges (badge_id INTEGER PRIMARY KEY, badge_code TEXT);
    CREATE TABLE members (member_id INTEGER PRIMARY KEY, name TEXT, grade INTEGER,
        badge_id INTEGER REFERENCES badges(badge_id));
    CREATE TABLE pal (member_id INTEGER REFERENCES members(member_id),
        pal_id INTEGER REFERENCES members(member_id), PRIMARY KEY (member_id, pal_id));
    CREATE TABLE bands (band_id INTEGER PRIMARY KEY, name TEXT, genre TEXT);
    CREATE TABLE keepers (keeper_id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE animals (animal_id INTEGER PRIMARY KEY, kind TEXT, age INTEGER);
    CREATE TABLE keeps (keeper_id INTEGER REFERENCES keepers(keeper_id),
        animal_id INTEGER REFERENCES animals(animal_id), PRIMARY KEY (keeper_id, animal_id));
    CREATE TABLE players (player_id INTEGER PRIMARY KEY, name TEXT, nation TEXT,
        birth_year INTEGER);
"""
_ROWS = {
    "venues": [
        (1, "Arena", "Leeds", 900),
        (2, "Hall", "York", 300),
        (3, "Barn", "Hull", 100),
        (4, "Dome", "Leeds", 150),
    ],
    "gigs": [(1, "Opening", "2020", 1), (2, "Closing", "2021", 2), (3, "Encore", "2021", 1)],
    "songs": [(1, "Ode", "1999"), (2, "Hymn", "2020"), (3, "Lay", "2005"), (4, "Air", "2011")],
    "setlist": [(1, 1), (1, 2), (2, 3), (3, 4)],
    "badges": [(1, "B-1"), (2, "B-2"), (3, "B-3")],
    "members": [(1, "Ann", 9, 1), (2, "Bob", 10, 1), (3, "Cid", 11, 2)],
    "pal": [(1, 2), (2, 1)],
    "bands": [(1, "Moss", "rock"), (2, "Fern", "jazz"), (3, "Reed", "folk")],
    "keepers": [(1, "Kim"), (2, "Lee")],
    "animals": [(1, "cat", 3), (2, "dog", 5)],
    "keeps": [(1, 1), (1, 2), (2, 2)],
    "players": [
        (1, "Al", "UK", 1940),
        (2, "Bo", "UK", 1960),
        (3, "Cy", "FR", 1940),
        (4, "Di", "ES", 1960),
    ],
}


@pytest.fixture(scope="module")
def club(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("both") / "club.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


def _rows(db, question: str) -> list:  # noqa: ANN001
    model, conn = db
    result = engine_reads(model, question)
    return sorted(conn.execute(result.sql).fetchall())


def test_a_year_stored_as_text_with_two_values_is_the_year_compared(club):
    """`gigs.Year` holds '2020' and '2021' only: still the gigs' year, never a year column of
    another table reached by a join."""
    model, conn = club
    result = engine_reads(model, "How many gigs were there in 2021?")
    assert "release_year" not in result.sql.lower(), result.sql
    assert conn.execute(result.sql).fetchall() == [(2,)]


@pytest.mark.parametrize(
    "question",
    [
        "What are the names of all venues that did not have a gig in 2020?",
        "Show names for all venues except for venues having a gig in 2020.",
        "Show the names of all venues except those having a gig in 2020.",
    ],
)
def test_rows_but_those_with_related_rows(club, question):
    assert _rows(club, question) == [("Barn",), ("Dome",), ("Hall",)]


def test_except_a_condition_on_the_rows_themselves_is_asked_back(club):
    model, _conn = club
    engine_asks(model, "Show the names of all venues except those with more than 500 seats.")


def test_a_verb_that_only_says_used(club):
    """ "badges not used by any member": the one key of the members to the badges."""
    assert _rows(club, "Show ids for all badges not used by any member.") == [(3,)]
    assert _rows(club, "What are the ids of badges that are not used in any members?") == [(3,)]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Show ids of all members who do not have any pals.", [(3,)]),
        ("What are the names of members who have no pals?", [("Cid",)]),
        ("Find the minimum grade of members who have no pals.", [(11,)]),
    ],
)
def test_a_table_of_two_keys_to_the_rows(club, question, expected):
    """`pal(member_id, pal_id)`: "pals" names one key, so a member's pals are the rows whose
    other key is the member."""
    model, conn = club
    result = engine_reads(model, question)
    assert "pal.member_id" in result.sql.lower(), result.sql
    assert sorted(conn.execute(result.sql).fetchall()) == expected


def test_do_not_have_the_column_value_is_not_equal(club):
    assert _rows(club, 'Return the names of bands that do not have the genre "rock".') == [
        ("Fern",),
        ("Reed",),
    ]


def test_do_not_have_a_value_of_related_rows_is_never_not_equal(club):
    """ "keepers who do not have a cat": the cat is an animal of theirs, not their own column;
    `kind <> 'cat'` would keep Kim (who also has a dog). Asked back or NOT EXISTS."""
    model, conn = club
    from apps.chat.engine.offline import interpret

    result = interpret("Which keepers do not have a cat?", model)
    if result.route == "SQL":
        assert conn.execute(result.sql).fetchall() == [("Lee",)], result.sql


def test_both_before_an_article_and_a_column_list(club):
    """ "List both the name and the seats": the columns; "both" adds nothing."""
    assert _rows(club, "Which venues are in York? List both the name and the seats.") == [
        ("Hall", 300)
    ]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which venues had gigs in both 2020 and 2021?", [("Arena",)]),
        (
            "What are the names and towns of the venues that had gigs that occurred in both 2020 "
            "and 2021?",
            [("Arena", "Leeds")],
        ),
    ],
)
def test_rows_with_related_rows_of_both_halves(club, question, expected):
    """ "venues that had gigs in both 2020 and 2021": a venue with a gig of each year (the
    venue's key in the other half's venues), not a gig of both years."""
    model, conn = club
    result = engine_reads(model, question)
    assert " IN (" in result.sql.upper(), result.sql
    assert sorted(conn.execute(result.sql).fetchall()) == expected


@pytest.mark.parametrize(
    "question",
    [
        "Show the nation shared by players with birth year before 1945 and after 1955.",
        "What are the nations that are shared by players with a birth year before 1945 and "
        "after 1955?",
        "What are the nations that are used by both players with birth year before 1945 and "
        "those with birth year after 1955?",
    ],
)
def test_values_shared_by_two_sets_of_rows(club, question):
    """ "shared by A and B", "used by both A and those B"; "after 1955" alone says the first
    half's words before its own condition too."""
    model, conn = club
    result = engine_reads(model, question)
    assert " IN (" in result.sql.upper(), result.sql
    assert conn.execute(result.sql).fetchall() == [("UK",)]


def test_a_verb_before_a_number_of_the_rows_own_column(club):
    """ "venues selling less than 200 seats": the verb says the rows have that many."""
    question = (
        "Find the towns in which there are both venues selling less than 200 seats and venues "
        "selling more than 800 seats."
    )
    assert _rows(club, question) == [("Leeds",)]


def test_both_said_of_one_rows_own_columns_is_asked_back(club):
    model, _conn = club
    engine_asks(model, "Which venues have both less than 200 seats and more than 800 seats?")


_ES_SCHEMA = """
    CREATE TABLE estadios (id_estadio INTEGER PRIMARY KEY, nombre TEXT);
    CREATE TABLE conciertos (id_concierto INTEGER PRIMARY KEY, tema TEXT, anio TEXT,
        id_estadio INTEGER REFERENCES estadios(id_estadio));
    CREATE TABLE plantillas (id_plantilla INTEGER PRIMARY KEY, codigo TEXT);
    CREATE TABLE documentos (id_documento INTEGER PRIMARY KEY, nombre TEXT,
        id_plantilla INTEGER REFERENCES plantillas(id_plantilla));
"""
_ES_ROWS = {
    "estadios": [(1, "Arena"), (2, "Campo")],
    "conciertos": [(1, "Pop", "2020", 1), (2, "Rock", "2021", 2), (3, "Jazz", "2021", 1)],
    "plantillas": [(1, "P1"), (2, "P2")],
    "documentos": [(1, "Carta", 1)],
}


@pytest.fixture(scope="module")
def estadios(tmp_path_factory):  # noqa: ANN001, ANN201
    path = tmp_path_factory.mktemp("es") / "estadios.db"
    model, conn = engine_database(path, _ES_SCHEMA, _ES_ROWS)
    yield model, conn
    conn.close()


@pytest.mark.parametrize(
    "question",
    [
        "Muestra los nombres de todos los estadios excepto los estadios con un concierto en 2020.",
        "¿Cuáles son los nombres de los estadios que no tuvieron ningún concierto en 2020?",
    ],
)
def test_spanish_rows_but_those_with_related_rows(estadios, question):
    assert _rows(estadios, question) == [("Campo",)]


def test_spanish_not_used_by_any(estadios):
    assert _rows(estadios, "Muestra los ids de las plantillas no usadas por ningún documento") == [
        (2,)
    ]


def test_spanish_rows_with_related_rows_of_both_halves(estadios):
    question = "¿Qué estadios tuvieron conciertos tanto en 2020 como en 2021?"
    assert _rows(estadios, question) == [("Arena",)]


def test_a_column_of_each_group_is_shown_not_summed_over_its_related_rows(club):
    """ "the name and seats of the venue with the most gigs": the seats of one venue added up
    once per gig is no answer; the venue's own seats are shown (branch `h-groupcount`; asked
    back before)."""
    model, conn = club
    result = engine_reads(model, "What is the name and seats of the venue with the most gigs?")
    assert "SUM(" not in result.sql, result.sql
    assert conn.execute(result.sql).fetchall() == [("Arena", 900)]
