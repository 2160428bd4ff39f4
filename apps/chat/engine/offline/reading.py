"""A query plan said back in the question's language: "Ingresos = SUM(total) · T4 2025 · por canal".

The answer card shows it next to the result (`Answer.interpretation`) so that a misreading (a
dropped filter, the wrong measure, a year instead of a quarter) is visible at a glance. It is
built from the plan only, never from the question: it says what was computed.
"""

from __future__ import annotations

from sqlglot import exp

from ..plan import QueryPlan, plan_from_dict
from .labels import person_name
from .semantic import SemanticModel

_WORDS = {
    "es": {
        "by": "por",
        "top": "top {n}",
        "bottom": "últimos {n}",
        "per": "por cada",
        "asc": "de menor a mayor",
        "desc": "de mayor a menor",
        "share": "% del total",
        "distinct": "sin repetir",
        "compare": "compara",
        "change": "variación sobre el periodo anterior (diferencia y %)",
        "change_pair": "variación del primer al último periodo (diferencia y %)",
        "running": "acumulado",
        "each": "en cada",
        "not": "no es",
        "rows": "filas de",
        "month": "mes",
        "quarter": "trimestre",
        "grains": {
            "day": "día",
            "week": "semana",
            "month": "mes",
            "quarter": "trimestre",
            "year": "año",
        },
    },
    "en": {
        "by": "by",
        "top": "top {n}",
        "bottom": "bottom {n}",
        "per": "within each",
        "asc": "lowest first",
        "desc": "highest first",
        "share": "% of total",
        "distinct": "distinct",
        "compare": "compares",
        "change": "change from the previous period (difference and %)",
        "change_pair": "change from the first to the last period (difference and %)",
        "running": "running total",
        "each": "within each",
        "not": "is not",
        "rows": "rows of",
        "month": "month",
        "quarter": "quarter",
        "grains": {
            "day": "day",
            "week": "week",
            "month": "month",
            "quarter": "quarter",
            "year": "year",
        },
    },
}


def formula(model: SemanticModel, key: str) -> str:
    """How a metric key is computed, in SQL words without table names: "SUM(total)"."""
    kind, _, rest = key.partition(":")
    if kind == "metric":
        metric = model.metrics.get(key)
        if metric is None:
            return key
        expression = metric.expression.copy()
        for column in expression.find_all(exp.Column):
            column.set("table", None)
        return expression.sql()
    if kind == "agg":
        fn, _, ref = rest.partition(":")
        return f"{fn.upper()}({ref.split('.', 1)[-1]})"
    if kind == "count":
        return f"COUNT({rest})"
    if kind == "countd":
        return f"COUNT(DISTINCT {rest.split('.', 1)[-1]})"
    return key


def _shown(model: SemanticModel, plan: QueryPlan, ref) -> str:  # noqa: ANN001
    """A column as the answer shows it: a person's label shown whole is both name columns."""
    pair = person_name(model, ref.table) if ref.table in plan.full_names else None
    if pair is None or ref.column != model.tables[ref.table].display:
        return ref.column
    return " ".join(pair)


