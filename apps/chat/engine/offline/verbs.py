"""Verbs of a year: "cars *produced* after 1980", "nations *founded* before 1930", "coches
*fabricados* en 1974".

A verb the catalog does not know, said of an entity and followed by a year or a period, says
when the entity's rows happened; the schema already knows where that is when only one date or
year column can be reached from the entity's table. The verb is then read as that column and
taken out of the question: the time that follows it compares that column (the time stage,
`conditions.year_column`, finds the same one). A verb with two candidate columns (an order's
order, required and shipped dates), after "or" (two filters the plan cannot join by OR), or
not shaped like a verb (a participle or a conjugated form) stays unknown and is asked back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from datachat import text as tx

from ..plan import QueryPlan
from . import lexicon as lx
from .parser import Clarify, Unclear
from .relations import entity_before, verb_shaped
from .scan import Mention, mentions_by_token
from .semantic import CATEGORY_VALUES, SemanticModel

# Inflections that make an unknown word a verb: English participles and third persons,
# Spanish participles, preterites and presents of the third person.
_EN_ENDINGS = ("ed", "en", "ing", "es")
_ES_ENDINGS = (
    "ado", "ada", "ados", "adas", "ido", "ida", "idos", "idas", "aron", "eron", "an", "en",
)  # fmt: skip
_EN_IRREGULAR = lx.words("built made sold born held bought grown")
_WITH = lx.words("with con")
# Between the verb and the year: prepositions, and the year column itself ("in the year of").
_BETWEEN = lx.words("in on at during since from after before until del de en el la the of year")


@dataclass(frozen=True)
class YearVerb:
    verb: str  # as written
    table: str
    column: str  # the one date or year column reachable from the entity


def inflected(word: str, lang: str) -> bool:
    """A participle or a conjugated verb, by its ending (English or Spanish)."""
    if word in _EN_IRREGULAR:
        return True
    if lang != "es" and tx.verb_lemma(word) is not None:  # "taught", "led": WordNet's list
        return True
    if lang == "es":  # the stemmer keeps irregular preterites whole ("produjeron")
        return len(word) > 5 and word.endswith(_ES_ENDINGS)
    return word.endswith(_EN_ENDINGS) and tx.stem(word, lang) != word


def _time_columns(model: SemanticModel, table: str) -> list[tuple[str, str]]:
    info = model.tables.get(table)
    found = []
    for name in info.columns if info else ():
        column = model.column(table, name)
        years = column.kind == "number"  # a text `Year` ('2014') too: `numeric_text`
        year = years and set(tx.identifier_words(name)) & lx.YEAR_COLUMN_WORDS
        if column.kind == "date" or year:
            found.append((table, name))
    return found


def _reachable_time_columns(model: SemanticModel, tables: set[str]) -> set[tuple[str, str]]:
    """The date or year columns of the entity's own tables (a country's independence year),
    else every one of the tables joined to them (a model's cars' year)."""
    found = {ref for table in tables for ref in _time_columns(model, table)}
    if found:
        return found
    for source in tables:
        for table in model.tables:
            if model.path(source, table) is not None:
                found.update(_time_columns(model, table))
    return found


def _time_after(tokens: list[lx.Token], at: dict[int, Mention], i: int) -> bool:
    """A year or a period after the verb, past prepositions ("in the year of 1970")."""
    j = i + 1
    while j < len(tokens):
        m = at.get(j)
        if m is not None and m.kind == "time":
            return True
        if m is not None and m.kind == "cmp":  # "later than 1980"
            after = at.get(m.end)
            return after is not None and after.kind == "time"
        if m is not None and m.kind == "schema" and tokens[j].norm not in _BETWEEN:
            return False
        past = _with_phrase(tokens, at, j)
        if past is not None:  # "produced with 8 cylinders on 1974"
            j = past
            continue
        if tokens[j].norm in _BETWEEN or tokens[j].norm in lx.FILLER:
            j += 1
            continue
        return False
    return False


def _with_phrase(tokens: list[lx.Token], at: dict[int, Mention], j: int) -> int | None:
    """The end of "with 8 cylinders" / "con 8 cilindros" (a number and a column) at j."""
    if tokens[j].norm not in _WITH:
        return None
    number = at.get(j + 1)
    if number is None or number.kind != "number":
        return None
    column = at.get(number.end)
    if column is None or column.kind != "schema" or not column.entries:
        return None
    if any(e.kind != "column" for e in column.entries):
        return None
    return column.end


def _said_after_or(tokens: list[lx.Token], subject: Mention, i: int) -> bool:
    return any(t.norm in lx.OR_WORDS for t in tokens[subject.end : i])


def year_verbs(
    model: SemanticModel, tokens: list[lx.Token], mentions: list[Mention], unmapped: list[str]
) -> tuple[list[lx.Token], tuple[YearVerb, ...]] | None:
    """The tokens without each verb of a year, and what each was read as; None when none."""
    if not unmapped:
        return None
    at = mentions_by_token(mentions)
    unknown = set(unmapped)
    found: dict[int, YearVerb] = {}
    taken: set[int] = set()
    for i, tok in enumerate(tokens):
        if i in at or tok.text not in unknown or not verb_shaped(tok, i, tokens):
            continue
        if not inflected(tok.norm, tok.lang):
            continue
        # "became independent after 1950": a word between that names a time column
        complement = not _time_after(tokens, at, i)
        if complement and not (_one_word_at(tokens, at, i + 1) and _time_after(tokens, at, i + 1)):
            continue
        subject, negated = entity_before(tokens, at, i)
        if subject is None or negated or _said_after_or(tokens, subject, i):
            continue
        tables = {e.ref[0] for e in subject.entries if e.kind in ("table", "column", "metric")}
        tables |= {
            model.metrics[e.ref[0]].table for e in subject.of("metric") if e.ref[0] in model.metrics
        }
        columns = _reachable_time_columns(model, tables & set(model.tables))
        if complement:
            columns = _named_by(tokens[i + 1], columns)
        if len(columns) != 1:
            continue  # none, or several the verb could mean: asked back
        (table, column) = next(iter(columns))
        said = f"{tok.text} {tokens[i + 1].text}" if complement else tok.text
        found[i] = YearVerb(said, table, column)
        if complement:
            taken.add(i + 1)
    if not found:
        return None
    kept: list[lx.Token] = []
    for i, tok in enumerate(tokens):
        if i in taken:  # "became independent" -> the column's words: the time stage reads
            words = tx.identifier_words(found[i - 1].column)  # them when two columns fit
            kept += [replace(tok, text=w, norm=w, key=lx.word_key(w, tok.lang)) for w in words]
        elif i not in found:
            kept.append(tok)
    return kept, tuple(found.values())


def _one_word_at(tokens: list[lx.Token], at: dict[int, Mention], j: int) -> bool:
    """A lower-case word at j that no catalog phrase reads beyond itself."""
    if j >= len(tokens) or tokens[j].kind != "word" or not tokens[j].norm.isalpha():
        return False
    m = at.get(j)
    return (m is None or (m.start, m.end) == (j, j + 1)) and not tokens[j].text[:1].isupper()


def _named_by(word: lx.Token, columns: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The time columns a word after the verb names by a word of theirs it begins with
    ("independent", "independence" ~ `IndepYear`'s "indep"; never a year word itself)."""
    found = set()
    for ref in columns:
        words = [w for w in tx.identifier_words(ref[1]) if w.isalpha() and len(w) >= 4]
        if any(word.norm.startswith(w) for w in words if w not in lx.YEAR_COLUMN_WORDS):
            found.add(ref)
    return found


