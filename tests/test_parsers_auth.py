"""Authentication-failure formats (incidents/parsers/formats/auth.py).

The acceptance test reads fail2ban's own annotated samples (shared/data/logs_fail2ban) through the
whole registry; the unit tests below feed the auth formats single lines the way the registry does.
No database is needed.
"""
# ruff: noqa: E501  (log lines are quoted whole, as the daemons write them)

import json
import re
from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from incidents.parsers import Kind, ParseContext, Record, aggregate
from incidents.parsers.addresses import normalise
from incidents.parsers.formats import auth
from tests.parsing_support import parse_sample, recall_precision, sample_dir, samples

# fail2ban's test suite pins "now" to TEST_NOW = 2005-08-14 10:00 UTC and runs in Europe/Zurich:
# the 'time' of each annotation is wall-clock time there (an RFC 5424 stamp at 17:40:16-04:00 is
# annotated 23:40:16), so the samples are read with that zone.
TEST_NOW = datetime.fromtimestamp(1124013600, UTC)
ZURICH = ZoneInfo("Europe/Zurich")
LOGS = samples("logs_fail2ban", "*.log")


def norm_host(host: str) -> str:
    return normalise(host) or host.lower()


def default_mode(entry: dict) -> bool:
    """Whether fail2ban checks this sample line with its filter's default mode.

    A sample file switches option sets with '# filterOptions:'; 'matched_lines_per_host_default_mode'
    counts the lines checked under the default mode (no 'mode', or mode 'normal'), whatever the
    log type (journal, rfc5424, syslog logging). The other lines are annotated only for other jails
    (sshd ddos/extra/aggressive, postfix auth/errors/ddos, nginx fallback...) and carry no truth for
    the default mode; several of them repeat a default-mode line word for word (nginx line 49 is
    line 4 again, postfix line 85 is line 77), which no line parser could count differently.
    """
    return any(o["applies"] and o["options"].get("mode", "normal") == "normal"
               for o in entry["option_sets"])


@pytest.fixture
def recorded(monkeypatch):
    """Every record the registry hands to the aggregation (line by line or through a lane), with
    its line number."""
    seen: list[Record] = []
    add_row, add_rows = aggregate.Offenders.add_row, aggregate.Offenders.add_rows

    def spy(self, src, at, kind, dst, dst_port, signature, location, sport):
        add_row(self, src, at, kind, dst, dst_port, signature, location, sport)
        seen.append(Record(src, at, kind, dst, dst_port, signature, location, sport))

    def spy_rows(self, rows):
        add_rows(self, rows)
        seen.extend(Record(*row) for row in rows)

    monkeypatch.setattr(aggregate.Offenders, "add_row", spy)
    monkeypatch.setattr(aggregate.Offenders, "add_rows", spy_rows)
    return seen


def test_the_default_mode_counts_in_the_truth_are_exactly_those_of_the_default_mode_lines():
    sample_dir("logs_fail2ban")
    assert LOGS
    for log in LOGS:
        truth = json.loads(log.with_suffix(".expected.json").read_text())
        counted = Counter(e["host"] for e in truth["entries"]
                          if e["match"] and e.get("host") and default_mode(e))
        assert dict(counted) == truth["matched_lines_per_host_default_mode"], log.name


@pytest.mark.parametrize("log", LOGS or [None], ids=lambda p: p.stem if p else "no-data")
def test_each_fail2ban_sample_yields_every_attacker_with_exactly_the_expected_count(log, recorded):
    sample_dir("logs_fail2ban")  # skips (or fails under CI) when the sample data is absent
    truth = json.loads(log.with_suffix(".expected.json").read_text())
    entries = {e["line_no"]: e for e in truth["entries"]}
    outcome = parse_sample(log, tz="Europe/Zurich", reference=TEST_NOW)
    assert outcome.errors == []

    in_scope = [r for r in recorded
                if r.location not in entries or default_mode(entries[r.location])]
    expected_pairs = {(n, norm_host(e["host"])) for n, e in entries.items()
                      if e["match"] and e.get("host") and default_mode(e)}
    # A multi-line failure whose address fail2ban does not annotate (sshd line 173: "Too many
    # authentication failures" of a connection named two lines earlier) may carry one: it is a
    # failure line, so an address there is not a false positive; it is just not scored.
    unscored = {n for n, e in entries.items() if e["match"] and not e.get("host")}
    found_pairs = {(r.location, r.src) for r in in_scope if r.location not in unscored}
    recall, precision = recall_precision(log.stem, expected_pairs, found_pairs)

    not_failures = sorted((r.location, r.src) for r in in_scope
                          if r.location not in entries or not entries[r.location]["match"])
    assert not_failures == [], "addresses taken from lines that are not failures"
    assert recall == 1.0, sorted(expected_pairs - found_pairs)
    assert precision == 1.0, sorted(found_pairs - expected_pairs)

    found = Counter(r.src for r in in_scope)
    for host, count in truth["matched_lines_per_host_default_mode"].items():
        assert found[norm_host(host)] == count, host

    # Times: the samples jump back and forth across years, and a year-less syslog stamp gets the
    # year of a chronological log (the next one after a jump back of more than 180 days), so
    # month, day and time are compared here; the year is the subject of the unit tests below.
    # The cowrie truth was written from its JSON's UTC stamps, not by fail2ban's Zurich harness.
    zone = UTC if log.stem == "cowrie" else ZURICH
    for record in in_scope:
        entry = entries.get(record.location)
        if not entry or not entry.get("time") or not entry.get("host"):
            continue
        want = [int(x) for x in re.findall(r"\d+", entry["time"])[1:6]]
        at = record.at.astimezone(zone)
        assert [at.month, at.day, at.hour, at.minute, at.second] == want, record.location


