"""Catalog words no slot took: `_read_leftovers`, the last stage of `planner.read_parts`.

Text columns group, numeric columns measure or are listed, a table named as context adds
nothing; a column said of the listed rows, a column of one linked table, a date a row is ranked
by.
"""

from __future__ import annotations

from ..plan import ColumnRef
from . import measures as ms
from .parser import Clarify, Context, Unclear, column_kind, pick_numeric, schema_mention
from .parts import Parts
from .plan_common import _fans_out, _parent_tables, _properties_said, _same_rows
from .plan_groups import _add_dim
from .relations import one_path
from .scan import Mention
from .semantic import Entry


def _plain_columns(m: Mention) -> bool:
    return bool(m.entries) and all(e.kind == "column" for e in m.entries)


def _shown_before_superlative(ctx: Context, i: int) -> bool:
    """A numeric column listed with other columns ("the name and population of …") before a
    superlative that ranks a numeric column further on ("… with the largest area"): it is shown
    with the row the superlative picks, not ranked by (`_superlative_row`)."""
    mentions = ctx.mentions
    # "the horsepower of the car with the largest …", of rows with no name of their own (a
    # named row's columns are shown when listed with its name: "the name and area of …")
    # named ones too when nothing else is listed ("the height of the player with the highest …")
    of_the_rows = i + 1 in ctx.qualifiers and (
        not any(ctx.model.tables[e.ref[0]].display for e in mentions[i + 1].of("table"))
        or (i == 0 and not _in_a_list(ctx, i))
    )
    if not (_in_a_list(ctx, i) or of_the_rows) or (
        i > 0 and mentions[i - 1].kind in ("most", "least", "rank", "agg")
    ):
        return False
    return any(
        mentions[k].kind in ("most", "least")
        and (after := schema_mention(ctx, k + 1)) is not None
        and any(column_kind(ctx, e) == "number" for e in after.of("column"))
        for k in range(i + 1, len(mentions) - 1)
    )


def _in_a_list(ctx: Context, i: int) -> bool:
    """Mention `i` is one of a list of columns joined by "and"/"y" ("the population, name and
    leader"; the commas are not tokens)."""

    def part(j: int) -> bool:
        m = ctx.mentions[j]
        return m.kind == "conj" or (m.kind == "schema" and m.has("column") and not m.has("table"))

    first = last = i
    while first > 0 and part(first - 1):
        first -= 1
    while last + 1 < len(ctx.mentions) and part(last + 1):
        last += 1
    run = ctx.mentions[first : last + 1]
    return any(m.kind == "conj" for m in run) and sum(m.kind == "schema" for m in run) > 1


def _is_context_table(ctx: Context, m: Mention, base: str) -> bool:
    """A table named as context ("precio promedio de los productos"): nothing to add."""
    tables = m.of("table")
    if not tables:
        return False
    best_column = max((e.quality for e in m.of("column")), default=0)
    best_table = max(e.quality for e in tables)
    return best_table >= best_column and all(
        ctx.model.path(base, e.ref[0]) is not None for e in tables
    )


def _key_of_a_group(ctx: Context, parts: Parts, i: int) -> ColumnRef | None:
    """The key column a mention names, of a table the answer is grouped by (its label is a
    dimension) or of the table its label word was said of: shown next to the label."""
    grouped = {d.table for d in parts.dims}
    for e in ctx.mentions[i].of("column"):
        table, column = e.ref
        if column_kind(ctx, e) == "date" and ctx.column_table.get(i) == table:
            # "the date and id of the transcript with the fewest results": a column of the
            # grouped rows said of them, one value per group when grouped by their key
            key = ctx.model.tables[table].key
            if len(key) == 1 and ColumnRef(table, key[0]) in parts.dims:
                return ColumnRef(table, column)
            continue
        if column_kind(ctx, e) != "id":
            continue
        if ctx.column_table.get(i) == table or (
            table in grouped and ctx.model.tables[table].key == (column,)
        ):
            return ColumnRef(table, column)
    return None


