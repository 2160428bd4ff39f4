"""Keep the vector index in step with documents, however they change (services, admin, shell).

The index task is enqueued on commit: a rolled-back edit never reaches the index, and a worker
never reads a document before it exists. Enqueueing is best-effort: a broker or vector-store
fault must not undo or fail the steward's edit (retrieval falls back to the lexical index, and
`manage.py reindex_knowledge` rebuilds the vectors).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.knowledge.models import Document

logger = logging.getLogger(__name__)


def _enqueue(task, *args) -> None:  # noqa: ANN001, ANN002
    try:
        task.delay(*args)
    except Exception:  # noqa: BLE001 - see the module docstring
        logger.warning("could not index document %s", args[-1], exc_info=True)


@receiver(post_save, sender=Document, dispatch_uid="knowledge_document_saved")
def document_saved(sender, instance: Document, **kwargs) -> None:  # noqa: ANN001, ANN003
    from apps.knowledge.tasks import document_index_task

    document_id = instance.pk
    transaction.on_commit(lambda: _enqueue(document_index_task, document_id))


@receiver(post_delete, sender=Document, dispatch_uid="knowledge_document_deleted")
def document_deleted(sender, instance: Document, **kwargs) -> None:  # noqa: ANN001, ANN003
    from apps.knowledge.tasks import document_unindex_task

    org_slug, document_id = instance.organization.slug, instance.pk
    transaction.on_commit(lambda: _enqueue(document_unindex_task, org_slug, document_id))
