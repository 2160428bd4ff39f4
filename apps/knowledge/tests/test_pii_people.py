"""People's names on invented schemas: a table whose name is a word for people (by WordNet), a
column named after a person's role or deed holding names, and spans of years that are no phone.
"""

from __future__ import annotations

import sqlite3

import pytest

from apps.knowledge.engine.introspection import introspect_sqlite
from apps.knowledge.engine.pii import (
    name_is_pii,
    names_people,
    person_table,
    value_is_person_name,
    value_kind,
)
from datachat.text import person_noun

NAMES = ["Ana Ruiz", "Peter O'Brien", "J. K. Lamb", "Kim Soo-Min (12)", "Lucas de Vries"]


@pytest.mark.parametrize(
    "table",
    [
        "Highschooler",  # a compound "-er" word: one at a high school
        "middle_schoolers",
        "Journalist",
        "football_player",
        "Referees",
        "Songwriter",
        "BoardMember",  # the list's word (WordNet's "member" is also a limb)
        "Conductor",
    ],
)
def test_a_table_named_for_people(table):
    assert person_table(table)
    assert name_is_pii(table, "Name")


@pytest.mark.parametrize(
    "table",
    [
        "company", "shop", "stadium", "orchestra", "museum", "country", "breed", "team",
        "car_makers",  # a maker is a person, or God, or a manufacturer: not only people
        "dogs",  # a dog is an animal before it is "a dull unattractive girl"
        "printer", "Footer",  # "-er" words for things (WordNet holds them)
        "event", "ship", "storm", "season",
        "roller_coaster",  # a compound read whole: a coaster is a person of the coast
        "general_settings",  # an adjective before the head names nobody
    ],
)  # fmt: skip
def test_a_table_of_things_keeps_its_names(table):
    assert not person_table(table)
    assert not name_is_pii(table, "Name")


def test_a_things_name_in_a_table_of_people_stays_readable_by_its_own_word():
    assert name_is_pii("shop", "Manager_name")  # a person's word in the column, any table
    assert not name_is_pii("Journalist", "company_name")
    assert not name_is_pii("city", "Official_Name")  # an official name, not an official's
    assert name_is_pii("gas_station", "Representative_Name")


@pytest.mark.parametrize(
    "column",
    ["Directed_by", "Written_by", "CreatedBy", "reported_by", "Player", "Author", "Director",
     "Representative", "home_Manager", "escrito_por"],
)  # fmt: skip
def test_a_role_column_holding_names_is_personal(column):
    assert names_people(column, NAMES)


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("Player", ["Forward", "Goalkeeper", "Defender", "Midfielder"]),  # positions
        ("Player", ["Point Guard", "Small Forward", "Shooting Guard", "Center"]),
        ("Player", ["12", "7", "23", "9"]),  # shirt numbers
        ("Player", ["P-001", "P-002", "P-017"]),  # codes
        # a ship built by shipyards (firms' names): a deed of a firm, not of a person
        ("Built_by", ["Harland and Wolff", "Blohm & Voss", "Cammell Laird & Co",
                      "Newport News Shipbuilding", "Kockums"]),
        ("Title", NAMES),  # names in a column that says nothing of people: not by this rule
        ("player_id", NAMES),  # keys never are
        ("Manufacturer", ["Ford Motor", "Tata Motors", "General Motors"]),  # not a person word
    ],
)  # fmt: skip
def test_other_role_columns_stay_readable(column, values):
    assert not names_people(column, values)


def test_a_built_by_column_holding_peoples_names_is_personal():
    # the rule reads the values, not the verb: a cabinet maker's name is a person's
    assert names_people("Built_by", ["Ewa Nowak", "Luis García", "Tom Hardy", "Ian Kerr", "Ai Lee"])


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("Ben Jones", True),
        ("J. M. DeMatteis", True),
        ("Steve Ralston Category:Articles with hCards", True),  # a name, then scraped residue
        ("PENELOPE GUINESS", True),
        ("Luis García", True),
        ("Kaloyan", False),  # one word: a position, a nickname or a first name alone
        ("Point Guard", False),  # common English words (so is "Tom Hardy", alone)
        ("Tom Hardy", False),
        ("Cammell Laird & Co", False),
        ("Harland and Wolff", False),
        ("2 (2010-2011)", False),
    ],
)
def test_what_looks_like_a_persons_name(value, name):
    assert value_is_person_name(value) is name


