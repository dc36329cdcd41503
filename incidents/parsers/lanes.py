"""Lanes: a faster path through the line loop for the commonest layouts of the busiest formats.

The line loop asks each candidate format in turn to parse a line (``registry.LineReader``): exact,
and about as slow as pure Python gets. A lane names one layout with a single regular expression
(a kernel firewall line as syslog writes it, an sshd message with its syslog header...); the
block loop matches all lanes' expressions, as one, on each line, and the lines they match are
read from the match's groups, without asking every format.

A lane must give what the line loop gives, record for record. Each lane keys its lines by
*shape* (what decides the outcome besides the addresses, ports and times: the logging host, the
log prefix, the message id...) and learns the outcome of each shape from the format itself:
the first line of a new shape, and every ``RECHECK``-th line after it, is read by the line loop,
and the lane's own reading of that line is compared with it. A shape whose reading differs is
left to the line loop for the rest of the parse. ``tests/test_parsers_lanes.py`` compares both
paths over generated and real logs and over random lines drawn from each lane's expression.
"""

import re
from collections.abc import Callable

from . import compiled
from .addresses import normalise
from .base import LineFormat, Record

RECHECK = 4096  # a known shape is read by the line loop again every this many lines
MAX_SHAPES = 4096  # shapes remembered per lane; lines of further new shapes take the line loop
SLOW = object()  # a shape the lane leaves to the line loop
# A syslog stamp as lanes read it: BSD (always 15 characters, the year inferred) or RFC 3339, as
# rsyslog writes it by default since Debian 12 (19 characters or more). A lane keys its shapes by
# the stamp's length too, so that each form is checked against the line loop.
LANE_RFC3339 = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)?"
LANE_STAMP = (r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}\d{1,2} \d\d:\d\d:\d\d|"
              + LANE_RFC3339)
BSD_STAMP_LENGTH = 15

_LANES: list[Callable] = []


def register_lane(factory: Callable) -> Callable:
    """Add a lane class; it is used when every format it names is among those tried."""
    _LANES.append(factory)
    return factory


class Lane:
    """One layout. ``formats``: the names of the formats its lines belong to (the lane is only
    used when all of them are tried, e.g. not when another format is forced); ``pattern``: one
    whole line without its end of line (so never ending in something that matches ``\\r``), its
    group names prefixed with the lane's ``prefix``, each of its alternatives ending in an empty
    group named in ``markers`` (the group a match closes last tells which lane, and which of its
    alternatives, matched the line)."""

    formats: tuple[str, ...] = ()
    prefix: str = ""
    pattern: str = ""
    markers: tuple[str, ...] = ()
    # how the lane's formats read the time of a line stamped RFC 3339: (line, context) -> UTC or None
    read_time: Callable = staticmethod(lambda line, ctx: None)

    def __init__(self, reader):
        self.reader, self.ctx = reader, reader.ctx
        self.by_name: dict[str, LineFormat] = {f.name: f for f in reader.formats}
        self.shapes: dict = {}
        self._dated = self._dated_at = None  # the last RFC 3339 stamp read, and its time

    def stamp_time(self, stamp: str, line: str):
        """The time of ``line``, stamped ``stamp`` (``LANE_STAMP``), as the lane's formats read it:
        a BSD stamp through year inference, an RFC 3339 one through ``read_time``."""
        if len(stamp) == BSD_STAMP_LENGTH:
            return self.ctx.syslog_stamp(stamp)
        if stamp != self._dated:
            self._dated, self._dated_at = stamp, self.read_time(line, self.ctx)
        return self._dated_at

    def learn(self, key, shape, count: int) -> list:
        """Set the entry [shape, count] of ``key``. A key's entry, once made, stays the same list
        (changed in place): the C engine keeps it (``_fastlane.c``)."""
        entry = self.shapes.get(key)
        if entry is None:
            entry = self.shapes[key] = [shape, count]
        else:
            entry[0], entry[1] = shape, count
        return entry

    def bind(self, index: dict[str, int]) -> None:
        """Learn the numbers of the lane's groups in the combined expression (``index``: its
        ``groupindex``): a group read by number is found faster than by name. ``alt_of``: the
        number of each marker group -> its alternative (1 for the first of ``markers``...)."""
        self.alt_of = {index[marker]: alt for alt, marker in enumerate(self.markers, 1)}

    def take(self, m: re.Match, number: int, rows: list) -> tuple[str, list[Record]] | None:
        """Read the matched line: append (format name, row or None) to ``rows`` (see
        ``registry._Rows``), or return
        what ``LineReader.one`` gives for it (format name, records) when the line loop read it."""
        raise NotImplementedError

    def engine_args(self) -> dict:
        """What ``_fastlane.Engine`` needs to read this lane's lines in C (see ``fast_engine``);
        a lane the engine does not know gives nothing, and its lines stay with Python."""
        return {}

    def line(self, m: re.Match) -> str:
        """The matched line without its end of line (``\\r`` included, as the line loop strips it)."""
        return m.string.rstrip("\r")

    def slow(self, m: re.Match, number: int):
        return self.reader.one(self.line(m), number)


