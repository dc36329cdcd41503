"""From records to offenders: one summary per source, in constant memory per source.

Capped collections keep the first values seen (in file order), so that the summaries of the parts
of a split file merge into exactly what one pass would have kept (``OffenderSummary.merge``).
"""

from datetime import datetime

from . import compiled
from .addresses import exclusion_reason, normalise
from .base import NOT_HOSTILE, Kind, ParseContext, Record

MAX_PORTS = 64
MAX_TARGETS = 64
MAX_SIGNATURES = 32
MAX_SOURCE_PORTS = 16  # the offender's own ports: the first few, enough for a CGNAT look-up
MAX_LOCATIONS = 20  # the first lines or packets of each source, for the excerpt


class FirstSeen(dict):
    """A set that remembers the order its values were first added (a dict of value -> None);
    equal to a set with the same values. The order is what makes capped sets mergeable."""

    __slots__ = ()

    def add(self, value) -> None:
        self[value] = None

    def __eq__(self, other):
        if isinstance(other, (set, frozenset)):
            return self.keys() == other
        return dict.__eq__(self, other)

    __hash__ = None

    def __repr__(self):
        return f"FirstSeen({list(self)!r})"


def _first(into, more, cap: int) -> None:
    """Continue ``into`` (a FirstSeen or a list of distinct values) with ``more``, as one pass
    would have: new values in order while there is room."""
    if isinstance(into, list):
        seen = set(into)
        for value in more:
            if len(into) >= cap:
                return
            if value not in seen:
                seen.add(value)
                into.append(value)
        return
    for value in more:
        if len(into) >= cap:
            return
        if value not in into:
            into[value] = None


class OffenderSummary:
    __slots__ = ("count", "first_seen", "hostile", "kinds", "last_seen", "locations", "ports", "signatures",
                 "source_ports", "src", "targets")

    def __init__(self, src: str):
        self.src = src
        self.hostile = False  # any record other than allowed/outbound traffic
        self._reset()

    def _reset(self) -> None:
        self.count = 0
        self.first_seen: datetime | None = None
        self.last_seen: datetime | None = None
        self.ports: FirstSeen = FirstSeen()
        self.targets: FirstSeen = FirstSeen()
        self.kinds: set[str] = set()
        self.signatures: FirstSeen = FirstSeen()
        self.locations: list[int] = []  # the first few lines or packets, for the excerpt
        # the offender's own source ports: distinct, in the order first seen, at most 16
        self.source_ports: list[int] = []

    def add(self, record: Record) -> None:
        self.add_row(record.at, record.kind, record.dst, record.dst_port, record.signature,
                     record.location, record.src_port)

    def add_row(self, at, kind, dst, dst_port, signature, location, sport) -> None:
        """``add`` of a record's values (the lanes' path: no Record is made)."""
        if kind == Kind.SEEN:
            if self.hostile:
                return  # traffic an attacker was allowed adds nothing to its attempts
        elif not self.hostile:
            self._reset()  # from the first hostile record on, only hostile ones count
            self.hostile = True
        self.count += 1
        if at is not None:
            if self.first_seen is None or at < self.first_seen:
                self.first_seen = at
            if self.last_seen is None or at > self.last_seen:
                self.last_seen = at
        if dst_port is not None and len(self.ports) < MAX_PORTS:
            self.ports[dst_port] = None
        if sport is not None and len(self.source_ports) < MAX_SOURCE_PORTS \
                and sport not in self.source_ports:
            self.source_ports.append(sport)
        if dst and len(self.targets) < MAX_TARGETS:
            self.targets[dst] = None
        self.kinds.add(kind)
        if signature and len(self.signatures) < MAX_SIGNATURES:
            self.signatures[signature] = None
        if location is not None and len(self.locations) < MAX_LOCATIONS:
            self.locations.append(location)

    def merge(self, later: "OffenderSummary", shift: int = 0) -> None:
        """Add the summary of a later part of the same file (its locations ``shift`` lines or
        packets on), giving what one pass over both parts gives: once a source is hostile only
        hostile records count, so a hostile part replaces everything merged before it that was
        not, and a part that is not adds nothing to a hostile source."""
        if later.hostile != self.hostile:
            if not later.hostile:
                return
            self._reset()
            self.hostile = True
        self.count += later.count
        if later.first_seen is not None and (self.first_seen is None or later.first_seen < self.first_seen):
            self.first_seen = later.first_seen
        if later.last_seen is not None and (self.last_seen is None or later.last_seen > self.last_seen):
            self.last_seen = later.last_seen
        _first(self.ports, later.ports, MAX_PORTS)
        _first(self.targets, later.targets, MAX_TARGETS)
        _first(self.signatures, later.signatures, MAX_SIGNATURES)
        _first(self.source_ports, later.source_ports, MAX_SOURCE_PORTS)
        self.kinds |= later.kinds
        room = MAX_LOCATIONS - len(self.locations)
        if room > 0:
            self.locations.extend(n + shift for n in later.locations[:room])

    @classmethod
    def of(cls, src, hostile, count, first_seen, last_seen, ports, targets, kinds, signatures, locations,
           source_ports) -> "OffenderSummary":
        """A summary from its values (what ``_fastlane.Aggregator.export`` gives for a source)."""
        summary = cls(src)
        summary.hostile, summary.count = hostile, count
        summary.first_seen, summary.last_seen = first_seen, last_seen
        summary.ports, summary.targets = FirstSeen(ports), FirstSeen(targets)
        summary.kinds, summary.signatures = set(kinds), FirstSeen(signatures)
        summary.locations, summary.source_ports = list(locations), list(source_ports)
        return summary

    @property
    def rate_per_minute(self) -> float | None:
        """Attempts per minute over the active window (first to last seen)."""
        if self.first_seen is None or self.last_seen is None or self.count < 2:
            return None
        minutes = (self.last_seen - self.first_seen).total_seconds() / 60
        return round(self.count / minutes, 3) if minutes > 0 else None


