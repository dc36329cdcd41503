"""Authentication failures and the other service messages fail2ban watches.

Services: OpenSSH (``sshd``) and Dropbear, PAM (``pam_unix`` and friends), Dovecot, Postfix (rejects
and SASL), Exim, vsftpd, ProFTPD, Asterisk, MySQL/MariaDB, Apache and nginx basic/digest auth errors,
HAProxy ``http-auth``, OpenVPN, BIND ``named`` refusals, fail2ban's own "Ban" lines (recidive),
PortSentry and the Cowrie honeypot.

What counts. A line produces a record when the service says that a client failed to authenticate,
was refused, or probed it in a way the service itself calls hostile; the message shapes and what
counts follow fail2ban's filters in their default mode (the sample files in ``shared/data`` are
the acceptance test). Lines that are not failures (successful logins, disconnects after success,
sessions opened...) never count. A line of a service we read that is not hostile returns an empty
list: the line is claimed, so no fallback format reads an "attacker" out of "Accepted password".

Addresses are taken from the place the daemon writes them, anchored on the structure around them,
so that text a client controls (user names, HELO names, URIs) cannot plant another address.

OpenSSH needs a little memory per connection (keyed by host and pid, kept on the ParseContext):
"Disconnecting: Too many authentication failures" and "account is locked" do not name the client,
so the address comes from an earlier line of the same connection, or from the next one that names
it; a connection that tries several user names counts when the second name shows up, even on the
line that finally accepted a login (that is fail2ban's behaviour too, and what its truth expects).

Times: syslog stamps without a year go through ``ctx.syslog_time``; ISO-8601 and other stamps keep
their zone when they carry one, else they are wall-clock time in ``ctx.tz``. RFC 5424, journald's
short-iso/short-precise/short-unix and JSON export, TAI64N (multilog) and each daemon's own stamp
are understood. Syslog's "message repeated N times: [ ... ]" counts N times.
"""

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone

from ..addresses import host_or_address, normalise
from ..base import MONTHS, Kind, LineFormat, ParseContext, Record, json_object
from ..lanes import LANE_STAMP, MAX_SHAPES, RECHECK, SLOW, Lane, register_lane
from ..registry import register

MAX_CONNECTIONS = 20_000  # sshd connections remembered per parse (oldest forgotten first)
_SEVERAL_USERS = "sshd: several user names tried in one connection"

# ---------------------------------------------------------------------------------------------
# Times and the syslog envelope
# ---------------------------------------------------------------------------------------------

_MON = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_STAMP = re.compile(
    r"^\s*(?:<\d{1,3}>\s*)?\[?(?:"
    # BSD syslog "Nov  4 18:30:40", journald short-precise, ctime "Fri Jan 19 12:20:33 2007"
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?"
    r"(?P<mon>" + _MON + r")\s+(?P<day>\d{1,2})\s+(?P<hms>\d{1,2}:\d\d:\d\d)(?:\.\d+)?"
    r"(?:\s+(?P<year>(?:19|20)\d\d)(?=[\s\]]))?"
    # ISO 8601 / RFC 3339 / journald short-iso and short-full, nginx's 2012/04/09
    r"|(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\s+)?"
    r"(?P<date>\d{4}[-/]\d\d[-/]\d\d)(?:T|\s+)(?P<time>\d{1,2}:\d\d:\d\d)(?P<frac>[.,]\d+)?"
    r"(?:\s?(?P<tz>Z|[+-]\d\d:?\d\d)(?![\d:])|\s(?P<tzname>UTC|GMT)\b)?"
    # BIND "11-Aug-2013 03:36:11.372"
    r"|(?P<nday>\d{1,2})-(?P<nmon>" + _MON + r")-(?P<nyear>\d{4})\s+(?P<ntime>\d\d:\d\d:\d\d)(?:\.\d+)?"
    # MySQL 5.x "130324  0:04:00"
    r"|(?P<ymd>\d{6})\s+(?P<mtime>\d{1,2}:\d\d:\d\d)(?=\s)"
    # journald short-unix "1429207370.321974", multilog TAI64N "@4000000050d7b3e00c4f5a34"
    r"|(?P<epoch>1\d{9})\.\d{1,9}(?=\s)"
    r"|@(?P<tai>4000[0-9a-f]{20})"
    r")\]?:?(?:\s+|$)",
    re.IGNORECASE,
)
_RFC5424 = re.compile(
    r"^\s*<\d{1,3}>\d{1,2} (?P<ts>\S+) (?P<host>\S+) (?P<app>\S+) (?P<pid>\S+) \S+ (?P<rest>.*)$")
_SD_ELEMENT = re.compile(r'\[(?:[^\]"\\]|"(?:[^"\\]|\\.)*")*\]')
_TAG = re.compile(
    r"^(?:(?P<host>[^\s\[\]():]+|[0-9A-Fa-f]*:[0-9A-Fa-f:.]+)\s+(?:(?P=host)\s+)?)?"  # the logging host
    # (UniFi OS writes it twice), when a tag follows
    r"(?:[a-z0-9]+\.(?:emerg|alert|crit|err|warn|warning|notice|info|debug)\s+)?"  # BusyBox syslogd
    r"\[?(?P<prog>[A-Za-z_][\w.@/-]*(?:\([\w:.-]*\))?)\]?(?:\[(?P<pid>\d+)\])?"
    r"(?::\s*|\s+)(?:\[ID \d+ [\w.]+\]\s+)?"  # Solaris adds "[ID 800047 auth.info]"
)


def _zone(tz: str | None) -> timezone | None:
    """``Z``, ``UTC``, ``+02:00``, ``-0400`` as a zone; None when the stamp names none."""
    if not tz:
        return None
    if tz.upper() in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0)))


def _at(ctx: ParseContext, year: int, month: int, day: int, hms: str, micro: int = 0,
        tz: str | None = None) -> datetime:
    """A written date and time as UTC: in its own zone if it names one, else in ``ctx.tz``."""
    hour, minute, second = (int(x) for x in hms.split(":"))
    zone = _zone(tz) or ctx.tz
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=zone).astimezone(UTC)


def stamp_time(m: re.Match, ctx: ParseContext) -> datetime | None:
    """The time of a ``_STAMP`` match, as UTC (None when the stamp is not a real date)."""
    try:
        if m["mon"]:
            if m["year"]:
                return _at(ctx, int(m["year"]), MONTHS[m["mon"][:3].lower()], int(m["day"]), m["hms"])
            return ctx.syslog_time(m["mon"], int(m["day"]), m["hms"])
        if m["date"]:
            year, month, day = (int(x) for x in re.split(r"[-/]", m["date"]))
            micro = round(float("0." + m["frac"][1:]) * 1e6) % 1_000_000 if m["frac"] else 0
            return _at(ctx, year, month, day, m["time"], micro, m["tz"] or m["tzname"])
        if m["nday"]:
            return _at(ctx, int(m["nyear"]), MONTHS[m["nmon"][:3].lower()], int(m["nday"]), m["ntime"])
        if m["ymd"]:
            ymd = m["ymd"]
            return _at(ctx, 2000 + int(ymd[:2]), int(ymd[2:4]), int(ymd[4:]), m["mtime"])
        if m["epoch"]:
            return datetime.fromtimestamp(int(m["epoch"]), UTC)
        if m["tai"]:
            seconds = int(m["tai"][:16], 16) - (1 << 62) - 10  # TAI64 label, TAI-UTC as libtai
            return datetime.fromtimestamp(seconds, UTC)
    except (KeyError, ValueError, OverflowError):
        return None
    return None


def leading_time(line: str, ctx: ParseContext) -> tuple[datetime | None, str]:
    """The stamp a line starts with (None if it has none) and the rest of the line."""
    m = _STAMP.match(line)
    if m is None:
        return None, line
    return stamp_time(m, ctx), line[m.end():]


@dataclass(slots=True)
class Envelope:
    at: datetime | None
    host: str | None  # the host that logged the line: ours
    prog: str
    pid: str | None
    msg: str
    repeat: int = 1  # "message repeated N times: [ msg ]"

    def __post_init__(self):
        if self.msg.startswith("message repeated ") and (m := _REPEATED.match(self.msg)):
            self.msg, self.repeat = m["msg"], max(1, min(int(m["n"]), MAX_REPEAT))


def envelope(line: str, ctx: ParseContext) -> Envelope:
    """Split a syslog-style line (RFC 3164, RFC 5424, journald, or no stamp at all)."""
    if line.startswith("<") and (m := _RFC5424.match(line)):
        stamp = _STAMP.match(m["ts"] + " ")
        at = stamp_time(stamp, ctx) if stamp else None
        rest = m["rest"]
        if rest.startswith("-"):
            rest = rest[1:]
        else:
            while sd := _SD_ELEMENT.match(rest):
                rest = rest[sd.end():]
        pid = m["pid"] if m["pid"].isdigit() else None
        return Envelope(at, _dst(m["host"]), m["app"], pid, rest.lstrip())
    at, rest = leading_time(line, ctx)
    tag = _TAG.match(rest)
    if tag is None:
        return Envelope(at, None, "", None, rest)
    return Envelope(at, _dst(tag["host"]), tag["prog"], tag["pid"], rest[tag.end():])


def _dst(text: str | None) -> str | None:
    if not text or text == "-":
        return None
    return normalise(text) or text.lower()


# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------

