"""A follow-up of the previous answer: "same for 2024" (`_same_for`), a re-sort
("ordénalo de menor a mayor": `_resort`), whether the question continues the previous one
(`_is_followup`), and the kept metrics named in the follow-up's language (`_relabel`)."""

from __future__ import annotations

from dataclasses import replace

from ..plan import Intent, Interpretation, Order, QueryPlan
from . import lexicon as lx
from . import measures as ms
from .reading import describe
from .say import _reasoning
from .semantic import SemanticModel
from .sqlgen import PlanError, compile_sql

_FOLLOWUP_OPENERS = ("what about", "how about", "and what about", "y que tal", "lo mismo")


def _same_for(tokens: list[lx.Token]) -> list[lx.Token]:
    """ "same for 2024", "lo mismo para el canal Online", "do the same with Tienda": a
    follow-up that swaps a value; the words that say so are read as "now" ("ahora")."""
    at = next((n for n, t in enumerate(tokens[:4]) if t.norm in lx.SAME_WORDS), None)
    if at is None:
        return tokens
    end = at + 1
    while end < len(tokens) and tokens[end].norm in lx.SAME_FILLER:
        end += 1
    start = at
    while start > 0 and tokens[start - 1].norm in lx.SAME_FILLER | lx.FOLLOWUP_LEADS:
        start -= 1
    lang = tokens[at].lang
    now = "ahora" if lang == "es" else "now"
    lead = replace(tokens[at], text=now, norm=now, key=lx.word_key(now, lang))
    return [*tokens[:start], lead, *tokens[end:]]


def _resort(
    previous: QueryPlan, mentions: list, lang: str, model: SemanticModel
) -> Interpretation | None:
    """A follow-up that only re-sorts the previous answer ("ordénalo de menor a mayor", "sort
    it ascending", "descending"): the same plan, ordered by its first measure."""
    # "in descending order": the noun "order" says how to sort, whatever else it names
    kinds = {m.kind for m in mentions if lx.fold(m.text) not in ("order", "orden")}
    if "dir" not in kinds or kinds - {"dir", "order", "conj"}:
        return None
    desc = next(m.value for m in mentions if m.kind == "dir") == "desc"
    metric = previous.order.metric if previous.order is not None else 0
    plan = _relabel(model, previous.with_changes(order=Order(metric, desc)), lang)
    try:
        sql = compile_sql(plan, model)
    except PlanError:
        return None
    return Interpretation(
        route="SQL",
        intent=Intent("AGGREGATION" if plan.dimensions else "QUERY", 0.9, _reasoning(plan, lang)),
        lang=lang,
        plan=plan,
        sql=sql,
        reading=describe(plan, model, lang),
    )


def _is_followup(tokens: list[lx.Token], previous: QueryPlan | None) -> bool:
    if previous is None or not tokens:
        return False
    head = " ".join(t.norm for t in tokens[:3])
    return tokens[0].norm in lx.FOLLOWUP_LEADS or head.startswith(_FOLLOWUP_OPENERS)


def _relabel(model: SemanticModel, plan: QueryPlan, lang: str) -> QueryPlan:
    """The kept metrics named in the follow-up's language: "and by channel?" after "ventas
    por región" answers about "total revenue", not "ventas totales"."""
    other = "en" if lang == "es" else "es"
    refs = []
    for m in plan.metrics:
        try:
            theirs = ms.metric_ref(model, m.key, other)
            mine = ms.metric_ref(model, m.key, lang)
        except ms.UnknownMetric:
            refs.append(m)
            continue
        label = m.label
        if label == theirs.label:
            label = mine.label
        elif label.endswith(theirs.label):  # "% de ventas totales", "promedio por mes de ..."
            prefix = label[: -len(theirs.label)]
            shared = {"% de ": "% of ", "% of ": "% de "}
            if prefix in shared:
                label = shared[prefix] + mine.label
        refs.append(m.__class__(m.key, label, m.unit, m.alias))
    return plan.with_changes(metrics=tuple(refs))
