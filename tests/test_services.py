"""Service-backed runs: PostgreSQL as a data source and as the app database, Redis as the cache.

These skip without the services (with the reason) and must run in CI (DATACHAT_REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import json

import pytest

from apps.chat.pipeline import ask, run_query
from apps.knowledge.demo.postgres import load_into_postgres
from apps.knowledge.models import DataSource
from apps.knowledge.services import catalog_refresh, datasource_create
from tests.support.services import manage_runner

pytestmark = [pytest.mark.services, pytest.mark.django_db]

NOTEBOOK = [
    "¿Cuántas ventas hubo en total?",
    "¿Cuál fue el total de ventas por región?",
    "Top 3 productos por ingresos",
    "Monthly revenue in 2025",
    "Revenue by customer segment in 2024",
]


def normalised(rows):  # noqa: ANN001, ANN201
    return sorted(tuple(round(v, 2) if isinstance(v, float) else v for v in r) for r in rows)


@pytest.fixture
def pg_source(member, scratch_postgres_db, demo_db_path):  # noqa: ANN001, ANN201
    """The demo data loaded into a real PostgreSQL database, registered as acme's `empresa_pg`."""
    load_into_postgres(demo_db_path, scratch_postgres_db)
    org = member("acme", "analista").organization
    source = datasource_create(
        org=org,
        name="empresa_pg",
        kind=DataSource.Kind.POSTGRES,
        location=scratch_postgres_db,
        restricted=False,  # opened to the org's roles, as its admin would
    )
    catalog_refresh(data_source=source)
    return source


def test_postgres_source_answers_like_the_sqlite_one(member, pg_source):
    analista = member("acme", "analista")
    assert pg_source.location_encrypted and "postgres" not in pg_source.location_encrypted
    for question in NOTEBOOK:
        on_sqlite = ask(membership=analista, question=question)
        on_pg = ask(membership=analista, question=question, source_name="empresa_pg")
        assert on_pg["type"] == "SQL", (question, on_pg["answer"], on_pg.get("error"))
        assert normalised(on_pg["rows"]) == normalised(on_sqlite["rows"]), question


def test_postgres_source_keeps_row_level_security_and_masks(member, pg_source):
    visor = ask(
        membership=member("acme", "visor"),
        question="¿Cuál fue el total de ventas por región?",
        source_name="empresa_pg",
    )
    assert [row[0] for row in visor["rows"]] == ["Norte"]
    masked = run_query(
        membership=member("acme", "analista"),
        sql="SELECT email, telefono FROM clientes",
        source_name="empresa_pg",
    )
    assert masked["type"] == "SQL"
    assert {v for row in masked["rows"] for v in row} == {"***"}
    refused = run_query(
        membership=member("acme", "analista"),
        sql="WITH d AS (DELETE FROM ventas RETURNING *) SELECT count(*) FROM d",
        source_name="empresa_pg",
    )
    assert refused["type"] == "REFUSED"


def test_app_database_on_postgres_and_cache_on_redis(scratch_postgres_db, redis_url, tmp_path):
    """The whole product with DATABASE_URL and REDIS_URL set: migrate, seed, ask twice."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    run = manage_runner(
        DATABASE_URL=scratch_postgres_db,
        REDIS_URL=redis_url,
        DATACHAT_DATA_DIR=str(tmp_path),
        CELERY_TASK_ALWAYS_EAGER="1",
    )

    def manage(*args: str) -> str:
        return run(*args).stdout

    manage("migrate", "--noinput")
    manage("seed_demo", "--rows", "2000")
    question = "¿Cuál fue el total de ventas por región?"
    first = json.loads(manage("ask", "--org", "acme", "--user", "analista", "--json", question))
    second = json.loads(manage("ask", "--org", "acme", "--user", "analista", "--json", question))
    assert first["type"] == "SQL" and len(first["rows"]) == 4
    assert not first["cached"] and second["cached"], "the second process hit the Redis cache"
    assert second["rows"] == first["rows"]
    assert "OK" in manage("verify_audit", "--org", "acme")
    keys = redis.Redis.from_url(redis_url).keys("datachat*")
    assert keys, "answers were cached in Redis"
