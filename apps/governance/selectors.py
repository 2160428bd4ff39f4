"""Governance reads."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import Http404

from apps.governance.models import AnomalyReport, AuditEntry, Membership, Organization


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


def audit_entry_list(
    *,
    org: Organization,
    username: str | None = None,
    outcome: str | None = None,
    code: str | None = None,
    action: str | None = None,
    source: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[AuditEntry]:
    """An org's audit entries, newest first, filtered (`until` is exclusive)."""
    qs = AuditEntry.objects.filter(organization=org)
    exact = {"username": username, "outcome": outcome, "code": code, "action": action}
    qs = qs.filter(**{k: v for k, v in exact.items() if v})
    if source:
        qs = qs.filter(source=source)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    return qs.order_by("-seq")


def anomaly_list(
    *,
    org: Organization,
    status: str | None = None,
    severity: str | None = None,
    kind: str | None = None,
    username: str | None = None,
) -> QuerySet[AnomalyReport]:
    """An org's anomaly reports, newest window first, filtered."""
    qs = AnomalyReport.all_tenants.for_org(org).select_related("acknowledged_by")
    exact = {"status": status, "severity": severity, "kind": kind, "username": username}
    qs = qs.filter(**{k: v for k, v in exact.items() if v})
    return qs.order_by("-window_start", "-pk")
