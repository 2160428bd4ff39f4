"""The caller's data policy, resolved to plain data for the guard, the executor and the cache key.

Resolution (apps.governance.services.policy_resolve) turns an org's AccessPolicy rows, the caller's
role and attributes, and the source's catalog into one `DataPolicy`. Everything here is explicit:
no "all tables" wildcard survives resolution, so a policy that forgot a table denies it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

MASK = "***"

# Rule entries of an AccessPolicy, resolved against the catalog's flags at every resolution, so
# a table or column added by a later refresh follows the rule instead of a frozen list:
# `allowed_tables: ["*", "-@sensitive"]` (every table but the sensitive ones; a sensitive table
# named explicitly is allowed), `masked_columns: ["@pii"]` (every personal column; an entry
# `-table.column` leaves that one unmasked).
PII_RULE = "@pii"
SENSITIVE_RULE = "@sensitive"


@dataclass(frozen=True)
class CatalogFlags:
    """What the rules need from a source's catalog: its tables, personal columns, sensitive
    tables (plain data: governance sits below the knowledge app that owns the catalog)."""

    tables: frozenset[str]
    personal: frozenset[tuple[str, str]] = frozenset()
    sensitive: frozenset[str] = frozenset()


def rules_resolve(
    *,
    allowed_entries: list[str],
    masked_entries: list[str],
    tables: frozenset[str],
    flags: CatalogFlags | None,
) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    """Allowed tables and masked columns from a policy's entries and the catalog's flags.

    Fails closed: a policy using a rule (`@pii`, `@sensitive`) resolved without the catalog's
    flags allows no table at all, rather than leaving personal columns unmasked.
    """
    uses_rules = any(PII_RULE in e or SENSITIVE_RULE in e for e in allowed_entries) or any(
        PII_RULE in e for e in masked_entries
    )
    if uses_rules and flags is None:
        return frozenset(), frozenset()
    named = {e for e in allowed_entries if e and not e.startswith(("-", "@")) and e != "*"}
    allowed: set[str] = set()
    for entry in allowed_entries:
        if entry == "*":
            allowed |= tables
        elif entry in tables:
            allowed.add(entry)
    for entry in allowed_entries:
        if entry == "-" + SENSITIVE_RULE and flags is not None:
            allowed -= flags.sensitive - named  # an admin allows one by naming it
        elif entry.startswith("-"):
            allowed.discard(entry[1:])
    masked: set[tuple[str, str]] = set()
    for entry in masked_entries:
        if entry == PII_RULE and flags is not None:
            masked |= flags.personal
        elif "." in entry and not entry.startswith("-"):
            table, column = entry.split(".", 1)
            masked.add((table, column))
    for entry in masked_entries:
        if entry.startswith("-") and "." in entry:
            table, column = entry[1:].split(".", 1)
            masked.discard((table, column))
    return frozenset(allowed), frozenset(masked)


@dataclass(frozen=True)
class RowFilter:
    """Rows of `table` visible to the caller: `column IN values` (one value means `=`).

    `attribute` names the membership attribute the values came from (`region` for
    "{user.region}"), empty for a fixed value: the database's own row-level security policy is
    keyed on that attribute (see `engine.pg_roles`).
    """

    table: str
    column: str
    values: tuple[str | int | float, ...]
    attribute: str = ""


# Every capability a role may hold: the one vocabulary of what a member may do, read by the
# pages, the template tags, the API's permission classes and the services alike (through
# `apps.governance.selectors.capabilities_for`). Each is a field of `DataPolicy` and a boolean
# of the org's `AccessPolicy` row of the role (`can_query` is the row's `can_query_data`).
CAPABILITIES: tuple[str, ...] = (
    "can_query",  # ask data questions (COMPLIANCE does not)
    "can_export",  # download an answer's rows as CSV/Excel
    "can_edit_sql",  # see an answer's SQL in the editor, edit it and run it (`query`)
    "can_view_audit",  # the audit log, its export and the anomaly reports
    "can_edit_knowledge",  # the review queue, knowledge edits and the admin's knowledge models
    # connect a data source, see every source of the org; in the admin, its policies, members and
    # access requests (the org's administration: `governance.services.ADMIN_GRANTS`)
    "can_add_data",
)


@dataclass(frozen=True)
class DataPolicy:
    role: str
    can_query: bool  # COMPLIANCE asks no data questions
    allowed_tables: frozenset[str]
    masked_columns: frozenset[tuple[str, str]]  # (table, column): shown as MASK, never filtered on
    row_filters: tuple[RowFilter, ...] = ()
    row_cap: int = 1000  # rows returned in an answer
    count_cap: int = 100_000  # rows the executor reads at most (to count row_count)
    timeout_ms: int = 5000
    can_export: bool = False
    can_edit_sql: bool = False
    can_view_audit: bool = False
    can_edit_knowledge: bool = False
    can_add_data: bool = False

    def can(self, capability: str) -> bool:
        """Whether the policy grants `capability` (one of `CAPABILITIES`; anything else raises)."""
        if capability not in CAPABILITIES:
            raise ValueError(f"unknown capability {capability!r}")
        return bool(getattr(self, capability))

    def filters_for(self, table: str) -> tuple[RowFilter, ...]:
        return tuple(f for f in self.row_filters if f.table == table)

    def fingerprint(self) -> str:
        """Stable digest of all that changes what a query may return: part of every cache key."""
        payload = {
            "role": self.role,
            "can_query": self.can_query,
            "tables": sorted(self.allowed_tables),
            "masked": sorted(f"{t}.{c}" for t, c in self.masked_columns),
            "filters": sorted(
                [f.table, f.column, [str(v) for v in f.values]] for f in self.row_filters
            ),
            "row_cap": self.row_cap,
            "count_cap": self.count_cap,
        }
        raw = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(raw).hexdigest()[:24]


def no_capabilities(role: str = "") -> DataPolicy:
    """The policy of a caller without a membership or without a policy row: nothing at all."""
    return DataPolicy(
        role=role, can_query=False, allowed_tables=frozenset(), masked_columns=frozenset()
    )
