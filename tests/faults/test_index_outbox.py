"""Knowledge edits reach the index through faults (issue 15, seen 4): the outbox row is written
with the edit, survives a broker outage, and is delivered by the beat task once the broker is
back; a worker killed mid-index leaves no edit behind.

The product runs in subprocesses against PostgreSQL (a scratch database) and a Redis server of
the test's own (broker, results, cache) that the test kills and restarts; a real `celery worker`
and `celery beat` do the work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from tests.support.services import ROOT, manage_runner

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.drill]

PENDING = (
    "from apps.knowledge.models import IndexOutbox; "
    "print(IndexOutbox.objects.filter(done_at__isnull=True).count())"
)


def wait_for(check: Callable[[], bool], timeout: float = 90.0, what: str = "") -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(0.5)
    raise AssertionError(f"not done in {timeout:.0f} s: {what}")


class Product:
    """manage.py commands, a worker and beat, all against one database and one Redis."""

    def __init__(self, database_url: str, redis_url: str, data_dir: str, **extra: str) -> None:
        self.run = manage_runner(
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            DATACHAT_DATA_DIR=data_dir,
            CELERY_TASK_ALWAYS_EAGER="0",
            DATACHAT_OUTBOX_SECONDS="1",
            DATACHAT_OUTBOX_REDELIVER_SECONDS="3",
            **extra,
        )
        self.data_dir = data_dir
        self.processes: dict[str, subprocess.Popen] = {}

    def shell(self, code: str) -> str:
        lines = self.run("shell", "--no-imports", "-c", code).stdout.strip().splitlines()
        return lines[-1] if lines else ""

    def start(self, name: str, *args: str) -> None:
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "datachat", *args, "--loglevel", "WARNING"],
            cwd=ROOT,
            env={**self.run.env, "DJANGO_SETTINGS_MODULE": "datachat.settings.local"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def start_worker(self, name: str = "worker") -> None:
        self.start(name, "worker", "--pool", "solo", "--without-gossip", "--without-mingle")

    def start_beat(self) -> None:
        schedule = os.path.join(self.data_dir, "beat-schedule")
        self.start("beat", "beat", "--schedule", schedule)

    def kill(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name)
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.kill(name)

    def pending(self) -> int:
        return int(self.shell(PENDING))

    def findable(self, term: str, document_id: int) -> bool:
        probe = (
            "from apps.knowledge.indexing import vector_store; "
            f"hits = vector_store().query('acme', {term!r}, k=5); "
            f"print(any({term!r} in h.metadata.get('text', '') and "
            f"h.metadata['document_id'] == '{document_id}' for h in hits))"
        )
        return self.shell(probe) == "True"

    def edit(self, term: str, n: int = 0) -> int:
        """Append `term` to the acme document number `n` (by id) through the service; its id."""
        code = (
            "from apps.governance.models import Organization; "
            "from apps.knowledge.models import Document; "
            "from apps.knowledge.services import document_upsert; "
            "org = Organization.objects.get(slug='acme'); "
            f"doc = Document.all_tenants.filter(organization=org).order_by('pk')[{n}]; "
            "document_upsert(org=org, title=doc.title, kind=doc.kind, "
            "table_name=doc.table_name, data_source=doc.data_source, "
            f"body=doc.body + '\\n\\n{term}: nombre clave interno.'); print(doc.pk)"
        )
        return int(self.shell(code))


@pytest.fixture
def product(scratch_postgres_db, own_redis, tmp_path):  # noqa: ANN001, ANN201
    product = Product(scratch_postgres_db, own_redis.url, str(tmp_path))
    product.redis = own_redis  # type: ignore[attr-defined]
    product.run("migrate", "--noinput")
    product.run("seed_demo", "--rows", "300")
    try:
        yield product
    finally:
        product.stop_all()


def test_an_edit_made_while_the_broker_is_down_reaches_the_index(product):
    # Given the seed's documents indexed by a worker, and the outbox empty
    product.start_worker()
    wait_for(lambda: product.pending() == 0, 120, "the seed indexed")
    # When the broker dies and a steward edits a document
    product.redis.stop()
    started = time.monotonic()
    document_id = product.edit("Zorzalino")
    # Then the edit is saved at once, and its outbox row stays pending
    assert time.monotonic() - started < 20
    assert product.pending() == 1
    assert not product.findable("Zorzalino", document_id)
    # When the broker comes back (empty: the message was never sent) and beat runs
    product.redis.start()
    product.start_beat()
    # Then beat delivers the row, the worker indexes the edit and marks it done
    wait_for(lambda: product.pending() == 0, 90, "the outbox drained")
    assert product.findable("Zorzalino", document_id)


def test_a_worker_killed_mid_index_loses_no_edit(product):
    # Given edits queued while no worker runs, then a worker killed as it works through them
    product.start_beat()
    ids = {product.edit(f"Colibri{n}", n): f"Colibri{n}" for n in range(5)}
    product.start_worker()
    time.sleep(1.0)
    product.kill("worker", signal.SIGKILL)
    # When a new worker starts
    product.start_worker("worker2")
    # Then every edit is in the index (redelivered by the outbox or the broker) and none pending
    wait_for(lambda: product.pending() == 0, 120, "the outbox drained after the kill")
    for document_id, term in ids.items():
        assert product.findable(term, document_id), term
