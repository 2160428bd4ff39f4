"""The compliance API: the audit log and anomaly reports (COMPLIANCE and ADMIN only).

Audit entries carry the SQL as executed (after masking and row filters), never result values, so
nothing masked can surface here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.governance.anomalies import anomaly_acknowledge
from apps.governance.api_access import (
    ApiError,
    ApiPagination,
    CanViewAudit,
    ErrorSerializer,
    JsonBooleanField,
    TenantApi,
)
from apps.governance.api_tokens import (
    TokenError,
    access_api_token_by_id,
    api_token_create,
    api_token_days,
    api_token_list,
    api_token_revoke,
)
from apps.governance.models import AnomalyReport, ApiToken, AuditEntry
from apps.governance.selectors import anomaly_list, audit_entry_list

ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="Not authenticated"),
    403: OpenApiResponse(ErrorSerializer, description="Not COMPLIANCE or ADMIN"),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="Missing, or another org's")}


MAX_UTC_OFFSET = dt.timedelta(hours=14)
# What the OpenAPI document says a bound is: a date, or a date-time whose offset is within
# ±14:00 (a naive one is read in the server's time zone).
DATE_BOUND_SCHEMA = {
    "anyOf": [
        {"type": "string", "format": "date"},
        {
            "type": "string",
            "format": "date-time",
            "pattern": r"(Z|z|[+-](0[0-9]|1[0-3]):?[0-5][0-9]|[+-]14:?00)$",
        },
    ]
}


@extend_schema_field(DATE_BOUND_SCHEMA)
class DateBoundField(serializers.Field):
    """A date (`2026-11-25`) or an ISO date-time; as an upper bound a bare date means its end.

    Returns an aware datetime: the start of the range (inclusive) or its end (exclusive). An
    offset past ±14:00 (Python reads up to ±23:59, PostgreSQL refuses past ±15:59) or a moment
    with no UTC time is a 400 `bad_input`, never a database error.
    """

    def __init__(self, *, upper: bool = False, **kwargs: Any) -> None:
        self.upper = upper
        super().__init__(**kwargs)

    def get_value(self, dictionary: Any) -> Any:
        # DRF reads `?to=` as not sent; an empty bound is not a date, so it is refused.
        return dictionary.get(self.field_name, serializers.empty)

    def to_internal_value(self, data: Any) -> dt.datetime:
        text = str(data).strip()
        try:
            if len(text) == 10:
                day = dt.date.fromisoformat(text)
                moment = dt.datetime.combine(day, dt.time.min)
                if self.upper:
                    moment += dt.timedelta(days=1)
            else:
                moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            offset = moment.utcoffset() or dt.timedelta(0)
            if abs(offset) > MAX_UTC_OFFSET:  # no zone on Earth is past ±14:00
                raise ValueError("offset out of range")
            moment.astimezone(dt.UTC)  # 0001-01-01T00:00+01:00 has no UTC time
        except (ValueError, OverflowError):
            raise ApiError(
                code="bad_input",
                message="Use YYYY-MM-DD or an ISO 8601 date-time with an offset within ±14:00.",
            ) from None
        return moment

    def to_representation(self, value: Any) -> str:
        return value.isoformat()


class AuditListApi(TenantApi):
    """The org's audit log, newest first (COMPLIANCE and ADMIN). Filters: `user`, `outcome`,
    `code`, `action`, `source`, `from`, `to`."""

    model = AuditEntry
    pagination_class = ApiPagination
    extra_permission_classes = (CanViewAudit,)

    class FilterSerializer(serializers.Serializer):
        # Every filter may be sent empty, meaning no filter (DRF reads `?user=` as not sent).
        user = serializers.CharField(
            required=False, allow_blank=True, max_length=150, help_text="username"
        )
        outcome = serializers.ChoiceField(
            choices=AuditEntry.Outcome.choices, required=False, allow_blank=True
        )
        code = serializers.CharField(required=False, allow_blank=True, max_length=50)
        action = serializers.CharField(required=False, allow_blank=True, max_length=20)
        source = serializers.CharField(required=False, allow_blank=True, max_length=100)

        def get_fields(self) -> dict[str, serializers.Field]:
            # `from` is a Python keyword: declared here rather than as a class attribute.
            fields = super().get_fields()
            fields["from"] = DateBoundField(required=False, help_text="inclusive")
            fields["to"] = DateBoundField(
                required=False, upper=True, help_text="exclusive; a bare date includes that day"
            )
            return fields

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        seq = serializers.IntegerField()
        created_at = serializers.DateTimeField()
        username = serializers.CharField()
        role = serializers.CharField()
        action = serializers.CharField()
        channel = serializers.CharField()
        source = serializers.CharField()
        question = serializers.CharField()
        sql = serializers.CharField()
        outcome = serializers.CharField()
        code = serializers.CharField()
        rule = serializers.CharField()
        row_count = serializers.IntegerField()
        duration_ms = serializers.FloatField()
        policy_fingerprint = serializers.CharField()
        details = serializers.JSONField()
        prev_hash = serializers.CharField()
        entry_hash = serializers.CharField()

    @extend_schema(
        summary="The audit log, newest first",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), 400: ErrorSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        self.filters = filters.validated_data
        return self.paginated(self.get_queryset(), self.OutputSerializer)

    def tenant_queryset(self):  # noqa: ANN201
        f = self.filters
        return audit_entry_list(
            org=self.membership.organization,
            username=f.get("user"),
            outcome=f.get("outcome"),
            code=f.get("code"),
            action=f.get("action"),
            source=f.get("source"),
            since=f.get("from"),
            until=f.get("to"),
        )


class AnomalyOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    kind = serializers.CharField()
    window_start = serializers.DateTimeField()
    window_end = serializers.DateTimeField()
    observed = serializers.FloatField()
    baseline = serializers.FloatField()
    threshold = serializers.FloatField()
    severity = serializers.CharField()
    status = serializers.CharField()
    details = serializers.JSONField()
    acknowledged_by = serializers.CharField(
        source="acknowledged_by.username", allow_null=True, default=None
    )
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class AnomalyListApi(TenantApi):
    """The org's anomaly reports (COMPLIANCE and ADMIN); filter by `status`, `severity`,
    `kind`, `user`."""

    model = AnomalyReport
    pagination_class = ApiPagination
    extra_permission_classes = (CanViewAudit,)

    class FilterSerializer(serializers.Serializer):
        # Empty values are no filter, as on the audit log.
        status = serializers.ChoiceField(
            choices=AnomalyReport.Status.choices, required=False, allow_blank=True
        )
        severity = serializers.ChoiceField(
            choices=AnomalyReport.Severity.choices, required=False, allow_blank=True
        )
        kind = serializers.ChoiceField(
            choices=AnomalyReport.Kind.choices, required=False, allow_blank=True
        )
        user = serializers.CharField(
            required=False, allow_blank=True, max_length=150, help_text="username"
        )

    @extend_schema(
        summary="Anomaly reports, newest window first",
        parameters=[FilterSerializer],
        responses={200: AnomalyOutputSerializer(many=True), 400: ErrorSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        self.filters = filters.validated_data
        return self.paginated(self.get_queryset(), AnomalyOutputSerializer)

    def tenant_queryset(self):  # noqa: ANN201
        f = self.filters
        return anomaly_list(
            org=self.membership.organization,
            status=f.get("status"),
            severity=f.get("severity"),
            kind=f.get("kind"),
            username=f.get("user"),
        )


class AnomalyAcknowledgeApi(TenantApi):
    """Mark an anomaly report as acknowledged (or closed), recording who and when."""

    model = AnomalyReport
    extra_permission_classes = (CanViewAudit,)

    class InputSerializer(serializers.Serializer):
        close = JsonBooleanField(
            required=False, default=False, help_text="close the report instead of acknowledging"
        )

    @extend_schema(
        summary="Acknowledge (or close) an anomaly report",
        request=InputSerializer,
        responses={200: AnomalyOutputSerializer, 400: ErrorSerializer, **ERRORS, **NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        report = self.get_object(pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = anomaly_acknowledge(
            report=report, user=request.user, close=data.validated_data["close"]
        )
        return Response(AnomalyOutputSerializer(report).data)


# --- personal API tokens ----------------------------------------------------------------------

TOKEN_ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="Not authenticated"),
    403: OpenApiResponse(ErrorSerializer, description="No membership in any organization"),
    429: OpenApiResponse(ErrorSerializer, description="Rate limited (code `rate_limited`)"),
}


class TokenOutputSerializer(serializers.Serializer):
    """A token as its owner sees it later: never the key, only its first characters."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField(source="token_key", help_text="the key's first characters")
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)


