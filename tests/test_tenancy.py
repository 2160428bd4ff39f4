"""Tenant isolation: every tenant-owned object is scoped to its org; the scope fails closed."""

from __future__ import annotations

import pytest
from django.http import Http404

from apps.chat.models import Conversation
from apps.chat.selectors import access_conversation_by_id
from apps.governance.models import Membership
from apps.governance.tenancy import TenantOwnedModel, TenantScopeMissing, tenant_scope
from apps.knowledge.models import DataSource, Document

pytestmark = pytest.mark.django_db


def tenant_models():
    from django.apps import apps

    return [
        m for m in apps.get_models() if issubclass(m, TenantOwnedModel) and not m._meta.abstract
    ]


def test_every_tenant_owned_model_raises_without_a_scope():
    # Given the seeded demo (two orgs with data in every model that has rows)
    # When code reads through `objects` without a tenant scope
    # Then it is a loud programming error, never a silently empty (or full) result
    assert tenant_models(), "no tenant-owned models found"
    for model in tenant_models():
        with pytest.raises(TenantScopeMissing):
            model.objects.count()
    assert DataSource.all_tenants.count() >= 2


def test_for_org_takes_an_instance_or_a_key_and_refuses_nothing(member):
    acme = member("acme", "analista").organization
    by_instance = set(DataSource.all_tenants.for_org(acme).values_list("name", flat=True))
    by_key = set(DataSource.all_tenants.for_org(acme.pk).values_list("name", flat=True))
    assert by_instance == by_key == {"empresa"}
    with pytest.raises(TenantScopeMissing):
        DataSource.all_tenants.for_org(None)


def test_scope_shows_only_the_current_org(member):
    acme = member("acme", "analista").organization
    globex = member("globex", "globex_analyst").organization
    with tenant_scope(acme):
        names = set(DataSource.objects.values_list("name", flat=True))
        titles = set(Document.objects.values_list("title", flat=True))
        assert names == {"empresa"}
        assert Membership.objects.filter(user__username="globex_analyst").count() == 0
    with tenant_scope(globex):
        assert set(DataSource.objects.values_list("name", flat=True)) == {"globex"}
        assert not titles & set(Document.objects.values_list("title", flat=True))


def test_another_orgs_conversation_is_a_404(member):
    from apps.chat.pipeline import ask

    globex_member = member("globex", "globex_analyst")
    answer = ask(membership=globex_member, question="¿Cuántos pedidos hay?")
    foreign_id = answer["conversation_id"]
    assert Conversation.all_tenants.filter(pk=foreign_id).exists()
    acme_member = member("acme", "admin")
    with pytest.raises(Http404):
        access_conversation_by_id(membership=acme_member, pk=foreign_id)


def test_a_colleagues_conversation_is_a_404_too(member):
    from apps.chat.pipeline import ask

    answer = ask(membership=member("acme", "analista"), question="Top 3 productos por ingresos")
    with pytest.raises(Http404):
        access_conversation_by_id(membership=member("acme", "visor"), pk=answer["conversation_id"])
    # and continuing it as someone else is refused without revealing it exists
    other = ask(
        membership=member("acme", "visor"),
        question="Total de ventas",
        conversation_id=answer["conversation_id"],
    )
    assert other["type"] == "ERROR"
    assert other["error"]["code"] == "conversation_not_found"


def test_a_shared_conversation_is_visible_through_a_guardian_permission(member):
    from guardian.shortcuts import assign_perm

    from apps.chat.pipeline import ask

    answer = ask(membership=member("acme", "analista"), question="Número de pedidos por canal")
    conversation = Conversation.all_tenants.get(pk=answer["conversation_id"])
    viewer = member("acme", "cientifica")
    with pytest.raises(Http404):
        access_conversation_by_id(membership=viewer, pk=conversation.pk)
    assign_perm("chat.view_conversation", viewer.user, conversation)
    assert access_conversation_by_id(membership=viewer, pk=conversation.pk) == conversation


def test_a_new_conversation_grants_its_owner_exactly_the_owner_permissions(member):
    from guardian.models import UserObjectPermission
    from guardian.shortcuts import get_perms

    from apps.chat.pipeline import ask

    owner, colleague = member("acme", "analista"), member("acme", "cientifica")
    answer = ask(membership=owner, question="Número de pedidos por canal")
    conversation = Conversation.all_tenants.get(pk=answer["conversation_id"])
    assert sorted(get_perms(owner.user, conversation)) == [
        "change_conversation",
        "delete_conversation",
        "view_conversation",
    ]
    assert get_perms(colleague.user, conversation) == []
    grants = UserObjectPermission.objects.filter(object_pk=str(conversation.pk))
    assert {g.user_id for g in grants} == {owner.user.pk} and grants.count() == 3


def test_asking_for_another_orgs_source_by_name_is_unknown(member):
    from apps.chat.pipeline import ask

    answer = ask(
        membership=member("acme", "analista"), question="Total de ventas", source_name="globex"
    )
    assert answer["type"] == "ERROR"
    assert answer["error"]["code"] == "unknown_source"
    assert answer["rows"] == []
