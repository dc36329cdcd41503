"""Windows event XML exports (``wevtutil qe /f:xml``, ``Get-WinEvent | % ToXml``, Event Viewer's
"Save as XML", the XML the ``evtx`` tools print): one ``<Event>`` per line or pretty-printed across
lines. Each ``<Event>…</Event>`` block is buffered (at most ``MAX_EVENT_CHARS``) and parsed on its
own with the standard library's ElementTree; blocks declaring a DTD or entities are refused
(defusedxml is not available, and expat would expand internal entities).

Events read (failures and hostile connections only; successes are not offences):

=========  ======================================================  ======================
event id   what                                                    client address from
=========  ======================================================  ======================
4625       failed logon                                            IpAddress, WorkstationName
4771       Kerberos pre-authentication failed                      IpAddress
4768/4769  Kerberos ticket request failed (Status other than 0x0)  IpAddress
4776       NTLM credential validation failed (Status not 0x0)      Workstation (when an address)
4825       RDP access denied                                       ClientAddress
18456      MSSQL login failed                                      "[CLIENT: x]" in the text
131        RDP (RdpCoreTS) accepted a TCP connection               ClientIP
140        RDP (RdpCoreTS) logon failed, bad user name/password    IPString
5152/5157  Windows Filtering Platform blocked inbound traffic     Source/DestAddress (*)
=========  ======================================================  ======================

(*) see ``_wfp_blocked``. Times are TimeCreated/SystemTime, which Windows writes in UTC.

Not read: 1149 ("Remote Desktop Services: User authentication succeeded"). With Network Level
Authentication it is logged only after the credentials were accepted, i.e. a successful logon by
someone holding a valid password, which may be a legitimate user; without NLA it is logged for
every connection that reaches the logon screen and duplicates 131/4625. Neither is an offence to
report on its own: a brute force shows up as 4625/140/131, a compromise needs a human's judgement.
"""

import ipaddress
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from ..addresses import host_or_address, normalise
from ..base import Kind, LineFormat, ParseContext, Record
from ..registry import register
from .ids import parse_memory

MAX_EVENT_CHARS = 1 << 20
_START = re.compile(r"<Event(?=[\s>/])")
_END = "</Event>"
_CLIENT = re.compile(r"\[CLIENT:\s*([^\]\s]+)\s*\]", re.IGNORECASE)
_ENDPOINT = re.compile(r"^\[?([0-9A-Fa-f:.]+?)\]?(?::(\d{1,5}))?$")
_INBOUND = ("%%14592", "inbound")
RDP_PORT = 3389
MSSQL_PORT = 1433


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _blank(value: str | None) -> bool:
    return value is None or value.strip() in ("", "-")


def _failed(status: str | None) -> bool:
    return status is not None and status.strip().lower() not in ("", "0x0", "0", "%%0")


class WindowsEventXml(LineFormat):
    """The block being assembled lives in the parse's memory (``ParseContext.state``); ``wants``
    is stateless: every line of an event holds a tag (a text line without one only loses text)."""

    name = "windows-event-xml"
    single_line = False  # an event spans many lines
    label = "Windows event XML"
    keywords = ("<",)

    # --- block assembly ---------------------------------------------------------------------

    def parse_line(self, line, ctx):
        memory = parse_memory(ctx, self.name)
        if memory.get("buf") is None and not memory.get("discarding") and "<Event" not in line:
            return None
        records: list[Record] = []
        pos = 0
        claimed = memory.get("buf") is not None or bool(memory.get("discarding"))
        while pos <= len(line):
            if memory.get("discarding"):
                end = line.find(_END, pos)
                if end < 0:
                    break
                memory["discarding"] = False
                pos = end + len(_END)
                continue
            if memory.get("buf") is None:
                start = _START.search(line, pos)
                if start is None:
                    break
                memory["buf"], memory["size"], pos = [], 0, start.start()
                search_from, claimed = pos + 1, True
            else:
                search_from = pos
            end = line.find(_END, pos)
            restart = _START.search(line, search_from)
            if restart is not None and (end < 0 or restart.start() < end):
                # a new event begins before this one ended: the earlier one was cut short
                ctx.error(None, "windows-event-xml: an <Event> without its end tag, skipped")
                memory["buf"], pos = None, restart.start()
                continue
            if end < 0:
                self._append(memory, line[pos:] + "\n", ctx)
                break
            if not self._append(memory, line[pos:end + len(_END)], ctx):
                pos = end + len(_END)
                continue
            block, memory["buf"] = "".join(memory["buf"]), None
            pos = end + len(_END)
            record = self._event(block, ctx)
            if record is not None:
                records.append(record)
        if records:
            return records
        return [] if claimed else None  # a line of an event export that names no offender

    @staticmethod
    def _append(memory: dict, text: str, ctx) -> bool:
        if memory.get("buf") is None:
            return False
        memory["size"] += len(text)
        if memory["size"] > MAX_EVENT_CHARS:
            ctx.error(None, f"windows-event-xml: an event longer than {MAX_EVENT_CHARS // 1024} KiB, skipped")
            memory["buf"] = None
            memory["discarding"] = _END not in text
            return False
        memory["buf"].append(text)
        return True

    # --- one event --------------------------------------------------------------------------

    def _event(self, block: str, ctx: ParseContext) -> Record | None:
        if "<!DOCTYPE" in block or "<!ENTITY" in block:
            ctx.error(None, "windows-event-xml: an event declaring a DTD or entities, refused")
            return None
        try:
            root = ET.fromstring(block)  # noqa: S314 - no DTD possible here (checked above)
        except ET.ParseError as exc:
            ctx.error(None, f"windows-event-xml: malformed event XML ({exc})")
            return None
        event = _Event(root)
        handler = _HANDLERS.get(event.event_id)
        if handler is None:
            return None
        record = handler(event, ctx)
        if record is None:
            return None
        record.at = event.time(ctx)
        if record.dst is None and event.computer:
            record.dst = event.computer.lower()
        return record


