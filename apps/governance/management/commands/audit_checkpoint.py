"""`manage.py audit_checkpoint`: write a signed checkpoint of every audit chain now."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.governance.checkpoints import audit_checkpoint_path, audit_checkpoint_write


class Command(BaseCommand):
    help = (
        "Sign the head (sequence and hash) of every audit chain with the audit key and append it "
        "to the checkpoint file (DATACHAT_AUDIT_CHECKPOINT_DIR) and the log; verify_audit checks "
        "the chains against the latest one. Celery beat runs this every 15 minutes."
    )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        signed = audit_checkpoint_write()
        self.stdout.write(
            f"checkpoint of {signed['at']} (key {signed['key_id']}) appended to "
            f"{audit_checkpoint_path()}"
        )
        for chain in signed["chains"]:
            self.stdout.write(f"  {chain['org']}: entry {chain['seq']} {chain['hash'][:16]}…")
