"""Rows said by other rows, read before the parse: "customers who never bought X",
"both X and Y", "all except X" (`_entity_rows`, `_rows_except`), "makers that designed more
than 3 models", "customers with more than 5 orders" (`_verb_before_count`,
`_entities_with_count`), and the helpers of the two-halves readings that stay in
`__init__.py` (`_both_halves`, `_measured_rows`: they read each half with `_interpret`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from datachat import text as tx

from ..plan import ColumnRef, QueryPlan, plan_to_dict
from . import lexicon as lx
from .parser import Clarify, Unclear
from .relations_exist import conditions_of_related_rows
from .relations_none import own_column_said, rows_without
from .scan import Mention, scan
from .semantic import EXACT, SemanticModel
from .verbs import one_link_table, participle_column, role_words


def _unknown_before_relation(
    tokens: list[lx.Token], mentions: list[Mention], unmapped: list[str]
) -> list[str]:
    """ "the names and origins of people who are not body builders": a word nothing reads,
    said before the relation (its negation, "with", "without"), is an unknown column of the
    rows listed; the rewrite that names the related rows must not drop it (asked back)."""
    edge = next((m.start for m in mentions if m.kind in ("neg", "without", "with", "exist")), None)
    if edge is None or not unmapped:
        return []
    unknown = set(unmapped)
    # "painters who never had an exhibition": "never" is the relation's own negation
    return [t.text for t in tokens[:edge] if t.text in unknown and t.norm not in _NEVER]


_EXCEPT = lx.words("except excepto salvo exceptuando")
_EXCEPT_FOR = lx.words("for para a")
_EXCEPT_ARTICLES = lx.words("the los las")
_EXCEPT_HAVING = {
    "en": (("having",), ("with",), ("that", "have"), ("which", "have"), ("who", "have")),
    "es": (("con",), ("que", "tienen"), ("que", "tengan")),
}


def _rows_except(model: SemanticModel, tokens: list[lx.Token], mentions: list):  # noqa: ANN202
    """ "all stadiums except for stadiums having a concert in 2014", "todos los estadios
    excepto los estadios con un concierto en 2014": the rows of a table but those that have
    related rows are the rows with none (`rows_without`): read as "stadiums without a concert
    in 2014". Only when the table is named again right after the except word, then a word
    saying "having"; anything else ("films longer than 100, except those who cost …": a
    condition on the rows themselves) is left as it was (asked back)."""
    for k, m in enumerate(mentions[:-1]):
        if m.kind != "neg" or tokens[m.start].norm not in _EXCEPT or k == 0:
            continue
        before = mentions[k - 1]
        i = m.end
        while i < len(tokens) and tokens[i].norm in _EXCEPT_FOR | _EXCEPT_ARTICLES:
            i += 1
        tables = {e.ref[0] for e in before.of("table")}
        if before.kind != "schema" or not tables or i >= len(tokens):
            return None
        if tokens[i].norm in _THOSE:  # "except those having …": the rows named before
            end = i + 1
        else:
            again = next((n for n in mentions if n.start == i), None)
            if again is None or again.kind != "schema" or again.has("value"):
                return None
            if tables != {e.ref[0] for e in again.of("table")}:
                return None
            end = again.end
        lang = "es" if tokens[m.start].lang == "es" else "en"
        norms = tuple(t.norm for t in tokens[end:])
        said = next((h for h in _EXCEPT_HAVING[lang] if norms[: len(h)] == h), None)
        if said is None or before.end != m.start:
            return None
        word = "sin" if lang == "es" else "without"
        without = replace(tokens[m.start], text=word, norm=word, key=lx.word_key(word, lang))
        rewritten = [*tokens[: m.start], without, *tokens[end + len(said) :]]
        return rows_without(model, rewritten, scan(model, rewritten)[0])
    return None


_NEVER = lx.words("never nunca jamas")
_ANY = lx.words("any ningun ninguna ninguno")
_BOTH = lx.words("both ambos ambas")
_ENTITY_BLOCKERS = frozenset(
    {"count", "agg", "group", "most", "least", "rank", "share", "howmuch", "compare", "trend"}
)


@dataclass(frozen=True)
class _EntityRows:
    """A listing of `table`'s rows that have (or, `absent`, have no) row of the fact table
    meeting the question's conditions; `tokens` say those conditions about the fact table."""

    table: str
    fk: str
    key: str
    absent: bool
    tokens: list
    each: bool = False  # "both X and Y"

    def listing(self, plan: QueryPlan, model: SemanticModel) -> QueryPlan:
        said, inner = conditions_of_related_rows(plan)
        if not said and not self.absent:
            raise Unclear(Clarify.GENERIC)
        label = model.tables[self.table].display
        if label is None:
            raise Unclear(Clarify.GENERIC)
        return QueryPlan(
            table=self.table,
            listing=(ColumnRef(self.table, label),),
            rows_plan=plan_to_dict(inner),
            rows_key=(self.fk, self.key),
            rows_absent=self.absent,
            rows_each=self.each,
        )


