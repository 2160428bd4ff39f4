"""Long queries on the chat page: a card that polls (htmx) with status, elapsed time and Stop,
replaced by the answer; a reload shows the running job; Stop records the cancelled answer."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from apps.chat.models import Message, QueryJob
from tests.web.conftest import HTMX

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_jobs(settings):  # noqa: ANN001, ANN201
    settings.DATACHAT = {**settings.DATACHAT, "QUERY_JOBS": True, "WEB_QUERY_DEADLINE_MS": 0}
    cache.clear()  # an answer another test cached would be served without any query


def test_a_long_question_shows_a_polling_card_then_the_answer(login, as_jobs):
    client = login("analista")
    response = client.post("/chat/", {"question": "Total de ventas por región"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    job = QueryJob.all_tenants.get()
    assert f'id="job-{job.pk}"' in html
    assert f'hx-get="/chat/jobs/{job.pk}/"' in html and 'hx-trigger="every 1s"' in html
    assert f'hx-post="/chat/jobs/{job.pk}/stop/"' in html and "Detener" in html
    assert "segundo plano" in html  # says why the answer is not here yet
    assert response["HX-Push-Url"] == f"/chat/c/{job.conversation_id}/"
    # The job ran (eager Celery here): the next poll is the answer card in its place.
    polled = client.get(f"/chat/jobs/{job.pk}/", **HTMX).content.decode()
    message = Message.all_tenants.get(pk=QueryJob.all_tenants.get().message_id)
    assert f'data-message="{message.pk}"' in polled and "<table" in polled
    assert "hx-trigger" not in polled  # no more polling


def test_a_running_job_shows_on_reload_and_stop_cancels_a_queued_one(login):
    client = login("analista")
    client.post("/chat/", {"question": "Total de ventas por región"}, **HTMX)
    message = Message.all_tenants.latest("id")
    job = QueryJob.all_tenants.create(
        organization=message.organization,
        user=message.conversation.user,
        conversation=message.conversation,
        source_name="empresa",
        kind="query",
        channel="web",
        question="SELECT COUNT(*) FROM ventas a CROSS JOIN ventas b",
        sql="SELECT COUNT(*) FROM ventas a CROSS JOIN ventas b",
        reason="deadline",
    )
    page = client.get(f"/chat/c/{message.conversation_id}/").content.decode()
    assert f'id="job-{job.pk}"' in page and "En cola" in page
    stopped = client.post(f"/chat/jobs/{job.pk}/stop/", **HTMX).content.decode()
    assert "query_cancelled" in stopped.lower() or "QUERY_CANCELLED" in stopped
    assert "Consulta detenida" in stopped
    assert QueryJob.all_tenants.get(pk=job.pk).status == "cancelled"
    # and the reloaded page shows the cancelled answer, no job card
    page = client.get(f"/chat/c/{message.conversation_id}/").content.decode()
    assert f'id="job-{job.pk}"' not in page and "Consulta detenida" in page


def test_someone_elses_job_is_a_404_on_the_page(login, member):
    owner = member("acme", "analista")
    job = QueryJob.all_tenants.create(
        organization=owner.organization,
        user=owner.user,
        source_name="empresa",
        kind="query",
        channel="web",
        question="SELECT 1",
        sql="SELECT 1",
        reason="deadline",
    )
    client = login("cientifica")
    assert client.get(f"/chat/jobs/{job.pk}/", **HTMX).status_code == 404
    assert client.post(f"/chat/jobs/{job.pk}/stop/", **HTMX).status_code == 404
    assert QueryJob.all_tenants.get(pk=job.pk).status == "queued"
