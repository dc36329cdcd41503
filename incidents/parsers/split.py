"""A large plain file parsed by several processes at once, with the result of one pass.

Why processes, and why ``subprocess``: parsing is pure Python and CPU-bound, so threads do not
help; a Celery prefork child is daemonic and may not start ``multiprocessing`` children. Each part
runs ``python -m incidents.parsers.part`` (no Django), gets its job as a pickle on stdin, prints
``bytes records skipped`` progress lines on stdout and leaves its summaries (a pickle) in a file.
The parent holds nothing but the parts' summaries, merged one part at a time.

When (``split_plan``): the file is a local, uncompressed file of at least ``min_bytes`` and
``processes`` > 1, and it is
- a classic pcap (any byte order, micro or nanoseconds, the 24-byte record variant): cut where
  a chain of record headers validates (as capture tools resynchronise), the file header given to
  every part;
- a pcapng whose section header and interface descriptions come before its first packet, within
  the head: cut before an enhanced packet block that starts a chain of blocks whose lengths are
  repeated at their ends, the head given to every part. evtx is read by one process;
- UTF-8 text whose head (64 KiB, parsed as the one-process parse would) shows only single-line
  formats (``LineFormat.single_line``): cut at line starts. Snort full alerts, Windows event XML
  and CSV tables (a header line) are read by one process.
Every part detects formats line by line exactly as one pass does (no format is forced unless the
caller forces one), so a file that mixes formats gives the same result.

Memory that spans lines: a part but the first reads the 4 MiB (``WARM_BYTES``) before its cut
first, without counting it, for the memory those lines leave: sshd connections (the client's
address and port per pid), the format of the previous line, syslog years. Syslog years are then
made exact: a part reports the year state at its cut and at its end; when a part's state at its
cut differs from the previous part's at its end (no yearless stamp in the warm-up, a log that
runs over more than a year), that part is parsed again from the previous part's state. What may
still differ from one pass: an sshd connection whose earlier lines are more than 4 MiB before a
cut (its later lines lose the port or the address they would have borrowed).

Merging: counts add, first/last seen min/max, capped sets continue in file order (their values
keep the order they were first seen), a source hostile in any part counts only hostile records
(``OffenderSummary.merge``); records, skipped, errors add; error and record locations become
absolute (each part numbers its own lines or packets from 1; the parts before it say how many).

Checks after the parts, each falling back to one process for the whole file (logged): a part
but the last ended inside a packet (the cut was not a packet boundary) or stopped at corruption;
a part met a multi-line format the head did not show; a part but the last met a pcapng section
header or interface description (the parts after it read their packets without it). A part
that crashes, is killed or runs past ``timeout`` fails the parse (``PartFailed``): the other
parts are stopped and reaped.
"""

import io
import itertools
import logging
import os
import pickle
import selectors
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .base import MAX_ERRORS_KEPT, ParseContext
from .registry import (
    _STREAM_FORMATS,
    HEAD_BYTES,
    ParseOutcome,
    _describe,
    _load,
    line_format,
    looks_binary,
    parse_path,
    parse_stream,
)

log = logging.getLogger(__name__)

DEFAULT_MIN_BYTES = 64 << 20  # PARSE_SPLIT_MIN_BYTES's default
WARM_BYTES = 4 << 20  # read before a cut, not counted, to restore what lines remember
LINE_SEARCH = 4 << 20  # a cut that finds no line start within this is dropped
PCAP_WINDOW = 4 << 20
PCAP_CHAIN = 32  # record headers that must chain from a cut
PCAP_MAX_PACKET = 16 << 20
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def default_processes() -> int:
    """PARSE_PROCESSES's default: every core, up to 4 (more parts mostly add merging and I/O)."""
    return min(os.cpu_count() or 1, 4)


class PartFailed(RuntimeError):
    """A part's process crashed, was killed or ran out of time: the parse has no result."""


