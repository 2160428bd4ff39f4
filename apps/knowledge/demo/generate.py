"""Deterministic generators for the demo tenants' SQLite data sources.

`generate_empresa` writes the `acme` source (`empresa.db`) and `generate_globex` the `globex` one,
following the contract in docs/demo-data.md: names, vocabularies and schema are fixed, row
values come from `random.Random(seed)` only, so one seed always yields the same logical content.

The `ventas` table is streamed in fixed-size batches (a generator feeding `executemany`), so memory
stays flat whatever `rows` is; the bulk-load pragmas and the late index build keep a million rows
within a few seconds.
"""

from __future__ import annotations

import itertools
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from datachat.text import fold

Progress = Callable[[int, int], None]

# Fixed: part of the batch layout, so changing it changes the data for a given seed.
BATCH_SIZE = 50_000

# --- acme vocabularies (docs/demo-data.md: fixed) -------------------------------------------

REGIONES = ("Norte", "Sur", "Este", "Oeste")
CANALES = ("Online", "Tienda", "Distribuidor")
SEGMENTOS = ("Empresa", "Pyme", "Consumidor")
CARGOS = ("Vendedor", "Gerente", "Soporte")
PRODUCTOS: tuple[tuple[str, str, float], ...] = (
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
)
CATEGORIAS = ("Electrónica", "Accesorios", "Software")
DESCUENTOS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3)
FECHA_INICIO = date(2024, 1, 1)
FECHA_FIN = date(2025, 12, 31)

ACME_DDL = (
    """CREATE TABLE productos (
    producto_id INTEGER PRIMARY KEY,
    nombre TEXT NOT NULL,
    categoria TEXT NOT NULL,
    precio_lista REAL NOT NULL,
    costo_unitario REAL NOT NULL,
    activo INTEGER NOT NULL
)""",
    """CREATE TABLE clientes (
    cliente_id INTEGER PRIMARY KEY,
    nombre TEXT NOT NULL,
    email TEXT,
    telefono TEXT,
    direccion TEXT,
    ciudad TEXT,
    region TEXT NOT NULL,
    segmento TEXT NOT NULL,
    fecha_alta DATE
)""",
    """CREATE TABLE empleados (
    empleado_id INTEGER PRIMARY KEY,
    nombre TEXT NOT NULL,
    email TEXT,
    region TEXT NOT NULL,
    cargo TEXT NOT NULL,
    fecha_ingreso DATE,
    salario REAL,
    cuenta_bancaria TEXT
)""",
    """CREATE TABLE ventas (
    venta_id INTEGER PRIMARY KEY,
    fecha DATE NOT NULL,
    cliente_id INTEGER NOT NULL REFERENCES clientes (cliente_id),
    producto_id INTEGER NOT NULL REFERENCES productos (producto_id),
    empleado_id INTEGER REFERENCES empleados (empleado_id),
    producto TEXT NOT NULL,
    categoria TEXT NOT NULL,
    cantidad INTEGER NOT NULL,
    precio_unitario REAL NOT NULL,
    descuento REAL NOT NULL,
    total REAL NOT NULL,
    region TEXT NOT NULL,
    canal TEXT NOT NULL
)""",
)
ACME_INDEXES = (
    "CREATE INDEX idx_ventas_fecha ON ventas (fecha)",
    "CREATE INDEX idx_ventas_region ON ventas (region)",
    "CREATE INDEX idx_ventas_producto ON ventas (producto)",
)

# --- globex vocabularies: deliberately disjoint from acme's, so a leak is visible ---------------

