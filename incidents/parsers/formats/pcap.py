"""Packet captures: classic pcap (libpcap) and pcapng, read by offset.

The file framing and every protocol header are read with ``struct`` straight from a large read
buffer, without building a dpkt object per packet (dpkt is what the tests build packets with).
dpkt's own readers are not used for the framing: ``pcapng.Reader`` applies the first interface's
link type and time resolution to every packet, and ``pcap.Reader`` raises on a file cut inside a
packet header and silently yields a packet cut short. Memory is bounded by the read chunk plus the
largest packet allowed.

Who is the offender: the source of packets sent *to* our networks (``ctx.own_networks``); packets
from our own networks, and between two outside hosts, are read but not reported. With no own
networks configured, every source address of the capture counts (a capture of hostile traffic
needs no set-up). One record per packet; the offender's count is in packets. The record carries
the TCP/UDP/SCTP/DCCP/UDP-Lite destination port and the offender's source port (the two 16-bit
fields at the start of the transport header); neither for a non-first fragment.

Skipped and counted (``ctx.error`` with the packet number): packets too short for their link or IP
header, packets of a link type we cannot read, a packet cut off by the end of the file. A packet
whose addresses are readable counts even when its transport header is cut short (no port then),
as tcpdump and tshark show it. Non-IP packets (ARP, STP, LLDP...) are read and ignored.

A classic pcap is aggregated without a Record per packet (``_pcap_into``, which the parse loop
calls through ``Pcap.records(...).into``): per-source accumulators keyed by the packed source
address, times kept as integer microseconds, texts and datetimes made once per source. Iterating
``Pcap.records`` still gives the records (``_pcap_records``); both give the same offenders
(tests/test_parsers_pcap_fast.py). pcapng likewise (``_pcapng_into``, ``_pcapng_records``).
"""

import socket
import struct
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from ..addresses import normalise
from ..aggregate import (
    MAX_LOCATIONS,
    MAX_PORTS,
    MAX_SIGNATURES,
    MAX_SOURCE_PORTS,
    MAX_TARGETS,
    FirstSeen,
    Offenders,
    OffenderSummary,
)
from ..base import Kind, ParseContext, Record, StreamFormat
from ..registry import register

CHUNK = 1 << 20
MAX_PACKET = 16 << 20  # a larger captured length is a corrupt header, not a packet
MAX_BLOCK = MAX_PACKET + 4096
MAX_EXTENSION_HEADERS = 16
MAX_TIME = 253402300799  # 9999-12-31T23:59:59Z
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ADDRESS_CACHE = 1 << 16

# pcap file magic, as the first four bytes read: (byte order, nanoseconds, record header size)
PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", False, 16),
    b"\xa1\xb2\xc3\xd4": (">", False, 16),
    b"\x4d\x3c\xb2\xa1": ("<", True, 16),
    b"\xa1\xb2\x3c\x4d": (">", True, 16),
    b"\x34\xcd\xb2\xa1": ("<", False, 24),  # Kuznetzov's modified pcap: 8 more bytes per record
    b"\xa1\xb2\xcd\x34": (">", False, 24),
}
PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"
PCAPNG_BYTE_ORDER = {b"\x4d\x3c\x2b\x1a": "<", b"\x1a\x2b\x3c\x4d": ">"}
BT_IDB, BT_PB, BT_SPB, BT_EPB, BT_SHB = 1, 2, 3, 6, 0x0A0D0D0A
# ctx.state key: how many section headers and interface descriptions a pcapng had (a split parse
# checks that no part but the last met one its later parts do not know)
LAYOUT_BLOCKS = "pcapng.layout_blocks"
OPT_IF_TSRESOL, OPT_IF_TSOFFSET = 9, 14

# Link-layer header types (https://www.tcpdump.org/linktypes.html)
LT_NULL, LT_ETHERNET, LT_PPP, LT_PPP_HDLC, LT_C_HDLC, LT_LOOP = 0, 1, 9, 50, 104, 108
LT_RAW, LT_PFLOG, LT_SLL, LT_NFLOG, LT_IPV4, LT_IPV6, LT_SLL2 = 101, 117, 113, 239, 228, 229, 276
LT_RAW_ALIASES = (12, 14)  # DLT_RAW as some BSDs numbered it, found in old files
LT_TOKEN_RING, LT_FDDI, LT_PPP_ETHER, LT_ATM_RFC1483, LT_FRELAY, LT_ENC = 6, 10, 51, 100, 107, 109
LT_IEEE802_11, LT_PRISM, LT_SUNATM, LT_RADIOTAP, LT_AVS, LT_PPI = 105, 119, 123, 127, 163, 192
LT_MPLS, LT_IPNET, LT_NETANALYZER, LT_NETANALYZER_TRANSPARENT, LT_IPOIB = 219, 226, 240, 241, 242
LT_PKTAP, LT_DSA_BRCM, LT_DSA_BRCM_PREPEND, LT_DSA_DSA, LT_DSA_EDSA = 258, 281, 282, 284, 285
LINKTYPE_MASK = 0x03FFFFFF  # the upper bits carry FCS information

VLAN_TAGS = frozenset((0x8100, 0x88A8, 0x9100, 0x9200, 0x9300))
ETH_IPV4, ETH_IPV6, ETH_PPPOE, ETH_MPLS, ETH_MPLS_MC = 0x0800, 0x86DD, 0x8864, 0x8847, 0x8848
AF_INET6_VALUES = frozenset((10, 23, 24, 28, 30))  # Linux, Windows, NetBSD/OpenBSD, FreeBSD, macOS
NFULA_PAYLOAD = 9

IPV6_EXTENSIONS = frozenset((0, 43, 60, 135, 139, 140, 253, 254))  # length in 8-octet units
IP_FRAGMENT, IP_AH = 44, 51
PROTO_TCP, PROTO_UDP = 6, 17
PORT_PROTOCOLS = frozenset((PROTO_TCP, PROTO_UDP, 33, 132, 136))  # + DCCP, SCTP, UDP-Lite
PROTO_NAMES = {
    1: "ICMP", 2: "IGMP", 4: "IP-in-IP", 6: "TCP", 17: "UDP", 33: "DCCP", 41: "IPv6-in-IP",
    47: "GRE", 50: "ESP", 51: "AH", 58: "ICMPv6", 59: "IPv6 (no next header)", 89: "OSPF",
    103: "PIM", 112: "VRRP", 132: "SCTP", 136: "UDP-Lite",
}


def _tcp_signature(flags: int) -> str:
    if flags & 0x3F == 0:
        return "TCP NULL"
    if flags & 0x3F == 0x29:  # FIN, PSH, URG
        return "TCP XMAS"
    if flags & 0x02:
        return "TCP SYN-ACK" if flags & 0x10 else "TCP SYN"
    if flags & 0x04:
        return "TCP RST"
    if flags & 0x01:
        return "TCP FIN"
    return "TCP ACK" if flags & 0x10 else "TCP"


