"""Logging that helps in an outage: a request id on every line, JSON lines for the log shipper,
and one line per failure kind per minute instead of one per request.

- `RequestIdMiddleware` gives each request an id (the caller's `X-Request-ID` when it is a sane
  token, else a new one), keeps it with the org and user in a contextvar for the log lines the
  request writes, and returns it in the `X-Request-ID` response header.
- `JsonFormatter` writes each record as one JSON object (`DATACHAT_LOG_FORMAT=json`).
- `OncePerMinuteFilter` lets through the first record of each kind (logger, level, message
  template and exception type) per window and drops the rest, counting them: the next line of
  that kind says how many were dropped. During a Redis or database outage every request fails
  the same way; the log gets one line a minute per way, not a traceback per request.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

# {"request_id": …, "org": …, "user": …} of the request being served (empty outside one).
_request_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "datachat_request_context", default=None
)


class _Context:
    """`request_context.get()` is the request's dict, or an empty one outside a request."""

    def get(self) -> dict[str, Any]:
        return _request_context.get() or {}

    def set(self, value: dict[str, Any]) -> contextvars.Token:
        return _request_context.set(value)

    def reset(self, token: contextvars.Token) -> None:
        _request_context.reset(token)


request_context = _Context()


def current_request_id() -> str:
    return str(request_context.get().get("request_id") or "")


class RequestIdMiddleware:
    """First in the stack: every later log line of the request carries its id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex
        request.request_id = request_id
        context = {"request_id": request_id}
        token = request_context.set(context)
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


def request_context_note(request: HttpRequest) -> None:
    """Add the org and user of an authenticated request to its log context (TenantMiddleware)."""
    context = request_context.get()
    if not context:
        return
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        context["user"] = user.pk
    membership = getattr(request, "membership", None)
    if membership is not None:
        context["org"] = getattr(membership.organization, "slug", None)


class RequestContextFilter(logging.Filter):
    """Put `request_id`, `org` and `user` on every record (empty strings outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = request_context.get()
        for name in ("request_id", "org", "user"):
            if not hasattr(record, name):
                setattr(record, name, context.get(name, ""))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, org, user, and the
    exception's type and traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        context = request_context.get()
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ("request_id", "org", "user"):
            value = getattr(record, name, None) or context.get(name)
            if value:
                entry[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc_type"] = record.exc_info[0].__name__
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)

    converter = time.gmtime


class OncePerMinuteFilter(logging.Filter):
    """At most one record per kind per `seconds` (attach to a handler or a logger)."""

    def __init__(self, seconds: float = 60.0) -> None:
        super().__init__()
        self.seconds = float(seconds)
        self._lock = threading.Lock()
        self._last: dict[tuple, float] = {}
        self._dropped: dict[tuple, int] = {}

    @staticmethod
    def kind(record: logging.LogRecord) -> tuple:
        exc = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
        return (record.name, record.levelno, str(record.msg), exc)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True  # only faults are thinned
        key = self.kind(record)
        now = time.monotonic()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.seconds:
                self._dropped[key] = self._dropped.get(key, 0) + 1
                return False
            self._last[key] = now
            dropped = self._dropped.pop(key, 0)
            if len(self._last) > 1000:  # bounded: forget the oldest kinds
                for old in sorted(self._last, key=self._last.get)[:500]:
                    self._last.pop(old, None)
        if dropped:
            record.msg = f"{record.msg} [{dropped} more like this in the last minute not logged]"
        return True
