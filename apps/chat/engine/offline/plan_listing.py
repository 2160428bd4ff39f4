"""The rows and columns a listing shows: `_read_listing` and the subject of a listing.

"the names of the products in Software", "all the information about orders and their
customers", "the document id for the document named X", a numeric column of a row named by a
value ("el precio de la Laptop Pro"), the rows a column's rows stand for ("the average age of
the gymnasts"). Called by `planner.read_parts`.
"""

from __future__ import annotations

from ..plan import ColumnRef
from . import lexicon as lx
from . import measures as ms
from .parser import (
    LABEL_BETWEEN,
    LABEL_LINKS,
    Clarify,
    Context,
    Unclear,
    column_kind,
    is_value,
    pick_numeric,
    possessor,
)
from .parser_schema import every_column_asked
from .parts import Parts
from .plan_common import _parent_tables
from .semantic import CATEGORY_VALUES, SYNONYM, Entry, linked_label
from .shown import names_its_columns


def _id_named(ctx: Context, i: int, e: Entry) -> bool:
    """ "the document id … for the document named X", "the template type code with …": an id
    column the question calls by its own name is listed, as a text column would be; so is a
    column called "id" itself ("What is Kyle's id?"). A bare "id" where no column is called so
    is the label words' business."""
    m = ctx.mentions[i]
    bare_id = m.end - m.start == 1 and ctx.tokens[m.start].norm in lx.LABEL_ID_WORDS
    return column_kind(ctx, e) == "id" and e.quality >= SYNONYM and (m.end - m.start > 1 or bare_id)


def _id_table(ctx: Context, i: int, entries: list[Entry]) -> Entry:
    """The table of a listed id column said in several tables (a key and the foreign keys that
    copy it): the one the rest of the question speaks of ("the document id … for the document
    named X"); asked back when nothing said picks one ("the different template type codes":
    every code, or the ones used?)."""
    if len({e.ref[0] for e in entries}) == 1:
        return entries[0]
    said: set[str] = set()
    for k, m in enumerate(ctx.mentions):
        if k == i or m.kind != "schema":
            continue
        tables = {e.ref[0] for e in m.entries if e.kind in ("table", "column", "value")}
        if len(tables) == 1:
            said |= tables
    found = [e for e in entries if e.ref[0] in said]
    if len({e.ref[0] for e in found}) != 1:
        raise Unclear(Clarify.AMBIGUOUS_COLUMN, ctx.mentions[i].text)
    return found[0]


def _listing_subject(ctx: Context) -> tuple[int | None, int | None]:
    """(table mention, column mention) a listing is about: "productos de Software",
    "¿qué ciudades tienen clientes?", "List the employees and their salaries"."""
    table_i = column_i = None
    for i, m in enumerate(ctx.mentions):
        if m.kind != "schema" or i in ctx.used or is_value(ctx, i):
            continue
        if m.has("table") and table_i is None:
            best_table = max(e.quality for e in m.of("table"))
            best_col = max((e.quality for e in m.of("column")), default=0)
            if best_table >= best_col or column_i is not None:
                table_i = i
                continue
        if m.has("column") and column_i is None and table_i is None:
            column_i = i
    # "¿qué ciudades tienen clientes?": the column is what is listed; but in
    # "the email of the customers" the table qualifies the column: list the table.
    column_first = column_i is not None and table_i is not None and column_i < table_i
    categorical = column_i is not None and any(
        0 < len(ctx.model.column(*e.ref).values) <= CATEGORY_VALUES
        and column_kind(ctx, e) not in ("number", "id")
        for e in ctx.mentions[column_i].of("column")
    )  # a column of names (hundreds of values) lists its rows, not its distinct values; a
    # number of each row ("the best finishes of the players") is listed row by row
    listed = {e.ref[0] for e in ctx.mentions[table_i].of("table")} if table_i is not None else set()
    # "the ages of the gymnasts": the numbers of the person each row stands for
    listed |= {(linked_label(ctx.model, t) or (t,))[0] for t in listed}
    numbers = (
        column_i is not None
        and not ctx.has("group")  # "the salary of each employee": a measure per group
        and all(
            column_kind(ctx, e) == "number" and e.ref[0] in listed
            for e in ctx.mentions[column_i].of("column")
        )
    )  # no distinct values to list: the numbers of the table's own rows
    if column_first and not numbers and (ctx.column_table.get(column_i) is None or categorical):
        return None, column_i  # "¿qué categorías de productos hay?": the distinct values
    return table_i, column_i


