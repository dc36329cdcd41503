"""A large plain file parsed by several processes gives exactly what one process gives."""

import gzip
import io
import ipaddress
import json
import logging
import os
import random
import signal
import struct
import threading
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import dpkt
import pytest
from django.core.management import call_command

from incidents.models import Event, Evidence, EvidenceState, Sighting
from incidents.parsers import ParseContext
from incidents.parsers.split import PartFailed, parse_file, split_plan

from .factories import an_evidence, an_incident
from .parsing_support import sample_dir
from .sending_support import RedisServer, Services, broker, children_of, service_env, wait_for

REFERENCE = datetime(2027, 1, 3, 12, tzinfo=UTC)
OWN = (ipaddress.ip_network("198.51.100.0/24"),)
PORTS = [22, 23, 25, 80, 443, 445, 1433, 3306, 3389, 5900, 8080, 8443]


def context(reference=REFERENCE):
    return ParseContext(reference=reference, own_networks=OWN)


def both(path, processes=2, reference=REFERENCE, **kwargs):
    one = parse_file(path, ctx=context(reference), processes=1, **kwargs)
    many = parse_file(path, ctx=context(reference), processes=processes, min_bytes=1, **kwargs)
    return one, many


def assert_same(one, many):
    assert many.as_json() == one.as_json()
    assert (many.records, many.skipped, many.errors_total, many.formats_seen) == \
        (one.records, one.skipped, one.errors_total, one.formats_seen)
    assert {s.src: (s.locations, list(s.ports), list(s.targets)) for s in many.offenders} == \
        {s.src: (s.locations, list(s.ports), list(s.targets)) for s in one.offenders}


# --- generated evidence ---------------------------------------------------------------------------

def syslog_mix(lines: int, seed: int = 7) -> bytes:
    """sshd connections (address-less lines borrow from earlier ones), iptables drops and accepts
    of the same sources, a scanner over 200 ports in random order, ASA denies, noise."""
    rng = random.Random(seed)
    attackers = [f"203.0.113.{i}" for i in range(1, 60)] + [f"45.{i}.7.9" for i in range(1, 40)]
    scan_ports = rng.sample(range(1, 65536), 200)
    out = []
    second = 0
    while len(out) < lines:
        second += 1
        clock = f"{second // 3600 % 24:02}:{second // 60 % 60:02}:{second % 60:02}"
        stamp = f"Dec 2{1 + second // 86400 % 8} {clock}"
        src = rng.choice(attackers)
        roll = rng.random()
        if roll < 0.3:
            pid, port = rng.randrange(1000, 99999), rng.randrange(32768, 61000)
            out += [f"{stamp} bastion sshd[{pid}]: Failed password for root from {src} port {port} ssh2"] * 3
            out.append(f"{stamp} bastion sshd[{pid}]: Disconnecting: Too many authentication failures "
                       "[preauth]")
        elif roll < 0.55:
            action = "DROP" if rng.random() < 0.8 else "ACCEPT"
            out.append(f"{stamp} fw1 kernel: [1234.5678] IPTABLES-{action}: IN=eth0 OUT= SRC={src} "
                       f"DST=198.51.100.{rng.randrange(1, 9)} LEN=44 TTL=50 ID=1 PROTO=TCP "
                       f"SPT={rng.randrange(1024, 65535)} DPT={rng.choice(PORTS)} WINDOW=1024 SYN URGP=0")
        elif roll < 0.65:
            out.append(f"{stamp} fw1 kernel: [1234.5678] IPTABLES-DROP: IN=eth0 OUT= SRC=45.99.99.99 "
                       f"DST=198.51.100.{rng.randrange(1, 250)} LEN=44 TTL=50 ID=1 PROTO=TCP "
                       f"SPT=40000 DPT={scan_ports[len(out) % 200]} WINDOW=1024 SYN URGP=0")
        elif roll < 0.8:
            out.append(f"{stamp} asa1 %ASA-4-106023: Deny tcp src outside:{src}/{rng.randrange(1024, 65535)} "
                       f"dst inside:198.51.100.3/{rng.choice(PORTS)} by access-group \"outside_access_in\" "
                       "[0x0, 0x0]")
        else:
            out.append(f"{stamp} web1 CRON[{rng.randrange(100, 999)}]: (root) CMD (run-parts)")
    return ("\n".join(out) + "\n").encode()


