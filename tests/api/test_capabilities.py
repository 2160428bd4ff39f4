"""Each capability, by behaviour: a role without it is refused (403/404, or the control is not
shown); granting it to that same role in the org's AccessPolicy makes it work. Only the policy
flag decides, never the role's name (a new role is its enum value and its default policy)."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.governance.engine.policy import CAPABILITIES
from apps.governance.models import AccessPolicy
from tests.support.fixtures import login_request

PASSWORD = "datachat-demo"
SQL = "SELECT region, SUM(total) AS total FROM ventas GROUP BY region"


def grant(role: str, **flags: object) -> None:
    updated = AccessPolicy.all_tenants.filter(organization__slug="acme", role=role).update(**flags)
    assert updated == 1


def page(username: str) -> Client:
    client = Client()
    assert client.login(request=login_request(), username=username, password=PASSWORD)
    return client


def test_every_capability_is_tested_here() -> None:
    tested = {
        name.removeprefix("test_").split("__")[0]
        for name in globals()
        if name.startswith("test_can_")
    }
    assert tested == set(CAPABILITIES)


def test_can_query__compliance_asks_nothing_until_its_policy_says_so(api) -> None:  # noqa: ANN001
    body = {"sql": "SELECT COUNT(*) AS n FROM ventas"}
    refused = api("acme", "auditor").post("/api/v1/query/", body, format="json").json()
    assert refused["type"] == "REFUSED"
    assert refused["error"]["code"] == "not_authorized"
    grant("COMPLIANCE", can_query_data=True, can_edit_sql=True, allowed_tables=["ventas"])
    answered = api("acme", "auditor").post("/api/v1/query/", body, format="json").json()
    assert answered["type"] == "SQL", answered
    assert answered["rows"][0][0] > 0


def test_can_edit_sql__a_viewer_runs_sql_once_granted(api) -> None:  # noqa: ANN001
    body = {"sql": "SELECT COUNT(*) AS n FROM ventas"}
    refused = api("acme", "visor").post("/api/v1/query/", body, format="json").json()
    assert refused["type"] == "REFUSED"
    assert refused["error"]["code"] == "not_authorized"
    grant("VIEWER", can_edit_sql=True)
    answered = api("acme", "visor").post("/api/v1/query/", body, format="json").json()
    assert answered["type"] == "SQL", answered


def test_can_edit_sql__the_page_shows_the_editor_only_with_it(stored_answer) -> None:  # noqa: ANN001
    message = stored_answer("acme", "visor", SQL, columns=["region", "total"], rows=[["Norte", 1]])
    url = f"/chat/c/{message.conversation_id}/"
    assert "data-edit-sql=" not in page("visor").get(url).content.decode()
    grant("VIEWER", can_edit_sql=True)
    assert "data-edit-sql=" in page("visor").get(url).content.decode()


def test_can_export__an_analyst_exports_once_granted(api, run_sql) -> None:  # noqa: ANN001
    answer = run_sql("acme", "analista", SQL)
    url = f"/api/v1/messages/{answer['message_id']}/export/?format=csv"
    refused = api("acme", "analista").get(url)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "export_not_allowed"
    chat = page("analista").get(f"/chat/c/{answer['conversation_id']}/").content.decode()
    assert "export-disabled" in chat and 'data-export="csv"' not in chat
    grant("ANALYST", can_export=True)
    response = api("acme", "analista").get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode("utf-8-sig").count("\n") >= 2
    chat = page("analista").get(f"/chat/c/{answer['conversation_id']}/").content.decode()
    assert 'data-export="csv"' in chat


@pytest.mark.parametrize("path", ["/api/v1/audit/", "/api/v1/anomalies/"])
def test_can_view_audit__the_api_follows_the_flag(api, path: str) -> None:  # noqa: ANN001
    refused = api("acme", "analista").get(path)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "audit_not_allowed"
    grant("ANALYST", can_view_audit=True)
    assert api("acme", "analista").get(path).status_code == 200


def test_can_view_audit__the_pages_and_the_navigation_follow_the_flag(db) -> None:  # noqa: ANN001
    client = page("analista")
    for path in ("/compliance/audit/", "/compliance/anomalies/"):
        assert client.get(path).status_code == 404
    assert "/compliance/audit/" not in client.get("/knowledge/").content.decode()
    grant("ANALYST", can_view_audit=True)
    for path in ("/compliance/audit/", "/compliance/anomalies/"):
        assert client.get(path).status_code == 200
    assert "/compliance/audit/" in client.get("/knowledge/").content.decode()


def test_can_edit_knowledge__the_review_queue_follows_the_flag(db) -> None:  # noqa: ANN001
    client = page("analista")
    assert client.get("/chat/review/").status_code == 404
    browse = client.get("/knowledge/").content.decode()
    assert "/chat/review/" not in browse and "/admin/knowledge/" not in browse
    grant("ANALYST", can_edit_knowledge=True)
    assert client.get("/chat/review/").status_code == 200
    browse = client.get("/knowledge/").content.decode()
    assert "/chat/review/" in browse and "/admin/knowledge/" in browse


def test_can_add_data__connecting_a_source_follows_the_flag(api) -> None:  # noqa: ANN001
    refused = api("acme", "analista").post("/api/v1/datasources/", {}, format="json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "connect_not_allowed"
    grant("ANALYST", can_add_data=True)
    # Past the gate: the empty body is now a validation error, not a refusal.
    response = api("acme", "analista").post("/api/v1/datasources/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_can_add_data__the_admin_loses_it_with_the_flag(api) -> None:  # noqa: ANN001
    grant("ADMIN", can_add_data=False)
    refused = api("acme", "admin").post("/api/v1/datasources/", {}, format="json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "connect_not_allowed"
