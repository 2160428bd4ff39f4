"""Questions about the schema, not the data: `schema_request` (a `SchemaRequest` or None).

Which columns a table has, what a column or metric means and how it is computed, which values
exist, what we keep about a table, where a column is stored, the date range the data covers,
the difference between two columns; `every_column_asked` ("all the information about …").
Split out of `parser.py`, whose context and predicates it uses.
"""

from __future__ import annotations

from ..plan import SchemaRequest
from . import lexicon as lx
from . import measures as ms
from .parser import Context, column_kind, pair_qualifiers
from .scan import Mention
from .semantic import Entry

# --- schema questions -----------------------------------------------------------------------


def schema_request(ctx: Context) -> SchemaRequest | None:
    """A question about structure or meaning, not data: which columns, how a metric is
    calculated, what a column means, which values it takes, how tables join."""
    kinds = {m.kind for m in ctx.mentions}
    if every_column_asked(ctx.tokens):  # "all the information about hiring": its rows
        return None
    early = (
        _holdings_request(ctx, kinds)
        or _named_column_request(ctx, kinds)
        or _stored_link_request(ctx, kinds)
        or _location_request(ctx, kinds)
        or _coverage_request(ctx, kinds)
        or _difference_request(ctx, kinds)
        or _existing_values_request(ctx, kinds)
    )
    if early is not None:
        return early
    data_words = {"group", "cmp", "number", "rank", "most", "least", "time", "count", "compare"}
    if kinds & data_words and not ({"values", "join"} & kinds and "count" not in kinds):
        return None
    schema = [i for i, m in enumerate(ctx.mentions) if m.kind == "schema"]
    tables = [ctx.mentions[i] for i in schema if ctx.mentions[i].has("table")]
    metrics = [ctx.mentions[i] for i in schema if ctx.mentions[i].has("metric")]
    columns = [ctx.mentions[i] for i in schema if ctx.mentions[i].has("column")]
    first_table = tables[0].of("table")[0].ref[0] if tables else None
    if "join" in kinds and (tables or columns and not metrics):
        return SchemaRequest("join", table=first_table or _column_table(ctx, columns[0]))
    if "includes" in kinds and len(columns) >= 2 and not tables:  # "¿el total incluye el IVA?"
        table, column = _schema_column(ctx, columns[0])
        return SchemaRequest("column_meaning", table=table, column=column)
    if "values" in kinds and columns and "meaning" not in kinds:
        # the column that has values, not a qualifier before it ("the customer segmento")
        pair_qualifiers(ctx)  # "the product categoria": "product" qualifies, it is not asked
        listed = [
            m
            for m in columns
            if any(_has_values(ctx, e) for e in m.of("column"))
            and ctx.mentions.index(m) not in ctx.qualifiers
        ]
        table, column = _schema_column(ctx, (listed or columns)[0])
        return SchemaRequest("column_values", table=table, column=column)
    if "metrics_word" in kinds and not metrics and not columns:
        return SchemaRequest("metric_definition")
    if "schema_word" in kinds or "database" in kinds:
        words = {ctx.tokens[m.start].norm for m in ctx.mentions if m.kind == "schema_word"}
        if not tables and words & {"tablas", "tables", "tabla", "table"} and not columns:
            return SchemaRequest("tables")
        if not tables and "database" in kinds:
            return SchemaRequest("tables")
        if columns and words & {"columna", "column", "campo", "field"} and not tables:
            table, column = _schema_column(ctx, columns[0])
            return SchemaRequest("column_meaning", table=table, column=column)
        if tables and not (kinds & {"meaning"} and metrics):
            if columns and words & {"columna", "column", "campo", "field"} and "meaning" in kinds:
                table, column = _schema_column(ctx, columns[0])
                return SchemaRequest("column_meaning", table=table, column=column)
            return SchemaRequest("table_columns", table=first_table)
    if "meaning" in kinds or _definition_question(ctx):
        if "meaning" in kinds and _meaning_is_data_question(ctx):
            return None
        if metrics:
            key = max(metrics[0].of("metric"), key=lambda e: e.quality).ref[0]
            return SchemaRequest("metric_definition", metric=ctx.model.metrics[key].name)
        values = [m for m in ctx.mentions if m.kind == "schema" and m.has("value")]
        if values and len(values) == 1:  # "¿qué significa Pyme?": the column it belongs to
            table, column, _value = max(values[0].of("value"), key=lambda e: e.quality).ref
            return SchemaRequest("column_meaning", table=table, column=column)
        if columns:
            table, column = _schema_column(ctx, columns[0])
            return SchemaRequest("column_meaning", table=table, column=column)
        if tables:
            return SchemaRequest("table_columns", table=first_table)
        said = {lx.fold(m.text) for m in ctx.mentions if m.kind == "meaning"}
        revenue = ctx.model.revenue_metric
        money = ms.metric_column(ctx.model, revenue) if revenue else None
        if said & {"moneda", "currency"} and money:  # "what currency is used?": the amounts'
            return SchemaRequest("column_meaning", table=money[0], column=money[1])
    info = any(ctx.tokens[m.start].norm in ("informacion", "information") for m in ctx.mentions)
    # "¿Qué datos tenemos/guardamos de los empleados?": what the table holds
    norms = {t.norm for t in ctx.tokens}
    info = info or bool(norms & {"datos", "data"} and norms & (lx.INFO_WORDS | lx.EXIST_WORDS))
    if info and tables and not metrics and "list" not in kinds:
        return SchemaRequest("table_columns", table=first_table)
    return None


