"""Knowledge browser pages (mounted at /knowledge/): glossary and metrics, verified examples,
documents and the table catalog, each limited to what the caller's access policy lets them see.

A table the policy does not allow (e.g. `empleados` for an analyst) is not listed, and neither
are the documents, metrics and examples about it: the browser must not reveal what the chat
would refuse. Everything is read-only here; stewards and admins edit in the Django admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.governance.models import Membership
from apps.governance.selectors import capabilities_for
from apps.knowledge.engine.retrieval import redact_lines
from apps.knowledge.models import Document, Metric, VerifiedExample
from apps.knowledge.selectors import (
    SourceAccess,
    datasource_access_list,
    document_body_visible,
    document_visible_list,
    example_list,
)
from datachat.text import fold

PAGE_SIZE = 20
TABS = ("glossary", "examples", "documents", "tables")
GLOSSARY_KINDS = (Document.Kind.GLOSSARY, Document.Kind.METRIC)
DOCUMENT_KINDS = (Document.Kind.TABLE, Document.Kind.NOTE)


def _membership(request: HttpRequest) -> Membership:
    membership = getattr(request, "membership", None)
    if membership is None:
        raise Http404
    return membership


def _allowed(entry: SourceAccess) -> frozenset[str]:
    # A role without data questions (compliance) sees no table, whatever the list says.
    return entry.policy.allowed_tables if entry.policy.can_query else frozenset()


def _matches(query: str, *texts: Any) -> bool:
    if not query:
        return True
    needle = fold(query)  # "region" finds "Región"
    return any(needle in fold(str(t or "")) for t in texts)


@login_required
@require_GET
def knowledge_browse(request: HttpRequest) -> HttpResponse:
    """The tabbed, searchable, paginated browser; htmx requests get only the panel."""
    membership = _membership(request)
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "glossary"
    query = request.GET.get("q", "").strip()
    access = datasource_access_list(membership=membership)
    builders = {
        "glossary": _glossary_items,
        "examples": _example_items,
        "documents": _document_items,
        "tables": _table_items,
    }
    items = builders[tab](membership, access, query)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "tab": tab,
        "tabs": [
            {"key": "glossary", "label": _("Glossary & metrics")},
            {"key": "examples", "label": _("Example questions")},
            {"key": "documents", "label": _("Documents")},
            {"key": "tables", "label": _("Tables")},
        ],
        "query": query,
        "page": page,
        "total": len(items),
        "sources": [entry.source for entry in access],
        "caps": capabilities_for(membership),
    }
    if request.htmx:
        return render(request, "knowledge/_knowledge_panel.html", context)
    return render(request, "knowledge/knowledge_browse.html", context)


@login_required
@require_GET
def document_detail(request: HttpRequest, document_id: int) -> HttpResponse:
    """One document in full; a document about a table the caller cannot see is a 404."""
    membership = _membership(request)
    access = datasource_access_list(membership=membership)
    document = (
        document_visible_list(membership=membership, access=access)
        .select_related("updated_by")
        .filter(pk=document_id)
        .first()
    )
    if document is None:
        raise Http404
    return render(
        request,
        "knowledge/document_detail.html",
        {
            "document": document,
            "body": document_body_visible(document=document, access=access),
            "caps": capabilities_for(membership),
        },
    )


# --- the tabs -------------------------------------------------------------------------------


def _documents(membership: Membership, access: list[SourceAccess], kinds, query: str) -> list:  # noqa: ANN001
    documents = document_visible_list(membership=membership, access=access, q=query or None)
    return [
        {
            "kind": "document",
            "object": document,
            # Lines naming a hidden table or column are dropped, as retrieval drops them.
            "body": document_body_visible(document=document, access=access),
            "admin": "document",
        }
        for document in documents.filter(kind__in=kinds).select_related("updated_by")
    ]


def _glossary_items(membership: Membership, access: list[SourceAccess], query: str) -> list:
    items: list[dict[str, Any]] = []
    for entry in access:
        allowed = _allowed(entry)
        for metric in Metric.all_tenants.filter(data_source=entry.source).order_by("name"):
            if metric.table_name not in allowed:
                continue
            if _matches(query, metric.name, metric.description, metric.expression,
                        " ".join(metric.synonyms or [])):  # fmt: skip
                items.append({"kind": "metric", "object": metric, "admin": "metric"})
    return items + _documents(membership, access, GLOSSARY_KINDS, query)


def _example_items(membership: Membership, access: list[SourceAccess], query: str) -> list:
    items = []
    for entry in access:
        allowed = _allowed(entry)
        examples = (
            example_list(data_source=entry.source)
            .exclude(status=VerifiedExample.Status.REJECTED)
            .select_related("reviewed_by", "proposed_by")
            .order_by("question")
        )
        for example in examples:
            # An example that reads a hidden table would show that table's SQL: skip it.
            if set(example.tables_used or []) <= allowed and _matches(
                query, example.question, example.sql
            ):
                items.append({"kind": "example", "object": example, "admin": "verifiedexample"})
    return items


def _document_items(membership: Membership, access: list[SourceAccess], query: str) -> list:
    return _documents(membership, access, DOCUMENT_KINDS, query)


def _table_items(membership: Membership, access: list[SourceAccess], query: str) -> list:
    items = []
    for entry in access:
        allowed = _allowed(entry)
        masked = {f"{t}.{c}" for t, c in entry.policy.masked_columns}
        filtered = {f.table for f in entry.policy.row_filters}
        # A description may mention a hidden table ("une con empleados…"): the same redaction
        # retrieval applies to documents applies to it.
        denied = entry.denied_terms
        for table in entry.catalog.tables:
            if table.name not in allowed:
                continue
            column_text = " ".join(f"{c.name} {c.description}" for c in table.columns)
            if not _matches(query, table.name, table.description, column_text):
                continue
            items.append(
                {
                    "kind": "table",
                    "object": table,
                    "description": redact_lines(table.description, denied),
                    "source": entry.source,
                    "row_filtered": table.name in filtered,
                    "columns": [
                        {
                            "info": c,
                            "description": redact_lines(c.description, denied),
                            "masked": f"{table.name}.{c.name}" in masked,
                        }
                        for c in table.columns
                    ],
                }
            )
    return items
