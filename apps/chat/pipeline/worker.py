"""Long queries, the worker's side (apps/chat/jobs.py): a claimed job resolved, executed
(watched for Stop) and recorded; a job stopped before a worker took it, recorded as cancelled."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from apps.chat import jobs as query_jobs
from apps.chat.engine.answer import Answer, LLMUsage
from apps.chat.engine.followups import followups
from apps.chat.engine.plan import plan_from_dict
from apps.chat.models import Message, QueryJob
from apps.chat.pipeline.cache import cache_key, cache_set
from apps.chat.pipeline.execution import sql_answer
from apps.chat.pipeline.record import record
from apps.chat.pipeline.resolve import new_request, resolve, sql_editing_refused
from apps.chat.pipeline.values import (
    ConversationNotFound,
    Outcome,
    Request,
    Scope,
    Timer,
    Turn,
    internal_error,
)
from apps.chat.semantic_cache import semantic_model_for
from apps.chat.texts import text
from apps.governance.models import Membership
from apps.governance.tenancy import tenant_scope

logger = logging.getLogger(__name__)


def run_job(job: QueryJob) -> str:
    """Run a claimed job in the worker: guard, execute (watched for Stop), format and record the
    answer (message + audit entry naming the job). Returns the job's final status."""
    request = _job_request(job)
    timer = Timer()
    watch = query_jobs.JobWatch(job)
    scope = Scope(lang=request.lang)
    cacheable = False
    with tenant_scope(job.organization):
        try:
            scope, stop = resolve(request, job.source_name, job.conversation_id, timer)
            scope = replace(scope, lang=job.lang)
            turn = Turn(request=request, scope=scope, timer=timer, cache_key=job.cache_key)
            # The key was computed when the job was queued, with the policy (and conversation)
            # of then; this answer runs under the policy resolved now. Cached only when both
            # give the same key: otherwise a member still holding the old policy (the old row
            # filter, mask or region) would be served an answer computed under the new one.
            cacheable = (
                bool(job.cache_key)
                and stop is None
                and (cache_key(turn, "answer", turn.question) == job.cache_key)
            )
            outcome = stop or _job_answer(replace(turn, job_watch=watch), job)
        except Exception as exc:  # noqa: BLE001 - the job ends with an answer, never a crash
            if isinstance(exc, ConversationNotFound):
                scope = exc.scope
            logger.exception("query job failure")
            outcome = internal_error(exc, scope.lang)
        finally:
            watch.close()
        cancelled = watch.cancelled or query_jobs.cancel_requested(job.pk)
        if cancelled:
            # The SQL it ran (or was running) and its plan stay in the audit entry.
            stopped = _cancelled_answer(scope.lang)
            outcome = replace(stopped, plan=outcome.plan, audit_sql=outcome.audit_sql)
        status = QueryJob.Status.CANCELLED if cancelled else QueryJob.Status.DONE
        answer = outcome.answer
        if job.llm:
            answer.llm = LLMUsage(**job.llm)
        answer.job = query_jobs.job_field(job, status)
        record(request, scope, outcome, timer)
        if not cancelled and answer.type in ("SQL", "HYBRID") and cacheable:
            cache_set(job.cache_key, answer, outcome.plan)
    query_jobs.job_finish(job, status=status, message_id=answer.message_id)
    return status


def _job_request(job: QueryJob) -> Request:
    membership = Membership.all_tenants.select_related("organization", "user").get(
        organization=job.organization, user=job.user
    )
    return new_request(membership, job.question, job.channel, job.kind, lang=job.lang, job=job)


def _job_answer(turn: Turn, job: QueryJob) -> Outcome:
    if job.kind == Message.Kind.QUERY:
        not_editable = sql_editing_refused(turn)
        if not_editable is not None:
            return not_editable
    plan = plan_from_dict(job.plan)
    outcome = sql_answer(
        turn,
        job.sql,
        job.intent,
        plan,
        chart_hint=job.chart_hint or None,
        narrate_shape=job.narrate_shape,
    )
    answer = outcome.answer
    if answer.type == "SQL" and job.kind == Message.Kind.ASK and plan is not None:
        model = semantic_model_for(turn.source, turn.catalog, turn.policy)
        answer.suggestions = followups(plan, model, lang=turn.lang)
    return outcome


def _cancelled_answer(lang: str) -> Outcome:
    message = text("query_cancelled", lang)
    answer = Answer(
        type="ERROR", answer=message, error={"code": "query_cancelled", "message": message}
    )
    return Outcome(answer, refusal_rule="jobs.stopped")


def job_cancelled_record(job: QueryJob) -> dict[str, Any]:
    """A job stopped before a worker took it: its cancelled answer, recorded (message + audit)."""
    request = _job_request(job)
    timer = Timer()
    scope = Scope(lang=request.lang)
    with tenant_scope(job.organization):
        try:
            scope, _stop = resolve(request, job.source_name, job.conversation_id, timer)
        except ConversationNotFound as missing:
            scope = missing.scope
            logger.warning("cancelled job context", exc_info=True)
        except Exception:  # noqa: BLE001 - the record is what matters here
            logger.warning("cancelled job context", exc_info=True)
        scope = replace(scope, lang=job.lang)
        outcome = replace(_cancelled_answer(scope.lang), audit_sql=job.sql)
        outcome.answer.job = query_jobs.job_field(job, QueryJob.Status.CANCELLED)
        payload = record(request, scope, outcome, timer)
    query_jobs.job_finish(
        job, status=QueryJob.Status.CANCELLED, message_id=outcome.answer.message_id
    )
    return payload
