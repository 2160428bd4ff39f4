"""The audit chain against a database administrator without the key (SQLite; PostgreSQL in
tests/test_audit_postgres.py): every quiet rewrite is detected by `verify_audit`."""

from __future__ import annotations

import io
import json
import logging
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.governance.checkpoints import audit_checkpoint_path, audit_checkpoint_write
from apps.governance.engine.audit_chain import checkpoint_sign, keyring_parse
from apps.governance.models import AuditChainHead, AuditEntry
from apps.governance.services import (
    audit_hash,
    audit_legacy_seal,
    audit_record,
    audit_verify,
    organization_create,
)
from tests.support import audit_tamper as dba

pytestmark = pytest.mark.django_db

KEY_1 = "k1:first-audit-secret-0123456789abcdef"
KEY_2 = "k2:second-audit-secret-fedcba9876543210"


@pytest.fixture
def audit_settings(settings, tmp_path):  # noqa: ANN001, ANN201
    """A known key first (the suite's own key still verifies the seeded orgs' chains), and a
    checkpoint directory of this test's own."""
    settings.DATACHAT_AUDIT_KEY = f"{KEY_1},{settings.DATACHAT_AUDIT_KEY}"
    settings.DATACHAT_AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    return settings


@pytest.fixture
def chain(audit_settings):  # noqa: ANN001, ANN201
    """A fresh org with six entries; returns the org."""
    org = organization_create(name="Tamper", slug=f"tamper-{uuid.uuid4().hex[:8]}")
    for n in range(6):
        audit_record(
            org=org,
            user=None,
            action="ask",
            outcome="answered",
            question=f"question {n}",
            row_count=n,
        )
    return org


def verify_command(*args: str) -> tuple[bool, str]:
    out = io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


def test_entries_carry_keyed_hashes_and_the_key_id(chain):
    entries = list(AuditEntry.objects.filter(organization=chain).order_by("seq"))
    assert {e.key_id for e in entries} == {"k1"}
    first = entries[0]
    # Not the plain SHA-256 of before: without the key the hash cannot be recomputed.
    first.key_id = ""
    assert audit_hash(first, "0" * 64) != entries[0].entry_hash
    report = audit_verify(org=chain)
    assert report.ok and report.entries == 6 and report.last_seq == 6


def test_middle_entry_edited_and_every_hash_recomputed_with_sha256_is_detected(chain):
    dba.update_entry(chain.pk, 3, question="nothing to see here", row_count=0)
    dba.rehash_from(chain.pk, 3)  # the attacker has no key: plain SHA-256, head fixed too
    report = audit_verify(org=chain)
    assert not report.ok and report.first_broken_seq == 3
    assert "altered" in report.reason
    ok, out = verify_command("--org", chain.slug)
    assert not ok and f"{chain.slug}: BROKEN at entry 3" in out


def test_rewriting_entries_as_legacy_sha256_is_detected(chain):
    """The downgrade: clear the key id so the rewritten entries pass as pre-HMAC ones."""
    dba.update_entry(chain.pk, 2, row_count=999)
    dba.rehash_from(chain.pk, 1, downgrade=True)
    report = audit_verify(org=chain)
    assert not report.ok and report.first_broken_seq == 1
    assert "legacy boundary" in report.reason


def test_last_entry_edited_and_head_fixed_is_detected(chain):
    dba.update_entry(chain.pk, 6, outcome="refused", code="not_authorized")
    new_last = dba.rehash_from(chain.pk, 6)
    assert AuditChainHead.objects.get(organization=chain).last_hash == new_last
    report = audit_verify(org=chain)
    assert not report.ok and report.first_broken_seq == 6 and report.kind == "chain"


def test_the_stored_head_must_name_the_last_entry(chain):
    last = AuditEntry.objects.get(organization=chain, seq=6)
    dba.set_head(chain.pk, 6, "f" * 64)
    report = audit_verify(org=chain)
    assert not report.ok and report.kind == "head" and "head's hash" in report.reason
    dba.set_head(chain.pk, 8, last.entry_hash)
    report = audit_verify(org=chain)
    assert not report.ok and report.first_broken_seq == 7 and "missing at the end" in report.reason


