"""The guards of `_read`: each asks back (`Unclear`) a question the plan would answer
as another one. Before the plan: the weekday, the first row said (`_says_weekday`,
`_first_row_said`); after it, in the order `_read` runs them: `_check_*` (sums of attributes,
groups of one row, a number "had", …) and `_attribute_of_the_top_row`."""

from __future__ import annotations

import itertools

from datachat import text as tx

from ..plan import ColumnRef, Order, QueryPlan
from . import lexicon as lx
from . import measures as ms
from .parser import Clarify, Context, Unclear
from .plan_common import _to_parent
from .rereads import _COLUMN_ARTICLES
from .rewrite import BOTH_WORDS as _BOTH_WORDS
from .rowsets import _shared_by
from .semantic import SemanticModel
from .weak import _display_names_rows


def _meaning_word_in_unknown_name(ctx: Context, unmapped: list[str]) -> bool:
    """ "high definition TV", "short description field": a word that asks what something
    means ("definition", "description") said right after a word nothing could read is part of
    a name the catalog does not hold, not a question about the schema; the question is asked
    back naming the unknown words."""
    unknown = {lx.fold(word) for word in unmapped}
    for m in ctx.mentions:
        if m.kind != "meaning" or m.start == 0:
            continue
        before = ctx.tokens[m.start - 1]
        if lx.fold(before.text) in unknown and before.norm not in lx.STOPWORDS:
            return True
    return False


def _check_values_shared(plan: QueryPlan, question: str, tokens: list[lx.Token]) -> None:
    """ "the police force shared by counties with location East and West", "both East and
    West": the values the rows of each value have in common (`_both_halves`), never the rows
    of either value (IN). Not so split, a filter of several values of one column is asked back,
    naming the values."""
    if _shared_by(question, tokens) is None and not any(t.norm in _BOTH_WORDS for t in tokens):
        return
    for f in plan.filters:
        if f.op in ("=", "in") and len(f.values) > 1:
            raise Unclear(Clarify.SHARED_VALUES, " / ".join(f.values))


def _check_largest_of_rows(plan: QueryPlan, mentions: list, model: SemanticModel) -> None:
    """ "the largest horsepower for the models": a superlative said of a plain column, read as
    every group's total sorted (no limit), answers neither "the largest" (one value) nor the
    row that holds it; a column of each row is seldom meant summed. Asked back; "the model
    with the largest horsepower" (a top 1 of the model's own column) and "the total
    horsepower" are not this. A top 1 of a column of other rows, many per group ("the member
    with the highest fee", fees being the sessions'), is: the largest fee or the largest sum?"""
    if not plan.dimensions or plan.order is None:
        return
    ranked = plan.metrics[plan.order.metric] if plan.order.metric < len(plan.metrics) else None
    if ranked is None or not ranked.key.startswith("agg:sum:"):
        return
    summed = tuple(ranked.key.removeprefix("agg:sum:").split(".", 1))
    if plan.limit is not None and not all(
        d.table != summed[0] and _to_parent(model, summed[0], d.table) for d in plan.dimensions
    ):
        return
    for before, said in itertools.pairwise(mentions):
        if (
            before.kind not in ("most", "least")
            or said.kind != "schema"
            or said.start != before.end
        ):
            continue
        if all(e.kind == "column" for e in said.entries) and summed in {
            e.ref for e in said.entries
        }:
            raise Unclear(Clarify.LARGEST_OF_ROWS, said.text)


# Superlatives of size: said of one row of a table ("the largest order", "el pedido más
# grande"), never its number.
_SIZE_OF_ONE = frozenset({"largest", "biggest", "smallest", "mayor", "menor"})
_SIZE_OF_ONE_AFTER = frozenset(
    {"mas grande", "mas pequeno", "mas pequena", "mas grandes", "mas pequenos", "mas pequenas"}
)


def _check_echoed_value(plan: QueryPlan) -> None:
    """ "the name of the series that has the episode 'X'": when every column listed is one an
    equality filter pins to the one value said, the answer would only say that value back; the
    question asks for something else (a column the reading missed): asked back."""
    if plan.metrics or not plan.listing or plan.rows_plan is not None:
        return
    pinned = {
        (f.table, f.column): f.values[0]
        for f in plan.filters
        if f.op in ("=", "said", "in") and len(f.values) == 1
    }
    said = [pinned.get((c.table, c.column)) for c in plan.listing]
    if all(v is not None for v in said):
        raise Unclear(Clarify.ECHOED_VALUE, str(said[0]))


