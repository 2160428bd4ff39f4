"""The admin as an attacker with globex's ADMIN login against acme's ids: every object view
(change, delete, history) answers 404, exactly as an id that does not exist, and nothing of
acme's changes through a bulk action naming its ids. Django's default for an object outside the
queryset is a redirect to the admin index with a message; the project's contract for another
org's object is a 404 (tests/api/test_access.py: a missing and a foreign object answer alike)."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from apps.chat.models import Conversation, Message
from apps.governance.models import AccessPolicy, AuditEntry, Membership, Organization
from apps.governance.services import membership_create
from apps.knowledge.models import (
    CatalogForeignKey,
    CatalogTable,
    DataSource,
    Document,
    KnowledgeChange,
    Metric,
)
from tests.support.fixtures import login_request

pytestmark = pytest.mark.django_db

PASSWORD = "globex-admin-pw-1"

# (admin URL part, how to find one of acme's objects)
ACME_OBJECTS = {
    "governance/organization": lambda acme: acme,
    "governance/membership": lambda acme: Membership.all_tenants.for_org(acme).first(),
    "governance/accesspolicy": lambda acme: AccessPolicy.all_tenants.for_org(acme).first(),
    "governance/auditentry": lambda acme: AuditEntry.objects.filter(organization=acme).first(),
    "knowledge/datasource": lambda acme: DataSource.all_tenants.for_org(acme).first(),
    "knowledge/catalogtable": lambda acme: CatalogTable.all_tenants.for_org(acme).first(),
    "knowledge/catalogforeignkey": lambda acme: CatalogForeignKey.all_tenants.for_org(acme).first(),
    "knowledge/document": lambda acme: Document.all_tenants.for_org(acme).first(),
    "knowledge/metric": lambda acme: Metric.all_tenants.for_org(acme).first(),
    "knowledge/knowledgechange": lambda acme: KnowledgeChange.all_tenants.for_org(acme).first(),
    "chat/conversation": lambda acme: Conversation.all_tenants.for_org(acme).first(),
    "chat/message": lambda acme: Message.all_tenants.for_org(acme).first(),
}


def _globex_admin() -> Client:
    globex = Organization.objects.get(slug="globex")
    membership_create(org=globex, username="globex_boss", password=PASSWORD, role="ADMIN")
    client = Client()
    assert client.login(request=login_request(), username="globex_boss", password=PASSWORD)
    return client


def _acme_conversation() -> None:
    """The demo seeds no conversation: one of acme's, asked through the pipeline."""
    from apps.chat.pipeline import ask
    from apps.governance.selectors import membership_get

    acme = Organization.objects.get(slug="acme")
    ask(membership=membership_get(org=acme, username="admin"), question="ventas por región")


@pytest.mark.parametrize("model", sorted(ACME_OBJECTS))
def test_acmes_objects_are_404_in_the_admin_for_globexs_admin(model: str) -> None:
    if model.startswith("chat/"):
        _acme_conversation()
    acme = Organization.objects.get(slug="acme")
    obj = ACME_OBJECTS[model](acme)
    assert obj is not None, model
    client = _globex_admin()
    for view in ("change", "delete", "history"):
        for method in (client.get, client.post):
            response = method(f"/admin/{model}/{obj.pk}/{view}/")
            assert response.status_code == 404, (view, method.__name__, response.status_code)
            assert str(obj) not in response.content.decode()
        missing = client.get(f"/admin/{model}/99999999/{view}/")
        assert missing.status_code == 404  # the same answer as an id that does not exist
    assert type(obj)._base_manager.filter(pk=obj.pk).exists()  # the POSTed delete did nothing


