"""Relation verbs: the verb that links two entities the schema already links.

"car models *produced* by General Motors", "countries that *speak* English", "the language
*spoken* by the most countries", "países que *hablan* inglés", "modelos *producidos* por
Ford": the verb says how the two tables relate, and the schema already knows that (a
foreign-key path between them), so the verb is the join itself and adds no meaning. A word
is read this way only when it sits between two catalog mentions whose tables are different and
joined by a foreign-key path, with nothing but grammar words around it; a verb with no such
link ("cars produced in 1980": a year is no entity) stays unknown and is asked back.

A relation verb followed by a count ("makers that produce more than 3 models", "países que
hablan al menos 3 lenguas") reads as *with* ("makers with more than 3 models"), the shape
`_entities_with_count` already reads. "either X or Y" is X or Y.

After the plan is built, `check_relations` asks back, naming the verb, when the plan does not
answer the relation (the entity before the verb is not what is counted, grouped or listed; a
negated relation is no NOT EXISTS; values after it are grouped). `related_rows` lists (or
counts) an entity's rows by the rows of a table that references it: EXISTS, NOT EXISTS among
the rows that have some related row ("do not", "never"), one EXISTS per value ("both X and Y",
"X and Y"), and `negate_flag_pairs` reads a negated yes/no flag of another table with its pair.

Split by /work/tools/split_planner.py: `related_rows` is in `relations_exist.py`, `rows_without`
in `relations_none.py`, `check_relations` and `negate_flag_pairs` in `relations_checks.py`; they
import the words and `said` from here, this module never imports them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from datachat import text as tx

from ..plan import QueryPlan
from . import lexicon as lx
from .parser import named_after_article
from .scan import Mention, mentions_by_token
from .semantic import PARTIAL, SemanticModel, plain_key

_BEFORE = lx.RELATION_BEFORE
_AFTER = lx.RELATION_AFTER
_SKIPPED_KINDS = frozenset({"most", "least", "rank", "count", "cmp", "number", "distinct", "group"})
_BEFORE_KINDS = frozenset({"neg"})
_EITHER = lx.words("either")
_NEVER = lx.words("never nunca jamas")
_BOTH = lx.words("both ambos ambas neither nor ni")
_WITH = {"es": "con", "en": "with"}
_HAVE = {"es": "tienen", "en": "have"}
# "spoken by only one country", "hablados en un solo país": a count of exactly one.
_ONLY_ONE = {
    ("only", "one"), ("just", "one"), ("a", "single"), ("one", "single"),
    ("un", "solo"), ("una", "sola"), ("solo", "un"), ("solo", "una"),
}  # fmt: skip
_EXACTLY = {"es": "exactamente", "en": "exactly"}
_ONE_AFTER = lx.words("by in por en")


@dataclass(frozen=True)
class Relation:
    verb: str  # as written
    left: frozenset[str]  # the tables of the entity before the verb
    right: frozenset[str]  # the tables of the entity after it
    counted: bool  # a count or a rank of the entity after it ("the most languages")
    negated: bool  # "do not speak", "que no hablan"
    values: bool  # the entity after it is a value ("English")
    one_each: bool = False  # each row before it has at most one row after it (a maker)
    # the foreign key the verb was read as (table, column, ref_table, ref_column), when it
    # links the two entities directly: chosen among several by the verb's word ("managed" ->
    # `manager_staff_id`), else the one the schema has
    via: tuple[str, str, str, str] | None = None
    chosen: bool = False  # `via` chosen among several foreign keys between the same tables


@dataclass(frozen=True)
class Relations:
    tokens: list  # the question's tokens without the relation verbs
    found: tuple[Relation, ...]

    @property
    def verbs(self) -> tuple[str, ...]:
        return tuple(r.verb for r in self.found)

    @property
    def negated(self) -> bool:
        return any(r.negated for r in self.found)


def _tables(model: SemanticModel, mention: Mention) -> set[str]:
    found = {e.ref[0] for e in mention.entries if e.kind in ("table", "column", "value")}
    for e in mention.of("metric"):
        metric = model.metrics.get(e.ref[0])
        if metric is not None:
            found.add(metric.table)
    return found


def _names_entity(mention: Mention) -> bool:
    """A table or column named (its best reading), not a value."""
    best = max(e.quality for e in mention.entries)
    return any(e.kind in ("table", "column") and e.quality == best for e in mention.entries)


def _counts_rows(model: SemanticModel, mention: Mention) -> bool:
    """ "the number of models created by …": a count of one table's rows, said as a metric."""
    metrics = mention.of("metric")
    return len(metrics) == len(mention.entries) == 1 and bool(
        _counted_table(model, metrics[0].ref[0])
    )


def _names_rows(mention: Mention) -> bool:
    """A table, a value or a count of rows named: rows of an entity, not only a column."""
    return any(e.kind in ("table", "value", "metric") for e in mention.entries)


def _names_table(mention: Mention) -> bool:
    """A table is the best reading of the mention (not "languages" as a column's values)."""
    best = max(e.quality for e in mention.entries)
    return any(e.kind == "table" and e.quality == best for e in mention.entries)


