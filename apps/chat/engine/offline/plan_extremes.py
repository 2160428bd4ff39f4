"""The row with an extreme: the plan's side of a superlative over rows, not groups.

"the country in Asia with the lowest life expectancy", "the member with the highest fee",
"the birth date of the poker player with the lowest earnings" (`row_with_extreme`, called by
`planner._plan`), "the number of concerts in the stadium with the highest capacity". The words
themselves are rewritten earlier, in `superlatives.py`.
"""

from __future__ import annotations

from dataclasses import replace

from ..plan import ColumnRef, NumericFilter, Order
from . import lexicon as lx
from . import measures as ms
from .parser import (
    Clarify,
    Context,
    Unclear,
    column_kind,
    is_value,
    pick_numeric,
    resolve_weak_values,
)
from .parts import Parts
from .plan_common import _measure_only, _properties_said, _same_rows, _to_parent
from .scan import Mention
from .semantic import CATEGORY_VALUES, Entry
from .shown import names_its_columns, said_only_as_qualifier


def _of_the_extreme_row(ctx: Context, parts: Parts) -> None:
    """ "the number of concerts in the stadium with the highest capacity", "¿cuántos partidos
    hubo en el estadio con la mayor capacidad?": a measure of rows kept to those of the one row,
    of a table they reach many to one, that a superlative before one of that table's numeric
    columns picks: WHERE key = (SELECT key … ORDER BY the column LIMIT 1), not the measure of
    each row ranked by it. Only a singular table word right before "with / that has the
    <superlative> <column>", the measure over another table, and nothing said after the column
    (a condition there could be the picked row's or the measured rows')."""
    tables = {ms.metric_table(ctx.model, k) for k in parts.metrics}
    if len(tables) != 1 or parts.implied:
        return  # a count no word said may be replaced later by what was said
    rows = tables.pop()
    for k, m in enumerate(ctx.mentions):
        if m.kind not in ("most", "least") or k < 2 or k + 2 != len(ctx.mentions):
            continue
        owner = ctx.mentions[k - 2]
        if ctx.mentions[k - 1].kind != "with" or owner.kind != "schema" or owner.plural:
            continue
        if k - 2 in ctx.used or not _measure_only(ctx, k + 1):
            continue
        if ctx.tokens[owner.end - 1].norm.endswith("s") or owner.start == 0:
            continue  # "in the arenas with …": rows, not the one row
        if ctx.tokens[owner.start - 1].norm not in ("the", "el", "la"):
            continue  # "in each stadium with …", "in a stadium with …"
        best = max((e.quality for e in owner.entries), default=0)
        named = {e.ref[0] for e in owner.of("table") if e.quality == best}
        if len(named) != 1:
            continue
        table = named.pop()
        key = ctx.model.tables[table].key
        if table == rows or len(key) != 1 or not _to_parent(ctx.model, rows, table):
            continue
        columns = [
            e
            for e in ctx.mentions[k + 1].of("column")
            if e.ref[0] == table and column_kind(ctx, e) == "number"
        ]
        if not columns:
            continue
        column = pick_numeric(ctx, k + 1, columns)[1]
        parts.numeric.append(
            NumericFilter(
                table, key[0], "=", 0.0, than="row", than_rank=column, than_desc=m.kind == "most"
            )
        )
        ctx.used.update({k - 2, k - 1, k, k + 1})
        # the superlative is the picked row's: no ranking of the measured rows
        ctx.mentions[k] = replace(m, kind="picked")
        return


def _extreme_row(ctx: Context, parts: Parts) -> None:
    """ "la venta más alta", "the biggest order": a superlative over rows, not groups, is the
    MAX (or MIN) of the row measure."""
    model = ctx.model
    row_keys = {ms.revenue_key(model), ms.fact_count_key(model)}
    if model.row_measure is None or not set(parts.metrics) <= row_keys:
        raise Unclear(Clarify.RANK_WITHOUT_DIMENSION)
    fn = "max" if parts.order.desc else "min"
    table, column = model.row_measure
    parts.metrics = [f"agg:{fn}:{table}.{column}"]
    parts.order, parts.limit = None, None


