"""A column named by a person's role holds people's names whatever its table's rows are (branch
h-quality): a shop's `manager`, a team's `coach`, a ship's `captain`, `gerente` of a `tienda`,
one word alone ("Smith", a surname that is a common noun, included) or two; and a surname that
is a common noun is no brand's word (`_brand_like` needs a model number, an inner capital or a
product line's suffix). Cities, firms, codes and placeholders in such a column stay readable.
"""

from __future__ import annotations

import sqlite3

import pytest

from apps.knowledge.engine.introspection import introspect_sqlite
from apps.knowledge.engine.pii import names_people, value_is_person_name

SURNAMES = ["Smith", "Baker", "Wenger", "Cook", "Jones", "Hill"]


@pytest.mark.parametrize(
    ("table", "column", "columns", "values"),
    [
        ("shop", "manager", ["shop_id", "name", "city", "manager"], SURNAMES),
        ("team", "coach", ["team_id", "name", "coach", "founded"], SURNAMES),
        ("ship", "captain", ["ship_id", "name", "tonnage", "captain"],
         ["Rose Baker", "Smith", "Ahab", "Tom Cook", "Nemo"]),
        ("store", "manager_name", ["id", "manager_name"], SURNAMES),
        ("club", "Head_Coach", ["id", "Head_Coach"], ["Guardiola", "Klopp", "Arteta", "Smith"]),
        ("tienda", "gerente", ["id", "nombre", "gerente"], ["García", "Pérez", "Sánchez", "Ruiz"]),
        ("equipo", "entrenador", ["id", "entrenador"], ["Bielsa", "Simeone", "Xavi", "Baker"]),
        ("hotel", "owners", ["id", "owners"], ["Hilton", "Marriott", "Smith", "Baker"]),
    ],
)  # fmt: skip
def test_a_role_column_holds_peoples_names(table, column, columns, values):
    assert names_people(column, values, table=table, columns=columns)


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("host", ["London", "Paris", "Beijing", "Athens", "Tokyo"]),  # a city hosts too
        ("owner", ["Maersk Line", "Evergreen Marine Corp", "COSCO", "MSC", "CMA CGM"]),
        ("director", ["HR", "IT", "OPS", "FIN"]),  # codes in capitals
        ("manager", ["Unknown", "Vacant", "None", "Unknown", "Vacant"]),  # placeholders
        ("contact", ["Phone", "Email", "Mail", "Phone"]),  # a way to reach, no one
        ("host", ["Google Cloud", "Samsung Galaxy", "JBL Flip 5", "Bose SoundLink"]),
        ("shop", ["Smith", "Baker", "Wenger", "Cook"]),  # no role named
    ],
)
def test_things_in_a_role_column_stay_readable(column, values):
    assert not names_people(column, values, table="venue", columns=["id", column])


@pytest.mark.parametrize(
    ("value", "name"),
    [("Ximena Rose", True), ("Kaloyan Baker", True), ("Elon Smith", True),
     ("Google Cloud", False), ("Samsung Galaxy", False), ("JBL Flip 5", False),
     ("Bose SoundLink", False), ("Alibaba Cloud", False)],
)  # fmt: skip
def test_a_surname_that_is_a_common_noun_is_no_brand(value, name):
    assert value_is_person_name(value) is name


def test_introspection_masks_a_shops_manager(tmp_path):
    path = tmp_path / "shops.db"
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE shop (shop_id INTEGER PRIMARY KEY, name TEXT, city TEXT, manager TEXT);
            CREATE TABLE fleet (ship_id INTEGER PRIMARY KEY, name TEXT, captain TEXT);
            """
        )
        db.executemany(
            "INSERT INTO shop VALUES (?, ?, ?, ?)",
            [(i, f"Shop {i}", "Oslo", m) for i, m in enumerate(SURNAMES, 1)],
        )
        db.executemany(
            "INSERT INTO fleet VALUES (?, ?, ?)",
            [(i, s, c) for i, (s, c) in enumerate(zip(["Aurora", "Borealis", "Cygnus", "Draco"],
                                                    ["Smith", "Baker", "Rose Baker", "Nemo"],
                                                    strict=True), 1)],
        )  # fmt: skip
    tables, _fks, _counts = introspect_sqlite(path)
    flags = {(t.name, c.name): (c.pii, c.values) for t in tables for c in t.columns}
    assert flags[("shop", "manager")] == (True, None)
    assert flags[("fleet", "captain")] == (True, None)
    assert flags[("shop", "city")][0] is False
    assert flags[("fleet", "name")][0] is False