def pcap_bytes(packets: int, seed: int = 3, extra: bytes = b"") -> bytes:
    rng = random.Random(seed)
    buf = io.BytesIO()
    writer = dpkt.pcap.Writer(buf, snaplen=65535)
    sources = [bytes([203, 0, 113, i]) for i in range(1, 80)] + [bytes([192, 0, 2, 10])]
    for n in range(packets):
        src = rng.choice(sources)
        dport = rng.randrange(1, 65536) if src[3] == 10 else rng.choice(PORTS)  # one scanner
        if rng.random() < 0.8:
            l4 = dpkt.tcp.TCP(sport=rng.randrange(1024, 65535), dport=dport, flags=dpkt.tcp.TH_SYN)
            proto = dpkt.ip.IP_PROTO_TCP
        else:
            l4 = dpkt.udp.UDP(sport=rng.randrange(1024, 65535), dport=dport,
                              data=b"x" * rng.randrange(0, 300))
            l4.ulen = len(l4)
            proto = dpkt.ip.IP_PROTO_UDP
        ip = dpkt.ip.IP(src=src, dst=bytes([198, 51, 100, rng.randrange(1, 20)]), p=proto, data=l4)
        ip.len = len(ip)
        eth = dpkt.ethernet.Ethernet(src=b"\x00" * 6, dst=b"\x01" * 6, data=ip)
        writer.writepkt(bytes(eth), ts=1_700_000_000 + n * 0.001)
    return buf.getvalue() + extra


# --- identical results ----------------------------------------------------------------------------

def test_a_generated_syslog_mix_gives_the_same_offenders_in_two_and_three_processes(tmp_path):
    path = tmp_path / "mix.log"
    path.write_bytes(syslog_mix(60_000))
    for processes in (2, 3):
        one, many = both(path, processes)
        assert many.processes == processes
        assert_same(one, many)
    scanner = next(s for s in many.offenders if s.src == "45.99.99.99")
    assert len(scanner.ports) == 64  # the cap, kept in file order across the parts
    assert one.records == 60_000


def test_a_generated_pcap_gives_the_same_offenders_in_two_processes(tmp_path):
    path = tmp_path / "x.pcap"
    path.write_bytes(pcap_bytes(40_000))
    one, many = both(path)
    assert many.processes == 2
    assert_same(one, many)
    assert many.formats_seen == {"pcap": 1} and many.records == 40_000


def test_a_pcap_cut_short_at_its_end_reports_the_same_absolute_packet_number(tmp_path):
    path = tmp_path / "cut.pcap"
    path.write_bytes(pcap_bytes(20_000, extra=struct.pack("<IIII", 1_700_000_100, 0, 60, 60) + b"\0" * 10))
    one, many = both(path)
    assert many.processes == 2
    assert_same(one, many)
    assert many.errors == [{"at": 20_001, "error": "the file ends inside a packet; that packet is skipped"}]


def concatenated(path, files, times: int):
    """``files`` one after the other, ``times`` over, each ending in a line break."""
    with open(path, "wb") as out:
        for _ in range(times):
            for file in files:
                data = file.read_bytes()
                out.write(data if data.endswith(b"\n") else data + b"\n")
    return path


def test_the_real_log_samples_concatenated_give_the_same_offenders(tmp_path):
    files = [*sorted(sample_dir("logs_fail2ban").glob("*.log")),
             *sorted(sample_dir("firewall_ids").glob("*.log"))]
    one, many = both(concatenated(tmp_path / "all.log", files, 3))
    assert_same(one, many)
    assert one.records > 3000 and len(one.offenders) > 100


