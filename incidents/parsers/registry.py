"""Format registry, content detection, decompression and the line loop."""

import gzip
import io
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import ahocorasick

from . import compiled
from .aggregate import Offenders
from .base import LineFormat, ParseContext, Record, StreamFormat
from .lanes import fast_engine, lanes_for

MAX_LINE_BYTES = 1 << 20  # a longer "line" is skipped as malformed
HEAD_BYTES = 64 * 1024
ZIP_MAX_RATIO = 200  # a member expanding more than this is treated as a zip bomb
ZIP_MAX_TOTAL = 64 * 1024**3

_LINE_FORMATS: dict[str, LineFormat] = {}
_STREAM_FORMATS: dict[str, StreamFormat] = {}
_MODULES_LOADED = False


class UnknownFormat(ValueError):
    pass


def register(fmt: LineFormat | StreamFormat):
    """Add a format; line formats are tried in registration order (the most specific first)."""
    target = _STREAM_FORMATS if isinstance(fmt, StreamFormat) else _LINE_FORMATS
    target[fmt.name] = fmt
    return fmt


def _load() -> None:
    global _MODULES_LOADED
    if not _MODULES_LOADED:
        _MODULES_LOADED = True
        from . import formats  # noqa: F401  (each module registers its formats)


def format_names() -> list[str]:
    _load()
    return sorted([*_STREAM_FORMATS, *_LINE_FORMATS])


@dataclass
class ParseOutcome:
    format: str
    records: int
    skipped: int
    errors: list[dict]
    errors_total: int
    offenders: Offenders
    formats_seen: dict[str, int] = field(default_factory=dict)
    processes: int = 1  # how many processes read the file (a large plain file may be split)

    def as_json(self) -> dict:
        return {
            "format": self.format,
            "records": self.records,
            "skipped": self.skipped,
            "errors": self.errors,
            "offenders": self.offenders.as_json(),
        }


class _Counting(io.RawIOBase):
    """Counts the bytes read from the underlying (compressed or plain) file, for progress."""

    def __init__(self, raw, ctx: ParseContext, progress: Callable[[ParseContext], None] | None):
        self._raw, self._ctx, self._progress = raw, ctx, progress
        self._next_report = 8 << 20

    def readable(self):
        return True

    def readinto(self, buffer):
        into = getattr(self._raw, "readinto", None)
        if into is not None:  # straight into the buffer (a plain file's), no copy
            n = into(buffer) or 0
        else:
            data = self._raw.read(len(buffer))
            n = len(data)
            buffer[:n] = data
        self._ctx.bytes_read += n
        if self._progress and self._ctx.bytes_read >= self._next_report:
            self._next_report = self._ctx.bytes_read + (8 << 20)
            self._progress(self._ctx)
        return n


def parse_path(path, **kwargs) -> ParseOutcome:
    with open(path, "rb") as handle:
        return parse_stream(handle, **kwargs)


def parse_stream(handle, *, fmt: str | None = None, ctx: ParseContext | None = None,
                 progress: Callable[[ParseContext], None] | None = None) -> ParseOutcome:
    """Parse one file object. ``fmt`` forces a format by name; otherwise it is detected."""
    _load()
    ctx = ctx or ParseContext()
    if fmt is not None and fmt not in _LINE_FORMATS and fmt not in _STREAM_FORMATS:
        raise UnknownFormat(f"Unknown format {fmt!r}; known: {', '.join(format_names())}")
    stream = io.BufferedReader(_Counting(handle, ctx, progress), buffer_size=1 << 20)
    seen: Counter = Counter()
    return _collect(_dispatch(stream, fmt, ctx, seen), seen, fmt, ctx, progress)


def _collect(parts, seen: Counter, fmt: str | None, ctx: ParseContext,
             progress: Callable[[ParseContext], None] | None) -> ParseOutcome:
    """Every record of ``parts`` (format name, records) into offenders; the outcome."""
    offenders = Offenders(ctx)
    for name, records in parts:
        if name is None:  # lines read by lanes or the C engine (see ``_block_loop``)
            records.into(offenders, seen)
            continue
        seen[name] += 1  # a recognised line (or stream), hostile or not, names the format
        into = getattr(records, "into", None)
        if into is not None:  # a stream that aggregates its own records (classic pcap)
            into(offenders)
            continue
        for record in records:
            offenders.add(record)
    if progress:
        progress(ctx)
    return ParseOutcome(
        format=_describe(seen, fmt), records=ctx.records, skipped=ctx.skipped,
        errors=ctx.errors, errors_total=ctx.errors_total, offenders=offenders,
        formats_seen=dict(seen),
    )


