"""Fixtures for the pure governance engine tests: no Django, small SQLite files in tmp_path.

The demo schema is the exact one of docs/demo-data.md. Masked PII values all contain the marker
`PII`, secret employee values `EMPSECRET`, and the other tenant's file `GLOBEXCANARY`, so a test
can assert that none of them ever surfaces in a result or a message.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from apps.governance.engine.policy import DataPolicy, RowFilter

DEMO_DDL = """
CREATE TABLE productos (
    producto_id INTEGER PRIMARY KEY, nombre TEXT, categoria TEXT, precio_lista REAL,
    costo_unitario REAL, activo INTEGER
);
CREATE TABLE clientes (
    cliente_id INTEGER PRIMARY KEY, nombre TEXT, email TEXT, telefono TEXT, direccion TEXT,
    ciudad TEXT, region TEXT, segmento TEXT, fecha_alta DATE
);
CREATE TABLE empleados (
    empleado_id INTEGER PRIMARY KEY, nombre TEXT, email TEXT, region TEXT, cargo TEXT,
    fecha_ingreso DATE, salario REAL, cuenta_bancaria TEXT
);
CREATE TABLE ventas (
    venta_id INTEGER PRIMARY KEY, fecha DATE,
    cliente_id INTEGER REFERENCES clientes(cliente_id),
    producto_id INTEGER REFERENCES productos(producto_id),
    empleado_id INTEGER REFERENCES empleados(empleado_id),
    producto TEXT, categoria TEXT, cantidad INTEGER, precio_unitario REAL, descuento REAL,
    total REAL, region TEXT, canal TEXT
);
"""

SCHEMA: dict[str, dict[str, str]] = {
    "productos": {
        "producto_id": "INTEGER",
        "nombre": "TEXT",
        "categoria": "TEXT",
        "precio_lista": "REAL",
        "costo_unitario": "REAL",
        "activo": "INTEGER",
    },
    "clientes": {
        "cliente_id": "INTEGER",
        "nombre": "TEXT",
        "email": "TEXT",
        "telefono": "TEXT",
        "direccion": "TEXT",
        "ciudad": "TEXT",
        "region": "TEXT",
        "segmento": "TEXT",
        "fecha_alta": "DATE",
    },
    "empleados": {
        "empleado_id": "INTEGER",
        "nombre": "TEXT",
        "email": "TEXT",
        "region": "TEXT",
        "cargo": "TEXT",
        "fecha_ingreso": "DATE",
        "salario": "REAL",
        "cuenta_bancaria": "TEXT",
    },
    "ventas": {
        "venta_id": "INTEGER",
        "fecha": "DATE",
        "cliente_id": "INTEGER",
        "producto_id": "INTEGER",
        "empleado_id": "INTEGER",
        "producto": "TEXT",
        "categoria": "TEXT",
        "cantidad": "INTEGER",
        "precio_unitario": "REAL",
        "descuento": "REAL",
        "total": "REAL",
        "region": "TEXT",
        "canal": "TEXT",
    },
}

REGIONS = ("Norte", "Sur", "Este", "Oeste")
CANALES = ("Online", "Tienda", "Distribuidor")
SEGMENTOS = ("Empresa", "Pyme", "Consumidor")
PRODUCTOS = (
    (1, "Laptop Pro", "Electrónica", 1200.0, 800.0),
    (2, 'Monitor 27"', "Electrónica", 350.0, 210.0),
    (3, "Tablet X", "Electrónica", 480.0, 300.0),
    (4, "Mouse Wireless", "Accesorios", 25.0, 9.0),
    (5, "Teclado Mecánico", "Accesorios", 80.0, 35.0),
    (6, "Licencia Office", "Software", 150.0, 40.0),
    (7, "Suite Diseño", "Software", 600.0, 120.0),
)
PII_MARKER = "PII"
EMP_MARKER = "EMPSECRET"
OTHER_TENANT_MARKER = "GLOBEXCANARY"
N_CLIENTES = 12
N_VENTAS = 60

MASKED = frozenset({("clientes", "email"), ("clientes", "telefono"), ("clientes", "direccion")})
ANALYST = DataPolicy(
    role="ANALYST",
    can_query=True,
    allowed_tables=frozenset({"productos", "clientes", "ventas"}),
    masked_columns=MASKED,
    timeout_ms=1500,
    can_edit_sql=True,
)
DATA_SCIENTIST = DataPolicy(
    role="DATA_SCIENTIST",
    can_query=True,
    allowed_tables=frozenset({"productos", "clientes", "ventas"}),
    masked_columns=MASKED,
    timeout_ms=1500,
    can_edit_sql=True,
    can_export=True,
)
VIEWER = DataPolicy(
    role="VIEWER",
    can_query=True,
    allowed_tables=frozenset({"ventas", "productos"}),
    masked_columns=frozenset(),
    row_filters=(RowFilter("ventas", "region", ("Norte",), attribute="region"),),
    timeout_ms=1500,
)
ADMIN = DataPolicy(
    role="ADMIN",
    can_query=True,
    allowed_tables=frozenset(SCHEMA),
    masked_columns=frozenset(),
    timeout_ms=1500,
)
COMPLIANCE = DataPolicy(
    role="COMPLIANCE", can_query=False, allowed_tables=frozenset(), masked_columns=frozenset()
)


def demo_rows() -> dict[str, list[tuple]]:
    """Deterministic rows: every masked value carries PII_MARKER, nothing else does."""
    clientes = [
        (
            i,
            f"Cliente {i}",
            f"{PII_MARKER}.user{i}@correo.test",
            f"+34-600-{PII_MARKER}-{i:03d}",
            f"Calle {PII_MARKER} {i}",
            ("Madrid", "Sevilla", "Valencia", "Bilbao")[i % 4],
            REGIONS[i % 4],
            SEGMENTOS[i % 3],
            f"2023-{(i % 12) + 1:02d}-15",
        )
        for i in range(1, N_CLIENTES + 1)
    ]
    empleados = [
        (
            i,
            f"Empleado {i}",
            f"{EMP_MARKER}.emp{i}@acme.test",
            REGIONS[i % 4],
            ("Vendedor", "Gerente", "Soporte")[i % 3],
            "2022-03-01",
            30000.0 + i * 1111,
            f"ES{EMP_MARKER}{i:04d}",
        )
        for i in range(1, 7)
    ]
    productos = [(pid, n, c, p, cost, 1) for pid, n, c, p, cost in PRODUCTOS]
    ventas = []
    for i in range(1, N_VENTAS + 1):
        pid, nombre, categoria, precio, _ = PRODUCTOS[(i * 3) % len(PRODUCTOS)]
        cantidad = (i % 5) + 1
        descuento = round((i % 4) * 0.05, 2)
        ventas.append(
            (
                i,
                f"{2024 + (i % 2)}-{(i % 12) + 1:02d}-{(i % 27) + 1:02d}",
                (i % N_CLIENTES) + 1,
                pid,
                (i % 6) + 1,
                nombre,
                categoria,
                cantidad,
                precio,
                descuento,
                round(cantidad * precio * (1 - descuento), 2),
                REGIONS[(i * 7) % 4],
                CANALES[i % 3],
            )
        )
    return {"productos": productos, "clientes": clientes, "empleados": empleados, "ventas": ventas}


def build_demo_db(path: Path) -> Path:
    conn = sqlite3.connect(path)
    try:
        conn.executescript(DEMO_DDL)  # our own fixed DDL, never user input
        for table, rows in demo_rows().items():
            marks = ", ".join("?" * len(rows[0]))
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        conn.commit()
    finally:
        conn.close()
    return path


def build_other_tenant_db(path: Path) -> Path:
    conn = sqlite3.connect(path)
    try:
        conn.execute(
            "CREATE TABLE pedidos (pedido_id INTEGER PRIMARY KEY, cliente TEXT, total REAL)"
        )
        conn.execute(
            "CREATE TABLE clientes (cliente_id INTEGER PRIMARY KEY, nombre TEXT, email TEXT)"
        )
        conn.executemany(
            "INSERT INTO pedidos VALUES (?, ?, ?)",
            [(i, f"{OTHER_TENANT_MARKER}-{i}", 10.0 * i) for i in range(1, 4)],
        )
        conn.execute(
            "INSERT INTO clientes VALUES (1, ?, ?)",
            (f"{OTHER_TENANT_MARKER} SA", f"{OTHER_TENANT_MARKER}@globex.test"),
        )
        conn.commit()
    finally:
        conn.close()
    return path


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dir_listing(path: Path) -> set[str]:
    return {str(p.relative_to(path)) for p in path.rglob("*")}


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """A directory with the acme demo DB and another tenant's DB (shared, never written)."""
    root = tmp_path_factory.mktemp("tenants")
    build_demo_db(root / "empresa.db")
    build_other_tenant_db(root / "globex.db")
    return root


@pytest.fixture(scope="session")
def demo_db(demo_dir) -> Path:
    return demo_dir / "empresa.db"


@pytest.fixture(scope="session")
def other_db(demo_dir) -> Path:
    return demo_dir / "globex.db"


@pytest.fixture
def fresh_tenants(tmp_path) -> Path:
    """A private copy of both tenants' files, for tests that check nothing was written."""
    build_demo_db(tmp_path / "empresa.db")
    build_other_tenant_db(tmp_path / "globex.db")
    return tmp_path


@pytest.fixture(scope="session")
def norte_only_db(tmp_path_factory) -> Path:
    """The demo DB with every non-Norte venta deleted: what the VIEWER must see."""
    path = build_demo_db(tmp_path_factory.mktemp("norte") / "empresa.db")
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM ventas WHERE region <> 'Norte'")
    conn.commit()
    conn.close()
    return path


def services_required() -> bool:
    return os.environ.get("DATACHAT_REQUIRE_SERVICES") == "1"
