from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.governance.admin_scoping import OrgScopedAdmin, admin_orgs
from apps.governance.models import Organization
from apps.governance.selectors import organizations_where
from apps.knowledge.engine.semantic_file import SemanticFileError
from apps.knowledge.locations import LocationError, location_check, location_probe
from apps.knowledge.models import (
    CatalogColumn,
    CatalogForeignKey,
    CatalogTable,
    DataSource,
    Document,
    FlagSource,
    KnowledgeChange,
    Metric,
    VerifiedExample,
)
from apps.knowledge.semantic_layer import semantic_layer_export, semantic_layer_import
from apps.knowledge.services import (
    catalog_refresh,
    datasource_connect,
    datasource_delete,
    datasource_location_refused,
    datasource_save,
    example_review,
    knowledge_version_bump,
    table_document_generate,
)


class KnowledgeVersionedAdmin(OrgScopedAdmin):
    """Every steward edit is recorded (who, when, what) and bumps the org's knowledge version,
    so answers cached against the old knowledge are never served again."""

    def save_model(self, request, obj, form, change):  # noqa: ANN001
        if isinstance(obj, Document) and change:
            obj.version += 1
            obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        knowledge_version_bump(
            org=obj.organization,
            user=request.user,
            object_type=obj._meta.model_name,
            object_id=obj.pk,
            action="updated" if change else "created",
            changes={name: str(form.cleaned_data.get(name))[:500] for name in form.changed_data},
        )

    def delete_model(self, request, obj):  # noqa: ANN001
        org, pk = obj.organization, obj.pk
        super().delete_model(request, obj)
        knowledge_version_bump(
            org=org,
            user=request.user,
            object_type=obj._meta.model_name,
            object_id=pk,
            action="deleted",
        )

    def delete_queryset(self, request, queryset):  # noqa: ANN001
        for obj in queryset:
            self.delete_model(request, obj)


class DataSourceForm(forms.ModelForm):
    """Platform staff (superusers): every field, the location checked and opened before saving."""

    location = forms.CharField(
        required=False,
        help_text=_(
            "SQLite: a file name inside the organization's folder, "
            "DATACHAT_DATA_DIR/sources/<org>/ (e.g. ventas.db). PostgreSQL: "
            "postgresql://user:password@host:port/database, on a host listed in "
            "DATACHAT_SOURCE_HOSTS. Stored encrypted; leave empty to keep the current one."
        ),
        widget=forms.PasswordInput(render_value=False),
    )

    class Meta:
        model = DataSource
        fields = ("organization", "name", "display_name", "kind", "is_default", "restricted")

    request = None  # set by DataSourceAdmin.get_form: refused attempts are audited as the user

    def clean(self):  # noqa: ANN201
        cleaned = super().clean()
        instance = self.instance if self.instance.pk else None
        org = cleaned.get("organization") or (instance.organization if instance else None)
        kind = cleaned.get("kind") or (instance.kind if instance else "")
        location = (cleaned.get("location") or "").strip()
        if org is None or not kind:
            return cleaned  # the field errors say what is missing
        if not location:
            if instance is None:
                self.add_error("location", _("A new data source needs a location."))
            elif kind != instance.kind:
                self.add_error("location", _("Changing the kind needs a new location."))
            return cleaned
        try:
            checked = location_check(org=org, kind=kind, location=location)
            location_probe(checked)
        except LocationError as exc:
            message = f"{exc.message} ({exc.code})"
            if exc.detail and exc.code == "location_unavailable":
                message += f" {exc.detail}"
            self.add_error("location", forms.ValidationError(message, code=exc.code))
            datasource_location_refused(
                org=org,
                user=getattr(self.request, "user", None),
                name=cleaned.get("name") or (instance.name if instance else ""),
                kind=kind,
                error=exc,
                channel="web",
            )
        else:
            cleaned["location"] = checked.stored
        return cleaned


class DataSourceOrgAdminForm(forms.ModelForm):
    """An org's admin: rename, describe, choose the default, open or restrict. No location."""

    class Meta:
        model = DataSource
        fields = ("name", "display_name", "is_default", "restricted")


