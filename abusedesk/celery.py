"""The Celery application: configuration from Django settings (CELERY_*), tasks from each app.

Queues keep slow work from delaying urgent work: a large pcap being parsed must never hold back
a report being sent. Every worker-claimed state change is a compare-and-set UPDATE in the domain
code, so acks-late redelivery is safe.
"""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abusedesk.settings")

app = Celery("abusedesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    timezone="UTC",
    task_default_queue="default",
    task_queues=[Queue(name) for name in ("default", "parse", "rdap", "send")],
    task_routes={
        "incidents.tasks.*": {"queue": "parse"},
        "contacts.tasks.*": {"queue": "rdap"},
        "reports.tasks.send_*": {"queue": "send"},
        "reports.tasks.compose_*": {"queue": "parse"},
    },
)
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _schedule_periodic_tasks(sender, **kwargs):
    from django.conf import settings

    interval = settings.HEARTBEAT_INTERVAL_SECONDS
    # expires just under the period: a beat tick the worker could not take in time is dropped,
    # never piled up.
    sender.add_periodic_task(
        interval, sender.signature("core.tasks.heartbeat", options={"expires": interval * 0.9}),
        name="worker heartbeat",
    )
    sender.add_periodic_task(
        settings.FOLLOW_UP_STEP_SECONDS,
        sender.signature("replies.tasks.follow_up_step",
                         options={"expires": settings.FOLLOW_UP_STEP_SECONDS * 0.9}),
        name="follow-up step",
    )
    if settings.IMAP_HOST:
        sender.add_periodic_task(
            settings.IMAP_POLL_SECONDS,
            sender.signature("replies.tasks.poll_mailbox",
                             options={"expires": settings.IMAP_POLL_SECONDS * 0.9}),
            name="poll the abuse mailbox",
        )
    sweep = settings.OUTBOX_SWEEP_INTERVAL_SECONDS
    sender.add_periodic_task(
        sweep, sender.signature("reports.tasks.sweep_outbox", options={"expires": sweep * 0.9}),
        name="outbox sweeper",
    )
