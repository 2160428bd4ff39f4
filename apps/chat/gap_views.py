"""The knowledge gaps page (mounted at /knowledge/gaps/): stewards and admins of the org.

The list groups the period's asked-back, refused-as-unknown and 👎 answers by what was missing;
a gap's page shows its questions and offers three fixes, each with a preview before saving.
Another role, or another org's gap or fix, is a 404. The views live in the chat app because they
read chat messages, and chat sits above knowledge.
"""

from __future__ import annotations

import os
from dataclasses import replace
from difflib import SequenceMatcher
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from apps.chat.access import member_for
from apps.chat.gaps import (
    PERIODS,
    FixInvalid,
    fix_example,
    fix_get,
    fix_metric,
    fix_synonym,
    gap_detail,
    gap_get,
    gap_groups,
    metric_preview,
    period_days,
    query_preview,
    synonym_preview,
)
from apps.chat.models import Gap
from apps.governance.services import policy_resolve
from apps.knowledge.selectors import catalog_snapshot
from datachat.text import fold

ACTIONS = ("synonym", "metric", "example")
VALUES_PER_COLUMN = 50


def _lang() -> str:
    return "en" if (get_language() or "es").startswith("en") else "es"


def _kind_label(kind: str) -> str:
    return str(dict(Gap.Kind.choices).get(kind, kind))


def _error_text(error: FixInvalid) -> str:
    texts = {
        "empty": _("Fill in every field."),
        "unknown_target": _("Choose a table, column or value of this data source."),
        "too_long": _("A synonym is at most 100 characters."),
        "not_authorized": _("You may not use this data source."),
        "source_unavailable": _("The data source cannot be opened right now."),
    }
    return texts.get(error.code, error.message)


@login_required
@require_GET
def gaps_page(request: HttpRequest) -> HttpResponse:
    membership = member_for(request, "gaps")
    days = period_days(request.GET.get("days"))
    kind = request.GET.get("kind", "")
    kind = kind if kind in Gap.Kind.values else ""
    groups = gap_groups(org=membership.organization, days=days, kind=kind)
    for group in groups:
        group.kind_label = _kind_label(group.kind)
    return render(
        request,
        "chat/gaps.html",
        {
            "groups": groups,
            "days": days,
            "periods": PERIODS,
            "kind": kind,
            "kinds": Gap.Kind.choices,
        },
    )


def _readable(membership: Any, source: Any) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    """The tables the member's own policy may read on the source, and its masked columns: the
    page offers nothing else (as the knowledge browser lists nothing else)."""
    if source is None:
        return frozenset(), frozenset()
    catalog = catalog_snapshot(data_source=source)
    policy = policy_resolve(membership=membership, catalog=catalog.policy_flags())
    if not policy.can_query:
        return frozenset(), frozenset()
    return policy.allowed_tables, policy.masked_columns


def _targets(
    source: Any,
    said: str = "",
    readable: tuple[frozenset[str], frozenset[tuple[str, str]]] | None = None,
) -> list[dict[str, str]]:
    """Every table, column and (low-cardinality, non-personal) value a synonym can go on; for a
    text column whose values are not indexed (too many), the gap's own word as one of its values
    ("English" of countrylanguage.Language). With `readable` (the member's tables and masked
    columns), only readable tables, and no value of a masked column."""
    if source is None:
        return []
    options = []
    for table in catalog_snapshot(data_source=source).tables:
        if readable is not None and table.name not in readable[0]:
            continue
        options.append(
            {"value": f"table|{table.name}", "label": _("table %(t)s") % {"t": table.name}}
        )
        for col in table.columns:
            label = _("column %(t)s.%(c)s") % {"t": table.name, "c": col.name}
            options.append({"value": f"column|{table.name}|{col.name}", "label": label})
            if col.pii or (readable is not None and (table.name, col.name) in readable[1]):
                continue
            if col.values is None and said and _is_text(col.type):
                col = replace(col, values=(said,))
            for value in (col.values or ())[:VALUES_PER_COLUMN]:
                label = _("value “%(v)s” of %(t)s.%(c)s") % {
                    "v": value,
                    "t": table.name,
                    "c": col.name,
                }
                options.append({"value": f"value|{table.name}|{col.name}|{value}", "label": label})
    return options


def suggested_target(targets: list[dict[str, str]], said: str) -> str:
    """The target whose name reads most like the gap's word ("cars" → table cars_data, "weighed"
    → column Weight), preselected so the usual fix is one click; "" when nothing is close."""
    word = fold(said).replace(" ", "")
    if len(word) < 3:
        return ""
    best, best_score = "", 0.0
    for option in targets:
        kind, *names = option["value"].split("|")
        name = fold(names[-1]).replace("_", "").replace(" ", "")
        if not name:
            continue
        score = SequenceMatcher(None, word, name).ratio()
        common = len(os.path.commonprefix([word, name]))
        if common >= 4 or (common >= 3 and common == len(word)):
            score = max(score, 0.8 + common / 100)
        if kind == "value" and fold(names[-1]) == fold(said):
            score = 1.0  # the word is the value itself
        if score > best_score:
            best, best_score = option["value"], score
    return best if best_score >= 0.75 else ""


