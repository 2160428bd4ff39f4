"""Data questions are not sent to the documentation because a word of theirs is also a word of
the schema questions (pure tests, invented schemas, both languages).

- "description(s)"/"descripción(es)" names a description column where the catalog has one
  (`dish_description`), of the table it is said of; only a question that speaks of the schema
  itself ("the description of the column …") stays a question for the documentation.
- "Describe <a row named by a value>" asks for that row's description column.
- "all the information about <table>" / "toda la información de <tabla>" lists every column of
  its rows; "what information do we keep about <table>" stays a question about the table.
- "the X that have some Y" relates two tables: not a question about which values exist.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_route.py
"""

from __future__ import annotations

import pytest

from apps.chat.engine.offline import interpret
from apps.chat.tests.support import engine_asks, engine_database, engine_reads, engine_rows

_SCHEMA_EN = """
    CREATE TABLE cuisines (cuisine_code TEXT PRIMARY KEY, cuisine_description TEXT);
    CREATE TABLE dishes (dish_id INTEGER PRIMARY KEY, dish_name TEXT, dish_description TEXT,
        cuisine_code TEXT, FOREIGN KEY (cuisine_code) REFERENCES cuisines(cuisine_code));
    CREATE TABLE couriers (courier_id INTEGER PRIMARY KEY, courier_name TEXT);
    CREATE TABLE deliveries (dish_id INTEGER, courier_id INTEGER, day TEXT, is_late TEXT,
        FOREIGN KEY (dish_id) REFERENCES dishes(dish_id),
        FOREIGN KEY (courier_id) REFERENCES couriers(courier_id));
"""
_ROWS_EN = {
    "cuisines": [("IT", "Italian"), ("MX", "Mexican"), ("JP", "Japanese"), ("XX", "in")],
    "dishes": [
        (1, "Lasagne", "baked pasta", "IT"),
        (2, "Tacos", "corn tortillas", "MX"),
        (3, "Ramen", "noodle soup", "JP"),
        (4, "Pizza", "flat bread", "IT"),
    ],
    "couriers": [(1, "Ann"), (2, "Bob")],
    "deliveries": [(1, 1, "Mon", "no"), (2, 2, "Tue", "yes"), (1, 2, "Wed", "no")],
}

_SCHEMA_ES = """
    CREATE TABLE cocinas (cocina_id TEXT PRIMARY KEY, descripcion_cocina TEXT);
    CREATE TABLE platos (plato_id INTEGER PRIMARY KEY, nombre TEXT, descripcion_plato TEXT,
        cocina_id TEXT, FOREIGN KEY (cocina_id) REFERENCES cocinas(cocina_id));
    CREATE TABLE entregas (plato_id INTEGER, repartidor TEXT, dia TEXT,
        FOREIGN KEY (plato_id) REFERENCES platos(plato_id));
"""
_ROWS_ES = {
    "cocinas": [("IT", "Italiana"), ("MX", "Mexicana"), ("XX", "en")],
    "platos": [(1, "Lasaña", "pasta al horno", "IT"), (2, "Tacos", "tortillas de maíz", "MX")],
    "entregas": [(1, "Ana", "lunes"), (2, "Luis", "martes")],
}


@pytest.fixture(scope="module")
def kitchen(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("en") / "k.db", _SCHEMA_EN, _ROWS_EN)
    yield model, conn
    conn.close()


@pytest.fixture(scope="module")
def cocina(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("es") / "c.db", _SCHEMA_ES, _ROWS_ES)
    yield model, conn
    conn.close()


def _routes(database, question: str) -> str:  # noqa: ANN001
    return interpret(question, database[0]).route


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "What are the names and descriptions of all the dishes?",
            {
                ("Lasagne", "baked pasta"),
                ("Tacos", "corn tortillas"),
                ("Ramen", "noodle soup"),
                ("Pizza", "flat bread"),
            },
        ),
        ("What is the description for the dish named Ramen?", {("noodle soup",)}),
        ("Return the names of the dishes with the description 'flat bread'.", {("Pizza",)}),
        ("Describe the dish Tacos.", {("corn tortillas",)}),
    ],
)
def test_a_description_word_names_the_description_column(kitchen, question, expected):
    assert set(engine_rows(kitchen, question)) == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "¿Cuáles son los nombres y las descripciones de los platos?",
            {("Lasaña", "pasta al horno"), ("Tacos", "tortillas de maíz")},
        ),
        ("¿Cuál es la descripción del plato Tacos?", {("tortillas de maíz",)}),
        ("¿Qué platos tienen descripción 'pasta al horno'?", {("Lasaña", "pasta al horno")}),
    ],
)
def test_a_description_word_names_the_description_column_in_spanish(cocina, question, expected):
    assert set(engine_rows(cocina, question)) == expected


def test_descriptions_of_no_table_in_particular_are_asked_back(kitchen):
    engine_asks(kitchen[0], "Show all the descriptions.")


