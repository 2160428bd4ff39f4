"""Project-wide middleware."""

from __future__ import annotations


class SpanishByDefaultMiddleware:
    """Spanish unless the person chose otherwise (the language switch sets a cookie/session).

    Django's LocaleMiddleware would follow the browser's Accept-Language; the product's default
    is Spanish for everyone, so the header is ignored and only an explicit choice counts.
    """

    def __init__(self, get_response) -> None:  # noqa: ANN001
        self.get_response = get_response

    def __call__(self, request):  # noqa: ANN001, ANN204
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
