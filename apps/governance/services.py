"""Governance writes: organizations, memberships, policies, the audit chain."""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.governance.engine.audit_chain import (
    GENESIS,
    LEGACY_KEY_ID,
    AuditKeyring,
    canonical_json,
    chain_label,
    entry_digest,
    keyring_parse,
    legacy_seal,
)
from apps.governance.engine.policy import (
    PII_RULE,
    SENSITIVE_RULE,
    CatalogFlags,
    DataPolicy,
    RowFilter,
    no_capabilities,
    rules_resolve,
)
from apps.governance.models import (
    AccessPolicy,
    AuditChainHead,
    AuditEntry,
    Membership,
    Organization,
    Role,
)

if TYPE_CHECKING:
    from apps.governance.checkpoints import CheckpointChain

PLATFORM_CHAIN = "(platform)"

# The default policy of each role of a new organization, derived from the catalog's flags at
# every resolution (never from table names): personal columns masked for every role but ADMIN;
# sensitive tables (personal data, salaries, bank details) kept from VIEWER and ANALYST until an
# admin names them in the role's `allowed_tables`; every other table readable. The demo's own
# policies (which name its tables) live in seed_demo. docs/your-own-data.md explains them.
_EVERY_TABLE_BUT_SENSITIVE = ["*", "-" + SENSITIVE_RULE]
DEFAULT_POLICIES: dict[str, dict[str, Any]] = {
    Role.VIEWER: {
        "allowed_tables": _EVERY_TABLE_BUT_SENSITIVE,
        "masked_columns": [PII_RULE],
    },
    Role.ANALYST: {
        "allowed_tables": _EVERY_TABLE_BUT_SENSITIVE,
        "masked_columns": [PII_RULE],
        "can_edit_sql": True,
    },
    Role.DATA_SCIENTIST: {
        "allowed_tables": ["*"],
        "masked_columns": [PII_RULE],
        "can_edit_sql": True,
        "can_export": True,
    },
    Role.ADMIN: {
        "allowed_tables": ["*"],
        "can_edit_sql": True,
        "can_export": True,
        "can_view_audit": True,
        "can_edit_knowledge": True,
        "can_add_data": True,
    },
    Role.STEWARD: {
        "allowed_tables": ["*"],
        "masked_columns": [PII_RULE],
        "can_edit_sql": True,
        "can_edit_knowledge": True,
    },
    Role.COMPLIANCE: {
        "allowed_tables": [],
        "can_query_data": False,
        "can_view_audit": True,
    },
}


def full_access_role() -> str:
    """The role whose default policy reads every table, unmasked and unfiltered (ADMIN): the
    database role the platform's own checks run as (the evaluation's gold SQL)."""
    for role, spec in DEFAULT_POLICIES.items():
        if (
            spec.get("allowed_tables") == ["*"]
            and not spec.get("masked_columns")
            and not spec.get("row_filters")
            and spec.get("can_query_data", True)
        ):
            return str(role)
    raise LookupError("no default policy reads every table")


@transaction.atomic
def organization_create(
    *,
    name: str,
    slug: str,
    language: str = Organization.Language.ES,
    policies: dict[str, dict[str, Any]] | None = None,
) -> Organization:
    """Create an org (or return the existing one) with a policy for every role.

    `policies` defaults to `DEFAULT_POLICIES` (rules over the catalog's flags, so they follow
    every source and refresh); a role that already has a policy keeps it. An existing org keeps
    its language.
    """
    org, created = Organization.objects.get_or_create(
        slug=slug, defaults={"name": name, "language": language}
    )
    for role, spec in (policies or DEFAULT_POLICIES).items():
        AccessPolicy.all_tenants.get_or_create(
            organization=org, role=role, defaults=json.loads(json.dumps(spec))
        )
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
        user.save()
    membership, created = Membership.all_tenants.get_or_create(
        user=user, organization=org, defaults={"role": role, "attributes": attributes or {}}
    )
    member_staff_sync(user=user)
    return membership, created or user_created


