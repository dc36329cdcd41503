"""The IMAP poller against a real IMAP server on loopback (pymap, started here)."""

import imaplib
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from replies import imap
from reports.models import Message

pytestmark = pytest.mark.django_db
USER, PASSWORD = "abuse", "imap-test-password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def imap_server():
    pymap = shutil.which("pymap") or str(Path(sys.executable).with_name("pymap"))
    if not Path(pymap).exists():
        pytest.skip("pymap is not installed (it is a test dependency: pip install -e '.[test]')")
    port = _free_port()
    proc = subprocess.Popen([pymap, "--host", "127.0.0.1", "--port", str(port), "--no-tls", "dict",
                             "--demo-user", USER, "--demo-password", PASSWORD],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"pymap did not start: {proc.stderr.read().decode()[-500:]}") from None
            time.sleep(0.1)
    yield port
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def mailbox(imap_server, settings):
    settings.IMAP_HOST, settings.IMAP_PORT, settings.IMAP_SECURITY = "127.0.0.1", imap_server, "plain"
    settings.IMAP_USER, settings.IMAP_PASSWORD, settings.IMAP_FOLDER = USER, PASSWORD, "INBOX"
    settings.IMAP_PROCESSED_FOLDER = ""
    conn = imaplib.IMAP4("127.0.0.1", imap_server)
    conn.login(USER, PASSWORD)
    yield conn
    conn.logout()


def deliver(conn, raw: bytes, folder: str = "INBOX") -> None:
    typ, _ = conn.append(folder, None, None, raw)
    assert typ == "OK"


def flags(port, folder="INBOX") -> list[bytes]:
    conn = imaplib.IMAP4("127.0.0.1", port)  # a fresh session sees what the server kept
    conn.login(USER, PASSWORD)
    conn.select(folder)
    _typ, data = conn.uid("FETCH", "1:*", "(FLAGS)")
    conn.logout()
    return [d for d in data if d]


def test_new_mail_is_stored_then_flagged_and_never_stored_twice(mailbox, settings):
    deliver(mailbox, b"From: a@isp.example\r\nSubject: one\r\nMessage-ID: <one@isp.example>\r\n\r\nhi\r\n")
    deliver(mailbox, b"From: b@isp.example\r\nSubject: two\r\n\r\nno message-id here\r\n")
    first = imap.poll()
    assert (first.fetched, first.stored, first.failed) == (2, 2, 0)
    assert sorted(Message.objects.values_list("subject", flat=True)) == ["one", "two"]
    got = flags(settings.IMAP_PORT)
    # pymap keeps no custom keywords (no \\* in PERMANENTFLAGS): the poller falls back to \\Seen
    assert len(got) == 2 and all(b"\\Seen" in f for f in got), got
    second = imap.poll()
    assert (second.fetched, second.stored) == (0, 0)
    assert Message.objects.count() == 2


def test_a_message_seen_again_after_a_crash_is_filed_once(mailbox):
    raw = b"From: a@isp.example\r\nSubject: again\r\nMessage-ID: <again@isp.example>\r\n\r\nhi\r\n"
    deliver(mailbox, raw)
    deliver(mailbox, raw)  # the same mail twice, as after a poll that died before flagging
    result = imap.poll()
    assert (result.stored, result.duplicates) == (1, 1)
    assert Message.objects.filter(message_id="<again@isp.example>").count() == 1


def test_filed_mail_moves_to_the_processed_folder_when_one_is_set(mailbox, settings):
    mailbox.create('"Filed"')
    settings.IMAP_PROCESSED_FOLDER = "Filed"
    deliver(mailbox, b"From: a@isp.example\r\nSubject: move me\r\nMessage-ID: <m@isp.example>\r\n\r\nx\r\n")
    assert imap.poll().stored == 1
    mailbox.select("INBOX")
    assert mailbox.uid("SEARCH", None, "ALL")[1][0] == b""
    mailbox.select('"Filed"')
    assert len(mailbox.uid("SEARCH", None, "ALL")[1][0].split()) == 1


def test_wrong_credentials_fail_loudly_and_store_nothing(mailbox, settings):
    settings.IMAP_PASSWORD = "wrong"
    with pytest.raises(imaplib.IMAP4.error):
        imap.poll()
    assert Message.objects.count() == 0
