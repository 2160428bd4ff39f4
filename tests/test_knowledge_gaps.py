"""Knowledge gaps: asked-back questions recorded by what was missing, fixed in a click, re-asked;
and the usage page for org admins."""

from __future__ import annotations

import csv
import io

import pytest

from apps.chat.gaps import (
    FixInvalid,
    fix_example,
    fix_metric,
    fix_synonym,
    gap_groups,
    metric_preview,
    synonym_preview,
)
from apps.chat.models import Gap, GapFix, Message
from apps.chat.pipeline import ask
from apps.chat.services import message_feedback_record
from apps.governance.models import AuditEntry, Membership, Role
from apps.governance.services import membership_create
from apps.knowledge.models import CatalogColumn, DataSource, Document, KnowledgeChange
from tests.support.fixtures import login_request

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_memos():
    """Snapshots and semantic models are memoised per (source, versions), and the answer cache
    per knowledge version: a rolled-back test leaves entries another test's versions would hit."""
    from django.core.cache import cache

    from apps.chat import semantic_cache as chat_semantic
    from apps.knowledge import selectors

    for clear in (selectors._snapshot_cache.clear, chat_semantic._models.clear, cache.clear):
        clear()
    yield
    for clear in (selectors._snapshot_cache.clear, chat_semantic._models.clear, cache.clear):
        clear()


UNKNOWN = "¿Cuántas ventas hubo por sucursal?"


def _gap(org, text: str) -> Gap:
    return Gap.all_tenants.filter(organization=org, key=text).latest("created_at")


def _login(client, username: str) -> None:
    assert client.login(request=login_request(), username=username, password="datachat-demo")


def test_an_unknown_word_is_reported_and_recorded_as_a_gap(member):
    analista = member("acme", "analista")
    answer = ask(membership=analista, question=UNKNOWN)
    assert answer["type"] == "CLARIFY"
    assert answer["unresolved"] == [{"kind": "word", "text": "sucursal"}]
    ask(membership=member("acme", "cientifica"), question="Ingresos por sucursal en 2025")
    answered = ask(membership=analista, question="¿Cuál fue el total de ventas por región?")
    assert answered["type"] == "SQL" and answered["unresolved"] == []
    groups = gap_groups(org=analista.organization, days=7)
    top = groups[0]
    assert (top.kind, top.key, top.count, top.people) == ("word", "sucursal", 2, 2)
    assert set(top.users) == {"analista", "cientifica"}
    assert UNKNOWN in top.questions and top.sources == ["empresa"]
    # an answered question leaves no gap; the message keeps the field in its answer object
    assert not Gap.all_tenants.filter(message_id=answered["message_id"]).exists()
    stored = Message.all_tenants.get(pk=answer["message_id"]).answer
    assert stored["unresolved"] == [{"kind": "word", "text": "sucursal"}]


def test_the_synonym_preview_saves_nothing_and_the_fix_answers_the_question(
    member, django_capture_on_commit_callbacks
):
    analista, steward = member("acme", "analista"), member("acme", "steward")
    ask(membership=analista, question=UNKNOWN)
    org = analista.organization
    source = DataSource.all_tenants.get(organization=org, name="empresa")
    version = org.knowledge_version
    readings = synonym_preview(
        source=source, questions=[UNKNOWN], word="sucursal", target="column", table="ventas",
        column="region",
    )  # fmt: skip
    before, after = readings[0]
    assert before.route == "CLARIFY" and after.route == "SQL" and "region" in after.sql
    org.refresh_from_db()
    assert org.knowledge_version == version
    assert (
        "sucursal"
        not in CatalogColumn.all_tenants.get(table__name="ventas", name="region").synonyms
    )

    with django_capture_on_commit_callbacks(execute=True):
        fix = fix_synonym(
            membership=steward, gap=_gap(org, "sucursal"), source=source, word="sucursal",
            target="column", table="ventas", column="region",
        )  # fmt: skip
    fix.refresh_from_db()
    assert fix.status == GapFix.Status.DONE  # eager in the embedded default
    assert (fix.asked, fix.answered) == (1, 1)
    assert fix.results[0]["type"] == "SQL"
    # versioned, audited and written down as a glossary entry (indexed by the ordinary signal)
    change = KnowledgeChange.all_tenants.filter(organization=org, action="synonym_added").get()
    assert change.user == steward.user and change.changes["word"] == "sucursal"
    assert AuditEntry.objects.filter(organization=org, action="knowledge_change").exists()
    assert Document.all_tenants.filter(organization=org, title="sucursal", kind="GLOSSARY").exists()
    # the re-ask was audited, not stored as a message of the steward's
    assert AuditEntry.objects.filter(organization=org, channel="gaps", question=UNKNOWN).exists()
    assert not Message.all_tenants.filter(conversation__user=steward.user).exists()
    again = ask(membership=analista, question=UNKNOWN)
    assert again["type"] == "SQL", again["answer"]


