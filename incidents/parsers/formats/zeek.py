"""Zeek (formerly Bro) logs, as Zeek writes them by default (tab-separated, a ``#fields`` header
naming the columns) or as JSON, one object per line.

- ``notice.log``: what Zeek's scripts concluded. The notice's ``src`` (else the connection's
  originator) is the offender: a scan (``Scan::*``) is a scan, password guessing a failed login,
  any other notice an IDS alert; the signature is the notice's name.
- ``conn.log``: every connection. One opened from outside that was never answered or was refused
  (``S0``, ``REJ``, ``RSTOS0``, ``SH``) is a scan's probe.
- ``ssh.log``: a connection from outside whose authentication failed is a failed login.
- ``http.log``: every request from outside, as a web access log records it.
- Any other row naming a connection (dns, ssl..., and connections our side opened) lists its
  originator as seen: accounted for, never reported.

Which log a row belongs to: the ``#path`` header, else (JSON, or rows exported without their
header) the fields it has. The header is remembered in the parse's memory.
"""

import ipaddress
import json
import re
from datetime import UTC, datetime

from ..addresses import normalise
from ..base import Kind, LineFormat, ParseContext, Record
from ..registry import register
from .ids import _port, is_local, iso_time, parse_memory
from .weblog import request_signature

UNANSWERED = frozenset({"S0", "REJ", "RSTOS0", "SH"})  # attempts the responder never took up
CONN_STATES = UNANSWERED | {"S1", "SF", "S2", "S3", "RSTO", "RSTR", "RSTRH", "SHR", "OTH"}
_EPOCH = re.compile(r"^\d{9,10}(?:\.\d{1,9})?$")
_UID = re.compile(r"^[A-Za-z0-9]{8,24}$")
_GUESSING = ("Password_Guessing", "Bruteforc", "Brute_Forc", "Login_Guessing")
_UNSET = frozenset({"-", "(empty)", ""})
_HEADERS = ("#separator", "#set_separator", "#empty_field", "#unset_field", "#path", "#open", "#fields",
            "#types", "#close")


def _time(value, ctx: ParseContext) -> datetime | None:
    """Zeek's ``ts``: epoch seconds (its default), or ISO 8601 (``LogAscii::json_timestamps``)."""
    epoch = isinstance(value, str) and value[:1].isdigit() and "-" not in value
    if isinstance(value, (int, float)) or epoch:
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except (ValueError, OverflowError, OSError):
            return None
    return iso_time(value, ctx) if isinstance(value, str) else None


def _headerless(cells: list[str]) -> dict | None:
    """A row of a connection's log exported without its header: every such log starts with ``ts
    uid id.orig_h id.orig_p id.resp_h id.resp_p``; conn.log's ``proto`` and ``conn_state`` are the
    7th and 12th columns."""
    if len(cells) < 7 or not _EPOCH.match(cells[0]) or not _UID.match(cells[1]):
        return None
    if not (cells[3].isdigit() and cells[5].isdigit()) or normalise(cells[2]) is None:
        return None
    row = dict(zip(("ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"), cells, strict=False))
    if len(cells) >= 12 and cells[6] in ("tcp", "udp", "icmp") and cells[11] in CONN_STATES:
        row.update(proto=cells[6], conn_state=cells[11])
    return row


def _which(row: dict, path: str | None) -> str | None:
    """The log a row belongs to."""
    if path:
        return path
    if "note" in row:
        return "notice"
    if "conn_state" in row:
        return "conn"
    if "auth_success" in row:
        return "ssh"
    if "status_code" in row and "method" in row:
        return "http"
    return None


