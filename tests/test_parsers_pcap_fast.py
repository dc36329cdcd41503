"""The fast paths of packet captures (``_pcap_into``, ``_pcapng_into``: per-source accumulators, no
Record per packet) give exactly what the generic paths (``_pcap_records``, ``_pcapng_records``,
then ``Offenders.add`` for each record) give: offenders, counters, errors, down to the order of
capped values and the packet numbers kept."""

import gzip
import importlib
import io
import ipaddress
import random
import socket
import struct
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from incidents.parsers import ParseContext, parse_stream, registry
from incidents.parsers.formats.pcap import PCAPNG_SHB, _pcap_records, _pcapng_records
from incidents.parsers.registry import _collect, _guarded

from .parsing_support import sample_dir

REFERENCE_OWN = (ipaddress.ip_network("198.51.100.0/24"), ipaddress.ip_network("2001:db8::/32"))
ATTACKERS4 = ["45.13.7.9", "203.0.113.5", "192.0.2.77", "198.51.100.3", "0.0.0.1"]
ATTACKERS6 = ["2a02:c207::66", "::ffff:45.13.7.9", "::1.2.3.4", "2001:db8::99", "::ffff:203.0.113.5"]
TARGETS4 = ["198.51.100.10", "198.51.100.11", "8.8.8.8"] + [f"198.51.100.{i}" for i in range(20, 120)]
TARGETS6 = ["2001:db8::10", "2001:db8::11", "2a00::1"]


def generic(data: bytes, ctx: ParseContext):
    """The Record-based loop over the same bytes, as the parse loop ran it before the fast path."""
    stream = io.BufferedReader(io.BytesIO(data), buffer_size=1 << 20)
    name, read = ("pcapng", _pcapng_records) if data[:4] == PCAPNG_SHB else ("pcap", _pcap_records)
    records = _guarded(read(stream, ctx), ctx, name)  # a generator: no ``into``
    return _collect(iter([(name, iter(records))]), Counter(), None, ctx, None)


def fast(data: bytes, ctx: ParseContext):
    return parse_stream(io.BytesIO(data), ctx=ctx)


def details(outcome) -> dict:
    out = {}
    for src, s in outcome.offenders.by_src.items():
        out[src] = (s.count, s.first_seen, s.last_seen, s.hostile, sorted(s.kinds), list(s.ports),
                    list(s.targets), list(s.signatures), list(s.source_ports), list(s.locations))
    return out


def assert_same(data: bytes, own=()):
    ctx_a, ctx_b = ParseContext(own_networks=own), ParseContext(own_networks=own)
    old, new = generic(data, ctx_a), fast(data, ctx_b)
    assert new.as_json() == old.as_json()
    assert details(new) == details(old)
    assert list(new.offenders.by_src) == list(old.offenders.by_src)  # first seen first
    for s in new.offenders.by_src.values():  # the same types: aware UTC datetimes, FirstSeen
        if s.first_seen is not None:
            assert s.first_seen.tzinfo is not None and s.first_seen.utcoffset().total_seconds() == 0
    assert (new.records, new.skipped, new.errors_total, ctx_b.ended_early) == \
        (old.records, old.skipped, old.errors_total, ctx_a.ended_early)
    assert new.errors == old.errors
    return new


# --- packets built here -------------------------------------------------------------------------

def _ip4(src, dst, proto, payload, ihl=5, fragment=0):
    options = b"\x01" * ((ihl - 5) * 4)
    total = 20 + len(options) + len(payload)
    return struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, total, 1, fragment, 64, proto, 0,
                       socket.inet_aton(src), socket.inet_aton(dst)) + options + payload


def _ip6(src, dst, proto, payload, extensions=b""):
    return struct.pack(">IHBB16s16s", 0x60000000, len(extensions) + len(payload), proto, 64,
                       socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)) \
        + extensions + payload


def _tcp(sport, dport, flags):
    return struct.pack(">HHIIBBHHH", sport, dport, 1, 0, 0x50, flags, 1024, 0, 0)


def _udp(sport, dport, body=b"x" * 8):
    return struct.pack(">HHHH", sport, dport, 8 + len(body), 0) + body


