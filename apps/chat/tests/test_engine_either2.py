"""Branch h-either2. (1) "A or B" read as WHERE (A OR B) (`offline/either.py`) never drops
what A's half says besides its condition: "the number of theatres per city in Lima or with
capacity under 400" read A as one count (the city said: one group) and answered one count;
now asked back, as are an order, a top N or a group said after the "or"; a second measure
is kept. (2) A question with no hint word of either language ("teams whose manager contains
Smith") was read as Spanish (the tie's default), so asked back in Spanish: the relative and
pattern words (whose, contains, starts, named…; cuyo, contiene, empieza, llamado…) now vote.
(3) Values of one column joined by "or" with the column grouped ("the number of theatres per
city in Lima or in Oslo") made one figure, dropping "per city": now each value its group
(`plan_groups._grouped_by_the_column`). On an invented schema (theatres; salas in Spanish).

    .venv/bin/python -m pytest -p no:cacheprovider -q apps/chat/tests/test_engine_either2.py
"""

from __future__ import annotations

import pytest

from apps.chat.engine.offline import lexicon as lx
from apps.chat.tests.support import engine_asks, engine_database, engine_reads
from datachat import text as tx

_SCRIPT = """
    CREATE TABLE theatre (theatre_id INTEGER PRIMARY KEY, name TEXT, city TEXT,
        capacity INTEGER);
    CREATE TABLE sala (sala_id INTEGER PRIMARY KEY, nombre TEXT, ciudad TEXT, aforo INTEGER);
"""
_ROWS = {
    "theatre": [(1, "Aula", "Oslo", 300), (2, "Dome", "Lima", 1500), (3, "Barn", "Oslo", 500),
                (4, "Cove", "Lima", 200), (5, "Nest", "Quito", 100)],
    "sala": [(1, "Aula", "Oslo", 300), (2, "Domo", "Lima", 1500), (3, "Nido", "Oslo", 500),
             (4, "Cueva", "Lima", 200), (5, "Casa", "Quito", 100)],
}  # fmt: skip


@pytest.fixture(scope="module")
def stage(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("either2") / "e.db", _SCRIPT, _ROWS)
    yield model, conn
    conn.close()


@pytest.mark.parametrize(
    "question",
    [
        # a group said in A's half, lost by A's reading (its condition pins the group's column)
        "the number of theatres per city in Lima or with capacity under 400",
        "the number of theatres for each city in Lima or with capacity under 400",
        "the number of theatres by city in Lima or with capacity under 400",
        "el número de salas por ciudad en Lima o con aforo menor que 400",
        "número de salas de cada ciudad en Lima o con aforo menor que 400",
        # a group, an order, a top N said elsewhere: asked back as before, never dropped
        "the number of theatres in Lima or with capacity under 400 per city",
        "the names of theatres in Lima or with capacity under 400 sorted by capacity",
        "the names of the 2 largest theatres in Lima or with capacity under 400",
        "los nombres de las salas en Lima o con aforo menor que 400 ordenados por aforo",
    ],
)
def test_what_the_or_would_drop_is_asked_back(stage, question: str) -> None:  # noqa: ANN001
    model, _conn = stage
    result = engine_asks(model, question)
    assert result.lang == lx.detect_language(question)


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("the number of theatres in Lima or with capacity under 400", [(4,)]),
        ("el número de salas en Lima o con aforo menor que 400", [(4,)]),
        ("How many theatres whose city is Lima or whose capacity is under 400", [(4,)]),
        # a second measure is kept
        ("the number of theatres and the total capacity in Lima or with capacity under 400",
         [(4, 2100)]),
        ("el número de salas y el aforo total en Lima o con aforo menor que 400", [(4, 2100)]),
    ],
)  # fmt: skip
def test_the_or_keeps_every_measure(stage, question: str, want: list) -> None:  # noqa: ANN001
    model, conn = stage
    result = engine_reads(model, question)
    assert " OR " in result.sql, result.sql
    assert conn.execute(result.sql).fetchall() == want


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("teams whose manager contains Smith", "en"),
        ("teams whose name contains e", "en"),
        ("theatres whose name starts with D", "en"),
        ("theatres named Dome", "en"),
        ("equipos cuyo gerente contiene Smith", "es"),
        ("salas cuyo nombre empieza con D", "es"),
        ("salas llamadas Domo", "es"),
    ],
)
def test_pattern_words_say_the_language(question: str, lang: str) -> None:
    assert tx.detect_language(question) == lang


@pytest.mark.parametrize(
    ("question", "lang", "word"),
    [
        ("theatres whose city contains Zz", "en", "find"),
        ("salas cuya ciudad contiene Zz", "es", "encuentro"),
    ],
)
def test_an_ask_back_follows_the_question_language(
    stage, question: str, lang: str, word: str
) -> None:  # noqa: ANN001, E501
    model, _conn = stage
    result = engine_asks(model, question)
    assert result.lang == lang
    assert word in result.clarify, result.clarify


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("the number of theatres per city in Lima or in Oslo", [("Lima", 2), ("Oslo", 2)]),
        ("the number of theatres per city for Lima or Oslo", [("Lima", 2), ("Oslo", 2)]),
        ("el número de salas por ciudad en Lima o en Oslo", [("Lima", 2), ("Oslo", 2)]),
        ("the number of theatres in Lima or Oslo", [(4,)]),  # no group said: one figure
    ],
)
def test_values_of_a_grouped_column_joined_by_or_keep_the_group(
    stage, question: str, want: list
) -> None:  # noqa: ANN001, E501
    """ "per city in Lima or in Oslo": one value list (IN), each value its group, as "per city"
    says; before, the "or" made it one figure and "per city" was dropped."""
    model, conn = stage
    assert sorted(conn.execute(engine_reads(model, question).sql).fetchall()) == want
