"""Conditions a question puts on the rows: value filters, numeric comparisons, presence and
flag filters, time ranges and grains, and percentages of a total."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

from datachat import text as tx

from ..plan import (
    ColumnRef,
    Comparison,
    DatePart,
    Filter,
    HavingFilter,
    NumericFilter,
    TimeRange,
)
from . import lexicon as lx
from . import measures as ms
from .parser import (
    Clarify,
    Context,
    Unclear,
    column_kind,
    is_value,
    pick_numeric,
    pick_value,
    schema_mention,
)
from .parser_metrics import MetricSlot
from .parts import POSSESSIVES, NeedsFact, Parts
from .scan import Mention
from .semantic import PARTIAL, ColumnSem, Entry
from .timeparse import TimeSpan, month_period, quarter_period


def read_share(ctx: Context, parts: Parts) -> None:
    """Percentages of a total: per group when grouped ("participación de cada canal"), else the
    share of the rows a condition selects ("qué porcentaje de las ventas fue online")."""
    model = ctx.model
    if not parts.metrics or parts.listing or parts.comparison or parts.average_over:
        raise Unclear(Clarify.SHARE)
    if not all(ms.metric_agg(model, k) in ("sum", "count", "countd") for k in parts.metrics):
        raise Unclear(Clarify.SHARE)
    parts.share = True
    if parts.dims or parts.grain:
        parts.order = parts.order
        return
    conditions = len(parts.filters) + len(parts.numeric)
    if conditions != 1:
        raise Unclear(Clarify.SHARE)
    parts.share_of, parts.filters = parts.filters, []
    parts.share_numeric, parts.numeric = parts.numeric, []


def read_with(ctx: Context, parts: Parts) -> None:
    """ "con descuento" -> descuento > 0, "sin descuento" -> descuento = 0."""
    for i, m in enumerate(ctx.mentions):
        if m.kind not in ("with", "without"):
            continue
        j = i + 1
        target = schema_mention(ctx, j)
        if target is None or j in ctx.used or target.has("metric"):
            continue
        if j + 1 < len(ctx.mentions) and ctx.mentions[j + 1].kind in ("cmp", "cmpavg"):
            continue  # "con precio mayor a 300", "with a weight below the average": compared
        if j in ctx.year_named:
            continue  # "with an independence year after 1950": the time compares it
        numeric = [e for e in target.of("column") if column_kind(ctx, e) == "number"]
        between = {t.norm for t in ctx.tokens[m.end : target.start]}
        if not numeric or between & POSSESSIVES:
            continue  # "with their list price": a column to show, not a condition
        table, column = pick_numeric(ctx, j, numeric)
        if parts.listing_table == table and not parts.metrics:
            continue
        if ctx.model.path(parts.base, table) is None:
            continue
        op = ">" if m.kind == "with" else "="
        parts.numeric.append(NumericFilter(table, column, op, 0.0))
        ctx.used.update({i, j})


def read_number_of(ctx: Context, parts: Parts) -> None:
    """ "cars with 4 cylinders", "los coches de 8 cilindros": a bare number right before a
    numeric column (not a metric, not a table) is that column's value."""
    for k, m in enumerate(ctx.mentions[:-1]):
        if m.kind != "number" or k in ctx.used or m.value[1]:
            continue
        if k > 0 and ctx.mentions[k - 1].kind in ("cmp", "rank"):
            continue
        target = schema_mention(ctx, k + 1)
        if target is None or k + 1 in ctx.used or target.has("metric") or target.has("table"):
            continue
        numeric = [e for e in target.of("column") if column_kind(ctx, e) == "number"]
        if not numeric or len(numeric) != len(target.entries):
            continue
        table, column = pick_numeric(ctx, k + 1, numeric)
        if table != parts.base and ctx.model.path(parts.base, table) is None:
            continue
        parts.numeric.append(NumericFilter(table, column, "=", float(m.value[0])))
        ctx.used.update({k, k + 1})
    for k, m in enumerate(ctx.mentions[1:], start=1):
        _read_column_of_number(ctx, parts, k, m)
    for k, m in enumerate(ctx.mentions[1:], start=1):
        _read_column_then_number(ctx, parts, k, m)
        _read_row_by_key(ctx, parts, k, m)


_OF = lx.words("of de del")
# Before a column said as a place its values are ("in grade 10", "en el curso 3").
_IN = lx.words("in en")
_THE = lx.words("the el la los las")


def _numbers_from(ctx: Context, k: int) -> list[int] | None:
    """The bare numbers from mention k on, joined by "or" ("9 or 10"), ending the phrase
    (nothing after them that they could count or be: a column, a table, a time); None else."""
    found = [k]
    while (
        found[-1] + 2 < len(ctx.mentions)
        and ctx.mentions[found[-1] + 1].kind == "conj"
        and ctx.tokens[ctx.mentions[found[-1] + 1].start].norm in lx.OR_WORDS
        and ctx.mentions[found[-1] + 2].kind == "number"
    ):
        found.append(found[-1] + 2)
    for j in found:
        m = ctx.mentions[j]
        if j in ctx.used or m.value[1]:
            return None
    after = found[-1] + 1
    if after < len(ctx.mentions) and ctx.mentions[after].kind in ("schema", "time", "number"):
        return None
    return found


