"""Compliance pages (mounted at /compliance/): the audit log and the anomaly reports.

Only roles whose policy grants `can_view_audit` (COMPLIANCE and ADMIN by default) see them; for
everyone else they do not exist (404, the same answer as for a missing page). Filters live in the
query string, so a filtered view can be bookmarked, shared and exported as it is shown, and the
export itself is recorded in the audit log.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.governance.access_requests import (
    access_request_list,
    access_request_resolve,
    can_resolve,
)
from apps.governance.anomalies import anomalies_detect_if_stale, anomaly_acknowledge
from apps.governance.api_tokens import (
    TokenError,
    access_api_token_by_id,
    api_token_create,
    api_token_days,
    api_token_list,
    api_token_revoke,
)
from apps.governance.engine import spreadsheet
from apps.governance.models import AccessRequest, AnomalyReport, AuditEntry, Membership
from apps.governance.ratelimit import limit_page
from apps.governance.selectors import member_can
from apps.governance.services import audit_record

AUDIT_PAGE_SIZE = 50
EXPORT_MAX_ROWS = 100_000
SEVERITY_ORDER = (
    AnomalyReport.Severity.HIGH,
    AnomalyReport.Severity.MEDIUM,
    AnomalyReport.Severity.LOW,
)


def _auditor(request: HttpRequest) -> Membership:
    """The caller, if their policy lets them read the audit log; otherwise a plain 404."""
    membership = getattr(request, "membership", None)
    if membership is None or not member_can(membership, "can_view_audit"):
        raise Http404
    return membership


class AuditFilterForm(forms.Form):
    """The audit log's filters; every one optional, all of them kept in the URL."""

    date_from = forms.DateField(
        required=False, label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"})
    )
    user = forms.CharField(
        required=False,
        label=gettext_lazy("User"),
        max_length=150,
        help_text=gettext_lazy("Part of the name is enough."),
    )
    outcome = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Outcome"),
        choices=[("", gettext_lazy("Any"))] + list(AuditEntry.Outcome.choices),
    )
    action = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Action"),
        choices=[
            ("", gettext_lazy("Any")),
            ("ask", gettext_lazy("Question")),
            ("query", gettext_lazy("Edited SQL")),
            ("export", gettext_lazy("Export")),
            ("knowledge_change", gettext_lazy("Knowledge edit")),
            ("datasource", gettext_lazy("Data-source change")),
            ("access_request", gettext_lazy("Access request")),
        ],
    )
    source = forms.CharField(required=False, label=gettext_lazy("Data source"), max_length=100)
    code = forms.CharField(required=False, label=gettext_lazy("Code"), max_length=50)
    q = forms.CharField(required=False, label=gettext_lazy("Text"), max_length=200)
    # A precise window (an anomaly's hour); not on the form, set by the anomaly cards' links.
    after = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    before = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def applied(self) -> dict[str, str]:
        """The filters in effect, as text (for the export's second sheet and its audit entry)."""
        if not self.is_valid():
            return {}
        return {k: str(v) for k, v in self.cleaned_data.items() if v not in (None, "")}


