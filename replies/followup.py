"""The follow-up scheduler: one step, run by Celery beat every minute.

1. Reports past their due date with no human reply become ``overdue`` (compare-and-set: when two
   steps run at once, each report is moved by one of them).
2. Each owner gets one reminder per step listing all their newly overdue reports, with times in
   the owner's zone. A report's reminder is claimed with a conditional UPDATE on ``reminded_at``
   before the mail goes out, so two steps never remind twice.
3. Contacts that allow it get an automatic follow-up mail (quoting our report, threaded on it)
   up to their maximum; after that an escalation draft goes to the upstream network's abuse
   contact (or the configured national CERT), sent automatically only where the contact allows.

Due dates live in the database; nothing here depends on long Celery countdowns.
"""

import logging
import secrets
from collections import defaultdict
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from contacts.models import AbuseAddress, Organisation
from core.models import Profile
from core.timezones import format_with_zone
from incidents.audit import audit_record
from reports.mail import (
    Outgoing,
    SendError,
    TransientSendError,
    new_message_id,
    reply_to_address,
    subject_with_reference,
    transmit,
)
from reports.models import Message, Report, ReportStatus

log = logging.getLogger(__name__)
S = ReportStatus
UTC = ZoneInfo("UTC")
WAITING = (S.SENT, S.ACKNOWLEDGED, S.FOLLOWED_UP)


def step(now=None) -> dict:
    """One scheduler run. Returns what it did, for the log and the tests."""
    now = now or timezone.now()
    overdue = mark_overdue(now)
    reminded = send_reminders(now)
    followed = send_follow_ups(now)
    escalated = escalate_exhausted(now)
    return {"overdue": overdue, "reminded": reminded, "followed_up": followed, "escalated": escalated}


def mark_overdue(now) -> list[int]:
    due = (Report.objects.filter(status__in=WAITING, due_at__lte=now)
           .filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=now)))
    moved = []
    for report in due.only("pk", "status"):
        if report.move(report.status, S.OVERDUE, reminded_at=None):
            moved.append(report.pk)
    return moved


def send_reminders(now) -> int:
    """One digest per owner of the overdue reports not yet reminded. Returns the mails sent."""
    pending = (Report.objects.filter(status=S.OVERDUE, reminded_at__isnull=True)
               .filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=now)))
    claimed: dict[int, list[Report]] = defaultdict(list)
    for report in pending.select_related("incident__owner", "organisation"):
        # the claim: only the step whose UPDATE changes the row mails about it
        if Report.objects.filter(pk=report.pk, reminded_at__isnull=True).update(reminded_at=now):
            claimed[report.incident.owner_id].append(report)
    sent = 0
    for reports in claimed.values():
        owner = reports[0].incident.owner
        if not owner.email:
            log.warning("owner %s has no email address: %d overdue reports not mailed", owner,
                        len(reports))
            continue
        zone = ZoneInfo(Profile.zone_for(owner))
        lines = []
        for r in sorted(reports, key=lambda r: r.due_at or now):
            lines.append(f"- [{r.incident.reference}] {r.organisation}: sent "
                         f"{_fmt(r.sent_at, zone)}, reply was due {_fmt(r.due_at, zone)}\n"
                         f"  {settings.SITE_URL}{r.incident.get_absolute_url()}")
        body = (f"{len(reports)} abuse report(s) passed their reply window without an answer:\n\n"
                + "\n".join(lines)
                + "\n\nFollow up, escalate or snooze them from the dashboard: "
                + f"{settings.SITE_URL}/\n")
        mail = EmailMessage(subject=f"AbuseDesk: {len(reports)} report(s) overdue", body=body,
                            to=[owner.email], headers={"Auto-Submitted": "auto-generated"})
        try:
            mail.send()
            sent += 1
        except OSError as exc:
            # give the reports back so that the next step tries again
            Report.objects.filter(pk__in=[r.pk for r in reports], reminded_at=now).update(reminded_at=None)
            log.error("reminder to %s failed: %s", owner.email, exc)
    return sent


def _fmt(value, zone) -> str:
    return format_with_zone(value, zone) if value is not None else "?"


def _chased(now):
    """Overdue, not snoozed, of a contact that gets automatic follow-ups."""
    return (Report.objects.filter(status=S.OVERDUE, organisation__auto_follow_up=True)
            .filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=now))
            .select_related("organisation", "incident"))


def send_follow_ups(now) -> int:
    """An automatic follow-up to ISPs that allow it, for overdue reports under their maximum.
    A follow-up the mail server did not take for now (4xx, no connection) is given back: the
    report is overdue again, as it was, and the next step tries again (as a reminder is)."""
    sent = 0
    for report in _chased(now):
        if report.followups_sent >= report.organisation.max_follow_ups:
            continue
        window = timedelta(hours=report.organisation.reply_window_hours)
        before = {"followups_sent": report.followups_sent, "due_at": report.due_at}
        claimed = {"followups_sent": report.followups_sent + 1, "due_at": now + window}
        if not report.move(S.OVERDUE, S.FOLLOWED_UP, **claimed):
            continue  # another step took it
        try:
            if follow_up_send(report, now=now):
                sent += 1
        except TransientSendError:
            # unless something moved it on meanwhile (a reply came in)
            report.move(S.FOLLOWED_UP, S.OVERDUE, where=Q(**claimed), **before)
    return sent


