"""The offender's own source port (``Record.src_port``), which XARF needs for an IP source behind
CGNAT: read from every format family that states it, never taken from our side, kept per
offender (the first 16, first seen first), and stored on the sighting and the offender."""

import io
import json
import re
import socket
import struct
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dpkt
import pytest
from django.core.management import call_command

from incidents.models import Offender, Sighting
from incidents.parsers import ParseContext, parse_stream
from incidents.parsers.addresses import parse_networks
from incidents.parsers.aggregate import MAX_SOURCE_PORTS, Offenders
from incidents.parsers.base import Kind, Record
from incidents.parsing import evidence_parse

from .factories import an_evidence, an_incident
from .parsing_support import parse_sample, sample_dir

REFERENCE = datetime(2026, 11, 25, tzinfo=UTC)
ATTACKER, OURS = "198.51.100.7", "203.0.113.10"


def parse_bytes(data: bytes, *, own=(), fmt=None):
    ctx = ParseContext(tz=ZoneInfo("UTC"), reference=REFERENCE, own_networks=parse_networks(own))
    return parse_stream(io.BytesIO(data), ctx=ctx, fmt=fmt)


def ports_of(text: str, **kwargs) -> dict[str, list[int]]:
    """Each hostile offender's source ports, for a text parsed as an upload would be."""
    outcome = parse_bytes(text.encode(), **kwargs)
    return {s.src: s.source_ports for s in outcome.offenders if s.hostile}


# --- packet captures ----------------------------------------------------------------------------

def pcap_file(frames: list[bytes]) -> bytes:
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for i, frame in enumerate(frames):
        out.append(struct.pack("<IIII", 1_700_000_000 + i, 0, len(frame), len(frame)) + frame)
    return b"".join(out)


