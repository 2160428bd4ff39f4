"""Fill a plan's slots from the mentions: base table, dimensions, filters, time, order, comparison.

`read_parts` reads what the question itself says into `Parts`; `fresh_plan` turns Parts into a
QueryPlan, and `followup_plan` lays them over the previous plan ("¿y en 2024?", "now by channel",
"solo Online", "and only the top 3").
"""

from __future__ import annotations

from dataclasses import replace

from datachat import text as tx

from ..plan import (
    ColumnRef,
    Comparison,
    Filter,
    HavingFilter,
    NumericFilter,
    Order,
    QueryPlan,
)
from . import lexicon as lx
from . import measures as ms
from .conditions import (
    apply_numeric,
    claim_year_columns,
    read_flags,
    read_number_of,
    read_numeric,
    read_share,
    read_time,
    read_values,
    read_with,
    take_flags,
)
from .followups import _is_followup, _relabel
from .parser import (
    LABEL_BETWEEN,
    LABEL_LINKS,
    Clarify,
    Context,
    MetricSlot,
    Unclear,
    collect_metrics,
    column_kind,
    distinct_numbers,
    each_group,
    every_column_asked,
    identifier_root,
    is_value,
    join_split_names,
    named_identifier,
    pair_qualifiers,
    pick_column,
    pick_numeric,
    possessor,
    resolve_column_of_rows,
    resolve_label_words,
    resolve_weak_values,
    schema_mention,
    soft_total,
)
from .parts import NeedsFact, Parts
from .relations import one_path
from .scan import Mention, compound_heads, scan
from .semantic import CATEGORY_VALUES, SYNONYM, Entry, SemanticModel, linked_label
from .shown import names_its_columns, said_only_as_qualifier

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


def _id_named(ctx: Context, i: int, e: Entry) -> bool:
    """ "the document id … for the document named X", "the template type code with …": an id
    column the question calls by its own name is listed, as a text column would be; so is a
    column called "id" itself ("What is Kyle's id?"). A bare "id" where no column is called so
    is the label words' business."""
    m = ctx.mentions[i]
    bare_id = m.end - m.start == 1 and ctx.tokens[m.start].norm in lx.LABEL_ID_WORDS
    return column_kind(ctx, e) == "id" and e.quality >= SYNONYM and (m.end - m.start > 1 or bare_id)


def _id_table(ctx: Context, i: int, entries: list[Entry]) -> Entry:
    """The table of a listed id column said in several tables (a key and the foreign keys that
    copy it): the one the rest of the question speaks of ("the document id … for the document
    named X"); asked back when nothing said picks one ("the different template type codes":
    every code, or the ones used?)."""
    if len({e.ref[0] for e in entries}) == 1:
        return entries[0]
    said: set[str] = set()
    for k, m in enumerate(ctx.mentions):
        if k == i or m.kind != "schema":
            continue
        tables = {e.ref[0] for e in m.entries if e.kind in ("table", "column", "value")}
        if len(tables) == 1:
            said |= tables
    found = [e for e in entries if e.ref[0] in said]
    if len({e.ref[0] for e in found}) != 1:
        raise Unclear(Clarify.AMBIGUOUS_COLUMN, ctx.mentions[i].text)
    return found[0]


def _listing_subject(ctx: Context) -> tuple[int | None, int | None]:
    """(table mention, column mention) a listing is about: "productos de Software",
    "¿qué ciudades tienen clientes?", "List the employees and their salaries"."""
    table_i = column_i = None
    for i, m in enumerate(ctx.mentions):
        if m.kind != "schema" or i in ctx.used or is_value(ctx, i):
            continue
        if m.has("table") and table_i is None:
            best_table = max(e.quality for e in m.of("table"))
            best_col = max((e.quality for e in m.of("column")), default=0)
            if best_table >= best_col or column_i is not None:
                table_i = i
                continue
        if m.has("column") and column_i is None and table_i is None:
            column_i = i
    # "¿qué ciudades tienen clientes?": the column is what is listed; but in
    # "the email of the customers" the table qualifies the column: list the table.
    column_first = column_i is not None and table_i is not None and column_i < table_i
    categorical = column_i is not None and any(
        0 < len(ctx.model.column(*e.ref).values) <= CATEGORY_VALUES
        and column_kind(ctx, e) not in ("number", "id")
        for e in ctx.mentions[column_i].of("column")
    )  # a column of names (hundreds of values) lists its rows, not its distinct values; a
    # number of each row ("the best finishes of the players") is listed row by row
    listed = {e.ref[0] for e in ctx.mentions[table_i].of("table")} if table_i is not None else set()
    # "the ages of the gymnasts": the numbers of the person each row stands for
    listed |= {(linked_label(ctx.model, t) or (t,))[0] for t in listed}
    numbers = (
        column_i is not None
        and not ctx.has("group")  # "the salary of each employee": a measure per group
        and all(
            column_kind(ctx, e) == "number" and e.ref[0] in listed
            for e in ctx.mentions[column_i].of("column")
        )
    )  # no distinct values to list: the numbers of the table's own rows
    if column_first and not numbers and (ctx.column_table.get(column_i) is None or categorical):
        return None, column_i  # "¿qué categorías de productos hay?": the distinct values
    return table_i, column_i


# --- reading the question ---------------------------------------------------------------------


def read_parts(ctx: Context, *, base_hint: str | None = None, force_fact: bool = False) -> Parts:
    """Everything the question says, resolved against its base table."""
    resolve_weak_values(ctx)
    join_split_names(ctx)
    resolve_label_words(ctx)
    resolve_column_of_rows(ctx)
    pair_qualifiers(ctx)
    claim_year_columns(ctx)
    take_flags(ctx)
    slots, counted_table, counted_column = collect_metrics(ctx)
    if counted_column is None:  # "the number of distinct languages" is the metric said
        _implied_metrics(ctx, slots)
    model = ctx.model
    keys = [s.key for s in slots]
    if counted_column is not None:
        keys.append(_countd_key(ctx, counted_column))
        slots.append(MetricSlot(keys[-1], counted_column))
    counted = [_plain_count_table(model, k) for k in keys]
    if force_fact and any(t is not None and t != model.fact for t in counted):
        for slot, table in zip(slots, counted, strict=True):
            if table is not None:
                _items_or_units(ctx, table, model.fact, slot.mention)
        slots = [
            MetricSlot(_count_via_fact(model, t) or s.key, s.mention)
            if t is not None and t != model.fact
            else s
            for s, t in zip(slots, counted, strict=True)
        ]
        keys = [s.key for s in slots]
    elif force_fact and not keys:  # "clientes por canal": the listed entity, counted via sales
        table_i, _column = _listing_subject(ctx)
        if table_i is not None:
            table = max(ctx.mentions[table_i].of("table"), key=lambda e: e.quality).ref[0]
            via = _count_via_fact(model, table)
            if via is not None:
                keys, slots = [via], [MetricSlot(via, table_i)]
                ctx.used.add(table_i)
    parts = Parts(base=base_hint or model.fact, metrics=keys, metrics_said=bool(keys))
    parts.implied = bool(slots) and all(s.implied for s in slots)
    parts.metric_mentions = [s.mention for s in slots]
    if keys:
        tables = {ms.metric_table(model, k) for k in keys}
        if len(tables) > 1:
            raise Unclear(Clarify.MIXED_TABLES)
        parts.base = tables.pop()
        if base_hint is None:
            parts.base = _rows_standing_for(ctx, parts.base) or parts.base
    elif base_hint is None:
        _read_listing(ctx, parts)
    if keys and base_hint is None:
        _of_the_extreme_row(ctx, parts)
    _read_dimensions(ctx, parts, slots)
    read_with(ctx, parts)
    read_number_of(ctx, parts)
    read_values(ctx, parts)
    pending, row_nouns = read_numeric(ctx, parts, slots)
    read_time(ctx, parts)
    _read_order(ctx, parts, slots, followup=base_hint is not None)
    _read_comparison(ctx, parts)
    read_flags(ctx, parts)
    _read_leftovers(ctx, parts)
    if parts.listing and any(m.kind == "distinct" for m in ctx.mentions):
        parts.distinct = True  # "the different models of …": whichever rule chose the columns
    elif parts.distinct and _columns_of_said_rows(ctx, parts):
        parts.distinct = False  # "the nationalities and ages of journalists": one per journalist
    for target, op, value, percent in pending:
        apply_numeric(ctx, parts, target, op, value, percent)
    row_nouns |= _row_noun_slots(ctx, slots, parts)
    _measure_of_filtered_rows(ctx, parts)
    if (
        parts.metrics == [ms.fact_count_key(model)]
        and any(t.norm in lx.SUM_VERBS for t in ctx.tokens)
        and ms.revenue_key(model)
    ):
        parts.metrics = [ms.revenue_key(model)]  # "¿cuánto sumaron los pedidos?": money
    if row_nouns and len(parts.metrics) > len(row_nouns):
        # "revenue from orders above 10000": "orders" names the rows filtered, not a measure
        _drop_metrics(parts, row_nouns)
    if parts.row_filter_metrics:
        kept = [k for n, k in enumerate(parts.metrics) if n not in parts.row_filter_metrics]
        parts.metrics = kept or [ctx.noun_key or ms.fact_count_key(model)]
    sorted_rows = parts.listing_order is not None and not parts.metrics
    if (
        parts.order is not None
        and not (parts.dims or parts.grain or sorted_rows or parts.projected)
        and base_hint is None
    ):
        _extreme_row(ctx, parts)
    if base_hint is None:
        _superlative_row(ctx, parts)
    _unasked_label(ctx, parts)
    if ctx.has("share"):
        read_share(ctx, parts)
    additive = all(ms.metric_agg(model, k) in ("sum", "count") for k in parts.metrics)
    if ctx.average_over and parts.grain and parts.metrics and additive and not parts.comparison:
        parts.average_over = parts.grain
    if parts.grain and parts.time_column is None:
        main = model.main_date(parts.base)
        if main is None:
            raise Unclear(Clarify.NO_DATE)
        parts.time_column = ColumnRef(parts.base, main)
    if parts.listing_table and parts.dims and not parts.metrics and parts.distinct:
        raise Unclear(Clarify.NO_METRIC)  # "por región" alone: grouped, but measuring nothing
    if parts.listing_table and parts.dims and not parts.metrics:
        # "productos por categoría": count the listed entity per group
        parts.metrics = [ms.count_key(model, parts.listing_table)]
        parts.metrics_said = True
        parts.listing = []
    _dedupe_metrics(parts)
    _average_per_entity(ctx, parts)
    _same_name_on_the_rows(ctx, parts)
    _counts_its_own_rows(ctx, parts)
    _rows_asked_are_shown(ctx, parts)
    if ctx.dropped:  # "maximum of" with nothing to take the maximum of: ask, naming the word
        raise Unclear(Clarify.UNUSED_WORD, ctx.dropped[0])
    opens_count = bool(ctx.mentions) and ctx.mentions[0].kind == "count"
    if not parts.metrics and opens_count and ctx.mentions[0].start == 0 and ctx.has("distinct"):
        # "how many different store locations": a count that found nothing to count (a word
        # between it and the column) is asked back, never answered with the rows
        raise Unclear(Clarify.GENERIC, " ".join(t.text for t in ctx.tokens))
    if any(m.kind in ("neg", "without") and i not in ctx.used for i, m in enumerate(ctx.mentions)):
        # "¿qué productos no se vendieron?", "cars that have no makers" (-> "without makers"):
        # a negation that filters nothing we can express
        raise Unclear(Clarify.GENERIC, " ".join(t.text for t in ctx.tokens))
    if parts.metrics and parts.base != model.fact and _fans_out(model, parts):
        # a steward's COUNT(*) metric of the table counts its rows as the generic count does
        counts = len(parts.metrics) == 1 and _counts_rows_of(model, parts.metrics[0], parts.base)
        if counts and not force_fact and _count_via_fact(model, parts.base):
            raise NeedsFact
        link = _count_via_link(model, parts) if counts else None
        steward = parts.metrics != [ms.count_key(model, parts.base)]
        if (
            link is not None
            and steward
            and any(d.table == ms.metric_table(model, link) for d in parts.dims)
        ):
            link = None  # a steward's count grouped by a column of the link table: asked back
        if link is not None:  # "films by actor": the films of each actor, through the cast
            said = parts.metric_mentions[0] if parts.metric_mentions else None
            _items_or_units(ctx, parts.base, ms.metric_table(model, link), said)
            parts.metrics, parts.base = [link], ms.metric_table(model, link)
            return parts
        own = _counted_in_own_column(ctx, parts)
        if own is not None:  # "colleges with at least two players": the rows of each college
            parts.metrics, parts.base = [ms.count_key(model, own)], own
            return parts
        raise Unclear(Clarify.GENERIC, " ".join(t.text for t in ctx.tokens))
    return parts


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


