"""Issue 13, item 6: listings kept by a count of related rows (pure tests, no Django).

Causes, one test each:
- the noun after a count's number names the table counted ("for each country with at least 2
  languages"): it is what is counted, never a column to group by as well, even when it is
  also a word of one of that table's columns (`language`);
- "the numbers of" is a count phrase, as "the number of" is;
- a table counted per a row of a table it does not reach many-to-one ("actors with more than
  1 film", "how many films by genre") is counted through the one link table that references
  both (a cast, a film's genres): COUNT(DISTINCT link.fk).

One small schema of its own, built here.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_topgroup.py
"""

from __future__ import annotations

import pytest

from apps.chat.engine.offline import interpret
from apps.chat.tests.support import engine_database, engine_reads

_SCHEMA = """
    CREATE TABLE countries (id INTEGER PRIMARY KEY, name TEXT, population INTEGER);
    CREATE TABLE languages (country_id INTEGER REFERENCES countries(id), language TEXT,
        share REAL, PRIMARY KEY (country_id, language));
    CREATE TABLE actors (actor_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT);
    CREATE TABLE films (film_id INTEGER PRIMARY KEY, title TEXT, length INTEGER);
    CREATE TABLE casts (actor_id INTEGER REFERENCES actors(actor_id),
        film_id INTEGER REFERENCES films(film_id), PRIMARY KEY (actor_id, film_id));
"""
_ROWS = {
    "countries": [(1, "Ruritania", 900), (2, "Freedonia", 500), (3, "Elbonia", 700)],
    "languages": [
        (1, "Ruritanian", 60.0),
        (1, "Elbonian", 30.0),
        (1, "Latin", 10.0),
        (2, "Freedonian", 80.0),
        (2, "Latin", 20.0),
        (3, "Elbonian", 100.0),
    ],
    "actors": [(1, "Ann", "Lee"), (2, "Bob", "Ray"), (3, "Cy", "Orr")],
    "films": [(1, "Dawn", 90), (2, "Dusk", 100), (3, "Noon", 110)],
    "casts": [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (3, 3)],
}


@pytest.fixture(scope="module")
def atlas(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("tg") / "atlas.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


def _rows(atlas, question: str) -> list:  # noqa: ANN001
    model, conn = atlas
    result = engine_reads(model, question)
    return sorted(tuple(row) for row in conn.execute(result.sql).fetchall())


def test_the_counted_noun_after_the_number_is_counted_not_grouped(atlas):
    """ "languages" after "at least 2" is the table counted, not the `language` column."""
    question = (
        "Return the country name and the number of languages for each country with at least 2 "
        "languages."
    )
    rows = _rows(atlas, question)
    assert rows == [("Freedonia", 2), ("Ruritania", 3)]


def test_numbers_of_is_a_count_phrase(atlas):
    rows = _rows(atlas, "Return the country name and the numbers of languages for each country.")
    assert rows == [("Elbonia", 1), ("Freedonia", 2), ("Ruritania", 3)]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which actors have more than 1 films?", [(1, "Ann Lee", 3), (2, "Bob Ray", 2)]),
        (
            "How many films are there for each actor?",
            [(1, "Ann Lee", 3), (2, "Bob Ray", 2), (3, "Cy Orr", 1)],
        ),
    ],
)  # fmt: skip
def test_a_table_counted_per_a_row_it_does_not_reach_goes_through_the_link_table(
    atlas, question, expected
):
    """Films per actor: each actor's rows of the cast, never the films' table fanned out."""
    assert _rows(atlas, question) == expected


def test_a_meaning_word_after_an_article_is_the_column_so_called(tmp_path):
    """ "la descripción de la película": the `description` column, as "the description" is,
    not a question about what something means (the column was dropped from the listing)."""
    model, conn = engine_database(
        tmp_path / "films.db",
        "CREATE TABLE films (film_id INTEGER PRIMARY KEY, title TEXT, description TEXT,"
        " duracion INTEGER);",
        {"films": [(1, "Dawn", "A long day", 90), (2, "Dusk", "A short night", 120)]},
    )
    question = "¿Cuáles son el título y la descripción de la película con la mayor duración?"
    result = interpret(question, model)
    assert result.route == "SQL", (result.clarify, result.notes)
    (row,) = conn.execute(result.sql).fetchall()
    assert {"Dusk", "A short night"} <= set(row)
    conn.close()
