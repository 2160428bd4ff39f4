"""Governance reads."""

from __future__ import annotations

import datetime as dt
import time

from django.db.models import QuerySet
from django.http import Http404

from apps.governance.engine.policy import CAPABILITIES, DataPolicy, no_capabilities
from apps.governance.models import (
    AccessPolicy,
    AnomalyReport,
    AuditEntry,
    Membership,
    Organization,
)


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
    membership = qs.order_by("organization__slug").first()
    if membership is not None:
        org_mark_read(membership.organization)
    return membership


# How long an organization row read from the database is taken as current: a request reads it
# with the member (above) and the pipeline need not read it again (`org_is_current`).
ORG_CURRENT_SECONDS = 1.0


def org_mark_read(org: Organization) -> None:
    org._datachat_read_at = time.monotonic()


def org_is_current(org: Organization) -> bool:
    """Whether `org` was read from the database within `ORG_CURRENT_SECONDS` (a member object
    kept longer, by a batch or a worker, is read again before its limits and knowledge version
    are used)."""
    read_at = getattr(org, "_datachat_read_at", None)
    return read_at is not None and time.monotonic() - read_at < ORG_CURRENT_SECONDS


def capabilities_for(membership: Membership | None) -> DataPolicy:
    """What the member may do: the one reading of capabilities (`CAPABILITIES`), for the pages,
    the template tag `{% capabilities as caps %}`, the API's permission classes and the services.

    The member's role policy in their org, resolved without a data source (so its tables are
    empty: the pipeline resolves them per source). Fails closed: no membership or no policy row
    grants nothing. Memoised on the membership object, which lives one request: every page asks
    more than once (navigation, cards, actions), and an admin's policy change applies to the
    next request.
    """
    if membership is None:
        return no_capabilities()
    cached = getattr(membership, "_datachat_capabilities", None)
    if cached is not None:
        return cached
    from apps.governance.services import policy_resolve

    policy = policy_resolve(membership=membership)
    membership._datachat_capabilities = policy
    return policy


def member_can(membership: Membership | None, capability: str) -> bool:
    """`capabilities_for(membership).can(capability)`: an unknown capability raises."""
    return capabilities_for(membership).can(capability)


def organizations_where(*, user, capability: str) -> QuerySet[Organization]:  # noqa: ANN001
    """The organizations where the user's role policy grants `capability` (the admin's
    "Connect a data source" offers these)."""
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}")
    field = "can_query_data" if capability == "can_query" else capability
    memberships = list(
        Membership.all_tenants.filter(user=user).values_list("organization_id", "role")
    )
    granted = {
        (org_id, role)
        for org_id, role in AccessPolicy.all_tenants.filter(
            organization_id__in=[org_id for org_id, _ in memberships], **{field: True}
        ).values_list("organization_id", "role")
    }
    return Organization.objects.filter(
        pk__in=[org_id for org_id, role in memberships if (org_id, role) in granted]
    )


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
