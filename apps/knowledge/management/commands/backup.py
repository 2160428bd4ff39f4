"""`manage.py backup --output DIR`: app database, vector index, sources, checkpoints, knowledge."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.knowledge.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the installation into a new directory: the app database (pg_dump or SQLite's "
        "backup API), the local vector index, the data-source files, the audit checkpoints and "
        "the semantic layer, with a manifest of sizes and sha256 sums (docs/deploy.md)."
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--output", required=True, help="A new (or empty) directory.")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        try:
            summary = backup_create(output=Path(options["output"]), progress=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:  # a path that cannot be written: one line, not a traceback
            raise CommandError(f"cannot write the backup: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"backup written to {options['output']}: {summary.files} files, "
                f"{summary.bytes} bytes in {summary.seconds:.1f} s"
            )
        )
