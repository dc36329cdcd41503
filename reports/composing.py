"""Turning an incident into reports: one draft per responsible organisation, then its contents.

``reports_prepare`` (a person, in a request) groups the incident's reportable offenders by the
organisation answering for their network and creates one draft per organisation that can be
written to; the others are listed with the reason. Drafts get their Message-ID and reply token
at once, so the preview shows the headers exactly as they will go out.

``reports_compose`` (a worker) reads each evidence file once for all the drafts of an incident,
cuts out each organisation's lines and packets (redacted, zipped, under the size cap), builds the
XARF files, and renders the text from the template. Until that is done the draft cannot be
queued; a failure is recorded on the draft and shown on its page.
"""

import hashlib
import ipaddress
import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from contacts.models import Organisation
from contacts.services import offenders_by_organisation
from core.models import Profile
from core.timezones import format_with_zone
from incidents.audit import audit_record
from incidents.models import Category, Evidence, Incident, IncidentStatus, Offender

from . import excerpts, templating, xarf_reports
from .default_templates import default_templates
from .mail import new_message_id
from .models import Report, ReportAttachment, ReportStatus, ReportTemplate

log = logging.getLogger(__name__)
S = ReportStatus

# A report in one of these states no longer stands in the way of a new one to the same contact.
FINISHED = (S.FAILED, S.BOUNCED, S.RESOLVED)
DIGEST_INCIDENT_STATES = (IncidentStatus.OPEN, IncidentStatus.REPORTING, IncidentStatus.WAITING)
DEFAULT_ACTION = "The address(es) are blocked at our firewall."


@dataclass
class Skipped:
    who: str
    sources: list[str]
    reason: str


@dataclass
class Prepared:
    created: list[Report] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _reportable(offenders):
    return [o for o in offenders if not o.excluded]


def _already_reported(organisation: Organisation, incident_ids: list[int]) -> Report | None:
    return (Report.objects.filter(organisation=organisation)
            .filter(Q(incident_id__in=incident_ids) | Q(digest_incidents__in=incident_ids))
            .exclude(status__in=FINISHED).order_by("-pk").first())


def _digest_incidents(incident: Incident, organisation: Organisation) -> list[Incident]:
    """Other open incidents with reportable offenders in this organisation's networks, not yet
    reported to it."""
    others = (Incident.objects.filter(status__in=DIGEST_INCIDENT_STATES,
                                      offenders__network__organisation=organisation,
                                      offenders__excluded_reason="", offenders__manual_exclusion="")
              .exclude(pk=incident.pk).distinct().order_by("pk"))
    return [other for other in others if _already_reported(organisation, [other.pk]) is None]


def reports_prepare(*, actor, incident: Incident, digest: bool = False, action_taken: str = "") -> Prepared:
    """One draft per organisation answering for the incident's offenders (see the module text)."""
    prepared = Prepared()
    with transaction.atomic():
        Incident.objects.select_for_update().get(pk=incident.pk)  # two Prepare clicks: one set
        offenders = (incident.offenders.select_related("network__organisation")
                     .order_by("-count", "source"))
        for group in offenders_by_organisation(offenders):
            sources = [o.source for o in group.offenders]
            organisation = group.organisation
            if organisation is None:
                if group.reason != "never reported":
                    prepared.skipped.append(Skipped("(no contact)", sources, group.reason))
                continue
            if not group.addresses:
                prepared.skipped.append(Skipped(organisation.name, sources, group.reason))
                continue
            existing = _already_reported(organisation, [incident.pk])
            if existing is not None:
                prepared.skipped.append(Skipped(
                    organisation.name, sources,
                    f"report {existing.pk} to it is {existing.get_status_display().lower()}"))
                continue
            extra = _digest_incidents(incident, organisation) if digest else []
            report = Report.objects.create(
                incident=incident, organisation=organisation, status=S.DRAFT,
                to_addresses=[a.email for a in group.addresses],
                subject=f"Abuse report {incident.reference}", body="",
                message_id=new_message_id(), reply_token=secrets.token_hex(8),
                composing=True, created_by=actor if getattr(actor, "is_authenticated", False) else None,
                compose_options={"action_taken": (action_taken or DEFAULT_ACTION).strip()[:1000],
                                 "digest": bool(extra)},
            )
            chosen = list(group.offenders)
            if extra:
                report.digest_incidents.set(extra)
                chosen += list(Offender.objects.filter(
                    incident__in=extra, network__organisation=organisation, excluded_reason="",
                    manual_exclusion=""))
            report.offenders.set(chosen)
            audit_record(actor=actor, action="report_prepare", obj=report, incident=incident,
                         summary=f"Draft report to {organisation.name} for {len(chosen)} host(s)"
                                 + (f", digest of {len(extra) + 1} incidents" if extra else ""))
            prepared.created.append(report)
        ids = [r.pk for r in prepared.created]
        if ids:
            transaction.on_commit(lambda: _enqueue(ids))
    return prepared


