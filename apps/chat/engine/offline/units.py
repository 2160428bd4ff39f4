"""Units said after a number (issue 13, branch `h-units`).

"films longer than 100 minutes", "a length of more than 90 minutes", "peso de más de 3000
kilos": the word after the number names the unit of the column compared. The catalog does not
know unit words as such; the steward's description of the column does ("Length of the film in
minutes"). A unit word is taken out of the question when the numeric column compared right
before the number says that word (or its singular) in its description, its documented unit or its name; then the
comparison reads as it would without it. Any other unit (a column in seconds asked in minutes,
a column with no description) stays an unknown word and is asked back: a number in the wrong
unit is a wrong answer.
"""

from __future__ import annotations

import re

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
