"""Metric keys: catalog metrics and the generic ones (counts, aggregates of a numeric column).

A key is the only thing a QueryPlan stores about a measure, so a plan stays valid JSON and is
re-compiled against the current semantic model (see plan.MetricRef for the key forms).
"""

from __future__ import annotations

from sqlglot import exp

from datachat import text as tx

from ..plan import MetricRef
from . import lexicon as lx
from .lexicon import words
from .semantic import MetricSem, SemanticModel

_AGG_NODES = {"sum": exp.Sum, "avg": exp.Avg, "min": exp.Min, "max": exp.Max}
_AGG_LABELS = {
    "es": {"sum": "total de", "avg": "promedio de", "min": "mínimo de", "max": "máximo de"},
    "en": {"sum": "total", "avg": "average", "min": "minimum", "max": "maximum"},
}
# Columns whose natural aggregate is an average (a price is not summed across rows).
_AVERAGED = words(
    """
    precio price costo coste cost salario sueldo salary tasa rate porcentaje percent edad age
    descuento discount
    """
)


class UnknownMetric(ValueError):
    pass


def _parts(key: str) -> list[str]:
    return key.split(":")


def metric_table(model: SemanticModel, key: str) -> str:
    """The table a metric is computed over (its FROM table)."""
    kind, *rest = _parts(key)
    if kind == "metric":
        if key not in model.metrics:
            raise UnknownMetric(key)
        return model.metrics[key].table
    if kind == "count":
        return rest[0]
    return rest[-1].split(".")[0]


def metric_column(model: SemanticModel, key: str) -> tuple[str, str] | None:
    """The measured column when the metric is AGG(column), else None."""
    kind, *rest = _parts(key)
    if kind == "metric":
        return model.metrics[key].column
    if kind in ("agg", "countd"):
        table, column = rest[-1].split(".", 1)
        return table, column
    return None


def metric_agg(model: SemanticModel, key: str) -> str:
    kind, *rest = _parts(key)
    if kind == "metric":
        return model.metrics[key].agg
    if kind == "agg":
        return rest[0]
    return kind  # "count" or "countd"


def metric_ref(model: SemanticModel, key: str, lang: str) -> MetricRef:
    """A MetricRef (label, unit, output alias) for a metric key; raises UnknownMetric."""
    kind, *rest = _parts(key)
    if kind == "metric":
        if key not in model.metrics:
            raise UnknownMetric(key)
        m = model.metrics[key]
        return MetricRef(key, metric_label(model, key, lang), m.unit, m.alias)
    if kind == "count":
        table = rest[0]
        if table not in model.tables:
            raise UnknownMetric(key)
        name = display_name(model, table, None, lang, plural=True)
        label = f"número de {name}" if lang == "es" else f"number of {name}"
        return MetricRef(key, label, "count", f"n_{table}")
    table, column = rest[-1].split(".", 1)
    col = model.column(table, column)
    if col is None:
        raise UnknownMetric(key)
    name = display_name(model, table, column, lang)
    if kind == "countd":
        label = f"valores distintos de {name}" if lang == "es" else f"distinct {name} values"
        return MetricRef(key, label, "count", f"n_{column}")
    fn = rest[0]
    if fn not in _AGG_NODES:
        raise UnknownMetric(key)
    unit = "money" if col.money else "ratio" if col.ratio else "number"
    if lang == "es":  # "precio de lista promedio", "cantidad total", "salario máximo"
        adjective = _ES_AGG_ADJECTIVES[fn][1 if _feminine(name.split()[0]) else 0]
        label = f"{name} {adjective}"
    else:
        adjective = _AGG_LABELS["en"][fn]
        label = f"{adjective} {name}"
    if lx.fold(adjective) in lx.fold(name).split():
        label = name  # a column called "total" is not a "total total"
    return MetricRef(key, label, unit, f"{fn}_{column}")


