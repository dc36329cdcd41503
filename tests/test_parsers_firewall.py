"""Firewall log parsers: acceptance over the real-world samples in ../shared/data/firewall_ids, and
the shapes of every format (iptables/nftables/ufw/UniFi, Cisco ASA, Cisco IOS ACLs, pf, pfSense filterlog,
MikroTik, Juniper SRX and NetScreen, FortiGate, Palo Alto, Sophos, WatchGuard, Windows firewall, SonicWall,
Check Point).

No database: ``.venv/bin/python -m pytest -q tests/test_parsers_firewall.py``.
"""

import io
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidents.parsers import Kind, ParseContext, parse_stream
from incidents.parsers.addresses import normalise
from incidents.parsers.base import NOT_HOSTILE as NOT_HOSTILE_REASON
from incidents.parsers.formats import firewall
from tests.parsing_support import parse_sample, recall_precision, sample_dir

REFERENCE = datetime(2024, 1, 1, tzinfo=UTC)
FIREWALL_SAMPLES = [
    "crowdsec_iptables-logs",
    "crowdsec_mikrotik-logs",
    "crowdsec_pf-logs",
    "crowdsec_unifi-logs",
    "logstash_firewalls_spec_messages",
]
# Colleagues' samples in the same folder (auth, ids, windows_xml): our formats must leave them alone.
OTHER_SAMPLES = ["crowdsec_ssh-bf", "crowdsec_suricata-logs-evelog", "crowdsec_windows-bf"]
# CrowdSec parsers whose lines are ours; any other (sshd-logs...) belongs to a colleague's format.
OUR_CROWDSEC_PARSERS = {"crowdsecurity/iptables-logs", "a1ad/mikrotik-logs", "firewallservices/pf-logs",
                        "firewallservices/pf-logs-drop"}

# Lines whose upstream truth names a source that is not an attacker: the truth there is "the
# address in the source field". Each must list that source as seen in allowed or outbound traffic,
# never as a reportable offender.
NOT_HOSTILE = {
    ("crowdsec_unifi-logs", 3): "UniFi rule tag [WAN_LOCAL-A-...]: the rule accepted the packet",
    ("crowdsec_pf-logs", 3): "filterlog 'block,out': our own host's outgoing packet (the sshd's FIN)",
    ("logstash_firewalls_spec_messages", 12): "304001: an inside user fetched a URL",
    ("logstash_firewalls_spec_messages", 13): "110002: the ASA found no route; not a deny",
    ("logstash_firewalls_spec_messages", 14): "302013: a connection was built (allowed)",
    ("logstash_firewalls_spec_messages", 17): "305011: a NAT translation",
    ("logstash_firewalls_spec_messages", 19): "313005: an ICMP error with no connection (stray reply)",
    ("logstash_firewalls_spec_messages", 20): "402117: cleartext on a VPN crypto map: peer misconfigured",
    ("logstash_firewalls_spec_messages", 21): "402119: ESP anti-replay failure from our VPN peer",
    ("logstash_firewalls_spec_messages", 22): "419001: a server ignoring our MSS (benign)",
    ("logstash_firewalls_spec_messages", 24): "602303: a VPN SA was created",
    ("logstash_firewalls_spec_messages", 25): "710001: access to the box was requested (and allowed)",
    ("logstash_firewalls_spec_messages", 26): "713172: VPN NAT-detection status",
    ("logstash_firewalls_spec_messages", 31): "SuSE SFW2-INext-ACC-TCP: accepted",
    ("logstash_firewalls_spec_messages", 33): "SuSE SFW2-IN-ACC-RELATED: accepted",
    ("logstash_firewalls_spec_messages", 34): "SuSE SFW2-INext-ACC-RELATED: accepted",
}


def offenders(line: str, *, tz: str = "UTC", reference: datetime = REFERENCE):
    """Parse one line with every registered format, as an upload would be."""
    ctx = ParseContext(tz=ZoneInfo(tz), reference=reference)
    outcome = parse_stream(io.BytesIO(line.encode()), ctx=ctx)
    return outcome.offenders.by_src, outcome


def only(line: str, **kwargs):
    """The single offender a line must produce, with the name of the format that produced it."""
    by_src, outcome = offenders(line, **kwargs)
    assert len(by_src) == 1, (line, list(by_src))
    (summary,) = by_src.values()
    return summary, outcome.format


def claimed_by_us(line: str) -> str | None:
    """Name of our format that claims a line (records or not), or None."""
    for fmt in firewall.FORMATS:
        if fmt.wants(line) and fmt.parse_line(line, ParseContext(reference=REFERENCE)) is not None:
            return fmt.name
    return None


def hostile(by_src) -> set[str]:
    return {src for src, summary in by_src.items() if summary.hostile}


def harmless(line: str) -> None:
    """A line our formats recognise as not hostile: claimed (so no fallback reads it), and any
    source it names is only seen, never an offender to report."""
    by_src, _ = offenders(line)
    assert hostile(by_src) == set(), (line, list(by_src))
    assert all(summary.kinds == {Kind.SEEN} for summary in by_src.values()), line
    assert claimed_by_us(line) is not None, line


# ---------------------------------------------------------------------------------------------
# Acceptance: the real-world samples
# ---------------------------------------------------------------------------------------------

def _truth(name: str, data: dict, *, ours_only: bool = True) -> dict[int, set[str]]:
    """Per line number: the source addresses upstream expects (normalised); by default only on the
    lines our formats own (not, say, the sshd line in the UniFi sample)."""
    per_line: dict[int, set[str]] = {}
    if "items" in data:  # logstash spec: messages with the ECS and legacy source fields
        for item in data["items"]:
            found = {normalise(a) or a for a in item["expected_source_ip_ecs"] +
                     item["expected_src_ip_legacy"]}
            if found:
                per_line[item["line_no"]] = found
        return per_line
    for line in data.get("lines", []):
        ip = line.get("expected_source_ip")
        if not ip:
            continue
        parsers = {p for p, r in line.get("stages", {}).get("s01-parse", {}).items() if r.get("success")}
        if ours_only and parsers and not parsers & OUR_CROWDSEC_PARSERS:
            continue  # a colleague's line (sshd in the UniFi sample)
        per_line[line["line_no"]] = {normalise(ip) or ip}
    return per_line


@pytest.mark.parametrize("name", FIREWALL_SAMPLES)
def test_every_hostile_source_in_the_firewall_samples_is_found(name):
    folder = sample_dir("firewall_ids")
    data = json.loads((folder / f"{name}.expected.json").read_text())
    log = folder / f"{name}.log"
    lines = log.read_text().splitlines()
    truth = _truth(name, data)

    whole = parse_sample(log)
    found = set(whole.offenders.by_src)
    # Printed: against every source upstream names (colleagues' lines included, their formats
    # permitting), against the sources on our lines, and against our hostile lines (asserted).
    recall_precision(f"{name} (every upstream source)",
                     set().union(*_truth(name, data, ours_only=False).values()), found)
    recall_precision(f"{name} (sources on firewall lines)", set().union(*truth.values()), found)
    hostile_truth = set().union(*(v for k, v in truth.items() if (name, k) not in NOT_HOSTILE))
    recall, _ = recall_precision(f"{name} (hostile firewall lines)", hostile_truth,
                                 hostile(whole.offenders.by_src))

    missed = []
    for number, expected in sorted(truth.items()):
        by_src, _ = offenders(lines[number - 1])
        if (name, number) in NOT_HOSTILE:
            assert hostile(by_src) == set(), (number, NOT_HOSTILE[(name, number)], list(by_src))
        if not expected <= set(by_src):
            missed.append((number, sorted(expected), sorted(by_src)))
    assert missed == []
    assert recall == 1.0
    assert set().union(*truth.values()) <= found  # every source the lines name is listed
    assert {o["excluded"] for o in whole.offenders.as_json() if o["ip"] not in hostile_found(whole)} <= {
        NOT_HOSTILE_REASON, "private range", "documentation range", "link-local", "loopback",
        "shared address space (CGNAT)", "multicast"}


def hostile_found(outcome) -> set[str]:
    return hostile(outcome.offenders.by_src)


def test_the_iptables_scan_sample_yields_the_scanners_and_not_the_ufw_audit_source():
    folder = sample_dir("firewall_ids")
    data = json.loads((folder / "crowdsec_iptables-scan-multi-port.expected.json").read_text())
    expected = {ip for alert in data["scenario"]["alerts"] for ip in alert["sources"]}
    outcome = parse_sample(folder / "crowdsec_iptables-scan-multi-port.log")
    found = hostile(outcome.offenders.by_src)
    recall, precision = recall_precision("crowdsec_iptables-scan-multi-port (scenario)", expected, found)
    assert recall == 1.0 and precision == 1.0
    # "[UFW AUDIT]" lines log allowed traffic: their source is seen, not an offender
    assert "127.0.0.1" not in found and outcome.offenders.by_src["127.0.0.1"].kinds == {Kind.SEEN}
    scanner = outcome.offenders.by_src["62.34.17.168"]
    assert scanner.count == 17 and len(scanner.ports) == 17  # 16+ ports: a multi-port scan


