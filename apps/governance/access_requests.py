"""Access requests: "Solicitar acceso / Request access" on a permission refusal.

A member's request is recorded for their organization's administrators (never a `mailto:`),
appended to the audit chain, and listed on /compliance/access-requests/ for the org's admins,
who grant or decline it (also audited). Granting records the decision; the admin then changes
the role's policy where policies are edited (the admin site), which this page links to.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.governance.models import AccessRequest, AuditEntry, Membership
from apps.governance.services import audit_record

# Refusal codes a person can ask an administrator to lift: the role's access to data.
REQUESTABLE_CODES = frozenset(
    {"not_authorized", "table_not_allowed", "column_not_allowed", "column_masked"}
)


def access_request_create(
    *, membership: Membership, code: str, reason: str, question: str, message_id: int | None
) -> AccessRequest:
    """Record (once per refused answer) a member's request and audit it."""
    org = membership.organization
    existing = (
        AccessRequest.all_tenants.for_org(org)
        .filter(user=membership.user, message_id=message_id)
        .first()
    )
    if existing is not None and message_id is not None:
        return existing
    try:
        with transaction.atomic():
            request = AccessRequest.all_tenants.create(
                organization=org,
                user=membership.user,
                username=membership.user.get_username(),
                role=membership.role,
                code=code[:40],
                reason=reason[:2000],
                question=question[:4000],
                message_id=message_id,
            )
            audit_record(
                org=org,
                user=membership.user,
                role=membership.role,
                action="access_request",
                channel="web",
                question=question[:4000],
                code=code[:40],
                outcome=AuditEntry.Outcome.REFUSED,
                details={"access_request_id": request.pk, "message_id": message_id},
            )
    except IntegrityError:  # a double click: the first request stands
        request = AccessRequest.all_tenants.for_org(org).get(
            user=membership.user, message_id=message_id
        )
    return request


def access_request_list(*, membership: Membership) -> QuerySet[AccessRequest]:
    """The org's requests, open ones first (admins only: callers check `can_resolve`)."""
    return AccessRequest.all_tenants.for_org(membership.organization).order_by(
        "-status", "-created_at", "-id"
    )


def access_request_open_count(*, membership: Membership) -> int:
    return (
        AccessRequest.all_tenants.for_org(membership.organization)
        .filter(status=AccessRequest.Status.OPEN)
        .count()
    )


def can_resolve(membership: Membership | None) -> bool:
    """The org's administrators see and decide the requests: those who may change its access
    policies (the admin site's permission, held by the administrators' staff group), by the
    capabilities of their policy in this org (the permission is global: an administrator
    elsewhere is not one here)."""
    from apps.governance.admin_scoping import member_may_edit
    from apps.governance.models import AccessPolicy

    return (
        membership is not None
        and member_may_edit(membership, AccessPolicy)
        and membership.user.has_perm("governance.change_accesspolicy")
    )


def access_request_resolve(
    *, membership: Membership, request: AccessRequest, grant: bool
) -> AccessRequest:
    """An administrator's decision, recorded and audited."""
    with transaction.atomic():
        request.status = AccessRequest.Status.GRANTED if grant else AccessRequest.Status.DECLINED
        request.resolved_by = membership.user
        request.resolved_at = timezone.now()
        request.save(update_fields=["status", "resolved_by", "resolved_at"])
        audit_record(
            org=membership.organization,
            user=membership.user,
            role=membership.role,
            action="access_request",
            channel="web",
            question=f"{request.username}: {request.code} → {request.status}",
            code=request.code,
            outcome=AuditEntry.Outcome.ANSWERED,
            details={"access_request_id": request.pk, "decision": request.status},
        )
    return request
