"""Apache Superset's own SQL-safety cases (Apache-2.0, copied in data/) as a peer-written suite.

Superset's verdicts are a floor: everything it refuses we refuse too, and we also refuse SHOW,
EXPLAIN, PRAGMA and SET that it calls read-only. Read-only SELECTs over tables that do not exist
in our schema are refused as `table_not_allowed`, which is fine: they are not asserted here.
Fragments (clause_*, has_subquery, ...) test parts of statements and are skipped.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path

import pytest

from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.guard import guard_sql

from .conftest import ADMIN, SCHEMA

CASES_FILE = Path(__file__).parent / "data" / "superset_cases.jsonl"
MUST_REFUSE = frozenset(
    {
        "mutating",
        "multiple_statements",
        "disallowed_function",
        "destructive",
        "parse_error",
        "unparseable_statement",
        "changes_search_path",
        "changes_default_schema",
        "disallowed_table",
        "not_select",
    }
)
READ_ONLY_BUT_REFUSED = re.compile(r"^\s*(SHOW|EXPLAIN|PRAGMA|SET|DESC|DESCRIBE)\b", re.IGNORECASE)
DIALECTS = {"sqlite": ("sqlite",), "postgresql": ("postgres",), "generic": ("sqlite", "postgres")}


def _cases() -> list[dict]:
    return [
        json.loads(line) for line in CASES_FILE.read_text(encoding="utf-8").splitlines() if line
    ]


def _must_refuse(case: dict) -> bool:
    if case["expected"] in MUST_REFUSE:
        return True
    return case["expected"] == "read_only" and bool(READ_ONLY_BUT_REFUSED.match(case["sql"]))


REFUSE_CASES = [
    pytest.param(case, dialect, id=f"{i}-{dialect}-{case['expected']}")
    for i, case in enumerate(_cases())
    if _must_refuse(case)
    for dialect in DIALECTS[case["dialect"]]
]


def test_corpus_is_present_and_sized():
    cases = _cases()
    assert len(cases) == 333
    assert len(REFUSE_CASES) > 150


@pytest.mark.parametrize(("case", "dialect"), REFUSE_CASES)
def test_superset_refused_case_is_refused(case, dialect):
    # ADMIN sees every demo table: a refusal here is about the statement, not the policy.
    with pytest.raises(SqlRefusal):
        guard_sql(case["sql"], dialect=dialect, schema=SCHEMA, policy=ADMIN)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT upper('lo_export')",
        "SELECT length('setval')",
        "SELECT 'DELETE FROM foo' AS x",
        "SELECT 1 AS insert_count",
    ],
)
def test_superset_negative_controls_stay_reads(sql):
    for dialect in ("sqlite", "postgres"):
        guard_sql(sql, dialect=dialect, schema=SCHEMA, policy=ADMIN)


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_guard_only_ever_refuses_never_crashes(dialect):
    """Every corpus statement either passes or is a SqlRefusal: no other exception escapes."""
    for case in _cases():
        with contextlib.suppress(SqlRefusal):
            guard_sql(case["sql"], dialect=dialect, schema=SCHEMA, policy=ADMIN)