_PASSIVE_BE = lx.words("is are was were se son fueron")
# "conductors that *have* conducted more than one orchestra" -> "conductors with more than one"
_PERFECT_ALL = lx.words("have has had")


def _passive_words(tokens: list[lx.Token], i: int) -> set[int]:
    """The auxiliary before a passive or perfect verb and the prepositions after it ("are
    spoken by", "se hablan en", "have conducted at"), which a count read as *have* or *with*
    does not take."""
    found = {i - 1} if i > 0 and tokens[i - 1].norm in _PASSIVE_BE | _PERFECT_ALL else set()
    return found | _agent_words(tokens, i)


def _agent_words(tokens: list[lx.Token], i: int) -> set[int]:
    """The prepositions right after a verb ("built *by*", "hecho *por*")."""
    found = set()
    j = i + 1
    while j < len(tokens) and tokens[j].norm in _ONE_AFTER:
        found.add(j)
        j += 1
    return found


def only_one(tokens: list[lx.Token], unmapped: list[str]) -> list[lx.Token] | None:
    """ "languages spoken by only one country", "idiomas que se hablan en un solo país": after
    an unknown verb or one the engine passes ("used") and its preposition, "only one", "a single" or
    "un solo" is a count of exactly 1 ("by exactly 1 country"), which the relation verbs read
    as a count; None when not said."""
    if not unmapped:
        return None
    unknown = set(unmapped)
    for i in range(2, len(tokens) - 1):
        pair = (tokens[i].norm, tokens[i + 1].norm)
        if pair not in _ONLY_ONE or tokens[i - 1].norm not in _ONE_AFTER:
            continue
        verb = tokens[i - 2]  # a verb nothing explains ("spoken") or a filler one ("used")
        if verb.kind != "word" or not (verb.text in unknown or verb.norm in lx.STOPWORDS):
            continue
        lang = tokens[i].lang if tokens[i].lang in _EXACTLY else "en"
        said = (_EXACTLY[lang], "1")
        new = [
            replace(
                tok,
                text=w,
                norm=w,
                key=lx.word_key(w, lang),
                kind="number" if w == "1" else tok.kind,
            )
            for tok, w in zip(tokens[i : i + 2], said, strict=True)
        ]
        return [*tokens[:i], *new, *tokens[i + 2 :]]
    return None


def _solid(mention: Mention) -> bool:
    """A whole name of the catalog, not one distinctive word of a longer value."""
    return max(e.quality for e in mention.entries) > PARTIAL


def _needs_evidence(mention: Mention, tokens: list[lx.Token]) -> bool:
    values = mention.of("value")
    return (
        bool(values)
        and len(values) == len(mention.entries)
        and all(e.weak for e in values)
        and not tokens[mention.start].text[:1].isupper()
        and not named_after_article(tokens, mention)
    )


def _glue(mention: Mention) -> bool:
    """A lower-case word that is only one name of hundreds ("is", "by" as country codes): a
    grammar word here, as the parser will read it (a weak value needs evidence)."""
    values = mention.of("value")
    return (
        mention.kind == "schema"
        and bool(values)
        and len(values) == len(mention.entries)
        and all(e.weak for e in values)
        and mention.text.islower()
        and all(w in _BEFORE or w in _AFTER for w in lx.fold(mention.text).split())
    )


def _linked(model: SemanticModel, left: set[str], right: set[str]) -> bool:
    return any(a != b and (model.path(a, b) or model.path(b, a)) for a in left for b in right)


def _one_each(model: SemanticModel, left: set[str], right: set[str]) -> bool:
    """Each row of the entity before the verb reaches at most one row of the tables after it:
    every step of every path goes out through a foreign key of the table it leaves to the
    primary key of the next (a model's maker, that maker's country). "not built by X" is then
    the row's own value that is not X, as "not of X" is."""
    if not left or not right or left & right:
        return False
    for a in left:
        for b in right:
            steps = model.path(a, b)
            if not steps:
                return False
            here = a
            for table, _column, ref_table, ref_column in steps:
                info = model.tables.get(ref_table)
                if table != here or info is None or info.key != (ref_column,):
                    return False
                here = ref_table
    return True


