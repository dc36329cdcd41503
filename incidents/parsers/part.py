"""One part of a split parse, in its own process (see ``split.py``): ``python -m
incidents.parsers.part`` reads its job (a pickle) on stdin, prints ``bytes records skipped``
lines on stdout as it reads, and writes its outcome (a pickle) where the job says. No Django."""

import io
import pickle
import sys

from .base import ParseContext
from .formats.pcap import LAYOUT_BLOCKS
from .registry import parse_part


class Range(io.RawIOBase):
    """Bytes [start, end) of a file, after an optional prefix (the pcap file header)."""

    def __init__(self, path: str, start: int, end: int, prefix: bytes = b""):
        self._handle = open(path, "rb")  # noqa: SIM115 - closed with this reader
        self._handle.seek(start)
        self._left, self._prefix = end - start, prefix

    def readable(self):
        return True

    def readinto(self, buffer):
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        if self._left <= 0:
            return 0
        data = self._handle.read(min(len(buffer), self._left))
        n = len(data)
        buffer[:n] = data
        self._left -= n
        return n

    def close(self):
        self._handle.close()
        super().close()


def run(job: dict, out=sys.stdout.buffer) -> dict:
    ctx = ParseContext(tz=job["tz"], reference=job["reference"], own_networks=job["own_networks"])
    prefix = job["header"] if job["kind"] != "lines" else b""
    marks: dict = {}

    def progress(c: ParseContext) -> None:
        out.write(f"{max(c.bytes_read - len(prefix), 0)} {c.records} {c.skipped}\n".encode())
        out.flush()

    def on_cut(c: ParseContext) -> None:
        marks["at_cut"] = c.syslog_state()
        if job["inject"] is not None:
            c.syslog_restore(job["inject"])

    warm = None
    if job["kind"] == "lines" and job["warm_from"] is not None:
        warm = io.BufferedReader(Range(job["path"], job["warm_from"], job["start"]), 1 << 20)
    with Range(job["path"], job["start"], job["end"], prefix) as handle:
        outcome = parse_part(handle, kind=job["kind"], fmt=job["fmt"], ctx=ctx, progress=progress,
                             warm=warm, on_cut=on_cut)
    if warm is not None:
        warm.close()
    outcome.offenders._ctx = None  # the context holds per-parse memory the parent does not need
    return {"outcome": outcome, "at_cut": marks.get("at_cut", ctx.syslog_state()),
            "at_end": ctx.syslog_state(), "ended_early": ctx.ended_early,
            "layout": ctx.state.get(LAYOUT_BLOCKS, 0)}


def main() -> None:
    job = pickle.load(sys.stdin.buffer)  # noqa: S301 - written by the parent process
    result = run(job)
    with open(job["result"], "wb") as handle:
        pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)


if __name__ == "__main__":
    main()
