"""Issue 13: the offline engine on any schema (pure tests, no Django).

Each test names the cause from the issue's "What was seen" it covers. The demo catalog is the
project's; the small foreign schemas are built here, in SQLite, in the shapes the issue found
(PascalCase names, header and line tables, people with first and last names, big text columns).

    .venv/bin/python -m pytest -p no:django -q apps/chat/tests/test_engine_general.py
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from apps.chat.engine.offline import build_semantic_model, interpret
from apps.chat.tests.support import build_demo_db, demo_content, engine_reads, introspect_sqlite
from apps.knowledge.engine import introspection
from apps.knowledge.engine.catalog import CatalogSnapshot

# tests/eval/shapes_nl2sql.jsonl answered right (floors only rise; the target is 0.9)
SHAPES_FLOOR = 0.95


@pytest.fixture(scope="module")
def demo(tmp_path_factory):  # noqa: ANN001, ANN201
    path = build_demo_db(tmp_path_factory.mktemp("general") / "empresa.db", rows=5_000, seed=7)
    content = demo_content("acme")
    if content is None:
        pytest.skip("apps.knowledge.demo.content is not available")
    model = build_semantic_model(introspect_sqlite(path, content=content))
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    yield model, conn
    conn.close()


def product_catalog(path) -> CatalogSnapshot:  # noqa: ANN001
    """The catalog the product reads from a SQLite file (its own introspection)."""
    tables, fks, _counts = introspection.introspect_sqlite(path)
    return CatalogSnapshot("sqlite", tuple(tables), tuple(fks))


def rows(conn: sqlite3.Connection, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


# --- §7 no silently dropped words ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "word"),
    [
        ("revenue by region for both channels", "both"),
        ("ventas de clientes que nunca compraron Monitor", "nunca"),
    ],
)
def test_a_word_that_changes_the_meaning_is_asked_back_by_name(demo, question, word):
    """Stopwords swallowed "both"; "never" was dropped: now each is named in the question back
    and in `unresolved`."""
    model, _conn = demo
    result = interpret(question, model)
    assert result.route == "CLARIFY", result.sql
    assert word in result.clarify
    assert ("word", word) in {(u.kind, u.text) for u in result.unresolved}


def test_an_aggregate_word_with_no_target_is_not_dropped(demo):
    """ "maximum and minimum" read as MIN only: both aggregates of one target now."""
    model, conn = demo
    for question in (
        "maximum and minimum list price of products",
        "el precio de lista máximo y mínimo de los productos",
    ):
        result = interpret(question, model)
        assert result.route == "SQL", result.clarify
        assert "MAX(" in result.sql and "MIN(" in result.sql
        ((high, low),) = rows(conn, result.sql)
        assert (high, low) == rows(
            conn, "SELECT MAX(precio_lista), MIN(precio_lista) FROM productos"
        )[0]
    three = interpret("precio unitario medio, máximo y mínimo por categoría", model)
    assert three.route == "SQL" and len(three.plan.metrics) == 3


def test_an_aggregate_word_that_applies_to_nothing_asks_back(demo):
    model, _conn = demo
    result = interpret("maximum of customers by region and average", model)
    assert result.route == "CLARIFY"
    assert result.unresolved


def test_a_data_answer_says_its_reading_in_the_question_language(demo):
    model, _conn = demo
    es = interpret("Ingresos por canal en el cuarto trimestre de 2025", model)
    assert es.route == "SQL"
    assert "SUM(total)" in es.reading and "por canal" in es.reading and "2025" in es.reading
    en = interpret("revenue by channel in 2025", model)
    assert en.route == "SQL" and "by canal" in en.reading and "SUM(total)" in en.reading
    top = interpret("top 3 productos por ingresos", model)
    assert "top 3" in top.reading


def test_every_question_asked_back_says_what_was_not_understood(demo):
    model, _conn = demo
    for question in ("¿Y eso qué?", "ventas por departamento", "how many flurbs are there"):
        result = interpret(question, model)
        assert result.route == "CLARIFY"
        assert result.unresolved, question
        assert all(u.kind in ("word", "metric", "value") and u.text for u in result.unresolved)
    named = interpret("ventas por departamento", model)
    assert ("word", "departamento") in {(u.kind, u.text) for u in named.unresolved}


# --- a foreign shop: header and line tables, PascalCase, entities by the dozen ---------------


@pytest.fixture(scope="module")
def shop(tmp_path_factory):  # noqa: ANN001, ANN201
    """Orders (a header with a date and its freight) and OrderLines (2 keys, no date); 60
    customers, so company names are entities, not a category; employees with names and titles."""
    path = tmp_path_factory.mktemp("shop") / "shop.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE Customers (CustomerId INTEGER PRIMARY KEY, CompanyName TEXT,
            Country TEXT, Email TEXT);
        CREATE TABLE Employees (EmployeeId INTEGER PRIMARY KEY, Title TEXT, LastName TEXT,
            FirstName TEXT);
        CREATE TABLE Products (ProductId INTEGER PRIMARY KEY, ProductName TEXT, UnitPrice REAL);
        CREATE TABLE Orders (OrderId INTEGER PRIMARY KEY,
            CustomerId INTEGER REFERENCES Customers(CustomerId),
            EmployeeId INTEGER REFERENCES Employees(EmployeeId), OrderDate DATE, Freight REAL);
        CREATE TABLE OrderLines (OrderId INTEGER REFERENCES Orders(OrderId),
            ProductId INTEGER REFERENCES Products(ProductId), Quantity INTEGER,
            PRIMARY KEY (OrderId, ProductId));
        INSERT INTO Employees VALUES (1, 'Sales Representative', 'Davolio', 'Nancy'),
            (2, 'Sales Manager', 'Fuller', 'Andrew');
        INSERT INTO Products VALUES (1, 'Chai', 18), (2, 'Chang', 19), (3, 'Tofu', 23);
        INSERT INTO Orders VALUES (10, 1, 1, '2024-01-05', 100), (11, 1, 2, '2024-02-05', 50),
            (12, 2, 1, '2024-03-01', 30), (13, 3, 2, '2025-03-01', 7);
        INSERT INTO OrderLines VALUES (10, 1, 5), (10, 2, 3), (10, 3, 1), (11, 1, 2),
            (12, 2, 4), (12, 3, 4), (13, 3, 1);
        """
    )
    names = ["Alfa Trading", "Berglunds Snabbkop", "Toms Spezialitaten", "Island"] + [
        f"Company {n:02d}" for n in range(56)
    ]
    conn.executemany(
        "INSERT INTO Customers VALUES (?, ?, ?, ?)",
        [
            (n + 1, name, "Germany" if n % 2 == 0 else "France", f"c{n}@example.com")
            for n, name in enumerate(names)
        ],
    )
    conn.commit()
    conn.close()
    model = build_semantic_model(product_catalog(path))
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    yield model, conn
    conn.close()


