"""IDS alerts, Windows event XML, web access logs and the generic fallback (CSV, address lists):
the CrowdSec hub samples and the evtx samples exported as XML, then one test per corner."""

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from incidents.parsers import Kind, ParseContext, parse_stream
from incidents.parsers.addresses import parse_networks
from incidents.parsers.base import json_object

from .parsing_support import parse_sample, recall_precision, sample_dir, samples

REFERENCE = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def parse_text(text: str, *, tz: str = "UTC", reference: datetime = REFERENCE, own=(), fmt=None,
               encoding: str = "utf-8"):
    ctx = ParseContext(tz=ZoneInfo(tz), reference=reference, own_networks=parse_networks(own))
    return parse_stream(io.BytesIO(text.encode(encoding)), fmt=fmt, ctx=ctx)


def offenders(outcome) -> dict:
    return {o.src: o for o in outcome.offenders}


def only(outcome):
    found = list(outcome.offenders)
    assert len(found) == 1, [o.src for o in found]
    return found[0]


# --- CrowdSec hub samples -------------------------------------------------------------------------

def test_the_suricata_eve_sample_names_every_alerting_source_on_its_own_line_and_nothing_else():
    path = sample_dir("firewall_ids") / "crowdsec_suricata-logs-evelog.log"
    truth = json.loads(path.with_suffix(".expected.json").read_text())
    expected_lines = {line["line_no"]: line["expected_source_ip"] for line in truth["lines"]
                      if line.get("expected_source_ip")}
    outcome = parse_sample(path)
    found = {o.src: o for o in outcome.offenders}
    recall, precision = recall_precision(path.name, set(expected_lines.values()), set(found))
    assert recall == 1.0
    assert precision == 1.0
    assert outcome.format == "suricata-eve"
    assert {src: o.count for src, o in found.items()} == truth["expected_events_per_source_ip"]
    assert {line: src for src, o in found.items() for line in o.locations} == expected_lines
    assert found["1.2.3.4"].first_seen == datetime(2022, 7, 10, 23, 50, 5, 533101, tzinfo=UTC)
    assert found["1.2.3.4"].ports == {80} and found["1.2.3.4"].targets == {"127.0.0.1"}
    assert found["1.2.3.4"].signatures == {
        "sid:2024468: ET WEB_SPECIFIC_APPS OGNL Expression Injection (CVE-2017-9791)"}


def test_the_windows_brute_force_sample_counts_six_failed_logons_from_its_one_source():
    path = sample_dir("firewall_ids") / "crowdsec_windows-bf.log"
    truth = json.loads(path.with_suffix(".expected.json").read_text())
    expected = {src for alert in truth["scenario"]["alerts"] for src in alert["sources"]}
    outcome = parse_sample(path)
    found = offenders(outcome)
    recall, _ = recall_precision(path.name, expected, set(found))
    assert recall == 1.0
    assert outcome.format == "windows-event-xml"
    summary = found["192.168.9.212"]
    assert summary.count == sum(a["events_count"] for a in truth["scenario"]["alerts"]) == 6
    assert summary.kinds == {Kind.FAILED_LOGIN}
    assert summary.first_seen == datetime(2022, 4, 29, 12, 36, 1, 902791, tzinfo=UTC)
    assert summary.last_seen == datetime(2022, 4, 29, 12, 36, 7, 226880, tzinfo=UTC)


# --- the evtx samples, exported as XML the way evtx_dump / Get-WinEvent would ---------------------

EVTX_FILES = samples("evtx", "*.evtx")
EVTX_CAP = 300  # events exported per sample: enough for every kind, quick to read
# The truth's failure events, plus RDP 131 (a connection, recorded by the XML reader as a scan).
COUNTED_EVENTS = {4625, 4771, 18456, 4825, 5152, 140, 131}


def evtx_as_xml(path: Path, *, one_line: bool = False) -> tuple[str, set[int]]:
    """The first EVTX_CAP events as evtx_dump prints them (or one event per line), and their ids."""
    evtx = pytest.importorskip("evtx")
    events, ids = [], set()
    try:
        for record in evtx.PyEvtxParser(str(path)).records():
            xml = record["data"]
            events.append(" ".join(x.strip() for x in xml.splitlines()) if one_line else xml)
            ids.add(record["event_record_id"])
            if len(events) == EVTX_CAP:
                break
    except (OSError, RuntimeError, ValueError):
        pass  # the deliberately corrupt sample: what came before stands
    return "\n".join(events) + "\n", ids


def evtx_truth(path: Path, exported: set[int]) -> dict[str, int]:
    """Per client address, how many of the exported events the truth counts for it."""
    truth = json.loads(Path(f"{path}.expected.json").read_text())
    counts: dict[str, int] = {}
    for event in truth["auth_events"]:
        if event["record_id"] in exported and event["event_id"] in COUNTED_EVENTS and event["ip"]:
            ip = event["ip"]
            ip = ip.rsplit(":", 1)[0] if ip.count(":") == 1 else ip  # RDP 131 writes address:port
            counts[ip] = counts.get(ip, 0) + 1
    return counts


