"""Sending reports, in this process, to a real SMTP server on loopback (aiosmtpd).

The worker-level guarantees (a real Celery worker, SIGKILL, a Redis restart) are in
test_reports_send_e2e.py.
"""

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from contacts.models import Organisation
from incidents.models import Event
from reports import sending
from reports.mail import build_report_message
from reports.models import Message, Report, ReportStatus
from reports.sending import (
    database_now,
    outbox_sweep,
    report_confirm_sent,
    report_mark_failed,
    report_queue,
    report_send,
    report_send_again,
)

from .conftest import make_user
from .factories import an_incident
from .sending_support import (
    XARF_BYTES,
    ZIP_BYTES,
    a_report,
    an_organisation,
    attachments_of,
    free_port,
    smtp_server,
    use_smtp,
)

S = ReportStatus
FROM = "abuse@desk.example.org"


@pytest.fixture(autouse=True)
def report_settings(settings):
    settings.REPORT_FROM = FROM
    settings.REPORT_REPLY_TO = "abuse+{token}@desk.example.org"
    settings.REPORT_CC_SENDER = False
    settings.REPORT_BCC_ARCHIVE = ""
    settings.REPORT_THROTTLE_PER_HOUR = 10
    settings.REPORT_SEND_MAX_ATTEMPTS = 3
    settings.REPORT_RETRY_BASE_SECONDS = 60
    settings.REPORT_RETRY_MAX_SECONDS = 600
    settings.SENDING_STALE_AFTER_SECONDS = 900
    settings.OUTBOX_REQUEUE_AFTER_SECONDS = 600
    return settings


@pytest.fixture
def smtp(settings):
    with smtp_server() as (handler, port):
        use_smtp(settings, port)
        yield handler


@pytest.fixture
def enqueued(monkeypatch):
    """Task ids that would have gone to the broker, instead of going there."""
    calls = []
    monkeypatch.setattr(sending, "_enqueue", lambda pk, countdown=None: calls.append(pk))
    return calls


@pytest.fixture
def owner(db):
    return make_user("rico", "responder")


def queued(owner, **fields):
    report = a_report(owner, **fields)
    report_queue(actor=owner, report=report)
    report.refresh_from_db()
    return report


# --- Queueing ---------------------------------------------------------------------------------


def test_queueing_stores_the_message_id_key_and_token_before_anything_is_sent(owner, smtp, enqueued):
    report = a_report(owner)
    key = report.idempotency_key
    report_queue(actor=owner, report=report)
    report.refresh_from_db()
    assert report.status == S.QUEUED
    assert report.message_id.startswith("<") and report.message_id.endswith("@desk.example.org>")
    assert report.idempotency_key == key
    assert len(report.reply_token) == 16
    assert report.queued_at is not None
    assert smtp.messages() == []
    assert Event.objects.filter(object_type="report", object_id=str(report.pk),
                                action="queue").count() == 1


def test_the_task_is_enqueued_only_when_the_queueing_commits(owner, enqueued,
                                                             django_capture_on_commit_callbacks):
    report = a_report(owner)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report_queue(actor=owner, report=report)
    assert enqueued == []
    for callback in callbacks:
        callback()
    assert enqueued == [report.pk]


def test_a_report_without_a_recipient_or_text_cannot_be_queued(owner, enqueued):
    report = a_report(owner, to_addresses=[], body="  ")
    with pytest.raises(ValidationError, match=r"no recipient.*text is empty"):
        report_queue(actor=owner, report=report)
    assert Report.objects.get(pk=report.pk).status == S.DRAFT


def test_a_report_to_a_do_not_contact_organisation_cannot_be_queued(owner, enqueued):
    organisation = an_organisation()
    Organisation.objects.filter(pk=organisation.pk).update(do_not_contact=True)
    organisation.refresh_from_db()
    with pytest.raises(ValidationError, match="do-not-contact"):
        report_queue(actor=owner, report=a_report(owner, organisation=organisation))


def test_a_contact_marked_do_not_contact_after_approval_gets_nothing(owner, smtp):
    report = queued(owner)
    Organisation.objects.filter(pk=report.organisation_id).update(do_not_contact=True)
    report_send(report.pk)
    report.refresh_from_db()
    assert report.status == S.FAILED and "marked do-not-contact" in report.last_error
    assert smtp.sessions == 0


