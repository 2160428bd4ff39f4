"""Issue 13: a schema word said with a general-English synonym (pure tests, no Django).

An unknown noun is read through the thesaurus (WordNet 3.0 nouns, `datachat.text.synonyms`)
when its synonyms reach exactly one catalog name ("automobiles" -> `automobile`'s table is
`cars`); the reading is said with the answer. A synonym never overrides a name the catalog has,
two catalog names reached are asked back naming the word, and a column is reached only when
its table is in the question. A small made-up schema, built here.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_syn.py
"""

from __future__ import annotations

import pytest

from apps.chat.engine.offline import interpret
from apps.chat.tests.support import engine_database
from datachat import text as tx

_SCHEMA = """
    CREATE TABLE nations (id INTEGER PRIMARY KEY, label TEXT, population INTEGER);
    CREATE TABLE cars (id INTEGER PRIMARY KEY, model TEXT, weight INTEGER,
        nation_id INTEGER REFERENCES nations(id));
    CREATE TABLE drivers (id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
        car_id INTEGER REFERENCES cars(id));
    CREATE TABLE towns (id INTEGER PRIMARY KEY, district TEXT,
        nation_id INTEGER REFERENCES nations(id));
"""
_ROWS = {
    "nations": [(1, "Ruritania", 900), (2, "Freedonia", 500)],
    "cars": [(1, "roadster", 1200, 1), (2, "coupe", 1500, 1), (3, "wagon", 1800, 2)],
    "drivers": [(1, "Ann", "Lee", 1), (2, "Bob", "Ray", 2), (3, "Cy", "Orr", 3)],
    "towns": [(1, "North", 1), (2, "South", 2)],
}


@pytest.fixture(scope="module")
def garage(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("syn") / "garage.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


def test_the_thesaurus_is_offline_and_english():
    assert "car" in tx.synonyms("automobiles", "en")
    assert "first name" in tx.synonyms("forename", "en")
    assert tx.synonyms("automóviles", "es") == ()
    assert tx.synonyms("zzzz", "en") == ()


def test_a_synonym_of_one_table_name_reads_as_that_table(garage):
    """ "automobiles" is `cars`: counted, and the answer says which schema word it read."""
    model, conn = garage
    result = interpret("How many automobiles are there?", model)
    assert result.route == "SQL", (result.clarify, result.notes)
    assert conn.execute(result.sql).fetchall() == [(3,)]
    assert "automobiles → car" in result.reading
    assert "synonym: automobiles -> car" in result.notes


def test_a_synonym_of_a_column_of_a_table_said_reads_as_that_column(garage):
    """ "forename" of the drivers is `drivers.first_name`."""
    model, conn = garage
    result = interpret("List the forename of the drivers.", model)
    assert result.route == "SQL", (result.clarify, result.notes)
    assert sorted(r[0] for r in conn.execute(result.sql).fetchall()) == ["Ann", "Bob", "Cy"]


def test_a_column_of_a_table_the_question_never_names_is_not_reached(garage):
    """ "territory" is a synonym of `district`, a column of `towns`: the cars are asked about,
    so the word is asked back rather than joined to a table nobody mentioned."""
    model, _conn = garage
    result = interpret("What is the territory of each car?", model)
    assert result.route == "CLARIFY", result.sql
    assert "territory" in result.clarify


def test_a_name_of_the_catalog_is_never_read_as_a_synonym(garage):
    """ "nations" is the table's own name, though its synonyms also reach other words."""
    model, _conn = garage
    result = interpret("How many nations are there?", model)
    assert result.route == "SQL"
    assert "→" not in result.reading
    assert not any(note.startswith("synonym:") for note in result.notes)


def test_a_synonym_reaching_two_catalog_names_is_asked_back_naming_the_word(tmp_path):
    """ "nations" reaches both `countries` and `states`: which one is the user's to say."""
    schema = """
        CREATE TABLE countries (id INTEGER PRIMARY KEY, label TEXT);
        CREATE TABLE states (id INTEGER PRIMARY KEY, label TEXT,
            country_id INTEGER REFERENCES countries(id));
    """
    rows = {"countries": [(1, "Ruritania")], "states": [(1, "Upper", 1), (2, "Lower", 1)]}
    model, conn = engine_database(tmp_path / "atlas.db", schema, rows)
    conn.close()
    result = interpret("How many nations are there?", model)
    assert result.route == "CLARIFY", result.sql
    assert "nations" in result.clarify


def test_a_table_word_right_before_another_tables_word_only_modifies_it(tmp_path):
    """English compounds end in their head: "the most vehicle manufacturers" counts the
    manufacturers (Ruritania has 2 of them), not their vehicles (Freedonia's one maker has 5)."""
    schema = """
        CREATE TABLE nations (id INTEGER PRIMARY KEY, label TEXT);
        CREATE TABLE manufacturers (id INTEGER PRIMARY KEY, label TEXT,
            nation_id INTEGER REFERENCES nations(id));
        CREATE TABLE vehicles (id INTEGER PRIMARY KEY, model TEXT,
            manufacturer_id INTEGER REFERENCES manufacturers(id));
    """
    rows = {
        "nations": [(1, "Ruritania"), (2, "Freedonia")],
        "manufacturers": [(1, "Acme", 1), (2, "Zeta", 1), (3, "Omega", 2)],
        "vehicles": [(1, "a", 1), (2, "b", 2), *[(n, "c", 3) for n in range(3, 8)]],
    }
    model, conn = engine_database(tmp_path / "makers.db", schema, rows)
    result = interpret("Which nation has the most vehicle manufacturers?", model)
    assert result.route == "SQL", (result.clarify, result.notes)
    assert conn.execute(result.sql).fetchall()[0][0] == "Ruritania", result.sql
    conn.close()


def test_a_plural_synonym_reads_as_the_plural_table_name(tmp_path):
    """ "Which of the States has the most cars?" is "which of the countries …": one country,
    as the table's own plural name would give (a wrong plural, "countrys", listed them all)."""
    schema = """
        CREATE TABLE countries (id INTEGER PRIMARY KEY, label TEXT);
        CREATE TABLE cars (id INTEGER PRIMARY KEY, model TEXT,
            country_id INTEGER REFERENCES countries(id));
    """
    rows = {
        "countries": [(1, "Ruritania"), (2, "Freedonia")],
        "cars": [(1, "a", 1), (2, "b", 1), (3, "c", 2)],
    }
    model, conn = engine_database(tmp_path / "states.db", schema, rows)
    result = interpret("Which of the States has the most cars?", model)
    assert result.route == "SQL", (result.clarify, result.notes)
    assert [r[0] for r in conn.execute(result.sql).fetchall()] == ["Ruritania"], result.sql
    conn.close()
