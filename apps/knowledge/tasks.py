"""Knowledge tasks: thin, take ids, idempotent, retried; enqueued after commit."""

from __future__ import annotations

from celery import shared_task


@shared_task(autoretry_for=(Exception,), retry_backoff=True, retry_jitter=True, max_retries=5)
def document_index_task(document_id: int) -> int:
    """Chunk, embed and upsert one document; a document deleted meanwhile is a no-op."""
    from apps.knowledge.indexing import document_index
    from apps.knowledge.models import Document

    document = Document.all_tenants.select_related("organization").filter(pk=document_id).first()
    if document is None:
        return 0
    return document_index(document=document)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, retry_jitter=True, max_retries=5)
def document_unindex_task(org_slug: str, document_id: int) -> None:
    from apps.knowledge.indexing import document_unindex

    document_unindex(org_slug=org_slug, document_id=document_id)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def org_reindex_task(org_id: int) -> dict:
    from apps.governance.models import Organization
    from apps.knowledge.indexing import org_reindex

    return org_reindex(org=Organization.objects.get(pk=org_id))