# The Django admin is where knowledge is curated and an org governed. What a member may do there
# follows from the capabilities of their role's policy, never from the role's name: each
# capability worked in the admin names the models it edits (add, change, delete, view) and the
# ones it only views. A member is staff once they hold a capability that `opens_admin`, is in the
# group of every admin capability they hold in some org, and `admin_scoping` confines each model
# to the orgs where their policy holds a capability naming it. A new role needs nothing here.
@dataclass(frozen=True)
class AdminGrant:
    group: str  # the Django group's name
    edit: tuple[str, ...] = ()
    view: tuple[str, ...] = ()
    opens_admin: bool = True  # False: extra views for a member the admin is open to anyway


_KNOWLEDGE_EDIT = ("document", "metric", "verifiedexample", "catalogtable", "catalogcolumn")
ADMIN_GRANTS: dict[str, AdminGrant] = {
    "can_edit_knowledge": AdminGrant(
        group="DataChat knowledge editors",
        edit=_KNOWLEDGE_EDIT,
        view=("datasource", "catalogforeignkey", "knowledgechange"),
    ),
    # The org's administration: its sources, and its policies, members and access requests.
    "can_add_data": AdminGrant(
        group="DataChat organization administrators",
        edit=("datasource", "accesspolicy", "membership", "accessrequest"),
        view=("catalogforeignkey", "knowledgechange", "organization"),
    ),
    # The audit log has its own page; in the admin it is read-only, and opens nothing by itself.
    "can_view_audit": AdminGrant(
        group="DataChat auditors", view=("auditentry", "anomalyreport"), opens_admin=False
    ),
}


def admin_models(policy: DataPolicy, *, write: bool) -> set[str]:
    """The admin models a policy edits (`write`) or at least views: those of the admin
    capabilities it holds, and none unless one of them opens the admin."""
    held = [grant for capability, grant in ADMIN_GRANTS.items() if policy.can(capability)]
    if not any(grant.opens_admin for grant in held):
        return set()
    names = {name for grant in held for name in grant.edit}
    if not write:
        names.update(name for grant in held for name in grant.view)
    return names


def staff_group_ensure(*, capability: str):  # noqa: ANN201
    """The admin group of an admin capability, with exactly its model permissions (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    grant = ADMIN_GRANTS[capability]
    group, _ = Group.objects.get_or_create(name=grant.group)
    actions = ("add", "change", "delete", "view")
    codenames = [f"{action}_{model}" for model in grant.edit for action in actions]
    codenames += [f"view_{model}" for model in grant.view]
    perms = Permission.objects.filter(
        content_type__app_label__in=("knowledge", "governance"), codename__in=codenames
    )
    group.permissions.set(perms)
    return group


def member_staff_sync(*, user: Any) -> None:
    """Put `user` in the admin groups of the capabilities their policies hold, in any of their
    orgs, and out of the others; staff once one of them opens the admin. Run when a membership
    is created or changed and when a policy changes (`governance.signals`). Staff status is
    only ever granted here: a platform operator's stays as it is."""
    from django.contrib.auth.models import Group

    from apps.governance.selectors import capabilities_for

    policies = [
        capabilities_for(m)
        for m in Membership.all_tenants.filter(user=user).select_related("organization")
    ]
    held = {c for c in ADMIN_GRANTS for policy in policies if policy.can(c)}
    opens = any(ADMIN_GRANTS[c].opens_admin for c in held)
    wanted = {staff_group_ensure(capability=c).pk for c in held} if opens else set()
    ours = Group.objects.filter(name__in=[grant.group for grant in ADMIN_GRANTS.values()])
    user.groups.remove(*ours.exclude(pk__in=wanted))
    user.groups.add(*wanted)
    if opens and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])


_ATTR_REF = re.compile(r"^\{user\.([a-zA-Z_][a-zA-Z0-9_]*)\}$")


def policy_resolve(
    *,
    membership: Membership,
    table_names: Iterable[str] = (),
    catalog: CatalogFlags | None = None,
) -> DataPolicy:
    """Resolve the caller's effective DataPolicy for a data source with these tables.

    `catalog` (the source's tables, personal columns and sensitive tables) resolves the rule
    entries (`@pii`, `-@sensitive`) of the default policies; its tables stand in for
    `table_names`. Fails closed: no AccessPolicy row means no tables; a rule without the
    catalog's flags allows no table; a row filter referencing an attribute the member lacks
    matches no rows; masks and filters on tables of other sources are harmless.
    """
    return _policy_from_row(
        org=membership.organization,
        role=membership.role,
        table_names=catalog.tables if catalog is not None else table_names,
        attributes=membership.attributes,
        flags=catalog,
    )


