"""Keep the vector index in step with documents, and a PostgreSQL source's per-role database
roles in step with the access policies, however they change (services, admin, shell).

Index work goes through a transactional outbox (apps/knowledge/outbox.py): a row is written in
the transaction of the edit, and the task is enqueued once it commits. A rolled-back edit leaves
no row and reaches no index; a broker down at commit time leaves the row pending, and the beat
task re-enqueues it, so no edit is lost. A broker or vector-store fault never undoes or fails
the steward's edit (retrieval falls back to the lexical index meanwhile).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.governance.models import AccessPolicy, Organization
from apps.knowledge.models import Document, IndexOutbox

logger = logging.getLogger(__name__)


def _record(org_slug: str, document_id: int, action: str) -> None:
    from apps.knowledge.outbox import outbox_dispatch, outbox_record

    row = outbox_record(org_slug=org_slug, document_id=document_id, action=action)
    transaction.on_commit(lambda: outbox_dispatch(row))


@receiver(post_save, sender=Document, dispatch_uid="knowledge_document_saved")
def document_saved(sender, instance: Document, **kwargs) -> None:  # noqa: ANN001, ANN003
    _record(instance.organization.slug, instance.pk, IndexOutbox.Action.INDEX)


@receiver(post_delete, sender=Document, dispatch_uid="knowledge_document_deleted")
def document_deleted(sender, instance: Document, **kwargs) -> None:  # noqa: ANN001, ANN003
    _record(instance.organization.slug, instance.pk, IndexOutbox.Action.UNINDEX)


@receiver(post_delete, sender=Organization, dispatch_uid="knowledge_organization_deleted")
def organization_deleted(sender, instance: Organization, **kwargs) -> None:  # noqa: ANN001, ANN003
    """A deleted org's source files leave `sources/` (kept aside) and its vector collections are
    dropped, once the delete commits: an org created later with its slug starts empty."""
    from apps.knowledge.locations import org_sources_retire

    def retire() -> None:
        try:
            moved = org_sources_retire(instance.slug)
        except OSError as exc:  # never fail the delete; the operator is told
            logger.error("the files of deleted org %s stay in sources/: %s", instance.slug, exc)
            return
        if moved is not None:
            logger.warning("deleted org %s: its source files moved to %s", instance.slug, moved)

    def drop_vectors() -> None:
        # The per-document unindex tasks may wait for a worker; an org created meanwhile with
        # the same slug would read the old org's chunks from the collection named by the slug.
        from apps.knowledge.indexing import vector_store

        try:
            dropped = vector_store().reset_org(instance.slug)
        except Exception as exc:  # noqa: BLE001 - never fail the delete; the operator is told
            logger.error("the vectors of deleted org %s stay in the store: %s", instance.slug, exc)
            return
        if dropped:
            logger.warning("deleted org %s: %d vector collections dropped", instance.slug, dropped)

    transaction.on_commit(retire)
    transaction.on_commit(drop_vectors)


# --- per-role PostgreSQL roles follow the access policies ------------------------------------


def _db_roles_resync(org_id: int) -> None:
    """Re-apply every enforcing PostgreSQL source's roles of the org; a failure is logged only.

    It fails where the source's own connection may not manage roles (a least-privilege login,
    as it should be): the database then keeps the previous policies (a widened policy is refused
    by the database until the operator re-runs `create_readonly_role`, a narrowed one is still
    enforced by the guard) and `create_readonly_role --check` reports the source as behind.
    """
    from apps.governance.engine.dialects import registered
    from apps.knowledge.db_roles import datasource_db_roles_sync
    from apps.knowledge.models import DataSource

    kinds = [engine.kind for engine in registered() if engine.supports_roles]
    sources = (
        DataSource.all_tenants.for_org(org_id)
        .filter(kind__in=kinds, db_roles_enabled=True)
        .select_related("organization")
    )
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