_ALL_WORDS = lx.words("all todo toda todos todas")
_EVERY_COLUMN_NOUNS = lx.words("information informacion info data datos details detalles")


def every_column_asked(tokens: list[lx.Token]) -> bool:
    """ "Give me all the information about hiring", "todos los datos de los empleados": every
    column of the rows (the data), not what the table holds (its columns, asked as "what
    information do we keep about …", "¿qué datos guarda la tabla …?"): "all" right before the
    noun, no verb of keeping and no word of the schema itself."""
    norms = [t.norm for t in tokens]
    keeping = (lx.INFO_WORDS | lx.EXIST_WORDS | _KNOW_WORDS | lx.SCHEMA_WORDS) - _EVERY_COLUMN_NOUNS
    if set(norms) & keeping:
        return False
    for k, word in enumerate(norms):
        if word not in _ALL_WORDS:
            continue
        rest = [w for w in norms[k + 1 : k + 3] if w not in lx.FILLER]
        if rest and rest[0] in _EVERY_COLUMN_NOUNS:
            return True
    return False


_SHAPING = frozenset({"group", "cmp", "number", "rank", "most", "least", "agg", "order"})


_WHERE_WORDS = frozenset({"donde", "where"})
_TABLE_WORDS = frozenset({"tabla", "table"})


def _has_values(ctx: Context, entry: Entry) -> bool:
    column = ctx.model.column(entry.ref[0], entry.ref[1])
    return column is not None and bool(column.values) and not column.pii


_DATA_NOUNS = frozenset({"datos", "dato", "data", "informacion", "information", "info"})
_KNOW_WORDS = frozenset({"know", "sabemos", "conocemos", "sabe", "conoce"})
_EACH_WORDS = frozenset({"cada", "each", "every"})
# What a holdings question may say besides its table: "each" and the verbs are not a group-by.
_HOLDINGS_KINDS = frozenset({"schema", "info", "exist", "group", "meaning", "list", "conj"})


