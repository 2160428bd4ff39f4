"""`manage.py restore DIR`: check a backup against its manifest, then restore it."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.knowledge.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup written by `manage.py backup`: every file is checked against the "
        "manifest first (a mismatch restores nothing), then the app database, data-source files, "
        "audit checkpoints and vector index are put back. The target must be empty (a new data "
        "directory and an empty or absent database) unless --force. Stop web, worker and beat "
        "first; run `verify_audit` afterwards with the installation's DATACHAT_AUDIT_KEY."
    )
    # The app database may not exist yet: no check may connect to it before the restore does.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("backup", help="The backup directory (holds manifest.json).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace an installation that already holds data.",
        )
        parser.add_argument(
            "--reindex",
            action="store_true",
            help="Rebuild the vector index from the restored documents instead of copying it.",
        )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        try:
            summary = backup_restore(
                backup=Path(options["backup"]),
                force=options["force"],
                reindex=options["reindex"],
                progress=self.stdout.write,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"restored {options['backup']}: {summary.files} files in {summary.seconds:.1f} s; "
                "check it with `manage.py verify_audit`"
            )
        )
