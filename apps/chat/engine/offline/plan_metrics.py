"""The metrics of a plan the words imply, and what a count counts.

`_implied_metrics` (verbs and nouns that imply a metric when none is named: "más vendido",
"which country has the most cities"), metrics said twice or only as the rows' noun, and the
key a COUNT(DISTINCT …) counts (`_countd_key`, `_count_via_fact`, `_count_via_link`,
`_counted_in_own_column`, `_plain_count_table`). Called by `planner.read_parts`.
"""

from __future__ import annotations

from dataclasses import replace

from ..plan import HavingFilter, Order
from . import lexicon as lx
from . import measures as ms
from .parser import Clarify, Context, Unclear, column_kind, is_value, soft_total
from .parser_metrics import MetricSlot
from .parser_schema import every_column_asked
from .parts import Parts
from .plan_common import _fans_out, _sorted_by_value

# --- metrics and subject --------------------------------------------------------------------


def _fact_nouns(ctx: Context) -> list[int]:
    fact = ctx.model.fact
    return [
        i
        for i, m in enumerate(ctx.mentions)
        if m.kind == "schema"
        and i not in ctx.used
        and any(e.ref[0] == fact for e in m.of("table"))
        and not is_value(ctx, i)
        and not _names_value_before(ctx, i, fact)
    ]


def _names_value_before(ctx: Context, i: int, table: str) -> bool:
    """ "operated by the ExxonMobil company": the table's noun right after one of its values
    says what the value is; it names no rows to count."""
    before = ctx.mentions[i - 1] if i > 0 else None
    return (
        before is not None
        and before.end == ctx.mentions[i].start
        and is_value(ctx, i - 1)
        and any(e.ref[0] == table for e in before.of("value"))
    )


def _each_row(ctx: Context, k: int, nouns: list[int]) -> bool:
    """ "show the name and capacity *for each cinema*" where cinemas are the fact rows: "each"
    before the rows' own noun lists every row; it groups nothing, so it implies no count."""
    return k + 1 in nouns and ctx.mentions[k + 1].start == ctx.mentions[k].end


def _implied_metrics(ctx: Context, slots: list[MetricSlot]) -> None:
    """Verbs and nouns that imply a metric when none is named: "más vendido" -> units,
    "cuánto facturó" -> revenue, "ventas de X" -> revenue."""
    model = ctx.model
    # "which model has the largest horsepower": the rows ranked, not a count of them
    ranks_column = _ranks_a_column(ctx)
    nouns = [] if ranks_column else _fact_nouns(ctx)
    if nouns:
        money = any(_names_revenue(ctx, i) for i in nouns)
        ctx.noun_key = ms.revenue_key(model) if money else ms.fact_count_key(model)
    listed = (
        # "what is all the information about all people?": every column, not a count
        (ctx.has("list") or _opens_a_listing(ctx) or every_column_asked(ctx.tokens))
        and not ctx.has("count", "most", "least", "rank", "howmuch", "sell", "sold", "agg", "share")
        and not any(
            m.kind == "group" and not _sorted_by_value(ctx, k) and not _each_row(ctx, k, nouns)
            for k, m in enumerate(ctx.mentions)
        )  # "ordered descending by value" groups nothing
    )
    if listed and nouns and not slots and not any(_names_revenue(ctx, i) for i in nouns):
        return  # "list all orders shipped to Germany": the orders themselves, not a count
    if not slots:
        counted = _counted_by_superlative(ctx)
        if counted is not None:  # "¿qué ciudad tiene más clientes?": count the clients
            table = max(ctx.mentions[counted].of("table"), key=lambda e: e.quality).ref[0]
            slots.append(MetricSlot(ms.count_key(model, table), counted))
            ctx.used.add(counted)
            return
        key = None
        if ctx.has("sold"):
            key = ms.units_key(model)
            if key is None and not ms.has_money(model):
                # "the most sold X" with no quantity and no amount to sell: counting rows
                # would be a metric nobody named (asked back, never a silent count).
                raise Unclear(Clarify.NO_METRIC)
        ranked = ctx.has("most", "least", "rank") and (
            ctx.has("buy") or any(_entity_like(ctx, i) for i in range(len(ctx.mentions)))
        )
        money_noun = any(_names_revenue(ctx, i) for i in nouns)
        if key is None and nouns and not money_noun and not ctx.has("sell", "howmuch"):
            key = ms.fact_count_key(model)  # "pedidos por estado": orders are counted
        howmuch = ctx.has("howmuch") and not _names_other_measure(ctx)
        if key is None and (ctx.has("sell") or howmuch or nouns or ranked):
            key = ms.revenue_key(model)
        if key is None and ranked and ranks_column:  # the column ranked takes its place
            key = ms.fact_count_key(model)  # (`_read_leftovers`)
        if key is not None:
            if key == ms.fact_count_key(model):
                _most_of_an_item(ctx)
            slots.append(MetricSlot(key, nouns[0] if nouns else None, implied=True))
    for i in nouns:
        ctx.used.add(i)
    if slots:
        for i in range(len(ctx.mentions)):
            if soft_total(ctx, i) and i not in ctx.used:
                ctx.used.add(i)  # "total revenue", "en total": no extra column


