"""The chat API: thin views over the pipeline, the conversation history, feedback and exports.

Every view inherits `TenantApi` (apps/governance/api_access.py): token or session auth, the
caller's org scope, 404 for another tenant's objects, sealed gates. Logic lives in the pipeline,
`apps.chat.selectors`, `apps.chat.services` and `apps.chat.exports`.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils import translation
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from apps.chat import jobs as query_jobs
from apps.chat.exports import (
    CSV_CONTENT_TYPE,
    EXPORT_FORMATS,
    XLSX_CONTENT_TYPE,
    ExportRefused,
    message_export,
)
from apps.chat.models import Conversation, Message, QueryJob
from apps.chat.pipeline import ask, run_query
from apps.chat.selectors import (
    access_conversation_by_id,
    access_job_by_id,
    access_message_by_id,
    conversation_messages,
    conversation_owned_get,
    conversation_search,
    message_answer_for,
)
from apps.chat.services import (
    FEEDBACK_RATINGS,
    FEEDBACK_TAGS,
    NotOwner,
    conversation_delete,
    conversation_update,
    message_feedback_record,
)
from apps.governance.api_access import (
    ApiError,
    ApiPagination,
    ErrorSerializer,
    JsonBooleanField,
    TenantApi,
)
from datachat.contract import ANSWER_TYPES
from datachat.observability import observe_answer

ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="Not authenticated"),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed"),
    404: OpenApiResponse(ErrorSerializer, description="Missing, or another organization's"),
}
RATE_LIMITED = OpenApiResponse(
    ErrorSerializer, description="Rate limited (`rate_limited`, with `Retry-After`)"
)


def _not_owner() -> ApiError:
    return ApiError(
        code="not_owner",
        message="Only the conversation's owner can change it.",
        status_code=status.HTTP_403_FORBIDDEN,
    )


class TextField(serializers.CharField):
    """A string that must be sent as a string: `{"sql": 1}` is a 400, not the SQL `1`."""

    def to_internal_value(self, data):  # noqa: ANN001, ANN201
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class AnswerSerializer(serializers.Serializer):
    """The contract's answer object (documented for OpenAPI; produced by the pipeline)."""

    type = serializers.ChoiceField(choices=list(ANSWER_TYPES))
    intent = serializers.JSONField(allow_null=True)
    answer = serializers.CharField()
    sql = serializers.CharField(allow_null=True)
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField())
    row_count = serializers.IntegerField()
    truncated = serializers.BooleanField()
    chart = serializers.JSONField(allow_null=True)
    sources = serializers.ListField(child=serializers.JSONField())
    suggestions = serializers.ListField(child=serializers.CharField())
    error = serializers.JSONField(allow_null=True)
    cached = serializers.BooleanField()
    timings_ms = serializers.JSONField()
    llm = serializers.JSONField()
    conversation_id = serializers.IntegerField(allow_null=True)
    message_id = serializers.IntegerField(allow_null=True)
    labels = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text="Display label per result column, unit included (docs/architecture.md).",
    )
    period = serializers.CharField(
        allow_null=True, required=False, help_text="The period the answer used, named."
    )
    # Insights (docs/insights.md).
    definition = serializers.JSONField(
        allow_null=True,
        help_text="HYBRID: {term, text, sources, metric}, the definition cited before the data.",
    )
    decomposition = serializers.JSONField(
        allow_null=True,
        help_text="A why-answer: the change between two periods split into contributions "
        "that add up exactly (docs/insights.md).",
    )
    outliers = serializers.ListField(
        child=serializers.JSONField(),
        help_text="A trend's periods that stand out: {period, value, direction, score, followup}.",
    )
    job = serializers.JSONField(
        allow_null=True,
        required=False,
        help_text='A long query run as a job: {"id", "status", "url"}; null otherwise.',
    )


class JobSerializer(serializers.Serializer):
    """A long query run as a background job (202 from /chat/ and /query/; the job endpoint)."""

    id = serializers.UUIDField()
    job = serializers.CharField(help_text="The URL to poll (GET) and to stop (POST …/cancel/).")
    status = serializers.ChoiceField(choices=QueryJob.Status.values)
    kind = serializers.CharField()
    question = serializers.CharField()
    reason = serializers.CharField(help_text="`cost` (the planner's estimate) or `deadline`.")
    cancel_requested = serializers.BooleanField()
    elapsed_ms = serializers.IntegerField()
    conversation_id = serializers.IntegerField(allow_null=True)
    message_id = serializers.IntegerField(allow_null=True)
    answer = AnswerSerializer(allow_null=True, help_text="The answer object, once the job ended.")


