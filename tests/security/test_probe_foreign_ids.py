"""Acme's ids where globex's ADMIN names them in a body or an argument, and a removed member.

The URL ids of every page and API route are covered elsewhere (tests/api/test_access.py,
tests/security/test_steward_pages_cross_tenant.py, test_jobs_cross_tenant.py,
test_probe_admin.py); here: foreign ids in the admin's POST bodies, in the operator's commands
run for globex, and the session and API token of a member once removed from their org.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from apps.chat.pipeline import ask
from apps.governance.models import Membership, Organization
from apps.governance.selectors import membership_get
from apps.governance.services import membership_create
from apps.knowledge.models import DataSource, Document, Metric
from tests.support.fixtures import api_key_for, login_request

pytestmark = pytest.mark.django_db

PASSWORD = "globex-admin-pw-2"


def _orgs() -> tuple[Organization, Organization]:
    return Organization.objects.get(slug="acme"), Organization.objects.get(slug="globex")


def _globex_admin() -> tuple[Client, Membership]:
    _acme, globex = _orgs()
    membership, _ = membership_create(
        org=globex, username="globex_boss", password=PASSWORD, role="ADMIN"
    )
    client = Client()
    assert client.login(request=login_request(), username="globex_boss", password=PASSWORD)
    return client, membership


def _admin_posts(acme: Organization, globex: Organization, me: Membership) -> dict:
    """Admin forms of globex's own objects, each with one of acme's ids in a field: the URL, the
    data, the field the form must refuse, and what would exist had it been taken."""
    acme_admin = membership_get(org=acme, username="admin")
    acme_source = DataSource.all_tenants.for_org(acme).first()
    globex_source = DataSource.all_tenants.for_org(globex).first()
    return {
        "membership for acme's user": (
            "/admin/governance/membership/add/",
            {"user": acme_admin.user_id, "organization": globex.pk, "role": "ADMIN"},
            "user",
            lambda: Membership.all_tenants.filter(user=acme_admin.user, organization=globex),
        ),
        "membership of mine in acme": (
            "/admin/governance/membership/add/",
            {"user": me.user_id, "organization": acme.pk, "role": "ADMIN"},
            "organization",
            lambda: Membership.all_tenants.filter(user=me.user, organization=acme),
        ),
        "my membership moved to acme": (
            f"/admin/governance/membership/{me.pk}/change/",
            {"user": me.user_id, "organization": acme.pk, "role": "ADMIN"},
            "organization",
            lambda: Membership.all_tenants.filter(pk=me.pk, organization=acme),
        ),
        "metric on acme's source": (
            "/admin/knowledge/metric/add/",
            {
                "organization": globex.pk, "data_source": acme_source.pk, "name": "probe_metric",
                "expression": "COUNT(*)", "table_name": "ventas",
            },
            "data_source",
            lambda: Metric.all_tenants.filter(name="probe_metric"),
        ),
        "document on acme's source": (
            "/admin/knowledge/document/add/",
            {
                "organization": globex.pk, "data_source": acme_source.pk, "kind": "GLOSSARY",
                "title": "probe_doc", "body": "x",
            },
            "data_source",
            lambda: Document.all_tenants.filter(title="probe_doc"),
        ),
        "my source moved to acme": (
            f"/admin/knowledge/datasource/{globex_source.pk}/change/",
            {"organization": acme.pk, "name": globex_source.name, "display_name": "x"},
            None,  # not a field of an org admin's form: ignored
            lambda: DataSource.all_tenants.filter(pk=globex_source.pk, organization=acme),
        ),
    }  # fmt: skip


@pytest.mark.parametrize(
    "case",
    [
        "membership for acme's user",
        "membership of mine in acme",
        "my membership moved to acme",
        "metric on acme's source",
        "document on acme's source",
        "my source moved to acme",
    ],
)
def test_acmes_ids_in_the_admins_forms_are_refused(case: str) -> None:
    acme, globex = _orgs()
    client, me = _globex_admin()
    url, data, field, made = _admin_posts(acme, globex, me)[case]
    response = client.post(url, {"attributes": "{}", **data})
    if field is not None:
        assert response.status_code == 200
        assert list(response.context["adminform"].form.errors) == [field]
    assert not made().exists()


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_commands_run_for_globex_do_not_reach_acmes_conversations_or_sources() -> None:
    acme, globex = _orgs()
    _client, me = _globex_admin()
    theirs = ask(membership=membership_get(org=acme, username="admin"), question="ventas")
    as_me = ("--org", "globex", "--user", me.user.username, "--json")
    continued = json.loads(
        _run("ask", "ventas por región", *as_me, "--conversation", str(theirs["conversation_id"]))
    )
    assert continued["error"]["code"] == "conversation_not_found"
    assert continued["conversation_id"] != theirs["conversation_id"]
    for command, text in (("ask", "ventas por región"), ("query", "SELECT 1")):
        answer = json.loads(_run(command, text, *as_me, "--source", "empresa"))
        assert answer["error"]["code"] == "unknown_source", command
    with pytest.raises(CommandError, match="no data source 'empresa' in globex"):
        _run("knowledge", "export", "--org", "globex", "--source", "empresa")
    with pytest.raises(CommandError, match="unknown user in organization globex"):
        _run("ask", "ventas", "--org", "globex", "--user", "admin")


def test_a_removed_member_keeps_neither_the_pages_nor_the_api() -> None:
    client, me = _globex_admin()
    key = api_key_for(me.user)
    token = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert token.get("/api/v1/conversations/").status_code == 200
    assert client.get("/usage/").status_code == 200
    me.delete()  # as the admin's delete does
    for url in ("/chat/", "/knowledge/", "/usage/", "/knowledge/gaps/", "/compliance/audit/"):
        assert client.get(url).status_code == 404, url
    for url in ("/admin/governance/membership/", "/admin/knowledge/datasource/"):
        assert client.get(url).status_code == 403, url
    for url in ("/api/v1/conversations/", "/api/v1/datasources/", "/api/v1/audit/"):
        assert token.get(url).status_code == 403, url
    query = token.post("/api/v1/query/", {"sql": "SELECT 1"}, content_type="application/json")
    assert query.status_code == 403
