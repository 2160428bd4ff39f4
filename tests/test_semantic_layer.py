"""The semantic-layer file (docs/semantic-layer.md): export, import, checks, versions, dbt, units.

Given the seeded demo (and fresh orgs holding a copy of its SQLite file), the file goes out and
back in through `manage.py knowledge`, the service and the admin; what it declares reaches the
offline engine and the answers (label column, currency, metric filters, relationships).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.chat import semantic_cache as chat_semantic
from apps.chat.pipeline import ask
from apps.governance.models import AccessPolicy, Organization, Role
from apps.governance.services import membership_create, organization_create
from apps.knowledge import selectors
from apps.knowledge.engine.semantic_file import SemanticFileError, semantic_file_parse
from apps.knowledge.models import (
    CatalogColumn,
    CatalogForeignKey,
    CatalogTable,
    DataSource,
    KnowledgeChange,
    Metric,
)
from apps.knowledge.selectors import catalog_snapshot, datasource_get
from apps.knowledge.semantic_layer import semantic_layer_export, semantic_layer_import
from apps.knowledge.services import catalog_refresh, datasource_create

DBT_TARGET = Path(__file__).parent / "fixtures" / "dbt_project" / "target"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_memos():
    """Snapshots and semantic models are memoised per (source, versions); a rolled-back test
    may leave an entry another test's ids and versions would hit."""
    selectors._snapshot_cache.clear()
    chat_semantic._models.clear()
    yield
    selectors._snapshot_cache.clear()
    chat_semantic._models.clear()


def _fresh_org(slug: str, demo_db_path: str) -> DataSource:
    """An org with a copy of the demo's file as its source `empresa`: schema only, no knowledge,
    and an analyst allowed every table."""
    org = organization_create(name=slug, slug=slug)
    folder = Path(settings.DATA_DIR) / "sources" / slug
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(demo_db_path, folder / "empresa.db")
    source = datasource_create(
        org=org,
        name="empresa",
        kind=DataSource.Kind.SQLITE,
        location="empresa.db",
        is_default=True,
        restricted=False,
    )
    catalog_refresh(data_source=source)
    AccessPolicy.all_tenants.filter(organization=org, role=Role.ANALYST).update(
        allowed_tables=["*"], masked_columns=[], row_filters=[], can_query_data=True
    )
    membership_create(org=org, username=f"{slug}-analyst", password="x" * 20, role=Role.ANALYST)
    return source