class TokenCreatedSerializer(TokenOutputSerializer):
    key = serializers.CharField(
        help_text="the token: shown this once, send it as `Authorization: Token <key>`"
    )


def _token_error(exc: TokenError) -> ApiError:
    status_code = 409 if exc.code == "token_limit_reached" else 400
    return ApiError(code=exc.code, message=exc.message, status_code=status_code)


class _TokenName(serializers.CharField):
    """A name sent as a string: `{"name": 0}` is a 400, not the name "0"."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class TokenListApi(TenantApi):
    """The caller's own API tokens: list them, or create one (its key is shown once)."""

    pagination_class = ApiPagination

    class InputSerializer(serializers.Serializer):
        name = _TokenName(
            required=False, allow_blank=True, max_length=100, help_text="what the token is for"
        )
        days = serializers.IntegerField(
            required=False,
            min_value=1,
            max_value=api_token_days()[1],
            help_text="lifetime in days (default DATACHAT_API_TOKEN_DAYS, at most "
            "DATACHAT_API_TOKEN_MAX_DAYS; a token-authenticated request cannot outlive its token)",
        )

    @extend_schema(
        summary="List your API tokens",
        responses={200: TokenOutputSerializer(many=True), **TOKEN_ERRORS},
    )
    def get(self, request: Request) -> Response:
        return self.paginated(api_token_list(user=request.user), TokenOutputSerializer)

    @extend_schema(
        summary="Create an API token (the key is in this response only)",
        request=InputSerializer,
        responses={
            201: TokenCreatedSerializer,
            400: ErrorSerializer,
            409: OpenApiResponse(ErrorSerializer, description="Too many tokens"),
            **TOKEN_ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        used = request.auth if isinstance(request.auth, ApiToken) else None
        try:
            token, key = api_token_create(
                user=request.user,
                name=data.validated_data.get("name", ""),
                days=data.validated_data.get("days"),
                not_after=used.expiry if used is not None else None,
                channel="api",
            )
        except TokenError as exc:
            raise _token_error(exc) from None
        body = TokenOutputSerializer(token).data
        body["key"] = key
        return Response(body, status=201)


class TokenDetailApi(TenantApi):
    """One of the caller's tokens; another user's token answers 404, like a missing one."""

    def _token(self, request: Request, pk: int) -> ApiToken:
        token = access_api_token_by_id(user=request.user, pk=pk)
        if token is None:
            raise Http404
        return token

    @extend_schema(
        summary="Show one of your API tokens",
        responses={200: TokenOutputSerializer, **TOKEN_ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(TokenOutputSerializer(self._token(request, pk)).data)

    @extend_schema(
        summary="Revoke one of your API tokens",
        responses={204: None, **TOKEN_ERRORS, **NOT_FOUND},
    )
    def delete(self, request: Request, pk: int) -> Response:
        api_token_revoke(token=self._token(request, pk), channel="api")
        return Response(status=204)
