"""Fill a plan's slots from the mentions: base table, dimensions, filters, time, order, comparison.

`read_parts` reads what the question itself says into `Parts`; `fresh_plan` turns Parts into a
QueryPlan, and `followup_plan` lays them over the previous plan ("¿y en 2024?", "now by channel",
"solo Online", "and only the top 3").

The stages' helpers live beside it (split by /work/tools/split_planner.py): `plan_metrics`
(implied metrics, what a count counts), `plan_listing` (`_read_listing`), `plan_groups`
(`_read_dimensions`, `_read_comparison`, `_add_dim`), `plan_extremes` (the row with an extreme,
`row_with_extreme`), `plan_order` (`_read_order`), `plan_leftovers` (`_read_leftovers`), and
`plan_common` (small tests they share). This module keeps `read_parts` (the stage order and the
rules between stages) and `_plan` (a fresh or a follow-up plan).
"""

from __future__ import annotations

from dataclasses import replace

from ..plan import ColumnRef, Filter, QueryPlan
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
    Clarify,
    Context,
    Unclear,
    is_value,
    join_split_names,
    pair_qualifiers,
    resolve_column_of_rows,
    resolve_label_words,
    resolve_weak_values,
)
from .parser_metrics import MetricSlot, collect_metrics
from .parts import NeedsFact, Parts
from .plan_common import _fans_out, _properties_said, _to_parent
from .plan_extremes import _extreme_row, _of_the_extreme_row, _superlative_row, row_with_extreme
from .plan_groups import _read_comparison, _read_dimensions
from .plan_leftovers import _read_leftovers
from .plan_listing import _columns_of_said_rows, _listing_subject, _read_listing, _rows_standing_for
from .plan_metrics import (
    _count_via_fact,
    _count_via_link,
    _countd_key,
    _counted_in_own_column,
    _counts_rows_of,
    _dedupe_metrics,
    _drop_metrics,
    _implied_metrics,
    _plain_count_table,
    _row_noun_slots,
)
from .plan_order import _read_order
from .scan import compound_heads, scan
from .semantic import CATEGORY_VALUES, SemanticModel
from .shown import names_its_columns

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
