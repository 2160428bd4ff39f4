"""Set the tenant scope for each web request from the logged-in user's membership."""

from __future__ import annotations

from apps.governance.selectors import membership_for_user
from apps.governance.tenancy import activate_tenant, deactivate_tenant
from datachat.logs import request_context_note


class TenantMiddleware:
    """`request.membership` and the tenant scope; anonymous requests get no scope at all."""

    def __init__(self, get_response) -> None:  # noqa: ANN001
        self.get_response = get_response

    def __call__(self, request):  # noqa: ANN001, ANN204
        membership = membership_for_user(user=request.user, org_slug=request.session.get("org"))
        request.membership = membership
        request_context_note(request)  # the org and user on the request's log lines
        token = activate_tenant(membership.organization if membership else None)
        try:
            return self.get_response(request)
        finally:
            deactivate_tenant(token)


# Answers that refuse: recorded (aggregated per minute) by governance.refusals.
REFUSAL_STATUSES = {403: "forbidden", 404: "not_found", 429: "throttled"}


class RefusalAuditMiddleware:
    """Records every 403, 404 and 429 the app answers, for members and anonymous callers alike.

    A 404 counts only when the URL resolved to a view (the view refused an object or a page it
    may not show: another org's or another user's id answers 404); an unknown URL is noise, not
    a refusal. DRF's CSRF refusal (a 403 whose detail names CSRF) counts as a CSRF failure; the
    page CSRF failure view records itself. Placed after the tenant middleware, so
    `request.membership` is known; token callers are resolved when the answer is a refusal.
    """

    def __init__(self, get_response) -> None:  # noqa: ANN001
        self.get_response = get_response

    def __call__(self, request):  # noqa: ANN001, ANN204
        response = self.get_response(request)
        kind = REFUSAL_STATUSES.get(response.status_code)
        if kind is None or getattr(request, "_refusal_audited", False):
            return response
        if kind == "not_found" and getattr(request, "resolver_match", None) is None:
            return response
        if kind == "forbidden" and "CSRF" in str(getattr(response, "data", None) or ""):
            kind = "csrf_failed"
        from apps.governance.refusals import refusal_from_request

        refusal_from_request(request=request, kind=kind, status=response.status_code)
        return response
