"""Issue 13: rows sorted as asked, the row with an extreme and several aggregates at once
(branch `h-related`; pure tests, no Django).

A listing sorted with no other column said is sorted by the column listed ("the salaries of
the employees in descending order"); "by <a number of the listed rows>" after a sort word sorts
them ("sort person names by their age"); "in reverse alphabetical order" is the text column
descending. "the birth date of the employee with the lowest salary", "the code of the heaviest
employee": the columns of the one row a superlative picks, when every column (shown or ranked)
is the row's own or of the row it refers to (each employee is one person), never a total per
value of the column shown; "the lowest salary and its code" is that row's code. Aggregate words
listed together apply to the column after the last one, even where a column is called
`average`; "the maximum number of <a numeric column>" is the column's maximum; a superlative
word right before a column is the superlative, even where a column is called `highest`. A small
made-up schema of people, the stores that employ them and their pay.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_related.py
"""

from __future__ import annotations

import pytest

from apps.chat.tests.support import engine_asks, engine_database, engine_rows

_SCHEMA = """
    CREATE TABLE person (person_id INTEGER PRIMARY KEY, name TEXT, birth_date TEXT, age INTEGER,
        weight REAL, nationality TEXT);
    CREATE TABLE store (store_id INTEGER PRIMARY KEY, name TEXT, city TEXT, opened INTEGER,
        average INTEGER, staff INTEGER, highest INTEGER);
    CREATE TABLE employee (employee_id INTEGER PRIMARY KEY,
        person_id INTEGER REFERENCES person(person_id),
        store_id INTEGER REFERENCES store(store_id), salary REAL, code INTEGER,
        calls_made INTEGER);
"""
_ROWS = {
    "person": [
        (1, "Ann", "May 1, 1980", 44, 60.0, "France"),
        (2, "Bob", "June 2, 1990", 34, 80.0, "France"),
        (3, "Cid", "July 3, 1970", 54, 70.0, "Spain"),
        (4, "Dee", "March 4, 2000", 24, 55.0, "France"),
    ],
    "store": [(1, "Zeta", "Lyon", 1999, 500, 10, 900), (2, "Alfa", "Rome", 2005, 300, 4, 800),
              (3, "Mido", "Lyon", 2010, 100, 6, 950)],
    "employee": [(1, 1, 1, 3000.0, 7, 12), (2, 2, 1, 1500.0, 3, 30), (3, 3, 2, 4500.0, 9, 50),
                 (4, 4, 3, 2000.0, 5, 8)],
}  # fmt: skip


@pytest.fixture(scope="module")
def shops(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("related") / "r.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


def _column(shops, question: str) -> list:  # noqa: ANN001
    return [row[0] for row in engine_rows(shops, question)]


# --- rows sorted ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "List the salaries of employees in descending order.",
        "What are the salaries of employees, ordered descending by value?",
        "Enumera los salarios de los empleados ordenados de forma descendente.",
    ],
)
def test_one_column_listed_and_sorted_is_sorted_by_itself(shops, question):  # noqa: ANN001
    assert _column(shops, question) == [4500.0, 3000.0, 2000.0, 1500.0]


@pytest.mark.parametrize(
    "question",
    [
        "Sort person names by their age in ascending order.",
        "Ordena los nombres de las personas por edad de forma ascendente.",
    ],
)
def test_by_a_number_of_the_listed_rows_after_a_sort_word_sorts_them(shops, question):  # noqa: ANN001
    # the rows in that order, not each name's average age
    assert engine_rows(shops, question) == [("Dee",), ("Bob",), ("Ann",), ("Cid",)]


@pytest.mark.parametrize(
    "question",
    [
        "List the store names in reverse alphabetical order.",
        "Enumera los nombres de las tiendas en orden alfabético inverso.",
    ],
)
def test_reverse_alphabetical_order_is_the_text_descending(shops, question):  # noqa: ANN001
    assert _column(shops, question) == ["Zeta", "Mido", "Alfa"]


def test_several_columns_listed_and_sorted_by_none_said_are_asked_back(shops):  # noqa: ANN001
    model, _conn = shops
    engine_asks(model, "List the salaries and codes of employees in descending order.")