def src_of(text: str | None) -> str | None:
    """The attacker as written (address normalised, host name lower-cased), or None."""
    if not text:
        return None
    text = text.strip().strip("'\"")
    if text.upper().startswith("[AF_INET"):
        text = text.split("]", 1)[1]
    return host_or_address(text)


def _record(src: str | None, at, kind: str, signature: str, dst: str | None = None,
            dst_port: int | str | None = None, src_port: int | str | None = None) -> Record | None:
    """``src_port``: the client's own port, when the line states it (sshd's "from A port N",
    "A:N" of dropbear, HAProxy, OpenVPN, Cowrie, BIND's "A#N"...); never the service's port."""
    if src is None:
        return None
    port = int(dst_port) if dst_port not in (None, "") else None
    return Record(src=src, at=at, kind=kind, dst=dst, dst_port=port, signature=signature,
                  src_port=_client_port(src_port))


def _client_port(value: int | str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        port = int(value)
    except (TypeError, ValueError):
        return None
    return port if 0 < port <= 65535 else None


def _one(record: Record | None) -> list[Record] | None:
    return None if record is None else [record]


_REPEATED = re.compile(r"^message repeated (?P<n>\d+) times: \[\s?(?P<msg>.*?)\s?\]\s*$")
MAX_REPEAT = 10_000


class AuthFormat(LineFormat):
    """A line format of this module: ``parse`` reads one line; syslog's "message repeated N times:
    [ ... ]" (rsyslog's reduction of identical lines) stands for N lines, so N records."""

    def parse(self, line: str, ctx: ParseContext) -> list[Record] | None:
        raise NotImplementedError

    def parse_line(self, line, ctx):
        found = self.parse(line, ctx)
        if found and "message repeated " in line:
            env = envelope(line, ctx)
            if env.repeat > 1:
                found = [replace(record) for record in found for _ in range(env.repeat)]
        return found


# ---------------------------------------------------------------------------------------------
# OpenSSH
# ---------------------------------------------------------------------------------------------

# An address where a ":" may follow (IPv6 first, so "2001:db8::1: 11:" splits right), or a name.
_H = r"(?:(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f.]*[0-9A-Fa-f]|[\w.-]+)"
# " port N" right after the client's address is the client's source port (sshd's own wording:
# "from 1.2.3.4 port 54321"); " on <our address> port 22" is ours and stays out of it.
_SUFF_REST = r"(?: on \S+(?: port \d+)?)?(?: ssh\d*)?(?: \[preauth\])?\s*$"
_SUFF = r"(?: port (?P<sport>\d+))?" + _SUFF_REST
_SUFF_ANON = r"(?: port \d+)?" + _SUFF_REST
# "error: " and "fatal: " before a message, and a kernel uptime stamp some journal exports put first
_SSH_PREFIX = re.compile(r"^(?:kernel: ?\[ *\d{1,12}\.\d{1,9}\]:? )?(?:(?:error|fatal): (?:PAM: )?)?")

_SSH_FAIL = [  # (pattern, signature, kind); groups: host, user (optional)
    (re.compile(r"^[aA]uthentication (?:failure|error|failed) for (?P<user>.*) from (?P<host>\S+)"
                r"(?: via \S+)?" + _SUFF), "sshd: PAM authentication failure", Kind.FAILED_LOGIN),
    # Linux-PAM's wording, and OpenPAM's (macOS: "error: PAM: unknown user for illegal user ...")
    (re.compile(r"^(?:User not known to the underlying authentication module|unknown user) for (?P<user>.*) "
                r"from (?P<host>\S+)" + _SUFF), "sshd: unknown user (PAM)", Kind.FAILED_LOGIN),
    (re.compile(r"^ROOT LOGIN REFUSED.* FROM (?P<host>\S+)" + _SUFF), "sshd: root login refused",
     Kind.FAILED_LOGIN),
    (re.compile(r"^[iI](?:llegal|nvalid) user (?P<user>.*?) from (?P<host>\S+)" + _SUFF),
     "sshd: invalid user", Kind.FAILED_LOGIN),
    (re.compile(r"^User (?P<user>.+) from (?P<host>\S+) not allowed because (?:not listed in "
                r"AllowUsers|listed in DenyUsers|not in any group|a group is listed in DenyGroups|"
                r"none of user's groups are listed in AllowGroups)" + _SUFF),
     "sshd: user not allowed", Kind.FAILED_LOGIN),
    (re.compile(r"^refused connect from \S+ \((?P<host>[^)\s]+)\)"), "sshd: refused by tcp wrappers",
     Kind.BLOCKED),
    (re.compile(r"^Received disconnect from (?P<host>" + _H + r")(?: port (?P<sport>\d+))?:\s*3: .*: "
                r"Auth fail" + _SUFF_ANON), "sshd: client gave up (auth fail)", Kind.FAILED_LOGIN),
    (re.compile(r"^maximum authentication attempts exceeded for (?:invalid user )?(?P<user>.*) "
                r"from (?P<host>\S+)" + _SUFF), "sshd: too many authentication failures",
     Kind.FAILED_LOGIN),
    (re.compile(r"^Disconnecting(?: from)? (?:invalid|authenticating) user (?P<user>\S+) "
                r"(?P<host>" + _H + r")(?: port (?P<sport>\d+))?:\s*Change of username or service "
                r"not allowed"),
     "sshd: tried to change user name", Kind.FAILED_LOGIN),
    (re.compile(r"^\(pam_\w+\) authentication failure;.*?\srhost=(?P<host>\S+)"),
     "sshd: PAM authentication failure", Kind.FAILED_LOGIN),
]
_SSH_FAIL_NO_HOST = [
    (re.compile(r"^Disconnecting: Too many authentication failures(?: for (?P<user>.+?))?"
                r"(?: \[preauth\])?\s*$"), "sshd: too many authentication failures", True),
    (re.compile(r"^User (?P<user>.+) not allowed because account is locked"),
     "sshd: login to a locked account", False),
]
# A client that says "Bye Bye" before authenticating at all is a key or banner scanner (ssh-keyscan
# and scanning libraries close so): a scan, unless its connection already failed a login (then the
# failure, counted once, stands for it; see ``SshdFormat.rows``).
_SSH_BYE = ("sshd: disconnected before authenticating (key or banner scan)", Kind.SCAN)
_SSH_BYE_BYE = re.compile(r"^Received disconnect from (?P<host>" + _H + r")(?: port (?P<sport>\d+))?:\s*11: "
                          r"Bye Bye \[preauth\]\s*$")
_SSH_FAILED = re.compile(r"^Failed (?P<method>\S+) for (?P<inv>(?:invalid|illegal) user )?(?P<rest>.*)$")
_SSH_FAILED_TAIL = re.compile(r"(?P<host>\S+)(?: port (?P<port>\d+))?(?: on \S+(?: port \d+)?)?"
                              r"(?: ssh\d*)?(?P<tail>.*)$")
_SSH_NOFAIL = [  # (pattern, forget the connection afterwards)
    (re.compile(r"^pam_\w+\(sshd:auth\):\s+authentication failure;.*?\sruser=(?P<ruser>.*?)\s+"
                r"rhost=(?P<host>\S+)(?:\s+user=(?P<user>.*?))?(?: \[preauth\])?\s*$"), False),
    (re.compile(r"^Accepted \S+ for (?P<user>\S+) from (?P<host>\S+)"), True),
    (re.compile(r"^Disconnecting(?: from)?(?: (?:invalid|authenticating) user (?P<user>\S+))? "
                r"(?P<host>" + _H + r")(?: port (?P<sport>\d+))?:\s*Too many authentication failures"), True),
    (re.compile(r"^Received disconnect from (?P<host>" + _H + r")(?: port (?P<sport>\d+))?:\s*\d+:"), True),
    (re.compile(r"^(?:Connection (?:closed|reset)|Disconnected) (?:by|from)"
                r"(?: (?:invalid|authenticating) user (?P<user>.*?))? (?P<host>" + _H + r")"
                r"(?: port (?P<sport>\d+))?(?: \[preauth\])?\s*$"), True),
    (re.compile(r"^Connection from (?P<host>" + _H + r") port (?P<sport>\d+)"
                r"(?: on (?P<dst>\S+) port (?P<dport>\d+))?"), False),
]


@dataclass(slots=True)
class _Conn:
    host: str | None = None
    users: set = field(default_factory=set)
    pending: list = field(default_factory=list)  # signatures of failures still without address
    dst: str | None = None
    dst_port: str | None = None
    src_port: str | None = None  # the client's port, from any line of the connection
    failed: bool = False  # a failure was booked (or is pending) for this connection


def _connections(ctx: ParseContext) -> dict:
    conns = getattr(ctx, "_auth_sshd_connections", None)
    if conns is None:
        conns = {}
        ctx._auth_sshd_connections = conns  # per parse: a format object is shared by all parses
    return conns


def _failed_line(msg: str):
    """'Failed <method> for [invalid user ]<user> from <host> [port <n>] ...' ->
    (method, invalid, user, host, client port or None).

    The user name is the client's to choose and may itself contain " from <address>"; like fail2ban
    we accept a split only when the text after the address is auth info (": ...", after a one-word
    user) or holds no further " from ", so planted addresses lose to the real one.
    """
    m = _SSH_FAILED.match(msg)
    if m is None:
        return None
    rest, invalid = m["rest"], bool(m["inv"])
    start = 0
    while (i := rest.find(" from ", start)) >= 0 or (start == 0 and rest.startswith("from ")):
        if i < 0:  # an empty user name: "for invalid user  from ..." leaves "from ..." here
            i, user, after = 0, "", rest[5:]
        else:
            user, after = rest[:i], rest[i + 6:]
        start = i + 1
        t = _SSH_FAILED_TAIL.match(after)
        if t is None or src_of(t["host"]) is None:
            continue
        tail = t["tail"]
        if user and " " not in user and tail.startswith(": "):
            return m["method"], invalid, user, t["host"], t["port"]
        if " from " not in tail and (":" not in user or (invalid and " from " not in user)):
            return m["method"], invalid, user, t["host"], t["port"]
    return None


SSHD_PROGRAMS = ("sshd", "sshd-session", "sshd-auth")


class SshdFormat(AuthFormat):
    name = "sshd"
    label = "OpenSSH server (auth.log, secure, journal)"
    keywords = ("sshd",)

    def parse(self, line, ctx):
        env = envelope(line, ctx)
        if env.prog not in SSHD_PROGRAMS:
            return None
        return self.book(ctx, env, self.classify(env.msg))

    @staticmethod
    def classify(msg: str) -> tuple | None:
        """What one sshd message says, with no memory of others: (client host as written, user,
        failure as (signature, kind) or None, whether the connection ends, client port, our
        address, our port); None for a message that is no part of a login."""
        msg = _SSH_PREFIX.sub("", msg, count=1)
        failed = _failed_line(msg)
        if failed is not None:
            method, invalid, user, host, sport = failed
            if method == "publickey" and not invalid:  # trying keys one by one is normal
                return host, user, None, False, sport, None, None
            sig = f"sshd: failed {method}" + (" for invalid user" if invalid else "")
            return host, user, (sig, Kind.FAILED_LOGIN), False, sport, None, None
        for pattern, sig, kind in _SSH_FAIL:
            if m := pattern.match(msg):
                forget = sig == "sshd: tried to change user name"
                return (m["host"], m.groupdict().get("user"), (sig, kind), forget,
                        m.groupdict().get("sport"), None, None)
        for pattern, sig, forget in _SSH_FAIL_NO_HOST:
            if m := pattern.match(msg):
                return None, m["user"], (sig, Kind.FAILED_LOGIN), forget, None, None, None
        if m := _SSH_BYE_BYE.match(msg):
            return m["host"], None, _SSH_BYE, True, m["sport"], None, None
        for pattern, forget in _SSH_NOFAIL:
            if m := pattern.match(msg):
                groups = m.groupdict()
                return (m["host"], groups.get("user") or groups.get("ruser"), None, forget,
                        groups.get("sport"), groups.get("dst"), groups.get("dport"))
        return None

    def book(self, ctx, env: Envelope, what: tuple | None) -> list[Record]:
        """The records of a classified message (``classify``), in its connection's context."""
        if what is None:
            return []  # an sshd line, not a failure
        host, user, failure, forget, sport, dst, dport = what
        key = (env.host, env.pid) if env.pid else None
        conns = _connections(ctx)
        conn = conns.get(key) if key else None
        if key and dst:
            conn = conn or conns.setdefault(key, _Conn())
            conn.dst, conn.dst_port = _dst(dst), dport
        return self._apply(ctx, env, key, conn, host, user, failure, forget, sport=sport)

    @staticmethod
    def _apply(ctx, env, key, conn, host, user, failure, forget, sport=None):
        """Book one line of a connection (see ``rows``), as records."""
        src = src_of(host) if host else None
        if host and src is None:
            return []
        return [Record(*row) for row in
                SshdFormat.rows(ctx, env.at, env.host, key, conn, src, user, failure, forget, sport, None)]

    @staticmethod
    def rows(ctx, at, host, key, conn, src, user, failure, forget, sport, location) -> list[tuple]:
        """Book one line of a connection (``key``: (our host, pid), or None; ``conn``: what is
        remembered of it, or None): a failure (``failure`` = (signature, kind)) or not, from the
        client ``src`` (normalised; None when the line names none) and ``sport``, the client's port
        as this line states it (a connection remembers it). The records, as tuples in ``Record``'s
        field order (the sshd lane's path: no Record is made)."""
        conns = _connections(ctx)
        if conn is None and key is not None:
            if len(conns) >= MAX_CONNECTIONS:
                conns.pop(next(iter(conns)))
            conn = conns[key] = _Conn()
        several_users = False
        if conn is not None:
            if src:
                if src != conn.host:
                    conn.src_port = None  # another client on a reused pid: its port is unknown
                conn.host = src
                if sport:
                    conn.src_port = sport
            else:
                src = conn.host
            sport = sport or conn.src_port
            if user and user.strip():
                conn.users.add(user)
                several_users = len(conn.users) > 1
        dst = (conn.dst if conn is not None and conn.dst else None) or host
        dst_port = int(conn.dst_port) if conn is not None and conn.dst_port not in (None, "") else None
        port = _client_port(sport)
        out = []
        if failure is _SSH_BYE and conn is not None and (conn.failed or conn.pending):
            failure = None  # the connection's failure is the attack; its goodbye adds nothing
        if failure is not None and conn is not None:
            conn.failed = True
        if failure is not None:
            sig, kind = failure
            if src:
                out.append((src, at, kind, dst, dst_port, sig, location, port))
            elif conn is not None:
                conn.pending.append(sig)
        elif several_users and src:
            out.append((src, at, Kind.FAILED_LOGIN, dst, dst_port, _SEVERAL_USERS, location, port))
        if conn is not None and conn.pending and src:
            out.extend((src, at, Kind.FAILED_LOGIN, dst, dst_port, sig, location, port)
                       for sig in conn.pending)
            conn.pending.clear()
        if forget and conn is not None:
            if conn.pending:  # the address is still to come on a later line of this connection
                conn.host, conn.users, conn.src_port = None, set(), None
            else:
                conns.pop(key, None)
        return out


_DROPBEAR = [
    (re.compile(r"^[Bb]ad (?:PAM )?password attempt for .+ from (?P<host>\S+?)(?::(?P<sport>\d+))?\s*$"),
     "dropbear: bad password"),
    (re.compile(r"^[Ll]ogin attempt for nonexistent user (?:'.*' )?from (?P<host>\S+?)(?::(?P<sport>\d+))?"
                r"\s*$"),
     "dropbear: nonexistent user"),
    (re.compile(r"^[Ee]xit before auth \(user '.+', \d+ fails\): Max auth tries reached - user '.+' "
                r"from (?P<host>\S+?)(?::(?P<sport>\d+))?\s*$"),
     "dropbear: too many authentication failures"),
]


# its own "[pid] Mon dd hh:mm:ss " before the message, when it also logs to stderr
_DROPBEAR_OWN_STAMP = re.compile(r"^\[\d+\] [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d ")


_DROPBEAR_BARE = re.compile(r"^\s*(?:[Bb]ad (?:PAM )?password attempt for |[Ll]ogin attempt for nonexistent "
                            r"user |[Ee]xit before auth \(user )")


class DropbearFormat(AuthFormat):
    name = "dropbear"
    label = "Dropbear SSH server (embedded systems)"
    keywords = ("dropbear", "password attempt for", "nonexistent user from", "Max auth tries reached")

    def parse(self, line, ctx):
        env = envelope(line, ctx)
        ours = env.prog.startswith("dropbear")
        if ours:
            msg, host = _DROPBEAR_OWN_STAMP.sub("", env.msg, count=1), env.host
        elif env.at is None and _DROPBEAR_BARE.match(line):
            msg, host = line.strip(), None  # its bare messages (a log the program name was taken from)
        else:
            return None
        for pattern, sig in _DROPBEAR:
            if m := pattern.match(msg):
                return _one(_record(src_of(m["host"]), env.at, Kind.FAILED_LOGIN, sig, host,
                                    None, m["sport"]))
        return [] if ours else None


# ---------------------------------------------------------------------------------------------
# PAM and vsftpd
# ---------------------------------------------------------------------------------------------

# "ruser=%s rhost=%s" and an optional "user=%s" at the end: ruser and user are the client's, so
# the address is the rhost= that leaves a well-formed end of line (as fail2ban anchors it).
_PAM_FIELDS = (r"authentication failure;(?:\s+(?:logname|e?uid|tty)=\S*)*\s+ruser=(?P<ruser>.*?)"
               r"\s+rhost=(?P<host>\S+)(?:\s+user=(?P<user>.*?))?\s*$")
_PAM = re.compile(r"^(?:\((?P<mod1>pam_\w+)\)|(?P<mod2>pam_\w+)(?:\((?P<svc>[^)\s:]*)(?::\w+)?\))?:?)"
                  r"\s+" + _PAM_FIELDS)
_VSFTPD_PAM = re.compile(r"^" + _PAM_FIELDS)
_VSFTPD_FAIL = re.compile(r'\bFAIL LOGIN: Client "(?P<host>[^"]+)"')
_VSFTPD_OWN = re.compile(r'\[pid \d+\] (?:\[[^\]]*\] )?(?:CONNECT|OK \w+|FAIL \w+): Client "')


class PamFormat(AuthFormat):
    name = "pam"
    label = "PAM authentication failures (pam_unix, pam_sss, ...)"
    keywords = ("authentication failure;",)

    def parse(self, line, ctx):
        env = envelope(line, ctx)
        m = _PAM.match(env.msg)
        if m is None:
            return None
        service = m["svc"] or env.prog.split("(")[0] or "pam"
        return _one(_record(src_of(m["host"]), env.at, Kind.FAILED_LOGIN,
                            f"{service}: PAM authentication failure", env.host))


class VsftpdFormat(AuthFormat):
    name = "vsftpd"
    label = "vsftpd FTP server"
    keywords = ("FAIL LOGIN", "vsftpd")

    def parse(self, line, ctx):
        env = envelope(line, ctx)
        if m := _VSFTPD_FAIL.search(env.msg):
            return _one(_record(src_of(m["host"]), env.at, Kind.FAILED_LOGIN, "vsftpd: failed login",
                                env.host, 21))
        if env.prog.startswith("vsftpd") and (m := _VSFTPD_PAM.match(env.msg)):
            # old "vsftpd(pam_unix)[pid]:" tag, or vsftpd's own PAM failure without the module name
            return _one(_record(src_of(m["host"]), env.at, Kind.FAILED_LOGIN,
                                "vsftpd: PAM authentication failure", env.host, 21))
        if (env.prog.startswith("vsftpd") and not _PAM.match(env.msg)) or _VSFTPD_OWN.search(line):
            return []
        return None


# ---------------------------------------------------------------------------------------------
# Mail: Dovecot, Postfix, Exim
# ---------------------------------------------------------------------------------------------

_DOVECOT_LOGIN = re.compile(
    r"\b(?:Aborted login|Disconnected|Login aborted|Client has quit the connection|Remote closed connection)"
    r"(?::.*?)? \((?P<why>(?:proxy dest )?auth failed(?:, \d+ attempts?)?"
    r"(?: in \d+ secs?)?|tried to use (?:disabled|disallowed) \S+ auth)\)(?: \(\w+\))?:"
    r"(?: user=<[^>]*>,)?(?: method=\S+,)? rip=(?P<host>[0-9A-Fa-f:.]+)(?:, lip=(?P<lip>[0-9A-Fa-f:.]+))?")
_DOVECOT_PASSDB = re.compile(
    r"(?:^|\s)(?:Info: )?(?P<db>[a-z][\w-]{1,14})\((?P<user>[^()]*?),(?P<host>[0-9A-Fa-f:.]+)"
    r"(?:,[^()]*)?\): (?:Info: )?(?P<what>unknown user|invalid credentials|[Pp]assword mismatch|"
    r"pam_authenticate\(\) failed: (?:User not known to the underlying authentication module|"
    r"Authentication failure|Permission denied))")
_DOVECOT_PROG = re.compile(r"^(?:dovecot(?:-auth)?|auth(?:-worker)?(?:\([^)]*\))?|"
                           r"(?:imap|pop3|submission|managesieve|lmtp)(?:-login)?(?:\([^)]*\))?)$")
_DOVECOT_MSG = re.compile(r"^(?:(?:imap|pop3|submission|managesieve|lmtp)-login|auth(?:-worker)?"
                          r"(?:\([^)]*\))?): ")


class DovecotFormat(AuthFormat):
    name = "dovecot"
    label = "Dovecot IMAP/POP3 and its auth process"
    keywords = ("rip=", "unknown user", "assword mismatch", "invalid credentials",
                "pam_authenticate() failed")

    def parse(self, line, ctx):
        env = envelope(line, ctx)
        if m := _DOVECOT_LOGIN.search(env.msg):
            sig = ("dovecot: authentication failed" if m["why"].startswith("auth failed")
                   else "dovecot: plaintext authentication refused")
            return _one(_record(src_of(m["host"]), env.at, Kind.FAILED_LOGIN, sig,
                                _dst(m["lip"]) or env.host))
        if m := _DOVECOT_PASSDB.search(env.msg):
            what = m["what"].split(":")[0].replace("pam_authenticate() failed", "PAM failure").lower()
            return _one(_record(src_of(m["host"]), env.at, Kind.FAILED_LOGIN,
                                f"dovecot: {what} ({m['db']})", env.host))
        if _DOVECOT_PROG.match(env.prog) or _DOVECOT_MSG.match(env.msg):
            return []
        return None


_POSTFIX_REJECT = re.compile(
    r"(?:^|\s)(?:\w+: )?(?:milter-)?reject: (?P<cmd>[A-Z]+) from [^\[\s]*\[(?P<host>[^\]]+)\](?::\d+)?: "
    r"(?P<code>[45][05][04]) [45]\.\d{1,3}\.\d{1,3} (?:<[^>]*>: |: )?"
    r"(?P<why>(?:(?:Helo command|(?:Sender|Recipient) address) rejected: )?(?:Service unavailable|"
    r"(?:Client host|Command|Data command) rejected|Relay access denied|(?:Host|Domain) not found|"
    r"need fully-qualified hostname|match\b|[Uu]ser unknown|[Uu]ndeliverable address|"
    r"Malformed DNS server reply|Access denied))")
_POSTFIX_PROTOCOL = re.compile(
    r"(?:^|\s)(?P<what>improper command pipelining|too many errors) after (?P<cmd>\S+) "
    r"from [^\[\s]*\[(?P<host>[^\]]+)\]")
# postscreen: a client that talks before the greeting (a bot that does not wait, or another protocol)
_POSTSCREEN = re.compile(r"PREGREET \d+ after [\d.]+ from \[(?P<host>[^\]]+)\]:(?P<sport>\d+)")
_POSTFIX_SASL = re.compile(
    r"(?:^|\s)warning: [^\[\s]*\[(?P<host>[^\]]+)\](?::\d+)?: SASL (?P<mech>[\w-]+) authentication "
    r"failed:(?! Connection lost to authentication server| Invalid authentication mechanism)")


class PostfixFormat(AuthFormat):
    name = "postfix"
    label = "Postfix SMTP server (rejects, SASL failures)"
    keywords = ("reject:", "improper command pipelining", "too many errors after", "SASL", "postfix")

    def parse(self, line, ctx):
        env = envelope(line, ctx)
        if m := _POSTFIX_SASL.search(env.msg):
            return _one(_record(src_of(m["host"]), env.at, Kind.FAILED_LOGIN,
                                f"postfix: SASL {m['mech'].upper()} authentication failed", env.host))
        if m := _POSTFIX_REJECT.search(env.msg):
            why = m["why"].split(": ")[-1]
            return _one(_record(src_of(m["host"]), env.at, Kind.BLOCKED,
                                f"postfix: {m['cmd']} rejected ({why})", env.host))
        if m := _POSTFIX_PROTOCOL.search(env.msg):
            return _one(_record(src_of(m["host"]), env.at, Kind.BLOCKED,
                                f"postfix: {m['what']} after {m['cmd']}", env.host))
        if m := _POSTSCREEN.match(env.msg):
            return _one(_record(src_of(m["host"]), env.at, Kind.SCAN, "postfix: talked before the greeting",
                                env.host, 25, m["sport"]))
        if env.prog.startswith("postfix"):
            return []
        return None


_EX_HOST = (r"(?:[^\[(\s]+ )?(?:\([^)]*\) )?\[(?P<host>[0-9A-Fa-f:.]+)\](?::\d+)?"
            r"(?: I=\[(?P<dst>[0-9A-Fa-f:.]+)\](?::(?P<dport>\d+))?)?")
_EXIM = [  # (pattern, signature, kind)
    (re.compile(r"\b[\w-]+ authenticator failed for " + _EX_HOST + r": 535 Incorrect authentication"),
     "exim: SMTP authentication failed", Kind.FAILED_LOGIN),
    (re.compile(r"\bH=" + _EX_HOST + r"(?: U=\S+)?(?: P=\S+)?(?: F=\S+)? sender verify fail for <[^>]*>: "
                r"(?:Unknown user|Unrouteable address|all relevant MX records point to non-existent "
                r"hosts)"), "exim: sender verify failed", Kind.BLOCKED),
    (re.compile(r"\bH=" + _EX_HOST + r"(?: \S+=\S+)* rejected RCPT \S+: "
                r"(?:relay not permitted|Sender verify failed|Unknown user|Unrouteable address|"
                r"SMTP AUTH is required)"),
     "exim: recipient rejected", Kind.BLOCKED),
    (re.compile(r"\bSMTP protocol synchronization error \([^)]*\): rejected (?:connection from|"
                r'"[^"]*") H=' + _EX_HOST), "exim: SMTP synchronization error", Kind.SCAN),
    (re.compile(r"\bSMTP call from " + _EX_HOST + r" dropped: too many (?:(?:nonmail|unrecognized) "
                r"commands|syntax or protocol errors)"), "exim: too many bad commands", Kind.SCAN),
    # any case of "auth"; the H= that counts is the one before the message (the quoted command
    # may carry a planted one)
    (re.compile(r'\bSMTP protocol error in "(?i:auth)[^"]*".*? H=' + _EX_HOST +
                r"(?: \S+=\S+)* AUTH command used when not advertised"),
     "exim: AUTH when not advertised", Kind.FAILED_LOGIN),
    (re.compile(r'\bSMTP protocol error in "[^"]*" H=' + _EX_HOST +
                r"(?: \S+=\S+)* too many syntax or protocol errors"),
     "exim: too many bad commands", Kind.SCAN),
    (re.compile(r"\bno MAIL in SMTP connection from " + _EX_HOST + r"(?: \S+=\S+)*? D=\d"),
     "exim: connection without mail", Kind.SCAN),
    (re.compile(r"\bSMTP connection from " + _EX_HOST + r"(?: \S+=\S+)* closed by DROP in ACL"),
     "exim: dropped by ACL", Kind.BLOCKED),
    # spam: refused by a content scan or a block list (not "temporarily rejected": a scanner's
    # own failure), or let through but flagged by SpamAssassin
    (re.compile(r"\bH=" + _EX_HOST + r"(?: \S+=\S+)* (?:rejected by local_scan\(\): |rejected after DATA: |"
                r"rejected RCPT \S+: .*?(?i:dnsbl|black ?list|blocklist|listed (?:at|in)|\brbl\b))"),
     "exim: spam rejected", Kind.BLOCKED),
    (re.compile(r"\bSA: Action: (?:flagged as Spam but accepted|silently tossed message|rejected message)\b"
                r".*? \(host=(?:\S+ )?\[(?P<host>[0-9A-Fa-f:.]+)\]\)"), "exim: SpamAssassin: spam",
     Kind.BLOCKED),
]


class EximFormat(AuthFormat):
    name = "exim"
    label = "Exim mail server (main log)"
    keywords = ("authenticator failed", "sender verify fail", "rejected RCPT",
                "SMTP protocol synchronization error", "dropped: too many", "used when not advertised",
                "no MAIL in SMTP connection", "closed by DROP in ACL", "rejected by local_scan",
                "rejected after DATA", "SA: Action:")

    def parse(self, line, ctx):
        at, rest = leading_time(line, ctx)
        for pattern, sig, kind in _EXIM:
            if m := pattern.search(rest):
                found = m.groupdict()
                return _one(_record(src_of(found["host"]), at, kind, sig, _dst(found.get("dst")),
                                    found.get("dport")))
        return None


# ---------------------------------------------------------------------------------------------
# FTP: ProFTPD
# ---------------------------------------------------------------------------------------------

_PROFTPD = re.compile(r"\bproftpd\[\d+\]:?\s+(?:[^\s(]+\s+)?\((?P<name>[^\[\s]*)\[(?P<host>[^\]\s]+)\]\)"
                      r"[: -]+(?P<msg>.*)$")
_PROFTPD_FAIL = [  # (pattern, signature, kind)
    (re.compile(r"^USER .*: no such user found from .*? to (?P<dst>\S+?):(?P<dport>\d+)\s*$"),
     "proftpd: no such user", Kind.FAILED_LOGIN),
    (re.compile(r"^USER .* \(Login failed\):"), "proftpd: login failed", Kind.FAILED_LOGIN),
    (re.compile(r"^SECURITY VIOLATION: .* login attempted"), "proftpd: root login attempted",
     Kind.FAILED_LOGIN),
    (re.compile(r"^Maximum login attempts \(\d+\) exceeded"), "proftpd: too many login attempts",
     Kind.FAILED_LOGIN),
    # a <Limit LOGIN> or mod_wrap rule refused the client before it could log in
    (re.compile(r"^Connection from \S+ \[[^\]\s]+\] denied\.?\s*$"), "proftpd: connection denied",
     Kind.BLOCKED),
]
# libwrap's own line (hosts.deny) names no session, only the client's name and address
_PROFTPD_WRAP = re.compile(r"\bproftpd\[\d+\]:?\s+(?:[^\s(]+\s+)?refused connect from \S+ "
                           r"\((?P<host>[^)\s]+)\)\s*$")


class ProftpdFormat(AuthFormat):
    name = "proftpd"
    label = "ProFTPD FTP server"
    keywords = ("proftpd",)

    def parse(self, line, ctx):
        m = _PROFTPD.search(line)
        if m is None:
            if w := _PROFTPD_WRAP.search(line):
                return _one(_record(src_of(w["host"]), leading_time(line, ctx)[0], Kind.BLOCKED,
                                    "proftpd: refused by tcp wrappers", None, 21))
            return None
        at, _ = leading_time(line, ctx)
        for pattern, sig, kind in _PROFTPD_FAIL:
            if f := pattern.match(m["msg"]):
                groups = f.groupdict()
                return _one(_record(src_of(m["host"]), at, kind, sig,
                                    _dst(groups.get("dst")), groups.get("dport") or 21))
        return []


# ---------------------------------------------------------------------------------------------
# VoIP: Asterisk
# ---------------------------------------------------------------------------------------------

_AST_REASONS = (r"Wrong password|Username/auth name mismatch|No matching peer found|Not a local domain|"
                r"Device does not match ACL|Peer is not supposed to register|ACL error \(permit/deny\)|"
                r"No matching endpoint found")
_AST_HOSTPORT = r"(?P<host>\[[0-9A-Fa-f:.]+\](?::\d+)?|[^'\s\"()]+)"
_ASTERISK = [  # (pattern, signature, kind)
    (re.compile(r"\bRegistration from '.*' failed for '" + _AST_HOSTPORT + r"' - (?P<why>"
                + _AST_REASONS + r")\s*$"), "asterisk: SIP registration failed", Kind.FAILED_LOGIN),
    (re.compile(r"\bRequest (?:'[^']*' )?from '.*' failed for '" + _AST_HOSTPORT + r"' \(callid: "
                r"[^)]*\) - (?:No matching endpoint found|Not match Endpoint(?: Contact)? ACL|"
                r"(?:Failed|Error) to authenticate)"), "asterisk: PJSIP request failed",
     Kind.FAILED_LOGIN),
    (re.compile(r"\bCall (?:from '.*' )?\((?:(?:UDP|TCP|TLS|WSS?):)?(?P<host>\[[0-9A-Fa-f:.]+\]|"
                r"[0-9.]+|[0-9A-Fa-f:]+?)(?::\d+)?\) to extension '.*' rejected because extension "
                r"not found in context"), "asterisk: call to unknown extension", Kind.SCAN),
    # the host starts a run of address characters (never inside one: a long run would otherwise be
    # scanned again from each of its colons)
    (re.compile(r"(?:^|(?<=\s)|(?<=[^0-9A-Fa-f:.]:))(?:Host )?(?P<host>[0-9A-Fa-f:.]+) (?:failed (?:to "
                r"authenticate|MD5 authentication)|tried to authenticate with nonexistent user)\b"),
     "asterisk: authentication failed", Kind.FAILED_LOGIN),
    (re.compile(r"\bFailed to authenticate (?:user|device) [^@\s]+@(?P<host>\[[0-9A-Fa-f:.]+\]|"
                r"[0-9.]+)(?=[:>;\s]|$)"), "asterisk: authentication failed", Kind.FAILED_LOGIN),
    (re.compile(r"\bNo registration for peer '.*' \(from (?P<host>[^)\s]+)\)"),
     "asterisk: no registration for peer", Kind.FAILED_LOGIN),
    (re.compile(r"\bhacking attempt detected '(?P<host>[^']+)'"), "asterisk: hacking attempt",
     Kind.SCAN),
    (re.compile(r"\bRejecting unknown SIP connection from (?P<host>\[[0-9A-Fa-f:.]+\](?::\d+)?|"
                r"[^\s\"]+)"), "asterisk: unknown SIP connection rejected", Kind.BLOCKED),
]
_AST_EVENT = re.compile(r'\bSecurityEvent="(?P<ev>FailedACL|InvalidAccountID|ChallengeResponseFailed|'
                        r'InvalidPassword)"')
_AST_REMOTE = re.compile(r'RemoteAddress="IPV[46]/[^/"]+/(?P<host>[^"/]+)/(?P<port>\d+)"')
_AST_LOCAL = re.compile(r'LocalAddress="IPV[46]/[^/"]+/(?P<host>[^"/]+)/(?P<port>\d+)"')


class AsteriskFormat(AuthFormat):
    name = "asterisk"
    label = "Asterisk PBX (chan_sip, PJSIP, IAX2, AMI, security log)"
    keywords = ("Registration from", "Request from", "Request '", "Call from", "Call (",
                "failed to authenticate", "failed MD5 authentication", "nonexistent user",
                "No registration for peer", "hacking attempt detected", "SecurityEvent=",
                "Rejecting unknown SIP connection", "Failed to authenticate")

    def parse(self, line, ctx):
        at, rest = leading_time(line, ctx)
        if m := _AST_EVENT.search(rest):
            remotes = list(_AST_REMOTE.finditer(rest))
            if not remotes:
                return None
            remote = remotes[-1]  # the structured field, after anything planted in earlier values
            # ... and the LocalAddress that goes with it is the last one before it
            local = ([None, *_AST_LOCAL.finditer(rest, 0, remote.start())])[-1]
            return _one(_record(src_of(remote["host"]), at, Kind.FAILED_LOGIN,
                                f"asterisk: {m['ev']}", _dst(local["host"]) if local else None,
                                local["port"] if local else None, remote["port"]))
        for pattern, sig, kind in _ASTERISK:
            if m := pattern.search(rest):
                return _one(_record(src_of(m["host"]), at, kind, sig))
        return None


# ---------------------------------------------------------------------------------------------
# Databases: MySQL / MariaDB
# ---------------------------------------------------------------------------------------------

# the error log's "[Warning] ..." or the general query log's "<time> <id> Connect"
_MYSQL = re.compile(r"(?:\[(?:Warning|Note|Error|ERROR|System)\](?: \[MY-\d+\])?(?: \[\w+\])? |"
                    r"^\S+\s+\d+ Connect\s+)Access denied for "
                    r"user '(?P<user>.*)'@'(?P<host>[^']*)'(?: \(using password: (?:YES|NO)\))?\s*$")
_SINGLE_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,62}")


