"""Who may open the steward pages: the one place they read the member's capabilities.

The knowledge gaps page is for those who curate knowledge (`can_edit_knowledge`: stewards and
admins of the org); the usage page is for the org's admins, read as the org-admin capability
`can_add_data` (connect sources, see every source of the org), which the capability list gives
admins alone by default. Everything else (views, navigation) asks `steward_pages`.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from apps.governance.models import Membership
from apps.governance.selectors import member_can


def steward_pages(membership: Membership | None) -> dict[str, bool]:
    """{"gaps": may open /knowledge/gaps/, "usage": may open /usage/} (fails closed)."""
    if membership is None:
        return {"gaps": False, "usage": False}
    return {
        "gaps": member_can(membership, "can_edit_knowledge"),
        "usage": member_can(membership, "can_add_data"),
    }


def member_for(request: HttpRequest, page: str) -> Membership:
    """The caller's membership when they may open `page`; else a 404, as for any page a role
    may not use (the project's convention: no hint that it exists)."""
    membership = getattr(request, "membership", None)
    if not steward_pages(membership)[page]:
        raise Http404
    return membership