def check_year_verbs(plan: QueryPlan, verbs: tuple[YearVerb, ...]) -> None:
    """The plan compares the column each verb was read as (the time stage chose the same
    one), or the verb is asked back: the reading must not say a column the SQL does not use."""
    compared = {(n.table, n.column) for n in plan.numeric_filters}
    compared |= {(r.table, r.column) for r in (plan.time_range, *plan.time_periods) if r}
    for verb in verbs:
        if (verb.table, verb.column) not in compared:
            raise Unclear(Clarify.UNMAPPED, verb.verb)


def said(verbs: tuple[YearVerb, ...]) -> str:
    """How the verbs were read, for the answer's interpretation: "produced → Year"."""
    return " · ".join(f"{v.verb} → {v.column}" for v in verbs)


# --- a verb that is a numeric column's own word: "cars *weighing* more than 3000" -------------

# Between the verb and its comparison: "weighing no less than", "that weighed in at most".
_BEFORE_COMPARISON = lx.words("in at a an of")


def _verb_stems(word: str, lang: str) -> set[str]:
    """The stems a verb's column may have: its own ("pesan" ~ "peso") and its -t noun
    ("weigh" ~ "weight")."""
    own = tx.stem(word, lang)
    return {own, own + "t"}


def _named_tables(model: SemanticModel, mentions: list[Mention]) -> set[str]:
    named = {e.ref[0] for m in mentions if m.kind == "schema" for e in m.entries}
    return named & set(model.tables)


