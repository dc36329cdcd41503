"""Firewall logs: kernel netfilter (iptables, nftables, ufw, UniFi/EdgeOS/VyOS, SuSE, firewalld...),
Cisco ASA/PIX/FTD, OpenBSD pf (tcpdump on pflog), pfSense/OPNsense filterlog, MikroTik RouterOS,
Juniper SRX and NetScreen, FortiGate, Palo Alto, Sophos, WatchGuard, SonicWall, Check Point and the
Windows firewall log.

What counts. An administrator uploads a firewall log to show what was blocked, so a line produces a
record when the firewall denied, dropped or rejected traffic, or flagged it as a scan or attack, and
the attacker's address can be told. A line the format recognises but that is not hostile (accepted,
passed, built, teardown, NAT, our own outbound traffic) returns an empty list: the line is claimed,
so no fallback format later reads an "attacker" out of it, but nothing is recorded.

Which side is the attacker. For an inbound deny, the source. When the log names the interfaces or
zones (ASA ``outside:``/``inside:``, SRX and NetScreen zones, FortiGate interface roles, MikroTik
``in:``/``out:``), a deny from an inside-looking side towards an outside-looking side is our own
host's outbound traffic and is not recorded. Kernel lines with an empty ``IN=`` were sent by the
logging host itself (the OUTPUT chain); pf and filterlog ``block out`` likewise: not recorded.
Forged sources the firewall itself names as such (ASA "IP spoof", "Land Attack", "connection
spoof", SRX/NetScreen "IP spoofing") are not recorded: reporting them would accuse the victim.
"""

import csv
import re
from datetime import UTC, datetime, timedelta, timezone

from ..addresses import host_or_address, normalise
from ..base import MONTHS, Kind, LineFormat, ParseContext, Record
from ..lanes import LANE_RFC3339, LANE_STAMP, ShapeLane, register_lane
from ..registry import register
from .ids import offender_side, parse_memory

# ---------------------------------------------------------------------------------------------
# Shared helpers: times, addresses, ports, sides
# ---------------------------------------------------------------------------------------------

_MON = r"(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_LEAD = re.compile(
    r"^\s*(?:<\d{1,3}>:?\s*(?:1\s+)?)?(?:\d\|)?"  # syslog PRI, RFC 5424 version, Cisco "6|"
    r"(?:(?P<iso_d>\d{4}-\d\d-\d\d)[T ](?P<iso_t>\d\d:\d\d:\d\d)(?:[.,](?P<iso_f>\d+))?"
    r"\s?(?P<iso_z>Z(?!\w)|[+-]\d\d:?\d\d(?![\d:]))?"
    r"|(?P<mon>" + _MON + r")\s+(?P<day>\d{1,2})\s+(?:(?P<year>\d{4})\s+)?"
    r"(?P<hms>\d\d:\d\d:\d\d)(?:\.\d+)?(?:\s+(?P<zone>UTC|GMT)\b)?)"
)
_DMESG_T = re.compile(r"\[(?:\w{3} )?(?P<mon>" + _MON + r")\s+(?P<day>\d{1,2}) (?P<hms>\d\d:\d\d:\d\d) "
                      r"(?P<year>\d{4})\]")
_CLF_TIME = re.compile(r"(?P<day>\d{1,2})/(?P<mon>" + _MON + r")/(?P<year>\d{4}):(?P<hms>\d\d:\d\d:\d\d)"
                       r" (?P<z>[+-]\d{4})")


def _zone(text: str | None) -> timezone | None:
    if not text:
        return None
    if text in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    try:
        return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))
    except ValueError:
        return None


def _when(ctx: ParseContext, year: int, month: int, day: int, hms: str, frac: str | None = None,
          zone: timezone | None = None) -> datetime | None:
    """A wall-clock time; in ``zone`` when the log wrote one, else in the evidence's zone."""
    try:
        hour, minute, second = (int(x) for x in hms.split(":"))
        micro = int((frac or "0")[:6].ljust(6, "0"))
        naive = datetime(year, month, day, hour, minute, second, micro)  # noqa: DTZ001 - zone below
    except ValueError:
        return None
    if zone is not None:
        return naive.replace(tzinfo=zone).astimezone(UTC)
    return ctx.local(naive)


def _iso(ctx: ParseContext, date: str, hms: str, frac: str | None = None,
         zone: str | None = None) -> datetime | None:
    try:
        y, m, d = (int(x) for x in re.split(r"[-/]", date))
    except ValueError:
        return None
    return _when(ctx, y, m, d, hms, frac, _zone(zone))


def _bsd(ctx: ParseContext, mon: str, day: str, hms: str, year: str | None = None,
         zone: str | None = None) -> datetime | None:
    if year is None:  # the year is inferred; a zone written without a year is rare and ignored
        return ctx.syslog_time(mon, int(day), hms)
    month = MONTHS.get(mon[:3].lower())
    if month is None:
        return None
    return _when(ctx, int(year), month, int(day), hms, None, _zone(zone))


def leading_time(line: str, ctx: ParseContext) -> datetime | None:
    """The time a line starts with: RFC 3164 (with or without a year), RFC 5424 or ISO 8601."""
    m = _LEAD.match(line)
    if m is None:
        return None
    if m["iso_d"]:
        return _iso(ctx, m["iso_d"], m["iso_t"], m["iso_f"], m["iso_z"])
    return _bsd(ctx, m["mon"], m["day"], m["hms"], m["year"], m["zone"])


def _port(text: str | None) -> int | None:
    if text and text.isdigit():
        value = int(text)
        return value if value <= 65535 else None
    return None


def _addr(text: str | None) -> str | None:
    """An address (normalised) or a host name, as the source of a record."""
    return host_or_address(text) if text else None


def _split_colon_port(token: str) -> tuple[str, int | None]:
    """``1.2.3.4:80``, ``[2001:db8::1]:80``, ``1.2.3.4`` or a bare IPv6 address."""
    if token.startswith("["):
        addr, _, rest = token[1:].partition("]")
        return addr, _port(rest.lstrip(":"))
    if token.count(":") == 1:
        addr, _, port = token.partition(":")
        return addr, _port(port)
    if normalise(token) is None and ":" in token:  # 2001:db8::1:40000 is ambiguous; prefer whole
        addr, _, port = token.rpartition(":")
        if normalise(addr):
            return addr, _port(port)
    return token, None


def _split_dot_port(token: str) -> tuple[str, int | None]:
    """tcpdump's ``1.2.3.4.5555`` / ``2001:db8::1.5555`` (the port after the last dot)."""
    head, dot, tail = token.rpartition(".")
    if dot and tail.isdigit() and normalise(head) is not None and (":" in head or head.count(".") == 3):
        return head, _port(tail)
    return token, None


_OUTSIDE = re.compile(r"(?i)outside|untrust|\bwan|wan\b|wan\d|internet|extern|public|isp\b|uplink|pppoe|"
                      r"^out\b|^ext\b|^inet\b")
_INSIDE = re.compile(r"(?i)inside|^trust|\btrust(ed)?\b|^lan|lan\b|lan\d|internal|private|dmz|^in\b|^int\b|"
                     r"corp|office|servers?\b|bridge")


def _outside(side: str | None) -> bool:
    return bool(side) and bool(_OUTSIDE.search(side))


def _inside(side: str | None) -> bool:
    return bool(side) and not _outside(side) and bool(_INSIDE.search(side))


def _outbound(src_side: str | None, dst_side: str | None) -> bool:
    """True when traffic went from our side to the outside: the source is one of ours."""
    return _inside(src_side) and _outside(dst_side)


def _record(src: str | None, at, kind: str, dst: str | None = None, dst_port: int | None = None,
            signature: str | None = None, src_port: int | None = None) -> list[Record]:
    """One record of ``src``; ``src_port`` is the source's own port (every format here records
    the packet's source, so its source port, whenever the line states it)."""
    who = _addr(src)
    if who is None:
        return []
    target = (normalise(dst) or dst) if dst else None
    return [Record(src=who, at=at, kind=kind, dst=target, dst_port=dst_port, signature=signature,
                   src_port=src_port)]


def _kv_quoted(text: str) -> dict[str, str]:
    """``key="value with spaces" key2=value`` pairs (first occurrence wins)."""
    out: dict[str, str] = {}
    for key, quoted, bare in _KV_QUOTED.findall(text):
        out.setdefault(key.lower(), quoted or bare)
    return out


_KV_QUOTED = re.compile(r'(?<![\w-])([\w-]+)=(?:"([^"]*)"|(\S*))')


# ---------------------------------------------------------------------------------------------
# Kernel netfilter lines: iptables, ip6tables, nftables, ufw, UniFi/EdgeOS/VyOS, SuSE, firewalld
# ---------------------------------------------------------------------------------------------

_NF_IN = re.compile(r"(?:^|(?<=[\s\]:)>]))IN=")
_NF_KV = re.compile(r"(?<![\w\[])(IN|OUT|SRC|DST|PROTO|SPT|DPT)=(\S*)")
_NF_HEADER = re.compile(r"^.*?\bkernel(?:\[\d+\])?:\s*")
_NF_UPTIME = re.compile(r"^\s*\[\s*\d+\.\d+\]\s*")
_NF_DESCR = re.compile(r'DESCR="[^"]*"')
# UniFi OS: [WAN_LOCAL-D-2147483647]; EdgeOS/USG: [WAN_IN-default-D], [WAN_LOCAL-10-A];
# VyOS 1.4 (nftables): [ipv4-INP-filter-default-D], [ipv4-NAM-QZ-Z-WAN-TO-LAN-10-A]
_NF_TAG = re.compile(r"\[(?P<tag>[A-Za-z0-9_.]+(?:-[A-Za-z0-9_.]+)*-(?:[A-Z]{1,3}|RET)(?:-\d+)?)\]")
_TAG_BLOCK = {"D", "R", "DROP", "REJ", "REJECT"}
_TAG_PASS = {"A", "RET", "C", "J", "ACCEPT"}
_BLOCK_WORDS = {"DROP", "DROPPED", "DROPPING", "DRP", "REJECT", "REJECTED", "REJ", "BLOCK", "BLOCKED",
                "BLK", "DENY", "DENIED", "DISCARD", "DISCARDED", "BAN", "BANNED", "BLACKLIST",
                "BLOCKLIST", "BLACKLISTED"}
_PASS_WORDS = {"ACCEPT", "ACCEPTED", "ACC", "ALLOW", "ALLOWED", "PASS", "PASSED", "PERMIT",
               "PERMITTED", "AUDIT"}
_TOKENS = re.compile(r"[A-Za-z]+")
_NFT_HINT = re.compile(r"(?i)nft|\[(?:ipv[46]|bri)-|"
                       r"\b(?:drop|reject|accept)\s+\w+\s+(?:in|out|forward|invalid)\b")


def _nf_prefix(head: str) -> str:
    """The log prefix: what precedes ``IN=`` once the syslog header and uptime are removed."""
    m = _NF_HEADER.match(head)
    if m:
        head = head[m.end():]
    else:
        lead = _LEAD.match(head)
        if lead:
            head = head[lead.end():]
            # without "kernel:" (UniFi), drop the host name (sometimes written twice)
            parts = head.split()
            while parts and not parts[0].startswith("[") and "=" not in parts[0] and len(parts) > 1:
                parts.pop(0)
            head = " ".join(parts)
    head = _DMESG_T.sub("", _CLF_TIME.sub("", head))
    return _NF_UPTIME.sub("", head).strip()


