"""Inbound mail classification rules (replies/classify.py), one rule per test.

Every message is built here with the standard library's email package, so each test shows exactly
which header or body line the rule relies on. No database is needed.
"""

import json
import time
from email.message import EmailMessage
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replies.classify import Classification, classify_message


def mail(body: str = "Hello,\n\nthanks.\n", **headers) -> bytes:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "Jane Admin <jane@isp.example>")
    msg["To"] = headers.pop("To", "abuse-reports@abusedesk.example")
    msg["Subject"] = headers.pop("Subject", "About your mail")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def dsn(recipients: list[tuple[str, str, str]], *, subject="Delivery Status Notification") -> bytes:
    """An RFC 3464 report with (address, action, status) per recipient, written out by hand
    (the email package cannot serialise a message/delivery-status part built from text)."""
    blocks = "\n".join(f"Final-Recipient: rfc822; {address}\nAction: {action}\nStatus: {status}\n"
                       f"Diagnostic-Code: smtp; {status} something\n"
                       for address, action, status in recipients)
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.isp.example>\n"
        "To: abuse-reports@abusedesk.example\n"
        f"Subject: {subject}\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\n\n'
        "--b1\nContent-Type: text/plain\n\nThis is the mail system at host mx.isp.example.\n\n"
        "--b1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.isp.example\n\n"
        f"{blocks}\n"
        "--b1\nContent-Type: text/rfc822-headers\n\n"
        "From: abusedesk@abusedesk.example\nSubject: [ABD-2026-0042] Abuse from 192.0.2.7\n"
        "Message-ID: <abd-2026-0042.1@abusedesk.example>\n\n--b1--\n"
    ).encode()


# --- auto-replies -------------------------------------------------------------------------------

def test_an_auto_submitted_auto_replied_mail_is_an_auto_reply():
    result = classify_message(mail(Auto_Submitted="auto-replied", Subject="Your message"))
    assert result.kind == "auto_reply"


def test_auto_submitted_no_is_a_person_writing():
    raw = mail(Auto_Submitted="no", Subject="Re: [ABD-2026-0042] Abuse from 192.0.2.7",
               body="We have suspended the customer.\n")
    assert classify_message(raw).kind == "human_reply"


def test_vendor_autoreply_headers_make_an_auto_reply():
    for header in ("X_Autoreply", "X_Autorespond"):
        assert classify_message(mail(Subject="Your mail", **{header: "yes"})).kind == "auto_reply"


def test_precedence_auto_reply_makes_an_auto_reply():
    assert classify_message(mail(Precedence="auto_reply")).kind == "auto_reply"


def test_precedence_bulk_on_an_answer_with_no_words_of_its_own_is_an_auto_reply():
    raw = mail(Precedence="bulk", Subject="Re: [ABD-2026-0042] Abuse", In_Reply_To="<a@b>", body="\n")
    assert classify_message(raw).kind == "auto_reply"


def test_x_auto_response_suppress_with_an_automated_notice_is_an_auto_reply():
    raw = mail(X_Auto_Response_Suppress="All", Subject="Re: Abuse from 192.0.2.7",
               body="This is an automated response. Please do not reply.\n")
    assert classify_message(raw).kind == "auto_reply"


def test_out_of_office_subjects_in_several_languages_are_auto_replies():
    for subject in ("Out of Office: Abuse from 192.0.2.7", "Automatic reply: [ABD-2026-0042]",
                    "Abwesenheitsnotiz: Ihre Nachricht", "Réponse automatique : abuse",
                    "AUTO: John Smith is out of the office", "Respuesta automática: abuse"):
        assert classify_message(mail(Subject=subject)).kind == "auto_reply", subject


def test_a_null_return_path_on_an_acknowledgement_is_an_auto_reply():
    raw = mail(Return_Path="<>", Subject="Thank you for your report",
               body="We have received your report.\n")
    assert classify_message(raw).kind == "auto_reply"