class DataSourceConnectForm(forms.Form):
    """Connect a source in one step (`services.datasource_connect`): upload a SQLite file (org
    admins and platform staff) or give a PostgreSQL URL (platform staff only)."""

    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(), label=_("Organization")
    )
    name = forms.SlugField(
        max_length=100, label=_("Name"), help_text=_("Letters, digits, '-' and '_'.")
    )
    display_name = forms.CharField(max_length=200, required=False, label=_("Display name"))
    file = forms.FileField(
        required=False,
        label=_("File"),
        help_text=_(
            "A SQLite database file, copied into the organization's own folder and checked; or a "
            "spreadsheet (CSV, Excel, Parquet): each file or sheet becomes a table of this "
            "source, replacing a table of the same name."
        ),
    )
    table = forms.CharField(
        max_length=60,
        required=False,
        label=_("Table name"),
        help_text=_("For a CSV or Parquet file: the table's name (default: the file's name)."),
    )
    url = forms.CharField(
        required=False,
        label=_("PostgreSQL URL"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "postgresql://user:password@host:port/database, on a host listed in "
            "DATACHAT_SOURCE_HOSTS (platform staff only)."
        ),
    )
    default = forms.BooleanField(required=False, label=_("Default source of the organization"))

    def __init__(self, *args, request=None, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.request = request
        if request.user.is_superuser:
            self.fields["organization"].queryset = Organization.objects.all()
        else:
            self.fields["organization"].queryset = admin_orgs(request, DataSource).filter(
                pk__in=organizations_where(user=request.user, capability="can_add_data")
            )
            del self.fields["url"]

    def clean(self):  # noqa: ANN201
        cleaned = super().clean()
        if bool(cleaned.get("file")) == bool(cleaned.get("url")):
            raise forms.ValidationError(
                _("Upload a file or give a PostgreSQL URL (one of the two)."),
                code="connect_bad_input",
            )
        return cleaned


SEMANTIC_FILE_MAX_BYTES = 2 * 1024 * 1024


class SemanticLayerUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Semantic-layer file (YAML)"),
        help_text=_("The format of docs/semantic-layer.md; at most 2 MB."),
    )

    def clean_file(self):  # noqa: ANN201
        upload = self.cleaned_data["file"]
        if upload.size > SEMANTIC_FILE_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."), code="too_large")
        try:
            return upload.name, upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file is not UTF-8 text."), code="not_text") from None


