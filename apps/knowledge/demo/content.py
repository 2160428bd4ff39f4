"""The knowledge the demo seed indexes for each tenant, as plain frozen data.

Column and table metadata are the single source: the table documents are rendered from them, so a
column cannot be missing from its document, and vocabularies come from `generate`, so the documented
allowed values are the generated ones. The SQL (metric expressions, verified examples) is SQLite,
the dialect of the demo sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from apps.knowledge.demo import generate as g
from apps.knowledge.engine.catalog import ColumnInfo, ForeignKeyInfo, MetricDef

DocumentKind = Literal["TABLE", "METRIC", "GLOSSARY", "NOTE"]


@dataclass(frozen=True)
class DemoDocument:
    """A knowledge document; `table` names the table it describes, "" when it is not about one."""

    title: str
    kind: DocumentKind
    table: str
    body: str


@dataclass(frozen=True)
class DemoMetric:
    """A business metric: `expression` is SQL over `table` (plus `join` when it needs another)."""

    name: str
    expression: str
    table: str
    synonyms_es: tuple[str, ...]
    synonyms_en: tuple[str, ...]
    description: str
    join: str = ""  # e.g. "JOIN productos ON productos.producto_id = ventas.producto_id"

    @property
    def synonyms(self) -> tuple[str, ...]:
        return self.synonyms_es + self.synonyms_en

    def query(self) -> str:
        """A complete SELECT computing the metric over the whole table (for docs and checks)."""
        joined = f" {self.join}" if self.join else ""
        return f"SELECT {self.expression} AS valor FROM {self.table}{joined}"

    def as_metric_def(self) -> MetricDef:
        return MetricDef(
            name=self.name,
            expression=self.expression,
            table=self.table,
            synonyms=self.synonyms,
            description=self.description,
        )


@dataclass(frozen=True)
class DemoExample:
    """A verified question -> SQL pair (SQLite dialect)."""

    question: str
    sql: str
    language: Literal["es", "en"]
    tables: tuple[str, ...]


@dataclass(frozen=True)
class ColumnMeta:
    """Catalog metadata for one column; `values` lists a categorical column's allowed values."""

    table: str
    column: str
    type: str  # declared SQLite type, as in the generated schema
    description: str
    synonyms_es: tuple[str, ...] = ()
    synonyms_en: tuple[str, ...] = ()
    pii: bool = False
    values: tuple[str, ...] | None = None
    unit: str = ""  # "USD" for money columns
    primary_key: bool = False

    @property
    def synonyms(self) -> tuple[str, ...]:
        return self.synonyms_es + self.synonyms_en

    def as_column_info(self) -> ColumnInfo:
        return ColumnInfo(
            name=self.column,
            type=self.type,
            primary_key=self.primary_key,
            pii=self.pii,
            description=self.description,
            synonyms=self.synonyms,
            values=self.values,
            currency=self.unit,  # the demo's one unit is a currency (USD)
        )


@dataclass(frozen=True)
class TableMeta:
    name: str
    description: str
    synonyms_es: tuple[str, ...] = ()
    synonyms_en: tuple[str, ...] = ()

    @property
    def synonyms(self) -> tuple[str, ...]:
        return self.synonyms_es + self.synonyms_en


@dataclass(frozen=True)
class DemoContent:
    """Everything the seed indexes for one org."""

    documents: tuple[DemoDocument, ...]
    metrics: tuple[DemoMetric, ...]
    examples: tuple[DemoExample, ...]
    column_meta: tuple[ColumnMeta, ...]
    table_meta: tuple[TableMeta, ...]
    foreign_keys: tuple[ForeignKeyInfo, ...] = ()

    def columns_of(self, table: str) -> tuple[ColumnMeta, ...]:
        return tuple(c for c in self.column_meta if c.table == table)

    def column(self, table: str, column: str) -> ColumnMeta | None:
        for meta in self.column_meta:
            if meta.table == table and meta.column == column:
                return meta
        return None

    def pii_columns(self) -> frozenset[tuple[str, str]]:
        return frozenset((c.table, c.column) for c in self.column_meta if c.pii)