def parse_part(handle, *, kind: str, fmt: str | None, ctx: ParseContext,
               progress: Callable[[ParseContext], None] | None = None, warm=None,
               on_cut: Callable[[ParseContext], None] | None = None) -> ParseOutcome:
    """One part of a split plain file (see ``split.py``), read as ``kind`` without sniffing its
    own first bytes: ``"lines"`` (UTF-8 text, ``warm`` and ``on_cut`` as for the line loop) or a
    stream format's name (the stream then starts with that format's file header)."""
    _load()
    stream = io.BufferedReader(_Counting(handle, ctx, progress), buffer_size=1 << 20)
    if kind == "lines":
        parts = _lines(stream, fmt, ctx, encoding="utf-8", warm=warm, on_cut=on_cut)
    else:
        reader = _STREAM_FORMATS[kind]
        parts = iter([(reader.name, _guarded(reader.records(stream, ctx), ctx, reader.name))])
    return _collect(parts, Counter(), fmt, ctx, progress)


def line_format(name: str) -> LineFormat | None:
    _load()
    return _LINE_FORMATS.get(name)


def _describe(seen: Counter, forced: str | None) -> str:
    if forced:
        return forced
    if not seen:
        return "unknown"
    names = [name for name, _ in seen.most_common()]
    return names[0] if len(names) == 1 else "mixed: " + ", ".join(names)


def _dispatch(stream, fmt, ctx, seen) -> Iterator[tuple[str, Iterable[Record]]]:
    head = stream.peek(HEAD_BYTES)[:HEAD_BYTES]
    if head[:2] == b"\x1f\x8b":
        yield from _gzip(stream, fmt, ctx, seen)
        return
    if head[:4] == b"PK\x03\x04":
        yield from _zip(stream, fmt, ctx, seen)
        return
    stream_fmt = _STREAM_FORMATS.get(fmt) if fmt else next(
        (f for f in _STREAM_FORMATS.values() if f.sniff(head)), None)
    if stream_fmt is not None:
        yield stream_fmt.name, _guarded(stream_fmt.records(stream, ctx), ctx, stream_fmt.name)
        return
    if not head:
        return
    if looks_binary(head):
        ctx.error(None, "This is binary data in no known format (pcap, pcapng, evtx, gzip, zip); "
                        "nothing could be read.")
        return
    yield from _lines(stream, fmt, ctx)


def looks_binary(head: bytes) -> bool:
    sample = head[:8192]
    if b"\x00" in sample:
        # UTF-16 text (Windows exports) has NULs too: accept it when it decodes.
        return sample[:2] not in (b"\xff\xfe", b"\xfe\xff")
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls > len(sample) // 10


def _guarded(records: Iterable[Record], ctx: ParseContext, name: str) -> Iterable[Record]:
    """A stream parser's bug or an unforeseen corruption ends that file with an error, never a crash."""
    return _Guarded(records, ctx, name)


class _Guarded:
    """``_guarded``'s records; ``into(offenders)`` when the stream aggregates its own records
    (what it added before failing stays added, as records iterated would have)."""

    def __init__(self, records: Iterable[Record], ctx: ParseContext, name: str):
        self._records, self._ctx, self._name = records, ctx, name
        if hasattr(records, "into"):
            self.into = self._into

    def __iter__(self) -> Iterator[Record]:
        try:
            yield from self._records
        except Exception as exc:
            self._failed(exc)

    def _into(self, offenders: Offenders) -> None:
        try:
            self._records.into(offenders)
        except Exception as exc:
            self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        self._ctx.ended_early = True
        self._ctx.error(None, f"{self._name}: reading stopped: {type(exc).__name__}: {exc}")


