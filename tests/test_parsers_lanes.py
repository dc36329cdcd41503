"""Lanes (``incidents/parsers/lanes.py``) give exactly what the line loop gives: the same offenders
with the same counts, times, ports, targets, signatures and line numbers, the same formats seen,
errors and line counts, whatever the lines and wherever the blocks end."""

import gzip
import io
import json
import random
import re
import zipfile
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.parsers import ParseContext, parse_stream, registry
from incidents.parsers import lanes as lanes_module
from incidents.parsers.formats import auth, firewall

from .parsing_support import sample_dir

REFERENCE = datetime(2024, 12, 31, 12, tzinfo=UTC)


def outcome(data: bytes, *, lanes: bool, tz: str = "UTC", fmt: str | None = None) -> dict:
    ctx = ParseContext(tz=ZoneInfo(tz), reference=REFERENCE, lanes=lanes)
    parsed = parse_stream(io.BytesIO(data), fmt=fmt, ctx=ctx)
    found = parsed.as_json()
    found["formats_seen"] = parsed.formats_seen
    found["errors_total"] = parsed.errors_total
    found["locations"] = {s.src: s.locations for s in parsed.offenders}
    return json.loads(json.dumps(found, default=str))


def assert_same(data: bytes, **kwargs) -> dict:
    slow, fast = outcome(data, lanes=False, **kwargs), outcome(data, lanes=True, **kwargs)
    assert fast == slow
    return fast


def lane_matches(text: str) -> dict[str, int]:
    reader = registry.LineReader(list(registry._LINE_FORMATS.values()), ParseContext())
    counts: dict[str, int] = {}
    for m in filter(None, map(reader.lanes.match, text.split("\n"))):
        name = f"{reader.lanes.lane_of[m.lastindex].prefix}lane"
        counts[name] = counts.get(name, 0) + 1
    return counts


