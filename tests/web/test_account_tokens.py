"""The portal's API tokens page: create (the key shown once), list, revoke; Spanish and English."""

from __future__ import annotations

import re

import pytest

from apps.governance.api_tokens import api_token_create
from apps.governance.models import ApiToken

pytestmark = pytest.mark.django_db


def _key(html: str) -> str:
    found = re.search(r'<pre id="new-token" class="token-key">([0-9a-f]{64})</pre>', html)
    assert found, "no new key on the page"
    return found.group(1)


def test_the_user_menu_links_to_the_tokens_page(login):
    client = login("analista")
    page = client.get("/chat/").content.decode()
    assert 'href="/account/tokens/"' in page


def test_create_shows_the_key_once_then_lists_it_without_the_key(login, client):
    login("analista")
    created = client.post("/account/tokens/", {"name": "cuaderno", "days": "30"})
    assert created.status_code == 200
    assert created["Cache-Control"] == "no-store"
    key = _key(created.content.decode())
    # The key works against the API
    api = client.__class__()
    assert api.get("/api/v1/conversations/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    # Reloading the page lists the token by prefix, never the key again
    page = client.get("/account/tokens/").content.decode()
    assert key not in page and key[:15] in page and "cuaderno" in page
    assert 'id="new-token"' not in page


def test_revoke_from_the_page(login, client, member):
    login("analista")
    token, key = api_token_create(user=member("acme", "analista").user, channel="cli")
    response = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/account/tokens/"
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    page = client.get("/account/tokens/").content.decode()
    assert key[:15] in page  # the message names the revoked token by its prefix
    api = client.__class__()
    assert api.get("/api/v1/conversations/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_another_users_token_cannot_be_revoked_or_seen(login, client, member):
    theirs, key = api_token_create(user=member("acme", "cientifica").user, channel="cli")
    login("analista")
    assert key[:15] not in client.get("/account/tokens/").content.decode()
    assert client.post(f"/account/tokens/{theirs.pk}/revoke/").status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


def test_a_bad_lifetime_is_a_form_error_not_a_500(login, client):
    login("analista")
    response = client.post("/account/tokens/", {"name": "x", "days": "100000"})
    assert response.status_code == 400
    assert 'id="new-token"' not in response.content.decode()
    assert not ApiToken.objects.filter(name="x").exists()


def test_the_page_speaks_spanish_and_english(login, client):
    login("analista")
    spanish = client.get("/account/tokens/").content.decode()
    assert "Tokens de API" in spanish and "Crear token" in spanish
    client.cookies["django_language"] = "en"
    english = client.get("/account/tokens/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "API tokens" in english and "Create token" in english


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/account/tokens/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
