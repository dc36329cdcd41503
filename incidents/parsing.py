"""Turning stored evidence into offenders: the domain side of the parse task."""

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from contacts.lookup import incident_contacts_request

from .audit import audit_record
from .models import Evidence, EvidenceState, Offender, Sighting
from .parsers import ParseContext, ParseOutcome, parse_stream
from .parsers.addresses import exclusion_reason, normalise
from .parsers.aggregate import MAX_SOURCE_PORTS
from .parsers.base import NOT_HOSTILE, Kind
from .parsers.split import Plan, parse_file, split_plan

log = logging.getLogger(__name__)


def evidence_parse_request(*, actor, evidence: Evidence) -> None:
    """Ask a worker to (re-)parse ``evidence`` once the current transaction commits."""
    from .tasks import parse_evidence

    audit_record(actor=actor, action="parse", obj=evidence, incident=evidence.incident,
                 summary=f"Parse requested for {evidence.original_name}")
    transaction.on_commit(lambda: parse_evidence.delay(evidence.pk))


def _claim(evidence_id: int) -> bool:
    """Compare-and-set into ``parsing``: two workers never parse the same file at once, and a
    parse whose worker died (still ``parsing`` long after it started) may be taken over."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.PARSE_STALE_AFTER_SECONDS)
    return Evidence.objects.filter(
        Q(pk=evidence_id) & (~Q(state=EvidenceState.PARSING) | Q(parse_started_at__lt=stale))
    ).update(state=EvidenceState.PARSING, parse_started_at=now, bytes_read=0, records=0,
             skipped=0, offenders_found=0, parse_error="", parse_errors=[], errors_total=0) == 1


def evidence_parse(evidence_id: int, *, fmt: str | None = None) -> ParseOutcome | None:
    """Parse one stored file and record its offenders. Returns None when another worker has it."""
    if not _claim(evidence_id):
        log.info("evidence %s is being parsed elsewhere; skipped", evidence_id)
        return None
    evidence = Evidence.objects.select_related("incident").get(pk=evidence_id)
    ctx = ParseContext(tz=ZoneInfo(evidence.time_zone), reference=evidence.ends_at or evidence.uploaded_at,
                       own_networks=settings.OWN_NETWORKS_PARSED)

    def progress(c: ParseContext) -> None:
        Evidence.objects.filter(pk=evidence_id).update(
            bytes_read=c.bytes_read, records=c.records, skipped=c.skipped)

    try:
        plan = _split_plan(evidence, fmt=fmt, ctx=ctx)
        if plan is not None:
            outcome = parse_file(plan.path, fmt=fmt, ctx=ctx, progress=progress, plan=plan,
                                 timeout=settings.PARSE_STALE_AFTER_SECONDS)
            log.info("evidence %s parsed in %d processes", evidence_id, outcome.processes)
        else:
            with evidence.file.storage.open(evidence.file.name, "rb") as handle:
                outcome = parse_stream(handle, fmt=fmt, ctx=ctx, progress=progress)
    except Exception as exc:
        log.exception("parsing evidence %s failed", evidence_id)
        Evidence.objects.filter(pk=evidence_id).update(
            state=EvidenceState.FAILED, parse_error=f"{type(exc).__name__}: {exc}"[:2000],
            bytes_read=ctx.bytes_read, records=ctx.records, skipped=ctx.skipped,
            parse_errors=ctx.errors, errors_total=ctx.errors_total, parsed_at=timezone.now())
        return None
    with transaction.atomic():
        found = offenders_replace(evidence=evidence, outcome=outcome)
        nothing = outcome.format == "unknown" and not found
        Evidence.objects.filter(pk=evidence_id).update(
            state=EvidenceState.FAILED if nothing and outcome.errors else EvidenceState.PARSED,
            detected_format=outcome.format[:40], bytes_read=ctx.bytes_read,
            records=outcome.records, skipped=outcome.skipped, parse_errors=outcome.errors,
            errors_total=outcome.errors_total, offenders_found=found, parsed_at=timezone.now(),
            parse_error=outcome.errors[0]["error"] if nothing and outcome.errors else "")
        audit_record(actor=None, action="parsed", obj=evidence, incident=evidence.incident,
                     summary=f"Parsed {evidence.original_name}: {outcome.format}, "
                             f"{outcome.records} records, {outcome.skipped} skipped, "
                             f"{found} offenders"
                             + (f", in {outcome.processes} processes" if outcome.processes > 1 else ""))
        # Offenders changed: find their networks and abuse contacts (a worker, after commit).
        incident_contacts_request(evidence.incident_id)
    return outcome


def _split_plan(evidence: Evidence, *, fmt: str | None, ctx: ParseContext) -> Plan | None:
    """How to parse a large plain file in several processes; None for one. Only a store with
    local paths can split (the parts open the file themselves); S3-like stores read one stream."""
    if settings.PARSE_PROCESSES < 2 or evidence.size < settings.PARSE_SPLIT_MIN_BYTES:
        return None
    try:
        path = evidence.file.storage.path(evidence.file.name)
    except NotImplementedError:
        return None
    plan = split_plan(path, processes=settings.PARSE_PROCESSES,
                      min_bytes=settings.PARSE_SPLIT_MIN_BYTES, fmt=fmt, ctx=ctx)
    if plan is not None:
        plan.path = path
    return plan


def offenders_replace(*, evidence: Evidence, outcome: ParseOutcome) -> int:
    """Replace what ``evidence`` says about offenders; recompute each touched offender's sums."""
    incident = evidence.incident
    own = settings.OWN_NETWORKS_PARSED
    touched = set(Sighting.objects.filter(evidence=evidence).values_list("offender_id", flat=True))
    Sighting.objects.filter(evidence=evidence).delete()
    for summary in outcome.offenders:
        address = normalise(summary.src)
        offender, _ = Offender.objects.get_or_create(
            incident=incident, source=summary.src,
            defaults={"ip": address, "excluded_reason": exclusion_reason(summary.src, own) or ""},
        )
        Sighting.objects.create(
            offender=offender, evidence=evidence, count=summary.count,
            first_seen=summary.first_seen, last_seen=summary.last_seen,
            ports=sorted(summary.ports), targets=sorted(summary.targets),
            kinds=sorted(summary.kinds), signatures=sorted(summary.signatures),
            locations=summary.locations, source_ports=list(summary.source_ports),
        )
        touched.add(offender.pk)
    for offender in Offender.objects.filter(pk__in=touched):
        offender_recompute(offender)
    Offender.objects.filter(incident=incident, sightings__isnull=True).delete()
    return len(outcome.offenders)


