"""The C engine (``incidents/parsers/_fastlane.c``): it reads the lanes' commonest lines itself,
takes turns with Python line by line, and must give exactly what the line loop gives."""

import io
import random
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.parsers import Kind, ParseContext, compiled, parse_stream, registry
from incidents.parsers.aggregate import OffenderSummary

from .test_parsers_lanes import _from_lane, assert_same, busy_log, lines_asked

pytestmark = pytest.mark.skipif(compiled.native() is None,
                                reason=f"the C engine is not built here: {compiled.status()}")


class _Counting:
    """The engine of a parse, counting the lines it reads itself and those it hands to Python."""

    def __init__(self, engine, match):
        self.engine, self.match, self.read, self.handed = engine, match, 0, 0

    def scan(self, chunk, pos, end, number, rows, names):
        found = self.engine.scan(chunk, pos, end, number, rows, names)
        self.read += found[1] - number
        self.handed += found[2] >= 0
        if not found[3]:  # "surely no lane's line": the lanes' expression must agree
            line = chunk[found[0]:found[2]].decode("utf-8", errors="replace")
            assert self.match(line) is None, line
        return found


@pytest.fixture
def engines(monkeypatch):
    made = []
    original = registry.LineReader.__init__

    def init(self, formats, ctx):
        original(self, formats, ctx)
        if self.fast is not None:
            self.fast = _Counting(self.fast, self.lanes.match)
            made.append(self.fast)

    monkeypatch.setattr(registry.LineReader, "__init__", init)
    return made


def test_the_engine_reads_most_lines_of_a_busy_log_itself_and_gives_what_the_line_loop_gives(engines):
    data = busy_log(6000, seed=5)
    found = assert_same(data)
    engine = engines[-1]
    lines = data.count(b"\n")
    # the busy log is full of near misses, lines of no lane and hosts named like years (their
    # shapes are the line loop's); the engine still reads a good share of it
    assert engine.read + engine.handed == lines
    assert engine.read > lines * 0.4, (engine.read, engine.handed)
    assert found["offenders"] and sum(o["count"] for o in found["offenders"]) > 1000


@pytest.mark.parametrize("tz", ["UTC", "Europe/Berlin", "America/New_York"])
def test_a_log_across_new_year_and_through_a_date_that_does_not_exist_reads_the_same_in_any_zone(tz, engines):
    # the engine infers years in C; a first stamp, 29 Feb of a common year, New Year and a line from
    # before it logged after it are the context's to answer, with the same state afterwards
    kernel = ("kernel: IN=eth0 OUT= SRC=203.0.113.{n} DST=198.51.100.1 LEN=40 TOS=0x00 PREC=0x00 TTL=50 ID=1 "
              "PROTO=TCP SPT=5{n} DPT=22")
    stamps = ["Dec 30 23:58:40", "Dec 31 23:59:59", "Dec 31 23:59:59", "Jan  1 00:00:01", "Dec 31 23:59:58",
              "Jan  1 00:00:02", "Feb 29 10:00:00", "Mar  1 10:00:00", "Mar  1 10:00:00", "Feb 28 09:00:00",
              "Mar  2 11:00:00"]
    lines = []
    for n, stamp in enumerate(stamps):
        lines.append(f"{stamp} fw1 {kernel.format(n=n % 3 + 1)}")
        lines.append(f"{stamp} gw sshd[{100 + n}]: Failed password for root from 192.0.2.{n % 2 + 1} port "
                     f"4{n} ssh2")
    data = ("\n".join(lines * 3) + "\n").encode()
    found = assert_same(data, tz=tz)
    firsts = {o["ip"]: o["first_seen"] for o in found["offenders"]}
    assert firsts["203.0.113.1"].startswith("2024-12-30") or tz != "UTC"
    assert min(firsts.values()) < "2025" < max(o["last_seen"] for o in found["offenders"])  # New Year
    assert engines[-1].read > 0


