"""What a responder does to a report by hand: snooze, resolve, reopen, escalate now. Audited."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from incidents.audit import audit_record
from reports.models import Message, Report, ReportStatus

from .followup import escalate

S = ReportStatus


class ActionRefused(Exception):
    """The report's status does not allow the action (or it changed meanwhile)."""


@transaction.atomic
def report_snooze(*, actor, report: Report, hours: int) -> None:
    until = timezone.now() + timedelta(hours=hours)
    Report.objects.filter(pk=report.pk).update(snoozed_until=until, updated_at=timezone.now())
    audit_record(actor=actor, action="snooze", obj=report, incident=report.incident,
                 summary=f"Snoozed the report to {report.organisation} for {hours} h",
                 after={"snoozed_until": until.isoformat()})


@transaction.atomic
def report_resolve(*, actor, report: Report, note: str) -> None:
    if not report.may_move(report.status, S.RESOLVED) or not report.move(report.status, S.RESOLVED):
        raise ActionRefused(f"A {report.get_status_display().lower()} report cannot be resolved.")
    audit_record(actor=actor, action="resolve", obj=report, incident=report.incident,
                 summary=f"Resolved the report to {report.organisation}: {note.strip()[:200]}",
                 after={"note": note.strip()[:2000]})


@transaction.atomic
def report_reopen(*, actor, report: Report) -> None:
    replied = report.messages.filter(direction=Message.Direction.IN,
                                     kind=Message.Kind.HUMAN_REPLY).exists()
    if replied:
        won = report.status == S.RESOLVED and report.move(S.RESOLVED, S.REPLIED)
    else:  # back to waiting for an answer, with a fresh window
        due = timezone.now() + timedelta(hours=report.organisation.reply_window_hours)
        won = report.status == S.RESOLVED and report.move(S.RESOLVED, S.SENT, due_at=due,
                                                          reminded_at=None)
    if not won:
        raise ActionRefused("Only a resolved report can be reopened.")
    audit_record(actor=actor, action="reopen", obj=report, incident=report.incident,
                 summary=f"Reopened the report to {report.organisation} ({report.status})")


def report_escalate(*, actor, report: Report) -> Report | None:
    if not report.may_move(report.status, S.ESCALATED):
        raise ActionRefused(f"A {report.get_status_display().lower()} report cannot be escalated.")
    with transaction.atomic():
        return escalate(report, actor=actor)
