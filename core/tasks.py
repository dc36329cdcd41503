from celery import shared_task

from .models import Heartbeat


@shared_task(bind=True, ignore_result=True)
def heartbeat(self):
    """Scheduled by beat; /healthz reads the row it leaves."""
    Heartbeat.beat(self.request.hostname or "worker", from_task=True)
