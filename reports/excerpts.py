"""Per-ISP evidence excerpts: the lines, packets and events that name one report's addresses,
with our own internal addresses and host names redacted, zipped with a manifest, under a size cap.

``build_excerpts`` reads each evidence file once and serves every group (one group per report,
i.e. per abuse contact) from that single pass:

- text (every line format, gzip, zip archives of logs): a line belongs to a group when an address
  literal in it (zero-padded IPv4, IPv4-mapped or bracketed IPv6, ``1.2.3.4:22``...) normalises
  to one of the group's addresses, or one of the group's host names is a whole token of it.
  Windows event XML pretty-printed over several lines is taken one ``<Event>`` block at a time.
- pcap and pcapng: a packet belongs to a group when its IP source or destination is one of the
  group's addresses. A classic pcap comes out as a classic pcap (link type, snap length and
  nanosecond resolution kept); a pcapng comes out as a pcapng (one interface description per
  input interface a kept packet uses: link type, snap length, time resolution and offset, no
  other options, since names and addresses of our interfaces live there; packets keep their
  original timestamps). Internal addresses in the IP header are rewritten to documentation
  addresses and the IPv4 header checksum recomputed; TCP/UDP checksums are *not* recomputed (they
  cover the pseudo-header, so a rewritten packet's transport checksum no longer verifies), and
  payloads, ICMP-quoted headers and non-IP packets are left alone (non-IP packets are never kept).
- .evtx: each event's XML that names a group's address, redacted, as one XML text file.

Each evidence file, and each member of an evidence zip archive, is one manifest entry and at most
one zip member. Evidence rows are read through Django's storage API, as ``evidence_open`` does,
but without its audit record: the caller (report composition) records that the evidence was used.

Anything else, or anything unreadable, becomes a manifest entry with an ``error``: never an
exception. Matches are spooled to temporary files (bounded memory) and collection stops at an
uncompressed budget well beyond the cap, while counting goes on. The zip is then built and, if it
exceeds the cap, every file is trimmed to its earliest lines/packets in proportion until it fits.
"""

import fnmatch
import io
import ipaddress
import math
import re
import socket
import struct
import tempfile
import textwrap
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field

import ahocorasick
from django.conf import settings

from incidents.parsers.addresses import normalise
from incidents.parsers.base import ParseContext
from incidents.parsers.formats import evtx as evtx_format
from incidents.parsers.formats import pcap as pcap_format
from incidents.parsers.registry import (
    HEAD_BYTES,
    bounded_lines,
    gunzipped,
    looks_binary,
    zip_members,
)

ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)  # fixed: the same inputs give the same bytes
MANIFEST_NAME = "MANIFEST.txt"
MAX_MEMBER_NAME = 100
BUDGET_FACTOR = 20  # collect at most this many times the cap, uncompressed, per group
MIN_BUDGET = 4 << 20
SPOOL_IN_MEMORY = 1 << 20
MAX_BLOCK_CHARS = 1 << 20  # one <Event> block of Windows event XML
SHRINK_ROUNDS = 40

LINES, PACKETS, RECORDS = "lines", "packets", "records"
ITEM, HEADER = b"i", b"h"  # spool entries: a counted item, or a block that is no item (pcapng IDB)

# Address literals: bracketed IPv6, bare IPv6 (at least two colons), IPv4. Each candidate is
# checked with ``normalise``, so timestamps and MACs fall away; an IPv6 candidate that is no
# address is searched again for IPv4 inside it.
_V6 = re.compile(r"\[(?P<b>[0-9A-Fa-f:.]+(?:%[\w.]+)?)\]"
                 r"|(?<![\w:.])(?P<v>(?:[0-9A-Fa-f]{0,4}:){2,8}"
                 r"(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4})?)(?![\w:])")
_V4 = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?!\d)")
_ADDRESS = re.compile(f"{_V6.pattern}|(?P<f>{_V4.pattern})")  # one left-to-right pass
# IPv6 spellings the canonical (lower-case) text is not a substring of: a zero group written out
# or a group with a leading zero (timestamps' ":05:" excluded). Zero-padded IPv4 spellings are
# words of the automaton instead (see ``_v4_spellings``).
_UNUSUAL_V6 = re.compile(r":0(?:[:\]]|[0-9a-f]?[a-f]|[0-9a-f]{2})")
_EVENT_START = re.compile(r"<Event(?=[\s>/])")
_TOKEN = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?")  # a host name as written
# A host name to redact stops at an underscore too (DNS names have none): "db1.corp.lan_old".
_HOST_TOKEN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
_SYSLOG_HOST = re.compile(
    r"^(?:<\d{1,3}>\d?\s*)?"
    r"(?:[A-Z][a-z]{2}\s+\d{1,2}\s+\d\d:\d\d:\d\d(?:\.\d+)?(?:\s+\d{4})?"
    r"|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)"
    r"\s+(?P<host>[^\s:\[]+)(?=\s)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._+-]+")

V4_DOCUMENTATION = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24",
                                                       "203.0.113.0/24")]
