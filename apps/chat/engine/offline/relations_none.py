"""Rows of an entity with no related row at all: `rows_without` (NOT EXISTS).

"countries with no car makers", "orchestras that do not have any performances", "templates not
used by any document", "tiendas sin empleados"; and the second reading, rows with at least one
("students who have some friends"). Split out of `relations.py`.
"""

from __future__ import annotations

from dataclasses import replace

from datachat import text as tx

from . import lexicon as lx
from .relations import _PASSIVE_BE
from .relations_exist import _ANY, _ROWS_BLOCKERS, RelatedRows
from .scan import Mention
from .semantic import SemanticModel

# --- rows of an entity with no related row at all: NOT EXISTS ------------------------------------

# The words that may stand between an entity and the table whose rows it has none of ("countries
# with no car makers", "orchestras that do not have any performances", "people who are not
# poker players", "países donde no hay ni un solo fabricante", "tiendas sin empleados").
_NONE_GAP = lx.words(
    """
    with that which who whom where there is are was were be been have has had do does did
    dont doesnt didnt not no any never without a an single one the of in
    con que quienes cuales donde hay habia hubo tiene tienen tenia tenian tuvo tuvieron ha han
    tenido
    es son fue fueron
    no ni un una uno solo sola ningun ninguna ninguno nunca jamas sin el la los las de en
    """
)
# ... of which one says "none": a negation, "without", "never"
_NONE_SAID = lx.words(
    "no not dont doesnt didnt never without nunca jamas sin ningun ninguna ninguno"
)
# a verb that says no more than the link ("templates not used by any document")
_USED = lx.words("used usado usada usados usadas utilizado utilizada utilizados utilizadas")
_USED_BY = lx.words("by for por para")
# after the related table: only what describes its rows
_NONE_AFTER_KINDS = frozenset({"schema", "cmp", "number", "time", "with", "conj"})


def _entity_of(model: SemanticModel, mention: Mention) -> tuple[str, tuple[str, ...]] | None:
    """The table a mention names as rows (its best reading), with the columns of it said in the
    same words ("nombres de los países": the countries' label), or None."""
    if mention.kind != "schema" or mention.has("value") or mention.has("metric"):
        return None
    best = max(e.quality for e in mention.entries)
    tables = {e.ref[0] for e in mention.of("table") if e.quality == best}
    if len(tables) == 1:
        return tables.pop(), ()
    if mention.has("table"):
        return None
    columns = {e.ref for e in mention.of("column") if e.quality == best}
    owners = {t for t, _c in columns}
    if len(columns) != 1 or len(owners) != 1:
        return None
    table, column = columns.pop()
    info = model.tables.get(table)
    if info is None or info.display != column or len(mention.text.split()) < 2:
        return None  # "nombres de los países", "country names": the label of the rows
    return table, (column,)


def _listed_column(mention: Mention, table: str) -> tuple[str, tuple[str, ...]] | None:
    """(table, (column,)) when the mention's one best reading is a column of `table`, the rows
    whose label was listed right before it ("company name and main industry without …")."""
    if mention.kind != "schema" or mention.has("value") or mention.has("metric"):
        return None
    best = max(e.quality for e in mention.entries)
    columns = {e.ref[:2] for e in mention.entries if e.quality == best}
    if len(columns) != 1 or any(e.kind != "column" for e in mention.entries if e.quality == best):
        return None
    owner, column = columns.pop()
    return (table, (column,)) if owner == table else None


def own_column_said(model: SemanticModel, table: str, mention: Mention) -> str | None:
    """The column of `table` a mention said right after the table's noun stands for ("artist
    names": the artists' label; "stadium capacity"), or None."""
    said = _label_said(model, table, mention)
    if said is not None:
        return said
    found = _listed_column(mention, table)
    return found[1][0] if found is not None else None


def _name_like(column: str | None, table: str) -> bool:
    """A label column called a name ("CountryName", "nombre") or as its table ("Orchestra")."""
    if not column:
        return False
    called = set(tx.identifier_words(column))
    return bool(called & lx.LABEL_NAME_WORDS) or called == set(tx.identifier_words(table))


def _label_said(model: SemanticModel, table: str, mention: Mention) -> str | None:
    """The column "name(s)"/"nombre(s)" or "id(s)" stands for when said of `table` (its label,
    its one-column key), or None for other words."""
    info = model.tables.get(table)
    words = lx.fold(mention.text).split()
    if info is None or len(words) != 1:
        return None
    if words[0] in lx.LABEL_NAME_WORDS:
        return info.display if _name_like(info.display, table) else None  # a description
    if words[0] in lx.LABEL_ID_WORDS and len(info.key) == 1:
        return info.key[0]
    return None


