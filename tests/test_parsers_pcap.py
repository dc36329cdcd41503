"""pcap and pcapng: tcpdump's and Suricata's captures against tshark's view of them, then packets
we build here for each link layer and corner the parser must handle."""

import gzip
import io
import ipaddress
import json
import struct
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import dpkt
import pytest

from incidents.parsers import Kind, ParseContext, parse_stream
from incidents.parsers.formats.pcap import Pcap, Pcapng

from .parsing_support import parse_sample, recall_precision, sample_dir, samples

CAPTURES = [p for p in samples("pcap", "*.pcap*") if p.suffix in (".pcap", ".pcapng")]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ATTACKER, ATTACKER6 = "45.13.7.9", "2a02:c207::66"
OURS, OURS6 = "198.51.100.10", "2001:db8::10"


def summary_of(path: Path) -> dict:
    return json.loads(Path(f"{path}.summary.json").read_text())["derived"]


def at_epoch(text: str) -> datetime:
    """tshark's epoch with nanoseconds, as the microsecond datetime a packet record carries."""
    micros = int(Decimal(text) * 1_000_000)
    return EPOCH + timedelta(microseconds=micros)


def records_of(path: Path, ctx: ParseContext | None = None):
    ctx = ctx or ParseContext()
    fmt = Pcapng() if path.suffix == ".pcapng" else Pcap()
    with path.open("rb") as handle:
        return list(fmt.records(io.BufferedReader(handle), ctx)), ctx


# --- the real captures ------------------------------------------------------------------------

@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: p.name)
def test_each_capture_names_the_same_sources_with_the_same_packet_counts_as_tshark(path):
    sample_dir("pcap")
    truth = summary_of(path)
    outcome = parse_sample(path)
    found = {o.src: o.count for o in outcome.offenders}
    recall, precision = recall_precision(path.name, set(truth["src_ip_counts"]), set(found))
    tshark = sum(truth["src_ip_counts"].values())
    print(f"{path.name}: {sum(found.values())} packets counted, tshark {tshark}")
    assert found == truth["src_ip_counts"]
    assert (recall, precision) == (1.0, 1.0)
    assert outcome.records == truth["packets"]
    for offender in outcome.offenders:
        first, last = truth["src_ip_first_last_epoch"][offender.src]
        assert (offender.first_seen, offender.last_seen) == (at_epoch(first), at_epoch(last))


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: p.name)
def test_each_packet_has_tsharks_source_destination_time_and_port(path):
    sample_dir("pcap")
    expected = {p["frame"]: p for p in summary_of(path)["per_packet"] if p["src"]}
    records, _ = records_of(path)
    assert sorted(r.location for r in records) == sorted(expected)
    for record in records:
        packet = expected[record.location]
        assert (record.src, record.dst) == (packet["src"], packet["dst"])
        assert record.at == at_epoch(packet["epoch"])
        assert record.kind == Kind.PACKETS
        if packet["proto"] not in ("ICMP", "ICMPv6", "OSPF") and packet["dport"]:
            assert record.dst_port == int(packet["dport"])


@pytest.mark.parametrize("name", ["heapoverflow-tcp_print.pcap", "ipv4_invalid_total_length.pcap",
                                  "tcp_rst_data-trunc.pcap"])
def test_malformed_and_truncated_samples_are_read_without_crashing_and_count_what_they_skip(name):
    path = sample_dir("pcap") / name
    outcome = parse_sample(path)
    assert outcome.skipped == len(outcome.errors) == outcome.errors_total
    assert outcome.records == summary_of(path)["packets"]
    assert {o.src for o in outcome.offenders} == set(summary_of(path)["src_ip_counts"])


def test_the_empty_capture_gives_no_records_and_no_offenders():
    outcome = parse_sample(sample_dir("pcap") / "empty.pcap")
    assert (outcome.records, outcome.skipped, len(outcome.offenders)) == (0, 0, 0)


