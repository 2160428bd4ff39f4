"""Long queries as background jobs: web workers never run a query past a short deadline.

A question's SQL (or hand-written SQL) asked on the web chat or the API runs in the request only
when it is expected to be quick:

- an engine with a cost model (PostgreSQL's `EXPLAIN`: `executor.plan_cost`, the adapter's
  `estimate_cost`): a cost above the org's `job_cost_threshold` sends it straight to a job;
- any engine: otherwise a first attempt runs in the request under `WEB_QUERY_DEADLINE_MS`; past
  it the query becomes a job (and the same SQL on the same source goes straight to a job for a
  while: `SLOW_MEMORY_SECONDS`).

A job (`QueryJob`) is run by a Celery worker (`apps.chat.tasks.query_job_run_task`) under the
org's full timeout, through the same guard, executor and record as any answer (message + audit
entry, with the job's id). The API answers 202 with the job's URL; polling it gives the status
and, when done, the answer object (whose `job` field names the job). The chat page polls the job
card with htmx (status, elapsed time, Stop).

Stop: a queued job is cancelled and recorded at once; a running one gets `cancel_requested`, a
cache flag, and, on a server engine, `executor.cancel_backend` on the session id the worker
recorded when the query started (PostgreSQL's `pg_cancel_backend`, MariaDB's `KILL QUERY`). The
worker's watchdog thread polls the flag and cancels through the executor's `CancelHandle` as well
(SQLite/DuckDB `interrupt()`, the server engines' own cancel), so a file engine, or a source whose
login role may not call `pg_cancel_backend`, is cancelled too. The answer is recorded as
cancelled (`query_cancelled`).

Concurrency: at most `max_running_queries_per_user` active jobs per member and
`max_running_queries` per org; past either, the answer is an ERROR with the stable code
`too_many_running_queries` (the user's "wait" answer; the API's status is 429 with Retry-After).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connections
from django.urls import reverse
from django.utils import timezone

from apps.chat.models import Message, QueryJob
from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.executor import (
    CancelHandle,
    QueryResult,
    SourceConnection,
    cancel_backend,
    execute,
    plan_cost,
)
from apps.governance.engine.guard import GuardedQuery

logger = logging.getLogger(__name__)

_FLAG = "dc:job:cancel:"
_SLOW = "dc:job:slow:"
WATCH_INTERVAL_S = 0.1
RETRY_AFTER_SECONDS = 5


def _option(name: str, default: Any) -> Any:
    return settings.DATACHAT.get(name, default)


def jobs_enabled() -> bool:
    """Jobs need a worker: on with a broker (REDIS_URL), off in the eager single-process demo
    (`DATACHAT_QUERY_JOBS` overrides)."""
    return bool(_option("QUERY_JOBS", not settings.CELERY_TASK_ALWAYS_EAGER))


def web_deadline_ms() -> int:
    return int(_option("WEB_QUERY_DEADLINE_MS", 1500))


def stale_after() -> dt.timedelta:
    """An active job older than this no longer counts (its worker died): Celery's hard limit."""
    return dt.timedelta(seconds=int(_option("JOB_STALE_SECONDS", settings.CELERY_TASK_TIME_LIMIT)))