def test_a_report_is_queued_once_even_from_two_stale_copies(owner, enqueued):
    report = a_report(owner)
    stale_copy = Report.objects.get(pk=report.pk)
    report_queue(actor=owner, report=report)
    with pytest.raises(ValidationError, match="no longer a draft"):
        report_queue(actor=owner, report=stale_copy)
    assert enqueued == []  # on_commit never runs inside the test transaction
    assert Event.objects.filter(object_id=str(report.pk), action="queue").count() == 1


# --- What goes out ----------------------------------------------------------------------------


def test_the_sent_message_carries_our_reference_message_id_reply_to_and_no_auto_submitted(owner, smtp):
    report = queued(owner)
    assert report_send(report.pk) is None
    (received,) = smtp.messages()
    msg = received.message
    report.refresh_from_db()
    assert msg["Subject"] == f"[{report.incident.reference}] SSH brute force from 203.0.113.7"
    assert msg["Message-ID"] == report.message_id
    assert msg["From"] == FROM
    assert msg["To"] == "Example Transit Ltd <abuse@transit.example>"
    assert msg["Reply-To"] == f"abuse+{report.reply_token}@desk.example.org"
    assert parsedate_to_datetime(msg["Date"]) == report.sending_started_at.replace(microsecond=0)
    assert msg["Auto-Submitted"] is None and msg["Cc"] is None and msg["Bcc"] is None
    assert received.mail_from == FROM and received.rcpt_tos == ["abuse@transit.example"]
    # Text travels with CRLF line ends, as RFC 5322 wants; the words are the same.
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n") == report.body


def test_a_subject_already_carrying_the_reference_gets_it_once(owner, smtp):
    incident = an_incident(owner)
    report = queued(owner, incident=incident, subject=f"[{incident.reference}] Port scan")
    report_send(report.pk)
    assert smtp.messages()[0].message["Subject"] == f"[{incident.reference}] Port scan"


def test_attachments_arrive_byte_for_byte(owner, smtp):
    report = queued(owner)
    report_send(report.pk)
    assert attachments_of(smtp.messages()[0].message) == {"evidence-ABD.zip": ZIP_BYTES,
                                                         "xarf.json": XARF_BYTES}
    parts = {p.get_filename(): p.get_content_type() for p in smtp.messages()[0].message.iter_attachments()}
    assert parts == {"evidence-ABD.zip": "application/zip", "xarf.json": "application/json"}


def test_sent_records_the_time_the_due_date_and_the_raw_mime_exactly_as_received(owner, smtp):
    report = queued(owner, organisation=an_organisation(window=72))
    report_send(report.pk)
    report.refresh_from_db()
    (received,) = smtp.messages()
    assert report.status == S.SENT and report.attempts == 1 and report.last_error == ""
    assert report.due_at == report.sent_at + timedelta(hours=72)
    archived = Message.objects.get(report=report)
    assert (archived.direction, archived.kind) == ("out", "report")
    assert bytes(archived.raw) == received.data
    assert archived.message_id == report.message_id
    assert archived.to_addresses == ["abuse@transit.example"]
    assert archived.at == report.sent_at
    assert Event.objects.filter(object_id=str(report.pk), action="sent").count() == 1


def test_a_copy_goes_to_the_sender_and_a_blind_copy_to_the_archive(owner, smtp, settings):
    settings.REPORT_CC_SENDER = True
    settings.REPORT_BCC_ARCHIVE = "archive@desk.example.org"
    report = queued(owner)
    report_send(report.pk)
    (received,) = smtp.messages()
    assert received.rcpt_tos == ["abuse@transit.example", FROM, "archive@desk.example.org"]
    assert received.message["Cc"] == FROM
    assert b"archive@desk.example.org" not in received.data
    assert Message.objects.get(report=report).to_addresses == ["abuse@transit.example", FROM]


def test_without_a_reply_to_template_replies_go_to_the_sender(owner, smtp, settings):
    settings.REPORT_REPLY_TO = ""
    report_send(queued(owner).pk)
    assert smtp.messages()[0].message["Reply-To"] == FROM


