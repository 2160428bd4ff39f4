"""Units said after a number (issue 13, branch `h-units`).

"films longer than 100 minutes", "a length of more than 90 minutes", "peso de más de 3000
kilos": the word after the number names the unit of the column compared. The catalog does not
know unit words as such; the steward's description of the column does ("Length of the film in
minutes"). A unit word is taken out of the question when the numeric column compared right
before the number says that word (or its singular) in its description, its documented unit
or its name; then the comparison reads as it would without it. Any other unit (a column in
seconds asked in minutes, a column with no description) stays an unknown word and is asked
back: a number in the wrong unit is a wrong answer.
"""

from __future__ import annotations

import re
from dataclasses import replace

from datachat import text as tx

from . import lexicon as lx
from .scan import Mention, mentions_by_token
from .semantic import SemanticModel


def units_said(
    model: SemanticModel, tokens: list[lx.Token], mentions: list[Mention], unmapped: list[str]
) -> list[lx.Token] | None:
    """The tokens without the unit words the compared column's description names; None when
    there is none."""
    if not unmapped:
        return None
    unknown = set(unmapped)
    at = mentions_by_token(mentions)
    drop: set[int] = set()
    for k, m in enumerate(mentions):
        if m.kind != "number" or m.end >= len(tokens) or m.end in at:
            continue
        unit = tokens[m.end]
        if unit.text not in unknown or unit.kind != "word":
            continue
        column = _compared_column(mentions, k)
        if column is not None and _says_unit(model, column, unit):
            drop.add(m.end)
    if not drop:
        return None
    return [t for i, t in enumerate(tokens) if i not in drop]


def _compared_column(mentions: list[Mention], k: int) -> Mention | None:
    """The column the number `k` is compared with: "<column> <cmp> <number>", or "<column> of
    <number>" (its value)."""
    j = k - 1
    if j >= 0 and mentions[j].kind == "cmp":
        j -= 1
    if j < 0:
        return None
    m = mentions[j]
    if m.kind != "schema" or not m.has("column") or m.has("table") or m.has("value"):
        return None
    return m


def _says_unit(model: SemanticModel, column: Mention, unit: lx.Token) -> bool:
    """Every numeric column the mention may be names the unit in its description or name."""
    refs = [e.ref for e in column.of("column")]
    if not refs:
        return False
    wanted = {lx.word_key(unit.norm, unit.lang), unit.norm}
    for table, name in refs:
        sem = model.column(table, name)
        if sem is None or sem.kind != "number":
            return False
        said_by = f"{sem.description} {sem.unit}".lower()
        words = [*re.findall(r"\w+", said_by), *tx.identifier_words(name)]
        said = {lx.word_key(w, unit.lang) for w in words} | set(words)
        if not wanted & said:
            return False
    return True


# "How many people live in Gelderland?": where a counted measure of people is, not a relation.
_RESIDE = lx.words("live lives living lived reside resides residing vive viven habita habitan")
_IN = lx.words("in en")
# "How much surface area do the countries in the Caribbean cover together?"
_HOW_MUCH = (("how", "much"), ("how", "many"))
_DO = lx.words("do does did")


def measure_verbs(
    model: SemanticModel, tokens: list[lx.Token], mentions: list[Mention], unmapped: list[str]
) -> list[lx.Token] | None:
    """The tokens without a verb that only says where or whose a measure is: "how many people
    *live* in X" (a residence verb right after a numeric column and before "in"), "how much
    surface area do the countries in X *cover* (together)" (the unknown verb that ends a
    do-question whose measure is a numeric column of the rows after "do": "how much total surface
    area of the countries in X"). None when neither is said."""
    unknown = set(unmapped)
    at = mentions_by_token(mentions)
    drop: set[int] = set()
    for i, tok in enumerate(tokens[1:-1], start=1):
        if tok.norm not in _RESIDE or tok.text not in unknown or tokens[i + 1].norm not in _IN:
            continue
        before = at.get(i - 1)
        if before is not None and _numeric_column(model, before):
            drop.add(i)
    do_at = _do_verb(model, tokens, mentions)
    if not drop and do_at is None:
        return None
    out: list[lx.Token] = []
    for i, tok in enumerate(tokens):
        if do_at is not None and i == do_at[0]:  # "do" -> "of"
            out.append(replace(tok, text="of", norm="of", key=lx.word_key("of", tok.lang)))
        elif do_at is not None and i == 2:  # what the rows cover together: their total
            out += [
                replace(tok, text="total", norm="total", key=lx.word_key("total", tok.lang)),
                tok,
            ]
        elif i not in drop and not (do_at is not None and i in do_at[1]):
            out.append(tok)
    return out


def _numeric_column(model: SemanticModel, m: Mention) -> bool:
    if m.kind != "schema" or m.has("table") or m.has("value"):
        return False
    refs = [e.ref for e in m.of("column")]
    return bool(refs) and all(
        (sem := model.column(t, c)) is not None and sem.kind == "number" for t, c in refs
    )


def _do_verb(
    model: SemanticModel, tokens: list[lx.Token], mentions: list[Mention]
) -> tuple[int, set[int]] | None:
    """Where "do" is and the verb (and "together") that go, or None."""
    words = [t.norm for t in tokens]
    if tuple(words[:2]) not in _HOW_MUCH:
        return None
    end = len(tokens)
    while end > 0 and (tokens[end - 1].kind == "symbol" or words[end - 1] in lx.TOGETHER_WORDS):
        end -= 1
    verb = end - 1
    # unknown, or a word read otherwise elsewhere ("cover" of "what period does it cover")
    it = mentions_by_token(mentions).get(verb)
    said = it is None or (it.kind == "coverage" and it.end - it.start == 1)
    if verb < 4 or not said or tokens[verb].kind != "word" or words[verb] in lx.STOPWORDS:
        return None
    measure = next((m for m in mentions if m.start == 2), None)
    if measure is None or not _numeric_column(model, measure) or words[measure.end] not in _DO:
        return None
    rows = next((m for m in mentions if m.start > measure.end), None)
    if rows is None or rows.kind != "schema" or not rows.has("table"):
        return None
    owners = {e.ref[0] for e in measure.of("column")}
    if not owners <= {e.ref[0] for e in rows.of("table")}:
        return None
    return measure.end, {verb, *(n for n in range(end, len(tokens)) if tokens[n].kind != "symbol")}