@pytest.mark.parametrize("tz", ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"])
def test_a_log_through_the_clock_changes_of_a_zone_reads_the_same_with_the_engine(tz, engines):
    # the engine converts wall clock to UTC in C with the zone's offset, asked once a minute (the
    # first and last second of it): through a gap, an overlap, a half-hour change and an odd offset
    kernel = ("kernel: IN=eth0 OUT= SRC=203.{n}.7 DST=198.51.100.1 LEN=40 TOS=0x00 PREC=0x00 TTL=50 ID=1 "
              "PROTO=TCP SPT=5 DPT=22")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    lines = []
    for start in (datetime(2024, 3, 31, 0, 50), datetime(2024, 10, 27, 0, 50), datetime(2024, 3, 10, 1, 10),
                  datetime(2024, 11, 3, 0, 10), datetime(2024, 4, 7, 1, 20), datetime(2024, 10, 6, 1, 20)):
        for step in range(0, 3 * 3600, 37):  # three hours, a line every 37 s
            at = start + timedelta(seconds=step)
            stamp = f"{months[at.month - 1]} {at.day:>2} {at:%H:%M:%S}"
            lines.append(f"{stamp} fw1 {kernel.format(n=f'{len(lines) // 250}.{len(lines) % 250}')}")
    found = assert_same(("\n".join(lines) + "\n").encode(), tz=tz)  # a source per line: each line's time
    assert sum(o["count"] for o in found["offenders"]) == len(lines)
    assert engines[-1].read > len(lines) / 2


def test_an_sshd_connection_read_partly_by_python_and_partly_by_the_engine_books_like_one_reader(engines):
    # "Connection from ... on <ours> port 2222" is Python's (it names our side); the failures after
    # it are the engine's, and must still name that side, its port and one record per failure
    head = "Dec 30 10:00:0{s} gw sshd[{pid}]: "
    lines = []
    for pid in range(300, 340):
        client = f"203.0.113.9 port {pid}"
        lines += [head.format(s=1, pid=pid) + f"Connection from {client} on 198.51.100.7 port 2222",
                  head.format(s=2, pid=pid) + f"Failed password for root from {client} ssh2",
                  head.format(s=3, pid=pid) + f"Failed password for admin from {client} ssh2",
                  head.format(s=4, pid=pid) + f"Connection closed by authenticating user admin {client} "
                                              "[preauth]"]
    found = assert_same(("\n".join(lines) + "\n").encode())
    (offender,) = found["offenders"]
    assert offender["targets"] == ["198.51.100.7"] and offender["ports"] == [2222]
    # two failures and "several user names" per connection
    assert offender["count"] == 40 * 3
    assert engines[-1].read >= 40 * 2


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.filter_too_much])
@given(st.lists(st.one_of(_from_lane("kernel"), _from_lane("asa"), _from_lane("sshd")), min_size=1,
                max_size=6), st.randoms(use_true_random=False))
def test_any_lane_line_read_again_and_again_reads_as_the_line_loop_reads_it(lines, rng):
    # a line's first reading teaches its lane the shape; the engine reads the repeats, so each
    # line's layout is read by both (the line loop is the reference)
    repeated = [line for line in lines for _ in range(3)]
    rng.shuffle(repeated)
    assert_same(("\n".join(repeated) + "\n").encode("utf-8"), tz="UTC")


_START = datetime(2024, 1, 1, tzinfo=UTC)
_AT = st.one_of(st.none(), st.integers(0, 10**6).map(lambda s: _START + timedelta(seconds=s)))
_ROW = st.tuples(st.sampled_from(["203.0.113.1", "203.0.113.2", "198.51.100.3"]), _AT,
                 st.sampled_from([Kind.FAILED_LOGIN, Kind.BLOCKED, Kind.SCAN, Kind.SEEN, Kind.IDS_ALERT]),
                 st.one_of(st.none(), st.just(""), st.sampled_from([f"192.0.2.{n}" for n in range(70)])),
                 st.one_of(st.none(), st.integers(0, 80)),
                 st.one_of(st.none(), st.just(""), st.text(max_size=3)),
                 st.one_of(st.none(), st.integers(1, 10**6)), st.one_of(st.none(), st.integers(1, 25)))


def _summaries(by_src) -> dict:
    return {src: (s.hostile, s.count, s.first_seen, s.last_seen, list(s.ports), list(s.targets), s.kinds,
                  list(s.signatures), s.locations, s.source_ports) for src, s in by_src.items()}


