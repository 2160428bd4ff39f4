"""Compile a CatalogSnapshot into the offline engine's semantic model.

Everything the parser matches comes from here: metric names and synonyms, table and column names
(with their synonyms and a generic bilingual gloss), the distinct values of low-cardinality text
columns, the join paths given by the foreign keys, and the date columns. The model is built once
per catalog version and then only read, so `interpret()` does dictionary look-ups, not scans.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import sqlglot
from sqlglot import exp

from apps.knowledge.engine.catalog import CatalogSnapshot, ColumnInfo, TableInfo
from datachat import text as tx

from . import lexicon as lx
from .lexicon import words

# Match qualities, best first: a name, then a synonym, then a gloss or a single word of a name.
EXACT, SYNONYM, GLOSS, PARTIAL = 4, 3, 2, 1

_MONEY_HINTS = re.compile(r"\b(usd|eur|euros?|d[oó]lares|dollars?|moneda|currency)\b|\$|€", re.I)
_MONEY_NAMES = words(
    """
    precio price costo coste cost total importe amount monto salario sueldo salary revenue
    ingreso ingresos facturacion pago payment
    """
)
_AMOUNT_NAMES = words("total importe amount monto revenue ingresos ingreso facturacion valor value")
_UNIT_VALUE_NAMES = words("precio price costo coste cost unitario unit")
# A fraction (0.1 means 10 %): "10 %" in a question compares with 0.1.
_RATIO_HINTS = re.compile(
    r"fracci[oó]n|fraction|0\.1 = 10|entre 0 y 1\b|between 0 and 1\b|0 (?:to|a) 1\b", re.I
)
# Already in percent points (10 means 10 %): "10 %" compares with 10.
_PERCENT_HINTS = re.compile(r"porcentaje|percent(?:age)?|\b0 ?- ?100\b|%", re.I)
_DISPLAY_NAMES = ("nombre", "name", "titulo", "title", "razon_social", "descripcion", "label")
_DATE_TYPES = ("DATE", "TIME")
# A text column with more distinct values names entities, not categories (see _index_values).
CATEGORY_VALUES = 50
_NUMBER_TYPES = ("INT", "REAL", "NUM", "DEC", "FLOA", "DOUB")
# Words that name a row's label in any table: never a column by themselves.
_NAMING_WORDS = frozenset((*_DISPLAY_NAMES, "description", "nombres", "names", "titles", "titulos"))
# Naming words that say what a row is about rather than what it is called.
_DESCRIPTION_WORDS = frozenset(("description", "descripcion", "descriptions", "descripciones"))


@dataclass(frozen=True)
class ColumnSem:
    table: str
    name: str
    kind: str  # "text", "number", "date", "id"
    values: tuple[str, ...] = ()
    money: bool = False
    ratio: bool = False
    pii: bool = False
    description: str = ""
    percent: bool = False  # stored in percent points (0-100)
    # A yes/no column: "bool" (a boolean type: compared with TRUE), "number" (0/1 by its
    # name: `active`, `is_paid`), or the text value that means yes ('Y', 'true'); "" if none.
    flag: str = ""
    # A text column whose values are numbers ('130', '31.5', 'null'): a "number" that the SQL
    # compares, ranks and aggregates through a safe cast (`sqlgen._NUMBER_SQL`).
    numeric_text: bool = False
    unit: str = ""  # the documented unit of a measure ("min", "kg"); "" when none
    # the caller's policy masks it or does not allow its table (`ColumnInfo.hidden`)
    hidden: bool = False


@dataclass(frozen=True)
class TableSem:
    name: str
    columns: tuple[str, ...]
    display: str | None  # the column that names a row (nombre, name, ...)
    dates: tuple[str, ...]  # date columns, the main one first
    label: str  # a human word for the table
    key: tuple[str, ...] = ()  # the primary key's columns (one row per key)
    # whether `display` names the rows (a name, title or steward's label), not only the first
    # text column of a table whose rows have no name (order headers, payments)
    named: bool = True


@dataclass(frozen=True)
class MetricSem:
    key: str  # "metric:<slug>"
    name: str
    table: str
    expression: exp.Expression  # columns qualified with their table
    tables: frozenset[str]
    agg: str  # "sum", "avg", "count", "countd", "min", "max" or "other"
    column: tuple[str, str] | None  # the measured column when the metric is AGG(column)
    unit: str  # "money", "count", "ratio", "number"
    alias: str
    words: frozenset[str]  # stems of the name and synonyms, for concept look-ups
    synonyms: tuple[str, ...] = ()
    description: str = ""
    filtered: bool = False  # counts only the rows its filters keep: never the generic concept


@dataclass(frozen=True)
class Entry:
    """One meaning of a phrase: a metric, table, column or value of the catalog."""

    kind: str  # "metric", "table", "column", "value"
    ref: tuple  # (key,), (table,), (table, column), (table, column, value)
    quality: int
    weak: bool = False  # a value that is also a common word ("Este"): needs evidence


@dataclass(frozen=True)
class SemanticModel:
    dialect: str
    catalog: CatalogSnapshot
    fact: str
    tables: Mapping[str, TableSem]
    columns: Mapping[tuple[str, str], ColumnSem]
    metrics: Mapping[str, MetricSem]
    metric_order: tuple[str, ...]
    # language -> phrase key (stems in that language) -> entries: a question's tokens are keyed
    # by the question's language and looked up in the same language's index
    phrases: Mapping[str, Mapping[str, tuple[Entry, ...]]]
    max_phrase: int
    # (from_table, to_table) -> join steps (left_table, left_col, right_table, right_col)
    paths: Mapping[tuple[str, str], tuple[tuple[str, str, str, str], ...]]
    revenue_metric: str | None
    units_metric: str | None
    count_metric: str | None  # COUNT(*) over the fact table, if the catalog defines one
    row_measure: tuple[str, str] | None  # "ventas mayores a 1000" compares this column
    date_bounds: Mapping[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    # language -> (one-word value key, its entries): for matching other forms of the word
    single_values: Mapping[str, tuple[tuple[str, tuple[Entry, ...]], ...]] = field(
        default_factory=dict
    )

    # language -> a stem of the phrase index -> a folded word it was made from ("segment" ->
    # "segmento"): how to name a stem back to people (spelling corrections)
    surfaces: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def lookup(self, key: str, lang: str) -> tuple[Entry, ...] | None:
        """The entries of a phrase key made in `lang`, or None."""
        return self.phrases[lang if lang in self.phrases else "es"].get(key)

    def column(self, table: str, name: str) -> ColumnSem | None:
        return self.columns.get((table, name))

    def path(self, source: str, target: str) -> tuple[tuple[str, str, str, str], ...] | None:
        if source == target:
            return ()
        return self.paths.get((source, target))

    def main_date(self, table: str) -> str | None:
        info = self.tables.get(table)
        return info.dates[0] if info and info.dates else None


# --- building ---------------------------------------------------------------------------------


def build_semantic_model(
    catalog: CatalogSnapshot,
    *,
    date_bounds: Mapping[tuple[str, str], tuple[str, str]] | None = None,
) -> SemanticModel:
    """Compile `catalog` into a SemanticModel (pure, deterministic, built once per catalog).

    `date_bounds` optionally gives (min, max) ISO dates per (table, date column); with it,
    relative periods ("el último trimestre") resolve to literal dates, without it the SQL
    computes them from MAX(date column).
    """
    columns = {
        (t.name, c.name): _column_sem(t, c, catalog) for t in catalog.tables for c in t.columns
    }
    tables = {t.name: _table_sem(t, columns) for t in catalog.tables}
    metrics: dict[str, MetricSem] = {}
    for metric in catalog.metrics:
        sem = _metric_sem(metric, catalog, columns)
        if sem is not None and sem.key not in metrics:
            metrics[sem.key] = sem
    fact = _fact_table(catalog, metrics)
    paths = _join_paths(catalog)
    by_lang: dict[str, dict[str, tuple[Entry, ...]]] = {}
    surfaces: dict[str, dict[str, str]] = {}
    for lang in tx.LANGUAGES:
        phrases = _Phrases()
        _index_metrics(phrases, metrics, lang)
        _index_tables(phrases, catalog, lang)
        _index_columns(phrases, catalog, columns, lang)
        _index_column_heads(phrases, catalog, columns, lang)
        _index_values(phrases, columns, lang)
        _index_value_names(phrases, columns, lang)
        _index_flags(phrases, columns, lang)
        _index_value_synonyms(phrases, catalog, columns, lang)
        _index_metric_words(phrases, metrics, lang)
        _index_synonym_glosses(phrases, catalog, lang)
        _index_row_nouns(phrases, catalog, lang)
        by_lang[lang] = {k: _best_entries(v) for k, v in phrases.items()}
        surfaces[lang] = phrases.surfaces
    revenue, units, count = _concept_metrics(metrics, fact)
    return SemanticModel(
        dialect=catalog.dialect,
        catalog=catalog,
        fact=fact,
        tables=tables,
        columns=columns,
        metrics=metrics,
        metric_order=tuple(metrics),
        phrases=by_lang,
        surfaces=surfaces,
        max_phrase=max((len(k.split()) for f in by_lang.values() for k in f), default=1),
        paths=paths,
        revenue_metric=revenue,
        units_metric=units,
        count_metric=count,
        row_measure=_row_measure(metrics, revenue, fact, tables, columns),
        date_bounds=dict(date_bounds or {}),
        single_values={
            lang: tuple(
                (key, entries)
                for key, entries in frozen.items()
                if " " not in key
                and not key.startswith("~")
                and any(
                    e.kind == "value"
                    and len(columns[(e.ref[0], e.ref[1])].values) <= CATEGORY_VALUES
                    for e in entries
                )
            )
            for lang, frozen in by_lang.items()
        },
    )


def _best_entries(entries: list[Entry]) -> tuple[Entry, ...]:
    """One entry per meaning (the best quality it was indexed with), best first."""
    best: dict[tuple, Entry] = {}
    for e in entries:
        key = (e.kind, e.ref)
        if key not in best or e.quality > best[key].quality:
            best[key] = e
    return tuple(sorted(best.values(), key=lambda e: (-e.quality, e.kind, e.ref)))


def names_any(words: list[str], vocabulary: frozenset[str]) -> bool:
    """Whether one of an identifier's words is (a plural or another form of) a vocabulary word:
    `UnitPrice` names a price, `precios_lista` a precio."""
    return any(s in vocabulary for w in words for s in lx.stems(w))


def _stems_of(vocabulary: frozenset[str]) -> frozenset[str]:
    return frozenset(s for w in vocabulary for s in lx.stems(w))


_MONEY_STEMS = _stems_of(_MONEY_NAMES)
_AMOUNT_STEMS = _stems_of(_AMOUNT_NAMES)
_UNIT_VALUE_STEMS = _stems_of(_UNIT_VALUE_NAMES)


def _is_key(table: TableInfo, col: ColumnInfo) -> bool:
    """Whether a column is an identifier by being (part of) the primary key. A text column that
    is one of several key columns of a link table (`countrylanguage(CountryCode, Language)`)
    is the entity's value, not an identifier: its values are names to filter by."""
    if not col.primary_key:
        return False
    keys = [c for c in table.columns if c.primary_key]
    declared = (col.type or "").upper()
    text = not declared or any(t in declared for t in ("CHAR", "TEXT", "CLOB", "STRING"))
    return len(keys) == 1 or not text


