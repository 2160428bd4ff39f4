"""Knowledge writes: data sources, catalog refresh, documents, metrics, examples, versions."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from secrets import token_hex
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.governance.engine.dialects import ConnectionFailed, get_dialect
from apps.governance.models import AuditEntry, Membership, Organization
from apps.governance.services import audit_record
from apps.knowledge import secrets
from apps.knowledge.engine import introspection
from apps.knowledge.engine import pii as pii_rules
from apps.knowledge.locations import LocationError, location_check, location_probe, url_kind
from apps.knowledge.models import (
    CatalogColumn,
    CatalogForeignKey,
    CatalogTable,
    DataSource,
    Document,
    FlagSource,
    KnowledgeChange,
    Metric,
    VerifiedExample,
)


@transaction.atomic
def knowledge_version_bump(
    *,
    org: Organization,
    user: Any = None,
    object_type: str,
    object_id: int,
    action: str,
    changes: Mapping[str, Any] | None = None,
) -> int:
    """Record a knowledge change and bump the org's version (every dependent cache entry dies)."""
    Organization.objects.filter(pk=org.pk).update(knowledge_version=F("knowledge_version") + 1)
    org.refresh_from_db(fields=["knowledge_version"])
    KnowledgeChange.all_tenants.create(
        organization=org,
        user=user if getattr(user, "pk", None) else None,
        object_type=object_type,
        object_id=object_id,
        action=action,
        changes=dict(changes or {}),
        knowledge_version=org.knowledge_version,
    )
    if getattr(user, "pk", None):
        # A person's edit (a steward in the admin or the review queue) is also an audit-chain
        # entry, so compliance sees knowledge edits beside questions and data-source changes.
        # The seed and catalog refreshes without a user stay in KnowledgeChange only.
        fields = sorted(str(name) for name in (changes or {}))
        audit_record(
            org=org,
            user=user,
            role=_actor_role(org, user),
            action="knowledge_change",
            channel="web",
            question=f"{object_type} #{object_id} {action}"
            + (f": {', '.join(fields)}" if fields else ""),
            outcome=AuditEntry.Outcome.ANSWERED,
            details={
                "object_type": object_type,
                "object_id": object_id,
                "change": action,
                "fields": fields,
                "knowledge_version": org.knowledge_version,
            },
        )
    return org.knowledge_version


@transaction.atomic
def datasource_create(
    *,
    org: Organization,
    name: str,
    kind: str,
    location: str,
    display_name: str = "",
    is_default: bool = False,
    restricted: bool | None = None,
    user: Any = None,
    channel: str = "cli",
    probe: bool = True,
    location_generated: bool = False,
) -> DataSource:
    """Register a data source (or update the location of an existing one of that name).

    The location must pass the location rules (`knowledge/locations.py`) and, with `probe`, open;
    otherwise `LocationError` (nothing is saved). A new source is `restricted` unless told
    otherwise: nobody but the users granted `use_datasource` may query it until an admin opens it.
    Creating or changing it appends an entry to the org's audit chain.
    """
    source = DataSource.all_tenants.for_org(org).filter(name=name).first()
    if source is None:
        source = DataSource(organization=org, name=name, restricted=restricted is not False)
    elif restricted is not None:
        source.restricted = restricted
    source.kind = kind
    source.display_name = display_name or source.display_name or name
    source.is_default = is_default or source.is_default
    return datasource_save(
        source=source,
        location=location,
        user=user,
        channel=channel,
        probe=probe,
        location_generated=location_generated,
    )


_AUDITED_FIELDS = ("organization_id", "name", "display_name", "kind", "is_default", "restricted")


@transaction.atomic
def datasource_save(
    *,
    source: DataSource,
    location: str | None = None,
    user: Any = None,
    channel: str = "web",
    probe: bool = True,
    location_generated: bool = False,
) -> DataSource:
    """Save a data source, with its new `location` when one is given, and audit what changed.

    Only platform staff set locations: with a `user` who is not a superuser, a location, a kind
    or an organization change is refused (`location_superuser_only`); commands (no user) run as
    the platform operator. `location_generated` is the one exception: a SQLite file name the
    platform generated itself for an upload into the org's own folder
    (`datasource_connect`), which the org's admin chose no part of. A kind or organization
    change re-checks the stored location under the
    new meaning. A changed location bumps the org's knowledge version (no cached answer from the
    old one survives).
    """
    before = DataSource.all_tenants.filter(pk=source.pk).first() if source.pk else None
    org = source.organization
    moved = before is not None and (
        before.kind != source.kind or before.organization_id != source.organization_id
    )
    generated = (
        location_generated
        and not get_dialect(source.kind).server  # a file DataChat wrote into the org's folder
        and not (before is not None and before.organization_id != source.organization_id)
    )
    staff = user is None or getattr(user, "is_superuser", False)
    if not staff and (location or moved) and not generated:
        raise LocationError("location_superuser_only")
    location_changed = False
    if location:
        checked = location_check(org=org, kind=source.kind, location=location)
        location_changed = before is None or moved or _stored(before) != checked.stored
    elif before is None:
        raise LocationError("location_invalid", "A new data source needs a location.")
    elif moved:
        checked = location_check(org=org, kind=source.kind, location=before.stored_location())
        location_changed = True
    if location_changed:
        if probe:
            location_probe(checked)
        source.set_location(checked.stored)
    changed = [
        field
        for field in _AUDITED_FIELDS
        if before is None or getattr(before, field) != getattr(source, field)
    ]
    if location_changed:
        changed.append("location")
    source.save()
    if source.is_default:
        DataSource.all_tenants.for_org(org).exclude(pk=source.pk).update(is_default=False)
    if before is not None and not changed:
        return source
    if before is not None and location_changed:
        knowledge_version_bump(
            org=org,
            user=user,
            object_type="datasource",
            object_id=source.pk,
            action="location_changed",
            changes={"location": source.display_location()},
        )
    audit_record(
        org=org,
        user=user,
        role=_actor_role(org, user),
        action="datasource_create" if before is None else "datasource_update",
        channel=channel,
        source=source.name,
        outcome=AuditEntry.Outcome.ANSWERED,
        details={
            "datasource_id": source.pk,
            "changed": changed,
            "kind": source.kind,
            "location": source.display_location(),
            "restricted": source.restricted,
            "is_default": source.is_default,
        },
    )
    return source