def _read_row_by_key(ctx: Context, parts: Parts, k: int, m: Mention) -> None:
    """ "the address of store 1", "how many items does store 1 have": a table said in the
    singular, then a bare whole number ending the phrase, is the row whose one-column key is
    that number."""
    if m.kind != "number" or k in ctx.used or m.value[1]:
        return
    target = schema_mention(ctx, k - 1)
    if target is None or target.plural or ctx.tokens[target.end : m.start]:
        return
    if any(e.kind != "table" for e in target.entries):
        return
    tables = {e.ref[0] for e in target.of("table")}
    if len(tables) != 1 or (k > 1 and ctx.mentions[k - 2].kind in ("number", "rank")):
        return
    if _numbers_from(ctx, k) != [k]:
        return
    (table,) = tables
    info = ctx.model.tables[table]
    value = float(m.value[0])
    if len(info.key) != 1 or value != int(value):
        return
    key = ctx.model.column(table, info.key[0])
    if key is None or key.kind != "id" or key.values:
        return  # a key of codes ('PPT') is no number
    if table != parts.base and ctx.model.path(parts.base, table) is None:
        return
    parts.numeric.append(NumericFilter(table, info.key[0], "=", value))
    ctx.used.update({k - 1, k})


def _read_column_then_number(ctx: Context, parts: Parts, k: int, m: Mention) -> None:
    """ "high schoolers in grade 10", "in grades 9 or 10", "los alumnos en el curso 3": a
    numeric column said as the place its rows are (after "in"), then a bare number (or
    several joined by "or") ending the phrase, is that column's value (one of them)."""
    if m.kind != "number" or k in ctx.used or k - 1 in ctx.used:
        return
    target = schema_mention(ctx, k - 1)
    if target is None or target.has("metric") or target.has("table") or target.has("value"):
        return
    if ctx.tokens[target.end : m.start]:
        return  # the number right after the column's name
    before = target.start - 1
    while before >= 0 and ctx.tokens[before].norm in _THE:
        before -= 1
    if before < 0 or ctx.tokens[before].norm not in _IN:
        return
    found = _numbers_from(ctx, k)
    if found is None:
        return
    values = [float(ctx.mentions[j].value[0]) for j in found]
    if any(v != int(v) or 1000 <= v <= 2999 for v in values):
        return  # a year is a time ("in year 2015"): left to the time rules
    said = _numeric_column_said(ctx, parts, target, k - 1)
    if said is None:
        return
    for value in values:
        parts.numeric.append(NumericFilter(*said, "=", value))
    ctx.used.update({k - 1, *found, *(j - 1 for j in found[1:])})


def _numeric_column_said(
    ctx: Context, parts: Parts, target: Mention, j: int
) -> tuple[str, str] | None:
    """The numeric column a mention (at j) names, when it names only numeric columns and the
    base rows reach its table; None otherwise."""
    numeric = [e for e in target.of("column") if column_kind(ctx, e) == "number"]
    if not numeric or len(numeric) != len(target.entries):
        return None
    table, column = pick_numeric(ctx, j, numeric)
    if table != parts.base and ctx.model.path(parts.base, table) is None:
        return None
    return table, column


def _read_column_of_number(ctx: Context, parts: Parts, k: int, m: Mention) -> None:
    """ "a population of 80000", "a rental rate of 0.99", "una población de 80000": a numeric
    column, "of", then a bare number that ends the phrase (nothing it counts after it) is that
    column's value. A year ("population of 2000") may be a time: left to the time rules."""
    if m.kind != "number" or k in ctx.used or k - 1 in ctx.used or m.value[1]:
        return
    value = float(m.value[0])
    if value == int(value) and 1000 <= value <= 2999:
        return
    target = schema_mention(ctx, k - 1)
    if target is None or target.has("metric") or target.has("table") or target.has("value"):
        return
    between = [t.norm for t in ctx.tokens[target.end : m.start]]
    if len(between) != 1 or between[0] not in _OF:
        return
    after = ctx.mentions[k + 1] if k + 1 < len(ctx.mentions) else None
    if after is not None and after.kind in ("schema", "time"):
        return  # "the population of 3 countries", "la población de 2 ciudades"
    said = _numeric_column_said(ctx, parts, target, k - 1)
    if said is None:
        return
    parts.numeric.append(NumericFilter(*said, "=", value))
    ctx.used.update({k - 1, k})


def _negated(ctx: Context, i: int) -> bool:
    j = i - 1
    while j >= 0:
        m = ctx.mentions[j]
        if m.kind == "neg" or m.kind == "without" and j == i - 1:
            ctx.used.add(j)
            return True
        if m.kind == "exist" and _not_having_own(ctx, j, i):
            ctx.used.update({j - 1, j})  # "conductors that do not have the nationality USA"
            return True
        if j in ctx.qualifiers or m.kind == "conj" or is_value(ctx, j):
            j -= 1
            continue
        return False
    return False


def _not_having_own(ctx: Context, j: int, i: int) -> bool:
    """ "<rows> that do not have the <column> <value>": a negation and "have" (at j) right after
    a table, then the value's own column of that very table, then the value (at i): the rows'
    one value is not it. "students who do not have a cat" (a value of related rows: NOT EXISTS,
    or ask) is not this."""
    if j < 2 or i != j + 2 or ctx.mentions[j - 1].kind != "neg":
        return False
    rows, column = ctx.mentions[j - 2], ctx.mentions[j + 1]
    if rows.kind != "schema" or column.kind != "schema" or column.has("value"):
        return False
    tables = {e.ref[0] for e in rows.of("table")}
    said = {e.ref for e in column.of("column")}
    values = {e.ref[:2] for e in ctx.mentions[i].of("value")}
    return any(ref in said and ref[0] in tables for ref in values)


