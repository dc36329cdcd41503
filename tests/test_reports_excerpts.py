"""Per-ISP evidence excerpts: one pass over each file serves every report; our own addresses and
host names are redacted; the zip is deterministic, capped in size and carries a manifest."""

import gzip
import hashlib
import io
import ipaddress
import json
import struct
import zipfile

import dpkt
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from reports import excerpts
from reports.excerpts import (
    Redactor,
    build_excerpts,
    ipv4_checksum,
    member_name,
)
from tests.parsing_support import sample_dir

ISP_A = "203.0.113.5"
ISP_A_V6 = "2001:db8:aa::5"
ISP_B = "198.51.100.7"
INTERNAL = ["10.1.2.3", "192.168.1.10", "fd00::7"]
INTERNAL_HOSTS = ["db1.corp.example.org", "backup"]
NETWORKS = ["10.0.0.0/8", "192.168.0.0/16", "fc00::/7"]
PATTERNS = ["*.corp.example.org", "backup"]

SYSLOG = f"""\
Jan  5 10:00:01 gw01 sshd[101]: Failed password for root from {ISP_A} port 40000 ssh2
Jan  5 10:00:02 gw01 sshd[102]: Failed password for admin from {ISP_B} port 40001 ssh2
Jan  5 10:00:03 gw01 sshd[103]: Accepted publickey for bob from 10.1.2.3 port 50000 ssh2
Jan  5 10:00:04 gw01 kernel: DROP SRC={ISP_A} DST=192.168.1.10 PROTO=TCP DPT=22
Jan  5 10:00:05 gw01 sshd[104]: Invalid user test from {ISP_B} port 40002 to 10.1.2.3
Jan  5 10:00:06 gw01 sshd[105]: Connection from {ISP_A} port 40003 on 10.1.2.3 port 22 (DB1.Corp.Example.org)
Jan  5 10:00:07 gw01 sshd[106]: backup job on backup.example.net finished
Jan  5 10:00:08 gw01 sshd[107]: Disconnected from 192.168.1.10 port 22 [preauth]
"""


class Plain:
    """A lightweight evidence item: what build_excerpts needs, from bytes."""

    def __init__(self, name: str, data: bytes, detected_format: str = ""):
        self.original_name, self.detected_format, self._data = name, detected_format, data
        self.sha256 = hashlib.sha256(data).hexdigest()

    def open(self):
        return io.BytesIO(self._data)


class OnDisk(Plain):
    def __init__(self, path):
        self.path = path
        self.original_name, self.detected_format = path.name, ""
        self.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()

    def open(self):
        return open(self.path, "rb")  # closed by build_excerpts


def redactor_factory(**extra):
    def make(keep=()):
        return Redactor(networks=NETWORKS, hostname_patterns=PATTERNS, redact_syslog_host=True,
                        keep=keep, **extra)
    return make


def build(items, groups, **kwargs):
    kwargs.setdefault("redactor_factory", redactor_factory())
    return build_excerpts(items, groups, **kwargs)


def members(excerpt) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(excerpt.zip_bytes)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def everything(excerpt) -> bytes:
    """Every byte a recipient can see: inline lines, manifest and members, decompressed."""
    return b"\n".join([*members(excerpt).values(),
                       "\n".join(excerpt.inline_lines).encode()]).lower()


def text_member(excerpt) -> list[str]:
    found = {n: v for n, v in members(excerpt).items() if n != "MANIFEST.txt"}
    assert len(found) == 1, found.keys()
    return next(iter(found.values())).decode().splitlines()


def assert_nothing_internal(excerpt, also=()):
    seen = everything(excerpt)
    for original in [*INTERNAL, *INTERNAL_HOSTS[:1], "gw01", *also]:
        assert original.lower().encode() not in seen, original


# --- text -----------------------------------------------------------------------------------


