"""A report's whole life: sent over SMTP, acknowledged over IMAP, chased, answered by a person.

Real servers on loopback: aiosmtpd receives what we send, pymap holds the abuse mailbox the
poller reads. The clock is moved with time-machine.
"""

import imaplib
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from contacts.models import Organisation
from replies import followup, imap
from reports import sending
from reports.models import Message, ReportStatus

from .sending_support import a_report, an_organisation, smtp_server, use_smtp
from .test_replies_imap import PASSWORD, USER, imap_server  # noqa: F401  (the pymap fixture)

pytestmark = pytest.mark.django_db
S = ReportStatus


@pytest.fixture
def servers(settings, imap_server):  # noqa: F811
    settings.REPORT_FROM = "abuse@desk.example.org"
    settings.DEFAULT_FROM_EMAIL = "abusedesk@desk.example.org"
    settings.REPORT_REPLY_TO = "abuse+{token}@desk.example.org"
    settings.IMAP_HOST, settings.IMAP_PORT, settings.IMAP_SECURITY = "127.0.0.1", imap_server, "plain"
    settings.IMAP_USER, settings.IMAP_PASSWORD = USER, PASSWORD
    settings.IMAP_FOLDER, settings.IMAP_PROCESSED_FOLDER = "INBOX", ""
    with smtp_server() as (smtp, port):
        use_smtp(settings, port)
        mailbox = imaplib.IMAP4("127.0.0.1", imap_server)
        mailbox.login(USER, PASSWORD)
        yield smtp, mailbox
        mailbox.logout()


def deliver(mailbox, raw: str) -> None:
    assert mailbox.append("INBOX", None, None, raw.replace("\n", "\r\n").encode())[0] == "OK"


def test_sent_acknowledged_chased_once_then_answered_by_a_person(servers, responder, client,
                                                                 monkeypatch):
    smtp, mailbox = servers
    monkeypatch.setattr(sending, "_enqueue", lambda pk, countdown=None: None)  # sent below
    org = an_organisation(window=24)
    Organisation.objects.filter(pk=org.pk).update(auto_follow_up=True, max_follow_ups=1)
    report = a_report(responder, organisation=org)
    reference = report.incident.reference

    # 1. sent over SMTP, once
    sending.report_queue(actor=responder, report=report)
    sending.report_send(report.pk)
    report.refresh_from_db()
    assert report.status == S.SENT and len(smtp.received) == 1
    sent_at = report.sent_at

    # 2. the ISP's ticket system acknowledges, over IMAP
    deliver(mailbox, f"""From: Transit Abuse Desk <abuse@transit.example>
To: abuse+{report.reply_token}@desk.example.org
Subject: [Ticket#2026112510000042] Re: [{reference}] SSH brute force
Message-ID: <ack-42@tickets.transit.example>
In-Reply-To: {report.message_id}
Auto-Submitted: auto-replied

Thank you. Your message has been received and assigned ticket number 2026112510000042.
""")
    assert imap.poll().stored == 1
    report.refresh_from_db()
    assert report.status == S.ACKNOWLEDGED and report.isp_ticket == "2026112510000042"

    # 3. the window passes: the owner is reminded once and the ISP followed up once
    with time_machine.travel(sent_at + timedelta(hours=24, minutes=1), tick=False):
        followup.step()
        followup.step()
    report.refresh_from_db()
    assert report.status == S.FOLLOWED_UP and report.followups_sent == 1
    to_owner = [r for r in smtp.received if "rico@example.org" in r.rcpt_tos]
    to_isp = [r for r in smtp.received if "abuse@transit.example" in r.rcpt_tos]
    assert len(to_owner) == 1 and "overdue" in to_owner[0].message["Subject"]
    assert len(to_isp) == 2  # the report, then one follow-up
    follow_up = to_isp[1].message
    assert follow_up["In-Reply-To"] == report.message_id
    assert follow_up["Subject"].startswith(f"Re: [{reference}]")
    assert "2026112510000042" in follow_up.get_content()  # their ticket, quoted back to them

    # 4. a person answers the follow-up
    deliver(mailbox, f"""From: Jane Roe <jane@transit.example>
To: abuse+{report.reply_token}@desk.example.org
Subject: Re: [{reference}] SSH brute force
Message-ID: <jane-1@transit.example>
In-Reply-To: {follow_up["Message-ID"]}
References: {report.message_id} {follow_up["Message-ID"]}

Hello, the customer's server was compromised; it is disconnected now.

Jane
""")
    with time_machine.travel(sent_at + timedelta(hours=30), tick=False):  # six hours later
        assert imap.poll().stored == 1
    report.refresh_from_db()
    assert report.status == S.REPLIED
    thread = list(report.messages.order_by("at", "id").values_list("direction", "kind"))
    assert thread == [("out", "report"), ("in", "auto_reply"), ("out", "follow_up"),
                      ("in", "human_reply")]
    told = [r for r in smtp.received if "rico@example.org" in r.rcpt_tos]
    assert len(told) == 2 and "disconnected now" in told[1].message.get_content()

    # the owner's page shows the whole thread and the state
    client.force_login(responder)
    page = client.get(report.incident.get_absolute_url()).content.decode()
    assert "Replied" in page and "ISP ticket" in page
    for message in Message.objects.filter(report=report):
        assert reverse("replies:message", args=[message.pk]) in page

    # nothing more goes out later: a replied report is not chased
    before = len(smtp.received)
    with time_machine.travel(sent_at + timedelta(days=5), tick=False):
        followup.step()
    assert len(smtp.received) == before
