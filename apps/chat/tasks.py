"""Chat tasks: thin, take ids, idempotent. Long queries run as jobs (apps/chat/jobs.py); fixed
knowledge gaps are re-asked (apps/chat/gaps.py)."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True, acks_late=True)
def query_job_run_task(job_id: str) -> str | None:
    """Run a queued query job to its answer (message + audit entry); a job cancelled or taken
    meanwhile is left alone. Returns the job's final status."""
    from apps.chat.jobs import job_claim
    from apps.chat.pipeline import run_job

    job = job_claim(job_id)
    if job is None:
        return None
    return run_job(job)


@shared_task(ignore_result=True, acks_late=True)
def gap_reask_task(fix_id: int) -> int:
    """Re-ask a fixed knowledge gap's questions; returns how many now get an answer."""
    from apps.chat.gaps import gap_reask

    fix = gap_reask(fix_id=fix_id)
    return fix.answered if fix is not None else 0
