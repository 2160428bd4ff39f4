"""Mentions -> QueryPlan or SchemaRequest: the grammar of the offline engine.

The parser fills the slots of a plan from the mentions found by `scan`: metrics, base table,
group-by dimensions, value filters, numeric filters, time range and grain, order and limit,
comparison, or an entity listing. Every rule that cannot decide raises `Unclear`, which becomes a
CLARIFY answer: a wrong table is worse than a question back.

Split by /work/tools/split_planner.py: `schema_request` (questions about the schema) is in
`parser_schema.py`, `collect_metrics` and the aggregates in `parser_metrics.py`; they import the
context and the predicates from here, this module never imports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from datachat import text as tx

from . import lexicon as lx
from .lexicon import Token
from .scan import HEAD, Mention
from .semantic import (
    EXACT,
    GLOSS,
    PARTIAL,
    SYNONYM,
    Entry,
    SemanticModel,
    grammar_word,
    linked_label,
)

SOFT_TOTAL = frozenset({"total", "totales", "totals", "overall"})


class Clarify(StrEnum):
    """Why the engine asks back. The kind picks the question's message (`suggest._MESSAGES`;
    a kind with none gets the generic one) and how its detail is reported in the answer's
    `unresolved` (a word, a metric or a value: `offline.unresolved_of`)."""

    UNUSED_WORD = "unused_word"  # a word of the question no part of the reading used
    UNMAPPED = "unmapped"  # words the catalog does not know
    AMBIGUOUS_COLUMN = "ambiguous_column"  # a word naming several columns
    LINK_SIDE = "link_side"  # two foreign keys to one table, and nothing says which joins
    UNKNOWN_DIMENSION = "unknown_dimension"  # "by X" where X is no column
    UNKNOWN_VALUE = "unknown_value"  # a quoted or named value found in no column
    VALUE_UNREACHABLE = "value_unreachable"  # a value of a table no join reaches
    COUNT_WHAT = "count_what"  # "how many" with nothing to count
    COMPARE_WHAT = "compare_what"  # "compare" with nothing to compare
    NO_METRIC = "no_metric"  # no measure said or implied
    MIXED_TABLES = "mixed_tables"  # measures of tables that cannot be combined
    NO_DATE = "no_date"  # a period asked of a table with no date
    TIME_MIX = "time_mix"  # periods that cannot go together
    WEEKDAY = "weekday"  # a weekday where the data has no day
    NUMERIC_FILTER = "numeric_filter"  # a number whose column cannot be told
    RANK_WITHOUT_DIMENSION = "rank_without_dimension"  # "the top" of nothing
    LARGEST_OF_ROWS = "largest_of_rows"  # "the largest X for the groups": which one
    SIZE_OF_ROW = "size_of_row"  # "the largest order": by which column, or the most orders?
    SET_OR_EACH = "set_or_each"  # a shared column of rows with none: each row's, or the set?
    SUMMED_ATTRIBUTE = "summed_attribute"  # a grouped row's own number added up per row
    AGGREGATE_UNSAID = "aggregate_unsaid"  # rows' numbers added up though no word asked to
    PER_GROUP_UNSAID = "per_group_unsaid"  # a figure per row of a second question's listing
    SHARED_VALUES = "shared_values"  # "shared by / both X and Y" of one column: which rows?
    BARE_NUMBER = "bare_number"  # "who has the <number column>": which rows is not said
    OR_CONDITIONS = "or_conditions"  # "or" between two conditions, which the plan ANDs
    OR_EVERY_ROW = "or_every_row"  # "A or every row": a half that sets no condition
    EXTREME_UNSAID = "extreme_unsaid"  # a maximum or minimum no word asked for
    RANK_DIRECTION = "rank_direction"  # "the highest rank": rank 1, or the largest number?
    ITEMS_OR_UNITS = "items_or_units"  # "the most products" through lines: distinct, or units?
    ORDERS_OR_UNITS = "orders_or_units"  # "ordered the most 'Tea'": more orders, or units?
    ECHOED_VALUE = "echoed_value"  # the rows' only column shown is the one value said
    SHARE = "share"  # a share of an unclear whole
    FORECAST = "forecast"  # a forecast the engine does not make
    WHY = "why"  # a why-question with nothing to decompose
    FOLLOWUP_NOTHING = "followup_nothing"  # a follow-up with no previous answer
    VAGUE = "vague"  # too little said to read
    GENERIC = "generic"  # none of the above


class Unclear(Exception):
    """The question cannot be mapped completely; `reason` (a `Clarify` kind; an unknown kind is
    a programming error, caught here rather than shown as the generic message) picks the
    clarify message."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason, detail)
        self.reason = Clarify(reason)
        self.detail = detail


@dataclass
class Context:
    """Working state of one parse (mutable, local to interpret())."""

    model: SemanticModel
    tokens: list[Token]
    mentions: list[Mention]
    lang: str
    used: set[int] = field(default_factory=set)
    value_column: dict[int, set[str]] = field(default_factory=dict)  # value -> column names
    value_table: dict[int, str] = field(default_factory=dict)  # value mention -> table
    column_table: dict[int, str] = field(default_factory=dict)  # column mention -> table
    qualifiers: set[int] = field(default_factory=set)  # mentions that only qualify another
    rejected: set[int] = field(default_factory=set)  # weak values without evidence
    unread: set[int] = field(default_factory=set)  # rejected names: not read, asked back
    flags: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # yes/no adjectives
    notes: list[str] = field(default_factory=list)
    guesses: int = 0  # partial matches and defaults taken: lowers confidence
    weak: set[str] = field(default_factory=set)  # the weak rules that read a part (WEAK_RULES)
    noun_key: str | None = None  # what the fact table's noun measures ("ventas" -> revenue)
    average_over: bool = False  # "promedio mensual de ventas": average the per-period totals
    dropped: list[str] = field(default_factory=list)  # meaning words no slot could take
    consumed: set[int] = field(default_factory=set)  # read by a rule, no column in the SQL
    averaged: dict[str, str] = field(default_factory=dict)  # AVG key -> the SUM it came from
    year_named: set[int] = field(default_factory=set)  # a year column a time compares

    def kinds(self, *kinds: str) -> list[int]:
        return [i for i, m in enumerate(self.mentions) if m.kind in kinds]

    def has(self, *kinds: str) -> bool:
        return any(m.kind in kinds for m in self.mentions)


