"""The shapes the LLM must answer in, validated with pydantic (pure: no Django).

`StructuredAnswer` is the ONE structured call of the common path: intent, plan and SQL together,
because every extra round-trip costs seconds and money. `SqlCorrection` is the bounded retry after
a database error; `RagAnswerOut` answers from documents.

Validation is strict where a wrong value would change what runs (plan, SQL presence, confidence
range) and lenient where the fix is unambiguous (upper/lower case of enums, a Markdown fence
around SQL, more than three suggestions): each failed validation costs a repair round-trip.
Everything here is untrusted model output; the SQL still goes through the guard.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from datachat.contract import CHART_KINDS, INTENTS, PLANS

# Built from the contract's lists (datachat/contract.py), so the schema the model answers in
# never drifts from the answer object: `Literal[("A", "B")]` is `Literal["A", "B"]`.
Intent = Literal[INTENTS]  # type: ignore[valid-type]
Plan = Literal[PLANS]  # type: ignore[valid-type]
ChartKind = Literal[(*CHART_KINDS, "auto")]  # type: ignore[valid-type]

MAX_SUGGESTIONS = 3
_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


def _clean_sql(value: Any) -> Any:
    """Unwrap a Markdown fence and surrounding blanks; an empty string means no SQL."""
    if not isinstance(value, str):
        return value
    match = _FENCE.match(value)
    text = (match.group(1) if match else value).strip()
    return text or None


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


class StructuredAnswer(BaseModel):
    """Intent, plan and (for SQL/HYBRID) one read-only SELECT, from a single LLM call."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    intent: Intent
    confidence: float = Field(ge=0.0, le=1.0)
    reasoning: str = Field(default="", max_length=2000)
    plan: Plan
    sql: str | None = Field(default=None, max_length=20_000)
    chart: ChartKind = "auto"
    clarify_question: str | None = Field(default=None, max_length=500)
    suggestions: list[str] = Field(default_factory=list)
    rewritten_question: str | None = Field(default=None, max_length=1000)

    @field_validator("intent", "plan", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("chart", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        if value is None:
            return "auto"
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("sql", mode="before")
    @classmethod
    def _sql(cls, value: Any) -> Any:
        return _clean_sql(value)

    @field_validator("clarify_question", "rewritten_question", mode="before")
    @classmethod
    def _optional_text(cls, value: Any) -> Any:
        return _blank_to_none(value)

    @field_validator("suggestions", mode="before")
    @classmethod
    def _suggestions(cls, value: Any) -> Any:
        # Extra suggestions are dropped rather than refused: not worth a repair round-trip.
        if value is None:
            return []
        if isinstance(value, list):
            kept = [s.strip() for s in value if isinstance(s, str) and s.strip()]
            return kept[:MAX_SUGGESTIONS]
        return value

    @model_validator(mode="after")
    def _plan_needs(self) -> StructuredAnswer:
        if self.plan in ("SQL", "HYBRID") and not self.sql:
            raise ValueError(f"plan {self.plan} needs the SQL in `sql`")
        if self.plan == "CLARIFY" and not self.suggestions:
            raise ValueError("plan CLARIFY needs at least one concrete rewrite in `suggestions`")
        if self.plan in ("RAG", "CLARIFY"):
            # A CLARIFY or RAG answer must not run a query, whatever the model also wrote.
            self.sql = None
        return self


class SqlCorrection(BaseModel):
    """A corrected query after the database rejected the previous one."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    sql: str = Field(min_length=1, max_length=20_000)
    reasoning: str = Field(default="", max_length=2000)

    @field_validator("sql", mode="before")
    @classmethod
    def _sql(cls, value: Any) -> Any:
        cleaned = _clean_sql(value)
        return "" if cleaned is None else cleaned


class RagAnswerOut(BaseModel):
    """An answer written only from the given documents, with the titles it used."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    answer: str = Field(min_length=1, max_length=8000)
    used_sources: list[str] = Field(default_factory=list)

    @field_validator("used_sources", mode="before")
    @classmethod
    def _sources(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, list):
            return [s.strip() for s in value if isinstance(s, str) and s.strip()]
        return value