class MysqlFormat(AuthFormat):
    name = "mysqld"
    label = "MySQL / MariaDB error log"
    keywords = ("Access denied for user",)

    def parse(self, line, ctx):
        m = _MYSQL.search(line)
        if m is None:
            return None
        at, _ = leading_time(line, ctx)
        host = m["host"]
        src = src_of(host) or (host.lower() if _SINGLE_LABEL.fullmatch(host) else None)
        return _one(_record(src, at, Kind.FAILED_LOGIN, "mysqld: access denied"))


# ---------------------------------------------------------------------------------------------
# Web servers: Apache, nginx, HAProxy
# ---------------------------------------------------------------------------------------------

# Paths that scanners probe for on every web server (webmail, database admin, WordPress login,
# CGI): a missing one is a probe rather than a broken link. Any directory of the path may be it.
PROBED_NAME = (r"(?i:(?:roundcube(?:mail)?|(?:v-?|ext)?webmail|extmail|mails?(?:_\w+)?|horde|"
               r"squirrelmail|rainloop|(?:typo3/|xampp/|admin/)?(?:pma|(?:php)?my-?admin|phpmyadmin[\w.-]*|mysql-?admin|"
               r"pmapper[\w.-]*|sqlmanager|websql|dbadmin)|wp-(?:login|signup|admin)\.php|xmlrpc\.php|"
               r"cgi-bin)(?:[/,'\"|?\s]|$))")
