"""Clarify questions and suggested rewrites, in the question's language.

Suggestions are built from the model's own vocabulary (metric names, grouping columns, the
question's recognised parts) and each one is re-interpreted before it is offered: only rewrites
that this engine answers with SQL are returned.
"""

from __future__ import annotations

from collections.abc import Callable

from . import lexicon as lx
from .lexicon import words
from .semantic import SemanticModel

_MESSAGES = {
    "unmapped": (
        "No encuentro «{detail}» en los datos de esta fuente. ¿Puedes reformular la pregunta "
        "con las métricas, columnas o valores disponibles?",
        "I can't find “{detail}” in this data source. Could you rephrase the question with the "
        "metrics, columns or values it has?",
    ),
    "forecast": (
        "Solo respondo con datos históricos: no hago predicciones ni pronósticos. "
        "¿Te sirve ver la evolución histórica?",
        "I only answer from historical data and don't make predictions or forecasts. "
        "Would the historical trend help?",
    ),
    "why": (
        "Puedo mostrar qué cambió en los datos, pero no explicar sus causas. "
        "¿Quieres ver la evolución o un desglose?",
        "I can show what changed in the data, but not explain why. "
        "Would a trend or a breakdown help?",
    ),
    "weekday": (
        "Todavía no puedo agrupar ni filtrar por día de la semana. Puedo mostrarlo por día, "
        "semana o mes, por ejemplo «ventas por mes».",
        "I can't group or filter by day of the week yet. I can show it by day, week or month, "
        "for example “sales by month”.",
    ),
    "no_metric": (
        "¿Qué quieres medir? Por ejemplo: {metrics}.",
        "What would you like to measure? For example: {metrics}.",
    ),
    "compare_what": (
        "¿Qué quieres comparar? Indica dos valores de una columna o dos periodos (por ejemplo "
        "dos años) y la métrica.",
        "What should I compare? Name two values of one column or two periods (e.g. two "
        "years) and the metric.",
    ),
    "ambiguous_column": (
        "«{detail}» puede referirse a varias columnas. ¿De qué tabla lo quieres?",
        "“{detail}” could mean several columns. Which table do you mean?",
    ),
    "link_side": (
        "Las tablas se unen por cualquiera de estas columnas: {detail}. ¿Por cuál lo quieres?",
        "The tables join through either of these columns: {detail}. Which one do you mean?",
    ),
    "rank_without_dimension": (
        "¿Qué quieres ordenar? Indica qué comparar en el ranking, por ejemplo productos o "
        "regiones.",
        "What should I rank? Say what to rank, for example products or regions.",
    ),
    "largest_of_rows": (
        "¿«{detail}» mayor de una sola fila, o el mayor total por grupo? ¿Puedes indicarlo?",
        "The largest “{detail}” of one row, or the largest total per group? Could you say which?",
    ),
    "size_of_row": (
        "¿Qué columna lo hace «{detail}» (por ejemplo «con el mayor importe»)? ¿O quieres decir "
        "cuántos hay («con más …»)?",
        "Which column makes it the “{detail}” (for example “with the largest amount”)? Or do "
        "you mean how many there are (“with the most …”)?",
    ),
    "set_or_each": (
        "¿El «{detail}» de cada fila que no lo cumple (repetido), o los «{detail}» en los que "
        "ninguna fila lo cumple? ¿Puedes indicarlo?",
        "The “{detail}” of each row that does not (repeated), or the “{detail}” values for "
        "which no row does? Could you say which?",
    ),
    "summed_attribute": (
        "«{detail}» es un dato de cada fila del grupo: ¿quieres verlo junto a cada una, o "
        "sumarlo sobre otras filas? ¿Puedes indicarlo?",
        "“{detail}” is a property of each grouped row: should I show it with each one, or add "
        "it up over other rows? Could you say which?",
    ),
    "aggregate_unsaid": (
        "¿Quieres «{detail}» de cada fila, o un total (o una media) de todas? ¿Puedes indicarlo?",
        "Do you want the “{detail}” of each row, or one total (or average) over them? Could you "
        "say which?",
    ),
    "per_group_unsaid": (
        "¿La cifra para cada «{detail}», o una sola cifra y aparte la lista de «{detail}»? "
        "¿Puedes indicarlo?",
        "The figure for each “{detail}”, or one figure and, apart, the list of “{detail}”? "
        "Could you say which?",
    ),
    "shared_values": (
        "«{detail}»: ¿lo que tienen en común las filas de cada valor, o las filas de cualquiera "
        "de ellos? ¿Puedes indicarlo?",
        "“{detail}”: what the rows of each value have in common, or the rows of either value? "
        "Could you say which?",
    ),
    "bare_number": (
        "Cada fila tiene un «{detail}»: ¿cuáles quieres (por ejemplo el «{detail}» más alto, o "
        "mayor que un número)? ¿Puedes indicarlo?",
        "Every row has a “{detail}”: which ones do you mean (for example the highest "
        "“{detail}”, or above a number)? Could you say which?",
    ),
    "or_conditions": (
        "«{detail}» une dos condiciones: ¿las filas que cumplen cualquiera de ellas, o las que "
        "cumplen ambas? ¿Puedes preguntar por cada una por separado?",
        "“{detail}” joins two conditions: the rows that meet either one, or those that meet "
        "both? Could you ask about each one separately?",
    ),
    "or_every_row": (
        "«{detail}» no pone ninguna condición: ¿quieres todas las filas (sin filtro) o solo las "
        "que cumplen la otra condición? ¿Puedes indicarlo?",
        "“{detail}” sets no condition: do you want every row (no filter), or only the rows "
        "that meet the other condition? Could you say which?",
    ),
    "extreme_unsaid": (
        "Nada en la pregunta pide «{detail}»: ¿qué columnas de cada fila quieres ver?",
        "Nothing in the question asks for the “{detail}”: which columns of each row should I show?",
    ),
    "rank_direction": (
        "«{detail}»: ¿el puesto 1 (el número más bajo) o el número de puesto más alto?",
        "“{detail}”: rank 1 (the lowest number), or the largest rank number?",
    ),
    "items_or_units": (
        "«{detail}»: ¿cuántos distintos, o cuántas unidades en total?",
        "“{detail}”: how many different ones, or how many units in all?",
    ),
    "orders_or_units": (
        "«{detail}»: ¿el que más veces aparece en las filas, o el de más unidades?",
        "“{detail}”: the most rows (orders) of it, or the most units?",
    ),
    "echoed_value": (
        "«{detail}» ya está en la pregunta: ¿qué columna de esas filas quieres ver?",
        "“{detail}” is already in the question: which column of those rows should I show?",
    ),
    "numeric_filter": (
        "No sé a qué columna aplicar esa condición numérica. ¿Puedes indicarla?",
        "I'm not sure which column that numeric condition applies to. Could you name it?",
    ),
    "followup_nothing": (
        "No entendí qué cambiar respecto a la pregunta anterior. ¿Puedes formular la pregunta "
        "completa?",
        "I didn't get what to change from the previous question. Could you ask the full question?",
    ),
    "vague": (
        "No entendí la pregunta. ¿Qué dato necesitas? Puedo calcular métricas como {metrics}, "
        "con filtros, periodos y agrupaciones.",
        "I didn't understand the question. What data do you need? I can compute metrics like "
        "{metrics}, with filters, periods and groupings.",
    ),
    "share": (
        "Puedo calcular porcentajes de métricas que se suman (ingresos, unidades, número de "
        "ventas) por grupo, o de una sola condición. ¿Puedes concretarlo?",
        "I can compute percentages of additive metrics (revenue, units, number of sales) per "
        "group, or of a single condition. Could you be more specific?",
    ),
    "generic": (
        "No estoy seguro de cómo responder «{detail}» con estos datos. ¿Puedes concretar "
        "la métrica, el filtro o el periodo?",
        "I'm not sure how to answer “{detail}” with this data. Could you specify the metric, "
        "filter or period?",
    ),
}