def answer(model, conn, question: str):  # noqa: ANN001, ANN201
    result = engine_reads(model, question)
    return result, sorted(rows(conn, result.sql))


# --- §4 schema understanding without a retail lexicon ------------------------------------------


def test_the_fact_table_is_the_dated_header_not_the_line_table(shop):
    """With no metric defined, the table with most keys was taken (the line items), so
    "orders" counted lines and a year filter asked back."""
    model, conn = shop
    assert model.fact == "Orders"
    result, got = answer(model, conn, "how many orders in 2024")
    assert got == [(3,)]


def test_a_table_is_labelled_by_its_name_column_not_a_job_title(shop):
    model, _conn = shop
    assert model.tables["Employees"].display in ("LastName", "FirstName")
    assert model.tables["Products"].display == "ProductName"
    assert model.tables["Customers"].display == "CompanyName"


def test_revenue_on_a_schema_without_an_amount_is_asked_back_as_a_metric(shop):
    """No money column on the fact table: "sales" was read as a count of orders."""
    model, _conn = shop
    result = interpret("total sales by year", model)
    assert result.route == "CLARIFY"
    assert [u.kind for u in result.unresolved] == ["metric"]
    assert "sales" in result.unresolved[0].text


# --- §5 joins that keep their grain (one test per fan-out shape) ------------------------------


def test_a_header_measure_filtered_by_a_line_value_is_summed_once_per_header(shop):
    """Orders 10 (100) and 11 (50) contain Chai: 150, not 100 + 100 + ... per line."""
    model, conn = shop
    _result, got = answer(model, conn, "total freight of orders with product Chai")
    assert got == [(150.0,)]