# --- acme: tables -----------------------------------------------------------------------------

_PRODUCTOS = tuple(nombre for nombre, _cat, _precio in g.PRODUCTOS)
_CIUDADES = tuple(c for r in g.REGIONES for c in g.CIUDADES_POR_REGION[r])
_PRICE_LIST = "; ".join(f"{n} ({c}, {p:g} USD)" for n, c, p in g.PRODUCTOS)

ACME_TABLES = (
    TableMeta(
        "productos",
        "Catálogo de productos que vende ACME Retail: nombre, categoría, precio de lista y costo "
        "unitario en USD. Una fila por producto (12 productos).",
        ("artículos", "catálogo", "productos"),
        ("products", "items", "catalog"),
    ),
    TableMeta(
        "clientes",
        "Clientes de ACME Retail (empresas, pymes y consumidores finales) con sus datos de "
        "contacto, ciudad, región y segmento. Una fila por cliente.",
        ("compradores", "cuentas"),
        ("customers", "clients", "accounts"),
    ),
    TableMeta(
        "empleados",
        "Empleados de ACME Retail: región, cargo, fecha de ingreso, salario anual en USD y cuenta "
        "bancaria. Contiene datos personales y salariales: acceso restringido.",
        ("personal", "plantilla", "vendedores"),
        ("employees", "staff", "sales reps"),
    ),
    TableMeta(
        "ventas",
        "Hechos de venta: una fila por línea de venta, con fecha, cliente, producto, empleado, "
        "cantidad, precio unitario, descuento, total cobrado en USD, región y canal. Es la tabla "
        "base de todas las métricas comerciales (ingresos, unidades, ticket promedio, margen).",
        ("transacciones", "pedidos", "facturación", "operaciones"),
        ("sales", "transactions", "orders", "revenue"),
    ),
)