# --- the columns of the row with an extreme ---------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the birth date of the employee with the lowest salary?", [("June 2, 1990",)]),
        ("¿Cuál es la edad del empleado con el menor salario?", [(34,)]),
        ("What is the code of the employee with the greatest weight?", [(3,)]),
        ("What is the code of the heaviest employee?", [(3,)]),
        ("¿Cuál es el código del empleado más pesado?", [(3,)]),
        ("What is the birth date and age of the employee with the highest salary?",
         [("July 3, 1970", 54)]),
        ("¿Cuál es la edad del empleado con el salario más alto?", [(54,)]),
        # Cid earns most (Spain), though France's salaries add up to more
        ("What is the nationality of the employee with the highest salary?", [("Spain",)]),
    ],
)  # fmt: skip
def test_the_columns_of_the_row_with_an_extreme(shops, question, expected):  # noqa: ANN001
    assert engine_rows(shops, question) == expected


def test_the_rows_with_an_extreme_said_in_the_plural_are_asked_back(shops):  # noqa: ANN001
    model, _conn = shops
    engine_asks(model, "What are the birth dates of the employees with the lowest salaries?")


def test_a_column_two_rows_it_refers_to_have_is_asked_back(shops):  # noqa: ANN001
    # the person's name or the store's: both are one row per employee
    model, _conn = shops
    engine_asks(model, "What is the name of the employee with the highest salary?")


# --- several aggregates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # `store.average` is a column: listed with other aggregate words, "average" is the mean
        ("What is the average, minimum and maximum staff of the stores?", [(20 / 3, 4, 10)]),
        ("What is the average and the maximum staff of all stores?", [(20 / 3, 10)]),
        ("¿Cuál es el promedio y el máximo del personal de las tiendas?", [(20 / 3, 10)]),
        ("What is the average, minimum and maximum age of the persons from France?",
         [(34.0, 24, 44)]),
    ],
)  # fmt: skip
def test_aggregate_words_listed_together(shops, question, expected):  # noqa: ANN001
    (row,) = engine_rows(shops, question)
    assert row == pytest.approx(expected[0])


def test_a_column_called_average_alone_is_the_column(shops):  # noqa: ANN001
    # the store's name is the condition, not a column asked for (branch h-columns)
    assert engine_rows(shops, "What is the average of the store named Zeta?") == [(500,)]


def test_the_maximum_number_of_a_numeric_column_is_its_maximum(shops):  # noqa: ANN001
    question = "What is the maximum number of calls made among employees with a salary below 4000?"
    assert engine_rows(shops, question) == [(30,)]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # `store.highest` is a column; before another column "highest" ranks by it
        ("What is the name and city of the store with the highest staff?", [("Zeta", "Lyon")]),
        ("¿Cuál es el nombre y la ciudad de la tienda con el mayor personal?",
         [("Zeta", "Lyon")]),
        ("What is the highest of the store with the lowest staff?", [(800,)]),
    ],
)  # fmt: skip
def test_a_superlative_before_a_column_is_no_column_called_highest(shops, question, expected):  # noqa: ANN001
    assert engine_rows(shops, question) == expected


@pytest.mark.parametrize(
    "question",
    [
        "What cities can you tell me about employees in alphabetical order?",
        "What nationalities can you tell me about employees in reverse alphabetical order?",
    ],
)
def test_an_alphabetical_order_never_sorts_a_count_nobody_asked(shops, question):  # noqa: ANN001
    # was: each city with its number of employees, sorted by the count
    model, _conn = shops
    engine_asks(model, question)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the lowest salary and its code?", [(1500.0, 3)]),
        ("¿Cuál es el salario más bajo y su código?", [(1500.0, 3)]),
        ("Return the highest salary, along with its corresponding code.", [(4500.0, 9)]),
    ],
)
def test_an_extreme_and_its_columns_are_of_that_row(shops, question, expected):  # noqa: ANN001
    assert engine_rows(shops, question) == expected


def test_an_extreme_and_a_column_without_its_is_asked_back(shops):  # noqa: ANN001
    # the lowest code too, perhaps
    model, _conn = shops
    engine_asks(model, "What is the lowest salary and code?")