def _held_by(
    model: SemanticModel, entity: str, named: str, said: frozenset[str] = frozenset()
) -> tuple[str, str, str] | None:
    """How the rows of `named` belong to an entity row: (the table to look in, its column, the
    entity's key) when `named` references the entity directly by one key, or when exactly one
    table references both (a link table: a shop's hirings of employees); else None."""
    fks = model.catalog.foreign_keys
    direct = [fk for fk in fks if fk.table == named and fk.ref_table == entity]
    if len(direct) == 2 and said:  # "students with no friends": Friend(student_id, friend_id)
        # the word said names one key (the other end, `friend_id`): the rows belong to the
        # entity by the other one
        named_by = [
            fk
            for fk in direct
            if said & {lx.word_key(w, "en") for w in tx.identifier_words(fk.column)}
        ]
        if len(named_by) == 1:
            own = next(fk for fk in direct if fk is not named_by[0])
            return named, own.column, own.ref_column
        return None
    if direct:
        return (named, direct[0].column, direct[0].ref_column) if len(direct) == 1 else None
    if any(fk.table == entity and fk.ref_table == named for fk in fks):
        return None  # the entity points at one row of it: "not of X" is a value, not this
    links = {
        fk.table
        for fk in fks
        if fk.ref_table == entity and any(o.table == fk.table and o.ref_table == named for o in fks)
    }
    if len(links) != 1:
        return None
    link = links.pop()
    own = [fk for fk in fks if fk.table == link and fk.ref_table == entity]
    return (link, own[0].column, own[0].ref_column) if len(own) == 1 else None


_NONE_KINDS = ("neg", "with", "without", "exist")


def _named_key(
    model: SemanticModel, entity: str, named: str, said: frozenset[str]
) -> tuple[str, str, str] | None:
    """(named, its key to the entity, the entity's key) for the one foreign key of `named` to
    the entity whose name the participle says ("students who are liked": `Likes.liked_id`)."""
    keys = [
        fk
        for fk in model.catalog.foreign_keys
        if fk.table == named
        and fk.ref_table == entity
        and said & {lx.word_key(w, "en") for w in tx.identifier_words(fk.column)}
    ]
    return (named, keys[0].column, keys[0].ref_column) if len(keys) == 1 else None


# "students who have some friends", "courses that have students enrolled", "con algún pedido":
# rows that have at least one related row (the second reading, `offline._interpret`)
_SOME = lx.words("some algun alguna algunos algunas")
_SOME_SAID = _SOME | lx.words("have has had with tiene tienen tenia tenian tuvo tuvieron con")
_NOT_SOME = lx.words("never nunca jamas ni neither nor dont doesnt didnt")
# between the columns listed of the rows and the rows ("the name and industry of companies")
_LISTED_GAP = lx.words("of and the de del y e el la los las")


