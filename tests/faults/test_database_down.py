"""The app database down (issue 15, seen 7): 503 with Retry-After (JSON under /api/, a short page
elsewhere), one log line per failure kind per minute, not a traceback per request; persistent,
health-checked connections and a statement timeout on PostgreSQL.

Each test runs the product in a subprocess against a real PostgreSQL (a scratch database) or a
PostgreSQL address nothing listens on."""

from __future__ import annotations

import json

import pytest

from tests.faults.conftest import free_port
from tests.support.services import manage_runner

pytestmark = [pytest.mark.services, pytest.mark.drill]

REQUESTS = """
import json
from django.test import Client
client = Client(raise_request_exception=False)
client.cookies["sessionid"] = "a" * 32  # a returning member: the session is looked up
seen = []
for path in ["/api/v1/conversations/"] * 25 + ["/chat/"] * 25:
    r = client.get(path)
    seen.append([path, r.status_code, r.get("Retry-After"), r.get("Content-Type"),
                 r.content.decode()[:300]])
print(json.dumps(seen))
"""


def test_a_database_outage_answers_503_with_retry_after_and_logs_little(postgres_url, tmp_path):
    # Given the app database's server is unreachable (nothing listens on its port)
    run = manage_runner(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/datachat",
        DATACHAT_DATA_DIR=str(tmp_path),
        DATACHAT_LOG_LEVEL="WARNING",
    )
    # When 50 requests come in (an API call and a page, each from a returning member)
    result = run("shell", "--no-imports", "-c", REQUESTS)
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    # Then every one is a 503 with Retry-After: JSON with a stable code for the API, a page else
    for path, status, retry_after, content_type, body in seen:
        assert status == 503, (path, status, body)
        assert retry_after and int(retry_after) > 0
        if path.startswith("/api/"):
            assert json.loads(body)["error"]["code"] == "service_unavailable"
        else:
            assert content_type.startswith("text/html") and "503" in body
    # And the log holds a few lines (one per kind a minute), not a traceback per request
    errors = [line for line in result.stderr.splitlines() if " ERROR " in line]
    assert 1 <= len(errors) <= 4, result.stderr[-3000:]
    assert len(result.stderr) < 20_000


CONNECTION = """
from django.db import connection, OperationalError
connection.ensure_connection()
with connection.cursor() as cur:
    cur.execute("SHOW statement_timeout")
    timeout = cur.fetchone()[0]
    try:
        cur.execute("SELECT pg_sleep(3)")
        cut = False
    except OperationalError:
        cut = True
s = connection.settings_dict
print(json.dumps([timeout, cut, s["CONN_MAX_AGE"], s["CONN_HEALTH_CHECKS"]]))
"""


def test_the_app_database_has_a_statement_timeout_and_kept_connections(
    scratch_postgres_db, tmp_path
):
    run = manage_runner(
        DATABASE_URL=scratch_postgres_db,
        DATACHAT_DATA_DIR=str(tmp_path),
        DATACHAT_DB_STATEMENT_TIMEOUT_MS="1500",
        DATACHAT_DB_CONN_MAX_AGE="60",
    )
    out = run("shell", "-c", "import json\n" + CONNECTION).stdout.strip().splitlines()[-1]
    timeout, cut, max_age, health_checks = json.loads(out)
    assert timeout == "1500ms"
    assert cut, "a 3 s statement outlived the 1.5 s statement timeout"
    assert max_age == 60 and health_checks is True


def test_production_keeps_connections_by_default():
    import os
    import subprocess
    import sys

    from tests.support.services import ROOT

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "datachat.settings.production",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DATACHAT_FIELD_KEY": "k" * 44,
        "DATACHAT_AUDIT_KEY": "k1:" + "s" * 40,
        "DJANGO_ALLOWED_HOSTS": "example.org",
    }
    env.pop("DATACHAT_DB_CONN_MAX_AGE", None)
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['CONN_MAX_AGE'], s.SESSION_ENGINE, "
        "s.LOGGING['handlers']['console']['formatter'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.stdout.split() == ["60", "django.contrib.sessions.backends.cached_db", "json"], (
        out.stderr[-2000:]
    )
