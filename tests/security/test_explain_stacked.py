"""The cost estimate (`executor.plan_cost` → the PostgreSQL adapter's `EXPLAIN`) is an engine
layer like the executor: with the guard switched off (docs/threat-model.md's test plan), a stacked
statement must not run through it. The executor sends one statement by the extended protocol
inside `DECLARE … CURSOR`; an `EXPLAIN` sent without parameters went by the simple protocol,
which runs every statement of the text: `COMMIT` ended the READ ONLY transaction and the policy
role, and what followed ran as the login."""

from __future__ import annotations

import pytest

from apps.governance.engine.executor import plan_cost
from apps.governance.engine.guard import GuardedQuery
from apps.governance.tests.test_executor_postgres import ANALYST, _admin, _snapshot, _src, pg

__all__ = ["pg"]

STACKED = [
    "SELECT 1; COMMIT; CREATE TABLE datachat_pwned AS SELECT 1 AS x",
    "SELECT count(*) FROM productos; COMMIT; DELETE FROM productos",
    "SELECT 1; COMMIT; DROP TABLE ventas",
]


@pytest.mark.parametrize("sql", STACKED)
def test_a_stacked_statement_never_runs_through_the_cost_estimate(sql: str, pg) -> None:  # noqa: ANN001, F811
    before = _snapshot(pg)
    query = GuardedQuery.unchecked_for_engine_tests(sql, "postgres", ANALYST)
    cost = plan_cost(query, source=_src(pg["admin"]))
    assert _snapshot(pg) == before
    assert cost is None  # not one statement: no estimate
    with _admin(pg["dbname"]) as conn:
        conn.execute("DROP TABLE IF EXISTS datachat_pwned")
