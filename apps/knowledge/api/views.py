"""The knowledge API: the documents and data sources a member may see (read-only).

Visibility follows the caller's current policy, the same rule retrieval applies: a document about
a table the caller may not see is not listed and answers 404; a data source shows only the tables
the caller may query, and never its location or credentials.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from apps.governance.api_access import ApiError, ApiPagination, ErrorSerializer, TenantApi
from apps.governance.selectors import member_can
from apps.knowledge.locations import LocationError
from apps.knowledge.models import DataSource, Document
from apps.knowledge.selectors import (
    SourceAccess,
    datasource_access_list,
    document_body_visible,
    document_visible_list,
)
from apps.knowledge.services import datasource_connect

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


# How a refused connection answers: who may not (403), too big (413), else a bad request.
_CONNECT_STATUS = {
    "connect_not_allowed": 403,
    "location_superuser_only": 403,
    "file_too_large": 413,
    "spreadsheet_too_large": 413,
    "spreadsheet_too_many_rows": 413,
    "spreadsheet_too_many_columns": 413,
    "source_kind_mismatch": 409,
}


class UploadField(serializers.FileField):
    """The uploaded file; a multipart part sent as a plain field (no filename) is taken as the
    file's content too, so what it holds is judged by the service (`file_not_sqlite`)."""

    def to_internal_value(self, data):  # noqa: ANN001, ANN201
        if isinstance(data, str):
            from django.core.files.uploadedfile import SimpleUploadedFile

            data = SimpleUploadedFile("upload.db", data.encode("utf-8", "surrogatepass"))
        return super().to_internal_value(data)


class DataSourceStatusOutput(serializers.Serializer):
    """A connected source and how far its set-up got (never its location)."""

    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    display_name = serializers.CharField()
    kind = serializers.CharField()
    is_default = serializers.BooleanField()
    restricted = serializers.BooleanField()
    schema_version = serializers.IntegerField()
    status = serializers.CharField(source="setup_status")
    progress = serializers.SerializerMethodField()
    status_url = serializers.SerializerMethodField()

    def get_progress(self, source: DataSource) -> dict:
        # A queued upload's staging name is the platform's business.
        return {k: v for k, v in (source.setup or {}).items() if k != "upload"}

    def get_status_url(self, source: DataSource) -> str:
        return reverse(
            "api-datasource", kwargs={"pk": source.pk}, request=self.context.get("request")
        )


class DataSourceListApi(TenantApi):
    """The org's data sources the caller may use, with the tables (and masked columns) their
    policy allows. Never the location or credentials. `POST` connects a new one (org admins)."""

    model = DataSource
    pagination_class = ApiPagination
    # This one view also takes a multipart body: the SQLite file being uploaded.
    parser_classes = (JSONParser, MultiPartParser)

    class UploadInput(serializers.Serializer):
        name = serializers.SlugField(max_length=100)
        file = UploadField(
            help_text="A SQLite database file, or a spreadsheet (.csv, .tsv, .txt, .xlsx, "
            ".parquet) added to the source's DuckDB file."
        )
        table = serializers.CharField(
            max_length=60,
            required=False,
            default="",
            allow_blank=True,
            help_text="A spreadsheet's table name (default: the file's or the sheet's name).",
        )
        default = serializers.BooleanField(default=False)
        display_name = serializers.CharField(
            max_length=200, required=False, default="", allow_blank=True
        )

    class UrlInput(serializers.Serializer):
        name = serializers.SlugField(max_length=100)
        url = serializers.CharField(
            min_length=1,
            max_length=2000,
            help_text="postgresql://user:password@host:port/database",
        )
        default = serializers.BooleanField(default=False)
        display_name = serializers.CharField(
            max_length=200, required=False, default="", allow_blank=True
        )

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

    @extend_schema(
        summary=(
            "Connect a data source (org admins): upload a SQLite file or a spreadsheet, or a "
            "PostgreSQL URL"
        ),
        description=(
            "`multipart/form-data` with `name` and `file` (a SQLite database, copied into the "
            "organization's folder, checked, size-limited by DATACHAT_UPLOAD_MAX_MB; or a "
            "spreadsheet, .csv/.tsv/.txt/.xlsx/.parquet, each file or sheet a table of the "
            "source's DuckDB file, replacing a table of the same name, size-limited by "
            "DATACHAT_SPREADSHEET_MAX_MB), or JSON "
            "with `name` and `url` (platform staff only; the host must be in "
            "DATACHAT_SOURCE_HOSTS). The connection is tested, the schema introspected, table "
            "documents generated and indexed: `201` when done at once, `202` with the "
            "`status_url` to poll when the introspection was queued."
        ),
        request={"multipart/form-data": UploadInput, "application/json": UrlInput},
        responses={
            201: DataSourceStatusOutput,
            202: DataSourceStatusOutput,
            400: OpenApiResponse(
                ErrorSerializer,
                description="`file_not_sqlite`, `location_unavailable`, `host_not_allowed`, "
                "`location_invalid`, `connect_bad_input`, `invalid`, `spreadsheet_unreadable`, "
                "`spreadsheet_unsupported`, `spreadsheet_empty`",
            ),
            **ERRORS,
            409: OpenApiResponse(ErrorSerializer, description="`source_kind_mismatch`"),
            413: OpenApiResponse(
                ErrorSerializer,
                description="`file_too_large`, `spreadsheet_too_large`, "
                "`spreadsheet_too_many_rows`, `spreadsheet_too_many_columns`",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        if not member_can(self.membership, "can_add_data"):
            raise ApiError(
                code="connect_not_allowed",
                message="Only the organization's administrators may connect a data source.",
                status_code=403,
            )
        upload = "file" in request.FILES or "multipart" in (request.content_type or "")
        serializer = (self.UploadInput if upload else self.UrlInput)(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            result = datasource_connect(
                self.membership.organization,
                data["name"],
                file=data.get("file"),
                url=data.get("url"),
                user=request.user,
                default=data["default"],
                display_name=data["display_name"],
                channel="api",
                filename=getattr(data.get("file"), "name", "") or "",
                table=data.get("table", ""),
            )
        except LocationError as exc:
            raise ApiError(
                code=exc.code, message=exc.message, status_code=_CONNECT_STATUS.get(exc.code, 400)
            ) from None
        body = DataSourceStatusOutput(result.source, context={"request": request}).data
        code = status.HTTP_202_ACCEPTED if result.queued else status.HTTP_201_CREATED
        return Response(body, status=code, headers={"Location": body["status_url"]})


class DataSourceDetailApi(TenantApi):
    """One data source and its set-up status: org admins see every source of the org, other
    members the sources they may query. Another org's source is a 404."""

    model = DataSource

    def access_object(self, pk: int):  # noqa: ANN201
        source = self.get_queryset().filter(pk=pk).first()
        if source is None or member_can(self.membership, "can_add_data"):
            return source
        visible = {entry.source.pk for entry in datasource_access_list(membership=self.membership)}
        return source if source.pk in visible else None

    @extend_schema(
        summary="One data source and how far its set-up got",
        responses={200: DataSourceStatusOutput, **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        source = self.get_object(pk)
        return Response(DataSourceStatusOutput(source, context={"request": request}).data)
