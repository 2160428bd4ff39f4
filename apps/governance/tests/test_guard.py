"""The guard alone: Appendix A refused with stable codes, Appendix B accepted, API invariants."""

from __future__ import annotations

import pytest
import sqlglot

from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.guard import GuardedQuery, GuardLimits, guard_sql
from apps.governance.engine.policy import MASK, DataPolicy

from .appendix import ACCEPTED, ALL_ATTACKS, MASKED, POSTGRES_ONLY_ACCEPTED
from .conftest import ADMIN, ANALYST, COMPLIANCE, SCHEMA, VIEWER

DIALECTS = ("sqlite", "postgres")
# Refusal codes that are acceptable when an attack written for one engine is parsed as the other
# (e.g. SQLite's REPLACE INTO is not PostgreSQL): any refusal is fine there.
ANY_REFUSAL = None


def _fill(sql: str) -> str:
    return sql.replace("{tmp}", "/tmp/datachat-test").replace("{other}", "/tmp/globex.db")


def _guard(sql: str, dialect: str, policy=ANALYST, **kwargs) -> GuardedQuery:
    return guard_sql(sql, dialect=dialect, schema=SCHEMA, policy=policy, **kwargs)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("attack", ALL_ATTACKS, ids=lambda a: a.id)
def test_appendix_a_refused_by_guard(attack, dialect):
    sql = _fill(attack.sql)
    native = attack.dialect == dialect
    if "ok" in attack.codes:
        if native:
            query = _guard(sql, dialect)
            assert "pg_sleep" not in query.sql.lower() or "'" in query.sql
        return
    if MASKED in attack.codes:
        query = _guard(sql, dialect)
        assert query.masked_outputs == ("email",)
        assert ("clientes", "email") not in query.columns
        assert "email" not in query.sql.replace('AS "email"', "")
        return
    with pytest.raises(SqlRefusal) as caught:
        _guard(sql, dialect)
    if native:
        assert caught.value.code in attack.codes, (caught.value.code, caught.value.message)
    assert caught.value.message and caught.value.code in str(caught.value)


@pytest.mark.parametrize(
    "attack", [a for a in ALL_ATTACKS if "ok" not in a.codes], ids=lambda a: a.id
)
def test_appendix_a_refused_for_admin_too(attack):
    """Even the most permissive policy refuses every write, function and foreign-schema attack."""
    sql = _fill(attack.sql)
    if attack.id in ("A18", "A19", "A20", "A31"):  # allowed for ADMIN or a plain unknown column
        return
    with pytest.raises(SqlRefusal):
        _guard(sql, attack.dialect, policy=ADMIN)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("case", ACCEPTED, ids=lambda c: c[0])
def test_appendix_b_accepted(case, dialect):
    _id, sqlite_sql, pg_sql = case
    sql = sqlite_sql if dialect == "sqlite" or pg_sql is None else pg_sql
    query = _guard(sql, dialect)
    assert query.checked
    assert query.sql and query.original_sql == sql
    assert query.tables <= ANALYST.allowed_tables
    # What runs re-parses in the same dialect, as a single SELECT-rooted statement.
    (reparsed,) = sqlglot.parse(query.sql, read=dialect)
    assert isinstance(
        reparsed, (sqlglot.exp.Select, sqlglot.exp.Union, sqlglot.exp.Intersect, sqlglot.exp.Except)
    )


@pytest.mark.parametrize("case", POSTGRES_ONLY_ACCEPTED, ids=lambda c: c[0])
def test_postgres_only_accepts(case):
    _id, sql = case
    query = _guard(sql, "postgres")
    assert query.sql


def test_dollar_quoted_literal_is_reprinted_as_a_plain_string():
    query = _guard("SELECT 'a' AS x WHERE $$; DROP TABLE t; $$ IS NOT NULL", "postgres")
    assert "'; DROP TABLE t; '" in query.sql
    assert len(sqlglot.parse(query.sql, read="postgres")) == 1