def test_two_entries_reordered_is_detected(chain):
    dba.swap(chain.pk, 2, 4)
    report = audit_verify(org=chain)
    assert not report.ok and report.first_broken_seq == 2


def test_tail_deleted_and_head_lowered_is_detected_by_the_checkpoint(chain):
    audit_checkpoint_write()
    dba.delete_tail(chain.pk, 2)
    # The chain alone is consistent again: this is what only the checkpoint can catch.
    assert audit_verify(org=chain).ok
    ok, out = verify_command("--org", chain.slug)
    assert not ok
    assert f"{chain.slug}: DISAGREES WITH CHECKPOINT at entry 5" in out
    assert "recorded 6, the chain has 4" in out
    ok, out = verify_command("--org", chain.slug, "--no-checkpoint")
    assert ok and f"{chain.slug}: OK, 4 entries" in out


def test_tail_replaced_after_the_checkpoint_is_detected(chain):
    """Delete the tail, then append new entries through the app up to the same length."""
    audit_checkpoint_write()
    dba.delete_tail(chain.pk, 2)
    for n in range(2):
        audit_record(org=chain, user=None, action="ask", outcome="answered", question=f"new {n}")
    assert audit_verify(org=chain).ok
    ok, out = verify_command("--org", chain.slug)
    assert not ok and "DISAGREES WITH CHECKPOINT at entry 6" in out


def test_checkpoints_go_to_the_file_and_the_log_and_verify(chain, caplog):
    with caplog.at_level(logging.INFO, logger="datachat.audit"):
        out = io.StringIO()
        call_command("audit_checkpoint", stdout=out)
    lines = audit_checkpoint_path().read_text().splitlines()
    assert len(lines) == 1
    signed = json.loads(lines[0])
    assert signed["key_id"] == "k1" and len(signed["sig"]) == 64
    mine = next(c for c in signed["chains"] if c["org_id"] == chain.pk)
    last = AuditEntry.objects.get(organization=chain, seq=6)
    assert (mine["org"], mine["seq"], mine["hash"]) == (chain.slug, 6, last.entry_hash)
    assert any(
        "audit checkpoint" in r.getMessage() and signed["sig"] in r.getMessage()
        for r in caplog.records
    )
    ok, out = verify_command("--org", chain.slug)
    assert ok and "checkpoint at entry 6 matches" in out
    # Later appends are fine: the checkpointed entry is still there, unchanged.
    audit_record(org=chain, user=None, action="ask", outcome="answered")
    assert verify_command("--org", chain.slug)[0]


def test_a_forged_checkpoint_is_reported(chain):
    audit_checkpoint_write()
    dba.delete_tail(chain.pk, 2)
    genuine = json.loads(audit_checkpoint_path().read_text().splitlines()[-1])
    # The attacker lowers the checkpoint too: edits the line (the signature no longer holds) and
    # appends one signed with a key of their own under the real key id.
    edited = dict(genuine, chains=[dict(c, seq=4) for c in genuine["chains"]])
    forged = checkpoint_sign(
        keyring_parse("k1:attackers-own-key-0000000000000"),
        {k: v for k, v in edited.items() if k != "sig"},
    )
    with audit_checkpoint_path().open("a") as handle:
        handle.write(json.dumps(edited) + "\n")
        handle.write(json.dumps(forged) + "\n")
        handle.write("not even json\n")
    ok, out = verify_command("--org", chain.slug)
    assert not ok
    assert "line 2: INVALID (bad signature" in out and "line 3: INVALID (bad signature" in out
    assert "line 4: INVALID (not JSON)" in out
    # The latest checkpoint that holds is still the genuine one, and it catches the deletion.
    assert "comparing with the checkpoint of" in out and "(line 1)" in out
    assert "DISAGREES WITH CHECKPOINT" in out


