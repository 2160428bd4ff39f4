"""One rate-limit mechanism for the API and the pages, over the Django cache.

The expensive actions (a question, a hand-written query, an export) are counted per *scope*
(`chat`, `query`, `export`) whichever way they come in: the web chat's POST, the SQL editor and
the audit export page count against the same budget as `POST /api/v1/chat/`, `/query/` and the
message export, so the pages are no way around the API's limits. Each request of a scope counts
against two limits:

- the user's rate (`REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]`, from `DATACHAT_API_*_RATE`);
- the organization's rate, all of its members together (`DATACHAT_ORG_RATES[scope]`, from
  `DATACHAT_ORG_*_RATE`, overridden per org by `Organization.rate_limits`).

Every API request also counts against the user's general `user` rate (`DATACHAT_API_RATE`).

The counter is a sliding window kept as `SLOTS` + 1 counters per limit, each covering a sixth of
the period: a request counts the current slot and the six before it, a span of at least the whole
period, so no rolling period ever holds more than the rate (no double burst at a window boundary,
unlike fixed windows), and a refused client waits at most a sixth of the period longer than
strictly needed. Counting is `incr` first and check after, so concurrent requests cannot all slip
through on the same count (Redis and the local-memory cache both increment atomically); a refused
request is not counted, so waiting for `Retry-After` is enough to get through.

When the shared cache (Redis) fails, the limits do not fail open: by default
(`DATACHAT_RATE_LIMIT_FALLBACK=local`) the same counter runs on an in-process local-memory store,
so each web process enforces the rates on its own (an outage admits at most the rate times the
number of processes); `closed` refuses every limited request until the cache answers again.
The fault is logged once per minute per kind (datachat/logs.py).

The DRF throttle classes (`UserRateLimit`, `ScopedUserThrottle`) and the page decorator
(`limit_page`) are thin adapters over `rate_check`. A refusal is a 429 with `Retry-After`: the
API's JSON error shape with code `rate_limited`, an error card in the chat (htmx) or a short page.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_redis.cache import RedisCache
from rest_framework.exceptions import Throttled
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

RATE_SCOPES = ("chat", "query", "export")
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_KEY_PREFIX = "dc:rl"
SLOTS = 6


@dataclass(frozen=True)
class Rate:
    """`count` requests per `seconds`; written as DRF writes rates: "30/min", "10/s", "500/day"."""

    count: int
    seconds: int

    @classmethod
    @functools.lru_cache(maxsize=64)
    def parse(cls, text: str) -> Rate:
        raw = str(text).strip().lower()
        number, _slash, period = raw.partition("/")
        unit = period.strip()[:1]
        if not number.strip().isdigit() or unit not in _PERIODS or int(number) < 1:
            raise ValueError(
                _("%(rate)r is not a rate: write requests/period, e.g. 30/min or 500/day.")
                % {"rate": text}
            )
        return cls(count=int(number), seconds=_PERIODS[unit])

    def describe(self) -> str:
        per = {
            1: _("per second"),
            60: _("per minute"),
            3600: _("per hour"),
            86400: _("per day"),
        }[self.seconds]
        return f"{self.count} {per}"


@dataclass(frozen=True)
class Limited:
    """A refused request: which limit, and how long until a request would be accepted."""

    scope: str
    level: str  # "user" or "org"
    rate: Rate
    retry_after: int

    @property
    def code(self) -> str:
        return "rate_limited"

    def message(self) -> str:
        what = {
            "chat": _("questions"),
            "query": _("SQL queries"),
            "export": _("exports"),
            "user": _("API requests"),
        }.get(self.scope, self.scope)
        who = _("for each user") if self.level == "user" else _("for your whole organization")
        wait = ngettext(
            "Try again in %(n)d second.", "Try again in %(n)d seconds.", self.retry_after
        ) % {"n": self.retry_after}
        return (
            _("Too many requests: the limit for %(what)s is %(rate)s %(who)s.")
            % {"what": what, "rate": self.rate.describe(), "who": who}
            + " "
            + wait
        )


# --- the counter ----------------------------------------------------------------------------


def _slot_keys(key: str, rate: Rate, now: float) -> tuple[list[str], int, int]:
    """The cache keys of the window's slots (oldest first, the current one last), the current
    slot's index and the slot length in milliseconds (integers: no float drift at boundaries)."""
    slot_ms = max(1, rate.seconds * 1000 // SLOTS)
    index = int(now * 1000) // slot_ms
    keys = [f"{_KEY_PREFIX}:{key}:{rate.seconds}:{i}" for i in range(index - SLOTS, index + 1)]
    return keys, index, slot_ms


def _wait_seconds(counts: list[int], rate: Rate, index: int, slot_ms: int, now: float) -> int:
    """Seconds until one more request fits: until enough of the oldest slots have left."""
    for ahead in range(1, SLOTS + 2):
        # From slot index + ahead on, the window no longer holds the `ahead` oldest slots.
        if sum(counts[ahead:]) + 1 <= rate.count:
            return max(1, math.ceil(((index + ahead) * slot_ms - int(now * 1000)) / 1000))
    return rate.seconds  # unreachable: with every slot gone a request always fits


class CacheUnavailable(RuntimeError):
    """The shared cache did not count (django-redis answers None when it ignores a fault)."""


# The fallback store when the shared cache fails: this process's memory, same algorithm.
_LOCAL = LocMemCache("datachat-ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 20000}})


# One round trip on Redis: create the current slot with its expiry if missing, add one, and
# read the window's other slots (the three cache calls of the generic path, atomically).
_REDIS_HIT = """
redis.call('SET', KEYS[1], 0, 'NX', 'EX', ARGV[1])
local current = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if #KEYS == 1 then return {current} end
return {current, unpack(redis.call('MGET', unpack(KEYS, 2)))}
"""


def _redis_count(store: Any, keys: list[str], timeout: int) -> tuple[int, list[int]] | None:
    """(the current slot's count after adding one, the other slots' counts) through one
    script call when `store` is django-redis; None for any other cache (the generic path).
    The keys and integer values are django-redis's own, so `decr` and `get_many` agree."""
    if store is cache:  # the proxy of the default cache: the backend behind it
        store = caches[DEFAULT_CACHE_ALIAS]
    if not isinstance(store, RedisCache):
        return None
    made = [store.make_key(k) for k in (keys[-1], *keys[:-1])]
    client = store.client.get_client(write=True)
    reply = client.eval(_REDIS_HIT, len(made), *made, timeout)
    if not reply:
        raise CacheUnavailable(keys[-1])
    return int(reply[0]), [int(v or 0) for v in reply[1:]]


def _hit(key: str, rate: Rate, now: float, store: Any = None) -> int | None:
    """Count one request under `key`; None if it fits, else the seconds to wait (not counted)."""
    store = cache if store is None else store
    keys, index, slot_ms = _slot_keys(key, rate, now)
    current_key = keys[-1]
    timeout = rate.seconds + math.ceil(2 * slot_ms / 1000) + 1
    counted = _redis_count(store, keys, timeout)
    if counted is not None:
        current, others = counted
        counts = [*others, current]
    else:
        store.add(current_key, 0, timeout=timeout)
        try:
            current = store.incr(current_key)
        except ValueError:  # expired between add and incr
            store.set(current_key, 1, timeout=timeout)
            current = store.get(current_key)
        if not isinstance(current, int):
            raise CacheUnavailable(key)
        found = store.get_many(keys[:-1])
        counts = [int(found.get(k) or 0) for k in keys[:-1]] + [current]
    if sum(counts) <= rate.count:
        return None
    with contextlib.suppress(ValueError):
        store.decr(current_key)
    counts[-1] -= 1
    return _wait_seconds(counts, rate, index, slot_ms, now)


def _undo(key: str, rate: Rate, now: float, store: Any = None) -> None:
    store = cache if store is None else store
    with contextlib.suppress(ValueError):
        store.decr(_slot_keys(key, rate, now)[0][-1])


def user_rate(scope: str) -> Rate | None:
    """The per-user rate of a scope (None: unlimited)."""
    text = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(scope)
    return Rate.parse(text) if text else None


def org_rate(scope: str, org: Any) -> Rate | None:
    """The organization-wide rate of a scope: the org's own override, else the platform's."""
    overrides = getattr(org, "rate_limits", None)
    override = overrides.get(scope) if isinstance(overrides, dict) else None
    text = override or getattr(settings, "DATACHAT_ORG_RATES", {}).get(scope)
    try:
        return Rate.parse(str(text)) if text else None
    except ValueError:  # a bad override saved around the admin's validation: use the default
        logger.warning("ignoring the invalid rate %r of org %s", text, getattr(org, "pk", None))
        default = getattr(settings, "DATACHAT_ORG_RATES", {}).get(scope)
        return Rate.parse(default) if default else None


def rate_check(*, scope: str, user_id: int, org: Any = None) -> Limited | None:
    """Count one request of `scope` by this user (and their org); None when it may go ahead.

    The user's limit is checked first; when the org's limit then refuses, the user's count is
    given back, so a refused request costs nothing anywhere. A shared-cache fault switches to
    the local fallback (or refuses, `DATACHAT_RATE_LIMIT_FALLBACK=closed`): see the docstring.
    """
    now = time.time()
    try:
        return _rate_check(scope=scope, user_id=user_id, org=org, now=now, store=cache)
    except Exception as exc:  # noqa: BLE001 - Redis down, or a fault django-redis ignored
        logger.warning("rate limit cache unavailable (%s): using the fallback", type(exc).__name__)
    if getattr(settings, "DATACHAT_RATE_LIMIT_FALLBACK", "local") == "closed":
        rate = user_rate(scope) or Rate(count=1, seconds=60)
        return Limited(scope=scope, level="user", rate=rate, retry_after=FALLBACK_RETRY_AFTER)
    return _rate_check(scope=scope, user_id=user_id, org=org, now=now, store=_LOCAL)


FALLBACK_RETRY_AFTER = 10


def _rate_check(*, scope: str, user_id: int, org: Any, now: float, store: Any) -> Limited | None:
    rate = user_rate(scope)
    user_key = f"{scope}:u:{user_id}"
    if rate is not None:
        wait = _hit(user_key, rate, now, store)
        if wait is not None:
            return Limited(scope=scope, level="user", rate=rate, retry_after=wait)
    if org is not None and scope in RATE_SCOPES:
        orate = org_rate(scope, org)
        if orate is not None:
            wait = _hit(f"{scope}:o:{org.pk}", orate, now, store)
            if wait is not None:
                if rate is not None:
                    _undo(user_key, rate, now, store)
                return Limited(scope=scope, level="org", rate=orate, retry_after=wait)
    return None


# --- the API (DRF) ----------------------------------------------------------------------------


class RateLimited(Throttled):
    """429 with `Retry-After` and code `rate_limited` (the JSON error shape of the API)."""

    default_code = "rate_limited"

    def __init__(self, limited: Limited | None, wait: float | None = None) -> None:
        seconds = limited.retry_after if limited else wait
        message = limited.message() if limited else _("Too many requests. Try again later.")
        super().__init__(wait=seconds, detail=message, code="rate_limited")

    def get_codes(self) -> str:  # one stable code, whatever DRF's detail holds
        return "rate_limited"


class _LimitThrottle(BaseThrottle):
    limited: Limited | None = None

    def _check(self, request: Any, view: Any, scope: str, org: Any) -> bool:
        user = getattr(request, "user", None)
        if not getattr(user, "is_authenticated", False):
            return True  # the permission gates refuse anonymous callers before this matters
        self.limited = rate_check(scope=scope, user_id=user.pk, org=org)
        if self.limited is not None:
            previous = getattr(view, "rate_limited", None)
            if previous is None or self.limited.retry_after > previous.retry_after:
                view.rate_limited = self.limited
        return self.limited is None

    def wait(self) -> float | None:
        return self.limited.retry_after if self.limited else None


class UserRateLimit(_LimitThrottle):
    """Every API request of a user (`DATACHAT_API_RATE`)."""

    def allow_request(self, request: Any, view: Any) -> bool:
        return self._check(request, view, "user", None)


class ScopedUserThrottle(_LimitThrottle):
    """The view's expensive scope (`throttle_scope`): per user and per org."""

    def allow_request(self, request: Any, view: Any) -> bool:
        scope = getattr(view, "throttle_scope", None)
        if not scope:
            return True
        membership = getattr(view, "membership", None)
        org = membership.organization if membership is not None else None
        return self._check(request, view, scope, org)


# --- the pages --------------------------------------------------------------------------------


def rate_limited_response(
    request: HttpRequest, limited: Limited, *, card_template: str | None = None
) -> HttpResponse:
    """429 with `Retry-After`: an error card for htmx requests, else a short page."""
    posted = request.POST if request.method == "POST" else {}
    context = {
        "limited": limited,
        "message": limited.message(),
        "question": posted.get("question") or posted.get("sql") or "",
    }
    htmx = getattr(request, "htmx", False)
    template = card_template if htmx and card_template else "rate_limited.html"
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(limited.retry_after)
    return response


def limit_page(
    scope: str, *, card_template: str | None = None, methods: tuple[str, ...] = ("GET", "POST")
) -> Callable:
    """Decorate a page view: each call (of `methods`) counts against `scope` for the member and
    their org; over the limit, the view does not run."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = getattr(request, "membership", None)
            user = getattr(request, "user", None)
            counted = request.method in methods
            if counted and membership is not None and getattr(user, "is_authenticated", False):
                limited = rate_check(scope=scope, user_id=user.pk, org=membership.organization)
                if limited is not None:
                    return rate_limited_response(request, limited, card_template=card_template)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
