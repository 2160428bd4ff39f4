"""Governance tasks: thin wrappers that take ids and call services."""

from __future__ import annotations

from celery import shared_task


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
