"""Unknown nouns read through a general thesaurus ("automobiles" -> `cars`, "forename" ->
`first_name`, "nations" -> `country`).

Only words the scanner left unmapped are candidates, so a synonym never overrides a catalog
name, a steward's synonym or a grammar word. A word is read as a catalog phrase when its
thesaurus synonyms (`datachat.text.synonyms`, every sense) reach exactly one catalog phrase
that names a table, a column or a metric (never a value: a value is data, not vocabulary).
Synonyms that reach two different phrases leave the word unknown, so it is asked back by
name, as are words the thesaurus does not hold. The reading is returned so the answer says it
("automobiles → car").
"""

from __future__ import annotations

from dataclasses import replace

from datachat import text as tx

from . import lexicon as lx
from .lexicon import Token
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


def _reading(model: SemanticModel, token: Token) -> tuple[str, str, str] | None:
    """(norm, key, phrase said back) for an unknown noun whose synonyms name one catalog
    phrase, else None."""
    word = token.norm
    if token.kind != "word" or not word.isalpha() or len(word) < 3:
        return None
    if word in lx.STOPWORDS or word in lx.FILLER or word in KNOWN_WORDS:
        return None
    lang = token.lang if token.lang in model.phrases else "es"
    reached: dict[frozenset, tuple[str, str]] = {}
    for phrase in tx.synonyms(word, lang):
        found = _catalog_phrase(model, phrase, lang)
        if found is not None:
            key, refs = found
            reached.setdefault(refs, (key, phrase))
    if len(reached) != 1:
        return None  # none, or two meanings the catalog tells apart: ask, naming the word
    key, phrase = next(iter(reached.values()))
    norm = phrase.replace(" ", "_")
    if " " not in phrase and tx.is_plural(word, lang) and not tx.is_plural(phrase, lang):
        norm = phrase + ("es" if phrase.endswith(("s", "x", "ch", "sh")) else "s")
    return norm, key, phrase


def read_synonyms(
    model: SemanticModel, tokens: list[Token], unmapped: list[str]
) -> tuple[list[Token], list[tuple[str, str]]]:
    """Tokens with each unknown noun read as the one catalog phrase its synonyms name, and
    (written, read as) for each, to be said with the answer."""
    if not unmapped:
        return tokens, []
    wanted = set(unmapped)
    out: list[Token] = []
    made: list[tuple[str, str]] = []
    for token in tokens:
        found = _reading(model, token) if token.text in wanted else None
        if found is None:
            out.append(token)
            continue
        norm, key, phrase = found
        out.append(replace(token, norm=norm, key=key))
        made.append((token.text, phrase))
    return out, made
