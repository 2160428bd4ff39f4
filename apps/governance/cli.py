"""Shared argument handling of the contract's commands (`ask`, `query`, `evaluate`, …)."""

from __future__ import annotations

import sys

from django.core.management.base import CommandError

from apps.governance.models import Membership
from apps.governance.selectors import membership_get, organization_get


def membership_from_args(org_slug: str, username: str) -> Membership:
    """The member a command acts as; an unknown org or user is a usage error (non-zero exit)."""
    org = organization_get(slug=org_slug)
    if org is None:
        raise CommandError(f"unknown organization: {org_slug}")
    membership = membership_get(org=org, username=username)
    if membership is None:
        raise CommandError(f"unknown user in organization {org_slug}: {username}")
    return membership


def organizations_from_option(org_slug: str | None):  # noqa: ANN201
    """`--org SLUG` → that organization; no `--org` → every organization. Unknown is an error."""
    from apps.governance.models import Organization

    orgs = Organization.objects.all()
    if org_slug:
        orgs = orgs.filter(slug=org_slug)
        if not orgs.exists():
            raise CommandError(f"unknown organization: {org_slug}")
    return orgs


class OneLineErrors:
    """Mixin for the contract's commands: a usage error is one line on stderr (exit 2), not the
    whole usage text, so callers can show it as it is."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs):  # noqa: ANN003, ANN201
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def error(message: str) -> None:
            sys.stderr.write(f"{subcommand}: error: {message}\n")
            sys.exit(2)

        parser.error = error
        return parser

    def execute(self, *args, **options):  # noqa: ANN002, ANN003, ANN201
        unmigrated_refuse()
        return super().execute(*args, **options)


def unmigrated_refuse() -> None:
    """A command run against a database that was never migrated (a new `DATACHAT_DATA_DIR`, a new
    PostgreSQL database) says so in one line instead of a traceback about a missing table."""
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise CommandError(
            "the database is not set up (or not up to date): run `python manage.py migrate` "
            "first (`make run` does it)"
        )