# A day of a busy log host: every lane's layouts, their near misses, and lines of no lane.
SSH = [
    "Invalid user {user} from {ip} port {port}",
    "pam_unix(sshd:auth): check pass; user unknown",
    "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}",
    "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}  user=root",
    "Failed password for invalid user {user} from {ip} port {port} ssh2",
    "Failed password for root from {ip} port {port} ssh2",
    "Failed none for invalid user {user} from {ip} port {port} ssh2",
    "Failed publickey for root from {ip} port {port} ssh2",
    "Failed password for {user} from {ip} port {port} ssh2 [preauth]",
    "Received disconnect from {ip} port {port}:11: Bye Bye [preauth]",
    "Received disconnect from {ip} port {port}:3: com.jcraft.jsch.JSchException: Auth fail [preauth]",
    "Disconnected from invalid user {user} {ip} port {port} [preauth]",
    "Connection closed by authenticating user root {ip} port {port} [preauth]",
    "Connection closed by {ip} port {port} [preauth]",
    "error: maximum authentication attempts exceeded for root from {ip} port {port} ssh2 [preauth]",
    "Disconnecting authenticating user root {ip} port {port}: Too many authentication failures "
    "[preauth]",
    "PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}  user=root",
    "Accepted publickey for deploy from {ip} port {port} ssh2: ED25519 SHA256:abc",
    "banner exchange: Connection from {ip} port {port}: invalid format",
    "Connection from {ip} port {port} on 198.51.100.10 port 22",
    "message repeated 3 times: [ Failed password for root from {ip} port {port} ssh2]",
    "Invalid user a:b from {ip} port {port}",
]
KERNEL = [
    "[{up}] IPTABLES-DROP: IN=eth0 OUT= MAC=52:54:00:8a:1c:19:00:1b:21:3c:5d:7e:08:00 SRC={ip} "
    "DST={dst} LEN=44 TOS=0x00 PREC=0x00 TTL=245 ID=31538 PROTO=TCP SPT={port} DPT=22 WINDOW=1024 "
    "RES=0x00 SYN URGP=0",
    "[{up}] [UFW BLOCK] IN=ens3 OUT= MAC=52:54:00:8a:1c:19:00:1b:21:3c:5d:7e:08:00 SRC={ip} DST={dst} "
    "LEN=40 TOS=0x00 PREC=0x00 TTL=52 ID=5045 DF PROTO=UDP SPT={port} DPT=53 LEN=20",
    "[{up}] [UFW ALLOW] IN=ens3 OUT= MAC= SRC={ip} DST={dst} LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF "
    "PROTO=TCP SPT={port} DPT=443 WINDOW=64240 RES=0x00 SYN URGP=0",
    "[{up}] INPUT-ACCEPT: IN=eth0 OUT= SRC={ip} DST={dst} LEN=84 TOS=0x00 PREC=0x00 TTL=48 ID=9 DF "
    "PROTO=ICMP TYPE=8 CODE=0 ID=9435 SEQ=1",
    "[{up}] OUTPUT-DROP: IN= OUT=eth0 SRC={dst} DST={ip} LEN=44 TOS=0x00 PREC=0x00 TTL=64 ID=2 "
    "PROTO=TCP SPT=22 DPT={port} WINDOW=0 RES=0x00 ACK RST URGP=0",
    "[{up}] [WAN_LOCAL-default-D]IN=eth0 OUT= MAC=aa:bb SRC={ip} DST={dst} LEN=40 TOS=0x00 PREC=0x00 "
    "TTL=241 ID=54321 PROTO=TCP SPT={port} DPT=23 WINDOW=65535 RES=0x00 SYN URGP=0",
    "[{up}] drop wan in: IN=eth1 OUT= MAC=aa:bb SRC={ip} DST={dst} LEN=40 TOS=0x00 PREC=0x00 TTL=241 "
    "ID=54321 PROTO=TCP SPT={port} DPT=3389 WINDOW=65535 RES=0x00 SYN URGP=0",
    "[{up}] nft-drop: IN=eth1 OUT= SRC={ip} DST={dst} LEN=40 TOS=0x00 PREC=0x00 TTL=241 ID=1 "
    "PROTO=TCP SPT={port} DPT=8080 WINDOW=65535 RES=0x00 SYN URGP=0 DESCR=\"x\"",
    "[{up}] IN=eth0 OUT= SRC={ip} DST={dst} LEN=28 TOS=0x00 PREC=0x00 TTL=50 ID=7 PROTO=ICMP TYPE=3 "
    "CODE=3 [SRC={dst} DST={ip} LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=8 PROTO=UDP SPT=53 DPT={port} LEN=20 ]",
    "[{up}] EXT4-fs (vda1): re-mounted. Opts: errors=remount-ro.",
]
ASA = [
    "%ASA-4-106023: Deny tcp src outside:{ip}/{port} dst inside:{dst}/80 by access-group "
    "\"outside_access_in\" [0x0, 0x0]",
    "%ASA-4-106023: Deny icmp src outside:{ip} dst inside:{dst} (type 8, code 0) by access-group "
    "\"outside_access_in\" [0x0, 0x0]",
    "%ASA-4-106023: Deny udp src inside:{dst}/53 dst outside:{ip}/{port} by access-group \"in\" [0x0, 0x0]",
    "%ASA-4-106100: access-list outside_access_in denied tcp outside/{ip}({port}) -> inside/{dst}(445) "
    "hit-cnt 1 first hit [0xd9391667, 0x0]",
    "%ASA-6-106100: access-list outside_access_in permitted tcp outside/{ip}({port}) -> inside/{dst}(443) "
    "hit-cnt 1 first hit [0xd9391667, 0x0]",
    "%ASA-6-302013: Built inbound TCP connection 1200025 for outside:{ip}/{port} ({ip}/{port}) to "
    "inside:{dst}/25 ({dst}/25)",
    "%ASA-6-302014: Teardown TCP connection 1200025 for outside:{ip}/{port} to inside:{dst}/443 duration "
    "0:00:12 bytes 4471 TCP FINs",
    "%ASA-2-106001: Inbound TCP connection denied from {ip}/{port} to {dst}/22 flags SYN  on "
    "interface outside",
]
OTHER = [
    "CRON[{pid}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
    "login[{pid}]: pam_unix(login:auth): authentication failure; logname=LOGIN uid=0 euid=0 tty=tty1 "
    "ruser= rhost={ip}",
    "systemd[1]: Started certbot.service - Certbot.",
    "dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<a>, method=PLAIN, "
    "rip={ip}, lip={dst}, session=<x>",
]
ATTACKERS = ["203.0.113.7", "45.33.32.156", "185.220.101.4", "1.2.3.4", "001.002.003.004", "999.1.1.1",
             "10.0.0.9", "8.8.8.8"]