def _entity_rows(
    model: SemanticModel, tokens: list[lx.Token], mentions: list
) -> _EntityRows | None:
    """ "clientes que compraron en el canal Online", "customers who never ordered in 2024",
    "products never sold", "customers without any order above 20": rows of an entity table
    listed by what its fact rows do (EXISTS), or do not (NOT EXISTS). The entity's words are
    replaced by the fact table's name, so the rest reads as conditions on the fact rows."""
    kinds = {m.kind for m in mentions}
    if kinds & _ENTITY_BLOCKERS or not model.fact:
        return None
    first = next((i for i, m in enumerate(mentions) if m.kind == "schema"), None)
    if first is None:
        return None
    entity = mentions[first]
    if not entity.has("table") or entity.has("value") or entity.has("metric"):
        return None
    table = max(entity.of("table"), key=lambda e: e.quality).ref[0]
    best = max(e.quality for e in entity.entries)
    if table == model.fact or max(e.quality for e in entity.of("table")) < best:
        return None
    path = model.path(model.fact, table)
    if not path or len(path) != 1 or path[0][0] != model.fact:
        return None
    after = mentions[first + 1] if first + 1 < len(mentions) else None
    if after is not None and after.start == entity.end and own_column_said(model, table, after):
        return None  # "the painter names without …": the painters' names (`rows_without`)
    norms = [t.norm for t in tokens]
    never = any(w in _NEVER for w in norms)
    both = any(w in _BOTH for w in norms)
    without_any = any(
        a in ("without", "sin") and b in _ANY for a, b in zip(norms, norms[1:], strict=False)
    )
    doing = kinds & {"buy", "sell", "sold"} or never or without_any or both
    conditions = [m for m in mentions[first + 1 :] if m.kind in ("schema", "time", "cmp")]
    if not doing or not (conditions or never):
        return None
    drop = {n for n, w in enumerate(norms) if w in _NEVER or w in _ANY or w in _BOTH}
    drop |= {n for n, w in enumerate(norms) if w in ("without", "sin") and n + 1 in drop}
    drop |= {n for n, w in enumerate(norms) if w in ("not", "no") and never}
    fact_words = tx.identifier_words(model.fact)
    lang = tokens[0].lang
    seed = tokens[entity.start]
    named = [replace(seed, text=w, norm=w, key=lx.word_key(w, lang)) for w in fact_words]
    rewritten = [
        *[t for n, t in enumerate(tokens[: entity.start]) if n not in drop],
        *named,
        *[t for n, t in enumerate(tokens[entity.end :], start=entity.end) if n not in drop],
    ]
    _, fk, _, key = path[0]
    return _EntityRows(table, fk, key, never or without_any, rewritten, both)


_THOSE = lx.words("those ones these aquellos aquellas estos estas")


_SHARED = lx.words("shared compartido compartida compartidos compartidas")
_SHARED_BY = lx.words("by por")
_SHARED_BEFORE = lx.words("that which are is were was que son es fue fueron")


def _shared_by(question: str, tokens: list[lx.Token]) -> tuple[int, int] | None:
    """(where the head ends, the position of "by") of "the X (that are) shared by …", "los X
    compartidos por …": the values the rows after it share, as "both" says; None if not said.
    The verb may have been read already as the link between the two (`relation_verbs`): it is
    then looked for in the question's text right before "by"."""
    for i in range(1, len(tokens) - 1):
        if tokens[i].norm not in _SHARED_BY:
            continue
        between = lx.fold(question[tokens[i - 1].end : tokens[i].start]).split()
        if tokens[i - 1].norm in _SHARED:
            start = i - 1
        elif between and between[-1] in _SHARED:
            start = i
        else:
            continue
        while start > 1 and tokens[start - 1].norm in _SHARED_BEFORE:
            start -= 1
        return start, i
    return None