def clarify_message(reason: str, lang: str, *, detail: str, model: SemanticModel) -> str:
    """The question back to the user, in `lang`."""
    templates = _MESSAGES.get(reason, _MESSAGES["generic"])
    template = templates[0] if lang == "es" else templates[1]
    metrics = ", ".join(metric_phrase(model, k, lang) for k in model.metric_order[:3])
    if not metrics:
        metrics = "número de filas" if lang == "es" else "row counts"
    return template.format(detail=detail, metrics=metrics)


_ES_VOCAB = words(
    """
    ingresos ingreso facturacion ventas venta totales unidades vendidas numero ticket promedio
    medio margen bruto ganancia clientes activos compradores descuento pedidos transacciones
    cantidad valor importe
    """
)
_EN_VOCAB = words(
    """
    revenue sales units sold number of orders average order value aov gross margin profit active
    customers discount amount count total transactions
    """
)


def metric_phrase(model: SemanticModel, key: str, lang: str) -> str:
    """How to say a metric in `lang`: the synonym that reads most like that language."""
    metric = model.metrics.get(key)
    if metric is None:
        return key.split(":")[-1]
    vocab = _ES_VOCAB if lang == "es" else _EN_VOCAB
    other = _EN_VOCAB if lang == "es" else _ES_VOCAB

    def score(text: str) -> int:
        words = lx.fold(text).split()
        return sum(w in vocab for w in words) - sum(w in other for w in words)

    if score(metric.name) > 0:
        return metric.name
    fitting = [s for s in metric.synonyms if score(s) > 0 and len(s) >= 4]
    if not fitting:
        return metric.name
    return min(fitting, key=lambda s: (-score(s), len(s.split()), s))


