"""A person's full name on a schema that stores it in two columns (issue 13 §4).

"the full name of the actor", "nombre completo del cliente": when no column or synonym is called
so, and a table keeps a first and a last name (`first_name`/`last_name`, `FirstName`/`LastName`,
`nombre`/`apellido`), the words are read as "first name and last name" (both columns, in that
order); the table they belong to is then chosen like any column's. On a schema with no such
pair the words stay, and the question is asked back naming them.

The same pair makes a table one of people when its label is one of the two: such a table,
grouped or listed by its label, is shown by its key and both names joined (`people_shown_whole`).
"""

from __future__ import annotations

from dataclasses import replace

from datachat import text as tx

from ..plan import QueryPlan
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


def name_columns(model: SemanticModel, table: str) -> tuple[str, str] | None:
    """The first- and last-name text columns of `table` (`FirstName`, `LastName`), or None."""
    info = model.tables.get(table)
    if info is None:
        return None
    first = last = None
    for column in info.columns:
        sem = model.column(table, column)
        if sem is None or sem.kind != "text":
            continue
        words = tx.identifier_words(column)
        named = len(words) == 2 and words[1] in _NAME
        if first is None and (named and words[0] in _FIRST or words == ["nombre"]):
            first = column
        elif last is None and (
            named and words[0] in _LAST or words in (["apellido"], ["apellidos"])
        ):
            last = column
    return (first, last) if first and last else None


def _name_pair(model: SemanticModel) -> tuple[list[str], list[str]] | None:
    """The words of the first- and last-name columns of the first table that has both."""
    for table in sorted(model.tables):
        found = name_columns(model, table)
        if found:
            return tx.identifier_words(found[0]), tx.identifier_words(found[1])
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


def person_name(model: SemanticModel, table: str) -> tuple[str, str] | None:
    """The name columns of a table of people: one whose label is its first or last name."""
    found = name_columns(model, table)
    info = model.tables.get(table)
    return found if found and info is not None and info.display in found else None


def people_shown_whole(plan: QueryPlan, model: SemanticModel, mentions: list) -> QueryPlan:
    """People grouped or listed by their label are shown as their key and "First Last".

    A person's label is one of two name columns: grouping by the first name alone adds up
    two people who share it, and shows half a name. When the question names the table ("the
    employees with the most orders") or its "name"/"nombre", the answer groups by the key,
    shows it, and shows both names joined (`QueryPlan.full_names`); a name column the question
    says itself ("their first name") is shown as it is.
    """
    if plan.comparison is not None or plan.average_per:
        return plan
    said = {
        e.ref
        for m in mentions
        if m.kind == "schema" and lx.fold(m.text) not in lx.LABEL_NAME_WORDS
        for e in m.of("column")
    }
    people = [
        ref
        for ref in dict.fromkeys((*plan.dimensions, *plan.listing))
        if ref.column == model.tables[ref.table].display
        and (ref.table, ref.column) not in said
        and person_name(model, ref.table) is not None
        # the people's own rows counted by name ("el nombre más común"): the name is the value
        # counted, each key would count one
        and not (plan.metrics and ref.table == plan.table and ref in plan.dimensions)
    ]
    if not people:
        return plan
    tables = (*plan.full_names, *(ref.table for ref in people))
    changes: dict = {"full_names": tuple(dict.fromkeys(tables))}
    for field in ("dimensions", "listing", "rank_within"):
        changes[field] = _with_keys(model, getattr(plan, field), people)
    # the period column stays after the same grouping columns ("by employee and year")
    changes["period_position"] = len(
        _with_keys(model, plan.dimensions[: plan.period_position], people)
    )
    return replace(plan, **changes)


def _with_keys(model: SemanticModel, refs: tuple, people: list) -> tuple:
    """`refs` with each person's one-column key right before their label (once)."""
    out: list = []
    for ref in refs:
        key = model.tables[ref.table].key
        if ref in people and len(key) == 1:
            keyed = type(ref)(ref.table, key[0])
            if keyed not in refs and keyed not in out:
                out.append(keyed)
        out.append(ref)
    return tuple(out)


_JOINERS = frozenset(("and", "or", "y", "o", "e", "u"))


def shared_head_nouns(model: SemanticModel, tokens: list[Token]) -> list[Token]:
    """ "the first, middle, and last name": modifiers listed before one head noun each make a
    column with it ("first name", "middle name", "last name") and are spelled out so; a bare
    modifier ("first") would name whatever column has the word (`date_first_registered`).
    English only: a Spanish head comes first ("nombre y apellido")."""
    for i in range(2, len(tokens)):
        head, last, joiner = tokens[i], tokens[i - 1], tokens[i - 2]
        if head.lang != "en" or joiner.norm not in _JOINERS or head.kind != "word":
            continue
        table = _column_table(model, f"{last.norm} {head.norm}", head.lang)
        if table is None:
            continue
        start = i - 2
        while start > 0 and tokens[start - 1].kind == "word":
            word = tokens[start - 1]
            if word.norm in _JOINERS and start - 1 > 0:
                start -= 1
                continue
            if _column_table(model, f"{word.norm} {head.norm}", head.lang) != table:
                break
            alone = model.lookup(lx.phrase_key(word.norm, head.lang), head.lang) or ()
            if any(e.quality > 1 for e in alone):
                break  # the modifier is a name of its own (not a part of one): leave it
            start -= 1
        modifiers = [t for t in tokens[start : i - 2] if t.norm not in _JOINERS]
        if not modifiers:
            continue
        spelled: list[Token] = []
        for word in modifiers:
            spelled += [word, replace(head, start=word.end, end=word.end)]
        return [*tokens[:start], *spelled, *tokens[i - 2 :]]
    return tokens


