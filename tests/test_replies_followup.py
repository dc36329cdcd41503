"""The follow-up step, one step at a time with a frozen clock."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection

from contacts.models import AbuseAddress, Organisation
from core.models import Profile
from incidents.models import Event
from replies import followup
from replies.inbound import ingest
from reports.models import Message, Report, ReportStatus

from .factories import an_incident
from .sending_support import smtp_server, use_smtp

pytestmark = pytest.mark.django_db
SENT = datetime(2026, 10, 23, 10, 0, tzinfo=UTC)  # Friday before Europe/Berlin leaves summer time


@pytest.fixture
def org():
    org = Organisation.objects.create(name="Slow ISP", reply_window_hours=48)
    AbuseAddress.objects.create(organisation=org, email="abuse@slow.example")
    return org


def a_sent_report(owner, org, *, sent=SENT, message_id="<r1@abusedesk.example.org>"):
    incident = an_incident(owner)
    report = Report.objects.create(
        incident=incident, organisation=org, status=ReportStatus.SENT,
        to_addresses=["abuse@slow.example"], subject=f"[{incident.reference}] SSH brute force",
        body="We saw 1200 failed SSH logins from 198.51.100.7.", message_id=message_id,
        sent_at=sent, due_at=sent + timedelta(hours=org.reply_window_hours))
    Message.objects.create(report=report, direction="out", kind="report", message_id=message_id,
                           subject=report.subject, raw=b"Subject: x\r\n\r\nbody", at=sent)
    return report


def test_a_report_becomes_overdue_only_after_its_window_and_the_reminder_shows_the_owners_zone(
        responder, org):
    Profile.objects.update_or_create(user=responder, defaults={"time_zone": "Europe/Berlin"})
    report = a_sent_report(responder, org)
    with time_machine.travel(SENT + timedelta(hours=47, minutes=59), tick=False):
        assert followup.step()["overdue"] == []
    # the window ends on Sunday 25 October, 10:00 UTC: after the change to winter time in Berlin
    with time_machine.travel(SENT + timedelta(hours=48), tick=False):
        done = followup.step()
    report.refresh_from_db()
    assert done["overdue"] == [report.pk] and report.status == ReportStatus.OVERDUE
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "reply was due 2026-10-25 11:00 CET (UTC+01:00, Europe/Berlin)" in body
    assert "sent 2026-10-23 12:00 CEST (UTC+02:00, Europe/Berlin)" in body


def test_each_owner_gets_one_digest_for_all_newly_overdue_reports(responder, admin_user, org):
    mine = [a_sent_report(responder, org, message_id=f"<m{i}@x>") for i in range(3)]
    theirs = a_sent_report(admin_user, org, message_id="<t@x>")
    with time_machine.travel(SENT + timedelta(hours=49), tick=False):
        followup.step()
        followup.step()  # nothing new: nobody is reminded twice
    assert sorted(len(m.body.split("\n- [")) - 1 for m in mail.outbox) == [1, 3]
    assert {tuple(m.to) for m in mail.outbox} == {("rico@example.org",), ("ada@example.org",)}
    assert all(r.reminded_at for r in Report.objects.filter(pk__in=[r.pk for r in [*mine, theirs]]))


@pytest.mark.django_db(transaction=True)
def test_two_steps_at_once_send_one_reminder(responder, org):
    for i in range(5):
        a_sent_report(responder, org, message_id=f"<c{i}@x>")
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            with time_machine.travel(SENT + timedelta(hours=50), tick=False):
                results.append(followup.step())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(len(r["overdue"]) for r in results) in ([0, 5], [1, 4], [2, 3])
    assert sum(len(r["overdue"]) for r in results) == 5
    reminders = [m for m in mail.outbox if "overdue" in m.subject]
    assert sum(m.body.count("\n- [") for m in reminders) == 5  # each report in exactly one mail


def test_a_reply_arriving_between_two_steps_stops_the_reminder(responder, org):
    report = a_sent_report(responder, org)
    with time_machine.travel(SENT + timedelta(hours=47), tick=False):
        followup.step()
    ingest((f"From: jane@slow.example\r\nSubject: Re: {report.subject}\r\n"
            f"In-Reply-To: {report.message_id}\r\nMessage-ID: <reply@slow.example>\r\n\r\n"
            "We have taken the server offline.\r\n").encode())
    mail.outbox.clear()
    with time_machine.travel(SENT + timedelta(hours=49), tick=False):
        done = followup.step()
    report.refresh_from_db()
    assert report.status == ReportStatus.REPLIED and done["overdue"] == [] and mail.outbox == []


def test_a_snoozed_report_is_not_chased_until_the_snooze_ends(responder, org):
    report = a_sent_report(responder, org)
    Report.objects.filter(pk=report.pk).update(snoozed_until=SENT + timedelta(hours=72))
    with time_machine.travel(SENT + timedelta(hours=60), tick=False):
        assert followup.step()["overdue"] == []
    with time_machine.travel(SENT + timedelta(hours=73), tick=False):
        assert followup.step()["overdue"] == [report.pk]


def test_an_isp_that_allows_it_gets_one_threaded_follow_up_then_an_escalation(responder, org, settings):
    settings.ESCALATION_CERT_EMAIL = "cert@cert.example"
    Organisation.objects.filter(pk=org.pk).update(auto_follow_up=True, max_follow_ups=1)
    report = a_sent_report(responder, org)
    with time_machine.travel(SENT + timedelta(hours=49), tick=False):
        done = followup.step()
        followup.step()  # a second step in the same minute changes nothing
    report.refresh_from_db()
    assert done["followed_up"] == 1 and report.status == ReportStatus.FOLLOWED_UP
    assert report.followups_sent == 1
    follow_ups = [m for m in mail.outbox if m.to == ["abuse@slow.example"]]
    assert len(follow_ups) == 1
    sent = follow_ups[0].message()
    assert sent["In-Reply-To"] == "<r1@abusedesk.example.org>"
    assert sent["Subject"].startswith(f"Re: [{report.incident.reference}]")
    assert "> We saw 1200 failed SSH logins" in sent.get_body().get_content()
    assert Message.objects.filter(report=report, kind="follow_up").count() == 1
    # the new window passes too: follow-ups are used up, so the report escalates
    with time_machine.travel(SENT + timedelta(hours=49 + 48 + 1), tick=False):
        done = followup.step()
    report.refresh_from_db()
    assert report.status == ReportStatus.ESCALATED and done["escalated"] == 1
    draft = Report.objects.get(status=ReportStatus.DRAFT)
    assert draft.organisation.name == "National CERT" and draft.to_addresses == ["cert@cert.example"]
    assert "followed up 1 time(s)" in draft.body
    escalation = Event.objects.get(incident=report.incident, action="escalate")
    assert "National CERT" in escalation.summary and f"draft report {draft.pk}" in escalation.summary


def test_a_follow_up_the_mail_server_refuses_is_given_back_and_sent_by_the_next_step(
        responder, org, settings):
    Organisation.objects.filter(pk=org.pk).update(auto_follow_up=True, max_follow_ups=1)
    report = a_sent_report(responder, org)
    due = report.due_at
    with smtp_server() as (server, port):
        use_smtp(settings, port)
        server.rcpt_replies["abuse@slow.example"] = "451 4.3.0 Mailbox busy, try again later"
        with time_machine.travel(SENT + timedelta(hours=49), tick=False):
            done = followup.step()
        report.refresh_from_db()
        # nothing went out, nothing is counted: overdue as before, with the reason kept
        assert done["followed_up"] == 0 and report.status == ReportStatus.OVERDUE
        assert report.followups_sent == 0 and report.due_at == due
        assert report.last_error.startswith("follow-up failed:") and "451" in report.last_error
        assert not Message.objects.filter(report=report, kind="follow_up").exists()
        assert [r.rcpt_tos for r in server.messages()] == [["rico@example.org"]]  # the reminder
        del server.rcpt_replies["abuse@slow.example"]
        with time_machine.travel(SENT + timedelta(hours=49, minutes=1), tick=False):
            done = followup.step()
    report.refresh_from_db()
    assert done["followed_up"] == 1 and report.status == ReportStatus.FOLLOWED_UP
    assert report.followups_sent == 1 and report.last_error == ""
    assert report.due_at == SENT + timedelta(hours=49, minutes=1) + timedelta(hours=48)
    follow_ups = [r for r in server.messages() if r.rcpt_tos == ["abuse@slow.example"]]
    assert len(follow_ups) == 1 and follow_ups[0].message["In-Reply-To"] == "<r1@abusedesk.example.org>"
    assert Message.objects.filter(report=report, kind="follow_up").count() == 1
    # the owner was reminded once, at the first step, not again when the follow-up was given back
    assert sum(r.rcpt_tos == ["rico@example.org"] for r in server.messages()) == 1


def test_a_follow_up_refused_for_good_is_counted_and_not_tried_again(responder, org, settings):
    Organisation.objects.filter(pk=org.pk).update(auto_follow_up=True, max_follow_ups=2)
    report = a_sent_report(responder, org)
    with smtp_server() as (server, port):
        use_smtp(settings, port)
        server.rcpt_replies["abuse@slow.example"] = "550 5.1.1 No such mailbox"
        for minute in (0, 1, 2):
            with time_machine.travel(SENT + timedelta(hours=49, minutes=minute), tick=False):
                followup.step()
    report.refresh_from_db()
    assert report.status == ReportStatus.FOLLOWED_UP and report.followups_sent == 1
    assert "550" in report.last_error
    assert not Message.objects.filter(report=report, kind="follow_up").exists()


def test_an_isp_without_automatic_follow_up_is_only_reminded_about(responder, org):
    report = a_sent_report(responder, org)
    with time_machine.travel(SENT + timedelta(hours=49), tick=False):
        done = followup.step()
    report.refresh_from_db()
    assert report.status == ReportStatus.OVERDUE and done["followed_up"] == 0
    assert [m.to for m in mail.outbox] == [["rico@example.org"]]


def test_escalation_goes_to_the_upstream_networks_abuse_contact(responder, org, settings):
    from contacts.models import Network
    from incidents.models import Offender

    settings.ESCALATION_CERT_EMAIL = "cert@cert.example"  # not used: an upstream contact exists
    upstream = Organisation.objects.create(name="Big Transit")
    AbuseAddress.objects.create(organisation=upstream, email="abuse@bigtransit.example")
    parent = Network.objects.create(start="198.51.0.0", end="198.51.255.255", handle="BIG-16",
                                    organisation=upstream,
                                    expires_at=SENT + timedelta(days=3650))
    network = Network.objects.create(start="198.51.100.0", end="198.51.100.255", handle="SLOW-24",
                                     organisation=org, parent=parent)
    report = a_sent_report(responder, org)
    offender = Offender.objects.create(incident=report.incident, source="198.51.100.7",
                                       ip="198.51.100.7", network=network)
    report.offenders.add(offender)
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.OVERDUE)
    report.refresh_from_db()
    draft = followup.escalate(report, actor=responder)
    assert draft.organisation == upstream and draft.to_addresses == ["abuse@bigtransit.example"]
    assert list(draft.offenders.all()) == [offender] and draft.status == ReportStatus.DRAFT
    assert draft.message_id.startswith("<") and len(draft.reply_token) == 16  # previewable at once
    report.refresh_from_db()
    assert report.status == ReportStatus.ESCALATED
    assert "upstream network BIG-16" in Event.objects.get(action="escalate").summary
