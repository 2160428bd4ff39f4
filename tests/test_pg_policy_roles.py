"""Per-role PostgreSQL roles through the product: the command, the policy signal, the pipeline.

The demo data is loaded into a scratch PostgreSQL database registered as acme's `empresa_pg`;
`create_readonly_role` creates the policy roles there (under a prefix unique to this test, so
parallel runs sharing the server never share a role) and turns per-role enforcement on. Then
the normal answers must be unchanged with the guard on, and an AccessPolicy edit must reach the
database by itself. The attack corpus per role is in apps/governance/tests/test_executor_postgres.
"""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from apps.chat.pipeline import ask, run_query
from apps.governance.engine import executor
from apps.governance.engine.guard import guard_sql
from apps.governance.models import AccessPolicy, Role
from apps.governance.services import policy_resolve
from apps.knowledge import secrets
from apps.knowledge.demo.postgres import load_into_postgres
from apps.knowledge.models import DataSource
from apps.knowledge.query_context import connection_for
from apps.knowledge.selectors import catalog_snapshot
from apps.knowledge.services import catalog_refresh, datasource_create
from tests.test_services import NOTEBOOK, normalised

pytestmark = [pytest.mark.services, pytest.mark.django_db]


@pytest.fixture
def prefix(settings, postgres_url):  # noqa: ANN001, ANN201
    """A role prefix of this test alone; its roles are dropped after the scratch database."""
    value = f"dct{uuid.uuid4().hex[:8]}_"
    settings.DATACHAT = {**settings.DATACHAT, "PG_ROLE_PREFIX": value}
    yield value
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (value + "%",)
            ).fetchall()
        ]
        for name in names:
            conn.execute(f'DROP ROLE IF EXISTS "{name}"')


@pytest.fixture
def pg_source(prefix, member, scratch_postgres_db, demo_db_path):  # noqa: ANN001, ANN201
    """Registered as acme's `empresa_pg`, connecting as the server's superuser (a test set-up:
    the connection may manage roles, so policy edits are re-applied automatically). `prefix`
    comes first: its roles are dropped after the scratch database is."""
    load_into_postgres(demo_db_path, scratch_postgres_db)
    org = member("acme", "analista").organization
    source = datasource_create(
        org=org,
        name="empresa_pg",
        kind=DataSource.Kind.POSTGRES,
        location=scratch_postgres_db,
        restricted=False,
    )
    catalog_refresh(data_source=source)
    return source


def _run(*args: str, stderr: io.StringIO | None = None) -> str:
    out = io.StringIO()
    call_command("create_readonly_role", *args, stdout=out, stderr=stderr or io.StringIO())
    return out.getvalue()


def _privilege(source, sql: str, *args):  # noqa: ANN001, ANN002, ANN202
    import psycopg

    with psycopg.connect(source.location(), autocommit=True) as conn:
        return conn.execute(sql, args).fetchone()[0]


def test_print_mode_shows_the_sql_and_changes_nothing(pg_source, prefix):
    printed = _run("--org", "acme", "--source", "empresa_pg", "--print")
    assert f'CREATE ROLE "{prefix}acme_viewer" NOLOGIN' in printed
    assert f'GRANT SELECT ON "public"."ventas" TO "{prefix}acme_viewer"' in printed
    assert f'ON "public"."clientes" TO "{prefix}acme_analyst"' in printed
    (analyst_clientes,) = [
        line
        for line in printed.splitlines()
        if line.endswith(f'ON "public"."clientes" TO "{prefix}acme_analyst";')
    ]
    assert '"nombre"' in analyst_clientes and '"email"' not in analyst_clientes
    assert "current_setting('datachat.attr.region', true)" in printed
    assert 'ALTER TABLE "public"."ventas" FORCE ROW LEVEL SECURITY' in printed
    assert (
        _privilege(pg_source, "SELECT count(*) FROM pg_roles WHERE rolname LIKE %s", prefix + "%")
        == 0
    )
    pg_source.refresh_from_db()
    assert not pg_source.db_roles_enabled


