"""The analytic shape a question asks for beyond its plan (issue 13 §6): a change between
periods ("growth", "variación porcentual", "vs last year"), a running total ("acumuladas") and
the best period within each larger one ("each year"). The rewrite stage takes their words out
of the tokens (`take_analytic_shape`); after the parse, `AnalyticShape.apply` sets the plan's
window or asks back naming the words."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..plan import GRAINS, QueryPlan
from . import lexicon as lx
from .parser import Clarify, Unclear


@dataclass
class AnalyticShape:
    """The analytic shape a question asks for beyond its plan (issue 13 §6): a change between
    periods, a running total, the best period within each larger one. The words that said it
    are taken out of the tokens (a change word is kept as "growth", which reads two periods as
    a comparison); `apply` sets the plan's window, or asks back naming the words."""

    change: str = ""  # the words that asked for a change ("variación porcentual")
    running: str = ""  # "acumuladas", "running total"
    within: str | None = None  # a grain: "cada año" -> "year"
    within_text: str = ""
    previous: tuple[int, str] | None = None  # "vs last year": (where it was said, its grain)

    def apply(self, plan: QueryPlan) -> QueryPlan:
        if self.within:
            coarser = (
                plan.grain in GRAINS
                and GRAINS.index(self.within) > GRAINS.index(plan.grain)
                and plan.limit is not None
                and plan.order is not None
                and not plan.comparison
                and not plan.listing
            )
            if not coarser:
                raise Unclear(Clarify.UNUSED_WORD, self.within_text)
            plan = plan.with_changes(rank_period=self.within)
        for said, kind in ((self.change, "change"), (self.running, "running")):
            if not said:
                continue
            if (
                plan.window
                or len(plan.metrics) != 1
                or not plan.grain
                or plan.limit is not None
                or plan.listing
                or plan.share
                or plan.rank_period
            ):
                raise Unclear(Clarify.UNUSED_WORD, said)
            periods = plan.comparison is not None and plan.comparison.dimension.startswith(
                "period:"
            )
            if kind == "change" and (
                (periods and len(plan.time_periods) == 2) or self.previous is not None
            ):
                kind = "change_pair"  # "de 2024 a 2025": A, B, B - A, %
            if plan.comparison is not None and not periods:
                raise Unclear(Clarify.UNUSED_WORD, said)
            plan = plan.with_changes(window=kind, comparison=None, order=None)
        return plan


_ACCENTED = {"ano": "año", "anos": "años", "ultimos": "últimos", "dia": "día", "dias": "días"}


def _against_previous(norms: list[str]) -> tuple[int, int, str] | None:
    """(start, end, grain) of "vs last year" / "frente al año anterior" / "over the previous
    month": a versus word, then within a few words a unit with last/previous/pasado/anterior."""
    for i, n in enumerate(norms):
        if n not in lx.VERSUS_WORDS:
            continue
        for j in range(i + 1, min(i + 5, len(norms))):
            unit = lx.UNIT_WORDS.get(norms[j])
            if unit not in GRAINS:
                continue
            before = norms[j - 1] in lx.PREVIOUS_UNIT_WORDS
            after = j + 1 < len(norms) and norms[j + 1] in lx.PREVIOUS_UNIT_WORDS
            if before or after:
                return i, j + (2 if after else 1), unit
            break
    return None


def take_analytic_shape(tokens: list[lx.Token]) -> tuple[list[lx.Token], AnalyticShape]:
    """Take the words of a change, a running total or "each <period>" out of the tokens."""
    shape = AnalyticShape()
    norms = [t.norm for t in tokens]
    drop: set[int] = set()
    growth = [i for i, n in enumerate(norms) if n.startswith(lx.GROWTH_PREFIXES)]
    percent = {i for i, n in enumerate(norms) if n in lx.PERCENT_WORDS}
    joined = f" {' '.join(norms)} "
    over_periods = any(f" {phrase} " in joined for phrase in lx.GRAIN_PHRASES)
    change = [  # "cambio"/"change" alone may be a column ("tipo de cambio"): with % or "X over X"
        i
        for i, n in enumerate(norms)
        if n in lx.CHANGE_WORDS or (n in lx.CHANGE_IF_PERCENT and (percent or over_periods))
    ]
    if growth or change:
        said = [tokens[i].text for i in sorted(growth + change)]
        for phrase in lx.PERCENT_PHRASES:  # "en porcentaje": the change is in percent
            words = phrase.split()
            for i in range(len(norms) - len(words) + 1):
                if norms[i : i + len(words)] == words:
                    drop |= set(range(i, i + len(words)))
        near = {j for i in growth + change for j in (i - 2, i - 1, i + 1, i + 2)}
        drop |= percent & near
        # "de" in "porcentaje de cambio" / "percentage of change"
        drop |= {
            i + 1 for i in percent & near if i + 1 < len(norms) and norms[i + 1] in ("de", "of")
        }
        shape.change = " ".join(said)
        against = _against_previous(norms)
        if against is not None:  # "vs last year" -> "by year last 2 years", the last one kept
            start, end, unit = against
            drop |= set(range(start, end))
            shape.previous = (start, unit)
    running = [i for i, n in enumerate(norms) if n in lx.RUNNING_WORDS]
    running += [
        i
        for i, n in enumerate(norms)
        if n in lx.RUNNING_NEEDS_TOTAL
        and i + 1 < len(norms)
        and norms[i + 1] in lx.RUNNING_TOTAL_WORDS
    ]
    if running:
        totals = {j for i in running for j in (i - 1, i + 1) if 0 <= j < len(norms)}
        totals = {j for j in totals if norms[j] in lx.RUNNING_TOTAL_WORDS}
        taken = sorted(set(running) | totals)
        shape.running = " ".join(tokens[i].text for i in taken)
        drop |= set(taken)
    units = [lx.UNIT_WORDS.get(n) for n in norms]
    for i, n in enumerate(norms[:-1]):
        unit = units[i + 1]
        finer = [u for j, u in enumerate(units) if j != i + 1 and u in GRAINS]
        if n in lx.EACH_WORDS and unit in GRAINS and finer:  # "el mejor mes de cada año"
            shape.within = unit
            shape.within_text = f"{tokens[i].text} {tokens[i + 1].text}"
            drop |= {i, i + 1}
            if i > 0 and norms[i - 1] in ("de", "del", "of", "in", "en", "for", "para", "por"):
                drop.add(i - 1)
            break
    out = []
    for i, token in enumerate(tokens):
        if shape.previous is not None and i == shape.previous[0]:
            one, many = lx.UNIT_SPELLING[token.lang if token.lang == "es" else "en"][
                shape.previous[1]
            ]
            said = (
                ("por", one, "ultimos", "2", many)
                if token.lang == "es"
                else ("by", one, "last", "2", many)
            )
            out += [
                replace(
                    token,
                    text=_ACCENTED.get(w, w),
                    norm=w,
                    key=lx.word_key(w, token.lang),
                    kind="number" if w.isdigit() else "word",
                )
                for w in said
            ]
        if i in drop:
            continue
        if i in change:  # "variación" -> "crecimiento": reads "de 2024 a 2025" as two periods
            word = "crecimiento" if token.lang == "es" else "growth"
            token = replace(token, text=word, norm=word, key=lx.word_key(word, token.lang))
        out.append(token)
    return out, shape
