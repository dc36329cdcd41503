"""From an address to its registry network and abuse contact: the cache, the upsert, the task side.

One code path for the Celery task, the "Refresh from RDAP" button and ``manage.py lookup_contact``:
``contact_resolve`` answers from the cache when it may, otherwise asks the registry under the
registry's query lock and rate limit (``ratelimit.py``) and stores what it learnt.
"""

import ipaddress
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from incidents.parsers.addresses import exclusion_reason, normalise

from . import ratelimit, rdap
from .addresses import sort_key
from .models import AbuseAddress, CatchAllMailbox, Lookup, Network, Organisation

log = logging.getLogger(__name__)


class NotLookedUp(Exception):
    """The address must never be looked up (private, documentation, our own, ...)."""

    def __init__(self, address: str, reason: str):
        super().__init__(f"{address} is not looked up: {reason}")
        self.address = address
        self.reason = reason


class CachedFailure(rdap.RdapError):
    """The last look-up of this address failed less than RDAP_FAILURE_TTL_SECONDS ago."""


@dataclass
class Resolution:
    ip: str
    network: Network
    source: str  # "cache" or "rdap"

    @property
    def organisation(self) -> Organisation | None:
        return self.network.organisation

    def as_json(self) -> dict:
        """The ``lookup_contact --json`` shape (DESIGN.md, "Command-line contract")."""
        net, org = self.network, self.network.organisation
        manual = list(org.addresses.filter(source=AbuseAddress.Source.MANUAL)
                      .values_list("email", flat=True)) if org else []
        catch_all = set(CatchAllMailbox.objects.values_list("email", flat=True))
        found = [c["email"] for c in net.contacts]
        return {
            "ip": self.ip,
            "network": {"start": net.start, "end": net.end, "cidrs": net.cidrs,
                        "handle": net.handle, "name": net.name, "country": net.country or None,
                        "registry": net.registry, "parent_handle": net.parent_handle or None},
            "abuse_emails": manual or net.abuse_emails,
            "source": "manual" if manual else self.source,
            "low_confidence": net.low_confidence and not manual,
            "fallback_emails": found if net.low_confidence else [],
            "organisation": org.name if org else None,
            "do_not_contact": sorted({e for e in manual or found if e.lower() in catch_all}),
        }


def _checked(ip: str) -> str:
    address = normalise(ip)
    if address is None:
        raise NotLookedUp(ip, "not an IP address")
    reason = exclusion_reason(address, settings.OWN_NETWORKS_PARSED)
    if reason:
        raise NotLookedUp(address, reason)
    return address


def cached_network(address: str) -> Network | None:
    """The network answering for ``address`` without a query, if any (see Network and Lookup)."""
    now = timezone.now()
    lookup = Lookup.objects.filter(ip=address, expires_at__gt=now).select_related(
        "network__organisation").first()
    if lookup is not None:
        if lookup.error:
            raise CachedFailure(lookup.error)
        if lookup.network and lookup.network.expires_at and lookup.network.expires_at > now:
            return lookup.network
    for network in (Network.objects.containing(address).filter(expires_at__gt=now)
                    .select_related("organisation")[:8]):
        if network.answers_for_neighbours:
            return network
    return None


def contact_resolve(ip: str, *, refresh: bool = False) -> Resolution:
    """The registry network and contacts of ``ip``, from the cache when allowed, else from RDAP.

    Raises NotLookedUp, CachedFailure, rdap.RdapError (RateLimited and Unavailable are
    transient) and ratelimit.Busy.
    """
    address = _checked(ip)
    if not refresh and (network := cached_network(address)):
        return Resolution(address, network, "cache")
    base = rdap.bootstrap_base(address)
    registry = rdap.registry_of(base)
    with ratelimit.query_lock(registry):
        # Another worker may have answered this while we waited for the lock.
        if not refresh and (network := cached_network(address)):
            return Resolution(address, network, "cache")
        try:
            answer = rdap.query_network(address, throttle=ratelimit.throttle, base=base)
        except (rdap.RateLimited, ratelimit.Busy):
            raise
        except rdap.RdapError as exc:
            _remember_failure(address, str(exc))
            raise
        network = network_store(answer)
        _remember(address, network)
    return Resolution(address, network, "rdap")


