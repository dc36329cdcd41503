"""Inbound mail: store it once, classify it, file it on the report it answers, act on it.

``ingest`` is the one entry point, used by the IMAP poller and by ``manage.py ingest_email``.
It is idempotent: a message fetched twice is stored and acted on once (by Message-ID, or by the
SHA-256 of its bytes when it has none).

Filing, in order: the In-Reply-To and References headers (and, in a bounce, the quoted original's
Message-ID) against the Message-IDs we sent; then our reference (``ABD-YYYY-NNNN``) in the subject
or the quoted text; then the address the reply was sent to (our per-report Reply-To). Mail that
matches nothing stays unfiled, for a responder to file by hand or discard.
"""

import hashlib
import logging
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import Message as EmailMessage
from email.utils import getaddresses, parsedate_to_datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents.audit import audit_record
from reports.models import Message, Report

from .classify import Classification, classify_message
from .effects import apply_reply

log = logging.getLogger(__name__)

MAX_RAW_BYTES = 25 * 1024 * 1024  # larger mail is stored truncated, with a note in the log
_MSGID = re.compile(r"<[^<>\s]{1,250}>")
_REFERENCE = re.compile(r"\bABD-\d{4}-\d{4,}\b")


@dataclass
class Ingested:
    message: Message
    created: bool  # False: the same message had been stored before; nothing was done again


def _header(msg: EmailMessage, name: str) -> str:
    """A header as text, never raising on a malformed one; folded and CR/LF-free."""
    try:
        value = msg.get(name)
    except Exception:
        value = None
    if value is None:
        return ""
    return " ".join(str(value).split())[:2000]


def _message_ids(text: str) -> list[str]:
    return _MSGID.findall(text or "")


def _addresses(msg: EmailMessage, *names: str) -> list[str]:
    values = [_header(msg, n) for n in names]
    return [addr.lower() for _name, addr in getaddresses([v for v in values if v]) if "@" in addr]


def _quoted_message_ids(msg: EmailMessage) -> list[str]:
    """Message-IDs of an original quoted inside a bounce (message/rfc822, text/rfc822-headers)."""
    found: list[str] = []
    try:
        parts = list(msg.walk())
    except Exception:
        return found
    for part in parts[:50]:
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            try:
                payload = part.get_payload(decode=False)
                text = payload[0].as_string() if isinstance(payload, list) else str(payload)
            except Exception:  # an undecodable quoted part: no Message-ID to find there
                log.debug("quoted part of %s unreadable", ctype)
                continue
            m = re.search(r"(?im)^message-id:\s*(<[^>\s]+>)", text[:20000])
            if m:
                found.append(m.group(1))
    return found


def parse(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=policy.compat32)


def find_report(msg: EmailMessage, *, reference: str | None) -> tuple[Report | None, str]:
    """The report ``msg`` answers, and how it was found ('' when none)."""
    ids = _message_ids(_header(msg, "In-Reply-To")) + _message_ids(_header(msg, "References"))
    ids += _quoted_message_ids(msg)
    if ids:
        report = (Report.objects.filter(message_id__in=ids).order_by("-id").first()
                  or Report.objects.filter(messages__direction=Message.Direction.OUT,
                                           messages__message_id__in=ids).order_by("-id").first())
        if report is not None:
            return report, "thread"
    references = [reference] if reference else []
    references += _REFERENCE.findall(_header(msg, "Subject"))
    sender = _addresses(msg, "From", "Reply-To", "Sender")
    for ref in dict.fromkeys(references):
        candidates = list(Report.objects.filter(incident__reference=ref).exclude(
            status__in=["draft", "queued"]).select_related("organisation").order_by("-sent_at", "-id"))
        if not candidates:
            continue
        if len(candidates) == 1:
            return candidates[0], "reference"
        domains = {a.rsplit("@", 1)[1] for a in sender}
        for report in candidates:  # several ISPs got this incident: the one whose domain wrote
            if domains & {a.lower().rsplit("@", 1)[-1] for a in report.to_addresses}:
                return report, "reference"
        return candidates[0], "reference"
    report = _by_reply_address(_addresses(msg, "To", "Cc", "Delivered-To", "X-Original-To",
                                          "Envelope-To"))
    if report is not None:
        return report, "address"
    return None, ""