class ShapeLane(Lane):
    """A lane for a stateless format: a shape's outcome is (format name, kind, signature), or
    (format name, None, None) for a line the format claims without recording anything."""

    def read(self, m: re.Match) -> tuple[tuple, tuple]:
        """(shape key, values) of the matched line: what ``build`` reads."""
        raise NotImplementedError

    def build(self, values: tuple, number: int, shape: tuple) -> tuple | None:
        """The row of a line given its values and its shape's (name, kind, signature): (src, at,
        kind, dst, dst port, signature, line number, source port), or None for no record."""
        raise NotImplementedError

    def take(self, m, number, rows):
        key, values = self.read(m)
        entry = self.shapes.get(key)
        if entry is None or entry[0] is SLOW or entry[1] >= RECHECK:
            return self._check(m, values, number, key, entry)
        entry[1] += 1
        shape = entry[0]
        rows.append((shape[0], None if shape[1] is None else self.build(values, number, shape)))
        return None

    def _check(self, m, values, number, key, entry):
        found = self.slow(m, number)
        if (entry is not None and entry[0] is SLOW) or (entry is None and len(self.shapes) >= MAX_SHAPES):
            return found
        # ``build`` reads the line's time as the lane does: that must leave no trace on the year
        # inference when the line loop read the line otherwise
        with self.ctx.syslog_untouched():
            self._learn(found, values, number, key, entry)
        return found

    def _learn(self, found, values, number, key, entry) -> None:
        shape = SLOW
        if found is not None and found[0] in self.formats:
            name, records = found
            if not records and self.build(values, number, (name, "?", None)) is None:
                return  # nothing recorded because of this line's values (no address...)
            if not records:
                guess = (name, None, None)
            elif len(records) == 1:
                guess = (name, records[0].kind, records[0].signature)
            else:
                guess = None
            if guess is not None and _rows_of(self.build(values, number, guess) if guess[1] else None) \
                    == [as_row(record) for record in records]:
                shape = guess
        if entry is not None and shape != entry[0]:
            shape = SLOW  # the shape read differently from before: not a shape after all
        self.learn(key, shape, 1)


def as_row(record: Record) -> tuple:
    return (normalise(record.src) or record.src, record.at, record.kind, record.dst, record.dst_port,
            record.signature, record.location, record.src_port)


def _rows_of(row: tuple | None) -> list[tuple]:
    return [] if row is None else [row]


class Lanes:
    """The lanes of one parse: one expression for all (each lane's an alternative), ``match``
    run on each line (its ``\n`` removed): on this kind of text, matching line by line is
    faster than scanning a block for line starts. ``takes``: the number of each marker group ->
    its lane's ``take``."""

    def __init__(self, lanes: list[Lane]):
        # ASCII: \d, \w and \s as in ASCII, tested without Unicode's tables (6% less CPU on the
        # bench log); only narrower, so a line with other digits or letters takes the line loop
        self.pattern = re.compile("(?:" + "|".join(f"(?:{lane.pattern})" for lane in lanes) + ")\r*\\Z",
                                  re.ASCII)
        self.match = self.pattern.match
        index = self.pattern.groupindex
        self.lanes = lanes
        self.lane_of = {index[marker]: lane for lane in lanes for marker in lane.markers}
        self.takes = {number: lane.take for number, lane in self.lane_of.items()}
        for lane in lanes:
            lane.bind(index)


def lanes_for(formats: list[LineFormat], reader) -> Lanes | None:
    """The lanes whose formats are all among ``formats`` (none for a single forced format that no
    lane reads)."""
    names = {f.name for f in formats}
    chosen = [factory(reader) for factory in _LANES if set(factory.formats) <= names]
    return Lanes(chosen) if chosen else None


def fast_engine(lanes: Lanes | None, ctx, quiet=None):
    """The C engine (``_fastlane.c``) for these lanes: it reads their commonest lines itself and
    hands every other line back, sharing their shapes, sshd's connections and the syslog year; or
    None (not built, or no lane it knows), and the lanes read every line. ``quiet``: the line
    loop's keyword table (``_Candidates.quiet``), given when a BSD-stamped line holding none of its
    keywords is no format's; the engine then passes over such a line that no lane reads."""
    native = compiled.native()
    if native is None or lanes is None:
        return None
    args, known = {}, True
    for lane in lanes.lanes:
        more = lane.engine_args()
        known = known and bool(more)
        args.update(more)
    if not args:
        return None
    given = {name: args.get(name) for name in _ENGINE_ARGS}
    # ``complete``: every lane of the parse is one the engine reads, so it may tell a line that no
    # lane's expression matches (the line loop then reads it without trying the expression)
    return native.Engine(ctx=ctx, slow=SLOW, recheck=RECHECK, complete=known, quiet=quiet if known else None,
                         **given)


# what ``_fastlane.Engine`` takes besides the context: each lane's ``engine_args``, None when absent
_ENGINE_ARGS = ("nf_shapes", "nf_keywords", "asa_shapes", "asa_at", "ssh_shapes", "ssh_conn", "ssh_conns",
                "max_connections", "ssh_ours", "bye", "fail_invalid", "fail_too_many", "failed_login",
                "several")