@pytest.mark.parametrize("one_line", [False, True], ids=["pretty-printed", "one-event-per-line"])
@pytest.mark.parametrize("path", EVTX_FILES, ids=lambda p: p.name)
def test_each_evtx_sample_exported_as_xml_names_every_failing_client(path, one_line, tmp_path):
    sample_dir("evtx")
    text, ids = evtx_as_xml(path, one_line=one_line)
    exported = tmp_path / f"{path.name}.xml"
    exported.write_text(text, encoding="utf-8")
    expected = evtx_truth(path, ids)
    outcome = parse_sample(exported)
    found = {o.src: o.count for o in outcome.offenders}
    recall, _ = recall_precision(f"{path.name} as XML", set(expected), set(found))
    assert recall == 1.0
    assert all(found[ip] >= count for ip, count in expected.items())
    assert outcome.errors == []


def test_a_utf16_export_reads_like_its_utf8_original():
    path = sample_dir("evtx") / "kerberos_pwd_spray_4771.evtx"
    text, _ = evtx_as_xml(path)
    utf8 = parse_text(text)
    utf16 = parse_text(text, encoding="utf-16")
    assert {(o.src, o.count) for o in utf16.offenders} == {(o.src, o.count) for o in utf8.offenders}
    assert utf16.format == "windows-event-xml"


# --- Windows event XML corners ------------------------------------------------------------------

SECURITY = "Microsoft-Windows-Security-Auditing"


def windows_event(event_id: int, data: dict | None = None, *, texts=(), provider=SECURITY,
                  when="2026-11-24T03:14:07.1234567Z", computer="web01.example.net",
                  userdata: str = "") -> str:
    fields = "".join(f'<Data Name="{k}">{v}</Data>' for k, v in (data or {}).items())
    fields += "".join(f"<Data>{t}</Data>" for t in texts)
    body = f"<EventData>{fields}</EventData>" if (data or texts) else userdata
    return ('<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>'
            f'<Provider Name="{provider}"/><EventID>{event_id}</EventID>'
            f'<TimeCreated SystemTime="{when}"/><Computer>{computer}</Computer></System>{body}</Event>')


def test_windows_failures_take_the_client_address_from_the_field_each_event_uses():
    lines = [
        windows_event(4625, {"IpAddress": "203.0.113.1", "IpPort": "50123", "LogonType": "10"}),
        windows_event(4771, {"IpAddress": "::ffff:203.0.113.2", "Status": "0x18"}),
        windows_event(4776, {"Workstation": "203.0.113.3", "Status": "0xc000006a"}),
        windows_event(4825, {"ClientAddress": "203.0.113.4"}),
        windows_event(18456, texts=["sa", " Reason: Password did not match", " [CLIENT: 203.0.113.5]"],
                      provider="MSSQL$SQLEXPRESS"),
        windows_event(140, {"IPString": "203.0.113.6"},
                      provider="Microsoft-Windows-RemoteDesktopServices-RdpCoreTS"),
        windows_event(131, {"ConnType": "TCP", "ClientIP": "[2001:db8::7]:51000"},
                      provider="Microsoft-Windows-RemoteDesktopServices-RdpCoreTS"),
        windows_event(5152, {"Direction": "%%14592", "SourceAddress": "203.0.113.8", "SourcePort": "4444",
                             "DestAddress": "198.51.100.10", "DestPort": "3389"}),
        windows_event(5157, {"Direction": "%%14592", "SourceAddress": "198.51.100.10", "SourcePort": "445",
                             "DestAddress": "203.0.113.9", "DestPort": "50000"}),
    ]
    outcome = parse_text("\n".join(lines) + "\n", tz="Europe/Berlin")
    found = offenders(outcome)
    assert set(found) == {f"203.0.113.{n}" for n in range(1, 10)} - {"203.0.113.7"} | {"2001:db8::7"}
    assert found["203.0.113.1"].ports == {3389}
    assert found["203.0.113.1"].first_seen == datetime(2026, 11, 24, 3, 14, 7, 123456, tzinfo=UTC)
    assert found["203.0.113.5"].signatures == {"Windows event 18456: MSSQL login failed"}
    assert found["2001:db8::7"].kinds == {Kind.SCAN}
    assert found["203.0.113.8"].targets == {"198.51.100.10"} and found["203.0.113.8"].ports == {3389}
    assert found["203.0.113.9"].targets == {"198.51.100.10"} and found["203.0.113.9"].ports == {445}
    assert found["203.0.113.2"].targets == {"web01.example.net"}


def test_windows_successes_local_logons_and_outbound_drops_are_not_offences():
    lines = [
        windows_event(4624, {"IpAddress": "203.0.113.1", "LogonType": "10"}),
        windows_event(4625, {"IpAddress": "-", "WorkstationName": "DESKTOP-7QD9TN3"}),
        windows_event(4776, {"Workstation": "203.0.113.3", "Status": "0x0"}),
        windows_event(4768, {"IpAddress": "203.0.113.4", "Status": "0x0"}),
        windows_event(1149, userdata='<UserData><EventXML xmlns="Event_NS"><Param1>admin</Param1>'
                                     '<Param2>CORP</Param2><Param3>203.0.113.5</Param3></EventXML></UserData>',
                      provider="Microsoft-Windows-TerminalServices-RemoteConnectionManager"),
        windows_event(5152, {"Direction": "%%14593", "SourceAddress": "198.51.100.10",
                             "DestAddress": "203.0.113.6", "DestPort": "53"}),
        windows_event(131, {"ClientIP": "203.0.113.7:5000"}, provider="Some-Other-Provider"),
    ]
    outcome = parse_text("\n".join(lines) + "\n")
    assert list(outcome.offenders) == []
    assert outcome.errors == []


