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
from .semantic import GLOSS, Entry, SemanticModel
from .typos import KNOWN_WORDS

_NAMED_KINDS = frozenset({"table", "column", "metric"})


def _catalog_phrase(model: SemanticModel, phrase: str, lang: str) -> tuple[str, frozenset] | None:
    """(key, refs) when `phrase` names tables, columns or metrics of the catalog by a name, a
    steward's synonym or a gloss of a name; None otherwise."""
    if all(lx.fold(w) in lx.STOPWORDS or lx.fold(w) in lx.FILLER for w in phrase.split()):
        return None
    key = lx.phrase_key(phrase, lang)
    if not key:
        return None
    entries: tuple[Entry, ...] = model.lookup(key, lang) or ()
    named = [e for e in entries if e.kind in _NAMED_KINDS and e.quality >= GLOSS]
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
    model: SemanticModel, token: Token, tables: frozenset[str]
) -> tuple[str, str, str] | None:
    """(norm, key, phrase said back) for an unknown noun whose synonyms name one catalog
    phrase, else None."""
    word = token.norm
    if token.kind != "word" or not word.isalpha() or len(word) < 3:
        return None
    if word in lx.STOPWORDS or word in lx.FILLER or word in KNOWN_WORDS:
        return None
    lang = token.lang if token.lang in model.phrases else "es"
    reached: dict[frozenset, tuple[str, str]] = {}
    heads: set[frozenset] = set()
    for phrase in tx.synonyms(word, lang):
        found = _catalog_phrase(model, phrase, lang)
        if found is not None and _in_context(found[1], tables):
            key, refs = found
            reached.setdefault(refs, (key, phrase))
        elif found is None and (head := _head_table(model, phrase, lang)) is not None:
            heads.add(head)
    if len(reached) != 1:
        return None  # none, or two meanings the catalog tells apart: ask, naming the word
    if any(not head & refs for head in heads for refs in reached):
        return None  # "curriculum": a program, or a course (of study)? Ask, naming the word
    key, phrase = next(iter(reached.values()))
    norm = phrase.replace(" ", "_")
    if " " not in phrase and tx.is_plural(word, lang) and not tx.is_plural(phrase, lang):
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


def read_synonyms(
    model: SemanticModel, tokens: list[Token], mentions: list[Mention], unmapped: list[str]
) -> tuple[list[Token], list[tuple[str, str]]]:
    """Tokens with each unknown noun read as the one catalog phrase its synonyms name, and
    (written, read as) for each, to be said with the answer."""
    if not unmapped:
        return tokens, []
    wanted = set(unmapped)
    tables = frozenset().union(*(_table_of(m) for m in mentions))
    out: list[Token] = []
    made: list[tuple[str, str]] = []
    for token in tokens:
        found = _reading(model, token, tables) if token.text in wanted else None
        if found is None:
            out.append(token)
            continue
        norm, key, phrase = found
        out.append(replace(token, norm=norm, key=key))
        made.append((token.text, phrase))
    return out, made