class JobNeeded(Exception):
    """The query must not run (further) on a web worker."""

    def __init__(self, reason: str, cost: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.cost = cost


class JobsBusy(Exception):
    """The member (or the org) already has the most long queries allowed running."""

    def __init__(self, level: str, running: int, limit: int) -> None:
        super().__init__(level)
        self.level, self.running, self.limit = level, running, limit


class JobQueued(Exception):
    """The question became a job: the pipeline returns `pending` instead of an answer."""

    def __init__(self, job: QueryJob) -> None:
        super().__init__(str(job.pk))
        self.job = job


# --- deciding where a query runs ----------------------------------------------------------------


def _slow_key(source_pk: int, sql: str) -> str:
    return _SLOW + hashlib.sha256(f"{source_pk}|{sql}".encode()).hexdigest()[:32]


def _cache_call(method: str, *args: Any) -> Any:
    try:
        return getattr(cache, method)(*args)
    except Exception:  # noqa: BLE001 - a cache fault costs a lookup, never the answer
        logger.warning("job cache %s failed", method, exc_info=True)
        return None


def web_execute(
    *, guarded: GuardedQuery, connection: SourceConnection, source_pk: int, org: Any, lang: str
) -> QueryResult:
    """Run a query in a web request, or raise `JobNeeded` when it must become a job."""
    cost = plan_cost(guarded, source=connection, lang=lang)
    if cost is not None and cost > org.job_cost_threshold:
        raise JobNeeded("cost", cost)
    deadline = web_deadline_ms()
    if deadline <= 0:
        raise JobNeeded("deadline", cost)  # 0: every query of the web chat and API is a job
    if guarded.policy.timeout_ms <= deadline:
        return execute(guarded, source=connection, lang=lang)  # short enough as it is
    key = _slow_key(source_pk, guarded.sql)
    if _cache_call("get", key):
        raise JobNeeded("deadline", cost)
    short = dataclasses.replace(
        guarded, policy=dataclasses.replace(guarded.policy, timeout_ms=deadline)
    )
    try:
        return execute(short, source=connection, lang=lang)
    except SqlRefusal as refusal:
        if refusal.code != "timeout":
            raise
    _cache_call("set", key, 1, int(_option("SLOW_MEMORY_SECONDS", 600)))
    raise JobNeeded("deadline", cost)


def running_counts(*, org: Any, user_id: int) -> tuple[int, int]:
    """(the member's, the org's) active jobs, not counting stale ones."""
    active = QueryJob.all_tenants.for_org(org).filter(
        status__in=QueryJob.ACTIVE,
        created_at__gte=timezone.now() - stale_after(),
    )
    return active.filter(user_id=user_id).count(), active.count()


def concurrency_check(*, org: Any, user_id: int) -> None:
    mine, theirs = running_counts(org=org, user_id=user_id)
    if mine >= org.max_running_queries_per_user:
        raise JobsBusy("user", mine, org.max_running_queries_per_user)
    if theirs >= org.max_running_queries:
        raise JobsBusy("org", theirs, org.max_running_queries)


def job_create(**fields: Any) -> QueryJob:
    """Check the caps, store the job and hand it to a worker."""
    from apps.chat.tasks import query_job_run_task

    concurrency_check(org=fields["organization"], user_id=fields["user"].pk)
    job = QueryJob.all_tenants.create(**fields)
    try:
        query_job_run_task.delay(str(job.pk))
    except Exception:  # noqa: BLE001 - the broker is down: the job cannot run
        logger.warning("could not enqueue query job", exc_info=True)
        QueryJob.all_tenants.filter(pk=job.pk, status=QueryJob.Status.QUEUED).update(
            status=QueryJob.Status.FAILED, finished_at=timezone.now()
        )
        raise
    job.refresh_from_db()
    return job


# --- what callers see ---------------------------------------------------------------------------


def job_url(job: QueryJob) -> str:
    return reverse("api-job", args=[job.pk])


def elapsed_ms(job: QueryJob) -> int:
    end = job.finished_at or timezone.now()
    return max(0, int((end - job.created_at).total_seconds() * 1000))


def job_field(job: QueryJob, status: str | None = None) -> dict[str, str]:
    """The answer object's `job`: {"id", "status", "url"}."""
    return {"id": str(job.pk), "status": status or job.status, "url": job_url(job)}


def job_state(job: QueryJob) -> dict[str, Any]:
    """The job endpoint's body: `{"job": URL, "status": …}` (contract) with the answer object
    once there is one."""
    job = job_refresh_stale(job)
    answer = None
    if job.message_id is not None and job.status not in QueryJob.ACTIVE:
        message = Message.all_tenants.filter(pk=job.message_id).only("answer").first()
        if message is not None:
            answer = {**message.answer, "message_id": message.pk}
    return {
        "id": str(job.pk),
        "job": job_url(job),
        "status": job.status,
        "kind": job.kind,
        "question": job.question,
        "reason": job.reason,
        "cancel_requested": job.cancel_requested,
        "elapsed_ms": elapsed_ms(job),
        "conversation_id": job.conversation_id,
        "message_id": job.message_id,
        "answer": answer,
    }


def pending(job: QueryJob) -> dict[str, Any]:
    """What `pipeline.ask`/`run_query` return for a question that became a job."""
    return {**job_state(job), "pending": True}


def is_pending(result: dict[str, Any]) -> bool:
    return bool(result.get("pending"))


def job_refresh_stale(job: QueryJob) -> QueryJob:
    """An active job past the hard time limit lost its worker: mark it failed."""
    if job.status in QueryJob.ACTIVE and job.created_at < timezone.now() - stale_after():
        QueryJob.all_tenants.filter(pk=job.pk, status__in=QueryJob.ACTIVE).update(
            status=QueryJob.Status.FAILED, finished_at=timezone.now()
        )
        job.refresh_from_db()
    return job


# --- Stop ---------------------------------------------------------------------------------------


class NotJobOwner(Exception):
    pass


def cancel_requested(job_id: Any, *, database: bool = True) -> bool:
    """Whether Stop was asked for: the cache flag (cheap, polled often), else the job row."""
    if _cache_call("get", _FLAG + str(job_id)):
        return True
    if not database:
        return False
    try:
        return QueryJob.all_tenants.filter(pk=job_id, cancel_requested=True).exists()
    except Exception:  # noqa: BLE001 - the app database busy or down: ask again later
        logger.debug("job cancel flag unreadable", exc_info=True)
        return False


def job_stop(*, job: QueryJob, user: Any) -> QueryJob:
    """Stop a job: a queued one is cancelled and recorded now; a running one is cancelled in the
    database (`backend_cancel`) and by its worker's watchdog, which records it."""
    from apps.chat.pipeline import job_cancelled_record

    if job.user_id != getattr(user, "pk", None):
        raise NotJobOwner
    now = timezone.now()
    cancelled_queued = QueryJob.all_tenants.filter(pk=job.pk, status=QueryJob.Status.QUEUED).update(
        status=QueryJob.Status.CANCELLED, cancel_requested=True, finished_at=now
    )
    if cancelled_queued:
        job.refresh_from_db()
        job_cancelled_record(job)
        job.refresh_from_db()
        return job
    updated = QueryJob.all_tenants.filter(pk=job.pk, status=QueryJob.Status.RUNNING).update(
        cancel_requested=True
    )
    if updated:
        _cache_call("set", _FLAG + str(job.pk), 1, 3600)
        job.refresh_from_db()
        if job.backend_pid:
            backend_cancel(job)
    job.refresh_from_db()
    return job


def backend_cancel(job: QueryJob) -> bool:
    """Cancel the job's query on its server session from this process (the source's adapter:
    `pg_cancel_backend`, `KILL QUERY`; False for an in-process engine, or when the source's login
    may not: the worker's watchdog cancels then)."""
    from apps.knowledge.query_context import connection_for
    from apps.knowledge.selectors import datasource_get

    source = datasource_get(org=job.organization, name=job.source_name)
    if source is None:
        return False
    try:
        connection = connection_for(source)
    except SqlRefusal:
        return False
    if not cancel_backend(connection, job.backend_pid):
        logger.info("no cancel from the web process for job %s", job.pk)
        return False
    return True


class JobWatch:
    """The worker side of Stop: records the backend pid when the query starts and cancels it
    (through the executor's handle) as soon as a cancel is requested."""

    def __init__(self, job: QueryJob) -> None:
        self.job_id = job.pk
        self.cancelled = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._handle: CancelHandle | None = None

    def on_start(self, handle: CancelHandle) -> None:
        """Called as the query opens, and again with the backend pid once it is open."""
        self._handle = handle
        if handle.backend_pid is not None:
            QueryJob.all_tenants.filter(pk=self.job_id).update(backend_pid=handle.backend_pid)
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, daemon=True)
            self._thread.start()

    def _watch(self) -> None:
        polls = 0
        try:
            while not self._stop.is_set():
                # The cache flag every tick; the job row (the flag's fallback) every second.
                database = polls % int(1 / WATCH_INTERVAL_S) == 0
                if self.cancelled or cancel_requested(self.job_id, database=database):
                    # Cancel on every tick until the query ends: a cancel sent while the
                    # connection was still opening would otherwise be lost.
                    self.cancelled = True
                    with contextlib.suppress(Exception):
                        self._handle.cancel()
                polls += 1
                self._stop.wait(WATCH_INTERVAL_S)
        finally:
            with contextlib.suppress(Exception):
                connections.close_all()  # this thread's own database connection

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def job_claim(job_id: Any) -> QueryJob | None:
    """The worker takes a queued job (None: cancelled meanwhile, or already taken)."""
    close_old_connections()
    taken = QueryJob.all_tenants.filter(pk=job_id, status=QueryJob.Status.QUEUED).update(
        status=QueryJob.Status.RUNNING, started_at=timezone.now()
    )
    if not taken:
        return None
    return QueryJob.all_tenants.select_related("organization", "user").get(pk=job_id)


def job_finish(job: QueryJob, *, status: str, message_id: int | None) -> None:
    QueryJob.all_tenants.filter(pk=job.pk).update(
        status=status, message_id=message_id, finished_at=timezone.now()
    )
    _cache_call("delete", _FLAG + str(job.pk))


def wait_for(job_id: Any, *, timeout: float = 30.0, interval: float = 0.1) -> QueryJob:
    """Poll until the job is no longer active (commands and tests)."""
    deadline = time.monotonic() + timeout
    while True:
        job = QueryJob.all_tenants.get(pk=job_id)
        if job.status not in QueryJob.ACTIVE or time.monotonic() > deadline:
            return job
        time.sleep(interval)
