"""The answer card of issue 14 §1-7 in Chromium: labels, period and units on screen, Markdown
rendered and copied as plain text, the scope chip in words, an edited query's mistake shown as
an error and a permission refusal's access request reaching the admins, did-you-mean, and
"Edit & re-run" bringing its new turn into view with the editor closed."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ask

pytestmark = pytest.mark.browser

REGION_QUESTION = "¿Cuál fue el total de ventas por región?"


def _in_view(page, locator) -> bool:  # noqa: ANN001
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and 0 <= box["y"] < height * 0.6


def test_the_card_shows_labels_the_period_and_units(login, page):
    page = login("analista")
    card = ask(page, REGION_QUESTION)
    headers = [h.strip("↕▲▼ \n") for h in card.locator("thead th").all_inner_texts()]
    assert headers == ["Región", "Ventas totales (USD)"]
    card.locator(".chart svg.main-svg").first.wait_for()
    assert card.locator(".chart .gtitle").first.text_content() == "Ventas totales (USD) por Región"
    axes = card.locator(".chart .xtitle, .chart .ytitle").all_text_contents()
    assert sorted(axes) == ["Región", "Ventas totales (USD)"], axes
    assert "revenue_total" not in (card.locator(".chart").first.text_content() or "")
    period = card.locator(".chip-period")
    assert "Periodo: todo el periodo con datos (1 ene 2024 – 31 dic 2025)" in period.inner_text()
    # the table's first row is the text's "highest": Norte, sorted like the chart
    assert card.locator("tbody tr").first.locator("td").first.inner_text() == "Norte"
    card = ask(page, "descuento promedio por canal")
    cells = card.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert cells and all(c.endswith(" %") for c in cells), cells
    card = ask(page, "ventas del mes pasado")
    assert "noviembre de 2025" in card.locator(".short-answer").inner_text()
    assert "mes anterior al último con datos" in card.locator(".chip-period").inner_text()
    assert not page.js_errors, page.js_errors


def test_markdown_is_rendered_and_copy_answer_copies_plain_text(login, page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = login("visor")
    card = ask(page, "ventas por canal")
    note = card.locator(".short-answer em")
    assert note.inner_text() == "(Solo ves los datos de región Norte.)"
    assert "**" not in card.locator(".short-answer").inner_text()
    assert "Solo región Norte" in card.locator(".chip-scope").inner_text()
    card.get_by_role("button", name="Copiar respuesta").click()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.startswith("Online tiene las mayores ventas totales")
    assert "**" not in copied and "_(" not in copied
    card = ask(page, "ventas en la región Sur")
    assert "«Sur» queda fuera de tu acceso" in card.locator(".short-answer").inner_text()
    assert card.locator("table").count() == 0


def test_edit_and_rerun_brings_the_new_turn_into_view_and_closes_the_editor(login, page):
    page = login("analista")
    ask(page, REGION_QUESTION)
    ask(page, "Top 3 productos por ingresos")
    ask(page, "ventas por canal")
    first = page.locator("article.answer[data-message]").first
    first.scroll_into_view_if_needed()
    first.locator("details.sql-block summary").click()
    first.get_by_role("button", name="Editar y volver a ejecutar").click()
    editor = first.locator("form.sql-editor")
    assert editor.is_visible()
    editor.locator("textarea").fill("SELECT canal, COUNT(*) AS n FROM ventas GROUP BY canal")
    before = page.locator("article.answer[data-message]").count()
    editor.get_by_role("button", name="Ejecutar como nuevo turno").click()
    page.locator("article.answer[data-message]").nth(before).wait_for()
    new = page.locator("article.answer[data-message]").last
    page.wait_for_timeout(300)  # the smooth scroll of the pending card settles
    assert _in_view(page, new), new.bounding_box()
    assert "SQL editado" in new.inner_text() and "Tienda" in new.inner_text()
    assert editor.is_hidden()
    toggle = first.get_by_role("button", name="Editar y volver a ejecutar")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.js_errors, page.js_errors


def test_a_mistake_is_an_error_and_request_access_reaches_the_admins(login, page, live_server):
    page = login("analista")
    ask(page, REGION_QUESTION)
    first = page.locator("article.answer[data-message]").first
    first.locator("details.sql-block summary").click()
    first.get_by_role("button", name="Editar y volver a ejecutar").click()
    editor = first.locator("form.sql-editor")
    editor.locator("textarea").fill("SELECT region, SUM(total FROM ventas GROUP BY region")
    before = page.locator("article.answer[data-message]").count()
    editor.get_by_role("button", name="Ejecutar como nuevo turno").click()
    page.locator("article.answer[data-message]").nth(before).wait_for()
    mistake = page.locator("article.answer[data-message]").last
    text = mistake.inner_text()
    assert "La consulta SQL tiene un error de sintaxis" in text and "Línea 1, columna" in text
    assert "No permitido" not in text and mistake.get_by_text("Solicitar acceso").count() == 0
    # the open editor under the error fixes it into a permission refusal: that one may ask
    fix = mistake.locator("form.sql-editor")
    fix.locator("textarea").fill("SELECT salario FROM empleados")
    before = page.locator("article.answer[data-message]").count()
    fix.get_by_role("button", name="Ejecutar como nuevo turno").click()
    page.locator("article.answer[data-message]").nth(before).wait_for()
    refused = page.locator("article.answer[data-message]").last
    assert "No permitido" in refused.inner_text()
    assert refused.locator("a[href^='mailto:']").count() == 0
    refused.get_by_role("button", name="Solicitar acceso").click()
    refused.get_by_text("Solicitud enviada a los administradores de tu organización.").wait_for()
    page = login("admin")
    page.get_by_role("link", name="Solicitudes de acceso").first.click()
    page.wait_for_url("**/compliance/access-requests/")
    row = page.locator("tr.access-request").first
    assert "analista" in row.inner_text() and "table_not_allowed" in row.inner_text()
    row.get_by_role("button", name="Conceder").click()
    page.locator("tr.access-request.status-granted").first.wait_for()
    assert not page.js_errors, page.js_errors


def test_did_you_mean_corrects_a_dropped_letter(login, page):
    page = login("analista")
    card = ask(page, "vnetas por canl")
    headers = [h.strip("↕▲▼ \n") for h in card.locator("thead th").all_inner_texts()]
    assert headers == ["Canal", "Ventas totales (USD)"]
