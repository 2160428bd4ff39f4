"""The portal, round 2 (issue 14 §1-7), as pages: human labels, the period said, numbers with
their units and percentages, Markdown rendered, errors that say what happened (and access
requests that reach the org's admins), did-you-mean, the answer's own locale.

The browser half (scrolling, the editor closing, the clipboard) is tests/browser/
test_portal_answers.py."""

from __future__ import annotations

import json
import re

import pytest

from apps.chat.models import Message
from apps.governance.models import AccessRequest, AuditEntry, Organization
from tests.web.conftest import HTMX, body_rows, message_id

pytestmark = pytest.mark.django_db

REGION_QUESTION = "¿Cuál fue el total de ventas por región?"


def _headers(html: str) -> list[str]:
    head = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    cells = re.findall(r"<a class=\"sort\"[^>]*>(.*?)<span class=\"sort-icon\"", head, flags=re.S)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in cells]


def _figure(html: str) -> dict:
    match = re.search(r'<script id="fig-\d+-light" type="application/json">(.*?)</script>', html)
    assert match, "no figure in the card"
    return json.loads(match.group(1))


def _answer(html: str) -> dict:
    return Message.all_tenants.get(pk=message_id(html)).answer


# --- 1: human labels ---------------------------------------------------------------------------


def test_headers_chart_title_and_axes_use_catalog_and_metric_names(login, ask_htmx):
    login("analista")
    _, html = ask_htmx(REGION_QUESTION)
    assert _headers(html) == ["Región", "Ventas totales (USD)"]
    figure = _figure(html)
    assert figure["layout"]["title"]["text"] == "Ventas totales (USD) por Región"
    axes = {figure["layout"]["xaxis"]["title"]["text"], figure["layout"]["yaxis"]["title"]["text"]}
    assert axes == {"Región", "Ventas totales (USD)"}
    assert "revenue_total" not in html.split('<details class="sql-block">', 1)[0]
    answer = _answer(html)
    assert answer["columns"] == ["region", "revenue_total"]  # the contract's columns unchanged
    assert answer["labels"] == {"region": "Región", "revenue_total": "Ventas totales (USD)"}


def test_english_questions_get_english_labels(login, client, ask_htmx):
    login("analista")
    client.post("/i18n/setlang/", {"language": "en", "next": "/chat/"})
    _, html = ask_htmx("What were total sales by month in 2025?")
    headers = _headers(html)
    assert headers[0] == "Month" and headers[1].endswith("(USD)"), headers
    assert "month" not in _figure(html)["layout"]["title"]["text"]


def test_the_chart_switcher_keeps_the_labels(login, client, ask_htmx):
    login("analista")
    _, html = ask_htmx(REGION_QUESTION)
    fragment = client.get(f"/chat/m/{message_id(html)}/chart/?type=pie").content.decode()
    assert "Ventas totales (USD) por Región" in fragment
    assert "revenue_total" not in fragment


# --- 2: the period is said ---------------------------------------------------------------------


def test_last_month_names_the_month_it_used_and_why(login, ask_htmx):
    login("analista")
    _, html = ask_htmx("ventas del mes pasado")
    answer = _answer(html)
    # The demo's data ends on 2025-12-31, long before today: anchored on the data, and said.
    assert answer["period"] == "noviembre de 2025 (mes anterior al último con datos)"
    assert "noviembre de 2025" in answer["answer"] and "(mes pasado)" not in answer["answer"]
    assert "Periodo: noviembre de 2025 (mes anterior al último con datos)" in html


def test_a_question_without_dates_names_the_whole_span(login, ask_htmx):
    login("analista")
    _, html = ask_htmx(REGION_QUESTION)
    assert _answer(html)["period"] == "todo el periodo con datos (1 ene 2024 – 31 dic 2025)"


def test_a_literal_quarter_is_named_in_the_text(login, ask_htmx):
    login("analista")
    _, html = ask_htmx("ventas en el T3 de 2025")
    answer = _answer(html)
    assert answer["period"] == "T3 2025" and "(T3 2025)" in answer["answer"]


