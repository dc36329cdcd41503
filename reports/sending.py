"""Sending reports exactly once: the Report row is the outbox.

1. ``report_queue`` (a human's decision): ``draft -> queued``; the Message-ID, the idempotency key
   and the reply token are stored before anything is sent; the task is enqueued after commit.
2. ``report_send`` (the ``send_report`` task): claims the row with a compare-and-set
   ``queued -> sending`` under the contact's throttle and sends only if it won. The outcome is
   written on the row: ``sent`` (with the raw MIME archived in the same transaction), back to
   ``queued`` with a backoff for a transient error, ``failed`` for a permanent one, ``unknown``
   when the connection broke while the message itself was on its way.
3. ``outbox_sweep`` (beat, every minute): re-enqueues ``queued`` rows whose task the broker lost
   and moves ``sending`` rows nobody finished to ``unknown``, which a human confirms
   (``report_confirm_sent``, ``report_send_again``, ``report_mark_failed``). Nothing is resent
   without a human.

Every time written or compared here is the database's clock (``database_now``): web, workers
and beat may run on machines whose clocks disagree, and the database is the one they share.
"""

import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils.dateparse import parse_datetime

from contacts.models import Organisation
from incidents.audit import audit_record

from .mail import (
    InvalidAddress,
    Outgoing,
    PermanentSendError,
    TransientSendError,
    UncertainSendError,
    build_report_message,
    build_test_message,
    checked_address,
    new_message_id,
    now_utc,
    transmit,
)
from .models import Message, Report, ReportStatus

log = logging.getLogger(__name__)
S = ReportStatus
HOUR = timedelta(hours=1)
# Reports that reached (or may have reached) the contact: they count against its hourly limit.
THROTTLE_COUNTED = (S.SENDING, S.SENT, S.ACKNOWLEDGED, S.REPLIED, S.RESOLVED, S.OVERDUE,
                    S.FOLLOWED_UP, S.ESCALATED, S.BOUNCED, S.UNKNOWN)
SWEEP_BATCH = 500
_jitter = secrets.SystemRandom()