def _same_name_on_the_rows(ctx: Context, parts: Parts) -> None:
    """ "towns with a number of people between A and B", where the word is a synonym of another
    table's `population` and the towns have their own: the rows shown (grouped or listed) carry
    a column of the same name, so the other table's column (summed per row, or compared through
    a join) is a guess. Asked back, unless that other table was named in the question."""
    model = ctx.model
    rows = {ref.table for ref in parts.dims} | set(filter(None, [parts.listing_table]))
    if not rows:
        return
    named = {e.ref[0] for m in ctx.mentions if m.kind == "schema" for e in m.of("table")}
    measured: list[tuple[tuple[str, str], str]] = []
    for n, key in enumerate(parts.metrics):
        column = ms.metric_column(model, key)
        if column is not None and ms.metric_agg(model, key) != "countd":
            at = parts.metric_mentions[n] if n < len(parts.metric_mentions) else None
            measured.append((column, ctx.mentions[at].text if at is not None else column[1]))
    measured += [((f.table, f.column), f.column) for f in parts.numeric]
    for (table, column), said in measured:
        if table in rows or table in named:
            continue
        for other in rows:
            own = next(
                (c for c in model.tables[other].columns if c.lower() == column.lower()), None
            )
            sem = model.column(other, own) if own else None
            if sem is not None and sem.kind == "number":
                raise Unclear(Clarify.AMBIGUOUS_COLUMN, said)


_WHICH = frozenset({"which", "what", "que", "cual", "cuales"})


def _rows_asked_are_shown(ctx: Context, parts: Parts) -> None:
    """ "Which coaches are from the city with the most members?": the question asks for rows of
    a table (its first words, "which <table>"), but the plan groups by other columns (the
    city), so the answer would be cities, not coaches. Asked back: a nested question the
    engine does not read is never answered with the inner one."""
    if not parts.dims or not ctx.tokens or ctx.tokens[0].norm not in _WHICH:
        return
    at = next((i for i, m in enumerate(ctx.mentions) if m.kind == "schema"), None)
    first = ctx.mentions[at] if at is not None else None
    if first is None or first.start != 1 or not first.has("table") or is_value(ctx, at):
        return
    if max(e.quality for e in first.of("table")) < max(e.quality for e in first.entries):
        return
    if {(d.table, d.column) for d in parts.dims} & {e.ref for e in first.of("column")}:
        return  # "which product": the word also names the column grouped (`ventas.producto`)
    for entry in first.of("table"):
        info = ctx.model.tables.get(entry.ref[0])
        if info is None:
            continue
        naming = set(info.key) | {info.display}
        if any(d.table == info.name and d.column in naming for d in parts.dims):
            return
    raise Unclear(Clarify.GENERIC, " ".join(t.text for t in ctx.tokens))


def _counts_its_own_rows(ctx: Context, parts: Parts) -> None:
    """A count of a table's rows grouped by that same table's name or key ("the language used
    in the country whose …" read as the number of countries per country): every group counts
    itself, so the figure says nothing and the words that asked for something else were lost.
    Asked back, never a column of ones."""
    model = ctx.model
    for key in parts.metrics:
        agg = ms.metric_agg(model, key)
        if agg not in ("count", "countd"):
            continue
        table = ms.metric_table(model, key)
        column = ms.metric_column(model, key)
        sem = model.tables.get(table)
        if sem is None or (agg == "countd" and (column is None or column[1] not in sem.key)):
            continue
        # a name may repeat ("the most common first name of the actors" counts them), a key
        # never: by its name only when no word asked for a count or a ranking
        # one column of a key of several ("likes(student_id, liked_id)") repeats: it groups
        own = set(sem.key) if len(sem.key) == 1 else set()
        if sem.named and sem.display and not ctx.has("count", "most", "least", "rank"):
            own.add(sem.display)
        if any(d.table == table and d.column in own for d in parts.dims):
            raise Unclear(Clarify.GENERIC, " ".join(t.text for t in ctx.tokens))


def _measure_of_filtered_rows(ctx: Context, parts: Parts) -> None:
    """ "the total population of the Gelderland district": the measure is the filtered rows'
    own column when their table has it. Taken on the table the rows belong to (a city's
    country), it would add up each country once, whatever the value named; so when every
    value filter is on one table that is not the measure's, reaches it many rows to one, has a
    numeric column of the same name, and the question does not name the measure's table, the
    measure moves to that column (same aggregate)."""
    model = ctx.model
    tables = {f.table for f in parts.filters}
    if len(parts.metrics) != 1 or len(tables) != 1 or parts.dims or parts.grain:
        return
    key = parts.metrics[0]
    measured, agg = ms.metric_column(model, key), ms.metric_agg(model, key)
    (rows,) = tables
    if measured is None or agg not in ("sum", "avg", "max", "min") or measured[0] == rows:
        return
    named = {e.ref[0] for m in ctx.mentions if m.kind == "schema" for e in m.of("table")}
    if measured[0] in named or not _to_parent(model, rows, measured[0]):
        return
    own = next(
        (
            c
            for c in model.tables[rows].columns
            if lx.fold(c) == lx.fold(measured[1]) and model.column(rows, c).kind == "number"
        ),
        None,
    )
    if own is not None:
        parts.metrics = [ms.column_metric_key(model, rows, own, agg)]
        parts.base = rows
        said = parts.metric_mentions[0] if parts.metric_mentions else None
        if said is not None:
            ctx.consumed.add(said)  # the measure's words, now said of the filtered rows


def _average_per_entity(ctx: Context, parts: Parts) -> None:
    """ "ingreso promedio por cliente en cada segmento", "average revenue per customer by
    region": an average of a sum, grouped by an entity's label and by something else, is the
    mean over the entities of their totals, within each group; not the mean row."""
    model = ctx.model
    if len(parts.dims) < 2 or not ctx.averaged or parts.grain:
        return
    entity = [
        d for d in parts.dims if d.table != parts.base and model.tables[d.table].display == d.column
    ]
    if len(entity) != 1:
        return
    if not any(k in ctx.averaged for k in parts.metrics):
        return
    parts.metrics = [ctx.averaged.get(k, k) for k in parts.metrics]
    parts.dims = [d for d in parts.dims if d != entity[0]]
    parts.average_per = entity


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


def _plain_columns(m: Mention) -> bool:
    return bool(m.entries) and all(e.kind == "column" for e in m.entries)


def _parent_tables(model, table: str) -> set[str]:  # noqa: ANN001
    """The tables the rows of `table` each refer to once, by its one foreign key to them ("the
    song titles and singer names": each song's one singer). Two keys to one table (a home and an
    away team): which one is not said, so neither."""
    links = [fk.ref_table for fk in model.catalog.foreign_keys if fk.table == table]
    return {t for t in links if links.count(t) == 1 and t != table and t in model.tables}


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