def test_a_second_task_for_the_same_report_sends_nothing(owner, smtp):
    report = queued(owner)
    report_send(report.pk)
    report_send(report.pk)
    assert len(smtp.messages()) == 1


def test_a_report_rebuilt_for_the_same_date_is_byte_for_byte_the_same(owner):
    report = queued(owner)
    at = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    assert build_report_message(report, date=at).raw == build_report_message(report, date=at).raw


# --- Header injection -------------------------------------------------------------------------

INJECTION = "Evil\r\nBcc: victim@attacker.example\r\nX-Injected: yes"


def _only_our_headers(received):
    msg = received.message
    assert msg["Bcc"] is None and msg["X-Injected"] is None
    assert received.rcpt_tos == ["abuse@transit.example"]
    assert b"\r\nBcc:" not in received.data and b"\r\nX-Injected:" not in received.data
    for name in ("Subject", "From", "To", "Reply-To", "Message-ID", "Date"):
        assert len(msg.get_all(name)) == 1, name


def test_cr_lf_in_the_subject_is_neutralised(owner, smtp):
    report_send(queued(owner, subject=INJECTION).pk)
    (received,) = smtp.messages()
    _only_our_headers(received)
    assert received.message["Subject"].endswith("Evil Bcc: victim@attacker.example X-Injected: yes")


def test_cr_lf_in_the_organisation_name_is_neutralised(owner, smtp):
    report = queued(owner, organisation=an_organisation(name=INJECTION))
    report_send(report.pk)
    (received,) = smtp.messages()
    _only_our_headers(received)
    assert received.message["To"].addresses[0].addr_spec == "abuse@transit.example"


def test_cr_lf_in_an_attachment_name_is_neutralised(owner, smtp):
    report = queued(owner)
    report.attachments.filter(kind="xarf").update(name="x.json\r\nX-Injected: yes")
    report_send(report.pk)
    (received,) = smtp.messages()
    _only_our_headers(received)
    assert set(attachments_of(received.message)) == {"evidence-ABD.zip", "x.json X-Injected: yes"}


def test_cr_lf_in_an_attachment_content_type_makes_it_plain_bytes(owner, smtp):
    report = queued(owner)
    report.attachments.filter(kind="xarf").update(content_type="text/plain\r\nX-Injected: yes")
    report_send(report.pk)
    (received,) = smtp.messages()
    _only_our_headers(received)
    types = {p.get_filename(): p.get_content_type() for p in received.message.iter_attachments()}
    assert types["xarf.json"] == "application/octet-stream"
    assert attachments_of(received.message)["xarf.json"] == XARF_BYTES


@pytest.mark.parametrize("address", [
    "abuse@transit.example\r\nBcc: victim@attacker.example",
    "abuse@transit.example, victim@attacker.example",
    "Evil <victim@attacker.example>",
])
def test_a_recipient_that_is_not_one_plain_address_is_refused_at_queueing(owner, address, enqueued):
    report = a_report(owner, to_addresses=[address])
    with pytest.raises(ValidationError, match="not a usable email address"):
        report_queue(actor=owner, report=report)


def test_a_recipient_smuggled_in_after_queueing_fails_the_report_and_sends_nothing(owner, smtp):
    report = queued(owner)
    Report.objects.filter(pk=report.pk).update(to_addresses=["a@b.example\nBcc: c@d.example"])
    report_send(report.pk)
    report.refresh_from_db()
    assert report.status == S.FAILED and "not a usable email address" in report.last_error
    assert smtp.messages() == [] and smtp.sessions == 0


@pytest.mark.parametrize(("name", "value"), [
    ("REPORT_FROM", "abuse@desk.example.org\r\nBcc: victim@attacker.example"),
    ("REPORT_REPLY_TO", "abuse+{token}@desk.example.org\r\nX-Injected: yes"),
    ("REPORT_BCC_ARCHIVE", "archive@desk.example.org\nTo: victim@attacker.example"),
])
def test_cr_lf_in_an_address_setting_fails_the_report_and_sends_nothing(owner, smtp, settings,
                                                                       name, value):
    report = queued(owner)
    setattr(settings, name, value)
    report_send(report.pk)
    report.refresh_from_db()
    assert report.status == S.FAILED and name in report.last_error
    assert smtp.messages() == []


