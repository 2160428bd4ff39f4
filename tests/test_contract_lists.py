"""The contract's fixed lists are defined once (datachat/contract.py) and everything that names
them follows: the LLM's structured-output schema, its prompt, the API's OpenAPI document, the
chart registry, the schema answers.

The expected lists are copied here from the public contract, docs/contract.md (the answer
object's `type`, `intent.type` and `chart.type`), not imported from the module under test.
"""

from __future__ import annotations

import typing

import pytest
from pydantic import ValidationError

from apps.chat.engine import charts
from apps.chat.engine.answer import Answer, intent_dict
from apps.chat.engine.llm_prompt import SYSTEM_PROMPT
from apps.chat.engine.llm_schema import StructuredAnswer
from apps.knowledge.engine.rag_answer import KINDS
from datachat import contract

# From the contract's answer object.
CONTRACT_ANSWER_TYPES = ("SQL", "RAG", "HYBRID", "CLARIFY", "REFUSED", "ERROR")
CONTRACT_INTENTS = ("SCHEMA", "QUERY", "AGGREGATION", "COMPARISON", "TREND", "AMBIGUOUS")
CONTRACT_CHART_KINDS = ("bar", "line", "pie", "scatter", "kpi", "table")
# The offline engine's kinds of schema question (docs/architecture.md).
SCHEMA_KINDS = (
    "table_columns",
    "metric_definition",
    "column_values",
    "column_meaning",
    "join",
    "tables",
)


def test_the_lists_are_the_contracts() -> None:
    assert contract.ANSWER_TYPES == CONTRACT_ANSWER_TYPES
    assert contract.INTENTS == CONTRACT_INTENTS
    assert contract.CHART_KINDS == CONTRACT_CHART_KINDS
    assert contract.SCHEMA_KINDS == SCHEMA_KINDS
    assert set(contract.ANSWERED_TYPES) < set(contract.ANSWER_TYPES)
    assert set(contract.DATA_ANSWER_TYPES) < set(contract.ANSWERED_TYPES)
    assert set(contract.DATA_INTENTS) < set(contract.INTENTS)
    assert set(contract.ROUTES) <= set(contract.PLANS) <= set(contract.ANSWER_TYPES)


def _literal(field: str) -> tuple[str, ...]:
    return typing.get_args(StructuredAnswer.model_fields[field].annotation)


def test_the_llm_schema_is_derived_from_the_lists() -> None:
    assert _literal("intent") == contract.INTENTS
    assert _literal("plan") == contract.PLANS
    assert _literal("chart") == (*contract.CHART_KINDS, "auto")
    schema = StructuredAnswer.model_json_schema()
    assert tuple(schema["properties"]["intent"]["enum"]) == contract.INTENTS
    for intent in contract.INTENTS:
        parsed = StructuredAnswer.model_validate(
            {"intent": intent.lower(), "confidence": 0.5, "plan": "RAG"}
        )
        assert parsed.intent == intent
    with pytest.raises(ValidationError):
        StructuredAnswer.model_validate({"intent": "GUESS", "confidence": 0.5, "plan": "RAG"})


def test_the_prompt_names_every_intent_plan_and_chart_kind() -> None:
    intents = SYSTEM_PROMPT.split("Intents: ", 1)[1].split("\n", 1)[0]
    plans = SYSTEM_PROMPT.split("Plans: ", 1)[1].split("\n", 1)[0]
    for intent in contract.INTENTS:
        assert intent in intents
    for plan in contract.PLANS:
        assert plan in plans
    assert '"chart": "' + "|".join((*contract.CHART_KINDS, "auto")) + '"' in SYSTEM_PROMPT


def test_the_answer_object_refuses_what_the_contract_does_not_name() -> None:
    for kind in contract.ANSWER_TYPES:
        assert Answer(type=kind).type == kind
    with pytest.raises(ValueError, match="unknown answer type"):
        Answer(type="MAYBE")
    with pytest.raises(ValueError, match="unknown intent"):
        intent_dict("GUESS", 0.5, "")


def test_every_chart_kind_is_registered_and_schema_kinds_are_shared() -> None:
    assert set(contract.CHART_KINDS) <= set(charts.CHART_TYPES)
    assert KINDS == contract.SCHEMA_KINDS


@pytest.mark.django_db
def test_the_openapi_document_lists_the_answer_types(client) -> None:  # noqa: ANN001
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]
    enums = [tuple(c["enum"]) for c in components.values() if set(c.get("enum", ())) & {"HYBRID"}]
    assert contract.ANSWER_TYPES in enums
