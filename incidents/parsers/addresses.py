"""Address normalisation and the ranges that are never reported or looked up."""

import ipaddress
import re
from functools import lru_cache

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_BRACKETED = re.compile(r"^\[([0-9A-Fa-f:.]+(?:%[\w.]+)?)\](?::\d+)?$")
_V4_WITH_PORT = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){3})[:.](\d{1,5})$")
_V4_PADDED = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.?$")

DOCUMENTATION = [ipaddress.ip_network(n) for n in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32", "3fff::/20")]
SHARED = ipaddress.ip_network("100.64.0.0/10")
BENCHMARK = ipaddress.ip_network("198.18.0.0/15")


@lru_cache(maxsize=65536)
def normalise(text: str) -> str | None:
    """The canonical text of an address as logs write it, or None if it is not an address.

    Accepts zero-padded IPv4 (``192.030.0.6``), IPv4-mapped IPv6 (``::ffff:1.2.3.4``), bracketed
    IPv6 with a port (``[2001:db8::1]:22``) and IPv4 with a port (``1.2.3.4:5555``).
    """
    text = text.strip().strip(",;")
    if not text:
        return None
    if (m := _BRACKETED.match(text)) or (m := _V4_WITH_PORT.match(text)):
        text = m.group(1)
    if m := _V4_PADDED.match(text):
        octets = [int(o, 10) for o in m.groups()]
        if all(o <= 255 for o in octets):
            return ".".join(map(str, octets))
        return None
    try:
        addr = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if addr.version == 6 and addr.ipv4_mapped is not None:
        return str(addr.ipv4_mapped)
    return str(addr)


def host_or_address(text: str) -> str | None:
    """An address normalised, or a host name kept as seen (lower-cased), or None."""
    addr = normalise(text)
    if addr is not None:
        return addr
    text = text.strip().strip(",;[]")
    if _HOSTNAME.match(text) and not text.replace(".", "").isdigit() and "." in text:
        return text.lower().rstrip(".")
    return None


def parse_networks(values) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip())


def exclusion_reason(address: str, own_networks=()) -> str | None:
    """Why ``address`` must never be reported or looked up, or None when it may be."""
    if address.lower().rstrip(".") in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return "loopback"
    try:
        addr = ipaddress.ip_address(address)
    except ValueError:
        return None  # a host name: decided once it is resolved
    if any(addr in net for net in own_networks if net.version == addr.version):
        return "own network"
    if addr.is_loopback:
        return "loopback"
    if addr.is_link_local:
        return "link-local"
    if addr.is_multicast:
        return "multicast"
    if addr.is_unspecified:
        return "unspecified address"
    if any(addr in net for net in DOCUMENTATION if net.version == addr.version):
        return "documentation range"
    if addr.version == 4 and addr in SHARED:
        return "shared address space (CGNAT)"
    if addr.version == 4 and addr in BENCHMARK:
        return "benchmarking range"
    if addr.is_private:
        return "private range"
    if addr.is_reserved:
        return "reserved range"
    if not addr.is_global:
        return "not globally routable"
    return None
