"""Knowledge reads: data sources, the catalog snapshot engines consume, documents."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from apps.governance.engine.policy import DataPolicy
from apps.governance.models import Membership, Organization
from apps.knowledge.engine.catalog import (
    CatalogSnapshot,
    ColumnInfo,
    ForeignKeyInfo,
    MetricDef,
    TableInfo,
)
from apps.knowledge.engine.retrieval import denied_terms, redact_lines
from apps.knowledge.models import (
    CatalogColumn,
    CatalogForeignKey,
    CatalogTable,
    DataSource,
    Document,
    Metric,
    VerifiedExample,
)


def datasource_list(*, org: Organization) -> QuerySet[DataSource]:
    return DataSource.all_tenants.for_org(org).order_by("-is_default", "name")


def datasource_get(
    *, org: Organization, name: str | None = None, with_org: bool = False
) -> DataSource | None:
    """A named source of the org, or its default source when no name is given (`with_org`:
    its organization row read in the same query)."""
    qs = datasource_list(org=org)
    if with_org:
        qs = qs.select_related("organization")
    if name:
        return qs.filter(name=name).first()
    return qs.filter(is_default=True).first() or qs.first()


_snapshot_cache: dict[tuple, CatalogSnapshot] = {}
_snapshot_lock = threading.Lock()


def catalog_snapshot(*, data_source: DataSource) -> CatalogSnapshot:
    """The source's catalog as plain data, memoised per schema and knowledge version."""
    org = data_source.organization
    key = (*data_source.memo_key(), org.knowledge_version)
    cached = _snapshot_cache.get(key)
    if cached is not None:
        return cached
    tables = (
        CatalogTable.all_tenants.filter(data_source=data_source)
        .prefetch_related(
            Prefetch("columns", queryset=CatalogColumn.all_tenants.order_by("position"))
        )
        .order_by("name")
    )
    snapshot = CatalogSnapshot(
        dialect=data_source.dialect,
        tables=tuple(
            TableInfo(
                name=t.name,
                description=t.description,
                synonyms=tuple(t.synonyms or ()),
                sensitive=t.sensitive,
                label_column=t.label_column,
                columns=tuple(
                    ColumnInfo(
                        name=c.name,
                        type=c.data_type,
                        primary_key=c.primary_key,
                        pii=c.pii,
                        description=c.description,
                        synonyms=tuple(c.synonyms or ()),
                        values=tuple(c.distinct_values) if c.distinct_values is not None else None,
                        currency=c.currency,
                        unit=c.unit,
                        value_synonyms=tuple(
                            (str(value), tuple(str(w) for w in words))
                            for value, words in sorted((c.value_synonyms or {}).items())
                        ),
                    )
                    for c in t.columns.all()
                ),
            )
            for t in tables
        ),
        foreign_keys=tuple(
            ForeignKeyInfo(fk.table, fk.column, fk.ref_table, fk.ref_column, fk.cardinality)
            for fk in CatalogForeignKey.all_tenants.filter(data_source=data_source).order_by(
                "table", "column"
            )
        ),
        metrics=tuple(
            MetricDef(
                name=m.name,
                expression=m.expression,
                table=m.table_name,
                synonyms=tuple(m.synonyms or ()),
                description=m.description,
                filters=tuple(m.filters or ()),
                format=m.format,
                unit=m.unit,
            )
            for m in Metric.all_tenants.filter(data_source=data_source).order_by("name")
        ),
    )
    with _snapshot_lock:
        if len(_snapshot_cache) > 256:
            _snapshot_cache.clear()
        _snapshot_cache[key] = snapshot
    return snapshot


def document_list(*, org: Organization) -> QuerySet[Document]:
    return Document.all_tenants.for_org(org).order_by("kind", "title")


def example_list(*, data_source: DataSource, status: str | None = None) -> QuerySet:
    qs = VerifiedExample.all_tenants.filter(data_source=data_source)
    return qs.filter(status=status) if status else qs


@dataclass(frozen=True)
class SourceAccess:
    """One data source as a member may see it: the tables their current policy allows."""

    source: DataSource
    catalog: CatalogSnapshot
    policy: DataPolicy

    @property
    def tables(self) -> tuple[TableInfo, ...]:
        return tuple(t for t in self.catalog.tables if t.name in self.policy.allowed_tables)

    @property
    def denied_terms(self) -> frozenset[str]:
        """Hidden tables, and columns only hidden tables have: names a document must not show."""
        schema = {t.name: [c.name for c in t.columns] for t in self.catalog.tables}
        return denied_terms(schema, self.policy.allowed_tables)


