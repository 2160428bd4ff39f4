"""Project-wide middleware."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from django import db
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language

BAD_INPUT = "bad_input"
# Request bodies of this API are flat objects (depth 2 at most); 32 levels leave room for any
# JSON a client sends on purpose and stop a parser long before Python's recursion limit.
JSON_MAX_DEPTH = 32
_JSON_SPECIAL = re.compile(r'[\[\]{}"\\]')
_JSON_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
# The messages, in the two languages of the product (as apps/chat/texts.py does: no catalogue
# entry needed for a handful of sentences).
_MESSAGES = {
    "nul": {
        "es": "La petición contiene un carácter NUL, que no está permitido.",
        "en": "The request contains a NUL character, which is not allowed.",
    },
    "depth": {
        "es": f"El JSON está anidado demasiado (como mucho {JSON_MAX_DEPTH} niveles).",
        "en": f"The JSON body is nested too deeply (at most {JSON_MAX_DEPTH} levels).",
    },
    "too_large": {
        "es": "La petición es demasiado grande.",
        "en": "The request is too large.",
    },
    "unreadable": {
        "es": "No se pudo leer el cuerpo de la petición.",
        "en": "The request body could not be read.",
    },
    "encoding": {
        "es": "La petición no está codificada en UTF-8 válido.",
        "en": "The request is not valid UTF-8.",
    },
}


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


class BadInputMiddleware:
    """Input no view can use is refused at the door with a 400 and the stable code `bad_input`.

    - a NUL character in the path, a query parameter, a header, a form field (name or value) or
      a JSON string: PostgreSQL cannot store one in text and refuses the whole statement, so it
      would surface as a 500 from whichever query first met it;
    - JSON nested deeper than `JSON_MAX_DEPTH`: a recursive parser would hit the recursion
      limit (a `RecursionError` 500) long before such a body meant anything;
    - a body over Django's `DATA_UPLOAD_MAX_MEMORY_SIZE` (or too many fields).

    Under /api/ the answer is the API's JSON error shape; elsewhere a short plain-text page.
    Placed after the locale middleware so the message is in the caller's language.
    """

    def __init__(self, get_response) -> None:  # noqa: ANN001
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = self._problem(request)
        if problem is not None:
            return bad_input_response(request, problem)
        return self.get_response(request)

    def _problem(self, request: HttpRequest) -> str | None:
        try:
            if (
                "\x00" in request.path
                or _has_nul(_query_items(request.GET))
                or _has_nul(_header_values(request))
            ):
                return _message("nul")
            if request.method in ("GET", "HEAD", "OPTIONS"):
                return None
            if _is_json(request):
                return _json_problem(request.body)
            # The API reads JSON only and answers anything else with its own 415: its stream
            # is left unread for DRF to see.
            if not _api(request) and _has_nul(_query_items(request.POST)):
                return _message("nul")
        except (RequestDataTooBig, _TooManyFields):
            return _message("too_large")
        except MultiPartParserError:
            return _message("unreadable")
        except UnicodeDecodeError:
            return _message("encoding")
        return None


def _message(key: str) -> str:
    lang = "en" if (get_language() or "es").startswith("en") else "es"
    return _MESSAGES[key][lang]


class _TooManyFields(Exception):
    pass


def _query_items(data: Any) -> Iterator[str]:
    try:
        for key, values in data.lists():
            yield key
            yield from (v for v in values if isinstance(v, str))
    except TooManyFieldsSent:
        raise _TooManyFields from None


def _header_values(request: HttpRequest) -> Iterator[str]:
    # Headers reach queries too (the org a member acts in, the session cookie).
    return (v for k, v in request.META.items() if k.startswith("HTTP_") and isinstance(v, str))


def _has_nul(texts: Iterator[str]) -> bool:
    return any("\x00" in text for text in texts)


def _api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _is_json(request: HttpRequest) -> bool:
    content_type = request.content_type or ""
    return content_type == "application/json" or content_type.endswith("+json")


def json_too_deep(text: str, limit: int = JSON_MAX_DEPTH) -> bool:
    """Whether the arrays and objects of a JSON text nest deeper than `limit` (brackets inside
    strings ignored), found without parsing it: a body too deep for a recursive parser is
    measured safely, and in one pass over its brackets, quotes and backslashes only. Invalid
    JSON is measured as well as possible and left to the parser to refuse."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth, in_string, skip = 0, False, -1
    for match in _JSON_SPECIAL.finditer(text):
        position, char = match.start(), match.group()
        if position == skip:  # the character after a backslash in a string
            continue
        if in_string:
            if char == "\\":
                skip = position + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _json_problem(body: bytes) -> str | None:
    text = body.decode("utf-8")
    if json_too_deep(text):
        return _message("depth")
    # JSON writes NUL as \u0000 (the `u` is always lower-case); the regex, slower, only tells
    # it from an escaped backslash followed by the letters "u0000".
    if "\x00" in text or ("\\u0000" in text and _JSON_NUL.search(text)):
        return _message("nul")
    return None


def bad_input_response(request: HttpRequest, message: str) -> HttpResponse:
    """400 `bad_input`: the API's JSON error shape under /api/, plain text elsewhere."""
    if _api(request):
        return JsonResponse(
            {"detail": message, "error": {"code": BAD_INPUT, "message": message}}, status=400
        )
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


# --- the app database is down ------------------------------------------------------------------

DB_UNAVAILABLE = "service_unavailable"
_db_logger = logging.getLogger("datachat.database")


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc` is the app database being unreachable (connection refused or lost, server
    shutting down), as opposed to a bug in a query."""
    return isinstance(exc, (db.OperationalError, db.InterfaceError))


def database_unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """503 with `Retry-After`: the API's JSON error shape under /api/, a short page elsewhere.

    Rendered without the database (no context processors, no session): it is down. Logged as
    one line (no traceback) per exception type, thinned to one a minute by the log filter."""
    _db_logger.error("app database unavailable: %s", type(exc).__name__)
    retry_after = str(getattr(settings, "DATACHAT_DB_RETRY_AFTER", 10))
    language = "en" if str(getattr(request, "LANGUAGE_CODE", "es")).startswith("en") else "es"
    message = {
        "es": "El servicio no está disponible en este momento. "
        "Inténtalo de nuevo en unos segundos.",
        "en": "The service is unavailable right now. Try again in a few seconds.",
    }[language]
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": message, "error": {"code": DB_UNAVAILABLE, "message": message}}, status=503
        )
    else:
        page = (
            f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
            f"<title>DataChat</title></head><body><h1>503</h1><p>{message}</p></body></html>"
        )
        response = HttpResponse(page, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = retry_after
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    """A view that fails because the app database is unreachable answers 503 + Retry-After.

    Failures in other middleware (the session or user lookup) reach `handler500`
    (datachat.errors.server_error), which answers the same way."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if database_unavailable(exception):
            return database_unavailable_response(request, exception)
        return None