@dataclass
class Part:
    start: int
    end: int
    warm_from: int | None = None  # lines: where the uncounted warm-up begins


@dataclass
class Plan:
    kind: str  # "lines", "pcap" or "pcapng"
    parts: list[Part]
    header: bytes = b""  # pcap, pcapng: the file header (or head) every part starts with
    layout: int = 0  # pcapng: section headers and interface descriptions in ``header``
    formats: list[str] = field(default_factory=list)  # lines: what the head showed
    path: str = ""  # set by a caller that planned before parsing


def split_plan(path, *, processes: int, min_bytes: int, fmt: str | None = None,
               ctx: ParseContext | None = None) -> Plan | None:
    """How to cut ``path`` into at most ``processes`` parts, or None for one process."""
    if processes < 2:
        return None
    size = os.path.getsize(path)
    if size < max(min_bytes, 1):
        return None
    _load()
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
        if head[:2] == b"\x1f\x8b" or head[:4] == b"PK\x03\x04":
            return None  # compressed: one stream
        sniffed = _STREAM_FORMATS.get(fmt) if fmt in _STREAM_FORMATS else next(
            (f for f in _STREAM_FORMATS.values() if f.sniff(head)), None)
        if sniffed is not None:
            if sniffed.name == "pcap":
                return _pcap_plan(handle, head, size, processes)
            return _pcapng_plan(handle, head, size, processes) if sniffed.name == "pcapng" else None
        if looks_binary(head) or head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return None
        formats = _head_formats(head, fmt, ctx)
        if not formats or not all(line_format(name).single_line for name in formats):
            return None
        parts = _line_parts(handle, size, processes)
    return Plan("lines", parts, formats=formats) if len(parts) > 1 else None


def _head_formats(head: bytes, fmt: str | None, ctx: ParseContext | None) -> list[str]:
    """The formats the head's complete lines are read as, by the same code as a full parse."""
    end = head.rfind(b"\n")
    if end < 0:
        return []
    probe = ParseContext(tz=ctx.tz, reference=ctx.reference) if ctx else ParseContext()
    return list(parse_stream(io.BytesIO(head[: end + 1]), fmt=fmt, ctx=probe).formats_seen)


def _line_start(handle, near: int) -> int | None:
    """The first line start at or after ``near``."""
    handle.seek(near - 1)
    searched = 0
    while searched < LINE_SEARCH:
        chunk = handle.read(1 << 20)
        if not chunk:
            return None
        found = chunk.find(b"\n")
        if found >= 0:
            return near + searched + found
        searched += len(chunk)
    return None


