"""Long-query jobs: a job's URL (page and API) and its Stop answer 404 to anyone but the member
who asked, whether a colleague in the same org (even its admin) or another org's user; a refused
Stop changes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from apps.chat.models import QueryJob
from apps.governance.models import Organization
from tests.support.fixtures import api_key_for, login_request

pytestmark = pytest.mark.django_db


def _job(org_slug: str, username: str) -> QueryJob:
    return QueryJob.all_tenants.create(
        organization=Organization.objects.get(slug=org_slug),
        user=get_user_model().objects.get(username=username),
        source_name="empresa",
        kind="ask",
        channel="web",
        question="ventas por región",
        sql="SELECT region, SUM(total) FROM ventas GROUP BY region",
        reason="cost",
        status=QueryJob.Status.RUNNING,
    )


@pytest.mark.parametrize("attacker", ["admin", "cientifica", "globex_analyst"])
def test_another_members_job_is_404_and_cannot_be_stopped(attacker: str) -> None:
    job = _job("acme", "analista")
    page = Client()
    assert page.login(request=login_request(), username=attacker, password="datachat-demo")
    assert page.get(f"/chat/jobs/{job.pk}/").status_code == 404
    assert page.post(f"/chat/jobs/{job.pk}/stop/").status_code == 404
    api = Client(
        HTTP_AUTHORIZATION=f"Token {api_key_for(get_user_model().objects.get(username=attacker))}"
    )
    assert api.get(f"/api/v1/jobs/{job.pk}/").status_code == 404
    assert api.post(f"/api/v1/jobs/{job.pk}/cancel/").status_code == 404
    job.refresh_from_db()
    assert job.status == QueryJob.Status.RUNNING and not job.cancel_requested