# ---------------------------------------------------------------------------------------------
# Unit tests: the auth formats alone, line by line as the registry tries them
# ---------------------------------------------------------------------------------------------

REFERENCE = datetime(2024, 6, 30, 12, tzinfo=UTC)


def parse_lines(text: str, *, tz: str = "UTC", reference: datetime = REFERENCE) -> list[Record]:
    ctx = ParseContext(tz=ZoneInfo(tz), reference=reference)
    records = []
    for number, line in enumerate(text.strip("\n").splitlines(), 1):
        for fmt in auth.FORMATS:
            if not fmt.wants(line):
                continue
            found = fmt.parse_line(line.strip(), ctx)
            if found is None:
                continue
            for record in [found] if isinstance(found, Record) else found:
                record.location = number
                records.append(record)
            break
    return records


def sources(text: str, **kwargs) -> list[tuple[int, str]]:
    return [(r.location, r.src) for r in parse_lines(text, **kwargs)]


def test_sshd_failed_password_and_invalid_user_lines_count_with_the_client_address():
    records = parse_lines("""
        Jun 28 10:00:01 web1 sshd[1000]: Invalid user admin from 203.0.113.7 port 40001
        Jun 28 10:00:03 web1 sshd[1000]: Failed password for invalid user admin from 203.0.113.7 port 40001 ssh2
        Jun 28 10:00:05 web1 sshd[1001]: Failed password for root from 203.0.113.8 port 40002 ssh2
        Jun 28 10:00:06 web1 sshd[1002]: Failed keyboard-interactive/pam for invalid user x from 203.0.113.9 port 1 ssh2
        Jun 28 10:00:07 web1 sshd[1003]: User root from 203.0.113.10 not allowed because listed in DenyUsers
    """)
    assert [(r.location, r.src) for r in records] == [
        (1, "203.0.113.7"), (2, "203.0.113.7"), (3, "203.0.113.8"), (4, "203.0.113.9"),
        (5, "203.0.113.10")]
    assert {r.kind for r in records} == {Kind.FAILED_LOGIN}
    assert records[0].signature == "sshd: invalid user"
    assert records[1].signature == "sshd: failed password for invalid user"
    assert records[0].dst == "web1"
    assert records[0].at == datetime(2024, 6, 28, 10, 0, 1, tzinfo=UTC)


def test_an_sshd_message_behind_a_kernel_uptime_stamp_is_read_like_any_other():
    records = parse_lines("""
        Jun 28 10:00:01 web1 sshd[1000]: kernel:[  970.699396]: Failed keyboard-interactive for <invalid username> from 203.0.113.7 port 42742 ssh2
        Jun 28 10:00:02 web1 sshd[1001]: kernel: [  970.699397] Failed password for root from 203.0.113.8 port 42745 ssh2
        Jun 28 10:00:03 web1 sshd[1002]: kernel: Failed password for root from 203.0.113.9 port 42745 ssh2
    """)
    assert [(r.location, r.src, r.signature) for r in records] == [
        (1, "203.0.113.7", "sshd: failed keyboard-interactive"), (2, "203.0.113.8", "sshd: failed password")]


def test_an_address_planted_in_the_user_name_or_auth_info_loses_to_the_real_one():
    assert sources("""
        Nov 11 08:04:51 h sshd[2737]: Failed password for invalid user from 10.10.1.1 from 198.51.100.1 port 58946 ssh2
        Nov 11 08:04:52 h sshd[2737]: Failed password for invalid user test from 10.10.1.2 port 55555 ssh2 from 198.51.100.2 port 58946 ssh2
        Nov 11 08:04:52 h sshd[2737]: Failed password for invalid user test from 198.51.100.3 port 58946 ssh2: from 10.10.1.2 port 55555 ssh2
        Nov 11 08:04:53 h sshd[2738]: Failed password for user from 198.51.100.4 port 20000 ssh1: ruser from 1.2.3.4
        Nov 11 08:04:54 h sshd[2739]: Invalid user x from 10.0.0.9 from 198.51.100.5
        Jul 19 18:11:50 srv2 daemon: pam_unix(auth): authentication failure; logname= uid=0 euid=0 tty=x ruser=test rhost=10.0.0.1 rhost=198.51.100.6
        Jul 19 18:11:52 srv2 daemon: pam_unix(auth): authentication failure; logname= uid=0 euid=0 tty=x ruser= rhost=198.51.100.7 user=test rhost=10.0.0.2
    """) == [(1, "198.51.100.1"), (2, "198.51.100.2"), (3, "198.51.100.3"), (4, "198.51.100.4"),
             (5, "198.51.100.5"), (6, "198.51.100.6"), (7, "198.51.100.7")]