_POLICY_MEMO: dict[tuple, DataPolicy] = {}
_POLICY_MEMO_MAX = 4096
_policy_memo_lock = threading.Lock()


def policy_resolve_memo(
    *, membership: Membership, catalog_version: tuple, catalog: Callable[[], CatalogFlags]
) -> DataPolicy:
    """`policy_resolve` memoised per membership and versions: the member's role and attributes,
    the org's limits, the role's policy row (its whole content: an edit made by a bulk update,
    which leaves `updated_at` alone, still counts) and the catalog's version (`catalog_version`,
    e.g. source, schema and knowledge versions). One indexed read of the policy row replaces the
    resolution on every question (a cached answer's path). `catalog` is called only on a miss."""
    org = membership.organization
    row = AccessPolicy.all_tenants.for_org(org).filter(role=membership.role).values().first()
    version = json.dumps(row, sort_keys=True, default=str)
    key = (
        membership.pk,
        membership.role,
        json.dumps(membership.attributes or {}, sort_keys=True, default=str),
        org.pk,
        org.row_cap,
        org.count_cap,
        org.query_timeout_ms,
        version,
        catalog_version,
    )
    policy = _POLICY_MEMO.get(key)
    if policy is None:
        policy = policy_resolve(membership=membership, catalog=catalog())
        with _policy_memo_lock:
            if len(_POLICY_MEMO) >= _POLICY_MEMO_MAX:
                _POLICY_MEMO.clear()
            _POLICY_MEMO[key] = policy
    return policy


def policy_resolve_for_role(
    *,
    org: Organization,
    role: str,
    table_names: Iterable[str] = (),
    catalog: CatalogFlags | None = None,
) -> DataPolicy:
    """A role's DataPolicy without a member: what the database enforces for every member.

    Filters on a user attribute keep the attribute's name (`RowFilter.attribute`) and no values;
    the database reads the member's values per query (see `engine.pg_roles`).
    """
    return _policy_from_row(
        org=org,
        role=role,
        table_names=catalog.tables if catalog is not None else table_names,
        attributes=None,
        flags=catalog,
    )


def _policy_from_row(
    *,
    org: Organization,
    role: str,
    table_names: Iterable[str],
    attributes: dict[str, Any] | None,
    flags: CatalogFlags | None = None,
) -> DataPolicy:
    tables = frozenset(table_names)
    row = AccessPolicy.all_tenants.for_org(org).filter(role=role).first()
    if row is None:
        return replace(
            no_capabilities(role),
            row_cap=org.row_cap,
            count_cap=org.count_cap,
            timeout_ms=org.query_timeout_ms,
        )
    allowed, masked = rules_resolve(
        allowed_entries=list(row.allowed_tables),
        masked_entries=list(row.masked_columns),
        tables=tables,
        flags=flags,
    )
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
        allowed_tables=allowed,
        masked_columns=masked,
        row_filters=tuple(filters),
        row_cap=org.row_cap,
        count_cap=org.count_cap,
        timeout_ms=org.query_timeout_ms,
        can_export=row.can_export,
        can_edit_sql=row.can_edit_sql,
        can_view_audit=row.can_view_audit,
        can_edit_knowledge=row.can_edit_knowledge,
        can_add_data=row.can_add_data,
    )


@functools.lru_cache(maxsize=8)
def _keyring_for(spec: str) -> AuditKeyring:
    return keyring_parse(spec)


def audit_keyring() -> AuditKeyring:
    """The audit keys from `DATACHAT_AUDIT_KEY` (the first signs, every one verifies)."""
    return _keyring_for(settings.DATACHAT_AUDIT_KEY)


def audit_chain_name(org: Organization | None) -> str:
    """How reports and checkpoints name a chain: the org's slug, or `(platform)`."""
    return PLATFORM_CHAIN if org is None else org.slug


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
    if entry.key_id != LEGACY_KEY_ID:
        # Bound into the keyed hash so an entry cannot be moved under another key; legacy
        # entries keep the exact payload they were hashed with.
        payload["kid"] = entry.key_id
    return canonical_json(payload)


