"""The chat page: layout and states, the answer card, its fragments and the sidebar actions.

Every answer comes from the real pipeline (offline engine, seeded demo data); these tests check
what the page makes of it for each role.
"""

from __future__ import annotations

import re

import pytest

from apps.chat.models import Conversation, Message
from tests.web.conftest import HTMX, body_rows, message_id

pytestmark = pytest.mark.django_db

REGION_QUESTION = "¿Cuál fue el total de ventas por región?"


def test_anonymous_visitors_are_sent_to_login(client):
    for url in ("/chat/", "/chat/last/", "/knowledge/", "/compliance/audit/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/")


def test_login_page_has_labels_and_a_language_switch(client):
    html = client.get("/accounts/login/").content.decode()
    assert '<label for="id_username">' in html and '<label for="id_password">' in html
    assert 'name="language" value="en"' in html
    assert 'value="/chat/last/"' in html  # after login, reopen the last conversation


def test_empty_chat_page_shows_examples_the_log_and_the_disclaimer(login):
    html = login("analista").get("/chat/").content.decode()
    assert 'role="log"' in html and 'aria-live="polite"' in html
    assert 'id="empty-state"' in html
    assert html.count('class="ask-form"') >= 3  # example chips submit a question
    assert "¿Cuál fue el total de ventas por región?" in html
    assert "Las respuestas pueden contener errores; revisa el SQL." in html
    assert 'name="question"' in html
    assert "Empresa · SQLite" in html  # the data-source chip


def test_htmx_question_returns_a_card_with_table_and_chart(login, ask_htmx):
    login("analista")
    response, html = ask_htmx(REGION_QUESTION)
    assert "<table" in html and 'class="chart"' in html
    for region in ("Norte", "Sur", "Este", "Oeste"):
        assert region in html
    assert len(body_rows(html)) == 4
    assert 'aria-sort="none"' in html and '<th scope="col"' in html and "<caption" in html
    assert 'type="application/json"' in html  # the Plotly figure JSON, light and dark
    # The first answer gives the conversation its own URL and updates the page around the card.
    assert response["HX-Push-Url"].startswith("/chat/c/")
    assert 'id="conversation-id"' in html and 'hx-swap-oob="true"' in html
    assert 'hx-swap-oob="delete"' in html  # the empty state goes


def test_plain_post_redirects_to_the_conversation_page_with_the_card(login):
    client = login("analista")
    response = client.post("/chat/", {"question": REGION_QUESTION})
    assert response.status_code == 302 and response["Location"].startswith("/chat/c/")
    html = client.get(response["Location"]).content.decode()
    assert "<table" in html and 'class="chart"' in html and "plotly" in html.lower()
    assert "plotly-locale-es.js" in html


def test_follow_up_goes_to_the_same_conversation(login, ask_htmx):
    login("analista")
    first, _ = ask_htmx(REGION_QUESTION)
    conversation_id = int(first["HX-Push-Url"].rstrip("/").rsplit("/", 1)[1])
    second, _ = ask_htmx("Top 3 productos por ingresos", conversation_id=conversation_id)
    assert "HX-Push-Url" not in second
    assert Message.all_tenants.filter(conversation_id=conversation_id).count() == 2


def test_numbers_are_localised_in_spanish_and_english(login, ask_htmx):
    client = login("analista")
    _, html = ask_htmx(REGION_QUESTION)
    cells = [row[1] for row in body_rows(html)]
    assert all(re.fullmatch(r"\d{1,3}(\.\d{3})*,\d{2}", c) for c in cells), cells
    client.post("/i18n/setlang/", {"language": "en", "next": "/chat/"})
    _, html = ask_htmx("What were total sales by region?")
    cells = [row[1] for row in body_rows(html)]
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})*\.\d{2}", c) for c in cells), cells


def test_language_switch_changes_html_lang_and_ui_text(login):
    client = login("analista")
    assert '<html lang="es">' in client.get("/chat/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/chat/"})
    html = client.get("/chat/").content.decode()
    assert '<html lang="en">' in html and "New conversation" in html
    assert "What were total sales by region?" in html  # examples follow the UI language