def _superlative_row(ctx: Context, parts: Parts) -> None:
    """ "the country in Asia with the lowest life expectancy", "which model has the largest
    weight": a superlative over a column of the very rows named (by their label) is those rows
    ordered by the column, not a SUM per label (a label may repeat, and a join to another table
    would add the column up once per row joined)."""
    model = ctx.model
    limit = parts.limit if parts.limit is not None or not parts.rows_count else parts.rows_count[1]
    if parts.order is None or len(parts.metrics) != 1 or not (parts.dims or parts.projected):
        return
    if limit is None and not parts.dims:
        # "the height of the player with the highest …": the one row of the rows named
        named = [m for m in ctx.mentions if m.kind == "schema" and m.has("table")]
        if named and not any(m.plural for m in named):
            limit = 1
    if limit is None:
        return
    if parts.grain or parts.having or parts.comparison or parts.rank_within or parts.share:
        return
    key = parts.metrics[0]
    column = ms.metric_column(model, key)
    if column is None or ms.metric_agg(model, key) not in ("sum", "avg", "max", "min"):
        return
    table = column[0]
    if parts.dims and all(
        d.table != table
        and d.column == model.tables[d.table].display
        and not 0 < len(model.column(d.table, d.column).values) <= CATEGORY_VALUES
        and _to_parent(model, d.table, table)
        for d in parts.dims
    ):
        # "the 3 most populated countries" read as cities: the country's population summed per
        # city name ranks nothing the question asked
        raise Unclear(Clarify.RANK_WITHOUT_DIMENSION)
    info = model.tables.get(table)
    same = _same_rows(model, table)
    of_the_row = _columns_of_the_row(ctx, parts, table, same) if parts.dims else []
    owners = (
        _owner_of_the_row(ctx, parts, key, table, same)
        if of_the_row is None and limit == 1
        else None
    )
    if of_the_row is not None:  # "which model has the largest horsepower": the car's model
        parts.dims = of_the_row
    elif owners is not None:  # "the member with the highest fee": the member of that session
        same = same | owners
    else:
        if info is None or not info.display or any(d.table != table for d in parts.dims):
            return
        # "the district of the shop whose number of products is the largest": columns said of
        # one row of the table ranked, not groups of those columns whose numbers add up
        of_one_row = limit == 1 and _said_of_one_row(ctx, parts, table)
        if ColumnRef(table, info.display) not in parts.dims and not of_one_row:
            return
        labels = len(model.column(table, info.display).values)
        if table == model.fact and 0 < labels <= CATEGORY_VALUES and not of_one_row:
            return  # "the product with the most revenue" on a sales table: a total per product
    if any(f.table != table and model.path(table, f.table) is None for f in parts.filters):
        return
    if any(f.table != table and model.path(table, f.table) is None for f in parts.numeric):
        return
    if any(p.table not in same for p in parts.projected):
        return
    parts.base = parts.listing_table = table
    if parts.limit is None:  # "the names of the 3 countries with the largest population"
        parts.limit = limit
        if parts.rows_count:
            ctx.used.add(parts.rows_count[0])
    parts.listing = list(dict.fromkeys([*parts.dims, *parts.projected]))
    ranks_only = said_only_as_qualifier(model, ctx.mentions, key)
    asked = names_its_columns(ctx.tokens) or any(
        cols & set(parts.listing) for _i, t, cols in _properties_said(ctx, same) if t == table
    )  # "the name of the country with…", "the horsepower of the car with…", "the model of…"
    if not (ranks_only and asked) and ColumnRef(*column) not in parts.listing:
        parts.listing.append(ColumnRef(*column))  # "names and populations of …"
    parts.listing_order = ColumnRef(*column)
    parts.dims, parts.metrics = [], []
    ctx.notes.append("superlative over the rows named")


def _owner_of_the_row(
    ctx: Context, parts: Parts, key: str, table: str, same: set[str]
) -> set[str] | None:
    """ "the member with the highest fee", "the customer who made the earliest rental", where
    the fee (the rental's date) is a column of other rows, many per member: the member of the
    one row with the extreme value (`ORDER BY fee DESC LIMIT 1` through the foreign key), not
    the member whose fees summed are largest; "the highest total fee" (an aggregate word between
    the superlative and the column) keeps the sum. Only when what is shown is an entity (a
    table named, its label or key) each ranked row reaches many to one, and the superlative is
    said right before the bare column, for the one top row ("the 2 members with the highest
    fees" may name one member twice). Returns the tables whose columns the row may show."""
    model = ctx.model
    if ms.metric_agg(model, key) not in ("sum", "max", "min") or not parts.dims:
        return None
    column = ms.metric_column(model, key)
    said = [  # the column itself, not a steward's metric ("total bonus") said by its name
        k
        for k, m in enumerate(ctx.mentions)
        if k > 0
        and m.kind == "schema"
        and not m.has("metric")
        and ctx.mentions[k - 1].kind in ("most", "least")
        and ctx.mentions[k - 1].end == m.start
        # as written: "the largest amount of fee" (a filler dropped in between) may be a sum
        and ctx.tokens[m.start].start - ctx.tokens[m.start - 1].end <= 1
        and column in {e.ref for e in m.of("column")}
    ]
    if not said:
        return None
    owners = {d.table for d in parts.dims}
    if len(owners) != 1:
        return None
    (owner,) = owners
    info = model.tables.get(owner)
    if owner in same or info is None or not _to_parent(model, table, owner):
        return None
    for d in parts.dims:
        entity = d.column == info.display or info.key == (d.column,)
        named = any(
            m.kind == "schema" and owner in {e.ref[0] for e in m.of("table")} for m in ctx.mentions
        )
        if not (entity or named):
            return None
        if not entity and 0 < len(model.column(owner, d.column).values) <= CATEGORY_VALUES:
            return None  # "which region has the highest fee": a category, a total per region
    allowed = same | {owner}
    if any(p.table not in allowed for p in parts.projected):
        return None
    return {owner}


