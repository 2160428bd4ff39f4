"""Unknown nouns read through a general thesaurus ("automobiles" -> `cars`, "forename" ->
`first_name`, "nations" -> `country`).

Only words the scanner left unmapped are candidates, so a synonym never overrides a catalog
name, a steward's synonym or a grammar word. A word is read as a catalog phrase when its
thesaurus synonyms (`datachat.text.synonyms`, every sense) reach exactly one catalog phrase
that names a table, a column or a metric (never a value: a value is data, not vocabulary).
Synonyms that reach two different phrases leave the word unknown, so it is asked back by
name, as are words the thesaurus does not hold. A column is reached only when its table is
already in the question (named, or one of its columns or values): "the forename of the
actors" is `actor.first_name`, but "the territory of the countries" is not `city.district`,
a column of a table the question never spoke of (a thesaurus knows words, not this data).
The reading is returned so the answer says it ("automobiles → car").
"""

from __future__ import annotations

from dataclasses import replace

from datachat import text as tx

from . import lexicon as lx
from .lexicon import Token
from .scan import Mention
from .semantic import GLOSS, PARTIAL, Entry, SemanticModel
from .typos import KNOWN_WORDS

_NAMED_KINDS = frozenset({"table", "column", "metric"})


def _catalog_phrase(model: SemanticModel, phrase: str, lang: str) -> tuple[str, frozenset] | None:
    """(key, refs) when `phrase` names tables, columns or metrics of the catalog by a name, a
    steward's synonym or a gloss of a name, or is a word of one column's name; None
    otherwise."""
    if all(lx.fold(w) in lx.STOPWORDS or lx.fold(w) in lx.FILLER for w in phrase.split()):
        return None
    key = lx.phrase_key(phrase, lang)
    if not key:
        return None
    entries: tuple[Entry, ...] = model.lookup(key, lang) or ()
    named = [e for e in entries if e.kind in _NAMED_KINDS and e.quality >= GLOSS]
    if not named and len(entries) == 1 and entries[0].kind == "column":
        # a word of one column's name ("lifespan" -> "life" of `LifeExpectancy`): that column,
        # when its table is in the question (`_in_context`)
        named = list(entries)
    if not named or any(e.kind == "value" for e in entries):
        return None  # a phrase that is also a value of the data: unsure
    return key, frozenset((e.kind, e.ref) for e in named)


def _plural_en(noun: str) -> str:
    """The regular English plural ("country" -> "countries"): the form a plural table name has,
    so the synonym of a plural reads as the name said ("States" -> `countries`)."""
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    return noun + ("es" if noun.endswith(("s", "x", "z", "ch", "sh")) else "s")


def _reading(
    model: SemanticModel,
    token: Token,
    tables: frozenset[str],
    said: str | None = None,
    named: frozenset = frozenset(),
) -> tuple[str, str, str] | None:
    """(norm, key, phrase said back) for an unknown noun whose synonyms name one catalog
    phrase, else None. `said` is a noun of several words the token begins ("family names");
    `named` the (kind, ref) the word already names, never its reading ("government" of
    `GovernmentForm` is not read as "governing", a gloss of the same column)."""
    word = said or token.norm
    if token.kind != "word" or not word.replace(" ", "").isalpha() or len(word) < 3:
        return None
    if word in lx.STOPWORDS or word in lx.FILLER or word in KNOWN_WORDS:
        return None
    lang = token.lang if token.lang in model.phrases else "es"
    whole: dict[frozenset, tuple[str, str]] = {}
    partial: dict[frozenset, tuple[str, str]] = {}
    heads: set[frozenset] = set()
    for phrase in tx.synonyms(word, lang):
        found = _catalog_phrase(model, phrase, lang)
        if found is not None and _in_context(found[1], tables) and not found[1] & named:
            key, refs = found
            fragment = all(e.quality < GLOSS for e in model.lookup(key, lang) or ())
            (partial if fragment else whole).setdefault(refs, (key, phrase))
        elif found is None and (head := _head_table(model, phrase, lang)) is not None:
            heads.add(head)
    # a synonym naming a whole name ("nations" -> "country") is stronger than one naming a
    # word of a column's name ("state" of `HeadOfState`): the words of names only count alone
    reached = whole or partial
    if len(reached) != 1:
        return None  # none, or two meanings the catalog tells apart: ask, naming the word
    if any(not head & refs for head in heads for refs in reached):
        return None  # "curriculum": a program, or a course (of study)? Ask, naming the word
    key, phrase = next(iter(reached.values()))
    norm = phrase.replace(" ", "_")
    last = word.rsplit(" ", 1)[-1]
    if " " not in phrase and tx.is_plural(last, lang) and not tx.is_plural(phrase, lang):
        norm = _plural_en(phrase)
    return norm, key, phrase


def _head_table(model: SemanticModel, phrase: str, lang: str) -> frozenset | None:
    """The table a multi-word synonym's head noun names ("course" of "course of study"), as
    refs like `_catalog_phrase`'s; None for one word or a head naming no table. Such a
    synonym does not make a reading, but it makes another one unsure."""
    words = phrase.split()
    if len(words) < 2:
        return None
    head = words[0] if "of" in words or "de" in words else words[-1]
    found = _catalog_phrase(model, head, lang)
    tables = frozenset(r for r in found[1] if r[0] == "table") if found is not None else ()
    return tables or None


def _in_context(refs: frozenset, tables: frozenset[str]) -> bool:
    """Whether a reading names a table or metric, or a column of a table the question has."""
    return any(kind != "column" or ref[0] in tables for kind, ref in refs)