class _Candidates:
    """Which line formats may want a line, found with one regex pass instead of asking each.

    Formats with keywords are indexed by them; a keyword found in the line selects every format
    owning it or one of its substrings (a line containing none of a format's keywords is not
    tried: ``LineFormat.keywords``), and those with their own ``wants`` are then asked. Formats
    without keywords are always asked. Candidates come back in registration order.
    """

    def __init__(self, formats: list[LineFormat]):
        self.formats = formats
        self.always = [i for i, f in enumerate(formats) if not f.keywords]
        self.asked = frozenset(i for i, f in enumerate(formats)
                               if f.keywords and type(f).wants is not LineFormat.wants)
        owners: dict[str, set[int]] = {}
        for i, f in enumerate(formats):
            for keyword in f.keywords:
                owners.setdefault(keyword, set()).add(i)
        # every keyword occurrence, overlapping ones included, in one pass in C: the C module's
        # keyword table when it is built (each line's found keywords as one int), else Aho-Corasick
        native = compiled.native()
        self.automaton = self.keywords = None
        if owners and native is not None:
            self.keywords = native.Keywords(list(owners))
            self._owners = [frozenset(idx) for idx in owners.values()]
            self._by_found: dict[int, frozenset] = {}
        elif owners:
            self.automaton = ahocorasick.Automaton()
            for keyword, idx in owners.items():
                self.automaton.add_word(keyword, frozenset(idx))
            self.automaton.make_automaton()
        self._cache: dict[frozenset, list[LineFormat]] = {}

    def quiet(self):
        """The C keyword table, when a line that starts with a BSD syslog stamp and holds none of
        its keywords has no candidate (no format without keywords wants such a line:
        ``LineFormat.wants_bsd_syslog``); else None."""
        if self.keywords is None or any(self.formats[i].wants_bsd_syslog for i in self.always):
            return None
        return self.keywords

    def found_key(self, text: str):
        """Which keywords ``text`` holds, as a hashable value (the C keyword table's int, else the
        formats owning them): a lane keys a free part of its lines with it, so that a line whose
        free text would bring another format into the line loop's choice is a shape of its own."""
        if self.keywords is not None:
            return self._bits(text)
        if self.automaton is not None:
            return frozenset(self._found(text))
        return 0

    def _bits(self, text: str) -> int:
        """The C keyword table's answer: bit n set when keyword n occurs in ``text``."""
        try:
            return self.keywords.find(text)
        except UnicodeEncodeError:  # lone surrogates (from JSON escapes): their bytes match no keyword
            return self.keywords.find(text.encode("utf-8", "surrogatepass"))

    def _found(self, line: str) -> set:
        """The formats owning a keyword that occurs in ``line``."""
        if self.keywords is not None:
            found = self._bits(line)
            owning = self._by_found.get(found)
            if owning is None:
                owning = frozenset().union(*(idx for n, idx in enumerate(self._owners) if found >> n & 1))
                if len(self._by_found) < 65536:
                    self._by_found[found] = owning
            return set(owning)
        chosen = set()
        if self.automaton is not None:
            for _end, idx in self.automaton.iter(line):
                chosen |= idx
        return chosen

    def __call__(self, line: str) -> list[LineFormat]:
        chosen = self._found(line)
        for i in chosen & self.asked:  # found by keyword, and with their own test besides
            if not self.formats[i].wants(line):
                chosen.discard(i)
        chosen.update(i for i in self.always if self.formats[i].wants(line))
        key = frozenset(chosen)
        ordered = self._cache.get(key)
        if ordered is None:
            ordered = self._cache[key] = [self.formats[i] for i in sorted(chosen)]
        return ordered