def _column_sem(table: TableInfo, col: ColumnInfo, catalog: CatalogSnapshot) -> ColumnSem:
    declared = (col.type or "").upper()
    parts = tx.identifier_words(col.name)  # "OrderDate", "order_date" -> ["order", "date"]
    is_fk = any(fk.table == table.name and fk.column == col.name for fk in catalog.foreign_keys)
    if _is_key(table, col) or is_fk or parts[-1:] == ["id"]:
        kind = "id"
    elif (
        any(t in declared for t in _DATE_TYPES)
        or parts[:1] in (["fecha"], ["date"])
        or (len(parts) > 1 and parts[-1] in ("date", "at", "fecha"))
    ):
        kind = "date"
    elif any(t in declared for t in ("INT", "REAL", "NUM", "DEC", "FLOA", "DOUB")):
        kind = "number"
    else:
        kind = "text"
    numeric_text = kind == "text" and _numbers_as_text(parts, col.values)
    if numeric_text:
        kind = "number"
    money = kind == "number" and (
        bool(col.currency)  # documented (semantic layer, admin): no guessing needed
        or bool(_MONEY_HINTS.search(col.description))
        or names_any(parts, _MONEY_STEMS)
    )
    ratio = kind == "number" and not money and bool(_RATIO_HINTS.search(col.description))
    percent = (
        kind == "number"
        and not ratio
        and (col.unit.strip() == "%" or bool(_PERCENT_HINTS.search(col.description)))
    )
    values = tuple(col.values or ()) if kind == "text" or _code_key(declared, col) else ()
    flag = _flag(declared, kind, col.name, values)
    if "BOOL" in declared:
        # a BOOL column's values only say how its yes is written (`flag`); they are no words of
        # their own ("one time" is not the flag `Is_full_time`): read as before, by its name
        values = ()
    return ColumnSem(
        table.name,
        col.name,
        kind,
        values,
        money,
        ratio,
        col.pii,
        col.description,
        percent,
        flag,
        numeric_text,
        col.unit if kind == "number" else "",
        col.hidden,
    )


