"""Issue 13, column and table words the engine could not use (branch `h-cols2`), on schemas of
its own (pure tests, no Django):

- an identifier column said by its whole name ("the dish type codes", "each player id") groups
  and lists; a key and the foreign keys that refer to it hold the same values (one column);
- a trailing "each" ("for each", "in each one", "en cada una") refers back to what was named;
- "each <listed table>" lists every row; "correspond(s) to" is filler;
- a kind word no name holds alone ("date", "code", "fecha") is the column of the table it is
  said of whose name ends with it (in Spanish: begins); several there: asked back.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_colwords.py
"""

from __future__ import annotations

from collections import Counter

import pytest

from apps.chat.engine.offline import interpret
from apps.chat.tests.support import engine_asks, engine_database, engine_reads, engine_rows

_KITCHEN = """
CREATE TABLE Ref_Dish_Types (Dish_Type_Code TEXT PRIMARY KEY, Dish_Type_Description TEXT);
CREATE TABLE Recipes (Recipe_ID INTEGER PRIMARY KEY,
    Dish_Type_Code TEXT REFERENCES Ref_Dish_Types(Dish_Type_Code), Serving_Count INTEGER,
    Recipe_Title TEXT);
CREATE TABLE Steps (Step_ID INTEGER PRIMARY KEY, Recipe_ID INTEGER REFERENCES Recipes(Recipe_ID),
    Step_Text TEXT);
CREATE TABLE Players (player_id INTEGER PRIMARY KEY, name TEXT, level INTEGER, birth_date DATE);
CREATE TABLE Ratings (player_id INTEGER REFERENCES Players(player_id),
    rated_id INTEGER REFERENCES Players(player_id), PRIMARY KEY (player_id, rated_id));
CREATE TABLE Regions (region_id INTEGER PRIMARY KEY, region TEXT);
CREATE TABLE Kitchens (kitchen_id INTEGER PRIMARY KEY, kitchen_name TEXT,
    region_id INTEGER REFERENCES Regions(region_id));
CREATE TABLE Menus (menu_id INTEGER PRIMARY KEY, menu_date DATE, chef TEXT);
CREATE TABLE Seasons (season_id INTEGER PRIMARY KEY, season_name TEXT, start_date DATE,
    end_date DATE);
"""

_ROWS = {
    "Ref_Dish_Types": [("SOUP", "Soup"), ("MAIN", "Main course"), ("DSRT", "Dessert")],
    "Recipes": [
        (1, "SOUP", 4, "Onion soup"),
        (2, "MAIN", 2, "Roast"),
        (3, "MAIN", 6, "Stew"),
        (4, "MAIN", 3, "Pie"),
        (5, "DSRT", 8, "Flan"),
    ],
    "Steps": [(1, 1, "Cut"), (2, 1, "Boil"), (3, 2, "Roast"), (4, 3, "Stir"), (5, 3, "Serve")],
    "Players": [
        (1, "Ana", 3, "1990-01-02"),
        (2, "Ben", 5, "1985-06-30"),
        (3, "Cai", 1, "2000-03-03"),
    ],
    "Ratings": [(1, 2), (1, 3), (2, 1)],
    "Regions": [(1, "North"), (2, "South")],
    "Kitchens": [(1, "K1", 1), (2, "K2", 1), (3, "K3", 2)],
    "Menus": [(1, "2024-01-01", "Ana"), (2, "2024-02-01", "Ben")],
    "Seasons": [(1, "Winter", "2024-01-01", "2024-03-31")],
}


@pytest.fixture(scope="module")
def kitchen(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("kitchen") / "k.db", _KITCHEN, _ROWS)
    yield model, conn
    conn.close()


def _same(got: list[tuple], gold: list[tuple]) -> bool:
    return Counter(tuple(sorted(map(repr, r))) for r in got) == Counter(
        tuple(sorted(map(repr, r))) for r in gold
    )