TCP_SIGNATURES = tuple(_tcp_signature(f) for f in range(256))
PACKETS = Kind.PACKETS


class Malformed(Exception):
    """A packet whose addresses cannot be read; skipped and counted."""


class _Addresses:
    """Packed address -> text, cached (captures repeat the same few addresses)."""

    def __init__(self):
        self._cache: dict[bytes, str] = {}

    def text(self, packed: bytes) -> str:
        text = self._cache.get(packed)
        if text is None:
            if len(self._cache) >= ADDRESS_CACHE:
                self._cache.clear()
            family = socket.AF_INET if len(packed) == 4 else socket.AF_INET6
            text = self._cache[packed] = socket.inet_ntop(family, packed)
        return text


class _OwnNetworks:
    """Is a packed address inside our networks? Integer masks, answers cached per address."""

    def __init__(self, networks):
        self.rules = {4: [], 6: []}
        for net in networks:
            self.rules[net.version].append((int(net.network_address), int(net.netmask)))
        self.cache: dict[bytes, bool] = {}

    def __contains__(self, packed: bytes) -> bool:
        hit = self.cache.get(packed)
        if hit is None:
            if len(self.cache) >= ADDRESS_CACHE:
                self.cache.clear()  # in place: the pcap loop holds its ``get``
            value = int.from_bytes(packed, "big")
            rules = self.rules[4 if len(packed) == 4 else 6]
            hit = self.cache[packed] = any(value & mask == net for net, mask in rules)
        return hit


# ---------------------------------------------------------------------------------------------
# Link layers: each returns (offset of the IP header, 4 or 6), or None for a packet that is not IP.


def _by_ethertype(ethertype: int, buf, p: int, end: int):
    if ethertype == ETH_IPV4:
        return p, 4
    if ethertype == ETH_IPV6:
        return p, 6
    if ethertype == ETH_PPPOE:  # PPPoE session: 6-byte header, then the PPP protocol
        if p + 8 > end:
            raise Malformed("PPPoE header cut short")
        return _by_ppp_protocol((buf[p + 6] << 8) | buf[p + 7], p + 8)
    if ethertype in (ETH_MPLS, ETH_MPLS_MC):
        while True:  # pop labels down to the bottom of the stack, then guess IPv4/IPv6
            if p + 4 > end:
                raise Malformed("MPLS label stack cut short")
            bottom = buf[p + 2] & 1
            p += 4
            if bottom:
                return _by_version(buf, p, end)
    return None


def _by_ppp_protocol(protocol: int, p: int):
    if protocol == 0x0021:
        return p, 4
    if protocol == 0x0057:
        return p, 6
    return None


def _by_version(buf, p: int, end: int):
    if p >= end:
        raise Malformed("no IP header after the link header")
    version = buf[p] >> 4
    if version == 4 or version == 6:
        return p, version
    return None


def _ethernet(buf, p, end, order, skip: int = 0):
    if p + 14 + skip > end:
        raise Malformed("Ethernet header cut short")
    ethertype = (buf[p + 12 + skip] << 8) | buf[p + 13 + skip]
    p += 14 + skip
    while ethertype in VLAN_TAGS:  # 802.1Q, 802.1ad (QinQ) and the older QinQ tag values
        if p + 4 > end:
            raise Malformed("VLAN tag cut short")
        ethertype = (buf[p + 2] << 8) | buf[p + 3]
        p += 4
    if ethertype < 0x0600:  # an 802.3 length: LLC, IP only behind a SNAP header
        return _snap(buf, p, end)
    return _by_ethertype(ethertype, buf, p, end)


def _snap(buf, p: int, end: int):
    """An 802.2 LLC header with SNAP (``AA AA 03``, an OUI, then an EtherType), as 802.3, FDDI,
    Token Ring, 802.11 and ATM carry IP; None for any other LLC payload."""
    if p + 8 <= end and buf[p] == 0xAA and buf[p + 1] == 0xAA and buf[p + 2] == 0x03:
        return _by_ethertype((buf[p + 6] << 8) | buf[p + 7], buf, p + 8, end)
    return None


def _tagged_ethernet(tag: int):
    """Ethernet with a switch's tag of ``tag`` bytes between the source address and the EtherType
    (the Broadcom and Marvell DSA link types; EDSA's tag starts with its own EtherType)."""
    def read(buf, p, end, order):
        if p + 14 + tag > end:
            raise Malformed("tagged Ethernet header cut short")
        return _ethernet(buf, p, end, order, skip=tag)
    return read


def _after(length: int, link, what: str):
    """A fixed header of ``length`` bytes, then the link layer ``link``."""
    def read(buf, p, end, order):
        if p + length > end:
            raise Malformed(f"{what} header cut short")
        return link(buf, p + length, end, order)
    return read


def _wlan(buf, p, end, order, padded: bool = False):
    """IEEE 802.11: a data frame's header (its length from the frame control: four addresses,
    QoS, HT control; rounded up to 32 bits when radiotap says it is ``padded``), then LLC/SNAP.
    Management and control frames, frames without data and encrypted frames carry no IP that
    can be read."""
    if p + 2 > end:
        raise Malformed("802.11 header cut short")
    control, flags = buf[p], buf[p + 1]
    if (control >> 2) & 3 != 2 or control & 0x40 or flags & 0x40:
        return None  # not data, a null-data subtype, or protected
    length = 30 if flags & 3 == 3 else 24
    if control & 0x80:  # QoS data: 2 bytes of QoS control, and HT control when ordered
        if p + length + 1 > end:
            raise Malformed("802.11 QoS header cut short")
        if buf[p + length] & 0x80:
            return None  # an A-MSDU: several subframes, each with its own header
        length += 6 if flags & 0x80 else 2
    if padded:
        length = (length + 3) & ~3
    if p + length > end:
        raise Malformed("802.11 header cut short")
    return _snap(buf, p + length, end)


def _radiotap(buf, p, end, order):
    """Radiotap (little-endian whatever the file's order): its length, and whether the 802.11
    header is padded to 32 bits (the Flags field, after a TSFT when present)."""
    if p + 8 > end:
        raise Malformed("radiotap header cut short")
    length = buf[p + 2] | (buf[p + 3] << 8)
    if length < 8 or p + length > end:
        raise Malformed("radiotap header length is invalid")
    q = p + 4
    while buf[q + 3] & 0x80 and q + 8 <= p + length:  # bit 31: another presence word follows
        q += 4
    q += 4
    padded = False
    if buf[p + 4] & 0x02:  # Flags present
        if buf[p + 4] & 0x01:  # TSFT first: 8 bytes, aligned to 8 from the header's start
            q = p + ((q - p + 7) & ~7) + 8
        if q < p + length:
            padded = bool(buf[q] & 0x20)
    return _wlan(buf, p + length, end, order, padded)


