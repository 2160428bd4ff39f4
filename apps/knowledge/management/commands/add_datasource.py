"""`manage.py add_datasource --org SLUG --name NAME (--file PATH | --url URL) [--default]`.

A `--file` that is a spreadsheet (.csv, .tsv, .txt, .xlsx, .xlsm, .parquet) is added to the
DuckDB file of the source NAME instead: each file or sheet a table (`--table` names a CSV's),
replacing a table of the same name.

Connects a data source in one step (`knowledge.services.datasource_connect`): a SQLite file is
copied into the org's folder (`$DATACHAT_DATA_DIR/sources/<org>/`) under a generated name and
checked; a PostgreSQL URL must be on a host of DATACHAT_SOURCE_HOSTS. The connection is tested,
the schema introspected, table documents generated in the org's language and indexed. Runs as
the platform operator; the creation is an entry of the org's audit chain. A refusal is one line
on stderr with its stable code, exit status 1.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.governance.cli import OneLineErrors
from apps.governance.selectors import organization_get
from apps.knowledge.locations import LocationError
from apps.knowledge.services import datasource_connect


class Command(OneLineErrors, BaseCommand):
    help = (
        "Connect a SQLite file, a spreadsheet (CSV, Excel, Parquet) or a PostgreSQL database to an "
        "organization and introspect it."
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--name", required=True, help="Data source name (a slug).")
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument(
            "--file",
            help="A SQLite database file to copy in, or a spreadsheet (CSV, Excel, Parquet).",
        )
        parser.add_argument(
            "--table", default="", help="A spreadsheet's table name (default: from the file)."
        )
        where.add_argument(
            "--url",
            help="postgresql://user:password@host:port/database or mysql://… (MariaDB)",
        )
        parser.add_argument("--default", action="store_true", help="Make it the default source.")
        parser.add_argument("--display-name", default="", help="Name shown in the chat page.")
        access = parser.add_mutually_exclusive_group()
        access.add_argument(
            "--restricted",
            action="store_true",
            help="Only users granted 'use_datasource' may query it.",
        )
        access.add_argument(
            "--open", action="store_true", help="Every member may query it (their policy applies)."
        )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        org = organization_get(slug=options["org"])
        if org is None:
            raise CommandError(f"unknown organization: {options['org']}")
        if options["file"] and not Path(options["file"]).is_file():
            raise CommandError(f"no such file: {options['file']}")
        restricted = True if options["restricted"] else (False if options["open"] else None)
        try:
            result = datasource_connect(
                org,
                options["name"],
                file=options["file"] or None,
                url=options["url"] or None,
                user=None,
                default=options["default"],
                display_name=options["display_name"],
                restricted=restricted,
                channel="cli",
                table=options["table"],
            )
        except LocationError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        source = result.source
        access = "restricted" if source.restricted else "open to the org's members"
        if result.queued:
            self.stdout.write(
                f"{org.slug}/{source.name} connected ({source.kind}, {access}); introspection "
                "queued: follow it in the admin or GET /api/v1/datasources/{id}/."
            )
            return
        summary = result.summary
        self.stdout.write(
            self.style.SUCCESS(
                f"{org.slug}/{source.name} connected ({source.kind}, {access}"
                f"{', default' if source.is_default else ''}): {summary.get('tables', 0)} tables, "
                f"{summary.get('columns', 0)} columns, {summary.get('documents', 0)} table "
                "documents."
            )
        )