def _joined_tables(model: SemanticModel, named: set[str]) -> set[str]:
    return {t for t in model.tables for s in named if t != s and model.path(s, t) is not None}


def _numeric_columns_of_verb(
    model: SemanticModel, tables: set[str], word: str, lang: str
) -> set[tuple[str, str]]:
    stems = _verb_stems(word, lang)
    found = set()
    for table in tables:
        for name in model.tables[table].columns:
            if model.column(table, name).kind != "number":
                continue
            words = tx.identifier_words(name)
            if any(tx.stem(w, lang) in stems for w in words if w.isalpha()):
                found.add((table, name))
    return found


def _comparison_after(tokens: list[lx.Token], at: dict[int, Mention], i: int) -> bool:
    j = i + 1
    while j < len(tokens) and j not in at and tokens[j].norm in _BEFORE_COMPARISON:
        j += 1
    m = at.get(j)
    return m is not None and m.kind == "cmp"


def _after_or(tokens: list[lx.Token], i: int) -> bool:
    return any(t.norm in lx.OR_WORDS for t in tokens[:i])


def column_verbs(
    model: SemanticModel, tokens: list[lx.Token], mentions: list[Mention], unmapped: list[str]
) -> list[lx.Token] | None:
    """ "cars *weighing* more than 3000", "weighed less than 4000": an unknown verb before a
    comparison whose stem is the stem of exactly one numeric column's word, of the tables the
    question names (else of the tables joined to them), is that column: its words replace the
    verb and the comparison rules read the rest. None, two such columns, no comparison after
    it or an "or" before it: the verb stays unknown and is asked back."""
    if not unmapped:
        return None
    at = mentions_by_token(mentions)
    unknown = set(unmapped)
    named = _named_tables(model, mentions)
    joined = _joined_tables(model, named) - named
    swap: dict[int, list[str]] = {}
    for i, tok in enumerate(tokens):
        if i in at or tok.text not in unknown or not verb_shaped(tok, i, tokens):
            continue
        if not _comparison_after(tokens, at, i) or _after_or(tokens, i):
            continue  # after "or": a second condition the plan would AND with the first
        columns = _numeric_columns_of_verb(model, named, tok.norm, tok.lang)
        if not columns:  # none of the named tables': a table joined to them ("models weighing")
            columns = _numeric_columns_of_verb(model, joined, tok.norm, tok.lang)
        if len(columns) == 1:
            (_table, name) = next(iter(columns))
            swap[i] = tx.identifier_words(name)
    if not swap:
        return None
    out: list[lx.Token] = []
    for i, tok in enumerate(tokens):
        if i not in swap:
            out.append(tok)
            continue
        out += [replace(tok, text=w, norm=w, key=lx.word_key(w, tok.lang)) for w in swap[i]]
    return out


_YEAR_WORDS = lx.words("year years")
_YEAR_LINKS = (("in", "which"), ("when",), ("that",), ("which",))
_YEAR_PRONOUNS = lx.words("they it he she")
_YEAR_AUX = lx.words("have has had were was are is been be did do does first")


def year_of_verb(
    model: SemanticModel, tokens: list[lx.Token], mentions: list[Mention], unmapped: list[str]
) -> list[lx.Token] | None:
    """ "sorted by the year they joined", "by the years in which they were founded": "year"
    followed by a pronoun and a verb is the year column whose name says that verb
    (`Year_Join`, `Year_of_Founded`), of the tables the question names (else of the tables
    joined to them): the column's words replace the phrase. No such column, or several: left
    as it is (asked back)."""
    named = _named_tables(model, mentions)
    for i, tok in enumerate(tokens):
        if tok.norm not in _YEAR_WORDS:
            continue
        j = i + 1
        for link in _YEAR_LINKS:
            if tuple(t.norm for t in tokens[j : j + len(link)]) == link:
                j += len(link)
                break
        if j >= len(tokens) or tokens[j].norm not in _YEAR_PRONOUNS:
            continue
        j += 1
        while j < len(tokens) and tokens[j].norm in _YEAR_AUX:
            j += 1
        if j >= len(tokens) or tokens[j].kind != "word":
            continue
        verb = tokens[j]
        columns = _year_columns_of_verb(model, named, verb)
        if not columns:
            columns = _year_columns_of_verb(model, _joined_tables(model, named) - named, verb)
        if len(columns) != 1:
            continue
        (_table, name) = columns.pop()
        words = [
            replace(tok, text=w, norm=w, key=lx.word_key(w, tok.lang))
            for w in tx.identifier_words(name)
        ]
        return [*tokens[:i], *words, *tokens[j + 1 :]]
    return None