def _unasked_label(ctx: Context, parts: Parts) -> None:
    """ "What is the horsepower of the car with…", "How much does the car accelerate that…",
    "¿cuánto acelera el coche…?": a column said of a table whose rows the question singles out
    (a value, a top N) is a property of those rows; the columns listed because the table was
    named (its label, or every column of a table with no name) are not asked for, unless a
    name or id word asks for them. "The distinct nominees of the shows with …": the different
    values of a column said of a table are that column alone (the table's label beside it
    would list a value once per row, not once)."""
    if len(parts.listing) < 2 or names_its_columns(ctx.tokens):
        return
    distinct = ctx.has("distinct")
    if not (distinct or parts.limit or any(_names_an_entity(ctx, f) for f in parts.filters)):
        return  # "the email of the customers in a segment": whose email is part of the answer
    for i, table, properties in _properties_said(ctx):
        if not properties & set(parts.listing):
            continue
        label = ColumnRef(table, ctx.model.tables[table].display)
        said = {  # by a word of its own, not the table's ("city" read as `CityName` too)
            ColumnRef(*e.ref) for k, m in enumerate(ctx.mentions) if k != i for e in m.of("column")
        }
        unasked = {*parts.subject_columns, label} - said - properties
        if unasked & set(parts.listing):
            parts.listing = [c for c in parts.listing if c not in unasked]
            return


def _names_an_entity(ctx: Context, f: Filter) -> bool:
    """Whether a filter singles out rows by name: one value of a table's label or of a column
    with more values than a category has (a make, a title), not of a category (a segment)."""
    column = ctx.model.column(f.table, f.column)
    if f.op != "=" or len(f.values) != 1 or column is None:
        return False
    info = ctx.model.tables.get(f.table)
    return (info is not None and info.display == f.column) or len(column.values) > CATEGORY_VALUES


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


def _items_or_units(ctx: Context, table: str, through: str, mention: int | None) -> None:
    """ "the customers who have ordered the most products": items (a table with a price of its
    own) counted through a table that also says how many units of each its rows took (a
    quantity column: order lines). Their distinct rows (COUNT(DISTINCT line.item)) or the
    units (SUM(quantity)) both answer it: asked back, unless "distinct"/"different" is said."""
    model = ctx.model
    if ctx.has("distinct") or table == through or not ms.units_columns(model, through):
        return
    if ms.priced(model, table):
        said = ctx.mentions[mention].text if mention is not None else table
        raise Unclear(Clarify.ITEMS_OR_UNITS, said)


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


_ALONG = lx.words("and with y con together along")


def _tables_listed_with(ctx: Context, table_i: int, table: str) -> list[tuple[int, str]]:
    """ "all the information about orders and their customers", "… with their stores": the
    tables said after the listed one, each after "and"/"with" and ending the question. A table
    each row refers to once (its one foreign key to it) is listed beside the rows; any other
    (the customers' orders, many per row; a table farther away) is asked back, naming it, never
    left out of the answer."""
    found: list[tuple[int, str]] = []
    k = table_i + 1
    while k < len(ctx.mentions):
        linker, said = ctx.mentions[k], ctx.mentions[k + 1] if k + 1 < len(ctx.mentions) else None
        if linker.kind not in ("conj", "with") or ctx.tokens[linker.start].norm not in _ALONG:
            return []
        if said is None or said.kind != "schema" or not said.has("table") or is_value(ctx, k + 1):
            return []
        best_table = max(said.of("table"), key=lambda e: e.quality)
        if best_table.quality < max((e.quality for e in said.of("column")), default=0):
            return []  # "orders and their amounts": a column of the rows, not a table
        found.append((k + 1, best_table.ref[0]))
        k += 2
    parents = _parent_tables(ctx.model, table)
    for j, other in found:
        if other not in parents:
            raise Unclear(Clarify.UNUSED_WORD, ctx.mentions[j].text)
    return found


def _read_listing(ctx: Context, parts: Parts) -> None:
    model = ctx.model
    table_i, column_i = _listing_subject(ctx)
    if table_i is not None:
        table = max(ctx.mentions[table_i].of("table"), key=lambda e: e.quality).ref[0]
        ctx.used.add(table_i)
        parts.base = parts.listing_table = table
        info = model.tables[table]
        linked = linked_label(model, table) if names_its_columns(ctx.tokens) else None
        if linked is not None and _listed_linked(ctx, table_i, linked):
            # "the names of the players": the name of the person each player is
            parts.listing = parts.subject_columns = [ColumnRef(*linked)]
            return
        after = _own_column_right_after(ctx, table_i, table)
        joined: list[ColumnRef] = []
        if after is not None:  # "the distinct institution types": that column of the rows
            ctx.used.add(after[0])
            cols = [after[1]]
        elif every_column_asked(ctx.tokens):  # "all the information about hiring"
            cols = list(info.columns)
            # "… about orders and their customers": each order's customer's columns too
            for j, other in _tables_listed_with(ctx, table_i, table):
                ctx.used.add(j)
                joined += [ColumnRef(other, c) for c in model.tables[other].columns]
        elif info.named and info.display and names_its_columns(ctx.tokens):
            # "the names (and ids) of the nations that…": those columns, not every column
            ids = any(t.norm in lx.LABEL_ID_WORDS for t in ctx.tokens) and len(info.key) == 1
            cols = [info.display, *(info.key if ids else ())]
        elif table == model.fact or not info.named:
            # rows with no name of their own, or dated events (an order, whatever its ShipName):
            # their key says which row each is ("order 10248"); a lone table of named things
            # (cities) is listed by what it holds
            event = table == model.fact and bool(info.dates)
            cols = list(info.key) if len(info.key) == 1 and (event or not info.named) else []
            cols += [c for c in info.columns if model.column(table, c).kind != "id"]
        else:
            cols = [info.display] if info.display else list(info.columns[:1])
        refs = [ColumnRef(table, c) for c in cols]
        if joined:
            parts.listing = parts.subject_columns = [*refs, *joined]
            return
        if not info.named:  # "the final tables made and best finishes of players"
            # "the ages of the gymnasts": a column of the person each row stands for
            stands_for = (linked_label(model, table) or (table,))[0]
            said = _columns_said_before(ctx, table_i, {table, stands_for})
            refs = [ref for _i, ref in said] or refs
            ctx.used.update(i for i, _ref in said)
        parts.listing = parts.subject_columns = refs
        return
    if column_i is not None:
        m = ctx.mentions[column_i]
        mentioned = {e.ref[0] for mm in ctx.mentions if mm.kind == "schema" for e in mm.of("table")}
        owner = possessor(ctx, column_i)  # "Kyle's id": the key of the row said
        entries = sorted(
            (
                e
                for e in m.of("column")
                if column_kind(ctx, e) in ("text", "date")
                or e.ref[0] == owner
                and model.tables[owner].key == (e.ref[1],)
                or _id_named(ctx, column_i, e)
            ),
            key=lambda e: (e.ref[0] not in mentioned, -e.quality, e.ref[0] != model.fact, e.ref),
        )
        if entries and column_kind(ctx, entries[0]) == "id":
            entries = [_id_table(ctx, column_i, entries)]
        if entries:
            table, column = entries[0].ref
            ctx.used.add(column_i)
            parts.base = parts.listing_table = table
            parts.listing = [ColumnRef(table, column)]
            # "los nombres de las ciudades", "city names" (a synonym that says its table) list
            # the table's rows, as "the names of the cities" does; a category's values are
            # listed once each; the rows' own text said with their table's word ("the paragraph
            # texts of …") lists every row, however few values a small table holds
            said = any(mm.kind == "distinct" for mm in ctx.mentions)  # "los distintos modelos"
            own = _says_own_table(ctx, column_i, table)
            parts.distinct = said or not own
            return
    lookup = _numeric_lookup(ctx, parts)
    if lookup:
        return
    raise Unclear(Clarify.NO_METRIC)


# "the average age *across* all gymnasts", "*among* the players"
_ROWS_OF = LABEL_LINKS | lx.words("across among entre")


def _rows_standing_for(ctx: Context, table: str) -> str | None:
    """ "the average age of the gymnasts", "la edad media de los gimnastas": a column of `table`
    said "of" a table whose rows each stand for a row of `table` (`semantic.linked_label`: no
    name of its own, one foreign key to `table`) is that column of those rows, through the
    key; that table is the base. Marks the table word used."""
    found = set()
    for i in range(1, len(ctx.mentions)):
        m, before = ctx.mentions[i], ctx.mentions[i - 1]
        if m.kind != "schema" or before.kind != "schema" or is_value(ctx, i):
            continue
        if not any(e.ref[0] == table for e in before.of("column")):
            continue
        if before.plural and not ctx.has("agg"):
            continue  # "the ages of the gymnasts": each one's, a listing
        between = {t.norm for t in ctx.tokens[before.end : m.start]}
        if not between & _ROWS_OF or not between <= _ROWS_OF | LABEL_BETWEEN:
            continue
        found |= {
            (i, e.ref[0])
            for e in m.of("table")
            if e.ref[0] != table and (linked_label(ctx.model, e.ref[0]) or ("",))[0] == table
        }
    if len(found) != 1:
        return None
    ((i, rows),) = found
    ctx.used.add(i)
    return rows


def _listed_linked(ctx: Context, table_i: int, linked: tuple[str, str]) -> bool:
    """Whether the name words said before the listed table (mention `table_i`) are all read
    as `linked`, the name of the row each of its rows stands for (`semantic.linked_label`);
    they are then used. Any other column said before it: not this shape."""
    said = []
    for i in range(table_i):
        m = ctx.mentions[i]
        if m.kind in ("list", "conj") or (m.kind == "schema" and i in ctx.used):
            continue
        if m.kind != "schema" or {e.ref for e in m.entries} != {linked}:
            return False
        said.append(i)
    ctx.used.update(said)
    return bool(said)