def audit_hash(entry: AuditEntry, prev_hash: str, keyring: AuditKeyring | None = None) -> str:
    """The entry's hash under its own key id (KeyError for a key id the keyring lacks)."""
    return entry_digest(
        keyring=keyring or audit_keyring(),
        key_id=entry.key_id,
        prev_hash=prev_hash,
        payload=_canonical(entry),
    )


@transaction.atomic
@transaction.atomic(savepoint=False)
def audit_record(
    *,
    org: Organization | None,
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
    username: str | None = None,
    created_at: dt.datetime | None = None,
) -> AuditEntry:
    """Append one entry to the org's chain (`org=None`: the platform chain), keyed-hashed.

    The head row is bumped first: that takes the row lock on PostgreSQL and the write lock on
    SQLite, so concurrent appends of one chain are serialised and the chain never forks. Inside
    the caller's transaction (no savepoint of its own); a caller outside one gets one here, so the
    bump, the entry and the head's hash always commit together.
    `username` overrides the user's (a failed login's typed name); `created_at` dates an
    aggregated entry at its minute.
    """
    keyring = audit_keyring()
    # Bump first (one query on every entry but a chain's first, which creates its head).
    head = _chain_head_bump(org)
    if head is None:
        AuditChainHead.objects.get_or_create(organization=org)
        head = _chain_head_bump(org)
    head_pk, seq, last_hash = head
    entry = AuditEntry(
        organization=org,
        seq=seq,
        user=user if getattr(user, "pk", None) else None,
        username=(username if username is not None else getattr(user, "username", "") or "")[:150],
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
        created_at=created_at or timezone.now(),
        key_id=keyring.signing_key_id,
        prev_hash=last_hash,
    )
    entry.entry_hash = audit_hash(entry, last_hash, keyring)
    entry.save()
    AuditChainHead.objects.filter(pk=head_pk).update(last_hash=entry.entry_hash)
    return entry


def _chain_head_bump(org: Organization | None) -> tuple[int, int, str] | None:
    """Add one to the chain head's `seq` and read the head back (its id, the new seq and the
    last hash), holding the head's lock to the end of the transaction; None when the chain has
    no head yet. One statement where the database has `UPDATE … RETURNING` (PostgreSQL, SQLite
    3.35+), the bump and a locking read elsewhere."""
    if connection.vendor in ("postgresql", "sqlite"):
        quote = connection.ops.quote_name
        column = quote(AuditChainHead._meta.get_field("organization").column)
        where, params = (f"{column} IS NULL", []) if org is None else (f"{column} = %s", [org.pk])
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(AuditChainHead._meta.db_table)} SET {quote('seq')} = "  # noqa: S608 - names from the model
                f"{quote('seq')} + 1 WHERE {where} RETURNING {quote('id')}, {quote('seq')}, "
                f"{quote('last_hash')}",
                params,
            )
            row = cursor.fetchone()
        return (int(row[0]), int(row[1]), str(row[2])) if row else None
    if not AuditChainHead.objects.filter(organization=org).update(seq=F("seq") + 1):
        return None
    head = AuditChainHead.objects.select_for_update().get(organization=org)
    return head.pk, head.seq, head.last_hash


@dataclass(frozen=True)
class ChainReport:
    """What `audit_verify` found. `kind` says which check failed: `chain` (an entry), `head` (the
    stored head), `checkpoint` (the chain disagrees with the latest signed checkpoint)."""

    org: str
    entries: int
    ok: bool
    first_broken_seq: int | None = None
    reason: str = ""
    kind: str = ""
    last_seq: int = 0
    last_hash: str = GENESIS
    checkpoint_seq: int | None = None


