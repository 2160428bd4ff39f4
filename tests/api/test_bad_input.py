"""Bad input stays cheap and clean (issue 10, section 5): refused at the door with a 400 and the
stable code `bad_input`, or with the answer object's refusal, never a 500, never stored whole.

Each test is a reproduction from the security review, written as the attacker sent it.
"""

from __future__ import annotations

import json
import time

import pytest

from apps.chat.models import Conversation, Message
from apps.governance.models import AuditEntry

pytestmark = pytest.mark.django_db

PASSWORD = "datachat-demo"
MEGABYTE_QUESTION = ("¿Cuál fue el total de ventas por región y por mes en 2025? " * 20_000)[
    :1_000_000
]


def _messages() -> int:
    return Message.all_tenants.count()


# --- over-long questions ----------------------------------------------------------------------


def test_a_megabyte_question_over_the_api_is_refused_at_once_and_stored_bounded(api):
    client = api("acme", "analista")
    client.post("/api/v1/chat/", {"question": ""}, format="json")  # imports, caches: warm
    started = time.perf_counter()
    response = client.post("/api/v1/chat/", {"question": MEGABYTE_QUESTION}, format="json")
    elapsed = time.perf_counter() - started

    body = response.json()
    assert response.status_code == 200
    assert body["type"] == "REFUSED" and body["error"]["code"] == "question_too_long"
    # Before: 12 s in the interpreter. The bound is generous for a loaded CI machine; the
    # work is a length check and two inserts.
    assert elapsed < 2.0, f"{elapsed:.2f} s"
    message = Message.all_tenants.get(pk=body["message_id"])
    assert len(message.question) == 2001 and message.question.endswith("…")
    assert message.question[:2000] == MEGABYTE_QUESTION[:2000]
    assert len(message.answer["answer"]) < 500
    entry = AuditEntry.objects.filter(organization=client.membership.organization).latest("seq")
    assert entry.details["message_id"] == message.pk
    assert len(entry.question) == 2001 and entry.rule == "screening.question_too_long"
    assert entry.details["received_chars"] == 1_000_000
    conversation = Conversation.all_tenants.get(pk=body["conversation_id"])
    assert len(conversation.title) <= 80


def test_a_megabyte_question_on_the_chat_page_is_refused_and_echoed_bounded(client, member):
    client.force_login(member("acme", "analista").user)
    client.post("/chat/", {"question": "hola"}, HTTP_HX_REQUEST="true")  # warm
    started = time.perf_counter()
    response = client.post("/chat/", {"question": MEGABYTE_QUESTION}, HTTP_HX_REQUEST="true")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert elapsed < 2.0, f"{elapsed:.2f} s"
    assert len(response.content) < 200_000  # the card shows the stored prefix, not 1 MB
    assert Message.all_tenants.latest("pk").error_code == "question_too_long"


def test_a_question_at_the_limit_is_still_answered(member):
    from apps.chat.pipeline import ask

    question = "¿Cuál fue el total de ventas por región?"
    question += " " * (2000 - len(question))  # exactly DATACHAT_QUESTION_MAX_CHARS
    answer = ask(membership=member("acme", "analista"), question=question)
    assert answer["type"] == "SQL"
    over = ask(membership=member("acme", "analista"), question=question + "?")
    assert over["error"]["code"] == "question_too_long"


def test_over_long_sql_is_refused_by_the_guard_and_stored_bounded(api):
    sql = "SELECT 1 " + "-- padding\n" * 100_000
    response = api("acme", "analista").post("/api/v1/query/", {"sql": sql}, format="json")
    body = response.json()
    assert body["type"] == "REFUSED" and body["error"]["code"] == "too_complex"
    message = Message.all_tenants.get(pk=body["message_id"])
    assert len(message.question) == 20_001
    entry = AuditEntry.objects.latest("seq")
    # (the audit log keeps at most 10,000 characters of a question or SQL on its own)
    assert len(entry.question) <= 20_001 and len(entry.sql) <= 20_001


# --- NUL characters -----------------------------------------------------------------------------


@pytest.fixture
def analyst_page(client, member):  # noqa: ANN001, ANN201
    client.force_login(member("acme", "analista").user)
    return client


@pytest.fixture
def own_message(member):  # noqa: ANN001, ANN201
    from apps.chat.pipeline import run_query

    answer = run_query(
        membership=member("acme", "analista"), sql="SELECT COUNT(*) FROM ventas", channel="web"
    )
    return answer["message_id"]


