# ruff: noqa: S311, S603
# S311: attachment bytes only need to be incompressible, not secret.
# S603: the bench starts Celery as subprocesses, by design.
"""Sending throughput and exactly-once: 1,000 reports through Celery and Redis to an SMTP sink.

Sets up everything itself: a throwaway PostgreSQL and Redis (scripts/testenv.py's helpers, from
the installed binaries), the database migrated, an aiosmtpd sink on loopback that counts every
Message-ID it receives, and real Celery worker and beat processes (``--concurrency`` pool
processes, the sweeper every 2 s).

Two runs of ``--reports`` reports (default 1,000), each with a zip and an XARF attachment:

  normal:    all reports queued (report_queue, as the Send button does), then a worker starts;
  killed:    the same, but once half the reports have arrived the whole worker (parent and pool)
             is killed with SIGKILL and a new one started. Claimed reports become ``unknown``
             (SENDING_STALE_AFTER_SECONDS=15), reserved task messages the broker still holds
             for the dead worker are re-enqueued by the sweeper (OUTBOX_REQUEUE_AFTER_SECONDS=20).

For each run it prints reports per second (from the worker's start to the last report settled),
how many ended sent, unknown and failed, duplicates (Message-IDs received more than once: must be
0) and lost (reports neither received nor unknown, or marked sent but never received: must be 0).
Unknown reports are split into those the sink did receive and those it did not: a human decides
on them. Exits 0 whatever the figures unless duplicates or lost are not 0.

    nice -n 10 .venv/bin/python bench/send.py
    nice -n 10 .venv/bin/python bench/send.py --reports 200 --concurrency 1
"""

import argparse
import contextlib
import importlib.util
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_spec = importlib.util.spec_from_file_location("testenv", ROOT / "scripts" / "testenv.py")
testenv = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(testenv)

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)
SETTLED = ("sent", "unknown", "failed")