def _own_column_right_after(ctx: Context, table_i: int, table: str) -> tuple[int, str] | None:
    """(mention, column) of "the institution types", "the painter countries": a column of
    the listed table said right after the table's name, the last word said, is what is
    listed (it listed every column, or the label and the column)."""
    k = table_i + 1
    if k != len(ctx.mentions) - 1:
        return None
    m, named = ctx.mentions[k], ctx.mentions[table_i]
    if m.kind != "schema" or m.start != named.end or k in ctx.used or is_value(ctx, k):
        return None
    if m.has("table") or m.has("metric") or not m.has("column"):
        return None
    own = [e for e in m.of("column") if e.ref[0] == table]
    if not own or max(e.quality for e in own) < max(e.quality for e in m.entries):
        return None
    return k, max(own, key=lambda e: e.quality).ref[1]


def _columns_said_before(
    ctx: Context, table_i: int, tables: set[str]
) -> list[tuple[int, ColumnRef]]:
    """The listed table's columns (or those of `tables`, the rows its rows stand for) named
    before it, each said as a column only ("the X and the Y of the players"): a table with no
    name column is listed by those, not by all."""
    said: list[tuple[int, ColumnRef]] = []
    for i in range(table_i):
        m = ctx.mentions[i]
        if m.kind in ("list", "conj", "distinct") or (m.kind == "schema" and i in ctx.used):
            continue
        if m.kind != "schema" or is_value(ctx, i) or m.has("table") or m.has("metric"):
            return []
        own = [e for e in m.of("column") if e.ref[0] in tables]
        # another table's column of the same name ("type code" of a reference table too) is
        # no better a reading than the listed table's own
        if not own or max(e.quality for e in own) < max(e.quality for e in m.entries):
            return []
        said.append((i, ColumnRef(*max(own, key=lambda e: e.quality).ref)))
    return said


def _columns_of_said_rows(ctx: Context, parts: Parts) -> bool:
    """Whether a listing is of several columns of one table the question names by itself ("the
    nationalities and ages of journalists"), with nothing from another table: each row of the
    table is one line, as its rows are listed (a category's values once each is said of one
    column alone: "the nationalities of journalists")."""
    table = parts.listing_table
    if table is None or len(parts.listing) < 2 or parts.metrics or parts.dims:
        return False
    if any(c.table != table for c in parts.listing) or not ctx.model.tables[table].key:
        return False
    if any(f.table != table for f in [*parts.filters, *parts.numeric]):
        return False
    said = [m for m in ctx.mentions if m.kind == "schema"]
    named = any(
        any(e.kind == "table" and e.ref[0] == table for e in m.entries)
        and max(e.quality for e in m.of("table")) >= max(e.quality for e in m.entries)
        for m in said
    )
    others = {e.ref[0] for m in said for e in m.entries if e.kind in ("table", "value")}
    return named and others <= {table}


def _says_own_table(ctx: Context, i: int, table: str) -> bool:
    """Whether a word of mention i names `table` (the "ciudad" of "nombre de la ciudad")."""
    m = ctx.mentions[i]
    for token in ctx.tokens[m.start : m.end]:
        entries = ctx.model.lookup(token.key, ctx.lang) or ()
        if any(e.kind == "table" and e.ref[0] == table for e in entries):
            return True
    return False


def _numeric_lookup(ctx: Context, parts: Parts) -> bool:
    """ "¿Cuál es el precio de lista de la Laptop Pro?": a numeric column of the table whose
    display value is named is listed; otherwise the column is aggregated (AVG/SUM)."""
    model = ctx.model
    for i, m in enumerate(ctx.mentions):
        if m.kind != "schema" or i in ctx.used or is_value(ctx, i):
            continue
        numeric = [e for e in m.of("column") if column_kind(ctx, e) == "number"]
        if not numeric:
            continue
        table, column = pick_numeric(ctx, i, numeric)
        ctx.used.add(i)
        parts.base = table
        display = model.tables[table].display
        named = table != model.fact and any(
            e.ref[0] == table and e.ref[1] == display
            for j, v in enumerate(ctx.mentions)
            if v.kind == "schema" and is_value(ctx, j)
            for e in v.of("value")
        )
        if named:
            parts.listing_table = table
            parts.listing = [ColumnRef(table, column)]
        else:
            parts.metrics = [ms.column_metric_key(model, table, column, None)]
            parts.metrics_said = True
        return True
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


def _add_dim(ctx: Context, parts: Parts, i: int) -> None:
    m = ctx.mentions[i]
    if m.kind == "time":
        parts.grain = m.time.grain
        ctx.used.add(i)
        return
    kinds = ("text",)
    if named_identifier(ctx, i):
        # "the lowest version number and its type code": a measure of one row said with an
        # identifier is the row's, not a total per identifier (which a count can only be)
        counts = ("count", "countd")
        if any(ms.metric_agg(ctx.model, k) not in counts for k in parts.metrics):
            raise Unclear(Clarify.UNUSED_WORD, m.text)
        kinds = ("text", "id")
    picked = pick_column(ctx, i, parts.base, kinds=kinds)
    if picked is None:
        raise Unclear(Clarify.UNKNOWN_DIMENSION, m.text)
    ref = ColumnRef(*picked)
    if ref not in parts.dims:
        parts.dims.append(ref)
    parts.dims_said = True
    ctx.used.add(i)
    _keep_naming_value(ctx, parts, m, ref)


def _keep_naming_value(ctx: Context, parts: Parts, m: Mention, ref: ColumnRef) -> None:
    """ "¿Cuánto gana cada vendedor?": the word is both a way to name the rows (grouped by
    name) and, better, a value of another column of the same table (cargo 'Vendedor'); the
    people it names are those rows, so the grouping keeps the value as a filter."""
    values = m.of("value")
    columns = max((e.quality for e in m.of("column")), default=0)
    if not values or max(e.quality for e in values) <= columns:
        return
    best = max(values, key=lambda e: e.quality)
    table, column, value = best.ref
    if table != ref.table or column == ref.column:
        return
    if any(f.table == table and f.column == column for f in parts.filters):
        return
    parts.filters.append(Filter(table, column, "=", (value,)))


def _numeric_only(ctx: Context, i: int) -> bool:
    m = schema_mention(ctx, i)
    if m is None or i in ctx.used or is_value(ctx, i) or m.has("table") or m.has("metric"):
        return False
    kinds = {column_kind(ctx, e) for e in m.of("column")}
    return kinds == {"number"}


def _grouped_by_numbers(ctx: Context, parts: Parts, i: int) -> None:
    """The numeric column of mention i (after "distinct", "each number of"): each of its values
    a group; both mentions used."""
    ref = ColumnRef(*pick_numeric(ctx, i, list(ctx.mentions[i].of("column"))))
    if ref not in parts.dims:
        parts.dims.append(ref)
    parts.dims_said = True
    ctx.used.update({i - 1, i})


def _read_dimensions(ctx: Context, parts: Parts, slots: list[MetricSlot]) -> None:
    """ "por región y canal", "by customer segment", "cada mes"; "por ingresos" orders."""
    slot_at = {s.mention: n for n, s in enumerate(slots) if s.mention is not None}
    for i, m in enumerate(ctx.mentions):
        if m.kind == "distinct" and i + 1 < len(ctx.mentions) and distinct_numbers(ctx, i + 1):
            pass  # "for different number of cylinders": grouped by them
        elif m.kind == "distinct" and _for_each_number(ctx, parts, i):
            # "the maximum accelerate for all the different cylinders": each value a group
            _grouped_by_numbers(ctx, parts, i + 1)
            continue
        elif m.kind != "group":
            continue
        if i + 1 >= len(ctx.mentions) and _sorted_by_value(ctx, i):
            continue  # "ordered descending by value": the listing sorts by itself
        if _each_refers_back(ctx, parts, i) or _each_listed_row(ctx, parts, i):
            continue
        if not slots and i and ctx.mentions[i - 1].kind == "order":
            continue  # "los remeros ordenados por nombre": the sort key, not a group
        if i + 1 >= len(ctx.mentions):
            raise Unclear(Clarify.UNKNOWN_DIMENSION, m.text)  # "ventas por" and nothing after
        j = i + 1
        each = False
        if each_group(ctx, i) and ctx.mentions[j].kind == "count" and j + 1 < len(ctx.mentions):
            j += 1  # "para cada número de cilindros": each value of the column
            each = True
        while j < len(ctx.mentions):
            target = ctx.mentions[j]
            per_row = j in slot_at and (
                parts.metrics[slot_at[j]] == ms.fact_count_key(ctx.model)
                or _singular_row_noun(ctx, j)
            )
            if per_row and len(parts.metrics) > 1:
                # "average quantity per order": per row of the fact table, not a second metric
                index = slot_at.pop(j)
                parts.metrics = [
                    ms.retarget_agg(ctx.model, k, "avg")
                    for n, k in enumerate(parts.metrics)
                    if n != index
                ]
                slot_at = {m_: (n - 1 if n > index else n) for m_, n in slot_at.items()}
                ctx.used.add(j)
            elif j in slot_at:
                parts.order = Order(slot_at[j], True)
            elif target.kind == "count" and _numeric_only(ctx, j + 1):
                # "para cada número de cilindros", "for each number of doors": the numbers
                # themselves are the groups
                _grouped_by_numbers(ctx, parts, j + 1)
                j += 1
            elif target.kind == "time" and target.time.kind in ("unit", "grain"):
                parts.grain = target.time.grain
                parts.period_position = len(parts.dims)  # "por región y año": region first
                ctx.used.add(j)
            elif target.kind == "schema" and (each or each_group(ctx, i)) and _measure_only(ctx, j):
                # "for each number of cylinders", "how many students are in each grade": after
                # an each-word every value of a numeric column is a group (after "by" it ranks)
                numeric = [e for e in target.of("column") if column_kind(ctx, e) == "number"]
                ref = ColumnRef(*pick_numeric(ctx, j, numeric))
                if ref not in parts.dims:
                    parts.dims.append(ref)
                parts.dims_said = True
                ctx.used.add(j)
            elif target.kind == "schema" and _sorts_the_listing(ctx, parts, i, j):
                break  # "sort employee names by their age": the rows, sorted (`_listing_sorted`)
            elif target.kind == "schema" and _measure_only(ctx, j):
                # "top 3 clientes por importe": ranked by a numeric column
                numeric = [e for e in target.of("column") if column_kind(ctx, e) == "number"]
                table, column = pick_numeric(ctx, j, numeric)
                key = ms.column_metric_key(ctx.model, table, column, None)
                if key not in parts.metrics:
                    parts.metrics.append(key)
                    parts.metrics_said = True
                parts.order = Order(parts.metrics.index(key), True)
                ctx.used.add(j)
            elif target.kind == "schema" and _participle_agent(ctx, i, j, parts.base):
                # "the total money requested by entrepreneurs": after a participle "by" names
                # who did it, the measured rows themselves: neither a group nor "per row"
                ctx.used.add(j)
            elif target.kind == "schema" and _names_base_rows(ctx, j, parts.base):
                # "ingresos medios por venta", "unidades por pedido": per row is an average;
                # a minimum, maximum or average said "for every <row>" is over all the rows
                parts.metrics = [
                    k
                    if ms.metric_agg(ctx.model, k) in ("min", "max", "avg")
                    else ms.retarget_agg(ctx.model, k, "avg")
                    for k in parts.metrics
                ]
                ctx.used.add(j)
            elif target.kind == "schema" and (not is_value(ctx, j) or _has_dim_entry(ctx, j)):
                if (
                    j in ctx.qualifiers
                    and j + 1 < len(ctx.mentions)
                    and (schema_mention(ctx, j + 1) is not None and j + 1 not in ctx.used)
                ):
                    j += 1  # "by customer city": the qualifier then its column
                    continue
                _add_dim(ctx, parts, j)
            else:
                break
            if j + 2 < len(ctx.mentions) and ctx.mentions[j + 1].kind == "conj":
                j += 2
            else:
                break
    if any(m.kind == "add" for m in ctx.mentions):
        parts.dims_add = True


