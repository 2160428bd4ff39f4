"""The audit log and anomaly reports through the API: COMPLIANCE and ADMIN only, own org only."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from django.utils import timezone

from apps.governance.models import AccessPolicy, AnomalyReport, AuditEntry
from apps.governance.services import audit_record

pytestmark = pytest.mark.django_db


def anomaly(member, org: str, username: str, **fields) -> AnomalyReport:  # noqa: ANN001, ANN003
    membership = member(org, username)
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=2)
    values = {
        "kind": AnomalyReport.Kind.VOLUME,
        "window_start": start,
        "window_end": start + dt.timedelta(hours=1),
        "observed": 500,
        "threshold": 120,
        "severity": AnomalyReport.Severity.HIGH,
        **fields,
    }
    return AnomalyReport.all_tenants.create(
        organization=membership.organization, user=membership.user, username=username, **values
    )


# --- who may read -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/audit/", "/api/v1/anomalies/"])
def test_only_compliance_and_admins_read_audit_and_anomalies(api, url):
    for username in ("analista", "cientifica", "visor", "steward"):
        response = api("acme", username).get(url)
        assert response.status_code == 403, username
        assert response.json()["error"]["code"] == "audit_not_allowed"
    for username in ("auditor", "admin"):
        assert api("acme", username).get(url).status_code == 200, username
    assert api("globex", "globex_analyst").get(url).status_code == 403


def test_the_policy_flag_alone_decides_who_reads_the_audit_log(api):
    """No role list in code: granting `can_view_audit` to a role opens the audit log to it,
    taking it away closes it, whatever the role's name."""
    AccessPolicy.all_tenants.filter(organization__slug="acme", role="STEWARD").update(
        can_view_audit=True
    )
    assert api("acme", "steward").get("/api/v1/audit/").status_code == 200
    assert api("acme", "steward").get("/api/v1/anomalies/").status_code == 200
    AccessPolicy.all_tenants.filter(organization__slug="acme", role="COMPLIANCE").update(
        can_view_audit=False
    )
    assert api("acme", "auditor").get("/api/v1/audit/").status_code == 403
    assert api("acme", "admin").get("/api/v1/audit/").status_code == 200


# --- the audit log ----------------------------------------------------------------------------


def test_the_audit_log_shows_only_my_org_newest_first(api, run_sql):
    mine = run_sql("acme", "analista", "SELECT COUNT(*) FROM ventas")
    foreign = run_sql("globex", "globex_analyst", "SELECT COUNT(*) FROM pedidos")
    body = api("acme", "auditor").get("/api/v1/audit/").json()
    entries = body["results"]
    assert body["count"] == AuditEntry.objects.filter(organization__slug="acme").count()
    seqs = [e["seq"] for e in entries]
    assert seqs == sorted(seqs, reverse=True)
    assert entries[0]["details"]["message_id"] == mine["message_id"]
    assert entries[0]["sql"] == mine["sql"] and entries[0]["entry_hash"]
    everything = api("acme", "admin").get("/api/v1/audit/", {"page_size": 100}).json()
    assert foreign["message_id"] not in {
        e["details"].get("message_id") for e in everything["results"]
    }
    assert "globex_analyst" not in {e["username"] for e in everything["results"]}


