"""Conversations: your own, in your org, newest first, searchable, paginated; rename, archive,
delete by the owner only; another member's or another org's conversation is a 404."""

from __future__ import annotations

import pytest
from guardian.shortcuts import assign_perm

from apps.chat.models import Conversation, Message

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:  # noqa: ANN001
    return [item["id"] for item in response.json()["results"]]


def test_the_list_shows_only_my_conversations_in_my_org_newest_first(api, run_sql):
    # Given conversations of mine, of a colleague and of another org
    first = run_sql("acme", "analista", "SELECT COUNT(*) FROM ventas")
    second = run_sql("acme", "analista", "SELECT COUNT(*) FROM productos")
    colleague = run_sql("acme", "cientifica", "SELECT COUNT(*) FROM clientes")
    foreign = run_sql("globex", "globex_analyst", "SELECT COUNT(*) FROM pedidos")
    # When I list my conversations
    response = api("acme", "analista").get("/api/v1/conversations/")
    # Then I see mine, newest first, and nothing else
    assert response.status_code == 200
    mine = ids(response)
    assert mine[:2] == [second["conversation_id"], first["conversation_id"]]
    assert colleague["conversation_id"] not in mine
    assert foreign["conversation_id"] not in mine
    item = response.json()["results"][0]
    assert item["source"] == "empresa" and item["message_count"] == 1
    # and the other org's user sees theirs only
    theirs = ids(api("globex", "globex_analyst").get("/api/v1/conversations/"))
    assert foreign["conversation_id"] in theirs
    assert not {first["conversation_id"], second["conversation_id"]} & set(theirs)


def test_search_matches_titles_and_questions(api, run_sql, stored_answer):
    run_sql("acme", "analista", "SELECT COUNT(*) FROM ventas")
    wanted = stored_answer("acme", "analista", "SELECT 1", question="Margen por categoría")
    renamed = stored_answer("acme", "analista", "SELECT 1", question="otra cosa")
    Conversation.all_tenants.filter(pk=renamed.conversation_id).update(title="Informe de margen")
    foreign = stored_answer("globex", "globex_analyst", "SELECT 1", question="margen globex")
    found = ids(api("acme", "analista").get("/api/v1/conversations/", {"q": "MARGEN"}))
    assert set(found) == {wanted.conversation_id, renamed.conversation_id}
    assert foreign.conversation_id not in found


def test_the_list_is_paginated(api, member):
    analista = member("acme", "analista")
    Conversation.all_tenants.bulk_create(
        Conversation(organization=analista.organization, user=analista.user, title=f"c{i}")
        for i in range(30)
    )
    client = api("acme", "analista")
    page = client.get("/api/v1/conversations/").json()
    assert page["count"] >= 30 and len(page["results"]) == 25 and page["next"]
    small = client.get("/api/v1/conversations/", {"page_size": 10, "page": 2}).json()
    assert len(small["results"]) == 10 and small["previous"]
    capped = client.get("/api/v1/conversations/", {"page_size": 1000}).json()
    assert len(capped["results"]) <= 100
    assert client.get("/api/v1/conversations/", {"page": 999}).status_code == 404


def test_the_detail_has_the_messages_with_their_answers(api, run_sql):
    answer = run_sql(
        "acme", "analista", "SELECT region, COUNT(*) AS n FROM ventas GROUP BY region ORDER BY 1"
    )
    response = api("acme", "analista").get(f"/api/v1/conversations/{answer['conversation_id']}/")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == answer["conversation_id"]
    [message] = body["messages"]
    assert message["id"] == answer["message_id"]
    assert message["question"].startswith("SELECT region")
    assert message["answer"]["rows"] == answer["rows"]
    assert message["answer"]["sql"] == answer["sql"]
    assert message["feedback"] is None and message["created_at"]


def test_another_members_or_another_orgs_conversation_is_a_404(api, run_sql):
    mine = run_sql("acme", "analista", "SELECT COUNT(*) FROM ventas")["conversation_id"]
    foreign = run_sql("globex", "globex_analyst", "SELECT COUNT(*) FROM pedidos")["conversation_id"]
    colleague = api("acme", "cientifica")
    outsider = api("globex", "globex_analyst")
    for client, pk in ((colleague, mine), (outsider, mine), (api("acme", "admin"), foreign)):
        url = f"/api/v1/conversations/{pk}/"
        assert client.get(url).status_code == 404
        assert client.patch(url, {"title": "x"}, format="json").status_code == 404
        assert client.delete(url).status_code == 404
    assert Conversation.all_tenants.filter(pk__in=[mine, foreign]).count() == 2


def test_rename_and_archive(api, run_sql):
    pk = run_sql("acme", "analista", "SELECT COUNT(*) FROM ventas")["conversation_id"]
    client = api("acme", "analista")
    url = f"/api/v1/conversations/{pk}/"
    renamed = client.patch(url, {"title": "  Ventas 2025  "}, format="json")
    assert renamed.status_code == 200 and renamed.json()["title"] == "Ventas 2025"
    unchanged = client.patch(url, {}, format="json")  # nothing to change: a no-op
    assert unchanged.status_code == 200 and unchanged.json()["title"] == "Ventas 2025"
    assert client.patch(url, {"title": ""}, format="json").status_code == 400
    assert client.patch(url, {"archived": "yes"}, format="json").status_code == 400
    archived = client.patch(url, {"archived": True}, format="json")
    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert pk not in ids(client.get("/api/v1/conversations/"))
    assert pk in ids(client.get("/api/v1/conversations/", {"archived": "true"}))
    client.patch(url, {"archived": False}, format="json")
    assert pk in ids(client.get("/api/v1/conversations/"))


def test_delete_removes_the_conversation_but_not_its_audit_trail(api, run_sql):
    from apps.governance.models import AuditEntry

    answer = run_sql("acme", "analista", "SELECT COUNT(*) FROM ventas")
    client = api("acme", "analista")
    url = f"/api/v1/conversations/{answer['conversation_id']}/"
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert not Message.all_tenants.filter(pk=answer["message_id"]).exists()
    assert AuditEntry.objects.filter(details__message_id=answer["message_id"]).exists()


def test_a_shared_conversation_is_readable_but_only_its_owner_changes_it(api, run_sql, member):
    # Given the analyst shares a conversation with the viewer (a guardian object permission)
    answer = run_sql("acme", "analista", "SELECT region, total FROM ventas LIMIT 5")
    conversation = Conversation.all_tenants.get(pk=answer["conversation_id"])
    assign_perm("chat.view_conversation", member("acme", "visor").user, conversation)
    visor = api("acme", "visor")
    url = f"/api/v1/conversations/{conversation.pk}/"
    # Then the viewer reads it, without the rows computed under the analyst's wider policy
    body = visor.get(url).json()
    answer_seen = body["messages"][0]["answer"]
    assert answer_seen["rows"] == [] and answer_seen["rows_withheld"] is True
    # and may not rename, delete or rate it
    assert visor.patch(url, {"title": "mine now"}, format="json").status_code == 403
    assert visor.delete(url).json()["error"]["code"] == "not_owner"
    feedback = f"/api/v1/messages/{answer['message_id']}/feedback/"
    assert visor.post(feedback, {"rating": "down"}, format="json").status_code == 403
    # and it is not in the viewer's own list
    assert conversation.pk not in ids(visor.get("/api/v1/conversations/"))
