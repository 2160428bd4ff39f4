"""Signed audit checkpoints, kept outside the app database.

A checkpoint records, for every chain (each organization's and the platform's), the last
entry's sequence and hash, and the time; it is signed with the audit key (HMAC, key id named in
the line) and appended as one JSON line to `checkpoints.jsonl` in `DATACHAT_AUDIT_CHECKPOINT_DIR`
and written to the log stream (logger `datachat.audit`). `manage.py audit_checkpoint` writes one
now; Celery beat runs `governance.tasks.audit_checkpoint_task` every 15 minutes.

`verify_audit` compares every chain with the latest checkpoint whose signature holds: someone who
deletes the tail of a chain and lowers its head leaves a chain that is consistent in itself, but
shorter than (or different from) what the checkpoint saw. A line whose signature does not hold
(forged, edited, or signed by a key no longer configured) is reported.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from apps.governance.engine.audit_chain import (
    GENESIS,
    checkpoint_sign,
    checkpoint_signature_ok,
)
from apps.governance.models import AuditChainHead, AuditEntry, Organization
from apps.governance.services import PLATFORM_CHAIN, audit_keyring

logger = logging.getLogger("datachat.audit")

CHECKPOINT_FILE = "checkpoints.jsonl"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class CheckpointChain:
    """One chain as a checkpoint saw it (`org_id` None: the platform chain)."""

    org_id: int | None
    org: str
    seq: int
    hash: str
    at: str


@dataclass(frozen=True)
class Checkpoint:
    at: str
    line: int
    chains: tuple[CheckpointChain, ...]

    def chain_for(self, org_id: int | None) -> CheckpointChain | None:
        return next((c for c in self.chains if c.org_id == org_id), None)


@dataclass(frozen=True)
class CheckpointLog:
    """The checkpoint file as read: the latest valid checkpoint and every line that is not."""

    path: Path
    exists: bool
    latest: Checkpoint | None
    bad_lines: tuple[tuple[int, str], ...]
    valid: int


def audit_checkpoint_path() -> Path:
    return Path(settings.DATACHAT_AUDIT_CHECKPOINT_DIR) / CHECKPOINT_FILE


def _chains_now() -> list[dict[str, Any]]:
    chains = []
    orgs: list[Organization | None] = [*Organization.objects.order_by("pk")]
    if AuditChainHead.objects.filter(organization=None).exists():
        orgs.append(None)
    for org in orgs:
        last = (
            AuditEntry.objects.filter(organization=org)
            .order_by("-seq")
            .values_list("seq", "entry_hash")
            .first()
        )
        seq, entry_hash = last or (0, GENESIS)
        chains.append(
            {
                "org_id": org.pk if org is not None else None,
                "org": org.slug if org is not None else PLATFORM_CHAIN,
                "seq": seq,
                "hash": entry_hash,
            }
        )
    return chains


def audit_checkpoint_write() -> dict[str, Any]:
    """Sign the head of every chain now and append it to the checkpoint file and the log.

    Refusal buckets of closed minutes are rolled into their chains first, so the checkpoint
    covers them. The file is opened for appending only, locked while the line is written, and
    synced to disk before this returns. Returns the signed checkpoint.
    """
    from apps.governance.refusals import refusal_buckets_flush

    refusal_buckets_flush()
    body = {"v": FORMAT_VERSION, "at": timezone.now().isoformat(), "chains": _chains_now()}
    signed = checkpoint_sign(audit_keyring(), body)
    line = json.dumps(signed, sort_keys=True, ensure_ascii=False)
    path = audit_checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock
    logger.info("audit checkpoint %s", line)
    return signed


def _parse(keyring: Any, number: int, raw: str) -> tuple[Checkpoint | None, str]:
    try:
        data = json.loads(raw)
    except ValueError:
        return None, "not JSON"
    if not isinstance(data, dict):
        return None, "not a checkpoint object"
    if not checkpoint_signature_ok(keyring, data):
        return None, f"bad signature (key id {data.get('key_id')!r})"
    try:
        at = str(data["at"])
        chains = tuple(
            CheckpointChain(
                org_id=c["org_id"], org=str(c["org"]), seq=int(c["seq"]), hash=str(c["hash"]), at=at
            )
            for c in data["chains"]
        )
    except (KeyError, TypeError, ValueError):
        return None, "signed, but not in the checkpoint format"
    return Checkpoint(at=at, line=number, chains=chains), ""


def audit_checkpoint_read(path: Path | None = None) -> CheckpointLog:
    """Every line of the checkpoint file, signature checked; the last valid one is the latest."""
    path = path or audit_checkpoint_path()
    if not path.exists():
        return CheckpointLog(path, False, None, (), 0)
    keyring = audit_keyring()
    latest = None
    bad: list[tuple[int, str]] = []
    valid = 0
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            checkpoint, problem = _parse(keyring, number, raw)
            if checkpoint is None:
                bad.append((number, problem))
            else:
                valid += 1
                latest = checkpoint
    return CheckpointLog(path, True, latest, tuple(bad), valid)
