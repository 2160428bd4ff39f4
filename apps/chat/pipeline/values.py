"""The values the pipeline's stages pass on: the frozen `Request` (who asks what, where), the
`Scope` that `resolve` finds, the `Outcome` every answering stage returns, and the `Turn`, the
read-only view of them the answering stages share (with the one mutable thing, the `Timer`)."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, replace

from apps.chat import jobs as query_jobs
from apps.chat import llm_path
from apps.chat.engine.answer import Answer
from apps.chat.engine.plan import QueryPlan
from apps.chat.models import Conversation, Message, QueryJob
from apps.chat.texts import text
from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.policy import DataPolicy
from apps.governance.models import Membership
from apps.knowledge.engine.catalog import CatalogSnapshot
from apps.knowledge.models import DataSource
from apps.knowledge.query_context import QueryContext


class Timer:
    """Milliseconds per stage; `total` is added at the end. Stages are consecutive laps, except
    the `note`d ones: `llm` is the time spent waiting for the model, inside the stages that
    called it (so `total - llm` is the pipeline's own overhead). The one mutable thing a turn
    carries: a stopwatch, which every stage laps."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.stages: dict[str, float] = {}
        self._mark = self.started
        # Wall-clock laps for the trace (datachat/tracing.py): (stage, start ns, end ns).
        self.started_ns = self._mark_ns = time.time_ns()
        self.laps: list[tuple[str, int, int]] = []

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage] = round(self.stages.get(stage, 0.0) + (now - self._mark) * 1000, 3)
        self._mark = now
        now_ns = time.time_ns()
        self.laps.append((stage, self._mark_ns, now_ns))
        self._mark_ns = now_ns

    def note(self, stage: str, ms: float) -> None:
        self.stages[stage] = round(self.stages.get(stage, 0.0) + ms, 3)

    def result(self) -> dict[str, float]:
        return {**self.stages, "total": round((time.perf_counter() - self.started) * 1000, 3)}


@dataclass(frozen=True)
class Request:
    """Who asks what, where: the input of one turn, fixed when it arrives."""

    membership: Membership
    question: str  # the question or SQL, cut at the door (`new_request`)
    channel: str
    kind: str = Message.Kind.ASK
    # The caller's language: `query`'s messages use it; `ask` detects the question's own (resolve).
    lang: str = "es"
    # The length of an over-long input, cut at the door (0 when it fit): `question` then holds
    # only the bounded prefix, and the refusal is all that happens to it.
    received_chars: int = 0
    # Long queries (apps/chat/jobs.py): whether this turn may become a job (web chat and API),
    # and the job it runs in (in the worker).
    jobs_allowed: bool = False
    job: QueryJob | None = None

    @property
    def org(self):  # noqa: ANN201
        return self.membership.organization

    @property
    def user(self):  # noqa: ANN201
        return self.membership.user


@dataclass(frozen=True)
class History:
    """What the conversation's earlier turns leave for a follow-up."""

    plan: QueryPlan | None = None  # the last offline plan, rewritten by "¿y en 2024?"
    # The previous answer's insight fields ({"decomposition", "definition"}): "¿y por región?"
    # after a why-answer, "¿y en 2024?" after a HYBRID one.
    insight: dict | None = None
    # The LLM path only: the previous answered turn (question, SQL) the model rewrites.
    turn: tuple[str, str | None] | None = None


@dataclass(frozen=True)
class Scope:
    """What `resolve` found: the language, the data source, the conversation and its history,
    and the governed-query context (catalog, policy, connection). A stage that stops early leaves
    the later fields empty."""

    lang: str
    source: DataSource | None = None
    conversation: Conversation | None = None
    history: History = History()
    context: QueryContext | None = None  # source, catalog, policy, connection (query_context)

    @property
    def catalog(self) -> CatalogSnapshot | None:
        return self.context.catalog if self.context is not None else None

    @property
    def policy(self) -> DataPolicy | None:
        return self.context.policy if self.context is not None else None