def test_a_challenge_response_request_is_an_auto_reply_not_a_bounce():
    raw = mail(From="noreply@challenge.example", Subject="Re: Abuse from 192.0.2.7",
               body="Your message has been held. Please verify that you are a human by clicking "
                    "the link below to be added to my approved senders list.\n")
    assert classify_message(raw).kind == "auto_reply"



def test_out_of_office_subjects_in_more_languages_and_without_diacritics_are_auto_replies():
    for subject in ("Arpus biroja atrasanas automatiska atbilde: abuse",  # Latvian, diacritics lost
                    "Automatická odpověď: Abuse", "Otomatik yanıt: Abuse", "Автоответ: Abuse",  # noqa: RUF001
                    "Automatyczna odpowiedz: abuse", "Automaattinen vastaus: Abuse"):
        assert classify_message(mail(Subject=subject)).kind == "auto_reply", subject


def test_a_protected_account_asking_to_be_added_to_its_allowed_list_is_an_auto_reply():
    raw = mail(From="jane@isp.example", Subject="RE: [ABD-2026-0042] Abuse",
               body="This account is protected by SafeMail. Please click on the following link to "
                    "have your address added to the recipient's allowed list.\n\n"
                    "https://safemail.example/verify/1234\n")
    assert classify_message(raw).kind == "auto_reply"


def test_a_dsn_asking_to_confirm_the_sending_server_is_a_challenge_not_a_bounce():
    raw = dsn([("abuse@isp.example", "failed", "5.0.0")]).replace(
        b"This is the mail system at host mx.isp.example.",
        b"550 Your server requires confirmation. Visit https://mx.isp.example/confirm to confirm "
        b"this mail server.")
    assert classify_message(raw).kind == "auto_reply"


def test_a_comment_relayed_by_a_list_or_forge_is_a_human_reply():
    raw = mail(From="Jane <notifications@forge.example>", Subject="Re: [ABD-2026-0042] Abuse",
               Precedence="list", List_Id="Abuse <abuse.forge.example>", In_Reply_To="<a@b>",
               body="Fixed.\n")
    assert classify_message(raw).kind == "human_reply"

# --- tickets and references ---------------------------------------------------------------------

def test_the_isp_ticket_number_is_taken_from_an_acknowledgement_subject():
    raw = mail(Auto_Submitted="auto-replied",
               Subject="[Ticket #12345] Re: [ABD-2026-0042] Abuse from 192.0.2.7")
    result = classify_message(raw)
    assert (result.kind, result.isp_ticket, result.report_reference) == (
        "auto_reply", "12345", "ABD-2026-0042")


def test_a_case_number_in_brackets_is_the_isp_ticket():
    raw = mail(Auto_Submitted="auto-replied", Subject="[Case 0123456] Your abuse report")
    assert classify_message(raw).isp_ticket == "0123456"


def test_an_sr_number_in_the_body_is_the_isp_ticket():
    raw = mail(Auto_Submitted="auto-replied", Subject="Re: [ABD-2026-0042] Abuse",
               body="Your request has been logged as SR-20261125-0042.\n")
    assert classify_message(raw).isp_ticket == "SR-20261125-0042"


def test_our_own_reference_is_never_taken_for_the_isp_ticket():
    raw = mail(Auto_Submitted="auto-replied", Subject="Re: Ticket ABD-2026-0042 abuse",
               body="Reference: ABD-2026-0042\n")
    result = classify_message(raw)
    assert (result.isp_ticket, result.report_reference) == (None, "ABD-2026-0042")


def test_our_reference_is_found_in_the_references_header():
    raw = mail(Subject="Re: your mail", References="<ABD-2026-0042.17@abusedesk.example>",
               body="Done, the server is cleaned.\n")
    result = classify_message(raw)
    assert (result.kind, result.report_reference) == ("human_reply", "ABD-2026-0042")


# --- human replies and unrelated mail -----------------------------------------------------------

def test_a_re_subject_from_a_person_is_a_human_reply():
    for subject in ("Re: Abuse from 192.0.2.7", "AW: Missbrauch", "SV: Misbruk", "RE: abuse"):
        assert classify_message(mail(Subject=subject)).kind == "human_reply", subject


