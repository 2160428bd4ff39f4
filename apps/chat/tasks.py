"""Chat tasks: long queries run as jobs (apps/chat/jobs.py). Thin: take an id, run, record."""

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