# A code is short, one word, with a letter and no lower-case letter ('PPT', 'BK', 'A1').
_CODE_VALUE = re.compile(r"^(?=[^a-z]*[A-Z])[A-Z0-9_./-]{1,8}$")


def _code_key(declared: str, col: ColumnInfo) -> bool:
    """Whether a text key column holds a short list of codes (a reference table's
    `Template_Type_Code` 'PPT', 'BK', and the foreign keys to it): its values are filters
    ("templates with type code PPT") like a category's, not identifiers. A long list (ISO codes
    of 239 countries, customers' ids) stays an identifier; so do numbers written as text."""
    values = col.values or ()
    text = not declared or any(t in declared for t in ("CHAR", "TEXT", "CLOB", "STRING"))
    return (
        text
        and not col.pii
        and 0 < len(values) <= CATEGORY_VALUES
        and all(_CODE_VALUE.match(v) for v in values)
    )


# What a text column holding numbers writes for "no value" ('null' in a CSV-loaded table).
_MISSING_VALUES = frozenset({"", "null", "none", "nan", "n/a", "na", "-", "?"})
# Name words of a text column whose digits are a code, not a quantity (compared as text).
_CODE_WORDS = frozenset(
    {"code", "codigo", "zip", "postal", "postcode", "phone", "telefono", "fax", "number", "numero"}
)


def _numbers_as_text(parts: list[str], values: tuple[str, ...] | None) -> bool:
    """Whether a text column holds quantities written as text ('130', '31.5', with 'null' for
    none): every indexed value but the missing-value markers is a number, there are several,
    and none is a code (a leading zero, "007"; a name saying code, zip, phone, number). Such a
    column is compared, ranked and averaged as a number: as text, '95' > '150'. A column named
    a year (`Year`) needs no more than one value when every value is a whole year ('2014',
    '2015'): its name says what the digits are."""
    if not values or _CODE_WORDS & set(parts):
        return False
    numbers = [v.strip() for v in values if v.strip().lower() not in _MISSING_VALUES]
    if not numbers or not all(_is_quantity(v) for v in numbers):
        return False
    years = set(parts) & lx.YEAR_COLUMN_WORDS and all(
        v.isdigit() and 1000 <= int(v) <= 2999 for v in numbers
    )
    return len(numbers) >= 3 or bool(years)


def _is_quantity(text: str) -> bool:
    """A plain decimal number ('130', '-2.5', '0.75'), not a code with a leading zero."""
    digits = text.lstrip("+-")
    if digits[:1] == "0" and digits[1:2] not in ("", "."):
        return False
    try:
        float(text)
    except ValueError:
        return False
    return text.lower() not in ("inf", "infinity", "nan") and "e" not in text.lower()


# Two values that say yes and no, folded; the first of each pair is the yes.
_YES_NO = (
    ("y", "n"),
    ("yes", "no"),
    ("true", "false"),
    ("t", "f"),
    ("si", "no"),
    ("s", "n"),
    ("1", "0"),
)


def _flag(declared: str, kind: str, name: str, values: tuple[str, ...]) -> str:
    """Whether a column is a yes/no flag, and how its yes is written (see ColumnSem.flag)."""
    if kind == "id":
        return ""
    if "BOOL" in declared or declared.strip() == "BIT":
        # A BOOL column whose values are a written pair other than true/false or 1/0 (SQLite
        # keeps 'T'/'F' as written): its yes as written, never TRUE (which no 'T' equals).
        written = _flag("", "text", name, values) if kind == "text" else ""
        if kind == "text" and len(values) == 1:
            written = _yes_of_one(values[0])  # a caller who sees only 'T' rows (or only 'F')
        return written if written and lx.fold(written).strip() not in ("true", "1") else "bool"
    folded = lx.fold(name)
    if kind == "number" and (
        folded in lx.ACTIVE_WORDS or folded.startswith(("is_", "es_", "has_", "tiene_"))
    ):
        return "number"
    if kind == "text" and len(values) == 2:
        by_fold = {lx.fold(v).strip(): v for v in values}
        for yes, no in _YES_NO:
            if set(by_fold) == {yes, no}:
                return by_fold[yes]
    return ""


def _yes_of_one(value: str) -> str:
    """How yes is written in a BOOL column whose one value seen is one side of a written pair
    ('T', or 'F' whose yes is 'T' in the same case); "" when the value is no such side. A row
    filter can leave a caller only one of the two values (`caller_catalog`)."""
    folded = lx.fold(value).strip()
    for yes, no in _YES_NO:
        if folded == yes:
            return value
        if folded == no and no != "no":  # "no" has two yeses (yes, si)
            return yes.upper() if value.isupper() else yes
    return ""


def _table_sem(table: TableInfo, columns: Mapping[tuple[str, str], ColumnSem]) -> TableSem:
    cols = [columns[(table.name, c.name)] for c in table.columns]
    # A steward's label column wins; else the first column named like a name, else text.
    chosen = table.label_column if table.column(table.label_column) is not None else None
    display = chosen or next(
        (
            c.name
            for name in _DISPLAY_NAMES[:2]  # nombre, name
            for c in cols
            if lx.fold(c.name) == name and c.kind == "text"
        ),
        None,
    )
    if display is None:
        display = _named_column(table.name, cols)
    if display is None:
        display = next(
            (
                c.name
                for name in _DISPLAY_NAMES[2:]
                for c in cols
                if lx.fold(c.name) == name and c.kind == "text"
            ),
            None,
        )
    named = display is not None
    if display is None:
        display = next((c.name for c in cols if c.kind == "text" and not c.pii), None)
    dates = sorted(
        (c.name for c in cols if c.kind == "date"), key=lambda n: _date_rank(table.name, n)
    )
    key = tuple(c.name for c in table.columns if c.primary_key)
    columns = tuple(c.name for c in cols)
    return TableSem(table.name, columns, display, tuple(dates), table.name, key, named)


# Words of a column that records when a row was last edited, not when what it records happened.
_BOOKKEEPING_DATE_WORDS = frozenset(
    {"update", "updated", "modified", "changed", "edited", "actualizacion", "modificacion"}
)


def _date_rank(table: str, column: str) -> tuple:
    """The order a table's date columns are its main date in: one called just "date"/"fecha",
    then one that says the table's name (`rental_date` of `rental`, `OrderDate` of `Orders`),
    then any but a bookkeeping time (`last_update`: when the row was edited), by name."""
    words = [tx.stem(w, "en") for w in tx.identifier_words(column)]
    own = {tx.stem(w, "en") for w in tx.identifier_words(table)}
    bookkeeping = bool({lx.fold(w) for w in tx.identifier_words(column)} & _BOOKKEEPING_DATE_WORDS)
    return (lx.fold(column) not in ("fecha", "date"), not own & set(words), bookkeeping, column)