def test_the_single_line_real_samples_concatenated_are_read_by_two_processes(tmp_path):
    files = [f for f in sorted(sample_dir("logs_fail2ban").glob("*.log"))
             if f.name not in ("recidive.log",)]
    one, many = both(concatenated(tmp_path / "auth.log", files, 4))
    assert many.processes == 2
    assert_same(one, many)


def test_a_real_pcap_with_its_records_repeated_gives_the_same_offenders(tmp_path):
    data = (sample_dir("pcap") / "dns_udp.pcap").read_bytes()
    header, records = data[:24], data[24:]
    path = tmp_path / "dns.pcap"
    path.write_bytes(header + records * max(2, 400_000 // len(records)))
    one, many = both(path)
    assert many.processes == 2
    assert_same(one, many)
    assert one.records > 1000


def year_log(months: list[tuple[str, int]], lines_per_day: int = 40) -> bytes:
    out = []
    for month, days in months:
        for day in range(1, days + 1):
            for n in range(lines_per_day):
                out.append(f"{month} {day:2} 10:{n // 60:02}:{n % 60:02} gw sshd[{day * 100 + n}]: "
                           f"Failed password for root from 203.0.113.{day} port {4000 + n} ssh2")
    return ("\n".join(out) + "\n").encode()


@pytest.mark.parametrize("december_days", [20, 31])
def test_a_log_crossing_new_year_gets_the_same_years_with_the_cut_before_or_after(tmp_path, december_days):
    # cut after New Year (20 December days, 31 January days) or before it (31 and 10)
    months = [("Dec", december_days), ("Jan", 31 if december_days == 20 else 10)]
    path = tmp_path / "newyear.log"
    path.write_bytes(year_log(months))
    reference = datetime(2027, 2, 5, tzinfo=UTC) if december_days == 20 else datetime(2027, 1, 11, tzinfo=UTC)
    plan = split_plan(path, processes=2, min_bytes=1)
    middle = path.read_bytes()[plan.parts[1].start:plan.parts[1].start + 3]
    assert middle == (b"Jan" if december_days == 20 else b"Dec")
    one, many = both(path, reference=reference)
    assert many.processes == 2
    assert_same(one, many)
    firsts = sorted(o["first_seen"] for o in one.as_json()["offenders"])
    assert firsts[0].startswith("2026-12-01") and max(o["last_seen"] for o in one.as_json()["offenders"]) \
        .startswith("2027-01-")


def test_a_log_running_over_more_than_a_year_is_read_again_from_the_year_at_the_cut(tmp_path, monkeypatch,
                                                                                      caplog):
    monkeypatch.setattr("incidents.parsers.split.WARM_BYTES", 4096)  # the warm-up misses the start
    months = [("Dec", 31), ("Jan", 31), ("Mar", 31), ("May", 31), ("Jul", 31), ("Sep", 30),
              ("Nov", 30), ("Dec", 31), ("Jan", 20)]
    path = tmp_path / "long.log"
    path.write_bytes(year_log(months, lines_per_day=6))
    reference = datetime(2027, 1, 25, tzinfo=UTC)
    with caplog.at_level(logging.INFO, logger="incidents.parsers.split"):
        one, many = both(path, reference=reference)
    assert "read again" in caplog.text
    assert many.processes == 2
    assert_same(one, many)
    years = {o["first_seen"][:4] for o in one.as_json()["offenders"]} | \
        {o["last_seen"][:4] for o in one.as_json()["offenders"]}
    assert years == {"2026", "2027", "2028"}  # what one pass infers for 14 months


def padded(before: bytes, after: bytes, filler) -> tuple[bytes, int]:
    """``before`` + ``after`` with filler lines so that the two-part cut falls between them."""
    head, tail = [before] if before else [], [after]
    n = 0
    while sum(map(len, head)) < 200_000 + len(after):
        head.insert(0, filler(n))
        n += 1
    size_head = sum(map(len, head))
    while sum(map(len, tail)) <= size_head - len(head[-1]):  # the middle falls in head's last line
        tail.append(filler(n))
        n += 1
    return b"".join(head + tail), size_head


def test_an_sshd_connection_cut_across_the_boundary_keeps_its_address_and_port(tmp_path):
    def filler(n):
        return f"Dec 30 10:00:00 gw sshd[{n}]: Failed password for root from 192.0.2.9 port 4 ssh2\n".encode()

    before = b"Dec 30 10:00:01 gw sshd[4242]: Failed password for root from 203.0.113.77 port 51515 ssh2\n"
    after = b"Dec 30 10:00:02 gw sshd[4242]: Disconnecting: Too many authentication failures [preauth]\n"
    data, cut = padded(before, after, filler)
    path = tmp_path / "auth.log"
    path.write_bytes(data)
    assert split_plan(path, processes=2, min_bytes=1).parts[1].start == cut
    one, many = both(path)
    assert many.processes == 2
    assert_same(one, many)
    attacker = next(o for o in many.as_json()["offenders"] if o["ip"] == "203.0.113.77")
    assert (attacker["ip"], attacker["count"], attacker["source_ports"]) == ("203.0.113.77", 2, [51515])


def test_error_line_numbers_are_those_of_the_whole_file(tmp_path):
    def filler(n):
        return f"Dec 30 10:00:00 gw sshd[{n}]: Failed password for x from 203.0.113.9 port 4 ssh2\n".encode()

    data, cut = padded(b"", b"x" * (2 << 20) + b"\n", filler)
    path = tmp_path / "monster.log"
    path.write_bytes(data)
    line = data[:cut].count(b"\n") + 1
    one, many = both(path)
    assert many.processes == 2
    assert_same(one, many)
    assert many.errors == [{"at": line, "error": "line longer than 1024 KiB, skipped"}]
    assert many.offenders.by_src["203.0.113.9"].locations[:2] == [1, 2]


# --- not split ------------------------------------------------------------------------------------

def test_compressed_multi_line_small_and_one_process_files_are_not_split(tmp_path):
    text = syslog_mix(20_000)
    (tmp_path / "log.gz").write_bytes(gzip.compress(text))
    with zipfile.ZipFile(tmp_path / "log.zip", "w") as archive:
        archive.writestr("log", text)
    snort = b"".join(
        b"[**] [1:2001219:20] ET SCAN Potential SSH Scan [**]\n[Priority: 2]\n"
        b"11/24-03:14:07.123456 203.0.113.%d:5555 -> 198.51.100.1:22\nTCP TTL:50 TOS:0x0 ID:1\n\n" % (i % 200)
        for i in range(20_000))
    (tmp_path / "snort.log").write_bytes(snort)
    (tmp_path / "plain.log").write_bytes(text)
    for name in ("log.gz", "log.zip", "snort.log"):
        assert split_plan(tmp_path / name, processes=2, min_bytes=1) is None, name
        one, many = both(tmp_path / name)
        assert many.processes == 1
        assert_same(one, many)
    assert split_plan(tmp_path / "plain.log", processes=2, min_bytes=len(text) + 1) is None
    assert split_plan(tmp_path / "plain.log", processes=1, min_bytes=1) is None
    assert split_plan(tmp_path / "plain.log", processes=2, min_bytes=len(text)) is not None


def test_a_multi_line_format_met_after_the_head_makes_it_one_process_again(tmp_path, caplog):
    xml = (b"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>\n"
           b"<EventID>4625</EventID><TimeCreated SystemTime='2026-12-30T10:00:00Z'/></System>\n"
           b"<EventData><Data Name='IpAddress'>203.0.113.50</Data></EventData></Event>\n")
    path = tmp_path / "mixed.log"
    path.write_bytes(syslog_mix(20_000) + xml * 2000)
    assert split_plan(path, processes=2, min_bytes=1) is not None
    with caplog.at_level(logging.WARNING, logger="incidents.parsers.split"):
        one, many = both(path)
    assert "windows-event-xml" in caplog.text and many.processes == 1
    assert_same(one, many)


def _ng_block(kind: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    return struct.pack("<II", kind, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))


NG_SECTION = _ng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
NG_ETHERNET = _ng_block(1, struct.pack("<HHI", 1, 0, 65535))
NG_RAW_NS = _ng_block(1, struct.pack("<HHI", 101, 0, 65535) + struct.pack("<HHB3x", 9, 1, 9) + b"\0" * 4)


def pcapng_bytes(pcap: bytes, *, interface_at: int | None = None) -> bytes:
    """The packets of a classic microsecond Ethernet pcap as a pcapng's enhanced packet blocks;
    ``interface_at``: another interface is described after that many packets."""
    out, pos = [NG_SECTION, NG_ETHERNET], 24
    while pos < len(pcap):
        if interface_at is not None and len(out) - 2 == interface_at:
            out.append(NG_RAW_NS)
        seconds, micros, caplen, length = struct.unpack_from("<IIII", pcap, pos)
        stamp = seconds * 1_000_000 + micros
        out.append(_ng_block(6, struct.pack("<IIIII", 0, stamp >> 32, stamp & 0xFFFFFFFF, caplen, length)
                             + pcap[pos + 16:pos + 16 + caplen]))
        pos += 16 + caplen
    return b"".join(out)


def test_a_generated_pcapng_gives_the_same_offenders_in_two_and_three_processes(tmp_path):
    path = tmp_path / "x.pcapng"
    path.write_bytes(pcapng_bytes(pcap_bytes(40_000)) + b"\x06\0\0\0\x40")  # ends in a cut header
    for processes in (2, 3):
        one, many = both(path, processes)
        assert many.processes == processes
        assert_same(one, many)
    assert many.formats_seen == {"pcapng": 1} and many.records == 40_001
    assert many.errors == [
        {"at": 40_001, "error": "the file ends inside a block header; that packet is skipped"}]


def test_a_real_pcapng_with_its_packet_blocks_repeated_gives_the_same_offenders(tmp_path):
    data = (sample_dir("pcap") / "OSPFv2_Capture_FINAL.pcapng").read_bytes()
    plan = split_plan(sample_dir("pcap") / "OSPFv2_Capture_FINAL.pcapng", processes=2, min_bytes=1)
    head = len(plan.header) if plan else data.index(struct.pack("<I", 6), 28)
    path = tmp_path / "ospf.pcapng"
    path.write_bytes(data[:head] + data[head:] * max(2, 400_000 // (len(data) - head)))
    one, many = both(path)
    assert many.processes == 2
    assert_same(one, many)
    assert one.records > 1000


def test_an_interface_described_in_a_part_but_the_last_makes_it_one_process_again(tmp_path, caplog):
    path = tmp_path / "late.pcapng"
    path.write_bytes(pcapng_bytes(pcap_bytes(20_000), interface_at=3_000))
    assert split_plan(path, processes=2, min_bytes=1).layout == 2
    with caplog.at_level(logging.WARNING, logger="incidents.parsers.split"):
        one, many = both(path)
    assert "interface description" in caplog.text and many.processes == 1
    assert_same(one, many)
    # described in the last part, the interface is known where it is needed: two processes
    path.write_bytes(pcapng_bytes(pcap_bytes(20_000), interface_at=19_000))
    one, many = both(path)
    assert many.processes == 2
    assert_same(one, many)


def test_a_pcapng_cut_that_is_not_a_block_boundary_is_parsed_again_in_one_process(tmp_path, caplog):
    from incidents.parsers.split import Part, Plan

    data = pcapng_bytes(pcap_bytes(5_000))
    path = tmp_path / "x.pcapng"
    path.write_bytes(data)
    good = split_plan(path, processes=2, min_bytes=1)
    head = len(good.header)
    assert good.parts[0].start == head and data[good.parts[1].start:good.parts[1].start + 4] == b"\x06\0\0\0"
    wrong = good.parts[1].start + 8  # inside a block
    plan = Plan("pcapng", [Part(head, wrong), Part(wrong, len(data))], header=data[:head], layout=2)
    with caplog.at_level(logging.WARNING, logger="incidents.parsers.split"):
        many = parse_file(path, ctx=context(), processes=2, min_bytes=1, plan=plan)
    assert "did not end at a record boundary" in caplog.text and many.processes == 1
    assert_same(parse_file(path, ctx=context(), processes=1), many)


# --- failures -------------------------------------------------------------------------------------

def test_a_part_that_runs_out_of_time_fails_the_parse_and_leaves_no_process(tmp_path):
    path = tmp_path / "mix.log"
    path.write_bytes(syslog_mix(150_000))
    with pytest.raises(PartFailed, match="ran out of time"):
        parse_file(path, ctx=context(), processes=2, min_bytes=1, timeout=0.3)
    assert children_of(os.getpid()) == []


@pytest.mark.django_db
def test_a_killed_part_fails_the_evidence_with_the_reason_and_leaves_no_process(tmp_path, responder,
                                                                                   settings):
    from incidents.parsing import evidence_parse

    settings.PARSE_PROCESSES, settings.PARSE_SPLIT_MIN_BYTES = 2, 1
    evidence = an_evidence(an_incident(responder), responder, content=syslog_mix(300_000))
    killed = []

    def kill_a_part():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            parts = children_of(os.getpid())
            if len(parts) == 2:
                time.sleep(0.3)
                os.kill(parts[1], signal.SIGKILL)
                killed.append(parts[1])
            time.sleep(0.02)

    killer = threading.Thread(target=kill_a_part)
    killer.start()
    assert evidence_parse(evidence.pk) is None
    killer.join()
    evidence.refresh_from_db()
    assert killed and evidence.state == EvidenceState.FAILED
    assert "was killed by signal 9" in evidence.parse_error
    assert not Sighting.objects.filter(evidence=evidence).exists()
    assert children_of(os.getpid()) == []


# --- the product's paths --------------------------------------------------------------------------

@pytest.mark.django_db
def test_an_evidence_parse_in_two_processes_stores_what_one_process_stores(responder, settings):
    from incidents.parsing import evidence_parse

    content = syslog_mix(30_000)
    incident = an_incident(responder)
    found = {}
    for processes in (1, 2):
        settings.PARSE_PROCESSES, settings.PARSE_SPLIT_MIN_BYTES = processes, 1
        evidence = an_evidence(incident, responder, content=content)
        outcome = evidence_parse(evidence.pk)
        assert outcome.processes == processes
        evidence.refresh_from_db()
        found[processes] = (evidence.records, evidence.skipped, evidence.bytes_read, evidence.detected_format,
                            sorted(Sighting.objects.filter(evidence=evidence).values_list(
                                "offender__source", "count", "first_seen", "last_seen", "ports",
                                "source_ports", "locations")))
    assert found[2] == found[1]
    assert found[2][2] == len(content)
    summary = Event.objects.filter(action="parsed").order_by("pk").last().summary
    assert summary.endswith(", in 2 processes")


@pytest.mark.django_db
def test_a_store_without_local_paths_parses_in_one_process(responder, settings, monkeypatch):
    from incidents.models import EvidenceStorage
    from incidents.parsing import evidence_parse

    def no_path(self, name):
        raise NotImplementedError("This backend doesn't support absolute paths.")

    monkeypatch.setattr(EvidenceStorage, "path", no_path)
    settings.PARSE_PROCESSES, settings.PARSE_SPLIT_MIN_BYTES = 2, 1
    evidence = an_evidence(an_incident(responder), responder, content=syslog_mix(20_000))
    assert evidence_parse(evidence.pk).processes == 1


def test_parse_evidence_prints_the_same_json_with_and_without_processes(tmp_path, settings, capsys):
    settings.PARSE_SPLIT_MIN_BYTES = 1
    path = tmp_path / "mix.log"
    path.write_bytes(syslog_mix(20_000))
    printed = []
    for processes in ("1", "2"):
        call_command("parse_evidence", str(path), "--json", "--reference", REFERENCE.isoformat(),
                     "--processes", processes)
        printed.append(json.loads(capsys.readouterr().out))
    assert printed[0] == printed[1]
    assert list(printed[1]) == ["format", "records", "skipped", "errors", "offenders"]
    assert printed[1]["records"] == 20_000 and len(printed[1]["offenders"]) > 50


WORKER_TIMEOUT = 180


@pytest.fixture
def parse_worker(transactional_db, tmp_path):
    redis = RedisServer(tmp_path)
    redis.start()
    services = None
    try:
        with broker(redis.url):
            data_dir = tmp_path / "data"
            data_dir.mkdir()
            services = Services(tmp_path, service_env(
                redis_url=redis.url, smtp_port=1, data_dir=data_dir, PARSE_PROCESSES=2,
                PARSE_SPLIT_MIN_BYTES=1 << 20, EVIDENCE_ROOT=str(tmp_path / "evidence")))
            services.worker()
            yield services
    finally:
        if services:
            services.stop()
        redis.kill()


def test_a_celery_prefork_worker_parses_a_large_evidence_in_two_processes(parse_worker, settings):
    from incidents.models import EvidenceState
    from incidents.tasks import parse_evidence
    from tests.conftest import make_user

    owner = make_user("pia", "responder")
    content = syslog_mix(60_000)
    assert len(content) > 2 << 20
    evidence = an_evidence(an_incident(owner), owner, content=content)
    parse_evidence.delay(evidence.pk)

    def state():
        return Evidence.objects.values_list("state", flat=True).get(pk=evidence.pk)

    wait_for(lambda: state() in (EvidenceState.PARSED, EvidenceState.FAILED), WORKER_TIMEOUT,
             "the worker to parse the evidence", diagnose=parse_worker.tails)
    evidence.refresh_from_db()
    assert evidence.state == EvidenceState.PARSED, evidence.parse_error
    summary = Event.objects.filter(action="parsed", object_id=str(evidence.pk)).get().summary
    assert summary.endswith(", in 2 processes"), summary
    path = Path(settings.STORAGES["evidence"]["OPTIONS"]["location"]) / evidence.file.name
    one = parse_file(path, ctx=ParseContext(reference=evidence.uploaded_at,
                                            own_networks=settings.OWN_NETWORKS_PARSED), processes=1)
    stored = {s.offender.source: (s.count, s.first_seen, s.last_seen, s.ports, s.source_ports)
              for s in Sighting.objects.filter(evidence=evidence).select_related("offender")}
    assert stored == {s.src: (s.count, s.first_seen, s.last_seen, sorted(s.ports), s.source_ports)
                      for s in one.offenders}
    assert evidence.records == one.records and evidence.bytes_read == len(content)


def test_a_part_process_runs_without_django():
    import subprocess
    import sys

    from incidents.parsers.split import PROJECT_ROOT

    script = ("import sys, incidents.parsers.part, incidents.parsers.split; "
              "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))")
    out = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True,
                         text=True, check=True, env={"PATH": os.environ.get("PATH", "")})
    assert out.stdout.strip() == "[]"


def test_a_pcap_cut_that_is_not_a_packet_boundary_is_parsed_again_in_one_process(tmp_path, caplog):
    from incidents.parsers.split import Part, Plan

    data = pcap_bytes(5_000)
    path = tmp_path / "x.pcap"
    path.write_bytes(data)
    good = split_plan(path, processes=2, min_bytes=1)
    wrong = good.parts[1].start + 7  # inside a packet
    plan = Plan("pcap", [Part(24, wrong), Part(wrong, len(data))], header=data[:24])
    with caplog.at_level(logging.WARNING, logger="incidents.parsers.split"):
        many = parse_file(path, ctx=context(), processes=2, min_bytes=1, plan=plan)
    assert "did not end at a record boundary" in caplog.text and many.processes == 1
    assert_same(parse_file(path, ctx=context(), processes=1), many)
