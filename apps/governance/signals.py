"""Signal receivers of governance: failed logins go to the audit log (aggregated)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver


@receiver(user_login_failed, dispatch_uid="governance.audit_login_failed")
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **_: Any
) -> None:
    """Every failed authentication with a username (the login page, the admin, `authenticate`)."""
    from apps.governance.refusals import refusal_login_failed

    username = str(credentials.get("username") or "")
    refusal_login_failed(username=username, request=request)