def test_a_pretty_printed_event_split_over_lines_is_reassembled_and_its_neighbours_still_read():
    pretty = windows_event(4625, {"IpAddress": "203.0.113.20"}).replace("><", ">\n  <")
    text = ('<?xml version="1.0" encoding="UTF-16"?>\n<Events>\n' + pretty + "\n"
            + windows_event(4625, {"IpAddress": "203.0.113.21"})
            + windows_event(4625, {"IpAddress": "203.0.113.22"})
            + "\n</Events>\n")
    outcome = parse_text(text)
    assert {o.src for o in outcome.offenders} == {"203.0.113.20", "203.0.113.21", "203.0.113.22"}
    assert outcome.format == "windows-event-xml"


def test_an_event_declaring_entities_is_refused_and_an_oversized_event_is_skipped_with_an_error():
    bomb = ('<!DOCTYPE Event [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
            + windows_event(4625, {"IpAddress": "203.0.113.30", "TargetUserName": "&b;"}) + "\n")
    huge = windows_event(4625, {"IpAddress": "203.0.113.31"}).replace(
        "<EventData>", "<EventData>\n" + ("<Data Name='pad'>" + "x" * 1000 + "</Data>\n") * 1100)
    outcome = parse_text(bomb + huge + "\n" + windows_event(4625, {"IpAddress": "203.0.113.32"}) + "\n")
    assert {o.src for o in outcome.offenders} == {"203.0.113.32"}
    assert len(outcome.errors) == 2


def test_an_event_cut_short_by_the_next_one_is_reported_and_the_next_one_read():
    cut = windows_event(4625, {"IpAddress": "203.0.113.40"}).replace("</Event>", "")
    outcome = parse_text(cut + "\n" + windows_event(4625, {"IpAddress": "203.0.113.41"}) + "\n")
    assert {o.src for o in outcome.offenders} == {"203.0.113.41"}
    assert any("without its end tag" in e["error"] for e in outcome.errors)


# --- Suricata fast.log, Snort fast and full ---------------------------------------------------------

FAST = ("11/24/2026-03:14:07.123456  [**] [1:2001219:20] ET SCAN Potential SSH Scan [**] "
        "[Classification: Attempted Information Leak] [Priority: 2] "
        "{TCP} 203.0.113.7:5555 -> 198.51.100.10:22\n")


def test_a_suricata_fast_log_line_names_source_target_port_and_the_sensors_local_time():
    outcome = parse_text(FAST, tz="Europe/Berlin")
    offender = only(outcome)
    assert outcome.format == "suricata-fast"
    assert offender.src == "203.0.113.7"
    assert (offender.targets, offender.ports) == ({"198.51.100.10"}, {22})
    assert offender.first_seen == datetime(2026, 11, 24, 2, 14, 7, 123456, tzinfo=UTC)
    assert offender.signatures == {"sid:2001219: ET SCAN Potential SSH Scan"}
    assert offender.kinds == {Kind.IDS_ALERT}


def test_suricata_fast_log_reads_full_form_ipv6_with_ports_and_marks_ips_drops():
    line = ("11/24/2026-03:14:08.000001  [Drop] [**] [1:2010935:3] ET POLICY Suspicious inbound to MSSQL "
            "[**] [Classification: Potentially Bad Traffic] [Priority: 2] {TCP} "
            "2001:0db8:0000:0000:0000:0000:0000:0042:41000 -> 2001:0db8:0000:0000:0000:0000:0000:0001:1433\n")
    offender = only(parse_text(line))
    assert (offender.src, offender.targets, offender.ports) == ("2001:db8::42", {"2001:db8::1"}, {1433})
    assert offender.signatures == {"sid:2010935: ET POLICY Suspicious inbound to MSSQL (blocked)"}


def test_snort_fast_alerts_without_a_year_take_it_from_the_reference_and_never_jump_back():
    alert = ' [**] [1:1000001:1] "Probe" [**] [Priority: 0] {ICMP} 203.0.113.8 -> 198.51.100.10\n'
    text = "12/31-23:59:58.000000 " + alert + "01/01-00:00:03.500000 " + alert
    outcome = parse_text(text, reference=datetime(2027, 1, 2, tzinfo=UTC))
    offender = only(outcome)
    assert outcome.format == "snort-fast"
    assert offender.first_seen == datetime(2026, 12, 31, 23, 59, 58, tzinfo=UTC)
    assert offender.last_seen == datetime(2027, 1, 1, 0, 0, 3, 500000, tzinfo=UTC)
    assert offender.ports == set() and offender.signatures == {"sid:1000001: Probe"}