def _has_rows(database, question: str, gold: list[tuple]) -> None:  # noqa: ANN001
    """The engine's rows hold the gold's columns (extra columns allowed, as the lenient rule)."""
    rows = list(engine_rows(database, question))
    assert len(rows) == len(gold), (question, rows)
    for want in gold:
        match = next((r for r in rows if all(v in r for v in want)), None)
        assert match is not None, (question, rows, gold)
        rows.remove(match)


# --- an identifier said by its whole name -------------------------------------------------------


def test_an_identifier_said_whole_groups(kitchen) -> None:  # noqa: ANN001
    _has_rows(kitchen, "Which dish type code has the most recipes?", [("MAIN",)])
    question = "Show all dish type codes with less than two recipes."
    _has_rows(kitchen, question, [("SOUP",), ("DSRT",)])
    assert _same(engine_rows(kitchen, "List all recipe ids with at least two steps."), [(1,), (3,)])
    sql = engine_reads(kitchen[0], "number of steps by recipe id").sql
    assert "GROUP BY" in sql and "Recipe_ID" in sql


def test_a_measure_of_one_row_with_an_identifier_is_no_total_per_identifier(kitchen) -> None:  # noqa: ANN001
    # the row with the lowest count (or asked back), never a total of the servings per code
    question = "What is the lowest serving count and its dish type code?"
    result = interpret(question, kitchen[0])
    if result.route == "SQL":
        assert "SUM(" not in result.sql.upper(), result.sql
        assert kitchen[1].execute(result.sql).fetchall() == [(2, "MAIN")]


def test_groups_by_the_ranked_rows_own_key_are_asked_back(kitchen) -> None:  # noqa: ANN001
    question = "For each recipe id, what is the title of the recipe with the most steps?"
    engine_asks(kitchen[0], question)


def test_one_column_of_a_key_of_several_groups(kitchen) -> None:  # noqa: ANN001
    gold = [(1, 2), (2, 1)]
    assert _same(engine_rows(kitchen, "Count the number of ratings for each player id."), gold)
    assert _same(engine_rows(kitchen, "How many ratings correspond to each player id?"), gold)


# --- "each" referring back ----------------------------------------------------------------------


def test_a_trailing_each_refers_back(kitchen) -> None:  # noqa: ANN001
    gold = [("SOUP", 1), ("MAIN", 3), ("DSRT", 1)]
    for question in (
        "Show all dish type codes and number of recipes for each.",
        "Show all dish type codes and number of recipes for each one.",
        "What are the different dish type codes, and how many recipes correspond to each?",
    ):
        assert _same(engine_rows(kitchen, question), gold), question


def test_each_of_a_named_group_in_both_languages(kitchen) -> None:  # noqa: ANN001
    gold = [("North", 2), ("South", 1)]
    for question in (
        "What is the name of each region and how many kitchens are there in each one?",
        "What is the name of each region and how many kitchens are there?",
    ):
        assert _same(engine_rows(kitchen, question), gold), question


def test_each_with_nothing_to_refer_to_is_asked_back(kitchen) -> None:  # noqa: ANN001
    engine_asks(kitchen[0], "How many recipes for each?")


def test_each_listed_row_lists_every_row(kitchen) -> None:  # noqa: ANN001
    gold = [("Ana", 3), ("Ben", 5), ("Cai", 1)]
    assert _same(engine_rows(kitchen, "Show the names and levels of each player."), gold)


# --- a date listed before a superlative ---------------------------------------------------------


def test_a_date_listed_before_a_superlative_is_shown_with_the_row(tmp_path) -> None:  # noqa: ANN001
    script = "CREATE TABLE members (member_id INTEGER PRIMARY KEY, name TEXT, height REAL, "
    script += "birth_date DATE);"
    rows = {"members": [(1, "Ana", 1.6, "1990-01-02"), (2, "Ben", 1.9, "1985-06-30")]}
    club = engine_database(tmp_path / "club.db", script, rows)
    question = "What is the name and birth date of the member with the highest height?"
    assert engine_rows(club, question) == [("Ben", "1985-06-30")]
    club[1].close()


