"""Issue 13: "the description of <a row>" is that table's description column (pure tests).

"What is the description of the shelf named Poetry?", "la descripción de la estantería Poetry":
a word that usually asks what something means, said of a row (a table with a value, a column
with a value), is the one `*_description` column of that table, as "the name of …" is its
label. Said of a table with no such column, it is asked back, never another table's
description. One small schema per language.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_descriptions.py
"""

from __future__ import annotations

import pytest

from apps.chat.engine.offline import interpret
from apps.chat.tests.support import engine_databases, engine_reads

_SCHEMAS = {
    "en": """
        CREATE TABLE shelf (shelf_id INTEGER PRIMARY KEY, shelf_name TEXT,
            shelf_description TEXT);
        CREATE TABLE author (author_id INTEGER PRIMARY KEY, author_name TEXT, born INTEGER);
        CREATE TABLE book (book_id INTEGER PRIMARY KEY, shelf_id INTEGER REFERENCES
            shelf(shelf_id), author_id INTEGER REFERENCES author(author_id), book_title TEXT,
            book_description TEXT);
    """,
    "es": """
        CREATE TABLE estanteria (estanteria_id INTEGER PRIMARY KEY, nombre_estanteria TEXT,
            descripcion_estanteria TEXT);
        CREATE TABLE libro (libro_id INTEGER PRIMARY KEY, estanteria_id INTEGER REFERENCES
            estanteria(estanteria_id), titulo_libro TEXT, descripcion_libro TEXT);
    """,
}
_SHELVES = [(1, "Poetry", "verse by the window"), (2, "History", "old wars")]
_AUTHORS = [(1, "Ovid", 43), (2, "Livy", 59)]
_BOOKS = [
    (1, 1, 1, "Metamorphoses", "changes"),
    (2, 2, 2, "Ab Urbe Condita", "Rome from its founding"),
]
_ROWS = {
    "en": {"shelf": _SHELVES, "author": _AUTHORS, "book": _BOOKS},
    "es": {"estanteria": _SHELVES, "libro": [(i, s, t, d) for i, s, _a, t, d in _BOOKS]},
}


@pytest.fixture(scope="module")
def library(tmp_path_factory):  # noqa: ANN001, ANN201
    with engine_databases(tmp_path_factory, "lib.db", _SCHEMAS, _ROWS) as made:
        yield made


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [
        ("en", "What is the description of the shelf named Poetry?", [("verse by the window",)]),
        ("en", "What is the description for the shelf Poetry?", [("verse by the window",)]),
        ("en", "Show the description of the book Metamorphoses.",
         [("changes",)]),
        ("es", "¿Cuál es la descripción de la estanteria Poetry?", [("verse by the window",)]),
        ("es", "Muestra la descripción del libro Metamorphoses.", [("changes",)]),
    ],
)  # fmt: skip
def test_the_description_of_a_row(library, lang, question, expected) -> None:  # noqa: ANN001
    model, conn = library[lang]
    sql = engine_reads(model, question).sql
    assert sorted(tuple(r) for r in conn.execute(sql).fetchall()) == expected


def test_the_description_of_a_table_without_one_is_asked_back(library) -> None:  # noqa: ANN001
    model, _conn = library["en"]
    result = interpret("What is the description of the author named Ovid?", model)
    assert result.route == "CLARIFY", result.sql