def _nf_verdict(prefix: str) -> tuple[str, str | None]:
    """('block' | 'pass' | 'unknown', rule tag) from the log prefix."""
    bare = _NF_DESCR.sub("", prefix)
    tag = _NF_TAG.search(bare)
    if tag:
        parts = tag["tag"].split("-")
        for part in reversed(parts[1:]):
            if part in _TAG_BLOCK:
                return "block", tag["tag"]
            if part in _TAG_PASS:
                return "pass", tag["tag"]
    if "[UFW " in bare:
        return ("block" if "BLOCK" in bare else "pass"), None
    words = {w.upper() for w in _TOKENS.findall(bare)}
    if words & _BLOCK_WORDS:
        return "block", None
    if words & _PASS_WORDS:
        return "pass", None
    return "unknown", None


def _unifi_tag(text: str) -> bool:
    tag = _NF_TAG.search(text)
    return tag is not None and any(p in _TAG_BLOCK or p in _TAG_PASS for p in tag["tag"].split("-")[1:])


def _nf_variant(prefix: str, line: str) -> str:
    if "[UFW " in prefix:
        return "ufw"
    if _NFT_HINT.search(prefix):
        return "nftables"  # VyOS >= 1.4, OpenWrt fw4 ("drop wan in: "), explicit nft prefixes
    if "DESCR=" in line or _unifi_tag(prefix):
        return "unifi"
    return "iptables"


def _nf_time(line: str, ctx: ParseContext) -> datetime | None:
    at = leading_time(line, ctx)
    if at is not None:
        return at
    m = _DMESG_T.search(line, 0, 64)
    if m:  # dmesg -T: [Mon Jun  8 14:34:33 2020]
        return _bsd(ctx, m["mon"], m["day"], m["hms"], m["year"])
    m = _CLF_TIME.search(line, 0, 200)
    if m:  # Proxmox pve-firewall: 100 6 tap100i0-IN 28/Jun/2020:17:17:51 +0200 policy DROP: IN=...
        month = MONTHS.get(m["mon"][:3].lower())
        return _when(ctx, int(m["year"]), month, int(m["day"]), m["hms"], None, _zone(m["z"])) \
            if month else None
    return None


class Netfilter(LineFormat):
    """The kernel's LOG/NFLOG text (``IN= OUT= ... SRC= DST= ... PROTO= SPT= DPT=``).

    One parser, several names: the log prefix tells ufw, UniFi/EdgeOS, nftables (VyOS, OpenWrt
    fw4, explicit "nft" prefixes) from plain iptables (SuSE SFW2, firewalld, Shorewall, CSF...).
    Prefix verdicts: DROP/REJECT/BLOCK-like words (or UniFi "-D-"/"-R-") record; ACCEPT/ALLOW/ACC/
    AUDIT-like words (or UniFi "-A-"/"-RET-") do not; a prefix that says neither records, because
    in practice LOG rules without a verdict sit in front of a DROP.
    """

    keywords = ("SRC=",)

    def __init__(self, name: str, label: str, marker=None):
        self.name, self.label, self._marker = name, label, marker

    def wants(self, line: str) -> bool:
        return "SRC=" in line and "IN=" in line and (self._marker is None or self._marker(line))

    def parse_line(self, line: str, ctx: ParseContext):
        start = _NF_IN.search(line)
        if start is None:
            return None
        prefix = _nf_prefix(line[: start.start()])
        if _nf_variant(prefix, line) != self.name:
            return None
        fields: dict[str, str] = {}
        end = line.find("[SRC=", start.start())  # an ICMP error quotes the original packet after
        for key, value in _NF_KV.findall(line, start.start(), end if end > 0 else len(line)):
            fields.setdefault(key, value)
        src = fields.get("SRC")
        if not src or "DST" not in fields:
            return None
        verdict, tag = _nf_verdict(prefix)
        label = tag or " ".join(_NF_DESCR.sub("", prefix).split()).strip(" :") or None
        if verdict == "pass" or (not fields.get("IN") and fields.get("OUT")):
            kind = Kind.SEEN  # accepted, or the OUTPUT chain: sent by the logging host itself
        else:
            kind = Kind.SCAN if label and "SCAN" in label.upper() else Kind.BLOCKED
        proto = fields.get("PROTO", "")
        signature = " ".join(x for x in (label, proto) if x) or None
        return _record(src, _nf_time(line, ctx), kind, fields.get("DST"), _port(fields.get("DPT")),
                       signature, _port(fields.get("SPT")))


# ---------------------------------------------------------------------------------------------
# Cisco ASA / PIX / FWSM / Firepower Threat Defense syslog
# ---------------------------------------------------------------------------------------------

_ASA_TAG = re.compile(r"%?(?P<fac>ASA|PIX|FWSM|FTD|NGIPS)-(?:[A-Za-z]+-)?(?P<sev>\d)-(?P<id>\d{6})\b:?\s*")
_FP_FIELD = re.compile(r"(?:^|, )(AccessControlRuleAction|SrcIP|DstIP|SrcPort|DstPort|IngressInterface|"
                       r"EgressInterface|IngressZone|EgressZone|SignatureName|Signature|Message|"
                       r"AccessControlRuleName): ([^,]*)")


def _firepower(msg_id: int, body: str, line: str, ctx: ParseContext) -> list[Record]:
    """Firepower (FTD/NGIPS) 430001 intrusion and 430002/430003 connection events: key: value."""
    f = dict(_FP_FIELD.findall(body))
    action = f.get("AccessControlRuleAction", "").strip()
    at = leading_time(line, ctx)
    if msg_id == 430001:
        name = (f.get("SignatureName") or f.get("Signature") or f.get("Message") or "?").strip()
        return _record(f.get("SrcIP"), at, Kind.IDS_ALERT, f.get("DstIP"), _port(f.get("DstPort")),
                       f"Firepower intrusion: {name}", _port(f.get("SrcPort")))
    if not action.startswith("Block"):
        return []
    if _outbound(f.get("IngressZone") or f.get("IngressInterface"),
                 f.get("EgressZone") or f.get("EgressInterface")):
        return []
    return _record(f.get("SrcIP"), at, Kind.BLOCKED, f.get("DstIP"), _port(f.get("DstPort")),
                   f"Firepower {action} rule {f.get('AccessControlRuleName', '?').strip()}",
                   _port(f.get("SrcPort")))
_IP = r"[0-9A-Fa-f:.]*[0-9A-Fa-f]"  # an address as Cisco prints it (v4 or v6)
_IFIP = r"(?P<{0}if>[^\s:/]+):(?P<{0}>[^\s/(,]+)(?:/(?P<{0}port>\w+))?(?:\([^)]*\))?"


def _ifip(prefix: str) -> str:
    return _IFIP.format(prefix)


class _Asa:
    """One ASA message shape: ids, body regex, verdict."""

    def __init__(self, ids, pattern, kind=Kind.BLOCKED, check=None, primary=None):
        self.ids = frozenset(ids)
        self.primary = primary or min(self.ids)  # the id named when an untagged line matches
        self.regex = re.compile(pattern)
        self.kind, self.check = kind, check


def _asa_sides(m) -> bool:
    """Hostile unless it went from an inside-looking interface to an outside-looking one."""
    d = m.groupdict()
    return not _outbound(d.get("srcif"), d.get("dstif"))


def _asa_106015(m) -> bool:
    # "Deny TCP (no connection)": a packet of no known connection. With ACK or RST it is the late
    # end of a real connection or backscatter of somebody else's spoofed flood (the source is then
    # a victim); without them (FIN, NULL, XMAS) it is a stealth scan.
    flags = set(m["flags"].split())
    return not flags & {"ACK", "RST"}


def _asa_106100(m) -> bool:
    return m["verdict"] == "denied" and _asa_sides(m)


def _asa_outside_target(m) -> bool:
    return _outside(m["dstif"])


def _asa_ips(m) -> bool:
    # IPS informational signatures (1000-1006 IP options, 2000-2012 ICMP types) fire on ordinary
    # pings and traceroutes; the rest (fragment attacks, stealth scans, DNS/RPC attacks) are hostile.
    sig = int(m["sig"])
    return not (1000 <= sig <= 1006 or 2000 <= sig <= 2012)


