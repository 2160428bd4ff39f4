"""Row-level security by rewrite, and masking, checked by running the SQL (SQLite)."""

from __future__ import annotations

import sqlite3

import pytest

from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.executor import SourceConnection, execute
from apps.governance.engine.guard import guard_sql
from apps.governance.engine.policy import MASK, RowFilter

from .conftest import ANALYST, PII_MARKER, SCHEMA, VIEWER

RLS_QUERIES = [
    "SELECT * FROM ventas ORDER BY venta_id",
    "SELECT v.venta_id, v.total FROM ventas v ORDER BY 1",
    "SELECT p.nombre, SUM(v.total) AS t, COUNT(v.venta_id) AS n FROM productos p "
    "LEFT JOIN ventas v ON v.producto_id = p.producto_id GROUP BY p.nombre ORDER BY p.nombre",
    "WITH n AS (SELECT region, COUNT(*) AS c FROM ventas GROUP BY region) "
    "SELECT * FROM n ORDER BY region",
    "SELECT COUNT(*) FROM (SELECT * FROM ventas WHERE total > 100) AS s",
    "SELECT nombre FROM productos WHERE producto_id IN (SELECT producto_id FROM ventas) "
    "ORDER BY nombre",
    "SELECT region FROM ventas UNION SELECT categoria FROM productos ORDER BY 1",
    "SELECT p.nombre, (SELECT COUNT(*) FROM ventas v WHERE v.producto_id = p.producto_id) AS n "
    "FROM productos p ORDER BY p.nombre",
    "SELECT venta_id, RANK() OVER (PARTITION BY canal ORDER BY total DESC, venta_id) AS r "
    "FROM ventas ORDER BY venta_id",
    "SELECT a.venta_id, b.venta_id FROM ventas a JOIN ventas b ON a.cliente_id = b.cliente_id "
    "AND a.venta_id < b.venta_id ORDER BY 1, 2",
    "SELECT nombre FROM productos p WHERE EXISTS (SELECT 1 FROM ventas v "
    "WHERE v.producto_id = p.producto_id) ORDER BY 1",
    "SELECT COUNT(*) FROM ventas WHERE region <> 'Norte'",
    "SELECT COUNT(*) FROM ventas WHERE 1 = 1 OR region = 'Sur'",
    "SELECT DISTINCT region FROM ventas",
    "SELECT COUNT(*) FROM main.ventas",
    "WITH a AS (SELECT * FROM ventas), b AS (SELECT * FROM a WHERE total > 0) "
    "SELECT COUNT(*), SUM(total) FROM b",
    "SELECT COUNT(*) FROM ventas WHERE total > (SELECT AVG(total) FROM ventas)",
    "SELECT x.region, x.n FROM (SELECT region, COUNT(*) AS n FROM ventas GROUP BY region) AS x",
    "SELECT v.region, p.categoria, SUM(v.total) FROM productos p LEFT JOIN ventas v "
    "ON v.producto_id = p.producto_id AND v.canal = 'Online' GROUP BY 1, 2 ORDER BY 1, 2",
    "SELECT COUNT(*) FROM ventas AS productos",
]


