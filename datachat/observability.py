"""Prometheus metrics and the /health, /ready and /metrics endpoints.

Metrics are correct across processes: with `PROMETHEUS_MULTIPROC_DIR` set (a directory shared by
the web workers, emptied at each start, docs/deploy.md "Observability"), every process writes its
samples there and /metrics sums them (prometheus_client's multiprocess mode); without it the one
process's own registry is served. State that lives elsewhere (the index outbox, the broker's
queue, the last audit verification) is read at scrape time (`StateCollector`).
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
import threading
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

STAGE_LATENCY = Histogram(
    "datachat_stage_seconds",
    "Latency of each pipeline stage",
    ["stage", "channel"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
ANSWERS = Counter("datachat_answers_total", "Answers by type and channel", ["type", "channel"])
ANSWERS_BY_INTENT = Counter(
    "datachat_answers_by_intent_total", "Answers by type and the intent found", ["type", "intent"]
)
REFUSALS = Counter("datachat_refusals_total", "Refusals and errors by code", ["code"])
CACHE_HITS = Counter("datachat_cache_hits_total", "Answers served from the cache")
LLM_CALLS = Counter("datachat_llm_calls_total", "LLM requests made (retries included)")
LLM_TOKENS = Counter("datachat_llm_tokens_total", "LLM tokens", ["kind"])
LLM_COST = Counter("datachat_llm_cost_usd_total", "LLM cost in USD")
LLM_BREAKER_OPEN = Gauge(
    "datachat_llm_breaker_open",
    "1 while a process's LLM circuit breaker is open (the answers fall back to offline)",
    multiprocess_mode="livemax",
)
REQUESTS = Counter(
    "datachat_http_requests_total",
    "HTTP requests by method, route and status",
    ["method", "status"],
)
REQUEST_LATENCY = Histogram(
    "datachat_http_request_seconds",
    "HTTP request latency",
    ["route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30),
)

# What the dashboard and the alert rules may reference (tests/faults/test_observability.py).
STATE_METRICS = (
    "datachat_index_outbox_pending",
    "datachat_index_lag_seconds",
    "datachat_queue_depth",
    "datachat_audit_verify_ok",
    "datachat_audit_verify_age_seconds",
)
AUDIT_VERIFY_CACHE_KEY = "dc:audit-verify"


def observe_answer(answer: dict, channel: str) -> None:
    """Count one answer and its stage timings."""
    ANSWERS.labels(answer["type"], channel).inc()
    intent = (answer.get("intent") or {}).get("type") or "none"
    ANSWERS_BY_INTENT.labels(answer["type"], str(intent)[:20]).inc()
    if answer.get("error"):
        REFUSALS.labels(answer["error"]["code"]).inc()
    if answer.get("cached"):
        CACHE_HITS.inc()
    for stage, ms in (answer.get("timings_ms") or {}).items():
        STAGE_LATENCY.labels(stage, channel).observe(ms / 1000)
    llm = answer.get("llm") or {}
    LLM_CALLS.inc(llm.get("calls", 0) or 0)
    LLM_TOKENS.labels("prompt").inc(llm.get("prompt_tokens", 0))
    LLM_TOKENS.labels("completion").inc(llm.get("completion_tokens", 0))
    LLM_COST.inc(llm.get("cost_usd", 0.0))
    LLM_BREAKER_OPEN.set(1 if breaker_open() else 0)


def breaker_open() -> bool:
    """Whether any of this process's LLM circuit breakers is open."""
    from datachat.providers import llm

    with llm._BREAKERS_LOCK:
        breakers = list(llm._BREAKERS.values())
    return any(b.state != "closed" for b in breakers)


