"""The built-in offline NL2SQL engine: a semantic-layer parser, no LLM (pure Python, no Django).

    model = build_semantic_model(catalog)          # once per catalog version
    result = interpret("Ingresos por región en 2025", model, previous=last_plan)
    result.route  -> "SQL" | "RAG" | "CLARIFY"
    result.sql    -> SQL in the catalog's dialect (route SQL)

The question is tokenised and matched against a lexicon compiled from the catalog (tables,
columns, synonyms, metric definitions, column values) plus a generic bilingual vocabulary; the
mentions fill a QueryPlan, which `compile_sql` turns into SQL with sqlglot. Anything the engine
cannot map completely becomes CLARIFY with suggested rewrites it has checked it can answer.
Relative periods ("el último trimestre") are anchored at the latest date in the data: literal
dates when the model was built with `date_bounds`, else computed in SQL from MAX(date).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from datachat import text as tx

from ..plan import (
    ColumnRef,
    Intent,
    Interpretation,
    Order,
    QueryPlan,
    SchemaRequest,
    Unresolved,
    plan_from_dict,
    plan_to_dict,
)
from . import lexicon as lx
from . import measures as ms
from .alternatives import (
    alternatives_on_one_column,
    conditions_said_with_or,
    impossible_range,
    one_said_value_per_column,
    or_every_row,
    superlative_read,
)
from .analytic import take_analytic_shape
from .coverage import unused_mention
from .either import asks_about_or, either_condition, joined_reading
from .labels import full_names, people_shown_whole, row_pronouns, shared_head_nouns
from .links import check_link_side
from .literals import apply_literals, code_word_before_value, name_rows, said_rows, take_literals
from .parser import Clarify, Context, Unclear, every_column_asked, schema_request
from .parts import NeedsFact, Parts
from .patterns import apply_patterns, take_patterns
from .planner import _to_parent, followup_plan, fresh_plan, read_parts, row_with_extreme
from .reading import describe
from .relations import (
    check_relations,
    conditions_of_related_rows,
    negate_flag_pairs,
    only_one,
    own_column_said,
    pair_verb,
    read_as,
    related_rows,
    relation_verbs,
    rows_without,
)
from .relations import said as said_relations
from .rewrite import BOTH_WORDS as _BOTH_WORDS
from .rewrite import rewrite_words
from .scan import HEAD, Mention, compound_heads, mentions_by_token, scan
from .semantic import (
    CATEGORY_VALUES,
    EXACT,
    GLOSS,
    PARTIAL,
    SemanticModel,
    TableSem,
    build_semantic_model,
)
from .shown import (
    drop_condition_columns,
    drop_constant_dimensions,
    drop_unasked_labels,
    hide_qualifier_measures,
)
from .sqlgen import PlanError, compile_sql
from .suggest import clarify_message, meant_dimensions, suggestions
from .superlatives import read_superlatives
from .synonyms import demonym_values, read_synonyms
from .than import take_same_row, take_than
from .typos import correct as correct_typos
from .units import measure_verbs, units_said
from .verbs import (
    YearVerb,
    check_year_verbs,
    column_verbs,
    existence_verbs,
    frequency_verbs,
    link_verbs,
    one_link_table,
    participle_column,
    predominant_rows,
    role_words,
    year_of_verb,
    year_verbs,
)
from .verbs import said as said_verbs

__all__ = [
    "Intent",
    "Interpretation",
    "QueryPlan",
    "SchemaRequest",
    "SemanticModel",
    "Unresolved",
    "build_semantic_model",
    "compile_sql",
    "interpret",
    "plan_from_dict",
    "plan_to_dict",
]

_FOLLOWUP_OPENERS = ("what about", "how about", "and what about", "y que tal", "lo mismo")


def interpret(
    question: str, model: SemanticModel, *, previous: QueryPlan | None = None
) -> Interpretation:
    """Map a question (es/en) to SQL, a schema request (RAG) or a clarify question.

    `previous` is the plan of the conversation's previous answer: a follow-up ("¿y en 2024?",
    "now by channel", "solo Online", "and only the top 3") rewrites it.
    """
    try:
        return _interpret(question, model, previous=previous, with_suggestions=True)
    except Exception as error:  # noqa: BLE001 - an engine bug must not become a 500: abstain
        lang = lx.detect_language(question)
        message = clarify_message(Clarify.GENERIC, lang, detail=question.strip()[:80], model=model)
        return Interpretation(
            route="CLARIFY",
            intent=Intent("AMBIGUOUS", 0.0, f"internal error: {type(error).__name__}"),
            lang=lang,
            clarify=message,
            notes=(f"internal_error: {type(error).__name__}: {error}",),
            unresolved=(Unresolved("word", question.strip()[:200]),),
        )


class _NotPresent(Exception):
    """The second reading of `_interpret` (rows that have some related row) does not apply."""


def _interpret(
    question: str, model: SemanticModel, *, previous: QueryPlan | None, with_suggestions: bool
) -> Interpretation:
    """The question's reading; one that asks back is read again with "rows that have (some)
    related rows" as the rows that have at least one (`rows_without(present=True)`: "students
    who have friends", "courses that have some students enrolled"), kept only if that reading
    answers; one asked back naming its "or" is read as either condition (`either.py`). Only a
    question asked back can change, never a reading that answered."""
    first = _read(question, model, previous=previous, with_suggestions=with_suggestions)
    if first.route != "CLARIFY" or previous is not None:
        return first
    if asks_about_or(first):  # "older than 30 or from Paris": either condition, or ask

        def fresh(text: str) -> Interpretation:
            return _interpret(text, model, previous=None, with_suggestions=False)

        either = either_condition(question, model, fresh)
        if either is not None:
            return either
    try:
        again = _read(
            question, model, previous=None, with_suggestions=with_suggestions, present=True
        )
    except _NotPresent:
        return first
    return again if again.route == "SQL" else first


def _read(
    question: str,
    model: SemanticModel,
    *,
    previous: QueryPlan | None,
    with_suggestions: bool,
    present: bool = False,
) -> Interpretation:
    lang = lx.detect_language(question)
    tokens = full_names(model, lx.tokenize(question, lang))  # -> "first name and last name"
    tokens = shared_head_nouns(model, tokens)  # "first and last name" -> "first name and …"
    tokens = read_superlatives(model, tokens)  # "the shortest life expectancy" -> "lowest"
    tokens = rewrite_words(tokens)  # "cheapest" -> "lowest price", "as well as" -> "both", …
    tokens = _about_each(tokens)  # "all the information about each X": every column
    tokens, shape = take_analytic_shape(tokens)  # "growth", "running total", "each year"
    tokens, than = take_than(tokens)  # "greater than any country in Europe": read apart
    tokens, same_row = take_same_row(tokens)  # "whose address is different from …": apart
    tokens, patterns = take_patterns(question, tokens, model)
    if previous is not None:
        tokens = _same_for(tokens)
    mentions, unmapped = scan(model, tokens)
    tokens, literals = take_literals(question, model, tokens, mentions)
    if literals:  # "the customer with the first name Linda": a value the index cannot hold
        mentions, unmapped = scan(model, tokens)
    located = _where_located(model, tokens, mentions)
    if located is not None:  # "Where is the cinema Codling located?" -> "location of …"
        tokens = located
        mentions, unmapped = scan(model, tokens)
    if previous is not None and previous.metrics:
        resorted = _resort(previous, mentions, lang, model)
        if resorted is not None:  # "ordénalo de menor a mayor", "sort it descending"
            return resorted
    paid = _read_pay_verbs(model, tokens, mentions)
    if paid is not tokens:  # "cobra" -> "salario": read the question again
        tokens = paid
        mentions, unmapped = scan(model, tokens)
    tokens, fixes = correct_typos(model, tokens, unmapped)
    if fixes:  # "regoin" -> "region": read the question again with the corrected words
        mentions, unmapped = scan(model, tokens)
    tokens, synonyms_read = read_synonyms(model, tokens, mentions, unmapped)
    if synonyms_read:  # "automobiles" -> "cars": a thesaurus synonym of one catalog name
        # the superlatives are read again: "the most popular forename" needed the column
        tokens = read_superlatives(model, tokens)
        mentions, unmapped = scan(model, tokens)
    for rewrite in _WORD_REWRITES:  # each in turn; a rewrite is read again before the next
        rewritten = rewrite(model, tokens, mentions, unmapped)
        if rewritten is not None:
            tokens = rewritten
            mentions, unmapped = scan(model, tokens)
    model, named_rows = name_rows(question, model, tokens, mentions)
    if named_rows:  # "What grade is Kyle in?": a name the index cannot hold (a personal column)
        mentions, unmapped = scan(model, tokens)
    year_read: tuple[YearVerb, ...] = ()
    before_verbs = mentions  # the words around the relation verb, as the question put them
    paired = pair_verb(model, tokens, mentions, unmapped)
    if paired is not None:  # "the names of pilots and the models of planes they flew": the join
        tokens = paired
        mentions, unmapped = scan(model, tokens)
    related = relation_verbs(model, tokens, mentions, unmapped)
    if related is not None:  # "countries that speak English": the verb is the join
        tokens = related.tokens
        mentions, unmapped = scan(model, tokens)
    timed = year_verbs(model, tokens, mentions, unmapped)
    if timed is not None:  # "cars produced after 1980": the verb is the one year column
        tokens, year_read = timed
        mentions, unmapped = scan(model, tokens)
    placed = _where_as_place(model, tokens, mentions)
    if placed is not None:  # "¿Dónde vendimos más?" -> "región vendimos más"
        tokens = placed
        mentions, unmapped = scan(model, tokens)
    listed = _both_columns(tokens, mentions)
    if listed is not None:  # "list both title and id": the columns, "both" adds nothing
        tokens = listed
        mentions, unmapped = scan(model, tokens)
    counted = _rows_of_a_table(tokens, mentions)
    if counted is not None:  # "¿Cuántas filas tiene la tabla ventas?" -> "cuántas ventas"
        tokens = counted
        mentions, unmapped = scan(model, tokens)
    having_rows = None
    if previous is None and with_suggestions:
        measured = _measured_rows(question, model, tokens, mentions) or _both_halves(
            question, model, tokens, mentions
        )
        if measured is not None:  # "how many people live in countries that do not speak X"
            return measured
    if previous is None:
        having_rows = (
            _entity_rows(model, tokens, mentions)
            or related_rows(model, tokens, mentions, related)
            or rows_without(model, tokens, mentions)
            or _rows_except(model, tokens, mentions)
        )
        if present:  # the second reading: rows that have some related row, or nothing new
            if having_rows is not None:
                raise _NotPresent
            having_rows = rows_without(model, tokens, mentions, present=True)
            if having_rows is None:
                raise _NotPresent
        if having_rows is not None:  # "clientes que nunca compraron en Online" -> "ventas … Online"
            unknown_before = _unknown_before_relation(tokens, mentions, unmapped)
            tokens = having_rows.tokens
            mentions, unmapped = scan(model, tokens)
            unmapped += [w for w in unknown_before if w not in unmapped]
    said = tokens, mentions  # as the question put them, before a rewrite adds words of its own
    verb_count = _verb_before_count(model, tokens, mentions)
    if verb_count is not None:  # "makers that designed more than 3 models" -> "makers with …"
        tokens = verb_count
        mentions, unmapped = scan(model, tokens)
    counted_per = _entities_with_count(tokens, mentions, model)
    if counted_per is None:  # "students who have a grade above 5 and have at least 2 friends"
        first = _count_clause_first(tokens, mentions)
        if first is not None:
            counted_per = _entities_with_count(first, scan(model, first)[0], model)
    groups_counted = False
    if counted_per is None:  # "how many countries have more than 2 makers": count those
        uncounted = _without_count_word(tokens, mentions)
        if uncounted is not None:
            counted_per = _entities_with_count(uncounted, scan(model, uncounted)[0], model)
            groups_counted = counted_per is not None
    if counted_per is not None:  # "customers with more than 5 orders" -> "orders by customers …"
        tokens = counted_per
        mentions, unmapped = scan(model, tokens)
    offered_rows = _what_we_sell(tokens, mentions)
    if offered_rows is not None:  # "¿Qué productos vendemos?" -> "qué productos"
        tokens = offered_rows
        mentions, unmapped = scan(model, tokens)
    ctx = Context(model, tokens, mentions, lang)
    ctx.notes += [f"typo: {written} -> {fixed}" for written, fixed in fixes]
    ctx.notes += [f"synonym: {written} -> {read}" for written, read in synonyms_read]
    request = schema_request(ctx)
    if request is not None and unmapped and not ctx.has("meaning", "values", "join"):
        request = None  # "DROP TABLE ventas" is not a question about the table
    if request is not None and _meaning_word_in_unknown_name(ctx, unmapped):
        request = None  # "the channel that has high definition TV": a name, asked back
    if request is not None:
        # Data questions to offer if the documents do not answer (the pipeline then clarifies).
        offered = _offered(model, ctx, lang, unmapped, None, "schema") if with_suggestions else ()
        return Interpretation(
            route="RAG",
            intent=Intent(
                "SCHEMA", 0.85, _schema_reasoning(request, lang) + _fixes_said(fixes, lang)
            ),
            lang=lang,
            schema_request=request,
            suggestions=offered,
            unmapped=tuple(unmapped),
        )
    try:
        if ctx.has("forecast"):
            raise Unclear(Clarify.FORECAST)
        if ctx.has("why"):
            raise Unclear(Clarify.WHY)
        if _says_weekday(tokens):
            raise Unclear(Clarify.WEEKDAY)
        rank_word = _rank_superlative(model, mentions)
        if rank_word:  # "the pilot of the highest rank": rank 1, or the largest number?
            raise Unclear(Clarify.RANK_DIRECTION, rank_word)
        first_row = _first_row_said(tokens, mentions)
        if first_row:  # "the first student to register": which order makes a row the first?
            raise Unclear(Clarify.UNUSED_WORD, first_row)
        if unmapped:
            raise Unclear(Clarify.UNMAPPED, ", ".join(unmapped))
        if not any(m.kind in ("schema", "time", "number", "concept") for m in mentions) and not (
            previous is not None and ctx.has("rank", "most", "least", "group")
        ):
            raise Unclear(Clarify.VAGUE)
        plan, parts, said_metric, read = _plan(question, model, tokens, lang, previous)
        plan = shape.apply(plan)
        if than is not None:
            plan = than.apply(plan, model)
        if same_row is not None:
            plan = same_row.apply(plan, model)
        if having_rows is not None:
            if literals:  # "no address with line 1 'X'": a condition on the rows looked for
                plan = apply_literals(plan, literals, model)
                if plan is None:
                    raise Unclear(Clarify.UNKNOWN_VALUE, literals[0].value)
                literals = []
            plan = having_rows.listing(plan, model)
        if related is not None:  # the plan answers the relation the verb said, or ask
            check_relations(plan, model, related, before_verbs)
            plan = read_as(plan, related)  # joined through the foreign key the verb chose
        plan = negate_flag_pairs(plan, model)
        plan = alternatives_on_one_column(plan, said[0])  # "in 2014 or 2015": either value
        conditions_said_with_or(plan, said[0])  # "over 100 or under 10" on two columns
        or_every_row(plan, question, model)  # "over 1000 or every row": no condition
        check_year_verbs(plan, year_read)
        _check_largest_of_rows(plan, mentions, model)
        _check_values_shared(plan, question, read.tokens)
        _check_size_of_one_row(plan, mentions)
        plan = _attribute_of_the_top_row(plan, model, read.mentions)
        _check_summed_attribute(plan, model)
        _check_groups_of_one_row(plan, model, read.mentions)
        _check_summed_key_number(plan, model, read.mentions)
        _check_listed_plural_summed(plan, read.tokens, read.mentions)
        _check_grouped_by_second_question(plan, read.tokens, read.mentions)
        _check_bare_number_had(model, read.tokens, read.mentions)
        if not said_metric:
            _check_each_row_counted(plan, model, read.mentions)
        if groups_counted:
            if not plan.having or not plan.dimensions:
                raise Unclear(Clarify.NUMERIC_FILTER)
            plan = plan.with_changes(groups_counted=True)
        if patterns:  # "names that contain 'a'": LIKE on the column named, else the label
            plan = apply_patterns(plan, patterns, _columns_before(read, plan, model), model)
            if plan is None:
                raise Unclear(Clarify.UNKNOWN_VALUE, patterns[0].text)
        if literals:  # the values said after their column, as written
            plan = apply_literals(plan, literals, model)
            if plan is None:
                raise Unclear(Clarify.UNKNOWN_VALUE, literals[0].value)
            one_said_value_per_column(plan, question)  # never two of one column ANDed
        plan = said_rows(plan, named_rows)
        plan = plan.with_changes(hidden_metrics=())
        if previous is None:  # a follow-up ("solo Online") keeps the grouping it had
            plan = drop_constant_dimensions(plan)
            _check_name_asked(plan, lx.tokenize(question, lang))
        _check_echoed_value(plan)
        asked = lx.tokenize(question, lang)  # as written, before any rewrite
        plan = hide_qualifier_measures(plan, model, *said, asked)
        if previous is None:  # a follow-up keeps the columns it showed
            plan = drop_condition_columns(plan, *said, asked)
            plan = drop_unasked_labels(plan, model, *said)
        plan = people_shown_whole(plan, model, read.mentions)
        sql = compile_sql(plan, model)
        # two keys to one table: the question (or a verb's adverb) says which
        check_link_side(sql, model, tokens, plan.joins)
        superlative_read(plan, question, model)  # "the youngest X": ordered, or asked back
        impossible_range(plan)  # "above 40 and below 30" on one column: two sets, asked back
        skip = read.qualifiers | (read.rejected - read.unread) | read.consumed
        left = unused_mention(read.mentions, skip, plan, sql, model)
        if left is not None:  # the SQL would answer another question: ask, naming the word
            raise Unclear(Clarify.UNUSED_WORD, left)
        uncounted = _row_count_unanswered(tokens, read.mentions, sql)
        if uncounted:  # "the names of pilots and the number of records they have": which rows?
            raise Unclear(Clarify.COUNT_WHAT, uncounted)
        weak = weak_rules(read, skip, plan, fixes, synonyms_read, named_rows, said_metric)
        gate_weak_readings(weak)  # a decisive part only a guess read: ask back
    except Unclear as unclear:
        return _clarify(question, model, ctx, lang, unclear, unmapped, with_suggestions)
    except (PlanError, ms.UnknownMetric) as error:
        unclear = Unclear(Clarify.GENERIC, question.strip())
        result = _clarify(question, model, ctx, lang, unclear, unmapped, with_suggestions)
        return Interpretation(**{**result.__dict__, "notes": (str(error),)})
    ctx.notes += [f"weak: {kind} {word}" for kind, word in weak]
    intent = _intent(plan, parts, lang, ctx, said_metric)
    if fixes or synonyms_read:  # say what was corrected or read as, and be a little less sure
        confidence = round(max(0.5, intent.confidence - 0.04), 2)
        said_back = _fixes_said(fixes, lang) + _synonyms_said(synonyms_read, lang)
        intent = Intent(intent.type, confidence, intent.reasoning + said_back)
    return Interpretation(
        route="SQL",
        intent=intent,
        lang=lang,
        plan=plan,
        sql=sql,
        notes=tuple(ctx.notes),
        reading=" · ".join(
            filter(
                None,
                (
                    describe(plan, model, lang),
                    said_relations(model, related),
                    said_verbs(year_read),
                    _synonyms_reading(synonyms_read),
                ),
            )
        ),
    )


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


def _every_as_all(model, tokens, mentions, unmapped):  # noqa: ANN001, ANN202
    """ "the names of *every* course with …", "the name of every singer who …": "every" that
    no grouping phrase read ("for every", "than every") is "all", as "of all courses" is."""
    if not any(lx.fold(w) in lx.EVERY_WORDS for w in unmapped):
        return None
    out = [
        replace(t, text="all", norm="all", key=lx.word_key("all", t.lang))
        if t.norm in lx.EVERY_WORDS and t.text in unmapped
        else t
        for t in tokens
    ]
    return out


def _kinds_of_column(model, tokens, mentions, unmapped):  # noqa: ANN001, ANN202
    """ "How many types of governments are in Africa?", "¿Cuántos tipos de gobierno hay?",
    "the most common type of Status": a kind word no schema name explains, before "of
    <column>", names the column's values: after a count it counts the different ones ("how many
    different governments"), elsewhere it is the column ("the most common Status"). Before a
    table ("how many kinds of films"), or with a value of that column said too ("the most
    common type of status across towns": the values or a filter?), it is left unknown."""
    at = mentions_by_token(mentions)
    for i in range(len(tokens) - 2):
        if tokens[i].norm not in lx.KIND_NOUNS or tokens[i].text not in unmapped or i in at:
            continue
        if tokens[i + 1].norm not in ("of", "de"):
            continue
        j = i + 2
        said_distinct = tokens[j].norm in lx.DISTINCT_WORDS
        noun = at.get(j + 1 if said_distinct else j)
        if noun is None or noun.kind != "schema" or not noun.has("column") or noun.has("table"):
            continue
        columns = {e.ref[:2] for e in noun.of("column")}
        if any(e.ref[:2] in columns for m in mentions for e in m.of("value")):
            continue  # "the most common type of Status across towns" (a Status value): asked
        counted = i in at or (at.get(i - 1) is not None and at[i - 1].kind == "count")
        if not counted or said_distinct:  # the superlatives are read again ("most common")
            return read_superlatives(model, [*tokens[:i], *tokens[j:]])
        different = "distintos" if tokens[i].lang == "es" else "different"
        word = replace(
            tokens[i], text=different, norm=different, key=lx.word_key(different, tokens[i].lang)
        )
        return [*tokens[:i], word, *tokens[j:]]
    return None


def _amount_of_column(model, tokens, mentions, unmapped):  # noqa: ANN001, ANN202
    """ "ordered by the amount of money requested", "the 3 largest amounts of assets", "the
    companies with the top 3 asset amounts": an amount word no schema name explains, before
    "of <column>" or right after a column, says only the quantity that numeric column holds,
    so it is dropped ("the money requested", "the top 3 asset"). Beside a table or a text
    column ("the amount of orders", "the name amount") it stays unknown and is asked back."""
    at = mentions_by_token(mentions)
    for i, token in enumerate(tokens):
        if token.norm not in lx.AMOUNT_NOUNS or token.text not in unmapped or i in at:
            continue
        if i + 1 < len(tokens) and tokens[i + 1].norm == "of":
            j = i + 3 if i + 2 < len(tokens) and tokens[i + 2].norm == "the" else i + 2
            if _numeric_column_at(model, at.get(j), j):
                return [*tokens[:i], *tokens[j:]]
        if i > 0 and _numeric_column_at(model, at.get(i - 1), None):
            return [*tokens[:i], *tokens[i + 1 :]]
    return None


def _numeric_column_at(model, mention, start: int | None) -> bool:  # noqa: ANN001
    """A mention (beginning at `start`, when given) that names numeric columns and no table."""
    if mention is None or mention.kind != "schema" or mention.has("table"):
        return False
    if start is not None and mention.start != start:
        return False
    columns = [model.column(*e.ref[:2]) for e in mention.of("column")]
    return bool(columns) and all(c is not None and c.kind == "number" for c in columns)


def _verb_before_each(model, tokens, mentions, unmapped):  # noqa: ANN001, ANN202
    """ "…, and how many documents use each type?", "¿cuántos documentos usan cada tipo?": a
    verb no catalog name reads, between the rows a count counts and an each-word, says only
    that the rows belong to each: "how many documents for each type". A pronoun ("how many
    channels use it") is not an each-word (one group only), and "how many stations does each
    one operate" is left as it is (what "each one" is, said before, is not always what is
    grouped)."""
    if not unmapped:
        return None
    for n, m in enumerate(mentions[:-1]):
        rows = mentions[n + 1]
        if m.kind != "count" or rows.kind != "schema" or not rows.has("table"):
            continue
        if rows.start != m.end:
            continue
        i = rows.end
        if i + 1 >= len(tokens) or tokens[i].text not in unmapped:
            continue
        if tokens[i + 1].norm not in lx.EACH_WORDS:
            continue
        each = next((x for x in mentions if x.start == i + 2), None)
        if each is None or each.kind != "schema":
            continue
        said = {
            tx.stem(t.norm, t.lang)
            for x in mentions[:n]
            if x.kind == "schema"
            for t in tokens[x.start : x.end]
        }
        again = tx.stem(tokens[i + 2].norm, tokens[i + 2].lang) in said
        if not each.has("table") and not again:
            continue  # "each title", a column: `relations._each_column_after` reads the verb
        word = "para" if tokens[i].lang == "es" else "for"
        return [*tokens[:i], _as_word(tokens[i], word), *tokens[i + 1 :]]
    return None


def _as_word(token: lx.Token, word: str) -> lx.Token:
    return replace(token, text=word, norm=word, key=lx.word_key(word, token.lang))


_EACH_AS_ALL = lx.words("each every cada")
_OF_FOR = lx.words("of for de del para")
# The kinds a plain listing of columns is said with ("What are the names and capitals of ...").
_LISTING_KINDS = frozenset({"list", "schema", "conj"})


def _each_as_all(model, tokens, mentions, _unmapped):  # noqa: ANN001, ANN202
    """ "What are the names and capitals *of each* country?", "Show name and capacity *for
    each* cinema.", "los nombres y las capitales de cada país": "each" before the table whose
    own columns are listed, ending the question, with nothing to measure (no aggregate, count,
    rank or condition said), is "all": one row per row of that table, not a group of them."""
    groups = [n for n, m in enumerate(mentions) if m.kind == "group"]
    if len(groups) != 1:
        return None
    g = groups[0]
    each = mentions[g]
    if lx.fold(each.text) not in _EACH_AS_ALL or g + 1 != len(mentions) - 1 or g < 1:
        return None
    if each.start < 1 or tokens[each.start - 1].norm not in _OF_FOR:
        return None
    rows = mentions[g + 1]
    if rows.kind != "schema" or any(t.kind == "word" for t in tokens[rows.end :]):
        return None
    tables = {e.ref[0] for e in rows.of("table")}
    if len(tables) != 1 or rows.has("value") or rows.has("metric"):
        return None
    table = next(iter(tables))
    listed = [m for m in mentions[:g] if m.kind == "schema"]
    if not listed or any(m.kind not in _LISTING_KINDS for m in mentions[:g]):
        return None
    if (
        len(listed) < 2
        and not listed[0].plural
        and any(metric.table == table for metric in model.metrics.values())
    ):
        return None  # "the theme of each competition": "of all" would reach a layer's count
    own = [m for m in listed if any(e.ref[0] == table for e in m.of("column"))]
    named = [m for m in listed if lx.fold(m.text) in lx.LABEL_NAME_WORDS]  # what a row is called
    if not own or any(m.has("value") or m.has("metric") for m in listed):
        return None
    if any(m not in own and m not in named for m in listed):
        return None
    word = "todos" if tokens[each.start].lang == "es" else "all"
    return [
        replace(t, text=word, norm=word, key=lx.word_key(word, t.lang)) if n == each.start else t
        for n, t in enumerate(tokens)
    ]


# Rewrites of words the catalog does not name into words it does, in this order; each takes
# (model, tokens, mentions, unmapped) and returns the new tokens or None.
_WORD_REWRITES = (
    _every_as_all,  # "of every course" -> "of all course"
    _kinds_of_column,  # "how many types of governments" -> "how many different governments"
    _amount_of_column,  # "by the amount of money requested" -> "by the money requested"
    year_of_verb,  # "sorted by the year they joined" -> "sorted by the year join"
    _verb_before_each,  # "how many documents use each type" -> "… documents for each type"
    _each_as_all,  # "the names and capitals of each country" -> "… of all country"
    # "documents that have between one and two paragraphs", "with 1 to 2 paragraphs" ->
    # "with at least 1 paragraphs and at most 2 paragraphs"
    lambda model, tokens, mentions, _unmapped: _count_range(tokens, mentions),
    # "used in more than a single document" -> "more than one document"
    lambda model, tokens, mentions, _unmapped: _a_single(tokens, mentions),
    # "the record formats of orchestras in ascending order of count" -> "the number of
    # orchestras by record formats in ascending order"
    lambda model, tokens, mentions, _unmapped: _ordered_by_count(model, tokens, mentions),
    column_verbs,  # "cars weighing more than 3000": the verb is the weight column
    existence_verbs,  # "how many transcripts are released?" -> "… are there?"
    link_verbs,  # "journalists who have not reported any event": the link table's join
    row_pronouns,  # "List his or her first name": the one table of people the question names
    measure_verbs,  # "how many people live in X", "how much area do they cover"
    units_said,  # "longer than 100 minutes": the length column is in minutes
    # "the number of car models": not "number of car" + "models"
    lambda model, tokens, mentions, _unmapped: _count_of_compound(model, tokens, mentions),
    predominant_rows,  # "the language predominantly spoken in X": the top row by its measure
    frequency_verbs,  # "the film rented most often" -> "the film with the most rental"
    # "spoken by only one country" -> "spoken by exactly 1 country"
    lambda _model, tokens, _mentions, unmapped: only_one(tokens, unmapped),
    code_word_before_value,  # "templates with the code PP" -> "… the template type code PP"
    demonym_values,  # "French singers" -> "France singers": the value the adjective pertains to
    # "shops selling less than 3000 products" -> "shops with less than 3000 products"
    lambda model, tokens, mentions, unmapped: _verb_before_own_column(
        model, tokens, mentions, unmapped
    ),
)

_TRADE_KINDS = frozenset({"sold", "sell", "buy"})


def _verb_before_own_column(
    model: SemanticModel, tokens: list[lx.Token], mentions: list, unmapped: list[str]
) -> list[lx.Token] | None:
    """ "shops selling less than 3000 products", "tiendas que venden más de 3000 productos": one
    verb between a table and a comparison of a number with a numeric column of that same table
    (its `Number_products`) says only that the rows have that much: read as "with". A verb before
    another table's column, or more than one word, is left as it was."""
    for k in range(len(mentions) - 4):
        table, verb, cmp, number, column = mentions[k : k + 5]
        if table.kind != "schema" or not table.has("table") or table.has("value"):
            continue
        if (cmp.kind, number.kind, column.kind) != ("cmp", "number", "schema"):
            continue
        said = verb.kind in _TRADE_KINDS or (verb.kind == "schema" and verb.text in unmapped)
        if not said or verb.end - verb.start != 1 or verb.start != table.end:
            continue
        if cmp.start != verb.end or column.start != number.end:
            continue
        mine = {e.ref[0] for e in table.of("table")}
        own = [
            e.ref
            for e in column.of("column")
            if e.ref[0] in mine and (c := model.column(*e.ref)) is not None and c.kind == "number"
        ]
        if len(own) != 1 or column.has("table") or column.has("value"):
            continue
        first = tokens[verb.start]
        word = "con" if first.lang == "es" else "with"
        said_with = replace(first, text=word, norm=word, key=lx.word_key(word, first.lang))
        return [*tokens[: verb.start], said_with, *tokens[verb.end :]]
    return None


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


def _columns_before(read: Context, plan: QueryPlan, model: SemanticModel) -> dict:
    """{character offset where a mention ends: (table, text column) it names}, the columns
    reachable from the plan's table, for a pattern said right after them."""
    found = {}
    for m in read.mentions:
        if m.kind != "schema":
            continue
        texts = [
            e.ref
            for e in m.of("column")
            if (col := model.column(*e.ref)) is not None
            and col.kind == "text"
            and model.path(plan.table, e.ref[0]) is not None
            or e.ref[0] == plan.table
        ]
        if not texts and m.has("table"):  # "countries that contain 'ia'": the table's label
            tables = [e.ref[0] for e in m.of("table") if model.tables[e.ref[0]].display]
            texts = [(t, model.tables[t].display) for t in tables]
        if texts:
            best = sorted(texts, key=lambda r: (r[0] != plan.table, r))[0]
            found[read.tokens[m.end - 1].end] = best
    return found


def _same_for(tokens: list[lx.Token]) -> list[lx.Token]:
    """ "same for 2024", "lo mismo para el canal Online", "do the same with Tienda": a
    follow-up that swaps a value; the words that say so are read as "now" ("ahora")."""
    at = next((n for n, t in enumerate(tokens[:4]) if t.norm in lx.SAME_WORDS), None)
    if at is None:
        return tokens
    end = at + 1
    while end < len(tokens) and tokens[end].norm in lx.SAME_FILLER:
        end += 1
    start = at
    while start > 0 and tokens[start - 1].norm in lx.SAME_FILLER | lx.FOLLOWUP_LEADS:
        start -= 1
    lang = tokens[at].lang
    now = "ahora" if lang == "es" else "now"
    lead = replace(tokens[at], text=now, norm=now, key=lx.word_key(now, lang))
    return [*tokens[:start], lead, *tokens[end:]]


def _resort(
    previous: QueryPlan, mentions: list, lang: str, model: SemanticModel
) -> Interpretation | None:
    """A follow-up that only re-sorts the previous answer ("ordénalo de menor a mayor", "sort
    it ascending", "descending"): the same plan, ordered by its first measure."""
    # "in descending order": the noun "order" says how to sort, whatever else it names
    kinds = {m.kind for m in mentions if lx.fold(m.text) not in ("order", "orden")}
    if "dir" not in kinds or kinds - {"dir", "order", "conj"}:
        return None
    desc = next(m.value for m in mentions if m.kind == "dir") == "desc"
    metric = previous.order.metric if previous.order is not None else 0
    plan = _relabel(model, previous.with_changes(order=Order(metric, desc)), lang)
    try:
        sql = compile_sql(plan, model)
    except PlanError:
        return None
    return Interpretation(
        route="SQL",
        intent=Intent("AGGREGATION" if plan.dimensions else "QUERY", 0.9, _reasoning(plan, lang)),
        lang=lang,
        plan=plan,
        sql=sql,
        reading=describe(plan, model, lang),
    )


def _fixes_said(fixes: list[tuple[str, str]], lang: str) -> str:
    """The spelling corrections, for the reasoning shown with the answer."""
    if not fixes:
        return ""
    pairs = ", ".join(f"«{written}» → «{fixed}»" for written, fixed in fixes)
    return f"; {'corregido' if lang == 'es' else 'corrected'}: {pairs}"


def _synonyms_said(read: list[tuple[str, str]], lang: str) -> str:
    """The thesaurus readings, for the reasoning shown with the answer."""
    if not read:
        return ""
    pairs = ", ".join(f"«{written}» → «{name}»" for written, name in read)
    return f"; {'leído como' if lang == 'es' else 'read as'}: {pairs}"


def _synonyms_reading(read: list[tuple[str, str]]) -> str:
    """ "automobiles → car": the schema word each synonym was read as, in the interpretation."""
    return ", ".join(f"{written} → {name}" for written, name in read)


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


_EACH = lx.words("each every cada")


def _about_each(tokens: list[lx.Token]) -> list[lx.Token]:
    """ "Show all information about each body builder", "toda la información de cada
    culturista": every column of every row, not a count per row: the "each" is dropped."""
    if not every_column_asked(tokens):
        return tokens
    return [t for t in tokens if t.norm not in _EACH]


_PLACE_COLUMNS = ("region", "ciudad", "city", "zona", "zone", "pais", "country")
# "where is X", "¿dónde está X?": the verb after "where" that asks for a place
_WHERE_BE = lx.words("is are was were esta estan estaba estaban queda quedan")
_WHERE_SE = lx.words("encuentra encuentran ubica ubican situa situan halla hallan")
# the participle (or preposition) that closes the question: "located", "ubicado", "from"
_WHERE_END = lx.words(
    """
    located situated based found from ubicado ubicada ubicados ubicadas situado situada
    situados situadas localizado localizada localizados localizadas
    """
)
# the words a place column is called by
_PLACE_WORDS = lx.words(
    """
    location locations place address city town country region site venue hometown
    lugar ubicacion localizacion direccion ciudad pais sitio sede localidad region
    """
)


def _where_located(
    model: SemanticModel, tokens: list[lx.Token], mentions: list
) -> list[lx.Token] | None:
    """ "Where is the cinema Codling located?", "where are the cinemas with capacity above
    300?", "¿Dónde está el cine Codling?", "¿dónde se encuentran los cines …?": the place of
    the rows asked about is their table's one place column (called location, place, address,
    city, country, …; lugar, ubicación, dirección, ciudad, país, …): read as "show the
    location of the cinema Codling". A table with no such column or with several is left as
    it was (the question is then asked back, or read without the place)."""
    if len(tokens) < 3 or tokens[0].norm not in ("where", "donde"):
        return None
    at = 2 if tokens[1].norm in _WHERE_BE else None
    if tokens[1].norm == "se" and tokens[2].norm in _WHERE_SE:
        at = 3
    if at is None:
        return None
    if tokens[at].norm in _WHERE_END:  # "¿dónde está ubicado el museo …?"
        at += 1
    subject = next((m for m in mentions if m.start >= at and m.kind == "schema"), None)
    if subject is None or subject.has("metric"):
        return None
    best = max(e.quality for e in subject.entries)
    tables = {e.ref[0] for e in subject.entries if e.quality == best and e.kind != "column"}
    if len(tables) != 1:
        return None
    table = tables.pop()
    info = model.tables.get(table)
    places = [
        c for c in (info.columns if info else ()) if set(tx.identifier_words(c)) & _PLACE_WORDS
    ]
    if len(places) != 1 or places[0] in info.key:
        return None  # no place column, or several ("city" and "country"): not said which
    refs = [
        fk.ref_table
        for fk in model.catalog.foreign_keys
        if fk.table == table and fk.column == places[0]
    ]
    # a key of a table of places (a store's `address_id`): that table's rows, by its name
    place = refs[0] if refs else places[0]
    lang = tokens[0].lang
    seed = tokens[0]
    # a listing ("show the location of …"): "the location of the museums" alone reads as a
    # count of the museums by location
    show = ("muestra",) if lang == "es" else ("show", "the")
    words = [*show, *tx.identifier_words(place), "de" if lang == "es" else "of"]
    said = [replace(seed, text=w, norm=w, key=lx.word_key(w, lang)) for w in words]
    rest = list(tokens[at:])
    if rest and rest[-1].norm in _WHERE_END:
        rest = rest[:-1]
    return [*said, *rest]


def _where_as_place(
    model: SemanticModel, tokens: list[lx.Token], mentions: list
) -> list[lx.Token] | None:
    """ "¿Dónde vendimos más en 2024?", "where did we sell the most Laptop Pro?": "where" with a
    superlative asks for the place (the fact table's region column) that ranks first, not for
    the largest single sale."""
    words = [i for i, t in enumerate(tokens[:3]) if t.norm in ("donde", "where")]
    kinds = {m.kind for m in mentions}
    if not words or not kinds & {"most", "least"} or kinds & {"group", "schema_word"}:
        return None
    fact = model.tables.get(model.fact)
    place = next(
        (
            c
            for name in _PLACE_COLUMNS
            for c in (fact.columns if fact else ())
            if lx.fold(c) == name
        ),
        None,
    )
    if place is None:
        return None
    at = words[0]
    where = replace(tokens[at], norm=place, key=lx.word_key(place, tokens[at].lang))
    return [*tokens[:at], where, *tokens[at + 1 :]]


def _both_columns(tokens: list[lx.Token], mentions: list) -> list[lx.Token] | None:
    """ "List both title and id", "indica tanto el nombre como…" aside, "both" right before a
    column (no value) and "and" is the list of columns to show: the word is dropped. Before
    values ("both Laptop Pro and Monitor") it keeps its meaning (a row for each value)."""
    for i, token in enumerate(tokens[:-2]):
        if token.norm not in _BOTH:
            continue
        at = i + 1
        while at < len(tokens) - 1 and tokens[at].norm in _COLUMN_ARTICLES:
            at += 1  # "show both the name and the id"
        said = next((m for m in mentions if m.start == at), None)
        if said is None or said.kind != "schema" or not said.has("column") or said.has("value"):
            return None
        if said.end >= len(tokens) or tokens[said.end].norm not in _AND:
            return None
        return [*tokens[:i], *tokens[i + 1 :]]
    return None


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


def _rows_of_a_table(tokens: list[lx.Token], mentions: list) -> list[lx.Token] | None:
    """The tokens "<count word> <table>" when the question only asks how many rows a table
    has ("¿cuántas filas tiene la tabla clientes?", "how many records are in ventas?"); the
    row word would otherwise leave "tiene la tabla clientes" to be read as a listing."""
    if not any(t.norm in lx.ROW_WORDS for t in tokens):
        return None
    kinds = {m.kind for m in mentions}
    if "count" not in kinds or kinds - {"count", "with", "schema_word", "schema", "exist"}:
        return None
    schema = [m for m in mentions if m.kind == "schema"]
    if len(schema) != 1 or not schema[0].has("table") or schema[0].has("value"):
        return None
    count = next(m for m in mentions if m.kind == "count")
    return tokens[count.start : count.end] + tokens[schema[0].start : schema[0].end]


_NEVER = lx.words("never nunca jamas")
_COLUMN_ARTICLES = lx.words("the el la los las")
_ANY = lx.words("any ningun ninguna ninguno")
_BOTH = lx.words("both ambos ambas")
_AND = lx.words("and y e")
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


_MEASURE_KINDS = frozenset({"agg", "count", "howmuch"})
_CLAUSE_WORDS = lx.words("that which who where whose que donde cuyo cuya cuyos cuyas quienes")


def _measured_rows(
    question: str, model: SemanticModel, tokens: list[lx.Token], mentions: list
) -> Interpretation | None:
    """ "How many people live in countries that do not speak English?", "the total population
    of the countries with no car makers": a measure of an entity's rows (the question up to
    the entity, read alone) over the rows a relative clause keeps when that clause, said of the
    entity alone ("countries that do not speak English"), is read as rows kept by their related
    rows ([NOT] EXISTS). Both halves are read as whole questions, each with its own checks;
    None when the question is not so split or a half is not read so."""
    for n, m in enumerate(mentions):
        if m.kind != "schema" or not m.has("table") or n == 0:
            continue
        if not any(k.kind in _MEASURE_KINDS or k.has("metric") for k in mentions[:n]):
            return None
        after = m.end
        if after >= len(tokens) or tokens[after].norm not in _CLAUSE_WORDS:
            continue
        head = question[: tokens[m.end - 1].end]
        clause = question[tokens[m.start].start :]
        outer = _interpret(head, model, previous=None, with_suggestions=False)
        inner = _interpret(clause, model, previous=None, with_suggestions=False)
        if outer.route != "SQL" or inner.route != "SQL" or outer.plan is None:
            return None
        rows, measured = inner.plan, outer.plan
        if rows is None or rows.rows_plan is None or not rows.listing or rows.metrics:
            return None
        if rows.filters or rows.numeric_filters or rows.time_range or rows.having:
            return None  # only the related rows keep them
        if measured.table != rows.table or not measured.metrics or measured.rows_plan:
            return None
        if measured.dimensions or measured.limit or measured.having or measured.listing:
            return None
        plan = measured.with_changes(
            rows_plan=rows.rows_plan,
            rows_key=rows.rows_key,
            rows_absent=rows.rows_absent,
            rows_each=rows.rows_each,
            rows_known=rows.rows_known,
        )
        try:
            sql = compile_sql(plan, model)
        except PlanError:
            return None
        lang = outer.lang
        return replace(
            outer,
            plan=plan,
            sql=sql,
            notes=(*outer.notes, *inner.notes),
            reading=" · ".join(filter(None, (describe(plan, model, lang),))),
        )
    return None


_THOSE = lx.words("those ones these aquellos aquellas estos estas")


def _both_halves(
    question: str, model: SemanticModel, tokens: list[lx.Token], mentions: list
) -> Interpretation | None:
    """ "Which district has both stores with less than 3000 products and stores with more than
    10000 products?": the values of one column (a category, not a row's name or key) listed
    by two sets of rows of one table, read as two questions ("which district has stores with
    less than 3000 products", "… with more than 10000 products"), kept when both list them
    (`QueryPlan.also_in`). "those" in the second half is the first half's noun. None when the
    question is not so split or a half is not read as such a listing."""
    at = next((i for i, t in enumerate(tokens) if t.norm in _BOTH_WORDS), None)
    shared = _shared_by(question, tokens) if at is None else None
    if shared is not None:  # "the citizenship shared by singers born before 1945 and after …"
        head_end, at = shared
        joined = "y" if tokens[at].lang == "es" else "and"
        head = question[: tokens[head_end].start] + ("de " if joined == "y" else "of ")
    elif at is None or at == 0 or at + 1 >= len(tokens):
        return None
    else:
        joined = _BOTH_WORDS[tokens[at].norm]
        head = question[: tokens[at].start]
    conj = next((i for i in range(at + 2, len(tokens)) if tokens[i].norm == joined), None)
    if conj is None or conj + 1 >= len(tokens):
        return None
    if any(t.norm in _BOTH_WORDS for t in tokens[conj:]):
        return None
    noun = next((m for m in mentions if m.kind == "schema" and at < m.start < conj), None)
    first = question[tokens[at + 1].start : tokens[conj - 1].end]
    rest = tokens[conj + 1 :]
    second = question[rest[0].start :]
    # "… founded before 2003 and after 2003": the second half says only its condition; the
    # words of the first half before its own condition of that kind are said of it too
    opens = next((m for m in mentions if m.start == conj + 1), None)
    if opens is not None and opens.kind in ("time", "cmp"):
        last = [m for m in mentions if m.kind == opens.kind and at < m.start < conj]
        if last and last[-1].start > at + 1:
            second = question[tokens[at + 1].start : tokens[last[-1].start].start] + second
    if rest[0].norm in _THOSE or (
        len(rest) > 1 and rest[0].norm in ("the", "los", "las") and rest[1].norm == "ones"
    ):
        if noun is None:
            return None
        skip = 2 if rest[0].norm in ("the", "los", "las") else 1
        second = noun.text + " " + question[rest[skip].start :] if len(rest) > skip else ""
    if not second:
        return None
    one = _interpret(head + first, model, previous=None, with_suggestions=False)
    two = _interpret(head + second, model, previous=None, with_suggestions=False)
    if one.route != "SQL" or two.route != "SQL" or one.plan is None or two.plan is None:
        return None
    a, b = one.plan, two.plan
    if not a.listing or a.listing != b.listing or a.table != b.table:
        return None
    if a.metrics or b.metrics or a.dimensions or b.dimensions or a.limit or b.limit:
        return None
    if a.having or b.having or a.listing_order or b.listing_order:
        return None
    ref = a.listing[0]
    info = model.tables.get(ref.table)
    if info is None:
        return None
    if a.rows_plan or b.rows_plan:
        # "students who both have friends and are liked": the rows that have related rows of
        # each kind, each half its own EXISTS; the second kept as the rows' keys
        b = _rows_with_both(a, b, model)
        if b is None:
            return None
    elif len(a.listing) > 1 or ref.column == info.display or ref.column in info.key:
        # the rows themselves: "stadiums that had concerts in both 2014 and 2015" keeps the
        # rows that have related rows of each half; "both A and B" of one row's own columns is
        # each condition (not this)
        b = _rows_of_both(a, b, model)
        if b is None:
            return None
    conditions = (a.filters, a.numeric_filters, a.time_range)
    if not a.rows_plan and (
        conditions == (b.filters, b.numeric_filters, b.time_range) or not any(conditions)
    ):
        return None
    if _said_conditions(a) != _said_conditions(b):
        return None  # "both A and B in 2014": what ends the second half is said of both
    return joined_reading(one, two, a.with_changes(also_in=plan_to_dict(b)), model)


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
_THE = lx.words("the el la los las")


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
            if norms[k] in _AND and norms[k + 1] in _SECOND_QUESTION
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
_THE = lx.words("the")
_WITH = lx.words("with con")
_THE_WITH = lx.words("the el la")
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
        if not (who_has or before[1] in _WITH and before[2] in _THE_WITH):
            continue
        columns = [model.column(*e.ref[:2]) for e in m.of("column")]
        if not all(c is not None and c.kind == "number" for c in columns):
            continue
        if any(n.kind in _SAYS_WHICH or n.has("value") for n in mentions[k + 1 :]):
            continue
        raise Unclear(Clarify.BARE_NUMBER, m.text)


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


_COUNT_CLAUSE = (("with", "cmp", "number"), ("exist", "cmp", "number"))


def _count_clause_first(tokens: list[lx.Token], mentions: list) -> list[lx.Token] | None:
    """ "students who have a grade higher than 5 and have at least 2 friends", "alumnos con
    una nota mayor que 5 y con al menos 2 amigos": two conditions of the same rows joined by
    "and", the second a count of related rows. The count clause is said first ("students who
    have at least 2 friends and have a grade higher than 5"), the order `_entities_with_count`
    reads; the condition it moved after the "and" stays a condition of the rows."""
    kinds = [m.kind for m in mentions]
    found = [
        k
        for k in range(2, len(mentions) - 3)
        if tuple(kinds[k : k + 3]) in _COUNT_CLAUSE
        and kinds[k - 1] == "conj"
        and tokens[mentions[k - 1].start].norm in _AND_WORDS
        and mentions[k + 3].kind == "schema"
        and mentions[k + 3].has("table")
    ]
    if len(found) != 1 or kinds.count("cmp") > 2:
        return None
    k = found[0]
    conj = mentions[k - 1]
    # the rows the two conditions are said of, then the clause's own opener: "who have", "with"
    e = next((n for n in range(k - 1) if kinds[n] == "schema" and mentions[n].has("table")), None)
    if e is None or kinds[e + 1] not in ("with", "exist", "list"):
        return None
    if kinds[e + 1] == "list" and tokens[mentions[e + 1].start].norm not in _RELATIVE:
        return None
    opener = mentions[e + 1].end if kinds[e + 1] == "list" else mentions[e + 1].start
    if kinds[e + 1] == "list" and kinds[e + 2] == "exist":  # "who have …"
        opener = mentions[e + 2].start
    if tokens[mentions[k].start].norm != tokens[opener].norm:
        return None  # "… and have at least 2 friends" after "who have": the same opener
    end = mentions[k + 3].end
    if any(m.kind != "schema" and m.start >= end for m in mentions):
        return None  # only the two clauses: nothing said after the count
    return [
        *tokens[:opener],
        *tokens[mentions[k].start : end],
        tokens[conj.start],
        *tokens[opener : conj.start],
        *tokens[end:],
    ]


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


_A_SINGLE = ("than", "a", "single")


def _a_single(tokens: list[lx.Token], mentions: list) -> list[lx.Token] | None:  # noqa: ARG001
    """ "more than a single document": "a single" after "more/fewer than" is the number one."""
    for at in range(1, len(tokens) - 3):
        if tuple(t.norm for t in tokens[at : at + 3]) != _A_SINGLE:
            continue
        one = replace(tokens[at + 2], text="one", norm="one", key=lx.word_key("one", "en"))
        return [*tokens[: at + 1], one, *tokens[at + 3 :]]
    return None


_BETWEEN = lx.words("between entre")


def _count_range(tokens: list[lx.Token], mentions: list) -> list[lx.Token] | None:
    """ "documents that have between one and two paragraphs", "the document with 1 to 2
    paragraphs": a range of a count of rows, said right after "with"/"have" and right before a
    table's word, is the two bounds of the count: "with at least 1 paragraphs and at most 2
    paragraphs" (one HAVING per bound). A range before a column ("ages between 20 and 30") is
    left to the value rules."""
    said = [m for m in mentions if m.kind != "conj"]  # "between one and two"
    for k in range(1, len(said) - 2):
        low, high, rows = said[k], said[k + 1], said[k + 2]
        if low.kind != "number" or high.kind != "number" or rows.kind != "schema":
            continue
        if not rows.has("table") or rows.has("value") or rows.start != high.end:
            continue
        between = tokens[low.start - 1].norm in _BETWEEN if low.start else False
        joint = [t.norm for t in tokens[low.end : high.start]]
        if not (between and joint in (["and"], ["y"]) or not between and joint in (["to"], ["a"])):
            continue
        opening = low.start - 1 if between else low.start
        before = [m for m in mentions if m.end <= opening]
        said_with = bool(before) and before[-1].kind in ("with", "exist")
        if not (
            said_with and before[-1].end == opening or opening and tokens[opening - 1].norm in _HAVE
        ):
            continue  # "with"/"have"/"has" right before the range
        es = tokens[0].lang == "es"
        first = tokens[low.start]

        def word(w: str, first: lx.Token = first) -> lx.Token:
            return replace(first, text=w, norm=w, key=lx.word_key(w, first.lang))

        counted = tokens[rows.start : rows.end]
        least = ["al", "menos"] if es else ["at", "least"]
        most = ["como", "mucho"] if es else ["at", "most"]
        return [
            *tokens[:opening],
            *map(word, least),
            *tokens[low.start : low.end],
            *counted,
            word("y" if es else "and"),
            *map(word, most),
            *tokens[high.start : high.end],
            *tokens[rows.start :],
        ]
    return None


# A count said bare as the sort key: "in ascending order of count", "sorted by their frequency".
_BARE_COUNT = lx.words("count frequency")
_ORDER_OF = lx.words("of by the their its")


def _ordered_by_count(
    model: SemanticModel, tokens: list[lx.Token], mentions: list
) -> list[lx.Token] | None:
    """ "Show the record formats of orchestras in ascending order of count", "the major record
    formats of orchestras, sorted by their frequency": the listed column's values sorted by how
    many rows hold each, read as "the number of orchestras by record formats in ascending
    order". Only when the question ends with the bare count word after an order word, lists
    one column (of the table said after it, or of its one table) and nothing else."""
    end = len(tokens)
    while end and tokens[end - 1].kind != "word":
        end -= 1
    if not end or tokens[end - 1].norm not in _BARE_COUNT or tokens[0].lang != "en":
        return None
    order = [m for m in mentions if m.kind in ("order", "dir") and m.end < end]
    k = order[-1].end if order else end
    if (
        not order
        or any(t.norm not in _ORDER_OF for t in tokens[k : end - 1])
        or any(m.start >= k for m in mentions if m.kind not in ("count", "group"))
    ):
        return None
    schema = [m for m in mentions if m.kind == "schema"]
    if not schema or schema[0].has("value") or schema[0].has("table") or len(schema) > 2:
        return None
    column = schema[0]
    tables = {e.ref[0] for e in column.of("column")}
    rows = None
    if len(schema) == 2:
        rows = schema[1]
        gap = tokens[column.end : rows.start]
        if [t.norm for t in gap] != ["of"] or rows.has("value") or not rows.has("table"):
            return None
        tables &= {e.ref[0] for e in rows.of("table")}
    if len(tables) != 1 or any(
        m.kind not in ("schema", "order", "dir", "count", "list", "group") for m in mentions
    ):
        return None
    first = tokens[column.start]

    def word(w: str) -> lx.Token:
        return replace(first, text=w, norm=w, key=lx.word_key(w, first.lang))

    if rows is not None:
        counted = tokens[rows.start : rows.end]
    else:
        (table,) = tables
        counted = [word(t.norm) for t in lx.tokenize(model.tables[table].label, "en")]
        said, _unmapped = scan(model, counted)
        if len(said) != 1 or {e.ref[0] for e in said[0].of("table")} != tables:
            return None
    return [
        *tokens[: column.start],
        word("number"),
        word("of"),
        *counted,
        word("by"),
        *tokens[column.start : column.end],
        *tokens[order[-1].start : order[-1].end],
        # "sorted by count" with no direction: ascending, as a sort is
        *([] if any(m.kind == "dir" for m in order) else [word("ascending")]),
    ]


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


def _count_of_compound(
    model: SemanticModel, tokens: list[lx.Token], mentions: list
) -> list[lx.Token] | None:
    """ "the number of car models": a count metric's phrase ("number of cars") that swallowed the
    first word of a table's own phrase ("car models") right after it is a count of that table:
    read as "how many car models". Only when the words from the metric's last one on are one
    catalog phrase naming exactly that table, and the metric counts another table."""
    for k, metric in enumerate(mentions[:-1]):
        head = mentions[k + 1]
        if metric.kind != "schema" or head.kind != "schema" or head.start != metric.end:
            continue
        keys = [e.ref[0] for e in metric.entries if e.kind == "metric"]
        if len(keys) != len(metric.entries) or len(keys) != 1 or metric.end - metric.start < 2:
            continue
        counted = _counted_rows_table(model, keys[0])
        tables = {e.ref[0] for e in head.of("table")}
        if counted is None or len(tables) != 1 or counted in tables:
            continue
        joined = tokens[metric.end - 1 : head.end]
        found, _unmapped = scan(model, joined)
        if len(found) != 1 or found[0].kind != "schema" or found[0].end != len(joined):
            continue
        if {e.ref[0] for e in found[0].of("table")} != tables or found[0].has("metric"):
            continue
        first = tokens[metric.start]
        words = ("cuantos",) if first.lang == "es" else ("how", "many")
        said = [replace(first, text=w, norm=w, key=lx.word_key(w, first.lang)) for w in words]
        return [*tokens[: metric.start], *said, *joined, *tokens[head.end :]]
    return None


def _counted_rows_table(model: SemanticModel, key: str) -> str | None:
    metric = model.metrics.get(key)
    if metric is not None and metric.agg in ("count", "countd"):
        return metric.table
    return None


_RELATIVE = lx.words("which that who que cuales")
_AND_WORDS = lx.words("and y e")


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


_WHICH = lx.words("que what which cuales")
_WE = lx.words("do does we you nosotros")
_OFFER_VERBS = lx.SELL_VERBS | lx.words(
    "ofrecemos ofrece ofrecen offer offers tenemos tienen have has manejamos carry carries"
)


def _what_we_sell(tokens: list[lx.Token], mentions: list) -> list[lx.Token] | None:
    """The tokens without the verb when the question asks which rows of a table there are
    through what the business does with them ("¿Qué productos vendemos?", "what products do we
    sell?"): a list of products, not the revenue the sell verb would otherwise measure."""
    words = [t.norm for t in tokens if t.kind != "symbol"]
    if len(words) < 3 or words[0] not in _WHICH or words[-1] not in _OFFER_VERBS:
        return None
    schema = [m for m in mentions if m.kind == "schema"]
    if len(schema) != 1 or not schema[0].has("table") or schema[0].has("value"):
        return None
    allowed = {schema[0].start + n for n in range(schema[0].end - schema[0].start)}
    keep = []
    for n, t in enumerate(tokens):
        if t.kind == "symbol":
            continue
        if n in allowed or t.norm in _WHICH or t.norm in lx.FILLER:
            keep.append(t)
        elif t.norm not in _WE and t.norm not in _OFFER_VERBS:
            return None  # anything else ("más", a period, a value) keeps the verb's meaning
    return keep


def _read_pay_verbs(model: SemanticModel, tokens: list[lx.Token], mentions: list) -> list[lx.Token]:
    """A pay verb ("cobra", "gana", "earn", "paid") names the pay column (salario) when the
    question is about the people paid ("¿cuánto cobra cada gerente?", "how much do employees
    earn?"); otherwise it keeps its ordinary reading ("¿qué producto gana más?" still asks,
    "how much did we earn?" is revenue)."""
    if not any(t.norm in lx.PAY_VERBS for t in tokens):
        return tokens
    pay = {
        table: column
        for (table, column), sem in model.columns.items()
        if lx.fold(column) in lx.PAY_COLUMNS and sem.kind == "number"
    }
    about = {e.ref[0] for m in mentions if m.kind == "schema" for e in m.entries} & set(pay)
    if len(about) != 1:
        return tokens
    column = lx.fold(pay[about.pop()])
    return [
        replace(t, norm=column, key=lx.word_key(column, t.lang)) if t.norm in lx.PAY_VERBS else t
        for t in tokens
    ]


def _is_followup(tokens: list[lx.Token], previous: QueryPlan | None) -> bool:
    if previous is None or not tokens:
        return False
    head = " ".join(t.norm for t in tokens[:3])
    return tokens[0].norm in lx.FOLLOWUP_LEADS or head.startswith(_FOLLOWUP_OPENERS)


def _fresh_ctx(model: SemanticModel, tokens: list[lx.Token], lang: str) -> Context:
    mentions, _unmapped = scan(model, tokens)
    return Context(model, tokens, _rows_named_elsewhere(model, compound_heads(mentions)), lang)


def _rows_named_elsewhere(model: SemanticModel, mentions: list) -> list:
    """ "the players from college X" (the first noun said) where `players` is a table and also a
    text column of the table `college` is on: the rest of the question is said of that other
    table's rows (its columns, its values or those of a table next to it) and of none next to
    the noun's table, so the noun is that column, not the table's rows reached through a third
    table."""
    out = list(mentions)
    for i, m in enumerate(mentions):
        tables = {e.ref[0] for e in m.of("table")} if m.kind == "schema" else set()
        if len(tables) != 1:
            continue
        (table,) = tables
        owners = {
            e.ref[0]
            for e in m.of("column")
            if e.ref[0] != table
            and (col := model.column(*e.ref)) is not None
            and col.kind == "text"
        }
        others = [
            {e.ref[0] for e in o.entries if e.kind != "metric"}
            for j, o in enumerate(mentions)
            if j != i and o.kind == "schema"
        ]
        if len(owners) != 1 or not others or not all(others):
            continue
        (owner,) = owners

        def near(of: set[str], to: str) -> bool:
            return any(t == to or len(model.path(to, t) or ()) == 1 for t in of)

        if all(near(o, owner) and not near(o, table) for o in others):
            kept = tuple(e for e in m.entries if e.kind == "column" and e.ref[0] == owner)
            if any(o.kind == "schema" for o in mentions[:i]):
                # said after what is asked of it ("the positions of players from college X"):
                # the rows of that other table, not one more column to show
                kept = tuple(replace(e, kind="table", ref=(owner,)) for e in kept[:1])
            out[i] = replace(m, entries=kept)
    return out


def _plan(
    question: str,
    model: SemanticModel,
    tokens: list[lx.Token],
    lang: str,
    previous: QueryPlan | None,
) -> tuple[QueryPlan, Parts, bool, Context]:
    """(plan, what the question said, whether it named its metric, the parse's context)."""
    if previous is not None:
        ctx = _fresh_ctx(model, tokens, lang)
        try:
            parts = read_parts(ctx, base_hint=previous.table)
        except (NeedsFact, Unclear):
            parts = None  # not readable as a follow-up: read it as a new question
        self_contained = parts is not None and (
            parts.metrics_said and any(s.kind == "schema" for s in ctx.mentions)
        )
        followup = parts is not None and (_is_followup(tokens, previous) or not self_contained)
        if followup and (not parts.metrics or _same_table(model, parts, previous)):
            plan = followup_plan(previous, parts)
            if parts.metrics_said:
                plan = _as_shares(
                    plan.with_changes(metrics=_refs(model, parts.metrics, lang)), lang
                )
            elif not plan.metrics and not plan.listing:
                raise Unclear(Clarify.NO_METRIC)
            else:
                plan = _relabel(model, plan, lang)
            return _finish(plan), parts, True, ctx
    ctx = _fresh_ctx(model, tokens, lang)
    # "the birth date of the player with the lowest earnings": one row's columns
    parts = row_with_extreme(ctx)
    try:
        if parts is None:
            ctx = _fresh_ctx(model, tokens, lang)
            parts = read_parts(ctx)
    except NeedsFact:
        ctx = _fresh_ctx(model, tokens, lang)
        try:
            parts = read_parts(ctx, force_fact=True)
        except NeedsFact:
            raise Unclear(Clarify.GENERIC, question.strip()) from None
    if not parts.metrics and ctx.has("buy") and parts.listing_table:
        raise Unclear(Clarify.GENERIC, question.strip())
    if parts.metrics and ctx.has("buy") and parts.base != model.fact:
        ctx = _fresh_ctx(model, tokens, lang)
        try:
            parts = read_parts(ctx, force_fact=True)
        except NeedsFact:
            raise Unclear(Clarify.GENERIC, question.strip()) from None
    plan = fresh_plan(parts)
    plan = _as_shares(plan.with_changes(metrics=_refs(model, parts.metrics, lang)), lang)
    said = any(m.kind == "schema" and m.has("metric") for m in ctx.mentions)
    return _finish(plan), parts, said, ctx


def _relabel(model: SemanticModel, plan: QueryPlan, lang: str) -> QueryPlan:
    """The kept metrics named in the follow-up's language: "and by channel?" after "ventas
    por región" answers about "total revenue", not "ventas totales"."""
    other = "en" if lang == "es" else "es"
    refs = []
    for m in plan.metrics:
        try:
            theirs = ms.metric_ref(model, m.key, other)
            mine = ms.metric_ref(model, m.key, lang)
        except ms.UnknownMetric:
            refs.append(m)
            continue
        label = m.label
        if label == theirs.label:
            label = mine.label
        elif label.endswith(theirs.label):  # "% de ventas totales", "promedio por mes de ..."
            prefix = label[: -len(theirs.label)]
            shared = {"% de ": "% of ", "% of ": "% de "}
            if prefix in shared:
                label = shared[prefix] + mine.label
        refs.append(m.__class__(m.key, label, m.unit, m.alias))
    return plan.with_changes(metrics=tuple(refs))


def _same_table(model: SemanticModel, parts: Parts, previous: QueryPlan) -> bool:
    return {ms.metric_table(model, k) for k in parts.metrics} == {previous.table}


def _finish(plan: QueryPlan) -> QueryPlan:
    if plan.order is not None and plan.metrics and plan.order.metric >= len(plan.metrics):
        plan = plan.with_changes(order=plan.order.__class__(0, plan.order.desc))
    return plan


def _refs(model: SemanticModel, keys: list[str], lang: str) -> tuple:
    refs = []
    for key in dict.fromkeys(keys):
        refs.append(ms.metric_ref(model, key, lang))
    return tuple(refs)


_GRAIN_WORDS = {
    "es": {"day": "día", "week": "semana", "month": "mes", "quarter": "trimestre", "year": "año"},
    "en": {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"},
}


def _as_shares(plan: QueryPlan, lang: str) -> QueryPlan:
    """Percent metrics read and print as percentages of their metric; averages over periods
    say so ("promedio por mes de ingresos")."""
    if plan.average_per:  # "promedio por cliente de ventas totales"
        word = ", ".join(c.table for c in plan.average_per)
        label = "promedio por {} de {}" if lang == "es" else "average per {} of {}"
        refs = tuple(
            m.__class__(m.key, label.format(word, m.label), m.unit, m.alias) for m in plan.metrics
        )
        return plan.with_changes(metrics=refs)
    if plan.average_over:
        word = _GRAIN_WORDS["es" if lang == "es" else "en"][plan.average_over]
        label = "promedio por {} de {}" if lang == "es" else "average per {} of {}"
        refs = tuple(
            m.__class__(m.key, label.format(word, m.label), m.unit, m.alias) for m in plan.metrics
        )
        return plan.with_changes(metrics=refs)
    if not plan.share:
        return plan
    label = "% de {}" if lang == "es" else "% of {}"
    refs = tuple(
        m
        if m.unit == "percent"
        else m.__class__(m.key, label.format(m.label), "percent", f"pct_{m.alias}")
        for m in plan.metrics
    )
    return plan.with_changes(metrics=refs)


# --- intent -----------------------------------------------------------------------------------


def _intent(plan: QueryPlan, parts: Parts, lang: str, ctx: Context, said: bool) -> Intent:
    if plan.comparison is not None:
        kind = "COMPARISON"
    elif plan.average_over:
        kind = "AGGREGATION" if plan.dimensions else "QUERY"
    elif plan.grain and not (plan.order and plan.limit):
        kind = "TREND"
    elif plan.dimensions or plan.grain:
        kind = "AGGREGATION"
    else:
        kind = "QUERY"
    confidence = 0.92 - 0.08 * ctx.guesses - (0.0 if said or plan.listing else 0.04)
    return Intent(kind, round(max(0.5, min(confidence, 0.95)), 2), _reasoning(plan, lang))


def _reasoning(plan: QueryPlan, lang: str) -> str:
    es = lang == "es"
    bits = []
    if plan.listing:
        cols = ", ".join(c.column for c in plan.listing)
        bits.append(f"{'listado de' if es else 'listing'} {plan.table} ({cols})")
    if plan.metrics:
        label = "métricas" if es else "metrics"
        bits.append(f"{label}: " + ", ".join(m.label for m in plan.metrics))
    if plan.dimensions:
        label = "agrupado por" if es else "grouped by"
        bits.append(f"{label} " + ", ".join(d.column for d in plan.dimensions))
    if plan.grain:
        bits.append(f"{'periodo' if es else 'grain'}: {plan.grain}")
    conditions = [f"{f.column} {f.op} {', '.join(f.values)}" for f in plan.filters]
    conditions += [
        f"{f.column} {f.op} " + (f.other or (f"AVG({f.column})" if f.average else f"{f.value:g}"))
        for f in plan.numeric_filters
    ]
    if plan.time_range:
        conditions.append(plan.time_range.label or f"{plan.time_range.start}–{plan.time_range.end}")
    if conditions:
        bits.append(f"{'filtros' if es else 'filters'}: " + "; ".join(conditions))
    if plan.order is not None:
        way = "desc" if plan.order.desc else "asc"
        bits.append(
            f"{'orden' if es else 'order'} {way}" + (f", top {plan.limit}" if plan.limit else "")
        )
    if plan.comparison is not None:
        bits.append(f"{'compara' if es else 'compares'} {plan.comparison.dimension}")
    return "; ".join(bits)


def _schema_reasoning(request: SchemaRequest, lang: str) -> str:
    target = request.metric or ".".join(p for p in (request.table, request.column) if p) or "-"
    if lang == "es":
        return f"Pregunta sobre la estructura o el significado ({request.kind}: {target})."
    return f"Question about structure or meaning ({request.kind}: {target})."


# --- clarify ----------------------------------------------------------------------------------


def _clarify(
    question: str,
    model: SemanticModel,
    ctx: Context,
    lang: str,
    unclear: Unclear,
    unmapped: list[str],
    with_suggestions: bool,
) -> Interpretation:
    message = clarify_message(
        unclear.reason, lang, detail=unclear.detail or question.strip(), model=model
    )
    offered: tuple[str, ...] = ()
    if with_suggestions:
        offered = _offered(model, ctx, lang, unmapped, _said_period(ctx), unclear.reason)
    reasoning = (
        f"No se pudo interpretar por completo ({unclear.reason})."
        if lang == "es"
        else f"Could not map the question completely ({unclear.reason})."
    )
    return Interpretation(
        route="CLARIFY",
        intent=Intent("AMBIGUOUS", 0.3, reasoning),
        lang=lang,
        clarify=message,
        suggestions=offered,
        unmapped=tuple(unmapped),
        notes=(unclear.reason,),
        unresolved=unresolved_of(ctx, unclear, unmapped, question),
    )


# Clarify reasons whose detail is the one word (or phrase) of the question not understood.
_WORD_REASONS = frozenset(
    {
        Clarify.UNUSED_WORD,
        Clarify.UNKNOWN_DIMENSION,
        Clarify.COUNT_WHAT,
        Clarify.AMBIGUOUS_COLUMN,
        Clarify.LINK_SIDE,
        Clarify.UNMAPPED,
        Clarify.AGGREGATE_UNSAID,
        Clarify.OR_CONDITIONS,
        Clarify.OR_EVERY_ROW,
    }
)
_METRIC_REASONS = frozenset({Clarify.NO_METRIC, Clarify.MIXED_TABLES, Clarify.EXTREME_UNSAID})
_VALUE_REASONS = frozenset({Clarify.UNKNOWN_VALUE})


def unresolved_of(
    ctx: Context, unclear: Unclear, unmapped: list[str], question: str
) -> tuple[Unresolved, ...]:
    """What the question said that the engine did not understand, for every question asked
    back: the unknown words, else the word a rule could not place, else the metric or value
    missing, else the catalog words no slot took, else the question itself."""
    found = [Unresolved("word", w) for w in dict.fromkeys(unmapped)]
    detail = (unclear.detail or "").strip()
    if unclear.reason in _VALUE_REASONS and detail:
        found.append(Unresolved("value", detail))
    elif unclear.reason in _WORD_REASONS and detail and not found:
        found.append(Unresolved("word", detail))
    elif unclear.reason in _METRIC_REASONS:
        said = [m.text for m in ctx.mentions if m.kind == "schema" and m.has("metric")]
        text = detail if detail and detail != question.strip() else ", ".join(said)
        found.append(Unresolved("metric", text or question.strip()[:200]))
    if not found:
        left = [
            m.text
            for i, m in enumerate(ctx.mentions)
            if m.kind == "schema" and i not in ctx.used and i not in ctx.qualifiers
        ]
        found = [Unresolved("word", w) for w in dict.fromkeys(left)]
    if not found:
        found = [Unresolved("word", question.strip()[:200])]
    return tuple(dict.fromkeys(found))


_ROW_ORDINALS = lx.words("first last earliest latest newest oldest primer primera ultimo ultima")
_ROW_ARTICLES = lx.words("the el la")


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


def _offered(
    model: SemanticModel,
    ctx: Context,
    lang: str,
    unmapped: list[str],
    period: str | None,
    reason: str,
) -> tuple[str, ...]:
    """The data questions offered back, built of what the question said (its metrics, its
    dimensions and the words the model could mean, its values), each one the engine reads."""
    return suggestions(
        model,
        lang,
        metric_keys=_said_metrics(ctx),
        dimension_words=list(
            dict.fromkeys(meant_dimensions(model, unmapped, lang) + _said_dimensions(ctx))
        ),
        values=_said_values(ctx),
        period=period,
        reason=reason,
        accepts=lambda text: (
            _interpret(text, model, previous=None, with_suggestions=False).route == "SQL"
        ),
    )


def _said_metrics(ctx: Context) -> list[str]:
    keys = []
    for m in ctx.mentions:
        if m.kind == "schema":
            keys += [e.ref[0] for e in m.of("metric")]
    return keys


def _said_dimensions(ctx: Context) -> list[str]:
    model = ctx.model
    words = []
    for m in ctx.mentions:
        if m.kind != "schema" or m.has("value") or m.has("metric") or m.has("table"):
            continue
        columns = [model.column(*e.ref) for e in m.of("column")]
        if any(c.pii for c in columns):
            continue  # never offer to group by a sensitive column ("por cuenta bancaria")
        if any(c.kind == "text" for c in columns):
            words.append(m.text.lower())
    return words[:1]


def _said_values(ctx: Context) -> list[str]:
    found = []
    for m in ctx.mentions:
        if m.kind == "schema" and m.has("value"):
            value = max(m.of("value"), key=lambda e: e.quality).ref[2]
            if value not in found and not all(e.weak for e in m.of("value")):
                found.append(value)
    return found[:2]


def _said_period(ctx: Context) -> str | None:
    for m in ctx.mentions:
        if m.kind == "time" and m.time.kind == "period" and m.time.granularity == "year":
            return m.time.label
    return None
