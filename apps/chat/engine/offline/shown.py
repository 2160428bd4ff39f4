"""What the answer table shows: the columns the question asks for, not the ones it qualifies by.

A measure said only to rank the rows ("the country with the most car makers", "the 3 most
populated countries", "el idioma hablado en más países") or to keep them ("districts with at
least two addresses", "government forms that have an average life expectancy above 72") is not
a column of the answer: the rows the question names are (their names, ids, the columns it
lists). The reading says the measure ("ordered by number of car makers", "HAVING …"), so the
user still sees what ranked or kept them. A measure the question asks for stays a column: it
is said somewhere else too ("how many …", "the names and populations of the 3 largest …",
"top 5 products by revenue").
"""

from __future__ import annotations

from collections.abc import Sequence

from datachat import text as tx

from ..plan import ColumnRef, QueryPlan
from . import lexicon as lx
from . import measures as ms
from .parser_schema import every_column_asked
from .scan import Mention
from .semantic import SemanticModel, linked_label

_RANKS = frozenset({"most", "least", "rank"})
_COPULA = frozenset({"is", "are", "was", "were", "es", "son", "era", "eran"})
_LEADS = frozenset({"agg", "count"})  # "the largest number of", "an average life expectancy"


def qualifier_only(mentions: Sequence[Mention], k: int) -> bool:
    """Whether mention `k` is said as a rank or a kept condition: right after a superlative or
    a top/bottom word ("the most car makers", "top 3 largest population", "la menor esperanza
    de vida"), after a comparison and its number ("with at least 3 cities"), or right before a
    comparison and its number ("an average life expectancy greater than 72")."""
    j = k - 1
    if j >= 0 and mentions[j].kind == "schema" and mentions[j].end == mentions[k].start:
        j -= 1  # "at least 3 car manufacturers": the first word of a compound
    while j >= 0 and mentions[j].kind in _LEADS:
        j -= 1
    if j >= 0 and mentions[j].kind in _RANKS:
        return True
    if j >= 1 and mentions[j].kind == "number" and mentions[j - 1].kind in _RANKS | {"cmp"}:
        return True
    # "whose average life expectancy is greater than 72": the copula may scan as a value ('IS')
    after = [m.kind for m in mentions[k + 1 : k + 4] if m.text.lower() not in _COPULA][:2]
    return after == ["cmp", "number"]


def _refers(model: SemanticModel, m: Mention, key: str) -> bool:
    """Whether a schema mention names the measure `key` (its metric, counted table or column)."""
    if m.kind != "schema":
        return False
    if any(e.kind == "metric" and e.ref[0] == key for e in m.entries):
        return True
    column = ms.metric_column(model, key)
    if column is None and ms.metric_agg(model, key) == "count":  # the rows counted
        table = ms.metric_table(model, key)
        return any(e.kind == "table" and e.ref[0] == table for e in m.entries)
    return column is not None and any(
        e.kind == "column" and tuple(e.ref) == column for e in m.entries
    )


def said_only_as_qualifier(model: SemanticModel, mentions: Sequence[Mention], key: str) -> bool:
    """Whether every place the question names the measure `key` ranks or keeps rows (and it
    names it at least once: an implied measure, "¿qué región vendió más?", is shown)."""
    places = [k for k, m in enumerate(mentions) if _refers(model, m, key)]
    ranked: set[int] = set()
    for k in places:  # "the greatest number of copies in inventory": one phrase, two mentions
        if qualifier_only(mentions, k) or k - 1 in ranked:
            ranked.add(k)
    return bool(places) and ranked == set(places)


def names_its_columns(tokens: Sequence[lx.Token]) -> bool:
    """Whether the question says what to show with a name or id word ("the name of the
    country with…", "list name and id", "los nombres de…"). Without one ("¿qué región tiene más
    ingresos?", "regiones con ingresos superiores a…") the measure that ranks or keeps the rows
    is part of the answer and stays a column."""
    return any(t.norm in lx.LABEL_NAME_WORDS | lx.LABEL_ID_WORDS for t in tokens)


# The openers that ask which rows they are ("Which …", "Give the districts which have two or more
# addresses", "In which cities …", "¿Cuáles son los países con…"): the count a HAVING keeps them
# by is said by the reading. An imperative ("Find/Show/List the employees who processed more than
# 100 orders", "Muestra …") keeps the count beside the rows: third-party golds differ on it, and
# a column dropped that was wanted is a wrong answer while one kept is only extra.
_ROWS_OPENERS = tuple(
    tuple(p.split())
    for p in lx.phrases("which | what are | what were | give | in which | que | cuales | en que")
)

