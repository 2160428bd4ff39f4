"""Reads for one organization name it one way: the scoped manager or `all_tenants.for_org(org)`.

A hand-written `all_tenants.filter(organization=…)` is the read that can silently lose its org
filter in a later edit; this test keeps the application code free of it (migrations and tests
excepted), so the explicit org of a read is always visible in one named call.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HAND_FILTER = re.compile(r"all_tenants\s*\.\s*filter\(\s*organization(?:_id)?\s*=")


def application_files():
    for base in ("apps", "datachat"):
        for path in sorted((ROOT / base).rglob("*.py")):
            parts = set(path.relative_to(ROOT).parts)
            if "migrations" in parts or "tests" in parts:
                continue
            yield path


def test_no_hand_written_org_filter_on_all_tenants():
    offenders = [
        f"{path.relative_to(ROOT)}:{text[: m.start()].count(chr(10)) + 1}"
        for path in application_files()
        for text in [path.read_text(encoding="utf-8")]
        for m in HAND_FILTER.finditer(text)
    ]
    assert not offenders, "use all_tenants.for_org(org) instead: " + ", ".join(offenders)


def test_the_pattern_would_be_caught():
    # The check itself must be able to fail: both spellings are recognised.
    assert HAND_FILTER.search("X.all_tenants.filter(organization=org)")
    assert HAND_FILTER.search("X.all_tenants.filter(\n    organization_id=o.pk, a=1)")
    assert not HAND_FILTER.search("X.all_tenants.for_org(org).filter(a=1)")
