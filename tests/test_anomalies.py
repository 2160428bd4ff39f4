"""Anomaly reports: unusual volume, rows, refusals and off-hours activity per user and window."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.governance.anomalies import anomalies_detect, anomaly_acknowledge
from apps.governance.models import AnomalyReport
from apps.governance.services import audit_record

pytestmark = pytest.mark.django_db


def test_refusals_and_volume_are_reported_once_per_window(member):
    analista = member("acme", "analista")
    org = analista.organization
    org.anomaly_max_questions = 10
    org.anomaly_max_refusals = 3
    org.business_hours = "00:00-23:59"
    org.save()
    for n in range(12):
        audit_record(
            org=org,
            user=analista.user,
            action="query",
            outcome="refused" if n % 2 else "answered",
            code="table_not_allowed",
        )
    end = timezone.now() + dt.timedelta(hours=1)
    reports = anomalies_detect(org=org, window_end=end)
    kinds = {(r.username, r.kind) for r in reports}
    assert ("analista", "volume") in kinds and ("analista", "refusals") in kinds
    refusals = next(r for r in reports if r.kind == "refusals")
    assert refusals.observed == 6 and refusals.threshold == 3 and refusals.severity == "medium"
    assert anomalies_detect(org=org, window_end=end) == []  # idempotent
    # compliance acknowledges
    auditor = member("acme", "auditor").user
    anomaly_acknowledge(report=refusals, user=auditor)
    refusals.refresh_from_db()
    assert refusals.status == "acknowledged" and refusals.acknowledged_by == auditor


def test_quiet_users_and_other_orgs_are_not_reported(member):
    analista = member("acme", "analista")
    globex = member("globex", "globex_analyst")
    globex.organization.business_hours = "00:00-23:59"
    globex.organization.save()
    for _ in range(3):
        audit_record(
            org=analista.organization, user=analista.user, action="ask", outcome="answered"
        )
    reports = anomalies_detect(
        org=globex.organization, window_end=timezone.now() + dt.timedelta(hours=1)
    )
    assert reports == []
    assert not AnomalyReport.all_tenants.filter(organization=globex.organization).exists()