def _year_columns_of_verb(model: SemanticModel, tables: set[str], verb: lx.Token) -> set:
    """The columns of `tables` whose names hold "year" and the verb's stem (or its lemma's)."""
    stems = {tx.stem(verb.norm, "en")}
    lemma = tx.verb_lemma(verb.norm)
    if lemma:
        stems.add(tx.stem(lemma, "en"))
    found = set()
    for table in tables:
        info = model.tables.get(table)
        for column in info.columns if info is not None else ():
            words = {tx.stem(w, "en") for w in tx.identifier_words(column)}
            if "year" in words and stems & (words - {"year"}):
                found.add((table, column))
    return found


# --- "the language *predominantly* spoken in Aruba": the top row by a link table's measure ----

_PREDOMINANT = lx.words(
    "predominantly mostly mainly primarily main predominantemente principalmente "
    "mayoritariamente mayormente principal"
)
_POPULAR = lx.words("popular")
_LARGEST = {"en": ("with", "the", "largest"), "es": ("con", "el", "mayor")}


def _entity_values(model: SemanticModel, mentions: list[Mention]) -> set[str]:
    """The tables one of whose rows the question names ("Aruba": a country's name, or a value
    of a column with more values than a category has), not a category ("Asia")."""
    found = set()
    for m in mentions:
        if m.kind != "schema" or m.has("table"):
            continue
        for e in m.of("value"):
            if e.weak and m.text.islower():
                continue  # "is" as a country code: a grammar word
            table, column = e.ref[0], e.ref[1]
            info, sem = model.tables.get(table), model.columns.get((table, column))
            if info is None or sem is None:
                continue
            if info.display == column or len(sem.values) > CATEGORY_VALUES:
                found.add(table)
    return found


def _link_tables(model: SemanticModel, mentions: list[Mention], targets: set[str]) -> set[str]:
    """The named tables that reference one of `targets` directly (a country's languages)."""
    named = {
        e.ref[0]
        for m in mentions
        if m.kind == "schema"
        for e in m.entries
        if e.kind in ("table", "column", "value")
    }
    found = set()
    for table in named - targets:
        for target in targets:
            path = model.path(table, target)
            if path and len(path) == 1 and path[0][0] == table:
                found.add(table)
    return found


def _measures(model: SemanticModel, table: str) -> list[str]:
    """The numeric columns of a table that measure its rows: no key, id or yes/no flag."""
    info = model.tables[table]
    found = []
    for name in info.columns:
        sem = model.column(table, name)
        if sem.kind == "number" and not sem.flag and name not in info.key:
            found.append(name)
    return found


def _predominant_at(tokens: list[lx.Token], at: dict[int, Mention], unknown: set[str]) -> set[int]:
    """Where "predominantly", "mostly", "main" or "the most popular" is said (not known)."""
    for i, tok in enumerate(tokens):
        if i in at or tok.text not in unknown:
            continue
        if tok.norm in _PREDOMINANT:
            return {i}
        before = at.get(i - 1)
        if tok.norm in _POPULAR and before is not None and before.kind == "most":
            return {*range(before.start, before.end), i}
    return set()