def _enqueue(report_ids: list[int]) -> None:
    from .tasks import compose_reports

    try:
        compose_reports.delay(report_ids)
    except Exception:  # the broker's errors vary by transport; the page offers "Compose again"
        log.exception("could not enqueue composing of reports %s", report_ids)


def report_recompose_request(*, actor, report: Report) -> None:
    """Compose a draft again (after a template or the evidence changed); hand edits are dropped."""
    if Report.objects.filter(pk=report.pk, status=S.DRAFT).update(
            composing=True, compose_error="", body_edited=False, updated_at=timezone.now()) != 1:
        raise ValidationError("Only a draft can be composed again.")
    audit_record(actor=actor, action="report_recompose", obj=report, incident=report.incident,
                 summary=f"Draft report to {report.organisation.name} composed again")
    pk = report.pk
    transaction.on_commit(lambda: _enqueue([pk]))


def report_edit(*, actor, report: Report, subject: str, body: str) -> None:
    """A person's own text for one draft, kept until they ask for it to be composed again."""
    before = {"subject": report.subject, "body": report.body}
    if Report.objects.filter(pk=report.pk, status=S.DRAFT, composing=False).update(
            subject=subject, body=body, body_edited=True, updated_at=timezone.now()) != 1:
        raise ValidationError("Only a composed draft can be edited.")
    report.subject, report.body, report.body_edited = subject, body, True
    audit_record(actor=actor, action="report_edit", obj=report, incident=report.incident,
                 summary=f"Text of the draft report to {report.organisation.name} edited",
                 before=before, after={"subject": subject, "body": body})


# --- Composing (a worker) ----------------------------------------------------------------------


def reports_compose(report_ids: list[int]) -> None:
    """Compose the drafts ``report_ids`` (excerpt, XARF, text); each evidence file is read once."""
    reports = list(Report.objects.filter(pk__in=report_ids, status=S.DRAFT, composing=True)
                   .select_related("incident__owner", "organisation")
                   .prefetch_related("offenders__network"))
    if not reports:
        return
    # every file any of these drafts' offenders were seen in, in one query
    evidence = Evidence.objects.filter(sightings__offender__reports__in=reports).distinct().order_by("pk")
    groups = {r.pk: {o.source for o in r.offenders.all()} for r in reports}
    try:
        cut = excerpts.build_excerpts(list(evidence), groups)
    except Exception as exc:  # a bug must not leave drafts composing forever
        log.exception("excerpts for reports %s failed", report_ids)
        for report in reports:
            _failed(report, f"The evidence excerpt could not be built: {type(exc).__name__}: {exc}")
        return
    for report in reports:
        try:
            _compose_one(report, cut.get(report.pk))
        except Exception as exc:
            log.exception("composing report %s failed", report.pk)
            _failed(report, f"{type(exc).__name__}: {exc}")


def _failed(report: Report, error: str) -> None:
    Report.objects.filter(pk=report.pk, status=S.DRAFT).update(
        composing=False, compose_error=error[:4000], updated_at=timezone.now())


def _zone_of(report: Report) -> ZoneInfo:
    owner = report.incident.owner or report.created_by
    return ZoneInfo(Profile.zone_for(owner) if owner else settings.DEFAULT_USER_TIME_ZONE)


def _when(value: datetime | None, zone: ZoneInfo) -> str:
    return format_with_zone(value, zone) if value else "unknown"


def _utc(value: datetime | None) -> str:
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if value else "unknown"


def _offender_values(offender: Offender, zone: ZoneInfo) -> dict:
    return {
        "address": offender.source,
        "first_seen": _when(offender.first_seen, zone), "last_seen": _when(offender.last_seen, zone),
        "first_seen_utc": _utc(offender.first_seen), "last_seen_utc": _utc(offender.last_seen),
        "count": offender.count, "rate_per_minute": offender.rate_per_minute or 0,
        "ports": ", ".join(str(p) for p in offender.ports[:10]),
        "targets": ", ".join(str(t) for t in offender.targets[:10]),
        "kinds": ", ".join(offender.kinds), "signatures": ", ".join(offender.signatures[:10]),
    }


