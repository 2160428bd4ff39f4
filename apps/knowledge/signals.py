"""Keep the vector index in step with documents, however they change (services, admin, shell).

The index task is enqueued on commit: a rolled-back edit never reaches the index, and a worker
never reads a document before it exists.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.knowledge.models import Document


@receiver(post_save, sender=Document, dispatch_uid="knowledge_document_saved")
def document_saved(sender, instance: Document, **kwargs) -> None:  # noqa: ANN001, ANN003
    from apps.knowledge.tasks import document_index_task

    document_id = instance.pk
    transaction.on_commit(lambda: document_index_task.delay(document_id))


@receiver(post_delete, sender=Document, dispatch_uid="knowledge_document_deleted")
def document_deleted(sender, instance: Document, **kwargs) -> None:  # noqa: ANN001, ANN003
    from apps.knowledge.tasks import document_unindex_task

    org_slug, document_id = instance.organization.slug, instance.pk
    transaction.on_commit(lambda: document_unindex_task.delay(org_slug, document_id))