def relation_verbs(
    model: SemanticModel, tokens: list[lx.Token], mentions: list[Mention], unmapped: list[str]
) -> Relations | None:
    """The tokens with each relation verb taken out (or read as *with* before a count), or
    None when the question has none."""
    if not unmapped:
        return None
    at = mentions_by_token(mentions)
    unknown = set(unmapped)
    drop: set[int] = set()
    as_with: dict[int, str] = {}
    found: list[Relation] = []
    for i, tok in enumerate(tokens):
        if i in at or tok.text not in unknown or not verb_shaped(tok, i, tokens):
            continue
        if tok.norm in _EITHER or tok.norm in _BOTH or tok.norm in _NEVER:
            continue  # words that change the meaning, read elsewhere or asked back
        adverbs = _adverbs_near(tokens, at, unknown, i)
        left, negated = entity_before(tokens, at, i - 1 if i - 1 in adverbs else i)
        # "photos taken with the lens …": "with" right after a participle is the verb's own
        with_after = not adverbs and _with_after(tokens, at, i)
        right, kinds = _entity_after(tokens, at, i + 1 if i + 1 in adverbs or with_after else i)
        if right is not None:
            adverbs |= _adverbs_near(tokens, at, unknown, right.end - 1)
        back = _back_reference(tokens, at, i) if right is None and not negated else None
        counted_rows = _counted_before(tokens, at, i) if right is None else None
        if back is not None:
            counts = left is not None and (
                (_counted(at, left) and _names_table(left)) or _counts_rows(model, left)
            )
            if not counts:
                continue  # "employees working there": the rows counted per that entity
            referent, pronouns = back
            if _own_column(model, left, referent):  # "the number of channels that use it"
                own = frozenset(_tables(model, left))
                found.append(Relation(tok.text, own, frozenset(), False, False, False))
                drop |= {i, *pronouns}
                continue
            right, kinds = referent, set()
            drop |= pronouns
        elif counted_rows is not None and _last_word(tokens, i):
            left, right = _grouped_entity(tokens, at), counted_rows  # "how many models it makes"
            if left is None and tokens[i - 1].norm in _PRONOUNS:
                # "the names of journalists and the number of events they reported": the
                # entity listed before the count
                left = _listed_before(model, tokens, at, counted_rows)
            kinds = {"count"}
            if left is None and _repeats(found, tok) and tokens[i - 1].norm in _PRONOUNS:
                # "countries that speak more than 2 languages, and how many languages they
                # speak": the relation already read, said again of the same rows
                as_with[i] = _HAVE.get(tok.lang, _HAVE["en"])
                continue
        elif right is None and left is not None and _last_word(tokens, i):
            asked = _asked_of(tokens, at, left)  # "which X does Y use?"
            if asked is None and _passive_after(tokens, left, i):
                asked = _where_of(tokens, at, left)  # "continents where Chinese is spoken"
            left, right = asked, left
        elif right is None and left is not None and _stranded(tokens, i):
            # "Which region is the city Kabul located in?": the region of the city named
            left, right = _asked_of(tokens, at, left, _BE), left
        if left is None or right is None or not (_solid(left) and _solid(right)):
            continue
        if not (_names_entity(left) or _counts_rows(model, left)):
            continue  # "people live in …": a value is no entity that does anything
        if _each_own_column(model, tokens, at, left, right, i):
            own = frozenset(_tables(model, left))  # "How many X does each <column of X> run?"
            found.append(Relation(tok.text, own, frozenset(), False, False, False))
            drop.add(i)
            continue
        each = _each_column_after(model, at, left, right, kinds)
        if each is not None:  # "how many documents use each type": the count per that column
            found.append(
                Relation(tok.text, frozenset(_tables(model, left)), each, False, False, False)
            )
            drop.add(i)
            continue
        if not (_names_rows(right) or counted_rows is not None):
            continue  # "clientes perdidos por región": a column after it groups, no entity
        if _needs_evidence(right, tokens):
            continue  # "produced in the usa": a weak value the parser may not take as one
        own = _own_value(left, right, kinds)
        if own is not None:  # "channels that do not use English": their own language
            found.append(Relation(tok.text, own, own, False, negated, True, negated))
            drop.add(i)
            continue
        mine, theirs = _tables(model, left), _tables(model, right)
        if not _linked(model, mine, theirs):
            continue
        if with_after and (
            negated or not one_path(model, _main_tables(model, left), _main_tables(model, right))
        ):
            continue  # two ways the rows may be linked, or "not … with": asked back
        link = _link_of_verb(model, tok, _main_tables(model, left), _main_tables(model, right))
        if link is _UNDECIDED:  # "students who *currently* live in …": the adverb names one
            step, adverb = _link_of_adverb(model, tokens, adverbs, left, right)
            if step is None:
                continue  # two foreign keys fit and nothing says which: asked back, naming the verb
            link = (step, True)
            drop.add(adverb)
        with_count = "cmp" in kinds and "number" in kinds  # "more than 3 models"
        values = right.has("value") and not right.has("table")
        agent = kinds <= {"group"} and i + 1 < len(tokens) and tokens[i + 1].norm in _ONE_AFTER
        named = {e.ref[0] for e in left.of("table")} or mine  # "models": the table, not a column
        one_each = negated and values and agent and _one_each(model, named, theirs)
        found.append(
            Relation(
                tok.text,
                frozenset(mine),
                frozenset(theirs),
                counted=bool(kinds & {"most", "least", "rank", "count"}) or with_count,
                negated=negated,
                values=values,
                one_each=one_each,
                via=link[0] if link else None,
                chosen=bool(link and link[1]),
            )
        )
        if one_each:  # "not built by Ford" -> "not Ford": the value negated row by row
            drop |= _agent_words(tokens, i)
        if with_count and with_after:  # "pilots who flew with more than 3 aircraft"
            drop.add(i)  # the "with" that follows reads the count
        elif with_count:  # "languages have …": a column's values are grouped by the parser
            words = _WITH if _names_table(left) else _HAVE
            as_with[i] = words.get(tok.lang, words["en"])
            drop |= _passive_words(tokens, i)  # "are spoken by more than 3" -> "have more"
        else:
            drop.add(i)
            if i > 0 and i - 1 in at and at[i - 1].kind == "exist":
                drop.add(i - 1)  # "conductors that have conducted bands": the auxiliary too
    drop |= _either(tokens, at, drop, unknown)
    swap = _tanto_como(tokens, unknown)
    swap.update(as_with)
    if not drop and not swap:
        return None
    out = []
    for i, tok in enumerate(tokens):
        if i in drop:
            continue
        if i in swap:
            word = swap[i]
            tok = replace(tok, text=word, norm=word, key=lx.word_key(word, tok.lang))
        out.append(tok)
    return Relations(out, tuple(found))


