"""Services keeping a server source's per-role database roles in step with the policies.

The engine's adapter (`get_dialect(kind)`: PostgreSQL and MariaDB support it) writes the
statements and applies them; what follows describes PostgreSQL, the fullest of them (MariaDB
has no row-level security: its roles carry table and column grants only).

Each AccessPolicy of the org becomes a NOLOGIN role in the source database (`dc_<org>_<role>`)
with SELECT on its allowed tables only (the columns it does not mask, on a table with masks) and
one row-level security policy per table (its row filters, keyed on the member's attributes,
or `true`); the source's login role becomes a member of each, and the executor `SET LOCAL
ROLE`s per query (`governance.engine.pg_roles`, `executor.enter_policy_role`).

`datasource_db_roles_sync` runs the statements in one transaction over a connection that may
manage roles (the tables' owner with CREATEROLE, or a superuser): `--admin-url` of
`create_readonly_role`, or the source's own connection. An AccessPolicy change re-runs it for
every source that has per-role enforcement on (`signals.py`); where the source's connection
cannot manage roles that re-run fails, is logged, and the operator re-runs the command
(`datasource_db_roles_status` says whether a source is behind its policies).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from apps.governance.engine.dialects import get_dialect
from apps.governance.engine.pg_roles import policy_role_name, role_grant
from apps.governance.engine.policy import CatalogFlags
from apps.governance.models import AccessPolicy, Role
from apps.governance.services import policy_resolve_for_role
from apps.knowledge.models import CatalogColumn, DataSource


class DbRolesError(Exception):
    """The statements could not be applied (no connection, or not allowed to manage roles)."""


@dataclass(frozen=True)
class DbRolesPlan:
    login_role: str
    statements: list[str]
    # DataChat role -> (database role, tables granted whole, tables granted by column, filters)
    roles: dict[str, tuple[str, int, int, int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def role_prefix() -> str:
    return settings.DATACHAT.get("PG_ROLE_PREFIX", "dc_")


def source_login_role(data_source: DataSource) -> str:
    """The user the source's own location connects as (the role queries log in with)."""
    user = get_dialect(data_source.kind).login_user(data_source.location())
    if not user:
        raise DbRolesError("the source's location names no user: give the login role")
    return str(user)


def datasource_db_roles_sql(
    *, data_source: DataSource, login_role: str | None = None, create_login: bool = False
) -> DbRolesPlan:
    """The statements creating/syncing the org's policy roles on this PostgreSQL source.

    Tables and columns come from the source's catalog (refresh it first); a table or column the
    catalog does not know is granted to no role (fails closed).
    """
    engine = get_dialect(data_source.kind)
    if not engine.supports_roles:
        raise DbRolesError(f"{engine.label} sources have no per-role database roles")
    org = data_source.organization
    login = login_role or source_login_role(data_source)
    columns: dict[str, list[str]] = {}
    personal: set[tuple[str, str]] = set()
    sensitive: set[str] = set()
    for table, column, pii, table_sensitive in (
        CatalogColumn.all_tenants.filter(table__data_source=data_source)
        .order_by("table__name", "position")
        .values_list("table__name", "name", "pii", "table__sensitive")
    ):
        columns.setdefault(table, []).append(column)
        if pii:
            personal.add((table, column))
        if table_sensitive:
            sensitive.add(table)
    flags = CatalogFlags(
        tables=frozenset(columns), personal=frozenset(personal), sensitive=frozenset(sensitive)
    )
    prefix = role_prefix()
    grants, summary = [], {}
    policy_roles = AccessPolicy.all_tenants.for_org(org).values_list("role", flat=True)
    for role in sorted(policy_roles):
        policy = policy_resolve_for_role(org=org, role=role, catalog=flags)
        grant = role_grant(policy, columns)
        grants.append(grant)
        whole = sum(1 for _t, cols in grant.tables if cols is None)
        summary[role] = (
            policy_role_name(org.slug, role, prefix),
            whole,
            len(grant.tables) - whole,
            len(grant.row_filters),
        )
    try:
        statements = engine.policy_roles_sql(
            database=engine.database_of(data_source.location()),
            org_slug=org.slug,
            login_role=login,
            grants=grants,
            all_tables=columns,
            roles=Role.values,
            create_login=create_login,
            prefix=prefix,
        )
    except ValueError as exc:
        raise DbRolesError(str(exc)) from exc
    return DbRolesPlan(login_role=login, statements=statements, roles=summary)


def datasource_db_roles_sync(
    *,
    data_source: DataSource,
    login_role: str | None = None,
    admin_url: str | None = None,
    create_login: bool = False,
) -> DbRolesPlan:
    """Apply the statements in one transaction, then turn per-role enforcement on for the source.

    Idempotent. Raises DbRolesError (with the server's SQLSTATE and message, never the URL)
    when the connection is refused or may not manage roles; nothing is changed then.
    """
    engine = get_dialect(data_source.kind)
    plan = datasource_db_roles_sql(
        data_source=data_source, login_role=login_role, create_login=create_login
    )
    try:
        login = engine.apply_admin_statements(
            admin_url or data_source.location(), plan.statements, plan.login_role
        )
    except Exception as error:
        text = engine.admin_error(error)
        if text is None:
            raise
        raise DbRolesError(text) from None
    if login and (login.get("superuser") or login.get("bypass_rls")):
        plan.warnings.append(
            f"login role {plan.login_role} is a superuser or bypasses RLS: queries are confined "
            "by SET ROLE alone; connect with a least-privilege login (--role)"
        )
    elif login and login.get("inherits"):
        plan.warnings.append(
            f"login role {plan.login_role} inherits the policy roles' privileges: it can read "
            f"on its own; ALTER ROLE {plan.login_role} NOINHERIT (or use --role)"
        )
    DataSource.all_tenants.filter(pk=data_source.pk).update(
        db_roles_enabled=True, db_roles_synced_at=timezone.now()
    )
    data_source.refresh_from_db(fields=["db_roles_enabled", "db_roles_synced_at"])
    return plan


def datasource_db_roles_disable(*, data_source: DataSource) -> None:
    """Queries go back to running as the login role itself (the roles stay in the database)."""
    DataSource.all_tenants.filter(pk=data_source.pk).update(db_roles_enabled=False)
    data_source.refresh_from_db(fields=["db_roles_enabled"])


def datasource_db_roles_status(*, data_source: DataSource) -> str:
    """`off`, `in sync`, or `behind` (a policy changed after the last successful sync)."""
    if not data_source.db_roles_enabled:
        return "off"
    changed = AccessPolicy.all_tenants.for_org(data_source.organization).aggregate(
        last=Max("updated_at")
    )["last"]
    synced = data_source.db_roles_synced_at
    if synced is None or (changed is not None and changed > synced):
        return "behind"
    return "in sync"