def test_a_real_capture_cut_in_its_last_packet_keeps_every_whole_packet_and_counts_the_cut_one():
    data = (sample_dir("pcap") / "ssh.pcap").read_bytes()
    outcome = parse_stream(io.BytesIO(data[:-10]))
    assert (outcome.records, outcome.skipped) == (54, 1)
    assert outcome.errors[0]["at"] == 54
    assert sum(o.count for o in outcome.offenders) == 53


def test_a_gzipped_capture_is_read_like_the_plain_one():
    path = sample_dir("pcap") / "suricata-verify_telnet_telnet-01.pcap"
    plain = parse_sample(path)
    zipped = parse_stream(io.BytesIO(gzip.compress(path.read_bytes())))
    assert zipped.format == "pcap"
    assert zipped.offenders.as_json() == plain.offenders.as_json()


# --- packets built here -----------------------------------------------------------------------

def tcp(src=ATTACKER, dst=OURS, dport=22, flags=dpkt.tcp.TH_SYN) -> bytes:
    segment = dpkt.tcp.TCP(sport=40000, dport=dport, flags=flags)
    return bytes(dpkt.ip.IP(src=ipaddress.ip_address(src).packed, dst=ipaddress.ip_address(dst).packed,
                            p=dpkt.ip.IP_PROTO_TCP, data=segment))


def udp(src=ATTACKER, dst=OURS, dport=53) -> bytes:
    datagram = dpkt.udp.UDP(sport=40000, dport=dport, data=b"x")
    return bytes(dpkt.ip.IP(src=ipaddress.ip_address(src).packed, dst=ipaddress.ip_address(dst).packed,
                            p=dpkt.ip.IP_PROTO_UDP, data=datagram))


def ethernet(payload: bytes, ethertype=0x0800, tags=()) -> bytes:
    header = b"\x00\x11\x22\x33\x44\x55" + b"\x66\x77\x88\x99\xaa\xbb"
    for tpid, vid in tags:
        header += struct.pack(">HH", tpid, vid)
    return header + struct.pack(">H", ethertype) + payload


def pcap(packets, linktype=1, order="<", nanos=False, start=1_700_000_000) -> bytes:
    """A classic pcap file; ``packets`` are bytes or (bytes, seconds, fraction) tuples."""
    magic = 0xA1B23C4D if nanos else 0xA1B2C3D4
    out = [struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, 262144, linktype)]
    for i, packet in enumerate(packets):
        data, seconds, fraction = packet if isinstance(packet, tuple) else (packet, start + i, 0)
        out.append(struct.pack(order + "IIII", seconds, fraction, len(data), len(data)) + data)
    return b"".join(out)


def parse(data: bytes, **ctx_options):
    ctx = ParseContext(**ctx_options)
    return parse_stream(io.BytesIO(data), ctx=ctx)


def only(outcome) -> dict:
    [offender] = outcome.offenders.as_json()
    return offender


def test_vlan_and_qinq_tagged_frames_are_read_through_their_tags():
    frames = [
        ethernet(tcp(dport=22), tags=[(0x8100, 10)]),
        ethernet(tcp(dport=23), tags=[(0x88A8, 200), (0x8100, 2001)]),
        ethernet(tcp(dport=25), tags=[(0x9100, 7), (0x8100, 8)]),
    ]
    offender = only(parse(pcap(frames)))
    assert (offender["ip"], offender["count"], offender["ports"]) == (ATTACKER, 3, [22, 23, 25])
    assert offender["signatures"] == ["TCP SYN"]


def test_linux_cooked_sll_and_sll2_captures_are_read():
    sll = struct.pack(">HHH8sH", 0, 1, 6, b"\x00" * 8, 0x0800) + tcp(dport=443)
    sll2 = struct.pack(">HHIHBB8s", 0x86DD, 0, 3, 1, 0, 6, b"\x00" * 8) + bytes(dpkt.ip6.IP6(
        src=ipaddress.ip_address(ATTACKER6).packed, dst=ipaddress.ip_address(OURS6).packed,
        nxt=dpkt.ip.IP_PROTO_UDP, hlim=64, data=dpkt.udp.UDP(sport=1, dport=161, data=b"x")))
    assert only(parse(pcap([sll], linktype=113)))["ports"] == [443]
    offender = only(parse(pcap([sll2], linktype=276)))
    assert (offender["ip"], offender["ports"], offender["targets"]) == (ATTACKER6, [161], [OURS6])