def test_nul_in_page_forms_and_searches_is_a_400(analyst_page, own_message):
    before = _messages()
    requests = [
        ("post", "/chat/", {"question": "ventas\x00por región"}),
        ("post", "/chat/sql/", {"sql": "SELECT 1\x00"}),
        ("post", f"/chat/m/{own_message}/feedback/", {"rating": "down", "comment": "mal\x00"}),
        ("post", "/chat/", {"question\x00": "ventas"}),
        ("get", "/chat/conversations/", {"q": "ventas\x00"}),
        ("get", "/knowledge/", {"q": "margen\x00"}),
        ("get", "/compliance/audit/", {"q": "\x00"}),
    ]
    for method, url, data in requests:
        response = getattr(analyst_page, method)(url, data)
        assert response.status_code == 400, (url, response.status_code)
        assert "NUL" in response.content.decode(), url
    assert _messages() == before
    assert Message.all_tenants.get(pk=own_message).feedback_comment == ""


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "/api/v1/chat/", '{"question": "ventas\\u0000"}'),
        ("post", "/api/v1/query/", '{"sql": "SELECT 1 -- \\u0000"}'),
        ("post", "/api/v1/chat/", '{"question": "ventas", "\\u0000": 1}'),
        ("post", "/api/v1/query/", '{"sql": "SELECT 1 \\\\\\u0000"}'),  # \\ then \u0000
        ("post", "/api/v1/chat/", b'{"question": "ventas\x00"}'),
        ("get", "/api/v1/conversations/?q=a%00", None),
        ("get", "/api/v1/knowledge/documents/?q=%00", None),
        ("get", "/api/v1/audit/?user=%00", None),
    ],
)
def test_nul_anywhere_in_an_api_request_is_a_400_bad_input(api, method, url, body):
    client = api("acme", "admin")
    before = _messages()
    if method == "post":
        response = client.generic("POST", url, body, content_type="application/json")
    else:
        response = client.get(url)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_input"
    assert "NUL" in response.json()["error"]["message"]
    assert _messages() == before


def test_nul_in_a_header_or_a_login_form_is_a_400(api, client):
    response = api("acme", "admin").get("/api/v1/audit/", HTTP_X_DATACHAT_ORG="acme\x00")
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_input"
    login = client.post("/accounts/login/", {"username": "admin\x00", "password": "x"})
    assert login.status_code == 400