def offender_recompute(offender: Offender) -> None:
    """Sum the sightings: count, first and last seen, rate, ports, targets, kinds, source ports.

    Source ports: the first ``MAX_SOURCE_PORTS`` distinct ones in order of first appearance, the
    sightings taken from the earliest first seen on (then in the order they were stored), each
    sighting's ports in the order its file showed them. Not sorted: the earliest ports are the
    ones a report names first."""
    sightings = list(offender.sightings.all())
    hostile = [s for s in sightings if set(s.kinds) - {Kind.SEEN}]
    sightings = hostile or sightings  # allowed traffic of an attacker is not an attempt
    reason = exclusion_reason(offender.source, settings.OWN_NETWORKS_PARSED)
    offender.excluded_reason = reason or ("" if hostile else NOT_HOSTILE)
    offender.count = sum(s.count for s in sightings)
    firsts = [s.first_seen for s in sightings if s.first_seen]
    lasts = [s.last_seen for s in sightings if s.last_seen]
    offender.first_seen = min(firsts) if firsts else None
    offender.last_seen = max(lasts) if lasts else None
    minutes = ((offender.last_seen - offender.first_seen).total_seconds() / 60
               if offender.first_seen and offender.last_seen else 0)
    offender.rate_per_minute = round(offender.count / minutes, 3) if minutes > 0 else None
    for name in ("ports", "targets", "kinds", "signatures"):
        setattr(offender, name, sorted({v for s in sightings for v in getattr(s, name)})[:64])
    ordered = sorted(sightings, key=lambda s: (s.first_seen is None, s.first_seen or 0, s.pk))
    offender.source_ports = list(dict.fromkeys(
        p for s in ordered for p in (s.source_ports or [])))[:MAX_SOURCE_PORTS]
    offender.save(update_fields=["excluded_reason", "count", "first_seen", "last_seen",
                                 "rate_per_minute", "ports", "targets", "kinds", "signatures",
                                 "source_ports"])


@transaction.atomic
def offender_exclude(*, actor, offender: Offender, reason: str) -> None:
    """An admin leaves a source out of reports (or, with an empty reason, puts it back)."""
    before = offender.manual_exclusion
    offender.manual_exclusion = reason.strip()[:300]
    offender.save(update_fields=["manual_exclusion"])
    verb = f"Excluded {offender.source}: {offender.manual_exclusion}" if offender.manual_exclusion \
        else f"Included {offender.source} again"
    audit_record(actor=actor, action="exclude" if offender.manual_exclusion else "include",
                 obj=offender, incident=offender.incident, summary=verb,
                 before={"manual_exclusion": before},
                 after={"manual_exclusion": offender.manual_exclusion})
