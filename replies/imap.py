"""The IMAP poller: fetch new mail from the abuse mailbox, ingest it, then move or flag it.

Run by Celery beat (``replies.tasks.poll_mailbox``). A message is marked done on the server only
after it is stored, so a crash in between fetches it again next time, and ``ingest`` files it once.
"""

import contextlib
import imaplib
import logging
import ssl
from dataclasses import dataclass

from django.conf import settings

from .inbound import ingest

log = logging.getLogger(__name__)
DONE_FLAG = "$AbuseDeskFiled"


@dataclass
class PollResult:
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    failed: int = 0


def _connect() -> imaplib.IMAP4:
    host, port, timeout = settings.IMAP_HOST, settings.IMAP_PORT, settings.IMAP_TIMEOUT_SECONDS
    security = settings.IMAP_SECURITY
    if security == "ssl":
        conn = imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(), timeout=timeout)
    else:
        conn = imaplib.IMAP4(host, port, timeout=timeout)
        if security == "starttls":
            conn.starttls(ssl_context=ssl.create_default_context())
    conn.login(settings.IMAP_USER, settings.IMAP_PASSWORD)
    return conn


def poll(*, limit: int = 200) -> PollResult:
    """Fetch up to ``limit`` messages not yet done, ingest each, then mark it done on the server."""
    result = PollResult()
    if not settings.IMAP_HOST:
        return result
    conn = _connect()
    try:
        typ, _ = conn.select(_quote(settings.IMAP_FOLDER))
        if typ != "OK":
            raise imaplib.IMAP4.error(f"cannot open folder {settings.IMAP_FOLDER!r}")
        _typ, permanent = conn.response("PERMANENTFLAGS")
        # our own keyword where the server keeps keywords; else \Seen (then a message a person
        # opened in a mail client before the poll is skipped: set IMAP_PROCESSED_FOLDER there)
        keyword = any(b"\\*" in (p or b"") for p in permanent)
        criteria = ("NOT", "KEYWORD", DONE_FLAG) if keyword else ("UNSEEN",)
        typ, data = conn.uid("SEARCH", None, *criteria, "NOT", "DELETED")
        uids = (data[0] or b"").split()[:limit] if typ == "OK" else []
        for uid in uids:
            typ, parts = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts or [] if isinstance(p, tuple) and len(p) > 1), None)
            if typ != "OK" or raw is None:
                result.failed += 1
                continue
            result.fetched += 1
            try:
                outcome = ingest(raw, source="imap")
            except Exception:  # one bad message must not stop the mailbox; it is retried next time
                log.exception("could not store IMAP message uid %s", uid.decode())
                result.failed += 1
                continue
            if outcome.created:
                result.stored += 1
            else:
                result.duplicates += 1
            _done(conn, uid, keyword=keyword)
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            conn.logout()
    log.info("IMAP poll: %s", result)
    return result


def _done(conn: imaplib.IMAP4, uid: bytes, *, keyword: bool) -> None:
    """Move the message to the processed folder when one is set, else flag it."""
    target = settings.IMAP_PROCESSED_FOLDER
    if target:
        typ, _ = conn.uid("COPY", uid, _quote(target))
        if typ == "OK":
            conn.uid("STORE", uid, "+FLAGS", r"(\Deleted)")
            conn.expunge()
            return
        log.warning("could not copy uid %s to %s; flagging it instead", uid.decode(), target)
    conn.uid("STORE", uid, "+FLAGS", f"(\\Seen {DONE_FLAG})" if keyword else r"(\Seen)")


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
