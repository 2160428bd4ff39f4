"""`manage.py create_readonly_role`: a least-privilege PostgreSQL role for a data source.

The guard is one layer; the database's own privileges are the boundary (SECURITY.md §0). This
prints (or, with --apply, runs as the source's current connection user, who must be allowed to
create roles) the statements that create a LOGIN role which can only SELECT the tables the org's
policies allow, with masked/PII columns left out of the column grants. Afterwards, point the data
source at that role (admin → data source → location).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.governance.engine.executor import readonly_role_sql
from apps.governance.models import AccessPolicy
from apps.governance.selectors import organization_get
from apps.knowledge.locations import LocationError
from apps.knowledge.models import CatalogColumn, CatalogTable, DataSource
from apps.knowledge.selectors import datasource_get


class Command(BaseCommand):
    help = "Print (or apply) the SQL creating a read-only, least-privilege PostgreSQL role."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--org", required=True)
        parser.add_argument("--source", help="Data source name (default: the org's default).")
        parser.add_argument("--role", required=True, help="Role name, e.g. datachat_acme_ro.")
        parser.add_argument(
            "--include-pii",
            action="store_true",
            help="Also grant PII columns (only for sources used by roles that see them unmasked).",
        )
        parser.add_argument("--apply", action="store_true", help="Run the statements now.")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        org = organization_get(slug=options["org"])
        if org is None:
            raise CommandError(f"unknown organization: {options['org']}")
        source = datasource_get(org=org, name=options["source"])
        if source is None or source.kind != DataSource.Kind.POSTGRES:
            raise CommandError("the data source must exist and be PostgreSQL")
        tables = self._tables(org, source)
        columns = {}
        for table in tables:
            qs = CatalogColumn.all_tenants.filter(table__data_source=source, table__name=table)
            if not options["include_pii"]:
                qs = qs.filter(pii=False)
            columns[table] = list(qs.order_by("position").values_list("name", flat=True))
        try:
            statements = readonly_role_sql(options["role"], tables, columns)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not options["apply"]:
            for statement in statements:
                self.stdout.write(statement.rstrip(";") + ";")
            self.stdout.write(f"-- then: ALTER ROLE {options['role']} PASSWORD '…';")
            return
        import psycopg

        try:
            dsn = source.location()
        except LocationError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        with psycopg.connect(dsn, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)
        self.stdout.write(
            f"Role {options['role']} created with SELECT on {len(tables)} table(s). Set its "
            "password and update the data source's location to use it."
        )

    def _tables(self, org, source: DataSource) -> list[str]:  # noqa: ANN001
        """Every table some role of the org may query (the union of the policies)."""
        names = set(
            CatalogTable.all_tenants.filter(data_source=source).values_list("name", flat=True)
        )
        allowed: set[str] = set()
        for policy in AccessPolicy.all_tenants.filter(organization=org, can_query_data=True):
            entries = policy.allowed_tables
            picked = set(names) if "*" in entries else {t for t in entries if t in names}
            picked -= {t[1:] for t in entries if t.startswith("-")}
            allowed |= picked
        return sorted(allowed)
