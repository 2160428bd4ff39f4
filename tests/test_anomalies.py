"""Anomaly reports: unusual volume, rows, refusals and off-hours activity per user and window."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.governance.anomalies import anomalies_detect, anomaly_acknowledge
from apps.governance.models import AnomalyReport
from apps.governance.services import audit_record
from tests.support.fixtures import login_request

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


def _refusals(*, org, user, actor: str, kind: str, count: int, at, ip: str = "") -> None:  # noqa: ANN001
    from apps.governance.refusals import refusal_record

    for _ in range(count):
        refusal_record(org=org, user=user, actor=actor, kind=kind, channel="api", ip=ip, now=at)


def test_id_probing_is_reported(member, client):
    """Many refused object ids from one user in the window (aggregated entries, weighted)."""
    analista = member("acme", "analista")
    org = analista.organization
    at = timezone.now() - dt.timedelta(minutes=2)
    _refusals(org=org, user=analista.user, actor="analista", kind="not_found", count=25, at=at)
    visor = member("acme", "visor")
    _refusals(org=org, user=visor.user, actor="visor", kind="not_found", count=3, at=at)
    reports = anomalies_detect(org=org, window_end=at + dt.timedelta(hours=1))
    probing = [r for r in reports if r.kind == AnomalyReport.Kind.PROBING]
    assert [(r.username, r.observed, r.threshold) for r in probing] == [("analista", 25, 20)]
    assert probing[0].user == analista.user and probing[0].severity == "low"
    # The 25 refusals are one aggregated entry: they do not count as 25 "refusals" or questions.
    assert not [r for r in reports if r.kind in ("refusals", "volume")]
    # Compliance sees it on its page (Spanish by default).
    assert client.login(request=login_request(), username="auditor", password="datachat-demo")
    page = client.get("/compliance/anomalies/").content.decode()
    assert "Sondeo de identificadores" in page and "analista" in page


def test_login_bursts_per_username_and_per_address_are_reported(member, caplog):
    """Failed logins for one username, and from one address across the org's users and names
    that exist nowhere (the platform chain); the platform-only burst goes to the log."""
    analista = member("acme", "analista")
    org = analista.organization
    at = timezone.now() - dt.timedelta(minutes=2)
    _refusals(
        org=org,
        user=analista.user,
        actor="analista",
        kind="login_failed",
        count=12,
        at=at,
        ip="198.51.100.4",
    )
    # One address tries two acme users a little and many unknown names.
    _refusals(
        org=org, user=None, actor="visor", kind="login_failed", count=4, at=at, ip="203.0.113.9"
    )
    for n in range(9):
        _refusals(
            org=None,
            user=None,
            actor=f"guess{n}",
            kind="login_failed",
            count=1,
            at=at,
            ip="203.0.113.9",
        )
    end = at + dt.timedelta(hours=1)
    reports = anomalies_detect(org=org, window_end=end)
    logins = {(r.username, r.observed) for r in reports if r.kind == AnomalyReport.Kind.LOGINS}
    assert logins == {("analista", 12), ("ip:198.51.100.4", 12), ("ip:203.0.113.9", 13)}
    assert anomalies_detect(org=org, window_end=end) == []  # idempotent

    from apps.governance.anomalies import anomalies_detect_platform

    with caplog.at_level("WARNING", logger="datachat.audit"):
        findings = anomalies_detect_platform(window_end=end)
    assert [(f.subject, f.observed) for f in findings] == [("ip:203.0.113.9", 13)]
    assert "platform anomaly logins: ip:203.0.113.9 observed 13" in caplog.text
