"""Thin tasks: the IMAP poll and the follow-up step, both run by beat."""

import logging

from celery import shared_task

from . import followup, imap

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def poll_mailbox() -> None:
    imap.poll()


@shared_task(ignore_result=True)
def follow_up_step() -> None:
    done = followup.step()
    if any(done.values()):
        log.info("follow-up step: %s", done)
