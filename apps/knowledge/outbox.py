"""The vector index's transactional outbox: no knowledge edit is lost on the way to the index.

`outbox_record` writes a row in the transaction of the edit (the Document signals); on commit
`outbox_dispatch` enqueues the task at once, best effort (one try, no waiting on a dead broker);
`outbox_flush` (the beat task, every `DATACHAT_OUTBOX_SECONDS`) re-enqueues every row that is
still pending a while after its last enqueue; the tasks call `outbox_complete` once the index
reflects the document. Enqueueing twice is harmless: indexing is idempotent.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db.models import F, Max
from django.utils import timezone

from apps.knowledge.models import IndexOutbox

logger = logging.getLogger(__name__)

FLUSH_BATCH = 500


def outbox_record(*, org_slug: str, document_id: int, action: str) -> IndexOutbox:
    """The row for one document change; call inside the edit's transaction."""
    return IndexOutbox.objects.create(org_slug=org_slug, document_id=document_id, action=action)


def _task_for(row: IndexOutbox):  # noqa: ANN202
    from apps.knowledge.tasks import document_index_task, document_unindex_task

    if row.action == IndexOutbox.Action.UNINDEX:
        return document_unindex_task, (row.org_slug, row.document_id)
    return document_index_task, (row.document_id,)


def outbox_dispatch(row: IndexOutbox) -> bool:
    """Enqueue the row's task once; False (logged, the row stays pending) when the broker is
    unreachable. Eager Celery (the embedded default) runs the task right here."""
    task, args = _task_for(row)
    try:
        task.apply_async(args=args, kwargs={"outbox_id": row.pk}, retry=False)
    except Exception as exc:  # noqa: BLE001 - the beat task retries; the edit must not fail
        logger.warning(
            "index task not enqueued (%s): kept in the outbox for the next flush",
            type(exc).__name__,
        )
        return False
    IndexOutbox.objects.filter(pk=row.pk).update(
        enqueued_at=timezone.now(), attempts=F("attempts") + 1
    )
    return True


def outbox_flush(*, redeliver_after: float | None = None, limit: int = FLUSH_BATCH) -> int:
    """Re-enqueue pending rows never enqueued or enqueued more than `redeliver_after` seconds
    ago (their message was lost, or the worker is slow); returns how many were enqueued.
    The oldest first; one row per document and action (the task indexes the latest state)."""
    if redeliver_after is None:
        redeliver_after = settings.DATACHAT_OUTBOX_REDELIVER_SECONDS
    cutoff = timezone.now() - dt.timedelta(seconds=redeliver_after)
    pending = IndexOutbox.objects.filter(done_at__isnull=True).order_by("created_at", "pk")
    due = pending.filter(enqueued_at__isnull=True) | pending.filter(enqueued_at__lt=cutoff)
    sent, seen = 0, set()
    for row in due[:limit]:
        key = (row.document_id, row.action)
        if key in seen:
            continue
        seen.add(key)
        if not outbox_dispatch(row):
            break  # the broker is down: the next flush tries again
        sent += 1
    return sent


def outbox_high_water(*, document_id: int, action: str) -> int:
    """The newest row of a document's action when its task starts (rows after it are not
    covered by this run: the edit they record may not have been read)."""
    found = IndexOutbox.objects.filter(document_id=document_id, action=action).aggregate(
        top=Max("pk")
    )
    return int(found["top"] or 0)


def outbox_complete(*, document_id: int, action: str, up_to: int) -> int:
    """Mark done a document's rows of `action` up to `up_to` (`outbox_high_water` at start)."""
    return IndexOutbox.objects.filter(
        document_id=document_id, action=action, pk__lte=up_to, done_at__isnull=True
    ).update(done_at=timezone.now())


def outbox_pending() -> tuple[int, float]:
    """(pending rows, age in seconds of the oldest): the index lag metric."""
    pending = IndexOutbox.objects.filter(done_at__isnull=True)
    oldest = pending.order_by("created_at").values_list("created_at", flat=True).first()
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return pending.count(), max(age, 0.0)


def outbox_prune(*, keep_days: int = 7) -> int:
    """Delete rows done more than `keep_days` ago."""
    cutoff = timezone.now() - dt.timedelta(days=keep_days)
    return IndexOutbox.objects.filter(done_at__lt=cutoff).delete()[0]