_ITS = lx.words("its their su sus")


def row_with_extreme(ctx: Context) -> Parts | None:
    """ "What is the birth date of the poker player with the lowest earnings?", "the money
    rank of the tallest poker player" (read "the highest height poker player"), "la fecha de
    nacimiento del jugador con las menores ganancias", "the smallest version number and its
    template type code": the columns asked (one or several, joined by "and") of the one row of
    a table (named in the singular, or the ranked column's own) picked by a superlative of a
    numeric column, where every column (shown or ranked) is the row's own or one of a row it
    refers to (many rows to one: each row has one value). Nothing else may be said. Returns
    those rows sorted, one kept (`ORDER BY … LIMIT 1`), or None when the question is not this."""
    model = ctx.model
    resolve_weak_values(ctx)  # "What is …": not the code 'IS'
    if ctx.unread:
        return None
    said = [i for i in range(len(ctx.mentions)) if i not in ctx.rejected]
    mentions = [ctx.mentions[i] for i in said]
    k = 0
    while k < len(mentions) and mentions[k].kind == "list":
        k += 1
    if k < len(mentions) and mentions[k].kind in ("most", "least"):
        found = _its_columns(ctx, mentions, k)
        if found is None:
            return None
        sup, ranked, shown = found
        row = None
    else:
        shown = [k]
        while k + 2 < len(mentions) and mentions[k + 1].kind == "conj":
            k += 2
            shown.append(k)
        rest = [m.kind for m in mentions[k + 1 :]]
        if rest[:1] == ["schema"] and rest[-2:] in (["most", "schema"], ["least", "schema"]):
            row, ranked, sup = k + 1, len(mentions) - 1, len(mentions) - 2
            if any(kind not in ("with", "exist") for kind in rest[1:-2]):
                return None
        elif rest in (["most", "schema", "schema"], ["least", "schema", "schema"]):
            row, ranked, sup = k + 3, k + 2, k + 1
        else:
            return None
    if any(
        mentions[i].kind != "schema" or is_value(ctx, said[i])
        for i in [*shown, ranked, *([row] if row is not None else [])]
    ):
        return None
    if row is not None:
        rows = mentions[row]
        best = max((e.quality for e in rows.entries), default=0)
        tables = {e.ref[0] for e in rows.of("table") if e.quality == best}
        plural = rows.plural or ctx.tokens[rows.end - 1].norm.endswith("s")
        if plural:
            return None  # "the birth dates of the players with …": how many rows is not said
    else:  # "the smallest version number and its …": the ranked column's own rows
        best = max((e.quality for e in mentions[ranked].of("column")), default=0)
        tables = {e.ref[0] for e in mentions[ranked].of("column") if e.quality == best}
    if len(tables) != 1 or any(mentions[i].has("table") for i in shown):
        return None
    (table,) = tables

    def reached(entries: list[Entry]) -> list[Entry]:
        own = [e for e in entries if e.ref[0] == table or _to_parent(model, table, e.ref[0])]
        best = max((e.quality for e in own), default=0)
        own = [e for e in own if e.quality == best]
        # "its template type code": the row's own column before the one it refers to
        return [e for e in own if e.ref[0] == table] or own

    listing = []
    for i in shown:
        found = reached(mentions[i].of("column"))
        if len({e.ref for e in found}) != 1:
            return None  # not a column of the row, or two of them
        listing.append(ColumnRef(*found[0].ref))
    found = reached(mentions[ranked].of("column"))
    if (
        mentions[ranked].has("table")
        or len({e.ref for e in found}) != 1
        or column_kind(ctx, found[0]) != "number"
    ):
        return None
    parts = Parts(base=table, listing_table=table)
    parts.listing = list(dict.fromkeys(listing))
    parts.listing_order = ColumnRef(*found[0].ref)
    parts.order = Order(0, mentions[sup].kind == "most")
    parts.limit = 1
    ctx.used.update(said)
    ctx.notes.append("the row with the extreme value")
    return parts