_ASA_SHAPES = [
    _Asa({106001}, rf"Inbound (?P<proto>\w+) connection denied from (?P<src>{_IP})/(?P<srcport>\d+) "
                   rf"to (?P<dst>{_IP})/(?P<dstport>\d+)"),
    _Asa({106006, 106007}, rf"Deny inbound (?P<proto>\w+) from (?P<src>{_IP})/(?P<srcport>\d+) "
                           rf"to (?P<dst>{_IP})/(?P<dstport>\d+)"),
    _Asa({106008}, rf"Deny inbound protocol (?P<proto>\d+) from (?P<src>{_IP}) to (?P<dst>{_IP})"),
    # 106010, 106014, 106023 (and FTD's variants): "Deny tcp src outside:1.2.3.4/5 dst inside:..."
    _Asa({106010, 106014, 106023},
         rf"Deny (?:inbound )?(?P<proto>[\w-]+(?: \d+)?) src {_ifip('src')} dst {_ifip('dst')}"
         rf"(?=[\s,]|$)", check=_asa_sides, primary=106023),
    _Asa({106015}, rf"Deny TCP \(no connection\) from (?P<src>{_IP})/(?P<srcport>\d+) to "
                   rf"(?P<dst>{_IP})/(?P<dstport>\d+) flags (?P<flags>[A-Z ]*?)\s+on interface",
         kind=Kind.SCAN, check=_asa_106015),
    _Asa({106012}, rf"Deny IP from (?P<src>{_IP}) to (?P<dst>{_IP}), IP options"),
    _Asa({106013}, rf"Dropping echo request from (?P<src>{_IP}) to PAT address (?P<dst>{_IP})"),
    _Asa({106020}, rf"Deny IP teardrop fragment \([^)]*\) from (?P<src>{_IP}) to (?P<dst>{_IP})"),
    _Asa({106021}, rf"Deny (?P<proto>\w+) reverse path check from (?P<src>{_IP}) to (?P<dst>{_IP})"),
    _Asa({106016, 106017, 106022}, r"Deny IP spoof from|Land Attack from|connection spoof from",
         check=lambda m: False),
    _Asa({106100}, r"access-list (?P<acl>\S+) (?P<verdict>denied|permitted|est-allowed) (?P<proto>\S+) "
                   r"(?P<srcif>[^\s/]+)/(?P<src>[^\s(]+)\((?P<srcport>\d+)\)(?:\([^)]*\))? -> "
                   r"(?P<dstif>[^\s/]+)/(?P<dst>[^\s(]+)\((?P<dstport>\d+)\)", check=_asa_106100),
    _Asa({313001, 313008}, rf"Denied (?P<proto>ICMP|IPv6-ICMP|ICMPv6) type=\d+, code=\d+ from "
                           rf"(?P<src>{_IP}) on interface (?P<srcif>\S+)"),
    _Asa(set(range(400000, 400051)), rf"IPS:(?P<sig>\d+) (?P<name>.+?) from (?P<src>{_IP}) to "
                                     rf"(?P<dst>{_IP}) on interface", kind=Kind.SCAN, check=_asa_ips),
    _Asa({401004}, rf"Shunned packet: (?P<src>{_IP}) ==> (?P<dst>{_IP})"),
    _Asa({419002}, rf"Duplicate TCP SYN from {_ifip('src')} to {_ifip('dst')} with different",
         check=_asa_sides),
    _Asa({500004}, rf"Invalid transport field for protocol=(?P<proto>\S+), from (?P<src>{_IP})/"
                   rf"(?P<srcport>\d+) to (?P<dst>{_IP})/(?P<dstport>\d+)"),
    # the FirePOWER (SFR) module asked the ASA to drop a flow's packet
    _Asa({434002}, rf"SFR requested to drop (?P<proto>\w+) packet from {_ifip('src')} to {_ifip('dst')}",
         check=_asa_sides),
    _Asa({710003}, rf"\b(?P<proto>\w+) access denied by ACL from (?P<src>{_IP})/(?P<srcport>\d+) to "
                   rf"{_ifip('dst')}(?=[\s,]|$)"),
    # 710005 is mostly broadcast noise; only a discarded request to an outside address counts.
    _Asa({710005}, rf"\b(?P<proto>\w+) request discarded from (?P<src>{_IP})/(?P<srcport>\d+) to "
                   rf"{_ifip('dst')}(?=[\s,]|$)", check=_asa_outside_target),
    _Asa({733100}, r"\[\s*(?P<src>[^\]\s[]{1,64})\s*\] drop rate-\d+ exceeded", kind=Kind.SCAN,
         check=lambda m: normalise(m["src"]) is not None),
    _Asa({733101}, rf"(?:Host|Subnet) (?P<src>{_IP})(?:/\d+)? is attacking", kind=Kind.SCAN),
    _Asa({733102}, rf"Threat-detection adds host (?P<src>{_IP}) to shun list", kind=Kind.SCAN),
    # Botnet Traffic Filter: only when the *source* is the blacklisted address
    _Asa({338001, 338003, 338005, 338007},
         rf"from {_ifip('src')} .*?to {_ifip('dst')}.*?, source (?P<bad>{_IP}) resolved from",
         kind=Kind.LISTED, check=lambda m: normalise(m["bad"]) == normalise(m["src"])),
    # failed logins against the ASA itself (VPN, ASDM, SSH): brute force and password spraying
    _Asa({113005, 113015}, rf"AAA user authentication Rejected : reason = [^:]*: server = \S+ : "
                           rf"user = (?P<user>.*?) : user IP = (?P<src>{_IP})", kind=Kind.FAILED_LOGIN),
    _Asa({611102}, rf"User authentication failed: IP address: (?P<src>{_IP})", kind=Kind.FAILED_LOGIN),
    _Asa({605004}, rf"Login denied from (?P<src>{_IP})/(?P<srcport>\d+) to {_ifip('dst')} for user",
         kind=Kind.FAILED_LOGIN),
    _Asa({716039}, rf"User <(?P<user>[^>]*)> IP <(?P<src>{_IP})> Authentication: rejected",
         kind=Kind.FAILED_LOGIN),
    # Not hostile, but naming a peer: allowed connections built and torn down, NAT, URL access,
    # routing failures, stray ICMP errors, VPN state. Their sources are listed as seen (never
    # reported), and an untagged export of them is claimed instead of being read by a fallback.
    _Asa({302013, 302014, 302015, 302016},
         rf"\b(?:Built (?:inbound|outbound) |Teardown )(?P<proto>TCP|UDP|ICMP|GRE|SCTP) connection \d+ "
         rf"for {_ifip('src')} (?:\([^)]*\) )?to {_ifip('dst')}", kind=Kind.SEEN, primary=302013),
    _Asa({305011, 305012}, rf"\b(?:Built|Teardown) (?:dynamic|static) (?P<proto>\w+) translation "
                           rf"from {_ifip('src')} to {_ifip('dst')}", kind=Kind.SEEN),
    _Asa({304001}, rf"^\s*(?:\S+:\s+)?(?P<src>{_IP})(?:\([^)]*\))? Accessed (?:JAVA )?URL",
         kind=Kind.SEEN),
    _Asa({110002}, rf"Failed to locate egress interface for (?P<proto>\w+) from {_ifip('src')} to "
                   rf"(?P<dst>{_IP})/(?P<dstport>\d+)", kind=Kind.SEEN),
    _Asa({313005}, rf"No matching connection for ICMP error message: icmp src {_ifip('src')} dst "
                   rf"{_ifip('dst')}.*?Original IP payload: (?P<proto2>\w+) src (?P<src2>{_IP})",
         kind=Kind.SEEN),
    _Asa({402117, 402119}, rf"IPSEC: Received an? .*? from (?P<src>{_IP})(?: \([^)]*\))? to "
                           rf"(?P<dst>{_IP})", kind=Kind.SEEN, primary=402117),
    _Asa({419001}, rf"Dropping (?P<proto>\w+) packet from {_ifip('src')} to {_ifip('dst')}, reason: "
                   r"MSS exceeded", kind=Kind.SEEN),
    _Asa({602303, 602304}, rf"IPSEC: An? (?:inbound|outbound) .*? SA .*? between (?P<src>{_IP}) and "
                           rf"(?P<dst>{_IP})", kind=Kind.SEEN),
    _Asa({710001, 710002}, rf"\b(?P<proto>\w+) access (?:requested|permitted) from (?P<src>{_IP})/"
                           rf"(?P<srcport>\d+) to {_ifip('dst')}", kind=Kind.SEEN),
    _Asa({713172}, rf"Group = [^,]+, IP = (?P<src>{_IP}), ", kind=Kind.SEEN),
    # recognised, naming nobody who matters: permitted ACL hits, ICMP connections by faddr/laddr
    _Asa({106100, 302020, 302021},
         r"access-list \S+ (?:permitted|est-allowed) |\b(?:Built|Teardown) (?:inbound |outbound )?"
         r"ICMP connection for faddr", check=lambda m: False),
]
_ASA_BY_ID: dict[int, list[_Asa]] = {}
for _shape in _ASA_SHAPES:
    for _id in _shape.ids:
        _ASA_BY_ID.setdefault(_id, []).append(_shape)


class CiscoAsa(LineFormat):
    """Cisco ASA/PIX/FWSM/FTD messages, with or without their ``%ASA-n-NNNNNN:`` tag.

    Recorded: denies and drops (106001/6/7/8/10/12/13/14/20/21/23, 106015 stealth flags only,
    106100 "denied", 313001/313008, 401004, 419002, 500004, 710003, 710005 to an outside
    address), threat detection and IPS (733100 with a host, 733101 "is attacking", 733102,
    4000xx attack signatures), Botnet Traffic Filter hits on a blacklisted source, and failed
    logins to the box (113005/113015, 605004, 611102, 716039), drops the FirePOWER module
    asked for (434002); Firepower connection events
    (430002/430003) whose rule action is Block, and intrusion events (430001). Everything else
    with a tag (Built, Teardown, NAT, permitted, VPN state...) is claimed and not recorded.
    "Built inbound" only means an ACL allowed the connection, so it is never taken as hostile.
    """

    name = "cisco-asa"
    label = "Cisco ASA / PIX / FTD syslog"
    keywords = ("ASA-", "PIX-", "FTD-", "FWSM-", "NGIPS-", "Deny ", "denied", "Denied", "drop rate-",
                "Duplicate TCP SYN", "Dropping echo", "Shunned packet", "is attacking", "shun list",
                "Invalid transport field", "authentication Rejected", "Authentication: rejected",
                "authentication failed", "discarded from", "access-list", "Built ", "Teardown ",
                "Accessed", "No matching connection", "Failed to locate egress", "IPSEC:",
                "Dropping TCP packet", "Group = ", "access requested", "access permitted",
                "SFR requested")

    def parse_line(self, line: str, ctx: ParseContext):
        tag = _ASA_TAG.search(line)
        if tag is not None:
            body = line[tag.end():]
            msg_id = int(tag["id"])
            if msg_id in (430001, 430002, 430003):
                return _firepower(msg_id, body, line, ctx)
            shapes = _ASA_BY_ID.get(msg_id)
            if not shapes:
                return []  # a known ASA message that is not hostile
        else:
            body, msg_id, shapes = line, None, _ASA_SHAPES
        for shape in shapes:
            m = shape.regex.search(body)
            if m is None:
                continue
            if shape.check is not None and not shape.check(m):
                return []
            number = msg_id or shape.primary
            d = m.groupdict()
            sig = f"ASA-{number}" + (f" {d['proto']}" if d.get("proto") else "")
            if d.get("name"):
                sig = f"ASA-{number} IPS:{d['sig']} {d['name']}"
            at = leading_time(line, ctx)
            found = _record(d.get("src"), at, shape.kind, d.get("dst"), _port(d.get("dstport")), sig,
                            _port(d.get("srcport")))
            if d.get("src2"):  # the quoted original packet's sender (ICMP errors)
                found += _record(d["src2"], at, shape.kind, signature=sig)
            return found
        return [] if tag is not None else None


# ---------------------------------------------------------------------------------------------
# Cisco IOS, IOS XE and IOS XR access-list logging (routers and switches; not the ASA)
# ---------------------------------------------------------------------------------------------

# %SEC-6-IPACCESSLOGP: / %IPV6_ACL-6-ACCESSLOGP: / IOS XR's "%ACL-IPV4_ACL-6-IPACCESSLOGP :"
_IOS_TAG = re.compile(r"%(?P<fac>[A-Z0-9_]+(?:-[A-Z0-9_]+)*)-\d-(?P<mnem>[A-Z0-9_]*ACCESSLOG[A-Z0-9_]*) ?: ")
_IOS_ADDR = r"[0-9A-Fa-f:.]*[0-9A-Fa-f]"
_IOS_ACL = re.compile(
    r"(?:list|access-list) (?P<acl>\S+)(?: \(\d+\))? (?P<action>denied|permitted|deny|permit) "
    r"(?:(?P<proto>[a-z][a-z0-9]*|\d{1,3}) )?"
    rf"(?P<src>{_IOS_ADDR})(?:\((?P<sport>\d+)\))?(?: \([^()]*\))?"  # the interface and MAC it came in on
    rf"(?: -> (?P<dst>{_IOS_ADDR})(?:\((?P<dport>\d+)\))?(?: \(\d+/\d+\))?)?"  # ICMP (type/code)
    r",? (?P<count>\d+) packets?\b"
)
# the device's own clock, before the tag: "000123: *Nov 18 06:25:03.123 UTC: %SEC...", IOS XR's
# "RP/0/RSP0/CPU0:Nov 18 06:25:09.123 UTC: ipv4_acl_mgr[123]: %ACL-..."
_IOS_TIME = re.compile(r"(?:^|[:\s])[*.]?(?P<mon>" + _MON + r")\s+(?P<day>\d{1,2})\s+(?:(?P<year>\d{4})\s+)?"
                       r"(?P<hms>\d\d:\d\d:\d\d)(?:\.\d+)?(?:\s+(?P<zone>UTC|GMT|[A-Z]{3,5}))?:\s")