def _wlan_after(buf, p, end, order, length: int, what: str):
    """802.11 after a monitor header of ``length`` bytes (Prism, AVS)."""
    if length < 8 or p + length > end:
        raise Malformed(f"{what} header length is invalid")
    return _wlan(buf, p + length, end, order)


def _inner_link(buf, p, end, order, length: int, inner: int, what: str, outer):
    """The link layer ``inner`` after a capture header of ``length`` bytes (PPI, PKTAP); never the
    same header again (``outer``), which could nest without end."""
    if length < 8 or p + length > end:
        raise Malformed(f"{what} header length is invalid")
    link = LINK_LAYERS.get(inner)
    return None if link is None or link is outer else link(buf, p + length, end, order)


def _prism(buf, p, end, order):
    """Prism monitor header: its length in the capturing host's byte order, then 802.11."""
    if p + 8 > end:
        raise Malformed("Prism header cut short")
    length = int.from_bytes(buf[p + 4:p + 8], "little")
    if length > 0xFFFF:
        length = int.from_bytes(buf[p + 4:p + 8], "big")
    return _wlan_after(buf, p, end, order, length, "Prism")


def _avs(buf, p, end, order):
    if p + 8 > end:
        raise Malformed("AVS header cut short")
    return _wlan_after(buf, p, end, order, int.from_bytes(buf[p + 4:p + 8], "big"), "AVS")


def _ppi(buf, p, end, order):
    """Per-Packet Information: its length and the link type of what follows, little-endian."""
    if p + 8 > end:
        raise Malformed("PPI header cut short")
    length = buf[p + 2] | (buf[p + 3] << 8)
    return _inner_link(buf, p, end, order, length, int.from_bytes(buf[p + 4:p + 8], "little"), "PPI", _ppi)


def _pktap(buf, p, end, order):
    """Apple's PKTAP: its length and the link type of what follows, in the file's byte order."""
    if p + 8 > end:
        raise Malformed("PKTAP header cut short")
    length, inner = struct.unpack_from(order + "II", buf, p)
    return _inner_link(buf, p, end, order, length, inner, "PKTAP", _pktap)


def _fddi(buf, p, end, order):
    if p + 13 > end:
        raise Malformed("FDDI header cut short")
    return _snap(buf, p + 13, end)


def _token_ring(buf, p, end, order):
    if p + 14 > end:
        raise Malformed("Token Ring header cut short")
    q = p + 14
    if buf[p + 8] & 0x80:  # source routing: the routing information's length in its first byte
        if q >= end:
            raise Malformed("Token Ring routing information cut short")
        q += buf[q] & 0x1F
    return _snap(buf, q, end)


def _ipnet(buf, p, end, order):
    """Solaris IPNET: a 24-byte header whose family says IPv4 (2) or IPv6 (26)."""
    if p + 24 > end:
        raise Malformed("IPNET header cut short")
    family = buf[p + 1]
    if family == 2:
        return p + 24, 4
    if family == 26:
        return p + 24, 6
    return None


def _frame_relay(buf, p, end, order):
    """Frame Relay (RFC 2427): a Q.922 address, UI control, then an NLPID for IP or SNAP."""
    if p + 4 > end:
        raise Malformed("Frame Relay header cut short")
    q = p + 2
    if buf[q] != 0x03:
        return None
    q += 1
    if buf[q] == 0x00:  # padding before the NLPID
        q += 1
    if q >= end:
        raise Malformed("Frame Relay header cut short")
    if buf[q] == 0xCC:
        return q + 1, 4
    if buf[q] == 0x8E:
        return q + 1, 6
    if buf[q] == 0x80 and q + 6 <= end:  # SNAP: an OUI, then an EtherType
        return _by_ethertype((buf[q + 4] << 8) | buf[q + 5], buf, q + 6, end)
    return None


def _enc(buf, p, end, order):
    """OpenBSD's IPsec encapsulation: an address family (as loopback writes it), then the SPI
    and flags."""
    if p + 12 > end:
        raise Malformed("enc header cut short")
    found = _null(buf, p, p + 4, order)
    return None if found is None else (p + 12, found[1])


def _sunatm(buf, p, end, order):
    if p + 4 > end:
        raise Malformed("SunATM header cut short")
    return _snap(buf, p + 4, end)


def _atm_llc(buf, p, end, order):
    return _snap(buf, p, end)


def _mpls(buf, p, end, order):
    return _by_ethertype(ETH_MPLS, buf, p, end)


def _ipoib(buf, p, end, order):
    if p + 4 > end:
        raise Malformed("IP over InfiniBand header cut short")
    return _by_ethertype((buf[p] << 8) | buf[p + 1], buf, p + 4, end)


def _ppp_ether(buf, p, end, order):
    """PPPoE session frames without their Ethernet header."""
    if p + 8 > end:
        raise Malformed("PPPoE header cut short")
    return _by_ppp_protocol((buf[p + 6] << 8) | buf[p + 7], p + 8)


def _raw(buf, p, end, order):
    found = _by_version(buf, p, end)
    if found is None:
        raise Malformed(f"raw IP packet with IP version {buf[p] >> 4}")
    return found


def _sll(buf, p, end, order):
    if p + 16 > end:
        raise Malformed("Linux cooked (SLL) header cut short")
    return _by_ethertype((buf[p + 14] << 8) | buf[p + 15], buf, p + 16, end)


def _sll2(buf, p, end, order):
    if p + 20 > end:
        raise Malformed("Linux cooked (SLL2) header cut short")
    return _by_ethertype((buf[p] << 8) | buf[p + 1], buf, p + 20, end)


def _null(buf, p, end, order):
    """BSD loopback: a 4-byte address family, in the writer's byte order (NULL) or network
    order (LOOP); files from the other byte order exist for both, so take whichever is small."""
    if p + 4 > end:
        raise Malformed("loopback header cut short")
    family = int.from_bytes(buf[p:p + 4], "little")
    if family > 0xFFFF:
        family = int.from_bytes(buf[p:p + 4], "big")
    if family == 2:
        return p + 4, 4
    if family in AF_INET6_VALUES:
        return p + 4, 6
    return None


def _ppp(buf, p, end, order):
    if p + 2 <= end and buf[p] == 0xFF and buf[p + 1] == 0x03:  # HDLC address and control
        p += 2
    if p >= end:
        raise Malformed("PPP header cut short")
    if buf[p] & 1:  # protocol field compressed to one byte
        return _by_ppp_protocol(buf[p], p + 1)
    if p + 2 > end:
        raise Malformed("PPP header cut short")
    return _by_ppp_protocol((buf[p] << 8) | buf[p + 1], p + 2)


def _c_hdlc(buf, p, end, order):
    if p + 4 > end:
        raise Malformed("Cisco HDLC header cut short")
    return _by_ethertype((buf[p + 2] << 8) | buf[p + 3], buf, p + 4, end)