def test_key_rotation_old_entries_verify_after_a_new_key_is_added_first(chain, settings):
    suite_key = settings.DATACHAT_AUDIT_KEY.split(",", 1)[1]
    settings.DATACHAT_AUDIT_KEY = f"{KEY_2},{KEY_1},{suite_key}"
    audit_record(org=chain, user=None, action="ask", outcome="answered", question="after")
    audit_checkpoint_write()
    key_ids = list(
        AuditEntry.objects.filter(organization=chain)
        .order_by("seq")
        .values_list("key_id", flat=True)
    )
    assert key_ids == ["k1"] * 6 + ["k2"]
    assert audit_verify(org=chain).ok
    assert json.loads(audit_checkpoint_path().read_text().splitlines()[-1])["key_id"] == "k2"
    assert verify_command("--org", chain.slug)[0]
    # Dropping the old key too early is visible, not silently accepted.
    settings.DATACHAT_AUDIT_KEY = f"{KEY_2},{suite_key}"
    report = audit_verify(org=chain)
    assert not report.ok and report.first_broken_seq == 1 and "unknown key id 'k1'" in report.reason


def test_legacy_sha256_entries_verify_up_to_their_seal_only(audit_settings):
    """Entries from before keys existed: plain SHA-256, key id "", sealed by the migration."""
    org = organization_create(name="Old", slug=f"legacy-{uuid.uuid4().hex[:8]}")
    for n in range(3):
        audit_record(org=org, user=None, action="ask", outcome="answered", question=f"old {n}")
    dba.rehash_from(org.pk, 1, downgrade=True)  # what the chain looked like before keys
    assert not audit_verify(org=org).ok  # unsealed legacy entries are not trusted
    assert audit_legacy_seal(org=org) == 3
    assert audit_verify(org=org).ok
    audit_record(org=org, user=None, action="ask", outcome="answered", question="new")
    report = audit_verify(org=org)
    assert report.ok and report.entries == 4
    assert list(
        AuditEntry.objects.filter(organization=org).order_by("seq").values_list("key_id", flat=True)
    ) == ["", "", "", "k1"]

    # Editing a sealed legacy entry and recomputing every legacy hash breaks the seal...
    dba.update_entry(org.pk, 2, question="rewritten")
    dba.rehash_from(org.pk, 2, downgrade=True)
    report = audit_verify(org=org)
    assert not report.ok and report.first_broken_seq == 3 and "seal" in report.reason


def test_platform_chain_is_verified_and_checkpointed(audit_settings):
    audit_record(org=None, user=None, username="nobody", action="login_failed", outcome="refused")
    audit_checkpoint_write()
    ok, out = verify_command()
    assert ok and "(platform): OK, 1 entries; checkpoint at entry 1 matches" in out
    dba.update_entry(None, 1, username="somebody")
    ok, out = verify_command()
    assert not ok and "(platform): BROKEN at entry 1" in out


def test_production_refuses_to_start_without_an_audit_key(tmp_path):
    """Production settings: no DATACHAT_AUDIT_KEY (or an unusable one) stops start-up."""
    from tests.support.services import manage_runner

    common = {
        "DJANGO_SETTINGS_MODULE": "datachat.settings.production",
        "DJANGO_SECRET_KEY": "a-production-secret-key-for-the-test-0123456789",
        "DATACHAT_FIELD_KEY": "a-field-key-for-the-test-0123456789",
        "DJANGO_ALLOWED_HOSTS": "datachat.example.com",
        "DATACHAT_DATA_DIR": str(tmp_path),
    }
    without = manage_runner(**common)("check", check=False)
    assert without.returncode != 0
    assert "ImproperlyConfigured" in without.stderr and "DATACHAT_AUDIT_KEY" in without.stderr
    short = manage_runner(**common, DATACHAT_AUDIT_KEY="k1:short")("check", check=False)
    assert short.returncode != 0 and "shorter than 16" in short.stderr
    keyed = manage_runner(**common, DATACHAT_AUDIT_KEY=KEY_1)("check", check=False)
    # Other production requirements may still stop `check`; the audit key is not among them.
    assert "DATACHAT_AUDIT_KEY" not in keyed.stderr


def test_beat_writes_checkpoints_through_the_task(chain, settings):
    from apps.governance.tasks import audit_checkpoint_task

    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule["apps.governance.tasks.audit_checkpoint_task"] == 900.0
    assert schedule["apps.governance.tasks.audit_refusals_flush_task"] == 60.0
    chains = audit_checkpoint_task.delay().get()
    assert chains >= 1
    assert len(audit_checkpoint_path().read_text().splitlines()) == 1
    assert verify_command("--org", chain.slug, "--require-checkpoint")[0]