def _rfc3339(moment: datetime, rng: random.Random) -> str:
    """The stamp as rsyslog's RFC 3339 template writes it, and the variants other senders write."""
    fraction = rng.choice(("", ".123", f".{rng.randrange(10**6):06d}", ".123456789"))
    return f"{moment:%Y-%m-%dT%H:%M:%S}{fraction}" + rng.choice(("+01:00", "-05:00", "Z", "", "+00:00"))


def busy_log(lines: int, seed: int = 7, rfc3339: float = 0.0) -> bytes:
    """``rfc3339``: the share of lines stamped as RFC 3339 rather than BSD syslog."""
    rng = random.Random(seed)
    out = []
    moment = datetime(2024, 12, 30, 23, 58, 40)
    for n in range(lines):
        if rng.random() < 0.3:
            moment = moment.replace(second=(moment.second + 1) % 60) if moment.second < 59 else \
                moment.replace(minute=(moment.minute + 1) % 60, second=0)
        kind = rng.choices(("ssh", "kernel", "asa", "other"), (5, 3, 2, 1))[0]
        values = {"ip": rng.choice(ATTACKERS), "dst": rng.choice(("198.51.100.10", "192.168.1.2")),
                  "port": rng.randrange(1, 70000), "user": rng.choice(("root", "admin", "oracle", "x-y")),
                  "up": f"{812345 + n / 10:.6f}", "pid": 20000 + n // 6}
        stamp = f"{moment:%b} {moment.day:2d} {moment:%H:%M:%S}"
        if rng.random() < rfc3339:
            stamp = _rfc3339(moment, rng)
        host = rng.choice(("bastion", "fw1", "web1", "UTC", "2024"))
        if kind == "ssh":
            line = f"{stamp} {host} sshd[{20000 + n // 6}]: " + rng.choice(SSH).format(**values)
        elif kind == "kernel":
            line = f"{stamp} {host} kernel: " + rng.choice(KERNEL).format(**values)
        elif kind == "asa":
            year = f"{moment:%b} {moment.day:2d} 2024 {moment:%H:%M:%S}"
            head = f"{rng.choice((stamp, year))} asa01 {rng.choice(('', ': '))}"
            line = head + rng.choice(ASA).format(**values)
        else:
            line = f"{stamp} {host} " + rng.choice(OTHER).format(**values)
        out.append(line + rng.choice(("\n", "\n", "\n", "\r\n")))
    return "".join(out).encode()


def test_a_busy_log_of_every_layout_and_its_near_misses_reads_the_same_with_and_without_lanes():
    data = busy_log(6000)
    fast = assert_same(data, tz="Europe/Berlin")
    counts = lane_matches(data.decode())
    assert counts["ssh_lane"] > 1000 and counts["nf_lane"] > 500 and counts["asa_lane"] > 500
    assert fast["records"] == 6000 and len(fast["offenders"]) >= 6
    assert set(fast["formats_seen"]) >= {"sshd", "iptables", "ufw", "cisco-asa", "pam"}


@pytest.mark.parametrize("share", [1.0, 0.5])
def test_a_busy_log_with_rfc3339_stamps_reads_the_same_with_and_without_lanes(share, monkeypatch):
    made = []
    original = lanes_module.Lanes.__init__

    def spy(self, lanes):
        made.append(lanes)
        original(self, lanes)

    monkeypatch.setattr(lanes_module.Lanes, "__init__", spy)
    data = busy_log(6000, seed=11, rfc3339=share)
    fast = assert_same(data, tz="Europe/Berlin")
    counts = lane_matches(data.decode())
    assert counts["ssh_lane"] > 1000 and counts["nf_lane"] > 500 and counts["asa_lane"] > 500
    assert fast["records"] == 6000 and len(fast["offenders"]) >= 6
    # the lanes read those lines themselves: their RFC 3339 shapes agreed with the line loop
    by_prefix = {lane.prefix: lane for lane in made[-2]}  # the parse with lanes (the last is lane_matches')
    rfc3339 = {"ssh_": lambda key: key[-1] > 15, "nf_": lambda key: key[7] > 15,
               "asa_": lambda key: key[4] > 0}  # the stamp's length in each lane's shape key
    for prefix, stamped in rfc3339.items():
        shapes = [entry for key, entry in by_prefix[prefix].shapes.items() if stamped(key)]
        read = sum(entry[0] is not lanes_module.SLOW for entry in shapes)
        assert len(shapes) > 5 and read > len(shapes) / 2


def test_lines_across_block_ends_and_a_line_too_long_read_the_same_with_and_without_lanes(monkeypatch):
    monkeypatch.setattr(registry, "BLOCK_BYTES", 1000)  # many blocks, lines cut everywhere
    monkeypatch.setattr(registry, "MAX_LINE_BYTES", 1000)
    log = busy_log(800, seed=3)
    lines = log.split(b"\n")
    data = b"\n".join(lines[:300] + [b"x" * 2500] + lines[300:500] + [b""] * 3 + lines[500:])
    fast = assert_same(data)
    assert fast["errors"] == [{"at": 301, "error": "line longer than 0 KiB, skipped"}]
    assert fast["records"] == 804


def test_a_last_line_without_an_end_of_line_and_an_empty_file_read_the_same():
    line = busy_log(1).rstrip(b"\r\n")
    assert_same(busy_log(50) + line)
    assert assert_same(b"")["records"] == 0
    assert assert_same(b"\n\n")["records"] == 2


def test_compressed_and_zipped_logs_count_their_lines_across_members_the_same_way():
    one, two = busy_log(300, seed=1), busy_log(200, seed=2)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("auth.log", one)
        archive.writestr("kern.log", two)
    assert assert_same(buffer.getvalue())["records"] == 500
    assert assert_same(gzip.compress(one))["records"] == 300


@pytest.mark.parametrize("fmt", ["sshd", "iptables", "cisco-asa", "pam"])
def test_a_forced_format_reads_the_same_with_and_without_lanes(fmt):
    assert_same(busy_log(1500, seed=5), fmt=fmt)


_LANE_PATTERNS = {
    "kernel": firewall.NetfilterLane.pattern, "asa": firewall.AsaLane.pattern, "sshd": auth.SshdLane.pattern}


def _from_lane(name: str):
    # hypothesis draws lines the lane's own expression matches, with any host, prefix, user...
    return st.from_regex(re.compile(_LANE_PATTERNS[name], re.ASCII), fullmatch=True).filter(
        lambda s: "\n" not in s)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.filter_too_much])
