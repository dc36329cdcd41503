"""Sending end to end: a real Celery worker (and beat) on a real Redis, a real SMTP server.

Each test has a redis-server of its own (so it may restart it) and commits its data
(``transactional_db``), which the worker subprocess reads from the test database.
"""

import os
import signal
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db.models import Min
from django.urls import reverse

from reports.models import Message, Report, ReportStatus
from reports.sending import outbox_sweep, report_queue

from .conftest import make_user
from .sending_support import (
    XARF_BYTES,
    ZIP_BYTES,
    RedisServer,
    Services,
    a_report,
    an_organisation,
    attachments_of,
    broker,
    children_of,
    service_env,
    smtp_server,
    use_smtp,
    wait_for,
)

S = ReportStatus
WORKER_TIMEOUT = 120  # seconds: a worker's start and a send on a busy 2-core machine


@pytest.fixture
def e2e(transactional_db, settings, tmp_path):
    """Redis, the SMTP sink, and a way to start a worker and beat; all stopped at the end."""
    settings.REPORT_FROM = "abuse@desk.example.org"
    settings.REPORT_REPLY_TO = "abuse+{token}@desk.example.org"
    redis = RedisServer(tmp_path)
    redis.start()
    services = None
    try:
        with smtp_server() as (smtp, port), broker(redis.url):
            use_smtp(settings, port)
            data_dir = tmp_path / "data"
            data_dir.mkdir()

            def start(*, beat=False, **env):
                nonlocal services
                services = Services(tmp_path, service_env(redis_url=redis.url, smtp_port=port,
                                                          data_dir=data_dir, **env))
                services.worker()
                if beat:
                    services.beat()
                return services

            yield SimpleNamespace(smtp=smtp, redis=redis, start=start,
                                  services=lambda: services,
                                  owner=make_user("rico", "responder"))
            if services:
                services.stop()
    finally:
        if services:
            services.stop()
        redis.kill()


def status_of(report) -> str:
    return Report.objects.values_list("status", flat=True).get(pk=report.pk)


def wait_status(e2e, report, status, timeout=WORKER_TIMEOUT):
    wait_for(lambda: status_of(report) == status, timeout, f"report {report.pk} to be {status} "
             f"(it is {status_of(report)})", diagnose=lambda: e2e.services().tails())


def test_a_worker_sends_a_queued_report_once_with_its_headers_body_and_attachments(e2e):
    report = a_report(e2e.owner)
    e2e.start()
    report_queue(actor=e2e.owner, report=report)
    wait_status(e2e, report, S.SENT)
    report.refresh_from_db()
    (received,) = e2e.smtp.messages()
    msg = received.message
    assert msg["Subject"] == f"[{report.incident.reference}] SSH brute force from 203.0.113.7"
    assert msg["Message-ID"] == report.message_id
    assert msg["Reply-To"] == f"abuse+{report.reply_token}@desk.example.org"
    assert msg["From"] == "abuse@desk.example.org" and msg["Auto-Submitted"] is None
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n") == report.body
    assert attachments_of(msg) == {"evidence-ABD.zip": ZIP_BYTES, "xarf.json": XARF_BYTES}
    assert bytes(Message.objects.get(report=report).raw) == received.data
    assert report.attempts == 1


def test_a_421_then_success_delivers_exactly_one_message(e2e):
    e2e.smtp.data_replies = ["421 4.3.2 Try again later"]
    report = a_report(e2e.owner)
    e2e.start()
    report_queue(actor=e2e.owner, report=report)
    wait_status(e2e, report, S.SENT)
    time.sleep(2)  # anything still in flight would arrive now
    report.refresh_from_db()
    assert e2e.smtp.message_ids() == [report.message_id]
    assert report.attempts == 2 and e2e.smtp.sessions == 2
    assert Message.objects.filter(report=report).count() == 1


def test_a_550_makes_the_report_failed_with_the_answer_shown_on_its_page(e2e, client):
    e2e.smtp.always_data_reply = "550 5.7.1 Rejected by policy"
    report = a_report(e2e.owner)
    e2e.start()
    report_queue(actor=e2e.owner, report=report)
    wait_status(e2e, report, S.FAILED)
    assert e2e.smtp.messages() == [] and e2e.smtp.sessions == 1
    client.force_login(e2e.owner)
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "The mail server refused the report: 550 5.7.1 Rejected by policy" in page