class Sink:
    """aiosmtpd handler: accepts everything, counts Message-IDs."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ids: Counter[str] = Counter()
        self.bytes = 0

    async def handle_DATA(self, server, session, envelope):
        data = bytes(envelope.original_content)
        header = data.split(b"\r\n\r\n", 1)[0]
        match = MESSAGE_ID.search(header)
        with self.lock:
            self.ids[match.group(1).decode() if match else "<none>"] += 1
            self.bytes += len(data)
        return "250 OK"

    def received(self) -> int:
        with self.lock:
            return sum(self.ids.values())


def start_services(args, workdir: Path):
    """PostgreSQL, Redis and the SMTP sink; the environment this process and Celery share."""
    pg, pg_url = testenv.start_postgres(str(workdir))
    redis, redis_url = testenv.start_redis(str(workdir))
    import psycopg

    maintenance = pg_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute("CREATE DATABASE abusedesk_bench")
    from aiosmtpd.controller import Controller

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=testenv.free_port())
    controller.start()
    env = {
        "ABUSEDESK_ENV": "local",
        "ABUSEDESK_DATA_DIR": str(workdir / "data"),
        "SECRET_KEY": "bench-" + "x" * 50,
        "DATABASE_URL": pg_url.rsplit("/", 1)[0] + "/abusedesk_bench",
        "DATABASE_CONN_MAX_AGE": "60",
        "REDIS_URL": redis_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{controller.port}",
        "EMAIL_TIMEOUT": "5",
        "REPORT_FROM": "abuse@desk.example.org",
        "REPORT_REPLY_TO": "abuse+{token}@desk.example.org",
        "REPORT_THROTTLE_PER_HOUR": "10",
        "SENDING_STALE_AFTER_SECONDS": "15",
        "OUTBOX_REQUEUE_AFTER_SECONDS": "20",
        "OUTBOX_SWEEP_INTERVAL_SECONDS": "2",
        "HEARTBEAT_INTERVAL_SECONDS": "3600",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update(env)
    return [pg, redis], controller, sink


def make_reports(n: int, run: str) -> list[int]:
    """n drafts with a zip and an XARF attachment, 10 per organisation (the hourly limit)."""
    import hashlib

    from django.contrib.auth import get_user_model

    from contacts.models import AbuseAddress, Organisation
    from incidents.services import incident_create
    from reports.models import Report, ReportAttachment

    user, _ = get_user_model().objects.get_or_create(username="bench")
    incidents = [incident_create(actor=user, title=f"{run}: SSH brute force {i}") for i in range(10)]
    organisations = []
    for i in range((n + 9) // 10):
        org = Organisation.objects.create(name=f"{run} network {i}")
        AbuseAddress.objects.create(organisation=org, email=f"abuse@{run}-net{i}.example")
        organisations.append(org)
    rng = random.Random(n)
    reports = Report.objects.bulk_create([
        Report(incident=incidents[i % 10], organisation=organisations[i // 10],
               to_addresses=[f"abuse@{run}-net{i // 10}.example"],
               subject=f"SSH brute force from 203.0.113.{i % 250}",
               body=f"Hello,\n\n203.0.113.{i % 250} tried {100 + i} SSH passwords on our servers "
                    "between 10:00 and 11:00 UTC. Log excerpt attached.\n\nRegards\n",
               created_by=user)
        for i in range(n)])
    attachments = []
    for report in reports:
        excerpt = rng.randbytes(16_000)  # incompressible: a zip of that size
        xarf = b'{"Version": "4", "Category": "login_attack", "Source": "203.0.113.7"}'
        for kind, name, ctype, data in (("excerpt", "evidence.zip", "application/zip", excerpt),
                                        ("xarf", "xarf.json", "application/json", xarf)):
            attachments.append(ReportAttachment(report=report, kind=kind, name=name,
                                                content_type=ctype, data=data, size=len(data),
                                                sha256=hashlib.sha256(data).hexdigest()))
    ReportAttachment.objects.bulk_create(attachments)
    return [r.pk for r in reports]


class Celery:
    def __init__(self, workdir: Path, concurrency: int):
        self.workdir = workdir
        self.concurrency = concurrency
        self.procs: list[subprocess.Popen] = []

    def _start(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - lives with the process
        proc = subprocess.Popen([sys.executable, "-m", "celery", "-A", "abusedesk", *argv],
                                cwd=ROOT, env=dict(os.environ), stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def worker(self, name: str) -> subprocess.Popen:
        return self._start(name, ["worker", "-Q", "send,default", "--pool", "prefork",
                                  "--concurrency", str(self.concurrency), "--loglevel", "WARNING",
                                  "--without-gossip", "--without-mingle", "-n", f"{name}@%h"])

    def beat(self) -> subprocess.Popen:
        return self._start("beat", ["beat", "--loglevel", "WARNING", "-s",
                                    str(self.workdir / "celerybeat-schedule")])

    @staticmethod
    def kill(proc: subprocess.Popen) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop(self, proc: subprocess.Popen) -> None:
        """A warm shutdown (SIGTERM), SIGKILL if it takes longer than 30 s."""
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=30)
        self.kill(proc)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
            self.kill(proc)


def statuses(ids: list[int]) -> Counter:
    from reports.models import Report

    return Counter(Report.objects.filter(pk__in=ids).values_list("status", flat=True))


def run(name: str, args, celery: Celery, sink: Sink, kill_halfway: bool) -> dict:
    from reports.models import Report
    from reports.sending import report_queue

    ids = make_reports(args.reports, name)
    received_before = sink.received()
    started = time.monotonic()
    for report in Report.objects.filter(pk__in=ids).select_related("incident", "organisation"):
        report_queue(actor=None, report=report)
    queue_seconds = time.monotonic() - started
    print(f"  {name}: {len(ids)} reports queued in {queue_seconds:.1f} s", flush=True)

    started = time.monotonic()
    worker = celery.worker(f"{name}-1")
    killed_at = None
    deadline = started + args.timeout
    while time.monotonic() < deadline:
        counts = statuses(ids)
        if sum(counts[s] for s in SETTLED) == len(ids):
            break
        if kill_halfway and killed_at is None and sink.received() - received_before >= len(ids) // 2:
            celery.kill(worker)
            killed_at = sink.received() - received_before
            print(f"  {name}: worker SIGKILLed after {killed_at} messages arrived "
                  f"(reports then: {dict(statuses(ids))}); restarting it", flush=True)
            worker = celery.worker(f"{name}-2")
        time.sleep(0.2)
    seconds = time.monotonic() - started
    celery.stop(worker)  # the next run starts its own
    counts = statuses(ids)
    rows = Report.objects.filter(pk__in=ids).values_list("message_id", "status")
    with sink.lock:
        received = dict(sink.ids)
    duplicates = sum(received.get(mid, 0) - 1 for mid, _ in rows if received.get(mid, 0) > 1)
    # Lost: marked sent (or never settled) yet never received.
    lost = sum(1 for mid, status in rows
               if status not in ("unknown", "failed") and not received.get(mid))
    unknown_received = sum(1 for mid, status in rows if status == "unknown" and received.get(mid))
    settled = sum(counts[s] for s in SETTLED)
    return {"run": name, "reports": len(ids), "seconds": seconds,
            "per_second": settled / seconds if seconds else 0.0, "sent": counts["sent"],
            "unknown": counts["unknown"], "unknown_received": unknown_received,
            "failed": counts["failed"], "unsettled": len(ids) - settled,
            "duplicates": duplicates, "lost": lost, "killed_at": killed_at}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=2, help="worker pool processes")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per run at most")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="abusedesk-bench-send-"))
    servers, controller, celery = [], None, None
    try:
        servers, controller, sink = start_services(args, workdir)
        import django
        from django.core.management import call_command

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abusedesk.settings")
        django.setup()
        call_command("migrate", verbosity=0)
        celery = Celery(workdir, args.concurrency)
        celery.beat()
        print(f"bench/send.py: {args.reports} reports per run, worker --concurrency "
              f"{args.concurrency}, load average {os.getloadavg()[0]:.2f}", flush=True)
        results = [run("normal", args, celery, sink, kill_halfway=False),
                   run("killed", args, celery, sink, kill_halfway=True)]
    finally:
        if celery:
            celery.stop_all()
        if controller:
            controller.stop()
        for proc in servers:
            proc.terminate()
        for proc in servers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=20)
        if args.keep:
            print(f"work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print()
    print("| run | reports | seconds | reports/s | sent | unknown (of which received) | failed "
          "| unsettled | duplicates | lost |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        label = r["run"] if r["killed_at"] is None else f"{r['run']} (SIGKILL at {r['killed_at']})"
        print(f"| {label} | {r['reports']} | {r['seconds']:.1f} | {r['per_second']:.1f} | "
              f"{r['sent']} | {r['unknown']} ({r['unknown_received']}) | {r['failed']} | "
              f"{r['unsettled']} | {r['duplicates']} | {r['lost']} |")
    bad = [r["run"] for r in results if r["duplicates"] or r["lost"]]
    if bad:
        print(f"\nDUPLICATES OR LOST REPORTS in: {', '.join(bad)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