@transaction.atomic
def datasource_delete(*, source: DataSource, user: Any = None, channel: str = "web") -> None:
    """Delete a data source (its catalog and knowledge go with it) and audit it."""
    org, name, pk = source.organization, source.name, source.pk
    source.delete()
    audit_record(
        org=org,
        user=user,
        role=_actor_role(org, user),
        action="datasource_delete",
        channel=channel,
        source=name,
        outcome=AuditEntry.Outcome.ANSWERED,
        details={"datasource_id": pk},
    )


def datasource_location_refused(
    *, org: Organization, user: Any, name: str, kind: str, error: LocationError, channel: str
) -> None:
    """Audit a refused attempt to set a location (the code, never the location itself: it may
    hold a password)."""
    audit_record(
        org=org,
        user=user,
        role=_actor_role(org, user),
        action="datasource_location",
        channel=channel,
        source=(name or "")[:100],
        outcome=AuditEntry.Outcome.REFUSED,
        code=error.code,
        rule=f"datasource.location.{error.code}",
        details={"kind": kind},
    )


def _stored(source: DataSource) -> str | None:
    try:
        return source.stored_location()
    except ValueError:  # encrypted under another key: whatever it was, it is replaced
        return None


def _actor_role(org: Organization, user: Any) -> str:
    if getattr(user, "pk", None) is None:
        return ""
    membership = Membership.all_tenants.for_org(org).filter(user=user).first()
    if membership is not None:
        return membership.role
    return "PLATFORM" if getattr(user, "is_superuser", False) else ""


@transaction.atomic
def catalog_refresh(
    *,
    data_source: DataSource,
    table_meta: Mapping[str, Mapping[str, Any]] | None = None,
    column_meta: Mapping[tuple[str, str], Mapping[str, Any]] | None = None,
    user: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Introspect the source into the catalog.

    Raises `LocationError` when the location breaks the rules or cannot be opened (nothing
    changes then). Curated fields (descriptions, synonyms) already in the catalog survive a
    refresh; `table_meta`/`column_meta` (e.g. from the demo content) fill them where empty, and
    a `pii`/`sensitive` given there counts as a steward's. Personal-data flags (`pii`, a table's
    `sensitive`) are re-detected at every refresh unless a steward set them (`pii_source`,
    `sensitive_source` = steward): then they are kept. Personal columns are never
    value-indexed. Tables and columns that disappeared are removed, and verified examples that
    used them go stale. `progress(done, total)` is called after each table.
    """
    tables, fks, counts = _introspect(data_source)
    org = data_source.organization
    table_meta = table_meta or {}
    column_meta = column_meta or {}
    seen_tables = set()
    seen_columns: set[tuple[str, str]] = set()
    for done, info in enumerate(tables, start=1):
        seen_tables.add(info.name)
        meta = table_meta.get(info.name, {})
        table, _ = CatalogTable.all_tenants.get_or_create(
            organization=org, data_source=data_source, name=info.name
        )
        table.description = table.description or meta.get("description", "")
        table.synonyms = table.synonyms or list(meta.get("synonyms", []))
        table.label_column = table.label_column or meta.get("label_column", "")
        table.row_estimate = counts.get(info.name, 0)
        flags = []
        for position, col in enumerate(info.columns):
            seen_columns.add((info.name, col.name))
            cmeta = column_meta.get((info.name, col.name), {})
            column, _created = CatalogColumn.all_tenants.get_or_create(
                organization=org, table=table, name=col.name
            )
            if "pii" in cmeta:
                column.pii, column.pii_source = bool(cmeta["pii"]), FlagSource.STEWARD
            elif column.pii_source != FlagSource.STEWARD:
                column.pii = col.pii
            column.data_type = col.type
            column.position = position
            column.primary_key = col.primary_key
            column.description = (
                column.description or cmeta.get("description", "") or col.description
            )
            column.synonyms = column.synonyms or list(cmeta.get("synonyms", []))
            column.currency = column.currency or cmeta.get("currency", "") or col.currency
            column.unit = column.unit or cmeta.get("unit", "") or col.unit
            column.distinct_values = (
                None if column.pii else (list(col.values) if col.values is not None else None)
            )
            column.save()
            flags.append(pii_rules.ColumnFlag(col.name, column.pii, col.primary_key))
        if "sensitive" in meta:
            table.sensitive, table.sensitive_source = bool(meta["sensitive"]), FlagSource.STEWARD
        elif table.sensitive_source != FlagSource.STEWARD:
            # Decided on the columns' flags as they stand (a steward's unflagging counts).
            table.sensitive = pii_rules.table_sensitive(info.name, flags)
        table.save()
        CatalogColumn.all_tenants.filter(table=table).exclude(
            name__in=[c.name for c in info.columns]
        ).delete()
        if progress is not None:
            progress(done, len(tables))
    CatalogTable.all_tenants.filter(data_source=data_source).exclude(name__in=seen_tables).delete()
    # The database's own keys are re-read; a steward's declared ones (and the cardinality a
    # steward gave an introspected one) survive.
    known = CatalogForeignKey.all_tenants.filter(data_source=data_source)
    cardinality = {(k.table, k.column, k.ref_table, k.ref_column): k.cardinality for k in known}
    declared = {(k.table, k.column, k.ref_table, k.ref_column) for k in known.filter(declared=True)}
    known.filter(declared=False).delete()
    CatalogForeignKey.all_tenants.bulk_create(
        CatalogForeignKey(
            organization=org,
            data_source=data_source,
            table=fk.table,
            column=fk.column,
            ref_table=fk.ref_table,
            ref_column=fk.ref_column,
            cardinality=cardinality.get(
                (fk.table, fk.column, fk.ref_table, fk.ref_column),
                CatalogForeignKey.Cardinality.MANY_TO_ONE,
            ),
        )
        for fk in fks
        if (fk.table, fk.column, fk.ref_table, fk.ref_column) not in declared
    )
    stale = example_mark_stale(data_source=data_source, tables=seen_tables, columns=seen_columns)
    DataSource.all_tenants.filter(pk=data_source.pk).update(
        schema_version=F("schema_version") + 1, refreshed_at=timezone.now()
    )
    data_source.refresh_from_db()
    knowledge_version_bump(
        org=org,
        user=user,
        object_type="datasource",
        object_id=data_source.pk,
        action="schema_refreshed",
        changes={"tables": sorted(seen_tables)},
    )
    return {"tables": len(seen_tables), "columns": len(seen_columns), "stale_examples": stale}


def _introspect(data_source: DataSource):  # noqa: ANN202
    engine = get_dialect(data_source.kind)  # UnknownDialect for a kind nobody registered
    checked = data_source.checked_location()  # the location rules, again, before opening
    location_probe(checked)
    try:
        return introspection.introspect(
            engine, checked.connection(), timeout_s=settings.DATACHAT_INTROSPECTION_TIMEOUT_S
        )
    except (*engine.driver_errors, OSError) as exc:
        raise LocationError("location_unavailable", detail=str(exc)[:300]) from None


def example_mark_stale(
    *, data_source: DataSource, tables: set[str], columns: set[tuple[str, str]]
) -> int:
    """Mark approved examples stale when a table or column they use no longer exists."""
    stale = 0
    for example in VerifiedExample.all_tenants.filter(
        data_source=data_source, status=VerifiedExample.Status.APPROVED
    ):
        missing = [t for t in example.tables_used if t not in tables] + [
            c for c in example.columns_used if tuple(c.split(".", 1)) not in columns
        ]
        if missing:
            example.status = VerifiedExample.Status.STALE
            example.stale_reason = "No longer in the schema: " + ", ".join(missing)
            example.save(update_fields=["status", "stale_reason"])
            stale += 1
    return stale


@transaction.atomic
def document_upsert(
    *,
    org: Organization,
    title: str,
    body: str,
    kind: str,
    data_source: DataSource | None = None,
    table_name: str = "",
    user: Any = None,
    generated: bool = False,
) -> tuple[Document, bool]:
    """Create a document or update the one with this title; returns (document, changed)."""
    doc = Document.all_tenants.for_org(org).filter(title=title, kind=kind).first()
    if doc is not None and doc.body == body and doc.table_name == table_name:
        return doc, False
    if doc is None:
        doc = Document(organization=org, title=title, kind=kind, generated=generated)
        action = "created"
    else:
        doc.version += 1
        action = "updated"
    doc.body = body
    doc.data_source = data_source
    doc.table_name = table_name
    doc.updated_by = user if getattr(user, "pk", None) else None
    doc.save()
    knowledge_version_bump(
        org=org,
        user=user,
        object_type="document",
        object_id=doc.pk,
        action=action,
        changes={"title": title},
    )
    return doc, True


@transaction.atomic
def metric_upsert(
    *,
    data_source: DataSource,
    name: str,
    expression: str,
    table_name: str,
    synonyms: list[str],
    description: str = "",
    document: Document | None = None,
    filters: list[str] | None = None,
    format: str = "",  # noqa: A002 - the field's name
    unit: str = "",
    user: Any = None,
) -> tuple[Metric, bool]:
    """Create or update the source's metric called `name`; returns (metric, changed)."""
    metric = Metric.all_tenants.filter(data_source=data_source, name=name).first()
    values = {
        "expression": expression,
        "table_name": table_name,
        "synonyms": list(synonyms),
        "description": description,
        "document": document,
        "filters": list(filters or []),
        "format": format,
        "unit": unit,
    }
    if metric is not None and all(getattr(metric, k) == v for k, v in values.items()):
        return metric, False
    if metric is None:
        metric = Metric(organization=data_source.organization, data_source=data_source, name=name)
    for key, value in values.items():
        setattr(metric, key, value)
    metric.save()
    knowledge_version_bump(
        org=data_source.organization,
        user=user,
        object_type="metric",
        object_id=metric.pk,
        action="upserted",
        changes={"name": name},
    )
    return metric, True


