"""An org admin edits their org's access policies in the admin. A policy whose lists are not the
documented shapes (`allowed_tables`/`masked_columns`: lists of text; `row_filters`: a list of
{"table", "column", "value"}) is refused by the form with a message, never saved: saved, it
answered every page of that role's members with a 500. A membership's attributes likewise (an
object of text, numbers or lists of them)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from apps.governance.models import AccessPolicy, Membership, Organization
from tests.support.fixtures import login_request

pytestmark = pytest.mark.django_db

MALFORMED = [
    {"allowed_tables": '"ventas"'},
    {"allowed_tables": '{"ventas": 1}'},
    {"allowed_tables": '[1, null, {"x": 2}]'},
    {"masked_columns": '[["clientes", "email"]]'},
    {"row_filters": '"region = Norte"'},
    {"row_filters": '[{"table": "ventas"}]'},
    {"row_filters": '[{"table": "ventas", "column": "region", "value": {"a": 1}}]'},
    {"row_filters": '[{"table": "ventas", "column": "region", "values": ["Norte"]}]'},
]


def _login(username: str) -> Client:
    client = Client(raise_request_exception=False)
    assert client.login(request=login_request(), username=username, password="datachat-demo")
    return client


@pytest.mark.parametrize("change", MALFORMED, ids=[next(iter(c.values())) for c in MALFORMED])
def test_a_malformed_policy_is_refused_by_the_admin_and_pages_stay_up(change) -> None:  # noqa: ANN001
    acme = Organization.objects.get(slug="acme")
    policy = AccessPolicy.all_tenants.for_org(acme).get(role="VIEWER")
    before = (policy.allowed_tables, policy.masked_columns, policy.row_filters)
    form = {
        "organization": acme.pk,
        "role": "VIEWER",
        "allowed_tables": json.dumps(policy.allowed_tables),
        "masked_columns": json.dumps(policy.masked_columns),
        "row_filters": json.dumps(policy.row_filters),
        "can_query_data": "on",
        **change,
    }
    response = _login("admin").post(f"/admin/governance/accesspolicy/{policy.pk}/change/", form)
    assert response.status_code == 200  # the form again, with the error
    assert "errornote" in response.content.decode() or "errorlist" in response.content.decode()
    policy.refresh_from_db()
    assert (policy.allowed_tables, policy.masked_columns, policy.row_filters) == before
    assert _login("visor").get("/chat/").status_code == 200


def test_the_documented_shapes_still_save() -> None:
    acme = Organization.objects.get(slug="acme")
    policy = AccessPolicy.all_tenants.for_org(acme).get(role="VIEWER")
    form = {
        "organization": acme.pk,
        "role": "VIEWER",
        "allowed_tables": json.dumps(["*", "-empleados", "-@sensitive"]),
        "masked_columns": json.dumps(["clientes.email", "@pii"]),
        "row_filters": json.dumps(
            [
                {"table": "ventas", "column": "region", "value": "{user.region}"},
                {"table": "productos", "column": "producto_id", "value": 3},
            ]
        ),
        "can_query_data": "on",
    }
    response = _login("admin").post(f"/admin/governance/accesspolicy/{policy.pk}/change/", form)
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.masked_columns == ["clientes.email", "@pii"]


BAD_ATTRIBUTES = ['["Norte"]', '"Norte"', "null", '{"region": {"a": 1}}', '{"region": [["Norte"]]}']


@pytest.mark.parametrize("attributes", BAD_ATTRIBUTES)
def test_malformed_membership_attributes_are_refused_and_the_member_keeps_working(
    attributes: str,
) -> None:
    acme = Organization.objects.get(slug="acme")
    membership = Membership.all_tenants.for_org(acme).get(user__username="visor")
    form = {
        "user": membership.user_id,
        "organization": acme.pk,
        "role": "VIEWER",
        "attributes": attributes,
    }
    response = _login("admin").post(f"/admin/governance/membership/{membership.pk}/change/", form)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    membership.refresh_from_db()
    assert membership.attributes == {"region": "Norte"}
    assert _login("visor").get("/chat/").status_code == 200


def test_documented_attributes_still_save() -> None:
    acme = Organization.objects.get(slug="acme")
    membership = Membership.all_tenants.for_org(acme).get(user__username="visor")
    form = {
        "user": membership.user_id,
        "organization": acme.pk,
        "role": "VIEWER",
        "attributes": '{"region": ["Norte", "Sur"], "nivel": 2}',
    }
    response = _login("admin").post(f"/admin/governance/membership/{membership.pk}/change/", form)
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.attributes == {"region": ["Norte", "Sur"], "nivel": 2}
