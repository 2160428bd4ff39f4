"""Issue 13: verbs the catalog does not know, fourth round (pure tests, no Django).

A verb whose object is a pronoun standing for the entity said after "each" ("For each arena,
how many gigs play *there*?", "the number of stations that use *it*", "cuántos conciertos se
celebran *allí*") is the link between the counted rows and that entity; an adverb next to a
verb that names one of two foreign keys between the same tables ("pupils who *currently* live
in …", "alumnos que viven *permanentemente* en …") picks that key, and without it the verb is
still asked back; "each and every", "todos y cada uno de" and "of every X" are read; a
participle ending a "when" question of the first/last row is the date of the row's event.
Small schemas of their own, built here.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_verbs4.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_reads, engine_rows

_SCHEMA = """
    CREATE TABLE arenas (arena_id INTEGER PRIMARY KEY, name TEXT, city TEXT, seats INTEGER);
    CREATE TABLE gigs (gig_id INTEGER PRIMARY KEY, title TEXT, gig_year INTEGER,
        arena_id INTEGER REFERENCES arenas(arena_id));
    CREATE TABLE stations (station_id INTEGER PRIMARY KEY, callsign TEXT, language TEXT,
        country TEXT);
    CREATE TABLE depots (depot_id INTEGER PRIMARY KEY, name TEXT, district TEXT);
    CREATE TABLE porters (porter_id INTEGER PRIMARY KEY, name TEXT, age INTEGER);
    CREATE TABLE contracts (depot_id INTEGER REFERENCES depots(depot_id),
        porter_id INTEGER REFERENCES porters(porter_id), start_year INTEGER,
        PRIMARY KEY (depot_id, porter_id));
    CREATE TABLE places (place_id INTEGER PRIMARY KEY, street TEXT, town TEXT, region TEXT);
    CREATE TABLE pupils (pupil_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
        current_place_id INTEGER REFERENCES places(place_id),
        permanent_place_id INTEGER REFERENCES places(place_id));
    CREATE TABLE shows (show_id INTEGER PRIMARY KEY, title TEXT, show_date DATE);
    CREATE TABLE parcels (parcel_id INTEGER PRIMARY KEY, weight INTEGER, sent_date DATE,
        received_date DATE);
"""
_ROWS = {
    "arenas": [(1, "Dome", "Lyon", 5000), (2, "Bowl", "Nice", 9000), (3, "Pit", "Metz", 800)],
    "gigs": [(1, "Alpha", 2014, 1), (2, "Beta", 2015, 1), (3, "Gamma", 2015, 2)],
    "stations": [
        (1, "KXA", "Welsh", "Wales"),
        (2, "KXB", "Welsh", "Wales"),
        (3, "KXC", "Breton", "France"),
        (4, "KXD", "Basque", "Spain"),
    ],
    "depots": [(1, "North", "Avon"), (2, "South", "Kent")],
    "porters": [(1, "Ann Lee", 30), (2, "Ben Orr", 40), (3, "Cal Ray", 50)],
    "contracts": [(1, 1, 2010), (1, 2, 2011), (2, 3, 2012)],
    "places": [
        (1, "Elm St", "Leeds", "Yorkshire"),
        (2, "Oak St", "York", "Yorkshire"),
        (3, "Ash St", "Derby", "Midlands"),
    ],
    "pupils": [(1, "Ana", "Moss", 1, 3), (2, "Bea", "Rask", 3, 3), (3, "Cyd", "Quill", 2, 1)],
    "shows": [(1, "Opening", "2014-03-01"), (2, "Finale", "2015-06-01")],
    "parcels": [(1, 5, "2014-01-02", "2014-01-05"), (2, 7, "2014-02-02", "2014-02-09")],
}
_ESQUEMA = """
    CREATE TABLE estadios (estadio_id INTEGER PRIMARY KEY, nombre TEXT, ciudad TEXT);
    CREATE TABLE conciertos (concierto_id INTEGER PRIMARY KEY, titulo TEXT, anio INTEGER,
        estadio_id INTEGER REFERENCES estadios(estadio_id));
    CREATE TABLE domicilios (domicilio_id INTEGER PRIMARY KEY, calle TEXT, provincia TEXT);
    CREATE TABLE alumnos (alumno_id INTEGER PRIMARY KEY, nombre TEXT,
        domicilio_actual_id INTEGER REFERENCES domicilios(domicilio_id),
        domicilio_permanente_id INTEGER REFERENCES domicilios(domicilio_id));
