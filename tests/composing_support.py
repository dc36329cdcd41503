"""An incident as composing finds it: parsed evidence, offenders in two ISPs' networks, contacts."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from contacts.models import AbuseAddress, Network, Organisation
from core.models import Profile
from incidents.models import Incident, Offender
from incidents.parsing import evidence_parse

from .factories import an_evidence, an_incident

# Two hosts of Alpha Net, one of Beta Hosting, one never looked up; our servers are 10.0.0.5
# (internal) and 192.168.7.20, the log's host column is "gw1".
AUTH_LOG = b"""\
Mar  1 09:12:01 gw1 sshd[812]: Failed password for root from 81.2.69.7 port 50001 ssh2
Mar  1 09:12:03 gw1 sshd[812]: Failed password for root from 81.2.69.7 port 50002 ssh2
Mar  1 09:12:04 gw1 kernel: [UFW BLOCK] IN=eth0 OUT= MAC= SRC=81.2.69.8 DST=10.0.0.5 LEN=60 \
TOS=0x00 PREC=0x00 TTL=50 ID=1 DF PROTO=TCP SPT=41234 DPT=22 WINDOW=29200 RES=0x00 SYN URGP=0
Mar  1 09:12:05 gw1 sshd[813]: Failed password for admin from 89.160.20.9 port 40001 ssh2
Mar  1 09:12:06 gw1 sshd[814]: Failed password for root from 81.2.69.7 port 50003 ssh2
Mar  1 09:12:07 gw1 sshd[815]: Failed password for root from 192.0.2.200 port 1111 ssh2
Mar  1 09:13:00 gw1 sshd[816]: Accepted publickey for ops from 192.168.7.20 port 3333 ssh2
"""
ALPHA = ("81.2.69.7", "81.2.69.8")
BETA = ("89.160.20.9",)


def capture(packets: list[tuple[str, str, int]]) -> bytes:
    """A pcap (Ethernet, IPv4 TCP SYNs) of (source, destination, source port), one a second."""
    import io
    import ipaddress

    import dpkt

    out = io.BytesIO()
    writer = dpkt.pcap.Writer(out, snaplen=65535, linktype=dpkt.pcap.DLT_EN10MB)
    for n, (src, dst, sport) in enumerate(packets):
        ip = dpkt.ip.IP(src=ipaddress.ip_address(src).packed, dst=ipaddress.ip_address(dst).packed,
                        p=dpkt.ip.IP_PROTO_TCP, data=dpkt.tcp.TCP(sport=sport, dport=22,
                                                                  flags=dpkt.tcp.TH_SYN))
        frame = dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\x04" * 6, data=dpkt.ip.IP(bytes(ip)))
        writer.writepkt(bytes(frame), ts=1_772_352_000 + n)  # 2026-03-01 08:00 UTC on
    return out.getvalue()


# Two packets from each ISP to our internal server, and one of Alpha's to a public address of ours.
CAPTURE = [("81.2.69.7", "10.0.0.5", 50011), ("89.160.20.9", "10.0.0.5", 40011),
           ("81.2.69.8", "10.0.0.5", 41000), ("89.160.20.9", "10.0.0.6", 40012),
           ("81.2.69.7", "192.0.2.80", 50012)]


@dataclass
class World:
    incident: Incident
    alpha: Organisation
    beta: Organisation
    evidence: object


def a_contact(name: str, email: str | None, start: str, end: str, cidr: str, **fields) -> Organisation:
    organisation = Organisation.objects.create(name=name, handle=name.upper().replace(" ", "-"),
                                               **fields)
    if email:
        AbuseAddress.objects.create(organisation=organisation, email=email)
    Network.objects.create(start=start, end=end, cidrs=[cidr], handle=f"NET-{name}", name=name,
                           registry="ripe", organisation=organisation)
    return organisation


def link_offenders(incident: Incident) -> None:
    """What the RDAP look-up does: each offender points at the network containing it."""
    for offender in Offender.objects.filter(incident=incident, ip__isnull=False):
        network = Network.objects.containing(offender.ip).first()
        if network is not None:
            Offender.objects.filter(pk=offender.pk).update(network=network)


def a_world(owner, *, log: bytes = AUTH_LOG, beta_fields=None, zone="Europe/Berlin",
            with_capture=False) -> World:
    Profile.objects.update_or_create(user=owner, defaults={"time_zone": zone})
    incident = an_incident(owner, title="SSH brute force")
    evidence = an_evidence(incident, owner, content=log, name="auth.log")
    evidence.ends_at = datetime(2026, 3, 2, tzinfo=ZoneInfo("UTC"))
    evidence.time_zone = zone
    evidence.save()
    evidence_parse(evidence.pk)
    evidence.refresh_from_db()
    if with_capture:
        packets = an_evidence(incident, owner, content=capture(CAPTURE), name="capture.pcap")
        evidence_parse(packets.pk)
    alpha = a_contact("Alpha Net", "abuse@alpha.example", "81.2.69.0", "81.2.69.255",
                      "81.2.69.0/24")
    beta = a_contact("Beta Hosting", "abuse@beta.example", "89.160.20.0", "89.160.20.255",
                     "89.160.20.0/24", **(beta_fields or {}))
    link_offenders(incident)
    return World(incident, alpha, beta, evidence)