@pytest.mark.parametrize("name", OTHER_SAMPLES)
def test_our_formats_do_not_claim_the_colleagues_samples(name):
    folder = sample_dir("firewall_ids")
    for number, line in enumerate((folder / f"{name}.log").read_text().splitlines(), 1):
        assert claimed_by_us(line) is None, (name, number)


# ---------------------------------------------------------------------------------------------
# Kernel netfilter: iptables, ip6tables, ufw, SuSE, UniFi/EdgeOS, nftables
# ---------------------------------------------------------------------------------------------

IPT = ("Jun  8 14:34:33 web1 kernel: [50028442.088484] IPTABLES-DROP: IN=eth0 OUT= "
       "MAC=00:08:a2:0c:1f:12:00:c8:8b:e2:d6:87:08:00 SRC=198.51.100.7 DST=203.0.113.10 LEN=40 "
       "TOS=0x00 PREC=0x00 TTL=245 ID=37308 PROTO=TCP SPT=8080 DPT=8123 WINDOW=1024 RES=0x00 SYN URGP=0")


def test_an_iptables_drop_records_source_time_target_and_port():
    s, fmt = only(IPT)
    assert fmt == "iptables"
    assert s.src == "198.51.100.7"
    assert s.first_seen == datetime(2023, 6, 8, 14, 34, 33, tzinfo=UTC)
    assert s.targets == {"203.0.113.10"} and s.ports == {8123}
    assert s.kinds == {Kind.BLOCKED} and s.signatures == {"IPTABLES-DROP TCP"}


def test_a_syslog_time_without_zone_is_read_in_the_evidence_zone():
    s, _ = only(IPT, tz="Europe/Berlin")
    assert s.first_seen == datetime(2023, 6, 8, 12, 34, 33, tzinfo=UTC)


def test_an_ip6tables_line_records_the_compressed_ipv6_source():
    line = ("Oct 30 10:09:23 vm-1 kernel: [UFW BLOCK] IN=eth0 OUT= MAC=00:16:3e:00:00:01:86:dd "
            "SRC=2001:0db8:0000:0000:0000:0000:0000:0009 DST=2001:0db8:0000:0000:0000:0000:0000:0001 "
            "LEN=80 TC=0 HOPLIMIT=51 FLOWLBL=0 PROTO=TCP SPT=55000 DPT=22 WINDOW=1024 RES=0x00 SYN URGP=0")
    s, fmt = only(line)
    assert fmt == "ufw" and s.src == "2001:db8::9" and s.targets == {"2001:db8::1"} and s.ports == {22}


def test_ufw_block_and_limit_block_are_recorded_but_allow_and_audit_are_not():
    tail = "IN=eth0 OUT= MAC=00 SRC=198.51.100.9 DST=203.0.113.1 LEN=60 PROTO=TCP SPT=55000 DPT=22"
    assert only(f"Oct 30 10:09:23 vm-1 kernel: [UFW LIMIT BLOCK] {tail}")[0].src == "198.51.100.9"
    harmless(f"Oct 30 10:09:23 vm-1 kernel: [UFW ALLOW] {tail}")
    harmless(f"Oct 30 10:09:23 vm-1 kernel: [UFW AUDIT] {tail}")


def test_suse_and_firewalld_prefixes_decide_between_drop_and_accept():
    tail = "IN=ppp0 OUT= MAC= SRC=198.51.100.4 DST=203.0.113.187 LEN=48 PROTO=TCP SPT=3360 DPT=3127"
    assert only(f"Mar 8 22:35:42 linux kernel: SuSE-FW-DROP-DEFAULT {tail}")[0].ports == {3127}
    assert only(f"Jan 29 00:00:28 myth kernel: SFW2-INext-DROP-DEFLT {tail}")[0].src == "198.51.100.4"
    assert only(f"Jan 1 00:00:00 h kernel: filter_IN_public_REJECT: {tail}")[0].src == "198.51.100.4"
    harmless(f"Jan 15 11:21:13 web kernel: SFW2-IN-ACC-RELATED {tail}")
    harmless(f"Jan 15 11:21:13 web kernel: ACCEPT-SSH: {tail}")


def test_a_kernel_line_without_a_verdict_in_its_prefix_is_recorded():
    line = ("Jan 1 00:00:00 h kernel: [ 12.3] IN=eth0 OUT= SRC=198.51.100.5 DST=203.0.113.8 PROTO=UDP "
            "SPT=1 DPT=161")
    assert only(line)[0].ports == {161}


def test_a_packet_sent_by_the_logging_host_itself_is_not_recorded():
    harmless("Jan 1 00:00:00 h kernel: OUTDROP IN= OUT=eth0 SRC=203.0.113.8 DST=198.51.100.2 LEN=44 "
             "PROTO=TCP SPT=1 DPT=80")


def test_an_icmp_error_is_read_from_its_outer_header_not_the_quoted_packet():
    line = ("Jan 1 00:00:00 h kernel: IN=eth0 OUT= MAC=00 SRC=198.51.100.3 DST=203.0.113.8 LEN=56 "
            "PROTO=ICMP TYPE=3 CODE=3 [SRC=203.0.113.8 DST=198.51.100.3 LEN=40 PROTO=UDP SPT=53 DPT=1234 ]")
    s, _ = only(line)
    assert s.src == "198.51.100.3" and s.targets == {"203.0.113.8"} and s.ports == set()


def test_dmesg_and_proxmox_timestamps_are_understood():
    dmesg = ("[Mon Jun  8 14:34:33 2020] IN=eth0 OUT= MAC=00 SRC=198.51.100.4 DST=203.0.113.8 LEN=56 "
             "PROTO=TCP SPT=1 DPT=25")
    assert only(dmesg)[0].first_seen == datetime(2020, 6, 8, 14, 34, 33, tzinfo=UTC)
    proxmox = ("100 6 tap100i0-IN 28/Jun/2020:17:17:51 +0200 policy DROP: IN=fwbr100i0 OUT=fwbr100i0 "
               "PHYSIN=tap100i0 MAC=00 SRC=198.51.100.4 DST=203.0.113.8 LEN=60 PROTO=TCP SPT=1 DPT=3389")
    assert only(proxmox)[0].first_seen == datetime(2020, 6, 28, 15, 17, 51, tzinfo=UTC)


def test_unifi_and_edgeos_rule_tags_decide_between_drop_and_accept():
    tail = ('DESCR="[WAN_LOCAL]Block All Traffic" IN=eth8 OUT= MAC=74:ac SRC=198.51.100.1 '
            "DST=203.0.113.25 LEN=122 PROTO=UDP SPT=38451 DPT=54329 LEN=102 MARK=1a0000")
    s, fmt = only(f"Jun 13 23:29:15 UDMP [WAN_LOCAL-D-2147483647] {tail}")
    assert fmt == "unifi" and s.signatures == {"WAN_LOCAL-D-2147483647 UDP"}
    harmless(f"Jun 13 23:29:15 UDMP [WAN_LOCAL-A-2147483647] {tail}")
    harmless(f"Jun 13 23:29:15 UDMP [LAN_LOCAL-RET-2147483647] {tail}")
    edge = ("Jan 26 05:59:54 ubnt kernel: [WAN_LOCAL-default-D]IN=eth0 OUT= MAC=90:10 SRC=198.51.100.121 "
            "DST=203.0.113.5 LEN=40 PROTO=TCP SPT=5555 DPT=23")
    s, fmt = only(edge)
    assert fmt == "unifi" and s.ports == {23}
    harmless(edge.replace("default-D", "10-A"))


def test_nftables_prefixes_are_named_nftables():
    tail = "IN=eth0 OUT= SRC=198.51.100.9 DST=192.0.2.1 LEN=40 PROTO=TCP SPT=55555 DPT=23"
    for prefix in ("[ipv4-INP-filter-default-D]", "drop wan in: ", "nft-drop-in: "):
        s, fmt = only(f"Dec 05 14:42:22 gw kernel: {prefix}{tail}")
        assert fmt == "nftables" and s.src == "198.51.100.9", prefix
    harmless(f"Dec 05 14:42:22 gw kernel: [ipv4-NAM-QZ-Z-WAN-TO-LAN-10-A]{tail}")


def test_a_kernel_line_with_a_malformed_in_field_is_not_ours():
    line = IPT.replace(" IN=eth0", " XX=eth0")
    assert claimed_by_us(line) is None


# ---------------------------------------------------------------------------------------------
# Cisco ASA / PIX / FTD
# ---------------------------------------------------------------------------------------------

