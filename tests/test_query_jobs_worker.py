"""Long queries as jobs on a real Celery worker: Stop cancels the query in the database.

The product runs in subprocesses against PostgreSQL (app database) and Redis (broker, results,
cache), tasks NOT eager, with a real `celery worker`. A query that would run for minutes (a
three-way CROSS JOIN) is handed to a job; Stop cancels it where it runs: on PostgreSQL with
`pg_cancel_backend` on the backend pid the worker recorded (pg_stat_activity no longer shows the
query), on SQLite with `interrupt()` from the worker's watchdog. Either way the job ends
`cancelled`, with a message and an audit entry saying so.
"""

from __future__ import annotations

import json
import time

import psycopg
import pytest

from tests.support.services import celery_worker, manage_runner

pytestmark = [pytest.mark.services, pytest.mark.slow]

PG_SLOW = "SELECT COUNT(*) FROM ventas a CROSS JOIN ventas b CROSS JOIN ventas c"
SQLITE_SLOW = "SELECT COUNT(*) FROM ventas a CROSS JOIN ventas b CROSS JOIN ventas c"


@pytest.fixture
def product(scratch_postgres_db, redis_url, tmp_path, postgres_url):  # noqa: ANN001, ANN201
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    # A PostgreSQL data source big enough that a three-way CROSS JOIN runs for hours.
    source_name = scratch_postgres_db.rsplit("/", 1)[1] + "_src"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{source_name}"')
        # The source's own login role (never the app's): it may cancel its own backends.
        conn.execute(f"CREATE ROLE \"{source_name}\" LOGIN PASSWORD 'jobs-test'")
    admin_url = scratch_postgres_db.rsplit("/", 1)[0] + "/" + source_name
    source_url = f"postgres://{source_name}:jobs-test@127.0.0.1:5432/{source_name}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE ventas AS SELECT g AS id, (g % 7) AS cantidad "
            "FROM generate_series(1, 3000) AS g"
        )
        conn.execute("ANALYZE ventas")
        conn.execute(f'GRANT SELECT ON ventas TO "{source_name}"')
    run = manage_runner(
        DATABASE_URL=scratch_postgres_db,
        REDIS_URL=redis_url,
        DATACHAT_DATA_DIR=str(tmp_path),
        CELERY_TASK_ALWAYS_EAGER="0",
        DATACHAT_SOURCE_HOSTS="127.0.0.1,localhost",
        DATACHAT_WEB_QUERY_DEADLINE_MS="300",
    )

    def shell(code: str) -> str:
        lines = run("shell", "--no-imports", "-c", code).stdout.strip().splitlines()
        return lines[-1] if lines else ""

    run("migrate", "--noinput")
    run("seed_demo", "--rows", "2000")
    run("add_datasource", "--org", "acme", "--name", "big", "--url", source_url, "--open")
    # The org's deadline far beyond the test: only Stop can end these queries.
    shell(
        "from apps.governance.models import Organization; "
        "Organization.objects.filter(slug='acme').update(query_timeout_ms=600000)"
    )
    shell.app_db = scratch_postgres_db  # type: ignore[attr-defined]
    shell.source_db = source_url  # type: ignore[attr-defined]
    with celery_worker(run.env):
        try:
            yield shell
        finally:
            with psycopg.connect(postgres_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{source_name}" WITH (FORCE)')
                conn.execute(f'DROP ROLE IF EXISTS "{source_name}"')


def _start(shell, sql: str, source: str) -> dict:  # noqa: ANN001
    code = (
        "import json; from apps.governance.models import Membership; "
        "from apps.chat.pipeline import run_query; "
        "m = Membership.all_tenants.get(organization__slug='acme', user__username='admin'); "
        f"print(json.dumps(run_query(membership=m, sql={sql!r}, source_name={source!r}, "
        "channel='api'), default=str))"
    )
    return json.loads(shell(code))


def _stop(shell, job_id: str) -> str:  # noqa: ANN001
    return shell(
        "from apps.chat.models import QueryJob; from apps.chat.jobs import job_stop; "
        f"j = QueryJob.all_tenants.get(pk={job_id!r}); print(job_stop(job=j, user=j.user).status)"
    )


def _job(app_db: str, job_id: str) -> dict:
    with psycopg.connect(app_db) as conn:
        row = conn.execute(
            "SELECT status, backend_pid, message_id FROM chat_queryjob WHERE id = %s", (job_id,)
        ).fetchone()
    return {"status": row[0], "backend_pid": row[1], "message_id": row[2]}


def _wait(predicate, what: str, timeout: float = 60.0):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _active_queries(source_db: str, pid: int) -> list[str]:
    with psycopg.connect(source_db) as conn:
        return [
            q
            for (q,) in conn.execute(
                "SELECT query FROM pg_stat_activity WHERE pid = %s AND state = 'active' "
                "AND query LIKE %s",
                (pid, "%datachat_query%"),
            ).fetchall()
        ]


def _recorded(app_db: str, message_id: int, job_id: str) -> tuple[dict, list]:
    with psycopg.connect(app_db) as conn:
        answer = conn.execute(
            "SELECT answer FROM chat_message WHERE id = %s", (message_id,)
        ).fetchone()[0]
        audits = conn.execute(
            "SELECT outcome, code, rule FROM governance_auditentry WHERE details->>'job' = %s",
            (job_id,),
        ).fetchall()
    return answer, audits


def test_stop_cancels_a_postgresql_query_in_the_database(product):
    pending = _start(product, PG_SLOW, "big")
    # The planner's cost is far above the org's threshold: straight to a job, never run here.
    assert pending.get("pending") and pending["reason"] == "cost", pending
    assert pending["job"] == f"/api/v1/jobs/{pending['id']}/"
    job_id = pending["id"]
    running = _wait(
        lambda: (j := _job(product.app_db, job_id))["backend_pid"] and j, "the query to start"
    )
    assert running["status"] == "running"
    pid = running["backend_pid"]
    assert _wait(lambda: _active_queries(product.source_db, pid), "the query in pg_stat_activity")

    _stop(product, job_id)

    _wait(lambda: not _active_queries(product.source_db, pid), "the query to leave the database")
    done = _wait(
        lambda: (j := _job(product.app_db, job_id))["status"] != "running" and j, "the job to end"
    )
    assert done["status"] == "cancelled"
    answer, audits = _recorded(product.app_db, done["message_id"], job_id)
    assert answer["type"] == "ERROR" and answer["error"]["code"] == "query_cancelled"
    assert answer["job"] == {"id": job_id, "status": "cancelled", "url": pending["job"]}
    assert audits == [("error", "query_cancelled", "jobs.stopped")]


def test_stop_interrupts_a_sqlite_query_in_the_worker(product):
    pending = _start(product, SQLITE_SLOW, "empresa")
    # SQLite has no cost estimate: a first attempt ran into the web deadline.
    assert pending.get("pending") and pending["reason"] == "deadline", pending
    job_id = pending["id"]
    _wait(lambda: _job(product.app_db, job_id)["status"] == "running", "the job to start")
    assert _stop(product, job_id) in ("running", "cancelled")
    done = _wait(
        lambda: (j := _job(product.app_db, job_id))["status"] != "running" and j, "the job to end"
    )
    assert done["status"] == "cancelled"
    answer, audits = _recorded(product.app_db, done["message_id"], job_id)
    assert answer["error"]["code"] == "query_cancelled"
    assert audits == [("error", "query_cancelled", "jobs.stopped")]
