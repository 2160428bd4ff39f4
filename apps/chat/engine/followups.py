"""Follow-up suggestions for an answered question: short rewrites the engine answers next.

Each candidate ("Solo el top 3", "¿Y en 2025?", "Ahora por canal", "Evolución mensual") is
checked by interpreting it as a follow-up of the answered plan: only those that become a
different, answerable plan are offered, so a chip never leads to a clarification. Pure: plan and
semantic model in, strings out.
"""

from __future__ import annotations

from apps.chat.engine.offline import interpret
from apps.chat.engine.offline.semantic import SemanticModel
from apps.chat.engine.plan import QueryPlan

MAX_FOLLOWUPS = 3


def _latest_year(model: SemanticModel) -> str | None:
    """The last year with data, when the model knows its date bounds."""
    for (table, _column), (_first, last) in model.date_bounds.items():
        if table == model.fact and last:
            return last[:4]
    return None


def _dimension_words(model: SemanticModel, plan: QueryPlan, lang: str) -> list[str]:
    """Low-cardinality columns of the plan's table not already grouped by, as words to ask."""
    table = model.catalog.table(plan.table)
    if table is None:
        return []
    used = {d.column for d in plan.dimensions}
    columns = sorted(
        (c for c in table.columns if c.values is not None and c.name not in used and not c.pii),
        key=lambda c: len(c.values or ()),
    )
    words = []
    for column in columns:
        if len(column.values or ()) > 12:
            continue
        names = [column.name, *column.synonyms]
        if lang == "en":
            names = [*reversed(column.synonyms), column.name]
        words.append(names[:2])
    return [w for names in words for w in names]


def _candidate_groups(model: SemanticModel, plan: QueryPlan, lang: str) -> list[list[str]]:
    """Kinds of follow-up, each a list of alternative wordings; one of each kind at most."""
    es = lang == "es"
    groups: list[list[str]] = []
    if plan.dimensions and plan.limit is None and plan.grain is None:
        groups.append(["Solo el top 3" if es else "Only the top 3"])
    words = _dimension_words(model, plan, lang)
    groups.append([f"Ahora por {word}" if es else f"Now by {word}" for word in words])
    if plan.grain is None and model.main_date(plan.table):
        groups.append(["Evolución mensual" if es else "Monthly trend"])
    if plan.time_range is None:
        years = [y for y in (_latest_year(model), "2025", "2024") if y]
        groups.append([f"¿Y en {year}?" if es else f"And in {year}?" for year in years])
    return groups


def followups(plan: QueryPlan | None, model: SemanticModel, *, lang: str) -> list[str]:
    """Up to three follow-ups of `plan`, of different kinds, that the offline engine turns into
    a new SQL plan."""
    if plan is None or not plan.metrics or plan.rows_plan is not None:
        return []  # a count of rows having related rows: no follow-up re-plans it
    chosen: list[str] = []
    seen_plans = {plan}
    for group in _candidate_groups(model, plan, lang):
        for candidate in group:
            result = interpret(candidate, model, previous=plan)
            new = result.plan
            # A series cut to its top N is not a trend: never offer that combination.
            if new is not None and new.grain is not None and new.limit is not None:
                continue
            if result.route == "SQL" and new is not None and new not in seen_plans:
                seen_plans.add(new)
                chosen.append(candidate)
                break
        if len(chosen) >= MAX_FOLLOWUPS:
            break
    return chosen