_REGION_DESC = "Región comercial"
ACME_COLUMNS = (
    # productos
    ColumnMeta("productos", "producto_id", "INTEGER", "Identificador único del producto.",
               ("id de producto",), ("product id",), primary_key=True),
    ColumnMeta("productos", "nombre", "TEXT",
               f"Nombre del producto. Precios de lista: {_PRICE_LIST}.",
               ("producto", "artículo"), ("product name", "product", "item"), values=_PRODUCTOS),
    ColumnMeta("productos", "categoria", "TEXT", "Categoría del producto.",
               ("categoría", "familia", "línea"), ("category", "product line"),
               values=g.CATEGORIAS),
    ColumnMeta("productos", "precio_lista", "REAL", "Precio de lista por unidad, en USD.",
               ("precio", "precio de lista", "pvp"), ("list price", "price"), unit="USD"),
    ColumnMeta("productos", "costo_unitario", "REAL",
               "Costo de una unidad para ACME, en USD; se usa para el margen bruto.",
               ("costo", "coste", "coste unitario"), ("unit cost", "cost", "cogs"), unit="USD"),
    ColumnMeta("productos", "activo", "INTEGER",
               "1 si el producto está a la venta, 0 si está descatalogado.",
               ("vigente", "disponible"), ("active", "enabled")),
    # clientes
    ColumnMeta("clientes", "cliente_id", "INTEGER", "Identificador único del cliente.",
               ("id de cliente",), ("customer id",), primary_key=True),
    ColumnMeta("clientes", "nombre", "TEXT",
               "Nombre del cliente: razón social (Empresa, Pyme) o nombre de la persona "
               "(Consumidor).", ("cliente", "razón social"), ("customer name", "customer")),
    ColumnMeta("clientes", "email", "TEXT", "Correo electrónico de contacto (dato personal).",
               ("correo", "correo electrónico"), ("email", "e-mail"), pii=True),
    ColumnMeta("clientes", "telefono", "TEXT", "Teléfono de contacto (dato personal).",
               ("teléfono", "móvil"), ("phone", "phone number"), pii=True),
    ColumnMeta("clientes", "direccion", "TEXT", "Dirección postal (dato personal).",
               ("dirección", "domicilio"), ("address", "street address"), pii=True),
    ColumnMeta("clientes", "ciudad", "TEXT", "Ciudad del cliente; pertenece a su región.",
               ("localidad", "municipio"), ("city", "town"), values=_CIUDADES),
    ColumnMeta("clientes", "region", "TEXT", f"{_REGION_DESC} a la que pertenece el cliente.",
               ("región", "zona"), ("region", "area", "territory"), values=g.REGIONES),
    ColumnMeta("clientes", "segmento", "TEXT",
               "Segmento de cliente: Empresa (gran cuenta), Pyme (pequeña y mediana empresa) o "
               "Consumidor (persona).", ("tipo de cliente", "segmento"),
               ("segment", "customer segment", "customer type"), values=g.SEGMENTOS),
    ColumnMeta("clientes", "fecha_alta", "DATE",
               "Fecha en que el cliente se dio de alta (texto ISO 'YYYY-MM-DD').",
               ("alta", "fecha de registro", "cliente desde"),
               ("signup date", "customer since", "created")),
    # empleados
    ColumnMeta("empleados", "empleado_id", "INTEGER", "Identificador único del empleado.",
               ("id de empleado",), ("employee id",), primary_key=True),
    ColumnMeta("empleados", "nombre", "TEXT", "Nombre completo del empleado.",
               ("empleado", "vendedor", "comercial"), ("employee name", "employee", "sales rep")),
    ColumnMeta("empleados", "email", "TEXT", "Correo corporativo del empleado (dato personal).",
               ("correo",), ("email", "e-mail"), pii=True),
    ColumnMeta("empleados", "region", "TEXT", f"{_REGION_DESC} en la que trabaja el empleado.",
               ("región", "zona"), ("region", "territory"), values=g.REGIONES),
    ColumnMeta("empleados", "cargo", "TEXT", "Puesto del empleado.",
               ("puesto", "rol"), ("job title", "role", "position"), values=g.CARGOS),
    ColumnMeta("empleados", "fecha_ingreso", "DATE",
               "Fecha de contratación (texto ISO 'YYYY-MM-DD').",
               ("fecha de contratación", "antigüedad"), ("hire date", "start date")),
    ColumnMeta("empleados", "salario", "REAL", "Salario bruto anual en USD (dato sensible).",
               ("sueldo", "remuneración"), ("salary", "annual salary", "pay"), pii=True,
               unit="USD"),
    ColumnMeta("empleados", "cuenta_bancaria", "TEXT",
               "Cuenta bancaria para la nómina, formato IBAN (dato sensible).",
               ("iban", "cuenta"), ("bank account", "iban"), pii=True),
    # ventas
    ColumnMeta("ventas", "venta_id", "INTEGER", "Identificador único de la línea de venta.",
               ("id de venta", "número de venta"), ("sale id", "order id"), primary_key=True),
    ColumnMeta("ventas", "fecha", "DATE",
               "Día de la venta, texto ISO 'YYYY-MM-DD', entre 2024-01-01 y 2025-12-31. Para mes o "
               "año use strftime('%Y-%m', fecha) o strftime('%Y', fecha).",
               ("día", "fecha de venta", "periodo", "mes", "año"),
               ("date", "sale date", "day", "month", "year")),
    ColumnMeta("ventas", "cliente_id", "INTEGER",
               "Cliente que compra; une con clientes.cliente_id.",
               ("cliente",), ("customer id", "customer")),
    ColumnMeta("ventas", "producto_id", "INTEGER",
               "Producto vendido; une con productos.producto_id.", ("id de producto",),
               ("product id",)),
    ColumnMeta("ventas", "empleado_id", "INTEGER",
               "Empleado (vendedor) que hizo la venta; une con empleados.empleado_id.",
               ("vendedor", "comercial"), ("employee id", "sales rep")),
    ColumnMeta("ventas", "producto", "TEXT",
               "Nombre del producto vendido (copia de productos.nombre: no hace falta unir para "
               "agrupar por producto).", ("artículo", "nombre del producto"),
               ("product", "item", "product name"), values=_PRODUCTOS),
    ColumnMeta("ventas", "categoria", "TEXT",
               "Categoría del producto vendido (copia de productos.categoria).",
               ("categoría", "familia", "línea"), ("category", "product line"),
               values=g.CATEGORIAS),
    ColumnMeta("ventas", "cantidad", "INTEGER", "Unidades vendidas en la línea.",
               ("unidades", "cantidad vendida"), ("quantity", "units", "qty")),
    ColumnMeta("ventas", "precio_unitario", "REAL",
               "Precio por unidad aplicado, en USD (antes de descuento).",
               ("precio", "precio de venta"), ("unit price", "price"), unit="USD"),
    ColumnMeta("ventas", "descuento", "REAL",
               "Descuento aplicado como fracción entre 0 y 0.3 (0.1 = 10 %); valores usados: "
               "0, 0.05, 0.1, 0.15, 0.2, 0.3.", ("rebaja", "bonificación"),
               ("discount", "discount rate")),
    ColumnMeta("ventas", "total", "REAL",
               "Importe cobrado en USD: ROUND(cantidad * precio_unitario * (1 - descuento), 2). "
               "Es la base de ingresos / revenue.",
               ("ingresos", "importe", "facturación", "monto", "venta"),
               ("revenue", "amount", "sales amount", "total"), unit="USD"),
    ColumnMeta("ventas", "region", "TEXT",
               f"{_REGION_DESC} de la venta (la del cliente). Filtro de seguridad por filas.",
               ("región", "zona"), ("region", "area", "territory"), values=g.REGIONES),
    ColumnMeta("ventas", "canal", "TEXT",
               "Canal de venta: Online (web), Tienda (punto de venta físico) o Distribuidor "
               "(venta a través de mayoristas).", ("canal de venta", "vía"),
               ("channel", "sales channel"), values=g.CANALES),
)  # fmt: skip

