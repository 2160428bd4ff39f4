"""Prometheus metrics and the /health, /ready and /metrics endpoints."""

from __future__ import annotations

import hmac
import logging
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

logger = logging.getLogger(__name__)

STAGE_LATENCY = Histogram(
    "datachat_stage_seconds",
    "Latency of each pipeline stage",
    ["stage", "channel"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
ANSWERS = Counter("datachat_answers_total", "Answers by type and channel", ["type", "channel"])
REFUSALS = Counter("datachat_refusals_total", "Refusals and errors by code", ["code"])
CACHE_HITS = Counter("datachat_cache_hits_total", "Answers served from the cache")
LLM_TOKENS = Counter("datachat_llm_tokens_total", "LLM tokens", ["kind"])
LLM_COST = Counter("datachat_llm_cost_usd_total", "LLM cost in USD")


def observe_answer(answer: dict, channel: str) -> None:
    """Count one answer and its stage timings."""
    ANSWERS.labels(answer["type"], channel).inc()
    if answer.get("error"):
        REFUSALS.labels(answer["error"]["code"]).inc()
    if answer.get("cached"):
        CACHE_HITS.inc()
    for stage, ms in (answer.get("timings_ms") or {}).items():
        STAGE_LATENCY.labels(stage, channel).observe(ms / 1000)
    llm = answer.get("llm") or {}
    LLM_TOKENS.labels("prompt").inc(llm.get("prompt_tokens", 0))
    LLM_TOKENS.labels("completion").inc(llm.get("completion_tokens", 0))
    LLM_COST.inc(llm.get("cost_usd", 0.0))


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


def _vector_store() -> str:
    url = settings.DATACHAT["CHROMA_URL"]
    if url:
        import chromadb

        host = url.split("://", 1)[-1]
        name, _, port = host.partition(":")
        chromadb.HttpClient(host=name, port=int(port or 8000)).heartbeat()
        return "chroma server"
    path = Path(settings.DATA_DIR) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return "local chroma"


def _broker() -> str:
    import redis

    redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping()
    return "redis"


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


def _staff_api_user(request: HttpRequest) -> bool:
    """Whether the request carries a staff user's API token (the API's own authenticators)."""
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
    return bool(user and user.is_authenticated and user.is_staff)


def may_see_details(request: HttpRequest) -> bool:
    """Staff (session or API token) or the DATACHAT_HEALTH_TOKEN bearer see per-dependency state."""
    if _token_matches(_bearer(request), settings.DATACHAT_HEALTH_TOKEN):
        return True
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    return "Authorization" in request.headers and _staff_api_user(request)


def health(request: HttpRequest) -> JsonResponse:
    """Liveness: 200 `{"status": "ok"}` when every dependency answers, else 503.

    The public learns only that; staff and holders of DATACHAT_HEALTH_TOKEN also get `checks`,
    the state of each dependency (never a host, port, path or driver message).
    """
    checks = {
        "database": _check(_database),
        "cache": _check(_cache),
        "vector_store": _check(_vector_store),
    }
    if settings.REDIS_URL:
        checks["broker"] = _check(_broker)
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
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)