_BACK = lx.words("it them there here alli ahi alla")
_BACK_PREPOSITIONS = lx.words("in at on for to with from into en")
_CLAUSE_END = lx.words("and y e")


def _back_reference(
    tokens: list[lx.Token], at: dict[int, Mention], i: int
) -> tuple[Mention, set[int]] | None:
    """ "For each stadium, how many concerts play *there*?", "the number of channels that use
    *it*", "para cada tienda, cuántos empleados trabajan *allí*": a verb whose object is a
    pronoun ending its clause stands for the entity said after "each"/"cada". That entity and
    the pronoun's words (and prepositions), or None."""
    j = i + 1
    while j < len(tokens) and j not in at and tokens[j].norm in _BACK_PREPOSITIONS:
        j += 1
    if j >= len(tokens) or tokens[j].norm not in _BACK:
        return None
    if j in at and at[j].kind not in ("exist", "list"):
        return None
    end = _last_word(tokens, j) or (j + 1 < len(tokens) and tokens[j + 1].norm in _CLAUSE_END)
    referent = _grouped_entity(tokens, at) if end else None
    if referent is None or referent.start > i:
        return None  # the entity must be said before the pronoun that stands for it
    return referent, set(range(i + 1, j + 1))


def _own_value(left: Mention, right: Mention, kinds: set[str]) -> frozenset[str] | None:
    """The table the entity before the verb names, when every reading of the value after it
    is a value of that same table ("tv channels that do not use English", a channel's own
    `Language`): the verb says only that the row has (or has not) that value, no join. None
    when the value is (also) another table's, or a count or comparison comes between."""
    named = {e.ref[0] for e in left.of("table")}
    values = right.of("value")
    if len(named) != 1 or kinds or not values or len(values) != len(right.entries):
        return None
    if {e.ref[0] for e in values} != named:
        return None
    return frozenset(named)


def _counted(at: dict[int, Mention], rows: Mention) -> bool:
    """A count right before the rows: "how many concerts", "the number of channels"."""
    count = at.get(rows.start - 1)
    return count is not None and count.kind == "count"


def _own_column(model: SemanticModel, rows: Mention, referent: Mention) -> bool:
    """The entity a pronoun stands for is a column of the counted rows' own table ("for each
    language, the number of channels that use it", where a channel has a language)."""
    if any(e.kind != "column" for e in referent.entries) or referent.has("value"):
        return False
    own = {e.ref[0] for e in rows.of("table")}
    return bool(own) and {e.ref[0] for e in referent.entries} <= own


_ADVERB_ENDINGS = {"en": ("ly",), "es": ("mente",)}


def _adverbs_near(
    tokens: list[lx.Token], at: dict[int, Mention], unknown: set[str], i: int
) -> set[int]:
    """The unknown adverbs right before or after token i ("students who *currently* live",
    "live in Haiti *permanently*")."""
    found = set()
    for j in (i - 1, i + 1):
        if 0 <= j < len(tokens) and j not in at and tokens[j].text in unknown:
            word, lang = lx.fold(tokens[j].text), tokens[j].lang
            ends = _ADVERB_ENDINGS.get(lang, _ADVERB_ENDINGS["en"])
            if word.isalpha() and word.endswith(ends) and len(word) > 5:
                found.add(j)
    return found


def _link_of_adverb(
    model: SemanticModel, tokens: list[lx.Token], adverbs: set[int], left: Mention, right: Mention
) -> tuple[Step | None, int]:
    """ "students who *currently* live in …" where a student has a `current_address_id` and a
    `permanent_address_id`: the one foreign key between the two entities' tables whose column
    says the adverb's stem, and the adverb's place; (None, -1) when no single one does."""
    mine, theirs = _main_tables(model, left), _main_tables(model, right)
    pairs = [(a, b) for a in sorted(mine) for b in sorted(theirs) if a != b]
    keys = list(dict.fromkeys(k for a, b in pairs for k in _direct_keys(model, a, b)))
    fits = [
        (k, j)
        for j in sorted(adverbs)
        for k in keys
        if _says_verb(k[1], {tx.stem(lx.fold(tokens[j].text), tokens[j].lang)}, tokens[j].lang)
    ]
    if len(fits) != 1:
        return None, -1
    return fits[0]


def _each_own_column(
    model: SemanticModel,
    tokens: list[lx.Token],
    at: dict[int, Mention],
    left: Mention,
    right: Mention,
    i: int,
) -> bool:
    """ "How many orchestras does each record company manage?": the subject of a do-question
    whose verb ends it is a column of the asked rows' own table after "each", so the verb says
    the rows each value of that column has (the count per value), no other table."""
    group = at.get(right.start - 1)
    if group is None or group.kind != "group" or not _last_word(tokens, i):
        return False
    if any(e.kind != "column" for e in right.entries) or right.has("value"):
        return False
    own = {e.ref[0] for e in left.of("table")}
    return bool(own) and {e.ref[0] for e in right.entries} <= own