def test_ipv6_ipv4_mapped_zero_padded_and_host_name_clients_are_normalised():
    assert sources("""
        Feb 25 14:34:10 belka sshd[31603]: Failed password for invalid user ROOT from aaaa:bbbb:cccc:1234::1:1 port 50273 ssh2
        Jan  5 01:31:41 www sshd[1643]: ROOT LOGIN REFUSED FROM ::ffff:1.2.3.4 port 12345 [preauth]
        Jun 21 16:47:48 digital sshd[13709]: error: PAM: Authentication failure for myhlj1374 from 192.030.0.6
        May 29 20:56:52 imago sshd[28732]: error: PAM: Authentication failure for stefanor from Example.COM
        Jan  2 01:18:41 host sshd[11808]: error: Received disconnect from 2001:db8::5: 3: com.jcraft.jsch.JSchException: Auth fail [preauth]
    """) == [(1, "aaaa:bbbb:cccc:1234::1:1"), (2, "1.2.3.4"), (3, "192.30.0.6"), (4, "example.com"),
             (5, "2001:db8::5")]


def test_preauth_failures_without_an_address_take_it_from_the_same_connection():
    records = parse_lines("""
        Feb 12 04:09:18 h sshd[26713]: Connection from 198.51.100.77 port 51353 on 192.0.2.250 port 22
        Feb 12 04:09:21 h sshd[26713]: Disconnecting: Too many authentication failures for root [preauth]
        Nov 23 21:50:19 h sshd[8148]: Disconnecting: Too many authentication failures for root [preauth]
        Nov 23 21:50:37 h sshd[7148]: Connection closed by 198.51.100.90 [preauth]
        Nov 23 21:50:37 h sshd[8148]: Connection closed by 198.51.100.91 [preauth]
        Apr 24 01:39:19 h sshd[3719]: User root not allowed because account is locked
        Apr 24 01:39:19 h sshd[3719]: input_userauth_request: invalid user root [preauth]
        Apr 24 01:39:19 h sshd[3719]: Received disconnect from 198.51.100.34: 11: Bye Bye [preauth]
    """, reference=datetime(2024, 12, 31, tzinfo=UTC))
    assert [(r.location, r.src) for r in records] == [
        (2, "198.51.100.77"), (5, "198.51.100.91"), (8, "198.51.100.34")]
    assert (records[0].dst, records[0].dst_port) == ("192.0.2.250", 22)
    assert records[2].signature == "sshd: login to a locked account"


def test_probes_counted_only_by_fail2bans_ddos_and_extra_modes_are_not_failures():
    assert sources("""
        Jun  7 01:10:56 host sshd[5937]: Did not receive identification string from 69.61.56.114
        Jun  7 01:11:58 host sshd[8783]: Bad protocol version identification 'dummy' from 69.61.56.115 port 31778
        Mar 15 09:21:01 host sshd[2717]: Connection closed by 192.0.2.212 [preauth]
        Mar 15 09:20:57 host sshd[28972]: Connection reset by 192.0.2.39 port 14282 [preauth]
        Feb 17 17:40:17 host sshd[19725]: error: kex_exchange_identification: Connection closed by remote host
        Nov 26 13:03:29 srv sshd[45]: Unable to negotiate with 192.0.2.1 port 55419: no matching cipher found.
        Oct 15 19:51:35 server sshd[7592]: Address 1.2.3.4 maps to x.example.com, but this does not map back to the address - POSSIBLE BREAK-IN ATTEMPT!
    """) == []



def test_a_client_that_says_bye_bye_before_authenticating_is_a_scan_counted_once_per_connection():
    records = parse_lines("""
        Oct  3 07:12:40 gw sshd[9101]: Connection from 203.0.113.41 port 40112 on 192.0.2.10 port 22
        Oct  3 07:12:40 gw sshd[9101]: Received disconnect from 203.0.113.41 port 40112:11: Bye Bye [preauth]
        Oct  3 07:13:02 gw sshd[9102]: Received disconnect from 203.0.113.42: 11: Bye Bye [preauth]
        Oct  3 07:14:10 gw sshd[9103]: Failed password for admin from 203.0.113.43 port 51000 ssh2
        Oct  3 07:14:12 gw sshd[9103]: Received disconnect from 203.0.113.43 port 51000:11: Bye Bye [preauth]
        Oct  3 07:15:30 gw sshd[9104]: Accepted password for ops from 198.51.100.7 port 50022 ssh2
        Oct  3 07:19:31 gw sshd[9104]: Received disconnect from 198.51.100.7 port 50022:11: Bye Bye
        Oct  3 07:20:05 gw sshd[9105]: Received disconnect from 203.0.113.45 port 40900:11: disconnected by user [preauth]
        Oct  3 07:21:44 gw sshd[9106]: Disconnected from authenticating user root 203.0.113.46 port 35000 [preauth]
    """)
    assert [(r.location, r.src, r.kind) for r in records] == [
        (2, "203.0.113.41", Kind.SCAN), (3, "203.0.113.42", Kind.SCAN), (4, "203.0.113.43", Kind.FAILED_LOGIN)]
    assert (records[0].dst, records[0].dst_port, records[0].src_port) == ("192.0.2.10", 22, 40112)


