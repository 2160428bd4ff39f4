"""Issue 13, confidently wrong answers on schemas with PascalCase names, people with a first and a
last name, and orders with line items (pure tests, no Django).

A small schema of its own in that shape: `Employees` (FirstName, LastName; two share a first
name), `Customers` (a company), `Orders` (the header rows, shipped somewhere) and `OrderLines`.
A second one has a measure in two tables (`Population` of provinces and of towns) with a
catalog metric on the parent table.

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_nwind.py
"""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest

from apps.chat.engine.offline import build_semantic_model, interpret
from apps.chat.tests.support import engine_asks, engine_reads
from apps.knowledge.engine import introspection
from apps.knowledge.engine.catalog import CatalogSnapshot, MetricDef


def _open(path, script: str, metrics: tuple = ()):  # noqa: ANN001, ANN202
    conn = sqlite3.connect(path)
    conn.executescript(script)
    conn.commit()
    conn.close()
    tables, fks, _counts = introspection.introspect_sqlite(path)
    model = build_semantic_model(CatalogSnapshot("sqlite", tuple(tables), tuple(fks), metrics))
    return model, sqlite3.connect(f"file:{path}?mode=ro", uri=True)


@pytest.fixture(scope="module")
def shop(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = _open(
        tmp_path_factory.mktemp("shop") / "shop.db",
        """
        CREATE TABLE Employees (EmployeeID INTEGER PRIMARY KEY, FirstName TEXT, LastName TEXT,
            Title TEXT);
        CREATE TABLE Customers (CustomerID TEXT PRIMARY KEY, CompanyName TEXT, Country TEXT,
            ContactTitle TEXT, ContactPhone TEXT);
        CREATE TABLE Products (ProductID INTEGER PRIMARY KEY, ProductName TEXT,
            UnitPrice REAL);
        CREATE TABLE Orders (OrderID INTEGER PRIMARY KEY,
            CustomerID TEXT REFERENCES Customers(CustomerID),
            EmployeeID INTEGER REFERENCES Employees(EmployeeID), OrderDate TEXT,
            ShipCity TEXT, ShipCountry TEXT, Freight REAL);
        CREATE TABLE OrderLines (OrderID INTEGER REFERENCES Orders(OrderID),
            ProductID INTEGER REFERENCES Products(ProductID), UnitPrice REAL, Quantity INTEGER,
            PRIMARY KEY (OrderID, ProductID));
        INSERT INTO Employees VALUES (1, 'Ann', 'Lee', 'Rep'), (2, 'Ann', 'Roe', 'Rep'),
            (3, 'Bob', 'Diaz', 'Manager');
        INSERT INTO Customers VALUES ('ALFA', 'Alfa Foods', 'Spain', 'Owner', '555-01'),
            ('BETA', 'Beta Market', 'France', 'Buyer', '555-02'),
            ('GAMA', 'Gama Store', 'Spain', 'Owner', '555-03');
        INSERT INTO Products VALUES (1, 'Tea', 4.5), (2, 'Coffee', 9.0), (3, 'Sugar', 2.0);
        INSERT INTO Orders VALUES
            (10, 'ALFA', 1, '2024-01-05', 'Madrid', 'Spain', 12.5),
            (11, 'BETA', 1, '2024-02-10', 'Lyon', 'France', 8.0),
            (12, 'ALFA', 2, '2024-02-11', 'Madrid', 'Spain', 3.0),
            (13, 'GAMA', 3, '2024-03-01', 'Sevilla', 'Spain', 20.0),
            (14, 'BETA', 2, '2024-03-15', 'Paris', 'France', 5.5),
            (15, 'GAMA', 1, '2024-04-02', 'Sevilla', 'Spain', 7.0);
        INSERT INTO OrderLines VALUES (10, 1, 4.5, 10), (10, 2, 9.0, 1), (11, 2, 9.0, 5),
            (12, 3, 2.0, 20), (13, 1, 4.5, 2), (14, 2, 9.0, 3), (15, 3, 2.0, 1);
        """,
    )
    yield model, conn
    conn.close()


def _same_rows(got: list[tuple], gold: list[tuple]) -> bool:
    """The gold's rows, in any row and column order (the evaluation's rule, without floats)."""
    return Counter(tuple(sorted(map(repr, r))) for r in got) == Counter(
        tuple(sorted(map(repr, r))) for r in gold
    )


def _answer(db, question: str) -> tuple[str, list[tuple]]:  # noqa: ANN001
    model, conn = db
    result = engine_reads(model, question)
    return result.sql, conn.execute(result.sql).fetchall()


ORDERS_PER_EMPLOYEE = """SELECT e.EmployeeID, e.FirstName || ' ' || e.LastName, COUNT(*)
    FROM Orders o JOIN Employees e ON e.EmployeeID = o.EmployeeID GROUP BY e.EmployeeID"""


@pytest.mark.parametrize(
    "question",
    [
        "How many orders did each employee handle?",
        "number of orders by employee",
        "¿Cuántos pedidos tiene cada empleado?",
        "número de pedidos por empleado",
    ],
)
def test_people_are_grouped_by_key_and_shown_by_their_full_name(shop, question):
    """A person's label is a first-name column: grouping by it alone added up the two Anns.
    The answer groups by the key and shows it with "First Last"."""
    sql, got = _answer(shop, question)
    assert _same_rows(got, shop[1].execute(ORDERS_PER_EMPLOYEE).fetchall()), sql


@pytest.mark.parametrize(
    "question",
    [
        "Which employee handled the most orders?",
        "¿Qué empleado tiene más pedidos?",
    ],
)
def test_the_top_person_is_one_person_not_a_first_name(shop, question):
    sql, got = _answer(shop, question)
    gold = shop[1].execute(f"{ORDERS_PER_EMPLOYEE} ORDER BY 3 DESC LIMIT 1").fetchall()
    assert _same_rows(got, gold), sql


@pytest.mark.parametrize(
    "question",
    ["List the employees.", "Lista los empleados.", "What are the names of the employees?"],
)
def test_a_listing_of_people_shows_key_and_full_name(shop, question):
    sql, got = _answer(shop, question)
    assert interpret(question, shop[0]).reading.endswith("EmployeeID, FirstName LastName")
    gold = shop[1].execute("SELECT EmployeeID, FirstName || ' ' || LastName FROM Employees")
    assert _same_rows(got, gold.fetchall()), sql


@pytest.mark.parametrize(
    "question",
    [
        "What are the first names of the employees?",
        "¿Cuáles son los nombres de pila de los empleados?",
    ],
)
def test_a_name_column_the_question_says_is_shown_as_it_is(shop, question):
    sql, got = _answer(shop, question)
    assert "||" not in sql
    assert sorted(set(got)) == [("Ann",), ("Bob",)], sql


def test_a_company_label_is_not_a_person(shop):
    """`CompanyName` is the customers' label: nothing is joined to it."""
    sql, _got = _answer(shop, "How many orders did each customer place?")
    assert "||" not in sql


@pytest.mark.parametrize(
    "question", ["List the orders shipped to France.", "List all orders to France."]
)
def test_a_listing_of_header_rows_shows_their_key(shop, question):
    """Order rows have no name (their first text column, `ShipCity`, is no label): every
    column is listed, their key first, which says which order each is."""
    sql, got = _answer(shop, question)
    assert [row[:2] for row in sorted(got)] == [(11, "2024-02-10"), (14, "2024-03-15")], sql


@pytest.mark.parametrize(
    "question",
    [
        "List the distinct countries to which orders have been shipped.",
        "List the countries orders were shipped to.",
    ],
)
def test_a_word_that_is_part_of_the_listed_columns_name_adds_no_column(shop, question):
    """ "shipped" is a word of `ShipCity` and `ShipCountry`: with `ShipCountry` listed it says
    nothing more (before, a second Ship… column was listed)."""
    sql, got = _answer(shop, question)
    assert sorted(got) == [("France",), ("Spain",)], sql


def test_a_word_that_is_part_of_several_column_names_is_asked_back(shop):
    """ "contact" is a word of `ContactTitle` and `ContactPhone`, and neither is listed: which
    one is not guessed (before, the first was listed)."""
    model, _conn = shop
    for question in ("List the customers and their contact.", "Lista los clientes y su contact."):
        result = engine_asks(model, question)
        assert "contact" in result.clarify


@pytest.mark.parametrize("question", ["How many orders are there?", "¿Cuántos pedidos hay?"])
def test_orders_are_the_header_rows_not_their_lines(shop, question):
    """ "orders"/"pedidos" count the orders table when the fact rows are its lines."""
    sql, got = _answer(shop, question)
    assert got == [(6,)], sql


@pytest.fixture(scope="module")
def tienda(tmp_path_factory):  # noqa: ANN001, ANN201
    model, conn = _open(
        tmp_path_factory.mktemp("tienda") / "tienda.db",
        """
        CREATE TABLE Empleados (EmpleadoID INTEGER PRIMARY KEY, Nombre TEXT, Apellido TEXT);
        CREATE TABLE Pedidos (PedidoID INTEGER PRIMARY KEY,
            EmpleadoID INTEGER REFERENCES Empleados(EmpleadoID), Fecha TEXT, Importe REAL);
        INSERT INTO Empleados VALUES (1, 'Ana', 'Gil'), (2, 'Ana', 'Ruiz'), (3, 'Luis', 'Sanz');
        INSERT INTO Pedidos VALUES (1, 1, '2024-01-02', 10), (2, 1, '2024-01-03', 20),
            (3, 2, '2024-01-04', 5), (4, 3, '2024-01-05', 7), (5, 2, '2024-02-01', 8);
        """,
    )
    yield model, conn
    conn.close()


@pytest.mark.parametrize(
    "question",
    ["¿Cuántos pedidos tiene cada empleado?", "How many pedidos does each empleado have?"],
)
def test_a_spanish_schema_of_people_with_nombre_and_apellido(tienda, question):
    """`Nombre` and `Apellido`: the label `Nombre` is one person's name only with `Apellido`."""
    sql, got = _answer(tienda, question)
    gold = tienda[1].execute(
        "SELECT e.EmpleadoID, e.Nombre || ' ' || e.Apellido, COUNT(*) FROM Pedidos p"
        " JOIN Empleados e USING (EmpleadoID) GROUP BY e.EmpleadoID"
    )
    assert _same_rows(got, gold.fetchall()), sql


@pytest.fixture(scope="module")
def provinces(tmp_path_factory):  # noqa: ANN001, ANN201
    total = MetricDef(
        name="Total population",
        expression="SUM(Provinces.Population)",
        table="Provinces",
        synonyms=("total population", "población total"),
    )
    model, conn = _open(
        tmp_path_factory.mktemp("provinces") / "provinces.db",
        """
        CREATE TABLE Provinces (ProvinceID INTEGER PRIMARY KEY, ProvinceName TEXT,
            Population INTEGER);
        CREATE TABLE Towns (TownID INTEGER PRIMARY KEY, TownName TEXT,
            ProvinceID INTEGER REFERENCES Provinces(ProvinceID), District TEXT,
            Population INTEGER);
        INSERT INTO Provinces VALUES (1, 'Norland', 900000), (2, 'Sudland', 500000);
        INSERT INTO Towns VALUES (1, 'Ashby', 1, 'Rivera', 12000), (2, 'Brook', 1, 'Rivera', 8000),
            (3, 'Corby', 1, 'Hills', 30000), (4, 'Dunmore', 2, 'Coast', 70000);
        """,
        (total,),
    )
    yield model, conn
    conn.close()


@pytest.mark.parametrize(
    "question",
    [
        "What is the total population of the Rivera district?",
        "¿Cuál es la población total del distrito Rivera?",
    ],
)
def test_a_measure_of_the_rows_a_value_names(provinces, question):
    """The metric sums provinces, the value names towns, and towns have a population: the
    towns' is meant (before: each province with a town in Rivera, added up once)."""
    sql, got = _answer(provinces, question)
    assert got == [(20000,)], sql


@pytest.mark.parametrize(
    "question",
    [
        "What is the total population of the provinces with a town in the Rivera district?",
        "What is the total population of Norland?",
    ],
)
def test_the_measure_stays_when_its_own_table_is_said(provinces, question):
    sql, got = _answer(provinces, question)
    assert got == [(900000,)], sql