def _each_column_after(
    model: SemanticModel, at: dict[int, Mention], left: Mention, right: Mention, kinds: set[str]
) -> frozenset[str] | None:
    """ "how many documents *use* each type", "how many players played each position": a verb
    between counted rows and "each <column>" says the rows each value of the column has, when
    the column is of the rows' own table or of the one row each of them reaches through
    foreign keys (a document's template's type). None otherwise (two tables the column could
    be of, a value, rows that are not counted)."""
    if kinds != {"group"} or not _counted(at, left) or not _names_table(left):
        return None
    if any(e.kind != "column" for e in right.entries) or right.has("value"):
        return None
    rows = {e.ref[0] for e in left.of("table")}
    theirs = {e.ref[0] for e in right.entries}
    if len(rows) != 1 or (theirs - rows and not _one_each(model, rows, theirs - rows)):
        return None  # a key and the keys that refer to it are one column (`template_type_code`)
    return frozenset(theirs)


def _main_tables(model: SemanticModel, mention: Mention) -> set[str]:
    """The tables a mention names by its best reading ("conductors": the table, not a key
    column of another table named after it), else all of its tables."""
    best = max(e.quality for e in mention.entries)
    found = {e.ref[0] for e in mention.entries if e.kind == "table" and e.quality == best}
    return found or _tables(model, mention)


_UNDECIDED: tuple = ("undecided",)
Step = tuple[str, str, str, str]


def _direct_keys(model: SemanticModel, a: str, b: str) -> list[Step]:
    """The foreign keys that link tables a and b directly, in either direction."""
    return [
        (fk.table, fk.column, fk.ref_table, fk.ref_column)
        for fk in model.catalog.foreign_keys
        if {fk.table, fk.ref_table} == {a, b} and a != b
    ]


def _verb_stems(tok: lx.Token) -> set[str]:
    """The stems a verb's word may share with a column's: its own ("conducted" -> conduct) and
    its base form's when it is irregular ("lost" -> lose)."""
    found = {tx.stem(tok.norm, tok.lang)}
    lemma = tx.verb_lemma(tok.norm) if tok.lang == "en" else None
    if lemma:
        found.add(tx.stem(lemma, "en"))
    return {s for s in found if len(s) >= 3}


def _says_verb(column: str, stems: set[str], lang: str) -> bool:
    """A word of the column is the verb's ("lost_in_battle", "caused_by_ship_id") or its agent
    noun ("conductor_id" for conducted, "manager_staff_id" for managed)."""
    for word in tx.identifier_words(column):
        if not word.isalpha():
            continue
        own = tx.stem(word, lang)
        if any(own == s or (len(s) >= 4 and own.startswith(s)) for s in stems):
            return True
    return False


def _link_of_verb(
    model: SemanticModel, tok: lx.Token, left: set[str], right: set[str]
) -> tuple[Step, bool] | tuple | None:
    """The foreign key a relation verb is read as, when one links the two entities' tables
    directly: (step, chosen among several). With several, the one whose column says the verb
    ("managed" -> `manager_staff_id`), else the one plain key among them (`language_id`, not
    `original_language_id`); when nothing decides, `_UNDECIDED`. None when the tables are
    joined only through others (a chain: its path is the schema's)."""
    pairs = [(a, b) for a in sorted(left) for b in sorted(right) if a != b]
    keys = [k for a, b in pairs for k in _direct_keys(model, a, b)]
    keys = list(dict.fromkeys(keys))
    if not keys:
        return None
    if len(keys) == 1:
        return keys[0], False
    stems = _verb_stems(tok)
    said = [k for k in keys if _says_verb(k[1], stems, tok.lang)]
    if len(said) == 1:
        return said[0], True
    if said:
        return _UNDECIDED
    plain = [k for k in keys if plain_key(k[1], k[2], k[3])]
    if len(plain) == 1:
        return plain[0], True
    return _UNDECIDED


def read_as(plan: QueryPlan, relations: Relations) -> QueryPlan:
    """The plan joining through the foreign key each relation verb chose among several."""
    chosen = tuple(r.via for r in relations.found if r.chosen and r.via is not None)
    return plan.with_changes(joins=tuple(dict.fromkeys(chosen))) if chosen else plan


def said(model: SemanticModel, relations: Relations | None) -> str:
    """How each relation verb was read, for the answer's interpretation: "conducted →
    orchestra.Conductor_ID" (the foreign key it stands for)."""
    if relations is None:
        return ""
    out = []
    for r in relations.found:
        if r.via is not None:
            out.append(f"{r.verb} → {r.via[0]}.{r.via[1]}")
            continue
        steps = next(
            (model.path(a, b) for a in sorted(r.left) for b in sorted(r.right) if model.path(a, b)),
            None,
        )
        if steps:
            out.append(f"{r.verb} → " + ", ".join(f"{t}.{c}" for t, c, _rt, _rc in steps))
    return " · ".join(out)