def _lines(stream, fmt, ctx, *, encoding: str | None = None, warm=None,
           on_cut: Callable[[ParseContext], None] | None = None) -> Iterator[tuple[str, Iterable[Record]]]:
    """The line loop. A part of a split file passes ``warm``: the lines just before its own,
    read first for the memory they leave (sshd connections, syslog years) and not counted;
    ``on_cut`` is then called with the context, before the part's lines."""
    formats = [_LINE_FORMATS[fmt]] if fmt else list(_LINE_FORMATS.values())
    reader = LineReader(formats, ctx)
    if encoding is None:
        encoding = "utf-8"
        head = stream.peek(4)[:4]
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            encoding = "utf-16"
    if encoding != "utf-8":
        text = io.TextIOWrapper(stream, encoding=encoding, errors="replace")
        yield from _line_loop((line.encode("utf-8") for line in text), reader, ctx)
        return
    if warm is not None:
        for _ in _block_loop(warm, reader, ctx):
            pass
        ctx.records = ctx.skipped = ctx.errors_total = 0
        ctx.errors = []
    if on_cut is not None:
        on_cut(ctx)
    yield from _block_loop(stream, reader, ctx)


class LineReader:
    """Which format claims a line, and what it records: the first format, in registration order,
    whose ``parse_line`` does not return None. ``lanes`` read the commonest layouts faster."""

    def __init__(self, formats: list[LineFormat], ctx: ParseContext):
        self.formats, self.ctx = formats, ctx
        self.candidates = _Candidates(formats)
        self.lanes = lanes_for(formats, self) if ctx.lanes else None
        self.fast = fast_engine(self.lanes, ctx, self.candidates.quiet())
        self.new_rows = compiled.native().Rows if self.fast is not None else None

    def one(self, line: str, number: int) -> tuple[str, list[Record]] | None:
        """(format name, records) of one line (its end of line removed), or None."""
        if not line.strip():
            return None
        ctx = self.ctx
        for candidate in self.candidates(line):
            try:
                found = candidate.parse_line(line, ctx)
            except Exception as exc:
                ctx.error(number, f"{candidate.name}: {type(exc).__name__}: {exc}")
                return None
            if found is not None:
                return candidate.name, _located(found, number)
        return None


def _line_loop(raw_lines, reader: LineReader, ctx, first: int = 1) -> Iterator[tuple[str, list[Record]]]:
    """One line at a time (``None`` stands for a line ``bounded_lines`` skipped)."""
    for number, raw in enumerate(raw_lines, first):
        if raw is None:
            continue
        ctx.records += 1
        found = reader.one(raw.decode("utf-8", errors="replace").rstrip("\r\n"), number)
        if found is not None:
            yield found


BLOCK_BYTES = 1 << 20  # at most MAX_LINE_BYTES: a line longer than that is met as a block's first


def _block_loop(stream, reader: LineReader, ctx) -> Iterator[tuple[str, list[Record]]]:
    """The lines of a UTF-8 stream, a block at a time: the lines a lane's pattern matches are read
    by that lane, the others one by one (``LineReader.one``), all in file order. A line of
    MAX_LINE_BYTES or more hands the rest of the stream to ``bounded_lines``. A line cut by the
    end of a block is joined to its rest on its own, so that no block is copied."""
    done = 0  # lines read so far
    base = ctx.records  # lines of the files read before (zip members)
    carry = b""
    while True:
        data = stream.read(BLOCK_BYTES)
        end = not data
        start = 0
        if carry:  # the start of a line, from the block before
            nl = data.find(b"\n")
            if len(carry) + (nl if nl >= 0 else len(data)) >= MAX_LINE_BYTES:
                data, carry = carry + data, b""
            elif nl < 0 and not end:
                carry += data
                continue
            else:
                head = carry + data[:nl + 1] if nl >= 0 else carry
                carry, start = b"", nl + 1 if nl >= 0 else 0
                done = yield from _whole_lines(head, 0, len(head), done, reader)
                ctx.records = base + done
        if start >= len(data):
            if end:
                return
            continue
        nl = data.find(b"\n", start)
        if (nl if nl >= 0 else len(data)) - start >= MAX_LINE_BYTES:
            ctx.records = base + done
            rest = io.BufferedReader(_Prefixed(data[start:], stream), buffer_size=1 << 20)
            yield from _line_loop(bounded_lines(rest, ctx, done + 1), reader, ctx, done + 1)
            return
        cut = len(data) if end else data.rfind(b"\n") + 1
        if cut <= start:
            carry = data[start:]
            continue
        carry = data[cut:]
        done = yield from _whole_lines(data, start, cut, done, reader)
        ctx.records = base + done
        if end:
            return