def _check_name_asked(plan: QueryPlan, tokens: list) -> None:
    """ "What is the name of the series that has the episode X?": a question asking for a name
    answered by a figure alone (no row, no group: a count the table's noun implied) drops
    what it asks; asked back naming the word. "How many names …" counts them; "whose name is"
    filters."""
    if plan.listing or plan.dimensions or not plan.metrics:
        return
    for k, token in enumerate(tokens):
        if token.norm not in lx.LABEL_NAME_WORDS or k + 1 >= len(tokens):
            continue
        if tokens[k + 1].norm not in ("of", "de", "del"):
            continue  # "whose name is X", "with the name X": a condition, not what is asked
        if k == 0 or tokens[k - 1].norm not in _THE:
            continue  # "the different family names": a column's own words
        if {t.norm for t in tokens[:k]} & (lx.COUNT_WORDS | _HOW_MANY):
            continue
        raise Unclear(Clarify.UNUSED_WORD, token.text)


_HOW_MANY = lx.words("many number numero cuantos cuantas count")
# English only: its first definition also held "el la los las" and was shadowed by this one
# (found in the session-28 review); "el nombre de …" asked back alike is left untested.
_THE = lx.words("the")


def _attribute_of_the_top_row(plan: QueryPlan, model: SemanticModel, mentions: list) -> QueryPlan:
    """ "the name and capacity of the stadium with the most concerts", "el nombre y el aforo de
    la sala con más funciones": a number of the grouped rows' own table, said with no aggregate
    word, beside the count that ranks them and keeps the top rows, is shown with each row (it
    is the row's own: one value per group), never added up over the rows joined to it. Ranked
    by that number itself, or with an aggregate word said, nothing changes (asked back by
    `_check_summed_attribute`, or summed as said)."""
    if plan.listing or not plan.dimensions or plan.order is None or plan.limit is None:
        return plan
    if plan.having or plan.hidden_metrics or any(m.kind == "agg" for m in mentions):
        return plan
    counts = [
        n for n, m in enumerate(plan.metrics) if ms.metric_agg(model, m.key) in ("count", "countd")
    ]
    if len(counts) != 1 or len(plan.metrics) != 2:
        return plan
    ranked = counts[0]
    if plan.order.metric != ranked and not _superlative_before(model, mentions, plan, ranked):
        return plan
    held = {(fk.table, fk.column, fk.ref_table) for fk in model.catalog.foreign_keys}
    for n, metric in enumerate(plan.metrics):
        if n == ranked or not metric.key.startswith("agg:sum:"):
            continue
        table, _, column = metric.key.removeprefix("agg:sum:").partition(".")
        info = model.tables.get(table)
        grouped = {d.column for d in plan.dimensions if d.table == table}
        if table == plan.table or info is None or not {*info.key, info.display} & grouped:
            continue
        path = model.path(plan.table, table) or ()
        if not path or not all((a, a_col, b) in held for a, a_col, b, _b_col in path):
            continue
        metrics = tuple(m for k, m in enumerate(plan.metrics) if k != n)
        order = Order(ranked - (1 if n < ranked else 0), plan.order.desc)
        dims = (*plan.dimensions, ColumnRef(table, column))
        return plan.with_changes(metrics=metrics, order=order, dimensions=dims)
    return plan


def _superlative_before(model: SemanticModel, mentions: list, plan: QueryPlan, n: int) -> bool:
    """Whether "most/least" is said right before the rows metric `n` counts ("with the most
    concerts"): that count is what ranks, whichever metric the plan ordered by."""
    table = ms.metric_table(model, plan.metrics[n].key)
    for k, m in enumerate(mentions[:-1]):
        after = mentions[k + 1]
        if m.kind not in ("most", "least") or after.kind != "schema":
            continue
        named = {e.ref[0] for e in after.of("table")}
        named |= {
            model.metrics[e.ref[0]].table for e in after.of("metric") if e.ref[0] in model.metrics
        }
        if table in named:
            return True
    return False


