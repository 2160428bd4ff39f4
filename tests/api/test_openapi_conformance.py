from __future__ import annotations

import time
import traceback

import pytest
import schemathesis
from rest_framework.authtoken.models import Token

from schemathesis.engine import Status, events, from_schema


@pytest.mark.django_db
def test_api(member):
    from django.core.wsgi import get_wsgi_application
    from django.db import connections

    token, _ = Token.objects.get_or_create(user=member("acme", "admin").user)
    config = schemathesis.Config.from_dict(
        {
            "headers": {"Authorization": f"Token {token.key}"},
            "workers": 1,
            "seed": 1,
            "generation": {"max-examples": 10, "deterministic": True, "allow-x00": False},
            "phases": {"stateful": {"enabled": False}},
            "checks": {"ignored_auth": {"enabled": False}},
        }
    )
    conn = connections["default"]
    conn.inc_thread_sharing()
    inner = get_wsgi_application()

    def app(environ, start_response):
        connections["default"] = conn
        return inner(environ, start_response)

    schema = schemathesis.openapi.from_wsgi("/api/schema/", app, config=config)
    started = time.time()
    failures = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished) and event.status in (Status.FAILURE, Status.ERROR):
            rec = event.recorder
            for case_id, checks in rec.checks.items():
                for check in checks:
                    if check.failure_info is not None:
                        case = rec.cases[case_id].value
                        inter = rec.interactions.get(case_id)
                        resp = inter.response if inter else None
                        failures.append((rec.label, check.name, resp and resp.status_code, resp and resp.content[:200], case.method, case.formatted_path, str(case.query)[:200], str(case.body)[:200], str(case.headers)[:200]))
        if isinstance(event, (events.NonFatalError, events.FatalError)):
            exc = getattr(event, "value", getattr(event, "exception", None))
            print("".join(traceback.format_exception(exc)))
            failures.append(("ERROR", repr(exc)[:500]))
    print("elapsed", time.time() - started)
    seen = set()
    for f in failures:
        key = f[:3]
        if key in seen: continue
        seen.add(key)
        print(f)
    print("total", len(failures), "distinct", len(seen))
    assert not failures