@transaction.atomic
def example_upsert(
    *,
    data_source: DataSource,
    question: str,
    sql: str,
    tables_used: list[str],
    status: str = VerifiedExample.Status.APPROVED,
    user: Any = None,
) -> tuple[VerifiedExample, bool]:
    example = VerifiedExample.all_tenants.filter(data_source=data_source, question=question).first()
    if example is not None and example.sql == sql:
        return example, False
    if example is None:
        example = VerifiedExample(
            organization=data_source.organization, data_source=data_source, question=question
        )
    example.sql = sql
    example.tables_used = tables_used
    example.status = status
    if status == VerifiedExample.Status.APPROVED:
        example.reviewed_by = user if getattr(user, "pk", None) else None
        example.reviewed_at = timezone.now()
    example.save()
    knowledge_version_bump(
        org=data_source.organization,
        user=user,
        object_type="example",
        object_id=example.pk,
        action="upserted",
        changes={"question": question[:200]},
    )
    return example, True


@transaction.atomic
def example_propose(
    *,
    data_source: DataSource,
    question: str,
    sql: str,
    tables_used: list[str],
    user: Any,
    source_message_id: int,
) -> tuple[VerifiedExample, bool]:
    """Propose a question→SQL pair for a steward's review (a 👍 on an answer does this).

    Never touches an existing example: upserting by question could demote an approved one.
    Idempotent per message, and a pair already known with the same SQL is not proposed again.
    A proposal changes no answer, so the knowledge version (and every cache) stays as it is;
    the change is still recorded in the steward's history.
    """
    org = data_source.organization
    existing = (
        VerifiedExample.all_tenants.for_org(org)
        .filter(data_source=data_source)
        .filter(Q(source_message_id=source_message_id) | Q(question=question, sql=sql))
        .first()
    )
    if existing is not None:
        return existing, False
    example = VerifiedExample.all_tenants.create(
        organization=org,
        data_source=data_source,
        question=question,
        sql=sql,
        tables_used=tables_used,
        status=VerifiedExample.Status.PROPOSED,
        proposed_by=user if getattr(user, "pk", None) else None,
        source_message_id=source_message_id,
    )
    KnowledgeChange.all_tenants.create(
        organization=org,
        user=example.proposed_by,
        object_type="example",
        object_id=example.pk,
        action="proposed",
        changes={"question": question[:200], "source_message_id": source_message_id},
        knowledge_version=org.knowledge_version,
    )
    return example, True


