"""On a freshly connected foreign database, an analyst sees no personal column unmasked.

Each public database of the corpus (tests/eval/foreign: Spider's sakila, world_1, car_1,
dog_kennels, the fresh Spider dev and train databases, and Northwind's dump) is built into a SQLite
file, connected to a new org with `manage.py add_datasource` exactly as a customer would, and an
ANALYST of that org reads every table their default policy allows (`SELECT *`). Then:

- every column this test knows to be personal (customers' and staff's names, e-mails, phones,
  addresses, postal codes, fax numbers, birth dates, passwords) comes back as the mask, or its
  table is not allowed at all;
- no value the analyst does see looks like an e-mail address, a phone number, an IBAN or a card
  number (the product's own value check, applied to the output: an independent net for
  columns this list forgot).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from apps.chat.evaluation_foreign import sqlite_build_from_dump
from apps.chat.pipeline import run_query
from apps.governance.engine.policy import MASK
from apps.governance.models import Organization, Role
from apps.governance.services import membership_create, policy_resolve
from apps.knowledge.engine.pii import value_kind
from apps.knowledge.selectors import catalog_snapshot, datasource_get

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

FOREIGN = Path(__file__).resolve().parents[1] / "eval" / "foreign"

# table -> columns that hold personal data, per database (by reading each schema).
PERSONAL = {
    "sakila": {
        "customer": {"first_name", "last_name", "email"},
        "staff": {"first_name", "last_name", "email", "password", "username"},
        "address": {"address", "address2", "postal_code", "phone"},
        "actor": {"first_name", "last_name"},
    },
    "dog_kennels": {
        "Owners": {
            "first_name", "last_name", "street", "zip_code", "email_address", "home_phone",
            "cell_number",
        },
        "Professionals": {
            "first_name", "last_name", "street", "zip_code", "email_address", "home_phone",
            "cell_number",
        },
    },
    "northwind": {
        "Customers": {"ContactName", "Address", "PostalCode", "Phone", "Fax"},
        "Employees": {
            "FirstName", "LastName", "BirthDate", "Address", "PostalCode", "HomePhone",
        },
        "Suppliers": {"ContactName", "Address", "PostalCode", "Phone", "Fax"},
        "Shippers": {"Phone"},
    },
    "world_1": {},
    "car_1": {},
    # The fresh Spider dev databases (people's names and birth dates).
    "battle_death": {},
    "course_teach": {"teacher": {"Name"}},
    "employee_hire_evaluation": {"employee": {"Name"}, "shop": {"Manager_name"}},
    "museum_visit": {"visitor": {"Name"}},
    "orchestra": {"conductor": {"Name"}},
    "pets_1": {"Student": {"LName", "Fname"}},
    "poker_player": {"people": {"Name", "Birth_Date"}},
    # Four more fresh ones (singers' names, credits of cartoons, high school students' names).
    "concert_singer": {"singer": {"Name"}},
    "network_1": {"Highschooler": {"name"}},
    "singer": {"singer": {"Name"}},
    "tvshow": {"Cartoon": {"Directed_by", "Written_by"}},
    # The second group of fresh Spider dev databases.
    "cre_Doc_Template_Mgt": {},
    "student_transcripts_tracking": {
        "Students": {
            "first_name", "middle_name", "last_name", "cell_mobile_number", "email_address", "ssn",
        },
        "Addresses": {"zip_postcode", "line_1", "line_2", "line_3"},
    },
    # The third group: Spider train databases (station managers', bank customers', players' and
    # journalists' names).
    "gas_company": {"gas_station": {"Manager_Name", "Vice_Manager_Name", "Representative_Name"}},
    "loan_1": {"customer": {"cust_name"}},
    "match_season": {"match_season": {"Player"}, "player": {"Player"}},
    "medicine_enzyme_interaction": {},
    "news_report": {"journalist": {"Name"}},
    "storm_record": {},
    # The fourth group: more Spider train databases (technicians', perpetrators', bus drivers',
    # film directors', climbers' and competition hosts' names).
    "cinema": {"film": {"Directed_by"}},
    "climbing": {"climber": {"Name"}},
    "farm": {"farm_competition": {"Hosts"}},
    "machine_repair": {"technician": {"Name"}},
    "perpetrator": {"people": {"Name"}},
    "roller_coaster": {},
    "school_bus": {"driver": {"Name"}},
    "ship_mission": {},
    # The fifth group: Spider train databases (body builders', debaters', gymnasts', artists',
    # injured players' and married people's names; a church's organiser).
    "body_builder": {"people": {"Name", "Birth_Date"}},
    "browser_web": {},
    "debate": {"people": {"Name"}},
    "game_injury": {"injury_accident": {"Player"}},
    "gymnast": {"people": {"Name"}},
    "phone_market": {},
    "protein_institute": {},
    "school_finance": {},
    "theme_gallery": {"artist": {"Name"}},
    "wedding": {"people": {"Name"}, "church": {"Organized_by"}},
    # The sixth group (architects', candidates', entrepreneurs' and investors', writers',
    # employees', editors' and party hosts' names and birth dates).
    "architecture": {"architect": {"name"}},
    "candidate_poll": {"people": {"Name", "Date_of_Birth"}},
    "county_public_safety": {},
    "entrepreneur": {"people": {"Name", "Date_of_Birth"}, "entrepreneur": {"Investor"}},
    "manufacturer": {},
    "book_2": {"book": {"Writer"}},
    "company_employee": {"people": {"Name"}},
    "journal_committee": {"editor": {"Name"}},
    "party_host": {"host": {"Name"}},
    # The seventh group (representatives', actors', nominees' and pilots' names).
    "election_representative": {"representative": {"Name"}},
    "mountain_photos": {},
    "musical": {"actor": {"Name"}, "musical": {"Nominee"}},
    "pilot_record": {"pilot": {"Pilot_name"}},
    "race_track": {},
}  # fmt: skip
# Personal columns the product does not flag yet (a known gap, kept out of PERSONAL so the rest
# of the check runs): the test fails when one gets flagged, to move it into PERSONAL. None today:
# a climber's `Name` and a competition's `Hosts` were moved up (h-pii2: a table or column named
# for people in a role, "climber" being also a plant and "host" a multitude, judged by its
# values). Still unflagged on purpose: battle_death's commanders (one-word historical names,
# "Kaloyan") and world_1's `HeadOfState` (the column names a state).
NOT_FLAGGED_YET: dict[str, dict[str, set[str]]] = {}
# Values the product's value check takes for personal data though they are not (a known false
# positive, kept visible): none today ('2 (2010-2011)', a count of seasons with their years, is a
# span of years, no phone number).
VALUE_FALSE_POSITIVES: dict[str, set[tuple[str, str]]] = {}
# Columns that must stay readable (no false positive that would cripple the database).
NOT_PERSONAL = {
    "world_1": {"country": {"Name", "Continent"}, "city": {"Name", "District"}},
    "car_1": {"car_makers": {"FullName", "Maker"}, "countries": {"CountryName"}},
    "northwind": {"Customers": {"CompanyName", "City", "Country"}, "Products": {"ProductName"}},
    "sakila": {"film": {"title"}, "city": {"city"}},
    "dog_kennels": {"Dogs": {"name"}, "Breeds": {"breed_name"}},
    "battle_death": {"battle": {"name", "result"}, "ship": {"name"}},
    "course_teach": {"course": {"Course"}, "teacher": {"Hometown"}},
    "employee_hire_evaluation": {"shop": {"Name", "Location"}, "employee": {"City"}},
    "museum_visit": {"museum": {"Name"}},
    "orchestra": {"orchestra": {"Orchestra", "Record_Company"}},
    "pets_1": {"Pets": {"PetType"}},
    "poker_player": {"people": {"Nationality"}},
    "concert_singer": {
        "stadium": {"Name", "Location"}, "concert": {"concert_Name", "Theme"},
        "singer": {"Song_Name"},  # a song's name in a table of singers
    },
    "network_1": {"Highschooler": {"grade"}},
    "singer": {"song": {"Title"}, "singer": {"Citizenship"}},
    "tvshow": {"TV_Channel": {"series_name", "Country"}, "Cartoon": {"Title"}},
    "cre_Doc_Template_Mgt": {
        "Documents": {"Document_Name"},
        "Ref_Template_Types": {"Template_Type_Description"},
    },
    "student_transcripts_tracking": {
        "Courses": {"course_name"},
        "Departments": {"department_name"},
        "Semesters": {"semester_name"},
    },
    "gas_company": {"company": {"Company", "Headquarters"}, "gas_station": {"Location"}},
    "loan_1": {"bank": {"bname", "city"}},
    "match_season": {
        "team": {"Name"}, "country": {"Country_name", "Capital"}, "match_season": {"College"},
    },
    "medicine_enzyme_interaction": {"medicine": {"name", "Trade_Name"}, "enzyme": {"name"}},
    "news_report": {"event": {"Name", "Venue"}, "journalist": {"Nationality"}},
    "storm_record": {"storm": {"Name"}, "region": {"Region_name"}},
    "cinema": {"cinema": {"Name", "Location"}, "film": {"Title"}},
    "climbing": {"mountain": {"Name", "Range", "Country"}, "climber": {"Country"}},
    "farm": {"city": {"Official_Name", "Status"}, "farm_competition": {"Theme"}},
    "machine_repair": {"repair": {"name", "Notes"}, "machine": {"Team", "Machine_series"}},
    "perpetrator": {"perpetrator": {"Location", "Country"}, "people": {"Home Town"}},
    "roller_coaster": {"roller_coaster": {"Name", "Park"}, "country": {"Name"}},
    "school_bus": {"school": {"School", "Location"}, "driver": {"Home_city", "Party"}},
    "ship_mission": {"ship": {"Name", "Nationality"}, "mission": {"Code", "Location", "Fate"}},
    # A building's `Street_address` in protein_institute is readable since h-pii3 (an address
    # of a building or an organisation is no person's). The `name` of `Web_client_accelerator`
    # is readable since h-pii2: "client" before a thing's head names the things, not people.
    "body_builder": {"body_builder": {"Snatch", "Clean_Jerk", "Total"}},
    "browser_web": {"browser": {"name"}, "Web_client_accelerator": {"name"}},
    "debate": {"debate": {"Venue", "Date"}, "people": {"District", "Party"}},
    "game_injury": {"stadium": {"name"}, "game": {"Home_team", "Away_team"}},
    "gymnast": {"people": {"Hometown"}},
    "phone_market": {"phone": {"Name", "Carrier"}, "market": {"District"}},
    "protein_institute": {
        "building": {"Name", "Street_address"},
        "Institution": {"Institution", "Location", "Team"},
        "protein": {"common_name", "protein_name"},
    },
    "school_finance": {"School": {"School_name", "Location", "Mascot", "County"}},
    "theme_gallery": {"exhibition": {"Theme"}, "artist": {"Country"}},
    "wedding": {"church": {"Name", "Continuation_of"}, "people": {"Country"}},
    "architecture": {"bridge": {"name", "location"}, "mill": {"name", "location", "type"}},
    "candidate_poll": {"candidate": {"Poll_Source"}},
    "county_public_safety": {"county_public_safety": {"Name", "Location"}, "city": {"Name"}},
    "entrepreneur": {"entrepreneur": {"Company"}},
    "manufacturer": {"manufacturer": {"Name"}, "furniture": {"Name"}},
    "book_2": {"book": {"Title"}, "publication": {"Publisher"}},
    "company_employee": {"company": {"Name", "Headquarters", "Industry"}},
    "journal_committee": {"journal": {"Theme"}},
    "party_host": {"party": {"Party_Theme", "Location"}, "host": {"Nationality"}},
    "election_representative": {"representative": {"State", "Party"}},
    "mountain_photos": {"mountain": {"name", "Range", "Country"}, "camera_lens": {"brand", "name"}},
    "musical": {"musical": {"Name", "Award", "Category"}, "actor": {"Character"}},
    "pilot_record": {"aircraft": {"Manufacturer", "Model"}, "pilot": {"Nationality", "Team"}},
    "race_track": {"race": {"Name", "Class"}, "track": {"Name", "Location"}},
}  # fmt: skip


def _connect(database: str, tmp_path: Path):  # noqa: ANN202
    dump = FOREIGN / database / f"{database}.sql.gz"
    built = tmp_path / f"{database}.db"
    sqlite_build_from_dump(dump, built)
    slug = f"own-{database.replace('_', '-').lower()}"
    call_command("create_org", slug=slug, name=database, language="en", stdout=io.StringIO())
    org = Organization.objects.get(slug=slug)
    call_command(
        "add_datasource", org=slug, name=database, file=str(built), default=True,
        stdout=io.StringIO(),
    )  # fmt: skip
    analyst, _ = membership_create(
        org=org, username=f"{slug}-analyst", password="x", role=Role.ANALYST
    )
    return org, analyst


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@pytest.mark.parametrize("database", sorted(PERSONAL))
def test_an_analyst_sees_no_personal_column_unmasked(database, tmp_path):
    org, analyst = _connect(database, tmp_path)
    source = datasource_get(org=org)
    catalog = catalog_snapshot(data_source=source)
    policy = policy_resolve(membership=analyst, catalog=catalog.policy_flags())
    assert policy.allowed_tables, "the analyst can read something"
    flagged = {(t, c) for t, c in catalog.policy_flags().personal}
    names = {t.name.lower(): t.name for t in catalog.tables}
    missing = [
        f"{names[table.lower()]}.{column}"
        for table, columns in PERSONAL[database].items()
        for column in sorted(columns)
        if (names[table.lower()], column) not in flagged
    ]
    assert not missing, f"not flagged personal: {missing}"
    for table, columns in NOT_FLAGGED_YET.get(database, {}).items():
        for column in columns:
            assert (names[table.lower()], column) not in flagged, f"{table}.{column}: flagged now"
    for table, columns in NOT_PERSONAL[database].items():
        for column in columns:
            assert (names[table.lower()], column) not in flagged, f"{table}.{column} flagged"
    leaks, refused = [], []
    for table in sorted(policy.allowed_tables):
        answer = run_query(membership=analyst, sql=f"SELECT * FROM {_quoted(table)} LIMIT 200")
        if answer["type"] == "REFUSED":
            # A view reading a masked column of its base table: the executor refuses the read
            # (nothing is shown), it never returns the column's values.
            assert answer["error"]["code"] in ("column_not_allowed", "column_masked"), answer
            refused.append(table)
            continue
        assert answer["type"] == "SQL", (table, answer.get("error"))
        columns = [c.lower() for c in answer["columns"]]
        for column in PERSONAL[database].get(table, ()):
            index = columns.index(column.lower())
            assert {row[index] for row in answer["rows"]} <= {MASK, None}, f"{table}.{column}"
        for row in answer["rows"]:
            for column, value in zip(answer["columns"], row, strict=True):
                if (table.lower(), column.lower()) in VALUE_FALSE_POSITIVES.get(database, ()):
                    continue
                if isinstance(value, str) and value != MASK and value_kind(value):
                    leaks.append((table, column, value))
    assert not leaks, leaks[:10]
    assert len(refused) < len(policy.allowed_tables) / 2, refused  # the database stays usable