def test_an_asa_deny_with_interface_address_port_notation_records_the_outside_source():
    line = ('Apr 30 2013 09:23:40: %ASA-4-106023: Deny tcp src outside:198.51.100.126/53638 '
            'dst inside:10.0.0.132/8111 by access-group "acl_out" [0x71761f18, 0x0]')
    s, fmt = only(line)
    assert fmt == "cisco-asa" and s.src == "198.51.100.126"
    assert s.targets == {"10.0.0.132"} and s.ports == {8111} and s.signatures == {"ASA-106023 tcp"}
    assert s.first_seen == datetime(2013, 4, 30, 9, 23, 40, tzinfo=UTC)  # the year is in the stamp


def test_an_asa_deny_with_ipv6_interface_notation_is_split_correctly():
    line = ('Jan  2 10:00:00 asa %ASA-4-106023: Deny tcp src outside:2001:db8:1::5/40000 '
            'dst inside:2001:db8:2::10/22 by access-group "OUTSIDE_IN" [0x0, 0x0]')
    s, _ = only(line)
    assert s.src == "2001:db8:1::5" and s.targets == {"2001:db8:2::10"} and s.ports == {22}


def test_asa_denies_from_an_inside_interface_to_the_outside_are_our_own_hosts():
    harmless('Apr 15 2013 09:36:50: %ASA-4-106023: Deny tcp src dmz:10.1.2.30/63016 '
             'dst outside:198.51.100.8/53 by access-group "acl_dmz" [0xe3aab522, 0x0]')
    harmless("%ASA-6-106100: access-list inside denied udp inside/172.29.2.101(1039) -> "
             "outside/198.51.100.10(53) hit-cnt 1 first hit [0xd820e56a, 0x0]")
    s, _ = only("%ASA-5-106100: access-list acl_in denied tcp outside/198.51.100.16(2011) -> "
                "inside/10.0.0.89(2000) hit-cnt 1 first hit [0x71a87d94, 0x0]")
    assert s.src == "198.51.100.16" and s.ports == {2000}


@pytest.mark.parametrize("line,src,port", [
    ("%ASA-2-106001: Inbound TCP connection denied from 198.51.100.2/43803 to 203.0.113.10/14322 "
     "flags SYN  on interface outside", "198.51.100.2", 14322),
    ("%ASA-2-106006: Deny inbound UDP from 198.51.100.2/65020 to 203.0.113.10/65021 on interface "
     "outside", "198.51.100.2", 65021),
    ("%ASA-2-106007: Deny inbound UDP from 198.51.100.66/12981 to 10.1.2.60/53 due to DNS Query",
     "198.51.100.66", 53),
    ("%ASA-3-106014: Deny inbound icmp src outside:198.51.100.10 dst inside:10.10.10.11(type 8, code 0)",
     "198.51.100.10", None),
    ("%ASA-4-106021: Deny TCP reverse path check from 198.51.100.2 to 10.10.10.10 on interface outside",
     "198.51.100.2", None),
    ("%ASA-3-313001: Denied ICMP type=8, code=0 from 198.51.100.5 on interface outside",
     "198.51.100.5", None),
    ("%ASA-4-419002: Duplicate TCP SYN from OUTSIDE:198.51.100.2/65087 to INSIDE:10.10.1.6/443 with "
     "different initial sequence number.", "198.51.100.2", 443),
    ("%ASA-4-500004: Invalid transport field for protocol=TCP, from 198.51.100.9/0 to 203.0.113.4/0",
     "198.51.100.9", 0),
    ("%ASA-3-710003: TCP access denied by ACL from 198.51.100.19/6370 to outside:203.0.113.34/23",
     "198.51.100.19", 23),
    ("%FTD-7-710005: UDP request discarded from 198.51.100.7/5353 to outside:203.0.113.1/161",
     "198.51.100.7", 161),
    ("%ASA-6-106015: Deny TCP (no connection) from 198.51.100.9/53089 to 10.10.10.10/443 flags FIN PSH "
     "URG  on interface outside", "198.51.100.9", 443),
    ("%ASA-4-434002: SFR requested to drop TCP packet from outside:198.51.100.14/40000 to "
     "inside:10.1.1.9/3389", "198.51.100.14", 3389),
])
def test_asa_deny_messages_record_the_source(line, src, port):
    s, fmt = only(f"May  5 19:02:58 fw01: {line}")
    assert fmt == "cisco-asa" and s.src == src
    assert s.ports == ({port} if port is not None else set())


def test_asa_messages_that_are_not_hostile_are_claimed_without_records():
    for line in (
        "%ASA-6-302013: Built inbound TCP connection 27215708 for outside:198.51.100.4/49926 "
        "(198.51.100.4/49926) to inside:10.1.1.1/80 (203.0.113.5/80)",
        "%ASA-6-302014: Teardown TCP connection 447236 for outside:198.51.100.222/1234 to "
        "dmz:192.168.1.34/5678 duration 0:00:00 bytes 14804 TCP FINs",
        "%ASA-6-106100: access-list acl_in permitted tcp outside/198.51.100.16(2241) -> "
        "inside/10.1.2.16(2000) hit-cnt 1 first hit [0x71a87d94, 0x0]",
        "%ASA-6-106015: Deny TCP (no connection) from 198.51.100.222/1234 to 192.168.1.34/5679 flags "
        "RST  on interface outside",  # the late end of a real connection, or backscatter
        "%ASA-6-106015: Deny TCP (no connection) from 198.51.100.2/17127 to 10.10.10.10/443 flags PSH "
        "ACK  on interface outside",
        "%ASA-2-106016: Deny IP spoof from (198.51.100.1) to 192.88.99.47 on interface outside",
        "%ASA-7-710005: UDP request discarded from 192.168.2.2/68 to inside:10.10.10.10/67",
        "%ASA-4-400010: IPS:2000 ICMP Echo Reply from 198.51.100.8 to 10.1.1.1 on interface outside",
        "%ASA-4-419001: Dropping TCP packet from outside:198.51.100.155/80 to inside:192.168.10.11/49043, "
        "reason: MSS exceeded, MSS 1380, data 1460",
        "%ASA-4-338008: Dynamic Filter dropped blacklisted TCP traffic from inside:10.1.1.1/33340 "
        "(10.2.1.1/33340) to outside:198.51.100.223/80 (198.51.100.223/80), destination 198.51.100.223 "
        "resolved from dynamic list: 198.51.100.223/255.255.255.255",
    ):
        harmless(f"Dec 11 2018 08:01:38 fw01 : {line}")


def test_asa_threat_detection_and_ips_attack_signatures_are_scans():
    s, _ = only("%ASA-4-733100: [198.51.100.2] drop rate-1 exceeded. Current burst rate is 0 per second")
    assert s.src == "198.51.100.2" and s.kinds == {Kind.SCAN}
    s, _ = only("2024-01-02T10:00:00+01:00 asa %ASA-4-733101: Host 198.51.100.9 is attacking. Current "
                "burst rate is 12 per second")
    assert s.src == "198.51.100.9" and s.first_seen == datetime(2024, 1, 2, 9, 0, tzinfo=UTC)
    s, _ = only("%ASA-4-733102: Threat-detection adds host 198.51.100.10 to shun list")
    assert s.kinds == {Kind.SCAN}
    s, _ = only("%ASA-4-400041: IPS:3041 TCP SYN+FIN Flags from 198.51.100.3 to 10.1.1.1 on interface "
                "outside")
    assert s.signatures == {"ASA-400041 IPS:3041 TCP SYN+FIN Flags"}
    harmless("%ASA-4-733100: [ Scanning] drop rate-3 exceeded. Current burst rate is 10 per second")


def test_asa_failed_logins_to_the_box_are_failed_logins():
    for line, src in (
        ("%ASA-6-113015: AAA user authentication Rejected : reason = AAA failure : server = 10.1.1.10 : "
         "user = ***** : user IP = 198.51.100.44", "198.51.100.44"),
        ("%ASA-6-611102: User authentication failed: IP address: 198.51.100.87, Uname: admin",
         "198.51.100.87"),
        ('%ASA-6-605004: Login denied from 198.51.100.212/51923 to outside:203.0.113.254/https for user '
         '"*****"', "198.51.100.212"),
        ("%ASA-4-716039: Group <DfltGrpPolicy> User <admin> IP <198.51.100.3> Authentication: rejected, "
         "Session Type: WebVPN.", "198.51.100.3"),
    ):
        s, _ = only(line)
        assert s.src == src and s.kinds == {Kind.FAILED_LOGIN}