def predominant_rows(
    model: SemanticModel, tokens: list[lx.Token], mentions: list[Mention], unmapped: list[str]
) -> list[lx.Token] | None:
    """ "What language is predominantly spoken in Aruba?", "Which language is the most popular
    in Aruba?", "¿Qué idioma se habla principalmente en Aruba?": the row of a link table (a
    country's languages) with the largest value of its one measure (the percentage), for the
    one row of the table it references that the question names. The words are replaced by
    "with the largest <measure>" at the end, which the superlative rules read. Not when the
    value is a category ("the most popular language in Asia" counts countries), the link table
    has several measures, or no or several link tables are named: asked back."""
    if not unmapped:
        return None
    at = mentions_by_token(mentions)
    said = _predominant_at(tokens, at, set(unmapped))
    if not said:
        return None
    links = _link_tables(model, mentions, _entity_values(model, mentions))
    if len(links) != 1:
        return None
    measures = _measures(model, next(iter(links)))
    if len(measures) != 1:
        return None
    seed = tokens[min(said)]
    lang = seed.lang if seed.lang in _LARGEST else "en"
    words = (*_LARGEST[lang], *tx.identifier_words(measures[0]))
    kept = [tok for i, tok in enumerate(tokens) if i not in said]
    end = len(kept)
    while end > 0 and kept[end - 1].kind == "symbol":
        end -= 1
    added = [replace(seed, text=w, norm=w, key=lx.word_key(w, lang)) for w in words]
    return [*kept[:end], *added, *kept[end:]]


# --- "the film that is *rented most often*": the entity with the most rows the verb names ----

_OFTEN = lx.words("often frequently")
_RANK_KINDS = frozenset({"most", "least"})


def _rows_named_by_verb(model: SemanticModel, word: str, lang: str) -> set[str]:
    """The tables one of whose name's words begins with the verb's stem ("rent" → `rental`)."""
    stem = tx.stem(word, lang)
    if len(stem) < 3:
        return set()
    return {
        table
        for table in model.tables
        if any(w.startswith(stem) for w in tx.identifier_words(table) if w.isalpha())
    }


def _rank_after(tokens: list[lx.Token], at: dict[int, Mention], i: int) -> int | None:
    """The end of "(the) most (often|frequently)" right after the verb, when it ends the clause,
    or None."""
    j = i + 1
    if j < len(tokens) and j not in at and tokens[j].norm in ("the", "el", "la"):
        j += 1
    m = at.get(j)
    if m is None or m.kind not in _RANK_KINDS:
        return None
    j = m.end
    if j < len(tokens) and j not in at and tokens[j].norm in _OFTEN:
        j += 1
    rest = [t for t in tokens[j:] if t.kind != "symbol"]
    if rest and not (rest[0].start - tokens[j - 1].end > 1 and rest[0].text[:1].isupper()):
        return None  # more words in the clause: not this shape
    return j


def frequency_verbs(
    model: SemanticModel, tokens: list[lx.Token], mentions: list[Mention], unmapped: list[str]
) -> list[lx.Token] | None:
    """ "the item in the inventory which was rented most frequently", "the film that is rented
    the most often": an unknown verb whose stem begins the name of exactly one table (rent →
    `rental`), said of an entity that table is joined to, and followed by "(the) most|least
    (often|frequently)" at the end of its clause, is "with the most <that table>": the entity
    ranked by how many of those rows it has. A negated verb, no such table or several are left
    unknown (asked back)."""
    if not unmapped:
        return None
    at = mentions_by_token(mentions)
    unknown = set(unmapped)
    for i, tok in enumerate(tokens):
        if i in at or tok.text not in unknown or not verb_shaped(tok, i, tokens):
            continue
        if not inflected(tok.norm, tok.lang):
            continue
        end = _rank_after(tokens, at, i)
        if end is None:
            continue
        subject, negated = entity_before(tokens, at, i)
        if subject is None or negated:
            continue
        own = {e.ref[0] for e in subject.entries if e.kind in ("table", "column")}
        tables = _rows_named_by_verb(model, tok.norm, tok.lang) - own
        if len(tables) != 1:
            continue
        (table,) = tables
        if not any(model.path(s, table) for s in own):
            continue
        rank = at[i + 1] if i + 1 in at else at[i + 2]
        lang = tok.lang if tok.lang in ("en", "es") else "en"
        words = ["with" if lang == "en" else "con"]
        words += [t.text for t in tokens[rank.start : rank.end]]
        words += tx.identifier_words(table)
        said = [
            replace(tok, text=w, norm=lx.fold(w), key=lx.word_key(lx.fold(w), lang)) for w in words
        ]
        return [*tokens[:i], *said, *tokens[end:]]
    return None


# --- "How many transcripts are *released*?": a participle that only says the rows exist ------

