"""The weak rules (`WEAK_RULES`): the parts of a reading a guess decided (a typo, a
synonym, a partial name, an aggregate no word asked for), noted on the answer; the gated ones
(`GATED`) are asked back (`gate_weak_readings`, the last check of `_read`)."""

from __future__ import annotations

from collections.abc import Sequence

from datachat import text as tx

from ..plan import ColumnRef, QueryPlan
from . import lexicon as lx
from .parser import Clarify, Context, Unclear
from .scan import HEAD
from .semantic import CATEGORY_VALUES, GLOSS, PARTIAL, SemanticModel, TableSem

WEAK_RULES = frozenset(
    {
        "typo",  # a word corrected to a catalog name by spelling
        "synonym",  # a thesaurus synonym read as a catalog name
        "person_name",  # a capitalised word read as a person's name
        "value_column",  # a value some column holds only by a partial match
        "metric_partial",  # a metric named by part of its name
        "value_prefix",  # a value matched by the word's prefix
        "head_word",  # a word read as the last word of column names
        "partial_name",  # a column or table named by one word of its name
        "gloss",  # a word read through a translation gloss
        "implied_metric",  # a figure no word named (the table's count or default measure)
        "unsaid_aggregate",  # a sum or average of many rows no word asked for (gated)
        "unsaid_average",  # an average per group ranked by a bare superlative (gated)
        "implied_extreme",  # a MIN/MAX no word asked for (gated)
    }
)
# The weak rules whose readings are asked back (measured in docs/offline-engine.md, "h-gate"):
# each with the kind of question back, naming the word.
GATED = {
    "unsaid_aggregate": Clarify.AGGREGATE_UNSAID,
    "unsaid_average": Clarify.AGGREGATE_UNSAID,
    "implied_extreme": Clarify.EXTREME_UNSAID,
}


def gate_weak_readings(weak: list[tuple[str, str]]) -> None:
    """Ask back a reading a gated weak rule decided (`GATED`), naming the word it read."""
    for kind, word in weak:
        if kind in GATED:
            raise Unclear(GATED[kind], word)


def weak_rules(  # noqa: PLR0913 - what the reading took from each stage
    read: Context,
    skip: set[int],
    plan: QueryPlan,
    fixes: Sequence[tuple[str, str]],
    synonyms_read: Sequence[tuple[str, str]],
    named_rows: frozenset[tuple[str, str, str, bool]],
    said_metric: bool,
) -> list[tuple[str, str]]:
    """The weak rules (`WEAK_RULES`) a reading took a part from, each with the word it read."""
    found: list[tuple[str, str]] = [("typo", written) for written, _ in fixes]
    found += [("synonym", written) for written, _ in synonyms_read]
    found += [("person_name", value) for _, _, value, _ in sorted(named_rows)]
    found += [(kind, "") for kind in sorted(read.weak)]
    for i, m in enumerate(read.mentions):
        if m.kind != "schema" or i in skip or not m.entries:
            continue
        best = max(e.quality for e in m.entries)
        if m.value == HEAD:
            found.append(("head_word", m.text))
        elif best == PARTIAL and all(e.kind == "value" for e in m.entries):
            found.append(("value_prefix", m.text))
        elif best == PARTIAL:
            found.append(("partial_name", m.text))
        elif best == GLOSS:
            found.append(("gloss", m.text))
    figure_words = ("count", "agg", "howmuch", "most", "least", "rank", "percent")
    if plan.metrics and not said_metric and not plan.listing and not read.has(*figure_words):
        found.append(("implied_metric", plan.metrics[0].label))
    word = _unsaid_aggregate(read, skip, plan)
    if word:
        found.append(("unsaid_aggregate", word))
    word = _unsaid_average(read, skip, plan)
    if word:
        found.append(("unsaid_average", word))
    if any(kind == "implied_metric" for kind, _ in found):
        extremes = [m for m in plan.metrics if m.key.startswith(("agg:max:", "agg:min:"))]
        if extremes:  # "Show all information about each X" read as MAX(total): no word for it
            found.append(("implied_extreme", extremes[0].label))
    return found