@admin.register(DataSource)
class DataSourceAdmin(OrgScopedAdmin):
    """Only platform staff (superusers) add sources or set a location: a location decides what
    the platform's own process reads. An org's admin edits the rest and refreshes the schema,
    and connects a new source by uploading a SQLite file ("Connect a data source"), which the
    platform copies into the org's own folder under a name it chooses."""

    list_display = (
        "name",
        "organization",
        "kind",
        "is_default",
        "restricted",
        "setup_status",
        "schema_version",
    )
    actions = ["refresh_schema"]
    change_list_template = "admin/knowledge/datasource/change_list.html"

    def may_connect(self, request) -> bool:  # noqa: ANN001
        return (
            request.user.is_superuser
            or organizations_where(user=request.user, capability="can_add_data").exists()
        )

    def changelist_view(self, request, extra_context=None):  # noqa: ANN001, ANN201
        extra_context = {**(extra_context or {}), "may_connect": self.may_connect(request)}
        return super().changelist_view(request, extra_context=extra_context)

    def connect_view(self, request):  # noqa: ANN001, ANN201
        """Upload a SQLite file or give a URL: tested, introspected, documented, indexed."""
        if not self.may_connect(request):
            raise PermissionDenied
        form = DataSourceConnectForm(request.POST or None, request.FILES or None, request=request)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                result = datasource_connect(
                    data["organization"],
                    data["name"],
                    file=data.get("file"),
                    url=data.get("url") or None,
                    user=request.user,
                    default=data["default"],
                    display_name=data["display_name"],
                    channel="web",
                    table=data.get("table") or "",
                )
            except LocationError as exc:
                form.add_error(None, forms.ValidationError(f"{exc.message} ({exc.code})"))
            else:
                source = result.source
                if result.queued:
                    text = _("%(name)s connected: the schema is being introspected.")
                else:
                    text = _(
                        "%(name)s connected: %(tables)s tables, %(documents)s table documents."
                    )
                self.message_user(
                    request,
                    text
                    % {
                        "name": source,
                        "tables": result.summary.get("tables", 0),
                        "documents": result.summary.get("documents", 0),
                    },
                )
                return redirect(reverse("admin:knowledge_datasource_change", args=[source.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Connect a data source"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/knowledge/datasource/connect.html", context)

    def has_add_permission(self, request):  # noqa: ANN001, ANN201
        return request.user.is_superuser and super().has_add_permission(request)

    def get_form(self, request, obj=None, change=False, **kwargs):  # noqa: ANN001, ANN003, ANN201
        kwargs["form"] = DataSourceForm if request.user.is_superuser else DataSourceOrgAdminForm
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request
        return form

    def get_fields(self, request, obj=None):  # noqa: ANN001, ANN201
        if obj is None:
            return [
                "organization",
                "name",
                "display_name",
                "kind",
                "location",
                "is_default",
                "restricted",
            ]
        editable = ["location"] if request.user.is_superuser else []
        return [
            "organization",
            "name",
            "display_name",
            "kind",
            "current_location",
            *editable,
            "is_default",
            "restricted",
            "schema_version",
            "refreshed_at",
            "semantic_layer",
        ]

    def get_readonly_fields(self, request, obj=None):  # noqa: ANN001, ANN201
        if obj is None:
            return []
        readonly = [
            "organization",
            "current_location",
            "schema_version",
            "refreshed_at",
            "semantic_layer",
        ]
        return readonly if request.user.is_superuser else [*readonly, "kind"]

    @admin.display(description=_("Semantic layer"))
    def semantic_layer(self, obj):  # noqa: ANN001, ANN201
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:knowledge_datasource_semantic_export", args=[obj.pk]),
            _("Download the semantic-layer file (YAML)"),
            reverse("admin:knowledge_datasource_semantic_import", args=[obj.pk]),
            _("Import a semantic-layer file"),
        )

    def get_urls(self):  # noqa: ANN201
        wrap = self.admin_site.admin_view
        return [
            path("connect/", wrap(self.connect_view), name="knowledge_datasource_connect"),
            path(
                "<int:pk>/semantic-layer/export/",
                wrap(self.semantic_export_view),
                name="knowledge_datasource_semantic_export",
            ),
            path(
                "<int:pk>/semantic-layer/import/",
                wrap(self.semantic_import_view),
                name="knowledge_datasource_semantic_import",
            ),
            *super().get_urls(),
        ]

    def _scoped_source(self, request, pk: int) -> DataSource:  # noqa: ANN001
        """The source if it is of the staff member's orgs; the same 404 otherwise."""
        source = self.get_queryset(request).filter(pk=pk).first()
        if source is None or not self.has_view_permission(request, source):
            raise Http404
        return source

    def semantic_export_view(self, request, pk: int):  # noqa: ANN001, ANN201
        source = self._scoped_source(request, pk)
        text = semantic_layer_export(data_source=source)
        response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
        filename = f"{source.organization.slug}-{source.name}-semantic-layer.yaml"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def semantic_import_view(self, request, pk: int):  # noqa: ANN001, ANN201
        """Upload a file: checked whole, then applied as the steward's edits (versioned,
        re-indexed); every problem is shown with its line, and nothing changes then."""
        source = self._scoped_source(request, pk)
        # Knowledge editors of the source's own org: a grant held in another org does not count.
        if not admin_orgs(request, Metric, write=True).filter(pk=source.organization_id).exists():
            raise PermissionDenied
        problems: list[str] = []
        form = SemanticLayerUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            name, text = form.cleaned_data["file"]
            try:
                summary = semantic_layer_import(
                    data_source=source, text=text, user=request.user, channel="web", name=name
                )
            except SemanticFileError as exc:
                problems = exc.problems
            else:
                self.message_user(request, f"{source}: {summary.line()}")
                return HttpResponseRedirect(
                    reverse("admin:knowledge_datasource_change", args=[source.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": source,
            "title": _("Import a semantic-layer file into %(source)s") % {"source": source},
            "form": form,
            "problems": problems,
        }
        return TemplateResponse(
            request, "admin/knowledge/datasource/semantic_layer_import.html", context
        )

    @admin.display(description=_("Location"))
    def current_location(self, obj):  # noqa: ANN001, ANN201
        try:
            return obj.display_location()
        except ValueError:
            return "—"

    def save_model(self, request, obj, form, change):  # noqa: ANN001
        # The form already checked (and opened) a new location; the service checks again.
        datasource_save(
            source=obj,
            location=form.cleaned_data.get("location") or None,
            user=request.user,
            channel="web",
            probe=False,
        )

    def delete_model(self, request, obj):  # noqa: ANN001
        datasource_delete(source=obj, user=request.user, channel="web")

    def delete_queryset(self, request, queryset):  # noqa: ANN001
        for obj in queryset:
            self.delete_model(request, obj)

    @admin.action(
        description=_("Refresh schema (introspect tables, columns, keys and values)"),
        permissions=["change"],
    )
    def refresh_schema(self, request, queryset):  # noqa: ANN001
        for source in self.writable(request, queryset):
            try:
                summary = catalog_refresh(data_source=source, user=request.user)
            except LocationError as exc:
                self.message_user(
                    request,
                    f"{source}: {exc.message} ({exc.code})",
                    level=messages.ERROR,
                )
                continue
            generated = table_document_generate(data_source=source, user=request.user)
            self.message_user(
                request,
                _(
                    "%(source)s: %(tables)s tables, %(columns)s columns, %(stale)s examples "
                    "marked stale, %(generated)s table documents generated"
                )
                % {
                    "source": source,
                    "tables": summary["tables"],
                    "columns": summary["columns"],
                    "stale": summary["stale_examples"],
                    "generated": generated,
                },
            )


class CatalogColumnInline(admin.TabularInline):
    """A steward flags or unflags personal data; their choice is kept across refreshes."""

    model = CatalogColumn
    fields = (
        "name",
        "data_type",
        "pii",
        "pii_source",
        "description",
        "synonyms",
        "currency",
        "unit",
        "distinct_values",
    )
    readonly_fields = ("name", "data_type", "pii_source", "distinct_values")
    extra = 0
    can_delete = False


@admin.register(CatalogTable)
class CatalogTableAdmin(KnowledgeVersionedAdmin):
    list_display = ("name", "data_source", "sensitive", "row_estimate")
    list_filter = ("sensitive",)
    readonly_fields = ("sensitive_source",)
    inlines = [CatalogColumnInline]

    def save_model(self, request, obj, form, change):  # noqa: ANN001
        if "sensitive" in form.changed_data:
            obj.sensitive_source = FlagSource.STEWARD
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):  # noqa: ANN001
        for inline_form in formset.forms:
            if "pii" in inline_form.changed_data:
                inline_form.instance.pii_source = FlagSource.STEWARD
                if inline_form.instance.pii:
                    inline_form.instance.distinct_values = None  # never value-indexed
        super().save_formset(request, form, formset, change)
        if any("pii" in f.changed_data for f in formset.forms):
            knowledge_version_bump(
                org=form.instance.organization,
                user=request.user,
                object_type="catalogtable",
                object_id=form.instance.pk,
                action="pii_flags",
                changes={
                    f.instance.name: f.instance.pii
                    for f in formset.forms
                    if "pii" in f.changed_data
                },
            )


@admin.register(CatalogForeignKey)
class CatalogForeignKeyAdmin(OrgScopedAdmin):
    list_display = (
        "table",
        "column",
        "ref_table",
        "ref_column",
        "cardinality",
        "declared",
        "data_source",
    )


@admin.register(Document)
class DocumentAdmin(KnowledgeVersionedAdmin):
    list_display = ("title", "kind", "table_name", "version", "updated_at")
    list_filter = ("kind",)
    search_fields = ("title", "body")
    readonly_fields = ("version",)


@admin.register(Metric)
class MetricAdmin(KnowledgeVersionedAdmin):
    list_display = ("name", "expression", "table_name", "data_source")


@admin.register(VerifiedExample)
class VerifiedExampleAdmin(KnowledgeVersionedAdmin):
    """The stewards' review queue: proposed examples (from 👍 on answers) wait here."""

    list_display = (
        "question",
        "status",
        "proposed_by",
        "reviewed_by",
        "source_message_id",
        "created_at",
    )
    list_filter = ("status",)
    search_fields = ("question", "sql")
    readonly_fields = (
        "proposed_by",
        "reviewed_by",
        "reviewed_at",
        "source_message_id",
        "stale_reason",
    )
    actions = ["approve", "reject"]

    @admin.action(description=_("Approve the selected examples"))
    def approve(self, request, queryset):  # noqa: ANN001
        for example in queryset:
            example_review(example=example, user=request.user, approve=True)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(n)d example approved.", "%(n)d examples approved.", count) % {"n": count},
        )

    @admin.action(description=_("Reject the selected examples"))
    def reject(self, request, queryset):  # noqa: ANN001
        for example in queryset:
            example_review(example=example, user=request.user, approve=False)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(n)d example rejected.", "%(n)d examples rejected.", count) % {"n": count},
        )


@admin.register(KnowledgeChange)
class KnowledgeChangeAdmin(OrgScopedAdmin):
    list_display = ("created_at", "user", "object_type", "object_id", "action", "knowledge_version")

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False
