"""Issue 13: an adjective of nationality is the place it pertains to (pure tests, no Django).

"French singers", "cantantes francesas": an adjective the catalog does not know is read as the
one stored value it pertains to (WordNet's pertainyms; a Spanish adjective through its English
name), "French" -> 'France'. When the data holds two values it may be ("Dutch": 'Netherlands'
and 'Holland'), or none, the word stays unknown and is asked back.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_demonyms.py
"""

from __future__ import annotations

import pytest

from apps.chat.engine.offline import interpret
from apps.chat.tests.support import engine_databases, engine_reads

_SCHEMAS = {
    "en": "CREATE TABLE painter (painter_id INTEGER PRIMARY KEY, name TEXT, country TEXT, "
    "age INTEGER);",
    "es": "CREATE TABLE pintores (pintor_id INTEGER PRIMARY KEY, nombre TEXT, pais TEXT, "
    "edad INTEGER);",
}
_PAINTERS = [
    (1, "Odile", "France", 40),
    (2, "Hans", "Germany", 50),
    (3, "Rene", "France", 60),
    (4, "Ana", "Brazil", 30),
    (5, "Sam", "United States", 20),
    (6, "Lia", "Netherlands", 25),
    (7, "Kees", "Holland", 35),
]
_ROWS = {"en": {"painter": _PAINTERS}, "es": {"pintores": _PAINTERS}}


@pytest.fixture(scope="module")
def gallery(tmp_path_factory):  # noqa: ANN001, ANN201
    with engine_databases(tmp_path_factory, "art.db", _SCHEMAS, _ROWS) as made:
        yield made


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [
        ("en", "How many French painters are there?", [(2,)]),
        ("en", "What is the average age of the German painters?", [(50.0,)]),
        ("en", "Show the names of the painters who are not French.",
         [("Ana",), ("Hans",), ("Kees",), ("Lia",), ("Sam",)]),
        ("en", "List the names of Brazilian painters.", [("Ana",)]),
        ("es", "¿Cuántos pintores franceses hay?", [(2,)]),
        ("es", "¿Cuál es la edad media de las pintoras francesas?", [(50.0,)]),
        ("es", "¿Cuántos pintores alemanes hay?", [(1,)]),
    ],
)  # fmt: skip
def test_an_adjective_of_nationality_is_its_country(gallery, lang, question, expected) -> None:  # noqa: ANN001
    model, conn = gallery[lang]
    sql = engine_reads(model, question).sql
    assert sorted(tuple(r) for r in conn.execute(sql).fetchall()) == expected


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("en", "How many Dutch painters are there?"),  # 'Netherlands' or 'Holland'
        ("en", "How many Italian painters are there?"),  # no such value
        ("es", "¿Cuántos pintores italianos hay?"),
    ],
)
def test_an_adjective_of_no_single_value_is_asked_back(gallery, lang, question) -> None:  # noqa: ANN001
    model, _conn = gallery[lang]
    assert interpret(question, model).route == "CLARIFY"
