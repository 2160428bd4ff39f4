"""The steward's loop in Chromium (issue 17): an unanswerable question's unknown word found on
the knowledge gaps page, added there as a synonym, and the same question then answered; the
usage page with its charts and CSV export for an org admin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import ask

pytestmark = pytest.mark.browser

UNKNOWN = "¿Cuántas ventas hubo por sucursal?"


@pytest.fixture(autouse=True)
def _fresh_memos():
    """The live server shares this process's memoised snapshots and semantic models, keyed by
    versions that a flushed database hands out again."""
    from django.core.cache import cache

    from apps.chat import semantic_cache as chat_semantic
    from apps.knowledge import selectors

    for clear in (selectors._snapshot_cache.clear, chat_semantic._models.clear, cache.clear):
        clear()
    yield


def test_an_unknown_word_is_fixed_from_the_gaps_page_and_the_question_then_answered(login):
    page = login("analista")
    assert page.locator(".nav-gaps").count() == 0  # not for an analyst
    card = ask(page, UNKNOWN)
    assert "sucursal" in card.inner_text()
    assert card.locator(".answer-clarify").count() or "answer-clarify" in (
        card.get_attribute("class") or ""
    )

    page = login("steward")
    page.click(".nav-gaps")
    page.wait_for_url("**/knowledge/gaps/")
    row = page.locator("tr.gap-row[data-gap-key='sucursal']")
    row.wait_for()
    assert "analista" in row.inner_text() and UNKNOWN in row.inner_text()
    row.locator("a.gap-link").click()
    page.wait_for_url(re.compile(r".*/knowledge/gaps/\d+/$"))
    page.select_option("#syn-target", "column|ventas|region")
    page.click("#fix-synonym [data-fix=preview]")
    preview = page.locator(".preview-reading").first
    preview.wait_for()
    assert "preview-answers" in (preview.get_attribute("class") or "")
    page.select_option("#syn-target", "column|ventas|region")
    page.click("#fix-synonym [data-fix=save]")
    outcome = page.locator(".fix-outcome")
    outcome.wait_for()
    assert "1 de 1" in outcome.inner_text()
    assert page.locator(".fix-results .fix-answered").count() == 1

    page = login("analista")
    card = ask(page, UNKNOWN)
    card.locator("table, .chart").first.wait_for()
    assert "answer-clarify" not in (card.get_attribute("class") or "")
    assert not page.js_errors, page.js_errors


def test_the_admin_sees_usage_with_charts_and_exports_it(login):
    page = login("analista")
    ask(page, "¿Cuál fue el total de ventas por región?")
    page = login("steward")
    assert page.locator(".nav-usage").count() == 0  # org admins only
    page = login("admin")
    page.click(".nav-usage")
    page.wait_for_url("**/usage/")
    page.locator(".usage-chart svg.main-svg").first.wait_for()
    assert int(page.locator(".kpi-questions").inner_text()) >= 1
    with page.expect_download() as download:
        page.click(".usage-export")
    path = download.value.path()
    text = Path(path).read_text(encoding="utf-8-sig")
    assert text.startswith("Día;Preguntas")
    page.click("button[name=language][value=en]")
    page.wait_for_url("**/usage/")
    assert page.locator("h1").inner_text() == "Usage"
    assert not page.js_errors, page.js_errors