@given(st.lists(st.one_of(_from_lane("kernel"), _from_lane("asa"), _from_lane("sshd"),
                          st.sampled_from(busy_log(40).decode().splitlines())), min_size=1, max_size=12))
def test_any_line_a_lane_matches_reads_as_the_line_loop_reads_it(lines):
    assert_same(("\n".join(lines) + "\n").encode("utf-8"), tz="America/New_York")


def test_a_shape_the_lane_would_read_wrongly_is_left_to_the_line_loop(monkeypatch):
    original = firewall.NetfilterLane.build

    def wrong(self, m, number, shape):  # a lane with a bug: every port off by one
        row = original(self, m, number, shape)
        return row if row is None else (*row[:4], (row[4] or 0) + 1, *row[5:])

    monkeypatch.setattr(firewall.NetfilterLane, "build", wrong)
    data = busy_log(2000, seed=11)
    assert_same(data)


@pytest.mark.parametrize("middle", [
    "Dec 30 23:58:40 2024 sshd[20000]: pam_unix(sshd:auth): check pass; user unknown",
    "Dec 30 23:58:40 2024 kernel: IN=eth0 OUT= SRC=203.0.113.9 DST=198.51.100.1 LEN=40 TOS=0x00 "
    "PREC=0x00 TTL=50 ID=1 PROTO=TCP SPT=5 DPT=22",
    "Dec 30 23:58:40 2024 asa01 %ASA-4-106023: Deny tcp src outside:203.0.113.9/5 dst inside:198.51.100.1/22 "
    'by access-group "in" [0x0, 0x0]',
])
def test_a_lane_reading_a_stamp_the_line_loop_reads_otherwise_leaves_year_inference_alone(middle):
    # the host "2024" makes a lane read "Dec 30 23:58:40" as a stamp without a year, and with it
    # the next line into the next year; the sshd line loop reads the year: only the line loop's
    # reading may move year inference (the lanes used to leave theirs behind)
    lines = ["Jan 1 00:00:00 gw sshd[1]: Failed password for root from 203.0.113.7 port 2 ssh2", middle,
             "Jan 1 00:00:05 gw kernel: IN=eth0 OUT= SRC=203.0.113.8 DST=198.51.100.1 LEN=40 TOS=0x00 "
             "PREC=0x00 TTL=50 ID=1 PROTO=TCP SPT=5 DPT=22"]
    found = assert_same(("\n".join(lines) + "\n").encode(), tz="America/New_York")
    assert {o["ip"] for o in found["offenders"]} >= {"203.0.113.7", "203.0.113.8"}


