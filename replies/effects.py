"""What a filed reply does to its report, and whom it tells.

- auto-reply: the report is acknowledged and the ISP's ticket number kept; the reply clock keeps
  running. An auto-reply is never answered.
- human reply: the report is replied; the incident's owner gets the reply and a link.
- bounce: a permanent failure makes the report bounced and takes the address out of use until an
  admin clears it; a temporary one (a delay warning) is noted on the address. The owner is told,
  with the contact's other addresses and the way to escalate upstream.

Every status change is a compare-and-set move, so a reply racing the scheduler loses nothing.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from contacts.models import AbuseAddress
from reports.models import Message, Report, ReportStatus

log = logging.getLogger(__name__)
S = ReportStatus


def _move(report: Report, new: str, **changes) -> bool:
    """Move from whatever status the report is in now, if the table allows it; re-read once."""
    for _ in range(2):
        if not Report.may_move(report.status, new):
            return False
        if report.move(report.status, new, **changes):
            return True
        report.refresh_from_db()
    return False


def apply_reply(report: Report, message: Message, result) -> None:
    kind = result.kind
    if kind == Message.Kind.AUTO_REPLY:
        changes = {"isp_ticket": result.isp_ticket[:100]} if result.isp_ticket else {}
        if report.status == S.ACKNOWLEDGED and changes:
            Report.objects.filter(pk=report.pk).update(**changes)
        else:
            _move(report, S.ACKNOWLEDGED, **changes)
    elif kind == Message.Kind.HUMAN_REPLY:
        changes = {"isp_ticket": result.isp_ticket[:100]} if result.isp_ticket and not report.isp_ticket \
            else {}
        if report.status != S.REPLIED:
            _move(report, S.REPLIED, **changes)
        _tell_owner(report, f"[{report.incident.reference}] {report.organisation} replied",
                    "The abuse desk of {org} answered our report {ref}.\n\n"
                    "From: {sender}\nSubject: {subject}\n\n{body}\n\nThe whole thread: {link}\n",
                    message)
    elif kind == Message.Kind.BOUNCE:
        _bounce(report, message, result)


def _bounce(report: Report, message: Message, result) -> None:
    failed = [a.lower() for a in result.bounced_recipients] or [a.lower() for a in report.to_addresses]
    now = timezone.now()
    addresses = AbuseAddress.objects.filter(organisation=report.organisation, email__in=failed)
    if result.temporary:
        addresses.update(bounced_at=now)
    else:
        addresses.update(bounced_at=now, bounce_permanent=True)
        _move(report, S.BOUNCED)
    others = list(AbuseAddress.objects.filter(organisation=report.organisation,
                                              bounce_permanent=False).exclude(email__in=failed)
                  .values_list("email", flat=True))
    advice = (f"Other addresses of {report.organisation}: {', '.join(others)}." if others else
              f"{report.organisation} has no other usable abuse address: escalate to the upstream "
              f"network from the report page.")
    what = "was delayed (the server keeps trying)" if result.temporary else "bounced"
    _tell_owner(report, f"[{report.incident.reference}] report to {report.organisation} {what}",
                "Our report {ref} to {org} " + what + ".\nFailed: " + (", ".join(failed) or "?")
                + "\n" + advice + "\n\nThe report: {link}\n", message)


def _tell_owner(report: Report, subject: str, template: str, message: Message) -> None:
    owner = report.incident.owner
    if not owner.email:
        log.warning("owner of %s has no email address; not told about message %s",
                    report.incident.reference, message.pk)
        return
    body = template.format(org=report.organisation, ref=report.incident.reference,
                           sender=message.from_address, subject=message.subject,
                           body=_text_of(message)[:8000],
                           link=f"{settings.SITE_URL}{report.incident.get_absolute_url()}")
    mail = EmailMessage(subject=" ".join(subject.split())[:200], body=body, to=[owner.email],
                        headers={"Auto-Submitted": "auto-generated"})
    try:
        mail.send()
    except OSError as exc:  # the reply is filed either way; the notice is best effort
        log.error("could not tell %s about message %s: %s", owner.email, message.pk, exc)


def _text_of(message: Message) -> str:
    """The first text/plain part of a stored message, decoded leniently."""
    from .inbound import parse

    msg = parse(bytes(message.raw))
    for part in msg.walk():
        if part.get_content_type() == "text/plain" and not part.is_multipart():
            payload = part.get_payload(decode=True) or b""
            charset = part.get_content_charset() or "utf-8"
            try:
                return payload.decode(charset, errors="replace")
            except LookupError:
                return payload.decode("utf-8", errors="replace")
    return ""