def database_now() -> datetime:
    """The database's clock, the one clock web, workers and beat share."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW')")
            return parse_datetime(cursor.fetchone()[0]).replace(tzinfo=UTC)
        # The statement's time, as Django's Now(): not the transaction's start, which may be
        # long before a claim that waited for the contact's lock.
        cursor.execute("SELECT STATEMENT_TIMESTAMP()")
        return cursor.fetchone()[0].astimezone(UTC)


def _audit(report: Report, action: str, summary: str, actor=None, **values) -> None:
    audit_record(actor=actor, action=action, obj=report, incident=report.incident,
                 summary=f"Report to {report.organisation.name}: {summary}",
                 after={"status": report.status, **values})


def _enqueue(report_id: int, countdown: float | None = None) -> None:
    """Hand the id to the broker. If it is unreachable, the row stays queued for the sweeper."""
    from .tasks import send_report

    try:
        send_report.apply_async((report_id,), countdown=countdown)
    except Exception:  # the broker's errors vary by transport; the sweeper is the safety net
        log.exception("could not enqueue report %s; the outbox sweeper will", report_id)


# --- Queueing (a human) -----------------------------------------------------------------------


def report_problems(report: Report) -> list[str]:
    """What keeps a draft from being sent, in words for the person pressing Send."""
    problems = []
    if report.composing:
        problems.append("it is still being composed (evidence excerpt, XARF, text)")
    elif report.compose_error:
        problems.append(f"composing it failed: {report.compose_error}")
    if not report.to_addresses:
        problems.append("it has no recipient")
    for address in report.to_addresses:
        try:
            checked_address(address, "Recipient")
        except InvalidAddress as exc:
            problems.append(str(exc))
    if not report.body.strip():
        problems.append("its text is empty")
    if report.organisation.do_not_contact:
        problems.append(f"{report.organisation.name} is marked do-not-contact")
    return problems


def report_queue(*, actor, report: Report) -> Report:
    """Approve a draft for sending: ``draft -> queued``, identifiers stored first, task after commit."""
    problems = report_problems(report)
    if problems:
        raise ValidationError(f"Report to {report.organisation.name} cannot be sent: "
                              + "; ".join(problems) + ".")
    with transaction.atomic():
        changes = {"queued_at": database_now(), "next_attempt_at": None, "attempts": 0,
                   "sending_started_at": None, "last_error": "", "waiting_reason": ""}
        if not report.message_id:
            changes["message_id"] = new_message_id()
        if not report.reply_token:
            changes["reply_token"] = secrets.token_hex(8)
        if not report.move(S.DRAFT, S.QUEUED, **changes):
            raise ValidationError(f"Report to {report.organisation.name} is no longer a draft.")
        _audit(report, "queue", "approved for sending", actor=actor, message_id=report.message_id)
        pk = report.pk
        transaction.on_commit(lambda: _enqueue(pk))
    return report


def reports_queue(*, actor, reports) -> tuple[list[Report], list[str]]:
    """Queue several drafts; each one succeeds or is refused on its own."""
    queued, refused = [], []
    for report in reports:
        try:
            queued.append(report_queue(actor=actor, report=report))
        except ValidationError as exc:
            refused.extend(exc.messages)
    return queued, refused


# --- Sending (the worker) ---------------------------------------------------------------------


@dataclass
class Wait:
    """Not now: the task should run again after ``seconds``."""

    seconds: float
    reason: str = ""


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: base * 2^(n-1), capped, then 50-100 % of that."""
    ceiling = min(settings.REPORT_RETRY_MAX_SECONDS,
                  settings.REPORT_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return ceiling * _jitter.uniform(0.5, 1.0)


def _claim(report: Report) -> bool | Wait:
    """``queued -> sending`` if the row is still queued, due, and the contact's hour allows.

    The contact's row is locked while its recent sends are counted and the claim is made, so two
    workers can never both take the last slot of the hour.
    """
    limit = settings.REPORT_THROTTLE_PER_HOUR
    with transaction.atomic():
        list(Organisation.objects.select_for_update().filter(pk=report.organisation_id)
             .values_list("pk", flat=True))
        now = database_now()
        row = (Report.objects.filter(pk=report.pk)
               .values("status", "next_attempt_at", "waiting_reason").first())
        if row is None or row["status"] != S.QUEUED:
            log.info("report %s is %s, not queued: nothing to send", report.pk,
                     row and row["status"])
            return False
        if row["next_attempt_at"] and row["next_attempt_at"] > now:
            return Wait((row["next_attempt_at"] - now).total_seconds(), "not due yet")
        recent = list(Report.objects.filter(organisation_id=report.organisation_id,
                                            status__in=THROTTLE_COUNTED,
                                            sending_started_at__gt=now - HOUR)
                      .exclude(pk=report.pk).order_by("sending_started_at")
                      .values_list("sending_started_at", flat=True))
        if len(recent) >= limit:
            free_at = recent[len(recent) - limit] + HOUR
            reason = (f"Waiting for the hourly limit: {len(recent)} reports went to this contact "
                      f"in the past hour (limit {limit}); next try at "
                      f"{free_at:%Y-%m-%d %H:%M:%S} UTC")
            Report.objects.filter(pk=report.pk, status=S.QUEUED).update(
                waiting_reason=reason, next_attempt_at=free_at)
            if not row["waiting_reason"].startswith("Waiting for the hourly limit"):
                _audit(report, "throttle", reason)
            return Wait((free_at - now).total_seconds(), reason)
        won = report.move(S.QUEUED, S.SENDING,
                          where=Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
                          sending_started_at=now, attempts=F("attempts") + 1, waiting_reason="",
                          next_attempt_at=None)
    if won:
        report.refresh_from_db(fields=["attempts", "sending_started_at", "message_id",
                                       "reply_token", "subject", "body", "to_addresses"])
    return won


def report_send(report_id: int) -> Wait | None:
    """Send one queued report if this worker wins its claim. Returns a Wait to be run again later."""
    report = (Report.objects.select_related("incident", "organisation")
              .filter(pk=report_id).first())
    if report is None:
        log.warning("report %s vanished before it could be sent; skipped", report_id)
        return None
    claim = _claim(report)
    if isinstance(claim, Wait):
        return claim
    if not claim:
        return None
    if Organisation.objects.filter(pk=report.organisation_id, do_not_contact=True).exists():
        _finish(report, S.FAILED, "fail", f"Not sent: {report.organisation.name} was marked "
                                          "do-not-contact after the report was approved.")
        return None
    try:
        outgoing = build_report_message(report, date=report.sending_started_at)
    except Exception as exc:  # nothing was sent: a bad address in settings or on the report
        _finish(report, S.FAILED, "fail", f"Not sent: {exc}")
        return None
    try:
        refused = transmit(outgoing)
    except TransientSendError as exc:
        return _retry_or_fail(report, str(exc))
    except PermanentSendError as exc:
        _finish(report, S.FAILED, "fail", f"The mail server refused the report: {exc}")
        return None
    except UncertainSendError as exc:
        _finish(report, S.UNKNOWN, "unknown", str(exc))
        return None
    _record_sent(report, outgoing, refused)
    return None


def _finish(report: Report, new: str, action: str, error: str) -> None:
    with transaction.atomic():
        if report.move(S.SENDING, new, last_error=error):
            _audit(report, action, error)
        else:
            log.warning("report %s left sending before its outcome (%s) was written", report.pk, new)


def _retry_or_fail(report: Report, error: str) -> Wait | None:
    attempts = report.attempts
    if attempts >= settings.REPORT_SEND_MAX_ATTEMPTS:
        _finish(report, S.FAILED, "fail",
                f"Gave up after {attempts} attempts; the mail server's last answer: {error}")
        return None
    delay = backoff_seconds(attempts)
    with transaction.atomic():
        at = database_now() + timedelta(seconds=delay)
        reason = (f"The mail server deferred attempt {attempts}; next attempt at "
                  f"{at:%Y-%m-%d %H:%M:%S} UTC")
        if not report.move(S.SENDING, S.QUEUED, last_error=error, next_attempt_at=at,
                           waiting_reason=reason):
            return None
        _audit(report, "retry", f"{reason} ({error})")
    return Wait(delay, reason)


def _archive(report: Report, outgoing: Outgoing, at: datetime) -> Message:
    return Message.objects.create(
        report=report, direction=Message.Direction.OUT, kind=Message.Kind.REPORT,
        message_id=outgoing.message_id, subject=outgoing.subject[:500],
        from_address=outgoing.envelope_from, to_addresses=outgoing.shown_to, raw=outgoing.raw,
        at=at)


def _record_sent(report: Report, outgoing: Outgoing, refused: dict[str, str]) -> None:
    """``sending -> sent`` and the raw MIME archived, in one transaction."""
    note = "; ".join(f"{rcpt} refused: {answer}" for rcpt, answer in refused.items())
    with transaction.atomic():
        now = database_now()
        changes = {"sent_at": now, "due_at": now + timedelta(hours=report.organisation.reply_window_hours),
                   "last_error": note, "waiting_reason": ""}
        # The sweeper may have called a slow send unknown meanwhile; now the outcome is known.
        won = report.move(S.SENDING, S.SENT, **changes) or report.move(S.UNKNOWN, S.SENT, **changes)
        _archive(report, outgoing, now)
        if won:
            _audit(report, "sent", f"sent to {', '.join(outgoing.shown_to)}"
                   + (f" ({note})" if note else ""), message_id=outgoing.message_id)
        else:
            log.error("report %s was sent but a person changed its status meanwhile", report.pk)


# --- The sweeper (beat) -----------------------------------------------------------------------


@dataclass
class SweepResult:
    requeued: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)