# --- Errors from the mail server --------------------------------------------------------------


def test_a_421_puts_the_report_back_in_the_queue_with_a_backoff_and_the_next_try_sends_it(owner, smtp):
    smtp.data_replies = ["421 4.3.2 Service not available, try later"]
    report = queued(owner)
    wait = report_send(report.pk)
    report.refresh_from_db()
    assert report.status == S.QUEUED and report.attempts == 1
    assert report.last_error == "421 4.3.2 Service not available, try later"
    assert 30 <= wait.seconds <= 60  # base 60 s, jitter 50-100 %
    assert report.next_attempt_at > database_now()
    assert "next attempt at" in report.waiting_reason
    # Too early: the retry time has not come; nothing is sent.
    assert report_send(report.pk).seconds > 0 and smtp.messages() == []
    Report.objects.filter(pk=report.pk).update(next_attempt_at=database_now())
    assert report_send(report.pk) is None
    report.refresh_from_db()
    assert report.status == S.SENT and report.attempts == 2 and len(smtp.messages()) == 1


def test_backoff_doubles_per_attempt_up_to_the_ceiling(settings):
    for attempts, ceiling in ((1, 60), (2, 120), (3, 240), (5, 600), (9, 600)):
        delays = [sending.backoff_seconds(attempts) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays), attempts


def test_transient_errors_up_to_the_attempt_limit_make_the_report_failed(owner, smtp):
    smtp.always_data_reply = "451 4.7.1 Greylisted"
    report = queued(owner)
    for _attempt in range(3):
        report_send(report.pk)
        Report.objects.filter(pk=report.pk).update(next_attempt_at=None)
    report.refresh_from_db()
    assert report.status == S.FAILED and report.attempts == 3
    assert report.last_error == ("Gave up after 3 attempts; the mail server's last answer: "
                                 "451 4.7.1 Greylisted")


def test_a_550_makes_the_report_failed_with_the_servers_answer_on_its_page(owner, smtp, client):
    smtp.data_replies = ["550 5.7.1 Message rejected as spam"]
    report = queued(owner)
    assert report_send(report.pk) is None
    report.refresh_from_db()
    assert report.status == S.FAILED
    assert report.last_error == ("The mail server refused the report: "
                                 "550 5.7.1 Message rejected as spam")
    assert not Message.objects.filter(report=report).exists()
    client.force_login(owner)
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "550 5.7.1 Message rejected as spam" in page and 'data-status="failed"' in page


def test_every_recipient_refused_with_550_fails_the_report(owner, smtp):
    smtp.rcpt_replies = {"abuse@transit.example": "550 5.1.1 No such user"}
    report = queued(owner)
    report_send(report.pk)
    report.refresh_from_db()
    assert report.status == S.FAILED
    assert report.last_error.endswith("abuse@transit.example: 550 5.1.1 No such user")


def test_one_refused_recipient_of_two_is_noted_on_a_sent_report(owner, smtp):
    smtp.rcpt_replies = {"noc@transit.example": "550 5.1.1 No such user"}
    report = queued(owner, to_addresses=["abuse@transit.example", "noc@transit.example"])
    report_send(report.pk)
    report.refresh_from_db()
    assert report.status == S.SENT
    assert smtp.messages()[0].message["To"] == ("Example Transit Ltd <abuse@transit.example>, "
                                                "Example Transit Ltd <noc@transit.example>")
    assert report.last_error == "noc@transit.example refused: 550 5.1.1 No such user"


def test_a_refused_connection_is_transient(owner, settings):
    use_smtp(settings, free_port())  # nobody listens there
    report = queued(owner)
    wait = report_send(report.pk)
    report.refresh_from_db()
    assert wait is not None and report.status == S.QUEUED
    assert report.last_error.startswith("ConnectionRefusedError")


