"""Structured logs (issue 15, eyes): a request id on every response and log line, JSON lines with
the request id, org and user, and faults thinned to one line per kind per minute."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.test import Client

from datachat.logs import JsonFormatter, OncePerMinuteFilter, RequestContextFilter

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log():  # noqa: ANN201
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    logger = logging.getLogger("datachat.test")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield logger, stream
    logger.removeHandler(handler)


def test_every_response_carries_a_request_id(client: Client):
    first, second = client.get("/accounts/login/"), client.get("/accounts/login/")
    assert len(first["X-Request-ID"]) >= 16 and first["X-Request-ID"] != second["X-Request-ID"]
    # a caller's sane id is kept (a proxy's), an insane one replaced
    assert client.get("/health", HTTP_X_REQUEST_ID="lb-42.a")["X-Request-ID"] == "lb-42.a"
    assert client.get("/health", HTTP_X_REQUEST_ID="x\ny" * 40)["X-Request-ID"] != "x\ny" * 40


def test_log_lines_of_a_request_carry_its_id_org_and_user(client, member, json_log):
    from django.test.signals import template_rendered

    logger, stream = json_log
    membership = member("acme", "analista")
    client.force_login(membership.user)

    def log_inside(**kwargs):  # noqa: ANN003, ANN202 - runs while the view renders its page
        logger.warning("inside the view")

    template_rendered.connect(log_inside, dispatch_uid="test-log-inside")
    try:
        response = client.get("/chat/")
    finally:
        template_rendered.disconnect(dispatch_uid="test-log-inside")
    assert response.status_code == 200
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    mine = [line for line in lines if line["message"] == "inside the view"]
    assert mine
    assert {line["request_id"] for line in mine} == {response["X-Request-ID"]}
    assert mine[0]["org"] == "acme" and mine[0]["user"] == membership.user_id
    # outside a request, no id
    logger.warning("outside")
    assert "request_id" not in json.loads(stream.getvalue().splitlines()[-1])


def test_json_lines_name_the_exception(json_log):
    logger, stream = json_log
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed")
    entry = json.loads(stream.getvalue().splitlines()[-1])
    assert entry["level"] == "ERROR" and entry["exc_type"] == "ValueError"
    assert "boom" in entry["exc"]


def test_one_line_per_kind_per_minute():
    thinning = OncePerMinuteFilter(60)

    def record(msg: str, level: int = logging.ERROR) -> logging.LogRecord:
        return logging.LogRecord("x", level, __file__, 1, msg, (), None)

    passed = [thinning.filter(record("redis down")) for _ in range(100)]
    assert passed.count(True) == 1
    assert thinning.filter(record("database down"))  # another kind
    assert all(thinning.filter(record("info", logging.INFO)) for _ in range(5))  # not thinned
    thinning.seconds = 0  # the minute is over: the next line says how many were dropped
    again = record("redis down")
    assert thinning.filter(again) and "99 more like this" in again.getMessage()
