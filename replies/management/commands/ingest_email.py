"""``manage.py ingest_email [PATH | -]``: file one message piped in by the mail server.

Exits 0 once the message is stored (or was stored before), and 75 (EX_TEMPFAIL) when it could
not be stored, so that the mail server keeps it and tries again.
"""

import sys

from django.core.management.base import BaseCommand

from replies.inbound import ingest

EX_DATAERR = 65
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Store, classify and file one inbound message (for a mail server's pipe)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="-", help="file with the raw message, or - for stdin")

    def handle(self, *args, path, **options):
        try:
            if path == "-":
                raw = sys.stdin.buffer.read()
            else:
                with open(path, "rb") as handle:
                    raw = handle.read()
        except OSError as exc:
            self.stderr.write(f"ingest_email: cannot read {path}: {exc}")
            sys.exit(EX_TEMPFAIL)
        if not raw.strip():
            self.stderr.write("ingest_email: empty message, nothing stored")
            sys.exit(EX_DATAERR)  # retrying would not help
        try:
            outcome = ingest(raw, source="pipe")
        except Exception as exc:  # database down, disk full...: the MTA must retry
            self.stderr.write(f"ingest_email: could not store the message: {type(exc).__name__}: {exc}")
            sys.exit(EX_TEMPFAIL)
        message = outcome.message
        where = f"filed on report {message.report_id} ({message.filed_how})" if message.report_id \
            else "unfiled"
        state = "stored" if outcome.created else "already stored"
        self.stdout.write(f"{state}: message {message.pk}, {message.kind}, {where}")
