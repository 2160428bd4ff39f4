"""Governance reads."""

from __future__ import annotations

from django.http import Http404

from apps.governance.models import Membership, Organization


def organization_get(*, slug: str) -> Organization | None:
    return Organization.objects.filter(slug=slug).first()


def membership_get(*, org: Organization, username: str) -> Membership | None:
    return (
        Membership.all_tenants.select_related("user", "organization")
        .filter(organization=org, user__username=username, user__is_active=True)
        .first()
    )


def membership_for_user(*, user, org_slug: str | None = None) -> Membership | None:  # noqa: ANN001
    """The membership a logged-in user acts through (their first org unless one is named)."""
    if not getattr(user, "is_authenticated", False):
        return None
    qs = Membership.all_tenants.select_related("organization", "user").filter(user=user)
    if org_slug:
        qs = qs.filter(organization__slug=org_slug)
    return qs.order_by("organization__slug").first()


def access_membership_or_404(*, user, org_slug: str | None = None) -> Membership:  # noqa: ANN001
    membership = membership_for_user(user=user, org_slug=org_slug)
    if membership is None:
        raise Http404
    return membership
