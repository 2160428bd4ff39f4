"""Chat pages: the conversation view, the question form and the answer card's fragments.

Every answer comes from `apps.chat.pipeline` (the same code path as the API and `manage.py ask`);
these views only decide how the stored answer object is shown: which page of the table, which of
the chart types that fit the data, which actions the caller's policy allows. Paging, sorting and
the chart switcher re-read the stored answer of the message, so they never run a query again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.chat import jobs as query_jobs
from apps.chat.engine import charts
from apps.chat.engine.labels import is_percent, is_week_column, labelled_chart, week_range
from apps.chat.engine.waterfall import KINDS as DECOMPOSITION_CHARTS
from apps.chat.models import Conversation, Message, QueryJob
from apps.chat.pipeline import ask, run_query, scope_phrase, stored_text
from apps.chat.selectors import (
    access_conversation_by_id,
    access_job_by_id,
    access_message_by_id,
    conversation_messages,
    conversation_search,
    frequent_questions,
    message_answer_for,
)
from apps.chat.services import NotOwner, conversation_update, message_feedback_record
from apps.chat.services import conversation_delete as conversation_delete_service
from apps.governance.access_requests import REQUESTABLE_CODES, access_request_create
from apps.governance.models import Membership
from apps.governance.ratelimit import limit_page, rate_check, rate_limited_response
from apps.governance.selectors import capabilities_for
from apps.governance.templatetags.datachat import (
    column_decimals,
    column_kind,
    format_cell,
)
from apps.knowledge.selectors import (
    catalog_snapshot,
    datasource_access_list,
    datasource_get,
    datasource_may_connect,
    datasource_spreadsheet_names,
    demo_accounts,
)
from datachat.observability import observe_answer

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 25
MAX_FOLLOWUPS = 3  # docs/ux.md: at most three chips, and only under the last answer
MAX_CLARIFY_OPTIONS = 4
LONG_THREAD = 20  # turns after which the page suggests starting a new conversation
SIDEBAR_LIMIT = 100
RATE_LIMITED_CARD = "chat/_rate_limited.html"
EXAMPLES_ES = {
    "sales": ["¿Cuál fue el total de ventas por región?", "Top 3 productos por ingresos"],
    "trends": ["Ventas por mes en 2025", "Ticket promedio por canal"],
    "definitions": ["¿Qué significa margen bruto?"],
}
EXAMPLES_EN = {
    "sales": ["What were total sales by region?", "Top 3 products by revenue"],
    "trends": ["Sales by month in 2025", "Average order value by channel"],
    "definitions": ["What does gross margin mean?"],
}


def _membership(request: HttpRequest) -> Membership:
    """The caller's membership; a logged-in user without one sees the same 404 as a stranger."""
    membership = getattr(request, "membership", None)
    if membership is None:
        raise Http404
    return membership


# --- pages ----------------------------------------------------------------------------------


