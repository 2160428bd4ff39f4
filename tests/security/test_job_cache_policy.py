"""A long query's job (apps/chat/pipeline/worker.py) caches its answer under the key the web
request computed when it queued the job, which holds the asker's policy fingerprint *then*. The
worker resolves the policy afresh (now), so an answer computed under a policy changed meanwhile
(an admin moving a viewer to another region, unmasking a column) must not be stored under the
old fingerprint, where another member with that old policy would be served it from the cache."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from apps.chat.models import Message, QueryJob
from apps.chat.pipeline import ask, run_job
from apps.governance.models import Membership, Role

pytestmark = pytest.mark.django_db

QUESTION = "¿Cuántas ventas hubo por región?"


def _queued_then_run(member, settings, monkeypatch, *, region_meanwhile: str):  # noqa: ANN001, ANN202
    """The viewer's question becomes a job; the admin sets the viewer's region before a worker
    runs it; a Norte colleague then asks the same question (jobs off): the answer they get."""
    from apps.chat import tasks

    cache.clear()
    # The broker takes the job; no worker picks it up until the policy has changed.
    monkeypatch.setattr(tasks.query_job_run_task, "delay", lambda job_id: None)
    settings.DATACHAT = {**settings.DATACHAT, "QUERY_JOBS": True, "WEB_QUERY_DEADLINE_MS": 0}
    visor = member("acme", "visor")
    assert visor.attributes.get("region") == "Norte"
    colleague = Membership.all_tenants.create(
        organization=visor.organization,
        user=get_user_model().objects.create_user("visor_norte_2", password="x"),
        role=Role.VIEWER,
        attributes={"region": "Norte"},
    )
    pending = ask(membership=visor, question=QUESTION, channel="web")
    job = QueryJob.all_tenants.get(pk=pending["id"])
    Membership.all_tenants.filter(pk=visor.pk).update(attributes={"region": region_meanwhile})
    job.status = QueryJob.Status.RUNNING
    job.save(update_fields=["status"])
    run_job(job)
    settings.DATACHAT = {**settings.DATACHAT, "QUERY_JOBS": False}
    return ask(membership=colleague, question=QUESTION, channel="web")


def test_a_job_run_under_a_changed_policy_is_not_cached_for_the_old_one(
    member, settings, monkeypatch
):
    answer = _queued_then_run(member, settings, monkeypatch, region_meanwhile="Sur")
    assert answer["type"] == "SQL"
    regions = {row[0] for row in answer["rows"]}
    assert regions == {"Norte"}, f"a Norte viewer was served {regions} from another's job"
    assert not answer.get("cached")


def test_a_job_run_under_the_same_policy_is_still_cached(member, settings, monkeypatch):
    answer = _queued_then_run(member, settings, monkeypatch, region_meanwhile="Norte")
    assert answer["type"] == "SQL" and answer.get("cached")
    assert {row[0] for row in answer["rows"]} == {"Norte"}


def test_a_queued_sql_job_is_refused_once_the_role_may_no_longer_edit_sql(
    member, settings, monkeypatch
):
    """Hand-written SQL ("edit and re-run") queued as a job runs in the worker only if the role
    may still run SQL: the admin revoking `can_edit_sql` meanwhile is a refusal, audited."""
    from apps.chat import tasks
    from apps.chat.pipeline import run_query
    from apps.governance.models import AccessPolicy, AuditEntry

    monkeypatch.setattr(tasks.query_job_run_task, "delay", lambda job_id: None)
    settings.DATACHAT = {**settings.DATACHAT, "QUERY_JOBS": True, "WEB_QUERY_DEADLINE_MS": 0}
    analista = member("acme", "analista")
    sql = "SELECT region, COUNT(*) FROM ventas GROUP BY region"
    pending = run_query(membership=analista, sql=sql, channel="web")
    job = QueryJob.all_tenants.get(pk=pending["id"])
    AccessPolicy.all_tenants.for_org(analista.organization).filter(role=Role.ANALYST).update(
        can_edit_sql=False
    )
    job.status = QueryJob.Status.RUNNING
    job.save(update_fields=["status"])
    run_job(job)
    job.refresh_from_db()
    answer = Message.all_tenants.get(pk=job.message_id).answer
    assert answer["type"] == "REFUSED" and answer["error"]["code"] == "not_authorized"
    assert not answer.get("rows")
    entry = AuditEntry.objects.filter(organization=analista.organization).order_by("-seq").first()
    assert entry.rule.endswith(".no_sql_editing")