def test_quoted_text_makes_a_human_reply_even_without_a_reply_subject():
    body = "We blocked him.\n\nOn Mon, 24 Nov 2026 at 10:00, AbuseDesk wrote:\n> Abuse from 192.0.2.7\n"
    assert classify_message(mail(Subject="Your report", body=body)).kind == "human_reply"


def test_a_newsletter_is_unrelated():
    raw = mail(From="news@shop.example", Subject="Our November offers", Precedence="bulk",
               List_Unsubscribe="<https://shop.example/unsubscribe>", body="Big sale this week!\n")
    assert classify_message(raw).kind == "unrelated"


# --- bounces ------------------------------------------------------------------------------------

def test_a_dsn_lists_each_failed_recipient_and_is_permanent_for_5xx():
    result = classify_message(dsn([("Abuse@ISP.example", "failed", "5.1.1"),
                                   ("noc@isp.example", "failed", "5.2.2")]))
    assert (result.kind, result.bounced_recipients, result.temporary) == (
        "bounce", ["abuse@isp.example", "noc@isp.example"], False)


def test_a_dsn_with_only_delayed_recipients_is_temporary():
    result = classify_message(dsn([("abuse@isp.example", "delayed", "4.4.7")]))
    assert (result.kind, result.bounced_recipients, result.temporary) == (
        "bounce", ["abuse@isp.example"], True)


def test_a_dsn_mixing_temporary_and_permanent_failures_is_not_temporary():
    result = classify_message(dsn([("a@isp.example", "delayed", "4.4.7"),
                                   ("b@isp.example", "failed", "5.1.1")]))
    assert (result.bounced_recipients, result.temporary) == (["a@isp.example", "b@isp.example"], False)


def test_a_dsn_that_only_reports_delivery_is_not_a_bounce():
    result = classify_message(dsn([("abuse@isp.example", "delivered", "2.0.0")]))
    assert (result.kind, result.bounced_recipients) == ("auto_reply", [])


def test_a_bounce_finds_our_reference_in_the_returned_headers():
    assert classify_message(dsn([("abuse@isp.example", "failed", "5.1.1")])).report_reference == (
        "ABD-2026-0042")


def test_a_qmail_bounce_names_the_recipient_in_angle_brackets():
    body = ("Hi. This is the qmail-send program at mx.isp.example.\n"
            "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
            "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
            "<abuse@isp.example>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n"
            "--- Below this line is a copy of the message.\n\nTo: abuse@isp.example\n"
            "From: reports@abusedesk.example\n")
    raw = mail(From="MAILER-DAEMON@mx.isp.example", Subject="failure notice", body=body)
    result = classify_message(raw)
    assert (result.kind, result.bounced_recipients, result.temporary) == (
        "bounce", ["abuse@isp.example"], False)


def test_an_exim_delay_warning_is_a_temporary_bounce():
    body = ("This message was created automatically by mail delivery software.\n"
            "A message that you sent has not yet been delivered to one or more of its\n"
            "recipients after more than 24 hours on the queue on mx.isp.example.\n\n"
            "The address to which the message has not yet been delivered is:\n\n"
            "  abuse@isp.example\n    Delay reason: mailbox is full\n\n"
            "No action is required on your part. Delivery attempts will continue for some time.\n")
    raw = mail(From="Mail Delivery System <Mailer-Daemon@mx.isp.example>",
               Subject="Warning: message 1abc-000 delayed 24 hours", body=body)
    result = classify_message(raw)
    assert (result.kind, result.bounced_recipients, result.temporary) == (
        "bounce", ["abuse@isp.example"], True)