def test_firepower_connection_blocks_and_intrusion_events_are_recorded():
    s, fmt = only("2026-09-30T06:32:51Z FTD-HQ-01 : %FTD-1-430002: EventPriority: Low, DeviceUUID: 8c1f, "
                  "ConnectionID: 42109, AccessControlRuleAction: Block, SrcIP: 198.51.100.45, DstIP: "
                  "203.0.113.25, SrcPort: 61022, DstPort: 3389, Protocol: tcp, IngressInterface: outside, "
                  "EgressInterface: dmz, IngressZone: OUTSIDE, EgressZone: DMZ, AccessControlRuleName: "
                  "Block-Inbound-Default, Prefilter Policy: Default Prefilter Policy")
    assert fmt == "cisco-asa" and s.src == "198.51.100.45" and s.ports == {3389}
    assert s.first_seen == datetime(2026, 9, 30, 6, 32, 51, tzinfo=UTC)
    s, _ = only("<113>:2026-03-04T10:20:15Z:ftd: %NGIPS-2-430001: EventPriority: High, "
                "AccessControlRuleAction: Block with reset, SrcIP: 198.51.100.93, DstIP: 10.1.9.9, "
                "SrcPort: 45678, DstPort: 22, Protocol: tcp, SignatureName: SSH Brute Force Login Attempt")
    assert s.kinds == {Kind.IDS_ALERT} and s.first_seen == datetime(2026, 3, 4, 10, 20, 15, tzinfo=UTC)
    harmless("<166>2024-01-29T14:35:22Z fw SFIMS: %FTD-4-430003: Protocol: tcp, SrcIP: 10.0.0.50, DstIP: "
             "198.51.100.75, SrcPort: 12345, DstPort: 80, IngressZone: Inside-Zone, "
             "EgressZone: Outside-Zone, AccessControlRuleAction: Block, AccessControlRuleReason: URL Block")
    harmless("2026-03-04T10:20:15Z ftd %FTD-6-430002: EventPriority: Low, AccessControlRuleAction: Allow, "
             "SrcIP: 198.51.100.9, DstIP: 203.0.113.93, SrcPort: 13723, DstPort: 443, Protocol: tcp")


def test_asa_message_bodies_without_their_tag_are_understood():
    s, fmt = only('Deny tcp src outside:198.51.100.1/50240 dst inside:www.example.com/23 by access-group '
                  '"S_OUTSIDE_TO_INSIDE" [0x54c7fa80, 0x0]')
    assert fmt == "cisco-asa" and s.targets == {"www.example.com"} and s.signatures == {"ASA-106023 tcp"}
    harmless("access-list outside-entry permitted tcp outside/198.51.100.13(54726) -> "
             "inside/192.168.17.18(80) hit-cnt 1 300-second interval [0x32b3835, 0x0]")
    harmless("6|Nov 28 2014 12:59:03|302021: Teardown ICMP connection for faddr 198.51.100.251/18425 "
             "gaddr 10.137.10.1/0 laddr 10.137.10.10/0")
    harmless("Built dynamic TCP translation from inside:172.31.98.44/1772 to outside:198.51.100.44/8256")


# ---------------------------------------------------------------------------------------------
# pf and pfSense/OPNsense filterlog
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "src", "target", "port", "sport", "sig"), [
    ("Nov 18 06:25:03 rtr1 1234: Nov 18 06:25:03.123 UTC: %SEC-6-IPACCESSLOGP: list 101 denied tcp "
     "198.51.100.3(5555) -> 203.0.113.10(22), 1 packet", "198.51.100.3", "203.0.113.10", 22, 5555,
     "Cisco IOS ACL 101 denied tcp"),
    ("Nov 18 06:25:04 rtr1 55: %SEC-6-IPACCESSLOGDP: list OUTSIDE denied icmp 198.51.100.4 "
     "(GigabitEthernet0/0 0011.2233.4455) -> 203.0.113.10 (8/0), 5 packets", "198.51.100.4", "203.0.113.10",
     None, None, "Cisco IOS ACL OUTSIDE denied icmp"),
    ("Nov 18 06:25:05 rtr1 99: %SEC-6-IPACCESSLOGNP: list 102 denied 47 198.51.100.5 -> 203.0.113.11, "
     "1 packet", "198.51.100.5", "203.0.113.11", None, None, "Cisco IOS ACL 102 denied 47"),
    ("Nov 18 06:25:06 rtr1 100: %SEC-6-IPACCESSLOGS: list 10 denied 198.51.100.6 3 packets",
     "198.51.100.6", None, None, None, "Cisco IOS ACL 10 denied"),
    ("Nov 18 06:25:07 rtr1 101: %IPV6_ACL-6-ACCESSLOGP: list V6IN/20 denied tcp 2001:db8:9::5(40000) "
     "(GigabitEthernet0/1 ) -> 2001:db8::1(22), 1 packet", "2001:db8:9::5", "2001:db8::1", 22, 40000,
     "Cisco IOS ACL V6IN/20 denied tcp"),
    ("Nov 18 06:25:08 xr1 RP/0/RSP0/CPU0:Nov 18 06:25:08.123 UTC: ipv4_acl_mgr[123]: "
     "%ACL-IPV4_ACL-6-IPACCESSLOGP : access-list OUTSIDE (10) deny tcp 198.51.100.8(5557) -> "
     "203.0.113.10(23), 1 packet", "198.51.100.8", "203.0.113.10", 23, 5557,
     "Cisco IOS ACL OUTSIDE denied tcp"),
])
def test_cisco_ios_access_list_denies_record_the_source(line, src, target, port, sport, sig):
    s, fmt = only(line)
    assert fmt == "cisco-ios" and s.src == src and s.hostile and s.kinds == {Kind.BLOCKED}
    assert s.targets == ({target} if target else set()) and s.ports == ({port} if port else set())
    assert s.source_ports == ([sport] if sport else []) and list(s.signatures) == [sig]
    assert s.first_seen == datetime(2023, 11, 18, 6, 25, int(line[13:15]), tzinfo=UTC)  # before REFERENCE


def test_cisco_ios_permits_are_only_seen_and_its_other_acl_messages_are_claimed_without_records():
    harmless("Nov 18 06:25:08 rtr1 102: %SEC-6-IPACCESSLOGP: list 101 permitted tcp 198.51.100.7(5556) -> "
             "203.0.113.10(443), 1 packet")
    line = ("Nov 18 06:25:10 rtr1 103: %SEC-6-IPACCESSLOGRL: access-list logging rate-limited or missed "
            "5 packets")
    assert offenders(line)[0] == {} and claimed_by_us(line) == "cisco-ios"
    line = "Nov 18 06:25:11 rtr1 104: %SEC-6-IPACCESSLOGP: list 1 denied tcp dead(5) -> beef(6), 1 packet"
    assert offenders(line)[0] == {} and claimed_by_us(line) == "cisco-ios"  # hex words are no address


def test_a_cisco_ios_line_without_a_syslog_header_takes_the_routers_own_clock():
    s, _ = only("000123: *Nov 18 06:25:04.555 UTC: %SEC-6-IPACCESSLOGP: list 101 denied udp "
                "198.51.100.9(53) -> 203.0.113.10(161), 1 packet", tz="Europe/Berlin")
    assert s.first_seen == datetime(2023, 11, 18, 5, 25, 4, tzinfo=UTC)  # no year: read in the evidence zone
    s, _ = only("000124: Nov 18 2024 06:25:04 UTC: %SEC-6-IPACCESSLOGP: list 101 denied udp "
                "198.51.100.9(53) -> 203.0.113.10(161), 1 packet", tz="Europe/Berlin")
    assert s.first_seen == datetime(2024, 11, 18, 6, 25, 4, tzinfo=UTC)  # its own year and zone


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["%SEC-6-IPACCESSLOGP: ", "%IPV6_ACL-6-ACCESSLOGDP: ",
                        "%ACL-IPV4_ACL-6-IPACCESSLOGP : "]),
       st.text(alphabet="0123456789abcdef:.()-> ,*/listdenypermtcUDPGiE\t", max_size=120),
       st.sampled_from(["", "Nov 31 25:61:00 r 1: ", "*Feb 29 00:00:00.1 XYZ: ", "000001: "]))
def test_a_cisco_ios_tag_followed_by_anything_never_raises_and_records_only_addresses(tag, body, head):
    line = head + tag + body
    found = firewall.CiscoIos().parse_line(line, ParseContext(reference=REFERENCE))
    assert found is not None and all(normalise(r.src) == r.src for r in found)