ACME_FOREIGN_KEYS = (
    ForeignKeyInfo("ventas", "cliente_id", "clientes", "cliente_id"),
    ForeignKeyInfo("ventas", "producto_id", "productos", "producto_id"),
    ForeignKeyInfo("ventas", "empleado_id", "empleados", "empleado_id"),
)

# --- acme: metrics (docs/demo-data.md: fixed) -----------------------------------------------

_JOIN_PRODUCTOS = "JOIN productos ON productos.producto_id = ventas.producto_id"

ACME_METRICS = (
    DemoMetric(
        "Revenue Total",
        "SUM(ventas.total)",
        "ventas",
        ("ingresos", "facturación", "ventas totales"),
        ("revenue", "sales"),
        "Ingresos totales en USD: suma del importe cobrado (ventas.total, ya con descuento).",
    ),
    DemoMetric(
        "Número de ventas",
        "COUNT(*)",
        "ventas",
        ("transacciones", "pedidos"),
        ("number of sales", "orders"),
        "Cantidad de líneas de venta (filas de ventas) en el periodo.",
    ),
    DemoMetric(
        "Unidades vendidas",
        "SUM(ventas.cantidad)",
        "ventas",
        ("unidades", "cantidad vendida"),
        ("units sold",),
        "Total de unidades vendidas: suma de ventas.cantidad.",
    ),
    DemoMetric(
        "Ticket promedio",
        "AVG(ventas.total)",
        "ventas",
        ("valor medio por venta",),
        ("average order value", "AOV"),
        "Importe medio por venta en USD: promedio de ventas.total.",
    ),
    DemoMetric(
        "Margen bruto",
        "SUM(ventas.total - ventas.cantidad * productos.costo_unitario)",
        "ventas",
        ("margen", "ganancia"),
        ("gross margin", "profit"),
        "Ganancia bruta en USD: ingresos menos costo de lo vendido. Necesita unir productos "
        f"para el costo unitario: {_JOIN_PRODUCTOS}.",
        join=_JOIN_PRODUCTOS,
    ),
    DemoMetric(
        "Clientes activos",
        "COUNT(DISTINCT ventas.cliente_id)",
        "ventas",
        ("clientes compradores",),
        ("active customers",),
        "Número de clientes distintos con al menos una venta en el periodo.",
    ),
    DemoMetric(
        "Descuento promedio",
        "AVG(ventas.descuento)",
        "ventas",
        ("descuento medio",),
        ("average discount",),
        "Descuento medio aplicado, como fracción (0.1 = 10 %): promedio de ventas.descuento.",
    ),
)

