"""Quoted text in a question: a text pattern ("names that contain 'a'", "que empiecen por
'Ch'") becomes a LIKE filter (issue 13 §6); a quoted value is left to the catalog's values.

One rewrite stage before the scan: the pattern phrase and its quoted text are taken out of the
tokens (they would otherwise be read as words, or dropped as stopwords like "a"), and the
filter is added to the plan once its table is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from datachat import text as tx

from ..plan import Filter, QueryPlan
from . import lexicon as lx
from .parser import Context
from .scan import scan
from .semantic import SemanticModel

# The words before a quoted string that make it a pattern, and the LIKE shape each gives.
_SHAPES: dict[tuple[str, ...], str] = {}
for _phrase, _shape in (
    (
        "contain | contains | containing | contained | include | includes | including | "
        "has | have | having | with | like | contiene | contienen | contenga | contengan | "
        "incluye | incluyen | incluya | incluyan | tiene | tienen | tenga | tengan | con | "
        "lleva | llevan | the letter | the letters | the word | la letra | las letras | "
        "la palabra | the substring | la subcadena | with the letter | with the letters | "
        "with the word | with the substring | con la letra | con las letras | "
        "con la palabra | con la subcadena | substring | a substring | the string | a string | "
        "the text | una subcadena | subcadena | la cadena | una cadena | el texto",
        "%{}%",
    ),
    (
        "start with | starts with | starting with | begin with | begins with | beginning with | "
        "empieza por | empiezan por | empiece por | empiecen por | empieza con | empiezan con | "
        "comienza por | comienzan por | comience por | comiencen por | comienza con | "
        "comienzan con",
        "{}%",
    ),
    (
        "end with | ends with | ending with | termina en | terminan en | termine en | "
        "terminen en | termina con | terminan con",
        "%{}",
    ),
):
    for _words in lx.phrases(_phrase):
        _SHAPES[tuple(_words.split())] = _shape
_MAX = max(len(k) for k in _SHAPES)
# The nouns of a pattern ("the word 'x'"): after a verb of one ("start with"), the verb's shape.
_NOUN_PHRASES = {
    tuple(w.split())
    for w in lx.phrases(
        "the letter | the letters | the word | the substring | la letra | las letras | "
        "la palabra | la subcadena | substring | a substring | the string | a string | "
        "the text | una subcadena | subcadena | la cadena | una cadena | el texto"
    )
}
# The nouns after which one unquoted word is the pattern ("whose name has the word computer",
# "cuyo nombre tiene la palabra ciencia"): a letter or a word, never a phrase.
_BARE_NOUNS = {
    tuple(w.split())
    for w in lx.phrases(
        "the word | the substring | a substring | substring | the string | la palabra | "
        "la subcadena | una subcadena | subcadena | la cadena"
    )
}
_BARE_MAX = max(len(k) for k in _BARE_NOUNS)
_ARTICLES = lx.words("the a an el la los las un una")
# What may follow the unquoted word: the end of the question, or "in <column>".
_BARE_AFTER = lx.words("in en")
# Relative words between the noun a pattern is said of and the pattern ("names that contain").
_RELATIVES = lx.words("that which who whose where que cuyo cuya cuyos cuyas donde")
_IN_THE_NAME = {
    (a, b, c)
    for a, bs, cs in (
        ("in", ("their", "its", "the", "his", "her"), ("name", "names", "title", "titles")),
        ("en", ("su", "sus", "el", "los"), ("nombre", "nombres", "titulo", "titulos")),
    )
    for b in bs
    for c in cs
}
# An opening quote after a space or start, a closing one before a non-letter: not an apostrophe.
_QUOTED = re.compile(r"(?:(?<=^)|(?<=[\s(¿¡:,]))['\"“‘«]([^'\"”’»]{1,60})['\"”’»](?![A-Za-z])")


# "'Deleted Scenes' as a substring in the special features (section)": the column said after
# the pattern, with the words around it that add nothing.
_AS_PART = {
    ("as", "a", "substring"),
    ("as", "substring"),
    ("as", "part", "of"),
    ("as", "a", "part"),
    ("como", "subcadena"),
    ("como", "una", "subcadena"),
    ("como", "parte", "de"),
    ("como", "parte"),
}
_IN = lx.words("in en within dentro")
_DETERMINERS = lx.words("the their its his her su sus el la los las del")
_COLUMN_NOUNS = lx.words(
    "section field column part attribute entry campo columna seccion apartado atributo"
)


@dataclass(frozen=True)
class Pattern:
    like: str  # the LIKE pattern, e.g. "%a%"
    after: int  # character offset where the word before the pattern phrase ends (-1: none)
    text: str  # as written
    columns: tuple[tuple[str, str], ...] = ()  # the text columns named right after it


def take_patterns(
    question: str, tokens: list[lx.Token], model: SemanticModel | None = None
) -> tuple[list[lx.Token], list[Pattern]]:
    """(tokens without the pattern phrases and their quoted text, the patterns found). With
    the model, a text column named after the pattern ("'x' in the notes") is its column."""
    clean = tx.plain_quotes(question)
    spans = [(m.start(), m.end(), m.group(1)) for m in _QUOTED.finditer(clean)]
    spans = sorted(spans + _unquoted(clean, tokens, spans))
    if not spans:
        return tokens, []
    out: list[lx.Token] = []
    found: list[Pattern] = []
    i = 0
    for start, end, literal in spans:
        inside = [n for n, t in enumerate(tokens) if t.start >= start and t.end <= end]
        if not inside or inside[0] < i:
            continue
        first = inside[0]
        shape = None
        for n in range(min(_MAX, first - i), 0, -1):
            words = tuple(t.norm for t in tokens[first - n : first])
            if words in _SHAPES:
                shape, cut = _SHAPES[words], first - n
                break
        if shape is None:
            continue  # a quoted value ('Germany'): the catalog's values read it
        if not _escape(literal):
            continue  # "starts with the letter '%'": no letter left, never LIKE '%' (every row)
        shape, cut = _verb_before_noun(tokens, i, cut, first, shape)
        out += tokens[i:cut]
        # "languages that contain 'x'": the pattern is said of the word before "that"
        said = [t for t in out if t.norm not in _RELATIVES]
        after = said[-1].end if said else -1
        i = inside[-1] + 1
        tail = tuple(t.norm for t in tokens[i : i + 3])
        columns: tuple[tuple[str, str], ...] = ()
        if tail in _IN_THE_NAME:  # "… 'a' in their name": the label, as without it
            i += 3
        elif model is not None:
            i, columns = _column_after(model, tokens, i)
        found.append(Pattern(shape.format(_escape(literal)), after, literal, columns))
    out += tokens[i:]
    return out, found


def _unquoted(
    clean: str, tokens: list[lx.Token], quoted: list[tuple[int, int, str]]
) -> list[tuple[int, int, str]]:
    """Spans of one unquoted word said after a pattern noun ("has the word computer", "has the
    substring the computer": an article before the word is passed) that ends the question or
    its clause (a punctuation mark, "in <column>"); the word must be a word, not a number."""
    found = []
    for n in range(len(tokens)):
        for size in range(_BARE_MAX, 0, -1):
            if tuple(t.norm for t in tokens[n : n + size]) in _BARE_NOUNS:
                break
        else:
            continue
        j = n + size
        if j + 1 < len(tokens) and tokens[j].norm in _ARTICLES:
            j += 1
        if j >= len(tokens) or tokens[j].kind != "word":
            continue
        word = tokens[j]
        if any(start <= word.start < end for start, end, _ in quoted):
            continue
        if clean[tokens[j - 1].end : word.start].strip():  # a quote or mark between: not bare
            continue
        last = j + 1 >= len(tokens)
        gap = "" if last else clean[word.end : tokens[j + 1].start]
        if not (last or gap.strip() or tokens[j + 1].norm in _BARE_AFTER):
            continue
        begin = tokens[n + size].start
        found.append((begin, word.end, word.text))
    return found


def _verb_before_noun(
    tokens: list[lx.Token], i: int, cut: int, first: int, shape: str
) -> tuple[str, int]:
    """(shape, cut) of "contain the word 'x'", "start with the letter 'D'": a noun phrase of
    the pattern ("the word", "la letra") after a verb of one is the verb's shape."""
    noun = tuple(t.norm for t in tokens[cut:first])
    # "start with the letter": the pattern phrase "with the letter" keeps the verb's "with"
    joined = 1 if noun[:1] in (("with",), ("con",)) and noun[1:] in _NOUN_PHRASES else 0
    if noun not in _NOUN_PHRASES and not joined:
        return shape, cut
    for n in range(min(_MAX, cut - i), 0, -1):
        words = tuple(t.norm for t in tokens[cut - n : cut + joined])
        if words in _SHAPES and words not in _NOUN_PHRASES:
            return _SHAPES[words], cut - n
    return shape, cut


def _column_after(
    model: SemanticModel, tokens: list[lx.Token], i: int
) -> tuple[int, tuple[tuple[str, str], ...]]:
    """(where the tokens go on, the text columns) of "[as a substring] in [the] <column>
    [section]" said from `i`; (i, ()) when no text column is named there."""
    k = i
    for part in _AS_PART:
        if tuple(t.norm for t in tokens[k : k + len(part)]) == part:
            k += len(part)
            break
    if k >= len(tokens) or tokens[k].norm not in _IN:
        return i, ()
    k += 1
    if k < len(tokens) and tokens[k].norm in _DETERMINERS:
        k += 1
    mentions, _ = scan(model, tokens[k : k + model.max_phrase])
    if not mentions or mentions[0].start != 0 or mentions[0].kind != "schema":
        return i, ()
    first = mentions[0]
    columns = tuple(
        e.ref
        for e in first.of("column")
        if (col := model.column(*e.ref)) is not None and col.kind == "text"
    )
    if not columns:
        return i, ()
    k += first.end
    if k < len(tokens) and tokens[k].norm in _COLUMN_NOUNS:
        k += 1
    return k, columns


def _escape(text: str) -> str:
    return text.replace("%", "").replace("_", "")


def apply_patterns(
    plan: QueryPlan,
    patterns: list[Pattern],
    column_before: dict[int, tuple[str, str]],
    model: SemanticModel,
) -> QueryPlan | None:
    """The plan with one LIKE filter per pattern: on the text column named right before it
    (`column_before[pattern.after]`), else on the label column of the plan's table (what a row
    is called). None when there is no text column to match."""
    filters = list(plan.filters)
    for p in patterns:
        after = [c for c in p.columns if model.path(plan.table, c[0]) is not None]
        ref = sorted(after, key=lambda c: (c[0] != plan.table, c))[0] if after else None
        ref = ref or column_before.get(p.after)
        if ref is None:
            table = plan.listing[0].table if plan.listing else plan.table
            label = model.tables[table].display if table in model.tables else None
            if label is None:
                return None
            ref = (table, label)
        filters.append(Filter(ref[0], ref[1], "like", (p.like,)))
    return plan.with_changes(filters=tuple(filters))


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
