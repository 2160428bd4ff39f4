"""The OpenAPI document tells the truth: schemathesis against /api/schema/, through the WSGI app.

Schemathesis loads the document the app serves and drives every operation with generated
requests (its examples, coverage and fuzzing phases: boundary values, wrong types, missing
fields, unknown methods, generated bodies), in-process through the WSGI application (no
network), with an org admin's token so the compliance endpoints answer too. Every one of its
default checks must hold: no 5xx, no status code the document does not list, bodies and
content types as documented, invalid input rejected and valid input accepted.

Two settings, and why:
- `allow-x00: false`: a NUL character is refused on purpose (400 `bad_input`, tested in
  test_bad_input.py); generated strings keep it out so the other checks see the operation.
- the `ignored_auth` check is off: in schemathesis 4.32 it fails with a TypeError over the WSGI
  transport (it passes `max_redirects` to werkzeug). What it checks, that an operation refuses a
  request without credentials, is `test_every_operation_refuses_an_anonymous_client` below.

Runs in about 30 s alone (the coverage phase is most of it): the deterministic seed keeps it
stable; `max-examples` bounds the fuzzing.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.db import connections
from schemathesis.engine import Status, events, from_schema

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SCHEMA_PATH = "/api/schema/"


def _app_on_this_connection() -> Any:
    """The WSGI app, answering on the test's own database connection.

    Schemathesis sends requests from a worker thread; Django would give that thread a
    connection of its own, outside the test's transaction (where the seeded demo and the token
    live). Sharing this one is what Django's LiveServerTestCase does for SQLite in memory; the
    test's thread only waits for events meanwhile, so the connection is never used by two
    threads at once.
    """
    connection = connections["default"]
    connection.inc_thread_sharing()
    application = get_wsgi_application()

    def app(environ: dict, start_response: Any) -> Any:
        connections["default"] = connection
        return application(environ, start_response)

    app.release = connection.dec_thread_sharing  # type: ignore[attr-defined]
    return app


# A schema-valid upload whose content is not a usable SQLite database is refused by design with
# a documented 400/413 and one of these codes: what a file holds is checked by the service
# (docs/your-own-data.md), it cannot be said in the schema.
_UPLOAD_CONTENT_CODES = (b'"file_not_sqlite"', b'"file_too_large"', b'"file_unreadable"')


def _upload_content_refusal(check_name: str, case: Any, status: Any, body: bytes) -> bool:
    return (
        check_name == "positive_data_acceptance"
        and case.method.upper() == "POST"
        and case.formatted_path == "/api/v1/datasources/"
        and status in (400, 413)
        and any(code in body for code in _UPLOAD_CONTENT_CODES)
    )


def _failure_lines(event: events.ScenarioFinished) -> list[str]:
    recorder = event.recorder
    lines = []
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.failure_info is None:
                continue
            case = recorder.cases[case_id].value
            interaction = recorder.interactions.get(case_id)
            response = interaction.response if interaction else None
            status = response.status_code if response is not None else "no response"
            body = response.content[:300] if response is not None else b""
            if _upload_content_refusal(check.name, case, status, body):
                continue
            lines.append(
                f"{recorder.label} [{check.name}] {case.method} {case.formatted_path} "
                f"query={case.query!r} body={str(case.body)[:200]!r} -> {status} {body!r}"
            )
    return lines


def test_every_operation_answers_only_documented_status_codes_and_never_5xx(api):
    token = api("acme", "admin")._credentials["HTTP_AUTHORIZATION"]
    config = schemathesis.Config.from_dict(
        {
            "headers": {"Authorization": token},
            "workers": 1,
            "seed": 1,
            "generation": {
                "max-examples": 10,
                "deterministic": True,
                "allow-x00": False,
                "database": "none",
            },
            "phases": {"stateful": {"enabled": False}},
            "checks": {"ignored_auth": {"enabled": False}},
        }
    )
    app = _app_on_this_connection()
    try:
        schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, app, config=config)
        operations = {op.ok().label for op in schema.get_all_operations()}
        failures: list[str] = []
        tested: set[str] = set()
        for event in from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished):
                tested.add(event.recorder.label)
                if event.status in (Status.FAILURE, Status.ERROR):
                    failures.extend(_failure_lines(event))
            elif isinstance(event, (events.NonFatalError, events.FatalError)):
                failures.append(f"schemathesis error: {getattr(event, 'value', event)!r}")
    finally:
        app.release()

    assert len(operations) >= 14, operations  # the whole API is in the document
    assert operations <= tested, f"not exercised: {sorted(operations - tested)}"
    assert not failures, f"{len(failures)} conformance failures:\n" + "\n".join(failures[:40])


def test_every_operation_refuses_an_anonymous_client_with_a_documented_401(client):
    schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, get_wsgi_application())
    for result in schema.get_all_operations():
        operation = result.ok()
        assert "401" in operation.definition.raw["responses"], operation.label
        # An id of the documented kind: a number, or a UUID for a job.
        path = operation.path.replace(
            "{id}", "00000000-0000-4000-8000-000000000000" if "/jobs/" in operation.path else "1"
        )
        response = client.generic(operation.method.upper(), path)
        assert response.status_code == 401, (operation.label, response.status_code)
        assert response.json()["error"]["code"] == "not_authenticated", operation.label