# --- acme: verified examples ------------------------------------------------------------------

ACME_EXAMPLES = (
    DemoExample(
        "¿Cuál es el total de ventas por región?",
        "SELECT region, ROUND(SUM(total), 2) AS ingresos\nFROM ventas\nGROUP BY region\n"
        "ORDER BY ingresos DESC",
        "es",
        ("ventas",),
    ),
    DemoExample(
        "Top 5 products by revenue",
        "SELECT producto, ROUND(SUM(total), 2) AS revenue\nFROM ventas\nGROUP BY producto\n"
        "ORDER BY revenue DESC\nLIMIT 5",
        "en",
        ("ventas",),
    ),
    DemoExample(
        "Ingresos mensuales en 2025",
        "SELECT strftime('%Y-%m', fecha) AS mes, ROUND(SUM(total), 2) AS ingresos\nFROM ventas\n"
        "WHERE fecha BETWEEN '2025-01-01' AND '2025-12-31'\nGROUP BY mes\nORDER BY mes",
        "es",
        ("ventas",),
    ),
    DemoExample(
        "Average order value by sales channel",
        "SELECT canal, ROUND(AVG(total), 2) AS average_order_value\nFROM ventas\n"
        "GROUP BY canal\nORDER BY average_order_value DESC",
        "en",
        ("ventas",),
    ),
    DemoExample(
        "Margen bruto por categoría de producto",
        "SELECT v.categoria, ROUND(SUM(v.total - v.cantidad * p.costo_unitario), 2) AS "
        "margen_bruto\nFROM ventas v\nJOIN productos p ON p.producto_id = v.producto_id\n"
        "GROUP BY v.categoria\nORDER BY margen_bruto DESC",
        "es",
        ("ventas", "productos"),
    ),
    DemoExample(
        "How many active customers did each segment have in 2024?",
        "SELECT c.segmento, COUNT(DISTINCT v.cliente_id) AS active_customers\nFROM ventas v\n"
        "JOIN clientes c ON c.cliente_id = v.cliente_id\n"
        "WHERE v.fecha BETWEEN '2024-01-01' AND '2024-12-31'\nGROUP BY c.segmento\n"
        "ORDER BY active_customers DESC",
        "en",
        ("ventas", "clientes"),
    ),
    DemoExample(
        "Unidades vendidas por producto en la región Norte",
        "SELECT producto, SUM(cantidad) AS unidades\nFROM ventas\nWHERE region = 'Norte'\n"
        "GROUP BY producto\nORDER BY unidades DESC",
        "es",
        ("ventas",),
    ),
    DemoExample(
        "Average discount by channel",
        "SELECT canal, ROUND(AVG(descuento), 4) AS average_discount\nFROM ventas\n"
        "GROUP BY canal\nORDER BY average_discount DESC",
        "en",
        ("ventas",),
    ),
    DemoExample(
        "¿Cuántas ventas y qué ingresos hubo cada año?",
        "SELECT strftime('%Y', fecha) AS anio, COUNT(*) AS numero_ventas, "
        "ROUND(SUM(total), 2) AS ingresos\nFROM ventas\nGROUP BY anio\nORDER BY anio",
        "es",
        ("ventas",),
    ),
    DemoExample(
        "Top 10 customers by revenue",
        "SELECT c.nombre, c.segmento, ROUND(SUM(v.total), 2) AS revenue\nFROM ventas v\n"
        "JOIN clientes c ON c.cliente_id = v.cliente_id\nGROUP BY c.cliente_id, c.nombre, "
        "c.segmento\nORDER BY revenue DESC\nLIMIT 10",
        "en",
        ("ventas", "clientes"),
    ),
)