class LoginPage(LoginView):
    """Django's login form; on a seeded demo it also lists the demo users to try."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["demo_accounts"] = demo_accounts()
        return context


@login_required
def chat_last(request: HttpRequest) -> HttpResponse:
    """After login: reopen the member's most recent conversation (or start a new one).

    A role that cannot ask about the data but reads the audit log (COMPLIANCE) lands on the
    audit log instead of a chat box it cannot use.
    """
    membership = _membership(request)
    caps = capabilities_for(membership)
    if caps.can_view_audit and not caps.can_query:
        return redirect("governance:audit")
    latest = conversation_search(membership=membership).first()
    if latest is None:
        return redirect("chat:new")
    return redirect("chat:conversation", conversation_id=latest.pk)


@login_required
@require_http_methods(["GET", "POST"])
def chat_page(request: HttpRequest, conversation_id: int | None = None) -> HttpResponse:
    """Show a conversation (or a new one) and answer the question posted to it."""
    membership = _membership(request)
    conversation = None
    if conversation_id is not None:
        conversation = access_conversation_by_id(membership=membership, pk=conversation_id)
    if request.method == "POST":
        conversation = conversation or _posted_conversation(request, membership)
        question = request.POST.get("question", "").strip()
        if not question:
            # Nothing to ask: no conversation is created and nothing is audited; the composer
            # keeps its (empty) state. The API still answers an empty question with a refusal.
            if request.htmx:
                return HttpResponse(status=204)
            return redirect(request.path)
        # The same per-user and per-org budget as POST /api/v1/chat/ (apps/governance/ratelimit).
        limited = rate_check(scope="chat", user_id=membership.user_id, org=membership.organization)
        if limited is not None:
            return rate_limited_response(request, limited, card_template=RATE_LIMITED_CARD)
        answer = ask(
            membership=membership,
            question=question,
            conversation_id=conversation.pk if conversation else None,
            channel="web",
            # The composer's source switcher; empty: the conversation's, else the default.
            source_name=request.POST.get("source", "").strip()[:100] or None,
        )
        if query_jobs.is_pending(answer):
            return _job_response(request, membership, answer, new_conversation=conversation is None)
        observe_answer(answer, "web")
        return _turn_response(
            request, membership, answer, question=stored_text(question), kind=Message.Kind.ASK,
            new_conversation=conversation is None,
        )  # fmt: skip

    caps = capabilities_for(membership)
    messages = list(conversation_messages(conversation=conversation)) if conversation else []
    owner = conversation is None or conversation.user_id == membership.user_id
    table_request = _table_request(request)
    cards = [
        _card(
            membership,
            # Someone a conversation is shared with gets the answers without the owner's rows.
            message_answer_for(message=m, membership=membership),
            question=m.question,
            kind=m.kind,
            last=index == len(messages) - 1,
            feedback=m.feedback_rating,
            owner=owner,
            table_request=table_request if table_request.get("message") == m.pk else None,
            chart_type=m.chart_type or None,
        )
        for index, m in enumerate(messages)
    ]
    # Long queries of this conversation still running: their cards poll until answered.
    running = (
        QueryJob.all_tenants.for_org(membership.organization)
        .filter(conversation=conversation, user=membership.user, status__in=QueryJob.ACTIVE)
        .order_by("created_at")
        if conversation
        else []
    )
    job_cards = [_job_context(query_jobs.job_refresh_stale(job)) for job in running]
    source = conversation.data_source if conversation and conversation.data_source else None
    # `?source=NAME`: the source just uploaded to (the switcher starts on it).
    wanted = request.GET.get("source", "").strip()[:100] if conversation is None else ""
    source = source or datasource_get(org=membership.organization, name=wanted or None)
    source = source or datasource_get(org=membership.organization)
    # The sources the member may query: a switcher in the composer when there are several.
    sources = [entry.source for entry in datasource_access_list(membership=membership)]
    may_upload = datasource_may_connect(org=membership.organization, user=request.user)
    spreadsheet_sources = (
        datasource_spreadsheet_names(org=membership.organization) if may_upload else []
    )
    return render(
        request,
        "chat/chat_page.html",
        {
            "conversation": conversation,
            "groups": _conversation_groups(conversation_search(membership=membership)),
            "cards": cards,
            "job_cards": [c for c in job_cards if c["job"].status in QueryJob.ACTIVE],
            "membership": membership,
            "caps": caps,
            "source": source,
            "sources": sources if len(sources) > 1 else [],
            # The upload control, for those who may add data (org admins, platform staff).
            "may_upload": may_upload,
            "upload_sources": spreadsheet_sources,
            "upload_default": spreadsheet_sources[0] if spreadsheet_sources else _("spreadsheets"),
            "scope": _scope_label(membership),
            "examples": _examples(membership),
            "long_thread": len(cards) >= LONG_THREAD,
            # A reader of a shared conversation asks in a new one of their own.
            "composer_conversation": conversation.pk if conversation and owner else "",
        },
    )


def _upload_message(code: str) -> str:
    """A spreadsheet refusal in the reader's language (the service's codes, its limits)."""
    from django.conf import settings

    texts = {
        "spreadsheet_too_large": _("The file is larger than the spreadsheet limit (%(mb)s MB)."),
        "spreadsheet_too_many_rows": _("The file has more rows than the limit (%(rows)s)."),
        "spreadsheet_too_many_columns": _("A table has more columns than the limit (%(cols)s)."),
        "spreadsheet_unsupported": _(
            "Upload a CSV (.csv, .tsv, .txt), an Excel workbook (.xlsx) or a Parquet file."
        ),
        "spreadsheet_unreadable": _("The file could not be read (it may be damaged)."),
        "spreadsheet_empty": _(
            "The file has no data: no sheet with a header row and at least one row."
        ),
        "source_kind_mismatch": _(
            "A data source with this name exists and is not a spreadsheet source: choose "
            "another name."
        ),
        "connect_not_allowed": _("Only the organization's administrators may add data."),
    }
    text = texts.get(code, _("The file could not be added."))
    return text % {
        "mb": settings.DATACHAT_SPREADSHEET_MAX_MB,
        "rows": f"{settings.DATACHAT_SPREADSHEET_MAX_ROWS:,}",
        "cols": settings.DATACHAT_SPREADSHEET_MAX_COLUMNS,
    }


@login_required
@require_POST
def spreadsheet_upload(request: HttpRequest) -> HttpResponse:
    """The chat page's upload control: a CSV, Excel or Parquet file becomes tables of one of the
    org's spreadsheet sources (`knowledge.services.datasource_connect`, the same checks as the
    admin, the API and `add_datasource`). Only those who may add data (org admins, platform
    staff); anyone else gets a 403. The outcome is a message on the chat page, which then asks
    the uploaded source."""
    from django.contrib import messages
    from django.core.exceptions import PermissionDenied
    from django.utils.text import slugify

    from apps.knowledge.locations import LocationError
    from apps.knowledge.services import datasource_connect

    membership = _membership(request)
    org = membership.organization
    if not datasource_may_connect(org=org, user=request.user):
        raise PermissionDenied
    upload = request.FILES.get("file")
    name = slugify(request.POST.get("name", "").strip())[:100] or "spreadsheets"
    table = request.POST.get("table", "").strip()[:60]
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
        return redirect("chat:new")
    try:
        result = datasource_connect(
            org,
            name,
            file=upload,
            filename=upload.name,
            table=table,
            user=request.user,
            channel="web",
        )
    except LocationError as exc:
        messages.error(request, f"{_upload_message(exc.code)} ({exc.code})")
        return redirect("chat:new")
    source = result.source
    if result.queued:
        messages.info(
            request,
            _("%(file)s is being added to %(source)s; it can be asked about once it is ready.")
            % {"file": upload.name, "source": source},
        )
    else:
        tables = ", ".join(sorted(t.name for t in source.tables.all()))
        messages.success(
            request,
            _("%(file)s added to %(source)s. Its tables: %(tables)s. Ask a question about it.")
            % {"file": upload.name, "source": source, "tables": tables},
        )
    return redirect(f"{reverse('chat:new')}?source={source.name}")


@login_required
@require_POST
@limit_page("query", card_template=RATE_LIMITED_CARD)
def sql_run(request: HttpRequest) -> HttpResponse:
    """ "Edit & re-run": hand-written SQL through `pipeline.run_query`, shown as a new turn.

    The pipeline itself refuses roles whose policy does not allow editing SQL; the page only
    hides the editor from them.
    """
    membership = _membership(request)
    conversation = _posted_conversation(request, membership)
    sql = request.POST.get("sql", "")
    answer = run_query(
        membership=membership,
        sql=sql,
        conversation_id=conversation.pk if conversation else None,
        channel="web",
        # SQL has no language: its messages (a syntax error, a refusal) follow the page.
        lang="en" if (get_language() or "es").startswith("en") else "es",
    )
    if query_jobs.is_pending(answer):
        return _job_response(request, membership, answer, new_conversation=conversation is None)
    observe_answer(answer, "web")
    return _turn_response(
        request, membership, answer, question=stored_text(sql, kind=Message.Kind.QUERY),
        kind=Message.Kind.QUERY, new_conversation=conversation is None,
    )  # fmt: skip


# --- long queries (jobs) ---------------------------------------------------------------------


@login_required
@require_GET
def job_card(request: HttpRequest, job_id: Any) -> HttpResponse:
    """A long query's card, polled by htmx: progress and elapsed time while it runs, then the
    answer card in its place. Only the member who asked sees it (404 for anyone else)."""
    membership = _membership(request)
    job = query_jobs.job_refresh_stale(access_job_by_id(membership=membership, pk=job_id))
    return _job_or_answer(request, membership, job)


@login_required
@require_POST
def job_stop(request: HttpRequest, job_id: Any) -> HttpResponse:
    """Stop: cancels the query in the database; the card then shows the cancelled answer."""
    membership = _membership(request)
    job = access_job_by_id(membership=membership, pk=job_id)
    try:
        job = query_jobs.job_stop(job=job, user=membership.user)
    except query_jobs.NotJobOwner:
        raise Http404 from None
    if not request.htmx:
        return redirect("chat:conversation", conversation_id=job.conversation_id)
    return _job_or_answer(request, membership, job)


def _job_context(job: QueryJob) -> dict[str, Any]:
    return {"job": job, "elapsed_s": query_jobs.elapsed_ms(job) // 1000}


def _job_or_answer(request: HttpRequest, membership: Membership, job: QueryJob) -> HttpResponse:
    if job.status in QueryJob.ACTIVE or job.message_id is None:
        if job.status not in QueryJob.ACTIVE:  # failed before any answer was recorded
            answer = {
                "type": "ERROR",
                "answer": _("The background query did not finish. Please run it again."),
                "error": {"code": "job_lost", "message": ""},
                "conversation_id": job.conversation_id,
            }
            card = _card(membership, answer, question=job.question, kind=job.kind, last=True)
            return render(request, "chat/_answer.html", {"card": card})
        return render(request, "chat/_job.html", _job_context(job))
    message = access_message_by_id(membership=membership, pk=job.message_id)
    answer = message_answer_for(message=message, membership=membership)
    observe_answer(answer, "web")
    card = _card(membership, answer, question=message.question, kind=message.kind, last=True)
    return render(request, "chat/_answer.html", {"card": card})


def _job_response(
    request: HttpRequest, membership: Membership, pending: dict[str, Any], *, new_conversation: bool
) -> HttpResponse:
    """A question that became a job: its polling card in the stream (htmx), or the page."""
    conversation_id = pending.get("conversation_id")
    if not request.htmx:
        return redirect("chat:conversation", conversation_id=conversation_id)
    job = access_job_by_id(membership=membership, pk=pending["id"])
    conversation = Conversation.all_tenants.filter(pk=conversation_id).first()
    response = render(
        request,
        "chat/_turn.html",
        {
            "job_card": _job_context(job),
            "conversation": conversation,
            "groups": _conversation_groups(conversation_search(membership=membership)),
            "current_id": conversation_id,
            "new_conversation": new_conversation,
        },
    )
    if new_conversation and conversation_id is not None:
        response["HX-Push-Url"] = reverse("chat:conversation", args=[conversation_id])
    return response


# --- the answer card's fragments ------------------------------------------------------------


@login_required
@require_GET
def message_table(request: HttpRequest, message_id: int) -> HttpResponse:
    """One page of a stored result, sorted as asked: swaps only that card's table."""
    membership = _membership(request)
    message = access_message_by_id(membership=membership, pk=message_id)
    answer = message_answer_for(message=message, membership=membership)
    table = _table(answer, message.pk, **_table_args(_table_request(request)))
    if table is None:
        raise Http404
    return render(request, "chat/_answer_table.html", {"table": table})