def test_clarify_card_offers_rewrites_as_buttons(login, ask_htmx):
    login("analista")
    _, html = ask_htmx("¿Cómo va el negocio?")
    assert "answer-clarify" in html and "Necesito una aclaración" in html
    suggestions = re.findall(r'<input type="hidden" name="question" value="([^"]+)">', html)
    assert 2 <= len(suggestions) <= 4
    assert html.count('class="button suggestion"') == len(suggestions)


def test_refused_card_shows_the_policy_code_and_no_data(login, ask_htmx):
    login("analista")
    _, html = ask_htmx("salario promedio de empleados")
    assert "answer-refused" in html
    assert '<code class="error-code">table_not_allowed</code>' in html
    assert "<table" not in html
    assert "Solicitar acceso" in html


def test_compliance_role_gets_a_refusal_not_data(login, ask_htmx):
    html = login("auditor").get("/chat/").content.decode()
    assert "Tu rol no hace preguntas sobre los datos." in html
    _, html = ask_htmx(REGION_QUESTION)
    assert "answer-refused" in html and "not_authorized" in html


def test_visor_sees_only_norte_and_the_scope_chip(login, ask_htmx):
    login("visor")
    _, html = ask_htmx(REGION_QUESTION)
    assert "Norte" in html and "Oeste" not in html
    assert "ventas.region" in html  # the filter applied, on the card
    page = login("visor").get("/chat/").content.decode()
    assert "Solo ves la región Norte" in page


def test_pagination_fragment_returns_the_requested_slice(login, ask_htmx):
    login("analista")
    _, html = ask_htmx("listado de clientes")
    pk = message_id(html)
    answer = Message.all_tenants.get(pk=pk).answer
    assert answer["row_count"] > 50
    assert len(body_rows(html)) == 25  # the card starts with the first page
    client = login("analista")
    second = client.get(f"/chat/m/{pk}/table/?page=2&size=25", **HTMX).content.decode()
    rows = body_rows(second)
    assert len(rows) == 25
    assert rows[0][0] == str(answer["rows"][25][0])
    assert "26–50" in second
    big = client.get(f"/chat/m/{pk}/table/?page=1&size=50", **HTMX).content.decode()
    assert len(body_rows(big)) == 50
    odd = client.get(f"/chat/m/{pk}/table/?size=7", **HTMX).content.decode()
    assert len(body_rows(odd)) == 25  # only 25/50/100 are offered


def test_sorting_swaps_the_table_sorted_on_the_server(login, ask_htmx):
    login("analista")
    _, html = ask_htmx(REGION_QUESTION)
    pk = message_id(html)
    client = login("analista")
    fragment = client.get(f"/chat/m/{pk}/table/?sort=1&dir=desc", **HTMX).content.decode()
    assert 'aria-sort="descending"' in fragment
    answer = Message.all_tenants.get(pk=pk).answer
    top = max(answer["rows"], key=lambda r: r[1])[0]
    assert body_rows(fragment)[0][0] == top
    assert fragment.lstrip().startswith('<div class="result" id="table-')  # only the table


def test_chart_switcher_offers_only_types_that_fit(login, ask_htmx):
    login("analista")
    _, html = ask_htmx(REGION_QUESTION)
    pk = message_id(html)
    offered = re.findall(r"\?type=(\w+)", html)
    assert set(offered) <= {"pie", "table"} and "line" not in offered
    client = login("analista")
    pie = client.get(f"/chat/m/{pk}/chart/?type=pie", **HTMX).content.decode()
    assert '"type": "pie"' in pie and 'aria-pressed="true">Circular' in pie
    ignored = client.get(f"/chat/m/{pk}/chart/?type=scatter", **HTMX).content.decode()
    assert '"type": "bar"' in ignored  # a type that does not fit is ignored
    assert "chart-summary" in ignored  # the text alternative


