"""`manage.py detect_anomalies`: run the anomaly detection now (Celery beat runs it hourly)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.governance.anomalies import anomalies_detect, anomalies_detect_platform
from apps.governance.cli import organizations_from_option


class Command(BaseCommand):
    help = "Detect unusual activity per user for the last window and record anomaly reports."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--org", help="Organization slug (default: every organization).")
        parser.add_argument("--hours", type=int, default=1, help="Window length in hours.")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        orgs = organizations_from_option(options["org"])
        for org in orgs:
            reports = anomalies_detect(org=org, hours=options["hours"])
            self.stdout.write(f"{org.slug}: {len(reports)} new anomaly report(s)")
            for report in reports:
                self.stdout.write(
                    f"  [{report.severity}] {report.username}: {report.kind} "
                    f"observed {report.observed:g} > {report.threshold:g}"
                )
        if not options["org"]:
            findings = anomalies_detect_platform(hours=options["hours"])
            self.stdout.write(f"(platform): {len(findings)} finding(s), logged")
            for finding in findings:
                self.stdout.write(
                    f"  [{finding.severity}] {finding.subject}: {finding.kind} "
                    f"observed {finding.observed:g} > {finding.threshold:g}"
                )