def _most_of_an_item(ctx: Context) -> None:
    """ "the customer who has ordered the most 'Chai'": a superlative right before a value of
    items (a table with a price of its own) that lines hold with a quantity. The most orders of
    it, or the most units? Asked back rather than counting the orders."""
    model = ctx.model
    for k, m in enumerate(ctx.mentions[:-1]):
        if m.kind not in ("most", "least") or not is_value(ctx, k + 1):
            continue
        tables = {e.ref[0] for e in ctx.mentions[k + 1].of("value")}
        for table in tables:
            if ms.priced(model, table) and any(
                ms.units_columns(model, lines)
                for lines in model.tables
                if lines != table and len(model.path(lines, table) or ()) == 1
            ):
                raise Unclear(Clarify.ORDERS_OR_UNITS, ctx.mentions[k + 1].text)


def _ranks_a_column(ctx: Context) -> bool:
    """A superlative right before a numeric column of a table other than the fact table ("the
    largest horsepower"): the question ranks rows by that column, so a noun of the fact table
    ("which model") names the rows ranked, not a count to rank by."""
    fact = ctx.model.fact
    for k, m in enumerate(ctx.mentions[:-1]):
        after = ctx.mentions[k + 1]
        if m.kind not in ("most", "least") or after.kind != "schema" or is_value(ctx, k + 1):
            continue
        if after.has("table") or after.has("metric"):
            continue
        columns = after.of("column")
        if columns and all(column_kind(ctx, e) == "number" and e.ref[0] != fact for e in columns):
            return True
        if columns and all(column_kind(ctx, e) == "date" for e in columns):
            return True  # "the member with the earliest session date"
    return False


def _opens_a_listing(ctx: Context) -> bool:
    words = tuple(t.norm for t in ctx.tokens[:3])
    return any(words[: len(opener)] == opener for opener in lx.LIST_OPENERS) or _which_rows(ctx)


def _which_rows(ctx: Context) -> bool:
    """ "¿Qué países tienen…?", "¿Qué ciudades distintas están en…?": "qué" right before a
    table's name in the plural (a distinct word may stand between: `_distinct_first`) asks for
    its rows, as "which countries" does (not for how many there are)."""
    if not ctx.tokens or ctx.tokens[0].norm != "que" or not ctx.mentions:
        return False
    mentions = list(ctx.mentions)
    start = 1
    while mentions and mentions[0].kind == "distinct" and mentions[0].start == start:
        start = mentions.pop(0).end
    if not mentions:
        return False
    first = mentions[0]
    plural = first.plural or ctx.tokens[first.end - 1].norm.endswith("s")
    return first.start == start and first.kind == "schema" and first.has("table") and plural


def _names_other_measure(ctx: Context) -> bool:
    """ "¿Cuánto <salario> cada gerente?": "cuánto" asks for that numeric column of another
    table, not for revenue (which would put the fact table under it)."""
    fact = ctx.model.fact
    for i, m in enumerate(ctx.mentions):
        if m.kind != "schema" or i in ctx.used or m.has("value") or m.has("table"):
            continue
        columns = [e for e in m.of("column") if column_kind(ctx, e) == "number"]
        if columns and all(e.ref[0] != fact for e in columns):
            return True
    return False


