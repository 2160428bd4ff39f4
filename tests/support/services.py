"""Gates for tests that need real services (PostgreSQL, Redis, a Celery worker).

Without the service a test skips with the reason shown; with DATACHAT_REQUIRE_SERVICES=1 (CI) it
fails instead, so a green CI run means the service-backed tests really ran.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

POSTGRES_URL = os.environ.get(
    "DATACHAT_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


def _per_worker_redis(url: str) -> str:
    """One Redis database per xdist worker: tests that start a real Celery worker flush their
    database and consume its default queue, so two such tests running at once on a shared
    database would take (or wipe) each other's tasks. gw0 keeps the configured database, gw1 the
    one below it, and so on (wrapping within Redis's 16)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw") or not worker[2:].isdigit():
        return url
    base, _, db = url.rpartition("/")
    if not db.isdigit():
        return url
    return f"{base}/{(int(db) - int(worker[2:])) % 16}"


REDIS_URL = _per_worker_redis(
    os.environ.get("DATACHAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
)


def services_required() -> bool:
    return os.environ.get("DATACHAT_REQUIRE_SERVICES") == "1"


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=1):
            return True
    except OSError:
        return False


def need_service(name: str, url: str) -> None:
    """Skip (or, in CI, fail) when the service at `url` does not answer."""
    if _reachable(url):
        return
    message = f"{name} is not reachable at {urlparse(url).netloc}"
    if services_required():
        pytest.fail(f"{message} and DATACHAT_REQUIRE_SERVICES=1")
    pytest.skip(f"{message}; set DATACHAT_TEST_DATABASE_URL / DATACHAT_TEST_REDIS_URL")


@pytest.fixture
def postgres_url() -> str:
    need_service("PostgreSQL", POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture
def redis_url() -> str:
    need_service("Redis", REDIS_URL)
    return REDIS_URL


@pytest.fixture
def scratch_postgres_db(postgres_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards."""
    import psycopg

    name = f"datachat_t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parsed = urlparse(postgres_url)
    url = parsed._replace(path=f"/{name}").geturl()
    try:
        yield url
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


ROOT = Path(__file__).resolve().parents[2]


def manage_runner(**variables: str):  # noqa: ANN201
    """`run(*args, check=True)` → a finished `manage.py` subprocess, the way a user runs it.

    The environment is this one without the suite's own settings module and service URLs, plus
    `variables` (DATACHAT_DATA_DIR, DATABASE_URL, REDIS_URL, …).
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "OPENAI_API_KEY", "DJANGO_SETTINGS_MODULE")
    }
    env.update(variables)

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{args} failed: {result.stderr[-3000:]}")
        return result

    run.env = env  # type: ignore[attr-defined]
    return run


@contextlib.contextmanager
def celery_worker(env: dict[str, str], *, nice: int = 0) -> Iterator[subprocess.Popen]:
    """A real `celery worker` (solo pool) of the product, with `env` (a `manage_runner`'s) and
    `nice` (its CPU priority below the caller's), stopped (its whole process group) on exit."""
    worker = subprocess.Popen(
        [
            *(["nice", "-n", str(nice)] if nice else []),
            sys.executable,
            "-m",
            "celery",
            "-A",
            "datachat",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "datachat.settings.local"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield worker
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)


MARIADB_URL = os.environ.get("DATACHAT_TEST_MARIADB_URL", "mysql://root@127.0.0.1:3306/test")


@pytest.fixture
def mariadb_url() -> str:
    """The MariaDB server's admin URL; skipped (failed under DATACHAT_REQUIRE_SERVICES=1) with
    the reason shown when it does not answer."""
    if not _reachable(MARIADB_URL):
        message = f"MariaDB is not reachable at {urlparse(MARIADB_URL).netloc}"
        if services_required():
            pytest.fail(f"{message} and DATACHAT_REQUIRE_SERVICES=1")
        pytest.skip(f"{message}; start it or set DATACHAT_TEST_MARIADB_URL")
    return MARIADB_URL


@pytest.fixture
def scratch_mariadb_db(mariadb_url: str) -> Iterator[str]:
    """A fresh, empty MariaDB database for one test (a name of its own: helpers and workers
    sharing the server never clash); dropped afterwards."""
    import pymysql

    from apps.governance.engine.dialects.mariadb import connect_args

    name = f"datachat_t_{uuid.uuid4().hex[:10]}"
    conn = pymysql.connect(**{**connect_args(mariadb_url), "autocommit": True})
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    finally:
        conn.close()
    parsed = urlparse(mariadb_url)
    try:
        yield parsed._replace(path=f"/{name}").geturl()
    finally:
        conn = pymysql.connect(**{**connect_args(mariadb_url), "autocommit": True})
        try:
            with conn.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        finally:
            conn.close()
