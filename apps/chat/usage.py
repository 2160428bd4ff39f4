"""The usage page (mounted at /usage/): the org admins' view of questions, answers, speed and
model cost, from the recorded messages, with Plotly charts built from declarative specs
(`engine/charts.py`) and a CSV export through the shared sanitizer.

Another role gets a 404; everything is the caller's own org (the org comes from the membership,
never from the request).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, FloatField, IntegerField, Q, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, TruncDate, TruncMonth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.chat.access import member_for
from apps.chat.engine import charts
from apps.chat.gaps import DEFAULT_DAYS, PERIODS, period_days  # the gaps page's period selector
from apps.chat.llm_budget import llm_tokens_this_month
from apps.chat.models import Message, QuestionStat
from apps.governance.engine.spreadsheet import csv_row
from apps.governance.services import audit_record

LATENCY_SAMPLE = 50_000  # most recent answers read for the percentiles
TOP_QUESTIONS = 10
MONTHS = 12
OUTCOMES = ("answered", "asked_back", "refused", "error")
_OUTCOME_OF = {
    "SQL": "answered",
    "RAG": "answered",
    "HYBRID": "answered",
    "CLARIFY": "asked_back",
    "REFUSED": "refused",
    "ERROR": "error",
}


def _outcome_labels() -> dict[str, str]:
    return {
        "answered": _("Answered"),
        "asked_back": _("Asked back"),
        "refused": _("Refused"),
        "error": _("Error"),
    }


@dataclass
class Usage:
    days: int
    questions: int = 0
    per_day: list[tuple[dt.date, int]] = field(default_factory=list)
    per_user: list[tuple[str, int]] = field(default_factory=list)
    per_source: list[tuple[str, int]] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    outcomes_per_day: dict[dt.date, dict[str, int]] = field(default_factory=dict)
    cache_hits: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None
    llm_months: list[dict[str, Any]] = field(default_factory=list)
    budget: int | None = None
    tokens_this_month: int = 0
    top_questions: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def cache_rate(self) -> float | None:
        return self.cache_hits / self.questions if self.questions else None

    @property
    def budget_used(self) -> float | None:
        return self.tokens_this_month / self.budget if self.budget else None


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (`share` in 0..1) of `values`, or None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def usage_summary(*, org: Any, days: int = DEFAULT_DAYS) -> Usage:
    """The org's usage over the last `days` days (LLM cost: the last 12 months)."""
    now = timezone.now()
    since = now - dt.timedelta(days=days)
    asked = Message.all_tenants.for_org(org).filter(kind=Message.Kind.ASK, created_at__gte=since)
    usage = Usage(days=days)
    usage.questions = asked.count()
    usage.per_day = [
        (row["day"], row["n"])
        for row in asked.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
    ]
    usage.per_user = [
        (row["conversation__user__username"] or "?", row["n"])
        for row in asked.values("conversation__user__username")
        .annotate(n=Count("id"))
        .order_by("-n", "conversation__user__username")
    ]
    usage.per_source = [
        (row["conversation__data_source__name"] or "—", row["n"])
        for row in asked.values("conversation__data_source__name")
        .annotate(n=Count("id"))
        .order_by("-n")
    ]
    outcomes: Counter[str] = Counter()
    per_day: dict[dt.date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))
    for row in (
        asked.annotate(day=TruncDate("created_at"))
        .values("day", "answer_type")
        .annotate(n=Count("id"))
    ):
        outcome = _OUTCOME_OF.get(row["answer_type"], "error")
        outcomes[outcome] += row["n"]
        per_day[row["day"]][outcome] += row["n"]
    usage.outcomes = {o: outcomes.get(o, 0) for o in OUTCOMES}
    usage.outcomes_per_day = dict(sorted(per_day.items()))
    usage.cache_hits = asked.filter(cached=True).count()
    latencies = [
        float(v)
        for v in asked.order_by("-created_at")
        .annotate(total=Cast(KT("timings_ms__total"), FloatField()))
        .values_list("total", flat=True)[:LATENCY_SAMPLE]
        if v is not None
    ]
    usage.p50_ms = percentile(latencies, 0.50)
    usage.p95_ms = percentile(latencies, 0.95)
    usage.llm_months = llm_per_month(org=org)
    usage.budget = getattr(org, "llm_monthly_token_budget", None)
    usage.tokens_this_month = llm_tokens_this_month(org=org)
    usage.top_questions = [
        (s.question, s.asked, s.people)
        for s in QuestionStat.all_tenants.for_org(org).order_by("-asked", "-people")[:TOP_QUESTIONS]
    ]
    return usage