def test_compliance_role_is_not_authorized():
    with pytest.raises(SqlRefusal) as caught:
        _guard("SELECT 1", "sqlite", policy=COMPLIANCE)
    assert caught.value.code == "not_authorized"


@pytest.mark.parametrize("sql", ["", "   ", ";", "-- just a comment"])
def test_empty_query(sql):
    with pytest.raises(SqlRefusal) as caught:
        _guard(sql, "sqlite")
    assert caught.value.code == "empty_query"


def test_guarded_query_cannot_be_forged():
    with pytest.raises(TypeError):
        GuardedQuery(
            sql="SELECT 1",
            original_sql="SELECT 1",
            dialect="sqlite",
            tables=frozenset(),
            columns=frozenset(),
            masked_outputs=(),
            policy=ANALYST,
        )
    unchecked = GuardedQuery.unchecked_for_engine_tests("SELECT 1", "sqlite", ANALYST)
    assert not unchecked.checked


def test_row_cap_added_and_smaller_limit_kept():
    query = _guard("SELECT producto FROM ventas", "sqlite")
    assert query.sql.endswith(f"LIMIT {ANALYST.count_cap + 1}")
    assert _guard("SELECT producto FROM ventas LIMIT 5", "sqlite").sql.endswith("LIMIT 5")
    big = _guard("SELECT producto FROM ventas LIMIT 99999999", "sqlite")
    assert big.sql.endswith(f"LIMIT {ANALYST.count_cap + 1}")
    negative = _guard("SELECT producto FROM ventas LIMIT -1", "sqlite")
    assert negative.sql.endswith(f"LIMIT {ANALYST.count_cap + 1}")
    union = _guard("SELECT producto FROM ventas UNION SELECT nombre FROM productos", "sqlite")
    assert union.sql.endswith(f"LIMIT {ANALYST.count_cap + 1}")
    pg_all = _guard("SELECT producto FROM ventas LIMIT ALL", "postgres")
    assert pg_all.sql.endswith(f"LIMIT {ANALYST.count_cap + 1}")


def test_complexity_limits():
    limits = GuardLimits(max_joins=2, max_set_operations=2, max_sql_length=400, max_nodes=200)
    joins = (
        "SELECT v.total FROM ventas v JOIN productos p ON p.producto_id = v.producto_id "
        "JOIN clientes c ON c.cliente_id = v.cliente_id JOIN ventas w ON w.venta_id = v.venta_id"
    )
    unions = " UNION ".join(["SELECT 1"] * 4)
    for sql in (joins, unions, "SELECT " + " + ".join(["1"] * 300)):
        with pytest.raises(SqlRefusal) as caught:
            _guard(sql, "sqlite", limits=limits)
        assert caught.value.code == "too_complex"
    with pytest.raises(SqlRefusal) as caught:
        _guard("SELECT 1 -- " + "x" * 30_000, "sqlite")
    assert caught.value.code == "too_complex"
    deep = "SELECT " + "(" * 500 + "1" + ")" * 500
    with pytest.raises(SqlRefusal) as caught:
        _guard(deep, "sqlite")
    assert caught.value.code == "too_complex"


def test_unknown_column_message_lists_only_allowed_columns():
    with pytest.raises(SqlRefusal) as caught:
        _guard("SELECT salario FROM ventas", "sqlite", lang="en")
    error = caught.value
    assert error.code == "column_not_allowed"
    assert "salario" in error.message and "ventas(" in error.message
    assert "empleados" not in error.message and "cuenta_bancaria" not in error.message


def test_forbidden_and_missing_tables_read_the_same():
    """A forbidden table and a non-existent one give the same answer: no existence oracle."""
    with pytest.raises(SqlRefusal) as forbidden:
        _guard("SELECT * FROM empleados", "sqlite", policy=VIEWER)
    with pytest.raises(SqlRefusal) as missing:
        _guard("SELECT * FROM nomina", "sqlite", policy=VIEWER)
    assert forbidden.value.code == missing.value.code == "table_not_allowed"
    assert forbidden.value.message.replace("empleados", "X") == missing.value.message.replace(
        "nomina", "X"
    )


