"""Small tests of mentions and joins that several planner stages share.

Whether a mention is a measure only, can group, or sorts rows as said; the best column entries
of a mention; "ordered by value"; whether a join goes to a parent row (`_to_parent`) or fans out
(`_fans_out`); the tables joined one to one; the columns said of a table. Split out of
`planner.py` (see docs/offline-engine.md, "Where a rule goes").
"""

from __future__ import annotations

from ..plan import ColumnRef
from . import lexicon as lx
from .parser import Context, column_kind, is_value, named_identifier
from .parts import Parts
from .scan import Mention
from .semantic import Entry


def _same_rows(model, table: str) -> set[str]:  # noqa: ANN001
    """The table and those joined to it one to one (a foreign key from one primary key to the
    other: `cars_data.Id` → `car_names.MakeId`): their columns are columns of the same rows."""
    same = {table}
    key = model.tables[table].key if table in model.tables else ()
    for other, info in model.tables.items():
        steps = model.path(table, other)
        if other == table or not steps or len(steps) != 1 or len(info.key) != 1:
            continue
        left, left_column, right, right_column = steps[0]
        mine, theirs = (left_column, right_column) if left == table else (right_column, left_column)
        if key == (mine,) and info.key == (theirs,):
            same.add(other)
    return same


def _parent_tables(model, table: str) -> set[str]:  # noqa: ANN001
    """The tables the rows of `table` each refer to once, by its one foreign key to them ("the
    song titles and singer names": each song's one singer). Two keys to one table (a home and an
    away team): which one is not said, so neither."""
    links = [fk.ref_table for fk in model.catalog.foreign_keys if fk.table == table]
    return {t for t in links if links.count(t) == 1 and t != table and t in model.tables}


def _properties_said(
    ctx: Context, same: set[str] | frozenset[str] = frozenset()
) -> list[tuple[int, str, set[ColumnRef]]]:
    """(the table's mention, the table, its columns said of it): a column right before the
    table's name with only articles and "of"/"de" between ("the horsepower of the car",
    "acelera el coche"), or right after it ("the car accelerate"). With `same`, the tables of
    the same rows as the table (joined one to one) hold its columns too ("the model of the car")."""
    found = []
    mentions = ctx.mentions
    for i, m in enumerate(mentions):
        tables = {e.ref[0] for e in m.of("table")} if m.kind == "schema" else set()
        if len(tables) != 1:
            continue
        table = tables.pop()
        for j in (i - 1, i + 1):
            if not 0 <= j < len(mentions) or mentions[j].kind != "schema":
                continue
            a, b = sorted((i, j))
            between = {t.norm for t in ctx.tokens[mentions[a].end : mentions[b].start]}
            if between <= (lx.FILLER if j < i else set()):
                own = same if table in same else {table}
                columns = {ColumnRef(*e.ref) for e in mentions[j].of("column") if e.ref[0] in own}
                if columns:
                    found.append((i, table, columns))
    return found


def _to_parent(model, child: str, parent: str) -> bool:  # noqa: ANN001
    """Whether every join from `child` to `parent` follows a foreign key of the rows it leaves
    (many rows to one: each child row repeats its parent's values)."""
    steps = model.path(child, parent)
    if not steps:
        return False
    here = child
    for table, _column, ref_table, _ref_column in steps:
        if table != here:
            return False
        here = ref_table
    return here == parent


def _fans_out(model, parts: Parts) -> bool:  # noqa: ANN001
    """Whether reaching a dimension, filter or date from the base table goes from a row to many
    rows (an entity table joined to the fact table): counts and averages would be inflated."""
    tables = {d.table for d in parts.dims} | {f.table for f in parts.filters}
    tables |= {f.table for f in parts.numeric}
    tables |= {r.table for r in ([parts.time_range] if parts.time_range else [])}
    tables |= {r.table for r in parts.time_periods} | {d.table for d in parts.date_parts}
    if parts.time_column is not None:
        tables.add(parts.time_column.table)
    for table in tables - {parts.base}:
        here = parts.base
        for left, _lc, right, _rc in model.path(parts.base, table) or ():
            if here == right:  # from the referenced side to the referencing side
                return True
            here = left if here == right else right
    return False


def _dim_capable(ctx: Context, i: int) -> bool:
    m = ctx.mentions[i] if 0 <= i < len(ctx.mentions) else None
    if m is None:
        return False
    if m.kind == "time" and m.time.kind in ("unit", "grain"):
        return True
    if named_identifier(ctx, i):
        return True
    if m.kind != "schema" or i in ctx.used or is_value(ctx, i) or i in ctx.qualifiers:
        return m is not None and m.kind == "schema" and i in ctx.qualifiers and m.has("table")
    return m.has("table") or any(column_kind(ctx, e) == "text" for e in m.of("column"))


def _measure_only(ctx: Context, i: int) -> bool:
    m = ctx.mentions[i]
    if i in ctx.used or is_value(ctx, i) or m.has("table") or m.has("metric"):
        return False
    kinds = {column_kind(ctx, e) for e in m.of("column")}
    return "number" in kinds and "text" not in kinds


def _sortable(ctx: Context, e: Entry) -> bool:
    """A column rows are sorted by as said: a number, or a date stored as one (a DATE or
    TIMESTAMP column; dates written as text, 'November14,2008', sort as text, not in time)."""
    if column_kind(ctx, e) == "number":
        return True
    info = ctx.model.catalog.table(e.ref[0])
    column = info.column(e.ref[1]) if info is not None else None
    kind = column.type.upper() if column is not None else ""
    return column_kind(ctx, e) == "date" and ("DATE" in kind or "TIME" in kind)


def _best_columns(m: Mention, *tables: str | None) -> list[Entry]:
    """The column entries of a mention read best ("ratings": the `Rating` column by its name,
    not a `18_49_Rating_Share` that only shares a word with it); with `tables`, only those
    tables' ("ordered by their last update": the listed rows' own)."""
    wanted = {t for t in tables if t}
    columns = [e for e in m.of("column") if not wanted or e.ref[0] in wanted]
    best = max((e.quality for e in columns), default=0)
    return [e for e in columns if e.quality == best]


_BY_ITSELF = lx.words("value values valor valores")


def _sorted_by_value(ctx: Context, k: int) -> bool:
    """ "ordered descending by value": "by" (mention `k`), after a sort word, then only
    "value(s)" to the end: the values listed themselves."""
    if k + 1 != len(ctx.mentions) or not any(m.kind in ("order", "dir") for m in ctx.mentions[:k]):
        return False
    rest = [t for t in ctx.tokens[ctx.mentions[k].end :] if t.kind == "word"]
    return len(rest) == 1 and rest[0].norm in _BY_ITSELF