def _its_columns(
    ctx: Context, mentions: list[Mention], sup: int
) -> tuple[int, int, list[int]] | None:
    """ "the smallest version number and its template type code", "the lowest version number,
    along with its corresponding template type code": (superlative, ranked column, the columns
    shown: the ranked one, then those said after "its"), or None."""
    ranked = sup + 1
    if ranked + 1 >= len(mentions) or mentions[ranked + 1].kind not in ("conj", "with"):
        return None
    shown = [ranked]
    k = ranked + 2
    while k < len(mentions):
        shown.append(k)
        if k + 2 < len(mentions) and mentions[k + 1].kind == "conj":
            k += 2
            continue
        if k + 1 != len(mentions):
            return None
        break
    if len(shown) < 2:  # noqa: PLR2004
        return None
    between = ctx.tokens[mentions[ranked].end : mentions[shown[1]].start]
    if not any(t.norm in _ITS for t in between):
        return None  # "the smallest population and area": both the smallest, perhaps
    return sup, ranked, shown


def _columns_of_the_row(
    ctx: Context, parts: Parts, table: str, same: set[str]
) -> list[ColumnRef] | None:
    """ "which model has the largest horsepower", where `model` names a table (its label) and
    also a column of the ranked rows that refers to it (`car_names.Model` → `model_list.Model`):
    the thing asked for is a column of the row with the extreme value, not a group whose column
    is summed. Only for words that name a table or the label of one (an entity), never a
    category column alone ("which continent has the largest population": a total per
    continent)."""
    model = ctx.model
    # "the model of the car with …": the car, a table with no name of its own, is the row itself
    itself = [
        d
        for d in parts.dims
        if d.table in same
        and not model.tables[d.table].display
        and model.tables[d.table].key == (d.column,)
    ]
    others = [d for d in parts.dims if d not in itself]
    if not others:  # "the horsepower of the car with …": the column shown, of that row
        return [] if itself and parts.projected else None
    if all(d.table == table for d in others):
        return None  # the rows' own label: the rule of `_superlative_row` itself
    found: list[ColumnRef] = []
    for d in others:
        info = model.tables[d.table]
        mention = next(
            (
                m
                for m in ctx.mentions
                if m.kind == "schema"
                and (d.table, d.column)
                in {e.ref for e in m.of("column")}
                | {(e.ref[0], model.tables[e.ref[0]].display) for e in m.of("table")}
            ),
            None,
        )
        if mention is None or not (mention.has("table") or info.display == d.column):
            return None
        own = [
            ColumnRef(*e.ref)
            for e in mention.of("column")
            if e.ref[0] in same and _refers_to(model, ColumnRef(*e.ref), d)
        ]
        if not own and d.table in same:
            own = [d]
        if not own:
            return None
        found.append(own[0])
    return found or None


def _refers_to(model, column: ColumnRef, target: ColumnRef) -> bool:  # noqa: ANN001
    """The column is the target itself or a foreign key to it."""
    if column == target:
        return True
    steps = model.path(column.table, target.table)
    return (
        bool(steps)
        and len(steps) == 1
        and steps[0] == (column.table, column.column, target.table, target.column)
    )


def _said_of_one_row(ctx: Context, parts: Parts, table: str) -> bool:
    """Whether every grouping column was said of the table in the singular ("the manager name
    and district of the shop whose …"): a list of its columns right before its name, with only
    "of the" between, names properties of one row."""
    mentions = ctx.mentions
    for i, m in enumerate(mentions):
        if i == 0 or m.kind != "schema" or m.plural or {e.ref[0] for e in m.of("table")} != {table}:
            continue
        if not {t.norm for t in ctx.tokens[mentions[i - 1].end : m.start]} <= lx.FILLER:
            continue
        said: set[ColumnRef] = set()
        k = i - 1
        while k >= 0 and (mentions[k].kind == "conj" or mentions[k].has("column")):
            said |= {ColumnRef(*e.ref) for e in mentions[k].of("column") if e.ref[0] == table}
            k -= 1
        if parts.dims and all(d in said for d in parts.dims):
            return True
    return False