@transaction.atomic
def example_review(*, example: VerifiedExample, user: Any, approve: bool) -> VerifiedExample:
    """A steward approves or rejects a (proposed) example; approval makes it retrievable."""
    import sqlglot
    from sqlglot import exp

    example.status = VerifiedExample.Status.APPROVED if approve else VerifiedExample.Status.REJECTED
    example.reviewed_by = user if getattr(user, "pk", None) else None
    example.reviewed_at = timezone.now()
    if approve and not example.tables_used:
        try:
            tree = sqlglot.parse_one(example.sql, read=example.data_source.dialect)
            example.tables_used = sorted({t.name for t in tree.find_all(exp.Table)})
        except sqlglot.errors.ParseError:
            pass
    example.stale_reason = ""
    example.save()
    knowledge_version_bump(
        org=example.organization,
        user=user,
        object_type="verifiedexample",
        object_id=example.pk,
        action="approved" if approve else "rejected",
    )
    return example


# The words of a generated table document, per organization language.
_TABLE_DOC_WORDS = {
    "es": {
        "table": "Tabla",
        "columns": "Columnas",
        "primary_key": "clave primaria",
        "personal": "dato personal",
        "values": "valores",
        "relations": "Relaciones",
        "sensitive": "Tabla sensible (datos personales, salariales o bancarios).",
    },
    "en": {
        "table": "Table",
        "columns": "Columns",
        "primary_key": "primary key",
        "personal": "personal data",
        "values": "values",
        "relations": "Relationships",
        "sensitive": "Sensitive table (personal, salary or bank data).",
    },
}


class ExampleInvalid(ValueError):
    """An edited example's SQL is not one read-only SELECT in the source's dialect."""


@transaction.atomic
def example_edit(
    *, example: VerifiedExample, user: Any, question: str, sql: str
) -> VerifiedExample:
    """A steward corrects a proposed (or stale) example's question or SQL before approving it.

    The SQL must parse as a single SELECT in the source's dialect; the guard checks it again,
    under the asker's policy, every time the example's SQL is used.
    """
    import sqlglot
    from sqlglot import exp

    question = " ".join(question.split())
    sql = sql.strip().rstrip(";").strip()
    if not question or not sql:
        raise ExampleInvalid("empty")
    try:
        statements = [s for s in sqlglot.parse(sql, read=example.data_source.dialect) if s]
    except sqlglot.errors.ParseError as error:
        raise ExampleInvalid(str(error).splitlines()[0]) from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise ExampleInvalid("not a single SELECT")
    changed = {
        name: value
        for name, value in (("question", question), ("sql", sql))
        if getattr(example, name) != value
    }
    if not changed:
        return example
    example.question, example.sql = question, sql
    example.tables_used = sorted({t.name for t in statements[0].find_all(exp.Table)})
    example.save(update_fields=["question", "sql", "tables_used"])
    knowledge_version_bump(
        org=example.organization,
        user=user,
        object_type="verifiedexample",
        object_id=example.pk,
        action="updated",
        changes={name: value[:500] for name, value in changed.items()},
    )
    return example


def table_document_generate(*, data_source: DataSource, user: Any = None) -> int:
    """Create an editable TABLE document for each catalog table that has none yet.

    Generated from introspection (columns, types, keys, known values), in the organization's
    language (`Organization.language`); stewards then edit it.
    """
    org = data_source.organization
    words = _TABLE_DOC_WORDS.get(org.language, _TABLE_DOC_WORDS["es"])
    documented = set(
        Document.all_tenants.for_org(org)
        .filter(data_source=data_source, kind=Document.Kind.TABLE)
        .values_list("table_name", flat=True)
    )
    fks = list(CatalogForeignKey.all_tenants.filter(data_source=data_source))
    created = 0
    for table in CatalogTable.all_tenants.filter(data_source=data_source).prefetch_related(
        "columns"
    ):
        if table.name in documented:
            continue
        lines = [f"# {words['table']} {table.name}", "", table.description or ""]
        if table.sensitive:
            lines += ["", words["sensitive"]]
        lines += ["", f"## {words['columns']}", ""]
        for column in table.columns.all():
            extra = []
            if column.primary_key:
                extra.append(words["primary_key"])
            if column.pii:
                extra.append(words["personal"])
            if column.distinct_values:
                extra.append(f"{words['values']}: " + ", ".join(column.distinct_values[:20]))
            note = f" ({'; '.join(extra)})" if extra else ""
            lines.append(
                f"- {column.name} ({column.data_type}){note} {column.description}".rstrip()
            )
        joins = [fk for fk in fks if fk.table == table.name]
        if joins:
            lines += ["", f"## {words['relations']}", ""]
            lines += [f"- {fk.column} → {fk.ref_table}.{fk.ref_column}" for fk in joins]
        document_upsert(
            org=org,
            title=f"{words['table']} {table.name}",
            body="\n".join(lines).strip(),
            kind=Document.Kind.TABLE,
            data_source=data_source,
            table_name=table.name,
            user=user,
            generated=True,
        )
        created += 1
    return created


def datasource_locations_rekey(
    *, progress: Callable[[int, int, str], None] | None = None
) -> dict[str, int]:
    """Re-encrypt every data source's location with the first key of DATACHAT_FIELD_KEY.

    Every organization's sources, one row at a time, each written only if nobody changed it in
    the meantime (compare and set). A location already under the first key is left alone, so a
    second run changes nothing. One that no configured key decrypts is counted as `failed` and
    left as it is (the old key was dropped too early: put it back and run again).
    Returns the counts: `total`, `rekeyed`, `current`, `failed`.
    """
    rows = list(
        DataSource.all_tenants.order_by("pk").values_list(
            "pk", "organization__slug", "name", "location_encrypted"
        )
    )
    counts = {"total": len(rows), "rekeyed": 0, "current": 0, "failed": 0}
    for done, (pk, slug, name, token) in enumerate(rows, start=1):
        label = f"{slug}/{name}"
        if secrets.is_current(token):
            counts["current"] += 1
            outcome = "already current"
        else:
            try:
                fresh = secrets.reencrypt(token)
            except ValueError:
                counts["failed"] += 1
                outcome = "FAILED: no configured key decrypts it"
            else:
                DataSource.all_tenants.filter(pk=pk, location_encrypted=token).update(
                    location_encrypted=fresh
                )
                counts["rekeyed"] += 1
                outcome = "re-encrypted"
        if progress:
            progress(done, len(rows), f"{label}: {outcome}")
    return counts