# How often a value occurs, said as the superlative ("the most common nationality", "la
# ciudadanía más frecuente") or as the sort key ("sorted by their frequency", "in ascending
# order of count"): the count is how the values are picked, not a figure asked for.
_OFTEN = lx.words("common popular frequent comun frecuente repetido repetida habitual")
_MOST = lx.words("most least mas menos")
_BARE_COUNT = lx.words("count frequency frecuencia")
_ORDER_WORDS = lx.words("order ordered sorted sort by of their its ascending descending orden")
# a count said as a figure of the answer: "how many", "the number of", "cuántas veces"
_COUNT_ASKED = lx.words("many number numero numbers numeros count cuantos cuantas times veces")


def frequency_only(asked: Sequence[lx.Token]) -> bool:
    """Whether the question (as written) picks or sorts values by how often they occur ("the
    most common status across all cities", "the major record formats of orchestras, sorted
    by their frequency") without asking how often ("how many", "the number of")."""
    norms = [t.norm for t in asked if t.kind == "word"]
    often = any(a in _MOST and b in _OFTEN for a, b in zip(norms, norms[1:], strict=False))
    bare = bool(norms) and norms[-1] in _BARE_COUNT and len(norms) > 1 and norms[-2] in _ORDER_WORDS
    if not (often or bare):
        return False
    counted = [w for w in (norms[:-1] if bare else norms) if w in _COUNT_ASKED]
    return not counted


def asks_for_rows(tokens: Sequence[lx.Token]) -> bool:
    """Whether the question opens by asking for the rows themselves ("Which countries have at
    least 3 cities?", "Give the districts which have two or more addresses", "¿Cuáles son los
    países con…"): the groups a HAVING keeps are the answer, their count only keeps them.
    Said without such an opener ("Regions with more than 1000 orders") the count stays."""
    words = tuple(t.norm for t in tokens if t.kind != "symbol")
    return any(words[: len(opener)] == opener for opener in _ROWS_OPENERS)


def plain_groups(plan: QueryPlan) -> bool:
    """A grouped answer whose rows are the groups themselves (no window, share, comparison,
    ranking within groups or average over periods, whose columns are read by position)."""
    return bool(plan.dimensions) and not (
        plan.listing
        or plan.grain
        or plan.window
        or plan.rank_period
        or plan.rank_within
        or plan.share
        or plan.comparison
        or plan.average_over
        or plan.average_per
    )


def _counts_rows(model: SemanticModel, key: str) -> bool:
    """Whether the measure `key` counts rows (a count of a table, a count metric)."""
    return key.startswith("count:") or (
        ms.metric_column(model, key) is None and ms.metric_agg(model, key) == "count"
    )


def hide_qualifier_measures(
    plan: QueryPlan,
    model: SemanticModel,
    tokens: Sequence[lx.Token],
    said: Sequence[Mention],
    asked: Sequence[lx.Token] = (),
) -> QueryPlan:
    """The plan with the metrics said only to rank (a superlative or top N) or to keep the
    groups (a HAVING) marked hidden, when the question names what to show (a name or id word,
    or another measure): ORDER BY and HAVING use them, the columns do not. `tokens` and `said`
    are the question's words and mentions before any rewrite added words of its own (the
    "how many" of "countries with at least 3 cities"); `asked`, the question's words as written
    (before "the most common X" is read as "the X with the most rows")."""
    if not plain_groups(plan):
        return plan
    if asked and frequency_only(asked):
        often = {h.metric for h in plan.having}
        if plan.order is not None:
            often.add(plan.order.metric)
        counts = tuple(
            sorted(
                n
                for n in often
                if n < len(plan.metrics) and _counts_rows(model, plan.metrics[n].key)
            )
        )
        if counts and len(counts) == len(plan.metrics):
            return plan.with_changes(hidden_metrics=counts)
    candidates = {h.metric for h in plan.having}
    if plan.order is not None and plan.limit:
        candidates.add(plan.order.metric)
    hidden = tuple(
        sorted(
            n
            for n in candidates
            if n < len(plan.metrics) and said_only_as_qualifier(model, said, plan.metrics[n].key)
        )
    )
    # shown when nothing else names the answer: no name or id word, no other measure asked,
    # and no "which …"/"give the …" asking for the rows a HAVING keeps
    kept_only = {h.metric for h in plan.having} >= set(hidden)
    if not hidden or (
        len(hidden) == len(plan.metrics)
        and not names_its_columns(tokens)
        and not (kept_only and asks_for_rows(tokens))
    ):
        return plan
    return plan.with_changes(hidden_metrics=hidden)


