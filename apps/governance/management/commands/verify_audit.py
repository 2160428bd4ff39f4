"""`manage.py verify_audit`: walk each org's hash-chained audit log and report the first break."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.governance.cli import organizations_from_option
from apps.governance.services import audit_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain of one organization (or all)."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--org", help="Organization slug (default: every organization).")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        orgs = organizations_from_option(options["org"])
        broken = 0
        for org in orgs:
            report = audit_verify(org=org)
            if report.ok:
                self.stdout.write(f"{org.slug}: OK, {report.entries} entries")
            else:
                broken += 1
                self.stdout.write(
                    f"{org.slug}: BROKEN at entry {report.first_broken_seq} "
                    f"({report.reason}); {report.entries} entries read"
                )
        if broken:
            raise CommandError(f"{broken} organization(s) with a broken audit chain")