def _remember(address: str, network: Network) -> None:
    Lookup.objects.update_or_create(
        ip=address, defaults={"network": network, "error": "", "looked_up_at": timezone.now(),
                              "expires_at": network.expires_at})


def _remember_failure(address: str, error: str) -> None:
    now = timezone.now()
    Lookup.objects.update_or_create(
        ip=address, defaults={"network": None, "error": error[:500], "looked_up_at": now,
                              "expires_at": now + timedelta(seconds=settings.RDAP_FAILURE_TTL_SECONDS)})


@transaction.atomic
def network_store(answer: rdap.NetworkAnswer) -> Network:
    """Insert or refresh the network of ``answer`` (keyed by its range) and its organisation."""
    now = timezone.now()
    network, _ = Network.objects.update_or_create(
        start_key=sort_key(answer.start), end_key=sort_key(answer.end),
        defaults={
            "start": answer.start, "end": answer.end, "cidrs": answer.cidrs,
            "handle": answer.handle[:100], "name": answer.name[:200], "country": answer.country,
            "registry": answer.registry[:20], "type": answer.type[:60],
            "parent_handle": answer.parent_handle[:100], "raw": answer.raw,
            "source_url": answer.url[:500], "contacts": [c.as_dict() for c in answer.contacts],
            "low_confidence": answer.low_confidence, "fetched_at": now,
            "expires_at": now + timedelta(seconds=settings.RDAP_CACHE_TTL_SECONDS),
        },
    )
    if answer.parent_handle and network.parent_id is None:
        parent = Network.objects.filter(handle=answer.parent_handle,
                                        registry=network.registry).first()
        if parent:
            Network.objects.filter(pk=network.pk).update(parent=parent)
    organisation = organisation_upsert(network=network, answer=answer)
    if network.organisation_id != organisation.pk:
        network.organisation = organisation
        network.save(update_fields=["organisation"])
    return network


def organisation_upsert(*, network: Network, answer: rdap.NetworkAnswer) -> Organisation:
    """The organisation holding ``network``, with its RDAP addresses made current.

    RDAP addresses are the union of what its networks' answers name; manual addresses are
    never touched, and an address an admin entered by hand stays manual.
    """
    handle = answer.organisation_handle or answer.handle or answer.name
    organisation = Organisation.objects.filter(registry=answer.registry, handle=handle[:100]).first()
    if organisation is None:
        organisation = Organisation.objects.create(
            registry=answer.registry[:20], handle=handle[:100],
            name=(answer.organisation_name or answer.name or handle)[:200])
    organisation.low_confidence = answer.low_confidence
    organisation.last_lookup_at = timezone.now()
    if answer.phone and not organisation.phone:
        organisation.phone = answer.phone[:64]
    organisation.save(update_fields=["low_confidence", "last_lookup_at", "phone", "updated_at"])

    found: dict[str, dict] = {}
    for net in Network.objects.filter(organisation=organisation).exclude(pk=network.pk):
        for c in net.contacts:
            found.setdefault(c["email"].lower(), {**c, "registry": net.registry})
    for c in answer.contacts:
        found[c.email.lower()] = {**c.as_dict(), "registry": answer.registry}
    existing = {a.email.lower(): a for a in organisation.addresses.all()}
    for key, address in existing.items():
        if address.source == AbuseAddress.Source.RDAP and key not in found:
            address.delete()
    for key, c in found.items():
        current = existing.get(key)
        if current and current.source == AbuseAddress.Source.MANUAL:
            continue
        AbuseAddress.objects.update_or_create(
            organisation=organisation, email=current.email if current else c["email"],
            defaults={"source": AbuseAddress.Source.RDAP, "registry": c["registry"][:20],
                      "entity_handle": c["entity_handle"][:100], "role": c["role"][:30],
                      "depth": c["depth"]})
    return organisation


