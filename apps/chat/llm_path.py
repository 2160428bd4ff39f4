"""The LLM path of the assistant pipeline: the Django side of `datachat.providers.llm`.

The pipeline (apps/chat/pipeline/) stays the one code path; when an LLM is configured it calls
these functions instead of the offline engine's `interpret`:

- `structured_interpret`: builds the context of ONE structured call (intent + plan + SQL + chart
  preference, answered as `StructuredAnswer`) and makes that call. The context is small on
  purpose: the schema slice of the tables that look relevant to the question (not the whole
  schema), metric definitions, matching values from the catalog's value index, a few similar
  verified examples and the previous turn. `build_structured_messages` enforces the hard budget.
- `correct_sql`: a bounded retry after a guard or database error (`correction_messages`).
- `rag_answer`: a second call, only for the RAG plan, over retrieved documentation chunks.

Every call goes through `LLMClient` (timeouts, retries, circuit breaker) and is metered on the
question's `LLMSession`; any `LLMError` propagates so that the pipeline answers the question from
the offline engine instead, with `llm.provider` saying so.

Data egress (DESIGN, "Providers"): what leaves the process is schema, documentation, metric
definitions, verified examples and values of low-cardinality columns the caller may see. Never
result rows, never a masked or PII column's values, never another org's anything: everything here
is read through the caller's data source and resolved `DataPolicy`, and the prompt builder drops
masked/PII values a second time. The one exception is an org's explicit opt-in
(`Organization.llm_sample_rows`): then up to three rows per table of a guarded sample query
(policy row filters applied, masked and PII columns left out) go along as examples of the data.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pydantic
import sqlglot
from django.conf import settings

from apps.chat.engine.llm_prompt import (
    DEFAULT_MAX_TABLES,
    DEFAULT_MAX_TOKENS,
    BuiltPrompt,
    ColumnValue,
    ContextChunk,
    ConversationContext,
    PromptBudgetExceeded,
    VerifiedExample,
    build_structured_messages,
    correction_messages,
    rag_messages,
)
from apps.chat.engine.llm_schema import RagAnswerOut, SqlCorrection, StructuredAnswer
from apps.chat.engine.plan import ColumnRef, MetricRef, QueryPlan
from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.executor import SourceConnection, execute
from apps.governance.engine.guard import guard_sql
from apps.governance.engine.policy import DataPolicy
from apps.governance.models import Organization
from apps.knowledge.engine.catalog import CatalogSnapshot, ForeignKeyInfo, MetricDef, TableInfo
from apps.knowledge.models import DataSource
from apps.knowledge.models import VerifiedExample as VerifiedExampleModel
from apps.knowledge.search import knowledge_search
from apps.knowledge.selectors import example_list
from datachat.providers.llm import (
    LLMConfig,
    LLMError,
    UsageMeter,
    client_for,
    deadline_scope,
)
from datachat.text import fold, index_terms

logger = logging.getLogger(__name__)

PROVIDER = "openai"
# Below this the model's own confidence is not worth running its SQL: ask back instead.
MIN_CONFIDENCE = 0.5
# Guard/database errors a model can plausibly fix from the message (a typo'd column, bad syntax,
# a wrong function signature). A write attempt, a forbidden table or function, or a role that may
# not query is refused as it is: asking the model to "fix" those would be asking it to get round
# the policy.
CORRECTABLE = frozenset({"parse_error", "column_not_allowed", "execution_error"})
MAX_CORRECTIONS = 2
MAX_EXAMPLES = 3
# Metric definitions are never trimmed by the budget (only with their table), so they are capped
# here: the ones the question names first, then a few more of the slice's tables.
MAX_METRICS = 4
# A table scoring less than this share of the best table's score is a weak match (a shared
# column name such as `region`): shown only when the budget has room after the examples.
STRONG_SHARE = 0.25
SAMPLE_ROWS = 3
SAMPLE_TABLES = 2
# Sample rows are the first thing the budget trims; an org that opted in to them gets this much
# more room, so that they are not always trimmed away.
SAMPLE_BUDGET = 500
RAG_CHUNKS = 5


class NoContext(LLMError):
    """Nothing the caller may see fits in a prompt (no allowed table, or the budget cannot hold
    even one): there is nothing to ask the model, so the question goes to the offline engine."""


# -- configuration ------------------------------------------------------------------------------
_config: LLMConfig | None = None
_config_lock = threading.Lock()


def llm_config() -> LLMConfig:
    """The process's LLM configuration, parsed once from `settings.DATACHAT["LLM"]` (the operator's
    DATACHAT_LLM* / OPENAI_* variables; `reset` re-reads it).

    A malformed configuration (DATACHAT_LLM=openai without a key or a base URL, a timeout that is
    not a number, ...) is logged as an error and the process answers offline: the data questions
    and hand-written SQL keep working, and every answer's `llm.provider` shows "offline".
    """
    global _config
    config = _config
    if config is None:
        with _config_lock:
            if _config is None:
                try:
                    _config = LLMConfig.from_env(settings.DATACHAT["LLM"])
                except ValueError as exc:
                    logger.error("LLM configuration ignored, answering offline: %s", exc)
                    _config = LLMConfig(provider="offline")
            config = _config
    return config


def reset() -> None:
    """Forget the configuration (tests, and the benchmark, which points it at a local stub)."""
    global _config
    with _config_lock:
        _config = None


def llm_enabled() -> bool:
    """True when questions go to an LLM first (DATACHAT_LLM=openai, or OPENAI_API_KEY set)."""
    return llm_config().enabled


def cache_mode() -> str:
    """What part of a cached answer's key says who produced it: an answer written with one model
    (or offline) is never served as another's. The endpoint is hashed: it may be private."""
    config = llm_config()
    if not config.enabled:
        return "offline"
    endpoint = hashlib.sha256(config.base_url.rstrip("/").encode()).hexdigest()[:12]
    return f"{PROVIDER}:{config.model_for('sql')}:{config.model_for('answer')}:{endpoint}"


