"""Template context for every page: the review queue's count for stewards and admins, which
steward pages (knowledge gaps, usage) the member may open, and the open access requests' count
for the org's administrators."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def review_queue(request: HttpRequest) -> dict[str, Any]:
    """`review_count`: what waits in the stewards' queue. A callable, which templates call when
    they use it (the navigation does, for roles that may edit knowledge): no query otherwise."""

    def count() -> int:
        from apps.chat.selectors import review_count
        from apps.governance.selectors import member_can

        membership = getattr(request, "membership", None)
        if membership is None or not member_can(membership, "can_edit_knowledge"):
            return 0
        return review_count(org=membership.organization)

    def access_requests() -> int:
        from apps.governance.access_requests import access_request_open_count, can_resolve

        membership = getattr(request, "membership", None)
        if not can_resolve(membership):
            return 0
        return access_request_open_count(membership=membership)

    def resolver() -> bool:
        from apps.governance.access_requests import can_resolve

        return can_resolve(getattr(request, "membership", None))

    def pages() -> dict[str, bool]:
        from apps.chat.access import steward_pages

        return steward_pages(getattr(request, "membership", None))

    return {
        "review_count": count,
        "steward_pages": pages,
        "access_request_count": access_requests,
        "access_request_resolver": resolver,
    }
