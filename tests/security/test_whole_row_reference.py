"""A whole-row reference (`SELECT t FROM t`: PostgreSQL's row value, DuckDB's struct) reads every
column of the row, masked ones included. SQLite and MariaDB have no such thing (the guard refuses
an unknown column); for PostgreSQL and DuckDB the guard must refuse it too, or the mask is
bypassed: an analyst read `clientes`' e-mails in clear from an uploaded spreadsheet."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.guard import guard_sql
from apps.governance.engine.policy import DataPolicy
from apps.governance.models import AccessPolicy, Organization
from apps.knowledge.models import DataSource
from tests.support.fixtures import api_key_for

SCHEMA = {"evil": {"nombre": "TEXT", "importe": "INTEGER", "email": "TEXT"}}
POLICY = DataPolicy(
    role="ANALYST",
    can_query=True,
    allowed_tables=frozenset({"evil"}),
    masked_columns=frozenset({("evil", "email")}),
)
WHOLE_ROWS = [
    "SELECT evil FROM evil",
    "SELECT e FROM evil AS e",
    "SELECT (SELECT e FROM evil AS e LIMIT 1) AS r",
    "SELECT x FROM (SELECT * FROM evil) AS x",
    "WITH t AS (SELECT nombre, email FROM evil) SELECT t FROM t",
    "SELECT nombre FROM evil AS e WHERE e IS NOT NULL",
]


@pytest.mark.parametrize("dialect", ["postgres", "duckdb", "sqlite", "mariadb"])
@pytest.mark.parametrize("sql", WHOLE_ROWS)
def test_the_guard_refuses_a_whole_row_reference(dialect: str, sql: str) -> None:
    with pytest.raises(SqlRefusal) as refused:
        guard_sql(sql, dialect=dialect, schema=SCHEMA, policy=POLICY, lang="en")
    assert refused.value.code == "column_not_allowed"


def test_star_and_named_columns_still_pass_masked() -> None:
    for dialect in ("postgres", "duckdb"):
        guarded = guard_sql(
            "SELECT e.* FROM evil AS e", dialect=dialect, schema=SCHEMA, policy=POLICY
        )
        assert "'***'" in guarded.sql and "e.email" not in guarded.sql


@pytest.mark.django_db
def test_an_analyst_cannot_read_a_masked_spreadsheet_column_through_the_row() -> None:
    def client(username: str) -> APIClient:
        api = APIClient()
        user = get_user_model().objects.get(username=username)
        api.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
        return api

    upload = io.BytesIO(b"nombre,importe,email\nana,10,ana@example.com\nbob,20,bob@example.com\n")
    upload.name = "evil.csv"
    response = client("admin").post(
        "/api/v1/datasources/", {"name": "hojas", "file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    acme = Organization.objects.get(slug="acme")
    DataSource.all_tenants.for_org(acme).filter(name="hojas").update(restricted=False)
    AccessPolicy.all_tenants.for_org(acme).filter(role="ANALYST").update(
        allowed_tables=["*"], masked_columns=["evil.email"]
    )
    analyst = client("analista")
    masked = analyst.post(
        "/api/v1/query/", {"sql": "SELECT email FROM evil", "source": "hojas"}, format="json"
    ).json()
    assert masked["type"] == "SQL" and masked["rows"] == [["***"], ["***"]]
    body = analyst.post(
        "/api/v1/query/", {"sql": "SELECT evil FROM evil", "source": "hojas"}, format="json"
    ).json()
    assert "example.com" not in json.dumps(body.get("rows"))
    assert body["type"] == "REFUSED" and body["error"]["code"] == "column_not_allowed"


def test_duckdb_itself_refuses_a_whole_row_of_a_table_with_masked_columns(tmp_path) -> None:  # noqa: ANN001
    """The engine layer alone (guard switched off): DuckDB's own parse tree is read."""
    import duckdb

    from apps.governance.engine.dialects.duckdb import connect, engine_check

    path = str(tmp_path / "evil.duckdb")
    setup = duckdb.connect(path)
    setup.execute("CREATE TABLE evil (nombre VARCHAR, importe INTEGER, email VARCHAR)")
    setup.execute("INSERT INTO evil VALUES ('ana', 10, 'ana@example.com')")
    setup.close()
    conn = connect(path)
    try:
        for sql in (
            "SELECT evil FROM evil",
            "SELECT e FROM evil AS e",
            "SELECT e::VARCHAR FROM evil e",
        ):
            with pytest.raises(SqlRefusal) as refused:
                engine_check(conn, sql, POLICY, "en")
            assert refused.value.code == "column_not_allowed", sql
        engine_check(conn, "SELECT nombre, importe FROM evil AS e", POLICY, "en")  # allowed
    finally:
        conn.close()
