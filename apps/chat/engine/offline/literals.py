"""Values the value index cannot supply, said right after their column's name (issue 13 §3).

Personal columns are never indexed, and a text column with too many distinct values is not
either, so "the customer with the first name Linda" or "the address 1031 Daugavpils Parkway"
name a value the catalog does not know. Said right after the column's name ("the <column>
<Value>", "whose <column> is <Value>", "<column> '<value>'"), written as a name (capitalised,
or a number then capitalised words) or quoted, it is taken as written: an equality on that
column, compared without case (op `said`). The pipeline checks that some row has it when the
answer finds nothing, and asks back naming the value when none does
(`pipeline/execution.py: _said_value_missing`).

One rewrite stage after the first scan: the value (and, when a table is named right before
the column, the whole "with the <column> <Value>" phrase) is taken out of the tokens, and the
filter is added to the plan once its table is known.

Personal data: the engine reads with the caller's catalog, and the guard refuses a masked
column in WHERE (`column_masked`) whatever the value, so a role that may not see the column
gets the same refusal whether a row has the value or not: no existence oracle.
"""

from __future__ import annotations

from collections import ChainMap
from dataclasses import dataclass, replace

from datachat import text as tx

from ..plan import Filter, QueryPlan
from . import lexicon as lx
from .scan import Mention
from .semantic import EXACT, Entry, SemanticModel

# Between the column's name and its value: "whose first name is Linda", "named", "=".
_LEADS = lx.words("is es was era = named called llamado llamada llamados llamadas")
# Between a table's name and the column's name: "the customer with the first name",
# "a staff member who has the first name", "el cliente con el nombre", "whose".
_LINKS = lx.words(
    "with whose who that has have having the a an of con cuyo cuya cuyos cuyas que tiene "
    "tienen de el la los las un una"
)
_AND = _LINKS | lx.words("and y")
_INSIDE = ("", " ", "-", ".", ",", "@", "_", "+", "/", "#", "&")  # between a quoted value's words
_QUOTES = "'\"“”‘’«»"


# Between two values of one column: "directed by Ben Jones or Brandon Vietti" (any of them).
# The last word of a column that says who or what did something to the row: `Directed_by`,
# `Written_by`, `Creado_por`. The name said after it ("written by Joseph Kuhr") is read as a
# value of that column (`name_rows`), as an indexed value would be.
_AGENT = lx.words("by por")
_ALSO = lx.OR_WORDS | lx.words("and y")
# Before a place, not a person: "customers in Sevilla", "ventas de clientes de Sevilla".
_PLACE = lx.words("in at from en de desde")


@dataclass(frozen=True)
class Literal:
    table: str
    column: str
    values: tuple[str, ...]  # as written (without their quotes); several: any of them

    @property
    def value(self) -> str:
        return self.values[0]


def take_literals(
    question: str, model: SemanticModel, tokens: list[lx.Token], mentions: list[Mention]
) -> tuple[list[lx.Token], list[Literal]]:
    """(tokens without the literal values said after their column, the literals found)."""
    if _title_case(tokens):
        return tokens, []  # "Where Does The Customer Live": capitals say nothing here
    clean = tx.plain_quotes(question)
    cut: set[int] = set()
    found: list[Literal] = []
    last: tuple[str, int] | None = None  # the table of the last literal, and where it ended
    for n, m in enumerate(mentions):
        columns = _open_columns(model, m)
        if not columns or any(i in cut for i in range(m.start, m.end)):
            continue
        if tokens[m.end - 1].norm in _AGENT:
            continue  # "directed by Ben Jones": a name of the column, read as a value (name_rows)
        start = m.end
        if start < len(tokens) and tokens[start].norm in _LEADS:
            start += 1
        end = _value_end(clean, tokens, start)
        if end is None:
            continue
        before = _table_before(mentions, n, tokens)
        tables, first = (_tables(before), before.end) if before is not None else (set(), -1)
        if last is not None and all(t.norm in _AND for t in tokens[last[1] : m.start]):
            tables, first = {last[0]}, last[1]  # "… first name April and the last name Burns"
        ref = _column_of(model, columns, tables or (_tables(m) if m.has("table") else set()))
        if ref is None:
            continue
        values = [clean[tokens[start].start : tokens[end - 1].end]]
        if ref[0] in tables:
            pass  # "with the first name Linda" goes; "the customer" stays
        elif m.has("table"):
            first = start  # "the address 1031 …": the word names the table too, it stays
        elif before is None and _quoted(clean, tokens[start]) and start == m.end:
            # "between bulgarian commander 'Kaloyan' and …": a condition (never "the bridge
            # named 'X'", another table's column after a table named)
            first = m.start
        else:
            continue  # the column alone would be read as a column to show
        while end + 1 < len(tokens) and tokens[end].norm in lx.OR_WORDS:
            more = _value_end(clean, tokens, end + 1)  # "… Ben Jones or Brandon Vietti"
            if more is None:
                break
            values.append(clean[tokens[end + 1].start : tokens[more - 1].end])
            end = more
        cut.update(range(first, end))
        found.append(Literal(ref[0], ref[1], tuple(values)))
        last = (ref[0], end)
    if not found:
        return tokens, []
    return [t for i, t in enumerate(tokens) if i not in cut], found


