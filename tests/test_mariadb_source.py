"""A demo-like source on MariaDB: the same answers as the SQLite demo, each role enforced by a
MariaDB role of its own, and the location rules for `mysql://` URLs.

The demo's SQLite file is copied into a scratch MariaDB database of this test alone
(`scratch_mariadb_db`), so the seeded rows are the same on both sides. Answers are compared
order-insensitively, numbers with a relative tolerance (a float sum on two engines may differ
in the last digits, which rounding to two places turns into a flaky 0.01 at a .005 boundary).
Skipped with the reason shown when MariaDB is unreachable, failed when
DATACHAT_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import io
import math
import uuid

import pytest
from django.core.cache import cache
from django.core.management import call_command

from apps.chat.pipeline import ask, run_query
from apps.governance.engine.dialects.mariadb import connect_args
from apps.knowledge.demo.mariadb import load_into_mariadb
from apps.knowledge.locations import LocationError, location_check, location_display
from apps.knowledge.models import DataSource
from apps.knowledge.query_context import connection_for
from apps.knowledge.services import catalog_refresh, datasource_create
from tests.test_services import NOTEBOOK

pytestmark = [pytest.mark.services, pytest.mark.django_db]

QUESTIONS = [
    *NOTEBOOK,
    "¿Cuántos clientes hay por segmento?",
    "Ventas por trimestre en 2024",
    "Ventas por canal",
]


def _number(value):  # noqa: ANN001, ANN202
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def same_rows(left: list, right: list) -> bool:
    """Equal as multisets of rows: text exactly, numbers within a relative 1e-9 (ints and floats
    alike), whatever the order the engines returned them in."""
    if len(left) != len(right):
        return False

    def key(row):  # noqa: ANN001, ANN202
        return tuple(("n", round(float(v), 1)) if _number(v) else ("t", str(v)) for v in row)

    for a, b in zip(sorted(left, key=key), sorted(right, key=key), strict=True):
        if len(a) != len(b):
            return False
        for x, y in zip(a, b, strict=True):
            if _number(x) and _number(y):
                if not math.isclose(float(x), float(y), rel_tol=1e-9, abs_tol=1e-6):
                    return False
            elif x != y:
                return False
    return True


def test_same_rows_is_order_insensitive_and_tolerant_only_of_rounding():
    assert same_rows([("Norte", 1.005), ("Sur", 2)], [("Sur", 2.0), ("Norte", 1.0049999999999)])
    assert not same_rows([("Norte", 1.0)], [("Norte", 1.01)])
    assert not same_rows([("Norte", 1.0)], [("Sur", 1.0)])
    assert not same_rows([("Norte", 1.0)], [("Norte", 1.0), ("Norte", 1.0)])


@pytest.fixture
def role_prefix(settings, mariadb_url):  # noqa: ANN001, ANN201
    """A role prefix of this test alone (MariaDB roles are server-wide); dropped afterwards."""
    import pymysql

    value = f"dct{uuid.uuid4().hex[:8]}_"
    settings.DATACHAT = {**settings.DATACHAT, "PG_ROLE_PREFIX": value}
    yield value
    conn = pymysql.connect(**{**connect_args(mariadb_url), "autocommit": True})
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT User FROM mysql.user WHERE User LIKE %s OR User LIKE 'dclogin_%%'",
                (value + "%",),
            )
            for (name,) in cur.fetchall():
                if name.startswith(value):
                    cur.execute(f"DROP ROLE IF EXISTS `{name}`")
    finally:
        conn.close()


@pytest.fixture
def maria_source(role_prefix, member, scratch_mariadb_db, demo_db_path):  # noqa: ANN001, ANN201
    load_into_mariadb(demo_db_path, scratch_mariadb_db)
    source = datasource_create(
        org=member("acme", "analista").organization,
        name="empresa_maria",
        kind=DataSource.Kind.MARIADB,
        location=scratch_mariadb_db,
        restricted=False,
    )
    catalog_refresh(data_source=source)
    return source


def test_mariadb_source_answers_like_the_sqlite_one(member, maria_source):
    analista = member("acme", "analista")
    assert "mysql" not in maria_source.location_encrypted
    for question in QUESTIONS:
        on_sqlite = ask(membership=analista, question=question)
        on_maria = ask(membership=analista, question=question, source_name="empresa_maria")
        assert on_sqlite["type"] == "SQL", (question, on_sqlite.get("error"))
        assert on_maria["type"] == "SQL", (question, on_maria["answer"], on_maria.get("error"))
        assert same_rows(on_maria["rows"], on_sqlite["rows"]), (
            question,
            on_maria["rows"],
            on_sqlite["rows"],
        )


def test_mariadb_source_keeps_masks_and_row_filters(member, maria_source):
    visor = ask(
        membership=member("acme", "visor"),
        question="¿Cuál fue el total de ventas por región?",
        source_name="empresa_maria",
    )
    assert visor["type"] == "SQL" and [row[0] for row in visor["rows"]] == ["Norte"]
    masked = run_query(
        membership=member("acme", "cientifica"),
        sql="SELECT email, telefono FROM clientes",
        source_name="empresa_maria",
    )
    assert masked["type"] == "SQL" and {v for row in masked["rows"] for v in row} == {"***"}


def test_create_readonly_role_gives_each_policy_a_mariadb_role(member, maria_source, role_prefix):
    out = io.StringIO()
    call_command(
        "create_readonly_role", "--org", "acme", "--source", "empresa_maria", "--print", stdout=out
    )
    printed = out.getvalue()
    assert f"CREATE ROLE IF NOT EXISTS `{role_prefix}acme_viewer`" in printed
    (analyst_clientes,) = [
        line
        for line in printed.splitlines()
        if "`clientes`" in line and line.endswith(f"TO `{role_prefix}acme_analyst`;")
    ]
    assert "`nombre`" in analyst_clientes and "`email`" not in analyst_clientes
    maria_source.refresh_from_db()
    assert not maria_source.db_roles_enabled

    analista = member("acme", "analista")
    before = {
        q: ask(membership=analista, question=q, source_name="empresa_maria")["rows"]
        for q in NOTEBOOK
    }
    err = io.StringIO()
    out = io.StringIO()
    call_command(
        "create_readonly_role", "--org", "acme", "--source", "empresa_maria", stdout=out, stderr=err
    )
    assert "VIEWER" in out.getvalue() and "is a superuser" in err.getvalue()  # root connects
    maria_source.refresh_from_db()
    assert maria_source.db_roles_enabled
    assert connection_for(maria_source).pg_role_org == "acme"
    cache.clear()
    for question in NOTEBOOK:  # every query now SET ROLEs to the analyst's MariaDB role
        again = ask(membership=analista, question=question, source_name="empresa_maria")
        assert again["type"] == "SQL" and not again["cached"], (question, again.get("error"))
        assert same_rows(again["rows"], before[question]), question


def test_mysql_locations_follow_the_host_rules(member, settings, mariadb_url):
    org = member("acme", "analista").organization
    checked = location_check(
        org=org, kind="mariadb", location="mysql://ana:s3cret@127.0.0.1/ventas"
    )
    assert checked.dsn == "mysql://ana:s3cret@127.0.0.1:3306/ventas"
    assert location_display(kind="mariadb", stored=checked.stored) == (
        "mysql://ana:***@127.0.0.1:3306/ventas"
    )
    for url, code in [
        ("mysql://ana@db.elsewhere.test/ventas", "host_not_allowed"),
        ("mysql://127.0.0.1/ventas", "location_invalid"),  # no user
        ("mysql://ana@127.0.0.1/", "location_invalid"),  # no database
        ("mysql://ana@127.0.0.1/ventas?unix_socket=/run/mysqld/mysqld.sock", "location_invalid"),
        ("mysql://ana@127.0.0.1/ventas?local_infile=1", "location_invalid"),
        ("postgresql://ana@127.0.0.1/ventas", "location_invalid"),
    ]:
        with pytest.raises(LocationError) as refused:
            location_check(org=org, kind="mariadb", location=url)
        assert refused.value.code == code, url
    settings.DATACHAT_SOURCE_HOSTS = []
    with pytest.raises(LocationError) as refused:
        location_check(org=org, kind="mariadb", location=mariadb_url)
    assert refused.value.code == "host_not_allowed"


def test_stop_kills_a_running_mariadb_job_from_the_web_process(member, maria_source):
    """What Stop does in the web process for a job on MariaDB: the worker recorded the query's
    thread id as it connected, and `backend_cancel` (the adapter's `KILL QUERY`) ends the query
    at once instead of at its timeout."""

    from apps.chat import jobs
    from apps.chat.models import Message, QueryJob
    from apps.governance.engine.errors import SqlRefusal
    from apps.governance.engine.guard import GuardedQuery
    from apps.governance.services import policy_resolve
    from apps.governance.tests.running import RunningQuery

    membership = member("acme", "admin")
    policy = policy_resolve(membership=membership, table_names=["ventas"])
    policy = type(policy)(**{**policy.__dict__, "timeout_ms": 60_000})
    slow = "SELECT COUNT(*) FROM ventas a, ventas b, ventas c, ventas d, ventas e, ventas f"
    guarded = GuardedQuery.unchecked_for_engine_tests(slow, "mariadb", policy)
    job = QueryJob.all_tenants.create(
        organization=membership.organization, user=membership.user, source_name="empresa_maria",
        kind=Message.Kind.QUERY, channel="api", question=slow, sql=slow, reason="deadline",
        status="running",
    )  # fmt: skip
    # The worker's part, on a thread without the app database
    running = RunningQuery(guarded, connection_for(maria_source))
    thread_id = running.start(wait=15)
    QueryJob.all_tenants.filter(pk=job.pk).update(backend_pid=thread_id)  # as JobWatch does
    job.refresh_from_db()
    assert jobs.backend_cancel(job) is True
    outcome = running.outcome_within(20)
    assert isinstance(outcome, SqlRefusal) and outcome.code == "timeout"