def _rows_of_both(a: QueryPlan, b: QueryPlan, model: SemanticModel) -> QueryPlan | None:
    """The second half as the keys of the rows it keeps, when both halves list the rows of
    one table (by their label, key or several columns) by conditions on other tables only (its
    related rows: "concerts in 2014"), and the table has a one-column key; else None."""
    info = model.tables.get(a.table)
    if info is None or len(info.key) != 1 or any(c.table != a.table for c in a.listing):
        return None
    for plan in (a, b):
        said = [f.table for f in (*plan.filters, *plan.numeric_filters)]
        said += [d.table for d in plan.date_parts]
        if plan.time_range is not None:
            said.append(plan.time_range.table)
        if not said or a.table in said:
            return None
    return b.with_changes(listing=(ColumnRef(a.table, info.key[0]),))


def _rows_with_both(a: QueryPlan, b: QueryPlan, model: SemanticModel) -> QueryPlan | None:
    """The second half as the keys of its rows, when each half lists the same rows (their label,
    key or columns, of a table with a one-column key) by related rows only, the rows present
    (EXISTS) in both, and the two related readings differ; else None."""
    info = model.tables.get(a.table)
    if info is None or len(info.key) != 1 or b.table != a.table:
        return None
    if not (a.rows_plan and b.rows_plan) or a.rows_absent or b.rows_absent:
        return None
    if (a.rows_plan, a.rows_key) == (b.rows_plan, b.rows_key):
        return None
    if any(c.table != a.table for c in a.listing):
        return None
    for plan in (a, b):
        if plan.filters or plan.numeric_filters or plan.time_range or plan.date_parts:
            return None  # a condition on the rows' own columns: each half's, or both?
    return b.with_changes(listing=(ColumnRef(a.table, info.key[0]),))


def _said_conditions(plan: QueryPlan) -> tuple[int, int, int, int]:
    """How many conditions of each kind a plan keeps its rows by."""
    return (
        len(plan.filters),
        len(plan.numeric_filters),
        int(plan.time_range is not None),
        len(plan.date_parts),
    )


_NEGATIONS = lx.words("not no dont doesnt didnt never nunca jamas ni neither nor")
_COUNT_GAP = lx.RELATION_BEFORE - _NEGATIONS
_VERB_KINDS = frozenset({"info", "meaning", "exist"})
_HAVE = lx.words("have has had tiene tienen tenia tenian")
_COUNT_PREPOSITIONS = lx.words("in on at for")  # Spanish "en" is a relation word already


