"""What every parser shares: the record it yields, the context it reads with, time helpers.

A parser never raises on bad input: it records an error (with the line or packet number) on the
context, counts the record as skipped and goes on.
"""

import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

MAX_ERRORS_KEPT = 200
MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


class Kind:
    """Kinds of hostile activity a record can show."""

    FAILED_LOGIN = "failed login"
    BLOCKED = "blocked connection"
    IDS_ALERT = "IDS alert"
    SCAN = "scan"
    PACKETS = "packets"
    WEB_REQUEST = "web request"
    LISTED = "listed"
    # Not hostile: traffic a firewall allowed, or that left our side. Its source is listed (every
    # address a firewall line names is accounted for) but never reported or looked up.
    SEEN = "allowed or outbound traffic"


NOT_HOSTILE = "seen only in allowed or outbound traffic"


@dataclass(slots=True)
class Record:
    """One hostile event: who (``src``, an address or a host name as seen), when, against what.

    The pcap reader builds records positionally (it is the hot path): new fields go at the end.
    """

    src: str
    at: datetime | None = None  # aware, UTC
    kind: str = Kind.BLOCKED
    dst: str | None = None  # our host that was targeted
    dst_port: int | None = None
    signature: str | None = None  # IDS signature, event id, service name...
    location: int | None = None  # line or packet number, 1-based
    # The offender's own source port, when the evidence states it (never our side's port): what
    # an abuse desk behind CGNAT needs to find the subscriber (XARF requires it for IP sources).
    src_port: int | None = None


@dataclass
class ParseContext:
    """Options and running counters of one parse.

    ``tz`` is the zone of timestamps written without one; ``reference`` the moment the evidence
    was declared to end (or was uploaded): syslog lines without a year are placed no later than
    that, and a file that runs across New Year moves on to the next year instead of jumping back.
    """

    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    reference: datetime = field(default_factory=lambda: datetime.now(UTC))
    own_networks: tuple = ()
    lanes: bool = True  # read the commonest layouts through lanes (False: every line by the line loop)
    records: int = 0
    skipped: int = 0
    errors: list[dict] = field(default_factory=list)
    errors_total: int = 0
    bytes_read: int = 0
    state: dict = field(default_factory=dict)  # per-parse memory of formats, keyed by format name
    # Reading stopped before the end of the data (a packet cut short, a corrupt header, a stream
    # parser's failure): a split parse checks that no part but the last one ended this way.
    ended_early: bool = False
    _year: int | None = None
    _last_syslog: datetime | None = None
    _last_stamp: tuple | None = None  # (month, day, hms) -> UTC of the previous call
    _last_utc: datetime | None = None
    _last_text: str | None = None  # the stamp as written, when the previous call was syslog_stamp
    _zone: object = None  # ``tz``, or UTC itself when ``tz`` is UTC under another name

    def error(self, location: int | str | None, message: str, *, skipped: bool = True) -> None:
        self.errors_total += 1
        if skipped:
            self.skipped += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append({"at": location, "error": message})

    def syslog_state(self) -> tuple:
        """What year inference remembers: equal states give equal times for the lines to come."""
        return self._year, self._last_syslog, self._last_stamp, self._last_utc

    @contextmanager
    def syslog_untouched(self):
        """Year inference as it was before the block, whatever the block read (a lane reading a
        line's time to compare it with the line loop's reading)."""
        state = self.syslog_state()
        try:
            yield
        finally:
            self.syslog_restore(state)

    def syslog_restore(self, state: tuple) -> None:
        self._year, self._last_syslog, self._last_stamp, self._last_utc = state
        self._last_text = None

    def local(self, naive: datetime) -> datetime:
        """A wall-clock time written in the evidence's zone, as UTC."""
        return naive.replace(tzinfo=self.tz).astimezone(UTC)

    def syslog_time(self, month: str, day: int, hms: str) -> datetime | None:
        """``Nov 24 03:14:07`` (no year) as UTC, the year inferred as described on the class."""
        stamp = (month, day, hms)
        if stamp == self._last_stamp:  # busy logs repeat a second many times: same answer
            return self._last_utc
        utc = self._syslog_time(month, day, hms)
        self._last_stamp, self._last_utc, self._last_text = stamp, utc, None
        return utc

    def syslog_stamp(self, text: str) -> datetime | None:
        """``syslog_time`` of a stamp as written, ``Nov 24 03:14:07`` (the lanes' path: a busy log
        repeats its previous line's stamp, answered by one comparison)."""
        if text == self._last_text:
            return self._last_utc
        month, day, hms = text.split()
        utc = self.syslog_time(month, int(day), hms)
        self._last_text = text
        return utc

    def _syslog_time(self, month: str, day: int, hms: str) -> datetime | None:
        try:
            mon = MONTHS[month[:3].lower()]
            if len(hms) == 8 and hms[2] == ":" == hms[5] and hms.isascii():  # HH:MM:SS, the usual
                hour, minute, second = int(hms[:2]), int(hms[3:5]), int(hms[6:])
            else:
                hour, minute, second = (int(float(x)) for x in hms.split(":"))
        except (KeyError, ValueError):
            return None
        zone = self._zone
        if zone is None:  # a zone that is UTC under another name is UTC itself: no conversion
            zone = self._zone = UTC if _is_utc(self.tz) else self.tz
        if self._year is None:
            local_ref = self.reference.astimezone(zone)
            self._year = local_ref.year
            try:
                first = datetime(self._year, mon, day, hour, minute, second, tzinfo=zone)
            except ValueError:
                return None
            if first > local_ref + timedelta(days=1):
                self._year -= 1
        try:
            when = datetime(self._year, mon, day, hour, minute, second, tzinfo=zone)
        except ValueError:  # 29 Feb in a common year, 31 Nov...
            return None
        last = self._last_syslog
        if last is not None and when < last - _HALF_YEAR:
            try:  # Dec 31 -> Jan 1: the next year, never the same one again
                when = when.replace(year=self._year + 1)
            except ValueError:  # 29 Feb, and the next year has none: no time, and no new year
                return None
            self._year += 1
        elif last is not None and when > last + _HALF_YEAR:
            # Jan 1 -> Dec 31: a line written before New Year and logged after a line written
            # after it (a log host merging several hosts' lines): last year's, and the year goes on
            try:
                late = when.replace(year=self._year - 1)
            except ValueError:
                late = None
            if late is not None and last - _LATE <= late <= last:
                return late if zone is UTC else late.astimezone(UTC)
        self._last_syslog = when
        return when if zone is UTC else when.astimezone(UTC)