def test_each_group_gets_exactly_its_own_lines_in_order_with_internal_addresses_redacted():
    result = build([Plain("auth.log", SYSLOG.encode())], {"A": {ISP_A}, "B": {ISP_B}})

    lines_a = text_member(result["A"])
    assert lines_a == [
        f"Jan  5 10:00:01 internal-host-1 sshd[101]: Failed password for root from {ISP_A} port 40000 ssh2",
        f"Jan  5 10:00:04 internal-host-1 kernel: DROP SRC={ISP_A} DST=internal-ip-1 PROTO=TCP DPT=22",
        f"Jan  5 10:00:06 internal-host-1 sshd[105]: Connection from {ISP_A} port 40003 on "
        "internal-ip-2 port 22 (internal-host-2)",
    ]
    lines_b = text_member(result["B"])
    assert [line.split()[5] for line in lines_b] == ["Failed", "Invalid"]
    assert lines_b[1].endswith(f"from {ISP_B} port 40002 to internal-ip-1")
    for key in "AB":
        assert_nothing_internal(result[key])
    assert ISP_B.encode() not in everything(result["A"])
    assert ISP_A.encode() not in everything(result["B"])


def test_the_same_internal_address_gets_the_same_placeholder_within_a_report():
    log = "".join(f"Jan  5 10:00:0{i} gw sshd: from {ISP_A} to {dst}\n"
                  for i, dst in enumerate(["10.1.2.3", "10.9.9.9", "10.1.2.3", "010.001.002.003"]))
    excerpt = build([Plain("auth.log", log.encode())], {"A": {ISP_A}})["A"]

    targets = [line.rsplit(" ", 1)[1] for line in text_member(excerpt)]
    assert targets == ["internal-ip-1", "internal-ip-2", "internal-ip-1", "internal-ip-1"]
    assert excerpt.redactions.replaced["10.1.2.3"] == "internal-ip-1"
    assert excerpt.redactions.counts["10.1.2.3"] == 3
    manifest = members(excerpt)["MANIFEST.txt"].decode()
    assert "Replacements made: 8 (3 distinct values)" in manifest  # + the syslog host "gw"
    assert "10.1.2.3" not in manifest and "10.0.0.0/8" not in manifest


def test_zero_padded_mapped_and_bracketed_forms_of_a_group_address_are_matched():
    log = (f"a 203.000.113.005 x\n"
           f"b ::ffff:{ISP_A} x\n"
           f"c [{ISP_A_V6}]:2222 x\n"
           f"d {ISP_A}:22 x\n"
           f"e 2001:DB8:AA:0:0:0:0:5 x\n"
           f"f 1{ISP_A} x\n"
           f"g {ISP_A}9 x\n"
           f"h nothing here\n")
    excerpt = build([Plain("mixed.log", log.encode())], {"A": {ISP_A, ISP_A_V6}})["A"]

    assert [line[0] for line in text_member(excerpt)] == list("abcde")
    assert excerpt.files[0].total == 5 and excerpt.files[0].scanned == 8


def test_internal_addresses_are_redacted_in_every_written_form_but_the_offenders_never_are():
    redactor = Redactor(networks=NETWORKS, hostname_patterns=PATTERNS, redact_syslog_host=False,
                        keep={"10.66.0.1", "evil.corp.example.org"})
    line = ("010.001.002.003 [fd00::7]:22 10.1.2.3:2222 ::ffff:192.168.1.10 FD00:0:0:0:0:0:0:7 "
            "10.66.0.1 Evil.Corp.Example.org db1.CORP.example.org. backup backups 8.8.8.8 12:34:56")
    assert redactor.text(line) == (
        "internal-ip-1 [internal-ip-2]:22 internal-ip-1:2222 internal-ip-3 internal-ip-2 "
        "10.66.0.1 Evil.Corp.Example.org internal-host-1. internal-host-2 backups 8.8.8.8 12:34:56")
    assert redactor.text("web.corp.example.org_old") == "internal-host-3_old"
    assert redactor.text("ab:cd:10.1.2.3 x") == "ab:cd:internal-ip-1 x"  # no IPv6, IPv4 inside
    kept, internal = (ipaddress.ip_address(a).packed for a in ("10.66.0.1", "10.1.2.3"))
    assert redactor.address_bytes(kept) == kept
    assert redactor.address_bytes(internal) == bytes([192, 0, 2, 1])
    assert redactor.address_bytes(internal) == bytes([192, 0, 2, 1])  # stable
    assert redactor.redactions.counts["10.1.2.3"] == 3 + 2  # three in text, two in packets