def _check_summed_attribute(plan: QueryPlan, model: SemanticModel) -> None:
    """ "the name and capacity of the stadium with the most concerts": a number of the grouped
    rows' own table (a stadium's capacity) added up over the rows joined to each (its concerts)
    is that number times their count, never what was asked: the number is shown with each row
    or summed over other rows. Asked back, naming the column."""
    if plan.table is None or plan.listing or not plan.dimensions:
        return
    grouped = {d.table for d in plan.dimensions if d.table != plan.table}
    for metric in plan.metrics:
        if not metric.key.startswith("agg:sum:"):
            continue
        table, _, column = metric.key.removeprefix("agg:sum:").partition(".")
        info = model.tables.get(table)
        if (
            table not in grouped
            or info is None
            or not {*info.key, info.display}
            & {d.column for d in plan.dimensions if d.table == table}
        ):
            continue
        # each row of the base table reaches one row of the group's table (many-to-one keys):
        # the group's number repeats once per row
        path = model.path(plan.table, table) or ()
        held = {(fk.table, fk.column, fk.ref_table) for fk in model.catalog.foreign_keys}
        if path and all((a, a_col, b) in held for a, a_col, b, _b_col in path):
            raise Unclear(Clarify.SUMMED_ATTRIBUTE, column)


def _check_groups_of_one_row(plan: QueryPlan, model: SemanticModel, mentions: list) -> None:
    """ "What is the minimum, maximum, and average market value for every company?", "the
    average age of each employee": an aggregate of a column of the grouped rows' own table,
    grouped by what names one row of it (its key, or the label of a table of named rows), is
    each row's own value, never a figure over several rows: the question means one figure over
    all of them or the value of each one. Asked back, naming the column. Only when an aggregate
    word is said: "the salary of each employee" (a column's natural sum) is each one's value."""
    if plan.table is None or plan.listing or not plan.dimensions or plan.grain or plan.date_parts:
        return
    if not any(m.kind == "agg" for m in mentions):
        return
    if plan.limit:  # "the 5 largest countries": the top rows ranked by their own value
        return
    info = model.tables.get(plan.table)
    if info is None or any(d.table != plan.table for d in plan.dimensions):
        return
    one_row = {*info.key} if len(info.key) == 1 else set()
    if _display_names_rows(info):
        one_row.add(info.display)
    if not one_row & {d.column for d in plan.dimensions}:
        return
    for metric in plan.metrics:
        column = ms.metric_column(model, metric.key)
        if ms.metric_agg(model, metric.key) not in ("sum", "avg", "min", "max"):
            return  # a count per row, a steward's formula: another question
        if column is None or column[0] != plan.table:
            return
    column = ms.metric_column(model, plan.metrics[0].key) if plan.metrics else None
    if column is not None:
        raise Unclear(Clarify.SUMMED_ATTRIBUTE, column[1])


def _check_listed_plural_summed(plan: QueryPlan, tokens: list, mentions: list) -> None:
    """ "What are the heights of body builders with total score smaller than 315?", "list
    the weights of …": a column said in the plural after a listing opener asks for each row's
    value; its natural SUM (no aggregate word said, no group) answers another question.
    Asked back, naming the column."""
    if plan.dimensions or plan.listing:
        return
    if any(m.kind == "agg" for m in mentions):
        return  # "what are the total heights": the sum was asked
    norms = tuple(t.norm for t in tokens[:3])
    opener = any(norms[: len(o)] == o for o in lx.LIST_OPENERS)
    if not (opener or any(m.kind == "list" and m.start == 0 for m in mentions)):
        return
    for metric in plan.metrics:
        if not metric.key.startswith("agg:sum:"):
            continue
        table, _, column = metric.key.removeprefix("agg:sum:").partition(".")
        if any(
            m.kind == "schema"
            and m.plural
            and any(e.kind == "column" and e.ref[:2] == (table, column) for e in m.entries)
            for m in mentions
        ):
            raise Unclear(Clarify.SUMMED_ATTRIBUTE, column)


_SECOND_QUESTION = lx.words("what which who whom cual cuales quien quienes que")


def _check_grouped_by_second_question(plan: QueryPlan, tokens: list, mentions: list) -> None:
    """ "What is the maximum length of the bridges and what are the architects' names?": a
    figure, then a second question asking for a listing (the "and what …" after it), read as
    the figure per listed row; no group word ("each", "per", "by") says so, and the two
    questions may be one figure and a list. Asked back, naming the grouped words."""
    if not plan.dimensions or not plan.metrics or any(m.kind == "group" for m in mentions):
        return
    norms = [t.norm for t in tokens]
    second = next(
        (
            k
            for k in range(1, len(norms) - 1)
            if norms[k] in lx.AND_WORDS and norms[k + 1] in _SECOND_QUESTION
        ),
        None,
    )
    if second is None:
        return
    first = [m for m in mentions if m.end <= second]
    if not any(m.kind in ("agg", "count", "most", "least") for m in first):
        return
    grouped = [m for m in mentions if m.start > second and m.kind == "schema"]
    if grouped:
        raise Unclear(Clarify.PER_GROUP_UNSAID, grouped[0].text)