# --- acme: glossary and notes -----------------------------------------------------------------

ACME_GLOSSARY = """Glosario de negocio de ACME Retail (términos en español y su equivalente en \
inglés).

- Región (region): zona comercial; valores Norte, Sur, Este, Oeste. Columna ventas.region (también \
clientes.region y empleados.region).
- Canal (channel, sales channel): vía por la que se vende; valores Online, Tienda (tienda física, \
store), Distribuidor (distributor, mayorista). Columna ventas.canal.
- Segmento (segment): tipo de cliente; valores Empresa (enterprise), Pyme (SMB, small business), \
Consumidor (consumer). Columna clientes.segmento; para ventas por segmento hay que unir clientes.
- Categoría (category): familia de producto; valores Electrónica, Accesorios, Software.
- Ingresos / facturación / ventas (revenue, sales): SUM(ventas.total), en USD.
- Ticket promedio (average order value, AOV): AVG(ventas.total).
- Margen bruto / margen / ganancia (gross margin, profit): ingresos menos costo, \
SUM(ventas.total - ventas.cantidad * productos.costo_unitario); requiere unir productos.
- Descuento (discount): fracción rebajada del precio, entre 0 y 0.3; 0.15 significa 15 %.
- Unidades (units, quantity): SUM(ventas.cantidad).
- Cliente activo (active customer): cliente con al menos una venta en el periodo.
- Precio de lista (list price): productos.precio_lista; precio unitario (unit price): \
ventas.precio_unitario.
- Moneda (currency): todos los importes están en dólares estadounidenses (USD).
"""

ACME_NOTE = """Convenciones para consultar la base de ACME Retail (SQLite).

- Las fechas son texto ISO 'YYYY-MM-DD' (fecha, fecha_alta, fecha_ingreso). Los datos de ventas \
van del 2024-01-01 al 2025-12-31.
- Mes: strftime('%Y-%m', fecha); año: strftime('%Y', fecha); trimestre: \
(CAST(strftime('%m', fecha) AS INTEGER) + 2) / 3. Para filtrar un periodo use rangos: \
fecha BETWEEN '2025-01-01' AND '2025-12-31'.
- ventas.producto y ventas.categoria repiten el nombre y la categoría del producto: para agrupar \
por producto no hace falta unir productos; sí para costo_unitario o precio_lista.
- Importes (precio_lista, costo_unitario, precio_unitario, total, salario) en USD.
- Las ventas tienen estacionalidad: más ventas en noviembre y diciembre, menos en febrero.
"""


def _table_document(
    table: TableMeta, columns: tuple[ColumnMeta, ...], fks: tuple[ForeignKeyInfo, ...]
) -> DemoDocument:
    lines = [f"Tabla `{table.name}` ({', '.join(table.synonyms)}).", table.description, ""]
    lines.append("Columnas:")
    lines.extend(_column_line(c) for c in columns)
    joins = [fk for fk in fks if table.name in (fk.table, fk.ref_table)]
    if joins:
        lines += ["", "Relaciones (joins por clave foránea):"]
        lines.extend(
            f"- {fk.table}.{fk.column} → {fk.ref_table}.{fk.ref_column}: JOIN {fk.ref_table} ON "
            f"{fk.ref_table}.{fk.ref_column} = {fk.table}.{fk.column}"
            for fk in joins
        )
    if any(c.unit == "USD" for c in columns):
        lines += ["", "Los importes de esta tabla están en dólares estadounidenses (USD)."]
    return DemoDocument(f"Tabla {table.name}", "TABLE", table.name, "\n".join(lines))


