"""`make run`: the web server, one Celery worker and Celery beat, stopped together by Ctrl-C.

Runs on the zero-setup default (SQLite and the filesystem broker under ABUSEDESK_DATA_DIR)
unless the environment names a database and broker.
"""

import os
import signal
import subprocess
import sys
import time

PY = sys.executable
ADDRESS = os.environ.get("ABUSEDESK_LISTEN", "127.0.0.1:8000")
PROCESSES = {
    "web": [PY, "manage.py", "runserver", ADDRESS, "--noreload"],
    "worker": [PY, "-m", "celery", "-A", "abusedesk", "worker", "--loglevel=INFO",
               "--concurrency=2", "-Q", "default,parse,rdap,send", "-n", "local@%h"],
    "beat": [PY, "-m", "celery", "-A", "abusedesk", "beat", "--loglevel=INFO"],
}


def main() -> int:
    children = {name: subprocess.Popen(cmd) for name, cmd in PROCESSES.items()}
    print(f"AbuseDesk is running at http://{ADDRESS}/ (Ctrl-C stops web, worker and beat)",
          flush=True)
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    status = 0
    while not stopping:
        for name, child in children.items():
            if child.poll() is not None:
                print(f"{name} exited with {child.returncode}; stopping the others", flush=True)
                status = child.returncode or 1
                stopping = True
        time.sleep(0.3)
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    return status


if __name__ == "__main__":
    sys.exit(main())