_BE = lx.words("is are was were")
_THERE = "there"


def _schema_says_verb(model: SemanticModel, word: str) -> bool:
    """Whether a table or column of the schema is named by the verb: a word of its name with
    the verb's stem or its base form's ("hired" ~ `hiring`, "shipped" ~ `shipped_date`)."""
    stems = {tx.stem(word, "en")}
    lemma = tx.verb_lemma(word)
    if lemma:
        stems.add(tx.stem(lemma, "en"))
    for table, info in model.tables.items():
        for name in (table, *info.columns):
            if stems & {tx.stem(w, "en") for w in tx.identifier_words(name) if w.isalpha()}:
                return True
    return False


def _names_column(mention: Mention) -> bool:
    """A column said by its own name ("different languages" of a `Language` column, "degree
    names" of the one column the phrase names): distinct values, not distinct rows."""
    said = {tx.stem(w, "en") for w in tx.identifier_words(mention.text) if w.isalpha()}
    columns = mention.of("column")
    if len(columns) == 1 and not mention.has("table"):
        return True
    own = [
        e for e in columns
        if {tx.stem(w, "en") for w in tx.identifier_words(e.ref[1]) if w.isalpha()} == said
    ]  # fmt: skip
    return len(own) == 1


def _counted_subject(tokens: list[lx.Token], at: dict[int, Mention], end: int) -> Mention | None:
    """The table or column counted right before "are" ("how many [different] transcripts"):
    a count word, then an optional distinct word, then the catalog mention ending at `end`."""
    subject = next((m for m in at.values() if m.end == end and m.kind == "schema"), None)
    if subject is None or not subject.entries:
        return None
    if any(e.kind not in ("table", "column") for e in subject.entries):
        return None
    before = at.get(subject.start - 1)
    distinct = before is not None and before.kind == "distinct"
    if distinct:
        if not _names_column(subject):  # "how many different degrees": rows or names?
            return None
        before = at.get(before.start - 1)
    if before is None or before.kind != "count":
        return None
    if any(j in at or tokens[j].norm not in lx.STOPWORDS for j in range(before.start)):
        return None  # only "how many …" opens the question
    return subject


def existence_verbs(
    model: SemanticModel, tokens: list[lx.Token], mentions: list[Mention], unmapped: list[str]
) -> list[lx.Token] | None:
    """ "How many transcripts are *released*?", "How many different degree names are
    *offered*?", "How many unique languages are *spoken* (in the world)?": a past participle
    that ends the question right after "is/are/was/were", said of the rows a count opens with,
    says no more than that those rows exist ("are there"), as "listed" does. Only when no
    table or column of the schema is named by the verb (a `release_date`, a `hiring` table
    would be what it means); negated, followed by an agent or a place, or of a table counted
    as "different" rows (its rows or its names?), it stays unknown and is asked back."""
    if not unmapped:
        return None
    from .relations import _last_word

    at = mentions_by_token(mentions)
    unknown = set(unmapped)
    for i, tok in enumerate(tokens):
        if i < 3 or i in at or tok.text not in unknown or tok.lang != "en":
            continue
        if not verb_shaped(tok, i, tokens) or not _last_word(tokens, i):
            continue
        if not (tok.norm.endswith(("ed", "en")) or tx.verb_lemma(tok.norm) is not None):
            continue
        if tokens[i - 1].norm not in _BE or i - 1 in at:
            continue
        if _counted_subject(tokens, at, i - 1) is None or _schema_says_verb(model, tok.norm):
            continue
        there = replace(tok, text=_THERE, norm=_THERE, key=lx.word_key(_THERE, "en"))
        return [*tokens[:i], there, *tokens[i + 1 :]]
    return None


# --- "journalists who have not *reported* any event": a verb that names the link table -------

_PERFECT = lx.words("have has had")
_DETERMINERS = lx.words("any a an the")


def _references(model: SemanticModel, table: str) -> set[str]:
    return {fk.ref_table for fk in model.catalog.foreign_keys if fk.table == table}


def _link_between(model: SemanticModel, left: str, right: str) -> str | None:
    """The one table with a foreign key to each of two tables (a `news_report` of journalists
    and events), or None."""
    links = [
        t for t in model.tables
        if t not in (left, right) and {left, right} <= _references(model, t)
    ]  # fmt: skip
    return links[0] if len(links) == 1 else None


