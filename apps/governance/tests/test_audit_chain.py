"""The audit chain's keyring and signatures, alone (governance/engine/audit_chain.py)."""

from __future__ import annotations

import pytest

from apps.governance.engine.audit_chain import (
    AuditKeyError,
    checkpoint_sign,
    checkpoint_signature_ok,
    entry_digest,
    keyring_derived,
    keyring_parse,
    legacy_seal,
)

SECRET_A = "a-long-enough-secret-aaaaaaaa"
SECRET_B = "another-long-secret-bbbbbbbbb"


def test_a_bare_secret_is_key_k1_and_a_list_signs_with_its_first_key():
    assert keyring_parse(SECRET_A).key_ids == ("k1",)
    ring = keyring_parse(f"new:{SECRET_B}, old:{SECRET_A}")
    assert ring.key_ids == ("new", "old") and ring.signing_key_id == "new"
    assert ring.secret("old") == SECRET_A.encode() and ring.secret("k1") is None
    assert keyring_parse(keyring_derived("some django secret")).key_ids == ("dev",)


@pytest.mark.parametrize(
    "spec, problem",
    [
        ("", "empty"),
        (" , ", "empty"),
        ("short", "shorter"),
        (f"k1:{SECRET_A},k1:{SECRET_B}", "twice"),
        (f"{SECRET_A},{SECRET_B}", "each needs an id"),
        (f"bad id!:{SECRET_A}", "key id"),
    ],
)
def test_unusable_key_settings_are_refused_with_a_reason(spec, problem):
    with pytest.raises(AuditKeyError, match=problem):
        keyring_parse(spec)


def test_entry_digests_depend_on_the_key_and_unknown_ids_fail():
    a, b = keyring_parse(f"k1:{SECRET_A}"), keyring_parse(f"k1:{SECRET_B}")
    args = {"key_id": "k1", "prev_hash": "0" * 64, "payload": b'{"x":1}'}
    assert entry_digest(keyring=a, **args) != entry_digest(keyring=b, **args)
    assert entry_digest(keyring=a, **args) == entry_digest(keyring=a, **args)
    with pytest.raises(KeyError):
        entry_digest(keyring=a, key_id="k9", prev_hash="0" * 64, payload=b"")
    seal = legacy_seal(keyring=a, key_id="k1", chain="org:1", seq=3, last_hash="ab" * 32)
    assert seal != legacy_seal(keyring=a, key_id="k1", chain="org:2", seq=3, last_hash="ab" * 32)


def test_checkpoint_signatures_catch_any_change_and_foreign_keys():
    ring = keyring_parse(f"k2:{SECRET_B},k1:{SECRET_A}")
    signed = checkpoint_sign(ring, {"v": 1, "at": "t", "chains": [{"org_id": 1, "seq": 5}]})
    assert signed["key_id"] == "k2" and checkpoint_signature_ok(ring, signed)
    assert checkpoint_signature_ok(keyring_parse(f"k2:{SECRET_B}"), signed)
    lowered = {**signed, "chains": [{"org_id": 1, "seq": 4}]}
    assert not checkpoint_signature_ok(ring, lowered)
    assert not checkpoint_signature_ok(ring, {**signed, "key_id": "k1"})
    assert not checkpoint_signature_ok(keyring_parse(f"k1:{SECRET_A}"), signed)
    assert not checkpoint_signature_ok(ring, {k: v for k, v in signed.items() if k != "sig"})