def _transport(rng):
    roll = rng.random()
    sport, dport = rng.randrange(1, 65536), rng.choice([22, 23, 80, 443, 3389, *range(1000, 1100)])
    if roll < 0.5:
        return 6, _tcp(sport, dport, rng.choice([0x02, 0x12, 0x04, 0x01, 0x10, 0x00, 0x29, 0x18]))
    if roll < 0.75:
        return 17, _udp(sport, dport)
    if roll < 0.8:
        return 132, _udp(sport, dport)  # SCTP: ports at the same place
    if roll < 0.9:
        return 1, b"\x08\x00\x00\x00" + b"\x00" * 12  # ICMP echo
    return rng.choice([47, 50, 2, 250]), b"\x00" * 16


def _network(rng, ipv6_ok=True):
    if ipv6_ok and rng.random() < 0.25:
        proto, payload = _transport(rng)
        extensions = b""
        if rng.random() < 0.2:  # a fragment header, first or not
            offset = rng.choice([0, 8 << 3])
            extensions = struct.pack(">BBHI", proto, 0, offset, 7)
            proto = 44
        return 0x86DD, _ip6(rng.choice(ATTACKERS6), rng.choice(TARGETS6),
                            proto, payload, extensions)
    proto, payload = _transport(rng)
    ihl = 6 if rng.random() < 0.05 else 5
    fragment = rng.choice([0] * 18 + [0x2000, 0x0010])  # more-fragments, non-first fragment
    return 0x0800, _ip4(rng.choice(ATTACKERS4), rng.choice(TARGETS4), proto, payload, ihl, fragment)


def _frame(rng, linktype):
    roll = rng.random()
    if linktype == 1:  # Ethernet, sometimes VLAN-tagged, sometimes ARP or a broken IP header
        if roll < 0.03:
            return b"\xff" * 12 + b"\x08\x06" + b"\x00" * 28  # ARP
        if roll < 0.05:
            return b"\xff" * 12 + b"\x08\x00" + b"\x65" + b"\x00" * 40  # IP version 6 in IPv4
        if roll < 0.06:
            return b"\xff" * 12 + b"\x08\x00" + b"\x43" + b"\x00" * 40  # IHL 3
        ethertype, packet = _network(rng)
        if roll < 0.15:
            return b"\xff" * 12 + struct.pack(">HHH", 0x8100, 7, ethertype) + packet
        return b"\xff" * 12 + struct.pack(">H", ethertype) + packet
    if linktype == 113:  # Linux cooked
        ethertype, packet = _network(rng)
        return b"\x00" * 14 + struct.pack(">H", ethertype) + packet
    if linktype == 101:  # raw IP
        return _network(rng)[1]
    return b"\x00" * 40  # a link type nobody reads


MAGIC = {("<", False): 0xA1B2C3D4, (">", False): 0xA1B2C3D4, ("<", True): 0xA1B23C4D,
         (">", True): 0xA1B23C4D}


def capture(packets: int, seed: int, *, linktype: int = 1, order: str = "<", nanos: bool = False,
            truncate: float = 0.1, times: str = "ascending") -> bytes:
    rng = random.Random(seed)
    out = [struct.pack(order + "IHHiIII", MAGIC[(order, nanos)], 2, 4, 0, 0, 65535, linktype)]
    second = 1_700_000_000
    for _ in range(packets):
        frame = _frame(rng, linktype)
        caplen = len(frame)
        if rng.random() < truncate:
            caplen = rng.randrange(0, len(frame) + 1)  # cut anywhere: link, IP, transport headers
        if times == "ascending":
            second += rng.choice([0, 0, 1])
            seconds = second
        else:
            seconds = rng.choice([second, second - 5000, 0, 1, 0xFFFFFFFF])
        unit = 1_000_000_000 if nanos else 1_000_000
        fraction = rng.randrange(unit) if rng.random() < 0.97 else rng.randrange(unit, unit * 3)
        out.append(struct.pack(order + "IIII", seconds, fraction, caplen, len(frame)) + frame[:caplen])
    return b"".join(out)


def _block(kind: int, body: bytes, order: str) -> bytes:
    body += b"\0" * (-len(body) % 4)
    return struct.pack(order + "II", kind, 12 + len(body)) + body + struct.pack(order + "I", 12 + len(body))