def nflog(payload: bytes, order="<") -> bytes:
    def tlv(kind, value):
        padded = value + b"\0" * (-len(value) % 4)
        return struct.pack(order + "HH", 4 + len(value), kind) + padded
    return (struct.pack(">BBH", 2, 0, 5) + tlv(1, b"\x08\x00\x01\x00") + tlv(10, b"DROP-IN\0")
            + tlv(9, payload))


def test_nflog_packets_are_found_in_their_payload_tlv_in_either_byte_order():
    little = only(parse(pcap([nflog(udp(dport=123))], linktype=239)))
    big = only(parse(pcap([nflog(udp(dport=123), order=">")], linktype=239, order=">")))
    swapped = only(parse(pcap([nflog(udp(dport=123), order=">")], linktype=239, order="<")))
    assert little["ports"] == big["ports"] == swapped["ports"] == [123]
    assert little["ip"] == ATTACKER


def test_ipv6_extension_headers_are_skipped_to_reach_the_port():
    hop_by_hop = bytes([60, 0]) + b"\x01\x04\x00\x00\x00\x00"  # next: destination options
    destination = bytes([44, 0]) + b"\x01\x04\x00\x00\x00\x00"  # next: fragment
    fragment = struct.pack(">BBHI", 6, 0, 0x0001, 99)  # first fragment, more follow; next: TCP
    segment = bytes(dpkt.tcp.TCP(sport=5, dport=3389, flags=dpkt.tcp.TH_SYN))
    body = hop_by_hop + destination + fragment + segment
    header = struct.pack(">IHBB16s16s", 0x60000000, len(body), 0, 64,
                         ipaddress.ip_address(ATTACKER6).packed, ipaddress.ip_address(OURS6).packed)
    later_fragment = struct.pack(">IHBB16s16s", 0x60000000, 8 + 8, 44, 64,
                                 ipaddress.ip_address(ATTACKER6).packed,
                                 ipaddress.ip_address(OURS6).packed) + struct.pack(">BBHI", 6, 0, 0x0100, 99)
    offender = only(parse(pcap([ethernet(header + body, 0x86DD), ethernet(later_fragment, 0x86DD)])))
    assert (offender["ip"], offender["count"], offender["ports"]) == (ATTACKER6, 2, [3389])
    assert offender["signatures"] == ["TCP SYN", "TCP fragment"]


def test_nanosecond_big_endian_captures_keep_microsecond_times():
    data = pcap([(ethernet(tcp()), 1_700_000_000, 123_456_789)], order=">", nanos=True)
    offender = only(parse(data))
    assert offender["first_seen"] == "2023-11-14T22:13:20.123456+00:00"


def test_times_after_2038_and_2106_are_kept():
    data = pcap([(ethernet(tcp()), 0xFFFFFFFF, 999_999)])
    assert only(parse(data))["first_seen"] == "2106-02-07T06:28:15.999999+00:00"


def test_loopback_captures_are_read_in_both_byte_orders():
    frames = [struct.pack("<I", 2) + tcp(dport=1), struct.pack(">I", 2) + tcp(dport=2),
              struct.pack("<I", 30) + bytes(dpkt.ip6.IP6(
                  src=ipaddress.ip_address(ATTACKER6).packed, dst=ipaddress.ip_address(OURS6).packed,
                  nxt=dpkt.ip.IP_PROTO_UDP, hlim=1, data=dpkt.udp.UDP(sport=1, dport=3, data=b"")))]
    for linktype in (0, 108):
        ports = {o["ip"]: o["ports"] for o in parse(pcap(frames, linktype=linktype)).offenders.as_json()}
        assert ports == {ATTACKER: [1, 2], ATTACKER6: [3]}