def _one_table(mention: Mention | None) -> str | None:
    if mention is None or mention.kind != "schema":
        return None
    tables = {e.ref[0] for e in mention.of("table")}
    best = max((e.quality for e in mention.entries), default=0)
    if len(tables) != 1 or not any(
        e.kind == "table" and e.quality == best for e in mention.entries
    ):
        return None
    return next(iter(tables))


def link_verbs(
    model: SemanticModel, tokens: list[lx.Token], mentions: list[Mention], unmapped: list[str]
) -> list[lx.Token] | None:
    """ "journalists who have not *reported* any event": a participle after "have/has/had"
    that the catalog reads as the link table between the entity before it and the one after it
    (`news_report`, with a key to `journalist` and one to `event`) says that join and no more:
    it is taken out ("journalists who have not any event"), and the rows with (or without)
    related rows are read as they are without it. Only when exactly one table links the two
    and the word names no other table."""
    at = mentions_by_token(mentions)
    for i, tok in enumerate(tokens):
        verb = at.get(i)
        if verb is None or verb.kind != "schema" or (verb.start, verb.end) != (i, i + 1):
            continue
        if tok.lang != "en" or not tok.norm.endswith("ed") or tok.text[:1].isupper():
            continue
        j = i - 1
        while j >= 0 and j not in at and tokens[j].norm in lx.STOPWORDS | {"not", "never"}:
            j -= 1
        neg = at.get(j)
        if neg is not None and neg.kind == "neg":
            j = neg.start - 1
        have = at.get(j)
        if have is None or have.kind != "exist" or lx.fold(have.text) not in _PERFECT:
            continue
        k = j - 1
        while k >= 0 and k not in at and tokens[k].norm in lx.STOPWORDS:
            k -= 1
        left = _one_table(at.get(k))
        n = i + 1
        while n < len(tokens) and n not in at and tokens[n].norm in _DETERMINERS:
            n += 1
        right = _one_table(at.get(n))
        if left is None or right is None or left == right:
            continue
        link = _link_between(model, left, right)
        if link is None or {e.ref[0] for e in verb.entries} - {left, right, link}:
            continue
        if link not in {e.ref[0] for e in verb.of("table")}:
            continue
        return [*tokens[:i], *tokens[i + 1 :]]
    return None


# The nouns of a participation phrase said between a verb and a count ("played *a role* in more
# than 30 films", "had *roles* in", "took *part* in", "tuvieron *papeles* en").
_ROLE_NOUNS = lx.words("role roles part parts papel papeles parte")
_ROLE_WORDS = _ROLE_NOUNS | lx.words("a an un una")


def role_words(tokens: list[lx.Token], gap: list[int]) -> set[int]:
    """The positions in `gap` of a participation phrase's noun and its article, when one
    other word of the gap is said before them ("played a role in"): they say no more than the
    verb does."""
    nouns = [n for n in gap if tokens[n].norm in _ROLE_WORDS]
    if not nouns or not any(tokens[n].norm not in _ROLE_WORDS for n in gap if n < nouns[0]):
        return set()
    if not any(tokens[n].norm in _ROLE_NOUNS for n in nouns):
        return set()
    return set(nouns)


def participle_column(tokens: list[lx.Token], mention: Mention, lang: str) -> bool:
    """ "cities that have *hosted* more than one competition": one inflected word the catalog
    reads as a column word (`Hosts`, `Host_city_ID`), right after "have/has/had" or a relative
    pronoun, is a verb, not the column."""
    if mention.kind != "schema" or mention.end - mention.start != 1 or mention.has("table"):
        return False
    if mention.has("value") or mention.has("metric") or mention.start < 1:
        return False
    word = tokens[mention.start]
    if not verb_shaped(word, mention.start, tokens) or not inflected(word.norm, lang):
        return False
    return tokens[mention.start - 1].norm in _PERFECT | lx.words("that who which")


def one_link_table(model: SemanticModel, entity: set[str], counted: set[str]) -> bool:
    """The entity's rows and the counted rows are joined by exactly one table with a key to
    each (an actor's films through `film_actor`), and by no key of their own."""
    if len(entity) != 1 or len(counted) != 1:
        return False
    left, right = next(iter(entity)), next(iter(counted))
    if left == right or right in _references(model, left) or left in _references(model, right):
        return False
    return _link_between(model, left, right) is not None
