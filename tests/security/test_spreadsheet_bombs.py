"""A workbook is the uploader's XML: its declared dimension (`<dimension ref="A1:XFD…"/>`) is a
claim, not the data. openpyxl pads every row to it, so a 12 KB upload declaring 16,384 columns
over 2,000 one-cell rows took 300 MB and 12 s to read (and grows linearly: a 1 MB file, tens of
GB). The reader ignores the claim, reads the cells that exist, and refuses a row wider than the
column limit as soon as it is read."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from apps.knowledge.engine.ingest import IngestError, IngestLimits, _read_excel, read_tables

_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
        'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
        'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.'
        'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target='
        '"worksheets/sheet1.xml"/></Relationships>'
    ),
}


def _workbook(path: Path, rows: list[str], dimension: str) -> Path:
    body = "".join(f'<row r="{i}">{cells}</row>' for i, cells in enumerate(rows, start=1))
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.'
        f'org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{body}'
        "</sheetData></worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in {**_PARTS, "xl/worksheets/sheet1.xml": sheet}.items():
            archive.writestr(name, text)
    return path


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def test_a_declared_dimension_is_not_read_as_data(tmp_path: Path) -> None:
    rows = [_cell("A1", "nombre")] + [_cell(f"A{i}", f"v{i}") for i in range(2, 301)]
    path = _workbook(tmp_path / "claims.xlsx", rows, "A1:XFD300")
    [(_sheet, read)] = _read_excel(path, IngestLimits(), lambda *_: None)
    assert len(read) == 300
    assert max(len(r) for r in read) == 1  # the cells that exist, not 16,384 per row
    [table] = read_tables(path, filename="claims.xlsx")
    assert [c.name for c in table.columns] == ["nombre"]


def test_a_row_wider_than_the_limit_is_refused_while_reading(tmp_path: Path) -> None:
    rows = [_cell("A1", "a") + _cell("ZZ1", "far")] + [_cell(f"A{i}", "x") for i in range(2, 5)]
    path = _workbook(tmp_path / "wide.xlsx", rows, "A1:ZZ4")
    with pytest.raises(IngestError) as refused:
        _read_excel(path, IngestLimits(max_columns=500), lambda *_: None)
    assert refused.value.code == "spreadsheet_too_many_columns"


def test_a_workbook_that_unzips_far_beyond_the_size_limit_is_refused_before_parsing(
    tmp_path: Path,
) -> None:
    """A zip bomb: a few KB that unzip to hundreds of MB of XML (a shared string, a sheet of
    empty rows) would be parsed whole, twice (values and formulas). The archive's own sizes are
    read first."""
    filler = "<!--" + "a" * 2_000_000 + "-->"
    rows = [_cell("A1", "nombre") + filler, _cell("A2", "x")]
    path = _workbook(tmp_path / "bomb.xlsx", rows, "A1:A2")
    assert path.stat().st_size < 20_000
    with pytest.raises(IngestError) as refused:
        read_tables(path, filename="bomb.xlsx", limits=IngestLimits(max_bytes=20_000))
    assert refused.value.code == "spreadsheet_too_large"