def _by_reply_address(addresses: list[str]) -> Report | None:
    """Our per-report Reply-To: ``local+TOKEN@domain``; the token is the report's reply token."""
    tokens = [a.split("@", 1)[0].split("+", 1)[1] for a in addresses if "+" in a.split("@", 1)[0]]
    if not tokens:
        return None
    return Report.objects.filter(reply_token__in=tokens).first()


def _when(msg: EmailMessage):
    try:
        at = parsedate_to_datetime(_header(msg, "Date"))
    except (TypeError, ValueError, IndexError):
        return timezone.now()
    if at is None or at.tzinfo is None:
        return timezone.now()
    return at


def ingest(raw: bytes, *, source: str = "pipe") -> Ingested:
    """Store, classify, file and act on one inbound message. Safe to call twice with the same bytes."""
    raw = raw[:MAX_RAW_BYTES]
    msg = parse(raw)
    message_id = (_message_ids(_header(msg, "Message-ID")) or [""])[0][:255]
    digest = hashlib.sha256(raw).hexdigest()
    existing = _existing(message_id, digest)
    if existing is not None:
        return Ingested(existing, created=False)
    result = classify_message(raw)
    report, how = find_report(msg, reference=result.report_reference)
    try:
        with transaction.atomic():
            message = Message.objects.create(
                report=report, direction=Message.Direction.IN, kind=result.kind,
                message_id=message_id, in_reply_to=_header(msg, "In-Reply-To")[:255],
                subject=_header(msg, "Subject")[:500], from_address=_header(msg, "From")[:320],
                to_addresses=_addresses(msg, "To", "Cc")[:50], raw=raw, at=_when(msg),
                digest=digest, classification=result.as_json(), filed_how=how,
            )
            if report is not None:
                audit_record(actor=None, action="reply", obj=report, incident=report.incident,
                             summary=f"{message.get_kind_display()} filed on the report to "
                                     f"{report.organisation} (by {how}, via {source})")
                apply_reply(report, message, result)
    except IntegrityError:  # the same message, stored by a concurrent delivery a moment ago
        existing = _existing(message_id, digest)
        if existing is None:
            raise
        return Ingested(existing, created=False)
    log.info("inbound %s (%s) %s", message.pk, result.kind,
             f"filed on report {report.pk} by {how}" if report else "unfiled")
    return Ingested(message, created=True)


def _existing(message_id: str, digest: str) -> Message | None:
    inbound = Message.objects.filter(direction=Message.Direction.IN)
    if message_id:
        return inbound.filter(message_id=message_id).first()
    return inbound.filter(message_id="", digest=digest).first()


@transaction.atomic
def file_by_hand(*, actor, message: Message, report: Report) -> None:
    """A responder files an unfiled message on a report; what it says then takes effect."""
    message.report, message.filed_how, message.filed_by = report, "manual", actor
    message.save(update_fields=["report", "filed_how", "filed_by"])
    audit_record(actor=actor, action="file", obj=report, incident=report.incident,
                 summary=f"Filed '{message.subject[:120]}' ({message.get_kind_display()}) by hand")
    known = {k: v for k, v in (message.classification or {}).items()
             if k in Classification.__dataclass_fields__}
    apply_reply(report, message, Classification(**known))


@transaction.atomic
def discard(*, actor, message: Message) -> None:
    message.discarded_at, message.discarded_by = timezone.now(), actor
    message.save(update_fields=["discarded_at", "discarded_by"])
    audit_record(actor=actor, action="discard", obj=message,
                 summary=f"Discarded unfiled mail '{message.subject[:120]}' from "
                         f"{message.from_address[:80]}")