def _export(*args: str) -> str:
    out = io.StringIO()
    call_command("knowledge", "export", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _import(*args: str) -> str:
    out = io.StringIO()
    call_command("knowledge", "import", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _ask(source: DataSource, question: str) -> dict:
    from apps.governance.models import Membership

    membership = Membership.all_tenants.get(
        organization=source.organization, user__username=f"{source.organization.slug}-analyst"
    )
    return ask(membership=membership, question=question, channel="eval")


def test_the_demo_round_trips_losslessly_into_a_fresh_org(tmp_path, demo_db_path):
    # Given the demo's semantic layer exported by the command
    first = tmp_path / "acme.yaml"
    _export("--org", "acme", "--output", str(first))
    text = first.read_text(encoding="utf-8")
    data, _ = semantic_file_parse(text)
    assert data.tables["ventas"].columns["total"].currency == "USD"
    assert data.metrics and data.examples and data.glossary and data.relationships
    # When it is imported into a fresh org holding the same schema, and exported again
    source = _fresh_org("roundtrip", demo_db_path)
    before = source.organization.knowledge_version
    output = _import("--org", "roundtrip", str(first))
    assert "imported" in output
    # Then the second export is the same text, byte for byte
    assert _export("--org", "roundtrip") == text
    # And the import was versioned like a steward's edits
    source.organization.refresh_from_db()
    assert source.organization.knowledge_version > before
    assert KnowledgeChange.all_tenants.filter(
        organization=source.organization, action="semantic_layer_imported"
    ).exists()
    # And importing the same file again changes nothing (no version bump, no cache dies)
    version = source.organization.knowledge_version
    _import("--org", "roundtrip", str(first))
    source.organization.refresh_from_db()
    assert source.organization.knowledge_version == version


def test_a_bad_file_names_line_and_path_and_changes_nothing(tmp_path, demo_db_path):
    source = _fresh_org("badfile", demo_db_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "tables:\n"
        "  ventas:\n"
        "    description: Sales\n"
        "    columns:\n"
        "      total: {currency: euros}\n"
        "      colour: {description: none}\n"
        "  trucks: {description: none}\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="semantic_layer_invalid"):
        _import("--org", "badfile", str(bad))
    with pytest.raises(SemanticFileError) as caught:
        semantic_layer_import(data_source=source, text=bad.read_text(), name="bad.yaml")
    assert caught.value.problems == [
        "bad.yaml: line 5: tables.ventas.columns.total.currency: a currency is an ISO 4217 code "
        "in capitals (EUR, USD, MXN)"
    ]
    # Names the source lacks are found after the shape is right, all at once
    bad.write_text(bad.read_text().replace("euros", "EUR"), encoding="utf-8")
    with pytest.raises(SemanticFileError) as caught:
        semantic_layer_import(data_source=source, text=bad.read_text(), name="bad.yaml")
    assert caught.value.code == "semantic_layer_unknown_name"
    assert caught.value.problems == [
        "bad.yaml: line 6: tables.ventas.columns.colour: no column ventas.colour",
        "bad.yaml: line 7: tables.trucks: no table trucks in the source",
    ]
    assert not CatalogTable.all_tenants.get(data_source=source, name="ventas").description
    with pytest.raises(SemanticFileError) as caught:
        semantic_layer_import(data_source=source, text="tables:\n  x: {colums: {}}\n")
    assert str(caught.value) == (
        "file: line 2: tables.x.colums: unknown key "
        "(allowed: description, synonyms, label_column, columns)"
    )


def test_metric_and_example_sql_pass_the_guard_before_saving(demo_db_path):
    source = _fresh_org("guarded", demo_db_path)
    text = (
        "metrics:\n"
        "  - name: Bad\n"
        "    table: ventas\n"
        "    expression: SUM(ventas.total)\n"
        '    filters: ["ventas.canal IN (SELECT salario FROM nowhere)"]\n'
        "examples:\n"
        "  - question: Delete everything\n"
        "    sql: DELETE FROM ventas\n"
    )
    with pytest.raises(SemanticFileError) as caught:
        semantic_layer_import(data_source=source, text=text, name="g.yaml")
    assert caught.value.code == "semantic_layer_sql_refused"
    first, second = caught.value.problems
    assert first.startswith("g.yaml: line 5: metrics[0].filters: metric Bad: refused by the SQL")
    assert "(table_not_allowed)" in first or "nowhere" in first
    assert second.startswith("g.yaml: line 8: examples[0].sql: refused by the SQL guard")
    assert "(sql_not_read_only)" in second
    assert not Metric.all_tenants.filter(data_source=source).exists()


def test_what_the_file_declares_reaches_the_engine_and_the_answers(demo_db_path):
    source = _fresh_org("declared", demo_db_path)
    # Given a schema-only source, money is not labelled with any currency
    plain = _ask(source, "total de ventas")
    assert plain["type"] == "SQL", plain["answer"]
    assert "USD" not in plain["answer"] and "EUR" not in plain["answer"]
    assert plain["units"] == {}
    # When a steward declares the currency, a label column, a filtered metric, a cardinality
    summary = semantic_layer_import(
        data_source=source,
        text=(
            "tables:\n"
            "  ventas:\n"
            "    columns:\n"
            "      total: {currency: EUR, synonyms: {es: [importe], en: [amount]}}\n"
            "  clientes:\n"
            "    label_column: ciudad\n"
            "relationships:\n"
            "  - {from: ventas.cliente_id, to: clientes.cliente_id, cardinality: many_to_one}\n"
            "  - {from: ventas.empleado_id, to: empleados.empleado_id, cardinality: one_to_one}\n"
            "metrics:\n"
            "  - name: Ingresos online\n"
            "    table: ventas\n"
            "    expression: SUM(ventas.total)\n"
            "    filters: [\"ventas.canal = 'Online'\"]\n"
            "    format: money\n"
        ),
    )
    assert summary.metrics == 1 and summary.columns == 1 and summary.relationships == 1
    catalog = catalog_snapshot(data_source=datasource_get(org=source.organization))
    assert catalog.table("ventas").column("total").currency == "EUR"
    assert catalog.table("ventas").column("total").synonyms == ("importe", "amount")
    assert catalog.table("clientes").label_column == "ciudad"
    cardinality = {(k.table, k.column): k.cardinality for k in catalog.foreign_keys}
    assert cardinality[("ventas", "empleado_id")] == "one_to_one"
    # Then the answers say EUR (text, the units map, the chart's axis), never USD
    answer = _ask(source, "total de ventas")
    assert "EUR" in answer["answer"] and "USD" not in answer["answer"]
    assert set(answer["units"].values()) == {"EUR"}
    by_region = _ask(source, "total de ventas por región")
    figure = by_region["chart"]["figure"]
    axes = [
        figure["layout"].get(k, {}).get("title", {}).get("text", "") for k in ("xaxis", "yaxis")
    ]
    assert any("(EUR)" in title for title in axes), axes
    # And the filtered metric is computed with its filter
    online = _ask(source, "ingresos online")
    assert online["type"] == "SQL", online["answer"]
    assert "CASE WHEN" in online["sql"].upper() and "'Online'" in online["sql"]
    # And the label column names a customer in a ranking
    from apps.chat.semantic_cache import semantic_model_for

    source.refresh_from_db()
    model = semantic_model_for(source, catalog_snapshot(data_source=source))
    assert model.tables["clientes"].display == "ciudad"
    # And a schema refresh keeps the steward's declarations
    catalog_refresh(data_source=source)
    assert (
        CatalogColumn.all_tenants.get(
            table__data_source=source, name="total", table__name="ventas"
        ).currency
        == "EUR"
    )
    assert (
        CatalogForeignKey.all_tenants.get(data_source=source, column="empleado_id").cardinality
        == "one_to_one"
    )


def test_the_demo_still_says_usd(member):
    answer = ask(membership=member("acme", "analista"), question="ventas totales", channel="eval")
    assert answer["type"] == "SQL"
    assert "USD" in answer["answer"]
    assert set(answer["units"].values()) == {"USD"}


def test_dbt_artifacts_import_in_one_command(demo_db_path):
    # Given the artifacts of a real `dbt parse` (tests/fixtures/dbt_project/README.md)
    source = _fresh_org("dbt", demo_db_path)
    err = io.StringIO()
    out = io.StringIO()
    call_command(
        "knowledge", "import", "--org", "dbt", "--dbt", str(DBT_TARGET), stdout=out, stderr=err
    )
    assert "imported" in out.getvalue()
    assert "metricflow_time_spine" in err.getvalue()  # a model the source lacks is skipped
    # Then model and column descriptions, meta and semantic models are in the catalog
    ventas = CatalogTable.all_tenants.get(data_source=source, name="ventas")
    assert ventas.description.startswith("Sales facts")
    assert "sales" in ventas.synonyms
    total = ventas.columns.get(name="total")
    assert (total.currency, total.description) == ("USD", "Amount charged, after discount.")
    assert "amount" in total.synonyms
    assert "Sales channel" in ventas.columns.get(name="canal").synonyms  # a dimension's label
    assert (
        CatalogTable.all_tenants.get(data_source=source, name="clientes").label_column == "nombre"
    )
    # Measures and metrics became metrics; the metric's filter resolved to its column
    metrics = {m.name: m for m in Metric.all_tenants.filter(data_source=source)}
    assert metrics["Ingresos"].expression == "SUM(ventas.total)"
    assert metrics["Ingresos online"].filters == ["ventas.canal = 'Online'"]
    assert metrics["Lineas de venta"].expression == "COUNT(ventas.venta_id)"
    assert metrics["Unidades"].expression == "SUM(ventas.cantidad)"
    # And the entities became relationships (the database itself declares none here or some)
    pairs = {
        (k.table, k.column, k.ref_table, k.ref_column)
        for k in CatalogForeignKey.all_tenants.filter(data_source=source)
    }
    assert ("ventas", "cliente_id", "clientes", "cliente_id") in pairs
    assert ("ventas", "producto_id", "productos", "producto_id") in pairs
    # And the engine answers with the imported metric
    answer = _ask(source, "ingresos online")
    assert answer["type"] == "SQL" and "'Online'" in answer["sql"], answer["answer"]


def test_dbt_import_refuses_a_folder_without_artifacts(tmp_path, demo_db_path):
    _fresh_org("nodbt", demo_db_path)
    with pytest.raises(CommandError, match="no manifest.json"):
        _import("--org", "nodbt", "--dbt", str(tmp_path))
    with pytest.raises(CommandError, match="one of them"):
        _import("--org", "nodbt")
    with pytest.raises(CommandError, match="unknown org"):
        _import("--org", "nope", "x.yaml")


def test_the_export_is_yaml_a_person_can_read():
    text = semantic_layer_export(
        data_source=datasource_get(org=Organization.objects.get(slug="acme"))
    )
    raw = yaml.safe_load(text)
    assert list(raw)[:3] == ["version", "source", "dialect"]
    assert raw["tables"]["clientes"]["columns"]["email"]["pii"] is True
    revenue = next(m for m in raw["metrics"] if m["name"] == "Revenue Total")
    assert revenue["expression"] == "SUM(ventas.total)"


# --- the admin ---------------------------------------------------------------------------------


def test_a_steward_downloads_and_uploads_the_file_in_the_admin(client, member, demo_db_path):
    steward = member("acme", "steward")
    source = datasource_get(org=steward.organization)
    client.force_login(steward.user)
    # The change page links to both
    page = client.get(f"/admin/knowledge/datasource/{source.pk}/change/")
    assert page.status_code == 200
    assert f"/admin/knowledge/datasource/{source.pk}/semantic-layer/export/" in page.text
    # Download: the same text as the command's export
    download = client.get(f"/admin/knowledge/datasource/{source.pk}/semantic-layer/export/")
    assert download.status_code == 200
    assert download["Content-Disposition"].endswith('-semantic-layer.yaml"')
    assert download.content.decode() == semantic_layer_export(data_source=source)
    # Upload a change: applied, versioned as the steward
    upload_url = f"/admin/knowledge/datasource/{source.pk}/semantic-layer/import/"
    assert client.get(upload_url).status_code == 200
    edited = download.content.decode().replace(
        "Ingresos totales en USD", "Ingresos totales (USD)", 1
    )
    assert edited != download.content.decode()
    response = client.post(upload_url, {"file": io.BytesIO(edited.encode()) | _named("acme.yaml")})
    assert response.status_code == 302
    change = KnowledgeChange.all_tenants.filter(
        organization=steward.organization, action="semantic_layer_imported"
    ).first()
    assert change is not None and change.user == steward.user
    # A bad file: every problem shown with its line, nothing changed
    version = Organization.objects.get(pk=steward.organization.pk).knowledge_version
    bad = client.post(
        upload_url,
        {"file": io.BytesIO(b"tables:\n  trucks: {description: x}\n") | _named("bad.yaml")},
    )
    assert bad.status_code == 200
    assert "bad.yaml: line 2: tables.trucks: no table trucks in the source" in bad.text
    assert Organization.objects.get(pk=steward.organization.pk).knowledge_version == version


def test_another_orgs_source_is_a_404_in_the_admin(client, member):
    globex = datasource_get(org=Organization.objects.get(slug="globex"))
    client.force_login(member("acme", "steward").user)
    for action in ("export", "import"):
        url = f"/admin/knowledge/datasource/{globex.pk}/semantic-layer/{action}/"
        assert client.get(url).status_code == 404
    client.force_login(member("acme", "analista").user)
    acme = datasource_get(org=Organization.objects.get(slug="acme"))
    response = client.get(f"/admin/knowledge/datasource/{acme.pk}/semantic-layer/export/")
    assert response.status_code == 302  # not staff: to the admin login


class _named:
    """`BytesIO(...) | _named("x.yaml")`: an upload with a file name, as a browser sends it."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __ror__(self, handle: io.BytesIO) -> io.BytesIO:
        handle.name = self.name
        return handle


def test_the_documented_example_imports_as_written(demo_db_path):
    """docs/semantic-layer.md's full example is a file the importer accepts."""
    doc = (Path(__file__).parent.parent / "docs" / "semantic-layer.md").read_text("utf-8")
    example = doc.split("## The format", 1)[1].split("```yaml\n", 1)[1].split("\n```", 1)[0]
    source = _fresh_org("documented", demo_db_path)
    summary = semantic_layer_import(data_source=source, text=example, name="example.yaml")
    assert summary.metrics == 3 and summary.examples == 1 and summary.documents == 4
    exported = semantic_layer_export(data_source=source)
    assert "filters:\n  - ventas.canal = 'Online'" in exported
    assert "label_column: producto" in exported