_WHO_HAS = lx.words("who that which has have had")
_WITH = lx.words("with con")
_ROW_ARTICLES = lx.words("the el la")
_SAYS_WHICH = frozenset({"cmp", "number", "most", "least", "rank", "agg", "count", "order"})


def _check_bare_number_had(model: SemanticModel, tokens: list, mentions: list) -> None:
    """ "the poll source of the candidate who has the oppose rate", "the name of the candidate
    with the oppose rate": a numeric column said after "who has the" or "with the" (a definite
    one, not "with a discount") with nothing after it that picks rows (no value, no comparison, no
    "highest"): every row has one, so which rows are meant is not said (the highest rate was
    likely dropped). Asked back, naming the column."""
    for k, m in enumerate(mentions):
        if m.kind != "schema" or m.start < 3 or not m.has("column") or m.has("value"):
            continue
        before = [t.norm for t in tokens[m.start - 3 : m.start]]
        who_has = before[0] in _WHO_HAS and before[1] in _WHO_HAS and before[2] in _THE
        # "the name of the candidate with the oppose rate": "with the" is "who has the"
        if not (who_has or before[1] in _WITH and before[2] in _ROW_ARTICLES):
            continue
        columns = [model.column(*e.ref[:2]) for e in m.of("column")]
        if not all(c is not None and c.kind == "number" for c in columns):
            continue
        if any(n.kind in _SAYS_WHICH or n.has("value") for n in mentions[k + 1 :]):
            continue
        raise Unclear(Clarify.BARE_NUMBER, m.text)


def _the_ranked_rows_named(plan: QueryPlan, model: SemanticModel, mentions: list) -> QueryPlan:
    """ "What is the most populous town?": a column said as an adjective right before its own
    table's word ("populous town") ranks that table's rows; the answer is the town, so its name
    is shown beside the number, never the number alone (which says no town). Only a listing of
    that one column, cut to the top rows, of a table whose rows have a name."""
    ranked = plan.listing_order
    if ranked is None or plan.limit is None or plan.dimensions or plan.metrics:
        return plan
    if set(plan.listing) != {ranked}:
        return plan
    table = model.tables.get(ranked.table)
    if table is None or not table.display or not table.named:
        return plan
    for k, m in enumerate(mentions[:-1]):
        if m.kind != "schema" or not any(
            e.ref[:2] == (ranked.table, ranked.column) for e in m.of("column")
        ):
            continue
        after = mentions[k + 1]
        if (
            after.kind == "schema"
            and after.start == m.end
            and any(e.kind == "table" and e.ref[0] == ranked.table for e in after.entries)
            and max(e.quality for e in after.entries)
            == max((e.quality for e in after.entries if e.kind == "table"), default=-1)
        ):
            return plan.with_changes(listing=(ColumnRef(ranked.table, table.display), ranked))
    return plan


def _check_ranked_one_group(plan: QueryPlan) -> None:
    """ "What is the highest price of a film directed by Bill?" (a layer's "directed by" names
    the director column): groups by a column that a filter fixes to one value, ranked and cut to
    the top one, rank a single group, its average or sum: "highest" was said of the rows
    (their largest price), not of groups. Asked back rather than the one group's figure."""
    if not plan.dimensions or plan.limit is None or not plan.order or not plan.metrics:
        return
    if plan.listing or plan.having or plan.rank_within:
        return
    fixed = {
        (f.table, f.column)
        for f in plan.filters
        if f.op in ("=", "in", "said") and len(f.values) == 1 and not f.either
    }
    if all((d.table, d.column) in fixed for d in plan.dimensions):
        raise Unclear(Clarify.LARGEST_OF_ROWS, plan.metrics[0].label)


# Words that close a clause and pick the row earliest or latest in time ("the student who
# registered first", "el que llegó último").
_CLOSING_EXTREMES = lx.words("first last primero primera ultimo ultima")