def read_values(ctx: Context, parts: Parts) -> None:
    grouped: dict[tuple[str, str, bool], list[str]] = {}
    order: list[tuple[str, str, bool]] = []
    said: list[tuple[int, tuple[str, str]]] = []  # (mention, its column)
    for i, m in enumerate(ctx.mentions):
        if m.kind != "schema" or i in ctx.used or not is_value(ctx, i):
            continue
        picked = pick_value(ctx, i, parts.base)
        if picked is None:
            if parts.base != ctx.model.fact:
                raise NeedsFact
            raise Unclear(Clarify.VALUE_UNREACHABLE, m.text)
        table, column, value = picked
        key = (table, column, _negated(ctx, i))
        if key not in grouped:
            grouped[key] = []
            order.append(key)
        if value not in grouped[key]:
            grouped[key].append(value)
        ctx.used.add(i)
        said.append((i, (table, column)))
    either = _or_between_columns(ctx, said)
    if either is not None:  # "students from Lyon or in the Physics department": no OR of filters
        raise Unclear(Clarify.OR_CONDITIONS, either)
    for table, column, negated in order:
        values = tuple(grouped[(table, column, negated)])
        ops = ("!=", "not in") if negated else ("=", "in")
        op = ops[0] if len(values) == 1 else ops[1]
        parts.filters.append(Filter(table, column, op, values))


def _or_between_columns(ctx: Context, said: list[tuple[int, tuple[str, str]]]) -> str | None:
    """The "or"/"o" between two values of different columns ("from Lyon or in the Physics
    department"), or None. Values of one column joined by "or" are one filter (IN); of two
    columns the plan would AND them."""
    for (i, column), (j, other) in zip(said, said[1:], strict=False):
        if column == other:
            continue
        for m in ctx.mentions[i + 1 : j]:
            if m.kind == "conj" and lx.fold(m.text) in lx.OR_WORDS:
                return m.text
    return None


def _cmp_number(ctx: Context, k: int) -> tuple[float, bool] | None:
    if k + 1 < len(ctx.mentions) and ctx.mentions[k + 1].kind == "number":
        ctx.used.add(k + 1)
        return ctx.mentions[k + 1].value
    return None


def read_numeric(
    ctx: Context, parts: Parts, slots: list[MetricSlot]
) -> tuple[list[tuple], set[int]]:
    """ "mayores a 1000", "> 500", "con precio de lista mayor a 300", "ingresos superiores a X",
    "con más de 500 pedidos". Column targets apply now; metric targets wait for the dimensions
    (HAVING when grouped, a row filter otherwise) and are returned."""
    slot_at = {s.mention: n for n, s in enumerate(slots) if s.mention is not None}
    pending: list[tuple] = []
    row_nouns: set[int] = set()
    last: tuple[int, tuple] | None = None  # the number of the previous comparison, its target
    for k, m in enumerate(ctx.mentions):
        if m.kind == "cmpavg":
            # "an age above the average or an advisor in Physics": no OR of filters either
            either = _or_before(ctx, k) or _or_value_after(ctx, k)
            if either is not None:
                raise Unclear(Clarify.OR_CONDITIONS, either)
            _above_average(ctx, parts, k, str(m.value))
            continue
        if m.kind != "cmp" or k in ctx.used:  # used: a flag's yes (_said_equal)
            continue
        number = _cmp_number(ctx, k)
        if number is None:
            raise Unclear(Clarify.NUMERIC_FILTER, m.text)
        either = _or_before(ctx, k) or _or_value_after(ctx, k)
        if either is not None:  # "made by GM or weighing more than 3500": no OR of filters
            raise Unclear(Clarify.OR_CONDITIONS, either)
        value, percent = number
        op = str(m.value)
        target = None
        after = _measure_after_number(ctx, k + 2, slot_at)
        if after is not None:  # "con más de 500 pedidos": the metric follows the number
            target = ("having", slot_at[after])
            said = {t.norm for t in ctx.tokens[ctx.mentions[after].start : ctx.mentions[after].end]}
            if said <= lx.ROW_NOUNS and parts.metrics:
                # "at least 400 sales": a number of rows, whatever "sales" alone would measure
                n, count = slot_at[k + 2], ms.fact_count_key(ctx.model)
                implied = parts.metrics[n]
                for other, slot in enumerate(slots):  # the same noun, implied twice
                    if other == n or (parts.metrics[other] == implied and slot.implied):
                        slot.key = parts.metrics[other] = count
        if target is None and last is not None and _joined(ctx, last[0], k):
            target = last[1]  # "at least 3000 and at most 4000": the same column twice
        either_of = None
        if target is None and last is not None and _joined(ctx, last[0], k, lx.OR_WORDS):
            # "population bigger than 1500 or smaller than 500": either range of one column
            if last[1][0] != "column" or not parts.numeric or parts.numeric[-1].alternative:
                raise Unclear(Clarify.NUMERIC_FILTER, m.text)
            second = schema_mention(ctx, k + 2)
            if second is not None and second.has("column"):
                # "a sprint above 110 or more than 150 endurance": the second range is another
                # column's, said after its number; the plan cannot OR two columns
                raise Unclear(Clarify.OR_CONDITIONS, ctx.mentions[last[0] + 1].text)
            target, either_of = last[1], len(parts.numeric) - 1
        ahead = schema_mention(ctx, k + 2)
        if target is None and ahead is not None and k + 2 not in ctx.used:
            numeric = [e for e in ahead.of("column") if column_kind(ctx, e) == "number"]
            if numeric and _counts_a_table(ahead, numeric):
                # "journalists that reported more than one event": a number of rows of the
                # table the noun names, not its column that shares only a word with it
                raise Unclear(Clarify.NUMERIC_FILTER, ahead.text)
            if numeric and not ahead.has("metric"):  # "orders with more than 5 units"
                target = ("column", pick_numeric(ctx, k + 2, numeric))
                ctx.used.add(k + 2)
        for j in range(k - 1, -1, -1):
            if target is not None:
                break
            a = ctx.mentions[j]
            if a.kind == "number" and j in ctx.used:
                break  # "a rental rate of 0.99 and an inventory of below 3": that column is taken
            if j in slot_at:
                count = ms.metric_agg(ctx.model, slots[slot_at[j]].key) in ("count", "countd")
                # "revenue from sales over 1000": beside another metric, "sales" names the rows
                words = {t.norm for t in ctx.tokens[a.start : a.end]}
                count = count or (len(slots) > 1 and words <= lx.ROW_NOUNS)
                target = ("rows", None) if count else ("metric", slot_at[j])
                if count and j == k - 1:
                    row_nouns.add(slot_at[j])
                break
            if a.kind == "schema" and any(column_kind(ctx, e) == "number" for e in a.of("column")):
                numeric = [e for e in a.of("column") if column_kind(ctx, e) == "number"]
                target = ("column", pick_numeric(ctx, j, numeric))
                ctx.used.add(j)
                break
            if a.kind == "count":
                target = ("rows", None)
                break
            if a.kind == "schema" and j == k - 1 and ctx.tokens[a.end - 1].norm in lx.ROW_NOUNS:
                # "revenue by region for orders above 2000", "por canal de las ventas mayores
                # a 1500": the rows are compared, not a total
                target = ("rows", None)
                if {t.norm for t in ctx.tokens[a.start : a.end]} <= lx.ROW_NOUNS:
                    ctx.used.add(j)  # the bare noun says nothing more
                break
            if a.kind == "price_verb":
                price = _price_column(ctx, parts.base)
                if price is None:
                    raise Unclear(Clarify.NUMERIC_FILTER, a.text)
                target = ("column", price)
                break
            if a.kind in ("with", "conj", "most", "least", "schema") or j in ctx.used:
                continue
            break
        if target is None:
            target = ("metric", 0) if parts.metrics else ("rows", None)
            if target[0] == "metric":
                _counted_after(ctx, parts.metrics[0], k + 2)
        last = (k + 1, target)
        if target[0] in ("metric", "having"):
            pending.append((target, op, value, percent))
        else:
            apply_numeric(ctx, parts, target, op, value, percent)
        if either_of is not None:
            first, second = parts.numeric[either_of], parts.numeric[-1]
            if (first.table, first.column) != (second.table, second.column) or first.op == "=":
                raise Unclear(Clarify.NUMERIC_FILTER, m.text)
            parts.numeric[either_of] = replace(first, alternative=True)
            parts.numeric[-1] = replace(second, alternative=True)
    return pending, row_nouns


