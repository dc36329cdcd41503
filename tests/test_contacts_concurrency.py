"""Two workers resolving overlapping address sets: one query per network, the registry's rate kept."""

import threading
from collections import Counter, defaultdict
from itertools import pairwise

import pytest
from django.db import connections

from contacts.lookup import contact_resolve
from contacts.models import Network

from .rdap_server import a_network, an_entity

RATE = 5.0  # requests per second per registry, so the spacing is easy to see


def _world(fake):
    fake.delay = 0.05
    fake.delegate("ripencc", "81.0.0.0/8")
    fake.delegate("arin", "23.0.0.0/8")
    sets = ([], [])
    for i in range(6):
        for registry, first in (("ripencc", 81), ("arin", 23)):
            fake.add_network(registry, a_network(
                f"{first}.{i}.0.0", f"{first}.{i}.3.255", f"NET-{first}-{i}",
                entities=[an_entity(f"AB{first}{i}", ["abuse"], [f"abuse{i}@{registry}.example"])]))
            addresses = [f"{first}.{i}.{j}.{j + 1}" for j in range(4)]
            # Worker A takes networks 0-3, worker B 2-5: networks 2 and 3 are asked by both.
            if i <= 3:
                sets[0].extend(addresses)
            if i >= 2:
                sets[1].extend(reversed(addresses))
    return sets


def _run_workers(sets):
    errors = []

    def worker(addresses):
        try:
            for address in addresses:
                contact_resolve(address)
        except Exception as exc:  # reported below, with the thread's own traceback lost
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(s,)) for s in sets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("coordination", ["redis", "local lock files"])
def test_two_workers_never_query_a_network_twice_nor_exceed_the_registry_rate(
        fake_rdap, settings, coordination):
    if coordination == "redis" and not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set (scripts/testenv.py starts a Redis)")
    if coordination != "redis":
        settings.REDIS_URL = ""
    settings.RDAP_RATE_PER_SECOND = RATE
    _run_workers(_world(fake_rdap))

    hits = fake_rdap.network_hits()
    assert Counter(h.network for h in hits) == {f"NET-{f}-{i}": 1 for f in (81, 23) for i in range(6)}
    assert Network.objects.count() == 12
    by_registry = defaultdict(list)
    for hit in hits:
        by_registry[hit.host].append(hit)
    assert set(by_registry) == {"rdap.db.ripe.net", "rdap.arin.net"}
    for host, registry_hits in by_registry.items():
        registry_hits.sort(key=lambda h: h.started)
        for before, after in pairwise(registry_hits):
            # Never two queries to one registry at once, hence never one network twice at once...
            assert after.started >= before.ended, host
            # ...and never faster than the registry's rate (a little slack for the clocks).
            assert after.started - before.started >= 1 / RATE - 0.03, host


@pytest.mark.parametrize("coordination", ["redis", "local lock files"])
def test_a_registry_turn_too_far_away_hands_the_task_back_instead_of_sleeping(
        fake_rdap, settings, coordination):
    from contacts import ratelimit

    if coordination == "redis" and not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set (scripts/testenv.py starts a Redis)")
    if coordination != "redis":
        settings.REDIS_URL = ""
    settings.RDAP_RATE_LIMITS = {"apnic": 0.1}  # one request every 10 s
    settings.RDAP_MAX_WAIT_SECONDS = 5.0
    ratelimit.throttle("apnic")
    with pytest.raises(ratelimit.Busy) as busy:
        ratelimit.throttle("apnic")
    assert 5 < busy.value.wait <= 10
    ratelimit.throttle("arin")  # other registries keep their own pace


@pytest.mark.django_db
def test_offenders_waiting_for_a_busy_registry_are_handed_back_with_the_wait(fake_rdap, settings,
                                                                              responder):
    from contacts import ratelimit
    from contacts.lookup import offenders_resolve
    from incidents.models import Offender

    from .factories import an_incident

    settings.RDAP_RATE_LIMITS = {"ripencc": 0.1}
    settings.RDAP_MAX_WAIT_SECONDS = 5.0
    fake_rdap.delegate("ripencc", "81.0.0.0/8")
    ratelimit.throttle("ripencc")  # another worker just took this registry's turn
    incident = an_incident(responder)
    ids = [Offender.objects.create(incident=incident, source=ip, ip=ip).pk
           for ip in ("81.20.0.1", "81.21.0.1")]
    pending = offenders_resolve(ids)
    assert pending.offender_ids == ids and 5 < pending.wait_seconds <= 10
    assert fake_rdap.network_hits() == []
