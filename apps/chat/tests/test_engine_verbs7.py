"""Issue 13, branch `h-verbs7`: an unknown past verb followed by "with"/"con" that links two tables.

"sketches painted with the brush 'Fine 2'", "artists who recorded with the studio 'North'",
"bocetos pintados con el pincel 'Fino 2'": the verb stands between two entities that exactly
one foreign-key path joins (one key, or one link table), and "with" right after it is the
verb's. It is read as the known relation verbs are (`relations.relation_verbs`): the verb is
the join, the "with" stays and reads the rest ("sketches with the brush 'Fine 2'"). Two paths
(two keys to the same table) still ask back; "brushes with more than 1 sketch" (no verb) is
unchanged.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_verbs7.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_databases, engine_reads

_SCHEMAS = {
    "en": """
    CREATE TABLE brush (brush_id INTEGER PRIMARY KEY, label TEXT, maker TEXT, width INTEGER);
    CREATE TABLE sketch (sketch_id INTEGER PRIMARY KEY, title TEXT, brush_id INTEGER,
        FOREIGN KEY (brush_id) REFERENCES brush(brush_id));
    CREATE TABLE artist (artist_id INTEGER PRIMARY KEY, name TEXT, age INTEGER);
    CREATE TABLE studio (studio_id INTEGER PRIMARY KEY, studio_name TEXT, town TEXT);
    CREATE TABLE booking (artist_id INTEGER, studio_id INTEGER, hours INTEGER,
        PRIMARY KEY (artist_id, studio_id),
        FOREIGN KEY (artist_id) REFERENCES artist(artist_id),
        FOREIGN KEY (studio_id) REFERENCES studio(studio_id));
    CREATE TABLE mural (mural_id INTEGER PRIMARY KEY, motto TEXT, first_brush_id INTEGER,
        second_brush_id INTEGER,
        FOREIGN KEY (first_brush_id) REFERENCES brush(brush_id),
        FOREIGN KEY (second_brush_id) REFERENCES brush(brush_id));
    """,
    "es": """
    CREATE TABLE pincel (pincel_id INTEGER PRIMARY KEY, etiqueta TEXT, fabricante TEXT);
    CREATE TABLE boceto (boceto_id INTEGER PRIMARY KEY, titulo TEXT, pincel_id INTEGER,
        FOREIGN KEY (pincel_id) REFERENCES pincel(pincel_id));
    """,
}
_ROWS = {
    "en": {
        "brush": [(1, "Fine 2", "Kolo", 2), (2, "Broad 9", "Dart", 9), (3, "Fan 5", "Kolo", 5)],
        "sketch": [(1, "Dawn", 1), (2, "Dusk", 2), (3, "Noon", 1), (4, "Rain", 3)],
        "artist": [(1, "Ana", 30), (2, "Bo", 41), (3, "Cy", 25)],
        "studio": [(1, "North", "Oslo"), (2, "South", "Bergen")],
        "booking": [(1, 1, 3), (1, 2, 5), (2, 2, 1)],
        "mural": [(1, "Sea", 1, 2), (2, "Sky", 3, 1)],
    },
    "es": {
        "pincel": [(1, "Fino 2", "Kolo"), (2, "Ancho 9", "Dart")],
        "boceto": [(1, "Alba", 1), (2, "Ocaso", 2), (3, "Mediodía", 1)],
    },
}


@pytest.fixture(scope="module")
def studio(tmp_path_factory):  # noqa: ANN001, ANN201
    with engine_databases(tmp_path_factory, "studio.db", _SCHEMAS, _ROWS) as made:
        yield made


def _rows(studio, lang: str, question: str) -> list:  # noqa: ANN001
    model, conn = studio[lang]
    return sorted(tuple(r) for r in conn.execute(engine_reads(model, question).sql).fetchall())


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Titles of sketches painted with the brush 'Fine 2'?", [("Dawn",), ("Noon",)]),
        ("Sketch titles drawn with brushes of maker 'Kolo'", [("Dawn",), ("Noon",), ("Rain",)]),
        ("How many sketches were painted with the brush 'Broad 9'?", [(1,)]),
        ("Show the names of artists who recorded with the studio 'South'.", [("Ana",), ("Bo",)]),
    ],
)  # fmt: skip
def test_a_past_verb_with_with_is_the_one_join(studio, question, expected):  # noqa: ANN001
    assert _rows(studio, "en", question) == expected


def test_a_past_verb_with_a_count_after_with(studio):  # noqa: ANN001
    question = "Show the names of artists who recorded with more than 1 studio."
    said = "Show the names of artists with more than 1 studio."  # the same reading, count kept
    assert _rows(studio, "en", question) == _rows(studio, "en", said) == [("Ana", 2)]


def test_spanish_participle_with_con(studio):  # noqa: ANN001
    question = "¿Cuáles son los títulos de los bocetos pintados con el pincel 'Fino 2'?"
    assert _rows(studio, "es", question) == [("Alba",), ("Mediodía",)]


def test_two_paths_still_ask_back_naming_the_verb(studio):  # noqa: ANN001
    model, _conn = studio["en"]
    result = engine_asks(model, "Show the mottos of murals painted with the brush 'Fine 2'.")
    assert "painted" in result.clarify


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Show the labels of brushes with more than 1 sketch.", [("Fine 2", 2)]),
    ],
)
def test_with_without_a_verb_is_unchanged(studio, question, expected):  # noqa: ANN001
    assert _rows(studio, "en", question) == expected