def _named_column(table: str, cols: list[ColumnSem]) -> str | None:
    """A text column named like a name in any style (`ProductName`, `last_name`, `CompanyName`,
    `nombre_cliente`): the one that also says the table's name first, else the first in order.
    A column called a name or title wins over one called a description (`course_name` beside
    `course_description`: the description is what a row is about, not what it is called).
    A person's name is a label even when it is personal data (a policy masks it in results)."""
    own = {tx.stem(w, "en") for w in tx.identifier_words(table)}
    found = []
    for c in cols:
        if c.kind != "text":
            continue
        words = tx.identifier_words(c.name)
        if len(words) > 1 and (words[-1] in _NAMING_WORDS or words[0] in ("nombre", "titulo")):
            described = words[-1] in _DESCRIPTION_WORDS or words[0] in _DESCRIPTION_WORDS
            found.append((not own & {tx.stem(w, "en") for w in words}, described, c.name))
    return min(found)[-1] if found else None


def linked_label(model: SemanticModel, table: str) -> tuple[str, str] | None:
    """The label of the one row a table's row stands for, when the table names nothing itself:
    a table with no name column of its own (`players(person_id, earnings, …)`) and exactly one
    foreign key to a table whose rows have a name (`people.name`) is named by that name; "the
    names of the players" are their people's names. None when it has a name, or refers to
    several tables (or none)."""
    info = model.tables.get(table)
    if info is None or info.named:
        return None
    found = {
        (fk.ref_table, fk.cardinality)
        for fk in model.catalog.foreign_keys
        if fk.table == table and fk.ref_table != table
    }
    if len(found) != 1:
        return None  # a row of two tables at once (a mooring of a boat in a harbour)
    other, cardinality = next(iter(found))
    info = model.tables.get(other)
    if cardinality not in ("many_to_one", "one_to_one") or info is None or not info.named:
        return None
    return (other, info.display) if info.display else None


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", lx.fold(text)).strip("_") or "value"


def _metric_sem(metric, catalog: CatalogSnapshot, columns) -> MetricSem | None:  # noqa: ANN001
    try:
        expression = sqlglot.parse_one(metric.expression, read=catalog.dialect)
    except sqlglot.errors.ParseError:
        return None
    for col in expression.find_all(exp.Column):
        if not col.table:
            col.set("table", exp.to_identifier(metric.table))
    if metric.filters:
        expression = _filtered(expression, metric, catalog.dialect)
        if expression is None:
            return None
    tables = frozenset(c.table for c in expression.find_all(exp.Column)) | {metric.table}
    if any(catalog.table(t) is None for t in tables):
        return None
    agg, column = _shape(expression)
    referenced = [columns.get((c.table, c.name)) for c in expression.find_all(exp.Column)]
    if metric.format in _FORMAT_UNITS:  # the steward's format wins over the inference
        unit = _FORMAT_UNITS[metric.format]
    elif agg in ("count", "countd"):
        unit = "count"
    elif any(c is not None and c.money for c in referenced):
        unit = "money"
    elif any(c is not None and c.ratio for c in referenced):
        unit = "ratio"
    else:
        unit = "number"
    words = frozenset(
        w
        for phrase in (metric.name, *metric.synonyms)
        for lang in tx.LANGUAGES
        for w in lx.phrase_key(phrase, lang).split()
    )
    return MetricSem(
        key=f"metric:{slug(metric.name)}",
        name=metric.name,
        table=metric.table,
        expression=expression,
        tables=tables,
        agg=agg,
        column=column,
        unit=unit,
        alias=slug(metric.name),
        words=words,
        synonyms=tuple(metric.synonyms),
        description=metric.description,
        filtered=bool(metric.filters),
    )


_FORMAT_UNITS = {
    "money": "money",
    "integer": "count",
    "number": "number",
    "percent": "percent",
    "ratio": "ratio",
}


def _filtered(expression: exp.Expression, metric, dialect: str) -> exp.Expression | None:  # noqa: ANN001
    """The metric with its filters inside each aggregate: SUM(x) over rows meeting `f` is
    SUM(CASE WHEN f THEN x END), COUNT(*) is COUNT(CASE WHEN f THEN 1 END). None when a filter
    does not parse."""
    try:
        conditions = [sqlglot.parse_one(f, read=dialect) for f in metric.filters]
    except sqlglot.errors.ParseError:
        return None
    for condition in conditions:
        for col in condition.find_all(exp.Column):
            if not col.table:
                col.set("table", exp.to_identifier(metric.table))
    condition = exp.and_(*conditions) if len(conditions) > 1 else conditions[0]

    def when(value: exp.Expression) -> exp.Expression:
        return exp.Case(ifs=[exp.If(this=condition.copy(), true=value)])

    def rewrite(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, (exp.Sum, exp.Avg, exp.Min, exp.Max, exp.Count)):
            return node
        arg = node.this
        if isinstance(arg, exp.Star) or (isinstance(node, exp.Count) and arg is None):
            node.set("this", when(exp.Literal.number(1)))
        elif isinstance(arg, exp.Distinct) and arg.expressions:
            arg.set("expressions", [when(arg.expressions[0].copy())])
        elif arg is not None:
            node.set("this", when(arg.copy()))
        return node

    return expression.copy().transform(rewrite, copy=False)


def _shape(expression: exp.Expression) -> tuple[str, tuple[str, str] | None]:
    """("sum", (table, column)) for SUM(t.c), ("count", None) for COUNT(*), and so on."""
    node = expression
    simple = {exp.Sum: "sum", exp.Avg: "avg", exp.Min: "min", exp.Max: "max"}
    for cls, name in simple.items():
        if isinstance(node, cls):
            arg = node.this
            if isinstance(arg, exp.Column):
                return name, (arg.table, arg.name)
            return name, None
    if isinstance(node, exp.Count):
        arg = node.this
        if isinstance(arg, exp.Distinct):
            inner = arg.expressions[0] if arg.expressions else None
            if isinstance(inner, exp.Column):
                return "countd", (inner.table, inner.name)
            return "countd", None
        return "count", None
    return "other", None


def _fact_table(catalog: CatalogSnapshot, metrics: Mapping[str, MetricSem]) -> str:
    """The metrics' base table; without metrics, from the schema alone: a table that refers to
    others and has a date (events: orders, rentals, payments) before one without (a line-item
    table has no date of its own), then the one with more measures (numeric columns that are
    not keys), more foreign keys, more columns."""
    if metrics:
        counts: dict[str, int] = {}
        for m in metrics.values():
            counts[m.table] = counts.get(m.table, 0) + 1
        return max(counts, key=lambda t: (counts[t], t))
    fks: dict[str, int] = {t.name: 0 for t in catalog.tables}
    for fk in catalog.foreign_keys:
        fks[fk.table] = fks.get(fk.table, 0) + 1
    if not fks:
        return ""
    keys = {(fk.table, fk.column) for fk in catalog.foreign_keys}

    def score(name: str) -> tuple:
        table = catalog.table(name)
        has_date = any(any(x in (c.type or "").upper() for x in _DATE_TYPES) for c in table.columns)
        measures = sum(
            1
            for c in table.columns
            if not c.primary_key
            and (name, c.name) not in keys
            and tx.identifier_words(c.name)[-1:] != ["id"]
            and any(t in (c.type or "").upper() for t in _NUMBER_TYPES)
        )
        return (fks[name] > 0 and has_date, fks[name] > 0, measures > 0, fks[name], measures)

    return max(fks, key=lambda n: (score(n), len(catalog.table(n).columns), n))


