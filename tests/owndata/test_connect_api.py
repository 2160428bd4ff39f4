"""`POST /api/v1/datasources/`: an org admin uploads a SQLite file (multipart) or, as platform
staff, gives a PostgreSQL URL (JSON); the status URL follows the set-up; refusals have codes."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from apps.governance.models import Organization, Role
from apps.governance.services import membership_create
from apps.knowledge.models import DataSource
from tests.support.fixtures import api_key_for

pytestmark = pytest.mark.django_db


def small_db(path: Path) -> Path:
    con = sqlite3.connect(path)
    con.executescript(
        "CREATE TABLE people (id INTEGER PRIMARY KEY, first_name TEXT, city TEXT, team TEXT);"
        "INSERT INTO people VALUES (1, 'Ann', 'Oslo', 'a'), (2, 'Bo', 'Rome', 'b');"
    )
    con.commit()
    con.close()
    return path


def client_for(org: Organization, username: str, role: str, *, superuser: bool = False):  # noqa: ANN201
    membership, _ = membership_create(org=org, username=username, password="x", role=role)
    if superuser:
        membership.user.is_superuser = True
        membership.user.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(membership.user)}")
    return client


@pytest.fixture
def orgs():  # noqa: ANN201
    for slug in ("api-one", "api-two"):
        call_command("create_org", slug=slug, name=slug, language="en", stdout=io.StringIO())
    return Organization.objects.get(slug="api-one"), Organization.objects.get(slug="api-two")


def test_org_admin_uploads_a_file_and_follows_its_status(orgs, tmp_path):
    one, two = orgs
    admin = client_for(one, "api-one-admin", Role.ADMIN)
    with small_db(tmp_path / "people.db").open("rb") as handle:
        response = admin.post(
            "/api/v1/datasources/",
            {"name": "people", "file": handle, "default": "true"},
            format="multipart",
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "ready" and body["progress"]["tables"] == 1
    assert body["is_default"] is True and "location" not in body
    assert response["Location"].endswith(f"/api/v1/datasources/{body['id']}/")
    status = admin.get(f"/api/v1/datasources/{body['id']}/")
    assert status.status_code == 200 and status.json()["status"] == "ready"
    # Another org's admin gets the same 404 as for a missing id
    other = client_for(two, "api-two-admin", Role.ADMIN)
    assert other.get(f"/api/v1/datasources/{body['id']}/").status_code == 404
    assert other.get("/api/v1/datasources/999999/").status_code == 404
    # The analyst lists it with the personal column masked
    analyst = client_for(one, "api-one-analyst", Role.ANALYST)
    listed = analyst.get("/api/v1/datasources/").json()["results"]
    columns = {c["name"]: c["masked"] for c in listed[0]["tables"][0]["columns"]}
    assert columns["first_name"] is True and columns["city"] is False


def test_refusals_have_stable_codes_and_statuses(orgs, tmp_path):
    one, _ = orgs
    admin = client_for(one, "api-one-admin2", Role.ADMIN)
    bogus = tmp_path / "x.db"
    bogus.write_text("not sqlite")
    with bogus.open("rb") as handle:
        response = admin.post(
            "/api/v1/datasources/", {"name": "x", "file": handle}, format="multipart"
        )
    assert response.status_code == 400 and response.json()["error"]["code"] == "file_not_sqlite"
    # An org admin may not give a server URL
    response = admin.post(
        "/api/v1/datasources/",
        {"name": "pg", "url": "postgresql://u:p@127.0.0.1:5432/x"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "location_superuser_only"
    # An analyst connects nothing
    analyst = client_for(one, "api-one-analyst2", Role.ANALYST)
    with small_db(tmp_path / "p.db").open("rb") as handle:
        response = analyst.post(
            "/api/v1/datasources/", {"name": "p", "file": handle}, format="multipart"
        )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "connect_not_allowed"
    # Other endpoints stay JSON-only
    response = admin.post("/api/v1/query/", {"sql": "SELECT 1"}, format="multipart")
    assert response.status_code == 415
    assert not DataSource.all_tenants.filter(organization=one).exists()


def test_superuser_connects_postgres_and_an_unreachable_one_is_a_clear_error(orgs):
    one, _ = orgs
    staff = client_for(one, "api-one-staff", Role.ADMIN, superuser=True)
    response = staff.post(
        "/api/v1/datasources/",
        {"name": "pg", "url": "postgresql://nobody:x@127.0.0.1:1/none"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "location_unavailable"
    response = staff.post(
        "/api/v1/datasources/",
        {"name": "pg", "url": "postgresql://u:x@db.elsewhere.example:5432/none"},
        format="json",
    )
    assert response.json()["error"]["code"] == "host_not_allowed"


def test_queued_introspection_answers_202_with_a_status_url(
    orgs, tmp_path, settings, django_capture_on_commit_callbacks
):
    # Celery not eager and a schema over the inline threshold: the set-up becomes a task,
    # enqueued on commit; here the test plays the worker, running the task itself.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.DATACHAT_CONNECT_INLINE_TABLES = 0
    one, _ = orgs
    admin = client_for(one, "api-one-admin3", Role.ADMIN)
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        small_db(tmp_path / "q.db").open("rb") as handle,
    ):
        response = admin.post(
            "/api/v1/datasources/", {"name": "q", "file": handle}, format="multipart"
        )
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "queued" and body["progress"] == {"step": "queued"}
    assert callbacks  # the task is enqueued once the source is committed
    from apps.knowledge.tasks import datasource_setup_task

    assert datasource_setup_task.run(body["id"])["tables"] == 1
    status = admin.get(body["status_url"]).json()
    assert status["status"] == "ready" and status["progress"]["step"] == "ready"


def test_openapi_documents_the_upload(orgs):
    one, _ = orgs
    admin = client_for(one, "api-one-admin4", Role.ADMIN)
    schema = admin.get("/api/schema/?format=json").json()
    post = schema["paths"]["/api/v1/datasources/"]["post"]
    assert set(post["requestBody"]["content"]) == {"multipart/form-data", "application/json"}
    assert {"201", "202", "403", "413"} <= set(post["responses"])