_ES_AGG_ADJECTIVES = {
    "sum": ("total", "total"),
    "avg": ("promedio", "promedio"),
    "min": ("mínimo", "mínima"),
    "max": ("máximo", "máxima"),
}


def _feminine(word: str) -> bool:
    """A rough Spanish gender guess for agreement ("cantidad mínima", "precio mínimo")."""
    folded = lx.fold(word).rstrip("s")
    return folded.endswith(("a", "dad", "tad", "ion", "ud", "ie")) and folded not in (
        "dia",
        "mapa",
        "sistema",
        "tema",
        "clima",
    )


def _singular(word: str) -> str:
    """The glossary's (singular) form of a plural Spanish word, else the word."""
    one = tx.singular(word, "es")
    return one if one in lx.GLOSS else word


def display_name(
    model: SemanticModel, table: str, column: str | None, lang: str, *, plural: bool = False
) -> str:
    """How to name a table or column in an answer in `lang`: identifiers are Spanish in the
    demo catalog, so English answers use the catalog's English synonym (found through the
    generic glossary: "clientes" -> "customers", "precio_lista" -> "list price"), and Spanish
    ones its spelled-out synonym ("precio de lista"); the identifier otherwise."""
    ident = column or table
    info = model.catalog.table(table) if getattr(model, "catalog", None) else None
    if info is not None and column is not None:
        info = info.column(column)
    synonyms = tuple(getattr(info, "synonyms", ()) or ())
    parts = [_singular(p) for p in tx.identifier_words(ident)]
    if lang == "es":
        for s in synonyms:
            folded = [w for w in lx.fold(s).split() if w not in ("de", "del")]
            if folded == tx.identifier_words(ident):
                return s
        return ident.replace("_", " ")
    glosses = [lx.GLOSS.get(p) for p in parts]
    if not parts or not all(glosses):
        return ident.replace("_", " ")
    head = glosses[0]
    best, best_cover = None, 0
    for s in synonyms:
        words = lx.fold(s).split()
        if any(
            _singular(w) in lx.GLOSS and _singular(w) not in lx.GLOSS[_singular(w)] for w in words
        ):
            continue  # a Spanish synonym ("productos", "coste unitario")
        if not s.isascii() or not any(w.startswith(g) for w in words for g in head):
            continue
        cover = sum(any(w.startswith(g) for w in words for g in gl) for gl in glosses)
        if cover > best_cover:
            best, best_cover = s, cover
    if best is not None and best_cover == len(parts):
        return best
    # English puts the modifier first: precio_lista -> "list price"
    words = [g[0] for g in reversed(glosses)]
    if plural and not words[-1].endswith("s"):
        words[-1] += "s"
    return " ".join(words)


def metric_label(model: SemanticModel, key: str, lang: str) -> str:
    """The metric's name, or the synonym that reads in `lang` when the name does not."""
    from .suggest import metric_phrase  # the same wording the suggestions use

    phrase = metric_phrase(model, key, lang)
    words = phrase.split()
    if lang != "es" and len(words) > 1 and lx.fold(words[-1]) == "total":
        # a name in Spanish word order ("Revenue Total") reads "total revenue" in English
        phrase = " ".join(["total", *(w.lower() if not w.isupper() else w for w in words[:-1])])
    return phrase


def metric_expression(model: SemanticModel, key: str) -> tuple[exp.Expression, frozenset[str]]:
    """(aggregate expression with table-qualified columns, tables it reads)."""
    kind, *rest = _parts(key)
    if kind == "metric":
        if key not in model.metrics:
            raise UnknownMetric(key)  # a stored plan from an older knowledge version
        m = model.metrics[key]
        return m.expression.copy(), m.tables
    if kind == "count":
        return exp.Count(this=exp.Star()), frozenset({rest[0]})
    table, column = rest[-1].split(".", 1)
    col = exp.column(column, table=table)
    if kind == "countd":
        return exp.Count(this=exp.Distinct(expressions=[col])), frozenset({table})
    return _AGG_NODES[rest[0]](this=col), frozenset({table})


