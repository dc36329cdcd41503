"""Registry networks (from RDAP) and the organisations answering for them, with abuse addresses."""

import ipaddress

from django.conf import settings
from django.db import models
from django.utils import timezone

from .addresses import sort_key


class NetworkQuerySet(models.QuerySet):
    def containing(self, ip: str):
        """Networks whose range holds ``ip``, smallest first (one index range scan)."""
        key = sort_key(ip)
        return self.filter(start_key__lte=key, end_key__gte=key).order_by("-start_key", "end_key")


class Network(models.Model):
    """A registry range as RDAP answered it. Cached until ``expires_at``."""

    start = models.GenericIPAddressField()
    end = models.GenericIPAddressField()
    start_key = models.CharField(max_length=32, editable=False)
    end_key = models.CharField(max_length=32, editable=False)
    cidrs = models.JSONField(default=list, blank=True, help_text="Covering CIDRs of the range")
    handle = models.CharField(max_length=100, blank=True, db_index=True)
    name = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, blank=True)
    registry = models.CharField(max_length=20, blank=True)
    type = models.CharField(max_length=60, blank=True, help_text="As the registry calls it, "
                            "e.g. ASSIGNED PA, DIRECT ALLOCATION")
    parent_handle = models.CharField(max_length=100, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="children")
    organisation = models.ForeignKey("Organisation", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="networks")
    raw = models.JSONField(null=True, blank=True, help_text="The RDAP answer as received")
    source_url = models.URLField(max_length=500, blank=True, help_text="The URL that answered")
    contacts = models.JSONField(
        default=list, blank=True,
        help_text="Addresses found in the answer: email, role, entity handle, depth")
    low_confidence = models.BooleanField(
        default=False, help_text="No abuse role: contacts are noc/technical or registrant ones")
    fetched_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = NetworkQuerySet.as_manager()

    class Meta:
        ordering = ["start_key", "end_key"]
        indexes = [models.Index(fields=["start_key", "end_key"], name="network_range_idx")]
        constraints = [models.UniqueConstraint(fields=["start_key", "end_key"],
                                               name="network_range_once")]

    def __str__(self):
        return f"{self.handle or self.name} {self.start} - {self.end}"

    def save(self, *args, **kwargs):
        self.start_key = sort_key(self.start)
        self.end_key = sort_key(self.end)
        super().save(*args, **kwargs)

    @property
    def size(self) -> int:
        return int(ipaddress.ip_address(self.end)) - int(ipaddress.ip_address(self.start)) + 1

    @property
    def is_leaf(self) -> bool:
        """An assignment to an end user: the registry holds nothing more specific below it."""
        kind = self.type.upper()
        return "ASSIGN" in kind and "ALLOCAT" not in kind

    @property
    def answers_for_neighbours(self) -> bool:
        """May this cached answer stand for other addresses in the range?

        Only for a leaf or a small block (IPv4 /24, IPv6 /48 or smaller): a large allocation
        may hold reassignments to other organisations, which only a query reveals.
        """
        small = 2 ** (32 - 24) if ":" not in self.start else 2 ** (128 - 48)
        return self.is_leaf or self.size <= small

    @property
    def abuse_emails(self) -> list[str]:
        return [] if self.low_confidence else [c["email"] for c in self.contacts]



def default_reply_window_hours() -> int:
    return settings.REPLY_WINDOW_HOURS


class Organisation(models.Model):
    """Who answers for one or more networks; reports go to its abuse addresses."""

    name = models.CharField(max_length=200)
    handle = models.CharField(max_length=100, blank=True, db_index=True)
    registry = models.CharField(max_length=20, blank=True)
    phone = models.CharField(max_length=64, blank=True)
    reply_window_hours = models.PositiveIntegerField(
        default=default_reply_window_hours,
        help_text="How long to wait for a reply before a report is overdue",
    )
    language = models.CharField(max_length=10, default="en")
    wants_xarf = models.BooleanField(default=True, help_text="Attach a machine-readable XARF report")
    do_not_contact = models.BooleanField(default=False)
    do_not_contact_reason = models.CharField(max_length=300, blank=True)
    auto_follow_up = models.BooleanField(
        default=False, help_text="Mail the abuse desk again, quoting our report, when the window passes")
    max_follow_ups = models.PositiveSmallIntegerField(
        default=1, help_text="Automatic follow-ups before escalating to the upstream network")
    auto_escalate = models.BooleanField(
        default=False, help_text="Send the escalation draft without waiting for a human")
    low_confidence = models.BooleanField(
        default=False, help_text="No abuse role in RDAP: addresses come from noc/technical/registrant"
    )
    last_lookup_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class AbuseAddress(models.Model):
    """One abuse mailbox of an organisation and where it came from (RDAP or an admin)."""

    class Source(models.TextChoices):
        RDAP = "rdap", "RDAP"
        MANUAL = "manual", "Manual"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="addresses")
    email = models.EmailField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.RDAP)
    registry = models.CharField(max_length=20, blank=True)
    entity_handle = models.CharField(max_length=100, blank=True)
    role = models.CharField(max_length=30, blank=True)
    depth = models.PositiveSmallIntegerField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    bounce_permanent = models.BooleanField(default=False)

    class Meta:
        ordering = ["organisation", "-source", "email"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "email"], name="address_once_per_org")
        ]

    def __str__(self):
        return self.email

    @property
    def usable(self) -> bool:
        return not self.bounce_permanent


class Lookup(models.Model):
    """The last RDAP question about one address: the network it led to, or why it failed.

    The address's own answer is reused until it expires even when its network is too large to
    stand for its neighbours; failures are remembered for RDAP_FAILURE_TTL_SECONDS.
    """

    ip = models.GenericIPAddressField(unique=True)
    network = models.ForeignKey(Network, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="lookups")
    error = models.CharField(max_length=500, blank=True)
    looked_up_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    def __str__(self):
        return f"{self.ip}: {self.error or self.network}"


class CatchAllMailbox(models.Model):
    """A registry mailbox that only answers "write to the holder": never sent reports.

    Seeded by a data migration; admins edit the list in the admin site.
    """

    email = models.EmailField(unique=True)
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["email"]
        verbose_name_plural = "catch-all mailboxes"

    def __str__(self):
        return self.email
