"""Spreadsheets into an org's DuckDB file: uploaded by the command, the service and the API,
asked at once, masked for an analyst, replaced on re-upload, invisible to another org.

Given `create_org` and `add_datasource --file x.csv|x.xlsx|x.parquet` (in-process), when an
analyst asks, then the answer is SQL over DuckDB through the same guard and executor.
"""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from openpyxl import Workbook
from rest_framework.test import APIClient

from apps.chat.pipeline import ask, run_query
from apps.governance.engine.policy import MASK
from apps.governance.models import AuditEntry, Organization, Role
from apps.governance.services import membership_create
from apps.knowledge.locations import org_sources_dir
from apps.knowledge.models import CatalogColumn, DataSource
from apps.knowledge.services import ConnectError, datasource_connect
from tests.support.fixtures import api_key_for

pytestmark = pytest.mark.django_db

SALES_CSV = (
    "Región;Importe (€);Fecha;Correo electrónico;Código\n"
    "Norte;1.234,56 €;31/12/2025;ana@example.com;00123\n"
    "Sur;987,10 €;01/02/2025;luis@example.com;00456\n"
    "Norte;2.000,00 €;15/03/2025;eva@example.com;00789\n"
)


def sales_csv(path: Path, text: str = SALES_CSV) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def two_sheet_xlsx(path: Path) -> Path:
    book = Workbook()
    orders = book.active
    orders.title = "Orders"
    orders.append(["Order ID", "Customer", "Amount ($)", "Order date"])
    for i in range(1, 11):
        orders.append([i, f"Cust {i % 3}", f"${i * 1000:,}.50", f"2025-0{i % 9 + 1}-10"])
    staff = book.create_sheet("Staff members")
    staff.append(["First name", "Last name", "Phone", "Team"])
    staff.append(["Ann", "Lee", "+34 600 000 001", "North"])
    staff.append(["Bo", "Kim", "+34 600 000 002", "South"])
    book.save(path)
    return path


@pytest.fixture
def org(tmp_path: Path) -> Organization:
    slug = f"sheets-{tmp_path.name[-8:].lower().replace('_', '-')}"
    call_command("create_org", slug=slug, name="Sheets", language="es", stdout=io.StringIO())
    return Organization.objects.get(slug=slug)


def _analyst(org: Organization, name: str = "ana"):  # noqa: ANN202
    membership, _ = membership_create(
        org=org, username=f"{org.slug}-{name}", password="x", role=Role.ANALYST
    )
    return membership


def test_csv_by_command_answers_with_typed_columns_and_masked_personal_data(org, tmp_path):
    # Given a Spanish CSV uploaded with the documented command
    out = io.StringIO()
    call_command(
        "add_datasource",
        org=org.slug,
        name="hojas",
        file=str(sales_csv(tmp_path / "ventas.csv")),
        default=True,
        stdout=out,
    )
    assert "duckdb" in out.getvalue() and "1 tables" in out.getvalue()
    source = DataSource.all_tenants.get(organization=org, name="hojas")
    assert source.kind == DataSource.Kind.DUCKDB and not source.restricted
    assert source.stored_location().endswith(".duckdb")
    # Then the catalog has cleaned names, inferred types, the header as description, the unit
    columns = {c.name: c for c in CatalogColumn.all_tenants.filter(table__data_source=source)}
    assert set(columns) == {"region", "importe", "fecha", "correo_electronico", "codigo"}
    assert columns["importe"].data_type == "REAL" and columns["importe"].currency == "EUR"
    assert columns["importe"].description == "Importe (€)"
    assert columns["fecha"].data_type == "DATE" and columns["codigo"].data_type == "TEXT"
    assert columns["correo_electronico"].pii
    # When an analyst asks in Spanish, the answer is SQL over DuckDB
    analyst = _analyst(org)
    answer = run_query(
        membership=analyst,
        sql="SELECT region, SUM(importe) AS total FROM ventas GROUP BY region ORDER BY region",
    )
    assert answer["type"] == "SQL", answer.get("error")
    assert answer["rows"] == [["Norte", 3234.56], ["Sur", 987.1]]
    asked = ask(membership=analyst, question="¿Cuántas filas hay en ventas?")
    assert asked["type"] == "SQL", asked["answer"]
    assert asked["rows"] == [[3]]
    # And the e-mail column comes back masked, and cannot be filtered on
    rows = run_query(membership=analyst, sql="SELECT * FROM ventas")
    index = rows["columns"].index("correo_electronico")
    assert {row[index] for row in rows["rows"]} == {MASK}
    leak = run_query(
        membership=analyst, sql="SELECT count(*) FROM ventas WHERE correo_electronico LIKE 'a%'"
    )
    assert leak["type"] == "REFUSED" and leak["error"]["code"] == "column_masked"