def test_cte_shadowing_a_real_table_is_refused():
    with pytest.raises(SqlRefusal) as caught:
        _guard("WITH ventas AS (SELECT * FROM productos) SELECT * FROM ventas", "sqlite")
    assert caught.value.code == "table_not_allowed"


def test_messages_are_localised():
    for lang, word in (("es", "tabla"), ("en", "Table")):
        with pytest.raises(SqlRefusal) as caught:
            _guard("SELECT * FROM empleados", "sqlite", lang=lang)
        assert word in caught.value.message


def test_output_names_are_readable():
    query = _guard("SELECT COUNT(*), SUM(total) AS t FROM ventas", "sqlite")
    assert '"COUNT(*)"' in query.sql and "_col_" not in query.sql
    assert query.masked_outputs == ()


def test_quoted_and_cased_identifiers_resolve():
    query = _guard('SELECT "Producto", Total FROM VENTAS', "sqlite")
    assert query.tables == frozenset({"ventas"})
    assert ("ventas", "total") in query.columns


def test_mask_literal_is_policy_mask():
    query = _guard("SELECT telefono AS t FROM clientes", "sqlite")
    assert f"'{MASK}' AS \"t\"" in query.sql


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT nom\u200bbre FROM productos",  # zero-width inside an identifier
        "SELECT ｎｏｍｂｒｅ FROM productos",  # fullwidth identifier
        "SELECT nombre FROM ｐｒｏｄｕｃｔｏｓ",
        "ＳＥＬＥＣＴ nombre FROM productos",
        "SEL\u200bECT nombre FROM productos",
    ],
)
def test_unicode_tricks_fail_closed(sql):
    for dialect in DIALECTS:
        with pytest.raises(SqlRefusal):
            _guard(sql, dialect)


def test_string_literals_are_kept_verbatim_not_normalised():
    query = _guard("SELECT 'a\u200bb' AS x, 'ｆｕｌｌ' AS y", "sqlite")
    assert "'a\u200bb'" in query.sql and "'ｆｕｌｌ'" in query.sql


def test_comments_are_not_reprinted():
    # A line comment holding "*/" must never come back as a block comment that closes early.
    query = _guard("SELECT nombre -- x */ DROP TABLE ventas\nFROM productos /* c */", "sqlite")
    assert "/*" not in query.sql and "--" not in query.sql and "DROP" not in query.sql


def test_cte_named_like_a_forbidden_table_is_just_a_cte():
    query = _guard("WITH empleados AS (SELECT 1 AS x) SELECT x FROM empleados", "sqlite")
    assert query.tables == frozenset()


def test_refusal_pickles_and_hides_detail():
    import pickle

    refusal = SqlRefusal("timeout", lang="en", seconds="5", detail="57014")
    clone = pickle.loads(pickle.dumps(refusal))
    assert (clone.code, clone.message, clone.detail) == (refusal.code, refusal.message, "57014")
    assert "57014" not in str(refusal) and str(refusal).startswith("timeout: ")
    assert SqlRefusal("timeout", lang="fr", seconds="1").lang == "es"
    with pytest.raises(ValueError):
        SqlRefusal("no_such_code")


def test_a_trailing_semicolon_with_a_comment_is_one_statement():
    policy = DataPolicy(
        role="A", can_query=True, allowed_tables=frozenset({"t"}), masked_columns=frozenset()
    )
    schema = {"t": {"a": "INT"}}
    assert guard_sql("SELECT a FROM t; -- fin", dialect="sqlite", schema=schema, policy=policy)
    with pytest.raises(SqlRefusal) as caught:
        guard_sql(
            "SELECT a FROM t; -- x\nDROP TABLE t", dialect="sqlite", schema=schema, policy=policy
        )
    assert caught.value.code == "multiple_statements"