def _person_of(model: SemanticModel, table: str) -> tuple[str, str] | None:
    """The named row a table's row stands for (`linked_label`) when the table's rows are people
    by their own noun (`gymnast`, `poker_player`; WordNet) and that row's label is a person's
    name: a template's type, a paragraph's document or a player's team is a row it refers to,
    not what it is."""
    words = tx.identifier_words(table)
    if not words or not tx.person_noun(lx.fold(words[-1])):
        return None
    linked = linked_label(model, table)
    label = model.column(*linked) if linked is not None else None
    # the row it stands for is a person's (a personal name), not a team a player plays for;
    # never added for a caller who may not see that name (grouping by it would be refused)
    return linked if label is not None and label.pii and not label.hidden else None


def the_person_of_whole_rows(
    plan: QueryPlan, model: SemanticModel, tokens: Sequence[lx.Token]
) -> QueryPlan:
    """ "Which poker players earned more than 500000?": the whole rows of a table with no name
    of its own whose rows each stand for a named row of another table (`linked_label`: a
    player is a person) say no one; the person's name is shown first, joined, beside them.
    Only a listing of every column of the table that no column was asked for (nor "all the
    information", which is the table's columns as stored), nothing counted."""
    if every_column_asked(list(tokens)):
        return plan
    if not plan.listing or plan.metrics or plan.dimensions or plan.rows_plan is not None:
        return plan
    if any(c.table != plan.table for c in plan.listing):
        return plan
    linked = _person_of(model, plan.table)
    info = model.tables.get(plan.table)
    if linked is None or info is None:
        return plan
    own = {
        c
        for c in info.columns
        if (sem := model.column(plan.table, c)) is not None and sem.kind != "id" and not sem.pii
    }
    if len(own) < 2 or not own <= {c.column for c in plan.listing}:
        return plan
    return plan.with_changes(listing=(ColumnRef(*linked), *plan.listing))


def the_person_of_key_groups(plan: QueryPlan, model: SemanticModel) -> QueryPlan:
    """ "Which gymnast has the highest vault points?" where a layer names the gymnasts' key
    "gymnast": groups by the key of a table with no name of its own whose rows each stand for a
    named row of another table (`linked_label`) say which number, not who; the person's name is
    grouped beside the key (the key kept, two people may share a name)."""
    if not plan.dimensions or plan.listing or plan.grain or plan.date_parts or plan.rank_within:
        return plan
    added = []
    for d in plan.dimensions:
        info = model.tables.get(d.table)
        linked = _person_of(model, d.table)
        if info is None or linked is None or info.key != (d.column,):
            added.append(d)
            continue
        if any(o.table == linked[0] for o in plan.dimensions):
            return plan
        added += [ColumnRef(*linked), d]
    if len(added) == len(plan.dimensions):
        return plan
    return plan.with_changes(dimensions=tuple(added))


def drop_constant_dimensions(plan: QueryPlan) -> QueryPlan:
    """ "How many countries have a republic as their form of government?", "the average GNP of
    nations whose government is US territory": a grouping column that a filter fixes to one
    value has one row, the value the question said; it is not a column of the answer (the
    reading says the filter). Grouping by it ("revenue by channel for Online") is the same
    figure."""
    if not plan.metrics or plan.listing or plan.comparison or plan.share:
        return plan
    fixed = {
        (f.table, f.column) for f in plan.filters if f.op in ("=", "in") and len(f.values) == 1
    }
    kept = tuple(d for d in plan.dimensions if (d.table, d.column) not in fixed)
    if len(kept) == len(plan.dimensions) or set(plan.rank_within) - set(kept):
        return plan
    return plan.with_changes(dimensions=kept, period_position=min(plan.period_position, len(kept)))


def _said_columns(said: Sequence[Mention]) -> set[tuple]:
    """The columns the question's words name best ("template ids": the id columns; "documents"
    names the table, not its name column, though its words are in that column's name)."""
    found = set()
    for m in said:
        if m.kind != "schema" or not m.entries:
            continue
        best = max(e.quality for e in m.entries)
        found |= {tuple(e.ref) for e in m.of("column") if e.quality == best}
    return found


# Words that open what the rows must satisfy ("the names of conductors whose nationality is
# not USA", "the grade for the high schooler named Kyle", "los productos cuyo nombre …"): the
# question's words before the first of them say what to show.
_CONDITION_WORDS = lx.words(
    "whose where when with who that which named called having without if "
    "cuyo cuya cuyos cuyas donde cuando con que quien quienes llamado llamada llamados llamadas sin"
)


