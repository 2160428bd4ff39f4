"""Issue 13, the confidence gate (branch h-gate): a reading whose decisive part only a weak rule
supplied is asked back, naming the word, instead of answered. On a small invented schema
(kilns and their firings, English names; hornos and their hornadas, Spanish names):

- a sum or average no word asked for, over rows no value singles out ("What are the
  temperatures of kilns with a capacity above 50?"): asked back naming the column's word; an
  aggregate word, an order word or a value said ("the temperature of kiln 'Big Red'") still
  answers;
- "or" between two conditions, which the plan would AND ("kilns with a capacity above 50 or a
  temperature below 900"): asked back naming "or"; "and" still answers.

    .venv/bin/python -m pytest -p no:cacheprovider -q apps/chat/tests/test_engine_gate.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_reads

_SCRIPT = """
    CREATE TABLE kiln (kiln_id INTEGER PRIMARY KEY, name TEXT, temperature REAL,
        capacity INTEGER);
    CREATE TABLE firing (firing_id INTEGER PRIMARY KEY,
        kiln_id INTEGER REFERENCES kiln(kiln_id), pieces INTEGER, hours REAL);
    CREATE TABLE horno (horno_id INTEGER PRIMARY KEY, nombre TEXT, temperatura REAL,
        capacidad INTEGER);
"""
_ROWS = {
    "kiln": [(1, "Big Red", 1200.0, 80), (2, "Old Blue", 900.0, 40), (3, "Tiny", 850.0, 10),
             (4, "Dragon", 1300.0, 120)],
    "firing": [(1, 1, 30, 8.0), (2, 1, 25, 7.5), (3, 2, 12, 6.0), (4, 4, 60, 10.0)],
    "horno": [(1, "Rojo", 1200.0, 80), (2, "Azul", 900.0, 40), (3, "Chico", 850.0, 10),
              (4, "Dragón", 1300.0, 120)],
}  # fmt: skip


@pytest.fixture(scope="module")
def kilns(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("gate") / "gate.db", _SCRIPT, _ROWS)
    yield model
    conn.close()


@pytest.mark.parametrize(
    ("question", "word"),
    [
        ("What are the temperatures of kilns with a capacity above 50?", "temperatures"),
        ("List the temperature of the kilns whose capacity is greater than 50.", "temperature"),
        ("¿Cuáles son las temperaturas de los hornos con capacidad mayor que 50?", "temperaturas"),
    ],
)
def test_an_aggregate_no_word_asked_for_is_asked_back(kilns, question, word) -> None:  # noqa: ANN001
    result = engine_asks(kilns, question)
    assert word in result.clarify
    assert any(u.text == word for u in result.unresolved)


@pytest.mark.parametrize(
    "question",
    [
        "What is the total temperature of kilns with a capacity above 50?",
        "What is the average temperature of kilns with a capacity above 50?",
        "What is the temperature of the kiln 'Big Red'?",
        "Which kiln has the highest temperature?",
        "¿Cuál es la temperatura media de los hornos con capacidad mayor que 50?",
    ],
)
def test_an_aggregate_a_word_asks_for_still_answers(kilns, question) -> None:  # noqa: ANN001
    engine_reads(kilns, question)


@pytest.mark.parametrize(
    ("question", "word"),
    [
        ("How many kilns have a capacity above 50 or a temperature below 900?", "or"),
        ("List the names of kilns with a capacity above 50 or a temperature below 900.", "or"),
        ("¿Cuántos hornos tienen capacidad mayor que 50 o temperatura menor que 900?", "o"),
    ],
)
def test_or_between_two_conditions_is_asked_back(kilns, question, word) -> None:  # noqa: ANN001
    result = engine_asks(kilns, question)
    assert f"“{word}”" in result.clarify or f"«{word}»" in result.clarify


@pytest.mark.parametrize(
    "question",
    [
        "How many kilns have a capacity above 50 and a temperature below 1250?",
        "¿Cuántos hornos tienen capacidad mayor que 50 y temperatura menor que 1250?",
    ],
)
def test_and_between_two_conditions_still_answers(kilns, question) -> None:  # noqa: ANN001
    engine_reads(kilns, question)