class CiscoIos(LineFormat):
    """Access-list logging of Cisco IOS, IOS XE and IOS XR: ``%SEC-6-IPACCESSLOGP`` (TCP and UDP),
    ``IPACCESSLOGDP`` (ICMP), ``IPACCESSLOGNP`` (other protocols), ``IPACCESSLOGRP``,
    ``IPACCESSLOGS`` (a standard list: the source alone), their IPv6 twins
    (``%IPV6_ACL-6-ACCESSLOGP``...) and IOS XR's ``access-list NAME (seq) deny``.

    A denied packet is a blocked connection from its source; a permitted one is listed as seen.
    A line stands for ``N packets`` of one flow, logged at most every few minutes: it is one
    record, as a firewall's line is. The time is the syslog header's, else the router's own.
    """

    name = "cisco-ios"
    label = "Cisco IOS / IOS XE / IOS XR access-list log"
    keywords = ("ACCESSLOG",)

    def parse_line(self, line: str, ctx: ParseContext):
        tag = _IOS_TAG.search(line)
        if tag is None:
            return None
        m = _IOS_ACL.match(line, tag.end())
        if m is None or normalise(m["src"]) is None:
            return []  # an access-list message of another shape: ours, nothing to record
        at = leading_time(line, ctx)
        if at is None and (t := _IOS_TIME.search(line, 0, tag.end() + 1)):
            at = _bsd(ctx, t["mon"], t["day"], t["hms"], t["year"], t["zone"])
        denied = m["action"].startswith("den")
        proto = m["proto"] or ("icmp" if "DP" in tag["mnem"] else None)
        sig = f"Cisco IOS ACL {m['acl']} {'denied' if denied else 'permitted'}"
        sig += f" {proto}" if proto else ""
        return _record(m["src"], at, Kind.BLOCKED if denied else Kind.SEEN, m["dst"], _port(m["dport"]), sig,
                       _port(m["sport"]))


# ---------------------------------------------------------------------------------------------
# OpenBSD / FreeBSD pf: tcpdump -n -e on pflog ("rule 3/(match) block in on em0: a.p > b.p: ...")
# ---------------------------------------------------------------------------------------------

_PF = re.compile(r"\brule (?P<rule>[^\s/]*)/(?P<sub>\d*)\((?P<reason>[\w-]+)\):? (?P<action>[\w-]+) "
                 r"(?P<dir>in|out|fwd)? ?on (?P<iface>[\w.:-]+): ")
_PF_ADDRS = re.compile(r"(?P<src>[0-9A-Fa-f:.]{3,}) > (?P<dst>[0-9A-Fa-f:.]{3,}?):(?=\s|$)")
# tcpdump -v: the packet's addresses on the next line, indented, after the IP header's details
_PF_NEXT = re.compile(r"^\s+(?P<src>[0-9A-Fa-f:.]{3,}) > (?P<dst>[0-9A-Fa-f:.]{3,}?):(?=\s|$)")


class Pf(LineFormat):
    """pf's log as tcpdump prints it (from pflogd's file, or forwarded to syslog). With ``-v`` the
    addresses come on the next, indented line: the rule's line is remembered (in the parse's
    memory) for the line that follows it."""

    name = "pf"
    label = "OpenBSD/FreeBSD pf (pflog via tcpdump)"
    keywords = ("rule ", " > ")

    def parse_line(self, line: str, ctx: ParseContext):
        memory = parse_memory(ctx, self.name)
        m = _PF.search(line)
        if m is None:
            pending = memory.pop("pending", None)
            a = _PF_NEXT.match(line) if pending is not None else None
            return None if a is None else self._record(pending, a)
        memory.pop("pending", None)
        rule = (m["rule"], m["action"], m["dir"], m["iface"], leading_time(line, ctx))
        a = _PF_ADDRS.search(line, m.end())
        if a is None:
            memory["pending"] = rule
            return []
        return self._record(rule, a)

    @staticmethod
    def _record(rule: tuple, a: re.Match) -> list[Record]:
        number, action, direction, iface, at = rule
        if action not in ("block", "drop", "reject"):
            return []  # passed: pf logs routine traffic with "log" rules
        src, sport = _split_dot_port(a["src"])
        dst, dport = _split_dot_port(a["dst"])
        kind = Kind.SEEN if direction == "out" else Kind.BLOCKED  # out: our own packet, held back
        return _record(src, at, kind, dst, dport, f"pf rule {number} {action} on {iface}", sport)


# ---------------------------------------------------------------------------------------------
# pfSense / OPNsense filterlog CSV
# ---------------------------------------------------------------------------------------------

_FILTERLOG = re.compile(r"\bfilterlog(?:\[\d+\])?:?\s+(?:\d+\s+-\s+(?:\[[^\]]*\]|-)\s+)?(?P<csv>\d*,.*)$")


class FilterLog(LineFormat):
    """pf's log as pfSense and OPNsense write it: ``filterlog: rule,sub,anchor,tracker,if,...``."""

    name = "pfsense-filterlog"
    label = "pfSense / OPNsense filterlog"
    keywords = ("filterlog",)

    def parse_line(self, line: str, ctx: ParseContext):
        m = _FILTERLOG.search(line)
        if m is None:
            return None
        f = m["csv"].split(",")
        if len(f) < 9:
            ctx.error(None, "filterlog line too short", skipped=False)
            return []
        rule, tracker, iface, action, direction, version = f[0], f[3], f[4], f[6], f[7], f[8]
        if action not in ("block", "reject", "drop"):
            return []  # pass/match lines: routine traffic of rules that log
        kind = Kind.BLOCKED if direction == "in" else Kind.SEEN  # out: our own packet, held back
        if version == "4" and len(f) >= 20:
            proto, src, dst, rest = f[16].lower(), f[18], f[19], f[20:]
        elif version == "6" and len(f) >= 17:
            proto, src, dst, rest = f[12].lower(), f[15], f[16], f[17:]
        else:
            return []
        ported = proto in ("tcp", "udp") and len(rest) > 1
        sport, dport = (_port(rest[0]), _port(rest[1])) if ported else (None, None)
        sig = f"filterlog rule {rule}" + (f" ({tracker})" if tracker else "") + f" {action} on {iface}"
        return _record(src, leading_time(line, ctx), kind, dst, dport, sig, sport)


# ---------------------------------------------------------------------------------------------
# MikroTik RouterOS
# ---------------------------------------------------------------------------------------------

# the words before the chain (host, topics, the admin's log prefix) are a few: bounded, so that a long
# line of words is not searched from every one of them to its end
_MT_FW = re.compile(r"(?:^|\s)(?P<pre>(?:[^\s:]+\s+){0,16}?)(?P<chain>[\w-]+): in:(?P<in>.*?) "
                    r"out:(?P<out>.*?), ")
_MT_FLOW = re.compile(r"proto (?P<proto>[\w-]+)(?: \([^)]*\))?, (?P<src>\[[0-9A-Fa-f:.]+\](?::\d+)?|"
                      r"[0-9A-Fa-f:.]+)->(?P<dst>\[[0-9A-Fa-f:.]+\](?::\d+)?|[0-9A-Fa-f:.]+)")
_MT_LOGIN = re.compile(r"login:? failure for user (?P<user>.*?) from (?P<src>[0-9A-Fa-f:.]+) "
                       r"via (?P<via>\S+)")
_MT_TOPICS = re.compile(r"^[a-z]+(?:,[a-z]+)+$")
_MT_TIME = re.compile(r"^\s*(?P<mon>" + _MON + r")/(?P<day>\d{1,2})(?:/(?P<year>\d{4}))? "
                      r"(?P<hms>\d\d:\d\d:\d\d)")


def _mt_time(line: str, ctx: ParseContext) -> datetime | None:
    at = leading_time(line, ctx)
    if at is None and (m := _MT_TIME.match(line)):  # RouterOS's own "mar/18 20:35:05"
        at = _bsd(ctx, m["mon"], m["day"], m["hms"], m["year"])
    return at


class MikroTik(LineFormat):
    """RouterOS firewall ``log=yes`` lines and failed logins.

    The firewall line does not state the rule's action; the log prefix an admin sets usually
    does ("drop-in", "BLOCK"). A prefix that says accept/allow/pass is skipped, anything else is
    recorded. Chain "output" is the router's own traffic.
    """

    name = "mikrotik"
    label = "MikroTik RouterOS"
    keywords = (" in:", "login failure", "login: failure")

    def parse_line(self, line: str, ctx: ParseContext):
        login = _MT_LOGIN.search(line)
        if login is not None:
            return _record(login["src"], _mt_time(line, ctx), Kind.FAILED_LOGIN, None, None,
                           f"RouterOS login via {login['via']}")
        m = _MT_FW.search(line)
        if m is None:
            return None
        flow = _MT_FLOW.search(line, m.end())
        if flow is None:
            return None
        # "<host> firewall,info <log prefix> <chain>: in:..." (the topics may be missing; then the
        # first word is the host name)
        words = m["pre"].split()
        topics = [i for i, w in enumerate(words) if _MT_TOPICS.match(w)]
        prefix = " ".join(words[topics[-1] + 1:] if topics else words[1:])
        tokens = {t.upper() for t in _TOKENS.findall(prefix)}
        if (tokens & _PASS_WORDS and not tokens & _BLOCK_WORDS) or m["chain"] == "output":
            return []
        if _outbound(m["in"], m["out"]):
            return []
        src, sport = _split_colon_port(flow["src"])
        dst, dport = _split_colon_port(flow["dst"])
        sig = " ".join(x for x in (prefix, m["chain"], flow["proto"]) if x)
        kind = Kind.SCAN if "SCAN" in prefix.upper() else Kind.BLOCKED
        return _record(src, _mt_time(line, ctx), kind, dst, dport, sig, sport)


# ---------------------------------------------------------------------------------------------
# Juniper SRX (Junos RT_FLOW / RT_SCREEN) and NetScreen (ScreenOS)
# ---------------------------------------------------------------------------------------------

_SRX_TAG = re.compile(r"\b(?P<tag>RT_FLOW_SESSION_DENY(?:_LS)?|RT_FLOW_SESSION_\w+|APPTRACK_\w+|"
                      r"RT_SCREEN_[A-Z0-9_]+)\b")
_SRX_DENY = re.compile(r"session denied (?P<src>[0-9A-Fa-f:.]+)/(?P<sport>\d+)->(?P<dst>[0-9A-Fa-f:.]+)/"
                       r"(?P<dport>\d+)(?: 0x\w+)? (?P<svc>\S+) (?P<proto>\d+)\(\d+\) (?P<policy>\S+) "
                       r"(?P<sz>\S+) (?P<dz>\S+)")
