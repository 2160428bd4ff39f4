"""Template context for every page: the review queue's count for stewards and admins, and
which steward pages (knowledge gaps, usage) the member may open."""

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

    def pages() -> dict[str, bool]:
        from apps.chat.access import steward_pages

        return steward_pages(getattr(request, "membership", None))

    return {"review_count": count, "steward_pages": pages}