def _holdings_request(ctx: Context, kinds: set[str]) -> SchemaRequest | None:
    """ "¿Qué datos guardamos de cada producto?", "what do we know about customers?": what the
    table holds, its columns. Without this "cada producto" read as a group-by and the question
    became a count per product name, a confident answer to something nobody asked."""
    norms = {t.norm for t in ctx.tokens}
    verbs = lx.INFO_WORDS | lx.EXIST_WORDS
    asked = bool(norms & _DATA_NOUNS and norms & (verbs | _KNOW_WORDS)) or _what_we_keep(ctx)
    if not asked or kinds - _HOLDINGS_KINDS:
        return None
    if not _only_each(ctx):  # "por región" shapes data: not a question about the table
        return None
    schema = [m for m in ctx.mentions if m.kind == "schema"]
    if len(schema) != 1 or schema[0].has("value") or not schema[0].has("table"):
        return None
    table = max(schema[0].of("table"), key=lambda e: e.quality).ref[0]
    return SchemaRequest("table_columns", table=table)


def _only_each(ctx: Context) -> bool:
    """Every group marker is "cada / each / for each", which says "per row", not "by"."""
    return all(
        _EACH_WORDS & {t.norm for t in ctx.tokens[m.start : m.end]}
        for m in ctx.mentions
        if m.kind == "group"
    )


_KEEP_VERBS = _KNOW_WORDS | (lx.INFO_WORDS - {"hay", "contiene", "contain", "contains"})
_AUXILIARIES = frozenset({"se", "do", "does", "did", "we", "you", "is", "are", "nosotros"})


def _what_we_keep(ctx: Context) -> bool:
    """ "¿Qué guardamos de...?", "what do we store for...", "qué sabemos de...": the verb right
    after "qué / what" asks what is kept. Elsewhere ("¿qué productos guardamos?") the noun
    after "qué" is what is asked for, and that is data."""
    norms = [t.norm for t in ctx.tokens]
    for i, norm in enumerate(norms):
        if norm not in ("que", "what"):
            continue
        j = i + 1
        while j < len(norms) and norms[j] in _AUXILIARIES:
            j += 1
        if j < len(norms) and norms[j] in _KEEP_VERBS:
            return True
    return False


_COLUMN_WORDS = frozenset({"columna", "column", "campo", "field"})


def _named_column_request(ctx: Context, kinds: set[str]) -> SchemaRequest | None:
    """ "How is the total column of a sale computed?", "¿qué significa el campo descuento?":
    the word "column" next to a name says the column is asked about, not a metric built on it
    (the Revenue Total metric sums ventas.total, but its definition is not the column's)."""
    if "meaning" not in kinds or "values" in kinds or kinds & _SHAPING:
        return None
    for i, m in enumerate(ctx.mentions):
        if m.kind != "schema_word" or ctx.tokens[m.start].norm not in _COLUMN_WORDS:
            continue
        for j in (i - 1, i + 1):  # "the total column", "la columna total"
            if not 0 <= j < len(ctx.mentions):
                continue
            named = ctx.mentions[j]
            if named.kind != "schema" or not named.has("column") or named.has("value"):
                continue
            table, column = _schema_column(ctx, named)
            tables = {e.ref[0] for n in ctx.mentions if n.kind == "schema" for e in n.of("table")}
            for other in sorted(tables):  # "la columna total de ventas": that table's column
                if other != table and ctx.model.column(other, column) is not None:
                    table = other
                    break
            return SchemaRequest("column_meaning", table=table, column=column)
    return None


def _stored_link_request(ctx: Context, kinds: set[str]) -> SchemaRequest | None:
    """ "Where is the customer of a sale stored?", "¿dónde se guarda el cliente de cada venta?":
    two entities, one kept in the other, is a relationship; the foreign key answers it. It was
    read as a data question (the sales' total revenue)."""
    norms = {t.norm for t in ctx.tokens}
    if not (_WHERE_WORDS & norms and norms & lx.INFO_WORDS):
        return None
    if kinds - {"schema", "info", "group", "conj", "with", "buy", "sell"} or "time" in kinds:
        return None
    schema = [m for m in ctx.mentions if m.kind == "schema"]
    if not _only_each(ctx) or len(schema) != 2 or any(m.has("value") for m in schema):
        return None
    if not all(m.has("table") for m in schema):
        return None
    first, second = (max(m.of("table"), key=lambda e: e.quality).ref[0] for m in schema)
    steps = ctx.model.path(first, second)
    if first == second or not steps:
        return None
    return SchemaRequest("join", table=steps[0][0])  # the table that holds the foreign key


