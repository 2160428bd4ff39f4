"""Issue 13: relation verbs between tables and entity values (pure tests, no Django).

A verb between two entities whose tables a foreign key links is the join itself ("books
printed in Paris", "libros publicados por Anagrama"); a verb with no such link is asked back.
Values of a text column that is one of several key columns (a link table) are indexed; a
yes/no column named as an adjective ("licensed editions") filters its "yes" value; rows of
an entity are listed by its related rows: EXISTS, NOT EXISTS ("not", "never"), one EXISTS per
value ("both", "and"). One small schema per language, built here.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_relations.py
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from apps.chat.engine.followups import followups
from apps.chat.engine.offline import build_semantic_model, interpret
from apps.chat.tests.support import engine_asks, engine_reads
from apps.knowledge.engine import introspection
from apps.knowledge.engine.catalog import CatalogSnapshot

# companies 1..3; books 1..5 (book 5 has no edition); editions (book, city, licensed)
_COMPANIES = [(1, "Penguin", 1), (2, "Anagrama", 0), (3, "Gallimard", 1)]
_BOOKS = [
    (1, "Dune", 1965, 412, 1, 1),
    (2, "Ubik", 1969, 202, 1, 1),
    (3, "Solaris", 1961, 204, 2, 0),
    (4, "Lolita", 1955, 336, 3, 1),
    (5, "Emma", 1815, 474, 2, 0),
]
_EDITIONS = [
    (1, "Paris", "T"),
    (1, "Madrid", "F"),
    (2, "Paris", "F"),
    (3, "Madrid", "T"),
    (3, "Berlin", "T"),
    (4, "Berlin", "F"),
]
# companies: Penguin has 4 genre rows (books 1, 2), Anagrama 3 (books 3, 5), Gallimard 1
_GENRES = [
    (1, "Scifi"),
    (1, "Drama"),
    (2, "Scifi"),
    (2, "Horror"),
    (3, "Scifi"),
    (4, "Drama"),
    (5, "Drama"),
    (5, "Romance"),
]

_SCHEMAS = {
    "en": """
        CREATE TABLE companies (id INTEGER PRIMARY KEY, name TEXT, active BOOLEAN);
        CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT, year INTEGER, pages INTEGER,
            company_id INTEGER REFERENCES companies(id), available BOOLEAN);
        CREATE TABLE editions (book_id INTEGER REFERENCES books(id), city TEXT,
            is_licensed TEXT, PRIMARY KEY (book_id, city));
        CREATE TABLE book_genres (book_id INTEGER REFERENCES books(id), genre TEXT,
            PRIMARY KEY (book_id, genre));
    """,
    "es": """
        CREATE TABLE empresas (id INTEGER PRIMARY KEY, nombre TEXT, activa BOOLEAN);
        CREATE TABLE libros (id INTEGER PRIMARY KEY, titulo TEXT, anio INTEGER,
            paginas INTEGER, empresa_id INTEGER REFERENCES empresas(id), disponible BOOLEAN);
        CREATE TABLE ediciones (libro_id INTEGER REFERENCES libros(id), ciudad TEXT,
            es_licenciada TEXT, PRIMARY KEY (libro_id, ciudad));
        CREATE TABLE generos_libro (libro_id INTEGER REFERENCES libros(id), genero TEXT,
            PRIMARY KEY (libro_id, genero));
    """,
}
_TABLES = {
    "en": ("companies", "books", "editions", "book_genres"),
    "es": ("empresas", "libros", "ediciones", "generos_libro"),
}


def _build(path, lang: str):  # noqa: ANN001, ANN202
    conn = sqlite3.connect(path)
    conn.executescript(_SCHEMAS[lang])
    companies, books, editions, genres = _TABLES[lang]
    conn.executemany(f"INSERT INTO {companies} VALUES (?, ?, ?)", _COMPANIES)  # noqa: S608
    conn.executemany(f"INSERT INTO {books} VALUES (?, ?, ?, ?, ?, ?)", _BOOKS)  # noqa: S608
    conn.executemany(f"INSERT INTO {editions} VALUES (?, ?, ?)", _EDITIONS)  # noqa: S608
    conn.executemany(f"INSERT INTO {genres} VALUES (?, ?)", _GENRES)  # noqa: S608
    conn.commit()
    conn.close()
    tables, fks, _counts = introspection.introspect_sqlite(path)
    # a steward's word for the link table (as a semantic-layer file gives it)
    tables = [replace(t, synonyms=("genres", "generos")) if t.name == genres else t for t in tables]
    model = build_semantic_model(CatalogSnapshot("sqlite", tuple(tables), tuple(fks)))
    return model, sqlite3.connect(f"file:{path}?mode=ro", uri=True)


@pytest.fixture(scope="module")
def library(tmp_path_factory):  # noqa: ANN001, ANN201
    made = {lang: _build(tmp_path_factory.mktemp(lang) / "lib.db", lang) for lang in _SCHEMAS}
    yield made
    for _model, conn in made.values():
        conn.close()


def _answer(library, lang: str, question: str) -> tuple[str, list[tuple]]:  # noqa: ANN001
    model, conn = library[lang]
    result = engine_reads(model, question)
    return result.sql, sorted(conn.execute(result.sql).fetchall())


def _asks(library, lang: str, question: str) -> str:  # noqa: ANN001
    model, _conn = library[lang]
    result = engine_asks(model, question)
    return result.clarify


def test_a_text_column_of_a_composite_key_is_indexed_as_values(library):
    """`editions(book_id, city)`: the city is part of the key but a name, not an id; its
    values were never found ("Paris" was an unknown word)."""
    model, _conn = library["en"]
    assert model.columns[("editions", "city")].kind == "text"
    assert model.columns[("books", "id")].kind == "id"
    assert model.columns[("editions", "book_id")].kind == "id"


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [
        ("en", "Which books are printed in Paris?", [("Dune",), ("Ubik",)]),
        ("es", "¿Qué libros se imprimen en Paris?", [("Dune",), ("Ubik",)]),
        ("en", "How many books are published by Penguin?", [(2,)]),
        ("es", "¿Cuántos libros publicados por Anagrama hay?", [(2,)]),
    ],
)
def test_a_verb_between_two_linked_entities_is_the_join(library, lang, question, expected):
    assert _answer(library, lang, question)[1] == expected


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("en", "Which company published the most books?"),
        ("es", "¿Qué empresa publicó el mayor número de libros?"),
    ],
)
def test_the_entity_related_to_the_most_rows_counts_through_the_verb(library, lang, question):
    sql, got = _answer(library, lang, question)
    assert got and got[0][0] in ("Penguin", "Anagrama") and "LIMIT 1" in sql.upper()


@pytest.mark.parametrize(
    ("lang", "question", "year"),
    [
        ("en", "How many books were printed in 1990?", "year = 1990"),
        ("es", "¿Cuántos libros se imprimieron en 1990?", "anio = 1990"),
    ],
)
def test_a_verb_with_a_year_on_its_other_side_is_no_relation(library, lang, question, year):
    """A year is no entity: no join; the verb is read as the books' one year column
    (offline/verbs.py, tests in test_engine_verbs.py)."""
    sql, _got = _answer(library, lang, question)
    assert year in sql and "JOIN" not in sql.upper()


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [
        ("en", "Which books are not printed in Paris?", [("Lolita",), ("Solaris",)]),
        ("en", "Which books are never printed in Paris?", [("Emma",), ("Lolita",), ("Solaris",)]),
        ("es", "¿Qué libros no se imprimen en Paris?", [("Lolita",), ("Solaris",)]),
        ("es", "¿Qué libros nunca se imprimen en Paris?", [("Emma",), ("Lolita",), ("Solaris",)]),
    ],
)
def test_a_negated_relation_is_not_exists_among_related_rows(library, lang, question, expected):
    """Not a `city <> 'Paris'` (Dune, printed in Paris and Madrid, would be kept); book 5
    (Emma), with no printing at all, says nothing about Paris when "not" is said, but is never
    printed in Paris when "never" is (branch h-newdbs8: "never" says "at all")."""
    sql, got = _answer(library, lang, question)
    assert "NOT EXISTS" in sql.upper()
    assert sorted(got) == expected


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [
        ("en", "Which books are printed in both Paris and Madrid?", [("Dune",)]),
        ("en", "Which books are printed in Madrid and Berlin?", [("Solaris",)]),
        ("es", "¿Qué libros se imprimen en Madrid y Berlin?", [("Solaris",)]),
        ("es", "¿Qué libros se imprimen en ambas Paris y Madrid?", [("Dune",)]),
        ("es", "¿Qué libros se imprimen tanto en Paris como en Madrid?", [("Dune",)]),
        ("en", "Which books are printed in either Paris or Berlin?",
         [("Dune",), ("Lolita",), ("Solaris",), ("Ubik",)]),
        ("es", "¿Qué libros se imprimen en Paris o Berlin?",
         [("Dune",), ("Lolita",), ("Solaris",), ("Ubik",)]),
    ],
)  # fmt: skip
def test_both_is_an_exists_per_value_either_one_for_any(library, lang, question, expected):
    assert _answer(library, lang, question)[1] == expected


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("en", "How many licensed editions are there in Berlin?"),
        ("es", "¿Cuántas ediciones licenciadas hay en Berlin?"),
    ],
)
def test_a_yes_no_column_named_as_an_adjective_filters_yes(library, lang, question):
    """`is_licensed` in ('T', 'F'): "licensed" grouped by the flag; now it filters 'T', and
    the count word still counts the noun after the value."""
    sql, got = _answer(library, lang, question)
    assert "'T'" in sql and got == [(1,)]


def test_a_negated_flag_of_another_table_than_the_one_asked_is_asked_back(library):
    """ "books whose Madrid printing is not licensed" negates the pair (Madrid, licensed) for
    a book: a `<> 'T'` next to the city would answer another question. (Asked back until "the
    average number of pages" was read as the average of `pages` (branch `h-related`): now the
    pair is negated as `relations_checks.negate_flag_pairs` reads it, as for "the average
    pages".)"""
    question = "What is the average number of pages of books where Madrid is not licensed?"
    sql, _got = _answer(library, "en", question)
    assert "<> 'T'" not in sql and "NOT EXISTS" in sql
    assert "editions.city = 'Madrid' AND editions.is_licensed = 'T'" in sql
    sql, got = _answer(library, "en", "How many editions in Berlin are not licensed?")
    assert got == [(1,)]


@pytest.mark.parametrize(
    ("lang", "question", "verb"),
    [
        ("en", "How many books lost by city?", "lost"),
        ("es", "libros perdidos por ciudad", "perdidos"),
    ],
)
def test_a_verb_before_a_column_to_group_by_is_no_relation(library, lang, question, verb):
    """ "clientes perdidos por región": a column after the verb groups, it names no entity the
    verb could relate the rows to, so the verb keeps its meaning and is asked back."""
    assert verb in _asks(library, lang, question)


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [
        ("en", "How many books are printed in both Paris and Madrid?", [(1,)]),
        ("en", "How many books are not printed in Paris?", [(2,)]),
        ("es", "¿Cuántos libros no se imprimen en Paris?", [(2,)]),
        ("es", "¿Cuántos libros se imprimen en Madrid y Berlin?", [(1,)]),
    ],
)
def test_how_many_entities_by_their_related_rows_counts_the_listing(
    library, lang, question, expected
):
    sql, got = _answer(library, lang, question)
    assert "EXISTS" in sql.upper() and got == expected