def test_a_worker_killed_right_after_its_claim_never_sends_twice_and_the_report_ends_unknown(
        e2e, settings, client):
    e2e.smtp.hold.set()  # the worker's SMTP session waits at MAIL FROM: it has claimed, not sent
    report = a_report(e2e.owner)
    services = e2e.start()
    report_queue(actor=e2e.owner, report=report)
    wait_for(e2e.smtp.holding.is_set, WORKER_TIMEOUT, "the worker to reach the SMTP server",
             diagnose=services.tails)
    assert status_of(report) == S.SENDING
    (child,) = children_of(services.procs["worker"].pid)
    os.kill(child, signal.SIGKILL)
    # The worker's parent requeues the message (reject on worker lost); a new child takes it,
    # finds the report claimed and does nothing.
    wait_for(lambda: f"report {report.pk} is sending, not queued" in services.log("worker"),
             WORKER_TIMEOUT, "the redelivered task to find the report claimed",
             diagnose=services.tails)
    e2e.smtp.hold.clear()
    time.sleep(1)
    assert e2e.smtp.messages() == []
    assert status_of(report) == S.SENDING

    settings.SENDING_STALE_AFTER_SECONDS = 1
    time.sleep(1.5)
    assert outbox_sweep().unknown == [report.pk]
    assert outbox_sweep().unknown == []
    assert status_of(report) == S.UNKNOWN
    time.sleep(2)
    assert e2e.smtp.messages() == []  # never resent on its own
    client.force_login(e2e.owner)
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert 'id="unknown-decision"' in page


def test_redis_restarted_while_reports_are_queued_every_report_is_still_sent_exactly_once(e2e):
    e2e.smtp.data_delay = 0.3  # slow enough that most reports are still queued at the restart
    organisations = [an_organisation(name=f"Net {i}", email=f"abuse@net{i}.example")
                     for i in range(3)]
    reports = [a_report(e2e.owner, organisation=organisations[i % 3], attachments=i % 2 == 0)
               for i in range(15)]
    services = e2e.start(beat=True, OUTBOX_SWEEP_INTERVAL_SECONDS=1,
                         OUTBOX_REQUEUE_AFTER_SECONDS=3)
    for report in reports:
        report_queue(actor=e2e.owner, report=report)
    wait_for(lambda: len(e2e.smtp.messages()) >= 2, WORKER_TIMEOUT, "the first reports to go out",
             diagnose=services.tails)
    # Redis without persistence: every queued task message is gone after this.
    e2e.redis.kill()
    sent_before_restart = len(e2e.smtp.messages())
    time.sleep(1)
    e2e.redis.start()

    wait_for(lambda: Report.objects.filter(status=S.SENT).count() == 15, WORKER_TIMEOUT,
             "every report to be sent after the restart",
             diagnose=lambda: f"{dict(Report.objects.values_list('pk', 'status'))}\n"
                              + services.tails())
    time.sleep(3)  # a duplicate still on its way would arrive now
    ids = e2e.smtp.message_ids()
    assert sorted(ids) == sorted(Report.objects.values_list("message_id", flat=True))
    assert len(ids) == len(set(ids)) == 15
    assert sent_before_restart < 15
    assert Message.objects.filter(direction="out").count() == 15


def test_the_eleventh_report_to_one_contact_within_the_hour_waits_in_the_queue(e2e, client):
    organisation = an_organisation()
    reports = [a_report(e2e.owner, organisation=organisation, attachments=False) for _ in range(11)]
    services = e2e.start()
    for report in reports:
        report_queue(actor=e2e.owner, report=report)
    wait_for(lambda: Report.objects.filter(status=S.SENT).count() == 10
             and Report.objects.exclude(waiting_reason="").count() == 1, WORKER_TIMEOUT,
             "ten reports sent and one waiting", diagnose=services.tails)
    time.sleep(2)
    (waiting,) = Report.objects.exclude(waiting_reason="")
    assert waiting.status == S.QUEUED and waiting.attempts == 0
    assert len(e2e.smtp.messages()) == 10
    # The task waits for the hour (a countdown), and the sweeper leaves it alone meanwhile.
    first_claim = Report.objects.filter(status=S.SENT).aggregate(t=Min("sending_started_at"))["t"]
    assert waiting.next_attempt_at == first_claim + timedelta(hours=1)
    assert outbox_sweep().requeued == []
    client.force_login(e2e.owner)
    page = client.get(waiting.incident.get_absolute_url()).content.decode()
    assert "Waiting for the hourly limit: 10 reports went to this contact in the past hour" in page
