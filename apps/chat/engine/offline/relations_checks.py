"""After the plan: `check_relations` and `negate_flag_pairs`.

`check_relations` asks back, naming the verb, when the plan does not answer the relation the
question said (the entity before the verb is not what is counted, grouped or listed; a negated
relation is no NOT EXISTS; values after it are grouped); `negate_flag_pairs` reads a negated
yes/no flag of another table with its pair. Split out of `relations.py`.
"""

from __future__ import annotations

from dataclasses import replace

from ..plan import QueryPlan, plan_to_dict
from .parser import Clarify, Unclear
from .relations import Relations, _counted_table
from .scan import Mention
from .semantic import SemanticModel, flag_true


def _referenced_count(model: SemanticModel, key: str) -> str | None:
    """The table a count of distinct foreign-key values counts the rows of ("the number of
    events they reported": the distinct `Event_ID` of the link table are events), or None."""
    if key.startswith("countd:"):
        ref = key.split(":", 1)[1]
    elif key.startswith("agg:countd:"):
        ref = key.split(":", 2)[2]
    else:
        return None
    table, _, column = ref.partition(".")
    for fk in model.catalog.foreign_keys:
        if fk.table == table and fk.column == column:
            return fk.ref_table
    return None


def _subject_tables(plan: QueryPlan, model: SemanticModel) -> set[str]:
    """The tables whose rows the plan counts, groups or lists."""
    found = {d.table for d in plan.dimensions} | {c.table for c in plan.listing}
    found |= {t for t in (_counted_table(model, m.key) for m in plan.metrics) if t}
    if plan.listing or plan.rows_plan is not None:
        found.add(plan.table)
    return found


def negate_flag_pairs(plan: QueryPlan, model: SemanticModel) -> QueryPlan:
    """ "countries where English is not the official language" negates the pair (English,
    official) for a country, not the flag alone: a negated yes/no filter of a table other than
    the one asked about, next to another filter on its table, becomes "the rows with no row of
    that table meeting both" (`NOT EXISTS`, among the rows that have some such row) when that
    table references the asked table's key directly; otherwise it is asked back, naming the
    flag."""
    for f in plan.filters:
        if f.op not in ("!=", "not in"):
            continue
        sem = model.columns.get((f.table, f.column))
        if sem is None or flag_true(sem) is None:
            continue
        if f.table in _subject_tables(plan, model):
            continue  # "editions in Berlin that are not licensed": the flag of the rows asked
        if any(g is not f and g.table == f.table for g in plan.filters):
            paired = _without_flag_pair(plan, model, f, flag_true(sem))
            if paired is None:
                raise Unclear(Clarify.UNUSED_WORD, f.column)
            return paired
    return plan


def _without_flag_pair(plan: QueryPlan, model: SemanticModel, flag, yes: str) -> QueryPlan | None:  # noqa: ANN001
    """The plan keeping the rows with no row of the flag's table that meets its other filters
    with the flag set, or None when the plan cannot say it (the flag negates another value, the
    table is used otherwise, or no key of that table references the asked table)."""
    other = flag.table
    if flag.values != (yes,) or plan.rows_plan is not None or plan.table == other:
        return None
    if any(n.table == other for n in plan.numeric_filters) or plan.time_range is not None:
        return None
    links = [
        fk for fk in model.catalog.foreign_keys if fk.table == other and fk.ref_table == plan.table
    ]
    if len(links) != 1:
        return None
    kept = tuple(f for f in plan.filters if f.table != other)
    pair = tuple(
        f if f is not flag else replace(f, op="=") for f in plan.filters if f.table == other
    )
    inner = QueryPlan(table=other, filters=pair)
    return plan.with_changes(
        filters=kept,
        rows_plan=plan_to_dict(inner),
        rows_key=(links[0].column, links[0].ref_column),
        rows_absent=True,
        rows_known=True,
    )


def _shared_columns_listed(
    plan: QueryPlan, model: SemanticModel, mentions: tuple[Mention, ...] | list[Mention]
) -> str:
    """The listed column, when rows with no related row are listed only by a column many rows
    share (a country, a category: neither the rows' key nor their name) said right before
    the rows, as what is asked ("which countries' channels play no X"): each such channel's
    country (repeated, and a country may also have a channel that plays X), or the countries
    where no channel plays X? "the package options of the channels that …" is each row's.
    "" otherwise."""
    info = model.tables.get(plan.table)
    if info is None or not plan.listing or plan.metrics:
        return ""
    own = {info.display, *info.key}
    if any(c.table != plan.table or c.column in own for c in plan.listing):
        return ""
    listed = {(c.table, c.column) for c in plan.listing}
    for first, second in zip(mentions, mentions[1:], strict=False):
        said = first.kind == "schema" and {e.ref[:2] for e in first.of("column")} & listed
        if (
            said
            and second.start == first.end
            and plan.table in {e.ref[0] for e in second.of("table")}
        ):
            return plan.listing[0].column
    return ""


def check_relations(
    plan: QueryPlan, model: SemanticModel, relations: Relations, mentions: list[Mention] = ()
) -> None:
    """Raise `Unclear` naming the verb when the plan does not answer the relation it read: a
    negated relation needs rows that have no related row (NOT EXISTS), a count through the
    relation counts one of its two entities ("the language spoken by the most countries"),
    a value after it is never negated row by row (`city <> 'Madrid'` keeps a book also printed
    in Madrid), and values after the verb filter, never group ("countries that speak English and
    French" asks for both, not one row per language)."""
    for relation in relations.found:
        negative = [f for f in plan.filters if f.op in ("!=", "not in")]
        if relation.one_each:  # "not built by X": X is the one maker of each model
            if not any(f.table in relation.right for f in negative):
                raise Unclear(Clarify.UNUSED_WORD, relation.verb)
        elif relation.negated and not (plan.rows_plan is not None and plan.rows_absent):
            raise Unclear(Clarify.UNUSED_WORD, relation.verb)
        elif relation.negated:
            shared = _shared_columns_listed(plan, model, mentions)
            if shared:  # "which countries' channels do not play …": each channel's, or a set?
                raise Unclear(Clarify.SET_OR_EACH, shared)
        if not (relation.left & _subject_tables(plan, model)):
            raise Unclear(
                Clarify.UNUSED_WORD, relation.verb
            )  # the entity that does it is not asked
        counts = [_counted_table(model, m.key) for m in plan.metrics]
        counted = {t for t in counts if t is not None}
        counted |= {t for t in (_referenced_count(model, m.key) for m in plan.metrics) if t}
        if counted and not counted & (relation.left | relation.right):
            raise Unclear(Clarify.UNUSED_WORD, relation.verb)
        if relation.counted and not relation.values:
            grouped = {d.table for d in plan.dimensions} & relation.right
            if not counted & relation.right or grouped - relation.left:
                raise Unclear(Clarify.UNUSED_WORD, relation.verb)
        one_row = relation.one_each
        if (
            plan.rows_plan is None
            and not one_row
            and any(f.table in relation.right for f in negative)
        ):
            raise Unclear(
                Clarify.UNUSED_WORD, relation.verb
            )  # "not in Madrid": a NOT EXISTS, or ask
        if relation.values:
            filtered = {(f.table, f.column) for f in plan.filters if f.table in relation.right}
            if filtered & {(d.table, d.column) for d in plan.dimensions}:
                raise Unclear(Clarify.UNUSED_WORD, relation.verb)
