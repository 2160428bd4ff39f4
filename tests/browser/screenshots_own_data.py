"""Screenshots for docs/your-own-data.md (run on purpose, not by `make test`).

    .venv/bin/python -m pytest tests/browser/screenshots_own_data.py

A new organization made with `create_org`, its admin on the admin's "Connect a data source"
page, then in the chat page: the upload control open, the message after uploading a CSV, and
the first answer on it. Same live server and Chromium fixtures as the browser tests.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.browser.conftest import PASSWORD, ask
from tests.browser.test_spreadsheet_upload import SALES_CSV

pytestmark = pytest.mark.browser

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_own_data_screenshots(browser, live_server, transactional_db, tmp_path):  # noqa: ANN001
    from django.contrib.auth import get_user_model

    from apps.governance.models import Membership, Organization, Role

    call_command("create_org", slug="northwind-traders", name="Northwind Traders",
                 language="es", stdout=io.StringIO())  # fmt: skip
    org = Organization.objects.get(slug="northwind-traders")
    user = get_user_model().objects.create_superuser("lead", "lead@example.com", PASSWORD)
    Membership.all_tenants.create(organization=org, user=user, role=Role.ADMIN)
    OUT.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    context = browser.new_context(locale="es-ES", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "lead")
    page.fill("#id_password", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/chat/**")

    page.goto(f"{base}/admin/knowledge/datasource/connect/")
    page.screenshot(path=OUT / "own-data-connect.png")

    page.goto(f"{base}/chat/")
    page.click("#upload-panel > summary")
    csv_path = tmp_path / "ventas.csv"
    csv_path.write_text(SALES_CSV, encoding="utf-8")
    page.set_input_files("#upload-file", str(csv_path))
    page.fill("#upload-name", "hojas")
    page.screenshot(path=OUT / "own-data-upload.png")
    page.click("#upload-submit")
    page.locator("#page-messages").wait_for()
    page.screenshot(path=OUT / "own-data-uploaded.png")

    card = ask(page, "¿Cuál es el importe total por región?")
    page.wait_for_timeout(1500)  # the chart, when the answer has one, draws
    card.evaluate("el => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(400)
    page.screenshot(path=OUT / "own-data-first-answer.png")
    context.close()
