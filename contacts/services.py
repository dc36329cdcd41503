"""Admins' and responders' changes to organisations, and how offenders group by organisation."""

from dataclasses import dataclass, field

from django.db import transaction

from incidents.audit import audit_record

from .models import AbuseAddress, CatchAllMailbox, Lookup, Organisation

EDITABLE = ["name", "reply_window_hours", "language", "wants_xarf", "do_not_contact",
            "do_not_contact_reason", "phone"]


@transaction.atomic
def organisation_update(*, actor, organisation: Organisation, manual_addresses: list[str]) -> None:
    """Save the overrides (already set on ``organisation``) and make ``manual_addresses`` the
    manual ones. A manual address replaces an RDAP row for the same mailbox; RDAP refreshes
    never touch manual rows."""
    before = Organisation.objects.filter(pk=organisation.pk).values(*EDITABLE).first() or {}
    before["manual"] = sorted(organisation.addresses.filter(source=AbuseAddress.Source.MANUAL)
                              .values_list("email", flat=True))
    organisation.save()
    wanted = {e.lower(): e for e in manual_addresses}
    for address in organisation.addresses.all():
        if address.email.lower() in wanted:
            if address.source != AbuseAddress.Source.MANUAL:
                AbuseAddress.objects.filter(pk=address.pk).update(
                    source=AbuseAddress.Source.MANUAL, registry="", entity_handle="", role="",
                    depth=None)
            wanted.pop(address.email.lower())
        elif address.source == AbuseAddress.Source.MANUAL:
            address.delete()
    for email in wanted.values():
        AbuseAddress.objects.create(organisation=organisation, email=email,
                                    source=AbuseAddress.Source.MANUAL)
    after = {name: getattr(organisation, name) for name in EDITABLE}
    after["manual"] = sorted(e for e in manual_addresses)
    audit_record(actor=actor, action="contact_edit", obj=organisation,
                 summary=f"Edited contact {organisation.name}",
                 before=before, after=after)


@dataclass
class OffenderGroup:
    """Offenders answered for by one organisation, or left without one for one reason."""

    organisation: Organisation | None
    offenders: list = field(default_factory=list)
    addresses: list[AbuseAddress] = field(default_factory=list)
    reason: str = ""
    low_confidence: bool = False

    @property
    def key(self):
        return self.organisation.pk if self.organisation else self.reason


def usable_addresses(organisation: Organisation, catch_all: set[str]) -> tuple[list[AbuseAddress], str]:
    """The addresses a report would go to, or why there are none."""
    if organisation.do_not_contact:
        return [], f"do not contact: {organisation.do_not_contact_reason}"
    addresses = list(organisation.addresses.all())
    manual = [a for a in addresses if a.source == AbuseAddress.Source.MANUAL and a.usable]
    if manual:
        return manual, ""
    rdap = [a for a in addresses if a.usable]
    good = [a for a in rdap if a.email.lower() not in catch_all]
    if good:
        return good, ""
    if rdap:
        return [], "only a registry catch-all mailbox (" + ", ".join(a.email for a in rdap) + ")"
    if any(a.bounce_permanent for a in addresses):
        return [], "every abuse address bounced"
    return [], "no abuse address in RDAP"


def offenders_by_organisation(offenders) -> list[OffenderGroup]:
    """Group offenders for the incident page: organisations first (largest first), then the
    offenders without one, each group saying why."""
    offenders = list(offenders)
    catch_all = set(CatchAllMailbox.objects.values_list("email", flat=True))
    failures = dict(Lookup.objects.filter(ip__in=[o.ip for o in offenders if o.ip])
                    .exclude(error="").values_list("ip", "error"))
    groups: dict[object, OffenderGroup] = {}
    for offender in offenders:
        org = offender.network.organisation if offender.network else None
        if offender.excluded:
            group = groups.setdefault(("excluded",), OffenderGroup(None, reason="never reported"))
        elif org is not None:
            group = groups.get(org.pk)
            if group is None:
                addresses, reason = usable_addresses(org, catch_all)
                group = groups[org.pk] = OffenderGroup(org, addresses=addresses, reason=reason,
                                                       low_confidence=org.low_confidence)
        elif offender.ip is None:
            group = groups.setdefault(("host",), OffenderGroup(None, reason="host name: no address"))
        elif offender.ip in failures:
            reason = f"RDAP look-up failed: {failures[offender.ip]}"
            group = groups.setdefault(("failed", reason), OffenderGroup(None, reason=reason))
        else:
            group = groups.setdefault(("pending",), OffenderGroup(None, reason="not looked up yet"))
        group.offenders.append(offender)
    return sorted(groups.values(), key=lambda g: (g.organisation is None, -len(g.offenders)))