# --- connecting a data source (admin, API, `manage.py add_datasource`) --------------------------

CONNECT_MESSAGES = {
    "connect_bad_input": "Give exactly one of a SQLite file or a PostgreSQL URL.",
    "connect_not_allowed": (
        "Only the organization's administrators (or platform staff) may connect a data source."
    ),
    "file_too_large": "The file is larger than the upload limit ({limit} MB).",
    "file_not_sqlite": "The file is not a SQLite database (or it is damaged).",
    "file_unreadable": "The file could not be read.",
    "source_kind_mismatch": (
        "A data source with this name exists and is not a spreadsheet source: choose another name."
    ),
}


class ConnectError(LocationError):
    """A connection refused before or while testing it; `code` is stable (the location codes of
    `knowledge/locations.py` plus those of `CONNECT_MESSAGES`)."""

    def __init__(self, code: str, message: str | None = None, *, detail: str = "") -> None:
        if message is None:
            limit = settings.DATACHAT_UPLOAD_MAX_MB
            message = CONNECT_MESSAGES[code].format(limit=limit)
        super().__init__(code, message, detail=detail)


@dataclass(frozen=True)
class ConnectResult:
    """What `datasource_connect` did: the source, and whether its introspection was queued
    (`queued`: follow `source.setup_status`) or done (`summary`: tables, columns, documents)."""

    source: DataSource
    queued: bool
    summary: dict[str, int]


def datasource_connect(
    org: Organization,
    name: str,
    *,
    file: Any = None,
    url: str | None = None,
    user: Any,
    default: bool = False,
    display_name: str = "",
    restricted: bool | None = None,
    channel: str = "cli",
    filename: str = "",
    table: str = "",
) -> ConnectResult:
    """Connect a data source in one step: checked, tested, introspected, documented, indexed.

    A spreadsheet (`file` named .csv/.tsv/.txt/.xlsx/.xlsm/.parquet, by `filename` or its own
    name) goes into the DuckDB file of the source `name` instead (`spreadsheet_connect`): each
    file or sheet a table (`table` names a CSV's or Parquet file's), replacing a table of the
    same name.

    `file` (a path, or an uploaded file) is copied into the org's folder under a generated name
    and must be a SQLite database (header and `PRAGMA quick_check`, read-only) within
    `DATACHAT_UPLOAD_MAX_MB`; `url` is a PostgreSQL URL (platform staff only, the location
    rules of `knowledge/locations.py`). Who may: a superuser (file or URL), an ADMIN of the org
    (a file only: the platform chooses where it lives, not them), `user=None` (a command: the
    platform operator). The location goes through `datasource_create` (rules, connection test,
    audit entry). Then the schema is introspected, table documents generated in the org's
    language and indexed: inline when Celery is eager or the schema is small, else in
    `knowledge.tasks.datasource_setup_task` (`setup_status`/`setup` say how far it got).

    `restricted=None` opens a new source when the org's policies protect personal data by rule
    (every role that queries masks `@pii`, as the default policies do), else keeps it restricted;
    an existing source keeps its setting. Raises `ConnectError`/`LocationError` (stable codes;
    a refused attempt is audited) and never leaves a half-copied file behind.
    """
    if (file is None) == (not url):
        raise ConnectError("connect_bad_input")
    superuser = user is None or getattr(user, "is_superuser", False)
    if not superuser and not _org_admin(org, user):
        _connect_refused(org, user, name, "connect_not_allowed", channel)
        raise ConnectError("connect_not_allowed")
    if url and not superuser:
        _connect_refused(org, user, name, "location_superuser_only", channel)
        raise LocationError("location_superuser_only")
    if file is not None and is_spreadsheet(filename or _file_name(file)):
        return spreadsheet_connect(
            org,
            name,
            file=file,
            filename=filename or _file_name(file),
            table=table,
            user=user,
            default=default,
            display_name=display_name,
            restricted=restricted,
            channel=channel,
        )
    copied: Path | None = None
    try:
        if file is not None:
            copied = _sqlite_upload_place(org=org, name=name, file=file)
            kind, location = DataSource.Kind.SQLITE, copied.name
        else:
            kind, location = url_kind(str(url)), str(url)
        existing = DataSource.all_tenants.for_org(org).filter(name=name).first()
        if restricted is None and existing is None:
            restricted = not policies_protect_personal_data(org=org)
        source = datasource_create(
            org=org,
            name=name,
            kind=kind,
            location=location,
            display_name=display_name,
            is_default=default,
            restricted=restricted,
            user=user,
            channel=channel,
            probe=True,
            location_generated=file is not None,
        )
    except LocationError as exc:
        if copied is not None:
            copied.unlink(missing_ok=True)
        if not isinstance(exc, ConnectError) or exc.code in ("file_not_sqlite", "file_too_large"):
            _connect_refused(org, user, name, exc.code, channel)
        raise
    DataSource.all_tenants.filter(pk=source.pk).update(
        setup_status=DataSource.SetupStatus.QUEUED, setup={"step": "queued"}
    )
    source.refresh_from_db()
    if _setup_inline(source):
        summary = datasource_setup(source=source, user=user)
        source.refresh_from_db()
        return ConnectResult(source=source, queued=False, summary=summary)
    from apps.knowledge.tasks import datasource_setup_task

    user_id = getattr(user, "pk", None)
    transaction.on_commit(lambda: datasource_setup_task.delay(source.pk, user_id))
    return ConnectResult(source=source, queued=True, summary={})