# --- 3: numbers --------------------------------------------------------------------------------


def test_a_fraction_column_is_shown_as_percentages(login, ask_htmx):
    login("analista")
    _, html = ask_htmx("descuento promedio por canal")
    assert _headers(html) == ["Canal", "Descuento promedio (%)"]
    cells = [row[1] for row in body_rows(html)]
    assert all(re.fullmatch(r"\d{1,2},\d{2} %", c) for c in cells), cells
    # the text's two values and the table's agree (10,85 % is not shown as 0,11)
    text = _answer(html)["answer"]
    assert cells[0] in text, (cells, text)
    figure = _figure(html)
    value_axis = figure["layout"]["yaxis"] if "tickformat" in figure["layout"]["yaxis"] else {}
    value_axis = value_axis or figure["layout"]["xaxis"]
    assert value_axis["tickformat"] == ".0%"


def test_grouped_rows_are_in_the_order_the_text_gives(login, ask_htmx):
    login("analista")
    _, html = ask_htmx(REGION_QUESTION)
    rows = body_rows(html)
    values = [float(r[1].replace(".", "").replace(",", ".")) for r in rows]
    assert values == sorted(values, reverse=True)
    assert f"**{rows[0][0]}** tiene las mayores ventas totales" in _answer(html)["answer"]


def test_weeks_are_shown_as_date_ranges(login, ask_htmx):
    login("analista")
    _, html = ask_htmx("ventas por semana en noviembre de 2025")
    periods = [row[0] for row in body_rows(html)]
    assert "24–30 nov 2025" in periods and "27 oct – 2 nov 2025" in periods, periods
    assert not any(re.fullmatch(r"\d{4}-\d{2}", p) for p in periods)
    assert "24–30 nov 2025" in _answer(html)["answer"]


def test_an_english_question_on_a_spanish_page_reads_numbers_one_way(login, ask_htmx):
    login("analista")
    _, html = ask_htmx("What were total sales by region?")
    text = _answer(html)["answer"]
    cells = [row[1] for row in body_rows(html)]
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})*\.\d{2}", c) for c in cells), cells
    assert cells[0] in text, (cells, text)


def test_a_kpi_card_carries_the_unit(login, ask_htmx):
    login("analista")
    _, html = ask_htmx("ventas totales en 2025")
    figure = _figure(html)
    assert figure["data"][0]["type"] == "indicator"
    assert figure["data"][0]["title"]["text"] == "Ventas totales (USD)"


# --- 4: Markdown rendered, the scope in words -----------------------------------------------


def test_markdown_is_rendered_and_copied_as_plain_text(login, ask_htmx):
    login("visor")
    _, html = ask_htmx("ventas por canal")
    assert "<em>(Solo ves los datos de región Norte.)</em>" in html
    assert "_(Solo ves" not in html
    copied = re.search(r'<span hidden id="answer-text-\d+">(.*?)</span>', html, flags=re.S)
    assert copied and "**" not in copied.group(1) and "_(" not in copied.group(1)
    assert copied.group(1).startswith("Online tiene")
    assert "Solo región Norte" in html
    assert "ventas.region IN" not in html.split('title="', 1)[0]


def test_markup_in_an_answer_is_never_html(login, client):
    login("analista")
    html = client.post(
        "/chat/sql/", {"sql": "SELECT '<b>x</b>' AS region FROM ventas LIMIT 1"}, **HTMX
    ).content.decode()
    assert "<b>x</b>" not in html


def test_a_viewer_asking_for_a_region_they_cannot_see_is_told_so(login, ask_htmx):
    login("visor")
    _, html = ask_htmx("ventas en la región Sur")
    answer = _answer(html)
    assert "«Sur» queda fuera de tu acceso" in answer["answer"]
    assert answer["rows"] == [] and answer["row_count"] == 0
    assert "<table" not in html and "La consulta no devolvió datos" not in html