_ALONG = lx.words("and with y con together along")


def _tables_listed_with(ctx: Context, table_i: int, table: str) -> list[tuple[int, str]]:
    """ "all the information about orders and their customers", "… with their stores": the
    tables said after the listed one, each after "and"/"with" and ending the question. A table
    each row refers to once (its one foreign key to it) is listed beside the rows; any other
    (the customers' orders, many per row; a table farther away) is asked back, naming it, never
    left out of the answer."""
    found: list[tuple[int, str]] = []
    k = table_i + 1
    while k < len(ctx.mentions):
        linker, said = ctx.mentions[k], ctx.mentions[k + 1] if k + 1 < len(ctx.mentions) else None
        if linker.kind not in ("conj", "with") or ctx.tokens[linker.start].norm not in _ALONG:
            return []
        if said is None or said.kind != "schema" or not said.has("table") or is_value(ctx, k + 1):
            return []
        best_table = max(said.of("table"), key=lambda e: e.quality)
        if best_table.quality < max((e.quality for e in said.of("column")), default=0):
            return []  # "orders and their amounts": a column of the rows, not a table
        found.append((k + 1, best_table.ref[0]))
        k += 2
    parents = _parent_tables(ctx.model, table)
    for j, other in found:
        if other not in parents:
            raise Unclear(Clarify.UNUSED_WORD, ctx.mentions[j].text)
    return found


def _read_listing(ctx: Context, parts: Parts) -> None:
    model = ctx.model
    table_i, column_i = _listing_subject(ctx)
    if table_i is not None:
        table = max(ctx.mentions[table_i].of("table"), key=lambda e: e.quality).ref[0]
        ctx.used.add(table_i)
        parts.base = parts.listing_table = table
        info = model.tables[table]
        linked = linked_label(model, table) if names_its_columns(ctx.tokens) else None
        if linked is not None and _listed_linked(ctx, table_i, linked):
            # "the names of the players": the name of the person each player is
            parts.listing = parts.subject_columns = [ColumnRef(*linked)]
            return
        after = _own_column_right_after(ctx, table_i, table)
        joined: list[ColumnRef] = []
        if after is not None:  # "the distinct institution types": that column of the rows
            ctx.used.add(after[0])
            cols = [after[1]]
        elif every_column_asked(ctx.tokens):  # "all the information about hiring"
            cols = list(info.columns)
            # "… about orders and their customers": each order's customer's columns too
            for j, other in _tables_listed_with(ctx, table_i, table):
                ctx.used.add(j)
                joined += [ColumnRef(other, c) for c in model.tables[other].columns]
        elif info.named and info.display and names_its_columns(ctx.tokens):
            # "the names (and ids) of the nations that…": those columns, not every column
            ids = any(t.norm in lx.LABEL_ID_WORDS for t in ctx.tokens) and len(info.key) == 1
            cols = [info.display, *(info.key if ids else ())]
        elif table == model.fact or not info.named:
            # rows with no name of their own, or dated events (an order, whatever its ShipName):
            # their key says which row each is ("order 10248"); a lone table of named things
            # (cities) is listed by what it holds
            event = table == model.fact and bool(info.dates)
            cols = list(info.key) if len(info.key) == 1 and (event or not info.named) else []
            cols += [c for c in info.columns if model.column(table, c).kind != "id"]
        else:
            cols = [info.display] if info.display else list(info.columns[:1])
        refs = [ColumnRef(table, c) for c in cols]
        if joined:
            parts.listing = parts.subject_columns = [*refs, *joined]
            return
        if not info.named:  # "the final tables made and best finishes of players"
            # "the ages of the gymnasts": a column of the person each row stands for
            stands_for = (linked_label(model, table) or (table,))[0]
            said = _columns_said_before(ctx, table_i, {table, stands_for})
            refs = [ref for _i, ref in said] or refs
            ctx.used.update(i for i, _ref in said)
        parts.listing = parts.subject_columns = refs
        return
    if column_i is not None:
        m = ctx.mentions[column_i]
        mentioned = {e.ref[0] for mm in ctx.mentions if mm.kind == "schema" for e in mm.of("table")}
        owner = possessor(ctx, column_i)  # "Kyle's id": the key of the row said
        entries = sorted(
            (
                e
                for e in m.of("column")
                if column_kind(ctx, e) in ("text", "date")
                or e.ref[0] == owner
                and model.tables[owner].key == (e.ref[1],)
                or _id_named(ctx, column_i, e)
            ),
            key=lambda e: (e.ref[0] not in mentioned, -e.quality, e.ref[0] != model.fact, e.ref),
        )
        if entries and column_kind(ctx, entries[0]) == "id":
            entries = [_id_table(ctx, column_i, entries)]
        if entries:
            table, column = entries[0].ref
            ctx.used.add(column_i)
            parts.base = parts.listing_table = table
            parts.listing = [ColumnRef(table, column)]
            # "los nombres de las ciudades", "city names" (a synonym that says its table) list
            # the table's rows, as "the names of the cities" does; a category's values are
            # listed once each; the rows' own text said with their table's word ("the paragraph
            # texts of …") lists every row, however few values a small table holds
            said = any(mm.kind == "distinct" for mm in ctx.mentions)  # "los distintos modelos"
            own = _says_own_table(ctx, column_i, table)
            parts.distinct = said or not own
            return
    lookup = _numeric_lookup(ctx, parts)
    if lookup:
        return
    raise Unclear(Clarify.NO_METRIC)


