"""MariaDB (and MySQL): a read-only transaction, `max_statement_time`, `KILL QUERY`, roles.

- Connect with the source's own user (PyMySQL, no multi-statements, no LOCAL INFILE), pin the
  session's `sql_mode` to the lexing the guard assumes, then `SET SESSION max_statement_time`
  (MySQL: `max_execution_time`) to the policy's timeout,
  `SET SESSION TRANSACTION READ ONLY` and `START TRANSACTION READ ONLY`: a write fails with
  ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION even for a user that could write.
- The query is read through an unbuffered (server-side) cursor, batch by batch; the transaction
  is always rolled back.
- App-side deadline: a watchdog opens a second connection and sends `KILL QUERY <thread id>`
  (a user may kill its own threads), which is also how `cancel()` stops a query.
- Per-role enforcement (`create_readonly_role`): one database role per access policy
  (`dc_<org>_<role>`) with SELECT on the allowed tables, only the unmasked columns of a table
  with masks; the login user holds no privilege of its own and is granted every policy role;
  the executor `SET ROLE`s to the caller's role before the transaction. MariaDB has no
  row-level security: row filters are the guard's alone (the rewritten SQL carries them).
- Locations: `mysql://user[:password]@host[:port]/database`, host in DATACHAT_SOURCE_HOSTS
  (`knowledge/locations.py`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from urllib.parse import unquote, urlsplit

from sqlglot.dialects.mysql import MySQL

from ..errors import SqlRefusal
from ..functions import MARIADB_FUNCTIONS
from ..policy import DataPolicy
from .base import CatalogReader, Dialect, OpenQuery, SourceConnection, seconds_text


class MariaDB(MySQL):
    """sqlglot's MySQL dialect under the engine's own kind, so `read="mariadb"` parses anywhere
    a data source's kind is handed to sqlglot (defining the class registers it)."""


CONNECT_TIMEOUT_S = 5
CANCEL_GRACE_S = 1.0
_TIMEOUT_CODES = {1969, 1317, 3024, 1028}  # max_statement_time, KILL QUERY, MySQL's, sort abort
_READ_ONLY_CODES = {1792, 1290, 1227, 1045, 1044}
# Messages of these errors quote a row value: keep only the code.
_VALUE_CODES = {1292, 1366, 1265, 1264, 1406, 1411, 1525, 1690, 1367, 1918}
_IDENT_RE = re.compile(r"[a-z_][a-z0-9_]{0,62}\Z")
# The lexing the guard assumes (sqlglot's MySQL): backslash escapes in strings, "…" a string,
# || an OR. A server configured with NO_BACKSLASH_ESCAPES or ANSI_QUOTES would read the same
# text differently, so every session pins its own mode.
SQL_MODE = "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"


def connect_args(dsn: str) -> dict:
    """PyMySQL keyword arguments from a checked `mysql://` URL."""
    parts = urlsplit(dsn)
    if parts.scheme.lower() not in MariaDBDialect.url_schemes:
        raise ValueError("a MariaDB source needs a mysql:// URL")
    return {
        "host": parts.hostname or "",
        "port": parts.port or 3306,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "database": unquote(parts.path.lstrip("/")),
        "connect_timeout": CONNECT_TIMEOUT_S,
        "charset": "utf8mb4",
        "autocommit": False,
        "local_infile": False,
    }


