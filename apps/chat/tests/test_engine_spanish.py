"""Issue 13, Spanish questions on an English schema (pure tests, no Django).

A small atlas of its own: lands with a continent and a zone stored in English ('North
America', 'Central Africa'), the languages spoken in them (also in English, with a T/F flag),
shops and members with a 0/1 `active` column. Each Spanish question is asked with its English
counterpart, and both must give the gold rows.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_spanish.py
"""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest

from apps.chat.engine.offline import interpret
from apps.chat.tests.support import engine_asks, engine_model, engine_reads


@pytest.fixture(scope="module")
def atlas(tmp_path_factory):  # noqa: ANN001, ANN201
    path = tmp_path_factory.mktemp("atlas") / "atlas.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE country (Code TEXT PRIMARY KEY, Name TEXT, Code2 TEXT, Continent TEXT,
            Region TEXT, SurfaceArea REAL, Population INTEGER, GNP REAL);
        INSERT INTO country VALUES
            ('AFG', 'Afghanistan', 'AF', 'Asia', 'Southern Asia', 652090, 22720000, 5976),
            ('ALB', 'Albania', 'AL', 'Europe', 'Southern Europe', 28748, 3401200, 3205),
            ('NOR', 'Norway', 'NO', 'Europe', 'Nordic Countries', 323877, 4478500, 145895),
            ('CAF', 'Chad', 'TD', 'Africa', 'Central Africa', 1284000, 7651000, 1208),
            ('CMR', 'Cameroon', 'CM', 'Africa', 'Central Africa', 475442, 15085000, 9174),
            ('CAN', 'Canada', 'CA', 'North America', 'North America', 9970610, 31147000, 598862),
            ('USA', 'United States', 'US', 'North America', 'North America', 9363520,
                278357000, 8510700),
            ('CHN', 'China', 'CN', 'Asia', 'Eastern Asia', 9572900, 1277558000, 982268);
        CREATE TABLE countrylanguage (CountryCode TEXT REFERENCES country(Code), Language TEXT,
            IsOfficial TEXT, Percentage REAL, PRIMARY KEY (CountryCode, Language));
        INSERT INTO countrylanguage VALUES ('AFG', 'Pashto', 'T', 52.4),
            ('AFG', 'Dari', 'T', 32.1), ('AFG', 'Uzbek', 'F', 8.8),
            ('ALB', 'Albaniana', 'T', 97.9), ('NOR', 'Norwegian', 'T', 96.6),
            ('NOR', 'English', 'F', 0.5), ('CAF', 'Arabic', 'T', 12.3),
            ('CAF', 'French', 'T', 0.0), ('CMR', 'French', 'T', 0.0),
            ('CMR', 'English', 'T', 0.0), ('CAN', 'English', 'T', 60.4),
            ('CAN', 'French', 'T', 23.4), ('USA', 'English', 'T', 86.2),
            ('USA', 'Spanish', 'F', 7.5), ('CHN', 'Chinese', 'T', 92.0),
            ('CMR', 'Haya', 'F', 0.1);
        CREATE TABLE store (StoreId INTEGER PRIMARY KEY, CountryCode TEXT
            REFERENCES country(Code), Opened INTEGER);
        INSERT INTO store VALUES (1, 'NOR', 1999), (2, 'NOR', 2004), (3, 'CAN', 2010),
            (4, 'CHN', 2015);
        CREATE TABLE brand (BrandId INTEGER PRIMARY KEY, Brand TEXT, FullName TEXT,
            CountryCode TEXT REFERENCES country(Code));
        INSERT INTO brand VALUES (1, 'gm', 'General Motors', 'USA'), (2, 'ford', 'Ford Motor',
            'USA'), (3, 'volvo', 'Volvo Cars', 'NOR');
        CREATE TABLE customer (CustomerId INTEGER PRIMARY KEY, FirstName TEXT, LastName TEXT,
            StoreId INTEGER REFERENCES store(StoreId), active INTEGER, rating TEXT);
        INSERT INTO customer VALUES (1, 'Ann', 'Lee', 1, 1, 'A'), (2, 'Bob', 'Roe', 1, 0, 'B'),
            (3, 'Cy', 'Diaz', 3, 1, 'A'), (4, 'Dee', 'Poe', 4, 1, 'C');
        """
    )
    conn.commit()
    conn.close()
    model = engine_model(path)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    yield model, conn
    conn.close()


def _same_rows(got: list[tuple], gold: list[tuple]) -> bool:
    """The gold's rows, in any row and column order (the evaluation's rule, without floats)."""
    return Counter(tuple(sorted(map(repr, r))) for r in got) == Counter(
        tuple(sorted(map(repr, r))) for r in gold
    )


def _right(atlas, question: str, gold: str) -> str:  # noqa: ANN001
    model, conn = atlas
    result = engine_reads(model, question)
    got = conn.execute(result.sql).fetchall()
    assert _same_rows(got, conn.execute(gold).fetchall()), (question, result.sql)
    return result.sql


def _asked_back(atlas, question: str) -> str:  # noqa: ANN001
    result = engine_asks(atlas[0], question)
    return result.clarify


# --- grammar words ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "Cuenta el número de tiendas.",
        "Cuenta las tiendas.",
        "Count the number of stores.",
    ],
)
def test_the_imperative_count_counts(atlas, question):
    """ "Cuenta" opening a request is the verb "contar" (it was the noun "account")."""
    _right(atlas, question, "SELECT COUNT(*) FROM store")


@pytest.mark.parametrize(
    "question",
    [
        "¿Cuántas tiendas hay en cada continente? Indica el continente y el recuento.",
        "How many stores are there in each continent? List the continent and the count.",
    ],
)
def test_recuento_is_the_count(atlas, question):
    _right(
        atlas,
        question,
        "SELECT Continent, COUNT(*) FROM store JOIN country ON Code = CountryCode"
        " GROUP BY Continent",
    )


@pytest.mark.parametrize(
    "question",
    [
        "¿Cuáles son los nombres de los países con al menos una tienda?",
        "What are the names of the countries with at least one store?",
    ],
)
def test_un_una_after_a_comparison_is_one(atlas, question):
    """ "al menos un/una": the article is the number (it was asked back as "al menos")."""
    model, conn = atlas
    result = interpret(question, model)
    assert result.route == "SQL", result.clarify
    names = {row[0] for row in conn.execute(result.sql).fetchall()}
    assert names == {"Norway", "Canada", "China"}


@pytest.mark.parametrize(
    "question",
    [
        "¿Cuántos clientes tienen un valor de active igual a 1?",
        "¿Cuántos clientes tienen active igual a 1?",
        "How many customers have active equal to 1?",
        "How many customers have an active value of 1?",
    ],
)
def test_a_flag_equal_to_one_is_the_flag(atlas, question):
    """ "active igual a 1" says the flag's yes; "valor" is filler as "value" is (its stem is
    that of "valoración", the gloss of `rating`, which grouped the count by rating)."""
    _right(atlas, question, "SELECT COUNT(*) FROM customer WHERE active = 1")


def test_a_flag_equal_to_zero_is_not_read_as_its_yes(atlas):
    model, conn = atlas
    result = interpret("¿Cuántos clientes tienen active igual a 0?", model)
    if result.route == "SQL":
        got = conn.execute(result.sql).fetchall()
        assert got == conn.execute("SELECT COUNT(*) FROM customer WHERE active = 0").fetchall()


# --- schema words -----------------------------------------------------------------------------

ASIA_GNP = "SELECT MAX(GNP) FROM country WHERE Continent = 'Asia'"


@pytest.mark.parametrize(
    ("question", "gold"),
    [
        (
            "¿Cuál es la superficie total de los países de Asia?",
            "SELECT SUM(SurfaceArea) FROM country WHERE Continent = 'Asia'",
        ),
        (
            "What is the total surface area of the countries in Asia?",
            "SELECT SUM(SurfaceArea) FROM country WHERE Continent = 'Asia'",
        ),
        ("¿Cuál es el PNB máximo de Asia?", ASIA_GNP),
        ("What is the maximum GNP of Asia?", ASIA_GNP),
        (
            "¿Cuántos idiomas oficiales tiene Canada?",
            "SELECT COUNT(*) FROM countrylanguage WHERE CountryCode = 'CAN' AND IsOfficial = 'T'",
        ),
    ],
)
def test_spanish_names_of_english_columns(atlas, question, gold):
    """`SurfaceArea` is "superficie" (both words gloss to it), `GNP` "PNB", the flag
    `IsOfficial` "oficial"."""
    _right(atlas, question, gold)


# --- values stored in English -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "gold"),
    [
        (
            "¿Cuál es la población media de los países de la región de África Central?",
            "SELECT AVG(Population) FROM country WHERE Region = 'Central Africa'",
        ),
        (
            "What is the average population of the countries in the region of Central Africa?",
            "SELECT AVG(Population) FROM country WHERE Region = 'Central Africa'",
        ),
        (
            "¿Cuál es la población total de los países de América del Norte?",
            "SELECT SUM(Population) FROM country WHERE Continent = 'North America'",
        ),
        (
            "¿Cuántos países hay en Europa?",
            "SELECT COUNT(*) FROM country WHERE Continent = 'Europe'",
        ),
        (
            "¿Cuál es la superficie total de los países asiáticos?",
            "SELECT SUM(SurfaceArea) FROM country WHERE Continent = 'Asia'",
        ),
    ],
)
def test_a_spanish_place_name_finds_its_english_value(atlas, question, gold):
    """Atlas words (continents, compass points, their adjectives) and the Spanish order of a
    noun and its adjective ("África Central") find the value stored in English. The region was
    grouped by before, with 'Africa' and a city district 'Central' as filters."""
    _right(atlas, question, gold)


@pytest.mark.parametrize(
    ("question", "gold"),
    [
        (
            "¿Cuáles son los nombres de los países en los que se habla inglés y francés?",
            "SELECT Name FROM country WHERE Code IN (SELECT CountryCode FROM countrylanguage"
            " WHERE Language = 'English') AND Code IN (SELECT CountryCode FROM countrylanguage"
            " WHERE Language = 'French')",
        ),
        (
            "What are the names of the countries that speak English and French?",
            "SELECT Name FROM country WHERE Code IN (SELECT CountryCode FROM countrylanguage"
            " WHERE Language = 'English') AND Code IN (SELECT CountryCode FROM countrylanguage"
            " WHERE Language = 'French')",
        ),
        (
            "¿Cuáles son los países donde el inglés o el chino es el idioma oficial?",
            "SELECT Name FROM country WHERE Code IN (SELECT CountryCode FROM countrylanguage"
            " WHERE Language IN ('English', 'Chinese') AND IsOfficial = 'T')",
        ),
    ],
)
def test_a_spanish_language_name_finds_its_english_value(atlas, question, gold):
    """ "inglés", "francés", "chino" in lower case are the values 'English', 'French',
    'Chinese'; "en los que se habla" is a relation verb as "donde se habla" is."""
    _right(atlas, question, gold)


@pytest.mark.parametrize(
    "question",
    [
        "¿Cuáles son los códigos de los países que no hablan inglés?",
        "What are the codes of the countries that do not speak English?",
    ],
)
def test_no_is_a_negation_not_a_two_letter_code(atlas, question):
    """ "que no hablan": 'NO' is a value of `Code2`; a lower-case "no" is the negation (the
    countries that speak English were listed once "inglés" was understood)."""
    _right(
        atlas,
        question,
        "SELECT Code FROM country WHERE Code IN (SELECT CountryCode FROM countrylanguage)"
        " AND Code NOT IN (SELECT CountryCode FROM countrylanguage WHERE Language = 'English')",
    )


def test_a_name_one_letter_from_a_stored_name_is_that_name(atlas):
    """ "Afganistán" is 'Afghanistan': one capitalised word, one letter from one value."""
    _right(
        atlas,
        "¿Cuál es la población de Afganistán?",
        "SELECT Population FROM country WHERE Code = 'AFG'",
    )


def test_a_name_two_letters_from_a_stored_name_is_asked_back(atlas):
    """ "Alemania" (Germany) is two letters from 'Albania': never read as it."""
    assert "Alemania" in _asked_back(atlas, "¿Cuál es la población de Alemania?")


# --- word order -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "¿Cuántos idiomas hay?",
        "¿Cuántos idiomas distintos hay?",
        "¿Cuántos idiomas diferentes hay?",
        "How many different languages are there?",
    ],
)
def test_a_grammar_word_next_to_a_column_is_no_value(atlas, question):
    """ "hay" is the language 'Haya' by its stem, and stood next to "idiomas" (its column's
    name), which was taken as evidence: a lower-case grammar word never is a value."""
    sql = _right(atlas, question, "SELECT COUNT(DISTINCT Language) FROM countrylanguage")
    assert "Haya" not in sql


@pytest.mark.parametrize(
    "question",
    [
        "¿Qué países distintos tienen más de 1 tienda?",
        "Which distinct countries have more than 1 store?",
    ],
)
def test_que_before_a_table_lists_its_rows(atlas, question):
    """ "¿Qué países distintos…?": "qué" before the table asked about lists it, as "which"
    does, and "distintos" after the noun qualifies it, as "distinct" before it does."""
    model, conn = atlas
    result = interpret(question, model)
    assert result.route == "SQL", result.clarify
    assert {row[0] for row in conn.execute(result.sql).fetchall()} == {"Norway"}


@pytest.mark.parametrize(
    "question",
    [
        "¿Cuál es el nombre completo de las marcas de Norway?",
        "What is the full name of the brands of Norway?",
    ],
)
def test_nombre_completo_is_a_full_name_column(atlas, question):
    """`FullName` is "nombre completo" ("completo" was asked back)."""
    model, conn = atlas
    result = interpret(question, model)
    assert result.route == "SQL", result.clarify
    assert "Volvo Cars" in {v for row in conn.execute(result.sql).fetchall() for v in row}
