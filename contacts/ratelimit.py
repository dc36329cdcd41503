"""Coordination between workers: a request rate per registry and one query at a time per registry.

With Redis (production, tests) both live there, so every worker on every machine shares them.
Without Redis (the zero-setup local mode: one machine, SQLite, the filesystem broker) they are
lock files under DATA_DIR, shared by the processes of that one machine through ``flock``.

Why the query lock is per registry and not per network: which network an address belongs to is
only known once the registry has answered. Holding the registry's lock from "is it cached?" to
"stored" means a second worker asking about an overlapping range waits and then finds the answer
in the cache, so no network is ever queried twice at once. It costs nothing extra: the rate
limit (one request per second per registry by default) already serialises each registry.
"""

import contextlib
import fcntl
import hashlib
import os
import threading
import time
import uuid
from pathlib import Path

from django.conf import settings


class Busy(Exception):
    """The registry's turn did not come within RDAP_MAX_WAIT_SECONDS: retry the task later."""

    def __init__(self, registry: str, wait: float):
        super().__init__(f"{registry} is busy; try again in {wait:.0f} s")
        self.registry = registry
        self.wait = wait


def rate_for(registry: str) -> float:
    return settings.RDAP_RATE_LIMITS.get(registry, settings.RDAP_RATE_PER_SECOND)


_clients: dict[str, object] = {}
_clients_lock = threading.Lock()


def _redis():
    url = settings.REDIS_URL
    if not url:
        return None
    with _clients_lock:
        if url not in _clients:
            import redis

            _clients[url] = redis.Redis.from_url(url)
        return _clients[url]


# Reserve the next free slot of a registry atomically: returns how long to wait for it (ms).
_RESERVE = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
redis.call('SET', KEYS[1], slot + interval, 'PX', math.ceil(interval + 60000))
return slot - now
"""

# Release a lock only if we still hold it.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def _local_dir() -> Path:
    path = Path(settings.DATA_DIR) / "rdap-locks"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _local_name(kind: str, registry: str) -> Path:
    digest = hashlib.sha256(registry.encode()).hexdigest()[:16]
    return _local_dir() / f"{kind}-{digest}"


def _redis_now_ms(client) -> int:
    seconds, micros = client.time()  # the server's clock: workers' clocks may disagree
    return seconds * 1000 + micros // 1000


def throttle(registry: str) -> None:
    """Wait for ``registry``'s next request slot; raise Busy if it is too far away.

    A slot is reserved atomically, so two workers never take the same one.
    """
    interval_ms = 1000.0 / rate_for(registry)
    client = _redis()
    if client is not None:
        now = _redis_now_ms(client)
        # Peek first: a wait beyond the limit reserves nothing and hands the task back.
        current = client.get(f"abusedesk:rdap:slot:{registry}")
        if current is not None and float(current) - now > settings.RDAP_MAX_WAIT_SECONDS * 1000:
            raise Busy(registry, (float(current) - now) / 1000)
        wait_ms = float(client.eval(_RESERVE, 1, f"abusedesk:rdap:slot:{registry}", now, interval_ms))
    else:
        wait_ms = _local_reserve(registry, interval_ms)
    if wait_ms > 0:
        time.sleep(wait_ms / 1000)


def _local_reserve(registry: str, interval_ms: float) -> float:
    path = _local_name("slot", registry)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.seek(0)
            text = handle.read().strip()
            now = time.time() * 1000
            slot = max(float(text) if text else 0.0, now)
            if slot - now > settings.RDAP_MAX_WAIT_SECONDS * 1000:
                raise Busy(registry, (slot - now) / 1000)
            handle.seek(0)
            handle.truncate()
            handle.write(str(slot + interval_ms))
            handle.flush()
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return slot - now


@contextlib.contextmanager
def query_lock(registry: str, *, hold_seconds: float | None = None):
    """Hold ``registry``'s query lock (see the module doc). Raises Busy after RDAP_MAX_WAIT_SECONDS.

    The Redis lock expires by itself after ``hold_seconds``, so a worker that dies holding it
    blocks the others for that long at most.
    """
    hold = hold_seconds or (settings.RDAP_TIMEOUT_SECONDS * 8 + 30)
    deadline = time.monotonic() + settings.RDAP_MAX_WAIT_SECONDS
    client = _redis()
    if client is not None:
        key, token = f"abusedesk:rdap:lock:{registry}", uuid.uuid4().hex
        while not client.set(key, token, nx=True, px=int(hold * 1000)):
            if time.monotonic() > deadline:
                raise Busy(registry, settings.RDAP_MAX_WAIT_SECONDS)
            time.sleep(0.02)
        try:
            yield
        finally:
            client.eval(_RELEASE, 1, key, token)
        return
    # Local: flock is released by the kernel when a process dies, so no expiry is needed.
    # Threads of one process need their own lock too (flock is per open file description).
    with _thread_lock(registry):
        fd = os.open(_local_name("lock", registry), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise Busy(registry, settings.RDAP_MAX_WAIT_SECONDS) from None
                    time.sleep(0.02)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


_thread_locks: dict[str, threading.Lock] = {}


@contextlib.contextmanager
def _thread_lock(registry: str):
    with _clients_lock:
        lock = _thread_locks.setdefault(registry, threading.Lock())
    if not lock.acquire(timeout=settings.RDAP_MAX_WAIT_SECONDS):
        raise Busy(registry, settings.RDAP_MAX_WAIT_SECONDS)
    try:
        yield
    finally:
        lock.release()
