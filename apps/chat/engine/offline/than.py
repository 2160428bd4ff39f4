"""Comparisons with other rows: "countries with a greater surface area than any country in
Europe", "cars with a larger accelerate than the car with the most horsepower", "países con
más población que cualquier país de Asia", "coches con una aceleración mayor que la del coche
con más potencia".

A comparative, the compared column, "than"/"que", then either a group (any/all/every/each X in
V, cualquier/todos los X de V: the largest of them for "greater", the smallest for "smaller")
or one row (the X / the one with the largest Y). The clause after "than" is taken out of the
question before it is read (`take_than`), and the comparison is left as "above/below average",
which the parser already places on the column said before it. Once the plan is built,
`Than.apply` turns that comparison with the mean into one with the clause, read here on the
compared column's own table, or asks back naming the clause. "than some" has no common
reading and is not taken.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..plan import NumericFilter, QueryPlan
from . import lexicon as lx
from .parser import Clarify, Unclear
from .scan import scan
from .semantic import SemanticModel

# The comparative and its direction; "mas"/"more" with a column after it ("más población que").
_GREATER = lx.words("greater larger bigger higher more mayor mayores mas superior superiores")
_SMALLER = lx.words("smaller lower less fewer menor menores menos inferior inferiores")
# Spanish size adjectives after "más" ("más grande que", "más pequeña que").
_SIZE_UP = lx.words("grande grandes alto alta altos altas")
_SIZE_DOWN = lx.words("pequeno pequena pequenos pequenas bajo baja bajos bajas")
_THAN = lx.words("than que a al")
# Words between "than" and the other rows: "than that of", "que la de", "que el del".
_LEAD = lx.words("that those of el la los las lo de del")
# Every row of the other group ("any" is read as every one, as in "larger than any country").
_EVERY = lx.words("any all every each cualquier cualquiera todos todas")
_ARTICLE = lx.words("the el la los las del")
# Nouns that stand for the compared rows themselves ("the one with the most horsepower").
_ONE = lx.words("one ones uno una")
_MAX_COLUMN_WORDS = 4
_LINKS = lx.STOPWORDS | _LEAD | _ARTICLE


@dataclass(frozen=True)
class Than:
    op: str  # ">" or "<"
    every: bool  # every row of a group (True) or the one row a superlative picks (False)
    clause: tuple[lx.Token, ...]  # the words after the quantifier or article
    text: str  # the comparison as written, to name it when asking back

    def apply(self, plan: QueryPlan, model: SemanticModel) -> QueryPlan:
        """The plan with its comparison against the mean made one against the clause."""
        compared = [n for n in plan.numeric_filters if n.average]
        if len(compared) != 1 or compared[0].op != self.op:
            raise Unclear(Clarify.UNUSED_WORD, self.text)
        n = compared[0]
        other = self._group(model, n) if self.every else self._row(model, n)
        filters = tuple(other if f is n else f for f in plan.numeric_filters)
        return plan.with_changes(numeric_filters=filters)

    def _mentions(self, model: SemanticModel) -> list:
        """The clause's catalog phrases and grammar words; its prepositions and articles are
        left out, so "in" of "any country in Europe" is no value ('IN', a country code)."""
        words = [t for t in self.clause if t.norm not in _LINKS or t.norm in lx.WITH_WORDS]
        mentions, unmapped = scan(model, words)
        if unmapped:
            raise Unclear(Clarify.UNUSED_WORD, ", ".join(unmapped))
        return mentions

    def _group(self, model: SemanticModel, n: NumericFilter) -> NumericFilter:
        """ "any country in Europe": the rows of the compared table with these values."""
        values: list[tuple[str, str]] = []
        for m in self._mentions(model):
            if m.kind != "schema":
                raise Unclear(Clarify.UNUSED_WORD, self.text)
            own = [e for e in m.of("value") if e.ref[0] == n.table]
            if own:
                values.append((own[0].ref[1], str(own[0].ref[2])))
            elif not _names(m, n):
                raise Unclear(Clarify.UNUSED_WORD, self.text)
        if not values:  # "greater than any country": no other group was said
            raise Unclear(Clarify.UNUSED_WORD, self.text)
        return replace(n, average=False, than="every", than_values=tuple(values))

    def _row(self, model: SemanticModel, n: NumericFilter) -> NumericFilter:
        """ "the car with the largest horsepower": the row a superlative ranks first."""
        mentions = self._mentions(model)
        kinds = [m.kind for m in mentions]
        if kinds[:1] == ["number"] and self.clause[0].norm in _ONE:
            mentions, kinds = mentions[1:], kinds[1:]  # "the one with ..."
        elif kinds[:1] == ["schema"] and _names(mentions[0], n):
            mentions, kinds = mentions[1:], kinds[1:]  # "the car with ..."
        if kinds != ["with", "most", "schema"] and kinds != ["with", "least", "schema"]:
            raise Unclear(Clarify.UNUSED_WORD, self.text)
        ranked = [
            e
            for e in mentions[2].of("column")
            if e.ref[0] == n.table and (c := model.column(*e.ref)) and c.kind == "number"
        ]
        if not ranked:
            raise Unclear(Clarify.UNUSED_WORD, self.text)
        return replace(
            n, average=False, than="row", than_rank=ranked[0].ref[1], than_desc=kinds[1] == "most"
        )


def _names(mention, n: NumericFilter) -> bool:  # noqa: ANN001
    """Whether a mention names the compared rows: their table, or the compared column."""
    return any(e.ref == (n.table,) or e.ref == (n.table, n.column) for e in mention.entries)


def take_than(tokens: list[lx.Token]) -> tuple[list[lx.Token], Than | None]:
    """The question with "<comparative> [column] than <other rows>" said as "[column] above
    average" (below for a smaller), and the other rows; the tokens as they were otherwise."""
    norms = [t.norm for t in tokens]
    for i, word in enumerate(norms):
        if word not in _GREATER and word not in _SMALLER:
            continue
        op = ">" if word in _GREATER else "<"
        start = i + 1
        if word == "mas" and start < len(norms) and norms[start] in _SIZE_UP | _SIZE_DOWN:
            op = "<" if norms[start] in _SIZE_DOWN else ">"
            start += 1
        than = next(
            (
                j
                for j in range(start, min(start + _MAX_COLUMN_WORDS + 1, len(norms)))
                if norms[j] in _THAN
            ),
            None,
        )
        if than is None:
            continue
        found = _other_rows(tokens, than + 1)
        if found is None:
            continue
        every, clause = found
        said = " ".join(t.text for t in tokens[i : clause[-1] + 1])
        first = tokens[i]

        def word(w: str, first: lx.Token = first) -> lx.Token:
            return replace(first, text=w, norm=w, key=lx.word_key(w, first.lang))

        rewritten = [
            *tokens[:i],
            *tokens[start:than],
            word("above" if op == ">" else "below"),
            word("average"),
        ]
        other = tuple(tokens[k] for k in clause)
        return rewritten, Than(op, every, other, said)
    return tokens, None


def _other_rows(tokens: list[lx.Token], k: int) -> tuple[bool, list[int]] | None:
    """(every row of a group?, the positions of the clause) after "than", or None: "than any
    country in Europe", "que la de cualquier país", "than the car with the most horsepower"."""
    norms = [t.norm for t in tokens]
    article = False
    while k < len(norms) and (norms[k] in _LEAD or norms[k] in _ARTICLE):
        article = article or norms[k] in _ARTICLE
        k += 1
    if k < len(norms) and norms[k] in _EVERY:
        k += 1
        while k < len(norms) and norms[k] in _ARTICLE:  # "all the countries", "todos los"
            k += 1
        clause = [j for j in range(k, len(tokens)) if tokens[j].kind != "symbol"]
        return (True, clause) if clause else None
    rest = norms[k:]
    if article and any(w in lx.WITH_WORDS for w in rest[:3]):
        clause = [j for j in range(k, len(tokens)) if tokens[j].kind != "symbol"]
        return (False, clause) if clause else None
    return None