def _column_table(model: SemanticModel, phrase: str, lang: str) -> str | None:
    """The one table whose column(s) a phrase names, else None."""
    entries = model.lookup(lx.phrase_key(phrase, lang), lang) or ()
    tables = {e.ref[0] for e in entries if e.kind == "column"}
    if len(tables) != 1 or any(e.kind != "column" for e in entries):
        return None
    return tables.pop()


# --- "List *his or her* first name": a pronoun for the one person the question is about -------

_PRONOUNS = lx.words("his her")
_OR = lx.words("or")
_LIST_GLUE = lx.words("and the")


def _people_said(model: SemanticModel, mentions: list) -> set[str]:
    """The tables of people (a first and a last name) the question names as tables."""
    found = set()
    for m in mentions:
        if m.kind != "schema" or not m.entries:
            continue
        best = max(e.quality for e in m.entries)
        for e in m.entries:
            if e.kind == "table" and e.quality == best and name_columns(model, e.ref[0]):
                found.add(e.ref[0])
    return found


_WHOSE = frozenset({"whose", "who"})


def _people_of_columns(model: SemanticModel, mentions: list) -> set[str]:
    """The tables of people whose columns a question that names no table says ("Whose home
    town …"): every column said must be one table's, and that table one of people (a first
    and a last name, or a personal column)."""
    owners = set()
    for m in mentions:
        if m.kind != "schema" or not m.entries:
            continue
        best = max(e.quality for e in m.entries)
        owners |= {e.ref[0] for e in m.entries if e.quality == best and e.kind == "column"}
    if len(owners) != 1:
        return set()
    table = next(iter(owners))
    personal = any(model.column(table, c).pii for c in model.tables[table].columns)
    return owners if name_columns(model, table) or personal else set()


def _pronoun_end(tokens: list[Token], i: int) -> int:
    """The end of "his or her" / "her or his" / "his" / "her" at i."""
    if (
        i + 2 < len(tokens)
        and tokens[i + 1].norm in _OR
        and tokens[i + 2].norm in _PRONOUNS
        and tokens[i + 2].norm != tokens[i].norm
    ):
        return i + 3
    return i + 1


def _columns_listed(tokens: list[Token], at: dict, start: int, person: str) -> list | None:
    """The column mentions listed from `start` to the end of the sentence ("first name, last
    name, and the id"), each a column of the person's table; None when anything else is said."""
    listed = []
    j = start
    while j < len(tokens):
        if listed and tokens[j].start - tokens[j - 1].end > 1 and tokens[j].text[:1].isupper():
            break  # a new sentence
        m = at.get(j)
        if m is not None and m.kind == "conj" and lx.fold(m.text) in _LIST_GLUE:
            j = m.end
            continue
        if m is not None:
            if m.kind != "schema" or not any(
                e.kind == "column" and e.ref[0] == person for e in m.entries
            ):
                return None
            listed.append(m)
            j = m.end
            continue
        if tokens[j].kind == "symbol" or tokens[j].norm in _LIST_GLUE:
            j += 1
            continue
        return None
    return listed or None


_WH = lx.words("which who what")


def _asked_about(tokens: list[Token], mentions: list, person: str) -> bool:
    """The question opens by asking for a row of the person's table ("Which customer …",
    "Which film actor …"): the row a later "his or her" refers back to."""
    if not tokens or tokens[0].norm not in _WH:
        return False
    first = min((m for m in mentions if m.kind == "schema"), key=lambda m: m.start, default=None)
    if first is None or first.start > 2:
        return False
    return any(e.kind == "table" and e.ref[0] == person for e in first.entries)


def row_pronouns(
    model: SemanticModel, tokens: list[Token], mentions: list, unmapped: list[str]
) -> list[Token] | None:
    """ "Which customer … has spent the least money? List *his or her* first name, last name
    and id": "his or her", "his", "her" before a list of columns that ends the sentence stand
    for the row asked about, when the question opens by asking for a row of a table of people
    (a first and a last name: "Which customer …"), names no other such table, and every column
    listed is one of that table's. The pronoun is read as that
    table ("customer first name, customer last name, customer id"), which also says whose
    first name it is when other tables have one. Two tables of people, a column of another
    table, or anything else after the pronoun ("her dogs"): the pronoun stays unknown and is
    asked back (read as filler it gave wrong answers)."""
    from .scan import mentions_by_token

    unknown = set(unmapped)
    spots = [i for i, t in enumerate(tokens) if t.norm in _PRONOUNS and t.text in unknown]
    if not spots:
        return None
    people = _people_said(model, mentions)
    whose = not people and tokens[0].norm in _WHOSE
    if whose:  # "Whose home town is different from his or her work town?": no table said
        people = _people_of_columns(model, mentions)
    if len(people) != 1:
        return None
    person = next(iter(people))
    if not whose and not _asked_about(tokens, mentions, person):
        return None
    at = mentions_by_token(mentions)
    said = tx.identifier_words(person)
    drop: set[int] = set()
    before: dict[int, list[str]] = {}
    for i in spots:
        if i in drop:
            continue
        end = _pronoun_end(tokens, i)
        listed = _columns_listed(tokens, at, end, person)
        if listed is None:
            return None
        drop |= set(range(i, end))
        for m in listed:
            if any(e.ref[0] != person for e in m.entries if e.kind == "column"):
                before[m.start] = said
    out: list[Token] = []
    for i, tok in enumerate(tokens):
        if i in drop:
            continue
        if i in before:
            out += [replace(tok, text=w, norm=w, key=lx.word_key(w, tok.lang)) for w in before[i]]
        out.append(tok)
    return out
