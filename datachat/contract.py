"""The public contract's fixed lists, defined once: answer types, intents, chart kinds, and the
kinds of schema question; and the plans the model may choose.

Every module that needs one of these lists imports it from here: the answer object
(`chat/engine/answer.py`), the LLM's structured-output schema (`chat/engine/llm_schema.py`, whose
`Literal` types are built from these tuples) and its prompt (`llm_prompt.py`), the offline
engine's plan (`engine/plan.py`), the schema answers (`knowledge/engine/rag_answer.py`), the
chart registry (`chat/engine/charts.py`, which registers one chart per kind), the API's
serializers and the evaluation. The names come from the contract (docs/contract.md) and
are kept: a list may gain a value, never lose or rename one.

Pure: no Django imports, importable from every layer (governance, knowledge, chat), like
`datachat/text.py`.
"""

from __future__ import annotations

__all__ = [
    "ANSWERED_TYPES",
    "ANSWER_TYPES",
    "CHART_KINDS",
    "DATA_ANSWER_TYPES",
    "DATA_INTENTS",
    "INTENTS",
    "PLANS",
    "ROUTES",
    "SCHEMA_KINDS",
]

# The answer object's `type`.
ANSWER_TYPES: tuple[str, ...] = ("SQL", "RAG", "HYBRID", "CLARIFY", "REFUSED", "ERROR")
# The types that answered the question (counted as answered, cached, offered again as chips).
ANSWERED_TYPES: tuple[str, ...] = ("SQL", "RAG", "HYBRID")
# The types whose answer carries rows from a query (exported, re-run, compared with gold SQL).
DATA_ANSWER_TYPES: tuple[str, ...] = ("SQL", "HYBRID")

# The answer object's `intent.type`.
INTENTS: tuple[str, ...] = ("SCHEMA", "QUERY", "AGGREGATION", "COMPARISON", "TREND", "AMBIGUOUS")
# The intents answered from the data (the others: about the schema, or not understood).
DATA_INTENTS: tuple[str, ...] = ("QUERY", "AGGREGATION", "COMPARISON", "TREND")

# The answer object's `chart.type` (the chart registry may add kinds; it registers these).
CHART_KINDS: tuple[str, ...] = ("bar", "line", "pie", "scatter", "kpi", "table")

# What the model may plan in its one structured call, and the offline engine's routes.
PLANS: tuple[str, ...] = ("RAG", "SQL", "HYBRID", "CLARIFY")
ROUTES: tuple[str, ...] = ("SQL", "RAG", "CLARIFY")

# The questions about the schema itself, answered from the catalog and the documents.
SCHEMA_KINDS: tuple[str, ...] = (
    "table_columns",
    "metric_definition",
    "column_values",
    "column_meaning",
    "join",
    "tables",
)
