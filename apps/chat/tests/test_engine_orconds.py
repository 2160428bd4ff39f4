"""Two different conditions joined by "or" (branch h-orconds, `offline/either.py`): read as
WHERE (A OR B) when each half reads alone, both are said of the same rows (the table's own
columns or a table it reaches by to-one joins) and nothing else makes the precedence unclear;
the reading says the "OR" ("O" in Spanish). Kept asked back: an "or" over a to-many relation,
a third condition ("A and B or C", "A or B and C"), a superlative, a half not understood. "X or
Y" of one column stays one IN filter. On an invented schema (students, their advisors,
courses they take; personas in Spanish).

    .venv/bin/python -m pytest -p no:cacheprovider -q apps/chat/tests/test_engine_orconds.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_reads

_SCRIPT = """
    CREATE TABLE advisor (advisor_id INTEGER PRIMARY KEY, name TEXT, department TEXT);
    CREATE TABLE student (student_id INTEGER PRIMARY KEY, name TEXT, age INTEGER, city TEXT,
        advisor_id INTEGER REFERENCES advisor(advisor_id));
    CREATE TABLE course (course_id INTEGER PRIMARY KEY, title TEXT);
    CREATE TABLE enrollment (student_id INTEGER REFERENCES student(student_id),
        course_id INTEGER REFERENCES course(course_id), PRIMARY KEY (student_id, course_id));
    CREATE TABLE persona (persona_id INTEGER PRIMARY KEY, nombre TEXT, edad INTEGER, pais TEXT);
"""
_ROWS = {
    "advisor": [(1, "Hale", "Physics"), (2, "Moss", "History"), (3, "Reed", "Biology")],
    "student": [(1, "Ann", 19, "Paris", 1), (2, "Bob", 24, "Lyon", 2), (3, "Cy", 31, "Nice", 3),
                (4, "Di", 20, "Lyon", 3), (5, "Ed", 22, "Paris", 2)],
    "course": [(1, "Math"), (2, "Art")],
    "enrollment": [(1, 1), (2, 1), (3, 2), (4, 1), (4, 2)],
    "persona": [(1, "Ana", 45, "Francia"), (2, "Beto", 30, "Chile"), (3, "Cata", 50, "Peru"),
                (4, "Dani", 20, "Francia")],
}  # fmt: skip


@pytest.fixture(scope="module")
def school(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("orconds") / "o.db", _SCRIPT, _ROWS)
    yield model, conn
    conn.close()


def _either(school, question: str, word: str = "OR") -> list:  # noqa: ANN001
    model, conn = school
    result = engine_reads(model, question)
    assert " OR " in result.sql, result.sql
    assert f" {word} " in result.reading, result.reading
    return sorted(conn.execute(result.sql).fetchall())


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("How many students are from Paris or younger than 20?", [(2,)]),
        ("How many students are either from Lyon or older than 30?", [(3,)]),
        ("What are the names of students who are older than 30 or from Paris?",
         [("Ann",), ("Cy",), ("Ed",)]),
        ("What is the average age of students who are from Paris or older than 25?", [(24.0,)]),
    ],
)  # fmt: skip
def test_two_columns_of_the_rows_said_with_or(school, question, want) -> None:  # noqa: ANN001
    assert _either(school, question) == want


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("What are the names of students from Lyon or in the Physics department?",
         [("Ann",), ("Bob",), ("Di",)]),
        ("How many students are from Lyon or have an advisor in the Physics department?", [(3,)]),
        # "or" after a comparison, another table's words before the value: had been ANDed
        ("List the names of students older than 23 or whose advisor's department is Physics.",
         [("Ann",), ("Bob",), ("Cy",)]),
    ],
)  # fmt: skip
def test_a_column_or_a_value_of_the_one_related_row(school, question, want) -> None:  # noqa: ANN001
    """Each student has one advisor (a to-one join): either condition is said of the
    student's row. Two values of two columns joined by "or" had been ANDed (no rows)."""
    assert _either(school, question) == want


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("¿Cuáles son los nombres de las personas cuyo país es Francia o cuya edad es mayor "
         "que 40?", [("Ana",), ("Cata",), ("Dani",)]),
        ("¿Cuántas personas son de Francia o tienen más de 40 de edad?", [(3,)]),
        ("¿Qué personas tienen una edad mayor que 40 o son de Chile?",
         [("Ana",), ("Beto",), ("Cata",)]),
    ],
)  # fmt: skip
def test_spanish_o_between_two_conditions(school, question, want) -> None:  # noqa: ANN001
    assert _either(school, question, "O") == want


@pytest.mark.parametrize(
    "question",
    [
        # precedence: which condition is said of both?
        "How many students are older than 21 and from Lyon or in the Physics department?",
        "How many students are from Lyon and older than 21 or in the Physics department?",
        "How many students are from Lyon or in the Physics department and older than 21?",
        # a course is one of many a student takes: the rows of either set are a union
        "What are the names of students who are older than 30 or are in the Math course?",
        # a superlative over either set
        "What is the name of the oldest student who is from Lyon or in the Physics department?",
    ],
)
def test_or_the_reading_cannot_place_is_asked_back_naming_it(school, question) -> None:  # noqa: ANN001
    result = engine_asks(school[0], question)
    assert "“or”" in result.clarify
    assert [u.text for u in result.unresolved] == ["or"]


def test_a_half_not_understood_is_asked_back_naming_its_words(school) -> None:  # noqa: ANN001
    result = engine_asks(school[0], "What are the names of students older than 30 or fond of jazz?")
    assert {u.text for u in result.unresolved} == {"fond", "jazz"}


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("What are the names of students from Lyon or Nice?", [("Bob",), ("Cy",), ("Di",)]),
        ("What is the average age of students from Paris or Nice?", [(24.0,)]),
    ],
)
def test_values_of_one_column_stay_one_filter(school, question, want) -> None:  # noqa: ANN001
    model, conn = school
    result = engine_reads(model, question)
    assert " IN (" in result.sql and " OR " not in result.sql
    assert sorted(conn.execute(result.sql).fetchall()) == want


def test_the_answer_names_no_side_of_an_or_as_its_context(school) -> None:  # noqa: ANN001
    """ "How many students are from Paris or younger than 20?": the figure is not "of Paris"."""
    from apps.chat.engine.narrate import _context

    plan = engine_reads(school[0], "How many students are from Paris or younger than 20?").plan
    assert "Paris" not in _context(plan)
