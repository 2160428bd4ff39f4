"""A deleted organization's source files leave `sources/`: an org created later with the same
slug must not find the old org's SQLite or spreadsheet files in its folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from apps.governance.services import organization_create
from apps.knowledge.locations import org_sources_dir

pytestmark = pytest.mark.django_db


def test_a_deleted_orgs_files_are_kept_aside_and_a_new_org_with_its_slug_starts_empty(
    django_capture_on_commit_callbacks,
):
    org = organization_create(slug="shortlived", name="Short-lived")
    folder = org_sources_dir(org)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ledger.db").write_bytes(b"old org's data")

    with django_capture_on_commit_callbacks(execute=True):
        org.delete()

    assert not folder.exists()
    retired = list((Path(settings.DATA_DIR) / "sources-retired").glob("shortlived-*/ledger.db"))
    assert [p.read_bytes() for p in retired] == [b"old org's data"]  # nothing lost

    again = organization_create(slug="shortlived", name="Someone else")
    assert not (org_sources_dir(again) / "ledger.db").exists()


def test_a_deleted_orgs_vectors_are_dropped_even_when_no_worker_unindexes_them(
    django_capture_on_commit_callbacks, monkeypatch
):
    """The per-document unindex waits for a worker; the org's collection goes at once, so an
    org created meanwhile with the same slug never retrieves the old org's chunks."""
    from apps.knowledge.indexing import document_index, org_vector_count
    from apps.knowledge.services import document_upsert

    org = organization_create(slug="shortvec", name="Short-lived")
    with django_capture_on_commit_callbacks(execute=True):
        doc, _ = document_upsert(
            org=org, title="Churn", body="Churn is the share of customers lost.", kind="glossary"
        )
    document_index(document=doc)
    assert org_vector_count(org) > 0

    monkeypatch.setattr("apps.knowledge.outbox.outbox_dispatch", lambda row: None)  # no worker
    with django_capture_on_commit_callbacks(execute=True):
        org.delete()

    again = organization_create(slug="shortvec", name="Someone else")
    assert org_vector_count(again) == 0