def test_answers_unchanged_and_each_role_enforced_through_its_database_role(member, pg_source):
    analista, visor = member("acme", "analista"), member("acme", "visor")
    before = {
        q: ask(membership=analista, question=q, source_name="empresa_pg")["rows"] for q in NOTEBOOK
    }
    err = io.StringIO()
    output = _run("--org", "acme", "--source", "empresa_pg", stderr=err)
    assert "VIEWER" in output and "1 row filter(s)" in output
    assert "is a superuser" in err.getvalue()  # this test connects as postgres
    assert "_acme_viewer: SELECT on 2 table(s)" in output
    # idempotent: the second run succeeds and changes nothing that matters
    _run("--org", "acme", "--source", "empresa_pg")
    pg_source.refresh_from_db()
    assert pg_source.db_roles_enabled
    assert connection_for(pg_source).pg_role_org == "acme"

    cache.clear()
    for question in NOTEBOOK:  # the guard on: the same answers as before
        on_roles = ask(membership=analista, question=question, source_name="empresa_pg")
        assert on_roles["type"] == "SQL", (question, on_roles.get("error"))
        assert not on_roles["cached"]
        assert normalised(on_roles["rows"]) == normalised(before[question]), question
    by_region = ask(
        membership=visor,
        question="¿Cuál fue el total de ventas por región?",
        source_name="empresa_pg",
    )
    assert [row[0] for row in by_region["rows"]] == ["Norte"]
    masked = run_query(
        membership=member("acme", "cientifica"),
        sql="SELECT email, telefono FROM clientes",
        source_name="empresa_pg",
    )
    assert masked["type"] == "SQL" and {v for row in masked["rows"] for v in row} == {"***"}

    # The database alone: the guarded SQL of one role, run as another role, is refused/filtered.
    catalog = catalog_snapshot(data_source=pg_source)
    tables = [t.name for t in catalog.tables]
    analyst_policy = policy_resolve(membership=analista, table_names=tables)
    viewer_policy = policy_resolve(membership=visor, table_names=tables)
    guarded = guard_sql(
        "SELECT count(*) FROM ventas",
        dialect="postgres",
        schema=catalog.schema_mapping(),
        policy=analyst_policy,
    )
    from apps.governance.engine.executor import execute
    from apps.governance.engine.guard import GuardedQuery

    as_viewer = GuardedQuery.unchecked_for_engine_tests(guarded.sql, "postgres", viewer_policy)
    (total,) = execute(guarded, source=connection_for(pg_source)).rows[0]
    (visible,) = execute(as_viewer, source=connection_for(pg_source)).rows[0]
    assert 0 < visible < total


def test_exports_stream_through_the_policy_role(member, pg_source):
    _run("--org", "acme", "--source", "empresa_pg")
    pg_source.refresh_from_db()
    visor = member("acme", "visor")
    catalog = catalog_snapshot(data_source=pg_source)
    policy = policy_resolve(membership=visor, table_names=[t.name for t in catalog.tables])
    guarded = guard_sql(
        "SELECT region FROM ventas",
        dialect="postgres",
        schema=catalog.schema_mapping(),
        policy=policy,
    )
    rows = list(executor.stream(guarded, source=connection_for(pg_source), limit=100_000))
    assert rows and {r[0] for r in rows} == {"Norte"}


def test_a_policy_edit_reaches_the_database_by_itself(
    member, pg_source, prefix, django_capture_on_commit_callbacks
):  # noqa: ANN001
    _run("--org", "acme", "--source", "empresa_pg")
    viewer_role = f"{prefix}acme_viewer"
    check = "SELECT has_table_privilege(%s, 'productos', 'SELECT')"
    assert _privilege(pg_source, check, viewer_role) is True
    policy = AccessPolicy.all_tenants.get(organization__slug="acme", role=Role.VIEWER)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            policy.allowed_tables = ["ventas"]
            policy.save()
        assert _privilege(pg_source, check, viewer_role) is False
        assert "in sync" in _run("--org", "acme", "--source", "empresa_pg", "--check")
        answer = run_query(
            membership=member("acme", "admin"),
            sql="SELECT count(*) FROM productos",
            source_name="empresa_pg",
        )
        assert answer["type"] == "SQL"  # the admin's own role is untouched
    finally:
        with django_capture_on_commit_callbacks(execute=True):
            policy.allowed_tables = ["ventas", "productos"]
            policy.save()
    assert _privilege(pg_source, check, viewer_role) is True


