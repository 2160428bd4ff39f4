"""A question asked back: what it did not understand (`unresolved_of`) and the parts
of the question the offered rewrites are built of (`_said_metrics`, `_said_dimensions`,
`_said_values`, `_said_period`). The messages and the rewrites themselves are `suggest.py`;
`_clarify` and `_offered` stay in `__init__.py` (they read each offer with `_interpret`)."""

from __future__ import annotations

from ..plan import Unresolved
from .parser import Clarify, Context, Unclear

# Clarify reasons whose detail is the one word (or phrase) of the question not understood.
_WORD_REASONS = frozenset(
    {
        Clarify.UNUSED_WORD,
        Clarify.UNKNOWN_DIMENSION,
        Clarify.COUNT_WHAT,
        Clarify.AMBIGUOUS_COLUMN,
        Clarify.LINK_SIDE,
        Clarify.UNMAPPED,
        Clarify.AGGREGATE_UNSAID,
        Clarify.OR_CONDITIONS,
        Clarify.OR_EVERY_ROW,
    }
)
_METRIC_REASONS = frozenset({Clarify.NO_METRIC, Clarify.MIXED_TABLES, Clarify.EXTREME_UNSAID})
_VALUE_REASONS = frozenset({Clarify.UNKNOWN_VALUE})


def unresolved_of(
    ctx: Context, unclear: Unclear, unmapped: list[str], question: str
) -> tuple[Unresolved, ...]:
    """What the question said that the engine did not understand, for every question asked
    back: the unknown words, else the word a rule could not place, else the metric or value
    missing, else the catalog words no slot took, else the question itself."""
    found = [Unresolved("word", w) for w in dict.fromkeys(unmapped)]
    detail = (unclear.detail or "").strip()
    if unclear.reason in _VALUE_REASONS and detail:
        found.append(Unresolved("value", detail))
    elif unclear.reason in _WORD_REASONS and detail and not found:
        found.append(Unresolved("word", detail))
    elif unclear.reason in _METRIC_REASONS:
        said = [m.text for m in ctx.mentions if m.kind == "schema" and m.has("metric")]
        text = detail if detail and detail != question.strip() else ", ".join(said)
        found.append(Unresolved("metric", text or question.strip()[:200]))
    if not found:
        left = [
            m.text
            for i, m in enumerate(ctx.mentions)
            if m.kind == "schema" and i not in ctx.used and i not in ctx.qualifiers
        ]
        found = [Unresolved("word", w) for w in dict.fromkeys(left)]
    if not found:
        found = [Unresolved("word", question.strip()[:200])]
    return tuple(dict.fromkeys(found))


def _said_metrics(ctx: Context) -> list[str]:
    keys = []
    for m in ctx.mentions:
        if m.kind == "schema":
            keys += [e.ref[0] for e in m.of("metric")]
    return keys


def _said_dimensions(ctx: Context) -> list[str]:
    model = ctx.model
    words = []
    for m in ctx.mentions:
        if m.kind != "schema" or m.has("value") or m.has("metric") or m.has("table"):
            continue
        columns = [model.column(*e.ref) for e in m.of("column")]
        if any(c.pii for c in columns):
            continue  # never offer to group by a sensitive column ("por cuenta bancaria")
        if any(c.kind == "text" for c in columns):
            words.append(m.text.lower())
    return words[:1]


def _said_values(ctx: Context) -> list[str]:
    found = []
    for m in ctx.mentions:
        if m.kind == "schema" and m.has("value"):
            value = max(m.of("value"), key=lambda e: e.quality).ref[2]
            if value not in found and not all(e.weak for e in m.of("value")):
                found.append(value)
    return found[:2]


def _said_period(ctx: Context) -> str | None:
    for m in ctx.mentions:
        if m.kind == "time" and m.time.kind == "period" and m.time.granularity == "year":
            return m.time.label
    return None