def lines_asked(monkeypatch) -> list[tuple[int, str]]:
    """(number, line) of each line the line loop is asked about (``LineReader.one``), from now on."""
    asked = []
    original = registry.LineReader.one

    def spy(self, line, number):
        asked.append((number, line))
        return original(self, line, number)

    monkeypatch.setattr(registry.LineReader, "one", spy)
    return asked


def test_a_known_shape_is_checked_again_every_recheck_lines(monkeypatch):
    monkeypatch.setattr(lanes_module, "RECHECK", 5)
    asked = lines_asked(monkeypatch)
    stamp = "Dec 30 23:58:40 fw1 kernel: "
    line = KERNEL[0].format(up="1.000000", ip="45.33.32.156", dst="198.51.100.10", port=4444)
    data = "".join(f"{stamp}{line}\n" for _ in range(20)).encode()
    fast = outcome(data, lanes=True)
    assert [number for number, _line in asked] == [1, 6, 11, 16]  # the first of the shape, then every fifth
    assert fast["offenders"][0]["count"] == 20 and fast["locations"]["45.33.32.156"] == list(range(1, 21))


def test_the_pam_line_of_sshd_is_sshds_even_after_another_services_pam_failure():
    data = (
        b"Nov 18 06:25:03 host1 login[77]: pam_unix(login:auth): authentication failure; logname=LOGIN "
        b"uid=0 euid=0 tty=tty1 ruser= rhost=1.2.3.4\n"
        b"Nov 18 06:25:04 bastion sshd[5]: pam_unix(sshd:auth): authentication failure; logname= uid=0 "
        b"euid=0 tty=ssh ruser= rhost=5.6.7.8\n")
    for lanes in (False, True):
        found = outcome(data, lanes=lanes)
        # sshd counts its PAM line only with the connection's "Failed password", never alone
        assert [o["ip"] for o in found["offenders"]] == ["1.2.3.4"]
        assert found["formats_seen"] == {"pam": 1, "sshd": 1}


def test_an_asa_built_connection_names_its_whole_target_address():
    data = (b"Nov 18 06:25:19 asa01 %ASA-6-302013: Built inbound TCP connection 1200025 for "
            b"outside:148.120.16.216/48430 (148.120.16.216/48430) to inside:198.51.100.20/25 "
            b"(198.51.100.20/25)\n")
    for lanes in (False, True):
        [found] = outcome(data, lanes=lanes)["offenders"]
        assert found["targets"] == ["198.51.100.20"] and found["ports"] == [25]


