"""The chat page's upload control: an org admin uploads a CSV and a two-sheet Excel workbook in
the browser and gets an answer on each table; an analyst of the same org sees no upload control
and gets 403 from the upload URL; the uploaded source is masked for the analyst."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from apps.governance.models import Organization, Role
from apps.governance.services import membership_create
from tests.browser.conftest import PASSWORD, ask

pytestmark = pytest.mark.browser

SALES_CSV = (
    "Región;Importe (€);Fecha;Correo electrónico\n"
    "Norte;1.234,56 €;31/12/2025;ana@example.com\n"
    "Sur;987,10 €;01/02/2025;luis@example.com\n"
    "Norte;2.000,00 €;15/03/2025;eva@example.com\n"
)


def two_sheet_xlsx(path: Path) -> Path:
    book = Workbook()
    orders = book.active
    orders.title = "Orders"
    orders.append(["Order ID", "Customer", "Amount ($)", "Order date"])
    for i in range(1, 11):
        orders.append([i, f"Cust {i % 3}", f"${i * 1000:,}.50", f"2025-0{i % 9 + 1}-10"])
    visits = book.create_sheet("Store visits")
    visits.append(["Store", "Day", "Visitors"])
    for day in range(1, 5):
        visits.append(["North", f"{day:02d}/03/2025", 10 * day])
        visits.append(["South", f"{day:02d}/03/2025", 100 + day])
    book.save(path)
    return path


@pytest.fixture
def shop(transactional_db):  # noqa: ANN001, ANN201
    call_command("create_org", slug="sheet-shop", name="Sheet Shop", language="es",
                 stdout=io.StringIO())  # fmt: skip
    org = Organization.objects.get(slug="sheet-shop")
    membership_create(org=org, username="sheet-admin", password=PASSWORD, role=Role.ADMIN)
    membership_create(org=org, username="sheet-analyst", password=PASSWORD, role=Role.ANALYST)
    return org


def _login(page, base: str, username: str) -> None:  # noqa: ANN001
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/chat/**")


def _upload(page, path: Path, source: str = "hojas") -> str:  # noqa: ANN001
    page.click("#upload-panel > summary")
    page.set_input_files("#upload-file", str(path))
    page.fill("#upload-name", source)
    page.click("#upload-submit")
    page.locator("#page-messages").wait_for()
    return page.locator("#page-messages").inner_text()


def test_admin_uploads_csv_and_two_sheet_excel_in_the_chat_and_gets_answers(
    page, live_server, shop, tmp_path
):
    base = live_server.url
    _login(page, base, "sheet-admin")
    # The CSV: uploaded from the chat page, then asked in Spanish
    csv_path = tmp_path / "ventas.csv"
    csv_path.write_text(SALES_CSV, encoding="utf-8")
    message = _upload(page, csv_path)
    assert "ventas.csv" in message and "ventas" in message
    card = ask(page, "¿Cuál es el importe total por región?")
    text = card.inner_text()
    assert "Norte" in text and "3.234,56" in text, text
    # The workbook: each sheet a table of the same source, each answered
    message = _upload(page, two_sheet_xlsx(tmp_path / "libro.xlsx"))
    assert "orders" in message and "store_visits" in message, message
    orders = ask(page, "What is the total amount by customer?")
    assert "Cust 1" in orders.inner_text(), orders.inner_text()
    visits = ask(page, "What is the total visitors by store?")
    text = visits.inner_text()
    assert "South" in text and "410" in text and "100" in text, text
    assert not page.js_errors


def test_bad_file_is_a_clear_message_and_an_analyst_has_no_upload(
    page, live_server, shop, tmp_path
):
    base = live_server.url
    _login(page, base, "sheet-admin")
    broken = tmp_path / "roto.xlsx"
    broken.write_bytes(b"this is not a workbook")
    message = _upload(page, broken)
    assert "spreadsheet_unreadable" in message
    # An analyst: no upload control, and the upload URL itself refuses
    _login(page, base, "sheet-analyst")
    assert page.locator("#upload-panel").count() == 0
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    response = page.request.post(
        f"{base}/chat/upload/",
        multipart={
            "csrfmiddlewaretoken": token,
            "name": "x",
            "file": {"name": "a.csv", "mimeType": "text/csv", "buffer": b"a\n1\n"},
        },
        headers={"Referer": f"{base}/chat/"},
    )
    assert response.status == 403