def _measure_after_number(ctx: Context, j: int, slot_at: dict[int, int]) -> int | None:
    """The metric slot said right after a compared number: "more than 500 orders" (j itself),
    or after the words "total" / "number of" that only say it is an amount ("more than 5000
    total number of horses": the horses' total, the column named there, never the measure said
    before the comparison)."""
    k = j
    while (
        k < len(ctx.mentions)
        and k not in slot_at
        and (
            (ctx.mentions[k].kind == "agg" and ctx.mentions[k].value == "sum")
            or ctx.mentions[k].kind == "count"
        )
        and k + 1 < len(ctx.mentions)
        and ctx.mentions[k + 1].start == ctx.mentions[k].end
    ):
        k += 1
    return k if k in slot_at else None


def _counts_a_table(m: Mention, numeric: list[Entry]) -> bool:
    """Whether the noun after a compared number names a table as itself and its numeric columns
    only by one word of their names ("more than one event": `event`, not `event_attendance`)."""
    tables = [e.quality for e in m.of("table")]
    return bool(tables) and all(e.quality == PARTIAL for e in numeric) and max(tables) > PARTIAL


def _or_before(ctx: Context, k: int) -> str | None:
    """The "or"/"o" that joins the comparison at k to another condition ("General Motors o
    pesan más de 3500", "or weighing more than 3500"), or None. Filters are ANDed: reading it
    as one more condition answers another question. "3 o más" is one number's range."""
    for j in (k - 1, k - 2, k - 3):
        if j < 1:
            return None
        m = ctx.mentions[j]
        if m.kind == "conj" and lx.fold(m.text) in lx.OR_WORDS:
            if j == k - 1 and ctx.mentions[j - 1].kind == "number":
                return None
            # "snatch higher than 140 or (have) the height greater than 200": a column said
            # after the "or" is a second condition, whatever stood before it
            return m.text
        if m.kind not in ("schema", "exist", "with"):  # "or have a price below 10"
            return None
    return None


def _or_value_after(ctx: Context, k: int) -> str | None:
    """The "or"/"o" after the comparison at k's number that joins it to a value of a column
    ("a sprint above 110 or are from Oakville", "… o son de Oakville", "older than 23 or whose
    advisor's department is Physics": other columns' words may come first; "an age above the
    average or …", the comparison with the average at k its own end), or None: the plan ANDs
    its filters, so either condition would be read as both."""
    n = k if ctx.mentions[k].kind == "cmpavg" else k + 1
    if n >= len(ctx.mentions) or ctx.mentions[n].kind not in ("number", "cmpavg"):
        return None
    for j in range(n + 1, min(n + 4, len(ctx.mentions) - 1)):
        m = ctx.mentions[j]
        if m.kind == "conj" and lx.fold(m.text) in lx.OR_WORDS:
            for x in ctx.mentions[j + 1 :]:  # "… or whose advisor's department is Physics"
                if x.kind == "schema" and x.has("value"):
                    return m.text
                if x.kind not in ("exist", "with", "schema"):
                    return None
            return None
        if m.kind not in ("schema",):  # "above 110 points or …": the number's unit
            return None
    return None


