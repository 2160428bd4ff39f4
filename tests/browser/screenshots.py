"""Screenshots of the main pages into docs/screenshots/ (run on purpose, not by `make test`).

    .venv/bin/python -m pytest tests/browser/screenshots.py

The file name does not match `test_*.py`, so the suite never rewrites the images; naming the file
on the command line collects it. Same live server, demo data and Chromium as the browser tests.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import PASSWORD, ask

pytestmark = pytest.mark.browser

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
REGION_QUESTION = "¿Cuál fue el total de ventas por región?"


def _context(  # noqa: ANN202
    browser,  # noqa: ANN001
    *,
    dark: bool = False,
    width: int = 1280,
    height: int = 900,
    locale: str = "es-ES",
):
    context = browser.new_context(
        locale=locale,
        viewport={"width": width, "height": height},
        color_scheme="dark" if dark else "light",
    )
    context.set_default_timeout(20_000)
    return context, context.new_page()


def _login(page, base: str, username: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r".*/(chat|compliance)/.*"))  # compliance lands on the audit log


def _top_of(page, card) -> None:  # noqa: ANN001
    card.evaluate("el => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(400)


def _anomalies() -> None:
    """A few reports to show (detection needs an hour of history the test data does not have)."""
    import datetime as dt

    from django.utils import timezone

    from apps.governance.models import AnomalyReport, Organization

    org = Organization.objects.get(slug="acme")
    end = timezone.now().replace(minute=0, second=0, microsecond=0)
    _activity(org, "analista", end - dt.timedelta(hours=1))
    for kind, severity, user, observed, baseline, threshold in (
        (AnomalyReport.Kind.VOLUME, "high", "analista", 420, 95, 120),
        (AnomalyReport.Kind.REFUSALS, "medium", "visor", 9, 1, 5),
        (AnomalyReport.Kind.OFF_HOURS, "low", "cientifica", 3, 0, 1),
    ):
        AnomalyReport.all_tenants.get_or_create(
            organization=org,
            username=user,
            kind=kind,
            window_start=end - dt.timedelta(hours=1),
            defaults={
                "window_end": end,
                "observed": observed,
                "baseline": baseline,
                "threshold": threshold,
                "severity": severity,
            },
        )


def _activity(org, username: str, start) -> None:  # noqa: ANN001
    """A few audited questions inside an anomaly's window, for its link to show (idempotent)."""
    import datetime as dt

    from django.contrib.auth import get_user_model

    from apps.governance.models import AuditEntry
    from apps.governance.services import audit_record

    window = AuditEntry.objects.filter(
        organization=org, username=username, created_at__gte=start,
        created_at__lt=start + dt.timedelta(hours=1),
    )  # fmt: skip
    if window.exists():
        return
    user = get_user_model().objects.get(username=username)
    questions = ["Ventas por cliente", "Listado de clientes con email", "Ventas por producto"]
    for minute, question in enumerate(questions * 3):
        audit_record(
            org=org, user=user, role="ANALYST", action="ask", channel="web", source="empresa",
            question=question, outcome="answered", row_count=1000 + minute * 37,
            created_at=start + dt.timedelta(minutes=5 + minute * 6),
        )  # fmt: skip


def _export_opened(page, base: str, message_id: int) -> None:  # noqa: ANN001
    """The answer's CSV and Excel exports, downloaded with the member's session and opened the
    way analysts open them (pandas `read_csv`, openpyxl), shown as a page to photograph."""
    import html
    import io

    import pandas as pd
    from openpyxl import load_workbook

    url = f"{base}/api/v1/messages/{message_id}/export/"
    csv_bytes = page.request.get(f"{url}?format=csv").body()
    frame = pd.read_csv(io.BytesIO(csv_bytes), sep=None, engine="python", encoding="utf-8-sig")
    book = load_workbook(io.BytesIO(page.request.get(f"{url}?format=xlsx").body()))
    data = book[book.sheetnames[0]]
    cells = "".join(
        f"<tr><td>{c.coordinate}</td><td>{html.escape(repr(c.value))}</td>"
        f"<td>{type(c.value).__name__}</td><td>{html.escape(c.number_format)}</td></tr>"
        for row in data.iter_rows(min_row=1, max_row=3)
        for c in row
    )
    provenance = "".join(
        f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>"
        for k, v in book[book.sheetnames[1]].iter_rows(values_only=True)
    )
    page.set_content(
        "<html><body style='font:15px system-ui;margin:24px;max-width:1100px'>"
        "<h2>CSV → <code>pandas.read_csv(…, sep=None, encoding='utf-8-sig')</code></h2>"
        f"<p>columns: <code>{html.escape(repr(list(frame.columns)))}</code> · dtypes: "
        f"<code>{html.escape(', '.join(f'{k}={v}' for k, v in frame.dtypes.items()))}</code></p>"
        f"{frame.to_html(index=False)}"
        f"<h2>Excel → <code>openpyxl.load_workbook</code> · sheets {book.sheetnames} · "
        f"frozen at {data.freeze_panes}</h2>"
        "<table border=1 cellpadding=4><tr><th>cell</th><th>value</th><th>type</th>"
        f"<th>number format</th></tr>{cells}</table>"
        f"<h3>{html.escape(book.sheetnames[1])}</h3><table border=1 cellpadding=4>{provenance}"
        "</table></body></html>"
    )


