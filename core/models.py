"""Users' profiles (their time zone) and the worker heartbeat read by /healthz."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .timezones import validate_zone


class Role(models.TextChoices):
    """Roles are Django groups; their permissions are set in migration 0002."""

    ADMIN = "admin", "Admin"
    RESPONDER = "responder", "Responder"
    VIEWER = "viewer", "Viewer"


class Profile(models.Model):
    """Per-user preferences. Times are entered and shown in ``time_zone``."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="profile")
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_zone],
                                 help_text="IANA time zone, e.g. Europe/Berlin")

    def __str__(self):
        return f"{self.user} ({self.time_zone})"

    @classmethod
    def zone_for(cls, user) -> str:
        """The user's zone, or the site default when they have not chosen one."""
        zone = cls.objects.filter(user_id=user.pk).values_list("time_zone", flat=True).first()
        return zone or settings.DEFAULT_USER_TIME_ZONE


class Heartbeat(models.Model):
    """Last sign of life of each Celery worker: written on start and by the beat-driven task."""

    hostname = models.CharField(max_length=255, unique=True)
    seen_at = models.DateTimeField(default=timezone.now)
    # Set only by the task that beat schedules: proves beat and a worker both run.
    task_seen_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.hostname} @ {self.seen_at:%Y-%m-%d %H:%M:%S}Z"

    @classmethod
    def beat(cls, hostname: str, *, from_task: bool) -> None:
        now = timezone.now()
        values = {"seen_at": now} | ({"task_seen_at": now} if from_task else {})
        cls.objects.update_or_create(hostname=hostname, defaults=values)

    @classmethod
    def latest(cls):
        return cls.objects.order_by("-seen_at").first()