def test_two_sheet_workbook_gives_two_tables_and_personal_sheet_is_sensitive(org, tmp_path):
    result = datasource_connect(
        org, "libro", file=two_sheet_xlsx(tmp_path / "book.xlsx"), user=None
    )
    assert result.summary["tables"] == 2
    tables = {t.name: t for t in result.source.tables.all()}
    assert set(tables) == {"orders", "staff_members"}
    amount = tables["orders"].columns.get(name="amount")
    assert amount.data_type == "REAL" and amount.currency == "USD"
    assert tables["orders"].columns.get(name="order_date").data_type == "DATE"
    staff = {c.name: c.pii for c in tables["staff_members"].columns.all()}
    assert staff == {"first_name": True, "last_name": True, "phone": True, "team": False}
    analyst = _analyst(org)
    answer = run_query(
        membership=analyst, sql="SELECT SUM(amount) AS total, MAX(order_date) FROM orders"
    )
    assert answer["type"] == "SQL", answer.get("error")
    assert answer["rows"][0][0] == pytest.approx(sum(i * 1000 + 0.5 for i in range(1, 11)))


def test_parquet_upload(org, tmp_path):
    path = tmp_path / "metrics.parquet"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT range AS id, range * 1.5 AS score, 'x' || range AS label "
        f"FROM range(5)) TO '{path}' (FORMAT parquet)"
    )
    con.close()
    result = datasource_connect(org, "pq", file=path, user=None)
    assert result.summary["tables"] == 1
    analyst = _analyst(org)
    answer = run_query(membership=analyst, sql="SELECT SUM(score) FROM metrics", source_name="pq")
    assert answer["type"] == "SQL", answer.get("error")
    assert answer["rows"] == [[15.0]]


def test_reupload_replaces_the_table_and_bumps_the_schema_version(
    org, tmp_path, django_capture_on_commit_callbacks
):
    first = datasource_connect(org, "hojas", file=sales_csv(tmp_path / "ventas.csv"), user=None)
    version = first.source.schema_version
    old_file = first.source.checked_location().sqlite_path
    # Another file adds a table next to it
    datasource_connect(
        org, "hojas", file=sales_csv(tmp_path / "otros.csv", "a,b\n1,2\n"), user=None
    )
    # The same table name again replaces it
    smaller = "Región;Importe (€)\nEste;10,00 €\n"
    with django_capture_on_commit_callbacks(execute=True):
        again = datasource_connect(
            org, "hojas", file=sales_csv(tmp_path / "ventas.csv", smaller), user=None
        )
    source = again.source
    assert source.schema_version > version
    assert sorted(t.name for t in source.tables.all()) == ["otros", "ventas"]
    assert sorted(c.name for c in source.tables.get(name="ventas").columns.all()) == [
        "importe",
        "region",
    ]
    answer = run_query(membership=_analyst(org), sql="SELECT region, importe FROM ventas")
    assert answer["rows"] == [["Este", 10.0]]
    # The replaced file is gone from the org's folder; only the current one is left
    assert not Path(old_file).exists()
    assert [p.name for p in org_sources_dir(org).glob("hojas-*.duckdb")] == [
        Path(source.checked_location().sqlite_path).name
    ]


@override_settings(DATACHAT_SPREADSHEET_MAX_ROWS=2, DATACHAT_SPREADSHEET_MAX_MB=1)
def test_limits_and_bad_files_are_refused_with_codes_and_leave_nothing(org, tmp_path):
    with pytest.raises(ConnectError) as rows:
        datasource_connect(org, "hojas", file=sales_csv(tmp_path / "ventas.csv"), user=None)
    assert rows.value.code == "spreadsheet_too_many_rows" and "2" in rows.value.message
    big = tmp_path / "big.csv"
    big.write_text("a\n" + "1\n" * 600_000)
    with pytest.raises(ConnectError) as size:
        datasource_connect(org, "hojas", file=big, user=None)
    assert size.value.code == "spreadsheet_too_large" and "1 MB" in size.value.message
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip file")
    with pytest.raises(ConnectError) as bad:
        datasource_connect(org, "hojas", file=broken, user=None)
    assert bad.value.code == "spreadsheet_unreadable"
    assert not DataSource.all_tenants.filter(organization=org, name="hojas").exists()
    assert list(org_sources_dir(org).iterdir()) == []
    refused = AuditEntry.objects.filter(organization=org, action="datasource_location")
    assert refused.count() >= 3
    with pytest.raises(CommandError, match="spreadsheet_unreadable"):
        call_command("add_datasource", org=org.slug, name="hojas", file=str(broken))