PROBED_PATH = r"\S*?/" + PROBED_NAME
_APACHE_CLIENT = re.compile(r"^(?P<pre>.*?)\[(?:client|remote) (?P<client>\[[0-9A-Fa-f:.]+\](?::\d+)?|"
                            r"[^\]\s]+)\] (?:AH\d+: )?(?P<msg>.*)$")
_AUTH_TYPE = r"(?:[A-Z]\w+: )?"
_APACHE = [  # (pattern, signature, kind)
    (re.compile(r"^client denied by server configuration\b"), "apache: client denied by configuration",
     Kind.BLOCKED),
    (re.compile(r"^client used wrong authentication scheme\b"), "apache: wrong authentication scheme",
     Kind.FAILED_LOGIN),
    (re.compile(r"^user (?!`).*? (?:authentication failure|authorization failure|not found|"
                r"denied by provider)\b"), "apache: authentication failure", Kind.FAILED_LOGIN),
    (re.compile(r"^user (?!`).*?: (?:authentication failure|authorization failure)\b"),
     "apache: authentication failure", Kind.FAILED_LOGIN),
    (re.compile(r"^Authorization of user .*? to access .*? failed\b"), "apache: authorization failed",
     Kind.FAILED_LOGIN),
    (re.compile(r"^" + _AUTH_TYPE + r"user .*?: password mismatch\b"), "apache: password mismatch",
     Kind.FAILED_LOGIN),
    (re.compile(r"^" + _AUTH_TYPE + r"user `.*?' in realm `.*' (?:not found|denied by provider)\b"),
     "apache: unknown user (digest)", Kind.FAILED_LOGIN),
    (re.compile(r"^" + _AUTH_TYPE + r"invalid nonce .*? received - (?:length is not\b|user attempted "
                r"time travel\b)"), "apache: invalid digest nonce", Kind.FAILED_LOGIN),
    (re.compile(r"^" + _AUTH_TYPE + r"realm mismatch - got `.*?' but\b"), "apache: digest realm mismatch",
     Kind.FAILED_LOGIN),
    (re.compile(r"^" + _AUTH_TYPE + r"unknown algorithm `.*?' received\b"),
     "apache: unknown digest algorithm", Kind.FAILED_LOGIN),
    (re.compile(r"^" + _AUTH_TYPE + r"invalid qop `.*?' received\b"), "apache: invalid digest qop",
     Kind.FAILED_LOGIN),
    (re.compile(r"^(?:\[client [^\]]+\] )?ModSecurity:\s+(?:\[[^\]]*\]\s*)*Access denied with code [45]\d\d"),
     "apache: ModSecurity denied", Kind.BLOCKED),
    (re.compile(r"^(?:File does not exist: |script '?)" + PROBED_PATH),
     "apache: probe for a common web application", Kind.SCAN),
    (re.compile(r"^(?:script '[^']*' not found or unable to stat|script not found or unable to stat: |"
                r"Got error 'Primary script unknown|File does not exist: \S+\."
                r"(?:php\d?|asp|aspx|exe|pl|cgi|scgi|jsp)\b)"),
     "apache: request for a script that is not there", Kind.SCAN),
    (re.compile(r"^File does not exist: \S*/~"), "apache: request for a user's home directory", Kind.SCAN),
    (re.compile(r"^/bin/bash: (?:warning: \S+: ignoring function definition attempt|error importing function "
                r"definition for )"), "apache: Shellshock attempt (CVE-2014-6271)", Kind.SCAN),
    (re.compile(r"^(?:WAR|ERR) \[(?:Login denied for user \"|Could not retrieve user )"),
     "zoneminder: login denied", Kind.FAILED_LOGIN),
    (re.compile(r"^(?:request failed: (?:URI too long|erroneous characters after protocol string)|"
                r"Invalid (?:method|URI) in request|invalid URI path \(|Client sent malformed Host header)"),
     "apache: malformed request", Kind.SCAN),
    (re.compile(r"^(?:Directory index forbidden by (?:Options directive|rule): |Cannot serve directory \S+: "
                r"No matching DirectoryIndex )"), "apache: directory listing refused", Kind.SCAN),
    (re.compile(r"^(?:No h|H)ostname \S+ provided via SNI(?:, but no hostname provided| and hostname "
                r"\S+ provided| for a name based virtual host)"), "apache: SNI/Host mismatch",
     Kind.BLOCKED),
]