def test_nul_in_feedback_over_the_api_is_a_400(api, own_message):
    response = api("acme", "analista").post(
        f"/api/v1/messages/{own_message}/feedback/",
        {"rating": "down", "comment": "mal\x00"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_input"
    assert Message.all_tenants.get(pk=own_message).feedback_rating == ""


def test_an_escaped_backslash_before_u0000_is_plain_text_not_nul(api):
    # JSON "\\u0000" is a backslash followed by the letters u0000: nothing to refuse.
    body = '{"sql": "SELECT \'\\\\u0000\' AS texto"}'
    response = api("acme", "analista").generic(
        "POST", "/api/v1/query/", body, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["rows"] == [["\\u0000"]]


# --- deeply nested JSON -------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [1_000, 100_000])
@pytest.mark.parametrize("url", ["/api/v1/chat/", "/api/v1/query/", "/api/v1/conversations/1/"])
def test_deeply_nested_json_is_a_400_not_a_recursion_error(api, url, depth):
    nested = "[" * depth + "]" * depth
    client = api("acme", "analista")
    for body in (nested, '{"question": ' + nested + "}"):
        method = "PATCH" if "conversations" in url else "POST"
        response = client.generic(method, url, body, content_type="application/json")
        assert response.status_code == 400, response.content[:200]
        assert response.json()["error"]["code"] == "bad_input"
        assert (
            "nested" in response.json()["error"]["message"].lower()
            or "anidado" in (response.json()["error"]["message"])
        )


def test_nesting_inside_strings_does_not_count(api):
    question = "[" * 5_000 + " total de ventas"
    response = api("acme", "analista").post("/api/v1/chat/", {"question": question}, format="json")
    assert response.status_code == 200
    assert response.json()["error"]["code"] == "question_too_long"


def test_a_form_body_to_the_api_is_a_415(api):
    response = api("acme", "analista").post("/api/v1/chat/", {"question": "Total de ventas"})
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


# --- audit date bounds --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "to=2026-01-01T00:00:00-23:59",  # the reproduction: an offset PostgreSQL rejects
        "from=2026-01-01T00:00:00%2B15:00",
        "from=0001-01-01T00:00:00%2B01:00",  # no UTC time for it
        "to=9999-12-31",  # its end is past the calendar
        "to=",
        "from=mañana",
    ],
)
def test_audit_date_bounds_python_reads_but_no_database_can_are_a_400(api, query):
    response = api("acme", "auditor").get(f"/api/v1/audit/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_input"


@pytest.mark.parametrize(
    "query", ["to=2099-01-01T00:00:00-14:00", "from=2000-01-01T05:30:00%2B05:30", "to=2099-01-01"]
)
def test_audit_date_bounds_within_real_offsets_are_served(api, query):
    response = api("acme", "auditor").get(f"/api/v1/audit/?{query}")
    assert response.status_code == 200, response.content


def test_the_audit_page_answers_bad_dates_with_the_form_not_a_500(client, member):
    client.force_login(member("acme", "auditor").user)
    for query in (
        "date_to=2026-01-01T00:00:00-23:59",
        "date_from=9999-99-99",
        "date_to=0000-01-01",
        "date_to=9999-12-31",
    ):
        assert client.get(f"/compliance/audit/?{query}").status_code == 200, query
        export = client.get(f"/compliance/audit/export/?format=csv&{query}")
        assert export.status_code == 200, query


# --- another org's conversation ----------------------------------------------------------------


def test_continuing_a_conversation_that_is_not_mine_is_a_404_and_creates_nothing(api, run_sql):
    foreign = run_sql("globex", "globex_analyst", "SELECT COUNT(*) FROM pedidos")
    colleague = run_sql("acme", "admin", "SELECT COUNT(*) FROM ventas")
    client = api("acme", "analista")
    conversations = Conversation.all_tenants.count()
    # No question is asked: no message, no `ask` entry (the refused request itself is recorded
    # by the refusal audit, apps/governance/refusals.py, which is not an answer).
    messages, asked = _messages(), AuditEntry.objects.filter(action="ask").count()
    for conversation_id in (
        foreign["conversation_id"],
        colleague["conversation_id"],
        10**9,
        2**63 - 1,
    ):
        response = client.post(
            "/api/v1/chat/",
            {"question": "Total de ventas", "conversation_id": conversation_id},
            format="json",
        )
        assert response.status_code == 404, conversation_id
        assert response.json()["error"]["code"] == "not_found"
    assert Conversation.all_tenants.count() == conversations
    assert (_messages(), AuditEntry.objects.filter(action="ask").count()) == (messages, asked)


def test_an_id_past_any_integer_column_is_a_400(api):
    response = api("acme", "analista").post(
        "/api/v1/chat/", {"question": "Total de ventas", "conversation_id": 2**70}, format="json"
    )
    assert response.status_code == 400
    assert "conversation_id" in response.json()


def test_my_own_conversation_still_continues(api):
    client = api("acme", "analista")
    first = client.post("/api/v1/chat/", {"question": "Total de ventas"}, format="json").json()
    second = client.post(
        "/api/v1/chat/",
        {"question": "¿y por región?", "conversation_id": first["conversation_id"]},
        format="json",
    )
    assert second.status_code == 200
    assert second.json()["conversation_id"] == first["conversation_id"]


# --- the same on PostgreSQL as the app database ------------------------------------------------

PG_SCRIPT = r"""
import json
from django.test import Client
from apps.chat.pipeline import run_query
from apps.governance.selectors import membership_get, organization_get

membership = membership_get(org=organization_get(slug="acme"), username="analista")
message = run_query(membership=membership, sql="SELECT COUNT(*) FROM ventas")["message_id"]
client = Client()
client.force_login(membership.user)  # a password login outside a view needs axes' request
results = {}
for name, method, url, data in [
    ("chat", "post", "/chat/", {"question": "ventas\x00"}),
    ("sql", "post", "/chat/sql/", {"sql": "SELECT 1\x00"}),
    ("feedback", "post", f"/chat/m/{message}/feedback/", {"rating": "down", "comment": "\x00"}),
    ("conversations", "get", "/chat/conversations/", {"q": "\x00"}),
    ("knowledge", "get", "/knowledge/", {"q": "\x00"}),
    ("control", "get", "/knowledge/", {"q": "margen"}),
    ("api", "post", "/api/v1/chat/", '{"question": "a\\u0000"}'),
]:
    if isinstance(data, str):
        response = client.post(url, data, content_type="application/json")
    else:
        response = getattr(client, method)(url, data)
    results[name] = response.status_code
print("RESULT" + json.dumps(results))
"""


@pytest.mark.services
@pytest.mark.slow
def test_nul_bytes_are_a_400_with_postgresql_as_the_app_database(scratch_postgres_db, tmp_path):
    from tests.support.services import manage_runner

    run = manage_runner(
        DATABASE_URL=scratch_postgres_db,
        DATACHAT_DATA_DIR=str(tmp_path),
        CELERY_TASK_ALWAYS_EAGER="1",
    )
    run("migrate", "--noinput")
    run("seed_demo", "--rows", "300")
    output = run("shell", "-c", PG_SCRIPT).stdout
    results = json.loads(output.split("RESULT", 1)[1])
    assert results.pop("control") == 200
    assert results == dict.fromkeys(results, 400), results
