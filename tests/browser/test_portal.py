"""The portal in a real browser: ask, read the table and the chart, rate, switch language,
export, and row-level security as a viewer sees it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ask

pytestmark = pytest.mark.browser

REGION_QUESTION = "¿Cuál fue el total de ventas por región?"


def test_analyst_asks_sees_table_and_chart_rates_and_switches_language(login):
    page = login("analista")
    assert page.get_attribute("html", "lang") == "es"
    assert page.is_disabled("#send-button")  # nothing typed yet

    card = ask(page, REGION_QUESTION)
    assert card.locator("table tbody tr").count() == 4
    for region in ("Norte", "Sur", "Este", "Oeste"):
        assert card.locator("table tbody", has_text=region).count() == 1
    card.locator(".chart svg").first.wait_for()  # Plotly drew the figure
    assert page.input_value("#id_question") == ""  # cleared after the answer
    assert "/chat/c/" in page.url  # the conversation has its own URL

    card.locator("button[name=rating][value=up]").click()
    card.locator(".feedback-done").wait_for()
    assert card.locator(".feedback button[disabled]").count() == 2  # the buttons lock

    page.click("button[name=language][value=en]")
    page.locator("html[lang=en]").wait_for(state="attached")
    assert page.locator("text=New conversation").count() >= 1
    assert page.locator("article.answer[data-message] .chart svg").count() >= 1
    assert not page.js_errors, page.js_errors


def test_scientist_exports_the_answer_as_csv(login):
    page = login("cientifica")
    card = ask(page, REGION_QUESTION)
    card.locator(".export-menu summary").click()
    with page.expect_download() as download_info:
        card.locator("a[data-export=csv]").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig") as handle:
        body = handle.read()
    assert "Norte" in body and "Oeste" in body


def test_viewer_sees_only_norte(login):
    page = login("visor")
    assert "Solo ves la región Norte" in page.inner_text("#scope-chip")
    card = ask(page, REGION_QUESTION)
    rows = card.locator("table tbody tr")
    assert rows.count() == 1 and "Norte" in rows.first.inner_text()
    assert card.locator("text=Oeste").count() == 0
    assert card.locator("[data-edit-sql]").count() == 0  # no SQL editing for viewers
    assert card.locator(".export-menu").count() == 0


def test_paging_sorting_chart_switch_rename_and_delete(login):
    page = login("analista")
    card = ask(page, "listado de clientes")
    card.locator("details.sql-block summary").click()
    card.locator(".pager a", has_text="Siguiente").click()
    card.locator("caption", has_text="mostrando 26–50").wait_for()
    assert card.locator("details.sql-block[open]").count() == 1  # only the table was swapped
    card.locator("th a.sort").first.click()
    card.locator('th[aria-sort="ascending"]').wait_for()

    card = ask(page, REGION_QUESTION)
    card.locator(".segment", has_text="Circular").click()
    card.locator(".chart .pielayer").wait_for()  # redrawn as a pie
    assert card.locator('.segment[aria-pressed="true"]').inner_text() == "Circular"

    row = page.locator(".conversation-row.current")
    row.locator("details.row-menu summary").click()
    row.locator("button[data-rename]").click()
    page.fill(".conversation-row.current input[name=title]", "Mi análisis")
    page.press(".conversation-row.current input[name=title]", "Enter")
    page.locator(".conversation-row.current .conv-link", has_text="Mi análisis").wait_for()

    row = page.locator(".conversation-row.current")
    row.locator("details.row-menu summary").click()
    row.locator("button[data-delete-url]").click()
    page.locator("#delete-dialog[open]").wait_for()
    page.click("#delete-dialog button[value=confirm]")
    page.wait_for_url("**/chat/")
    page.locator("text=Aún no hay conversaciones.").wait_for()
    assert not page.js_errors, page.js_errors
