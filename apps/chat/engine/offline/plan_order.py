"""Order and limit: `_read_order` ("top 5", "los 3 más vendidos", "de mayor a menor").

What a superlative ranks (`_rank_subject`), a group ranked by a count ("which grade has the
most students"), and how a listing is sorted (`_listing_sorted`: by a column said after the
order words, by itself, alphabetically). Called by `planner.read_parts`.
"""

from __future__ import annotations

from ..plan import ColumnRef, Order
from . import lexicon as lx
from . import measures as ms
from .parser import (
    Clarify,
    Context,
    Unclear,
    column_kind,
    identifier_root,
    is_value,
    pick_numeric,
    schema_mention,
)
from .parser_metrics import MetricSlot
from .parts import Parts
from .plan_common import (
    _best_columns,
    _dim_capable,
    _measure_only,
    _sortable,
    _sorted_by_value,
    _to_parent,
)
from .plan_groups import _add_dim
from .semantic import linked_label

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