# a session allowed: created, or closed (with its reason); the zones when the layout is the usual one
_SRX_SESSION = re.compile(r"session (?:created|closed [^:\n]{1,64}:) (?P<src>[0-9A-Fa-f:.]+)/(?P<sport>\d+)->"
                          r"(?P<dst>[0-9A-Fa-f:.]+)/(?P<dport>\d+)(?: 0x\w+)? \S+ [0-9A-Fa-f:.]+/\d+->"
                          r"[0-9A-Fa-f:.]+/\d+(?: 0x\w+)?(?: \S+){2,4}? \d+ \S+ (?P<sz>\S+) (?P<dz>\S+) \d+ ")
_SRX_SESSION_BARE = re.compile(r"session (?:created|closed [^:\n]{1,64}:) (?P<src>[0-9A-Fa-f:.]+)/"
                               r"(?P<sport>\d+)->(?P<dst>[0-9A-Fa-f:.]+)/(?P<dport>\d+)")
_SRX_SCREEN = re.compile(r"(?P<attack>[^:]+!) source: (?P<src>[0-9A-Fa-f:.]+), destination: "
                         r"(?P<dst>[0-9A-Fa-f:.]+), zone name: (?P<zone>[^,]+)")
_SPOOF = re.compile(r"(?i)spoof|land attack")


def _screen_kind(attack: str) -> str:
    lowered = attack.lower()
    return Kind.SCAN if "scan" in lowered or "sweep" in lowered else Kind.BLOCKED


def _screen_addr(token: str, ported: bool) -> tuple[str, int | None]:
    """``1.2.3.4:80``, ``1.2.3.4``, or IPv6 with the port after the last colon when ``ported``."""
    if token.count(":") == 1:
        return _split_colon_port(token)
    if ported and ":" in token:
        head, _, tail = token.rpartition(":")
        if tail.isdigit() and normalise(head):
            return head, _port(tail)
    return token, None


class JuniperSrx(LineFormat):
    """Junos SRX security logs, structured (``[junos@2636... source-address="..."]``) or plain.

    Recorded: RT_FLOW_SESSION_DENY (unless from a trust-like zone to an untrust-like one) and
    RT_SCREEN_* (screens: floods, scans, sweeps, malformed packets), except spoofing screens.
    Sessions created and closed are allowed traffic, listed as seen (as the other firewalls'
    accepted connections), unless they go from a trust-like zone to an untrust-like one; other
    RT_FLOW/APPTRACK messages are claimed and not recorded.
    """

    name = "juniper"
    label = "Juniper SRX (Junos)"
    keywords = ("RT_FLOW", "RT_SCREEN", "APPTRACK_")

    def parse_line(self, line: str, ctx: ParseContext):
        t = _SRX_TAG.search(line)
        if t is None:
            return None
        tag = t["tag"]
        at = leading_time(line, ctx)
        kv = _kv_quoted(line[t.end():]) if "source-address=" in line or "attack-name=" in line else {}
        if tag.startswith("RT_FLOW_SESSION_DENY"):
            if kv:
                src, dst, dport = kv.get("source-address"), kv.get("destination-address"), \
                    _port(kv.get("destination-port"))
                sport = _port(kv.get("source-port"))
                sz, dz, policy = kv.get("source-zone-name"), kv.get("destination-zone-name"), \
                    kv.get("policy-name")
            else:
                m = _SRX_DENY.search(line, t.end())
                if m is None:
                    return []
                src, dst, dport, sz, dz, policy = (m["src"], m["dst"], _port(m["dport"]), m["sz"],
                                                   m["dz"], m["policy"])
                sport = _port(m["sport"])
            if _outbound(sz, dz):
                return []
            return _record(src, at, Kind.BLOCKED, dst, dport, f"{tag} policy {policy}", sport)
        if tag.startswith("RT_SCREEN_"):
            if kv:
                attack, src, dst = kv.get("attack-name", ""), kv.get("source-address"), \
                    kv.get("destination-address")
                dport, sport = _port(kv.get("destination-port")), _port(kv.get("source-port"))
            else:
                m = _SRX_SCREEN.search(line, t.end())
                if m is None:
                    return []
                ported = "TCP" in tag or "UDP" in tag
                attack = m["attack"].strip()
                src, sport = _screen_addr(m["src"], ported)
                dst, dport = _screen_addr(m["dst"], ported)
            if not src or _SPOOF.search(attack):
                return []
            return _record(src, at, _screen_kind(attack), dst, dport, f"{tag} {attack}".strip(), sport)
        if tag in ("RT_FLOW_SESSION_CREATE", "RT_FLOW_SESSION_CLOSE"):
            if kv:
                src, dst, dport = kv.get("source-address"), kv.get("destination-address"), \
                    _port(kv.get("destination-port"))
                sport, sz, dz = _port(kv.get("source-port")), kv.get("source-zone-name"), \
                    kv.get("destination-zone-name")
            else:
                m = _SRX_SESSION.search(line, t.end()) or _SRX_SESSION_BARE.search(line, t.end())
                if m is None:
                    return []
                src, dst, dport, sport = m["src"], m["dst"], _port(m["dport"]), _port(m["sport"])
                sz, dz = m.groupdict().get("sz"), m.groupdict().get("dz")
            if not src or _outbound(sz, dz):
                return []
            return _record(src, at, Kind.SEEN, dst, dport, tag, sport)
        return []


_NS_SCREEN = re.compile(r"\]system-\w+-(?P<id>\d{5})(?:\(\w+\))?: (?P<attack>[^!:]+)! From "
                        r"(?P<src>[0-9A-Fa-f:.]+?)(?::(?P<sport>\d+))? to (?P<dst>[0-9A-Fa-f:.]+?)"
                        r"(?::(?P<dport>\d+))?, proto (?P<proto>\w+) \(zone (?P<zone>[^,)]+)")
_NS_ZONES = re.compile(r"src zone=(?P<sz>\S+) dst zone=(?P<dz>\S+)")
_NS_START = re.compile(r'start_time="(?P<d>\d{4}-\d\d-\d\d) (?P<t>\d\d:\d\d:\d\d)"')


class NetScreen(LineFormat):
    """ScreenOS (NetScreen, SSG, ISG): traffic logs with action=Deny/Reject, and screen alarms."""

    name = "netscreen"
    label = "Juniper NetScreen (ScreenOS)"
    keywords = ("NetScreen device_id=", "]system-")

    def parse_line(self, line: str, ctx: ParseContext):
        if "NetScreen device_id=" not in line and not _NS_SCREEN.search(line):
            return None
        at = leading_time(line, ctx)
        if at is None and (s := _NS_START.search(line)):
            at = _iso(ctx, s["d"], s["t"])
        screen = _NS_SCREEN.search(line)
        if screen is not None:
            attack = screen["attack"].strip()
            if _SPOOF.search(attack):
                return []
            return _record(screen["src"], at, _screen_kind(attack), screen["dst"],
                           _port(screen["dport"]), f"NetScreen {screen['id']} {attack}",
                           _port(screen["sport"]))
        kv = _kv_quoted(line)
        action = kv.get("action", "").lower()
        if action not in ("deny", "reject", "drop") or "src" not in kv:
            return []
        zones = _NS_ZONES.search(line)
        if zones and _outbound(zones["sz"], zones["dz"]):
            return []
        return _record(kv.get("src"), at, Kind.BLOCKED, kv.get("dst"), _port(kv.get("dst_port")),
                       f"NetScreen policy {kv.get('policy_id', '?')} {action}", _port(kv.get("src_port")))


# ---------------------------------------------------------------------------------------------
# FortiGate, Palo Alto, Sophos, WatchGuard, Windows firewall
# ---------------------------------------------------------------------------------------------

_FG_BLOCK = {"deny", "denied", "block", "blocked", "drop", "dropped", "reject"}
_FG_LOGIN_FAIL = re.compile(r"(?i)login fail|ssl-login-fail|auth(?:entication)? fail")
# an administrator's client: ui=https(198.51.100.7), ui=ssh(...), ui="GUI(198.51.100.7)"
_FG_UI = re.compile(r"\((?P<ip>[0-9A-Fa-f.:]{3,45})\)")


def _fg_side(kv: dict[str, str], role: str, intf: str, legacy: str) -> str | None:
    """An interface's role (FortiOS 6+), else its name (``wan1``, ``internal``...) as a side."""
    value = kv.get(role, "")
    if value and value != "undefined":
        return value
    return kv.get(intf) or kv.get(legacy)


class FortiGate(LineFormat):
    """FortiOS key=value logs: denied traffic, IPS and anomaly (DoS) events, failed logins; the
    FortiOS 3/4 field names too (``status=deny src= dst= src_port= dst_port= src_int=``)."""

    name = "fortigate"
    label = "Fortinet FortiGate"
    keywords = ("devname=", "devid=")

    def parse_line(self, line: str, ctx: ParseContext):
        if "srcip=" not in line and "remip=" not in line and " src=" not in line and "ui=" not in line:
            return None
        kv = _kv_quoted(line)
        if "type" not in kv:
            return None
        at = None
        if kv.get("date") and kv.get("time"):
            at = _iso(ctx, kv["date"], kv["time"][:8], None, kv.get("tz") or None)
        at = at or leading_time(line, ctx)
        kind_, sub = kv.get("type", ""), kv.get("subtype", "")
        action = kv.get("action", "")
        if kind_ == "traffic" and not action:
            action = kv.get("status", "")  # FortiOS 3/4
        action = action.lower()
        src, dst = kv.get("srcip") or kv.get("src"), kv.get("dstip") or kv.get("dst")
        dport = _port(kv.get("dstport") or kv.get("dst_port"))
        sport = _port(kv.get("srcport") or kv.get("src_port"))
        if kind_ == "event":
            text = " ".join((kv.get("logdesc", ""), action, kv.get("status", ""), kv.get("msg", "")))
            if _FG_LOGIN_FAIL.search(text) or (action == "login" and kv.get("status") == "failed"):
                ui = _FG_UI.search(kv.get("ui", ""))
                return _record(src or kv.get("remip") or (ui["ip"] if ui else None), at, Kind.FAILED_LOGIN,
                               None, None, f"FortiGate {kv.get('logdesc') or action}")
            return []
        if _outbound(_fg_side(kv, "srcintfrole", "srcintf", "src_int"),
                     _fg_side(kv, "dstintfrole", "dstintf", "dst_int")):
            return []
        if kind_ == "traffic":
            if action not in _FG_BLOCK:
                return []
            return _record(src, at, Kind.BLOCKED, dst, dport,
                           f"FortiGate {sub} policy {kv.get('policyid', '?')} {action}", sport)
        if (kind_ in ("utm", "attack") and sub == "ips") or "anomaly" in (kind_, sub):
            attack = kv.get("attack") or kv.get("msg") or sub
            kind = Kind.SCAN if "scan" in attack.lower() else (
                Kind.IDS_ALERT if sub == "ips" else Kind.BLOCKED)
            return _record(src, at, kind, dst, dport, f"FortiGate {sub}: {attack}", sport)
        return []


_PAN = re.compile(r"(?:^|[\s,])(?P<f0>[^,\s]*),(?P<recv>\d{4}/\d\d/\d\d[ T*]\d\d:\d\d:\d\d),[^,]*,"
                  r"(?P<type>TRAFFIC|THREAT),")
_PAN_BLOCK = ("deny", "drop", "reset", "block", "sinkhole")