def _each_refers_back(ctx: Context, parts: Parts, i: int) -> bool:
    """ "the template type codes and the number of templates for each", "how many films are in
    each (one)?", "¿cuántas películas hay en cada una?": "each" with nothing after it is each of
    the rows named before it. The nearest group-able mention before it is the group; with none,
    an answer already grouped keeps its groups. Nothing to refer to: not read here."""
    if not each_group(ctx, i):
        return False
    if i + 1 < len(ctx.mentions):
        return False
    if not parts.dims:
        antecedent = next((j for j in range(i - 1, -1, -1) if _antecedent(ctx, parts, j)), None)
        if antecedent is None:
            return False
        _add_dim(ctx, parts, antecedent)
    ctx.used.add(i)
    return True


def _each_listed_row(ctx: Context, parts: Parts, i: int) -> bool:
    """ "the names and grades of each student", "el nombre de cada cliente": with nothing
    measured, "each" before the listed table's own noun lists every row of it; no group."""
    if not each_group(ctx, i) or parts.metrics or i + 1 >= len(ctx.mentions):
        return False
    target = ctx.mentions[i + 1]
    if target.kind != "schema" or i + 2 < len(ctx.mentions) or is_value(ctx, i + 1):
        return False
    tables = {e.ref[0] for e in target.of("table")}
    if parts.base not in tables or target.has("metric"):
        return False
    best = max(e.quality for e in target.of("table"))
    if any(e.quality >= best for e in target.of("column")):
        return False  # the word names a column as well as the table
    ctx.used.update({i, i + 1})
    return True


def _antecedent(ctx: Context, parts: Parts, j: int) -> bool:
    """Whether mention j can be what a trailing "each" refers to: a group-able mention that is
    not the counted or measured rows themselves ("how many car makers … in each")."""
    if j in ctx.used or not _dim_capable(ctx, j):
        return False
    if j > 0 and ctx.mentions[j - 1].kind == "count":
        return False
    return not any(e.ref[0] == parts.base for e in ctx.mentions[j].of("table"))


def _sorts_the_listing(ctx: Context, parts: Parts, i: int, j: int) -> bool:
    """ "Sort employee names by their age", "ordena los nombres por edad": "by" (mention `i`)
    right after a sort word or a listing's rows, before a numeric column of the listed table
    (mention `j`), with nothing measured and nothing ranked, sorts the rows listed."""
    if parts.metrics or not parts.listing_table or parts.dims:
        return False
    if not ctx.has("order", "dir") or ctx.has("most", "least", "rank", "count"):
        return False
    if not any(m.kind in ("order", "dir") for m in ctx.mentions[:i]) and not (
        i > 0 and ctx.mentions[i - 1].kind == "dir"
    ):
        return False
    columns = _best_columns(ctx.mentions[j], parts.listing_table)
    return bool(columns) and all(_sortable(ctx, e) for e in columns)


_FOR_EACH = lx.words("for per across para")
_ALL_THE_EACH = lx.words("all the todos todas los las")


def _for_each_number(ctx: Context, parts: Parts, i: int) -> bool:
    """ "(the maximum accelerate) for (all the) different cylinders": a measure said before
    "for … different/distinct" and a numeric column: every value of the column is a group, as
    "for each number of cylinders" is; without "for" ("cars with different cylinders") not."""
    if not parts.metrics or i + 1 >= len(ctx.mentions) or not _numeric_only(ctx, i + 1):
        return False
    k = ctx.mentions[i].start - 1
    while k >= 0 and ctx.tokens[k].norm in _ALL_THE_EACH:
        k -= 1
    return k >= 0 and ctx.tokens[k].norm in _FOR_EACH


def _measure_only(ctx: Context, i: int) -> bool:
    m = ctx.mentions[i]
    if i in ctx.used or is_value(ctx, i) or m.has("table") or m.has("metric"):
        return False
    kinds = {column_kind(ctx, e) for e in m.of("column")}
    return "number" in kinds and "text" not in kinds


def _singular_row_noun(ctx: Context, i: int) -> bool:
    """ "per sale", "por venta", "per order": one row of the fact table (singular), unlike
    "por ventas"/"by revenue", which rank by a metric."""
    m = ctx.mentions[i]
    words = [t for t in ctx.tokens[m.start : m.end] if t.norm not in lx.FILLER]
    if len(words) != 1 or words[0].norm.endswith("s"):
        return False
    if m.kind == "concept":
        return m.value in ("revenue", "orders")
    return any(e.ref[0] == ctx.model.fact for e in m.of("table"))


def _names_base_rows(ctx: Context, i: int, base: str) -> bool:
    m = ctx.mentions[i]
    if not m.has("table") or is_value(ctx, i):
        return False
    best = max(m.entries, key=lambda e: (e.quality, e.kind == "table"))
    return (
        best.kind in ("table", "metric")
        and base in {e.ref[0] for e in m.of("table")}
        and (base == ctx.model.fact)
    )


_AGENT_BY = lx.words("by")


def _participle_agent(ctx: Context, i: int, j: int, base: str) -> bool:
    """English "by" right after a past participle ("requested by", "made by") and right before
    the measured rows' own noun: the doer of the verb, not a grouping."""
    by, target = ctx.mentions[i], ctx.mentions[j]
    if j != i + 1 or by.end != target.start or by.start < 1 or each_group(ctx, i):
        return False
    if ctx.tokens[by.start].norm not in _AGENT_BY or not _names_base_rows(ctx, j, base):
        return False
    word = ctx.tokens[by.start - 1].norm
    return (word.endswith("ed") and tx.stem(word, "en") != word) or tx.verb_lemma(word) is not None


def _has_dim_entry(ctx: Context, i: int) -> bool:
    m = ctx.mentions[i]
    return m.has("table") or any(column_kind(ctx, e) == "text" for e in m.of("column"))


# --- time -------------------------------------------------------------------------------------


# --- order, comparison, leftovers -----------------------------------------------------------