def test_host_name_groups_match_whole_tokens_only():
    log = ("x scan from evil.example.net\n"
           "y scan from notevil.example.net\n"
           "z scan from EVIL.example.net:22\n"
           "w scan from evil.example.network\n")
    excerpt = build([Plain("h.log", log.encode())], {"H": {"evil.example.net"}})["H"]

    assert [line[0] for line in text_member(excerpt)] == ["x", "z"]


def test_syslog_host_column_is_redacted_only_when_configured():
    line = f"2026-01-05T10:00:01+00:00 web-7 sshd[1]: Failed password from {ISP_A}"
    on = Redactor(networks=[], hostname_patterns=[], redact_syslog_host=True)
    off = Redactor(networks=[], hostname_patterns=[], redact_syslog_host=False)

    assert on.text(line) == f"2026-01-05T10:00:01+00:00 internal-host-1 sshd[1]: Failed password from {ISP_A}"
    assert off.text(line) == line
    assert on.text("Jan  5 10:00:01 sshd[1]: no host column here") == (
        "Jan  5 10:00:01 sshd[1]: no host column here")


def test_gzip_and_zip_of_logs_are_read_without_unpacking_and_named_after_their_members():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("var/log/auth.log", SYSLOG)
        z.writestr("var/log/other.log", f"Jan  5 11:00:00 gw01 sshd: again from {ISP_A}\n")
    items = [Plain("auth.log.gz", gzip.compress(SYSLOG.encode())),
             Plain("logs.zip", archive.getvalue())]
    excerpt = build(items, {"A": {ISP_A}})["A"]

    assert [(f.original_name, f.kept, f.total, f.member_name) for f in excerpt.files] == [
        ("auth.log.gz", 3, 3, "auth.log"),
        ("logs.zip/var/log/auth.log", 3, 3, "auth-2.log"),
        ("logs.zip/var/log/other.log", 1, 1, "other.log"),
    ]
    got = members(excerpt)
    assert got["auth.log"] == got["auth-2.log"]
    assert got["other.log"].decode() == f"Jan  5 11:00:00 internal-host-1 sshd: again from {ISP_A}\n"
    assert_nothing_internal(excerpt)


def test_a_zip_bomb_member_is_skipped_with_an_error():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bomb.log", b"\n" * (64 << 20))
    excerpt = build([Plain("bomb.zip", archive.getvalue())], {"A": {ISP_A}})["A"]

    assert len(excerpt.files) == 1
    assert "zip bomb" in excerpt.files[0].error


def test_inline_lines_are_the_first_redacted_lines():
    result = build([Plain("auth.log", SYSLOG.encode())], {"A": {ISP_A}}, inline_lines=2)

    assert result["A"].inline_lines == text_member(result["A"])[:2]
    assert "internal-ip-1" in result["A"].inline_lines[1]


def test_windows_event_xml_is_cut_by_event():
    events = "\n".join(
        f"<Event xmlns='x'>\n  <System><Computer>dc1.corp.example.org</Computer></System>\n"
        f"  <EventData><Data Name='IpAddress'>{ip}</Data></EventData>\n</Event>"
        for ip in (ISP_A, ISP_B, ISP_A))
    excerpt = build([Plain("events.xml", f"<Events>\n{events}\n</Events>\n".encode())],
                    {"A": {ISP_A}})["A"]

    assert (excerpt.files[0].kind, excerpt.files[0].kept) == ("records", 2)
    body = members(excerpt)[excerpt.files[0].member_name].decode()
    assert body.count("<Event xmlns") == 2 and body.count("</Event>") == 2
    assert "internal-host-1" in body and b"dc1" not in everything(excerpt)