def revenue_key(model: SemanticModel) -> str | None:
    """What "ventas"/"sales"/"cuánto facturó" means: the revenue-like metric, else SUM(money)."""
    if model.revenue_metric:
        return model.revenue_metric
    if model.row_measure:
        table, column = model.row_measure
        return f"agg:sum:{table}.{column}"
    return fact_count_key(model)


def units_key(model: SemanticModel) -> str | None:
    """What "más vendido"/"best-selling" ranks by: the units-like metric or SUM(quantity)."""
    if model.units_metric:
        return model.units_metric
    fact = model.tables.get(model.fact)
    if fact is None:
        return None
    own = units_columns(model, model.fact)
    if own:
        return f"agg:sum:{model.fact}.{own[0]}"
    # The fact table is an order header: its lines (a table joined to it) hold the quantity.
    # Only one such column anywhere is taken; two are a guess (None: the caller asks back).
    found = [
        (table, name)
        for table in model.tables
        if table != model.fact and model.path(model.fact, table) is not None
        for name in units_columns(model, table)
    ]
    if len(found) == 1:
        return f"agg:sum:{found[0][0]}.{found[0][1]}"
    return None


def units_columns(model: SemanticModel, table: str) -> list[str]:
    """The number columns of `table` whose name says units ("Quantity", "units_sold")."""
    names = model.tables[table].columns
    return [
        name
        for name in names
        if (col := model.column(table, name))
        and col.kind == "number"
        and lx.stems(lx.fold(name)) & _UNITS_STEMS
    ]


_UNITS_STEMS = frozenset(s for w in lx.UNITS_CONCEPT for s in lx.stems(w))


def priced(model: SemanticModel, table: str) -> bool:
    """Whether `table` has a number column named a price ("UnitPrice", "precio"): its rows are
    items that are sold by the unit."""
    return any(
        (col := model.column(table, name))
        and col.kind == "number"
        and set(tx.identifier_words(name)) & set(lx.PRICE_NAMES)
        for name in model.tables[table].columns
    )


def has_money(model: SemanticModel) -> bool:
    """Whether "revenue"/"ventas"/"sales" can be an amount here: a revenue metric or a money
    column on the fact table."""
    return bool(model.revenue_metric or model.row_measure)


def fact_count_key(model: SemanticModel) -> str:
    return model.count_metric or f"count:{model.fact}"


def count_key(model: SemanticModel, table: str) -> str:
    """Rows of `table`: the catalog's COUNT(*) metric for the fact table, a generic count else."""
    return fact_count_key(model) if table == model.fact else f"count:{table}"


def plain_count(metric: MetricSem | None) -> bool:
    """Whether a catalog metric is a plain COUNT(*) of its table's rows: no column, no filter of
    its own (a steward's "number of orders")."""
    return (
        metric is not None
        and metric.agg == "count"
        and metric.column is None
        and not metric.filtered
    )


def column_metric_key(model: SemanticModel, table: str, column: str, agg: str | None) -> str:
    """A metric over one numeric column: the catalog metric that aggregates it if `agg` agrees
    (so "descuento" is the catalog's "Descuento promedio"), else a generic aggregate."""
    col = model.column(table, column)
    words = set(tx.identifier_words(column))
    natural = "avg" if (col is not None and col.ratio) or words & _AVERAGED else "sum"
    wanted = agg or natural
    for m in model.metrics.values():
        if m.column == (table, column) and m.agg == wanted:
            return m.key
    return f"agg:{wanted}:{table}.{column}"


def retarget_agg(model: SemanticModel, key: str, agg: str) -> str:
    """ "ingreso promedio": an aggregate word applied to a SUM(column) metric re-aggregates the
    column (AVG(total)), preferring a catalog metric that already does so."""
    column = metric_column(model, key)
    if column is None or metric_agg(model, key) not in ("sum", "avg", "min", "max"):
        return key
    if metric_agg(model, key) == agg:
        return key
    return column_metric_key(model, column[0], column[1], agg)
