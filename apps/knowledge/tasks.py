"""Knowledge tasks: thin, take ids, idempotent, retried; enqueued through the outbox.

`acks_late` (settings) with `task_reject_on_worker_lost`: a task whose worker is killed goes back
to the queue (after the broker's visibility timeout), and an index task leaves the document
findable at any point (new chunks are written before old ones are removed).
"""

from __future__ import annotations

from celery import shared_task


@shared_task(
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
    ignore_result=True,
)
def document_index_task(document_id: int, outbox_id: int | None = None) -> int:
    """Chunk, embed and upsert one document; a document deleted meanwhile is a no-op. Marks the
    document's outbox rows done up to the newest at start."""
    from apps.knowledge.indexing import document_index
    from apps.knowledge.models import Document, IndexOutbox
    from apps.knowledge.outbox import outbox_complete, outbox_high_water

    action = IndexOutbox.Action.INDEX
    up_to = outbox_high_water(document_id=document_id, action=action)
    document = Document.all_tenants.select_related("organization").filter(pk=document_id).first()
    written = 0 if document is None else document_index(document=document)
    outbox_complete(document_id=document_id, action=action, up_to=up_to)
    return written


@shared_task(
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
    ignore_result=True,
)
def document_unindex_task(org_slug: str, document_id: int, outbox_id: int | None = None) -> None:
    from apps.knowledge.indexing import document_unindex
    from apps.knowledge.models import IndexOutbox
    from apps.knowledge.outbox import outbox_complete, outbox_high_water

    action = IndexOutbox.Action.UNINDEX
    up_to = outbox_high_water(document_id=document_id, action=action)
    document_unindex(org_slug=org_slug, document_id=document_id)
    outbox_complete(document_id=document_id, action=action, up_to=up_to)


@shared_task(ignore_result=True)
def index_outbox_flush_task() -> int:
    """Beat: re-enqueue the outbox rows still pending; prune old done rows."""
    from apps.knowledge.outbox import outbox_flush, outbox_prune

    sent = outbox_flush()
    outbox_prune()
    return sent


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