def _raw(path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _run(sql: str, policy, path):
    query = guard_sql(sql, dialect="sqlite", schema=SCHEMA, policy=policy)
    return query, execute(query, source=SourceConnection("sqlite", sqlite_path=str(path)))


@pytest.mark.parametrize("sql", RLS_QUERIES)
def test_rls_rewrite_equals_running_on_filtered_copy(sql, demo_db, norte_only_db):
    query, result = _run(sql, VIEWER, demo_db)
    expected = _raw(norte_only_db, sql)
    assert [tuple(r) for r in result.rows] == [tuple(r) for r in expected]
    assert query.applied_filters == ("ventas.region IN ('Norte')",)
    assert "ventas" in query.tables


def test_rls_changes_results(demo_db):
    """The equivalence above is meaningful: the filter removes rows in the full file."""
    _, filtered = _run("SELECT COUNT(*) FROM ventas", VIEWER, demo_db)
    (total,) = _raw(demo_db, "SELECT COUNT(*) FROM ventas")[0]
    assert 0 < filtered.rows[0][0] < total


def test_rls_multiple_values_and_numbers(demo_db):
    import dataclasses

    policy = dataclasses.replace(
        VIEWER,
        row_filters=(
            RowFilter("ventas", "region", ("Norte", "Sur")),
            RowFilter("ventas", "cantidad", (1, 2)),
        ),
    )
    query, result = _run("SELECT COUNT(*) FROM ventas", policy, demo_db)
    expected = _raw(
        demo_db,
        "SELECT COUNT(*) FROM ventas WHERE region IN ('Norte','Sur') AND cantidad IN (1, 2)",
    )
    assert result.rows == expected
    assert len(query.applied_filters) == 2


def test_rls_value_with_quote_is_a_literal(demo_db):
    import dataclasses

    policy = dataclasses.replace(
        VIEWER, row_filters=(RowFilter("ventas", "region", ("Norte' OR '1'='1",)),)
    )
    _, result = _run("SELECT COUNT(*) FROM ventas", policy, demo_db)
    assert result.rows == [(0,)]


def test_empty_filter_values_show_nothing(demo_db):
    import dataclasses

    policy = dataclasses.replace(VIEWER, row_filters=(RowFilter("ventas", "region", ()),))
    _, result = _run("SELECT COUNT(*) FROM ventas", policy, demo_db)
    assert result.rows == [(0,)]


# ---------------------------------------------------------------------------------------------
# Masking (ANALYST: clientes.email, telefono, direccion)

MASK_PROJECTIONS = [
    ("SELECT * FROM clientes", {"email", "telefono", "direccion"}),
    ("SELECT c.* FROM clientes c", {"email", "telefono", "direccion"}),
    ("SELECT email AS correo, nombre FROM clientes", {"correo"}),
    ("WITH x AS (SELECT email AS m, nombre FROM clientes) SELECT m, nombre FROM x", {"m"}),
    ("WITH x AS (SELECT * FROM clientes) SELECT * FROM x", {"email", "telefono", "direccion"}),
    ("SELECT substr(email, 1, 5) AS e FROM clientes", {"e"}),
    ("SELECT nombre || ' <' || email || '>' AS contacto FROM clientes", {"contacto"}),
    ("SELECT nombre FROM clientes UNION SELECT email FROM clientes", {"nombre"}),
    (
        "SELECT (SELECT email FROM clientes c2 WHERE c2.cliente_id = c.cliente_id) AS e "
        "FROM clientes c",
        {"e"},
    ),
    ("SELECT t.e FROM (SELECT upper(email) AS e FROM clientes) AS t", {"e"}),
    ("SELECT CASE WHEN email LIKE 'a%' THEN 1 ELSE 0 END AS flag FROM clientes", {"flag"}),
    (
        "SELECT v.total, c.email FROM ventas v JOIN clientes c ON c.cliente_id = v.cliente_id",
        {"email"},
    ),
]

# A mask is a constant: collapsing rows over it (DISTINCT, aggregates) would answer with a
# result of the wrong shape (one row instead of 120, a count of 1), so these are refused too.
MASK_AGGREGATES = [
    "SELECT group_concat(telefono, ',') AS tels FROM clientes",
    "SELECT ciudad, group_concat(direccion) AS d FROM clientes GROUP BY ciudad",
    "SELECT COUNT(email) AS n FROM clientes",
    "SELECT MAX(length(telefono)) AS l FROM clientes",
    "SELECT DISTINCT email FROM clientes",
    "SELECT count(DISTINCT email) FROM clientes",
    "WITH c AS (SELECT email FROM clientes) SELECT DISTINCT email FROM c",
    "SELECT max(email), min(telefono) FROM clientes",
]

MASK_PREDICATES = [
    "SELECT nombre FROM clientes WHERE email LIKE 'P%'",
    "SELECT nombre FROM clientes WHERE substr(telefono, 1, 3) = '+34'",
    "SELECT c.nombre FROM clientes c JOIN clientes d ON c.email = d.email",
    "SELECT email, COUNT(*) FROM clientes GROUP BY email",
    "SELECT ciudad FROM clientes GROUP BY ciudad HAVING MAX(email) > 'a'",
    "SELECT nombre FROM clientes ORDER BY email",
    "SELECT nombre, email FROM clientes ORDER BY email",
    "SELECT nombre, telefono AS t FROM clientes ORDER BY t",
    "SELECT nombre, direccion FROM clientes ORDER BY 2",
    "SELECT nombre, ROW_NUMBER() OVER (ORDER BY email) AS r FROM clientes",
    "SELECT nombre, COUNT(*) OVER (PARTITION BY telefono) AS r FROM clientes",
    "WITH x AS (SELECT email AS m FROM clientes) SELECT * FROM x WHERE m LIKE 'a%'",
    "SELECT * FROM (SELECT email AS m FROM clientes) AS t WHERE t.m > 'a'",
    "SELECT nombre FROM clientes WHERE cliente_id IN (SELECT cliente_id FROM clientes "
    "WHERE email LIKE '%x%')",
    "SELECT nombre FROM clientes WHERE (SELECT email FROM clientes LIMIT 1) LIKE 'P%'",
    "SELECT nombre FROM clientes WHERE nombre IN (SELECT email FROM clientes)",
    "SELECT v.total FROM ventas v WHERE EXISTS (SELECT 1 FROM clientes c "
    "WHERE c.cliente_id = v.cliente_id AND c.email LIKE 'P%')",
    "SELECT email FROM clientes UNION SELECT nombre FROM productos ORDER BY 1",
    "SELECT nombre FROM clientes c WHERE EXISTS (SELECT email FROM clientes d "
    "WHERE d.email = c.email)",
]


def _assert_no_pii(*texts: object) -> None:
    for text in texts:
        assert PII_MARKER not in str(text)


@pytest.mark.parametrize(("sql", "masked"), MASK_PROJECTIONS)
def test_masked_projection_shows_only_the_mask(sql, masked, demo_db):
    query, result = _run(sql, ANALYST, demo_db)
    assert set(query.masked_outputs) == masked
    assert not {("clientes", c) for c in ("email", "telefono", "direccion")} & query.columns
    for name in masked:
        index = result.columns.index(name)
        values = {row[index] for row in result.rows}
        # A UNION output mixes an unmasked arm with a masked one; elsewhere only the mask shows.
        assert MASK in values if "UNION" in sql else values <= {MASK}
    _assert_no_pii(result.rows, query.sql)


@pytest.mark.parametrize("sql", MASK_AGGREGATES)
def test_rows_are_never_collapsed_over_a_mask(sql, demo_db):
    with pytest.raises(SqlRefusal) as caught:
        guard_sql(sql, dialect="sqlite", schema=SCHEMA, policy=ANALYST)
    assert caught.value.code == "column_masked"
    _assert_no_pii(caught.value.message, str(caught.value))


@pytest.mark.parametrize("sql", MASK_PREDICATES)
def test_masked_column_in_predicate_is_refused(sql, demo_db):
    with pytest.raises(SqlRefusal) as caught:
        guard_sql(sql, dialect="sqlite", schema=SCHEMA, policy=ANALYST)
    assert caught.value.code == "column_masked"
    _assert_no_pii(caught.value.message, str(caught.value), caught.value.detail)


def test_exists_with_star_over_masked_table_is_allowed(demo_db):
    sql = (
        "SELECT COUNT(*) FROM ventas v WHERE EXISTS (SELECT * FROM clientes c "
        "WHERE c.cliente_id = v.cliente_id)"
    )
    _, result = _run(sql, ANALYST, demo_db)
    assert result.rows[0][0] > 0


def test_masked_values_never_in_errors(demo_db):
    """An engine error about a masked expression carries no value either."""
    for sql in (
        "SELECT CAST(email AS INTEGER) / 0 AS x FROM clientes",
        "SELECT email FROM clientes WHERE nombre = 'nope'",
    ):
        try:
            query, result = _run(sql, ANALYST, demo_db)
        except SqlRefusal as refusal:
            _assert_no_pii(refusal.message, str(refusal), refusal.detail)
        else:
            _assert_no_pii(result.rows, query.sql)


# ---------------------------------------------------------------------------------------------
# Differential invariants, over the fixed queries and a seeded batch of mutations of them:
#   VIEWER: a guarded query's result does not depend on non-Norte ventas rows;
#   ANALYST: a guarded query's result does not depend on the masked columns' contents.


@pytest.fixture(scope="module")
def scrambled_pii_db(tmp_path_factory):
    from .conftest import build_demo_db

    path = build_demo_db(tmp_path_factory.mktemp("scrambled") / "empresa.db")
    conn = sqlite3.connect(path)
    conn.execute(
        "UPDATE clientes SET email = 'zz' || (cliente_id * 7 % 5), telefono = NULL, "
        "direccion = cliente_id % 2"
    )
    conn.commit()
    conn.close()
    return path


def _seed_queries() -> list[str]:
    from .appendix import ACCEPTED

    return (
        [case[1] for case in ACCEPTED]
        + RLS_QUERIES
        + [sql for sql, _ in MASK_PROJECTIONS]
        + MASK_PREDICATES
    )


def _mutations(seeds: list[str], count: int, seed: int = 20240601) -> list[str]:
    import random

    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        words, donor = rnd.choice(seeds).split(" "), rnd.choice(seeds).split(" ")
        op = rnd.randrange(3)
        if op == 0 and len(words) > 1:
            del words[rnd.randrange(len(words))]
        elif op == 1:
            words.insert(rnd.randrange(len(words) + 1), rnd.choice(donor))
        else:
            words[rnd.randrange(len(words))] = rnd.choice(donor)
        out.append(" ".join(words))
    return out


def _rows_or_code(query, path):
    try:
        return execute(query, source=SourceConnection("sqlite", sqlite_path=str(path))).rows
    except SqlRefusal as refusal:
        return refusal.code


def test_guarded_results_ignore_hidden_rows_and_masked_values(
    demo_db, norte_only_db, scrambled_pii_db
):
    seeds = _seed_queries()
    checked = 0
    for sql in seeds + _mutations(seeds, 600):
        if "random" in sql.lower() or "now" in sql.lower():
            continue
        for policy, other in ((VIEWER, norte_only_db), (ANALYST, scrambled_pii_db)):
            try:
                query = guard_sql(sql, dialect="sqlite", schema=SCHEMA, policy=policy)
            except SqlRefusal:
                continue
            full = _rows_or_code(query, demo_db)
            assert full == _rows_or_code(query, other), (policy.role, sql, query.sql)
            _assert_no_pii(full)
            checked += 1
    assert checked > 100