def outbox_sweep() -> SweepResult:
    """One pass over the outbox; any number may run at once (each change is compare-and-set).

    - ``sending`` for longer than SENDING_STALE_AFTER_SECONDS: the worker died or hung after its
      claim; nobody knows whether the mail left, so ``unknown`` (a human decides).
    - ``queued`` and due for longer than OUTBOX_REQUEUE_AFTER_SECONDS: the broker lost its task
      (a Redis restart, a failed enqueue). Enqueued again; stamping ``next_attempt_at`` first
      makes it at most once per period however many sweepers run. Reports waiting for the
      throttle or a retry are not due yet and are left alone.
    """
    result = SweepResult()
    now = database_now()
    stale = now - timedelta(seconds=settings.SENDING_STALE_AFTER_SECONDS)
    for report in (Report.objects.filter(status=S.SENDING, sending_started_at__lt=stale)
                   .select_related("incident", "organisation")[:SWEEP_BATCH]):
        with transaction.atomic():
            if report.move(S.SENDING, S.UNKNOWN, where=Q(sending_started_at__lt=stale),
                           last_error="The worker sending this report stopped before it recorded "
                                      "the outcome. Check whether it arrived, then confirm it was "
                                      "sent, send it again, or mark it failed."):
                _audit(report, "unknown", "sending outcome unknown (worker lost)")
                result.unknown.append(report.pk)
    lost_before = now - timedelta(seconds=settings.OUTBOX_REQUEUE_AFTER_SECONDS)
    lost = (Report.objects.filter(status=S.QUEUED)
            .filter(Q(next_attempt_at__isnull=True, queued_at__lt=lost_before)
                    | Q(next_attempt_at__lt=lost_before))
            .order_by("queued_at").values_list("pk", "next_attempt_at")[:SWEEP_BATCH])
    for pk, next_attempt_at in lost:
        # next_attempt_at=None filters on IS NULL.
        rows = Report.objects.filter(pk=pk, status=S.QUEUED, next_attempt_at=next_attempt_at)
        if rows.update(next_attempt_at=now) == 1:
            _enqueue(pk)
            result.requeued.append(pk)
    if result.requeued or result.unknown:
        log.info("outbox sweep: %d re-enqueued, %d now unknown", len(result.requeued),
                 len(result.unknown))
    return result