def test_a_count_of_rows_having_related_rows_offers_no_follow_up(library):
    """Its plan holds the related rows' plan (a dict): hashing it to offer follow-ups failed
    and the whole answer became an error."""
    model, _conn = library["en"]
    result = interpret("How many books are printed in both Paris and Madrid?", model)
    assert result.plan is not None and result.plan.rows_plan is not None
    assert followups(result.plan, model, lang="en") == []


@pytest.mark.parametrize(
    ("lang", "question"),
    [("en", "Which books never Paris?"), ("es", "¿Qué libros nunca Paris?")],
)
def test_never_is_not_a_relation_verb(library, lang, question):
    """ "never" between two linked entities is a negation, not the join: taken as a verb it
    vanished and "customers who never ordered Chai" listed those who did."""
    model, _conn = library[lang]
    result = interpret(question, model)
    assert result.route == "CLARIFY" or "NOT EXISTS" in result.sql.upper()


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("en", "Which company has the most genres?"),
        ("es", "¿Qué empresa tiene más generos?"),
    ],
)
def test_the_most_rows_of_a_table_named_like_its_column_counts_the_rows(library, lang, question):
    """ "the most languages": the column `genre` is read before the table `book_genres` the word
    also names, so its rows were not counted (another measure was ranked, grouped by genre)."""
    sql, got = _answer(library, lang, question)
    assert "COUNT(*)" in sql.upper() and got == [("Penguin", 4)]


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("en", "Which books are printed in Paris and not in Madrid?"),
        ("es", "¿Qué libros se imprimen en Paris y no en Madrid?"),
    ],
)
def test_a_negation_of_one_value_only_is_not_a_negated_relation(library, lang, question):
    """Only a negation before the values negates the relation; dropping a later one would
    answer "neither Paris nor Madrid"."""
    model, conn = library[lang]
    result = interpret(question, model)
    if result.route == "SQL":
        assert sorted(conn.execute(result.sql).fetchall()) == [("Ubik",)]


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [
        ("en", "How many books are available?", [(3,)]),
        ("es", "¿Cuántos libros están disponibles?", [(3,)]),
        ("en", "How many companies are active?", [(2,)]),
        ("es", "¿Cuántas empresas están activas?", [(2,)]),
    ],
)
def test_a_boolean_column_named_as_an_adjective_filters_true(library, lang, question, expected):
    """ "customers who are active" grouped the customers by `active`: a BOOLEAN column is a
    yes/no column too (`ColumnSem.flag`); "active companies" is the flag of the companies, not
    the companies that have books."""
    assert _answer(library, lang, question)[1] == expected


def test_a_verb_ending_a_do_question_relates_the_entity_asked_to_its_subject(library):
    """ "Which language does the film X use?": the verb ends the question, its subject (a
    value of another table) comes after "does", the entity asked before it. (Spanish puts the
    verb between them: "¿Qué empresa cita el libro Ubik?" is the ordinary shape.)"""
    _sql, got = _answer(library, "en", "Which company does the book Ubik cite?")
    assert got == [("Penguin",)]
    assert "cite" in _asks(library, "en", "Which company the book Ubik cite?")


def test_how_many_rows_does_each_entity_verb_counts_per_entity(library):
    """ "How many models does each car maker produce?": the verb ends the question after
    "does each <entity>"."""
    _sql, got = _answer(library, "en", "How many books does each company publish?")
    assert sorted(row[-1] for row in got) == [1, 2, 2]