def _span(offenders: list[Offender]) -> tuple[datetime | None, datetime | None, int, float]:
    firsts = [o.first_seen for o in offenders if o.first_seen]
    lasts = [o.last_seen for o in offenders if o.last_seen]
    first, last = (min(firsts) if firsts else None), (max(lasts) if lasts else None)
    attempts = sum(o.count for o in offenders)
    minutes = (last - first).total_seconds() / 60 if first and last else 0
    rate = round(attempts / minutes, 2) if minutes > 0 and attempts > 1 else 0
    return first, last, attempts, rate


def _incident_values(incident: Incident, offenders: list[Offender], zone: ZoneInfo) -> dict:
    first, last, attempts, _ = _span(offenders)
    return {
        "reference": incident.reference, "title": incident.title,
        "category": incident.get_category_display(), "description": incident.description,
        "offenders": [_offender_values(o, zone) for o in offenders],
        "offender_count": len(offenders), "attempts": attempts,
        "first_seen": _when(first, zone), "last_seen": _when(last, zone),
        "first_seen_utc": _utc(first), "last_seen_utc": _utc(last),
    }


def report_context(report: Report, *, excerpt=None, attachments=(), now: datetime | None = None) -> dict:
    """The plain values a template sees (``templating.PLACEHOLDERS``), nothing else."""
    now = now or timezone.now()
    zone = _zone_of(report)
    offenders = sorted(report.offenders.all(), key=lambda o: (-o.count, o.source))
    first, last, attempts, rate = _span(offenders)
    incidents = [report.incident, *report.digest_incidents.order_by("pk")]
    per_incident = [_incident_values(i, [o for o in offenders if o.incident_id == i.pk], zone)
                    for i in incidents]
    organisation = report.organisation
    follow_up = now + timedelta(hours=organisation.reply_window_hours)
    kinds = sorted({k for o in offenders for k in o.kinds})
    ports = sorted({p for o in offenders for p in o.ports}, key=str)
    networks = sorted({c for o in offenders if o.network_id for c in o.network.cidrs})
    return {
        "contact": {"name": organisation.name, "handle": organisation.handle,
                    "emails": list(report.to_addresses), "networks": networks[:20]},
        "reference": report.incident.reference,
        "incident": per_incident[0], "incidents": per_incident,
        "offenders": [_offender_values(o, zone) for o in offenders],
        "offender_count": len(offenders), "attempts": attempts,
        "first_seen": _when(first, zone), "last_seen": _when(last, zone),
        "first_seen_utc": _utc(first), "last_seen_utc": _utc(last),
        "rate_per_minute": rate, "time_zone": zone.key,
        "activity": ", ".join(kinds) or report.incident.get_category_display().lower(),
        "ports": ", ".join(str(p) for p in ports[:20]),
        "action_taken": report.compose_options.get("action_taken") or DEFAULT_ACTION,
        "still_ongoing": bool(last and now - last < timedelta(hours=24)),
        "attachments": [{"name": a.name, "size": a.size, "sha256": a.sha256,
                         "description": a.get_kind_display()} for a in attachments],
        "excerpt_lines": list(excerpt.inline_lines) if excerpt else [],
        "excerpt_trimmed": bool(excerpt and excerpt.trimmed),
        "redacted": bool(excerpt and excerpt.redactions.counts),
        "reporter": {"name": settings.REPORTER_NAME or settings.REPORTER_ORGANISATION or "Abuse team",
                     "organisation": settings.REPORTER_ORGANISATION, "email": settings.REPORTER_EMAIL,
                     "phone": settings.REPORTER_PHONE},
        "follow_up_hours": organisation.reply_window_hours,
        "follow_up_at": format_with_zone(follow_up, zone), "follow_up_at_utc": _utc(follow_up),
    }


def _xarf_offenders(report: Report) -> list[dict]:
    rows = []
    for offender in sorted(report.offenders.all(), key=lambda o: (-o.count, o.source)):
        if offender.ip is None or offender.first_seen is None:
            continue
        source_ports = offender.source_ports
        rows.append({
            "address": offender.ip,
            "first_seen_iso": offender.first_seen.astimezone(UTC).isoformat(),
            "last_seen_iso": offender.last_seen.astimezone(UTC).isoformat() if offender.last_seen else None,
            "source_port": source_ports[0] if source_ports else None,
            "destination_port": offender.ports[0] if len(offender.ports) == 1 else None,
            "destination_ip": _public_target(offender.targets),
            "ports": [str(p) for p in offender.ports], "kinds": offender.kinds, "count": offender.count,
        })
    return rows