def test_pf_block_in_records_ipv4_and_ipv6_sources_with_ports():
    s, fmt = only("Mar 10 12:34:56.123456 rule 2/(match) block in on em0: 198.51.100.9.51234 > "
                  "203.0.113.2.22: S 123:123(0) win 1024")
    assert fmt == "pf" and s.src == "198.51.100.9" and s.ports == {22} and s.targets == {"203.0.113.2"}
    s, _ = only("Mar 10 12:34:56.123456 rule 2/(match) block in on em0: 2001:db8::9.51234 > "
                "2001:db8::2.443: S 123:123(0) win 1024")
    assert s.src == "2001:db8::9" and s.ports == {443} and s.targets == {"2001:db8::2"}
    s, _ = only("Mar 10 12:34:56 fw pf: 00:00:00.943534 rule 59/0(match): block in on vtnet0: "
                "198.51.100.10 > 203.0.113.2: ICMP echo request, id 1, seq 1, length 64")
    assert s.src == "198.51.100.10" and s.ports == set()


def test_pf_in_tcpdumps_verbose_form_takes_the_addresses_from_the_line_after_the_rule():
    ip_header = "(tos 0x0, ttl 49, id 1, offset 0, flags [none], proto TCP (6), length 44)"
    text = (f"2024-11-18 06:25:03.123456 rule 12/0(match): block in on vtnet0: {ip_header}\n"
            "    198.51.100.8.40000 > 203.0.113.5.23: Flags [S], cksum 0x1 (correct), seq 1, length 0\n"
            f"2024-11-18 06:25:04.5 rule 13/0(match): pass in on vtnet0: {ip_header}\n"
            "    198.51.100.9.40001 > 203.0.113.5.443: Flags [S], cksum 0x1 (correct), seq 1, length 0\n")
    by_src, outcome = offenders(text)
    assert outcome.formats_seen == {"pf": 4}
    assert list(by_src) == ["198.51.100.8"]
    s = by_src["198.51.100.8"]
    assert (s.kinds, s.ports, s.source_ports, list(s.signatures)) == (
        {Kind.BLOCKED}, {23}, [40000], ["pf rule 12 block on vtnet0"])
    assert s.first_seen == datetime(2024, 11, 18, 6, 25, 3, 123456, tzinfo=UTC)


def test_pf_pass_and_block_out_are_not_recorded():
    harmless("Mar 10 12:34:56.123456 rule 2/(match) pass in on em0: 198.51.100.9.51234 > 203.0.113.2.22: S")
    harmless("2023-01-14 08:17:31.486069 rule 3.blacklistd.1/0(match): block out on em0: "
             "203.0.113.2.22 > 198.51.100.9.51234: S 1:1(0) ack 1 win 1024")


def test_filterlog_block_in_is_recorded_for_ipv4_and_ipv6():
    s, fmt = only("<134>1 2022-09-06T18:51:28+02:00 opnsense filterlog 69805 - [meta sequenceId=\"2654146\"] "
                  "10,,,02f4bab031b57d1e30553ce08e0ec131,re0,match,block,in,4,0x0,,47,59064,0,DF,6,tcp,60,"
                  "198.51.100.87,203.0.113.198,48473,13680,0,S,3023053886,,7300,,mss;sackOK;TS;nop;wscale")
    assert fmt == "pfsense-filterlog" and s.src == "198.51.100.87" and s.ports == {13680}
    assert s.first_seen == datetime(2022, 9, 6, 16, 51, 28, tzinfo=UTC)  # +02:00 honoured
    s, _ = only("<134>Jul  3 19:10:31 filterlog[72237]: 6,,,1000000105,igb1,match,block,in,6,0x00,0xf6279,1,"
                "UDP,17,32,2001:db8::208:9bff:fef3:652b,2001:db8::1:2,546,547,32")
    assert s.src == "2001:db8::208:9bff:fef3:652b" and s.ports == {547}
    s, _ = only("Jul  4 11:10:45 fw filterlog[1]: 176,,,1520797901,igb1,match,block,in,4,0x0,,64,62096,0,DF,"
                "1,icmp,84,198.51.100.30,203.0.113.105,request,37728,164")
    assert s.src == "198.51.100.30" and s.ports == set()


def test_filterlog_pass_and_block_out_are_not_recorded():
    harmless("Sep 28 10:38:41 pfSense filterlog: 6,,,1000102434,em0,match,block,out,4,0x0,,64,0,0,DF,6,tcp,"
             "40,10.0.2.15,198.51.100.2,22,53742,0,FA,3617062173,29633380,65535,,")
    harmless("<134>Jul  3 19:10:30 filterlog[72237]: 176,,,1520797901,igb1.27,match,pass,in,4,0xb8,,64,58355,"
             "0,none,17,udp,76,198.51.100.27,203.0.113.66,123,123,56")


# ---------------------------------------------------------------------------------------------
# MikroTik
# ---------------------------------------------------------------------------------------------

def test_mikrotik_firewall_lines_record_ipv4_ipv6_and_icmp_sources():
    s, fmt = only("2023-03-18T20:36:59.594792+01:00 10.120.127.1 firewall,info drop-tcp input: "
                  "in:ether1-WAN out:(unknown 0), connection-state:new src-mac 00:17:10:88:bc:02, proto TCP "
                  "(SYN), 198.51.100.219:59388->203.0.113.145:23, len 40")
    assert fmt == "mikrotik" and s.src == "198.51.100.219" and s.ports == {23}
    assert s.first_seen == datetime(2023, 3, 18, 19, 36, 59, 594792, tzinfo=UTC)
    assert s.signatures == {"drop-tcp input TCP"}
    s, _ = only("2026-05-31T00:04:27.696749+02:00 gw firewall,info input: in:WAN out:(unknown 0), "
                "connection-state:new src-mac e4:41:64:93:a8:0f, proto TCP (SYN), "
                "[2001:db8:1234::1]:40384->[2001:db8:1234::2]:20461, len 24")
    assert s.src == "2001:db8:1234::1" and s.ports == {20461} and s.targets == {"2001:db8:1234::2"}
    s, _ = only("mar/18 20:35:05 firewall,info drop input: in:ether1 out:(unknown 0), src-mac "
                "00:17:10:88:bc:02, proto ICMP (type 8, code 0), 198.51.100.68->203.0.113.145, len 84")
    assert s.src == "198.51.100.68" and s.ports == set()


def test_mikrotik_accept_prefixes_outbound_and_output_chain_are_not_recorded():
    mac = "src-mac 00:17:10:88:bc:02, proto TCP (SYN)"
    harmless(f"Mar 18 20:35:05 10.1.1.1 firewall,info accept-in input: in:ether1 out:(unknown 0), {mac}, "
             "198.51.100.68:44355->203.0.113.145:443, len 60")
    harmless(f"Mar 18 20:35:05 10.1.1.1 firewall,info forward: in:bridge out:ether1-WAN, {mac}, "
             "192.168.88.10:50000->198.51.100.1:443, NAT (192.168.88.10:50000->203.0.113.1:50000)"
             "->198.51.100.1:443, len 52")
    harmless("Mar 18 20:35:05 10.1.1.1 firewall,info output: in:(unknown 0) out:ether1, proto UDP, "
             "203.0.113.1:123->198.51.100.1:123, len 76")


def test_a_mikrotik_login_failure_is_a_failed_login():
    s, _ = only("2023-03-19T12:34:09.757188+01:00 10.120.127.1 system,error,critical login failure for user "
                "admin from 198.51.100.35 via winbox")
    assert s.src == "198.51.100.35" and s.kinds == {Kind.FAILED_LOGIN}


# ---------------------------------------------------------------------------------------------
# Juniper SRX and NetScreen
# ---------------------------------------------------------------------------------------------

SRX_DENY = ('<14>1 2019-11-14T11:12:46.573+01:00 SRX-GW1 RT_FLOW - RT_FLOW_SESSION_DENY '
            '[junos@2636.1.1.1.2.134 source-address="198.51.100.26" source-port="37233" '
            'destination-address="203.0.113.1" destination-port="161" service-name="None" protocol-id="17" '
            'policy-name="deny-all" source-zone-name="untrust" destination-zone-name="trust" '
            'reason="Denied by policy"]')


def test_srx_session_denies_structured_and_plain_are_recorded():
    s, fmt = only(SRX_DENY)
    assert fmt == "juniper" and s.src == "198.51.100.26" and s.ports == {161}
    assert s.first_seen == datetime(2019, 11, 14, 10, 12, 46, 573000, tzinfo=UTC)
    s, _ = only("Jul 19 18:17:02 srx RT_FLOW: RT_FLOW_SESSION_DENY: session denied 198.51.100.5/5555->"
                "203.0.113.7/22 0x0 junos-ssh 6(0) default-deny(global) untrust trust UNKNOWN UNKNOWN "
                "N/A(N/A) ge-0/0/0.0 UNKNOWN policy deny")
    assert s.src == "198.51.100.5" and s.ports == {22}