def datasource_may_connect(*, org: Organization, user: Any) -> bool:
    """Who may connect a source or upload a spreadsheet to `org` (the rule of
    `services.datasource_connect`): platform staff and the members whose role policy grants
    `can_add_data`."""
    from apps.governance.selectors import member_can

    if getattr(user, "pk", None) is None:
        return False
    if getattr(user, "is_superuser", False):
        return True
    membership = Membership.all_tenants.for_org(org).filter(user=user).first()
    return membership is not None and member_can(membership, "can_add_data")


def datasource_spreadsheet_names(*, org: Organization) -> list[str]:
    """The org's spreadsheet sources (DuckDB files), for the upload form's choice."""
    return list(
        datasource_list(org=org).filter(kind=DataSource.Kind.DUCKDB).values_list("name", flat=True)
    )


def datasource_access_list(*, membership: Membership) -> list[SourceAccess]:
    """The org's data sources the member may use, each with the tables their policy allows.

    A restricted source needs the member's `use_datasource` grant; without it the source is not
    listed at all (the same rule the pipeline applies before answering).
    """
    from apps.governance.services import policy_resolve

    user = membership.user
    result = []
    for source in datasource_list(org=membership.organization):
        if source.restricted and not user.has_perm("knowledge.use_datasource", source):
            continue
        catalog = catalog_snapshot(data_source=source)
        policy = policy_resolve(membership=membership, catalog=catalog.policy_flags())
        result.append(SourceAccess(source=source, catalog=catalog, policy=policy))
    return result


def document_visible_list(
    *,
    membership: Membership,
    access: list[SourceAccess] | None = None,
    q: str | None = None,
    kind: str | None = None,
) -> QuerySet[Document]:
    """The org's documents this member may read, by kind and title.

    Visible: a document of a usable source (or of none) that is about no particular table, or
    about a table the member's policy allows on that source (for a document with no source:
    on any source). The same rule retrieval applies, so the browser never shows what the
    assistant would not use.
    """
    access = datasource_access_list(membership=membership) if access is None else access
    allowed_anywhere: set[str] = set()
    about_allowed_table = Q(pk__in=[])
    for entry in access:
        allowed = entry.policy.allowed_tables
        allowed_anywhere |= allowed
        about_allowed_table |= Q(data_source_id=entry.source.pk, table_name__in=allowed)
    about_allowed_table |= Q(data_source__isnull=True, table_name__in=allowed_anywhere)
    usable_source = Q(data_source__isnull=True) | Q(
        data_source_id__in=[entry.source.pk for entry in access]
    )
    qs = Document.all_tenants.for_org(membership.organization).filter(
        usable_source & (Q(table_name="") | about_allowed_table)
    )
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q))
    return qs.select_related("data_source").order_by("kind", "title", "pk")


def document_body_visible(*, document: Document, access: list[SourceAccess]) -> str:
    """The document's text without the lines naming a table or column hidden from the member.

    A glossary or a note is about no table, yet a line of it may describe one the member may
    not see ("empleados.salario …"): those lines are dropped, as retrieval drops them.
    """
    if document.data_source_id:
        entries = [e for e in access if e.source.pk == document.data_source_id]
    else:  # about no source: hidden from the member on any source means hidden here
        entries = access
    denied: set[str] = set()
    for entry in entries:
        denied |= entry.denied_terms
    return redact_lines(document.body, denied)


def demo_accounts() -> list[dict[str, str]]:
    """The demo users `seed_demo` created that still exist as it left them (same org, role and
    demo e-mail address), for the login page of a demo; empty when the demo is not seeded."""
    from apps.governance.models import Membership
    from apps.knowledge.management.commands.seed_demo import DEMO_PASSWORD, ORGS

    wanted = {
        (spec["slug"], username, str(role)): f"{username}@{spec['slug']}.example"
        for spec in ORGS
        for username, role, _attributes in spec["users"]
    }
    members = Membership.all_tenants.filter(
        organization__slug__in=[spec["slug"] for spec in ORGS],
        user__username__in=[username for _slug, username, _role in wanted],
    ).select_related("organization", "user")
    found = [
        {
            "username": m.user.username,
            "role": m.get_role_display(),
            "organization": m.organization.name,
            "password": DEMO_PASSWORD,
        }
        for m in members
        if wanted.get((m.organization.slug, m.user.username, m.role)) == m.user.email
    ]
    order = [username for _slug, username, _role in wanted]
    return sorted(found, key=lambda account: order.index(account["username"]))