# --- packets --------------------------------------------------------------------------------


def ip4(src, dst, sport=40000, dport=22) -> dpkt.ip.IP:
    packet = dpkt.ip.IP(src=ipaddress.ip_address(src).packed, dst=ipaddress.ip_address(dst).packed,
                        p=dpkt.ip.IP_PROTO_TCP, data=dpkt.tcp.TCP(sport=sport, dport=dport))
    return dpkt.ip.IP(bytes(packet))  # computes the lengths and checksum


def ip6(src, dst) -> dpkt.ip6.IP6:
    return dpkt.ip6.IP6(src=ipaddress.ip_address(src).packed, dst=ipaddress.ip_address(dst).packed,
                        nxt=dpkt.ip.IP_PROTO_UDP, hlim=64,
                        data=dpkt.udp.UDP(sport=5, dport=53, data=b"q"))


def ether(ip, v6=False) -> bytes:
    kind = dpkt.ethernet.ETH_TYPE_IP6 if v6 else dpkt.ethernet.ETH_TYPE_IP
    return bytes(dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\x04" * 6, type=kind, data=ip))


PACKETS = [  # (frame, seconds, nanoseconds)
    (ether(ip4(ISP_A, "10.1.2.3")), 1_700_000_000, 123_456_789),
    (ether(ip4("192.168.1.10", ISP_A, 22, 40000)), 1_700_000_001, 1),
    (ether(ip4(ISP_B, "10.1.2.3")), 1_700_000_002, 999_999_999),
    (ether(ip6(ISP_A_V6, "fd00::7"), v6=True), 1_700_000_003, 500),
    (bytes(dpkt.ethernet.Ethernet(type=dpkt.ethernet.ETH_TYPE_ARP, data=b"\0" * 28)), 1_700_000_004, 0),
    (ether(ip4(ISP_A, "8.8.8.8")), 1_700_000_005, 7),
]


def pcap_bytes(nano: bool) -> bytes:
    out = io.BytesIO()
    writer = dpkt.pcap.Writer(out, snaplen=65535, linktype=dpkt.pcap.DLT_EN10MB, nano=nano)
    for frame, seconds, nanos in PACKETS:
        writer.writepkt(frame, ts=seconds + nanos / 1e9)
    return out.getvalue()


def raw_records(data: bytes) -> list[tuple[int, int, bytes]]:
    """(seconds, fraction, frame) of a little-endian classic pcap, exactly as stored."""
    records, pos = [], 24
    while pos < len(data):
        seconds, fraction, caplen, _ = struct.unpack_from("<IIII", data, pos)
        records.append((seconds, fraction, data[pos + 16:pos + 16 + caplen]))
        pos += 16 + caplen
    return records


def addresses(frame: bytes) -> tuple[str, str]:
    ip = dpkt.ethernet.Ethernet(frame).data
    return str(ipaddress.ip_address(ip.src)), str(ipaddress.ip_address(ip.dst))


@pytest.mark.parametrize("nano", [False, True])
def test_a_pcap_keeps_each_groups_packets_with_internal_addresses_rewritten(nano):
    source = pcap_bytes(nano)
    result = build([Plain("capture.pcap", source)], {"A": {ISP_A, ISP_A_V6}, "B": {ISP_B}})

    a = result["A"]
    assert (a.files[0].kind, a.files[0].kept, a.files[0].total, a.files[0].scanned) == (
        "packets", 4, 4, 6)
    out = members(a)["capture.pcap"]
    magic, _, _, _, _, snaplen, linktype = struct.unpack_from("<IHHiIII", out)
    assert magic == (0xA1B23C4D if nano else 0xA1B2C3D4)
    assert (snaplen, linktype) == (65535, dpkt.pcap.DLT_EN10MB)
    kept = raw_records(out)
    assert [addresses(frame) for _, _, frame in kept] == [
        (ISP_A, "192.0.2.1"), ("192.0.2.2", ISP_A), (ISP_A_V6, "2001:db8::1"), (ISP_A, "8.8.8.8")]
    original = raw_records(source)
    assert [(s, f) for s, f, _ in kept] == [(s, f) for s, f, _ in (original[i] for i in (0, 1, 3, 5))]
    if nano:
        assert kept[0][1] > 1_000_000  # nanoseconds, not rounded to microseconds
    for _, _, frame in kept:
        if frame[12:14] == b"\x08\x00":  # IPv4: the header as stored (dpkt would recompute it)
            header = frame[14:14 + (frame[14] & 0x0F) * 4]
            assert header[10:12] != b"\0\0" and ipv4_checksum(header) == 0  # valid: sums to 0
    assert a.redactions.packets == {"10.1.2.3": "192.0.2.1", "192.168.1.10": "192.0.2.2",
                                    "fd00::7": "2001:db8::1"}
    seen = everything(a)
    for internal in INTERNAL:
        assert ipaddress.ip_address(internal).packed not in seen
    # dpkt reads what we wrote
    assert len(list(dpkt.pcap.Reader(io.BytesIO(out)))) == 4
    b = result["B"]
    assert [addresses(frame) for _, _, frame in raw_records(members(b)["capture.pcap"])] == [
        (ISP_B, "192.0.2.1")]


def test_a_pcapng_becomes_a_pcapng_with_the_groups_packets_and_their_timestamps():
    source = io.BytesIO()
    writer = dpkt.pcapng.Writer(source, snaplen=65535, linktype=dpkt.pcap.DLT_EN10MB)
    for frame, seconds, nanos in PACKETS:
        writer.writepkt(frame, ts=seconds + nanos // 1000 / 1e6)
    expected = [(seconds, nanos // 1000) for _, seconds, nanos in PACKETS]
    excerpt = build([Plain("capture.pcapng", source.getvalue())], {"A": {ISP_A}})["A"]

    assert (excerpt.files[0].kept, excerpt.files[0].member_name) == (3, "capture.pcapng")
    reader = dpkt.pcapng.Reader(io.BytesIO(members(excerpt)["capture.pcapng"]))
    assert reader.datalink() == dpkt.pcap.DLT_EN10MB
    kept = list(reader)
    assert [addresses(frame) for _, frame in kept] == [
        (ISP_A, "192.0.2.1"), ("192.0.2.2", ISP_A), (ISP_A, "8.8.8.8")]
    assert [round(ts * 1e6) for ts, _ in kept] == [
        s * 1_000_000 + us for s, us in (expected[0], expected[1], expected[5])]


def test_a_corrupt_pcap_and_a_garbage_file_are_manifest_errors_not_exceptions():
    good = pcap_bytes(False)
    corrupt = good[:24] + struct.pack("<IIII", 1, 0, 0xFFFFFFF0, 60) + b"\0" * 60
    items = [Plain("corrupt.pcap", corrupt), Plain("cut.pcap", good[:-10]),
             Plain("garbage.bin", bytes(range(256)) * 10), Plain("empty.log", b"")]
    excerpt = build(items, {"A": {ISP_A}})["A"]

    errors = {f.original_name: f.error for f in excerpt.files}
    assert "corrupt" in errors["corrupt.pcap"]
    assert "ends inside a packet" in errors["cut.pcap"]
    assert "binary data" in errors["garbage.bin"]
    assert errors["empty.log"] == "the file is empty"
    assert excerpt.files[1].kept == 2  # what came before the cut is kept
    manifest = members(excerpt)["MANIFEST.txt"].decode()
    assert manifest.count("Error:") == 4


# --- the zip --------------------------------------------------------------------------------


def test_the_size_cap_trims_every_file_to_its_earliest_lines_and_says_so():
    log = "".join(f"Jan  5 10:{i // 60:02d}:{i % 60:02d} gw sshd[{i}]: Failed password for user{i} "
                  f"from {ISP_A} port {10000 + i} ssh2 {hashlib.sha256(str(i).encode()).hexdigest()}\n"
                  for i in range(3000))
    excerpt = build([Plain("auth.log", log.encode())], {"A": {ISP_A}}, max_bytes=8000)["A"]

    assert excerpt.size == len(excerpt.zip_bytes) <= 8000
    entry = excerpt.files[0]
    assert excerpt.trimmed and entry.trimmed and 0 < entry.kept < entry.total == 3000
    kept = text_member(excerpt)
    assert len(kept) == entry.kept and kept[0].startswith("Jan  5 10:00:00 internal-host-1 sshd[0]:")
    assert all(f"sshd[{i}]:" in line for i, line in enumerate(kept))
    manifest = members(excerpt)["MANIFEST.txt"].decode()
    assert f"trimmed: {entry.kept} of 3000 lines kept because of the size cap" in manifest


def test_collection_stops_at_its_budget_but_counting_goes_on(monkeypatch):
    monkeypatch.setattr(excerpts, "MIN_BUDGET", 1000)
    monkeypatch.setattr(excerpts, "BUDGET_FACTOR", 1)
    log = "".join(f"line {i} from {ISP_A}\n" for i in range(500))
    excerpt = build([Plain("auth.log", log.encode())], {"A": {ISP_A}}, max_bytes=1024)["A"]

    entry = excerpt.files[0]
    assert (entry.total, entry.scanned, entry.trimmed) == (500, 500, True)
    assert 0 < entry.kept < 1000 // len(f"line 1 from {ISP_A}\n") + 1
    assert text_member(excerpt)[0] == f"line 0 from {ISP_A}"


def test_a_cap_too_small_for_anything_still_gives_a_zip_within_the_cap():
    excerpt = build([Plain("auth.log", SYSLOG.encode())], {"A": {ISP_A}}, max_bytes=150)["A"]

    assert len(excerpt.zip_bytes) <= 150 and excerpt.trimmed
    zipfile.ZipFile(io.BytesIO(excerpt.zip_bytes)).testzip()


def test_hostile_file_names_become_safe_unique_member_names():
    taken: set[str] = set()
    names = [member_name(n, "lines", taken) for n in (
        "../../etc/passwd", "/etc/passwd", "C:\\Windows\\evil.log", "a\x00b\x1b[31m.log",
        "x" * 500 + ".log", "..", "MANIFEST.txt", "auth.log", "AUTH.log")]

    assert names[:4] == ["passwd.txt", "passwd-2.txt", "evil.log", "ab_31m.log"]
    assert len(names[4]) <= 100 and names[4].endswith(".log")
    assert names[5] == "evidence.txt" and names[6] == "MANIFEST-2.txt"
    assert names[7:] == ["auth.log", "AUTH-2.log"]
    assert len({n.lower() for n in names}) == len(names)
    for name in names:
        assert "/" not in name and "\\" not in name and not name.startswith(".")
        assert all(32 <= ord(c) < 127 for c in name)


def test_hostile_evidence_names_are_safe_inside_the_zip():
    excerpt = build([Plain("../../../etc/cron.d/x\n.log", SYSLOG.encode()),
                     Plain("/abs/10.1.2.3.log", SYSLOG.encode())], {"A": {ISP_A}})["A"]

    assert sorted(members(excerpt)) == ["MANIFEST.txt", "internal-ip-2.log", "x.log"]
    assert_nothing_internal(excerpt)


def test_two_builds_of_the_same_evidence_give_identical_bytes():
    items = [Plain("auth.log", SYSLOG.encode()), Plain("capture.pcap", pcap_bytes(True))]
    first = build(items, {"A": {ISP_A}, "B": {ISP_B}})
    second = build(items, {"A": {ISP_A}, "B": {ISP_B}})

    assert first["A"].zip_bytes == second["A"].zip_bytes
    assert first["B"].zip_bytes == second["B"].zip_bytes
    with zipfile.ZipFile(io.BytesIO(first["A"].zip_bytes)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_DEFLATED}


def test_a_group_named_nowhere_gets_a_manifest_that_says_so():
    excerpt = build([Plain("auth.log", SYSLOG.encode())], {"none": {"8.8.4.4"}})["none"]

    assert list(members(excerpt)) == ["MANIFEST.txt"]
    assert [(f.kept, f.total, f.scanned) for f in excerpt.files] == [(0, 0, 8)]
    assert "No line, packet or event in the evidence names these addresses" in (
        members(excerpt)["MANIFEST.txt"].decode())
    assert excerpt.inline_lines == [] and not excerpt.trimmed


@pytest.mark.django_db
def test_stored_evidence_is_read_through_the_storage_api(admin_user):
    from tests.factories import an_evidence, an_incident

    evidence = an_evidence(an_incident(admin_user), admin_user, content=SYSLOG.encode())
    excerpt = build([evidence], {"A": {ISP_A}})["A"]

    assert (excerpt.files[0].original_name, excerpt.files[0].sha256, excerpt.files[0].kept) == (
        "auth.log", evidence.sha256, 3)


def test_redaction_defaults_come_from_settings(settings):
    settings.REPORT_REDACT_NETWORKS_PARSED = (ipaddress.ip_network("172.16.0.0/12"),)
    settings.REPORT_REDACT_HOSTNAMES = ["*.lan"]
    settings.REPORT_REDACT_SYSLOG_HOST = False

    assert Redactor().text("Jan  5 10:00:00 gw x 172.16.5.5 10.0.0.1 nas.lan") == (
        "Jan  5 10:00:00 gw x internal-ip-1 10.0.0.1 internal-host-1")


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.ip_addresses(network="10.0.0.0/8"), st.sampled_from(["{}", "{}:22", "[{}]", "x={},"]),
       st.text(alphabet="abc :=-.\t", max_size=20))
def test_no_written_form_of_an_internal_ipv4_address_survives_redaction(address, form, noise):
    redactor = Redactor(networks=["10.0.0.0/8"], hostname_patterns=[], redact_syslog_host=False)
    line = noise + " " + form.format(address) + " " + noise

    assert str(address) not in redactor.text(line)


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.ip_addresses(v=4), st.lists(st.integers(1, 3), min_size=4, max_size=4),
       st.sampled_from(["{}", "{}:22", "[::ffff:{}]:22", "SRC={},", "::FFFF:{}"]))
def test_every_written_form_of_a_group_address_selects_its_line(address, widths, form):
    written = ".".join(o.zfill(w) for o, w in zip(str(address).split("."), widths, strict=True))
    log = f"first line 1.1.1.1\nJan  5 10:00:00 gw sshd: from {form.format(written)} x\nlast\n"
    excerpt = build([Plain("a.log", log.encode())], {"A": {str(address)}})["A"]

    assert [f.kept for f in excerpt.files] == [2 if str(address) == "1.1.1.1" else 1]


def test_a_pcapng_with_two_link_types_keeps_one_interface_description_per_link_type():
    def block(kind, body):
        body += b"\0" * (-len(body) % 4)
        return struct.pack("<II", kind, len(body) + 12) + body + struct.pack("<I", len(body) + 12)

    def packet(iface, micros, frame):
        return block(6, struct.pack("<IIIII", iface, micros >> 32, micros & 0xFFFFFFFF,
                                    len(frame), len(frame)) + frame)

    raw_ip = bytes(ip4(ISP_A, "10.1.2.3"))
    data = b"".join([
        block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)),
        block(1, struct.pack("<HHI", dpkt.pcap.DLT_EN10MB, 0, 65535)),
        block(1, struct.pack("<HHI", 101, 0, 65535)  # LINKTYPE_RAW, nanosecond resolution
              + struct.pack("<HHB3x", 9, 1, 9) + b"\0" * 4),
        packet(0, 1_700_000_000_000_001, ether(ip4(ISP_B, "10.1.2.3"))),
        packet(1, 1_700_000_000_000_000_123, raw_ip),
        packet(0, 1_700_000_002_000_000, ether(ip4("192.168.1.10", ISP_A))),
    ])
    excerpt = build([Plain("two.pcapng", data)], {"A": {ISP_A}})["A"]

    out = members(excerpt)["two.pcapng"]
    blocks, pos = [], 0
    while pos < len(out):
        kind, length = struct.unpack_from("<II", out, pos)
        blocks.append((kind, out[pos + 8:pos + length - 4]))
        pos += length
    assert [k for k, _ in blocks] == [0x0A0D0D0A, 1, 6, 1, 6]
    assert struct.unpack_from("<H", blocks[1][1])[0] == 101
    assert blocks[1][1][8:13] == struct.pack("<HHB", 9, 1, 9)  # the resolution is kept
    iface, high, low, _caplen, _ = struct.unpack_from("<IIIII", blocks[2][1])
    assert (iface, (high << 32) | low) == (0, 1_700_000_000_000_000_123)
    assert blocks[2][1][20 + 12:20 + 20] == ipaddress.ip_address(ISP_A).packed + bytes([192, 0, 2, 1])
    assert struct.unpack_from("<H", blocks[3][1])[0] == dpkt.pcap.DLT_EN10MB
    assert struct.unpack_from("<I", blocks[4][1])[0] == 1
    assert excerpt.files[0].kept == 2 and excerpt.files[0].scanned == 3