def _public_target(targets: list[str]) -> str | None:
    """Our one targeted address, when there is exactly one and it is not internal (redacted)."""
    if len(targets) != 1:
        return None
    try:
        address = ipaddress.ip_address(targets[0])
    except ValueError:
        return None  # a host name
    if address.is_private or any(address in n for n in settings.REPORT_REDACT_NETWORKS_PARSED):
        return None
    return str(address)


def _reporter_identity() -> dict:
    email = settings.REPORTER_EMAIL
    return {"org": (settings.REPORTER_ORGANISATION or settings.REPORTER_NAME or "AbuseDesk")[:200],
            "contact": email, "domain": email.rsplit("@", 1)[-1]}


def _compose_one(report: Report, excerpt) -> None:
    incident = report.incident
    reference = incident.reference
    files: list[tuple[str, str, str, bytes]] = []  # kind, name, content type, data
    notes = []
    if excerpt is not None and any(f.kept for f in excerpt.files):
        files.append((ReportAttachment.Kind.EXCERPT, f"{reference}-evidence.zip", "application/zip",
                      excerpt.zip_bytes))
        notes = [vars(f) for f in excerpt.files]
    xarf_left_out = []
    if report.organisation.wants_xarf:
        reporter = _reporter_identity()
        xarf_files, xarf_left_out = xarf_reports.build(
            category=incident.category, reference=reference, reporter=reporter,
            offenders=_xarf_offenders(report),
            description=f"{incident.get_category_display()} seen by {reporter['org']}, "
                        f"our reference {reference}",
            timestamp=(incident.detected_at or timezone.now()).astimezone(UTC).isoformat())
        files += [(ReportAttachment.Kind.XARF, f.name, "application/json", f.data) for f in xarf_files]
    template = ReportTemplate.for_report(incident.category, report.organisation.language)
    with transaction.atomic():
        locked = Report.objects.select_for_update().filter(pk=report.pk, status=S.DRAFT,
                                                           composing=True).first()
        if locked is None:
            return  # sent on, or composed by another worker meanwhile
        report.attachments.all().delete()
        attachments = [ReportAttachment.objects.create(
            report=report, kind=kind, name=name, content_type=content_type, data=data, size=len(data),
            sha256=hashlib.sha256(data).hexdigest()) for kind, name, content_type, data in files]
        changes = {"composing": False, "compose_error": "", "composed_at": timezone.now(),
                   "template": template,
                   "redactions": _redaction_summary(excerpt),
                   "excerpt_notes": notes + [{"note": n} for n in xarf_left_out]}
        source = template or _shipped_template(incident.category)
        if not locked.body_edited:
            context = report_context(report, excerpt=excerpt, attachments=attachments)
            try:
                changes["subject"] = templating.render_subject(source.subject, context)
                changes["body"] = templating.render(source.body, context)
            except templating.TemplateProblem as exc:
                changes["compose_error"] = f"Template {source.name!r}: {exc}"
        Report.objects.filter(pk=report.pk).update(updated_at=timezone.now(), **changes)
        audit_record(actor=None, action="report_compose", obj=report, incident=incident,
                     summary=f"Draft report to {report.organisation.name} composed: "
                             f"{len(attachments)} attachment(s), excerpt from {len(notes)} evidence "
                             f"file(s)"
                             + (f"; {changes['compose_error'][:120]}" if changes["compose_error"] else ""))


def _shipped_template(category: str) -> ReportTemplate:
    """The text AbuseDesk ships for ``category``, when no active template is left in the database."""
    shipped = {t["category"]: t for t in default_templates()}
    return ReportTemplate(**shipped.get(category, shipped[Category.OTHER]))




def _redaction_summary(excerpt) -> dict:
    """For the preview (only people with access to the evidence see it): placeholder -> original."""
    if excerpt is None:
        return {}
    red = excerpt.redactions
    shown = {placeholder: {"original": original, "count": red.counts.get(original, 0)}
             for original, placeholder in red.replaced.items()}
    for original, address in red.packets.items():  # pcaps: documentation addresses in IP headers
        entry = shown.setdefault(address, {"original": original, "count": 0})
        entry["count"] = red.counts.get(original, 0)
    return shown
