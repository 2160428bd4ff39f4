"""Set the tenant scope for each web request from the logged-in user's membership."""

from __future__ import annotations

from apps.governance.selectors import membership_for_user
from apps.governance.tenancy import activate_tenant, deactivate_tenant


class TenantMiddleware:
    """`request.membership` and the tenant scope; anonymous requests get no scope at all."""

    def __init__(self, get_response) -> None:  # noqa: ANN001
        self.get_response = get_response

    def __call__(self, request):  # noqa: ANN001, ANN204
        membership = membership_for_user(user=request.user, org_slug=request.session.get("org"))
        request.membership = membership
        token = activate_tenant(membership.organization if membership else None)
        try:
            return self.get_response(request)
        finally:
            deactivate_tenant(token)