def _counted_by_superlative(ctx: Context) -> int | None:
    """The table right after "más"/"most"/"menos"/"fewest", when it is not the fact table."""
    for k, m in enumerate(ctx.mentions[:-1]):
        if m.kind not in ("most", "least"):
            continue
        target = ctx.mentions[k + 1]
        if target.kind != "schema" or k + 1 in ctx.used or is_value(ctx, k + 1):
            continue
        tables = {e.ref[0] for e in target.of("table")}
        best_table = max((e.quality for e in target.of("table")), default=0)
        # a column of the same table with the table's name ("languages": the `Language` of
        # `countrylanguage`) still counts the table's rows
        namesake = target.plural and {e.ref[0] for e in target.of("column")} <= tables
        if (
            tables
            and ctx.model.fact not in tables
            and (best_table >= max((e.quality for e in target.of("column")), default=0) or namesake)
        ):
            return k + 1
    return None


def _names_revenue(ctx: Context, i: int) -> bool:
    """ "ventas"/"sales" mean money; "pedidos"/"orders" mean rows."""
    words = {t.norm for t in ctx.tokens[ctx.mentions[i].start : ctx.mentions[i].end]}
    return bool(words & lx.REVENUE_CONCEPT)


def _entity_like(ctx: Context, i: int) -> bool:
    """A table other than the fact table, or a text column: something a ranking can rank."""
    m = ctx.mentions[i]
    if m.kind != "schema" or is_value(ctx, i):
        return False
    return any(e.ref[0] != ctx.model.fact for e in m.of("table")) or any(
        column_kind(ctx, e) == "text" for e in m.of("column")
    )


def _drop_metrics(parts: Parts, dropped: set[int]) -> None:
    """Remove metrics by position; HAVING and ORDER follow the metrics that stay (a HAVING on
    a dropped one moves to the metric it duplicates, or goes)."""
    kept = [n for n in range(len(parts.metrics)) if n not in dropped]
    keys = [parts.metrics[n] for n in kept]
    where = {}
    for n, key in enumerate(parts.metrics):
        if n in kept:
            where[n] = kept.index(n)
        elif key in keys:
            where[n] = keys.index(key)
    parts.having = [
        HavingFilter(where[h.metric], h.op, h.value) for h in parts.having if h.metric in where
    ]
    if parts.order is not None:
        parts.order = Order(where.get(parts.order.metric, 0), parts.order.desc)
    parts.metrics = keys


def _row_noun_slots(ctx: Context, slots: list[MetricSlot], parts: Parts) -> set[int]:
    """Metrics said only as the noun of the rows being filtered: "revenue by segment for
    orders with a discount", "profit from Laptop Pro sales", "ingresos de las ventas con
    descuento". A bare "orders/ventas/sales" next to another metric is such a noun unless it
    is listed with it ("revenue and orders", "ingresos, pedidos") or counted ("number of")."""
    if len(parts.metrics) < 2 or len(slots) != len(parts.metrics):
        return set()
    tokens = ctx.tokens
    found: set[int] = set()
    for n, slot in enumerate(slots):
        if slot.mention is None or slot.implied:
            continue
        m = ctx.mentions[slot.mention]
        if not all(t.norm in lx.ROW_NOUNS for t in tokens[m.start : m.end]):
            continue
        following = ctx.mentions[slot.mention + 1] if slot.mention + 1 < len(ctx.mentions) else None
        if following is not None and following.kind == "cmp":
            continue  # "sales over 1000": a compared measure, read by read_numeric
        before = {t.norm for t in tokens[max(0, m.start - 2) : m.start]}
        after = tokens[m.end].norm if m.end < len(tokens) else ""
        listed = (tokens[m.start - 1].norm if m.start else "") in lx.LIST_JOINERS
        if listed or after in lx.LIST_JOINERS or before & lx.COUNT_LEADS:
            continue
        found.add(n)
    return found if len(found) < len(parts.metrics) else set()


def _dedupe_metrics(parts: Parts) -> None:
    """ "ingresos ... revenue": one metric said twice; HAVING and ORDER follow the survivor."""
    unique = list(dict.fromkeys(parts.metrics))
    if len(unique) == len(parts.metrics):
        return
    remap = {n: unique.index(k) for n, k in enumerate(parts.metrics)}
    parts.having = [HavingFilter(remap[h.metric], h.op, h.value) for h in parts.having]
    if parts.order is not None:
        parts.order = Order(remap.get(parts.order.metric, 0), parts.order.desc)
    parts.metrics = unique


