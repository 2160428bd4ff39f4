"""What a database administrator without the audit key can do to the audit tables.

Raw SQL through `connection.cursor()` (the model refuses updates and deletes; raw SQL does not),
and the hash recomputed with plain SHA-256 over the same canonical JSON the app uses: the
attacker has the source code and the database, not `DATACHAT_AUDIT_KEY`. Used by the SQLite
suite in-process and by the PostgreSQL suite inside `manage.py shell`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import connection

ENTRY = "governance_auditentry"
HEAD = "governance_auditchainhead"


def _where_org(org_id: int | None) -> tuple[str, list[Any]]:
    if org_id is None:
        return "organization_id IS NULL", []
    return "organization_id = %s", [org_id]


def execute(sql: str, params: list[Any] | None = None) -> int:
    with connection.cursor() as cur:
        cur.execute(sql, params or [])
        return cur.rowcount


def entry_ids(org_id: int | None) -> list[tuple[int, int]]:
    """(seq, id) of the chain, in order."""
    where, params = _where_org(org_id)
    with connection.cursor() as cur:
        cur.execute(f"SELECT seq, id FROM {ENTRY} WHERE {where} ORDER BY seq", params)
        return [(int(seq), int(pk)) for seq, pk in cur.fetchall()]


def update_entry(org_id: int | None, seq: int, **columns: Any) -> None:
    where, params = _where_org(org_id)
    sets = ", ".join(f"{name} = %s" for name in columns)
    changed = execute(
        f"UPDATE {ENTRY} SET {sets} WHERE {where} AND seq = %s",
        [*columns.values(), *params, seq],
    )
    assert changed == 1, f"no entry {seq}"


def set_head(org_id: int | None, seq: int, last_hash: str) -> None:
    where, params = _where_org(org_id)
    execute(f"UPDATE {HEAD} SET seq = %s, last_hash = %s WHERE {where}", [seq, last_hash, *params])


def _sha256_hash(pk: int, prev_hash: str, key_id: str) -> str:
    # The app's own canonical form of the row as it now stands, hashed without a key.
    from apps.governance.models import AuditEntry
    from apps.governance.services import _canonical

    entry = AuditEntry.objects.get(pk=pk)
    entry.key_id = key_id
    return hashlib.sha256(prev_hash.encode() + _canonical(entry)).hexdigest()


def rehash_from(org_id: int | None, seq: int, *, downgrade: bool = False) -> str:
    """Recompute prev_hash and entry_hash of entry `seq` and every later one with plain SHA-256
    (keeping each entry's key id, or with `downgrade` clearing it to pass as a legacy entry), then
    point the head at the new last hash. Returns that hash."""
    ids = entry_ids(org_id)
    prev = "0" * 64
    where, params = _where_org(org_id)
    with connection.cursor() as cur:
        for current, pk in ids:
            if current < seq:
                cur.execute(f"SELECT entry_hash FROM {ENTRY} WHERE id = %s", [pk])
                prev = cur.fetchone()[0]
                continue
            cur.execute(f"SELECT key_id FROM {ENTRY} WHERE id = %s", [pk])
            key_id = "" if downgrade else cur.fetchone()[0]
            cur.execute(
                f"UPDATE {ENTRY} SET prev_hash = %s, key_id = %s WHERE id = %s",
                [prev, key_id, pk],
            )
            new_hash = _sha256_hash(pk, prev, key_id)
            cur.execute(f"UPDATE {ENTRY} SET entry_hash = %s WHERE id = %s", [new_hash, pk])
            prev = new_hash
        cur.execute(
            f"UPDATE {HEAD} SET seq = %s, last_hash = %s WHERE {where}",
            [ids[-1][0] if ids else 0, prev, *params],
        )
    return prev


def delete_tail(org_id: int | None, count: int) -> None:
    """Delete the last `count` entries and lower the head to the new last entry, consistently."""
    ids = entry_ids(org_id)
    keep, drop = ids[:-count], ids[-count:]
    for _, pk in drop:
        execute(f"DELETE FROM {ENTRY} WHERE id = %s", [pk])
    with connection.cursor() as cur:
        cur.execute(f"SELECT entry_hash FROM {ENTRY} WHERE id = %s", [keep[-1][1]])
        last_hash = cur.fetchone()[0]
    set_head(org_id, keep[-1][0], last_hash)


def swap(org_id: int | None, first: int, second: int) -> None:
    """Exchange the positions (seq) of two entries (through a free seq: seq is unique)."""
    ids = dict(entry_ids(org_id))
    parking = max(ids) + 1000
    execute(f"UPDATE {ENTRY} SET seq = %s WHERE id = %s", [parking, ids[first]])
    execute(f"UPDATE {ENTRY} SET seq = %s WHERE id = %s", [first, ids[second]])
    execute(f"UPDATE {ENTRY} SET seq = %s WHERE id = %s", [second, ids[first]])
