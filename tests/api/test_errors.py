"""Bad input over HTTP: JSON errors with stable codes, never HTML or a coerced value."""

from __future__ import annotations

import pytest

from tests.support.fixtures import api_key_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def headers(member):  # noqa: ANN001, ANN201
    key = api_key_for(member("acme", "analista").user)
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


@pytest.mark.parametrize(
    "path", ["/api/v1/conversations/abc/", "/api/v1/nope/", "/api/v1/datasources/empresa/"]
)
def test_unknown_api_paths_are_json_404(client, headers, path):
    response = client.get(path, **headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("path", "body"),
    [("/api/v1/query/", {"sql": 1}), ("/api/v1/chat/", {"question": 123})],
)
def test_non_string_text_is_a_400(client, headers, path, body):
    response = client.post(path, body, content_type="application/json", **headers)
    assert response.status_code == 400


def test_query_messages_follow_the_api_language(client, headers):
    response = client.post(
        "/api/v1/query/",
        {"sql": "DELETE FROM ventas"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **headers,
    )
    body = response.json()
    assert body["type"] == "REFUSED"
    assert body["lang"] == "en"