# -- one question's use of the model ----------------------------------------------------------
@dataclass
class LLMSession:
    """Calls, tokens, cost and waiting time of one question, plus what the audit should know:
    the tables the prompt showed, the corrections made and, if any, why it fell back."""

    meter: UsageMeter = field(default_factory=lambda: UsageMeter(PROVIDER))
    model_ms: float = 0.0
    conversation: list[dict[str, str]] = field(default_factory=list)
    prompt_tables: tuple[str, ...] = ()
    prompt_trimmed: tuple[str, ...] = ()
    estimated_prompt_tokens: int = 0
    rewritten_question: str | None = None
    corrections: list[dict[str, Any]] = field(default_factory=list)
    fallback: str | None = None
    # Every model call of this question ends by then (DATACHAT_LLM_REQUEST_BUDGET from now).
    deadline: float = field(
        default_factory=lambda: time.monotonic() + llm_config().request_budget_s
    )

    def usage(self) -> dict[str, Any]:
        """The answer object's `llm` field."""
        provider = PROVIDER if self.fallback is None else f"offline (fallback: {self.fallback})"
        return self.meter.as_dict(provider)

    def audit_details(self) -> dict[str, Any]:
        details: dict[str, Any] = {**self.usage(), "prompt_tables": list(self.prompt_tables)}
        if self.estimated_prompt_tokens:
            details["estimated_prompt_tokens"] = self.estimated_prompt_tokens
        if self.prompt_trimmed:
            details["prompt_trimmed"] = list(self.prompt_trimmed[:20])
        if self.rewritten_question:
            details["rewritten_question"] = self.rewritten_question[:500]
        if self.corrections:
            details["corrections"] = list(self.corrections)
        if self.fallback:
            details["fallback"] = self.fallback
        return details