# --- small predicates --------------------------------------------------------------------------


def soft_total(ctx: Context, i: int) -> bool:
    """ "total": a catalog word (a column called `total`) or an aggregate word, soft either way:
    a SUM next to a measure, nothing next to anything else ("total de clientes", "en total")."""
    m = ctx.mentions[i] if 0 <= i < len(ctx.mentions) else None
    return m is not None and m.kind in ("schema", "agg") and lx.fold(m.text) in SOFT_TOTAL


def schema_mention(ctx: Context, i: int) -> Mention | None:
    if 0 <= i < len(ctx.mentions) and ctx.mentions[i].kind == "schema":
        return ctx.mentions[i]
    return None


def _value_entries(ctx: Context, i: int) -> tuple[Entry, ...]:
    m = schema_mention(ctx, i)
    if m is None or i in ctx.rejected:
        return ()
    return m.of("value")


def _column_names(m: Mention) -> set[str]:
    return {e.ref[1] for e in m.of("column")}


def is_value(ctx: Context, i: int) -> bool:
    m = schema_mention(ctx, i)
    if m is None or i in ctx.rejected or not m.has("value"):
        return False
    best = max(e.quality for e in m.entries)
    return max(e.quality for e in m.of("value")) >= best


def _reachable(ctx: Context, base: str, table: str) -> int | None:
    path = ctx.model.path(base, table)
    return None if path is None else len(path)


# --- weak values and qualifiers -------------------------------------------------------------


_ARTICLES = lx.words("the")


def named_after_article(tokens: list[lx.Token], m: Mention) -> bool:
    """ "produced in *the usa*": a whole stored value said exactly as stored right after "the"
    is a noun, a name, whatever else the word may be ("usa" is also a Spanish verb)."""
    return (
        m.start > 0
        and tokens[m.start - 1].norm in _ARTICLES
        and any(m.text == str(e.ref[2]) for e in m.of("value"))
    )


def resolve_weak_values(ctx: Context) -> None:
    """A value that is also a common word ("Este", "este año") needs evidence to be a value:
    capitalised mid-sentence, next to its column's name, or listed with a sibling value."""
    _reject_role_verbs(ctx)
    _reject_verb_after_each(ctx)
    columns_of = {}
    for i, m in enumerate(ctx.mentions):
        if m.kind == "schema":
            columns_of[i] = {(e.ref[0], e.ref[1]) for e in m.of("value")}
    for i, m in enumerate(ctx.mentions):
        if m.kind != "schema" or not m.has("value") or not all(e.weak for e in m.of("value")):
            continue
        token = ctx.tokens[m.start]
        evidence = token.text[:1].isupper() and m.start > 0
        # A whole name of several words said exactly ("amc hornet sportabout (sw)") is no
        # common word that happens to be a value.
        words = [t for t in ctx.tokens[m.start : m.end] if t.kind == "word"]
        words = [t for t in words if t.norm not in lx.FILLER and t.norm not in lx.STOPWORDS]
        evidence = evidence or len(words) >= 2 or named_after_article(ctx.tokens, m)
        if not words and not evidence and m.text.islower():
            # a lower-case grammar word ("hay", "is") is no name, whatever stands next to it:
            # "¿cuántos idiomas hay?" is not the language 'Haya'
            ctx.rejected.add(i)
            if any(m.text == str(e.ref[2]) for e in m.of("value")) and not all(
                _described(e) for e in m.of("value")
            ):
                # but a whole stored value said exactly as stored ("in the usa", a filler word
                # of the other language) is asked back, never dropped unseen; "is" is not the
                # code 'IS
                ctx.unread.add(i)
            continue
        mine = columns_of.get(i, set())
        # A word that also names a table ("participants", beside a type 'Participant') is the
        # value only right next to its column's name ("the type Participant") or listed with
        # another value of it ("Participant or Organizer"), not as the subject of
        # "participants belong to the type 'Organizer'".
        table_word = m.has("table")
        for j in (i - 1, i + 1):
            other = schema_mention(ctx, j)
            if (
                other is not None
                and _column_names(other) & {c for _, c in mine}
                and (not table_word or _listed_together(ctx, m, other))
            ):
                evidence = True
        for j, cols in columns_of.items():
            if (
                j != i
                and cols & mine
                and not all(e.weak for e in ctx.mentions[j].of("value"))
                and (not table_word or _listed_together(ctx, m, ctx.mentions[j]))
            ):
                evidence = True
        if not evidence:
            ctx.rejected.add(i)
            key = lx.phrase_key(m.text, token.lang)
            if not m.has("column") and not m.has("table") and not grammar_word(key, token.lang):
                ctx.unread.add(i)  # a name read as nothing: the check after the SQL asks it back


