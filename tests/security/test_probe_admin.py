"""The admin as an attacker with globex's ADMIN login against acme's ids: every object view
(change, delete, history) answers 404, exactly as an id that does not exist, and nothing of
acme's changes through a bulk action naming its ids. Django's default for an object outside the
queryset is a redirect to the admin index with a message; the project's contract for another
org's object is a 404 (tests/api/test_access.py: a missing and a foreign object answer alike)."""

from __future__ import annotations

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
    assert (
        type(obj).all_tenants.filter(pk=obj.pk).exists()
        if hasattr(type(obj), "all_tenants")
        else type(obj).objects.filter(pk=obj.pk).exists()
    )


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