class PaloAlto(LineFormat):
    """PAN-OS CSV: TRAFFIC denies/drops, THREAT scan/flood/vulnerability/spyware events."""

    name = "paloalto"
    label = "Palo Alto Networks PAN-OS"
    keywords = (",TRAFFIC,", ",THREAT,")

    def parse_line(self, line: str, ctx: ParseContext):
        m = _PAN.search(line)
        if m is None:
            return None
        try:
            f = next(csv.reader([line[m.start("f0"):]]))
        except (csv.Error, StopIteration):
            return []
        if len(f) < 31:
            return []
        kind_, sub, src, dst, szone, dzone, action = f[3], f[4], f[7], f[8], f[16], f[17], f[30].lower()
        gen = f[6].replace("*", " ").replace("T", " ")
        date, _, hms = gen.partition(" ")
        at = _iso(ctx, date, hms[:8]) if date and hms else leading_time(line, ctx)
        sport, dport = _port(f[24]), _port(f[25])
        if kind_ == "TRAFFIC":
            if not action.startswith(_PAN_BLOCK) or _outbound(szone, dzone):
                return []
            return _record(src, at, Kind.BLOCKED, dst, dport, f"PAN-OS {f[11]} {action}", sport)
        direction = f[35] if len(f) > 35 else ""
        if sub in ("scan", "flood"):
            return _record(src, at, Kind.SCAN, dst, dport, f"PAN-OS {sub} {f[32] if len(f) > 32 else ''}",
                           sport)
        if sub in ("vulnerability", "spyware", "virus") and direction != "server-to-client":
            if _outbound(szone, dzone):
                return []
            return _record(src, at, Kind.IDS_ALERT, dst, dport,
                           f"PAN-OS {sub} {f[32] if len(f) > 32 else ''}".strip(), sport)
        return []


_SOPHOS_UTM_TIME = re.compile(r"^\s*(?:<\d+>)?(?P<d>\d{4}:\d\d:\d\d)-(?P<t>\d\d:\d\d:\d\d)")


class Sophos(LineFormat):
    """Sophos UTM packet filter/IPS (``sub="packetfilter" ... action="drop"``) and Sophos
    Firewall (SFOS/XG) ``log_type="Firewall" log_subtype="Denied"`` and IPS lines."""

    name = "sophos"
    label = "Sophos UTM / Sophos Firewall"
    keywords = ('sub="packetfilter"', 'sub="ips"', 'log_type="Firewall"', 'log_type="IDP"')

    def parse_line(self, line: str, ctx: ParseContext):
        kv = _kv_quoted(line)
        at = leading_time(line, ctx)
        if at is None and (m := _SOPHOS_UTM_TIME.match(line)):
            at = _iso(ctx, m["d"].replace(":", "-"), m["t"])
        if at is None and kv.get("date") and kv.get("time"):
            at = _iso(ctx, kv["date"], kv["time"][:8])
        if "sub" in kv:  # UTM
            action, name = kv.get("action", "").lower(), kv.get("name", "")
            if kv["sub"] == "ips":
                kind = Kind.SCAN if "scan" in name.lower() else Kind.IDS_ALERT
            elif action in ("drop", "reject", "deny") or "portscan" in name.lower():
                kind = Kind.SCAN if "scan" in name.lower() else Kind.BLOCKED
            else:
                return []
            return _record(kv.get("srcip"), at, kind, kv.get("dstip"), _port(kv.get("dstport")),
                           f"Sophos {name or action}".strip(), _port(kv.get("srcport")))
        log_type, subtype = kv.get("log_type", ""), kv.get("log_subtype", "").lower()
        if log_type == "IDP":
            kind = Kind.IDS_ALERT
        elif subtype in ("denied", "drop", "dropped", "blocked"):
            kind = Kind.BLOCKED
        else:
            return []
        return _record(kv.get("src_ip"), at, kind, kv.get("dst_ip"), _port(kv.get("dst_port")),
                       f"Sophos {log_type} {kv.get('log_subtype', '')}".strip(), _port(kv.get("src_port")))


_IPX = r"[0-9A-Fa-f]*[.:][0-9A-Fa-f:.]*[0-9A-Fa-f]"  # an address: has a dot or a colon
# the interfaces, length, protocol and TTL between the action and the source take a few dozen
# characters: bounded, so that a long line of "Deny" is not searched to its end from each of them
_WG = re.compile(r"\b(?P<action>Deny|Drop|Block)\b(?P<mid>.{0,256}?)(?<![\w.:])(?P<src>" + _IPX + r") "
                 r"(?P<dst>" + _IPX + r")(?: \S+/\w+)? (?P<sport>\d+) (?P<dport>\d+)\b")


class WatchGuard(LineFormat):
    """WatchGuard Firebox traffic lines (``msg_id="3000-0148" Deny ...``), syslog or Traffic
    Monitor layout. Interfaces are free text; a Trusted-to-External deny is our outbound."""

    name = "watchguard"
    label = "WatchGuard Firebox"
    keywords = ('msg_id="30',)

    def parse_line(self, line: str, ctx: ParseContext):
        m = _WG.search(line)
        if m is None:
            return [] if 'msg_id="3000-' in line else None
        middle = m["mid"]
        if re.search(r"(?i)trusted|optional", middle) and re.search(r"(?i)external", middle):
            return []
        rule = re.search(r"\(([^)]*)\)\s", line[m.end():] + " ")
        return _record(m["src"], leading_time(line, ctx), Kind.BLOCKED, m["dst"], _port(m["dport"]),
                       f"WatchGuard {m['action']}" + (f" ({rule[1]})" if rule else ""), _port(m["sport"]))


_WINFW = re.compile(r"^(?P<d>\d{4}-\d\d-\d\d) (?P<t>\d\d:\d\d:\d\d) (?P<action>DROP|ALLOW|OPEN-INBOUND|OPEN|"
                    r"CLOSE|INFO-EVENTS-LOST) (?P<proto>\S+) (?P<src>\S+) (?P<dst>\S+) (?P<sport>\S+) "
                    r"(?P<dport>\S+)(?P<rest>.*)$")


class WindowsFirewall(LineFormat):
    """The Windows Defender Firewall log (pfirewall.log, W3C-like; times in the machine's zone)."""

    name = "windows-firewall"
    label = "Windows Firewall (pfirewall.log)"
    keywords = (" DROP ", " ALLOW ", " OPEN", " CLOSE ", "INFO-EVENTS-LOST")

    def parse_line(self, line: str, ctx: ParseContext):
        m = _WINFW.match(line)
        if m is None:
            return None
        path = m["rest"].split()
        if m["action"] != "DROP" or "SEND" in path:
            return []  # allowed, or our own outgoing packet
        return _record(m["src"], _iso(ctx, m["d"], m["t"]), Kind.BLOCKED, m["dst"], _port(m["dport"]),
                       f"Windows Firewall DROP {m['proto']}", _port(m["sport"]))


# ---------------------------------------------------------------------------------------------
# SonicWall SonicOS and Check Point (syslog export)
# ---------------------------------------------------------------------------------------------

_SW_HEAD = re.compile(r'(?:^|\s)id="?[^\s="]{1,64}"?\s+sn=[^\s=]{1,64}\s+time="')
_SW_TIME = re.compile(r"(?P<d>\d{4}-\d\d-\d\d) (?P<t>\d\d:\d\d:\d\d)(?: (?P<z>UTC|GMT))?")
# the flood screens name the source only in their message: "Possible SYN Flood on IF X0 - src: a:p dst: b:p"
_SW_MSG_SRC = re.compile(r"\bsrc: (?P<src>[0-9A-Fa-f.:]{3,45}?)(?::(?P<sport>\d{1,5}))? dst: "
                         r"(?P<dst>[0-9A-Fa-f.:]{3,45}?)(?::(?P<dport>\d{1,5}))?(?:\s|$)")
_SW_LOGIN_FAIL = re.compile(r"(?i)log(?:in|on) (?:denied|fail)|bad credentials|authentication fail|"
                            r"invalid (?:user|password)|password (?:is )?(?:wrong|incorrect)")
_SW_IPS = re.compile(r"(?i)\b(?:IPS|IDP) (?:Detection|Prevention) Alert\b|\battack\b")
_SW_SCAN = re.compile(r"(?i)\bscan\b|\bsweep\b")
_SW_FLOOD = re.compile(r"(?i)\bflood\b")
_SW_BLOCK = re.compile(r"(?i)\b(?:drop(?:ped)?|denied|blocked|rejected|discarded)\b")
_SW_NOT_OURS = re.compile(r"(?i)^web (?:site|management)|multicast|broadcast|\bspoof")
_SW_CONN = re.compile(r"(?i)^connection (?:opened|closed)")


def _sw_endpoint(value: str | None, v6: str | None) -> tuple[str | None, int | None, str | None]:
    """SonicOS writes ``a:port:interface[:host]``, ``a`` or ``:port:interface`` with the IPv6
    address in ``srcV6=``/``dstV6=``: (address, port, interface)."""
    if not value:
        return v6, None, None
    parts = value.split(":")
    return (parts[0] or v6), _port(parts[1] if len(parts) > 1 else None), \
        (parts[2] if len(parts) > 2 else None)


class SonicWall(LineFormat):
    """SonicWall SonicOS syslog: ``id=firewall sn=... time="..." fw=... pri=.. c=.. m=.. msg="..."
    src=a:port:X1 dst=b:port:X0 ...``.

    What the message says decides: dropped, denied or blocked packets are blocked connections,
    port scans and floods (the firewall's attack category) scans and blocked connections, IPS
    alerts (except Low-priority detections: echo replies and the like) IDS alerts, denied
    administrator logins failed logins. "Connection Opened/Closed" is allowed traffic (seen); a
    packet the firewall itself sent (``src`` is its own ``fw=`` address), web filtering of our
    users and multicast noise are not recorded; other events are claimed without records.
    """

    name = "sonicwall"
    label = "SonicWall SonicOS"
    keywords = (" sn=",)

    def parse_line(self, line: str, ctx: ParseContext):
        if _SW_HEAD.search(line) is None:
            return None
        kv = _kv_quoted(line)
        msg = kv.get("msg", "").strip()
        src, sport, src_if = _sw_endpoint(kv.get("src"), kv.get("srcv6"))
        dst, dport, dst_if = _sw_endpoint(kv.get("dst"), kv.get("dstv6"))
        if not src and (m := _SW_MSG_SRC.search(msg)):
            src, sport, dst, dport = m["src"], _port(m["sport"]), m["dst"], _port(m["dport"])
        if not src:
            return []
        at = None
        if t := _SW_TIME.match(kv.get("time", "")):
            at = _iso(ctx, t["d"], t["t"], None, t["z"])
        at = at or leading_time(line, ctx)
        action = kv.get("fw_action", "").lower()
        if _SW_LOGIN_FAIL.search(msg):
            kind = Kind.FAILED_LOGIN
        elif _SW_NOT_OURS.search(msg) or normalise(src) == normalise(kv.get("fw", "")):
            return []
        elif _SW_IPS.search(msg):
            if kv.get("ipspri") == "3" and action != "drop":
                return []  # Low-priority detections: ordinary ICMP replies and the like
            kind = Kind.IDS_ALERT
        elif _SW_SCAN.search(msg):
            kind = Kind.SCAN
        elif _SW_FLOOD.search(msg) or _SW_BLOCK.search(msg) or action == "drop":
            kind = Kind.BLOCKED
        elif _SW_CONN.search(msg):
            kind = Kind.SEEN
        else:
            return []
        if kind != Kind.SEEN and _outbound(kv.get("srczone") or src_if, kv.get("dstzone") or dst_if):
            kind = Kind.SEEN  # our own host's traffic towards the outside
        sig = f"SonicWall m={kv.get('m', '?')} {msg or action}".strip()[:200]
        return _record(src, at, kind, dst, dport, sig, sport)


