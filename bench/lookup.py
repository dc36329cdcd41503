# ruff: noqa: S311
# S311: the generator wants reproducible pseudo-random data, not secrets.
"""Contact look-ups: 10,000 addresses in 200 networks, ours (cache + limiter) against naive.

A fake RDAP server on loopback (``tests/rdap_server.py``, reached through RDAP_MIRROR_URL) holds
200 networks spread over the five registries (40 each: IPv4 assignments from /24 to /22, some
ranges that are not one CIDR, and IPv6 /48s) and answers each network query after ``--delay``
(50 ms). From ``--seed``, 10,000 addresses are drawn, 50 per network, and shuffled.

- ours: ``contacts.lookup.contact_resolve`` for every address (the task's code path: cache,
  per-registry query lock and rate limit) from ``--workers`` threads;
- naive: one RDAP query per address (``contacts.rdap.query_network``, no cache, no limiter) from
  the same number of threads, in the same process.

Prints, for each: queries made, distinct networks, queries per distinct network (target for ours:
1.00) and addresses resolved per second. Uses a throwaway SQLite database and the local lock files
(no server needed); ``--redis`` uses REDIS_URL for the limiter instead. Exit code 0 whatever the
figures: it is a benchmark, not a test.

    nice -n 10 .venv/bin/python bench/lookup.py
"""

import argparse
import ipaddress
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REGISTRIES = {
    "arin": (["23.0.0.0/8", "24.0.0.0/8"], "2600::/12"),
    "ripencc": (["81.0.0.0/8", "85.0.0.0/8"], "2a00::/12"),
    "apnic": (["27.0.0.0/8", "36.0.0.0/8"], "2400::/12"),
    "lacnic": (["200.0.0.0/8", "201.0.0.0/8"], "2800::/12"),
    "afrinic": (["41.0.0.0/8", "196.0.0.0/8"], "2c00::/12"),
}


def build_world(rng: random.Random, per_registry: int, per_network: int):
    """Networks (as RDAP answers) and the addresses drawn from them."""
    from tests.rdap_server import a_network, an_entity

    networks, addresses = [], []
    for registry, (v4_blocks, v6_block) in REGISTRIES.items():
        v6_count = max(1, per_registry // 7)
        for i in range(per_registry):
            if i < v6_count:
                base = ipaddress.ip_network(v6_block)
                start = base[0] + (rng.randrange(1, 2**20) << 80)
                end = start + 2**80 - 1
                kind = "ALLOCATED-BY-RIR"
            else:
                block = ipaddress.ip_network(v4_blocks[i % 2])
                size = rng.choice([256, 512, 1024, 768])  # 768: three /24s, not one CIDR
                # Each network in its own /16 of the block: they never overlap.
                start = block[0] + ((i + 1) << 16) + (rng.randrange(0, 16) << 10)
                end = start + size - 1
                kind = "ASSIGNED PA" if size != 768 else "ASSIGNED PI"
            handle = f"BENCH-{registry.upper()}-{i}"
            networks.append((registry, a_network(
                str(start), str(end), handle, type=kind, name=f"Customer {i} of {registry}",
                entities=[an_entity(f"ORG-{handle}", ["registrant"], name=f"Customer {i}", entities=[
                    an_entity(f"AB-{handle}", ["abuse"], [f"abuse@c{i}.{registry}.example"])])])))
            span = int(end) - int(start)
            addresses.extend(str(ipaddress.ip_address(int(start) + rng.randrange(0, span + 1)))
                             for _ in range(per_network))
    rng.shuffle(addresses)
    return networks, addresses


def run_threads(work, addresses, workers: int) -> float:
    from django.db import connections

    chunks = [addresses[i::workers] for i in range(workers)]
    errors = []

    def worker(chunk):
        try:
            for address in chunk:
                work(address)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"look-ups failed: {errors[:3]!r}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--networks", type=int, default=200)
    parser.add_argument("--addresses", type=int, default=10_000)
    parser.add_argument("--delay", type=float, default=0.05, help="seconds per network answer")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--rate", type=float, default=20.0,
                        help="RDAP_RATE_PER_SECOND for ours (per registry)")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--redis", action="store_true", help="use REDIS_URL for the limiter")
    parser.add_argument("--skip-naive", action="store_true")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="abusedesk-bench-lookup-")
    os.environ["ABUSEDESK_DATA_DIR"] = workdir
    os.environ.pop("DATABASE_URL", None)  # never the caller's database: a throwaway SQLite
    if not args.redis:
        os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abusedesk.settings")
    os.environ["LOG_LEVEL"] = "ERROR"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from contacts import rdap
    from contacts.lookup import contact_resolve
    from tests.rdap_server import FakeRdap

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    per_registry = args.networks // len(REGISTRIES)
    networks, addresses = build_world(rng, per_registry, args.addresses // args.networks)
    fake = FakeRdap(delay=args.delay).start()
    for registry, (v4, v6) in REGISTRIES.items():
        fake.delegate(registry, *v4, v6)
    for registry, answer in networks:
        fake.add_network(registry, answer)
    settings.RDAP_MIRROR_URL = fake.url
    settings.RDAP_RATE_PER_SECOND = args.rate
    settings.RDAP_MAX_WAIT_SECONDS = 300.0
    settings.RDAP_TIMEOUT_SECONDS = 30.0

    rows = []

    def measure(label, work):
        fake.hits.clear()
        elapsed = run_threads(work, addresses, args.workers)
        hits = fake.network_hits()
        distinct = len({h.network for h in hits if h.network})
        rows.append((label, len(addresses), len(hits), distinct, len(hits) / max(distinct, 1),
                     len(addresses) / elapsed, elapsed))

    measure("ours: cache + limiter", lambda address: contact_resolve(address))
    if not args.skip_naive:
        measure("naive: 1 query/address", lambda address: rdap.query_network(address))
    fake.stop()

    load = os.getloadavg()
    print(f"\n{len(networks)} networks in 5 registries, {len(addresses)} addresses, "
          f"{args.delay * 1000:.0f} ms per answer, {args.workers} worker threads, "
          f"ours limited to {args.rate:g} req/s per registry; load average {load[0]:.2f}\n")
    header = ("run", "addresses", "queries", "networks", "queries/network", "addresses/s", "wall s")
    print(f"{header[0]:<26}{header[1]:>10}{header[2]:>9}{header[3]:>10}{header[4]:>17}"
          f"{header[5]:>13}{header[6]:>9}")
    for label, n, queries, distinct, ratio, per_second, elapsed in rows:
        print(f"{label:<26}{n:>10}{queries:>9}{distinct:>10}{ratio:>17.2f}{per_second:>13.1f}"
              f"{elapsed:>9.1f}")
    if len(rows) == 2:
        print(f"\nours resolves {rows[0][5] / rows[1][5]:.1f}x as many addresses per second with "
              f"{rows[1][2] / max(rows[0][2], 1):.0f}x fewer queries (target queries/network: 1.00, "
              f"{'met' if rows[0][4] <= 1.0 else 'missed'})")


if __name__ == "__main__":
    main()
