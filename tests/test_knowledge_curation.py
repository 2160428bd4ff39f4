"""Stewards curate knowledge in the admin: scoped to their org, versioned, reflected in answers."""

from __future__ import annotations

import pytest

from apps.chat.pipeline import ask
from apps.knowledge.models import Document, KnowledgeChange, VerifiedExample
from apps.knowledge.services import (
    catalog_refresh,
    example_review,
    example_upsert,
    table_document_generate,
)

pytestmark = pytest.mark.django_db


def test_steward_edits_a_document_in_the_admin_and_cached_answers_die(client, member):
    steward = member("acme", "steward")
    analista = member("acme", "analista")
    question = "¿Cómo se calcula el ticket promedio?"
    first = ask(membership=analista, question=question)
    assert first["type"] == "RAG" and ask(membership=analista, question=question)["cached"]

    doc = Document.all_tenants.get(organization=steward.organization, kind="GLOSSARY")
    version = doc.version
    client.force_login(steward.user)
    page = client.get(f"/admin/knowledge/document/{doc.pk}/change/")
    assert page.status_code == 200
    response = client.post(
        f"/admin/knowledge/document/{doc.pk}/change/",
        {
            "organization": doc.organization_id,
            "data_source": doc.data_source_id or "",
            "kind": doc.kind,
            "title": doc.title,
            "body": doc.body + "\n\nNota del steward: revisado.",
            "table_name": doc.table_name,
            "generated": "",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    doc.refresh_from_db()
    assert doc.version == version + 1 and doc.updated_by == steward.user
    change = KnowledgeChange.all_tenants.filter(object_type="document", object_id=doc.pk).latest(
        "created_at"
    )
    assert change.user == steward.user and "body" in change.changes
    after = ask(membership=analista, question=question)
    assert not after["cached"], "the knowledge version changed: the old answer is not served"


def test_steward_cannot_see_another_orgs_knowledge_in_the_admin(client, member):
    steward = member("acme", "steward")
    foreign = Document.all_tenants.filter(organization__slug="globex").first()
    client.force_login(steward.user)
    listing = client.get("/admin/knowledge/document/")
    assert listing.status_code == 200
    assert foreign.title.encode() not in listing.content
    assert client.get(f"/admin/knowledge/document/{foreign.pk}/change/").status_code in (302, 404)


def test_analysts_have_no_admin(client, member):
    client.force_login(member("acme", "analista").user)
    response = client.get("/admin/knowledge/document/")
    assert response.status_code == 302  # to the admin login: not staff


def test_review_queue_and_stale_examples(member):
    steward = member("acme", "steward")
    source = (
        steward.organization
        and Document.all_tenants.filter(organization=steward.organization).first().data_source
    )
    proposed, _ = example_upsert(
        data_source=source,
        question="Ventas por canal en 2025",
        sql="SELECT canal, SUM(total) FROM ventas WHERE fecha >= '2025-01-01' GROUP BY canal",
        tables_used=[],
        status=VerifiedExample.Status.PROPOSED,
    )
    example_review(example=proposed, user=steward.user, approve=True)
    proposed.refresh_from_db()
    assert proposed.status == "APPROVED" and proposed.reviewed_by == steward.user
    assert proposed.tables_used == ["ventas"]

    gone, _ = example_upsert(
        data_source=source, question="Old", sql="SELECT * FROM obsoleta", tables_used=["obsoleta"]
    )
    catalog_refresh(data_source=source)
    gone.refresh_from_db()
    proposed.refresh_from_db()
    assert gone.status == "STALE" and "obsoleta" in gone.stale_reason
    assert proposed.status == "APPROVED"


def test_generated_table_documents_fill_gaps(member):
    org = member("acme", "steward").organization
    doc = Document.all_tenants.get(organization=org, kind="TABLE", table_name="productos")
    source = doc.data_source
    doc.delete()
    assert table_document_generate(data_source=source) == 1
    generated = Document.all_tenants.get(organization=org, kind="TABLE", table_name="productos")
    assert generated.generated and "precio_lista" in generated.body
    assert table_document_generate(data_source=source) == 0


def test_an_analyst_asking_about_a_hidden_table_gets_no_column_names(member):
    answer = ask(
        membership=member("acme", "analista"), question="¿Qué columnas tiene la tabla empleados?"
    )
    text = answer["answer"].lower()
    for column in ("salario", "cuenta_bancaria", "fecha_ingreso", "cargo"):
        assert column not in text
    assert answer["type"] in ("RAG", "CLARIFY", "REFUSED")


def test_a_kept_member_reads_the_orgs_new_limits_at_its_next_question(member):
    from apps.governance.models import Organization

    # Given a member object kept across questions (a batch, a worker)
    analista = member("acme", "analista")
    assert ask(membership=analista, question="Ventas por producto")["type"] == "SQL"
    # When an administrator lowers the org's row cap meanwhile
    Organization.objects.filter(pk=analista.organization.pk).update(row_cap=2)
    answer = ask(membership=analista, question="Número de pedidos por producto")
    # Then the next question reads it (the org row comes with the data source's)
    assert answer["type"] == "SQL"
    assert analista.organization.row_cap == 2
