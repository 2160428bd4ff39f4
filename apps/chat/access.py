"""Who may open the steward pages: the one place they read the member's capabilities.

The knowledge gaps page is for those who curate knowledge (stewards and admins of the org); the
usage page is for the org's admins. Everything else (views, navigation) asks `steward_pages`.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from apps.governance.models import Membership, Role
from apps.governance.templatetags.datachat import member_capabilities


def steward_pages(membership: Membership | None) -> dict[str, bool]:
    """{"gaps": may open /knowledge/gaps/, "usage": may open /usage/} (fails closed)."""
    if membership is None:
        return {"gaps": False, "usage": False}
    caps = member_capabilities(membership)
    return {
        "gaps": bool(caps.get("can_edit_knowledge")),
        "usage": membership.role == Role.ADMIN,
    }


def member_for(request: HttpRequest, page: str) -> Membership:
    """The caller's membership when they may open `page`; else a 404, as for any page a role
    may not use (the project's convention: no hint that it exists)."""
    membership = getattr(request, "membership", None)
    if not steward_pages(membership)[page]:
        raise Http404
    return membership
