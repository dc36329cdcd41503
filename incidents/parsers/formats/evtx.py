"""Windows event logs (.evtx), read with the ``evtx`` package (pyevtx-rs).

Events that name a remote party trying to get in:

=====  ===============================================  ==========================================
event  provider                                         offender
=====  ===============================================  ==========================================
4625   Security-Auditing: an account failed to log on   IpAddress (network logons without one:
                                                        WorkstationName, a host name as seen)
4771   Security-Auditing: Kerberos pre-auth failed      IpAddress
4768   Security-Auditing: Kerberos TGT request, only    IpAddress
       when it failed (unknown user, revoked...)
4776   Security-Auditing: NTLM credential validation,   Workstation, a host name kept as seen
       only when it failed
4825   Security-Auditing: denied Remote Desktop access  ClientAddress
5152   Security-Auditing: WFP dropped an inbound        SourceAddress (blocked connection)
       packet
131    RdpCoreTS: server accepted a TCP connection      ClientIP (its port is the source port)
140    RdpCoreTS: RDP logon failed, bad credentials     IPString
18456  MSSQL*: login failed                             "[CLIENT: 1.2.3.4]" in the message text
=====  ===============================================  ==========================================

Not counted: 1149 (TerminalServices-RemoteConnectionManager, "User authentication succeeded"). It
is a *successful* network-level authentication: a legitimate user, or an account the attacker
already holds. Either way it is not an attempt to report to an abuse desk, and counting it would
put every colleague who works over RDP into the offender list. The same goes for 4776 and 4768
with a success status. 4776 events whose Workstation is the logging computer itself (the logon
ran locally, e.g. RDP without NLA) say nothing about the remote party and are not counted.

131 is counted although it records an accepted TCP connection, not a failure: an RDP brute force
against a server with NLA often leaves nothing else in that log. Legitimate RDP users show up as
well, so the operator decides (their addresses are usually private or own-network, and excluded).
``at`` is TimeCreated (when it happened), not the record header's time (when it was written, which
for an exported log is the export). ``location`` is the record number.

Ports: ``dst_port`` is our side's (5152's DestPort); ``src_port`` the offender's own, where the
event states it: ``IpPort`` of 4625/4771/4768 (the client's source port; "0" or "-" when the
logon did not come over the network: none then), 5152's ``SourcePort``, 131's ``ClientIP`` port.

Reading: the ``evtx`` parser wants a seekable file (it asks for the file size), but our stream is
not seekable in general (it may come out of gzip). An .evtx file is a 4 KiB header followed by
self-contained 64 KiB chunks (each with its own string and template tables), so we read one chunk
at a time and give the parser the file header plus that one chunk in memory: constant memory, no
temporary file, exact chunk numbers in errors. A corrupt chunk is skipped and counted (one error
per chunk; its events are unknown), and the chunks after it are still read.
"""

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime

from ..addresses import normalise
from ..base import Kind, LineFormat, ParseContext, Record, StreamFormat, json_object
from ..registry import register

try:
    from evtx import PyEvtxParser
except ImportError:  # pragma: no cover - the dependency is declared; say so instead of crashing
    PyEvtxParser = None

MAGIC = b"ElfFile\0"
CHUNK_MAGIC = b"ElfChnk\0"
HEADER_SIZE = 4096
CHUNK_SIZE = 65536
MAX_ERRORS_PER_CHUNK = 1000  # a chunk whose every record fails: stop asking after this many
OLDEST_TIME = datetime(1980, 1, 1, tzinfo=UTC)  # FILETIME 0 (1601) and the like mean "unknown"

SECURITY = "Microsoft-Windows-Security-Auditing"
RDP_CORE = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS"
INBOUND = "%%14592"
SUCCESS = frozenset(("0x0", "0", "0x00000000"))
NETWORK_LOGON_TYPES = frozenset(("3", "8", "10"))
EMPTY = frozenset(("", "-", "::", "0.0.0.0"))  # noqa: S104 - "no address" in event data

SIGNATURES = {
    4625: "4625 failed logon",
    4771: "4771 Kerberos pre-auth failed",
    4768: "4768 Kerberos TGT request failed",
    4776: "4776 NTLM authentication failed",
    4825: "4825 RDP access denied",
    5152: "5152 WFP packet dropped",
    131: "131 RDP connection",
    140: "140 RDP logon failed",
    18456: "18456 MSSQL login failed",
}
WANTED = frozenset(SIGNATURES)

