"""Admin scoping: staff see and edit only their own organization's objects.

A superuser (a platform operator) sees everything; a staff member (an org's ADMIN or STEWARD) is
confined to the organizations they belong to, on lists, on edit pages and in foreign-key choices
(organizations, the orgs' objects, and users: only the members of their organizations).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.http import HttpRequest

from apps.governance.models import Membership, Organization


def admin_orgs(request: HttpRequest):  # noqa: ANN201
    if request.user.is_superuser:
        return Organization.objects.all()
    org_ids = Membership.all_tenants.filter(user=request.user).values("organization_id")
    return Organization.objects.filter(pk__in=org_ids)


def admin_users(request: HttpRequest):  # noqa: ANN201
    """The users a staff member may pick: members of their orgs (superusers: everyone)."""
    users = get_user_model().objects.all()
    if request.user.is_superuser:
        return users
    member_ids = Membership.all_tenants.filter(organization__in=admin_orgs(request)).values(
        "user_id"
    )
    return users.filter(pk__in=member_ids)


class OrgScopedAdmin(admin.ModelAdmin):
    """ModelAdmin for tenant-owned models: querysets and choices limited to the user's orgs."""

    def get_queryset(self, request: HttpRequest):  # noqa: ANN201
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(organization__in=admin_orgs(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # noqa: ANN001, ANN003, ANN201
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if request.user.is_superuser or field is None:
            return field
        model = db_field.related_model
        if model is Organization:
            field.queryset = admin_orgs(request)
        elif model is get_user_model():
            # People of the staff member's own organizations only: another org's users are
            # neither listed nor accepted (the choice is validated against this queryset).
            field.queryset = admin_users(request)
        elif any(f.name == "organization" for f in model._meta.fields):
            field.queryset = field.queryset.filter(organization__in=admin_orgs(request))
        return field