def _asked_head(tokens: Sequence[lx.Token]) -> int:
    """The index of the first condition word after the question's first word (the end of
    what it asks to show), or len(tokens) when it says none."""
    for i, t in enumerate(tokens):
        if i > 0 and t.kind == "word" and t.norm in _CONDITION_WORDS:
            return i
    return len(tokens)


def drop_condition_columns(
    plan: QueryPlan,
    tokens: Sequence[lx.Token],
    said: Sequence[Mention],
    asked: Sequence[lx.Token] = (),
) -> QueryPlan:
    """ "What are the names of conductors whose nationalities are not 'USA'?", "Return the
    document id, template id, and description for the document with the name Robbin CV", "the
    name of the conductor who has worked the greatest number of years": a listing that names
    its columns before its conditions shows those; a column said only in a condition (a
    filter's, or the one ranking the rows) is not one of them. The reading says the condition.
    Kept when the question names no listed column before its conditions ("Productos con
    precio de lista por encima del promedio", "Which model has the largest horsepower?").
    `asked` is the question as written: a condition read apart ("the grade for the high
    schooler named Kyle": a value the index cannot hold) leaves no condition word in `tokens`."""

    if not plan.listing or plan.metrics:
        return plan
    end = _asked_head(tokens)
    if end >= len(tokens) and _asked_head(asked) >= len(asked):
        return plan  # no condition said (one read apart, "named Kyle", is no longer a word)
    head = _said_columns([m for m in said if m.end <= end])
    conditions = {(f.table, f.column) for f in plan.filters}
    conditions |= {(f.table, f.column) for f in plan.numeric_filters}
    if plan.listing_order is not None and not plan.distinct:  # DISTINCT rows show their order
        conditions.add((plan.listing_order.table, plan.listing_order.column))
    asked = [c for c in plan.listing if (c.table, c.column) in head]
    dropped = [c for c in plan.listing if (c.table, c.column) in conditions and c not in asked]
    if not asked or not dropped:
        return plan
    return plan.with_changes(listing=tuple(c for c in plan.listing if c not in dropped))


def _own_words_said(column: ColumnRef, tokens: Sequence[lx.Token]) -> bool:
    """Whether a word of the column's name that is not a word of its table's name is said
    ("the program id and the summary of the degree": `degree_summary_name`), or the column's
    name has no such word (nothing tells it from its table's): the column may be asked."""
    if not tokens:
        return True
    lang = tokens[0].lang
    table = {lx.stem(w, lang) for w in tx.identifier_words(column.table)}
    own = {lx.stem(w, lang) for w in tx.identifier_words(column.column)} - table
    return not own or bool(own & {t.key for t in tokens})


def drop_unasked_labels(
    plan: QueryPlan, model: SemanticModel, tokens: Sequence[lx.Token], said: Sequence[Mention]
) -> QueryPlan:
    """ "Show all template ids and the number of documents using each template", "What are the
    ids of documents that have 2 or more paragraphs?": the rows are named by the key column the
    question says, not by their label as well. The label is shown next to a key when the
    question does not name that key column itself (a column of another table referring to it,
    "the template type codes" of templates, is not it) or names the label ("name", its
    column's words): a label shown that was not wanted is only extra, one dropped that was is a
    wrong answer. The key is unique, so the groups and rows are the same."""
    if any(t.norm in lx.LABEL_NAME_WORDS for t in tokens):
        return plan  # "the film name, film id and description": the label is asked
    said_cols = _said_columns(said)

    def unasked(columns: Sequence[ColumnRef]) -> set[ColumnRef]:
        found = set()
        for c in columns:
            info = model.tables.get(c.table)
            if info is None or c.column != info.display or len(info.key) != 1:
                continue
            key = ColumnRef(c.table, info.key[0])
            said_key = key in columns and (key.table, key.column) in said_cols
            if said_key and (c.table, c.column) not in said_cols and not _own_words_said(c, tokens):
                found.add(c)
        return found

    if plan.listing and not plan.metrics:
        dropped = unasked(plan.listing)
        if dropped and len(dropped) < len(plan.listing):
            return plan.with_changes(listing=tuple(c for c in plan.listing if c not in dropped))
        return plan
    if not plain_groups(plan) or plan.time_column is not None:
        return plan
    dropped = unasked(plan.dimensions)
    if not dropped or len(dropped) == len(plan.dimensions):
        return plan
    kept = tuple(d for d in plan.dimensions if d not in dropped)
    return plan.with_changes(dimensions=kept, period_position=min(plan.period_position, len(kept)))
