"""Rows of an entity kept by its related rows: EXISTS, NOT EXISTS, one EXISTS per value.

`related_rows` lists (or counts) an entity's rows by the rows of a table that references it:
"countries that speak English", NOT EXISTS among the rows that have some related row ("do not",
"never"), one EXISTS per value ("both X and Y", "X and Y"); `RelatedRows` is what it read and
`conditions_of_related_rows` the conditions said of the related rows. Split out of
`relations.py` (the relation verbs), whose words it shares.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from datachat import text as tx

from ..plan import ColumnRef, QueryPlan, plan_to_dict
from . import lexicon as lx
from . import measures as ms
from .parser import Clarify, Unclear
from .relations import _BOTH, _NEVER, Relations, _names_entity, _needs_evidence
from .scan import Mention
from .semantic import SemanticModel

# "did not lose any ship with …": no related row at all meets it, rows with none included
_ANY = lx.words("any ningun ninguna ninguno")


# --- rows of an entity by its related rows: EXISTS, NOT EXISTS, one EXISTS per value ----------

_ROWS_BLOCKERS = frozenset(
    {"count", "agg", "group", "most", "least", "rank", "share", "howmuch", "compare", "trend"}
)
_NEGATION_KINDS = frozenset({"neg"})


def conditions_of_related_rows(plan: QueryPlan) -> tuple[bool, QueryPlan]:
    """A listing of rows kept by their related rows (EXISTS, NOT EXISTS): whether the question
    said conditions of the related rows (`plan`, read on their table), and the plan that reads
    them (no measures, listing, order nor grouping). Asked back when the plan groups (values
    listed, "Laptop Pro and Monitor", group by their filtered column: not that), has a grain, a
    limit, a HAVING or a comparison."""
    filtered = {(f.table, f.column) for f in plan.filters}
    grouped = [d for d in plan.dimensions if (d.table, d.column) not in filtered]
    if grouped or plan.grain or plan.limit or plan.having or plan.comparison:
        raise Unclear(Clarify.GENERIC)
    said = plan.filters or plan.numeric_filters or plan.time_range or plan.date_parts
    inner = plan.with_changes(metrics=(), listing=(), order=None, share=False, dimensions=())
    return bool(said), inner


@dataclass(frozen=True)
class RelatedRows:
    """A listing of `table`'s rows that have (or, `absent`, have no) row of `related` meeting
    the question's conditions, or one for each of its values (`each`: "both English and
    French", "English and French"). `tokens` say those conditions about `related`; `columns`
    are the listed columns the question named ("the codes of the countries")."""

    table: str
    related: str
    fk: str
    key: str
    absent: bool
    each: bool
    tokens: list
    columns: tuple[str, ...] = ()
    counted: bool = False  # "how many countries speak both …": count them
    lang: str = "en"
    none_at_all: bool = False  # "not … any": rows with no related row at all are kept too
    # the table the rewritten question names when the rows are looked for in another one that
    # references it (a link table: "shops with no employees" looks in the hirings)
    named: str = ""
    joined: tuple[str, ...] = ()  # the tables the related rows point at ("hire no employee")

    def listing(self, plan: QueryPlan, model: SemanticModel) -> QueryPlan:
        said, inner = conditions_of_related_rows(plan)
        if self.named:  # "countries with no car makers": any row of that table, or those said
            if plan.table not in (self.named, self.related, *self.joined) or plan.distinct:
                raise Unclear(Clarify.GENERIC)
            near = {self.named, self.related, *self.joined}
            said_of = {f.table for f in (*plan.filters, *plan.numeric_filters)}
            if plan.time_range is not None:
                said_of.add(plan.time_range.table)
            if not said_of <= near or plan.date_parts:
                raise Unclear(Clarify.GENERIC)  # a condition read on another table's column
            inner = inner.with_changes(table=self.related)
            if plan.table != self.related:  # through a link table: join the table it names
                key = model.tables[plan.table].key
                if len(key) != 1:
                    raise Unclear(Clarify.GENERIC)
                inner = inner.with_changes(listing=(ColumnRef(plan.table, key[0]),))
        elif not said or (plan.table != self.related and self.related not in _plan_tables(plan)):
            raise Unclear(Clarify.GENERIC)
        if self.counted:
            if self.columns:
                raise Unclear(Clarify.GENERIC)
            return QueryPlan(
                table=self.table,
                metrics=(ms.metric_ref(model, ms.count_key(model, self.table), self.lang),),
                rows_plan=plan_to_dict(inner),
                rows_key=(self.fk, self.key),
                rows_absent=self.absent,
                rows_each=self.each,
                rows_known=self.absent and not self.none_at_all,
            )
        shown = self.columns or (
            (model.tables[self.table].display,) if model.tables[self.table].display else ()
        )
        if not shown:
            raise Unclear(Clarify.GENERIC)
        return QueryPlan(
            table=self.table,
            listing=tuple(ColumnRef(self.table, c) for c in shown),
            rows_plan=plan_to_dict(inner),
            rows_key=(self.fk, self.key),
            rows_absent=self.absent,
            rows_each=self.each,
            rows_known=self.absent and not self.none_at_all,
        )


def _plan_tables(plan: QueryPlan) -> set[str]:
    return {f.table for f in plan.filters} | {f.table for f in plan.numeric_filters}


def related_rows(
    model: SemanticModel,
    tokens: list[lx.Token],
    mentions: list[Mention],
    relations: Relations | None,
) -> RelatedRows | None:
    """ "countries that do not speak English", "countries that speak both English and
    French", "countries with English and French as official languages", "países que no hablan
    inglés": rows of an entity table listed by the rows of a table that references it
    directly (a language of a country), whose values the question names after the entity.
    The entity's words are replaced by the related table's name, so the rest reads as
    conditions on the related rows."""
    kinds = {m.kind for m in mentions}
    if kinds & _ROWS_BLOCKERS - {"count"}:
        return None
    schema = [
        n
        for n, m in enumerate(mentions)
        if m.kind == "schema" and not _needs_evidence(m, tokens)  # "is", "do": words
    ]
    counts = [m for m in mentions if m.kind == "count"]
    counted_by_metric = _count_metric_table(model, mentions[schema[0]]) if schema else None
    if counted_by_metric is not None and not counts:  # "the number of nations that …"
        entity_at, table = schema[0], counted_by_metric
        entity = mentions[entity_at]
    else:
        entity_at = next(
            (n for n in schema if _names_entity(mentions[n]) and mentions[n].has("table")), None
        )
        if entity_at is None:
            return None
        entity = mentions[entity_at]
        if counts and not (
            len(counts) == 1
            and entity_at > 0
            and mentions[entity_at - 1] is counts[0]
            and all(t.norm in lx.FILLER for t in tokens[counts[0].end : entity.start])
        ):
            return None  # only "how many <entity> …": a count of the rows listed
        if entity.has("value") or entity.has("metric"):
            return None
        table = max(entity.of("table"), key=lambda e: e.quality).ref[0]
        if max(e.quality for e in entity.of("table")) < max(e.quality for e in entity.entries):
            return None
    columns: list[str] = []
    for n in schema:
        if n >= entity_at:
            break
        m = mentions[n]
        mine = [e.ref[1] for e in m.of("column") if e.ref[0] == table]
        if m.has("value") or m.has("metric") or not mine:
            return None  # before the entity: only the columns listed of it
        columns.append(mine[0])
    after = [
        mentions[n]
        for n in schema
        if n > entity_at and not _needs_evidence(mentions[n], tokens)  # "is", "do": words
    ]
    values = [m for m in after if m.has("value") and not m.has("table")]
    owners = {e.ref[0] for m in values for e in m.of("value")}
    if not values or len(owners) != 1:
        return None
    related = owners.pop()
    path = model.path(related, table)
    if not path or len(path) != 1 or path[0][0] != related:
        return None
    if any(
        not ({e.ref[0] for e in m.entries if e.kind in ("table", "column", "value")} <= {related})
        for m in after
    ):
        return None  # conditions on the entity itself or a third table: not this shape
    norms = [t.norm for t in tokens]
    start = entity.end
    first_value = values[0].start
    negations = [m for m in mentions if m.kind in _NEGATION_KINDS]
    nevers = [n for n, w in enumerate(norms) if w in _NEVER]
    if any(m.start < start or m.start > first_value for m in negations) or any(
        n < start or n > first_value for n in nevers
    ):
        return None  # a negation of something else ("… and not French"): not this shape
    negated = bool(negations or nevers)
    both = any(w in _BOTH for w in norms[start:])
    anded = _values_joined(mentions, values, lx.AND_WORDS)
    verb = relations is not None and any(table in r.left for r in relations.found)
    ored = _values_joined(mentions, values, lx.OR_WORDS)
    if not (negated or both or anded or ored or verb):
        return None
    if negated and (both or anded):
        return None
    drop = {n for n, w in enumerate(norms) if w in _BOTH or w in _NEVER}
    drop |= {n for m in counts for n in range(m.start, m.end)}
    drop |= {n for m in mentions if m.kind in _NEGATION_KINDS for n in range(m.start, m.end)}
    drop |= {n for n, w in enumerate(norms) if w in ("dont", "doesnt", "didnt")}
    lang = tokens[0].lang
    seed = tokens[entity.start]
    named = [
        replace(seed, text=w, norm=w, key=lx.word_key(w, lang))
        for w in tx.identifier_words(related)
    ]
    first = mentions[schema[0]].start if columns else entity.start
    rewritten = [
        *[t for n, t in enumerate(tokens[:first]) if n not in drop],
        *named,
        *[t for n, t in enumerate(tokens[entity.end :], start=entity.end) if n not in drop],
    ]
    _, fk, _, key = path[0]
    return RelatedRows(
        table,
        related,
        fk,
        key,
        negated,
        both or anded,
        rewritten,
        tuple(columns),
        counted=bool(counts) or counted_by_metric is not None,
        lang=lang,
        none_at_all=negated
        and (
            bool(nevers)  # "programs never shown in the morning": never shown at all too
            or any(w in _ANY for w in norms[start:first_value])
            or _have_a(norms[start:first_value])
        ),
    )


_HAVE_WORDS = lx.words("have has had")
_INDEFINITE = lx.words("a an")


def _have_a(norms: list[str]) -> bool:
    """ "tracks that do not have a race in the class 'GT'": "have" and an indefinite article
    say "any" (no such row at all, rows with no related row kept too)."""
    return any(
        w in _HAVE_WORDS and n in _INDEFINITE for w, n in zip(norms, norms[1:], strict=False)
    )


def _count_metric_table(model: SemanticModel, mention: Mention) -> str | None:
    """The table a mention counts when it names only a count of its rows ("number of
    nations", a steward's COUNT metric with no filter), else None."""
    if mention.kind != "schema" or not mention.entries:
        return None
    if any(e.kind != "metric" for e in mention.entries):
        return None
    tables = set()
    for e in mention.entries:
        metric = model.metrics.get(e.ref[0])
        if metric is None or metric.agg not in ("count", "countd") or metric.filtered:
            return None
        tables.add(metric.table)
    return tables.pop() if len(tables) == 1 else None


def _values_joined(mentions: list[Mention], values: list[Mention], words: frozenset) -> bool:
    """Whether two values of one column are joined by one of `words` ("English and French")."""
    for a, b in zip(values, values[1:], strict=False):
        cols_a = {e.ref[:2] for e in a.of("value")}
        cols_b = {e.ref[:2] for e in b.of("value")}
        if not cols_a & cols_b:
            continue
        between = [m for m in mentions if a.end <= m.start and m.end <= b.start]
        if not between or between[0].kind != "conj" or lx.fold(between[0].text) not in words:
            continue
        # "cartoons directed by A and cartoons directed by B": the noun said again after the
        # conjunction names the same rows, each value its own
        if all(_names_no_value(m) for m in between[1:]):
            return True
    return False


def _names_no_value(mention: Mention) -> bool:
    return mention.kind == "schema" and bool(mention.entries) and not mention.has("value")