def test_an_exchange_ndr_names_the_recipient_line_and_not_the_bounce_sender():
    body = ("Your message\n\n  To:      abuse@isp.example\n  Subject: Abuse\n\n"
            "did not reach the following recipient(s):\n\n"
            "abuse@isp.example on Tue, 25 Nov 2026 10:00:00 +0000\n"
            "    The e-mail account does not exist at the organization this message was sent to.\n"
            "    <mx.isp.example #5.1.1 smtp;550 5.1.1 User unknown>\n")
    raw = mail(From="System Administrator <postmaster@isp.example>",
               Subject="Undeliverable: Abuse", body=body)
    result = classify_message(raw)
    assert (result.kind, result.bounced_recipients, result.temporary) == (
        "bounce", ["abuse@isp.example"], False)



def test_an_x400_gateway_recipient_loses_its_smtp_prefix():
    body = ("Your message\n\n  To:      abuse@isp.example\n  Subject: Abuse\n\n"
            "did not reach the following recipient(s):\n\n"
            "c=US;a= ;p=ISP;o=Site;dda:SMTP=noc@isp.example; on Tue, 25 Nov 2026 10:00:00 +0000\n"
            "    The recipient name is not recognized\n")
    raw = mail(From="System Administrator <postmaster@isp.example>",
               Subject="Undeliverable: Abuse", body=body)
    result = classify_message(raw)
    assert (result.kind, result.bounced_recipients) == ("bounce", ["noc@isp.example"])


def test_a_recipient_after_a_reply_code_and_for_is_found():
    raw = mail(From="MAILER-DAEMON@mx.isp.example", Subject="failure notice",
               body="Sorry, unable to deliver your message for the following reason:\n\n"
                    " 552 Quota violation for abuse@isp.example\n\n"
                    "Questions? Write to helpdesk@isp.example.\n")
    result = classify_message(raw)
    assert (result.kind, result.bounced_recipients, result.temporary) == (
        "bounce", ["abuse@isp.example"], False)


def test_a_gateway_bounce_with_a_reply_subject_is_a_bounce():
    raw = mail(From="post_master@sms.isp.example", Subject="Re:[ABD-2026-0042] Abuse",
               In_Reply_To="<abd-2026-0042.1@abusedesk.example>",
               body="Error: Invalid user address\n\nError message below:\n"
                    "550 - Requested action not taken: no such user here\n\n"
                    "Message details:\n  RCPT TO: 5550100@sms.isp.example\n")
    result = classify_message(raw)
    assert (result.kind, result.bounced_recipients, result.report_reference) == (
        "bounce", ["5550100@sms.isp.example"], "ABD-2026-0042")


def test_a_bounce_notice_forwarded_under_a_re_subject_is_a_bounce():
    raw = mail(From="gateway@isp.example", Subject="RE: [ABD-2026-0042] Abuse : delivery failed",
               body="Your message could not be delivered to\nabuse@isp.example\n")
    result = classify_message(raw)
    assert (result.kind, result.bounced_recipients) == ("bounce", ["abuse@isp.example"])


def test_a_person_writing_about_a_failed_delivery_stays_a_human_reply():
    raw = mail(From="Jane Admin <jane@isp.example>", Subject="Re: [ABD-2026-0042] delivery failed",
               body="Hello,\n\nyour first report could not be delivered to our old address; "
                    "please write to abuse@isp.example from now on.\n")
    assert classify_message(raw).kind == "human_reply"


def test_a_sieve_rejection_sent_as_an_mdn_is_a_bounce():
    raw = (b"From: Mail Delivery Subsystem <admin@isp.example>\nTo: reports@abusedesk.example\n"
           b"Subject: Automatically rejected mail\nAuto-Submitted: auto-replied (rejected)\n"
           b"MIME-Version: 1.0\n"
           b'Content-Type: multipart/report; report-type=disposition-notification; boundary="b4"\n\n'
           b"--b4\nContent-Type: text/plain\n\nYour message to <abuse@isp.example> was "
           b"automatically rejected:\nQuota exceeded\n"
           b"--b4\nContent-Type: message/disposition-notification\n\n"
           b"Reporting-UA: mail; Dovecot Mail Delivery Agent\nFinal-Recipient: rfc822; abuse@isp.example\n"
           b"Disposition: automatic-action/MDN-sent-automatically; deleted\n\n--b4--\n")
    result = classify_message(raw)
    assert (result.kind, result.bounced_recipients, result.temporary) == (
        "bounce", ["abuse@isp.example"], False)


