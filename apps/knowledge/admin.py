from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.governance.admin_scoping import OrgScopedAdmin
from apps.knowledge.locations import LocationError, location_check, location_probe
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


@admin.register(DataSource)
class DataSourceAdmin(OrgScopedAdmin):
    """Only platform staff (superusers) add sources or set a location: a location decides what
    the platform's own process reads. An org's admin edits the rest and refreshes the schema."""

    list_display = ("name", "organization", "kind", "is_default", "restricted", "schema_version")
    actions = ["refresh_schema"]

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
        ]

    def get_readonly_fields(self, request, obj=None):  # noqa: ANN001, ANN201
        if obj is None:
            return []
        readonly = ["organization", "current_location", "schema_version", "refreshed_at"]
        return readonly if request.user.is_superuser else [*readonly, "kind"]

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

    @admin.action(description=_("Refresh schema (introspect tables, columns, keys and values)"))
    def refresh_schema(self, request, queryset):  # noqa: ANN001
        for source in queryset:
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