def test_bulk_actions_naming_acmes_ids_change_nothing() -> None:
    acme = Organization.objects.get(slug="acme")
    source = DataSource.all_tenants.for_org(acme).first()
    refreshed_at = source.refreshed_at
    membership = Membership.all_tenants.for_org(acme).first()
    client = _globex_admin()
    for action in ("refresh_schema", "delete_selected"):
        client.post(
            "/admin/knowledge/datasource/",
            {"action": action, "_selected_action": [source.pk], "post": "yes"},
        )
    client.post(
        "/admin/governance/membership/",
        {"action": "delete_selected", "_selected_action": [membership.pk], "post": "yes"},
    )
    source.refresh_from_db()
    assert source.refreshed_at == refreshed_at
    assert Membership.all_tenants.filter(pk=membership.pk).exists()


def _two_org_member(*, acme_role: str, globex_role: str) -> tuple[Client, Membership]:
    """One person in both orgs (a consultant); their globex membership is returned."""
    acme = Organization.objects.get(slug="acme")
    globex = Organization.objects.get(slug="globex")
    member, _ = membership_create(
        org=acme, username="consultant", password=PASSWORD, role=acme_role
    )
    theirs = Membership.all_tenants.create(user=member.user, organization=globex, role=globex_role)
    client = Client()
    assert client.login(request=login_request(), username="consultant", password=PASSWORD)
    return client, theirs


def test_the_refresh_action_needs_the_right_to_edit_the_source_in_its_org() -> None:
    """A steward only views an org's sources in the admin: the bulk "refresh schema" action
    (which rewrites the catalog and the table documents) must not run where they only view,
    even when they administer another org (and so hold the global change permission)."""
    client, theirs = _two_org_member(acme_role="ADMIN", globex_role="STEWARD")
    source = DataSource.all_tenants.for_org(theirs.organization).first()
    before = (source.refreshed_at, source.schema_version)
    listed = client.get("/admin/knowledge/datasource/")
    assert listed.status_code == 200 and source.name in listed.content.decode()  # it is seen
    client.post(
        "/admin/knowledge/datasource/",
        {"action": "refresh_schema", "_selected_action": [source.pk]},
    )
    source.refresh_from_db()
    assert (source.refreshed_at, source.schema_version) == before


def test_the_semantic_layer_import_needs_knowledge_editing_in_the_sources_org() -> None:
    """Globex's admins connect sources but (by globex's policy) do not curate knowledge; the
    consultant curates acme's. The import page of globex's source must not take their upload
    on the strength of acme's grant."""
    client, theirs = _two_org_member(acme_role="STEWARD", globex_role="ADMIN")
    policy = AccessPolicy.all_tenants.for_org(theirs.organization).get(role="ADMIN")
    policy.can_edit_knowledge = False
    policy.save()  # as the admin's policy form does: the groups follow
    source = DataSource.all_tenants.for_org(theirs.organization).first()
    version = Organization.objects.get(pk=theirs.organization_id).knowledge_version
    url = f"/admin/knowledge/datasource/{source.pk}/semantic-layer/import/"
    upload = io.BytesIO(b"tables: {}\n")
    upload.name = "globex.yaml"
    response = client.post(url, {"file": upload})
    assert response.status_code == 403
    assert Organization.objects.get(pk=theirs.organization_id).knowledge_version == version
    assert not KnowledgeChange.all_tenants.filter(
        organization=theirs.organization, action="semantic_layer_imported"
    ).exists()


CHANGELISTS = [
    "governance/membership", "governance/accesspolicy", "governance/auditentry",
    "knowledge/datasource", "knowledge/catalogtable", "knowledge/catalogforeignkey",
    "knowledge/document", "knowledge/metric", "knowledge/knowledgechange",
]  # fmt: skip


def test_filtering_a_changelist_by_acme_lists_nothing_of_acmes() -> None:
    acme = Organization.objects.get(slug="acme")
    globex = Organization.objects.get(slug="globex")
    client = _globex_admin()
    for model in CHANGELISTS:
        for query in (f"organization__id__exact={acme.pk}", f"organization={acme.pk}"):
            response = client.get(f"/admin/{model}/?{query}")
            assert response.status_code == 200, (model, query)
            assert response.context["cl"].result_count == 0, (model, query)
        own = client.get(f"/admin/{model}/?organization__id__exact={globex.pk}")
        assert own.context["cl"].result_count > 0, model  # the filter itself works
