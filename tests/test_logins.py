"""Login throttling (django-axes): repeated failures lock a username out from an address, on the
login page and the admin alike; failures are recorded; the lockout ends after the cool-off."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "datachat-demo"


@pytest.fixture
def password_checks(monkeypatch):  # noqa: ANN001, ANN201
    """Counts the passwords actually checked (a spy: the real check still runs)."""
    seen: list[str] = []
    real = User.check_password

    def spy(self, raw_password):  # noqa: ANN001, ANN202
        seen.append(self.username)
        return real(self, raw_password)

    monkeypatch.setattr(User, "check_password", spy)
    return seen


def _wrong(client: Client, username: str = "analista", url: str = "/accounts/login/"):  # noqa: ANN202
    return client.post(url, {"username": username, "password": "not-the-password"})


def test_thirty_wrong_passwords_in_a_row_are_not_all_tried(client, password_checks):
    # Given an attacker guessing analista's password from one address
    limit = settings.AXES_FAILURE_LIMIT
    # When they try thirty wrong passwords in a row
    responses = [_wrong(client) for _ in range(30)]
    # Then only the first `limit` were checked at all; every later attempt is refused unchecked
    assert password_checks.count("analista") == limit
    assert [r.status_code for r in responses[: limit - 1]] == [200] * (limit - 1)
    assert all(r.status_code == 429 for r in responses[limit:])
    locked = responses[-1]
    html = locked.content.decode()
    assert "data-lockout" in html and 'role="alert"' in html
    assert int(locked["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    # And the right password does not get in either while the lockout lasts
    right = client.post("/accounts/login/", {"username": "analista", "password": PASSWORD})
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    assert password_checks.count("analista") == limit


def test_failures_are_recorded(client):
    for _ in range(3):
        _wrong(client)
    attempt = AccessAttempt.objects.get(username="analista")
    assert attempt.failures_since_start == 3
    assert attempt.ip_address == "127.0.0.1"
    assert "not-the-password" not in attempt.post_data  # the password itself is never stored
    assert AccessFailureLog.objects.filter(username="analista").count() == 3


def test_the_lockout_page_speaks_english_too(client):
    client.cookies["django_language"] = "en"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _wrong(client)
    page = client.post(
        "/accounts/login/",
        {"username": "analista", "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert page.status_code == 429
    assert "Too many failed logins" in page.content.decode()


def test_the_lockout_page_is_in_spanish_by_default(client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _wrong(client)
    page = _wrong(client)
    assert page.status_code == 429
    assert "Demasiados intentos fallidos" in page.content.decode()


def test_the_admin_login_is_throttled_the_same_way(client, password_checks):
    # Given a staff account (the demo's admin) attacked through the admin's own login form
    for _ in range(12):
        response = _wrong(client, "admin", url="/admin/login/?next=/admin/")
    assert response.status_code == 429
    assert password_checks.count("admin") == settings.AXES_FAILURE_LIMIT
    right = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": PASSWORD})
    assert right.status_code == 429
    # The other door is locked for that pair too: the count is per username and address.
    assert (
        client.post("/accounts/login/", {"username": "admin", "password": PASSWORD}).status_code
        == 429
    )


def test_the_lockout_is_per_username_and_address(client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _wrong(client)
    assert _wrong(client).status_code == 429
    # Another user from the same address still logs in
    other = client.post("/accounts/login/", {"username": "cientifica", "password": PASSWORD})
    assert other.status_code == 302
    # The same user from another address too (the attacker cannot lock a colleague out)
    elsewhere = Client(REMOTE_ADDR="10.0.0.7")
    ok = elsewhere.post("/accounts/login/", {"username": "analista", "password": PASSWORD})
    assert ok.status_code == 302 and "_auth_user_id" in elsewhere.session


def test_the_lockout_ends_after_the_cool_off(client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _wrong(client)
    assert (
        client.post("/accounts/login/", {"username": "analista", "password": PASSWORD}).status_code
        == 429
    )
    # When the cool-off has passed since the last failure (the clock moved on)
    AccessAttempt.objects.filter(username="analista").update(
        attempt_time=dt.datetime.now(dt.UTC) - settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=1)
    )
    # Then the right password gets in, and the failures are forgotten
    response = client.post("/accounts/login/", {"username": "analista", "password": PASSWORD})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="analista").exists()


def test_a_success_resets_the_count(client):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _wrong(client)
    assert (
        client.post("/accounts/login/", {"username": "analista", "password": PASSWORD}).status_code
        == 302
    )
    client.logout()
    # A person who mistyped a few times starts again from zero after getting in
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _wrong(client).status_code == 200


def test_the_cool_off_and_limit_come_from_the_environment(monkeypatch):
    import importlib

    import datachat.settings.base as base

    monkeypatch.setenv("DATACHAT_LOGIN_FAILURE_LIMIT", "3")
    monkeypatch.setenv("DATACHAT_LOGIN_COOLOFF_MINUTES", "2.5")
    monkeypatch.setenv("DATACHAT_LOGIN_LOCKOUT_BY", "username+ip_address, ip_address")
    try:
        reloaded = importlib.reload(base)
        assert reloaded.AXES_FAILURE_LIMIT == 3
        assert dt.timedelta(minutes=2.5) == reloaded.AXES_COOLOFF_TIME
        assert reloaded.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"], ["ip_address"]]
    finally:
        monkeypatch.undo()
        importlib.reload(base)


def test_the_client_address_behind_trusted_proxies(rf, settings):
    from apps.governance.logins import client_ip_address

    request = rf.post("/accounts/login/", REMOTE_ADDR="10.0.0.1")
    request.META["HTTP_X_FORWARDED_FOR"] = "6.6.6.6, 203.0.113.9"
    settings.DATACHAT_TRUSTED_PROXIES = 0
    assert client_ip_address(request) == "10.0.0.1"  # no proxy trusted: the header is ignored
    settings.DATACHAT_TRUSTED_PROXIES = 1
    assert client_ip_address(request) == "203.0.113.9"  # what our proxy saw, not what was sent


def test_force_login_and_password_login_with_a_request_still_work(client, member):
    from django.contrib.auth import authenticate

    from tests.support.fixtures import login_request

    assert authenticate(login_request(), username="analista", password=PASSWORD) is not None
    assert client.login(request=login_request(), username="visor", password=PASSWORD)
    assert client.get("/chat/").status_code == 200