def with_joins(model: SemanticModel, chosen: tuple) -> SemanticModel:
    """The model whose join paths go through the `chosen` foreign keys (table, column,
    ref_table, ref_column) wherever another key links the same two tables."""
    steps = {tuple(step) for step in chosen}
    if not steps:
        return model
    pairs = {frozenset((s[0], s[2])) for s in steps}
    rivals = {
        (fk.table, fk.column, fk.ref_table, fk.ref_column)
        for fk in model.catalog.foreign_keys
        if frozenset((fk.table, fk.ref_table)) in pairs
    } - steps
    return replace(model, paths=_join_paths(model.catalog, frozenset(rivals)))


_KEY_WORDS = frozenset({"id", "key", "fk", "ref"})


def _side_stems(name: str) -> frozenset[str]:
    return frozenset(
        tx.stem(w, "en") for w in tx.identifier_words(name) if w.lower() not in _KEY_WORDS
    )


def plain_key(column: str, ref_table: str, ref_column: str) -> bool:
    """A foreign key named only after what it references (`language_id`, `store_id`), not a
    role of it (`original_language_id`, `manager_staff_id`): every word of the column but a key
    word is a word of the referenced table or column. The one test of a link's key side, for
    the default join (`link_sides`) and for a relation verb (`relations._link_of_verb`)."""
    words = [w for w in tx.identifier_words(column) if w not in ("id", "fk", "key", "code")]
    named = set(tx.identifier_words(ref_table)) | set(tx.identifier_words(ref_column))
    named = {tx.stem(w, "en") for w in named if w.isalpha()}
    return bool(words) and all(tx.stem(w, "en") in named for w in words)


def link_sides(
    catalog: CatalogSnapshot,
) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], tuple[str, ...]]]:
    """The side a table with several foreign keys to one table joins on by default.

    `Friend(student_id, friend_id)`, `film(language_id, original_language_id)`: two columns
    of one table reference the same table. The subject side is the column named only after
    the referenced table or its key column (`plain_key`: `language_id` of `language`); else
    the one column whose name does not repeat the link table's own word (`friend_id` of
    `Friend`, `liked_id` of `Likes` name the other end's role, so `student_id` is the subject).
    Returns the chosen column per (table, referenced table), and the columns of the pairs
    nothing decides (`current_address_id`, `permanent_address_id`): a question joining those
    says which, or is asked back.
    """
    sides: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for fk in catalog.foreign_keys:
        pair = sides.setdefault((fk.table, fk.ref_table), [])
        if fk.column not in [c for c, _ in pair]:
            pair.append((fk.column, fk.ref_column))
    chosen: dict[tuple[str, str], str] = {}
    undecided: dict[tuple[str, str], tuple[str, ...]] = {}
    for (table, ref), columns in sides.items():
        if len(columns) < 2:
            continue
        named = [c for c, rc in columns if plain_key(c, ref, rc)]
        link = _side_stems(table)
        plain = [c for c, _ in columns if not _side_stems(c) & link]
        if len(named) == 1:
            chosen[(table, ref)] = named[0]
        elif not named and len(plain) == 1:
            chosen[(table, ref)] = plain[0]
        else:
            undecided[(table, ref)] = tuple(c for c, _ in columns)
    return chosen, undecided


def _join_paths(
    catalog: CatalogSnapshot, skipped: frozenset = frozenset()
) -> dict[tuple[str, str], tuple]:
    """Shortest FK path between every pair of tables (BFS; each step is an equi-join), past the
    `skipped` foreign keys. Of two keys from one table to another, the default side
    (`link_sides`) is joined unless a verb chose the other (its rivals are `skipped`)."""
    adjacency: dict[str, list[tuple[str, tuple[str, str, str, str]]]] = {
        t.name: [] for t in catalog.tables
    }
    chosen, _ = link_sides(catalog)
    # the pairs a verb decided: its chosen key is joined, whichever side it is
    decided = {(s[0], s[2]) for s in skipped}
    for fk in catalog.foreign_keys:
        if fk.table not in adjacency or fk.ref_table not in adjacency:
            continue
        step = (fk.table, fk.column, fk.ref_table, fk.ref_column)
        if step in skipped:
            continue
        side = chosen.get((fk.table, fk.ref_table))
        if side is not None and fk.column != side and (fk.table, fk.ref_table) not in decided:
            continue  # the other side of a link table: never the default join
        adjacency[fk.table].append((fk.ref_table, step))
        adjacency[fk.ref_table].append((fk.table, step))
    paths: dict[tuple[str, str], tuple] = {}
    for source in adjacency:
        seen = {source: ()}
        queue = deque([source])
        while queue:
            here = queue.popleft()
            for there, step in adjacency[here]:
                if there not in seen:
                    seen[there] = (*seen[here], step)
                    queue.append(there)
        for target, steps in seen.items():
            if target != source:
                paths[(source, target)] = steps
    return paths


# --- the phrase index ---------------------------------------------------------------------------


class _Phrases(dict):
    """The phrase index being built: key -> entries, and a folded word for each stem."""

    def __init__(self) -> None:
        super().__init__()
        self.surfaces: dict[str, str] = {}


def _add(phrases: _Phrases, text: str, entry: Entry, lang: str) -> None:
    key = lx.phrase_key(text, lang, phrases.surfaces)
    if key:
        phrases.setdefault(key, []).append(entry)


def _add_name(phrases: _Phrases, name: str, entry: Entry, lang: str) -> None:
    """A table or column name, as written and as words in any identifier style: `UnitPrice`,
    `unit_price` and `[Unit Price]` are all found by "unit price" (and "unit prices")."""
    _add(phrases, name, entry, lang)
    key = lx.identifier_key(name, lang, phrases.surfaces)
    if key:
        phrases.setdefault(key, []).append(entry)
    if lang != "en":
        # An English plural name (`continents`, `languages`) is found from the Spanish word it
        # shares its singular's stem with ("continente", "continentes").
        singular = "_".join(tx.singular(w, "en") for w in tx.identifier_words(name))
        other = lx.identifier_key(singular, lang)
        if other and other != key:
            phrases.setdefault(other, []).append(replace(entry, quality=min(entry.quality, GLOSS)))