def _check_closing_extreme(plan: QueryPlan, tokens: list) -> None:
    """ "What is the first name of the student who registered first?": "first" (or "last")
    said after a verb, closing the question, picks one row by a time; a reading with no order,
    no limit and no extreme answered every row (the word was taken as part of a column's name,
    `date_first_registered`). Asked back, naming the word."""
    words = [t for t in tokens if t.kind == "word"]
    if len(words) < 3 or tx.fold(words[-1].norm) not in _CLOSING_EXTREMES:
        return
    if words[-2].norm in _THE or words[-2].norm in _ROW_ARTICLES:
        return  # "the first", "el primero": a row said by its place, read elsewhere
    if words[-2].norm in lx.AND_WORDS or words[-2].norm in lx.OR_WORDS:
        return  # "their names, first and last": two words of a list, no row picked
    if plan.order or plan.limit is not None:
        return
    if any(m.key.startswith(("agg:min:", "agg:max:")) for m in plan.metrics):
        return
    raise Unclear(Clarify.UNUSED_WORD, words[-1].text)


# Numbers that name or place a row, never an amount: a year, a rank, a code, an identifier.
_KEY_NUMBER_WORDS = lx.words("year yr anio ano rank ranking position id code zip postcode")


def _check_summed_key_number(plan: QueryPlan, model: SemanticModel, mentions: list) -> None:
    """ "the years and official names of the cities of each competition", "the rank of each
    farm": a year, rank, code or id is shown, never added up or averaged unless an aggregate word
    says so ("the average year", "the total rank"). A SUM or AVG of such a column, by a catalog
    metric or the column's natural aggregate, with no aggregate word said, is asked back."""
    if not plan.dimensions and (plan.filters or plan.numeric_filters):
        return  # "the weekly rank of the episode X": the figure of the rows a value picks
    said = {str(m.value) for m in mentions if m.kind == "agg"}
    for metric in plan.metrics:
        column = ms.metric_column(model, metric.key)
        agg = ms.metric_agg(model, metric.key)
        if column is None or agg not in ("sum", "avg") or agg in said:
            continue
        sem = model.column(*column)
        words = set(tx.identifier_words(column[1]))
        if (sem is not None and sem.kind == "id") or words & _KEY_NUMBER_WORDS:
            raise Unclear(Clarify.SUMMED_ATTRIBUTE, column[1])


def _check_each_row_counted(plan: QueryPlan, model: SemanticModel, mentions: list) -> None:
    """ "the theme of each competition": the rows named after "each" are listed with their
    columns, never counted per value of those columns (a count no word asked for). A count of
    the table named right after "each"/"every"/"cada", when the question named no metric, is
    asked back naming the words."""
    counted = {
        ms.metric_table(model, m.key)
        for m in plan.metrics
        if ms.metric_agg(model, m.key) in ("count", "countd")
    }
    if not counted:
        return
    for group, rows in itertools.pairwise(mentions):
        if group.kind != "group" or rows.kind != "schema" or rows.has("value"):
            continue
        if not any(lx.fold(w) in lx.EACH_WORDS for w in group.text.split()):
            continue
        tables = rows.of("table")
        if tables and max(tables, key=lambda e: e.quality).ref[0] in counted:
            raise Unclear(Clarify.UNUSED_WORD, f"{group.text} {rows.text}")


def _check_size_of_one_row(plan: QueryPlan, mentions: list) -> None:
    """ "the person with the largest order": a size superlative of one row of a table (said in
    the singular) is that row's size, not the number of rows ("the most orders"); which measure
    makes an order large is not said, so it is asked back rather than read as a count."""
    if plan.order is None or plan.order.metric >= len(plan.metrics):
        return
    if not plan.metrics[plan.order.metric].key.startswith("count:"):
        return
    counted = plan.metrics[plan.order.metric].key.removeprefix("count:")

    def one_row(said) -> bool:  # noqa: ANN001
        return (
            said.kind == "schema"
            and not said.plural
            and not said.has("value")
            and counted in {e.ref[0] for e in said.of("table")}
        )

    for first, second in itertools.pairwise(mentions):
        if second.start != first.end:
            continue
        before = first.kind in ("most", "least") and lx.fold(first.text) in _SIZE_OF_ONE
        after = second.kind in ("most", "least") and lx.fold(second.text) in _SIZE_OF_ONE_AFTER
        if (before and one_row(second)) or (after and one_row(first)):
            # "the largest order", "el pedido más grande"
            raise Unclear(Clarify.SIZE_OF_ROW, f"{first.text} {second.text}")


_ROW_ORDINALS = lx.words("first last earliest latest newest oldest primer primera ultimo ultima")