# Words that say a figure of many rows, or one row picked by an order: with one of them said,
# an aggregate is no guess ("how many people live in …", "the largest payment", "top 3").
_FIGURE_KINDS = ("agg", "count", "howmuch", "most", "least", "rank", "percent", "order")


def _unsaid_aggregate(read: Context, skip: set[int], plan: QueryPlan) -> str:
    """ "What are the heights of body builders with a total below 315?", "the weight of the
    players who …": a sum or average no word asked for, over rows no value said singles out
    (no equality filter), is a guess; the question most likely lists each row's number.
    Returns the words said for the column added up, or "" when the reading is not such a
    guess. The column's own words ("total", "average") and a layer metric named by its name
    are words for it (`said_metric`)."""
    if plan.listing or plan.filters or plan.rows_plan is not None or read.has(*_FIGURE_KINDS):
        return ""
    if plan.order or plan.limit or plan.having or plan.comparison is not None:
        return ""
    if plan.dimensions or plan.grain or plan.date_parts:
        return ""  # one figure per group a word asked for ("of each employee", "mensual")
    if any(tx.fold(t.norm) in lx.AGG_WORDS or t.norm in lx.TOGETHER_WORDS for t in read.tokens):
        return ""  # "total discount given in 2024": "total" is a word for the sum
    for ref in plan.metrics:
        if not ref.key.startswith(("agg:sum:", "agg:avg:")):
            continue  # a count, an extreme, a steward's metric (its name is its word)
        column = ref.key.split(":", 2)[-1].partition(".")[2]
        for i, m in enumerate(read.mentions):
            if i in skip or m.kind != "schema":
                continue
            if any(e.ref[1:2] == (column,) for e in m.of("column")):
                return m.text
    return ""


def _unsaid_average(read: Context, skip: set[int], plan: QueryPlan) -> str:
    """ "Which survey source has the highest reject rate?": a rate ranked per value of a
    category of the same rows (`_category`), with no aggregate word ("average", "total"), may
    be the one row with the highest rate or the source whose rates average highest; the AVG
    per group is a guess. Returns the column's
    words when the reading is such a guess, else ""."""
    if not plan.dimensions or not plan.order or plan.limit is None or plan.having:
        return ""
    if any(tx.fold(t.norm) in lx.AGG_WORDS or t.norm in lx.TOGETHER_WORDS for t in read.tokens):
        return ""
    for ref in plan.metrics:
        if not ref.key.startswith("agg:avg:"):
            continue  # a sum per category is its total ("which continent has the most people")
        table, _, column = ref.key.split(":", 2)[-1].partition(".")
        if any(d.table != table or not _category(read.model, d) for d in plan.dimensions):
            continue  # "the most expensive product": each product's price, a thing of its own
        for i, m in enumerate(read.mentions):
            if i in skip or m.kind != "schema" or m.has("metric"):
                continue
            if any(e.ref[1:2] == (column,) for e in m.of("column")):
                return m.text
    return ""


def _category(model: SemanticModel, ref: ColumnRef) -> bool:
    """Whether a column is a category of its rows: not their label, or a label few values
    repeat (a poll source) that does not name the rows (a firm's name is one row each, however
    few firms there are)."""
    column = model.column(ref.table, ref.column)
    if column is None:
        return False
    table = model.tables[ref.table]
    if ref.column != table.display:
        return True
    return not _display_names_rows(table) and 0 < len(column.values) <= CATEGORY_VALUES


def _display_names_rows(info: TableSem) -> bool:
    """Whether a table's label column names one row each: a name column, or one called as its
    table ("company" of `company`, "Firm" of `firm`)."""
    if not info.display:
        return False
    words = {lx.stem(w, "en") for w in tx.identifier_words(info.display)}
    return info.named or words == {lx.stem(w, "en") for w in tx.identifier_words(info.name)}