def _ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _literal(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL in a literal")
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _code(error: BaseException) -> int:
    args = getattr(error, "args", ())
    return int(args[0]) if args and isinstance(args[0], int) else 0


def _message(error: BaseException) -> str:
    args = getattr(error, "args", ())
    return str(args[1]) if len(args) > 1 else ""


def refusal(error: BaseException, policy: DataPolicy, lang: str) -> SqlRefusal:
    code, message = _code(error), _message(error)
    if code in _TIMEOUT_CODES:
        return SqlRefusal("timeout", lang=lang, seconds=seconds_text(policy), detail=str(code))
    if code in _READ_ONLY_CODES:
        what = "esta sentencia" if lang == "es" else "this statement"
        return SqlRefusal("sql_not_read_only", lang=lang, what=what, detail=str(code))
    if code == 1142:  # SELECT command denied to user … for table `db`.`x`
        match = re.search(r"for table (\S+)", message)
        name = match.group(1).replace("`", "").replace("'", "").split(".")[-1] if match else "?"
        return SqlRefusal("table_not_allowed", lang=lang, table=name, detail=str(code))
    if code == 1143:  # … for column `c` in table `t`
        match = re.search(r"for column [`']?([^`'\s]+)[`']? in table [`']?([^`'\s]+)", message)
        name = f"{match.group(2)}.{match.group(1)}" if match else "?"
        return SqlRefusal("column_not_allowed", lang=lang, column=name, detail=str(code))
    if code == 1370:  # execute command denied … for routine
        return SqlRefusal("function_not_allowed", lang=lang, function="?", detail=str(code))
    if code in _VALUE_CODES:
        return SqlRefusal("execution_error", lang=lang, detail=f"data exception {code}")
    return SqlRefusal("execution_error", lang=lang, detail=f"{code} {message}"[:300])


def kill_query(args: dict, thread_id: int, *, only_running: bool = False) -> bool:
    """`KILL QUERY <thread_id>` from a new connection with `args` (a user may kill its own
    threads). With `only_running`, only while that thread of the same user still runs a
    statement (a thread id outlives nothing: after a server restart it names someone else's)."""
    import pymysql

    killer = pymysql.connect(**{**args, "connect_timeout": 2})
    try:
        with killer.cursor() as cur:
            if only_running:
                cur.execute(
                    "SELECT COUNT(*) FROM information_schema.processlist WHERE id = %s "
                    "AND user = SUBSTRING_INDEX(CURRENT_USER(), '@', 1) AND command = 'Query'",
                    (int(thread_id),),
                )
                if not cur.fetchone()[0]:
                    return False
            cur.execute(f"KILL QUERY {int(thread_id)}")
        return True
    finally:
        killer.close()


def _policy_role(source: SourceConnection, policy: DataPolicy, lang: str) -> str | None:
    if not source.pg_role_org:
        return None
    from ..pg_roles import policy_role_name

    try:
        return policy_role_name(source.pg_role_org, policy.role, source.pg_role_prefix)
    except ValueError:
        raise SqlRefusal("not_authorized", lang=lang, detail="bad database role") from None


class _MariaDBQuery(OpenQuery):
    def __init__(self, query, source: SourceConnection, *, lang: str, seconds: float) -> None:
        import pymysql
        import pymysql.cursors

        super().__init__()
        policy = query.policy
        self.policy, self.lang = policy, lang
        self._cursor = None
        self._conn = None
        if not source.dsn:
            raise SqlRefusal("execution_error", lang=lang, detail="no DSN")
        self._args = connect_args(source.dsn)
        database = self._args.pop("database")
        try:
            # No database at connect time: a login whose privileges all come from a policy
            # role may not select it before `SET ROLE`.
            self._conn = pymysql.connect(**self._args)
        except pymysql.Error:
            raise SqlRefusal("execution_error", lang=lang, detail="cannot connect") from None
        self.thread_id = self._conn.thread_id()
        self.start_watchdog(seconds + CANCEL_GRACE_S)
        self.session_started(self.thread_id)
        role = _policy_role(source, policy, lang)
        try:
            with self._conn.cursor() as setup:
                setup.execute("SET SESSION sql_mode = %s", (SQL_MODE,))
                setup.execute("SELECT VERSION()")
                mariadb = "mariadb" in str(setup.fetchone()[0]).lower()
                if mariadb:
                    setup.execute(
                        "SET SESSION max_statement_time = %s", (policy.timeout_ms / 1000,)
                    )
                else:  # MySQL: milliseconds, SELECT only (all we run)
                    setup.execute("SET SESSION max_execution_time = %s", (int(policy.timeout_ms),))
                if role is not None:
                    try:
                        setup.execute(f"SET ROLE {_ident(role)}")
                    except pymysql.Error as error:
                        raise SqlRefusal(
                            "not_authorized",
                            lang=lang,
                            detail=f"database role {role} unusable {_code(error)}",
                        ) from None
                try:
                    setup.execute(f"USE {_ident(database)}")
                except pymysql.Error as error:
                    raise SqlRefusal(
                        "not_authorized", lang=lang, detail=f"database unusable {_code(error)}"
                    ) from None
                setup.execute("SET SESSION TRANSACTION READ ONLY")
                setup.execute("START TRANSACTION READ ONLY")
            self._cursor = self._conn.cursor(pymysql.cursors.SSCursor)
            self._cursor.execute(query.sql)  # no arguments: no client-side % interpolation
        except pymysql.Error as error:
            self.close()
            raise refusal(error, policy, lang) from None
        except BaseException:
            self.close()
            raise
        self.columns = tuple(d[0] for d in self._cursor.description or ())

    def fetchmany(self, size: int) -> list[tuple]:
        import pymysql

        try:
            return list(self._cursor.fetchmany(size))
        except pymysql.Error as error:
            raise refusal(error, self.policy, self.lang) from None

    def cancel(self) -> None:
        """`KILL QUERY` this connection's thread from a second connection (same user)."""
        if self._conn is None:
            return
        with contextlib.suppress(Exception):
            kill_query(self._args, self.thread_id)

    def close(self) -> None:
        self.stop_watchdog()
        conn, self._conn = self._conn, None
        if conn is None:
            return
        cursor, self._cursor = self._cursor, None
        if cursor is not None:
            with contextlib.suppress(Exception):
                cursor.close()  # an unbuffered cursor drains what is left first
        with contextlib.suppress(Exception):
            conn.rollback()
        with contextlib.suppress(Exception):
            conn.close()


_TYPES = {
    "int": "INTEGER",
    "integer": "INTEGER",
    "bigint": "INTEGER",
    "smallint": "INTEGER",
    "mediumint": "INTEGER",
    "tinyint": "INTEGER",
    "double": "REAL",
    "float": "REAL",
    "real": "REAL",
    "decimal": "NUMERIC",
    "numeric": "NUMERIC",
    "text": "TEXT",
    "varchar": "TEXT",
    "char": "TEXT",
    "tinytext": "TEXT",
    "mediumtext": "TEXT",
    "longtext": "TEXT",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "timestamp": "TIMESTAMP",
    "boolean": "BOOLEAN",
}


class _MariaDBCatalog(CatalogReader):
    def __init__(self, cur) -> None:
        self.cur = cur

    def tables(self):
        cur = self.cur
        cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() "
            "AND table_type IN ('BASE TABLE', 'VIEW') ORDER BY table_name"
        )
        names = [r[0] for r in cur.fetchall()]
        found = []
        for name in names:
            cur.execute(
                "SELECT column_name, data_type, column_key FROM information_schema.columns "
                "WHERE table_schema = DATABASE() AND table_name = %s ORDER BY ordinal_position",
                (name,),
            )
            found.append(
                (
                    name,
                    [
                        (
                            col,
                            declared,
                            _TYPES.get(declared.lower(), declared.upper()),
                            key == "PRI",
                        )
                        for col, declared, key in cur.fetchall()
                    ],
                )
            )
        return found

    def foreign_keys(self):
        self.cur.execute(
            "SELECT table_name, column_name, referenced_table_name, referenced_column_name "
            "FROM information_schema.key_column_usage WHERE table_schema = DATABASE() "
            "AND referenced_table_name IS NOT NULL ORDER BY 1, 2"
        )
        return [tuple(row) for row in self.cur.fetchall()]

    def values(self, table: str, column: str, limit: int, *, distinct: bool) -> list:
        c, t = _ident(column), _ident(table)
        group = f" GROUP BY {c}" if distinct else ""
        self.cur.execute(f"SELECT {c} FROM {t} WHERE {c} IS NOT NULL{group} LIMIT %s", (limit,))
        return [r[0] for r in self.cur.fetchall()]

    def count(self, table: str) -> int:
        self.cur.execute(f"SELECT COUNT(*) FROM {_ident(table)}")
        return int(self.cur.fetchone()[0])

    def table_count(self) -> int:
        self.cur.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE()"
        )
        return int(self.cur.fetchone()[0])

    def ping(self) -> None:
        self.cur.execute("SELECT 1")
        self.cur.fetchone()


