"""Failed logins and refusals of the other services fail2ban watches, and of common self-hosted
applications: one table of rules per service, each naming the client's address in its message.

Each service's rules are searched in the line (its syslog header, JSON or its own stamp around
them); the first that matches gives one record: the address (normalised, or a host name as
written), the time the line starts with (else a stamp inside it, else an audit record's epoch),
the service's port when it has one, and the rule's signature. A line no rule matches is left to
the other formats. Services with a format of their own (sshd, dovecot, postfix, exim, Apache,
nginx basic auth...) are in ``auth.py``.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from ..base import MONTHS, Kind, Record
from ..registry import register
from .auth import PROBED_NAME, PROBED_PATH, AuthFormat, leading_time, src_of
from .ids import parse_memory

_ADDR = r"[0-9A-Fa-f:.]*[0-9A-Fa-f]"  # an address, without the full stop that may end a sentence
_ISO_INSIDE = re.compile(r"(?<![\d.])(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)")
_AUDIT_TIME = re.compile(r"\baudit\((?P<epoch>\d{9,11})\.(?P<ms>\d{1,3}):")
_YMD_COLON = re.compile(r"^(?P<y>\d{4}):(?P<m>\d\d):(?P<d>\d\d)-(?P<t>\d\d:\d\d:\d\d)\b")  # DirectAdmin
_MDY_DASH = re.compile(r"^(?P<m>[A-Za-z]{3})-(?P<d>\d\d)-(?P<y>\d\d) (?P<t>\d\d:\d\d:\d\d)\b")  # ASSP
# Domino and 3proxy: day first (Domino's after an optional [process:thread]; 3proxy's with its zone)
_DMY_DASH = re.compile(r"^(?:\[[^\]]*\]\s*)?(?P<d>\d\d)-(?P<m>\d\d)-(?P<y>\d{4})\s+(?P<t>\d\d:\d\d:\d\d)\b"
                       r"(?: (?P<z>[+-]\d{4})(?!\S))?")
_YMD_DOT = re.compile(r"^(?P<y>\d{4})\.(?P<m>\d\d)\.(?P<d>\d\d) (?P<t>\d\d:\d\d:\d\d)\b")  # stunnel
_MDY_SLASH = re.compile(r"^(?P<m>\d\d)/(?P<d>\d\d)/(?P<y>\d{4}) (?P<t>\d\d:\d\d:\d\d)\b")  # SquirrelMail
_DMY_SLASH = re.compile(r"^L (?P<d>\d\d)/(?P<m>\d\d)/(?P<y>\d{4}) - (?P<t>\d\d:\d\d:\d\d)\b")  # Half-Life
_TS_EPOCH = re.compile(r"\"ts\": ?(?P<epoch>1\d{9})(?P<frac>\.\d+)?[,}]")  # zap's JSON (Mattermost...)
_EPOCH_COLON = re.compile(r"^(?P<epoch>1\d{9}): ")  # Mosquitto
_YMD_BRACKETS = re.compile(r"^\[(?P<y>\d{4})(?P<m>\d\d)(?P<d>\d\d)-(?P<t>\d\d:\d\d:\d\d)\]")  # xrdp
_PACKED = re.compile(r"^(?P<y>\d\d)(?P<m>\d\d)(?P<d>\d\d)(?P<t>\d{6})\.\d{3} ")  # 3proxy: yymmddHHMMSS.mmm
# Apache's ctime in brackets after a prefix of the application's (Group-Office's host name)
_CTIME_INSIDE = re.compile(r"\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<m>[A-Z][a-z]{2}) +(?P<d>\d{1,2}) "
                           r"(?P<t>\d\d:\d\d:\d\d)(?:\.\d+)? (?P<y>\d{4})\]")
_EPOCH_BRACKETS = re.compile(r"^\[(?P<epoch>1\d{9})\] ")  # NSD
_MDY_SPACE = re.compile(r"^(?P<m>[A-Za-z]{3}) +(?P<d>\d{1,2}) (?P<y>\d{4}) (?P<t>\d\d:\d\d:\d\d)\b")  # macOS
_YMD_SPACE = re.compile(r"^(?P<y>\d{4}) (?P<m>[A-Za-z]{3}) +(?P<d>\d{1,2}) (?P<t>\d\d:\d\d:\d\d)\b")  # OSSEC
_KERIO = r"^\[\d\d/\w{3}/\d{4} \d\d:\d\d:\d\d\] "  # each Kerio message starts with its stamp
_DMY = re.compile(r"^\[(?P<d>\d{1,2})/(?P<m>[A-Za-z]{3})/(?P<y>\d{4})[ :](?P<t>\d\d:\d\d:\d\d)\]")  # Kerio
# Webmin's action log: "id [27/Jul/2023 16:06:44]", its id an epoch, a process id and a counter
_WEBMIN_DMY = re.compile(r"^\d{9,11}\.\d+\.\d+ \[(?P<d>\d{1,2})/(?P<m>[A-Za-z]{3})/(?P<y>\d{4}) "
                         r"(?P<t>\d\d:\d\d:\d\d)\]")
_GIN = re.compile(r"^\[GIN\] (?P<y>\d{4})/(?P<m>\d\d)/(?P<d>\d\d) - (?P<t>\d\d:\d\d:\d\d) \|")  # Gin


def _time(line: str, ctx) -> datetime | None:
    """The time of a service's line: the stamp it starts with (syslog, ISO, ctime...: ``leading_time``),
    else a service's own leading stamp (the patterns above), else an epoch in an audit record or an
    ISO stamp inside the line; UTC, a stamp without a zone read in the evidence's."""
    at, _ = leading_time(line, ctx)
    if at is not None:
        return at
    m = (_DMY.match(line) or _MDY_DASH.match(line) or _MDY_SPACE.match(line) or _YMD_SPACE.match(line)
         or _WEBMIN_DMY.match(line) or _CTIME_INSIDE.search(line[:64]))
    if m and (month := MONTHS.get(m["m"].lower())):
        year = m["y"] if len(m["y"]) == 4 else f"20{m['y']}"
        return leading_time(f"{year}-{month:02}-{int(m['d']):02} {m['t']} ", ctx)[0]
    if m := (_YMD_COLON.match(line) or _DMY_DASH.match(line) or _DMY_SLASH.match(line) or _YMD_DOT.match(line)
             or _MDY_SLASH.match(line) or _YMD_BRACKETS.match(line) or _GIN.match(line)):
        zone = m.groupdict().get("z") or ""
        return leading_time(f"{m['y']}-{m['m']}-{m['d']} {m['t']}{zone} ", ctx)[0]
    if m := _PACKED.match(line):
        t = m["t"]
        return leading_time(f"20{m['y']}-{m['m']}-{m['d']} {t[:2]}:{t[2:4]}:{t[4:]} ", ctx)[0]
    if m := _EPOCH_BRACKETS.match(line) or _EPOCH_COLON.match(line):
        return datetime.fromtimestamp(int(m["epoch"]), UTC)
    if m := _TS_EPOCH.search(line):
        micros = int(float(m["frac"] or 0) * 1e6)
        return datetime.fromtimestamp(int(m["epoch"]), UTC).replace(microsecond=min(micros, 999999))
    if m := _AUDIT_TIME.search(line):
        return datetime.fromtimestamp(int(m["epoch"]) + int(m["ms"].ljust(3, "0")) / 1000, UTC)
    if m := _ISO_INSIDE.search(line):  # Grafana's t=, MongoDB's $date, GitLab's "time"
        return leading_time(m[1] + " ", ctx)[0]
    return None


@dataclass(frozen=True)
class Rule:
    """``pattern`` names the client in group ``host`` (or ``chain``: a proxy's list of addresses,
    the client first), and may name its port in ``sport``.

    A service that names the client once per connection and the failure on another line keys both
    by the connection's id (group ``conn``), and ``track`` says what the rule's line does:
    ``"open"`` names the client of a connection (nothing recorded); ``"fail"`` is a failure on a
    connection, recorded with the client its opening line named, else remembered until its
    ``"close"``, which names the client and records the failure then (nothing if none)."""

    pattern: re.Pattern
    signature: str
    kind: str = Kind.FAILED_LOGIN
    port: int | None = None  # the service's own port, when it has one
    track: str | None = None


MAX_CONNECTIONS = 65536  # connections remembered per service; the oldest are forgotten first
_FAILED = object()  # a connection with a failure and no known client yet


def _remember(conns: dict, conn: str, value) -> None:
    """Set ``conns[conn]`` as the newest entry (a reused id names a new connection), forgetting the
    oldest beyond ``MAX_CONNECTIONS``."""
    conns.pop(conn, None)
    conns[conn] = value
    if len(conns) > MAX_CONNECTIONS:
        del conns[next(iter(conns))]


class ServiceFormat(AuthFormat):
    def __init__(self, name: str, label: str, keywords: tuple[str, ...], rules: tuple[Rule, ...]):
        self.name, self.label, self.keywords, self.rules = name, label, keywords, rules
        self.closes = any(rule.track == "close" for rule in rules)  # a later line may name a failure's client

    def parse(self, line, ctx):
        for rule in self.rules:
            m = rule.pattern.search(line)
            if m is None:
                continue
            found = m.groupdict()
            # a proxy's list, when the line has one, names the client first
            host = (found.get("chain") or "").split(",")[0].strip() or found.get("host")
            sport = found.get("sport")
            if rule.track is not None:
                client = self._tracked(rule.track, found["conn"], (host, sport), ctx)
                if client is None:
                    return []
                host, sport = client
            src = src_of(host)
            if src is None:
                return []
            sport = int(sport or 0)
            return [Record(src=src, at=_time(line, ctx), kind=rule.kind, dst_port=rule.port,
                           signature=rule.signature, src_port=sport if 0 < sport <= 65535 else None)]
        return None

    def _tracked(self, track: str, conn: str, client: tuple, ctx) -> tuple | None:
        """The client (address, port) to record a tracked rule's line against, or None to record
        nothing; ``client``: the one this line names."""
        conns = parse_memory(ctx, self.name)
        if track == "open":
            _remember(conns, conn, client)
            return None
        if track == "fail":
            known = conns.get(conn)
            if known is None or known is _FAILED:
                if self.closes:  # else a connection opened before the log began: nothing to wait for
                    _remember(conns, conn, _FAILED)
                return None
            return known
        return client if conns.pop(conn, None) is _FAILED else None  # "close"


