"""Celery signal: a worker records a heartbeat as soon as it is ready to take tasks."""

import socket

from celery.signals import worker_ready


@worker_ready.connect
def _record_worker_start(sender=None, **kwargs):
    from .models import Heartbeat

    Heartbeat.beat(getattr(sender, "hostname", None) or socket.gethostname(), from_task=False)
