"""The answer cache: its key (org, source and schema version, policy fingerprint, knowledge
version, conversation context, normalised question, provider mode), a hit as an `Outcome`, and
the write of an answered turn."""

from __future__ import annotations

import hashlib
import json
import logging

from django.conf import settings
from django.core.cache import cache

from apps.chat import llm_path
from apps.chat.engine.answer import Answer, LLMUsage
from apps.chat.engine.plan import QueryPlan, plan_from_dict, plan_to_dict
from apps.chat.pipeline.values import Outcome, Turn
from datachat.text import fold

logger = logging.getLogger(__name__)


def normalise_question(question: str) -> str:
    return " ".join(fold(question).replace("¿", " ").replace("?", " ").split())


def cache_key(turn: Turn, kind: str, question: str) -> str:
    """Org, source (and its schema version), the caller's policy fingerprint, the knowledge
    version, the conversation context and the normalised question: a cached answer can never
    cross a row filter or a mask (DESIGN: caching). The provider mode (offline, or which model at
    which endpoint) keeps one producer's answers from being served as another's."""
    context = json.dumps(plan_to_dict(turn.previous_plan), sort_keys=True, default=str)
    if turn.previous_insight is not None:
        context += json.dumps(turn.previous_insight, sort_keys=True, default=str)
    if turn.previous_turn is not None:
        context += json.dumps(turn.previous_turn, ensure_ascii=False)
    raw = "|".join(
        [
            kind,
            llm_path.cache_mode(),
            str(turn.org.pk),
            ":".join(map(str, turn.source.memo_key())),
            turn.policy.fingerprint(),
            str(turn.org.knowledge_version),
            hashlib.sha256(context.encode()).hexdigest()[:16],
            normalise_question(question),
        ]
    )
    return "dc:" + hashlib.sha256(raw.encode()).hexdigest()


def cache_get(key: str) -> dict | None:
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 - a cache fault is a miss
        logger.warning("cache read failed", exc_info=True)
        return None


def cache_set(key: str, answer: Answer, plan: QueryPlan | None) -> None:
    payload = answer.to_dict()
    for transient in ("cached", "timings_ms", "llm", "conversation_id", "message_id", "job"):
        payload.pop(transient, None)
    payload["_plan"] = plan_to_dict(plan)
    ttl = settings.DATACHAT["CACHE_TTL"]["rag" if answer.type == "RAG" else "result"]
    try:
        cache.set(key, payload, ttl)
    except Exception:  # noqa: BLE001
        logger.warning("cache write failed", exc_info=True)


def cached(turn: Turn) -> Outcome | None:
    """The stored answer under the turn's cache key, if any."""
    cached = cache_get(turn.cache_key)
    turn.timer.lap("cache")
    if cached is None:
        return None
    payload = dict(cached)
    plan = plan_from_dict(payload.pop("_plan", None))
    answer = Answer(**payload)
    answer.cached = True
    if llm_path.llm_enabled():
        answer.llm = LLMUsage(provider=llm_path.PROVIDER)  # a hit costs no call
    return Outcome(answer, plan=plan, audit_sql=answer.sql or "")
