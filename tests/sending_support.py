"""What the sending tests share: a real SMTP server on loopback, reports to send, a real worker.

The SMTP server is aiosmtpd with a handler the test scripts: accept, answer a code once or
always, hold a session (so a worker can be killed mid-send), or drop the connection mid-DATA.
"""

import asyncio
import contextlib
import hashlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

from abusedesk.celery import app as celery_app
from contacts.models import AbuseAddress, Organisation
from reports.models import Report, ReportAttachment

from .factories import an_incident

ROOT = Path(__file__).resolve().parents[1]
logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Received:
    """One message as the server received it."""

    def __init__(self, mail_from: str, rcpt_tos: list[str], data: bytes):
        self.mail_from = mail_from
        self.rcpt_tos = rcpt_tos
        self.data = data
        self.message = message_from_bytes(data, policy=policy.default)


class Handler:
    """Scripted SMTP answers. ``data_replies`` and ``rcpt_replies`` are consumed one per command;
    None (or an empty list) means accept."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.data_replies: list[str | None] = []
        self.always_data_reply: str | None = None
        self.rcpt_replies: dict[str, str] = {}
        self.hold = threading.Event()  # set: every MAIL FROM waits until it is cleared
        self.holding = threading.Event()  # set while a session is being held
        self.drop_in_data = False
        self.data_delay = 0.0
        self.sessions = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self.lock:
            self.sessions += 1
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        deadline = time.monotonic() + 120
        while self.hold.is_set() and time.monotonic() < deadline:
            self.holding.set()
            await asyncio.sleep(0.05)
        self.holding.clear()
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        if self.drop_in_data:
            server.transport.close()
            return "250 never seen"
        with self.lock:
            reply = self.data_replies.pop(0) if self.data_replies else None
            reply = reply or self.always_data_reply
            if reply:
                return reply
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          bytes(envelope.original_content)))
        return "250 Message accepted for delivery"

    def messages(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def message_ids(self) -> list[str]:
        return [r.message["Message-ID"] for r in self.messages()]


@contextlib.contextmanager
def smtp_server():
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        handler.hold.clear()
        controller.stop()


def use_smtp(settings_fixture, port: int) -> None:
    settings_fixture.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings_fixture.EMAIL_HOST = "127.0.0.1"
    settings_fixture.EMAIL_PORT = port
    settings_fixture.EMAIL_HOST_USER = ""
    settings_fixture.EMAIL_HOST_PASSWORD = ""
    settings_fixture.EMAIL_USE_TLS = False
    settings_fixture.EMAIL_USE_SSL = False
    settings_fixture.EMAIL_TIMEOUT = 10


ZIP_BYTES = bytes(range(256)) * 40 + b"PK\x05\x06" + b"\x00" * 18
XARF_BYTES = b'{"Version": "4", "Category": "login_attack"}\n'


def an_organisation(name="Example Transit Ltd", window=48, email="abuse@transit.example"):
    organisation = Organisation.objects.create(name=name, reply_window_hours=window)
    AbuseAddress.objects.create(organisation=organisation, email=email)
    return organisation


def a_report(owner, *, incident=None, organisation=None, attachments=True, **fields) -> Report:
    """A draft as the composing side leaves it: recipients, subject, text and attachments."""
    incident = incident or an_incident(owner)
    organisation = organisation or an_organisation()
    fields.setdefault("to_addresses", [organisation.addresses.first().email])
    fields.setdefault("subject", "SSH brute force from 203.0.113.7")
    fields.setdefault("body", "Hello abuse team,\n\n203.0.113.7 tried 1,200 SSH passwords "
                              "between 10:00 and 11:00 UTC.\n.\nA line with a lone dot above.\n")
    report = Report.objects.create(incident=incident, organisation=organisation,
                                   created_by=owner, **fields)
    if attachments:
        for kind, name, content_type, data in (
            ("excerpt", "evidence-ABD.zip", "application/zip", ZIP_BYTES),
            ("xarf", "xarf.json", "application/json", XARF_BYTES),
        ):
            ReportAttachment.objects.create(report=report, kind=kind, name=name,
                                            content_type=content_type, data=data, size=len(data),
                                            sha256=hashlib.sha256(data).hexdigest())
    return report


def attachments_of(message) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def wait_for(predicate, timeout: float, what: str, interval: float = 0.1, diagnose=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}"
                         + (f"\n{diagnose()}" if diagnose else ""))


# --- Real services: Redis, a Celery worker and beat against the test database -------------------


class RedisServer:
    """A redis-server of the test's own (no persistence), which the test may stop and restart."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server")
        assert server, "redis-server is not installed"
        self.proc = subprocess.Popen(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.5):
                return
            time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@contextlib.contextmanager
def broker(url: str):
    """Point this process's Celery app (what report_queue enqueues with) at ``url``."""
    old = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    celery_app._after_fork()  # forget pooled connections to the old broker
    try:
        yield
    finally:
        celery_app.conf.broker_url = old
        celery_app._after_fork()


def database_url() -> str:
    """The test database (committed data only: transactional tests), for subprocesses."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class Services:
    """Worker and beat subprocesses, each in its own process group, killed at the end."""

    def __init__(self, logdir: Path, env: dict[str, str]):
        self.logdir = logdir
        self.env = env
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        with open(self.logdir / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        self.procs[name] = proc
        return proc

    def worker(self, name: str = "worker") -> subprocess.Popen:
        return self.start(name, [sys.executable, "-m", "celery", "-A", "abusedesk", "worker",
                                 "-Q", "send,default,parse", "--pool", "prefork", "--concurrency", "1",
                                 "--loglevel", "INFO", "--without-gossip", "--without-mingle",
                                 "-n", f"{name}@%h"])

    def beat(self) -> subprocess.Popen:
        return self.start("beat", [sys.executable, "-m", "celery", "-A", "abusedesk", "beat",
                                   "--loglevel", "INFO", "-s",
                                   str(self.logdir / "celerybeat-schedule")])

    def log(self, name: str) -> str:
        path = self.logdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def tails(self, lines: int = 60) -> str:
        return "\n".join(f"--- {name} ---\n" + "\n".join(self.log(name).splitlines()[-lines:])
                         for name in self.procs)

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for name, proc in self.procs.items():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
            self.kill(name)


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (from /proc; Linux)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def service_env(*, redis_url: str, smtp_port: int, data_dir: Path, **extra) -> dict[str, str]:
    env = {key: os.environ[key] for key in ("HOME", "LANG", "LC_ALL", "TMPDIR", "PATH")
           if key in os.environ}
    env.update({
        "PYTHONUNBUFFERED": "1",
        "ABUSEDESK_ENV": "local",
        "ABUSEDESK_DATA_DIR": str(data_dir),
        "SECRET_KEY": "sending-tests-" + "x" * 40,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "EMAIL_TIMEOUT": "10",
        "REPORT_FROM": settings.REPORT_FROM,
        "REPORT_REPLY_TO": settings.REPORT_REPLY_TO,
        "REPORT_RETRY_BASE_SECONDS": "1",
        "REPORT_RETRY_MAX_SECONDS": "2",
        "HEARTBEAT_INTERVAL_SECONDS": "3600",
    })
    env.update({key: str(value) for key, value in extra.items()})
    return env
