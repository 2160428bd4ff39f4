"""/health, /ready and /metrics: the public learns up or down; details need a platform operator
(a superuser) or the health token. An org admin is Django staff but not the platform's operator."""

from __future__ import annotations

import json

import pytest

from tests.support.fixtures import api_key_for, login_request
from tests.support.services import manage_runner

pytestmark = pytest.mark.django_db

HEALTH_TOKEN = "health-token-for-the-test-0123456789"
METRICS_TOKEN = "metrics-token-for-the-test-0123456789"


@pytest.fixture
def tokens(settings):  # noqa: ANN001, ANN201
    settings.DATACHAT_HEALTH_TOKEN = HEALTH_TOKEN
    settings.DATACHAT_METRICS_TOKEN = ""
    return settings


def test_anonymous_health_and_ready_say_only_up(client, tokens):
    # Given nobody logged in and no token
    # When the public asks /health and /ready
    health = client.get("/health")
    ready = client.get("/ready")
    # Then each answers its status and nothing else
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}


@pytest.fixture
def operator(django_user_model):  # noqa: ANN001, ANN201
    return django_user_model.objects.create_superuser("operator", password="operator-pass-1")


@pytest.mark.parametrize(
    "how", ["operator_session", "operator_api_token", "health_token"], ids=lambda how: how
)
def test_authorised_callers_get_a_status_per_dependency(client, operator, tokens, how):
    # Given one of the three ways to be allowed the details
    headers = {}
    if how == "operator_session":
        client.force_login(operator)
    elif how == "operator_api_token":
        key = api_key_for(operator)
        headers = {"HTTP_AUTHORIZATION": f"Token {key}"}
    else:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {HEALTH_TOKEN}"}
    # When it asks /health and /ready
    health = client.get("/health", **headers)
    ready = client.get("/ready", **headers)
    # Then it sees each dependency's state
    assert health.status_code == 200
    assert set(health.json()["checks"]) >= {"database", "cache", "vector_store"}
    assert all(c["status"] == "ok" for c in health.json()["checks"].values())
    assert ready.json()["checks"]["migrations"]["detail"] == "applied"


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_AUTHORIZATION": "Bearer not-the-token"},
        {"HTTP_AUTHORIZATION": "Token not-a-real-token"},
        {"HTTP_AUTHORIZATION": f"Token {HEALTH_TOKEN}"},  # right secret, wrong scheme
        {},
    ],
    ids=["wrong_bearer", "bad_api_token", "wrong_scheme", "analyst_session"],
)
def test_wrong_tokens_and_plain_users_get_only_the_public_answer(client, tokens, headers):
    if not headers:
        client.login(request=login_request(), username="analista", password="datachat-demo")
    response = client.get("/health", **headers)
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_a_non_staff_api_token_gets_only_the_public_answer(client, member, tokens):
    key = api_key_for(member("acme", "analista").user)
    response = client.get("/health", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.json() == {"status": "ok"}


def test_an_org_admin_is_staff_but_gets_only_the_public_answer(client, member, tokens):
    # Given an org's admin, who is Django staff (the admin site) but not the platform's operator
    admin = member("acme", "admin").user
    assert admin.is_staff and not admin.is_superuser
    # When they ask /health by session and by API token
    client.login(request=login_request(), username="admin", password="datachat-demo")
    by_session = client.get("/health")
    by_token = client.get("/health", HTTP_AUTHORIZATION=f"Token {api_key_for(admin)}")
    # Then neither shows the platform's dependencies (hosts, queue depth across every org)
    assert by_session.json() == {"status": "ok"}
    assert by_token.json() == {"status": "ok"}


def test_a_failing_dependency_is_503_and_names_no_host(client, tokens):
    # Given a broker that cannot be reached (its URL names a host and port)
    tokens.REDIS_URL = "redis://127.0.0.1:1/0"
    # When the public and an authorised caller ask /health
    public = client.get("/health")
    detailed = client.get("/health", HTTP_AUTHORIZATION=f"Bearer {HEALTH_TOKEN}")
    # Then both get 503; the public only "unavailable", the operator which dependency failed,
    # and neither the broker's address nor the driver's message
    assert public.status_code == 503 and public.json() == {"status": "unavailable"}
    assert detailed.status_code == 503
    body = detailed.json()
    assert body["status"] == "degraded"
    assert body["checks"]["broker"]["status"] == "error"
    assert body["checks"]["broker"]["detail"] == "ConnectionError"
    assert "127.0.0.1" not in detailed.content.decode()
    assert ":1" not in json.dumps(body["checks"]["broker"]["detail"])


def test_ready_never_prints_the_database_host_even_to_the_operator(tmp_path):
    # Given a process whose app database does not answer (a real refused connection)
    run = manage_runner(
        DATACHAT_DATA_DIR=str(tmp_path),
        DATABASE_URL="postgres://datachat:secret@127.0.0.1:1/nowhere",
        DATACHAT_HEALTH_TOKEN=HEALTH_TOKEN,
    )
    code = (
        "from django.test import Client; c = Client(); "
        f"r = c.get('/ready', HTTP_AUTHORIZATION='Bearer {HEALTH_TOKEN}'); "
        "p = Client().get('/ready'); "
        "print(r.status_code, p.status_code, r.content.decode(), p.content.decode())"
    )
    # When the operator (with the token) and the public ask /ready
    out = run("shell", "--no-imports", "-c", code).stdout.strip().splitlines()[-1]
    # Then both get 503 and the database's host, port, name and user appear nowhere
    assert out.startswith("503 503 ")
    assert '"database": {"status": "error", "detail": "OperationalError"' in out
    for secret in ("127.0.0.1", "nowhere", "datachat:", "secret", "port 1"):
        assert secret not in out


def test_metrics_require_the_bearer_token_when_one_is_set(client, settings):
    settings.DATACHAT_METRICS_TOKEN = METRICS_TOKEN
    missing = client.get("/metrics")
    assert missing.status_code == 401 and missing["WWW-Authenticate"].startswith("Bearer")
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 403
    staff_session_alone = client
    staff_session_alone.login(request=login_request(), username="admin", password="datachat-demo")
    assert staff_session_alone.get("/metrics").status_code == 401
    right = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")
    assert right.status_code == 200 and b"datachat_answers_total" in right.content


def test_metrics_are_open_when_no_token_is_configured(client, settings):
    settings.DATACHAT_METRICS_TOKEN = ""
    response = client.get("/metrics")
    assert response.status_code == 200 and b"datachat_answers_total" in response.content


@pytest.fixture
def health_memo(settings, monkeypatch):  # noqa: ANN001, ANN201
    """/health's per-process memo on (30 s), a clock the test moves, the checks counted."""
    from datachat import observability

    clock = {"now": 1000.0}
    monkeypatch.setattr(observability, "_clock", lambda: clock["now"])
    monkeypatch.setitem(observability._HEALTH_MEMO, "checks", None)
    monkeypatch.setitem(observability._HEALTH_MEMO, "until", 0.0)
    runs = []
    real = observability._database

    def counted() -> str:
        runs.append(clock["now"])
        return real()

    monkeypatch.setattr(observability, "_database", counted)
    settings.DATACHAT_HEALTH_CACHE_SECONDS = 30
    settings.DATACHAT_HEALTH_TOKEN = HEALTH_TOKEN
    return clock, runs


def test_health_runs_its_checks_once_per_interval_and_keeps_details_private(client, health_memo):
    clock, runs = health_memo
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {HEALTH_TOKEN}"}
    # Given one /health that ran the checks
    assert client.get("/health", **bearer).json()["checks"]["database"]["status"] == "ok"
    # When the public and the operator ask again within the interval
    clock["now"] += 29
    public = client.get("/health")
    detailed = client.get("/health", **bearer)
    # Then nothing is checked again, and only the operator sees the (remembered) details
    assert len(runs) == 1
    assert public.json() == {"status": "ok"}
    assert detailed.json()["checks"]["database"]["status"] == "ok"
    # And once the interval is over, the next call checks afresh
    clock["now"] += 2
    client.get("/health")
    assert len(runs) == 2


def test_a_remembered_failure_clears_at_the_next_interval(client, health_memo, monkeypatch):
    from datachat import observability

    clock, runs = health_memo
    real = observability._cache

    def broken() -> str:
        raise observability.HealthProblem("cache read-back failed")

    # Given a failing cache: 503, remembered for the interval even after the cache recovers
    monkeypatch.setattr(observability, "_cache", broken)
    assert client.get("/health").status_code == 503
    monkeypatch.setattr(observability, "_cache", real)
    clock["now"] += 10
    assert client.get("/health").status_code == 503
    # When the interval is over, Then /health sees the recovery
    clock["now"] += 30
    assert client.get("/health").status_code == 200
    assert len(runs) == 2
