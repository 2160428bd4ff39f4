"""Knowledge reads: data sources, the catalog snapshot engines consume, documents."""

from __future__ import annotations

import threading

from django.db.models import Prefetch, QuerySet

from apps.governance.models import Organization
from apps.knowledge.engine.catalog import (
    CatalogSnapshot,
    ColumnInfo,
    ForeignKeyInfo,
    MetricDef,
    TableInfo,
)
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
    return DataSource.all_tenants.filter(organization=org).order_by("-is_default", "name")


def datasource_get(*, org: Organization, name: str | None = None) -> DataSource | None:
    """A named source of the org, or its default source when no name is given."""
    qs = datasource_list(org=org)
    if name:
        return qs.filter(name=name).first()
    return qs.filter(is_default=True).first() or qs.first()


_snapshot_cache: dict[tuple, CatalogSnapshot] = {}
_snapshot_lock = threading.Lock()


def catalog_snapshot(*, data_source: DataSource) -> CatalogSnapshot:
    """The source's catalog as plain data, memoised per schema and knowledge version."""
    org = data_source.organization
    key = (data_source.pk, data_source.schema_version, org.knowledge_version)
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
                columns=tuple(
                    ColumnInfo(
                        name=c.name,
                        type=c.data_type,
                        primary_key=c.primary_key,
                        pii=c.pii,
                        description=c.description,
                        synonyms=tuple(c.synonyms or ()),
                        values=tuple(c.distinct_values) if c.distinct_values is not None else None,
                    )
                    for c in t.columns.all()
                ),
            )
            for t in tables
        ),
        foreign_keys=tuple(
            ForeignKeyInfo(fk.table, fk.column, fk.ref_table, fk.ref_column)
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
    return Document.all_tenants.filter(organization=org).order_by("kind", "title")


def example_list(*, data_source: DataSource, status: str | None = None) -> QuerySet:
    qs = VerifiedExample.all_tenants.filter(data_source=data_source)
    return qs.filter(status=status) if status else qs
