"""Login throttling glue for django-axes: the lockout answer and the client's address.

axes (settings: `AXES_*` in datachat/settings/base.py) counts failed logins per username and
address in the database and, past the limit, refuses further attempts *before* any password is
checked (`AxesStandaloneBackend` is the first authentication backend), on the login page and the
admin's login alike. This module only decides what a refused client sees and which address is
theirs.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def _cooloff_seconds() -> int:
    cooloff = settings.AXES_COOLOFF_TIME
    return max(1, math.ceil(cooloff.total_seconds())) if cooloff else 0


def lockout_message() -> str:
    """What a locked-out person reads: why, for how long, and that waiting is enough."""
    seconds = _cooloff_seconds()
    if not seconds:
        return _(
            "Too many failed logins: this account is locked. Ask an administrator to unlock it."
        )
    minutes = max(1, math.ceil(seconds / 60))
    return _(
        "Too many failed logins: logging in is blocked for %(period)s. "
        "Each further attempt starts the wait again; an administrator can unlock it sooner."
    ) % {"period": ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}}


def login_locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """`AXES_LOCKOUT_CALLABLE`: 429 with `Retry-After` and a page saying how long to wait."""
    seconds = _cooloff_seconds()
    message = lockout_message()
    if request.headers.get("accept", "").startswith("application/json"):
        response: HttpResponse = JsonResponse(
            {"detail": message, "error": {"code": "login_locked_out", "message": message}},
            status=429,
        )
    else:
        response = render(
            request,
            "registration/locked_out.html",
            {"message": message, "failure_limit": settings.AXES_FAILURE_LIMIT},
            status=429,
        )
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


def client_ip_address(request: HttpRequest) -> str | None:
    """`AXES_CLIENT_IP_CALLABLE`: REMOTE_ADDR, or with `DATACHAT_TRUSTED_PROXIES` = N reverse
    proxies in front, the address the outermost of them saw (the N-th from the right of
    X-Forwarded-For): the addresses to its left are whatever the client chose to send."""
    proxies = getattr(settings, "DATACHAT_TRUSTED_PROXIES", 0)
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")