def test_successful_logins_and_what_follows_them_are_never_counted():
    assert sources("""
        Mar  7 18:53:20 bar sshd[1556]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.113  user=rda
        Mar  7 18:53:20 bar sshd[1556]: Accepted password for rda from 192.0.2.113 port 52100 ssh2
        Mar  7 18:53:20 bar sshd[1556]: pam_unix(sshd:session): session opened for user rda by (uid=0)
        Mar  7 18:53:21 bar sshd[1556]: Received disconnect from 192.0.2.113 port 52100:11: disconnected by user
        Mar  7 18:53:21 bar sshd[1556]: Disconnected from user rda 192.0.2.113 port 52100
        Nov 28 09:16:03 srv sshd[32307]: Failed publickey for git from 192.0.2.1 port 57904 ssh2: RSA 04:bc:xx
        Nov 28 09:16:03 srv sshd[32307]: Accepted publickey for git from 192.0.2.1 port 57904 ssh2: DSA 36:48:xx
        Nov 28 09:16:04 srv sshd[32307]: Connection closed by 192.0.2.1
        Jan 14 15:54:33 mail dovecot: imap-login: Login: user=<x@example.com>, method=PLAIN, rip=192.0.2.9, lip=192.0.2.100
        Feb  1 00:00:00 f vsftpd[1]: [ftp] OK LOGIN: Client "192.0.2.5", anon password "?"
        Apr 12 02:24:12 mx postfix/smtpd[42]: disconnect from a.example[192.0.2.8] ehlo=1 auth=1 quit=1 commands=3
    """) == []


def test_public_key_probing_counts_for_an_invalid_user_but_not_for_a_valid_one():
    assert sources("""
        Jul 05 18:22:44 m sshd[4669]: Failed publickey for invalid user graysky from 192.0.2.60 port 37954 ssh2: RSA SHA256:v3dp
        Jul 05 18:22:45 m sshd[4670]: Failed publickey for git from 192.0.2.61 port 37955 ssh2: RSA SHA256:v3dp
    """) == [(1, "192.0.2.60")]


def test_a_connection_that_tries_a_second_user_name_counts_from_then_on():
    # fail2ban's rule (its samples annotate these): several accounts in one connection is an attack,
    # even when the last of them logs in.
    assert sources("""
        Mar  7 18:53:22 bar sshd[1558]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser=root rhost=192.0.2.114
        Mar  7 18:53:23 bar sshd[1558]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser=sudoer rhost=192.0.2.114
        Mar  7 18:53:24 bar sshd[1558]: Accepted password for known from 192.0.2.114 port 52100 ssh2
        Mar  7 18:53:30 bar sshd[1558]: Connection closed by 192.0.2.114
    """) == [(2, "192.0.2.114"), (3, "192.0.2.114")]


def test_rfc5424_journald_and_iso_prefixes_are_read_with_their_zone():
    records = parse_lines("""
        <38>1 2019-07-08T17:40:16.954167-04:00 h.example.com sshd 57915 - - Failed unknown for invalid user r from 192.0.2.1 port 59197 ssh2
        <38>1 2019-07-08T17:40:17-04:00 h.example.com sshd 55555 - [timeQuality tzKnown="1"][x@1 t="[b]"] Failed password for r from 192.0.2.2 port 1 ssh2
        2023-01-05T10:00:00+0100 h sshd[12]: Invalid user a from 192.0.2.3 port 2
        Thu 2023-01-05 10:00:01 UTC h sshd[13]: Invalid user a from 192.0.2.4 port 2
        2023-01-05 10:00:02 h sshd[14]: Invalid user a from 192.0.2.5 port 2
        h sshd-session[15]: Invalid user a from 192.0.2.6 port 2
    """, tz="Europe/Zurich")
    assert [(r.src, r.at) for r in records] == [
        ("192.0.2.1", datetime(2019, 7, 8, 21, 40, 16, 954167, tzinfo=UTC)),
        ("192.0.2.2", datetime(2019, 7, 8, 21, 40, 17, tzinfo=UTC)),
        ("192.0.2.3", datetime(2023, 1, 5, 9, 0, 0, tzinfo=UTC)),
        ("192.0.2.4", datetime(2023, 1, 5, 10, 0, 1, tzinfo=UTC)),
        ("192.0.2.5", datetime(2023, 1, 5, 9, 0, 2, tzinfo=UTC)),  # no zone: Zurich wall clock
        ("192.0.2.6", None),  # journald's bare "host unit[pid]: message" has no time
    ]
    assert records[0].dst == "h.example.com"