def name_rows(
    question: str, model: SemanticModel, tokens: list[lx.Token], mentions: list[Mention]
) -> tuple[SemanticModel, frozenset[tuple[str, str, str, bool]]]:
    """A name said alone ("What grade is Kyle in?", "Kyle's friends") that nothing in the
    question maps, read as the name of a row of the one table whose naming column the index
    does not hold (a personal column: a person's first name). That table is the one among the
    tables the question names, else the only such table of the source with a personal naming
    column; two candidates, none, a quoted word or the question's first word (a capital that
    says nothing) give nothing.

    The name becomes a value of that column for this question only (a model whose phrase
    index has it), so it is read as any value is ("Kyle's id", "the grade of Kyle"); the
    filters it makes are then turned into `said` ones (`said_rows`), so the pipeline asks back
    naming it when no row has it. Each name comes as (table, column, text, guessed): guessed
    when its column is the default one, not the column a verb said ("directed by X")."""
    if _title_case(tokens):
        return model, frozenset()
    clean = tx.plain_quotes(question)
    covered = {i for m in mentions for i in range(m.start, m.end)}
    runs: list[tuple[int, int]] = []
    k = 1  # the first word is capitalised anyway
    while k < len(tokens):
        # after "<verb> by" (or "by A or"), capitalised words are a name even where one of
        # them means something else ("hosted by Max Hu"); elsewhere only unread words are
        agent = tokens[k - 1].norm in _AGENT or (
            tokens[k - 1].norm in _ALSO and bool(runs) and runs[-1][1] == k - 1
        )
        quoted = _inside_quotes(clean, tokens[k].start) and not agent
        if (k in covered and not agent) or quoted or not _name_word(tokens[k]):
            k += 1
            continue
        if not agent and (tx.pertainym_nouns(tokens[k].norm) or tokens[k - 1].norm in _PLACE):
            k += 1  # "How many Dutch painters", "clientes de Sevilla": no person's name
            continue
        end = k
        while end < len(tokens) and (end not in covered or agent) and _name_word(tokens[end]):
            end += 1
        runs.append((k, end))
        k = end
    if not runs:
        return model, frozenset()
    named = {e.ref[0] for m in mentions if m.kind == "schema" for e in m.entries if e.ref}
    default = _open_name_column(model, named) or (
        None if any(_open_display(model, t) for t in named) else _open_name_column(model, None)
    )
    added: dict[str, dict[str, tuple[Entry, ...]]] = {}  # language -> names read here
    said = set()
    last: tuple[int, tuple[str, str]] | None = None  # where the last name ended, its column
    for start, end in runs:
        column = _agent_column(model, tokens, start)
        if column is None and last is not None and last[0] == start - 1:
            column = last[1] if tokens[start - 1].norm in _ALSO else None  # "by A or B"
        guessed = column is None
        column = column or default
        if column is None:
            continue
        last = (end, column)
        text = clean[tokens[start].start : tokens[end - 1].end]
        text = text[:-2] if text.endswith(("'s", "’s")) else text  # "Kyle's id"
        entry = Entry("value", (column[0], column[1], text), EXACT)
        key = " ".join(t.key for t in tokens[start:end])
        lang = tokens[start].lang if tokens[start].lang in model.phrases else "es"
        added.setdefault(lang, {})[key] = (entry,)
        said.add((column[0], column[1], text, guessed))
    if not said:
        return model, frozenset()
    # the names over the model's own index, for this question only (no copy of the index)
    phrases = {
        lang: ChainMap(added[lang], index) if lang in added else index
        for lang, index in model.phrases.items()
    }
    return replace(model, phrases=phrases), frozenset(said)


