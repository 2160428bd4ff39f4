from django.contrib import admin

from apps.governance.admin_scoping import NotFoundAdmin, OrgScopedAdmin, admin_orgs
from apps.governance.models import (
    AccessPolicy,
    AccessRequest,
    AnomalyReport,
    ApiToken,
    AuditEntry,
    Membership,
    Organization,
)
from apps.governance.services import organization_create


@admin.register(Organization)
class OrganizationAdmin(NotFoundAdmin):
    """A new organization gets the default policies derived from the catalog (as `manage.py
    create_org` does): its users can ask as soon as a source is connected."""

    list_display = ("slug", "name", "language", "row_cap", "query_timeout_ms", "knowledge_version")
    readonly_fields = ("knowledge_version",)
    # What the org may spend (LLM tokens) and how fast it may ask: set by the platform's staff,
    # not by the org's own administrators.
    platform_fields = ("llm_monthly_token_budget", "rate_limits")

    def get_readonly_fields(self, request, obj=None):  # noqa: ANN001, ANN201
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else fields + self.platform_fields

    def get_queryset(self, request):  # noqa: ANN001, ANN201
        return admin_orgs(request, Organization)

    def save_model(self, request, obj, form, change):  # noqa: ANN001
        super().save_model(request, obj, form, change)
        if not change:
            organization_create(name=obj.name, slug=obj.slug, language=obj.language)


@admin.register(Membership)
class MembershipAdmin(OrgScopedAdmin):
    list_display = ("user", "organization", "role", "attributes")
    list_filter = ("role",)


@admin.register(AccessPolicy)
class AccessPolicyAdmin(OrgScopedAdmin):
    list_display = (
        "organization",
        "role",
        "can_query_data",
        "can_export",
        "can_edit_sql",
        "can_view_audit",
        "can_edit_knowledge",
        "can_add_data",
    )


@admin.register(AuditEntry)
class AuditEntryAdmin(OrgScopedAdmin):
    """Read-only: the audit log is append-only, even for administrators."""

    list_display = (
        "created_at",
        "organization",
        "username",
        "action",
        "outcome",
        "code",
        "row_count",
        "duration_ms",
    )
    list_filter = ("outcome", "action", "channel")
    search_fields = ("username", "question", "sql")

    def has_add_permission(self, request):  # noqa: ANN001, ANN201
        return False

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False

    def has_delete_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False


@admin.register(AnomalyReport)
class AnomalyReportAdmin(OrgScopedAdmin):
    list_display = (
        "window_start",
        "username",
        "kind",
        "severity",
        "observed",
        "threshold",
        "status",
    )
    list_filter = ("kind", "severity", "status")
    readonly_fields = (
        "username",
        "kind",
        "window_start",
        "window_end",
        "observed",
        "baseline",
        "threshold",
        "severity",
        "details",
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Platform staff only: see and revoke (delete) API tokens; keys are never stored or shown.

    Tokens are created by their owners (the portal page, the API, `drf_create_token`)."""

    list_display = ("token_key", "user", "name", "created", "expiry", "last_used_at")
    search_fields = ("token_key", "user__username", "name")
    readonly_fields = ("token_key", "user", "name", "created", "expiry", "last_used_at")
    exclude = ("digest",)

    def has_module_permission(self, request):  # noqa: ANN001, ANN201
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return request.user.is_superuser

    def has_add_permission(self, request):  # noqa: ANN001, ANN201
        return False

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False


@admin.register(AccessRequest)
class AccessRequestAdmin(OrgScopedAdmin):
    """Requests from refused answers, for the org's administrators (decided on their page)."""

    list_display = ("created_at", "username", "role", "code", "status", "resolved_at")
    list_filter = ("status", "code")
    search_fields = ("username", "question")
    readonly_fields = (
        "user", "username", "role", "code", "reason", "question", "message_id", "created_at",
        "resolved_by", "resolved_at",
    )  # fmt: skip