def _index_metrics(phrases: _Phrases, metrics: Mapping[str, MetricSem], lang: str) -> None:
    for m in metrics.values():
        _add(phrases, m.name, Entry("metric", (m.key,), EXACT), lang)
        for synonym in m.synonyms:
            _add(phrases, synonym, Entry("metric", (m.key,), SYNONYM), lang)
    # The other everyday words for profit ("beneficio", "utilidad") name the one metric the
    # catalog calls profit, when exactly one does.
    profit = [
        m for m in metrics.values() if {lx.fold(w) for w in (m.name, *m.synonyms)} & lx.PROFIT_WORDS
    ]
    if len(profit) == 1:
        for word in sorted(lx.PROFIT_WORDS):
            if lx.phrase_key(word, lang) not in phrases:
                _add(phrases, word, Entry("metric", (profit[0].key,), GLOSS), lang)


# Words that say a table is a container of rows, not what the rows are: `cars_data`,
# `model_list`, `customer_info`, `tbl_orders`, `datos_clientes` (English after the head word,
# Spanish and the `tbl` prefix before it).
_CONTAINER_AFTER = lx.words("data info information details list lists table records")
_CONTAINER_BEFORE = lx.words("tbl tb datos lista listado tabla registros")


def container_head(name: str) -> str | None:
    """The words of a table name without its container word (`cars_data` -> "cars"), or None
    when the name has no such word or is nothing else."""
    words = tx.identifier_words(name)
    if len(words) < 2:
        return None
    if words[-1] in _CONTAINER_AFTER:
        return " ".join(words[:-1])
    if words[0] in _CONTAINER_BEFORE:
        return " ".join(words[1:])
    return None


def key_row_noun(table: TableInfo, catalog: CatalogSnapshot) -> str | None:
    """What one row of a table with a compound name is, said by its own key: the words before
    "id" of its one primary-key column, when they are words of the table's name but not all of
    them (`county_public_safety(County_ID)` -> "county", `farm_competition(Competition_ID)` ->
    "competition"). A key that is a foreign key (the row of another table), a composite key, or
    words the name does not hold (`people(Person_ID)`) say nothing; None then."""
    keys = [c for c in table.columns if c.primary_key]
    if len(keys) != 1:
        return None
    words = tx.identifier_words(keys[0].name)
    if len(words) < 2 or words[-1] != "id":
        return None
    if any(f.table == table.name and f.column == keys[0].name for f in catalog.foreign_keys):
        return None
    row = words[:-1]
    name = [tx.singular(w, "en") for w in tx.identifier_words(table.name)]
    if [tx.singular(w, "en") for w in row] == name:
        return None  # the table's own name: nothing more to say
    if not all(tx.singular(w, "en") in name for w in row):
        return None
    return " ".join(row)


def _index_tables(phrases: _Phrases, catalog: CatalogSnapshot, lang: str) -> None:
    own = {lx.identifier_key(t.name, lang) for t in catalog.tables} | {
        lx.identifier_key(c.name, lang) for t in catalog.tables for c in t.columns
    }
    heads: dict[str, list[str]] = {}
    for t in catalog.tables:
        head = container_head(t.name)
        others = {
            lx.stem(w, lang)
            for o in catalog.tables
            if o.name != t.name
            for w in tx.identifier_words(o.name)
        }
        # a head word that also modifies other tables' names (`cars_data` beside `car_makers`)
        # is no noun of its own there: "the car models" would be read as rows of it
        if head and not {lx.stem(w, lang) for w in head.split()} & others:
            heads.setdefault(lx.phrase_key(head, lang), []).append(t.name)
    for key, names in heads.items():
        # the rows' own word names the table, unless another table or a column is called so
        if key and key not in own and len(names) == 1:
            phrases.setdefault(key, []).append(Entry("table", (names[0],), SYNONYM))
    for t in catalog.tables:
        _add_name(phrases, t.name, Entry("table", (t.name,), EXACT), lang)
        for synonym in t.synonyms:
            _add(phrases, synonym, Entry("table", (t.name,), SYNONYM), lang)
        for variant, variant_lang in lx.gloss_variants(t.name):
            # keyed in its own language: the English "date" is not the Spanish "datos"
            _add(phrases, variant, Entry("table", (t.name,), GLOSS), variant_lang)


def _index_row_nouns(phrases: _Phrases, catalog: CatalogSnapshot, lang: str) -> None:
    """What one row of a table is, said by its key (`key_row_noun`), names the table when it
    names nothing else (indexed last: a name, a synonym, a word of a column's name or a value
    of the data comes first: "invited" is a status 'Invited', not the rows of `invite(invite_id)`)
    and no other table's key says the same."""
    rows: dict[str, list[tuple[str, str]]] = {}
    for t in catalog.tables:
        row = key_row_noun(t, catalog)
        key = lx.phrase_key(row, lang) if row else ""
        if key:
            rows.setdefault(key, []).append((row, t.name))
    for key, found in rows.items():
        if key not in phrases and len(found) == 1:
            row, table = found[0]
            _add(phrases, row, Entry("table", (table,), SYNONYM), lang)


def _index_synonym_glosses(phrases: _Phrases, catalog: CatalogSnapshot, lang: str) -> None:
    """A table's synonym of one or two words written in the other language reaches this one
    through the glossary as a name does ("items" of `inventory` → "artículos", "car models" of
    `model_list` → "modelos de coche": Spanish puts the modifier after "de"), for a phrase
    that names nothing else (indexed last: every name, synonym and value comes first)."""
    added: set[str] = set()
    for t in catalog.tables:
        for synonym in t.synonyms:
            if len(synonym.split()) > 2:
                continue
            for variant, variant_lang in lx.gloss_variants(synonym):
                key = lx.phrase_key(variant, variant_lang)
                if variant_lang == lang and key and (key not in phrases or key in added):
                    added.add(key)
                    _add(phrases, variant, Entry("table", (t.name,), GLOSS), variant_lang)


def _stem_set(lang: str, *groups) -> frozenset[str]:  # noqa: ANN002
    return frozenset(lx.stem(w, lang) for group in groups for w in group)


# Column synonyms that are time words belong to the time grammar, not to the column.
_TIME_WORDS = {
    lang: _stem_set(lang, lx.UNIT_WORDS, lx.MONTHS, ("periodo", "period")) for lang in tx.LANGUAGES
}