def test_check_reports_a_source_behind_its_policies(member, pg_source):
    assert "off" in _run("--org", "acme", "--source", "empresa_pg", "--check")
    _run("--org", "acme", "--source", "empresa_pg")
    DataSource.all_tenants.filter(pk=pg_source.pk).update(db_roles_synced_at=None)
    with pytest.raises(CommandError, match="policies changed"):
        _run("--org", "acme", "--source", "empresa_pg", "--check")
    _run("--org", "acme", "--source", "empresa_pg", "--disable")
    pg_source.refresh_from_db()
    assert not pg_source.db_roles_enabled and connection_for(pg_source).pg_role_org is None


def test_a_connection_that_cannot_manage_roles_is_a_clear_error(member, pg_source):
    with pytest.raises(CommandError, match="database roles not applied"):
        _run(
            "--org",
            "acme",
            "--source",
            "empresa_pg",
            "--admin-url",
            "postgresql://nosuchuser_dc@127.0.0.1:5432/postgres",
        )
    pg_source.refresh_from_db()
    assert not pg_source.db_roles_enabled


def test_the_recommended_least_privilege_login(
    member, pg_source, prefix, caplog, django_capture_on_commit_callbacks
):  # noqa: ANN001
    """`--role` creates a NOINHERIT login that reads nothing by itself; the source connects with
    it; answers are unchanged; a policy edit cannot be re-applied over that connection, which is
    logged and reported until the operator re-runs the command with `--admin-url`."""
    import psycopg

    admin_url = secrets.decrypt(pg_source.location_encrypted)  # the URL as configured
    login = f"{prefix}login"
    err = io.StringIO()
    _run("--org", "acme", "--source", "empresa_pg", "--role", login, stderr=err)
    assert "superuser" not in err.getvalue() and "inherits" not in err.getvalue()
    password = uuid.uuid4().hex
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"ALTER ROLE \"{login}\" PASSWORD '{password}'")
    login_url = admin_url.replace("//postgres@", f"//{login}:{password}@")
    assert login_url != admin_url
    datasource_create(
        org=pg_source.organization,
        name="empresa_pg",
        kind=DataSource.Kind.POSTGRES,
        location=login_url,
    )
    pg_source.refresh_from_db()
    with psycopg.connect(login_url, autocommit=True) as conn, pytest.raises(psycopg.Error):
        conn.execute("SELECT count(*) FROM productos")  # nothing on its own

    cache.clear()
    visor = ask(
        membership=member("acme", "visor"),
        question="¿Cuál fue el total de ventas por región?",
        source_name="empresa_pg",
    )
    assert visor["type"] == "SQL" and [row[0] for row in visor["rows"]] == ["Norte"]
    masked = run_query(
        membership=member("acme", "analista"),
        sql="SELECT nombre, email FROM clientes",
        source_name="empresa_pg",
    )
    assert masked["type"] == "SQL" and {row[1] for row in masked["rows"]} == {"***"}

    policy = AccessPolicy.all_tenants.get(organization__slug="acme", role=Role.VIEWER)
    try:
        with caplog.at_level("WARNING"), django_capture_on_commit_callbacks(execute=True):
            policy.save()
        assert "create_readonly_role --org acme --source empresa_pg" in caplog.text
        with pytest.raises(CommandError, match="policies changed"):
            _run("--org", "acme", "--source", "empresa_pg", "--check")
        _run("--org", "acme", "--source", "empresa_pg", "--admin-url", admin_url)
        assert "in sync" in _run("--org", "acme", "--source", "empresa_pg", "--check")
    finally:
        DataSource.all_tenants.filter(pk=pg_source.pk).update(db_roles_enabled=False)
