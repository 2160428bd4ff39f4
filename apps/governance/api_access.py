"""The one way into the JSON API: authentication, the caller's org, tenant scope, role gates.

Modelled on PostHog's `TeamAndOrgViewSetMixin` (posthog/api/routing.py): every API view inherits
`TenantApi`, which

- authenticates (token first, so an anonymous client gets 401 with `WWW-Authenticate: Token`;
  session cookies work too), then resolves the caller's membership and enters its tenant scope
  *before* any permission class or throttle runs, and leaves the scope when the response is
  finalised (DRF authenticates inside the view, so the web middleware never saw token requests);
- refuses a caller without a membership (fails closed: no org, no data);
- builds every queryset from the org: subclasses say which rows they want in
  `tenant_queryset()`, and the base re-applies `organization = <caller's org>` to whatever comes
  back, so a hook that forgets the filter (or returns another tenant's rows) still cannot leak;
- turns a missing object and another tenant's object into the same 404 (zulip's
  `access_*_by_id`), and re-checks the org of every object a subclass hands back;
- refuses, at class-creation time, subclasses that override the methods that hold all of this
  (`get_queryset`, `get_object`, `initial`, `finalize_response`, `get_permissions`, …): the scope
  cannot be bypassed by accident;
- adds a per-user and per-org rate limit for expensive endpoints (`throttle_scope = "chat"`, …;
  the same counters as the pages, apps/governance/ratelimit.py), refused as 429 `rate_limited`
  with `Retry-After`;
- answers every error with the same JSON shape as the answer object's error:
  `{"detail": str, "error": {"code": str, "message": str}}` (a validation error keeps DRF's
  per-field messages at the top level instead of `detail`, with `error.code = "invalid"`).

Object permissions (guardian) only run on single objects; lists are scoped here, never by
permission classes (docs/threat-model.md §5).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView, exception_handler

from apps.governance.api_tokens import ApiTokenAuthentication
from apps.governance.engine.policy import CAPABILITIES
from apps.governance.models import Membership
from apps.governance.ratelimit import RateLimited, ScopedUserThrottle
from apps.governance.selectors import member_can, membership_for_user
from apps.governance.tenancy import activate_tenant, deactivate_tenant

# Methods that carry the tenant guarantees: a subclass overriding one of them could drop the
# scope, so defining one is an error at import time (PostHog refuses the same overrides).
SEALED_METHODS = (
    "dispatch",
    "_leave_tenant",
    "initial",
    "perform_authentication",
    "finalize_response",
    "get_permissions",
    "get_queryset",
    "get_object",
    "get_throttles",
)
# Attributes that would replace the base's gates rather than add to them.
SEALED_ATTRIBUTES = ("permission_classes", "authentication_classes", "queryset")


class ApiError(APIException):
    """An API error with a stable code; `status_code` per instance (403, 400, 409, …)."""

    def __init__(self, *, code: str, message: str, status_code: int = 400) -> None:
        self.status_code = status_code
        super().__init__(detail=message, code=code)


class ErrorSerializer(serializers.Serializer):
    """The body of every API error (documented for OpenAPI)."""

    class ErrorBody(serializers.Serializer):
        code = serializers.CharField()
        message = serializers.CharField()

    detail = serializers.JSONField(required=False)
    error = ErrorBody()


class JsonBooleanField(serializers.BooleanField):
    """A JSON body's boolean: `true` or `false` only. DRF's own also takes 0, 1, "yes", "on"…,
    which the OpenAPI document (`type: boolean`) does not promise and a client should not
    rely on."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class IsTenantMember(BasePermission):
    """The caller acts through a membership of an organization; no membership, no access."""

    message = _("You are not a member of any organization.")
    code = "no_membership"

    def has_permission(self, request: Request, view: Any) -> bool:
        return getattr(view, "membership", None) is not None


class CapabilityPermission(BasePermission):
    """A gate on one capability of the caller's role policy (`CAPABILITIES`), read through
    `governance.selectors.capabilities_for` like the pages. A subclass names the capability, the
    message and the stable error code."""

    capability: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.capability not in CAPABILITIES:
            raise ImproperlyConfigured(f"{cls.__name__}: unknown capability {cls.capability!r}")

    def has_permission(self, request: Request, view: Any) -> bool:
        return member_can(getattr(view, "membership", None), self.capability)