class MetricsMiddleware:
    """Counts every request by method and status, and times it by route (the URL pattern's
    name, so the label set stays small)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = (match.view_name if match is not None else "") or "unmatched"
        REQUESTS.labels(request.method, str(response.status_code)).inc()
        REQUEST_LATENCY.labels(route[:60]).observe(time.perf_counter() - started)
        return response


class StateCollector:
    """Gauges read at scrape time from where the state lives (database, broker, cache)."""

    def collect(self):  # noqa: ANN201
        try:
            from apps.knowledge.outbox import outbox_pending

            pending, lag = outbox_pending()
            yield GaugeMetricFamily(
                "datachat_index_outbox_pending", "Index outbox rows not done yet", value=pending
            )
            yield GaugeMetricFamily(
                "datachat_index_lag_seconds",
                "Age of the oldest knowledge edit not yet in the vector index",
                value=lag,
            )
        except Exception as exc:  # noqa: BLE001 - a scrape must not fail on one source
            logger.warning("index lag not measured (%s)", type(exc).__name__)
        depth = queue_depth()
        if depth is not None:
            yield GaugeMetricFamily(
                "datachat_queue_depth", "Tasks waiting in the broker's queue", value=depth
            )
        try:
            verified = cache.get(AUDIT_VERIFY_CACHE_KEY)
        except Exception:  # noqa: BLE001
            verified = None
        if verified:
            yield GaugeMetricFamily(
                "datachat_audit_verify_ok",
                "1 when the last verification of every audit chain held",
                value=1 if verified.get("ok") else 0,
            )
            yield GaugeMetricFamily(
                "datachat_audit_verify_age_seconds",
                "Seconds since the audit chains were last verified",
                value=max(time.time() - float(verified.get("at", 0)), 0.0),
            )


_STATE_REGISTRY = CollectorRegistry(auto_describe=False)
_STATE_REGISTRY.register(StateCollector())


_REDIS_CLIENTS: dict[tuple[str, float], Any] = {}


def _redis(url: str, timeout: float) -> Any:
    """One pooled client per URL and timeout in this process: `redis.Redis.from_url` per call
    opened a new connection (and read the package metadata) on every /health and scrape."""
    client = _REDIS_CLIENTS.get((url, timeout))
    if client is None:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        _REDIS_CLIENTS[(url, timeout)] = client
    return client


def queue_depth() -> int | None:
    """Messages waiting in the Celery queue (Redis broker only; None otherwise or unreachable)."""
    url = getattr(settings, "CELERY_BROKER_URL", "")
    if not url.startswith(("redis://", "rediss://")):
        return None
    try:
        return int(_redis(url, 0.5).llen("celery"))
    except Exception as exc:  # noqa: BLE001
        logger.warning("queue depth not measured (%s)", type(exc).__name__)
        return None


def metrics_text() -> bytes:
    """Every process's metrics (multiprocess mode) or this one's, and the scrape-time state."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(_STATE_REGISTRY)


def child_exit(server: Any, worker: Any) -> None:
    """gunicorn's `child_exit` hook in multiprocess mode: forget a dead worker's live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


class HealthProblem(RuntimeError):
    """A check's own finding, safe to show to an authorised caller as it is."""


def _check(fn) -> dict:  # noqa: ANN001
    started = time.perf_counter()
    try:
        detail = fn() or "ok"
        status = "ok"
    except HealthProblem as exc:
        status, detail = "error", str(exc)[:200]
    except Exception as exc:  # noqa: BLE001 - a health check reports, it doesn't raise
        # Driver messages name hosts, ports, paths and users ("connection to server at …"):
        # they go to the log, the response only names the kind of failure.
        logger.warning("health check %s failed", getattr(fn, "__name__", fn), exc_info=True)
        status, detail = "error", type(exc).__name__
    return {
        "status": status,
        "detail": detail,
        "ms": round((time.perf_counter() - started) * 1000, 2),
    }


def _database() -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return connection.vendor


def _cache() -> str:
    cache.set("datachat:health", "1", 10)
    if cache.get("datachat:health") != "1":
        raise HealthProblem("cache read-back failed")
    return settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]


