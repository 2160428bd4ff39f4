"""Long queries as jobs through the API: 202 with a URL to poll, the answer object when done,
Stop recorded as cancelled, per-member and per-org caps answered with a "wait" and a stable code.

Celery runs eagerly here (the job runs inside the enqueue, to the end); the worker, Stop while the
query runs and `pg_cancel_backend` are tested against a real worker in
tests/test_query_jobs_worker.py. `WEB_QUERY_DEADLINE_MS=0` sends every web/API query to a job.
"""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.core.cache import cache

from apps.chat import jobs
from apps.chat.models import Message, QueryJob
from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.executor import execute
from apps.governance.engine.guard import guard_sql
from apps.governance.models import AuditEntry
from apps.governance.services import policy_resolve
from apps.knowledge.selectors import catalog_snapshot, datasource_get

pytestmark = pytest.mark.django_db

SQL = "SELECT region, COUNT(*) AS n FROM ventas GROUP BY region ORDER BY region"
SLOW = "SELECT COUNT(*) FROM ventas a CROSS JOIN ventas b CROSS JOIN ventas c"


@pytest.fixture
def as_jobs(settings):  # noqa: ANN001, ANN201
    settings.DATACHAT = {**settings.DATACHAT, "QUERY_JOBS": True, "WEB_QUERY_DEADLINE_MS": 0}
    cache.clear()  # an answer another test cached would be served without any query
    return settings


def _job_row(membership, status: str, **extra) -> QueryJob:  # noqa: ANN001
    return QueryJob.all_tenants.create(
        organization=membership.organization,
        user=membership.user,
        source_name="empresa",
        kind=Message.Kind.QUERY,
        channel="api",
        question=SQL,
        sql=SQL,
        reason="deadline",
        status=status,
        **extra,
    )