def _joined(
    ctx: Context, number: int, k: int, words: frozenset[str] = frozenset({"and", "y"})
) -> bool:
    """Whether only "and"/"y" (or the `words` given) stands between a comparison's number and
    the comparison at k."""
    between = ctx.mentions[number + 1 : k]
    return len(between) == 1 and between[0].kind == "conj" and lx.fold(between[0].text) in words


_COPULA = lx.words("is are was were es son era eran")


def _above_average(ctx: Context, parts: Parts, k: int, op: str) -> None:
    """ "productos con precio de lista por encima del promedio", "films longer than average":
    the numeric column named before (or after) compared with its own mean. A measure of groups
    above the groups' average is not done: asked back."""
    before = k - 1
    if before > 0 and ctx.mentions[before].text.lower() in _COPULA:
        before -= 1  # "whose population is above the average": "is" may scan as a value ('IS')
    for j in (before, k + 1, before - 1):
        a = schema_mention(ctx, j)
        if a is None:
            continue
        numeric = [e for e in a.of("column") if column_kind(ctx, e) == "number"]
        if not numeric or a.has("metric") and parts.dims:
            continue
        table, column = pick_numeric(ctx, j, numeric)
        if ctx.model.path(parts.base, table) is None and table != parts.base:
            continue
        ctx.used.add(j)
        ctx.consumed.add(j)
        after = schema_mention(ctx, k + 1)
        same = after is not None and any(e.ref == (table, column) for e in after.entries)
        if j != k + 1 and same:
            ctx.used.add(k + 1)  # "weight below the average weight": the mean of that column
            ctx.consumed.add(k + 1)
        parts.numeric.append(NumericFilter(table, column, op, 0.0, average=True))
        if parts.listing_table == table:
            ref = ColumnRef(table, column)
            if ref not in parts.listing:
                parts.listing.append(ref)
        return
    raise Unclear(Clarify.UNUSED_WORD, ctx.mentions[k].text)


def _price_column(ctx: Context, table: str) -> tuple[str, str] | None:
    info = ctx.model.tables.get(table)
    for name in info.columns if info else ():
        col = ctx.model.column(table, name)
        if col.kind == "number" and any(p in lx.fold(name) for p in lx.PRICE_NAMES):
            return table, name
    return None


def _counted_after(ctx: Context, key: str, j: int) -> None:
    """ "the number of languages for each country with at least 3 languages": the noun after
    the number names the table the count metric counts, so it is what is counted, never a
    column to group by as well (`Language`, also a word of the table)."""
    after = schema_mention(ctx, j)
    if after is None or j in ctx.used or after.has("value") or after.has("metric"):
        return
    if ms.metric_agg(ctx.model, key) not in ("count", "countd"):
        return
    counted = ms.metric_table(ctx.model, key)
    if {e.ref[0] for e in after.of("table")} == {counted}:
        ctx.used.add(j)
        ctx.consumed.add(j)


def apply_numeric(ctx: Context, parts: Parts, target, op: str, value: float, pct: bool) -> None:  # noqa: ANN001
    model = ctx.model
    kind, ref = target
    if kind in ("metric", "having"):
        if not parts.metrics:
            raise Unclear(Clarify.NUMERIC_FILTER)
        key = parts.metrics[ref]
        if parts.dims or parts.grain:
            unit = ms.metric_ref(model, key, ctx.lang).unit
            parts.having.append(
                HavingFilter(ref, op, value / 100 if pct and unit == "ratio" else value)
            )
            return
        column = ms.metric_column(model, key)
        if kind == "having":
            # "ventas con más de 10 unidades": ungrouped, the number qualifies each row
            if column is None or ms.metric_agg(model, key) not in ("sum", "avg", "min", "max"):
                raise Unclear(Clarify.NUMERIC_FILTER)
            parts.row_filter_metrics.add(ref)
        if column is None or ms.metric_agg(model, key) in ("count", "countd"):
            kind, ref = "rows", None
        else:
            kind, ref = "column", column
    if kind == "rows":
        if model.row_measure is None or parts.base != model.row_measure[0]:
            raise Unclear(Clarify.NUMERIC_FILTER)
        ref = model.row_measure
    table, column = ref
    if model.path(parts.base, table) is None:
        raise Unclear(Clarify.NUMERIC_FILTER)
    sem = model.column(table, column)
    if pct and sem is not None and sem.ratio:
        value = value / 100
    elif pct and (sem is None or not sem.percent):
        raise Unclear(Clarify.NUMERIC_FILTER)  # "15 %" of a column whose scale nobody documented
    parts.numeric.append(NumericFilter(table, column, op, value))


def _date_column(ctx: Context, parts: Parts, i: int) -> ColumnRef:
    """An explicitly named date column right before the time ("fecha de alta en 2024"),
    else the base table's main date."""
    model = ctx.model
    prev = schema_mention(ctx, i - 1)
    if prev is not None and i - 1 not in ctx.used:
        dates = [e for e in prev.of("column") if column_kind(ctx, e) == "date"]
        best = max(e.quality for e in prev.entries)
        if dates and max(e.quality for e in dates) >= best:
            table, column = sorted(dates, key=lambda e: -e.quality)[0].ref
            if model.path(parts.base, table) is not None:
                ctx.used.add(i - 1)
                return ColumnRef(table, column)
    main = model.main_date(parts.base)
    if main is None:
        if parts.base != model.fact and model.path(model.fact, parts.base):
            raise NeedsFact
        raise Unclear(Clarify.NO_DATE)
    return ColumnRef(parts.base, main)


