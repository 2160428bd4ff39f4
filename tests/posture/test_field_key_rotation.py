"""Data-source locations under a key list: rotate to a new key without losing any location."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from apps.governance.models import Organization
from apps.knowledge import secrets
from apps.knowledge.models import DataSource

pytestmark = pytest.mark.django_db

KEY_A = "key-A-7f3c0d9e2b5a4c1e8f6d3b2a9c0e1f4d"
KEY_B = "key-B-1a2b3c4d5e6f708192a3b4c5d6e7f809"
LEAK_URL = "postgresql://reader:s3cret@db.internal:5432/sales"


def rotate() -> str:
    out = io.StringIO()
    call_command("rotate_field_key", stdout=out)
    return out.getvalue()


def locations() -> dict[int, str]:
    """Every stored location, decrypted as stored (not resolved: a file name stays a name)."""
    return {
        ds.pk: secrets.decrypt(ds.location_encrypted)
        for ds in DataSource.all_tenants.order_by("pk")
    }


@pytest.fixture
def under_key_a(settings):  # noqa: ANN001, ANN201
    """Every stored location (the demo's and one with a password) encrypted with key A only."""
    # The demo was seeded under the implicit key (derived from SECRET_KEY): A first, it second
    settings.DATACHAT_FIELD_KEY = f"{KEY_A},{settings.SECRET_KEY}"
    settings.DATACHAT_SOURCE_HOSTS = [*settings.DATACHAT_SOURCE_HOSTS, "db.internal"]
    rotate()
    source = DataSource(
        organization=Organization.objects.get(slug="globex"), name="rotation_pg", kind="postgres"
    )
    source.set_location(LEAK_URL)
    source.save()
    settings.DATACHAT_FIELD_KEY = KEY_A
    before = locations()
    assert len(before) >= 3 and before[source.pk] == LEAK_URL
    return before


def test_rotation_moves_every_location_to_the_new_key(settings, under_key_a):
    # Given every location under key A, and the new key B configured first ("B,A")
    settings.DATACHAT_FIELD_KEY = f"{KEY_B},{KEY_A}"
    stored = dict(DataSource.all_tenants.values_list("pk", "location_encrypted"))
    assert locations() == under_key_a  # both keys decrypt during the changeover
    # When the rotation runs
    output = rotate()
    # Then it reports each source and the totals
    total = len(under_key_a)
    assert f"[{total}/{total}]" in output and "globex/rotation_pg: re-encrypted" in output
    assert f"{total} locations: {total} re-encrypted, 0 already current, 0 failed" in output
    # And every ciphertext changed, and B alone decrypts every location unchanged
    after = dict(DataSource.all_tenants.values_list("pk", "location_encrypted"))
    assert all(after[pk] != stored[pk] for pk in stored)
    settings.DATACHAT_FIELD_KEY = KEY_B
    assert locations() == under_key_a
    # And the old key alone no longer can
    settings.DATACHAT_FIELD_KEY = KEY_A
    with pytest.raises(ValueError, match="DATACHAT_FIELD_KEY"):
        locations()


def test_rotation_is_idempotent(settings, under_key_a):
    settings.DATACHAT_FIELD_KEY = f"{KEY_B},{KEY_A}"
    rotate()
    stored = dict(DataSource.all_tenants.values_list("pk", "location_encrypted"))
    # When it runs a second time
    output = rotate()
    # Then nothing is rewritten
    total = len(under_key_a)
    assert f"{total} locations: 0 re-encrypted, {total} already current, 0 failed" in output
    assert dict(DataSource.all_tenants.values_list("pk", "location_encrypted")) == stored


def test_dropping_the_old_key_too_early_fails_clearly_and_loses_nothing(settings, under_key_a):
    # Given key B alone, before any rotation (key A dropped too early)
    settings.DATACHAT_FIELD_KEY = KEY_B
    stored = dict(DataSource.all_tenants.values_list("pk", "location_encrypted"))
    # When the rotation runs, it refuses, saying what to do, and changes nothing
    with pytest.raises(CommandError, match="add the key they were encrypted with"):
        rotate()
    assert dict(DataSource.all_tenants.values_list("pk", "location_encrypted")) == stored
    # And with key A put back behind B it completes
    settings.DATACHAT_FIELD_KEY = f"{KEY_B},{KEY_A}"
    rotate()
    settings.DATACHAT_FIELD_KEY = KEY_B
    assert locations() == under_key_a


def test_the_first_key_encrypts_and_every_key_decrypts(settings):
    settings.DATACHAT_FIELD_KEY = KEY_A
    token_a = secrets.encrypt("demo/empresa.db")
    settings.DATACHAT_FIELD_KEY = f" {KEY_B} , {KEY_A} "
    assert secrets.decrypt(token_a) == "demo/empresa.db"
    assert not secrets.is_current(token_a)
    token_b = secrets.encrypt("demo/empresa.db")
    settings.DATACHAT_FIELD_KEY = KEY_B
    assert secrets.is_current(token_b) and secrets.decrypt(token_b) == "demo/empresa.db"