class _Event:
    """The few fields of one event that the handlers read, namespaces stripped."""

    def __init__(self, root):
        self.event_id = None
        self.provider = ""
        self.system_time = None
        self.computer = None
        self.data: dict[str, str] = {}
        self.texts: list[str] = []
        for el in root.iter():
            tag = _local(el.tag)
            if tag == "EventID" and el.text and el.text.strip().isdigit():
                self.event_id = int(el.text.strip())
            elif tag == "Provider":
                self.provider = el.get("Name") or el.get("EventSourceName") or ""
            elif tag == "TimeCreated":
                self.system_time = el.get("SystemTime")
            elif tag == "Computer":
                self.computer = (el.text or "").strip() or None
            elif tag == "Data":
                name, text = el.get("Name"), (el.text or "").strip()
                if name:
                    self.data[name] = text
                else:
                    self.texts.append(text)
        userdata = next((el for el in root if _local(el.tag) == "UserData"), None)
        if userdata is not None:
            for el in userdata.iter():
                if len(el) == 0 and el.text and el.text.strip():
                    self.data.setdefault(_local(el.tag), el.text.strip())

    def get(self, *names: str) -> str | None:
        for name in names:
            value = self.data.get(name)
            if not _blank(value):
                return value
        return None

    def time(self, ctx: ParseContext) -> datetime | None:
        if not self.system_time:
            return None
        try:
            when = datetime.fromisoformat(self.system_time.strip())
        except ValueError:
            return None
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)  # always UTC

    def is_rdp(self) -> bool:
        provider = self.provider.lower()
        return "remotedesktop" in provider or "terminalservices" in provider or "rdp" in provider


def _address(value: str | None) -> tuple[str | None, int | None]:
    """An address field, possibly with a port (``1.2.3.4:5555``, ``[::1]:3389``, ``::ffff:1.2.3.4``)."""
    if _blank(value):
        return None, None
    value = value.strip().lstrip("\\")
    if value.count(":") == 1 or value.startswith("["):  # 1.2.3.4:5555, [2001:db8::1]:5555
        m = _ENDPOINT.match(value)
        if m and m.group(2) and (addr := normalise(m.group(1))) is not None:
            return addr, _port(m.group(2))
    addr = normalise(value)
    if addr is not None:
        return addr, None
    m = _ENDPOINT.match(value)
    if m and m.group(2):
        return normalise(m.group(1)), int(m.group(2))
    return host_or_address(value), None


def _record(event: _Event, src: str | None, kind: str, what: str, port: int | None = None,
            src_port: int | None = None) -> Record | None:
    """``port`` is our side's; ``src_port`` the offender's own (``IpPort``, a ``ClientIP``'s port,
    the remote side's port of a WFP event)."""
    if src is None or _blank(src):
        return None
    return Record(src=src, kind=kind, dst_port=port, signature=f"Windows event {event.event_id}: {what}",
                  src_port=src_port)


def _port(value: str | None) -> int | None:
    """A port field; "0" (a logon that did not come over the network) and "-" are no port."""
    if value and value.strip().isdigit():
        port = int(value)
        return port if 0 < port <= 65535 else None
    return None


