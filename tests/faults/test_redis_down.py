"""Redis down (issue 15, seen 2): nobody is logged out, a login stays quick and works, the log
gets one line per failure kind per minute, and rate limits do not fail open.

A real redis-server of the test's own is the cache; the test kills it mid-session."""

from __future__ import annotations

import logging
import time

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from apps.governance.models import Organization
from apps.governance.ratelimit import _LOCAL, rate_check
from datachat.logs import OncePerMinuteFilter
from tests.faults.conftest import free_port, redis_caches

pytestmark = [pytest.mark.django_db, pytest.mark.services, pytest.mark.drill]

PASSWORD = "datachat-demo"
RATES = {"user": "100000/min", "chat": "30/min", "query": "30/min", "export": "30/min"}


@pytest.fixture(autouse=True)
def fresh_fallback_counters():  # noqa: ANN201
    _LOCAL.clear()
    yield
    _LOCAL.clear()


@pytest.fixture
def redis_cache(own_redis):  # noqa: ANN001, ANN201
    with override_settings(CACHES=redis_caches(own_redis.url)):
        cache.clear()
        yield own_redis


def _logged_in(client: Client) -> bool:
    response = client.get("/chat/")
    return response.status_code == 200


def test_a_redis_outage_logs_nobody_out_and_login_stays_quick(redis_cache):
    # Given a member logged in while Redis is up (the session is cached in Redis)
    client = Client()
    assert client.post("/accounts/login/", {"username": "analista", "password": PASSWORD})[
        "Location"
    ].startswith("/chat/")
    assert _logged_in(client)
    # When Redis dies
    redis_cache.stop()
    # Then the member is still logged in (the session is read from the database) ...
    started = time.monotonic()
    assert _logged_in(client)
    # ... and someone else logs in, quickly, without an error
    other = Client()
    response = other.post("/accounts/login/", {"username": "cientifica", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/chat/")
    assert _logged_in(other)
    elapsed = time.monotonic() - started
    assert elapsed < 8, f"two page views and a login took {elapsed:.1f} s with Redis down"
    # When Redis comes back (empty: no persistence), both are still logged in
    redis_cache.start()
    assert _logged_in(client) and _logged_in(other)


def test_a_redis_outage_logs_one_line_per_kind_per_minute(redis_cache, member):
    # Given the log handler's filter (LOGGING) and Redis down
    lines: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = lines.append  # type: ignore[method-assign]
    handler.addFilter(OncePerMinuteFilter(60))
    root = logging.getLogger()
    root.addHandler(handler)
    redis_cache.stop()
    client = Client()
    client.force_login(member("acme", "analista").user)
    try:
        # When 30 pages are served during the outage
        for _ in range(30):
            assert client.get("/chat/").status_code == 200
    finally:
        root.removeHandler(handler)
    # Then the log holds a handful of lines (one per kind), not one or more per request
    faults = [r for r in lines if r.levelno >= logging.WARNING]
    kinds = {OncePerMinuteFilter.kind(r) for r in faults}
    assert faults, "the outage was not logged at all"
    assert len(faults) == len(kinds) <= 6


def _admitted(n: int, membership) -> int:  # noqa: ANN001
    return sum(
        rate_check(scope="chat", user_id=membership.user_id, org=membership.organization) is None
        for _ in range(n)
    )


@override_settings(REST_FRAMEWORK={"DEFAULT_THROTTLE_RATES": RATES})
def test_rate_limits_use_the_local_fallback_when_redis_is_down(member):
    # Given the cache is a Redis nobody listens on, and a 30/min limit
    with override_settings(CACHES=redis_caches(f"redis://127.0.0.1:{free_port()}/0")):
        membership = member("acme", "analista")
        # When 100 questions come in within the minute
        started = time.monotonic()
        admitted = _admitted(100, membership)
        # Then no more than the limit go through (not 100/100), and quickly
        assert admitted == 30
        assert time.monotonic() - started < 30


@override_settings(
    REST_FRAMEWORK={"DEFAULT_THROTTLE_RATES": RATES}, DATACHAT_RATE_LIMIT_FALLBACK="closed"
)
def test_rate_limits_can_fail_closed(member):
    with override_settings(CACHES=redis_caches(f"redis://127.0.0.1:{free_port()}/0")):
        limited = rate_check(scope="chat", user_id=member("acme", "analista").user_id, org=None)
        assert limited is not None and limited.retry_after > 0


@override_settings(REST_FRAMEWORK={"DEFAULT_THROTTLE_RATES": RATES}, DATACHAT_ORG_RATES={})
def test_the_chat_page_is_limited_through_an_outage(redis_cache, member):
    # Given Redis dies in the middle of a minute in which a member asked 20 questions
    membership = member("acme", "analista")
    Organization.objects.filter(pk=membership.organization_id).update(rate_limits={})
    assert _admitted(20, membership) == 20
    redis_cache.stop()
    # Then the fallback still refuses past the rate (it counts from zero in this process)
    assert _admitted(40, membership) == 30