def _table_of(mention: Mention) -> frozenset[str]:
    """The one table a schema mention is of ("actors", "the Caribbean"); none for a word of
    several tables ("name" is the label of each)."""
    if mention.kind != "schema":
        return frozenset()
    tables = frozenset(e.ref[0] for e in mention.entries if e.kind in ("table", "column", "value"))
    return tables if len(tables) == 1 else frozenset()


def _modifier_only(mention: Mention, tokens: list[Token]) -> bool:
    """Whether a one-word mention names nothing but a modifier inside column names: "state"
    in `HeadOfState`, "life" in `LifeExpectancy`, where the name's head ("head", "expectancy")
    says what the column is. Such a word is no name of the column, so the thesaurus may read
    it ("States" -> `country`). The head of an English name is its last word, or the word
    before "of"; a head ("area" of `SurfaceArea`) keeps its column."""
    if mention.kind != "schema" or mention.end - mention.start != 1 or not mention.entries:
        return False
    token = tokens[mention.start]
    for entry in mention.entries:
        if entry.kind != "column" or entry.quality != PARTIAL:
            return False
        words = tx.identifier_words(str(entry.ref[1]))
        head = words[words.index("of") - 1] if "of" in words[1:] else words[-1]
        if lx.stem(head, token.lang) == token.key:
            return False
    return True


def _lower_value(mention: Mention, tokens: list[Token]) -> bool:
    """Whether a one-word mention is only a value of the data, written in lower case."""
    return (
        mention.kind == "schema"
        and mention.end - mention.start == 1
        and bool(mention.entries)
        and all(e.kind == "value" for e in mention.entries)
        and tokens[mention.start].text.islower()
    )


def read_synonyms(
    model: SemanticModel, tokens: list[Token], mentions: list[Mention], unmapped: list[str]
) -> tuple[list[Token], list[tuple[str, str]]]:
    """Tokens with each unknown noun read as the one catalog phrase its synonyms name, and
    (written, read as) for each, to be said with the answer. A word and the next are read
    together first when they are one noun of the thesaurus ("family names" -> `last_name`),
    and a word naming only a modifier of column names is read as well (`_modifier_only`)."""
    modifiers = {
        m.start: frozenset((e.kind, e.ref) for e in m.entries)
        for m in mentions
        if _modifier_only(m, tokens)
    }
    # a lower-case value opening a noun of two words: "family names" is not the category
    # 'Family' (read together only: alone the value stays)
    openers = {m.start for m in mentions if _lower_value(m, tokens)}
    if not unmapped and not modifiers and not openers:
        return tokens, []
    wanted = set(unmapped)
    tables = frozenset().union(
        *(_table_of(m) for m in mentions if m.start not in modifiers and m.start not in openers)
    )
    out: list[Token] = []
    made: list[tuple[str, str]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        found = None
        single = token.text in wanted or i in modifiers
        if single or i in openers:
            after = tokens[i + 1] if i + 1 < len(tokens) else None
            if after is not None and after.kind == "word":
                found = _reading(model, token, tables, f"{token.norm} {after.norm}")
            if found is not None:  # one noun of two words: one token
                token = replace(token, text=f"{token.text} {after.text}", end=after.end)
                i += 1
            elif single:
                found = _reading(model, token, tables, named=modifiers.get(i, frozenset()))
        i += 1
        if found is None:
            out.append(token)
            continue
        norm, key, phrase = found
        out.append(replace(token, norm=norm, key=key))
        made.append((token.text, phrase))
    return out, made


# Spanish adjectives of nationality in NAME_GLOSS by their masculine singular ("frances"):
# the feminine and plural forms end so ("francesa", "franceses", "alemanas", "brasileña").
_ES_ENDINGS = (("", ""), ("a", ""), ("as", ""), ("es", ""), ("s", ""), ("a", "o"), ("as", "o"))


def _nationality_words(token: Token) -> list[str]:
    """The English adjectives an unknown word may be: itself in English, the English names of
    a Spanish adjective of nationality (`lexicon.NAME_GLOSS`: "francesa" -> "french")."""
    if token.lang == "en":
        return [token.norm]
    found: list[str] = []
    for end, becomes in _ES_ENDINGS:
        if end and not token.norm.endswith(end):
            continue
        base = token.norm[: len(token.norm) - len(end)] + becomes
        found += [en for en in lx.NAME_GLOSS.get(base, ()) if " " not in en and en not in found]
    return found


def demonym_values(
    model: SemanticModel, tokens: list[Token], mentions: list[Mention], unmapped: list[str]
) -> list[Token] | None:
    """ "French singers", "cantantes francesas": an unknown adjective of a place is read as the
    one stored value it pertains to (WordNet's pertainyms: "French" -> France, "Brazilian" ->
    Brazil), when exactly one value of the data is one of those nouns. Only words the scan left
    unmapped; a value of a masked column is not in the caller's catalog, so it is never
    reached. None when nothing was rewritten (two values reached leave the word unknown)."""
    unknown = set(unmapped)
    for i, tok in enumerate(tokens):
        if tok.kind != "word" or tok.text not in unknown:
            continue
        values: set[str] = set()
        for adjective in _nationality_words(tok):
            for noun in tx.pertainym_nouns(adjective):
                key = lx.phrase_key(noun, tok.lang)
                entries = model.lookup(key, tok.lang) if key else None
                if not entries or any(e.kind != "value" for e in entries):
                    continue
                values |= {
                    str(e.ref[2]) for e in entries if lx.fold(str(e.ref[2])) == lx.fold(noun)
                }
        if len(values) != 1:
            continue
        (value,) = values
        made = [replace(t, start=tok.start, end=tok.end) for t in lx.tokenize(value, tok.lang)]
        return [*tokens[:i], *made, *tokens[i + 1 :]]
    return None
