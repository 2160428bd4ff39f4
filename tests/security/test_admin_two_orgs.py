"""A member of two organizations gets in the admin only what their role grants in each one.

The admin's model permissions are global (Django groups), so the scope must come from the role
the person holds in the object's organization: an ADMIN of acme who is a VIEWER of globex must not
see or edit globex's policies or memberships (promoting themselves to ADMIN there), read its
data sources or download its semantic layer.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from apps.governance.models import AccessPolicy, Membership, Organization
from apps.governance.services import membership_create
from apps.knowledge.models import DataSource, Metric
from tests.support.fixtures import login_request

pytestmark = pytest.mark.django_db

PASSWORD = "consultant-pw-1"


def _member_of_both(acme_role: str, globex_role: str) -> tuple[Client, Membership]:
    acme = Organization.objects.get(slug="acme")
    globex = Organization.objects.get(slug="globex")
    member, _ = membership_create(
        org=acme, username="consultant", password=PASSWORD, role=acme_role
    )
    # Created directly (as the admin's form does): the admin groups follow by themselves.
    theirs = Membership.all_tenants.create(user=member.user, organization=globex, role=globex_role)
    client = Client()
    assert client.login(request=login_request(), username="consultant", password=PASSWORD)
    return client, theirs


def test_an_acme_admin_who_is_a_globex_viewer_cannot_promote_themselves_in_globex() -> None:
    client, theirs = _member_of_both("ADMIN", "VIEWER")
    url = f"/admin/governance/membership/{theirs.pk}/change/"
    assert client.get(url).status_code in (302, 404)
    client.post(
        url,
        {
            "user": theirs.user_id,
            "organization": theirs.organization_id,
            "role": "ADMIN",
            "attributes": "{}",
        },
    )
    assert Membership.all_tenants.get(pk=theirs.pk).role == "VIEWER"
    listed = client.get("/admin/governance/membership/").content.decode()
    assert "globex" not in listed.lower()


def test_an_acme_admin_who_is_a_globex_viewer_cannot_edit_globex_policies() -> None:
    client, theirs = _member_of_both("ADMIN", "VIEWER")
    policy = AccessPolicy.all_tenants.for_org(theirs.organization).get(role="VIEWER")
    url = f"/admin/governance/accesspolicy/{policy.pk}/change/"
    assert client.get(url).status_code in (302, 404)
    client.post(url, {"organization": policy.organization_id, "role": "VIEWER", "can_export": "on"})
    assert AccessPolicy.all_tenants.get(pk=policy.pk).can_export is False
    # and a new membership or policy cannot name globex either
    add_page = client.get("/admin/governance/membership/add/").content.decode()
    org_select = add_page.split('name="organization"', 1)[1].split("</select>", 1)[0]
    assert f'value="{theirs.organization_id}"' not in org_select
    assert 'value="' in org_select  # acme is offered


def test_an_acme_admin_who_is_a_globex_viewer_cannot_read_globex_knowledge() -> None:
    client, theirs = _member_of_both("ADMIN", "VIEWER")
    source = DataSource.all_tenants.for_org(theirs.organization).first()
    assert (
        client.get(f"/admin/knowledge/datasource/{source.pk}/semantic-layer/export/").status_code
        == 404
    )
    assert client.get(f"/admin/knowledge/datasource/{source.pk}/change/").status_code in (302, 404)
    assert source.name not in client.get("/admin/knowledge/datasource/").content.decode()


def test_a_steward_of_one_org_and_admin_of_another_edits_policies_only_where_admin() -> None:
    client, theirs = _member_of_both("STEWARD", "ADMIN")
    globex_policy = AccessPolicy.all_tenants.for_org(theirs.organization).get(role="ANALYST")
    acme = Organization.objects.get(slug="acme")
    acme_policy = AccessPolicy.all_tenants.for_org(acme).get(role="VIEWER")
    assert (
        client.get(f"/admin/governance/accesspolicy/{globex_policy.pk}/change/").status_code == 200
    )
    url = f"/admin/governance/accesspolicy/{acme_policy.pk}/change/"
    assert client.get(url).status_code in (302, 404)
    # knowledge: a steward in acme still curates acme's metrics
    source = DataSource.all_tenants.for_org(acme).first()
    metric = Metric.all_tenants.filter(data_source=source).first()
    if metric is not None:
        assert client.get(f"/admin/knowledge/metric/{metric.pk}/change/").status_code == 200


def test_a_globex_admin_who_is_an_acme_viewer_neither_sees_nor_decides_acmes_access_requests() -> (
    None
):
    from apps.governance.models import AccessRequest

    acme = Organization.objects.get(slug="acme")
    visor = Membership.all_tenants.for_org(acme).get(user__username="visor")
    asked = AccessRequest.all_tenants.create(
        organization=acme, user=visor.user, username="visor", role="VIEWER",
        code="table_not_allowed", reason="no", question="salarios de empleados",
    )  # fmt: skip
    # acme is the consultant's first org by slug: the pages act for acme, where they are VIEWER
    client, _theirs = _member_of_both("VIEWER", "ADMIN")
    page = client.get("/compliance/access-requests/")
    assert page.status_code == 404
    assert "salarios de empleados" not in page.content.decode()
    client.post(f"/compliance/access-requests/{asked.pk}/grant/")
    asked.refresh_from_db()
    assert asked.status == AccessRequest.Status.OPEN


def test_the_admin_follows_the_policys_capabilities_not_the_role() -> None:
    """No role is named for the admin: a policy that gains `can_edit_knowledge` makes its
    members knowledge editors there (only in that org), and losing it takes the groups away;
    the audit capability alone opens no admin."""
    from apps.governance.services import ADMIN_GRANTS

    acme = Organization.objects.get(slug="acme")
    analyst, _ = membership_create(org=acme, username="curious", password=PASSWORD, role="ANALYST")
    auditor, _ = membership_create(
        org=acme, username="auditor2", password=PASSWORD, role="COMPLIANCE"
    )
    for member in (analyst, auditor):
        member.user.refresh_from_db()
        assert not member.user.is_staff and not member.user.groups.exists()

    policy = AccessPolicy.all_tenants.for_org(acme).get(role="ANALYST")
    policy.can_edit_knowledge = True
    policy.save()  # as the admin's policy form does
    analyst.user.refresh_from_db()
    assert analyst.user.is_staff
    assert set(analyst.user.groups.values_list("name", flat=True)) == {
        ADMIN_GRANTS["can_edit_knowledge"].group
    }
    client = Client()
    assert client.login(request=login_request(), username="curious", password=PASSWORD)
    assert client.get("/admin/knowledge/metric/").status_code == 200
    globex_metric = Metric.all_tenants.filter(organization__slug="globex").first()
    if globex_metric is not None:
        url = f"/admin/knowledge/metric/{globex_metric.pk}/change/"
        assert client.get(url).status_code in (302, 404)
    assert client.get("/admin/governance/accesspolicy/").status_code == 403

    policy.can_edit_knowledge = False
    policy.save()
    assert not analyst.user.groups.exists()
    assert client.get("/admin/knowledge/metric/").status_code == 403


def test_a_member_removed_from_an_org_loses_the_admin_groups_it_gave() -> None:
    acme = Organization.objects.get(slug="acme")
    member, _ = membership_create(org=acme, username="leaver", password=PASSWORD, role="ADMIN")
    assert member.user.groups.filter(name__startswith="DataChat").exists()
    member.delete()  # as the admin's delete action does
    assert not member.user.groups.filter(name__startswith="DataChat").exists()
    client = Client()
    assert client.login(request=login_request(), username="leaver", password=PASSWORD)
    assert client.get("/admin/governance/membership/").status_code in (302, 403)


def test_migrate_drops_the_legacy_per_role_groups_and_re_derives_every_members_groups() -> None:
    # A database from before the capability groups: an org admin sits only in the old per-role
    # group, which still carries model permissions.
    from django.contrib.auth.models import Group, Permission
    from django.core.management import call_command

    from apps.governance.signals import LEGACY_ROLE_GROUPS

    acme = Organization.objects.get(slug="acme")
    member, _ = membership_create(org=acme, username="old-admin", password=PASSWORD, role="ADMIN")
    legacy = Group.objects.create(name=LEGACY_ROLE_GROUPS[0])
    legacy.permissions.set(Permission.objects.filter(codename="change_accesspolicy"))
    member.user.groups.set([legacy])

    call_command("migrate", verbosity=0)

    assert not Group.objects.filter(name__in=LEGACY_ROLE_GROUPS).exists()
    names = set(member.user.groups.values_list("name", flat=True))
    assert "DataChat organization administrators" in names  # the org admin's capability group


def test_an_editor_of_two_orgs_cannot_file_one_orgs_metric_under_the_others_source() -> None:
    client, theirs = _member_of_both("STEWARD", "STEWARD")
    acme = Organization.objects.get(slug="acme")
    globex_source = DataSource.all_tenants.for_org(theirs.organization).first()
    metric = Metric.all_tenants.for_org(acme).filter(data_source__isnull=False).first()
    # the model refuses it whatever the path (the admin's form runs `full_clean`)
    metric.data_source = globex_source
    with pytest.raises(ValidationError) as raised:
        metric.full_clean()
    assert "data_source" in raised.value.message_dict
    # and the admin's change form says so on that field, saving nothing
    metric.refresh_from_db()
    page = client.get(f"/admin/knowledge/metric/{metric.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: (value.pk if hasattr(value, "pk") else value)
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list | dict)
    }
    url = f"/admin/knowledge/metric/{metric.pk}/change/"
    response = client.post(url, {**data, "organization": acme.pk, "data_source": globex_source.pk})
    assert response.status_code == 200  # the form again, with the error on that field
    assert "data_source" in response.context["adminform"].form.errors
    assert Metric.all_tenants.get(pk=metric.pk).data_source_id != globex_source.pk
    # the same form with acme's own source saves (so the refusal above is that field's)
    own = {**data, "organization": acme.pk, "data_source": metric.data_source_id}
    assert client.post(url, own).status_code == 302