def _complete(
    session: LLMSession,
    task: str,
    messages: Sequence[Mapping[str, Any]],
    schema: type[pydantic.BaseModel],
) -> Any:
    """One metered, timed `complete_json`; errors are metered too (they cost calls and tokens)."""
    client = client_for(llm_config())
    started = time.perf_counter()
    try:
        with deadline_scope(session.deadline):
            result = client.complete_json(task, messages, schema)
    except LLMError as exc:
        session.meter.add(exc)
        raise
    finally:
        session.model_ms += (time.perf_counter() - started) * 1000
    session.meter.add(result)
    return result.parsed


# -- the structured call -------------------------------------------------------------------------
def structured_interpret(
    *,
    session: LLMSession,
    source: DataSource,
    catalog: CatalogSnapshot,
    policy: DataPolicy,
    question: str,
    lang: str,
    previous: tuple[str, str | None] | None = None,
    sample_connection: Callable[[], SourceConnection] | None = None,
) -> StructuredAnswer:
    """Intent, plan, SQL and chart preference for `question`, from exactly one LLM call.

    `previous` is the conversation's previous (question, SQL) for follow-ups. `sample_connection`
    opens the source for sample rows; it is used only when the org opted in. Raises `LLMError`
    (`NoContext` when nothing the caller may see fits a prompt).
    """
    allowed = frozenset(policy.allowed_tables) & {t.name for t in catalog.tables}
    masked = frozenset(policy.masked_columns)
    terms = frozenset(index_terms(question))
    slice_ = relevant_tables(terms, catalog, allowed, masked)
    if not slice_.tables:
        raise NoContext("no_context", "no table is visible to this caller")
    samples = None
    if source.organization.llm_sample_rows and sample_connection is not None:
        samples = sample_rows(
            slice_.tables[:SAMPLE_TABLES], catalog, policy, sample_connection, lang
        )
    examples = similar_examples(question, _approved_examples(source))

    def build(tables: Sequence[TableInfo]) -> BuiltPrompt:
        return build_structured_messages(
            question,
            lang=lang,
            dialect=catalog.dialect,
            tables=tables,
            allowed_tables=allowed,
            masked_columns=masked,
            metrics=ranked_metrics(terms, catalog.metrics, {t.name for t in tables}),
            values=matching_values(terms, tables, masked),
            examples=examples,
            context=ConversationContext(*previous) if previous else None,
            foreign_keys=catalog.foreign_keys,
            linked_columns=linked_columns(terms, tables, masked),
            core_tables=slice_.core,
            sample_rows=samples,
            allow_sample_rows=bool(samples),
            max_tokens=DEFAULT_MAX_TOKENS + (SAMPLE_BUDGET if samples else 0),
        )

    try:
        prompt = build(slice_.tables)
        # The budget trims examples before tables; a verified example of a similar question
        # helps the model more than a weakly related table does, so try without the extras.
        if prompt.examples < len(examples) and slice_.core < len(slice_.tables):
            leaner = build(slice_.tables[: slice_.core])
            if leaner.examples > prompt.examples:
                prompt = leaner
    except PromptBudgetExceeded as exc:
        raise NoContext("no_context", str(exc)) from None
    session.conversation = prompt.as_list()
    session.prompt_tables = prompt.tables
    session.prompt_trimmed = prompt.dropped
    session.estimated_prompt_tokens = prompt.estimated_tokens
    answer = _complete(session, "sql", session.conversation, StructuredAnswer)
    session.rewritten_question = answer.rewritten_question
    return answer


def correctable(refusal: SqlRefusal) -> bool:
    """Whether a guard or database refusal is worth sending back to the model."""
    return refusal.code in CORRECTABLE