@login_required
@require_http_methods(["GET", "POST"])
def message_chart(request: HttpRequest, message_id: int) -> HttpResponse:
    """The chart of a stored result drawn as another type that fits the same data.

    POST (the switcher) also remembers the choice on the message, for its owner, so a reload
    draws the chart they picked; GET only draws.
    """
    membership = _membership(request)
    message = access_message_by_id(membership=membership, pk=message_id)
    answer = message_answer_for(message=message, membership=membership)
    wanted = request.POST.get("type") if request.method == "POST" else request.GET.get("type")
    chart = _chart(answer, message.pk, chart_type=wanted)
    if chart is None:
        raise Http404
    owner = message.conversation.user_id == membership.user_id
    if request.method == "POST" and owner and message.chart_type != chart["type"]:
        message.chart_type = chart["type"]
        message.save(update_fields=["chart_type"])
    return render(request, "chat/_answer_chart.html", {"chart": chart})


@login_required
@require_POST
def message_feedback(request: HttpRequest, message_id: int) -> HttpResponse:
    """👍 / 👎 with optional reason tags and a comment; the first rating sticks (buttons lock)."""
    membership = _membership(request)
    message = access_message_by_id(membership=membership, pk=message_id)
    rating = request.POST.get("rating", "")
    if rating not in ("up", "down"):
        return HttpResponse(status=400)
    if not message.feedback_rating:  # the first rating sticks: the buttons are locked after it
        try:
            message = message_feedback_record(
                message=message,
                user=membership.user,
                rating=rating,
                comment=request.POST.get("comment", ""),
                tags=request.POST.getlist("tags"),
            ).message
        except NotOwner:
            raise Http404 from None
    if not request.htmx:
        return redirect("chat:conversation", conversation_id=message.conversation_id)
    return render(
        request,
        "chat/_feedback.html",
        {"card": {"id": message.pk, "feedback": message.feedback_rating, "just_sent": True}},
    )


