"""The offline answer to schema questions (no LLM): catalog facts, cited from retrieved documents.

"What columns does ventas have?", "how is gross margin defined?", "what values can canal take?"
have exact answers in the catalog (tables, columns, types, descriptions, value index, foreign
keys, metric definitions), so this module answers them from the catalog, which is authoritative,
and cites the knowledge documents retrieval found for the same subject. Documents can be stale;
the catalog is what the SQL guard enforces.

Policy first: only tables in `allowed_tables` exist for the caller. A question whose subject is a
table the caller may not see gets a polite refusal that names neither the table's columns nor
anything else about it; descriptions of allowed things that mention a hidden table are trimmed.
Nothing is answered without a source: when the question matches nothing in the catalog and no
retrieved document is relevant, the answer is a clarification (`found=False`).

Pure module: no Django imports.
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from apps.knowledge.engine.catalog import CatalogSnapshot, ColumnInfo, ForeignKeyInfo, MetricDef
from apps.knowledge.engine.retrieval import Hit, denied_terms, redact_lines
from datachat.contract import SCHEMA_KINDS
from datachat.text import STOPWORDS, detect_language, fold, identifier_words, index_terms, stem
from datachat.text import words as text_words

__all__ = ["KINDS", "RagAnswer", "compose_schema_answer", "detect_kind"]

KINDS = SCHEMA_KINDS  # the contract's kinds of schema question (datachat/contract.py)

Source = tuple[str, str]  # (document_id, title)


@dataclass(frozen=True)
class RagAnswer:
    """A Markdown answer, the documents it rests on, and whether anything was found.

    `kind` is the question kind that was answered (None for clarifications and refusals).
    """

    text: str
    sources: tuple[Source, ...]
    found: bool
    kind: str | None = None
    # The question was about a table the caller may not see: a refusal, not a clarification.
    denied: bool = False


# --------------------------------------------------------------------------------------------
# Texts
# --------------------------------------------------------------------------------------------

_T = {
    "es": {
        "table_intro": "La tabla **{t}** tiene {n} columnas.",
        "columns": "Columnas",
        "pk": "clave primaria",
        "masked": "enmascarada para tu rol",
        "pii": "dato personal",
        "refs": "une con",
        "referenced_by": "La referencian",
        "metric_def": "Definición SQL",
        "metric_table": "sobre la tabla",
        "synonyms": "Sinónimos",
        "needs_join": "Necesita unir",
        "column_intro": "La columna **{t}.{c}** ({type})",
        "values_intro": "Valores de **{t}.{c}**",
        "values_none": "No hay una lista de valores indexada para **{t}.{c}** ({type}).",
        "values_masked": "**{t}.{c}** es un dato personal o enmascarado: sus valores no se listan.",
        "value_of": "«{v}» es un valor de **{t}.{c}**.",
        "join_pair": "**{a}** y **{b}** se unen así:",
        "join_none": "No hay una relación por clave foránea entre **{a}** y **{b}**.",
        "join_one": "Relaciones de **{t}**:",
        "join_one_none": "La tabla **{t}** no tiene relaciones por clave foránea con otras tablas "
        "que puedas consultar.",
        "tables_intro": "Puedes consultar estas tablas:",
        "denied": "No tienes acceso a esa tabla, así que no puedo describirla. "
        "Sí puedo ayudarte con estas tablas: {tables}.",
        "denied_none": "No tienes acceso a esa tabla, así que no puedo describirla.",
        "clarify": "No encontré documentación sobre eso. ¿Puedes concretar la pregunta? "
        "Por ejemplo:",
        "ask_columns": "¿Qué columnas tiene la tabla {t}?",
        "ask_metric": "¿Cómo se calcula {m}?",
        "ask_values": "¿Qué valores puede tomar {c}?",
        "ask_tables": "¿Qué tablas puedo consultar?",
        "excerpt": "Según **{title}**:",
        "unit": "Moneda o unidad",
    },
    "en": {
        "table_intro": "Table **{t}** has {n} columns.",
        "columns": "Columns",
        "pk": "primary key",
        "masked": "masked for your role",
        "pii": "personal data",
        "refs": "joins",
        "referenced_by": "Referenced by",
        "metric_def": "SQL definition",
        "metric_table": "over table",
        "synonyms": "Synonyms",
        "needs_join": "Needs a join",
        "column_intro": "Column **{t}.{c}** ({type})",
        "values_intro": "Values of **{t}.{c}**",
        "values_none": "There is no indexed list of values for **{t}.{c}** ({type}).",
        "values_masked": "**{t}.{c}** is personal or masked data: its values are not listed.",
        "value_of": "“{v}” is a value of **{t}.{c}**.",
        "join_pair": "**{a}** and **{b}** join like this:",
        "join_none": "There is no foreign-key relationship between **{a}** and **{b}**.",
        "join_one": "Relationships of **{t}**:",
        "join_one_none": "Table **{t}** has no foreign-key relationships with other tables you "
        "can query.",
        "tables_intro": "You can query these tables:",
        "denied": "You don't have access to that table, so I can't describe it. "
        "I can help with these tables: {tables}.",
        "denied_none": "You don't have access to that table, so I can't describe it.",
        "clarify": "I couldn't find documentation about that. Could you be more specific? "
        "For example:",
        "ask_columns": "What columns does the {t} table have?",
        "ask_metric": "How is {m} calculated?",
        "ask_values": "What values can {c} take?",
        "ask_tables": "Which tables can I query?",
        "excerpt": "According to **{title}**:",
        "unit": "Currency or unit",
    },
}


def _lang(lang: str) -> str:
    code = (lang or "es").strip().lower()[:2]
    return code if code in _T else "es"


# --------------------------------------------------------------------------------------------
# Kind detection
# --------------------------------------------------------------------------------------------

# Matched on the accent-folded, lower-cased question. Order matters: the first kind that
# matches wins ("what values does X have" is about values, not about "what ... have").
_KIND_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        (
            "tables",
            r"\b(que|cuales) tablas\b|\btablas (hay|existen|tengo|puedo|disponibles)\b"
            r"|\blista(do)? de (las )?tablas\b|\b(what|which) tables\b|\blist (all |the )?tables\b"
            r"|\bavailable tables\b|\btables (are there|can i|do i|exist)\b",
        ),
        (
            "join",
            r"\b(se )?(relaciona|relacionan|une|unen|junta|juntan|cruza|cruzan)\b"
            r"|\brelacion(es)? entre\b|\bjoin(s|ed|ing)?\b|\brelat(e|ed|ion|ionship)s?\b"
            r"|\bunir\b|\bcruzar\b|\bconnect(ed)?\b|\blink(ed)?\b",
        ),
        (
            "column_values",
            r"\b(que|cuales|posibles|distintos) valores\b|\bvalores (posibles|permitidos|validos"
            r"|distintos|puede|pueden|tiene|toma|hay)\b|\b(what|which|possible|allowed|valid"
            r"|distinct) values\b|\bvalues (can|does|do|of|are)\b|\bopciones de\b",
        ),
        (
            "column_meaning",
            r"\bque significa\b|\bsignificado\b|\bque quiere decir\b|\bque representa\b"
            r"|\bwhat does\b.*\bmean\b|\bmeaning of\b|\bwhat is the meaning\b"
            r"|\b(que es|describe) (la|el) (columna|campo)\b|\bwhat is the \w+ (column|field)\b",
        ),
        (
            "metric_definition",
            r"\bcomo se (calcula|define|mide|obtiene|computa)\b|\bcomo (calculo|calcular|mido)\b"
            r"|\bformula\b|\bdefinicion\b|\bhow (is|are|do (i|you|we)) .*"
            r"(defined|calculated|computed|measured|calculate|compute|measure)\b"
            r"|\bdefinition of\b|\bhow to (calculate|compute|measure)\b",
        ),
        (
            "table_columns",
            r"\b(que|cuales) (columnas|campos|datos|informacion)\b|\bcolumnas (tiene|de|hay)\b"
            r"|\bcampos (tiene|de|hay)\b|\bestructura de\b|\bdescribe la tabla\b"
            r"|\b(what|which) (columns|fields|data|information)\b|\bcolumns (does|of|in)\b"
            r"|\bfields (does|of|in)\b|\bschema of\b|\bdescribe the table\b",
        ),
    )
)
_TABLE_WORD = re.compile(r"\b(tabla|tablas|table|tables)\b")


def detect_kind(question: str) -> str | None:
    """The question kind suggested by its wording alone (None when no keyword matches)."""
    folded = fold(question)
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(folded):
            return kind
    return None


# --------------------------------------------------------------------------------------------
# Entity matching (accent-insensitive, plural-insensitive phrase matching over the catalog)
# --------------------------------------------------------------------------------------------


def _phrase(text: str, lang: str) -> tuple[str, ...]:
    # Underscores separate words, so "costo_unitario" and "costo unitario" are the same phrase.
    return tuple(stem(w, lang) for w in text_words(text))


def _name_phrase(name: str, lang: str) -> tuple[str, ...]:
    """A table or column name in any style: `UnitPrice` is the phrase "unit price"."""
    return tuple(stem(w, lang) for w in identifier_words(name))


# Function words, as stems in either language: a phrase made only of them matches nothing.
_STOP_STEMS = frozenset(stem(w, lang) for lang, ws in STOPWORDS.items() for w in ws)


@dataclass
class _Group:
    """Everything one span of the question may refer to (a table, columns, metrics, values)."""

    start: int
    end: int
    exact: bool = False
    tables: list[str] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)
    metrics: list[MetricDef] = field(default_factory=list)
    values: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def length(self) -> int:
        return self.end - self.start


def _occurrences(needle: tuple[str, ...], hay: tuple[str, ...]) -> Iterable[int]:
    n = len(needle)
    if n == 0 or all(w in _STOP_STEMS for w in needle):
        return ()
    return (i for i in range(len(hay) - n + 1) if hay[i : i + n] == needle)


def _match_entities(question: str, catalog: CatalogSnapshot) -> list[_Group]:
    """Spans of the question that name catalog things, outermost first.

    Within a span, an exact name beats synonyms ("empleados" is the table, whatever else lists
    it as a synonym). A span inside a longer one is dropped ("total" inside "revenue total",
    "venta" inside "canal de venta").
    """
    lang = detect_language(question)  # both sides are stemmed in the question's language
    hay = _phrase(question, lang)
    raw: dict[tuple[int, int], dict[bool, _Group]] = {}

    def add(phrase: str, exact: bool, kind: str, item: object, *, name: bool = False) -> None:
        needle = _name_phrase(phrase, lang) if name else _phrase(phrase, lang)
        for start in _occurrences(needle, hay):
            span = (start, start + len(needle))
            group = raw.setdefault(span, {}).setdefault(exact, _Group(*span, exact=exact))
            bucket = getattr(group, kind)
            if item not in bucket:
                bucket.append(item)

    for table in catalog.tables:
        add(table.name, True, "tables", table.name, name=True)
        for syn in table.synonyms:
            add(syn, False, "tables", table.name)
        for col in table.columns:
            add(col.name, True, "columns", (table.name, col.name), name=True)
            for syn in col.synonyms:
                add(syn, False, "columns", (table.name, col.name))
            if col.values and not col.pii:
                for value in col.values:
                    add(value, False, "values", (table.name, col.name, value))
    for metric in catalog.metrics:
        add(metric.name, True, "metrics", metric)
        for syn in metric.synonyms:
            add(syn, False, "metrics", metric)

    groups = [by_exact[True] if True in by_exact else by_exact[False] for by_exact in raw.values()]
    kept = [
        g
        for g in groups
        if not any(o.start <= g.start and g.end <= o.end and o.length > g.length for o in groups)
    ]
    return sorted(kept, key=lambda g: (g.start, -g.length))


# --------------------------------------------------------------------------------------------
# Policy helpers
# --------------------------------------------------------------------------------------------


def _metric_tables(metric: MetricDef, catalog: CatalogSnapshot) -> set[str]:
    names = {t.name for t in catalog.tables}
    referenced = {
        m.group(1) for m in re.finditer(r"\b([A-Za-z_]\w*)\s*\.\s*[A-Za-z_]", metric.expression)
    }
    return {metric.table} | (referenced & names)


class _Scope:
    """What the caller may see of the catalog."""

    def __init__(
        self,
        catalog: CatalogSnapshot,
        allowed: frozenset[str],
        masked: frozenset[tuple[str, str]],
    ) -> None:
        self.catalog = catalog
        self.allowed = frozenset(t for t in allowed if catalog.table(t) is not None)
        self.masked = masked
        self.denied = frozenset(t.name for t in catalog.tables) - self.allowed
        # Hidden tables and the columns only they have: never named in an answer.
        self.secret = denied_terms(catalog.schema_mapping(), self.allowed)
        self._denied_re = (
            re.compile(
                r"(?<![\w])("
                + "|".join(re.escape(fold(t)) for t in sorted(self.secret))
                + r")(?![\w])"
            )
            if self.secret
            else None
        )

    def table_ok(self, table: str) -> bool:
        return table in self.allowed

    def metric_ok(self, metric: MetricDef) -> bool:
        return _metric_tables(metric, self.catalog) <= self.allowed

    def mentions_denied(self, text: str) -> bool:
        return bool(self._denied_re and self._denied_re.search(fold(text)))

    def clean(self, text: str) -> str:
        """`text` without the sentences/clauses that name a hidden table or hidden-only column."""
        if not text or self._denied_re is None or not self.mentions_denied(text):
            return text
        parts = re.split(r"(?<=[.;])\s+", text)
        kept = [p for p in parts if not self.mentions_denied(p)]
        cleaned = " ".join(kept).strip()
        if cleaned.endswith(";"):
            cleaned = cleaned[:-1].rstrip() + "."
        return cleaned

    def fks(self) -> list[ForeignKeyInfo]:
        return [
            fk
            for fk in self.catalog.foreign_keys
            if fk.table in self.allowed and fk.ref_table in self.allowed
        ]

    def join_path(self, start: str, goal: str) -> list[ForeignKeyInfo] | None:
        """Shortest FK path between two visible tables, through visible tables only."""
        if start == goal:
            return []
        edges: dict[str, list[tuple[str, ForeignKeyInfo]]] = {}
        for fk in self.fks():
            edges.setdefault(fk.table, []).append((fk.ref_table, fk))
            edges.setdefault(fk.ref_table, []).append((fk.table, fk))
        seen = {start}
        queue: deque[tuple[str, list[ForeignKeyInfo]]] = deque([(start, [])])
        while queue:
            node, path = queue.popleft()
            for nxt, fk in sorted(edges.get(node, []), key=lambda e: (e[0], e[1].column)):
                if nxt in seen:
                    continue
                if nxt == goal:
                    return [*path, fk]
                seen.add(nxt)
                queue.append((nxt, [*path, fk]))
        return None


# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------


def _kind_is(hit: Hit, *kinds: str) -> bool:
    return hit.kind.lower() in kinds


def _mentions(text: str, term: str) -> bool:
    needle = fold(term).replace("_", " ")
    hay = fold(text).replace("_", " ")
    return re.search(rf"(?<![\w]){re.escape(needle)}(?![\w])", hay) is not None


class _Sources:
    """Collects the documents an answer rests on, in retrieval order, without duplicates."""

    def __init__(self, hits: Sequence[Hit], scope: _Scope, lang: str) -> None:
        # Defence in depth: retrieval already filtered by policy.
        self.hits = [h for h in hits if not h.table or scope.table_ok(h.table)]
        self.lang = lang
        self.items: list[Source] = []

    def add(self, hit: Hit) -> None:
        source = (hit.document_id, hit.title)
        if source not in self.items:
            self.items.append(source)

    def add_first(self, hits: Iterable[Hit], limit: int = 1) -> bool:
        added = 0
        for hit in hits:
            if added >= limit:
                break
            if (hit.document_id, hit.title) not in self.items:
                self.add(hit)
                added += 1
        return added > 0

    def table_doc(self, table: str) -> bool:
        docs = [h for h in self.hits if h.table == table]
        preferred = [h for h in docs if _kind_is(h, "table", "table_doc")] or docs
        return self.add_first(preferred)

    def catalog(self, subject: str) -> None:
        """The schema catalog itself, cited when no retrieved document covers the subject."""
        title = ("Catálogo de esquema: " if self.lang == "es" else "Schema catalog: ") + subject
        source = (f"catalog:{subject}", title)
        if source not in self.items:
            self.items.append(source)


# --------------------------------------------------------------------------------------------
# Answer builders
# --------------------------------------------------------------------------------------------


def _column_line(
    table: str, col: ColumnInfo, scope: _Scope, t: dict[str, str], fks: list[ForeignKeyInfo]
) -> str:
    tags = [col.type or "TEXT"]
    if col.unit_label:  # documented (semantic layer, admin); nothing is assumed otherwise
        tags.append(col.unit_label)
    if col.primary_key:
        tags.append(t["pk"])
    if (table, col.name) in scope.masked:
        tags.append(t["masked"])
    elif col.pii:
        tags.append(t["pii"])
    line = f"- `{col.name}` ({', '.join(tags)})"
    desc = scope.clean(col.description)
    if desc:
        line += f": {desc}"
    for fk in fks:
        if fk.table == table and fk.column == col.name:
            line += f" → `{fk.ref_table}.{fk.ref_column}`"
    return line


def _answer_table_columns(table: str, scope: _Scope, src: _Sources, t: dict[str, str]) -> str:
    info = scope.catalog.table(table)
    assert info is not None
    fks = scope.fks()
    lines = [t["table_intro"].format(t=table, n=len(info.columns))]
    desc = scope.clean(info.description)
    if desc:
        lines[0] += f" {desc}"
    lines += ["", f"**{t['columns']}:**", ""]
    lines += [_column_line(table, col, scope, t, fks) for col in info.columns]
    incoming = [fk for fk in fks if fk.ref_table == table]
    if incoming:
        refs = ", ".join(f"`{fk.table}.{fk.column}`" for fk in incoming)
        lines += ["", f"{t['referenced_by']}: {refs}."]
    if not src.table_doc(table):
        src.catalog(table)
    return "\n".join(lines)


def _join_sql(base: str, path: list[ForeignKeyInfo]) -> list[str]:
    sql = ["```sql", "SELECT …", f"FROM {base}"]
    current = {base}
    for fk in path:
        new = fk.ref_table if fk.table in current else fk.table
        sql.append(f"JOIN {new} ON {fk.ref_table}.{fk.ref_column} = {fk.table}.{fk.column}")
        current.add(new)
    sql.append("```")
    return sql


def _answer_metric(metric: MetricDef, scope: _Scope, src: _Sources, t: dict[str, str]) -> str:
    lines = [f"**{metric.name}**"]
    desc = scope.clean(metric.description)
    if desc:
        lines += ["", desc]
    lines += [
        "",
        f"- {t['metric_def']}: `{metric.expression}` ({t['metric_table']} `{metric.table}`)",
    ]
    if metric.synonyms:
        lines.append(f"- {t['synonyms']}: {', '.join(metric.synonyms)}")
    others = sorted(_metric_tables(metric, scope.catalog) - {metric.table})
    for other in others:
        path = scope.join_path(metric.table, other)
        if path:
            joins = " ".join(
                f"JOIN {fk.ref_table if fk.table != other else fk.table} ON "
                f"{fk.ref_table}.{fk.ref_column} = {fk.table}.{fk.column}"
                for fk in path
            )
            lines.append(f"- {t['needs_join']} `{other}`: `{joins}`")
    name = metric.name
    metric_hits = [
        h
        for h in src.hits
        if _kind_is(h, "metric") and (_mentions(h.title, name) or _mentions(h.text, name))
    ]
    if not src.add_first(metric_hits):
        glossary = [
            h for h in src.hits if any(_mentions(h.text, s) for s in (name, *metric.synonyms))
        ]
        if not src.add_first(glossary):
            src.catalog(name)
    return "\n".join(lines)


def _column_sources(table: str, column: str, src: _Sources) -> None:
    docs = [h for h in src.hits if h.table == table and _mentions(h.text, column)]
    # The table's own document first; a metric note that uses the column is second best.
    docs.sort(key=lambda h: not _kind_is(h, "table", "table_doc"))
    found = src.add_first(docs) or src.table_doc(table)
    # A general document (glossary) counts when it names the column unambiguously: qualified
    # ("ventas.canal") or as an identifier ("fecha_alta"), not as a common word ("nombre").
    qualified = f"{table}.{column}"
    general = [
        h
        for h in src.hits
        if not h.table
        and (_mentions(h.text, qualified) or ("_" in column and _mentions(h.text, column)))
    ]
    found = src.add_first(general) or found
    if not found:
        src.catalog(f"{table}.{column}")


def _answer_column_meaning(
    columns: list[tuple[str, str]],
    scope: _Scope,
    src: _Sources,
    t: dict[str, str],
    value: str | None = None,
) -> str:
    blocks = []
    fks = scope.fks()
    for table, name in columns:
        info = scope.catalog.table(table)
        col = info.column(name) if info else None
        if col is None:
            continue
        head = t["column_intro"].format(t=table, c=name, type=col.type or "TEXT")
        desc = scope.clean(col.description)
        if not desc:
            # The catalog has no description: fall back to the document line naming the column.
            for hit in src.hits:
                if hit.table == table:
                    line = next((ln for ln in hit.text.split("\n") if _mentions(ln, name)), "")
                    if line and not scope.mentions_denied(line):
                        desc = line.strip(" -*")
                        break
        block = [head + (f": {desc}" if desc else ".")]
        if (table, name) in scope.masked:
            block.append(f"- {t['masked'].capitalize()}.")
        if col.unit_label:
            block.append(f"- {t['unit']}: {col.unit_label}")
        if col.synonyms:
            block.append(f"- {t['synonyms']}: {', '.join(col.synonyms)}")
        if col.values and not col.pii and (table, name) not in scope.masked:
            block.append(f"- {t['values_intro'].format(t=table, c=name)}: {', '.join(col.values)}")
        for fk in fks:
            if fk.table == table and fk.column == name:
                block.append(f"- {t['refs']} `{fk.ref_table}.{fk.ref_column}`")
        if value:
            block.insert(0, t["value_of"].format(v=value, t=table, c=name))
        blocks.append("\n".join(block))
        _column_sources(table, name, src)
    return "\n\n".join(blocks)


def _answer_column_values(
    columns: list[tuple[str, str]], scope: _Scope, src: _Sources, t: dict[str, str]
) -> str:
    blocks = []
    for table, name in columns:
        info = scope.catalog.table(table)
        col = info.column(name) if info else None
        if col is None:
            continue
        if col.pii or (table, name) in scope.masked:
            blocks.append(t["values_masked"].format(t=table, c=name))
        elif col.values:
            values = ", ".join(col.values)
            blocks.append(f"{t['values_intro'].format(t=table, c=name)}: {values}.")
            desc = scope.clean(col.description)
            if desc:
                blocks[-1] += f"\n\n{desc}"
        else:
            text = t["values_none"].format(t=table, c=name, type=col.type or "TEXT")
            desc = scope.clean(col.description)
            blocks.append(f"{text} {desc}".strip())
        _column_sources(table, name, src)
    return "\n\n".join(blocks)


def _answer_join(tables: list[str], scope: _Scope, src: _Sources, t: dict[str, str]) -> str:
    if len(tables) >= 2:
        a, b = tables[0], tables[1]
        path = scope.join_path(a, b)
        if not path:
            text = t["join_none"].format(a=a, b=b)
        else:
            conds = [
                f"- `{fk.table}.{fk.column}` = `{fk.ref_table}.{fk.ref_column}`" for fk in path
            ]
            text = "\n".join([t["join_pair"].format(a=a, b=b), "", *conds, "", *_join_sql(a, path)])
        ok_a, ok_b = src.table_doc(a), src.table_doc(b)
        if not (ok_a or ok_b):
            src.catalog(f"{a}, {b}")
        return text
    table = tables[0]
    rels = [fk for fk in scope.fks() if table in (fk.table, fk.ref_table)]
    if not rels:
        text = t["join_one_none"].format(t=table)
    else:
        lines = [t["join_one"].format(t=table), ""]
        lines += [
            f"- `JOIN {fk.ref_table if fk.table == table else fk.table} ON "
            f"{fk.ref_table}.{fk.ref_column} = {fk.table}.{fk.column}`"
            for fk in rels
        ]
        text = "\n".join(lines)
    if not src.table_doc(table):
        src.catalog(table)
    return text


def _answer_tables(scope: _Scope, src: _Sources, t: dict[str, str]) -> str:
    lines = [t["tables_intro"], ""]
    for table in scope.catalog.tables:
        if not scope.table_ok(table.name):
            continue
        desc = scope.clean(table.description)
        first = re.split(r"(?<=\.)\s", desc, maxsplit=1)[0] if desc else ""
        lines.append(f"- **{table.name}**" + (f": {first}" if first else ""))
    table_docs = [h for h in src.hits if h.table and _kind_is(h, "table", "table_doc")]
    if not src.add_first(table_docs, limit=len(scope.allowed)):
        src.catalog("tables")
    return "\n".join(lines)


def _clarify(scope: _Scope, t: dict[str, str]) -> str:
    tables = sorted(scope.allowed)
    examples = []
    if tables:
        examples.append(t["ask_columns"].format(t=tables[0]))
    metric = next((m for m in scope.catalog.metrics if scope.metric_ok(m)), None)
    if metric is not None:
        examples.append(t["ask_metric"].format(m=metric.name))
    for table in scope.catalog.tables:
        if not scope.table_ok(table.name):
            continue
        col = next((c for c in table.columns if c.values and not c.pii), None)
        if col is not None:
            examples.append(t["ask_values"].format(c=col.name))
            break
    examples.append(t["ask_tables"])
    return "\n".join([t["clarify"], "", *(f"- {e}" for e in examples)])


def _denied(scope: _Scope, t: dict[str, str]) -> RagAnswer:
    tables = ", ".join(sorted(scope.allowed))
    text = t["denied"].format(tables=tables) if tables else t["denied_none"]
    return RagAnswer(text=text, sources=(), found=False, kind=None, denied=True)


_GENERIC = frozenset(
    index_terms(
        "tabla tablas columna columnas campo campos dato datos informacion valor valores "
        "table tables column columns field fields data information value values "
        "significa mean meaning calcula calculo calcular calculate calculated compute computed "
        "define defined definicion definition formula"
    )
)


def _excerpt_answer(
    question: str,
    scope: _Scope,
    src: _Sources,
    t: dict[str, str],
    terms: set[str] | None = None,
) -> str | None:
    """Quote the best retrieved chunk that covers the question's real terms.

    Only BM25 hits count (a vector-only hit from a weak embedder is not evidence), and the chunk
    must contain at least half of the terms: one shared common word ("hace") is not relevance.
    """
    lang = detect_language(question)  # question and chunks stemmed alike
    if terms is None:
        terms = set(index_terms(question, lang)) - _GENERIC
    if not terms:
        return None
    needed = max(1, math.ceil(len(terms) / 2))
    for hit in src.hits:
        if hit.lexical_rank is None:
            continue
        text = redact_lines(hit.text, scope.secret)
        if len(terms & set(index_terms(text, lang))) < needed:
            continue
        lines = [ln for ln in text.split("\n")[1:] if ln.strip()]
        scored = sorted(
            ((len(terms & set(index_terms(ln, lang))), i) for i, ln in enumerate(lines)),
            key=lambda x: (-x[0], x[1]),
        )
        best = sorted(i for score, i in scored[:3] if score > 0)
        if not best:
            continue
        src.add(hit)
        quote = "\n".join(f"> {lines[i].strip()}" for i in best)
        return f"{t['excerpt'].format(title=hit.title)}\n\n{quote}"
    return None


def _leftover_terms(question: str, groups: list[_Group]) -> set[str]:
    """Content terms of the question that no catalog name explains ("estacionalidad")."""
    lang = detect_language(question)
    hay = _phrase(question, lang)
    covered = {w for g in groups for w in hay[g.start : g.end]}
    left = set()
    for term in index_terms(question, lang):
        parts = [stem(p, lang) for p in term.split("_")]
        if term in _GENERIC or term in covered or all(p in covered for p in parts):
            continue
        left.add(term)
    return left


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def compose_schema_answer(
    question: str,
    *,
    catalog: CatalogSnapshot,
    hits: list[Hit],
    lang: str,
    allowed_tables: frozenset[str],
    masked_columns: frozenset[tuple[str, str]],
    kind: str | None = None,
    table: str | None = None,
    column: str | None = None,
    metric: str | None = None,
) -> RagAnswer:
    """Answer a schema question offline, from the catalog, citing the retrieved documents.

    `kind` (one of `KINDS`) and the `table` / `column` / `metric` targets may be given by the
    caller (e.g. the intent step); whatever is None is detected from the question: catalog names
    and synonyms are matched accent- and plural-insensitively, and es/en keywords pick the kind.
    Tables outside `allowed_tables` do not exist for the answer: a question about one gets a
    refusal naming nothing of it. `found` is False for refusals and clarifications.
    """
    code = _lang(lang)
    t = _T[code]
    scope = _Scope(catalog, frozenset(allowed_tables), frozenset(masked_columns))
    src = _Sources(hits, scope, code)
    groups = _match_entities(question, catalog)

    # -- targets: explicit hints first, then what the question names ------------------------
    table_groups = [g.tables for g in groups if g.tables]
    metric_groups = [g.metrics for g in groups if g.metrics]
    value_groups = [g.values for g in groups if g.values]
    column_spans = [g for g in groups if g.columns]

    if metric:
        found = [m for m in catalog.metrics if fold(m.name) == fold(metric)]
        metric_groups = [found] if found else [[]]
    if table:
        named, table_groups = table_groups, [[table]]
        if kind == "join":
            # "Which table links a sale to the customer?": the pair asked about, not every
            # relationship of the given table (a table the user may not see is not added)
            table_groups += [
                g for g in named if table not in g and any(scope.table_ok(x) for x in g)
            ][:1]
    if column:
        if "." in column:
            c_table, c_name = column.split(".", 1)
            cands = [(c_table, c_name)]
        else:
            cands = [
                (tb.name, column)
                for tb in catalog.tables
                if (not table or tb.name == table) and tb.column(column) is not None
            ]
        column_groups = [cands]
    else:
        # A table named elsewhere in the question narrows an ambiguous column ("nombre de
        # productos"); a table named by the same words does not ("producto" is also a column).
        column_groups = []
        for g in column_spans:
            if g.tables and any(not o.tables for o in column_spans):
                # "nombre en productos": "productos" is the table here, not ventas.producto.
                continue
            others = {
                name
                for other in groups
                if other.tables and (other.end <= g.start or other.start >= g.end)
                for name in other.tables
            }
            narrowed = [c for c in g.columns if c[0] in others]
            column_groups.append(narrowed or g.columns)

    keyword = detect_kind(question)
    chosen = kind if kind in KINDS else None
    if chosen is None:
        chosen = _settle_kind(
            keyword, question, table_groups, metric_groups, column_groups, value_groups
        )
    if chosen is None:
        excerpt = _excerpt_answer(question, scope, src, t)
        if excerpt:
            return RagAnswer(excerpt, tuple(src.items), True, None)
        return RagAnswer(_clarify(scope, t), (), False, None)

    several = bool(_DIFFERENCE.search(fold(question))) and not metric
    answer = _answer_kind(
        chosen, scope, src, t, table_groups, metric_groups, column_groups, value_groups, several
    )
    weak = kind is None and (
        (keyword is None and chosen == "table_columns" and not _TABLE_WORD.search(fold(question)))
        or (keyword in ("metric_definition", "column_meaning") and chosen != keyword)
    )
    if weak and answer.found:
        # The subject was guessed from a name mentioned in passing ("¿hay estacionalidad en las
        # ventas?", "¿cómo calculo el trimestre de una fecha?"): when a document covers the rest
        # of the question, quote it rather than describe the table or column. (Refusals stand.)
        leftover = _leftover_terms(question, groups)
        fresh = _Sources(hits, scope, code)
        excerpt = _excerpt_answer(question, scope, fresh, t, leftover) if leftover else None
        if excerpt:
            return RagAnswer(excerpt, tuple(fresh.items), True, None)
    return answer


def _answer_kind(
    chosen: str,
    scope: _Scope,
    src: _Sources,
    t: dict[str, str],
    table_groups: list[list[str]],
    metric_groups: list[list[MetricDef]],
    column_groups: list[list[tuple[str, str]]],
    value_groups: list[list[tuple[str, str, str]]],
    several: bool = False,
) -> RagAnswer:
    """Apply the policy to the chosen subject, then build the answer of that kind. `several`:
    the question asks how named metrics differ, so each is defined."""
    if chosen == "tables":
        return RagAnswer(_answer_tables(scope, src, t), tuple(src.items), True, chosen)

    if chosen == "table_columns":
        if not table_groups:
            return RagAnswer(_clarify(scope, t), (), False, None)
        visible = [g for g in ([x for x in grp if scope.table_ok(x)] for grp in table_groups)]
        if not visible[0]:
            return _denied(scope, t)
        text = _answer_table_columns(visible[0][0], scope, src, t)
        return RagAnswer(text, tuple(src.items), True, chosen)

    if chosen == "metric_definition":
        if not metric_groups or not metric_groups[0]:
            return RagAnswer(_clarify(scope, t), (), False, None)
        allowed_metrics = [m for m in metric_groups[0] if scope.metric_ok(m)]
        if not allowed_metrics:
            return _denied(scope, t)
        texts = [_answer_metric(allowed_metrics[0], scope, src, t)]
        if several:  # "difference between gross margin and revenue": define each one named
            for group in metric_groups[1:]:
                ok = [m for m in group if scope.metric_ok(m)]
                if ok and ok[0] is not allowed_metrics[0]:
                    texts.append(_answer_metric(ok[0], scope, src, t))
        return RagAnswer("\n\n".join(texts), tuple(src.items), True, chosen)

    if chosen in ("column_values", "column_meaning"):
        value = None
        if not column_groups and value_groups:
            column_groups = [[(tb, c) for tb, c, _v in value_groups[0]]]
            value = value_groups[0][0][2]
        if not column_groups:
            return RagAnswer(_clarify(scope, t), (), False, None)
        targets: list[tuple[str, str]] = []
        for grp in column_groups:
            ok = [c for c in grp if scope.table_ok(c[0])]
            if not ok:
                return _denied(scope, t)
            targets.extend(c for c in ok if c not in targets)
        if chosen == "column_values":
            text = _answer_column_values(targets, scope, src, t)
        else:
            text = _answer_column_meaning(targets, scope, src, t, value=value)
        if not text:
            return RagAnswer(_clarify(scope, t), (), False, None)
        return RagAnswer(text, tuple(src.items), True, chosen)

    # join
    join_tables: list[str] = []
    for grp in table_groups or [[c[0] for c in g] for g in column_groups]:
        ok = [x for x in grp if scope.table_ok(x)]
        if not ok:
            return _denied(scope, t)
        if ok[0] not in join_tables:
            join_tables.append(ok[0])
    if not join_tables:
        return RagAnswer(_clarify(scope, t), (), False, None)
    text = _answer_join(join_tables, scope, src, t)
    return RagAnswer(text, tuple(src.items), True, "join")


# "¿Qué diferencia hay entre X e Y?", "difference between X and Y" (folded)
_DIFFERENCE = re.compile(r"\b(diferencias?|differences?|distinguish|distingue)\b")


def _settle_kind(
    keyword_kind: str | None,
    question: str,
    tables: list[list[str]],
    metrics: list[list[MetricDef]],
    columns: list[list[tuple[str, str]]],
    values: list[list[tuple[str, str, str]]],
) -> str | None:
    """Reconcile the wording's kind with what the question actually names."""
    if keyword_kind == "tables":
        return "tables"
    if keyword_kind == "join":
        if len(tables) >= 2 or (tables and not columns):
            return "join"
        if len(tables) + len({c[0] for g in columns for c in g[:1]}) >= 2:
            return "join"
    if keyword_kind == "column_values":
        if columns or values:
            return "column_values"
        return "table_columns" if tables else None
    if keyword_kind == "column_meaning":
        if columns:
            return "column_meaning"
        if metrics:
            return "metric_definition"
        if values:
            return "column_meaning"
        return "table_columns" if tables else None
    if keyword_kind == "metric_definition":
        if metrics:
            return "metric_definition"
        if columns:
            return "column_meaning"
        return "table_columns" if tables else None
    if keyword_kind == "table_columns":
        if tables:
            return "table_columns"
        return "column_meaning" if columns else None
    # No (usable) keyword: decide from what is named.
    if tables and _TABLE_WORD.search(fold(question)):
        return "table_columns"
    if metrics:
        return "metric_definition"
    if columns:
        return "column_meaning"
    if len(tables) >= 2:
        return "join"
    if tables:
        return "table_columns"
    if values:
        return "column_meaning"
    return None
