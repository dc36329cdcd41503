"""Parse one evidence file without storing anything: for scripting and trying a new log format."""

import json
import zoneinfo
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from incidents.parsers import ParseContext, UnknownFormat, format_names
from incidents.parsers.split import PartFailed, parse_file


class Command(BaseCommand):
    help = ("Parse PATH (format detected from its content unless --format is given) and print "
            "the offenders found. Nothing is stored.")

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--format", dest="fmt", default=None,
                            help="Force a format: " + ", ".join(format_names()))
        parser.add_argument("--tz", default="UTC",
                            help="Zone of timestamps written without one (default UTC)")
        parser.add_argument("--reference", default=None,
                            help="ISO time the log ends by, for syslog lines without a year "
                                 "(default: the file's modification time)")
        parser.add_argument("--json", action="store_true", help="Print JSON (see DESIGN.md)")
        parser.add_argument("--processes", type=int, default=None,
                            help="Processes for a large plain file (default PARSE_PROCESSES; "
                                 "1: one process); the output is the same")

    def handle(self, *args, path, fmt, tz, reference, json: bool, processes, **options):
        processes = settings.PARSE_PROCESSES if processes is None else processes
        if processes < 1:
            raise CommandError("--processes must be at least 1")
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            zone = zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise CommandError(f"Unknown time zone {tz!r}: use an IANA name such as "
                               "Europe/Berlin or UTC") from exc
        if reference:
            try:
                ref = datetime.fromisoformat(reference)
            except ValueError as exc:
                raise CommandError(f"--reference {reference!r} is not an ISO 8601 time") from exc
            ref = ref if ref.tzinfo else ref.replace(tzinfo=zone)
        else:
            ref = datetime.fromtimestamp(file.stat().st_mtime, tz=UTC)
        ctx = ParseContext(tz=zone, reference=ref, own_networks=settings.OWN_NETWORKS_PARSED)
        try:
            outcome = parse_file(file, fmt=fmt, ctx=ctx, processes=processes,
                                 min_bytes=settings.PARSE_SPLIT_MIN_BYTES)
        except (UnknownFormat, PartFailed) as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from exc
        result = outcome.as_json()
        if json:
            self.stdout.write(_dumps(result))
            return
        self.stdout.write(f"format {result['format']}: {result['records']} records, "
                          f"{result['skipped']} skipped, {outcome.errors_total} errors, "
                          f"{len(result['offenders'])} offenders")
        for error in result["errors"][:20]:
            self.stdout.write(f"  error at {error['at']}: {error['error']}")
        for o in result["offenders"]:
            note = f"  [{o['excluded']}]" if o["excluded"] else ""
            self.stdout.write(f"{o['ip']:>40} {o['count']:>8}  {o['first_seen'] or '-'} .. "
                              f"{o['last_seen'] or '-'}{note}")


def _dumps(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
