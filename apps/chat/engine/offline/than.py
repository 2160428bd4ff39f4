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


# --- another column of the same row -------------------------------------------------------------

# "whose permanent address is different from his or her current address", "con una dirección
# actual distinta de la permanente": the row's own two columns compared, never other rows.
_DIFFERENT = lx.words("different differs differ distinto distinta distintos distintas diferente")
_DIFFERENT_ES = lx.words("diferentes")
_FROM = lx.words("from than to de del a al")
_SAME = {("the", "same", "as"): "="}
_BE = lx.words("is are was were es son era eran sea sean")
# Words between "from" and the other column: "his or her", "its", "their", "the", "la", "su".
_OWN_LEAD = lx.words("his or her its their the su sus el la los las lo de del")
_ONE_WORDS = lx.words("one ones")
_MAX_OWN_WORDS = 4


@dataclass(frozen=True)
class SameRow:
    """ "<column> is different from <other column>" of one row, taken out of the question."""

    op: str  # "!=" or "="
    left: tuple[lx.Token, ...]
    right: tuple[lx.Token, ...]
    text: str  # as written, to name it when asking back

    def apply(self, plan: QueryPlan, model: SemanticModel) -> QueryPlan:
        """The plan with its rows kept by the comparison of their two columns; asked back unless
        both words name a column of the plan's own table (the rows listed or counted)."""
        left, right = self._columns(model, self.left), self._columns(model, self.right)
        tables = {t for t, _ in left} & {t for t, _ in right}
        if plan.table not in tables:
            raise Unclear(Clarify.UNUSED_WORD, self.text)
        one = [c for t, c in left if t == plan.table]
        other = [c for t, c in right if t == plan.table and c not in one]
        if len(one) != 1 or len(other) != 1:
            raise Unclear(Clarify.UNUSED_WORD, self.text)
        kept = NumericFilter(plan.table, one[0], self.op, 0.0, other=other[0])
        return plan.with_changes(numeric_filters=(*plan.numeric_filters, kept))

    def _columns(self, model: SemanticModel, words: tuple[lx.Token, ...]) -> set:
        mentions, unmapped = scan(model, list(words))
        if unmapped or len(mentions) != 1 or mentions[0].kind != "schema":
            raise Unclear(Clarify.UNUSED_WORD, self.text)
        return {e.ref[:2] for e in mentions[0].of("column")}


def take_same_row(tokens: list[lx.Token]) -> tuple[list[lx.Token], SameRow | None]:
    """The question without "<column> (is) different from (its) <column>" and that comparison;
    the tokens as they were otherwise. "one" after the second column's words is the first's
    noun ("different from his or her current one"). Nothing is taken when a number or a quoted
    value follows (a value, not a column: "a rating different from 'PG'")."""
    norms = [t.norm for t in tokens]
    for i, word in enumerate(norms):
        op, after = None, i + 1
        different = word in _DIFFERENT or word in _DIFFERENT_ES
        if different and after < len(norms) and norms[after] in _FROM:
            op, after = "!=", after + 1
        for phrase, same in _SAME.items():
            if tuple(norms[i : i + len(phrase)]) == phrase:
                op, after = same, i + len(phrase)
        if op is None:
            continue
        end = i - 1
        if op == "=" and end >= 0 and norms[end] == "not":
            op, end = "!=", end - 1  # "is not the same as"
        if end >= 0 and norms[end] in _BE:
            end -= 1
        start = end + 1
        while start > 0 and end - start < _MAX_OWN_WORDS - 1 and _own_word(tokens[start - 1]):
            start -= 1
        left = tokens[start : end + 1]
        k = after
        while k < len(norms) and norms[k] in _OWN_LEAD:
            k += 1
        stop = k
        while (
            stop < len(norms)
            and stop - k < _MAX_OWN_WORDS
            and (_own_word(tokens[stop]) or norms[stop] in _ONE_WORDS)
        ):
            stop += 1
        right = list(tokens[k:stop])
        if not left or not right or not all(_own_word(t) for t in left):
            return tokens, None
        if right[-1].norm in _ONE_WORDS:
            right = [*right[:-1], left[-1]]  # "his or her current one": the same noun
        text = " ".join(t.text for t in tokens[start:stop])
        return [*tokens[:start], *tokens[stop:]], SameRow(op, tuple(left), tuple(right), text)
    return tokens, None


def _own_word(token: lx.Token) -> bool:
    """A word of a column's name: a word token that is no grammar word."""
    return token.kind == "word" and token.norm not in lx.STOPWORDS and token.norm not in _BE
