"""An "or" whose other half sets no condition (branch h-quality, `alternatives.or_every_row`):
"shops with more than 50 staff or every row", "… or all of them", "… o todas", a trailing "or"
had been read as the first half alone, a narrower answer than asked; they are asked back,
naming the words. "A or B" of two conditions and "X or Y" of one column read as before. On an
invented schema (shops and their cities).

    .venv/bin/python -m pytest -p no:cacheprovider -q apps/chat/tests/test_engine_quality.py
"""

from __future__ import annotations

import pytest

from apps.chat.engine.offline.parser import Clarify
from apps.chat.tests.support import engine_asks, engine_database, engine_reads

_SCRIPT = """
    CREATE TABLE shop (shop_id INTEGER PRIMARY KEY, name TEXT, city TEXT, staff INTEGER,
        opened INTEGER);
"""
_ROWS = {
    "shop": [(1, "Kiosko", "Tartu", 12, 2001), (2, "Bazar", "Narva", 80, 2011),
             (3, "Emporio", "Tartu", 55, 2019), (4, "Tenda", "Parnu", 5, 1998)],
}  # fmt: skip


@pytest.fixture(scope="module")
def shops(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("quality") / "q.db", _SCRIPT, _ROWS)
    yield model, conn
    conn.close()


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("shops with more than 50 staff or every row", "or every row"),
        ("shops with more than 50 staff or all of them", "or all of them"),
        ("the number of shops in Tartu or all shops", "or all shops"),
        ("How many shops have more than 50 staff or any shop?", "or any shop"),
        ("shops with more than 50 staff or", "or"),
        ("tiendas con staff mayor que 50 o todas", "o todas"),
    ],
)
def test_an_or_that_sets_no_condition_is_asked_back(shops, question: str, words: str) -> None:  # noqa: ANN001
    result = engine_asks(shops[0], question)
    assert result.notes == (Clarify.OR_EVERY_ROW,), (result.notes, result.clarify)
    assert [u.text for u in result.unresolved] == [words], result.unresolved


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("How many shops are in Tartu or Narva?", [(3,)]),
        ("How many shops are in Narva or have fewer than 10 staff?", [(2,)]),
        ("How many shops have more than 50 staff?", [(2,)]),
    ],
)
def test_other_ors_read_as_before(shops, question: str, want: list) -> None:  # noqa: ANN001
    model, conn = shops
    assert conn.execute(engine_reads(model, question).sql).fetchall() == want


# --- a quoted value right after an unindexed column (a personal one) --------------------------

_GAMES = """
    CREATE TABLE builder (builder_id INTEGER PRIMARY KEY, name TEXT, nationality TEXT);
    CREATE TABLE pier (pier_id INTEGER PRIMARY KEY, name TEXT, town TEXT,
        builder_id INTEGER REFERENCES builder(builder_id));
    CREATE TABLE game (game_id INTEGER PRIMARY KEY, title TEXT, venue TEXT, referee TEXT);
"""
_GAME_ROWS = {
    "builder": [(1, "Ada Brunel", "British"), (2, "Gus Eiffel", "French"),
                (3, "Rosa Telford", "Scottish")],
    "pier": [(1, "Old Pier", "Brighton", 1), (2, "New Pier", "Hastings", 2),
             (3, "Long Pier", "Southend", 3)],
    "game": [(1, "Opener", "North", "Okafor"), (2, "Derby", "South", "Baker"),
             (3, "Final", "North", "Baker"), (4, "Replay", "South", "Lindqvist"),
             (5, "Friendly", "North", "Smith")],
}  # fmt: skip


@pytest.fixture(scope="module")
def games(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("games") / "g.db", _GAMES, _GAME_ROWS)
    yield model, conn
    conn.close()


def test_a_quoted_value_after_a_personal_column_is_a_condition(games) -> None:  # noqa: ANN001
    model, conn = games
    referee = model.column("game", "referee")
    assert referee is not None and not referee.values  # a referee's name: not indexed
    result = engine_reads(model, "Which game titles are between referee 'Baker' and venue 'North'?")
    assert "LOWER(game.referee) = 'baker'" in result.sql.replace(
        "LOWER(referee)", "LOWER(game.referee)"
    )
    assert conn.execute(result.sql).fetchall() == [("Final",)]


def test_a_quoted_value_after_another_tables_column_stays_that_tables(games) -> None:  # noqa: ANN001
    model, conn = games
    result = engine_reads(model, "What is the town of the pier named 'Old Pier' or 'New Pier'?")
    assert "builder" not in result.sql, result.sql
    assert sorted(r[0] for r in conn.execute(result.sql).fetchall()) == ["Brighton", "Hastings"]