def test_a_long_query_is_a_202_with_a_job_to_poll_and_then_the_answer(api, as_jobs):
    client = api("acme", "analista")
    response = client.post("/api/v1/query/", {"sql": SQL}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["job"] == f"/api/v1/jobs/{body['id']}/" == response["Location"]
    assert body["status"] in ("queued", "running", "done") and body["reason"] == "deadline"

    polled = client.get(body["job"]).json()
    assert polled["status"] == "done"
    answer = polled["answer"]
    assert answer["type"] == "SQL" and answer["columns"] == ["region", "n"]
    assert answer["job"] == {"id": body["id"], "status": "done", "url": body["job"]}
    # Recorded like any answer, in the conversation the job was created with, and audited.
    message = Message.all_tenants.get(pk=answer["message_id"])
    assert message.conversation_id == body["conversation_id"] == answer["conversation_id"]
    entry = AuditEntry.objects.filter(details__job=body["id"]).get()
    assert (entry.outcome, entry.action, entry.channel) == ("answered", "query", "api")


def test_a_question_becomes_a_job_and_a_quick_answer_has_no_job(api, as_jobs, settings):
    client = api("acme", "analista")
    response = client.post(
        "/api/v1/chat/", {"question": "Total de ventas por región"}, format="json"
    )
    assert response.status_code == 202
    answer = client.get(response.json()["job"]).json()["answer"]
    assert answer["type"] == "SQL" and answer["job"]["status"] == "done"
    assert answer["suggestions"]  # follow-ups made in the worker as in the request
    # Asked again: the job cached its answer, so no query runs and no job is made.
    again = client.post("/api/v1/chat/", {"question": "Total de ventas por región"}, format="json")
    assert again.status_code == 200 and again.json()["cached"] and again.json()["job"] is None
    settings.DATACHAT = {**settings.DATACHAT, "QUERY_JOBS": False}
    plain = client.post("/api/v1/query/", {"sql": SQL}, format="json")
    assert plain.status_code == 200 and plain.json()["job"] is None


def test_three_running_queries_get_a_wait_answer_with_a_stable_code(api, as_jobs):
    client = api("acme", "analista")
    for _ in range(3):
        _job_row(client.membership, "running")
    before = Message.all_tenants.count()
    response = client.post("/api/v1/query/", {"sql": SQL}, format="json")
    assert response.status_code == 429 and response["Retry-After"]
    body = response.json()
    assert body["type"] == "ERROR" and body["error"]["code"] == "too_many_running_queries"
    assert "3" in body["answer"] and "Espera" in body["answer"]
    assert QueryJob.all_tenants.filter(user=client.membership.user).count() == 3  # none added
    # the "wait" is an answer like any other: stored and audited
    assert Message.all_tenants.count() == before + 1
    assert AuditEntry.objects.filter(code="too_many_running_queries").exists()
    # A colleague still runs theirs (the cap is per member) ...
    colleague = api("acme", "cientifica")
    assert colleague.post("/api/v1/query/", {"sql": SQL}, format="json").status_code == 202
    # ... until the org's own cap is reached.
    org = client.membership.organization
    org.max_running_queries = 3
    org.save()
    refused = colleague.post("/api/v1/query/", {"sql": SQL}, format="json").json()
    assert refused["error"]["code"] == "too_many_running_queries"
    assert "organización" in refused["answer"]


def test_stale_jobs_do_not_hold_the_cap(api, as_jobs):
    from django.utils import timezone

    client = api("acme", "analista")
    for _ in range(3):
        job = _job_row(client.membership, "running")
        old = timezone.now() - jobs.stale_after() * 2
        QueryJob.all_tenants.filter(pk=job.pk).update(created_at=old)
    assert client.post("/api/v1/query/", {"sql": SQL}, format="json").status_code == 202
    assert client.get(f"/api/v1/jobs/{job.pk}/").json()["status"] == "failed"


def test_stopping_a_queued_job_records_it_cancelled(api):
    client = api("acme", "analista")
    job = _job_row(client.membership, "queued")
    response = client.post(f"/api/v1/jobs/{job.pk}/cancel/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["answer"]["error"]["code"] == "query_cancelled"
    assert body["answer"]["job"]["status"] == "cancelled"
    entry = AuditEntry.objects.filter(details__job=str(job.pk)).get()
    assert (entry.outcome, entry.code, entry.rule) == ("error", "query_cancelled", "jobs.stopped")
    # Stopping again changes nothing.
    assert client.post(f"/api/v1/jobs/{job.pk}/cancel/").json()["status"] == "cancelled"
    assert AuditEntry.objects.filter(details__job=str(job.pk)).count() == 1


def test_stopping_a_running_job_flags_it_for_its_worker(api):
    client = api("acme", "analista")
    job = _job_row(client.membership, "running")
    body = client.post(f"/api/v1/jobs/{job.pk}/cancel/").json()
    assert body["status"] == "running" and body["cancel_requested"] is True
    assert jobs.cancel_requested(job.pk)


def test_another_members_or_orgs_job_is_a_404(api):
    owner = api("acme", "analista")
    job = _job_row(owner.membership, "running")
    for client in (api("acme", "cientifica"), api("globex", "globex_analyst")):
        assert client.get(f"/api/v1/jobs/{job.pk}/").status_code == 404
        assert client.post(f"/api/v1/jobs/{job.pk}/cancel/").status_code == 404
    assert QueryJob.all_tenants.get(pk=job.pk).cancel_requested is False
    assert owner.get("/api/v1/jobs/not-a-uuid/").status_code == 404


def test_the_watchdog_interrupts_a_running_sqlite_query(member):
    """What the worker does on Stop, in-process: the flag set while the query runs makes the
    watchdog call SQLite's interrupt(), and the query ends at once instead of at its timeout."""
    membership = member("acme", "admin")
    source = datasource_get(org=membership.organization, name="empresa")
    catalog = catalog_snapshot(data_source=source)
    policy = policy_resolve(membership=membership, catalog=catalog.policy_flags())
    policy = type(policy)(**{**policy.__dict__, "timeout_ms": 600_000})
    guarded = guard_sql(SLOW, dialect="sqlite", schema=catalog.schema_mapping(), policy=policy)
    job = _job_row(membership, "running")
    watch = jobs.JobWatch(job)
    started = threading.Event()

    def on_start(handle):  # noqa: ANN001, ANN202
        watch.on_start(handle)
        started.set()

    from apps.knowledge.query_context import connection_for

    stopper = threading.Thread(
        target=lambda: started.wait(30) and cache.set(f"dc:job:cancel:{job.pk}", 1, 60)
    )
    stopper.start()
    with pytest.raises(SqlRefusal):
        execute(guarded, source=connection_for(source), on_start=on_start)
    stopper.join()
    watch.close()
    assert watch.cancelled


def test_the_contract_extension_is_documented():
    from pathlib import Path

    docs = (Path(settings.BASE_DIR) / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert "/api/v1/jobs/" in docs and "too_many_running_queries" in docs