def correct_sql(*, session: LLMSession, failed_sql: str, refusal: SqlRefusal) -> str:
    """A corrected query after `refusal`, from one more call that continues the conversation.

    The model gets the refusal's message and its detail (the parser's or the database's own
    words): both name schema objects, never row values (governance.engine.errors). The attempt is
    kept on the session for the audit entry.
    """
    error = refusal.message if not refusal.detail else f"{refusal.message} ({refusal.detail})"
    messages = correction_messages(session.conversation, failed_sql, error)
    number = len(session.corrections) + 1
    session.corrections.append({"attempt": number, "code": refusal.code, "sql": failed_sql[:4000]})
    correction = _complete(session, "sql", messages, SqlCorrection)
    session.conversation = messages
    session.corrections[-1]["corrected_sql"] = correction.sql[:4000]
    return correction.sql


# -- RAG ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RagOutcome:
    """The model's answer from documents; `sources` are the retrieved documents it used."""

    text: str
    sources: tuple[dict[str, str], ...]


def rag_answer(
    *,
    session: LLMSession,
    org: Organization,
    catalog: CatalogSnapshot,
    policy: DataPolicy,
    question: str,
    lang: str,
) -> RagOutcome | None:
    """Answer from the org's documentation only, with one more call; None when retrieval finds
    nothing the caller may see (then there is nothing to answer from: no call is made)."""
    hits = knowledge_search(
        org=org, question=question, catalog=catalog, policy=policy, k=RAG_CHUNKS
    )
    if not hits:
        return None
    chunks = [ContextChunk(title=h.title, text=h.text, source_id=h.document_id) for h in hits]
    out: RagAnswerOut = _complete(
        session, "answer", rag_messages(question, lang, chunks), RagAnswerOut
    )
    # Only titles that were actually in the context count as sources: a model citing a document
    # it was not shown is not citing anything.
    by_title = {fold(h.title).strip(): h for h in hits}
    sources: dict[str, dict[str, str]] = {}
    for title in out.used_sources:
        hit = by_title.get(fold(title).strip())
        if hit is not None:
            sources.setdefault(hit.document_id, {"id": hit.document_id, "title": hit.title})
    return RagOutcome(text=out.answer, sources=tuple(sources.values()))


def related_sources(
    *, org: Organization, catalog: CatalogSnapshot, policy: DataPolicy, question: str, k: int = 3
) -> list[dict[str, str]]:
    """Documents retrieved for a HYBRID answer (no model call: they are cited, not rewritten)."""
    seen: dict[str, dict[str, str]] = {}
    for hit in knowledge_search(org=org, question=question, catalog=catalog, policy=policy, k=k):
        seen.setdefault(hit.document_id, {"id": hit.document_id, "title": hit.title})
    return list(seen.values())


def related_line(sources: Sequence[Mapping[str, str]], lang: str) -> str:
    titles = ", ".join(f"**{s['title']}**" for s in sources)
    return (
        f"Documentación relacionada: {titles}."
        if lang == "es"
        else f"Related documentation: {titles}."
    )


# -- context selection (pure) ---------------------------------------------------------------------
def _terms_of(*texts: str) -> set[str]:
    out: set[str] = set()
    for text in texts:
        out.update(index_terms(text))
    return out


def _value_terms(value: str) -> frozenset[str]:
    return frozenset(index_terms(value))


def _visible_columns(table: TableInfo, masked: Collection[tuple[str, str]]):  # noqa: ANN202
    return [c for c in table.columns if (table.name, c.name) not in masked]


def table_score(
    table: TableInfo,
    terms: Collection[str],
    masked: Collection[tuple[str, str]],
    metrics: Iterable[MetricDef] = (),
) -> float:
    """How much of the question a table explains: its name and synonyms weigh most, then the
    names and synonyms of its (visible) columns, values found in the question, metrics defined
    on it, and its description."""
    if not terms:
        return 0.0
    terms = set(terms)
    score = 4.0 * len(terms & _terms_of(table.name, *table.synonyms))
    column_terms: set[str] = set()
    for column in _visible_columns(table, masked):
        column_terms |= _terms_of(column.name, *column.synonyms)
    score += 2.0 * len(terms & column_terms)
    score += 3.0 * len(_values_in(terms, table, masked))
    for metric in metrics:
        if metric.table == table.name and terms & _terms_of(metric.name, *metric.synonyms):
            score += 2.0
    score += 1.0 * len(terms & _terms_of(table.description))
    return score