def test_snort_fast_alerts_with_a_year_read_snort2_month_first_and_snort3_year_first():
    alert = ' [**] [1:1000002:1] "SSH" [**] [Priority: 0] {TCP} 203.0.113.9:40000 -> 198.51.100.10:22\n'
    for stamp in ("11/24/26-03:14:07.000001", "26/11/24-03:14:07.000001"):
        offender = only(parse_text(stamp + alert, reference=datetime(2030, 1, 1, tzinfo=UTC)))
        assert offender.first_seen == datetime(2026, 11, 24, 3, 14, 7, 1, tzinfo=UTC), stamp
        assert (offender.src, offender.ports) == ("203.0.113.9", {22})


SNORT_FULL = """[**] [1:2001219:20] ET SCAN Potential SSH Scan [**]
[Classification: Attempted Information Leak] [Priority: 2]
11/24-03:14:07.123456 203.0.113.7:5555 -> 198.51.100.10:22
TCP TTL:50 TOS:0x0 ID:12345 IpLen:20 DgmLen:60 DF
******S* Seq: 0x1  Ack: 0x0  Win: 0x16D0  TcpLen: 40
[Xref => http://doc.emergingthreats.net/2001219]

=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+

[**] [1:1000001:1] ICMP Test [**]
[Priority: 0]
11/24-03:20:01.000000 0:C:29:B4:5D:3 -> 0:50:56:C0:0:8 type:0x800 len:0x4A
203.0.113.9 -> 198.51.100.10 ICMP TTL:64 TOS:0x0 ID:123 IpLen:20 DgmLen:60
Type:8  Code:0  ID:1   Seq:1  ECHO

[**] [1:1000002:1] IPv6 probe [**]
[Priority: 1]
11/24-03:21:01.000000 2001:db8::77:5555 -> 2001:db8::1:22
TCP TTL:64 TOS:0x0 ID:123 IpLen:20 DgmLen:60

[**] [122:1:1] (portscan) TCP Portscan [**]
[Priority: 3]
11/24-03:22:01.000000 203.0.113.10 -> 198.51.100.10
PROTO:255 TTL:0 TOS:0x0 ID:0 IpLen:20 DgmLen:160
"""



def test_snort_alert_csv_lines_name_source_target_port_time_and_pfsenses_blocked_disposition():
    text = ('11/24/26-03:14:07.250000 ,1,2011716,4,"ET SCAN Sipvicious User-Agent Detected",UDP,'
            "203.0.113.21,5103,198.51.100.10,5060,54925,Attempted Information Leak,2,alert,Allow\n"
            '11/24-03:15:00.000000 ,1,1000006,2,"SSH, brute",TCP,203.0.113.22,41000,198.51.100.10,22,'
            "00:25:90:3A:05:13,00:50:56:9D:A5:BE,0x72,***AP***,0x1,0x2,,0x80C,127,0,55665,100,102400,,,,\n"
            '11/24/26-03:16:00.000000 ,1,2403488,1,"ET CINS Poor Reputation IP",TCP,203.0.113.23,36847,'
            "198.51.100.10,91,54321,Misc Attack,2,drop,Blocked\n")
    outcome = parse_text(text)
    found = offenders(outcome)
    assert outcome.format == "snort-csv" and set(found) == {"203.0.113.21", "203.0.113.22", "203.0.113.23"}
    sip = found["203.0.113.21"]
    assert (sip.targets, sip.ports, sip.kinds) == ({"198.51.100.10"}, {5060}, {Kind.IDS_ALERT})
    assert sip.first_seen == datetime(2026, 11, 24, 3, 14, 7, 250000, tzinfo=UTC)
    assert sip.signatures == {"sid:2011716: ET SCAN Sipvicious User-Agent Detected"}
    assert found["203.0.113.22"].signatures == {"sid:1000006: SSH, brute"}  # a comma inside the quotes
    assert found["203.0.113.23"].signatures == {"sid:2403488: ET CINS Poor Reputation IP (blocked)"}


def test_snort3_alert_csv_uses_its_direction_to_find_the_client():
    text = ("11/24-03:14:07.100000, 11, TCP, raw, 60, C2S, 203.0.113.24:48620, 198.51.100.10:80, "
            "1:1000010:1, allow\n"
            "11/24-03:14:08.100000, 12, TCP, raw, 60, S2C, 10.0.0.5:443, 203.0.113.25:51000, "
            "1:1000011:1, drop\n")
    found = offenders(parse_text(text))
    assert set(found) == {"203.0.113.24", "203.0.113.25"}
    assert found["203.0.113.24"].ports == {80} and found["203.0.113.24"].signatures == {"sid:1000010"}
    assert found["203.0.113.25"].targets == {"10.0.0.5"} and found["203.0.113.25"].ports == {443}
    assert found["203.0.113.25"].signatures == {"sid:1000011 (blocked)"}

