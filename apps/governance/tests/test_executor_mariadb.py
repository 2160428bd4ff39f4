"""The MariaDB engine layer against the real server (127.0.0.1:3306, root, empty password).

The same proofs as for SQLite and PostgreSQL: a scratch database of its own
(`datachat_guard_test_<pid>_<hex>`) gets the demo schema and rows; a least-privilege user built
by `mariadb.readonly_user_sql` (SELECT on the ANALYST tables, clientes without its masked
columns) runs the engine-alone attacks with the guard switched off; root shows the read-only
transaction holds by itself; the guard runs the whole attack corpus in the MariaDB dialect;
Appendix B runs; masks, caps, JSON values, streaming, cancel, introspection and the per-policy
roles are checked. Skipped with the reason shown when the server is unreachable, unless
DATACHAT_REQUIRE_SERVICES=1 (then it fails).
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import threading

import pytest
import sqlglot

from apps.governance.engine import executor
from apps.governance.engine.dialects import SourceConnection, get_dialect
from apps.governance.engine.dialects.mariadb import connect_args, readonly_user_sql
from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.executor import execute
from apps.governance.engine.guard import GuardedQuery, guard_sql
from apps.governance.engine.pg_roles import policy_role_name, role_grant
from apps.governance.engine.policy import MASK
from apps.governance.tests.running import RunningQuery

from .appendix import ACCEPTED, ALL_ATTACKS
from .conftest import (
    ADMIN,
    ANALYST,
    EMP_MARKER,
    MASKED,
    PII_MARKER,
    SCHEMA,
    VIEWER,
    demo_rows,
    services_required,
)

pymysql = pytest.importorskip("pymysql")

pytestmark = pytest.mark.services

ADMIN_URL = os.environ.get("DATACHAT_TEST_MARIADB_URL", "mysql://root@127.0.0.1:3306/test")
DDL = [
    "CREATE TABLE productos (producto_id INT PRIMARY KEY, nombre VARCHAR(191), "
    "categoria VARCHAR(191), precio_lista DOUBLE, costo_unitario DOUBLE, activo INT)",
    "CREATE TABLE clientes (cliente_id INT PRIMARY KEY, nombre VARCHAR(191), email TEXT, "
    "telefono TEXT, direccion TEXT, ciudad VARCHAR(191), region VARCHAR(191), "
    "segmento VARCHAR(191), fecha_alta DATE)",
    "CREATE TABLE empleados (empleado_id INT PRIMARY KEY, nombre VARCHAR(191), email TEXT, "
    "region VARCHAR(191), cargo VARCHAR(191), fecha_ingreso DATE, salario DOUBLE, "
    "cuenta_bancaria TEXT)",
    "CREATE TABLE ventas (venta_id INT PRIMARY KEY, fecha DATE, "
    "cliente_id INT REFERENCES clientes(cliente_id), "
    "producto_id INT REFERENCES productos(producto_id), "
    "empleado_id INT REFERENCES empleados(empleado_id), producto VARCHAR(191), "
    "categoria VARCHAR(191), cantidad INT, precio_unitario DOUBLE, descuento DOUBLE, "
    "total DECIMAL(12, 2), region VARCHAR(191), canal VARCHAR(191), "
    "FOREIGN KEY (cliente_id) REFERENCES clientes(cliente_id))",
]


def _connect(url: str, **extra):
    return pymysql.connect(**{**connect_args(url), "autocommit": True, **extra})


def _with_db(url: str, dbname: str) -> str:
    return url.rsplit("/", 1)[0] + f"/{dbname}"


def _server_available() -> str | None:
    try:
        _connect(ADMIN_URL, connect_timeout=3).close()
    except (pymysql.Error, OSError) as error:
        return f"MariaDB not reachable at {ADMIN_URL!r}: {type(error).__name__}"
    return None


@pytest.fixture(scope="module")
def maria():
    reason = _server_available()
    if reason:
        if services_required():
            pytest.fail(reason)
        pytest.skip(reason)
    tag = f"{os.getpid()}_{secrets.token_hex(3)}"
    dbname = f"datachat_guard_test_{tag}"
    user = f"dcro_{tag}"
    password = secrets.token_hex(12)
    admin = _connect(ADMIN_URL)
    try:
        with admin.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{dbname}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
            cur.execute(f"USE `{dbname}`")
            for ddl in DDL:
                cur.execute(ddl)
            for table in ("productos", "clientes", "empleados", "ventas"):
                rows = demo_rows()[table]
                marks = ", ".join(["%s"] * len(rows[0]))
                cur.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
            visible = {"clientes": [c for c in SCHEMA["clientes"] if ("clientes", c) not in MASKED]}
            for statement in readonly_user_sql(user, dbname, ANALYST.allowed_tables, visible):
                cur.execute(statement)
            cur.execute(f"ALTER USER '{user}'@'%' IDENTIFIED BY '{password}'")
        base = _with_db(ADMIN_URL, dbname)
        ro = base.replace("//root@", f"//{user}:{password}@")
        yield {"admin": base, "ro": ro, "dbname": dbname, "user": user}
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{dbname}`")
            cur.execute(f"DROP USER IF EXISTS '{user}'@'%'")
        admin.close()


def _src(url: str, **kwargs) -> SourceConnection:
    return SourceConnection(dialect="mariadb", dsn=url, **kwargs)


def _snapshot(maria) -> dict:
    conn = _connect(maria["admin"])
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW TABLES")
            tables = sorted(r[0] for r in cur.fetchall())
            counts = {}
            for table in tables:
                cur.execute(f"SELECT count(*) FROM `{table}`")
                counts[table] = cur.fetchone()[0]
            cur.execute("SELECT md5(group_concat(nombre ORDER BY cliente_id)) FROM clientes")
            names = cur.fetchone()[0]
            cur.execute(
                "SELECT sum(total), md5(group_concat(region ORDER BY venta_id)) FROM ventas"
            )
            ventas = cur.fetchone()
    finally:
        conn.close()
    return {"tables": tables, "counts": counts, "names": names, "ventas": ventas}


def _attack(sql: str, url: str, policy=ANALYST):
    query = GuardedQuery.unchecked_for_engine_tests(sql, "mariadb", policy)
    try:
        return execute(query, source=_src(url))
    except SqlRefusal as refusal:
        return refusal


# Engine alone (guard off), as the least-privilege user: the database refuses each.
ENGINE_ATTACKS = [
    ("M01", "DROP TABLE clientes"),
    ("M02", "DELETE FROM ventas"),
    ("M03", "UPDATE clientes SET nombre = 'pwned'"),
    ("M04", "INSERT INTO productos (producto_id) VALUES (999)"),
    ("M05", "CREATE TABLE t (a INT)"),
    ("M06", "CREATE TEMPORARY TABLE t AS SELECT * FROM ventas"),
    ("M07", "SELECT * FROM ventas INTO OUTFILE '/tmp/datachat_exfil.txt'"),
    ("M08", "SELECT * FROM empleados"),
    ("M09", "SELECT email FROM clientes"),
    ("M10", "SELECT User, Password FROM mysql.user"),
    ("M11", "SELECT 1; DROP TABLE clientes"),
    ("M12", "LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE clientes"),
    ("M13", "SET GLOBAL max_connections = 1"),
    ("M14", "CREATE USER evil IDENTIFIED BY 'x'"),
    ("M15", "LOCK TABLES ventas WRITE"),
    ("M16", "SELECT nombre FROM clientes UNION SELECT cuenta_bancaria FROM empleados"),
    ("M17", "WITH x AS (SELECT salario FROM empleados) SELECT * FROM x"),
    ("M18", "SELECT (SELECT cuenta_bancaria FROM empleados LIMIT 1) AS c"),
    ("M19", "DROP DATABASE test"),
    ("M20", "TRUNCATE TABLE ventas"),
    ("M21", "RENAME TABLE ventas TO v2"),
    ("M22", "CREATE VIEW v AS SELECT email FROM clientes"),
    ("M23", "SELECT c.nombre, c.telefono FROM clientes c"),
]
# The read-only transaction stops these by itself, even for root.
READ_ONLY_ATTACKS = [
    ("R01", "DELETE FROM ventas"),
    ("R02", "UPDATE clientes SET nombre = 'pwned'"),
    ("R03", "INSERT INTO productos (producto_id) VALUES (999)"),
    ("R04", "REPLACE INTO productos (producto_id) VALUES (1)"),
]
# Guard (the MariaDB dialect) on MariaDB's own tricks.
GUARD_ATTACKS = [
    ("G01", "SELECT SLEEP(10)"),
    ("G02", "SELECT BENCHMARK(100000000, MD5('x'))"),
    ("G03", "SELECT LOAD_FILE('/etc/passwd')"),
    ("G04", "SELECT * FROM mysql.user"),
    ("G05", "SELECT table_name FROM information_schema.tables"),
    ("G06", "SELECT @@version"),
    ("G07", "SELECT * FROM ventas INTO OUTFILE '/tmp/x'"),
    ("G08", "SELECT USER()"),
    ("G09", "SELECT extractvalue(1, concat(0x7e, version()))"),
    ("G10", "HANDLER ventas OPEN"),
    ("G11", "SET SESSION max_statement_time = 0"),
    ("G12", "SELECT GET_LOCK('datachat', 10)"),
    ("G13", "SELECT DATABASE()"),
    ("G14", "SELECT * FROM ventas FOR UPDATE"),
    ("G15", "DO SLEEP(5)"),
    ("G16", "SELECT REPEAT('x', 100000000)"),
    ("G17", "SELECT * FROM test.ventas"),
    ("G18", "SHOW GRANTS"),
]
# MariaDB runs the text of a `/*! … */` comment: the guard prints its own tree, never comments.
VERSIONED_COMMENT = (
    "SELECT nombre FROM clientes WHERE 1 = 1 /*! UNION SELECT cuenta_bancaria FROM empleados */"
)
# Appendix B shapes MariaDB cannot run (the server refuses them; nothing runs).
NOT_ON_MARIADB = {"B17": "no FILTER clause on aggregates"}


@pytest.mark.parametrize("attack", ENGINE_ATTACKS, ids=lambda a: a[0])
def test_engine_alone_as_least_privilege_user_refuses(attack, maria):
    before = _snapshot(maria)
    outcome = _attack(attack[1], maria["ro"])
    assert isinstance(outcome, SqlRefusal), f"{attack[0]} ran as the query user: {outcome}"
    for secret in (PII_MARKER, EMP_MARKER, "root:"):
        assert secret not in f"{outcome} {outcome.detail}"
    assert _snapshot(maria) == before


@pytest.mark.parametrize("attack", READ_ONLY_ATTACKS, ids=lambda a: a[0])
def test_read_only_transaction_holds_even_as_root(attack, maria):
    before = _snapshot(maria)
    outcome = _attack(attack[1], maria["admin"])
    assert isinstance(outcome, SqlRefusal), f"{attack[0]} ran as root: {outcome}"
    assert outcome.code == "sql_not_read_only"
    assert _snapshot(maria) == before


def test_load_file_reads_nothing_without_the_file_privilege(maria):
    result = _attack("SELECT LOAD_FILE('/etc/passwd') AS f", maria["ro"])
    assert not isinstance(result, SqlRefusal) and result.rows == [(None,)]


@pytest.mark.parametrize("attack", ALL_ATTACKS, ids=lambda a: a.id)
def test_guard_refuses_the_whole_corpus_in_the_mariadb_dialect(attack, maria):
    sql = attack.sql.replace("{tmp}", "/tmp").replace("{other}", "/tmp/globex.db")
    try:
        query = guard_sql(sql, dialect="mariadb", schema=SCHEMA, policy=ANALYST)
    except SqlRefusal:
        return
    # What passes is harmless by construction: masked, a plain read, or (A60k) a string literal
    # that MariaDB lexes exactly as the guard did.
    result = execute(query, source=_src(maria["ro"]))
    assert PII_MARKER not in str(result.rows) and EMP_MARKER not in str(result.rows)
    if attack.id == "A60k":
        assert result.rows == [("' , pg_sleep(10) --",)]
    else:
        assert "masked" in attack.codes or "ok" in attack.codes, attack.id


@pytest.mark.parametrize("attack", GUARD_ATTACKS, ids=lambda a: a[0])
def test_guard_refuses_mariadb_tricks(attack):
    with pytest.raises(SqlRefusal):
        guard_sql(attack[1], dialect="mariadb", schema=SCHEMA, policy=ANALYST)


def test_versioned_comments_never_reach_the_server(maria):
    query = guard_sql(VERSIONED_COMMENT, dialect="mariadb", schema=SCHEMA, policy=ANALYST)
    assert "/*" not in query.sql and "empleados" not in query.sql
    result = execute(query, source=_src(maria["ro"]))
    assert EMP_MARKER not in str(result.rows)


def test_guard_masks_quoted_identifiers_instead_of_reading_them(maria):
    query = guard_sql("SELECT `email` FROM `clientes`", dialect="mariadb", schema=SCHEMA,
                      policy=ANALYST)  # fmt: skip
    result = execute(query, source=_src(maria["ro"]))
    assert {row[0] for row in result.rows} == {MASK}


def test_statement_timeout_cancels_a_cartesian_product(maria):
    policy = dataclasses.replace(ANALYST, timeout_ms=800)
    sql = "SELECT count(*) FROM ventas a, ventas b, ventas c, ventas d, ventas e, ventas f"
    outcome = _attack(sql, maria["ro"], policy)
    assert isinstance(outcome, SqlRefusal) and outcome.code == "timeout"


def test_sleep_is_stopped_by_the_deadline(maria):
    outcome = _attack(
        "SELECT SLEEP(30) AS s", maria["admin"], dataclasses.replace(ANALYST, timeout_ms=700)
    )
    # MariaDB interrupts SLEEP (an error, or SLEEP's own 1 for "interrupted"): never 30 s of 0.
    assert isinstance(outcome, SqlRefusal) and outcome.code == "timeout" or outcome.rows == [(1,)]


def test_cancel_kills_the_running_query(maria):
    query = GuardedQuery.unchecked_for_engine_tests(
        "SELECT count(*) FROM ventas a, ventas b, ventas c, ventas d, ventas e, ventas f",
        "mariadb",
        dataclasses.replace(ANALYST, timeout_ms=60_000),
    )
    running = get_dialect("mariadb").open(query, _src(maria["ro"]), lang="en", seconds=60)
    try:
        threading.Timer(0.3, running.cancel).start()
        with pytest.raises(SqlRefusal) as refused:
            running.fetchmany(10)
        assert refused.value.code == "timeout"  # KILL QUERY: "query execution was interrupted"
    finally:
        running.close()


@pytest.mark.parametrize("case", ACCEPTED, ids=lambda c: c[0])
def test_appendix_b_runs_on_mariadb(case, maria):
    _id, sqlite_sql, _pg_sql = case
    sql = sqlglot.transpile(sqlite_sql, read="sqlite", write="mariadb")[0]
    query = guard_sql(sql, dialect="mariadb", schema=SCHEMA, policy=ANALYST)
    if _id in NOT_ON_MARIADB:
        with pytest.raises(SqlRefusal) as refused:
            execute(query, source=_src(maria["ro"]))
        assert refused.value.code == "execution_error", NOT_ON_MARIADB[_id]
        return
    result = execute(query, source=_src(maria["ro"]))
    assert result.columns
    assert PII_MARKER not in str(result.rows)


def test_masking_and_row_filters_on_mariadb(maria):
    query = guard_sql("SELECT * FROM clientes", dialect="mariadb", schema=SCHEMA, policy=ANALYST)
    result = execute(query, source=_src(maria["ro"]))
    index = result.columns.index("email")
    assert {row[index] for row in result.rows} == {MASK}
    viewer = guard_sql(
        "SELECT region, count(*) AS n FROM ventas GROUP BY region",
        dialect="mariadb",
        schema=SCHEMA,
        policy=VIEWER,
    )
    rows = execute(viewer, source=_src(maria["admin"])).rows
    expected = sum(1 for row in demo_rows()["ventas"] if row[11] == "Norte")
    assert rows == [("Norte", expected)]


def test_caps_and_json_values_on_mariadb(maria):
    policy = dataclasses.replace(ADMIN, row_cap=5, count_cap=20)
    query = guard_sql(
        "SELECT venta_id, fecha, total, descuento FROM ventas ORDER BY venta_id",
        dialect="mariadb",
        schema=SCHEMA,
        policy=policy,
    )
    result = execute(query, source=_src(maria["admin"]))
    assert len(result.rows) == 5 and result.row_count == 20 and result.count_capped
    first = demo_rows()["ventas"][0]
    # DECIMAL → float and DATE → ISO text, as from SQLite and PostgreSQL
    assert result.rows[0] == (first[0], first[1], first[10], first[9])
    assert all(isinstance(row[2], float) and isinstance(row[1], str) for row in result.rows)


def test_stream_reads_everything_in_batches_through_the_executor(maria):
    query = guard_sql(
        "SELECT venta_id FROM ventas ORDER BY venta_id", dialect="mariadb", schema=SCHEMA,
        policy=ANALYST,
    )  # fmt: skip
    stream = executor.stream(query, source=_src(maria["ro"]), limit=1000)
    assert stream.columns == ("venta_id",)
    assert [row[0] for row in stream] == [row[0] for row in demo_rows()["ventas"]]
    limited = executor.stream(query, source=_src(maria["ro"]), limit=7)
    assert len(list(limited)) == 7


def test_catalog_reader_reads_information_schema(maria):
    engine = get_dialect("mariadb")
    with engine.catalog_reader(_src(maria["admin"])) as reader:
        tables = dict(reader.tables())
        fks = reader.foreign_keys()
        regions = reader.values("ventas", "region", 10, distinct=True)
        count = reader.count("ventas")
        assert reader.table_count() == len(SCHEMA)
    assert set(tables) == set(SCHEMA)
    ventas = {name: (declared, kind, pk) for name, declared, kind, pk in tables["ventas"]}
    assert ventas["venta_id"] == ("int", "INTEGER", True)
    assert ventas["total"][1:] == ("NUMERIC", False) and ventas["fecha"][1] == "DATE"
    assert sorted(regions) == ["Este", "Norte", "Oeste", "Sur"]
    assert count == len(demo_rows()["ventas"])
    assert ("ventas", "cliente_id", "clientes", "cliente_id") in fks
    engine.probe(_src(maria["ro"]))


# --- one role per policy, enforced by MariaDB ---------------------------------------------


@pytest.fixture(scope="module")
def roles(maria):
    engine = get_dialect("mariadb")
    org = f"o{secrets.token_hex(3)}"
    login = f"dclogin_{secrets.token_hex(3)}"
    password = secrets.token_hex(12)
    columns = {table: list(cols) for table, cols in SCHEMA.items()}
    grants = [role_grant(policy, columns) for policy in (ANALYST, VIEWER)]
    statements = engine.policy_roles_sql(
        org_slug=org,
        login_role=login,
        grants=grants,
        all_tables=list(SCHEMA),
        roles=["ANALYST", "VIEWER", "ADMIN"],
        create_login=True,
        database=maria["dbname"],
    )
    facts = engine.apply_admin_statements(maria["admin"], statements, login)
    admin = _connect(maria["admin"])
    with admin.cursor() as cur:
        cur.execute(f"ALTER USER '{login}'@'%' IDENTIFIED BY '{password}'")
    url = maria["admin"].replace("//root@", f"//{login}:{password}@")
    try:
        yield {"org": org, "login": login, "url": url, "facts": facts, "statements": statements}
    finally:
        with admin.cursor() as cur:
            for role in ("ANALYST", "VIEWER", "ADMIN"):
                cur.execute(f"DROP ROLE IF EXISTS `{policy_role_name(org, role)}`")
            cur.execute(f"DROP USER IF EXISTS '{login}'@'%'")
        admin.close()


def test_policy_roles_are_least_privilege(roles):
    assert roles["facts"] == {"superuser": False, "inherits": False, "bypass_rls": False}
    analyst = [s for s in roles["statements"] if "ON `" in s and "acme" not in s]
    clientes = [
        s for s in analyst if "`clientes`" in s and policy_role_name(roles["org"], "ANALYST") in s
    ]
    assert clientes and "`nombre`" in clientes[0] and "`email`" not in clientes[0]


def test_login_reads_nothing_on_its_own(roles):
    outcome = _attack("SELECT count(*) FROM ventas", roles["url"])
    assert isinstance(outcome, SqlRefusal) and outcome.code == "not_authorized"


@pytest.mark.parametrize(
    "case",
    [
        ("ANALYST", "SELECT * FROM empleados", "table_not_allowed"),
        ("ANALYST", "SELECT email FROM clientes", "column_not_allowed"),
        ("VIEWER", "SELECT nombre FROM clientes", "table_not_allowed"),
        ("ADMIN", "SELECT count(*) FROM ventas", "not_authorized"),  # a role with no grant
    ],
    ids=lambda c: f"{c[0]}:{c[1][:30]}",
)
def test_the_database_refuses_what_the_policy_role_may_not_read(case, roles):
    role, sql, code = case
    policy = {"ANALYST": ANALYST, "VIEWER": VIEWER, "ADMIN": ADMIN}[role]
    query = GuardedQuery.unchecked_for_engine_tests(sql, "mariadb", policy)
    with pytest.raises(SqlRefusal) as refused:
        execute(query, source=_src(roles["url"], pg_role_org=roles["org"]))
    assert refused.value.code == code


def test_each_policy_role_reads_its_own_tables(roles):
    query = guard_sql("SELECT count(*) AS n FROM ventas", dialect="mariadb", schema=SCHEMA,
                      policy=ANALYST)  # fmt: skip
    result = execute(query, source=_src(roles["url"], pg_role_org=roles["org"]))
    assert result.rows == [(len(demo_rows()["ventas"]),)]


def test_a_role_without_a_database_role_is_refused(roles):
    policy = dataclasses.replace(ANALYST, role="DATA_SCIENTIST")
    query = guard_sql("SELECT 1 AS x", dialect="mariadb", schema=SCHEMA, policy=policy)
    with pytest.raises(SqlRefusal) as refused:
        execute(query, source=_src(roles["url"], pg_role_org=roles["org"]))
    assert refused.value.code == "not_authorized"


# --- the job seams: no cost estimate; KILL QUERY from another process ---------------------------


def test_mariadb_gives_no_cost_estimate(maria):
    query = guard_sql(
        "SELECT region, SUM(total) AS t FROM ventas GROUP BY region",
        dialect="mariadb",
        schema=SCHEMA,
        policy=ANALYST,
    )
    assert executor.plan_cost(query, source=_src(maria["ro"])) is None


def test_cancel_backend_kills_the_query_from_another_connection(maria):

    source = _src(maria["ro"])
    query = GuardedQuery.unchecked_for_engine_tests(
        "SELECT count(*) FROM ventas a, ventas b, ventas c, ventas d, ventas e, ventas f",
        "mariadb",
        dataclasses.replace(ANALYST, timeout_ms=60_000),
    )
    running = RunningQuery(query, source)
    thread_id = running.start()
    assert executor.cancel_backend(source, thread_id) is True  # the same user kills its own
    outcome = running.outcome_within(15)
    assert isinstance(outcome, SqlRefusal) and outcome.code == "timeout"
    # Nothing runs there any more, and an idle session of the same user is left alone.
    assert executor.cancel_backend(source, thread_id) is False
    idle = _connect(maria["ro"])
    try:
        assert executor.cancel_backend(source, idle.thread_id()) is False
        with idle.cursor() as cur:
            cur.execute("SELECT 1")
            assert cur.fetchone() == (1,)
    finally:
        idle.close()