def _year_columns(ctx: Context, table: str) -> list[ColumnRef]:
    info = ctx.model.tables.get(table)
    return [
        ColumnRef(table, name)
        for name in (info.columns if info else ())
        if _holds_years(ctx.model.column(table, name))
        and set(tx.identifier_words(name)) & lx.YEAR_COLUMN_WORDS
    ]


def _holds_years(column: ColumnSem) -> bool:
    return column.kind == "number"  # a `Year` stored as text ('2014') is one too (numeric_text)


def year_column(ctx: Context, parts: Parts, i: int | None) -> ColumnRef | None:
    """The plain integer year column a time condition or "each year" applies to when the
    table has no date ("cars made before 1980" on `cars.Year`): the year column named right
    before the time, else the only one of the base table, else the only one of the tables
    joined to it. None when there is none or the choice is not clear."""
    model = ctx.model
    k = _prev_kept(ctx, i) if i is not None else -1
    prev = schema_mention(ctx, k)
    if prev is not None and (k not in ctx.used or k in ctx.year_named):
        for e in prev.of("column"):
            ref = ColumnRef(*e.ref)
            reachable = model.path(parts.base, ref.table) is not None
            if reachable and ref in _year_columns(ctx, ref.table):
                ctx.used.add(k)
                return ref
    own = _year_columns(ctx, parts.base)
    if prev is not None and not own:  # "stadiums that had concerts in 2014": the concerts'
        best = max(e.quality for e in prev.entries)
        named = {e.ref[0] for e in prev.of("table") if e.quality == best}
        if len(named) == 1:
            table = named.pop()
            theirs = _year_columns(ctx, table)
            if len(theirs) == 1 and model.path(parts.base, table) is not None:
                return theirs[0]
    if own:
        return own[0] if len(own) == 1 else None
    joined = [
        ref
        for table in model.tables
        if table != parts.base and model.path(parts.base, table) is not None
        for ref in _year_columns(ctx, table)
    ]
    return joined[0] if len(joined) == 1 else None


def _next_kept(ctx: Context, i: int) -> int | None:
    """The mention after i, past weak values read as common words ("is" is no 'IS')."""
    j = i + 1
    while j < len(ctx.mentions) and j in ctx.rejected:
        j += 1
    return j if j < len(ctx.mentions) else None


def _prev_kept(ctx: Context, i: int) -> int:
    j = i - 1
    while j >= 0 and j in ctx.rejected:
        j -= 1
    return j


def claim_year_columns(ctx: Context) -> None:
    """ "countries whose independence year is before 1930": a year column of a table with no
    date, right before a time, is what the time compares, not a measure to add up (read before
    the metrics)."""
    for i, m in enumerate(ctx.mentions[:-1]):
        after = ctx.mentions[_next_kept(ctx, i)] if _next_kept(ctx, i) is not None else None
        if m.kind != "schema" or after is None or after.kind != "time":
            continue
        if _years_of(after.time) is None:
            continue
        for e in m.of("column"):
            ref = ColumnRef(*e.ref)
            if ctx.model.main_date(ref.table) is None and ref in _year_columns(ctx, ref.table):
                ctx.used.add(i)
                ctx.year_named.add(i)
                break


def _years_of(span: TimeSpan) -> tuple[int | None, int | None] | None:
    """The whole years a span covers, (first, last), either open; None unless it starts on a
    1 January and ends on a 31 December ("in 1980", "before 1980", "after 1990", "1970-1975")."""
    if span.kind not in ("period", "range") or span.relative:
        return None
    if span.start is None and span.end is None:
        return None
    if span.start is not None and span.start[4:] != "-01-01":
        return None
    if span.end is not None and span.end[4:] != "-12-31":
        return None
    first = int(span.start[:4]) if span.start else None
    last = int(span.end[:4]) if span.end else None
    return first, last


def _year_filter(parts: Parts, col: ColumnRef, span: TimeSpan) -> bool:
    years = _years_of(span)
    if years is None:
        return False
    first, last = years
    if first is not None and first == last:
        parts.numeric.append(NumericFilter(col.table, col.column, "=", float(first)))
        return True
    if first is not None and last is not None:
        parts.numeric.append(NumericFilter(col.table, col.column, ">=", float(first)))
        parts.numeric.append(NumericFilter(col.table, col.column, "<=", float(last)))
    elif first is not None:  # "after 1990"
        parts.numeric.append(NumericFilter(col.table, col.column, ">", float(first - 1)))
    else:  # "before 1980"
        parts.numeric.append(NumericFilter(col.table, col.column, "<", float(last + 1)))
    return True


def _resolve_relative(ctx: Context, span: TimeSpan, col: ColumnRef) -> TimeRange:
    bounds = ctx.model.date_bounds.get((col.table, col.column))
    if not bounds:
        return TimeRange(col.table, col.column, label=span.label, relative=span.relative)
    unit, count, mode = span.relative.split(":")
    latest = date.fromisoformat(bounds[1][:10])
    if mode == "previous":
        # the N periods before the one holding the latest date: "el año pasado" is 2024 when
        # the data ends in 2025, "last month" is November when it ends in December
        latest = _period_start(latest, unit, 1) - timedelta(days=1)
    start = _period_start(latest, unit, int(count))
    return TimeRange(col.table, col.column, start.isoformat(), latest.isoformat(), span.label)


