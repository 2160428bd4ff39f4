"""The chat and query endpoints under the tenant base: another org's conversation or source is
never reachable, and answers land in the caller's own conversations."""

from __future__ import annotations

import pytest

from apps.chat.models import Message

pytestmark = pytest.mark.django_db


def test_chat_cannot_continue_another_orgs_conversation(api, run_sql):
    foreign = run_sql("globex", "globex_analyst", "SELECT COUNT(*) FROM pedidos")
    before = Message.all_tenants.filter(conversation_id=foreign["conversation_id"]).count()
    messages = Message.all_tenants.count()
    response = api("acme", "analista").post(
        "/api/v1/chat/",
        {"question": "Total de ventas", "conversation_id": foreign["conversation_id"]},
        format="json",
    )
    # Like every other foreign id: 404, and no conversation or message is made for it.
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    after = Message.all_tenants.filter(conversation_id=foreign["conversation_id"]).count()
    assert after == before
    assert Message.all_tenants.count() == messages


def test_query_cannot_name_another_orgs_source(api):
    response = api("acme", "admin").post(
        "/api/v1/query/", {"sql": "SELECT COUNT(*) FROM pedidos", "source": "globex"}, format="json"
    )
    body = response.json()
    assert body["type"] == "ERROR" and body["error"]["code"] == "unknown_source"
    assert body["rows"] == []


def test_an_answer_over_the_api_lands_in_my_conversations(api):
    client = api("acme", "analista")
    answer = client.post("/api/v1/chat/", {"question": "Total de ventas por región"}, format="json")
    assert answer.status_code == 200 and answer.json()["type"] == "SQL"
    listed = client.get("/api/v1/conversations/").json()["results"]
    assert listed[0]["id"] == answer.json()["conversation_id"]
    outsider = api("globex", "globex_analyst")
    assert outsider.get(f"/api/v1/conversations/{listed[0]['id']}/").status_code == 404


def test_invalid_input_is_a_400_with_the_error_shape(api):
    response = api("acme", "analista").post("/api/v1/chat/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "question" in response.json()