def readonly_user_sql(
    user: str,
    database: str,
    tables: Iterable[str],
    columns: dict[str, Iterable[str]] | None = None,
    *,
    host: str = "%",
) -> list[str]:
    """Statements (run by an administrator) creating a least-privilege, read-only query user:
    SELECT on the listed tables of `database` only, or only the listed columns of a table that
    `columns` names (leave masked columns out). Set the password separately."""
    if not _IDENT_RE.match(user):
        raise ValueError("user must be a lower-case SQL identifier")
    columns = columns or {}
    account = f"{_literal(user)}@{_literal(host)}"
    statements = [
        f"CREATE USER IF NOT EXISTS {account}",
        f"REVOKE ALL PRIVILEGES, GRANT OPTION FROM {account}",
        f"ALTER USER {account} WITH MAX_USER_CONNECTIONS 10",
    ]
    for table in sorted(set(tables)):
        target = f"{_ident(database)}.{_ident(table)}"
        if table in columns:
            cols = sorted(set(columns[table]))
            if cols:
                col_list = ", ".join(_ident(c) for c in cols)
                statements.append(f"GRANT SELECT ({col_list}) ON {target} TO {account}")
        else:
            statements.append(f"GRANT SELECT ON {target} TO {account}")
    return statements


def policy_roles_sql(
    *,
    org_slug: str,
    login_role: str,
    grants: Iterable,
    all_tables: Iterable[str] = (),
    roles: Iterable[str] = (),
    create_login: bool = False,
    prefix: str = "dc_",
    database: str = "",
    login_host: str = "%",
) -> list[str]:
    """Statements creating or syncing one MariaDB role per policy of the org (idempotent):
    SELECT on the allowed tables of `database` (only the unmasked columns of a table with
    masks), each granted to the login user, which keeps no privilege of its own."""
    from ..pg_roles import policy_role_name

    if not _IDENT_RE.match(login_role):
        raise ValueError("the login role must be a lower-case SQL identifier")
    if not database:
        raise ValueError("the source's URL names no database")
    grants = list(grants)
    login = f"{_literal(login_role)}@{_literal(login_host)}"
    statements: list[str] = []
    if create_login:
        statements += [
            f"CREATE USER IF NOT EXISTS {login}",
            f"REVOKE ALL PRIVILEGES, GRANT OPTION FROM {login}",
            f"ALTER USER {login} WITH MAX_USER_CONNECTIONS 20",
        ]
    names = {g.role: policy_role_name(org_slug, g.role, prefix) for g in grants}
    others = [r for r in dict.fromkeys(roles) if r not in names]
    every = [*names.values(), *(policy_role_name(org_slug, r, prefix) for r in others)]
    for name in every:
        statements += [
            f"CREATE ROLE IF NOT EXISTS {_ident(name)}",
            f"REVOKE ALL PRIVILEGES, GRANT OPTION FROM {_ident(name)}",
            f"GRANT {_ident(name)} TO {login}",
        ]
    db = _ident(database)
    for grant in grants:
        role = _ident(names[grant.role])
        for table, cols in grant.tables:
            target = f"{db}.{_ident(table)}"
            if cols is None:
                statements.append(f"GRANT SELECT ON {target} TO {role}")
            elif cols:
                col_list = ", ".join(_ident(c) for c in cols)
                statements.append(f"GRANT SELECT ({col_list}) ON {target} TO {role}")
    return statements


