"""The semantic-layer file in and out of a data source (docs/semantic-layer.md).

`semantic_layer_export` reads what stewards curated about a source into the file's text;
`semantic_layer_import` writes a file back, as a steward's edits: every changed object is
recorded in `KnowledgeChange` and bumps the org's knowledge version (cached answers die), the
documents are re-indexed by the index task their save enqueues, and metric expressions, metric
filters and verified examples pass the SQL guard first. Import merges: a key the file gives is
set, a key it leaves out is left as it is; nothing the file does not name is deleted.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from django.db import transaction
from django.db.models import Q
from sqlglot import exp

from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.guard import guard_sql
from apps.governance.engine.policy import DataPolicy
from apps.knowledge.engine.catalog import CatalogSnapshot
from apps.knowledge.engine.semantic_file import (
    ColumnSpec,
    DocumentSpec,
    ExampleSpec,
    GlossarySpec,
    MetricSpec,
    RelationshipSpec,
    SemanticFile,
    SemanticFileError,
    TableSpec,
    semantic_file_dump,
    semantic_file_parse,
    where,
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
from apps.knowledge.selectors import catalog_snapshot
from apps.knowledge.services import (
    document_upsert,
    example_upsert,
    knowledge_version_bump,
    metric_upsert,
)

_SOURCE_KINDS = (Document.Kind.TABLE, Document.Kind.METRIC, Document.Kind.NOTE)


# --- export ------------------------------------------------------------------------------------


def semantic_layer_build(*, data_source: DataSource) -> SemanticFile:
    """What the stewards curated about `data_source`, as the file's model."""
    org = data_source.organization
    tables: dict[str, TableSpec] = {}
    for table in (
        CatalogTable.all_tenants.filter(data_source=data_source)
        .prefetch_related("columns")
        .order_by("name")
    ):
        columns = {
            c.name: ColumnSpec(
                description=c.description or None,
                synonyms=list(c.synonyms) or None,
                currency=c.currency or None,
                unit=c.unit or None,
                pii=c.pii,
            )
            for c in sorted(table.columns.all(), key=lambda c: (c.position, c.name))
        }
        tables[table.name] = TableSpec(
            description=table.description or None,
            synonyms=list(table.synonyms) or None,
            label_column=table.label_column or None,
            columns=columns,
        )
    relationships = [
        RelationshipSpec(
            **{"from": f"{k.table}.{k.column}"},
            to=f"{k.ref_table}.{k.ref_column}",
            cardinality=k.cardinality,
        )
        for k in CatalogForeignKey.all_tenants.filter(data_source=data_source).order_by(
            "table", "column", "ref_table", "ref_column"
        )
    ]
    metrics = [
        MetricSpec(
            name=m.name,
            table=m.table_name,
            expression=m.expression,
            filters=list(m.filters or []),
            format=m.format or None,
            unit=m.unit or None,
            synonyms=list(m.synonyms or []),
            description=m.description,
            document=m.document.title if m.document_id else None,
        )
        for m in Metric.all_tenants.filter(data_source=data_source)
        .select_related("document")
        .order_by("name")
    ]
    documents = Document.all_tenants.filter(
        Q(data_source=data_source) | Q(data_source__isnull=True), organization=org
    ).order_by("kind", "title", "pk")
    glossary = [
        GlossarySpec(title=d.title, body=d.body, org_wide=d.data_source_id is None)
        for d in documents
        if d.kind == Document.Kind.GLOSSARY
    ]
    others = [
        DocumentSpec(
            title=d.title,
            kind=d.kind,
            table=d.table_name,
            body=d.body,
            org_wide=d.data_source_id is None,
        )
        for d in documents
        if d.kind in _SOURCE_KINDS
    ]
    examples = [
        ExampleSpec(question=e.question, sql=e.sql)
        for e in VerifiedExample.all_tenants.filter(
            data_source=data_source, status=VerifiedExample.Status.APPROVED
        ).order_by("question", "pk")
    ]
    return SemanticFile(
        source=data_source.name,
        dialect=data_source.dialect,
        tables=tables,
        relationships=relationships,
        metrics=metrics,
        glossary=glossary,
        documents=others,
        examples=examples,
    )


def semantic_layer_export(*, data_source: DataSource) -> str:
    """The source's semantic-layer file (YAML text); deterministic for the same knowledge."""
    return semantic_file_dump(semantic_layer_build(data_source=data_source))


# --- checks against the source -----------------------------------------------------------------


def _steward_policy(catalog: CatalogSnapshot) -> DataPolicy:
    """The guard's rules without a role's restrictions: a definition must be valid SQL over the
    source, read-only, on known tables and columns; who may see what is decided when asked."""
    return DataPolicy(
        role="knowledge-check",  # the guard alone reads this policy; nothing runs as it
        can_query=True,
        allowed_tables=frozenset(t.name for t in catalog.tables),
        masked_columns=frozenset(),
    )


def _quote(name: str, dialect: str) -> str:
    return exp.to_identifier(name, quoted=True).sql(dialect=dialect)