def test_a_sqlite_source_name_is_not_taken_over_by_a_spreadsheet(org, tmp_path):
    import sqlite3

    db = tmp_path / "x.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (a INTEGER)")
    con.commit()
    con.close()
    datasource_connect(org, "main", file=db, user=None)
    with pytest.raises(ConnectError) as exc:
        datasource_connect(org, "main", file=sales_csv(tmp_path / "ventas.csv"), user=None)
    assert exc.value.code == "source_kind_mismatch"


def test_api_upload_by_admin_and_another_org_gets_404(org, tmp_path):
    admin, _ = membership_create(
        org=org, username=f"{org.slug}-boss", password="x", role=Role.ADMIN
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(admin.user)}")
    with two_sheet_xlsx(tmp_path / "book.xlsx").open("rb") as handle:
        response = client.post(
            "/api/v1/datasources/", {"name": "libro", "file": handle}, format="multipart"
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "duckdb" and body["progress"]["tables"] == 2
    # Another org: its admin cannot see the source, its analyst cannot query it
    call_command("create_org", slug=f"{org.slug}-x", name="X", stdout=io.StringIO())
    other = Organization.objects.get(slug=f"{org.slug}-x")
    other_admin, _ = membership_create(
        org=other, username=f"{other.slug}-boss", password="x", role=Role.ADMIN
    )
    outsider = APIClient()
    outsider.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(other_admin.user)}")
    assert outsider.get(f"/api/v1/datasources/{body['id']}/").status_code == 404
    stranger = _analyst(other, "eve")
    answer = run_query(membership=stranger, sql="SELECT * FROM orders", source_name="libro")
    assert answer["type"] in ("REFUSED", "ERROR") and not answer.get("rows")
    assert answer["error"]["code"] == "unknown_source"
    # An analyst of the org may not upload
    analyst = APIClient()
    analyst.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(_analyst(org).user)}")
    with sales_csv(tmp_path / "ventas.csv").open("rb") as handle:
        refused = analyst.post(
            "/api/v1/datasources/", {"name": "x", "file": handle}, format="multipart"
        )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "connect_not_allowed"


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, DATACHAT_SPREADSHEET_INLINE_MB=0)
def test_a_large_file_is_queued_and_the_task_reports_progress_to_ready(
    org, tmp_path, django_capture_on_commit_callbacks
):
    from apps.knowledge.services import datasource_setup

    rows = "".join(f"Norte;{i},50;0{1 + i % 9}/01/2025\n" for i in range(2000))
    path = sales_csv(tmp_path / "grande.csv", "Región;Importe;Fecha\n" + rows)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = datasource_connect(org, "hojas", file=path, user=None)
    assert result.queued and len(callbacks) == 1  # the set-up task, enqueued on commit
    source = result.source
    assert source.setup_status == DataSource.SetupStatus.QUEUED
    # What a worker does with it (`datasource_setup_task`): ingest, introspect, document
    summary = datasource_setup(source=source, user=None)
    source.refresh_from_db()
    assert source.setup_status == DataSource.SetupStatus.READY and summary["tables"] == 1
    assert source.setup["step"] == "ready" and "upload" not in source.setup
    answer = run_query(membership=_analyst(org), sql="SELECT count(*), min(fecha) FROM grande")
    assert answer["rows"] == [[2000, "2025-01-01"]]
    # A damaged large file fails the task with its code, recorded on the source
    broken = tmp_path / "roto.xlsx"
    broken.write_bytes(b"x" * 2048)
    with django_capture_on_commit_callbacks(execute=False):
        queued = datasource_connect(org, "hojas", file=broken, user=None)
    with pytest.raises(ConnectError):
        datasource_setup(source=queued.source, user=None)
    queued.source.refresh_from_db()
    assert queued.source.setup_status == DataSource.SetupStatus.FAILED
    assert queued.source.setup["error"]["code"] == "spreadsheet_unreadable"
    # The failed upload left the source's tables as they were
    assert run_query(membership=_analyst(org), sql="SELECT count(*) FROM grande")["rows"] == [
        [2000]
    ]