_LIST_JOINS = lx.AND_WORDS | lx.OR_WORDS | lx.words("the a an el la los las")


def _listed_together(ctx: Context, a: Mention, b: Mention) -> bool:
    """Whether two mentions are said as one list: only "and"/"or", commas, quotes and
    articles stand between them ("Participant or Organizer", "'Won', 'Nominated'")."""
    first, second = (a, b) if a.start < b.start else (b, a)
    between = ctx.tokens[first.end : second.start]
    return all(t.kind == "symbol" or t.norm in _LIST_JOINS for t in between)


_PASSIVE_AUXILIARIES = lx.words("been be being was were is are get got gets sido fue fueron")


def _reject_role_verbs(ctx: Context) -> None:
    """ "How many shows has each nominee been nominated for?": a verb after an auxiliary that
    says what a column named in the question is ("nominated" of `Nominee`, "reviewed" of
    `Reviewer`) restates that column; it is no filter on a stored value of the same word
    ('Nominated' in a result column). Only lower case, only when such a column is said."""
    said = [
        lx.fold(str(e.ref[1])).replace("_", " ")
        for m in ctx.mentions
        if m.kind == "schema"
        for e in m.of("column")
    ]
    for i, m in enumerate(ctx.mentions):
        if m.kind != "schema" or not m.has("value") or m.has("column") or m.has("table"):
            continue
        if m.end - m.start != 1 or m.start == 0 or not m.text.islower():
            continue
        if ctx.tokens[m.start - 1].norm not in _PASSIVE_AUXILIARIES:
            continue
        verb = lx.fold(m.text)
        if len(verb) >= 6 and any(
            word != verb and _shared_prefix(word, verb) >= max(5, len(word) - 3)
            for name in said
            for word in name.split()
        ):
            ctx.rejected.add(i)


# An auxiliary before "each <thing>" whose main verb closes the question: "how many races has
# each track hosted?", "cuántas carreras ha albergado cada pista".
_EACH_AUXILIARIES = lx.words("has have had did do does ha han habia")
_CLOSING_PREPOSITIONS = lx.words("in at for with on by en con para por")


def _reject_verb_after_each(ctx: Context) -> None:
    """ "How many competitions has each city hosted?": the word that closes a question of the
    shape "<auxiliary> each <thing> <word>" is the verb relating the thing to what is counted;
    a column it shares its stem with ("hosted", "host" of `Hosts`) is no second group. Only a
    word that is not the column's own name (in any case: "EACH PLACE HOSTED"), right after the
    thing's table word."""
    words = [k for k, t in enumerate(ctx.tokens) if t.kind == "word"]
    if not words:
        return
    last = words[-1]
    while last > 0 and ctx.tokens[last].norm in _CLOSING_PREPOSITIONS:
        last = max((k for k in words if k < last), default=0)
    for i, m in enumerate(ctx.mentions):
        if m.kind != "schema" or not m.has("column") or m.has("table") or m.has("value"):
            continue
        if m.end - m.start != 1 or m.start != last:
            continue
        if any(lx.fold(m.text) == lx.fold(str(e.ref[1])) for e in m.of("column")):
            continue
        thing = schema_mention(ctx, i - 1)
        if thing is None or not thing.has("table") or thing.end != m.start:
            continue
        before = [k for k in words if k < thing.start][-2:]
        if len(before) == 2 and (
            ctx.tokens[before[1]].norm in lx.EACH_WORDS
            and ctx.tokens[before[0]].norm in _EACH_AUXILIARIES
        ):
            ctx.rejected.add(i)


def _shared_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _described(e: Entry) -> bool:
    """Whether a value is stored in a description column (free text: "in" stored as one
    department's description is never the grammar word of "the address in the city X")."""
    return bool(set(tx.identifier_words(e.ref[1])) & lx.DESCRIPTION_WORDS)


# Words between a label word and the table it is said of: "the names and ids of all countries",
# "el nombre de cada continente". One of the linking words must be there.
LABEL_LINKS = lx.words("of de del for para")
LABEL_BETWEEN = (
    LABEL_LINKS
    | lx.FILLER
    | lx.words("all each every cada todos todas these those estos estas sus su their")
)


_POSSESSIVES = lx.words("its their su sus")


def _is_label_word(ctx: Context, i: int) -> bool:
    m = schema_mention(ctx, i)
    if m is None or m.end - m.start != 1:
        return False
    word = ctx.tokens[m.start].norm
    if word in lx.DESCRIPTION_WORDS or word in _DESCRIBE_VERBS:  # a description column
        return all(e.kind == "column" and e.quality == GLOSS for e in m.entries)
    return word in lx.LABEL_NAME_WORDS or word in lx.LABEL_ID_WORDS or m.value == HEAD


def _plain_column(ctx: Context, i: int) -> bool:
    """A mention that names columns only (no table, no value, no metric)."""
    m = schema_mention(ctx, i)
    return (
        m is not None
        and m.has("column")
        and not m.has("table")
        and not m.has("metric")
        and not is_value(ctx, i)
    )


def _table_of(ctx: Context, i: int) -> str | None:
    """The table a mention names, when it names exactly one (and is not read as a value)."""
    m = schema_mention(ctx, i)
    if m is None or is_value(ctx, i) or _is_label_word(ctx, i):
        return None
    tables = {e.ref[0] for e in m.of("table")}
    return tables.pop() if len(tables) == 1 else None


def _column_owner(ctx: Context, i: int) -> str | None:
    """The table of a mention whose columns are all of one table ("the city name" -> city)."""
    m = schema_mention(ctx, i)
    if m is None or is_value(ctx, i) or m.has("table"):
        return None
    tables = {e.ref[0] for e in m.of("column")}
    return tables.pop() if len(tables) == 1 else None


