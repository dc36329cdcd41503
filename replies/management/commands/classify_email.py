"""Classify one mail (a file, or standard input with '-') without storing anything."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from replies.classify import classify_message
from replies.mime import MAX_MESSAGE_BYTES


class Command(BaseCommand):
    help = ("Classify the mail in PATH ('-' for standard input) as human_reply, auto_reply, bounce, "
            "abuse_report or unrelated, with bounced recipients, the ISP's ticket and our reference.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="A file holding one raw RFC 5322 message, or '-' for stdin")
        parser.add_argument("--json", action="store_true", help="Print JSON (see DESIGN.md)")

    def handle(self, *args, path: str, json: bool, **options):
        raw = self._read(path)
        result = classify_message(raw).as_json()
        if json:
            self.stdout.write(_dumps(result))
            return
        line = result["kind"].replace("_", " ")
        if result["kind"] == "bounce":
            line += (" (temporary)" if result["temporary"] else " (permanent)")
            line += ": " + (", ".join(result["bounced_recipients"]) or "no recipient named")
        self.stdout.write(line)
        if result["isp_ticket"]:
            self.stdout.write(f"ISP ticket: {result['isp_ticket']}")
        self.stdout.write(f"our reference: {result['report_reference'] or 'none found'}")

    def _read(self, path: str) -> bytes:
        # One byte beyond the bound is enough: the classifier reads no more than that anyway.
        if path == "-":
            return sys.stdin.buffer.read(MAX_MESSAGE_BYTES + 1)
        file = Path(path)
        if not file.exists():
            raise CommandError(f"{path}: no such file")
        if not file.is_file():
            raise CommandError(f"{path}: not a file")
        try:
            with file.open("rb") as handle:
                return handle.read(MAX_MESSAGE_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from exc


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False)
