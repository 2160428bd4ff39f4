"""The chat and query API: thin views over the pipeline (the answer object is the body)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.chat.pipeline import ask, run_query
from apps.governance.selectors import membership_for_user
from datachat.observability import observe_answer


class AnswerSerializer(serializers.Serializer):
    """The contract's answer object (documented for OpenAPI; produced by the pipeline)."""

    type = serializers.ChoiceField(choices=["SQL", "RAG", "HYBRID", "CLARIFY", "REFUSED", "ERROR"])
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


def _membership(request: Request):  # noqa: ANN202
    membership = membership_for_user(user=request.user)
    if membership is None:
        raise Http404
    return membership


class ChatApi(APIView):
    class InputSerializer(serializers.Serializer):
        question = serializers.CharField(allow_blank=True, trim_whitespace=False)
        conversation_id = serializers.IntegerField(required=False, allow_null=True)
        source = serializers.CharField(required=False, allow_null=True, allow_blank=True)

    @extend_schema(request=InputSerializer, responses={200: AnswerSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = ask(
            membership=_membership(request),
            question=data.validated_data["question"],
            conversation_id=data.validated_data.get("conversation_id"),
            source_name=data.validated_data.get("source") or None,
            channel="api",
        )
        observe_answer(answer, "api")
        return Response(answer)


class QueryApi(APIView):
    class InputSerializer(serializers.Serializer):
        sql = serializers.CharField(allow_blank=True, trim_whitespace=False)
        source = serializers.CharField(required=False, allow_null=True, allow_blank=True)

    @extend_schema(
        request=InputSerializer,
        responses={200: AnswerSerializer, 400: OpenApiResponse(description="Invalid input")},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = run_query(
            membership=_membership(request),
            sql=data.validated_data["sql"],
            source_name=data.validated_data.get("source") or None,
            channel="api",
        )
        observe_answer(answer, "api")
        return Response(answer)
