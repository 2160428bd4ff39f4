"""Each organization's monthly LLM token budget (`Organization.llm_monthly_token_budget`).

Usage is what the answers record: every message stores its question's `llm` usage (prompt and
completion tokens of every call, failed calls included), so the month-to-date total of an org is
the sum over its messages since the first of the month (the server's `TIME_ZONE`). That sum is
kept in the cache (recomputed from the messages when missing, at most `RECOUNT_SECONDS` old, and
advanced by each answer), so checking the budget before a question costs one cache read.

The check is made before the model is called: once the month's tokens reach the budget, the
question is answered by the offline engine (SQL, documentation answers, or a clarifying question
with rewrites it has checked it can answer), with a note in the answer and `llm.provider` =
`offline (fallback: llm_budget_exhausted)`; no call is made. A question already under way when
the budget is reached finishes with the model, so the budget can be overshot by at most the
questions in flight (each bounded by the prompt budget and `DATACHAT_LLM_MAX_TOKENS`).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from django.db.models import BigIntegerField, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from apps.chat.models import Message

logger = logging.getLogger(__name__)

BUDGET_EXHAUSTED = "llm_budget_exhausted"
RECOUNT_SECONDS = 300


def _month(now: Any = None) -> tuple[str, Any]:
    local = timezone.localtime(now or timezone.now())
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return start.strftime("%Y-%m"), start


def _key(org_id: int, month: str) -> str:
    return f"dc:llm-tokens:{org_id}:{month}"


def llm_tokens_this_month(*, org: Any) -> int:
    """Prompt + completion tokens the org's questions used since the first of the month."""
    month, start = _month()
    key = _key(org.pk, month)
    try:
        cached = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache fault is a miss
        cached = None
    if cached is not None:
        return int(cached)
    totals = (
        Message.all_tenants.for_org(org.pk)
        .filter(created_at__gte=start)
        .aggregate(
            prompt=Sum(Cast(KT("llm__prompt_tokens"), BigIntegerField())),
            completion=Sum(Cast(KT("llm__completion_tokens"), BigIntegerField())),
        )
    )
    used = int(totals["prompt"] or 0) + int(totals["completion"] or 0)
    try:
        # add, not set: an answer that advanced a fresher count meanwhile is not overwritten.
        cache.add(key, used, timeout=RECOUNT_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("cache write failed", exc_info=True)
    return used


def llm_budget_exhausted(*, org: Any) -> bool:
    """True when the org has a budget and this month's tokens have reached it."""
    budget = getattr(org, "llm_monthly_token_budget", None)
    if budget is None:
        return False
    return llm_tokens_this_month(org=org) >= budget


def llm_usage_add(*, org: Any, tokens: int) -> None:
    """Advance the cached month-to-date count by an answer's tokens (a missing count is left
    missing: the next read recounts the stored messages, this answer's included)."""
    if tokens <= 0:
        return
    month, _start = _month()
    try:
        cache.incr(_key(org.pk, month), tokens)
    except ValueError:
        pass
    except Exception:  # noqa: BLE001
        logger.warning("cache write failed", exc_info=True)