@settings(max_examples=200, deadline=None)
@given(st.lists(_ROW, max_size=300))
def test_the_c_aggregator_keeps_what_offender_summaries_keep(rows):
    native = compiled.native()
    agg = native.Aggregator(Kind.SEEN)
    agg.add_rows(rows[: len(rows) // 2])
    for row in rows[len(rows) // 2:]:
        agg.add_row(*row)
    mine = {values[0]: OffenderSummary.of(*values) for values in agg.export()}

    expected: dict[str, OffenderSummary] = {}
    for src, *rest in rows:
        expected.setdefault(src, OffenderSummary(src)).add_row(*rest)

    assert list(mine) == list(expected)  # first added first
    assert _summaries(mine) == _summaries(expected)
    assert agg.size() == 0  # export empties it


def test_offenders_kept_in_c_settle_into_summaries_once_and_pickle_as_summaries():
    import pickle

    from incidents.parsers.aggregate import Offenders

    offenders = Offenders(ParseContext())
    offenders.add_rows([("203.0.113.1", None, Kind.BLOCKED, "192.0.2.1", 22, None, 1, 5555)])
    assert len(offenders) == 1
    again = pickle.loads(pickle.dumps(offenders))  # noqa: S301 - our own bytes
    offenders.add_row("203.0.113.1", None, Kind.BLOCKED, "192.0.2.1", 23, None, 2, None)
    mine, theirs = offenders.by_src["203.0.113.1"], again.by_src["203.0.113.1"]
    assert mine.count == 2 and list(mine.ports) == [22, 23]
    assert theirs.count == 1 and theirs.source_ports == [5555]


def test_lines_the_engine_cannot_read_go_to_python_whole_and_in_order(engines):
    rng = random.Random(3)
    good = ("Dec 30 10:00:00 fw1 kernel: IN=eth0 OUT= SRC=203.0.113.{n} DST=198.51.100.1 LEN=40 TOS=0x00 "
            "PREC=0x00 TTL=50 ID=1 PROTO=TCP SPT=5 DPT={port}")
    head = "Dec 30 10:00:00 fw1 "
    odd = ["", "   ", head + "kernel: caf\u00e9 IN=eth0", head + "kernel: IN=eth0\r",
           head + "sshd[1]: Failed password for r\u00f6ot from 203.0.113.5 port 1 ssh2",
           head + "kernel: IN=eth0 OUT= SRC=999.1.1.1 DST=198.51.100.1 LEN=40 TOS=0x00 PREC=0x00 "
           "TTL=50 ID=1 PROTO=TCP SPT=5 DPT=22"]
    lines = [good.format(n=rng.randrange(1, 4), port=rng.randrange(20, 30)) for _ in range(400)]
    for text in odd:
        lines.insert(rng.randrange(len(lines)), text)
    data = "\n".join(lines).encode("utf-8")  # and no end of line after the last
    found = assert_same(data)
    assert sum(o["count"] for o in found["offenders"]) == 401  # the 400, and the ASCII-less sshd line
    ctx = ParseContext(reference=datetime(2024, 12, 31, tzinfo=UTC))
    assert parse_stream(io.BytesIO(data), ctx=ctx).records == len(lines)


def test_a_stamped_line_with_no_keyword_that_no_lane_reads_is_passed_over_without_python(engines,
                                                                                         monkeypatch):
    asked = lines_asked(monkeypatch)
    lane = ("Dec 30 10:00:00 fw1 kernel: IN=eth0 OUT= SRC=203.0.113.7 DST=198.51.100.1 LEN=40 TOS=0x00 "
            "PREC=0x00 TTL=50 ID=1 PROTO=TCP SPT=5 DPT=22")
    quiet = ["Dec 30 10:00:01 web1 chronyd[655]: System clock wrong by 0.000012 seconds",
             "Dec  3 10:00:01 app1 systemd[1]: Started certbot.service - Certbot.",
             "Feb 28 10:00:01 db1 kernel: [1.5] EXT4-fs (vda1): re-mounted.",
             "Aug  1 10:00:01 gw dhclient[7]: bound to 10.0.3.15"]
    keyworded = ["Dec 30 10:00:02 app2 sudo:   deploy : TTY=pts/0 ; PWD=/home/deploy ; COMMAND=/bin/true",
                 "Dec 30 10:00:02 web1 CRON[9]: (root) CMD (debian-sa1 > /dev/null)",
                 "Dec 30 10:00:02 mail postfix/smtpd[1]: warning: unknown[203.0.113.9]: SASL LOGIN "
                 "authentication failed: UGFzc3dvcmQ6"]
    lines = [lane] * 3 + (quiet + keyworded) * 5 + [lane]
    found = assert_same(("\n".join(lines) + "\n").encode())
    assert {o["ip"]: o["count"] for o in found["offenders"]} == {"203.0.113.7": 4, "203.0.113.9": 5}
    # the line loop was asked about every line in the parse without the engine, and in the parse
    # with it only about lines holding a keyword (and the lane line it meets first)
    with_engine = [line for _number, line in asked[len(lines):]]
    assert not set(quiet) & set(with_engine)
    assert set(keyworded) <= set(with_engine)


def test_a_kernel_line_a_byte_away_from_the_layout_is_left_to_python(engines):
    base = ("Dec 30 10:00:00 fw1 kernel: [UFW BLOCK] IN=eth0 OUT= MAC=00:11 SRC=203.0.113.7 DST=198.51.100.1 "
            "LEN=40 TOS=0x00 PREC=0x00 TTL=50 ID=1 DF PROTO=TCP SPT=5 DPT=22 WINDOW=1")
    variants = [base, base.replace("[UFW BLOCK]", "[UFW block]"), base.replace("PROTO=TCP", "PROTO=TCP:"),
                base.replace("DPT=22", "DPT=22x"), base.replace("DF ", "DF MF FRAG:3 "),
                base.replace("WINDOW=1", "WINDOW=1 [x]"), re.sub(r"SPT=5 DPT=22", "SPT=5", base),
                base.replace("Dec 30", "Dec  3"), base.replace("Dec 30", "Dec 3"), base + " DESCR=x"]
    assert_same(("\n".join(variants * 3) + "\n").encode())


_LAYOUTS = [
    "Dec 30 10:00:00 fw1 kernel: [812345.104829] IPTABLES-DROP: IN=eth0 OUT= MAC=52:54:00:8a:1c:19:00:1b "
    "SRC=203.0.113.7 DST=198.51.100.1 LEN=44 TOS=0x00 PREC=0x00 TTL=245 ID=31538 PROTO=TCP SPT=4444 DPT=22 "
    "WINDOW=1024 RES=0x00 SYN URGP=0",
    "Dec 30 10:00:00 web1 kernel: [UFW BLOCK] IN=ens3 OUT= MAC= SRC=203.0.113.8 DST=198.51.100.2 LEN=40 "
    "TOS=0x00 PREC=0x00 TTL=52 ID=5045 DF PROTO=UDP SPT=5353 DPT=53 LEN=20",
    "Dec 30 2024 10:00:00 asa01 : %ASA-4-106023: Deny tcp src outside:203.0.113.9/4444 "
    'dst inside:198.51.100.3/80 by access-group "outside_access_in" [0x0, 0x0]',
    "Dec 30 10:00:00 asa01 %ASA-4-106100: access-list outside_access_in denied tcp "
    "outside/203.0.113.10(4444) -> inside/198.51.100.4(445) hit-cnt 1 first hit [0xd9391667, 0x0]",
    "Dec  3 10:00:00 asa01 %ASA-6-302014: Teardown TCP connection 1200025 for outside:203.0.113.11/4444 to "
    "inside:198.51.100.5/443 duration 0:00:12 bytes 4471 TCP FINs",
    "Dec 30 10:00:00 bastion sshd[20001]: Failed password for invalid user admin from 203.0.113.12 "
    "port 4444 ssh2",
    "Dec 30 10:00:00 bastion sshd[20002]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 "
    "tty=ssh ruser= rhost=203.0.113.13  user=root",
    "Dec 30 10:00:00 bastion sshd[20003]: Received disconnect from 203.0.113.14 port 4444:11: Bye Bye "
    "[preauth]",
    "Dec 30 10:00:00 bastion sshd-session[20004]: Accepted publickey for deploy from 203.0.113.15 port 4444 "
    "ssh2: ED25519 SHA256:abc",
]


def test_every_cut_and_many_one_byte_changes_of_lane_lines_read_as_the_line_loop_reads_them(engines):
    # the engine's bounds and backtracking-free reading, against the expression and the line loop:
    # each layout is learnt first (so the engine reads what still fits it), then cut at every byte
    # and changed one byte at a time
    rng = random.Random(17)
    alphabet = "0123456789 :./()[]\"=-_aZ%\t"
    lines = []
    for base in _LAYOUTS:
        lines += [base, base]
        lines += [base[:cut] for cut in range(1, len(base))]
        for _ in range(80):
            at = rng.randrange(len(base))
            lines.append(base[:at] + rng.choice(alphabet) + base[at + 1:])
            lines.append(base[:at] + base[at + 1:])
        lines.append(base)
    found = assert_same(("\n".join(lines) + "\n").encode())
    assert engines[-1].read > len(_LAYOUTS) * 3
    assert len(found["offenders"]) >= 8


_WORDS = st.text(alphabet="ab c:=\u00e9[", min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, min_size=1, max_size=12, unique=True),
       st.text(alphabet="ab c:=\u00e9[]x", max_size=40))
def test_the_keyword_table_finds_exactly_the_keywords_a_line_holds(keywords, line):
    found = compiled.native().Keywords(keywords).find(line)
    assert [bool(found >> n & 1) for n in range(len(keywords))] == [word in line for word in keywords]
    assert found >> len(keywords) == 0


def test_a_log_of_more_addresses_than_the_engine_keeps_as_text_reads_the_same(engines):
    # the engine keeps 65,536 addresses' text at most and then starts again (bounded memory): a
    # row made across that restart keeps both its addresses
    line = ("Dec 30 10:00:{s:02d} fw1 kernel: IN=eth0 OUT= SRC=203.{a}.{b}.7 DST=198.{a}.{b}.1 LEN=40 "
            "TOS=0x00 PREC=0x00 TTL=50 ID=1 PROTO=TCP SPT=5 DPT=22")
    lines = [line.format(s=n % 60, a=n // 256 % 256, b=n % 256) for n in range(40_000)]
    found = assert_same(("\n".join(lines) + "\n").encode())
    assert len(found["offenders"]) == 40_000
    targets = {o["targets"][0] for o in found["offenders"]}
    assert targets == {f"198.{n // 256}.{n % 256}.1" for n in range(40_000)}
    assert engines[-1].read > 39_000