_EVENT_ID = re.compile(r'"EventID"\s*:\s*(?:\{(?:[^{}]|\{[^{}]*\})*?"#text"\s*:\s*)?"?(\d+)')
_MSSQL_CLIENT = re.compile(r"\[CLIENT:\s*([^\]\s]+)\s*\]")
_ENDPOINT_PORT = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$")
_ANY_ADDRESS = re.compile(r"(?<![\w.:])(\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]*:[0-9A-Fa-f:.]+)(?![\w.:])")


def _text(value) -> str:
    """The text of a JSON value as the evtx package writes XML text (``#text`` may be a list)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        value = value.get("#text", "")
    if isinstance(value, list):
        return " ".join(_text(v) for v in value)
    return str(value).strip()


def _fields(event: dict) -> dict:
    """EventData and UserData as one mapping of raw JSON values (``Data`` for unnamed data);
    values are turned into text only when asked for, with ``_get``."""
    data, user = event.get("EventData"), event.get("UserData")
    if isinstance(data, dict) and not user:
        return data  # the common case: named fields already
    found: dict = {}
    if isinstance(user, dict):
        for key, value in user.items():
            if isinstance(value, dict) and "#text" not in value:
                found.update(value)  # UserData's inner element holds the named fields
            else:
                found[key] = value
    elif user:
        found["Data"] = user
    if isinstance(data, dict):
        found.update(data)
    elif data:
        found.setdefault("Data", data)
    return found


def _get(fields: dict, name: str) -> str:
    return _text(fields.get(name))


def _when(system: dict, fallback: str | None) -> datetime | None:
    created = system.get("TimeCreated")
    stamp = created.get("#attributes", {}).get("SystemTime") if isinstance(created, dict) else None
    for candidate in (stamp, fallback):
        if not candidate:
            continue
        try:
            at = datetime.fromisoformat(str(candidate).removesuffix(" UTC")).astimezone(UTC)
        except ValueError:
            continue
        if at >= OLDEST_TIME:
            return at
    return None


def _address(value: str) -> str | None:
    if value in EMPTY:
        return None
    return normalise(value)


def _port(text: str) -> int | None:
    """A port field; "0" (no network logon) and "-" are no port."""
    if text.isdigit():
        value = int(text)
        return value if 0 < value <= 65535 else None
    return None


def _endpoint_port(text: str) -> int | None:
    """The port of ``1.2.3.4:5555`` / ``[2001:db8::1]:5555``; None for a bare address."""
    m = _ENDPOINT_PORT.match(text)
    return _port(m.group(1)) if m else None


def _offender(event_id: int, provider: str, fields: dict, computer: str):
    """(offender, destination port, offender's source port) for an event we count, or None."""
    if provider == SECURITY:
        status = _get(fields, "Status").lower()
        if event_id == 4625:
            address = _address(_get(fields, "IpAddress"))
            if address is None:
                if _get(fields, "LogonType") in NETWORK_LOGON_TYPES:
                    host = _workstation(_get(fields, "WorkstationName"), computer)
                    return host and (host, None, None)  # IpPort is the address's; none here
                return None
            return address, None, _port(_get(fields, "IpPort"))
        if event_id == 4771 or (event_id == 4768 and status and status not in SUCCESS):
            address = _address(_get(fields, "IpAddress"))
            return address and (address, None, _port(_get(fields, "IpPort")))
        if event_id == 4776 and status and status not in SUCCESS:
            host = _workstation(_get(fields, "Workstation"), computer)
            return host and (host, None, None)
        if event_id == 4825:
            address = _address(_get(fields, "ClientAddress"))
            return address and (address, None, None)
        if event_id == 5152 and _get(fields, "Direction") in ("", INBOUND):
            address = _address(_get(fields, "SourceAddress"))
            return address and (address, _port(_get(fields, "DestPort")),
                                _port(_get(fields, "SourcePort")))
        return None
    if provider == RDP_CORE and event_id in (131, 140):
        for name in ("ClientIP", "IPString", "IpAddress", "ClientAddress"):
            if value := _get(fields, name):
                address = _address(value)
                return address and (address, None, _endpoint_port(value))
        if event_id == 140:  # field name unknown to us: the first address in the event data
            for value in fields.values():
                for match in _ANY_ADDRESS.finditer(_text(value)):
                    if address := normalise(match.group(1)):
                        return address, None, None
        return None
    if event_id == 18456 and provider.upper().startswith("MSSQL"):
        match = _MSSQL_CLIENT.search(" ".join(_text(v) for v in fields.values()))
        address = _address(match.group(1)) if match else None
        return address and (address, None, None)
    return None


def _workstation(name: str, computer: str) -> str | None:
    """A NetBIOS or DNS workstation name, kept as seen; None if empty or the logging host itself."""
    name = name.strip().strip("\\")
    if name in EMPTY:
        return None
    if name.split(".")[0].lower() == computer.split(".")[0].lower():
        return None
    return normalise(name) or name


def chunks(stream, ctx: ParseContext) -> Iterator[tuple[bytes, bytes, str]]:
    """(file header, one 64 KiB chunk, where) for each used chunk of an .evtx stream; a header or
    a chunk cut short is an error in ``ctx``. Chunk magic is checked by the reader of the chunk."""
    header = stream.read(HEADER_SIZE)
    if len(header) < HEADER_SIZE or header[:8] != MAGIC:
        ctx.error(None, "not a Windows event log, or its file header is cut short")
        return
    number = 0
    while True:
        chunk = stream.read(CHUNK_SIZE)
        if not chunk:
            return
        number += 1
        where = f"chunk {number} (offset {HEADER_SIZE + (number - 1) * CHUNK_SIZE})"
        if len(chunk) < CHUNK_SIZE:
            if chunk.strip(b"\0"):
                ctx.error(where, f"the file ends inside {where}; its events are lost")
            return
        if not chunk.strip(b"\0"):
            continue  # an unused chunk in a log that was never filled
        yield header, chunk, where


class Evtx(StreamFormat):
    name = "evtx"
    label = "Windows event log (.evtx)"

    def sniff(self, head: bytes) -> bool:
        return head[:8] == MAGIC

    def records(self, stream, ctx: ParseContext) -> Iterator[Record]:
        if PyEvtxParser is None:
            ctx.error(None, "the evtx package is not installed; Windows event logs cannot be read")
            return
        for header, chunk, where in chunks(stream, ctx):
            yield from self._chunk(header, chunk, where, ctx)

    def _chunk(self, header: bytes, chunk: bytes, where: str, ctx: ParseContext) -> Iterator[Record]:
        if chunk[:8] != CHUNK_MAGIC:
            ctx.error(where, f"{where} is corrupt (bad chunk magic {chunk[:8]!r}); skipped")
            return
        try:
            parser = PyEvtxParser(io.BytesIO(header + chunk), number_of_threads=1)
            events = parser.records_json()
        except (OSError, RuntimeError, ValueError) as exc:
            ctx.error(where, f"{where} cannot be read: {exc}")
            return
        failures = 0
        while True:
            try:
                raw = next(events)
            except StopIteration:
                return
            except (OSError, RuntimeError, ValueError) as exc:  # a corrupt record or template
                failures += 1
                ctx.error(where, f"an event in {where} cannot be read: {exc}")
                if failures >= MAX_ERRORS_PER_CHUNK:
                    return
                continue
            ctx.records += 1
            record = self._event(raw, ctx)
            if record is not None:
                yield record

    def _event(self, raw: dict, ctx: ParseContext) -> Record | None:
        data = raw.get("data") or ""
        match = _EVENT_ID.search(data)
        if match is None or int(match.group(1)) not in WANTED:
            return None  # the vast majority of events: not parsed any further
        location = raw.get("event_record_id")
        try:
            event = json.loads(data)["Event"]
            system = event["System"]
            provider = system.get("Provider", {}).get("#attributes", {}).get("Name", "")
            event_id = int(_text(system.get("EventID")))
            computer = _text(system.get("Computer"))
            found = _offender(event_id, provider, _fields(event), computer)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            ctx.error(location, f"event {location} is malformed: {type(exc).__name__}: {exc}")
            return None
        if not found:
            return None
        src, port, src_port = found
        kind = Kind.BLOCKED if event_id == 5152 else Kind.FAILED_LOGIN
        return Record(src=src, at=_when(system, raw.get("timestamp")), kind=kind,
                      dst=computer or None, dst_port=port, signature=SIGNATURES[event_id],
                      location=location, src_port=src_port)


_JSON_EVENT_ID = re.compile(r'"(?:EventID|EventId|event_id)"\s*:\s*'
                            r'(?:\{(?:[^{}]|\{[^{}]{0,200}\}){0,400}?"#text"\s*:\s*)?"?(\d{1,6})')
_FLAT_TIMES = ("EventTime", "TimeCreated", "SystemTime", "@timestamp", "EventReceivedTime", "timestamp")


def _flat_time(value, ctx: ParseContext) -> datetime | None:
    """A JSON export's time: ISO 8601 (with its zone, else in the evidence's zone, as NXLog writes
    ``EventTime`` in the collector's local time) or ``/Date(ms)/`` as PowerShell writes it."""
    text = _text(value)
    if text.startswith("/Date(") and text[6:].split(")")[0].lstrip("-").isdigit():
        return datetime.fromtimestamp(int(text[6:].split(")")[0]) / 1000, UTC)
    try:
        at = datetime.fromisoformat(text.removesuffix(" UTC").replace("Z", "+00:00"))
    except ValueError:
        return None
    at = ctx.local(at) if at.tzinfo is None else at.astimezone(UTC)
    return at if at >= OLDEST_TIME else None


class WindowsEventJson(LineFormat):
    """Windows events exported as JSON, one per line, read like the .evtx events above:

    - ``{"Event": {"System": {...}, "EventData": {...}}}`` (evtx_dump's and pyevtx's JSON);
    - Winlogbeat's ``{"@timestamp", "winlog": {"event_id", "provider_name", "computer_name",
      "event_data"}}``;
    - flat exports (NXLog, Security-Datasets, Graylog...): ``{"EventID", "SourceName" or
      "ProviderName", "Hostname", "EventTime", "IpAddress", ...}``.
    """

    name = "windows-event-json"
    label = "Windows events as JSON (evtx_dump, Winlogbeat, NXLog)"
    keywords = ('"EventID"', '"EventId"', '"event_id"')

    def parse_line(self, line, ctx):
        m = _JSON_EVENT_ID.search(line)
        if m is None:
            return None
        event = json_object(line)
        if event is None:
            return None
        shape = self._shape(event, ctx)
        if shape is None:
            return None
        if int(m.group(1)) not in WANTED:
            return []
        event_id, provider, computer, fields, at = shape
        try:
            found = _offender(event_id, provider, fields, computer)
        except (ValueError, KeyError, TypeError, AttributeError):
            return []
        if not found:
            return []
        src, port, src_port = found
        return Record(src=src, at=at, kind=Kind.BLOCKED if event_id == 5152 else Kind.FAILED_LOGIN,
                      dst=computer or None, dst_port=port, signature=SIGNATURES[event_id], src_port=src_port)

    @staticmethod
    def _shape(event: dict, ctx) -> tuple | None:
        """(event id, provider, computer, fields, time) of a recognised export, else None."""
        try:
            inner = event.get("Event")
            if isinstance(inner, dict) and isinstance(inner.get("System"), dict):
                system = inner["System"]
                provider = system.get("Provider")
                if isinstance(provider, dict):
                    provider = provider.get("#attributes", provider).get("Name", "")
                created = system.get("TimeCreated")
                stamp = created.get("#attributes", created).get("SystemTime") if isinstance(created, dict) \
                    else created
                return (int(_text(system.get("EventID"))), str(provider or ""), _text(system.get("Computer")),
                        _fields(inner), _flat_time(stamp, ctx) if stamp else None)
            winlog = event.get("winlog")
            if isinstance(winlog, dict) and "event_id" in winlog:
                fields = {**(winlog.get("user_data") or {}), **(winlog.get("event_data") or {})}
                return (int(_text(winlog["event_id"])), str(winlog.get("provider_name") or ""),
                        _text(winlog.get("computer_name")), fields, _flat_time(event.get("@timestamp"), ctx))
            if "EventID" in event or "EventId" in event:
                provider = event.get("SourceName") or event.get("ProviderName") or event.get("Provider") or ""
                computer = event.get("Hostname") or event.get("Computer") or event.get("MachineName") or ""
                stamp = next((event[key] for key in _FLAT_TIMES if event.get(key)), None)
                event_id = int(_text(event.get("EventID", event.get("EventId"))))
                at = _flat_time(stamp, ctx) if stamp else None
                return event_id, _text(provider), _text(computer), event, at
        except (ValueError, TypeError, AttributeError):
            return None
        return None


register(Evtx())
register(WindowsEventJson())