def network_parent_resolve(network: Network) -> Network:
    """Look up the network above ``network`` (the upstream provider: the escalation path).

    Uses the answer's ``up`` link when the registry gives one, else asks for the smallest block
    strictly containing the network's first CIDR, which the registry answers with the parent.
    """
    if network.parent and network.parent.expires_at and network.parent.expires_at > timezone.now():
        return network.parent
    first = ipaddress.ip_network(network.cidrs[0] if network.cidrs else f"{network.start}/32")
    if first.prefixlen == 0:
        raise rdap.BadAnswer("a network spanning the whole address space has no parent")
    supernet = first.supernet()
    up = next((lk.get("href", "") for lk in (network.raw or {}).get("links") or []
               if isinstance(lk, dict) and lk.get("rel") == "up"), "")
    base = (network.source_url.split("/ip/", 1)[0] + "/") if "/ip/" in network.source_url \
        else rdap.bootstrap_base(network.start)
    url = up or f"{base}ip/{supernet}"
    with ratelimit.query_lock(rdap.registry_of(url)):
        answer = rdap.query_url(url, address=network.start, throttle=ratelimit.throttle)
        parent = network_store(answer)
    if parent.pk == network.pk:
        raise rdap.BadAnswer(f"{network.registry} knows nothing above {network}")
    Network.objects.filter(pk=network.pk).update(parent=parent)
    network.parent = parent
    return parent


# --- Offenders ----------------------------------------------------------------------------------

def incident_contacts_request(incident_id: int) -> None:
    """Resolve the incident's offenders in a worker, once the current transaction commits."""
    from .tasks import resolve_incident

    transaction.on_commit(lambda: resolve_incident.delay(incident_id))


@dataclass
class Pending:
    """Offenders a task could not resolve now, and how long to wait before trying again."""

    offender_ids: list[int]
    wait_seconds: float


def offenders_resolve(offender_ids: list[int]) -> Pending | None:
    """Attach each offender to its network. Stops at the first "slow down" and returns the rest."""
    from incidents.models import Offender

    offenders = list(Offender.objects.filter(pk__in=offender_ids, ip__isnull=False,
                                             excluded_reason="").order_by("ip"))
    for index, offender in enumerate(offenders):
        try:
            resolution = contact_resolve(offender.ip)
        except NotLookedUp as exc:
            log.info("%s", exc)
            continue
        except (rdap.RateLimited, ratelimit.Busy) as exc:
            wait = getattr(exc, "retry_after", None) or getattr(exc, "wait", None) or 60
            log.warning("look-ups paused: %s", exc)
            return Pending([o.pk for o in offenders[index:]], float(wait))
        except rdap.RdapError as exc:
            log.warning("no network for %s: %s", offender.ip, exc)
            continue
        if offender.network_id != resolution.network.pk:
            Offender.objects.filter(pk=offender.pk).update(network=resolution.network)
    return None


def incident_offenders_pending(incident_id: int) -> list[int]:
    """Offenders of the incident with an address to look up and no current network."""
    from django.db.models import Q

    from incidents.models import Offender

    return list(Offender.objects.filter(incident_id=incident_id, ip__isnull=False, excluded_reason="")
                .filter(Q(network__isnull=True) | Q(network__expires_at__lte=timezone.now()))
                .values_list("pk", flat=True))


def organisation_refresh(organisation_id: int) -> Pending | None:
    """Ask RDAP again for every network of the organisation (bypassing the cache)."""
    for network in Network.objects.filter(organisation_id=organisation_id):
        address = network.lookups.values_list("ip", flat=True).first() or network.start
        try:
            contact_resolve(address, refresh=True)
        except (rdap.RateLimited, ratelimit.Busy) as exc:
            wait = getattr(exc, "retry_after", None) or getattr(exc, "wait", None) or 60
            return Pending([organisation_id], float(wait))
        except (rdap.RdapError, NotLookedUp) as exc:
            log.warning("refresh of %s failed: %s", network, exc)
    return None


def organisation_refresh_request(organisation_id: int) -> None:
    from .tasks import refresh_organisation

    transaction.on_commit(lambda: refresh_organisation.delay(organisation_id))


def network_parent_request(network_id: int) -> None:
    from .tasks import lookup_parent

    transaction.on_commit(lambda: lookup_parent.delay(network_id))