def column_word(model: SemanticModel, table: str, name: str, lang: str) -> str:
    """How to say a column in `lang`: its glossed English name, or its accented Spanish
    spelling when a synonym has one ("categoria" -> "categoría")."""
    if lang == "en":
        glossed = lx.gloss_variants(name)
        english = [g for g, _lang in glossed if all(w.isascii() for w in g.split())]
        simple = lx.GLOSS.get(lx.fold(name))
        return simple[0] if simple else (english[0] if english else name.replace("_", " "))
    info = model.catalog.table(table)
    column = info.column(name) if info else None
    for synonym in column.synonyms if column else ():
        if lx.fold(synonym) == lx.fold(name.replace("_", " ")):
            return synonym
    return name.replace("_", " ")


def _dimension_words(model: SemanticModel, lang: str) -> list[str]:
    """Grouping words that read well: the fact table's low-cardinality text columns."""
    fact = model.tables.get(model.fact)
    if fact is None:
        return []
    found = []
    for name in fact.columns:
        col = model.column(model.fact, name)
        if col and col.kind == "text" and not col.pii and col.values and 1 < len(col.values) <= 12:
            found.append(column_word(model, model.fact, name, lang))
    return found


def meant_dimensions(model: SemanticModel, unknown: list[str], lang: str) -> list[str]:
    """Grouping words a word nobody understood was probably meant as ("chanl" -> "channel",
    "catgoria" -> "categoría"): at most two letters off, same first letter. They lead the
    rewrites offered, so the suggestion includes the word the person meant."""
    from .typos import distance  # typos imports this module's neighbours; import late

    found: list[str] = []
    for raw in unknown:
        word = lx.fold(raw)
        if len(word) < 4:
            continue
        for dim in _dimension_words(model, lang):
            folded = lx.fold(dim)
            limit = 1 if len(word) < 5 else 2
            near = folded[0] == word[0] and distance(word, folded, limit) <= limit
            if near and dim not in found:
                found.append(dim)
    return found


def _latest_year(model: SemanticModel) -> str | None:
    years = [bounds[1][:4] for bounds in model.date_bounds.values() if bounds and bounds[1]]
    return max(years) if years else None


def suggestions(
    model: SemanticModel,
    lang: str,
    *,
    metric_keys: list[str],
    dimension_words: list[str],
    values: list[str],
    period: str | None,
    reason: str,
    accepts: Callable[[str], bool],
) -> tuple[str, ...]:
    """2-3 rewrites this engine answers with SQL (each one checked with `accepts`), built from
    what the question did say: its metric, grouping words, values and period."""
    es = lang == "es"
    keys = (
        [k for k in metric_keys if k in model.metrics]
        or [k for k in (model.revenue_metric, model.count_metric, model.units_metric) if k]
        or list(model.metric_order[:2])
    )
    phrases = list(dict.fromkeys(metric_phrase(model, k, lang) for k in keys[:2]))
    if not phrases:
        phrases = [f"número de {model.fact}" if es else f"number of {model.fact}"]
    dims = dimension_words + [d for d in _dimension_words(model, lang) if d not in dimension_words]
    by = "por" if es else "by"
    when = f" {'en' if es else 'in'} {period}" if period else ""
    first = phrases[0]
    candidates: list[str] = []
    if len(values) >= 2:
        candidates.append(f"{first}: {values[0]} vs {values[1]}{when}")
    elif values:
        candidates.append(f"{first} {'de' if es else 'for'} {values[0]}{when}")
    if reason in ("forecast", "why"):
        candidates.append(f"Evolución mensual de {first}" if es else f"Monthly {first}")
        candidates.append(f"{first} por año" if es else f"{first} by year")
    candidates += [f"{first} {by} {dim}{when}" for dim in dims[:3]]
    year = _latest_year(model)
    if year and not period:
        candidates.append(f"{first} {'en' if es else 'in'} {year}")
    candidates.append(f"{first} {'por mes' if es else 'by month'}{when}")
    candidates += [f"{phrase} {by} {dims[0]}{when}" for phrase in phrases[1:] if dims]
    chosen: list[str] = []
    for text in candidates:
        text = text[:1].upper() + text[1:]
        if text in chosen or not accepts(text):
            continue
        chosen.append(text)
        if len(chosen) == 3:
            break
    return tuple(chosen)