def test_a_header_measure_grouped_by_a_line_dimension_counts_each_header_once(shop):
    model, conn = shop
    _result, got = answer(model, conn, "total freight by product")
    assert got == [("Chai", 150.0), ("Chang", 130.0), ("Tofu", 137.0)]
    _result, got = answer(model, conn, "average freight by product")
    assert dict(got)["Chai"] == 75.0


def test_a_header_count_through_lines_counts_distinct_headers(shop):
    model, conn = shop
    result, got = answer(model, conn, "number of orders by product")
    assert "COUNT(DISTINCT" in result.sql
    assert got == [("Chai", 2), ("Chang", 2), ("Tofu", 3)]


def test_a_header_listing_filtered_by_lines_lists_each_header_once(shop):
    model, conn = shop
    result, got = answer(model, conn, "list the orders with product Tofu")
    assert len(got) == len(set(got)) == 3


def test_a_line_measure_by_a_header_attribute_is_not_a_fan_out(shop):
    model, conn = shop
    _result, got = answer(model, conn, "total quantity by customer country")
    assert got == [("France", 8), ("Germany", 12)]


# --- §3 entity values of any cardinality ------------------------------------------------------


def test_names_of_entities_are_indexed_but_never_personal_or_free_text(shop, tmp_path):
    """Only text columns with at most 50 values were indexed: a customer's name could not be a
    filter. Now up to MAX_INDEXED_VALUES; personal columns and free text never."""
    model, _conn = shop
    assert len(model.column("Customers", "CompanyName").values) == 60
    assert not model.column("Customers", "Email").values  # personal: never indexed
    path = tmp_path / "notes.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE Staff (StaffId INTEGER PRIMARY KEY, Notes TEXT, Team TEXT)")
    long_note = "Graduated from a university in 1983 and joined the company as a sales rep."
    conn.executemany(
        "INSERT INTO Staff VALUES (?, ?, ?)", [(1, long_note, "North"), (2, "ok", "South")]
    )
    conn.commit()
    conn.close()
    staff = product_catalog(path).table("Staff")
    assert staff.column("Notes").values is None  # a note is not a value to filter by
    assert staff.column("Team").values == ("North", "South")


def test_an_entity_name_filters_its_column(shop):
    model, conn = shop
    result, got = answer(model, conn, "total freight of Alfa Trading")
    assert "'Alfa Trading'" in result.sql and got == [(150.0,)]
    result, got = answer(model, conn, "how many orders does Berglunds Snabbkop have")
    assert got == [(1,)]


def test_an_entity_name_said_in_lower_case_needs_evidence(shop):
    """A word that happens to be one of hundreds of names is not taken as a filter alone."""
    model, _conn = shop
    result = interpret("total freight of island by country", model)
    assert "'Island'" not in (result.sql or "")  # a customer is called "Island" here
    capitalised = interpret("total freight of customer Island by country", model)
    assert capitalised.route == "SQL" and "'Island'" in capitalised.sql


# --- §6 analytic shapes and §8 follow-ups -----------------------------------------------------


def test_entities_with_more_than_n_rows_are_a_having_on_the_count(shop, demo):
    model, conn = shop
    result, got = answer(model, conn, "customers with more than 1 order")
    assert "HAVING COUNT(*) > 1" in result.sql and got == [("Alfa Trading", 2)]
    demo_model, demo_conn = demo
    es, got = answer(demo_model, demo_conn, "clientes con más de 5 pedidos")
    assert "HAVING COUNT(*) > 5" in es.sql
    assert all(n > 5 for _name, n in got)


def test_a_grain_or_period_the_sql_does_not_use_is_asked_back(demo):
    """ "the best month of each year" answered the best month overall (it is now ranked within
    each year, below); a larger period that does not contain the ranked one is named back."""
    model, _conn = demo
    result = interpret("mejor año de cada mes por ingresos", model)
    assert result.route == "CLARIFY"
    assert ("word", "cada mes") in {(u.kind, u.text) for u in result.unresolved}


