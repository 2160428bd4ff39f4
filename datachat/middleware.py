"""Project-wide middleware."""

from __future__ import annotations


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