# "the average age *across* all gymnasts", "*among* the players"
_ROWS_OF = LABEL_LINKS | lx.words("across among entre")


def _rows_standing_for(ctx: Context, table: str) -> str | None:
    """ "the average age of the gymnasts", "la edad media de los gimnastas": a column of `table`
    said "of" a table whose rows each stand for a row of `table` (`semantic.linked_label`: no
    name of its own, one foreign key to `table`) is that column of those rows, through the
    key; that table is the base. Marks the table word used."""
    found = set()
    for i in range(1, len(ctx.mentions)):
        m, before = ctx.mentions[i], ctx.mentions[i - 1]
        if m.kind != "schema" or before.kind != "schema" or is_value(ctx, i):
            continue
        if not any(e.ref[0] == table for e in before.of("column")):
            continue
        if before.plural and not ctx.has("agg"):
            continue  # "the ages of the gymnasts": each one's, a listing
        between = {t.norm for t in ctx.tokens[before.end : m.start]}
        if not between & _ROWS_OF or not between <= _ROWS_OF | LABEL_BETWEEN:
            continue
        found |= {
            (i, e.ref[0])
            for e in m.of("table")
            if e.ref[0] != table and (linked_label(ctx.model, e.ref[0]) or ("",))[0] == table
        }
    if len(found) != 1:
        return None
    ((i, rows),) = found
    ctx.used.add(i)
    return rows


def _listed_linked(ctx: Context, table_i: int, linked: tuple[str, str]) -> bool:
    """Whether the name words said before the listed table (mention `table_i`) are all read
    as `linked`, the name of the row each of its rows stands for (`semantic.linked_label`);
    they are then used. Any other column said before it: not this shape."""
    said = []
    for i in range(table_i):
        m = ctx.mentions[i]
        if m.kind in ("list", "conj") or (m.kind == "schema" and i in ctx.used):
            continue
        if m.kind != "schema" or {e.ref for e in m.entries} != {linked}:
            return False
        said.append(i)
    ctx.used.update(said)
    return bool(said)