def test_srx_screens_are_recorded_but_spoofing_and_sourceless_screens_are_not():
    s, _ = only('<11>1 2018-07-19T18:17:02.309-05:00 rtr RT_IDS - RT_SCREEN_TCP [junos@2636.1.1.1.2.137 '
                'attack-name="TCP sweep!" source-address="198.51.100.112" source-port="6000" '
                'destination-address="203.0.113.1" destination-port="1433" source-zone-name="untrust" '
                'interface-name="fe-0/0/2.0" action="drop"]')
    assert s.kinds == {Kind.SCAN} and s.ports == {1433}
    s, _ = only("Jul 19 18:17:02 srx RT_IDS: RT_SCREEN_TCP: SYN flood! source: 198.51.100.5:5555, "
                "destination: 203.0.113.7:22, zone name: untrust, interface name: ge-0/0/0.0, action: drop")
    assert s.kinds == {Kind.BLOCKED} and s.ports == {22}
    harmless('<11>1 2018-07-19T19:19:02.309-05:00 rtr RT_IDS - RT_SCREEN_TCP_DST_IP [junos@2636.1.1.1.2.40 '
             'attack-name="SYN flood!" destination-address="203.0.113.2" source-zone-name="untrust" '
             'interface-name="ge-0/0/1.0" action="alarm-without-drop"]')
    harmless('<11>1 2018-07-19T19:19:02.309-05:00 rtr RT_IDS - RT_SCREEN_IP [junos@2636.1.1.1.2.40 '
             'attack-name="IP spoofing!" source-address="198.51.100.2" destination-address="203.0.113.2" '
             'source-zone-name="untrust" interface-name="ge-0/0/1.0" action="drop"]')


def test_srx_sessions_allowed_list_their_source_as_seen_unless_they_leave_our_side():
    for line in ("Dec 17 08:04:45 srx RT_FLOW: RT_FLOW_SESSION_CREATE: session created 198.51.100.2/53836->"
                 "203.0.113.1/22 junos-ssh 198.51.100.2/53836->203.0.113.1/22 None None 6 allow-ssh untrust "
                 "junos-host 5 N/A(N/A) ge-0/0/1.0",
                 "Dec 17 08:05:30 srx RT_FLOW: RT_FLOW_SESSION_CLOSE: session closed TCP FIN: "
                 "198.51.100.2/53836->203.0.113.1/22 junos-ssh 198.51.100.2/53836->203.0.113.1/22 "
                 "None None 6 allow-ssh untrust junos-host 5 78(6657) 122(13305) 45 UNKNOWN UNKNOWN "
                 "N/A(N/A) ge-0/0/1.0 No ",
                 '<14>1 2019-11-14T09:37:51.184+01:00 SRX-GW1 RT_FLOW - RT_FLOW_SESSION_CREATE '
                 '[junos@2636.1.1.1.2.134 source-address="198.51.100.2" source-port="53836" '
                 'destination-address="203.0.113.1" destination-port="22" source-zone-name="untrust" '
                 'destination-zone-name="trust"]'):
        s, fmt = only(line)
        assert (fmt, s.src, s.kinds, s.hostile, s.ports, s.source_ports) == (
            "juniper", "198.51.100.2", {Kind.SEEN}, False, {22}, [53836]), line
    for line in ("Dec 17 08:04:45 srx RT_FLOW: RT_FLOW_SESSION_CREATE: session created 10.0.0.2/53836->"
                 "198.51.100.9/443 junos-https 203.0.113.1/40001->198.51.100.9/443 source-nat None 6 "
                 "allow-out trust untrust 7 N/A(N/A) ge-0/0/1.0",
                 '<14>1 2019-11-14T09:37:51.184+01:00 SRX-GW1 RT_FLOW - RT_FLOW_SESSION_CREATE '
                 '[junos@2636.1.1.1.2.134 source-address="10.0.0.2" source-port="53836" '
                 'destination-address="198.51.100.9" destination-port="443" source-zone-name="trust" '
                 'destination-zone-name="untrust"]'):
        assert offenders(line)[0] == {}, line


def test_srx_outbound_denies_and_session_create_are_not_offences():
    harmless(SRX_DENY.replace('"untrust"', '"X"').replace('"trust"', '"untrust"').replace('"X"', '"trust"'))
    harmless('<14>1 2019-11-14T09:37:51.184+01:00 SRX-GW1 RT_FLOW - RT_FLOW_SESSION_CREATE '
             '[junos@2636.1.1.1.2.134 source-address="198.51.100.1" source-port="594" '
             'destination-address="203.0.113.1" destination-port="10400"]')


def test_netscreen_denies_and_screen_alarms_are_recorded():
    head = "Mar 10 12:00:00 10.0.0.1 ns5gt: NetScreen device_id=ns5gt  [Root]system-"
    s, fmt = only(f'{head}notification-00257(traffic): start_time="2009-03-10 12:00:00" duration=0 '
                  "policy_id=320001 service=tcp/port:23 proto=6 src zone=Untrust dst zone=Trust action=Deny "
                  "sent=0 rcvd=0 src=198.51.100.8 dst=203.0.113.9 src_port=5555 dst_port=23 session_id=0")
    assert fmt == "netscreen" and s.src == "198.51.100.8" and s.ports == {23}
    s, _ = only(f"{head}critical-00436: Port scan! From 198.51.100.8:1234 to 203.0.113.9:80, proto TCP "
                "(zone Untrust, int ethernet0/0). Occurred 1 times.")
    assert s.kinds == {Kind.SCAN}
    harmless(f'{head}notification-00257(traffic): start_time="2009-03-10 12:00:00" policy_id=1 '
             "src zone=Trust dst zone=Untrust action=Permit src=10.0.0.2 dst=198.51.100.1 dst_port=443")


# ---------------------------------------------------------------------------------------------
# FortiGate, Palo Alto, Sophos, WatchGuard, Windows firewall
# ---------------------------------------------------------------------------------------------

def test_fortigate_denied_traffic_ips_and_vpn_login_failures():
    head = 'date=2020-04-23 time=01:16:08 devname="fw1" devid="FG100" logid="0000000013" tz="+0200" '
    s, fmt = only(f'<189>{head}type="traffic" subtype="local" srcip=198.51.100.10 srcport=60899 '
                  'srcintf="wan1" srcintfrole="wan" dstip=203.0.113.13 dstport=22 proto=6 action="deny" '
                  "policyid=0")
    assert fmt == "fortigate" and s.src == "198.51.100.10" and s.ports == {22}
    assert s.first_seen == datetime(2020, 4, 22, 23, 16, 8, tzinfo=UTC)
    s, _ = only(f'{head}type="utm" subtype="ips" srcip=198.51.100.11 dstip=203.0.113.13 dstport=80 '
                'attack="Apache.Log4j.Error.Log.Remote.Code.Execution" action="dropped"')
    assert s.kinds == {Kind.IDS_ALERT}
    s, _ = only(f'{head}type="event" subtype="vpn" logdesc="SSL VPN login fail" action="ssl-login-fail" '
                'remip=198.51.100.77 user="admin"')
    assert s.kinds == {Kind.FAILED_LOGIN} and s.src == "198.51.100.77"
    harmless(f'{head}type="traffic" subtype="forward" srcip=10.10.10.10 srcintfrole="lan" '
             'dstip=198.51.100.13 dstport=161 dstintfrole="wan" action="deny"')
    harmless(f'{head}type="traffic" subtype="forward" srcip=198.51.100.1 srcintfrole="wan" '
             'dstip=203.0.113.13 dstport=443 dstintfrole="lan" action="accept"')



def test_fortigate_legacy_traffic_fields_and_a_failed_admin_login_named_by_its_ui_are_recorded():
    s, fmt = only('Feb 20 12:26:25 date=2011-02-20 time=12:26:24 devname=fw1 device_id=FG100 type=traffic '
                  'subtype=other status=deny src=198.51.100.31 src_port=4444 dst=203.0.113.8 dst_port=3389 '
                  'proto=6 src_int="wan1" dst_int="internal"')
    assert fmt == "fortigate" and s.src == "198.51.100.31" and s.ports == {3389}
    assert s.kinds == {Kind.BLOCKED} and s.source_ports == [4444]
    assert s.first_seen == datetime(2011, 2, 20, 12, 26, 24, tzinfo=UTC)
    s, _ = only('date=2016-06-17 time=02:37:41 devname=fw1 devid=FG100 type=event subtype=system '
                'logdesc="Admin login failed" user="root" ui=ssh(198.51.100.32) action=login status=failed')
    assert s.src == "198.51.100.32" and s.kinds == {Kind.FAILED_LOGIN}
    assert s.signatures == {"FortiGate Admin login failed"}


def test_a_fortigate_deny_from_an_internal_interface_to_a_wan_one_is_our_own_traffic():
    harmless('date=2016-06-16 time=10:19:23 devname=fw1 devid=FG100 type=traffic subtype=forward '
             'srcip=198.51.100.33 srcport=57727 srcintf="internal1" dstip=203.0.113.9 dstport=80 '
             'dstintf="wan1" action=deny policyid=8')
    harmless('date=2016-06-16 time=10:19:23 devname=fw1 devid=FG100 type=traffic subtype=forward '
             'srcip=198.51.100.33 srcintf="lan" srcintfrole="undefined" dstip=203.0.113.9 dstport=80 '
             'dstintf="wan1" dstintfrole="undefined" action=deny')

