"""Spreadsheet ingestion alone (pure engine): headers, Spanish and English numbers and dates,
units and currencies, text kept when a value does not fit, limits, Excel sheets and formulas,
Parquet, and the DuckDB file it writes."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from openpyxl import Workbook

from apps.knowledge.engine.ingest import (
    IngestError,
    IngestLimits,
    clean_headers,
    convert_column,
    infer_column,
    read_tables,
    write_tables,
)


def _typed(values, lang="es"):  # noqa: ANN001, ANN202
    spec = infer_column(values, lang=lang)
    return spec, convert_column(values, spec)


def test_headers_become_identifiers_with_accents_folded_duplicates_and_empties():
    headers = ["Región", "Importe (€)", "", "Importe (€)", "2024", "Fecha de alta", "select", None]
    assert clean_headers(headers) == [
        "region",
        "importe",
        "col_3",
        "importe_2",
        "c_2024",
        "fecha_de_alta",
        "select_",
        "col_8",
    ]


@pytest.mark.parametrize(
    ("values", "lang", "expected", "type_"),
    [
        (["1.234,56", "987,10", "-5,5"], "es", (1234.56, 987.1, -5.5), "DOUBLE"),
        (["1,234.56", "987.10", "-5.5"], "en", (1234.56, 987.1, -5.5), "DOUBLE"),
        # The notation is decided by the column, not by the reader's language
        (["1,234.56", "12.5"], "es", (1234.56, 12.5), "DOUBLE"),
        (["1.234,56", "12,5"], "en", (1234.56, 12.5), "DOUBLE"),
        (["1.234.567", "2.000"], "en", (1234567, 2000), "BIGINT"),
        (["1,234,567", "2,000"], "es", (1234567, 2000), "BIGINT"),
        # Ambiguous ("1.234"): the language decides
        (["1.234", "2.500"], "es", (1234, 2500), "BIGINT"),
        (["1.234", "2.500"], "en", (1.234, 2.5), "DOUBLE"),
        (["12", "-3", "+4"], "es", (12, -3, 4), "BIGINT"),
        (["1 234,50", "2 000,00"], "es", (1234.5, 2000.0), "DOUBLE"),
    ],
)
def test_numbers_in_spanish_and_english_notation(values, lang, expected, type_):
    spec, converted = _typed(values, lang)
    assert spec.type == type_
    assert converted == pytest.approx(expected)


def test_percentages_and_currencies_become_units():
    spec, converted = _typed(["12,5 %", "7 %", "100%"])
    assert (spec.type, spec.unit, converted) == ("DOUBLE", "%", (12.5, 7.0, 100.0))
    spec, converted = _typed(["1.234,56 €", "€ 10,00", "-5,00 €"])
    assert (spec.currency, converted) == ("EUR", (1234.56, 10.0, -5.0))
    spec, converted = _typed(["$1,234.56", "$10", "-$3.50"], "en")
    assert (spec.currency, converted) == ("USD", (1234.56, 10.0, -3.5))
    spec, _ = _typed(["£5", "GBP 7"], "en")
    assert spec.currency == "GBP"
    # Two currencies in one column: text, nothing converted
    spec, converted = _typed(["$5", "5 €"])
    assert spec.type == "VARCHAR"


@pytest.mark.parametrize(
    ("values", "expected", "type_"),
    [
        (["31/12/2025", "01/02/2025"], (dt.date(2025, 12, 31), dt.date(2025, 2, 1)), "DATE"),
        (["12/31/2025", "02/01/2025"], (dt.date(2025, 12, 31), dt.date(2025, 2, 1)), "DATE"),
        (["2025-12-31", "2025-02-01"], (dt.date(2025, 12, 31), dt.date(2025, 2, 1)), "DATE"),
        (["31.12.2025", "1.2.2025"], (dt.date(2025, 12, 31), dt.date(2025, 2, 1)), "DATE"),
        # Nothing above 12 in either part: day first
        (["01/02/2025", "03/04/2025"], (dt.date(2025, 2, 1), dt.date(2025, 4, 3)), "DATE"),
        (
            ["2025-12-31 10:30", "2025-02-01T08:00:05"],
            (dt.datetime(2025, 12, 31, 10, 30), dt.datetime(2025, 2, 1, 8, 0, 5)),
            "TIMESTAMP",
        ),
    ],
)
def test_dates_in_spanish_english_and_iso_formats(values, expected, type_):
    spec, converted = _typed(values)
    assert spec.type == type_
    assert converted == expected


def test_a_column_stays_text_when_a_value_does_not_fit():
    # Leading zeros are codes, not numbers
    assert _typed(["00123", "00456"])[0].type == "VARCHAR"
    # A day first and a month first value in one column: no date order fits both
    assert _typed(["31/12/2025", "12/31/2025"])[0].type == "VARCHAR"
    # A sample that looks numeric, with a value past it that does not: text, nothing lost
    values = ["1"] * 1500 + ["n.d."]
    spec = infer_column(values)
    assert spec.type == "BIGINT"
    assert convert_column(values, spec) is None  # the caller keeps the column as text
    # Missing markers are NULL in a typed column
    assert _typed(["1,5", "", "N/A", "-", "2,5"])[1] == (1.5, None, None, None, 2.5)


def test_csv_with_semicolons_formula_like_text_and_empty_column(tmp_path):
    path = tmp_path / "Ventas 2025.csv"
    path.write_text(
        "Región;Importe;Nota;\nNorte;1.234,56;=SUM(A1:A9);\nSur;10,00;+34 600;\n",
        encoding="utf-8",
    )
    (table,) = read_tables(path)
    assert table.name == "ventas_2025"
    assert [c.name for c in table.columns] == ["region", "importe", "nota"]
    assert [c.header for c in table.columns] == ["Región", "Importe", "Nota"]
    # A formula-like cell is stored as its text, never evaluated or altered
    assert table.data[2] == ("=SUM(A1:A9)", "+34 600")
    assert table.data[1] == (1234.56, 10.0)


def test_latin1_csv_and_tabs(tmp_path):
    path = tmp_path / "datos.tsv"
    path.write_bytes("Año\tCiudad\n2024\tMálaga\n2025\tCádiz\n".encode("cp1252"))
    (table,) = read_tables(path)
    assert [c.name for c in table.columns] == ["ano", "ciudad"]
    assert table.data[1] == ("Málaga", "Cádiz")


def test_excel_sheets_native_types_and_formulas_without_cached_values(tmp_path):
    book = Workbook()
    sales = book.active
    sales.title = "Ventas Q1"
    sales.append(["Fecha", "Importe", "Total"])
    sales.append([dt.datetime(2025, 1, 31), 10.5, "=B2*2"])
    sales.append([dt.datetime(2025, 2, 28), 20, "=B3*2"])
    book.create_sheet("Vacía")
    other = book.create_sheet("Clientes")
    other.append(["Nombre", "Activo"])
    other.append(["Ana", True])
    path = tmp_path / "libro.xlsx"
    book.save(path)
    tables = read_tables(path)
    assert [t.name for t in tables] == ["ventas_q1", "clientes"]  # the empty sheet is skipped
    sales_t = tables[0]
    assert [c.type for c in sales_t.columns] == ["DATE", "DOUBLE", "VARCHAR"]
    # openpyxl saved no cached results: the formulas are kept as text
    assert sales_t.data[2] == ("=B2*2", "=B3*2")
    assert tables[1].columns[1].type == "BOOLEAN"


def test_single_sheet_workbook_is_named_after_the_file_or_the_given_name(tmp_path):
    book = Workbook()
    book.active.append(["a"])
    book.active.append([1])
    path = tmp_path / "Presupuesto.xlsx"
    book.save(path)
    assert [t.name for t in read_tables(path)] == ["presupuesto"]
    assert [t.name for t in read_tables(path, table="Mi tabla")] == ["mi_tabla"]


def test_parquet_keeps_its_types(tmp_path):
    path = tmp_path / "m.parquet"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT 1 AS id, 2.5 AS score, DATE '2025-01-02' AS day) TO '{path}' "
        "(FORMAT parquet)"
    )
    con.close()
    (table,) = read_tables(path)
    assert [c.type for c in table.columns] == ["BIGINT", "DOUBLE", "DATE"]


def test_limits_and_unsupported_files_have_codes(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a\n" + "1\n" * 11)
    with pytest.raises(IngestError) as rows:
        read_tables(path, limits=IngestLimits(max_rows=10))
    assert rows.value.code == "spreadsheet_too_many_rows" and "10" in rows.value.message
    assert len(read_tables(path, limits=IngestLimits(max_rows=11))[0].data[0]) == 11
    with pytest.raises(IngestError) as size:
        read_tables(path, limits=IngestLimits(max_bytes=10))
    assert size.value.code == "spreadsheet_too_large"
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(6)) + "\n" + ",".join("1" * 6) + "\n")
    with pytest.raises(IngestError) as cols:
        read_tables(wide, limits=IngestLimits(max_columns=5))
    assert cols.value.code == "spreadsheet_too_many_columns"
    with pytest.raises(IngestError) as kind:
        read_tables(tmp_path / "x.csv", filename="x.xls")
    assert kind.value.code == "spreadsheet_unsupported"
    empty = tmp_path / "e.csv"
    empty.write_text("only,a,header\n")
    with pytest.raises(IngestError) as nothing:
        read_tables(empty)
    assert nothing.value.code == "spreadsheet_empty"


def test_written_tables_keep_types_headers_units_and_replace_on_rewrite(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text("Región;Margen\nNorte;12,5 %\n", encoding="utf-8")
    db = tmp_path / "s.duckdb"
    write_tables(db, read_tables(path))
    path.write_text("Región;Margen\nSur;7 %\nEste;8 %\n", encoding="utf-8")
    write_tables(db, read_tables(path))
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT * FROM v ORDER BY 1").fetchall() == [("Este", 8.0), ("Sur", 7.0)]
        comments = con.execute(
            "SELECT column_name, data_type, comment FROM duckdb_columns() WHERE table_name = 'v'"
        ).fetchall()
        assert comments == [("region", "VARCHAR", "Región"), ("margen", "DOUBLE", "Margen")]
        units = con.execute(
            "SELECT column_name, unit FROM datachat_meta.columns WHERE table_name = 'v' "
            "ORDER BY column_name"
        ).fetchall()
        assert units == [("margen", "%"), ("region", "")]
    finally:
        con.close()