def _past_count_by(ctx: Context, j: int) -> int:
    """After "number of X by" (how "the names of the countries with 3 makers" is read: "number
    of makers by countries with ..."), the mention grouped by; else j."""
    mentions = ctx.mentions
    if j < len(mentions) and mentions[j].kind == "count":
        j += 1
    elif not (
        j < len(mentions)
        and mentions[j].kind == "schema"
        and ctx.tokens[mentions[j].start].norm in lx.COUNT_LEADS
    ):
        return j
    if j < len(mentions) and mentions[j].kind == "schema":
        j += 1
    if j < len(mentions) and mentions[j].kind == "group":
        return j + 1
    return j


# Between a table and the description said of it: "the template type with the description".
_DESCRIBED_BY = lx.words("with whose that has have the a an con cuya que tiene el la una un")


def _resolve_description(ctx: Context, i: int) -> None:
    """ "the description of the section h", "the description for the section named h": the
    description column of the table said right after "of"/"for" (by its name, one of its
    columns or one of its values), or right before ("the section description"); said of
    nothing that has one, it is asked back, never another table's description. "The type with
    the description 'Book'" is the type's."""
    m = ctx.mentions[i]
    owner = None
    k = i - 1
    while k >= 0 and ctx.mentions[k].kind in ("with", "exist"):
        k -= 1  # "the dishes with description …": "with" is a mention of its own
    if k >= 0:
        between = {t.norm for t in ctx.tokens[ctx.mentions[k].end : m.start]}
        if between <= _DESCRIBED_BY:  # "the section description", "the type with the description"
            owner = _table_of(ctx, k)
    j = i + 1
    if owner is None and j < len(ctx.mentions):
        words = {t.norm for t in ctx.tokens[m.end : ctx.mentions[j].start]}
        if words & LABEL_LINKS and words <= LABEL_BETWEEN:
            owner = _table_of(ctx, j) or _column_owner(ctx, j)
            values = {e.ref[0] for e in ctx.mentions[j].of("value")}
            if owner is None and len(values) == 1 and ctx.mentions[j].kind == "schema":
                owner = values.pop()
    own = [e for e in m.of("column") if e.ref[0] == owner]
    if not own and owner is None:  # "the descriptions for all the math courses"
        owner = _described_owner(ctx, i)
        own = [e for e in m.of("column") if e.ref[0] == owner]
    if not own:
        raise Unclear(Clarify.AMBIGUOUS_COLUMN, m.text)
    ctx.mentions[i] = replace(m, entries=(Entry("column", own[0].ref, EXACT),))
    ctx.column_table[i] = owner


def possessor(ctx: Context, i: int) -> str | None:
    """The table of a value said with an English possessive right before mention i ("Kyle's
    id"): one table holding it, read as a value."""
    if i == 0:
        return None
    m, before = ctx.mentions[i], ctx.mentions[i - 1]
    said = ctx.tokens[before.end - 1].text if before.end > 0 else ""
    if before.end != m.start or not said.lower().endswith(("'s", "’s")) or not is_value(ctx, i - 1):
        return None
    tables = {e.ref[0] for e in before.of("value")}
    return tables.pop() if len(tables) == 1 else None


def _label_owner(ctx: Context, i: int) -> tuple[str | None, int | None, bool]:
    """(table, its mention, adjacent) a label word is said of: the table just before it ("the
    continent name"), else the one after a list of such words joined by "of"/"de" ("names and
    ids of all countries"), else (not adjacent) the table after "each"/"por" ("for each
    continent, list its id"), else the first table the question names."""
    m = ctx.mentions[i]
    before = _table_of(ctx, i - 1)
    if before is not None and ctx.mentions[i - 1].end == m.start:
        return before, i - 1, True
    owner = possessor(ctx, i)
    if owner is not None:  # "Kyle's id": the id of the row Kyle names
        return owner, i - 1, True
    j = i + 1
    while j < len(ctx.mentions) and (
        ctx.mentions[j].kind == "conj" or _is_label_word(ctx, j) or _plain_column(ctx, j)
    ):
        j += 1  # "the first name, last name and id of the customer"
    last = ctx.mentions[j - 1].end
    first = j
    label = _is_label_word(ctx, i)  # "the name of each continent"; not "the quantity of each"
    while j < len(ctx.mentions) and (
        ctx.mentions[j].kind in ("number", "rank", "distinct") or label and each_group(ctx, j)
    ):
        j += 1  # "the names of the 3 largest countries", "los nombres de los 5 primeros países"
        # "the name of the different car makers", "the name of each continent"
    j = _past_count_by(ctx, j)
    after = _table_of(ctx, j) if j < len(ctx.mentions) else None
    if after is not None:
        words = {t.norm for t in ctx.tokens[last : ctx.mentions[first].start]}
        if words & LABEL_LINKS and words <= LABEL_BETWEEN:
            return after, j, True
    if last < len(ctx.tokens) and ctx.tokens[last].norm in LABEL_LINKS:
        unnamed = first >= len(ctx.mentions) or ctx.mentions[first].kind != "schema"
        owner = _only_owner(ctx, i) if unnamed else None
        if owner is not None:  # said of a word no table has: the table the rest is about
            return owner, None, False
        return None, None, False  # "the name of the genre": said of something else
    if m.start and ctx.tokens[m.start - 1].norm in _POSSESSIVES:
        for k in range(i - 1, -1, -1):  # "each continent ... its id": the table said last
            said = _table_of(ctx, k) or _column_owner(ctx, k)
            if said is not None:
                return said, k, False
        return None, None, False
    k = i - 1
    while k >= 0 and ctx.mentions[k].kind == "conj":
        k -= 1
    listed = _column_owner(ctx, k) if k >= 0 and ctx.mentions[k].end <= m.start else None
    if listed is not None and (k < i - 1 or _is_list_comma(ctx, k, i)):
        return listed, None, False  # "the city name, id and ...": the table of the list
    groups = [k for k, g in enumerate(ctx.mentions[:-1]) if g.kind == "group"]
    for k in groups:
        if _table_of(ctx, k + 1) is not None:
            return _table_of(ctx, k + 1), k + 1, False
    if groups:  # "for each <column>": the word is said of no table we know
        return None, None, False
    named = {_table_of(ctx, k) for k in range(len(ctx.mentions))} - {None}
    if len(named) == 1:  # the one table the question names
        table = named.pop()
        return table, next(k for k in range(len(ctx.mentions)) if _table_of(ctx, k)), False
    return None, None, False