def test_a_line_syslog_reports_as_repeated_counts_as_often_as_it_was_repeated():
    assert sources("""
        Jun 28 10:00:01 web1 sshd[1000]: message repeated 3 times: [ Failed password for root from 203.0.113.7 port 40001 ssh2]
        Jun 28 10:00:02 web1 sshd[1000]: message repeated 2 times: [ Accepted password for root from 203.0.113.7 port 40001 ssh2]
    """) == [(1, "203.0.113.7")] * 3


def test_dropbear_password_failures_count_but_its_disconnects_do_not():
    assert sources("""
        Jun 28 10:00:00 gw dropbear[123]: Bad password attempt for 'root' from 192.0.2.1:5678
        Jun 28 10:00:01 gw authpriv.info dropbear[123]: Login attempt for nonexistent user from ::ffff:192.0.2.2:5678
        Jun 28 10:00:02 gw dropbear[123]: Exit before auth from <192.0.2.3:5678>: Exited normally
        Jun 28 10:00:03 gw dropbear[825]: [825] Jun 28 10:00:03 Bad password attempt for 'root' from 192.0.2.4:52
        Bad PAM password attempt for 'foobar' from 192.0.2.5:49242
        Exit (root): Disconnect received
        Jun 28 10:00:04 gw other[1]: Bad password attempt for 'root' from 192.0.2.6:52
    """) == [(1, "192.0.2.1"), (2, "192.0.2.2"), (4, "192.0.2.4"), (5, "192.0.2.5")]


def test_journal_json_entries_are_read_like_the_syslog_lines_they_stand_for():
    records = parse_lines("""
        {"__REALTIME_TIMESTAMP":"1700000000123456","_HOSTNAME":"web1","SYSLOG_IDENTIFIER":"sshd","_PID":"42","MESSAGE":"Invalid user bob from 198.51.100.3 port 5555"}
        {"__REALTIME_TIMESTAMP":"1700000001000000","_HOSTNAME":"ns1","SYSLOG_IDENTIFIER":"named","_PID":"7","MESSAGE":"client @0x7f 198.51.100.4#53 (x.example): query (cache) 'x.example/A/IN' denied"}
        {"__REALTIME_TIMESTAMP":"1700000002000000","_HOSTNAME":"web1","SYSLOG_IDENTIFIER":"sshd","_PID":"43","MESSAGE":"Accepted publickey for bob from 198.51.100.5 port 5556 ssh2"}
    """)
    assert [(r.location, r.src, r.dst, r.at) for r in records] == [
        (1, "198.51.100.3", "web1", datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=UTC)),
        (2, "198.51.100.4", "ns1", datetime(2023, 11, 14, 22, 13, 21, tzinfo=UTC))]


def test_syslog_times_across_new_year_keep_increasing():
    records = parse_lines("""
        Dec 31 23:59:58 h sshd[1]: Invalid user a from 192.0.2.1 port 1
        Dec 31 23:59:59 h sshd[2]: Invalid user b from 192.0.2.1 port 2
        Jan  1 00:00:01 h sshd[3]: Invalid user c from 192.0.2.1 port 3
        Jan  1 00:00:02 h sshd[4]: Invalid user d from 192.0.2.1 port 4
    """, reference=datetime(2024, 1, 1, 12, tzinfo=UTC))
    times = [r.at for r in records]
    assert times == sorted(times) and len(set(times)) == 4
    assert times[0] == datetime(2023, 12, 31, 23, 59, 58, tzinfo=UTC)
    assert times[-1] == datetime(2024, 1, 1, 0, 0, 2, tzinfo=UTC)


def test_a_line_written_before_new_year_and_logged_after_it_keeps_its_year_and_the_next_year_stays():
    # a log host merging several hosts' lines: one from before midnight arrives after one from after
    records = parse_lines("""
        Dec 31 23:59:58 a sshd[1]: Invalid user a from 192.0.2.1 port 1
        Jan  1 00:00:01 b sshd[2]: Invalid user b from 192.0.2.1 port 2
        Dec 31 23:59:59 a sshd[3]: Invalid user c from 192.0.2.1 port 3
        Jan  1 00:00:02 b sshd[4]: Invalid user d from 192.0.2.1 port 4
        Jan  2 00:00:00 b sshd[5]: Invalid user e from 192.0.2.1 port 5
    """, reference=datetime(2024, 1, 3, tzinfo=UTC))
    assert [r.at.year for r in records] == [2023, 2024, 2023, 2024, 2024]


def test_a_gap_of_more_than_half_a_year_forward_stays_in_the_same_year():
    records = parse_lines("""
        Jan  5 10:00:00 a sshd[1]: Invalid user a from 192.0.2.1 port 1
        Aug  1 10:00:00 a sshd[2]: Invalid user b from 192.0.2.1 port 2
    """, reference=datetime(2024, 9, 1, tzinfo=UTC))
    assert [r.at for r in records] == [datetime(2024, 1, 5, 10, tzinfo=UTC), datetime(2024, 8, 1, 10, tzinfo=UTC)]


