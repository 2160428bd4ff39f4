"""The API's front door: authentication, the fail-closed tenant scope, sealed gates, throttles, the
error shape and the OpenAPI document."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate

from apps.chat.models import Conversation
from apps.governance.api_access import ApiPagination, TenantApi
from apps.governance.tenancy import current_org
from tests.support.fixtures import login_request

pytestmark = pytest.mark.django_db

# Every endpoint of the API, with an id that exists nowhere (authentication comes first anyway).
ENDPOINTS = [
    ("post", "/api/v1/chat/"),
    ("post", "/api/v1/query/"),
    ("get", "/api/v1/conversations/"),
    ("get", "/api/v1/conversations/999999/"),
    ("patch", "/api/v1/conversations/999999/"),
    ("delete", "/api/v1/conversations/999999/"),
    ("post", "/api/v1/messages/999999/feedback/"),
    ("get", "/api/v1/messages/999999/export/?format=csv"),
    ("get", "/api/v1/knowledge/documents/"),
    ("get", "/api/v1/knowledge/documents/999999/"),
    ("get", "/api/v1/datasources/"),
    ("get", "/api/v1/audit/"),
    ("get", "/api/v1/anomalies/"),
    ("post", "/api/v1/anomalies/999999/acknowledge/"),
]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_every_endpoint_refuses_anonymous_callers(method, url):
    # Given no credentials, and then a wrong token
    # When any endpoint is called
    # Then it answers 401 with the Token challenge, and never runs the view
    anonymous = getattr(APIClient(), method)(url, {}, format="json")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == "Token"
    assert anonymous.json()["error"]["code"] == "not_authenticated"
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert getattr(bad, method)(url, {}, format="json").status_code == 401


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_a_user_without_an_organization_gets_nothing(method, url, django_user_model):
    # Given an authenticated user who belongs to no organization
    lonely = django_user_model.objects.create_user("lonely", password="x")
    client = APIClient()
    client.force_authenticate(lonely)
    # When they call any endpoint
    response = getattr(client, method)(url, {}, format="json")
    # Then the scope fails closed: 403 no_membership
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "no_membership"


def test_session_login_works_as_well_as_tokens(client):
    client.login(request=login_request(), username="analista", password="datachat-demo")
    response = client.get("/api/v1/conversations/")
    assert response.status_code == 200


def test_the_tenant_scope_is_left_after_every_request(api):
    # The web middleware never sees token requests: the view enters the scope itself and must
    # leave it, or the org would follow this thread into its next request.
    client = api("acme", "analista")
    assert current_org() is None
    assert client.get("/api/v1/conversations/").status_code == 200
    assert current_org() is None
    assert client.get("/api/v1/conversations/999999/").status_code == 404
    assert current_org() is None


def test_a_missing_object_and_another_orgs_object_answer_the_same(api, run_sql):
    foreign = run_sql("globex", "globex_analyst", "SELECT COUNT(*) FROM pedidos")
    client = api("acme", "admin")
    missing = client.get("/api/v1/conversations/999999/")
    other = client.get(f"/api/v1/conversations/{foreign['conversation_id']}/")
    assert missing.status_code == other.status_code == 404
    assert missing.json() == other.json()
    assert other.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "name",
    ["get_queryset", "get_object", "initial", "finalize_response", "get_permissions", "dispatch"],
)
def test_subclasses_cannot_override_the_sealed_methods(name):
    with pytest.raises(ImproperlyConfigured, match=name):
        type("Sneaky", (TenantApi,), {name: lambda self, *a, **k: None})


def test_subclasses_cannot_replace_the_permission_or_authentication_gates():
    for attribute in ("permission_classes", "authentication_classes", "queryset"):
        with pytest.raises(ImproperlyConfigured, match=attribute):
            type("Sneaky", (TenantApi,), {attribute: ()})


class _CarelessListApi(TenantApi):
    """A view whose hook forgets the org filter: the base re-applies it."""

    model = Conversation
    pagination_class = ApiPagination

    def tenant_queryset(self):  # noqa: ANN201
        return Conversation.all_tenants.all()

    def get(self, request):  # noqa: ANN001, ANN201
        from rest_framework.response import Response

        return Response(sorted(self.get_queryset().values_list("organization__slug", flat=True)))


def test_a_hook_that_forgets_the_org_filter_still_cannot_leak(member, run_sql):
    run_sql("globex", "globex_analyst", "SELECT COUNT(*) FROM pedidos")
    run_sql("acme", "analista", "SELECT COUNT(*) FROM ventas")
    request = APIRequestFactory().get("/careless/")
    force_authenticate(request, user=member("acme", "analista").user)
    response = _CarelessListApi.as_view()(request)
    assert response.status_code == 200
    assert response.data and set(response.data) == {"acme"}


def test_a_hook_returning_another_model_is_refused(member):
    class WrongModelApi(TenantApi):
        model = Conversation

        def tenant_queryset(self):  # noqa: ANN201
            from apps.knowledge.models import Document

            return Document.all_tenants.all()

        def get(self, request):  # noqa: ANN001, ANN201
            return self.get_queryset()

    request = APIRequestFactory().get("/wrong/")
    force_authenticate(request, user=member("acme", "analista").user)
    with pytest.raises(ImproperlyConfigured, match="Document"):
        WrongModelApi.as_view()(request)
    # an uncaught error skips finalize_response; the scope is left all the same
    assert current_org() is None


def test_a_member_of_two_orgs_picks_one_and_cannot_name_a_foreign_one(api, member, run_sql):
    from apps.governance.models import Membership

    # Given cientifica is also an analyst at globex
    cientifica = member("acme", "cientifica")
    Membership.all_tenants.create(
        organization=member("globex", "globex_analyst").organization,
        user=cientifica.user,
        role="ANALYST",
    )
    at_acme = run_sql("acme", "cientifica", "SELECT COUNT(*) FROM ventas")["conversation_id"]
    client = api("acme", "cientifica")
    # When no org is named: their first org (as the pages do)
    assert at_acme in [c["id"] for c in client.get("/api/v1/conversations/").json()["results"]]
    # When globex is named: globex's objects only
    globex = client.get("/api/v1/conversations/", HTTP_X_DATACHAT_ORG="globex")
    assert globex.status_code == 200 and globex.json()["count"] == 0
    assert (
        client.get(f"/api/v1/conversations/{at_acme}/", HTTP_X_DATACHAT_ORG="globex").status_code
        == 404
    )
    sources = client.get("/api/v1/datasources/", HTTP_X_DATACHAT_ORG="globex").json()["results"]
    assert [s["name"] for s in sources] == ["globex"]
    # When an org they do not belong to is named: nothing at all
    other = api("acme", "analista").get("/api/v1/conversations/", HTTP_X_DATACHAT_ORG="globex")
    assert other.status_code == 403 and other.json()["error"]["code"] == "no_membership"


def test_expensive_endpoints_have_a_per_user_throttle(api, settings):
    from django.core.cache import cache

    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "chat": "1/min",
            "query": "1/min",
            "export": "1/min",
        },
    }
    analista, cientifica = api("acme", "analista"), api("acme", "cientifica")
    first = analista.get("/api/v1/messages/999999/export/")
    assert first.status_code == 404  # throttles run before the view
    second = analista.get("/api/v1/messages/999999/export/")
    assert second.status_code == 429
    assert second.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(second["Retry-After"]) <= 70
    # per user: a colleague is not slowed down by it, and other scopes count apart
    assert cientifica.get("/api/v1/messages/999999/export/").status_code == 404
    assert analista.post("/api/v1/query/", {"sql": "SELECT 1"}, format="json").status_code == 200
    cache.clear()


def test_the_openapi_document_validates_without_warnings(tmp_path):
    # `--fail-on-warn` turns any warning (an unguessable serializer, a name clash, a path
    # parameter without a type) into an error; `--validate` checks it against the OpenAPI spec.
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in (
        "/api/v1/conversations/{id}/",
        "/api/v1/messages/{id}/feedback/",
        "/api/v1/messages/{id}/export/",
        "/api/v1/knowledge/documents/{id}/",
        "/api/v1/datasources/",
        "/api/v1/audit/",
        "/api/v1/anomalies/{id}/acknowledge/",
    ):
        assert path in text
    assert "tokenAuth" in text


def test_the_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