def test_screenshots(browser, live_server, demo):  # noqa: ANN001
    OUT.mkdir(parents=True, exist_ok=True)
    base = live_server.url

    context, page = _context(browser)
    page.goto(f"{base}/accounts/login/")
    page.screenshot(path=OUT / "login.png")

    _login(page, base, "analista")
    page.screenshot(path=OUT / "chat-empty.png")
    context.close()

    context, page = _context(browser, height=1500)
    _login(page, base, "analista")
    card = ask(page, REGION_QUESTION)
    card.locator(".chart svg").first.wait_for()
    card.locator("details.sql-block summary").click()
    _top_of(page, card)
    page.screenshot(path=OUT / "chat-answer.png")  # labels, the period chip, units
    card = ask(page, "ventas del mes pasado")  # a KPI: its unit, the named period
    card.locator(".chart svg").first.wait_for()
    _top_of(page, card)
    page.screenshot(path=OUT / "chat-answer-period.png")

    card = ask(page, "¿Cómo va el negocio?")
    _top_of(page, card)
    page.screenshot(path=OUT / "chat-clarify.png")

    card = ask(page, "salario promedio de empleados")
    _top_of(page, card)
    page.screenshot(path=OUT / "chat-refused.png")

    page.goto(f"{base}/knowledge/?tab=tables")
    page.locator("li.item-table details").first.locator("summary").click()
    page.screenshot(path=OUT / "knowledge.png")
    context.close()

    context, page = _context(browser, dark=True, height=1300)
    _login(page, base, "visor")
    card = ask(page, REGION_QUESTION)
    card.locator(".chart svg").first.wait_for()
    _top_of(page, card)
    page.screenshot(path=OUT / "chat-answer-dark.png")
    context.close()

    context, page = _context(browser, width=390, height=844)
    _login(page, base, "cientifica")
    card = ask(page, "Top 3 productos por ingresos")
    card.locator(".chart svg").first.wait_for()
    page.screenshot(path=OUT / "chat-mobile.png")
    page.click("#sidebar-toggle")
    page.wait_for_timeout(400)
    page.screenshot(path=OUT / "chat-mobile-drawer.png")
    context.close()

    context, page = _context(browser, locale="en-US", height=1400)
    _login(page, base, "cientifica")
    card = ask(page, "What were total sales by region?")
    card.locator(".chart svg").first.wait_for()
    card.locator(".export-menu summary").click()
    _top_of(page, card)
    page.screenshot(path=OUT / "chat-answer-en.png")
    _export_opened(page, base, int(card.get_attribute("data-message")))
    page.screenshot(path=OUT / "export-pandas-openpyxl.png", full_page=True)
    context.close()

    _anomalies()
    context, page = _context(browser)
    _login(page, base, "auditor")
    page.locator("#audit-results").wait_for()
    page.screenshot(path=OUT / "auditor-landing.png")  # where compliance lands after login
    page.goto(f"{base}/compliance/anomalies/")
    page.screenshot(path=OUT / "anomalies.png")
    page.locator("article.anomaly", has_text="analista").first.locator("a.audit-link").click()
    page.locator(".chip-window").wait_for()
    page.screenshot(path=OUT / "anomaly-audit-entries.png")
    page.goto(f"{base}/compliance/audit/")
    page.screenshot(path=OUT / "audit.png")
    page.locator("a[data-opens-dialog]").nth(1).click()
    page.locator("#audit-drawer[open]").wait_for()
    page.wait_for_timeout(300)
    page.screenshot(path=OUT / "audit-detail.png")
    context.close()

    # The stewards' queue: an example proposed by a 👍, and a 👎 with a comment and tags.
    context, page = _context(browser, height=1100)
    _login(page, base, "analista")
    card = ask(page, "¿Cuántos clientes hay?")
    card.locator("button[name=rating][value=up]").click()
    card.locator(".feedback-done").wait_for()
    card = ask(page, "Ticket promedio por canal")
    card.locator(".feedback button[data-toggle]").click()
    card.locator("input[name=tags][value=wrong_numbers]").check()
    card.locator("textarea[name=comment]").fill("El ticket no debería incluir las devoluciones.")
    card.locator("button[name=rating][value=down]").click()
    card.locator(".feedback-done").wait_for()
    context.close()
    context, page = _context(browser, height=1100)
    _login(page, base, "steward")
    page.goto(f"{base}/chat/review/")
    page.locator(".review-queue").wait_for()
    page.screenshot(path=OUT / "review-queue.png")
    context.close()


def test_insight_screenshots(browser, live_server, demo):  # noqa: ANN001
    """Issue 16: a HYBRID answer (definition with its source, then the chart) and a why-answer
    with its waterfall, in Spanish and in English."""
    OUT.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    shots = [
        (
            "es-ES",
            "¿Qué significa margen bruto y cuál fue por categoría en 2025?",
            "chat-hybrid.png",
        ),
        ("es-ES", "¿Por qué bajaron las ventas en febrero?", "chat-why-waterfall.png"),
        ("en-US", "What drove the change in revenue between 2024 and 2025?", "chat-why-en.png"),
        ("es-ES", "Ventas mensuales", "chat-trend-outliers.png"),
    ]
    for locale, question, name in shots:
        context, page = _context(browser, height=1900, locale=locale)
        _login(page, base, "analista")
        if locale.startswith("en"):
            page.locator(
                ".lang-switch button, form[action*='i18n'] button", has_text="EN"
            ).first.click()
            page.wait_for_load_state()
        card = ask(page, question)
        card.locator(".chart").first.scroll_into_view_if_needed()
        card.locator(".chart svg.main-svg").first.wait_for()
        _top_of(page, card)
        page.screenshot(path=OUT / name)
        context.close()
