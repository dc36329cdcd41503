"""IDS alerts: Suricata eve.json and fast.log, Snort alert files (fast, full and CSV), Snort 3 alert_json,
and Snort/Suricata alerts forwarded through syslog.

Which side of an alert is the offender is decided per record (``offender_side``): an alert names
packet source and destination, and an outbound alert (our host talking to a hostile peer, or our
server's reply to an attacker) names our own host as the source. In order of the evidence used:

1. ``ctx.own_networks``: exactly one side inside them is ours; the other side is the offender.
2. eve.json ``alert.source`` / ``alert.target`` (written when the rule uses the ``target`` keyword):
   the rule author's own statement of who attacks whom.
3. Exactly one side in private, loopback, link-local or CGNAT space: that side is ours (the other
   side is globally routable, or at least a documentation address standing in for one).
4. eve.json ``flow`` / ``direction`` (Suricata 7+): top-level ``src_ip``/``dest_ip`` are the packet's,
   ``flow.src_ip`` is the host that opened the flow (the client). ``direction: to_client`` means the
   alert fired on the server's reply, so the packet's destination is the client. An abuse desk
   defends servers, so the client that opened the flow is taken as the offender.
5. Otherwise the alert's packet source.
"""

import csv
import ipaddress
import json
import re
from datetime import UTC, datetime, timedelta

from ..addresses import normalise
from ..base import MONTHS, Kind, LineFormat, ParseContext, Record
from ..registry import register

