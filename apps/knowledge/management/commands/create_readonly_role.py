"""`manage.py create_readonly_role`: each role of the org enforced by PostgreSQL itself.

Creates, or brings in sync (idempotent), one NOLOGIN database role per access policy of the org
(`dc_<org>_<role>`, prefix from DATACHAT_PG_ROLE_PREFIX) on a PostgreSQL data source: SELECT on
the policy's allowed tables only, only the unmasked columns of a table with masks, and the row
filters as native row-level security policies keyed on the member's attributes. The login role
the source connects with becomes a member of each and reads nothing by itself; the executor
`SET LOCAL ROLE`s to the caller's policy role per query. Then turns per-role enforcement on for
the source. See docs/security.md ("Each role enforced by PostgreSQL").

    manage.py create_readonly_role --org acme --source ventas_pg [--role datachat_acme_login]
        [--admin-url postgresql://owner@db/ventas]   # a connection allowed to manage roles
    manage.py create_readonly_role --org acme --source ventas_pg --print   # SQL for a DBA
    manage.py create_readonly_role --org acme --source ventas_pg --check   # exit 1 when behind
    manage.py create_readonly_role --org acme --source ventas_pg --disable

`--role` names a LOGIN role to create (NOINHERIT, no privileges of its own; set its password
with ALTER ROLE and point the source's location at it); without it the login role is the user of
the source's current location. Statements run as `--admin-url`, else as the source's own
connection, which then needs CREATEROLE and ownership of the tables (or superuser).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.governance.engine.dialects import get_dialect, registered
from apps.governance.selectors import organization_get
from apps.knowledge.db_roles import (
    DbRolesError,
    datasource_db_roles_disable,
    datasource_db_roles_sql,
    datasource_db_roles_status,
    datasource_db_roles_sync,
)
from apps.knowledge.locations import LocationError
from apps.knowledge.selectors import datasource_get


class Command(BaseCommand):
    help = "Create or sync one PostgreSQL role per access policy (grants, column grants, RLS)."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--org", required=True)
        parser.add_argument("--source", help="Data source name (default: the org's default).")
        parser.add_argument(
            "--role",
            help="Login role to create (NOINHERIT, no privileges of its own), e.g. "
            "datachat_acme_login. Default: the user of the source's location.",
        )
        parser.add_argument(
            "--admin-url",
            help="Connection that may manage roles (tables' owner with CREATEROLE, or a "
            "superuser). Default: the source's own location.",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--print", action="store_true", help="Print the SQL for a DBA; change nothing."
        )
        mode.add_argument(
            "--check", action="store_true", help="Exit 1 when a policy changed after the last sync."
        )
        mode.add_argument(
            "--disable", action="store_true", help="Stop SET ROLE per query (roles are kept)."
        )
        mode.add_argument(
            "--apply", action="store_true", help="Apply the statements (the default)."
        )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        org = organization_get(slug=options["org"])
        if org is None:
            raise CommandError(f"unknown organization: {options['org']}")
        source = datasource_get(org=org, name=options["source"])
        if source is None or not get_dialect(source.kind).supports_roles:
            engines = " or ".join(d.label for d in registered() if d.supports_roles)
            raise CommandError(f"the data source must exist and be {engines}")
        if options["check"]:
            status = datasource_db_roles_status(data_source=source)
            self.stdout.write(f"{org.slug}/{source.name}: per-role database roles {status}")
            if status == "behind":
                raise CommandError("policies changed after the last sync: run this command")
            return
        if options["disable"]:
            datasource_db_roles_disable(data_source=source)
            self.stdout.write(f"{org.slug}/{source.name}: queries no longer SET ROLE per policy")
            return
        create_login = bool(options["role"])
        try:
            if options["print"]:
                plan = datasource_db_roles_sql(
                    data_source=source, login_role=options["role"], create_login=create_login
                )
                for statement in plan.statements:
                    self.stdout.write(statement.rstrip(";") + ";")
                if create_login:
                    self.stdout.write(f"-- then: ALTER ROLE {plan.login_role} PASSWORD '…';")
                return
            self.stdout.write(f"{org.slug}/{source.name}: syncing per-role database roles…")
            plan = datasource_db_roles_sync(
                data_source=source,
                login_role=options["role"],
                admin_url=options["admin_url"],
                create_login=create_login,
            )
        except LocationError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        except DbRolesError as exc:
            raise CommandError(f"database roles not applied: {exc}") from exc
        for role, (name, whole, by_column, filters) in sorted(plan.roles.items()):
            self.stdout.write(
                f"  {role:<15} {name}: SELECT on {whole} table(s), column grants on "
                f"{by_column}, {filters} row filter(s)"
            )
        for warning in plan.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(
            f"{len(plan.statements)} statement(s) applied; login role {plan.login_role} is a "
            "member of each; queries on this source now SET LOCAL ROLE per policy."
        )
        if create_login:
            self.stdout.write(
                f"Next: ALTER ROLE {plan.login_role} PASSWORD '…'; then set the source's location "
                "to use it (policy changes are then re-applied only with --admin-url)."
            )