def _verb_before_count(
    model: SemanticModel, tokens: list[lx.Token], mentions: list
) -> list[lx.Token] | None:
    """ "makers that designed more than 3 models", "países que contienen al menos 3 ciudades":
    one word the catalog does not use, between an entity and a count of another table joined
    to it by exactly one foreign key, is that link whatever the verb says (the count can only
    be of the rows linked to each entity): read as "makers with more than 3 models". A gap
    with a negation, a second word, or tables with no single link is left as it was (asked
    back)."""
    for k, cmp in enumerate(mentions):
        if cmp.kind != "cmp" or k < 1 or k + 2 >= len(mentions):
            continue
        number, counted, entity = mentions[k + 1], mentions[k + 2], mentions[k - 1]
        linked = _said_through_link(model, tokens, mentions, k)
        if linked is not None:  # "journalists that have reported more than one event"
            first = tokens[linked.end]
            with_word = "con" if first.lang == "es" else "with"
            said = replace(
                first, text=with_word, norm=with_word, key=lx.word_key(with_word, first.lang)
            )
            return [*tokens[: linked.end], said, *tokens[cmp.start :]]
        verb = None
        had = entity.kind == "with"
        if entity.kind in _VERB_KINDS and k >= 2:
            verb, entity = entity, mentions[k - 2]
        elif entity.kind == "with" and k >= 2:
            entity = mentions[k - 2]  # "actors who had roles in more than 30 films"
        elif k >= 2 and participle_column(tokens, entity, tokens[entity.start].lang):
            # "cities that have hosted more than one competition": a verb, not `Hosts`
            verb, entity = entity, mentions[k - 2]
            if entity.kind == "exist" and k >= 3:
                entity = mentions[k - 3]
        if number.kind != "number" or not _table_rows(entity) or not _table_rows(counted):
            continue
        gap = [
            n
            for n in range(entity.end, cmp.start)
            if verb is None or n not in range(verb.start, verb.end)
        ]
        roles = role_words(tokens, gap)  # "played a role in": the verb says it all
        if had and not roles:
            continue  # "customers with more than 5 orders": read as it is
        if gap and gap[-1] == cmp.start - 1 and tokens[gap[-1]].norm in _COUNT_PREPOSITIONS:
            roles.add(gap[-1])  # "starred in more than 30 films": the verb's preposition
        unknown = [n for n in gap if tokens[n].norm not in _COUNT_GAP and n not in roles]
        have = [n for n in gap if tokens[n].norm in _HAVE]
        if verb is None and len(unknown) == 1:
            verb_at = unknown
        elif verb is None and not unknown and len(have) == 1:
            verb_at = have  # "countries has more than 2 makers": a "have" the scan passed
        elif verb is not None and not unknown and verb.end - verb.start == 1:
            verb_at = [verb.start]
        else:
            continue
        if any(tokens[n].norm in _NEGATIONS for n in range(entity.end, cmp.start)):
            continue
        if not _one_link(model, entity, counted) and not one_link_table(
            model, {e.ref[0] for e in entity.of("table")}, {e.ref[0] for e in counted.of("table")}
        ):
            continue  # "actors who starred in more than 30 films": through `film_actor`
        first = tokens[verb_at[0]]
        with_word = "con" if first.lang == "es" else "with"
        said = replace(
            first, text=with_word, norm=with_word, key=lx.word_key(with_word, first.lang)
        )
        return [*tokens[: entity.end], said, *tokens[cmp.start :]]
    return None


def _said_through_link(model: SemanticModel, tokens: list[lx.Token], mentions: list, k: int):  # noqa: ANN202
    """ "journalists that have reported more than one event": the word between "have" and the
    count names only a table that references both the entity's table and the counted one (the
    reports of each journalist's events): that link is what "with" says. The entity, else None."""
    if k < 3 or mentions[k - 2].kind != "exist":
        return None
    entity, verb, counted = mentions[k - 3], mentions[k - 1], mentions[k + 2]
    if verb.kind != "schema" or verb.has("value") or verb.has("metric"):
        return None
    if not _table_rows(entity) or not _table_rows(counted):
        return None
    if verb.start != mentions[k - 2].end or verb.end - verb.start != 1:
        return None
    if any(tokens[n].norm not in _COUNT_GAP for n in range(entity.end, mentions[k - 2].start)):
        return None
    mine = {e.ref[0] for e in entity.of("table")}
    theirs = {e.ref[0] for e in counted.of("table")}
    links = {e.ref[0] for e in verb.entries} - mine - theirs

    def references(link: str, tables: set[str]) -> bool:
        return any(
            (path := model.path(link, t)) and len(path) == 1 and path[0][0] == link for t in tables
        )

    found = [link for link in links if references(link, mine) and references(link, theirs)]
    return entity if len(found) == 1 else None


def _without_count_word(tokens: list[lx.Token], mentions: list) -> list[lx.Token] | None:
    """The tokens without a count word ("how many", "the number of", "cuántos") said right
    before a table whose rows are then kept by a count of another table ("how many countries
    have more than 2 makers"): what passes is listed, then counted (`groups_counted`)."""
    for k, counter in enumerate(mentions[:-3]):
        entity = mentions[k + 1]
        if counter.kind != "count" or not _table_rows(entity):
            continue
        if not any(m.kind == "cmp" for m in mentions[k + 2 : k + 4]):
            continue
        return [*tokens[: counter.start], *tokens[counter.end :]]
    return None


def _table_rows(mention) -> bool:  # noqa: ANN001
    """A table named, not a value or a metric."""
    return (
        mention.kind == "schema"
        and mention.has("table")
        and not mention.has("value")
        and not mention.has("metric")
    )