def _read_order(
    ctx: Context, parts: Parts, slots: list[MetricSlot], *, followup: bool = False
) -> None:
    """ "top 5", "los 3 más vendidos", "¿qué región tiene más...?", "ordenados de mayor a menor"."""
    slot_at = {s.mention: n for n, s in enumerate(slots) if s.mention is not None}
    direction: bool | None = None
    limit: int | None = None
    subject: int | None = None
    ranked = False
    first: int | None = None
    for k, m in enumerate(ctx.mentions):
        if m.kind not in ("rank", "most", "least"):
            continue
        ranked = True
        first = k if first is None else first
        _ranks_a_measure(ctx, k, slot_at)
        if direction is None:
            direction = m.kind == "most" or (m.kind == "rank" and m.value == "desc")
        if m.kind == "rank":
            for j in (k + 1, k - 1):
                if 0 <= j < len(ctx.mentions) and ctx.mentions[j].kind == "number":
                    limit = int(ctx.mentions[j].value[0])
                    ctx.used.add(j)
                    break
        elif limit is None and k > 0 and ctx.mentions[k - 1].kind == "number":
            before = ctx.mentions[k - 2].kind if k > 1 else ""
            if k - 1 not in ctx.used and before != "cmp":  # "the 3 lowest populations"
                limit = int(ctx.mentions[k - 1].value[0])
                ctx.used.add(k - 1)
        for j in (k + 1, k + 2):
            if j in slot_at:
                parts.order = Order(slot_at[j], direction)
        if subject is None:
            subject = _rank_subject(ctx, k)
        if subject is None and limit is None:
            subject = _numeric_group_ranked(ctx, parts, k)
    for k, m in enumerate(ctx.mentions):
        if m.kind in ("dir", "order"):
            if m.kind == "dir" and m.value == "alpha":
                direction = False if direction is None else direction
            elif m.kind == "dir" and m.value == "alpha_desc":  # "in reverse alphabetical order"
                direction = True
            elif m.kind == "dir":
                direction = m.value == "desc"
            ranked = True
            if subject is None:
                subject = _rank_subject(ctx, k)
    if not ranked:
        return
    alphabetical = any(m.kind == "dir" and m.value in ("alpha", "alpha_desc") for m in ctx.mentions)
    if alphabetical and parts.metrics and (parts.implied or parts.dims) and not followup:
        # "colleges that have two or more players in descending alphabetical order": the
        # groups by their text, which no plan orders by; never the count sorted instead
        # "what details about students in alphabetical order": rows in the order of their
        # text, never a count nobody asked for sorted
        raise Unclear(Clarify.GENERIC, " ".join(t.text for t in ctx.tokens))
    if not parts.metrics and not followup and _listing_sorted(ctx, parts, direction):
        return  # "the names of the conductors in ascending order of age": the rows, sorted
    if subject is not None:
        j = subject - 1
        if limit is None and j >= 0 and ctx.mentions[j].kind == "number" and j not in ctx.used:
            limit = int(ctx.mentions[j].value[0])
            ctx.used.add(j)
        others = list(parts.dims)
        if subject not in ctx.used or ctx.mentions[subject].kind == "time":
            _add_dim(ctx, parts, subject)
        ranked_dim = [d for d in parts.dims if d not in others]
        if others and ranked_dim and not parts.grain:
            _own_key_group(ctx, others, ranked_dim)
            parts.rank_within = others  # "el producto más vendido de cada región"
        if limit is None and first is not None:
            parts.rows_count = _number_of_rows_grouped(ctx, parts, first)
        if limit is None and ctx.has("rank", "most", "least") and not ctx.mentions[subject].plural:
            limit = 1
    elif limit is None:  # "the id of the template used by the greatest number of documents"
        parts.one_row_of = _grouped_rows_said_singular(ctx)
    if not parts.metrics and not followup:
        raise Unclear(Clarify.RANK_WITHOUT_DIMENSION)
    if parts.order is None:
        parts.order = Order(0, direction if direction is not None else True)
    else:
        parts.order = Order(parts.order.metric, direction if direction is not None else True)
    parts.limit = limit


def _numeric_group_ranked(ctx: Context, parts: Parts, k: int) -> int | None:
    """ "which grade has the most students", "the year that had the most concerts", "¿qué
    curso tiene más alumnos?": a numeric column said (singular) right before a plain "most" /
    "least" that ranks a count of rows is a group, each of its values (as after an each-word),
    not a measure: GROUP BY the column, ordered by the count. Only when every metric is a count
    of the rows that hold the column (or of rows that reach its table many to one), and nothing
    but an opening word ("which", "what is the") is said before the column."""
    if ctx.mentions[k].kind not in ("most", "least") or not parts.metrics or parts.dims:
        return None
    if not _counting_superlative(ctx, k):
        return None  # "the amount of the largest payment": the payment with the largest amount
    if any(ms.metric_agg(ctx.model, key) != "count" for key in parts.metrics):
        return None
    j = k - 2 if k > 1 and ctx.mentions[k - 1].kind == "with" else k - 1  # "that had", "with"
    if j < 0 or not _measure_only(ctx, j) or ctx.mentions[j].plural:
        return None
    if any(ctx.mentions[x].kind not in ("list", "which") for x in range(j)):
        return None
    counted = {ms.metric_table(ctx.model, key) for key in parts.metrics}
    if len(counted) != 1:
        return None
    rows = counted.pop()
    numeric = [
        e
        for e in ctx.mentions[j].of("column")
        if column_kind(ctx, e) == "number"
        and (e.ref[0] == rows or _to_parent(ctx.model, rows, e.ref[0]))
    ]
    if not numeric:
        return None
    ref = ColumnRef(*pick_numeric(ctx, j, numeric))
    parts.dims.append(ref)
    parts.dims_said = True
    ctx.used.add(j)
    return j


def _counting_superlative(ctx: Context, k: int) -> bool:
    """ "the most / fewest students", "the greatest number of students", "más / menos alumnos",
    "el mayor número de alumnos": a superlative that ranks by how many rows, not a size word
    before a table ("the largest payment" is the payment with the largest amount)."""
    word = lx.fold(ctx.mentions[k].text)
    if word in _PLAIN_MOST:
        return True
    after = ctx.mentions[k + 1] if k + 1 < len(ctx.mentions) else None
    said = after is not None and after.kind == "count"
    counted = after is not None and any(
        t.norm in ("number", "numero") for t in ctx.tokens[ctx.mentions[k].end : after.start + 1]
    )
    return said or counted


_PLAIN_MOST = frozenset({"most", "fewest", "least", "mas", "menos", "the most", "the fewest"})


def _grouped_rows_said_singular(ctx: Context) -> str | None:
    """ "the id and type code of the template used by the most documents": the superlative's
    rows were taken already as the groups (no mention left for it to rank), and the table
    grouped is said once, in the singular, after "the": one row is asked, the top one.
    A superlative word with no plain "most"/"least" (a "top N") is not this."""
    if not ctx.has("most", "least") or ctx.has("rank"):
        return None
    said = [
        (i, m)
        for i, m in enumerate(ctx.mentions)
        if m.kind == "schema" and m.has("table") and not m.has("metric")
    ]
    if len(said) != 1:
        return None
    i, m = said[0]
    if i not in ctx.used or m.plural or ctx.tokens[m.end - 1].norm.endswith("s"):
        return None
    if m.start == 0 or ctx.tokens[m.start - 1].norm not in ("the", "el", "la"):
        return None
    tables = [e.ref[0] for e in m.of("table") if e.quality >= 4]
    return tables[0] if len(tables) == 1 else None


def _listing_sorted(ctx: Context, parts: Parts, direction: bool | None) -> bool:
    """ "List the names of conductors in ascending order of age", "sort the shops by number of
    products": a listing only sorted (no superlative, no number kept) by one numeric column of
    the listed table is those rows in that order. Taken only when exactly one such column is
    said and not yet used."""
    if not parts.listing_table or parts.dims or parts.limit is not None:
        return False
    if ctx.has("most", "least", "rank", "count"):
        return False
    if any(m.kind == "dir" and m.value in ("alpha", "alpha_desc") for m in ctx.mentions):
        return _listing_alphabetical(ctx, parts, direction)
    # "the names of the gymnasts in order of height": the person each row stands for
    rows = {parts.listing_table}
    if not ctx.model.tables[parts.listing_table].named:
        rows.add((linked_label(ctx.model, parts.listing_table) or (parts.listing_table,))[0])
    candidates = [
        i
        for i, m in enumerate(ctx.mentions)
        if m.kind == "schema"
        and i not in ctx.used
        and not is_value(ctx, i)
        and not m.has("table")
        and m.of("column")
        and (own := _best_columns(m, *rows))
        and all(_sortable(ctx, e) for e in own)
    ]
    text_key = _text_key_after_order(ctx, parts, rows, candidates)
    if text_key is not None:
        ctx.used.add(text_key[0])
        parts.listing_order = text_key[1]
        if parts.distinct and not ctx.has("distinct"):
            parts.distinct = False  # each row in that order
        parts.order = Order(0, direction if direction is not None else False)
        return True
    if not candidates:
        return _sorted_by_itself(ctx, parts, direction)
    if len(candidates) != 1:
        candidates = _said_after_order(ctx, candidates)
    if len(candidates) != 1 or _other_key_after_order(ctx, candidates[0]):
        return False
    i = candidates[0]
    table, column = pick_numeric(ctx, i, _best_columns(ctx.mentions[i], *rows))
    ctx.used.add(i)
    parts.listing_order = ColumnRef(table, column)
    if parts.distinct and not ctx.has("distinct"):
        # "the episodes ordered by rating", "the record companies of the orchestras sorted by
        # the year they were founded": each row in that order, not the different values
        parts.distinct = False
    parts.order = Order(0, direction if direction is not None else False)
    return True


def _text_key_after_order(
    ctx: Context, parts: Parts, rows: set[str], candidates: list[int]
) -> tuple[int, ColumnRef] | None:
    """ "Show the age of the rowers ordered by name", "la edad de los remeros ordenados por
    nombre": the one column said after the order words is a text column of the listed rows
    (sorted as text), and every sortable column said comes before the order words (it is
    listed): that text column sorts. (mention, column), or None when the words after the
    order words say anything else, or several columns, or a sortable one."""
    orders = [k for k, m in enumerate(ctx.mentions) if m.kind in ("order", "dir")]
    if not orders or any(i > orders[0] for i in candidates):
        return None
    after = [
        k
        for k in range(orders[0] + 1, len(ctx.mentions))
        if ctx.mentions[k].kind not in ("order", "dir")
        and not (ctx.mentions[k].kind == "group" and k - 1 in orders)  # "ordenados por"
    ]
    if len(after) != 1:
        return None
    k = after[0]
    m = ctx.mentions[k]
    if m.kind != "schema" or m.has("table") or is_value(ctx, k):
        return None
    own = _best_columns(m, *rows)
    listed = set(parts.listing)
    if len(own) != 1 or (k in ctx.used and ColumnRef(*own[0].ref) not in listed):
        return None
    sem = ctx.model.column(*own[0].ref)
    if sem is None or sem.kind != "text" or sem.numeric_text or column_kind(ctx, own[0]) != "text":
        return None
    return k, ColumnRef(*own[0].ref)