def _metric_sql(metric: MetricSpec, catalog: CatalogSnapshot) -> str:
    """A query using the metric as the engines will: its expression over its table, joined to
    the other tables it names, with its filters."""
    dialect = catalog.dialect
    named = {metric.table}
    for text in (metric.expression, *metric.filters):
        with contextlib.suppress(sqlglot.errors.ParseError):  # the guard will say what is wrong
            named |= {t.table for t in sqlglot.parse_one(text, read=dialect).find_all(exp.Column)}
    named.discard("")
    tables = [metric.table, *sorted(t for t in named if t != metric.table)]
    sql = f"SELECT {metric.expression} AS value FROM " + ", ".join(
        _quote(t, dialect) for t in tables
    )
    if metric.filters:
        sql += " WHERE " + " AND ".join(f"({f})" for f in metric.filters)
    return sql


def metric_sql(
    *, expression: str, table: str, catalog: CatalogSnapshot, filters: tuple[str, ...] = ()
) -> str:
    """The query that checks (and previews) a metric definition: what an import runs through
    the guard, for the knowledge gaps page's "define a metric" fix too."""
    from types import SimpleNamespace

    spec = SimpleNamespace(expression=expression, table=table, filters=list(filters))
    return _metric_sql(spec, catalog)  # type: ignore[arg-type]


def _guard_problem(sql: str, catalog: CatalogSnapshot, policy: DataPolicy) -> str | None:
    try:
        guard_sql(sql, dialect=catalog.dialect, schema=catalog.schema_mapping(), policy=policy)
    except SqlRefusal as refusal:
        return f"refused by the SQL guard: {refusal.message} ({refusal.code})"
    return None


def semantic_layer_check(
    data: SemanticFile,
    *,
    catalog: CatalogSnapshot,
    metric_documents: frozenset[str] = frozenset(),
    root: Any = None,
    name: str = "file",
) -> list[str]:
    """Every problem of `data` against the source: unknown tables and columns, a label column
    the table lacks, relationships between unknown columns, and metrics or examples the SQL
    guard refuses (with the guard's message). Empty when the file can be imported."""
    problems: list[str] = []

    def problem(path: tuple[Any, ...], message: str) -> None:
        problems.append(f"{name}: {where(root, path)}: {message}")

    known = {t.name: {c.name for c in t.columns} for t in catalog.tables}
    for table, spec in data.tables.items():
        if table not in known:
            problem(("tables", table), f"no table {table} in the source")
            continue
        for column in spec.columns:
            if column not in known[table]:
                problem(("tables", table, "columns", column), f"no column {table}.{column}")
        if spec.label_column and spec.label_column not in known[table]:
            problem(("tables", table, "label_column"), f"no column {table}.{spec.label_column}")
    for index, rel in enumerate(data.relationships):
        table, column, ref_table, ref_column = rel.ends()
        for key, (t, c) in (("from", (table, column)), ("to", (ref_table, ref_column))):
            if c not in known.get(t, ()):
                problem(("relationships", index, key), f"no column {t}.{c} in the source")
    policy = _steward_policy(catalog)
    for index, metric in enumerate(data.metrics):
        if metric.table not in known:
            problem(("metrics", index, "table"), f"no table {metric.table} in the source")
            continue
        # The expression alone first, so the problem is pinned on the part that has it.
        bare = metric.model_copy(update={"filters": []})
        refused = _guard_problem(_metric_sql(bare, catalog), catalog, policy)
        path: tuple[Any, ...] = ("metrics", index, "expression")
        if not refused and metric.filters:
            refused = _guard_problem(_metric_sql(metric, catalog), catalog, policy)
            path = ("metrics", index, "filters")
        if refused:
            problem(path, f"metric {metric.name}: {refused}")
    for index, example in enumerate(data.examples):
        refused = _guard_problem(example.sql, catalog, policy)
        if refused:
            problem(("examples", index, "sql"), refused)
    titles = metric_documents | {d.title for d in data.documents if d.kind == "METRIC"}
    for index, metric in enumerate(data.metrics):
        if metric.document and metric.document not in titles:
            problem(
                ("metrics", index, "document"),
                f"no METRIC document titled {metric.document!r} (in documents: or already)",
            )
    return problems


# --- import ------------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    """What an import changed (counts of changed objects; unchanged ones are not counted)."""

    tables: int = 0
    columns: int = 0
    relationships: int = 0
    metrics: int = 0
    documents: int = 0
    examples: int = 0
    knowledge_version: int = 0
    changed: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.tables} tables, {self.columns} columns, {self.relationships} relationships, "
            f"{self.metrics} metrics, {self.documents} documents, {self.examples} examples "
            f"changed; knowledge version {self.knowledge_version}"
        )


def _empty(key: str) -> Any:
    """What `key: null` in the file stores: nothing documented."""
    return [] if key == "synonyms" else False if key == "pii" else ""