def test_a_value_synonym_reads_as_the_value(member, django_capture_on_commit_callbacks):
    analista, steward = member("acme", "analista"), member("acme", "steward")
    question = "Ventas totales de la zona septentrional"
    first = ask(membership=analista, question=question)
    assert first["type"] == "CLARIFY"
    word = first["unresolved"][0]["text"]
    org = analista.organization
    source = DataSource.all_tenants.get(organization=org, name="empresa")
    with django_capture_on_commit_callbacks(execute=True):
        fix = fix_synonym(
            membership=steward, gap=_gap(org, word), source=source, word="zona septentrional",
            target="value", table="ventas", column="region", value="Norte",
        )  # fmt: skip
    fix.refresh_from_db()
    again = ask(membership=analista, question=question)
    assert again["type"] == "SQL", again["answer"]
    assert "'Norte'" in again["sql"]


def test_a_metric_fix_is_checked_by_the_guard_then_answers(
    member, django_capture_on_commit_callbacks
):
    analista, steward = member("acme", "analista"), member("acme", "steward")
    question = "¿Cuál es la recaudación bruta?"
    assert ask(membership=analista, question=question)["type"] == "CLARIFY"
    org = analista.organization
    source = DataSource.all_tenants.get(organization=org, name="empresa")
    gap = Gap.all_tenants.filter(organization=org).latest("created_at")
    with pytest.raises(FixInvalid) as refused:
        metric_preview(membership=steward, source=source, expression="SUM(nope)", table="ventas")
    assert refused.value.code == "column_not_allowed"
    preview = metric_preview(
        membership=steward, source=source, expression="SUM(total)", table="ventas"
    )
    assert preview.row_count == 1 and preview.rows[0][0] > 0
    with django_capture_on_commit_callbacks(execute=True):
        fix = fix_metric(
            membership=steward, gap=gap, source=source, name="recaudación bruta",
            expression="SUM(total)", table="ventas",
        )  # fmt: skip
    fix.refresh_from_db()
    assert fix.answered == fix.asked == 1
    assert ask(membership=analista, question=question)["type"] == "SQL"


def test_a_verified_example_fix_answers_its_question(member, django_capture_on_commit_callbacks):
    analista, steward = member("acme", "analista"), member("acme", "steward")
    question = "¿Qué canal tiene la peor racha?"
    first = ask(membership=analista, question=question)
    assert first["type"] == "CLARIFY"
    org = analista.organization
    source = DataSource.all_tenants.get(organization=org, name="empresa")
    gap = Gap.all_tenants.filter(organization=org, message_id=first["message_id"]).first()
    with pytest.raises(FixInvalid):
        fix_example(
            membership=steward, gap=gap, source=source, question=question,
            sql="DELETE FROM ventas",
        )  # fmt: skip
    sql = "SELECT canal, SUM(total) AS total FROM ventas GROUP BY canal ORDER BY total LIMIT 1"
    with django_capture_on_commit_callbacks(execute=True):
        fix = fix_example(membership=steward, gap=gap, source=source, question=question, sql=sql)
    fix.refresh_from_db()
    assert fix.answered == fix.asked >= 1
    again = ask(membership=analista, question=question)
    assert again["type"] == "SQL" and again["row_count"] == 1


