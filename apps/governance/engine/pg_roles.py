"""Each role's policy enforced by PostgreSQL itself: one NOLOGIN role per (org, role) policy.

The guard is one layer; this is the other one, as far as the database can carry it:

- a policy role (`dc_<org>_<role>`) may SELECT only its allowed tables and, on a table with
  masked columns, only the other columns (column privileges: the guard turns every masked
  column it lets through into the mask literal, so the rewritten SQL never names one);
- each row filter is a native row-level security policy for that role, keyed on a setting the
  executor writes per transaction (`datachat.attr.<name>` for a user attribute such as
  `{user.region}`, a quoted literal for a fixed value); a role with no filter on a table gets a
  permissive `USING (true)` policy, so enabling RLS for one role never hides rows from another;
- the login role the data source connects with inherits nothing (NOINHERIT): on its own it reads
  no table, so a query that somehow ran without `SET LOCAL ROLE` would fail closed.

Why a per-transaction setting is sound here (docs/threat-model.md §4, "GUC-keyed policies fall to
`set_config`"): the executor writes the settings with `set_config(…, true)` as the login role and
only then `SET LOCAL ROLE`s to the policy role. PUBLIC loses EXECUTE on `set_config` and on every
built-in that runs a string of SQL (`query_to_xml`, …); only the login role gets `set_config`
back, and the policy role is not a member of the login role. The query itself runs as a
server-side cursor (`DECLARE … CURSOR FOR`), which accepts one SELECT and nothing else, so `SET`,
`RESET`, `SET ROLE`, `RESET ROLE` and `SET SESSION AUTHORIZATION` cannot be written as
statements, and `set_config('role', …)` / `set_config('datachat.attr.…', …)` fail with
"permission denied for function set_config". A missing or emptied setting matches no row.

Everything here is plain data in, SQL text out (run by `create_readonly_role` or printed for a
DBA); identifiers are quoted, literals quoted with standard-conforming strings.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .policy import DataPolicy

ATTR_SETTING_PREFIX = "datachat.attr."
ROLE_PREFIX = "dc_"  # default; DATACHAT_PG_ROLE_PREFIX keeps installs sharing a cluster apart
_PREFIX_RE = re.compile(r"[a-z_][a-z0-9_]{0,15}\Z")
_MAX_IDENT = 63
_ATTR_RE = re.compile(r"[a-z_][a-z0-9_]{0,40}\Z")
_LOGIN_RE = re.compile(r"[a-z_][a-z0-9_]{0,62}\Z")
_ROLE_ATTRIBUTES = "NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION NOINHERIT"


# ---------------------------------------------------------------------------------------------
# Least-privilege PostgreSQL role

_ROLE_RE = re.compile(r"[a-z_][a-z0-9_]{0,62}\Z")

# Functions PUBLIC may execute by default that a query role never needs: sleeping, locking,
# signalling other backends, running SQL from strings, reading settings or files.
DANGEROUS_PG_FUNCTIONS = (
    "pg_sleep",
    "pg_sleep_for",
    "pg_sleep_until",
    "pg_terminate_backend",
    "pg_cancel_backend",
    "pg_advisory_lock",
    "pg_advisory_lock_shared",
    "pg_advisory_xact_lock",
    "pg_advisory_xact_lock_shared",
    "pg_try_advisory_lock",
    "pg_try_advisory_lock_shared",
    "pg_try_advisory_xact_lock",
    "pg_try_advisory_xact_lock_shared",
    "query_to_xml",
    "query_to_xml_and_xmlschema",
    "query_to_xmlschema",
    "table_to_xml",
    "table_to_xml_and_xmlschema",
    "table_to_xmlschema",
    "cursor_to_xml",
    "cursor_to_xmlschema",
    "schema_to_xml",
    "schema_to_xml_and_xmlschema",
    "schema_to_xmlschema",
    "database_to_xml",
    "database_to_xml_and_xmlschema",
    "database_to_xmlschema",
    "set_config",
    "pg_notify",
    "lo_import",
    "lo_export",
    "lo_from_bytea",
    "lo_put",
    "lo_create",
    "lo_creat",
    "lo_unlink",
    "pg_read_file",
    "pg_read_binary_file",
    "pg_ls_dir",
    "pg_stat_file",
    "inet_server_addr",
    "inet_server_port",
    "inet_client_addr",
    "inet_client_port",
    "version",
    "repeat",
    "lpad",
    "rpad",
)
# Catalog views PUBLIC can read that leak other sessions' activity.
DANGEROUS_PG_VIEWS = ("pg_catalog.pg_stat_activity",)
# Schemas PUBLIC may use that only serve reconnaissance (pg_catalog cannot be revoked).
RECON_PG_SCHEMAS = ("information_schema",)


def hardening_sql(schema: str = "public") -> list[str]:
    """What PUBLIC loses in a source database: CREATE on the schema, EXECUTE on the dangerous
    built-ins, SELECT on other sessions' activity, USAGE on information_schema."""
    functions = ", ".join(f"'{name}'" for name in DANGEROUS_PG_FUNCTIONS)
    statements = [
        f"REVOKE CREATE ON SCHEMA {_ident(schema)} FROM PUBLIC",
        (
            "DO $$ DECLARE f regprocedure; BEGIN FOR f IN SELECT p.oid::regprocedure FROM "
            "pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
            f"WHERE n.nspname = 'pg_catalog' AND p.proname IN ({functions}) LOOP "
            "EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f); END LOOP; END $$"
        ),
    ]
    statements += [f"REVOKE SELECT ON {view} FROM PUBLIC" for view in DANGEROUS_PG_VIEWS]
    statements += [f"REVOKE USAGE ON SCHEMA {name} FROM PUBLIC" for name in RECON_PG_SCHEMAS]
    return statements


