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