class CanViewAudit(CapabilityPermission):
    """Audit log and anomaly reports: the roles whose policy grants `can_view_audit`
    (COMPLIANCE and ADMIN by default)."""

    capability = "can_view_audit"
    message = _("Only compliance officers and administrators can read the audit log.")
    code = "audit_not_allowed"


class TenantApiSchema(AutoSchema):
    """OpenAPI names from the view that owns a nested serializer (HackSoft's Input/Output classes).

    `ConversationListApi.OutputSerializer` becomes `ConversationListOutput`, so the many
    `OutputSerializer`s of the API do not collide as one component.
    """

    def get_serializer_name(self, serializer: Any, direction: str) -> str:
        parts = type(serializer).__qualname__.split(".")
        if len(parts) == 1:
            return super().get_serializer_name(serializer, direction)
        return "".join(re.sub(r"(Api|Serializer)$", "", part) for part in parts)


class ApiPagination(PageNumberPagination):
    """`?page=` and `?page_size=` (at most 100); `count`, `next`, `previous`, `results`.

    Stricter than DRF's: a page or page size that is not a positive integer is a 400
    (`bad_input`) rather than silently the default; a page past the last one stays DRF's 404; a
    page size over 100 is served as 100."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        return min(_positive_int(self.page_size_query_param, raw), self.max_page_size)

    def get_page_number(self, request: Request, paginator: Any) -> Any:
        raw = request.query_params.get(self.page_query_param) or 1
        if raw in self.last_page_strings:
            return paginator.num_pages
        return _positive_int(self.page_query_param, raw)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters


_DIGITS = re.compile(r"[0-9]{1,100}")


def _positive_int(name: str, raw: Any) -> int:
    text = str(raw).strip()
    if not _DIGITS.fullmatch(text) or int(text) < 1:
        raise ApiError(code="bad_input", message=f"`{name}` must be a positive integer.")
    return int(text)


# Errors any operation of the API can answer, whatever its view declares: the middleware's 400
# (`bad_input`: a NUL character, JSON nested too deep), the authentication's 401 and the
# throttles' 429; 415 wherever a body is read (JSON only); 404 for a page past the last one.
COMMON_ERRORS = {
    "400": "Bad input: `bad_input` (a NUL character, JSON nested too deep, a bad page number), "
    "or `invalid` with the per-field messages",
    "401": "Not authenticated",
    "429": "Too many requests (`rate_limited`, with `Retry-After`)",
}


def document_common_errors(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """drf-spectacular postprocessing hook: adds `COMMON_ERRORS` (and 415 for operations with a
    body, 404 for paginated lists) to every /api/v1/ operation that does not document them, so
    the OpenAPI document lists every status code the API really answers with."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for operation in operations.values():
            extra = dict(COMMON_ERRORS)
            if "requestBody" in operation:
                extra["415"] = "The body is not JSON (`unsupported_media_type`)"
            if any(p.get("name") == "page" for p in operation.get("parameters", [])):
                extra["404"] = "A page past the last one (`not_found`)"
            responses = operation.setdefault("responses", {})
            for code, description in extra.items():
                responses.setdefault(code, {"content": error, "description": description})
    return result


def _error_shape(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = PermissionDenied()
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, APIException):
        return response
    codes = exc.get_codes()
    if isinstance(codes, str):
        code, message = codes, str(exc.detail)
    else:  # validation errors: a dict or list of per-field codes
        code, message = "invalid", str(_("The request is not valid."))
    body = response.data if isinstance(response.data, dict) else {"detail": response.data}
    body["error"] = {"code": code, "message": message}
    response.data = body
    return response


ORG_HEADER = "X-DataChat-Org"


def _org_asked(request: Request) -> str | None:
    """The org a member of several acts in: the `X-DataChat-Org` header, else the web session's
    choice (what the pages use), else their first org. Naming an org they do not belong to
    leaves them with no membership at all: refused, not silently switched."""
    header = request.headers.get(ORG_HEADER)
    if header:
        return header.strip()
    session = getattr(request._request, "session", None)
    return session.get("org") if session is not None else None


