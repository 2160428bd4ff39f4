"""Knowledge gaps: what the org's questions were missing, grouped, and the steward's fixes.

Reads the `Gap` rows the pipeline writes as it records answers (`gap_record.py`), so a period's
groups are one indexed aggregate, never a re-read of the answers. A fix (a synonym of a table,
column or value; a metric; a verified example) is written by the knowledge services the admin
uses (versioned in `KnowledgeChange`, an audit-chain entry, re-indexed), then the gap's questions
are re-asked in the background (`chat.tasks.gap_reask_task`) and the fix records how many now get
an answer. Previews change nothing: a synonym is tried on an in-memory copy of the catalog with
the offline engine, and metric or example SQL runs through the guard and the read-only executor.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from sqlglot import exp

from apps.chat.engine.answer import json_value
from apps.chat.engine.offline import build_semantic_model, interpret
from apps.chat.models import Gap, GapFix
from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.executor import execute
from apps.governance.engine.guard import guard_sql
from apps.governance.models import AuditEntry, Membership
from apps.governance.services import audit_record
from apps.knowledge.engine.catalog import with_synonym
from apps.knowledge.locations import LocationError
from apps.knowledge.models import DataSource, Metric, VerifiedExample
from apps.knowledge.query_context import query_context
from apps.knowledge.selectors import catalog_snapshot, datasource_list
from apps.knowledge.semantic_layer import metric_sql
from apps.knowledge.services import (
    SynonymInvalid,
    example_upsert,
    metric_upsert,
    synonym_add,
    synonym_target,
)

logger = logging.getLogger(__name__)

PERIODS = (7, 30, 90, 365)
DEFAULT_DAYS = 30
GROUP_LIMIT = 100
DETAIL_ROWS = 5000  # gap rows read for a page's users, examples and sources
EXAMPLES_SHOWN = 3
REASK_LIMIT = 25  # distinct questions re-asked after a fix
PREVIEW_ROWS = 10
ANSWERED = ("SQL", "RAG", "HYBRID")


class FixInvalid(ValueError):
    """A fix that cannot be previewed or saved; `code` is stable, `message` is for people."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code


@dataclass
class GapGroup:
    id: int  # the group's latest gap: its page
    kind: str
    key: str
    text: str
    count: int
    people: int
    last_at: dt.datetime
    users: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    fix: GapFix | None = None


def period_days(raw: Any) -> int:
    try:
        days = int(raw)
    except (TypeError, ValueError):
        return DEFAULT_DAYS
    return days if days in PERIODS else DEFAULT_DAYS


