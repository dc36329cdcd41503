"""Thin tasks: fetch by id, call the domain function. Routed to the ``rdap`` queue.

A registry that says "slow down" (or whose turn is too far away) hands the worker back: the task
is retried later with a countdown, never by sleeping in the worker.
"""

import logging
import random

from celery import shared_task

from .lookup import incident_offenders_pending, offenders_resolve, organisation_refresh
from .models import Organisation

log = logging.getLogger(__name__)

MAX_RETRIES = 10


def backoff(retries: int, wait: float) -> float:
    """At least what the registry asked for; doubling from 30 s per retry, capped at an hour."""
    return min(3600.0, max(wait, 30.0 * 2**retries)) + random.uniform(0, 5)  # noqa: S311


@shared_task(bind=True, ignore_result=True, acks_late=True, reject_on_worker_lost=True,
             max_retries=MAX_RETRIES)
def resolve_offenders(self, offender_ids: list[int]) -> None:
    pending = offenders_resolve(offender_ids)
    if pending and pending.offender_ids:
        raise self.retry(args=[pending.offender_ids],
                         countdown=backoff(self.request.retries, pending.wait_seconds))


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def resolve_incident(incident_id: int) -> None:
    ids = incident_offenders_pending(incident_id)
    if ids:
        resolve_offenders.delay(ids)


@shared_task(bind=True, ignore_result=True, acks_late=True, reject_on_worker_lost=True,
             max_retries=MAX_RETRIES)
def refresh_organisation(self, organisation_id: int) -> None:
    if not Organisation.objects.filter(pk=organisation_id).exists():
        log.warning("organisation %s vanished before its refresh; skipped", organisation_id)
        return
    pending = organisation_refresh(organisation_id)
    if pending:
        raise self.retry(countdown=backoff(self.request.retries, pending.wait_seconds))
