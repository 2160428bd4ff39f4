"""Connecting a PostgreSQL database with `add_datasource --url`: tested, introspected (names and
value samples), and an analyst of the new org reads it with personal columns masked."""

from __future__ import annotations

import io

import psycopg
import pytest
from django.core.management import call_command

from apps.chat.pipeline import run_query
from apps.governance.engine.policy import MASK
from apps.governance.models import Organization, Role
from apps.governance.services import membership_create
from apps.knowledge.models import CatalogColumn, CatalogTable

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def test_postgres_url_connects_and_personal_columns_are_masked(scratch_postgres_db):
    with psycopg.connect(scratch_postgres_db, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE clientes (id int PRIMARY KEY, nombre text, apellidos text, "
            "correo_e text, ciudad text, segmento text, alta date, notas text)"
        )
        conn.execute("CREATE TABLE nominas (id int PRIMARY KEY, empleado text, importe numeric)")
        conn.execute(
            "INSERT INTO clientes SELECT g, 'Ana', 'Pérez', 'ana' || g || '@x.example', "
            "'Madrid', 'Pyme', DATE '2024-01-01', "
            "'contacto: +34 600 000 ' || lpad(g::text, 3, '0') FROM generate_series(1, 10) g"
        )
    call_command("create_org", slug="pg-own", name="PG", stdout=io.StringIO())
    out = io.StringIO()
    call_command("add_datasource", org="pg-own", name="crm", url=scratch_postgres_db, stdout=out)
    assert "2 tables" in out.getvalue()
    org = Organization.objects.get(slug="pg-own")
    flagged = set(
        CatalogColumn.all_tenants.filter(organization=org, pii=True).values_list(
            "table__name", "name"
        )
    )
    assert {("clientes", "nombre"), ("clientes", "apellidos"), ("clientes", "correo_e")} <= flagged
    assert ("clientes", "ciudad") not in flagged
    assert CatalogTable.all_tenants.get(organization=org, name="nominas").sensitive
    analyst, _ = membership_create(org=org, username="pg-own-ana", password="x", role=Role.ANALYST)
    answer = run_query(membership=analyst, sql="SELECT nombre, correo_e, ciudad FROM clientes")
    assert answer["type"] == "SQL", answer.get("error")
    assert {tuple(r) for r in answer["rows"]} == {(MASK, MASK, "Madrid")}
    refused = run_query(membership=analyst, sql="SELECT * FROM nominas")
    assert refused["error"]["code"] == "table_not_allowed"