def _location_request(ctx: Context, kinds: set[str]) -> SchemaRequest | None:
    """ "¿En qué tabla está el precio de lista?", "where is the discount stored?": the column's
    meaning, which names its table; not the column's average."""
    norms = [t.norm for t in ctx.tokens]
    asks_table = any(
        a in ("que", "which", "what") and b in _TABLE_WORDS
        for a, b in zip(norms, norms[1:], strict=False)
    )
    if not (asks_table or _WHERE_WORDS & set(norms)) or kinds & _SHAPING or "time" in kinds:
        return None
    schema = [m for m in ctx.mentions if m.kind == "schema"]
    columns = [
        m
        for m in schema
        if m.has("column")
        and max(e.quality for e in m.of("column"))
        > max((e.quality for e in m.of("table")), default=0)
    ]  # "de los clientes" names the table: context, not the column asked about
    if len(columns) != 1 or any(m.has("value") or m.has("metric") for m in schema):
        return None
    table, column = _schema_column(ctx, columns[0])
    return SchemaRequest("column_meaning", table=table, column=column)


def _coverage_request(ctx: Context, kinds: set[str]) -> SchemaRequest | None:
    """ "¿Qué rango de fechas cubre la tabla ventas?", "what date range does the data cover?":
    the meaning of the table's date column, whose documentation states the span."""
    if "coverage" not in kinds or kinds & _SHAPING:
        return None
    if any(m.kind == "time" and m.time.kind not in ("unit", "grain") for m in ctx.mentions):
        return None  # "¿cuánto cubre 2024?" names a period: not about the data's span
    if any(m.kind == "schema" and (m.has("metric") or m.has("value")) for m in ctx.mentions):
        return None
    tables = [e.ref[0] for m in ctx.mentions if m.kind == "schema" for e in m.of("table")] + [
        e.ref[0] for m in ctx.mentions if m.kind == "schema" for e in m.of("column")
    ]
    table = tables[0] if tables else ctx.model.fact
    column = ctx.model.main_date(table) or ctx.model.main_date(ctx.model.fact)
    if column is None:
        return None
    if ctx.model.main_date(table) is None:
        table = ctx.model.fact
    return SchemaRequest("column_meaning", table=table, column=column)


def _existing_values_request(ctx: Context, kinds: set[str]) -> SchemaRequest | None:
    """ "Which regions exist in the data?", "¿Qué categorías de productos hay?": the values a
    category column takes, which the catalog lists. Anything more ("¿qué productos hay en
    Accesorios?", a period, a metric) is a data question."""
    norms = {t.norm for t in ctx.tokens}
    said = "exist" in kinds or bool(norms & {"exist", "exists", "available", "disponibles"})
    if not said or kinds - {"schema", "exist", "conj", "list"}:
        return None
    found, named = None, set()
    verb = next((m.start for m in ctx.mentions if m.kind == "exist"), None)
    for m in ctx.mentions:
        if m.kind != "schema":
            continue
        if m.has("value") or m.has("metric"):
            return None
        columns = [e for e in m.of("column") if column_kind(ctx, e) == "text"]
        best_table = max((e.quality for e in m.of("table")), default=0)
        if not columns or best_table >= max(e.quality for e in columns):
            if verb is not None and m.start > verb and m.has("table"):
                # "the courses that have some students enrolled": the verb relates two
                # tables' rows (a data question), it does not ask which values exist
                return None
            named |= {e.ref[0] for e in m.of("table")}  # a table named as context
            continue
        if found is not None:
            return None
        found = columns
    if found is not None:
        # the named table's column ("categorías de productos"), else the fact table's copy of a
        # shared column ("region")
        fact = ctx.model.fact
        found = max(found, key=lambda e: (e.quality, e.ref[0] in named, e.ref[0] == fact))
    if found is None:
        return None
    table, column = found.ref[0], found.ref[1]
    sem = ctx.model.column(table, column)
    if sem is None or not sem.values or len(sem.values) > 30:
        return None
    return SchemaRequest("column_values", table=table, column=column)