def _pflog(buf, p, end, order):
    if p + 4 > end:
        raise Malformed("pflog header cut short")
    length = (buf[p] + 3) & ~3  # the header length, padded to 32 bits
    if length < 4:
        raise Malformed("pflog header length is invalid")
    return _by_version(buf, p + length, end)


def _nflog(buf, p, end, order):
    """Linux NFLOG: a 4-byte header, then TLVs (length and type in the capturing host's byte
    order, normally the file's); the packet is the payload TLV."""
    if p + 4 > end:
        raise Malformed("NFLOG header cut short")
    family = buf[p]
    q = p + 4
    swapped = None
    while q + 4 <= end:
        length, kind = struct.unpack_from(order + "HH", buf, q)
        if swapped is None:  # the first TLV tells whether the byte order must be swapped
            swapped = length < 4 or q + length > end
            if swapped:
                order = ">" if order == "<" else "<"
                length, kind = struct.unpack_from(order + "HH", buf, q)
        if length < 4:
            raise Malformed("NFLOG TLV length is invalid")
        if kind == NFULA_PAYLOAD:
            start, stop = q + 4, min(q + length, end)
            found = _by_version(buf, start, stop)
            if found is not None and family in (2, 10) and found[1] != (4 if family == 2 else 6):
                raise Malformed("NFLOG payload does not match its address family")
            return found
        q += (length + 3) & ~3
    return None


LINK_LAYERS = {
    LT_ETHERNET: _ethernet, LT_RAW: _raw, LT_IPV4: _raw, LT_IPV6: _raw, LT_SLL: _sll,
    LT_SLL2: _sll2, LT_NULL: _null, LT_LOOP: _null, LT_NFLOG: _nflog, LT_PPP: _ppp,
    LT_PPP_HDLC: _ppp, LT_C_HDLC: _c_hdlc, LT_PFLOG: _pflog,
    **dict.fromkeys(LT_RAW_ALIASES, _raw),
    LT_TOKEN_RING: _token_ring, LT_FDDI: _fddi, LT_PPP_ETHER: _ppp_ether, LT_ATM_RFC1483: _atm_llc,
    LT_FRELAY: _frame_relay, LT_ENC: _enc, LT_IEEE802_11: _wlan, LT_PRISM: _prism, LT_SUNATM: _sunatm,
    LT_RADIOTAP: _radiotap, LT_AVS: _avs, LT_PPI: _ppi, LT_MPLS: _mpls, LT_IPNET: _ipnet,
    LT_NETANALYZER: _after(4, _ethernet, "netANALYZER"),
    LT_NETANALYZER_TRANSPARENT: _after(12, _ethernet, "netANALYZER"), LT_IPOIB: _ipoib,
    LT_PKTAP: _pktap, LT_DSA_BRCM: _tagged_ethernet(4), LT_DSA_DSA: _tagged_ethernet(4),
    LT_DSA_BRCM_PREPEND: _after(4, _ethernet, "Broadcom tag"), LT_DSA_EDSA: _tagged_ethernet(8),
}


def locate_ip(linktype: int, buf, start: int, stop: int, order: str = "<"):
    """Where the IP header of one packet starts: (offset in ``buf``, 4 or 6), or None for a packet
    that is not IP. Raises ``Malformed`` for a packet too short for its link header, KeyError for
    a link type we cannot read. Used by the report excerpts, which rewrite addresses in place."""
    return LINK_LAYERS[linktype](buf, start, stop, order)


# ---------------------------------------------------------------------------------------------
# The network and transport layers.


def _ip(buf, p: int, end: int, version: int):
    """(src, dst packed, signature, source port, destination port); ports None when unknown."""
    if version == 4:
        if p + 20 > end:
            raise Malformed("IPv4 header cut short")
        first = buf[p]
        if first >> 4 != 4:
            raise Malformed(f"IP version {first >> 4} where IPv4 was expected")
        header = (first & 0x0F) * 4
        if header < 20:
            raise Malformed(f"IPv4 header length {header} is invalid")
        proto = buf[p + 9]
        src, dst = buf[p + 12:p + 16], buf[p + 16:p + 20]
        fragment = ((buf[p + 6] & 0x1F) << 8) | buf[p + 7]
        q = p + header
    else:
        if p + 40 > end:
            raise Malformed("IPv6 header cut short")
        if buf[p] >> 4 != 6:
            raise Malformed(f"IP version {buf[p] >> 4} where IPv6 was expected")
        src, dst = buf[p + 8:p + 24], buf[p + 24:p + 40]
        proto, q, fragment = _ipv6_extensions(buf, buf[p + 6], p + 40, end)
    name = PROTO_NAMES.get(proto) or f"IP protocol {proto}"
    if fragment:
        return src, dst, name + " fragment", None, None
    if proto == PROTO_TCP:
        if q + 14 <= end:
            return (src, dst, TCP_SIGNATURES[buf[q + 13]], (buf[q] << 8) | buf[q + 1],
                    (buf[q + 2] << 8) | buf[q + 3])
        if q + 4 <= end:
            return src, dst, "TCP", (buf[q] << 8) | buf[q + 1], (buf[q + 2] << 8) | buf[q + 3]
        return src, dst, "TCP", None, None
    if proto in PORT_PROTOCOLS and q + 4 <= end:
        return src, dst, name, (buf[q] << 8) | buf[q + 1], (buf[q + 2] << 8) | buf[q + 3]
    return src, dst, name, None, None


def _ipv6_extensions(buf, proto: int, q: int, end: int):
    """Skip IPv6 extension headers: (upper-layer protocol, its offset, non-first fragment?)."""
    for _ in range(MAX_EXTENSION_HEADERS):
        if proto in IPV6_EXTENSIONS:
            if q + 2 > end:
                break
            proto, q = buf[q], q + (buf[q + 1] + 1) * 8
        elif proto == IP_FRAGMENT:
            if q + 8 > end:
                break
            offset = ((buf[q + 2] << 8) | buf[q + 3]) >> 3
            proto, q = buf[q], q + 8
            if offset:
                return proto, q, True
        elif proto == IP_AH:
            if q + 2 > end:
                break
            proto, q = buf[q], q + (buf[q + 1] + 2) * 4
        else:
            break
    return proto, q, False


# ---------------------------------------------------------------------------------------------
# Turning packets into records.