def describe(plan: QueryPlan | None, model: SemanticModel, lang: str) -> str:
    """The plan as one line in `lang` ("es" or "en"), parts joined by " · "."""
    if plan is None:
        return ""
    w = _WORDS["es" if lang == "es" else "en"]
    bits: list[str] = []
    if plan.listing:
        names = ", ".join(_shown(model, plan, c) for c in plan.listing)
        bits.append(f"{plan.table}: {names}" + (f" ({w['distinct']})" if plan.distinct else ""))
    for m in plan.metrics:
        bits.append(f"{m.label} = {formula(model, m.key)}")
    sides: dict[int, list[str]] = {}  # "older than 30 or from Paris": said where it starts
    for f in plan.filters:
        _condition(bits, sides, f.either, _said_filter(f, w))
    either: dict[tuple[str, str], int] = {}  # "Population > 1500 or Population < 500"
    for n in plan.numeric_filters:
        if n.alternative and not (n.other or n.than or n.average or n.either):
            said = f"{n.column} {n.op} {n.value:g}"
            at = either.setdefault((n.table, n.column), len(bits))
            if at < len(bits):
                bits[at] += f" {'o' if lang == 'es' else 'or'} {said}"
            else:
                bits.append(said)
        else:
            _condition(bits, sides, n.either, _said_numeric(n, lang))
    if sides:  # "Age > 30 OR city = Paris", "(a y b) O c"
        both, either_word = (" y ", " O ") if lang == "es" else (" and ", " OR ")
        bits[bits.index(_EITHER)] = either_word.join(
            f"({both.join(side)})" if len(side) > 1 else side[0]
            for _, side in sorted(sides.items())
        )
    if plan.time_range is not None:
        t = plan.time_range
        bits.append(t.label or f"{t.start or '…'} – {t.end or '…'}")
    for t in plan.time_periods:
        bits.append(t.label or f"{t.start or '…'} – {t.end or '…'}")
    for d in plan.date_parts:
        bits.append(f"{w.get(d.part, d.part)} " + ", ".join(map(str, d.values)))
    for h in plan.having:
        label = plan.metrics[h.metric].label if h.metric < len(plan.metrics) else "?"
        bits.append(f"{label} {h.op} {h.value:g}")
    groups = [_shown(model, plan, d) for d in plan.dimensions]
    if plan.grain:
        groups.insert(min(plan.period_position, len(groups)), w["grains"][plan.grain])
    if groups:
        bits.append(f"{w['by']} " + ", ".join(groups))
    if plan.groups_counted:  # "how many countries have more than 2 makers"
        bits.append("cuántos cumplen" if lang == "es" else "how many pass")
    if plan.rows_plan:
        inner = plan_from_dict(plan.rows_plan)
        if inner is not None:
            word = (
                ("sin" if plan.rows_absent else "con")
                if lang == "es"
                else ("without" if plan.rows_absent else "with")
            )
            bits.append(f"{word} {inner.table}: {describe(inner, model, lang) or '*'}")
    if plan.average_per:
        per = ", ".join(c.column for c in plan.average_per)
        bits.append(("promedio por " if lang == "es" else "averaged per ") + per)
    if plan.share:
        bits.append(w["share"])
    if plan.comparison is not None:
        bits.append(f"{w['compare']} " + " / ".join(plan.comparison.values))
    if plan.order is not None:
        if plan.limit:
            rank = w["top" if plan.order.desc else "bottom"].format(n=plan.limit)
        else:
            rank = w["desc" if plan.order.desc else "asc"]
        if plan.rank_within:
            rank += f" {w['per']} " + ", ".join(c.column for c in plan.rank_within)
        bits.append(rank)
    elif plan.limit:
        bits.append(w["top"].format(n=plan.limit))
    if plan.rank_period:
        bits.append(f"{w['each']} {w['grains'].get(plan.rank_period, plan.rank_period)}")
    if plan.window:
        bits.append(w.get(plan.window, plan.window))
    return " · ".join(bits)


_EITHER = "\0either"  # where the conditions said with "or" go in the reading


def _condition(bits: list[str], sides: dict[int, list[str]], side: int, said: str) -> None:
    """A condition said in the reading, or kept with its side of an "or" (`Filter.either`)."""
    if not side:
        bits.append(said)
        return
    if not sides:
        bits.append(_EITHER)
    sides.setdefault(side, []).append(said)


def _said_filter(f, w: dict) -> str:  # noqa: ANN001
    values = ", ".join(f.values)
    if f.op in ("!=", "not in"):
        return f"{f.column} {w['not']} {values}"
    if f.op == "said":
        return f"{f.column} = “{values}”"
    if f.op == "like":
        return f"{f.column} LIKE {values}"
    return f"{f.column} = {values}"


def _said_numeric(n, lang: str) -> str:  # noqa: ANN001
    if n.other:
        return f"{n.column} {n.op} {n.other}"
    if n.than == "row" and n.op == "=":  # the one row a nested superlative picks
        if lang == "es":
            return f"{n.table} con {'mayor' if n.than_desc else 'menor'} {n.than_rank}"
        most = "largest" if n.than_desc else "smallest"
        return f"the {n.table} with the {most} {n.than_rank}"
    if n.than:
        return f"{n.column} {n.op} {_other_rows(n, lang)}"
    if n.average:
        mean = "AVG" if lang != "es" else "promedio"
        return f"{n.column} {n.op} {mean}({n.column})"
    return f"{n.column} {n.op} {n.value:g}"


def _other_rows(n, lang: str) -> str:  # noqa: ANN001
    """What a row is compared with (`NumericFilter.than`): "MAX(population) [continent =
    Africa]", "accelerate of the row with the largest horsepower"."""
    if n.than == "every":
        agg = "MAX" if n.op == ">" else "MIN"
        where = ", ".join(f"{column} = {value}" for column, value in n.than_values)
        return f"{agg}({n.column}) [{where}]"
    if lang == "es":
        return f"{n.column} de la fila con {'mayor' if n.than_desc else 'menor'} {n.than_rank}"
    most = "largest" if n.than_desc else "smallest"
    return f"{n.column} of the row with the {most} {n.than_rank}"
