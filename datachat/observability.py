"""Prometheus metrics and the /health, /ready and /metrics endpoints."""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

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


def _check(fn) -> dict:  # noqa: ANN001
    started = time.perf_counter()
    try:
        detail = fn() or "ok"
        status = "ok"
    except Exception as exc:  # noqa: BLE001 - a health check reports, it doesn't raise
        status, detail = "error", f"{type(exc).__name__}: {exc}"[:200]
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
        raise RuntimeError("cache read-back failed")
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


def health(request: HttpRequest) -> JsonResponse:
    """Liveness: 200 while the process serves, with the state of each dependency."""
    checks = {
        "database": _check(_database),
        "cache": _check(_cache),
        "vector_store": _check(_vector_store),
    }
    if settings.REDIS_URL:
        checks["broker"] = _check(_broker)
    overall = "ok" if all(c["status"] == "ok" for c in checks.values()) else "degraded"
    return JsonResponse({"status": overall, "checks": checks})


def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: the database answers and every migration is applied."""
    checks = {"database": _check(_database)}

    def migrations() -> str:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            raise RuntimeError(f"{len(pending)} migrations pending")
        return "applied"

    checks["migrations"] = _check(migrations)
    ok = all(c["status"] == "ok" for c in checks.values())
    return JsonResponse(
        {"status": "ready" if ok else "not ready", "checks": checks}, status=200 if ok else 503
    )


def metrics(request: HttpRequest) -> HttpResponse:
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)