def _assign(obj: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Set the given fields; return {field: new value} of those that changed."""
    changed = {}
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed[key] = value
    return changed


def _tables_used(sql: str, dialect: str) -> list[str]:
    try:
        return sorted({t.name for t in sqlglot.parse_one(sql, read=dialect).find_all(exp.Table)})
    except sqlglot.errors.ParseError:
        return []


@transaction.atomic
def semantic_layer_apply(
    data: SemanticFile, *, data_source: DataSource, user: Any = None, channel: str = "cli"
) -> ImportSummary:
    """Write a checked file into the source's knowledge (see the module docstring)."""
    org = data_source.organization
    summary = ImportSummary()
    for name, spec in data.tables.items():
        table = CatalogTable.all_tenants.get(data_source=data_source, name=name)
        given = spec.model_dump(exclude_unset=True, exclude={"columns"})
        values = {k: _empty(k) if v is None else v for k, v in given.items()}
        changed = _assign(table, values)
        if changed:
            table.save()
            summary.tables += 1
        columns_changed = {}
        for column_name, cspec in spec.columns.items():
            column = CatalogColumn.all_tenants.get(table=table, name=column_name)
            cgiven = cspec.model_dump(exclude_unset=True)
            cvalues = {k: _empty(k) if v is None else v for k, v in cgiven.items()}
            cchanged = _assign(column, cvalues)
            if cchanged:
                if column.pii:  # a personal column's values are never kept
                    column.distinct_values = None
                column.save()
                summary.columns += 1
                columns_changed[column_name] = sorted(cchanged)
        if changed or columns_changed:
            knowledge_version_bump(
                org=org,
                user=user,
                object_type="catalogtable",
                object_id=table.pk,
                action="imported",
                changes={"fields": sorted(changed), "columns": columns_changed, "via": channel},
            )
    for rel in data.relationships:
        table, column, ref_table, ref_column = rel.ends()
        fk, created = CatalogForeignKey.all_tenants.get_or_create(
            organization=org,
            data_source=data_source,
            table=table,
            column=column,
            ref_table=ref_table,
            ref_column=ref_column,
            defaults={"cardinality": rel.cardinality, "declared": True},
        )
        if created or fk.cardinality != rel.cardinality:
            fk.cardinality = rel.cardinality
            fk.save(update_fields=["cardinality"])
            summary.relationships += 1
            knowledge_version_bump(
                org=org,
                user=user,
                object_type="catalogforeignkey",
                object_id=fk.pk,
                action="imported",
                changes={"relationship": str(fk), "cardinality": rel.cardinality},
            )
    for doc in [*data.glossary, *data.documents]:
        kind = getattr(doc, "kind", Document.Kind.GLOSSARY)
        _, changed = document_upsert(
            org=org,
            title=doc.title,
            body=doc.body,
            kind=kind,
            data_source=None if doc.org_wide else data_source,
            table_name=getattr(doc, "table", ""),
            user=user,
        )
        summary.documents += int(changed)
    for metric in data.metrics:
        document = (
            Document.all_tenants.for_org(org)
            .filter(title=metric.document, kind=Document.Kind.METRIC)
            .first()
            if metric.document
            else None
        )
        _, changed = metric_upsert(
            data_source=data_source,
            name=metric.name,
            expression=metric.expression,
            table_name=metric.table,
            synonyms=list(metric.synonyms),
            description=metric.description,
            document=document,
            filters=list(metric.filters),
            format=metric.format or "",
            unit=metric.unit or "",
            user=user,
        )
        summary.metrics += int(changed)
    for example in data.examples:
        _, changed = example_upsert(
            data_source=data_source,
            question=example.question,
            sql=example.sql,
            tables_used=_tables_used(example.sql, data_source.dialect),
            user=user,
        )
        summary.examples += int(changed)
    counts = (summary.tables, summary.columns, summary.relationships, summary.metrics)
    if any(counts) or summary.documents or summary.examples:
        summary.knowledge_version = knowledge_version_bump(
            org=org,
            user=user,
            object_type="datasource",
            object_id=data_source.pk,
            action="semantic_layer_imported",
            changes={"summary": summary.line(), "via": channel},
        )
    else:  # the same file again: nothing changed, no cached answer needs to die
        org.refresh_from_db(fields=["knowledge_version"])
        summary.knowledge_version = org.knowledge_version
    return summary


def semantic_layer_import(
    *,
    data_source: DataSource,
    text: str,
    user: Any = None,
    channel: str = "cli",
    name: str = "file",
) -> ImportSummary:
    """Parse, check and apply a semantic-layer file; raises SemanticFileError (every problem
    with its line and path) before anything changes."""
    data, root = semantic_file_parse(text, name=name)
    catalog = catalog_snapshot(data_source=data_source)
    metric_documents = frozenset(
        Document.all_tenants.for_org(data_source.organization)
        .filter(kind=Document.Kind.METRIC)
        .values_list("title", flat=True)
    )
    problems = semantic_layer_check(
        data, catalog=catalog, metric_documents=metric_documents, root=root, name=name
    )
    if problems:
        code = (
            "semantic_layer_sql_refused"
            if any("SQL guard" in p for p in problems)
            else "semantic_layer_unknown_name"
        )
        raise SemanticFileError(problems, code=code)
    return semantic_layer_apply(data, data_source=data_source, user=user, channel=channel)
