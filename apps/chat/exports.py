"""Exporting an answer's full result as CSV or Excel, re-run under the caller's current policy.

An export never replays stored rows: the message's SQL (as stored, i.e. already rewritten by the
policy of the moment it was answered) goes through the guard again with the policy the caller has
*now* (an export right granted, a row filter added or a table withdrawn since then all apply),
then through the read-only executor. So an export never holds more than the answer could show,
nor more than the caller's policy allows today. The flow:

1. resolve the data source, the catalog and the caller's `DataPolicy`; no `can_export`, no
   export (refused and audited as `export_not_allowed`);
2. guard the SQL and run it once with `executor.execute`: the policy's timeout and caps hold,
   refusals come back as clean JSON errors, and the count (up to `count_cap`) is known before any
   byte is sent;
3. append the audit entry (before the data leaves: if auditing fails, nothing is exported);
4. write the rows: from that first run when it already holds them all, otherwise from a second,
   streamed run (`executor.stream`: the executor's own read-only opening, batch by batch, never
   the whole result in memory) up to `count_cap` rows.

CSV (docs/ux.md): UTF-8 with BOM, `;` for Spanish and `,` for English (overridable with `sep`), the
header row first and nothing else but rows: any CSV reader (pandas `read_csv`, Excel) gets the
right columns. Provenance (source, scope, masks, row count, export cap, time, who) travels in the
response headers (`X-DataChat-*`, `ExportFile.provenance`) and, in Excel, on a sheet of its own.
Excel: a write-only workbook with typed cells and number formats per column (thousands
separators, the currency of money columns, dates as dates, ids without separators), a bold,
frozen header row, and a second "Provenance" sheet recording question, SQL, scope, time and who
exported. Every cell, header rows included (a column alias of hand-written SQL is text from a
person), goes through the shared sanitizer (`governance.engine.spreadsheet`): nothing a
spreadsheet would run as a formula, no control character that breaks the workbook.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils import timezone
from django.utils.text import slugify

from apps.chat.models import Message
from apps.governance.engine import executor, spreadsheet
from apps.governance.engine.dialects import get_dialect
from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.executor import SourceConnection, execute
from apps.governance.engine.guard import GuardedQuery, guard_sql
from apps.governance.engine.policy import DataPolicy
from apps.governance.models import Membership
from apps.governance.services import audit_record
from apps.knowledge.models import DataSource
from apps.knowledge.query_context import query_context
from apps.knowledge.selectors import datasource_get
from datachat.contract import DATA_ANSWER_TYPES

EXPORT_FORMATS = ("csv", "xlsx")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The streamed run may last longer than an answer's query (a slow client reads a big file);
# the first run already proved the query itself fits the policy's timeout.
EXPORT_STREAM_SECONDS = executor.STREAM_SECONDS
# Keep small in-memory workbooks in memory, spill bigger ones to a temporary file.
XLSX_SPOOL_BYTES = 8 * 1024 * 1024
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$"
)

_TEXTS = {
    "es": {
        "source": "fuente",
        "scope": "alcance",
        "no_filters": "sin filtros de filas",
        "masked": "columnas enmascaradas",
        "rows": "filas",
        "cap": "límite de exportación",
        "capped": "el resultado tiene más filas: recortado al límite",
        "exported": "exportado",
        "by": "por",
        "interrupted": "exportación interrumpida",
        "data_sheet": "Datos",
        "meta_sheet": "Procedencia",
        "question": "Pregunta",
        "sql": "SQL ejecutado",
        "message": "Mensaje",
        "conversation": "Conversación",
        "yes": "sí",
        "no": "no",
        "truncated": "Recortado",
    },
    "en": {
        "source": "source",
        "scope": "scope",
        "no_filters": "no row filters",
        "masked": "masked columns",
        "rows": "rows",
        "cap": "export cap",
        "capped": "the result has more rows: cut at the cap",
        "exported": "exported",
        "by": "by",
        "interrupted": "export interrupted",
        "data_sheet": "Data",
        "meta_sheet": "Provenance",
        "question": "Question",
        "sql": "SQL run",
        "message": "Message",
        "conversation": "Conversation",
        "yes": "yes",
        "no": "no",
        "truncated": "Truncated",
    },
}


class ExportRefused(Exception):
    """The export cannot be made; `code` is stable (`export_not_allowed`, `not_exportable`, the
    guard's and executor's refusal codes), `status` the HTTP status an API answers with."""

    def __init__(self, code: str, message: str, *, status: int = 403) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class ExportFile:
    """A finished export: either `chunks` (CSV, streamed) or `file` (Excel, built), never both."""

    filename: str
    content_type: str
    row_count: int
    count_capped: bool
    chunks: Iterator[bytes] | None = None
    file: IO[bytes] | None = None
    # Response headers stating where the rows come from (the CSV itself holds only data).
    provenance: dict[str, str] = field(default_factory=dict)


@dataclass
class _Export:
    """Everything one export carries from policy to file."""

    membership: Membership
    message: Message
    fmt: str
    lang: str
    delimiter: str
    channel: str
    started: float = field(default_factory=time.perf_counter)
    exported_at: dt.datetime = field(default_factory=timezone.now)
    source: DataSource | None = None
    policy: DataPolicy | None = None
    guarded: GuardedQuery | None = None
    catalog: Any = None

    @property
    def texts(self) -> dict[str, str]:
        return _TEXTS[self.lang]

    @property
    def scope(self) -> tuple[str, ...]:
        """Row filters in force: today's policy, plus any the stored SQL already carries."""
        stored = (self.message.answer or {}).get("scope") or []
        current = self.guarded.applied_filters if self.guarded else ()
        return tuple(dict.fromkeys([*current, *stored]))

    @property
    def masked(self) -> tuple[str, ...]:
        """Masked outputs: today's policy, plus masks already written into the stored SQL."""
        stored = (self.message.answer or {}).get("masked_columns") or []
        current = self.guarded.masked_outputs if self.guarded else ()
        return tuple(dict.fromkeys([*current, *stored]))


