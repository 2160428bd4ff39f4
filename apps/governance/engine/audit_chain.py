"""The audit chain's cryptography: keyed entry hashes, the legacy seal and signed checkpoints.

Plain Python over plain data (no Django), so settings can validate a key at start-up and the
migration that seals the pre-HMAC entries can use exactly the code the verifier uses.

- An entry's hash is `HMAC-SHA256(key[key_id], prev_hash || canonical_json(fields + key_id))`.
  The key lives outside the database (`DATACHAT_AUDIT_KEY`), so someone who can write the tables
  but does not hold the key cannot recompute a valid hash after editing an entry.
- Entries written before keys existed keep their plain `sha256(prev_hash || canonical_json)` and
  an empty key id. They are accepted only up to a per-chain boundary (`legacy_seq`) whose last
  hash is sealed with the key; anything unkeyed after it is a forgery (a downgrade), and editing
  a sealed legacy entry changes the last legacy hash, which the seal then no longer matches.
- A checkpoint (head sequence and hash of every chain, and the time) is signed with the key and
  kept outside the database; it catches what a chain alone cannot: a deleted tail with a lowered
  head.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
LEGACY_KEY_ID = ""  # entries hashed with plain SHA-256, before keys existed
DEFAULT_KEY_ID = "k1"  # the id of a key given as a bare secret
MIN_SECRET_LENGTH = 16
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,16}$")

# Domain separation: the same key signs entries, legacy seals and checkpoints, and a value
# signed for one purpose must never verify as another.
_SEAL_DOMAIN = b"datachat-audit-legacy-seal\x00"
_CHECKPOINT_DOMAIN = b"datachat-audit-checkpoint\x00"


class AuditKeyError(ValueError):
    """The key setting cannot be used (empty, malformed, a duplicate id, a short secret)."""


@dataclass(frozen=True)
class AuditKeyring:
    """The keys that verify, in order; the first one signs."""

    keys: tuple[tuple[str, bytes], ...]

    @property
    def signing_key_id(self) -> str:
        return self.keys[0][0]

    def secret(self, key_id: str) -> bytes | None:
        for kid, secret in self.keys:
            if kid == key_id:
                return secret
        return None

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(kid for kid, _ in self.keys)


def keyring_parse(spec: str) -> AuditKeyring:
    """`kid:secret,kid:secret,…` (the first signs, all verify), or one bare secret (id `k1`).

    A secret may not contain a comma; a bare secret that contains a colon must be given an id.
    """
    items = [item.strip() for item in (spec or "").split(",") if item.strip()]
    if not items:
        raise AuditKeyError("DATACHAT_AUDIT_KEY is empty")
    keys: list[tuple[str, bytes]] = []
    for item in items:
        if ":" in item:
            kid, secret = item.split(":", 1)
            kid = kid.strip()
            if not _KEY_ID.match(kid):
                raise AuditKeyError(
                    f"DATACHAT_AUDIT_KEY: key id {kid!r} must be 1-16 letters, digits, '_.-'"
                )
        elif len(items) == 1:
            kid, secret = DEFAULT_KEY_ID, item
        else:
            raise AuditKeyError("DATACHAT_AUDIT_KEY: with several keys, each needs an id (kid:…)")
        if len(secret) < MIN_SECRET_LENGTH:
            raise AuditKeyError(
                f"DATACHAT_AUDIT_KEY: the secret of {kid!r} is shorter than "
                f"{MIN_SECRET_LENGTH} characters"
            )
        if any(kid == known for known, _ in keys):
            raise AuditKeyError(f"DATACHAT_AUDIT_KEY: key id {kid!r} appears twice")
        keys.append((kid, secret.encode()))
    return AuditKeyring(keys=tuple(keys))


def keyring_derived(secret_key: str) -> str:
    """The key setting of local and test runs (id `dev`), derived from Django's secret key."""
    digest = hmac.new(secret_key.encode(), b"datachat-audit-key", hashlib.sha256).hexdigest()
    return f"dev:{digest}"


def chain_label(org_id: int | None) -> str:
    """The name a seal binds a chain by: `org:<id>`, or `platform`."""
    return "platform" if org_id is None else f"org:{org_id}"


def canonical_json(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()


def entry_digest(*, keyring: AuditKeyring, key_id: str, prev_hash: str, payload: bytes) -> str:
    """The hash of one entry: keyed, or plain SHA-256 for the legacy id. Unknown id: KeyError."""
    if key_id == LEGACY_KEY_ID:
        return hashlib.sha256(prev_hash.encode() + payload).hexdigest()
    secret = keyring.secret(key_id)
    if secret is None:
        raise KeyError(key_id)
    return hmac.new(secret, prev_hash.encode() + payload, hashlib.sha256).hexdigest()


def legacy_seal(*, keyring: AuditKeyring, key_id: str, chain: str, seq: int, last_hash: str) -> str:
    """The keyed seal over a chain's last pre-HMAC entry. Unknown id: KeyError."""
    secret = keyring.secret(key_id)
    if secret is None:
        raise KeyError(key_id)
    message = _SEAL_DOMAIN + canonical_json({"chain": chain, "seq": seq, "hash": last_hash})
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def checkpoint_sign(keyring: AuditKeyring, body: Mapping[str, Any]) -> dict[str, Any]:
    """`body` with `key_id` and `sig` (HMAC over everything else) added, signed by the first key."""
    unsigned = {k: v for k, v in body.items() if k not in ("key_id", "sig")}
    unsigned["key_id"] = keyring.signing_key_id
    secret = keyring.secret(keyring.signing_key_id)
    assert secret is not None
    sig = hmac.new(secret, _CHECKPOINT_DOMAIN + canonical_json(unsigned), hashlib.sha256)
    return {**unsigned, "sig": sig.hexdigest()}


def checkpoint_signature_ok(keyring: AuditKeyring, signed: Mapping[str, Any]) -> bool:
    """Whether a checkpoint's signature holds under the key it names (unknown key: False)."""
    sig = signed.get("sig")
    key_id = signed.get("key_id")
    if not isinstance(sig, str) or not isinstance(key_id, str):
        return False
    secret = keyring.secret(key_id)
    if secret is None:
        return False
    unsigned = {k: v for k, v in signed.items() if k != "sig"}
    expected = hmac.new(secret, _CHECKPOINT_DOMAIN + canonical_json(unsigned), hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), sig)