@dataclass(frozen=True)
class TableSlice:
    """The tables for a prompt, most relevant first. The first `core` are strong matches; the
    rest (weak matches, then the best table's foreign-key neighbours) are worth showing only
    while they do not crowd out the verified examples."""

    tables: tuple[TableInfo, ...]
    core: int

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.tables]


def relevant_tables(
    terms: Collection[str],
    catalog: CatalogSnapshot,
    allowed: Collection[str],
    masked: Collection[tuple[str, str]],
    *,
    max_tables: int = DEFAULT_MAX_TABLES,
) -> TableSlice:
    """The schema slice for a prompt: the caller's allowed tables ranked by `table_score`; the
    best, then the others scoring at least `STRONG_SHARE` of it (the core), then the weaker
    matches, then the best one's foreign-key neighbours (the joins it likely needs); at most
    `max_tables`. When nothing matches, the allowed tables in name order (the model will likely
    ask back; the budget trims the rest)."""
    visible = [t for t in catalog.tables if t.name in allowed]
    if not visible:
        return TableSlice((), 0)
    scores = {t.name: table_score(t, terms, masked, catalog.metrics) for t in visible}
    ranked = sorted(visible, key=lambda t: (-scores[t.name], t.name))
    best = scores[ranked[0].name]
    if best <= 0:
        chosen = ranked[:max_tables]
        return TableSlice(tuple(chosen), len(chosen))
    core = [t for t in ranked if scores[t.name] >= best * STRONG_SHARE]
    chosen = core + [t for t in ranked if 0 < scores[t.name] < best * STRONG_SHARE]
    names = {t.name for t in chosen}
    for neighbour in _neighbours(ranked[0].name, catalog.foreign_keys):
        table = catalog.table(neighbour)
        if table is not None and neighbour in allowed and neighbour not in names:
            chosen.append(table)
            names.add(neighbour)
    chosen = chosen[:max_tables]
    return TableSlice(tuple(chosen), min(len(core), len(chosen)))


def _neighbours(table: str, foreign_keys: Iterable[ForeignKeyInfo]) -> list[str]:
    out: list[str] = []
    for fk in foreign_keys:
        other = fk.ref_table if fk.table == table else fk.table if fk.ref_table == table else None
        if other and other != table and other not in out:
            out.append(other)
    return out


def _values_in(
    terms: Collection[str], table: TableInfo, masked: Collection[tuple[str, str]]
) -> list[ColumnValue]:
    """Indexed values of the table's visible, non-PII columns whose every word is in the
    question ("Monitor 27\\"" matches "ventas del monitor 27")."""
    found = []
    for column in _visible_columns(table, masked):
        if column.pii or not column.values:
            continue
        for value in column.values:
            words = _value_terms(str(value))
            if words and words <= set(terms):
                found.append(ColumnValue(table.name, column.name, str(value)))
    return found