"""
_FILAS = {
    "estadios": [(1, "Cubo", "Lyon"), (2, "Cuenco", "Niza"), (3, "Foso", "Metz")],
    "conciertos": [(1, "Alfa", 2014, 1), (2, "Beta", 2015, 1), (3, "Gama", 2015, 2)],
    "domicilios": [(1, "Olmo", "Toledo"), (2, "Roble", "Toledo"), (3, "Fresno", "Soria")],
    "alumnos": [(1, "Ana", 1, 3), (2, "Bea", 3, 3), (3, "Ciro", 2, 1)],
}


@pytest.fixture(scope="module")
def town(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("verbs4") / "town.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


@pytest.fixture(scope="module")
def pueblo(tmp_path_factory):  # noqa: ANN001, ANN201
    path = tmp_path_factory.mktemp("verbs4es") / "pueblo.db"
    model, conn = engine_database(path, _ESQUEMA, _FILAS)
    yield model, conn
    conn.close()


# --- a verb whose object is a pronoun for the "each" entity ------------------------------------


def test_verb_then_there_counts_the_rows_per_each_entity(town) -> None:  # noqa: ANN001
    model, _conn = town
    result = engine_reads(model, "For each arena, how many gigs play there?")
    assert "play → gigs.arena_id" in result.reading
    assert sorted(engine_rows(town, "For each arena, how many gigs play there?")) == [
        ("Bowl", 1),
        ("Dome", 2),
    ]


def test_verb_then_it_for_a_column_of_the_counted_rows(town) -> None:  # noqa: ANN001
    rows = engine_rows(town, "For each language, list the number of stations that use it.")
    assert sorted(rows) == [("Basque", 1), ("Breton", 1), ("Welsh", 2)]


def test_verb_then_there_through_a_link_table_is_still_asked_back(town) -> None:  # noqa: ANN001
    # the plan counts the link table's distinct porter keys, not the porters the verb is said
    # of: `check_relations` asks back (reading such a count as the porters let wrong answers
    # through on other schemas)
    model, _conn = town
    question = "For each depot, return the number of porters working there."
    assert "working" in engine_asks(model, question).clarify


def test_negated_verb_then_there_is_asked_back(town) -> None:  # noqa: ANN001
    model, _conn = town
    result = engine_asks(model, "For each arena, how many gigs do not play there?")
    assert "play" in result.clarify


def test_verb_then_there_without_a_count_is_asked_back(town) -> None:  # noqa: ANN001
    model, _conn = town
    assert "play" in engine_asks(model, "For each arena, list the gigs that play there.").clarify


def test_verb_then_alli_in_spanish(pueblo) -> None:  # noqa: ANN001
    model, _conn = pueblo
    question = "Para cada estadio, ¿cuántos conciertos se celebran allí?"
    assert "celebran → conciertos.estadio_id" in engine_reads(model, question).reading
    assert sorted(engine_rows(pueblo, question)) == [("Cubo", 2), ("Cuenco", 1)]


# --- an adverb that names one of two foreign keys ----------------------------------------------


def test_adverb_before_the_verb_names_its_key(town) -> None:  # noqa: ANN001
    model, _conn = town
    result = engine_reads(model, "Which pupils currently live in Yorkshire?")
    assert "live → pupils.current_place_id" in result.reading
    rows = engine_rows(town, "Which pupils currently live in Yorkshire?")
    assert sorted(r[0] for r in rows) == [1, 3]


def test_adverb_after_the_value_names_its_key(town) -> None:  # noqa: ANN001
    rows = engine_rows(town, "Which pupils live in Yorkshire permanently?")
    assert [r[0] for r in rows] == [3]


def test_two_keys_and_no_adverb_is_still_asked_back(town) -> None:  # noqa: ANN001
    model, _conn = town
    assert "live" in engine_asks(model, "Which pupils live in Yorkshire?").clarify


def test_adverb_after_the_verb_in_spanish(pueblo) -> None:  # noqa: ANN001
    model, _conn = pueblo
    result = engine_reads(model, "¿Qué alumnos viven permanentemente en Toledo?")
    assert "domicilio_permanente_id" in result.sql
    assert engine_rows(pueblo, "¿Qué alumnos viven permanentemente en Toledo?") == [("Ciro",)]
    assert "viven" in engine_asks(model, "¿Qué alumnos viven en Toledo?").clarify


# --- pronouns of the subject and quantifiers ----------------------------------------------------


def test_participle_ending_a_when_question_is_the_rows_date(town) -> None:  # noqa: ANN001
    model, _conn = town
    assert engine_rows(town, "When was the last show staged?") == [("2015-06-01",)]
    result = engine_reads(model, "When was the first show staged?")
    assert "MIN(" in result.sql and "show_date" in result.sql


def test_participle_of_a_table_with_two_dates_is_asked_back(town) -> None:  # noqa: ANN001
    model, _conn = town
    engine_asks(model, "When was the last parcel shipped?")
    # the verb says one of them: that one
    assert "received_date" in engine_reads(model, "When was the last parcel received?").sql


def test_each_and_every_is_each(town) -> None:  # noqa: ANN001
    said = "What are the names and the number of gigs for each and every arena?"
    assert engine_rows(town, said) == engine_rows(
        town, "What are the names and the number of gigs for each arena?"
    )


def test_of_every_is_of_all(town) -> None:  # noqa: ANN001
    rows = engine_rows(town, "What are the names of every arena with more than 1 gig?")
    assert rows == engine_rows(town, "What are the names of all arenas with more than 1 gig?")
    assert [r[0] for r in rows] == ["Dome"]


def test_todos_y_cada_uno_de(pueblo) -> None:  # noqa: ANN001
    said = "¿Cuáles son los nombres de todos y cada uno de los estadios?"
    assert sorted(engine_rows(pueblo, said)) == [("Cubo",), ("Cuenco",), ("Foso",)]