def _only_owner(ctx: Context, i: int) -> str | None:
    """ "the names of stores whose number of products …" where "stores" names no table: the
    one table every other catalog word of the question is a column of, if there is one."""
    owners = set()
    for k, m in enumerate(ctx.mentions):
        if k != i and m.kind == "schema":
            owners.add(_column_owner(ctx, k))
    return owners.pop() if len(owners) == 1 else None


def _is_list_comma(ctx: Context, k: int, i: int) -> bool:
    """Whether mentions k and i are listed one after the other ("city name, id": the tokenizer
    keeps no comma)."""
    between = ctx.tokens[ctx.mentions[k].end : ctx.mentions[i].start]
    return all(t.norm == "," for t in between)


def join_split_names(ctx: Context) -> None:
    """ "forms of government" for `GovernmentForm`: two words that each name only the same
    column, one after the other, are one mention of it (the second qualifies the first)."""
    for i in range(len(ctx.mentions) - 1):
        if not (_plain_column(ctx, i) and _plain_column(ctx, i + 1)) or i in ctx.qualifiers:
            continue
        a, b = ctx.mentions[i], ctx.mentions[i + 1]
        refs = {e.ref for e in a.of("column")}
        between = {t.norm for t in ctx.tokens[a.end : b.start]}
        if len(refs) == 1 and refs == {e.ref for e in b.of("column")} and between <= lx.FILLER:
            ctx.qualifiers.add(i + 1)
            ctx.column_table[i] = next(iter(refs))[0]


def resolve_label_words(ctx: Context) -> None:
    """ "name"/"nombre" and "id" name the label column and the key of the table they are said
    of, whatever those columns are called (`Continent`, `ContId`, `CountryName`): the mention
    keeps that one column. A word the catalog gives one table's column keeps it unless it is
    said right next to another table; one said of no table is left as it is (asked back when
    it stays ambiguous)."""
    model = ctx.model
    for i, m in enumerate(ctx.mentions):
        label = _is_label_word(ctx, i)
        if not m.has("column"):
            continue
        if label and ctx.tokens[m.start].norm in lx.DESCRIPTION_WORDS:
            _resolve_description(ctx, i)
            continue
        several = len({e.ref[0] for e in m.of("column")}) > 1
        if not label and not (several and _plain_column(ctx, i)):
            continue
        named = _named_column(ctx, i) if label else None
        if named is not None:  # "the continent name" (no continents table): that column
            ctx.mentions[i] = replace(m, entries=(Entry("column", named, EXACT),))
            continue
        table, owner, adjacent = _label_owner(ctx, i)
        if table is None and label and several and _description_word(ctx, i):
            table = _described_owner(ctx, i)  # "the description for the section named h"
            if table is None:  # the descriptions of which table? nothing said picks one
                raise Unclear(Clarify.AMBIGUOUS_COLUMN, m.text)
        if table is None or not (adjacent or label and several):
            continue  # another column said in several tables: only the table next to it
        own = [e for e in m.of("column") if e.ref[0] == table]
        if not own and not label:
            continue
        if m.value == HEAD and len(own) != 1:
            # "the date of the enrolment" with no or several dates there: not this table's
            if len(own) > 1:
                raise Unclear(Clarify.AMBIGUOUS_COLUMN, m.text)
            continue
        described = _description_word(ctx, i)
        if described and len(own) > 1:  # two description columns in the table: which?
            raise Unclear(Clarify.AMBIGUOUS_COLUMN, m.text)
        if not own and described:
            continue  # a table with no description: the word keeps the others' (or is asked)
        if not own:
            info = model.tables[table]
            id_word = ctx.tokens[m.start].norm in lx.LABEL_ID_WORDS
            column = (info.key[0] if len(info.key) == 1 else None) if id_word else info.display
            linked = None if id_word or info.named else linked_label(model, table)
            if linked is not None:  # "the names of the players": their person's name
                ctx.mentions[i] = replace(m, entries=(Entry("column", linked, EXACT),))
                ctx.column_table[i] = linked[0]
                continue
            if column is None:
                continue
            own = [Entry("column", (table, column), EXACT)]
        best = max(own, key=lambda e: e.quality)
        name_word = label and ctx.tokens[m.start].norm in lx.LABEL_NAME_WORDS
        if name_word and _rival_name(model, table, best.ref[1]):
            raise Unclear(Clarify.AMBIGUOUS_COLUMN, m.text)
        ctx.mentions[i] = replace(m, entries=(Entry("column", best.ref, EXACT),))
        ctx.column_table[i] = table
        if adjacent and owner is not None and owner == i - 1:
            ctx.qualifiers.add(owner)