def llm_per_month(*, org: Any, months: int = MONTHS) -> list[dict[str, Any]]:
    """Model calls, tokens and cost per month (every message, questions and SQL runs alike)."""
    local = timezone.localtime()
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for _i in range(months - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    rows = (
        Message.all_tenants.for_org(org)
        .filter(created_at__gte=start)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(
            calls=Sum(Cast(KT("llm__calls"), IntegerField())),
            prompt=Sum(Cast(KT("llm__prompt_tokens"), IntegerField())),
            completion=Sum(Cast(KT("llm__completion_tokens"), IntegerField())),
            cost=Sum(Cast(KT("llm__cost_usd"), FloatField())),
            questions=Count("id", filter=Q(kind=Message.Kind.ASK)),
        )
        .order_by("month")
    )
    return [
        {
            "month": (
                row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
            ),
            "calls": int(row["calls"] or 0),
            "tokens": int(row["prompt"] or 0) + int(row["completion"] or 0),
            "cost_usd": round(float(row["cost"] or 0.0), 4),
            "questions": row["questions"],
        }
        for row in rows
    ]


# --- charts: declarative specs over small tables, drawn by the answers' chart engine -----------


def _lang() -> str:
    return "en" if (get_language() or "es").startswith("en") else "es"


def _figure(name: str, spec: charts.ChartSpec, columns: list[str], rows: list[list]) -> dict:
    lang = _lang()
    return {
        "id": name,
        "dom": {"light": f"fig-{name}-light", "dark": f"fig-{name}-dark", "config": f"cfg-{name}"},
        "title": spec.title,
        "light": charts.render_figure(spec, columns, rows, lang=lang, theme="light"),
        "dark": charts.render_figure(spec, columns, rows, lang=lang, theme="dark"),
        "config": charts.plotly_config(lang),
        "summary": charts.chart_summary(spec, columns, rows, lang),
    }


def usage_charts(usage: Usage) -> list[dict[str, Any]]:
    found = []
    day, questions = _("Day"), _("Questions")
    if usage.per_day:
        rows = [[d.isoformat(), n] for d, n in usage.per_day]
        spec = charts.ChartSpec(
            type="bar" if len(rows) < 3 else "line",
            x=day,
            y=(questions,),
            title=_("Questions per day"),
            x_axis="date",
            temporal=True,
        )
        found.append(_figure("per-day", spec, [day, questions], rows))
    if usage.outcomes_per_day:
        labels = _outcome_labels()
        outcome = _("Outcome")
        rows = [
            [d.isoformat(), labels[o], counts[o]]
            for d, counts in usage.outcomes_per_day.items()
            for o in OUTCOMES
        ]
        spec = charts.ChartSpec(
            type="bar",
            x=day,
            y=(questions,),
            color=outcome,
            barmode="stack",
            title=_("Answer types per day"),
            x_axis="date",
            temporal=True,
        )
        found.append(_figure("outcomes", spec, [day, outcome, questions], rows))
    if usage.per_user:
        user = _("User")
        rows = [[u, n] for u, n in usage.per_user[:20]]
        spec = charts.ChartSpec(
            type="bar", x=user, y=(questions,), title=_("Questions per user"), orientation="h"
        )
        found.append(_figure("per-user", spec, [user, questions], rows))
    if usage.llm_months:
        month, tokens = _("Month"), _("Tokens")
        rows = [[m["month"].strftime("%Y-%m"), m["tokens"]] for m in usage.llm_months]
        spec = charts.ChartSpec(type="bar", x=month, y=(tokens,), title=_("LLM tokens per month"))
        found.append(_figure("llm", spec, [month, tokens], rows))
    return [c for c in found if c["light"]]


@login_required
@require_GET
def usage_page(request: HttpRequest) -> HttpResponse:
    membership = member_for(request, "usage")
    days = period_days(request.GET.get("days"))
    usage = usage_summary(org=membership.organization, days=days)
    labels = _outcome_labels()
    return render(
        request,
        "chat/usage.html",
        {
            "usage": usage,
            "days": days,
            "periods": PERIODS,
            "charts": usage_charts(usage),
            "outcomes": [(labels[o], usage.outcomes[o]) for o in OUTCOMES],
        },
    )


@login_required
@require_GET
def usage_export(request: HttpRequest) -> HttpResponse:
    """The period's usage per day as CSV (every cell through the shared sanitizer); audited."""
    membership = member_for(request, "usage")
    days = period_days(request.GET.get("days"))
    org = membership.organization
    usage = usage_summary(org=org, days=days)
    spanish = _lang() == "es"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if spanish else ",")
    labels = _outcome_labels()
    writer.writerow(csv_row([_("Day"), _("Questions"), *(labels[o] for o in OUTCOMES)]))
    totals = dict(usage.per_day)
    for day, counts in usage.outcomes_per_day.items():
        writer.writerow(csv_row([day.isoformat(), totals.get(day, 0), *counts.values()]))
    writer.writerow([])
    writer.writerow(csv_row([_("User"), _("Questions")]))
    for user, n in usage.per_user:
        writer.writerow(csv_row([user, n]))
    writer.writerow([])
    writer.writerow(csv_row([_("Data source"), _("Questions")]))
    for source, n in usage.per_source:
        writer.writerow(csv_row([source, n]))
    writer.writerow([])
    writer.writerow(
        csv_row([_("Month"), _("LLM calls"), _("Tokens"), _("Cost (USD)"), _("Questions")])
    )
    for m in usage.llm_months:
        writer.writerow(
            csv_row(
                [
                    m["month"].strftime("%Y-%m"),
                    m["calls"],
                    m["tokens"],
                    m["cost_usd"],
                    m["questions"],
                ]
            )
        )
    writer.writerow([])
    writer.writerow(csv_row([_("Most asked questions"), _("Times"), _("People")]))
    for question, asked, people in usage.top_questions:
        writer.writerow(csv_row([question, asked, people]))
    audit_record(
        org=org,
        user=membership.user,
        role=membership.role,
        action="export",
        channel="web",
        question=f"usage {days}d",
        outcome="answered",
        row_count=len(usage.per_day),
        details={"export": "usage", "days": days},
    )
    body = "\ufeff" + buffer.getvalue()
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="usage-{org.slug}-{stamp}.csv"'
    return response