def message_export(
    *,
    membership: Membership,
    message: Message,
    fmt: str,
    lang: str = "es",
    delimiter: str | None = None,
    channel: str = "api",
) -> ExportFile:
    """Export a message's full result as `csv` or `xlsx` under the caller's current policy.

    The caller must already have access to the message (`access_message_by_id`). Every outcome
    is audited (`action="export"`); refusals raise `ExportRefused` before any data is produced.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    lang = "en" if lang == "en" else "es"
    job = _Export(
        membership=membership,
        message=message,
        fmt=fmt,
        lang=lang,
        delimiter=delimiter or (";" if lang == "es" else ","),
        channel=channel,
    )
    stream: executor.RowStream | None = None
    book: IO[bytes] | None = None
    try:
        connection = _prepare(job)
        first = execute(job.guarded, source=connection, lang=lang)
        rows: Any = first.rows
        if first.row_count > len(first.rows):  # the first run kept only row_cap rows
            rows = stream = executor.stream(
                job.guarded,
                source=connection,
                limit=job.policy.count_cap,
                lang=lang,
                seconds=EXPORT_STREAM_SECONDS,
            )
        written = first.row_count
        if fmt == "xlsx":
            book, written = _xlsx_file(
                job, first.columns, rows, first.row_count, first.count_capped, first.rows
            )
    except ExportRefused as refusal:
        _audit(job, outcome="refused" if refusal.status == 403 else "error", code=refusal.code)
        raise
    except SqlRefusal as refusal:
        if stream is not None:
            stream.close()
        error = _status(refusal.code) != 403
        _audit(
            job,
            outcome="error" if error else "refused",
            code=refusal.code,
            rule=refusal.detail or refusal.code,
        )
        raise ExportRefused(refusal.code, refusal.message, status=_status(refusal.code)) from None

    try:
        _audit(job, outcome="answered", row_count=written, capped=first.count_capped)
    except BaseException:
        # Not audited, not exported.
        if stream is not None:
            stream.close()
        if book is not None:
            book.close()
        raise
    filename = _filename(job)
    if book is not None:
        return ExportFile(
            filename=filename + ".xlsx",
            content_type=XLSX_CONTENT_TYPE,
            row_count=written,
            count_capped=first.count_capped,
            file=book,
            provenance=_provenance(job, written, first.count_capped),
        )
    return ExportFile(
        filename=filename + ".csv",
        content_type=CSV_CONTENT_TYPE,
        row_count=first.row_count,
        count_capped=first.count_capped,
        chunks=_csv_chunks(job, first.columns, rows),
        provenance=_provenance(job, first.row_count, first.count_capped),
    )


# Refusals that mean "your policy says no" (403); timeouts are 503; anything else about the SQL
# itself (it no longer parses, grew too complex, failed to run) is 422.
_POLICY_CODES = frozenset(
    {
        "not_authorized",
        "table_not_allowed",
        "column_not_allowed",
        "column_masked",
        "function_not_allowed",
        "sql_not_read_only",
    }
)


def _status(code: str) -> int:
    if code in _POLICY_CODES:
        return 403
    return 503 if code == "timeout" else 422


def _prepare(job: _Export) -> SourceConnection:
    """Source, policy and guarded SQL; refuses what the caller may not export."""
    message, membership = job.message, job.membership
    # The request is well-formed; the answer has nothing to export (or its source is gone): a
    # conflict with the message's state (409), not bad input.
    if message.answer_type not in DATA_ANSWER_TYPES or not message.sql:
        raise ExportRefused(
            "not_exportable",
            "Esta respuesta no tiene datos que exportar."
            if job.lang == "es"
            else "This answer has no data to export.",
            status=409,
        )
    source_name = (message.answer or {}).get("source")
    job.source = (
        datasource_get(org=membership.organization, name=source_name)
        if source_name
        else message.conversation.data_source
    )
    if job.source is None or job.source.organization_id != membership.organization_id:
        raise ExportRefused(
            "unknown_source",
            "La fuente de datos ya no existe."
            if job.lang == "es"
            else "The data source no longer exists.",
            status=409,
        )
    context = query_context(membership=membership, source=job.source, lang=job.lang)
    catalog, job.catalog, job.policy = context.catalog, context.catalog, context.policy
    if not (job.policy.can_export and job.policy.can_query):
        raise ExportRefused(
            "export_not_allowed",
            "Tu rol no puede exportar datos."
            if job.lang == "es"
            else "Your role cannot export data.",
        )
    job.guarded = guard_sql(
        message.sql,
        dialect=job.source.dialect,
        schema=catalog.schema_mapping(),
        policy=job.policy,
        lang=job.lang,
    )
    return context.connection


def _audit(
    job: _Export,
    *,
    outcome: str,
    code: str = "",
    rule: str = "",
    row_count: int = 0,
    capped: bool = False,
) -> None:
    membership, message = job.membership, job.message
    audit_record(
        org=membership.organization,
        user=membership.user,
        role=membership.role,
        action="export",
        channel=job.channel,
        source=job.source.name if job.source else "",
        question=message.question,
        sql=job.guarded.sql if job.guarded else message.sql,
        outcome=outcome,
        code=code,
        rule=rule,
        row_count=row_count,
        duration_ms=(time.perf_counter() - job.started) * 1000,
        policy_fingerprint=job.policy.fingerprint() if job.policy else "",
        details={
            "message_id": message.pk,
            "conversation_id": message.conversation_id,
            "format": job.fmt,
            "filters": list(job.scope),
            "masked_columns": list(job.masked),
            "count_capped": capped,
        },
    )


def _filename(job: _Export) -> str:
    """`<source>[_<scope>]_<date>`, e.g. `empresa_norte_2026-11-25`: the scope is visible."""
    values = [
        str(value)
        for row_filter in job.policy.row_filters
        if row_filter.table in job.guarded.tables
        for value in row_filter.values
    ]
    parts = [slugify(job.source.name) or "datos"]
    scope = slugify("-".join(values))[:60]
    if scope:
        parts.append(scope)
    elif job.guarded.applied_filters:  # a filter admitting nothing (missing attribute)
        parts.append("sin-filas" if job.lang == "es" else "no-rows")
    parts.append(timezone.localdate(job.exported_at).isoformat())
    return "_".join(parts)


def _summary(job: _Export, row_count: int, capped: bool) -> list[tuple[str, str]]:
    """The scope line's facts, also written on the Excel metadata sheet."""
    t = job.texts
    masked = ", ".join(job.masked)
    user = job.membership.user
    facts = [
        (t["source"], job.source.name),
        (t["scope"], " AND ".join(job.scope) or t["no_filters"]),
        (t["rows"], str(row_count)),
        (t["cap"], f"{job.policy.count_cap} {t['rows']}"),
        (t["exported"], job.exported_at.isoformat()),
        (t["by"], f"{user.get_username()} ({job.membership.role})"),
    ]
    if masked:
        facts.insert(2, (t["masked"], masked))
    if capped:
        facts.insert(4, (t["truncated"], t["capped"]))
    return facts