def _tanto_como(tokens: list[lx.Token], unknown: set[str]) -> dict[int, str]:
    """ "tanto en París como en Madrid" is "ambos París y Madrid" (both)."""
    norms = [t.norm for t in tokens]
    for i, tok in enumerate(tokens):
        if tok.norm == "tanto" and tok.text in unknown and "como" in norms[i + 1 :]:
            return {i: "ambos", norms.index("como", i + 1): "y"}
    return {}


def _last_word(tokens: list[lx.Token], i: int) -> bool:
    """The verb ends its sentence: only symbols after it, or a new sentence after a "?" or a
    "." (punctuation is no token: a gap, then a capital letter) as in "… does each maker
    produce? List the full name …"."""
    rest = [t for t in tokens[i + 1 :] if t.kind != "symbol"]
    if not rest:
        return True
    return rest[0].start - tokens[i].end > 1 and rest[0].text[:1].isupper()


_AUXILIARIES = lx.words("do does did")
_PRONOUNS = lx.words("it they he she")


def _repeats(found: list[Relation], tok: lx.Token) -> bool:
    """The verb is one already read as a relation of this question (the same stem)."""
    stem = tx.stem(tok.norm, tok.lang)
    return any(tx.stem(lx.fold(r.verb), tok.lang) == stem for r in found)


def _counted_before(tokens: list[lx.Token], at: dict[int, Mention], i: int) -> Mention | None:
    """ "… and how many models it produces", "y cuántos modelos produce": the rows counted
    right before the verb (past a subject pronoun), or None."""
    j = i - 1
    while j >= 0 and j not in at and tokens[j].norm in _PRONOUNS:
        j -= 1
    rows = at.get(j)
    if rows is None or rows.kind != "schema" or not _names_entity(rows):
        return None
    count = at.get(rows.start - 1)
    return rows if count is not None and count.kind == "count" else None


def _listed_before(
    model: SemanticModel, tokens: list[lx.Token], at: dict[int, Mention], rows: Mention
) -> Mention | None:
    """The one entity named before "and the number of <rows>" ("the names of journalists and
    the number of events they reported"), another table linked to the rows counted, or None."""
    count = at.get(rows.start - 1)
    if count is None or count.kind != "count":
        return None
    j = count.start - 1
    while j >= 0 and j not in at and tokens[j].norm in lx.FILLER:
        j -= 1
    if j < 0 or tokens[j].norm not in _CLAUSE_END:
        return None  # only "… and the number of …"
    counted = _tables(model, rows)
    before = {id(m): m for k, m in at.items() if k < j}.values()
    if any(m.kind == "schema" and m.has("value") for m in before):
        return None  # "the full name of the maker Zeta Cars and how many cars it produces"
    found = [m for m in before if m.kind == "schema" and _names_table(m)]
    if len(found) != 1:
        return None
    mine = _tables(model, found[0])
    return found[0] if not mine & counted and _linked(model, mine, counted) else None


def _grouped_entity(tokens: list[lx.Token], at: dict[int, Mention]) -> Mention | None:
    """The entity said after "each"/"cada" ("the full name of each car maker"): what the
    pronoun of a counted relation stands for, or None."""
    for j in range(len(tokens)):
        m = at.get(j)
        if m is not None and m.kind == "group":
            after = at.get(m.end)
            return after if after is not None and after.kind == "schema" else None
    return None


def _asked_of(
    tokens: list[lx.Token],
    at: dict[int, Mention],
    subject: Mention,
    auxiliaries: frozenset[str] = _AUXILIARIES,
) -> Mention | None:
    """ "Which language does the film AIRPORT POLLOCK use?": the entity asked about (language)
    before "do/does/did" (or "is/are", `auxiliaries`) and the subject of a verb that ends the
    question (the film named), or None."""
    own = _tables_of(subject)
    j = subject.start - 1
    while j >= 0:
        m = at.get(j)
        if m is not None and m.kind == "schema" and _tables_of(m) <= own:
            j = m.start - 1  # "the film AIRPORT POLLOCK": the value's own table named
            continue
        if m is not None and m.kind == "group":
            j = m.start - 1  # "how many models does each maker produce?"
            continue
        if tokens[j].norm in lx.FILLER:
            j -= 1
            continue
        break
    if j < 0 or tokens[j].norm not in auxiliaries:
        return None
    found, _negated = entity_before(tokens, at, j + 1)
    return found


_STRANDED = lx.words("in at on from")


def _stranded(tokens: list[lx.Token], i: int) -> bool:
    """A participle whose preposition ends the question: "… is the city Kabul located in?"."""
    j = i + 1
    while j < len(tokens) and tokens[j].kind != "symbol" and tokens[j].norm in _STRANDED:
        j += 1
    return j > i + 1 and _last_word(tokens, j - 1)


def _passive_after(tokens: list[lx.Token], value: Mention, i: int) -> bool:
    """ "… Chinese is spoken": the verb right after a "be" that follows a value."""
    return value.has("value") and i == value.end + 1 and tokens[value.end].norm in _BE


def _where_of(tokens: list[lx.Token], at: dict[int, Mention], value: Mention) -> Mention | None:
    """The entity a passive clause is said of: "the continents *where* Chinese is spoken"."""
    j = value.start - 1
    while j >= 0 and at.get(j) is None and tokens[j].norm in lx.FILLER:
        j -= 1
    if j < 0 or tokens[j].norm not in _WHERE:
        return None
    found, negated = entity_before(tokens, at, j + 1)
    return None if negated else found