def test_a_thumbs_down_is_a_gap_while_it_stands(member):
    analista = member("acme", "analista")
    answer = ask(membership=analista, question="¿Cuál fue el total de ventas por región?")
    message = Message.all_tenants.get(pk=answer["message_id"])
    message_feedback_record(message=message, user=analista.user, rating="down", comment="mal")
    gap = Gap.all_tenants.get(message=message)
    assert gap.kind == "feedback" and gap.user == analista.user
    message_feedback_record(message=message, user=analista.user, rating="up")
    assert not Gap.all_tenants.filter(message=message).exists()


def test_gaps_page_for_stewards_and_admins_only_and_another_orgs_gap_is_a_404(
    client, member, django_capture_on_commit_callbacks
):
    ask(membership=member("acme", "analista"), question=UNKNOWN)
    gap = Gap.all_tenants.filter(key="sucursal").latest("created_at")
    for username in ("analista", "visor", "auditor"):
        _login(client, username)
        assert client.get("/knowledge/gaps/").status_code == 404
        assert b'href="/knowledge/gaps/"' not in client.get("/knowledge/").content
    for username in ("steward", "admin"):
        _login(client, username)
        page = client.get("/knowledge/gaps/?days=7")
        assert page.status_code == 200
        assert b"sucursal" in page.content and b'href="/knowledge/gaps/"' in page.content
        assert client.get(f"/knowledge/gaps/{gap.pk}/").status_code == 200
    globex = member("globex", "globex_analyst").organization
    membership_create(
        org=globex, username="globex_steward", password="datachat-demo", role=Role.STEWARD
    )
    _login(client, "globex_steward")
    assert client.get("/knowledge/gaps/").status_code == 200
    assert b"sucursal" not in client.get("/knowledge/gaps/").content
    assert client.get(f"/knowledge/gaps/{gap.pk}/").status_code == 404
    post = {"intent": "save", "word": "sucursal", "target": "column|ventas|region"}
    assert client.post(f"/knowledge/gaps/{gap.pk}/synonym/", post).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        fix = fix_synonym(
            membership=member("acme", "steward"), gap=gap,
            source=DataSource.all_tenants.get(organization=gap.organization, name="empresa"),
            word="sucursal", target="column", table="ventas", column="region",
        )  # fmt: skip
    assert client.get(f"/knowledge/gaps/fixes/{fix.pk}/").status_code == 404


def test_the_gap_page_previews_then_saves_a_synonym(
    client, member, django_capture_on_commit_callbacks
):
    ask(membership=member("acme", "analista"), question=UNKNOWN)
    gap = Gap.all_tenants.filter(key="sucursal").latest("created_at")
    _login(client, "steward")
    url = f"/knowledge/gaps/{gap.pk}/synonym/"
    bad = client.post(
        url, {"intent": "preview", "word": "sucursal", "target": "column|ventas|nope"}
    )
    assert bad.status_code == 400 and b'data-code="unknown_target"' in bad.content
    preview = client.post(
        url, {"intent": "preview", "word": "sucursal", "target": "column|ventas|region"}
    )
    assert preview.status_code == 200 and b"preview-answers" in preview.content
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(
            url, {"intent": "save", "word": "sucursal", "target": "column|ventas|region"}
        )
    assert saved.status_code == 302
    page = client.get(saved["Location"])
    assert b"fix-outcome" in page.content and b"1 de 1" in page.content


