"""Outgoing mail: a report as MIME bytes, and handing bytes to the SMTP server.

No field reaches a header unchecked. Free text (subject, organisation name, attachment names) is
neutralised: control characters, CR and LF included, become spaces. Addresses are refused when
they are not plain ``local@domain`` (a CR, LF, comma or angle bracket could smuggle in another
recipient or header). The ``email`` package's own refusal of CR/LF in header values stays as a
second net.

Errors from the mail server are sorted by what they mean for the outbox:
``TransientSendError``: nothing was accepted, trying again later is safe (4xx, refused or broken
connections before the message was handed over); ``PermanentSendError``: the server said no for
good (5xx); ``UncertainSendError``: the connection broke while the message itself was on its way,
so the server may or may not have it. Only a human may decide to send that one again.
"""

import contextlib
import re
import smtplib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import EmailMessage as DjangoEmailMessage

# RFC 5321 lines end in CRLF; 7-bit content means no server needs 8BITMIME.
POLICY = policy.SMTP.clone(cte_type="7bit")
# Written out, headers fold only beyond 998 characters (RFC 5322's hard limit; bodies were encoded
# at 76 already): a subject of up to 250 stays on one line. Folded right after "Subject:", it reads
# back with a leading space in some parsers, and ticket systems look for our reference at its start.
WIRE = POLICY.clone(max_line_length=998)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
# Deliberately narrower than RFC 5322: what abuse desks use, and nothing a header could trip on.
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
                      r"@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
_CONTENT_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}")


class InvalidAddress(ValueError):
    """An address that must not reach a header or an SMTP envelope."""


class SendError(Exception):
    """The mail server's answer (or the lack of one), as shown on the report page."""


class TransientSendError(SendError):
    pass


class PermanentSendError(SendError):
    pass


class UncertainSendError(SendError):
    pass


def one_line(text: str, limit: int = 300) -> str:
    """Free text made safe for a header: control characters become one space."""
    return _CONTROL.sub(" ", text or "").strip()[:limit]


def checked_address(value: str, what: str) -> str:
    value = (value or "").strip()
    if not _ADDRESS.fullmatch(value) or ".." in value:
        raise InvalidAddress(f"{what} is not a usable email address: {value!r}")
    return value


def domain_of(address: str) -> str:
    return checked_address(address, "REPORT_FROM").rsplit("@", 1)[1].lower()


def new_message_id() -> str:
    """A fresh Message-ID under our own domain (the domain of REPORT_FROM)."""
    return make_msgid(domain=domain_of(settings.REPORT_FROM))


def reply_to_address(token: str) -> str:
    template = settings.REPORT_REPLY_TO or settings.REPORT_FROM
    return checked_address(template.replace("{token}", token), "REPORT_REPLY_TO")


def subject_with_reference(subject: str, reference: str) -> str:
    """Our reference leads the subject, once: ``[ABD-2026-0042] ...``."""
    subject = one_line(subject, limit=250)
    tag = f"[{reference}]"
    return subject if subject.startswith(tag) else f"{tag} {subject}".rstrip()


@dataclass
class Outgoing:
    """A message ready for the wire: the exact bytes and the SMTP envelope."""

    raw: bytes
    envelope_from: str
    recipients: list[str]
    message_id: str
    subject: str
    shown_to: list[str] = field(default_factory=list)  # To and Cc (Bcc stays out of the bytes)


def build_report_message(report, *, date: datetime) -> Outgoing:
    """The report as it goes out, byte for byte, for a given Date.

    Deterministic for a given report and date (the multipart boundary derives from the report's
    idempotency key), so a message whose sending was interrupted can be rebuilt exactly.
    Human-approved reports carry no ``Auto-Submitted``: it would suppress the abuse desk's own
    ticket acknowledgement.
    """
    sender = checked_address(settings.REPORT_FROM, "REPORT_FROM")
    to = [checked_address(a, "A recipient") for a in report.to_addresses]
    if not to:
        raise InvalidAddress("The report has no recipient.")
    cc = [sender] if settings.REPORT_CC_SENDER else []
    bcc = ([checked_address(settings.REPORT_BCC_ARCHIVE, "REPORT_BCC_ARCHIVE")]
           if settings.REPORT_BCC_ARCHIVE else [])
    if not report.message_id or not report.reply_token:
        raise ValueError("A report gets its Message-ID and reply token when it is queued.")

    msg = EmailMessage(policy=POLICY)
    msg["Subject"] = subject_with_reference(report.subject, report.incident.reference)
    msg["From"] = Address(addr_spec=sender)
    organisation = one_line(report.organisation.name, limit=100)
    msg["To"] = [Address(display_name=organisation, addr_spec=a) for a in to]
    if cc:
        msg["Cc"] = [Address(addr_spec=a) for a in cc]
    msg["Reply-To"] = Address(addr_spec=reply_to_address(report.reply_token))
    msg["Date"] = format_datetime(date.astimezone(UTC))
    msg["Message-ID"] = report.message_id
    msg.set_content(report.body or "", cte="quoted-printable")
    for attachment in report.attachments.all():
        content_type = attachment.content_type.strip().lower()
        if not _CONTENT_TYPE.fullmatch(content_type):
            content_type = "application/octet-stream"
        maintype, subtype = content_type.split("/", 1)
        # Bytes, base64-encoded: every attachment arrives byte for byte as previewed.
        msg.add_attachment(bytes(attachment.data), maintype=maintype, subtype=subtype,
                           filename=one_line(attachment.name, limit=200) or "attachment")
    if msg.is_multipart():
        # "=_" cannot occur in base64 or quoted-printable text: the boundary never collides.
        msg.set_boundary(f"=_abusedesk_{report.idempotency_key.hex}")
    raw = msg.as_bytes(policy=WIRE)
    return Outgoing(raw=raw, envelope_from=sender, recipients=to + cc + bcc,
                    message_id=report.message_id, subject=str(msg["Subject"]), shown_to=to + cc)