_HALF_YEAR = timedelta(days=180)
_LATE = timedelta(days=7)  # how much earlier than the line before a line may be written across New Year
_UTC_NAMES = frozenset(("UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"))


def json_object(line: str) -> dict | None:
    """The JSON object a line holds (JSON-per-line logs), or None for any other line."""
    text = line.strip()
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested too deep to read
        return None
    return value if isinstance(value, dict) else None


def _is_utc(tz) -> bool:
    return tz is UTC or getattr(tz, "key", None) in _UTC_NAMES


class LineFormat:
    """A text format read one line at a time.

    ``keywords``: cheap substring tests; a line containing none of them is not tried at all.
    ``parse_line`` returns None for a line that is not this format's (or not hostile), else one
    Record or several.
    """

    name: str = ""
    label: str = ""
    keywords: tuple[str, ...] = ()
    # A record is read from one line, with no memory of earlier lines beyond what a short warm-up
    # restores (sshd connections, syslog years): a large file of such lines may be split into
    # parts parsed at once (``split.py``). Formats that assemble blocks or remember a header say no.
    single_line: bool = True
    # For a format without keywords (asked about every line): False when ``wants`` is surely False
    # for a line that starts with a BSD syslog stamp (``Nov  3 12:00:00 ``). When every such format
    # of a parse says so, the C engine passes over a stamped line that holds no keyword and that
    # no lane reads, as the line loop would find no candidate for it.
    wants_bsd_syslog: bool = True

    def wants(self, line: str) -> bool:
        if not self.keywords:
            return True
        pattern = self.__dict__.get("_keyword_pattern")
        if pattern is None:  # one C-level search instead of a Python loop over the keywords
            pattern = self._keyword_pattern = re.compile("|".join(map(re.escape, self.keywords)))
        return pattern.search(line) is not None

    def parse_line(self, line: str, ctx: ParseContext) -> Record | Iterable[Record] | None:
        raise NotImplementedError


class StreamFormat:
    """A binary format (pcap, evtx) recognised by its first bytes and read from a file object."""

    name: str = ""
    label: str = ""

    def sniff(self, head: bytes) -> bool:
        raise NotImplementedError

    def records(self, stream, ctx: ParseContext) -> Iterator[Record]:
        raise NotImplementedError
