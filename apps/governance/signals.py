"""Signal receivers of governance: failed logins go to the audit log (aggregated); a changed
membership or policy re-derives the members' admin groups from their capabilities (the admin's
forms save the rows directly, not through a service)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_login_failed
from django.db.models.signals import post_delete, post_migrate, post_save
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


@receiver(post_delete, sender=Membership, dispatch_uid="governance.membership_removed_staff_sync")
def membership_removed_staff_sync(sender: Any, instance: Membership, **_: Any) -> None:
    """A member removed from an org loses the admin groups that org's role gave them."""
    from apps.governance.services import member_staff_sync

    member_staff_sync(user=instance.user)


# The per-role admin groups of before `ADMIN_GRANTS` ("DataChat " + the role's label, in English
# or in Spanish, the default language commands ran in). They still carry model permissions, so a
# database upgraded from then would keep them as a second, stale source of admin rights.
LEGACY_ROLE_GROUPS = (
    "DataChat Administrator",
    "DataChat Data steward",
    "DataChat Administración",
    "DataChat Responsable de datos",
)


@receiver(post_migrate, dispatch_uid="governance.admin_groups_reconcile")
def admin_groups_reconcile(sender: Any, **_: Any) -> None:
    """After every `migrate`: the legacy per-role groups are gone and every member's admin groups
    are re-derived from their capabilities (idempotent; a new database has nobody to sync)."""
    if getattr(sender, "label", None) != "governance":
        return
    from django.contrib.auth.models import Group

    from apps.governance.services import member_staff_sync

    Group.objects.filter(name__in=LEGACY_ROLE_GROUPS).delete()
    users = {m.user for m in Membership.all_tenants.select_related("user")}
    for user in users:
        member_staff_sync(user=user)