def test_request_words_do_not_send_a_data_question_elsewhere(demo):
    model, _conn = demo
    result = interpret("Provide a query that shows revenue by region", model)
    assert result.route == "SQL" and "GROUP BY region" in result.sql


def test_follow_ups_resort_and_swap_a_value_across_languages(demo):
    model, conn = demo
    first = interpret("ventas por región en 2025", model)
    resorted = interpret("ordénalo de menor a mayor", model, previous=first.plan)
    assert resorted.route == "SQL" and "ASC" in resorted.sql
    values = [v for _r, v in rows(conn, resorted.sql)]
    assert values == sorted(values)
    down = interpret("sort them in descending order", model, previous=resorted.plan)
    assert down.route == "SQL" and "DESC" in down.sql and "total revenue" in down.reading
    same = interpret("same for 2024", model, previous=first.plan)
    assert same.route == "SQL" and "2024-01-01" in same.sql and "GROUP BY region" in same.sql
    swap = interpret("lo mismo para el canal Online", model, previous=same.plan)
    assert swap.route == "SQL" and "canal = 'Online'" in swap.sql and "2024" in swap.sql
    top = interpret("only the top 2", model, previous=swap.plan)
    assert top.route == "SQL" and "LIMIT 2" in top.sql
    monthly = interpret("¿y por mes?", model, previous=first.plan)
    assert monthly.route == "SQL" and monthly.plan.grain == "month"
    without = interpret("without Online", model, previous=first.plan)
    assert without.route == "SQL" and "canal <> 'Online'" in without.sql


def test_a_quoted_text_after_contain_or_start_is_a_like_pattern(demo, shop):
    """Stopwords swallowed the "a" of `names that have "a"`; quoted text is now a pattern."""
    model, conn = demo
    result, got = answer(model, conn, "productos cuyo nombre contiene 'Pro'")
    assert "LIKE '%Pro%'" in result.sql and got and all("Pro" in name for (name,) in got)
    result, got = answer(model, conn, "products whose name starts with 'Mon'")
    assert "LIKE 'Mon%'" in result.sql and all(name.startswith("Mon") for (name,) in got)
    shop_model, shop_conn = shop
    result, got = answer(shop_model, shop_conn, 'customers that have "a" in their name')
    assert "LIKE '%a%'" in result.sql
    names = {name for (name,) in got}
    assert "Alfa Trading" in names and "Toms Spezialitaten" in names


def test_above_or_below_the_average_compares_with_the_column_mean(demo):
    model, conn = demo
    result, got = answer(model, conn, "Productos con precio de lista por encima del promedio")
    mean = rows(conn, "SELECT AVG(precio_lista) FROM productos")[0][0]
    assert got and all(price > mean for _name, price in got)
    below = interpret("products with list price below the average", model)
    assert below.route == "SQL" and "< (SELECT AVG(precio_lista)" in below.sql


def test_margin_in_percent_is_over_revenue_not_a_share_of_the_margin(demo):
    """ "margen bruto en porcentaje por categoría" gave each category's share of the total
    margin; a percentage of a difference is relative to its first term."""
    model, conn = demo
    result, got = answer(model, conn, "Margen bruto en porcentaje por categoría")
    gold = rows(
        conn,
        "SELECT v.categoria, SUM(v.total - v.cantidad * p.costo_unitario) * 100.0 / SUM(v.total)"
        " FROM ventas v JOIN productos p ON p.producto_id = v.producto_id GROUP BY v.categoria",
    )
    assert [(c, round(x, 6)) for c, x in got] == [(c, round(x, 6)) for c, x in sorted(gold)]


def test_an_average_per_entity_within_groups_averages_the_entities_totals(demo):
    """ "average per customer within each segment" was the average ticket per customer."""
    model, conn = demo
    result, got = answer(model, conn, "Ingreso promedio por cliente en cada segmento")
    gold = rows(
        conn,
        "SELECT segmento, AVG(t) FROM (SELECT c.segmento, c.cliente_id, SUM(v.total) AS t "
        "FROM ventas v JOIN clientes c ON c.cliente_id = v.cliente_id "
        "GROUP BY c.segmento, c.cliente_id) GROUP BY segmento",
    )
    assert [(s, round(x, 4)) for s, x in got] == [(s, round(x, 4)) for s, x in sorted(gold)]
    assert "promedio por" in result.reading


