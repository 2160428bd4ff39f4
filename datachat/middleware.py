"""Project-wide middleware."""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers


class SpanishByDefaultMiddleware:
    """Spanish unless the person chose otherwise (the language switch sets a cookie/session).

    Django's LocaleMiddleware would follow the browser's Accept-Language; the portal's default
    is Spanish for everyone, so on pages the header is ignored and only an explicit choice
    counts. API clients state their language with the header, and it is honoured there.
    """

    def __init__(self, get_response) -> None:  # noqa: ANN001
        self.get_response = get_response

    def __call__(self, request):  # noqa: ANN001, ANN204
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response a view produced, unless the view chose its own.

    Pages and API answers carry an organization's data (answers, conversations, the audit log,
    knowledge), so neither the browser's back-button cache nor a shared proxy may keep a copy,
    and a logged-out browser must not show them again. Static files never reach this middleware
    (WhiteNoise answers them first, with long cache lifetimes of their own).
    """

    def __init__(self, get_response) -> None:  # noqa: ANN001
        self.get_response = get_response

    def __call__(self, request):  # noqa: ANN001, ANN204
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