class ApacheAuthFormat(AuthFormat):
    name = "apache-auth"
    label = "Apache error log: authentication and access failures"
    keywords = ("[client ", "[remote ")

    def parse(self, line, ctx):
        m = _APACHE_CLIENT.match(line)  # the first [client ...]: later ones are request text
        if m is None:
            return None
        if "[evasive" in m["pre"]:
            return []  # mod_evasive rate limiting, not an authentication failure
        for pattern, sig, kind in _APACHE:
            if pattern.match(m["msg"]):
                at, _ = leading_time(line, ctx)
                return _one(_record(src_of(m["client"]), at, kind, sig))
        return None


_NGINX = re.compile(
    r"(?:(?P<date>\d{4}/\d\d/\d\d) (?P<time>\d\d:\d\d:\d\d) )?\[error\] \d+#\d+: \*\d+ "
    r"(?:user \"(?P<user>.*?)\":? (?P<why>password mismatch|was not found in \"[^\"]*\")|"
    r"PAM: user '.*?' - not authenticated: [^,]*), client: (?P<host>[^,\s]+), server: (?P<server>[^,]*)"
    r"(?:, request: \"[^\"]*\")?(?:, upstream: \"[^\"]*\")?(?:, host: \"[^\"]*\")?"
    r"(?:, referrer: \"[^\"]*\")?\s*$")


