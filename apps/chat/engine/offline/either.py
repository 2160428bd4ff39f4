"""Two conditions said with "or": "the names of people who are older than 30 or live in Paris",
"drivers from Hartford or younger than 40", "personas cuyo país es Francia o cuya edad es mayor
de 40".

The plan ANDs its conditions, so the parse asks such a question back naming the "or"
(`conditions._or_before`, `_or_value_after`, `alternatives.conditions_said_with_or`). Such a
question is read once more here, as whole questions each read with every check: the question
up to the "or" (A: "people who are older than 30"), the words before A's condition followed by
what comes after the "or" (B: "people who live in Paris"), and the question with "and" for the
"or" (both conditions, as the engine reads them together). It is kept when A and B give the
same answer (rows, columns, measures, groups, order) and differ in exactly one condition each,
no condition said of both, the "and" reading keeps exactly those two, and both are said of the
same rows: the base table's own columns or a table it reaches by to-one joins. Then WHERE
(A's condition OR B's condition) (`Filter.either`). Everything else stays asked back: an "or"
over a to-many relation (one row for each related row: the rows of either set are a union of
entities), a half not understood, a third condition that makes the precedence unclear ("A and B
or C"), a superlative ("either … or" with the oldest), several "or".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ..plan import Interpretation, NumericFilter, QueryPlan
from . import lexicon as lx
from .reading import describe
from .semantic import SemanticModel
from .sqlgen import PlanError, compile_sql

_EITHER = lx.words("either")
# words that say a slot of the answer (a group, an order), not a condition: said in A's half
# and kept by fewer of its words than A's reading ("per town in Lima" reads as one count, the
# town said; "per town" + B groups by town), what they say would be lost
_SLOT_WORDS = lx.GROUP_WORDS | lx.EACH_WORDS | lx.ORDER_WORDS

Read = Callable[[str], Interpretation]


def asks_about_or(result: Interpretation) -> bool:
    """Whether a question was asked back naming its "or"."""
    return result.route == "CLARIFY" and any(
        lx.fold(u.text) in lx.OR_WORDS for u in result.unresolved
    )


def either_condition(question: str, model: SemanticModel, read: Read) -> Interpretation | None:
    """The reading of two conditions joined by "or" as WHERE (A OR B), or None (see above)."""
    lang = lx.detect_language(question)
    said = question
    for t in reversed(lx.tokenize(question, lang)):  # "either A or B": the "or" says it
        if t.norm in _EITHER:
            said = said[: t.start] + said[t.end :].lstrip()
    tokens = lx.tokenize(said, lang)
    ors = [i for i, t in enumerate(tokens) if t.norm in lx.OR_WORDS]
    if len(ors) != 1 or ors[0] < 2 or ors[0] + 1 >= len(tokens):
        return None
    at = ors[0]
    if any(t.norm in lx.AND_WORDS for t in tokens[at + 1 :]):
        return None  # "A or B and C": which is said of both?
    first = said[: tokens[at].start].rstrip()
    rest = said[tokens[at + 1].start :]
    one = read(first)
    if one.route != "SQL" or one.plan is None:
        return None
    both = read(f"{first} {'y' if lang == 'es' else 'and'} {rest}")
    if both.route != "SQL" or both.plan is None:
        return None
    said_more = False  # words removed with A's condition said more than A's reading keeps
    for head in range(at - 1, 0, -1):  # the words before A's condition, fewest removed first
        two = read(f"{said[: tokens[head].start].rstrip()} {rest}")
        if two.route != "SQL" or two.plan is None:
            continue
        if _rest(one.plan) != _rest(two.plan):
            gone = not _conditions(one.plan) <= _conditions(two.plan)
            said_more = said_more or (gone and _says_more(two.plan, one.plan))
            continue
        if _conditions(one.plan) <= _conditions(two.plan):
            continue  # A's condition is still said: more of its words go
        if said_more and any(t.norm in _SLOT_WORDS for t in tokens[:at]):
            return None  # "halls per town in Lima or …": "per town" is more than A's reading
        plan = _either(one.plan, two.plan, both.plan, model)
        if plan is None:
            return None  # the first reading of the same answer decides
        return joined_reading(one, two, plan, model)
    return None


def joined_reading(
    one: Interpretation, two: Interpretation, plan: QueryPlan, model: SemanticModel
) -> Interpretation | None:
    """The reading of two halves' joined plan (either condition, both halves), said as one:
    None when the plan cannot be written as SQL."""
    try:
        sql = compile_sql(plan, model)
    except PlanError:
        return None
    return replace(
        one,
        plan=plan,
        sql=sql,
        notes=(*one.notes, *two.notes),
        reading=describe(plan, model, one.lang),
    )


def _says_more(plan: QueryPlan, than: QueryPlan) -> bool:
    """Whether `plan` answers with a slot `than` lacks: a group, a measure, an order, a number
    of rows (a column listed is not one: "people whose country is" + B lists the country the
    words left behind name). "the number of halls per town in Lima" reads as one count (the
    town is said: one group), "… per town with seats under 400" groups by town; under "or"
    the town is no longer one, and the group must not be lost."""
    return (
        not set(plan.dimensions) <= set(than.dimensions)
        or not set(plan.metrics) <= set(than.metrics)
        or (plan.order is not None and than.order is None)
        or (plan.limit is not None and than.limit is None)
    )


def _conditions(plan: QueryPlan) -> set:
    return {*plan.filters, *plan.numeric_filters}


def _rest(plan: QueryPlan) -> QueryPlan:
    """The plan without its value and numeric conditions: the answer the halves share."""
    return plan.with_changes(filters=(), numeric_filters=())


def _either(a: QueryPlan, b: QueryPlan, both: QueryPlan, model: SemanticModel) -> QueryPlan | None:
    """A's plan with A's own condition OR B's, or None when the halves are not one condition
    each of the same rows."""
    own_a, own_b = _conditions(a) - _conditions(b), _conditions(b) - _conditions(a)
    if len(own_a) != 1 or len(own_b) != 1 or _conditions(a) & _conditions(b):
        return None
    if _conditions(both) != own_a | own_b or _rest(both) != _rest(a):
        return None
    if a.limit or a.having or a.rows_plan or a.also_in or a.share or a.comparison:
        return None  # "either the oldest or …", counts of related rows, shares: not rows' own
    if a.time_range or a.time_periods or a.date_parts or a.window:
        return None
    for f in (*own_a, *own_b):
        if isinstance(f, NumericFilter) and (f.alternative or f.than or f.other):
            return None
        if not _same_rows(model, a.table, f.table):
            return None  # "students who take Math or …": one row per related row
    filters = tuple(replace(f, either=1 if f in own_a else 2) for f in (*a.filters, *b.filters))
    numeric = tuple(
        replace(f, either=1 if f in own_a else 2) for f in (*a.numeric_filters, *b.numeric_filters)
    )
    return a.with_changes(filters=filters, numeric_filters=numeric)


def _same_rows(model: SemanticModel, base: str, table: str) -> bool:
    """Whether each row of `base` meets at most one row of `table` on its join path: the same
    table, or foreign keys followed from the side that holds them (or key to key)."""
    here = base
    for left, left_col, right, _right_col in model.path(base, table) or ():
        if here == left:
            here = right
            continue
        info = model.tables.get(left)
        if info is None or info.key != (left_col,):
            return False  # from the referenced side: one row meets many
        here = left
    return here == table
