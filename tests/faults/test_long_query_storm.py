"""A long-query storm (issue 15, seen 1): three users loop a CROSS JOIN through
`/api/v1/query/` while others ask ordinary questions. Before long queries became jobs, throughput
fell from 44 to 1.5 requests/s and everybody's p50 went from 74 ms to 4.7 s.

The product runs as in production: gunicorn (3 sync workers) on loopback, a Celery worker, Redis
and the app database. The three looping users' queries pass the web deadline once, become jobs
(the same SQL then goes straight to a job), and past three running each they get the "wait"
answer at once; other users' p95 stays within 2× of what it was before the storm. Bounded: a
10 s baseline and a 15 s storm (plus the set-up), measured again (three rounds at most) when a
neighbouring test's burst spoiled a round.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.faults.conftest import free_port
from tests.support.services import ROOT, celery_worker, manage_runner

pytestmark = [pytest.mark.services, pytest.mark.drill]

STORM_SQL = "SELECT COUNT(*) FROM ventas a CROSS JOIN ventas b CROSS JOIN ventas c"
QUESTIONS = ["Total de ventas por región", "Ventas por canal", "Top 3 productos por ingresos"]
LIFTED = {
    name: "1000000/min"
    for name in (
        "DATACHAT_API_RATE",
        "DATACHAT_API_CHAT_RATE",
        "DATACHAT_API_QUERY_RATE",
        "DATACHAT_ORG_CHAT_RATE",
        "DATACHAT_ORG_QUERY_RATE",
    )
}


def _post(url: str, token: str, body: dict) -> tuple[int, dict, float]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
            status, payload = response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        status, payload = error.code, json.loads(error.read() or b"{}")
    return status, payload, (time.perf_counter() - started) * 1000


def _get(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
        return json.loads(response.read() or b"{}")


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


@pytest.fixture
def product(tmp_path, redis_url):  # noqa: ANN001, ANN201
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    run = manage_runner(
        DATACHAT_DATA_DIR=str(tmp_path),
        REDIS_URL=redis_url,
        CELERY_TASK_ALWAYS_EAGER="0",
        DATACHAT_LOG_LEVEL="ERROR",
        **LIFTED,
    )
    run("migrate", "--noinput")
    run("seed_demo", "--rows", "2000")
    code = (
        "import json; from apps.governance.models import ApiToken, Membership\n"
        "print(json.dumps({m.user.username: ApiToken.objects.create(user=m.user)[1] "
        "for m in Membership.all_tenants.select_related('user')}))"
    )
    tokens = json.loads(run("shell", "--no-imports", "-c", code).stdout.strip().splitlines()[-1])
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "datachat/gunicorn.conf.py", "datachat.wsgi"],
        cwd=ROOT,
        env={
            **run.env,
            "DJANGO_SETTINGS_MODULE": "datachat.settings.local",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "3",
            "GUNICORN_ACCESS_LOG": "",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/health", timeout=2)  # noqa: S310 - loopback
                break
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        # Long queries run below the web's CPU priority (docs/deploy.md, "Faults").
        with celery_worker(run.env, nice=10):
            yield base, tokens
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _others(base: str, tokens: dict, seconds: float) -> list[float]:
    """Two other users asking ordinary (cached after their first time) questions in a loop."""
    spent: list[float] = []
    stop = time.monotonic() + seconds

    def loop(user: str) -> None:
        i = 0
        while time.monotonic() < stop:
            status, _body, ms = _post(
                base + "/api/v1/chat/", tokens[user], {"question": QUESTIONS[i % len(QUESTIONS)]}
            )
            assert status == 200, (status, _body)
            spent.append(ms)
            i += 1

    threads = [threading.Thread(target=loop, args=(u,)) for u in ("visor", "globex_analyst")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return spent


def _storm(base: str, tokens: dict, seconds: float) -> tuple[list[float], list[tuple[int, str]]]:
    """Three users loop the long query (each in four tabs) while the others ask; returns the
    others' times and the looping users' answers."""
    outcomes: list[tuple[int, str]] = []
    stop = threading.Event()

    def storm(user: str) -> None:
        # A client as the API documents it: on 202 poll the job until it ends, on 429 wait
        # Retry-After, then ask again.
        while not stop.is_set():
            status, body, _ms = _post(base + "/api/v1/query/", tokens[user], {"sql": STORM_SQL})
            code = (body.get("error") or {}).get("code") if isinstance(body, dict) else None
            outcomes.append((status, code or body.get("status", "")))
            if status == 429:
                stop.wait(float(body.get("retry_after") or 5))
            elif status == 202:
                while not stop.is_set() and _get(base + body["job"], tokens[user]).get(
                    "status"
                ) in ("queued", "running"):
                    stop.wait(2)

    # Each looping user in four tabs at once: one more than the three running queries allowed.
    stormers = [
        threading.Thread(target=storm, args=(u,))
        for u in ("admin", "analista", "cientifica")
        for _tab in range(4)
    ]
    for thread in stormers:
        thread.start()
    time.sleep(2)  # the storm is on: each looping user has jobs running or queued
    during = _others(base, tokens, seconds)
    stop.set()
    for thread in stormers:
        thread.join(timeout=60)
    return during, outcomes


def test_other_users_p95_stays_within_twice_normal_under_a_long_query_storm(product):
    base, tokens = product
    for user in ("visor", "globex_analyst"):  # fill their caches, as a regular day would
        for question in QUESTIONS:
            _post(base + "/api/v1/chat/", tokens[user], {"question": question})

    # A round is a 10 s baseline, then a 15 s storm. Under pytest-xdist other tests share the two
    # cores, so one window can catch a neighbour's burst: a round that misses 2x is measured again
    # (three rounds at most). A storm that really slowed everyone (before jobs: p50 74 ms -> 4.7 s)
    # misses every round.
    rounds: list[tuple[float, float]] = []
    for _round in range(3):
        normal = _others(base, tokens, 10)
        during, outcomes = _storm(base, tokens, 15)

        # The looping users got jobs (202) and then "wait" answers with the stable code (429).
        assert any(status == 202 for status, _ in outcomes), outcomes[:10]
        assert any(code == "too_many_running_queries" for _, code in outcomes), outcomes[:10]
        assert all(status in (202, 429) for status, _ in outcomes), outcomes[:10]
        rounds.append((_p95(normal), _p95(during)))
        print(
            f"others: normal p95 {_p95(normal):.0f} ms ({len(normal)} requests), storm p95 "
            f"{_p95(during):.0f} ms ({len(during)} requests); storm requests {len(outcomes)}"
        )
        if _p95(during) <= 2 * _p95(normal):
            break
    # And everyone else barely noticed.
    assert any(storm <= 2 * normal for normal, storm in rounds), rounds
