"""Issue 13: schema words said with a synonym the one-word thesaurus reading missed (h-para).

- a noun of two words is one entry of the thesaurus ("family names" -> `surname`), read
  together, even when its first word is alone a value of the data;
- a word naming only a modifier inside a column's name ("state" in `head_of_state`) is no
  name of that column: the thesaurus may read it ("States" -> the table `nations`); a
  column's head word ("area" of `surface_area`) keeps its column;
- a synonym that is one word of one column's name ("lifespan" -> "life" of
  `life_expectancy`) reads as that column when its table is in the question;
- the superlatives are read again after the synonyms ("the most popular forename").

A small made-up schema, built here.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_para.py
"""

from __future__ import annotations

import pytest

from apps.chat.engine.offline import interpret
from apps.chat.tests.support import engine_database
from datachat import text as tx

_SCHEMA = """
    CREATE TABLE ships (id INTEGER PRIMARY KEY, label TEXT, tonnage INTEGER);
    CREATE TABLE nations (id INTEGER PRIMARY KEY, label TEXT, head_of_state TEXT,
        surface_area REAL, life_expectancy REAL);
    CREATE TABLE singers (id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
        genre TEXT, nation_id INTEGER REFERENCES nations(id));
"""
_ROWS = {
    "ships": [(1, "Aurora", 300), (2, "Beagle", 200)],
    "nations": [
        (1, "Ruritania", "Rudolf", 100.0, 70.0),
        (2, "Freedonia", "Firefly", 300.0, 80.0),
        (3, "Sylvania", "Trentino", 200.0, 60.0),
    ],
    "singers": [
        (1, "Ann", "Lee", "Family", 1),
        (2, "Ann", "Ray", "Rock", 2),
        (3, "Cy", "Lee", "Folk", 3),
        (4, "Dee", "Orr", "Rock", 1),
    ],
}


@pytest.fixture(scope="module")
def atlas(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("para") / "atlas.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


def test_a_noun_of_two_words_is_looked_up_whole():
    assert "last name" in tx.synonyms("family names", "en")
    assert tx.synonyms("zzzz names", "en") == ()


def test_a_noun_of_two_words_reads_as_one_column(atlas):
    """ "family names" of the singers is `last_name`, though "family" alone is a genre."""
    model, conn = atlas
    result = interpret("Count the different family names of the singers.", model)
    assert result.route == "SQL", (result.clarify, result.notes)
    assert result.sql == interpret("Count the different last names of the singers.", model).sql
    assert "last_name" in result.sql
    assert any(note.startswith("synonym: family names") for note in result.notes)


def test_a_value_alone_stays_a_value(atlas):
    """ "family" without a noun after it that makes one word is still the genre."""
    model, conn = atlas
    result = interpret("How many singers of the family genre are there?", model)
    assert result.route == "SQL", (result.clarify, result.notes)
    assert conn.execute(result.sql).fetchall() == [(1,)]


def test_a_modifier_of_a_column_name_reads_through_the_thesaurus(atlas):
    """ "States" is only a word inside `head_of_state` (whose head is "head"): the thesaurus
    reads it as the nations, counted, not the heads of state."""
    model, conn = atlas
    result = interpret("How many States are there?", model)
    assert result.route == "SQL", (result.clarify, result.notes)
    assert "head_of_state" not in result.sql.lower()
    assert conn.execute(result.sql).fetchall() == [(3,)]


def test_the_head_of_a_column_name_keeps_its_column(atlas):
    """ "area" is the head of `surface_area`: it is that column, never read as a synonym."""
    model, conn = atlas
    result = interpret("What is the total area of the nations?", model)
    assert result.route == "SQL", (result.clarify, result.notes)
    assert conn.execute(result.sql).fetchall() == [(600.0,)]
    assert not any(note.startswith("synonym:") for note in result.notes)


def test_a_synonym_that_is_a_word_of_one_column_name_reads_as_that_column(atlas):
    """ "lifespan" -> "life", a word of `life_expectancy` alone, the nations being asked about."""
    model, conn = atlas
    result = interpret("What is the average lifespan of the nations?", model)
    assert result.route == "SQL", (result.clarify, result.notes)
    assert conn.execute(result.sql).fetchall() == [(70.0,)]


def test_a_word_of_a_column_of_a_table_not_in_the_question_is_asked_back(atlas):
    """ "lifespan" of the singers: `life_expectancy` is a column of the nations, not said."""
    model, _conn = atlas
    result = interpret("What is the lifespan of each singer?", model)
    assert result.route == "CLARIFY", result.sql


def test_a_superlative_of_a_column_read_through_a_synonym(atlas):
    """ "the most popular forename": the mode of `first_name`, read after the synonym."""
    model, conn = atlas
    result = interpret("What is the most popular forename of the singers?", model)
    assert result.route == "SQL", (result.clarify, result.notes)
    assert conn.execute(result.sql).fetchall()[0][0] == "Ann"
