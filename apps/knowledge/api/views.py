"""The knowledge API: the documents and data sources a member may see (read-only).

Visibility follows the caller's current policy, the same rule retrieval applies: a document about
a table the caller may not see is not listed and answers 404; a data source shows only the tables
the caller may query, and never its location or credentials.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.governance.api_access import ApiPagination, ErrorSerializer, TenantApi
from apps.knowledge.models import DataSource, Document
from apps.knowledge.selectors import (
    SourceAccess,
    datasource_access_list,
    document_body_visible,
    document_visible_list,
)

ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="Not authenticated"),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed"),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="Missing or not visible")}
EXCERPT_CHARS = 280


class DocumentListApi(TenantApi):
    """Knowledge documents the caller may read: none about a table their policy hides."""

    model = Document
    pagination_class = ApiPagination

    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, allow_blank=True, max_length=200)
        # An empty value is no filter (DRF reads `?kind=` as not sent): documented as such.
        kind = serializers.ChoiceField(
            choices=Document.Kind.choices, required=False, allow_blank=True
        )

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        kind = serializers.CharField()
        title = serializers.CharField()
        table_name = serializers.CharField()
        source = serializers.CharField(source="data_source.name", allow_null=True, default=None)
        excerpt = serializers.SerializerMethodField()
        version = serializers.IntegerField()
        updated_at = serializers.DateTimeField()

        def get_excerpt(self, document: Document) -> str:
            body = document_body_visible(document=document, access=self.context["access"])
            return body[:EXCERPT_CHARS]

    @extend_schema(
        summary="Knowledge documents you may read",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        self.filters = filters.validated_data
        self.access = datasource_access_list(membership=self.membership)
        return self.paginated(self.get_queryset(), self.OutputSerializer, {"access": self.access})

    def tenant_queryset(self):  # noqa: ANN201
        return document_visible_list(membership=self.membership, access=self.access, **self.filters)


class DocumentDetailApi(TenantApi):
    """One document; a document about a table the caller may not see is a 404."""

    model = Document

    class OutputSerializer(DocumentListApi.OutputSerializer):
        excerpt = None
        body = serializers.SerializerMethodField()
        created_at = serializers.DateTimeField()

        def get_body(self, document: Document) -> str:
            return document_body_visible(document=document, access=self.context["access"])

    def tenant_queryset(self):  # noqa: ANN201
        return document_visible_list(membership=self.membership, access=self.access)

    @extend_schema(
        summary="One knowledge document",
        responses={200: OutputSerializer, **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        self.access = datasource_access_list(membership=self.membership)
        document = self.get_object(pk)
        return Response(self.OutputSerializer(document, context={"access": self.access}).data)


class DataSourceListApi(TenantApi):
    """The org's data sources the caller may use, with the tables (and masked columns) their
    policy allows. Never the location or credentials."""

    model = DataSource
    pagination_class = ApiPagination

    class OutputSerializer(serializers.Serializer):
        class TableOutput(serializers.Serializer):
            class ColumnOutput(serializers.Serializer):
                name = serializers.CharField()
                type = serializers.CharField()
                description = serializers.CharField()
                masked = serializers.BooleanField()

            name = serializers.CharField()
            description = serializers.CharField()
            columns = ColumnOutput(many=True)

        name = serializers.CharField(source="source.name")
        display_name = serializers.CharField(source="source.display_name")
        kind = serializers.CharField(source="source.kind")
        is_default = serializers.BooleanField(source="source.is_default")
        schema_version = serializers.IntegerField(source="source.schema_version")
        refreshed_at = serializers.DateTimeField(source="source.refreshed_at", allow_null=True)
        tables = serializers.SerializerMethodField()

        @staticmethod
        def _tables(entry: SourceAccess) -> list[dict]:
            masked = entry.policy.masked_columns
            return [
                {
                    "name": table.name,
                    "description": table.description,
                    "columns": [
                        {
                            "name": column.name,
                            "type": column.type,
                            "description": column.description,
                            "masked": (table.name, column.name) in masked,
                        }
                        for column in table.columns
                    ],
                }
                for table in entry.tables
            ]

        def get_tables(self, entry: SourceAccess) -> list[dict]:
            return self.TableOutput(self._tables(entry), many=True).data

    # The list is built from selector results (a source plus the caller's view of it), not rows
    # of a queryset: it is scoped by `datasource_access_list`, which takes the caller's org.
    @extend_schema(
        summary="Data sources you may query, with the tables your policy allows",
        responses={200: OutputSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        entries = [
            entry
            for entry in datasource_access_list(membership=self.membership)
            if entry.source.organization_id == self.membership.organization_id
        ]
        return self.paginated(entries, self.OutputSerializer)
