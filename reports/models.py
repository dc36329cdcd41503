"""Reports (one incident x one abuse contact, the outbox of sending) and every mail in or out."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    REPLIED = "replied", "Replied"
    RESOLVED = "resolved", "Resolved"
    OVERDUE = "overdue", "Overdue"
    FOLLOWED_UP = "followed_up", "Followed up"
    ESCALATED = "escalated", "Escalated"
    BOUNCED = "bounced", "Bounced"
    FAILED = "failed", "Failed"
    UNKNOWN = "unknown", "Unknown (confirm)"


S = ReportStatus
# The one place that says which status may follow which.
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.QUEUED},
    S.QUEUED: {S.SENDING, S.DRAFT},
    S.SENDING: {S.SENT, S.FAILED, S.UNKNOWN, S.QUEUED},
    S.SENT: {S.ACKNOWLEDGED, S.REPLIED, S.OVERDUE, S.BOUNCED, S.RESOLVED, S.ESCALATED},
    S.ACKNOWLEDGED: {S.REPLIED, S.OVERDUE, S.BOUNCED, S.RESOLVED, S.ESCALATED},
    S.OVERDUE: {S.FOLLOWED_UP, S.ESCALATED, S.REPLIED, S.ACKNOWLEDGED, S.RESOLVED},
    S.FOLLOWED_UP: {S.OVERDUE, S.REPLIED, S.ACKNOWLEDGED, S.ESCALATED, S.RESOLVED},
    S.ESCALATED: {S.REPLIED, S.RESOLVED},
    S.REPLIED: {S.RESOLVED, S.OVERDUE},
    S.RESOLVED: {S.REPLIED, S.SENT},  # reopened: back to waiting, or to the reply it had
    S.BOUNCED: {S.DRAFT, S.RESOLVED},
    S.FAILED: {S.DRAFT, S.RESOLVED},
    S.UNKNOWN: {S.SENT, S.QUEUED, S.FAILED},
}
AWAITING_REPLY = (S.SENT, S.ACKNOWLEDGED, S.FOLLOWED_UP, S.ESCALATED)


class Report(models.Model):
    """One abuse report. The row is the outbox: Message-ID and idempotency key exist before sending."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT,
                                 related_name="reports")
    digest_incidents = models.ManyToManyField(
        "incidents.Incident", blank=True, related_name="digest_reports",
        help_text="Further open incidents reported in the same mail (digest mode)")
    offenders = models.ManyToManyField("incidents.Offender", blank=True, related_name="reports",
                                       help_text="The offending addresses this report names")
    organisation = models.ForeignKey("contacts.Organisation", on_delete=models.PROTECT,
                                     related_name="reports")
    status = models.CharField(max_length=16, choices=ReportStatus.choices, default=S.DRAFT,
                              db_index=True)
    to_addresses = models.JSONField(default=list)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    isp_ticket = models.CharField(max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    # Sending (reports/sending.py). Times below are the database's clock, never a worker's.
    reply_token = models.CharField(
        max_length=32, blank=True, db_index=True,
        help_text="Names this report in its Reply-To address (plus-addressing)")
    attempts = models.PositiveSmallIntegerField(default=0, help_text="SMTP sessions started")
    sending_started_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker last claimed the report to send it")
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="A queued report is not sent before this (retry, throttle)")
    waiting_reason = models.CharField(max_length=200, blank=True,
                                      help_text="Why a queued report is still waiting")
    followups_sent = models.PositiveSmallIntegerField(default=0)
    reminded_at = models.DateTimeField(null=True, blank=True,
                                       help_text="When the owner was reminded that it is overdue")
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    # Composing (reports/composing.py): a prepared draft is composed by a worker (excerpt, XARF,
    # text); it cannot be queued before that is done.
    template = models.ForeignKey("ReportTemplate", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="reports")
    compose_options = models.JSONField(default=dict, blank=True,
                                       help_text="What the Prepare form said (action taken, ...)")
    composing = models.BooleanField(default=False, help_text="A worker is composing the draft")
    compose_error = models.TextField(blank=True)
    composed_at = models.DateTimeField(null=True, blank=True)
    body_edited = models.BooleanField(default=False, help_text="A person edited the text by hand")
    redactions = models.JSONField(default=dict, blank=True,
                                  help_text="What the excerpt redacted: placeholder -> original, count")
    excerpt_notes = models.JSONField(default=list, blank=True,
                                     help_text="Per evidence file: lines or packets kept, trimmed, errors")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.incident} → {self.organisation}"

    def get_absolute_url(self):
        return reverse("reports:detail", args=[self.pk])

    @staticmethod
    def may_move(old: str, new: str) -> bool:
        return new in TRANSITIONS.get(old, set())

    def move(self, old: str, new: str, *, where: models.Q | None = None, **changes) -> bool:
        """Compare-and-set: change the status only if it still is ``old``. True if we won.

        ``where`` adds conditions the row must still meet (e.g. "its retry time has come").
        """
        if not self.may_move(old, new):
            raise ValueError(f"A report cannot go from {old} to {new}")
        changes["updated_at"] = timezone.now()
        rows = Report.objects.filter(pk=self.pk, status=old)
        if where is not None:
            rows = rows.filter(where)
        won = rows.update(status=new, **changes) == 1
        if won:
            self.status = new
            for field, value in changes.items():
                setattr(self, field, value)
            from incidents.services import incident_status_follow

            incident_status_follow(self.incident_id)
            for other in self.digest_incidents.values_list("pk", flat=True):
                incident_status_follow(other)
        return won