# --- the sidebar ----------------------------------------------------------------------------


@login_required
@require_POST
def message_access_request(request: HttpRequest, message_id: int) -> HttpResponse:
    """ "Request access" on a permission refusal: recorded for the org's administrators (and
    audited). Only the asker, and only for a refusal access could lift (else 404)."""
    membership = _membership(request)
    message = access_message_by_id(membership=membership, pk=message_id)
    answer = message.answer or {}
    if message.conversation.user_id != membership.user_id or not _requestable(answer):
        raise Http404
    error = answer.get("error") or {}
    access_request_create(
        membership=membership,
        code=str(error.get("code") or ""),
        reason=str(error.get("message") or ""),
        question=message.question,
        message_id=message.pk,
    )
    if not request.htmx:
        return redirect("chat:conversation", conversation_id=message.conversation_id)
    return render(request, "chat/_access_requested.html", {})


@login_required
@require_GET
def sidebar_search(request: HttpRequest) -> HttpResponse:
    """The sidebar list filtered by title and question text."""
    membership = _membership(request)
    query = request.GET.get("q", "").strip()
    archived = request.GET.get("archived") == "1"
    return render(
        request,
        "chat/_conversation_list.html",
        {
            "groups": _conversation_groups(
                conversation_search(membership=membership, q=query or None, archived=archived)
            ),
            "query": query,
            "archived": archived,
            "current_id": _current_id(request),
        },
    )