def _row_count_unanswered(tokens: list[lx.Token], mentions: list, sql: str) -> str:
    """ "the number of records they have": a count of rows said by a row word alone ("records",
    "rows", "entries"), which names no table, that the SQL does not count: the words, to ask
    back which rows (the count was dropped, and the answer would list without it)."""
    if "COUNT(" in sql.upper():
        return ""
    named = {n for m in mentions if m.kind == "schema" for n in range(m.start, m.end)}
    for m in mentions:
        if m.kind != "count" or m.end >= len(tokens):
            continue
        j = m.end
        while j < len(tokens) and tokens[j].norm in _COLUMN_ARTICLES:
            j += 1
        if j < len(tokens) and tokens[j].norm in lx.ROW_WORDS and j not in named:
            return " ".join(t.text for t in tokens[m.start : j + 1])
    return ""


_RANK_WORDS = frozenset({"rank", "ranking"})


def _rank_superlative(model: SemanticModel, mentions: list) -> str:
    """ "the pilot of the highest rank", "the lowest ranking": a superlative said right before
    a number column that is a rank, where rank 1 is the best and also the lowest number; which
    one is meant is asked back. "in ascending order of rank" says it and is read as said.
    Returns the words to ask back, or ""."""
    for before, m in zip(mentions, mentions[1:], strict=False):
        if before.kind not in ("most", "least") or m.kind != "schema" or m.start != before.end:
            continue
        columns = [model.column(*e.ref) for e in m.of("column")]
        if not columns or m.has("table") or m.has("metric"):
            continue
        if all(
            c is not None and c.kind == "number" and _RANK_WORDS & set(tx.identifier_words(c.name))
            for c in columns
        ):
            return f"{before.text} {m.text}"
    return ""


def _first_row_said(tokens: list[lx.Token], mentions: list) -> str:
    """ "the first student to register", "the last order", "el primer cliente": an ordinal
    before a table's name picks one row by an order nobody named (a date? the key?). Left as
    it is, the ordinal is read as a column that has the word (`date_first_registered`,
    `first_name`) and every row is listed. Returns the words to ask back, or "".
    The rewrites that read such a phrase ("when did the first payment happen") ran before."""
    starts = {m.start: m for m in mentions}
    for i in range(1, len(tokens) - 1):
        if tokens[i].norm not in _ROW_ORDINALS or tokens[i - 1].norm not in _ROW_ARTICLES:
            continue
        after = starts.get(i + 1)
        if after is None or after.kind != "schema":
            continue
        if any(e.kind == "table" and e.quality >= 4 for e in after.entries):
            return f"{tokens[i].text} {after.text}"
    return ""


def _says_weekday(tokens: list[lx.Token]) -> bool:
    """Whether the question is about days of the week ("por día de la semana", "los lunes",
    "sales by weekday"): the engine has no such grouping, and must not group by the date."""
    words = [t.norm for t in tokens]
    if any(w in lx.WEEKDAY_WORDS for w in words):
        return True
    return any(
        tuple(words[i : i + len(phrase)]) == phrase
        for phrase in lx.WEEKDAY_PHRASES
        for i in range(len(words) - len(phrase) + 1)
    )


def _check_name_of_a_reference(
    plan: QueryPlan, model: SemanticModel, tokens: list, mentions: list
) -> None:
    """ "What is the name of member in charge of the most events?": "the name of" said of a
    column that refers to the rows of another table (`Member_in_charge_ID` → `member`) asks
    for that table's label; a plan that shows the reference itself and some other "name" (the
    event's) answers another question. Asked back, naming the word."""
    shown = {(c.table, c.column) for c in (*plan.listing, *plan.dimensions)}
    if not shown:
        return
    refs = {(fk.table, fk.column): fk.ref_table for fk in model.catalog.foreign_keys}
    starts = {m.start: m for m in mentions if m.kind == "schema"}
    for k, token in enumerate(tokens[:-2]):
        if token.norm not in lx.LABEL_NAME_WORDS or tokens[k + 1].norm != "of":
            continue
        at = k + 2
        while at < len(tokens) and tokens[at].norm in _THE | lx.words("a an"):
            at += 1
        said = starts.get(at)
        if said is None or said.has("table"):
            continue  # "the name of the member who …": the table's own label
        for entry in said.of("column"):
            ref = refs.get(tuple(entry.ref[:2]))
            label = model.tables[ref].display if ref in model.tables else None
            if ref is None or label is None or tuple(entry.ref[:2]) not in shown:
                continue
            if (ref, label) not in shown:
                raise Unclear(Clarify.UNUSED_WORD, token.text)