def readonly_role_sql(
    role: str,
    tables: Iterable[str],
    columns: Mapping[str, Iterable[str]] | None = None,
    *,
    schema: str = "public",
) -> list[str]:
    """Statements (run by an administrator) creating a least-privilege, read-only query role.

    The role can log in, is not superuser, cannot bypass RLS, create databases or roles, owns
    nothing and can only SELECT the listed tables, or only the listed columns of a table when
    `columns` names them (leave masked columns out). In the current database, PUBLIC loses CREATE
    on the schema, EXECUTE on the dangerous built-ins (DANGEROUS_PG_FUNCTIONS), SELECT on
    pg_stat_activity and USAGE on information_schema: run it on a database (or replica) that is
    a data source, not on one whose other roles rely on those. Set the password separately
    (ALTER ROLE ... PASSWORD) so it never appears in these statements.
    """
    if not _ROLE_RE.match(role):
        raise ValueError("role must be a lower-case SQL identifier")
    columns = columns or {}
    r, s = _ident(role), _ident(schema)
    attributes = "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION NOINHERIT"
    statements = [
        (
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = "
            f"'{role}') THEN CREATE ROLE {r} {attributes}; END IF; END $$"
        ),
        f"ALTER ROLE {r} {attributes}",
        f"ALTER ROLE {r} CONNECTION LIMIT 10",
        # Convenience only (the role could SET it back): the executor opens READ ONLY itself.
        f"ALTER ROLE {r} SET default_transaction_read_only = on",
        f"ALTER ROLE {r} SET statement_timeout = '30s'",
        f"REVOKE ALL ON SCHEMA {s} FROM {r}",
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {r}",
        *hardening_sql(schema),
    ]
    for table in sorted(set(tables)):
        target = f"{s}.{_ident(table)}"
        cols = sorted(set(columns.get(table, ())))
        if table in columns:
            if cols:
                col_list = ", ".join(_ident(c) for c in cols)
                statements.append(f"GRANT SELECT ({col_list}) ON {target} TO {r}")
        else:
            statements.append(f"GRANT SELECT ON {target} TO {r}")
    return statements