def test_a_dsn_forwarded_inside_another_message_is_read():
    inner = dsn([("abuse@isp.example", "failed", "5.1.1")]).decode()
    raw = ("From: postmaster@isp.example\nTo: reports@abusedesk.example\n"
           "Subject: Delivery Status Notification (Failure)\nMIME-Version: 1.0\n"
           'Content-Type: multipart/mixed; boundary="outer"\n\n'
           "--outer\nContent-Type: message/rfc822\n\n" + inner + "\n--outer--\n").encode()
    result = classify_message(raw)
    assert (result.kind, result.bounced_recipients, result.temporary) == (
        "bounce", ["abuse@isp.example"], False)


def test_a_multipart_part_that_lost_its_boundary_is_read_as_text():
    raw = (b"From: MAILER-DAEMON@mx.isp.example\nTo: reports@abusedesk.example\n"
           b"Subject: failure notice\nMIME-Version: 1.0\n"
           b'Content-Type: multipart/mixed; boundary="m1"\n\n'
           b"--m1\nContent-Type: multipart/alternative;\nboundary=\"m2\"\n\n"
           b"--m2\nContent-Type: text/plain\n\nDelivery to the following recipient failed "
           b"permanently:\n\n    abuse@isp.example\n\n--m2--\n\n--m1--\n")
    result = classify_message(raw)
    assert (result.kind, result.bounced_recipients) == ("bounce", ["abuse@isp.example"])


def test_a_notice_that_promises_more_delivery_attempts_is_temporary():
    raw = mail(From="Mail Gateway <gateway@isp.example>", Subject="Delivery failure notification",
               body="Your message could not be delivered to the following recipients:\n\n"
                    "abuse@isp.example\n\nPlease do not resend your original message.\n\n"
                    "Delivery attempts will continue to be made for 5 day(s).\n")
    result = classify_message(raw)
    assert (result.kind, result.bounced_recipients, result.temporary) == (
        "bounce", ["abuse@isp.example"], True)


def test_postfix_recipients_after_its_returned_message_sentence_are_read():
    raw = mail(From="MAILER-DAEMON@mx.isp.example (Mail Delivery System)",
               Subject="Undelivered Mail Returned to Sender",
               body="This is the mail system at host mx.isp.example.\n\n"
                    "I'm sorry to have to inform you that your message could not\n"
                    "be delivered to one or more recipients. It's attached below.\n\n"
                    "If you do so, please include this problem report. You can\n"
                    "delete your own text from the attached returned message.\n\n"
                    "                   The mail system\n\n"
                    "<abuse@isp.example>: host mx2.isp.example[192.0.2.9] said: 550 5.1.1\n"
                    "    mailbox unavailable (in reply to RCPT TO command)\n\n"
                    "Questions: helpdesk@isp.example\n")
    result = classify_message(raw)
    assert (result.kind, result.bounced_recipients, result.temporary) == (
        "bounce", ["abuse@isp.example"], False)

# --- abuse reports ------------------------------------------------------------------------------

def test_an_arf_feedback_report_is_an_abuse_report():
    raw = (b"From: fbl@mailbox.example\nSubject: Report\nMIME-Version: 1.0\n"
           b'Content-Type: multipart/report; report-type=feedback-report; boundary="b2"\n\n'
           b"--b2\nContent-Type: text/plain\n\nThis is an email abuse report.\n\n"
           b"--b2\nContent-Type: message/feedback-report\n\n"
           b"Feedback-Type: abuse\nUser-Agent: FBL/1.0\nVersion: 1\n\n--b2--\n")
    assert classify_message(raw).kind == "abuse_report"


def test_an_x_arf_header_makes_an_abuse_report():
    assert classify_message(mail(X_ARF="YES", Subject="abuse report about 192.0.2.7")).kind == (
        "abuse_report")


