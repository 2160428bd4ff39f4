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


# --- item 12: anomaly detection without beat, cards linked to their audit entries ---------------


def _acme():
    from apps.governance.models import Organization

    return Organization.objects.get(slug="acme")


def _burst(username: str, hours_ago: int, count: int) -> None:
    """`count` answered questions by `username`, dated inside the window `hours_ago` back."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from apps.governance.services import audit_record

    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    start -= dt.timedelta(hours=hours_ago)
    user = get_user_model().objects.get(username=username)
    for i in range(count):
        audit_record(
            org=_acme(),
            user=user,
            role="ANALYST",
            action="ask",
            channel="web",
            question=f"pregunta {i}",
            outcome="answered",
            created_at=start + dt.timedelta(minutes=10, seconds=i),
        )


def test_the_anomalies_page_runs_a_stale_detection_once_and_says_when(login, settings):
    from apps.governance.models import AnomalyReport, Organization

    settings.DATACHAT_ANOMALIES_ON_PAGE = True
    # all day is business hours, so only the volume check can fire whatever the clock says
    Organization.objects.filter(slug="acme").update(
        anomaly_max_questions=5, business_hours="00:00-23:59"
    )
    _burst("analista", hours_ago=2, count=8)  # a full hour two hours ago
    client = login("auditor")
    html = client.get("/compliance/anomalies/").content.decode()
    report = AnomalyReport.all_tenants.get(organization__slug="acme", username="analista")
    assert report.kind == "volume" and report.observed == 8
    assert "La detección se ejecutó por última vez" in html
    ran_at = _acme().anomalies_run_at
    assert ran_at is not None
    # a second load within the hour runs nothing again (idempotent, no duplicate report)
    client.get("/compliance/anomalies/")
    assert _acme().anomalies_run_at == ran_at
    assert AnomalyReport.all_tenants.filter(organization__slug="acme").count() == 1


def test_with_a_scheduler_the_page_does_not_run_detection(login, settings):
    from apps.governance.models import AnomalyReport, Organization

    settings.DATACHAT_ANOMALIES_ON_PAGE = False
    # all day is business hours, so only the volume check can fire whatever the clock says
    Organization.objects.filter(slug="acme").update(
        anomaly_max_questions=5, business_hours="00:00-23:59"
    )
    _burst("analista", hours_ago=2, count=8)
    html = login("auditor").get("/compliance/anomalies/").content.decode()
    assert not AnomalyReport.all_tenants.filter(organization__slug="acme").exists()
    assert "La detección aún no se ha ejecutado" in html


def test_an_anomaly_card_links_to_the_audit_entries_behind_it(login, settings):
    import html as html_lib
    import re

    from apps.governance.models import Organization

    settings.DATACHAT_ANOMALIES_ON_PAGE = True
    # all day is business hours, so only the volume check can fire whatever the clock says
    Organization.objects.filter(slug="acme").update(
        anomaly_max_questions=5, business_hours="00:00-23:59"
    )
    _burst("analista", hours_ago=2, count=8)
    _burst("analista", hours_ago=5, count=2)  # outside the window: not behind this report
    client = login("auditor")
    page = client.get("/compliance/anomalies/").content.decode()
    link = re.search(r'href="(/compliance/audit/\?[^"]+)" class="audit-link"', page).group(1)
    audit = client.get(html_lib.unescape(link)).content.decode()
    questions = re.findall(r"pregunta \d+", audit)
    assert len(questions) == 8
    assert "Ventana" in audit  # the window is shown as a filter


# --- item 13: masked columns, knowledge and data-source changes, partial user names ------------


def test_the_audit_detail_lists_masked_columns_and_row_filters(login, ask_htmx, client):
    from apps.governance.models import AuditEntry

    login("visor")
    ask_htmx("¿Cuál fue el total de ventas por región?")
    login("cientifica")
    client.post("/chat/sql/", {"sql": "SELECT nombre, email, telefono FROM clientes"}, **HTMX)
    auditor = login("auditor")
    masked = AuditEntry.objects.filter(username="cientifica", action="query").latest("seq")
    assert {"email", "telefono"} <= set(masked.details["masked_columns"])
    html = auditor.get(f"/compliance/audit/{masked.seq}/", **HTMX).content.decode()
    section = html.split('class="audit-masked"', 1)[1].split("</dd>", 1)[0]
    assert "<code>email</code>" in section and "<code>telefono</code>" in section
    filtered = AuditEntry.objects.filter(username="visor", action="ask").latest("seq")
    html = auditor.get(f"/compliance/audit/{filtered.seq}/", **HTMX).content.decode()
    section = html.split('class="audit-filters"', 1)[1].split("</dd>", 1)[0]
    assert "Norte" in section


def test_masked_columns_of_older_entries_are_read_from_the_sql():
    from apps.governance.models import AuditEntry
    from apps.governance.views import audit_masked_columns

    entry = AuditEntry(sql="SELECT nombre, '***' AS \"email\", '***' AS telefono FROM clientes")
    assert audit_masked_columns(entry) == ["email", "telefono"]


def test_steward_edits_and_data_source_changes_appear_and_filter(login):
    from apps.governance.models import AuditEntry
    from apps.knowledge.models import DataSource, Document

    steward = login("steward")
    document = Document.all_tenants.filter(organization__slug="acme").first()
    response = steward.post(
        f"/admin/knowledge/document/{document.pk}/change/",
        {
            "organization": document.organization_id,
            "data_source": document.data_source_id or "",
            "kind": document.kind,
            "title": document.title + " (revisado)",
            "body": document.body,
            "table_name": document.table_name,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    change = AuditEntry.objects.filter(action="knowledge_change").latest("seq")
    assert change.username == "steward" and change.details["object_id"] == document.pk
    from django.contrib.auth import get_user_model

    from apps.knowledge.services import datasource_save

    source = DataSource.all_tenants.get(organization__slug="acme", name="empresa")
    source.display_name = "Empresa (renombrada)"
    admin = get_user_model().objects.get(username="admin")
    datasource_save(source=source, user=admin, channel="web")
    auditor = login("auditor")
    edits = auditor.get("/compliance/audit/?action=knowledge_change").content.decode()
    assert "document #" in edits and "steward" in edits
    sources = auditor.get("/compliance/audit/?action=datasource").content.decode()
    results = sources.split('id="audit-results"', 1)[1]
    assert "datasource_update" in results and "document #" not in results


def test_the_user_filter_matches_part_of_a_name(login, ask_htmx):
    login("analista")
    ask_htmx("¿Cuántos clientes hay?")
    login("cientifica")
    ask_htmx("¿Cuántos clientes hay?")
    html = login("auditor").get("/compliance/audit/?user=ANAL").content.decode()
    results = html.split('id="audit-results"', 1)[1]
    assert "analista" in results and "cientifica" not in results


# --- item 14: the stewards' review queue --------------------------------------------------------


@pytest.fixture
def rated(login, ask_htmx, client):  # noqa: ANN001, ANN201
    """The analyst rates one answer 👍 (an example is proposed) and one 👎 with a comment."""
    login("analista")
    _, html = ask_htmx("¿Cuántos clientes hay?")
    client.post(f"/chat/m/{message_id(html)}/feedback/", {"rating": "up"}, **HTMX)
    _, html = ask_htmx(REGION_QUESTION)
    down = message_id(html)
    client.post(
        f"/chat/m/{down}/feedback/",
        {"rating": "down", "comment": "Faltan las devoluciones", "tags": ["wrong_numbers"]},
        **HTMX,
    )
    return down


def test_the_review_queue_shows_examples_and_thumbs_down_with_a_count_badge(login, rated):
    from apps.knowledge.models import VerifiedExample

    proposed = VerifiedExample.all_tenants.filter(
        organization__slug="acme", status="PROPOSED"
    ).count()
    assert proposed >= 1
    for username in ("steward", "admin"):
        client = login(username)
        html = client.get("/chat/review/").content.decode()
        assert "Cola de revisión" in html
        assert "Faltan las devoluciones" in html and "Cifras incorrectas" in html
        badge = html.split('class="review-count"', 1)[1].split("</span>", 1)[0]
        assert badge.rsplit(">", 1)[1].strip() == str(proposed + 1)
        chat = client.get("/chat/").content.decode()
        assert 'class="nav-review"' in chat and 'class="review-count"' in chat


@pytest.mark.parametrize("username", ["analista", "cientifica", "visor", "auditor"])
def test_other_roles_have_no_review_queue(login, rated, username):
    client = login(username)
    assert client.get("/chat/review/").status_code == 404
    assert 'class="nav-review"' not in client.get("/knowledge/").content.decode()


def test_approve_reject_and_edit_in_place(login, rated):
    from apps.governance.models import AuditEntry
    from apps.knowledge.models import VerifiedExample

    example = VerifiedExample.all_tenants.filter(
        organization__slug="acme", status="PROPOSED"
    ).latest("pk")
    client = login("steward")
    form = client.get(f"/chat/review/examples/{example.pk}/form/", **HTMX).content.decode()
    assert 'name="sql"' in form and "<article" in form
    bad = client.post(
        f"/chat/review/examples/{example.pk}/edit/",
        {"question": example.question, "sql": "DELETE FROM clientes"},
        **HTMX,
    ).content.decode()
    assert "El SQL no es una única consulta SELECT" in bad
    saved = client.post(
        f"/chat/review/examples/{example.pk}/edit/",
        {"question": "Número de clientes", "sql": "SELECT COUNT(*) AS clientes FROM clientes"},
        **HTMX,
    ).content.decode()
    assert "Guardado" in saved
    example.refresh_from_db()
    assert example.question == "Número de clientes" and example.tables_used == ["clientes"]
    approved = client.post(f"/chat/review/examples/{example.pk}/approve/", **HTMX)
    assert "Aprobado" in approved.content.decode()
    example.refresh_from_db()
    assert example.status == "APPROVED" and example.reviewed_by.username == "steward"
    edits = AuditEntry.objects.filter(action="knowledge_change", username="steward")
    assert {e.details["change"] for e in edits} >= {"updated", "approved"}
    # another org's example is a 404
    foreign = VerifiedExample.all_tenants.filter(organization__slug="globex").first()
    assert client.post(f"/chat/review/examples/{foreign.pk}/reject/", **HTMX).status_code == 404


def test_thumbs_down_read_leaves_the_count_but_stays_visible(login, rated):
    from apps.chat.models import Message

    client = login("steward")
    before = client.get("/chat/review/").content.decode()
    response = client.post(f"/chat/review/feedback/{rated}/done/", **HTMX)
    assert "Leída" in response.content.decode()
    assert Message.all_tenants.get(pk=rated).feedback_reviewed_at is not None
    after = client.get("/chat/review/").content.decode()
    assert "Faltan las devoluciones" in before and "Faltan las devoluciones" not in after
    assert "Faltan las devoluciones" in client.get("/chat/review/?feedback=all").content.decode()
