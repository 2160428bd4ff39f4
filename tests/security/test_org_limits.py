"""An org's row cap, count cap and query timeout bound what one question may take of the shared
platform (a web worker's time, the memory of the rows kept in the answer): like the LLM budget and
the rate limits, platform staff set them; an org's admin sees them read-only."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.governance.models import Organization
from tests.support.fixtures import login_request

pytestmark = pytest.mark.django_db


def test_an_org_admin_cannot_raise_the_limits_that_protect_the_platform() -> None:
    acme = Organization.objects.get(slug="acme")
    before = (acme.row_cap, acme.count_cap, acme.query_timeout_ms)
    client = Client()
    assert client.login(request=login_request(), username="admin", password="datachat-demo")
    url = f"/admin/governance/organization/{acme.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    client.post(
        url,
        {
            "slug": acme.slug,
            "name": acme.name,
            "language": acme.language,
            "row_cap": 100_000_000,
            "count_cap": 2_000_000_000,
            "query_timeout_ms": 3_600_000_000,
        },
    )
    acme.refresh_from_db()
    assert (acme.row_cap, acme.count_cap, acme.query_timeout_ms) == before