def test_an_attached_xarf_v4_json_makes_an_abuse_report():
    outer = MIMEMultipart()
    outer["From"] = "reports@cert.example"
    outer["Subject"] = "Notification"
    outer.attach(MIMEText("See attachment.\n"))
    report = MIMEBase("application", "json")
    report.set_payload(json.dumps({"xarf_version": "4.0.0", "category": "connection",
                                   "type": "login_attack", "source_identifier": "192.0.2.7"}))
    report.add_header("Content-Disposition", "attachment", filename="xarf.json")
    outer.attach(report)
    assert classify_message(outer.as_bytes()).kind == "abuse_report"


def test_bare_xarf_json_is_an_abuse_report_and_other_json_is_unrelated():
    assert classify_message(json.dumps({"Version": "3", "ReporterInfo": {}, "Report": {}}).encode()
                            ).kind == "abuse_report"
    assert classify_message(b'{"hello": "world"}').kind == "unrelated"


# --- robustness ---------------------------------------------------------------------------------

def test_a_message_with_no_headers_at_all_is_classified():
    result = classify_message(b"just some words\nand more words\n")
    assert isinstance(result, Classification) and result.kind == "unrelated"


def test_garbage_bytes_and_unknown_charsets_are_classified():
    assert classify_message(b"\x00\xff\xfe" * 1000).kind in ("unrelated", "human_reply")
    raw = (b"From: a@b.example\nSubject: =?x-unknown?B?zzz?=\nContent-Type: text/plain; "
           b"charset=x-no-such-charset\nContent-Transfer-Encoding: base64\n\n!!!not base64\xff\n")
    assert classify_message(raw).kind == "unrelated"


def test_a_huge_body_is_read_only_in_part():
    raw = mail(Subject="Re: abuse", body="x" * 20_000_000)
    assert classify_message(raw).kind == "human_reply"


def test_hostile_bodies_are_classified_in_bounded_time():
    for body in (b"a" * 3_000_000, b"a." * 1_500_000, b"<a@b.example>:\n" * 200_000, b">" * 3_000_000):
        started = time.monotonic()
        result = classify_message(b"From: MAILER-DAEMON@mx.example\nSubject: failure notice\n\n" + body)
        assert time.monotonic() - started < 10 and len(result.bounced_recipients) <= 100


def test_broken_mime_boundaries_are_classified():
    raw = (b"From: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail Returned to Sender\n"
           b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"nope\"\n\n"
           b"--wrong\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; x@y.example\n")
    assert classify_message(raw).kind == "bounce"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes_never_raise(data):
    assert classify_message(data).kind in (
        "human_reply", "auto_reply", "bounce", "abuse_report", "unrelated")


def test_a_sendmail_warning_is_temporary_and_reads_past_the_original_message_line():
    body = ("    **      THIS IS A WARNING MESSAGE ONLY      **\n\n"
            "The original message was received at Tue, 25 Nov 2026 10:00:00 GMT\n"
            "from host.example [192.0.2.1]\n\n"
            "   ----- Transcript of session follows -----\n"
            "<abuse@isp.example>... Deferred: Connection timed out with mx.isp.example.\n"
            "Warning: message still undelivered after 4 hours\n"
            "Will keep trying until message is 5 days old\n\n"
            "   ----- Original message follows -----\n"
            "To: abuse@isp.example, someone-else@other.example\nSubject: [ABD-2026-0042] Abuse\n")
    raw = mail(From="Mail Delivery Subsystem <MAILER-DAEMON@mx.example>",
               Subject="Warning: could not send message for past 4 hours", body=body)
    result = classify_message(raw)
    assert (result.kind, result.bounced_recipients, result.temporary, result.report_reference) == (
        "bounce", ["abuse@isp.example"], True, "ABD-2026-0042")


def test_an_automated_notification_that_answers_nothing_is_unrelated():
    raw = mail(From="Service <noreply@service.example>", Subject="New release v1.2",
               Precedence="list", Auto_Submitted="auto-generated",
               body="A new release is out. Do not reply to this email.\n")
    assert classify_message(raw).kind == "unrelated"