def test_the_harder_demo_set_of_analytic_shapes(demo):
    """tests/eval/shapes_nl2sql.jsonl (issue 13 §6), measured through the engine alone: the
    floor is what it answers today; nothing it answers may be wrong."""
    import json

    from apps.chat.engine.offline.result_match import gold_is_ordered, results_match

    model, conn = demo
    path = Path(__file__).resolve().parents[3] / "tests" / "eval" / "shapes_nl2sql.jsonl"
    right, wrong = 0, []
    cases = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for case in cases:
        result = interpret(case["question"], model)
        if result.route != "SQL":
            continue
        gold = rows(conn, case["gold_sql"])
        if results_match(gold, rows(conn, result.sql), gold_is_ordered(case["gold_sql"])):
            right += 1
        else:
            wrong.append(case["id"])
    assert not wrong
    assert right / len(cases) >= SHAPES_FLOOR


def test_never_and_without_any_are_not_exists_and_both_is_two_exists(demo, shop):
    """ "customers without any order above 20" lost its negation; "never" and "both" were
    dropped. Rows of an entity are listed by what its fact rows do, or do not."""
    model, conn = demo
    never, got = answer(model, conn, "Clientes que nunca compraron en el canal Online")
    assert "NOT EXISTS" in never.sql
    gold = rows(
        conn,
        "SELECT nombre FROM clientes c WHERE NOT EXISTS (SELECT 1 FROM ventas v "
        "WHERE v.cliente_id = c.cliente_id AND v.canal = 'Online')",
    )
    assert got == sorted(gold)
    some, got = answer(model, conn, "customers without any order above 20000")
    assert "NOT EXISTS" in some.sql and "total > 20000" in some.sql
    assert "without ventas" in some.reading
    both, got = answer(model, conn, 'Customers who bought both Laptop Pro and Monitor 27"')
    gold = rows(
        conn,
        "SELECT nombre FROM clientes WHERE cliente_id IN (SELECT cliente_id FROM ventas WHERE "
        "producto = 'Laptop Pro') AND cliente_id IN (SELECT cliente_id FROM ventas WHERE "
        "producto = 'Monitor 27\"')",
    )
    assert sorted(got) == sorted(gold) and both.sql.count("EXISTS") == 2
    shop_model, shop_conn = shop
    _result, got = answer(shop_model, shop_conn, "customers who never ordered Chai")
    assert ("Alfa Trading",) not in got and ("Berglunds Snabbkop",) in got


def test_the_compare_question_back_names_no_demo_values(shop):
    """Clarifications offered the demo's "Norte vs Sur" and "2024 vs 2025" on any database."""
    from apps.chat.engine.offline.suggest import clarify_message

    model, _conn = shop
    for lang in ("es", "en"):
        text = clarify_message("compare_what", lang, detail="", model=model)
        assert "Norte" not in text and "Sur" not in text and "2024" not in text


# --- §6 windows over periods: change, running total, the best period within each larger one -----


def _gold(conn: sqlite3.Connection, sql: str) -> list[tuple]:
    return rows(conn, sql)


_Y24 = "fecha BETWEEN '2024-01-01' AND '2024-12-31'"
_Y25 = "fecha BETWEEN '2025-01-01' AND '2025-12-31'"


@pytest.mark.parametrize(
    "question",
    [
        "Crecimiento de las ventas de 2024 a 2025",
        "Revenue growth from 2024 to 2025",
        "Variación porcentual de las ventas de 2025 frente a 2024",
        "Percent change in revenue between 2024 and 2025",
        "Revenue growth vs last year",  # the data's latest year against the one before
        "Crecimiento de las ventas respecto al año anterior",
    ],
)
def test_growth_between_two_periods_is_both_values_the_difference_and_the_percent(demo, question):
    """ "crecimiento de 2024 a 2025" listed the two years (the growth word was dropped), and
    "% change" was asked back: now one row, A, B, B - A and (B - A) * 100 / A."""
    model, conn = demo
    result, got = answer(model, conn, question)
    assert "LAG(" in result.sql
    gold = _gold(
        conn,
        f"SELECT a, b, b - a, (b - a) * 100.0 / a FROM (SELECT SUM(CASE WHEN {_Y24} THEN total "
        f"END) AS a, SUM(CASE WHEN {_Y25} THEN total END) AS b FROM ventas)",
    )
    assert len(got) == 1 and got[0] == pytest.approx(gold[0])
    assert ("variación" if result.lang == "es" else "change") in result.reading


