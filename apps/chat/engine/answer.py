"""The answer object of the public contract (docs/contract.md), as one dataclass.

Every path (web chat, API, `manage.py ask`/`query`) returns exactly this shape; fields may be
added, never renamed or dropped.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from datachat.contract import ANSWER_TYPES, INTENTS


@dataclass
class LLMUsage:
    provider: str = "offline"
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


@dataclass
class Answer:
    type: str
    answer: str = ""
    intent: dict[str, Any] | None = None
    sql: str | None = None
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    row_count: int = 0
    truncated: bool = False
    chart: dict[str, Any] | None = None
    sources: list[dict[str, Any]] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    error: dict[str, str] | None = None
    cached: bool = False
    timings_ms: dict[str, float] = field(default_factory=dict)
    llm: LLMUsage = field(default_factory=LLMUsage)
    conversation_id: int | None = None
    message_id: int | None = None
    # Additions beyond the contract's minimum (allowed: "add fields freely").
    lang: str = "es"
    source: str | None = None
    scope: list[str] = field(default_factory=list)  # row filters applied, human readable
    masked_columns: list[str] = field(default_factory=list)
    count_capped: bool = False
    # {result column: currency or unit} for the columns whose catalog column documents one.
    units: dict[str, str] = field(default_factory=dict)
    # {result column: display label} in the answer's language, unit included ("Ventas totales
    # (USD)", "Región"): what the table and the chart show instead of SQL aliases.
    labels: dict[str, str] = field(default_factory=dict)
    # The period the answer used, named ("noviembre de 2025 (mes anterior al último con datos)",
    # "T3 2025", "todo el periodo con datos (1 ene 2024 – 31 dic 2025)"); None when unknown.
    period: str | None = None
    # A long query run as a background job: {"id", "status", "url"}
    # (docs/architecture.md, "Long queries as jobs").
    job: dict[str, str] | None = None
    # Insights (docs/insights.md): a why-answer's change split into contributions; a HYBRID
    # answer's definition ({term, text, sources, metric}); the periods a trend's answer names
    # as standing out, each with its "why?" follow-up.
    decomposition: dict[str, Any] | None = None
    definition: dict[str, Any] | None = None
    outliers: list[dict[str, Any]] = field(default_factory=list)
    # The reading of the question in the user's language ("Ingresos = SUM(total) · T4 2025 ·
    # por canal"), shown on the answer card so a misreading is visible at a glance.
    interpretation: str = ""
    # What the engine did not understand: [{"kind": "word"|"metric"|"value", "text": ...}], on
    # every question asked back (the knowledge-gaps page reads it).
    unresolved: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.type not in ANSWER_TYPES:
            raise ValueError(f"unknown answer type {self.type!r}")

    def to_dict(self) -> dict[str, Any]:
        """The answer as JSON-ready data. Top-level lists and dicts are copies; what they hold
        (a chart's figure, the intent) is shared, not deep-copied: `asdict`'s deep copy of a
        thousand rows and a figure was most of a cached answer's cost."""
        data: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, list):
                value = list(value)
            elif isinstance(value, dict):
                value = dict(value)
            data[item.name] = value
        data["llm"] = asdict(self.llm)
        data["rows"] = [[json_value(v) for v in row] for row in self.rows]
        return data


def json_value(value: Any) -> Any:
    """A result cell as JSON: numbers stay numbers, dates become ISO strings, NULL is None."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return str(value)


def intent_dict(type_: str, confidence: float, reasoning: str) -> dict[str, Any]:
    if type_ not in INTENTS:
        raise ValueError(f"unknown intent {type_!r}")
    return {"type": type_, "confidence": round(float(confidence), 3), "reasoning": reasoning}
