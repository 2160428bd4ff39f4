"""An uploaded SQLite file is the uploader's code as far as its views go: a view can be made to
never finish (a recursive CTE, a cross join of its own tables). Introspection (connect, "Refresh
schema") reads every view (columns, a value sample, distinct values, a row count), so it must stop
at a deadline with a clear error, instead of holding a web worker or a Celery worker forever."""

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

# Finite (so that without a deadline the test ends, and fails), but far past the deadline below.
SLOW_VIEW = (
    "CREATE VIEW slow AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
    "WHERE x < 3000000) SELECT 'v' || (x % 7) AS label FROM c"
)


def _booby_trapped(path: Path) -> Path:
    con = sqlite3.connect(path)
    con.executescript(
        "CREATE TABLE people (id INTEGER PRIMARY KEY, city TEXT);"
        "INSERT INTO people VALUES (1, 'Oslo'), (2, 'Rome');" + SLOW_VIEW + ";"
    )
    con.commit()
    con.close()
    return path


def test_a_view_that_never_finishes_stops_introspection_at_the_deadline(tmp_path, settings):
    settings.DATACHAT_INTROSPECTION_TIMEOUT_S = 0.05
    call_command("create_org", slug="trap", name="trap", language="en", stdout=io.StringIO())
    org = Organization.objects.get(slug="trap")
    membership, _ = membership_create(org=org, username="trap-admin", password="x", role=Role.ADMIN)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(membership.user)}")
    with _booby_trapped(tmp_path / "trap.db").open("rb") as handle:
        response = client.post(
            "/api/v1/datasources/", {"name": "trap", "file": handle}, format="multipart"
        )
    assert response.status_code < 500
    source = DataSource.all_tenants.for_org(org).get(name="trap")
    assert source.setup_status == DataSource.SetupStatus.FAILED
    assert source.setup["error"]["code"] == "location_unavailable"