_BE = lx.words("is are was were")
_WHERE = lx.words("where")


def _tables_of(mention: Mention) -> set[str]:
    return {e.ref[0] for e in mention.entries if e.kind in ("table", "column", "value")}


# An article is followed by a noun or an adjective, never by a verb ("has the oldest rental").
_ARTICLES = frozenset({"the", "a", "an", "el", "los", "un", "una", "unos", "unas"})


def verb_shaped(tok: lx.Token, i: int, tokens: list[lx.Token] | None = None) -> bool:
    """A lower-case word (a capitalised one inside the sentence is a name, e.g. a value the
    catalog does not have) of letters, not right after an article."""
    if tok.kind != "word" or not tok.norm.isalpha() or len(tok.norm) < 3:
        return False
    if tok.norm in lx.STOPWORDS or tok.norm in lx.FILLER:
        return False
    if tokens is not None and i > 0 and tokens[i - 1].norm in _ARTICLES:
        return False
    return i == 0 or not tok.text[:1].isupper()


def _postposed(tokens: list[lx.Token], m: Mention, noun: Mention | None) -> bool:
    """Whether m is a Spanish adjective after its noun: a value said right after a table or
    column ("idiomas oficiales", "países africanos"); the noun is what the verb is about."""
    return (
        noun is not None
        and noun.kind == "schema"
        and tokens[m.start].lang == "es"
        and all(e.kind == "value" for e in m.entries)
        and _names_entity(noun)
    )


def entity_before(
    tokens: list[lx.Token], at: dict[int, Mention], i: int
) -> tuple[Mention | None, bool]:
    """The catalog mention before the verb past grammar words, and whether a negation or
    "never" came between them."""
    j = i - 1
    negated = False
    while j >= 0:
        m = at.get(j)
        if m is not None and not _glue(m):
            if m.kind == "schema":
                noun = at.get(m.start - 1)
                if noun is not None and noun.kind == "distinct":  # moved by _distinct_first
                    noun = at.get(noun.start - 1)
                if _postposed(tokens, m, noun):
                    return noun, negated  # "idiomas oficiales que se hablan": the languages
                return m, negated
            if m.kind == "list" and lx.fold(m.text) in _BEFORE:
                j = m.start - 1  # "the inventory *which* was rented": a relative pronoun
                continue
            if m.kind == "exist" and lx.fold(m.text) in _PERFECT:
                j = m.start - 1  # "conductors who *have* conducted": an auxiliary, no "there is"
                continue
            if m.kind not in _BEFORE_KINDS:
                return None, False
            negated = True
            j = m.start - 1
            continue
        norm = tokens[j].norm
        if norm in _BUT and negated:  # "models lighter than 3500 but not built by …"
            return _coordinated_subject(tokens, at, j), negated
        if norm in _NEVER or norm in ("dont", "doesnt", "didnt"):
            negated = True
        if norm in _BEFORE or norm in _NEVER or norm in lx.FILLER or tokens[j].kind == "symbol":
            j -= 1
            continue
        return None, False
    return None, False


_BUT = lx.words("but pero")
_PERFECT = lx.words("have")  # the one auxiliary the scanner reads as "there is" (`EXIST_WORDS`)
_CLAUSE_OPENERS = lx.words("that which who are is were was que son es")


def _coordinated_subject(tokens: list[lx.Token], at: dict[int, Mention], j: int) -> Mention | None:
    """ "Which models are lighter than 3500 but not built by …": the negated verb after "but"
    is said of the entity the clause before it is about (the table named right before its
    "are"/"that"), or None. The clause between may hold only catalog mentions, numbers and
    grammar words (no other verb nothing explains)."""
    k = j - 1
    while k >= 0 and tokens[k].norm not in _CLAUSE_OPENERS:
        m = at.get(k)
        word = tokens[k].kind == "word" and tokens[k].norm not in lx.STOPWORDS | lx.FILLER
        if m is None and word:
            return None  # another word nothing explains: not a clause this rule reads
        k = (m.start if m is not None else k) - 1
    while k >= 0 and at.get(k) is None and tokens[k].norm in _CLAUSE_OPENERS:
        k -= 1
    m = at.get(k)
    if m is None or m.kind != "schema" or not m.has("table") or not _names_entity(m):
        return None
    return m


_WITH_AFTER = lx.words("with con")


def _with_after(tokens: list[lx.Token], at: dict[int, Mention], i: int) -> bool:
    """A participle or past form followed by "with"/"con" ("taken with", "flew with",
    "tomadas con"): the preposition is the verb's, not the "with" of a count or a filter."""
    from .verbs import inflected  # verbs reads relations' helpers

    if i + 1 >= len(tokens) or tokens[i + 1].norm not in _WITH_AFTER:
        return False
    m = at.get(i + 1)
    if m is not None and (m.kind != "with" or m.end != i + 2):
        return False
    return inflected(tokens[i].norm, tokens[i].lang)