GLOBEX_CANARY = "GLOBEX-CANARY-7731"
GLOBEX_PAISES = ("Alemania", "Francia", "Japón", "Canadá", "Brasil")
GLOBEX_ESTADOS = ("Pendiente", "Enviado", "Entregado", "Cancelado")
GLOBEX_PRODUCTOS: tuple[tuple[str, float], ...] = (
    ("Widget Alfa", 12.5),
    ("Widget Beta", 18.0),
    ("Gizmo Gamma", 45.0),
    ("Sprocket Delta", 7.25),
    ("Gadget Omega", 120.0),
    ("Flux Capacitor Mini", 310.0),
)
GLOBEX_CLIENTES = (
    "Initech",
    "Umbrella Corp",
    "Soylent Industries",
    "Hooli",
    "Vandelay Industries",
    "Stark Logistics",
    "Wonka Foods",
    "Tyrell Systems",
)
GLOBEX_PROVEEDORES = (
    (GLOBEX_CANARY, "Alemania"),
    ("Cyberdyne Supplies", "Japón"),
    ("Acmeless Parts", "Canadá"),
    ("Oceanic Metals", "Brasil"),
    ("Blue Sun Components", "Francia"),
)
GLOBEX_DDL = (
    """CREATE TABLE proveedores (
    proveedor_id INTEGER PRIMARY KEY,
    nombre TEXT NOT NULL,
    pais TEXT NOT NULL
)""",
    """CREATE TABLE pedidos (
    pedido_id INTEGER PRIMARY KEY,
    fecha DATE NOT NULL,
    cliente TEXT NOT NULL,
    pais TEXT NOT NULL,
    producto TEXT NOT NULL,
    cantidad INTEGER NOT NULL,
    importe REAL NOT NULL,
    estado TEXT NOT NULL,
    proveedor_id INTEGER REFERENCES proveedores (proveedor_id)
)""",
)
GLOBEX_INDEXES = ("CREATE INDEX idx_pedidos_fecha ON pedidos (fecha)",)

# --- name material for fake people, companies and places --------------------------------------

_NOMBRES = (
    "Lucía", "Mateo", "Sofía", "Hugo", "Martina", "Leo", "Valeria", "Daniel", "Paula", "Pablo",
    "Carmen", "Javier", "Elena", "Diego", "Irene", "Álvaro", "Marta", "Sergio", "Laura", "Andrés",
    "Noelia", "Raúl", "Claudia", "Tomás", "Inés", "Gonzalo", "Beatriz", "Rubén", "Alba", "Iván",
)  # fmt: skip
_APELLIDOS = (
    "García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez",
    "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez",
    "Romero", "Alonso", "Gutiérrez", "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos",
    "Gil", "Ramírez", "Serrano", "Blanco", "Molina",
)  # fmt: skip
_PREFIJOS_EMPRESA = (
    "Grupo", "Distribuciones", "Comercial", "Servicios", "Tecnologías", "Consultora",
    "Talleres", "Suministros",
)  # fmt: skip
_CALLES = (
    "Calle Mayor", "Avenida de la Constitución", "Calle del Prado", "Paseo de la Castellana",
    "Calle Real", "Avenida del Puerto", "Calle de Alcalá", "Plaza de España", "Calle Nueva",
    "Ronda de Poniente", "Calle San Fernando", "Avenida de América",
)  # fmt: skip
CIUDADES_POR_REGION: dict[str, tuple[str, ...]] = {
    "Norte": ("Bilbao", "Santander", "Oviedo", "San Sebastián", "Pamplona"),
    "Sur": ("Sevilla", "Málaga", "Granada", "Córdoba", "Cádiz"),
    "Este": ("Valencia", "Barcelona", "Alicante", "Murcia", "Castellón"),
    "Oeste": ("Badajoz", "Cáceres", "Salamanca", "Vigo", "A Coruña"),
}

