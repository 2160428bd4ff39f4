"""Anomaly detection over the audit log: unusual activity per user and window.

Runs hourly from Celery beat (`governance.tasks.anomalies_detect_task`) or by hand
(`manage.py detect_anomalies`). Idempotent: a window already reported is not reported twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from apps.governance.models import AnomalyReport, AuditEntry, Organization

BASELINE_WEEKS = 4


def _severity(observed: float, threshold: float) -> str:
    ratio = observed / threshold if threshold else 1
    return "high" if ratio >= 3 else "medium" if ratio >= 1.5 else "low"


def _in_business_hours(moment: dt.datetime, spec: str) -> bool:
    try:
        start, end = (dt.time.fromisoformat(part) for part in spec.split("-"))
    except ValueError:
        return True
    local = timezone.localtime(moment).time()
    return start <= local < end


@transaction.atomic
def anomalies_detect(
    *, org: Organization, window_end: dt.datetime | None = None, hours: int = 1
) -> list[AnomalyReport]:
    """Check one window (default: the last full hour) and record what crossed a threshold.

    Volume compares with both the org's threshold and the user's own average for that window
    length over the previous four weeks (whichever is larger, so a habitually busy analyst is
    not flagged every hour).
    """
    end = (window_end or timezone.now()).replace(minute=0, second=0, microsecond=0)
    start = end - dt.timedelta(hours=hours)
    entries = AuditEntry.objects.filter(organization=org, created_at__gte=start, created_at__lt=end)
    per_user = entries.values("username").annotate(
        n=Count("id"),
        rows=Sum("row_count"),
        refused=Count("id", filter=Q(outcome="refused")),
    )
    baseline_start = start - dt.timedelta(weeks=BASELINE_WEEKS)
    windows = BASELINE_WEEKS * 7 * 24 / hours
    baseline = {
        row["username"]: row["n"] / windows
        for row in AuditEntry.objects.filter(
            organization=org, created_at__gte=baseline_start, created_at__lt=start
        )
        .values("username")
        .annotate(n=Count("id"))
    }
    off_hours: dict[str, int] = defaultdict(int)
    for username, created in entries.values_list("username", "created_at"):
        if not _in_business_hours(created, org.business_hours):
            off_hours[username] += 1

    found = []
    for row in per_user:
        user = row["username"]
        checks = [
            ("volume", row["n"], max(org.anomaly_max_questions * hours, 3 * baseline.get(user, 0))),
            ("rows", row["rows"] or 0, org.anomaly_max_rows * hours),
            ("refusals", row["refused"], org.anomaly_max_refusals * hours),
        ]
        for kind, observed, threshold in checks:
            if observed > threshold:
                found.append((user, kind, observed, threshold, _severity(observed, threshold)))
        if off_hours.get(user):
            found.append((user, "off_hours", off_hours[user], 0, "low"))

    reports = []
    for user, kind, observed, threshold, severity in found:
        entry = entries.filter(username=user).exclude(user=None).first()
        try:
            with transaction.atomic():
                reports.append(
                    AnomalyReport.all_tenants.create(
                        organization=org,
                        user=entry.user if entry else None,
                        username=user,
                        kind=kind,
                        window_start=start,
                        window_end=end,
                        observed=observed,
                        baseline=round(baseline.get(user, 0.0), 3),
                        threshold=threshold,
                        severity=severity,
                    )
                )
        except IntegrityError:
            continue  # this window was already reported
    return reports


@transaction.atomic
def anomaly_acknowledge(*, report: AnomalyReport, user, close: bool = False) -> AnomalyReport:  # noqa: ANN001
    """Compliance marks a report as seen (or closes it)."""
    report.status = AnomalyReport.Status.CLOSED if close else AnomalyReport.Status.ACKNOWLEDGED
    report.acknowledged_by = user
    report.acknowledged_at = timezone.now()
    report.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
    return report
