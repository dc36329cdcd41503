"""Inbound mail is stored once, filed on the report it answers, and acted on by its kind."""

import subprocess
import sys
from datetime import timedelta
from email.message import EmailMessage

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from contacts.models import AbuseAddress, Organisation
from incidents.models import Event
from replies.inbound import ingest
from reports.models import Message, Report, ReportStatus

from .factories import an_incident

pytestmark = pytest.mark.django_db
OUR_ID = "<report-1.abd@abusedesk.example.org>"


@pytest.fixture
def sent_report(responder):
    incident = an_incident(responder)
    org = Organisation.objects.create(name="Example Transit", reply_window_hours=48)
    AbuseAddress.objects.create(organisation=org, email="abuse@transit.example")
    AbuseAddress.objects.create(organisation=org, email="noc@transit.example")
    now = timezone.now()
    return Report.objects.create(
        incident=incident, organisation=org, status=ReportStatus.SENT,
        to_addresses=["abuse@transit.example"], subject=f"[{incident.reference}] SSH brute force",
        message_id=OUR_ID, reply_token="k3y9t0ken", sent_at=now, due_at=now + timedelta(hours=48))


def a_mail(*, subject="Re: your report", body="Hello,\nwe have suspended the customer.\n",
           headers=None, sender="Jane Doe <jane@transit.example>", to="abuse@abusedesk.example.org"):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Message-ID"] = f"<{abs(hash((subject, body, str(headers))))}@transit.example>"
    msg["Date"] = "Wed, 25 Nov 2026 08:00:00 +0100"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


def test_a_human_reply_threaded_on_our_report_marks_it_replied_and_tells_the_owner(sent_report):
    raw = a_mail(headers={"In-Reply-To": OUR_ID, "References": OUR_ID})
    outcome = ingest(raw)
    assert outcome.created and outcome.message.report == sent_report
    assert outcome.message.filed_how == "thread" and outcome.message.kind == "human_reply"
    sent_report.refresh_from_db()
    assert sent_report.status == ReportStatus.REPLIED
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["rico@example.org"]
    assert "we have suspended the customer" in mail.outbox[0].body
    assert sent_report.incident.reference in mail.outbox[0].subject
    assert Event.objects.filter(incident=sent_report.incident, action="reply").count() == 1


def test_the_same_message_fetched_twice_is_filed_once(sent_report):
    raw = a_mail(headers={"In-Reply-To": OUR_ID})
    assert ingest(raw).created is True
    again = ingest(raw)
    assert again.created is False
    assert Message.objects.filter(direction="in").count() == 1
    assert len(mail.outbox) == 1  # the owner is told once


def test_a_message_without_message_id_is_recognised_by_its_bytes(sent_report):
    raw = b"Subject: [" + sent_report.incident.reference.encode() + b"] thanks\r\n\r\nWe are on it.\r\n"
    first, second = ingest(raw), ingest(raw)
    assert first.created and not second.created and first.message.pk == second.message.pk
    assert first.message.report == sent_report and first.message.filed_how == "reference"


def test_an_auto_acknowledgement_keeps_the_isp_ticket_and_the_clock_running(sent_report):
    due = sent_report.due_at
    raw = a_mail(subject=f"[Ticket#2026112510000123] Re: [{sent_report.incident.reference}] SSH",
                 body="This is an automatic reply. Your ticket number is 2026112510000123.\n",
                 headers={"Auto-Submitted": "auto-replied", "In-Reply-To": OUR_ID},
                 sender="abuse@transit.example")
    outcome = ingest(raw)
    sent_report.refresh_from_db()
    assert outcome.message.kind == "auto_reply"
    assert sent_report.status == ReportStatus.ACKNOWLEDGED
    assert sent_report.isp_ticket == "2026112510000123"
    assert sent_report.due_at == due
    assert mail.outbox == []  # never answered, nobody bothered


