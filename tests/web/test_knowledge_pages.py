"""The knowledge browser: every member may read it, limited to what their policy lets them see."""

from __future__ import annotations

import re

import pytest

from apps.knowledge.models import Document
from tests.web.conftest import HTMX

pytestmark = pytest.mark.django_db

ROLES = ("admin", "analista", "cientifica", "visor", "steward", "auditor")


def _table_names(html: str) -> set[str]:
    return set(re.findall(r'<li class="item item-table">\s*<h2>(\w+)', html))


@pytest.mark.parametrize("username", ROLES)
def test_every_tab_renders_for_every_role(login, username):
    client = login(username)
    for tab in ("glossary", "examples", "documents", "tables"):
        response = client.get(f"/knowledge/?tab={tab}")
        assert response.status_code == 200, (username, tab)
        assert 'aria-current="page" data-tab="' + tab + '"' in response.content.decode()


def test_analyst_does_not_see_the_employees_table(login):
    html = login("analista").get("/knowledge/?tab=tables").content.decode()
    assert _table_names(html) == {"clientes", "productos", "ventas"}
    assert "empleados" not in html
    assert "enmascarada" in html  # PII columns are shown as masked for the analyst


def test_admin_sees_every_table_and_viewer_only_two(login):
    assert "empleados" in _table_names(
        login("admin").get("/knowledge/?tab=tables").content.decode()
    )
    visor = login("visor").get("/knowledge/?tab=tables").content.decode()
    assert _table_names(visor) == {"productos", "ventas"}
    assert "filas filtradas para ti" in visor


def test_compliance_sees_no_tables(login):
    html = login("auditor").get("/knowledge/?tab=tables").content.decode()
    assert _table_names(html) == set()


def test_documents_about_hidden_tables_are_hidden_and_404(login):
    hidden = Document.all_tenants.filter(table_name="empleados").first()
    assert hidden is not None, "the seed documents the employees table"
    analyst = login("analista")
    assert hidden.title not in analyst.get("/knowledge/?tab=documents").content.decode()
    assert analyst.get(f"/knowledge/documents/{hidden.pk}/").status_code == 404
    admin = login("admin")
    assert admin.get(f"/knowledge/documents/{hidden.pk}/").status_code == 200


def test_other_orgs_documents_are_404(login):
    theirs = Document.all_tenants.filter(organization__slug="globex").first()
    assert login("analista").get(f"/knowledge/documents/{theirs.pk}/").status_code == 404


def test_search_filters_and_htmx_gets_only_the_panel(login):
    client = login("analista")
    html = client.get("/knowledge/?tab=tables&q=region", **HTMX).content.decode()
    assert html.lstrip().startswith('<section id="knowledge-panel">')
    assert "<html" not in html
    assert _table_names(html) == {"clientes", "ventas"}
    none = client.get("/knowledge/?tab=glossary&q=zzzz-nothing").content.decode()
    assert "Nada coincide con la búsqueda." in none


def test_glossary_lists_metrics_and_examples_tab_lists_questions(login):
    client = login("analista")
    glossary = client.get("/knowledge/?tab=glossary").content.decode()
    assert "Margen bruto" in glossary and "SUM(ventas.total)" in glossary
    examples = client.get("/knowledge/?tab=examples").content.decode()
    assert "item-example" in examples and "language-sql" in examples
    assert "empleados" not in examples


def test_pagination_keeps_the_tab_and_the_search(login, member):
    org = member("acme", "admin").organization
    for n in range(25):
        Document.all_tenants.create(
            organization=org, kind=Document.Kind.NOTE, title=f"Nota paginada {n:02d}", body="x"
        )
    client = login("analista")
    first = client.get("/knowledge/?tab=documents&q=paginada").content.decode()
    assert "25 elementos" in first and first.count("item-document") == 20
    assert "tab=documents&amp;q=paginada&amp;page=2" in first
    second = client.get("/knowledge/?tab=documents&q=paginada&page=2").content.decode()
    assert "Página 2 de 2" in second and second.count("item-document") == 5


def test_read_only_for_non_stewards_with_admin_links_for_stewards(login):
    analyst = login("analista").get("/knowledge/").content.decode()
    assert "/admin/" not in analyst and "Solo lectura" in analyst
    steward = login("steward").get("/knowledge/").content.decode()
    assert "/admin/knowledge/" in steward and "Editar en la administración" in steward