class ZeekLog(LineFormat):
    name = "zeek"
    label = "Zeek (Bro) logs"
    single_line = False  # the header decides what every row means
    wants_bsd_syslog = False  # a line that starts with "#", "{" or a digit

    def wants(self, line):
        first = line[:1]
        if first == "#":
            return line.startswith(_HEADERS)
        if first == "{":
            return '"id.orig_h"' in line or '"note"' in line
        return first.isdigit() and "\t" in line

    def parse_line(self, line, ctx):
        memory = parse_memory(ctx, self.name)
        if line.startswith("#"):
            return self._header(line, memory)
        if line.startswith("{"):
            try:
                row = json.loads(line)
            except (ValueError, RecursionError):
                return None
            if not isinstance(row, dict) or ("id.orig_h" not in row and "src" not in row):
                return None
            path = row.get("_path")
            return self._row(row, path if isinstance(path, str) else None, ctx)
        fields = memory.get("fields")
        cells = line.split("\t")
        if not fields:
            row = _headerless(cells)
            return None if row is None else self._row(row, None, ctx)
        if len(cells) != len(fields):
            return None
        row = {name: value for name, value in zip(fields, cells, strict=True) if value not in _UNSET}
        return self._row(row, memory.get("path"), ctx)

    @staticmethod
    def _header(line: str, memory: dict):
        name, _, value = line.partition("\t")
        if name == "#fields":
            names = value.split("\t")
            memory["fields"] = names if "ts" in names else None
            return [] if memory["fields"] else None
        if name == "#path":
            memory["path"] = value.strip()
        elif name == "#separator":  # the start of another log's header
            memory.pop("fields", None)
            memory.pop("path", None)
        return []

    def _row(self, row: dict, path: str | None, ctx) -> list[Record] | None:
        kind = _which(row, path)
        orig, resp = normalise(str(row.get("id.orig_h") or "")), normalise(str(row.get("id.resp_h") or ""))
        sport, dport = _port(row.get("id.orig_p")), _port(row.get("id.resp_p"))
        at = _time(row.get("ts"), ctx)
        if kind == "notice":
            return self._notice(row, orig, resp, sport, dport, at)
        if orig is None:
            return [] if kind else None
        inbound = not (self._ours(orig, ctx) and not self._ours(resp, ctx))
        seen = [Record(src=orig, at=at, kind=Kind.SEEN, dst=resp, dst_port=dport, src_port=sport)]
        if kind == "conn":
            state = str(row.get("conn_state") or "")
            if inbound and state in UNANSWERED:
                proto = str(row.get("proto") or "").upper()
                return [Record(src=orig, at=at, kind=Kind.SCAN, dst=resp, dst_port=dport, src_port=sport,
                               signature=f"zeek: {proto} connection attempt {state}".replace("  ", " "))]
            return seen
        if kind == "ssh":
            if inbound and row.get("auth_success") in (False, "F", "false"):
                return [Record(src=orig, at=at, kind=Kind.FAILED_LOGIN, dst=resp, dst_port=dport,
                               src_port=sport, signature="zeek ssh: authentication failed")]
            return seen
        if kind == "http" and inbound:
            status = str(row.get("status_code") or "-")
            signature = request_signature(row.get("method"), row.get("uri"), status)
            return [Record(src=orig, at=at, kind=Kind.WEB_REQUEST, dst=resp, dst_port=dport, src_port=sport,
                           signature=signature)]
        return seen

    @staticmethod
    def _notice(row, orig, resp, sport, dport, at) -> list[Record]:
        src = normalise(str(row.get("src") or "")) or orig
        if src is None:
            return []
        note = str(row.get("note") or "notice")
        if note.startswith("Scan::"):
            kind = Kind.SCAN
        elif any(word in note for word in _GUESSING):
            kind = Kind.FAILED_LOGIN
        else:
            kind = Kind.IDS_ALERT
        dst = normalise(str(row.get("dst") or "")) or (resp if src == orig else orig)
        port = _port(row.get("p")) if row.get("p") is not None else dport
        return [Record(src=src, at=at, kind=kind, dst=dst, dst_port=port,
                       src_port=sport if src == orig else None, signature=f"zeek: {note}"[:96])]

    @staticmethod
    def _ours(address: str | None, ctx: ParseContext) -> bool:
        """Whether ``address`` is on our side: in our networks when they are set, else a local one."""
        if address is None:
            return False
        if ctx.own_networks:
            ip = ipaddress.ip_address(address)
            return any(ip in net for net in ctx.own_networks if net.version == ip.version)
        return is_local(address)


register(ZeekLog())