def _whole_lines(data: bytes, start: int, cut: int, done: int, reader: LineReader):
    """The lines of ``data[start:cut]`` (whole lines, but the last of a stream may have no end of
    line; ``done`` read before them), through the C engine or the lanes' expression and then the
    line loop. Returns the number of lines read so far."""
    if reader.fast is not None:
        return (yield from _fast_block(data, start, cut, done, reader))
    lines = data[start:cut].decode("utf-8", errors="replace").split("\n")
    if lines[-1] == "":
        lines.pop()
    one = reader.one
    if reader.lanes is None:
        for line in lines:
            done += 1
            found = one(line.rstrip("\r"), done)
            if found is not None:
                yield found
        return done
    match, takes = reader.lanes.match, reader.lanes.takes
    rows: list = []  # what lanes read, in file order, not yet handed on
    for line in lines:
        done += 1
        m = match(line)
        found = takes[m.lastindex](m, done, rows) if m is not None else one(line.rstrip("\r"), done)
        if found is not None:
            if rows:
                yield None, _Rows(rows)
                rows = []
            yield found
    if rows:
        yield None, _Rows(rows)
    return done


def _fast_block(chunk: bytes, pos: int, size: int, done: int, reader: LineReader):
    """The lines of ``chunk[pos:size]`` (as ``_whole_lines``) through the C engine; each line it
    leaves to Python is read as ``_whole_lines`` reads it. What either reads goes on in file order.
    Returns the number of lines read so far."""
    fast, match, takes, one = reader.fast, reader.lanes.match, reader.lanes.takes, reader.one
    new_rows = reader.new_rows
    rows = new_rows()  # the engine's rows and format names, not yet handed on
    names: dict = {}
    while pos < size:
        pos, done, stop, lane = fast.scan(chunk, pos, size, done, rows, names)
        if stop < 0:
            break
        line = chunk[pos:stop].decode("utf-8", errors="replace")
        done += 1
        pos = stop + 1
        mine: list = []  # what the Python lanes read of this line
        m = match(line) if lane else None  # (not lane: the engine knows no lane's would match)
        found = takes[m.lastindex](m, done, mine) if m is not None else one(line.rstrip("\r"), done)
        if found is None and not mine:
            continue
        if names:  # the engine's lines came first
            yield None, _FastRows(rows, names)
            rows, names = new_rows(), {}
        if mine:
            yield None, _Rows(mine)
        if found is not None:
            yield found
    if names:
        yield None, _FastRows(rows, names)
    return done


class _FastRows:
    """Lines the C engine read: its rows (``_fastlane.Rows``: src, at, kind, dst, dst port,
    signature, line number, source port each) and the number of lines (or rows) of each format
    name, first seen first."""

    __slots__ = ("names", "rows")

    def __init__(self, rows: list, names: dict):
        self.rows, self.names = rows, names

    def into(self, offenders, seen) -> None:
        seen.update(self.names)
        offenders.add_rows(self.rows)


class _Rows:
    """Lines read by lanes: (format name, None) for a line claimed with nothing to record, else
    (format name, (src, at, kind, dst, dst port, signature, line number, source port))."""

    __slots__ = ("rows",)

    def __init__(self, rows: list):
        self.rows = rows

    def into(self, offenders, seen) -> None:
        seen.update([name for name, _row in self.rows])
        offenders.add_rows([row for _name, row in self.rows if row is not None])


class _Prefixed(io.RawIOBase):
    """``head`` (bytes already read), then the rest of ``stream``."""

    def __init__(self, head: bytes, stream):
        self._head, self._stream = head, stream

    def readable(self):
        return True

    def readinto(self, buffer):
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _located(found, number: int) -> list[Record]:
    found = [found] if isinstance(found, Record) else list(found)
    for record in found:
        record.location = record.location or number
    return found


def bounded_lines(stream, ctx, first: int = 1) -> Iterator[bytes | None]:
    """Lines of at most MAX_LINE_BYTES; a longer one is skipped whole, recorded as an error
    (``first``: the number of the stream's first line)."""
    number = first - 1
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while True:  # drain the rest of the monster line in bounded pieces
                rest = stream.readline(MAX_LINE_BYTES)
                if not rest or rest.endswith(b"\n"):
                    break
            ctx.records += 1
            ctx.error(number, f"line longer than {MAX_LINE_BYTES // 1024} KiB, skipped")
            yield None
            continue
        yield line