def one_path(model: SemanticModel, left: set[str], right: set[str]) -> bool:
    """Exactly one foreign-key path joins the two entities' tables: one key between them, or
    one table with a key to each (a link table), and not both."""
    pairs = [(a, b) for a in left for b in right if a != b]
    if len(pairs) != 1:
        return False
    a, b = pairs[0]
    paths = len(_direct_keys(model, a, b))
    for table in model.tables:
        if table in (a, b):
            continue
        to_a = [k for k in _direct_keys(model, table, a) if k[0] == table]
        to_b = [k for k in _direct_keys(model, table, b) if k[0] == table]
        paths += len(to_a) * len(to_b)
    return paths == 1


def _entity_after(
    tokens: list[lx.Token], at: dict[int, Mention], i: int
) -> tuple[Mention | None, set[str]]:
    """The first catalog mention after the verb past grammar words, and the kinds of the
    grammar words passed (a comparison with a number: a count, "more than 3 models")."""
    j = i + 1
    kinds: set[str] = set()
    while j < len(tokens):
        m = at.get(j)
        if m is not None and not _glue(m):
            if m.kind == "schema":
                return m, kinds
            if m.kind not in _SKIPPED_KINDS:
                return None, set()
            kinds.add(m.kind)
            j = m.end
            continue
        if tokens[j].norm in _AFTER or tokens[j].norm in lx.FILLER:
            j += 1
            continue
        return None, set()
    return None, set()


def _either(
    tokens: list[lx.Token], at: dict[int, Mention], drop: set[int], unknown: set[str]
) -> set[int]:
    """ "either X or Y": "either" adds nothing to "X or Y" when an "or" follows it."""
    found = set()
    for i, tok in enumerate(tokens):
        if tok.norm not in _EITHER or i in at or tok.text not in unknown:
            continue
        rest = [t.norm for n, t in enumerate(tokens[i + 1 :], start=i + 1) if n not in drop]
        if "or" in rest:
            found.add(i)
    return found


def _counted_table(model: SemanticModel, key: str) -> str | None:
    """The table whose rows a count metric counts, or None for another measure."""
    if key.startswith("count:"):
        return key.split(":", 1)[1]
    if key.startswith("countd:"):
        return key.split(":", 1)[1].split(".", 1)[0]
    if key.startswith(("agg:count:", "agg:countd:")):
        return key.split(":", 2)[2].split(".", 1)[0]
    metric = model.metrics.get(key)
    if metric is not None and metric.agg in ("count", "countd"):
        return metric.table
    return None


_PASSIVE_BE = lx.words("is are was were been")


_PAIR_SUBJECT = {"en": lx.words("they"), "es": lx.words("que")}
_PAIR_BEFORE = lx.words("that who which")  # "… planes that they flew"
_PAIR_HAVE = lx.words("have had han habian")
_PAIR_AFTER = lx.words("with in on at for to con en")


def pair_verb(
    model: SemanticModel, tokens: list[lx.Token], mentions: list[Mention], unmapped: list[str]
) -> list[lx.Token] | None:
    """ "the names of pilots and the models of planes they have flown with", "los nombres de
    los pilotos y los modelos de los aviones que volaron": a listing of columns of two tables,
    "and" between them, ended by a clause whose unknown verb says how the rows of the two are
    paired. When exactly one foreign-key path joins the two tables (one key, or one link table
    with a key to each: `one_path`), that join is the verb's and the clause is taken out (the
    listing then has one row per joined row); two paths: None, asked back as before."""
    if not unmapped:
        return None
    at = mentions_by_token(mentions)
    words = [k for k, t in enumerate(tokens) if t.kind != "symbol"]
    if len(words) < 4:
        return None
    end = words[-1]
    k = end - 1 if tokens[end].norm in _PAIR_AFTER and _plain(at, end, "with") else end
    tok = tokens[k]
    if k in at or tok.text not in set(unmapped) or not verb_shaped(tok, k, tokens):
        return None
    j = k - 1
    if j >= 0 and tokens[j].norm in _PAIR_HAVE and _plain(at, j, "exist"):
        j -= 1
    if j < 0 or j in at or tokens[j].norm not in _PAIR_SUBJECT.get(tok.lang, frozenset()):
        return None
    j -= 1
    if j >= 0 and j not in at and tokens[j].norm in _PAIR_BEFORE:
        j -= 1
    right = at.get(j)
    if right is None or right.kind != "schema" or not _names_table(right):
        return None
    conj = [
        n for n in range(right.start) if tokens[n].norm in _CLAUSE_END and _plain(at, n, "conj")
    ]
    if len(conj) != 1:
        return None  # only "<columns of X> and <columns of Y>"
    before = {id(m): m for n, m in at.items() if n < conj[0]}.values()
    lefts = [m for m in before if m.kind == "schema" and _names_table(m)]
    if len(lefts) != 1:
        return None
    mine, theirs = _main_tables(model, lefts[0]), _main_tables(model, right)
    if mine & theirs or not one_path(model, mine, theirs):
        return None
    return [t for n, t in enumerate(tokens) if not j < n <= end]


def _plain(at: dict[int, Mention], n: int, kind: str) -> bool:
    """The token is no catalog word: unread, or read only as the grammar word `kind`."""
    return n not in at or at[n].kind == kind