def test_audit_filters_user_outcome_code_and_dates(api, run_sql, member):
    run_sql("acme", "analista", "SELECT COUNT(*) FROM ventas")
    from apps.chat.pipeline import run_query

    run_query(membership=member("acme", "analista"), sql="SELECT salario FROM empleados")
    run_sql("acme", "cientifica", "SELECT COUNT(*) FROM ventas")
    client = api("acme", "auditor")
    by_user = client.get("/api/v1/audit/", {"user": "cientifica"}).json()["results"]
    assert by_user and {e["username"] for e in by_user} == {"cientifica"}
    refused = client.get("/api/v1/audit/", {"outcome": "refused", "user": "analista"}).json()
    assert refused["results"] and {e["outcome"] for e in refused["results"]} == {"refused"}
    coded = client.get("/api/v1/audit/", {"code": "table_not_allowed"}).json()["results"]
    assert coded and {e["code"] for e in coded} == {"table_not_allowed"}
    today = timezone.localdate()
    todays = client.get("/api/v1/audit/", {"from": today.isoformat(), "to": today.isoformat()})
    assert todays.json()["count"] >= 3
    future = (today + dt.timedelta(days=1)).isoformat()
    assert client.get("/api/v1/audit/", {"from": future}).json()["count"] == 0
    past = "2000-01-01T00:00:00+00:00"
    assert client.get("/api/v1/audit/", {"to": past}).json()["count"] == 0
    bad = client.get("/api/v1/audit/", {"from": "yesterday"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_input"
    assert client.get("/api/v1/audit/", {"outcome": "maybe"}).status_code == 400


def test_audit_pages(api, member):
    org = member("acme", "auditor").organization
    for i in range(30):
        audit_record(org=org, user=None, action="ask", outcome="answered", question=f"q{i}")
    page = api("acme", "auditor").get("/api/v1/audit/", {"page_size": 10}).json()
    assert len(page["results"]) == 10 and page["next"] and page["count"] >= 30


def test_the_audit_log_never_holds_masked_values(api, run_sql, demo_db_path):
    run_sql("acme", "analista", "SELECT nombre, email, telefono FROM clientes")
    with sqlite3.connect(f"file:{demo_db_path}?mode=ro", uri=True) as conn:
        secrets = [v for row in conn.execute("SELECT email, telefono FROM clientes") for v in row]
    text = api("acme", "admin").get("/api/v1/audit/", {"page_size": 100}).content.decode()
    assert not [s for s in secrets if s and s in text]


# --- anomalies --------------------------------------------------------------------------------


def test_anomalies_of_my_org_only_filtered_by_status_and_severity(api, member):
    high = anomaly(member, "acme", "analista")
    low = anomaly(member, "acme", "cientifica", severity="low", kind="off_hours", status="closed")
    foreign = anomaly(member, "globex", "globex_analyst")
    client = api("acme", "auditor")
    listed = {a["id"] for a in client.get("/api/v1/anomalies/").json()["results"]}
    assert {high.pk, low.pk} <= listed and foreign.pk not in listed
    by_severity = client.get("/api/v1/anomalies/", {"severity": "high"}).json()["results"]
    assert {a["id"] for a in by_severity} == {high.pk}
    closed = client.get("/api/v1/anomalies/", {"status": "closed"}).json()["results"]
    assert [a["id"] for a in closed] == [low.pk]
    assert client.get("/api/v1/anomalies/", {"severity": "huge"}).status_code == 400


def test_acknowledging_an_anomaly(api, member):
    report = anomaly(member, "acme", "analista")
    response = api("acme", "auditor").post(f"/api/v1/anomalies/{report.pk}/acknowledge/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "acknowledged" and body["acknowledged_by"] == "auditor"
    closed = api("acme", "admin").post(
        f"/api/v1/anomalies/{report.pk}/acknowledge/", {"close": True}, format="json"
    )
    assert closed.json()["status"] == "closed" and closed.json()["acknowledged_by"] == "admin"


def test_acknowledging_is_gated_and_another_orgs_report_is_a_404(api, member):
    mine = anomaly(member, "acme", "analista")
    foreign = anomaly(member, "globex", "globex_analyst")
    assert (
        api("acme", "analista").post(f"/api/v1/anomalies/{mine.pk}/acknowledge/").status_code == 403
    )
    response = api("acme", "auditor").post(f"/api/v1/anomalies/{foreign.pk}/acknowledge/")
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == AnomalyReport.Status.NEW and foreign.acknowledged_by is None
