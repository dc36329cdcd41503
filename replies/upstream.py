"""Whom to escalate to when an abuse desk does not answer: the upstream network, else a CERT."""

import logging

from django.conf import settings

from contacts.models import AbuseAddress, Network, Organisation
from reports.models import Report

log = logging.getLogger(__name__)


def upstream_organisation(report: Report) -> tuple[Organisation | None, str]:
    """The organisation above the reported one, with a usable address, and why it was chosen."""
    networks = list(Network.objects.filter(offenders__in=report.offenders.all()).distinct()[:10])
    if networks:
        from contacts.lookup import network_parent_resolve
        from contacts.rdap import RdapError
    for network in networks:
        try:
            parent = network_parent_resolve(network)
        except (RdapError, OSError, ValueError) as exc:
            log.warning("no parent network for %s: %s", network, exc)
            continue
        org = parent.organisation
        if org and org.pk != report.organisation_id and not org.do_not_contact and \
                org.addresses.filter(bounce_permanent=False).exists():
            return org, f"upstream network {parent.handle or parent}"
    cert = settings.ESCALATION_CERT_EMAIL
    if cert:
        org, _ = Organisation.objects.get_or_create(
            handle="CERT", registry="", defaults={"name": settings.ESCALATION_CERT_NAME})
        AbuseAddress.objects.get_or_create(organisation=org, email=cert.lower(),
                                           defaults={"source": AbuseAddress.Source.MANUAL})
        return org, "the national CERT (no upstream contact found)"
    return None, "no upstream network with an abuse address, and ESCALATION_CERT_EMAIL is not set"