def test_lines_with_digits_or_letters_beyond_ascii_take_the_line_loop_and_read_the_same():
    lines = [
        "Nov 18 06:25:03 fw\u00e9 kernel: [812345.104829] IN=eth0 OUT= SRC=1.2.3.4 DST=198.51.100.10 "
        "LEN=44 TOS=0x00 PREC=0x00 TTL=245 ID=31538 PROTO=TCP SPT=45393 DPT=44\u0665 WINDOW=1024 RES=0x00 "
        "SYN URGP=0",
        "Nov 18 06:25:04 bastion sshd[5\u0662]: Failed password for root from 5.6.7.8 port 4\u0661 ssh2",
        "Nov 18 06:25:06 asa\u00e901 %ASA-4-106023: Deny tcp src outside:9.8.7.6/2968 "
        "dst inside:198.51.100.11/80 by access-group \"outside_access_in\" [0x0, 0x0]",
    ]
    ascii_lines = [line.translate(str.maketrans("\u00e9\u0661\u0662\u0665", "e125")) for line in lines]
    # the lanes' expression is compiled ASCII: these are left to the formats, their ASCII twins not
    assert lane_matches("\n".join(lines)) == {}
    assert lane_matches("\n".join(ascii_lines)) == {"nf_lane": 1, "ssh_lane": 1, "asa_lane": 1}
    found = assert_same("\n".join(lines).encode() + b"\n")
    assert "9.8.7.6" in {o["ip"] for o in found["offenders"]}


def test_every_real_log_sample_reads_the_same_with_and_without_lanes():
    folders = [sample_dir("logs_fail2ban"), sample_dir("firewall_ids")]
    files = [p for folder in folders for p in sorted(folder.rglob("*"))
             if p.is_file() and not p.name.endswith((".json", ".md"))]
    assert len(files) >= 20
    matched = 0
    for path in files:
        data = path.read_bytes()
        matched += sum(lane_matches(data.decode("utf-8", errors="replace")).values())
        slow = outcome(data, lanes=False, tz="Europe/Zurich")
        fast = outcome(data, lanes=True, tz="Europe/Zurich")
        assert fast == slow, path.name
    assert matched >= 80  # the lanes did read real lines


@pytest.mark.parametrize("odd", ["PROTO=TCP: SPT=5 DPT=22", "PROTO=TCP SPT=5 DPT=80x"])
def test_a_kernel_line_whose_protocol_or_port_token_runs_on_is_read_as_the_line_loop_reads_it(odd):
    # the shape (host, prefix, interfaces, protocol) is known from the lines before; the odd token
    # must not be read by the lane as if it ended where the lane's digits end
    base = ("Nov 18 06:25:0{} fw kernel: [1.0] DROP IN=eth0 OUT= SRC=203.0.113.{} DST=198.51.100.1 LEN=40 "
            "TOS=0x00 PREC=0x00 TTL=50 ID=1 {} WINDOW=1")
    lines = [base.format(n, n, "PROTO=TCP SPT=5 DPT=22") for n in range(5)] + [base.format(6, 6, odd)]
    assert_same(("\n".join(lines) + "\n").encode())


def test_a_kernel_line_with_a_source_port_but_no_destination_port_is_read_as_the_line_loop_reads_it():
    # "SPT=" alone and "SPT=5" alone make one shape (no port the expression reads); the format
    # reads the second one's port, so such lines are the line loop's, whatever their shape says
    base = ("Dec 30 10:00:0{} web1 kernel: [UFW BLOCK] IN=ens3 OUT= MAC= SRC=203.0.113.8 DST=198.51.100.2 "
            "LEN=40 TOS=0x00 PREC=0x00 TTL=52 ID=5045 DF PROTO=UDP {}")
    lines = [base.format(1, "SPT="), base.format(2, "SPT=5"), base.format(3, "SPT=6 LEN=20")]
    found = assert_same(("\n".join(lines) + "\n").encode())
    assert found["offenders"][0]["source_ports"] == [5, 6]


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(_MONTHS), st.integers(1, 31), st.booleans(), st.integers(0, 86399),
       st.text(alphabet="abcdef0123456789:.[]{}#\t ,;|\u00e9", max_size=60))
