"""Rate limits: one mechanism for the API and the pages (chat, SQL re-run, exports), per user and
per organization, answered with 429, `Retry-After` and a clear message (an htmx card in the chat,
the API's JSON error with code `rate_limited`)."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from apps.chat.models import Message
from apps.governance.models import Organization
from apps.governance.ratelimit import Rate, _hit, _slot_keys, rate_check
from tests.support.fixtures import login_request
from tests.web.conftest import HTMX

pytestmark = pytest.mark.django_db

QUESTION = "¿Cuál fue el total de ventas por región?"


@pytest.fixture(autouse=True)
def fresh_counters():  # noqa: ANN201
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rates(settings):  # noqa: ANN001, ANN201
    """`rates(user={...}, org={...})`: set the per-user and per-org rates for one test."""

    def set_rates(user: dict[str, str] | None = None, org: dict[str, str] | None = None) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                **(user or {}),
            },
        }
        settings.DATACHAT_ORG_RATES = {**settings.DATACHAT_ORG_RATES, **(org or {})}

    return set_rates


def logged_in(client, username: str):  # noqa: ANN001, ANN201
    assert client.login(request=login_request(), username=username, password="datachat-demo")
    return client


# --- the counter ------------------------------------------------------------------------------


def test_rates_parse_like_drf():
    assert Rate.parse("30/min") == Rate(30, 60)
    assert Rate.parse("10/s") == Rate(10, 1)
    assert Rate.parse("500/day") == Rate(500, 86400)
    assert Rate.parse("2/hour") == Rate(2, 3600)
    for bad in ("", "min", "0/min", "x/min", "30/fortnight", "-1/min"):
        with pytest.raises(ValueError):
            Rate.parse(bad)


def test_the_window_slides_and_refused_requests_are_not_counted():
    rate = Rate(3, 10)
    start = 1_000_000.0
    assert [_hit("t", rate, start + i) for i in range(3)] == [None, None, None]
    wait = _hit("t", rate, start + 3)
    # the first request leaves the window 10 s after it was made (+ at most a sixth, 1.7 s)
    assert wait is not None and 7 <= wait <= 9
    # hammering while refused does not push the wait further out
    assert _hit("t", rate, start + 3.5) <= wait
    # once the wait has passed a request fits again
    assert _hit("t", rate, start + 3 + wait) is None


def test_no_double_burst_at_a_window_boundary():
    rate = Rate(10, 60)
    start = 2_000_040.0  # 40 s into a window
    allowed = sum(_hit("b", rate, start + i * 0.1) is None for i in range(10))
    # just after the boundary the previous window still weighs almost fully
    after = sum(_hit("b", rate, start + 21 + i * 0.1) is None for i in range(10))
    assert allowed == 10
    assert after == 0  # never more than the rate in any rolling minute, boundary or not


@pytest.mark.services
def test_concurrent_requests_on_redis_never_exceed_the_limit(redis_url, settings):
    # Real Redis (django-redis), 24 threads at once against a limit of 10: exactly 10 get through.
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "datachat-ratelimit-test",
        }
    }
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "chat": "10/min",
        },
    }
    cache.clear()
    results: list[object] = []
    barrier = threading.Barrier(24)

    def one() -> None:
        barrier.wait()
        results.append(rate_check(scope="chat", user_id=424242))

    threads = [threading.Thread(target=one) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r is None for r in results) == 10
    cache.clear()


@pytest.mark.services
def test_on_redis_a_count_is_one_round_trip_and_slides_like_the_generic_one(
    redis_url, settings, monkeypatch
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "datachat-ratelimit-test",
        }
    }
    cache.clear()
    client = cache.client.get_client(write=True)
    calls: list[str] = []
    real = client.execute_command

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(str(args[0]))
        return real(*args, **kwargs)

    monkeypatch.setattr(client, "execute_command", counted)
    rate = Rate(3, 10)
    start = 1_000_000.0
    # The same sliding window as the generic counter (test above), one script call per count
    assert [_hit("t", rate, start + i) for i in range(3)] == [None, None, None]
    assert len(calls) == 3 and all(c in ("EVAL", "EVALSHA") for c in calls)
    wait = _hit("t", rate, start + 3)
    assert wait is not None and 7 <= wait <= 9
    assert _hit("t", rate, start + 3.5) <= wait
    assert _hit("t", rate, start + 3 + wait) is None
    # and the slots are django-redis's own integers, with an expiry
    keys = _slot_keys("t", rate, start + 3 + wait)[0]
    assert cache.get(keys[-1]) == 1
    assert 0 < real("TTL", cache.make_key(keys[-1])) <= rate.seconds + 5
    cache.clear()


# --- the web chat -----------------------------------------------------------------------------


def test_forty_chat_posts_in_a_few_seconds_no_longer_all_pass(client, settings):
    # With the rates the product ships with (not the test suite's), as the issue reproduced it
    import datachat.settings.base as shipped

    settings.REST_FRAMEWORK = shipped.REST_FRAMEWORK
    settings.DATACHAT_ORG_RATES = shipped.DATACHAT_ORG_RATES
    limit = Rate.parse(shipped.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["chat"]).count
    logged_in(client, "analista")
    before = Message.all_tenants.count()
    started = time.monotonic()
    codes = [client.post("/chat/", {"question": QUESTION}, **HTMX).status_code for _ in range(40)]
    elapsed = time.monotonic() - started
    assert codes.count(200) == limit and codes.count(429) == 40 - limit
    assert codes[:limit] == [200] * limit
    # a refused question never reached the pipeline: nothing stored, nothing audited
    assert Message.all_tenants.count() - before == limit
    print(f"40 posts in {elapsed:.1f} s: {limit} answered, {40 - limit} refused")


def test_the_chat_shows_an_error_card_with_retry_after(client, rates):
    rates(user={"chat": "1/min"})
    logged_in(client, "analista")
    assert client.post("/chat/", {"question": QUESTION}, **HTMX).status_code == 200
    refused = client.post("/chat/", {"question": "Top 3 productos por ingresos"}, **HTMX)
    assert refused.status_code == 429
    # the request leaves the window a minute after it was made (+ at most a sixth of it)
    assert 50 <= int(refused["Retry-After"]) <= 70
    html = refused.content.decode()
    assert 'data-rate-limited="chat"' in html and 'role="alert"' in html
    assert "Top 3 productos por ingresos" in html  # the card says which question was refused
    assert "Demasiadas peticiones" in html and "1 por minuto" in html
    assert "rate_limited" in html


def test_a_plain_form_post_gets_a_page_not_a_fragment(client, rates):
    rates(user={"chat": "1/min"})
    logged_in(client, "analista")
    client.post("/chat/", {"question": QUESTION})
    refused = client.post("/chat/", {"question": QUESTION})
    assert refused.status_code == 429 and "Retry-After" in refused
    html = refused.content.decode()
    assert "<html" in html and 'data-rate-limited="chat"' in html


def test_the_page_and_the_api_share_one_budget(client, api, rates):
    rates(user={"chat": "3/min"})
    token_client = api("acme", "analista")
    assert (
        token_client.post("/api/v1/chat/", {"question": QUESTION}, format="json").status_code == 200
    )
    assert (
        token_client.post("/api/v1/chat/", {"question": QUESTION}, format="json").status_code == 200
    )
    logged_in(client, "analista")
    assert client.post("/chat/", {"question": QUESTION}, **HTMX).status_code == 200
    # the fourth, whichever way it comes, is refused
    assert client.post("/chat/", {"question": QUESTION}, **HTMX).status_code == 429
    api_refused = token_client.post("/api/v1/chat/", {"question": QUESTION}, format="json")
    assert api_refused.status_code == 429
    body = api_refused.json()
    assert body["error"]["code"] == "rate_limited"
    assert "3" in body["error"]["message"] and body["detail"] == body["error"]["message"]
    assert int(api_refused["Retry-After"]) >= 1


def test_the_sql_rerun_page_is_limited_as_queries(client, api, rates):
    rates(user={"query": "2/min"})
    logged_in(client, "analista")
    sql = "SELECT canal, COUNT(*) FROM ventas GROUP BY canal"
    assert client.post("/chat/sql/", {"sql": sql}, **HTMX).status_code == 200
    assert (
        api("acme", "analista").post("/api/v1/query/", {"sql": sql}, format="json").status_code
        == 200
    )
    refused = client.post("/chat/sql/", {"sql": sql}, **HTMX)
    assert refused.status_code == 429
    assert 'data-rate-limited="query"' in refused.content.decode()
    # questions are another scope: still fine
    assert client.post("/chat/", {"question": QUESTION}, **HTMX).status_code == 200


def test_the_audit_export_page_is_limited_as_exports(client, rates):
    rates(user={"export": "1/min"})
    logged_in(client, "auditor")
    assert client.get("/compliance/audit/export/?format=csv").status_code == 200
    refused = client.get("/compliance/audit/export/?format=csv")
    assert refused.status_code == 429 and "Retry-After" in refused
    assert 'data-rate-limited="export"' in refused.content.decode()


# --- per organization -------------------------------------------------------------------------


def test_the_org_limit_counts_all_members_together(client, api, rates):
    rates(user={"chat": "100/min"}, org={"chat": "2/min"})
    analista, cientifica = api("acme", "analista"), api("acme", "cientifica")
    assert analista.post("/api/v1/chat/", {"question": QUESTION}, format="json").status_code == 200
    assert (
        cientifica.post("/api/v1/chat/", {"question": QUESTION}, format="json").status_code == 200
    )
    third = api("acme", "admin").post("/api/v1/chat/", {"question": QUESTION}, format="json")
    assert third.status_code == 429
    assert "organiza" in third.json()["error"]["message"]  # says it is the org's limit
    # another organization is not affected
    globex = api("globex", "globex_analyst")
    assert (
        globex.post(
            "/api/v1/chat/", {"question": "¿Cuántos pedidos hay?"}, format="json"
        ).status_code
        == 200
    )
    # and the refused member's own count was given back: only the org limit held them
    logged_in(client, "admin")
    assert client.post("/chat/", {"question": QUESTION}, **HTMX).status_code == 429


def test_an_org_override_in_the_admin_applies(api, rates):
    rates(user={"chat": "100/min"}, org={"chat": "100/min"})
    acme = Organization.objects.get(slug="acme")
    acme.rate_limits = {"chat": "1/min"}
    acme.full_clean()
    acme.save()
    assert (
        api("acme", "analista")
        .post("/api/v1/chat/", {"question": QUESTION}, format="json")
        .status_code
        == 200
    )
    assert (
        api("acme", "visor")
        .post("/api/v1/chat/", {"question": QUESTION}, format="json")
        .status_code
        == 429
    )


@pytest.mark.parametrize(
    "limits",
    [{"chat": "lots"}, {"chat": "0/min"}, {"everything": "1/min"}, ["1/min"], {"chat": ["1/min"]}],
)
def test_a_bad_org_override_is_a_validation_error(limits):
    acme = Organization.objects.get(slug="acme")
    acme.rate_limits = limits
    with pytest.raises(ValidationError) as error:
        acme.full_clean()
    assert "rate_limits" in error.value.message_dict


def test_a_cache_fault_falls_back_to_a_local_limiter(monkeypatch, rates):
    # A broken cache must not take the product down, nor open the limits (issue 15): the same
    # counter runs in this process's memory (tests/faults/test_redis_down.py with a real Redis).
    from apps.governance.ratelimit import _LOCAL

    _LOCAL.clear()
    rates(user={"chat": "1/min"})

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "add", broken)
    assert rate_check(scope="chat", user_id=1) is None
    assert rate_check(scope="chat", user_id=1) is not None
    _LOCAL.clear()


def test_only_platform_staff_set_an_orgs_budget_and_rates(client, django_user_model):
    # An org's own administrator cannot raise what their org may spend or how fast it may ask
    acme = Organization.objects.get(slug="acme")
    admin_user = django_user_model.objects.get(username="admin")
    assert admin_user.is_staff and not admin_user.is_superuser
    client.force_login(admin_user)
    page = client.get(f"/admin/governance/organization/{acme.pk}/change/").content.decode()
    assert 'name="llm_monthly_token_budget"' not in page and 'name="rate_limits"' not in page
    root = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(root)
    page = client.get(f"/admin/governance/organization/{acme.pk}/change/").content.decode()
    assert 'name="llm_monthly_token_budget"' in page and 'name="rate_limits"' in page


def test_the_openapi_document_lists_429_for_the_limited_endpoints(client, member):
    client.force_login(member("acme", "analista").user)
    schema = client.get("/api/schema/?format=json").json()
    for path, method in (
        ("/api/v1/chat/", "post"),
        ("/api/v1/query/", "post"),
        ("/api/v1/messages/{id}/export/", "get"),
        ("/api/v1/tokens/", "post"),
    ):
        assert "429" in schema["paths"][path][method]["responses"], path