class NginxAuthFormat(AuthFormat):
    name = "nginx-http-auth"
    label = "nginx error log: basic-auth failures"
    keywords = ("password mismatch", "was not found in", "not authenticated")

    def parse(self, line, ctx):
        m = _NGINX.search(line)
        if m is None:
            return None
        if m["date"]:
            at = stamp_time(_STAMP.match(f"{m['date']} {m['time']} "), ctx)
        else:
            at, _ = leading_time(line, ctx)
        why = "password mismatch" if (m["why"] or "").startswith("password") else "unknown user"
        if m["why"] is None:
            why = "PAM failure"
        server = m["server"].strip() or None
        return _one(_record(src_of(m["host"]), at, Kind.FAILED_LOGIN, f"nginx: {why}",
                            _dst(server.rsplit(":", 1)[0]) if server else None))


_HAPROXY = re.compile(r"(?:^|\s)(?P<client>\S+):(?P<port>\d+) \[(?P<accept>\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d)"
                      r"(?:\.\d+)?\] \S+ \S+/<NOSRV> -?\d+/-?\d+/-?\d+/-?\d+/\+?\d+ 401 ")


class HaproxyAuthFormat(AuthFormat):
    name = "haproxy-http-auth"
    label = "HAProxy: requests refused for missing or wrong HTTP auth"
    keywords = ("<NOSRV>",)

    def parse(self, line, ctx):
        m = _HAPROXY.search(line)
        if m is None:
            return None
        env = envelope(line, ctx)
        at = env.at
        if at is None:  # no syslog stamp: HAProxy's own accept date (local time)
            day, mon, year, hms = re.split(r"[/:]", m["accept"], maxsplit=3)
            try:
                at = _at(ctx, int(year), MONTHS[mon[:3].lower()], int(day), hms)
            except (KeyError, ValueError):
                at = None
        return _one(_record(src_of(m["client"]), at, Kind.FAILED_LOGIN, "haproxy: HTTP auth required",
                            env.host, None, m["port"]))


# ---------------------------------------------------------------------------------------------
# OpenVPN, BIND, fail2ban, PortSentry, Cowrie
# ---------------------------------------------------------------------------------------------

