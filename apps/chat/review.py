"""The stewards' review queue (mounted at /chat/review/): proposed verified examples and 👎
feedback with comments and tags, for stewards and admins (`can_edit_knowledge`).

Approve, reject and edit work in place (htmx swaps the item); the writes are the knowledge
services', so each one bumps the knowledge version and is an audit-chain entry. Another role
gets a 404, as for any page it may not use. The queue lives in the chat app because it reads
chat messages (the 👎), and chat sits above knowledge.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.chat.selectors import review_feedback
from apps.chat.services import feedback_review_mark
from apps.governance.models import Membership
from apps.governance.selectors import member_can
from apps.knowledge.models import VerifiedExample
from apps.knowledge.services import ExampleInvalid, example_edit, example_review

FEEDBACK_LIMIT = 100


def _steward(request: HttpRequest) -> Membership:
    membership = getattr(request, "membership", None)
    if membership is None or not member_can(membership, "can_edit_knowledge"):
        raise Http404
    return membership


def _example(membership: Membership, pk: int) -> VerifiedExample:
    example = (
        VerifiedExample.all_tenants.select_related("data_source", "proposed_by", "reviewed_by")
        .filter(organization=membership.organization, pk=pk)
        .first()
    )
    if example is None:
        raise Http404
    return example


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """Proposed examples (oldest first: first come, first reviewed) and pending 👎."""
    membership = _steward(request)
    org = membership.organization
    examples = (
        VerifiedExample.all_tenants.for_org(org)
        .filter(status=VerifiedExample.Status.PROPOSED)
        .select_related("data_source", "proposed_by")
        .order_by("created_at")
    )
    show_all = request.GET.get("feedback") == "all"
    feedback = list(review_feedback(org=org, pending_only=not show_all)[:FEEDBACK_LIMIT])
    return render(
        request,
        "chat/review_queue.html",
        {"examples": examples, "feedback": feedback, "show_all": show_all},
    )


@login_required
@require_POST
def review_example(request: HttpRequest, example_id: int, action: str) -> HttpResponse:
    """Approve, reject or edit (save the corrected question/SQL) one example, in place."""
    membership = _steward(request)
    example = _example(membership, example_id)
    context: dict[str, Any] = {"example": example}
    if action in ("approve", "reject"):
        example = example_review(example=example, user=membership.user, approve=action == "approve")
        context = {"example": example, "done": True}
    elif action == "edit":
        try:
            example = example_edit(
                example=example,
                user=membership.user,
                question=request.POST.get("question", ""),
                sql=request.POST.get("sql", ""),
            )
            context = {"example": example, "saved": True}
        except ExampleInvalid as error:
            context = {
                "example": example,
                "editing": True,
                "error": str(error),
                "draft": {"question": request.POST.get("question", ""),
                          "sql": request.POST.get("sql", "")},
            }  # fmt: skip
    else:
        raise Http404
    if not request.htmx:
        return redirect("chat:review")
    return render(request, "chat/_review_example.html", context)


@login_required
@require_GET
def review_example_form(request: HttpRequest, example_id: int) -> HttpResponse:
    """The example as an editable form (htmx swaps it in place of the item)."""
    membership = _steward(request)
    example = _example(membership, example_id)
    return render(request, "chat/_review_example.html", {"example": example, "editing": True})


@login_required
@require_POST
def review_feedback_done(request: HttpRequest, message_id: int) -> HttpResponse:
    """Mark a 👎 as read: it stays visible under "all feedback" but leaves the count."""
    membership = _steward(request)
    message = (
        review_feedback(org=membership.organization, pending_only=False)
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        raise Http404
    message = feedback_review_mark(message=message, user=membership.user)
    if not request.htmx:
        return redirect("chat:review")
    return render(request, "chat/_review_feedback.html", {"m": message, "done": True})
