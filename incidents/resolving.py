"""Host names found in evidence, resolved to addresses only when an admin asks.

Logs sometimes name an attacker by host name (a reverse lookup the logging daemon made, or a
client's HELO). Such offenders are kept as seen; resolving them is a deliberate act because a
lookup tells the name's owner that we are looking, and because names move. The system resolver
is used (so /etc/hosts and the local DNS set-up apply), a bounded number of names at once, each
with a time limit.
"""

import logging
import socket
from concurrent.futures import ThreadPoolExecutor, wait

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .audit import audit_record
from .models import Incident, Offender
from .parsers.addresses import exclusion_reason, normalise

log = logging.getLogger(__name__)


def _addresses_of(name: str) -> list[str]:
    infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    found: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = normalise(str(sockaddr[0]))
        if address and address not in found:
            found.append(address)
    return found


def _pick(addresses: list[str]) -> str | None:
    """The address that stands for the host: the first reportable one, else the first."""
    own = settings.OWN_NETWORKS_PARSED
    return next((a for a in addresses if exclusion_reason(a, own) is None), None) or \
        (addresses[0] if addresses else None)


def resolve_names(names: list[str], *, timeout: float) -> dict[str, list[str] | str]:
    """Each name's addresses, or the reason it has none; at most ``timeout`` seconds in all."""
    results: dict[str, list[str] | str] = {}
    if not names:
        return results
    pool = ThreadPoolExecutor(max_workers=min(8, len(names)), thread_name_prefix="resolve")
    futures = {pool.submit(_addresses_of, name): name for name in names}
    done, pending = wait(futures, timeout=timeout)
    for future in done:
        name = futures[future]
        try:
            results[name] = future.result() or "no address"
        except (OSError, UnicodeError) as exc:  # gaierror is an OSError
            results[name] = f"does not resolve ({getattr(exc, 'strerror', None) or exc})"
    for future in pending:
        results[futures[future]] = "lookup timed out"
    pool.shutdown(wait=False, cancel_futures=True)
    return results


def incident_resolve_request(*, actor, incident: Incident) -> int:
    """Queue the resolution of ``incident``'s host-name offenders; how many there are."""
    from .tasks import resolve_host_names

    count = incident.offenders.filter(ip__isnull=True).count()
    if count:
        audit_record(actor=actor, action="resolve", obj=incident, incident=incident,
                     summary=f"Resolution of {count} host name(s) requested")
        transaction.on_commit(lambda: resolve_host_names.delay(incident.pk))
    return count


def incident_resolve(incident_id: int) -> dict[str, list[str] | str]:
    """Resolve the incident's unresolved host names and record the outcome on each offender."""
    offenders = list(Offender.objects.filter(incident_id=incident_id, ip__isnull=True))
    results = resolve_names([o.source for o in offenders], timeout=settings.RESOLVE_TIMEOUT_SECONDS)
    now = timezone.now()
    own = settings.OWN_NETWORKS_PARSED
    for offender in offenders:
        outcome = results.get(offender.source, "lookup timed out")
        offender.resolved_at = now
        if isinstance(outcome, list):
            offender.resolved_addresses = outcome
            offender.ip = _pick(outcome)
            reason = exclusion_reason(offender.ip, own) if offender.ip else None
            if reason and not offender.excluded_reason:
                offender.excluded_reason = reason  # e.g. a name that resolves to a private range
            offender.resolution_error = ""
        else:
            offender.resolved_addresses = []
            offender.resolution_error = outcome
        offender.save(update_fields=["resolved_at", "resolved_addresses", "ip", "excluded_reason",
                                     "resolution_error"])
        log.info("offender %s (%s): %s", offender.pk, offender.source, outcome)
    if any(o.ip for o in offenders):
        from contacts.lookup import incident_contacts_request

        incident_contacts_request(incident_id)  # the new addresses need their abuse contacts
    if offenders:
        audit_record(actor=None, action="resolve", obj=offenders[0].incident,
                     incident=offenders[0].incident,
                     summary="Resolved host names: " + "; ".join(
                         f"{o.source} -> {', '.join(o.resolved_addresses) or o.resolution_error}"
                         for o in offenders)[:900])
    return results
