"""Keep the vector index in step with documents, and a PostgreSQL source's per-role database
roles in step with the access policies, however they change (services, admin, shell).

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

from apps.governance.models import AccessPolicy
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


# --- per-role PostgreSQL roles follow the access policies ------------------------------------


def _db_roles_resync(org_id: int) -> None:
    """Re-apply every enforcing PostgreSQL source's roles of the org; a failure is logged only.

    It fails where the source's own connection may not manage roles (a least-privilege login,
    as it should be): the database then keeps the previous policies (a widened policy is refused
    by the database until the operator re-runs `create_readonly_role`, a narrowed one is still
    enforced by the guard) and `create_readonly_role --check` reports the source as behind.
    """
    from apps.knowledge.db_roles import datasource_db_roles_sync
    from apps.knowledge.models import DataSource

    sources = DataSource.all_tenants.filter(
        organization_id=org_id, kind=DataSource.Kind.POSTGRES, db_roles_enabled=True
    ).select_related("organization")
    for source in sources:
        try:
            datasource_db_roles_sync(data_source=source)
        except Exception as exc:  # noqa: BLE001 - never fail the policy edit
            logger.warning(
                "database roles of %s/%s not updated after a policy change (%s): run "
                "manage.py create_readonly_role --org %s --source %s",
                source.organization.slug,
                source.name,
                exc,
                source.organization.slug,
                source.name,
            )


@receiver(post_save, sender=AccessPolicy, dispatch_uid="knowledge_policy_saved")
@receiver(post_delete, sender=AccessPolicy, dispatch_uid="knowledge_policy_deleted")
def access_policy_changed(sender, instance: AccessPolicy, **kwargs) -> None:  # noqa: ANN001, ANN003
    org_id = instance.organization_id
    transaction.on_commit(lambda: _db_roles_resync(org_id))
