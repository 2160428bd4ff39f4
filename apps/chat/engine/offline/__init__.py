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

from dataclasses import replace

from ..plan import (
    Intent,
    Interpretation,
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
from .checks import (
    _attribute_of_the_top_row,
    _check_bare_number_had,
    _check_closing_extreme,
    _check_each_row_counted,
    _check_echoed_value,
    _check_grouped_by_second_question,
    _check_groups_of_one_row,
    _check_largest_of_rows,
    _check_listed_plural_summed,
    _check_name_asked,
    _check_name_of_a_reference,
    _check_ranked_one_group,
    _check_size_of_one_row,
    _check_summed_attribute,
    _check_summed_key_number,
    _check_values_shared,
    _first_row_said,
    _meaning_word_in_unknown_name,
    _rank_superlative,
    _row_count_unanswered,
    _says_weekday,
    _the_ranked_rows_named,
)
from .clarify import _said_dimensions, _said_metrics, _said_period, _said_values, unresolved_of
from .coverage import unused_mention
from .either import asks_about_or, either_condition, joined_reading
from .followups import _resort, _same_for
from .labels import full_names, people_shown_whole, shared_head_nouns
from .links import check_link_side
from .literals import apply_literals, name_rows, said_rows, take_literals
from .parser import Clarify, Context, Unclear
from .parser_schema import schema_request
from .patterns import _columns_before, apply_patterns, take_patterns
from .planner import _plan
from .reading import describe
from .relations import pair_verb, read_as, relation_verbs
from .relations import said as said_relations
from .relations_checks import check_relations, negate_flag_pairs
from .relations_exist import related_rows
from .relations_none import rows_without
from .rereads import (
    _WORD_REWRITES,
    _about_each,
    _both_columns,
    _count_clause_first,
    _read_pay_verbs,
    _rows_of_a_table,
    _what_we_sell,
    _where_as_place,
    _where_located,
)
from .rewrite import BOTH_WORDS as _BOTH_WORDS
from .rewrite import rewrite_words
from .rowsets import (
    _THOSE,
    _entities_with_count,
    _entity_rows,
    _rows_except,
    _rows_of_both,
    _rows_with_both,
    _said_conditions,
    _shared_by,
    _unknown_before_relation,
    _verb_before_count,
    _without_count_word,
)
from .say import _fixes_said, _intent, _schema_reasoning, _synonyms_reading, _synonyms_said
from .scan import scan
from .semantic import SemanticModel, build_semantic_model
from .shown import (
    drop_condition_columns,
    drop_constant_dimensions,
    drop_unasked_labels,
    hide_qualifier_measures,
    the_person_of_key_groups,
    the_person_of_whole_rows,
)
from .sqlgen import PlanError, compile_sql
from .suggest import clarify_message, meant_dimensions, suggestions
from .superlatives import read_superlatives
from .synonyms import read_synonyms
from .than import take_same_row, take_than
from .typos import correct as correct_typos
from .verbs import YearVerb, check_year_verbs, year_verbs
from .verbs import said as said_verbs
from .weak import gate_weak_readings, weak_rules

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
        or_every_row(plan, question, lang, model)  # "over 1000 or every row": no condition
        check_year_verbs(plan, year_read)
        _check_largest_of_rows(plan, mentions, model)
        _check_values_shared(plan, question, read.tokens)
        _check_size_of_one_row(plan, mentions)
        plan = _attribute_of_the_top_row(plan, model, read.mentions)
        plan = _the_ranked_rows_named(plan, model, read.mentions)
        asked = lx.tokenize(question, lang)  # as written, before any rewrite
        plan = the_person_of_whole_rows(plan, model, asked)
        plan = the_person_of_key_groups(plan, model)
        _check_summed_attribute(plan, model)
        _check_groups_of_one_row(plan, model, read.mentions)
        _check_summed_key_number(plan, model, read.mentions)
        _check_listed_plural_summed(plan, read.tokens, read.mentions)
        _check_grouped_by_second_question(plan, read.tokens, read.mentions)
        _check_bare_number_had(model, read.tokens, read.mentions)
        _check_closing_extreme(plan, read.tokens)
        _check_ranked_one_group(plan)
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
            _check_name_asked(plan, asked)
            _check_name_of_a_reference(plan, model, read.tokens, read.mentions)
        _check_echoed_value(plan)
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
