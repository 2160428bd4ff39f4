"""Governance tasks: thin wrappers that take ids and call services."""

from __future__ import annotations

from celery import shared_task


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def anomalies_detect_task(org_id: int | None = None, hours: int = 1) -> int:
    """Detect anomalies of one org (or every org) for the last window; returns reports created."""
    from apps.governance.anomalies import anomalies_detect
    from apps.governance.models import Organization

    orgs = Organization.objects.all() if org_id is None else Organization.objects.filter(pk=org_id)
    return sum(len(anomalies_detect(org=org, hours=hours)) for org in orgs)
