"""Exports: only roles allowed to export, the full result re-run under the caller's CURRENT policy,
CSV streamed (UTF-8 BOM, `;` for Spanish, nothing but the header and rows; provenance in the
`X-DataChat-*` headers), Excel with typed, formatted cells and a provenance sheet, every attempt
audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import load_workbook

from apps.governance.models import AccessPolicy, AuditEntry, Organization

pytestmark = pytest.mark.django_db

BY_REGION = "SELECT region, SUM(total) AS total FROM ventas GROUP BY region ORDER BY region"


def export_url(message_id: int, fmt: str = "csv", **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"format": fmt, **params}.items())
    return f"/api/v1/messages/{message_id}/export/?{query}"


def read_csv(response) -> tuple[dict[str, str], list[list[str]], str]:  # noqa: ANN001
    """(provenance headers, rows including the header, delimiter) of a streamed CSV export."""
    assert isinstance(response, StreamingHttpResponse)
    assert not isinstance(response, FileResponse)
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    text = raw.decode("utf-8-sig")
    assert not text.startswith("#")  # no comment line: row 1 is the header
    delimiter = ";" if text.split("\r\n", 1)[0].count(";") else ","
    provenance = {k: v for k, v in response.items() if k.lower().startswith("x-datachat-")}
    return provenance, list(csv.reader(io.StringIO(text), delimiter=delimiter)), delimiter


def policy(role: str) -> AccessPolicy:
    return AccessPolicy.all_tenants.get(organization__slug="acme", role=role)


def demo_rows(path: str, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


def last_export() -> AuditEntry:
    return AuditEntry.objects.filter(action="export").order_by("-id").first()


# --- who may export ---------------------------------------------------------------------------


def test_an_analyst_may_not_export_and_the_attempt_is_audited(api, run_sql):
    answer = run_sql("acme", "analista", BY_REGION)
    response = api("acme", "analista").get(export_url(answer["message_id"]))
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "export_not_allowed"
    entry = last_export()
    assert (entry.username, entry.outcome, entry.code) == (
        "analista",
        "refused",
        "export_not_allowed",
    )
    assert entry.details["message_id"] == answer["message_id"]


def test_compliance_asks_no_data_and_exports_none(api, stored_answer):
    message = stored_answer("acme", "auditor", BY_REGION)
    response = api("acme", "auditor").get(export_url(message.pk, "xlsx"))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "export_not_allowed"


def test_another_orgs_or_a_colleagues_message_is_a_404(api, run_sql):
    foreign = run_sql("globex", "globex_analyst", "SELECT COUNT(*) FROM pedidos")
    colleague = run_sql("acme", "analista", BY_REGION)
    admin = api("acme", "admin")
    for message_id in (foreign["message_id"], colleague["message_id"]):
        for fmt in ("csv", "xlsx"):
            assert admin.get(export_url(message_id, fmt)).status_code == 404
    mine = run_sql("acme", "admin", BY_REGION)
    assert api("globex", "globex_analyst").get(export_url(mine["message_id"])).status_code == 404
    assert not AuditEntry.objects.filter(action="export", username="admin").exists()


# --- what an export contains ------------------------------------------------------------------


def test_a_data_scientist_exports_csv_matching_the_answer(api, run_sql):
    answer = run_sql("acme", "cientifica", BY_REGION)
    response = api("acme", "cientifica").get(export_url(answer["message_id"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert f'filename="empresa_{today}.csv"' in response["Content-Disposition"]
    provenance, rows, delimiter = read_csv(response)
    assert delimiter == ";"  # Spanish by default
    assert provenance["X-DataChat-Source"] == "empresa"
    assert provenance["X-DataChat-Export-Cap"] == "100000"  # the export cap is stated
    assert provenance["X-DataChat-Generated"].startswith(today)
    assert rows[0] == answer["columns"] == ["region", "total"]
    assert [[r[0], float(r[1])] for r in rows[1:]] == [[r[0], r[1]] for r in answer["rows"]]
    entry = last_export()
    assert (entry.username, entry.outcome, entry.row_count) == ("cientifica", "answered", 4)
    assert entry.details["format"] == "csv" and entry.channel == "api"


def test_english_callers_get_commas_or_ask_for_a_delimiter(api, run_sql):
    answer = run_sql("acme", "cientifica", BY_REGION)
    client = api("acme", "cientifica")
    english = client.get(export_url(answer["message_id"]), HTTP_ACCEPT_LANGUAGE="en")
    provenance, rows, delimiter = read_csv(english)
    assert delimiter == "," and provenance["X-DataChat-Source"] == "empresa"
    chosen = client.get(export_url(answer["message_id"], delimiter="semicolon"))
    assert read_csv(chosen)[2] == ";"
    assert read_csv(client.get(export_url(answer["message_id"], sep=",")))[2] == ","
    assert client.get(export_url(answer["message_id"], sep="|")).status_code == 400
    assert client.get(export_url(answer["message_id"], "pdf")).status_code == 400


def test_a_data_scientist_exports_excel_with_real_numbers_dates_and_a_record(api, run_sql):
    sql = "SELECT venta_id, fecha, region, cantidad, total FROM ventas ORDER BY venta_id LIMIT 50"
    answer = run_sql("acme", "cientifica", sql)
    response = api("acme", "cientifica").get(export_url(answer["message_id"], "xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    data, record = book.worksheets
    values = list(data.iter_rows(values_only=True))
    assert list(values[0]) == answer["columns"]
    assert len(values) - 1 == answer["row_count"] == 50
    for got, expected in zip(values[1:], answer["rows"], strict=True):
        venta_id, fecha, region, cantidad, total = got
        assert isinstance(venta_id, int) and isinstance(cantidad, int)
        assert isinstance(total, (int, float)) and total == pytest.approx(expected[4])
        assert isinstance(fecha, dt.datetime) and fecha.date().isoformat() == expected[1]
        assert region == expected[2]
    facts = {row[0]: row[1] for row in record.iter_rows(values_only=True)}
    assert facts["Pregunta"] == sql
    assert facts["SQL ejecutado"] == last_export().sql
    assert "cientifica" in facts["por"] and facts["fuente"] == "empresa"
    assert facts["exportado"].startswith(timezone.now().date().isoformat()[:4])
    assert last_export().details["format"] == "xlsx"


def test_masked_columns_stay_masked_in_exports(api, run_sql):
    answer = run_sql("acme", "cientifica", "SELECT nombre, email, telefono FROM clientes")
    _, rows, _ = read_csv(api("acme", "cientifica").get(export_url(answer["message_id"])))
    assert rows[1:] and {r[1] for r in rows[1:]} == {r[2] for r in rows[1:]} == {"***"}
    entry = last_export()
    assert {"email", "telefono"} <= set(entry.details["masked_columns"])


def test_cells_a_spreadsheet_would_run_are_neutralised(api, run_sql):
    sql = "SELECT '=HYPERLINK(\"http://x\")' AS a, '-2' AS b, -2 AS c FROM productos LIMIT 1"
    answer = run_sql("acme", "cientifica", sql)
    client = api("acme", "cientifica")
    _, rows, _ = read_csv(client.get(export_url(answer["message_id"])))
    assert rows[1] == ['\'=HYPERLINK("http://x")', "'-2", "-2"]
    book = load_workbook(
        io.BytesIO(b"".join(client.get(export_url(answer["message_id"], "xlsx")).streaming_content))
    )
    cell = book.worksheets[0]["A2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x")'
    assert book.worksheets[0]["C2"].value == -2


def test_an_answer_without_data_is_not_exportable(api, stored_answer):
    message = stored_answer(
        "acme", "cientifica", "", answer_type="REFUSED", error={"code": "table_not_allowed"}
    )
    response = api("acme", "cientifica").get(export_url(message.pk))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_exportable"


# --- the re-run under the current policy ------------------------------------------------------


def test_a_viewer_exports_only_after_a_policy_change_and_only_norte(
    api, stored_answer, demo_db_path
):
    # Given a viewer's answer whose stored SQL reads every region (as if the filter were new)
    message = stored_answer("acme", "visor", "SELECT venta_id, region, total FROM ventas")
    visor = api("acme", "visor")
    # When exporting under the default policy: refused
    refused = visor.get(export_url(message.pk))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "export_not_allowed"
    # When an admin lets viewers export
    AccessPolicy.all_tenants.filter(pk=policy("VIEWER").pk).update(can_export=True)
    response = visor.get(export_url(message.pk))
    # Then the export re-runs under the viewer's current policy: Norte rows only, all of them
    assert response.status_code == 200
    today = timezone.localdate().isoformat()
    assert f'filename="empresa_norte_{today}.csv"' in response["Content-Disposition"]
    provenance, rows, _ = read_csv(response)
    assert "Norte" in provenance["X-DataChat-Scope"]
    regions = {r[1] for r in rows[1:]}
    assert regions == {"Norte"}
    expected = demo_rows(demo_db_path, "SELECT COUNT(*) FROM ventas WHERE region = 'Norte'")
    assert len(rows) - 1 == expected[0][0]
    entry = last_export()
    assert entry.username == "visor" and entry.details["filters"]
    # and the Excel file says so too
    book = load_workbook(
        io.BytesIO(b"".join(visor.get(export_url(message.pk, "xlsx")).streaming_content))
    )
    assert {row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)} == {
        "Norte"
    }


def test_a_row_filter_added_after_the_answer_applies_to_the_export(api, run_sql):
    answer = run_sql("acme", "cientifica", BY_REGION)
    assert len(answer["rows"]) == 4
    AccessPolicy.all_tenants.filter(pk=policy("DATA_SCIENTIST").pk).update(
        row_filters=[{"table": "ventas", "column": "region", "value": "Sur"}]
    )
    response = api("acme", "cientifica").get(export_url(answer["message_id"]))
    _, rows, _ = read_csv(response)
    assert [r[0] for r in rows[1:]] == ["Sur"]
    assert "empresa_sur_" in response["Content-Disposition"]


def test_a_table_withdrawn_since_the_answer_is_refused(api, run_sql):
    answer = run_sql("acme", "cientifica", BY_REGION)
    AccessPolicy.all_tenants.filter(pk=policy("DATA_SCIENTIST").pk).update(
        allowed_tables=["productos", "clientes"]
    )
    response = api("acme", "cientifica").get(export_url(answer["message_id"], "xlsx"))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "table_not_allowed"
    assert (last_export().outcome, last_export().code) == ("refused", "table_not_allowed")


# --- big results ------------------------------------------------------------------------------


def test_a_large_csv_export_streams_the_full_result(
    api, run_sql, demo_db_path, django_assert_num_queries
):
    # Given an answer of 5,000 rows of which the answer itself holds only the row cap
    answer = run_sql("acme", "cientifica", "SELECT venta_id, fecha, region, total FROM ventas")
    total = demo_rows(demo_db_path, "SELECT COUNT(*) FROM ventas")[0][0]
    assert answer["truncated"] and len(answer["rows"]) < answer["row_count"] == total
    # When exported as CSV
    response = api("acme", "cientifica").get(export_url(answer["message_id"]))
    # Then it streams in chunks and holds every row, in the query's order
    assert isinstance(response, StreamingHttpResponse) and response.streaming
    # the body is produced after the view returned, outside the tenant scope: no ORM at all
    with django_assert_num_queries(0):
        chunks = list(response.streaming_content)
    assert len(chunks) > 3
    text = b"".join(chunks).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))[1:]
    assert len(rows) == total
    assert [int(r[0]) for r in rows[:3]] == [r[0] for r in answer["rows"][:3]]
    assert response["X-Row-Count"] == str(total)
    assert last_export().row_count == total


def test_the_export_stops_at_the_count_cap_and_says_so(api, run_sql):
    answer = run_sql("acme", "cientifica", "SELECT venta_id, total FROM ventas")
    Organization.objects.filter(slug="acme").update(count_cap=1500)
    for fmt in ("csv", "xlsx"):
        response = api("acme", "cientifica").get(export_url(answer["message_id"], fmt))
        assert response.status_code == 200
        assert response["X-Count-Capped"] == "true"
        if fmt == "csv":
            provenance, rows, _ = read_csv(response)
            assert provenance["X-DataChat-Export-Cap"] == "1500"
            assert provenance["X-DataChat-Truncated"] == "true"
            assert len(rows) - 1 == 1500
        else:
            book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
            assert book.worksheets[0].max_row - 1 == 1500


@pytest.mark.services
def test_exports_stream_from_postgresql_sources_too(api, member, scratch_postgres_db, demo_db_path):
    from apps.chat.pipeline import run_query
    from apps.knowledge.demo.postgres import load_into_postgres
    from apps.knowledge.models import DataSource
    from apps.knowledge.services import catalog_refresh, datasource_create

    load_into_postgres(demo_db_path, scratch_postgres_db)
    source = datasource_create(
        org=member("acme", "cientifica").organization,
        name="empresa_pg",
        kind=DataSource.Kind.POSTGRES,
        location=scratch_postgres_db,
        restricted=False,  # opened to the org's roles, as its admin would
    )
    catalog_refresh(data_source=source)
    answer = run_query(
        membership=member("acme", "cientifica"),
        sql="SELECT venta_id, fecha, region, total FROM ventas ORDER BY venta_id",
        source_name="empresa_pg",
    )
    assert answer["type"] == "SQL" and answer["truncated"]
    response = api("acme", "cientifica").get(export_url(answer["message_id"]))
    provenance, rows, _ = read_csv(response)
    assert provenance["X-DataChat-Source"] == "empresa_pg"
    assert len(rows) - 1 == answer["row_count"]
    assert rows[1][1] == answer["rows"][0][1]  # dates as ISO text
    xlsx = api("acme", "cientifica").get(export_url(answer["message_id"], "xlsx"))
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert book.worksheets[0].max_row - 1 == answer["row_count"]


def test_a_viewers_real_answer_exports_the_same_norte_rows(api):
    # The whole path: the viewer asks in Spanish, then (once allowed) exports that answer.
    visor = api("acme", "visor")
    answer = visor.post(
        "/api/v1/chat/", {"question": "¿Cuál fue el total de ventas por región?"}, format="json"
    ).json()
    assert answer["type"] == "SQL" and [row[0] for row in answer["rows"]] == ["Norte"]
    assert visor.get(export_url(answer["message_id"])).status_code == 403
    AccessPolicy.all_tenants.filter(pk=policy("VIEWER").pk).update(can_export=True)
    response = visor.get(export_url(answer["message_id"]))
    _, rows, _ = read_csv(response)
    assert rows[0] == answer["columns"]
    assert [[r[0], float(r[1])] for r in rows[1:]] == [[r[0], r[1]] for r in answer["rows"]]
    assert "empresa_norte_" in response["Content-Disposition"]


# --- payloads in headers and metadata (issue 10, section 6) ------------------------------------


def test_a_query_alias_cannot_put_a_formula_in_the_header_row(api, run_sql):
    sql = "SELECT 1 AS \"=cmd|' /C calc'!A0\", -5 AS \"@x\", '-7' AS texto FROM productos LIMIT 1"
    answer = run_sql("acme", "cientifica", sql)
    assert answer["columns"][0].startswith("=cmd")
    client = api("acme", "cientifica")
    _, rows, _ = read_csv(client.get(export_url(answer["message_id"])))
    alias = answer["columns"][0]
    assert rows[0] == ["'" + alias, "'@x", "texto"]
    assert rows[1] == ["1", "-5", "'-7"]
    response = client.get(export_url(answer["message_id"], "xlsx"))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    header, values = list(sheet.iter_rows(max_row=2))
    assert all(cell.data_type == "s" for cell in header)
    assert header[0].value == alias and header[0].quotePrefix
    assert header[1].quotePrefix and not header[2].quotePrefix
    assert values[1].data_type == "n" and values[1].value == -5  # a real number stays one
    assert values[2].data_type == "s" and values[2].value == "-7" and values[2].quotePrefix


def test_a_question_with_control_characters_exports_to_excel(api, stored_answer):
    message = stored_answer(
        "acme", "cientifica", "SELECT region FROM ventas LIMIT 2", question="ventas\x01\x1b[0m"
    )
    response = api("acme", "cientifica").get(export_url(message.pk, "xlsx"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    facts = {row[0]: row[1] for row in book.worksheets[1].iter_rows(values_only=True)}
    assert facts["Pregunta"] == "ventas\\x01\\x1b[0m"


# --- exports that open cleanly (issue 14, item 8) ---------------------------------------------


def test_pandas_reads_the_csv_with_the_right_columns_in_either_locale(api, run_sql):
    import pandas as pd

    sql = "SELECT venta_id, fecha, region, total FROM ventas ORDER BY venta_id LIMIT 20"
    answer = run_sql("acme", "cientifica", sql)
    client = api("acme", "cientifica")
    for headers, sep in (({}, ";"), ({"HTTP_ACCEPT_LANGUAGE": "en"}, ",")):
        response = client.get(export_url(answer["message_id"]), **headers)
        body = b"".join(response.streaming_content)
        assert body.startswith(b"\xef\xbb\xbf")
        frame = pd.read_csv(io.BytesIO(body), sep=sep, encoding="utf-8-sig")
        assert list(frame.columns) == ["venta_id", "fecha", "region", "total"]
        assert len(frame) == 20
        assert frame["venta_id"].tolist() == [row[0] for row in answer["rows"]]
        assert frame["total"].tolist() == pytest.approx([row[3] for row in answer["rows"]])
        assert response["X-DataChat-Rows"] == "20"
    # the `sep` choice wins over the locale
    chosen = client.get(export_url(answer["message_id"], sep="tab"), HTTP_ACCEPT_LANGUAGE="en")
    frame = pd.read_csv(io.BytesIO(b"".join(chosen.streaming_content)), sep="\t")
    assert list(frame.columns) == ["venta_id", "fecha", "region", "total"]


def test_openpyxl_reads_typed_formatted_cells_a_frozen_header_and_provenance(api, run_sql):
    sql = (
        "SELECT venta_id, fecha, region, cantidad, descuento, total, "
        "SUM(total) OVER () AS ingresos_totales FROM ventas ORDER BY venta_id LIMIT 30"
    )
    answer = run_sql("acme", "cientifica", sql)
    response = api("acme", "cientifica").get(export_url(answer["message_id"], "xlsx"))
    assert response.status_code == 200
    assert response["X-DataChat-Source"] == "empresa"
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["Datos", "Procedencia"]
    data = book["Datos"]
    assert data.freeze_panes == "A2"
    header = [cell for cell in data[1]]
    assert [c.value for c in header] == answer["columns"] and all(c.font.b for c in header)
    row = {name: data.cell(row=2, column=i + 1) for i, name in enumerate(answer["columns"])}
    assert row["venta_id"].data_type == "n" and row["venta_id"].number_format == "0"
    assert row["fecha"].is_date and row["fecha"].number_format == "yyyy-mm-dd"
    assert row["fecha"].value.date().isoformat() == answer["rows"][0][1]
    assert row["region"].data_type == "s"
    assert row["cantidad"].data_type == "n" and row["cantidad"].number_format == "#,##0"
    assert row["descuento"].number_format in ("#,##0.00", "#,##0")  # a fraction, not money
    assert "USD" not in row["descuento"].number_format
    # money: the catalog describes ventas.total "en USD"; a sum of it is money too
    for name in ("total", "ingresos_totales"):
        assert row[name].data_type == "n"
        assert row[name].number_format == '#,##0.00 "USD"'
    provenance = dict(book["Procedencia"].iter_rows(values_only=True))
    assert provenance["fuente"] == "empresa" and "cientifica" in provenance["por"]


def test_money_columns_come_from_the_catalog_and_counts_are_never_money():
    from apps.chat.exports import money_columns

    currencies = {"total": "USD", "ventas.total": "USD", "precio_lista": "EUR"}
    sql = (
        "SELECT region, SUM(total) AS ingresos, COUNT(total) AS n, AVG(v.total) AS ticket, "
        "SUM(total) / COUNT(*) AS x, MAX(precio_lista) + SUM(total) AS mixed FROM ventas AS v"
    )
    assert money_columns(sql, "sqlite", currencies) == {1: "USD", 3: "USD"}
    assert money_columns("not sql at all (", "sqlite", currencies) == {}
