from django import forms
from django.contrib import admin

from apps.governance.admin_scoping import OrgScopedAdmin
from apps.knowledge.models import (
    CatalogColumn,
    CatalogForeignKey,
    CatalogTable,
    DataSource,
    Document,
    KnowledgeChange,
    Metric,
    VerifiedExample,
)
from apps.knowledge.services import (
    catalog_refresh,
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
    location = forms.CharField(
        required=False,
        help_text="SQLite path (relative to DATACHAT_DATA_DIR) or postgresql:// URL. Stored "
        "encrypted; leave empty to keep the current one.",
        widget=forms.PasswordInput(render_value=False),
    )

    class Meta:
        model = DataSource
        fields = ("organization", "name", "display_name", "kind", "is_default", "restricted")

    def save(self, commit=True):  # noqa: ANN001, ANN201
        source = super().save(commit=False)
        if self.cleaned_data.get("location"):
            source.set_location(self.cleaned_data["location"])
        if commit:
            source.save()
        return source


@admin.register(DataSource)
class DataSourceAdmin(OrgScopedAdmin):
    form = DataSourceForm
    list_display = ("name", "organization", "kind", "is_default", "schema_version", "refreshed_at")
    readonly_fields = ("schema_version", "refreshed_at")
    actions = ["refresh_schema"]

    @admin.action(description="Refresh schema (introspect tables, columns, keys and values)")
    def refresh_schema(self, request, queryset):  # noqa: ANN001
        for source in queryset:
            summary = catalog_refresh(data_source=source, user=request.user)
            generated = table_document_generate(data_source=source, user=request.user)
            self.message_user(
                request,
                f"{source}: {summary['tables']} tables, {summary['columns']} columns, "
                f"{summary['stale_examples']} examples marked stale, {generated} table "
                "documents generated",
            )


class CatalogColumnInline(admin.TabularInline):
    model = CatalogColumn
    fields = ("name", "data_type", "pii", "description", "synonyms", "distinct_values")
    readonly_fields = ("name", "data_type", "distinct_values")
    extra = 0
    can_delete = False


@admin.register(CatalogTable)
class CatalogTableAdmin(KnowledgeVersionedAdmin):
    list_display = ("name", "data_source", "row_estimate")
    inlines = [CatalogColumnInline]


@admin.register(CatalogForeignKey)
class CatalogForeignKeyAdmin(OrgScopedAdmin):
    list_display = ("table", "column", "ref_table", "ref_column", "data_source")


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

    @admin.action(description="Approve the selected examples")
    def approve(self, request, queryset):  # noqa: ANN001
        for example in queryset:
            example_review(example=example, user=request.user, approve=True)
        self.message_user(request, f"{queryset.count()} example(s) approved.")

    @admin.action(description="Reject the selected examples")
    def reject(self, request, queryset):  # noqa: ANN001
        for example in queryset:
            example_review(example=example, user=request.user, approve=False)
        self.message_user(request, f"{queryset.count()} example(s) rejected.")


@admin.register(KnowledgeChange)
class KnowledgeChangeAdmin(OrgScopedAdmin):
    list_display = ("created_at", "user", "object_type", "object_id", "action", "knowledge_version")

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False