def _one_link(model: SemanticModel, entity, counted) -> bool:  # noqa: ANN001
    """The counted table references the entity's by exactly one foreign-key step."""
    mine = {e.ref[0] for e in entity.of("table")}
    theirs = {e.ref[0] for e in counted.of("table")}
    links = [
        (a, b)
        for a in mine
        for b in theirs
        if a != b and (path := model.path(b, a)) and len(path) == 1 and path[0][0] == b
    ]
    return len(links) == 1


def _entities_with_count(
    tokens: list[lx.Token], mentions: list, model: SemanticModel
) -> list[lx.Token] | None:
    """ "customers with more than 5 orders", "países con al menos 3 ciudades": the rows of one
    table counted per row of another, kept where the count passes: read as "orders by
    customers with more than 5 orders" (a HAVING on the count, grouped by the entity)."""
    kinds = [m.kind for m in mentions]
    for k in range(1, len(mentions) - 3):
        if kinds[k : k + 3] != ["with", "cmp", "number"] and kinds[k : k + 3] != [
            "exist",
            "cmp",
            "number",
        ]:
            continue
        counted = mentions[k + 3]
        e = k - 1  # the entity, past the values that narrow it ("countries in Europe have…")
        if e > 0 and kinds[e] == "list" and tokens[mentions[e].start].norm in _RELATIVE:
            if kinds.count("cmp") > 1:
                continue  # "which produce at least 2 models and more than 3 cars": two counts
            e -= 1  # "the districts which have at least two addresses"
        while e > 0 and mentions[e].kind == "schema" and mentions[e].has("value"):
            e -= 1
        entity = mentions[e]
        if entity.kind != "schema" or counted.kind != "schema":
            continue
        if entity.has("value") or counted.has("value") or entity.has("metric"):
            continue
        if not counted.has("table"):
            if _measure_columns_only(model, counted):
                # "representatives with more than 10000 votes": a number column's own word
                # after the number compares its values, it counts no rows
                continue
            # "the transcript with at least 2 course results": a column of the one table that
            # references the entity's: that table's rows, said by its own words
            referencing = _rows_referencing(model, tokens, entity, counted)
            if referencing is None:
                continue
            said = [*tokens[: counted.start], *referencing, *tokens[counted.end :]]
            return _entities_with_count(said, scan(model, said)[0], model) or said
        after = mentions[k + 4] if k + 4 < len(mentions) else None
        prefix = range(0)
        if after is not None and after.kind == "schema" and after.start == counted.end:
            if not _names_head(tokens, counted, after):
                continue  # "car manufacturers" read as "car" + "manufacturers": not one table
            prefix, counted = range(counted.start, counted.end), after
        theirs = {e.ref[0] for e in counted.of("table")}
        # "districts have at least two addresses": a text column of the counted table groups
        by_column = not entity.has("table") and any(
            e.ref[0] in theirs and e.kind == "column" for e in entity.entries
        )
        counted_words = tokens[counted.start : counted.end]
        if not entity.has("table") and not by_column:
            # "colleges that have at least two players": "players" names another table and a
            # column of the column's own table (each row's player): those rows are counted,
            # said by their table's own words so that no other table is read
            counted_words = _rows_of_column(model, tokens, entity, counted)
            by_column = counted_words is not None
        if not entity.has("table") and not by_column:
            continue
        mine = {e.ref[0] for e in entity.of("table")}
        if mine & theirs or any(m.kind in ("group", "count", "agg") for m in mentions):
            return None
        lang = tokens[0].lang
        first = tokens[entity.start]

        def word(w: str, first: lx.Token = first, lang: str = lang) -> lx.Token:
            return replace(first, text=w, norm=w, key=lx.word_key(w, lang))

        es = lang == "es"
        # "how many", not "number of": a catalog phrase ("number of cars") would swallow
        # the first word of what is counted ("number of car manufacturers")
        start = _name_of_column(tokens, mentions, e) if by_column else entity.start
        return [
            *tokens[:start],
            *([word("cuantos")] if es else [word("how"), word("many")]),
            *counted_words,
            # a column of the counted rows groups by its values, a number too ("grades that
            # have at least 4 students"): "for each", where "by" a number would rank by it
            *(
                ([word("para"), word("cada")] if es else [word("for"), word("each")])
                if by_column
                else [word("por" if es else "by")]
            ),
            *tokens[entity.start : entity.end],
            *[
                t
                for n, t in enumerate(tokens[entity.end : counted.start], start=entity.end)
                if n not in prefix
            ],
            *counted_words,
            *tokens[counted.end :],
        ]
    return None