def test_formats_that_say_they_never_want_a_bsd_stamped_line_never_do(month, day, padded, second, rest):
    # the C engine passes over a stamped line with no keyword on their word (wants_bsd_syslog)
    stamp = f"{month} {day:02d}" if padded else f"{month} {day:>2}"
    line = f"{stamp} {second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d} {rest}"
    quiet = [f for f in registry._LINE_FORMATS.values() if not f.keywords and not f.wants_bsd_syslog]
    assert {f.name for f in quiet} >= {"address-list", "zeek", "iis-w3c"}
    assert [f.name for f in quiet if f.wants(line)] == []


@pytest.mark.parametrize("line", ["fe80::1", "  abcd:ef01::2 # scanner", "[2001:db8::1]", "Dead::beef",
                                  "a::1", "203.0.113.7", ":: 1"])
def test_the_address_list_still_wants_lines_that_start_with_an_address(line):
    assert registry._LINE_FORMATS["address-list"].wants(line)


@pytest.mark.parametrize("line", ["Dec  3 10:00:00 host x", "add 203.0.113.7", "feed me", "Bad"])
def test_the_address_list_does_not_want_a_word_made_of_hex_letters(line):
    assert not registry._LINE_FORMATS["address-list"].wants(line)


def test_a_kernel_line_whose_rest_holds_another_formats_message_is_read_as_the_line_loop_reads_it():
    # two lines run together (a lost end of line): the rest of a kernel line holds an ASA message,
    # which brings cisco-asa into the line loop's choice; a shape learnt from a plain line must not
    # read it
    head = ("Dec 30 23:35:{s} fw1 kernel: [813071.1] nft-drop: IN=eth1 OUT= SRC={src} DST=192.168.1.2 "
            "LEN=40 TOS=0x00 PREC=0x00 TTL=241 ID=1 PROTO=TCP SPT=2940 DPT=8080 WINDOW=65535 RES=0x00 SYN "
            "URGP=0 DESCR=")
    plain = head.format(s=35, src="185.220.101.4") + '"x"'
    asa = ('"a01 : %ASA-2-106001: Inbound TCP connection denied from 999.1.1.1/69683 to 198.51.100.1/22 '
           'flags SYN on interface outside"')
    joined = head.format(s=36, src="203.0.113.9") + asa
    found = assert_same(("\n".join([plain] * 3 + [joined] * 2 + [plain]) + "\n").encode())
    assert {o["ip"] for o in found["offenders"]} == {"185.220.101.4"}
    assert found["formats_seen"] == {"nftables": 4, "cisco-asa": 2}


def test_a_user_name_made_of_another_formats_keyword_reads_the_same_with_and_without_lanes():
    # an attacker writes the user names: none of the line loop's keywords (the sshd lane's user
    # names hold no space and no colon) makes another format claim the line
    layouts = ["Invalid user {u} from 203.0.113.{n} port 4{n}",
               "Failed password for invalid user {u} from 203.0.113.{n} port 4{n} ssh2",
               "Disconnected from invalid user {u} 203.0.113.{n} port 4{n} [preauth]",
               "Connection closed by authenticating user {u} 203.0.113.{n} port 4{n} [preauth]"]
    keywords = sorted({k.replace(" ", "_") for f in registry._LINE_FORMATS.values() for k in f.keywords})
    names = [k for k in keywords if ":" not in k and k.isascii() and not any(c.isspace() for c in k)]
    assert len(names) > 200
    lines = []
    for i, name in enumerate(names):  # each name after a connection whose user the lane has learnt
        for pid, user in ((1000 + 2 * i, "root"), (1001 + 2 * i, name)):
            head = f"Dec 30 10:{i // 60 % 60:02d}:{i % 60:02d} bastion sshd[{pid}]: "
            lines += [head + layout.format(u=user, n=i % 250 + 1) for layout in layouts]
    found = assert_same(("\n".join(lines) + "\n").encode())
    assert found["formats_seen"]["sshd"] == len(lines)