def test_29_february_after_new_year_into_a_common_year_has_no_time_and_moves_no_year():
    records = parse_lines("""
        Oct  1 10:00:00 a sshd[1]: Invalid user a from 192.0.2.1 port 1
        Feb 29 10:00:00 a sshd[2]: Invalid user b from 192.0.2.1 port 2
        Mar  1 10:00:00 a sshd[3]: Invalid user c from 192.0.2.1 port 3
    """, reference=datetime(2024, 10, 2, tzinfo=UTC))
    assert [r.at for r in records] == [datetime(2024, 10, 1, 10, tzinfo=UTC), None,
                                       datetime(2025, 3, 1, 10, tzinfo=UTC)]


def test_a_yearless_stamp_is_placed_no_later_than_the_reference():
    [record] = parse_lines("Nov 24 03:14:07 h sshd[1]: Invalid user a from 192.0.2.1 port 1",
                           reference=datetime(2024, 3, 1, tzinfo=UTC))
    assert record.at == datetime(2023, 11, 24, 3, 14, 7, tzinfo=UTC)


def test_pam_failures_need_a_remote_host():
    assert sources("""
        Jun 28 10:00:00 h su: pam_unix(su:auth): authentication failure; logname=bob uid=1000 euid=0 tty=pts/0 ruser=bob rhost=  user=root
        Jun 28 10:00:01 h sudo: pam_unix(sudo:auth): authentication failure; logname=bob uid=1000 euid=0 tty=/dev/pts/0 ruser=bob rhost=  user=bob
        Jun 28 10:00:02 h dovecot-auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=web rhost=198.51.100.30
        Jun 28 10:00:03 h pure-ftpd: (pam_unix) authentication failure; logname= uid=0 euid=0 tty=pure-ftpd ruser=u rhost=198.51.100.31
    """) == [(3, "198.51.100.30"), (4, "198.51.100.31")]


def test_mail_servers_sasl_and_smtp_auth_failures_count_but_not_their_own_outages():
    records = parse_lines("""
        Sep  6 00:44:56 mx postfix/submission/smtpd[11538]: warning: unknown[82.221.106.233]: SASL LOGIN authentication failed: UGFzc3dvcmQ6
        Aug  4 16:47:52 mx postfix/smtpd[31152]: warning: unknown[192.0.2.237]:55729: SASL login authentication failed: authentication failure
        Feb  3 08:29:28 mx postfix/smtpd[21022]: warning: unknown[1.1.1.1]: SASL LOGIN authentication failed: Connection lost to authentication server
        Jul 12 07:47:48 mx postfix/smtpd[8738]: NOQUEUE: reject: RCPT from x.example.com[192.0.2.40]: 554 5.7.1 <a@example.org>: Relay access denied; from=<a@b> to=<c@d> proto=SMTP
        Jul 12 07:47:49 mx postfix/smtpd[8738]: NOQUEUE: reject: RCPT from x.example.com[192.0.2.41]: 450 4.2.0 <a@example.org>: Recipient address rejected: Greylisted; from=<a@b>
        2014-12-02 03:00:23 auth_plain authenticator failed for (rom182) [193.254.202.35]:41556 I=[10.0.0.1]:25: 535 Incorrect authentication data (set_id=webmaster)
        2013-01-04 17:03:46 login authenticator failed for h.example ([192.168.2.33]) [24.106.174.74]: 535 Incorrect authentication data
        Jan 14 15:54:31 mx dovecot: imap-login: Disconnected: Connection closed (auth failed, 1 attempts in 2 secs): user=<x>, method=PLAIN, rip=192.0.2.7, lip=192.0.2.100, TLS
        Jan 14 15:54:30 mx dovecot: auth-worker(1234): sql(user@example.com,192.0.2.6,<Yx1pQ>): Password mismatch
        Jan 14 15:54:33 mx dovecot: pop3-login: Disconnected (no auth attempts in 0 secs): user=<>, rip=192.0.2.10, lip=192.0.2.100
    """)
    assert [(r.location, r.src) for r in records] == [
        (1, "82.221.106.233"), (2, "192.0.2.237"), (4, "192.0.2.40"), (6, "193.254.202.35"),
        (7, "24.106.174.74"), (8, "192.0.2.7"), (9, "192.0.2.6")]
    assert records[0].signature == "postfix: SASL LOGIN authentication failed"
    assert records[2].kind == Kind.BLOCKED
    assert (records[3].dst, records[3].dst_port) == ("10.0.0.1", 25)