def test_edit_sql_only_for_roles_that_may(login, ask_htmx):
    login("visor")
    _, html = ask_htmx(REGION_QUESTION)
    assert "data-edit-sql" not in html and 'name="sql"' not in html
    login("analista")
    _, html = ask_htmx(REGION_QUESTION)
    assert "data-edit-sql" in html and 'name="sql"' in html


def test_edited_sql_runs_as_a_new_turn(login, client):
    login("analista")
    response = client.post(
        "/chat/sql/",
        {"sql": "SELECT canal, COUNT(*) AS n FROM ventas GROUP BY canal"},
        **HTMX,
    )
    html = response.content.decode()
    assert "Tienda" in html and "<table" in html and "SQL editado" in html
    refused = client.post("/chat/sql/", {"sql": "DELETE FROM ventas"}, **HTMX).content.decode()
    assert "answer-refused" in refused and "sql_not_read_only" in refused
    login("visor")
    denied = client.post("/chat/sql/", {"sql": "SELECT 1"}, **HTMX).content.decode()
    assert "answer-refused" in denied and "not_authorized" in denied


@pytest.mark.parametrize(
    ("username", "can_export"),
    [("analista", False), ("visor", False), ("cientifica", True), ("admin", True)],
)
def test_export_menu_only_for_roles_that_may_export(login, ask_htmx, username, can_export):
    login(username)
    _, html = ask_htmx(REGION_QUESTION)
    pk = message_id(html)
    assert (f"/api/v1/messages/{pk}/export/?format=csv" in html) is can_export
    assert (f"/api/v1/messages/{pk}/export/?format=xlsx" in html) is can_export


def test_feedback_is_stored_once_and_the_buttons_lock(login, ask_htmx, client):
    login("analista")
    _, html = ask_htmx(REGION_QUESTION)
    pk = message_id(html)
    url = f"/chat/m/{pk}/feedback/"
    first = client.post(url, {"rating": "down", "tags": ["wrong_numbers", "bogus"],
                              "comment": " faltan datos "}, **HTMX).content.decode()  # fmt: skip
    assert "disabled" in first and "marcada como no útil" in first
    again = client.post(url, {"rating": "up"}, **HTMX)
    assert again.status_code == 200
    message = Message.all_tenants.get(pk=pk)
    assert message.feedback_rating == "down"
    assert message.feedback_tags == ["wrong_numbers"] and message.feedback_comment == "faltan datos"
    page = client.get(f"/chat/c/{message.conversation_id}/").content.decode()
    assert 'aria-pressed="true"' in page and "feedback-form" not in page


def test_follow_up_chips_only_under_the_last_answer(login, ask_htmx, client):
    login("analista")
    first, _ = ask_htmx(REGION_QUESTION)
    conversation_id = int(first["HX-Push-Url"].rstrip("/").rsplit("/", 1)[1])
    ask_htmx(REGION_QUESTION, conversation_id=conversation_id)
    messages = list(Message.all_tenants.filter(conversation_id=conversation_id))
    for message in messages:  # make both answers carry suggestions
        answer = dict(message.answer, suggestions=["a", "b", "c", "d"])
        Message.all_tenants.filter(pk=message.pk).update(answer=answer)
    html = client.get(f"/chat/c/{conversation_id}/").content.decode()
    assert html.count('class="followups"') == 1
    followups = html.split('class="followups"', 1)[1].split("</div>", 1)[0]
    assert followups.count("ask-form") == 3


def test_rag_answer_lists_its_sources(login, ask_htmx):
    login("analista")
    _, html = ask_htmx("¿Qué significa margen bruto?")
    assert 'class="sources"' in html and "/knowledge/documents/" in html


def test_truncated_result_states_the_row_cap_and_formats_dates(login, client):
    login("analista")
    sql = "SELECT venta_id, fecha, total FROM ventas ORDER BY venta_id"
    html = client.post("/chat/sql/", {"sql": sql}, **HTMX).content.decode()
    answer = Message.all_tenants.get(pk=message_id(html)).answer
    assert answer["truncated"], "the demo has more sales than the row cap"
    warning = html.split('class="warning"', 1)[1].split("</p>", 1)[0]
    assert "1.000" in warning and "5.000" in warning
    first = body_rows(html)[0]
    assert first[0] == str(answer["rows"][0][0])  # ids are not grouped
    assert re.fullmatch(r"\d{1,2} [a-z]{3} \d{4}", first[1]), first[1]  # "3 ene 2024"


