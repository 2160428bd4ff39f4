"""Knowledge documents and data sources through the API: only what the caller's policy shows."""

from __future__ import annotations

import pytest
from guardian.shortcuts import assign_perm

from apps.knowledge.models import DataSource, Document

pytestmark = pytest.mark.django_db


def all_pages(client, url: str, **params) -> list[dict]:  # noqa: ANN001, ANN003
    items, page = [], 1
    while True:
        body = client.get(url, {**params, "page": page, "page_size": 100}).json()
        items += body["results"]
        if not body["next"]:
            return items
        page += 1


def doc(org: str, **filters) -> Document:  # noqa: ANN003
    return Document.all_tenants.filter(organization__slug=org, **filters).first()


# --- documents --------------------------------------------------------------------------------


def test_documents_about_empleados_are_invisible_to_an_analyst(api):
    empleados = doc("acme", table_name="empleados")
    assert empleados is not None
    analista, admin = api("acme", "analista"), api("acme", "admin")
    listed = all_pages(analista, "/api/v1/knowledge/documents/")
    assert listed and all(item["table_name"] != "empleados" for item in listed)
    assert empleados.pk not in {item["id"] for item in listed}
    assert analista.get(f"/api/v1/knowledge/documents/{empleados.pk}/").status_code == 404
    # an admin's policy shows the table, so the document too
    assert empleados.pk in {item["id"] for item in all_pages(admin, "/api/v1/knowledge/documents/")}
    detail = admin.get(f"/api/v1/knowledge/documents/{empleados.pk}/")
    assert detail.status_code == 200 and "salario" in detail.json()["body"]


def test_lines_naming_hidden_tables_are_dropped_from_visible_documents(api):
    glossary = Document.all_tenants.filter(
        organization__slug="acme", table_name="", body__icontains="empleados"
    ).first()
    assert glossary is not None
    analista = api("acme", "analista").get(f"/api/v1/knowledge/documents/{glossary.pk}/").json()
    assert "empleados" not in analista["body"].lower() and analista["body"]
    admin = api("acme", "admin").get(f"/api/v1/knowledge/documents/{glossary.pk}/").json()
    assert "empleados" in admin["body"].lower()


def test_a_viewer_sees_only_the_documents_of_their_tables(api):
    listed = all_pages(api("acme", "visor"), "/api/v1/knowledge/documents/")
    tables = {item["table_name"] for item in listed} - {""}
    assert tables and tables <= {"ventas", "productos"}


def test_another_orgs_documents_are_never_listed_and_a_404(api):
    foreign = doc("globex")
    assert foreign is not None
    admin = api("acme", "admin")
    assert foreign.pk not in {
        item["id"] for item in all_pages(admin, "/api/v1/knowledge/documents/")
    }
    assert admin.get(f"/api/v1/knowledge/documents/{foreign.pk}/").status_code == 404
    theirs = api("globex", "globex_analyst").get(f"/api/v1/knowledge/documents/{foreign.pk}/")
    assert theirs.status_code == 200 and theirs.json()["title"] == foreign.title


def test_documents_are_paginated_searchable_and_filtered_by_kind(api):
    client = api("acme", "analista")
    page = client.get("/api/v1/knowledge/documents/", {"page_size": 3}).json()
    assert len(page["results"]) == 3 and page["count"] > 3 and page["next"]
    metrics = client.get("/api/v1/knowledge/documents/", {"kind": "METRIC"}).json()["results"]
    assert metrics and {item["kind"] for item in metrics} == {"METRIC"}
    found = client.get("/api/v1/knowledge/documents/", {"q": "ventas"}).json()["results"]
    assert found and all("excerpt" in item and "body" not in item for item in found)
    assert client.get("/api/v1/knowledge/documents/", {"kind": "NOPE"}).status_code == 400


# --- data sources -----------------------------------------------------------------------------


def test_datasources_list_the_callers_tables_and_never_a_location(api, demo_db_path):
    response = api("acme", "analista").get("/api/v1/datasources/")
    assert response.status_code == 200
    [source] = response.json()["results"]
    assert {k: source[k] for k in ("name", "kind", "is_default")} == {
        "name": "empresa",
        "kind": "sqlite",
        "is_default": True,
    }
    tables = {t["name"]: t for t in source["tables"]}
    assert "ventas" in tables and "empleados" not in tables
    masked = {c["name"] for c in tables["clientes"]["columns"] if c["masked"]}
    assert masked == {"email", "telefono", "direccion"}
    text = response.content.decode()
    assert "location" not in text and "empresa.db" not in text and demo_db_path not in text


def test_each_role_and_org_sees_its_own_view_of_sources(api):
    visor = api("acme", "visor").get("/api/v1/datasources/").json()["results"]
    assert {t["name"] for t in visor[0]["tables"]} == {"ventas", "productos"}
    admin = api("acme", "admin").get("/api/v1/datasources/").json()["results"]
    assert "empleados" in {t["name"] for t in admin[0]["tables"]}
    auditor = api("acme", "auditor").get("/api/v1/datasources/").json()["results"]
    assert auditor[0]["tables"] == []
    globex = api("globex", "globex_analyst").get("/api/v1/datasources/").json()["results"]
    assert [s["name"] for s in globex] == ["globex"]
    assert "globex" not in {s["name"] for s in admin}


def test_a_restricted_source_is_listed_only_for_members_granted_it(api, member):
    source = DataSource.all_tenants.get(organization__slug="acme", name="empresa")
    DataSource.all_tenants.filter(pk=source.pk).update(restricted=True)
    analista = api("acme", "analista")
    assert analista.get("/api/v1/datasources/").json()["results"] == []
    assert analista.get("/api/v1/knowledge/documents/").json()["results"] == [
        item
        for item in analista.get("/api/v1/knowledge/documents/").json()["results"]
        if item["source"] is None
    ]
    assign_perm("knowledge.use_datasource", member("acme", "analista").user, source)
    assert [s["name"] for s in analista.get("/api/v1/datasources/").json()["results"]] == [
        "empresa"
    ]