def linked_columns(
    terms: Collection[str], tables: Sequence[TableInfo], masked: Collection[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The visible columns whose name or one of whose synonyms the question uses whole (schema
    linking at the column level: "sales" alone does not name `canal` through "sales channel");
    their descriptions are the last the prompt's budget gives up."""
    terms = set(terms)
    return [
        (table.name, column.name)
        for table in tables
        for column in _visible_columns(table, masked)
        if any(
            (words := _value_terms(name)) and words <= terms
            for name in (column.name, *column.synonyms)
        )
    ]


def matching_values(
    terms: Collection[str], tables: Sequence[TableInfo], masked: Collection[tuple[str, str]]
) -> list[ColumnValue]:
    """Values from the catalog's value index that the question mentions, in slice order."""
    found: list[ColumnValue] = []
    for table in tables:
        found.extend(_values_in(terms, table, masked))
    return found


def ranked_metrics(
    terms: Collection[str],
    metrics: Sequence[MetricDef],
    tables: Collection[str],
    limit: int = MAX_METRICS,
) -> list[MetricDef]:
    """Metrics over the slice's tables, those whose name or synonyms the question uses first
    (most shared words first), at most `limit`."""
    usable = [m for m in metrics if m.table in tables]
    shared = {m.name: len(set(terms) & _terms_of(m.name, *m.synonyms)) for m in usable}
    ranked = sorted(usable, key=lambda m: -shared[m.name])  # stable: catalog order on ties
    return ranked[:limit]


def similar_examples(
    question: str, examples: Iterable[tuple[str, str]], k: int = MAX_EXAMPLES
) -> list[VerifiedExample]:
    """The `k` verified examples whose questions share the most words with this one (Jaccard
    over the retrieval terms); none when nothing is shared."""
    terms = set(index_terms(question))
    scored = []
    for index, (example_question, sql) in enumerate(examples):
        words = set(index_terms(example_question))
        if not words or not terms:
            continue
        overlap = len(terms & words) / len(terms | words)
        if overlap > 0:
            scored.append((-overlap, index, VerifiedExample(example_question, sql)))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [example for _, _, example in scored[:k]]


def _approved_examples(source: DataSource) -> list[tuple[str, str]]:
    return list(
        example_list(data_source=source, status=VerifiedExampleModel.Status.APPROVED)
        .order_by("pk")
        .values_list("question", "sql")[:500]
    )


def sample_rows(
    tables: Sequence[TableInfo],
    catalog: CatalogSnapshot,
    policy: DataPolicy,
    connect: Callable[[], SourceConnection],
    lang: str,
) -> dict[str, list[dict[str, Any]]]:
    """A few rows per table for an org that opted in: a SELECT of the visible, non-PII columns
    through the guard (so row filters apply) and the read-only executor. A table that cannot be
    sampled is simply left out."""
    samples: dict[str, list[dict[str, Any]]] = {}
    connection = None
    for table in tables:
        columns = [
            c.name
            for c in table.columns
            if not c.pii and (table.name, c.name) not in policy.masked_columns
        ]
        if not columns:
            continue
        sql = sqlglot.select(*columns).from_(table.name).limit(SAMPLE_ROWS).sql(catalog.dialect)
        try:
            guarded = guard_sql(
                sql,
                dialect=catalog.dialect,
                schema=catalog.schema_mapping(),
                policy=policy,
                lang=lang,
            )
            connection = connection or connect()
            result = execute(guarded, source=connection, lang=lang)
        except SqlRefusal:
            logger.info("no sample rows for %s", table.name)
            continue
        masked_out = set(guarded.masked_outputs)
        samples[table.name] = [
            {k: v for k, v in zip(result.columns, row, strict=False) if k not in masked_out}
            for row in result.rows[:SAMPLE_ROWS]
        ]
    return samples


# -- narration of model-written SQL --------------------------------------------------------------
def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def narration_plan(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> QueryPlan | None:
    """A minimal plan describing a result's shape (label columns, then measures), so that the
    templated narration can say "highest X: Y with Z" about model-written SQL too. Only the
    shape: every number in the text still comes from the rows. None when the shape is not one
    the narration describes (then it says how many rows came back)."""
    if not columns or not rows:
        return None
    sample = [list(r) for r in rows[:200]]
    width = len(columns)
    if any(len(r) != width for r in sample):
        return None

    def numeric(index: int) -> bool:
        values = [r[index] for r in sample if r[index] is not None]
        return bool(values) and all(_is_number(v) for v in values)

    keys = 0
    while keys < width and not numeric(keys):
        keys += 1
    if keys == width or keys > 2 or not all(numeric(i) for i in range(keys, width)):
        return None
    if keys == 0 and len(rows) != 1:
        return None
    return QueryPlan(
        table="",
        metrics=tuple(MetricRef(key=f"column:{c}", label=c, alias=c) for c in columns[keys:]),
        dimensions=tuple(ColumnRef(table="", column=c) for c in columns[:keys]),
    )
