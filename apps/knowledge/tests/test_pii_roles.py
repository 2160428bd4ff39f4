"""People's names the detector missed before branch h-pii2: people in a role WordNet reads first
as something else (a climber is also a plant, a host a multitude, a speaker a loudspeaker, a
crew a unit), names in lower case or a first name alone, Spanish headers, and a spreadsheet's
columns (`Sheet1.Name`), judged by their values with a strict "Firstname Lastname" test that
leaves places, titles, products and countries readable."""

from __future__ import annotations

import sqlite3

import pytest

from apps.knowledge.engine.introspection import introspect_sqlite
from apps.knowledge.engine.pii import (
    first_name,
    name_is_pii,
    names_people,
    person_role_column,
    role_word,
    value_is_full_name,
)
from datachat.text import noun_kind

NAMES = ["Klaus Enders", "Siegfried Schauzu", "Hans Luthringhauser", "Rolf Steinhausen"]
PEOPLE = ["Paula López Sánchez", "John Smith", "Mary O'Neil", "Peter van Dijk", "Ana Ruiz"]
CITIES = ["San Francisco", "New York", "Buenos Aires", "Victoria Falls", "Santa Clara", "Paris"]
TITLES = ["Star Wars", "The Matrix", "Pretty Woman", "Jerry Maguire", "Blade Runner", "Up"]
PRODUCTS = ["Laptop Pro", 'Monitor 27"', "Tablet X", "Docking Station", "Antivirus Plus"]
COUNTRIES = ["United Kingdom", "Sierra Leone", "Costa Rica", "South Africa", "New Zealand"]
SHOPS = ["Grand Hotel", "Royal Albert Hall", "Santiago Bernabeu Stadium", "Harry's Bar Co"]


# --- people in a role WordNet reads first as something else -------------------------------


@pytest.mark.parametrize(
    ("word", "kind"),
    [("climber", "role"), ("host", "role"), ("speaker", "role"), ("editor", "role"),
     ("perpetrator", "person"), ("technician", "person"), ("journalist", "person"),
     ("song", "thing"), ("team", "thing"), ("sheet", "thing"), ("klingonish", "")],
)  # fmt: skip
def test_noun_kind_by_wordnet(word, kind):
    assert noun_kind(word) == kind


@pytest.mark.parametrize(
    "word",
    ["climber", "host", "hosts", "crew", "speaker", "perpetrator", "technician", "driver",
     "conductor", "anfitrion", "presentador", "tripulante", "responsable"],
)  # fmt: skip
def test_role_words(word):
    assert role_word(word)
    assert person_role_column(word.capitalize())


def test_a_name_of_a_table_of_climbers_is_judged_by_its_values():
    assert not name_is_pii("climber", "Name")  # "climber" is also a plant: values decide
    assert names_people("Name", NAMES, table="climber")
    assert names_people("Name", NAMES, table="Speakers")
    assert not names_people("Name", ["Ivy", "Clematis", "Wisteria", "Hops"], table="climber")


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("Hosts", ["Miley Cyrus Jared Leto and Karen Mok", "Leehom Wang and Kelly Rowland",
                   "Alicia Keys", "Shaggy and Coco Lee"]),
        ("Host", ["Ana Ruiz", "Luis Gómez", "Eva Sanz"]),
        ("crew", ["John Smith, Jane Doe", "Ana Ruiz; Leo Sanz", "Mark Kelly, Scott Kelly"]),
        ("speaker", ["Kyle Brown", "Mary Jones", "Ed Lee"]),
        ("anfitrión", ["Ana Ruiz", "Luis Gómez", "Eva Sanz"]),
        ("conductor", ["Juan Pérez", "Ana Ruiz", "Eva Sanz"]),
    ],
)  # fmt: skip
def test_a_role_column_holding_names_is_personal(column, values):
    assert names_people(column, values)


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("Host", ["web-01", "db-02.internal", "10.0.0.7"]),  # a computer's host name
        ("Hosts", ["Lisbon", "Madrid", "Oslo"]),  # cities hosting a competition
        ("speaker", ["left", "right", "centre", "left"]),  # a loudspeaker's place
        ("crew", ["Red", "Blue", "Green"]),
        ("driver", ["Nvidia", "AMD", "Intel", "Realtek"]),  # a device driver's vendor
    ],
)  # fmt: skip
def test_a_role_column_of_other_things_stays_readable(column, values):
    assert not names_people(column, values)


# --- lower case and one-word names -----------------------------------------------------------


def test_lower_case_names_and_first_names_alone_in_a_role_column():
    assert names_people("Player", ["steve ralston", "mike duhaney", "ana ruiz", "kyle brown"])
    assert names_people("Player", ["Kyle", "Jordan", "Gabriel", "Tiffany"])
    assert not names_people("Player", ["forward", "goalkeeper", "defender", "midfielder"])
    assert first_name("KYLE") and first_name("José") and not first_name("Klingonish")


# --- Spanish headers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "column"),
    [("anfitriones", "nombre"), ("clientes", "apellidos"), ("conductores", "nombre"),
     ("x", "apellidos"), ("presentadores", "nombre_completo"), ("tripulantes", "nombre")],
)  # fmt: skip
def test_spanish_headers_of_people(table, column):
    assert name_is_pii(table, column)