class MariaDBDialect(Dialect):
    kind = "mariadb"
    aliases = ("mysql",)
    label = "MariaDB"
    sqlglot_name = "mariadb"
    default_schema = ""  # the URL's database; a query names no schema
    fold_identifiers = False
    nulls_sort_high = False
    functions = MARIADB_FUNCTIONS
    server = True
    url_schemes = ("mysql", "mariadb")
    supports_roles = True

    @property
    def driver_errors(self):  # noqa: ANN201 - the driver is imported lazily
        import pymysql

        return (pymysql.Error, OSError)

    def cancel_backend(self, source: SourceConnection, backend_id: int) -> bool:
        """`KILL QUERY` on that thread, only while the source's own user still runs a statement
        there; False when the server refuses or nothing runs."""
        import pymysql

        if not source.dsn:
            return False
        args = connect_args(source.dsn)
        args.pop("database")  # a login holding only policy roles may not select it
        try:
            return kill_query(args, backend_id, only_running=True)
        except pymysql.Error:
            return False

    def open(self, query, source: SourceConnection, *, lang: str, seconds: float) -> OpenQuery:
        return _MariaDBQuery(query, source, lang=lang, seconds=seconds)

    @contextlib.contextmanager
    def catalog_reader(
        self, source: SourceConnection, *, timeout_s: float | None = None
    ) -> Iterator[CatalogReader]:
        import pymysql

        conn = pymysql.connect(**connect_args(source.dsn or ""))
        try:
            with conn.cursor() as cur:
                if timeout_s is not None:
                    cur.execute("SET SESSION max_statement_time = %s", [max(0.001, timeout_s)])
                cur.execute("SET SESSION TRANSACTION READ ONLY")
                cur.execute("START TRANSACTION READ ONLY")
                yield _MariaDBCatalog(cur)
        finally:
            with contextlib.suppress(Exception):
                conn.rollback()
            conn.close()

    def policy_roles_sql(self, **kwargs) -> list[str]:  # noqa: ANN003
        return policy_roles_sql(**kwargs)

    def database_of(self, dsn: str) -> str:
        return connect_args(dsn)["database"]

    def apply_admin_statements(self, dsn: str, statements: list[str], login_role: str) -> dict:
        """Run the statements one by one (MariaDB commits DDL and GRANTs implicitly)."""
        import pymysql

        conn = pymysql.connect(**{**connect_args(dsn), "autocommit": True})
        try:
            with conn.cursor() as cur:
                # The statements name the login as `'user'@'%'`; an existing login defined for
                # other hosts only (root@localhost) gets the grants on each of its accounts.
                cur.execute(
                    "SELECT Host FROM mysql.user WHERE User = %s AND is_role = 'N'", (login_role,)
                )
                hosts = [row[0] for row in cur.fetchall()]
                account = f"{_literal(login_role)}@{_literal('%')}"
                if hosts and "%" not in hosts:
                    statements = [
                        statement.replace(account, f"{_literal(login_role)}@{_literal(host)}")
                        for statement in statements
                        for host in (hosts if account in statement else hosts[:1])
                    ]
                for statement in statements:
                    cur.execute(statement)
                cur.execute(
                    "SELECT Super_priv, Select_priv FROM mysql.user WHERE User = %s",
                    (login_role,),
                )
                rows = cur.fetchall()
        finally:
            conn.close()
        if not rows:
            return {}
        # Global SELECT means the login reads every table on its own: SET ROLE only adds.
        return {
            "superuser": any("Y" in (r[0], r[1]) for r in rows),
            "inherits": False,
            "bypass_rls": False,
        }

    def admin_error(self, error: BaseException) -> str | None:
        import pymysql

        if not isinstance(error, pymysql.Error):
            return None
        return f"{_code(error)} {_message(error)}".strip()[:300]

    def login_user(self, dsn: str) -> str:
        try:
            return connect_args(dsn)["user"]
        except ValueError:
            return ""