_OVPN_PEER = r"(?:\[AF_INET6?\])?(?P<host>[0-9A-Fa-f:.]+):(?P<port>\d+)"
_OPENVPN = [  # (pattern, kind); "cn/" before the peer means the client had authenticated
    (re.compile(r"(?:^|\s)(?P<cn>[^\s/]+/)?" + _OVPN_PEER + r" (?P<what>TLS Error: TLS handshake failed|"
                r"VERIFY ERROR:|TLS Auth Error:|AUTH: Received control message: AUTH_FAILED|"
                r"SIGUSR1\[soft,connection-reset\] received, client-instance restarting)"),
     Kind.FAILED_LOGIN),
    (re.compile(r"\bTLS Error: (?P<what>cannot locate HMAC in incoming packet|incoming packet "
                r"authentication failed|tls-crypt unwrapping failed) from " + _OVPN_PEER), Kind.SCAN),
]


class OpenvpnFormat(AuthFormat):
    name = "openvpn"
    label = "OpenVPN server: TLS and authentication failures"
    keywords = ("TLS Error", "VERIFY ERROR", "TLS Auth Error", "SIGUSR1[soft,connection-reset]",
                "AUTH_FAILED")

    def parse(self, line, ctx):
        env = envelope(line, ctx)
        for pattern, kind in _OPENVPN:
            # the whole line: its own log without a program name has "cn/peer:" read as a syslog tag
            if m := pattern.search(line):
                what = m["what"].rstrip(":")
                if m.groupdict().get("cn") and what.startswith("SIGUSR1"):
                    return []  # an authenticated client going away
                if what.startswith("SIGUSR1"):
                    what = "connection reset before authentication"
                return _one(_record(src_of(m["host"]), env.at, kind, f"openvpn: {what}", env.host, None,
                                    m["port"]))
        return None


_NAMED = re.compile(
    r"\bclient (?:@0x[0-9a-f]+ )?(?P<host>[0-9A-Fa-f:.]+)#(?P<sport>\d+)(?: \([^)]*\))?: (?:view [^:\s]+: )?"
    r"(?P<what>query(?: \(cache\))?(?: '[^']*')? denied|zone transfer '[^']*' denied|"
    r"bad zone transfer request: '[^']*': non-authoritative zone \(NOTAUTH\)|update '[^']*' denied)")


class NamedFormat(AuthFormat):
    name = "named-refused"
    label = "BIND named: refused queries, zone transfers and updates"
    keywords = ("denied", "(NOTAUTH)")

    def parse(self, line, ctx):
        m = _NAMED.search(line)
        if m is None:
            return None
        env = envelope(line, ctx)
        what = m["what"]
        sig = ("named: zone transfer denied" if "zone transfer" in what
               else "named: update denied" if what.startswith("update") else "named: query denied")
        return _one(_record(src_of(m["host"]), env.at, Kind.BLOCKED, sig, env.host, 53, m["sport"]))


_FAIL2BAN_BAN = re.compile(r"\bfail2ban(?:\.(?:server\.)?actions)?\s*(?:\[\d+\])?:?\s+(?:NOTICE\s+)?"
                           r"\[(?P<jail>[^\]]+)\]\s+Ban\s+(?P<host>\S+)\s*$")


class Fail2banBanFormat(AuthFormat):
    name = "fail2ban"
    label = "fail2ban's own log: bans (as the recidive jail reads them)"
    keywords = ("] Ban ",)

    def parse(self, line, ctx):
        m = _FAIL2BAN_BAN.search(line)
        if m is None:
            return None
        if m["jail"].strip().lower() == "recidive":
            return []  # a ban for earlier bans: counting it would count them twice
        at, _ = leading_time(line, ctx)
        return _one(_record(src_of(m["host"]), at, Kind.BLOCKED, f"fail2ban: banned by {m['jail']}"))


_PORTSENTRY_HISTORY = re.compile(r"^\s*(?P<epoch>\d{9,11}) - \d\d/\d\d/\d{4} \d\d:\d\d:\d\d "
                                 r"Host: (?P<name>\S+)/(?P<host>\S+) Port: (?P<port>\d+) "
                                 r"(?P<proto>TCP|UDP) Blocked")
_PORTSENTRY_ALERT = re.compile(r"\battackalert: (?P<what>.*?) from host: (?P<name>\S+)/(?P<host>\S+) "
                               r"to (?P<proto>TCP|UDP) port: (?P<port>\d+)")


class PortsentryFormat(AuthFormat):
    name = "portsentry"
    label = "PortSentry (history file and syslog alerts)"
    keywords = (" Blocked", "attackalert:")

    def parse(self, line, ctx):
        if m := _PORTSENTRY_HISTORY.match(line):
            at = datetime.fromtimestamp(int(m["epoch"]), UTC)
            return _one(_record(src_of(m["host"]), at, Kind.SCAN,
                                f"portsentry: {m['proto']} port scan blocked", None, m["port"]))
        if m := _PORTSENTRY_ALERT.search(line):
            env = envelope(line, ctx)
            return _one(_record(src_of(m["host"]), env.at, Kind.SCAN,
                                f"portsentry: {m['proto']} {m['what'].lower()}", env.host, m["port"]))
        if "attackalert:" in line:
            return []  # "has been blocked", "is already blocked": the scan itself was counted
        return None


_COWRIE_TEXT = re.compile(r"\bNew connection: (?P<host>[0-9A-Fa-f:.]+):(?P<sport>\d+) "
                          r"\((?P<dst>[0-9A-Fa-f:.]+):(?P<dport>\d+)\) \[session: \w+\]")


class CowrieFormat(AuthFormat):
    name = "cowrie"
    label = "Cowrie SSH/Telnet honeypot (JSON or text log)"
    keywords = ('"cowrie.', "New connection: ")

    def parse(self, line, ctx):
        text = line.strip()
        if text.startswith("{"):
            event = json_object(text)
            if event is None or not str(event.get("eventid", "")).startswith("cowrie."):
                return None
            if event["eventid"] != "cowrie.session.connect":
                return []  # one record per connection: a honeypot has no legitimate visitors
            at = None
            stamp = _STAMP.match(str(event.get("timestamp", "")) + " ")
            if stamp:
                at = stamp_time(stamp, ctx)
            proto = event.get("protocol") or "ssh"
            port = event.get("dst_port")
            return _one(_record(src_of(str(event.get("src_ip", ""))), at, Kind.SCAN,
                                f"cowrie: {proto} connection to honeypot", _dst(event.get("dst_ip")),
                                port if isinstance(port, int) else None,
                                sport if isinstance(sport := event.get("src_port"), int) else None))
        if m := _COWRIE_TEXT.search(line):
            at, _ = leading_time(line, ctx)
            return _one(_record(src_of(m["host"]), at, Kind.SCAN, "cowrie: connection to honeypot",
                                _dst(m["dst"]), m["dport"], m["sport"]))
        return None


class JournalJsonFormat(AuthFormat):
    """``journalctl -o json``: each entry is rebuilt as a syslog line for the formats above."""

    name = "journal-json"
    label = "systemd journal JSON export (journalctl -o json) of the services above"
    keywords = ('"MESSAGE"',)

    def parse(self, line, ctx):
        entry = json_object(line)
        if entry is None or not isinstance(entry.get("MESSAGE"), str):
            return None
        prog = entry.get("SYSLOG_IDENTIFIER") or entry.get("_COMM") or "-"
        pid = entry.get("SYSLOG_PID") or entry.get("_PID")
        stamp = ""
        if str(entry.get("__REALTIME_TIMESTAMP", "")).isdigit():
            micros = int(entry["__REALTIME_TIMESTAMP"])
            stamp = datetime.fromtimestamp(micros / 1e6, UTC).isoformat(timespec="microseconds") + " "
        host = entry.get("_HOSTNAME") or "-"
        synthetic = f"{stamp}{host} {prog}{f'[{pid}]' if pid else ''}: {entry['MESSAGE']}"
        for fmt in FORMATS:
            if fmt is not self and fmt.wants(synthetic):
                found = fmt.parse_line(synthetic, ctx)
                if found is not None:
                    return found
        return None


# Order: the journal's JSON first (it re-reads its entries with the others, stamps included), then
# sshd (it owns every sshd line, PAM ones included), vsftpd before the generic PAM.
FORMATS = (JournalJsonFormat(), SshdFormat(), DropbearFormat(), VsftpdFormat(), PamFormat(),
           DovecotFormat(), PostfixFormat(), EximFormat(), ProftpdFormat(), AsteriskFormat(),
           MysqlFormat(), ApacheAuthFormat(), NginxAuthFormat(), HaproxyAuthFormat(), OpenvpnFormat(),
           NamedFormat(), Fail2banBanFormat(), PortsentryFormat(), CowrieFormat())
for _fmt in FORMATS:
    register(_fmt)


# ---------------------------------------------------------------------------------------------
# The sshd lane (see ``lanes.py``): the commonest sshd messages under a BSD syslog header, read
# from one expression's groups. sshd remembers connections, so a shape is checked without
# booking: the header against ``envelope`` and the message against ``SshdFormat.classify``.
# ---------------------------------------------------------------------------------------------