class Message(models.Model):
    """Every mail in or out, its raw MIME archived as received or sent."""

    class Direction(models.TextChoices):
        IN = "in", "Inbound"
        OUT = "out", "Outbound"

    class Kind(models.TextChoices):
        REPORT = "report", "Report"
        FOLLOW_UP = "follow_up", "Follow-up"
        HUMAN_REPLY = "human_reply", "Human reply"
        AUTO_REPLY = "auto_reply", "Auto-reply"
        BOUNCE = "bounce", "Bounce"
        ABUSE_REPORT = "abuse_report", "Abuse report"
        UNRELATED = "unrelated", "Unrelated"

    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    from_address = models.CharField(max_length=320, blank=True)
    to_addresses = models.JSONField(default=list, blank=True)
    raw = models.BinaryField(help_text="The whole message as sent or received")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # Inbound only: what filed it, what the classifier said, and a human's decisions.
    digest = models.CharField(max_length=64, blank=True, db_index=True,
                              help_text="SHA-256 of the raw bytes: the identity of mail without Message-ID")
    classification = models.JSONField(default=dict, blank=True)
    filed_how = models.CharField(max_length=20, blank=True,
                                 help_text="thread, reference, address or manual; empty while unfiled")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    discarded_at = models.DateTimeField(null=True, blank=True)
    discarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            # a message fetched twice is stored once: by Message-ID, or by its bytes without one
            models.UniqueConstraint(fields=["direction", "message_id"], condition=~models.Q(message_id=""),
                                    name="message_once_by_id"),
            models.UniqueConstraint(fields=["direction", "digest"],
                                    condition=models.Q(message_id="") & ~models.Q(digest=""),
                                    name="message_once_by_digest"),
        ]

    def __str__(self):
        return f"{self.get_direction_display()} {self.get_kind_display()}: {self.subject[:60]}"


class ReportAttachment(models.Model):
    """A file a report carries, built when the draft is prepared and sent exactly as previewed."""

    class Kind(models.TextChoices):
        EXCERPT = "excerpt", "Evidence excerpt (zip)"
        XARF = "xarf", "XARF report (JSON)"
        OTHER = "other", "Other"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    data = models.BinaryField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report", "kind", "name"]

    def __str__(self):
        return self.name


class ReportTemplate(models.Model):
    """Subject and text of reports, per incident category and language, edited by admins.

    Rendered in a sandbox (reports/templating.py) that sees only the documented placeholders.
    The template for a report: its category and the contact's language, else its category in
    English, else the "any category" one in that language, else in English; with none of these
    active, the text shipped for the category (reports/default_templates.py).
    """

    name = models.CharField(max_length=100)
    category = models.CharField(max_length=32, blank=True,
                                help_text="Incident category it is for; empty: any category")
    language = models.CharField(max_length=10, default="en", help_text="e.g. en, de, fr")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    active = models.BooleanField(default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "language", "name"]
        constraints = [
            models.UniqueConstraint(fields=["category", "language"], condition=models.Q(active=True),
                                    name="one_active_template_per_category_and_language",
                                    violation_error_message="Another active template has this "
                                    "category and language; deactivate that one first."),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def for_report(cls, category: str, language: str) -> "ReportTemplate | None":
        language = (language or "en").lower()
        candidates = {(t.category, t.language): t for t in cls.objects.filter(
            active=True, category__in=[category, ""], language__in=[language, "en"])}
        for key in ((category, language), (category, "en"), ("", language), ("", "en")):
            if key in candidates:
                return candidates[key]
        return None