def _line_parts(handle, size: int, processes: int) -> list[Part]:
    cuts = [0]
    for j in range(1, processes):
        cut = _line_start(handle, size * j // processes)
        if cut is not None and cuts[-1] < cut < size:
            cuts.append(cut)
    cuts.append(size)
    parts = []
    for start, end in itertools.pairwise(cuts):
        warm_from = None
        if start:
            warm_from = parts[-1].start if start - WARM_BYTES <= parts[-1].start else \
                _line_start(handle, start - WARM_BYTES)
        parts.append(Part(start, end, warm_from))
    return parts


def _pcap_plan(handle, head: bytes, size: int, processes: int) -> Plan | None:
    from .formats.pcap import PCAP_MAGICS

    if len(head) < 24 or head[:4] not in PCAP_MAGICS:
        return None
    order, nanos, record_header = PCAP_MAGICS[head[:4]]
    snaplen = struct.unpack_from(order + "I", head, 16)[0]
    spec = (struct.Struct(order + "IIII"), record_header, 1_000_000_000 if nanos else 1_000_000,
            min(snaplen or PCAP_MAX_PACKET, PCAP_MAX_PACKET))
    cuts = [24]
    for j in range(1, processes):
        cut = _pcap_boundary(handle, size * j // processes, size, spec)
        if cut is not None and cuts[-1] < cut < size:
            cuts.append(cut)
    cuts.append(size)
    if len(cuts) < 3:
        return None
    return Plan("pcap", [Part(a, b) for a, b in itertools.pairwise(cuts)], header=head[:24])


def _pcap_boundary(handle, near: int, size: int, spec) -> int | None:
    """The first offset at or after ``near`` from which ``PCAP_CHAIN`` record headers chain
    plausibly (fraction in range, caplen <= snaplen and <= length, times within a day), or the
    chain runs exactly to the end of the file. Whether the one-pass reader really passes through
    it is checked after the parse (the part before must end exactly there)."""
    header, record_header, fractions, snaplen = spec
    handle.seek(near)
    window = handle.read(PCAP_WINDOW)
    for offset in range(min(len(window), 1 << 18)):
        pos, first, chained = offset, None, 0
        while chained < PCAP_CHAIN:
            if near + pos == size and chained:
                return near + offset
            if pos + record_header > len(window):
                break
            seconds, fraction, caplen, length = header.unpack_from(window, pos)
            if fraction >= fractions or caplen > snaplen or caplen > length or length > PCAP_MAX_PACKET:
                break
            if first is None:
                first = seconds
            elif abs(seconds - first) > 86400:
                break
            chained += 1
            pos += record_header + caplen
        if chained >= PCAP_CHAIN:
            return near + offset
    return None


def _pcapng_plan(handle, head: bytes, size: int, processes: int) -> Plan | None:
    """A pcapng whose head (its section header and interface descriptions, up to the first packet
    block) is within ``head``: cut before enhanced packet blocks (``_pcapng_boundary``), the head
    given to every part. Whether a part but the last met another section or interface (which the
    parts after it would not know) is checked after the parse."""
    from .formats.pcap import BT_EPB, BT_IDB, BT_PB, BT_SHB, BT_SPB, MAX_BLOCK, PCAPNG_BYTE_ORDER, PCAPNG_SHB

    order = PCAPNG_BYTE_ORDER.get(head[8:12]) if head[:4] == PCAPNG_SHB else None
    if order is None:
        return None
    pos = layout = 0
    while pos + 12 <= len(head):
        block_type, length = struct.unpack_from(order + "II", head, pos)
        if block_type in (BT_EPB, BT_SPB, BT_PB):
            break
        if length < 12 or length % 4 or length > MAX_BLOCK or (pos and block_type == BT_SHB):
            return None
        layout += block_type in (BT_SHB, BT_IDB)
        pos += length
    else:
        return None  # no packet within the head
    cuts = [pos]
    for j in range(1, processes):
        cut = _pcapng_boundary(handle, max(size * j // processes, pos), size, order)
        if cut is not None and cuts[-1] < cut < size:
            cuts.append(cut)
    cuts.append(size)
    if len(cuts) < 3:
        return None
    return Plan("pcapng", [Part(a, b) for a, b in itertools.pairwise(cuts)], header=head[:pos],
                layout=layout)


def _pcapng_boundary(handle, near: int, size: int, order: str) -> int | None:
    """The first offset at or after ``near``, on the 4-byte grid of blocks, where an enhanced packet
    block starts a chain of ``PCAP_CHAIN`` blocks (or one running exactly to the end of the file)
    whose lengths are valid and repeated at their ends, as every pcapng block's is."""
    from .formats.pcap import BT_EPB, MAX_BLOCK

    header = struct.Struct(order + "II")
    trailer = struct.Struct(order + "I")
    near += -near % 4
    handle.seek(near)
    window = handle.read(PCAP_WINDOW)
    for offset in range(0, min(len(window), 1 << 18), 4):
        if offset + 8 > len(window) or header.unpack_from(window, offset)[0] != BT_EPB:
            continue
        pos, chained = offset, 0
        while chained < PCAP_CHAIN:
            if near + pos == size and chained:
                return near + offset
            if pos + 8 > len(window):
                break
            length = header.unpack_from(window, pos)[1]
            if length < 12 or length % 4 or length > MAX_BLOCK or pos + length > len(window) \
                    or trailer.unpack_from(window, pos + length - 4)[0] != length:
                break
            chained += 1
            pos += length
        if chained >= PCAP_CHAIN or (chained and near + pos == size):
            return near + offset
    return None


# --- running the parts ---------------------------------------------------------------------------

def parse_file(path, *, fmt: str | None = None, ctx: ParseContext | None = None,
               progress: Callable[[ParseContext], None] | None = None, processes: int = 1,
               min_bytes: int = DEFAULT_MIN_BYTES, timeout: float | None = None,
               plan: Plan | None = None) -> ParseOutcome:
    """Parse the local file ``path``: in up to ``processes`` processes when ``split_plan``
    allows (or as ``plan`` says), else (or when a check fails) in this one. The outcome is the
    same either way; ``outcome.processes`` says how many processes read it."""
    ctx = ctx or ParseContext()
    if plan is None:
        plan = split_plan(path, processes=processes, min_bytes=min_bytes, fmt=fmt, ctx=ctx)
    if plan is not None:
        outcome, why = _parse_split(path, plan, fmt=fmt, ctx=ctx, progress=progress, timeout=timeout)
        if outcome is not None:
            return outcome
        log.warning("%s: parsed again in one process: %s", path, why)
        ctx.records = ctx.skipped = ctx.errors_total = ctx.bytes_read = 0
        ctx.errors = []
    return parse_path(path, fmt=fmt, ctx=ctx, progress=progress)


def _parse_split(path, plan: Plan, *, fmt, ctx, progress, timeout) -> tuple[ParseOutcome | None, str]:
    _load()
    deadline = time.monotonic() + timeout if timeout else None
    job = {"path": str(path), "kind": plan.kind, "fmt": fmt, "header": plan.header, "tz": ctx.tz,
           "reference": ctx.reference, "own_networks": ctx.own_networks}
    with tempfile.TemporaryDirectory(prefix="abusedesk-parts-") as tmp:
        jobs = [dict(job, start=p.start, end=p.end, warm_from=p.warm_from, inject=None,
                     result=os.path.join(tmp, f"part-{i}.pickle"), index=i, of=len(plan.parts))
                for i, p in enumerate(plan.parts)]
        _run(jobs, ctx, progress, deadline, tmp)
        merged = _Merged(plan, fmt=fmt, ctx=ctx)
        at_end = None
        for i, job in enumerate(jobs):  # one part's summaries at a time besides the merged ones
            result = _load_result(job["result"])
            if i and result["at_cut"] != at_end:
                # the year state at this cut is known now: read this part again from it
                log.info("%s: part %d read again from the syslog year state at its cut", path, i + 1)
                job = dict(job, inject=at_end)
                _run([job], ctx, None, deadline, tmp)
                result = _load_result(job["result"])
            if result["ended_early"] and i < len(jobs) - 1:
                return None, f"part {i + 1} did not end at a record boundary"
            if result["layout"] > plan.layout and i < len(jobs) - 1:
                return None, (f"part {i + 1} holds a section header or an interface description "
                              "that the parts after it do not know")
            unsafe = [name for name in result["outcome"].formats_seen
                      if plan.kind == "lines" and not line_format(name).single_line]
            if unsafe:
                return None, f"part {i + 1} holds lines of {', '.join(unsafe)}, read across lines"
            merged.add(result["outcome"])
            at_end = result["at_end"]
            del result
        return merged.outcome(os.path.getsize(path)), ""


def _load_result(name: str) -> dict:
    with open(name, "rb") as handle:
        return pickle.load(handle)  # noqa: S301 - written by our own child process


def _run(jobs: list[dict], ctx: ParseContext, progress, deadline: float | None, tmp: str) -> None:
    """Start one process per job, relay their progress, reap them; PartFailed if any fails."""
    procs: list[subprocess.Popen] = []
    selector = selectors.DefaultSelector()
    figures = [[0, 0, 0] for _ in jobs]
    pending = [b"" for _ in jobs]
    try:
        for i, job in enumerate(jobs):
            with open(os.path.join(tmp, f"part-{job['index']}.err"), "wb") as err:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "incidents.parsers.part"], stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE, stderr=err, cwd=PROJECT_ROOT)
            procs.append(proc)
            proc.stdin.write(pickle.dumps(job))
            proc.stdin.close()
            os.set_blocking(proc.stdout.fileno(), False)
            selector.register(proc.stdout, selectors.EVENT_READ, i)
        open_pipes = len(procs)
        while open_pipes:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                raise PartFailed(f"parsing in {len(jobs)} processes ran out of time")
            for key, _ in selector.select(timeout=wait):
                i = key.data
                data = os.read(key.fileobj.fileno(), 65536)
                if not data:
                    selector.unregister(key.fileobj)
                    open_pipes -= 1
                    continue
                *lines, pending[i] = (pending[i] + data).split(b"\n")
                if lines:
                    figures[i] = [int(x) for x in lines[-1].split()]
                    if progress:
                        ctx.bytes_read, ctx.records, ctx.skipped = map(sum, zip(*figures, strict=True))
                        progress(ctx)
        for i, proc in enumerate(procs):
            wait = None if deadline is None else max(deadline - time.monotonic(), 0.1)
            try:
                code = proc.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                raise PartFailed(f"parsing in {len(jobs)} processes ran out of time") from None
            if code != 0:
                how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
                raise PartFailed(f"part {jobs[i]['index'] + 1} of {jobs[i]['of']} of the parse "
                                 f"{how}{_last_words(tmp, jobs[i]['index'])}")
    finally:
        selector.close()
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()  # reaped: no zombie
            proc.stdout.close()


def _last_words(tmp: str, i: int) -> str:
    try:
        lines = Path(tmp, f"part-{i}.err").read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return f": {lines[-1][:300]}" if lines else ""


class _Merged:
    """The parts' outcomes added in file order (see the module docstring)."""

    def __init__(self, plan: Plan, *, fmt, ctx: ParseContext):
        self.plan, self.fmt, self.ctx = plan, fmt, ctx
        self.offenders = None
        self.errors: list[dict] = []
        self.seen: Counter = Counter()
        self.parts = self.shift = self.records = self.skipped = self.errors_total = 0

    def add(self, part: ParseOutcome) -> None:
        shift = self.shift
        if self.offenders is None:
            self.offenders = part.offenders
            self.offenders._ctx = self.ctx
        else:
            self.offenders.merge(part.offenders, shift)
        for error in part.errors:
            if len(self.errors) >= MAX_ERRORS_KEPT:
                break
            at = error["at"]
            self.errors.append(dict(error, at=at + shift) if type(at) is int else error)
        for name, n in part.formats_seen.items():
            if self.plan.kind == "lines":
                self.seen[name] += n
            else:
                self.seen[name] = n  # a stream format is seen once per file, not once per part
        self.records += part.records
        self.skipped += part.skipped
        self.errors_total += part.errors_total
        self.shift += part.records  # lines or packets: each counts one, numbered from 1 in its part
        self.parts += 1

    def outcome(self, size: int) -> ParseOutcome:
        ctx = self.ctx
        ctx.records, ctx.skipped, ctx.errors = self.records, self.skipped, self.errors
        ctx.errors_total, ctx.bytes_read = self.errors_total, size
        return ParseOutcome(format=_describe(self.seen, self.fmt), records=self.records,
                            skipped=self.skipped, errors=self.errors, errors_total=self.errors_total,
                            offenders=self.offenders, formats_seen=dict(self.seen),
                            processes=self.parts)
