"""Long hostile lines: does any line format take more than linear time on a long line?

Evidence lines may be up to 1 MiB long. A regular expression that restarts a scan to the end of the
line from every position of a long run takes time quadratic in the line's length: a few hundred
kilobytes of a repeated filler can then hold a worker for minutes. This benchmark builds lines of
repeated fillers (near misses of common messages, brackets, quotes, separators, address-like
runs...) at two lengths, runs every registered line format over them (``parse_line``, and every
rule of the service tables on its own), and prints for each format its worst time and how that
time grew when the line doubled: about 2x is linear, about 4x is quadratic.

The baseline, timed in the same run on the same lines, is one linear pass over the line
(``str.split``), so that the figures read as "this many passes over the line" on any machine.

    .venv/bin/python bench/longlines.py               # 32 KB and 64 KB lines
    .venv/bin/python bench/longlines.py --kb 100      # 100 KB and 200 KB lines

The exit status is 1 when a format grew more than ``--max-growth`` times (default 3) and took more
than ``--min-ms`` milliseconds (default 20) on the longer line.
"""

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abusedesk.settings")

FILLERS = (
    "a", " ", "[", "]", "(", "\"", "'", "=", "a=", "a=b ", ":", "::", "1.", "1.2.3.4 ", "1.2.3.4:5 ",
    "a:1 ", "from ", "from 1 ", "for a from ", "user=", "src=1.2.3.4 ", "{\"a\":", "<a>", "|", "/",
    "-", ", ", "Failed login for a from 1 at ", "IMAP Error: Login failed for a from 1 x ",
    "Failed password for ", "authentication failure; rhost=", "client ", "[client 1.2.3.4] ",
    "Deny tcp src outside:", "SRC=1.2.3.4 DST=", "rule 1/0(match): ", "id=firewall sn=",
    "\"remote_ip\":\"", "CEF:0|", "type=LOGIN_ERROR, ", "%ASA-4-106023: ",
)
PREFIXES = ("", "Nov 18 06:25:03 host prog[1]: ", "2024-11-18T06:25:03Z host ")


def _load():
    from incidents.parsers import compiled
    compiled.install()
    from incidents.parsers import ParseContext, format_names
    from incidents.parsers.formats import services
    from incidents.parsers.registry import _LINE_FORMATS
    format_names()
    return ParseContext, _LINE_FORMATS, services, compiled


def _time(call, line: str) -> float:
    started = time.perf_counter()
    with contextlib.suppress(Exception):  # a raising format is the robustness tests' business
        call(line)
    return time.perf_counter() - started


def _lines(size: int) -> list[tuple[str, str]]:
    """(filler, line) of every prefix and filler, the line ``size`` characters long or so."""
    return [(filler, prefix + filler * (size // len(filler)) + "!")
            for prefix in PREFIXES for filler in FILLERS]


def _best(call, line: str, first: float, runs: int = 4) -> float:
    """The best of ``first`` and ``runs`` more timings: noise (another process, a page fault) only
    ever adds time, so the best is the format's own."""
    return min(first, *(_time(call, line) for _ in range(runs)))


def measure(kb: int, max_growth: float = 3.0) -> tuple[dict[str, tuple[float, float, str]], float, float]:
    """{format or rule: (worst seconds at kb, at 2*kb, its filler)}, and the baseline's worst at each.
    A pair of lines that seems to grow more than ``max_growth`` times is timed again, and its best
    timings count (this machine's noise must not read as a quadratic expression)."""
    ParseContext, formats, services, _ = _load()
    calls = {}
    for fmt in formats.values():
        calls[fmt.name] = (lambda f: lambda line: f.parse_line(line, ParseContext()))(fmt)
    for fmt in services.FORMATS:
        for n, rule in enumerate(fmt.rules):
            calls[f"{fmt.name} rule {n + 1}"] = rule.pattern.search
    short, long_ = _lines(kb * 1024), _lines(2 * kb * 1024)
    base_short = max(_time(str.split, line) for _, line in short)
    base_long = max(_time(str.split, line) for _, line in long_)
    found = {}
    for name, call in calls.items():
        worst = (0.0, 0.0, "")
        for (filler, a), (_, b) in zip(short, long_, strict=True):
            t_short = _time(call, a)
            if t_short < worst[0] / 4:
                continue  # far from this format's worst: the longer line is not needed
            t_long = _time(call, b)
            if t_short > 0 and t_long / t_short > max_growth:
                t_short, t_long = _best(call, a, t_short), _best(call, b, t_long)
            if t_long > worst[1]:
                worst = (t_short, t_long, filler)
        found[name] = worst
    return found, base_short, base_long


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=int, default=32,
                        help="the shorter line's length in KB (the longer: twice)")
    parser.add_argument("--most", type=int, default=15, help="rows to print, slowest first")
    parser.add_argument("--max-growth", type=float, default=3.0)
    parser.add_argument("--min-ms", type=float, default=20.0)
    args = parser.parse_args()
    found, base_short, base_long = measure(args.kb, args.max_growth)
    *_, compiled = _load()
    print(f"bench/longlines.py: {len(found)} formats and service rules, {len(FILLERS) * len(PREFIXES)} "
          f"lines of {args.kb} KB and {2 * args.kb} KB; parsers "
          f"{'compiled' if compiled.all_compiled() else 'plain Python (some or all)'}")
    print(f"baseline (str.split, one pass): {base_short * 1e3:.2f} ms and {base_long * 1e3:.2f} ms")
    print(f"{'format or rule':<44} {args.kb:>5} KB ms {2 * args.kb:>5} KB ms  growth  x baseline  filler")
    def grew(times: tuple[float, float, str]) -> bool:
        t_short, t_long, _ = times
        return t_short > 0 and t_long / t_short > args.max_growth and t_long * 1e3 > args.min_ms

    failed = [name for name, times in found.items() if grew(times)]
    ranked = sorted(found.items(), key=lambda kv: -kv[1][1])
    # the slowest, and every one that grew too fast wherever it ranks
    shown = ranked[: args.most] + [kv for kv in ranked[args.most:] if grew(kv[1])]
    for name, (t_short, t_long, filler) in shown:
        growth = t_long / t_short if t_short > 0 else 0.0
        flag = "  SUPERLINEAR" if name in failed else ""
        print(f"{name:<44} {t_short * 1e3:>11.2f} {t_long * 1e3:>11.2f} {growth:>7.1f} "
              f"{t_long / base_long:>11.1f}  {filler!r}{flag}")
    if failed:
        print(f"superlinear on long lines: {', '.join(failed)}")
        return 1
    print("no format grew superlinearly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