def _is_text(declared: str) -> bool:
    upper = (declared or "TEXT").upper()
    return any(word in upper for word in ("CHAR", "TEXT", "CLOB", "STRING"))


def _parse_target(raw: str) -> dict[str, str]:
    parts = (raw or "").split("|", 3)
    target = parts[0] if parts and parts[0] in ("table", "column", "value") else ""
    padded = [*parts[1:], "", "", ""]
    return {"target": target, "table": padded[0], "column": padded[1], "value": padded[2]}


def _gap_context(membership: Any, gap: Gap) -> dict[str, Any]:
    detail = gap_detail(org=membership.organization, gap=gap)
    source = detail.source or gap.data_source
    readable = _readable(membership, source)
    tables = (
        [t.name for t in catalog_snapshot(data_source=source).tables if t.name in readable[0]]
        if source
        else []
    )
    targets = _targets(source, gap.text if gap.kind in ("word", "value") else "", readable)
    return {
        "gap": gap,
        "kind_label": _kind_label(gap.kind),
        "detail": detail,
        "source": source,
        "targets": targets,
        "tables": tables,
        "form": {
            "target": suggested_target(targets, gap.text),
            "word": gap.text,
            "name": gap.text,
            "question": detail.questions[0][0] if detail.questions else "",
        },
    }


@login_required
@require_GET
def gap_page(request: HttpRequest, gap_id: int) -> HttpResponse:
    membership = member_for(request, "gaps")
    gap = gap_get(org=membership.organization, gap_id=gap_id)
    if gap is None:
        raise Http404
    context = _gap_context(membership, gap)
    fix_id = request.GET.get("fix")
    if fix_id and fix_id.isdigit():
        context["fixed"] = fix_get(org=membership.organization, fix_id=int(fix_id))
    return render(request, "chat/gap_detail.html", context)


@login_required
@require_http_methods(["POST"])
def gap_fix(request: HttpRequest, gap_id: int, action: str) -> HttpResponse:
    """Preview (`intent=preview`, nothing saved) or save one fix of a gap."""
    membership = member_for(request, "gaps")
    gap = gap_get(org=membership.organization, gap_id=gap_id)
    if gap is None or action not in ACTIONS:
        raise Http404
    context = _gap_context(membership, gap)
    source = context["source"]
    if source is None:
        raise Http404
    post = request.POST
    saving = post.get("intent") == "save"
    form = {**context["form"], **{k: post.get(k, "") for k in post if k != "csrfmiddlewaretoken"}}
    context.update({"form": form, "action": action})
    lang = _lang()
    try:
        if action == "synonym":
            where = _parse_target(post.get("target", ""))
            if saving:
                fix = fix_synonym(
                    membership=membership,
                    gap=gap,
                    source=source,
                    word=post.get("word", ""),
                    **where,
                )
            else:
                questions = [q for q, _n in context["detail"].questions[:5]]
                context["synonym_preview"] = synonym_preview(
                    source=source, questions=questions, word=post.get("word", ""), **where
                )
        elif action == "metric":
            args = {"expression": post.get("expression", ""), "table": post.get("table", "")}
            if saving:
                fix = fix_metric(
                    membership=membership,
                    gap=gap,
                    source=source,
                    name=post.get("name", ""),
                    lang=lang,
                    **args,
                )
            else:
                context["query_preview"] = metric_preview(
                    membership=membership, source=source, lang=lang, **args
                )
        else:
            if saving:
                fix = fix_example(
                    membership=membership,
                    gap=gap,
                    source=source,
                    question=post.get("question", ""),
                    sql=post.get("sql", ""),
                    lang=lang,
                )
            else:
                context["query_preview"] = query_preview(
                    membership=membership, source=source, sql=post.get("sql", ""), lang=lang
                )
    except FixInvalid as error:
        context["error"] = {"code": error.code, "text": _error_text(error)}
        return render(request, "chat/gap_detail.html", context, status=400)
    if saving:
        url = reverse("gap", args=[gap.pk])
        return redirect(f"{url}?fix={fix.pk}#fix-result")
    return render(request, "chat/gap_detail.html", context)


@login_required
@require_GET
def gap_fix_status(request: HttpRequest, fix_id: int) -> HttpResponse:
    """A fix's re-ask result (htmx polls it while a worker re-asks)."""
    membership = member_for(request, "gaps")
    fix = fix_get(org=membership.organization, fix_id=fix_id)
    if fix is None:
        raise Http404
    return render(request, "chat/_gap_fix.html", {"fix": fix})