def test_ftp_database_web_and_vpn_failures_take_the_structural_address():
    assert sources("""
        Jun 14 00:09:59 f proftpd[17839] f.example (::ffff:59.167.242.100[::ffff:59.167.242.100]): USER f proftpd[1] f (x[1.2.3.44]): no such user found from ::ffff:59.167.242.100 [::ffff:59.167.242.100] to ::ffff:113.212.99.194:21
        Thu Sep  8 00:39:49 2016 [pid 15019] [guest] FAIL LOGIN: Client "::ffff:192.0.2.1", "User is not in the allow user list."
        2019-01-03T08:50:04.634875Z 113 [Note] [MY-010926] [Server] Access denied for user 'root'@'192.0.2.11' (using password: NO)
        2016-02-24T15:26:18.237955 6 [Note] Access denied for user 'root'@'localhost' (using password: YES) trailing text
        [Sat Jun 01 02:17:42 2013] [error] [client 192.168.33.1] File does not exist: /x/[client 192.168.0.1] user root not found
        [Sat Jul 20 21:39:11.978080 2013] [auth_basic:error] [pid 1:tid 2] [client [2001:db8::80da]:51390] AH01617: user u: authentication failure for "/": Password Mismatch
        2014/04/03 22:20:40 [error] 30708#0: *3 user "t": password mismatch, client: 127.0.0.1, server: t, request: "GET / HTTP/1.1", host: "l"": was not found in "/e", client: 192.0.2.2, server: , request: "GET / HTTP/1.1", host: "l"
        Nov 14 22:45:11 t haproxy[760]: 2001:db8::1234:58430 [14/Nov/2015:22:45:11.608] main main/<NOSRV> -1/-1/-1/-1/0 401 248 - - PR-- 0/0/0/0/0 0/0 "GET / HTTP/1.1"
        Apr 25 11:19:22 o ovpn-server[13821]: 192.0.2.254:64480 TLS Auth Error: Auth Username/Password verification failed for peer
        Apr 25 11:19:23 o ovpn-server[13821]: alice/192.0.2.253:64480 SIGUSR1[soft,connection-reset] received, client-instance restarting
        Apr 25 11:19:24 o ovpn-server[13821]: 192.0.2.252:64481 SIGUSR1[soft,connection-reset] received, client-instance restarting
        2024-12-15 14:14:21 client1/192.0.2.251:54321 AUTH: Received control message: AUTH_FAILED
    """) == [(1, "59.167.242.100"), (2, "192.0.2.1"), (3, "192.0.2.11"), (6, "2001:db8::80da"),
             (7, "192.0.2.2"), (8, "2001:db8::1234"), (9, "192.0.2.254"), (11, "192.0.2.252"),
             (12, "192.0.2.251")]


def test_voip_dns_ban_portscan_and_honeypot_lines():
    records = parse_lines("""
        [2015-05-25 07:21:48] SECURITY[6988] res_security_log.c: SecurityEvent="InvalidAccountID",EventTV="x",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="7",SessionID="",LocalAddress="IPV4/UDP/127.0.0.1/5060",RemoteAddress="IPV4/UDP/5.6.7.8/1111"",LocalAddress="IPV4/UDP/192.0.2.100/5060",RemoteAddress="IPV4/UDP/10.250.251.252/5061"
        [2013-11-11 14:33:38] WARNING[12124][C-00000001] Ext. s: "Rejecting unknown SIP connection from [2001:db8::1]:5060"
        23-Aug-2013 18:41:28.090 client @0x7f7c95c76968 192.0.2.3#60683 (example.com): query (cache) 'example.com/A/IN' denied (allow-query-cache did not match)
        Jan 16 17:11:25 t fail2ban.actions[6605]: NOTICE [postfix-auth] Ban 192.0.2.20
        2006-02-13 15:52:30,388 fail2ban.actions: NOTICE [recidive] Ban 192.0.2.21
        2006-02-13 16:07:31,183 fail2ban.actions: NOTICE [sshd] Unban 192.0.2.20
        1403884279 - 06/27/2014 17:51:19 Host: 192.168.56.1/192.168.56.1 Port: 1 TCP Blocked
        Jun 27 17:51:20 h portsentry[99]: attackalert: SYN/Normal scan from host: scanner.example/198.51.100.9 to TCP port: 23
        {"src_ip":"203.0.113.9","src_port":52344,"dst_ip":"172.18.0.2","dst_port":23,"eventid":"cowrie.session.connect","protocol":"telnet","timestamp":"2026-08-13T00:05:00.000000Z"}
        {"src_ip":"203.0.113.9","eventid":"cowrie.login.failed","username":"root","timestamp":"2026-08-13T00:05:01Z"}
        2006-02-13 15:52:30,388 fail2ban.server.actions: NOTICE [sendmail] Ban 192.0.2.22
    """)
    assert [(r.location, r.src) for r in records] == [
        (1, "10.250.251.252"), (2, "2001:db8::1"), (3, "192.0.2.3"), (4, "192.0.2.20"),
        (7, "192.168.56.1"), (8, "198.51.100.9"), (9, "203.0.113.9"), (11, "192.0.2.22")]
    assert (records[0].dst, records[0].dst_port) == ("192.0.2.100", 5060)
    assert records[4].at == datetime(2014, 6, 27, 15, 51, 19, tzinfo=UTC)
    assert (records[6].kind, records[6].dst_port, records[6].at) == (
        Kind.SCAN, 23, datetime(2026, 8, 13, 0, 5, tzinfo=UTC))


