"""Chat pages: the conversation view and the question form (same pipeline as the API and CLI)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.chat.pipeline import ask
from apps.chat.selectors import access_conversation_by_id, conversation_list
from datachat.observability import observe_answer


@login_required
@require_http_methods(["GET", "POST"])
def chat_page(request: HttpRequest, conversation_id: int | None = None) -> HttpResponse:
    """Show a conversation (or a new one) and answer the question posted to it."""
    membership = request.membership
    if membership is None:
        raise Http404
    conversation = None
    if conversation_id is not None:
        conversation = access_conversation_by_id(membership=membership, pk=conversation_id)
    if request.method == "POST":
        question = request.POST.get("question", "")
        answer = ask(
            membership=membership,
            question=question,
            conversation_id=conversation.pk if conversation else None,
            channel="web",
        )
        observe_answer(answer, "web")
        if not request.htmx:
            return redirect("chat:conversation", conversation_id=answer["conversation_id"])
        return render(request, "chat/_answer.html", {"message": {"question": question,
                                                                 "answer": answer}})
    messages = []
    if conversation is not None:
        messages = [
            {"question": m.question, "answer": m.answer, "id": m.pk}
            for m in conversation.messages.order_by("created_at", "id")
        ]
    return render(
        request,
        "chat/chat_page.html",
        {
            "conversation": conversation,
            "conversations": conversation_list(membership=membership)[:50],
            "messages": messages,
            "membership": membership,
        },
    )
