"""Chat tasks: thin, take ids, idempotent."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True, acks_late=True)
def gap_reask_task(fix_id: int) -> int:
    """Re-ask a fixed knowledge gap's questions; returns how many now get an answer."""
    from apps.chat.gaps import gap_reask

    fix = gap_reask(fix_id=fix_id)
    return fix.answered if fix is not None else 0