def test_raw_ip_captures_are_read_under_every_number_raw_ip_has_had():
    for linktype in (101, 12, 14, 228):
        assert only(parse(pcap([udp(dport=514)], linktype=linktype)))["ports"] == [514]


def test_with_own_networks_only_sources_of_packets_sent_to_them_are_offenders():
    frames = [
        ethernet(tcp(src=ATTACKER, dst=OURS)),  # inbound: counted
        ethernet(tcp(src=OURS, dst=ATTACKER, flags=dpkt.tcp.TH_SYN | dpkt.tcp.TH_ACK)),  # our answer
        ethernet(tcp(src="203.0.113.5", dst="192.0.2.7")),  # neither side ours
        ethernet(tcp(src="198.51.100.20", dst=OURS)),  # internal
    ]
    own = (ipaddress.ip_network("198.51.100.0/24"),)
    offender = only(parse(pcap(frames), own_networks=own))
    assert (offender["ip"], offender["count"], offender["targets"]) == (ATTACKER, 1, [OURS])
    everyone = parse(pcap(frames)).offenders
    assert {o.src for o in everyone} == {ATTACKER, OURS, "203.0.113.5", "198.51.100.20"}


def test_a_file_cut_mid_packet_keeps_the_whole_packets_and_counts_the_cut_one():
    data = pcap([ethernet(tcp()), ethernet(tcp()), ethernet(tcp())])
    outcome = parse(data[:-7])
    assert (outcome.records, outcome.skipped, only(outcome)["count"]) == (3, 1, 2)
    assert outcome.errors[0]["at"] == 3
    cut_in_header = parse(data[: 24 + 2 * (16 + len(ethernet(tcp()))) + 9])
    assert (cut_in_header.records, cut_in_header.skipped) == (3, 1)


def test_malformed_packets_are_skipped_and_counted_while_the_rest_is_read():
    frames = [ethernet(tcp()[:12]), ethernet(b"\x45" + b"\0" * 30)[:20], ethernet(tcp()),
              b"\x00" * 5]
    outcome = parse(pcap(frames))
    assert (outcome.records, outcome.skipped) == (4, 3)
    assert [e["at"] for e in outcome.errors] == [1, 2, 4]
    assert only(outcome)["count"] == 1


def test_an_unsupported_link_type_is_counted_as_skipped_not_a_crash():
    outcome = parse(pcap([b"\x00" * 40, b"\x00" * 40], linktype=147))
    assert (outcome.records, outcome.skipped, len(outcome.offenders)) == (2, 2, 0)
    assert "link-layer type 147" in outcome.errors[0]["error"]


def test_a_corrupt_packet_length_stops_reading_with_an_error():
    data = pcap([ethernet(tcp())]) + struct.pack("<IIII", 1, 0, 0x7FFFFFFF, 60) + b"junk"
    outcome = parse(data)
    assert (outcome.records, outcome.skipped, only(outcome)["count"]) == (2, 1, 1)


def pcapng_block(kind: int, body: bytes, order="<") -> bytes:
    body += b"\0" * (-len(body) % 4)
    length = 12 + len(body)
    return struct.pack(order + "II", kind, length) + body + struct.pack(order + "I", length)