# --- kind words ---------------------------------------------------------------------------------


def test_a_kind_word_is_the_column_of_its_table_ending_with_it(kitchen) -> None:  # noqa: ANN001
    assert _same(
        engine_rows(kitchen, "What are the date and chef of all menus?"),
        [("2024-01-01", "Ana"), ("2024-02-01", "Ben")],
    )
    assert _same(
        engine_rows(kitchen, "What are the descriptions of all dish types?"),
        [("Soup",), ("Main course",), ("Dessert",)],
    )


def test_a_kind_word_of_several_columns_of_its_table_is_asked_back(kitchen) -> None:  # noqa: ANN001
    engine_asks(kitchen[0], "What is the date of the season Winter?")


_TIENDA = """
CREATE TABLE pedidos (pedido_id INTEGER PRIMARY KEY, fecha_pedido DATE, cliente TEXT);
CREATE TABLE regiones (region_id INTEGER PRIMARY KEY, nombre TEXT);
CREATE TABLE locales (local_id INTEGER PRIMARY KEY, nombre TEXT,
    region_id INTEGER REFERENCES regiones(region_id));
CREATE TABLE temporadas (temporada_id INTEGER PRIMARY KEY, nombre TEXT, fecha_inicio DATE,
    fecha_fin DATE);
"""


@pytest.fixture(scope="module")
def tienda(tmp_path_factory):  # noqa: ANN001, ANN201
    rows = {
        "pedidos": [(1, "2024-05-01", "Luz"), (2, "2024-06-02", "Mar")],
        "regiones": [(1, "Norte"), (2, "Sur")],
        "locales": [(1, "L1", 1), (2, "L2", 1), (3, "L3", 2)],
        "temporadas": [(1, "Verano", "2024-06-01", "2024-08-31")],
    }
    model, conn = engine_database(tmp_path_factory.mktemp("tienda") / "t.db", _TIENDA, rows)
    yield model, conn
    conn.close()


def test_a_spanish_kind_word_is_the_column_beginning_with_it(tienda) -> None:  # noqa: ANN001
    question = "¿Cuál es la fecha y el cliente de cada pedido?"
    _has_rows(tienda, question, [("2024-05-01", "Luz"), ("2024-06-02", "Mar")])
    engine_asks(tienda[0], "¿Cuál es la fecha de la temporada Verano?")


def test_each_refers_back_in_spanish(tienda) -> None:  # noqa: ANN001
    gold = [("Norte", 2), ("Sur", 1)]
    for question in (
        "¿Cuál es el nombre de cada región y cuántos locales hay en cada una?",
        "¿Cuáles son las regiones y cuántos locales hay en cada una?",
    ):
        assert _same(engine_rows(tienda, question), gold), question


# --- a column of each listed row's parent row ---------------------------------------------------


def test_a_column_of_the_listed_rows_parent_is_listed_with_them(kitchen) -> None:  # noqa: ANN001
    gold = [
        ("Onion soup", "Soup"),
        ("Roast", "Main course"),
        ("Stew", "Main course"),
        ("Pie", "Main course"),
        ("Flan", "Dessert"),
    ]
    for question in (
        "What are the recipe titles and dish type descriptions?",
        "Show titles of recipes and descriptions of dish types.",
    ):
        assert _same(engine_rows(kitchen, question), gold), question


# --- the codes of a lookup table ----------------------------------------------------------------


def test_the_codes_of_a_lookup_table_are_values(kitchen) -> None:  # noqa: ANN001
    rows = engine_rows(kitchen, "How many recipes have dish type code MAIN?")
    assert rows == [(3,)]
    question = "What are the ids of recipes with the code SOUP or DSRT?"
    _has_rows(kitchen, question, [(1,), (5,)])
    _has_rows(kitchen, "What is the dish type description for dish type code DSRT?", [("Dessert",)])