def datasource_setup(*, source: DataSource, user: Any = None) -> dict[str, int]:
    """Introspect, document and index a connected source, recording progress in `setup`.

    Idempotent (a refresh, then documents for tables that have none). On failure the source is
    marked `failed` with the error's code and message, and the error is raised again.
    """

    def report(step: str, done: int = 0, total: int = 0) -> None:
        DataSource.all_tenants.filter(pk=source.pk).update(
            setup_status=DataSource.SetupStatus.RUNNING,
            setup={"step": step, "done": done, "total": total},
        )

    try:
        if (source.setup or {}).get("upload"):
            spreadsheet_ingest_pending(source=source, user=user, report=report)
        report("introspecting")
        summary = catalog_refresh(
            data_source=source,
            user=user,
            progress=lambda done, total: report("introspecting", done, total),
        )
        report("documenting", summary["tables"], summary["tables"])
        summary["documents"] = table_document_generate(data_source=source, user=user)
    except LocationError as exc:
        DataSource.all_tenants.filter(pk=source.pk).update(
            setup_status=DataSource.SetupStatus.FAILED,
            setup={"step": "failed", "error": {"code": exc.code, "message": exc.message}},
        )
        raise
    # The documents are indexed by their post_save signal (on commit: eager here, a worker else).
    DataSource.all_tenants.filter(pk=source.pk).update(
        setup_status=DataSource.SetupStatus.READY, setup={"step": "ready", **summary}
    )
    return summary


def policies_protect_personal_data(*, org: Organization) -> bool:
    """Whether every role of the org that may query data masks personal columns by rule (the
    default policies do; the demo's hand-written ones do not): then a newly connected source can
    be open to the org at once."""
    from apps.governance.engine.policy import PII_RULE
    from apps.governance.models import AccessPolicy

    # The roles that connect sources (ADMIN by default) see their personal data anyway.
    policies = AccessPolicy.all_tenants.for_org(org).filter(can_query_data=True)
    return policies.exists() and all(
        p.can_add_data or PII_RULE in (p.masked_columns or []) for p in policies
    )


def _org_admin(org: Organization, user: Any) -> bool:
    """Whether the user's role in the org may connect data sources (`can_add_data`)."""
    from apps.governance.selectors import member_can

    if getattr(user, "pk", None) is None:
        return False
    membership = Membership.all_tenants.for_org(org).filter(user=user).first()
    return membership is not None and member_can(membership, "can_add_data")


def _connect_refused(org: Organization, user: Any, name: str, code: str, channel: str) -> None:
    datasource_location_refused(
        org=org,
        user=user,
        name=name,
        kind="upload",
        error=LocationError(code, "refused"),
        channel=channel,
    )


def _setup_inline(source: DataSource) -> bool:
    """Inline when Celery is eager (the embedded default) or the schema is small."""
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return True
    try:
        tables = _table_count(source)
    except Exception:  # noqa: BLE001 - the task will report the real error
        return False
    return tables <= settings.DATACHAT_CONNECT_INLINE_TABLES


def _table_count(source: DataSource) -> int:
    checked = source.checked_location()
    with get_dialect(source.kind).catalog_reader(checked.connection()) as reader:
        return reader.table_count()


def _sqlite_upload_place(*, org: Organization, name: str, file: Any) -> Path:
    """Copy an uploaded (or local) file into the org's folder under a generated name, within the
    size limit, and check it is a SQLite database. Returns the final path."""
    from apps.knowledge.locations import org_sources_dir

    limit = settings.DATACHAT_UPLOAD_MAX_MB * 1024 * 1024
    folder = org_sources_dir(org)
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:60] or "source"
    final = folder / f"{stem}-{token_hex(4)}.db"
    partial = folder / f".upload-{token_hex(8)}.part"  # a dot name is never a valid location
    try:
        written = 0
        with partial.open("wb") as out:
            for chunk in _chunks(file):
                written += len(chunk)
                if written > limit:
                    raise ConnectError("file_too_large")
                out.write(chunk)
        try:
            get_dialect(DataSource.Kind.SQLITE).check_file(str(partial))
        except ConnectionFailed as exc:
            raise ConnectError("file_not_sqlite", detail=exc.detail) from None
        os.replace(partial, final)
    except OSError as exc:
        raise ConnectError("file_unreadable", detail=str(exc)[:300]) from None
    finally:
        partial.unlink(missing_ok=True)
    return final


def _chunks(file: Any):  # noqa: ANN202
    if isinstance(file, (str, Path)):
        with open(file, "rb") as handle:
            yield from iter(lambda: handle.read(1 << 20), b"")
        return
    if hasattr(file, "chunks"):  # a Django UploadedFile
        yield from file.chunks()
        return
    yield from iter(lambda: file.read(1 << 20), b"")


# --- spreadsheets (CSV, Excel, Parquet) into an org's DuckDB file -------------------------------


def is_spreadsheet(filename: str) -> bool:
    from apps.knowledge.engine.ingest import SPREADSHEET_EXTENSIONS

    return Path(str(filename or "")).suffix.lower() in SPREADSHEET_EXTENSIONS


def _file_name(file: Any) -> str:
    return Path(str(getattr(file, "name", "") or file or "")).name


def spreadsheet_limits():  # noqa: ANN201 - engine.ingest.IngestLimits
    from apps.knowledge.engine.ingest import IngestLimits

    return IngestLimits(
        max_bytes=settings.DATACHAT_SPREADSHEET_MAX_MB * 1024 * 1024,
        max_rows=settings.DATACHAT_SPREADSHEET_MAX_ROWS,
        max_columns=settings.DATACHAT_SPREADSHEET_MAX_COLUMNS,
    )