def _gzip(stream, fmt, ctx, seen):
    yield from _dispatch(gunzipped(stream, ctx), fmt, ctx, seen)


def gunzipped(stream, ctx) -> io.BufferedReader:
    """The decompressed content of a gzip stream, read as it is consumed; a truncated or corrupt
    end becomes an error in ``ctx`` and a clean end of data."""
    inner = gzip.GzipFile(fileobj=stream, mode="rb")
    return io.BufferedReader(_Truncation(inner, ctx, "gzip"), buffer_size=1 << 20)


class _Truncation(io.RawIOBase):
    """Turns a truncated or corrupt compressed stream into a recorded error and a clean end."""

    def __init__(self, inner, ctx, what):
        self._inner, self._ctx, self._what, self._done = inner, ctx, what, False

    def readable(self):
        return True

    def readinto(self, buffer):
        if self._done:
            return 0
        try:
            # read1: one piece at a time, so a truncated end loses only its own last piece
            reader = getattr(self._inner, "read1", self._inner.read)
            data = reader(len(buffer))
        except (EOFError, OSError, zlib.error, zipfile.BadZipFile) as exc:
            self._done = True
            self._ctx.error(None, f"{self._what} data is truncated or corrupt ({exc}); "
                                  "what came before was read", skipped=False)
            return 0
        buffer[: len(data)] = data
        return len(data)


def _zip(stream, fmt, ctx, seen):
    raw = getattr(getattr(stream, "raw", None), "_raw", None)  # _Counting -> the evidence file
    if raw is None or not getattr(raw, "seekable", lambda: False)():
        ctx.error(None, "a zip archive inside another compressed file is not read")
        return
    for _name, member in zip_members(raw, ctx):
        yield from _dispatch(member, fmt, ctx, seen)


def zip_members(raw, ctx) -> Iterator[tuple[str, io.BufferedReader]]:
    """(name, decompressing reader) for each file in the zip archive ``raw`` (a seekable binary
    file), read one after the other without unpacking to disk. Members that would expand beyond
    ZIP_MAX_RATIO or ZIP_MAX_TOTAL (zip bombs), or beyond their declared size, are skipped or cut,
    with an error in ``ctx``. Each reader is closed when the next member is asked for."""
    try:
        archive = zipfile.ZipFile(_SeekableReader(raw))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        ctx.error(None, f"zip archive cannot be read: {exc}")
        return
    total = 0
    for info in archive.infolist():
        if info.is_dir():
            continue
        limit = max(info.compress_size * ZIP_MAX_RATIO, 1 << 20)
        if info.file_size > limit or total + info.file_size > ZIP_MAX_TOTAL:
            ctx.error(info.filename, "zip member expands beyond the safety limit "
                                     "(a zip bomb?); skipped")
            continue
        total += info.file_size
        try:
            member = archive.open(info)
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError) as exc:
            ctx.error(info.filename, f"zip member cannot be opened: {exc}")
            continue
        with member:
            capped = _Capped(member, limit, ctx, info.filename)
            yield info.filename, io.BufferedReader(capped, buffer_size=1 << 20)


class _Capped(_Truncation):
    def __init__(self, inner, limit, ctx, name):
        super().__init__(inner, ctx, f"zip member {name}")
        self._left = limit

    def readinto(self, buffer):
        if self._left <= 0:
            if not self._done:
                self._done = True
                self._ctx.error(None, f"{self._what} expands beyond its declared size; stopped")
            return 0
        n = super().readinto(memoryview(buffer)[: min(len(buffer), self._left)])
        self._left -= n
        return n


class _SeekableReader(io.RawIOBase):
    """Give zipfile the seekable raw file beneath our counting buffer."""

    def __init__(self, raw):
        self._raw = raw

    def seekable(self):
        return True

    def readable(self):
        return True

    def seek(self, offset, whence=0):
        return self._raw.seek(offset, whence)

    def tell(self):
        return self._raw.tell()

    def readinto(self, buffer):
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