@pytest.mark.parametrize(
    "value", ["2 (2010-2011)", "2010-2011", "12 (1995 - 2006)", "3 (1999/2001)"]
)
def test_a_span_of_years_is_no_phone_number(value):
    assert value_kind(value) == ""


@pytest.mark.parametrize("value", ["(555) 123-4567", "+34 600 123 456", "555-2011 x12"])
def test_phone_numbers_still_are(value):
    assert value_kind(value) == "phone"


def test_person_nouns_by_wordnet():
    assert person_noun("journalists") and person_noun("judges") and person_noun("highschooler")
    assert not person_noun("company") and not person_noun("maker") and not person_noun("people")


def test_introspection_flags_the_names_on_an_invented_database(tmp_path):
    path = tmp_path / "shows.db"
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE episode (id INTEGER PRIMARY KEY, Title TEXT, Directed_by TEXT,
                                  Built_by TEXT, Seasons TEXT);
            CREATE TABLE Highschooler (ID INTEGER PRIMARY KEY, name TEXT, grade INTEGER);
            CREATE TABLE squad (id INTEGER PRIMARY KEY, Player TEXT, Position_name TEXT);
            CREATE TABLE stadium (id INTEGER PRIMARY KEY, Name TEXT);
            """
        )
        db.executemany(
            "INSERT INTO episode VALUES (?, ?, ?, ?, ?)",
            [(1, "Pilot", "Ben Jones", "Studio Nine", "2 (2010-2011)"),
             (2, "Return", "Ana Ruiz", "Studio Nine", "1 (2011-2011)"),
             (3, "Finale", "Michael Chang", "Blue Sky Studios", "3 (2009-2011)")],
        )  # fmt: skip
        db.executemany(
            "INSERT INTO Highschooler VALUES (?, ?, ?)",
            [(1, "Jordan", 9), (2, "Gabriel", 10), (3, "Tiffany", 11)],
        )
        db.executemany(
            "INSERT INTO squad VALUES (?, ?, ?)",
            [(1, "Forward", "Striker"), (2, "Goalkeeper", "Keeper"), (3, "Defender", "Back")],
        )
        db.executemany(
            "INSERT INTO stadium VALUES (?, ?)",
            [(1, "Anfield"), (2, "Camp Nou"), (3, "San Siro")],
        )
    tables, _, _ = introspect_sqlite(path)
    personal = {(t.name, c.name) for t in tables for c in t.columns if c.pii}
    assert personal == {("episode", "Directed_by"), ("Highschooler", "name")}


# --- one-word names in a table whose columns say its rows are people -------------------------

SURNAMES = ["Hamilton", "Verstappen", "Leclerc", "Norris", "Piastri", "Alonso", "Bottas"]


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        ("rider", ["id", "name", "nationality", "team"]),  # a role table: a person's column
        ("f1_2024", ["name", "Nationality", "points"]),  # a name that says nothing of things
        ("Sheet1", ["Name", "Age", "Gender"]),  # two of a living being's columns
        ("monarch", ["name", "Birth_Place", "reign"]),
        ("Hosts", ["name", "Home_Town"]),
    ],
)
def test_surnames_alone_are_names_in_a_table_of_people_by_its_columns(table, columns):
    assert names_people("name", SURNAMES, table=table, columns=columns)
    assert names_people("name", ["Kaloyan", "Boril", "Pelé", "O'Neill", "HAMILTON"],
                        table=table, columns=columns)  # fmt: skip


@pytest.mark.parametrize(
    ("table", "columns", "values"),
    [
        # the columns say nothing of people: the strict test, as before
        ("rider", ["id", "name", "team"], SURNAMES),
        ("f1_2024", ["name", "points"], SURNAMES),
        # a role table with a living being's columns only: a dog is also "a dull girl"
        ("Dogs", ["name", "age", "gender", "date_of_birth"], ["Kacey", "Hipolito", "Mavis"]),
        # things with a people's column: ships, teams, loudspeakers
        ("ship", ["Name", "Nationality", "Tonnage"], ["Corbridge", "Farringford", "Dromonby"]),
        ("team", ["name", "hometown"], ["Ferrari", "McLaren", "Williams", "Sauber"]),
        ("speaker", ["name", "weight", "height"], ["Bose", "Sonos", "Klipsch", "Marshall"]),
        # a table of people whose `name` repeats a few words: a category's, not a naming column
        ("Sheet1", ["name", "age", "sex"], ["Gold", "Silver", "Gold", "Bronze", "Gold"] * 3),
        ("Sheet1", ["name", "age", "sex"], ["Kaloyan", "Boril", "Kaloyan", "Boril"] * 3),
        # codes in capitals and common words are no names
        ("f1_2024", ["name", "nationality"], ["NYY", "CLE", "CHC", "CWS", "PHA"]),
        ("f1_2024", ["name", "nationality"], ["Forward", "Unknown", "Guard", "Centre"]),
    ],
)
def test_one_word_values_stay_readable_without_people(table, columns, values):
    assert not names_people("name", values, table=table, columns=columns)


def test_a_role_column_of_a_table_of_people_takes_surnames_alone():
    columns = ["id", "name", "nationality", "coach"]
    assert names_people("coach", ["Wolff", "Horner", "Vasseur", "Brown", "Stella"],
                        table="f1_2024", columns=columns)  # fmt: skip
    # a coach is a person whatever the table's rows (branch h-quality: `_ROLE_COLUMNS`)
    assert names_people("coach", ["Wolff", "Horner", "Vasseur", "Brown", "Stella"])
    # a word for people that names no role of a row's own: a one-word value is not yet a name
    assert not names_people("player", ["Wolff", "Horner", "Vasseur", "Brown", "Stella"])


# --- brands and products in a column named for people in a role ----------------------------

BRANDS = ["Bose SoundLink", "JBL Flip 5", "Sony SRS-XB43", "Apple HomePod", "Sonos One"]
CLOUDS = ["Google Cloud", "Microsoft Azure", "Alibaba Cloud", "IBM Cloud", "Tencent Cloud"]


@pytest.mark.parametrize("column", ["host", "hosted_by", "Hosts", "sponsor", "presenter"])
@pytest.mark.parametrize("values", [BRANDS, CLOUDS])
def test_brands_in_a_role_column_stay_readable(column, values):
    assert not names_people(column, values, table="events")


@pytest.mark.parametrize(
    ("value", "name"),
    [("Bose SoundLink", False), ("JBL Flip 5", False), ("Google Cloud", False),
     ("Samsung Galaxy", False), ("DigitalOcean Droplet", False),
     ("Cho Soong-Jae (630)", True), ("Dejan Stanković (2)", True), ("Bill Gates", True),
     ("Kobe Bryant", True), ("J. M. DeMatteis", True), ("Ronald McDonald", True),
     ("Satya Nadella", True), ("LaVonne DeShawn", True)],
)  # fmt: skip
def test_a_brands_shape_is_no_persons_name(value, name):
    assert value_is_person_name(value) is name


def test_introspection_reads_a_tables_other_columns(tmp_path):
    path = tmp_path / "f1.db"
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE rider (id INTEGER PRIMARY KEY, name TEXT, nationality TEXT);
            CREATE TABLE racer (id INTEGER PRIMARY KEY, name TEXT, team TEXT);
            CREATE TABLE building (id INTEGER PRIMARY KEY, Name TEXT, Street_address TEXT);
            """
        )
        db.executemany(
            "INSERT INTO rider VALUES (?, ?, ?)",
            [(i, n, "British") for i, n in enumerate(SURNAMES, 1)],
        )
        db.executemany(
            "INSERT INTO racer VALUES (?, ?, ?)",
            [(i, n, "Ferrari") for i, n in enumerate(SURNAMES, 1)],
        )
        db.executemany(
            "INSERT INTO building VALUES (?, ?, ?)",
            [(1, "Park Tower", "400 N Tampa St"), (2, "Floridan Hotel", "905 N Florida Ave")],
        )
    tables, _, _ = introspect_sqlite(path)
    personal = {(t.name, c.name) for t in tables for c in t.columns if c.pii}
    assert personal == {("rider", "name")}


# --- a column declared BOOL that holds other text ----------------------------------------------


def test_a_bool_column_holding_other_text_is_never_indexed(tmp_path):
    """SQLite keeps any text in a column declared BOOL. Its values are indexed only when they
    are a written yes/no ('T'/'F'): e-mails or names there are not sampled for personal data as
    a text column's are, so they must never reach the value index (or the LLM's VALUES)."""
    path = tmp_path / "flags.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE member (id INTEGER PRIMARY KEY, is_pro bool, contact bool)")
        db.executemany(
            "INSERT INTO member VALUES (?, ?, ?)",
            [(1, "T", "ann@example.org"), (2, "F", "bo@example.org"), (3, "T", "cy@example.org")],
        )
    tables, _, _ = introspect_sqlite(path)
    values = {c.name: c.values for c in tables[0].columns}
    assert values["is_pro"] == ("F", "T")
    assert values["contact"] is None