def test_firewall_and_ids_lines_are_left_to_their_own_formats():
    lines = [
        "Feb 12 14:10:21 gw kernel: [UFW BLOCK] IN=eth0 OUT= MAC=00 SRC=198.51.100.1 DST=192.0.2.1 "
        "LEN=40 PROTO=TCP SPT=4000 DPT=22 WINDOW=1024 SYN URGP=0",
        "Jan  1 00:00:00 fw %ASA-4-106023: Deny tcp src outside:198.51.100.2/4444 dst inside:192.0.2.2/22 "
        'by access-group "outside" [0x0, 0x0]',
        "ASA-2-106001: Inbound TCP connection denied from 192.168.2.2/43803 to 10.10.10.10/14322 flags SYN",
        "01/01-00:00:00.000000  [**] [1:2001219:20] ET SCAN Potential SSH Scan [**] [Classification: "
        "Attempted Information Leak] [Priority: 2] {TCP} 198.51.100.3:4000 -> 192.0.2.3:22",
        '{"timestamp":"2024-01-01T00:00:00.000000+0000","event_type":"alert","src_ip":"198.51.100.4",'
        '"dest_port":22,"alert":{"signature":"ET SCAN sshd probe"}}',
        '203.0.113.5 - - [10/Oct/2023:13:55:36 +0000] "GET /wp-login.php HTTP/1.1" 401 0 "-" "curl"',
    ]
    ctx = ParseContext(reference=REFERENCE)
    for line in lines:
        for fmt in auth.FORMATS:
            if fmt.wants(line):
                assert fmt.parse_line(line, ctx) is None, (fmt.name, line)


def test_every_auth_format_has_a_distinct_name_and_keywords():
    names = [fmt.name for fmt in auth.FORMATS]
    assert len(names) == len(set(names))
    assert all(fmt.keywords for fmt in auth.FORMATS)


def test_macos_sshd_names_an_unknown_user_in_openpams_words():
    [record] = parse_lines("""
        2024-06-12 08:14:02.101010-0700  mac sshd[8101]: error: PAM: unknown user for illegal user nobody9 from 198.51.100.60
    """)
    assert (record.src, record.kind, record.signature) == ("198.51.100.60", Kind.FAILED_LOGIN, "sshd: unknown user (PAM)")
    assert record.at == datetime(2024, 6, 12, 15, 14, 2, 101010, tzinfo=UTC)


def test_bind_refusals_without_the_query_name_of_older_releases_are_read():
    [record] = parse_lines("""
        Jun 12 08:14:02 ns2 named[77]: client 198.51.100.61#40112: query (cache) denied
    """)
    assert (record.src, record.kind, record.signature, record.dst_port, record.src_port) == (
        "198.51.100.61", Kind.BLOCKED, "named: query denied", 53, 40112)
    assert record.at == datetime(2024, 6, 12, 8, 14, 2, tzinfo=UTC)


def test_apache_refuses_a_directory_by_rule_and_a_malformed_host_header():
    records = parse_lines("""
        [Wed Jun 12 08:14:02 2024] [error] [client 198.51.100.62] Directory index forbidden by rule: /srv/www/
        [Wed Jun 12 08:14:03 2024] [error] [client 198.51.100.63] Client sent malformed Host header
        [Wed Jun 12 08:14:04 2024] [error] [client 198.51.100.64] File does not exist: /srv/www/robots.txt
    """)
    assert [(r.location, r.src, r.kind, r.signature) for r in records] == [
        (1, "198.51.100.62", Kind.SCAN, "apache: directory listing refused"),
        (2, "198.51.100.63", Kind.SCAN, "apache: malformed request")]
    assert records[1].at == datetime(2024, 6, 12, 8, 14, 3, tzinfo=UTC)


def test_proftpd_connections_refused_by_its_rules_or_tcp_wrappers_are_blocked_clients():
    records = parse_lines("""
        Jun 12 08:14:02 ftp proftpd[15181]: ftp (probe.example[198.51.100.65]) - Connection from probe.example [198.51.100.65] denied.
        Jun 12 08:14:03 ftp proftpd[2344]: refused connect from probe2.example (198.51.100.66)
        Jun 12 08:14:04 ftp proftpd[2345]: ftp (ok.example[198.51.100.67]) - USER alice: Login successful.
    """)
    assert [(r.location, r.src, r.kind, r.signature, r.dst_port) for r in records] == [
        (1, "198.51.100.65", Kind.BLOCKED, "proftpd: connection denied", 21),
        (2, "198.51.100.66", Kind.BLOCKED, "proftpd: refused by tcp wrappers", 21)]
    assert records[1].at == datetime(2024, 6, 12, 8, 14, 3, tzinfo=UTC)