@pytest.mark.parametrize(
    ("database", "question"),
    [
        ("kitchen", "What is the description of the column dish_description?"),
        ("kitchen", "Describe the dishes table"),
        ("kitchen", "What information do we keep about deliveries?"),
        ("cocina", "¿Qué significa la columna descripcion_plato?"),
        ("cocina", "¿Qué información guardamos de las entregas?"),
    ],
)
def test_questions_about_the_schema_stay_with_the_documentation(request, database, question):
    assert _routes(request.getfixturevalue(database), question) == "RAG"


def test_all_the_information_about_a_table_lists_every_column(kitchen, cocina):
    rows = engine_rows(kitchen, "Give me all the information about deliveries.")
    assert set(rows) == set(_ROWS_EN["deliveries"])
    rows = engine_rows(cocina, "Dame toda la información de las entregas.")
    assert set(rows) == set(_ROWS_ES["entregas"])


def test_rows_that_have_related_rows_are_not_a_question_about_existing_values(kitchen):
    assert _routes(kitchen, "What are the names of all dishes that have some deliveries?") != "RAG"
    reading = engine_reads(kitchen[0], "What are the cuisine descriptions?")
    assert "cuisine_description" in reading.sql


def test_a_pattern_said_with_the_letter_filters_the_column_before_it(kitchen):
    question = "What is the dish name of dishes with description with the letter 'k'?"
    rows = engine_rows(kitchen, question)
    assert {row[0] for row in rows} == {"Lasagne"}


@pytest.mark.parametrize(
    ("question", "column"),
    [
        ("the dishes with description with the letter 'k'", "description"),
        ("los platos con descripción con la letra 'z'", "descripción"),
    ],
)
def test_with_the_letter_is_one_pattern_phrase_in_both_languages(question, column):
    from apps.chat.engine.offline import lexicon as lx
    from apps.chat.engine.offline.patterns import take_patterns

    lang = lx.detect_language(question)
    _tokens, (pattern,) = take_patterns(question, lx.tokenize(question, lang))
    assert pattern.after == question.index(column) + len(column)


_SCHEMA_TV = """
    CREATE TABLE channels (channel_id INTEGER PRIMARY KEY, channel_name TEXT, hd TEXT);
"""
_ROWS_TV = {"channels": [(1, "Uno", "yes"), (2, "Dos", "no")]}


@pytest.mark.parametrize(
    "question",
    [
        "Which channels have high definition pictures?",
        "¿Qué canales tienen imagen de alta definición?",
    ],
)
def test_a_meaning_word_inside_an_unknown_name_is_asked_back(tmp_path, question):
    model, conn = engine_database(tmp_path / "tv.db", _SCHEMA_TV, _ROWS_TV)
    conn.close()
    reading = engine_asks(model, question)
    assert reading.route == "CLARIFY"


@pytest.mark.parametrize(
    "question", ["What is the definition of channel name?", "¿Qué significa la columna hd?"]
)
def test_a_meaning_question_about_a_name_stays_with_the_documentation(tmp_path, question):
    model, conn = engine_database(tmp_path / "tv.db", _SCHEMA_TV, _ROWS_TV)
    conn.close()
    assert interpret(question, model).route == "RAG"


@pytest.mark.parametrize(
    ("database", "question", "expected"),
    [
        ("kitchen", "What is the courier id of the courier named Ann?", [(1,)]),
        ("kitchen", "What is the cuisine code for the cuisine description 'Mexican'?", [("MX",)]),
        ("cocina", "¿Cuál es el cocina id de la descripcion cocina 'Mexicana'?", [("MX",)]),
    ],
)
def test_an_id_column_called_by_its_name_is_listed(request, database, question, expected):
    assert engine_rows(request.getfixturevalue(database), question) == expected


@pytest.mark.parametrize(
    ("database", "question"),
    [
        ("kitchen", "What are the different courier ids?"),
        ("cocina", "¿Cuáles son los distintos cocina id?"),
    ],
)
def test_an_id_column_of_several_tables_said_alone_is_asked_back(request, database, question):
    reading = engine_asks(request.getfixturevalue(database)[0], question)
    assert "ambiguous_column" in str(reading.notes[0])


def test_a_grammar_word_stored_as_a_description_is_read_as_grammar(kitchen, cocina):
    # one cuisine's description is the word "in" ("en"): free text, not a filter nobody asked
    assert engine_rows(kitchen, "How many dishes in total are listed?") == [(4,)]
    assert engine_rows(cocina, "¿Cuántos platos hay en total?") == [(2,)]


_SCHEMA_CLUB = """
    CREATE TABLE teams (id INTEGER PRIMARY KEY, city TEXT, founded INTEGER);
    CREATE TABLE games (home_id INTEGER, away_id INTEGER,
        FOREIGN KEY (home_id) REFERENCES teams(id),
        FOREIGN KEY (away_id) REFERENCES teams(id));
"""
_ROWS_CLUB = {"teams": [(1, "Boston", 1901), (2, "Denver", 1960)], "games": [(1, 2)]}


@pytest.mark.parametrize("question", ["What is Boston's id?", "¿Cuál es el id de Boston?"])
def test_the_id_of_a_row_named_by_a_value_is_its_key(tmp_path, question):
    database = engine_database(tmp_path / "club.db", _SCHEMA_CLUB, _ROWS_CLUB)
    assert engine_rows(database, question) == [(1,)]
    database[1].close()