def test_snort_full_alert_blocks_are_read_across_their_lines_including_mac_headers_and_ipv6():
    outcome = parse_text(SNORT_FULL)
    found = offenders(outcome)
    assert outcome.format == "snort-full"
    assert set(found) == {"203.0.113.7", "203.0.113.9", "2001:db8::77", "203.0.113.10"}
    assert found["203.0.113.7"].ports == {22}
    assert found["203.0.113.7"].first_seen == datetime(2026, 11, 24, 3, 14, 7, 123456, tzinfo=UTC)
    assert found["203.0.113.9"].first_seen == datetime(2026, 11, 24, 3, 20, 1, tzinfo=UTC)
    assert (found["2001:db8::77"].targets, found["2001:db8::77"].ports) == ({"2001:db8::1"}, {22})
    assert found["203.0.113.10"].signatures == {"sid:122:1: (portscan) TCP Portscan"}


def test_ids_alerts_forwarded_through_syslog_are_read_with_the_syslog_time():
    line = ("Nov 24 03:14:07 pfsense suricata[4242]: [Drop] [1:2402000:6000] ET DROP Dshield Block Listed "
            "Source [Classification: Misc Attack] [Priority: 2] "
            "{TCP} 203.0.113.50:41234 -> 198.51.100.10:8080\n")
    offender = only(parse_text(line))
    assert offender.src == "203.0.113.50" and offender.ports == {8080}
    assert offender.first_seen == datetime(2026, 11, 24, 3, 14, 7, tzinfo=UTC)
    assert offender.signatures == {"sid:2402000: ET DROP Dshield Block Listed Source (blocked)"}


def test_snort3_alert_json_uses_its_direction_to_find_the_client():
    line = json.dumps({"timestamp": "11/24-03:14:07.000001", "proto": "TCP", "dir": "S2C",
                       "src_ap": "198.51.100.10:80", "dst_ap": "203.0.113.60:51515",
                       "rule": "1:2100498:7", "msg": "GPL ATTACK_RESPONSE id check returned root",
                       "action": "allow"}) + "\n"
    offender = only(parse_text(line))
    assert (offender.src, offender.targets, offender.ports) == ("203.0.113.60", {"198.51.100.10"}, {80})


# --- which side is the attacker -------------------------------------------------------------------

def eve(src, dst, sport=51000, dport=443, **extra) -> str:
    event = {"timestamp": "2026-11-24T03:14:07.000000+0100", "event_type": "alert", "src_ip": src,
             "src_port": sport, "dest_ip": dst, "dest_port": dport, "proto": "TCP",
             "alert": {"action": "allowed", "gid": 1, "signature_id": 2027865, "rev": 2,
                       "signature": "ET MALWARE Observed Malicious SSL Cert", "severity": 1}}
    for key, value in extra.items():
        if key == "alert":
            event["alert"].update(value)
        else:
            event[key] = value
    return json.dumps(event) + "\n"


def test_an_outbound_alert_from_our_own_network_names_the_peer_as_offender():
    outcome = parse_text(eve("198.51.100.10", "203.0.113.70"), own=["198.51.100.0/24"])
    offender = only(outcome)
    assert offender.src == "203.0.113.70"
    assert offender.targets == {"198.51.100.10"}
    assert offender.ports == set()  # our ephemeral client port says nothing about the attack
    assert offender.first_seen == datetime(2026, 11, 24, 2, 14, 7, tzinfo=UTC)


def test_an_inbound_alert_keeps_its_source_as_offender_with_or_without_own_networks():
    for own in ((), ["198.51.100.0/24"]):
        offender = only(parse_text(eve("203.0.113.71", "198.51.100.10", dport=22), own=own))
        assert (offender.src, offender.ports) == ("203.0.113.71", {22})


def test_an_alert_between_two_of_our_own_hosts_keeps_the_packet_source():
    offender = only(parse_text(eve("198.51.100.20", "198.51.100.10"), own=["198.51.100.0/24"]))
    assert offender.src == "198.51.100.20"


def test_without_own_networks_an_alert_on_the_servers_reply_blames_the_client_that_opened_the_flow():
    reply = eve("198.51.100.10", "203.0.113.72", sport=80, dport=51000, direction="to_client",
                flow={"src_ip": "203.0.113.72", "dest_ip": "198.51.100.10",
                      "src_port": 51000, "dest_port": 80})
    offender = only(parse_text(reply))
    assert (offender.src, offender.targets, offender.ports) == ("203.0.113.72", {"198.51.100.10"}, {80})


def test_without_a_flow_object_direction_to_client_alone_points_at_the_destination():
    offender = only(parse_text(eve("198.51.100.10", "203.0.113.73", sport=80, direction="to_client")))
    assert (offender.src, offender.ports) == ("203.0.113.73", {80})


def test_a_rules_target_keyword_says_who_attacked_whom():
    line = eve("198.51.100.10", "203.0.113.74", sport=80, dport=51000,
               alert={"source": {"ip": "203.0.113.74", "port": 51000},
                      "target": {"ip": "198.51.100.10", "port": 80}})
    assert only(parse_text(line)).src == "203.0.113.74"


def test_without_own_networks_a_private_source_talking_to_a_public_peer_is_ours():
    offender = only(parse_text(eve("10.0.0.5", "8.8.4.4", dport=443)))
    assert (offender.src, offender.targets) == ("8.8.4.4", {"10.0.0.5"})


