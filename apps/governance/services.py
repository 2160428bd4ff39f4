"""Governance writes: organizations, memberships, policies, the audit chain."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.governance.engine.policy import DataPolicy, RowFilter
from apps.governance.models import (
    AccessPolicy,
    AuditChainHead,
    AuditEntry,
    Membership,
    Organization,
    Role,
)

# The default policy of each role (DEMO_DATA.md "Role capabilities"); admins edit them per org.
PII_MASKS = ["clientes.email", "clientes.telefono", "clientes.direccion"]
DEFAULT_POLICIES: dict[str, dict[str, Any]] = {
    Role.VIEWER: {
        "allowed_tables": ["ventas", "productos"],
        "row_filters": [{"table": "ventas", "column": "region", "value": "{user.region}"}],
    },
    Role.ANALYST: {
        "allowed_tables": ["*", "-empleados"],
        "masked_columns": PII_MASKS,
        "can_edit_sql": True,
    },
    Role.DATA_SCIENTIST: {
        "allowed_tables": ["*", "-empleados"],
        "masked_columns": PII_MASKS,
        "can_edit_sql": True,
        "can_export": True,
    },
    Role.ADMIN: {
        "allowed_tables": ["*"],
        "can_edit_sql": True,
        "can_export": True,
        "can_view_audit": True,
        "can_edit_knowledge": True,
    },
    Role.STEWARD: {
        "allowed_tables": ["*", "-empleados"],
        "masked_columns": PII_MASKS,
        "can_edit_sql": True,
        "can_edit_knowledge": True,
    },
    Role.COMPLIANCE: {
        "allowed_tables": [],
        "can_query_data": False,
        "can_view_audit": True,
    },
}


@transaction.atomic
def organization_create(*, name: str, slug: str) -> Organization:
    """Create an org (or return the existing one) with the default policy for every role."""
    org, _ = Organization.objects.get_or_create(slug=slug, defaults={"name": name})
    for role, spec in DEFAULT_POLICIES.items():
        AccessPolicy.all_tenants.get_or_create(organization=org, role=role, defaults=spec)
    return org


@transaction.atomic
def membership_create(
    *,
    org: Organization,
    username: str,
    password: str,
    role: str,
    attributes: dict[str, Any] | None = None,
    email: str = "",
) -> tuple[Membership, bool]:
    """Create a user and their membership; an existing one is left as it is (idempotent)."""
    user_model = get_user_model()
    user, user_created = user_model.objects.get_or_create(
        username=username, defaults={"email": email}
    )
    if user_created:
        user.set_password(password)
        user.is_staff = role in STAFF_GROUPS
        user.save()
    membership, created = Membership.all_tenants.get_or_create(
        user=user, organization=org, defaults={"role": role, "attributes": attributes or {}}
    )
    if role in STAFF_GROUPS:
        user.groups.add(staff_group_ensure(role=role))
    return membership, created or user_created


# The Django admin is where stewards curate knowledge and admins govern their org; these groups
# carry the model permissions, and OrgScopedAdmin confines them to their own organization.
_KNOWLEDGE_EDIT = ("document", "metric", "verifiedexample", "catalogtable", "catalogcolumn")
STAFF_GROUPS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.STEWARD: {
        "knowledge": _KNOWLEDGE_EDIT,
        "view": ("datasource", "catalogforeignkey", "knowledgechange"),
    },
    Role.ADMIN: {
        "knowledge": (*_KNOWLEDGE_EDIT, "datasource"),
        "governance": ("accesspolicy", "membership"),
        "view": (
            "catalogforeignkey",
            "knowledgechange",
            "auditentry",
            "anomalyreport",
            "organization",
        ),
    },
}


def staff_group_ensure(*, role: str):  # noqa: ANN201
    """The admin group of a staff role, with exactly its model permissions (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    spec = STAFF_GROUPS[role]
    group, _ = Group.objects.get_or_create(name=f"DataChat {Role(role).label}")
    codenames = [
        f"{action}_{model}"
        for app in ("knowledge", "governance")
        for model in spec.get(app, ())
        for action in ("add", "change", "delete", "view")
    ] + [f"view_{model}" for model in spec.get("view", ())]
    perms = Permission.objects.filter(
        content_type__app_label__in=("knowledge", "governance"), codename__in=codenames
    )
    group.permissions.set(perms)
    return group


_ATTR_REF = re.compile(r"^\{user\.([a-zA-Z_][a-zA-Z0-9_]*)\}$")


def policy_resolve(*, membership: Membership, table_names: Iterable[str]) -> DataPolicy:
    """Resolve the caller's effective DataPolicy for a data source with these tables.

    Fails closed: no AccessPolicy row means no tables; a row filter referencing an attribute the
    member lacks matches no rows; masks and filters on tables of other sources are harmless.
    """
    return _policy_from_row(
        org=membership.organization,
        role=membership.role,
        table_names=table_names,
        attributes=membership.attributes,
    )


def policy_resolve_for_role(
    *, org: Organization, role: str, table_names: Iterable[str]
) -> DataPolicy:
    """A role's DataPolicy without a member: what the database enforces for every member.

    Filters on a user attribute keep the attribute's name (`RowFilter.attribute`) and no values;
    the database reads the member's values per query (see `engine.pg_roles`).
    """
    return _policy_from_row(org=org, role=role, table_names=table_names, attributes=None)


def _policy_from_row(
    *,
    org: Organization,
    role: str,
    table_names: Iterable[str],
    attributes: dict[str, Any] | None,
) -> DataPolicy:
    tables = set(table_names)
    row = AccessPolicy.all_tenants.filter(organization=org, role=role).first()
    if row is None:
        return DataPolicy(
            role=role,
            can_query=False,
            allowed_tables=frozenset(),
            masked_columns=frozenset(),
            row_cap=org.row_cap,
            count_cap=org.count_cap,
            timeout_ms=org.query_timeout_ms,
        )
    allowed: set[str] = set()
    for entry in row.allowed_tables:
        if entry == "*":
            allowed |= tables
        elif entry.startswith("-"):
            continue
        elif entry in tables:
            allowed.add(entry)
    allowed -= {entry[1:] for entry in row.allowed_tables if entry.startswith("-")}
    masked = frozenset(tuple(item.split(".", 1)) for item in row.masked_columns if "." in item)
    filters = []
    for spec in row.row_filters:
        value = str(spec.get("value", ""))
        match = _ATTR_REF.match(value)
        attribute = ""
        if match:
            attribute = match.group(1)
            attr = (attributes or {}).get(attribute)
            values: tuple = tuple(attr) if isinstance(attr, list) else ((attr,) if attr else ())
        else:
            values = (spec.get("value"),)
        filters.append(
            RowFilter(
                table=spec["table"], column=spec["column"], values=values, attribute=attribute
            )
        )
    return DataPolicy(
        role=role,
        can_query=row.can_query_data,
        allowed_tables=frozenset(allowed),
        masked_columns=masked,  # type: ignore[arg-type]
        row_filters=tuple(filters),
        row_cap=org.row_cap,
        count_cap=org.count_cap,
        timeout_ms=org.query_timeout_ms,
        can_export=row.can_export,
        can_edit_sql=row.can_edit_sql,
    )


def _canonical(entry: AuditEntry) -> bytes:
    payload = {
        "org": entry.organization_id,
        "seq": entry.seq,
        "user": entry.username,
        "role": entry.role,
        "action": entry.action,
        "channel": entry.channel,
        "source": entry.source,
        "question": entry.question,
        "sql": entry.sql,
        "outcome": entry.outcome,
        "code": entry.code,
        "rule": entry.rule,
        "rows": entry.row_count,
        "ms": round(float(entry.duration_ms), 3),
        "policy": entry.policy_fingerprint,
        "details": entry.details,
        "at": entry.created_at.isoformat(),
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()


def audit_hash(entry: AuditEntry, prev_hash: str) -> str:
    return hashlib.sha256(prev_hash.encode() + _canonical(entry)).hexdigest()


@transaction.atomic
def audit_record(
    *,
    org: Organization,
    user: Any,
    action: str,
    outcome: str,
    role: str = "",
    channel: str = "cli",
    source: str = "",
    question: str = "",
    sql: str = "",
    code: str = "",
    rule: str = "",
    row_count: int = 0,
    duration_ms: float = 0.0,
    policy_fingerprint: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the org's hash chain.

    The head row is bumped first: that takes the row lock on PostgreSQL and the write lock on
    SQLite, so concurrent appends of one org are serialised and the chain never forks.
    """
    AuditChainHead.objects.get_or_create(organization=org)
    AuditChainHead.objects.filter(organization=org).update(seq=F("seq") + 1)
    head = AuditChainHead.objects.select_for_update().get(organization=org)
    entry = AuditEntry(
        organization=org,
        seq=head.seq,
        user=user if getattr(user, "pk", None) else None,
        username=getattr(user, "username", "") or "",
        role=role,
        action=action,
        channel=channel,
        source=source,
        question=question[:10_000],
        sql=sql[:20_000],
        outcome=outcome,
        code=code,
        rule=rule[:200],
        row_count=row_count,
        duration_ms=round(float(duration_ms), 3),
        policy_fingerprint=policy_fingerprint,
        details=json.loads(json.dumps(details or {}, default=str)),
        created_at=timezone.now(),
        prev_hash=head.last_hash,
    )
    entry.entry_hash = audit_hash(entry, head.last_hash)
    entry.save()
    AuditChainHead.objects.filter(pk=head.pk).update(last_hash=entry.entry_hash)
    return entry


@dataclass(frozen=True)
class ChainReport:
    org: str
    entries: int
    ok: bool
    first_broken_seq: int | None = None
    reason: str = ""


def audit_verify(*, org: Organization) -> ChainReport:
    """Walk an org's chain in order; report the first entry whose link or content does not hold."""
    prev = "0" * 64
    count = 0
    expected_seq = 1
    for entry in AuditEntry.objects.filter(organization=org).order_by("seq").iterator():
        count += 1
        if entry.seq != expected_seq:
            return ChainReport(org.slug, count, False, expected_seq, "missing entry")
        if entry.prev_hash != prev:
            return ChainReport(org.slug, count, False, entry.seq, "prev_hash does not link")
        if audit_hash(entry, prev) != entry.entry_hash:
            return ChainReport(org.slug, count, False, entry.seq, "content was altered")
        prev = entry.entry_hash
        expected_seq += 1
    head = AuditChainHead.objects.filter(organization=org).first()
    if head is not None and head.seq != count:
        return ChainReport(org.slug, count, False, count + 1, "entries missing at the end")
    return ChainReport(org.slug, count, True)