def spreadsheet_connect(
    org: Organization,
    name: str,
    *,
    file: Any,
    filename: str,
    user: Any,
    table: str = "",
    default: bool = False,
    display_name: str = "",
    restricted: bool | None = None,
    channel: str = "cli",
) -> ConnectResult:
    """Upload a spreadsheet into the DuckDB file of the org's source `name` (created when new).

    Callers check who may (`datasource_connect` does). The file is copied into the org's folder
    within `DATACHAT_SPREADSHEET_MAX_MB`, read into typed tables (`engine.ingest`), and written
    into a new copy of the source's DuckDB file, which then replaces the old one (readers of the
    old file are never blocked, and a failed upload changes nothing). A table of the same name is
    replaced; the catalog is refreshed (the schema version bumps, so cached answers die), table
    documents written and indexed, personal data detected and masked by the default policies as
    for any source. A file above `DATACHAT_SPREADSHEET_INLINE_MB` is ingested by the setup task
    when a worker is configured (`setup_status`/`setup` report its progress). Raises
    `ConnectError` with a stable code (`spreadsheet_*`, `source_kind_mismatch`, …).
    """
    existing = DataSource.all_tenants.for_org(org).filter(name=name).first()
    if existing is not None and existing.kind != DataSource.Kind.DUCKDB:
        _connect_refused(org, user, name, "source_kind_mismatch", channel)
        raise ConnectError("source_kind_mismatch")
    if (
        existing is not None
        and existing.restricted
        and user is not None
        and not getattr(user, "is_superuser", False)
        and not user.has_perm("knowledge.use_datasource", existing)
    ):
        # Uploading into a restricted source would replace its tables and grant the uploader
        # the whole source: only those who may already read it add to it.
        _connect_refused(org, user, name, "connect_not_allowed", channel)
        raise ConnectError("connect_not_allowed")
    staged = _spreadsheet_stage(
        org=org, name=name, file=file, filename=filename, user=user, channel=channel
    )
    upload = {"staged": staged.name, "filename": _file_name(filename), "table": table}
    inline = getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False) or (
        staged.stat().st_size <= settings.DATACHAT_SPREADSHEET_INLINE_MB * 1024 * 1024
    )
    if restricted is None and existing is None:
        restricted = not policies_protect_personal_data(org=org)
    try:
        if inline:
            built = _spreadsheet_build(org=org, name=name, base=existing, upload=upload)
            location = built.name
        else:
            built = None
            location = existing.stored_location() if existing else _duckdb_empty(org, name).name
        try:
            source = datasource_create(
                org=org,
                name=name,
                kind=DataSource.Kind.DUCKDB,
                location=location,
                display_name=display_name,
                is_default=default,
                restricted=restricted,
                user=user,
                channel=channel,
                probe=True,
                location_generated=True,
            )
        except LocationError:
            if built is not None:
                built.unlink(missing_ok=True)
            raise
    except LocationError as exc:
        staged.unlink(missing_ok=True)
        _connect_refused(org, user, name, exc.code, channel)
        raise
    if source.restricted and getattr(user, "pk", None) is not None:
        # Whoever uploads it may query it, whatever the org's policies make of a new source.
        from guardian.shortcuts import assign_perm

        assign_perm("knowledge.use_datasource", user, source)
    if built is not None:
        staged.unlink(missing_ok=True)
        transaction.on_commit(lambda: _spreadsheet_prune(org=org, keep=source))
        DataSource.all_tenants.filter(pk=source.pk).update(
            setup_status=DataSource.SetupStatus.QUEUED, setup={"step": "queued"}
        )
        summary = datasource_setup(source=source, user=user)
        source.refresh_from_db()
        return ConnectResult(source=source, queued=False, summary=summary)
    DataSource.all_tenants.filter(pk=source.pk).update(
        setup_status=DataSource.SetupStatus.QUEUED, setup={"step": "queued", "upload": upload}
    )
    source.refresh_from_db()
    from apps.knowledge.tasks import datasource_setup_task

    user_id = getattr(user, "pk", None)
    transaction.on_commit(lambda: datasource_setup_task.delay(source.pk, user_id))
    return ConnectResult(source=source, queued=True, summary={})


def spreadsheet_ingest_pending(
    *, source: DataSource, user: Any = None, report: Callable[..., None] | None = None
) -> list[str]:
    """The setup task's first step for a queued upload: ingest the staged file into a new copy
    of the source's DuckDB file and switch the source to it. Returns the tables written."""
    from apps.knowledge.locations import org_sources_dir

    upload = dict((source.setup or {}).get("upload") or {})
    org = source.organization
    staged = org_sources_dir(org) / str(upload.get("staged", ""))
    try:
        built = _spreadsheet_build(
            org=org, name=source.name, base=source, upload=upload, report=report
        )
        try:
            datasource_save(
                source=source,
                location=built.name,
                user=user,
                channel="task",
                location_generated=True,
            )
        except LocationError:
            built.unlink(missing_ok=True)
            raise
    finally:
        staged.unlink(missing_ok=True)
    transaction.on_commit(lambda: _spreadsheet_prune(org=org, keep=source))
    return [built.name]


def _spreadsheet_stage(
    *, org: Organization, name: str, file: Any, filename: str, user: Any, channel: str
) -> Path:
    """Copy the upload into the org's folder under a dot name (never a valid location) within
    the spreadsheet size limit."""
    from apps.knowledge.locations import org_sources_dir

    limit = settings.DATACHAT_SPREADSHEET_MAX_MB * 1024 * 1024
    folder = org_sources_dir(org)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(str(filename)).suffix.lower()
    staged = folder / f".upload-{token_hex(8)}{suffix}"
    try:
        written = 0
        with staged.open("wb") as out:
            for chunk in _chunks(file):
                written += len(chunk)
                if written > limit:
                    raise ConnectError(
                        "spreadsheet_too_large",
                        _ingest_message("spreadsheet_too_large", limit=limit // (1024 * 1024)),
                    )
                out.write(chunk)
    except ConnectError as exc:
        staged.unlink(missing_ok=True)
        _connect_refused(org, user, name, exc.code, channel)
        raise
    except OSError as exc:
        staged.unlink(missing_ok=True)
        raise ConnectError("file_unreadable", detail=str(exc)[:300]) from None
    return staged


def _ingest_message(code: str, **params: Any) -> str:
    from apps.knowledge.engine.ingest import MESSAGES

    return MESSAGES[code].format(**params)


def _duckdb_file_name(org: Organization, name: str) -> Path:
    from apps.knowledge.locations import org_sources_dir

    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:60] or "spreadsheets"
    return org_sources_dir(org) / f"{stem}-{token_hex(4)}.duckdb"


def _duckdb_empty(org: Organization, name: str) -> Path:
    from apps.knowledge.engine.ingest import empty_file

    path = _duckdb_file_name(org, name)
    empty_file(path)
    return path


