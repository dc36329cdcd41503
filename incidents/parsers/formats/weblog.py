"""Web server access logs.

- NCSA common / combined (Apache, nginx, lighttpd, Caddy's common output, HAProxy's ``clf``), with
  or without a leading virtual host (``%v:%p`` of Apache's ``vhost_combined``, nginx's ``$host``)
  or a syslog header, clients as IPv4, IPv6 or host names: ``1.2.3.4 - - [24/Nov/2026:03:14:07
  +0100] "GET /path HTTP/1.1" 404 123 "-" "UA"``.
- W3C extended (IIS): a ``#Fields:`` header naming the columns, times in UTC.

Every request is recorded (kind "web request"; "failed login" for a 401 answered to a request that
named a user): a web log is evidence only as an excerpt the admin
chose (a flood, a scan), and one request looks like another. The signature, ``METHOD status
path`` (path without its query, shortened), lets a report show what was asked for and what the
server answered; a request that is not HTTP at all (a TLS handshake on a plain port, binary
probes) reads ``(malformed request) status``.
"""

import re
from datetime import UTC, datetime, timedelta, timezone

from ..addresses import host_or_address
from ..base import MONTHS, Kind, LineFormat, ParseContext, Record, json_object
from ..registry import register
from .ids import parse_memory

MAX_PATH = 64
_METHOD = re.compile(r"^[A-Z][A-Z_-]{1,19}$")
# "[24/Nov/2026:03:14:07 +0100]", as ``clf_time`` reads it
_CLF_STAMP = (r"\[(?P<day>\d{1,2})/(?P<mon>[A-Za-z]{3})/(?P<year>\d{4}):(?P<hms>\d{2}:\d{2}:\d{2})"
              r"(?:[.,](?P<frac>\d+))?(?:\s*(?P<tz>[+-]\d{2}:?\d{2}|Z|UTC|GMT))?\]")
_CLF_TIME = re.compile(_CLF_STAMP + r'\s+"(?P<request>(?:[^"\\]|\\.)*)"\s+(?P<status>\d{3}|-)')
_W3C_DIRECTIVES = ("#Software:", "#Version:", "#Date:", "#Remark:", "#Start-Date:", "#End-Date:")
_HOST_PORT = re.compile(r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[^:\s]+)(?::(?P<port>\d{1,5}))?$")


def _offset(text: str | None) -> timezone | None:
    if not text or text in ("Z", "UTC", "GMT"):
        return UTC if text else None
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    try:
        return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))
    except ValueError:  # an offset of a day or more: not a zone
        return None


def clf_time(m: re.Match, ctx: ParseContext) -> datetime | None:
    """``24/Nov/2026:03:14:07 +0100`` honouring its offset (the evidence's zone when it has none)."""
    mon = MONTHS.get(m["mon"].lower())
    if mon is None:
        return None
    hour, minute, second = (int(x) for x in m["hms"].split(":"))
    micro = int((m["frac"] or "0")[:6].ljust(6, "0"))
    try:
        naive = datetime(int(m["year"]), mon, int(m["day"]), hour, minute, second, micro)  # noqa: DTZ001
    except ValueError:
        return None
    zone = _offset(m["tz"])
    return ctx.local(naive) if zone is None else naive.replace(tzinfo=zone).astimezone(UTC)


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else "\\x%02x" % (ord(c) & 0xFF) for c in text)


def _shorten(text: str, limit: int = MAX_PATH) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def request_signature(method: str | None, path: str | None, status: str, raw: str | None = None) -> str:
    status = status if status and status != "-" else "-"
    if method and _METHOD.match(method) and path is not None:
        target, query, _ = path.partition("?")
        target = _shorten(_printable(target) or "/")
        return f"{method} {status} {target}{'?…' if query else ''}"
    if not raw:
        return f"(empty request) {status}"
    return f"(malformed request) {status} {_shorten(_printable(raw), 32)}"


def _vhost(token: str) -> tuple[str | None, int | None]:
    m = _HOST_PORT.match(token)
    if not m:
        return None, None
    host = host_or_address(m["host"])
    port = int(m["port"]) if m["port"] else None
    if host is None or (port is not None and port > 65535):
        return None, None
    return host, port


class CombinedLog(LineFormat):
    name = "web-access"
    label = "Web server access log (common/combined)"
    keywords = ('] "',)

    def parse_line(self, line, ctx):
        m = _CLF_TIME.search(line)
        if not m:
            return None
        tokens = line[: m.start()].split()
        if len(tokens) < 3:
            return None
        client = host_or_address(tokens[-3])
        if client is None:
            return [] if tokens[-3] == "-" else None  # a request with no client recorded
        dst, dst_port = _vhost(tokens[-4]) if len(tokens) >= 4 else (None, None)
        request = m["request"]
        parts = request.split(" ")
        http = len(parts) == 2 or (len(parts) == 3 and parts[2].startswith("HTTP/"))
        if http and _METHOD.match(parts[0]):
            signature = request_signature(parts[0], parts[1], m["status"])
        else:
            signature = request_signature(None, None, m["status"], request)
        # a user name the server refused (401): a failed login rather than a mere request
        refused_user = m["status"] == "401" and tokens[-1] not in ("-", '""')
        kind = Kind.FAILED_LOGIN if refused_user else Kind.WEB_REQUEST
        return Record(src=client, at=clf_time(m, ctx), kind=kind, dst=dst, dst_port=dst_port,
                      signature=signature)