class Offenders:
    """Every source's summary. While a parse adds rows, the C aggregator (``_fastlane.c``), when
    built, keeps them: ``OffenderSummary.add_row`` of each row, in C. ``by_src`` settles them into
    summaries, after which everything is plain Python."""

    def __init__(self, ctx: ParseContext):
        self._ctx = ctx
        self._by_src: dict[str, OffenderSummary] = {}
        native = compiled.native()
        self._agg = native.Aggregator(Kind.SEEN) if native is not None else None

    @property
    def by_src(self) -> dict[str, OffenderSummary]:
        if self._agg is not None:
            self.settle()
        return self._by_src

    def settle(self) -> None:
        """Turn what the C aggregator holds into summaries; it is not used again."""
        agg, self._agg = self._agg, None
        if agg is not None:
            for values in agg.export():
                self._by_src[values[0]] = OffenderSummary.of(*values)

    def __getstate__(self):
        self.settle()
        return {"_ctx": self._ctx, "_by_src": self._by_src, "_agg": None}

    def add(self, record: Record) -> None:
        record.src = normalise(record.src) or record.src  # one row per address, however written
        self.add_row(record.src, record.at, record.kind, record.dst, record.dst_port, record.signature,
                     record.location, record.src_port)

    def add_row(self, src, at, kind, dst, dst_port, signature, location, sport) -> None:
        """``add`` of a record's values; ``src`` already normalised (``host_or_address``)."""
        if self._agg is not None:
            self._agg.add_row(src, at, kind, dst, dst_port, signature, location, sport)
            return
        summary = self._by_src.get(src)
        if summary is None:
            summary = self._by_src[src] = OffenderSummary(src)
        summary.add_row(at, kind, dst, dst_port, signature, location, sport)

    def add_rows(self, rows) -> None:
        """``add_row`` of each row (src, at, kind, dst, dst port, signature, location, source port)."""
        if self._agg is not None:
            self._agg.add_rows(rows)
            return
        by_src = self._by_src
        for row in rows:
            summary = by_src.get(row[0])
            if summary is None:
                summary = by_src[row[0]] = OffenderSummary(row[0])
            summary.add_row(*row[1:])

    def __len__(self):
        return self._agg.size() if self._agg is not None else len(self._by_src)

    def merge(self, later: "Offenders", shift: int = 0) -> None:
        """Add the offenders of a later part of the same file (see ``OffenderSummary.merge``)."""
        for src, summary in later.by_src.items():
            mine = self.by_src.get(src)
            if mine is None:
                if shift:
                    summary.locations = [n + shift for n in summary.locations]
                self.by_src[src] = summary
            else:
                mine.merge(summary, shift)

    def __iter__(self):
        return iter(sorted(self.by_src.values(), key=lambda s: (-s.count, s.src)))

    def as_json(self) -> list[dict]:
        own = self._ctx.own_networks
        return [
            {
                "ip": s.src,
                "count": s.count,
                "first_seen": s.first_seen.isoformat() if s.first_seen else None,
                "last_seen": s.last_seen.isoformat() if s.last_seen else None,
                "ports": sorted(s.ports),
                "targets": sorted(s.targets),
                "kinds": sorted(s.kinds),
                "signatures": sorted(s.signatures),
                "rate_per_minute": s.rate_per_minute,
                "excluded": exclusion_reason(s.src, own) or (None if s.hostile else NOT_HOSTILE),
                "source_ports": list(s.source_ports),  # first seen first, at most 16
            }
            for s in self
        ]
