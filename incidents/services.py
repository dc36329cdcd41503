"""Domain actions on incidents and evidence. Views, forms and tasks call these, nothing else."""

import logging
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .audit import audit_record, snapshot
from .models import Evidence, Incident, IncidentStatus, ReferenceCounter

log = logging.getLogger(__name__)

INCIDENT_TRACKED_FIELDS = ("title", "category", "severity", "status", "detected_at",
                           "description", "owner")


def _next_reference(year: int) -> str:
    """Take the next number of ``year`` under the counter row's lock: no two incidents share one."""
    ReferenceCounter.objects.get_or_create(year=year)
    ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1)
    number = ReferenceCounter.objects.values_list("last", flat=True).get(year=year)
    return f"ABD-{year}-{number:04d}"


@transaction.atomic
def incident_create(*, actor, title: str, owner=None, **fields) -> Incident:
    incident = Incident(title=title, owner=owner or actor, created_by=actor, **fields)
    incident.reference = _next_reference(timezone.now().year)
    incident.full_clean()
    incident.save()
    audit_record(actor=actor, action="create", obj=incident, incident=incident,
                 summary=f"Created incident {incident.reference}",
                 after=snapshot(incident, INCIDENT_TRACKED_FIELDS))
    return incident


@transaction.atomic
def incident_update(*, actor, incident: Incident, **fields) -> Incident:
    """Apply ``fields``; record only what really changed (a status change is its own event)."""
    stored = Incident.objects.select_for_update().get(pk=incident.pk)
    before = snapshot(stored, INCIDENT_TRACKED_FIELDS)
    for name, value in fields.items():
        setattr(incident, name, value)
    incident.full_clean()
    after = snapshot(incident, INCIDENT_TRACKED_FIELDS)
    changed = [name for name in INCIDENT_TRACKED_FIELDS if before[name] != after[name]]
    if not changed:
        return incident
    incident.save()
    if "status" in changed:
        audit_record(actor=actor, action="status", obj=incident, incident=incident,
                     summary=f"Status {before['status']} → {after['status']}",
                     before={"status": before["status"]}, after={"status": after["status"]})
        changed.remove("status")
    if changed:
        audit_record(actor=actor, action="change", obj=incident, incident=incident,
                     summary="Changed " + ", ".join(changed),
                     before={n: before[n] for n in changed}, after={n: after[n] for n in changed})
    return incident


# Report statuses, from the strongest claim on the incident's status to the weakest.
_REPORTING = {"queued", "sending", "unknown"}
_WAITING = {"sent", "acknowledged", "overdue", "followed_up", "escalated", "replied"}


def incident_status_follow(incident_id: int) -> str | None:
    """The incident's status follows its reports (a closed incident stays closed).

    Reports being sent: reporting; any report still awaiting or answered but not resolved:
    waiting; every report resolved: resolved; otherwise (drafts, failures, bounces): open.
    Returns the new status when it changed.
    """
    from reports.models import Report

    incident = Incident.objects.filter(pk=incident_id).exclude(status=IncidentStatus.CLOSED).first()
    if incident is None:
        return None
    statuses = set(Report.objects.filter(incident_id=incident_id).values_list("status", flat=True))
    statuses |= set(Report.objects.filter(digest_incidents=incident_id).values_list("status", flat=True))
    if statuses & _REPORTING:
        new = IncidentStatus.REPORTING
    elif statuses & _WAITING:
        new = IncidentStatus.WAITING
    elif statuses and statuses <= {"resolved"}:
        new = IncidentStatus.RESOLVED
    else:
        new = IncidentStatus.OPEN
    if Incident.objects.filter(pk=incident_id).exclude(status__in=[new, IncidentStatus.CLOSED]) \
            .update(status=new, updated_at=timezone.now()) == 0:
        return None
    audit_record(actor=None, action="status", obj=incident, incident=incident,
                 summary=f"Status {incident.get_status_display().lower()} -> {new.label.lower()} "
                         f"(follows its reports)",
                 before={"status": incident.status}, after={"status": new.value})
    return new


def clean_display_name(name: str | None) -> str:
    """The uploaded name made safe to show: no path, no control characters, bounded length.

    It is only ever displayed or offered as a download name, never used as a path.
    """
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if name in ("", ".", ".."):
        name = "unnamed"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 16 else name[:200]
    return name


def evidence_ingest(*, actor, incident: Incident, upload, description: str = "",
                    time_zone: str = "UTC", ends_at=None) -> Evidence:
    """Store one uploaded file as evidence of ``incident``.

    ``upload`` comes from ``EvidenceUploadHandler``, which hashed it while it streamed in. The
    bytes go to the private evidence storage under a random name; if recording the row fails the
    stored file is removed again, so nothing is left half-stored.
    """
    size = upload.size
    if size == 0:
        raise ValidationError("%(name)s is empty: there is nothing to keep as evidence.",
                              params={"name": clean_display_name(upload.name)})
    if size > settings.EVIDENCE_MAX_BYTES:
        raise ValidationError("File is larger than the evidence limit.")
    evidence = Evidence(
        incident=incident, original_name=clean_display_name(upload.name),
        description=description, time_zone=time_zone, ends_at=ends_at, size=size,
        sha256=upload.sha256,
        uploaded_by=actor,
    )
    evidence.full_clean(exclude=["file"])
    evidence.file.save(upload.name, upload, save=False)
    try:
        with transaction.atomic():
            evidence.save()
            audit_record(actor=actor, action="upload", obj=evidence, incident=incident,
                         summary=f"Uploaded {evidence.original_name} "
                                 f"({size} bytes, SHA-256 {evidence.sha256})",
                         after={"name": evidence.original_name, "size": size,
                                "sha256": evidence.sha256, "time_zone": time_zone,
                                "ends_at": ends_at.isoformat() if ends_at else None})
    except (IntegrityError, ValidationError, OSError):
        evidence.file.storage.delete(evidence.file.name)
        raise
    log.info("evidence %s stored for %s", evidence.pk, incident.reference)
    from .tasks import parse_evidence

    pk = evidence.pk
    transaction.on_commit(lambda: parse_evidence.delay(pk))
    return evidence


def evidence_open(*, actor, evidence: Evidence):
    """Open a stored file for download, and say so in the audit trail."""
    handle = evidence.file.storage.open(evidence.file.name, "rb")
    audit_record(actor=actor, action="download", obj=evidence, incident=evidence.incident,
                 summary=f"Downloaded {evidence.original_name}")
    return handle
