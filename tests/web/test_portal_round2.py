"""The portal, round 2 (issue 14): exports explained, the auditor's landing page, the demo's
login page, archived conversations, the chart type kept on reload, a quiet seed."""

from __future__ import annotations

import logging

import pytest

from apps.chat.models import Conversation, Message
from tests.web.conftest import HTMX, message_id

pytestmark = pytest.mark.django_db

REGION_QUESTION = "¿Cuál fue el total de ventas por región?"


# --- item 9: a role without export sees why ---------------------------------------------------


def test_a_role_without_export_sees_why_instead_of_no_button(login, ask_htmx):
    login("analista")  # analysts may not export in the demo's policy
    _, html = ask_htmx(REGION_QUESTION)
    assert "export-menu" not in html
    assert 'class="button small export-disabled" disabled' in html
    assert "Tu rol no permite exportar" in html


def test_a_role_with_export_gets_the_menu_and_no_excuse(login, ask_htmx):
    login("cientifica")
    _, html = ask_htmx(REGION_QUESTION)
    assert "export-menu" in html and "export-disabled" not in html


def test_the_reason_is_in_english_on_an_english_page(login, client, ask_htmx):
    login("analista")
    client.post("/i18n/setlang/", {"language": "en", "next": "/chat/"})
    _, html = ask_htmx("What were total sales by region?")
    assert "Your role cannot export" in html


# --- item 11: the auditor lands on the audit log ----------------------------------------------


def test_the_auditor_lands_on_the_audit_page_after_login(client):
    response = client.post(
        "/accounts/login/",
        {"username": "auditor", "password": "datachat-demo", "next": "/chat/last/"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/compliance/audit/"
    assert response.status_code == 200


def test_an_analyst_still_lands_on_the_chat(client):
    response = client.post(
        "/accounts/login/",
        {"username": "analista", "password": "datachat-demo", "next": "/chat/last/"},
        follow=True,
    )
    assert response.redirect_chain[-1][0].startswith("/chat/")


# --- smaller: the demo's login page, archived conversations, chart type, seed -----------------


def test_the_demo_login_page_lists_the_demo_users(client):
    html = client.get("/accounts/login/").content.decode()
    assert "Usuarios de demostración" in html
    for username in ("analista", "visor", "steward", "auditor", "globex_analyst"):
        assert f"<code>{username}</code>" in html
    assert "datachat-demo" in html


def test_without_the_demo_the_login_page_lists_nobody(client):
    from django.contrib.auth import get_user_model

    # A real installation: its users were not made by the seed (other e-mail addresses).
    get_user_model().objects.update(email="someone@company.example")
    html = client.get("/accounts/login/").content.decode()
    assert "Usuarios de demostración" not in html and "datachat-demo" not in html


def test_archived_conversations_can_be_found_and_brought_back(login, client, ask_htmx):
    login("analista")
    ask_htmx("¿Cuántos clientes hay?")
    conversation = Conversation.all_tenants.filter(user__username="analista").latest("pk")
    client.post(f"/chat/c/{conversation.pk}/archive/", {"current": ""}, **HTMX)
    active = client.get("/chat/conversations/", **HTMX).content.decode()
    assert f'id="conv-{conversation.pk}"' not in active
    archived = client.get("/chat/conversations/?archived=1", **HTMX).content.decode()
    assert f'id="conv-{conversation.pk}"' in archived and "Desarchivar" in archived
    client.post(f"/chat/c/{conversation.pk}/archive/", {"archived": "0", "current": ""}, **HTMX)
    active = client.get("/chat/conversations/", **HTMX).content.decode()
    assert f'id="conv-{conversation.pk}"' in active
    page = client.get(f"/chat/c/{conversation.pk}/").content.decode()
    assert 'name="archived"' in page  # the filter is in the sidebar


def test_the_chosen_chart_type_is_kept_on_reload(login, client, ask_htmx):
    login("analista")
    _, html = ask_htmx(REGION_QUESTION)
    pk = message_id(html)
    response = client.post(f"/chat/m/{pk}/chart/", {"type": "pie"}, **HTMX)
    assert response.status_code == 200
    assert Message.all_tenants.get(pk=pk).chart_type == "pie"
    conversation = Message.all_tenants.get(pk=pk).conversation_id
    page = client.get(f"/chat/c/{conversation}/").content.decode()
    chart = page.split(f'id="chart-{pk}"', 1)[1].split("</figure>", 1)[0]
    assert 'aria-pressed="true">Circular</button>' in chart
    # drawing another type without choosing it (GET) changes nothing
    client.get(f"/chat/m/{pk}/chart/?type=bar", **HTMX)
    assert Message.all_tenants.get(pk=pk).chart_type == "pie"


def test_frequent_questions_heading_is_translated(login, ask_htmx, client):
    for username in ("cientifica", "analista"):  # asked by two people: shown to the org
        login(username)
        ask_htmx(REGION_QUESTION)
    html = client.get("/chat/").content.decode()
    assert "Frecuentes en tu organización" in html
    assert "Frequent in your organization" not in html


def test_an_eager_task_without_a_broker_logs_no_hostname_warning(caplog):
    from datachat.celery import app

    with caplog.at_level(logging.WARNING), app.producer_or_acquire():
        pass
    assert "No hostname was supplied" not in caplog.text


# --- item 15: the admin in the user's language, the portal's own error pages --------------------


def test_the_admin_speaks_spanish(login):
    client = login("admin")
    index = client.get("/admin/").content.decode()
    assert "Administración de DataChat" in index and "Django administration" not in index
    assert "Documentos" in index and "Ejemplos verificados" in index and "Conocimiento" in index
    assert ">Documents<" not in index
    examples = client.get("/admin/knowledge/verifiedexample/").content.decode()
    assert "Aprobar los ejemplos seleccionados" in examples
    assert "Approve the selected examples" not in examples
    assert "Pregunta" in examples  # the column header, from the field's verbose name


def test_the_admin_speaks_english_when_chosen(login):
    client = login("admin")
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    index = client.get("/admin/").content.decode()
    assert "DataChat administration" in index and "Documents" in index


def test_the_404_page_is_the_portals_own_in_both_languages(login, client):
    login("analista")
    response = client.get("/chat/c/99999999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Página no encontrada" in html and 'class="topbar"' in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/chat/"})
    html = client.get("/no/such/page/").content.decode()
    assert "Page not found" in html and "Back to DataChat" in html


def test_the_500_page_is_the_portals_own_and_needs_no_context(rf, settings):
    from django.utils import translation

    from datachat.errors import server_error

    for lang, title in (("es", "Algo salió mal"), ("en", "Something went wrong")):
        with translation.override(lang):
            response = server_error(rf.get("/chat/"))
        assert response.status_code == 500
        html = response.content.decode()
        assert title in html and f'<html lang="{lang}">' in html