def _answer_response(answer: dict[str, Any], channel: str) -> Response:
    """200 with the answer object; 202 with the job for a long query; 429 (with Retry-After) for
    the "wait" answer of a member or org with too many long queries running."""
    if query_jobs.is_pending(answer):
        body = {k: v for k, v in answer.items() if k != "pending"}
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["job"]})
    observe_answer(answer, channel)
    if (answer.get("error") or {}).get("code") == "too_many_running_queries":
        return Response(
            answer,
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(query_jobs.RETRY_AFTER_SECONDS)},
        )
    return Response(answer)


class FeedbackSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=FEEDBACK_RATINGS)
    comment = TextField(required=False, allow_blank=True, max_length=2000)
    tags = serializers.ListField(
        child=serializers.ChoiceField(choices=FEEDBACK_TAGS), required=False, max_length=10
    )


def _feedback(message: Message) -> dict[str, Any] | None:
    if not message.feedback_rating:
        return None
    return {
        "rating": message.feedback_rating,
        "comment": message.feedback_comment,
        "tags": list(message.feedback_tags or []),
    }


# --- asking -----------------------------------------------------------------------------------


class ChatApi(TenantApi):
    """Ask a question in natural language; the body is the answer object (contract)."""

    throttle_scope = "chat"

    class InputSerializer(serializers.Serializer):
        question = TextField(allow_blank=True, trim_whitespace=False)
        conversation_id = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, max_value=2**63 - 1
        )
        source = TextField(required=False, allow_null=True, allow_blank=True)

    @extend_schema(
        summary="Ask a question",
        request=InputSerializer,
        responses={
            200: AnswerSerializer,
            202: OpenApiResponse(JobSerializer, description="A long query, run as a job"),
            400: ErrorSerializer,
            **ERRORS,
            429: RATE_LIMITED,
        },
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        conversation_id = data.validated_data.get("conversation_id")
        if conversation_id is not None and (
            conversation_owned_get(membership=self.membership, pk=conversation_id) is None
        ):
            # Missing, a colleague's or another org's: the same 404, and nothing is created.
            raise Http404
        answer = ask(
            membership=self.membership,
            question=data.validated_data["question"],
            conversation_id=conversation_id,
            source_name=data.validated_data.get("source") or None,
            channel="api",
        )
        return _answer_response(answer, "api")


class QueryApi(TenantApi):
    """Run hand-written SQL through the same guard, policy rewrite, executor and audit."""

    throttle_scope = "query"

    class InputSerializer(serializers.Serializer):
        sql = TextField(allow_blank=True, trim_whitespace=False)
        source = TextField(required=False, allow_null=True, allow_blank=True)

    @extend_schema(
        summary="Run SQL through the guard",
        request=InputSerializer,
        responses={
            200: AnswerSerializer,
            202: OpenApiResponse(JobSerializer, description="A long query, run as a job"),
            400: ErrorSerializer,
            **ERRORS,
            429: RATE_LIMITED,
        },
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = run_query(
            membership=self.membership,
            sql=data.validated_data["sql"],
            source_name=data.validated_data.get("source") or None,
            channel="api",
            lang=(getattr(request, "LANGUAGE_CODE", "") or "es")[:2],
        )
        return _answer_response(answer, "api")


# --- long queries (jobs) ------------------------------------------------------------------------


class JobApi(TenantApi):
    """A long query's job: its status and elapsed time, and the answer object once it ended.
    Only the member who asked sees it; anyone else (and another org) gets 404."""

    model = QueryJob

    def access_object(self, pk: Any) -> QueryJob:
        return access_job_by_id(membership=self.membership, pk=pk)

    @extend_schema(summary="A long query's job", responses={200: JobSerializer, **ERRORS})
    def get(self, request: Request, pk: Any) -> Response:
        return Response(query_jobs.job_state(self.get_object(pk)))


class JobCancelApi(TenantApi):
    """Stop a long query: cancelled in the database and recorded as cancelled (message and
    audit entry). Stopping a job that already ended changes nothing."""

    model = QueryJob

    def access_object(self, pk: Any) -> QueryJob:
        return access_job_by_id(membership=self.membership, pk=pk)

    @extend_schema(
        summary="Stop a long query", request=None, responses={200: JobSerializer, **ERRORS}
    )
    def post(self, request: Request, pk: Any) -> Response:
        job = self.get_object(pk)
        try:
            job = query_jobs.job_stop(job=job, user=request.user)
        except query_jobs.NotJobOwner:
            raise Http404 from None
        return Response(query_jobs.job_state(job))


# --- conversations ----------------------------------------------------------------------------


class ConversationListApi(TenantApi):
    """The caller's own conversations in their org, newest first; `?q=` searches titles and
    questions, `?archived=true` lists the archived ones."""

    model = Conversation
    pagination_class = ApiPagination

    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, allow_blank=True, max_length=200)
        archived = serializers.BooleanField(required=False, default=False)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        title = serializers.CharField()
        archived = serializers.BooleanField()
        source = serializers.CharField(source="data_source.name", allow_null=True, default=None)
        message_count = serializers.IntegerField()
        created_at = serializers.DateTimeField()
        updated_at = serializers.DateTimeField()

    @extend_schema(
        summary="Your conversations, newest first",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), 401: ERRORS[401], 403: ERRORS[403]},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        self.filters = filters.validated_data
        return self.paginated(self.get_queryset(), self.OutputSerializer)

    def tenant_queryset(self):  # noqa: ANN201
        return conversation_search(membership=self.membership, **self.filters)


class MessageOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    question = serializers.CharField()
    answer = serializers.SerializerMethodField()
    feedback = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(AnswerSerializer)
    def get_answer(self, message: Message) -> dict:
        return message_answer_for(message=message, membership=self.context["membership"])

    @extend_schema_field(FeedbackSerializer(allow_null=True))
    def get_feedback(self, message: Message) -> dict | None:
        return _feedback(message)


class ConversationDetailApi(TenantApi):
    """A conversation with its messages (GET); rename or archive (PATCH) or delete (DELETE),
    owner only. Another member's or another org's conversation is a 404."""

    model = Conversation

    class InputSerializer(serializers.Serializer):
        # Both optional, as the OpenAPI document says: a PATCH naming neither changes nothing.
        # Length counted as sent (no silent trim), as the OpenAPI document states it.
        title = TextField(required=False, min_length=1, max_length=200, trim_whitespace=False)
        archived = JsonBooleanField(required=False)

    class OutputSerializer(ConversationListApi.OutputSerializer):
        message_count = None
        messages = serializers.SerializerMethodField()

        @extend_schema_field(MessageOutputSerializer(many=True))
        def get_messages(self, conversation: Conversation) -> list[dict]:
            messages = conversation_messages(conversation=conversation)
            return MessageOutputSerializer(messages, many=True, context=self.context).data

    def access_object(self, pk: int) -> Conversation:
        return access_conversation_by_id(membership=self.membership, pk=pk)

    def _output(self, conversation: Conversation) -> Response:
        context = {"membership": self.membership}
        return Response(self.OutputSerializer(conversation, context=context).data)

    @extend_schema(
        summary="A conversation with its messages", responses={200: OutputSerializer, **ERRORS}
    )
    def get(self, request: Request, pk: int) -> Response:
        return self._output(self.get_object(pk))

    @extend_schema(
        summary="Rename or archive a conversation (owner only)",
        request=InputSerializer,
        responses={200: OutputSerializer, 400: ErrorSerializer, **ERRORS},
    )
    def patch(self, request: Request, pk: int) -> Response:
        conversation = self.get_object(pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            conversation = conversation_update(
                conversation=conversation, user=request.user, **data.validated_data
            )
        except NotOwner:
            raise _not_owner() from None
        return self._output(conversation)

    @extend_schema(
        summary="Delete a conversation and its messages (owner only)",
        responses={204: None, **ERRORS},
    )
    def delete(self, request: Request, pk: int) -> Response:
        conversation = self.get_object(pk)
        try:
            conversation_delete(conversation=conversation, user=request.user)
        except NotOwner:
            raise _not_owner() from None
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- messages ---------------------------------------------------------------------------------


class MessageFeedbackApi(TenantApi):
    """The owner's 👍/👎 on an answer, with an optional comment and reason tags."""

    model = Message

    class OutputSerializer(serializers.Serializer):
        class ProposedExample(serializers.Serializer):
            id = serializers.IntegerField()
            status = serializers.CharField()

        message_id = serializers.IntegerField()
        feedback = FeedbackSerializer()
        proposed_example = ProposedExample(allow_null=True)

    def access_object(self, pk: int) -> Message:
        return access_message_by_id(membership=self.membership, pk=pk)

    @extend_schema(
        summary="Rate an answer (a 👍 on an SQL answer proposes a verified example)",
        request=FeedbackSerializer,
        responses={200: OutputSerializer, 400: ErrorSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        message = self.get_object(pk)
        data = FeedbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = message_feedback_record(
                message=message, user=request.user, **data.validated_data
            )
        except NotOwner:
            raise _not_owner() from None
        example = result.example
        body = {
            "message_id": result.message.pk,
            "feedback": _feedback(result.message),
            "proposed_example": {"id": example.pk, "status": example.status} if example else None,
        }
        return Response(self.OutputSerializer(body).data)


class MessageExportApi(TenantApi):
    """An answer's full result as CSV or Excel, re-run under the caller's current policy."""

    model = Message
    throttle_scope = "export"

    class FilterSerializer(serializers.Serializer):
        format = serializers.ChoiceField(choices=EXPORT_FORMATS, default="csv")
        delimiter = serializers.ChoiceField(
            choices=["comma", "semicolon", "tab"],
            required=False,
            help_text="CSV only; default: `;` for Spanish, `,` for English.",
        )
        sep = serializers.ChoiceField(
            choices=[",", ";", "tab", "comma", "semicolon"],
            required=False,
            help_text="CSV only, the same choice as `delimiter`: `,` `;` or `tab`.",
        )

    def access_object(self, pk: int) -> Message:
        return access_message_by_id(membership=self.membership, pk=pk)

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple:
        # `?format=` names the export's file format here, not one of DRF's renderers; the only
        # thing DRF ever renders on this endpoint is a JSON error.
        renderer = JSONRenderer()
        return renderer, renderer.media_type

    @extend_schema(
        summary="Export an answer's full result (roles allowed to export)",
        description=(
            "Re-runs the message's SQL under the caller's current policy (row filters, masks) "
            "and returns every row up to the org's count cap. CSV is UTF-8 with a BOM, the "
            "header row first and only data after it; its provenance (source, scope, masks, "
            "cap, time, who) is in the `X-DataChat-*` response headers. Excel has typed, "
            "formatted cells, a frozen header row and a second sheet recording question, SQL, "
            "scope, time and who exported. Every export is audited."
        ),
        parameters=[FilterSerializer],
        responses={
            (200, CSV_CONTENT_TYPE.split(";")[0]): OpenApiResponse(OpenApiTypes.STR),
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY),
            (400, "application/json"): ErrorSerializer,
            (401, "application/json"): ErrorSerializer,
            (403, "application/json"): OpenApiResponse(
                ErrorSerializer, description="`export_not_allowed` or a policy refusal"
            ),
            (404, "application/json"): ErrorSerializer,
            (409, "application/json"): OpenApiResponse(
                ErrorSerializer,
                description="`not_exportable` (the answer has no data) or `unknown_source`",
            ),
            (422, "application/json"): ErrorSerializer,
            (429, "application/json"): RATE_LIMITED,
            (503, "application/json"): OpenApiResponse(ErrorSerializer, description="timeout"),
        },
    )
    def get(self, request: Request, pk: int) -> Any:
        message = self.get_object(pk)
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        choice = params.validated_data.get("sep") or params.validated_data.get("delimiter")
        delimiter = {"comma": ",", "semicolon": ";", "tab": "\t", ",": ",", ";": ";"}.get(
            choice or ""
        )
        try:
            export = message_export(
                membership=self.membership,
                message=message,
                fmt=params.validated_data["format"],
                lang=translation.get_language() or "es",
                delimiter=delimiter,
                channel="api",
            )
        except ExportRefused as refusal:
            raise ApiError(
                code=refusal.code, message=refusal.message, status_code=refusal.status
            ) from None
        if export.chunks is not None:
            response: Any = StreamingHttpResponse(export.chunks, content_type=export.content_type)
        else:
            response = FileResponse(export.file, content_type=export.content_type)
        response["Content-Disposition"] = content_disposition_header(True, export.filename)
        response["X-Row-Count"] = str(export.row_count)
        response["X-Count-Capped"] = "true" if export.count_capped else "false"
        for header, value in export.provenance.items():
            response[header] = value
        response["Cache-Control"] = "no-store"
        return response