def _agent_column(
    model: SemanticModel, tokens: list[lx.Token], start: int
) -> tuple[str, str] | None:
    """The one column a name after "<verb> by" is a value of ("shows produced by Ann Roe",
    "shops managed by 'Ben Orr'"): a text column the index does not hold whose name shares the
    verb's stem (`producer`, `Directed_by`), or the naming column of the table a foreign key
    named like the verb points to (`manager_id` → the clerks' names). None unless exactly one."""
    if start < 2 or tokens[start - 1].norm not in _AGENT or tokens[start - 2].kind != "word":
        return None
    verb = tx.stem(tokens[start - 2].norm, "en")
    if len(verb) < 3:
        return None

    def says_verb(name: str) -> bool:
        return any(tx.stem(w, "en").startswith(verb) for w in tx.identifier_words(name))

    found = {
        ref
        for ref, col in model.columns.items()
        if col.kind == "text" and not col.values and says_verb(ref[1])
    }
    for fk in model.catalog.foreign_keys:
        display = _open_display(model, fk.ref_table)
        if display is not None and says_verb(fk.column):
            found.add((fk.ref_table, display))
    return found.pop() if len(found) == 1 else None


def _inside_quotes(clean: str, at: int) -> bool:
    """Whether position `at` of the question is inside a quoted text ("the first line '1
    Secret Lane'"): an odd number of quotes before it, not counting an apostrophe between two
    letters ("Kyle's")."""
    marks = 0
    for i, ch in enumerate(clean[:at]):
        if ch not in _QUOTES:
            continue
        inner = 0 < i < len(clean) - 1 and clean[i - 1].isalnum() and clean[i + 1].isalnum()
        marks += not inner
    return marks % 2 == 1


def said_rows(plan: QueryPlan, named: frozenset[tuple[str, str, str, bool]]) -> QueryPlan:
    """The plan with the filters on names read by `name_rows` made `said` (any case; the
    pipeline asks back a name no row has), `guessed` when the engine chose a name's column."""
    if not named:
        return plan
    read = {(table, column, text): guessed for table, column, text, guessed in named}
    filters = tuple(
        replace(
            f,
            op="said",
            guessed=any(read[(f.table, f.column, v)] for v in f.values),
        )
        if f.op in ("=", "in") and all((f.table, f.column, v) in read for v in f.values)
        else f
        for f in plan.filters
    )
    return plan.with_changes(filters=filters)


def _open_display(model: SemanticModel, table: str) -> str | None:
    """The column that names the rows of `table` when the index does not hold its values."""
    info = model.tables.get(table)
    if info is None or not info.named or info.display is None:
        return None
    col = model.column(table, info.display)
    return info.display if col is not None and col.kind == "text" and not col.values else None


def _open_name_column(model: SemanticModel, tables: set[str] | None) -> tuple[str, str] | None:
    """The one (table, naming column) with no indexed values among `tables` (all when None;
    then only a personal one: a person's name)."""
    found = []
    for table in sorted(model.tables if tables is None else tables):
        display = _open_display(model, table)
        if display is None:
            continue
        if tables is None and not model.column(table, display).pii:
            continue
        found.append((table, display))
    return found[0] if len(found) == 1 else None


def apply_literals(plan: QueryPlan, literals: list[Literal], model: SemanticModel) -> QueryPlan:
    """The plan with one `said` filter per literal; None when its table cannot be reached."""
    filters = list(plan.filters)
    for lit in literals:
        if model.path(plan.table, lit.table) is None:
            return None
        filters.append(Filter(lit.table, lit.column, "said", lit.values))
    return plan.with_changes(filters=tuple(filters))


def _open_columns(model: SemanticModel, m: Mention) -> list[tuple[str, str]]:
    """The text columns a schema mention names whose values the index does not hold."""
    if m.kind != "schema" or m.has("value") or m.has("metric"):
        return []
    found = []
    for e in m.of("column"):
        col = model.column(*e.ref)
        if col is not None and col.kind == "text" and not col.values:
            found.append(e.ref)
    return found