# Relative sales volume per month (Jan..Dec): the year-end peak and the February trough are
# what "visible seasonality" means for the demo questions.
_PESO_MES = (0.9, 0.65, 0.95, 1.0, 1.0, 1.05, 0.95, 0.85, 1.0, 1.1, 1.45, 1.7)
# Mon..Sun: weekends sell less (B2B heavy business).
_PESO_DIA_SEMANA = (1.05, 1.0, 1.0, 1.05, 1.1, 0.75, 0.6)
_CRECIMIENTO_ANUAL = {2024: 1.0, 2025: 1.12}
# Popularity per product, aligned with PRODUCTOS: cheap accessories sell more often.
_PESO_PRODUCTO = (6, 8, 6, 5, 14, 10, 8, 10, 6, 10, 9, 4)
_PESO_CANAL = (45, 35, 20)
# Discount mix: most sales carry none; distributors negotiate more.
_PESO_DESCUENTO = (60, 14, 12, 7, 5, 2)
_PESO_DESCUENTO_DISTRIBUIDOR = (25, 15, 20, 18, 14, 8)
# Upper bound on units per line by segment, and how often each segment buys.
_MAX_UNIDADES = {"Empresa": 25, "Pyme": 8, "Consumidor": 3}
_FRECUENCIA_SEGMENTO = {"Empresa": 1.6, "Pyme": 1.2, "Consumidor": 1.0}


@dataclass(frozen=True)
class _Cliente:
    cliente_id: int
    region: str
    segmento: str


# --- public entry points ----------------------------------------------------------------------


def generate_empresa(
    path: str | Path,
    *,
    rows: int = 20_000,
    seed: int = 42,
    progress: Progress | None = None,
) -> dict:
    """Write the `acme` demo source (productos, clientes, empleados, ventas) to `path`.

    `rows` is the number of `ventas` rows. The file is built beside `path` and renamed into place,
    so readers never see a half-written database. `progress(done, total)` is called after every
    batch of `ventas`. Returns `{"path", "seed", "tables": {name: rows}, "seconds"}`.
    """
    _check_rows(rows)
    started = time.perf_counter()
    rng = random.Random(seed)
    productos = _productos_rows(rng)
    clientes = _clientes_rows(rng)
    empleados = _empleados_rows(rng)
    with _bulk_database(path) as conn:
        for ddl in ACME_DDL:
            conn.execute(ddl)
        conn.executemany("INSERT INTO productos VALUES (?, ?, ?, ?, ?, ?)", productos)
        conn.executemany("INSERT INTO clientes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", clientes)
        conn.executemany("INSERT INTO empleados VALUES (?, ?, ?, ?, ?, ?, ?, ?)", empleados)
        batches = _ventas_batches(rng, rows, productos, clientes, empleados)
        _insert_batches(conn, "ventas", 13, batches, rows, progress)
        counts = _finish(conn, ACME_INDEXES, ("productos", "clientes", "empleados", "ventas"))
    return _summary(path, seed, counts, started)


def generate_globex(
    path: str | Path,
    *,
    rows: int = 2_000,
    seed: int = 42,
    progress: Progress | None = None,
) -> dict:
    """Write the `globex` demo source (proveedores, pedidos) to `path`.

    Its schema and vocabulary share nothing with acme's, and one proveedor is named
    `GLOBEX_CANARY`, so any cross-tenant leak shows up in an answer. `rows` is the number of
    `pedidos`. Same atomic write, progress and summary as `generate_empresa`.
    """
    _check_rows(rows)
    started = time.perf_counter()
    rng = random.Random(seed)
    proveedores = [(i, nombre, pais) for i, (nombre, pais) in enumerate(GLOBEX_PROVEEDORES, 1)]
    with _bulk_database(path) as conn:
        for ddl in GLOBEX_DDL:
            conn.execute(ddl)
        conn.executemany("INSERT INTO proveedores VALUES (?, ?, ?)", proveedores)
        batches = _pedidos_batches(rng, rows, len(proveedores))
        _insert_batches(conn, "pedidos", 9, batches, rows, progress)
        counts = _finish(conn, GLOBEX_INDEXES, ("proveedores", "pedidos"))
    return _summary(path, seed, counts, started)


# --- file handling ----------------------------------------------------------------------------


def _check_rows(rows: int) -> None:
    if rows < 0:
        raise ValueError(f"rows must be >= 0, got {rows}")