def _other_key_after_order(ctx: Context, i: int) -> bool:
    """ "the age of the rowers ordered by name and club": the one sortable column (mention
    `i`) is said before the order words and other columns after them: those sort, not it
    (not read here)."""
    orders = [k for k, m in enumerate(ctx.mentions) if m.kind in ("order", "dir")]
    if not orders or i > orders[0]:
        return False
    return any(
        m.kind == "schema" and m.of("column") and not m.has("table") and not is_value(ctx, k)
        for k, m in enumerate(ctx.mentions)
        if k > orders[0]
    )


def _said_after_order(ctx: Context, candidates: list[int]) -> list[int]:
    """ "the name and age of the rowers ordered by age", "the heights and weights of people in
    descending order of height": several sortable columns are said, some listed before the
    order words and one right after them; the one after the order words sorts, the others
    are listed. Order words said first ("sort the rowers by age and show …") or several
    columns after them decide nothing (all the candidates are returned)."""
    orders = [k for k, m in enumerate(ctx.mentions) if m.kind in ("order", "dir")]
    if not orders or orders[0] < candidates[0]:
        return candidates
    after = [i for i in candidates if i > orders[0]]
    return after if len(after) == 1 else candidates


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


def _sorted_by_itself(ctx: Context, parts: Parts, direction: bool | None) -> bool:
    """ "List the earnings of poker players in descending order", "the earnings, ordered
    descending by value": one column listed and sorted with no other column said after the
    order words is sorted by itself. Several columns listed: which one sorts is not said."""
    columns = list(dict.fromkeys(parts.listing))
    if len(columns) != 1 or parts.distinct:
        return False
    first = next(k for k, m in enumerate(ctx.mentions) if m.kind in ("order", "dir"))
    for k in range(first + 1, len(ctx.mentions)):
        m = ctx.mentions[k]
        if m.kind in ("dir", "order"):
            continue
        if m.kind == "group" and _sorted_by_value(ctx, k):
            ctx.used.add(k)  # "ordered descending by value"
            continue
        return False
    parts.listing_order = columns[0]
    parts.order = Order(0, direction if direction is not None else False)
    return True


def _sorted_by_value(ctx: Context, k: int) -> bool:
    """ "ordered descending by value": "by" (mention `k`), after a sort word, then only
    "value(s)" to the end: the values listed themselves."""
    if k + 1 != len(ctx.mentions) or not any(m.kind in ("order", "dir") for m in ctx.mentions[:k]):
        return False
    rest = [t for t in ctx.tokens[ctx.mentions[k].end :] if t.kind == "word"]
    return len(rest) == 1 and rest[0].norm in _BY_ITSELF


def _listing_alphabetical(ctx: Context, parts: Parts, direction: bool | None) -> bool:
    """ "the names of the people in alphabetical order", "ordered by their names
    alphabetically": the rows listed, sorted by a text column of the listed table: the one
    said after the order words when it is listed ("in alphabetical order of name"), else the
    table's label when it is listed, else the one text column listed. Several text columns
    listed and none of them the label: not guessed."""
    table = parts.listing_table
    texts = [
        ref
        for ref in parts.listing
        if ref.table == table
        and (sem := ctx.model.column(ref.table, ref.column)) is not None
        and sem.kind == "text"
        and not sem.numeric_text
    ]
    info = ctx.model.tables[table]
    label = [ref for ref in texts if info.named and ref.column == info.display]
    chosen = label or (texts if len(texts) == 1 else [])
    if not chosen:
        return False
    parts.listing_order = chosen[0]
    parts.order = Order(0, direction if direction is not None else False)
    return True


def _number_of_rows_grouped(ctx: Context, parts: Parts, k: int) -> tuple[int, int] | None:
    """ "the names of the 3 countries with the largest population": a number right before the
    table whose rows are grouped (its label already listed), and before the superlative at
    mention `k`, is how many rows to keep: (mention, number), taken by `_superlative_row`
    only (a count, "the 3 countries with the fewest X", may count what was not said)."""
    tables = {d.table for d in parts.dims}
    for j in range(k - 1):
        m, rows = ctx.mentions[j], ctx.mentions[j + 1]
        if m.kind != "number" or j in ctx.used or (j and ctx.mentions[j - 1].kind == "cmp"):
            continue
        if rows.kind == "schema" and {e.ref[0] for e in rows.of("table")} & tables:
            return j, int(m.value[0])
    return None


def _own_key_group(ctx: Context, groups: list[ColumnRef], ranked: list[ColumnRef]) -> None:
    """ "For each department id, the department with the most degrees": the groups are the
    ranked rows' own key (or a foreign key holding it), so each group holds one of them and
    the ranking within it ranks nothing: the question means something else; asked back."""
    for d in ranked:
        key = ctx.model.tables[d.table].key
        if len(key) != 1:
            continue
        own = identifier_root(ctx.model, (d.table, key[0]))
        for g in groups:
            if identifier_root(ctx.model, (g.table, g.column)) == own:
                raise Unclear(Clarify.UNUSED_WORD, g.column)


def _ranks_a_measure(ctx: Context, k: int, slot_at: dict[int, int]) -> None:
    """ "which model has the largest horsepower" where that column holds text: nothing to rank
    by (it became a group and the rows were ranked by another count): ask, naming it."""
    if ctx.mentions[k].kind not in ("most", "least"):
        return
    after = schema_mention(ctx, k + 1)
    if after is None or k + 1 in slot_at or after.has("table") or after.has("metric"):
        return
    columns = after.of("column")
    whole = bool(columns) and len(columns) == len(after.entries)
    if whole and all(column_kind(ctx, e) == "text" for e in columns):
        raise Unclear(Clarify.UNUSED_WORD, after.text)


def _rank_subject(ctx: Context, k: int) -> int | None:
    """What a superlative ranks: the nearest group-able mention before it, else after it."""
    for j in range(k - 1, -1, -1):
        m = ctx.mentions[j]
        if m.kind == "group" and j == k - 1:
            continue  # "the company used by the most orchestras": the agent, not a grouping
        if m.kind in ("group", "compare", "cmp"):
            break
        if _dim_capable(ctx, j) and j not in ctx.used:
            return j
        if m.kind == "schema" and j in ctx.used and ctx.mentions[j].has("metric"):
            continue
    for j in range(k + 1, len(ctx.mentions)):
        m = ctx.mentions[j]
        if m.kind == "group":
            break
        if _dim_capable(ctx, j) and j not in ctx.used:
            qualified = j + 1 in ctx.column_table and j in ctx.qualifiers
            if qualified and j + 1 not in ctx.used:
                return j + 1  # "top 3 customer cities": the qualifier then its column
            return j
    return None


def _read_comparison(ctx: Context, parts: Parts) -> None:
    parts.compare = ctx.has("compare")
    multi = [f for f in parts.filters if f.op == "in"]
    if parts.compare:
        for k, m in enumerate(ctx.mentions):
            follows = m.kind == "compare" and _dim_capable(ctx, k + 1) and k + 1 not in ctx.used
            if follows and not multi and parts.comparison is None:
                _add_dim(ctx, parts, k + 1)
        if multi:
            f = multi[0]
            ref = ColumnRef(f.table, f.column)
            if ref not in parts.dims:
                parts.dims.insert(0, ref)
            parts.comparison = Comparison(f"{f.table}.{f.column}", f.values)
        elif parts.comparison is None:
            if not parts.dims:
                raise Unclear(Clarify.COMPARE_WHAT)
            d = parts.dims[0]
            parts.comparison = Comparison(f"{d.table}.{d.column}", ())
        return
    for f in multi:
        ref = ColumnRef(f.table, f.column)
        if ref not in parts.dims and parts.metrics and not _one_figure(ctx, parts, f):
            parts.dims.append(ref)


def _one_figure(ctx: Context, parts: Parts, f: Filter) -> bool:
    """Several values of one column with no comparison word: one figure over all of them when
    they are joined by "or" ("countries in Asia or Europe"), or when a word asks for the sum
    ("the total surface area of Asia and Europe", "A and B combined") and nothing else
    groups; else each value is shown on its row ("revenue of Norte and Sur")."""
    said = [
        i
        for i, m in enumerate(ctx.mentions)
        if is_value(ctx, i) and any(e.ref[2] in f.values for e in m.of("value"))
    ]
    if len(said) < 2:
        return False
    if _grouped_by_the_column(ctx, f):
        return False  # "halls per town in Lima or Oslo": each town its row, as "per town" says
    between = ctx.mentions[said[0] + 1 : said[-1]]
    if any(m.kind == "conj" and lx.fold(m.text) in lx.OR_WORDS for m in between):
        return True
    together = any(t.norm in lx.TOGETHER_WORDS for t in ctx.tokens)
    return together and not parts.dims and not parts.grain


def _grouped_by_the_column(ctx: Context, f: Filter) -> bool:
    """Whether a group word ("per", "por", "for each") is said right before a mention of the
    filtered column itself: the values are each a group, whatever joins them."""
    for k in range(len(ctx.mentions) - 1):
        if ctx.mentions[k].kind != "group":
            continue
        following = ctx.mentions[k + 1]
        if any(e.ref[:2] == (f.table, f.column) for e in following.of("column")):
            return True
    return False


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


# --- plans ------------------------------------------------------------------------------------


def fresh_plan(parts: Parts) -> QueryPlan:
    if not parts.metrics and not parts.listing:
        raise Unclear(Clarify.NO_METRIC)
    one = parts.one_row_of
    if parts.limit is None and one and parts.dims and all(d.table == one for d in parts.dims):
        parts.limit = 1  # the one row of the table said in the singular (`_read_order`)
    return QueryPlan(
        table=parts.base,
        metrics=(),  # filled by the caller with MetricRefs in the question's language
        dimensions=tuple(parts.dims),
        filters=tuple(parts.filters),
        numeric_filters=tuple(parts.numeric),
        having=tuple(parts.having),
        time_range=parts.time_range,
        time_periods=tuple(parts.time_periods),
        date_parts=tuple(parts.date_parts),
        grain=parts.grain,
        time_column=parts.time_column if (parts.grain or parts.time_said) else None,
        order=parts.order,
        limit=parts.limit,
        comparison=parts.comparison,
        listing=tuple(parts.listing) if not parts.metrics else (),
        listing_order=parts.listing_order if not parts.metrics else None,
        distinct=parts.distinct if not parts.metrics else False,
        average_over=parts.average_over,
        average_per=tuple(parts.average_per),
        period_position=min(parts.period_position, len(parts.dims)),
        rank_within=tuple(parts.rank_within) if parts.limit else (),
        share=parts.share,
        share_of=tuple(parts.share_of),
        share_numeric=tuple(parts.share_numeric),
    )