@login_required
@require_POST
def conversation_rename(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Inline rename from the sidebar (Enter saves, Esc cancels on the page)."""
    membership = _membership(request)
    conversation = access_conversation_by_id(membership=membership, pk=conversation_id)
    title = " ".join(request.POST.get("title", "").split())
    if title:
        try:
            conversation_update(conversation=conversation, user=membership.user, title=title)
        except NotOwner:
            raise Http404 from None
    return _sidebar_response(request, membership, current=_current_id(request))


@login_required
@require_POST
def conversation_archive(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Hide a conversation from the list without deleting it (`archived=0` brings it back)."""
    membership = _membership(request)
    conversation = access_conversation_by_id(membership=membership, pk=conversation_id)
    archive = request.POST.get("archived", "1") != "0"
    try:
        conversation_update(conversation=conversation, user=membership.user, archived=archive)
    except NotOwner:
        raise Http404 from None
    if not archive:  # from the archived list: show what is still archived
        return _sidebar_response(request, membership, _current_id(request), archived=True)
    return _leave_if_current(request, membership, conversation.pk)


@login_required
@require_POST
def conversation_delete(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Delete a conversation and its messages (the page asked for confirmation first).

    Only the owner may delete; the audit log keeps its own record of every question either way.
    """
    membership = _membership(request)
    conversation = access_conversation_by_id(membership=membership, pk=conversation_id)
    pk = conversation.pk
    try:
        conversation_delete_service(conversation=conversation, user=membership.user)
    except NotOwner:
        raise Http404 from None
    return _leave_if_current(request, membership, pk)


# --- helpers: conversations -----------------------------------------------------------------


def _posted_conversation(request: HttpRequest, membership: Membership) -> Conversation | None:
    raw = request.POST.get("conversation_id", "")
    if not raw.isdigit():
        return None
    return access_conversation_by_id(membership=membership, pk=int(raw))


def _current_id(request: HttpRequest) -> int | None:
    raw = request.POST.get("current") or request.GET.get("current") or ""
    return int(raw) if raw.isdigit() else None


def _conversation_groups(conversations: QuerySet[Conversation]) -> list[dict[str, Any]]:
    """Today / Last 7 days / Older, by the local date of the last activity."""
    today = timezone.localdate()
    groups: dict[str, list[Conversation]] = {"today": [], "week": [], "older": []}
    for conversation in conversations[:SIDEBAR_LIMIT]:
        day = timezone.localtime(conversation.updated_at).date()
        if day >= today:
            groups["today"].append(conversation)
        elif day > today - dt.timedelta(days=7):
            groups["week"].append(conversation)
        else:
            groups["older"].append(conversation)
    labels = {"today": _("Today"), "week": _("Last 7 days"), "older": _("Older")}
    return [
        {"key": key, "label": labels[key], "items": items} for key, items in groups.items() if items
    ]


def _sidebar_response(
    request: HttpRequest, membership: Membership, current: int | None, *, archived: bool = False
) -> HttpResponse:
    if not request.htmx:
        return (
            redirect("chat:conversation", conversation_id=current)
            if current
            else redirect("chat:last")
        )
    return render(
        request,
        "chat/_conversation_list.html",
        {"groups": _conversation_groups(
            conversation_search(membership=membership, archived=archived)),
         "current_id": current, "archived": archived},
    )  # fmt: skip


def _leave_if_current(
    request: HttpRequest, membership: Membership, conversation_id: int
) -> HttpResponse:
    """After archive/delete: stay where we are, unless the page showed that conversation."""
    current = _current_id(request)
    if current == conversation_id:
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("chat:new")
            return response
        return redirect("chat:new")
    return _sidebar_response(request, membership, current)


# --- helpers: the answer card ---------------------------------------------------------------


def _turn_response(
    request: HttpRequest,
    membership: Membership,
    answer: dict[str, Any],
    *,
    question: str,
    kind: str,
    new_conversation: bool,
) -> HttpResponse:
    """The new turn: a card appended to the stream (htmx), or the conversation page."""
    conversation_id = answer.get("conversation_id")
    if not request.htmx:
        if conversation_id is None:
            return redirect("chat:new")
        return redirect("chat:conversation", conversation_id=conversation_id)
    card = _card(membership, answer, question=question, kind=kind, last=True)
    conversation = (
        Conversation.all_tenants.filter(pk=conversation_id).first() if conversation_id else None
    )
    response = render(
        request,
        "chat/_turn.html",
        {
            "card": card,
            "conversation": conversation,
            "groups": _conversation_groups(conversation_search(membership=membership)),
            "current_id": conversation_id,
            "new_conversation": new_conversation,
        },
    )
    if new_conversation and conversation_id is not None:
        # The conversation has its own URL from the first answer on: a refresh keeps it.
        response["HX-Push-Url"] = reverse("chat:conversation", args=[conversation_id])
    return response


def _card(
    membership: Membership,
    answer: dict[str, Any],
    *,
    question: str,
    kind: str,
    last: bool,
    feedback: str = "",
    owner: bool = True,
    table_request: dict[str, Any] | None = None,
    chart_type: str | None = None,
) -> dict[str, Any]:
    """Everything the answer card shows, in UX order, for one stored answer object."""
    kind_of_answer = answer.get("type", "ERROR")
    message_id = answer.get("message_id")
    suggestions = [s for s in answer.get("suggestions") or [] if s]
    is_data = bool(answer.get("columns"))
    table_args = _table_args(table_request or {})
    return {
        "id": message_id,
        "conversation_id": answer.get("conversation_id"),
        "question": question,
        "kind": kind,
        "type": kind_of_answer,
        "answer": answer,
        "last": last,
        "feedback": feedback,
        "duration_ms": (answer.get("timings_ms") or {}).get("total"),
        "table": _table(answer, message_id, **table_args) if is_data else None,
        "chart": _chart(answer, message_id, chart_type=chart_type) if is_data else None,
        "followups": suggestions[:MAX_FOLLOWUPS] if last and kind_of_answer != "CLARIFY" else [],
        "clarify_options": suggestions[:MAX_CLARIFY_OPTIONS] if kind_of_answer == "CLARIFY" else [],
        "scope": answer.get("scope") or [],
        "scope_text": _scope_text(membership, answer),
        "request_access": _requestable(answer) and message_id is not None and owner,
        "sql_mistake": kind_of_answer == "REFUSED"
        and (answer.get("error") or {}).get("kind") == "mistake",
        "error_position": (answer.get("error") or {}).get("position"),
        "row_cap": membership.organization.row_cap,
        "caps": capabilities_for(membership),
        # Only the asker rates an answer; a reader of a shared conversation does not.
        "rateable": message_id is not None and owner,
        "rows_withheld": bool(answer.get("rows_withheld")),
    }


def _requestable(answer: dict[str, Any]) -> bool:
    """A refusal of the role's access (not a mistake in the SQL, not a product rule)."""
    error = answer.get("error") or {}
    if answer.get("type") != "REFUSED":
        return False
    kind = error.get("kind")
    if kind is not None:
        return kind == "permission"
    return error.get("code") in REQUESTABLE_CODES  # an answer stored before `kind`


def _scope_text(membership: Membership, answer: dict[str, Any]) -> str:
    """The card's filter chip: "región Norte", not `ventas.region IN ('Norte')`."""
    scope = answer.get("scope") or []
    if not scope:
        return ""
    source = datasource_get(org=membership.organization, name=answer.get("source") or None)
    catalog = catalog_snapshot(data_source=source) if source is not None else None
    return scope_phrase(scope, catalog, _answer_lang(answer))


def _table_request(request: HttpRequest) -> dict[str, Any]:
    """Paging/sorting parameters from the query string (the fragment and the no-JS page)."""
    params = request.GET

    def as_int(name: str) -> int | None:
        raw = params.get(name, "")
        return int(raw) if raw.lstrip("-").isdigit() else None

    return {
        "message": as_int("m"),
        "page": as_int("page") or 1,
        "size": as_int("size") or DEFAULT_PAGE_SIZE,
        "sort": as_int("sort"),
        "dir": "desc" if params.get("dir") == "desc" else "asc",
    }


def _table_args(table_request: dict[str, Any]) -> dict[str, Any]:
    return {
        "page": table_request.get("page") or 1,
        "size": table_request.get("size") or DEFAULT_PAGE_SIZE,
        "sort": table_request.get("sort"),
        "direction": table_request.get("dir") or "asc",
    }


def _sort_key(value: Any) -> tuple[int, Any]:
    # NULLs last in either direction would need two keys; first-in-group is good enough and
    # keeps numbers and text from being compared with each other.
    if value is None:
        return (2, 0)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value)
    return (1, str(value).casefold())


def _table(
    answer: dict[str, Any],
    message_id: int | None,
    *,
    page: int = 1,
    size: int = DEFAULT_PAGE_SIZE,
    sort: int | None = None,
    direction: str = "asc",
) -> dict[str, Any] | None:
    """One page of the answer's rows, formatted in the answer's language (the text above the
    table and the table read numbers the same way)."""
    columns = list(answer.get("columns") or [])
    if not columns:
        return None
    lang = _answer_lang(answer)
    rows = list(answer.get("rows") or [])
    size = size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE
    labels = answer.get("labels") or {}
    values = [[r[i] for r in rows if i < len(r)] for i in range(len(columns))]
    kinds = [_column_kind(name, values[i], labels) for i, name in enumerate(columns)]
    decimals = [_decimals(kinds[i], values[i]) for i in range(len(columns))]
    if sort is not None and 0 <= sort < len(columns):
        rows.sort(key=lambda r: _sort_key(r[sort]), reverse=direction == "desc")
    else:
        sort = None
    paginator = Paginator(rows, size)
    page_obj = paginator.get_page(page)
    return {
        "id": message_id,
        "columns": [
            {
                "index": i,
                # The display label carries the unit ("Ventas totales (USD)"); an answer stored
                # before labels shows its alias and the unit map.
                "name": labels.get(name) or name,
                "unit": "" if labels.get(name) else (answer.get("units") or {}).get(name, ""),
                "kind": kinds[i],
                "numeric": kinds[i] in ("number", "code", "percent"),
                "aria_sort": (
                    ("ascending" if direction == "asc" else "descending") if sort == i else "none"
                ),
                "next_dir": "desc" if sort == i and direction == "asc" else "asc",
            }
            for i, name in enumerate(columns)
        ],
        "rows": [
            [
                {
                    "text": _cell(v, kinds[i], decimals[i], lang),
                    "numeric": kinds[i] in ("number", "code", "percent"),
                }
                for i, v in enumerate(row)
            ]
            for row in page_obj.object_list
        ],
        "page": page_obj,
        "size": size,
        "sizes": PAGE_SIZES,
        "sort": sort,
        "dir": direction,
        "row_count": answer.get("row_count") or len(rows),
        "returned": len(rows),
        "truncated": bool(answer.get("truncated")),
        "scope": scope_phrase(answer.get("scope") or [], None, lang),
        "count_capped": bool(answer.get("count_capped")),
        "first": page_obj.start_index(),
        "last": page_obj.end_index(),
    }


def _answer_lang(answer: dict[str, Any]) -> str:
    """The language numbers and labels of an answer are shown in: the answer's own (an English
    question on a Spanish page reads 1,234.56 in its text, so its table and chart do too)."""
    lang = answer.get("lang") or get_language() or "es"
    return "en" if str(lang).startswith("en") else "es"


def _column_kind(name: str, values: list[Any], labels: dict[str, str]) -> str:
    """`column_kind`, plus "percent" for a 0..1 fraction and "week" for a column of weeks."""
    if is_percent(labels.get(name, "")) and column_kind(name, values) == "number":
        return "percent"
    if is_week_column(name, values):
        return "week"
    return column_kind(name, values)


def _decimals(kind: str, values: list[Any]) -> int:
    """One number of decimals per column; a percentage counts its decimals after the ×100."""
    if kind == "percent":
        numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        return 0 if all(round(float(v) * 100, 6).is_integer() for v in numbers) else 2
    return column_decimals(values)


def _cell(value: Any, kind: str, decimals: int, lang: str) -> str:
    with translation.override(lang):
        if kind == "percent" and isinstance(value, int | float) and not isinstance(value, bool):
            number = format_cell(float(value) * 100, "number", decimals)
            return f"{number} %" if lang == "es" else f"{number}%"
        if kind == "week":
            return week_range(value, lang) or str(value)
        return format_cell(value, kind, decimals)


def _chart_label(chart_type: str) -> str:
    """The switcher's name of a chart kind, translated (the kind declares it: `ChartKind.label`)."""
    kind = charts.CHARTS.get(chart_type)
    return _(kind.label) if kind is not None else chart_type


def _chart(
    answer: dict[str, Any], message_id: int | None, *, chart_type: str | None = None
) -> dict[str, Any] | None:
    """The answer's chart, its light and dark variants, the switcher and the text alternative.

    The stored figure is used as it is when it is what was asked for; the other types (only
    those `choose_chart` says fit the data) and the dark variant are drawn by the same engine.
    """
    columns = list(answer.get("columns") or [])
    rows = list(answer.get("rows") or [])
    if not columns:
        return None
    stored = answer.get("chart") or {}
    drawn = DECOMPOSITION_CHARTS.get(stored.get("type") or "")
    if drawn is not None and answer.get("decomposition"):
        # A why-answer's waterfall is redrawn in the page's language (docs/insights.md).
        page_lang = "en" if (get_language() or "es").startswith("en") else "es"
        return _decomposition_chart(drawn, answer["decomposition"], message_id, page_lang)
    lang = _answer_lang(answer)
    wanted = charts.validate_hint(chart_type) or stored.get("type")
    spec, figures, summary = labelled_chart(
        columns,
        rows,
        labels=answer.get("labels") or {},
        units=answer.get("units") or {},
        hint=wanted,
        lang=lang,
        themes=("light", "dark"),
    )
    light, dark = figures["light"], figures["dark"] if figures["light"] else None
    options = [t for t in charts.CHART_TYPES if t == spec.type or t in spec.alternatives]
    dom = f"{message_id or 'new'}"
    return {
        "id": message_id,
        # Element ids of the figure JSON: unique per card, stable across chart-type swaps.
        "dom": {"light": f"fig-{dom}-light", "dark": f"fig-{dom}-dark", "config": f"cfg-{dom}"},
        "type": spec.type,
        "figure_light": light,
        "figure_dark": dark,
        "config": charts.plotly_config(lang),
        "options": [
            {"type": t, "label": _chart_label(t), "current": t == spec.type} for t in options
        ],
        "summary": summary,
        "title": spec.title,
    }


def _decomposition_chart(
    drawn: Any, decomposition: dict[str, Any], message_id: int | None, lang: str
) -> dict[str, Any] | None:
    """A why-answer's waterfall, drawn from its stored decomposition in both themes."""
    light = drawn.figure(decomposition, lang=lang, theme="light")
    if light is None:
        return None
    dom = f"{message_id or 'new'}"
    return {
        "id": message_id,
        "dom": {"light": f"fig-{dom}-light", "dark": f"fig-{dom}-dark", "config": f"cfg-{dom}"},
        "type": drawn.name,
        "figure_light": light,
        "figure_dark": drawn.figure(decomposition, lang=lang, theme="dark"),
        "config": charts.plotly_config(lang),
        "options": [{"type": drawn.name, "label": _chart_label(drawn.name), "current": True}],
        "summary": drawn.describe(decomposition, lang=lang),
        "title": light["layout"]["title"]["text"],
    }


def _scope_label(membership: Membership) -> str:
    """ "Solo ves la región Norte": the row filters the caller's policy applies, in words."""
    policy = capabilities_for(membership)
    if not policy.can_query:
        return ""
    parts = []
    for row_filter in policy.row_filters:
        values = ", ".join(str(v) for v in row_filter.values) or "—"
        if row_filter.column == "region":
            parts.append(_("You are seeing only region %(values)s") % {"values": values})
        else:
            parts.append(
                _("You are seeing only rows where %(column)s is %(values)s")
                % {"column": row_filter.column, "values": values}
            )
    return " · ".join(dict.fromkeys(parts))


def _examples(membership: Membership) -> list[dict[str, Any]]:
    """Example questions for the empty state, grouped by topic, in the UI language: what the
    org asks most often first, then the built-in examples."""
    # The questions are data, not UI strings: each language has its own, phrased as people ask.
    lang = "en" if (get_language() or "es").startswith("en") else "es"
    questions = EXAMPLES_EN if lang == "en" else EXAMPLES_ES
    topics = {"sales": _("Sales"), "trends": _("Trends"), "definitions": _("Definitions")}
    groups = [{"topic": topics[key], "questions": items} for key, items in questions.items()]
    frequent = frequent_questions(org=membership.organization, lang=lang, limit=3)
    if frequent:
        groups.insert(0, {"topic": _("Frequent in your organization"), "questions": frequent})
    return groups
