"""API tokens: hashed at rest, expiring, per user; created, listed and revoked through the API
and `manage.py drf_create_token`, used as `Authorization: Token <key>`."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from apps.governance.api_tokens import api_token_create
from apps.governance.models import ApiToken, AuditEntry

pytestmark = pytest.mark.django_db


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_create_list_use_and_revoke_through_the_api(api):
    # Given analista with a token
    client = api("acme", "analista")
    # When they create another one
    created = client.post("/api/v1/tokens/", {"name": "notebook", "days": 30}, format="json")
    # Then the key is in that response, once, with its prefix and expiry
    assert created.status_code == 201
    body = created.json()
    key = body["key"]
    assert len(key) == 64 and key.startswith(body["prefix"])
    assert body["name"] == "notebook"
    expiry = dt.datetime.fromisoformat(body["expiry"])
    assert abs((expiry - timezone.now()) - dt.timedelta(days=30)) < dt.timedelta(minutes=1)
    # and the new key works on its own
    fresh = token_client(key)
    assert fresh.get("/api/v1/conversations/").status_code == 200
    # The list shows prefix, dates and name, never the key or its digest
    listed = client.get("/api/v1/tokens/").json()
    assert listed["count"] == 2
    item = next(t for t in listed["results"] if t["id"] == body["id"])
    assert set(item) == {"id", "name", "prefix", "created", "expiry", "last_used_at"}
    assert item["last_used_at"] is not None  # it was just used
    assert key not in str(listed)
    # Revoking it: 204, then the key is refused
    assert client.delete(f"/api/v1/tokens/{body['id']}/").status_code == 204
    refused = fresh.get("/api/v1/conversations/")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "authentication_failed"
    assert client.get("/api/v1/tokens/").json()["count"] == 1


def test_only_a_digest_is_stored(member):
    token, key = api_token_create(user=member("acme", "analista").user, name="x", channel="cli")
    stored = ApiToken.objects.get(pk=token.pk)
    assert key not in stored.digest and len(stored.digest) == 128
    assert stored.token_key == key[:15]
    # Nothing in the table holds the key: a read of the app database gives no usable token
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")
        assert all(key not in str(value) for row in cursor.fetchall() for value in row)
    # and the old plain-text table is gone
    assert "authtoken_token" not in connection.introspection.table_names()


def test_another_users_token_answers_404(api, member):
    mine, _ = api_token_create(user=member("acme", "cientifica").user, channel="cli")
    theirs, _ = api_token_create(user=member("globex", "globex_analyst").user, channel="cli")
    client = api("acme", "analista")
    for token in (mine, theirs):
        got = client.get(f"/api/v1/tokens/{token.pk}/")
        gone = client.delete(f"/api/v1/tokens/{token.pk}/")
        missing = client.delete("/api/v1/tokens/999999/")
        huge = client.delete(f"/api/v1/tokens/{10**30}/")
        assert huge.status_code == 404
        assert got.status_code == gone.status_code == missing.status_code == 404
        assert gone.json() == missing.json()
    assert ApiToken.objects.filter(pk__in=[mine.pk, theirs.pk]).count() == 2
    assert all(
        t["id"] not in (mine.pk, theirs.pk) for t in client.get("/api/v1/tokens/").json()["results"]
    )


def test_an_expired_token_is_refused_and_purged(member):
    token, key = api_token_create(user=member("acme", "analista").user, channel="cli")
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    response = token_client(key).get("/api/v1/conversations/")
    assert response.status_code == 401
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_expired_tokens_are_swept_when_a_use_is_recorded_and_refused_always(member):
    user = member("acme", "analista").user
    live, key = api_token_create(user=user, channel="cli")
    other, _ = api_token_create(user=user, channel="cli")
    client = token_client(key)
    # Given a token whose use was just recorded, and another token of the user that expired
    assert client.get("/api/v1/conversations/").status_code == 200
    ApiToken.objects.filter(pk=other.pk).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    # When it is used again within the minute, the other tokens are not read again
    assert client.get("/api/v1/conversations/").status_code == 200
    assert ApiToken.objects.filter(pk=other.pk).exists()
    # Then the next recorded use (a minute on) sweeps the expired one away
    a_while_ago = timezone.now() - dt.timedelta(minutes=2)
    ApiToken.objects.filter(pk=live.pk).update(last_used_at=a_while_ago)
    assert client.get("/api/v1/conversations/").status_code == 200
    assert not ApiToken.objects.filter(pk=other.pk).exists()
    # And a token that expires between two uses of one minute is refused and purged at once
    assert client.get("/api/v1/conversations/").status_code == 200
    ApiToken.objects.filter(pk=live.pk).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/v1/conversations/").status_code == 401
    assert not ApiToken.objects.filter(pk=live.pk).exists()


def test_a_token_cannot_mint_a_longer_lived_token(member):
    # Given a token that expires in 2 days (say, a stolen one)
    user = member("acme", "analista").user
    _token, key = api_token_create(user=user, days=2, channel="cli")
    # When it asks for a 365-day token
    created = token_client(key).post("/api/v1/tokens/", {"days": 365}, format="json")
    # Then it gets one that ends when the token it used ends
    assert created.status_code == 201
    expiry = dt.datetime.fromisoformat(created.json()["expiry"])
    assert expiry <= timezone.now() + dt.timedelta(days=2)


def test_bad_requests_have_stable_codes(api, settings):
    client = api("acme", "analista")
    too_long = client.post("/api/v1/tokens/", {"days": 10_000}, format="json")
    assert too_long.status_code == 400 and "days" in too_long.json()  # documented maximum
    wrong = client.post("/api/v1/tokens/", {"days": "soon"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "invalid"
    number = client.post("/api/v1/tokens/", {"name": 0}, format="json")
    assert number.status_code == 400 and "name" in number.json()
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    assert client.post("/api/v1/tokens/", {}, format="json").status_code == 201
    full = client.post("/api/v1/tokens/", {}, format="json")
    assert full.status_code == 409 and full.json()["error"]["code"] == "token_limit_reached"


def test_anonymous_callers_cannot_list_or_create():
    for method in ("get", "post"):
        response = getattr(APIClient(), method)("/api/v1/tokens/", {}, format="json")
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"


def test_creating_and_revoking_are_audited(api):
    client = api("acme", "analista")
    body = client.post("/api/v1/tokens/", {"name": "ci"}, format="json").json()
    client.delete(f"/api/v1/tokens/{body['id']}/")
    actions = list(
        AuditEntry.objects.filter(username="analista", action__startswith="token_")
        .order_by("seq")
        .values_list("action", "channel", "details__token_prefix")
    )
    assert ("token_create", "api", body["prefix"]) in actions
    assert ("token_revoke", "api", body["prefix"]) in actions
    assert all(body["key"] not in str(e.details) + e.question for e in AuditEntry.objects.all())


def test_drf_create_token_prints_a_working_key_once(member):
    out, err = io.StringIO(), io.StringIO()
    call_command("drf_create_token", "analista", stdout=out, stderr=err)
    line = out.getvalue().strip()
    assert line.startswith("Generated token ") and line.endswith(" for user analista")
    key = line.split()[2]
    assert "expires" in err.getvalue()
    assert token_client(key).get("/api/v1/conversations/").status_code == 200
    # --reset revokes the earlier ones
    out2 = io.StringIO()
    call_command("drf_create_token", "analista", "--reset", stdout=out2, stderr=io.StringIO())
    assert token_client(key).get("/api/v1/conversations/").status_code == 401
    assert token_client(out2.getvalue().split()[2]).get("/api/v1/datasources/").status_code == 200
    with pytest.raises(CommandError, match="does not exist"):
        call_command("drf_create_token", "nobody", stdout=io.StringIO())


def test_the_token_endpoints_are_in_the_openapi_document(client, member):
    client.force_login(member("acme", "analista").user)
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/tokens/" in schema and "/api/v1/tokens/{id}/" in schema
    assert "tokenAuth" in schema