_SENDMAIL = r"\b(?:sendmail|sm-mta|sm-acceptingconnections)\[\d+\]: "
# Axigen's line: stamp, zone, level, host name, then SERVICE:session-id (the connection's key)
_AXIGEN = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \d\d \S+ (?P<conn>[A-Z0-9-]+:[\w-]+): "


def _rules(*rules: tuple) -> tuple[Rule, ...]:
    return tuple(Rule(re.compile(pattern), *rest) for pattern, *rest in rules)


FORMATS = (
    ServiceFormat("pure-ftpd", "Pure-FTPd", ("pure-ftpd",), _rules(
        (r"pure-ftpd(?:\[\d+\])?: \([^@\s]*@(?P<host>[^)\s]+)\) \[WARNING\] Authentication failed for user",
         "pure-ftpd: authentication failed", Kind.FAILED_LOGIN, 21),
    )),
    ServiceFormat("wu-ftpd", "WU-FTPD", ("wu-ftpd",), _rules(
        (r"\bwu-ftpd(?:\[\d+\])?: failed login from \S+ \[(?P<host>[^\]]+)\]\s*$", "wu-ftpd: failed login",
         Kind.FAILED_LOGIN, 21),
    )),
    ServiceFormat("uw-imap", "UW IMAP and POP3",
                  ("Login failed user=", "Login excessive login failures", "Login disabled user=",
                   "BREAK-IN ATTEMPT", " override of user="), _rules(
        (r"\b(?:imapd|ipop3d)(?:\[\d+\])?: (?:Login (?:failed|excessive login failures|disabled|"
         r"SYSTEM BREAK-IN ATTEMPT) user=\S* auth=\S*|Failed .* override of user=.*) "
         r"host=.*\[(?P<host>[^\]]+)\]\s*$",
         "uw-imap: login failed"),
    )),
    ServiceFormat("solid-pop3d", "Solid POP3", ("solid-pop3d",), _rules(
        (r"\bsolid-pop3d(?:\[\d+\])?: (?:authentication failed: (?:no such user|can't map user name): |"
         r"(?:APOP )?authentication failed for (?:mapped )?user |root login not allowed|"
         r"can't find APOP secret for user ).*?- (?P<host>" + _ADDR + r")\s*$", "solid-pop3d: login failed",
         Kind.FAILED_LOGIN, 110),
    )),
    ServiceFormat("freeswitch", "FreeSWITCH", ("sofia_reg.c",), _rules(
        (r"\[WARN(?:ING)?\](?: \[SOFIA\])? \[?sofia_reg\.c:\d+\]? (?:Can't find user \[[^@\]]+@[^\]]+\] from "
         r"|SIP auth (?:failure|challenge) \((?:REGISTER|INVITE)\) on sofia profile '[^']+' for \[[^\]]*\] "
         r"from ip )"
         r"(?P<host>" + _ADDR + r")\s*$", "freeswitch: SIP authentication failed", Kind.FAILED_LOGIN, 5060),
    )),
    ServiceFormat("kerio", "Kerio Connect", ("SMTP Spam attack detected", "found in DNS blacklist",
                                             "Relay attempt from IP address", "unknown recipient",
                                             "Failed SMTP login from", "doesn't exist. Attempt from",
                                             "has no reverse DNS entry", "into Web Administration from",
                                             "sender domain does not exist"), _rules(
        *((_KERIO + message, "kerio: SMTP refused", Kind.BLOCKED, 25) for message in (
            r"SMTP Spam attack detected from (?P<host>" + _ADDR + r"),",
            r"IP address (?P<host>" + _ADDR + r") found in DNS blacklist",
            r"Relay attempt from IP address (?P<host>" + _ADDR + r")",
            r"Attempt to deliver to unknown recipient \S+, from \S+, IP address (?P<host>" + _ADDR + r")\s*$",
            r"Failed SMTP login from (?P<host>" + _ADDR + r")",
            r"SMTP: User \S+ doesn't exist\. Attempt from IP address (?P<host>" + _ADDR + r")",
            r"Client with IP address (?P<host>" + _ADDR + r") has no reverse DNS entry, connection rejected "
            r"before SMTP greeting\s*$",
            r"Administration login into Web Administration from (?P<host>" + _ADDR + r") failed: IP address "
            r"not allowed\s*$",
            r"Message from IP address (?P<host>" + _ADDR + r"), sender \S+ rejected: sender domain does not "
            r"exist\s*$",
        )),
    )),
    ServiceFormat("domino-pop3", "HCL/IBM Domino POP3", ("POP3 Server: Authentication failure",), _rules(
        (r"POP3 Server: Authentication failure for .*?, connecting host (?P<host>" + _ADDR + r"):",
         "domino: POP3 authentication failed", Kind.FAILED_LOGIN, 110),
    )),
    ServiceFormat("domino-smtp", "HCL/IBM Domino SMTP", ("Authentication failed for user",
                                                         "authentication failure using internet password",
                                                         "rejected for policy reasons"), _rules(
        (r"SMTP Server(?::|\s+\[[^\]]+\]) Authentication failed for user .*? ; connecting host "
         r"\[?(?P<host>" + _ADDR + r")\]?\s*$", "domino: SMTP authentication failed", Kind.FAILED_LOGIN, 25),
        (r"\bsmtp: (?:[^\[]+ )*\[?(?P<host>" + _ADDR + r")\]? authentication failure using internet "
         r"password\s*$",
         "domino: SMTP authentication failed", Kind.FAILED_LOGIN, 25),
        (r"SMTP Server(?::|\s+\[[^\]]+\]) Connection from \[?(?P<host>" + _ADDR + r")\]? rejected for policy "
         r"reasons\.", "domino: connection rejected", Kind.BLOCKED, 25),
    )),
    ServiceFormat("squid", "Squid proxy access log: denied requests", ("_DENIED/403", "NONE/405"), _rules(
        (r"^\d+\.\d+\s+\d+\s(?P<host>" + _ADDR + r")\s+(?:[A-Z_]+_DENIED/403|NONE/405) ",
         "squid: request denied", Kind.BLOCKED),
    )),
    ServiceFormat("suhosin", "Suhosin PHP hardening alerts", ("ALERT - ",), _rules(
        (r"ALERT - .*? \(attacker '(?P<host>[^']+)', file '[^']*'(?:, line \d+)?\)\s*$", "suhosin: alert",
         Kind.SCAN),
    )),
    ServiceFormat("scanlogd", "scanlogd port scans", ("scanlogd",), _rules(
        (r"\bscanlogd(?:\[\d+\])?: (?P<host>" + _ADDR + r")(?::(?P<sport>\d+))? to \S+ ports\b",
         "scanlogd: port scan", Kind.SCAN),
    )),
    ServiceFormat("qmail", "qmail and rblsmtpd", ("rblsmtpd:", "badiprbl:", " blocked "), _rules(
        (r"\b\d+\.\d+ rblsmtpd: (?P<host>" + _ADDR + r") pid \d+ \S+ 4\d\d \S+\s*$",
         "qmail: listed in an RBL",
         Kind.BLOCKED, 25),
        (r"\b\d+\.\d+ qmail-smtpd: 4\d\d badiprbl: ip (?P<host>" + _ADDR + r") rbl: \S+\s*$",
         "qmail: listed in an RBL", Kind.BLOCKED, 25),
        (r"\b(?:qmail|rblsmtpd)(?:\[\d+\])?: \S+ blocked (?P<host>" + _ADDR + r") \S+ -\s*$",
         "qmail: blocked",
         Kind.BLOCKED, 25),
    )),
    ServiceFormat("directadmin", "DirectAdmin login failures", ("failed login attempt",), _rules(
        (r"^\d{4}:\d\d:\d\d-\d\d:\d\d:\d\d: '(?P<host>[^']+)' \d{1,3} failed login attempts?\.",
         "directadmin: failed login", Kind.FAILED_LOGIN, 2222),
    )),
    ServiceFormat("assp", "ASSP anti-spam SMTP proxy",
                  ("authentication errors", "SSL negotiation with client", "too much AUTH errors",
                   "relay attempt blocked", "535 5.7.8 Error: authentication failed"), _rules(
        (r"^\w{3}-\d\d-\d\d \d\d:\d\d:\d\d(?: \[SSL-out\])? (?P<host>" + _ADDR + r") (?:max sender "
         r"authentication errors \(\d{,3}\) exceeded -- (?:dropping|refusing) connection - after reply: "
         r"\d{3} \d\.\d\.\d Error: authentication failed: \w+;|SSL negotiation with client failed: "
         r"SSL accept attempt failed with unknown error.*:unknown protocol;)\s*$",
         "assp: authentication failed", Kind.FAILED_LOGIN, 25),
        (r"^\w{3}-\d\d-\d\d \d\d:\d\d:\d\d Blocking (?P<host>" + _ADDR + r") - too much AUTH errors",
         "assp: authentication failed", Kind.FAILED_LOGIN, 25),
        (r"^\w{3}-\d\d-\d\d \d\d:\d\d:\d\d\s+(?:[\w-]+\s+)*(?:\[\S+\]\s+)*(?P<host>" + _ADDR + r") "
         r"(?:<\S+@\S+\.\S+> )*(?:to: \S+@\S+\.\S+ )*relay attempt blocked for(?: \(parsing\))?: \S+\s*$",
         "assp: relay attempt blocked", Kind.BLOCKED, 25),
        (r"^\w{3}-\d\d-\d\d \d\d:\d\d:\d\d\s+(?:[\w-]+\s+)*(?:\[\S+\]\s+)*(?P<host>" + _ADDR + r") "
         r"\[SMTP Error\] 535 5\.7\.8 Error: authentication failed:", "assp: authentication failed",
         Kind.FAILED_LOGIN, 25),
    )),
    ServiceFormat("ejabberd", "ejabberd XMPP server", ("Failed authentication for",
                                                        "Failed c2s"), _rules(
        (r"\bejabberd_c2s:.*?\) Failed (?:c2s \w+ )?authentication for \S+ from (?:IP )?(?:::FFFF:)?"
         r"(?P<host>" + _ADDR + r")(?: \(\{\{|: |\s*$)",
         "ejabberd: authentication failed", Kind.FAILED_LOGIN, 5222),
    )),
    ServiceFormat("nsd", "NSD name server", ("ratelimit block", "no acl matches"), _rules(
        (r"\bnsd(?:\[\d+\])?: info: ratelimit block .* query (?P<host>" + _ADDR + r") TYPE255\s*$",
         "nsd: query refused", Kind.BLOCKED, 53),
        (r"\bnsd(?:\[\d+\])?: info: .* from(?: client)? (?P<host>" + _ADDR + r") refused, no acl "
         r"matches\.?\s*$",
         "nsd: query refused", Kind.BLOCKED, 53),
    )),
    ServiceFormat("murmur", "Murmur (Mumble server)", ("Rejected connection from",), _rules(
        (r"Rejected connection from (?P<host>" + _ADDR + r"):(?P<sport>\d+): "
         r"(?:Invalid server password|Wrong "
         r"certificate or password for existing user)\s*$", "murmur: connection rejected", Kind.FAILED_LOGIN,
         64738),
    )),
    ServiceFormat("openwebmail", "Open WebMail", ("login error", "userinfo error"), _rules(
        (r" - \[\d+\] \((?P<host>" + _ADDR + r")\) \S+ - (?:login error - (?:no such user - loginname=|"
         r"auth_unix\.pl, ret -4, Password incorrect)|userinfo error - auth_unix\.pl, ret -4, User \S+ "
         r"doesn't exist)", "openwebmail: login error"),
    )),
    ServiceFormat("oracle-ims", "Oracle Communications Messaging Server", ('mi="Bad password"',), _rules(
        (r"tr=\"[A-Z]+\|[0-9.]+\|\d+\|(?P<host>" + _ADDR + r")\|(?P<sport>\d+)\" .*?mi=\"Bad password\" .*?"
         r"di=\"535 5\.7\.8 Bad username or password", "oracle-ims: bad password", Kind.FAILED_LOGIN),
    )),
    ServiceFormat("screensharingd", "macOS Screen Sharing", ("Authentication: FAILED",), _rules(
        (r"\bscreensharingd(?:\[\d+\])?: Authentication: FAILED :: User Name: .+ :: Viewer Address: "
         r"(?P<host>" + _ADDR + r") :: Type: DH\s*$", "screensharingd: authentication failed",
         Kind.FAILED_LOGIN, 5900),
    )),
    ServiceFormat("monitorix", "Monitorix web server", ("NOTEXIST - ", "AUTHERR - ", "NOTALLOWED - "), _rules(
        (r" - (?:NOTEXIST|AUTHERR|NOTALLOWED) - \[(?P<host>" + _ADDR + r")\] ", "monitorix: refused",
         Kind.FAILED_LOGIN, 8080),
    )),
    ServiceFormat("counter-strike", "Counter-Strike / Half-Life server", ("Bad Rcon",), _rules(
        (r"^L \d\d/\d\d/\d{4} - \d\d:\d\d:\d\d: "
         r"Bad Rcon: .* from \"(?P<host>" + _ADDR + r"):(?P<sport>\d+)\"\s*$",
         "counter-strike: bad rcon password", Kind.FAILED_LOGIN, 27015),
    )),
    ServiceFormat("softethervpn", "SoftEther VPN", ("User authentication failed.",), _rules(
        (r"Connection \"[^\"]+\": User authentication failed\. The user name that has been provided was "
         r"\".*\", from (?P<host>" + _ADDR + r")\.\s*$",
         "softethervpn: authentication failed", Kind.FAILED_LOGIN),
    )),
    ServiceFormat("tine20", "Tine 2.0 groupware", ("Tinebase_Controller::login",), _rules(
        (r"WARN \(\d+\): Tinebase_Controller::login::\d+ "
         r"Login with username .*? from (?P<host>" + _ADDR + r") "
         r"failed \(-[13]\)!", "tine20: login failed"),
    )),
    ServiceFormat("perdition", "Perdition IMAP/POP3 proxy", ("perdition",), _rules(
        (r"\bperdition[\w.]*(?:\[\d+\])?: Auth: (?P<host>" + _ADDR + r"):\d+->\S+ .*? status=\"failed: "
         r"(?:local authentication failure|Re-Authentication Failure)", "perdition: login failed"),
        (r"\bperdition[\w.]*(?:\[\d+\])?: Fatal Error reading authentication information from client "
         r"(?P<host>" + _ADDR + r"):\d+->\S+: Exiting child", "perdition: login failed"),
    )),
    ServiceFormat("froxlor", "Froxlor server panel", ("tried to login",), _rules(
        (r"\bfroxlor\.WARNING: (?:Unknown user tried to login|User tried to login with wrong password)\. "
         r"\{\"source\":\"login\",\"action\":\"\d+\",\"user\":\"(?P<host>" + _ADDR + r")\"\}",
         "froxlor: failed login"),
        (r"\bFroxlor: \[Login Action (?P<host>" + _ADDR + r")\] (?:Unknown user \S* tried to login|User \S* "
         r"tried to login with wrong password)\.", "froxlor: failed login"),
    )),
    ServiceFormat("courier", "Courier IMAP/POP3 and ESMTP", ("LOGIN FAILED", "courieresmtpd"), _rules(
        (r"\b(?:imapd|pop3d|courier\w*login)(?:-ssl)?(?:\[\d+\])?: LOGIN FAILED, (?:user|method)=.*?, "
         r"ip=\[(?P<host>[^\]]+)\]", "courier: login failed"),
        (r"courieresmtpd(?:\[\d+\])?: error,relay=(?P<host>[^,\s]+),(?:port=(?P<sport>\d+),)?"
         r"(?:.*?: 550 User (?:<[^>]*> )?unknown|"
         r"msg=\"535 Authentication failed\.\")", "courier-esmtpd: authentication failed or unknown user",
         Kind.FAILED_LOGIN, 25),
    )),
    ServiceFormat("sendmail", "Sendmail: SMTP AUTH failures and rejected clients",
                  ("possible SMTP attack", "AUTH failure", "reject=", "rejecting commands from", "[rejected]",
                   "did not issue MAIL/EXPN/VRFY/ETRN", "No such user here", "User unknown", "nrcpts=0"),
                  _rules(
        (r"\b(?:sendmail|sm-mta|sm-acceptingconnections)\[\d+\]: \w+: (?:\S+ )?\[(?:IPv6:)?(?P<host>[^\]]+)\]"
         r"(?: \(may be forged\))?: possible SMTP attack: command=AUTH", "sendmail: repeated AUTH",
         Kind.FAILED_LOGIN, 25),
        # the last relay= is the client (an earlier one can be written by the client itself)
        (r"\b(?:sendmail|sm-mta|sm-acceptingconnections)\[\d+\]: \w+: AUTH failure \([^)]*\): "
         r".*relay=(?:\S+ )?\[(?:IPv6:)?(?P<host>[^\]]+)\]", "sendmail: AUTH failure",
         Kind.FAILED_LOGIN, 25),
        # a check_* ruleset's refusal: permanent (5xx) or too many connections (421), not a
        # temporary 45x (greylisting, a full mailbox), which a well-behaved sender meets too
        (_SENDMAIL + r"(?:\w+: )?ruleset=check_\w+, .*?relay=(?:\S+ )?\[(?:IPv6:)?(?P<host>[^\]]+)\]"
         r"(?: \(may be forged\))?, reject=(?:5\d\d|421)\b", "sendmail: client rejected", Kind.BLOCKED, 25),
        (_SENDMAIL + r"\w+: rejecting commands from (?:\S+)? ?\[(?:IPv6:)?(?P<host>[^\]]+)\] due to "
         r"pre-greeting traffic", "sendmail: pre-greeting traffic", Kind.SCAN, 25),
        (_SENDMAIL + r"\w+: (?:\S+ )?\[(?:IPv6:)?(?P<host>[^\]]+)\](?: \(may be forged\))?: "
         r"(?i:expn|vrfy) \S+ \[rejected\]", "sendmail: EXPN/VRFY refused", Kind.SCAN, 25),
        (_SENDMAIL + r"\w+: (?:\S+ )?\[(?:IPv6:)?(?P<host>[^\]]+)\](?: \(may be forged\))? did not issue "
         r"MAIL/EXPN/VRFY/ETRN during connection to ", "sendmail: connection without mail", Kind.SCAN, 25),
        # recipients refused, then the envelope of that queue id with none accepted names the client
        (_SENDMAIL + r"(?P<conn>\w+): <[^>]*>\.\.\. (?:No such user here|User unknown)\s*$",
         "sendmail: unknown recipients", Kind.BLOCKED, 25, "fail"),
        (_SENDMAIL + r"(?P<conn>\w+): from=.*?, nrcpts=0, .*?relay=(?:\S+ )?\[(?:IPv6:)?(?P<host>[^\]]+)\]",
         "sendmail: unknown recipients", Kind.BLOCKED, 25, "close"),
    )),
    ServiceFormat("roundcube", "Roundcube webmail",
                  ("Login failed for", "Failed login for", "FAILED login for"), _rules(
        # the last "from" is the client: the earlier ones are proxies and the IMAP server
        (r"IMAP Error: Login failed for (?:.{0,1024} )?from (?P<host>" + _ADDR + r")\.?"
         r"(?= AUTHENTICATE| user=|\(|\s*$)", "roundcube: login failed"),
        (r"\b(?i:failed login) for .{0,512}? from (?P<host>" + _ADDR + r")(?: in session |\s*$)",
         "roundcube: login failed"),
    )),
    ServiceFormat("cyrus-imap", "Cyrus IMAP/POP3", ("badlogin:",), _rules(
        (r"\bbadlogin: (?:\S+ |[^\s\[]+)?\[(?P<host>[^\]]+)\] ", "cyrus: bad login"),
    )),
    ServiceFormat("audit-sshd", "Linux audit log: failed sshd logins (SELinux systems)", ("res=failed",),
                  _rules(
        # a failed authentication (USER_AUTH) or identification (USER_ERR) of sshd's, once per
        # attempt; USER_LOGIN (terminal=sshd) only closes the connection
        (r"\btype=(?:USER_AUTH|USER_ERR)\b.*?\bexe=\"/usr/s?bin/sshd\".*?\baddr=(?P<host>" + _ADDR + r") "
         r"terminal=ssh res=failed", "sshd (audit): authentication failed"),
    )),
    ServiceFormat("gitlab", "GitLab", ("Failed Login:", '"remote_ip":'), _rules(
        (r"Failed Login: username=.*? ip=(?P<host>" + _ADDR + r")", "gitlab: failed login"),
        # its request log (production_json.log): a sign-in that is not redirected (302) onwards
        # failed (the form shown again, 200, or refused: 0, 401, 422), by password or LDAP
        (r'^\{"method":"POST","path":"/users/(?:sign_in|auth/ldap[\w-]{0,32}/callback)(?:\?[^"]{0,512})?",'
         r'[^{}]{0,512}?"status":(?:0|200|401|422),.*?"remote_ip":"(?P<host>' + _ADDR + r')"',
         "gitlab: failed sign-in"),
        # an OmniAuth callback (LDAP, SAML...) handled by its "failure" action failed whatever its
        # status: newer releases redirect it (302) back to the sign-in form
        (r'^\{"method":"POST","path":"/users/auth/[\w-]{1,40}/callback(?:\?[^"]{0,512})?",'
         r'[^{}]{0,512}?"action":"failure",.*?"remote_ip":"(?P<host>' + _ADDR + r')"',
         "gitlab: failed sign-in"),
    )),
    ServiceFormat("gitea", "Gitea and Forgejo", ("Failed authentication attempt for",), _rules(
        (r"Failed authentication attempt for .*? from \[?(?P<host>" + _ADDR + r")\]?(?::(?P<sport>\d+))?:",
         "gitea: failed authentication"),
    )),
    ServiceFormat("grafana", "Grafana", ("Invalid username or password", "invalid username or password",
                                         "[password-auth.failed]"),
                  _rules(
        (r"(?i:invalid username or password).*?\bremote_addr\"?[=:]\"?\[?(?P<host>" + _ADDR + r")\]?",
         "grafana: invalid username or password"),
        (r"\bmsg=Unauthorized error=\"\[password-auth\.failed\].*?\bremote_addr=\[?(?P<host>" + _ADDR
         + r")\]?", "grafana: invalid username or password"),
    )),
    ServiceFormat("mssql", "Microsoft SQL Server error log", ("Login failed for user",), _rules(
        # "Logon" right after the stamp: a client's text quoted in another message is not a failure
        (r"^(?:\S+ \S+|.*?\bsqlservr[^:]*:)\s+Logon\s+Login failed for user '.*?'\. [^'\[]+"
         r"\[CLIENT: (?P<host>[^\]]+)\]\s*$", "mssql: login failed",
         Kind.FAILED_LOGIN, 1433),
    )),
    ServiceFormat("mongodb", "MongoDB", ("Authentication failed", "Failed to authenticate", "from client ",
                                         "end connection "), _rules(
        (r"\"msg\":\"Authentication failed\".*?\"(?:remote|client)\":\"(?P<host>[^\"]+)\"",
         "mongodb: authentication failed", Kind.FAILED_LOGIN, 27017),
        (r"\bFailed to authenticate \S+ (?:from client|on \S+ from client) (?P<host>\S+) with mechanism",
         "mongodb: authentication failed", Kind.FAILED_LOGIN, 27017),
        # "SASL SCRAM-SHA-1 ..." since 3.4; 3.0 and 3.2 name the mechanism alone
        (r"\b(?:SASL )?[\w-]+ authentication failed for \S+ on \S+ from client (?P<host>\S+) ;",
         "mongodb: authentication failed", Kind.FAILED_LOGIN, 27017),
        # MongoDB 2.x names the client only when the connection ends
        (r"\[(?P<conn>conn\d+)\] Failed to authenticate \S+ with mechanism", "mongodb: authentication failed",
         Kind.FAILED_LOGIN, 27017, "fail"),
        (r"\[(?P<conn>conn\d+)\] end connection (?P<host>" + _ADDR + r"):\d+ ",
         "mongodb: authentication failed", Kind.FAILED_LOGIN, 27017, "close"),
    )),
    ServiceFormat("slapd", "OpenLDAP slapd: failed binds", ("slapd",), _rules(
        (r"\bslapd\[\d+\]: (?P<conn>conn=\d+) fd=\d+ ACCEPT from IP=(?P<host>" + _ADDR + r"):(?P<sport>\d+) ",
         "slapd: invalid credentials", Kind.FAILED_LOGIN, 389, "open"),
        (r"\bslapd\[\d+\]: (?P<conn>conn=\d+) op=\d+ RESULT tag=97 err=49\b", "slapd: invalid credentials",
         Kind.FAILED_LOGIN, 389, "fail"),
    )),
    ServiceFormat("dante", "Dante SOCKS server: failed logins", ("danted",), _rules(
        (r"\bdanted\[\d+\]: (?:info: )?block\(\d+\): tcp/accept \]: (?P<host>" + _ADDR + r")\.(?P<sport>\d+) "
         r"\S+: error after reading \d+ bytes? in \d+ seconds?: (?:could not access user \"|system password "
         r"authentication failed for user \"|pam_authenticate\(\) for user \")",
         "dante: authentication failed", Kind.FAILED_LOGIN, 1080),
    )),
    ServiceFormat("gophernicus", "Gophernicus gopher server: requests for missing files",
                  ("File or directory not found",), _rules(
        (r"\bgophernicus(?:\[\d+\])?: error \"File or directory not found! ?\" for request \".*\" from "
         r"(?P<host>" + _ADDR + r")(?: \(|\s*$)", "gophernicus: request for a missing file", Kind.SCAN, 70),
    )),
    ServiceFormat("xrdp", "xrdp (RDP server for Linux): failed logins", ("AUTHFAIL:",), _rules(
        # the last ip= (a user name may carry one of its own)
        (r"\bAUTHFAIL: user=.* ip=(?P<host>\S+) time=\d+\s*$", "xrdp: authentication failed",
         Kind.FAILED_LOGIN, 3389),
    )),
    ServiceFormat("wireguard", "WireGuard (kernel): invalid handshakes and disallowed sources",
                  ("wireguard: ",), _rules(
        (r"\bwireguard: \S+: (?:Invalid handshake initiation from|Invalid MAC of handshake, dropping packet "
         r"from) \[?(?P<host>[0-9A-Fa-f:.]+?)\]?:(?P<sport>\d+)\s*$", "wireguard: invalid handshake",
         Kind.FAILED_LOGIN),
        (r"\bwireguard: \S+: Packet has unallowed src IP \([^)]*\) from peer \d+ "
         r"\(\[?(?P<host>[0-9A-Fa-f:.]+?)\]?:(?P<sport>\d+)\)", "wireguard: packet from an unallowed source",
         Kind.BLOCKED),
    )),
    ServiceFormat("gssftpd", "GSS-FTPD (Kerberos FTP)", ("repeated login failures from",), _rules(
        (r"\bftpd\[\d+\]: repeated login failures from (?P<host>" + _ADDR + r")(?: \(\S*\))?\s*$",
         "gssftpd: repeated login failures", Kind.FAILED_LOGIN, 21),
    )),
    ServiceFormat("nrpe", "Nagios NRPE: hosts not allowed", ("is not allowed to talk to us",), _rules(
        (r"\bnrpe\[\d+\]: Host (?P<host>" + _ADDR + r") is not allowed to talk to us",
         "nrpe: host not allowed", Kind.BLOCKED, 5666),
    )),
    ServiceFormat("stunnel", "stunnel: clients without a certificate", ("SSL_accept from",), _rules(
        (r"\bLOG\d\[[\d:]+\]: SSL_accept from (?P<host>" + _ADDR + r"):(?P<sport>\d+) : \w+: "
         r"error:\w+:SSL routines:\w+:peer did not return a certificate", "stunnel: no client certificate",
         Kind.FAILED_LOGIN),
    )),
    ServiceFormat("squirrelmail", "SquirrelMail (squirrel_logger)", ("[LOGIN_ERROR]",), _rules(
        (r"\[LOGIN_ERROR\] .*? from (?P<host>" + _ADDR + r"): Unknown user or password incorrect",
         "squirrelmail: login failed"),
    )),
    ServiceFormat("centreon", "Centreon web login log", ("Authentication failed for",), _rules(
        (r"\|\[WEB\] \[(?P<host>" + _ADDR + r")\] Authentication failed for ",
         "centreon: authentication failed"),
    )),
    ServiceFormat("groupoffice", "Group-Office",
                  ("LOGIN FAILED for user", "Password authentication failed for"), _rules(
        (r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] ?LOGIN FAILED for user: \".*\" from IP: "
         r"(?P<host>" + _ADDR + r")\s*$",
         "groupoffice: login failed"),
        (r"\] Password authentication failed for '[^']*' from IP: '(?P<host>" + _ADDR + r")'\s*$",
         "groupoffice: login failed"),
    )),
    # 3proxy's own log: a status whose last two digits are 01 to 09 is an authentication failure
    ServiceFormat("3proxy", "3proxy access log: authentication failures",
                  ("PROXY.", "SOCKS", "FTPPR.", " 00"), _rules(
        (r"^(?:\d\d-\d\d-\d{4} \d\d:\d\d:\d\d(?: [+-]\d{4})? [A-Z]+\.\d+|\d{12}\.\d{3} \d+) \d{3}0[1-9] \S+ "
         r"(?P<host>" + _ADDR + r"):(?P<sport>\d+) ", "3proxy: authentication failed"),
    )),
    ServiceFormat("nginx-probe", "nginx error log: probes for common web applications",
                  ("No such file or directory",), _rules(
        (r"\[error\] \d+#\d+: \*\d+ (?:open\(\) \"|\")" + PROBED_PATH + r"[^\"]*\"? (?:failed|is not found) "
         r"\(2: No such file or directory\), client: (?P<host>[^,\s]+)",
         "nginx: probe for a common web application", Kind.SCAN),
    )),
    # PostgreSQL names the client when it logs connections (log_connections): its failures are
    # keyed by the backend's process id, in its own stderr log or through syslog
    ServiceFormat("postgresql", "PostgreSQL: failed logins and refused hosts",
                  ("connection received: host=", "password authentication failed for user",
                   "no pg_hba.conf entry for host"), _rules(
        # the client in the line's prefix (%h or %r of log_line_prefix), before its user@database.
        # The address may start anywhere, so every part is bounded, an IPv6 address starts only at
        # the start of a run of colons and is never split again once read (atomic groups), and the
        # user's run is possessive: a long line of colons or dots takes linear time
        (r"(?<![\w.])(?P<host>\d{1,3}(?:\.\d{1,3}){3}|(?<!:)(?>[0-9A-Fa-f:]{0,39}::[0-9A-Fa-f:.]{0,45})|"
         r"(?<!:)(?>[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){7}))(?:\((?P<sport>\d{1,5})\))?[ :]"
         r"(?:\[\d{1,10}\]:)?[^\s@]{0,64}+@\S{0,128}?[ :].{0,512}?"
         r"FATAL:  password authentication failed for user ", "postgresql: password authentication failed",
         Kind.FAILED_LOGIN, 5432),
        (r"\[(?P<conn>\d+)\]:? (?:\[\d+-\d+\] )?(?:\S+ )*?LOG:  connection received: host=(?P<host>[^\s(]+)"
         r"(?:(?:\(| port=)(?P<sport>\d+)\)?)?", "postgresql: password authentication failed",
         Kind.FAILED_LOGIN, 5432, "open"),
        (r"\[(?P<conn>\d+)\]:? (?:\[\d+-\d+\] )?(?:\S+ )*?FATAL:  password authentication failed for user ",
         "postgresql: password authentication failed", Kind.FAILED_LOGIN, 5432, "fail"),
        (r"FATAL:  no pg_hba\.conf entry for (?:replication connection from )?host \"(?P<host>[^\"]+)\"",
         "postgresql: host not allowed", Kind.BLOCKED, 5432),
    )),
    ServiceFormat("lighttpd-auth", "lighttpd mod_auth", ("mod_auth", "http_auth"), _rules(
        (r"\(?(?:mod|http)_auth\.c\.\d+\) (?:password doesn't match|get_password failed|digest: auth failed|"
         r"client used invalid token)"
         r".*?\bIP: (?P<host>" + _ADDR + r")", "lighttpd: authentication failed"),
    )),
    ServiceFormat("mattermost", "Mattermost", ("/api/v4/users/login",), _rules(
        (r"(?:Unable to find an existing account matching your credentials|Error trying to authenticate MFA "
         r"token|Login failed because of invalid password).*?\"path\": ?\"/api/v4/users/login\".*?"
         r"\"ip_addr\": ?\"(?P<host>" + _ADDR + r")\"", "mattermost: login failed"),
    )),
    # Mosquitto names no connection id: a refusal is the latest connection's
    ServiceFormat("mosquitto", "Mosquitto MQTT broker: clients not authorised",
                  ("New connection from", "not authorised"), _rules(
        (r"^(?:\d+: )?New connection from (?P<host>" + _ADDR + r"):(?P<sport>\d+) on port \d+\.(?P<conn>)",
         "mosquitto: not authorised", Kind.FAILED_LOGIN, 1883, "open"),
        (r"^(?:\d+: )?Client \S+ disconnected, not authori[sz]ed\.(?P<conn>)", "mosquitto: not authorised",
         Kind.FAILED_LOGIN, 1883, "fail"),
    )),
    # Wazuh/OSSEC JSON alerts of level 5 and up (failures, attacks; lower levels are successes and
    # system notices) that name a source address
    ServiceFormat("wazuh", "Wazuh / OSSEC alerts (alerts.json)", ('"srcip":',), _rules(
        (r'^\{(?=.*"rule":\{[^{}]*"level":(?:[5-9]|1[0-6])[,}])(?=.*"srcip":"(?P<host>' + _ADDR + r')")',
         "wazuh: alert", Kind.IDS_ALERT),
    )),
    ServiceFormat("authelia", "Authelia",
                  ("authentication attempt by user", "which usually indicates they do not exist"), _rules(
        (r"(?:Unsuccessful \w+ authentication attempt by user|Error occurred getting details for user with "
         r"username input .*? which usually indicates they do not exist).*?\bremote_ip\"?[=:] ?\"?(?P<host>"
         + _ADDR + r")", "authelia: authentication failed"),
    )),
    ServiceFormat("authentik", "authentik", ('"invalid_identifier"', '"login_failed"'), _rules(
        (r'^\{(?=.*"action": ?"(?:invalid_identifier|login_failed)")(?=.*"client_ip": ?"(?P<host>' + _ADDR
         + r')")', "authentik: login failed"),
    )),
    ServiceFormat("adguardhome", "AdGuard Home", ("/control/login: invalid username or password",), _rules(
        (r"\[error\] POST (?P<host>" + _ADDR + r") /control/login: invalid username or password",
         "adguardhome: login failed"),
    )),
    # Media servers and other self-hosted applications
    ServiceFormat("emby", "Emby", ("AUTH-ERROR:",), _rules(
        (r"\bAUTH-ERROR: (?P<host>" + _ADDR + r") - Invalid username or password", "emby: login failed"),
    )),
    ServiceFormat("jellyfin", "Jellyfin", ("has been denied (IP:",), _rules(
        (r"Authentication request for .* has been denied \(IP: \"?(?P<host>" + _ADDR + r")\"?\)",
         "jellyfin: login failed"),
    )),
    ServiceFormat("overseerr", "Overseerr and Jellyseerr",
                  ("Failed sign-in attempt", "Failed login attempt from user with incorrect"), _rules(
        (r"\bFailed sign-in attempt\b.*?\{\"ip\":\"(?P<host>" + _ADDR + r")\"", "overseerr: failed sign-in"),
        # Jellyseerr's sign-in through Jellyfin (or Emby): the client in the account's metadata
        (r"\bFailed login attempt from user with incorrect (?:Jellyfin|Emby|Plex) credentials "
         r"\{\"account\":\{[^{}]{0,512}?\"ip\":\"(?P<host>" + _ADDR + r")\"", "jellyseerr: failed sign-in"),
    )),
    ServiceFormat("ombi", "Ombi", ("Failed login attempt by IP:",), _rules(
        (r"\bFailed login attempt by IP: (?P<host>" + _ADDR + r")", "ombi: login failed"),
    )),
    ServiceFormat("arr", "Sonarr, Radarr, Prowlarr, Lidarr...", ("Auth-Failure ip",), _rules(
        (r"\bAuth: Auth-Failure ip (?P<host>" + _ADDR + r") username ", "arr: authentication failed"),
    )),
    ServiceFormat("immich", "Immich", ("Failed login attempt for user",), _rules(
        (r"\[AuthService\] .*?Failed login attempt for user .* from ip address (?P<host>" + _ADDR + r")",
         "immich: login failed"),
    )),
    ServiceFormat("navidrome", "Navidrome", ("/auth/login",), _rules(
        (r"msg=\"HTTP: POST \S*/auth/login\".*? httpStatus=401 .*?\bremoteAddr=\[?(?P<host>" + _ADDR
         + r")\]?",
         "navidrome: login failed"),
    )),
    ServiceFormat("uptime-kuma", "Uptime Kuma", ("[AUTH] WARN:",), _rules(
        (r"\[AUTH\] WARN: (?:Invalid token provided for user|Incorrect username or password for user) .*?"
         r"\bIP=(?P<host>" + _ADDR + r")", "uptime-kuma: login failed"),
    )),
    ServiceFormat("thehive", "TheHive", ("AccessLogFilter",), _rules(
        (r"\bAccessLogFilter \[[^\]]*\] (?P<host>" + _ADDR + r") POST /api/(?:v\d+/)?login took \d+ms and "
         r"returned 401\b", "thehive: login failed"),
    )),
    ServiceFormat("odoo", "Odoo", ("Login failed for db:",), _rules(
        (r"\bres_users: Login failed for db:\S+ login:.* from (?P<host>" + _ADDR + r")\s*$",
         "odoo: login failed"),
    )),
    ServiceFormat("meshcentral", "MeshCentral", ("Failed password for",), _rules(
        (r"\b(?:https|meshcentral)\[\d+\]: Failed password for .* from (?P<host>" + _ADDR
         + r") port (?P<sport>\d+)\s*$", "meshcentral: login failed"),
    )),
    ServiceFormat("litespeed", "LiteSpeed web server: failed authentication", ("failed to authenticate",),
                  _rules(
        (r"\[(?P<host>" + _ADDR + r"):(?P<sport>\d+)-[^\]]*\] User '.*' failed to authenticate",
         "litespeed: authentication failed"),
    )),
    ServiceFormat("magento", "Magento (CrowdSec bouncer extension events)", ("_LOGIN_FAILED",), _rules(
        (r"\{\"type\":\"(?:ADMIN|CUSTOMER)_LOGIN_FAILED\",\"ip\":\"(?P<host>" + _ADDR + r")\"",
         "magento: login failed"),
    )),
    ServiceFormat("zimbra", "Zimbra: authentication failures", ("authentication failed for",), _rules(
        # its context "[name=a;oip=b;...]", the client's oip= rather than a proxy's ip=; a few bounded
        # fields (a long line of "[" stays linear)
        *((r"\[(?:[^\]\[;]{0,120};){0,8}?" + key + r"=(?P<host>" + _ADDR + r");[^\]\[]{0,512}\] \w+ - "
           r"(?:handler exception: )?authentication failed for ", "zimbra: authentication failed")
          for key in ("oip", "ip")),
    )),
    ServiceFormat("zoneminder-web", "ZoneMinder web log", ("web_php[",), _rules(
        (r"\bweb_php\[\d+\]\.ERR \[(?P<host>" + _ADDR + r")\] \[(?:Could not retrieve user \S+ details|Login "
         r"denied for user)", "zoneminder: login denied"),
    )),
    ServiceFormat("samba", "Samba authentication audit", ("NT_STATUS_",), _rules(
        (r"\bAuth: \[[^\]]*\] user \[.*?\] at \[.*?\] with \[\w+\] status \[NT_STATUS_(?!OK\])\w+\] .*?"
         r"remote host \[ipv[46]:(?P<host>[0-9A-Fa-f:.]+?):(?P<sport>\d+)\]", "samba: authentication failed",
         Kind.FAILED_LOGIN, 445),
    )),
    ServiceFormat("samba-hosts", "Samba: clients refused by hosts allow/deny", ("Denied connection from",),
                  _rules(
        (r"\bsmbd(?:\[\d+\])?: +Denied connection from (?:\S+ )?\((?P<host>" + _ADDR + r")\)\s*$",
         "samba: connection denied", Kind.BLOCKED, 445),
    )),
    ServiceFormat("stalwart", "Stalwart mail server", ("remoteIp = ",), _rules(
        (r"\((?:security\.(?:ip-blocked|authentication-ban|brute-force-ban|abuse-ban|loiter-ban|scan-ban)|"
         r"smtp\.(?:auth-mechanism-not-supported|auth-not-allowed|relay-not-allowed)|auth\.failed)\) .*?"
         r"\bremoteIp = (?P<host>" + _ADDR + r"), remotePort = (?P<sport>\d+)", "stalwart: refused",
         Kind.BLOCKED),
    )),
    ServiceFormat("endlessh", "endlessh SSH tarpit: every client is a bot", ("ACCEPT host=",), _rules(
        (r"\bACCEPT host=(?P<host>" + _ADDR + r") port=(?P<sport>\d+) fd=\d+ n=\d+/\d+",
         "endlessh: connection to the SSH tarpit", Kind.SCAN),
    )),
    ServiceFormat("postscreen", "Postfix postscreen: pregreeting clients", ("PREGREET",), _rules(
        (r"\bpostscreen\[\d+\]: PREGREET \d+ after [\d.]+ from \[(?P<host>" + _ADDR + r")\]:(?P<sport>\d+)",
         "postfix: talked before the greeting", Kind.SCAN, 25),
    )),
    ServiceFormat("vsftpd-response", "vsftpd: logins refused (its own log)", ("FTP response: Client",),
                  _rules(
        (r"\bFTP response: Client \"(?P<host>" + _ADDR + r")\", \"530 ", "vsftpd: login refused",
         Kind.FAILED_LOGIN, 21),
    )),
    ServiceFormat("crowdsec", "CrowdSec decisions (its log)", ("ban on Ip",), _rules(
        (r"\bmsg=\"\([^)]*\) .*?by ip (?P<host>" + _ADDR + r")\b.*? : \S+ ban on Ip \S+\"",
         "crowdsec: banned", Kind.LISTED),
    )),
    ServiceFormat("webmin", "Webmin and Usermin", ("login as",), _rules(
        (r"\b(?:webmin|usermin|miniserv)(?:\.pl)?(?:\[\d+\])?: (?:Invalid|Non-existent) login as .*? from "
         r"(?P<host>\S+)", "webmin: invalid login", Kind.FAILED_LOGIN, 10000),
    )),
    ServiceFormat("xinetd", "xinetd refusals", ("FAIL:",), _rules(
        (r"xinetd(?:\[\d+\])?: FAIL: \S+ (?:address|libwrap) from=(?P<host>\S+)", "xinetd: refused",
         Kind.BLOCKED),
    )),
    ServiceFormat("monit", "Monit web interface", ("access denied -- client", "supplied wrong password",
                                                  "supplied unknown user"), _rules(
        (r"access denied -- client \[?(?P<host>" + _ADDR + r")\]?:? (?:wrong password|unknown user '[^']|"
         r"empty password)", "monit: access denied", Kind.FAILED_LOGIN, 2812),
        (r"Client '(?P<host>[^']+)' supplied (?:wrong password|unknown user '[^']|empty password)",
         "monit: access denied", Kind.FAILED_LOGIN, 2812),
    )),
    ServiceFormat("guacamole", "Apache Guacamole", ("Authentication attempt from",), _rules(
        (r"Authentication attempt from (?:\[(?P<chain>[^\]]+)\]|(?P<host>\S+)) for user \"[^\"]*\" failed",
         "guacamole: authentication failed"),
    )),
    ServiceFormat("phpmyadmin", "phpMyAdmin (syslog)", ("user denied:",), _rules(
        (r"phpMyAdmin(?:\[\d+\])?: user denied: .* from (?P<host>\S+)\s*$", "phpmyadmin: user denied"),
    )),
    ServiceFormat("znc", "ZNC admin log", ("failed to login from",), _rules(
        (r"\] failed to login from (?P<host>\S+)", "znc: failed login"),
    )),
    ServiceFormat("horde", "Horde groupware", ("FAILED LOGIN for",), _rules(
        (r"FAILED LOGIN for \S+ \[(?P<host>[^\]]+)\] to ", "horde: failed login"),
    )),
    ServiceFormat("sogo", "SOGo groupware", ("might not have worked",), _rules(
        (r"SOGoRootPage Login from '(?P<chain>[^']+)' for user '.*?' might not have worked",
         "sogo: failed login"),
    )),
    ServiceFormat("drupal", "Drupal (syslog)", ("Login attempt failed", "|page not found|"), _rules(
        # the message is the last field: "Login attempt failed" inside a URL is not a failure
        (r"\|user\|(?P<host>" + _ADDR + r")\|(?:[^|]*\|)*Login attempt failed (?:for|from) [^|]+\.\s*$",
         "drupal: login attempt failed"),
        (r"\bdrupal(?:\[\d+\])?: [^|\s]+\|\d+\|page not found\|(?P<host>" + _ADDR + r")\|[^|\s]*?/"
         + PROBED_NAME,
         "drupal: probe for a common web application", Kind.SCAN),
    )),
    ServiceFormat("bitwarden", "Bitwarden and Vaultwarden",
                  ("Username or password is incorrect", "Failed login attempt", "Invalid admin token",
                   "Invalid TOTP code", "Token is invalid!"), _rules(
        (r"\bInvalid admin token[.!] IP: (?P<host>" + _ADDR + r")", "vaultwarden: invalid admin token"),
        (r"\bToken is invalid! IP: (?P<host>" + _ADDR + r")", "vaultwarden: invalid two-factor token"),
        (r"\bInvalid TOTP code! .*?\bIP: (?P<host>" + _ADDR + r")", "vaultwarden: invalid TOTP code"),
        (r"Username or password is incorrect\. Try again\. IP: (?P<host>" + _ADDR + r")",
         "bitwarden: username or password incorrect"),
        (r"\bFailed login attempt(?:, 2FA invalid)?\. (?P<host>" + _ADDR + r")\s*$",
         "bitwarden: failed login"),
    )),
    ServiceFormat("nextcloud", "Nextcloud", ("Login failed:", "Trusted domain error."), _rules(
        # its JSON log: the request's remoteAddr (the message quotes what the client sent)
        (r'^\{.*?"remoteAddr":"(?P<host>' + _ADDR + r')".*?"message":"Login failed: ',
         "nextcloud: login failed"),
        (r"Login failed: .*?\(Remote IP: '?(?P<host>" + _ADDR + r")'?\)", "nextcloud: login failed"),
        (r'^\{.*?"remoteAddr":"(?P<host>' + _ADDR + r')".*?"message":"Trusted domain error\. ',
         "nextcloud: access with an untrusted domain", Kind.SCAN),
    )),
    ServiceFormat("paperless-ngx", "Paperless-ngx", ("[paperless.auth] Login failed",), _rules(
        (r"\[paperless\.auth\] Login failed for user `.*` from (?:private )?IP `(?P<host>" + _ADDR
         + r")\.?`\.?\s*$",  # older releases end the address with the sentence's dot: `192.0.2.1.`
         "paperless-ngx: login failed"),
    )),
    ServiceFormat("nginx-error", "nginx error log: forbidden requests, missing scripts, bad TLS handshakes",
                  ("access forbidden by rule", "Primary script unknown", "SSL_do_handshake() failed",
                   "SSL_read() failed", "client used invalid token"), _rules(
        (r"\[error\] \d+#\d+: \*\d+ access forbidden by rule, client: (?P<host>[^,\s]+)",
         "nginx: access forbidden by rule", Kind.BLOCKED),
        (r"\[error\] \d+#\d+: \*\d+ FastCGI sent in stderr: \"Primary script unknown\".*?, client: "
         r"(?P<host>[^,\s]+)", "nginx: request for a script that is not there", Kind.SCAN),
        (r"\[(?:crit|info|error)\] \d+#\d+: \*\d+ (?:SSL_do_handshake\(\) failed \(SSL: error:\w+:SSL "
         r"routines:[^)]*\) while SSL handshaking|SSL_read\(\) failed \(SSL: error:\w+:SSL routines:[^)]*\) "
         r"while waiting for request), client: (?P<host>[^,\s]+)", "nginx: malformed TLS handshake",
         Kind.SCAN),
        (r"\[error\] \d+#\d+: \*\d+ client used invalid token: .*?, client: (?P<host>[^,\s]+)",
         "nginx: invalid authentication token"),
    )),
    ServiceFormat("proxmox", "Proxmox VE web interface", ("pvedaemon", "pveproxy"), _rules(
        (r"\bpve(?:daemon|proxy)(?:\[\d+\])?: authentication failure; rhost=(?:::ffff:)?(?P<host>\S+) ",
         "proxmox: authentication failure", Kind.FAILED_LOGIN, 8006),
    )),
    ServiceFormat("home-assistant", "Home Assistant", ("invalid authentication from",), _rules(
        (r"Login attempt or request with invalid authentication from (?:\S+ \((?P<host>[^)\s]+)\)|"
         r"(?P<chain>\S+))", "home-assistant: invalid authentication"),
    )),
    ServiceFormat("cpanel", "cPanel/WHM login log", ("FAILED LOGIN",), _rules(
        # login_log: "[stamp] info [cpsrvd] <client> - <user> "<request>" FAILED LOGIN <service>: <why>"
        (r"\[cpsrvd\] (?P<host>" + _ADDR + r") - \S+(?: \(possessor: \S+\))? "
         r"\"[^\"]*\" FAILED LOGIN [\w-]+: ",
         "cpanel: failed login"),
        # its access log's form: "<client> - <user> [stamp] "<method>" FAILED LOGIN <service>: <why>"
        (r"^(?P<host>" + _ADDR + r") - \S+ \[[^\]]*\] \"[^\"]*\" FAILED LOGIN [\w-]+: ",
         "cpanel: failed login"),
    )),
    ServiceFormat("r-services", "rshd and rlogind: clients from unprivileged ports", ("on illegal port",),
                  _rules(
        (r"\b(?:in\.)?rshd(?:\[\d+\])?: Connection from (?P<host>" + _ADDR + r") on illegal port\b",
         "rshd: connection from an unprivileged port", Kind.SCAN, 514),
        (r"\b(?:in\.)?rlogind(?:\[\d+\])?: Connection from (?P<host>" + _ADDR + r") on illegal port\b",
         "rlogind: connection from an unprivileged port", Kind.SCAN, 513),
    )),
    # Windows' failed logons as OSSEC/Wazuh agents forward them in text (the XML and .evtx forms have
    # their own formats): the client is the event's "Source Network Address"
    ServiceFormat("winevtlog-text", "Windows failed logons in OSSEC's text form", ("AUDIT_FAILURE(",), _rules(
        # within its first characters (the agent's header): one start, however long the line
        (r"^.{0,300}?\bAUDIT_FAILURE\((?P<event>4625|529|53[0-79])\):.{0,4000}? Source Network Address:\s+"
         r"(?P<host>" + _ADDR + r")(?![\w:.])", "windows: failed logon"),
    )),
    ServiceFormat("keycloak", "Keycloak: failed logins (its event log)", ("LOGIN_ERROR",), _rules(
        # type=LOGIN_ERROR, realmId=..., ipAddress=a, error=... (values quoted in newer versions), the
        # event's type within the line's first characters (its logger's prefix): one start per line
        (r"^.{0,600}?\btype=\"?(?:CLIENT_)?LOGIN_ERROR\"?, .{0,2000}?\bipAddress=\"?(?P<host>" + _ADDR
         + r")\b", "keycloak: login error"),
    )),
    ServiceFormat("teleport", "Teleport: failed logins (its JSON audit log)", ('"success":false',), _rules(
        # a user.login event whose success is false, the client in addr.remote (address:port)
        (r'^\{(?=.{0,4000}?"event":"user\.login")(?=.{0,4000}?"success":false).{0,4000}?'
         r'"addr\.remote":"\[?(?P<host>' + _ADDR + r')\]?:(?P<sport>\d+)"', "teleport: login failed"),
    )),
    ServiceFormat("audiobookshelf", "Audiobookshelf", ("Failed login attempt for username",), _rules(
        # [Auth] or [LocalAuth]; the name is quoted, escaped inside its JSON log
        (r"\[(?:Local)?Auth\] Failed login attempt for username \\?\".{0,256}? from ip (?P<host>" + _ADDR
         + r")\b", "audiobookshelf: login failed"),
    )),
    ServiceFormat("baikal", "Baikal CalDAV/CardDAV server (through PHP's error log)",
                  ("authentication failure for Baikal",), _rules(
        # Apache's error log: [client a:port] ... PHP message: user X authentication failure for Baikal
        # (the shortest address before an optional port: Apache writes IPv6 clients unbracketed)
        (r"\[client (?P<host>[0-9A-Fa-f:.]*?[0-9A-Fa-f])(?::(?P<sport>\d+))?\] .{0,128}?PHP message: user "
         r".{0,256}? authentication failure for Baikal", "baikal: authentication failure"),
        # nginx's: *N FastCGI sent in stderr: "PHP message: ... for Baikal" ..., client: a,
        (r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[\w+\] \d+#\d+: \*\d+ FastCGI sent in stderr: "
         r"\"PHP message: user .{0,256}? authentication failure for Baikal.{0,2000}?, client: (?P<host>"
         + _ADDR + r"),",
         "baikal: authentication failure"),
    )),
    ServiceFormat("apereo-cas", "Apereo CAS: failed authentications (its audit trail)",
                  ("AUTHENTICATION_FAILED", "AUTHENTICATION_EVENT_FAILED"), _rules(
        # Inspektr's one-line form: when|application|what|action|who|client address|server address
        (r"\|AUTHENTICATION(?:_EVENT)?_FAILED\|[^|]{0,256}\|(?P<host>" + _ADDR + r")\|",
         "cas: authentication failed"),
        # its JSON form
        (r'^\{(?=.{0,4000}?"action" ?: ?"AUTHENTICATION(?:_EVENT)?_FAILED").{0,4000}?"clientIpAddress" ?: ?"'
         r'(?P<host>' + _ADDR + r')"', "cas: authentication failed"),
    )),
    # Axigen names a session's client when it opens (or when a proxy's header replaces it) and when
    # it closes; its failures name only the session (SERVICE:id)
    ServiceFormat("axigen", "Axigen mail server", ("connection accepted from", "Remote address updated from",
                                                   "Authentication error for user", "losing session from",
                                                   "losing connection from", "SSL alert remote", " code=401"),
                  _rules(
        (_AXIGEN + r"\[[^\]\s]*\] connection accepted from \[(?P<host>" + _ADDR + r"):(?P<sport>\d+)\]",
         "axigen: authentication error", Kind.FAILED_LOGIN, None, "open"),
        (_AXIGEN + r"Remote address updated from '[^']*' to '(?P<host>" + _ADDR + r")'",
         "axigen: authentication error", Kind.FAILED_LOGIN, None, "open"),
        (_AXIGEN + r"Authentication error for user ", "axigen: authentication error", Kind.FAILED_LOGIN, None,
         "fail"),
        (_AXIGEN + r"<[^>\s]*> POST /\S{0,256}login\S{0,64} HTTP/[\d.]+ u=\S* code=401\b",
         "axigen: webmail login refused", Kind.FAILED_LOGIN, None, "fail"),
        (_AXIGEN + r"(?:[Cc]losing session|[Cc]losing connection) from \[(?P<host>" + _ADDR
         + r"):(?P<sport>\d+)\]", "axigen: authentication error", Kind.FAILED_LOGIN, None, "close"),
        (_AXIGEN + r"SSL alert remote (?P<host>" + _ADDR + r"):(?P<sport>\d+),",
         "axigen: TLS handshake refused", Kind.SCAN),
    )),
    # Microsoft Exchange's SMTP receive protocol log (CSV): date-time, connector, session, sequence,
    # local endpoint, remote endpoint (the client), event (">" sent), data
    ServiceFormat("exchange-smtp", "Microsoft Exchange SMTP protocol log", ("Authentication unsuccessful",),
                  _rules(
        (r"^\d{4}-\d\d-\d\dT[\d:.]{8,16}Z,[^,\r\n]{0,256},\w{1,32},\d{1,10},[^,\s]{0,64},\[?(?P<host>" + _ADDR
         + r")\]?:(?P<sport>\d{1,5}),>,535 5\.7\.\d{1,3} Authentication unsuccessful",
         "exchange: SMTP authentication unsuccessful"),
    )),
    # ConfigServer's Login Failure Daemon: "(service) Failed ... login from A (country/host): N in the
    # last S secs", its port scans and distributed attacks, each naming the client before its details
    ServiceFormat("csf-lfd", "ConfigServer Security & Firewall (lfd)",
                  ("lfd[", "lfd:"), _rules(
        (r"\blfd(?:\[\d+\])?: \([\w-]{1,32}\) (?:Failed [\w /-]{1,64}? login|mod_security (?:\(id:\d+\) )?"
         r"triggered) (?:from|by) (?P<host>" + _ADDR + r") \(", "lfd: repeated login failures"),
        (r"\blfd(?:\[\d+\])?: \*Port Scan\* detected from (?P<host>" + _ADDR + r") \(",
         "lfd: port scan", Kind.SCAN),
        (r"\blfd(?:\[\d+\])?: (?P<host>" + _ADDR + r") \([^)]{0,128}\), \d+ distributed [\w-]{1,32} attacks ",
         "lfd: distributed login attack"),
        (r"\blfd(?:\[\d+\])?: \(CT\) IP (?P<host>" + _ADDR + r") \([^)]{0,128}\) found to have "
         r"\d+ connections",
         "lfd: connection flood", Kind.BLOCKED),
    )),
    # Harbor's core log: the request's context names its client first (then its proxies)
    ServiceFormat("harbor", "Harbor container registry", ("ailed to authenticate user",), _rules(
        (r"\[client IP=\"(?P<chain>[0-9A-Fa-f:., ]{1,256})\" .{0,2048}?\]: [Ff]ailed to authenticate user",
         "harbor: failed to authenticate"),
    )),
    ServiceFormat("redmine", "Redmine", ("-- : Failed login for '",), _rules(
        (r"\bWARN -- : Failed login for '.{0,256}' from (?P<host>" + _ADDR + r") at \d{4}-\d\d-\d\d ",
         "redmine: failed login"),
    )),
    ServiceFormat("ispconfig", "ISPConfig", ("Failed login for user '",), _rules(
        (r"^Failed login for user '.{0,256}' from (?P<host>" + _ADDR + r") at \d{4}-\d\d-\d\d ",
         "ispconfig: failed login", Kind.FAILED_LOGIN, 8080),
    )),
    ServiceFormat("hestiacp", "HestiaCP (its auth.log)", ("failed to login",), _rules(
        (r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S{1,256} (?P<host>" + _ADDR + r") failed to login\s*$",
         "hestiacp: failed login", Kind.FAILED_LOGIN, 8083),
    )),
    # the user name is quoted as sent: the last "IP-address:" is calibre-web's own
    ServiceFormat("calibre-web", "Calibre-Web", ("Login failed for user",), _rules(
        (r"\{cps\.web:\d+\} (?:LDAP )?Login failed for user .{0,256} IP-address: (?P<host>" + _ADDR
         + r")\s*$", "calibre-web: login failed"),
    )),
    # Mealie: "LEVEL    stamp - message"
    ServiceFormat("mealie", "Mealie", ("Incorrect username or password from",), _rules(
        (r"^[A-Z]{4,8} +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d - Incorrect username or password from "
         r"(?P<host>" + _ADDR + r")\s*$", "mealie: login failed"),
    )),
    # ntfy: a request refused for bad credentials (401xx) or a topic it may not use (403xx), in its
    # JSON log or its text log (key=value fields after the message)
    ServiceFormat("ntfy", "ntfy", ("(ntfy error 40",), _rules(
        # one start per line: its JSON object, or the text log's stamp and level
        (r"^(?:\{.{0,256}?\"message\":\"|\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(?:\.\d+)? [A-Z]{4,5} )"
         r"Connection closed with HTTP 40[13] \(ntfy error 40[13]\d\d\).{0,4000}?\bvisitor_ip\"?[=:] ?\"?"
         r"(?P<host>" + _ADDR + r")",
         "ntfy: unauthorized"),
    )),
    ServiceFormat("filebrowser", "File Browser", ("/api/login: 403 ",), _rules(
        (r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d /api/login: 403 (?P<host>" + _ADDR + r") ",
         "filebrowser: login refused"),
    )),
    ServiceFormat("technitium", "Technitium DNS Server web console",
                  ("Invalid username or password for user",), _rules(
        (r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?: UTC)?\] \[\[?(?P<host>" + _ADDR
         + r")\]?:(?P<sport>\d{1,5})\] "
         r"[\w.]{0,128}Exception: Invalid username or password for user", "technitium: login failed",
         Kind.FAILED_LOGIN, 5380),
    )),
    # SABnzbd's failed logins, in any of its languages: the message's words, the client, the proxy's
    # X-Forwarded-For (its first address is the client behind the proxy), then the browser
    ServiceFormat("sabnzbd", "SABnzbd", ("::WARNING::[interface:",), _rules(
        (r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}::WARNING::\[interface:\d+\] [^\[\]():]{1,80} (?P<host>"
         + _ADDR + r")(?: \(X-Forwarded-For: (?P<chain>[0-9A-Fa-f:., ]{1,256})\))? \[",
         "sabnzbd: login failed"),
    )),
    # Webmin's action log (webmin.log): id [time] user session client module script "action" ...
    ServiceFormat("webmin-actions", "Webmin action log: failed logins", ('miniserv.pl "failed"',), _rules(
        (r"^\d{9,11}\.\d+\.\d+ \[[^\]]{1,32}\] \S{1,256} - (?P<host>" + _ADDR + r") global miniserv\.pl "
         r"\"failed\" ", "webmin: invalid login", Kind.FAILED_LOGIN, 10000),
    )),
    # Gin's request log (Gotify and other Go services): a POST refused 401 is a failed login
    ServiceFormat("gin", "Gin request log (Gotify...): refused logins", ("[GIN] ",), _rules(
        (r"^\[GIN\] \d{4}/\d\d/\d\d - \d\d:\d\d:\d\d \| 401 \| {0,16}[\d.]{1,16}\S{1,3} \| {0,40}(?P<host>"
         + _ADDR + r") \| POST ", "gin: login refused (401)"),
    )),
    # CouchDB's request log: host, client, user, method, path, status; a 401 is a refused login
    ServiceFormat("couchdb", "CouchDB request log: refused logins", (" 401 ok ",), _rules(
        (r"^\[notice\] \d{4}-\d\d-\d\dT[\d:.]{8,16}Z \S{1,256} <[\d.]{1,32}> \w{1,32} \S{1,256} (?P<host>"
         + _ADDR + r") \S{1,256} [A-Z]{3,7} \S{1,4096} 401 ok ", "couchdb: login refused",
         Kind.FAILED_LOGIN, 5984),
    )),
    ServiceFormat("stirling-pdf", "Stirling-PDF", ("Failed login attempt from IP:", " from IP: "), _rules(
        (r"\bCustomAuthenticationFailureHandler \[[^\]]{0,64}\] Failed login attempt from IP: \[?(?P<host>"
         + _ADDR + r")\]?\s*$", "stirling-pdf: login failed"),
        (r"\.AuthController \[[^\]]{0,64}\] (?:Invalid password for user|User not found|Account locked for "
         r"user)[^\[\]]{0,256} from IP: \[?(?P<host>" + _ADDR + r")\]?\s*$", "stirling-pdf: login failed"),
    )),
    # RomM's nginx log: proxy | client (X-Forwarded-For, "-" without one) | request status | ...
    ServiceFormat("romm", "RomM", ("[RomM][nginx]",), _rules(
        (r"\[RomM\]\[nginx\]\[[\d\- :]{19}\] (?P<host>" + _ADDR + r") \| "
         r"(?:(?P<chain>[0-9A-Fa-f:., ]{1,256}?)|-) \| POST /api/(?:login|token)\S{0,256} 401 \|",
         "romm: login failed"),
    )),
    ServiceFormat("baserow", "Baserow", ("[BACKEND][",), _rules(
        (r"\[BACKEND\]\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] \[?(?P<host>" + _ADDR + r")\]?:(?P<sport>\d{1,5}) - "
         r"\"POST /api/user/token-auth/ HTTP/[\d.]{1,3}\" 401\b", "baserow: login failed"),
    )),
    # Uvicorn's request log (FastAPI applications: LiteLLM...): a request refused 401 (a bad password
    # or API key); the log has no stamp of its own
    ServiceFormat("uvicorn", "Uvicorn request log: refused requests", ('" 401',), _rules(
        (r"^INFO: {1,8}\[?(?P<host>" + _ADDR + r")\]?:(?P<sport>\d{1,5}) - \"[A-Z]{3,7} \S{1,4096} "
         r"HTTP/[\d.]{1,3}\" 401\b", "uvicorn: request refused (401)"),
    )),
    ServiceFormat("nginx-limit-req", "nginx error log: requests over the rate limit", ("limiting requests",),
                  _rules(
        (r"\blimiting requests, excess: [\d.]+ by zone \"[^\"]*\", client: (?P<host>[^,\s]+)",
         "nginx: request rate limited", Kind.BLOCKED),
    )),
)
for _fmt in FORMATS:
    register(_fmt)