def test_a_private_host_sending_to_a_multicast_group_stays_the_source():
    offender = only(parse_text(eve("192.168.1.50", "239.255.255.250", dport=1900)))
    assert offender.src == "192.168.1.50"


def test_own_networks_override_the_flow_direction():
    reply = eve("203.0.113.75", "198.51.100.10", sport=443, dport=51000, direction="to_client",
                flow={"src_ip": "198.51.100.10", "dest_ip": "203.0.113.75"})
    offender = only(parse_text(reply, own=["198.51.100.0/24"]))
    assert offender.src == "203.0.113.75"


def test_eve_drop_events_are_blocked_connections_and_other_event_types_are_context_only():
    stamp = "2026-11-24T03:14:07.0+0000"
    lines = [
        json.dumps({"timestamp": stamp, "event_type": "drop", "src_ip": "203.0.113.76", "src_port": 4444,
                    "dest_ip": "198.51.100.10", "dest_port": 23, "proto": "TCP",
                    "drop": {"len": 60, "reason": "rules"}}),
        json.dumps({"timestamp": stamp, "event_type": "flow", "src_ip": "203.0.113.77",
                    "dest_ip": "198.51.100.10", "flow": {"pkts_toserver": 1}}),
        json.dumps({"timestamp": stamp, "event_type": "anomaly", "src_ip": "203.0.113.78",
                    "dest_ip": "198.51.100.10",
                    "anomaly": {"type": "decode", "event": "decoder.ipv4.trunc_pkt"}}),
        json.dumps({"timestamp": stamp, "event_type": "dns", "src_ip": "203.0.113.79",
                    "dest_ip": "198.51.100.10", "dns": {"type": "query", "rrname": "example.org"}}),
        json.dumps({"timestamp": stamp, "event_type": "stats", "stats": {"uptime": 1}}),
    ]
    offender = only(parse_text("\n".join(lines) + "\n"))
    assert (offender.src, offender.kinds, offender.ports) == ("203.0.113.76", {Kind.BLOCKED}, {23})
    assert offender.signatures == {"dropped by IPS (rules)"}


# --- web access logs ----------------------------------------------------------------------------

WEB = """203.0.113.5 - - [24/Nov/2026:03:14:07 +0100] "GET /wp-login.php?redirect=x HTTP/1.1" 404 12 "-" "M"
2001:db8::5 - - [24/Nov/2026:03:14:08 -0500] "POST /xmlrpc.php HTTP/1.1" 200 55 "-" "curl/8.0"
www.example.org:443 198.51.100.77 - bob [24/Nov/2026:03:14:09 +0000] "\\x16\\x03\\x01\\x02" 400 0 "-" "-"
198.51.100.78 - - [24/Nov/2026:03:14:10 +0530] "" 400 0 "-" "-"
[2001:db8::6] - - [24/Nov/2026:03:14:11 +0000] "GET /.env HTTP/1.1" 403 9 "-" "-"
"""


def test_web_access_logs_record_every_request_with_its_zone_offset_honoured():
    outcome = parse_text(WEB, tz="America/New_York")
    found = offenders(outcome)
    assert outcome.format == "web-access"
    assert set(found) == {"203.0.113.5", "2001:db8::5", "198.51.100.77", "198.51.100.78", "2001:db8::6"}
    assert found["203.0.113.5"].first_seen == datetime(2026, 11, 24, 2, 14, 7, tzinfo=UTC)
    assert found["2001:db8::5"].first_seen == datetime(2026, 11, 24, 8, 14, 8, tzinfo=UTC)
    assert found["198.51.100.78"].first_seen == datetime(2026, 11, 23, 21, 44, 10, tzinfo=UTC)
    assert found["203.0.113.5"].signatures == {"GET 404 /wp-login.php?…"}
    assert found["2001:db8::5"].signatures == {"POST 200 /xmlrpc.php"}
    assert (found["198.51.100.77"].targets, found["198.51.100.77"].ports) == ({"www.example.org"}, {443})
    assert next(iter(found["198.51.100.77"].signatures)).startswith("(malformed request) 400")
    assert found["198.51.100.78"].signatures == {"(empty request) 400"}
    assert all(o.kinds == {Kind.WEB_REQUEST} for o in found.values())


def test_a_401_to_a_request_naming_a_user_is_a_failed_login_and_the_challenge_before_it_a_request():
    found = offenders(parse_text(
        '203.0.113.5 - - [24/Nov/2026:03:14:07 +0000] "GET /admin HTTP/1.1" 401 17 "-" "M"\n'
        '203.0.113.6 - alice [24/Nov/2026:03:14:08 +0000] "GET /admin HTTP/1.1" 401 17 "-" "M"\n'
        '203.0.113.7 - alice [24/Nov/2026:03:14:09 +0000] "GET /admin HTTP/1.1" 200 17 "-" "M"\n'))
    assert {src: o.kinds for src, o in found.items()} == {"203.0.113.5": {Kind.WEB_REQUEST},
                                                          "203.0.113.6": {Kind.FAILED_LOGIN},
                                                          "203.0.113.7": {Kind.WEB_REQUEST}}