# key:"value"; pairs (R80+ syslog export), key="value" (Log Exporter's structured data) and the
# older unquoted key: value; pairs
_CP_HEAD = re.compile(r"\bCheck ?[Pp]oint\b|Fields@1\.3\.6\.1\.4\.1\.2620\b")  # not PostgreSQL's "checkpoint"
_CP_PAIR = re.compile(r'(?<![\w-])([A-Za-z_][\w-]{0,63})(?::{1,2}|=)\s?"((?:[^"\\]|\\.)*)"'
                      r"|(?<![\w-])([A-Za-z_][\w-]{0,63}): ([^\s\";\]][^\";\]]{0,120});")
_CP_PACKET = re.compile(r"<(?P<src>[0-9A-Fa-f.:]+),(?P<sport>\d*),(?P<dst>[0-9A-Fa-f.:]+),(?P<dport>\d*),"
                        r"(?P<proto>\d*)[;>]")
_CP_BLOCK = ("drop", "reject", "block", "deny", "prevent")
_CP_PASS = ("accept", "allow", "encrypt", "decrypt", "bypass")
_CP_THREAT = re.compile(r"(?i)\bips\b|smartdefense|anti[- ]?(?:bot|virus|malware)|"
                        r"threat (?:emulation|prevention)|\bdos\b|\battack\b")
MAX_CP_PACKETS = 64  # "matched optimized drop" lists the dropped packets in one line


def checkpoint_fields(text: str) -> dict[str, str]:
    """The fields of a Check Point log line (first occurrence wins), keys lower-cased."""
    out: dict[str, str] = {}
    for key, quoted, bare_key, bare in _CP_PAIR.findall(text):
        if key:
            out.setdefault(key.lower(), quoted)
        else:
            out.setdefault(bare_key.lower(), bare.strip())
    return out


class CheckPoint(LineFormat):
    """Check Point gateways' logs exported through syslog (``CheckPoint 1234 - [action:"Drop";
    ... src:"a"; dst:"b"; ...]``, Log Exporter's structured data, and the older ``key: value;``).

    Drop, Reject, Block and Prevent record a blocked connection (each packet of an "optimized
    drop" list), or an IDS alert when a threat-prevention blade (IPS, Anti-Bot, Anti-Virus...)
    acted: its offender is chosen as for IDS alerts (a private side is ours). A traffic rule's
    drop from an internal zone to an external one is our own outbound traffic; VPN negotiation
    failures are not attacks. Accepted and encrypted traffic is seen; other events are claimed.
    """

    name = "checkpoint"
    label = "Check Point (syslog export)"
    keywords = ("CheckPoint", "Checkpoint", "Check Point", "2620")

    def parse_line(self, line: str, ctx: ParseContext):
        head = _CP_HEAD.search(line)
        if head is None:
            return None
        f = checkpoint_fields(line[head.end():])
        if "src" not in f and "packets" not in f and "action" not in f and "product" not in f:
            return None
        at = None
        if f.get("time", "").isdigit():
            at = datetime.fromtimestamp(int(f["time"]), UTC)
        at = at or leading_time(line, ctx)
        action = f.get("action", "").lower()
        product = " ".join((f.get("product", ""), f.get("productname", ""), f.get("protection_type", ""),
                            f.get("layer_name", "")))
        threat = bool(_CP_THREAT.search(product) or f.get("attack") or f.get("protection_name"))
        if action.startswith(_CP_BLOCK) or (threat and action.startswith("detect")):
            if "ike" in f or "vpn_feature_name" in f:
                return []  # a VPN peer failing to negotiate
            kind = Kind.IDS_ALERT if threat else Kind.BLOCKED
        elif action.startswith(_CP_PASS):
            kind = Kind.SEEN
        else:
            return []
        name = f.get("protection_name") or f.get("attack") or f.get("rule_name") or f.get("rule") or ""
        sig = f"Check Point {f.get('action', '')} {name}".strip()[:200]
        if kind == Kind.BLOCKED and _outbound(f.get("inzone"), f.get("outzone")):
            kind = Kind.SEEN
        if kind != Kind.SEEN and "src" not in f and "packets" in f:
            found = []
            for p in _CP_PACKET.finditer(f["packets"]):
                found += _record(p["src"], at, kind, p["dst"], _port(p["dport"]), sig, _port(p["sport"]))
                if len(found) >= MAX_CP_PACKETS:
                    break
            return found
        src, dst = f.get("src"), f.get("dst")
        if not src:
            return []
        dport = _port(f.get("service") or f.get("svc"))
        sport = _port(f.get("s_port") or f.get("sport_svc"))
        if kind == Kind.IDS_ALERT and offender_side(src, dst, ctx):
            return _record(dst, at, kind, src, sport, sig, dport)
        return _record(src, at, kind, dst, dport, sig, sport)


# ---------------------------------------------------------------------------------------------
# CEF (ArcSight Common Event Format), as UniFi, Fortinet, Check Point, Trend Micro, Imperva... export
# ---------------------------------------------------------------------------------------------

# "CEF:" may have been taken for a syslog tag on the way: a line may then start at the version
_CEF_FIELD = r"(?:[^|\\]|\\.)*"  # a header field: "|" only escaped
_CEF_HEADER = ("vendor", "product", "device_version", "sig_id", "name", "severity")
_CEF = re.compile(r"(?:CEF: ?|^)(?P<version>\d+)\|"
                  + r"\|".join(f"(?P<{name}>{_CEF_FIELD})" for name in _CEF_HEADER) + r"\|(?P<ext>.*)$")
# an extension's keys: a value runs up to the next " key=" (values may hold spaces and "\=")
_CEF_KEY = re.compile(r"(?:^|\s)([A-Za-z][\w.-]*)=")
_CEF_BLOCK = ("block", "deny", "denied", "drop", "reject", "reset", "prevent", "quarantine", "terminat",
              "discard")
_CEF_ALLOW = ("allow", "accept", "permit", "pass")
_CEF_THREAT = re.compile(r"(?i)threat|intrusion|\bip[sd]\b|attack|exploit|malware|virus|botnet|trojan|"
                         r"spyware|vulnerab|injection|brute")
_CEF_LOGIN_FAIL = re.compile(r"(?i)log(?:in|on)[ _-]?fail|fail(?:ed|ure)[ _-]?(?:log(?:in|on)|auth)|"
                             r"auth\w*[ _-]fail|invalid (?:password|credentials|user)")
_CEF_SCAN = re.compile(r"(?i)\bscan|sweep|probe")
_CEF_BLOCKED_NAME = re.compile(r"(?i)\b(?:blocked|denied|dropped|rejected)\b")
_CEF_ESCAPE = re.compile(r"\\(.)")
_CEF_DATE = re.compile(r"^(?P<mon>[A-Za-z]{3}) (?P<day>\d\d?) (?P<year>\d{4}) (?P<hms>\d\d:\d\d:\d\d)"
                       r"(?:\.\d+)?(?: (?P<zone>[A-Z]{3,4}|[+-]\d\d:?\d\d))?")
# a vendor's own key with an ISO 8601 time and its zone
_CEF_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)")


def cef_extension(text: str) -> dict[str, str]:
    """The ``key=value`` pairs of a CEF extension (first occurrence wins), escapes undone."""
    out: dict[str, str] = {}
    keys = list(_CEF_KEY.finditer(text))
    for m, following in zip(keys, [*keys[1:], None], strict=True):
        value = text[m.end():following.start() if following else len(text)].strip()
        value = _CEF_ESCAPE.sub(lambda e: {"n": "\n", "r": "\r"}.get(e[1], e[1]), value)
        out.setdefault(m[1], value)
    return out


def _cef_time(ext: dict[str, str], line: str, ctx: ParseContext) -> datetime | None:
    """``rt`` (or ``end``, ``start``): epoch milliseconds or "MMM dd yyyy HH:mm:ss[.SSS][ zone]"; else
    a vendor's own ISO 8601 key with its zone (UniFi's ``UNIFIutcTime``); else the syslog stamp."""
    for key in ("rt", "end", "start"):
        value = ext.get(key, "")
        if value.isdigit() and len(value) >= 12:
            return datetime.fromtimestamp(int(value) / 1000, UTC)
        if m := _CEF_DATE.match(value):
            return _bsd(ctx, m["mon"], m["day"], m["hms"], m["year"], m["zone"])
    for value in ext.values():
        if _CEF_ISO.fullmatch(value):
            return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    return leading_time(line, ctx)



class Cef(LineFormat):
    """A CEF event that names a source: blocked or denied traffic (``act``), intrusion and threat
    events, failed logins and scans. Allowed traffic is listed as seen; other events (an admin
    logged in, a configuration changed) are claimed without records."""

    name = "cef"
    label = "Common Event Format (CEF: UniFi, Fortinet, Check Point, Trend Micro...)"
    keywords = ("CEF:", "|")

    def parse_line(self, line: str, ctx: ParseContext):
        m = _CEF.search(line)
        if m is None:
            return None
        ext = cef_extension(m["ext"])
        src = ext.get("src") or ext.get("c6a2") or ext.get("shost")
        if not src:
            return []
        action = (ext.get("act") or ext.get("deviceAction") or ext.get("outcome") or "").lower()
        name = m["name"].replace("\\|", "|")
        what = " ".join((name, ext.get("cat", ""), ext.get("deviceEventCategory", ""), ext.get("msg", "")))
        if _CEF_LOGIN_FAIL.search(what):
            kind = Kind.FAILED_LOGIN
        elif _CEF_SCAN.search(name):
            kind = Kind.SCAN
        elif _CEF_THREAT.search(what):
            kind = Kind.IDS_ALERT
        elif action.startswith(_CEF_BLOCK) or _CEF_BLOCKED_NAME.search(name):
            kind = Kind.BLOCKED
        elif action.startswith(_CEF_ALLOW):
            kind = Kind.SEEN
        else:
            return []
        dst = ext.get("dst") or ext.get("c6a3")
        if ext.get("deviceDirection") == "1" and kind == Kind.IDS_ALERT and dst:
            src, dst = dst, src  # an alert on our own outgoing traffic: the peer is the offender
            sport, dport = _port(ext.get("dpt")), _port(ext.get("spt"))
        else:
            sport, dport = _port(ext.get("spt")), _port(ext.get("dpt"))
        vendor = " ".join(x for x in (m["vendor"], m["product"]) if x).replace("\\|", "|")
        return _record(src, _cef_time(ext, line, ctx), kind, dst, dport, f"{vendor}: {name}"[:200], sport)


