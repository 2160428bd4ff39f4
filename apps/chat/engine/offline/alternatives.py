"""Several values of one numeric column: "born in 1948 or 1949", "in 2014 or 2015".

One row holds one value of a column, so two equalities on the same column never both hold:
said with "or"/"either" ("o", "u") they are alternatives (OR-ed: `NumericFilter.alternative`);
said otherwise ("in 2014 and 2015") the question wants something else (rows of both, a
comparison) and is asked back rather than answered with no rows.
"""

from __future__ import annotations

import re
from dataclasses import replace

from datachat import text as tx

from ..plan import QueryPlan
from . import lexicon as lx
from .parser import Clarify, Unclear

_OR_WORDS = lx.OR_WORDS | {"either"}


def alternatives_on_one_column(plan: QueryPlan, tokens) -> QueryPlan:  # noqa: ANN001
    """OR the equalities of one numeric column said as alternatives; ask back the others."""
    counts: dict[tuple[str, str], int] = {}
    for f in plan.numeric_filters:
        if f.op == "=" and not (f.average or f.than or f.other):
            counts[(f.table, f.column)] = counts.get((f.table, f.column), 0) + 1
    repeated = {key for key, n in counts.items() if n > 1}
    if not repeated:
        return plan
    if not any(t.norm in _OR_WORDS for t in tokens):
        raise Unclear(Clarify.NUMERIC_FILTER)
    filters = tuple(
        replace(f, alternative=True)
        if f.op == "=" and not (f.average or f.than or f.other) and (f.table, f.column) in repeated
        else f
        for f in plan.numeric_filters
    )
    return plan.with_changes(numeric_filters=filters)


def conditions_said_with_or(plan: QueryPlan, tokens) -> None:  # noqa: ANN001
    """ "exhibitions with an attendance over 100 or a ticket price under 10", "a height above
    the average or a number of floors above the average": numeric conditions on two columns
    said with "or" are either of them; the plan ANDs its conditions, so it is asked back
    rather than answered with the rows that meet both (`either.py` reads it again)."""
    columns = {
        (f.table, f.column)
        for f in plan.numeric_filters
        if not (f.alternative or f.than or f.other)
    }
    if len(columns) > 1 and any(t.norm in _OR_WORDS - {"either"} for t in tokens):
        raise Unclear(Clarify.UNUSED_WORD, next(t.text for t in tokens if t.norm in _OR_WORDS))


# Words that say no condition after an "or": "or every row", "or all of them", "o todas".
_EVERY = lx.words(
    """
    every all any each whole entire everything anything everyone everybody rest
    todos todas todo toda cualquier cualquiera cada resto demas
    """
)
_NO_CONDITION = _EVERY | lx.words(
    """
    of the them those these it its row rows record records entry entries one ones other others
    else just simply at
    de del el la los las ellos ellas ello fila filas registro registros otro otros otra otras
    uno una unos unas sin
    """
)


def or_every_row(plan: QueryPlan, question: str, lang: str, model) -> None:  # noqa: ANN001
    """Ask back an "or" whose other half sets no condition ("halls with seats over 1000 or
    every row", "… or all of them", "… o todas", a trailing "or"): read alone it would be
    dropped and the answer narrower than asked. Only words of `_NO_CONDITION`, a quantifier
    among them, and the tables' own nouns follow the "or" (or none does); the question back
    names those words."""
    if not (plan.filters or plan.numeric_filters or plan.having):
        return
    tokens = [t for t in lx.tokenize(question, lang) if t.kind != "symbol"]
    ors = [i for i, t in enumerate(tokens) if t.norm in lx.OR_WORDS]
    if not ors or ors[-1] == 0:
        return
    at = ors[-1]
    rest = tokens[at + 1 :]
    nouns = {
        tx.singular(w, lang)
        for table in model.catalog.tables
        for w in tx.identifier_words(table.name)
    }
    if rest and not any(t.norm in _EVERY for t in rest):
        return
    if any(t.norm not in _NO_CONDITION and tx.singular(t.norm, lang) not in nouns for t in rest):
        return
    end = rest[-1].end if rest else tokens[at].end
    raise Unclear(Clarify.OR_EVERY_ROW, question[tokens[at].start : end])


def one_said_value_per_column(plan: QueryPlan, question: str) -> None:
    """Ask back two different values said of one column the index does not hold ("cartoons
    directed by Ben Jones and cartoons directed by Michael Chang", a personal column): ANDed,
    as `said` filters are, no row holds both, and the empty answer would be stated as a fact."""
    said: dict[tuple[str, str], set[tuple[str, ...]]] = {}
    for f in plan.filters:  # one filter may say several values ("A or B": any of them)
        if f.op == "said":
            key = tuple(sorted(v.lower() for v in f.values))
            said.setdefault((f.table, f.column), set()).add(key)
    if any(len(values) > 1 for values in said.values()):
        raise Unclear(Clarify.GENERIC, question.strip())


# English superlatives of a row ("the youngest singer", "the stadium with the highest average"):
# a plan that orders, limits, keeps or compares nothing has not read them.
_SUPERLATIVES = lx.words(
    """
    youngest oldest highest lowest largest smallest biggest greatest newest earliest shortest
    longest tallest heaviest lightest cheapest fastest slowest
    """
)


def superlative_read(plan: QueryPlan, question: str, model) -> None:  # noqa: ANN001
    """Ask back a question whose superlative no part of the plan consumed (every row answered)."""
    word = next((w for w in re.findall(r"[a-z]+", question.lower()) if w in _SUPERLATIVES), None)
    if word is None:
        return
    if plan.order or plan.limit or plan.listing_order or plan.having or plan.rank_within:
        return
    if any(f.than or f.average for f in plan.numeric_filters) or plan.rows_plan is not None:
        return
    if any(
        (m := model.metrics.get(ref.key)) is None or m.agg in ("min", "max", "other")
        for ref in plan.metrics
    ):
        return
    raise Unclear(Clarify.UNUSED_WORD, word)


def impossible_range(plan: QueryPlan) -> None:
    """Ask back two bounds of one column that no row can meet together ("a singer above 40 and
    a singer below 30" read as `age > 40 AND age < 30`): the question asked for two sets of
    rows, which an AND of both conditions answers with none (branch `h-adjs`)."""
    plain = [
        f
        for f in plan.numeric_filters
        if not (f.average or f.than or f.alternative) and f.op in (">", ">=", "<", "<=")
    ]
    for low in plain:
        for high in plain:
            if (low.table, low.column) != (high.table, high.column):
                continue
            if low.op in (">", ">=") and high.op in ("<", "<="):
                strict = low.op == ">" or high.op == "<"
                if low.value > high.value or (strict and low.value == high.value):
                    raise Unclear(Clarify.NUMERIC_FILTER)