def _period_start(latest: date, unit: str, count: int) -> date:
    if unit == "day":
        return latest - timedelta(days=count - 1)
    if unit == "week":
        return latest - timedelta(days=7 * count - 1)
    month_index = latest.year * 12 + latest.month - 1
    if unit == "month":
        month_index -= count - 1
    elif unit == "quarter":
        month_index -= (latest.month - 1) % 3 + 3 * (count - 1)
    elif unit == "year":
        return date(latest.year - count + 1, 1, 1)
    return date(month_index // 12, month_index % 12 + 1, 1)


def read_time(ctx: Context, parts: Parts) -> None:
    periods: list[tuple[TimeSpan, ColumnRef]] = []
    contrast = ctx.has("compare", "growth")
    for i, m in enumerate(ctx.mentions):
        if m.kind in ("trend", "growth"):
            parts.trend = True
        if m.kind != "time":
            continue
        span = m.time
        if span.kind == "grain":
            parts.grain = span.grain
            ctx.used.add(i)
            continue
        if span.kind == "unit":
            continue  # a bare "mes": only meaningful as a group subject (see _read_order)
        if _no_date(ctx, parts):
            # a table with no date but a year column: "before 1980" is `Year <= 1979`
            year = year_column(ctx, parts, i)
            if year is None or not _year_filter(parts, year, span):
                raise Unclear(Clarify.NO_DATE)
            ctx.used.add(i)
            continue
        col = _date_column(ctx, parts, i)
        parts.time_said = True
        parts.time_column = col
        ctx.used.add(i)
        if span.kind in ("period",):
            periods.append((span, col))
        elif span.kind == "range" and contrast and span.pieces:
            periods += [(piece, col) for piece in span.pieces]  # "compara entre 2024 y 2025"
        elif span.kind == "range":
            parts.time_range = TimeRange(col.table, col.column, span.start, span.end, span.label)
        elif span.kind == "relative":
            parts.time_range = _resolve_relative(ctx, span, col)
        elif span.kind == "part":
            parts.date_parts.append(DatePart(col.table, col.column, "month", span.part_values))
    periods = _merge_parts_with_years(parts, periods)
    if len(periods) == 1:
        span, col = periods[0]
        parts.time_range = TimeRange(col.table, col.column, span.start, span.end, span.label)
    elif len(periods) > 1:
        grains = {span.granularity for span, _ in periods}
        if len(grains) != 1 or grains & {"half", "day"}:
            raise Unclear(Clarify.TIME_MIX)
        parts.time_periods = [
            TimeRange(col.table, col.column, span.start, span.end, span.label)
            for span, col in sorted(periods, key=lambda p: p[0].start)
        ]
        parts.grain = grains.pop()
        starts = {span.start[5:] for span, _ in periods}
        years = {span.start[:4] for span, _ in periods}
        if len(starts) == 1 and len(years) == len(periods) and parts.grain != "year":
            # "Q1 2025 frente a Q1 2024": the same part of different years, one row per year
            parts.grain = "year"
        parts.comparison = Comparison(
            f"period:{parts.grain}", tuple(r.label for r in parts.time_periods)
        )
    if parts.grain == "half":
        raise Unclear(Clarify.TIME_MIX)
    if parts.trend and parts.grain is None:
        parts.grain = "month"
    if parts.grain and parts.time_column is None:
        main = ctx.model.main_date(parts.base)
        year = year_column(ctx, parts, None) if main is None else None
        if year is not None and parts.grain == "year" and not parts.trend:
            if ctx.average_over:  # "peso medio … cada año": the average within each year
                if any(ms.metric_agg(ctx.model, k) != "sum" for k in parts.metrics):
                    raise Unclear(Clarify.NO_DATE)  # "average number of cars per year": over years
                parts.metrics = [ms.retarget_agg(ctx.model, k, "avg") for k in parts.metrics]
                ctx.average_over = False
            parts.grain = None  # "average weight each year": grouped by the year column
            if year not in parts.dims:
                parts.dims.append(year)
            return
        if main is None:
            raise Unclear(Clarify.NO_DATE)
        parts.time_column = ColumnRef(parts.base, main)


def _no_date(ctx: Context, parts: Parts) -> bool:
    """Whether the base table has no date of its own nor the fact table one to lend. Rows with
    a year column of their own (`artist.year_join`, `exhibition.year`) take a year said of them
    ("joined after 1990", "before 2009") on that column, never on the fact table's date: which
    table is the fact depends on what else the catalog holds (a semantic layer's metrics choose
    it), and a question about the artists says nothing of the fact rows' dates."""
    model = ctx.model
    if model.main_date(parts.base) is not None:
        return False
    if _year_columns(ctx, parts.base):
        return True
    return model.main_date(model.fact) is None or model.path(model.fact, parts.base) is None


def _merge_parts_with_years(parts: Parts, periods: list) -> list:  # noqa: ANN001
    """A recurring part and a single year said apart ("Q1 ... de 2024"): that part of the year;
    a list of months or quarters ending in a year ("enero y febrero de 2025"): each in it."""
    dated = [(s, c) for s, c in periods if s.granularity in ("month", "quarter")]
    years_of = {s.start[:4] for s, _ in dated}
    if parts.date_parts and dated and len(years_of) == 1 and len(periods) == len(dated):
        year = int(years_of.pop())
        merged = list(periods)
        for part in parts.date_parts:
            months = part.values
            if len(months) == 1:
                merged.append((month_period(year, months[0]), dated[0][1]))
            elif len(months) == 3 and months[0] % 3 == 1:
                merged.append((quarter_period(year, (months[0] + 2) // 3), dated[0][1]))
            else:
                return periods
        parts.date_parts = []
        return merged
    years = [(s, c) for s, c in periods if s.granularity == "year"]
    if len(parts.date_parts) == 1 and len(years) == 1 and len(periods) == 1:
        part = parts.date_parts[0]
        year = int(years[0][0].start[:4])
        months = part.values
        if len(months) == 1:
            span = month_period(year, months[0])
        elif len(months) == 3 and months[0] % 3 == 1:
            span = quarter_period(year, (months[0] + 2) // 3)
        else:
            return periods
        parts.date_parts = []
        return [(span, years[0][1])]
    return periods


def _flag_columns(ctx: Context, m: Mention) -> list[tuple[str, str]]:
    """The yes/no columns a mention names, when a column is what it names best."""
    columns = m.of("column")
    if not columns or m.has("metric"):
        return []
    best = max(e.quality for e in columns)
    if any(e.kind != "column" and e.quality > best for e in m.entries):
        return []
    found = []
    for e in columns:
        sem = ctx.model.column(*e.ref)
        if sem is not None and sem.flag and e.quality == best and not _one_word_of_many(e):
            found.append(e.ref)
    return found


def _only_part_of_a_flag(ctx: Context, m: Mention) -> bool:
    return bool(m.entries) and all(
        e.kind == "column"
        and _one_word_of_many(e)
        and (sem := ctx.model.column(*e.ref)) is not None
        and sem.flag
        for e in m.entries
    )


_FLAG_PREFIXES = frozenset({"is", "has", "es", "tiene", "flag"})


def _one_word_of_many(e: Entry) -> bool:
    """ "one time bonus" is not `is_full_time`: one word of a yes/no column's longer name
    (a partial match) says only part of the adjective. A name of one word but its prefix
    (`is_active`) is still said whole by that word."""
    words = [w for w in re.split(r"[_\s]+", lx.fold(str(e.ref[-1]))) if w]
    return e.quality == PARTIAL and len([w for w in words if w not in _FLAG_PREFIXES]) > 1


def take_flags(ctx: Context) -> None:
    """ "customers who are active", "active customers", "clientes activos": a yes/no column
    named as an adjective is a filter (flag = yes), not a dimension nor what is counted.
    Named after a grouping word ("by active", "por activo") it stays a dimension. Run before
    the metrics are read, so "how many active customers" counts the customers."""
    for i, m in enumerate(ctx.mentions):
        if m.kind != "schema" or i in ctx.used or i in ctx.qualifiers or is_value(ctx, i):
            continue
        if i > 0 and ctx.mentions[i - 1].kind in ("group", "distinct", "values", "compare"):
            continue
        found = _flag_columns(ctx, m)
        if not found and _only_part_of_a_flag(ctx, m):
            raise Unclear(Clarify.UNUSED_WORD, m.text)  # neither the flag nor anything else
        nouns = {
            e.ref[0]
            for j in (i - 1, i + 1)
            if (other := schema_mention(ctx, j)) is not None and not is_value(ctx, j)
            for e in other.of("table")
        }
        if nouns:  # the noun it qualifies: its own flag ("active customers"), not another's
            found = [ref for ref in found if ref[0] in nouns]
        said = _said_equal(ctx, i)
        if found and said in (None, 1.0):
            ctx.flags[i] = found
            ctx.used.add(i)
            if said is not None:
                ctx.used.update({i + 1, i + 2})


def _said_equal(ctx: Context, i: int) -> float | None:
    """The number in "active equal to 1", "active igual a 1", "active = 1" after the mention
    at i, or None. After a yes/no column, 1 is the flag itself, not a second, numeric
    condition; any other number is no adjective (the column is compared)."""
    cmp, number = i + 1, i + 2
    if number >= len(ctx.mentions) or ctx.mentions[cmp].kind != "cmp":
        return None
    if ctx.mentions[cmp].value != "=" or ctx.mentions[number].kind != "number":
        return None
    value, percent = ctx.mentions[number].value
    return None if percent else float(value)


def _flag_filter(ctx: Context, table: str, column: str) -> Filter | NumericFilter:
    sem = ctx.model.column(table, column)
    if sem is not None and sem.flag not in ("bool", "number"):
        return Filter(table, column, "=", (sem.flag,))  # 'Y', 'true': the yes as written
    return NumericFilter(table, column, "=", 1.0)  # a boolean type says TRUE (see sqlgen)


def read_flags(ctx: Context, parts: Parts) -> None:
    """ "productos activos" / "active products": a yes/no column of a table in the query is a
    filter (flag = yes), not a measure. The one reachable from the base table is taken, its
    own first; none reachable leaves the word unused (asked back by the coverage check)."""
    for columns in ctx.flags.values():
        reachable = [
            (table != parts.base, table, column)
            for table, column in columns
            if table == parts.base or ctx.model.path(parts.base, table) is not None
        ]
        if not reachable:
            continue
        _, table, column = min(reachable)
        made = _flag_filter(ctx, table, column)
        if isinstance(made, Filter):
            parts.filters.append(made)
        else:
            parts.numeric.append(made)
    for i, m in enumerate(ctx.mentions):
        if m.kind != "schema" or i in ctx.used or m.has("metric"):
            continue
        for table, column in _flag_columns(ctx, m):
            sem = ctx.model.column(table, column)
            if sem.flag == "number" and ctx.model.path(parts.base, table) is not None:
                parts.numeric.append(NumericFilter(table, column, "=", 1.0))
                ctx.used.add(i)
                break
