"""HTTP refusals in the audit log: 403/404 on objects that are not the caller's, 429s, failed
logins and CSRF failures, aggregated per actor, kind and minute so they cannot flood the chain."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from apps.chat.models import Conversation
from apps.governance.models import AuditEntry, RefusalBucket
from apps.governance.refusals import (
    BUCKETS_PER_MINUTE,
    refusal_buckets_flush,
    refusal_login_failed,
)
from apps.governance.services import audit_verify
from apps.knowledge.selectors import datasource_get
from tests.support.fixtures import api_key_for, login_request

pytestmark = pytest.mark.django_db
PASSWORD = "datachat-demo"


def token_client(membership) -> APIClient:  # noqa: ANN001
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(membership.user)}")
    return client


def conversation_of(membership) -> Conversation:  # noqa: ANN001
    return Conversation.all_tenants.create(
        organization=membership.organization,
        user=membership.user,
        data_source=datasource_get(org=membership.organization),
        title="private",
    )


def flush_all() -> int:
    """Roll every bucket, the current minute's included (the beat task waits for it to end)."""
    return refusal_buckets_flush(before=timezone.now() + dt.timedelta(minutes=1))


def refusals(org, action: str) -> list[AuditEntry]:  # noqa: ANN001
    return list(AuditEntry.objects.filter(organization=org, action=action).order_by("seq"))


def test_probing_another_orgs_ids_through_the_api_is_one_entry_per_minute(member):
    analista = member("acme", "analista")
    foreign = conversation_of(member("globex", "globex_analyst"))
    client = token_client(analista)
    before = AuditEntry.objects.filter(organization=analista.organization).count()
    for pk in [foreign.pk] * 25 + [10**9]:
        assert client.get(f"/api/v1/conversations/{pk}/").status_code == 404
    # Counted, not chained yet: the chain has not grown by one entry per request.
    assert AuditEntry.objects.filter(organization=analista.organization).count() == before
    bucket = RefusalBucket.objects.get(organization=analista.organization, kind="not_found")
    assert (bucket.actor, bucket.count, bucket.channel) == ("analista", 26, "api")
    assert flush_all() == 1
    (entry,) = refusals(analista.organization, "not_found")
    assert (entry.username, entry.outcome, entry.code, entry.role) == (
        "analista",
        "refused",
        "not_found",
        "ANALYST",
    )
    assert entry.details["count"] == 26 and entry.rule == "HTTP 404"
    assert entry.details["first_path"] == f"/api/v1/conversations/{foreign.pk}/"
    assert not RefusalBucket.objects.exists()
    assert audit_verify(org=analista.organization).ok
    # Nothing went to the other org's chain: the prober is audited where they belong.
    assert not refusals(foreign.organization, "not_found")


def test_another_users_conversation_page_is_audited(member, client):
    own = conversation_of(member("acme", "cientifica"))
    assert client.login(request=login_request(), username="analista", password=PASSWORD)
    assert client.get(f"/chat/c/{own.pk}/").status_code == 404
    assert client.get("/no-such-page/").status_code == 404  # an unknown URL is not a refusal
    flush_all()
    (entry,) = refusals(own.organization, "not_found")
    assert entry.username == "analista" and entry.channel == "web"
    assert entry.details == {**entry.details, "count": 1, "first_path": f"/chat/c/{own.pk}/"}


def test_forbidden_and_throttled_api_answers_are_audited(member, settings):
    analista = member("acme", "analista")
    client = token_client(analista)
    assert client.get("/api/v1/audit/").status_code == 403  # not compliance, not admin
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "user": "3/min",
        },
    }
    statuses = [client.get("/api/v1/conversations/").status_code for _ in range(6)]
    assert statuses.count(429) >= 2
    flush_all()
    (forbidden,) = refusals(analista.organization, "forbidden")
    assert forbidden.rule == "HTTP 403" and forbidden.details["first_path"] == "/api/v1/audit/"
    (throttled,) = refusals(analista.organization, "throttled")
    assert throttled.details["count"] == statuses.count(429)


def test_failed_logins_go_to_the_users_org_or_the_platform_chain(member, client):
    analista = member("acme", "analista")
    for _ in range(3):
        response = client.post(
            "/accounts/login/",
            {"username": "analista", "password": "wrong"},
            REMOTE_ADDR="10.1.2.3",
        )
        assert response.status_code == 200  # the form again, with its error
    client.post("/accounts/login/", {"username": "no-such-user", "password": "x"})
    flush_all()
    (entry,) = refusals(analista.organization, "login_failed")
    assert (entry.username, entry.details["count"], entry.details["ip"]) == (
        "analista",
        3,
        "10.1.2.3",
    )
    assert entry.user_id == analista.user_id
    platform = refusals(None, "login_failed")
    assert [e.username for e in platform] == ["no-such-user"]
    assert audit_verify(org=None).ok


def test_csrf_failures_are_audited_and_answer_the_normal_403(member):
    client = Client(enforce_csrf_checks=True)
    assert client.login(request=login_request(), username="analista", password=PASSWORD)
    response = client.post("/chat/", {"question": "Total de ventas"})
    assert response.status_code == 403
    assert b"CSRF" in response.content  # Django's own failure page
    flush_all()
    org = member("acme", "analista").organization
    (entry,) = refusals(org, "csrf_failed")
    assert entry.username == "analista" and entry.details["count"] == 1
    assert not refusals(org, "forbidden")  # recorded once, as what it is


def test_a_flood_of_failed_logins_adds_a_bounded_number_of_entries():
    """300 failed logins, each with another username and address: at most one entry per open
    bucket and minute, the overflow bucket included, and every attempt counted."""
    factory = RequestFactory()
    for n in range(300):
        request = factory.post("/accounts/login/", REMOTE_ADDR=f"10.0.{n // 250}.{n % 250}")
        refusal_login_failed(username=f"spray{n}", request=request)
    flush_all()
    entries = refusals(None, "login_failed")
    assert sum(e.details["count"] for e in entries) == 300
    per_minute: dict[str, int] = {}
    for entry in entries:
        per_minute[entry.details["minute"]] = per_minute.get(entry.details["minute"], 0) + 1
    # One minute, or two when the loop crossed a minute's end: never one entry per attempt.
    assert len(per_minute) <= 2
    assert all(n <= BUCKETS_PER_MINUTE + 1 for n in per_minute.values())
    overflow = [e for e in entries if e.username == "*"]
    assert overflow and sum(e.details["count"] for e in overflow) >= 300 - 2 * BUCKETS_PER_MINUTE
    assert audit_verify(org=None).ok


def test_a_new_minute_rolls_the_closed_ones_without_beat(member):
    analista = member("acme", "analista")
    earlier = timezone.now() - dt.timedelta(minutes=3)
    from apps.governance.refusals import refusal_record

    for _ in range(4):
        refusal_record(
            org=analista.organization,
            user=analista.user,
            actor="analista",
            kind="not_found",
            channel="web",
            now=earlier,
        )
    assert not refusals(analista.organization, "not_found")
    # The first refusal of a later minute opens a bucket, and closed minutes are rolled.
    refusal_record(
        org=analista.organization,
        user=analista.user,
        actor="analista",
        kind="not_found",
        channel="web",
    )
    (entry,) = refusals(analista.organization, "not_found")
    assert entry.details["count"] == 4
    assert entry.created_at == earlier.replace(second=0, microsecond=0)
    assert RefusalBucket.objects.count() == 1