def _audit_entries(*, org, filters: dict[str, Any]) -> QuerySet[AuditEntry]:  # noqa: ANN001
    """The org's audit entries matching the cleaned filters, newest first."""
    entries = AuditEntry.objects.filter(organization=org).select_related("user")
    if filters.get("date_from"):
        entries = entries.filter(created_at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        entries = entries.filter(created_at__date__lte=filters["date_to"])
    if filters.get("user"):
        entries = entries.filter(username__icontains=filters["user"])
    if filters.get("after"):
        entries = entries.filter(created_at__gte=filters["after"])
    if filters.get("before"):
        entries = entries.filter(created_at__lt=filters["before"])
    if filters.get("outcome"):
        entries = entries.filter(outcome=filters["outcome"])
    if filters.get("action") == "datasource":  # created, updated, deleted, location refused
        entries = entries.filter(action__startswith="datasource_")
    elif filters.get("action"):
        entries = entries.filter(action=filters["action"])
    if filters.get("source"):
        entries = entries.filter(source__iexact=filters["source"])
    if filters.get("code"):
        entries = entries.filter(code__iexact=filters["code"])
    if filters.get("q"):
        text = filters["q"]
        entries = entries.filter(
            Q(question__icontains=text) | Q(sql__icontains=text) | Q(rule__icontains=text)
        )
    return entries.order_by("-seq")


def _filters(request: HttpRequest) -> AuditFilterForm:
    form = AuditFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    return form


def _cleaned(form: AuditFilterForm) -> dict[str, Any]:
    return form.cleaned_data if form.is_bound and form.is_valid() else {}


@login_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    """The audit log with filters; htmx filter changes swap only the results."""
    membership = _auditor(request)
    org = membership.organization
    form = _filters(request)
    entries = _audit_entries(org=org, filters=_cleaned(form))
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    cleaned = _cleaned(form)
    without_window = query.copy()
    for name in ("after", "before"):
        without_window.pop(name, None)
    context = {
        "form": form,
        "window_after": cleaned.get("after"),
        "window_before": cleaned.get("before"),
        "query_without_window": without_window.urlencode(),
        "page": page,
        "query": query.urlencode(),
        "usernames": AuditEntry.objects.filter(organization=org)
        .order_by("username")
        .values_list("username", flat=True)
        .distinct(),
        "codes": AuditEntry.objects.filter(organization=org)
        .exclude(code="")
        .order_by("code")
        .values_list("code", flat=True)
        .distinct(),
    }
    template = "governance/_audit_results.html" if request.htmx else "governance/audit_list.html"
    return render(request, template, context)


@login_required
@require_GET
def audit_detail(request: HttpRequest, seq: int) -> HttpResponse:
    """One entry in full: the SQL as executed, the row filters applied, the rule, the hash."""
    membership = _auditor(request)
    entry = AuditEntry.objects.filter(organization=membership.organization, seq=seq).first()
    if entry is None:
        raise Http404
    template = "governance/_audit_detail.html" if request.htmx else "governance/audit_detail.html"
    return render(
        request,
        template,
        {"entry": entry, "masked": audit_masked_columns(entry), "filters": _entry_filters(entry)},
    )


_MASKED_OUTPUT = re.compile(r"'\*\*\*'\s+AS\s+(\"[^\"]+\"|\w+)", re.IGNORECASE)


def audit_masked_columns(entry: AuditEntry) -> list[str]:
    """The columns shown masked in this entry's result: recorded in its details (answers and
    exports), or, for entries written before that, read from the SQL as executed, where the
    guard put the mask literal in place of each masked output (`'***' AS "email"`)."""
    recorded = (entry.details or {}).get("masked_columns")
    if recorded is not None:
        return [str(name) for name in recorded]
    found = [name.strip('"') for name in _MASKED_OUTPUT.findall(entry.sql or "")]
    return list(dict.fromkeys(found))


def _entry_filters(entry: AuditEntry) -> list[str]:
    filters = (entry.details or {}).get("filters") or []
    if isinstance(filters, dict):  # an audit-log export records the page's filters
        return [f"{key} = {value}" for key, value in filters.items()]
    return [str(f) for f in filters]


@login_required
@require_GET
@limit_page("export")
def audit_export(request: HttpRequest) -> HttpResponse:
    """The current filter as CSV or Excel, with who exported it and when; the export is audited."""
    membership = _auditor(request)
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        return HttpResponse(status=400)
    form = _filters(request)
    entries = list(_audit_entries(org=membership.organization, filters=_cleaned(form))[
        :EXPORT_MAX_ROWS
    ])  # fmt: skip
    exported_at = timezone.now()
    applied = form.applied()
    audit_record(
        org=membership.organization,
        user=membership.user,
        role=membership.role,
        action="export",
        channel="web",
        question=_("Audit log export (%(format)s)") % {"format": fmt},
        outcome=AuditEntry.Outcome.ANSWERED,
        row_count=len(entries),
        details={"target": "audit_log", "format": fmt, "filters": applied},
    )
    stamp = exported_at.strftime("%Y%m%dT%H%M%SZ")
    name = f"datachat-audit-{membership.organization.slug}-{stamp}.{fmt}"
    if fmt == "csv":
        body = _audit_csv(entries, delimiter=_delimiter(request.GET.get("sep", "")))
        content_type = "text/csv; charset=utf-8"
    else:
        body = _audit_xlsx(entries, applied, exported_at, membership)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    # Provenance beside the data, never inside the CSV (a comment line is read as a row).
    response["X-DataChat-Source"] = "audit_log"
    response["X-DataChat-Organization"] = membership.organization.slug
    response["X-DataChat-Rows"] = str(len(entries))
    response["X-DataChat-Generated"] = exported_at.isoformat()
    response["X-DataChat-Exported-By"] = membership.user.username
    response["X-DataChat-Filters"] = (
        " ".join("&".join(f"{k}={v}" for k, v in sorted(applied.items())).split()) or "-"
    )[:1000]
    return response


def _delimiter(choice: str) -> str:
    """`sep` (`,` `;` `tab`, or their names) when given, else the page language's: `;` in
    Spanish, where `,` is the decimal mark."""
    chosen = {",": ",", "comma": ",", ";": ";", "semicolon": ";", "tab": "\t"}.get(choice)
    return chosen or (";" if (get_language() or "es").startswith("es") else ",")


EXPORT_COLUMNS = (
    "seq", "time", "user", "role", "action", "channel", "source", "outcome", "code", "rule",
    "rows", "duration_ms", "question", "sql", "filters", "entry_hash",
)  # fmt: skip


def _export_row(entry: AuditEntry) -> list[Any]:
    return [
        entry.seq,
        entry.created_at,
        entry.username,
        entry.role,
        entry.action,
        entry.channel,
        entry.source,
        entry.outcome,
        entry.code,
        entry.rule,
        entry.row_count,
        entry.duration_ms,
        entry.question,
        entry.sql,
        "; ".join(str(f) for f in (entry.details or {}).get("filters") or []),
        entry.entry_hash,
    ]


def _audit_csv(entries: list[AuditEntry], *, delimiter: str) -> bytes:
    """UTF-8 with BOM (Excel opens it right), the header row first and only rows after it.

    Questions and SQL are text from people: every cell goes through the shared sanitizer, so a
    question like `=HYPERLINK(…)` reaches the auditor's spreadsheet as inert text."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(spreadsheet.csv_row(EXPORT_COLUMNS))
    for entry in entries:
        row = _export_row(entry)
        row[1] = entry.created_at.isoformat()  # ISO 8601 with the time zone
        writer.writerow(spreadsheet.csv_row(row))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _audit_xlsx(
    entries: list[AuditEntry],
    applied: dict[str, str],
    exported_at: dt.datetime,
    membership: Membership,
) -> bytes:
    """Real numbers and dates with number formats, and a second sheet recording the export.

    Every cell through the shared sanitizer: text is text (never a formula) and control
    characters in a question no longer break the workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "audit"
    zone = timezone.get_current_timezone_name()
    header = list(EXPORT_COLUMNS)
    header[1] = f"time ({zone})"
    sheet.append(spreadsheet.xlsx_row(sheet, header, font=Font(bold=True)))
    formats = {0: "0", 1: "yyyy-mm-dd hh:mm:ss", 10: "#,##0", 11: "#,##0.0"}  # seq, time, rows, ms
    for entry in entries:
        row = _export_row(entry)
        # Excel has no time zones: local time, with the zone named in the header.
        row[1] = timezone.localtime(entry.created_at).replace(tzinfo=None)
        sheet.append(
            [
                spreadsheet.xlsx_cell(sheet, value, number_format=formats.get(index))
                for index, value in enumerate(row)
            ]
        )
    sheet.freeze_panes = "A2"
    info = book.create_sheet("export")
    facts: list[tuple[str, Any]] = [
        ("exported_at", exported_at.isoformat()),
        ("exported_by", membership.user.username),
        ("organization", membership.organization.slug),
        ("rows", len(entries)),
        ("row_limit", EXPORT_MAX_ROWS),
        *((f"filter.{key}", value) for key, value in sorted(applied.items())),
    ]
    for fact in facts:
        info.append(spreadsheet.xlsx_row(info, fact))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- anomalies ------------------------------------------------------------------------------


def _anomaly_view(report: AnomalyReport) -> dict[str, Any]:
    change = None
    if report.baseline:
        change = (report.observed - report.baseline) / report.baseline * 100
    return {"report": report, "change": change, "audit_query": _anomaly_audit_query(report)}


def _anomaly_audit_query(report: AnomalyReport) -> str:
    """The audit log filtered to the entries behind a report: its user and its window."""
    from django.utils.http import urlencode

    params = {
        "after": report.window_start.isoformat(),
        "before": report.window_end.isoformat(),
    }
    if report.username and not report.username.startswith("ip:"):
        params["user"] = report.username
    return urlencode(params)


@login_required
@require_GET
def anomaly_list(request: HttpRequest) -> HttpResponse:
    """Anomaly reports as cards, grouped by severity; closed ones only when asked for."""
    membership = _auditor(request)
    org = membership.organization
    ran_now = False
    if settings.DATACHAT_ANOMALIES_ON_PAGE:
        # No Celery beat in the embedded default: the page runs a stale detection itself.
        ran_now = anomalies_detect_if_stale(org=org) is not None
    show_closed = request.GET.get("status") == "all"
    reports = AnomalyReport.all_tenants.for_org(membership.organization)
    if not show_closed:
        reports = reports.exclude(status=AnomalyReport.Status.CLOSED)
    by_severity: dict[str, list[dict[str, Any]]] = {s: [] for s in SEVERITY_ORDER}
    for report in reports.order_by("-window_start", "username"):
        by_severity.setdefault(report.severity, []).append(_anomaly_view(report))
    groups = [
        {"severity": s, "label": AnomalyReport.Severity(s).label, "items": by_severity[s]}
        for s in SEVERITY_ORDER
        if by_severity.get(s)
    ]
    return render(
        request,
        "governance/anomaly_list.html",
        {
            "groups": groups,
            "show_closed": show_closed,
            "last_run": org.anomalies_run_at,
            "ran_now": ran_now,
            "on_page": settings.DATACHAT_ANOMALIES_ON_PAGE,
        },
    )


@login_required
@require_POST
def anomaly_update(request: HttpRequest, report_id: int, action: str) -> HttpResponse:
    """Acknowledge or close a report; htmx gets the updated card back."""
    membership = _auditor(request)
    if action not in ("acknowledge", "close"):
        raise Http404
    report = AnomalyReport.all_tenants.for_org(membership.organization).filter(pk=report_id).first()
    if report is None:
        raise Http404
    report = anomaly_acknowledge(report=report, user=membership.user, close=action == "close")
    if not request.htmx:
        return redirect("governance:anomalies")
    return render(request, "governance/_anomaly_card.html", {"item": _anomaly_view(report)})


# --- access requests (the org's administrators) ------------------------------------------------


def _resolver(request: HttpRequest) -> Membership:
    membership = getattr(request, "membership", None)
    if not can_resolve(membership):
        raise Http404
    return membership


@login_required
@require_GET
def access_request_page(request: HttpRequest) -> HttpResponse:
    """The access requests members made from refused answers, open ones first."""
    membership = _resolver(request)
    page = Paginator(access_request_list(membership=membership), AUDIT_PAGE_SIZE).get_page(
        request.GET.get("page") or 1
    )
    return render(request, "governance/access_requests.html", {"page": page})


@login_required
@require_POST
def access_request_update(request: HttpRequest, request_id: int, action: str) -> HttpResponse:
    """Grant or decline one request of the admin's own org (another org's id: 404)."""
    membership = _resolver(request)
    if action not in ("grant", "decline"):
        raise Http404
    item = AccessRequest.all_tenants.for_org(membership.organization).filter(pk=request_id).first()
    if item is None:
        raise Http404
    item = access_request_resolve(membership=membership, request=item, grant=action == "grant")
    if not request.htmx:
        return redirect("governance:access-requests")
    return render(request, "governance/_access_request_row.html", {"item": item})


# --- the account: personal API tokens -----------------------------------------------------------

TOKEN_DAY_CHOICES = (7, 30, 90, 180, 365)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        required=False,
        max_length=100,
        label=gettext_lazy("Name"),
        help_text=gettext_lazy("What the token is for, e.g. “notebook” or “nightly report”."),
    )
    days = forms.TypedChoiceField(coerce=int, label=gettext_lazy("Expires after"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        default, maximum = api_token_days()
        days = sorted({d for d in TOKEN_DAY_CHOICES if d <= maximum} | {default})
        self.fields["days"].choices = [
            (d, ngettext("%(n)d day", "%(n)d days", d) % {"n": d}) for d in days
        ]
        self.fields["days"].initial = default


@login_required
@require_http_methods(["GET", "POST"])
def account_tokens(request: HttpRequest) -> HttpResponse:
    """The user's API tokens: create one (its key is shown on this response only), list, revoke."""
    created, key = None, None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created, key = api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
                channel="web",
            )
            form = ApiTokenForm()
        except TokenError as exc:
            form.add_error(None, exc.message)
    response = render(
        request,
        "governance/account_tokens.html",
        {
            "form": form,
            "tokens": list(api_token_list(user=request.user)),
            "created": created,
            "key": key,
            "api_base": request.build_absolute_uri("/api/v1/"),
        },
        status=400 if request.method == "POST" and created is None else 200,
    )
    # The page may hold a key shown once: never from a cache, never from the back button.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def account_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the user's tokens; another user's token is a 404, like a missing one."""
    token = access_api_token_by_id(user=request.user, pk=pk)
    if token is None:
        raise Http404
    api_token_revoke(token=token, channel="web")
    messages.success(
        request, _("Token %(prefix)s… revoked: it no longer works.") % {"prefix": token.token_key}
    )
    return redirect("account-tokens")