def policy_role_name(org_slug: str, role: str, prefix: str = ROLE_PREFIX) -> str:
    """`dc_<org>_<role>`, lower-case and safe as a bare identifier; never longer than 63 bytes.

    A slug that had to be changed to fit (upper case, hyphens, length) gets a short digest of
    the original, so `a-b` and `a_b` never share a role.
    """
    if not _PREFIX_RE.match(prefix):
        raise ValueError("the role prefix must be a short lower-case identifier")
    safe = re.sub(r"[^a-z0-9_]", "_", org_slug.lower())
    role_part = re.sub(r"[^a-z0-9_]", "_", role.lower())
    budget = _MAX_IDENT - len(prefix) - len(role_part) - 1
    if safe != org_slug or len(safe) > budget:
        digest = hashlib.sha256(org_slug.encode()).hexdigest()[:8]
        safe = f"{safe[: max(1, budget - 9)]}_{digest}"
    return f"{prefix}{safe}_{role_part}"


def attribute_setting(name: str) -> str:
    """The custom setting that carries a user attribute, e.g. `datachat.attr.region`."""
    lowered = name.lower()
    if not _ATTR_RE.match(lowered):
        raise ValueError(f"attribute names are identifiers: {name!r}")
    return ATTR_SETTING_PREFIX + lowered


def attribute_values(policy: DataPolicy) -> dict[str, list[str]]:
    """The settings the executor writes for this policy: attribute setting -> its values."""
    settings: dict[str, list[str]] = {}
    for row_filter in policy.row_filters:
        if row_filter.attribute:
            values = [str(v) for v in row_filter.values]
            settings.setdefault(attribute_setting(row_filter.attribute), values)
    return settings


@dataclass(frozen=True)
class RoleGrant:
    """What one policy role may read: table -> granted columns (None: the whole table)."""

    role: str  # the DataChat role (VIEWER, …)
    tables: tuple[tuple[str, tuple[str, ...] | None], ...]
    # (table, column, attribute, fixed values): attribute set -> keyed on its setting
    row_filters: tuple[tuple[str, str, str, tuple[str, ...]], ...] = ()


def role_grant(policy: DataPolicy, columns: Mapping[str, Iterable[str]]) -> RoleGrant:
    """The grant of a resolved policy over a source whose tables have these columns.

    Masked columns are left out of the column list; a table with none masked is granted whole.
    Filters on tables the role may not read are dropped (nothing to filter).
    """
    if not policy.can_query:
        return RoleGrant(role=policy.role, tables=())
    masked = {(t.lower(), c.lower()) for t, c in policy.masked_columns}
    tables: list[tuple[str, tuple[str, ...] | None]] = []
    for table in sorted(policy.allowed_tables):
        if table not in columns:
            continue
        names = list(columns[table])
        kept = tuple(c for c in names if (table.lower(), c.lower()) not in masked)
        tables.append((table, None if len(kept) == len(names) else kept))
    allowed = {t for t, _ in tables}
    filters = tuple(
        (f.table, f.column, f.attribute, () if f.attribute else tuple(str(v) for v in f.values))
        for f in policy.row_filters
        if f.table in allowed
    )
    return RoleGrant(role=policy.role, tables=tuple(tables), row_filters=filters)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL in a literal")
    return "'" + value.replace("'", "''") + "'"


def _filter_expression(column: str, attribute: str, values: tuple[str, ...]) -> str:
    col = f"({_ident(column)})::text"
    if attribute:
        setting = _literal(attribute_setting(attribute))
        return (
            f"{col} IN (SELECT pg_catalog.jsonb_array_elements_text(NULLIF("
            f"pg_catalog.current_setting({setting}, true), '')::jsonb))"
        )
    if not values:
        return "false"
    return f"{col} IN ({', '.join(_literal(v) for v in values)})"


def _create_role(name: str, attributes: str) -> list[str]:
    return [
        (
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = "
            f"{_literal(name)}) THEN CREATE ROLE {_ident(name)} {attributes}; END IF; END $$"
        ),
        f"ALTER ROLE {_ident(name)} {attributes}",
    ]