def _countd_key(ctx: Context, i: int) -> str:
    m = ctx.mentions[i]
    mentioned = {e.ref[0] for mm in ctx.mentions if mm.kind == "schema" for e in mm.of("table")}
    entries = sorted(
        (e for e in m.of("column") if column_kind(ctx, e) == "text"),
        key=lambda e: (e.ref[0] not in mentioned, e.ref[0] != ctx.model.fact, -e.quality, e.ref),
    )
    if not entries:
        raise Unclear(Clarify.COUNT_WHAT, m.text)
    table, column = entries[0].ref
    return f"countd:{table}.{column}"


def _count_via_fact(model, table: str) -> str | None:  # noqa: ANN001
    """COUNT(DISTINCT fact.fk) for an entity the fact table references directly."""
    step = model.path(model.fact, table)
    if not step or len(step) != 1 or step[0][0] != model.fact:
        return None
    return f"countd:{model.fact}.{step[0][1]}"


def _count_via_link(model, parts: Parts) -> str | None:  # noqa: ANN001
    """ "how many films by actor", "actors with more than 30 films": a table counted per a row
    of a table it does not reach many-to-one, through the one link table that references it
    directly, whose primary key holds that reference (one row per pair: its rows and its
    distinct references count the same) and that reaches every other table the question uses
    without fanning out (a cast referencing films and actors): COUNT(DISTINCT link.fk). Two
    such tables, or none: None."""
    found = []
    for link in model.tables:
        if link == parts.base:
            continue
        step = model.path(link, parts.base)
        if not step or len(step) != 1 or step[0][0] != link:
            continue
        if step[0][1] not in model.tables[link].key:
            continue  # rows that are not one per pair: count the rows, or the distinct ones?
        if not _fans_out(model, replace(parts, base=link)):
            found.append(f"countd:{link}.{step[0][1]}")
    return found[0] if len(found) == 1 else None


def _counted_in_own_column(ctx: Context, parts: Parts) -> str | None:
    """ "colleges that have at least two players", "players by college": the counted word names
    a table the grouped rows reach only one-to-many (a count of it would be inflated) and also a
    column of the one table everything else is on (each season's player): the rows of that table
    are what is counted, one per player named. Two tables, or a word naming no such column: None."""
    model = ctx.model
    if len(parts.metrics) != 1 or not _counts_rows_of(model, parts.metrics[0], parts.base):
        return None
    tables = {d.table for d in parts.dims} | {f.table for f in parts.filters}
    tables |= {f.table for f in parts.numeric}
    if len(tables) != 1 or parts.grain or parts.time_range or parts.time_periods:
        return None
    (own,) = tables
    if own == parts.base:
        return None
    if not any(
        _names_both(entries, parts.base, own)
        for entries in model.phrases.get(ctx.lang, {}).values()
    ):
        return None  # no word names both the counted table and a column of the rows
    for i, m in enumerate(ctx.mentions):  # the count's words: read as the rows', no table's own
        if m.kind == "schema" and any(
            e.ref[0] == parts.base or (e.kind == "metric" and e.ref[0] == parts.metrics[0])
            for e in m.entries
        ):
            ctx.consumed.add(i)
    return own


def _names_both(entries, table: str, own: str) -> bool:  # noqa: ANN001
    """One phrase names `table` and, as well as it, a column of `own` ("players": the player
    table and each season row's `Player`)."""
    best = max((e.quality for e in entries if e.kind == "table" and e.ref[0] == table), default=0)
    return best > 0 and any(
        e.kind == "column" and e.ref[0] == own and e.quality >= best for e in entries
    )


def _plain_count_table(model, key: str) -> str | None:  # noqa: ANN001
    """The table whose rows a metric plainly counts (`count:<table>`, or a catalog COUNT(*)
    metric with no filter of its own), else None."""
    if key.startswith("count:"):
        return key[6:]
    metric = model.metrics.get(key)
    if metric is not None and _counts_rows_of(model, key, metric.table):
        return metric.table
    return None


def _counts_rows_of(model, key: str, table: str) -> bool:  # noqa: ANN001
    """Whether a metric is a plain COUNT(*) of `table`'s rows (generic, or a catalog metric with
    no filter of its own)."""
    if key == ms.count_key(model, table):
        return True
    metric = model.metrics.get(key)
    return ms.plain_count(metric) and metric.table == table