V6_DOCUMENTATION = ipaddress.ip_network("2001:db8::/32")


# ---------------------------------------------------------------------------------------------
# Redaction


@dataclass
class Redactions:
    """What was redacted, for the preview: original -> placeholder, and how often (by original).
    Never written into the excerpt itself."""

    replaced: dict[str, str] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    packets: dict[str, str] = field(default_factory=dict)  # address -> documentation address

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class Redactor:
    """Replaces our internal addresses and host names by placeholders that are stable within one
    report (the same address is always ``internal-ip-1``), so an ISP can still correlate lines.

    Built from settings unless given: ``networks`` (REPORT_REDACT_NETWORKS_PARSED),
    ``hostname_patterns`` (REPORT_REDACT_HOSTNAMES: shell-style or exact, case-insensitive) and
    ``redact_syslog_host`` (REPORT_REDACT_SYSLOG_HOST: the host column of syslog lines, which is
    always ours). ``keep``: the offenders' own addresses and host names, never redacted.
    """

    def __init__(self, *, networks=None, hostname_patterns=None, redact_syslog_host=None,
                 keep: Iterable[str] = ()):
        if networks is None:
            networks = settings.REPORT_REDACT_NETWORKS_PARSED
        if hostname_patterns is None:
            hostname_patterns = settings.REPORT_REDACT_HOSTNAMES
        if redact_syslog_host is None:
            redact_syslog_host = settings.REPORT_REDACT_SYSLOG_HOST
        self.networks = tuple(ipaddress.ip_network(n, strict=False) if isinstance(n, str) else n
                              for n in networks)
        self.hostname_patterns = tuple(p.strip() for p in hostname_patterns if p.strip())
        self.redact_syslog_host = bool(redact_syslog_host)
        self.keep = {_source_key(k) for k in keep}
        self._host_pattern = re.compile(
            "|".join(f"(?:{fnmatch.translate(p.lower())})" for p in self.hostname_patterns),
            re.IGNORECASE) if self.hostname_patterns else None
        self._internal: dict[str, bool] = {}
        self._packed: dict[bytes, bytes] = {}
        self._serial = Counter()
        self.redactions = Redactions()

    def describe(self) -> str:
        """The rule, without any of the values it hides (our network and domain names)."""
        parts = [f"IP addresses inside our {len(self.networks)} internal network(s)"]
        if self.hostname_patterns:
            parts.append(f"host names matching our {len(self.hostname_patterns)} "
                         "internal host-name pattern(s)")
        if self.redact_syslog_host:
            parts.append("the host column of syslog lines")
        return "; ".join(parts)

    # --- decisions ------------------------------------------------------------------------------

    def is_internal(self, address: str) -> bool:
        hit = self._internal.get(address)
        if hit is None:
            try:
                addr = ipaddress.ip_address(address)
            except ValueError:
                return False
            hit = address not in self.keep and any(
                addr in net for net in self.networks if net.version == addr.version)
            self._internal[address] = hit
        return hit

    def is_internal_host(self, name: str) -> bool:
        lowered = name.lower().rstrip(".")
        return (self._host_pattern is not None and lowered not in self.keep
                and self._host_pattern.fullmatch(lowered) is not None)

    def _placeholder(self, original: str, kind: str) -> str:
        placeholder = self.redactions.replaced.get(original)
        if placeholder is None:
            self._serial[kind] += 1
            placeholder = f"internal-{kind}-{self._serial[kind]}"
            self.redactions.replaced[original] = placeholder
        self.redactions.counts[original] += 1
        return placeholder

    # --- text -----------------------------------------------------------------------------------

    def text(self, line: str) -> str:
        """``line`` with internal addresses (any written form, a port kept), internal host names
        and, if configured, the syslog host column replaced by placeholders."""
        if self.redact_syslog_host and (m := _SYSLOG_HOST.match(line)):
            host = m.group("host")
            address = normalise(host)
            if (address or host.lower()) not in self.keep and not host.startswith("internal-"):
                placeholder = self._placeholder(address or host.lower(), "ip" if address else "host")
                line = line[:m.start("host")] + placeholder + line[m.end("host"):]
        line = _ADDRESS.sub(self._address, line)
        if self._host_pattern is not None:
            line = _HOST_TOKEN.sub(self._host, line)
        return line

    def _address(self, m: re.Match) -> str:
        written = m.group("b") or m.group("v") or m.group("f")
        address = normalise(written)
        if address is None:
            return _V4.sub(self._v4, m.group(0)) if m.group("f") is None else m.group(0)
        if not self.is_internal(address):
            return m.group(0)
        placeholder = self._placeholder(address, "ip")
        return f"[{placeholder}]" if m.group("b") else placeholder

    def _v4(self, m: re.Match) -> str:
        address = normalise(m.group(0))
        if address is None or not self.is_internal(address):
            return m.group(0)
        return self._placeholder(address, "ip")

    def _host(self, m: re.Match) -> str:
        token = m.group(0)
        if token.startswith("internal-") or not self.is_internal_host(token):
            return token
        return self._placeholder(token.lower().rstrip("."), "host")

    # --- packets --------------------------------------------------------------------------------

    def address_bytes(self, packed: bytes) -> bytes:
        """A packed IPv4/IPv6 address; an internal one becomes a documentation address
        (192.0.2.x, then 198.51.100.x and 203.0.113.x; 2001:db8::x), stable per original. Beyond
        762 distinct internal IPv4 addresses in one report the IPv4 placeholders repeat."""
        if len(packed) not in (4, 16):
            return packed
        out = self._packed.get(packed)
        if out is None:
            family = socket.AF_INET if len(packed) == 4 else socket.AF_INET6
            text = socket.inet_ntop(family, packed)
            if not self.is_internal(text):
                out = self._packed[packed] = packed
            else:
                kind = "v4" if len(packed) == 4 else "v6"
                self._serial[kind] += 1
                n = self._serial[kind]
                if kind == "v4":
                    net = V4_DOCUMENTATION[((n - 1) // 254) % len(V4_DOCUMENTATION)]
                    doc = net.network_address + ((n - 1) % 254 + 1)
                else:
                    doc = V6_DOCUMENTATION.network_address + n
                out = self._packed[packed] = doc.packed
                self.redactions.packets[text] = str(doc)
        if out is not packed and out != packed:
            family = socket.AF_INET if len(packed) == 4 else socket.AF_INET6
            self.redactions.counts[socket.inet_ntop(family, packed)] += 1
        return out


def _source_key(value: str) -> str:
    """An offender source as compared: a normalised address, or a host name in lower case."""
    return normalise(value) or value.strip().lower().rstrip(".")


# ---------------------------------------------------------------------------------------------
# Results


@dataclass
class ExcerptFile:
    """One manifest entry: one evidence file (or one member of an evidence zip archive).

    ``total``: the lines/packets/records of this file that name the group's addresses; ``kept``:
    how many of them are in the zip (fewer when the size cap trimmed the file); ``scanned``: all
    lines/packets/records read from the file."""

    original_name: str
    sha256: str
    format: str
    kind: str
    kept: int
    total: int
    trimmed: bool
    member_name: str
    error: str = ""
    scanned: int = 0


@dataclass
class Excerpt:
    zip_bytes: bytes
    files: list[ExcerptFile]
    inline_lines: list[str]
    redactions: Redactions
    trimmed: bool
    size: int


# ---------------------------------------------------------------------------------------------
# Evidence access: Evidence model instances and lightweight test objects alike


@dataclass
class _Source:
    original_name: str
    sha256: str
    detected_format: str
    open: Callable


def _source(item) -> _Source:
    """Evidence (read through the storage API) or anything with ``original_name``, ``sha256``,
    ``detected_format`` and ``open()``."""
    stored = getattr(item, "file", None)
    opener = item.open if stored is None or not hasattr(stored, "storage") else (
        lambda: stored.storage.open(stored.name, "rb"))
    return _Source(original_name=str(getattr(item, "original_name", "") or "evidence"),
                   sha256=str(getattr(item, "sha256", "") or ""),
                   detected_format=str(getattr(item, "detected_format", "") or ""),
                   open=opener)


# ---------------------------------------------------------------------------------------------
# Matching lines to groups


class _Groups:
    """Which groups a line names. An Aho-Corasick automaton over the canonical text of every
    group's addresses and host names is the fast path; lines it misses are looked at more closely
    only when they hold an unusual address spelling (zero-padded, upper-case or padded IPv6)."""

    def __init__(self, groups: dict[Hashable, set[str]]):
        self.addresses: dict[str, set] = {}
        self.hosts: dict[str, set] = {}
        for key, sources in groups.items():
            for source in sources:
                address = normalise(source)
                if address is not None:
                    self.addresses.setdefault(address, set()).add(key)
                elif source.strip():
                    self.hosts.setdefault(source.strip().lower().rstrip("."), set()).add(key)
        words = {*self.addresses, *self.hosts}
        for address in self.addresses:
            if "." in address and ":" not in address:
                words.update(_v4_spellings(address))
        self.automaton = None
        if words:
            self.automaton = ahocorasick.Automaton()
            for word in sorted(words):
                self.automaton.add_word(word, word)
            self.automaton.make_automaton()

    def of_text(self, text: str) -> set:
        if self.automaton is None:
            return set()
        lowered = text.lower()
        if next(self.automaton.iter(lowered), None) is None and not (
                ":" in lowered and _UNUSUAL_V6.search(lowered)):
            return set()
        found: set = set()
        for m in _ADDRESS.finditer(text):
            if not self._address(m.group("b") or m.group("v") or m.group("f"), found):
                for inner in _V4.finditer(m.group(0)):
                    self._address(inner.group(0), found)
        if self.hosts:
            for m in _TOKEN.finditer(lowered):
                keys = self.hosts.get(m.group(0).rstrip("."))
                if keys:
                    found |= keys
        return found

    def _address(self, written: str, found: set) -> bool:
        """Add the groups of one candidate; False if it is no address at all."""
        address = normalise(written)
        if address is not None and (keys := self.addresses.get(address)):
            found |= keys
        return address is not None

    def of_packed(self, packed: bytes) -> set:
        family = socket.AF_INET if len(packed) == 4 else socket.AF_INET6
        return self.addresses.get(socket.inet_ntop(family, packed), set())


# ---------------------------------------------------------------------------------------------
# Collecting: one part (output member) per evidence file or zip member, one spool per group


class _Spool:
    """One group's kept items of one part, in a temporary file (in memory while small)."""

    def __init__(self):
        # closed by build_excerpts once every zip is written
        self.file = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
        self.items = 0  # collected (a prefix of the matching ones)
        self.total = 0  # matching, collected or not
        self.cut = False  # the budget stopped collection

    def add(self, payload: bytes, kind: bytes = ITEM) -> None:
        self.file.write(kind + struct.pack("<I", len(payload)) + payload)

    def entries(self) -> Iterator[tuple[bytes, bytes]]:
        self.file.seek(0)
        while head := self.file.read(5):
            (length,) = struct.unpack("<I", head[1:])
            yield head[:1], self.file.read(length)


@dataclass
class _Part:
    original_name: str
    sha256: str
    format: str
    kind: str = LINES
    scanned: int = 0
    error: str = ""
    header: Callable[[], bytes] | None = None  # the output file's header (pcap/pcapng)
    spools: dict = field(default_factory=dict)


class _Collector:
    """Shared state of one ``build_excerpts`` run."""

    def __init__(self, groups: dict, redactors: dict, budget: int, inline: int):
        self.match = _Groups(groups)
        self.redactors = redactors
        self.budget = budget
        self.collected = Counter()  # uncompressed bytes collected per group
        self.inline: dict = {key: [] for key in groups}
        self.inline_max = inline
        self.parts: list[_Part] = []

    def spool(self, part: _Part, key) -> _Spool:
        spool = part.spools.get(key)
        if spool is None:
            spool = part.spools[key] = _Spool()
        return spool

    def room(self, key, spool: _Spool, size: int) -> bool:
        """Count one matching item; may it still be collected?"""
        spool.total += 1
        if spool.cut or self.collected[key] + size > self.budget:
            spool.cut = True
            return False
        self.collected[key] += size
        spool.items += 1
        return True

    def text_item(self, part: _Part, text: str) -> None:
        for key in self.match.of_text(text):
            spool = self.spool(part, key)
            if not self.room(key, spool, len(text) + 1):
                continue
            redacted = self.redactors[key].text(text)
            spool.add(redacted.encode("utf-8", errors="replace") + b"\n")
            if part.kind == LINES and len(self.inline[key]) < self.inline_max:
                self.inline[key].append(redacted)


def _v4_spellings(address: str) -> list[str]:
    """Every zero-padded way to write an IPv4 address (at most 81): ``1.2.3.4``, ``001.02.3.004``..."""
    spellings = [""]
    for octet in address.split("."):
        forms = [octet.zfill(width) for width in range(len(octet), 4)]
        spellings = [f"{done}.{form}" if done else form for done in spellings for form in forms]
    return spellings


def _sniff(head: bytes) -> str:
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head[:4] == b"PK\x03\x04":
        return "zip"
    if head[:4] in pcap_format.PCAP_MAGICS and len(head) >= 24:
        return "pcap"
    if head[:4] == pcap_format.PCAPNG_SHB and head[8:12] in pcap_format.PCAPNG_BYTE_ORDER:
        return "pcapng"
    if head[:8] == evtx_format.MAGIC:
        return "evtx"
    if not head:
        return "empty"
    return "binary" if looks_binary(head) else "text"


def _read(collector: _Collector, stream, part: _Part, raw=None, nested: bool = False,
          ctx: ParseContext | None = None) -> None:
    """Dispatch one stream by its content; zip archives add one part per member."""
    ctx = ctx or ParseContext()
    stream = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(
        stream, buffer_size=1 << 20)
    what = _sniff(stream.peek(HEAD_BYTES)[:HEAD_BYTES])
    if what == "gzip":
        _read(collector, gunzipped(stream, ctx), part, nested=True, ctx=ctx)
        return
    if what == "zip" and not nested and raw is not None and raw.seekable():
        _read_zip(collector, raw, part)
        return
    part.format = part.format or what
    collector.parts.append(part)
    reader = _READERS.get(what)
    if reader is None:
        part.error = {
            "empty": "the file is empty",
            "zip": "a zip archive inside another compressed file is not read",
        }.get(what, "binary data in no format we can cut (text, pcap, pcapng, evtx, gzip, zip)")
        return
    try:
        reader(collector, stream, part, ctx)
    except Exception as exc:  # a corruption nobody foresaw ends this file, never the report
        part.error = f"reading stopped: {type(exc).__name__}: {exc}"
    if ctx.errors and not part.error:
        part.error = "; ".join(e["error"] for e in ctx.errors[:3])


def _read_zip(collector: _Collector, raw, archive: _Part) -> None:
    ctx = ParseContext()
    raw.seek(0)
    members = 0
    for name, member in zip_members(raw, ctx):
        members += 1
        part = _Part(original_name=f"{archive.original_name}/{name}", sha256=archive.sha256,
                     format="")
        _read(collector, member, part, nested=True)
    if not members or ctx.errors:
        archive.format = archive.format or "zip"
        archive.error = "; ".join(e["error"] for e in ctx.errors[:3]) or "no file in the archive"
        collector.parts.append(archive)


def _read_text(collector: _Collector, stream, part: _Part, ctx: ParseContext) -> None:
    if stream.peek(2)[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = io.TextIOWrapper(stream, encoding="utf-16", errors="replace")
        raws = (line.encode("utf-8") for line in text)
    else:
        raws = bounded_lines(stream, ctx)
    block: list[str] | None = None  # lines of an <Event> block of Windows event XML
    size = 0
    for raw in raws:
        if raw is None:
            part.scanned += 1
            continue
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if block is not None:
            block.append(line)
            size += len(line)
            if "</Event>" in line or size > MAX_BLOCK_CHARS:
                part.scanned += 1
                collector.text_item(part, "\n".join(block))
                block = None
            continue
        if (start := _EVENT_START.search(line)) and "</Event>" not in line[start.start():]:
            part.kind = RECORDS
            block, size = [line], len(line)
            continue
        part.scanned += 1
        if line.strip():
            collector.text_item(part, line)
    if block is not None:
        part.scanned += 1
        collector.text_item(part, "\n".join(block))


def _read_evtx(collector: _Collector, stream, part: _Part, ctx: ParseContext) -> None:
    part.kind = RECORDS
    if evtx_format.PyEvtxParser is None:
        part.error = "the evtx package is not installed"
        return
    for header, chunk, where in evtx_format.chunks(stream, ctx):
        if chunk[:8] != evtx_format.CHUNK_MAGIC:
            ctx.error(where, f"{where} is corrupt (bad chunk magic); skipped")
            continue
        try:
            records = evtx_format.PyEvtxParser(io.BytesIO(header + chunk),
                                               number_of_threads=1).records()
            while True:
                try:
                    record = next(records)
                except StopIteration:
                    break
                except (OSError, RuntimeError, ValueError):
                    continue  # one unreadable event: the others of the chunk still count
                part.scanned += 1
                xml = record.get("data") or ""
                if xml.startswith("<?xml"):
                    xml = xml.split("?>", 1)[-1].lstrip()
                collector.text_item(part, xml)
        except (OSError, RuntimeError, ValueError) as exc:
            ctx.error(where, f"{where} cannot be read: {exc}")
    if ctx.errors:
        part.error = "; ".join(e["error"] for e in ctx.errors[:3])


# --- packets ----------------------------------------------------------------------------------


# Where the source and destination addresses sit in an IP header: (offset, length) by version.
_ADDRESS_FIELDS = {4: ((12, 4), (16, 4)), 6: ((8, 16), (24, 16))}


def _rewrite(redactor: Redactor, data: bytes, ip: int, version: int) -> bytes:
    """The packet with internal addresses in its IP header replaced (IPv4 checksum recomputed)."""
    fields = [(ip + offset, ip + offset + length) for offset, length in _ADDRESS_FIELDS[version]]
    old = [data[start:end] for start, end in fields]
    new = [redactor.address_bytes(address) for address in old]
    if new == old:
        return data
    out = bytearray(data)
    for (start, end), address in zip(fields, new, strict=True):
        out[start:end] = address
    header = (out[ip] & 0x0F) * 4
    if version == 4 and ip + header <= len(out):
        out[ip + 10:ip + 12] = b"\0\0"
        out[ip + 10:ip + 12] = struct.pack(">H", ipv4_checksum(bytes(out[ip:ip + header])))
    return bytes(out)


def ipv4_checksum(header: bytes) -> int:
    """The Internet checksum of an IPv4 header whose checksum field is zero."""
    if len(header) % 2:
        header += b"\0"
    total = sum(struct.unpack(f">{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _packet_groups(collector: _Collector, linktype: int, order: str, data: bytes):
    """(groups, IP offset, version) of one packet, or None when it is not a readable IP packet."""
    try:
        found = pcap_format.locate_ip(linktype, data, 0, len(data), order)
    except (KeyError, pcap_format.Malformed, IndexError, struct.error):
        return None
    if found is None:
        return None
    ip, version = found
    width = 4 if version == 4 else 16
    first = ip + (12 if version == 4 else 8)
    if first + 2 * width > len(data) or data[ip] >> 4 != version:
        return None
    keys = (collector.match.of_packed(data[first:first + width])
            | collector.match.of_packed(data[first + width:first + 2 * width]))
    return (keys, ip, version) if keys else None


def _read_pcap(collector: _Collector, stream, part: _Part, ctx: ParseContext) -> None:
    part.kind = PACKETS
    reader = pcap_format.ChunkReader(stream)
    if not reader.fill(24):
        part.error = "the pcap file header is cut short"
        return
    order, nanos, record_header = pcap_format.PCAP_MAGICS[reader.buf[:4]]
    snaplen, link_field = struct.unpack_from(order + "II", reader.buf, 16)
    linktype = link_field & pcap_format.LINKTYPE_MASK
    if linktype not in pcap_format.LINK_LAYERS:
        part.error = f"link-layer type {linktype} is not supported; no packet could be matched"
    magic = 0xA1B23C4D if nanos else 0xA1B2C3D4
    part.header = lambda: struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, link_field)
    reader.pos = 24
    unpack = struct.Struct(order + "IIII").unpack_from
    while True:
        if not reader.fill(record_header):
            if reader.leftover():
                part.error = "the file ends inside a packet header"
            return
        seconds, fraction, caplen, length = unpack(reader.buf, reader.pos)
        if caplen > pcap_format.MAX_PACKET:
            part.error = f"a packet header claims {caplen} bytes: the file is corrupt from there on"
            return
        if not reader.fill(record_header + caplen):
            part.error = "the file ends inside a packet"
            return
        start = reader.pos + record_header
        data = reader.buf[start:start + caplen]
        reader.pos = start + caplen
        part.scanned += 1
        found = _packet_groups(collector, linktype, order, data)
        if found is None:
            continue
        keys, ip, version = found
        for key in keys:
            spool = collector.spool(part, key)
            if collector.room(key, spool, 16 + caplen):
                packet = _rewrite(collector.redactors[key], data, ip, version)
                spool.add(struct.pack("<IIII", seconds, fraction, caplen, length) + packet)


def _block(block_type: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    length = len(body) + 12
    return struct.pack("<II", block_type, length) + body + struct.pack("<I", length)


def _interface_block(linktype: int, snaplen: int, units: int, offset: int) -> bytes:
    options = b""
    if units != 1_000_000:
        exponent = round(math.log10(units))
        value = exponent if 10**exponent == units else 0x80 | (units.bit_length() - 1)
        options += struct.pack("<HHB3x", pcap_format.OPT_IF_TSRESOL, 1, value)
    if offset:
        options += struct.pack("<HHq", pcap_format.OPT_IF_TSOFFSET, 8, offset)
    if options:
        options += b"\0\0\0\0"
    return _block(pcap_format.BT_IDB, struct.pack("<HHI", linktype, 0, snaplen) + options)


def _read_pcapng(collector: _Collector, stream, part: _Part, ctx: ParseContext) -> None:
    part.kind = PACKETS
    part.header = lambda: _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    reader = pcap_format.ChunkReader(stream)
    order, section = "<", 0
    interfaces: list[tuple[int, int, int, int]] = []  # linktype, snaplen, units, offset
    assigned: dict = {}  # (group, section, interface) -> output interface number
    next_id = Counter()
    while True:
        if not reader.fill(12):
            if reader.leftover():
                part.error = "the file ends inside a block header"
            return
        buf, pos = reader.buf, reader.pos
        if buf[pos:pos + 4] == pcap_format.PCAPNG_SHB:
            order = pcap_format.PCAPNG_BYTE_ORDER.get(buf[pos + 8:pos + 12])
            if order is None:
                part.error = "a section header with an unknown byte order"
                return
            section += 1
            interfaces = []
        block_type, length = struct.unpack_from(order + "II", buf, pos)
        if length < 12 or length % 4 or length > pcap_format.MAX_BLOCK:
            part.error = f"a block of length {length}: the file is corrupt from there on"
            return
        if not reader.fill(length):
            part.error = "the file ends inside a block"
            return
        buf, pos = reader.buf, reader.pos
        reader.pos = pos + length
        body, body_end = pos + 8, pos + length - 4
        if block_type == pcap_format.BT_IDB:
            read = pcap_format.read_interface(buf[body:body_end], order, ctx)
            snaplen = struct.unpack_from(order + "I", buf, body + 4)[0]
            interfaces.append((read.linktype, snaplen, read.units, read.offset))
            continue
        if block_type in (pcap_format.BT_EPB, pcap_format.BT_PB):
            if block_type == pcap_format.BT_EPB:
                iface, high, low, caplen, length_orig = struct.unpack_from(order + "IIIII", buf, body)
            else:
                iface, _drops, high, low, caplen, length_orig = struct.unpack_from(
                    order + "HHIIII", buf, body)
            start = body + 20
        elif block_type == pcap_format.BT_SPB:
            iface, high, low = 0, 0, 0
            length_orig = struct.unpack_from(order + "I", buf, body)[0]
            start = body + 4
            caplen = min(length_orig, body_end - start)
        else:
            continue
        part.scanned += 1
        if iface >= len(interfaces) or start + caplen > body_end:
            continue
        if interfaces[iface][0] not in pcap_format.LINK_LAYERS and not part.error:
            part.error = (f"link-layer type {interfaces[iface][0]} is not supported; its packets "
                          "could not be matched")
        data = buf[start:start + caplen]
        found = _packet_groups(collector, interfaces[iface][0], order, data)
        if found is None:
            continue
        keys, ip, version = found
        for key in keys:
            spool = collector.spool(part, key)
            if not collector.room(key, spool, 32 + caplen):
                continue
            out_iface = assigned.get((key, section, iface))
            if out_iface is None:
                out_iface = assigned[key, section, iface] = next_id[key]
                next_id[key] += 1
                spool.add(_interface_block(*interfaces[iface]), HEADER)
            packet = _rewrite(collector.redactors[key], data, ip, version)
            spool.add(_block(pcap_format.BT_EPB, struct.pack(
                "<IIIII", out_iface, high, low, caplen, length_orig) + packet))


_READERS = {"text": _read_text, "evtx": _read_evtx, "pcap": _read_pcap, "pcapng": _read_pcapng}


# ---------------------------------------------------------------------------------------------
# Writing the zip


def member_name(name: str, kind: str, taken: set[str]) -> str:
    """A safe, unique member name from an original file name: the base name only, no control or
    unusual characters, no leading dots, bounded length, and an extension that says what it is."""
    base = unicodedata.normalize("NFKC", name).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    base = _UNSAFE_NAME.sub("_", _CONTROL.sub("", base)).strip("._-") or "evidence"
    for packed in (".gz", ".zip"):
        if base.lower().endswith(packed) and len(base) > len(packed):
            base = base[:-len(packed)]
    suffix = {LINES: ".txt", RECORDS: ".xml"}.get(kind, "")
    if kind == PACKETS:
        suffix = ".pcapng" if base.lower().endswith(".pcapng") else ".pcap"
        base = re.sub(r"\.(pcapng|pcap|cap)$", "", base, flags=re.IGNORECASE) or "capture"
    elif base.lower().endswith(suffix) or (kind == LINES and base.lower().endswith(".log")):
        suffix = ""
    stem, dot, extension = (base + suffix).rpartition(".")
    if not dot or not stem:
        stem, extension = base + suffix, ""
    extension = "." + extension[:16] if extension else ""
    stem = stem[:MAX_MEMBER_NAME - len(extension) - 6]
    candidate, n = stem + extension, 1
    while candidate.lower() in taken or candidate.lower() == MANIFEST_NAME.lower():
        n += 1
        candidate = f"{stem}-{n}{extension}"
    taken.add(candidate.lower())
    return candidate


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    return info


def _write_zip(entries: list[tuple[ExcerptFile, _Part, _Spool | None]], manifest: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_zip_info(MANIFEST_NAME), manifest.encode("utf-8"))
        for entry, part, spool in entries:
            if spool is None or not entry.kept:
                continue
            with archive.open(_zip_info(entry.member_name), "w") as member:
                if part.header is not None:
                    member.write(part.header())
                items = 0
                for kind, payload in spool.entries():
                    if kind == ITEM:
                        if items >= entry.kept:
                            break
                        items += 1
                    member.write(payload)
    return out.getvalue()


def _manifest(entries: list[ExcerptFile], shown: list[tuple[str, str]], redactor: Redactor,
              cap: int) -> str:
    """MANIFEST.txt; ``shown``: each entry's name and error, already redacted."""
    lines = ["Evidence excerpt", "================", "",
             "Each file below holds only the lines, packets or events of our evidence that name",
             "the addresses of this report, in their original order.", ""]
    if not any(e.kept for e in entries):
        lines += ["No line, packet or event in the evidence names these addresses.", ""]
    for e, (name, error) in zip(entries, shown, strict=True):
        unit = {LINES: "lines", PACKETS: "packets", RECORDS: "records"}[e.kind]
        lines.append(f"File: {name}")
        lines.append(f"  SHA-256: {e.sha256 or 'unknown'}")
        lines.append(f"  Format: {e.format or 'unknown'}")
        if e.error:
            lines.append(f"  Error: {error}")
        if e.kept:
            lines.append(f"  Excerpt: {e.member_name}")
        lines.append(f"  Kept: {e.kept} of {e.total} {unit} naming these addresses "
                     f"({e.scanned} {unit} read)")
        if e.trimmed:
            lines.append(f"  trimmed: {e.kept} of {e.total} {unit} kept because of the size cap "
                         f"({cap} bytes)")
        lines.append("")
    redactions = redactor.redactions
    rule = f"Replaced by stable placeholders (internal-ip-N, internal-host-N): {redactor.describe()}."
    lines += ["Redaction", "---------", *textwrap.wrap(rule, 90),
              "In packet captures, internal addresses in IP headers are replaced by documentation",
              "addresses (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) and the IPv4",
              "header checksum is recomputed; TCP/UDP checksums are not, and payloads are unchanged.",
              "The addresses this report is about are never redacted.",
              f"Replacements made: {redactions.total} ({len(redactions.replaced)} distinct values).",
              ""]
    return "\n".join(lines)


def _empty_zip(note: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if note:
            archive.writestr(_zip_info(MANIFEST_NAME), note.encode("utf-8"))
    return out.getvalue()


def _excerpt(key, collector: _Collector, cap: int) -> Excerpt:
    """Assemble one group's zip, trimming every file in proportion until the zip fits ``cap``."""
    redactor = collector.redactors[key]
    taken: set[str] = set()
    entries: list[tuple[ExcerptFile, _Part, _Spool | None]] = []
    shown: list[tuple[str, str]] = []
    for part in collector.parts:
        spool = part.spools.get(key)
        kept = spool.items if spool else 0
        total = spool.total if spool else 0
        shown.append((redactor.text(part.original_name), redactor.text(part.error)))
        name = member_name(shown[-1][0], part.kind, taken) if kept else ""
        entries.append((ExcerptFile(
            original_name=part.original_name, sha256=part.sha256, format=part.format,
            kind=part.kind, kept=kept, total=total, trimmed=kept < total, member_name=name,
            error=part.error, scanned=part.scanned), part, spool))
    files = [e for e, _, _ in entries]
    for _round in range(SHRINK_ROUNDS):
        zip_bytes = _write_zip(entries, _manifest(files, shown, redactor, cap))
        if len(zip_bytes) <= cap or not any(f.kept for f in files):
            break
        ratio = cap / len(zip_bytes) * 0.95
        for f in files:
            if f.kept:
                smaller = min(int(f.kept * ratio), f.kept - 1)
                f.kept, f.trimmed = max(smaller, 0), True
    if len(zip_bytes) > cap:  # even the manifest alone is too big for the cap
        for f in files:
            f.kept, f.trimmed = 0, True
        zip_bytes = _empty_zip(f"Evidence excerpt omitted: it does not fit in {cap} bytes.\n")
        if len(zip_bytes) > cap:
            zip_bytes = _empty_zip("")
    kept_text = sum(f.kept for f in files if f.kind == LINES)
    inline = collector.inline[key][:kept_text]
    return Excerpt(zip_bytes=zip_bytes, files=files, inline_lines=inline,
                   redactions=redactor.redactions, trimmed=any(f.trimmed for f in files),
                   size=len(zip_bytes))


# ---------------------------------------------------------------------------------------------


def build_excerpts(evidence_items, groups: dict[Hashable, set[str]], *, max_bytes=None,
                   inline_lines=None, redactor_factory=None) -> dict[Hashable, Excerpt]:
    """One Excerpt per group key, from one pass over each evidence file.

    ``groups``: key -> offender sources (addresses, any written form, and host names as written
    in logs). ``redactor_factory(keep=sources)`` makes each group's Redactor (default: from
    settings). ``max_bytes`` (REPORT_EXCERPT_MAX_BYTES) caps every zip; ``inline_lines``
    (REPORT_INLINE_LINES) is how many redacted text lines each Excerpt offers for the mail body.
    """
    cap = settings.REPORT_EXCERPT_MAX_BYTES if max_bytes is None else int(max_bytes)
    inline = settings.REPORT_INLINE_LINES if inline_lines is None else int(inline_lines)
    factory = redactor_factory or Redactor
    groups = {key: {s for s in sources if s and s.strip()} for key, sources in groups.items()}
    redactors = {key: factory(keep=sources) for key, sources in groups.items()}
    collector = _Collector(groups, redactors, max(cap * BUDGET_FACTOR, MIN_BUDGET), inline)
    try:
        for item in evidence_items:
            _read_item(collector, _source(item))
        return {key: _excerpt(key, collector, cap) for key in groups}
    finally:
        for part in collector.parts:
            for spool in part.spools.values():
                spool.file.close()


def _read_item(collector: _Collector, source: _Source) -> None:
    """Read one evidence file (never raising: a failure is the part's error)."""
    part = _Part(original_name=source.original_name, sha256=source.sha256,
                 format=_format_name(source.detected_format))
    try:
        handle = source.open()
    except Exception as exc:
        part.error = f"the file cannot be opened: {type(exc).__name__}: {exc}"
        collector.parts.append(part)
        return
    with closing(handle):
        raw = getattr(handle, "file", handle)  # a Django File: the underlying file object
        try:
            _read(collector, _RawReader(raw), part, raw=raw)
        except Exception as exc:  # the last guard: one bad file never breaks the report
            part.error = f"reading failed: {type(exc).__name__}: {exc}"
            if part not in collector.parts:
                collector.parts.append(part)


def _format_name(detected: str) -> str:
    return "" if detected in ("", "unknown") else detected


class _RawReader(io.RawIOBase):
    """A raw binary view of any file-like object, so it can be buffered and peeked at."""

    def __init__(self, handle):
        self._handle = handle

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self._handle.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


__all__ = ["Excerpt", "ExcerptFile", "Redactions", "Redactor", "build_excerpts", "ipv4_checksum",
           "member_name"]