@pytest.mark.parametrize(
    "question",
    ["Variación de las ventas mes a mes en 2025", "Revenue change month over month in 2025 in %"],
)
def test_change_period_over_period_is_a_lag_over_the_periods(demo, question):
    model, conn = demo
    result, got = answer(model, conn, question)
    gold = _gold(
        conn,
        "SELECT m, t, LAG(t) OVER (ORDER BY m), t - LAG(t) OVER (ORDER BY m), "
        "(t - LAG(t) OVER (ORDER BY m)) * 100.0 / LAG(t) OVER (ORDER BY m) FROM (SELECT "
        f"STRFTIME('%Y-%m', fecha) AS m, SUM(total) AS t FROM ventas WHERE {_Y25} GROUP BY m) "
        "ORDER BY m",
    )
    assert len(got) == 12 and got[0][2] is None
    for mine, theirs in zip(got[1:], gold[1:], strict=True):
        assert mine[0] == theirs[0] and mine[1:] == pytest.approx(theirs[1:])


@pytest.mark.parametrize(
    "question",
    ["Ventas acumuladas por mes en 2025", "Running total of revenue by month in 2025"],
)
def test_a_running_total_is_a_window_sum_in_period_order(demo, question):
    model, conn = demo
    result, got = answer(model, conn, question)
    assert "OVER (ORDER BY month" in result.sql
    gold = _gold(
        conn,
        "SELECT m, t, SUM(t) OVER (ORDER BY m) FROM (SELECT STRFTIME('%Y-%m', fecha) AS m, "
        f"SUM(total) AS t FROM ventas WHERE {_Y25} GROUP BY m) ORDER BY m",
    )
    assert [r[0] for r in got] == [r[0] for r in gold]
    assert [v for r in got for v in r[1:]] == pytest.approx([v for r in gold for v in r[1:]])


def test_a_running_total_per_group_restarts_in_each_group(demo):
    model, conn = demo
    result, got = answer(model, conn, "ventas acumuladas por mes y canal en 2025")
    assert "PARTITION BY canal" in result.sql
    last = {canal: running for canal, _month, _value, running in got}
    gold = dict(rows(conn, f"SELECT canal, SUM(total) FROM ventas WHERE {_Y25} GROUP BY canal"))
    assert last == pytest.approx(gold)


@pytest.mark.parametrize(
    ("question", "n"),
    [("El mejor mes de cada año por ingresos", 1), ("top 2 months of each year by revenue", 2)],
)
def test_the_best_period_within_each_larger_period_is_ranked_within_it(demo, question, n):
    """ "el mejor mes de cada año" answered the best month overall (then was asked back)."""
    model, conn = demo
    result, got = answer(model, conn, question)
    assert "ROW_NUMBER() OVER (PARTITION BY STRFTIME('%Y', fecha)" in result.sql
    gold = _gold(
        conn,
        "SELECT y, m, t FROM (SELECT STRFTIME('%Y', fecha) AS y, STRFTIME('%Y-%m', fecha) AS m, "
        "SUM(total) AS t, ROW_NUMBER() OVER (PARTITION BY STRFTIME('%Y', fecha) ORDER BY "
        f"SUM(total) DESC) AS rn FROM ventas GROUP BY y, m) WHERE rn <= {n}",
    )
    assert sorted(got) == sorted(gold)


@pytest.mark.parametrize(
    "question",
    [
        "ventas acumuladas en 2025",  # a running total over no periods
        "ventas acumuladas por canal",  # a running total over no periods
        "top 3 productos por ingresos acumulados",
    ],
)
def test_a_window_word_with_nothing_to_apply_to_is_asked_back(demo, question):
    model, _conn = demo
    result = interpret(question, model)
    assert result.route == "CLARIFY", result.sql