def _since(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def gap_groups(
    *, org: Any, days: int = DEFAULT_DAYS, kind: str = "", since: dt.datetime | None = None
) -> list[GapGroup]:
    """The period's gaps of the org grouped by what was missing, most frequent first (`since`,
    when given, starts the period instead of `days`)."""
    base = Gap.all_tenants.for_org(org).filter(created_at__gte=since or _since(days))
    if kind:
        base = base.filter(kind=kind)
    aggregates = list(
        base.values("kind", "key")
        .annotate(n=Count("id"), people=Count("user", distinct=True), last=Max("created_at"))
        .annotate(latest=Max("id"))
        .order_by("-n", "-people", "-last")[:GROUP_LIMIT]
    )
    groups = {
        (a["kind"], a["key"]): GapGroup(
            id=a["latest"],
            kind=a["kind"],
            key=a["key"],
            text="",
            count=a["n"],
            people=a["people"],
            last_at=a["last"],
        )
        for a in aggregates
    }
    if not groups:
        return []
    wanted = Q()
    for kind_, key in groups:
        wanted |= Q(kind=kind_, key=key)
    rows = (
        base.filter(wanted)
        .order_by("-created_at")
        .values_list(
            "kind", "key", "text", "user__username", "data_source__name", "message__question"
        )
    )
    for kind_, key, said, username, source, question in rows[:DETAIL_ROWS]:
        group = groups[(kind_, key)]
        group.text = group.text or said
        if username and username not in group.users:
            group.users.append(username)
        if source and source not in group.sources:
            group.sources.append(source)
        if question not in group.questions and len(group.questions) < EXAMPLES_SHOWN:
            group.questions.append(question)
    for fix in (
        GapFix.all_tenants.for_org(org)
        .filter(key__in=[key for _kind, key in groups])
        .order_by("created_at")
    ):
        if (fix.kind, fix.key) in groups:
            groups[(fix.kind, fix.key)].fix = fix  # the latest wins
    return list(groups.values())


def gap_get(*, org: Any, gap_id: int) -> Gap | None:
    """One gap of the org (another org's id is None: the views answer 404)."""
    return Gap.all_tenants.select_related("data_source").filter(organization=org, pk=gap_id).first()


@dataclass
class GapDetail:
    gap: Gap
    count: int
    users: list[str]
    questions: list[tuple[str, int]]  # (question, times asked), most asked first
    source: DataSource | None  # where most of its questions were asked
    fixes: list[GapFix]


def gap_detail(*, org: Any, gap: Gap) -> GapDetail:
    rows = (
        Gap.all_tenants.for_org(org)
        .filter(kind=gap.kind, key=gap.key)
        .order_by("-created_at")[:DETAIL_ROWS]
    )
    questions: Counter[str] = Counter()
    sources: Counter[int] = Counter()
    users: list[str] = []
    count = 0
    for question, username, source_id in rows.values_list(
        "message__question", "user__username", "data_source_id"
    ):
        count += 1
        questions[question] += 1
        if source_id:
            sources[source_id] += 1
        if username and username not in users:
            users.append(username)
    source = None
    if sources:
        source = datasource_list(org=org).filter(pk=sources.most_common(1)[0][0]).first()
    fixes = list(
        GapFix.all_tenants.for_org(org)
        .filter(kind=gap.kind, key=gap.key)
        .select_related("user")
        .order_by("-created_at")
    )
    return GapDetail(
        gap=gap,
        count=count,
        users=users,
        questions=questions.most_common(),
        source=source,
        fixes=fixes,
    )


def gap_questions(*, org: Any, kind: str, key: str, limit: int = REASK_LIMIT) -> list[str]:
    """The gap's distinct questions, most recent first."""
    seen: list[str] = []
    for question in (
        Gap.all_tenants.for_org(org)
        .filter(kind=kind, key=key)
        .order_by("-created_at")
        .values_list("message__question", flat=True)[:DETAIL_ROWS]
    ):
        if question not in seen:
            seen.append(question)
            if len(seen) == limit:
                break
    return seen


# --- previews (nothing saved) --------------------------------------------------------------------


@dataclass
class Reading:
    """How the offline engine reads a question: SQL, a documentation answer, or asks back."""

    question: str
    route: str
    reasoning: str
    sql: str = ""
    clarify: str = ""

    @property
    def answers(self) -> bool:
        return self.route in ("SQL", "RAG")


def _reading(question: str, model: Any) -> Reading:
    result = interpret(question, model)
    return Reading(
        question=question,
        route=result.route,
        reasoning=result.intent.reasoning,
        sql=result.sql or "",
        clarify=result.clarify,
    )


def synonym_preview(
    *,
    source: DataSource,
    questions: list[str],
    word: str,
    target: str,
    table: str,
    column: str = "",
    value: str = "",
) -> list[tuple[Reading, Reading]]:
    """(before, after) readings of each question with `word` as a synonym of the target: the
    offline engine re-run on an in-memory copy of the catalog, nothing saved."""
    word = " ".join(str(word).split())
    if not word:
        raise FixInvalid("empty")
    try:
        synonym_target(data_source=source, target=target, table=table, column=column, value=value)
    except SynonymInvalid as error:
        raise FixInvalid(error.code) from None
    catalog = catalog_snapshot(data_source=source)
    before = build_semantic_model(catalog)
    after = build_semantic_model(
        with_synonym(catalog, word=word, target=target, table=table, column=column, value=value)
    )
    return [(_reading(q, before), _reading(q, after)) for q in questions]


@dataclass
class QueryPreview:
    sql: str
    columns: list[str]
    rows: list[list[Any]]
    row_count: int


def query_preview(
    *, membership: Membership, source: DataSource, sql: str, lang: str = "es", channel: str = "gaps"
) -> QueryPreview:
    """Run SQL a steward typed (a metric's check query or an example's SQL) through the guard,
    under their own policy, and the read-only executor; the attempt is an audit-chain entry.
    FixInvalid with the guard's code and message when it is refused."""
    sql = (sql or "").strip().rstrip(";").strip()
    if not sql:
        raise FixInvalid("empty")
    try:
        context = query_context(membership=membership, source=source, lang=lang)
    except SqlRefusal:  # a restricted source without its grant
        raise FixInvalid("not_authorized") from None
    catalog, policy = context.catalog, context.policy
    outcome, code, guarded_sql, rows = AuditEntry.Outcome.ANSWERED, "", sql, 0
    try:
        guarded = guard_sql(
            sql, dialect=source.dialect, schema=catalog.schema_mapping(), policy=policy, lang=lang
        )
        guarded_sql = guarded.sql
        result = execute(guarded, source=context.connection, lang=lang)
        rows = result.row_count
    except SqlRefusal as refusal:
        outcome, code = AuditEntry.Outcome.REFUSED, refusal.code
        raise FixInvalid(refusal.code, refusal.message) from None
    except LocationError:
        outcome, code = AuditEntry.Outcome.ERROR, "source_unavailable"
        raise FixInvalid("source_unavailable") from None
    finally:
        audit_record(
            org=membership.organization,
            user=membership.user,
            role=membership.role,
            action="query",
            channel=channel,
            source=source.name,
            sql=guarded_sql,
            outcome=outcome,
            code=code,
            row_count=rows,
            policy_fingerprint=policy.fingerprint(),
            details={"preview": True},
        )
    return QueryPreview(
        sql=guarded.sql,
        columns=list(result.columns),
        rows=[[json_value(v) for v in row] for row in result.rows[:PREVIEW_ROWS]],
        row_count=result.row_count,
    )


def metric_preview(
    *, membership: Membership, source: DataSource, expression: str, table: str, lang: str = "es"
) -> QueryPreview:
    """A metric definition checked the way an import checks it (its expression over its table,
    through the guard), and its value."""
    catalog = catalog_snapshot(data_source=source)
    if not expression.strip():
        raise FixInvalid("empty")
    if catalog.table(table) is None:
        raise FixInvalid("unknown_target")
    sql = metric_sql(expression=expression.strip(), table=table, catalog=catalog)
    return query_preview(membership=membership, source=source, sql=sql, lang=lang)


# --- fixes --------------------------------------------------------------------------------------


def _fix_start(
    *, membership: Membership, gap: Gap, source: DataSource, action: str, target: str
) -> GapFix:
    org = membership.organization
    org.refresh_from_db(fields=["knowledge_version"])
    fix = GapFix.all_tenants.create(
        organization=org,
        data_source=source,
        kind=gap.kind,
        key=gap.key,
        text=gap.text,
        action=action,
        target=target[:300],
        user=membership.user,
        knowledge_version=org.knowledge_version,
    )

    def enqueue() -> None:
        from apps.chat.tasks import gap_reask_task

        gap_reask_task.delay(fix.pk)

    transaction.on_commit(enqueue)
    return fix


@transaction.atomic
def fix_synonym(
    *,
    membership: Membership,
    gap: Gap,
    source: DataSource,
    word: str,
    target: str,
    table: str,
    column: str = "",
    value: str = "",
) -> GapFix:
    """Add the gap's word as a synonym (knowledge services: versioned, audited, re-indexed),
    then re-ask the gap's questions in the background."""
    try:
        synonym_add(
            data_source=source,
            word=word,
            target=target,
            table=table,
            column=column,
            value=value,
            user=membership.user,
        )
    except SynonymInvalid as error:
        raise FixInvalid(error.code) from None
    where = {"table": table, "column": f"{table}.{column}", "value": f"{table}.{column} = {value}"}
    return _fix_start(
        membership=membership,
        gap=gap,
        source=source,
        action=GapFix.Action.SYNONYM,
        target=f"{' '.join(word.split())} → {where[target]}",
    )


@transaction.atomic
def fix_metric(
    *,
    membership: Membership,
    gap: Gap,
    source: DataSource,
    name: str,
    expression: str,
    table: str,
    description: str = "",
    lang: str = "es",
) -> GapFix:
    """Define a metric named after the gap (checked by the guard first), then re-ask."""
    name = " ".join(name.split())
    if not name:
        raise FixInvalid("empty")
    metric_preview(
        membership=membership, source=source, expression=expression, table=table, lang=lang
    )
    existing = Metric.all_tenants.filter(data_source=source, name=name).first()
    synonyms = list(existing.synonyms) if existing else []
    if gap.text.casefold() != name.casefold() and gap.text not in synonyms:
        synonyms.append(gap.text)
    metric_upsert(
        data_source=source,
        name=name,
        expression=expression.strip(),
        table_name=table,
        synonyms=synonyms,
        description=description or (existing.description if existing else ""),
        user=membership.user,
    )
    return _fix_start(
        membership=membership,
        gap=gap,
        source=source,
        action=GapFix.Action.METRIC,
        target=f"{name} = {expression.strip()} ({table})",
    )


@transaction.atomic
def fix_example(
    *,
    membership: Membership,
    gap: Gap,
    source: DataSource,
    question: str,
    sql: str,
    lang: str = "es",
) -> GapFix:
    """Save an approved verified example (its SQL through the guard first), then re-ask."""
    question = " ".join(question.split())
    if not question:
        raise FixInvalid("empty")
    preview = query_preview(membership=membership, source=source, sql=sql, lang=lang)
    del preview
    clean = sql.strip().rstrip(";").strip()
    try:
        tables = sorted(
            {t.name for t in sqlglot.parse_one(clean, read=source.dialect).find_all(exp.Table)}
        )
    except sqlglot.errors.ParseError:
        tables = []
    example_upsert(
        data_source=source,
        question=question,
        sql=clean,
        tables_used=tables,
        status=VerifiedExample.Status.APPROVED,
        user=membership.user,
    )
    return _fix_start(
        membership=membership,
        gap=gap,
        source=source,
        action=GapFix.Action.EXAMPLE,
        target=question,
    )


def gap_reask(*, fix_id: int) -> GapFix | None:
    """Re-ask the fixed gap's questions as the steward who fixed it (not stored as messages;
    each one audited) and record how many now get an answer."""
    from apps.chat.pipeline import rehearse

    fix = GapFix.all_tenants.select_related("organization", "data_source").filter(pk=fix_id).first()
    if fix is None:
        return None
    membership = (
        Membership.all_tenants.select_related("organization", "user")
        .filter(organization=fix.organization, user_id=fix.user_id)
        .first()
    )
    if membership is None:
        GapFix.all_tenants.filter(pk=fix.pk).update(
            status=GapFix.Status.FAILED, finished_at=timezone.now()
        )
        return fix
    results = []
    for question in gap_questions(org=fix.organization, kind=fix.kind, key=fix.key):
        answer = rehearse(
            membership=membership, question=question, source_name=fix.data_source.name
        )
        results.append(
            {"question": question, "type": answer["type"], "answer": (answer["answer"] or "")[:300]}
        )
    fix.results = results
    fix.asked = len(results)
    fix.answered = sum(1 for r in results if r["type"] in ANSWERED)
    fix.status = GapFix.Status.DONE
    fix.finished_at = timezone.now()
    fix.save(update_fields=["results", "asked", "answered", "status", "finished_at"])
    return fix


def fix_get(*, org: Any, fix_id: int) -> GapFix | None:
    return GapFix.all_tenants.for_org(org).filter(pk=fix_id).first()