def _option(code: int, value: bytes, order: str) -> bytes:
    return struct.pack(order + "HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


# a section's interfaces: link type, if_tsresol (None: microseconds), if_tsoffset in seconds
INTERFACES = [(1, None, 0), (113, 9, 0), (101, 0x80 | 10, 0), (1, 3, 3600), (147, None, 0)]


def _units(resolution) -> int:
    if resolution is None:
        return 1_000_000
    return 2 ** (resolution & 0x7F) if resolution & 0x80 else 10 ** resolution


def capture_ng(packets: int, seed: int, *, order: str = "<", sections: int = 2, truncate: float = 0.1,
               times: str = "ascending") -> bytes:
    """A pcapng of ``sections`` sections, the byte order changing from one to the next, each with
    interfaces of several link types and time resolutions, then enhanced, simple and obsolete
    packet blocks, other blocks, packets of an interface never described or claiming more than
    their block holds."""
    rng = random.Random(seed)
    out = []
    second = 1_700_000_000
    for section in range(sections):
        o = order if section % 2 == 0 else {"<": ">", ">": "<"}[order]
        out.append(_block(0x0A0D0D0A, struct.pack(o + "IHHq", 0x1A2B3C4D, 1, 0, -1), o))
        for linktype, resolution, offset in INTERFACES:
            options = b""
            if resolution is not None:
                options += _option(9, bytes([resolution]), o)
            if offset:
                options += _option(14, struct.pack(o + "q", offset), o)
            out.append(_block(1, struct.pack(o + "HHI", linktype, 0, 65535) + options
                              + (_option(0, b"", o) if options else b""), o))
        for _ in range(packets // sections):
            iface = rng.randrange(len(INTERFACES)) if rng.random() < 0.99 else len(INTERFACES)
            frame = _frame(rng, INTERFACES[min(iface, len(INTERFACES) - 1)][0])
            caplen = len(frame) if rng.random() >= truncate else rng.randrange(0, len(frame) + 1)
            units = _units(INTERFACES[min(iface, len(INTERFACES) - 1)][1])
            if times == "ascending":
                second += rng.choice([0, 0, 1])
                stamp = second * units + rng.randrange(units)
            else:
                stamp = min(rng.choice([second * units, 0, (1 << 64) - 1, (MAX_YEAR_SECONDS + 5) * units]),
                            (1 << 64) - 1)
            high, low = stamp >> 32, stamp & 0xFFFFFFFF
            roll = rng.random()
            if roll < 0.05:  # simple packet block: the first interface's, no time
                out.append(_block(3, struct.pack(o + "I", len(frame)) + frame[:caplen], o))
            elif roll < 0.08:  # the obsolete packet block
                out.append(_block(2, struct.pack(o + "HHIIII", iface, 0, high, low, caplen, len(frame))
                                  + frame[:caplen], o))
            elif roll < 0.10:  # name resolution, statistics, custom: read past
                out.append(_block(rng.choice([4, 5, 0x40000BAD]), rng.randbytes(rng.randrange(0, 40)), o))
            else:
                claimed = caplen if rng.random() < 0.99 else caplen + 64
                out.append(_block(6, struct.pack(o + "IIIII", iface, high, low, claimed, len(frame))
                                  + frame[:caplen], o))
    return b"".join(out)


MAX_YEAR_SECONDS = 253402300799


# --- the comparisons ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(sample_dir("pcap").glob("*.pcap")), ids=lambda p: p.name)
@pytest.mark.parametrize("own", [(), REFERENCE_OWN], ids=["no-own", "own"])
def test_every_sample_capture_gives_what_the_generic_path_gives(path, own):
    data = path.read_bytes()
    assert_same(data, own)
    for cut in (len(data) - 1, len(data) - 7, 30, 24 + 16 + 5):  # cut inside a packet or header
        if 24 <= cut < len(data):
            assert_same(data[:cut], own)


@pytest.mark.parametrize("linktype", [1, 113, 101, 147])
@pytest.mark.parametrize("order,nanos", [("<", False), (">", False), ("<", True), (">", True)])
@pytest.mark.parametrize("own", [(), REFERENCE_OWN], ids=["no-own", "own"])
def test_generated_captures_give_what_the_generic_path_gives(linktype, order, nanos, own):
    data = capture(3000, seed=linktype * 7 + nanos, linktype=linktype, order=order, nanos=nanos)
    outcome = assert_same(data, own)
    assert outcome.records == 3000
    assert_same(data[:-3], own)  # the last packet cut short
    assert_same(data + b"\x01\x02\x03", own)  # a record header cut short


def test_times_out_of_range_and_in_any_order():
    for seed in range(4):
        data = capture(4000, seed=seed, times="any", nanos=bool(seed % 2))
        assert_same(data)
        assert_same(data, REFERENCE_OWN)


def test_a_capture_larger_than_the_read_chunk():
    data = capture(60_000, seed=11, truncate=0.02)  # several 1 MiB chunks: records cross them
    assert len(data) > 3 << 20
    outcome = assert_same(data)
    assert outcome.records == 60_000 and len(outcome.offenders) > 0
    assert_same(data, REFERENCE_OWN)


def test_a_corrupt_record_length_stops_reading_as_before():
    data = capture(500, seed=5)
    bad = data + struct.pack("<IIII", 1_700_000_100, 0, 20 << 20, 60) + b"\0" * 100
    outcome = assert_same(bad)
    assert outcome.records == 501


def test_compressed_and_archived_captures_and_a_log_before_them(tmp_path: Path):
    data = capture(2000, seed=9)
    old = generic(data, ParseContext())
    new = parse_stream(io.BytesIO(gzip.compress(data)), ctx=ParseContext())
    assert new.as_json()["offenders"] == old.as_json()["offenders"]
    # a zip with a log that names the capture's sources (not hostile, then hostile) and two
    # captures: the pcap's offenders merge into what the members before them gave
    log = "\n".join(
        f"Nov 24 03:14:0{i} fw1 kernel: IPTABLES-ACCEPT: IN=eth0 OUT= SRC={src} DST=198.51.100.10 "
        f"LEN=44 TTL=50 ID=1 PROTO=TCP SPT=4444 DPT=22 WINDOW=1024 SYN URGP=0"
        for i, src in enumerate(ATTACKERS4[:3])) + "\n"
    path = tmp_path / "evidence.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.log", log)
        archive.writestr("b.pcap", data)
        archive.writestr("c.pcap", capture(1500, seed=10))
    with path.open("rb") as handle:
        new = parse_stream(handle, ctx=ParseContext())
    # the same with the fast path turned off: records, one member after the other
    original = registry._Guarded.__init__

    def no_fast_path(self, records, ctx, name):
        original(self, iter(records), ctx, name)

    registry._Guarded.__init__ = no_fast_path
    try:
        with path.open("rb") as handle:
            slow = parse_stream(handle, ctx=ParseContext())
    finally:
        registry._Guarded.__init__ = original
    assert new.as_json() == slow.as_json()
    assert details(new) == details(slow)
    assert new.offenders.by_src["45.13.7.9"].hostile and len(new.offenders) > 3


def test_the_benchmark_capture_gives_what_the_generic_path_gives(tmp_path: Path):
    bench = importlib.import_module("bench.parse")
    path = tmp_path / "bench.pcap"
    truth = bench.write_pcap(path, 3_000_000, seed=4, sources=2_000)
    outcome = assert_same(path.read_bytes())
    assert outcome.records == truth["packets"]
    assert_same(path.read_bytes(), REFERENCE_OWN)


def test_a_reader_failure_keeps_what_came_before_it_as_the_generic_path_does(monkeypatch):
    """An unforeseen exception (a bug) ends the file with an error; the offenders of the packets
    before it are kept, the counters stop at the failing packet: the same on both paths."""
    from incidents.parsers.formats import pcap

    data = capture(3000, seed=21, linktype=101)  # raw IP: every packet goes through _ip
    real_ip = pcap._ip

    def failing(calls=[0]):  # noqa: B006 - a counter shared by the calls of one parse
        def _ip(*args):
            calls[0] += 1
            if calls[0] == 1234:
                raise RuntimeError("a bug")
            return real_ip(*args)
        return _ip, calls

    outcomes = []
    for parse in (generic, fast):
        replacement, calls = failing([0])
        monkeypatch.setattr(pcap, "_ip", replacement)
        ctx = ParseContext()
        outcome = parse(data, ctx)
        outcomes.append((outcome.as_json(), details(outcome), ctx.ended_early, outcome.errors_total))
        assert calls[0] == 1234 and ctx.ended_early
        assert outcome.errors[-1]["error"] == "pcap: reading stopped: RuntimeError: a bug"
    assert outcomes[0] == outcomes[1]


# --- pcapng -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(sample_dir("pcap").glob("*.pcapng")), ids=lambda p: p.name)
@pytest.mark.parametrize("own", [(), REFERENCE_OWN], ids=["no-own", "own"])
def test_every_sample_pcapng_gives_what_the_generic_path_gives(path, own):
    data = path.read_bytes()
    outcome = assert_same(data, own)
    assert outcome.records > 0 and (own or len(outcome.offenders) > 0)
    for cut in (len(data) - 1, len(data) - 7, 30, 200):  # cut inside a block or its header
        if cut < len(data):
            assert_same(data[:cut], own)


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("own", [(), REFERENCE_OWN], ids=["no-own", "own"])
def test_generated_pcapngs_give_what_the_generic_path_gives(order, own):
    data = capture_ng(4000, seed=3 if order == "<" else 4, order=order)
    outcome = assert_same(data, own)
    assert outcome.records > 3500 and outcome.errors_total > 0  # packets of no interface, too long
    assert_same(data[:-3], own)  # the last block cut short
    assert_same(data + b"\x01\x02\x03", own)  # a block header cut short
    assert_same(data + _block(0x40000BAD, b"\0" * 40, order)[:30], own)  # a block of no packet cut


def test_pcapng_times_out_of_range_or_missing_and_in_any_order():
    for seed in range(3):
        data = capture_ng(3000, seed=seed, times="any")
        assert_same(data)
        assert_same(data, REFERENCE_OWN)


def test_a_pcapng_larger_than_the_read_chunk_and_one_with_a_corrupt_block_length():
    data = capture_ng(60_000, seed=12, truncate=0.02)  # blocks cross the 1 MiB reads
    assert len(data) > 3 << 20
    outcome = assert_same(data)
    assert len(outcome.offenders) > 0
    assert_same(data, REFERENCE_OWN)
    bad = data[:200_000] + struct.pack("<II", 6, 13) + data[200_000:]
    assert_same(bad)


def test_a_pcapng_is_read_by_the_fast_path_and_gives_what_the_same_packets_give_in_a_pcap():
    classic = capture(3000, seed=31, truncate=0.0)
    packets, pos = [], 24
    while pos < len(classic):
        seconds, micros, caplen, length = struct.unpack_from("<IIII", classic, pos)
        stamp = seconds * 1_000_000 + micros
        packets.append(_block(6, struct.pack("<IIIII", 0, stamp >> 32, stamp & 0xFFFFFFFF, caplen, length)
                              + classic[pos + 16:pos + 16 + caplen], "<"))
        pos += 16 + caplen
    ng = (_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1), "<")
          + _block(1, struct.pack("<HHI", 1, 0, 65535), "<") + b"".join(packets))
    seen = []
    original = registry._Guarded._into

    def spy(self, offenders):
        seen.append(self._name)
        return original(self, offenders)

    registry._Guarded._into = spy
    try:
        from_ng, from_pcap = fast(ng, ParseContext()), fast(classic, ParseContext())
    finally:
        registry._Guarded._into = original
    assert seen == ["pcapng", "pcap"]
    assert from_ng.as_json()["offenders"] == from_pcap.as_json()["offenders"]
    assert details(from_ng) == details(from_pcap)


def test_mutated_pcapngs_give_what_the_generic_path_gives():
    """Random bytes changed in block headers, interface descriptions and packet headers: both paths
    must stop, skip or read the same."""
    rng = random.Random(77)
    original = capture_ng(300, seed=8, truncate=0.05)
    for _ in range(150):
        data = bytearray(original)
        for _ in range(rng.randrange(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        cut = rng.randrange(len(data) // 2, len(data) + 1)
        assert_same(bytes(data[:cut]), REFERENCE_OWN if rng.random() < 0.5 else ())
