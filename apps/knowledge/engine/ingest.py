"""Spreadsheet ingestion: a CSV, Excel or Parquet file → cleaned, typed tables in a DuckDB file.

Pure (no Django): `read_tables` turns a file into `IngestedTable`s, `write_tables` stores them in
an org's DuckDB file. What it does to a file:

- **One table per file or sheet.** A CSV or Parquet file is one table named after the file (or
  the name given); an Excel workbook gives one table per non-empty sheet, named after the sheet
  (after the file when the workbook has a single sheet).
- **Headers become identifiers**: accents folded (`datachat.text.fold`), anything but letters
  and digits an underscore, a leading digit prefixed, empty headers `col_N`, duplicates suffixed
  `_2`, `_3`…; the original header is kept as the column's description.
- **Types are decided per column from a sample** (the first `SAMPLE_SIZE` non-empty values),
  then every value is converted; a column with any value that does not fit stays text, so
  nothing is lost. Numbers in Spanish and English notation (`1.234,56`, `1,234.56`, `12,5 %`,
  `1.234 €`, `$1,234.56`), with the percent sign or currency symbol kept as the column's unit or
  currency; dates `31/12/2025`, `12/31/2025`, `2025-12-31` (with an optional time); booleans
  `true/false`. Codes with leading zeros (`00123`) stay text. Ambiguous columns (`1.234`,
  `01/02/2025`) follow the language hint: thousands dot and day first for "es", decimal point
  for "en"; day first for both unless a value proves otherwise.
- **Formula-like cells are stored as text**: an Excel cell is read as its computed value, or as
  its formula text when the file has none cached; nothing is ever evaluated.
- **Limits**: bytes, rows and columns (`IngestLimits`), each a stable error code.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datachat.text import fold

SAMPLE_SIZE = 1000
# A workbook may unzip to at most this many times the upload limit (real ones: 5-20x).
UNZIP_RATIO = 40
SPREADSHEET_EXTENSIONS = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".parquet")
META_SCHEMA = "datachat_meta"  # where column metadata lives inside the DuckDB file
_MISSING = frozenset({"", "null", "n/a", "na", "#n/a", "-", "none", "nan"})
# SQL words that cannot be a bare column or table name; they get a trailing underscore.
_RESERVED = frozenset(
    [
        "all",
        "and",
        "any",
        "as",
        "asc",
        "between",
        "by",
        "case",
        "cast",
        "check",
        "column",
        "create",
        "default",
        "desc",
        "distinct",
        "else",
        "end",
        "except",
        "false",
        "fetch",
        "for",
        "foreign",
        "from",
        "full",
        "grant",
        "group",
        "having",
        "in",
        "inner",
        "intersect",
        "into",
        "is",
        "join",
        "lateral",
        "left",
        "like",
        "limit",
        "natural",
        "not",
        "null",
        "offset",
        "on",
        "only",
        "or",
        "order",
        "outer",
        "primary",
        "references",
        "right",
        "select",
        "table",
        "then",
        "to",
        "true",
        "union",
        "unique",
        "using",
        "when",
        "where",
        "window",
        "with",
    ]
)
_SYSTEM_PREFIXES = ("duckdb_", "sqlite_", "pg_", "information_schema", "datachat_")

Progress = Callable[[str, int, int], None]

MESSAGES = {
    "spreadsheet_too_large": "The file is larger than the spreadsheet limit ({limit} MB).",
    "spreadsheet_too_many_rows": "The file has more rows than the limit ({limit}).",
    "spreadsheet_too_many_columns": "A table has more columns than the limit ({limit}).",
    "spreadsheet_unsupported": (
        "Upload a CSV (.csv, .tsv, .txt), an Excel workbook (.xlsx) or a Parquet file."
    ),
    "spreadsheet_unreadable": "The file could not be read as {kind} (it may be damaged).",
    "spreadsheet_empty": "The file has no data: no sheet with a header row and at least one row.",
}


class IngestError(ValueError):
    """A file that cannot be ingested; `code` is stable, `params` fill its message."""

    def __init__(self, code: str, *, detail: str = "", **params: Any) -> None:
        self.code = code
        self.params = params
        self.detail = detail
        self.message = MESSAGES[code].format(**params)
        super().__init__(f"{code}: {self.message}")


@dataclass(frozen=True)
class IngestLimits:
    max_bytes: int = 50 * 1024 * 1024
    max_rows: int = 1_000_000
    max_columns: int = 500


@dataclass(frozen=True)
class ColumnSpec:
    """A cleaned column: its identifier, the header it came from, its DuckDB type and what its
    numbers are counted in ("%" as unit, an ISO currency)."""

    name: str
    header: str
    type: str  # BIGINT, DOUBLE, DATE, TIMESTAMP, BOOLEAN or VARCHAR
    unit: str = ""
    currency: str = ""
    note: str = ""  # how it was read: "es numbers", "day first", …


@dataclass(frozen=True)
class IngestedTable:
    name: str
    origin: str  # the file or sheet it came from
    columns: tuple[ColumnSpec, ...]
    # Column-wise values, already converted (int, float, date, datetime, bool, str or None).
    data: tuple[tuple[Any, ...], ...] = field(repr=False)

    @property
    def row_count(self) -> int:
        return len(self.data[0]) if self.data else 0


# --- names ---


def clean_identifier(text: Any, *, fallback: str) -> str:
    """A header or sheet name as a lower-case SQL identifier ("Importe (€)" → "importe")."""
    folded = fold(str(text if text is not None else "").strip())
    name = re.sub(r"[^a-z0-9]+", "_", folded).strip("_")[:60].strip("_")
    if not name:
        return fallback
    if name[0].isdigit():
        name = f"c_{name}"
    if name in _RESERVED:
        name = f"{name}_"
    if name.startswith(_SYSTEM_PREFIXES):
        name = f"t_{name}"
    return name


def clean_headers(headers: Sequence[Any]) -> list[str]:
    """Identifiers for a header row: empty → col_N (1-based), duplicates suffixed _2, _3…"""
    names: list[str] = []
    taken: set[str] = set()
    for position, header in enumerate(headers, start=1):
        base = clean_identifier(header, fallback=f"col_{position}")
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name)
        names.append(name)
    return names


def table_name_for(filename: str, *, given: str = "") -> str:
    return clean_identifier(given or Path(filename).stem, fallback="data")


# --- value parsing ---

_CURRENCY_SYMBOLS = {
    "€": "EUR",
    "$": "USD",
    "us$": "USD",
    "£": "GBP",
    "¥": "JPY",
    "eur": "EUR",
    "usd": "USD",
    "gbp": "GBP",
    "mxn": "MXN",
    "chf": "CHF",
}
_CURRENCY_RE = re.compile(
    r"^(us\$|[€$£¥]|eur|usd|gbp|mxn|chf)\s*|\s*(us\$|[€$£¥]|eur|usd|gbp|mxn|chf)$"
)
_NUMBER_CORE = re.compile(r"^[+-]?(\d[\d.,']*)$")
_ES_NUMBER = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$|^\d+(,\d+)?$")
_EN_NUMBER = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$|^\d+(\.\d+)?$")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


@dataclass
class _Number:
    sign: int
    digits: str  # digits and separators, no sign
    percent: bool
    currency: str


def _number_parts(text: str) -> _Number | None:
    raw = _SPACES.sub(" ", text.strip().lower())
    percent = raw.endswith("%")
    if percent:
        raw = raw[:-1].strip()
    currency = ""
    sign = 1
    if raw.startswith("-") or raw.startswith("+"):
        sign = -1 if raw[0] == "-" else 1
        raw = raw[1:].strip()
    match = _CURRENCY_RE.search(raw)
    if match:
        currency = _CURRENCY_SYMBOLS[(match.group(1) or match.group(2)).strip()]
        raw = (raw[: match.start()] + raw[match.end() :]).strip()
    if raw.startswith("-") and sign == 1:  # "€-5"
        sign, raw = -1, raw[1:]
    raw = raw.replace(" ", "").replace("'", "")  # "1 234,56", "1'234.56"
    core = _NUMBER_CORE.match(raw)
    if not core or (percent and currency):
        return None
    return _Number(sign, core.group(1), percent, currency)


def _number_style(digits: str) -> str:
    """ "es" (comma decimal), "en" (point decimal), "ambiguous" ("1.234", "1,234") or "plain"."""
    dots, commas = digits.count("."), digits.count(",")
    if dots and commas:
        return "es" if digits.rfind(",") > digits.rfind(".") else "en"
    if commas:
        if commas > 1:
            return "en"
        whole, frac = digits.split(",")
        return "ambiguous" if len(frac) == 3 and 1 <= len(whole) <= 3 and whole != "0" else "es"
    if dots:
        if dots > 1:
            return "es"
        whole, frac = digits.split(".")
        return "ambiguous" if len(frac) == 3 and 1 <= len(whole) <= 3 and whole != "0" else "en"
    return "plain"


def _to_number(part: _Number, style: str) -> float | int | None:
    digits = part.digits
    if style == "es":
        if not _ES_NUMBER.match(digits):
            return None
        digits = digits.replace(".", "").replace(",", ".")
    else:
        if not _EN_NUMBER.match(digits):
            return None
        digits = digits.replace(",", "")
    if "." in digits:
        value = float(digits)
        return part.sign * value if math.isfinite(value) else None
    return part.sign * int(digits)


_ISO_DATE = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$"
)
_SLASH_DATE = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)


def _date_value(text: str, order: str) -> dt.datetime | None:
    """`order`: "ymd", "dmy" or "mdy". A datetime (time 00:00 when none)."""
    text = text.strip()
    if order == "ymd":
        match = _ISO_DATE.match(text)
        if not match:
            return None
        y, m, d = (int(g) for g in match.group(1, 2, 3))
    else:
        match = _SLASH_DATE.match(text)
        if not match:
            return None
        a, b, y = (int(g) for g in match.group(1, 2, 3))
        d, m = (a, b) if order == "dmy" else (b, a)
    hh, mm, ss = (int(g or 0) for g in match.group(4, 5, 6))
    try:
        return dt.datetime(y, m, d, hh, mm, ss)
    except ValueError:
        return None


def _has_time(text: str) -> bool:
    return bool(re.search(r"\d{1,2}:\d{2}", text))


# --- inference ---


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in _MISSING


def infer_column(values: Sequence[Any], *, lang: str = "es") -> ColumnSpec:
    """The type (and unit, currency) a column's sample reads as; its `name`/`header` are empty.

    `values` are strings (CSV) or native values (Excel, Parquet)."""
    sample = [v for v in values if not _missing(v)][:SAMPLE_SIZE]
    if not sample:
        return ColumnSpec("", "", "VARCHAR")
    if all(isinstance(v, bool) for v in sample):
        return ColumnSpec("", "", "BOOLEAN")
    if all(isinstance(v, (dt.datetime, dt.date)) for v in sample):
        timed = any(isinstance(v, dt.datetime) and v.time() != dt.time() for v in sample)
        return ColumnSpec("", "", "TIMESTAMP" if timed else "DATE")
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in sample):
        integral = all(isinstance(v, int) or float(v).is_integer() for v in sample)
        return ColumnSpec("", "", "BIGINT" if integral else "DOUBLE")
    texts = [v if isinstance(v, str) else None for v in sample]
    if any(t is None for t in texts):
        return ColumnSpec("", "", "VARCHAR")  # mixed native values and text
    return _infer_text([t.strip() for t in texts if t is not None], lang)


def _infer_text(sample: list[str], lang: str) -> ColumnSpec:
    lowered = {s.lower() for s in sample}
    if lowered <= {"true", "false"}:
        return ColumnSpec("", "", "BOOLEAN")
    date = _infer_date(sample)
    if date is not None:
        return date
    numbers = [_number_parts(s) for s in sample]
    if all(n is not None for n in numbers):
        return _infer_number([n for n in numbers if n is not None], lang) or ColumnSpec(
            "", "", "VARCHAR"
        )
    return ColumnSpec("", "", "VARCHAR")


def _infer_date(sample: list[str]) -> ColumnSpec | None:
    timed = any(_has_time(s) for s in sample)
    kind = "TIMESTAMP" if timed else "DATE"
    if all(_date_value(s, "ymd") for s in sample):
        return ColumnSpec("", "", kind, note="ymd")
    if not all(_SLASH_DATE.match(s) for s in sample):
        return None
    dmy = all(_date_value(s, "dmy") for s in sample)
    mdy = all(_date_value(s, "mdy") for s in sample)
    if dmy:  # day first unless a value proves month first (nothing above 12 in the 2nd part)
        return ColumnSpec("", "", kind, note="dmy")
    if mdy:
        return ColumnSpec("", "", kind, note="mdy")
    return None


def _infer_number(numbers: list[_Number], lang: str) -> ColumnSpec | None:
    for n in numbers:
        bare = n.digits
        if len(bare) > 1 and bare[0] == "0" and bare[1].isdigit():
            return None  # a code with leading zeros (00123, 0612…): text
    styles = {_number_style(n.digits) for n in numbers}
    if "es" in styles and "en" in styles:
        return None
    if "es" in styles:
        style = "es"
    elif "en" in styles:
        style = "en"
    else:  # only plain or ambiguous values ("1.234"): the language decides
        style = "es" if (lang == "es" and "ambiguous" in styles) else "en"
    if any(_to_number(n, style) is None for n in numbers):
        return None
    currencies = {n.currency for n in numbers if n.currency}
    if len(currencies) > 1:
        return None
    percent = any(n.percent for n in numbers)
    values = [_to_number(n, style) for n in numbers]
    integral = all(isinstance(v, int) for v in values) and not percent
    if integral and any(abs(v) >= 2**63 for v in values if isinstance(v, int)):
        return ColumnSpec("", "", "DOUBLE", note=f"{style} numbers")
    return ColumnSpec(
        "",
        "",
        "BIGINT" if integral else "DOUBLE",
        unit="%" if percent else "",
        currency=next(iter(currencies), ""),
        note=f"{style} numbers" if style in ("es", "en") else "",
    )


def convert_column(values: Sequence[Any], spec: ColumnSpec) -> tuple[Any, ...] | None:
    """Every value converted to `spec`'s type (None for missing ones); None when one does not
    fit (the caller then keeps the column as text)."""
    out: list[Any] = []
    style = "es" if spec.note.startswith("es") else "en"
    for value in values:
        if _missing(value) and spec.type != "VARCHAR":
            out.append(None)
            continue
        converted = _convert(value, spec, style)
        if converted is _FAIL:
            return None
        out.append(converted)
    return tuple(out)


_FAIL = object()


def _convert(value: Any, spec: ColumnSpec, style: str) -> Any:  # noqa: PLR0911 - one per type
    kind = spec.type
    if kind == "VARCHAR":
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        text = _as_text(value)
        return text if text.strip() else None
    if kind == "BOOLEAN":
        if isinstance(value, bool):
            return value
        lowered = str(value).strip().lower()
        return {"true": True, "false": False}.get(lowered, _FAIL)
    if kind in ("DATE", "TIMESTAMP"):
        if isinstance(value, dt.datetime):
            return value if kind == "TIMESTAMP" else value.date()
        if isinstance(value, dt.date):
            return value if kind == "DATE" else dt.datetime.combine(value, dt.time())
        parsed = _date_value(str(value), spec.note or "ymd") if isinstance(value, str) else None
        if parsed is None:
            return _FAIL
        return parsed if kind == "TIMESTAMP" else parsed.date()
    # numbers
    if isinstance(value, bool):
        return _FAIL
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if kind == "BIGINT":
            return int(value) if float(value).is_integer() else _FAIL
        return float(value)
    if not isinstance(value, str):
        return _FAIL
    part = _number_parts(value)
    if part is None or (part.currency and part.currency != spec.currency):
        return _FAIL
    if part.percent and spec.unit != "%":
        return _FAIL
    number = _to_number(part, style)
    if number is None:
        return _FAIL
    if kind == "BIGINT":
        return number if isinstance(number, int) else _FAIL
    return float(number)


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# --- reading files ---


def read_tables(
    path: str | Path,
    *,
    filename: str = "",
    table: str = "",
    limits: IngestLimits | None = None,
    lang: str = "es",
    progress: Progress | None = None,
) -> list[IngestedTable]:
    """Read a spreadsheet file into cleaned, typed tables (see the module's docstring).

    `filename` is the name it was uploaded under (its extension decides the format; `path` may be
    a temporary name); `table` names the table of a CSV, Parquet or one-sheet workbook. Raises
    `IngestError`."""
    limits = limits or IngestLimits()
    path = Path(path)
    filename = filename or path.name
    ext = Path(filename).suffix.lower()
    if ext not in SPREADSHEET_EXTENSIONS:
        raise IngestError("spreadsheet_unsupported")
    size = os.path.getsize(path)
    if size > limits.max_bytes:
        raise IngestError("spreadsheet_too_large", limit=limits.max_bytes // (1024 * 1024))
    report = progress or (lambda step, done, total: None)
    if ext in (".xlsx", ".xlsm"):
        raw = _read_excel(path, limits, report)
        single = len(raw) == 1
        named = [
            (table_name_for(filename, given=table) if single else _sheet_table(sheet), sheet, rows)
            for sheet, rows in raw
        ]
    elif ext == ".parquet":
        named = [(table_name_for(filename, given=table), filename, _read_parquet(path, limits))]
    else:
        named = [(table_name_for(filename, given=table), filename, _read_csv(path, limits, report))]
    tables = []
    seen: set[str] = set()
    for name, origin, rows in named:
        built = _build_table(name, origin, rows, limits, lang)
        if built is None:
            continue
        unique, n = built.name, 1
        while unique in seen:
            n += 1
            unique = f"{built.name}_{n}"
        seen.add(unique)
        tables.append(IngestedTable(unique, built.origin, built.columns, built.data))
        report("typing", len(tables), len(named))
    if not tables:
        raise IngestError("spreadsheet_empty")
    return tables


def _sheet_table(sheet: str) -> str:
    return clean_identifier(sheet, fallback="sheet")


def _build_table(
    name: str, origin: str, rows: list[list[Any]], limits: IngestLimits, lang: str
) -> IngestedTable | None:
    rows = [r for r in rows if any(not _blank(v) for v in r)]
    if len(rows) < 2:
        return None
    header, body = rows[0], rows[1:]
    width = max(len(r) for r in rows)
    # Trailing columns with neither a header nor a value (Excel's formatted-but-empty cells).
    while width and _blank(_at(header, width - 1)) and all(_blank(_at(r, width - 1)) for r in body):
        width -= 1
    if width > limits.max_columns:
        raise IngestError("spreadsheet_too_many_columns", limit=limits.max_columns)
    headers = [_at(header, i) for i in range(width)]
    names = clean_headers(headers)
    specs, data = [], []
    for i, column_name in enumerate(names):
        values = [_at(r, i) for r in body]
        spec = infer_column(values, lang=lang)
        converted = convert_column(values, spec) if spec.type != "VARCHAR" else None
        if converted is None:
            spec = ColumnSpec("", "", "VARCHAR")
            converted = convert_column(values, spec) or ()
        header_text = "" if _blank(headers[i]) else _as_text(headers[i]).strip()
        specs.append(
            ColumnSpec(
                name=column_name,
                header=header_text,
                type=spec.type,
                unit=spec.unit,
                currency=spec.currency,
                note=spec.note,
            )
        )
        data.append(converted)
    return IngestedTable(name=name, origin=origin, columns=tuple(specs), data=tuple(data))


def _at(row: Sequence[Any], i: int) -> Any:
    return row[i] if i < len(row) else None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _read_csv(path: Path, limits: IngestLimits, report: Progress) -> list[list[Any]]:
    text = _decode(path.read_bytes())
    if "\x00" in text[:4096]:
        raise IngestError("spreadsheet_unreadable", kind="CSV")
    head = text[:65536]
    try:
        dialect: Any = csv.Sniffer().sniff(head, delimiters=",;\t|")
    except csv.Error:
        first = head.splitlines()[0] if head else ""
        counts = {d: first.count(d) for d in ",;\t|"}
        delimiter = max(counts, key=counts.get) if any(counts.values()) else ","
        dialect = type("Sniffed", (csv.excel,), {"delimiter": delimiter})
    rows: list[list[Any]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), dialect):
            rows.append(row)
            if len(rows) > limits.max_rows + 1:  # the header is not a data row
                raise IngestError("spreadsheet_too_many_rows", limit=limits.max_rows)
            if len(rows) % 50_000 == 0:
                report("reading", len(rows), 0)
    except csv.Error as exc:
        raise IngestError("spreadsheet_unreadable", kind="CSV", detail=str(exc)) from None
    return rows


def _read_excel(path: Path, limits: IngestLimits, report: Progress) -> list[tuple[str, list]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError("spreadsheet_unreadable", kind="Excel", detail=str(exc)) from None
    if unzipped > UNZIP_RATIO * limits.max_bytes:
        # A zip bomb (a few KB of XML that unzip to GBs, parsed whole, twice): the archive's
        # own sizes bound what reading it would take (zipfile never reads past them).
        raise IngestError("spreadsheet_too_large", limit=limits.max_bytes // (1024 * 1024))
    try:
        computed = load_workbook(path, read_only=True, data_only=True)
        formulas = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise IngestError("spreadsheet_unreadable", kind="Excel", detail=str(exc)) from None
    sheets: list[tuple[str, list]] = []
    total = 0
    try:
        for sheet in computed.worksheets:
            raw = formulas[sheet.title]
            # The declared dimension is the file's claim: openpyxl pads every row to it (a 12 KB
            # file declaring column XFD took 300 MB). Read the cells that exist instead.
            sheet.reset_dimensions()
            raw.reset_dimensions()
            rows = []
            for values, texts in zip(
                sheet.iter_rows(values_only=True), raw.iter_rows(values_only=True), strict=False
            ):
                # A formula with no cached result (a file no spreadsheet program saved) is kept
                # as its text; nothing is evaluated.
                row = [
                    t if v is None and isinstance(t, str) and t.startswith("=") else v
                    for v, t in zip(values, texts, strict=False)
                ]
                while row and row[-1] is None:  # formatted-but-empty cells at the end
                    row.pop()
                if len(row) > limits.max_columns:
                    raise IngestError("spreadsheet_too_many_columns", limit=limits.max_columns)
                rows.append(row)
                total += 1
                if total > limits.max_rows + len(sheets) + 1:
                    raise IngestError("spreadsheet_too_many_rows", limit=limits.max_rows)
                if total % 50_000 == 0:
                    report("reading", total, 0)
            sheets.append((sheet.title, rows))
    finally:
        computed.close()
        formulas.close()
    return sheets


def _read_parquet(path: Path, limits: IngestLimits) -> list[list[Any]]:
    import duckdb

    conn = duckdb.connect(":memory:")
    try:
        count = conn.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0]
        if count > limits.max_rows:
            raise IngestError("spreadsheet_too_many_rows", limit=limits.max_rows)
        cursor = conn.execute("SELECT * FROM read_parquet(?)", [str(path)])
        header = [d[0] for d in cursor.description]
        rows = [header] + [list(r) for r in cursor.fetchall()]
    except duckdb.Error as exc:
        raise IngestError("spreadsheet_unreadable", kind="Parquet", detail=str(exc)) from None
    finally:
        conn.close()
    import decimal

    return [[float(v) if isinstance(v, decimal.Decimal) else v for v in r] for r in rows]


# --- writing ---


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class StoreError(OSError):
    """The DuckDB file could not be written (the driver's words are the message): an `OSError`,
    so callers handle a full disk and a driver failure alike without importing the driver."""


def empty_file(db_path: str | Path) -> None:
    """Create an empty DuckDB file at `db_path` (a spreadsheet source before its first upload
    has been ingested)."""
    import duckdb

    try:
        conn = duckdb.connect(str(db_path))
        try:
            conn.execute("CHECKPOINT")
        finally:
            conn.close()
    except duckdb.Error as exc:
        raise StoreError(str(exc)) from None


def write_tables(db_path: str | Path, tables: Iterable[IngestedTable]) -> list[str]:
    """Create (or replace) each table in the DuckDB file at `db_path`, with its column comments
    (the original headers) and units in `datachat_meta.columns`. Returns the table names;
    raises `StoreError` (an `OSError`) when DuckDB fails."""
    import duckdb

    try:
        return _write_tables(db_path, tables)
    except duckdb.Error as exc:
        raise StoreError(str(exc)) from None


def _write_tables(db_path: str | Path, tables: Iterable[IngestedTable]) -> list[str]:
    import duckdb
    import pandas as pd

    conn = duckdb.connect(str(db_path))
    written = []
    try:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {META_SCHEMA}")
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {META_SCHEMA}.columns (table_name VARCHAR, "
            "column_name VARCHAR, header VARCHAR, unit VARCHAR, currency VARCHAR, "
            "origin VARCHAR)"
        )
        for table in tables:
            frame = pd.DataFrame(
                {
                    f"c{i}": pd.Series(_storable(col, spec), dtype=object)
                    for i, (col, spec) in enumerate(zip(table.data, table.columns, strict=True))
                }
            )
            conn.register("incoming", frame)
            select = ", ".join(
                f"CAST(c{i} AS {spec.type}) AS {_quote(spec.name)}"
                for i, spec in enumerate(table.columns)
            )
            conn.execute(
                f"CREATE OR REPLACE TABLE {_quote(table.name)} AS SELECT {select} FROM incoming"
            )
            conn.unregister("incoming")
            conn.execute(f"DELETE FROM {META_SCHEMA}.columns WHERE table_name = ?", [table.name])
            for spec in table.columns:
                if spec.header:
                    conn.execute(
                        f"COMMENT ON COLUMN {_quote(table.name)}.{_quote(spec.name)} IS "
                        f"{_literal(spec.header)}"
                    )
                conn.execute(
                    f"INSERT INTO {META_SCHEMA}.columns VALUES (?, ?, ?, ?, ?, ?)",
                    [table.name, spec.name, spec.header, spec.unit, spec.currency, table.origin],
                )
            written.append(table.name)
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
    return written


def _storable(values: tuple[Any, ...], spec: ColumnSpec) -> list[Any]:
    """Values as DuckDB casts them from text without guessing (ISO dates, plain numbers)."""
    if spec.type in ("DATE", "TIMESTAMP"):
        return [
            v.isoformat(sep=" ") if isinstance(v, dt.datetime) else (v.isoformat() if v else None)
            for v in values
        ]
    if spec.type == "BOOLEAN":
        return [None if v is None else ("true" if v else "false") for v in values]
    if spec.type in ("BIGINT", "DOUBLE"):
        return [None if v is None else repr(v) for v in values]
    return list(values)