def _property_of_nameless_rows(ctx: Context, parts: Parts, i: int, same: set[str]) -> bool:
    """Mention `i` is a column said of the listed table ("the model of the car", "the
    horsepower of the cars"), a table whose rows have no name of their own, still listed by all
    its columns (nothing else said to list): the column asked for is the answer, not every
    column of those rows."""
    table = parts.listing_table
    info = ctx.model.tables[table]
    if info.display or parts.listing != parts.subject_columns:
        return False
    return any(
        k == i + 1
        and t == table
        and {ColumnRef(*e.ref) for e in ctx.mentions[i].of("column")} & cols
        for k, t, cols in _properties_said(ctx, same)
    )


def _column_of_one_linked(ctx: Context, parts: Parts, i: int) -> list[Entry]:
    """The entries of the column mention `i` ("the models of planes") whose table another
    mention of the question names as a table ("planes") and exactly one foreign-key path joins
    to the listed table (one key, or one link table with a key to each: `relations.one_path`).
    The listing then has one row per joined row (per link row), no aggregate. Two paths, or a
    table not named: nothing (asked back as before)."""
    model = ctx.model
    named = {
        e.ref[0]
        for j, other in enumerate(ctx.mentions)
        if j != i and other.kind == "schema"
        for e in other.of("table")
    }
    tables = {e.ref[0] for e in ctx.mentions[i].of("column")} & named
    tables.discard(parts.listing_table)
    linked = {t for t in tables if one_path(model, {parts.listing_table}, {t})}
    if len(linked) != 1:
        return []
    filtered = {(f.table, f.column) for f in parts.filters}
    return [e for e in ctx.mentions[i].of("column") if e.ref[0] in linked and e.ref not in filtered]


def _list_column(parts: Parts, word: str, extra: list[Entry]) -> None:
    """A word left over in a listing names one more column of the listed table. A word that
    is only part of several column names ("shipped" of `ShipCountry`, `ShipCity`, …) says
    nothing more when one of them is listed already (it is that column's own word), and is
    asked back when none is: picking one would show a column the question did not ask for."""
    best = max(e.quality for e in extra)
    refs = list(dict.fromkeys(ColumnRef(*e.ref) for e in extra if e.quality == best))
    if any(ref in parts.listing for ref in refs):
        return
    if len(refs) > 1:
        raise Unclear(Clarify.AMBIGUOUS_COLUMN, word)
    parts.listing.append(refs[0])


def _ranks_by_date(ctx: Context, parts: Parts, i: int) -> bool:
    """ "the member with the earliest session date", "la fecha de sesión más antigua" rewritten
    "the lowest session date": a superlative right before a column of dates ranks by it, as by a
    number (the earliest is the MIN, the latest the MAX), in place of the implied count."""
    m = ctx.mentions[i]
    if i == 0 or ctx.mentions[i - 1].kind not in ("most", "least"):
        return False
    if ctx.mentions[i - 1].end != m.start or m.has("table") or m.has("metric"):
        return False
    dates = [e for e in m.of("column") if column_kind(ctx, e) == "date"]
    if not dates or len(dates) != len(m.entries) or not parts.implied or len(parts.metrics) != 1:
        return False
    model = ctx.model
    table, column = pick_numeric(ctx, i, dates)
    fn = "max" if ctx.mentions[i - 1].kind == "most" else "min"
    parts.metrics = [ms.column_metric_key(model, table, column, fn)]
    parts.implied = False
    if table != parts.base:
        fact, parts.base = parts.base, table
        if _fans_out(model, parts):
            parts.base = fact
    ctx.used.add(i)
    return True