class TenantApi(APIView):
    """Base of every API view: the caller's membership, the org scope, sealed gates.

    Subclasses add gates with `extra_permission_classes`, an expensive scope with
    `throttle_scope`, and for resources: `model`, `tenant_queryset()` (usually a selector call)
    and optionally `access_object(pk)` (an `access_*_by_id` selector).
    """

    authentication_classes = (ApiTokenAuthentication, SessionAuthentication)
    # The API speaks JSON (the contract's bodies); a form or multipart body is a 415, and the
    # OpenAPI document names the one media type a client may send.
    parser_classes = (JSONParser,)
    schema = TenantApiSchema()
    extra_permission_classes: ClassVar[tuple[type[BasePermission], ...]] = ()
    throttle_scope: ClassVar[str | None] = None
    model: ClassVar[type[Model] | None] = None

    membership: Membership | None = None
    rate_limited: Any = None
    _tenant_token: Any = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in SEALED_METHODS + SEALED_ATTRIBUTES:
            if name in cls.__dict__:
                raise ImproperlyConfigured(
                    f"{cls.__qualname__} overrides {name!r}: TenantApi seals it so the tenant "
                    "scope cannot be bypassed; use tenant_queryset(), access_object() or "
                    "extra_permission_classes instead."
                )

    # --- the request lifecycle (sealed) -------------------------------------------------------

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            # finalize_response normally leaves the scope; an uncaught exception skips it, and
            # a scope left set would follow this thread into its next request.
            self._leave_tenant()

    def _leave_tenant(self) -> None:
        token, self._tenant_token = self._tenant_token, None
        if token is not None:
            deactivate_tenant(token)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.membership = None
        self.rate_limited = None
        self._tenant_token = None
        super().initial(request, *args, **kwargs)

    def perform_authentication(self, request: Request) -> None:
        # Runs inside initial(), after negotiation and before permissions and throttles: the
        # org must be known (and scoped) before any gate or handler looks at data.
        super().perform_authentication(request)
        self.membership = membership_for_user(user=request.user, org_slug=_org_asked(request))
        if self.membership is not None:
            self._tenant_token = activate_tenant(self.membership.organization)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        # A streamed body is produced after this point, outside the scope: streaming code must
        # take the org explicitly (see apps/chat/exports.py), never read it from the scope.
        self._leave_tenant()
        return super().finalize_response(request, response, *args, **kwargs)

    def get_permissions(self) -> list[BasePermission]:
        gates = (IsAuthenticated, IsTenantMember, *self.extra_permission_classes)
        return [gate() for gate in gates]

    def get_throttles(self) -> list[Any]:
        throttles = [throttle() for throttle in api_settings.DEFAULT_THROTTLE_CLASSES]
        if self.throttle_scope:
            throttles.append(ScopedUserThrottle())
        return throttles

    def throttled(self, request: Request, wait: float | None) -> None:
        """429 `rate_limited` naming the limit that refused (set by the throttle)."""
        raise RateLimited(getattr(self, "rate_limited", None), wait)

    def get_exception_handler(self):  # noqa: ANN201
        return _error_shape

    # --- resources (sealed) -------------------------------------------------------------------

    def tenant_queryset(self) -> QuerySet:
        """The rows this view serves, before the org filter (override; default: all rows)."""
        return self.model._default_manager.all()

    def get_queryset(self) -> QuerySet:
        """`tenant_queryset()` restricted to the caller's org; nothing without a membership."""
        if self.model is None:
            raise ImproperlyConfigured(f"{type(self).__qualname__} needs `model`.")
        if self.membership is None:
            return self.model._default_manager.none()
        queryset = self.tenant_queryset()
        if queryset.model is not self.model:
            raise ImproperlyConfigured(
                f"{type(self).__qualname__}.tenant_queryset() returned {queryset.model.__name__} "
                f"rows, not {self.model.__name__}"
            )
        return queryset.filter(organization_id=self.membership.organization_id)

    def access_object(self, pk: int) -> Model | None:
        """The object with this id, if the caller may see it (override with an access selector)."""
        return self.get_queryset().filter(pk=pk).first()

    def get_object(self, pk: int) -> Any:
        """The object, or 404 both when it is missing and when it belongs to another tenant."""
        if self.membership is None:
            raise Http404
        obj = self.access_object(pk)
        if obj is None or obj.organization_id != self.membership.organization_id:
            raise Http404
        return obj

    def paginated(
        self,
        items: QuerySet | Sequence[Any],
        serializer: type[serializers.Serializer],
        context: dict[str, Any] | None = None,
    ) -> Response:
        """One page of `items` rendered by `serializer` (the view's `pagination_class`)."""
        paginator = (getattr(self, "pagination_class", None) or ApiPagination)()
        page = paginator.paginate_queryset(items, self.request, view=self)
        data = serializer(page, many=True, context=context or {}).data
        return paginator.get_paginated_response(data)
