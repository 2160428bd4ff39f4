"""Admin scoping: staff see and edit only what their policy's capabilities grant in each org.

A superuser (a platform operator) sees everything. For anyone else the admin's model permissions
(Django groups, one per admin capability: `services.ADMIN_GRANTS`) are global, so the scope comes
from the capabilities of their role's policy in the object's organization: a model is listed for
the orgs where a capability they hold there names it, and changed, deleted or chosen as a
foreign key only where one lets them edit it. An org administrator of one org who only views
the data of another therefore gets nothing of the second in the admin (not its policies,
memberships, sources or semantic layer), and a knowledge editor of one org who administers
another edits policies only in the second. Foreign-key choices follow the same scope:
organizations, the orgs' objects, and users (only the members of those organizations).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Model
from django.http import Http404, HttpRequest

from apps.governance.models import Membership, Organization


def _member_models(membership: Membership, *, write: bool) -> set[str]:
    """The model names a member may edit (`write`) or at least view in the admin of their org."""
    from apps.governance.selectors import capabilities_for
    from apps.governance.services import admin_models

    return admin_models(capabilities_for(membership), write=write)


def member_may_edit(membership: Membership, model: type[Model]) -> bool:
    """Whether the member's capabilities in their org let them edit `model` in the admin
    (policies and memberships: the org's administration)."""
    return model._meta.model_name in _member_models(membership, write=True)


def admin_orgs(request: HttpRequest, model: type[Model], *, write: bool = False):  # noqa: ANN201
    """The organizations where the user's role lets them view (or, with `write`, edit) `model`
    in the admin (superusers: every organization)."""
    if request.user.is_superuser:
        return Organization.objects.all()
    name = model._meta.model_name
    memberships = Membership.all_tenants.filter(user=request.user).select_related("organization")
    org_ids = [m.organization_id for m in memberships if name in _member_models(m, write=write)]
    return Organization.objects.filter(pk__in=org_ids)


def admin_users(request: HttpRequest, model: type[Model]):  # noqa: ANN201
    """The users a staff member may pick on `model`: members of the orgs where they may edit it
    (superusers: everyone)."""
    users = get_user_model().objects.all()
    if request.user.is_superuser:
        return users
    member_ids = Membership.all_tenants.filter(
        organization__in=admin_orgs(request, model, write=True)
    ).values("user_id")
    return users.filter(pk__in=member_ids)


class NotFoundAdmin(admin.ModelAdmin):
    """An object outside the staff member's scope (another org's) answers 404 on its change,
    delete and history views, as an id that does not exist does; Django's default is a redirect
    to the admin index (or a 403 before it, where the model is not theirs at all)."""

    def get_object(self, request: HttpRequest, object_id, from_field=None):  # noqa: ANN001, ANN201
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj


class OrgScopedAdmin(NotFoundAdmin):
    """ModelAdmin for tenant-owned models: querysets, edits and choices limited to the orgs where
    the user's role grants the model."""

    def get_queryset(self, request: HttpRequest):  # noqa: ANN201
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(organization__in=admin_orgs(request, self.model))

    def _may_write(self, request: HttpRequest, obj) -> bool:  # noqa: ANN001
        if obj is None or request.user.is_superuser:
            return True
        return admin_orgs(request, self.model, write=True).filter(pk=obj.organization_id).exists()

    def writable(self, request: HttpRequest, queryset):  # noqa: ANN001, ANN201
        """The part of an action's selection the user may edit: the changelist also lists the
        orgs where they only view the model, and Django checks no object before an action."""
        if request.user.is_superuser:
            return queryset
        return queryset.filter(organization__in=admin_orgs(request, self.model, write=True))

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return super().has_change_permission(request, obj) and self._may_write(request, obj)

    def has_delete_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return super().has_delete_permission(request, obj) and self._may_write(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # noqa: ANN001, ANN003, ANN201
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if request.user.is_superuser or field is None:
            return field
        model = db_field.related_model
        orgs = admin_orgs(request, self.model, write=True)
        if model is Organization:
            field.queryset = orgs
        elif model is get_user_model():
            # People of the staff member's own organizations only: another org's users are
            # neither listed nor accepted (the choice is validated against this queryset).
            field.queryset = admin_users(request, self.model)
        elif any(f.name == "organization" for f in model._meta.fields):
            field.queryset = field.queryset.filter(organization__in=orgs)
        return field