def option(code: int, value: bytes, order="<") -> bytes:
    return struct.pack(order + "HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def pcapng(order="<") -> bytes:
    shb = pcapng_block(0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1), order)
    eth_nanos = pcapng_block(1, struct.pack(order + "HHI", 1, 0, 0)
                             + option(9, b"\x09", order) + option(0, b"", order), order)
    raw_binary = pcapng_block(1, struct.pack(order + "HHI", 101, 0, 0)
                              + option(9, b"\x8a", order) + option(14, struct.pack(order + "q", 3600), order)
                              + option(0, b"", order), order)

    def epb(iface, units, data):
        return pcapng_block(6, struct.pack(order + "IIIII", iface, units >> 32, units & 0xFFFFFFFF,
                                           len(data), len(data)) + data, order)

    stats = pcapng_block(5, struct.pack(order + "III", 0, 0, 0), order)
    frame = ethernet(tcp(dport=80))
    return b"".join([
        shb, eth_nanos, raw_binary,
        epb(0, 1_700_000_000_123_456_789, ethernet(tcp(dport=22))),
        epb(1, 1_700_000_000 * 1024 + 512, udp(dport=53)),
        stats,
        pcapng_block(3, struct.pack(order + "I", len(frame)) + frame, order),
        epb(7, 0, ethernet(tcp(dport=1))),  # an interface never described
    ])


@pytest.mark.parametrize("order", ["<", ">"])
def test_pcapng_interfaces_each_keep_their_own_link_type_and_time_resolution(order):
    ctx = ParseContext()
    records = list(Pcapng().records(io.BufferedReader(io.BytesIO(pcapng(order))), ctx))
    assert [(r.dst_port, r.at) for r in records] == [
        (22, datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=UTC)),
        (53, datetime(2023, 11, 14, 23, 13, 20, 500000, tzinfo=UTC)),  # 2^-10 units, +3600 s offset
        (80, None),  # a simple packet block carries no time
    ]
    assert (ctx.records, ctx.skipped) == (4, 1)
    assert "interface" in ctx.errors[0]["error"]


def test_pcapng_cut_mid_block_keeps_what_came_before():
    data = pcapng()
    outcome = parse(data[: data.index(struct.pack("<II", 5, 24)) - 10])
    assert (outcome.records, outcome.skipped) == (2, 1)
    assert outcome.format == "pcapng"


# --- further link layers ----------------------------------------------------------------------

SNAP_IPV4 = b"\xaa\xaa\x03\x00\x00\x00\x08\x00"
MACS = b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb"


def wlan(payload: bytes, *, qos=False, four=False, order=False, protected=False, kind=2) -> bytes:
    """An 802.11 frame: data (``kind`` 2) from the distribution system, QoS and four-address
    variants, HT control when ``order`` is set."""
    control = (kind << 2) | (0x80 if qos else 0)
    flags = (0x03 if four else 0x02) | (0x40 if protected else 0) | (0x80 if order else 0)
    header = bytes([control, flags]) + b"\x00\x00" + MACS + b"\x10\x20\x30\x40\x50\x60" + b"\x00\x00"
    if four:
        header += b"\x01\x02\x03\x04\x05\x06"
    if qos:
        header += b"\x00\x00" + (b"\x00\x00\x00\x00" if order else b"")
    return header + SNAP_IPV4 + payload


def radiotap(frame: bytes, *, padded=False) -> bytes:
    """Radiotap with TSFT and Flags present (the Flags byte after an 8-byte TSFT)."""
    fields = struct.pack("<Q", 1) + bytes([0x20 if padded else 0x00])
    header = struct.pack("<BBHI", 0, 0, 8 + len(fields), 0x03) + fields
    return header + frame


