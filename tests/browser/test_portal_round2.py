"""The portal, round 2 (issue 14) in Chromium: nothing leaves 127.0.0.1 while using a chart, no
Plotly cloud button, the phone's chart title in view, the export's reason for a viewer, the
auditor's landing page, an anomaly linked to its audit entries, the stewards' queue."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.browser.conftest import ask

pytestmark = pytest.mark.browser

REGION_QUESTION = "¿Cuál fue el total de ventas por región?"


def test_using_a_chart_sends_nothing_outside_127_0_0_1(login, page):
    requests: list[str] = []
    page.context.on("request", lambda request: requests.append(request.url))
    page = login("analista")
    card = ask(page, REGION_QUESTION)
    card.locator(".chart svg.main-svg").first.wait_for()
    chart = card.locator(".chart").first
    chart.hover()
    modebar = card.locator(".modebar")
    modebar.first.wait_for(state="attached")
    # no mode-bar action talks to the network: no cloud upload, no Chart Studio, no logo link
    for name in ("sendChartToCloud", "sendDataToCloud", "editInChartStudio"):
        assert card.locator(f'.modebar-btn[data-attr="{name}"]').count() == 0
    assert card.locator(".modebar a[href*='plotly']").count() == 0
    share = ".modebar-btn[data-title*='Share'], .modebar-btn[data-title*='Compartir']"
    assert card.locator(share).count() == 0
    # use every remaining mode-bar button but the download, then switch chart type and hover
    buttons = card.locator(".modebar-btn")
    for index in range(buttons.count()):
        button = buttons.nth(index)
        if "toImage" in (button.get_attribute("data-attr") or "") or "PNG" in (
            button.get_attribute("data-title") or ""
        ):
            continue
        chart.hover()
        if button.is_visible():
            button.click()
    card.locator(".segment", has_text="Circular").click()
    card.locator(".chart .pielayer").wait_for()
    card.locator(".chart").first.hover()
    page.wait_for_timeout(300)
    hosts = {urlparse(url).hostname for url in requests if not url.startswith(("data:", "blob:"))}
    assert hosts and hosts <= {"127.0.0.1", "localhost"}, hosts  # the live server only
    assert not page.js_errors, page.js_errors


def test_on_a_phone_no_toolbar_covers_the_chart_title(browser, live_server, demo):
    context = browser.new_context(locale="es-ES", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "cientifica")
    page.fill("#id_password", "datachat-demo")
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/chat/**")
    card = ask(page, "Top 3 productos por ingresos")
    card.locator(".chart svg.main-svg").first.wait_for()
    card.locator(".chart").first.hover()
    title = card.locator(".chart .gtitle")
    if title.count():
        box = title.first.bounding_box()
        for bar in card.locator(".modebar").all():
            if bar.is_visible():
                other = bar.bounding_box()
                overlap = not (
                    other["x"] > box["x"] + box["width"]
                    or other["x"] + other["width"] < box["x"]
                    or other["y"] > box["y"] + box["height"]
                    or other["y"] + other["height"] < box["y"]
                )
                assert not overlap, (box, other)
    assert card.locator(".modebar").count() == 0  # no mode bar on a phone at all
    context.close()


def test_a_viewer_sees_why_there_is_no_export(login):
    page = login("visor")
    card = ask(page, REGION_QUESTION)
    assert card.locator(".export-menu").count() == 0
    assert card.locator("button.export-disabled").is_disabled()
    assert "Tu rol no permite exportar" in card.locator(".export-why").inner_text()


def test_the_auditor_lands_on_the_audit_log(login):
    page = login("auditor")
    assert page.url.endswith("/compliance/audit/")
    page.locator("h1", has_text="Auditoría").wait_for()
    assert page.locator("#id_question").count() == 0  # no chat box


def test_an_anomaly_card_opens_its_audit_entries(login, page, live_server):
    from tests.browser.screenshots import _anomalies

    _anomalies()
    page = login("auditor")
    page.goto(f"{live_server.url}/compliance/anomalies/")
    page.locator(".anomaly-last-run").wait_for()
    card = page.locator("article.anomaly", has_text="analista").first
    card.locator("a.audit-link").click()
    page.wait_for_url("**/compliance/audit/?*")
    assert "user=analista" in page.url and "after=" in page.url
    page.locator(".chip-window").wait_for()
    assert page.input_value("input[name=user]") == "analista"


def test_the_steward_reviews_in_place(login, live_server):
    from apps.governance.models import Organization
    from apps.knowledge.models import VerifiedExample

    page = login("analista")
    card = ask(page, "¿Cuántos clientes hay?")
    card.locator("button[name=rating][value=up]").click()
    card.locator(".feedback-done").wait_for()
    proposed = VerifiedExample.all_tenants.filter(
        organization=Organization.objects.get(slug="acme"), status="PROPOSED"
    ).count()
    assert proposed >= 1
    page = login("steward")
    badge = page.locator(".nav-review .review-count")
    assert badge.inner_text().strip() == str(proposed)
    page.click(".nav-review")
    page.wait_for_url("**/chat/review/")
    item = page.locator("article.review-example").first
    item_id = item.get_attribute("id")
    item.locator("[data-review=edit]").click()
    form = page.locator(f"#{item_id} textarea[name=sql]")
    form.wait_for()
    page.fill(f"#{item_id} input[name=question]", "Número total de clientes")
    page.locator(f"#{item_id} button[type=submit]").click()
    page.locator(f"#{item_id}", has_text="Guardado").wait_for()
    page.locator(f"#{item_id} [data-review=approve]").click()
    page.locator(f"#{item_id}", has_text="Aprobado").wait_for()
    assert page.locator(f"#{item_id} .question").inner_text() == "Número total de clientes"
    assert not page.js_errors, page.js_errors
