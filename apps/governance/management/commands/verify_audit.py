"""`manage.py verify_audit`: walk every audit chain, check its head and the latest checkpoint."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.governance.checkpoints import audit_checkpoint_read
from apps.governance.cli import organizations_from_option
from apps.governance.models import AuditChainHead, AuditEntry, Organization
from apps.governance.services import PLATFORM_CHAIN, audit_verify


class Command(BaseCommand):
    help = (
        "Verify the audit chains (every organization's and the platform's, or one org's): each "
        "entry's keyed hash and link, the stored head, and agreement with the latest signed "
        "checkpoint. Exits non-zero when any chain is broken or disagrees with the checkpoint, "
        "or when a checkpoint line's signature does not hold."
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--org", help="Organization slug (default: every chain).")
        parser.add_argument(
            "--no-checkpoint",
            action="store_true",
            help="Do not compare with the latest checkpoint (the chains and heads only).",
        )
        parser.add_argument(
            "--require-checkpoint",
            action="store_true",
            help="Fail when there is no valid checkpoint to compare with.",
        )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        orgs: list[Organization | None] = list(organizations_from_option(options["org"]))
        if not options["org"] and (
            AuditChainHead.objects.filter(organization=None).exists()
            or AuditEntry.objects.filter(organization=None).exists()
        ):
            orgs.append(None)
        problems = 0
        latest = None
        if not options["no_checkpoint"]:
            log = audit_checkpoint_read()
            for number, problem in log.bad_lines:
                problems += 1
                self.stdout.write(f"checkpoint {log.path} line {number}: INVALID ({problem})")
            latest = log.latest
            if latest is None:
                where = log.path if log.exists else f"{log.path} (no file)"
                self.stdout.write(f"no valid checkpoint in {where}: chains checked alone")
                if options["require_checkpoint"]:
                    problems += 1
            else:
                self.stdout.write(
                    f"comparing with the checkpoint of {latest.at} (line {latest.line})"
                )
                known = {org.pk for org in orgs if org is not None}
                for chain in latest.chains:
                    if (
                        chain.org_id is not None
                        and chain.org_id not in known
                        and not options["org"]
                    ):
                        problems += 1
                        self.stdout.write(
                            f"{chain.org}: MISSING: the checkpoint of {latest.at} recorded "
                            f"{chain.seq} entries of an organization that no longer exists"
                        )
        for org in orgs:
            expect = latest.chain_for(org.pk if org else None) if latest is not None else None
            report = audit_verify(org=org, checkpoint=expect)
            name = org.slug if org is not None else PLATFORM_CHAIN
            if report.ok:
                seen = (
                    f"; checkpoint at entry {report.checkpoint_seq} matches"
                    if report.checkpoint_seq is not None
                    else ""
                )
                self.stdout.write(f"{name}: OK, {report.entries} entries{seen}")
                continue
            problems += 1
            state = "DISAGREES WITH CHECKPOINT" if report.kind == "checkpoint" else "BROKEN"
            self.stdout.write(
                f"{name}: {state} at entry {report.first_broken_seq} ({report.reason}); "
                f"{report.entries} entries verified before it"
            )
        if problems:
            raise CommandError(f"{problems} problem(s): the audit log does not verify (see above)")
