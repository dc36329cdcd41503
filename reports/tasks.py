"""Thin tasks: fetch by id, call the domain function. ``send_*`` go to the ``send`` queue."""

from celery import shared_task

from .composing import reports_compose
from .sending import outbox_sweep, report_send


@shared_task(bind=True, ignore_result=True, acks_late=True, reject_on_worker_lost=True,
             max_retries=None)
def send_report(self, report_id: int) -> None:
    """Send one report. Sending twice is prevented by the claim, not by the broker: a redelivered
    or duplicated message finds the row no longer queued and does nothing."""
    wait = report_send(report_id)
    if wait is not None:
        # Attempts are counted on the row (REPORT_SEND_MAX_ATTEMPTS), so Celery's count is unbounded.
        raise self.retry(countdown=wait.seconds)


@shared_task(ignore_result=True)
def sweep_outbox() -> None:
    outbox_sweep()


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def compose_reports(report_ids: list[int]) -> None:
    """Compose prepared drafts (excerpt, XARF, text). Safe to run twice: only drafts still marked
    composing are touched, under a row lock."""
    reports_compose(report_ids)
