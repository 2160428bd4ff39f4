"""The knowledge gaps page offers as synonym targets only what the steward's own policy lets them
read: a table outside the policy (the demo's `empleados` for a steward) and the values of a masked
column are not listed, as the knowledge browser does not list them either."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.chat.models import Gap
from apps.chat.pipeline import ask
from apps.governance.models import AccessPolicy
from tests.support.fixtures import login_request

pytestmark = pytest.mark.django_db


def test_the_gap_page_lists_no_table_or_value_outside_the_stewards_policy(member) -> None:
    analista = member("acme", "analista")
    ask(membership=analista, question="¿Cuántas ventas hubo por sucursal?")
    gap = Gap.all_tenants.for_org(analista.organization).filter(key="sucursal").latest("pk")
    client = Client()
    assert client.login(request=login_request(), username="steward", password="datachat-demo")
    page = client.get(f"/knowledge/gaps/{gap.pk}/").content.decode()
    assert "column|ventas|region" in page  # readable: offered
    assert "value|ventas|region|Norte" in page
    assert "empleados" not in page  # not readable by a steward: neither the table nor its values
    # an admin masks ventas.region for stewards: the column stays, its values go
    AccessPolicy.all_tenants.for_org(analista.organization).filter(role="STEWARD").update(
        masked_columns=["ventas.region"]
    )
    page = client.get(f"/knowledge/gaps/{gap.pk}/").content.decode()
    assert "column|ventas|region" in page
    assert "value|ventas|region|" not in page
