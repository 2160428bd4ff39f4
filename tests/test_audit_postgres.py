"""The audit chain against a database administrator, on PostgreSQL as the app database.

The product runs as users run it (`manage.py` against a scratch PostgreSQL database): one chain
per scenario is written through the app, then rewritten by raw SQL the way an administrator
without `DATACHAT_AUDIT_KEY` could (tests/support/audit_tamper.py, inside `manage.py shell`), and
`manage.py verify_audit` must name each rewrite and exit non-zero.
"""

from __future__ import annotations

import json
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.support.services import POSTGRES_URL, manage_runner, need_service

pytestmark = [pytest.mark.services, pytest.mark.slow]

KEY_1 = "k1:postgres-suite-first-key-0123456789"
KEY_2 = "k2:postgres-suite-second-key-9876543210"
ATTACKER_KEY = "k1:the-attackers-guess-at-the-key-000"
SCENARIOS = ("intact", "middle", "downgrade", "last", "tail", "reorder", "rotated")

SETUP = """
from apps.governance.checkpoints import audit_checkpoint_write
from apps.governance.services import audit_record, organization_create
for slug in {scenarios!r}:
    org = organization_create(name=slug, slug=slug)
    for n in range(6):
        audit_record(org=org, user=None, action="ask", outcome="answered",
                     question=f"{{slug}} {{n}}", row_count=n)
audit_record(org=None, user=None, username="nobody", action="login_failed", outcome="refused")
audit_checkpoint_write()
"""

AFTER_ROTATION = """
from apps.governance.models import Organization
from apps.governance.services import audit_record
org = Organization.objects.get(slug="rotated")
for n in range(3):
    audit_record(org=org, user=None, action="ask", outcome="answered", question=f"k2 {n}")
"""

TAMPER = """
from apps.governance.models import Organization
from tests.support import audit_tamper as dba
ids = dict(Organization.objects.values_list("slug", "pk"))
dba.update_entry(ids["middle"], 3, question="rewritten", row_count=0)
dba.rehash_from(ids["middle"], 3)
dba.update_entry(ids["downgrade"], 2, row_count=999)
dba.rehash_from(ids["downgrade"], 1, downgrade=True)
dba.update_entry(ids["last"], 6, outcome="refused", code="not_authorized")
dba.rehash_from(ids["last"], 6)
dba.delete_tail(ids["tail"], 2)
dba.swap(ids["reorder"], 2, 4)
"""


@pytest.fixture(scope="module")
def product(tmp_path_factory) -> Iterator[dict[str, object]]:  # noqa: ANN001
    """A scratch PostgreSQL app database, migrated, with one six-entry chain per scenario."""
    need_service("PostgreSQL", POSTGRES_URL)
    import psycopg

    name = f"datachat_audit_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urlparse(POSTGRES_URL)._replace(path=f"/{name}").geturl()
    data_dir = tmp_path_factory.mktemp("audit-pg")
    common = {
        "DATABASE_URL": url,
        "DATACHAT_DATA_DIR": str(data_dir),
        "DATACHAT_AUDIT_CHECKPOINT_DIR": str(data_dir / "checkpoints"),
    }

    def runner(key: str):  # noqa: ANN202
        return manage_runner(**common, DATACHAT_AUDIT_KEY=key)

    try:
        runner(KEY_1)("migrate", "--noinput")
        runner(KEY_1)("shell", "-c", textwrap.dedent(SETUP.format(scenarios=SCENARIOS)))
        runner(f"{KEY_2},{KEY_1}")("shell", "-c", AFTER_ROTATION)
        runner(ATTACKER_KEY)("shell", "-c", TAMPER)
        yield {
            "url": url,
            "checkpoints": data_dir / "checkpoints" / "checkpoints.jsonl",
            "verify": runner(f"{KEY_2},{KEY_1}"),
        }
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _verify(product: dict, *args: str) -> tuple[int, dict[str, str], str]:
    result = product["verify"]("verify_audit", *args, check=False)  # type: ignore[operator]
    lines = {}
    for line in result.stdout.splitlines():
        if ": " in line and not line.startswith(("checkpoint ", "comparing", "no valid")):
            chain, _, rest = line.partition(": ")
            lines[chain] = rest
    return result.returncode, lines, result.stdout


def test_every_rewrite_is_named_and_verify_exits_non_zero(product):
    code, lines, out = _verify(product)
    assert code != 0, out
    assert lines["intact"] == "OK, 6 entries; checkpoint at entry 6 matches"
    assert lines["rotated"] == "OK, 9 entries; checkpoint at entry 6 matches"  # k1 and k2
    assert lines["(platform)"].startswith("OK, 1 entries")
    assert lines["middle"].startswith("BROKEN at entry 3 (content was altered")
    assert lines["downgrade"].startswith("BROKEN at entry 1 (unkeyed (plain SHA-256) entry")
    assert lines["last"].startswith("BROKEN at entry 6 (content was altered")
    assert lines["reorder"].startswith("BROKEN at entry 2 (prev_hash does not link")
    # The tail is gone and the head lowered: consistent alone, caught by the checkpoint.
    assert lines["tail"].startswith("DISAGREES WITH CHECKPOINT at entry 5")
    assert "recorded 6, the chain has 4" in lines["tail"]


def test_the_tail_deletion_passes_without_the_checkpoint_only(product):
    code, lines, _ = _verify(product, "--org", "tail", "--no-checkpoint")
    assert code == 0 and lines["tail"] == "OK, 4 entries"
    code, lines, _ = _verify(product, "--org", "intact")
    assert code == 0 and lines["intact"].startswith("OK")


def test_a_forged_checkpoint_line_is_reported(product):
    path: Path = product["checkpoints"]  # type: ignore[assignment]
    genuine = json.loads(path.read_text().splitlines()[0])
    lowered = dict(genuine, chains=[dict(c, seq=4) for c in genuine["chains"]])
    with path.open("a") as handle:
        handle.write(json.dumps(lowered) + "\n")
    code, lines, out = _verify(product, "--org", "tail")
    assert code != 0
    assert "line 2: INVALID (bad signature (key id 'k1'))" in out
    # The forged line is not the one compared with: the genuine checkpoint still holds.
    assert lines["tail"].startswith("DISAGREES WITH CHECKPOINT at entry 5")