# --- the real-world samples -----------------------------------------------------------------


def test_real_pcap_sample_keeps_only_the_packets_of_the_chosen_address():
    folder = sample_dir("pcap")
    summary = json.loads((folder / "ssh.pcap.summary.json").read_text())["derived"]
    address, count = next(iter(summary["src_ip_counts"].items()))
    excerpt = build([OnDisk(folder / "ssh.pcap")], {"S": {address}})["S"]

    entry = excerpt.files[0]
    assert entry.kept > 0 and entry.kept >= count and entry.scanned == summary["packets"]
    for _ts, frame in dpkt.pcap.Reader(io.BytesIO(members(excerpt)[entry.member_name])):
        assert address in addresses(frame)


def test_real_firewall_log_sample_keeps_only_the_lines_of_the_chosen_address():
    folder = sample_dir("firewall_ids")
    truth = json.loads((folder / "crowdsec_iptables-logs.expected.json").read_text())
    address = next(iter(truth["expected_events_per_source_ip"]))
    expected = sum(1 for line in (folder / "crowdsec_iptables-logs.log").read_text().splitlines()
                   if address in line)
    excerpt = build([OnDisk(folder / "crowdsec_iptables-logs.log")], {"F": {address}})["F"]

    kept = text_member(excerpt)
    assert 0 < len(kept) == expected == excerpt.files[0].kept
    assert all(address in line for line in kept)
    assert all(" internal-host-1 kernel:" in line for line in kept)  # the syslog host column


def test_real_evtx_sample_keeps_only_the_events_of_the_chosen_address():
    folder = sample_dir("evtx")
    name = "ID4625-failed_login_with_denied_access_due_to_account_restriction.evtx"
    truth = json.loads((folder / f"{name}.expected.json").read_text())
    address, count = next(iter(truth["failure_counts_by_ip"].items()))
    excerpt = build([OnDisk(folder / name)], {"W": {address}})["W"]

    entry = excerpt.files[0]
    assert (entry.kind, entry.format) == ("records", "evtx")
    assert entry.kept >= count > 0 and entry.error == ""
    body = members(excerpt)[entry.member_name].decode()
    events = [e for e in body.split("</Event>") if e.strip()]
    assert len(events) == entry.kept and all(address in e for e in events)
