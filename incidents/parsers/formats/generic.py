"""The fallback, registered last: tables and lists of addresses.

- CSV (comma, semicolon, tab or pipe separated) whose header names an address column (``ip``,
  ``src_ip``, ``source``, ``client``, ``host``, ...) and optionally time, port, target and comment
  columns. The header is remembered for the parse it belongs to; a later header replaces it.
- Lists: a line that is just an address, or an address followed by a comment or other columns
  (``203.0.113.9  # ssh brute force``, ``203.0.113.9,2026-11-24T03:14:07Z``). A network range is
  not an address: it is reported as an error, never widened or narrowed to one.

``wants`` stays cheap and stateless: list lines start with a hex digit, ``:`` or ``[``; table lines
hold a separator (the header, remembered in the parse's memory, decides what a row means).
"""

import csv
import ipaddress
import re
from datetime import UTC, datetime

from ..addresses import normalise
from ..base import Kind, LineFormat, ParseContext, Record
from ..registry import register
from .ids import parse_memory

MAX_SIGNATURE = 80
_LIST_START = frozenset("0123456789abcdefABCDEF:[")
_DELIMITERS = (",", ";", "\t", "|")

# Column names after lower-casing and dropping everything but letters and digits, by preference.
ADDRESS_COLUMNS = (
    "srcip", "sourceip", "srcaddr", "srcaddress", "sourceaddress", "sourceaddr", "clientip",
    "clientaddress", "cip", "remoteaddr", "remoteip", "remoteaddress", "remotehost", "attackerip",
    "attacker", "offenderip", "offender", "badip", "ip", "ipaddress", "ipaddr", "ipv4", "ipv6", "addr",
    "address", "src", "source", "client", "host",
)
TIME_COLUMNS = (
    "timestamp", "datetime", "time", "eventtime", "date", "firstseen", "lastseen", "seen", "when",
    "created", "createdat", "detected", "detectedat", "reportedat", "attackdate", "utc",
)
PORT_COLUMNS = ("dstport", "destport", "dport", "destinationport", "targetport", "serviceport", "port", "dpt")
TARGET_COLUMNS = (
    "dstip", "destip", "dst", "destination", "destinationip", "destinationaddress", "dstaddr",
    "targetip", "target", "serverip",
)
COMMENT_COLUMNS = (
    "signature", "reason", "comment", "category", "categories", "attack", "attacktype", "type",
    "service", "description", "message", "msg", "note",
)

_ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")
_DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
# key=value text after the address: some device's log line behind its relay's address, not a comment
_KEY_VALUE = re.compile(r"(?<!\S)[A-Za-z_][\w.-]{0,40}=")
_LIST_TOKEN = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]+)(/\d{1,3})?(?=$|[\s,;|#])")


def _column(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.strip().strip("\ufeff").lower())


def parse_time(text: str | None, ctx: ParseContext) -> datetime | None:
    """ISO 8601 (``Z`` or an offset honoured), epoch seconds or milliseconds, ``24.11.2026 03:14``."""
    if not text:
        return None
    text = text.strip()
    if text.isdigit() and 9 <= len(text) <= 13:
        seconds = int(text) / (1000 if len(text) > 11 else 1)
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if m := _DOTTED_DATE.match(text):
        day, month, year, hour, minute, second = (int(x or 0) for x in m.groups())
        try:
            return ctx.local(datetime(year, month, day, hour, minute, second))  # noqa: DTZ001
        except ValueError:
            return None
    candidate = text.replace("/", "-") if re.match(r"^\d{4}/\d{2}/\d{2}", text) else text
    try:
        when = datetime.fromisoformat(candidate.replace(",", ".", 1) if "," in candidate else candidate)
    except ValueError:
        return None
    return ctx.local(when) if when.tzinfo is None else when.astimezone(UTC)


def _shorten(text: str | None) -> str | None:
    text = (text or "").strip()
    if not text or not any(c.isalpha() for c in text):
        return None
    return text if len(text) <= MAX_SIGNATURE else text[: MAX_SIGNATURE - 1] + "…"


class _Table:
    """A CSV header's reading: which columns hold the address, time, port, target, comment."""

    def __init__(self, names: list[str], delimiter: str):
        self.delimiter = delimiter
        self.width = len(names)
        index = {}
        for i, name in enumerate(names):
            index.setdefault(_column(name), i)
        self.addresses = [index[n] for n in ADDRESS_COLUMNS if n in index]
        self.times = [index[n] for n in TIME_COLUMNS if n in index]
        self.date_and_time = (index["date"], index["time"]) if "date" in index and "time" in index else None
        self.port = next((index[n] for n in PORT_COLUMNS if n in index), None)
        self.target = next((index[n] for n in TARGET_COLUMNS if n in index), None)
        self.comment = next((index[n] for n in COMMENT_COLUMNS if n in index), None)

    def record(self, cells: list[str], ctx: ParseContext) -> Record | None:
        def cell(i):
            return cells[i].strip() if i is not None and i < len(cells) else ""

        src = next((a for a in (normalise(cell(i)) for i in self.addresses) if a), None)
        if src is None:
            return None
        at = None
        if self.date_and_time:
            at = parse_time(f"{cell(self.date_and_time[0])}T{cell(self.date_and_time[1])}", ctx)
        for i in self.times:
            if at is not None:
                break
            at = parse_time(cell(i), ctx)
        port = cell(self.port)
        return Record(
            src=src, at=at, kind=Kind.LISTED,
            dst=normalise(cell(self.target)) if self.target is not None else None,
            dst_port=int(port) if port.isdigit() and int(port) <= 65535 else None,
            signature=_shorten(cell(self.comment)) if self.comment is not None else None,
        )


def _split(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return []


def _header(line: str) -> _Table | None:
    counts = {d: line.count(d) for d in _DELIMITERS}
    delimiter = max(counts, key=counts.get)
    if counts[delimiter] == 0:
        return None
    names = _split(line.strip().lstrip("#"), delimiter)
    if not names or any(len(n) > 40 or normalise(n) for n in names):
        return None
    table = _Table(names, delimiter)
    return table if table.addresses else None


class AddressTable(LineFormat):
    """The header is remembered in the parse's memory; ``wants`` is stateless (a separator)."""

    name = "csv"
    single_line = False  # the header line decides what every row means
    label = "CSV table of addresses"
    keywords = _DELIMITERS

    def parse_line(self, line, ctx):
        memory = parse_memory(ctx, self.name)
        first = line.lstrip()[:1]
        if first.isalpha() or first in "\"'#\ufeff":
            table = _header(line)
            if table is not None:
                memory["table"] = table
                return []  # the header: this is a table of addresses
        table = memory.get("table")
        if table is None:
            return None
        return table.record(_split(line, table.delimiter), ctx)  # None: the list reader may try it


class AddressList(LineFormat):
    name = "address-list"
    label = "List of addresses"
    wants_bsd_syslog = False  # a month's name is no address: ``wants`` below

    def wants(self, line):
        text = line.lstrip()
        first = text[:1]
        if first not in _LIST_START:
            return False
        # a letter starts only an IPv6 address here, which has a colon within its first five
        # characters; a word made of hex letters (``Dec``, ``Feb``, ``add``) does not
        return not first.isalpha() or ":" in text[1:5]

    def parse_line(self, line, ctx):
        text = line.strip()
        m = _LIST_TOKEN.match(text)
        if not m:
            return None
        token, prefix = m.group(1), m.group(2)
        addr = normalise(token)
        if addr is None:
            return None
        rest = text[m.end():]
        if "->" in rest or "<-" in rest:
            return None  # a flow (source -> destination) in some unknown log: not a list entry
        if len(_KEY_VALUE.findall(rest, 0, 4096)) >= 2:
            return None  # fields of some unknown log (``10.0.0.1 id=firewall sn=... src=...``)
        if prefix:
            try:
                network = ipaddress.ip_network(f"{addr}{prefix}", strict=False)
            except ValueError:
                return None
            if network.num_addresses > 1:
                ctx.error(None, f"address-list: {network} is a network range, not an address; skipped")
                return None
        stamp = _ISO.search(rest)
        at = parse_time(stamp.group(0), ctx) if stamp else None
        if stamp:
            rest = rest[: stamp.start()] + rest[stamp.end():]
        comment = rest.lstrip(" \t,;|")
        if comment.startswith(("#", "//")):
            comment = comment.lstrip("#/ ")
        return Record(src=addr, at=at, kind=Kind.LISTED, signature=_shorten(comment))


register(AddressTable())
register(AddressList())
