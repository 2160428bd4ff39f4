"""Issue 13: counts of related rows and values glued into one word (pure tests, no Django).

"<entity> that <any verb> <cmp> N <other table>" is a HAVING COUNT over the one foreign key
that joins them, whatever the verb; "3 car makers" where the table is `car_makers` counts the
makers; a stored value glued round an apostrophe ("People'sRepublic") is no common word, and a
word of a longer value after a superlative is the measure ranked, never that value. One small
schema per language, built here.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_relcount.py
"""

from __future__ import annotations

import pytest

from apps.chat.engine.offline import interpret
from apps.chat.engine.offline import lexicon as lx
from apps.chat.tests.support import engine_asks, engine_databases, engine_reads

_COUNTRIES = [
    (1, "Ruritania", "People'sRepublic", 900),
    (2, "Freedonia", "Monarchy", 500),
    (3, "Elbonia", "Monarchy", 700),
]
_MAKERS = [(1, "Acme", 1), (2, "Zeta", 1), (3, "Omega", 2), (4, "Kappa", 1)]
_MODELS = [(1, "roadster", 1), (2, "coupe", 1), (3, "wagon", 2), (4, "van", 1), (5, "bus", 3)]

_SCHEMAS = {
    "en": """
        CREATE TABLE countries (id INTEGER PRIMARY KEY, name TEXT, government TEXT,
            population INTEGER);
        CREATE TABLE car_makers (id INTEGER PRIMARY KEY, brand TEXT,
            country_id INTEGER REFERENCES countries(id));
        CREATE TABLE models (id INTEGER PRIMARY KEY, name TEXT,
            maker_id INTEGER REFERENCES car_makers(id));
    """,
    "es": """
        CREATE TABLE paises (id INTEGER PRIMARY KEY, nombre TEXT, gobierno TEXT,
            poblacion INTEGER);
        CREATE TABLE fabricantes (id INTEGER PRIMARY KEY, fabricante TEXT,
            pais_id INTEGER REFERENCES paises(id));
        CREATE TABLE modelos (id INTEGER PRIMARY KEY, nombre TEXT,
            fabricante_id INTEGER REFERENCES fabricantes(id));
    """,
}
_TABLES = {"en": ("countries", "car_makers", "models"), "es": ("paises", "fabricantes", "modelos")}


_ROWS = {
    lang: dict(zip(tables, (_COUNTRIES, _MAKERS, _MODELS), strict=True))
    for lang, tables in _TABLES.items()
}


@pytest.fixture(scope="module")
def atlas(tmp_path_factory):  # noqa: ANN001, ANN201
    with engine_databases(tmp_path_factory, "atlas.db", _SCHEMAS, _ROWS) as made:
        yield made


def _rows(atlas, lang: str, question: str) -> list:  # noqa: ANN001
    model, conn = atlas[lang]
    result = engine_reads(model, question)
    return sorted(row[0] for row in conn.execute(result.sql).fetchall())


def _asks(atlas, lang: str, question: str) -> None:  # noqa: ANN001
    model, _conn = atlas[lang]
    engine_asks(model, question)


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [
        ("en", "Which car makers designed more than 2 models?", ["Acme"]),
        ("en", "Which car makers built at least 1 model?", ["Acme", "Omega", "Zeta"]),
        ("en", "What are the countries that contain 3 or more car makers?", ["Ruritania"]),
        ("es", "¿Qué fabricantes diseñaron más de 2 modelos?", ["Acme"]),
        ("es", "¿Qué países albergan al menos 2 fabricantes?", ["Ruritania"]),
    ],
)  # fmt: skip
def test_any_verb_before_a_count_of_a_linked_table_is_the_link(atlas, lang, question, expected):
    """The count can only be of the rows that reference each entity: a HAVING COUNT."""
    assert _rows(atlas, lang, question) == expected


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("en", "Which car makers did not design more than 2 models?"),
        ("es", "¿Qué fabricantes no diseñaron más de 2 modelos?"),
    ],
)
def test_a_negated_verb_before_a_count_is_asked_back(atlas, lang, question):
    _asks(atlas, lang, question)


def test_a_value_glued_round_an_apostrophe_is_no_common_word():
    assert lx.phrase_key("People'sRepublic", "en") != lx.phrase_key("people", "en")
    assert [t.norm for t in lx.tokenize("the month's sales", "en")] == ["the", "month", "sales"]


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("en", "Return the names of the 2 countries with the fewest people."),
        ("es", "Los nombres de los 2 países con menos gente."),
    ],
)
def test_a_word_of_a_value_after_a_superlative_is_no_filter(atlas, lang, question):
    """ "people" ('People'sRepublic') is the measure ranked, not the government form."""
    model, _conn = atlas[lang]
    result = interpret(question, model)
    assert result.route == "CLARIFY" or "People" not in (result.sql or ""), result.sql


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("en", "What is the largest population for the governments?"),
        ("es", "¿Cuál es la mayor población para los gobiernos?"),
    ],
)
def test_a_superlative_of_a_column_listed_per_group_is_asked_back(atlas, lang, question):
    """Every group's total sorted answers neither the one largest value nor its row."""
    model, _conn = atlas[lang]
    result = interpret(question, model)
    assert result.route == "CLARIFY", result.sql
    assert "largest_of_rows" in result.notes


def test_the_row_with_the_largest_value_is_still_answered(atlas):
    assert _rows(atlas, "en", "Which country has the largest population?") == ["Ruritania"]


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [
        ("en", "How many countries have more than 1 car maker?", [(1,)]),
        ("en", "What is the number of countries with at least 1 car maker?", [(2,)]),
        ("es", "¿Cuántos países tienen más de 1 fabricante?", [(1,)]),
        ("es", "¿Cuántos países tienen al menos 1 fabricante?", [(2,)]),
    ],
)  # fmt: skip
def test_how_many_entities_pass_a_count_of_linked_rows(atlas, lang, question, expected):
    """The groups that pass the HAVING, counted (not the linked rows counted per group)."""
    model, conn = atlas[lang]
    result = interpret(question, model)
    assert result.route == "SQL", (question, result.clarify)
    assert conn.execute(result.sql).fetchall() == expected
