"""`manage.py rotate_field_key`: re-encrypt every data-source location with the current key."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.knowledge.services import datasource_locations_rekey


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored data-source location with the first key of DATACHAT_FIELD_KEY "
        "(put the new key first, keep the old ones after it, run this, then drop the old ones). "
        "Safe to run again: locations already under the first key are left alone."
    )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        def progress(done: int, total: int, message: str) -> None:
            self.stdout.write(f"[{done}/{total}] {message}")

        counts = datasource_locations_rekey(progress=progress)
        self.stdout.write(
            f"{counts['total']} locations: {counts['rekeyed']} re-encrypted, "
            f"{counts['current']} already current, {counts['failed']} failed"
        )
        if counts["failed"]:
            raise CommandError(
                f"{counts['failed']} locations could not be decrypted with any configured key; "
                "add the key they were encrypted with to DATACHAT_FIELD_KEY and run again."
            )