def _difference_request(ctx: Context, kinds: set[str]) -> SchemaRequest | None:
    """ "What is the difference between precio_lista and precio_unitario?": what the named
    columns (or metrics) mean, not a comparison of data. The targets are left to the schema
    composer, which describes every column the question names."""
    words = [i for i, t in enumerate(ctx.tokens) if t.norm in lx.DIFFERENCE_WORDS]
    versus = "meaning" in kinds and "compare" in kinds  # "the meaning of X vs Y"
    if not (words or versus) or kinds & _SHAPING or "time" in kinds:
        return None
    after = {t.norm for t in ctx.tokens[words[0] + 1 : words[0] + 4]} if words else set()
    if not versus and not after & {"entre", "between"}:  # "diferencia hay entre"
        return None
    schema = [m for m in ctx.mentions if m.kind == "schema"]
    if not schema or any(m.has("value") and not m.has("column") for m in schema):
        return None
    if all(m.has("metric") for m in schema):
        if len(schema) > 1:  # the composer defines every metric the question names
            return SchemaRequest("metric_definition")
        key = max(schema[0].of("metric"), key=lambda e: e.quality).ref[0]
        return SchemaRequest("metric_definition", metric=ctx.model.metrics[key].name)
    if not any(m.has("column") for m in schema):
        return None
    return SchemaRequest("column_meaning")


def _meaning_is_data_question(ctx: Context) -> bool:
    """ "¿Qué es el margen bruto?" asks for a definition; "what is the revenue in 2024?" and
    anything with filters asks for data."""
    phrases = {m.text.lower() for m in ctx.mentions if m.kind == "meaning"}
    weak = {"que es", "qué es", "que son", "qué son", "describe", "describir"}
    if phrases and all(lx.fold(p) in {lx.fold(w) for w in weak} for p in phrases):
        return not _single_subject(ctx)
    return False


def _single_subject(ctx: Context) -> bool:
    """Only one thing is named (a metric, a column, a table, or a value with its column)."""
    schema = [i for i, m in enumerate(ctx.mentions) if m.kind == "schema"]
    other = [m for m in ctx.mentions if m.kind not in ("schema", "meaning", "conj")]
    if other:
        return False
    if len(schema) == 1:
        return True
    if len(schema) == 2:  # "the Distribuidor channel": a value and its column
        a, b = (ctx.mentions[i] for i in schema)
        value, column = (a, b) if a.has("value") else (b, a)
        names = {e.ref[1] for e in value.of("value")}
        return value.has("value") and bool(names & {e.ref[1] for e in column.of("column")})
    return False


_DETERMINERS = frozenset({"the", "our", "my", "your", "this", "that", "total", "overall"})


def _definition_question(ctx: Context) -> bool:
    """ "What is gross margin?" (a definition) but not "What is the total revenue?" (data);
    "What is the Distribuidor channel?" names a value and its column: a definition too."""
    norms = [t.norm for t in ctx.tokens]
    if norms[:2] in (["what", "is"], ["what", "are"]):
        rest = norms[2:]
    elif norms[:1] in (["what's"], ["whats"]):
        rest = norms[1:]
    else:
        return False
    if not rest or not _single_subject(ctx):
        return False
    schema = [m for m in ctx.mentions if m.kind == "schema"]
    return rest[0] not in _DETERMINERS or len(schema) == 2


def _column_table(ctx: Context, m: Mention) -> str:
    return _schema_column(ctx, m)[0]


def _schema_column(ctx: Context, m: Mention) -> tuple[str, str]:
    """The column a schema question names: the fact table's when it has it, else the best."""
    entries = sorted(
        m.of("column"),
        key=lambda e: (-e.quality, e.ref[0] != ctx.model.fact, e.ref[0], e.ref[1]),
    )
    table, column = entries[0].ref
    return table, column
