"""The steward pages as an attacker with acme's ADMIN login: every id of globex's (a proposed
example, a 👎 answer, a gap, a fix) answers 404 on every route of the review queue and the gaps
page, and nothing of globex's changes; the usage export carries only acme's figures."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.chat.models import Gap, GapFix, Message
from apps.chat.pipeline import ask
from apps.chat.services import message_feedback_record
from apps.governance.models import Organization
from apps.governance.selectors import membership_get
from apps.knowledge.models import DataSource, VerifiedExample
from tests.support.fixtures import login_request

pytestmark = pytest.mark.django_db


def test_globex_ids_are_404_on_every_steward_route_for_acmes_admin() -> None:
    globex = Organization.objects.get(slug="globex")
    analyst = membership_get(org=globex, username="globex_analyst")
    source = DataSource.all_tenants.for_org(globex).first()
    example = VerifiedExample.all_tenants.create(
        organization=globex,
        data_source=source,
        question="pedidos por mes",
        sql="SELECT COUNT(*) FROM pedidos",
        status=VerifiedExample.Status.PROPOSED,
    )
    answer = ask(membership=analyst, question="¿Cuántos pedidos hubo por sucursal?")
    message = Message.all_tenants.for_org(globex).get(pk=answer["message_id"])
    message_feedback_record(message=message, user=analyst.user, rating="down", comment="mal")
    gap = Gap.all_tenants.for_org(globex).latest("pk")
    fix = GapFix.all_tenants.create(
        organization=globex, data_source=source, kind=gap.kind, key=gap.key, text=gap.text,
        action=GapFix.Action.SYNONYM, target="secret-target",
    )  # fmt: skip
    client = Client()
    assert client.login(request=login_request(), username="admin", password="datachat-demo")
    fix_example = {"intent": "save", "question": "q", "sql": "SELECT 1"}
    preview_synonym = {"intent": "preview", "word": "w", "target": "table|pedidos"}
    posts = [
        (f"/chat/review/examples/{example.pk}/approve/", {}),
        (f"/chat/review/examples/{example.pk}/edit/", {"question": "x", "sql": "SELECT 1"}),
        (f"/chat/review/feedback/{answer['message_id']}/done/", {}),
        (f"/knowledge/gaps/{gap.pk}/example/", fix_example),
        (f"/knowledge/gaps/{gap.pk}/synonym/", preview_synonym),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    for url in (
        f"/chat/review/examples/{example.pk}/form/",
        f"/knowledge/gaps/{gap.pk}/",
        f"/knowledge/gaps/fixes/{fix.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert "secret-target" not in client.get("/knowledge/gaps/?days=365").content.decode()
    example.refresh_from_db()
    assert (
        example.status == VerifiedExample.Status.PROPOSED and example.question == "pedidos por mes"
    )
    queue = client.get("/chat/review/?feedback=all").content.decode()
    assert "pedidos por mes" not in queue and "sucursal" not in queue
    usage = client.get("/usage/export.csv?days=365").content.decode("utf-8-sig")
    assert "globex" not in usage and "pedidos" not in usage