def _index_columns(phrases, catalog: CatalogSnapshot, columns, lang: str) -> None:  # noqa: ANN001
    time_words = _TIME_WORDS[lang]
    for t in catalog.tables:
        for c in t.columns:
            sem = columns[(t.name, c.name)]
            ref = (t.name, c.name)
            _add_name(phrases, c.name, Entry("column", ref, EXACT), lang)
            for synonym in c.synonyms:
                if lx.phrase_key(synonym, lang) in time_words:
                    continue
                _add(phrases, synonym, Entry("column", ref, SYNONYM), lang)
            for variant, variant_lang in lx.gloss_variants(c.name):
                _add(phrases, variant, Entry("column", ref, GLOSS), variant_lang)
            if lx.fold(c.name) in lx.PAY_COLUMNS and sem.kind == "number":
                for word in lx.PAY_WORDS - lx.PAY_VERBS:  # verbs: see interpret
                    _add(phrases, word, Entry("column", ref, GLOSS), lang)
            words = tx.identifier_words(c.name)
            if sem.kind != "id" and len(words) > 1:
                for w in words:
                    # "name" alone is the name of whatever was mentioned ("the continent name"),
                    # not the one column that has it as a word (`FullName`)
                    if w in _NAMING_WORDS:
                        continue
                    if len(w) >= 4 and lx.stem(w, lang) not in time_words:
                        _add(phrases, w, Entry("column", ref, PARTIAL), lang)
                    if lang != "es":
                        continue
                    # its Spanish word too: "gobierno" is a word of `GovernmentForm`
                    for es in lx.spanish_words(w):
                        if lx.stem(es, lang) not in time_words:
                            _add(phrases, es, Entry("column", ref, PARTIAL), lang)


def _index_column_heads(phrases, catalog: CatalogSnapshot, columns, lang: str) -> None:  # noqa: ANN001
    """The first words of a column's name, two or more, name it when they begin no other
    column's name (a key column's too) and name nothing else: "net worth" is
    `Net_Worth_Millions`, "focal length" `focal_length_mm` (the words after them, a unit, need
    not be said). A word of the name
    alone is already indexed (PARTIAL, `_index_columns`); two leading words are that and the
    order of the name."""
    found: dict[str, list[tuple[str, tuple[str, str]]]] = {}
    for t in catalog.tables:
        for c in t.columns:
            words = tx.identifier_words(c.name)
            for n in range(2, len(words)):
                head = words[:n]
                if head[-1] in lx.STOPWORDS or len([w for w in head if len(w) > 2]) < 2:
                    continue
                key = lx.phrase_key(" ".join(head), lang)
                if key:
                    found.setdefault(key, []).append((" ".join(head), (t.name, c.name)))
    for key, named in found.items():
        # a key column counts as a column the words begin (`Template_Type_Code` beside
        # `Template_Type_Description`: "template type" is neither), but is never read so
        if key in phrases or len({ref for _, ref in named}) != 1:
            continue
        if columns[named[0][1]].kind != "id":
            _add(phrases, named[0][0], Entry("column", named[0][1], PARTIAL), lang)


_RESERVED_GROUPS = (
    lx.STOPWORDS,
    lx.FILLER,
    lx.GROUP_WORDS,
    lx.MOST_WORDS,
    lx.LEAST_WORDS,
    lx.TOP_WORDS,
    lx.COMPARE_WORDS,
    lx.TREND_WORDS,
    lx.LIST_WORDS,
    lx.EXIST_WORDS,
    lx.THIS_WORDS,
    lx.LAST_WORDS,
    lx.PREVIOUS_WORDS,
    lx.NEG_WORDS,
    lx.WITH_WORDS,
    lx.WITHOUT_WORDS,
    tuple(lx.MONTHS),
    tuple(lx.UNIT_WORDS),
    tuple(lx.NUMBER_WORDS),
    tuple(lx.AGG_WORDS),
    lx.COUNT_WORDS,
    lx.SOLD_WORDS,
    lx.SELL_VERBS,
    lx.BUY_VERBS,
    lx.FORECAST_WORDS,
    lx.SCHEMA_WORDS,
    lx.ORDER_WORDS,
    lx.TREND_WORDS,
    lx.DISTINCT_WORDS,
)
# Grammar words: a catalog value that is one of them ("Este", "Total") needs evidence.
_RESERVED = {lang: _stem_set(lang, *_RESERVED_GROUPS) for lang in tx.LANGUAGES}


def grammar_word(key: str, lang: str) -> bool:
    """Whether a matching key is a grammar word of `lang` ("este", "total"), not a name."""
    return key in _RESERVED.get(lang, frozenset())


def _index_values(
    phrases: _Phrases, columns: Mapping[tuple[str, str], ColumnSem], lang: str
) -> None:
    reserved = _RESERVED[lang]
    # A stored value that only says a table's name ('the mountain' in a photo's name, beside
    # the table `mountain`) is that table when a question says the word: the value needs
    # evidence (capitalised, quoted, after "the" as stored, next to its column's name).
    table_keys = {
        key
        for key, entries in phrases.items()
        if any(e.kind == "table" and e.quality == EXACT for e in entries)
    }
    token_owners: dict[str, set[str]] = {}
    for sem in columns.values():
        many = len(sem.values) > CATEGORY_VALUES
        for value in sem.values:
            key = lx.phrase_key(value, lang, phrases.surfaces)
            if not key:
                continue
            # An entity's name (one of hundreds: people, titles, cities) is a filter only
            # with evidence: capitalised, quoted, or next to its column's name.
            weak = key in reserved or many or key in table_keys
            phrases.setdefault(key, []).append(
                Entry("value", (sem.table, sem.name, value), EXACT, weak)
            )
            for word in set(key.split()):
                token_owners.setdefault(word, set()).add(value)
    for sem in columns.values():
        if len(sem.values) > CATEGORY_VALUES:
            continue  # glosses and single words find categories, never one name of hundreds
        for value in sem.values:
            for gloss in lx.VALUE_GLOSS.get(lx.fold(value), ()):
                key = lx.phrase_key(gloss, lang, phrases.surfaces)
                if key and key not in phrases:
                    phrases[key] = [Entry("value", (sem.table, sem.name, value), GLOSS)]
    # A single distinctive word of a multi-word value finds it ("monitor" -> 'Monitor 27"'),
    # only when no other value shares the word and it is not a grammar word.
    for sem in columns.values():
        if len(sem.values) > CATEGORY_VALUES:
            continue
        for value in sem.values:
            words = lx.phrase_key(value, lang).split()
            if len(words) < 2:
                continue
            for word in words:
                if (
                    len(word) >= 4
                    and not word.isdigit()
                    and word not in reserved
                    and len(token_owners.get(word, ())) == 1
                    and word not in phrases
                ):
                    phrases.setdefault(f"~{word}", []).append(
                        Entry("value", (sem.table, sem.name, value), PARTIAL)
                    )