def test_a_connection_broken_during_data_makes_the_outcome_unknown_and_is_not_retried(owner, smtp):
    smtp.drop_in_data = True
    report = queued(owner)
    assert report_send(report.pk) is None
    report.refresh_from_db()
    assert report.status == S.UNKNOWN
    assert "may or may not have accepted it" in report.last_error


# --- The per-contact throttle -----------------------------------------------------------------


def _sent_recently(owner, organisation, n, minutes_ago=30):
    at = database_now() - timedelta(minutes=minutes_ago)
    for _ in range(n):
        report = a_report(owner, organisation=organisation, attachments=False)
        Report.objects.filter(pk=report.pk).update(status=S.SENT, sending_started_at=at, sent_at=at)
    return at


def test_the_eleventh_report_to_a_contact_within_the_hour_waits_and_says_so(owner, smtp):
    organisation = an_organisation()
    oldest = _sent_recently(owner, organisation, 10, minutes_ago=45)
    report = queued(owner, organisation=organisation)
    wait = report_send(report.pk)
    report.refresh_from_db()
    assert smtp.messages() == []
    assert report.status == S.QUEUED and report.attempts == 0
    assert report.next_attempt_at == oldest + timedelta(hours=1)
    assert 14 * 60 < wait.seconds <= 15 * 60
    assert report.waiting_reason.startswith("Waiting for the hourly limit: 10 reports went to "
                                            "this contact in the past hour (limit 10)")
    # Another contact is not held back.
    other = queued(owner, organisation=an_organisation(name="Other Net", email="abuse@other.example"))
    assert report_send(other.pk) is None and len(smtp.messages()) == 1