def test_caddy_json_access_logs_take_the_trusted_client_its_time_and_request():
    text = ('{"level":"info","ts":1764000000.5,"logger":"http.log.access.log0","msg":"handled request",'
            '"request":{"remote_ip":"172.17.0.1","remote_port":"5555","client_ip":"203.0.113.8",'
            '"proto":"HTTP/2.0","method":"POST","host":"x.example:443","uri":"/login?next=/"},"status":401}\n'
            '{"level":"error","ts":1629470295.021685,"logger":"http.log.access.log0","msg":"handled request",'
            '"request":{"remote_addr":"203.0.113.9:56466","proto":"HTTP/1.1","method":"GET","host":"1.2.3.4",'
            '"uri":"/"},"status":401}\n'
            '{"level":"info","ts":1764000000.5,"logger":"http.log.access",'
            '"request":{"client_ip":"not an address"}}\n')
    outcome = parse_text(text)
    found = offenders(outcome)
    assert outcome.format == "caddy" and set(found) == {"203.0.113.8", "203.0.113.9"}
    assert found["203.0.113.8"].signatures == {"POST 401 /login?…"}
    assert found["203.0.113.8"].first_seen == datetime(2025, 11, 24, 16, 0, 0, 500000, tzinfo=UTC)
    assert found["203.0.113.8"].targets == {"x.example"}
    assert found["203.0.113.9"].signatures == {"GET 401 /"}


def test_a_json_line_nested_too_deep_or_not_an_object_is_no_json_object():
    assert json_object(' {"a": 1} ') == {"a": 1}
    assert json_object("[1]") is None and json_object("{not json") is None
    assert json_object('{"a":' * 100_000 + "1" + "}" * 100_000) is None  # json.loads: RecursionError


def test_nginx_proxy_manager_logs_take_the_client_in_brackets():
    outcome = parse_text('[24/Jan/2022:13:40:19 +0100] 444 - GET https 192.0.2.1 "/.env" '
                         '[Client 203.0.113.10] [Length 0] [Gzip -] "Mozilla/5.0" "-"\n'
                         '[24/Jan/2022:13:40:20 +0000] - 200 200 - POST https x.example "/api/login" '
                         '[Client 203.0.113.11] [Length 9] [Gzip -] [Sent-to 172.17.0.2] "curl" "-"\n')
    found = offenders(outcome)
    assert outcome.format == "nginx-proxy-manager"
    assert found["203.0.113.10"].signatures == {"GET 444 /.env"}
    assert found["203.0.113.10"].first_seen == datetime(2022, 1, 24, 12, 40, 19, tzinfo=UTC)
    assert found["203.0.113.11"].signatures == {"POST 200 /api/login"}


def test_an_access_log_line_without_a_zone_is_read_in_the_evidences_zone():
    offender = only(parse_text('203.0.113.5 - - [24/Nov/2026:03:14:07] "GET / HTTP/1.0" 200 1\n',
                               tz="Europe/Berlin"))
    assert offender.first_seen == datetime(2026, 11, 24, 2, 14, 7, tzinfo=UTC)


def test_iis_w3c_logs_are_read_through_their_fields_header_in_utc():
    text = ("#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n"
            "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
            "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n"
            "2026-11-24 03:14:07 10.0.0.5 POST /owa/auth.owa - 443 - 203.0.113.44 Mozilla/5.0 - 302 0 0 15\n"
            "2026-11-24 03:14:08 10.0.0.5 GET /autodiscover/autodiscover.json a=1 443 - 2001:db8::44 - - "
            "404 0 0 1\n")
    outcome = parse_text(text, tz="Europe/Berlin")
    found = offenders(outcome)
    assert outcome.format == "iis-w3c"
    assert found["203.0.113.44"].first_seen == datetime(2026, 11, 24, 3, 14, 7, tzinfo=UTC)
    assert found["203.0.113.44"].signatures == {"POST 302 /owa/auth.owa"}
    assert found["2001:db8::44"].signatures == {"GET 404 /autodiscover/autodiscover.json?…"}
    assert found["203.0.113.44"].ports == {443}


# --- CSV tables and address lists ---------------------------------------------------------------

def test_a_csv_with_a_header_reads_address_time_port_and_reason_columns():
    text = ("Timestamp;Source IP;Dst Port;Reason\n"
            "2026-11-24T03:14:07+01:00;203.0.113.5;22;ssh brute force\n"
            "2026-11-24 03:15:00;203.0.113.6;3389;rdp\n"
            "1795929300;\"203.0.113.7\";;\n"
            ";not-an-address;1;x\n")
    outcome = parse_text(text, tz="Europe/Berlin")
    found = offenders(outcome)
    assert outcome.format == "csv"
    assert set(found) == {"203.0.113.5", "203.0.113.6", "203.0.113.7"}
    assert found["203.0.113.5"].first_seen == datetime(2026, 11, 24, 2, 14, 7, tzinfo=UTC)
    assert found["203.0.113.6"].first_seen == datetime(2026, 11, 24, 2, 15, tzinfo=UTC)
    assert found["203.0.113.7"].first_seen == datetime(2026, 11, 29, 5, 15, tzinfo=UTC)
    assert (found["203.0.113.5"].ports, found["203.0.113.5"].signatures) == ({22}, {"ssh brute force"})
    assert all(o.kinds == {Kind.LISTED} for o in found.values())