def _index_value_names(
    phrases: _Phrases, columns: Mapping[tuple[str, str], ColumnSem], lang: str
) -> None:
    """A value stored in English is also found by its Spanish name (`lexicon.spanish_names`:
    'English' by "inglés", 'Central Africa' by "África Central"), where the key means nothing
    else. A name translated word by word is evidence enough to filter, as a capital is (a
    Spanish language name is written in lower case); one only reordered needs what the value
    needs. A key several values share is kept for all of them, so the reading asks which."""
    if lang != "es":
        return
    reserved = _RESERVED[lang]
    made: dict[str, list[Entry]] = {}
    for sem in columns.values():
        many = len(sem.values) > CATEGORY_VALUES
        for value in sem.values:
            for name, translated in lx.spanish_names(value, reorder=not many):
                if many and not translated:
                    continue  # one name of hundreds is matched whole, as it is written
                key = lx.phrase_key(name, lang, phrases.surfaces)
                if not key or key in reserved or (key in phrases and key not in made):
                    continue
                weak = many and not translated
                made.setdefault(key, []).append(
                    Entry("value", (sem.table, sem.name, value), GLOSS, weak)
                )
    for key, entries in made.items():
        phrases[key] = entries


# The two values of a yes/no column, true first.
_FLAG_PAIRS = (
    ("t", "f"),
    ("y", "n"),
    ("yes", "no"),
    ("true", "false"),
    ("1", "0"),
    ("s", "n"),
    ("si", "no"),
    ("v", "f"),
)
# Words that open a yes/no column's name and say nothing about what it flags.
_FLAG_OPENERS = frozenset({"is", "has", "es", "esta", "tiene", "flag"})


def flag_true(sem: ColumnSem) -> str | None:
    """The value meaning "yes" of a text column holding only a yes/no pair (`IsOfficial` in
    ('T', 'F'), `activo` in ('S', 'N')), or None. (BOOLEAN and 0/1 columns: `ColumnSem.flag`,
    read in `conditions`.)"""
    if sem.kind != "text" or len(sem.values) != 2:
        return None
    folded = {lx.fold(v).strip(): v for v in sem.values}
    for yes, no in _FLAG_PAIRS:
        if set(folded) == {yes, no}:
            return folded[yes]
    return None


def _index_flags(
    phrases: _Phrases, columns: Mapping[tuple[str, str], ColumnSem], lang: str
) -> None:
    """A yes/no column is named as an adjective ("the official language", "la lengua
    oficial"): its name, without an opening "is"/"has", is its "yes" value, a filter, where
    it would otherwise be a column to group by."""
    for sem in columns.values():
        yes = flag_true(sem)
        if yes is None:
            continue
        value = Entry("value", (sem.table, sem.name, yes), EXACT)
        words = tx.identifier_words(sem.name)
        if words and words[0] in _FLAG_OPENERS and len(words) > 1:
            words = words[1:]
        _add(phrases, " ".join(words), value, lang)
        for variant, variant_lang in lx.gloss_variants("_".join(words)):
            if variant_lang == lang:  # `IsOfficial` is "oficial" in Spanish
                _add(phrases, variant, replace(value, quality=GLOSS), lang)
        for key, entries in list(phrases.items()):
            if any(e.kind == "column" and e.ref == (sem.table, sem.name) for e in entries):
                phrases[key] = [
                    replace(value, quality=e.quality)
                    if e.kind == "column" and e.ref == (sem.table, sem.name)
                    else e
                    for e in entries
                ]


def _index_value_synonyms(
    phrases: _Phrases,
    catalog: CatalogSnapshot,
    columns: Mapping[tuple[str, str], ColumnSem],
    lang: str,
) -> None:
    """A steward's other words for a value ("sucursal norte" → 'Norte') read as the value."""
    for table in catalog.tables:
        for col in table.columns:
            sem = columns.get((table.name, col.name))
            if sem is None or sem.pii or sem.kind != "text":
                continue
            for value, synonyms in col.value_synonyms:
                for synonym in synonyms:
                    key = lx.phrase_key(synonym, lang, phrases.surfaces)
                    if key:
                        entry = Entry("value", (table.name, col.name, value), EXACT)
                        phrases.setdefault(key, []).append(entry)


# Words too generic to name one metric on their own ("valor", "order", "number").
_GENERIC_METRIC_WORDS = {
    lang: _stem_set(
        lang,
        words(
            "valor value order average number venta sale total cantidad medio count rate per por "
            "media"
        ),
    )
    for lang in tx.LANGUAGES
}


def _index_metric_words(phrases: _Phrases, metrics: Mapping[str, MetricSem], lang: str) -> None:
    """A distinctive word of one metric's name or synonyms finds it: "gross profit" and
    "ticket medio" reach "Margen bruto" and "Ticket promedio"."""
    owners: dict[str, set[str]] = {}
    for m in metrics.values():
        for phrase in (m.name, *m.synonyms):
            for word in lx.phrase_key(phrase, lang).split():
                owners.setdefault(word, set()).add(m.key)
    for word, keys in sorted(owners.items()):
        if (
            len(keys) == 1
            and len(word) >= 4
            and word not in _RESERVED[lang]
            and word not in _GENERIC_METRIC_WORDS[lang]
            and word not in phrases
            and f"~{word}" not in phrases
        ):
            phrases[f"~{word}"] = [Entry("metric", (next(iter(keys)),), PARTIAL)]


# --- concepts -------------------------------------------------------------------------------


def _concept_metrics(metrics: Mapping[str, MetricSem], fact: str) -> tuple:
    """The revenue-like, units-like and row-count metrics of the fact table, if any."""
    on_fact = [m for m in metrics.values() if m.table == fact and not m.filtered]
    revenue_words = {s for w in lx.REVENUE_CONCEPT for s in lx.stems(w)}
    units_words = {s for w in lx.UNITS_CONCEPT for s in lx.stems(w)}
    revenue = next((m.key for m in on_fact if m.words & revenue_words and m.agg == "sum"), None)
    if revenue is None:
        revenue = next((m.key for m in on_fact if m.agg == "sum" and m.unit == "money"), None)
    units = next(
        (m.key for m in on_fact if m.words & units_words and m.agg == "sum" and m.unit != "money"),
        None,
    )
    count = next((m.key for m in on_fact if m.agg == "count"), None)
    return revenue, units, count


def _row_measure(metrics, revenue, fact, tables, columns) -> tuple[str, str] | None:  # noqa: ANN001
    if revenue and metrics[revenue].column:
        return metrics[revenue].column
    info = tables.get(fact)
    if info is None:
        return None
    money = [c for c in info.columns if columns[(fact, c)].money]
    # An amount ("total", "importe") measures a row; a price or a cost is per unit.
    amounts = [c for c in money if names_any(tx.identifier_words(c), _AMOUNT_STEMS)]
    chosen = amounts or [
        c for c in money if not names_any(tx.identifier_words(c), _UNIT_VALUE_STEMS)
    ]
    chosen = chosen or money
    return (fact, chosen[0]) if chosen else None