def test_palo_alto_traffic_drops_and_threats_are_recorded():
    s, fmt = only("<14>Aug 22 11:21:04 pa 1,2026/09/16 10:15:30,001234567890,TRAFFIC,drop,1,"
                  "2026/09/16 10:15:30,198.51.100.25,203.0.113.10,0.0.0.0,0.0.0.0,Perimeter-Drop,,,ssh,"
                  "vsys1,untrust,trust,ethernet1/1,ethernet1/2,default,1,1001,1,49152,22,0,0,0x0,tcp,deny,128,64,64,2,"
                  "2026/09/16 10:15:30,0,any")
    assert fmt == "paloalto" and s.src == "198.51.100.25" and s.ports == {22}
    s, _ = only('1,2026/09/19 12:00:00,0018,THREAT,vulnerability,9941,2026/09/19 12:00:00,198.51.100.55,'
                "10.100.4.15,0.0.0.0,0.0.0.0,Alert,,,web-browsing,vsys1,untrust,trust,ethernet1/1,ethernet1/2,"
                'Log,2026/09/19 12:00:00,9841,1,41234,80,0,0,0x0,tcp,reset-both,"",Apache Log4j Remote Code '
                "Execution(30001),any,critical,client-to-server,2984921,0x0,US,US,0,1,0")
    assert s.kinds == {Kind.IDS_ALERT} and s.ports == {80}
    harmless("1,2026/08/30 10:32:21,0018,TRAFFIC,end,1,2026/08/30 10:32:21,10.0.0.5,198.51.100.8,"
             "0.0.0.0,0.0.0.0,allow-out,,,ssl,vsys1,trust,untrust,ethernet1/1,ethernet1/2,fwd,"
             "2026/08/30 10:32:21,1,1,52341,443,0,0,0x0,tcp,allow,100,100,0,1")


def test_sophos_utm_and_sophos_firewall_drops_are_recorded():
    s, fmt = only('2019:01:01-12:00:00 utm ulogd[1234]: id="2001" severity="info" sys="SecureNet" '
                  'sub="packetfilter" name="Packet dropped" action="drop" fwrule="60002" initf="eth1" '
                  'srcip="198.51.100.3" dstip="203.0.113.4" proto="6" srcport="5555" dstport="22"')
    assert fmt == "sophos" and s.src == "198.51.100.3" and s.ports == {22}
    assert s.first_seen == datetime(2019, 1, 1, 12, 0, tzinfo=UTC)
    s, _ = only('device="SFW" date=2024-02-27 time=08:35:19 log_type="Firewall" log_component="Firewall '
                'Rule" log_subtype="Denied" status="Deny" src_ip=198.51.100.61 dst_ip=203.0.113.2 '
                "dst_port=3389")
    assert s.src == "198.51.100.61" and s.ports == {3389}
    harmless('2019:01:01-12:00:00 utm ulogd[1]: sub="packetfilter" name="Packet accepted" action="accept" '
             'srcip="198.51.100.3" dstip="203.0.113.4" dstport="443"')


def test_watchguard_denies_are_recorded_in_both_layouts():
    s, fmt = only('2025-11-21T00:28:01.556528+00:00 FW-A 80D802B41D509 FW firewall: msg_id="3000-0148" '
                  "Deny WAN - Aruba Firebox 40 tcp 20 239 198.51.100.1 203.0.113.2 41277 591 offset 5 S "
                  '1497867397 win 4  geo_src="BGR" (Unhandled External Packet-00)')
    assert fmt == "watchguard" and s.src == "198.51.100.1" and s.ports == {591}
    s, _ = only("2026-09-25 13:52:38 Deny 198.51.100.99 203.0.113.250 9007/tcp 31069 9007 External1 Firebox "
                'Denied 52 51 (Unhandled External Packet-00) proc_id="firewall" rc="101" msg_id="3000-0148"')
    assert s.src == "198.51.100.99" and s.ports == {9007}


def test_windows_firewall_inbound_drops_are_recorded_and_outgoing_ones_are_not():
    s, fmt = only("2019-03-05 11:53:34 DROP TCP 198.51.100.10 192.168.1.2 62236 445 52 S 2917395133 0 8192 "
                  "- - - RECEIVE", tz="Europe/Berlin")
    assert fmt == "windows-firewall" and s.ports == {445}
    assert s.first_seen == datetime(2019, 3, 5, 10, 53, 34, tzinfo=UTC)  # local time, zone given
    harmless("2023-11-26 22:27:57 DROP TCP 192.168.10.106 198.51.100.95 65457 80 0 - 0 0 0 - - - SEND 1360")
    harmless("2019-11-06 12:35:19 ALLOW UDP 198.51.100.197 203.0.113.251 5353 5353 59 - - - - - - - RECEIVE")


# ---------------------------------------------------------------------------------------------
# SonicWall SonicOS
# ---------------------------------------------------------------------------------------------

SW = 'Mar  4 10:00:00 198.51.100.254 id=firewall sn=0017C5000001 time="2024-03-04 11:00:05" fw=203.0.113.1 '


@pytest.mark.parametrize(("line", "src", "kind", "port", "sport", "sig"), [
    (SW + 'pri=5 c=64 m=36 msg="TCP connection dropped" n=12 src=198.51.100.40:4507:X1 '
     "dst=203.0.113.1:445:X0 proto=tcp/445", "198.51.100.40", Kind.BLOCKED, 445, 4507,
     "SonicWall m=36 TCP connection dropped"),
    (SW + 'pri=1 c=32 m=83 msg="Probable port scan detected" n=7 src=198.51.100.41:443:X1 '
     'dst=203.0.113.1:45071:X1 proto=tcp/45071 note="TCP scanned port list, 22, 23"', "198.51.100.41",
     Kind.SCAN, 45071, 443, "SonicWall m=83 Probable port scan detected"),
    (SW + 'pri=1 c=32 m=609 msg="IPS Prevention Alert: WEB-ATTACKS Log4j" sid=2307 ipspri=2 n=1 '
     'src=198.51.100.42:54192:X1 dst=203.0.113.5:8080:X0 fw_action="drop"', "198.51.100.42",
     Kind.IDS_ALERT, 8080, 54192, "SonicWall m=609 IPS Prevention Alert: WEB-ATTACKS Log4j"),
    (SW + 'pri=1 c=32 m=30 msg="Administrator login denied due to bad credentials" n=2 '
     "src=198.51.100.43:36701:X1 dst=203.0.113.1:443:X1", "198.51.100.43", Kind.FAILED_LOGIN, 443, 36701,
     "SonicWall m=30 Administrator login denied due to bad credentials"),
    # a flood names its source only in the message
    (SW + 'pri=4 c=32 m=1371 msg="Possible TCP Flood on IF X1 - src: 198.51.100.44:80 dst: '
     '203.0.113.1:15912 - rate: 1869/sec continues" n=151', "198.51.100.44", Kind.BLOCKED, 15912, 80,
     "SonicWall m=1371 Possible TCP Flood on IF X1 - src: 198.51.100.44:80 dst: 203.0.113.1:15912 - rate: "
     "1869/sec continues"),
])
def test_sonicwall_drops_scans_ips_alerts_and_failed_logins_record_the_source(line, src, kind, port, sport,
                                                                               sig):
    s, fmt = only(line)
    assert fmt == "sonicwall" and s.src == src and s.kinds == {kind}
    assert s.ports == {port} and s.source_ports == [sport] and s.signatures == {sig}
    assert s.first_seen == datetime(2024, 3, 4, 11, 0, 5, tzinfo=UTC)  # the device's own time= stamp


def test_sonicwall_allowed_connections_our_own_packets_and_web_filtering_are_not_offences():
    harmless(SW + 'pri=6 c=262144 m=98 msg="Connection Opened" n=5 src=198.51.100.45:36701:X1 '
             "dst=203.0.113.1:443:X1 proto=tcp/443")
    harmless(SW + 'pri=7 c=512 m=713 src=203.0.113.1:443:X1 dst=198.51.100.46:64889:X1 proto=tcp/https '
             'msg="x" note="TCP Flag(s): RST" fw_action="drop"')
    harmless(SW + 'pri=3 c=4 m=14 msg="Web site access denied" src=198.51.100.47:59668:X0 '
             "dst=203.0.113.9:443:X1 proto=tcp/https")
    harmless(SW + 'pri=1 c=32 m=608 msg="IPS Detection Alert: ICMP Echo Reply" ipspri=3 '
             'src=198.51.100.48:8:X1 dst=203.0.113.1:1850:X0 fw_action="NA"')
    harmless(SW + 'pri=5 c=64 m=36 msg="TCP connection dropped" src=198.51.100.49:4507:X0 srcZone=Trusted '
             "dst=203.0.113.9:445:X1 dstZone=Untrusted")


