"""Signal receivers of governance: failed logins go to the audit log (aggregated); a changed
membership or policy re-derives the members' admin groups from their capabilities (the admin's
forms save the rows directly, not through a service)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from apps.governance.models import AccessPolicy, Membership


@receiver(user_login_failed, dispatch_uid="governance.audit_login_failed")
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **_: Any
) -> None:
    """Every failed authentication with a username (the login page, the admin, `authenticate`)."""
    from apps.governance.refusals import refusal_login_failed

    username = str(credentials.get("username") or "")
    refusal_login_failed(username=username, request=request)


@receiver(post_save, sender=Membership, dispatch_uid="governance.membership_staff_sync")
def membership_staff_sync(sender: Any, instance: Membership, raw: bool = False, **_: Any) -> None:
    """A membership created or changed (its role): the user's admin groups follow."""
    if raw:
        return
    from apps.governance.services import member_staff_sync

    member_staff_sync(user=instance.user)


@receiver(post_save, sender=AccessPolicy, dispatch_uid="governance.policy_staff_sync")
def policy_staff_sync(sender: Any, instance: AccessPolicy, raw: bool = False, **_: Any) -> None:
    """A policy's capabilities changed: the admin groups of the org's members of that role."""
    if raw:
        return
    from apps.governance.services import member_staff_sync

    members = Membership.all_tenants.for_org(instance.organization_id).filter(role=instance.role)
    for membership in members.select_related("user"):
        member_staff_sync(user=membership.user)