class _Packets:
    """State shared by both file formats: addresses, own networks, time, the packet counter."""

    def __init__(self, ctx: ParseContext):
        self.ctx = ctx
        self.number = 0
        self.addresses = _Addresses()
        self.own = _OwnNetworks(ctx.own_networks) if ctx.own_networks else None
        self._second = None
        self._second_at = None

    def time(self, seconds: int, micros: int) -> datetime | None:
        if seconds != self._second:
            if not 0 <= seconds <= MAX_TIME:
                return None
            self._second, self._second_at = seconds, EPOCH + timedelta(seconds=seconds)
        return self._second_at.replace(microsecond=micros)

    def record(self, linktype: int, order: str, buf, start: int, stop: int,
               at: datetime | None) -> Record | None:
        """One packet: counted, decoded, and returned as a record if it is an offender's."""
        self.number += 1
        ctx = self.ctx
        ctx.records += 1
        link = LINK_LAYERS.get(linktype)
        if link is None:
            ctx.error(self.number, f"link-layer type {linktype} is not supported; packet skipped")
            return None
        try:
            found = link(buf, start, stop, order)
            if found is None:
                return None  # not IP: ARP, STP, LLDP...
            src, dst, signature, sport, dport = _ip(buf, found[0], stop, found[1])
        except (Malformed, IndexError, struct.error) as exc:  # the last two: a bound check not foreseen
            ctx.error(self.number, f"malformed packet skipped: {exc}")
            return None
        own = self.own
        if own is not None and (dst not in own or src in own):
            return None  # not inbound to our networks
        text = self.addresses.text
        # positional, in Record's field order (src, at, kind, dst, dst_port, signature, location,
        # src_port): half the cost of keywords, once per packet
        return Record(text(src), at, PACKETS, text(dst), dport, signature, self.number, sport)

    def cut_short(self, what: str) -> None:
        self.number += 1
        self.ctx.records += 1
        self.ctx.ended_early = True
        self.ctx.error(self.number, f"the file ends inside {what}; that packet is skipped")


class ChunkReader:
    """Sequential reads from the (non-seekable) stream into one growing buffer."""

    __slots__ = ("buf", "pos", "stream")

    def __init__(self, stream):
        self.stream = stream
        self.buf = b""
        self.pos = 0

    def fill(self, need: int) -> bool:
        """Make ``need`` bytes available from ``pos``; False at the end of the file."""
        have = len(self.buf) - self.pos
        while have < need:
            more = self.stream.read(max(CHUNK, need - have))
            if not more:
                return False
            self.buf = self.buf[self.pos:] + more
            self.pos = 0
            have = len(self.buf)
        return True

    def leftover(self) -> int:
        return len(self.buf) - self.pos


def _pcap_header(reader: ChunkReader, ctx: ParseContext):
    """(byte order, nanoseconds, record header size, link type) of a classic pcap, the reader
    past its file header; None (with an error) when it is not one."""
    if not reader.fill(24):
        if reader.leftover():
            ctx.error(None, "the pcap file header is cut short; nothing could be read")
        return None
    magic = reader.buf[:4]
    if magic not in PCAP_MAGICS:
        ctx.error(None, "not a pcap file (unknown magic number)")
        return None
    order, nanos, record_header = PCAP_MAGICS[magic]
    linktype = struct.unpack_from(order + "I", reader.buf, 20)[0] & LINKTYPE_MASK
    reader.pos = 24
    return order, nanos, record_header, linktype