def _own_column_right_after(ctx: Context, table_i: int, table: str) -> tuple[int, str] | None:
    """(mention, column) of "the institution types", "the painter countries": a column of
    the listed table said right after the table's name, the last word said, is what is
    listed (it listed every column, or the label and the column)."""
    k = table_i + 1
    if k != len(ctx.mentions) - 1:
        return None
    m, named = ctx.mentions[k], ctx.mentions[table_i]
    if m.kind != "schema" or m.start != named.end or k in ctx.used or is_value(ctx, k):
        return None
    if m.has("table") or m.has("metric") or not m.has("column"):
        return None
    own = [e for e in m.of("column") if e.ref[0] == table]
    if not own or max(e.quality for e in own) < max(e.quality for e in m.entries):
        return None
    return k, max(own, key=lambda e: e.quality).ref[1]


def _columns_said_before(
    ctx: Context, table_i: int, tables: set[str]
) -> list[tuple[int, ColumnRef]]:
    """The listed table's columns (or those of `tables`, the rows its rows stand for) named
    before it, each said as a column only ("the X and the Y of the players"): a table with no
    name column is listed by those, not by all."""
    said: list[tuple[int, ColumnRef]] = []
    for i in range(table_i):
        m = ctx.mentions[i]
        if m.kind in ("list", "conj", "distinct") or (m.kind == "schema" and i in ctx.used):
            continue
        if m.kind != "schema" or is_value(ctx, i) or m.has("table") or m.has("metric"):
            return []
        own = [e for e in m.of("column") if e.ref[0] in tables]
        # another table's column of the same name ("type code" of a reference table too) is
        # no better a reading than the listed table's own
        if not own or max(e.quality for e in own) < max(e.quality for e in m.entries):
            return []
        said.append((i, ColumnRef(*max(own, key=lambda e: e.quality).ref)))
    return said


def _columns_of_said_rows(ctx: Context, parts: Parts) -> bool:
    """Whether a listing is of several columns of one table the question names by itself ("the
    nationalities and ages of journalists"), with nothing from another table: each row of the
    table is one line, as its rows are listed (a category's values once each is said of one
    column alone: "the nationalities of journalists")."""
    table = parts.listing_table
    if table is None or len(parts.listing) < 2 or parts.metrics or parts.dims:
        return False
    if any(c.table != table for c in parts.listing) or not ctx.model.tables[table].key:
        return False
    if any(f.table != table for f in [*parts.filters, *parts.numeric]):
        return False
    said = [m for m in ctx.mentions if m.kind == "schema"]
    named = any(
        any(e.kind == "table" and e.ref[0] == table for e in m.entries)
        and max(e.quality for e in m.of("table")) >= max(e.quality for e in m.entries)
        for m in said
    )
    others = {e.ref[0] for m in said for e in m.entries if e.kind in ("table", "value")}
    return named and others <= {table}


def _says_own_table(ctx: Context, i: int, table: str) -> bool:
    """Whether a word of mention i names `table` (the "ciudad" of "nombre de la ciudad")."""
    m = ctx.mentions[i]
    for token in ctx.tokens[m.start : m.end]:
        entries = ctx.model.lookup(token.key, ctx.lang) or ()
        if any(e.kind == "table" and e.ref[0] == table for e in entries):
            return True
    return False


def _numeric_lookup(ctx: Context, parts: Parts) -> bool:
    """ "¿Cuál es el precio de lista de la Laptop Pro?": a numeric column of the table whose
    display value is named is listed; otherwise the column is aggregated (AVG/SUM)."""
    model = ctx.model
    for i, m in enumerate(ctx.mentions):
        if m.kind != "schema" or i in ctx.used or is_value(ctx, i):
            continue
        numeric = [e for e in m.of("column") if column_kind(ctx, e) == "number"]
        if not numeric:
            continue
        table, column = pick_numeric(ctx, i, numeric)
        ctx.used.add(i)
        parts.base = table
        display = model.tables[table].display
        named = table != model.fact and any(
            e.ref[0] == table and e.ref[1] == display
            for j, v in enumerate(ctx.mentions)
            if v.kind == "schema" and is_value(ctx, j)
            for e in v.of("value")
        )
        if named:
            parts.listing_table = table
            parts.listing = [ColumnRef(table, column)]
        else:
            parts.metrics = [ms.column_metric_key(model, table, column, None)]
            parts.metrics_said = True
        return True
    return False