LINK_LAYER_CASES = {
    "802.11 data": (105, wlan(tcp(dport=22))),
    "802.11 QoS data": (105, wlan(tcp(dport=22), qos=True)),
    "802.11 four-address QoS data with HT control": (
        105, wlan(tcp(dport=22), qos=True, four=True, order=True)),
    "radiotap": (127, radiotap(wlan(tcp(dport=22)))),
    "radiotap with a padded 802.11 header": (127, radiotap(
        wlan(tcp(dport=22), qos=True)[:26] + b"\x00\x00" + wlan(tcp(dport=22), qos=True)[26:], padded=True)),
    "PPI over 802.11": (192, struct.pack("<BBHI", 0, 0, 8, 105) + wlan(tcp(dport=22))),
    "Prism": (119, struct.pack("<II", 0x44, 144) + b"\x00" * 136 + wlan(tcp(dport=22))),
    "AVS": (163, struct.pack(">II", 0x80211001, 64) + b"\x00" * 56 + wlan(tcp(dport=22))),
    "FDDI": (10, b"\x50" + MACS + SNAP_IPV4 + tcp(dport=22)),
    "Token Ring with source routing": (6, b"\x10\x40" + MACS[:6] + bytes([MACS[6] | 0x80]) + MACS[7:]
                                       + b"\x04\x30\x00\x10" + SNAP_IPV4 + tcp(dport=22)),
    "ATM (RFC 1483)": (100, SNAP_IPV4 + tcp(dport=22)),
    "SunATM": (123, b"\x02\x00\x00\x20" + SNAP_IPV4 + tcp(dport=22)),
    "Frame Relay, NLPID": (107, b"\x18\x41\x03\xcc" + tcp(dport=22)),
    "Frame Relay, SNAP": (107, b"\x18\x41\x03\x00\x80\x00\x00\x00\x08\x00" + tcp(dport=22)),
    "Solaris IPNET": (226, struct.pack(">BBHIIIII", 2, 2, 0, 60, 1, 0, 0, 0) + tcp(dport=22)),
    "OpenBSD enc": (109, struct.pack("<III", 2, 0x1234, 0) + tcp(dport=22)),
    "Apple PKTAP over Ethernet": (258, struct.pack("<II", 108, 1) + b"\x00" * 100 + ethernet(tcp(dport=22))),
    "IP over InfiniBand": (242, b"\x08\x00\x00\x00" + tcp(dport=22)),
    "PPPoE without Ethernet": (51, b"\x11\x00\x00\x01\x00\x30\x00\x21" + tcp(dport=22)),
    "MPLS": (219, b"\x00\x01\x01\x40" + tcp(dport=22)),
    "netANALYZER": (240, b"\x00" * 4 + ethernet(tcp(dport=22))),
    "netANALYZER transparent": (241, b"\x00" * 4 + b"\x55" * 7 + b"\xd5" + ethernet(tcp(dport=22))),
    "Broadcom tag": (281, MACS + b"\x20\x00\x00\x01" + b"\x08\x00" + tcp(dport=22)),
    "Broadcom tag prepended": (282, b"\x20\x00\x00\x01" + ethernet(tcp(dport=22))),
    "Marvell DSA": (284, MACS + b"\xc0\x00\x00\x01" + b"\x08\x00" + tcp(dport=22)),
    "Marvell EDSA": (285, MACS + b"\xda\xda\x00\x00\xc0\x00\x00\x01" + b"\x08\x00" + tcp(dport=22)),
}


@pytest.mark.parametrize("name", LINK_LAYER_CASES)
def test_packets_of_other_link_layers_are_read_to_their_ip_source_and_port(name):
    linktype, frame = LINK_LAYER_CASES[name]
    outcome = parse(pcap([frame, frame], linktype=linktype))
    offender = only(outcome)
    assert (offender["ip"], offender["count"], offender["ports"]) == (ATTACKER, 2, [22])
    assert outcome.skipped == 0 and outcome.errors == []


def test_wireless_frames_without_readable_ip_are_skipped_quietly():
    beacon = wlan(b"", kind=0)[:24] + b"\x00" * 12
    protected = wlan(tcp(dport=22), protected=True)
    outcome = parse(pcap([wlan(udp(dport=53)), beacon, protected], linktype=105))
    assert only(outcome)["ports"] == [53]
    assert outcome.errors == []


def test_a_radiotap_header_longer_than_its_packet_is_an_error_for_that_packet_alone():
    good = radiotap(wlan(tcp(dport=22)))
    bad = struct.pack("<BBHI", 0, 0, 200, 0) + b"\x00" * 20
    outcome = parse(pcap([bad, good], linktype=127))
    assert only(outcome)["ports"] == [22]
    assert outcome.skipped == 1
    assert outcome.errors == [
        {"at": 1, "error": "malformed packet skipped: radiotap header length is invalid"}]
