"""Compliance pages: the audit log (filters in the URL, details, audited exports) and anomalies."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from apps.governance.models import AnomalyReport, AuditEntry
from tests.web.conftest import HTMX

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(login, ask_htmx):  # noqa: ANN001, ANN201
    """One answered and one refused question by the analyst, one answer for the viewer."""
    login("analista")
    ask_htmx("¿Cuál fue el total de ventas por región?")
    ask_htmx("salario promedio de empleados")
    login("visor")
    ask_htmx("¿Cuál fue el total de ventas por región?")


@pytest.mark.parametrize("username", ["analista", "cientifica", "visor", "steward"])
def test_compliance_pages_do_not_exist_for_other_roles(login, username):
    client = login(username)
    for url in ("/compliance/audit/", "/compliance/audit/export/?format=csv",
                "/compliance/audit/1/", "/compliance/anomalies/"):  # fmt: skip
        assert client.get(url).status_code == 404, (username, url)
    assert "/compliance/" not in client.get("/chat/").content.decode()  # no nav link either


@pytest.mark.parametrize("username", ["auditor", "admin"])
def test_audit_log_lists_entries_with_status_icon_and_text(login, activity, username):
    html = login(username).get("/compliance/audit/").content.decode()
    assert "Auditoría" in html
    assert "status-answered" in html and "Respondida" in html
    assert "status-refused" in html and "Rechazada" in html and "icon-ban" in html
    assert "table_not_allowed" in html and "salario promedio de empleados" in html


def test_filters_are_applied_and_kept_in_the_url(login, activity):
    client = login("auditor")
    refused = client.get("/compliance/audit/?outcome=refused", **HTMX).content.decode()
    assert "status-refused" in refused and "status-answered" not in refused
    assert "<html" not in refused  # htmx gets the results only
    assert "outcome=refused&amp;format=csv" in refused  # the export follows the filter
    by_user = client.get("/compliance/audit/?user=visor").content.decode()
    assert "visor" in by_user and "salario" not in by_user
    assert 'value="visor"' in by_user  # the form shows the filter in effect
    text = client.get("/compliance/audit/?q=salario").content.decode()
    assert "salario promedio" in text and "1 entrada" in text
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    later = client.get(f"/compliance/audit/?date_from={tomorrow}").content.decode()
    assert "Ninguna entrada coincide con estos filtros." in later
    code = client.get("/compliance/audit/?code=table_not_allowed").content.decode()
    assert "1 entrada" in code


def test_detail_shows_the_sql_as_executed_and_the_filters(login, activity):
    client = login("auditor")
    entry = AuditEntry.objects.filter(username="visor", outcome="answered").latest("seq")
    html = client.get(f"/compliance/audit/{entry.seq}/", **HTMX).content.decode()
    assert "SQL tal como se ejecutó" in html and "language-sql" in html
    assert "ventas.region" in html  # the row filter the viewer's policy added
    other_org = client.get("/compliance/audit/999999/")
    assert other_org.status_code == 404


def test_csv_export_follows_the_filter_and_is_audited(login, activity):
    client = login("auditor")
    before = AuditEntry.objects.filter(action="export").count()
    response = client.get("/compliance/audit/export/?outcome=refused&format=csv")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")  # BOM: spreadsheets read UTF-8 right
    lines = body.lstrip("\ufeff").strip().splitlines()
    assert lines[0].startswith("seq;time;user")  # `;` for Spanish
    assert len(lines) == 2 and "table_not_allowed" in lines[1]
    export = AuditEntry.objects.filter(action="export").latest("seq")
    assert AuditEntry.objects.filter(action="export").count() == before + 1
    assert export.username == "auditor" and export.details["filters"] == {"outcome": "refused"}


def test_excel_export_has_real_values_and_an_export_sheet(login, activity):
    response = login("admin").get("/compliance/audit/export/?format=xlsx&user=analista")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["audit", "export"]
    rows = list(book["audit"].iter_rows(values_only=True))
    assert rows[0][0] == "seq" and len(rows) == 3
    assert isinstance(rows[1][1], dt.datetime) and isinstance(rows[1][10], int)
    info = dict(book["export"].iter_rows(values_only=True))
    assert info["exported_by"] == "admin" and info["filter.user"] == "analista"


def _report(org, **kwargs) -> AnomalyReport:  # noqa: ANN001
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    defaults = {
        "organization": org,
        "username": "analista",
        "kind": AnomalyReport.Kind.VOLUME,
        "window_start": now - dt.timedelta(hours=1),
        "window_end": now,
        "observed": 400,
        "baseline": 100,
        "threshold": 120,
        "severity": AnomalyReport.Severity.HIGH,
    }
    defaults.update(kwargs)
    return AnomalyReport.all_tenants.create(**defaults)


def test_anomalies_are_grouped_by_severity_and_can_be_acknowledged(login, member):
    org = member("acme", "auditor").organization
    high = _report(org)
    _report(org, kind=AnomalyReport.Kind.REFUSALS, severity="low", observed=6, baseline=0)
    client = login("auditor")
    html = client.get("/compliance/anomalies/").content.decode()
    assert html.index("Gravedad: Alta") < html.index("Gravedad: Baja")
    assert "+300 %" in html and "Número inusual de preguntas" in html
    card = client.post(f"/compliance/anomalies/{high.pk}/acknowledge/", **HTMX).content.decode()
    assert "Revisada" in card and "Marcar como revisada" not in card
    high.refresh_from_db()
    assert high.status == "acknowledged" and high.acknowledged_by.username == "auditor"
    client.post(f"/compliance/anomalies/{high.pk}/close/")
    assert (
        "Número inusual de preguntas" not in client.get("/compliance/anomalies/").content.decode()
    )
    assert (
        "Número inusual de preguntas"
        in client.get("/compliance/anomalies/?status=all").content.decode()
    )


def test_another_orgs_anomaly_is_404(login, member):
    theirs = _report(member("globex", "globex_analyst").organization, username="globex_analyst")
    client = login("auditor")
    assert client.post(f"/compliance/anomalies/{theirs.pk}/acknowledge/").status_code == 404


def test_audit_csv_reads_back_with_pandas_and_states_its_provenance_in_headers(login, activity):
    import pandas as pd

    response = login("auditor").get("/compliance/audit/export/?format=csv&sep=comma")
    frame = pd.read_csv(io.BytesIO(response.content), sep=",", encoding="utf-8-sig")
    assert list(frame.columns)[:3] == ["seq", "time", "user"]
    assert len(frame) == int(response["X-DataChat-Rows"]) > 0
    assert response["X-DataChat-Exported-By"] == "auditor"
    assert response["X-DataChat-Generated"][:4].isdigit()
    book = load_workbook(
        io.BytesIO(login("auditor").get("/compliance/audit/export/?format=xlsx").content)
    )
    sheet = book["audit"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert sheet["B2"].is_date and sheet["K2"].number_format == "#,##0"