_LANE_V4 = r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}"
_LANE_USER = r"[^\s:]+"
_FAIL_TOO_MANY = ("sshd: too many authentication failures", Kind.FAILED_LOGIN)
_FAIL_INVALID = ("sshd: invalid user", Kind.FAILED_LOGIN)
_LANE_FAILURES = {2: _FAIL_INVALID, 7: _FAIL_TOO_MANY}  # the sshd lane's alternatives that are failures


@register_lane
class SshdLane(Lane):
    formats = ("sshd",)
    read_time = staticmethod(lambda line, ctx: leading_time(line, ctx)[0])  # as ``envelope`` does
    prefix = "ssh_"
    pattern = (
        rf"(?P<ssh_stamp>{LANE_STAMP}) "
        r"(?P<ssh_host>[A-Za-z0-9][\w.-]*) "
        r"(?P<ssh_prog>sshd|sshd-session|sshd-auth)\[(?P<ssh_pid>\d+)\]: (?:"
        rf"Failed (?P<ssh_method>password|none|keyboard-interactive/pam) for (?P<ssh_inv>invalid user )?"
        rf"(?P<ssh_u1>{_LANE_USER}) from (?P<ssh_h1>{_LANE_V4}) port (?P<ssh_p1>\d+) ssh2(?P<ssh_m1>)"
        rf"|Invalid user (?P<ssh_u2>{_LANE_USER}|) from (?P<ssh_h2>{_LANE_V4}) "
        r"port (?P<ssh_p2>\d+)(?P<ssh_m2>)"
        r"|pam_unix\(sshd:auth\): authentication failure; logname= uid=\d+ euid=\d+ tty=ssh "
        rf"ruser= rhost=(?P<ssh_h3>{_LANE_V4})(?:  user=(?P<ssh_u3>{_LANE_USER}))?(?P<ssh_m3>)"
        r"|pam_unix\(sshd:auth\): check pass; user unknown(?P<ssh_m4>)"
        rf"|Received disconnect from (?P<ssh_h5>{_LANE_V4}) port (?P<ssh_p5>\d+):11: "
        r"(?P<ssh_r5>Bye Bye|disconnected by user|Normal Shutdown, Thank you for playing|"
        r"Client disconnecting normally)(?P<ssh_a5> \[preauth\])?(?P<ssh_m5>)"
        r"|(?:Connection closed by|Connection reset by|Disconnected from)"
        rf"(?: (?:invalid|authenticating) user (?P<ssh_u6>{_LANE_USER}))? (?P<ssh_h6>{_LANE_V4}) "
        r"port (?P<ssh_p6>\d+)(?: \[preauth\])?(?P<ssh_m6>)"
        rf"|error: maximum authentication attempts exceeded for (?:invalid user )?"
        rf"(?P<ssh_u7>{_LANE_USER}) from (?P<ssh_h7>{_LANE_V4}) port (?P<ssh_p7>\d+) ssh2 \[preauth\]"
        r"(?P<ssh_m7>)"
        rf"|Disconnecting (?:invalid|authenticating) user (?P<ssh_u8>{_LANE_USER}) "
        rf"(?P<ssh_h8>{_LANE_V4}) port (?P<ssh_p8>\d+): Too many authentication failures(?: \[preauth\])?"
        r"(?P<ssh_m8>)"
        rf"|PAM \d+ more authentication failures; logname= uid=\d+ euid=\d+ tty=ssh ruser= "
        rf"rhost={_LANE_V4}(?:  user={_LANE_USER})?(?P<ssh_m9>)"
        rf"|Accepted (?:password|publickey) for (?P<ssh_u10>{_LANE_USER}) from "
        rf"(?P<ssh_h10>{_LANE_V4}) port \d+ ssh2(?:: [\w-]+ \S+)?(?P<ssh_m10>)"
        rf"|banner exchange: Connection from {_LANE_V4} port \d+: invalid format(?P<ssh_m11>)"
        r"|pam_unix\(sshd:session\): session (?:opened for user [^\s()]+(?:\(uid=\d+\))? by [^\s()]*"
        r"\(uid=\d+\)|closed for user [^\s()]+)(?P<ssh_m12>)"
        r")"
    )
    markers = tuple(f"ssh_m{alt}" for alt in range(1, 13))
    _HEAD = ("ssh_stamp", "ssh_host", "ssh_prog", "ssh_pid", "ssh_method", "ssh_inv")
    # what each alternative reads, besides the header
    _VALUES = {1: ("ssh_h1", "ssh_u1", "ssh_p1", "ssh_method", "ssh_inv"),
               2: ("ssh_h2", "ssh_u2", "ssh_p2"), 3: ("ssh_h3", "ssh_u3"),
               5: ("ssh_h5", "ssh_p5", "ssh_r5", "ssh_a5"),
               6: ("ssh_h6", "ssh_u6", "ssh_p6"), 7: ("ssh_h7", "ssh_u7", "ssh_p7"),
               8: ("ssh_h8", "ssh_u8", "ssh_p8"), 10: ("ssh_h10", "ssh_u10")}

    def __init__(self, reader):
        super().__init__(reader)
        self.fmt = self.by_name["sshd"]
        self.before = reader.formats[: reader.formats.index(self.fmt)]
        self.conns = _connections(self.ctx)
        self.ours: dict[str, str | None] = {}  # host names as logged -> ``_dst`` of them

    def bind(self, index):
        super().bind(index)
        self.pid = index["ssh_pid"]
        # each alternative's groups, header first, read in one call
        self.groups = {alt: tuple(index[name] for name in (*self._HEAD, *self._VALUES.get(alt, ())))
                       for alt in range(1, 13)}

    def engine_args(self):
        # the engine books a line as ``SshdFormat.rows`` does (``_fastlane.c``: ``ssh_book``)
        return {"ssh_shapes": self.shapes, "ssh_conn": _Conn, "ssh_conns": self.conns,
                "max_connections": MAX_CONNECTIONS, "ssh_ours": _dst, "bye": _SSH_BYE,
                "fail_invalid": _FAIL_INVALID, "fail_too_many": _FAIL_TOO_MANY,
                "failed_login": Kind.FAILED_LOGIN, "several": _SEVERAL_USERS}

    @staticmethod
    def _what(alt: int, values: tuple) -> tuple | None:
        """What ``SshdFormat.classify`` gives for the message of alternative ``alt`` whose own
        groups (``_VALUES``) read ``values``."""
        if alt in (4, 9, 11, 12):  # nothing to book
            return None
        if alt == 1:
            host, user, port, method, invalid = values
            sig = f"sshd: failed {method}" + (" for invalid user" if invalid is not None else "")
            return host, user, (sig, Kind.FAILED_LOGIN), False, port, None, None
        if alt == 3:
            return values[0], values[1] or "", None, False, None, None, None
        if alt == 5:
            host, port, reason, preauth = values
            scan = _SSH_BYE if reason == "Bye Bye" and preauth is not None else None
            return host, None, scan, True, port, None, None
        if alt == 10:
            return *values, None, True, None, None, None
        host, user, port = values
        failure = _LANE_FAILURES.get(alt)
        return host, user, failure, failure is None, port, None, None

    def take(self, m, number, rows):
        alt = self.alt_of[m.lastindex]
        values = m.group(*self.groups[alt])
        stamp, host, prog, pid, method, inv = values[:6]
        what = self._what(alt, values[6:])
        key = (host, prog, alt, method, inv, len(stamp))
        entry = self.shapes.get(key)
        if entry is None or entry[0] is SLOW or entry[1] >= RECHECK:
            if (entry is not None and entry[0] is SLOW) or (entry is None and len(self.shapes) >= MAX_SHAPES):
                return self.slow(m, number)
            msg = m.string[m.end(self.pid) + 3:m.start(m.lastindex)]
            if not self._agrees(m, stamp, Envelope(None, _dst(host), prog, pid, msg), what):
                self.learn(key, SLOW, 0)
                return self.slow(m, number)
            entry = self.learn(key, True, 0)
        entry[1] += 1
        if what is None:
            rows.append(("sshd", None))
            return None
        client = what[0]
        src = normalise(client) if client else None  # ``src_of``, for the lane's dotted quads
        if client and src is None:
            rows.append(("sshd", None))
            return None
        ours = self.ours.get(host, SLOW)
        if ours is SLOW:
            if len(self.ours) >= MAX_SHAPES:
                self.ours.clear()
            ours = self.ours[host] = _dst(host)
        key = (ours, pid)
        found = self.fmt.rows(self.ctx, self.stamp_time(stamp, m.string), ours, key, self.conns.get(key), src,
                              what[1], what[2], what[3], what[4], number)
        if not found:
            rows.append(("sshd", None))
        for row in found:
            rows.append(("sshd", row))
        return None

    def _agrees(self, m, stamp: str, env: Envelope, what) -> bool:
        """The line loop would give this line to sshd, read its header as ``env`` with the time
        ``stamp``, and its message as ``what``."""
        line = self.line(m)
        ctx = self.ctx
        if any(f.wants(line) and f.parse_line(line, ctx) is not None for f in self.before):
            return False
        if not self.fmt.wants(line):
            return False
        slow = envelope(line, ctx)
        if (slow.host, slow.prog, slow.pid, slow.msg, slow.repeat) != \
                (env.host, env.prog, env.pid, env.msg, 1):
            return False
        # our reading of the stamp must leave no trace when it is not how the line loop reads it
        with ctx.syslog_untouched():
            at = self.stamp_time(stamp, line)
        return slow.at == at and SshdFormat.classify(slow.msg) == what