_MONTH_NAMES = {number: name for name, number in MONTHS.items()}
_LOCAL_NETS = [ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")]
_PORTED_PROTOCOLS = {"TCP", "UDP", "SCTP", "6", "17", "132"}
MAX_SIGNATURE_TEXT = 160


# --- which side is the offender -------------------------------------------------------------------

def _ip(text: str | None):
    if not text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _in(addr, networks) -> bool:
    return addr is not None and any(addr in net for net in networks if net.version == addr.version)


def is_local(address: str | None) -> bool:
    """Private, loopback, link-local, CGNAT or unique-local: an address of the evidence's own side."""
    addr = _ip(address)
    if addr is None:
        return False
    if addr.version == 6 and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr.is_loopback or addr.is_link_local or _in(addr, _LOCAL_NETS)


def _group(address: str) -> bool:
    addr = _ip(address)
    return addr is not None and (addr.is_multicast or addr.is_unspecified
                                 or addr == ipaddress.IPv4Address("255.255.255.255"))


def offender_side(src: str, dst: str | None, ctx: ParseContext, *, hint: str | None = None) -> bool:
    """True when the packet's *destination* is the offender (the alert is outbound).

    ``hint`` is what the evidence itself says: "src" or "dst" from an explicit target statement
    (strong), "client-is-dst" / "client-is-src" from flow direction (weak).
    """
    if dst is None or _group(dst):
        return False  # a multicast group or a broadcast never sent anything: the source did
    own = ctx.own_networks
    if own:
        src_own, dst_own = _in(_ip(src), own), _in(_ip(dst), own)
        if src_own != dst_own:
            return src_own
    if hint in ("src", "dst"):
        return hint == "dst"
    src_local, dst_local = is_local(src), is_local(dst)
    if src_local != dst_local:
        return src_local
    return hint == "client-is-dst"


def _signature(gid, sid, msg: str | None) -> str:
    label = f"sid:{sid}" if str(gid) in ("1", "", "None") else f"sid:{gid}:{sid}"
    msg = (msg or "").strip()
    if len(msg) > MAX_SIGNATURE_TEXT:
        msg = msg[: MAX_SIGNATURE_TEXT - 1] + "…"
    return f"{label}: {msg}" if msg else label


def _eve_signature(alert: dict) -> str:
    return _signature(alert.get("gid", 1), alert.get("signature_id", "?"), alert.get("signature"))


def _port(value) -> int | None:
    try:
        port = int(value)
    except (TypeError, ValueError):
        return None
    return port if 0 <= port <= 65535 else None


def _record(src, dst, sport, dport, *, swap: bool, at, kind, signature, our_side_serves=None) -> Record:
    """Build the record once the side is known; ``dst_port`` is the port on our side,
    ``src_port`` the offender's own port (the packet's source port, or its destination port when
    our host sent the packet).

    When our host is the packet source, its port is kept only when it looks like a service port
    (known to be the flow's server side, or below 1024); an ephemeral client port says nothing.
    """
    if not swap:
        return Record(src=src, dst=dst, dst_port=dport, at=at, kind=kind, signature=signature,
                      src_port=sport)
    serves = our_side_serves if our_side_serves is not None else (sport is not None and sport < 1024)
    return Record(src=dst, dst=src, dst_port=sport if serves else None, at=at, kind=kind,
                  signature=signature, src_port=dport)


# --- endpoints and times ------------------------------------------------------------------------

_BRACKETED = re.compile(r"^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$")
_V4_PORT = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$")


def split_endpoint(token: str, with_port: bool | None) -> tuple[str | None, int | None]:
    """``1.2.3.4:80``, ``[2001:db8::1]:80``, ``2001:db8::1:80`` (when ``with_port``) -> address, port.

    Unbracketed IPv6 followed by a port is ambiguous; it is split when the protocol always carries
    ports (``with_port``) or when nine groups leave no doubt.
    """
    token = token.strip().rstrip(",;")
    if m := _BRACKETED.match(token):
        return normalise(m.group(1)), _port(m.group(2))
    if m := _V4_PORT.match(token):
        return normalise(m.group(1)), _port(m.group(2))
    if token.count(":") >= 2:
        head, _, tail = token.rpartition(":")
        if tail.isdigit() and (with_port or token.count(":") == 8):
            addr = normalise(head)
            if addr is not None and ":" in addr:
                return addr, _port(tail)
        return normalise(token), None
    return normalise(token), None


_LEGACY_TS = re.compile(
    r"^(?P<mon>\d{2})/(?P<day>\d{2})(?:/(?P<year>\d{2}|\d{4}))?-(?P<hms>\d{2}:\d{2}:\d{2})(?:\.(?P<frac>\d{1,9}))?$")


def legacy_time(text: str, ctx: ParseContext) -> datetime | None:
    """``11/24/2026-03:14:07.123456`` (Suricata), ``11/24/26-...`` (Snort 2 -y), ``26/11/24-...``
    (Snort 3 show_year, year first: told apart by the first field exceeding 12), ``11/24-...``."""
    m = _LEGACY_TS.match(text)
    if not m:
        return None
    mon, day = int(m["mon"]), int(m["day"])
    micro = int((m["frac"] or "0")[:6].ljust(6, "0"))
    if m["year"] is None:
        if mon not in _MONTH_NAMES:
            return None
        when = ctx.syslog_time(_MONTH_NAMES[mon], day, m["hms"])
        return when + timedelta(microseconds=micro) if when else None
    year = int(m["year"])
    if year < 100:
        if mon > 12:  # Snort 3 with show_year writes YY/MM/DD; Snort 2's -y writes MM/DD/YY
            year, mon, day = mon, day, year
        year += 2000
    hour, minute, second = (int(x) for x in m["hms"].split(":"))
    try:
        return ctx.local(datetime(year, mon, day, hour, minute, second, micro))  # noqa: DTZ001
    except ValueError:
        return None


def iso_time(text, ctx: ParseContext) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return ctx.local(when) if when.tzinfo is None else when.astimezone(UTC)


# --- Suricata eve.json --------------------------------------------------------------------------

class SuricataEve(LineFormat):
    name = "suricata-eve"
    label = "Suricata eve.json"
    keywords = ('"event_type"',)

    def parse_line(self, line, ctx):
        start = line.find("{")
        if start < 0:
            return None
        try:
            event = json.loads(line[start:])
        except ValueError:
            if line.lstrip().startswith("{"):
                ctx.error(None, "suricata-eve: a JSON line that does not parse")
            return None
        if not isinstance(event, dict) or not isinstance(event.get("event_type"), str):
            return None
        kind = event["event_type"]
        if kind == "alert":
            return self._alert(event, ctx) or []
        if kind == "drop":
            return self._drop(event, ctx) or []
        return []  # flow, stats, dns, http, anomaly, fileinfo...: eve.json, but context, not offences

    @staticmethod
    def _tuple(event):
        src = normalise(str(event.get("src_ip") or ""))
        dst = normalise(str(event.get("dest_ip") or ""))
        return src, dst, _port(event.get("src_port")), _port(event.get("dest_port"))

    @staticmethod
    def _hints(event, src, dst) -> tuple[str | None, bool | None]:
        """(hint for offender_side, whether the packet source is the flow's server)."""
        alert = event.get("alert") if isinstance(event.get("alert"), dict) else {}
        source = alert.get("source") if isinstance(alert.get("source"), dict) else None
        if source:
            attacker = normalise(str(source.get("ip") or ""))
            if attacker == src:
                return "src", None
            if attacker == dst:
                return "dst", None
        flow = event.get("flow") if isinstance(event.get("flow"), dict) else {}
        client = normalise(str(flow.get("src_ip") or ""))
        if client and client in (src, dst) and src != dst:
            return ("client-is-src", False) if client == src else ("client-is-dst", True)
        direction = event.get("direction")
        if direction == "to_client":
            return "client-is-dst", True
        if direction == "to_server":
            return "client-is-src", False
        return None, None

    def _build(self, event, ctx, kind, signature):
        src, dst, sport, dport = self._tuple(event)
        if src is None:
            return None
        hint, src_serves = self._hints(event, src, dst)
        swap = offender_side(src, dst, ctx, hint=hint)
        at = iso_time(event.get("timestamp"), ctx)
        return _record(src, dst, sport, dport, swap=swap, at=at, kind=kind, signature=signature,
                       our_side_serves=src_serves)

    def _alert(self, event, ctx):
        alert = event.get("alert")
        if not isinstance(alert, dict):
            return None
        signature = _eve_signature(alert)
        if alert.get("action") == "blocked":
            signature += " (blocked)"
        return self._build(event, ctx, Kind.IDS_ALERT, signature)

    def _drop(self, event, ctx):
        drop = event.get("drop") if isinstance(event.get("drop"), dict) else {}
        alert = event.get("alert") if isinstance(event.get("alert"), dict) else None
        if alert:
            signature = _eve_signature(alert)
        else:
            reason = drop.get("reason")
            signature = f"dropped by IPS ({reason})" if reason else "dropped by IPS"
        return self._build(event, ctx, Kind.BLOCKED, signature)


# --- fast.log (Suricata, Snort) and syslog-forwarded alerts -------------------------------------

_BODY = re.compile(
    r"\[(?P<gid>\d+):(?P<sid>\d+):(?P<rev>\d+)\]\s*(?P<msg>.*?)\s*(?:\[\*\*\]\s*)?"
    r"(?:\[Classification:[^\]]*\]\s*)?(?:\[Priority:\s*\d+\]\s*)?:?\s*(?:<[^>]*>\s*)?"
    r"\{(?P<proto>[^}]+)\}\s+(?P<src>\S+)\s+->\s+(?P<dst>\S+)\s*$")
_FAST_PREFIX = re.compile(r"^(?P<ts>\d{2}/\d{2}(?:/\d{2,4})?-[\d:.]+)\s+"
                          r"(?P<action>(?:\[[^\]*][^\]]*\]\s*)*)\[\*\*\]\s*")


def _alert_record(m: re.Match, ctx, at, *, suricata: bool, blocked: bool) -> Record | None:
    proto = m["proto"].strip().upper()
    with_port = True if suricata else proto in _PORTED_PROTOCOLS
    src, sport = split_endpoint(m["src"], with_port)
    dst, dport = split_endpoint(m["dst"], with_port)
    if src is None:
        return None
    msg = m["msg"].strip()
    if len(msg) >= 2 and msg[0] == msg[-1] == '"':  # Snort 3 quotes the message
        msg = msg[1:-1]
    signature = _signature(m["gid"], m["sid"], msg) + (" (blocked)" if blocked else "")
    swap = offender_side(src, dst, ctx)
    return _record(src, dst, sport, dport, swap=swap, at=at, kind=Kind.IDS_ALERT, signature=signature)


class _FastLog(LineFormat):
    keywords = ("[**]",)
    suricata = True

    def parse_line(self, line, ctx):
        prefix = _FAST_PREFIX.match(line)
        if not prefix or not self._year_fits(prefix["ts"]):
            return None
        m = _BODY.match(line, prefix.end())
        if not m:
            return []  # an alert without addresses (a decoder event): this format, no offender
        at = legacy_time(prefix["ts"], ctx)
        blocked = "drop" in prefix["action"].lower() and "wdrop" not in prefix["action"].lower()
        return _alert_record(m, ctx, at, suricata=self.suricata, blocked=blocked)

    def _year_fits(self, ts: str) -> bool:
        date = ts.split("-", 1)[0]
        return date.count("/") == 2 and len(date) == 10


class SuricataFast(_FastLog):
    name = "suricata-fast"
    label = "Suricata fast.log"


class SnortFast(_FastLog):
    name = "snort-fast"
    label = "Snort alert (fast)"
    suricata = False

    def _year_fits(self, ts: str) -> bool:
        date = ts.split("-", 1)[0]
        return len(date) in (5, 8)  # MM/DD, or MM/DD/YY with snort -y


_SYSLOG_TIME = re.compile(r"^(?:<\d+>\d?\s*)?(?P<mon>[A-Z][a-z]{2})\s+(?P<day>\d{1,2})\s+"
                          r"(?P<hms>\d{2}:\d{2}:\d{2})")
_ISO_START = re.compile(r"^(?:<\d+>\d?\s*)?(?P<iso>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?"
                        r"(?:Z|[+-]\d{2}:?\d{2})?)")


def line_start_time(line: str, ctx: ParseContext) -> datetime | None:
    if m := _ISO_START.match(line):
        return iso_time(m["iso"].replace(" ", "T", 1), ctx)
    if m := _SYSLOG_TIME.match(line):
        return ctx.syslog_time(m["mon"], int(m["day"]), m["hms"])
    return None


class IdsSyslog(LineFormat):
    """``Nov 24 03:14:07 fw snort[42]: [1:2001219:20] msg [Classification: x] [Priority: 2] {TCP} a -> b``."""

    name = "ids-syslog"
    label = "Snort/Suricata alert via syslog"
    keywords = ("[Priority:", "[Classification:")

    def parse_line(self, line, ctx):
        m = _BODY.search(line)
        if not m or "[**]" in line[: m.start()]:
            return None
        head = line[: m.start()].lower()
        return _alert_record(m, ctx, line_start_time(line, ctx), suricata="suricata" in head,
                             blocked="[drop]" in head)


# --- Snort alert_csv (Snort 2's default fields, pfSense's and Snort 3's) -------------------------

_CSV_TS = r"(?P<ts>\d{2}/\d{2}(?:/\d{2,4})?-\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?) ?,"
# Snort 2: timestamp,gid,sid,rev,"msg",proto,src,srcport,dst,dstport,... (pfSense appends the
# classification, priority, action and disposition)
_CSV2 = re.compile("^" + _CSV_TS + r"(?P<gid>\d{1,10}),(?P<sid>\d{1,10}),(?P<rev>\d{1,10}),(?P<rest>.*)$")
# Snort 3: timestamp, pkt_num, proto, pkt_gen, pkt_len, dir, src_ap, dst_ap, rule, action
_CSV3 = re.compile("^" + _CSV_TS + r" ?\d+, (?P<proto>\w+), \w+, \d+, (?P<dir>C2S|S2C|UNK|\w{0,8}), "
                   r"(?P<src>[^,\s]+), (?P<dst>[^,\s]+), (?P<gid>\d+):(?P<sid>\d+):\d+, (?P<action>\w+)\s*$")


class SnortCsv(LineFormat):
    """Snort's ``alert_csv`` output: one alert per comma-separated line, as Snort 2 writes it by
    default (and pfSense's Snort package, with the rule's action and disposition at the end),
    or in Snort 3's default field order (addresses as ``a:port``, the flow's direction)."""

    name = "snort-csv"
    label = "Snort alert (CSV)"
    keywords = (",",)

    def parse_line(self, line, ctx):
        if m := _CSV3.match(line):
            with_port = m["proto"].upper() in _PORTED_PROTOCOLS
            src, sport = split_endpoint(m["src"], with_port)
            dst, dport = split_endpoint(m["dst"], with_port)
            if src is None:
                return None
            signature = _signature(m["gid"], m["sid"], None)
            if m["action"].lower() in ("drop", "block", "reject"):
                signature += " (blocked)"
            hint = {"C2S": "client-is-src", "S2C": "client-is-dst"}.get(m["dir"])
            swap = offender_side(src, dst, ctx, hint=hint)
            return _record(src, dst, sport, dport, swap=swap, at=legacy_time(m["ts"], ctx),
                           kind=Kind.IDS_ALERT, signature=signature,
                           our_side_serves=(m["dir"] == "S2C") if hint else None)
        m = _CSV2.match(line)
        if m is None:
            return None
        try:
            fields = next(csv.reader([m["rest"]]))
        except (csv.Error, StopIteration):
            return None
        if len(fields) < 6:
            return None
        msg, _proto, src, sport, dst, dport = (f.strip() for f in fields[:6])
        src, dst = normalise(src), normalise(dst)
        if src is None:
            return None
        signature = _signature(m["gid"], m["sid"], msg)
        tail = {f.strip().lower() for f in fields[-2:]}
        if tail & {"drop", "block", "blocked", "reject", "sdrop"}:
            signature += " (blocked)"
        swap = offender_side(src, dst, ctx)
        return _record(src, dst, _port(sport), _port(dport), swap=swap, at=legacy_time(m["ts"], ctx),
                       kind=Kind.IDS_ALERT, signature=signature)


# --- Snort full alerts (multi-line blocks) ------------------------------------------------------

_FULL_HEADER = re.compile(r"^\[\*\*\]\s*\[(?P<gid>\d+):(?P<sid>\d+):(?P<rev>\d+)\]\s*"
                          r"(?P<msg>.*?)\s*\[\*\*\]\s*$")
_FULL_ADDR = re.compile(r"^(?:(?P<ts>\d{2}/\d{2}(?:/\d{2,4})?-[\d:.]+)\s+)?(?P<src>\S+)\s+->\s+(?P<dst>\S+)"
                        r"(?P<rest>\s+.*)?$")
_PROTO_LINE = re.compile(r"^(?P<proto>[A-Z][A-Z0-9-]*)\s+TTL:")
BLOCK_LINES = 8  # a header's address line comes within this many lines, or the header is dropped


def parse_memory(ctx: ParseContext, name: str) -> dict:
    """This parse's memory for one format (``ParseContext.state``), so format objects stay stateless."""
    store = getattr(ctx, "state", None)
    if not isinstance(store, dict):
        store = ctx.state = {}
    return store.setdefault(name, {})


class SnortFull(LineFormat):
    """Snort ``alert_full`` blocks::

        [**] [1:2001219:20] ET SCAN Potential SSH Scan [**]
        [Classification: Attempted Information Leak] [Priority: 2]
        11/24-03:14:07.123456 1.2.3.4:5555 -> 5.6.7.8:22
        TCP TTL:50 TOS:0x0 ID:12345 IpLen:20 DgmLen:60 DF

    With ``snort -e`` the time line carries MAC addresses and the addresses follow on the next line.
    The pending header is kept in the parse's memory; it expires after ``BLOCK_LINES`` lines.
    ``wants`` is stateless: a header, an address line (``->``) or a protocol line (``TTL:``).
    """

    name = "snort-full"
    single_line = False  # multi-line blocks
    label = "Snort alert (full)"
    keywords = ("[**]", "->", "TTL:")

    def parse_line(self, line, ctx):
        memory = parse_memory(ctx, self.name)
        text = line.strip()
        if m := _FULL_HEADER.match(text):
            flushed = self._flush(memory, ctx, None)
            memory.update(header=(m["gid"], m["sid"], m["msg"]), since=ctx.records, time=None)
            return flushed or []
        if memory.get("header") is None:
            return None
        if memory.get("waiting") is not None:
            proto = _PROTO_LINE.match(text)
            return self._flush(memory, ctx, proto["proto"] if proto else None) or []
        if ctx.records - memory["since"] > BLOCK_LINES:
            memory["header"] = None  # an alert without addresses (ARP, ...): forget it
            return None
        m = _FULL_ADDR.match(text)
        if not m:
            return None
        rest = (m["rest"] or "").strip()
        if m["ts"] and "type:0x" in rest:  # snort -e: MAC addresses; the IP line follows
            memory["time"] = legacy_time(m["ts"], ctx)
            return []
        at = legacy_time(m["ts"], ctx) if m["ts"] else memory.get("time")
        proto = _PROTO_LINE.match(rest)
        memory["waiting"] = (m["src"], m["dst"], at)
        if proto or not self._ambiguous(m["src"], m["dst"]):
            return self._flush(memory, ctx, proto["proto"] if proto else None) or []
        return []  # unbracketed IPv6: the protocol line says whether a port follows

    @staticmethod
    def _ambiguous(*tokens) -> bool:
        return any(t.count(":") >= 2 and not t.startswith("[") and t.count(":") != 8 for t in tokens)

    @staticmethod
    def _flush(memory: dict, ctx, proto: str | None) -> Record | None:
        waiting, header = memory.get("waiting"), memory.get("header")
        memory["waiting"] = None
        if waiting is None or header is None:
            return None
        memory["header"] = None
        (src_tok, dst_tok, at), (gid, sid, msg) = waiting, header
        with_port = proto in _PORTED_PROTOCOLS if proto else None
        src, sport = split_endpoint(src_tok, with_port)
        dst, dport = split_endpoint(dst_tok, with_port)
        if src is None:
            return None
        if len(msg) >= 2 and msg[0] == msg[-1] == '"':
            msg = msg[1:-1]
        swap = offender_side(src, dst, ctx)
        return _record(src, dst, sport, dport, swap=swap, at=at, kind=Kind.IDS_ALERT,
                       signature=_signature(gid, sid, msg))


# --- Snort 3 alert_json ---------------------------------------------------------------------------

class Snort3Json(LineFormat):
    """Snort 3 ``alert_json``: ``{"timestamp": "11/24-03:14:07.123456", "src_ap": "1.2.3.4:5555", ...}``."""

    name = "snort3-json"
    label = "Snort 3 alert_json"
    keywords = ('"src_ap"', '"src_addr"')

    def parse_line(self, line, ctx):
        start = line.find("{")
        if start < 0:
            return None
        try:
            event = json.loads(line[start:])
        except ValueError:
            return None
        if not isinstance(event, dict) or "event_type" in event:
            return None
        proto = str(event.get("proto") or "").upper()
        with_port = proto in _PORTED_PROTOCOLS
        if "src_addr" in event:
            src, sport = normalise(str(event["src_addr"])), _port(event.get("src_port"))
            dst, dport = normalise(str(event.get("dst_addr") or "")), _port(event.get("dst_port"))
        else:
            src, sport = split_endpoint(str(event.get("src_ap") or ""), with_port)
            dst, dport = split_endpoint(str(event.get("dst_ap") or ""), with_port)
        if src is None:
            return None
        rule = str(event.get("rule") or "")
        gid, _, rest = rule.partition(":")
        sid = rest.partition(":")[0] or gid or "?"
        signature = _signature(gid if rest else 1, sid, event.get("msg"))
        if str(event.get("action") or "").lower() in ("drop", "block", "reject"):
            signature += " (blocked)"
        at = None
        if isinstance(event.get("seconds"), int | float):
            at = datetime.fromtimestamp(event["seconds"], UTC)
        elif isinstance(event.get("timestamp"), str):
            at = legacy_time(event["timestamp"], ctx) or iso_time(event["timestamp"], ctx)
        direction = str(event.get("dir") or "").upper()
        hint = {"C2S": "client-is-src", "S2C": "client-is-dst"}.get(direction)
        swap = offender_side(src, dst, ctx, hint=hint)
        return _record(src, dst, sport, dport, swap=swap, at=at, kind=Kind.IDS_ALERT, signature=signature,
                       our_side_serves=(direction == "S2C") if hint else None)


register(SuricataEve())
register(Snort3Json())
register(SuricataFast())
register(SnortFast())
register(SnortFull())
register(SnortCsv())
register(IdsSyslog())
