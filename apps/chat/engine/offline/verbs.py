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

from dataclasses import dataclass

from datachat import text as tx

from . import lexicon as lx
from .parser import Unclear
from .plan import QueryPlan
from .relations import entity_before, verb_shaped
from .scan import Mention
from .semantic import SemanticModel

# Inflections that make an unknown word a verb: English participles and third persons,
# Spanish participles, preterites and presents of the third person.
_EN_ENDINGS = ("ed", "en", "ing", "es")
_ES_ENDINGS = (
    "ado", "ada", "ados", "adas", "ido", "ida", "idos", "idas", "aron", "eron", "an", "en",
)  # fmt: skip
_EN_IRREGULAR = lx.words("built made sold born held bought grown")
_OR = lx.words("or o u")
_WITH = lx.words("with con")
# Between the verb and the year: prepositions, and the year column itself ("in the year of").
_BETWEEN = lx.words("in on at during since from after before until del de en el la the of year")


@dataclass(frozen=True)
class YearVerb:
    verb: str  # as written
    table: str
    column: str  # the one date or year column reachable from the entity


def _inflected(word: str, lang: str) -> bool:
    """A participle or a conjugated verb, by its ending (English or Spanish)."""
    if word in _EN_IRREGULAR:
        return True
    if lang == "es":  # the stemmer keeps irregular preterites whole ("produjeron")
        return len(word) > 5 and word.endswith(_ES_ENDINGS)
    return word.endswith(_EN_ENDINGS) and tx.stem(word, lang) != word


def _time_columns(model: SemanticModel, table: str) -> list[tuple[str, str]]:
    info = model.tables.get(table)
    found = []
    for name in info.columns if info else ():
        column = model.column(table, name)
        year = column.kind == "number" and set(tx.identifier_words(name)) & lx.YEAR_COLUMN_WORDS
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
    return any(t.norm in _OR for t in tokens[subject.end : i])


def year_verbs(
    model: SemanticModel, tokens: list[lx.Token], mentions: list[Mention], unmapped: list[str]
) -> tuple[list[lx.Token], tuple[YearVerb, ...]] | None:
    """The tokens without each verb of a year, and what each was read as; None when none."""
    if not unmapped:
        return None
    at: dict[int, Mention] = {}
    for m in mentions:
        for n in range(m.start, m.end):
            at[n] = m
    unknown = set(unmapped)
    found: dict[int, YearVerb] = {}
    for i, tok in enumerate(tokens):
        if i in at or tok.text not in unknown or not verb_shaped(tok, i):
            continue
        if not _inflected(tok.norm, tok.lang) or not _time_after(tokens, at, i):
            continue
        subject, negated = entity_before(tokens, at, i)
        if subject is None or negated or _said_after_or(tokens, subject, i):
            continue
        tables = {e.ref[0] for e in subject.entries if e.kind in ("table", "column", "metric")}
        tables |= {
            model.metrics[e.ref[0]].table for e in subject.of("metric") if e.ref[0] in model.metrics
        }
        columns = _reachable_time_columns(model, tables & set(model.tables))
        if len(columns) != 1:
            continue  # none, or several the verb could mean: asked back
        (table, column) = next(iter(columns))
        found[i] = YearVerb(tok.text, table, column)
    if not found:
        return None
    kept = [tok for i, tok in enumerate(tokens) if i not in found]
    return kept, tuple(found.values())


def check_year_verbs(plan: QueryPlan, verbs: tuple[YearVerb, ...]) -> None:
    """The plan compares the column each verb was read as (the time stage chose the same
    one), or the verb is asked back: the reading must not say a column the SQL does not use."""
    compared = {(n.table, n.column) for n in plan.numeric_filters}
    compared |= {(r.table, r.column) for r in (plan.time_range, *plan.time_periods) if r}
    for verb in verbs:
        if (verb.table, verb.column) not in compared:
            raise Unclear("unmapped", verb.verb)


def said(verbs: tuple[YearVerb, ...]) -> str:
    """How the verbs were read, for the answer's interpretation: "produced → Year"."""
    return " · ".join(f"{v.verb} → {v.column}" for v in verbs)