def _read_leftovers(ctx: Context, parts: Parts) -> None:
    """Catalog words no slot took: text columns group, numeric columns measure or are listed,
    tables already joined are context; anything else is not understood."""
    model = ctx.model
    for i, m in enumerate(ctx.mentions):
        if m.kind != "schema" or i in ctx.used or i in ctx.rejected:
            continue
        if i in ctx.qualifiers:
            continue
        if _is_context_table(ctx, m, parts.base):
            continue
        if parts.listing_table and not parts.metrics:
            extra = [e for e in m.of("column") if e.ref[0] == parts.listing_table]
            same = _same_rows(model, parts.listing_table)
            if _property_of_nameless_rows(ctx, parts, i, same):
                # "the model of the car whose …": that column (of the car's own rows, or of
                # rows joined one to one), not every column of the cars
                extra = extra or [e for e in m.of("column") if e.ref[0] in same]
                parts.listing = []
            if not extra and _plain_columns(m) and parts.listing != parts.subject_columns:
                # "the song titles and singer names": a column said of each listed row's one
                # parent row, when the listing names its columns (not a column it filters by)
                parents = _parent_tables(model, parts.listing_table)
                filtered = {(f.table, f.column) for f in parts.filters}
                extra = [e for e in m.of("column") if e.ref[0] in parents and e.ref not in filtered]
            if not extra and _plain_columns(m):
                # "the names of pilots and the models of planes (they flew)": a column of a
                # table the question names, joined to the listed rows by one path only
                extra = _column_of_one_linked(ctx, parts, i)
            if extra:
                _list_column(parts, m.text, extra)
                ctx.used.add(i)
                continue
        numeric = [e for e in m.of("column") if column_kind(ctx, e) == "number"]
        texts = [e for e in m.of("column") if column_kind(ctx, e) == "text"]
        if _ranks_by_date(ctx, parts, i):
            continue
        if numeric and parts.metrics and parts.implied and _shown_before_superlative(ctx, i):
            parts.projected.append(ColumnRef(*pick_numeric(ctx, i, numeric)))
            continue  # listed with the row if the superlative picks one, else asked back
        dates = [e for e in m.of("column") if column_kind(ctx, e) == "date"]
        whole = bool(dates) and len(dates) == len(m.entries)
        if whole and parts.metrics and parts.implied and _shown_before_superlative(ctx, i):
            # "the birth date of the player with the lowest earnings": shown, as a number is
            parts.projected.append(ColumnRef(*pick_numeric(ctx, i, dates)))
            continue
        if numeric and parts.metrics:
            table, column = pick_numeric(ctx, i, numeric)
            key = ms.column_metric_key(model, table, column, None)
            same = key in parts.metrics or any(
                ms.metric_column(model, k) == (table, column) for k in parts.metrics
            )
            listed = any(
                0 <= j < len(ctx.mentions) and ctx.mentions[j].kind == "conj"
                for j in (i - 1, i + 1)
            )
            if same or parts.implied or listed:
                if listed and not same and not parts.implied:  # "revenue and units"
                    before = sum(1 for p in parts.metric_mentions if p is not None and p < i)
                    parts.metrics.insert(min(before, len(parts.metrics)), key)
                elif not same:  # "which product sold the most X": X is what is measured
                    parts.metrics = [key if k == parts.metrics[0] else k for k in parts.metrics]
                    if parts.implied and len(parts.metrics) == 1 and table != parts.base:
                        # measured where X is, not on the implied fact table, when what is
                        # grouped or filtered is reached from there without multiplying it
                        fact, parts.base = parts.base, table
                        if _fans_out(model, parts):
                            parts.base = fact
                ctx.used.add(i)
                continue
        if numeric and not parts.metrics and not parts.listing:
            table, column = pick_numeric(ctx, i, numeric)
            parts.metrics.append(ms.column_metric_key(model, table, column, None))
            parts.metrics_said = True
            ctx.used.add(i)
            continue
        if texts and parts.metrics:
            _add_dim(ctx, parts, i)
            continue
        key = _key_of_a_group(ctx, parts, i) if parts.metrics else None
        if key is not None:  # "each continent's id and name", "the region id"
            if key not in parts.dims:
                parts.dims.append(key)
            ctx.used.add(i)
            continue
        if m.has("table") and parts.metrics:
            continue
        raise Unclear(Clarify.UNUSED_WORD, m.text)