def followup_plan(previous: QueryPlan, parts: Parts) -> QueryPlan:
    """Lay what the follow-up says over the previous plan; raise Unclear if it says nothing."""
    plan = previous
    changed = False
    if parts.dims_said or parts.grain and parts.grain != previous.grain:
        dims = list(previous.dimensions) + parts.dims if parts.dims_add else parts.dims
        if parts.dims_said or not parts.dims_add:
            plan = plan.with_changes(dimensions=tuple(dict.fromkeys(dims)))
        changed = True
    if parts.grain:
        plan = plan.with_changes(grain=parts.grain, time_column=parts.time_column)
        if parts.order is None and previous.limit is not None and not previous.grain:
            # "Evolución mensual" after "solo el top 3": a series, not the top 3 periods.
            plan = plan.with_changes(order=None, limit=None)
        changed = True
    elif parts.dims_said and not parts.dims_add and previous.grain and not previous.order:
        plan = plan.with_changes(grain=None)
    if parts.filters:
        replaced = {(f.table, f.column) for f in parts.filters}
        kept = tuple(f for f in previous.filters if (f.table, f.column) not in replaced)
        plan = plan.with_changes(filters=kept + tuple(parts.filters))
        changed = True
    if parts.numeric:
        plan = plan.with_changes(numeric_filters=previous.numeric_filters + tuple(parts.numeric))
        changed = True
    if parts.time_said:
        plan = plan.with_changes(
            time_range=parts.time_range,
            time_periods=tuple(parts.time_periods),
            date_parts=tuple(parts.date_parts),
            time_column=parts.time_column if parts.time_column else previous.time_column,
        )
        if parts.comparison is not None:
            plan = plan.with_changes(comparison=parts.comparison, grain=parts.grain)
        elif previous.comparison and previous.comparison.dimension.startswith("period:"):
            plan = plan.with_changes(comparison=None, grain=None)
        changed = True
    if parts.order is not None:
        # "¿y los peores?" after a top 5: the same number of rows, the other end
        limit = parts.limit if parts.limit is not None else previous.limit
        plan = plan.with_changes(order=parts.order, limit=limit)
        changed = True
    if parts.comparison is not None and not parts.time_said:
        plan = plan.with_changes(comparison=parts.comparison)
        changed = True
    if parts.having:
        plan = plan.with_changes(having=previous.having + tuple(parts.having))
        changed = True
    if parts.metrics_said:
        changed = True  # metrics are swapped in by the caller
    if not changed:
        raise Unclear(Clarify.FOLLOWUP_NOTHING)
    if plan.rank_within and not set(plan.rank_within) < set(plan.dimensions):
        plan = plan.with_changes(rank_within=())  # regrouped: the per-group ranking is gone
    if plan.order and not (plan.dimensions or plan.grain):
        raise Unclear(Clarify.RANK_WITHOUT_DIMENSION)
    return plan


def _fresh_ctx(model: SemanticModel, tokens: list[lx.Token], lang: str) -> Context:
    mentions, _unmapped = scan(model, tokens)
    return Context(model, tokens, _rows_named_elsewhere(model, compound_heads(mentions)), lang)


def _rows_named_elsewhere(model: SemanticModel, mentions: list) -> list:
    """ "the players from college X" (the first noun said) where `players` is a table and also a
    text column of the table `college` is on: the rest of the question is said of that other
    table's rows (its columns, its values or those of a table next to it) and of none next to
    the noun's table, so the noun is that column, not the table's rows reached through a third
    table."""
    out = list(mentions)
    for i, m in enumerate(mentions):
        tables = {e.ref[0] for e in m.of("table")} if m.kind == "schema" else set()
        if len(tables) != 1:
            continue
        (table,) = tables
        owners = {
            e.ref[0]
            for e in m.of("column")
            if e.ref[0] != table
            and (col := model.column(*e.ref)) is not None
            and col.kind == "text"
        }
        others = [
            {e.ref[0] for e in o.entries if e.kind != "metric"}
            for j, o in enumerate(mentions)
            if j != i and o.kind == "schema"
        ]
        if len(owners) != 1 or not others or not all(others):
            continue
        (owner,) = owners

        def near(of: set[str], to: str) -> bool:
            return any(t == to or len(model.path(to, t) or ()) == 1 for t in of)

        if all(near(o, owner) and not near(o, table) for o in others):
            kept = tuple(e for e in m.entries if e.kind == "column" and e.ref[0] == owner)
            if any(o.kind == "schema" for o in mentions[:i]):
                # said after what is asked of it ("the positions of players from college X"):
                # the rows of that other table, not one more column to show
                kept = tuple(replace(e, kind="table", ref=(owner,)) for e in kept[:1])
            out[i] = replace(m, entries=kept)
    return out


def _plan(
    question: str,
    model: SemanticModel,
    tokens: list[lx.Token],
    lang: str,
    previous: QueryPlan | None,
) -> tuple[QueryPlan, Parts, bool, Context]:
    """(plan, what the question said, whether it named its metric, the parse's context)."""
    if previous is not None:
        ctx = _fresh_ctx(model, tokens, lang)
        try:
            parts = read_parts(ctx, base_hint=previous.table)
        except (NeedsFact, Unclear):
            parts = None  # not readable as a follow-up: read it as a new question
        self_contained = parts is not None and (
            parts.metrics_said and any(s.kind == "schema" for s in ctx.mentions)
        )
        followup = parts is not None and (_is_followup(tokens, previous) or not self_contained)
        if followup and (not parts.metrics or _same_table(model, parts, previous)):
            plan = followup_plan(previous, parts)
            if parts.metrics_said:
                plan = _as_shares(
                    plan.with_changes(metrics=_refs(model, parts.metrics, lang)), lang
                )
            elif not plan.metrics and not plan.listing:
                raise Unclear(Clarify.NO_METRIC)
            else:
                plan = _relabel(model, plan, lang)
            return _finish(plan), parts, True, ctx
    ctx = _fresh_ctx(model, tokens, lang)
    # "the birth date of the player with the lowest earnings": one row's columns
    parts = row_with_extreme(ctx)
    try:
        if parts is None:
            ctx = _fresh_ctx(model, tokens, lang)
            parts = read_parts(ctx)
    except NeedsFact:
        ctx = _fresh_ctx(model, tokens, lang)
        try:
            parts = read_parts(ctx, force_fact=True)
        except NeedsFact:
            raise Unclear(Clarify.GENERIC, question.strip()) from None
    if not parts.metrics and ctx.has("buy") and parts.listing_table:
        raise Unclear(Clarify.GENERIC, question.strip())
    if parts.metrics and ctx.has("buy") and parts.base != model.fact:
        ctx = _fresh_ctx(model, tokens, lang)
        try:
            parts = read_parts(ctx, force_fact=True)
        except NeedsFact:
            raise Unclear(Clarify.GENERIC, question.strip()) from None
    plan = fresh_plan(parts)
    plan = _as_shares(plan.with_changes(metrics=_refs(model, parts.metrics, lang)), lang)
    said = any(m.kind == "schema" and m.has("metric") for m in ctx.mentions)
    return _finish(plan), parts, said, ctx


def _same_table(model: SemanticModel, parts: Parts, previous: QueryPlan) -> bool:
    return {ms.metric_table(model, k) for k in parts.metrics} == {previous.table}


def _finish(plan: QueryPlan) -> QueryPlan:
    if plan.order is not None and plan.metrics and plan.order.metric >= len(plan.metrics):
        plan = plan.with_changes(order=plan.order.__class__(0, plan.order.desc))
    return plan


def _refs(model: SemanticModel, keys: list[str], lang: str) -> tuple:
    refs = []
    for key in dict.fromkeys(keys):
        refs.append(ms.metric_ref(model, key, lang))
    return tuple(refs)


_GRAIN_WORDS = {
    "es": {"day": "día", "week": "semana", "month": "mes", "quarter": "trimestre", "year": "año"},
    "en": {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"},
}


def _as_shares(plan: QueryPlan, lang: str) -> QueryPlan:
    """Percent metrics read and print as percentages of their metric; averages over periods
    say so ("promedio por mes de ingresos")."""
    if plan.average_per:  # "promedio por cliente de ventas totales"
        word = ", ".join(c.table for c in plan.average_per)
        label = "promedio por {} de {}" if lang == "es" else "average per {} of {}"
        refs = tuple(
            m.__class__(m.key, label.format(word, m.label), m.unit, m.alias) for m in plan.metrics
        )
        return plan.with_changes(metrics=refs)
    if plan.average_over:
        word = _GRAIN_WORDS["es" if lang == "es" else "en"][plan.average_over]
        label = "promedio por {} de {}" if lang == "es" else "average per {} of {}"
        refs = tuple(
            m.__class__(m.key, label.format(word, m.label), m.unit, m.alias) for m in plan.metrics
        )
        return plan.with_changes(metrics=refs)
    if not plan.share:
        return plan
    label = "% de {}" if lang == "es" else "% of {}"
    refs = tuple(
        m
        if m.unit == "percent"
        else m.__class__(m.key, label.format(m.label), "percent", f"pct_{m.alias}")
        for m in plan.metrics
    )
    return plan.with_changes(metrics=refs)