def _description_word(ctx: Context, i: int) -> bool:
    word = ctx.tokens[ctx.mentions[i].start].norm
    return word in lx.DESCRIPTION_WORDS or word in _DESCRIBE_VERBS


_DESCRIBE_VERBS = lx.words("describe describa describeme describir")


def _described_owner(ctx: Context, i: int) -> str | None:
    """The table a description word is said of when no table is named next to it: the one
    table of the catalog words said after it ("the description for the section named h":
    `section_name` is a column of `Sections`), among those that have a description."""
    described = {e.ref[0] for e in ctx.mentions[i].of("column")}
    for m in ctx.mentions[i + 1 :]:
        if m.kind != "schema":
            continue
        tables = {e.ref[0] for e in m.entries if e.kind in ("table", "column")}
        if not tables:  # a value ("the math courses"): its tables narrow the choice
            held = {e.ref[0] for e in m.of("value")} & described
            described = held or described
            continue
        found = tables & described
        return found.pop() if len(found) == 1 else None
    return described.pop() if len(described) == 1 else None


def _rival_name(model: SemanticModel, table: str, label: str) -> str | None:
    """A text column other than the label that is called as the table's own noun (`Maker` of
    `car_makers` next to its `FullName`): "the name of the makers" may be either, so the word
    "name" is asked back instead of guessed."""
    words = tx.identifier_words(table)
    if not words:
        return None
    noun = tx.stems(lx.fold(words[-1]))
    for column in model.tables[table].columns:
        if column == label or model.column(table, column).kind != "text":
            continue
        own = tx.identifier_words(column)
        if len(own) == 1 and tx.stems(lx.fold(own[0])) & noun:
            return column
    return None


def _named_column(ctx: Context, i: int) -> tuple[str, str] | None:
    """The text column a name word is said of when that mention names one text column and no
    table: right before it ("the continent name") or after "of"/"de" ("el nombre del
    continente"). The word names the column's own values, not another table's label."""
    m = ctx.mentions[i]
    if ctx.tokens[m.start].norm not in lx.LABEL_NAME_WORDS:
        return None
    if i > 0 and ctx.mentions[i - 1].end == m.start:
        other = ctx.mentions[i - 1]
    elif i + 1 < len(ctx.mentions) and _said_of(ctx, m.end, ctx.mentions[i + 1].start):
        other = ctx.mentions[i + 1]
    else:
        return None
    if other.kind != "schema" or other.has("table") or other.has("value") or other.has("metric"):
        return None
    columns = {e.ref for e in other.of("column")}
    if len(columns) != 1:
        return None
    ref = next(iter(columns))
    column = ctx.model.column(*ref)
    return tuple(ref) if column is not None and column.kind == "text" else None


def _said_of(ctx: Context, start: int, end: int) -> bool:
    """Whether the words from token `start` to `end` are "of (the)"/"de (la)"/"del"."""
    words = [t.norm for t in ctx.tokens[start:end]]
    return bool(words) and words[0] in LABEL_LINKS and set(words[1:]) <= lx.FILLER


def resolve_column_of_rows(ctx: Context) -> None:
    """ "the model of the car": a word naming a table and columns of others, said "of" the
    rows of a table, is the column of those rows (of that table, or of one joined to it one
    to one, each car one row of car names), not the other table's rows. With no such column,
    or several, it is left as it is; so it is when the question aggregates or ranks ("which
    model of the car has the minimum horsepower"), which the ranking rules read."""
    model = ctx.model
    if ctx.has("agg", "most", "least", "rank", "count"):
        return
    for i, m in enumerate(ctx.mentions[:-1]):
        if not (m.has("table") and m.has("column")) or _is_label_word(ctx, i):
            continue
        rows = _table_of(ctx, i + 1)
        between = {t.norm for t in ctx.tokens[m.end : ctx.mentions[i + 1].start]}
        if rows is None or not between & LABEL_LINKS or not between <= LABEL_BETWEEN:
            continue
        own = {e.ref for e in m.of("column") if _one_to_one(model, rows, e.ref[0])}
        if len(own) != 1:
            continue
        (ref,) = own
        ctx.mentions[i] = replace(m, entries=(Entry("column", ref, EXACT),))
        ctx.column_table[i] = ref[0]


def _one_to_one(model, table: str, other: str) -> bool:  # noqa: ANN001
    """Whether each row of `table` is one row of `other`: the same table, or joined key to key."""
    if table == other:
        return True
    steps = model.path(table, other)
    if not steps or len(steps) != 1:
        return False
    left, left_col, right, right_col = steps[0]
    keys = {t: model.tables[t].key for t in (left, right) if t in model.tables}
    return keys.get(left) == (left_col,) and keys.get(right) == (right_col,)


