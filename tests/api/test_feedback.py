"""Feedback on answers: stored on the message; a 👍 on a plain SQL answer proposes an example."""

from __future__ import annotations

import pytest

from apps.chat.models import Message
from apps.knowledge.models import KnowledgeChange, VerifiedExample

pytestmark = pytest.mark.django_db

SQL = "SELECT categoria, SUM(total) AS ingresos FROM ventas GROUP BY categoria"


def url(message_id: int) -> str:
    return f"/api/v1/messages/{message_id}/feedback/"


def test_thumbs_down_stores_rating_comment_and_tags(api, stored_answer):
    message = stored_answer("acme", "analista", SQL, question="Ingresos por categoría")
    response = api("acme", "analista").post(
        url(message.pk),
        {"rating": "down", "comment": "faltan meses", "tags": ["wrong_numbers", "too_slow"]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {
        "message_id": message.pk,
        "feedback": {
            "rating": "down",
            "comment": "faltan meses",
            "tags": ["wrong_numbers", "too_slow"],
        },
        "proposed_example": None,
    }
    message.refresh_from_db()
    assert (message.feedback_rating, message.feedback_tags) == (
        "down",
        ["wrong_numbers", "too_slow"],
    )
    assert not VerifiedExample.all_tenants.filter(source_message_id=message.pk).exists()
    # and the conversation shows it
    detail = api("acme", "analista").get(f"/api/v1/conversations/{message.conversation_id}/")
    assert detail.json()["messages"][0]["feedback"]["rating"] == "down"


def test_thumbs_up_on_an_sql_answer_proposes_a_verified_example(api, stored_answer, member):
    message = stored_answer("acme", "analista", SQL, question="Ingresos por categoría")
    version_before = member("acme", "analista").organization.knowledge_version
    client = api("acme", "analista")
    response = client.post(url(message.pk), {"rating": "up"}, format="json")
    assert response.status_code == 200
    proposed = response.json()["proposed_example"]
    example = VerifiedExample.all_tenants.get(pk=proposed["id"])
    assert proposed["status"] == example.status == VerifiedExample.Status.PROPOSED
    assert example.question == "Ingresos por categoría" and example.sql == SQL
    assert example.source_message_id == message.pk
    assert example.proposed_by == member("acme", "analista").user
    assert example.organization.slug == "acme" and example.data_source.name == "empresa"
    assert example.tables_used == ["ventas"]
    # the steward's history records it; answers (and caches) do not change until approved
    assert KnowledgeChange.all_tenants.filter(object_id=example.pk, action="proposed").exists()
    assert member("acme", "analista").organization.knowledge_version == version_before
    # a second 👍 proposes nothing new
    again = client.post(url(message.pk), {"rating": "up"}, format="json").json()
    assert again["proposed_example"]["id"] == example.pk
    assert VerifiedExample.all_tenants.filter(source_message_id=message.pk).count() == 1


def test_an_approved_example_with_the_same_question_is_left_alone(api, stored_answer, member):
    from apps.knowledge.selectors import datasource_get
    from apps.knowledge.services import example_upsert

    source = datasource_get(org=member("acme", "analista").organization)
    approved, _ = example_upsert(
        data_source=source,
        question="Ingresos por categoría",
        sql=SQL + " ORDER BY 2 DESC",
        tables_used=["ventas"],
    )
    message = stored_answer("acme", "analista", SQL, question="Ingresos por categoría")
    api("acme", "analista").post(url(message.pk), {"rating": "up"}, format="json")
    approved.refresh_from_db()
    assert approved.status == VerifiedExample.Status.APPROVED
    assert approved.sql == SQL + " ORDER BY 2 DESC"


def test_no_example_from_answers_shaped_by_one_persons_scope(api, stored_answer, run_sql):
    # A viewer's answer carries their row filter; typed SQL has no question to pair it with.
    filtered = stored_answer(
        "acme", "visor", SQL, scope=["ventas.region IN ('Norte')"], question="Ventas"
    )
    typed = run_sql("acme", "analista", SQL)
    refused = stored_answer(
        "acme", "analista", "", answer_type="REFUSED", error={"code": "table_not_allowed"}
    )
    for client, message_id in (
        (api("acme", "visor"), filtered.pk),
        (api("acme", "analista"), typed["message_id"]),
        (api("acme", "analista"), refused.pk),
    ):
        response = client.post(url(message_id), {"rating": "up"}, format="json")
        assert response.status_code == 200
        assert response.json()["proposed_example"] is None
        assert Message.all_tenants.get(pk=message_id).feedback_rating == "up"
    assert not VerifiedExample.all_tenants.filter(
        source_message_id__in=[filtered.pk, typed["message_id"], refused.pk]
    ).exists()


def test_invalid_feedback_is_a_400(api, stored_answer):
    message = stored_answer("acme", "analista", SQL)
    client = api("acme", "analista")
    assert client.post(url(message.pk), {"rating": "meh"}, format="json").status_code == 400
    bad_tag = client.post(url(message.pk), {"rating": "down", "tags": ["rude"]}, format="json")
    assert bad_tag.status_code == 400 and bad_tag.json()["error"]["code"] == "invalid"
    assert client.post(url(message.pk), {}, format="json").status_code == 400


def test_another_orgs_or_a_colleagues_message_is_a_404(api, stored_answer):
    foreign = stored_answer("globex", "globex_analyst", "SELECT COUNT(*) FROM pedidos")
    colleague = stored_answer("acme", "cientifica", SQL)
    analista = api("acme", "analista")
    for message in (foreign, colleague):
        response = analista.post(url(message.pk), {"rating": "up"}, format="json")
        assert response.status_code == 404
        message.refresh_from_db()
        assert message.feedback_rating == ""
    assert not VerifiedExample.all_tenants.filter(source_message_id=foreign.pk).exists()