def audit_verify(
    *, org: Organization | None, checkpoint: CheckpointChain | None = None
) -> ChainReport:
    """Walk a chain in order and report the first entry, head or checkpoint that does not hold.

    Each entry must follow the previous one (seq and prev_hash) and carry the keyed hash of its
    own content; unkeyed (legacy SHA-256) entries are accepted only up to the chain's sealed
    legacy boundary. Then the stored head must name the last entry (seq and hash), and the entry
    a signed checkpoint recorded must still be there with the same hash.
    """
    keyring = audit_keyring()
    name = audit_chain_name(org)
    head = AuditChainHead.objects.filter(organization=org).first()
    legacy_seq = head.legacy_seq if head is not None and head.legacy_seal else 0
    prev = GENESIS
    count = 0
    checkpoint_hash: str | None = None

    def broken(seq: int, reason: str, kind: str = "chain") -> ChainReport:
        return ChainReport(name, count, False, seq, reason, kind, count, prev)

    for entry in AuditEntry.objects.filter(organization=org).order_by("seq").iterator():
        expected = count + 1
        if entry.seq != expected:
            return broken(expected, f"entry missing (the next entry is {entry.seq})")
        if entry.prev_hash != prev:
            return broken(entry.seq, "prev_hash does not link to the previous entry")
        if entry.key_id == LEGACY_KEY_ID and entry.seq > legacy_seq:
            return broken(entry.seq, "unkeyed (plain SHA-256) entry after the legacy boundary")
        if entry.key_id != LEGACY_KEY_ID and keyring.secret(entry.key_id) is None:
            return broken(entry.seq, f"signed with unknown key id {entry.key_id!r}")
        if not hmac.compare_digest(audit_hash(entry, prev, keyring), entry.entry_hash):
            return broken(entry.seq, "content was altered (the keyed hash does not match)")
        if entry.seq == legacy_seq and not _legacy_seal_ok(head, org, entry, keyring):
            return broken(entry.seq, "the legacy entries do not match their seal")
        if checkpoint is not None and entry.seq == checkpoint.seq:
            checkpoint_hash = entry.entry_hash
        count += 1
        prev = entry.entry_hash
    if legacy_seq > count:
        return broken(count + 1, f"entries missing before the legacy boundary ({legacy_seq})")
    if head is None:
        if count:
            return broken(count, "the chain head is missing", "head")
    elif head.seq > count:
        return broken(count + 1, f"entries missing at the end (the head says {head.seq})", "head")
    elif head.seq < count:
        return broken(head.seq + 1, f"the head is behind the last entry ({head.seq})", "head")
    elif not hmac.compare_digest(head.last_hash, prev):
        return broken(count, "the head's hash is not the last entry's", "head")
    if checkpoint is not None:
        if checkpoint.seq > count:
            return broken(
                count + 1,
                f"entries missing at the end: the checkpoint of {checkpoint.at} recorded "
                f"{checkpoint.seq}, the chain has {count}",
                "checkpoint",
            )
        if checkpoint.seq and not hmac.compare_digest(checkpoint_hash or "", checkpoint.hash):
            return broken(
                checkpoint.seq,
                f"the entry differs from the checkpoint of {checkpoint.at}",
                "checkpoint",
            )
    return ChainReport(
        name,
        count,
        True,
        last_seq=count,
        last_hash=prev,
        checkpoint_seq=checkpoint.seq if checkpoint is not None else None,
    )


def _legacy_seal_ok(
    head: AuditChainHead, org: Organization | None, entry: AuditEntry, keyring: AuditKeyring
) -> bool:
    try:
        expected = legacy_seal(
            keyring=keyring,
            key_id=head.legacy_key_id,
            chain=chain_label(org.pk if org is not None else None),
            seq=entry.seq,
            last_hash=entry.entry_hash,
        )
    except KeyError:
        return False
    return hmac.compare_digest(expected, head.legacy_seal)


@transaction.atomic
def audit_legacy_seal(*, org: Organization | None) -> int:
    """Seal a chain's unkeyed (pre-HMAC) entries: the last one's hash, keyed, on the head.

    The migration that introduced keys does this for every chain (with the historical models;
    this is the same computation). Returns the sealed boundary (0: nothing unkeyed).
    """
    last = (
        AuditEntry.objects.filter(organization=org, key_id=LEGACY_KEY_ID).order_by("-seq").first()
    )
    if last is None:
        return 0
    keyring = audit_keyring()
    head, _ = AuditChainHead.objects.get_or_create(
        organization=org, defaults={"seq": last.seq, "last_hash": last.entry_hash}
    )
    seal = legacy_seal(
        keyring=keyring,
        key_id=keyring.signing_key_id,
        chain=chain_label(org.pk if org is not None else None),
        seq=last.seq,
        last_hash=last.entry_hash,
    )
    AuditChainHead.objects.filter(pk=head.pk).update(
        legacy_seq=last.seq, legacy_key_id=keyring.signing_key_id, legacy_seal=seal
    )
    return last.seq
