"""The metrics a question says: `collect_metrics` (`MetricSlot`s) and their aggregates.

Catalog metrics and counts ("cuántos clientes", "the number of different A and B"), the number
of an entity whose rows are lines of the fact table (`header_count`), the metric a generic
business word means (`concept_key`), "active customers", aggregate words over a column ("precio
promedio", "maximum and minimum price": `_apply_aggregates`, `_aggregate_chains`). Split out of
`parser.py`, whose context and predicates it uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import lexicon as lx
from . import measures as ms
from .parser import (
    SOFT_TOTAL,
    Clarify,
    Context,
    Unclear,
    _group_subject,
    column_kind,
    distinct_numbers,
    each_group,
    is_value,
    pick_numeric,
    schema_mention,
    soft_total,
)
from .scan import Mention
from .semantic import SYNONYM, SemanticModel

# --- metrics --------------------------------------------------------------------------------


@dataclass
class MetricSlot:
    key: str
    mention: int | None  # where it was said (None: implied by a verb or a default)
    implied: bool = False  # from a verb or the fact table's noun, not a metric's name


def _two_counted_columns(ctx: Context, j: int) -> list[tuple[int, tuple[str, str]]] | None:
    """ "the number of different A and B": two text columns of one table joined by "and",
    each counted on its own (never the first counted per value of the second); None unless
    exactly one table has both."""
    k = j + 2
    if (
        k >= len(ctx.mentions)
        or ctx.mentions[j + 1].kind != "conj"
        or lx.fold(ctx.mentions[j + 1].text) not in lx.LIST_JOINERS
        or schema_mention(ctx, k) is None
        or is_value(ctx, k)
        or k in ctx.used
    ):
        return None
    first = {e.ref[0]: e.ref for e in ctx.mentions[j].of("column") if column_kind(ctx, e) == "text"}
    second = {
        e.ref[0]: e.ref for e in ctx.mentions[k].of("column") if column_kind(ctx, e) == "text"
    }
    common = set(first) & set(second)
    if len(common) != 1:
        return None
    table = common.pop()
    return [(j, first[table]), (k, second[table])]


def collect_metrics(ctx: Context) -> tuple[list[MetricSlot], int | None, int | None]:
    """Metrics in question order, plus the mention of a counted table ("cuántos clientes")
    and of a distinct-counted column ("cuántas ciudades")."""
    model = ctx.model
    slots: list[MetricSlot] = []
    counted_table: int | None = None
    counted_column: int | None = None
    _active_entities(ctx, slots)
    for i, m in enumerate(ctx.mentions):
        total_of_entity = (
            soft_total(ctx, i)
            and schema_mention(ctx, i + 1) is not None
            and _entity_table(ctx, i + 1) is not None
            # "la población total de las ciudades": the total of the measure said before it
            and not (i > 0 and _measurable(ctx, i - 1, []))
        )
        if total_of_entity:  # "total de clientes": how many
            slots.append(MetricSlot(ms.count_key(model, _entity_table(ctx, i + 1)), i + 1))
            ctx.used.update({i, i + 1})
            continue
        if m.kind != "count" or _group_subject(ctx, i) or distinct_numbers(ctx, i):
            continue  # "for each/different number of cylinders": grouped by it (planner)
        if i > 0 and each_group(ctx, i - 1):
            continue  # "for each number of cylinders": every value of the column, no count
        j = i + 1
        while j < len(ctx.mentions) and (soft_total(ctx, j) or j in ctx.flags):
            j += 1  # "número total de unidades", "how many active customers"
        distinct = j < len(ctx.mentions) and ctx.mentions[j].kind == "distinct"
        if distinct:
            j += 1
        if distinct and j in ctx.qualifiers and ctx.column_table.get(j + 1) is not None:
            j += 1  # "the number of different film ratings": the column the table qualifies
        while (
            j + 1 < len(ctx.mentions)
            and schema_mention(ctx, j) is not None
            and is_value(ctx, j)
            and schema_mention(ctx, j + 1) is not None
            and not is_value(ctx, j + 1)
        ):
            j += 1  # "how many official languages": the value filters what is counted
        if j < len(ctx.mentions) and ctx.mentions[j].kind == "concept":
            if ctx.mentions[j].value in ("orders", "revenue"):  # "how many sales/orders"
                slots.append(MetricSlot(header_count(ctx, j) or ms.fact_count_key(model), j))
                ctx.used.add(j)
            elif ctx.mentions[j].value == "units" and ms.units_key(model):  # "how many units"
                slots.append(MetricSlot(ms.units_key(model), j))
                ctx.used.add(j)
            continue
        if schema_mention(ctx, j) is None or j in ctx.used:
            continue
        target = ctx.mentions[j]
        used_key = _key_used_by(ctx, j)
        if used_key is not None:  # "how many languages are in these films": the ones used
            slots.append(MetricSlot(f"countd:{used_key[0]}.{used_key[1]}", j))
            ctx.used.add(j)
            continue
        # "the number of distinct languages", where a steward also gave the table of languages
        # spoken the word: the column named as well (or better) has the distinct values
        column_first = distinct and _column_named_better(target)
        if (
            target.has("table")
            and not column_first
            and (not target.has("metric") or _count_prefers_table(target))
        ):
            table = max(target.of("table"), key=lambda e: e.quality).ref[0]
            used_by = _referencing_said(ctx, j, table) if distinct else None
            if used_by is None and distinct:  # "the number of distinct languages": the value
                used_by = _link_value_column(ctx, target, table)
            if used_by is not None:  # "the number of different languages of the films"
                slots.append(MetricSlot(f"countd:{used_by[0]}.{used_by[1]}", j))
                ctx.used.add(j)
                continue
            slots.append(MetricSlot(ms.count_key(model, table), j))
            ctx.used.add(j)
            counted_table = j if table != model.fact else None
        elif target.has("metric"):
            continue
        elif target.has("column") and not is_value(ctx, j):
            if _identifier_number(ctx, i, j):  # "el número de teléfono": the column itself
                ctx.used.add(i)
                continue
            numeric = [e for e in target.of("column") if column_kind(ctx, e) == "number"]
            if numeric and not any(column_kind(ctx, e) == "text" for e in target.of("column")):
                table, column = pick_numeric(ctx, j, numeric)  # "how many units": a sum
                slots.append(MetricSlot(ms.column_metric_key(model, table, column, "sum"), j))
            elif distinct and (pair := _two_counted_columns(ctx, j)):
                # "the number of different series names and contents": each one counted
                slots.extend(MetricSlot(f"countd:{t}.{c}", k) for k, (t, c) in pair)
                ctx.used.update({j, j + 1, j + 2})
                continue
            else:
                counted_column = j
            ctx.used.add(j)
    for i, m in enumerate(ctx.mentions):
        if m.kind == "concept" and i not in ctx.used:
            if m.value in ("revenue", "aov") and not ms.has_money(model):
                # "total sales" on a schema with no amount: what to add up is not known (a
                # count of rows would be another question): ask, naming the word
                raise Unclear(Clarify.NO_METRIC, m.text)
            key = header_count(ctx, i) or concept_key(model, str(m.value))
            if key is not None:
                slots.append(MetricSlot(key, i))
                ctx.used.add(i)
            continue
        if m.kind != "schema" or i in ctx.used or i in ctx.qualifiers:
            continue
        metric_entries = m.of("metric")
        if not metric_entries:
            continue
        best = max(metric_entries, key=lambda e: e.quality)
        others = [e for e in m.entries if e.kind != "metric" and e.quality > best.quality]
        if others and not (m.has("table") and ctx.model.fact in {e.ref[0] for e in m.of("table")}):
            continue
        slots.append(MetricSlot(best.ref[0], i))
        ctx.used.add(i)
        if best.quality < SYNONYM:
            ctx.guesses += 1
            ctx.weak.add("metric_partial")
    _apply_aggregates(ctx, slots)
    slots.sort(key=lambda s: (s.mention is None, s.mention or 0))
    return slots, counted_table, counted_column


def _column_named_better(m) -> bool:  # noqa: ANN001
    """Whether a mention names a column of one of its tables at least as well as the table."""
    tables = m.of("table")
    if not tables:
        return False
    best = max(e.quality for e in tables)
    names = {e.ref[0] for e in tables}
    return any(e.ref[0] in names and e.quality >= best for e in m.of("column"))


def _identifier_number(ctx: Context, i: int, j: int) -> bool:
    """ "el número de teléfono", "número de serie": "número de" before one singular text
    column (no table, nothing between) names that column, an identifier; a count says its
    rows in the plural ("el número de pedidos") or asks "cuántos"."""
    words = tuple(t.norm for t in ctx.tokens[ctx.mentions[i].start : ctx.mentions[i].end])
    target = ctx.mentions[j]
    return (
        words in (("numero", "de"), ("numero", "del"))
        and j == i + 1
        and not target.plural
        and not target.has("table")
        and all(column_kind(ctx, e) == "text" for e in target.of("column"))
    )


def _link_value_column(ctx: Context, target: Mention, table: str) -> tuple[str, str] | None:
    """The text key column a counted link table is named by ("distinct languages" of
    `countrylanguage(CountryCode, Language)`): one row per pair, so its different values are
    counted, never its rows. None for a table with a key of its own (a row is one entity)."""
    info = ctx.model.catalog.table(table)
    if info is None or sum(c.primary_key for c in info.columns) < 2:  # noqa: PLR2004
        return None
    for e in target.of("column"):
        col = info.column(e.ref[1]) if e.ref[0] == table else None
        if col is not None and col.primary_key and column_kind(ctx, e) == "text":
            return e.ref
    return None


def _key_used_by(ctx: Context, j: int) -> tuple[str, str] | None:
    """A counted table named with another table that references it ("how many languages are in
    these films", "cuántas categorías tienen los productos"): the other table's foreign key,
    whose distinct values are the ones in use, not every row of the counted table. The other
    table qualifies the counted word, or is the next thing named."""
    m = ctx.mentions[j]
    if not m.has("table") or m.has("metric") or is_value(ctx, j):
        return None
    counted = max(m.of("table"), key=lambda e: e.quality).ref[0]
    owners = []
    if j in ctx.column_table:
        owners.append((ctx.column_table[j], None))
    k = j + 1
    if k < len(ctx.mentions) and ctx.mentions[k].kind == "exist":
        k += 1  # "cuántos idiomas hay en estas películas"
    after = schema_mention(ctx, k)
    if after is not None and after.has("table") and k not in ctx.used and not is_value(ctx, k):
        owners.append((max(after.of("table"), key=lambda e: e.quality).ref[0], k))
    for owner, at in owners:
        step = ctx.model.path(owner, counted)
        if step and len(step) == 1 and step[0][0] == owner and step[0][2] == counted:
            if at is not None:
                ctx.used.add(at)
                ctx.consumed.add(at)  # named only to say whose keys are counted
            return owner, step[0][1]
    return None


def _active_entities(ctx: Context, slots: list[MetricSlot]) -> None:
    """ "clientes activos" / "active customers": COUNT(DISTINCT fact.fk) of that entity, when
    the catalog defines no such metric (a catalog metric phrase is matched first)."""
    model = ctx.model
    for i, m in enumerate(ctx.mentions):
        if i in ctx.used or m.kind != "schema" or not m.has("table") or m.has("metric"):
            continue
        for j in (i + 1, i - 1):
            other = ctx.mentions[j] if 0 <= j < len(ctx.mentions) else None
            if other is None or j in ctx.used or lx.fold(other.text) not in lx.ACTIVE_WORDS:
                continue
            table = max(m.of("table"), key=lambda e: e.quality).ref[0]
            if any(e.ref[0] == table for e in (*other.of("column"), *other.of("value"))):
                continue  # "productos activos": the table's own flag column (see planner)
            path = model.path(model.fact, table)
            if table == model.fact or not path or len(path) != 1 or path[0][0] != model.fact:
                continue
            slots.append(MetricSlot(f"countd:{model.fact}.{path[0][1]}", i))
            ctx.used.update({i, j})
            ctx.consumed.add(j)  # "activos" is the COUNT(DISTINCT), no column of its own
            break


def _referencing_said(ctx: Context, j: int, table: str) -> tuple[str, str] | None:
    """(table, foreign key) of another table the question names that refers to `table`
    directly: the different rows of `table` it uses are its distinct keys. Another table that
    does not refer to it directly makes the count unclear (asked back)."""
    others = {
        e.ref[0]
        for k, m in enumerate(ctx.mentions)
        if k != j and m.kind == "schema" and not is_value(ctx, k)
        for e in m.of("table")
        if e.ref[0] != table
    }
    found = []
    for other in sorted(others):
        step = ctx.model.path(other, table)
        if step and len(step) == 1 and step[0][0] == other:
            found.append((other, step[0][1]))
    if others and len(found) != 1:
        raise Unclear(Clarify.COUNT_WHAT, ctx.mentions[j].text)
    return found[0] if found else None


def header_count(ctx: Context, i: int) -> str | None:
    """ "number of orders", "número de pedidos" where the fact rows are an order's lines: the
    orders are a table of their own (named by the concept's noun, one row per order, which the
    line rows refer to), so its rows are counted, not the lines."""
    model, m = ctx.model, ctx.mentions[i]
    if m.value != "orders" or not model.fact:
        return None
    lang = ctx.tokens[m.end - 1].lang if m.end else ctx.lang
    noun = ctx.tokens[m.end - 1].norm if m.end else ""
    entries = model.lookup(lx.phrase_key(noun, lang), lang) or ()
    tables = {e.ref[0] for e in entries if e.kind == "table"} - {model.fact}
    if len(tables) != 1:
        return None
    (table,) = tables
    steps = model.path(model.fact, table)
    if not steps or len(steps) != 1 or steps[0][0] != model.fact:
        return None  # not the header the fact rows belong to
    return ms.count_key(model, table)


def concept_key(model: SemanticModel, concept: str) -> str | None:
    """The metric a generic business word means on this model (no catalog synonym needed)."""
    if concept == "revenue":
        return ms.revenue_key(model)
    if concept == "units":
        return ms.units_key(model)
    if concept == "aov":
        revenue = ms.revenue_key(model)
        return ms.retarget_agg(model, revenue, "avg") if revenue else None
    return ms.fact_count_key(model)


def _entity_table(ctx: Context, i: int) -> str | None:
    """The non-fact table a mention names first (not a value, not a metric)."""
    m = ctx.mentions[i]
    if is_value(ctx, i) or m.has("metric") or i in ctx.used:
        return None
    tables = [e for e in m.of("table") if e.ref[0] != ctx.model.fact]
    if not tables or max(e.quality for e in tables) < max(e.quality for e in m.entries):
        return None
    return max(tables, key=lambda e: e.quality).ref[0]


def _count_prefers_table(m: Mention) -> bool:
    """ "cuántas ventas": a count of rows even though "ventas" also names a metric; but
    "número de pedidos" is the catalog metric whose synonym is "pedidos"."""
    best_table = max(e.quality for e in m.of("table"))
    best_metric = max(e.quality for e in m.of("metric"))
    return best_table >= best_metric


def _aggregate_chains(ctx: Context) -> dict[int, list[int]]:
    """ "maximum and minimum price", "el máximo, el mínimo y el promedio del precio": aggregate
    words joined by "and"/"y" share the target of the last one. {last agg: earlier aggs}."""
    chains: dict[int, list[int]] = {}
    n = len(ctx.mentions)
    i = 0
    while i < n:
        if ctx.mentions[i].kind != "agg":
            i += 1
            continue
        run = [i]
        while True:  # "max, min" (the comma is no mention) or "max and min"
            k = run[-1] + 1
            if k < n and ctx.mentions[k].kind == "conj":
                k += 1
            if k >= n or ctx.mentions[k].kind != "agg":
                break
            run.append(k)
        if len(run) > 1:
            chains[run[-1]] = run[:-1]
        i = run[-1] + 1
    return chains


def _apply_aggregates(ctx: Context, slots: list[MetricSlot]) -> None:
    """ "precio promedio", "average list price", "descuento máximo", "ingreso promedio".

    An aggregate word that applies to nothing is not dropped: it is recorded in `ctx.dropped`
    and the question is asked back naming it (read_parts)."""
    model = ctx.model
    grain_said = any(m.kind == "time" and m.time.kind == "grain" for m in ctx.mentions)
    chains = _aggregate_chains(ctx)
    chained = {k for run in chains.values() for k in run}
    for i, m in enumerate(ctx.mentions):
        soft = soft_total(ctx, i) and i not in ctx.used
        if m.kind != "agg" and not soft:
            continue
        if i in chained:
            continue  # applied with the last aggregate word of its chain
        fn = "sum" if soft else str(m.value)
        made: MetricSlot | None = None
        applied = False
        targets = _agg_targets(ctx, i)
        if i in chains:  # "precio máximo y mínimo": the chain's target may come first
            targets += [t for t in _agg_targets(ctx, chains[i][0]) if t not in targets]
        for j in targets:
            if soft and not _measurable(ctx, j, slots):
                continue
            if soft:
                ctx.used.add(i)  # "total discount", "total de unidades": a sum
            slot = next((s for s in slots if s.mention == j), None)
            additive = slot is not None and ms.metric_agg(model, slot.key) in ("sum", "count")
            noun = schema_mention(ctx, j) is not None and any(
                e.ref[0] == model.fact for e in ctx.mentions[j].of("table")
            )
            if fn == "avg" and grain_said and (additive or (slot is None and noun)):
                ctx.average_over = True  # "ventas promedio por mes": the mean of monthly sums
                applied = True
                break
            if slot is not None:
                if fn == "avg" and ms.metric_agg(model, slot.key) == "sum":
                    ctx.averaged[slot.key and ms.retarget_agg(model, slot.key, fn)] = slot.key
                slot.key = ms.retarget_agg(model, slot.key, fn)
                made, applied = slot, True
                break
            target = schema_mention(ctx, j)
            if target is None:
                continue
            if j in ctx.used or is_value(ctx, j):
                continue
            numeric = [e for e in target.of("column") if column_kind(ctx, e) == "number"]
            if not numeric and fn in ("min", "max"):  # "the minimum payment date": the earliest
                numeric = [e for e in target.of("column") if column_kind(ctx, e) == "date"]
            if numeric:
                table, column = pick_numeric(ctx, j, numeric)
                made = MetricSlot(ms.column_metric_key(model, table, column, fn), j)
                slots.append(made)
                ctx.used.add(j)
                applied = True
                break
        if made is not None and i in chains:
            at = slots.index(made)
            for k in chains[i]:  # in question order, before the last one
                other = ms.retarget_agg(model, made.key, str(ctx.mentions[k].value))
                slots.insert(at, MetricSlot(other, made.mention))
                at += 1
        elif not applied and not soft:
            ctx.dropped.append(m.text)
            ctx.dropped += [ctx.mentions[k].text for k in chains.get(i, ())]


def _measurable(ctx: Context, j: int, slots: list[MetricSlot]) -> bool:
    if any(s.mention == j for s in slots):
        return True
    m = schema_mention(ctx, j)
    return (
        m is not None
        and j not in ctx.used
        and not is_value(ctx, j)
        and any(column_kind(ctx, e) == "number" for e in m.of("column"))
        and lx.fold(m.text) not in SOFT_TOTAL
    )


def _agg_targets(ctx: Context, i: int) -> list[int]:
    """Mentions an aggregate word can apply to: its neighbours, looking past a grain word
    ("average monthly revenue", "ingresos diarios promedio")."""
    found = []
    for step in (1, -1):
        j = i + step
        m = ctx.mentions[j] if 0 <= j < len(ctx.mentions) else None
        if m is not None and m.kind == "time" and m.time.kind == "grain":
            j += step
        if step == 1 and m is not None and m.kind == "count" and _number_column(ctx, j + 1):
            j += 1  # "the maximum number of final tables made": a column that is a number of …
        if 0 <= j < len(ctx.mentions):
            found.append(j)
    return found


def _number_column(ctx: Context, j: int) -> bool:
    """Mention `j` names only numeric columns (no table): "number of <it>" is the column."""
    m = schema_mention(ctx, j)
    if m is None or m.has("table") or m.has("metric") or is_value(ctx, j):
        return False
    columns = m.of("column")
    return bool(columns) and all(column_kind(ctx, e) == "number" for e in columns)