def _column_line(c: ColumnMeta) -> str:
    tags = [c.type]
    if c.primary_key:
        tags.append("clave primaria")
    if c.unit:
        tags.append(c.unit)
    if c.pii:
        tags.append("dato personal / PII")
    line = f"- {c.column} ({', '.join(tags)}): {c.description}"
    if c.synonyms:
        line += f" Sinónimos: {', '.join(c.synonyms)}."
    if c.values:
        line += f" Valores permitidos: {', '.join(c.values)}."
    return line


def _metric_document(metric: DemoMetric) -> DemoDocument:
    body = (
        f"Métrica «{metric.name}».\n{metric.description}\n"
        f"Sinónimos (es): {', '.join(metric.synonyms_es)}.\n"
        f"Synonyms (en): {', '.join(metric.synonyms_en)}.\n"
        f"Definición SQL: {metric.expression} sobre la tabla {metric.table}.\n"
        f"Consulta: {metric.query()}"
    )
    return DemoDocument(f"Métrica: {metric.name}", "METRIC", metric.table, body)


def _content(
    tables: tuple[TableMeta, ...],
    columns: tuple[ColumnMeta, ...],
    fks: tuple[ForeignKeyInfo, ...],
    metrics: tuple[DemoMetric, ...],
    examples: tuple[DemoExample, ...],
    extra_docs: tuple[DemoDocument, ...],
) -> DemoContent:
    docs = tuple(
        _table_document(t, tuple(c for c in columns if c.table == t.name), fks) for t in tables
    )
    docs += tuple(_metric_document(m) for m in metrics) + extra_docs
    return DemoContent(docs, metrics, examples, columns, tables, fks)


def acme_content() -> DemoContent:
    """Knowledge for org `acme`: table docs, the seven contract metrics, glossary, note, examples.

    Pure data: callers (the seed command) turn it into documents, metrics and catalog metadata.
    """
    return _content(
        ACME_TABLES,
        ACME_COLUMNS,
        ACME_FOREIGN_KEYS,
        ACME_METRICS,
        ACME_EXAMPLES,
        (
            DemoDocument("Glosario de negocio", "GLOSSARY", "", ACME_GLOSSARY),
            DemoDocument("Convenciones de consulta", "NOTE", "", ACME_NOTE),
        ),
    )


# --- globex -----------------------------------------------------------------------------------

_GLOBEX_PRODUCTOS = tuple(nombre for nombre, _precio in g.GLOBEX_PRODUCTOS)
_GLOBEX_PROVEEDORES = tuple(nombre for nombre, _pais in g.GLOBEX_PROVEEDORES)

GLOBEX_TABLES = (
    TableMeta(
        "proveedores",
        "Proveedores de Globex Corp y su país. El proveedor de referencia para auditoría es "
        f"{g.GLOBEX_CANARY}.",
        ("suministradores",),
        ("suppliers", "vendors"),
    ),
    TableMeta(
        "pedidos",
        "Pedidos de Globex Corp: una fila por pedido, con fecha, cliente, país, producto, "
        "cantidad, importe en USD, estado y proveedor.",
        ("órdenes", "encargos"),
        ("orders", "purchase orders"),
    ),
)