def build_test_message(recipient: str, *, date: datetime) -> Outgoing:
    sender = checked_address(settings.REPORT_FROM, "REPORT_FROM")
    recipient = checked_address(recipient, "The recipient")
    msg = EmailMessage(policy=POLICY)
    msg["Subject"] = "AbuseDesk test email"
    msg["From"] = Address(addr_spec=sender)
    msg["To"] = Address(addr_spec=recipient)
    msg["Date"] = format_datetime(date.astimezone(UTC))
    msg["Message-ID"] = new_message_id()
    msg.set_content("This is a test email from AbuseDesk. Its arrival shows that the outgoing mail "
                    "settings work.\n", cte="quoted-printable")
    return Outgoing(raw=msg.as_bytes(policy=WIRE), envelope_from=sender, recipients=[recipient],
                    message_id=str(msg["Message-ID"]), subject=str(msg["Subject"]),
                    shown_to=[recipient])


def _answer(code: int, text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {one_line(str(text), limit=1000)}"


def _by_code(code: int, answer: str) -> SendError:
    if 400 <= code < 500:
        return TransientSendError(answer)
    return PermanentSendError(answer)


class _RawEmail(DjangoEmailMessage):
    """Our prepared bytes, for Django's non-SMTP backends (console, file, locmem)."""

    def __init__(self, outgoing: Outgoing):
        super().__init__(subject=outgoing.subject, from_email=outgoing.envelope_from,
                         to=outgoing.recipients)
        self.outgoing = outgoing

    def message(self, *args, **kwargs):  # the bytes are made already
        from email import message_from_bytes

        return message_from_bytes(self.outgoing.raw, policy=POLICY)

    def recipients(self):
        return self.outgoing.recipients


def transmit(outgoing: Outgoing) -> dict[str, str]:
    """Hand the bytes to the mail server; returns the recipients it refused while accepting others.

    Raises TransientSendError, PermanentSendError or UncertainSendError (see the module text).
    """
    backend = get_connection(fail_silently=False)
    if not isinstance(backend, SMTPBackend):
        backend.send_messages([_RawEmail(outgoing)])
        return {}
    stage = "connect"
    try:
        backend.open()
        conn = backend.connection
        stage = "envelope"
        conn.ehlo_or_helo_if_needed()
        code, text = conn.mail(outgoing.envelope_from)
        if code != 250:
            raise _by_code(code, _answer(code, text))
        refused = {}
        for rcpt in outgoing.recipients:
            code, text = conn.rcpt(rcpt)
            if code not in (250, 251):
                refused[rcpt] = (code, _answer(code, text))
        if len(refused) == len(outgoing.recipients):
            answers = "; ".join(f"{r}: {a}" for r, (_, a) in refused.items())
            if any(400 <= c < 500 for c, _ in refused.values()):
                raise TransientSendError(answers)
            raise PermanentSendError(answers)
        stage = "data"
        code, text = conn.data(outgoing.raw)
        if code != 250:
            raise _by_code(code, _answer(code, text))
        return {rcpt: answer for rcpt, (_, answer) in refused.items()}
    except smtplib.SMTPResponseException as exc:  # a reply code: the server decided
        raise _by_code(exc.smtp_code, _answer(exc.smtp_code, exc.smtp_error)) from exc
    except (smtplib.SMTPException, OSError) as exc:  # timeouts and SSL errors are OSErrors
        # No reply code: the connection failed. Before the message was on its way, nothing was
        # delivered; once it was, the server may have it.
        what = f"{type(exc).__name__}: {one_line(str(exc), limit=500) or 'no answer'}"
        if stage == "data":
            raise UncertainSendError(f"The connection broke while the message was being sent "
                                     f"({what}); the server may or may not have accepted it.") from exc
        raise TransientSendError(what) from exc
    finally:
        # The outcome is decided already; a failed QUIT changes nothing.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            backend.close()


def now_utc() -> datetime:
    return datetime.now(UTC)
