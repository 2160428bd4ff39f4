"""The seed's contract (docs/demo-data.md): names, vocabularies, users, policies, knowledge."""

from __future__ import annotations

import io
import sqlite3

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from apps.governance.models import AccessPolicy, Membership, Organization
from apps.knowledge.models import CatalogColumn, CatalogForeignKey, DataSource, Document, Metric
from tests.support.fixtures import login_request

pytestmark = pytest.mark.django_db

USERS = {
    ("acme", "admin"): "ADMIN",
    ("acme", "analista"): "ANALYST",
    ("acme", "cientifica"): "DATA_SCIENTIST",
    ("acme", "visor"): "VIEWER",
    ("acme", "steward"): "STEWARD",
    ("acme", "auditor"): "COMPLIANCE",
    ("globex", "globex_analyst"): "ANALYST",
}


def test_orgs_users_roles_and_passwords():
    assert set(Organization.objects.values_list("slug", "name")) == {
        ("acme", "ACME Retail"),
        ("globex", "Globex Corp"),
    }
    found = {
        (m.organization.slug, m.user.username): m.role
        for m in Membership.all_tenants.select_related("organization", "user")
    }
    assert found == USERS
    visor = Membership.all_tenants.get(user__username="visor")
    assert visor.attributes == {"region": "Norte"}
    for _, username in USERS:
        assert authenticate(login_request(), username=username, password="datachat-demo")


def test_default_policies_per_role():
    acme = Organization.objects.get(slug="acme")
    policies = {p.role: p for p in AccessPolicy.all_tenants.filter(organization=acme)}
    assert set(policies) == {
        "VIEWER",
        "ANALYST",
        "DATA_SCIENTIST",
        "ADMIN",
        "STEWARD",
        "COMPLIANCE",
    }
    assert policies["VIEWER"].allowed_tables == ["ventas", "productos"]
    assert not policies["VIEWER"].can_export
    assert policies["DATA_SCIENTIST"].can_export and not policies["ANALYST"].can_export
    assert not policies["COMPLIANCE"].can_query_data
    assert set(policies["ANALYST"].masked_columns) == {
        "clientes.email",
        "clientes.telefono",
        "clientes.direccion",
    }


def test_data_sources_catalog_and_location_encrypted(settings):
    acme_source = DataSource.all_tenants.get(organization__slug="acme", name="empresa")
    assert acme_source.is_default and acme_source.kind == "sqlite"
    assert "empresa.db" not in acme_source.location_encrypted  # encrypted at rest
    assert acme_source.location() == str(settings.DATA_DIR / "sources" / "acme" / "empresa.db")
    assert acme_source.stored_location() == "empresa.db"  # relative to the org folder
    tables = set(acme_source.tables.values_list("name", flat=True))
    assert tables == {"productos", "clientes", "empleados", "ventas"}
    fks = set(
        CatalogForeignKey.all_tenants.filter(data_source=acme_source).values_list(
            "table", "column", "ref_table"
        )
    )
    assert {
        ("ventas", "cliente_id", "clientes"),
        ("ventas", "producto_id", "productos"),
        ("ventas", "empleado_id", "empleados"),
    } <= fks
    canal = CatalogColumn.all_tenants.get(
        table__data_source=acme_source, table__name="ventas", name="canal"
    )
    assert sorted(canal.distinct_values) == ["Distribuidor", "Online", "Tienda"]
    email = CatalogColumn.all_tenants.get(
        table__data_source=acme_source, table__name="clientes", name="email"
    )
    assert email.pii and email.distinct_values is None
    globex = DataSource.all_tenants.get(organization__slug="globex")
    assert "pedidos" in set(globex.tables.values_list("name", flat=True))


def test_vocabularies_in_the_generated_file(demo_db_path):
    conn = sqlite3.connect(demo_db_path)
    values = lambda sql: {r[0] for r in conn.execute(sql)}  # noqa: E731
    assert values("SELECT DISTINCT region FROM ventas") == {"Norte", "Sur", "Este", "Oeste"}
    assert values("SELECT DISTINCT canal FROM ventas") == {"Online", "Tienda", "Distribuidor"}
    assert values("SELECT DISTINCT segmento FROM clientes") == {"Empresa", "Pyme", "Consumidor"}
    assert values("SELECT DISTINCT cargo FROM empleados") == {"Vendedor", "Gerente", "Soporte"}
    assert 'Monitor 27"' in values("SELECT nombre FROM productos")
    assert conn.execute("SELECT COUNT(*) FROM ventas").fetchone()[0] == 5000
    conn.close()


def test_knowledge_documents_metrics_and_examples():
    acme = Organization.objects.get(slug="acme")
    docs = Document.all_tenants.filter(organization=acme)
    assert {d.table_name for d in docs.filter(kind="TABLE")} == {
        "productos",
        "clientes",
        "empleados",
        "ventas",
    }
    assert docs.filter(kind="GLOSSARY").exists()
    metrics = {m.name: m for m in Metric.all_tenants.filter(organization=acme)}
    assert {
        "Revenue Total",
        "Número de ventas",
        "Unidades vendidas",
        "Ticket promedio",
        "Margen bruto",
        "Clientes activos",
        "Descuento promedio",
    } <= set(metrics)
    assert "ingresos" in metrics["Revenue Total"].synonyms
    assert acme.knowledge_version > 1


def test_second_run_changes_nothing_and_says_so():
    acme = Organization.objects.get(slug="acme")
    version = acme.knowledge_version
    out = io.StringIO()
    call_command("seed_demo", rows=5000, seed=42, stdout=out)
    acme.refresh_from_db()
    assert acme.knowledge_version == version
    assert "nothing changed" in out.getvalue()
    assert "datachat-demo" in out.getvalue()