def test_a_read_receipt_is_an_auto_reply():
    raw = (b"From: jane@isp.example\nSubject: Read: [ABD-2026-0042] Abuse\nMIME-Version: 1.0\n"
           b'Content-Type: multipart/report; report-type=disposition-notification; boundary="b3"\n\n'
           b"--b3\nContent-Type: text/plain\n\nYour message was displayed.\n\n"
           b"--b3\nContent-Type: message/disposition-notification\n\n"
           b"Final-Recipient: rfc822; jane@isp.example\nDisposition: manual-action/MDN-sent-manually; "
           b"displayed\n\n--b3--\n")
    result = classify_message(raw)
    assert (result.kind, result.report_reference) == ("auto_reply", "ABD-2026-0042")


def test_auto_submitted_auto_generated_on_an_answer_is_an_auto_reply_even_with_prose():
    raw = mail(Auto_Submitted="auto-generated", Subject="Re: [ABD-2026-0042] Abuse from 192.0.2.7",
               body="Thank you for your report, our team will look into it within two days.\n")
    assert classify_message(raw).kind == "auto_reply"


def test_a_german_ndr_from_postmaster_names_the_recipient():
    raw = mail(From="Postmaster <postmaster@isp.example>",
               Subject="Unzustellbar: [ABD-2026-0042] Missbrauch",
               body="Ihre Nachricht konnte nicht zugestellt werden an folgende Empfänger:\n\n"
                    "  abuse@isp.example\n    550 5.1.1 Benutzer unbekannt\n")
    result = classify_message(raw)
    assert (result.kind, result.bounced_recipients, result.temporary, result.report_reference) == (
        "bounce", ["abuse@isp.example"], False, "ABD-2026-0042")


def test_a_vendor_abuse_notice_without_arf_markup_is_an_abuse_report():
    raw = mail(From="Abuse Team <abuse-reports@cert.example>",
               Subject="[Incident] Brute force attack from 198.51.100.23",
               body="Dear abuse team,\n\nwe observed SSH brute force attacks from 198.51.100.23 "
                    "against our honeypot.\n\nSource IP: 198.51.100.23\nEvents: 523\n")
    assert classify_message(raw).kind == "abuse_report"


def test_a_safe_browsing_style_notice_listing_addresses_is_an_abuse_report():
    raw = mail(From="Safe Browsing <noreply@search.example>",
               Subject="Safe Browsing Report for AS64512 on 2026-11-25",
               body='<notification_message asn="64512">\n <list type="0">\n'
                    '  <url_info url="http://shop.example/" ip="192.0.2.23" />\n </list>\n'
                    "</notification_message>\n")
    assert classify_message(raw).kind == "abuse_report"


def test_a_copyright_infringement_notice_is_an_abuse_report():
    raw = mail(From="Rights Agency <notices@rights.example>",
               Subject="Notice of copyright infringement from 198.51.100.23",
               body="We have observed infringing file sharing from 198.51.100.23 on your network.\n"
                    "Please forward this DMCA notice to your subscriber.\n")
    assert classify_message(raw).kind == "abuse_report"


def test_a_newsletter_with_a_copyright_footer_and_an_address_stays_unrelated():
    raw = mail(From="News <news@vendor.example>", Subject="Our November report",
               body="New features this month. Our status page lives at 203.0.113.5.\n\n"
                    "Copyright 2026 Vendor Inc.\n")
    assert classify_message(raw).kind == "unrelated"


def test_an_isp_answer_that_speaks_of_abuse_stays_a_human_reply():
    raw = mail(From="Abuse Team <abuse@isp.example>",
               Subject="Re: [ABD-2026-0042] Brute force attack from 198.51.100.23",
               body="Hello,\n\nthe customer behind 198.51.100.23 was compromised; the attack has "
                    "stopped and the server is offline.\n")
    assert classify_message(raw).kind == "human_reply"
