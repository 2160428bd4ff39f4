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


class CatalogColumnInline(admin.TabularInline):
    model = CatalogColumn
    fields = ("name", "data_type", "pii", "description", "synonyms", "distinct_values")
    readonly_fields = ("name", "data_type", "distinct_values")
    extra = 0
    can_delete = False


@admin.register(CatalogTable)
class CatalogTableAdmin(OrgScopedAdmin):
    list_display = ("name", "data_source", "row_estimate")
    inlines = [CatalogColumnInline]


@admin.register(CatalogForeignKey)
class CatalogForeignKeyAdmin(OrgScopedAdmin):
    list_display = ("table", "column", "ref_table", "ref_column", "data_source")


@admin.register(Document)
class DocumentAdmin(OrgScopedAdmin):
    list_display = ("title", "kind", "table_name", "version", "updated_at")
    list_filter = ("kind",)
    search_fields = ("title", "body")
    readonly_fields = ("version",)


@admin.register(Metric)
class MetricAdmin(OrgScopedAdmin):
    list_display = ("name", "expression", "table_name", "data_source")


@admin.register(VerifiedExample)
class VerifiedExampleAdmin(OrgScopedAdmin):
    list_display = ("question", "status", "data_source", "created_at")
    list_filter = ("status",)


@admin.register(KnowledgeChange)
class KnowledgeChangeAdmin(OrgScopedAdmin):
    list_display = ("created_at", "user", "object_type", "object_id", "action", "knowledge_version")

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False