def follow_up_send(report: Report, *, now=None) -> bool:
    """Mail the ISP again, quoting our first report and threaded on it; archived as a Message.
    False when it did not go out: no address of the report is usable any more, the mail server
    refused it for good, or the connection broke while it was on its way (it may have arrived, so
    it is not sent again); the last two are kept in ``last_error``. TransientSendError (kept
    there too) when nothing was accepted and trying again later is safe."""
    now = now or timezone.now()
    first = report.messages.filter(direction=Message.Direction.OUT,
                                   kind=Message.Kind.REPORT).order_by("at").first()
    reference = report.incident.reference
    quoted = "\n".join(f"> {line}" for line in (report.body or "").splitlines()[:80])
    body = (f"Hello,\n\nwe reported the abuse below on {_fmt(report.sent_at, UTC)} under our "
            f"reference {reference} and have had no answer yet"
            + (f" beyond your ticket {report.isp_ticket}" if report.isp_ticket else "")
            + ". Please let us know what was done.\n\n" + quoted + "\n")
    subject = subject_with_reference(report.subject, reference)
    message_id = new_message_id()
    headers = {"Message-ID": message_id}
    parent = first.message_id if first else report.message_id
    if parent:
        headers["In-Reply-To"] = parent
        headers["References"] = parent
    reply_to = reply_to_address(report.reply_token) \
        if settings.REPORT_REPLY_TO and report.reply_token else ""
    to = [a for a in report.to_addresses if _usable(report.organisation, a)]
    if not to:
        log.warning("report %s has no usable address left; no follow-up", report.pk)
        return False
    mail = EmailMessage(subject=f"Re: {subject}"[:300], body=body, to=to,
                        reply_to=[reply_to] if reply_to else None, headers=headers)
    raw = mail.message().as_bytes()
    try:
        transmit(Outgoing(raw=raw, envelope_from=mail.from_email, recipients=to, message_id=message_id,
                          subject=mail.subject, shown_to=to))
    except SendError as exc:
        Report.objects.filter(pk=report.pk).update(last_error=f"follow-up failed: {exc}"[:2000])
        log.error("follow-up for report %s failed: %s", report.pk, exc)
        if isinstance(exc, TransientSendError):
            raise
        return False  # refused for good, or perhaps delivered: never sent again
    with transaction.atomic():
        Report.objects.filter(pk=report.pk, last_error__startswith="follow-up failed").update(last_error="")
        Message.objects.create(report=report, direction=Message.Direction.OUT,
                               kind=Message.Kind.FOLLOW_UP, message_id=message_id,
                               in_reply_to=parent or "", subject=mail.subject,
                               from_address=mail.from_email, to_addresses=to, raw=raw, at=now)
        audit_record(actor=None, action="follow_up", obj=report, incident=report.incident,
                     summary=f"Follow-up {report.followups_sent} sent to {', '.join(to)}")
    return True


def _usable(organisation: Organisation, address: str) -> bool:
    return not AbuseAddress.objects.filter(organisation=organisation, email__iexact=address,
                                           bounce_permanent=True).exists()


def escalate_exhausted(now) -> int:
    """Overdue reports whose follow-ups are used up get an escalation draft upstream."""
    done = 0
    for report in _chased(now):
        if report.followups_sent < report.organisation.max_follow_ups:
            continue
        if escalate(report, actor=None) is not None:
            done += 1
    return done


def escalate(report: Report, *, actor) -> Report | None:
    """Move ``report`` to escalated and draft a report to the upstream contact (or the CERT).

    The draft is queued at once only when the reported contact allows automatic escalation and
    a scheduler (not a person) escalates; a person reviews the draft otherwise.
    """
    from .upstream import upstream_organisation

    if not report.move(report.status, S.ESCALATED):
        return None
    target, why = upstream_organisation(report)
    if target is None:
        audit_record(actor=actor, action="escalate", obj=report, incident=report.incident,
                     summary=f"Escalated; no upstream contact to write to: {why}")
        return None
    draft = Report.objects.create(
        incident=report.incident, organisation=target, status=S.DRAFT,
        to_addresses=list(target.addresses.filter(bounce_permanent=False)
                          .order_by("-source", "email").values_list("email", flat=True)),
        subject=f"[{report.incident.reference}] Escalation: abuse from {report.organisation} "
                f"unanswered",
        body=_escalation_body(report, target), created_by=actor,
        # identifiers at once, as a prepared draft has them: its page previews the exact headers
        message_id=new_message_id(), reply_token=secrets.token_hex(8),
    )
    draft.offenders.set(report.offenders.all())
    audit_record(actor=actor, action="escalate", obj=report, incident=report.incident,
                 summary=f"Escalated to {target} ({why}); draft report {draft.pk}")
    if actor is None and report.organisation.auto_escalate and draft.to_addresses:
        _queue(draft)
    return draft


def _queue(draft: Report) -> None:
    try:
        from reports.sending import report_queue
    except ImportError:  # pragma: no cover - the sending module is part of the reports app
        log.error("no sending module: escalation draft %s left for a human", draft.pk)
        return
    report_queue(actor=None, report=draft)


def _escalation_body(report: Report, target: Organisation) -> str:
    hosts = ", ".join(report.offenders.values_list("source", flat=True)[:50]) or "(see below)"
    return (f"Hello {target.name} abuse team,\n\n"
            f"we reported abuse from {hosts}, in a network of {report.organisation}, on "
            f"{_fmt(report.sent_at, UTC)} under our reference {report.incident.reference}"
            f" and followed up {report.followups_sent} time(s) without an answer. As the upstream "
            f"provider, please see that it is dealt with. Our original report follows.\n\n"
            + "\n".join(f"> {line}" for line in (report.body or "").splitlines()[:120]) + "\n")
