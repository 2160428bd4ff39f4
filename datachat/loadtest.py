"""`make loadtest`: locust, headless and bounded, against gunicorn on loopback.

    python -m datachat.loadtest [--users 32] [--seconds 30] [--workers 3]

Starts the production server (gunicorn with `datachat/gunicorn.conf.py`, local settings) on a
free loopback port over the configured app database and Redis (`DATABASE_URL`, `REDIS_URL`; the
Makefile passes PostgreSQL and Redis as `make up` does), with the demo seeded, one API token per
demo user and the request rates lifted (this measures capacity, not the limiter). Runs the
scenarios of `deploy/loadtest/locustfile.py` at `--users` concurrent users for `--seconds`, then
prints requests/s and p50/p95/p99 per scenario, and stops the server. Loopback only.
"""

from __future__ import annotations

import argparse
import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "deploy" / "loadtest" / "locustfile.py"
LIFTED_RATES = {
    "DATACHAT_API_RATE": "1000000/min",
    "DATACHAT_API_CHAT_RATE": "1000000/min",
    "DATACHAT_API_QUERY_RATE": "1000000/min",
    "DATACHAT_API_EXPORT_RATE": "1000000/min",
    "DATACHAT_ORG_CHAT_RATE": "1000000/min",
    "DATACHAT_ORG_QUERY_RATE": "1000000/min",
    "DATACHAT_ORG_EXPORT_RATE": "1000000/min",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def _tokens(env: dict[str, str], path: Path) -> None:
    code = (
        "from apps.governance.models import ApiToken, Membership\n"
        "keys = [ApiToken.objects.create(user=m.user)[1] for m in "
        "Membership.all_tenants.filter(organization__slug='acme', "
        "role__in=['ADMIN', 'ANALYST', 'DATA_SCIENTIST', 'VIEWER']).select_related('user')]\n"
        f"open({str(path)!r}, 'w').write(chr(10).join(keys))\n"
    )
    _manage(env, "shell", "--no-imports", "-c", code)


def _wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/health", timeout=2):  # noqa: S310 - loopback
                return
        except urllib.error.HTTPError:
            return  # it answers (a 503 names what is missing): it is up
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.5)
    raise RuntimeError("gunicorn did not start")


def _table(rows: list[tuple]) -> str:
    header = ("scenario", "requests", "failures", "req/s", "p50 ms", "p95 ms", "p99 ms")
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    line = "-" * (sum(widths) + 2 * (len(widths) - 1))
    return "\n".join([line, fmt.format(*header), line, *(fmt.format(*r) for r in rows), line])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=3)
    options = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="datachat-loadtest-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "datachat.settings.local",
        "DATACHAT_DATA_DIR": os.environ.get("DATACHAT_DATA_DIR", str(ROOT / "var" / "loadtest")),
        "DATACHAT_LOG_LEVEL": "ERROR",
        "GUNICORN_ACCESS_LOG": "",
        **LIFTED_RATES,
    }
    if env.get("DATABASE_URL", "").startswith("postgres"):
        subprocess.run([sys.executable, "-m", "datachat.createdb"], cwd=ROOT, env=env, check=True)
    _manage(env, "migrate", "--noinput")
    _manage(env, "seed_demo")
    tokens = work / "tokens.txt"
    _tokens(env, tokens)

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "datachat/gunicorn.conf.py",
            "datachat.wsgi:application",
        ],
        cwd=ROOT,
        env={
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(options.workers),
        },
        stdout=subprocess.DEVNULL,
        stderr=open(work / "gunicorn.log", "w"),  # noqa: SIM115 - the child's stream
        start_new_session=True,
    )
    # The worker of the process model: long queries and /health's worker check need one.
    worker = subprocess.Popen(
        [
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
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(work / "worker.log", "w"),  # noqa: SIM115 - the child's stream
        start_new_session=True,
    )
    try:
        _wait_ready(url)
        prefix = work / "stats"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(LOCUSTFILE),
                "--headless",
                "--host",
                url,
                "--users",
                str(options.users),
                "--spawn-rate",
                str(options.users),
                "--run-time",
                f"{options.seconds}s",
                "--stop-timeout",
                "10",
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "ERROR",
            ],
            cwd=ROOT,
            env={**env, "LOADTEST_TOKENS": str(tokens)},
            check=False,
            timeout=options.seconds + 120,
            stdout=subprocess.DEVNULL,
        )
        rows = []
        with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
            for row in csv.DictReader(stats):
                name = row["Name"] if row["Name"] != "Aggregated" else "all"
                rows.append(
                    (
                        name,
                        row["Request Count"],
                        row["Failure Count"],
                        f"{float(row['Requests/s']):.1f}",
                        row["50%"],
                        row["95%"],
                        row["99%"],
                    )
                )
    finally:
        for process in (server, worker):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    print(
        f"make loadtest: {options.users} concurrent users for {options.seconds} s, gunicorn "
        f"{options.workers} sync workers on loopback, {os.cpu_count()} cores"
    )
    print(_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