# ---------------------------------------------------------------------------------------------
# Registration: the most specific first; the plain kernel format last.
# ---------------------------------------------------------------------------------------------

FORMATS: tuple[LineFormat, ...] = (
    Cef(),  # a whole event in one structured line, whatever device wrote it
    CiscoIos(),  # before the ASA, whose untagged message bodies resemble IOS XR's access-list lines
    CiscoAsa(),
    JuniperSrx(),
    NetScreen(),
    FortiGate(),
    PaloAlto(),
    Sophos(),
    WatchGuard(),
    FilterLog(),
    Pf(),
    MikroTik(),
    WindowsFirewall(),
    SonicWall(),
    CheckPoint(),
    Netfilter("ufw", "ufw (Ubuntu firewall)", lambda line: "[UFW " in line),
    Netfilter("unifi", "UniFi / EdgeOS kernel firewall log",
              lambda line: "DESCR=" in line or _unifi_tag(line)),
    Netfilter("nftables", "nftables (kernel log)", lambda line: _NFT_HINT.search(line) is not None),
    Netfilter("iptables", "iptables / netfilter (kernel log)", None),
)
for _fmt in FORMATS:
    register(_fmt)


# ---------------------------------------------------------------------------------------------
# Lanes (see ``lanes.py``): kernel firewall lines and the commonest ASA messages, as syslog
# writes them, read straight from one expression's groups
# ---------------------------------------------------------------------------------------------

LANE_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
LANE_HOST = r"[A-Za-z0-9][\w.-]*"
_V4 = r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}"


def _row(src: str, at, shape: tuple, dst: str | None, dport: str | None, number: int,
         sport: str | None) -> tuple | None:
    """A lane's row, as ``_record`` would make the record (see ``lanes.ShapeLane.build``); the
    ports are digits (the lanes' expressions say so)."""
    who = normalise(src)  # ``host_or_address`` of a dotted quad (a lane's expression says so)
    if who is None:
        return None
    target = (normalise(dst) or dst) if dst else None
    if dport is not None:
        dport = int(dport)
        if dport > 65535:
            dport = None
    if sport is not None:
        sport = int(sport)
        if sport > 65535:
            sport = None
    return who, at, shape[1], target, dport, shape[2], number, sport


class _StampedLane(ShapeLane):
    """A lane whose lines start with a BSD syslog stamp (the year optional) or an RFC 3339 one,
    and a host. ``read_time``: how the lane's formats read the time of a line."""

    read_time = staticmethod(leading_time)

    def __init__(self, reader):
        super().__init__(reader)
        self._stamp = self._at = None  # the last BSD stamp with a year read, and its time

    def at(self, mon: str, day: str, hms: str, year: str | None):
        if year is None:
            return self.ctx.syslog_time(mon, int(day), hms)
        stamp = (mon, day, hms, year)
        if stamp != self._stamp:
            self._stamp, self._at = stamp, _bsd(self.ctx, mon, day, hms, year)
        return self._at


@register_lane
class NetfilterLane(_StampedLane):
    """``Nov 18 06:25:03 fw1 kernel: [812345.104829] PREFIX IN=eth0 OUT= MAC=... SRC=a DST=b LEN=..
    TOS=.. PREC=.. TTL=.. ID=.. [DF] PROTO=TCP SPT=n DPT=n ...``: shaped by host, prefix,
    interfaces and protocol."""

    formats = ("ufw", "unifi", "nftables", "iptables")
    read_time = staticmethod(_nf_time)
    prefix = "nf_"
    pattern = (
        rf"(?P<nf_stamp>{LANE_STAMP}) "
        rf"(?P<nf_host>{LANE_HOST}) kernel: (?:\[ *\d+\.\d+\] )?"
        r"(?P<nf_prefix>(?:\[UFW [A-Z]+\] |[^\n\[\]=]* )?)"
        r"IN=(?P<nf_in>[\w.@-]*) OUT=(?P<nf_out>[\w.@-]*) (?:MAC=[0-9A-Fa-f:]* )?"
        rf"SRC=(?P<nf_src>{_V4}) DST=(?P<nf_dst>{_V4}) LEN=\d+ TOS=0x[0-9A-Fa-f]+ PREC=0x[0-9A-Fa-f]+ "
        r"TTL=\d+ ID=\d+ (?:CE )?(?:DF )?(?:MF )?(?:FRAG:\d+ )?"
        # whole PROTO= and DPT= tokens, as the format reads them (``_NF_KV``): "PROTO=TCP:" and
        # "DPT=80x" are left to the line loop
        r"PROTO=(?P<nf_proto>[A-Za-z0-9]+)(?!\S)(?: SPT=(?P<nf_spt>\d+) DPT=(?P<nf_dpt>\d+)(?!\S))?"
        r"(?P<nf_rest>[^\r\n\[]*)(?P<nf_end>)"
    )
    markers = ("nf_end",)

    _NAMES = ("nf_host", "nf_prefix", "nf_in", "nf_out", "nf_proto", "nf_spt", "nf_rest", "nf_stamp",
              "nf_src", "nf_dst", "nf_dpt")

    def bind(self, index):
        super().bind(index)
        self.groups = (*(index[name] for name in self._NAMES), 0)  # and the whole line
        self._spt, self._rest = index["nf_spt"], index["nf_rest"]
        self._found_key = self.reader.candidates.found_key

    def engine_args(self):
        return {"nf_shapes": self.shapes, "nf_keywords": self.reader.candidates.keywords}

    def take(self, m, number, rows):
        # a port token the expression did not read ("SPT=5" without its DPT=, "DPT=22x"): how
        # the format reads it is the line loop's to say, line by line, whatever the shape
        if m.group(self._spt) is None and "PT=" in m.group(self._rest):
            return self.slow(m, number)
        return super().take(m, number, rows)

    def read(self, m):
        values = m.group(*self.groups)
        host, prefix, iface_in, iface_out, proto, spt, rest, stamp = values[:8]
        # a port or DESCR= further on would be read by the format: such lines are their own shapes,
        # and so are the stamps of each length; and so are those whose rest holds other keywords
        # (two lines run together, "... URGP=0 DESCR="%ASA-2-106001: ...": the line loop may give
        # such a line to another format)
        return (host, prefix, iface_in, iface_out, proto, spt is None and "PT=" in rest,
                "DESCR=" in rest, len(stamp), self._found_key(rest)), values

    def build(self, values, number, shape):
        spt = values[5]
        stamp, src, dst, dpt, line = values[7:]
        return _row(src, self.stamp_time(stamp, line), shape, dst, dpt, number, spt)


def _asa_names() -> dict[int, tuple[str, ...]]:
    """The group names ``AsaLane`` reads of each alternative (a function rather than a class-body
    comprehension, which Cython does not compile)."""
    own = {1: ("p", "sif", "dif", "acl"), 2: ("p", "sif", "dif", "acl", "v"), 3: ("p", "sif", "dif", "what")}
    return {n: ("asa_host", "asa_tag", "asa_year", "asa_mon", "asa_day", "asa_hms", "asa_iso",
                *[f"asa_{g}{n}" for g in ("src", "dst", "sp", "dp")], *[f"asa_{g}{n}" for g in own[n]])
            for n in (1, 2, 3)}


_ASA_IF = r"[\w.-]+"


@register_lane
class AsaLane(_StampedLane):
    """``Nov 18 [2024] 06:25:03 asa01 [: ]%ASA-4-106023: Deny tcp src outside:a/n dst inside:b/n
    by access-group "acl" [0x0, 0x0]``, the 106100 access-list hit, and 302013/302014 Built and
    Teardown of a TCP or UDP connection: shaped by host, message id, protocol, interfaces, ACL."""

    formats = ("cisco-asa",)
    prefix = "asa_"
    pattern = (
        rf"(?:(?P<asa_mon>{LANE_MONTH}) {{1,2}}(?P<asa_day>\d{{1,2}}) (?:(?P<asa_year>\d{{4}}) )?"
        rf"(?P<asa_hms>\d\d:\d\d:\d\d)|(?P<asa_iso>{LANE_RFC3339})) (?P<asa_host>{LANE_HOST}) (?:: )?"
        r"%(?P<asa_tag>(?:ASA|PIX|FTD|FWSM)-\d-(?P<asa_id>\d{6})): (?:"
        rf"Deny (?P<asa_p1>tcp|udp|icmp) src (?P<asa_sif1>{_ASA_IF}):(?P<asa_src1>{_V4})"
        r"(?:/(?P<asa_sp1>\d+))? "
        rf"dst (?P<asa_dif1>{_ASA_IF}):(?P<asa_dst1>{_V4})(?:/(?P<asa_dp1>\d+))?"
        r'(?: \(type \d+, code \d+\))? by access-group "(?P<asa_acl1>[^"\n]*)"'
        r"(?: \[0x[0-9a-f]+, 0x[0-9a-f]+\])?(?P<asa_m1>)"
        rf"|access-list (?P<asa_acl2>[\w.-]+) (?P<asa_v2>denied|permitted) (?P<asa_p2>tcp|udp) "
        rf"(?P<asa_sif2>{_ASA_IF})/(?P<asa_src2>{_V4})\((?P<asa_sp2>\d+)\) -> "
        rf"(?P<asa_dif2>{_ASA_IF})/(?P<asa_dst2>{_V4})\((?P<asa_dp2>\d+)\) hit-cnt \d+ "
        r"(?:first hit|\d+-second interval) \[0x[0-9a-f]+, 0x[0-9a-f]+\](?P<asa_m2>)"
        r"|(?P<asa_what3>Built inbound|Built outbound|Teardown) (?P<asa_p3>TCP|UDP) connection \d+ for "
        rf"(?P<asa_sif3>{_ASA_IF}):(?P<asa_src3>{_V4})/(?P<asa_sp3>\d+) (?:\({_V4}/\d+\) )?to "
        rf"(?P<asa_dif3>{_ASA_IF}):(?P<asa_dst3>{_V4})/(?P<asa_dp3>\d+)(?: \({_V4}/\d+\))?"
        r"(?: duration \d+:\d\d:\d\d bytes \d+(?: [A-Za-z ]+)?)?(?P<asa_m3>)"
        r")"
    )
    markers = ("asa_m1", "asa_m2", "asa_m3")
    _NAMES = _asa_names()

    def bind(self, index):
        super().bind(index)
        # each alternative's groups, and the whole line
        self.groups = {alt: (*(index[name] for name in names), 0) for alt, names in self._NAMES.items()}

    def engine_args(self):
        return {"asa_shapes": self.shapes, "asa_at": self.at}

    def read(self, m):
        alt = self.alt_of[m.lastindex]
        values = m.group(*self.groups[alt])
        iso = values[6]
        shape = (values[0], values[1], values[2] is None, alt, len(iso) if iso else 0, *values[11:-1])
        if alt == 1:
            shape += (values[9] is None, values[10] is None)
        return shape, values

    def build(self, values, number, shape):
        _host, _tag, year, mon, day, hms, iso, src, dst, sport, dport = values[:11]
        at = self.stamp_time(iso, values[-1]) if iso else self.at(mon, day, hms, year)
        return _row(src, at, shape, dst, dport, number, sport)