# Not a valid org slug (a space), so never an org's collection.
HEALTH_COLLECTION = "health probe"


def _vector_store() -> str:
    """A real round trip: write one vector to a tiny collection of its own and find it again."""
    store = _health_store()
    chunk = _HealthChunk()
    store.upsert(HEALTH_COLLECTION, [chunk])
    found = store.query(HEALTH_COLLECTION, chunk.text, k=1)
    if not found or found[0].chunk_id != chunk.chunk_id:
        raise HealthProblem("vector store did not find what it just stored")
    return "chroma server" if settings.DATACHAT["CHROMA_URL"] else "local chroma"


class _HealthChunk:
    chunk_id = "health:0"
    document_id = "health"
    title = "health"
    kind = "health"
    table = ""
    text = "datachat health check"
    columns: tuple[str, ...] = ()
    version = 1


def _health_store():  # noqa: ANN202
    """The process's store (the one answers use), offline embedder for the probe collection."""
    from apps.knowledge.indexing import vector_store

    return vector_store()


def _broker() -> str:
    _redis(settings.REDIS_URL, 1.0).ping()
    return "redis"


def _broker_configured() -> bool:
    return bool(settings.REDIS_URL) and not settings.CELERY_TASK_ALWAYS_EAGER


_WORKERS_KEY = "dc:health:workers"


def _remembered(key: str, check: Any) -> Any:
    """`check`, whose success is remembered for `DATACHAT_HEALTH_WORKERS_CACHE_SECONDS`: the
    vector-store probe writes and reads a vector (0.2-0.5 s on a busy host), and under
    `make loadtest` probes queued behind each other on the store's lock."""

    def remembered() -> str:
        ttl = settings.DATACHAT_HEALTH_WORKERS_CACHE_SECONDS
        if ttl > 0:
            with contextlib.suppress(Exception):
                if value := cache.get(key):
                    return value
        value = check()
        if ttl > 0:
            with contextlib.suppress(Exception):
                cache.set(key, value, ttl)
        return value

    return remembered


def _workers() -> str:
    """At least one Celery worker answers a ping within a second.

    A ping waits its whole timeout for replies, parking a sync web worker that long: a live
    answer is remembered in the cache for `DATACHAT_HEALTH_WORKERS_CACHE_SECONDS` (probes and
    load balancers call /health every few seconds: `make loadtest` found it the slowest page).
    """
    from datachat.celery import app

    ttl = settings.DATACHAT_HEALTH_WORKERS_CACHE_SECONDS
    if ttl > 0:
        with contextlib.suppress(Exception):
            remembered = cache.get(_WORKERS_KEY)
            if remembered:
                return remembered
    replies = app.control.inspect(timeout=settings.DATACHAT_HEALTH_PING_SECONDS).ping() or {}
    if not replies:
        raise HealthProblem("no worker answered")
    answer = f"{len(replies)} worker(s)"
    if ttl > 0:
        with contextlib.suppress(Exception):
            cache.set(_WORKERS_KEY, answer, ttl)
    return answer


def _queue() -> str:
    depth = queue_depth()
    if depth is None:
        raise HealthProblem("queue depth unknown")
    if depth > settings.DATACHAT_HEALTH_MAX_QUEUE:
        raise HealthProblem(f"{depth} tasks waiting")
    return f"{depth} waiting"


def _migrations() -> str:
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        raise HealthProblem(f"{len(pending)} migrations pending")
    return "applied"


def _bearer(request: HttpRequest) -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _token_matches(given: str, expected: str) -> bool:
    return bool(expected and given) and hmac.compare_digest(given.encode(), expected.encode())