def test_usage_page_for_org_admins_with_counts_and_a_sanitised_csv(client, member):
    analista = member("acme", "analista")
    ask(membership=analista, question="¿Cuál fue el total de ventas por región?")
    ask(membership=analista, question="¿Cuál fue el total de ventas por región?")  # cached
    ask(membership=analista, question=UNKNOWN)
    ask(membership=member("acme", "cientifica"), question="=HYPERLINK(1)")
    for username in ("steward", "analista", "auditor"):
        _login(client, username)
        assert client.get("/usage/").status_code == 404
        assert client.get("/usage/export.csv").status_code == 404
    _login(client, "admin")
    page = client.get("/usage/?days=7")
    assert page.status_code == 200
    assert b'class="kpi-questions">4<' in page.content
    assert b"usage-chart" in page.content and b"plotly.min.js" in page.content
    assert b'href="/usage/"' in page.content
    export = client.get("/usage/export.csv?days=7")
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Día", "Preguntas"]
    assert sum(int(r[1]) for r in rows[1:] if r and r[0][:2] == "20") == 4
    assert ["analista", "3"] in rows and ["cientifica", "1"] in rows
    cells = [c for r in rows for c in r]
    assert not any(c.startswith("=") for c in cells)
    assert AuditEntry.objects.filter(action="export", details__export="usage").exists()


def test_gaps_trial_lists_gaps_applies_fixes_and_asks_again(tmp_path, django_db_blocker):
    """The public-database trial: car_1's gaps listed, one fix applied through the services,
    every question asked again and scored (docs/knowledge-gaps.md)."""
    import json

    from django.core.management import call_command

    fixes = tmp_path / "fixes.yaml"
    fixes.write_text(
        "- gap: cars\n  synonym: {target: table, table: cars_data}\n"
        "- gap: no such gap\n  synonym: {target: table, table: cars_data}\n",
        encoding="utf-8",
    )
    output = tmp_path / "trial.json"
    out = io.StringIO()
    call_command(
        "gaps_trial", corpus="tests/eval/foreign", only="car_1", lang="en", top=5,
        fixes=str(fixes), output=str(output), stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert "knowledge gaps (most frequent first):" in text and "'cars'" in text
    report = json.loads(output.read_text(encoding="utf-8"))
    applied, skipped = report["fixes"]
    assert applied["applied"] and applied["action"] == "synonym" and applied["asked"] >= 5
    assert skipped == {"gap": "no such gap", "applied": False}
    assert report["after"]["right_strict"] > report["before"]["right_strict"]
    assert report["after"]["n"] == report["before"]["n"] == 92
    # the run's steward is gone: the evaluation org keeps only its evaluator
    assert not Membership.all_tenants.filter(user__username="foreign-car-1-gaps-steward").exists()


def test_a_restricted_source_is_not_previewed_without_its_grant(member):
    steward = member("acme", "steward")
    source = DataSource.all_tenants.get(organization=steward.organization, name="empresa")
    source.restricted = True
    source.save(update_fields=["restricted"])
    with pytest.raises(FixInvalid) as refused:
        metric_preview(membership=steward, source=source, expression="SUM(total)", table="ventas")
    assert refused.value.code == "not_authorized"


def test_the_gap_page_preselects_the_target_that_reads_like_the_word():
    from apps.chat.gap_views import suggested_target

    targets = [
        {"value": v}
        for v in (
            "table|car_makers", "table|cars_data", "column|cars_data|Weight",
            "column|cars_data|Year", "value|countrylanguage|Language|English",
            "column|ventas|region",
        )
    ]  # fmt: skip
    assert suggested_target(targets, "cars") == "table|cars_data"
    assert suggested_target(targets, "weighed") == "column|cars_data|Weight"
    assert suggested_target(targets, "English") == "value|countrylanguage|Language|English"
    assert suggested_target(targets, "sucursal") == ""  # nothing close: the steward chooses
    assert suggested_target(targets, "produced") == ""