# --- a thing's name in a table of people -------------------------------------------------------


def test_a_things_name_in_a_table_of_people_is_no_persons():
    assert not name_is_pii("singer", "Song_Name")
    assert not name_is_pii("players", "team_name")
    assert name_is_pii("singer", "Stage_Name")  # which of a person's names, not whose
    assert name_is_pii("singer", "Name") and name_is_pii("customer", "cust_name")
    assert name_is_pii("gas_station", "Vice_Manager_Name")


# --- a spreadsheet's columns, judged by their values -----------------------------------------


@pytest.mark.parametrize("table", ["Sheet1", "hoja1", "Hoja 2", "datos", "export_2024", "data"])
def test_a_spreadsheets_column_of_peoples_names_is_personal(table):
    assert names_people("Name", PEOPLE, table=table)
    assert names_people("Responsable", PEOPLE, table=table)  # a word WordNet lacks
    assert names_people("col_3", PEOPLE, table=table)


@pytest.mark.parametrize("values", [CITIES, TITLES, PRODUCTS, COUNTRIES, SHOPS])
@pytest.mark.parametrize("column", ["Name", "nombre", "col_2"])
def test_places_titles_products_and_countries_stay_readable(values, column):
    assert not names_people(column, values, table="Sheet1")


@pytest.mark.parametrize("column", ["City", "Title", "Product", "Country", "Team"])
def test_a_column_naming_a_thing_is_not_judged_by_its_values(column):
    assert not names_people(column, PEOPLE, table="Sheet1")


def test_a_things_table_keeps_its_names_whatever_they_look_like():
    # match_season's `team.Name` holds invented people's names: a team's name all the same
    assert not names_people("Name", PEOPLE, table="team")
    assert names_people("nombre", PEOPLE, table="jugadoras")  # a word WordNet lacks: values


@pytest.mark.parametrize(
    ("value", "name"),
    [("Paula López Sánchez", True), ("María del Carmen Ruiz", True), ("SMITH, John", True),
     ("MARY SMITH", True), ("Ana Ruiz and Leo Sanz", True),
     ("Victoria Falls", False), ("Santa Clara", False), ("Grace Church", False),
     ("Austin Motor Co", False), ("John", False), ("Star Wars", False), ("mary smith", False)],
)  # fmt: skip
def test_the_strict_full_name_test(value, name):
    assert value_is_full_name(value) is name


# --- introspection: never indexed, masked for a viewer -----------------------------------------


def _spreadsheet(path):
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE sheet1 (name TEXT, city TEXT, title TEXT, product TEXT);
            CREATE TABLE climber (Climber_ID INTEGER PRIMARY KEY, Name TEXT, Country TEXT);
            CREATE TABLE farm_competition (id INTEGER PRIMARY KEY, Theme TEXT, Hosts TEXT);
            """
        )
        db.executemany(
            "INSERT INTO sheet1 VALUES (?, ?, ?, ?)",
            [(p, c, t, d) for p, c, t, d in zip(PEOPLE, CITIES, TITLES, PRODUCTS, strict=False)],
        )
        db.executemany(
            "INSERT INTO climber VALUES (?, ?, ?)",
            [(i, n, "Austria") for i, n in enumerate(NAMES, 1)],
        )
        db.executemany(
            "INSERT INTO farm_competition VALUES (?, ?, ?)",
            [(1, "Carnival", "Miley Cyrus and Karen Mok"), (2, "Codehunters", "Leehom Wang"),
             (3, "MTV Asia Aid", "Alicia Keys and Shaggy")],
        )  # fmt: skip


def test_introspection_flags_and_never_indexes_the_names(tmp_path):
    path = tmp_path / "upload.db"
    _spreadsheet(path)
    tables, _, _ = introspect_sqlite(path)
    columns = {(t.name, c.name): c for t in tables for c in t.columns}
    personal = {key for key, c in columns.items() if c.pii}
    assert personal == {("sheet1", "name"), ("climber", "Name"), ("farm_competition", "Hosts")}
    for key in personal:
        assert columns[key].values is None, key  # a personal column is never value-indexed
    assert columns[("sheet1", "city")].values  # a city stays a value of the index


def test_a_word_for_people_before_a_things_head_names_the_things():
    # browser_web: a web client accelerator is software ("CACHEbox", "Fasterfox")
    assert not name_is_pii("Web_client_accelerator", "name")
    assert not names_people("name", ["CACHEbox", "CProxy", "Fasterfox", "Opera Turbo"],
                            table="Web_client_accelerator")  # fmt: skip
    assert not name_is_pii("customer_orders", "name")
    assert names_people("name", PEOPLE, table="customer_orders")  # its values still decide
    for table in ("football_player", "employee_data", "staff_list", "BoardMember"):
        assert name_is_pii(table, "name"), table


def test_a_table_of_makers_keeps_its_firms_names():
    # a maker is mostly a firm: a role table's names pass only the strict test
    firms = ["Acme Motor Works", "Zeta Carriages", "Omega Engines"]
    assert not names_people("full_name", firms, table="makers")
    assert not names_people("Manufacturer", ["Tata Motors", "Zeta Carriages", "Omega Engines"])
    assert names_people("full_name", PEOPLE, table="makers")