def test_other_members_conversations_and_messages_are_404(login, ask_htmx, client):
    login("cientifica")
    first, html = ask_htmx(REGION_QUESTION)
    conversation_url = first["HX-Push-Url"]
    pk = message_id(html)
    login("analista")
    assert client.get(conversation_url).status_code == 404
    assert client.get(f"/chat/m/{pk}/table/").status_code == 404
    assert client.get(f"/chat/m/{pk}/chart/").status_code == 404
    assert client.post(f"/chat/m/{pk}/feedback/", {"rating": "up"}).status_code == 404
    login("globex_analyst")
    assert client.get(conversation_url).status_code == 404


def test_sidebar_groups_searches_renames_archives_and_deletes(login, ask_htmx, client):
    login("analista")
    first, _ = ask_htmx(REGION_QUESTION)
    keep = int(first["HX-Push-Url"].rstrip("/").rsplit("/", 1)[1])
    second, _ = ask_htmx("Top 3 productos por ingresos")
    other = int(second["HX-Push-Url"].rstrip("/").rsplit("/", 1)[1])
    page = client.get(f"/chat/c/{keep}/").content.decode()
    assert "Hoy" in page and f'id="conv-{other}"' in page

    found = client.get("/chat/conversations/?q=productos", **HTMX).content.decode()
    assert f'id="conv-{other}"' in found and f'id="conv-{keep}"' not in found

    client.post(f"/chat/c/{keep}/rename/", {"title": "Ventas  por región", "current": keep}, **HTMX)
    assert Conversation.all_tenants.get(pk=keep).title == "Ventas por región"

    client.post(f"/chat/c/{other}/archive/", {"current": keep}, **HTMX)
    assert Conversation.all_tenants.get(pk=other).archived

    gone = client.post(f"/chat/c/{keep}/delete/", {"current": keep}, **HTMX)
    assert gone.status_code == 204 and gone["HX-Redirect"] == "/chat/"
    assert not Conversation.all_tenants.filter(pk=keep).exists()


def test_last_conversation_opens_after_login(login, ask_htmx, client):
    login("analista")
    assert client.get("/chat/last/")["Location"] == "/chat/"
    first, _ = ask_htmx(REGION_QUESTION)
    assert client.get("/chat/last/")["Location"] == first["HX-Push-Url"]


def test_error_card_has_code_detail_and_retry(login, client, monkeypatch):
    """A pipeline ERROR (here a stand-in answer object) renders red, with a reference and Retry."""

    def failing_ask(**kwargs):  # noqa: ANN003, ANN202
        return {
            "type": "ERROR",
            "answer": "La consulta tardó demasiado.",
            "error": {"code": "timeout", "message": "statement timeout after 5000 ms"},
            "sql": None, "columns": [], "rows": [], "row_count": 0, "truncated": False,
            "chart": None, "sources": [], "suggestions": ["Añade un filtro de año."],
            "cached": False, "timings_ms": {"total": 5001.0}, "conversation_id": None,
            "message_id": 4242, "lang": "es",
        }  # fmt: skip

    monkeypatch.setattr("apps.chat.views.ask", failing_ask)
    login("analista")
    html = client.post("/chat/", {"question": "ventas por día"}, **HTMX).content.decode()
    assert "answer-error" in html and "No se pudo responder la pregunta" in html
    assert "TIMEOUT · req 4242" in html and "statement timeout" in html
    assert '<details class="error-detail">' in html and 'data-copy="error-4242"' in html
    retry = html.split('class="actions"', 1)[1]
    assert 'name="question" value="ventas por día"' in retry and "Reintentar" in retry
    assert "5,0 s" in html  # the duration, localised
