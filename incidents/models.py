"""Incidents, their evidence, the offenders found in it, and the append-only audit trail."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, storages
from django.db import models
from django.urls import reverse
from django.utils import timezone

from core.timezones import validate_zone


class Category(models.TextChoices):
    """The XARF v4 categories an incident can fall in."""

    LOGIN_ATTACK = "login_attack", "Login attack"
    PORT_SCAN = "port_scan", "Port scan"
    DDOS = "ddos", "DDoS"
    VULNERABILITY_SCAN = "vulnerability_scan", "Vulnerability scan"
    EXPLOIT = "exploit", "Exploit"
    MALWARE = "malware", "Malware"
    SPAM = "spam", "Spam"
    OTHER = "other", "Other"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class IncidentStatus(models.TextChoices):
    """Follows the incident's reports: open, reporting, waiting (for replies), resolved, closed."""

    OPEN = "open", "Open"
    REPORTING = "reporting", "Reporting"
    WAITING = "waiting", "Waiting for replies"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class ReferenceCounter(models.Model):
    """One row per year; the next ``ABD-YYYY-NNNN`` number is taken under a row lock."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


def this_minute():
    """Default detection time: now, to the minute the form shows (so an untouched edit is no change)."""
    return timezone.now().replace(second=0, microsecond=0)


class Incident(models.Model):
    reference = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    category = models.CharField(max_length=32, choices=Category.choices, default=Category.LOGIN_ATTACK)
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.MEDIUM)
    status = models.CharField(max_length=16, choices=IncidentStatus.choices,
                              default=IncidentStatus.OPEN, db_index=True)
    detected_at = models.DateTimeField(default=this_minute,
                                       help_text="When the attack was first noticed")
    description = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="owned_incidents")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-detected_at", "-id"]
        indexes = [models.Index(fields=["-detected_at"], name="incident_detected_idx")]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def get_absolute_url(self):
        return reverse("incidents:detail", args=[self.reference])


class EvidenceStorage(Storage):
    """The private evidence store, looked up in STORAGES["evidence"] at each use.

    A FileField resolves its storage once, when models load; this proxy keeps the configured
    backend (a local folder or S3-compatible object storage) swappable after that.
    """

    @property
    def backend(self) -> Storage:
        return storages["evidence"]

    def open(self, name, mode="rb"):
        return self.backend.open(name, mode)

    def save(self, name, content, max_length=None):
        return self.backend.save(name, content, max_length=max_length)

    def generate_filename(self, filename):
        return self.backend.generate_filename(filename)

    def get_available_name(self, name, max_length=None):
        return self.backend.get_available_name(name, max_length=max_length)

    def delete(self, name):
        return self.backend.delete(name)

    def exists(self, name):
        return self.backend.exists(name)

    def size(self, name):
        return self.backend.size(name)

    def listdir(self, path):
        return self.backend.listdir(path)

    def path(self, name):
        # a local folder has paths (a large file's parts open it themselves); S3 raises
        # NotImplementedError, and the file is read as one stream
        return self.backend.path(name)

    def url(self, name):
        raise NotImplementedError("Evidence has no public URL; it is downloaded through a view.")


def evidence_storage():
    return EvidenceStorage()


def evidence_path(instance, filename):
    # The uploaded name is never part of the path: a random name under the year and month.
    now = timezone.now()
    return f"{now:%Y/%m}/{uuid.uuid4().hex}"


class EvidenceState(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded"
    PARSING = "parsing", "Parsing"
    PARSED = "parsed", "Parsed"
    FAILED = "failed", "Failed"


class Evidence(models.Model):
    """A file as it arrived: stored privately, hashed while it streamed in, never modified."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(storage=evidence_storage, upload_to=evidence_path,
                            max_length=255, editable=False)
    original_name = models.CharField(max_length=255, help_text="As uploaded; for display only")
    description = models.TextField(blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_zone],
                                 help_text="Zone of timestamps in the file that carry none")
    size = models.PositiveBigIntegerField(editable=False)
    sha256 = models.CharField(max_length=64, editable=False, db_index=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)
    ends_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When the files end: log lines without a year are placed no later than this "
                  "(the upload time when empty)")
    # Parsing (filled in by the parse task).
    detected_format = models.CharField(max_length=40, blank=True)
    state = models.CharField(max_length=16, choices=EvidenceState.choices,
                             default=EvidenceState.UPLOADED)
    parse_error = models.TextField(blank=True)
    bytes_read = models.PositiveBigIntegerField(default=0)
    records = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    parse_errors = models.JSONField(default=list, blank=True)
    errors_total = models.PositiveIntegerField(default=0)
    offenders_found = models.PositiveIntegerField(default=0)
    parse_started_at = models.DateTimeField(null=True, blank=True)
    parsed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name_plural = "evidence"

    def __str__(self):
        return f"{self.original_name} ({self.sha256[:12]})"

    def save(self, *args, **kwargs):
        if self.pk:
            stored = Evidence.objects.filter(pk=self.pk).values("file", "sha256", "size").first()
            if stored and (stored["file"] != self.file.name or stored["sha256"] != self.sha256
                           or stored["size"] != self.size):
                raise ValidationError("Stored evidence is never modified.")
        super().save(*args, **kwargs)