def _spreadsheet_build(
    *,
    org: Organization,
    name: str,
    base: DataSource | None,
    upload: Mapping[str, Any],
    report: Callable[..., None] | None = None,
) -> Path:
    """Read the staged file and write its tables into a copy of `base`'s DuckDB file (a new
    file when there is none). Returns the new file; raises `ConnectError`."""
    import shutil

    from apps.knowledge.engine.ingest import IngestError, read_tables, write_tables
    from apps.knowledge.locations import org_sources_dir

    staged = org_sources_dir(org) / str(upload.get("staged", ""))
    progress = (lambda step, done, total: report(step, done, total)) if report else None
    try:
        tables = read_tables(
            staged,
            filename=str(upload.get("filename") or staged.name),
            table=str(upload.get("table") or ""),
            limits=spreadsheet_limits(),
            lang=getattr(org, "language", "es") or "es",
            progress=progress,
        )
    except IngestError as exc:
        raise ConnectError(exc.code, exc.message, detail=exc.detail[:300]) from None
    except (OSError, ValueError) as exc:
        raise ConnectError(
            "spreadsheet_unreadable",
            _ingest_message("spreadsheet_unreadable", kind=Path(staged).suffix.lstrip(".")),
            detail=str(exc)[:300],
        ) from None
    target = _duckdb_file_name(org, name)
    try:
        if base is not None:
            shutil.copyfile(base.checked_location().sqlite_path or "", target)
        if report:
            report("writing", 0, len(tables))
        write_tables(target, tables)
    except OSError as exc:  # ingest.StoreError too (DuckDB's own failure)
        target.unlink(missing_ok=True)
        raise ConnectError("file_unreadable", detail=str(exc)[:300]) from None
    except LocationError:
        target.unlink(missing_ok=True)
        raise
    return target


def _spreadsheet_prune(*, org: Organization, keep: DataSource) -> None:
    """Delete the DuckDB files of `keep`'s name that are no longer its location (replaced by an
    upload). A reader that has one open keeps reading it (the file lives until closed)."""
    from apps.knowledge.locations import org_sources_dir

    current = Path(keep.stored_location()).name
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", keep.name).strip("-")[:60] or "spreadsheets"
    used = {
        Path(s.stored_location()).name
        for s in DataSource.all_tenants.for_org(org).filter(kind=DataSource.Kind.DUCKDB)
    }
    for path in org_sources_dir(org).glob(f"{stem}-*.duckdb*"):
        base = path.name.removesuffix(".wal")
        if (
            base != current
            and base not in used
            and re.fullmatch(rf"{re.escape(stem)}-[0-9a-f]{{8}}\.duckdb", base)
        ):
            path.unlink(missing_ok=True)


class SynonymInvalid(ValueError):
    """A synonym that cannot be added: `code` is stable (empty, unknown_target, too_long)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


SYNONYM_TARGETS = ("table", "column", "value")
_SYNONYM_GLOSSARY = {
    "es": ("«{word}» es un sinónimo de {what}.", {"table": "la tabla {table}",
           "column": "la columna {table}.{column}",
           "value": "el valor «{value}» de {table}.{column}"}),
    "en": ("“{word}” is a synonym of {what}.", {"table": "the table {table}",
           "column": "the column {table}.{column}",
           "value": "the value “{value}” of {table}.{column}"}),
}  # fmt: skip


def synonym_target(
    *, data_source: DataSource, target: str, table: str, column: str = "", value: str = ""
) -> tuple[CatalogTable, CatalogColumn | None]:
    """The catalog table (and column) a synonym would go on; SynonymInvalid when unknown."""
    if target not in SYNONYM_TARGETS:
        raise SynonymInvalid("unknown_target")
    found = CatalogTable.all_tenants.filter(data_source=data_source, name=table).first()
    if found is None:
        raise SynonymInvalid("unknown_target")
    if target == "table":
        return found, None
    col = CatalogColumn.all_tenants.filter(table=found, name=column).first()
    if col is None or (target == "value" and (col.pii or not value.strip())):
        raise SynonymInvalid("unknown_target")
    return found, col


@transaction.atomic
def synonym_add(
    *,
    data_source: DataSource,
    word: str,
    target: str,
    table: str,
    column: str = "",
    value: str = "",
    user: Any = None,
) -> bool:
    """Add `word` as a synonym of a table, a column or one value of a column (a steward's fix of
    a knowledge gap). Versioned and audited like an admin edit, and written down as a glossary
    entry (indexed for retrieval). Returns False when the synonym was already there."""
    word = " ".join(str(word).split())
    if not word:
        raise SynonymInvalid("empty")
    if len(word) > 100:
        raise SynonymInvalid("too_long")
    found, col = synonym_target(
        data_source=data_source, target=target, table=table, column=column, value=value
    )
    folded = word.casefold()
    if target == "value":
        synonyms = dict(col.value_synonyms or {})
        words = list(synonyms.get(value, []))
        if any(w.casefold() == folded for w in words):
            return False
        synonyms[value] = [*words, word]
        col.value_synonyms = synonyms
        col.save(update_fields=["value_synonyms"])
        obj_type, obj, changes = "catalogcolumn", col, {"value_synonyms": {value: synonyms[value]}}
    else:
        obj = found if col is None else col
        if any(str(w).casefold() == folded for w in obj.synonyms or []):
            return False
        obj.synonyms = [*(obj.synonyms or []), word]
        obj.save(update_fields=["synonyms"])
        obj_type = "catalogtable" if col is None else "catalogcolumn"
        changes = {"synonyms": obj.synonyms}
    org = data_source.organization
    knowledge_version_bump(
        org=org, user=user, object_type=obj_type, object_id=obj.pk, action="synonym_added",
        changes={**changes, "word": word},
    )  # fmt: skip
    sentence, targets = _SYNONYM_GLOSSARY.get(org.language, _SYNONYM_GLOSSARY["es"])
    what = targets[target].format(table=table, column=column, value=value)
    document_upsert(
        org=org,
        title=word,
        body=sentence.format(word=word, what=what),
        kind=Document.Kind.GLOSSARY,
        data_source=data_source,
        table_name=table,
        user=user,
    )
    return True
