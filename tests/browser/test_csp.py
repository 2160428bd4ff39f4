"""The Content-Security-Policy in a real browser: the portal, its charts and the API docs work
under it and the browser reports no violation (so plotly.js needs neither eval nor inline script).

Styles are the one relaxation: with `style-src 'self'` alone, htmx (its indicator styles) and
plotly.js (its chart styles) each insert a <style> element that the browser blocks
(`style-src-elem`), hence `'unsafe-inline'` for styles only.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import ask

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.effectiveDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`
  );
});
"""


def violations(page) -> list[str]:  # noqa: ANN001
    return page.evaluate("window.__cspViolations")


@pytest.fixture
def watched(page):  # noqa: ANN001, ANN201
    page.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []
    page.on(
        "console",
        lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.csp_console = console
    return page


def test_the_listener_sees_a_blocked_inline_script(watched, live_server):
    # A control: the policy is in force and a violation would be seen
    watched.goto(f"{live_server.url}/accounts/login/")
    watched.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.body.appendChild(s); }"
    )
    watched.wait_for_timeout(200)
    assert watched.evaluate("window.ran") is None
    assert any(v.startswith("script-src") for v in violations(watched))


def test_charts_and_pages_work_with_no_violation(watched, login, live_server):
    page = login("analista")
    card = ask(page, "¿Cuál fue el total de ventas por región?")
    card.locator(".chart svg.main-svg").first.wait_for()  # plotly drew the bar chart
    trend = ask(page, "Evolución mensual de las ventas")
    trend.locator(".chart svg.main-svg").first.wait_for()
    # Another chart type through the switcher (an htmx swap re-renders the figure)
    switch = card.locator(".segmented button[hx-get]").first
    if switch.count():
        switch.click()
        page.wait_for_timeout(500)
        card.locator(".chart svg.main-svg").first.wait_for()
    page.goto(f"{live_server.url}/knowledge/")
    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".swagger-ui .info").first.wait_for()  # Swagger UI started from its file
    assert violations(page) == [], violations(page)
    assert page.csp_console == []
    assert not page.js_errors, page.js_errors