def _header_value(text: str) -> str:
    """One line of printable text: a header value cannot hold a line break."""
    return " ".join(spreadsheet.clean_text(str(text)).split())[:1000]


def _provenance(job: _Export, row_count: int, capped: bool) -> dict[str, str]:
    """`X-DataChat-*` response headers: what the comment line of the CSV used to say."""
    user = job.membership.user
    return {
        "X-DataChat-Source": _header_value(job.source.name),
        "X-DataChat-Scope": _header_value(" AND ".join(job.scope) or "-"),
        "X-DataChat-Masked-Columns": _header_value(", ".join(job.masked) or "-"),
        "X-DataChat-Rows": str(row_count),
        "X-DataChat-Export-Cap": str(job.policy.count_cap),
        "X-DataChat-Truncated": "true" if capped else "false",
        "X-DataChat-Generated": job.exported_at.isoformat(),
        "X-DataChat-Exported-By": _header_value(f"{user.get_username()} ({job.membership.role})"),
        "X-DataChat-Message": str(job.message.pk),
    }


# --- CSV ------------------------------------------------------------------------------------


class _Line:
    """A file-like sink for csv.writer that hands back what was written."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def write(self, text: str) -> int:
        return self.buffer.write(text)

    def take(self) -> str:
        value = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return value


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return spreadsheet.csv_cell(value)


def _csv_chunks(job: _Export, columns: tuple[str, ...], rows: Iterable[tuple]) -> Iterator[bytes]:
    """BOM + header + rows, in chunks of a few hundred rows.

    Runs after the response has started, outside the request's tenant scope: it touches only
    the already-open row stream, never the ORM.
    """
    try:
        yield from _csv_lines(job, columns, rows)
    finally:
        # A client that goes away closes this generator: release the source connection now.
        close = getattr(rows, "close", None)
        if close is not None:
            close()


class ExportInterrupted(RuntimeError):
    """The streamed run failed after the headers were sent: the response is aborted (the
    download fails visibly) rather than ended as if the file were complete."""


def _csv_lines(job: _Export, columns: tuple[str, ...], rows: Iterable[tuple]) -> Iterator[bytes]:
    sink = _Line()
    writer = csv.writer(sink, delimiter=job.delimiter, lineterminator="\r\n")
    writer.writerow(spreadsheet.csv_row(columns))
    yield ("\ufeff" + sink.take()).encode()
    pending = 0
    try:
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])
            pending += 1
            if pending >= executor.FETCH_BATCH:
                yield sink.take().encode()
                pending = 0
    except SqlRefusal as refusal:
        # Headers are gone already, and a comment line would be read as data: abort.
        raise ExportInterrupted(f"{job.texts['interrupted']}: {refusal.code}") from None
    yield sink.take().encode()


# --- Excel ----------------------------------------------------------------------------------


def _xlsx_value(value: Any) -> Any:
    """A cell value Excel understands natively: numbers stay numbers, ISO dates become dates."""
    if isinstance(value, str):
        if _ISO_DATE.match(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                return value
        if _ISO_DATETIME.match(value):
            try:
                moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return value
            if moment.tzinfo is not None:  # Excel has no time zones: store UTC
                moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
            return moment
    return value


_CURRENCY = re.compile(r"\b(USD|EUR|GBP|MXN|ARS|CLP|COP|PEN|BRL|CHF|JPY)\b|(€|US\$|\$)")
_CURRENCY_SYMBOL = {"€": "EUR", "$": "USD", "US$": "USD"}
# Outputs of these functions are counts or positions, never money, whatever they count.
_NOT_MONEY_FUNCTIONS = ("COUNT", "ROW_NUMBER", "RANK", "DENSE_RANK", "NTILE")
# Whole numbers without thousands separators: identifiers, codes and years.
_CODE_TOKENS = frozenset({"id", "year", "año", "anio", "codigo", "código", "code", "zip", "cp"})
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
INTEGER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"


def _currency_of(description: str) -> str | None:
    match = _CURRENCY.search(description or "")
    if not match:
        return None
    return match.group(1) or _CURRENCY_SYMBOL.get(match.group(2), "USD")


def money_columns(sql: str, dialect: str, currencies: dict[str, str]) -> dict[int, str]:
    """Output position -> currency, for outputs computed only from money columns.

    `currencies` maps catalog column names (`total`, `ventas.total`) to the currency their
    description names ("Importe cobrado en USD"). An output is money when every column it reads
    is money in one currency and it is not a count (`SUM(total) AS ingresos` is; `COUNT(total)`
    and `AVG(descuento)` are not). Unparseable SQL: no money columns, plain number formats.
    """
    import sqlglot
    from sqlglot import exp

    if not currencies:
        return {}
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except Exception:  # noqa: BLE001 - formats are a nicety; the data is exported anyway
        return {}
    found: dict[int, str] = {}
    for position, select in enumerate(getattr(tree, "selects", None) or []):
        names = [
            (column.table.lower(), column.name.lower()) for column in select.find_all(exp.Column)
        ]
        if not names or any(
            isinstance(node, exp.Count)
            or (isinstance(node, exp.Anonymous) and str(node.name).upper() in _NOT_MONEY_FUNCTIONS)
            or type(node).__name__.upper() in _NOT_MONEY_FUNCTIONS
            for node in select.walk()
        ):
            continue
        kinds = {currencies.get(f"{table}.{name}") or currencies.get(name) for table, name in names}
        if len(kinds) == 1 and None not in kinds:
            found[position] = kinds.pop()
    return found


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def column_formats(
    columns: tuple[str, ...], sample: list[tuple], money: dict[int, str]
) -> list[str | None]:
    """One Excel number format per column, from the values of the first run (up to the row
    cap): dates, date-times, money with its currency, whole numbers and decimals grouped by
    thousands, ids and years plain; text keeps no format (None)."""
    formats: list[str | None] = []
    for index, name in enumerate(columns):
        values = [row[index] for row in sample if index < len(row) and row[index] is not None]
        typed = [_xlsx_value(v) for v in values]
        if typed and all(isinstance(v, dt.datetime) for v in typed):
            formats.append(DATETIME_FORMAT)
        elif typed and all(isinstance(v, dt.date) for v in typed):
            formats.append(DATE_FORMAT)
        elif typed and all(_is_number(v) for v in typed):
            whole = all(float(v).is_integer() for v in typed)
            tokens = set(re.split(r"[^0-9a-záéíóúñ]+", str(name).lower()))
            if index in money:
                formats.append(f'{DECIMAL_FORMAT} "{money[index]}"')
            elif whole and tokens & _CODE_TOKENS:
                formats.append("0")
            else:
                formats.append(INTEGER_FORMAT if whole else DECIMAL_FORMAT)
        else:
            formats.append(None)
    return formats


def _xlsx_data_cell(sheet: Any, raw: Any, number_format: str | None) -> Any:
    value = _xlsx_value(raw)
    if isinstance(value, str):
        return spreadsheet.xlsx_cell(sheet, value)  # text through the sanitizer
    if value is None or number_format is None:
        return value
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        # openpyxl writes a date as a datetime; the column's format shows it as a date.
        value = dt.datetime.combine(value, dt.time())
    return spreadsheet.xlsx_cell(sheet, value, number_format=number_format)


def _money_currencies(job: _Export) -> dict[str, str]:
    """Catalog columns whose description names a currency, by `name` and `table.name`."""
    currencies: dict[str, str] = {}
    for table in job.catalog.tables if job.catalog else ():
        for column in table.columns:
            currency = _currency_of(column.description)
            if currency:
                currencies[f"{table.name.lower()}.{column.name.lower()}"] = currency
                currencies.setdefault(column.name.lower(), currency)
    return currencies


def _xlsx_file(
    job: _Export,
    columns: tuple[str, ...],
    rows: Iterable[tuple],
    row_count: int,
    capped: bool,
    sample: list[tuple] | None = None,
) -> tuple[IO[bytes], int]:
    """A write-only workbook (rows never all in memory) in a spooled temporary file."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    t = job.texts
    book = Workbook(write_only=True)
    data = book.create_sheet(t["data_sheet"])
    data.freeze_panes = "A2"  # the header row stays in view
    bold = Font(bold=True)
    money = money_columns(
        job.guarded.sql, get_dialect(job.source.kind).sqlglot_name, _money_currencies(job)
    )
    formats = column_formats(columns, list(sample or []), money)
    data.append(spreadsheet.xlsx_row(data, [str(name) for name in columns], font=bold))
    written = 0
    for row in rows:
        data.append([_xlsx_data_cell(data, raw, formats[i]) for i, raw in enumerate(row)])
        written += 1

    meta = book.create_sheet(t["meta_sheet"])
    message = job.message
    facts = [
        (t["question"], message.question),
        (t["sql"], job.guarded.sql),
        *_summary(job, written, capped),
        (t["message"], str(message.pk)),
        (t["conversation"], str(message.conversation_id)),
    ]
    for key, value in facts:
        key_cell = spreadsheet.xlsx_cell(meta, key, font=bold)
        meta.append([key_cell, spreadsheet.xlsx_cell(meta, value)])

    target = tempfile.SpooledTemporaryFile(max_size=XLSX_SPOOL_BYTES)  # noqa: SIM115 - returned open
    book.save(target)
    target.seek(0)
    return target, written