def test_a_throttled_report_goes_once_the_hour_allows(owner, smtp):
    organisation = an_organisation()
    _sent_recently(owner, organisation, 10, minutes_ago=61)
    report = queued(owner, organisation=organisation)
    assert report_send(report.pk) is None
    assert Report.objects.get(pk=report.pk).status == S.SENT


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_claim_more_than_the_hourly_limit(settings):
    owner = make_user("rico", "responder")
    settings.REPORT_THROTTLE_PER_HOUR = 5
    organisation = an_organisation()
    reports = [a_report(owner, organisation=organisation, attachments=False) for _ in range(12)]
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(
        status=S.QUEUED, queued_at=database_now(), message_id="<x@desk.example.org>")
    barrier = threading.Barrier(6)
    results = []

    def claim(batch):
        barrier.wait()
        try:
            for report in batch:
                results.append(sending._claim(Report.objects.get(pk=report.pk)))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(reports[i::6],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 5
    assert Report.objects.filter(status=S.SENDING).count() == 5
    assert Report.objects.filter(status=S.QUEUED).exclude(waiting_reason="").count() == 7


# --- The sweeper ------------------------------------------------------------------------------


def _claimed(owner, seconds_ago, now):
    report = queued(owner)
    Report.objects.filter(pk=report.pk).update(status=S.SENDING,
                                               sending_started_at=now - timedelta(seconds=seconds_ago))
    return report


def test_the_sweeper_calls_a_send_older_than_the_limit_unknown_and_leaves_a_younger_one(
        owner, enqueued, monkeypatch):
    frozen = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    monkeypatch.setattr(sending, "database_now", lambda: frozen)
    old = _claimed(owner, 901, frozen)
    young = _claimed(owner, 899, frozen)
    result = outbox_sweep()
    assert result.unknown == [old.pk]
    assert Report.objects.get(pk=old.pk).status == S.UNKNOWN
    assert Report.objects.get(pk=young.pk).status == S.SENDING
    assert "stopped before it recorded the outcome" in Report.objects.get(pk=old.pk).last_error
    assert enqueued == []  # an unknown report is never sent again on its own


def test_the_sweeper_follows_the_database_clock_not_a_shifted_machine_clock(owner, enqueued,
                                                                            monkeypatch):
    report = _claimed(owner, 5, database_now())
    shifted = datetime.now(UTC) + timedelta(days=1)  # beat runs on a host whose clock is a day ahead
    monkeypatch.setattr("django.utils.timezone.now", lambda: shifted)
    assert outbox_sweep().unknown == []
    assert Report.objects.get(pk=report.pk).status == S.SENDING


def test_the_sweeper_re_enqueues_a_report_the_broker_lost_once_per_period(owner, enqueued,
                                                                         monkeypatch):
    now = database_now()
    lost = queued(owner)
    fresh = queued(owner)
    throttled = queued(owner)
    Report.objects.filter(pk=lost.pk).update(queued_at=now - timedelta(seconds=601))
    Report.objects.filter(pk=throttled.pk).update(queued_at=now - timedelta(hours=2),
                                                  next_attempt_at=now + timedelta(minutes=20))
    assert outbox_sweep().requeued == [lost.pk]
    assert enqueued == [lost.pk]
    assert outbox_sweep().requeued == []  # stamped: not again until another period has passed
    assert fresh.pk not in enqueued and throttled.pk not in enqueued
    later = now + timedelta(seconds=602)
    monkeypatch.setattr(sending, "database_now", lambda: later)
    assert lost.pk in outbox_sweep().requeued


def test_a_throttled_report_whose_countdown_was_lost_is_re_enqueued_after_its_time(owner, enqueued):
    now = database_now()
    report = queued(owner)
    Report.objects.filter(pk=report.pk).update(next_attempt_at=now - timedelta(seconds=601),
                                               waiting_reason="Waiting for the hourly limit")
    assert outbox_sweep().requeued == [report.pk]


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_change_each_report_once(monkeypatch):
    owner = make_user("rico", "responder")
    calls = []
    monkeypatch.setattr(sending, "_enqueue", lambda pk, countdown=None: calls.append(pk))
    now = database_now()
    stale = [_claimed(owner, 1000, now) for _ in range(5)]
    lost = [queued(owner) for _ in range(5)]
    Report.objects.filter(pk__in=[r.pk for r in lost]).update(queued_at=now - timedelta(hours=1))
    calls.clear()  # queueing enqueued each once; only the sweepers' calls count below
    barrier = threading.Barrier(2)
    results = []

    def sweep():
        barrier.wait()
        try:
            results.append(outbox_sweep())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(pk for r in results for pk in r.unknown) == sorted(r.pk for r in stale)
    assert sorted(calls) == sorted(r.pk for r in lost)
    assert Event.objects.filter(action="unknown").count() == 5


def test_a_send_that_finishes_after_the_sweeper_called_it_unknown_is_recorded_sent(owner, smtp,
                                                                                  monkeypatch):
    report = queued(owner)
    real_transmit = sending.transmit

    def slow_transmit(outgoing):
        Report.objects.filter(pk=report.pk).update(
            sending_started_at=database_now() - timedelta(hours=1))
        outbox_sweep()
        assert Report.objects.get(pk=report.pk).status == S.UNKNOWN
        return real_transmit(outgoing)

    monkeypatch.setattr(sending, "transmit", slow_transmit)
    report_send(report.pk)
    report.refresh_from_db()
    assert report.status == S.SENT and Message.objects.filter(report=report).count() == 1


# --- A person decides on an unknown outcome ---------------------------------------------------


def _unknown(owner):
    report = queued(owner)
    Report.objects.filter(pk=report.pk).update(
        status=S.UNKNOWN, sending_started_at=datetime(2026, 11, 25, 6, 0, tzinfo=UTC))
    report.refresh_from_db()
    return report


def test_confirming_an_unknown_report_records_it_sent_at_its_claim_with_the_archive_rebuilt(owner):
    report = _unknown(owner)
    report_confirm_sent(actor=owner, report=report)
    report.refresh_from_db()
    assert report.status == S.SENT
    assert report.sent_at == datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
    assert report.due_at == report.sent_at + timedelta(hours=48)
    archived = Message.objects.get(report=report)
    assert bytes(archived.raw) == build_report_message(report, date=report.sent_at).raw
    event = Event.objects.get(object_id=str(report.pk), action="confirm")
    assert event.actor == owner


def test_sending_an_unknown_report_again_queues_it_with_the_same_message_id(owner, enqueued,
                                                                          django_capture_on_commit_callbacks):
    report = _unknown(owner)
    message_id = report.message_id
    with django_capture_on_commit_callbacks(execute=True):
        report_send_again(actor=owner, report=report)
    report.refresh_from_db()
    assert report.status == S.QUEUED and report.message_id == message_id and report.attempts == 0
    assert enqueued == [report.pk]


def test_marking_an_unknown_report_failed_says_who(owner):
    report = _unknown(owner)
    report_mark_failed(actor=owner, report=report)
    report.refresh_from_db()
    assert report.status == S.FAILED and report.last_error == "Marked failed by rico: it did not arrive."


def test_only_an_unknown_report_takes_those_decisions(owner, enqueued):
    report = queued(owner)
    for decide in (report_confirm_sent, report_send_again, report_mark_failed):
        with pytest.raises(ValidationError):
            decide(actor=owner, report=report)
    assert Report.objects.get(pk=report.pk).status == S.QUEUED


# --- Pages ------------------------------------------------------------------------------------


def test_the_send_button_queues_a_draft(owner, client, enqueued):
    report = a_report(owner)
    client.force_login(owner)
    response = client.post(reverse("reports:send", args=[report.pk]))
    assert response.status_code == 302
    assert Report.objects.get(pk=report.pk).status == S.QUEUED


def test_bulk_send_queues_the_ticked_drafts_and_names_the_ones_it_cannot(owner, client, enqueued):
    incident = an_incident(owner)
    good = [a_report(owner, incident=incident) for _ in range(2)]
    bad = a_report(owner, incident=incident, to_addresses=[])
    untouched = a_report(owner, incident=incident)
    client.force_login(owner)
    response = client.post(reverse("reports:bulk_send"),
                           {"reports": [good[0].pk, good[1].pk, bad.pk],
                            "next": incident.get_absolute_url()}, follow=True)
    page = response.content.decode()
    assert "2 report(s) queued for sending." in page
    assert "cannot be sent: it has no recipient." in page
    statuses = dict(Report.objects.values_list("pk", "status"))
    assert [statuses[r.pk] for r in (*good, bad, untouched)] == [S.QUEUED, S.QUEUED, S.DRAFT, S.DRAFT]


def test_the_incident_page_offers_drafts_for_bulk_sending_and_shows_waiting(owner, client):
    incident = an_incident(owner)
    draft = a_report(owner, incident=incident)
    waiting = a_report(owner, incident=incident, status=S.QUEUED,
                       waiting_reason="Waiting for the hourly limit: 10 reports")
    client.force_login(owner)
    page = client.get(incident.get_absolute_url()).content.decode()
    assert f'name="reports" value="{draft.pk}"' in page
    assert f'name="reports" value="{waiting.pk}"' not in page
    assert "Waiting for the hourly limit: 10 reports" in page


def test_the_report_page_shows_the_history_and_the_archived_mail(owner, smtp, client):
    report = queued(owner)
    report_send(report.pk)
    client.force_login(make_user("vera", "viewer"))
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "approved for sending" in page and "sent to abuse@transit.example" in page
    assert f"Message-ID: {report.message_id}".replace("<", "&lt;").replace(">", "&gt;") in page
    raw = client.get(reverse("reports:message_raw", args=[Message.objects.get(report=report).pk]))
    assert raw["Content-Type"] == "message/rfc822"
    assert b"".join(raw.streaming_content if raw.streaming else [raw.content]) == \
        smtp.messages()[0].data


def test_the_unknown_decision_is_offered_on_the_report_page_and_acted_on(owner, client):
    report = _unknown(owner)
    client.force_login(owner)
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert 'id="unknown-decision"' in page and "Send it again" in page
    client.post(reverse("reports:decide", args=[report.pk]), {"decision": "failed"})
    assert Report.objects.get(pk=report.pk).status == S.FAILED


def test_the_dashboard_lists_reports_needing_a_decision(owner, client):
    report = _unknown(owner)
    client.force_login(owner)
    page = client.get(reverse("dashboard")).content.decode()
    assert reverse("reports:detail", args=[report.pk]) in page


def test_an_admin_sends_a_test_email_and_sees_it_accepted(db, smtp, client):
    client.force_login(make_user("ada", "admin"))
    page = client.post(reverse("reports:test_email"), {"recipient": "noc@example.net"}).content.decode()
    assert "The mail server accepted the test email to noc@example.net" in page
    (received,) = smtp.messages()
    assert received.rcpt_tos == ["noc@example.net"] and received.message["From"] == FROM


def test_the_test_email_page_shows_the_servers_refusal(db, smtp, client):
    smtp.always_data_reply = "554 5.7.1 Relay access denied"
    client.force_login(make_user("ada", "admin"))
    page = client.post(reverse("reports:test_email"), {"recipient": "noc@example.net"}).content.decode()
    assert "Not sent:" in page and "554 5.7.1 Relay access denied" in page


def test_the_test_email_page_is_for_admins_only(client, owner):
    client.force_login(owner)
    assert client.get(reverse("reports:test_email")).status_code == 403


# --- Settings ---------------------------------------------------------------------------------


def _settings_in_a_fresh_process(tmp_path, **env):
    script = ("from django.conf import settings as s; print(s.EMAIL_BACKEND, s.EMAIL_HOST, "
              "s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, "
              "s.EMAIL_USE_SSL, s.EMAIL_TIMEOUT)")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "DATABASE_"))}
    return subprocess.run([sys.executable, "manage.py", "shell", "-v", "0", "-c", script],
                          cwd=os.path.dirname(os.path.dirname(__file__)),
                          env={**base, "ABUSEDESK_DATA_DIR": str(tmp_path), **env},
                          capture_output=True, text=True, timeout=120)


