"""A person's full name on a schema that stores it in two columns (issue 13 §4).

"the full name of the actor", "nombre completo del cliente": when no column or synonym is called
so, and a table keeps a first and a last name (`first_name`/`last_name`, `FirstName`/`LastName`,
`nombre`/`apellido`), the words are read as "first name and last name" (both columns, in that
order); the table they belong to is then chosen like any column's. On a schema with no such
pair the words stay, and the question is asked back naming them.
"""

from __future__ import annotations

from dataclasses import replace

from datachat import text as tx

from . import lexicon as lx
from .lexicon import Token
from .semantic import SemanticModel

_FULL_NAME = (
    ("full", "name"),
    ("full", "names"),
    ("complete", "name"),
    ("nombre", "completo"),
    ("nombres", "completos"),
)
_FIRST = lx.words("first given nombre nombres pila")
_LAST = lx.words("last family surname apellido apellidos")
_NAME = lx.words("name nombre")


def _name_pair(model: SemanticModel) -> tuple[list[str], list[str]] | None:
    """The words of the first- and last-name columns of the first table that has both."""
    for table in sorted(model.tables):
        first = last = None
        for column in model.tables[table].columns:
            sem = model.column(table, column)
            if sem is None or sem.kind != "text":
                continue
            words = tx.identifier_words(column)
            named = len(words) == 2 and words[1] in _NAME
            if first is None and named and words[0] in _FIRST:
                first = words
            elif last is None and (named and words[0] in _LAST or words in (["apellido"],)):
                last = words
        if first and last:
            return first, last
    return None


def full_names(model: SemanticModel, tokens: list[Token]) -> list[Token]:
    """The tokens with "full name"/"nombre completo" spelled as the two name columns."""
    for i in range(len(tokens) - 1):
        pair = (tokens[i].norm, tokens[i + 1].norm)
        if pair not in _FULL_NAME:
            continue
        lang = tokens[i].lang
        if model.lookup(lx.phrase_key(" ".join(pair), lang), lang):
            return tokens  # a column or synonym is called so (`FullName`)
        found = _name_pair(model)
        if found is None:
            return tokens
        first, last = found
        joiner = "y" if lang == "es" else "and"

        def word(w: str, at: Token = tokens[i], lang: str = lang) -> Token:
            return replace(at, text=w, norm=w, key=lx.word_key(w, lang))

        spelled = [word(w) for w in (*first, joiner, *last)]
        return full_names(model, [*tokens[:i], *spelled, *tokens[i + 2 :]])
    return tokens