# --- 5: errors say what happened; access requests are real ---------------------------------


def test_a_syntax_error_in_edited_sql_is_an_error_with_its_position(login, client):
    login("analista")
    html = client.post(
        "/chat/sql/", {"sql": "SELECT region, SUM(total FROM ventas GROUP BY region"}, **HTMX
    ).content.decode()
    assert "La consulta SQL tiene un error de sintaxis" in html
    assert re.search(r"Línea 1, columna \d+", html)
    assert "No permitido" not in html and "Solicitar acceso" not in html
    assert 'class="sql-editor"' in html  # the editor stays open to fix it


def test_an_unknown_column_is_a_mistake_not_a_permission(login, client):
    login("analista")
    html = client.post("/chat/sql/", {"sql": "SELECT regionx FROM ventas"}, **HTMX).content.decode()
    assert "«regionx»" in html and "no existe" in html
    assert "Solicitar acceso" not in html and "No permitido" not in html


def test_request_access_is_recorded_for_the_admins_and_audited(login, client):
    login("analista")
    html = client.post("/chat/sql/", {"sql": "SELECT salario FROM empleados"}, **HTMX)
    html = html.content.decode()
    assert "No permitido" in html and "Solicitar acceso" in html and "mailto:" not in html
    mid = message_id(html)
    response = client.post(f"/chat/m/{mid}/access/", **HTMX)
    assert "Solicitud enviada" in response.content.decode()
    client.post(f"/chat/m/{mid}/access/", **HTMX)  # a second click: still one request
    request = AccessRequest.all_tenants.get(message_id=mid)
    assert request.username == "analista" and request.code == "table_not_allowed"
    assert AccessRequest.all_tenants.filter(message_id=mid).count() == 1
    entry = AuditEntry.objects.filter(action="access_request").latest("seq")
    assert entry.username == "analista" and entry.details["access_request_id"] == request.pk
    # the analyst has no page of requests; the org's admin does, and decides
    assert client.get("/compliance/access-requests/").status_code == 404
    login("admin")
    page = client.get("/compliance/access-requests/").content.decode()
    assert "analista" in page and "table_not_allowed" in page
    assert 'class="nav-access-requests"' in page
    client.post(f"/compliance/access-requests/{request.pk}/grant/", **HTMX)
    request.refresh_from_db()
    assert request.status == "granted"
    decided = AuditEntry.objects.filter(action="access_request").latest("seq")
    assert decided.username == "admin" and decided.details["decision"] == "granted"


def test_no_request_access_for_mistakes_and_other_orgs_requests_are_404(login, client):
    login("analista")
    html = client.post("/chat/sql/", {"sql": "SELEC 1"}, **HTMX).content.decode()
    assert client.post(f"/chat/m/{message_id(html)}/access/", **HTMX).status_code == 404
    globex = Organization.objects.get(slug="globex")
    other = AccessRequest.all_tenants.create(
        organization=globex, username="x", role="ANALYST", code="table_not_allowed"
    )
    login("admin")
    assert client.post(f"/compliance/access-requests/{other.pk}/grant/").status_code == 404
    other.refresh_from_db()
    assert other.status == "open"


# --- 6: did-you-mean works the same everywhere ------------------------------------------------


def test_a_dropped_letter_is_corrected_like_a_swapped_one(login, ask_htmx):
    login("analista")
    _, html = ask_htmx("vnetas por canl")
    answer = _answer(html)
    assert answer["type"] == "SQL" and answer["columns"][0] == "canal"
    assert "«canl» → «canal»" in answer["intent"]["reasoning"]


def test_suggestions_include_the_word_the_user_meant(login, ask_htmx):
    login("analista")
    _, html = ask_htmx("sales by chanl")
    answer = _answer(html)
    assert answer["type"] == "CLARIFY"
    assert any("channel" in s for s in answer["suggestions"]), answer["suggestions"]