def _value_end(clean: str, tokens: list[lx.Token], start: int) -> int | None:
    """One past the last token of a value said from `start`: quoted, or a name (capitalised
    words, possibly after a number: "1031 Daugavpils Parkway"). None when none is said there."""
    if start >= len(tokens):
        return None
    head = tokens[start]
    opening = clean[: head.start].rstrip()
    if opening and opening[-1] in _QUOTES:
        for k in range(start, len(tokens)):
            rest = clean[tokens[k].end :]
            if rest[:1] in _QUOTES:
                return k + 1
            if rest[:1] not in _INSIDE and not rest[:1].isalnum():
                return None
        return None
    k = start
    if head.kind == "number":
        k += 1
    while k < len(tokens) and _name_word(tokens[k]):
        k += 1
    if k == start or (head.kind == "number" and k == start + 1):
        return None
    return k


def _quoted(clean: str, head: lx.Token) -> bool:
    """Whether a value's first token opens a quotation ("commander 'Kaloyan'")."""
    opening = clean[: head.start].rstrip()
    return bool(opening) and opening[-1] in _QUOTES


def _name_word(token: lx.Token) -> bool:
    return (
        token.kind == "word"
        and token.text[:1].isupper()
        and token.norm not in lx.STOPWORDS
        and token.norm not in _LEADS
    )


def _title_case(tokens: list[lx.Token]) -> bool:
    words = [t for t in tokens if t.kind == "word"]
    upper = sum(t.text[:1].isupper() for t in words)
    return len(words) >= 4 and upper * 2 > len(words)


def _tables(m: Mention) -> set[str]:
    return {e.ref[0] for e in m.of("table")}


def _table_before(mentions: list[Mention], n: int, tokens: list[lx.Token]) -> Mention | None:
    """The table named just before mention `n`, with only linking words between."""
    for prev in reversed(mentions[:n]):
        if prev.kind != "schema":
            continue
        if not prev.has("table"):
            return None
        between = tokens[prev.end : mentions[n].start]
        if all(t.norm in _LINKS for t in between):
            return prev
        return None
    return None


def _column_of(
    model: SemanticModel, columns: list[tuple[str, str]], tables: set[str]
) -> tuple[str, str] | None:
    """The column meant: the one of the table named before it, else the only table's."""
    if tables:
        own = [ref for ref in columns if ref[0] in tables]
        if len(own) == 1:
            return own[0]
        named = [ref for ref in own if ref[1] == ref[0]]  # `address.address` for "the address"
        if len(named) == 1:
            return named[0]
    tables = {ref[0] for ref in columns}
    if len(tables) == 1 and len(columns) == 1:
        return columns[0]
    return None


def code_word_before_value(
    model: SemanticModel, tokens: list[lx.Token], mentions: list[Mention], unmapped: list[str]
) -> list[lx.Token] | None:
    """ "templates with the code PP", "plantillas con el código PP": the last (or first) word
    of a code column's name (`Template_Type_Code`, a key holding a short list of codes), said
    alone right before one of its codes, is that column's whole name ("template type code
    PP"), which the scan reads as the column and its value. Only a word nothing else explains,
    and only when every column holding the value has that word at an end of its name; None
    when nothing was rewritten."""
    unknown = set(unmapped)
    starts = {m.start: m for m in mentions if m.kind == "schema"}
    for i, tok in enumerate(tokens[:-1]):
        after = starts.get(i + 1)
        if tok.kind != "word" or tok.text not in unknown or after is None:
            continue
        if after.has("table") or after.has("metric") or not after.has("value"):
            continue
        names = set()
        for e in after.of("value"):
            col = model.column(e.ref[0], e.ref[1])
            words = tx.identifier_words(e.ref[1])
            if col is None or col.kind != "id" or not col.values or len(words) < 2:
                names = set()
                break
            heads = {words[-1], words[0]}  # "type code", and "código tipo" in Spanish names
            said = {tx.stem(w, lang) for w in heads for lang in tx.LANGUAGES}
            said |= {tx.stem(es, "es") for w in heads for es in lx.spanish_words(w)}
            if tok.key not in said and tx.stem(tok.norm, "en") not in said:
                names = set()
                break
            names.add(" ".join(words))
        if len(names) != 1:
            continue
        made = [
            replace(tok, text=w, norm=w, key=lx.word_key(w, tok.lang))
            for w in next(iter(names)).split()
        ]
        return [*tokens[:i], *made, *tokens[i + 1 :]]
    return None
