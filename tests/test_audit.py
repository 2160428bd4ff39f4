"""The audit log: every attempt recorded, append-only, hash-chained, verifiable."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from apps.chat.pipeline import ask, run_query
from apps.governance.models import AuditEntry
from apps.governance.services import audit_verify

pytestmark = pytest.mark.django_db


def test_every_ask_and_query_is_audited_with_its_outcome(member):
    analista = member("acme", "analista")
    auditor = member("acme", "auditor")
    before = AuditEntry.objects.count()
    ask(membership=analista, question="¿Cuántas ventas hubo en total?")
    ask(membership=auditor, question="¿Cuántas ventas hubo en total?")
    run_query(membership=analista, sql="DELETE FROM ventas")
    entries = list(AuditEntry.objects.order_by("-id")[:3])[::-1]
    assert AuditEntry.objects.count() == before + 3
    answered, refused_role, refused_sql = entries
    assert (answered.username, answered.outcome, answered.action) == ("analista", "answered", "ask")
    assert answered.row_count == 1 and "COUNT" in answered.sql.upper()
    assert answered.duration_ms > 0
    assert (refused_role.username, refused_role.outcome, refused_role.code) == (
        "auditor",
        "refused",
        "not_authorized",
    )
    assert refused_role.rule
    assert (refused_sql.action, refused_sql.outcome) == ("query", "refused")
    assert refused_sql.code == "sql_not_read_only"


def test_the_app_cannot_update_or_delete_entries(member):
    ask(membership=member("acme", "analista"), question="Top 3 productos por ingresos")
    entry = AuditEntry.objects.latest("id")
    entry.question = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(question="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).delete()


def test_chain_verifies_and_reports_the_first_tampered_entry(member):
    analista = member("acme", "analista")
    for question in ("Total de ventas", "Ventas por canal", "Ticket promedio por región"):
        ask(membership=analista, question=question)
    org = analista.organization
    assert audit_verify(org=org).ok
    out = io.StringIO()
    call_command("verify_audit", org="acme", stdout=out)
    assert "acme: OK" in out.getvalue()

    # Tamper behind the app's back (as a DBA could): the chain must notice.
    target = AuditEntry.objects.filter(organization=org).order_by("seq")[1]
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE governance_auditentry SET row_count = row_count + 7 WHERE id = %s", [target.pk]
        )
    report = audit_verify(org=org)
    assert not report.ok and report.first_broken_seq == target.seq
    with pytest.raises(CommandError):
        call_command("verify_audit", org="acme", stdout=io.StringIO())


def test_chains_are_per_org(member):
    ask(membership=member("acme", "analista"), question="Total de ventas")
    ask(membership=member("globex", "globex_analyst"), question="¿Cuántos pedidos hay?")
    for slug in ("acme", "globex"):
        org = member(slug, "analista" if slug == "acme" else "globex_analyst").organization
        seqs = list(AuditEntry.objects.filter(organization=org).values_list("seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1))
        assert audit_verify(org=org).ok