class CaddyJsonLog(LineFormat):
    """Caddy's JSON access log (``"logger":"http.log.access..."``): the client is ``client_ip`` (the
    address Caddy trusts, after its proxies), else ``remote_ip``, else v2.0's ``remote_addr``."""

    name = "caddy"
    label = "Caddy access log (JSON)"
    keywords = ('"http.log.access',)

    def parse_line(self, line, ctx):
        entry = json_object(line)
        request = entry.get("request") if entry is not None else None
        if not isinstance(request, dict) or not str(entry.get("logger", "")).startswith("http.log.access"):
            return None
        address = request.get("client_ip") or request.get("remote_ip") or ""
        if not address and isinstance(request.get("remote_addr"), str):  # "host:port"
            hostport = _HOST_PORT.match(request["remote_addr"])
            address = hostport["host"] if hostport else request["remote_addr"]
        client = host_or_address(str(address))
        if client is None:
            return []
        at = None
        if isinstance(entry.get("ts"), (int, float)) and not isinstance(entry.get("ts"), bool):
            try:
                at = datetime.fromtimestamp(entry["ts"], UTC)
            except (OverflowError, OSError, ValueError):
                at = None
        status = str(entry.get("status", "-"))
        signature = request_signature(str(request.get("method") or ""), str(request.get("uri") or ""), status)
        host = request.get("host")
        return Record(src=client, at=at, kind=Kind.WEB_REQUEST, signature=signature,
                      dst=host_or_address(host.rsplit(":", 1)[0]) if isinstance(host, str) and host else None)


# nginx-proxy-manager's proxy log: "[time] [cache upstream] status - METHOD scheme host "uri" [Client a] ..."
_NPM = re.compile(
    "^" + _CLF_STAMP + r" (?:\S+ ){0,2}(?P<status>\d{3}|-) - (?P<method>[A-Z][A-Z_-]{1,19}) "
    r"(?P<scheme>https?) (?P<host>\S+) \"(?P<uri>(?:[^\"\\]|\\.)*)\" \[Client (?P<client>[^\]\s]+)\]")


class ProxyManagerLog(LineFormat):
    name = "nginx-proxy-manager"
    label = "nginx-proxy-manager proxy log"
    keywords = ("[Client ",)

    def parse_line(self, line, ctx):
        m = _NPM.match(line)
        if m is None:
            return None
        client = host_or_address(m["client"])
        if client is None:
            return []
        return Record(src=client, at=clf_time(m, ctx), kind=Kind.WEB_REQUEST,
                      signature=request_signature(m["method"], m["uri"], m["status"]),
                      dst=host_or_address(m["host"]))


class W3CExtendedLog(LineFormat):
    """IIS (W3C extended) logs: ``#Fields: date time s-ip cs-method cs-uri-stem ... c-ip ... sc-status``.

    The header is remembered in the parse's memory; ``wants`` is stateless (a comment line, or a
    data line starting with its date).
    """

    name = "iis-w3c"
    label = "IIS / W3C extended access log"
    wants_bsd_syslog = False  # a line that starts with "#" or a digit

    def wants(self, line):
        return line[:1] == "#" or line[:1].isdigit()

    def parse_line(self, line, ctx):
        memory = parse_memory(ctx, self.name)
        if line.startswith("#"):
            if line.startswith("#Fields:"):
                names = line[len("#Fields:"):].split()
                memory["fields"] = {n.lower(): i for i, n in enumerate(names)} if "c-ip" in names else None
                return [] if memory["fields"] else None
            return [] if memory.get("fields") and line.startswith(_W3C_DIRECTIVES) else None
        fields = memory.get("fields")
        if fields is None:
            return None
        cells = line.split()
        if len(cells) != len(fields):
            return None
        cell = self._cell(fields, cells)
        client = host_or_address(cell("c-ip") or "")
        if client is None:
            return None
        at = None
        date, time = cell("date"), cell("time")
        if date and time:
            try:
                at = datetime.fromisoformat(f"{date}T{time}").replace(tzinfo=UTC)  # IIS writes UTC
            except ValueError:
                at = None
        port = cell("s-port")
        signature = request_signature(cell("cs-method"), cell("cs-uri-stem") or "", cell("sc-status") or "-")
        if cell("cs-uri-query") and not signature.endswith("?…") and not signature.startswith("("):
            signature += "?…"
        host = cell("cs-host") or cell("s-ip")
        return Record(src=client, at=at, kind=Kind.WEB_REQUEST, dst=host_or_address(host or ""),
                      dst_port=int(port) if port and port.isdigit() and int(port) <= 65535 else None,
                      signature=signature)

    @staticmethod
    def _cell(fields, cells):
        def get(name: str) -> str | None:
            index = fields.get(name)
            if index is None:
                return None
            value = cells[index]
            return None if value == "-" else value

        return get


register(CombinedLog())
register(CaddyJsonLog())
register(ProxyManagerLog())
register(W3CExtendedLog())
