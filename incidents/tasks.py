"""Thin tasks: fetch by id, call the domain function. Routed to the ``parse`` queue."""

import logging

from celery import shared_task

from .models import Evidence
from .parsing import evidence_parse
from .resolving import incident_resolve

log = logging.getLogger(__name__)


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def parse_evidence(evidence_id: int) -> None:
    if not Evidence.objects.filter(pk=evidence_id).exists():
        log.warning("evidence %s vanished before it could be parsed; skipped", evidence_id)
        return
    evidence_parse(evidence_id)


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def resolve_host_names(incident_id: int) -> None:
    incident_resolve(incident_id)