def _operator_api_user(request: HttpRequest) -> bool:
    """Whether the request carries a platform operator's (superuser's) API token (the API's own
    authenticators)."""
    from rest_framework.exceptions import APIException
    from rest_framework.request import Request
    from rest_framework.settings import api_settings

    drf_request = Request(
        request, authenticators=[cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    )
    try:
        user = drf_request.user
    except APIException:  # a bad or expired token: simply not authorised for details
        return False
    return bool(user and user.is_authenticated and user.is_superuser)


def may_see_details(request: HttpRequest) -> bool:
    """Platform operators (superusers, by session or API token) or the DATACHAT_HEALTH_TOKEN
    bearer see per-dependency state. Not every Django staff member: an org's admins, stewards
    and auditors are staff (they use the admin), and the details are the platform's (hosts,
    queue depth across every org)."""
    if _token_matches(_bearer(request), settings.DATACHAT_HEALTH_TOKEN):
        return True
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_superuser:
        return True
    return "Authorization" in request.headers and _operator_api_user(request)


# This process's last /health checks and when they expire (`_clock()`).
_HEALTH_MEMO: dict[str, Any] = {"checks": None, "until": 0.0}
_HEALTH_LOCK = threading.Lock()
_clock = time.monotonic


def health_checks() -> dict[str, dict]:
    """Every dependency's check, run at most once per `DATACHAT_HEALTH_CACHE_SECONDS` in this
    process (0: on every call). Probes, load balancers and `make loadtest` call /health many
    times a second; each run costs a database and five Redis round trips, and with no worker
    alive a one-second ping. A failure is remembered as long as a success: the next run, a
    few seconds later, sees the recovery."""
    ttl = float(getattr(settings, "DATACHAT_HEALTH_CACHE_SECONDS", 0) or 0)
    if ttl <= 0:
        return _health_run()
    with _HEALTH_LOCK:
        if _HEALTH_MEMO["checks"] is None or _clock() >= _HEALTH_MEMO["until"]:
            _HEALTH_MEMO["checks"] = _health_run()
            _HEALTH_MEMO["until"] = _clock() + ttl
        return _HEALTH_MEMO["checks"]


def _health_run() -> dict[str, dict]:
    checks = {
        "database": _check(_database),
        "cache": _check(_cache),
        "vector_store": _check(_remembered("dc:health:vector_store", _vector_store)),
    }
    if settings.REDIS_URL:
        checks["broker"] = _check(_broker)
    if _broker_configured():
        checks["workers"] = _check(_workers)
        checks["queue"] = _check(_queue)
    return checks


def health(request: HttpRequest) -> JsonResponse:
    """Liveness: 200 `{"status": "ok"}` when every dependency answers, else 503.

    The public learns only that; platform operators (superusers) and holders of
    DATACHAT_HEALTH_TOKEN also get `checks`, the state of each dependency (never a host, port,
    path or driver message). The checks are this process's last run if it is younger than
    `DATACHAT_HEALTH_CACHE_SECONDS`.
    """
    checks = health_checks()
    ok = all(c["status"] == "ok" for c in checks.values())
    if not may_see_details(request):
        return JsonResponse({"status": "ok" if ok else "unavailable"}, status=200 if ok else 503)
    return JsonResponse(
        {"status": "ok" if ok else "degraded", "checks": checks}, status=200 if ok else 503
    )


def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: the database answers and every migration is applied (details as for /health)."""
    checks = {"database": _check(_database), "migrations": _check(_migrations)}
    ok = all(c["status"] == "ok" for c in checks.values())
    body: dict = {"status": "ready" if ok else "not ready"}
    if may_see_details(request):
        body["checks"] = checks
    return JsonResponse(body, status=200 if ok else 503)


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text; with DATACHAT_METRICS_TOKEN set, only for `Authorization: Bearer <it>`."""
    expected = settings.DATACHAT_METRICS_TOKEN
    if expected:
        given = _bearer(request)
        if not given:
            response = JsonResponse(
                {"error": {"code": "not_authenticated", "message": "Bearer token required."}},
                status=401,
            )
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
        if not _token_matches(given, expected):
            return JsonResponse(
                {"error": {"code": "permission_denied", "message": "Wrong metrics token."}},
                status=403,
            )
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