def _logon_failure(event: _Event, ctx: ParseContext) -> Record | None:
    src, src_port = _address(event.get("IpAddress"))
    if src is None:
        src, _ = _address(event.get("WorkstationName"))
    else:
        src_port = _port(event.get("IpPort")) or src_port
    logon_type = event.get("LogonType")
    port = RDP_PORT if logon_type == "10" else None
    what = f"failed logon (type {logon_type})" if logon_type else "failed logon"
    return _record(event, src, Kind.FAILED_LOGIN, what, port, src_port)


def _kerberos_preauth(event: _Event, ctx: ParseContext) -> Record | None:
    src, _ = _address(event.get("IpAddress"))
    status = event.get("Status")
    what = "Kerberos pre-authentication failed" + (f" ({status})" if status else "")
    return _record(event, src, Kind.FAILED_LOGIN, what, 88, _port(event.get("IpPort")))


def _kerberos_ticket(event: _Event, ctx: ParseContext) -> Record | None:
    status = event.get("Status")
    if not _failed(status):
        return None
    src, _ = _address(event.get("IpAddress"))
    return _record(event, src, Kind.FAILED_LOGIN, f"Kerberos ticket request failed ({status})", 88,
                   _port(event.get("IpPort")))


def _ntlm_validation(event: _Event, ctx: ParseContext) -> Record | None:
    status = event.get("Status")
    if not _failed(status):
        return None
    src, _ = _address(event.get("Workstation"))
    return _record(event, src, Kind.FAILED_LOGIN, f"NTLM credential validation failed ({status})")


def _rdp_denied(event: _Event, ctx: ParseContext) -> Record | None:
    src, _ = _address(event.get("ClientAddress"))
    return _record(event, src, Kind.FAILED_LOGIN, "RDP access denied", RDP_PORT)


def _mssql(event: _Event, ctx: ParseContext) -> Record | None:
    text = " ".join([*event.texts, *event.data.values()])
    m = _CLIENT.search(text)
    if not m:
        return None
    src, _ = _address(m.group(1))
    return _record(event, src, Kind.FAILED_LOGIN, "MSSQL login failed", MSSQL_PORT)


def _rdp_connection(event: _Event, ctx: ParseContext) -> Record | None:
    if not event.is_rdp():
        return None
    src, src_port = _address(event.get("ClientIP"))
    return _record(event, src, Kind.SCAN, "RDP connection accepted", RDP_PORT, src_port)


def _rdp_bad_credentials(event: _Event, ctx: ParseContext) -> Record | None:
    if not event.is_rdp():
        return None
    src, src_port = _address(event.get("IPString", "ClientIP"))
    return _record(event, src, Kind.FAILED_LOGIN, "RDP logon failed (bad user name or password)", RDP_PORT,
                   src_port)


def _wfp_blocked(event: _Event, ctx: ParseContext) -> Record | None:
    """WFP drops. Which field holds the remote side differs by event: in 5152 (packet dropped) the
    packet's SourceAddress is the remote host, in 5157 (connection blocked, an ALE event) the
    SourceAddress is our local address and DestAddress the peer "from which the connection was
    received". Configured own networks override that reading."""
    direction = (event.get("Direction") or "%%14592").strip().lower()
    if direction not in _INBOUND:
        return None  # our own outbound traffic blocked: nobody else's offence
    source, _ = _address(event.get("SourceAddress"))
    dest, _ = _address(event.get("DestAddress"))
    if event.event_id == 5157:
        remote, local, port, remote_port = dest, source, event.get("SourcePort"), event.get("DestPort")
    else:
        remote, local, port, remote_port = source, dest, event.get("DestPort"), event.get("SourcePort")
    own = ctx.own_networks
    if own and _in_networks(remote, own) and local and not _in_networks(local, own):
        remote, local = local, remote
        port, remote_port = remote_port, port
    record = _record(event, remote, Kind.BLOCKED, "inbound traffic blocked by the Windows firewall",
                     int(port) if port and port.isdigit() else None, _port(remote_port))
    if record is not None:
        record.dst = local
    return record


def _in_networks(address: str | None, networks) -> bool:
    try:
        addr = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(addr in net for net in networks if net.version == addr.version)


_HANDLERS = {
    4625: _logon_failure,
    4771: _kerberos_preauth,
    4768: _kerberos_ticket,
    4769: _kerberos_ticket,
    4776: _ntlm_validation,
    4825: _rdp_denied,
    18456: _mssql,
    131: _rdp_connection,
    140: _rdp_bad_credentials,
    5152: _wfp_blocked,
    5157: _wfp_blocked,
}

register(WindowsEventXml())