def rows_without(
    model: SemanticModel, tokens: list[lx.Token], mentions: list[Mention], *, present: bool = False
) -> RelatedRows | None:
    """ "countries with no car makers", "orchestras that do not have any performances",
    "employees who never received any evaluation", "people who are not poker players",
    "how many shops have no employees", "países sin fabricantes": the rows of an entity that
    have no row at all of a table that references it (directly, or through the one table that
    references both), the related rows optionally described after it ("… with no ships lost
    in X"). Only grammar words stand between the entity and that table, one of them saying
    "none". The question is rewritten to name the related rows; its plan becomes the NOT EXISTS
    (rows with no related row kept, as "not … any" is)."""
    kinds = {  # "used by": the link, not a grouping
        m.kind
        for m in mentions
        if not (m.kind == "group" and m.start > 0 and tokens[m.start - 1].norm in _USED)
    }
    if kinds & _ROWS_BLOCKERS - {"count"}:
        return None
    schema = [n for n, m in enumerate(mentions) if m.kind == "schema"]
    counts = [m for m in mentions if m.kind == "count"]
    listed: str | None = None  # the rows whose columns were listed so far ("name and …")
    modifier: str | None = None  # the table said right before its own column ("artist names")
    modifiers: set[int] = set()
    for pos, n in enumerate(schema):
        found = _entity_of(model, mentions[n])
        if modifier is not None:
            column = own_column_said(model, modifier, mentions[n])
            if column is None:
                return None  # "artist names" where "names" is no column of the artists
            found, listed = (modifier, (column,)), None
        last_listed = found is None and listed is not None
        if last_listed:
            found = _listed_column(mentions[n], listed)  # "name and industry without …"
        modifier = None
        if (
            found is not None
            and not found[1]
            and pos + 1 < len(schema)
            and mentions[schema[pos + 1]].start == mentions[n].end
            and own_column_said(model, found[0], mentions[schema[pos + 1]]) is not None
        ):
            modifier = found[0]  # "the stadium names without …": the stadium's names
            modifiers.add(n)
            continue
        if found is None or pos + 1 >= len(schema):
            listed = None
            continue
        entity, own = found
        nxt = schema[pos + 1]
        related_at = mentions[nxt]
        gap = tokens[mentions[n].end : related_at.start]
        norms = [t.norm for t in gap]
        # "templates not used by any document": a verb that says only "used", and its "by"
        used = {j + 1 for j, w in enumerate(norms) if w in _USED and j + 1 < len(norms)}
        used = {j for j in used if norms[j] in _USED_BY}
        start = mentions[n].end
        if gap and all(
            w in _LISTED_GAP or t.kind == "symbol" for w, t in zip(norms, gap, strict=True)
        ):
            listed = entity
            continue  # "the name and industry of companies without …": columns said before
        listed = None
        if any(
            mentions[k].kind not in (("with", "exist") if present else _NONE_KINDS)
            and not (mentions[k].kind == "group" and mentions[k].start - start in used)
            for k in range(n + 1, nxt)
        ):
            return None
        if not gap or not all(
            w in _NONE_GAP
            or w in _USED
            or j in used
            or t.kind == "symbol"
            or (present and w in _SOME)
            for j, (w, t) in enumerate(zip(norms, gap, strict=True))
        ):
            return None
        passive = present and norms[-1] in _PASSIVE_BE  # "students who are liked"
        if present and (
            any(w in _NONE_SAID or w in _NOT_SOME for w in norms)
            or not (passive or any(w in _SOME_SAID for w in norms))
        ):
            return None  # "students who have (some) friends": have, with, some; no negation
        if not present and not any(w in _NONE_SAID for w in norms):
            return None
        named = _entity_of(model, related_at)
        if named is None or named[1] or named[0] == entity:
            return None
        words = {lx.word_key(t.norm, "en") for t in tokens[related_at.start : related_at.end]}
        if passive:  # the key the participle names is the rows' own ("liked": `liked_id`)
            held = _named_key(model, entity, named[0], frozenset(words))
        else:
            held = _held_by(model, entity, named[0], frozenset(words))
        if held is None:
            return None
        look_in, fk, key = held
        after = mentions[nxt + 1 :]
        if any(m.kind not in _NONE_AFTER_KINDS for m in after):
            return None
        # the related rows, and the rows they point at ("… that hire no employee from X")
        near = {named[0], look_in}
        reachable = near | {
            fk.ref_table
            for fk in model.catalog.foreign_keys
            if fk.table in near and fk.ref_table != entity
        }
        link = {(look_in, fk)}
        linked = {  # "ships lost in …" with a column `lost_in_battle`: the link itself, said
            k
            for m in after
            if m.kind == "schema" and {e.ref[:2] for e in m.entries} <= link
            for k in range(m.start, m.end)
        }
        for m in after:
            best = max((e.quality for e in m.entries), default=0)
            if (
                m.kind == "schema"
                and not {e.ref[0] for e in m.entries if e.quality == best} <= reachable
            ):
                return None  # a condition on the entity itself or a third table
        columns = [] if last_listed else list(own)
        for k, m in enumerate(mentions[schema[0] : n] if schema[0] < n else (), schema[0]):
            if m.kind != "schema" or k in modifiers:
                continue
            mine = [e.ref[1] for e in m.of("column") if e.ref[0] == entity]
            said = _label_said(model, entity, m)
            if said is not None:
                mine = [said]  # "the names of the orchestras": its label, whatever it is called
            elif lx.fold(m.text) in lx.LABEL_NAME_WORDS:
                return None  # "the name" of rows whose label is no name (a description)
            if m.has("value") or m.has("metric") or not mine:
                return None  # before the entity: only the columns listed of it
            columns.append(mine[0])
        if last_listed:
            columns += own  # the last column listed, said right before "without"
        info = model.tables[entity]
        if not columns and not _name_like(info.display, entity):
            return None  # listed by a column that is no name (a description): ask
        if columns and not {info.display, *info.key} & set(columns):
            return None  # "the countries of the channels with no …": each channel's, or a set?
        if counts and not (
            len(counts) == 1
            and counts[0].end <= mentions[schema[0]].start
            and all(t.norm in lx.FILLER for t in tokens[counts[0].end : mentions[schema[0]].start])
        ):
            return None
        rest = enumerate(tokens[related_at.start :], start=related_at.start)
        rewritten = [t for k, t in rest if t.norm not in _ANY and k not in linked]
        if not after and not model.tables[look_in].display:
            # rows with no label to list ("friends": a table of two keys) and nothing said of
            # them: counted, which names the table; the count itself is dropped (`listing`)
            seed = rewritten[0]
            lang = seed.lang
            count = ("cuantos",) if lang == "es" else ("how", "many")
            rewritten = [
                *(replace(seed, text=w, norm=w, key=lx.word_key(w, lang)) for w in count),
                *rewritten,
            ]
        return RelatedRows(
            entity,
            look_in,
            fk,
            key,
            absent=not present,
            each=False,
            tokens=rewritten,
            columns=tuple(dict.fromkeys(columns)),
            counted=bool(counts),
            lang=tokens[0].lang,
            none_at_all=not present,
            named=named[0],
            joined=tuple(sorted(reachable)),
        )
    return None