# ---------------------------------------------------------------------------------------------
# Check Point
# ---------------------------------------------------------------------------------------------

CP = '<134>1 2024-03-04T10:00:00Z gw1 CheckPoint 1930 - [action:"{action}"; ifdir:"inbound"; '


def test_a_check_point_drop_records_source_target_ports_and_the_epoch_time():
    s, fmt = only(CP.format(action="Drop") + 'time:"1709546405"; dst:"203.0.113.7"; inzone:"External"; '
                  'outzone:"Internal"; product:"VPN-1 & FireWall-1"; proto:"6"; rule_name:"Cleanup rule"; '
                  's_port:"40000"; service:"22"; src:"198.51.100.50"]')
    assert fmt == "checkpoint" and s.src == "198.51.100.50" and s.kinds == {Kind.BLOCKED}
    assert s.ports == {22} and s.source_ports == [40000] and s.targets == {"203.0.113.7"}
    assert s.signatures == {"Check Point Drop Cleanup rule"}
    assert s.first_seen == datetime(2024, 3, 4, 10, 0, 5, tzinfo=UTC)


def test_a_check_point_optimized_drop_records_every_packet_it_lists():
    by_src, outcome = offenders(CP.format(action="Drop") + 'drop_reason:"matched optimized drop"; '
                                'packet_amount:"2"; packets:" <198.51.100.51,5000,203.0.113.7,23,6;eth0> '
                                '<198.51.100.51,5001,203.0.113.8,2323,6;eth0>"]')
    assert outcome.format == "checkpoint" and set(by_src) == {"198.51.100.51"}
    s = by_src["198.51.100.51"]
    assert s.count == 2 and s.ports == {23, 2323} and s.targets == {"203.0.113.7", "203.0.113.8"}


def test_a_check_point_threat_prevention_block_names_the_outside_peer_of_our_infected_host():
    s, _ = only(CP.format(action="Block") + 'dst:"198.51.100.52"; product:"Anti Malware"; '
                'protection_name:"Testing Bot"; proto:"6"; s_port:"34416"; service:"80"; src:"10.0.0.3"]')
    assert s.src == "198.51.100.52" and s.kinds == {Kind.IDS_ALERT}
    assert s.signatures == {"Check Point Block Testing Bot"}


def test_check_point_accepted_traffic_our_outbound_drops_and_vpn_failures_are_not_offences():
    harmless(CP.format(action="Accept") + 'dst:"203.0.113.7"; proto:"6"; service:"443"; src:"198.51.100.53"]')
    harmless(CP.format(action="Drop") + 'dst:"198.51.100.54"; inzone:"Internal"; outzone:"External"; '
             'service:"25"; src:"203.0.113.7"]')
    harmless(CP.format(action="Reject") + 'dst:"203.0.113.7"; ike::"Main Mode Failed to match proposal"; '
             'reject_category:"IKE failure"; src:"198.51.100.55"; vpn_feature_name:"IKE"]')


# ---------------------------------------------------------------------------------------------
# Lines that are not ours at all
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "Feb 12 14:10:21 sd-126005 sshd[16378]: Invalid user pascal from 198.51.100.176 port 53502",
    '{"timestamp":"2022-07-10T23:50:05.533101+0000","event_type":"alert","src_ip":"198.51.100.4",'
    '"src_port":52812,"dest_ip":"127.0.0.1","dest_port":80,"proto":"TCP","alert":{"action":"allowed"}}',
    '198.51.100.1 - - [10/Oct/2023:13:55:36 +0000] "GET /wp-login.php HTTP/1.1" 404 153 "-" "curl/8"',
    "Jan 24 11:28:30 rtr %LINEPROTO-5-UPDOWN: Line protocol on Interface Gi0/0, changed state to down",
    "Oct 10 12:00:00 mail postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[198.51.100.3]: 554 5.7.1 "
    "Client host rejected: Access denied",
    "Oct 10 12:00:00 web kernel: [123.4] EXT4-fs (sda1): mounted filesystem with ordered data mode",
    "(Secondary) Switching to ACTIVE - Service card in other unit has failed",
    "2024-03-04 10:00:00.123 UTC [42] LOG:  checkpoint complete: wrote 3 buffers (0.0%); write=0.1 s, "
    "sync=0.0 s, total=0.1 s; sync files=2, longest=0.0 s;",
])
def test_lines_of_other_kinds_are_not_claimed_by_the_firewall_formats(line):
    assert claimed_by_us(line) is None


# ---------------------------------------------------------------------------------------------
# CEF (ArcSight Common Event Format)
# ---------------------------------------------------------------------------------------------

CEF_IPS = ("Oct 26 20:01:31 gw CEF:0|Ubiquiti|UniFi Network|10.0.140|201|Threat Detected and Blocked|7|"
           "proto=TCP src=198.51.100.10 spt=46621 dst=192.0.2.233 dpt=80 act=blocked app=HTTP "
           "UNIFIcategory=Security UNIFIsubCategory=Intrusion Prevention UNIFIhost=Express 7 "
           "UNIFIutcTime=2024-10-26T19:01:31.807Z msg=An IPS event was detected from 198.51.100.10.")


@pytest.mark.parametrize(("line", "src", "kind", "port", "sport", "sig"), [
    (CEF_IPS, "198.51.100.10", Kind.IDS_ALERT, 80, 46621,
     "Ubiquiti UniFi Network: Threat Detected and Blocked"),
    # "CEF:" taken for the syslog tag on the way: the line starts at the version
    ("0|Ubiquiti|UniFi Network|9.3.45|201|Threat Detected and Blocked|7|proto=TCP src=198.51.100.11 spt=5 "
     "dst=192.0.2.1 dpt=443 rt=1729969291807", "198.51.100.11", Kind.IDS_ALERT, 443, 5,
     "Ubiquiti UniFi Network: Threat Detected and Blocked"),
    ("CEF:0|Check Point|VPN-1 & FireWall-1|Check Point|Drop|Drop|Medium|act=Drop src=198.51.100.12 "
     "spt=5555 dst=192.0.2.2 dpt=23 proto=6 rt=Oct 26 2024 19:01:31", "198.51.100.12", Kind.BLOCKED, 23,
     5555, "Check Point VPN-1 & FireWall-1: Drop"),
    ("CEF:0|Fortinet|Fortigate|v7.2|0100032002|event:system login failed|7|src=198.51.100.13 "
     "dst=192.0.2.3 duser=admin outcome=failed msg=Administrator admin login failed from https "
     "rt=1729969291807", "198.51.100.13", Kind.FAILED_LOGIN, None, None,
     "Fortinet Fortigate: event:system login failed"),
    ("CEF:0|Trend Micro|Deep Security Agent|20|20|Port Scan Detected|6|src=198.51.100.14 "
     "dst=192.0.2.4 act=Log rt=1729969291807", "198.51.100.14", Kind.SCAN, None, None,
     "Trend Micro Deep Security Agent: Port Scan Detected"),
])
def test_a_cef_event_records_its_source_by_what_it_says(line, src, kind, port, sport, sig):
    summary, fmt = only(line)
    assert fmt == "cef" and summary.src == src and summary.kinds == {kind}
    assert list(summary.signatures) == [sig]
    assert summary.ports == ({port} if port else set())
    assert summary.source_ports == ([sport] if sport else [])
    assert summary.first_seen.replace(microsecond=0) == datetime(2024, 10, 26, 19, 1, 31, tzinfo=UTC)


def test_cef_traffic_allowed_is_only_seen_and_administrative_events_are_claimed_without_records():
    harmless("CEF:0|Fortinet|Fortigate|v7.2|0000000013|traffic:forward accept|3|src=198.51.100.20 "
             "spt=5 dst=192.0.2.5 dpt=443 act=accept")
    line = ("CEF:0|Ubiquiti|UniFi Network|9.4.19|544|Admin Accessed UniFi Network|1|UNIFIcategory=System "
            "UNIFIadmin=Secure Admin src=198.51.100.21 msg=Secure Admin accessed UniFi Network.")
    by_src, outcome = offenders(line)
    assert by_src == {} and outcome.formats_seen == {"cef": 1}


def test_a_cef_extension_keeps_spaces_and_escaped_equals_in_values():
    assert firewall.cef_extension(r"src=1.2.3.4 msg=a b\=c d cs1Label=Rule Name cs1=x\\y") == {
        "src": "1.2.3.4", "msg": "a b=c d", "cs1Label": "Rule Name", "cs1": "x\\y"}
