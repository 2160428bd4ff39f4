"""What the engine says with an answer: the reasoning of the intent (`_intent`,
`_reasoning`, `_schema_reasoning`) and the corrections and synonyms it read (`_fixes_said`,
`_synonyms_said`, `_synonyms_reading`). The plan said back is `reading.py`."""

from __future__ import annotations

from ..plan import Intent, QueryPlan, SchemaRequest
from .parser import Context
from .parts import Parts


def _fixes_said(fixes: list[tuple[str, str]], lang: str) -> str:
    """The spelling corrections, for the reasoning shown with the answer."""
    if not fixes:
        return ""
    pairs = ", ".join(f"«{written}» → «{fixed}»" for written, fixed in fixes)
    return f"; {'corregido' if lang == 'es' else 'corrected'}: {pairs}"


def _synonyms_said(read: list[tuple[str, str]], lang: str) -> str:
    """The thesaurus readings, for the reasoning shown with the answer."""
    if not read:
        return ""
    pairs = ", ".join(f"«{written}» → «{name}»" for written, name in read)
    return f"; {'leído como' if lang == 'es' else 'read as'}: {pairs}"


def _synonyms_reading(read: list[tuple[str, str]]) -> str:
    """ "automobiles → car": the schema word each synonym was read as, in the interpretation."""
    return ", ".join(f"{written} → {name}" for written, name in read)


# --- intent -----------------------------------------------------------------------------------


def _intent(plan: QueryPlan, parts: Parts, lang: str, ctx: Context, said: bool) -> Intent:
    if plan.comparison is not None:
        kind = "COMPARISON"
    elif plan.average_over:
        kind = "AGGREGATION" if plan.dimensions else "QUERY"
    elif plan.grain and not (plan.order and plan.limit):
        kind = "TREND"
    elif plan.dimensions or plan.grain:
        kind = "AGGREGATION"
    else:
        kind = "QUERY"
    confidence = 0.92 - 0.08 * ctx.guesses - (0.0 if said or plan.listing else 0.04)
    return Intent(kind, round(max(0.5, min(confidence, 0.95)), 2), _reasoning(plan, lang))


def _reasoning(plan: QueryPlan, lang: str) -> str:
    es = lang == "es"
    bits = []
    if plan.listing:
        cols = ", ".join(c.column for c in plan.listing)
        bits.append(f"{'listado de' if es else 'listing'} {plan.table} ({cols})")
    if plan.metrics:
        label = "métricas" if es else "metrics"
        bits.append(f"{label}: " + ", ".join(m.label for m in plan.metrics))
    if plan.dimensions:
        label = "agrupado por" if es else "grouped by"
        bits.append(f"{label} " + ", ".join(d.column for d in plan.dimensions))
    if plan.grain:
        bits.append(f"{'periodo' if es else 'grain'}: {plan.grain}")
    conditions = [f"{f.column} {f.op} {', '.join(f.values)}" for f in plan.filters]
    conditions += [
        f"{f.column} {f.op} " + (f.other or (f"AVG({f.column})" if f.average else f"{f.value:g}"))
        for f in plan.numeric_filters
    ]
    if plan.time_range:
        conditions.append(plan.time_range.label or f"{plan.time_range.start}–{plan.time_range.end}")
    if conditions:
        bits.append(f"{'filtros' if es else 'filters'}: " + "; ".join(conditions))
    if plan.order is not None:
        way = "desc" if plan.order.desc else "asc"
        bits.append(
            f"{'orden' if es else 'order'} {way}" + (f", top {plan.limit}" if plan.limit else "")
        )
    if plan.comparison is not None:
        bits.append(f"{'compara' if es else 'compares'} {plan.comparison.dimension}")
    return "; ".join(bits)


def _schema_reasoning(request: SchemaRequest, lang: str) -> str:
    target = request.metric or ".".join(p for p in (request.table, request.column) if p) or "-"
    if lang == "es":
        return f"Pregunta sobre la estructura o el significado ({request.kind}: {target})."
    return f"Question about structure or meaning ({request.kind}: {target})."