def test_a_permanent_bounce_marks_the_report_and_takes_the_address_out_of_use(sent_report):
    dsn = (
        "From: MAILER-DAEMON@mx.transit.example\r\nTo: abuse@abusedesk.example.org\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-1@mx.transit.example>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; "
        'boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n'
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.transit.example"
        "\r\n\r\nFinal-Recipient: rfc822; abuse@transit.example\r\nAction: failed\r\n"
        "Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {OUR_ID}\r\nSubject: [{sent_report.incident.reference}] SSH brute force\r\n"
        "\r\n--B--\r\n").encode()
    outcome = ingest(dsn)
    sent_report.refresh_from_db()
    assert outcome.message.kind == "bounce" and outcome.message.report == sent_report
    assert outcome.message.filed_how == "thread"
    assert sent_report.status == ReportStatus.BOUNCED
    bounced = AbuseAddress.objects.get(email="abuse@transit.example")
    assert bounced.bounce_permanent and not bounced.usable
    assert AbuseAddress.objects.get(email="noc@transit.example").usable
    assert "noc@transit.example" in mail.outbox[0].body  # the owner is offered the next address


def test_a_reply_to_our_plus_address_is_filed_by_its_token(sent_report):
    raw = a_mail(subject="About the attacks", to="abuse+k3y9t0ken@abusedesk.example.org",
                 body="Hi, which customer do you mean?\n")
    outcome = ingest(raw)
    assert outcome.message.report == sent_report and outcome.message.filed_how == "address"


def test_mail_that_matches_nothing_lands_unfiled_and_a_responder_files_it(client, sent_report, responder):
    raw = a_mail(subject="Question", body="Hello, is this about our customer?\n",
                 sender="someone@elsewhere.example")
    outcome = ingest(raw)
    assert outcome.message.report is None
    client.force_login(responder)
    page = client.get(reverse("replies:unfiled")).content.decode()
    assert "Question" in page and "someone@elsewhere.example" in page
    client.post(reverse("replies:file", args=[outcome.message.pk]),
                {"action": "file", "report": sent_report.pk})
    outcome.message.refresh_from_db()
    assert outcome.message.report == sent_report and outcome.message.filed_how == "manual"
    assert outcome.message.filed_by == responder
    assert Event.objects.filter(action="file", actor=responder).exists()
    assert "Question" not in client.get(reverse("replies:unfiled")).content.decode()


def test_a_discarded_message_leaves_the_inbox_but_stays_in_the_audit_trail(client, responder):
    outcome = ingest(a_mail(subject="Newsletter", sender="news@shop.example"))
    client.force_login(responder)
    client.post(reverse("replies:file", args=[outcome.message.pk]), {"action": "discard"})
    outcome.message.refresh_from_db()
    assert outcome.message.discarded_by == responder
    assert Event.objects.filter(action="discard", actor=responder).exists()
    assert "Newsletter" not in client.get(reverse("replies:unfiled")).content.decode()


def test_a_message_with_no_headers_is_stored_not_lost():
    outcome = ingest(b"just some words with no header at all\n")
    assert outcome.created and outcome.message.report is None
    assert bytes(outcome.message.raw) == b"just some words with no header at all\n"


def test_the_stored_message_is_shown_as_text_never_as_html(client, viewer):
    outcome = ingest(a_mail(subject="Hi", body="<script>alert(1)</script>\n"))
    client.force_login(viewer)
    page = client.get(reverse("replies:message", args=[outcome.message.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_ingest_email_reads_stdin_and_says_where_the_message_went(sent_report, capsys, monkeypatch):
    import io

    raw = a_mail(headers={"In-Reply-To": OUR_ID})
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    call_command("ingest_email", "-")
    out = capsys.readouterr().out
    assert out.startswith("stored: message") and f"filed on report {sent_report.pk} (thread)" in out


def test_ingest_email_exits_75_when_the_message_cannot_be_stored(tmp_path):
    path = tmp_path / "m.eml"
    path.write_bytes(a_mail())
    # a database that is not there: the mail server must keep the message and retry
    env = {"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "PATH": "/usr/bin:/bin",
           "ABUSEDESK_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "manage.py", "ingest_email", str(path)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 75, done.stderr
    assert "could not store the message" in done.stderr
