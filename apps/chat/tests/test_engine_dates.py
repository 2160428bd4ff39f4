"""Issue 13: extremes in time (branch `h-dates`; pure tests, no Django).

The minimum or maximum of a date column is its earliest or latest value, said with an aggregate
word ("the minimum payment date") or a time adjective ("the earliest payment date", "the most
recent rental date", "la fecha de pago más antigua"); "the first name" stays a column.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_dates.py
"""

from __future__ import annotations

import pytest

from apps.chat.engine.offline import interpret
from apps.chat.tests.support import engine_database, engine_reads

_SCHEMA = """
    CREATE TABLE clients (id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT);
    CREATE TABLE bookings (id INTEGER PRIMARY KEY, booking_date DATETIME,
        client_id INTEGER REFERENCES clients(id));
    CREATE TABLE reservas (id INTEGER PRIMARY KEY, fecha_reserva DATETIME);
"""
_ROWS = {
    "clients": [(1, "Ann", "Lee"), (2, "Bob", "Roe"), (3, "Cid", "Poe")],
    "bookings": [
        (1, "2005-05-24 22:53:30", 2),
        (2, "2005-08-23 02:06:01", 1),
        (3, "2006-02-14 15:16:03", 3),
        (4, "2005-06-01 10:00:00", 1),
    ],
    "reservas": [(1, "2005-05-24 22:53:30"), (2, "2006-02-14 15:16:03")],
}


@pytest.fixture(scope="module")
def bookings(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = engine_database(tmp_path_factory.mktemp("dates") / "b.db", _SCHEMA, _ROWS)
    yield model, conn
    conn.close()


def _value(bookings, question: str):  # noqa: ANN001, ANN202
    model, conn = bookings
    result = engine_reads(model, question)
    return conn.execute(result.sql).fetchall()[0][0]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the minimum booking date?", "2005-05-24 22:53:30"),
        ("What is the maximum booking date of the bookings?", "2006-02-14 15:16:03"),
        ("What is the earliest booking date?", "2005-05-24 22:53:30"),
        ("What is the most recent booking date?", "2006-02-14 15:16:03"),
        ("¿Cuál es la fecha de reserva más antigua?", "2005-05-24 22:53:30"),
        ("¿Cuál es la fecha de reserva más reciente?", "2006-02-14 15:16:03"),
    ],
)  # fmt: skip
def test_the_extreme_of_a_date_column_is_its_min_or_max(bookings, question, expected):
    """MIN/MAX (or earliest/latest) of a date column: the first or last date itself."""
    assert _value(bookings, question) == expected


def test_first_before_a_name_column_stays_the_column(bookings):
    model, _conn = bookings
    result = interpret("What is the first name of the clients?", model)
    assert result.route == "SQL" and "MIN" not in result.sql, result.sql


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("When did the first booking happen?", "2005-05-24 22:53:30"),
        ("What was the date of the earliest booking?", "2005-05-24 22:53:30"),
        ("What is the date of the most recent booking?", "2006-02-14 15:16:03"),
        ("¿Cuál es la fecha de la primera reserva?", "2005-05-24 22:53:30"),
        ("¿Cuándo fue la reserva más reciente?", "2006-02-14 15:16:03"),
    ],
)  # fmt: skip
def test_the_date_of_the_first_row_is_the_min_of_its_own_date(bookings, question, expected):
    """ "the date of the first booking": the extreme of the date column named after the table."""
    assert _value(bookings, question) == expected
