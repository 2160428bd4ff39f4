"""Mentions -> QueryPlan or SchemaRequest: the grammar of the offline engine.

The parser fills the slots of a plan from the mentions found by `scan`: metrics, base table,
group-by dimensions, value filters, numeric filters, time range and grain, order and limit,
comparison, or an entity listing. Every rule that cannot decide raises `Unclear`, which becomes a
CLARIFY answer: a wrong table is worse than a question back.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from datachat import text as tx

from ..plan import (
    SchemaRequest,
)
from . import lexicon as lx
from . import measures as ms
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


# --- schema questions -----------------------------------------------------------------------


def schema_request(ctx: Context) -> SchemaRequest | None:
    """A question about structure or meaning, not data: which columns, how a metric is
    calculated, what a column means, which values it takes, how tables join."""
    kinds = {m.kind for m in ctx.mentions}
    if every_column_asked(ctx.tokens):  # "all the information about hiring": its rows
        return None
    early = (
        _holdings_request(ctx, kinds)
        or _named_column_request(ctx, kinds)
        or _stored_link_request(ctx, kinds)
        or _location_request(ctx, kinds)
        or _coverage_request(ctx, kinds)
        or _difference_request(ctx, kinds)
        or _existing_values_request(ctx, kinds)
    )
    if early is not None:
        return early
    data_words = {"group", "cmp", "number", "rank", "most", "least", "time", "count", "compare"}
    if kinds & data_words and not ({"values", "join"} & kinds and "count" not in kinds):
        return None
    schema = [i for i, m in enumerate(ctx.mentions) if m.kind == "schema"]
    tables = [ctx.mentions[i] for i in schema if ctx.mentions[i].has("table")]
    metrics = [ctx.mentions[i] for i in schema if ctx.mentions[i].has("metric")]
    columns = [ctx.mentions[i] for i in schema if ctx.mentions[i].has("column")]
    first_table = tables[0].of("table")[0].ref[0] if tables else None
    if "join" in kinds and (tables or columns and not metrics):
        return SchemaRequest("join", table=first_table or _column_table(ctx, columns[0]))
    if "includes" in kinds and len(columns) >= 2 and not tables:  # "¿el total incluye el IVA?"
        table, column = _schema_column(ctx, columns[0])
        return SchemaRequest("column_meaning", table=table, column=column)
    if "values" in kinds and columns and "meaning" not in kinds:
        # the column that has values, not a qualifier before it ("the customer segmento")
        pair_qualifiers(ctx)  # "the product categoria": "product" qualifies, it is not asked
        listed = [
            m
            for m in columns
            if any(_has_values(ctx, e) for e in m.of("column"))
            and ctx.mentions.index(m) not in ctx.qualifiers
        ]
        table, column = _schema_column(ctx, (listed or columns)[0])
        return SchemaRequest("column_values", table=table, column=column)
    if "metrics_word" in kinds and not metrics and not columns:
        return SchemaRequest("metric_definition")
    if "schema_word" in kinds or "database" in kinds:
        words = {ctx.tokens[m.start].norm for m in ctx.mentions if m.kind == "schema_word"}
        if not tables and words & {"tablas", "tables", "tabla", "table"} and not columns:
            return SchemaRequest("tables")
        if not tables and "database" in kinds:
            return SchemaRequest("tables")
        if columns and words & {"columna", "column", "campo", "field"} and not tables:
            table, column = _schema_column(ctx, columns[0])
            return SchemaRequest("column_meaning", table=table, column=column)
        if tables and not (kinds & {"meaning"} and metrics):
            if columns and words & {"columna", "column", "campo", "field"} and "meaning" in kinds:
                table, column = _schema_column(ctx, columns[0])
                return SchemaRequest("column_meaning", table=table, column=column)
            return SchemaRequest("table_columns", table=first_table)
    if "meaning" in kinds or _definition_question(ctx):
        if "meaning" in kinds and _meaning_is_data_question(ctx):
            return None
        if metrics:
            key = max(metrics[0].of("metric"), key=lambda e: e.quality).ref[0]
            return SchemaRequest("metric_definition", metric=ctx.model.metrics[key].name)
        values = [m for m in ctx.mentions if m.kind == "schema" and m.has("value")]
        if values and len(values) == 1:  # "¿qué significa Pyme?": the column it belongs to
            table, column, _value = max(values[0].of("value"), key=lambda e: e.quality).ref
            return SchemaRequest("column_meaning", table=table, column=column)
        if columns:
            table, column = _schema_column(ctx, columns[0])
            return SchemaRequest("column_meaning", table=table, column=column)
        if tables:
            return SchemaRequest("table_columns", table=first_table)
        said = {lx.fold(m.text) for m in ctx.mentions if m.kind == "meaning"}
        revenue = ctx.model.revenue_metric
        money = ms.metric_column(ctx.model, revenue) if revenue else None
        if said & {"moneda", "currency"} and money:  # "what currency is used?": the amounts'
            return SchemaRequest("column_meaning", table=money[0], column=money[1])
    info = any(ctx.tokens[m.start].norm in ("informacion", "information") for m in ctx.mentions)
    # "¿Qué datos tenemos/guardamos de los empleados?": what the table holds
    norms = {t.norm for t in ctx.tokens}
    info = info or bool(norms & {"datos", "data"} and norms & (lx.INFO_WORDS | lx.EXIST_WORDS))
    if info and tables and not metrics and "list" not in kinds:
        return SchemaRequest("table_columns", table=first_table)
    return None


_ALL_WORDS = lx.words("all todo toda todos todas")
_EVERY_COLUMN_NOUNS = lx.words("information informacion info data datos details detalles")


def every_column_asked(tokens: list[lx.Token]) -> bool:
    """ "Give me all the information about hiring", "todos los datos de los empleados": every
    column of the rows (the data), not what the table holds (its columns, asked as "what
    information do we keep about …", "¿qué datos guarda la tabla …?"): "all" right before the
    noun, no verb of keeping and no word of the schema itself."""
    norms = [t.norm for t in tokens]
    keeping = (lx.INFO_WORDS | lx.EXIST_WORDS | _KNOW_WORDS | lx.SCHEMA_WORDS) - _EVERY_COLUMN_NOUNS
    if set(norms) & keeping:
        return False
    for k, word in enumerate(norms):
        if word not in _ALL_WORDS:
            continue
        rest = [w for w in norms[k + 1 : k + 3] if w not in lx.FILLER]
        if rest and rest[0] in _EVERY_COLUMN_NOUNS:
            return True
    return False


_SHAPING = frozenset({"group", "cmp", "number", "rank", "most", "least", "agg", "order"})


_WHERE_WORDS = frozenset({"donde", "where"})
_TABLE_WORDS = frozenset({"tabla", "table"})


def _has_values(ctx: Context, entry: Entry) -> bool:
    column = ctx.model.column(entry.ref[0], entry.ref[1])
    return column is not None and bool(column.values) and not column.pii


_DATA_NOUNS = frozenset({"datos", "dato", "data", "informacion", "information", "info"})
_KNOW_WORDS = frozenset({"know", "sabemos", "conocemos", "sabe", "conoce"})
_EACH_WORDS = frozenset({"cada", "each", "every"})
# What a holdings question may say besides its table: "each" and the verbs are not a group-by.
_HOLDINGS_KINDS = frozenset({"schema", "info", "exist", "group", "meaning", "list", "conj"})


def _holdings_request(ctx: Context, kinds: set[str]) -> SchemaRequest | None:
    """ "¿Qué datos guardamos de cada producto?", "what do we know about customers?": what the
    table holds, its columns. Without this "cada producto" read as a group-by and the question
    became a count per product name, a confident answer to something nobody asked."""
    norms = {t.norm for t in ctx.tokens}
    verbs = lx.INFO_WORDS | lx.EXIST_WORDS
    asked = bool(norms & _DATA_NOUNS and norms & (verbs | _KNOW_WORDS)) or _what_we_keep(ctx)
    if not asked or kinds - _HOLDINGS_KINDS:
        return None
    if not _only_each(ctx):  # "por región" shapes data: not a question about the table
        return None
    schema = [m for m in ctx.mentions if m.kind == "schema"]
    if len(schema) != 1 or schema[0].has("value") or not schema[0].has("table"):
        return None
    table = max(schema[0].of("table"), key=lambda e: e.quality).ref[0]
    return SchemaRequest("table_columns", table=table)


def _only_each(ctx: Context) -> bool:
    """Every group marker is "cada / each / for each", which says "per row", not "by"."""
    return all(
        _EACH_WORDS & {t.norm for t in ctx.tokens[m.start : m.end]}
        for m in ctx.mentions
        if m.kind == "group"
    )


_KEEP_VERBS = _KNOW_WORDS | (lx.INFO_WORDS - {"hay", "contiene", "contain", "contains"})
_AUXILIARIES = frozenset({"se", "do", "does", "did", "we", "you", "is", "are", "nosotros"})


def _what_we_keep(ctx: Context) -> bool:
    """ "¿Qué guardamos de...?", "what do we store for...", "qué sabemos de...": the verb right
    after "qué / what" asks what is kept. Elsewhere ("¿qué productos guardamos?") the noun
    after "qué" is what is asked for, and that is data."""
    norms = [t.norm for t in ctx.tokens]
    for i, norm in enumerate(norms):
        if norm not in ("que", "what"):
            continue
        j = i + 1
        while j < len(norms) and norms[j] in _AUXILIARIES:
            j += 1
        if j < len(norms) and norms[j] in _KEEP_VERBS:
            return True
    return False


_COLUMN_WORDS = frozenset({"columna", "column", "campo", "field"})


def _named_column_request(ctx: Context, kinds: set[str]) -> SchemaRequest | None:
    """ "How is the total column of a sale computed?", "¿qué significa el campo descuento?":
    the word "column" next to a name says the column is asked about, not a metric built on it
    (the Revenue Total metric sums ventas.total, but its definition is not the column's)."""
    if "meaning" not in kinds or "values" in kinds or kinds & _SHAPING:
        return None
    for i, m in enumerate(ctx.mentions):
        if m.kind != "schema_word" or ctx.tokens[m.start].norm not in _COLUMN_WORDS:
            continue
        for j in (i - 1, i + 1):  # "the total column", "la columna total"
            if not 0 <= j < len(ctx.mentions):
                continue
            named = ctx.mentions[j]
            if named.kind != "schema" or not named.has("column") or named.has("value"):
                continue
            table, column = _schema_column(ctx, named)
            tables = {e.ref[0] for n in ctx.mentions if n.kind == "schema" for e in n.of("table")}
            for other in sorted(tables):  # "la columna total de ventas": that table's column
                if other != table and ctx.model.column(other, column) is not None:
                    table = other
                    break
            return SchemaRequest("column_meaning", table=table, column=column)
    return None


def _stored_link_request(ctx: Context, kinds: set[str]) -> SchemaRequest | None:
    """ "Where is the customer of a sale stored?", "¿dónde se guarda el cliente de cada venta?":
    two entities, one kept in the other, is a relationship; the foreign key answers it. It was
    read as a data question (the sales' total revenue)."""
    norms = {t.norm for t in ctx.tokens}
    if not (_WHERE_WORDS & norms and norms & lx.INFO_WORDS):
        return None
    if kinds - {"schema", "info", "group", "conj", "with", "buy", "sell"} or "time" in kinds:
        return None
    schema = [m for m in ctx.mentions if m.kind == "schema"]
    if not _only_each(ctx) or len(schema) != 2 or any(m.has("value") for m in schema):
        return None
    if not all(m.has("table") for m in schema):
        return None
    first, second = (max(m.of("table"), key=lambda e: e.quality).ref[0] for m in schema)
    steps = ctx.model.path(first, second)
    if first == second or not steps:
        return None
    return SchemaRequest("join", table=steps[0][0])  # the table that holds the foreign key


def _location_request(ctx: Context, kinds: set[str]) -> SchemaRequest | None:
    """ "¿En qué tabla está el precio de lista?", "where is the discount stored?": the column's
    meaning, which names its table; not the column's average."""
    norms = [t.norm for t in ctx.tokens]
    asks_table = any(
        a in ("que", "which", "what") and b in _TABLE_WORDS
        for a, b in zip(norms, norms[1:], strict=False)
    )
    if not (asks_table or _WHERE_WORDS & set(norms)) or kinds & _SHAPING or "time" in kinds:
        return None
    schema = [m for m in ctx.mentions if m.kind == "schema"]
    columns = [
        m
        for m in schema
        if m.has("column")
        and max(e.quality for e in m.of("column"))
        > max((e.quality for e in m.of("table")), default=0)
    ]  # "de los clientes" names the table: context, not the column asked about
    if len(columns) != 1 or any(m.has("value") or m.has("metric") for m in schema):
        return None
    table, column = _schema_column(ctx, columns[0])
    return SchemaRequest("column_meaning", table=table, column=column)


def _coverage_request(ctx: Context, kinds: set[str]) -> SchemaRequest | None:
    """ "¿Qué rango de fechas cubre la tabla ventas?", "what date range does the data cover?":
    the meaning of the table's date column, whose documentation states the span."""
    if "coverage" not in kinds or kinds & _SHAPING:
        return None
    if any(m.kind == "time" and m.time.kind not in ("unit", "grain") for m in ctx.mentions):
        return None  # "¿cuánto cubre 2024?" names a period: not about the data's span
    if any(m.kind == "schema" and (m.has("metric") or m.has("value")) for m in ctx.mentions):
        return None
    tables = [e.ref[0] for m in ctx.mentions if m.kind == "schema" for e in m.of("table")] + [
        e.ref[0] for m in ctx.mentions if m.kind == "schema" for e in m.of("column")
    ]
    table = tables[0] if tables else ctx.model.fact
    column = ctx.model.main_date(table) or ctx.model.main_date(ctx.model.fact)
    if column is None:
        return None
    if ctx.model.main_date(table) is None:
        table = ctx.model.fact
    return SchemaRequest("column_meaning", table=table, column=column)


def _existing_values_request(ctx: Context, kinds: set[str]) -> SchemaRequest | None:
    """ "Which regions exist in the data?", "¿Qué categorías de productos hay?": the values a
    category column takes, which the catalog lists. Anything more ("¿qué productos hay en
    Accesorios?", a period, a metric) is a data question."""
    norms = {t.norm for t in ctx.tokens}
    said = "exist" in kinds or bool(norms & {"exist", "exists", "available", "disponibles"})
    if not said or kinds - {"schema", "exist", "conj", "list"}:
        return None
    found, named = None, set()
    verb = next((m.start for m in ctx.mentions if m.kind == "exist"), None)
    for m in ctx.mentions:
        if m.kind != "schema":
            continue
        if m.has("value") or m.has("metric"):
            return None
        columns = [e for e in m.of("column") if column_kind(ctx, e) == "text"]
        best_table = max((e.quality for e in m.of("table")), default=0)
        if not columns or best_table >= max(e.quality for e in columns):
            if verb is not None and m.start > verb and m.has("table"):
                # "the courses that have some students enrolled": the verb relates two
                # tables' rows (a data question), it does not ask which values exist
                return None
            named |= {e.ref[0] for e in m.of("table")}  # a table named as context
            continue
        if found is not None:
            return None
        found = columns
    if found is not None:
        # the named table's column ("categorías de productos"), else the fact table's copy of a
        # shared column ("region")
        fact = ctx.model.fact
        found = max(found, key=lambda e: (e.quality, e.ref[0] in named, e.ref[0] == fact))
    if found is None:
        return None
    table, column = found.ref[0], found.ref[1]
    sem = ctx.model.column(table, column)
    if sem is None or not sem.values or len(sem.values) > 30:
        return None
    return SchemaRequest("column_values", table=table, column=column)


def _difference_request(ctx: Context, kinds: set[str]) -> SchemaRequest | None:
    """ "What is the difference between precio_lista and precio_unitario?": what the named
    columns (or metrics) mean, not a comparison of data. The targets are left to the schema
    composer, which describes every column the question names."""
    words = [i for i, t in enumerate(ctx.tokens) if t.norm in lx.DIFFERENCE_WORDS]
    versus = "meaning" in kinds and "compare" in kinds  # "the meaning of X vs Y"
    if not (words or versus) or kinds & _SHAPING or "time" in kinds:
        return None
    after = {t.norm for t in ctx.tokens[words[0] + 1 : words[0] + 4]} if words else set()
    if not versus and not after & {"entre", "between"}:  # "diferencia hay entre"
        return None
    schema = [m for m in ctx.mentions if m.kind == "schema"]
    if not schema or any(m.has("value") and not m.has("column") for m in schema):
        return None
    if all(m.has("metric") for m in schema):
        if len(schema) > 1:  # the composer defines every metric the question names
            return SchemaRequest("metric_definition")
        key = max(schema[0].of("metric"), key=lambda e: e.quality).ref[0]
        return SchemaRequest("metric_definition", metric=ctx.model.metrics[key].name)
    if not any(m.has("column") for m in schema):
        return None
    return SchemaRequest("column_meaning")


def _meaning_is_data_question(ctx: Context) -> bool:
    """ "¿Qué es el margen bruto?" asks for a definition; "what is the revenue in 2024?" and
    anything with filters asks for data."""
    phrases = {m.text.lower() for m in ctx.mentions if m.kind == "meaning"}
    weak = {"que es", "qué es", "que son", "qué son", "describe", "describir"}
    if phrases and all(lx.fold(p) in {lx.fold(w) for w in weak} for p in phrases):
        return not _single_subject(ctx)
    return False


def _single_subject(ctx: Context) -> bool:
    """Only one thing is named (a metric, a column, a table, or a value with its column)."""
    schema = [i for i, m in enumerate(ctx.mentions) if m.kind == "schema"]
    other = [m for m in ctx.mentions if m.kind not in ("schema", "meaning", "conj")]
    if other:
        return False
    if len(schema) == 1:
        return True
    if len(schema) == 2:  # "the Distribuidor channel": a value and its column
        a, b = (ctx.mentions[i] for i in schema)
        value, column = (a, b) if a.has("value") else (b, a)
        names = {e.ref[1] for e in value.of("value")}
        return value.has("value") and bool(names & {e.ref[1] for e in column.of("column")})
    return False


_DETERMINERS = frozenset({"the", "our", "my", "your", "this", "that", "total", "overall"})


def _definition_question(ctx: Context) -> bool:
    """ "What is gross margin?" (a definition) but not "What is the total revenue?" (data);
    "What is the Distribuidor channel?" names a value and its column: a definition too."""
    norms = [t.norm for t in ctx.tokens]
    if norms[:2] in (["what", "is"], ["what", "are"]):
        rest = norms[2:]
    elif norms[:1] in (["what's"], ["whats"]):
        rest = norms[1:]
    else:
        return False
    if not rest or not _single_subject(ctx):
        return False
    schema = [m for m in ctx.mentions if m.kind == "schema"]
    return rest[0] not in _DETERMINERS or len(schema) == 2


def _column_table(ctx: Context, m: Mention) -> str:
    return _schema_column(ctx, m)[0]


def _schema_column(ctx: Context, m: Mention) -> tuple[str, str]:
    """The column a schema question names: the fact table's when it has it, else the best."""
    entries = sorted(
        m.of("column"),
        key=lambda e: (-e.quality, e.ref[0] != ctx.model.fact, e.ref[0], e.ref[1]),
    )
    table, column = entries[0].ref
    return table, column


# --- metrics --------------------------------------------------------------------------------


@dataclass
class MetricSlot:
    key: str
    mention: int | None  # where it was said (None: implied by a verb or a default)
    implied: bool = False  # from a verb or the fact table's noun, not a metric's name


def _two_counted_columns(ctx: Context, j: int) -> list[tuple[int, tuple[str, str]]] | None:
    """ "the number of different A and B": two text columns of one table joined by "and",
    each counted on its own (never the first counted per value of the second); None unless
    exactly one table has both."""
    k = j + 2
    if (
        k >= len(ctx.mentions)
        or ctx.mentions[j + 1].kind != "conj"
        or lx.fold(ctx.mentions[j + 1].text) not in lx.LIST_JOINERS
        or schema_mention(ctx, k) is None
        or is_value(ctx, k)
        or k in ctx.used
    ):
        return None
    first = {e.ref[0]: e.ref for e in ctx.mentions[j].of("column") if column_kind(ctx, e) == "text"}
    second = {
        e.ref[0]: e.ref for e in ctx.mentions[k].of("column") if column_kind(ctx, e) == "text"
    }
    common = set(first) & set(second)
    if len(common) != 1:
        return None
    table = common.pop()
    return [(j, first[table]), (k, second[table])]


def collect_metrics(ctx: Context) -> tuple[list[MetricSlot], int | None, int | None]:
    """Metrics in question order, plus the mention of a counted table ("cuántos clientes")
    and of a distinct-counted column ("cuántas ciudades")."""
    model = ctx.model
    slots: list[MetricSlot] = []
    counted_table: int | None = None
    counted_column: int | None = None
    _active_entities(ctx, slots)
    for i, m in enumerate(ctx.mentions):
        total_of_entity = (
            soft_total(ctx, i)
            and schema_mention(ctx, i + 1) is not None
            and _entity_table(ctx, i + 1) is not None
            # "la población total de las ciudades": the total of the measure said before it
            and not (i > 0 and _measurable(ctx, i - 1, []))
        )
        if total_of_entity:  # "total de clientes": how many
            slots.append(MetricSlot(ms.count_key(model, _entity_table(ctx, i + 1)), i + 1))
            ctx.used.update({i, i + 1})
            continue
        if m.kind != "count" or _group_subject(ctx, i) or distinct_numbers(ctx, i):
            continue  # "for each/different number of cylinders": grouped by it (planner)
        if i > 0 and each_group(ctx, i - 1):
            continue  # "for each number of cylinders": every value of the column, no count
        j = i + 1
        while j < len(ctx.mentions) and (soft_total(ctx, j) or j in ctx.flags):
            j += 1  # "número total de unidades", "how many active customers"
        distinct = j < len(ctx.mentions) and ctx.mentions[j].kind == "distinct"
        if distinct:
            j += 1
        if distinct and j in ctx.qualifiers and ctx.column_table.get(j + 1) is not None:
            j += 1  # "the number of different film ratings": the column the table qualifies
        while (
            j + 1 < len(ctx.mentions)
            and schema_mention(ctx, j) is not None
            and is_value(ctx, j)
            and schema_mention(ctx, j + 1) is not None
            and not is_value(ctx, j + 1)
        ):
            j += 1  # "how many official languages": the value filters what is counted
        if j < len(ctx.mentions) and ctx.mentions[j].kind == "concept":
            if ctx.mentions[j].value in ("orders", "revenue"):  # "how many sales/orders"
                slots.append(MetricSlot(header_count(ctx, j) or ms.fact_count_key(model), j))
                ctx.used.add(j)
            elif ctx.mentions[j].value == "units" and ms.units_key(model):  # "how many units"
                slots.append(MetricSlot(ms.units_key(model), j))
                ctx.used.add(j)
            continue
        if schema_mention(ctx, j) is None or j in ctx.used:
            continue
        target = ctx.mentions[j]
        used_key = _key_used_by(ctx, j)
        if used_key is not None:  # "how many languages are in these films": the ones used
            slots.append(MetricSlot(f"countd:{used_key[0]}.{used_key[1]}", j))
            ctx.used.add(j)
            continue
        # "the number of distinct languages", where a steward also gave the table of languages
        # spoken the word: the column named as well (or better) has the distinct values
        column_first = distinct and _column_named_better(target)
        if (
            target.has("table")
            and not column_first
            and (not target.has("metric") or _count_prefers_table(target))
        ):
            table = max(target.of("table"), key=lambda e: e.quality).ref[0]
            used_by = _referencing_said(ctx, j, table) if distinct else None
            if used_by is None and distinct:  # "the number of distinct languages": the value
                used_by = _link_value_column(ctx, target, table)
            if used_by is not None:  # "the number of different languages of the films"
                slots.append(MetricSlot(f"countd:{used_by[0]}.{used_by[1]}", j))
                ctx.used.add(j)
                continue
            slots.append(MetricSlot(ms.count_key(model, table), j))
            ctx.used.add(j)
            counted_table = j if table != model.fact else None
        elif target.has("metric"):
            continue
        elif target.has("column") and not is_value(ctx, j):
            if _identifier_number(ctx, i, j):  # "el número de teléfono": the column itself
                ctx.used.add(i)
                continue
            numeric = [e for e in target.of("column") if column_kind(ctx, e) == "number"]
            if numeric and not any(column_kind(ctx, e) == "text" for e in target.of("column")):
                table, column = pick_numeric(ctx, j, numeric)  # "how many units": a sum
                slots.append(MetricSlot(ms.column_metric_key(model, table, column, "sum"), j))
            elif distinct and (pair := _two_counted_columns(ctx, j)):
                # "the number of different series names and contents": each one counted
                slots.extend(MetricSlot(f"countd:{t}.{c}", k) for k, (t, c) in pair)
                ctx.used.update({j, j + 1, j + 2})
                continue
            else:
                counted_column = j
            ctx.used.add(j)
    for i, m in enumerate(ctx.mentions):
        if m.kind == "concept" and i not in ctx.used:
            if m.value in ("revenue", "aov") and not ms.has_money(model):
                # "total sales" on a schema with no amount: what to add up is not known (a
                # count of rows would be another question): ask, naming the word
                raise Unclear(Clarify.NO_METRIC, m.text)
            key = header_count(ctx, i) or concept_key(model, str(m.value))
            if key is not None:
                slots.append(MetricSlot(key, i))
                ctx.used.add(i)
            continue
        if m.kind != "schema" or i in ctx.used or i in ctx.qualifiers:
            continue
        metric_entries = m.of("metric")
        if not metric_entries:
            continue
        best = max(metric_entries, key=lambda e: e.quality)
        others = [e for e in m.entries if e.kind != "metric" and e.quality > best.quality]
        if others and not (m.has("table") and ctx.model.fact in {e.ref[0] for e in m.of("table")}):
            continue
        slots.append(MetricSlot(best.ref[0], i))
        ctx.used.add(i)
        if best.quality < SYNONYM:
            ctx.guesses += 1
            ctx.weak.add("metric_partial")
    _apply_aggregates(ctx, slots)
    slots.sort(key=lambda s: (s.mention is None, s.mention or 0))
    return slots, counted_table, counted_column


def _column_named_better(m) -> bool:  # noqa: ANN001
    """Whether a mention names a column of one of its tables at least as well as the table."""
    tables = m.of("table")
    if not tables:
        return False
    best = max(e.quality for e in tables)
    names = {e.ref[0] for e in tables}
    return any(e.ref[0] in names and e.quality >= best for e in m.of("column"))


def _identifier_number(ctx: Context, i: int, j: int) -> bool:
    """ "el número de teléfono", "número de serie": "número de" before one singular text
    column (no table, nothing between) names that column, an identifier; a count says its
    rows in the plural ("el número de pedidos") or asks "cuántos"."""
    words = tuple(t.norm for t in ctx.tokens[ctx.mentions[i].start : ctx.mentions[i].end])
    target = ctx.mentions[j]
    return (
        words in (("numero", "de"), ("numero", "del"))
        and j == i + 1
        and not target.plural
        and not target.has("table")
        and all(column_kind(ctx, e) == "text" for e in target.of("column"))
    )


def _link_value_column(ctx: Context, target: Mention, table: str) -> tuple[str, str] | None:
    """The text key column a counted link table is named by ("distinct languages" of
    `countrylanguage(CountryCode, Language)`): one row per pair, so its different values are
    counted, never its rows. None for a table with a key of its own (a row is one entity)."""
    info = ctx.model.catalog.table(table)
    if info is None or sum(c.primary_key for c in info.columns) < 2:  # noqa: PLR2004
        return None
    for e in target.of("column"):
        col = info.column(e.ref[1]) if e.ref[0] == table else None
        if col is not None and col.primary_key and column_kind(ctx, e) == "text":
            return e.ref
    return None


def each_group(ctx: Context, i: int) -> bool:
    """Whether mention i is a grouping word that says "each" ("for each", "cada")."""
    m = ctx.mentions[i]
    return m.kind == "group" and any(t.norm in lx.EACH_WORDS for t in ctx.tokens[m.start : m.end])


def _key_used_by(ctx: Context, j: int) -> tuple[str, str] | None:
    """A counted table named with another table that references it ("how many languages are in
    these films", "cuántas categorías tienen los productos"): the other table's foreign key,
    whose distinct values are the ones in use, not every row of the counted table. The other
    table qualifies the counted word, or is the next thing named."""
    m = ctx.mentions[j]
    if not m.has("table") or m.has("metric") or is_value(ctx, j):
        return None
    counted = max(m.of("table"), key=lambda e: e.quality).ref[0]
    owners = []
    if j in ctx.column_table:
        owners.append((ctx.column_table[j], None))
    k = j + 1
    if k < len(ctx.mentions) and ctx.mentions[k].kind == "exist":
        k += 1  # "cuántos idiomas hay en estas películas"
    after = schema_mention(ctx, k)
    if after is not None and after.has("table") and k not in ctx.used and not is_value(ctx, k):
        owners.append((max(after.of("table"), key=lambda e: e.quality).ref[0], k))
    for owner, at in owners:
        step = ctx.model.path(owner, counted)
        if step and len(step) == 1 and step[0][0] == owner and step[0][2] == counted:
            if at is not None:
                ctx.used.add(at)
                ctx.consumed.add(at)  # named only to say whose keys are counted
            return owner, step[0][1]
    return None


def _active_entities(ctx: Context, slots: list[MetricSlot]) -> None:
    """ "clientes activos" / "active customers": COUNT(DISTINCT fact.fk) of that entity, when
    the catalog defines no such metric (a catalog metric phrase is matched first)."""
    model = ctx.model
    for i, m in enumerate(ctx.mentions):
        if i in ctx.used or m.kind != "schema" or not m.has("table") or m.has("metric"):
            continue
        for j in (i + 1, i - 1):
            other = ctx.mentions[j] if 0 <= j < len(ctx.mentions) else None
            if other is None or j in ctx.used or lx.fold(other.text) not in lx.ACTIVE_WORDS:
                continue
            table = max(m.of("table"), key=lambda e: e.quality).ref[0]
            if any(e.ref[0] == table for e in (*other.of("column"), *other.of("value"))):
                continue  # "productos activos": the table's own flag column (see planner)
            path = model.path(model.fact, table)
            if table == model.fact or not path or len(path) != 1 or path[0][0] != model.fact:
                continue
            slots.append(MetricSlot(f"countd:{model.fact}.{path[0][1]}", i))
            ctx.used.update({i, j})
            ctx.consumed.add(j)  # "activos" is the COUNT(DISTINCT), no column of its own
            break


def _referencing_said(ctx: Context, j: int, table: str) -> tuple[str, str] | None:
    """(table, foreign key) of another table the question names that refers to `table`
    directly: the different rows of `table` it uses are its distinct keys. Another table that
    does not refer to it directly makes the count unclear (asked back)."""
    others = {
        e.ref[0]
        for k, m in enumerate(ctx.mentions)
        if k != j and m.kind == "schema" and not is_value(ctx, k)
        for e in m.of("table")
        if e.ref[0] != table
    }
    found = []
    for other in sorted(others):
        step = ctx.model.path(other, table)
        if step and len(step) == 1 and step[0][0] == other:
            found.append((other, step[0][1]))
    if others and len(found) != 1:
        raise Unclear(Clarify.COUNT_WHAT, ctx.mentions[j].text)
    return found[0] if found else None


def header_count(ctx: Context, i: int) -> str | None:
    """ "number of orders", "número de pedidos" where the fact rows are an order's lines: the
    orders are a table of their own (named by the concept's noun, one row per order, which the
    line rows refer to), so its rows are counted, not the lines."""
    model, m = ctx.model, ctx.mentions[i]
    if m.value != "orders" or not model.fact:
        return None
    lang = ctx.tokens[m.end - 1].lang if m.end else ctx.lang
    noun = ctx.tokens[m.end - 1].norm if m.end else ""
    entries = model.lookup(lx.phrase_key(noun, lang), lang) or ()
    tables = {e.ref[0] for e in entries if e.kind == "table"} - {model.fact}
    if len(tables) != 1:
        return None
    (table,) = tables
    steps = model.path(model.fact, table)
    if not steps or len(steps) != 1 or steps[0][0] != model.fact:
        return None  # not the header the fact rows belong to
    return ms.count_key(model, table)


def concept_key(model: SemanticModel, concept: str) -> str | None:
    """The metric a generic business word means on this model (no catalog synonym needed)."""
    if concept == "revenue":
        return ms.revenue_key(model)
    if concept == "units":
        return ms.units_key(model)
    if concept == "aov":
        revenue = ms.revenue_key(model)
        return ms.retarget_agg(model, revenue, "avg") if revenue else None
    return ms.fact_count_key(model)


def _entity_table(ctx: Context, i: int) -> str | None:
    """The non-fact table a mention names first (not a value, not a metric)."""
    m = ctx.mentions[i]
    if is_value(ctx, i) or m.has("metric") or i in ctx.used:
        return None
    tables = [e for e in m.of("table") if e.ref[0] != ctx.model.fact]
    if not tables or max(e.quality for e in tables) < max(e.quality for e in m.entries):
        return None
    return max(tables, key=lambda e: e.quality).ref[0]


def _count_prefers_table(m: Mention) -> bool:
    """ "cuántas ventas": a count of rows even though "ventas" also names a metric; but
    "número de pedidos" is the catalog metric whose synonym is "pedidos"."""
    best_table = max(e.quality for e in m.of("table"))
    best_metric = max(e.quality for e in m.of("metric"))
    return best_table >= best_metric


def _aggregate_chains(ctx: Context) -> dict[int, list[int]]:
    """ "maximum and minimum price", "el máximo, el mínimo y el promedio del precio": aggregate
    words joined by "and"/"y" share the target of the last one. {last agg: earlier aggs}."""
    chains: dict[int, list[int]] = {}
    n = len(ctx.mentions)
    i = 0
    while i < n:
        if ctx.mentions[i].kind != "agg":
            i += 1
            continue
        run = [i]
        while True:  # "max, min" (the comma is no mention) or "max and min"
            k = run[-1] + 1
            if k < n and ctx.mentions[k].kind == "conj":
                k += 1
            if k >= n or ctx.mentions[k].kind != "agg":
                break
            run.append(k)
        if len(run) > 1:
            chains[run[-1]] = run[:-1]
        i = run[-1] + 1
    return chains


def _apply_aggregates(ctx: Context, slots: list[MetricSlot]) -> None:
    """ "precio promedio", "average list price", "descuento máximo", "ingreso promedio".

    An aggregate word that applies to nothing is not dropped: it is recorded in `ctx.dropped`
    and the question is asked back naming it (read_parts)."""
    model = ctx.model
    grain_said = any(m.kind == "time" and m.time.kind == "grain" for m in ctx.mentions)
    chains = _aggregate_chains(ctx)
    chained = {k for run in chains.values() for k in run}
    for i, m in enumerate(ctx.mentions):
        soft = soft_total(ctx, i) and i not in ctx.used
        if m.kind != "agg" and not soft:
            continue
        if i in chained:
            continue  # applied with the last aggregate word of its chain
        fn = "sum" if soft else str(m.value)
        made: MetricSlot | None = None
        applied = False
        targets = _agg_targets(ctx, i)
        if i in chains:  # "precio máximo y mínimo": the chain's target may come first
            targets += [t for t in _agg_targets(ctx, chains[i][0]) if t not in targets]
        for j in targets:
            if soft and not _measurable(ctx, j, slots):
                continue
            if soft:
                ctx.used.add(i)  # "total discount", "total de unidades": a sum
            slot = next((s for s in slots if s.mention == j), None)
            additive = slot is not None and ms.metric_agg(model, slot.key) in ("sum", "count")
            noun = schema_mention(ctx, j) is not None and any(
                e.ref[0] == model.fact for e in ctx.mentions[j].of("table")
            )
            if fn == "avg" and grain_said and (additive or (slot is None and noun)):
                ctx.average_over = True  # "ventas promedio por mes": the mean of monthly sums
                applied = True
                break
            if slot is not None:
                if fn == "avg" and ms.metric_agg(model, slot.key) == "sum":
                    ctx.averaged[slot.key and ms.retarget_agg(model, slot.key, fn)] = slot.key
                slot.key = ms.retarget_agg(model, slot.key, fn)
                made, applied = slot, True
                break
            target = schema_mention(ctx, j)
            if target is None:
                continue
            if j in ctx.used or is_value(ctx, j):
                continue
            numeric = [e for e in target.of("column") if column_kind(ctx, e) == "number"]
            if not numeric and fn in ("min", "max"):  # "the minimum payment date": the earliest
                numeric = [e for e in target.of("column") if column_kind(ctx, e) == "date"]
            if numeric:
                table, column = pick_numeric(ctx, j, numeric)
                made = MetricSlot(ms.column_metric_key(model, table, column, fn), j)
                slots.append(made)
                ctx.used.add(j)
                applied = True
                break
        if made is not None and i in chains:
            at = slots.index(made)
            for k in chains[i]:  # in question order, before the last one
                other = ms.retarget_agg(model, made.key, str(ctx.mentions[k].value))
                slots.insert(at, MetricSlot(other, made.mention))
                at += 1
        elif not applied and not soft:
            ctx.dropped.append(m.text)
            ctx.dropped += [ctx.mentions[k].text for k in chains.get(i, ())]


def _measurable(ctx: Context, j: int, slots: list[MetricSlot]) -> bool:
    if any(s.mention == j for s in slots):
        return True
    m = schema_mention(ctx, j)
    return (
        m is not None
        and j not in ctx.used
        and not is_value(ctx, j)
        and any(column_kind(ctx, e) == "number" for e in m.of("column"))
        and lx.fold(m.text) not in SOFT_TOTAL
    )


def _agg_targets(ctx: Context, i: int) -> list[int]:
    """Mentions an aggregate word can apply to: its neighbours, looking past a grain word
    ("average monthly revenue", "ingresos diarios promedio")."""
    found = []
    for step in (1, -1):
        j = i + step
        m = ctx.mentions[j] if 0 <= j < len(ctx.mentions) else None
        if m is not None and m.kind == "time" and m.time.kind == "grain":
            j += step
        if step == 1 and m is not None and m.kind == "count" and _number_column(ctx, j + 1):
            j += 1  # "the maximum number of final tables made": a column that is a number of …
        if 0 <= j < len(ctx.mentions):
            found.append(j)
    return found


def _number_column(ctx: Context, j: int) -> bool:
    """Mention `j` names only numeric columns (no table): "number of <it>" is the column."""
    m = schema_mention(ctx, j)
    if m is None or m.has("table") or m.has("metric") or is_value(ctx, j):
        return False
    columns = m.of("column")
    return bool(columns) and all(column_kind(ctx, e) == "number" for e in columns)


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
