"""Error pages: JSON with a stable code under /api/, the usual HTML elsewhere."""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import csrf, defaults


def _api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api(request):
        return JsonResponse(
            {"detail": "Not found.", "error": {"code": "not_found", "message": "Not found."}},
            status=404,
        )
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    from datachat.middleware import database_unavailable, database_unavailable_response

    exc = sys.exc_info()[1]  # handler500 runs inside Django's `except`
    if database_unavailable(exc):
        return database_unavailable_response(request, exc)
    if _api(request):
        message = "Internal error; it was logged."
        return JsonResponse(
            {"detail": message, "error": {"code": "internal_error", "message": message}},
            status=500,
        )
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """`CSRF_FAILURE_VIEW`: the usual 403 page, and the failure in the audit log (aggregated)."""
    from apps.governance.refusals import Kind, refusal_from_request

    refusal_from_request(request=request, kind=Kind.CSRF_FAILED, status=403)
    return csrf.csrf_failure(request, reason=reason)