@contextmanager
def _bulk_database(path: str | Path) -> Iterator[sqlite3.Connection]:
    """A connection to a fresh temp file beside `path`, tuned for one bulk load, renamed on success.

    The pragmas trade crash safety for speed, which is safe here: only the temp file is at risk
    (removed on any exception; a killed process leaves at most a stray dot-file), and the previous
    database at `path` stays untouched until the final rename.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Unique per process and thread, so concurrent seeds never write into each other's file.
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("PRAGMA cache_size=-65536")  # 64 MiB: speeds up the index builds
        conn.execute("BEGIN")
        yield conn
        conn.execute("COMMIT")
        conn.close()
        os.replace(tmp, target)
    except BaseException:
        conn.close()
        tmp.unlink(missing_ok=True)
        raise


def _insert_batches(
    conn: sqlite3.Connection,
    table: str,
    ncols: int,
    batches: Iterator[list[tuple]],
    total: int,
    progress: Progress | None,
) -> None:
    sql = f"INSERT INTO {table} VALUES ({', '.join('?' * ncols)})"
    done = 0
    if progress:
        progress(0, total)
    for batch in batches:
        conn.executemany(sql, batch)
        done += len(batch)
        if progress:
            progress(done, total)


def _finish(
    conn: sqlite3.Connection, indexes: Sequence[str], tables: Sequence[str]
) -> dict[str, int]:
    """Build indexes after the load (one sorted pass instead of per-row upkeep) and count rows."""
    for ddl in indexes:
        conn.execute(ddl)
    # Cheap sampled statistics so the planner picks the indexes on large files.
    conn.execute("PRAGMA analysis_limit=1000")
    conn.execute("ANALYZE")
    return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


def _summary(path: str | Path, seed: int, counts: dict[str, int], started: float) -> dict:
    return {
        "path": str(path),
        "seed": seed,
        "tables": counts,
        "seconds": round(time.perf_counter() - started, 3),
    }


# --- acme dimension tables --------------------------------------------------------------------


def _productos_rows(rng: random.Random) -> list[tuple]:
    rows = []
    for producto_id, (nombre, categoria, precio) in enumerate(PRODUCTOS, 1):
        costo = round(precio * rng.uniform(0.45, 0.70), 2)
        rows.append((producto_id, nombre, categoria, precio, costo, 1))
    return rows


def _slug(text: str) -> str:
    """ASCII, lower-case, dot-separated: for fake e-mail addresses."""
    return ".".join(part for part in fold(text).replace(".", " ").split() if part)


def _persona(rng: random.Random) -> str:
    return f"{rng.choice(_NOMBRES)} {rng.choice(_APELLIDOS)} {rng.choice(_APELLIDOS)}"


def _empresa(rng: random.Random, segmento: str) -> str:
    forma = "S.A." if segmento == "Empresa" else "S.L."
    return f"{rng.choice(_PREFIJOS_EMPRESA)} {rng.choice(_APELLIDOS)} {forma}"


def _unique(used: set[str], make: Callable[[], str]) -> str:
    """Draw names until one is new; `used` only answers membership, so order never matters."""
    while True:
        name = make()
        if name not in used:
            used.add(name)
            return name


def _email_cliente(nombre: str, cliente_id: int) -> str:
    # The id keeps addresses unique even when two clients share a surname-based company name.
    base = nombre.removesuffix(" S.A.").removesuffix(" S.L.")
    return f"{_slug(base)}.{cliente_id}@example.com"


def _telefono(rng: random.Random) -> str:
    return f"+34 6{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)}"


def _fecha_aleatoria(rng: random.Random, desde: date, hasta: date) -> str:
    return (desde + timedelta(days=rng.randint(0, (hasta - desde).days))).isoformat()


def _clientes_rows(rng: random.Random) -> list[tuple]:
    """120 clients, regions in rotation (balanced); the first 12 cover every region x segment."""
    combos = [(r, s) for r in REGIONES for s in SEGMENTOS]
    used: set[str] = set()
    rows = []
    for cliente_id in range(1, 121):
        if cliente_id <= len(combos):
            region, segmento = combos[cliente_id - 1]
        else:
            region, segmento = REGIONES[(cliente_id - 1) % len(REGIONES)], rng.choice(SEGMENTOS)
        if segmento == "Consumidor":
            nombre = _unique(used, lambda: _persona(rng))
        else:
            nombre = _unique(used, lambda s=segmento: _empresa(rng, s))
        rows.append(
            (
                cliente_id,
                nombre,
                _email_cliente(nombre, cliente_id),
                _telefono(rng),
                f"{rng.choice(_CALLES)} {rng.randint(1, 180)}",
                rng.choice(CIUDADES_POR_REGION[region]),
                region,
                segmento,
                # Every client exists before the first sale (2024-01-01).
                _fecha_aleatoria(rng, date(2018, 1, 1), date(2023, 12, 31)),
            )
        )
    return rows


def _empleados_rows(rng: random.Random) -> list[tuple]:
    """20 employees: per region 3 Vendedor, 1 Gerente, 1 Soporte (every region can sell)."""
    salario = {
        "Vendedor": (28_000, 42_000),
        "Gerente": (60_000, 90_000),
        "Soporte": (25_000, 35_000),
    }
    plantilla = ("Vendedor", "Vendedor", "Vendedor", "Gerente", "Soporte")
    used: set[str] = set()
    rows = []
    for empleado_id, (region, cargo) in enumerate(((r, c) for r in REGIONES for c in plantilla), 1):
        nombre = _unique(used, lambda: _persona(rng))
        low, high = salario[cargo]
        rows.append(
            (
                empleado_id,
                nombre,
                f"{_slug(nombre)}@acme-retail.example.com",
                region,
                cargo,
                _fecha_aleatoria(rng, date(2012, 1, 1), date(2023, 12, 31)),
                float(rng.randrange(low, high, 100)),
                _cuenta_bancaria(rng),
            )
        )
    return rows


def _cuenta_bancaria(rng: random.Random) -> str:
    """IBAN-shaped but fake (check digits are random, so it fails IBAN validation)."""
    grupos = " ".join(f"{rng.randint(0, 9999):04d}" for _ in range(5))
    return f"ES{rng.randint(10, 99)} {grupos}"


# --- acme ventas ------------------------------------------------------------------------------


def _dias() -> list[date]:
    return [FECHA_INICIO + timedelta(days=i) for i in range((FECHA_FIN - FECHA_INICIO).days + 1)]


def _ventas_por_dia(rng: random.Random, rows: int, dias: Sequence[date]) -> list[int]:
    """Split `rows` over the days by seasonal weight, exactly (largest-remainder rounding)."""
    pesos = [
        _PESO_MES[d.month - 1]
        * _PESO_DIA_SEMANA[d.weekday()]
        * _CRECIMIENTO_ANUAL[d.year]
        * rng.uniform(0.85, 1.15)
        for d in dias
    ]
    escala = rows / sum(pesos)
    exactos = [p * escala for p in pesos]
    cuentas = [int(x) for x in exactos]
    faltan = rows - sum(cuentas)
    # Ties broken by day index: a total order, so the split never depends on sort stability.
    orden = sorted(range(len(dias)), key=lambda i: (cuentas[i] - exactos[i], i))
    for i in orden[:faltan]:
        cuentas[i] += 1
    return cuentas


def _fechas(rng: random.Random, rows: int) -> Iterator[str]:
    """ISO dates in ascending order, so venta_id grows with fecha as in a real ledger."""
    dias = _dias()
    cuentas = _ventas_por_dia(rng, rows, dias)
    return itertools.chain.from_iterable(
        itertools.repeat(d.isoformat(), n) for d, n in zip(dias, cuentas, strict=True)
    )


def _cumulative(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def _ventas_batches(
    rng: random.Random,
    rows: int,
    productos: Sequence[tuple],
    clientes: Sequence[tuple],
    empleados: Sequence[tuple],
) -> Iterator[list[tuple]]:
    """Yield `ventas` rows in lists of BATCH_SIZE; random draws are made per batch (fast)."""
    fechas = _fechas(rng, rows)
    # Per client: (id, region, max units, sellers of that region) so the row loop only indexes.
    vendedores = {
        r: [e[0] for e in empleados if e[3] == r and e[4] == "Vendedor"] for r in REGIONES
    }
    perfil = [(c[0], c[6], _MAX_UNIDADES[c[7]], vendedores[c[6]]) for c in clientes]
    cw_cliente = _cumulative([_FRECUENCIA_SEGMENTO[c[7]] for c in clientes])
    cw_producto = _cumulative(_PESO_PRODUCTO)
    cw_canal = _cumulative(_PESO_CANAL)
    cw_desc = _cumulative(_PESO_DESCUENTO)
    cw_desc_dist = _cumulative(_PESO_DESCUENTO_DISTRIBUIDOR)
    n_clientes, n_productos = range(len(perfil)), range(len(productos))
    venta_id = 1
    while venta_id <= rows:
        k = min(BATCH_SIZE, rows - venta_id + 1)
        draws = zip(
            itertools.islice(fechas, k),
            rng.choices(n_clientes, cum_weights=cw_cliente, k=k),
            rng.choices(n_productos, cum_weights=cw_producto, k=k),
            rng.choices(CANALES, cum_weights=cw_canal, k=k),
            rng.choices(DESCUENTOS, cum_weights=cw_desc, k=k),
            rng.choices(DESCUENTOS, cum_weights=cw_desc_dist, k=k),
            [rng.random() for _ in range(k)],
            [rng.random() for _ in range(k)],
            strict=True,
        )
        batch = []
        for fecha, ci, pi, canal, d_std, d_dist, u_cant, u_vend in draws:
            cliente_id, region, max_uds, vends = perfil[ci]
            producto_id, nombre, categoria, precio = productos[pi][:4]
            # Squaring skews toward small orders; the segment sets the ceiling.
            cantidad = 1 + int(u_cant * u_cant * max_uds)
            descuento = d_dist if canal == "Distribuidor" else d_std
            total = round(cantidad * precio * (1 - descuento), 2)
            batch.append(
                (
                    venta_id,
                    fecha,
                    cliente_id,
                    producto_id,
                    vends[int(u_vend * len(vends))],
                    nombre,
                    categoria,
                    cantidad,
                    precio,
                    descuento,
                    total,
                    region,
                    canal,
                )
            )
            venta_id += 1
        yield batch


# --- globex pedidos ---------------------------------------------------------------------------


def _pedidos_batches(rng: random.Random, rows: int, n_proveedores: int) -> Iterator[list[tuple]]:
    """Yield `pedidos` rows in lists of BATCH_SIZE, dated across 2024-2025 in ascending order."""
    fechas = _fechas(rng, rows)
    cw_estado = _cumulative((10, 15, 70, 5))
    pedido_id = 1
    while pedido_id <= rows:
        k = min(BATCH_SIZE, rows - pedido_id + 1)
        batch = []
        for fecha, estado in zip(
            itertools.islice(fechas, k),
            rng.choices(GLOBEX_ESTADOS, cum_weights=cw_estado, k=k),
            strict=True,
        ):
            producto, precio = rng.choice(GLOBEX_PRODUCTOS)
            cantidad = rng.randint(1, 40)
            batch.append(
                (
                    pedido_id,
                    fecha,
                    rng.choice(GLOBEX_CLIENTES),
                    rng.choice(GLOBEX_PAISES),
                    producto,
                    cantidad,
                    round(cantidad * precio, 2),
                    estado,
                    rng.randint(1, n_proveedores),
                )
            )
            pedido_id += 1
        yield batch