class Offender(models.Model):
    """One attacking source of an incident: an address, or a host name as the logs wrote it.

    Its figures are the sum of its sightings (one per evidence file), so re-parsing a file
    replaces that file's share and never counts anything twice.
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="offenders")
    source = models.CharField(max_length=255, help_text="Address, or host name as seen")
    ip = models.GenericIPAddressField(null=True, blank=True, help_text="Empty for a host name")
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    count = models.PositiveIntegerField(default=0)
    rate_per_minute = models.FloatField(null=True, blank=True,
                                        help_text="Attempts per minute between first and last seen")
    ports = models.JSONField(default=list, blank=True)
    targets = models.JSONField(default=list, blank=True)
    kinds = models.JSONField(default=list, blank=True,
                             help_text="Kinds of activity, e.g. failed login, IDS alert")
    signatures = models.JSONField(default=list, blank=True)
    source_ports = models.JSONField(
        default=list, blank=True,
        help_text="The offender's own source ports (at most 16), as abuse desks behind CGNAT need")
    evidence = models.ManyToManyField(Evidence, through="Sighting", related_name="offenders")
    excluded_reason = models.CharField(
        max_length=200, blank=True,
        help_text="Why this source is never reported or looked up (a range rule)")
    manual_exclusion = models.CharField(max_length=300, blank=True,
                                        help_text="An admin's reason to leave this source out")
    resolved_at = models.DateTimeField(null=True, blank=True,
                                       help_text="When an admin had this host name resolved")
    resolved_addresses = models.JSONField(default=list, blank=True)
    resolution_error = models.CharField(max_length=200, blank=True)
    network = models.ForeignKey("contacts.Network", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="offenders")

    class Meta:
        ordering = ["-count", "source"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "source"], name="offender_once_per_incident")
        ]

    def __str__(self):
        return f"{self.source} in {self.incident_id}"

    @property
    def excluded(self) -> str:
        return self.manual_exclusion or self.excluded_reason


class Sighting(models.Model):
    """What one evidence file says about one offender."""

    offender = models.ForeignKey(Offender, on_delete=models.CASCADE, related_name="sightings")
    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="sightings")
    count = models.PositiveIntegerField()
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    ports = models.JSONField(default=list, blank=True)
    targets = models.JSONField(default=list, blank=True)
    kinds = models.JSONField(default=list, blank=True)
    signatures = models.JSONField(default=list, blank=True)
    locations = models.JSONField(default=list, blank=True, help_text="First lines or packets")
    source_ports = models.JSONField(
        default=list, blank=True, help_text="The offender's own source ports, first seen first (at most 16)")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["offender", "evidence"], name="sighting_once_per_file")
        ]

    def __str__(self):
        return f"{self.offender_id} in evidence {self.evidence_id}: {self.count}"


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError("Audit events are append-only.")

    def delete(self):
        raise ValidationError("Audit events are append-only.")


class Event(models.Model):
    """Append-only audit trail: who did what, when, with the values before and after."""

    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=300)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S}Z {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Audit events are append-only.")