GLOBEX_COLUMNS = (
    ColumnMeta("proveedores", "proveedor_id", "INTEGER", "Identificador único del proveedor.",
               ("id de proveedor",), ("supplier id",), primary_key=True),
    ColumnMeta("proveedores", "nombre", "TEXT", "Nombre del proveedor.",
               ("proveedor",), ("supplier name", "vendor"), values=_GLOBEX_PROVEEDORES),
    ColumnMeta("proveedores", "pais", "TEXT", "País del proveedor.",
               ("país",), ("country",), values=g.GLOBEX_PAISES),
    ColumnMeta("pedidos", "pedido_id", "INTEGER", "Identificador único del pedido.",
               ("número de pedido",), ("order id",), primary_key=True),
    ColumnMeta("pedidos", "fecha", "DATE",
               "Fecha del pedido, texto ISO 'YYYY-MM-DD', entre 2024-01-01 y 2025-12-31.",
               ("día", "fecha del pedido"), ("order date", "date")),
    ColumnMeta("pedidos", "cliente", "TEXT", "Nombre de la empresa cliente.",
               ("comprador",), ("customer", "client"), values=g.GLOBEX_CLIENTES),
    ColumnMeta("pedidos", "pais", "TEXT", "País de destino del pedido.",
               ("país", "destino"), ("country", "destination"), values=g.GLOBEX_PAISES),
    ColumnMeta("pedidos", "producto", "TEXT", "Producto pedido.",
               ("artículo",), ("product", "item"), values=_GLOBEX_PRODUCTOS),
    ColumnMeta("pedidos", "cantidad", "INTEGER", "Unidades pedidas.",
               ("unidades",), ("quantity", "units")),
    ColumnMeta("pedidos", "importe", "REAL", "Importe del pedido en USD.",
               ("monto", "valor"), ("amount", "order value"), unit="USD"),
    ColumnMeta("pedidos", "estado", "TEXT", "Estado del pedido.",
               ("situación",), ("status", "order status"), values=g.GLOBEX_ESTADOS),
    ColumnMeta("pedidos", "proveedor_id", "INTEGER",
               "Proveedor que sirve el pedido; une con proveedores.proveedor_id.",
               ("proveedor",), ("supplier id",)),
)  # fmt: skip

GLOBEX_FOREIGN_KEYS = (ForeignKeyInfo("pedidos", "proveedor_id", "proveedores", "proveedor_id"),)

GLOBEX_METRICS = (
    DemoMetric(
        "Importe de pedidos",
        "SUM(pedidos.importe)",
        "pedidos",
        ("importe total", "valor de pedidos"),
        ("order amount", "order value"),
        "Suma del importe de los pedidos en USD.",
    ),
    DemoMetric(
        "Pedidos entregados",
        "SUM(CASE WHEN pedidos.estado = 'Entregado' THEN 1 ELSE 0 END)",
        "pedidos",
        ("entregas",),
        ("delivered orders",),
        "Número de pedidos en estado Entregado.",
    ),
)

GLOBEX_EXAMPLES = (
    DemoExample(
        "Importe de pedidos por país",
        "SELECT pais, ROUND(SUM(importe), 2) AS importe\nFROM pedidos\nGROUP BY pais\n"
        "ORDER BY importe DESC",
        "es",
        ("pedidos",),
    ),
    DemoExample(
        "Orders by status",
        "SELECT estado, COUNT(*) AS orders\nFROM pedidos\nGROUP BY estado\nORDER BY orders DESC",
        "en",
        ("pedidos",),
    ),
    DemoExample(
        "Importe por proveedor",
        "SELECT pr.nombre, ROUND(SUM(p.importe), 2) AS importe\nFROM pedidos p\n"
        "JOIN proveedores pr ON pr.proveedor_id = p.proveedor_id\nGROUP BY pr.nombre\n"
        "ORDER BY importe DESC",
        "es",
        ("pedidos", "proveedores"),
    ),
)

GLOBEX_GLOSSARY = """Glosario de Globex Corp.

- Pedido (order): una fila de pedidos.
- Estado (status): Pendiente (pending), Enviado (shipped), Entregado (delivered), Cancelado \
(cancelled).
- País (country): Alemania, Francia, Japón, Canadá, Brasil.
- Proveedor (supplier, vendor): tabla proveedores.
- Importe (amount): pedidos.importe, en USD.
"""


def globex_content() -> DemoContent:
    """Knowledge for org `globex`: its own tables, metrics, glossary, examples; no acme terms."""
    return _content(
        GLOBEX_TABLES,
        GLOBEX_COLUMNS,
        GLOBEX_FOREIGN_KEYS,
        GLOBEX_METRICS,
        GLOBEX_EXAMPLES,
        (DemoDocument("Glosario Globex", "GLOSSARY", "", GLOBEX_GLOSSARY),),
    )