def _pcap_records(stream, ctx: ParseContext) -> Iterator[Record]:
    """The generic path: one Record per offender's packet (``_pcap_into`` gives the same
    offenders without building them)."""
    reader = ChunkReader(stream)
    found = _pcap_header(reader, ctx)
    if found is None:
        return
    order, nanos, record_header, linktype = found
    packets = _Packets(ctx)
    header = struct.Struct(order + "IIII")
    unpack = header.unpack_from
    divisor = 1000 if nanos else 1
    record = packets.record
    time = packets.time
    while True:
        buf, pos = reader.buf, reader.pos
        if len(buf) - pos < record_header:
            if reader.fill(record_header):
                continue
            if reader.leftover():
                packets.cut_short("a packet header")
            return
        seconds, fraction, caplen, _length = unpack(buf, pos)
        if caplen > MAX_PACKET:
            packets.number += 1
            ctx.records += 1
            ctx.ended_early = True
            ctx.error(packets.number, f"a packet header claims {caplen} bytes: the file is "
                                      "corrupt from here on; reading stopped")
            return
        start = pos + record_header
        stop = start + caplen
        if stop > len(buf):
            if reader.fill(record_header + caplen):
                continue
            packets.cut_short("a packet")
            return
        reader.pos = stop
        if divisor != 1:
            fraction //= divisor
        found = record(linktype, order, buf, start, stop,
                       time(seconds, fraction) if fraction < 1_000_000 else
                       time(seconds + fraction // 1_000_000, fraction % 1_000_000))
        if found is not None:
            yield found


# The fast path of a classic pcap: packets go straight into per-source accumulators keyed by the
# packed source address (no Record, no datetime per packet); texts and times are made once per
# source at the end. Same offenders, counters and errors as ``_pcap_records`` + ``Offenders.add``.

# Ethernet + IPv4 up to the two port fields: ethertype, version/IHL, flags/fragment offset,
# protocol, source, destination, source port, destination port
_ETH_IPV4 = struct.Struct(">12xHB5xHxB2x4s4sHH")
_ETH_IPV4_SIZE = _ETH_IPV4.size  # 38
_ETH_TCP_FLAGS = 14 + 20 + 13  # offset of the TCP flags behind a 20-byte IPv4 header
PROTO_LABELS = tuple(PROTO_NAMES.get(p) or f"IP protocol {p}" for p in range(256))
PORTED = tuple(p in PORT_PROTOCOLS for p in range(256))
IPV4_MAPPED = b"\0" * 10 + b"\xff\xff"
# one source's accumulator: a list, indexed by these
_COUNT, _FIRST, _LAST, _PORTS, _TARGETS, _SIGNATURES, _SOURCE_PORTS, _LOCATIONS = range(8)


def _decode(linktype: int, order: str, buf, start: int, stop: int, number: int,
            ctx: ParseContext):
    """``_Packets.record`` without the record: (src, dst packed, signature, source port,
    destination port), or None for a packet that is skipped (with its error) or not IP."""
    link = LINK_LAYERS.get(linktype)
    if link is None:
        ctx.error(number, f"link-layer type {linktype} is not supported; packet skipped")
        return None
    try:
        found = link(buf, start, stop, order)
        if found is None:
            return None
        return _ip(buf, found[0], stop, found[1])
    except (Malformed, IndexError, struct.error) as exc:
        ctx.error(number, f"malformed packet skipped: {exc}")
        return None


def _pcap_into(stream, ctx: ParseContext, offenders: Offenders) -> None:
    """Every packet of a classic pcap into ``offenders`` (an ``aggregate.Offenders``)."""
    reader = ChunkReader(stream)
    found = _pcap_header(reader, ctx)
    if found is None:
        return
    order, nanos, record_header, linktype = found
    packets = _Packets(ctx)
    sources: dict[bytes, list] = {}
    try:
        _pcap_loop(reader, ctx, packets, sources, order, nanos, record_header, linktype)
    finally:
        _flush(sources, packets.addresses, offenders)


def _pcap_loop(reader: ChunkReader, ctx: ParseContext, packets: _Packets, sources: dict,
               order: str, nanos: bool, record_header: int, linktype: int) -> None:
    unpack = struct.Struct(order + "IIII").unpack_from
    eth_ipv4 = _ETH_IPV4.unpack_from if linktype == LT_ETHERNET else None
    labels, ported, signatures_tcp = PROTO_LABELS, PORTED, TCP_SIGNATURES
    own = packets.own
    known = own.cache.get if own is not None else None  # what ``in own`` answered before
    get = sources.get
    divisor = 1000 if nanos else 1
    # locals, not globals, in the loop; an accumulator is a list: [count, first, last (integer
    # microseconds), ports, targets, signatures, source ports, locations] (see _flush)
    max_packet, eth_ipv4_size, tcp_flags_at = MAX_PACKET, _ETH_IPV4_SIZE, _ETH_TCP_FLAGS
    max_ports, max_targets, max_signatures = MAX_PORTS, MAX_TARGETS, MAX_SIGNATURES
    max_source_ports, max_locations = MAX_SOURCE_PORTS, MAX_LOCATIONS
    first_seen = FirstSeen
    number = 0
    base = ctx.records  # ctx.records is kept up to date before each read (progress reports it)
    try:
        while True:
            buf, pos = reader.buf, reader.pos
            end_of_buf = len(buf)
            while end_of_buf - pos >= record_header:
                seconds, fraction, caplen, _length = unpack(buf, pos)
                if caplen > max_packet:
                    reader.pos = pos
                    number += 1
                    packets.number = number
                    ctx.records = base + number
                    ctx.ended_early = True
                    ctx.error(number, f"a packet header claims {caplen} bytes: the file is "
                                      "corrupt from here on; reading stopped")
                    return
                start = pos + record_header
                stop = start + caplen
                if stop > end_of_buf:
                    break
                pos = stop
                number += 1
                # the time, as integer microseconds since the epoch: never out of range here
                # (MAX_TIME is far beyond 32-bit seconds plus a 32-bit fraction's carry)
                if divisor != 1:
                    fraction //= divisor
                at = seconds * 1_000_000 + fraction
                # the common packet, Ethernet + IPv4 without options, not a fragment, read at once
                if eth_ipv4 is not None and caplen >= eth_ipv4_size:
                    ethertype, first, fragment, proto, src, dst, sport, dport = eth_ipv4(buf, start)
                    if ethertype == 0x0800 and first == 0x45 and not fragment & 0x1FFF:
                        if proto == 6:
                            if caplen > tcp_flags_at:
                                signature = signatures_tcp[buf[start + tcp_flags_at]]
                            else:
                                signature = "TCP"
                        else:
                            signature = labels[proto]
                            if not ported[proto]:
                                sport = dport = None
                        if own is not None:  # ``dst not in own or src in own``, cache first
                            hit = known(dst)
                            if not (hit if hit is not None else dst in own):
                                continue  # not inbound to our networks
                            hit = known(src)
                            if hit if hit is not None else src in own:
                                continue
                    else:
                        src = None
                else:
                    src = None
                if src is None:  # any other packet: the generic decoders
                    decoded = _decode(linktype, order, buf, start, stop, number, ctx)
                    if decoded is None:
                        continue
                    src, dst, signature, sport, dport = decoded
                    if own is not None and (dst not in own or src in own):
                        continue
                    if len(src) == 16 and src[:12] == IPV4_MAPPED:
                        src = src[12:]  # the IPv4 address's source, as normalise() makes it
                acc = get(src)
                if acc is None:  # a new source: its first packet fits every cap
                    sources[src] = [
                        1, at, at, first_seen() if dport is None else first_seen({dport: None}),
                        first_seen({dst: None}), first_seen({signature: None}),
                        [] if sport is None else [sport], [number]]
                    continue
                count = acc[0] = acc[0] + 1
                if at > acc[2]:
                    acc[2] = at
                elif at < acc[1]:
                    acc[1] = at
                if count <= max_locations:  # one location per packet until the cap
                    acc[7].append(number)
                if dport is not None:
                    ports = acc[3]
                    if len(ports) < max_ports:
                        ports[dport] = None
                if sport is not None:
                    source_ports = acc[6]
                    if len(source_ports) < max_source_ports and sport not in source_ports:
                        source_ports.append(sport)
                targets = acc[4]
                if len(targets) < max_targets:
                    targets[dst] = None
                seen = acc[5]
                if len(seen) < max_signatures:
                    seen[signature] = None
            reader.pos = pos
            packets.number = number
            ctx.records = base + number
            if end_of_buf - pos < record_header:
                if reader.fill(record_header):
                    continue
                if reader.leftover():
                    packets.cut_short("a packet header")
                    number = packets.number
                return
            caplen = unpack(buf, pos)[2]
            if not reader.fill(record_header + caplen):
                packets.cut_short("a packet")
                number = packets.number
                return
    finally:
        packets.number = number
        ctx.records = base + number


def _flush(sources: dict, addresses: _Addresses, offenders: Offenders) -> None:
    """The accumulators into offenders, in the order their sources were first seen; a source the
    offenders already hold (an earlier file of the same evidence) is merged as a later part."""
    by_src = offenders.by_src
    text = addresses.text
    for packed, acc in sources.items():
        written = text(packed)
        # inet_ntop writes IPv4 as normalise() does; IPv6 it may write otherwise (::1.2.3.4)
        src = written if len(packed) == 4 else normalise(written) or written
        summary = OffenderSummary(src)
        summary.hostile = True
        summary.count = acc[_COUNT]
        if acc[_LAST] is not None:  # else the source's packets had no time (pcapng only)
            summary.first_seen, summary.last_seen = _moment(acc[_FIRST]), _moment(acc[_LAST])
        summary.ports = acc[_PORTS]
        summary.targets = FirstSeen((text(dst), None) for dst in acc[_TARGETS])
        summary.kinds = {PACKETS}
        summary.signatures = acc[_SIGNATURES]
        summary.source_ports = acc[_SOURCE_PORTS]
        summary.locations = acc[_LOCATIONS]
        mine = by_src.get(src)
        if mine is None:
            by_src[src] = summary
        else:
            mine.merge(summary)
    sources.clear()


def _moment(micros: int) -> datetime:
    """As ``_Packets.time`` makes it."""
    seconds, fraction = divmod(micros, 1_000_000)
    return (EPOCH + timedelta(seconds=seconds)).replace(microsecond=fraction)


class _PcapStream:
    """The records of a classic pcap (iterated: the generic path) or, through ``into``, its
    offenders straight away (the fast path the parse loop takes)."""

    def __init__(self, stream, ctx: ParseContext):
        self.stream, self.ctx = stream, ctx

    def __iter__(self) -> Iterator[Record]:
        return _pcap_records(self.stream, self.ctx)

    def into(self, offenders: Offenders) -> None:
        _pcap_into(self.stream, self.ctx, offenders)


class _PcapngStream(_PcapStream):
    """``_PcapStream`` of a pcapng."""

    def __iter__(self) -> Iterator[Record]:
        return _pcapng_records(self.stream, self.ctx)

    def into(self, offenders: Offenders) -> None:
        _pcapng_into(self.stream, self.ctx, offenders)


class _Interface:
    __slots__ = ("linktype", "offset", "units")

    def __init__(self, linktype: int, units: int, offset: int):
        self.linktype, self.units, self.offset = linktype, units, offset


def read_interface(body, order: str, ctx: ParseContext) -> _Interface:
    linktype = struct.unpack_from(order + "H", body, 0)[0]
    units, offset = 1_000_000, 0
    q = 8
    while q + 4 <= len(body):
        code, length = struct.unpack_from(order + "HH", body, q)
        if code == 0:
            break
        value = body[q + 4:q + 4 + length]
        if code == OPT_IF_TSRESOL and length >= 1:
            resolution = value[0]
            units = 2 ** (resolution & 0x7F) if resolution & 0x80 else 10 ** resolution
        elif code == OPT_IF_TSOFFSET and length >= 8:
            offset = struct.unpack_from(order + "q", value, 0)[0]
        q += 4 + ((length + 3) & ~3)
    if units <= 0 or units > 10**18:
        ctx.error(None, f"interface time resolution {units} is invalid; microseconds assumed",
                  skipped=False)
        units = 1_000_000
    return _Interface(linktype, units, offset)


def _pcapng_records(stream, ctx: ParseContext) -> Iterator[Record]:
    reader = ChunkReader(stream)
    packets = _Packets(ctx)
    order = "<"
    interfaces: list[_Interface] = []
    seen_section = False
    while True:
        if not reader.fill(12):
            if reader.leftover():
                packets.cut_short("a block header")
            return
        buf, pos = reader.buf, reader.pos
        raw_type = buf[pos:pos + 4]
        if raw_type == PCAPNG_SHB:
            bom = buf[pos + 8:pos + 12]
            if bom not in PCAPNG_BYTE_ORDER:
                ctx.ended_early = True
                ctx.error(None, "pcapng section header with an unknown byte order; reading stopped")
                return
            order = PCAPNG_BYTE_ORDER[bom]
            interfaces = []
            seen_section = True
        elif not seen_section:
            ctx.error(None, "not a pcapng file (no section header block)")
            return
        block_type, length = struct.unpack_from(order + "II", buf, pos)
        if length < 12 or length % 4 or length > MAX_BLOCK:
            packets.number += 1
            ctx.records += 1
            ctx.ended_early = True
            ctx.error(packets.number, f"pcapng block of length {length} is invalid: the file is "
                                      "corrupt from here on; reading stopped")
            return
        if not reader.fill(length):
            if block_type in (BT_EPB, BT_SPB, BT_PB):
                packets.cut_short("a packet")
            else:
                ctx.ended_early = True
                ctx.error(None, f"the file ends inside a pcapng block of type {block_type:#x}")
            return
        buf, pos = reader.buf, reader.pos
        reader.pos = pos + length
        body, body_end = pos + 8, pos + length - 4
        if block_type in (BT_EPB, BT_PB):
            if block_type == BT_EPB:
                iface, high, low, caplen = struct.unpack_from(order + "IIII", buf, body)
            else:
                iface, _drops, high, low, caplen = struct.unpack_from(order + "HHIII", buf, body)
            start = body + 20
            if iface >= len(interfaces) or start + caplen > body_end:
                packets.number += 1
                ctx.records += 1
                why = ("names an interface that was not described" if iface >= len(interfaces)
                       else "claims more bytes than its block holds")
                ctx.error(packets.number, f"malformed packet skipped: it {why}")
                continue
            interface = interfaces[iface]
            seconds, rest = divmod((high << 32) | low, interface.units)
            micros = rest * 1_000_000 // interface.units
            at = packets.time(seconds + interface.offset, micros)
            found = packets.record(interface.linktype, order, buf, start, start + caplen, at)
        elif block_type == BT_SPB:
            if not interfaces:
                packets.number += 1
                ctx.records += 1
                ctx.error(packets.number, "malformed packet skipped: no interface was described")
                continue
            original = struct.unpack_from(order + "I", buf, body)[0]
            start = body + 4
            found = packets.record(interfaces[0].linktype, order, buf, start,
                                   min(start + original, body_end), None)
        elif block_type == BT_IDB:
            interfaces.append(read_interface(buf[body:body_end], order, ctx))
            continue
        else:
            continue  # section header, statistics, name resolution, custom blocks...
        if found is not None:
            yield found


def _pcapng_into(stream, ctx: ParseContext, offenders: Offenders) -> None:
    """Every packet of a pcapng into ``offenders``: ``_pcap_into`` for pcapng, with the outcome of
    ``_pcapng_records`` (tests/test_parsers_pcap_fast.py)."""
    reader = ChunkReader(stream)
    packets = _Packets(ctx)
    sources: dict[bytes, list] = {}
    try:
        _pcapng_loop(reader, ctx, packets, sources)
    finally:
        _flush(sources, packets.addresses, offenders)


class _Section:
    """A pcapng section's byte order, unpackers and interfaces: (link type, time units per second,
    offset in seconds) each."""

    __slots__ = ("block", "head", "interfaces", "obsolete", "order", "u32")

    def __init__(self, order: str):
        self.order = order
        self.head = struct.Struct(order + "II").unpack_from  # block type, total length
        self.block = struct.Struct(order + "IIII").unpack_from  # interface, time high, low, caplen
        self.obsolete = struct.Struct(order + "HHIII").unpack_from  # the obsolete packet block's
        self.u32 = struct.Struct(order + "I").unpack_from
        self.interfaces: list[tuple[int, int, int]] = []


def _pcapng_loop(reader: ChunkReader, ctx: ParseContext, packets: _Packets, sources: dict) -> None:
    """The blocks of a pcapng as ``_pcapng_records`` reads them, but a buffer at a time, and each
    packet straight into its source's accumulator. The accumulator code is ``_pcap_loop``'s,
    written out again (a function called per packet costs a quarter more time), with times that
    may be missing (simple packet blocks have none; a time beyond year 9999 is none)."""
    labels, ported, signatures_tcp = PROTO_LABELS, PORTED, TCP_SIGNATURES
    eth_ipv4, eth_ipv4_size, tcp_flags_at = _ETH_IPV4.unpack_from, _ETH_IPV4_SIZE, _ETH_TCP_FLAGS
    own = packets.own
    known = own.cache.get if own is not None else None  # what ``in own`` answered before
    get = sources.get
    max_ports, max_targets, max_signatures = MAX_PORTS, MAX_TARGETS, MAX_SIGNATURES
    max_source_ports, max_locations = MAX_SOURCE_PORTS, MAX_LOCATIONS
    first_seen = FirstSeen
    section = None
    number = layout = 0
    base = ctx.records
    try:
        while True:
            if not reader.fill(12):
                if reader.leftover():
                    packets.number = number
                    packets.cut_short("a block header")
                    number = packets.number
                return
            buf, pos = reader.buf, reader.pos
            end_of_buf = len(buf)
            while end_of_buf - pos >= 12:
                if section is not None:
                    block_type, length = section.head(buf, pos)
                if section is None or block_type == BT_SHB:  # its type reads the same in either order
                    if buf[pos:pos + 4] != PCAPNG_SHB:
                        ctx.error(None, "not a pcapng file (no section header block)")
                        return
                    order = PCAPNG_BYTE_ORDER.get(buf[pos + 8:pos + 12])
                    if order is None:
                        ctx.ended_early = True
                        ctx.error(None, "pcapng section header with an unknown byte order; reading stopped")
                        return
                    section = _Section(order)
                    interfaces = section.interfaces
                    block_type, length = section.head(buf, pos)
                if length < 12 or length % 4 or length > MAX_BLOCK:
                    number += 1
                    ctx.ended_early = True
                    ctx.error(number, f"pcapng block of length {length} is invalid: the file is "
                                      "corrupt from here on; reading stopped")
                    return
                end = pos + length
                if end > end_of_buf:
                    break
                start, pos = pos + 8, end  # the block's body; the next block
                if block_type in (BT_EPB, BT_PB):
                    if block_type == BT_EPB:
                        iface, high, low, caplen = section.block(buf, start)
                    else:
                        iface, _drops, high, low, caplen = section.obsolete(buf, start)
                    start += 20
                    number += 1
                    if iface >= len(interfaces) or start + caplen > end - 4:
                        why = ("names an interface that was not described" if iface >= len(interfaces)
                               else "claims more bytes than its block holds")
                        ctx.error(number, f"malformed packet skipped: it {why}")
                        continue
                    linktype, units, offset = interfaces[iface]
                    seconds, rest = divmod((high << 32) | low, units)
                    seconds += offset
                    at = seconds * 1_000_000 + rest * 1_000_000 // units if 0 <= seconds <= MAX_TIME else None
                    stop = start + caplen
                elif block_type == BT_SPB:
                    number += 1
                    if not interfaces:
                        ctx.error(number, "malformed packet skipped: no interface was described")
                        continue
                    linktype, at = interfaces[0][0], None
                    stop = min(start + 4 + section.u32(buf, start)[0], end - 4)
                    start += 4
                else:
                    if block_type == BT_IDB:
                        found = read_interface(buf[start:end - 4], section.order, ctx)
                        interfaces.append((found.linktype, found.units, found.offset))
                        layout += 1
                    elif block_type == BT_SHB:
                        layout += 1
                    continue  # statistics, name resolution, custom blocks...
                # the packet: as in _pcap_loop
                if linktype == LT_ETHERNET and stop - start >= eth_ipv4_size:
                    ethertype, first, fragment, proto, src, dst, sport, dport = eth_ipv4(buf, start)
                    if ethertype == 0x0800 and first == 0x45 and not fragment & 0x1FFF:
                        if proto == 6:
                            if stop - start > tcp_flags_at:
                                signature = signatures_tcp[buf[start + tcp_flags_at]]
                            else:
                                signature = "TCP"
                        else:
                            signature = labels[proto]
                            if not ported[proto]:
                                sport = dport = None
                        if own is not None:  # ``dst not in own or src in own``, cache first
                            hit = known(dst)
                            if not (hit if hit is not None else dst in own):
                                continue  # not inbound to our networks
                            hit = known(src)
                            if hit if hit is not None else src in own:
                                continue
                    else:
                        src = None
                else:
                    src = None
                if src is None:  # any other packet: the generic decoders
                    decoded = _decode(linktype, section.order, buf, start, stop, number, ctx)
                    if decoded is None:
                        continue
                    src, dst, signature, sport, dport = decoded
                    if own is not None and (dst not in own or src in own):
                        continue
                    if len(src) == 16 and src[:12] == IPV4_MAPPED:
                        src = src[12:]  # the IPv4 address's source, as normalise() makes it
                acc = get(src)
                if acc is None:  # a new source: its first packet fits every cap
                    sources[src] = [
                        1, at, at, first_seen() if dport is None else first_seen({dport: None}),
                        first_seen({dst: None}), first_seen({signature: None}),
                        [] if sport is None else [sport], [number]]
                    continue
                count = acc[0] = acc[0] + 1
                if at is not None:
                    if acc[2] is None:
                        acc[1] = acc[2] = at
                    elif at > acc[2]:
                        acc[2] = at
                    elif at < acc[1]:
                        acc[1] = at
                if count <= max_locations:  # one location per packet until the cap
                    acc[7].append(number)
                if dport is not None:
                    ports = acc[3]
                    if len(ports) < max_ports:
                        ports[dport] = None
                if sport is not None:
                    source_ports = acc[6]
                    if len(source_ports) < max_source_ports and sport not in source_ports:
                        source_ports.append(sport)
                targets = acc[4]
                if len(targets) < max_targets:
                    targets[dst] = None
                seen = acc[5]
                if len(seen) < max_signatures:
                    seen[signature] = None
            reader.pos = pos
            ctx.records = base + number
            if end_of_buf - pos >= 12 and not reader.fill(length):  # a block the buffer cuts
                packets.number = number
                if block_type in (BT_EPB, BT_SPB, BT_PB):
                    packets.cut_short("a packet")
                    number = packets.number
                else:
                    ctx.ended_early = True
                    ctx.error(None, f"the file ends inside a pcapng block of type {block_type:#x}")
                return
    finally:
        packets.number = number
        ctx.records = base + number
        ctx.state[LAYOUT_BLOCKS] = layout


class Pcap(StreamFormat):
    name = "pcap"
    label = "Packet capture (pcap)"

    def sniff(self, head: bytes) -> bool:
        return head[:4] in PCAP_MAGICS and len(head) >= 24

    def records(self, stream, ctx: ParseContext) -> "_PcapStream":
        return _PcapStream(stream, ctx)


class Pcapng(StreamFormat):
    name = "pcapng"
    label = "Packet capture (pcapng)"

    def sniff(self, head: bytes) -> bool:
        return head[:4] == PCAPNG_SHB and head[8:12] in PCAPNG_BYTE_ORDER

    def records(self, stream, ctx: ParseContext) -> "_PcapngStream":
        return _PcapngStream(stream, ctx)


register(Pcap())
register(Pcapng())
