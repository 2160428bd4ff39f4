"""Insights in Chromium (issue 16): a HYBRID answer shows the definition with its cited source
and then the chart; a why-answer draws its waterfall; its follow-up chip decomposes along one
dimension; a trend's "why?" chip runs the decomposition of the period it names."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ask

pytestmark = pytest.mark.browser

HYBRID_QUESTION = "¿Qué significa margen bruto y cuál fue por categoría en 2025?"
WHY_QUESTION = "¿Por qué bajaron las ventas en febrero?"


def shown(card, selector: str) -> None:  # noqa: ANN001
    """The card's chart scrolled into view (Plotly draws it there) and drawn."""
    card.locator(".chart").first.scroll_into_view_if_needed()
    card.locator(selector).first.wait_for()


def test_hybrid_answer_shows_the_definition_with_its_source_then_the_chart(login):
    page = login("analista")
    card = ask(page, HYBRID_QUESTION)

    shown(card, ".chart svg.main-svg")
    definition = card.locator(".short-answer")
    assert "Ganancia bruta" in definition.inner_text()
    assert "Fuente: Métrica: Margen bruto" in definition.inner_text()
    source = card.locator(".sources a", has_text="Métrica: Margen bruto")
    assert source.count() == 1 and "/knowledge/documents/" in source.get_attribute("href")
    # Read top to bottom: the definition, then the data (table and chart).
    chart = card.locator(".chart").first
    assert definition.bounding_box()["y"] < chart.bounding_box()["y"]
    assert card.locator(".chart .barlayer").count() == 1
    assert not page.js_errors, page.js_errors


def test_why_answer_draws_its_waterfall_and_its_chip_splits_by_one_dimension(login):
    page = login("analista")
    card = ask(page, WHY_QUESTION)

    shown(card, ".chart .waterfalllayer")
    text = card.locator(".short-answer").inner_text()
    assert text.startswith("La caída de ventas totales en febrero de 2025")
    assert "no causas" in text
    label = card.locator(".chart").first.get_attribute("aria-label")
    assert label.startswith("Cambio de ventas totales por")
    assert "Cascada" in card.locator(".chart-summary").inner_text()
    assert card.locator("table").first.is_visible()  # the contributions table
    chip = card.locator(".followups button", has_text="¿Y por").first
    dimension = chip.inner_text().removeprefix("¿Y por ").rstrip("?")
    chip.click()
    page.locator("article.answer[data-message]").nth(1).wait_for()
    second = page.locator("article.answer[data-message]").last
    shown(second, ".chart .waterfalllayer")
    assert f"por {dimension}" in second.locator(".short-answer").inner_text()
    assert not page.js_errors, page.js_errors


def test_a_trend_names_a_period_that_stands_out_and_its_chip_explains_it(login):
    page = login("analista")
    card = ask(page, "Ventas mensuales")

    shown(card, ".chart svg.main-svg")
    assert "Destacan" in card.locator(".short-answer").inner_text()
    chip = card.locator(".followups button", has_text="¿Qué explica el cambio").first
    chip.click()
    page.locator("article.answer[data-message]").nth(1).wait_for()
    second = page.locator("article.answer[data-message]").last
    shown(second, ".chart .waterfalllayer")
    assert "no causas" in second.locator(".short-answer").inner_text()