def test_a_csv_prefers_the_source_column_and_skips_columns_that_hold_no_address():
    text = ("date,time,source,src_ip,dst_ip,service\n"
            "2026-11-24,03:14:07,sshd,203.0.113.8,198.51.100.10,ssh\n")
    offender = only(parse_text(text))
    assert (offender.src, offender.targets) == ("203.0.113.8", {"198.51.100.10"})
    assert offender.signatures == {"ssh"}
    assert offender.first_seen == datetime(2026, 11, 24, 3, 14, 7, tzinfo=UTC)


def test_a_csv_header_belongs_to_its_own_parse_only():
    parse_text("ip,comment\n203.0.113.9,first file\n")
    outcome = parse_text("name,comment\nsomeone,203.0.113.10\n")
    assert list(outcome.offenders) == []


def test_a_list_whose_comment_looks_like_a_csv_header_still_reads_every_entry():
    outcome = parse_text("# ip, reason\n203.0.113.5, ssh\n203.0.113.6 # rdp\n203.0.113.7\n"
                         "203.0.113.8 # ssh attempts=12\n")
    assert {o.src for o in outcome.offenders} == {"203.0.113.5", "203.0.113.6", "203.0.113.7", "203.0.113.8"}


def test_non_hostile_lines_of_a_known_format_still_name_the_format():
    flows = json.dumps({"timestamp": "2026-11-24T03:14:07.0+0000", "event_type": "flow",
                        "src_ip": "203.0.113.77", "dest_ip": "198.51.100.10"}) + "\n"
    success = windows_event(4624, {"IpAddress": "203.0.113.1", "LogonType": "10"}) + "\n"
    for text, name in ((flows, "suricata-eve"), (success, "windows-event-xml")):
        outcome = parse_text(text)
        assert (outcome.format, list(outcome.offenders)) == (name, [])


def test_address_lists_read_bare_addresses_and_addresses_with_comments_but_not_ranges():
    text = ("# blocklist exported 2026-11-24\n203.0.113.5\n"
            "198.51.100.9   # ssh brute force 2026-11-24T03:14:07Z\n"
            "2001:db8::dead\n[2001:db8::beef]\n203.0.113.0/24\n192.0.2.1/32\n203.000.113.011\n")
    outcome = parse_text(text)
    found = offenders(outcome)
    assert outcome.format == "address-list"
    assert set(found) == {"203.0.113.5", "198.51.100.9", "2001:db8::dead", "2001:db8::beef", "192.0.2.1",
                          "203.0.113.11"}
    assert found["198.51.100.9"].signatures == {"ssh brute force"}
    assert found["198.51.100.9"].first_seen == datetime(2026, 11, 24, 3, 14, 7, tzinfo=UTC)
    assert [e["error"] for e in outcome.errors] == [
        "address-list: 203.0.113.0/24 is a network range, not an address; skipped"]


# --- lines that must not become records ---------------------------------------------------------

NOT_OFFENCES = [
    # Suricata/Snort near-misses
    "11/24/2026-03:14:09.000001  [**] [1:2200003:1] SURICATA IPv4 truncated packet [**] "
    "[Classification: (null)] [Priority: 3] [**] [Raw pkt: 00 01 02 ]",
    "[**] [1:1000001:1] a header whose address line never comes [**]",
    '{"timestamp": "2026-11-24T03:14:07+0000", "event_type": "alert", "alert": {"signature": "none"}}',
    '{"timestamp": "2026-11-24T03:14:07+0000", "event_type": "http", "src_ip": "203.0.113.1", '
    '"dest_ip": "198.51.100.1", "http": {"url": "/"}}',
    '{"not": "an eve record", "src": "203.0.113.2"}',
    # web near-misses
    '- - - [24/Nov/2026:03:14:07 +0000] "GET / HTTP/1.1" 200 1',
    '[Tue Nov 24 03:14:07.123 2026] [core:error] [pid 1] [client 203.0.113.3:5555] AH00126: Invalid URI',
    # list and CSV near-misses
    "2026-11-24T03:14:07 203.0.113.4 something happened",
    "10:15:32 203.0.113.5 connected",
    "203.0.113.6:5555 -> 198.51.100.1:22 some flow",
    # an unknown device's key=value log behind its relay's address
    "203.0.113.9 device=edge-7 action=blocked reason=policy src=198.51.100.20",
    "deadbeef cafe",
    "999.1.1.1",
    "name,description",
    "plain prose, with a comma, that names 203.0.113.7 in passing",
    "<EventData><Data Name='IpAddress'>203.0.113.8</Data></EventData>",
    "=+=+=+=+=+=+=+=+=+=+=+=+",
]


@pytest.mark.parametrize("line", NOT_OFFENCES)
def test_near_misses_and_context_lines_produce_no_record(line):
    outcome = parse_text(line + "\n")
    assert list(outcome.offenders) == [], outcome.formats_seen
