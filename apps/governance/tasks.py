"""Governance tasks: thin wrappers that take ids and call services."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def anomalies_detect_task(org_id: int | None = None, hours: int = 1) -> int:
    """Detect anomalies of one org (or every org) for the last window; returns reports created."""
    from apps.governance.anomalies import anomalies_detect, anomalies_detect_platform
    from apps.governance.models import Organization

    orgs = Organization.objects.all() if org_id is None else Organization.objects.filter(pk=org_id)
    created = sum(len(anomalies_detect(org=org, hours=hours)) for org in orgs)
    if org_id is None:
        anomalies_detect_platform(hours=hours)  # logged: the platform has no report inbox
    return created


@shared_task
def audit_refusals_flush_task() -> int:
    """Roll the refusal counters of closed minutes into their chains; returns entries written."""
    from apps.governance.refusals import refusal_buckets_flush

    return refusal_buckets_flush()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def audit_checkpoint_task() -> int:
    """Write a signed checkpoint of every chain (beat: every 15 minutes); returns chains."""
    from apps.governance.checkpoints import audit_checkpoint_write

    return len(audit_checkpoint_write()["chains"])


@shared_task(ignore_result=True)
def audit_verify_task() -> bool:
    """Verify every audit chain (beat: hourly) and keep the outcome for /metrics
    (`datachat_audit_verify_ok`, `datachat_audit_verify_age_seconds`): an alert fires when a
    chain does not hold or the verification stopped running. Returns whether all held."""
    import time

    from django.core.cache import cache

    from apps.governance.models import AuditChainHead, AuditEntry, Organization
    from apps.governance.services import audit_verify

    orgs: list = list(Organization.objects.order_by("pk"))
    if (
        AuditChainHead.objects.filter(organization=None).exists()
        or AuditEntry.objects.filter(organization=None).exists()
    ):
        orgs.append(None)
    broken = [report.org for report in (audit_verify(org=org) for org in orgs) if not report.ok]
    if broken:
        logger.error("audit verification failed for %s", ", ".join(broken))
    cache.set(
        "dc:audit-verify", {"ok": not broken, "at": time.time(), "broken": broken}, timeout=None
    )
    return not broken