def policy_roles_sql(
    *,
    org_slug: str,
    login_role: str,
    grants: Iterable[RoleGrant],
    all_tables: Iterable[str],
    roles: Iterable[str] = (),
    create_login: bool = False,
    schema: str = "public",
    prefix: str = ROLE_PREFIX,
) -> list[str]:
    """Statements (run by the tables' owner with CREATEROLE, or a superuser) that create or bring
    in sync the org's policy roles and row-level security policies. Idempotent.

    - `grants`: one per role that may query; `roles` names every other role of the org, which
      gets a role with no privileges at all (a removed policy loses its grants on the next run).
    - `all_tables`: the source's tables; policies of this org on them are dropped and recreated.
    - `login_role`: the role the data source connects with; it becomes a member of every policy
      role (so it may `SET ROLE` to them) and keeps EXECUTE on `set_config`. With
      `create_login` it is created LOGIN and NOINHERIT with no privileges of its own (set its
      password separately so it never appears here).
    """
    if not _LOGIN_RE.match(login_role):
        raise ValueError("the login role must be a lower-case SQL identifier")
    grants = list(grants)
    s = _ident(schema)
    login = _ident(login_role)
    statements = hardening_sql(schema)
    if create_login:
        statements += _create_role(login_role, f"LOGIN {_ROLE_ATTRIBUTES}")
        statements += [
            f"ALTER ROLE {login} CONNECTION LIMIT 20",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {login}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {login}",
        ]
    # The executor writes the attribute settings as the login role, before SET ROLE.
    statements.append(
        f"GRANT EXECUTE ON FUNCTION pg_catalog.set_config(text, text, boolean) TO {login}"
    )
    names = {g.role: policy_role_name(org_slug, g.role, prefix) for g in grants}
    others = [r for r in dict.fromkeys(roles) if r not in names]
    every = [*names.values(), *(policy_role_name(org_slug, r, prefix) for r in others)]
    for name in every:
        role = _ident(name)
        statements += _create_role(name, f"NOLOGIN {_ROLE_ATTRIBUTES}")
        statements += [
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {role}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {role}",
            f"REVOKE ALL ON SCHEMA {s} FROM {role}",
            f"GRANT {role} TO {login}",
        ]
    filtered: set[str] = set()
    for grant in grants:
        role = _ident(names[grant.role])
        if grant.tables:
            statements.append(f"GRANT USAGE ON SCHEMA {s} TO {role}")
        for table, cols in grant.tables:
            target = f"{s}.{_ident(table)}"
            if cols is None:
                statements.append(f"GRANT SELECT ON {target} TO {role}")
            elif cols:
                col_list = ", ".join(_ident(c) for c in cols)
                statements.append(f"GRANT SELECT ({col_list}) ON {target} TO {role}")
        filtered |= {t for t, _c, _a, _v in grant.row_filters}
    # Our RLS policies are named after the roles: drop this org's, then write them afresh.
    tables = sorted(set(all_tables))
    if tables and every:
        if any("$" in t for t in tables):
            raise ValueError("table names with '$' cannot be managed here")
        policy_names = ", ".join(_literal(n) for n in every)
        table_names = ", ".join(_literal(t) for t in tables)
        statements.append(
            "DO $$ DECLARE p record; BEGIN FOR p IN SELECT policyname, tablename FROM "
            f"pg_catalog.pg_policies WHERE schemaname = {_literal(schema)} AND tablename IN "
            f"({table_names}) AND policyname IN ({policy_names}) LOOP EXECUTE format("
            f"'DROP POLICY %I ON %I.%I', p.policyname, {_literal(schema)}, p.tablename); "
            "END LOOP; END $$"
        )
    for table in sorted(filtered):
        target = f"{s}.{_ident(table)}"
        statements.append(f"ALTER TABLE {target} ENABLE ROW LEVEL SECURITY")
        statements.append(f"ALTER TABLE {target} FORCE ROW LEVEL SECURITY")
    for grant in grants:
        name = names[grant.role]
        for table, cols in grant.tables:
            if cols is not None and not cols:
                continue
            conditions = [
                _filter_expression(column, attribute, values)
                for t, column, attribute, values in grant.row_filters
                if t == table
            ]
            using = " AND ".join(f"({c})" for c in conditions) if conditions else "true"
            statements.append(
                f"CREATE POLICY {_ident(name)} ON {s}.{_ident(table)} AS PERMISSIVE FOR SELECT "
                f"TO {_ident(name)} USING ({using})"
            )
    return statements
