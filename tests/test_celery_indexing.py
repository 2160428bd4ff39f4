"""Indexing on a real Celery worker with Redis: edits reach the index, stale answers are not served.

The whole product runs in subprocesses against PostgreSQL (app database) and Redis (broker,
results, cache), with tasks NOT eager: the seed enqueues one index task per document and a real
`celery worker` consumes them.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.support.services import celery_worker, manage_runner

pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.fixture
def product(scratch_postgres_db, redis_url, tmp_path):  # noqa: ANN001, ANN201
    import redis

    # This xdist worker's own database (tests/support/services.py): a fixed one was another
    # worker's, whose Celery worker then took this test's tasks (or the other way round).
    redis.Redis.from_url(redis_url).flushdb()
    run = manage_runner(
        DATABASE_URL=scratch_postgres_db,
        REDIS_URL=redis_url,
        DATACHAT_DATA_DIR=str(tmp_path),
        CELERY_TASK_ALWAYS_EAGER="0",
    )

    def manage(*args: str) -> str:
        return run(*args).stdout

    def shell(code: str) -> str:
        # Django's shell may print a banner line first: the answer is the last line.
        lines = manage("shell", "--no-imports", "-c", code).strip().splitlines()
        return lines[-1] if lines else ""

    manage("migrate", "--noinput")
    manage("seed_demo", "--rows", "2000")
    manage.shell = shell  # type: ignore[attr-defined]
    # The shared helper: its output goes nowhere (a pipe nobody reads fills up and stalls it).
    with celery_worker(run.env):
        yield manage


COUNT = (
    "from apps.governance.models import Organization; "
    "from apps.knowledge.indexing import org_vector_count; "
    "print(org_vector_count(Organization.objects.get(slug='acme')))"
)


def wait_for(check, timeout: float = 90.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(1.0)
    raise AssertionError("the worker did not finish in time")


def test_worker_indexes_edits_and_cached_answers_die(product):
    # Given the seed's documents, indexed by the worker (not eagerly)
    wait_for(lambda: int(product.shell(COUNT)) > 0)
    question = "¿Qué columnas tiene la tabla ventas?"
    first = json.loads(product("ask", "--org", "acme", "--user", "analista", "--json", question))
    again = json.loads(product("ask", "--org", "acme", "--user", "analista", "--json", question))
    assert first["type"] == "RAG" and again["cached"]

    # When a steward edits a document (a new unique term) and the worker re-indexes it
    edit = (
        "from apps.governance.models import Organization; "
        "from apps.knowledge.models import Document; "
        "from apps.knowledge.services import document_upsert; "
        "org = Organization.objects.get(slug='acme'); "
        "doc = Document.all_tenants.get(organization=org, kind='GLOSSARY'); "
        "document_upsert(org=org, title=doc.title, kind=doc.kind, table_name=doc.table_name, "
        "data_source=doc.data_source, body=doc.body + '\\n\\nQuetzalcoatl: nombre clave interno "
        "del cierre trimestral.')"
    )
    product.shell(edit)
    probe = (
        "from apps.governance.models import Organization; "
        "from apps.knowledge.indexing import vector_store; "
        "hits = vector_store().query('acme', 'Quetzalcoatl cierre trimestral', k=3); "
        "print(any('Quetzalcoatl' in h.metadata.get('text', '') for h in hits))"
    )
    wait_for(lambda: product.shell(probe) == "True")

    # Then the cached answer built on the old knowledge is not served any more
    after = json.loads(product("ask", "--org", "acme", "--user", "analista", "--json", question))
    assert not after["cached"]
    assert after["type"] == "RAG"
