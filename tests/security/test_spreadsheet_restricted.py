"""A restricted spreadsheet source is read only by those granted it. Uploading another file
into it (same source name) used to grant the uploader `use_datasource` on the whole source, and
to replace its tables: any member who may connect data (an org ADMIN by default) could read a
source restricted from them, or overwrite it, by uploading a one-line CSV under its name."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from apps.governance.models import Organization, Role
from apps.governance.services import membership_create
from apps.knowledge.models import CatalogTable, DataSource
from tests.support.fixtures import api_key_for

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:  # noqa: ANN001
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
    return api


def _csv(name: str, text: str) -> io.BytesIO:
    upload = io.BytesIO(text.encode())
    upload.name = name
    return upload


def test_an_admin_without_the_grant_cannot_upload_into_a_restricted_spreadsheet_source() -> None:
    acme = Organization.objects.get(slug="acme")
    owner = _client(get_user_model().objects.get(username="admin"))
    created = owner.post(
        "/api/v1/datasources/",
        {"name": "nominas", "file": _csv("salarios.csv", "nombre,salario\nana,9000\nbob,7000\n")},
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    source = DataSource.all_tenants.for_org(acme).get(name="nominas")
    assert source.restricted
    other, _ = membership_create(org=acme, username="admin2", password="x", role=Role.ADMIN)
    intruder = _client(other.user)
    sql = {"sql": "SELECT nombre, salario FROM salarios", "source": "nominas"}
    assert intruder.post("/api/v1/query/", sql, format="json").json()["type"] == "REFUSED"
    response = intruder.post(
        "/api/v1/datasources/",
        {"name": "nominas", "file": _csv("x.csv", "a\n1\n")},
        format="multipart",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "connect_not_allowed"
    answer = intruder.post("/api/v1/query/", sql, format="json").json()
    assert answer["type"] == "REFUSED" and answer["error"]["code"] == "not_authorized"
    tables = set(CatalogTable.all_tenants.filter(data_source=source).values_list("name", flat=True))
    assert tables == {"salarios"}
    # the owner, who holds the grant, still adds a table
    added = owner.post(
        "/api/v1/datasources/",
        {"name": "nominas", "file": _csv("bonos.csv", "nombre,bono\nana,10\n")},
        format="multipart",
    )
    assert added.status_code == 201, added.json()