def ether(ip) -> bytes:
    return bytes(dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\x04" * 6, type=0x0800, data=ip))


def tcp_packet(sport: int, dport: int, src=ATTACKER, dst=OURS) -> bytes:
    segment = dpkt.tcp.TCP(sport=sport, dport=dport, flags=dpkt.tcp.TH_SYN)
    return ether(dpkt.ip.IP(src=socket.inet_aton(src), dst=socket.inet_aton(dst), p=6, data=segment))


def udp_packet(sport: int, dport: int, src=ATTACKER, dst=OURS) -> bytes:
    datagram = dpkt.udp.UDP(sport=sport, dport=dport, data=b"x")
    return ether(dpkt.ip.IP(src=socket.inet_aton(src), dst=socket.inet_aton(dst), p=17, data=datagram))


def test_a_tcp_syn_and_a_udp_probe_give_their_source_port_and_keep_the_destination_port():
    outcome = parse_bytes(pcap_file([tcp_packet(54321, 22), udp_packet(40000, 161)]))
    [summary] = list(outcome.offenders)
    assert summary.source_ports == [54321, 40000]
    assert summary.ports == {22, 161}


def test_a_packet_without_a_transport_port_has_no_source_port():
    icmp = dpkt.icmp.ICMP(type=8, data=dpkt.icmp.ICMP.Echo(id=1, seq=1))
    ping = ether(dpkt.ip.IP(src=socket.inet_aton(ATTACKER), dst=socket.inet_aton(OURS), p=1, data=icmp))
    fragment = dpkt.ip.IP(src=socket.inet_aton(ATTACKER), dst=socket.inet_aton(OURS), p=6,
                          offset=1480, data=b"\x12\x34\x00\x16" + b"\0" * 16)  # not the first fragment
    outcome = parse_bytes(pcap_file([ping, ether(fragment)]))
    [summary] = list(outcome.offenders)
    assert summary.count == 2 and summary.source_ports == [] and summary.ports == set()


def test_the_ssh_capture_gives_the_clients_source_ports_as_tcpdump_prints_them():
    folder = sample_dir("pcap")
    # tcpdump -n: "IP 202.108.87.165.62146 > 223.132.53.222.22: Flags [S]"
    printed: dict[str, list[int]] = {}
    for line in (folder / "ssh__ssh.out").read_text().splitlines():
        if m := re.search(r" IP (\d+\.\d+\.\d+\.\d+)\.(\d+) > ", line):
            ports = printed.setdefault(m[1], [])
            if int(m[2]) not in ports:
                ports.append(int(m[2]))
    outcome = parse_sample(folder / "ssh.pcap")
    found = {s.src: s.source_ports for s in outcome.offenders}
    assert printed["202.108.87.165"] == [62146]
    assert found["202.108.87.165"] == [62146]
    assert found == {ip: ports[:MAX_SOURCE_PORTS] for ip, ports in printed.items()}


# --- firewalls ----------------------------------------------------------------------------------

IPT = ("Jun  8 14:34:33 web1 kernel: [50028442.088484] IPTABLES-DROP: IN=eth0 OUT= "
       "MAC=00:08:a2:0c:1f:12:00:c8:8b:e2:d6:87:08:00 SRC=198.51.100.7 DST=203.0.113.10 LEN=40 "
       "TOS=0x00 PREC=0x00 TTL=245 ID=37308 PROTO=TCP SPT=8080 DPT=8123 WINDOW=1024 RES=0x00 SYN URGP=0")


@pytest.mark.parametrize(("line", "src", "port"), [
    (IPT, "198.51.100.7", 8080),
    ("Apr 30 2013 09:23:40: %ASA-4-106023: Deny tcp src outside:198.51.100.126/53638 dst "
     "inside:10.0.0.132/8111 by access-group \"acl_outside\" [0x0, 0x0]", "198.51.100.126", 53638),
    ("%ASA-2-106001: Inbound TCP connection denied from 198.51.100.2/43803 to 203.0.113.10/14322 "
     "flags SYN on interface outside", "198.51.100.2", 43803),
    ("%ASA-5-106100: access-list acl_in denied tcp outside/198.51.100.16(2011) -> "
     "inside/203.0.113.17(3389) hit-cnt 1 first hit [0x0, 0x0]", "198.51.100.16", 2011),
    ("<134>1 2022-09-06T18:51:28+02:00 opnsense filterlog 69805 - [meta sequenceId=\"2654146\"] "
     "10,,,02f4bab031b57d1e30553ce08e0ec131,re0,match,block,in,4,0x0,,47,59064,0,DF,6,tcp,60,"
     "198.51.100.87,203.0.113.198,48473,13680,0,S,3023053886,,7300,,mss;sackOK;TS;nop;wscale",
     "198.51.100.87", 48473),
    ("<134>Jul  3 19:10:31 filterlog[72237]: 6,,,1000000105,igb1,match,block,in,6,0x00,0xf6279,1,"
     "UDP,17,32,2001:db8::208:9bff:fef3:652b,2001:db8::1:2,546,547,32",
     "2001:db8::208:9bff:fef3:652b", 546),
    ("Mar  1 12:00:00 fw pf: rule 3/0(match): block in on em0: 198.51.100.9.51234 > "
     "203.0.113.2.22: S 1:1(0) win 1024", "198.51.100.9", 51234),
    ("2023-03-18T20:36:59.594792+01:00 10.120.127.1 firewall,info drop-tcp input: "
     "in:ether1-WAN out:(unknown 0), connection-state:new src-mac 00:17:10:88:bc:02, proto TCP "
     "(SYN), 198.51.100.219:59388->203.0.113.145:23, len 40", "198.51.100.219", 59388),
    ('<14>1 2019-11-14T11:12:46.573+01:00 SRX-GW1 RT_FLOW - RT_FLOW_SESSION_DENY '
     '[junos@2636.1.1.1.2.134 source-address="198.51.100.26" source-port="37233" '
     'destination-address="203.0.113.1" destination-port="161" service-name="None" protocol-id="17" '
     'policy-name="deny-all" source-zone-name="untrust" destination-zone-name="trust" '
     'reason="Denied by policy"]', "198.51.100.26", 37233),
    ("Jul 19 18:17:02 srx RT_FLOW: RT_FLOW_SESSION_DENY: session denied 198.51.100.5/5555->"
     "203.0.113.7/22 0x0 junos-ssh 6(0) default-deny(global) untrust trust UNKNOWN UNKNOWN "
     "N/A(N/A) ge-0/0/0.0 UNKNOWN policy deny", "198.51.100.5", 5555),
    ("Jul 19 18:17:02 srx RT_IDS: RT_SCREEN_TCP: SYN flood! source: 198.51.100.5:5556, "
     "destination: 203.0.113.7:22, zone name: untrust, interface name: ge-0/0/0.0, action: drop",
     "198.51.100.5", 5556),
    ("Mar 10 12:00:00 10.0.0.1 ns5gt: NetScreen device_id=ns5gt  [Root]system-notification-00257"
     '(traffic): start_time="2009-03-10 12:00:00" duration=0 policy_id=320001 service=tcp/port:23 '
     "proto=6 src zone=Untrust dst zone=Trust action=Deny sent=0 rcvd=0 src=198.51.100.8 "
     "dst=203.0.113.9 src_port=5555 dst_port=23 session_id=0", "198.51.100.8", 5555),
    ("Mar 10 12:00:00 10.0.0.1 ns5gt: NetScreen device_id=ns5gt  [Root]system-critical-00436: "
     "Port scan! From 198.51.100.8:1234 to 203.0.113.9:80, proto TCP (zone Untrust, int ethernet0/0). "
     "Occurred 1 times.", "198.51.100.8", 1234),
    ('<189>date=2020-04-23 time=01:16:08 devname="fw1" devid="FG100" logid="0000000013" tz="+0200" '
     'type="traffic" subtype="local" srcip=198.51.100.10 srcport=60899 srcintf="wan1" '
     'srcintfrole="wan" dstip=203.0.113.13 dstport=22 proto=6 action="deny" policyid=0',
     "198.51.100.10", 60899),
    ("<14>Aug 22 11:21:04 pa 1,2026/09/16 10:15:30,001234567890,TRAFFIC,drop,1,"
     "2026/09/16 10:15:30,198.51.100.25,203.0.113.10,0.0.0.0,0.0.0.0,Perimeter-Drop,,,ssh,"
     "vsys1,untrust,trust,ethernet1/1,ethernet1/2,default,1,1001,1,49152,22,0,0,0x0,tcp,deny,128,64,"
     "64,2,2026/09/16 10:15:30,0,any", "198.51.100.25", 49152),
    ('2019:01:01-12:00:00 utm ulogd[1234]: id="2001" severity="info" sys="SecureNet" '
     'sub="packetfilter" name="Packet dropped" action="drop" fwrule="60002" initf="eth1" '
     'srcip="198.51.100.3" dstip="203.0.113.4" proto="6" srcport="5555" dstport="22"',
     "198.51.100.3", 5555),
    ("2026-09-25 13:52:38 Deny 198.51.100.99 203.0.113.250 9007/tcp 31069 9007 External1 Firebox "
     'Denied 52 51 (Unhandled External Packet-00) proc_id="firewall" rc="101" msg_id="3000-0148"',
     "198.51.100.99", 31069),
    ("2019-03-05 11:53:34 DROP TCP 198.51.100.10 192.168.1.2 62236 445 52 S 2917395133 0 8192 "
     "- - - RECEIVE", "198.51.100.10", 62236),
], ids=["iptables", "asa-106023", "asa-106001", "asa-106100", "filterlog-v4", "filterlog-v6", "pf",
        "mikrotik", "srx-structured", "srx-plain", "srx-screen", "netscreen", "netscreen-screen",
        "fortigate", "paloalto", "sophos", "watchguard", "windows-firewall"])
def test_a_firewall_line_gives_the_attackers_source_port(line, src, port):
    assert ports_of(line) == {src: [port]}


def test_a_firewall_line_without_a_source_port_gives_none():
    icmp = ("Jun  8 14:34:33 web1 kernel: IPTABLES-DROP: IN=eth0 OUT= SRC=198.51.100.7 DST=203.0.113.10 "
            "LEN=84 PROTO=ICMP TYPE=8 CODE=0 ID=1 SEQ=1")
    assert ports_of(icmp) == {"198.51.100.7": []}
    asa = "%ASA-4-106021: Deny TCP reverse path check from 198.51.100.2 to 10.10.10.10 on interface outside"
    assert ports_of(asa) == {"198.51.100.2": []}


def test_the_crowdsec_iptables_sample_yields_the_source_ports_its_lines_state():
    folder = sample_dir("firewall_ids")
    stated: dict[str, list[int]] = {}
    for line in (folder / "crowdsec_iptables-logs.log").read_text().splitlines():
        m = re.search(r"\bIN=\S+ OUT= .*?SRC=(\S+) .*?SPT=(\d+)", line)
        if m and " IN=" in line:
            stated.setdefault(m[1], [])
            if int(m[2]) not in stated[m[1]]:
                stated[m[1]].append(int(m[2]))
    outcome = parse_sample(folder / "crowdsec_iptables-logs.log")
    found = {s.src: s.source_ports for s in outcome.offenders}
    assert found["195.54.160.107"] == [8080]  # SPT=8080 in the sample's first line
    for src, ports in found.items():
        assert set(ports) <= set(stated.get(src, [])), src


# --- IDS ----------------------------------------------------------------------------------------

def eve(src, dst, sport, dport, **extra) -> str:
    event = {"timestamp": "2026-11-24T03:14:07.123456+0000", "event_type": "alert", "src_ip": src,
             "src_port": sport, "dest_ip": dst, "dest_port": dport, "proto": "TCP",
             "alert": {"action": "allowed", "gid": 1, "signature_id": 2001219, "signature": "ET SCAN"},
             **extra}
    return json.dumps(event)


def test_an_inbound_eve_alert_gives_the_packet_source_port():
    assert ports_of(eve("198.51.100.7", "203.0.113.10", 51000, 22)) == {"198.51.100.7": [51000]}


def test_an_outbound_eve_alert_gives_the_peers_port_not_ours():
    # our host 203.0.113.10 talked to the hostile peer on its port 4444 from our port 51000
    line = eve("203.0.113.10", "198.51.100.7", 51000, 4444)
    outcome = parse_bytes(line.encode(), own=["203.0.113.0/24"])
    [summary] = list(outcome.offenders)
    assert summary.src == "198.51.100.7" and summary.source_ports == [4444]
    assert summary.ports == set()  # our ephemeral port is no service port


def test_fast_log_and_snort_alerts_give_the_source_port_of_the_offender():
    fast = ("11/24/2026-03:14:07.123456  [**] [1:2001219:20] ET SCAN Potential SSH Scan [**] "
            "[Classification: Attempted Information Leak] [Priority: 2] {TCP} 198.51.100.7:5555 -> "
            "203.0.113.10:22")
    assert ports_of(fast) == {"198.51.100.7": [5555]}
    swapped = ("11/24/2026-03:14:07.123456  [**] [1:2001219:20] ET TROJAN beacon [**] "
               "[Classification: A Network Trojan was Detected] [Priority: 1] {TCP} 192.168.1.20:51000 -> "
               "198.51.100.7:8443")
    assert ports_of(swapped) == {"198.51.100.7": [8443]}


# --- authentication logs ------------------------------------------------------------------------

def test_sshd_from_address_port_is_the_clients_source_port_and_the_destination_port_stays_unknown():
    line = "Nov 24 03:14:07 gw sshd[101]: Failed password for root from 198.51.100.7 port 54321 ssh2"
    outcome = parse_bytes(line.encode())
    [summary] = list(outcome.offenders)
    assert summary.source_ports == [54321] and summary.ports == set()


def test_sshd_remembers_the_clients_port_for_the_other_lines_of_its_connection():
    text = ("Nov 24 03:14:06 gw sshd[101]: Connection from 198.51.100.7 port 40001 on 203.0.113.10 "
            "port 2222\n"
            "Nov 24 03:14:07 gw sshd[101]: pam_unix(sshd:auth): authentication failure; logname= uid=0 "
            "euid=0 tty=ssh ruser= rhost=198.51.100.7  user=root\n"
            "Nov 24 03:14:08 gw sshd[101]: Invalid user admin from 198.51.100.7 port 40001\n"
            "Nov 24 03:14:09 gw sshd[102]: Invalid user admin from 198.51.100.7 port 40002\n")
    outcome = parse_bytes(text.encode())
    [summary] = list(outcome.offenders)
    assert summary.source_ports == [40001, 40002]
    assert summary.ports == {2222}  # "on <ours> port 2222" is ours: the destination port


@pytest.mark.parametrize(("line", "src", "port"), [
    ("Nov 24 03:14:07 gw dropbear[311]: Bad password attempt for 'root' from 198.51.100.7:47512",
     "198.51.100.7", 47512),
    ("Nov 24 03:14:07 gw haproxy[1]: 198.51.100.7:33224 [24/Nov/2026:03:14:07.110] www www/<NOSRV> "
     "0/-1/-1/-1/0 401 248 - - PR-- 0/0/0/0/0 0/0 \"GET / HTTP/1.1\"", "198.51.100.7", 33224),
    ("Nov 24 03:14:07 vpn openvpn[1]: 198.51.100.7:1194 TLS Error: TLS handshake failed",
     "198.51.100.7", 1194),
    ("Nov 24 03:14:07 ns named[1]: client @0x7f 198.51.100.7#53741 (example.com): query (cache) "
     "'example.com/A/IN' denied", "198.51.100.7", 53741),
    ("2026-11-24T03:14:07+0000 [cowrie.ssh.factory.CowrieSSHFactory] New connection: 198.51.100.7:39722 "
     "(203.0.113.10:2222) [session: abc123]", "198.51.100.7", 39722),
], ids=["dropbear", "haproxy", "openvpn", "named", "cowrie"])
def test_an_authentication_failure_gives_the_clients_source_port(line, src, port):
    assert ports_of(line) == {src: [port]}


def test_a_web_access_log_states_no_client_port():
    line = ('198.51.100.7 - - [24/Nov/2026:03:14:07 +0000] "GET /wp-login.php HTTP/1.1" 404 153 "-" '
            '"Mozilla/5.0"')
    outcome = parse_bytes(line.encode())
    assert [s.source_ports for s in outcome.offenders] == [[]]


# --- Windows events -----------------------------------------------------------------------------

EVENT = ('<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>'
         '<Provider Name="{provider}"/><EventID>{id}</EventID>'
         '<TimeCreated SystemTime="2026-11-24T03:14:07.000Z"/><Computer>srv</Computer></System>'
         '<EventData>{data}</EventData></Event>')


def windows_event(event_id: int, data: dict, provider="Microsoft-Windows-Security-Auditing") -> str:
    fields = "".join(f'<Data Name="{k}">{v}</Data>' for k, v in data.items())
    return EVENT.format(provider=provider, id=event_id, data=fields)


def test_a_4625_ipport_is_the_clients_source_port_and_zero_means_none():
    failed = {"IpAddress": "198.51.100.7", "IpPort": "50123", "LogonType": "3"}
    assert ports_of(windows_event(4625, failed)) == {"198.51.100.7": [50123]}
    assert ports_of(windows_event(4625, {**failed, "IpPort": "0"})) == {"198.51.100.7": []}


def test_an_rdp_client_address_with_a_port_gives_that_port():
    rdp = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS"
    assert ports_of(windows_event(131, {"ClientIP": "198.51.100.7:36160"}, rdp)) == {"198.51.100.7": [36160]}


def test_a_5157_block_gives_the_remote_sides_port_not_ours():
    blocked = {"Direction": "%%14592", "SourceAddress": "203.0.113.10", "SourcePort": "3389",
               "DestAddress": "198.51.100.7", "DestPort": "61000"}
    outcome = parse_bytes(windows_event(5157, blocked).encode())
    [summary] = list(outcome.offenders)
    assert summary.src == "198.51.100.7" and summary.source_ports == [61000] and summary.ports == {3389}


def evtx_expected_ports(path: Path, field: str) -> dict[str, list[int]]:
    """The first 16 distinct source ports per client, in record order, from the sample's truth."""
    truth = json.loads(Path(f"{path}.expected.json").read_text())
    found: dict[str, list[int]] = {}
    for event in sorted(truth["auth_events"], key=lambda e: e["record_id"]):
        if field == "IpPort":
            counted = event["event_id"] in (4625, 4771) or (
                event["event_id"] == 4768 and event.get("Status") not in ("0x0", "0"))
            ip, port = event["ip"], event.get("IpPort", "")
        else:
            counted = event["event_id"] == 131
            ip, _, port = event["ip"].rpartition(":")
        if counted and port.isdigit() and int(port) > 0:
            ports = found.setdefault(ip, [])
            if int(port) not in ports and len(ports) < MAX_SOURCE_PORTS:
                ports.append(int(port))
    return found


@pytest.mark.parametrize(("name", "field"), [
    ("kerberos_pwd_spray_4771.evtx", "IpPort"),
    ("ID131-RDP_brutforce_(no_user_info).evtx", "ClientIP"),
])
def test_the_evtx_samples_give_each_clients_first_source_ports(name, field):
    folder = sample_dir("evtx")
    expected = evtx_expected_ports(folder / name, field)
    outcome = parse_sample(folder / name)
    found = {s.src: s.source_ports for s in outcome.offenders if s.source_ports}
    assert expected and found == expected


# --- the aggregate ------------------------------------------------------------------------------

def test_an_offender_keeps_at_most_16_distinct_source_ports_in_the_order_first_seen():
    offenders = Offenders(ParseContext())
    for port in [7, 7, 3, 9, 3, *range(100, 130)]:
        offenders.add(Record(src=ATTACKER, kind=Kind.BLOCKED, src_port=port))
    offenders.add(Record(src=ATTACKER, kind=Kind.BLOCKED))  # no port: nothing added
    [row] = offenders.as_json()
    assert row["source_ports"] == [7, 3, 9, *range(100, 113)]
    assert len(row["source_ports"]) == MAX_SOURCE_PORTS == 16


def test_ports_of_allowed_traffic_are_dropped_once_the_source_turns_hostile():
    offenders = Offenders(ParseContext())
    offenders.add(Record(src=ATTACKER, kind=Kind.SEEN, src_port=1111))
    offenders.add(Record(src=ATTACKER, kind=Kind.BLOCKED, src_port=2222))
    offenders.add(Record(src=ATTACKER, kind=Kind.SEEN, src_port=3333))
    assert offenders.as_json()[0]["source_ports"] == [2222]


# --- stored on the sighting and the offender ----------------------------------------------------

SSHD = (
    b"Nov 24 03:14:01 gw sshd[101]: Failed password for root from 45.13.7.9 port 4001 ssh2\n"
    b"Nov 24 03:14:02 gw sshd[102]: Failed password for root from 45.13.7.9 port 4002 ssh2\n"
    b"Nov 24 03:14:03 gw sshd[103]: Failed password for root from 45.13.7.9 port 4001 ssh2\n"
)
SSHD_LATER = b"Nov 24 04:00:00 gw sshd[201]: Failed password for root from 45.13.7.9 port 4999 ssh2\n"


@pytest.mark.django_db
def test_parsing_an_uploaded_file_stores_the_source_ports_on_sighting_and_offender(responder):
    incident = an_incident(responder)
    later = an_evidence(incident, responder, content=SSHD_LATER, name="auth.log.2")
    first = an_evidence(incident, responder, content=SSHD, name="auth.log")
    evidence_parse(later.pk)
    evidence_parse(first.pk)
    offender = Offender.objects.get(source="45.13.7.9")
    assert Sighting.objects.get(offender=offender, evidence=first).source_ports == [4001, 4002]
    assert Sighting.objects.get(offender=offender, evidence=later).source_ports == [4999]
    # merged by first appearance: the earlier sighting's ports come first
    assert offender.source_ports == [4001, 4002, 4999]


def test_the_command_line_json_lists_the_source_ports(tmp_path, capsys):
    path = tmp_path / "auth.log"
    path.write_bytes(SSHD)
    call_command("parse_evidence", str(path), "--json")
    result = json.loads(capsys.readouterr().out)
    [offender] = result["offenders"]
    assert offender["source_ports"] == [4001, 4002]
    assert {"ip", "count", "first_seen", "last_seen", "ports", "targets", "kinds", "signatures",
            "rate_per_minute", "excluded"} <= set(offender)
