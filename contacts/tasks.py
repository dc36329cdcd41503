"""Thin tasks: fetch by id, call the domain function. Routed to the ``rdap`` queue.

A registry that says "slow down" (or whose turn is too far away) hands the worker back: the task
is retried later with a countdown, never by sleeping in the worker.
"""

import logging
import random

from celery import shared_task

from . import ratelimit, rdap
from .lookup import (
    incident_offenders_pending,
    network_parent_resolve,
    offenders_resolve,
    organisation_refresh,
)
from .models import Network, Organisation

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


@shared_task(bind=True, ignore_result=True, acks_late=True, reject_on_worker_lost=True,
             max_retries=MAX_RETRIES)
def lookup_parent(self, network_id: int) -> None:
    network = Network.objects.filter(pk=network_id).first()
    if network is None:
        log.warning("network %s vanished before its parent look-up; skipped", network_id)
        return
    try:
        network_parent_resolve(network)
    except (rdap.RateLimited, ratelimit.Busy) as exc:
        wait = getattr(exc, "retry_after", None) or getattr(exc, "wait", None) or 60
        raise self.retry(countdown=backoff(self.request.retries, float(wait))) from exc
    except rdap.RdapError as exc:
        log.warning("parent of %s not found: %s", network, exc)
