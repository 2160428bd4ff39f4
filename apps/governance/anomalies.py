"""Anomaly detection over the audit log: unusual activity per user and window.

Runs hourly from Celery beat (`governance.tasks.anomalies_detect_task`) or by hand
(`manage.py detect_anomalies`). Idempotent: a window already reported is not reported twice.

Besides the activity checks (volume, rows, refusals, off hours), two read the aggregated
refusal entries (`governance.refusals`; each carries `details.count`):
- id probing: many refused object ids (404) from one user in the window;
- login bursts: many failed logins for one username of the org, or from one address against
  the org's users (that address's failures in every chain, the platform's included, count).
Failed logins that concern no organization (unknown usernames) are checked by
`anomalies_detect_platform`, which reports them to the log stream.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from apps.governance.models import AnomalyReport, AuditEntry, Organization
from apps.governance.refusals import KINDS as REFUSAL_KINDS
from apps.governance.refusals import Kind, refusal_buckets_flush

BASELINE_WEEKS = 4
logger = logging.getLogger("datachat.audit")


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
    refusal_buckets_flush()
    end = (window_end or timezone.now()).replace(minute=0, second=0, microsecond=0)
    start = end - dt.timedelta(hours=hours)
    window = AuditEntry.objects.filter(organization=org, created_at__gte=start, created_at__lt=end)
    # Aggregated HTTP refusals have checks of their own (below), weighted by their counts.
    entries = window.exclude(action__in=REFUSAL_KINDS)
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
        .exclude(action__in=REFUSAL_KINDS)
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
    found += [
        (finding.subject, finding.kind, finding.observed, finding.threshold, finding.severity)
        for finding in _refusal_findings(org=org, start=start, end=end, hours=hours)
    ]

    Organization.objects.filter(pk=org.pk).update(anomalies_run_at=timezone.now())
    reports = []
    for user, kind, observed, threshold, severity in found:
        entry = window.filter(username=user).exclude(user=None).first()
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


STALE_AFTER = dt.timedelta(hours=1)
CATCH_UP_WINDOWS = 24  # at most a day of missed hourly windows is checked on one page load


def anomalies_detect_if_stale(
    *, org: Organization, now: dt.datetime | None = None
) -> list[AnomalyReport] | None:
    """Detection for deployments without Celery beat (the embedded default): when the org's
    last run is older than an hour, check every full hour since then (at most a day), as beat
    would have. Returns the new reports, or None when the last run is recent (nothing ran).

    Idempotent per window (a window already reported is skipped) and safe under concurrent
    page loads: only the request that moves `anomalies_run_at` forward runs the detection.
    """
    now = now or timezone.now()
    last = org.anomalies_run_at
    if last is not None and now - last < STALE_AFTER:
        return None
    claimed = (
        Organization.objects.filter(pk=org.pk, anomalies_run_at=last).update(anomalies_run_at=now)
        if last is not None
        else Organization.objects.filter(pk=org.pk, anomalies_run_at__isnull=True).update(
            anomalies_run_at=now
        )
    )
    if not claimed:
        return None  # another request is running it
    end = now.replace(minute=0, second=0, microsecond=0)
    first = end - dt.timedelta(hours=CATCH_UP_WINDOWS)
    if last is not None:
        first = max(first, last.replace(minute=0, second=0, microsecond=0))
    reports: list[AnomalyReport] = []
    window_end = first + dt.timedelta(hours=1)
    while window_end <= end:
        reports += anomalies_detect(org=org, window_end=window_end)
        window_end += dt.timedelta(hours=1)
    Organization.objects.filter(pk=org.pk).update(anomalies_run_at=now)
    org.anomalies_run_at = now
    return reports


@dataclass(frozen=True)
class RefusalFinding:
    """A burst of refusals: `subject` is a username, or `ip:<address>` for a login burst."""

    subject: str
    kind: str
    observed: int
    threshold: int
    severity: str


def _counted(entries) -> dict[str, int]:  # noqa: ANN001
    """Refusals per key of an aggregated entry (`username` or `ip`), weighted by their count."""
    totals: dict[str, int] = defaultdict(int)
    for username, details in entries:
        totals[username] += int((details or {}).get("count", 1))
    return totals


def _refusal_findings(
    *, org: Organization | None, start: dt.datetime, end: dt.datetime, hours: int
) -> list[RefusalFinding]:
    window = AuditEntry.objects.filter(organization=org, created_at__gte=start, created_at__lt=end)
    max_not_found = (org.anomaly_max_not_found if org else 20) * hours
    max_logins = (org.anomaly_max_failed_logins if org else 10) * hours
    found = []
    probes = _counted(
        window.filter(action=Kind.NOT_FOUND).exclude(user=None).values_list("username", "details")
    )
    for username, observed in probes.items():
        if observed > max_not_found:
            found.append(
                RefusalFinding(
                    username,
                    AnomalyReport.Kind.PROBING,
                    observed,
                    max_not_found,
                    _severity(observed, max_not_found),
                )
            )
    logins = list(window.filter(action=Kind.LOGIN_FAILED).values_list("username", "details"))
    for username, observed in _counted(logins).items():
        if observed > max_logins:
            found.append(
                RefusalFinding(
                    username,
                    AnomalyReport.Kind.LOGINS,
                    observed,
                    max_logins,
                    _severity(observed, max_logins),
                )
            )
    # An address counts with its failures everywhere: spraying unknown names (platform chain)
    # and this org's users from one address is one burst against this org.
    addresses = {(details or {}).get("ip") for _, details in logins} - {None, ""}
    if addresses:
        everywhere = AuditEntry.objects.filter(
            action=Kind.LOGIN_FAILED, created_at__gte=start, created_at__lt=end
        ).values_list("details", flat=True)
        per_ip: dict[str, int] = defaultdict(int)
        for details in everywhere:
            ip = (details or {}).get("ip")
            if ip in addresses:
                per_ip[ip] += int(details.get("count", 1))
        for ip, observed in per_ip.items():
            if observed > max_logins:
                found.append(
                    RefusalFinding(
                        f"ip:{ip}",
                        AnomalyReport.Kind.LOGINS,
                        observed,
                        max_logins,
                        _severity(observed, max_logins),
                    )
                )
    return found


def anomalies_detect_platform(
    *, window_end: dt.datetime | None = None, hours: int = 1
) -> list[RefusalFinding]:
    """Login bursts and id probing in the platform chain (no organization to report them to):
    each finding is logged as a warning on `datachat.audit` and returned."""
    refusal_buckets_flush()
    end = (window_end or timezone.now()).replace(minute=0, second=0, microsecond=0)
    start = end - dt.timedelta(hours=hours)
    findings = _refusal_findings(org=None, start=start, end=end, hours=hours)
    for finding in findings:
        logger.warning(
            "platform anomaly %s: %s observed %s > %s in %s..%s",
            finding.kind,
            finding.subject,
            finding.observed,
            finding.threshold,
            start.isoformat(),
            end.isoformat(),
        )
    return findings


@transaction.atomic
def anomaly_acknowledge(*, report: AnomalyReport, user, close: bool = False) -> AnomalyReport:  # noqa: ANN001
    """Compliance marks a report as seen (or closes it)."""
    report.status = AnomalyReport.Status.CLOSED if close else AnomalyReport.Status.ACKNOWLEDGED
    report.acknowledged_by = user
    report.acknowledged_at = timezone.now()
    report.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
    return report