@dataclass(frozen=True)
class Outcome:
    """What the answering stages decided: the answer object, and what the message and the audit
    entry record about how it was reached."""

    answer: Answer
    plan: QueryPlan | None = None  # the plan the answer ran (stored; follow-ups rewrite it)
    audit_sql: str = ""  # the SQL as run (guarded) or as attempted
    refusal_rule: str = ""  # the rule that refused it
    refusal: SqlRefusal | None = None  # the guard's or executor's refusal (the LLM corrects some)
    lang: str = ""  # the language the interpretation settled on ("" = the scope's)
    llm: llm_path.LLMSession | None = None  # the question's model calls, tokens and fallback
    # A conversation this stage started (a job handed over, then refused as busy).
    conversation: Conversation | None = None


@dataclass(frozen=True)
class Turn:
    """The read-only view the answering stages share: the request, its scope, the stopwatch,
    and what earlier stages fixed (the cache key, the model session, the job's watch). Frozen:
    a stage returns what it decides (`Outcome`) instead of writing here; a changed view is a new
    one (`dataclasses.replace`)."""

    request: Request
    scope: Scope
    timer: Timer
    cache_key: str = ""  # the answer's cache key (an ask's), handed to a job
    llm: llm_path.LLMSession | None = None
    job_watch: query_jobs.JobWatch | None = None  # in the worker: the running job's Stop

    # What the stages read, by name.
    membership = property(lambda self: self.request.membership)
    org = property(lambda self: self.request.org)
    user = property(lambda self: self.request.user)
    question = property(lambda self: self.request.question)
    channel = property(lambda self: self.request.channel)
    kind = property(lambda self: self.request.kind)
    jobs_allowed = property(lambda self: self.request.jobs_allowed)
    lang = property(lambda self: self.scope.lang)
    source = property(lambda self: self.scope.source)
    conversation = property(lambda self: self.scope.conversation)
    context = property(lambda self: self.scope.context)
    catalog = property(lambda self: self.scope.catalog)
    policy = property(lambda self: self.scope.policy)
    previous_plan = property(lambda self: self.scope.history.plan)
    previous_insight = property(lambda self: self.scope.history.insight)
    previous_turn = property(lambda self: self.scope.history.turn)

    def in_lang(self, lang: str) -> Turn:
        """The same turn in the language the interpretation settled on."""
        return self if lang == self.lang else replace(self, scope=replace(self.scope, lang=lang))


class ConversationNotFound(Exception):
    """The conversation id is not the member's own; `scope` holds what was resolved before."""

    def __init__(self, scope: Scope) -> None:
        super().__init__("conversation_not_found")
        self.scope = scope


def refused(code: str, message: str) -> Outcome:
    """A REFUSED answer with its error code (the caller adds the rule)."""
    return Outcome(Answer(type="REFUSED", answer=message, error={"code": code, "message": message}))


def error(code: str, message: str, detail: Exception | None = None) -> Outcome:
    """An ERROR answer with its error code (`detail` is logged by the caller, never shown)."""
    return Outcome(Answer(type="ERROR", answer=message, error={"code": code, "message": message}))


# An unexpected exception leaves a stage without an `Outcome`; what the stage had already done
# rides on the exception (`ran`) so the turn's internal error is recorded with it: the SQL that
# reached the guard or the data source stays in the audit entry, with its plan.
_RAN = "datachat_pipeline_ran"


def ran(exc: BaseException, *, audit_sql: str, plan: QueryPlan | None) -> None:
    """Note on `exc`, on its way up, the SQL a stage had sent and its plan (the innermost wins)."""
    if not hasattr(exc, _RAN):
        # An exception type that takes no attributes is recorded without them.
        with contextlib.suppress(AttributeError):
            setattr(exc, _RAN, (audit_sql, plan))


def internal_error(exc: BaseException, lang: str) -> Outcome:
    """The contract's answer to an unexpected failure, with the SQL and plan noted by `ran`."""
    outcome = error("internal_error", text("internal_error", lang), detail=exc)
    audit_sql, plan = getattr(exc, _RAN, ("", None))
    return replace(outcome, audit_sql=audit_sql, plan=plan)