def pair_qualifiers(ctx: Context) -> None:
    """Adjacent catalog mentions that qualify each other: "región Norte", "Pyme customers",
    "región del cliente", "customer city", "productos de Software"."""
    n = len(ctx.mentions)
    for i in range(n - 1):
        a, b = schema_mention(ctx, i), schema_mention(ctx, i + 1)
        if a is None or b is None:
            continue
        for col_i, val_i in ((i, i + 1), (i + 1, i)):
            col_m = ctx.mentions[col_i]
            if is_value(ctx, col_i) or not col_m.has("column") or col_m.has("metric"):
                continue  # a metric's name ("Revenue") measures, it does not qualify
            names = _column_names(col_m)
            shared = {e.ref[1] for e in _value_entries(ctx, val_i)} & names
            if shared and is_value(ctx, val_i):
                ctx.value_column[val_i] = shared
                ctx.qualifiers.add(col_i)
        for tab_i, val_i in ((i, i + 1), (i + 1, i)):
            tab_m = ctx.mentions[tab_i]
            if not tab_m.has("table") or not is_value(ctx, val_i) or is_value(ctx, tab_i):
                continue
            if tab_m.has("metric"):
                continue
            if tab_i < val_i and _group_subject(ctx, tab_i):
                continue
            tables = {e.ref[0] for e in tab_m.of("table")}
            owners = {e.ref[0] for e in _value_entries(ctx, val_i)}
            if tables & owners:
                ctx.value_table[val_i] = sorted(tables & owners)[0]
                ctx.qualifiers.add(tab_i)
        for col_i, tab_i in ((i, i + 1), (i + 1, i)):
            col_m, tab_m = ctx.mentions[col_i], ctx.mentions[tab_i]
            if col_i in ctx.qualifiers or is_value(ctx, col_i) or is_value(ctx, tab_i):
                continue
            if not tab_m.has("table") or not col_m.has("column") or col_m.has("metric"):
                continue
            if tab_m.has("column") and tab_i < col_i and _best_column_quality(tab_m) >= EXACT:
                continue
            tables = {e.ref[0] for e in tab_m.of("table")}
            owners = {e.ref[0] for e in col_m.of("column")}
            if tables & owners and tab_i not in ctx.qualifiers:
                ctx.column_table[col_i] = sorted(tables & owners)[0]
                ctx.qualifiers.add(tab_i)


def distinct_numbers(ctx: Context, i: int) -> bool:
    """ "for different number of cylinders": "different" then "number of" a numeric column."""
    if i == 0 or ctx.mentions[i - 1].kind != "distinct" or i + 1 >= len(ctx.mentions):
        return False
    m = schema_mention(ctx, i + 1)
    if m is None or m.has("table") or m.has("metric") or is_value(ctx, i + 1):
        return False
    return {column_kind(ctx, e) for e in m.of("column")} == {"number"}


def _group_subject(ctx: Context, i: int) -> bool:
    """Right after "por"/"by"/"top"/a number: the mention is what to group by."""
    return i > 0 and ctx.mentions[i - 1].kind in ("group", "rank", "number")


def _best_column_quality(m: Mention) -> int:
    return max((e.quality for e in m.of("column")), default=0)


# --- choosing among candidates --------------------------------------------------------------


def pick_column(
    ctx: Context,
    i: int,
    base: str,
    *,
    kinds: tuple[str, ...] = ("text",),
    allow_display: bool = True,
) -> tuple[str, str] | None:
    """The column a mention names, seen from `base`: a base column by name or synonym first,
    then a table's display column ("por cliente" -> clientes.nombre), then a joinable column."""
    m = ctx.mentions[i]
    model = ctx.model
    prefer = ctx.column_table.get(i)
    scored = []
    for e in m.of("column"):
        table, column = e.ref
        sem = model.column(table, column)
        if sem is None or sem.kind not in kinds:
            continue
        distance = _reachable(ctx, base, table)
        if distance is None:
            continue
        score = e.quality * 10 - distance * 5
        if table == prefer:
            score += 100
        if table == base and e.quality >= SYNONYM:
            score += 40
        scored.append((score, table, column))
    if allow_display and "text" in kinds and prefer is None:
        for e in m.of("table"):
            table = e.ref[0]
            display = _label_or_key(model, table)
            distance = _reachable(ctx, base, table)
            if display is None or distance is None or table == base and not scored:
                continue
            if table == base:
                continue
            score = e.quality * 10 - distance * 5 + 20
            scored.append((score, table, display))
    if not scored:
        return None
    scored.sort(key=lambda s: (-s[0], s[1], s[2]))
    tie = len(scored) > 1 and scored[0][0] == scored[1][0]
    if tie and scored[0][1:] != scored[1][1:]:
        roots = {identifier_root(model, s[1:]) for s in scored if s[0] == scored[0][0]}
        if len(roots) > 1 or model.column(*scored[0][1:]).kind != "id":
            raise Unclear(Clarify.AMBIGUOUS_COLUMN, m.text)
        return next(iter(roots))  # a key and the foreign keys to it: the same values
    return scored[0][1], scored[0][2]


def identifier_root(model: SemanticModel, ref: tuple[str, str]) -> tuple[str, str]:
    """The key column an identifier column holds the values of: a foreign key's referenced
    column (followed to its end), else the column itself."""
    seen = {ref}
    while True:
        step = next(
            (
                (fk.ref_table, fk.ref_column)
                for fk in model.catalog.foreign_keys
                if (fk.table, fk.column) == ref
            ),
            None,
        )
        if step is None or step in seen:
            return ref
        seen.add(step)
        ref = step


def named_identifier(ctx: Context, i: int) -> bool:
    """ "the document ids", "each template type code", "for each student id": an identifier
    column called by its whole name (not the bare word "id", read by resolve_label_words) is a
    column to group or list by. Said of several tables, it is still one column when they all
    hold the same values: a key and the foreign keys that refer to it."""
    m = ctx.mentions[i] if 0 <= i < len(ctx.mentions) else None
    if m is None or m.kind != "schema" or i in ctx.used or is_value(ctx, i):
        return False
    if m.has("table") or m.has("metric") or m.has("value"):
        return False
    columns = m.of("column")
    if not columns or any(column_kind(ctx, e) != "id" for e in columns):
        return False
    if max(e.quality for e in columns) < SYNONYM:
        return False
    words = [t.norm for t in ctx.tokens[m.start : m.end] if t.norm not in lx.FILLER]
    if len(words) < 2:
        return False
    return len({identifier_root(ctx.model, e.ref) for e in columns}) == 1


