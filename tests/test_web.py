"""The web path uses the same pipeline: health, login, the chat page and the chat/query API."""

from __future__ import annotations

import pytest

from tests.support.fixtures import api_key_for, login_request

pytestmark = pytest.mark.django_db


def test_health_reports_each_dependency(client, django_user_model):
    # The per-dependency detail is for platform operators (the public sees only up/down:
    # tests/posture/test_health.py)
    client.force_login(django_user_model.objects.create_superuser("operator", password="op-pass-1"))
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert set(body["checks"]) >= {"database", "cache", "vector_store"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert body["status"] == "ok"


def test_ready_and_metrics(client):
    assert client.get("/ready").json()["status"] == "ready"
    client.login(request=login_request(), username="analista", password="datachat-demo")
    client.post("/chat/", {"question": "Total de ventas"})
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert b"datachat_answers_total" in metrics.content


def test_login_page_and_redirect_for_anonymous(client):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert b'name="username"' in page.content and b'name="password"' in page.content
    assert client.get("/chat/").status_code == 302
    response = client.post(
        "/accounts/login/", {"username": "analista", "password": "datachat-demo"}
    )
    # without `next`: the last conversation (or, for compliance, the audit log)
    assert response.status_code == 302 and response["Location"] == "/chat/last/"
    wrong = client.post("/accounts/login/", {"username": "analista", "password": "nope"})
    assert wrong.status_code == 200 and b'role="alert"' in wrong.content


def test_chat_page_asks_and_shows_table_and_chart(client):
    client.login(request=login_request(), username="analista", password="datachat-demo")
    page = client.get("/chat/")
    assert b'name="question"' in page.content
    response = client.post(
        "/chat/", {"question": "¿Cuál fue el total de ventas por región?"}, follow=True
    )
    html = response.content.decode()
    assert "<table" in html and "Norte" in html and "Oeste" in html
    assert 'class="chart"' in html and "plotly" in html.lower()


def test_visor_sees_only_norte_on_the_page(client):
    client.login(request=login_request(), username="visor", password="datachat-demo")
    html = client.post(
        "/chat/", {"question": "¿Cuál fue el total de ventas por región?"}, follow=True
    ).content.decode()
    assert "Norte" in html and "Oeste" not in html


def test_api_chat_and_query_with_a_token(client, member):
    key = api_key_for(member("acme", "analista").user)
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"}
    chat = client.post(
        "/api/v1/chat/",
        {"question": "Top 3 productos por ingresos"},
        content_type="application/json",
        **headers,
    )
    assert chat.status_code == 200 and chat.json()["type"] == "SQL"
    assert len(chat.json()["rows"]) == 3
    query = client.post(
        "/api/v1/query/",
        {"sql": "UPDATE ventas SET total = 0"},
        content_type="application/json",
        **headers,
    )
    assert query.status_code == 200
    assert query.json()["type"] == "REFUSED"
    assert query.json()["error"]["code"] == "sql_not_read_only"
    assert client.post(
        "/api/v1/chat/", {"question": "x"}, content_type="application/json"
    ).status_code in (401, 403)


def test_api_schema_and_docs_are_served_offline(client):
    client.login(request=login_request(), username="analista", password="datachat-demo")
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/chat/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()


def test_static_assets_are_served_by_the_app_itself(client):
    # `make run` serves with DEBUG off: the app (WhiteNoise) must serve its vendored assets.
    for path in ("/static/css/datachat.css", "/static/vendor/htmx/htmx.min.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert len(body) > 100
