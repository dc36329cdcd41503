"""/healthz: the database, the broker and a recent worker heartbeat, open to anonymous probes."""

import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from abusedesk.celery import app as celery_app
from core.models import Heartbeat
from core.signals import _record_worker_start
from core.tasks import heartbeat

pytestmark = pytest.mark.django_db


def closed_loopback_port() -> int:
    """A loopback port nothing listens on (bound once, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def a_heartbeat(age_seconds: float, hostname: str = "celery@worker-1") -> Heartbeat:
    return Heartbeat.objects.create(
        hostname=hostname, seen_at=timezone.now() - timedelta(seconds=age_seconds)
    )


@pytest.fixture
def broker_on_a_closed_port():
    """Point the Celery app's broker at a loopback port that refuses connections; restore after."""
    conf = celery_app.conf
    original = conf.broker_url
    conf.broker_url = f"redis://127.0.0.1:{closed_loopback_port()}/0"
    try:
        yield conf.broker_url
    finally:
        conf.broker_url = original


def test_healthz_is_200_when_database_broker_and_a_fresh_heartbeat_are_fine(client, settings):
    settings.HEARTBEAT_MAX_AGE_SECONDS = 120
    a_heartbeat(age_seconds=5)

    response = client.get("/healthz")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True, "broker": True, "worker": True,
    }
    assert body["checks"]["worker"]["hostname"] == "celery@worker-1"


def test_healthz_checks_the_broker_named_by_celery_broker_url(settings):
    # testenv sets REDIS_URL; the broker defaults to it, so the check above used real Redis.
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL


def test_healthz_is_503_with_the_worker_check_failing_when_no_worker_has_reported(client):
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["worker"]["ok"] is False
    assert "no worker" in body["checks"]["worker"]["error"]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True


def test_healthz_is_503_when_the_latest_heartbeat_is_older_than_the_max_age(client, settings):
    settings.HEARTBEAT_MAX_AGE_SECONDS = 60
    a_heartbeat(age_seconds=61)

    response = client.get("/healthz")

    assert response.status_code == 503
    worker = response.json()["checks"]["worker"]
    assert worker["ok"] is False
    assert worker["max_age_seconds"] == 60
    assert worker["age_seconds"] >= 61


def test_healthz_judges_the_freshest_of_several_workers(client, settings):
    settings.HEARTBEAT_MAX_AGE_SECONDS = 60
    a_heartbeat(age_seconds=600, hostname="celery@gone")
    a_heartbeat(age_seconds=1, hostname="celery@alive")

    response = client.get("/healthz")

    assert response.status_code == 200, response.content
    assert response.json()["checks"]["worker"]["hostname"] == "celery@alive"


def test_healthz_is_503_with_the_broker_check_failing_when_the_broker_port_is_closed(
    client, broker_on_a_closed_port
):
    a_heartbeat(age_seconds=1)

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["worker"]["ok"] is True


def test_healthz_needs_no_login_and_is_never_cached(client):
    response = client.get("/healthz")

    assert response.status_code in (200, 503)  # answered, not redirected to the login page
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]


def test_the_heartbeat_task_run_directly_records_task_seen_at():
    before = timezone.now()

    heartbeat.apply().get()

    beat = Heartbeat.objects.get()
    assert beat.task_seen_at is not None
    assert beat.task_seen_at >= before
    assert beat.seen_at == beat.task_seen_at


def test_a_ready_worker_records_seen_at_but_not_task_seen_at():
    class Consumer:
        hostname = "celery@starting"

    _record_worker_start(sender=Consumer())

    beat = Heartbeat.objects.get(hostname="celery@starting")
    assert beat.seen_at is not None
    assert beat.task_seen_at is None