def _label_or_key(model: SemanticModel, table: str) -> str | None:
    """The column that names a table's rows in a group: its label, else the one-column key of a
    table with no label ("which store has the most customers" on `store(store_id, …)`)."""
    info = model.tables[table]
    if info.display is not None:
        return info.display
    return info.key[0] if len(info.key) == 1 else None


def pick_value(ctx: Context, i: int, base: str) -> tuple[str, str, str] | None:
    """(table, column, value) of a value mention, preferring its qualifiers, then the base table,
    then the nearest joinable table."""
    entries = _value_entries(ctx, i)
    want_column = ctx.value_column.get(i, set())
    want_table = ctx.value_table.get(i)
    scored = []
    for e in entries:
        table, column, value = e.ref
        distance = _reachable(ctx, base, table)
        if distance is None:
            continue
        score = e.quality * 10 - distance * 5
        if column in want_column:
            score += 50
        if table == want_table:
            score += 25  # below the base table: "Software products" is ventas.categoria
        if table == base:
            score += 30
        scored.append((score, table, column, value))
    if not scored:
        return None
    scored.sort(key=lambda s: (-s[0], s[1], s[2], s[3]))
    top = scored[0]
    if any(s[0] == top[0] and s[1] != top[1] for s in scored[1:]):
        # "sessions in Austin" where both the members' and the coaches' city hold Austin, at
        # the same distance: nothing said picks one, and the alphabet is no reason (two
        # columns of one table holding the value, a name and a local name, filter one row set)
        raise Unclear(Clarify.AMBIGUOUS_COLUMN, ctx.mentions[i].text)
    if any(e.quality < EXACT for e in entries):
        ctx.guesses += 1
        ctx.weak.add("value_column")
    return top[1], top[2], top[3]


def each_group(ctx: Context, i: int) -> bool:
    """Whether mention i is a grouping word that says "each" ("for each", "cada")."""
    m = ctx.mentions[i]
    return m.kind == "group" and any(t.norm in lx.EACH_WORDS for t in ctx.tokens[m.start : m.end])


def column_kind(ctx: Context, e: Entry) -> str:
    sem = ctx.model.column(e.ref[0], e.ref[1])
    return sem.kind if sem else ""


def pick_numeric(ctx: Context, i: int, entries) -> tuple[str, str]:  # noqa: ANN001
    """Among numeric column candidates: the qualified table's, a mentioned table's, the fact's."""
    prefer = ctx.column_table.get(i)
    mentioned = _said_tables(ctx, skip=i)
    before = _words_just_before(ctx, i)

    def rank(e: Entry) -> tuple:
        # a column's name said in the other language (GLOSS) is as good as a synonym: the
        # table said decides ("ciudades con una población entre …" is the city's `Population`,
        # though "población" is also a synonym of the country's)
        said_as = SYNONYM if e.quality in (SYNONYM, GLOSS) else e.quality
        return (
            e.ref[0] != prefer,
            -said_as,
            # "total number of horses": `Total_Horses`, whose other word is said just before
            -len(before & set(tx.identifier_words(e.ref[1]))),
            e.ref[0] not in mentioned,
            e.ref[0] != ctx.model.fact,
            -e.quality,
        )

    ranked = sorted(entries, key=lambda e: (rank(e), e.ref))
    tables = [e.ref[0] for e in ranked[:2]]
    if len(ranked) > 1 and rank(ranked[0]) == rank(ranked[1]) and tables[0] != tables[1]:
        # "population" of cities or of countries, and the question says neither: ask
        raise Unclear(Clarify.AMBIGUOUS_COLUMN, ctx.mentions[i].text)
    if (
        len(ranked) > 1
        and rank(ranked[0]) == rank(ranked[1])
        and ranked[0].quality == ranked[1].quality == PARTIAL
        and ranked[0].ref != ranked[1].ref
    ):
        # "horses" of `Total_Horses` and `Working_Horses`, one word of each name and nothing
        # else said to choose: either column would be a guess
        raise Unclear(Clarify.AMBIGUOUS_COLUMN, ctx.mentions[i].text)
    return ranked[0].ref


def _words_just_before(ctx: Context, i: int) -> set[str]:
    """The folded words of the (up to three) tokens right before mention i that no schema
    mention takes ("total number of" before "horses")."""
    start = ctx.mentions[i].start
    taken = {n for m in ctx.mentions if m.kind == "schema" for n in range(m.start, m.end)}
    return {
        lx.fold(t.norm)
        for n, t in enumerate(ctx.tokens[max(0, start - 3) : start], start=max(0, start - 3))
        if n not in taken
    }


def _said_tables(ctx: Context, skip: int) -> set[str]:
    """The tables the question is about: named, owning a value it filters by ("de Brasil"), or
    owning every column of another mention ("la esperanza de vida" -> country)."""
    said: set[str] = set()
    for k, m in enumerate(ctx.mentions):
        if k == skip or m.kind != "schema" or k in ctx.rejected:
            continue
        if is_value(ctx, k):
            said |= {e.ref[0] for e in m.of("value")}
        else:
            said |= {e.ref[0] for e in m.of("table")}
            owner = _column_owner(ctx, k)
            if owner is not None:
                said.add(owner)
    return said