def test_each_period_alone_still_groups_by_it(demo):
    model, conn = demo
    result, got = answer(model, conn, "ventas de cada mes en 2025")
    assert "ROW_NUMBER" not in result.sql and len(got) == 12


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        ("Ventas del T4 2025 por canal", "2025-10-01", "2025-12-31"),
        ("Revenue in Q2 2024", "2024-04-01", "2024-06-30"),
        ("ingresos del segundo trimestre de 2024", "2024-04-01", "2024-06-30"),
    ],
)
def test_a_named_quarter_of_a_year_filters_that_quarter(demo, question, start, end):
    model, _conn = demo
    result = interpret(question, model)
    assert f"BETWEEN '{start}' AND '{end}'" in result.sql


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_the_window_shapes_pass_the_sql_guard(tmp_path, dialect):
    """LAG, SUM() OVER, MAX() OVER () and ROW_NUMBER() OVER (PARTITION BY a period) are in
    the guard's allowlist on both dialects."""
    from apps.governance.engine.guard import guard_sql
    from apps.governance.engine.policy import DataPolicy

    path = build_demo_db(tmp_path / "empresa.db", rows=500, seed=3)
    catalog = introspect_sqlite(path, content=demo_content("acme"))
    model = build_semantic_model(
        CatalogSnapshot(dialect, catalog.tables, catalog.foreign_keys, catalog.metrics)
    )
    policy = DataPolicy(
        role="ANALYST",
        can_query=True,
        allowed_tables=frozenset(t.name for t in catalog.tables),
        masked_columns=frozenset(),
    )
    for question in (
        "Crecimiento de las ventas de 2024 a 2025 por canal",
        "Revenue change month over month",
        "Cumulative revenue by month",
        "El mejor mes de cada año por ingresos",
    ):
        result = interpret(question, model)
        assert result.route == "SQL", question
        guard_sql(result.sql, dialect=dialect, schema=catalog.schema_mapping(), policy=policy)


def test_every_clarify_kind_raised_is_registered_and_every_message_has_a_kind():
    # `Unclear("typo_kind")` would fall back to the generic message unseen; the enum refuses it.
    import re
    from pathlib import Path

    from apps.chat.engine.offline import parser, suggest

    with pytest.raises(ValueError):
        parser.Unclear("no_such_kind")
    assert set(suggest._MESSAGES) <= set(parser.Clarify)
    source = Path(parser.__file__).parent
    raised = {
        name.lower()
        for path in source.glob("*.py")
        for name in re.findall(r"Unclear\(Clarify\.([A-Z_]+)", path.read_text(encoding="utf-8"))
    }
    assert raised <= set(parser.Clarify)
    assert not re.search(r'Unclear\(\s*"', "".join(p.read_text() for p in source.glob("*.py")))


def test_a_measure_of_one_branch_is_not_multiplied_by_a_second_branch(tmp_path):
    """Staff → payments and staff → rentals: a sum of payments filtered by a rental joins both
    branches; each payment is counted once, not once per rental of the same staff member."""
    from apps.chat.engine.offline import compile_sql
    from apps.chat.engine.plan import ColumnRef, Filter, MetricRef, QueryPlan
    from apps.chat.tests.support import engine_database

    model, conn = engine_database(
        tmp_path / "rentals.db",
        """
        CREATE TABLE staff (staff_id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE payment (payment_id INTEGER PRIMARY KEY,
            staff_id INTEGER REFERENCES staff(staff_id), amount REAL);
        CREATE TABLE rental (rental_id INTEGER PRIMARY KEY,
            staff_id INTEGER REFERENCES staff(staff_id), kind TEXT);
        """,
        {
            "staff": [(1, "Mike"), (2, "Jon")],
            "payment": [(1, 1, 10.0), (2, 1, 5.0), (3, 2, 7.0)],
            "rental": [(1, 1, "dvd"), (2, 1, "dvd"), (3, 1, "dvd"), (4, 2, "dvd")],
        },
    )
    plan = QueryPlan(
        table="staff",
        metrics=(MetricRef(key="agg:sum:payment.amount", label="amount"),),
        dimensions=(ColumnRef("staff", "name"),),
        filters=(Filter("rental", "kind", "=", ("dvd",)),),
    )
    got = dict(conn.execute(compile_sql(plan, model)).fetchall())
    assert got == {"Mike": 15.0, "Jon": 7.0}  # not 45.0: three rentals × (10 + 5)
