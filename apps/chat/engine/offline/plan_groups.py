"""Dimensions (the plan's groups) and comparisons: `_read_dimensions`, `_read_comparison`.

"por región y canal", "for each", "cada mes", "(the maximum) for (all the) different
cylinders", "by" after a participle ("made by"), a trailing "each" that refers back; `_add_dim`
adds a group (the other stages call it too). Called by `planner.read_parts`.
"""

from __future__ import annotations

from datachat import text as tx

from ..plan import ColumnRef, Comparison, Filter, Order
from . import lexicon as lx
from . import measures as ms
from .parser import (
    Clarify,
    Context,
    Unclear,
    column_kind,
    distinct_numbers,
    each_group,
    is_value,
    named_identifier,
    pick_column,
    pick_numeric,
    schema_mention,
)
from .parser_metrics import MetricSlot
from .parts import Parts
from .plan_common import _best_columns, _dim_capable, _measure_only, _sortable, _sorted_by_value
from .scan import Mention


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