# --- A human's decision on an unknown outcome -------------------------------------------------


def _unknown_required(report: Report) -> None:
    if report.status != S.UNKNOWN:
        raise ValidationError("Only a report whose sending outcome is unknown needs this decision.")


def report_confirm_sent(*, actor, report: Report) -> Report:
    """The person checked (e.g. the archive copy arrived): record it as sent when it was claimed.

    The archived message is rebuilt from the report; building is deterministic for the claim's
    Date, so it is the message the worker was sending.
    """
    _unknown_required(report)
    with transaction.atomic():
        at = report.sending_started_at or database_now()
        try:
            outgoing = build_report_message(report, date=at)
        except ValueError as exc:
            raise ValidationError(f"The archive copy cannot be rebuilt: {exc}") from exc
        due = at + timedelta(hours=report.organisation.reply_window_hours)
        if not report.move(S.UNKNOWN, S.SENT, sent_at=at, due_at=due, last_error=""):
            raise ValidationError("Someone else decided on this report first.")
        _archive(report, outgoing, at)
        _audit(report, "confirm", "confirmed as sent by a person (archive copy rebuilt)",
               actor=actor)
    return report


def report_send_again(*, actor, report: Report) -> Report:
    """The person checked that it did not arrive: queue it again, same Message-ID."""
    _unknown_required(report)
    with transaction.atomic():
        if not report.move(S.UNKNOWN, S.QUEUED, queued_at=database_now(), next_attempt_at=None,
                           attempts=0, last_error="", waiting_reason=""):
            raise ValidationError("Someone else decided on this report first.")
        _audit(report, "queue", "queued again by a person after an unknown outcome", actor=actor)
        pk = report.pk
        transaction.on_commit(lambda: _enqueue(pk))
    return report


def report_mark_failed(*, actor, report: Report) -> Report:
    _unknown_required(report)
    with transaction.atomic():
        if not report.move(S.UNKNOWN, S.FAILED,
                           last_error=f"Marked failed by {actor}: it did not arrive."):
            raise ValidationError("Someone else decided on this report first.")
        _audit(report, "fail", "marked failed by a person after an unknown outcome", actor=actor)
    return report


# --- The admin's test email -------------------------------------------------------------------


def send_test_email(*, actor, recipient: str) -> str:
    """Send one test message now, with the report settings; returns its Message-ID.

    Raises InvalidAddress or SendError with the mail server's answer.
    """
    outgoing = build_test_message(recipient, date=now_utc())
    transmit(outgoing)
    log.info("test email %s sent to %s by %s", outgoing.message_id, recipient, actor)
    return outgoing.message_id