def _measure_columns_only(model: SemanticModel, mention) -> bool:  # noqa: ANN001
    """Whether a word names only number columns (measures, not keys) said by their whole name."""
    columns = [model.column(*e.ref) for e in mention.of("column") if e.quality == EXACT]
    return (
        bool(columns)
        and len(columns) == len(mention.of("column"))
        and all(c is not None and c.kind == "number" for c in columns)
    )


def _as_named_as_its_table(mention) -> list:  # noqa: ANN001
    """The column entries of a mention read as well as its best table entry ("players": each
    row's `Player` as well as the `player` table), not a column that only shares a word."""
    best = max((e.quality for e in mention.of("table")), default=0)
    return [e for e in mention.of("column") if e.quality >= best]


def _rows_referencing(model: SemanticModel, tokens: list[lx.Token], entity, counted):  # noqa: ANN001, ANN202
    """The words of the one table whose columns the counted word names, when it references the
    entity's one table by a foreign key ("course results" of each transcript); else None."""
    mine = {e.ref[0] for e in entity.of("table")}
    named = {e.ref[0] for e in counted.of("column")}
    if len(mine) != 1 or len(named) != 1 or mine & named:
        return None
    (table,) = named
    if not model.tables[next(iter(mine))].named:
        return None  # rows with no name of their own would be grouped by a text that repeats
    path = model.path(table, next(iter(mine)))
    if not path or len(path) != 1 or path[0][0] != table:
        return None
    return _table_words(model, tokens[counted.start], table)


def _rows_of_column(model: SemanticModel, tokens: list[lx.Token], entity, counted):  # noqa: ANN001, ANN202
    """The words of the one table that holds the grouped column and a column the counted word
    names too, when they name that table alone; else None (asked back)."""
    own = {e.ref[0] for e in entity.of("column")}
    named = {e.ref[0] for e in _as_named_as_its_table(counted)} & own
    if len(own) != 1 or len(named) != 1:
        return None
    (table,) = named
    return _table_words(model, tokens[counted.start], table)


def _table_words(model: SemanticModel, first: lx.Token, table: str) -> list[lx.Token] | None:
    """A table's label as words that the catalog reads as that table alone; else None."""
    words = [
        replace(first, text=t.text, norm=t.norm, key=t.key)
        for t in lx.tokenize(model.tables[table].label, first.lang)
        if t.kind == "word"
    ]
    said, _unmapped = scan(model, words)
    if len(said) != 1 or said[0].start != 0 or said[0].end != len(words):
        return None
    if {e.ref[0] for e in said[0].of("table")} != {table} or said[0].has("value"):
        return None
    return words


_NAME_OF_FILLER = lx.words("of the all de del el la los las todos todas")


def _name_of_column(tokens: list[lx.Token], mentions: list, e: int) -> int:
    """Where the grouped column's words start, with a name word said of it before: "the names
    of colleges" are the colleges themselves (a column's values name themselves), never the
    name column of another table."""
    entity = mentions[e]
    if e == 0 or mentions[e - 1].kind != "schema":
        return entity.start
    said = mentions[e - 1]
    if not all(t.norm in lx.LABEL_NAME_WORDS for t in tokens[said.start : said.end]):
        return entity.start
    if not all(t.norm in _NAME_OF_FILLER for t in tokens[said.end : entity.start]):
        return entity.start
    return said.start


_RELATIVE = lx.words("which that who que cuales")


def _names_head(tokens: list[lx.Token], modifier, head) -> bool:  # noqa: ANN001
    """A compound whose first words are words of the name of the one table the last word
    names ("car manufacturers" where the makers' table is `car_makers`): the head noun names
    the table, the words before it only repeat its name, so they are no table of their own."""
    if head.has("value") or head.has("metric"):
        return False
    tables = {e.ref[0] for e in head.of("table")}
    if len(tables) != 1:
        return False
    name = {
        lx.word_key(w, tokens[0].lang) for w in re.split(r"[_\W]+", next(iter(tables)).lower()) if w
    }
    return all(
        lx.word_key(tokens[n].norm, tokens[0].lang) in name
        for n in range(modifier.start, modifier.end)
    )
