"""The admin: a superuser creates an org (default policies), an org admin uploads a SQLite file
into their own org, a steward unflags a personal column and the choice survives a refresh."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from apps.governance.models import AccessPolicy, Organization, Role
from apps.governance.services import membership_create
from apps.knowledge.models import CatalogColumn, CatalogTable, DataSource, FlagSource
from apps.knowledge.services import catalog_refresh

pytestmark = pytest.mark.django_db
CONNECT_URL = "/admin/knowledge/datasource/connect/"


def db_bytes(tmp_path: Path) -> bytes:
    path = tmp_path / "crm.db"
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.executescript(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, email TEXT, city TEXT, "
        "segment TEXT, since TEXT);"
        "INSERT INTO customers VALUES (1, 'Ann Lee', 'ann@x.example', 'Oslo', 'A', '2024');"
    )
    con.commit()
    con.close()
    return path.read_bytes()


def logged_in(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def test_superuser_creates_an_org_in_the_admin_with_default_policies():
    root = get_user_model().objects.create_superuser("root-owndata", "r@x.example", "x")
    response = logged_in(root).post(
        "/admin/governance/organization/add/",
        {
            "name": "Admin Made",
            "slug": "admin-made",
            "language": "en",
            "row_cap": 1000,
            "count_cap": 100000,
            "query_timeout_ms": 5000,
            "anomaly_max_questions": 120,
            "anomaly_max_rows": 50000,
            "anomaly_max_refusals": 5,
            "anomaly_max_not_found": 20,
            "anomaly_max_failed_logins": 10,
            "business_hours": "07:00-20:00",
            # Prefilled by the form in a browser (the model's defaults).
            "job_cost_threshold": 1000000,
            "max_running_queries_per_user": 3,
            "max_running_queries": 10,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    org = Organization.objects.get(slug="admin-made")
    assert org.language == "en"
    roles = set(AccessPolicy.all_tenants.filter(organization=org).values_list("role", flat=True))
    assert roles == set(Role.values)


def test_org_admin_uploads_into_their_own_org_only(tmp_path):
    for slug in ("crm-one", "crm-two"):
        call_command("create_org", slug=slug, name=slug, stdout=io.StringIO())
    one, two = Organization.objects.get(slug="crm-one"), Organization.objects.get(slug="crm-two")
    admin, _ = membership_create(org=one, username="crm-one-admin", password="x", role=Role.ADMIN)
    client = logged_in(admin.user)
    assert client.get(CONNECT_URL).status_code == 200
    # Another org is not a choice
    upload = SimpleUploadedFile("crm.db", db_bytes(tmp_path))
    response = client.post(CONNECT_URL, {"organization": two.pk, "name": "crm", "file": upload})
    assert response.status_code == 200 and "organization" in response.context["form"].errors
    assert not DataSource.all_tenants.filter(organization=two).exists()
    # A URL field is not even offered to an org admin
    assert b'name="url"' not in client.get(CONNECT_URL).content
    # Their own org: connected, introspected, documented
    upload = SimpleUploadedFile("crm.db", db_bytes(tmp_path))
    response = client.post(
        CONNECT_URL, {"organization": one.pk, "name": "crm", "file": upload, "default": "on"}
    )
    assert response.status_code == 302
    source = DataSource.all_tenants.get(organization=one, name="crm")
    assert source.is_default and source.setup_status == "ready"
    # Not a database: the form says so, with the code
    upload = SimpleUploadedFile("bad.db", b"garbage" * 50)
    response = client.post(CONNECT_URL, {"organization": one.pk, "name": "bad", "file": upload})
    assert b"file_not_sqlite" in response.content
    # The plain add page (arbitrary locations) stays closed to them
    assert client.get("/admin/knowledge/datasource/add/").status_code == 403
    # An analyst is no staff: no admin at all
    analyst, _ = membership_create(org=one, username="crm-one-ana", password="x", role=Role.ANALYST)
    assert logged_in(analyst.user).get(CONNECT_URL).status_code == 302  # to the admin login


def test_steward_unflags_a_column_and_it_survives_a_refresh(tmp_path):
    call_command("create_org", slug="crm-three", name="three", stdout=io.StringIO())
    org = Organization.objects.get(slug="crm-three")
    path = tmp_path / "crm.db"
    path.write_bytes(db_bytes(tmp_path))
    call_command(
        "add_datasource", org="crm-three", name="crm", file=str(path), stdout=io.StringIO()
    )
    steward, _ = membership_create(
        org=org, username="crm-three-steward", password="x", role=Role.STEWARD
    )
    table = CatalogTable.all_tenants.get(organization=org, name="customers")
    columns = list(CatalogColumn.all_tenants.filter(table=table).order_by("position"))
    assert [c.name for c in columns if c.pii] == ["name", "email"]
    prefix = "columns"
    data = {
        "organization": org.pk,
        "data_source": table.data_source_id,
        "name": table.name,
        "row_estimate": table.row_estimate,
        "description": table.description,
        "synonyms": "[]",
        "sensitive": "",
        f"{prefix}-TOTAL_FORMS": len(columns),
        f"{prefix}-INITIAL_FORMS": len(columns),
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
    for index, column in enumerate(columns):
        data[f"{prefix}-{index}-id"] = column.pk
        data[f"{prefix}-{index}-table"] = table.pk
        data[f"{prefix}-{index}-description"] = ""
        data[f"{prefix}-{index}-synonyms"] = "[]"
        if column.pii and column.name != "name":  # the steward unflags `name`
            data[f"{prefix}-{index}-pii"] = "on"
    response = logged_in(steward.user).post(
        f"/admin/knowledge/catalogtable/{table.pk}/change/", data
    )
    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [f.errors for f in response.context["inline_admin_formsets"][0].formset.forms],
    )
    name = CatalogColumn.all_tenants.get(table=table, name="name")
    assert name.pii is False and name.pii_source == FlagSource.STEWARD
    catalog_refresh(data_source=table.data_source)
    name.refresh_from_db()
    assert name.pii is False
    assert CatalogColumn.all_tenants.get(table=table, name="email").pii is True
