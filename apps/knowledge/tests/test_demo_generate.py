"""The demo data layer against the contract in docs/demo-data.md (pure pytest: no Django, no ORM).

Expected names, vocabularies and prices are written out here rather than imported from the module
under test, so a change to the generator that breaks the contract fails these tests.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
from pathlib import Path

import pytest

from apps.knowledge.demo import generate
from apps.knowledge.demo.content import DemoContent, acme_content, globex_content
from apps.knowledge.demo.generate import generate_empresa, generate_globex

ACME_SCHEMA = {
    "productos": [
        ("producto_id", "INTEGER"),
        ("nombre", "TEXT"),
        ("categoria", "TEXT"),
        ("precio_lista", "REAL"),
        ("costo_unitario", "REAL"),
        ("activo", "INTEGER"),
    ],
    "clientes": [
        ("cliente_id", "INTEGER"),
        ("nombre", "TEXT"),
        ("email", "TEXT"),
        ("telefono", "TEXT"),
        ("direccion", "TEXT"),
        ("ciudad", "TEXT"),
        ("region", "TEXT"),
        ("segmento", "TEXT"),
        ("fecha_alta", "DATE"),
    ],
    "empleados": [
        ("empleado_id", "INTEGER"),
        ("nombre", "TEXT"),
        ("email", "TEXT"),
        ("region", "TEXT"),
        ("cargo", "TEXT"),
        ("fecha_ingreso", "DATE"),
        ("salario", "REAL"),
        ("cuenta_bancaria", "TEXT"),
    ],
    "ventas": [
        ("venta_id", "INTEGER"),
        ("fecha", "DATE"),
        ("cliente_id", "INTEGER"),
        ("producto_id", "INTEGER"),
        ("empleado_id", "INTEGER"),
        ("producto", "TEXT"),
        ("categoria", "TEXT"),
        ("cantidad", "INTEGER"),
        ("precio_unitario", "REAL"),
        ("descuento", "REAL"),
        ("total", "REAL"),
        ("region", "TEXT"),
        ("canal", "TEXT"),
    ],
}
ACME_FKS = {
    ("ventas", "cliente_id", "clientes", "cliente_id"),
    ("ventas", "producto_id", "productos", "producto_id"),
    ("ventas", "empleado_id", "empleados", "empleado_id"),
}
PRODUCTS = {
    ("Laptop Pro", "Electrónica", 1200.0),
    ('Monitor 27"', "Electrónica", 350.0),
    ("Tablet X", "Electrónica", 480.0),
    ("Impresora Láser", "Electrónica", 220.0),
    ("Mouse Wireless", "Accesorios", 25.0),
    ("Teclado Mecánico", "Accesorios", 80.0),
    ("Webcam HD", "Accesorios", 60.0),
    ("Auriculares BT", "Accesorios", 95.0),
    ("Docking Station", "Accesorios", 150.0),
    ("Licencia Office", "Software", 150.0),
    ("Antivirus Plus", "Software", 40.0),
    ("Suite Diseño", "Software", 600.0),
}
REGIONS = {"Norte", "Sur", "Este", "Oeste"}
CHANNELS = {"Online", "Tienda", "Distribuidor"}
SEGMENTS = {"Empresa", "Pyme", "Consumidor"}
ROLES = {"Vendedor", "Gerente", "Soporte"}
METRICS = {
    "Revenue Total": (
        "SUM(ventas.total)",
        {"ingresos", "facturación", "ventas totales", "revenue", "sales"},
    ),
    "Número de ventas": ("COUNT(*)", {"transacciones", "pedidos", "number of sales", "orders"}),
    "Unidades vendidas": ("SUM(ventas.cantidad)", {"unidades", "cantidad vendida", "units sold"}),
    "Ticket promedio": (
        "AVG(ventas.total)",
        {"valor medio por venta", "average order value", "AOV"},
    ),
    "Margen bruto": (
        "SUM(ventas.total - ventas.cantidad * productos.costo_unitario)",
        {"margen", "ganancia", "gross margin", "profit"},
    ),
    "Clientes activos": (
        "COUNT(DISTINCT ventas.cliente_id)",
        {"clientes compradores", "active customers"},
    ),
    "Descuento promedio": ("AVG(ventas.descuento)", {"descuento medio", "average discount"}),
}
PII = {
    ("clientes", "email"),
    ("clientes", "telefono"),
    ("clientes", "direccion"),
    ("empleados", "email"),
    ("empleados", "salario"),
    ("empleados", "cuenta_bancaria"),
}
ROWS = 20_000


# --- fixtures and helpers ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def acme_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("acme") / "empresa.db"
    generate_empresa(path, rows=ROWS, seed=42)
    return path


@pytest.fixture(scope="module")
def globex_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("globex") / "globex.db"
    generate_globex(path, rows=2_000, seed=42)
    return path


@pytest.fixture
def acme(acme_db: Path):
    conn = sqlite3.connect(acme_db)
    yield conn
    conn.close()


@pytest.fixture
def globex(globex_db: Path):
    conn = sqlite3.connect(globex_db)
    yield conn
    conn.close()


def scalar(conn: sqlite3.Connection, query: str):
    return conn.execute(query).fetchone()[0]


def distinct(conn: sqlite3.Connection, table: str, column: str) -> set:
    return {r[0] for r in conn.execute(f"SELECT DISTINCT {column} FROM {table}")}


def tables_of(conn: sqlite3.Connection) -> set[str]:
    return {
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }


def foreign_keys(conn: sqlite3.Connection) -> set[tuple[str, str, str, str]]:
    return {
        (table, fk[3], fk[2], fk[4])
        for table in tables_of(conn)
        for fk in conn.execute(f"PRAGMA foreign_key_list({table})")
    }


def content_hash(path: Path) -> str:
    """Digest of schema plus every row in key order: the logical content, not the file bytes."""
    conn = sqlite3.connect(path)
    digest = hashlib.sha256()
    for name, ddl in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
    ):
        digest.update(repr((name, ddl)).encode())
        if ddl and ddl.startswith("CREATE TABLE"):
            for row in conn.execute(f"SELECT * FROM {name} ORDER BY rowid"):
                digest.update(repr(row).encode())
    conn.close()
    return digest.hexdigest()


# --- acme schema and vocabularies -------------------------------------------------------------


def test_acme_schema_has_exact_tables_columns_and_types(acme):
    assert tables_of(acme) == set(ACME_SCHEMA)
    for table, expected in ACME_SCHEMA.items():
        info = acme.execute(f"PRAGMA table_info({table})").fetchall()
        assert [(r[1], r[2]) for r in info] == expected, table
        assert [r[1] for r in info if r[5]] == [expected[0][0]], f"{table} primary key"


def test_acme_declares_foreign_keys_and_they_hold(acme):
    assert foreign_keys(acme) == ACME_FKS
    assert acme.execute("PRAGMA foreign_key_check").fetchall() == []


def test_acme_indexes_on_ventas(acme):
    indexed = {
        acme.execute(f"PRAGMA index_info({r[1]})").fetchone()[2]
        for r in acme.execute("PRAGMA index_list(ventas)")
        if r[3] == "c"
    }
    assert {"fecha", "region", "producto"} <= indexed


def test_products_and_prices_are_the_contract(acme):
    rows = acme.execute("SELECT nombre, categoria, precio_lista FROM productos").fetchall()
    assert len(rows) == 12
    assert set(rows) == PRODUCTS
    ratios = acme.execute("SELECT costo_unitario / precio_lista FROM productos").fetchall()
    assert all(0.45 <= r[0] <= 0.70 for r in ratios)


def test_vocabularies_are_exact(acme):
    for table in ("ventas", "clientes", "empleados"):
        assert distinct(acme, table, "region") == REGIONS, table
    assert distinct(acme, "ventas", "canal") == CHANNELS
    assert distinct(acme, "clientes", "segmento") == SEGMENTS
    assert distinct(acme, "empleados", "cargo") == ROLES
    assert distinct(acme, "ventas", "producto") == {p[0] for p in PRODUCTS}
    assert distinct(acme, "ventas", "categoria") == {p[1] for p in PRODUCTS}


def test_clients_and_employees_within_bounds_and_spread(acme):
    assert 40 <= scalar(acme, "SELECT COUNT(*) FROM clientes") <= 200
    assert 12 <= scalar(acme, "SELECT COUNT(*) FROM empleados") <= 30
    # Every region has every segment and every cargo: no empty cell in the demo's breakdowns.
    assert scalar(acme, "SELECT COUNT(DISTINCT region || segmento) FROM clientes") == 12
    assert scalar(acme, "SELECT COUNT(DISTINCT region || cargo) FROM empleados") == 12
    assert scalar(acme, "SELECT COUNT(DISTINCT email) FROM clientes") == scalar(
        acme, "SELECT COUNT(*) FROM clientes"
    )
    assert scalar(acme, "SELECT MAX(fecha_alta) FROM clientes") < "2024-01-01"


# --- acme ventas ------------------------------------------------------------------------------


def test_ventas_row_count_is_requested(acme):
    assert scalar(acme, "SELECT COUNT(*) FROM ventas") == ROWS


def test_total_formula_holds_for_every_row(acme):
    bad = scalar(
        acme,
        "SELECT COUNT(*) FROM ventas "
        "WHERE total != ROUND(cantidad * precio_unitario * (1 - descuento), 2)",
    )
    assert bad == 0


def test_ventas_repeat_product_data_and_client_region(acme):
    mismatched = scalar(
        acme,
        "SELECT COUNT(*) FROM ventas v JOIN productos p ON p.producto_id = v.producto_id "
        "WHERE v.producto != p.nombre OR v.categoria != p.categoria "
        "OR v.precio_unitario != p.precio_lista",
    )
    assert mismatched == 0
    other_region = scalar(
        acme,
        "SELECT COUNT(*) FROM ventas v JOIN clientes c ON c.cliente_id = v.cliente_id "
        "WHERE v.region != c.region",
    )
    assert other_region == 0
    assert scalar(acme, "SELECT MIN(cantidad) FROM ventas") >= 1


def test_descuento_range_and_mix(acme):
    lo, hi = acme.execute("SELECT MIN(descuento), MAX(descuento) FROM ventas").fetchone()
    assert lo == 0 and hi <= 0.3
    assert scalar(acme, "SELECT COUNT(*) FROM ventas WHERE descuento != ROUND(descuento, 2)") == 0
    zero_share = scalar(acme, "SELECT AVG(descuento = 0) FROM ventas")
    assert 0.3 < zero_share < 0.8
    assert len(distinct(acme, "ventas", "descuento")) >= 5


def test_dates_span_two_years_as_iso_text(acme):
    assert scalar(acme, "SELECT MIN(fecha) FROM ventas") == "2024-01-01"
    assert scalar(acme, "SELECT MAX(fecha) FROM ventas") == "2025-12-31"
    not_iso = scalar(
        acme,
        "SELECT COUNT(*) FROM ventas WHERE typeof(fecha) != 'text' OR date(fecha) IS NOT fecha",
    )
    assert not_iso == 0


def test_seasonality_december_beats_february(acme):
    def daily_average(month: str, days: int) -> float:
        n = scalar(acme, f"SELECT COUNT(*) FROM ventas WHERE strftime('%m', fecha) = '{month}'")
        return n / days

    # Two years: December has 62 days, February 29 + 28.
    assert daily_average("12", 62) > 1.5 * daily_average("02", 57)


def test_regions_channels_products_well_represented(acme):
    for column, minimum in (("region", 0.15), ("canal", 0.10), ("producto", 0.02)):
        shares = acme.execute(
            f"SELECT {column}, COUNT(*) * 1.0 / {ROWS} FROM ventas GROUP BY {column}"
        ).fetchall()
        assert all(share >= minimum for _, share in shares), (column, shares)


# --- generation mechanics ---------------------------------------------------------------------


def test_same_seed_same_content_other_seed_different(tmp_path):
    paths = [tmp_path / name for name in ("a.db", "b.db", "c.db")]
    generate_empresa(paths[0], rows=3_000, seed=42)
    generate_empresa(paths[1], rows=3_000, seed=42)
    generate_empresa(paths[2], rows=3_000, seed=7)
    hashes = [content_hash(p) for p in paths]
    assert hashes[0] == hashes[1]
    assert hashes[0] != hashes[2]


def test_progress_per_batch_and_summary(tmp_path):
    rows = generate.BATCH_SIZE + 10
    calls: list[tuple[int, int]] = []
    summary = generate_empresa(
        tmp_path / "e.db", rows=rows, progress=lambda d, t: calls.append((d, t))
    )
    assert calls == [(0, rows), (generate.BATCH_SIZE, rows), (rows, rows)]
    assert summary["tables"] == {"productos": 12, "clientes": 120, "empleados": 20, "ventas": rows}
    assert summary["seconds"] >= 0


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "demo" / "empresa.db"
    generate_empresa(target, rows=500)
    before = content_hash(target)

    def explode(done: int, _total: int) -> None:
        if done:
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        generate_empresa(target, rows=800, seed=1, progress=explode)
    assert content_hash(target) == before  # the previous file survives a failed run
    assert sorted(p.name for p in target.parent.iterdir()) == ["empresa.db"]


def test_zero_rows_allowed_negative_refused(tmp_path):
    assert generate_empresa(tmp_path / "e.db", rows=0)["tables"]["ventas"] == 0
    with pytest.raises(ValueError):
        generate_empresa(tmp_path / "e.db", rows=-1)


# --- globex -----------------------------------------------------------------------------------


def test_globex_schema_differs_and_holds_canary(globex, acme):
    assert tables_of(globex) == {"pedidos", "proveedores"}
    assert not tables_of(globex) & tables_of(acme)
    assert foreign_keys(globex) == {("pedidos", "proveedor_id", "proveedores", "proveedor_id")}
    assert scalar(globex, "SELECT COUNT(*) FROM proveedores WHERE nombre = 'GLOBEX-CANARY-7731'")
    assert scalar(globex, "SELECT COUNT(*) FROM pedidos") == 2_000
    assert not distinct(globex, "pedidos", "producto") & {p[0] for p in PRODUCTS}
    assert "Widget Alfa" in distinct(globex, "pedidos", "producto")
    assert globex.execute("PRAGMA foreign_key_check").fetchall() == []


# --- content ----------------------------------------------------------------------------------


def schema_columns(conn: sqlite3.Connection) -> set[tuple[str, str, str]]:
    return {
        (table, r[1], r[2])
        for table in tables_of(conn)
        for r in conn.execute(f"PRAGMA table_info({table})")
    }


@pytest.mark.parametrize("which", ["acme", "globex"])
def test_content_matches_schema_and_documents_every_column(which, request):
    content: DemoContent = acme_content() if which == "acme" else globex_content()
    conn = request.getfixturevalue(which)
    assert {(c.table, c.column, c.type) for c in content.column_meta} == schema_columns(conn)
    assert {t.name for t in content.table_meta} == tables_of(conn)
    assert {(f.table, f.column, f.ref_table, f.ref_column) for f in content.foreign_keys} == (
        foreign_keys(conn)
    )
    table_docs = {d.table: d for d in content.documents if d.kind == "TABLE"}
    assert set(table_docs) == tables_of(conn)
    for column in content.column_meta:
        assert f"- {column.column} (" in table_docs[column.table].body, column
    for doc in content.documents:
        assert doc.kind in {"TABLE", "METRIC", "GLOSSARY", "NOTE"} and doc.title and doc.body
    assert any(d.kind == "GLOSSARY" for d in content.documents)


@pytest.mark.parametrize("which", ["acme", "globex"])
def test_documented_values_are_the_generated_values(which, request):
    content = acme_content() if which == "acme" else globex_content()
    conn = request.getfixturevalue(which)
    for column in content.column_meta:
        if column.values is not None:
            assert set(column.values) == distinct(conn, column.table, column.column), column


def test_acme_money_columns_documented_in_usd():
    content = acme_content()
    money = {(c.table, c.column) for c in content.column_meta if c.unit == "USD"}
    assert money == {
        ("productos", "precio_lista"),
        ("productos", "costo_unitario"),
        ("ventas", "precio_unitario"),
        ("ventas", "total"),
        ("empleados", "salario"),
    }
    for table in ("productos", "ventas", "empleados"):
        doc = next(d for d in content.documents if d.kind == "TABLE" and d.table == table)
        assert "USD" in doc.body


def test_acme_pii_flags():
    assert acme_content().pii_columns() == PII


def test_acme_column_synonyms():
    content = acme_content()
    expected = {
        ("ventas", "total"): {"ingresos", "importe", "revenue", "amount"},
        ("ventas", "fecha"): {"date", "día"},
        ("ventas", "canal"): {"channel"},
        ("clientes", "segmento"): {"segment"},
    }
    for (table, column), synonyms in expected.items():
        assert synonyms <= set(content.column(table, column).synonyms)


def test_acme_metrics_are_the_contract_and_run(acme):
    content = acme_content()
    assert {m.name for m in content.metrics} == set(METRICS)
    docs = {d.title: d.body for d in content.documents if d.kind == "METRIC"}
    for metric in content.metrics:
        expression, synonyms = METRICS[metric.name]
        assert metric.expression == expression and metric.table == "ventas"
        assert set(metric.synonyms) == synonyms
        body = next(b for title, b in docs.items() if metric.name in title)
        assert all(s in body for s in synonyms), metric.name
        assert acme.execute(metric.query()).fetchone()[0] is not None
        assert metric.as_metric_def().synonyms == metric.synonyms
    margen = next(m for m in content.metrics if m.name == "Margen bruto")
    assert "JOIN productos" in margen.join and "productos" in margen.description


def test_acme_glossary_terms():
    glossary = next(d for d in acme_content().documents if d.kind == "GLOSSARY").body.lower()
    for term in ("región", "canal", "segmento", "ticket promedio", "margen", "descuento"):
        assert term in glossary
    for english in ("channel", "segment", "average order value", "gross margin", "discount"):
        assert english in glossary


@pytest.mark.parametrize("which", ["acme", "globex"])
def test_examples_run_and_return_rows(which, request):
    content = acme_content() if which == "acme" else globex_content()
    conn = request.getfixturevalue(which)
    minimum = 6 if which == "acme" else 2
    assert len(content.examples) >= minimum
    assert {e.language for e in content.examples} == {"es", "en"}
    for example in content.examples:
        rows = conn.execute(example.sql).fetchall()
        assert rows, example.question
        used = set(re.findall(r"\b(?:FROM|JOIN)\s+(\w+)", example.sql))
        assert used == set(example.tables), example.question


def test_tenants_content_does_not_leak():
    acme_text = " ".join(d.body for d in acme_content().documents)
    globex_text = " ".join(d.body for d in globex_content().documents)
    assert "GLOBEX-CANARY-7731" in globex_text and "GLOBEX-CANARY-7731" not in acme_text
    for word in ("Laptop Pro", "Norte", "Distribuidor", "ventas", "Widget Alfa"):
        assert (word in acme_text) != (word in globex_text), word


# --- PostgreSQL -------------------------------------------------------------------------------

PG_ADMIN_DSN = os.environ.get(
    "DATACHAT_DEMO_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
)


@pytest.fixture
def pg_dsn():
    """A scratch database on the local server, dropped afterwards; skipped when there is none."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        reason = f"PostgreSQL not reachable at {PG_ADMIN_DSN!r}: {exc}"
        if os.environ.get("DATACHAT_REQUIRE_SERVICES") == "1":
            pytest.fail(f"DATACHAT_REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)
    name = f"datachat_demo_tmp_{os.getpid()}"
    with admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
        try:
            yield f"{PG_ADMIN_DSN} dbname={name}"
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.services
def test_load_into_postgres_matches_sqlite(tmp_path, pg_dsn):
    import psycopg

    from apps.knowledge.demo.postgres import load_into_postgres

    acme_path, globex_path = tmp_path / "empresa.db", tmp_path / "globex.db"
    generate_empresa(acme_path, rows=3_000)
    generate_globex(globex_path, rows=300)
    lite = sqlite3.connect(acme_path)
    expected_sum = scalar(lite, "SELECT SUM(total) FROM ventas")
    calls: list[tuple[int, int]] = []

    load_into_postgres(acme_path, pg_dsn)  # a second load must replace, not duplicate
    summary = load_into_postgres(acme_path, pg_dsn, progress=lambda d, t: calls.append((d, t)))
    load_into_postgres(globex_path, pg_dsn, schema="globex")

    total_rows = 3_000 + 12 + 120 + 20
    assert summary["tables"] == {"productos": 12, "clientes": 120, "empleados": 20, "ventas": 3_000}
    assert calls[-1] == (total_rows, total_rows)
    with psycopg.connect(pg_dsn) as pg:
        for table, count in summary["tables"].items():
            assert pg.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == count
        assert pg.execute("SELECT SUM(total) FROM ventas").fetchone()[0] == pytest.approx(
            expected_sum, abs=1e-6
        )
        types = dict(
            pg.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = 'ventas'"
            ).fetchall()
        )
        assert types["fecha"] == "date" and types["total"] == "double precision"
        assert types["venta_id"] == "bigint" and types["canal"] == "text"
        fks = pg.execute(
            "SELECT COUNT(*) FROM information_schema.table_constraints "
            "WHERE table_schema = 'public' AND constraint_type = 'FOREIGN KEY'"
        ).fetchone()[0]
        assert fks == 3
        canary = pg.execute(
            "SELECT COUNT(*) FROM globex.proveedores WHERE nombre = 'GLOBEX-CANARY-7731'"
        ).fetchone()[0]
        assert canary == 1
