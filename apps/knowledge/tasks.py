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


@shared_task(acks_late=True)
def datasource_setup_task(source_id: int, user_id: int | None = None) -> dict:
    """Introspect, document and index a newly connected source (`services.datasource_setup`);
    a source deleted meanwhile is a no-op. Not retried: a failure is recorded on the source."""
    from django.contrib.auth import get_user_model

    from apps.governance.tenancy import tenant_scope
    from apps.knowledge.locations import LocationError
    from apps.knowledge.models import DataSource
    from apps.knowledge.services import datasource_setup

    source = DataSource.all_tenants.select_related("organization").filter(pk=source_id).first()
    if source is None:
        return {}
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    with tenant_scope(source.organization):
        try:
            return datasource_setup(source=source, user=user)
        except LocationError as exc:
            return {"error": exc.code}