def test_smtp_comes_from_separate_host_variables_when_email_host_is_set(tmp_path):
    result = _settings_in_a_fresh_process(
        tmp_path, EMAIL_URL="consolemail://", EMAIL_HOST="mail.example.org", EMAIL_PORT="2525",
        EMAIL_HOST_USER="desk", EMAIL_HOST_PASSWORD="p@ss:w/rd", EMAIL_USE_TLS="true",
        EMAIL_TIMEOUT="20")
    assert result.stdout.split() == ["django.core.mail.backends.smtp.EmailBackend",
                                     "mail.example.org", "2525", "desk", "p@ss:w/rd", "True",
                                     "False", "20"], result.stderr


def test_smtp_comes_from_email_url_otherwise(tmp_path):
    result = _settings_in_a_fresh_process(
        tmp_path, EMAIL_URL="smtp+ssl://desk:secret@mail.example.org:465")
    assert result.stdout.split() == ["django.core.mail.backends.smtp.EmailBackend",
                                     "mail.example.org", "465", "desk", "secret", "False", "True",
                                     "60"], result.stderr


def test_a_stale_limit_shorter_than_a_slow_smtp_conversation_is_refused(tmp_path):
    result = _settings_in_a_fresh_process(tmp_path, EMAIL_TIMEOUT="60",
                                          SENDING_STALE_AFTER_SECONDS="100")
    assert result.returncode != 0
    assert "SENDING_STALE_AFTER_SECONDS must exceed twice EMAIL_TIMEOUT" in result.stderr


def test_without_smtp_the_local_mail_backend_gets_the_same_bytes(owner, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    report = queued(owner)
    report_send(report.pk)
    report.refresh_from_db()
    assert report.status == S.SENT
    (sent,) = mail.outbox
    assert sent.outgoing.raw == bytes(Message.objects.get(report=report).raw)


def test_the_console_backend_of_make_run_prints_the_report(owner, settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    report = queued(owner)
    report_send(report.pk)
    assert f"Message-ID: {Report.objects.get(pk=report.pk).message_id}" in capsys.readouterr().out


def test_a_long_subject_stays_on_the_subject_line_and_bodies_keep_short_lines(owner):
    subject = "Abuse from your network: failed login, blocked connection, packets (12 hosts)"
    report = a_report(owner, subject=subject, message_id="<m1@desk.example.org>", reply_token="t1")
    raw = build_report_message(report, date=datetime(2026, 3, 1, tzinfo=UTC)).raw
    reference = report.incident.reference
    assert raw.startswith(f"Subject: [{reference}] {subject}\r\n".encode())
    body = raw.partition(b"\r\n\r\n")[2]
    assert max(len(line) for line in body.split(b"\r\n")) <= 78
