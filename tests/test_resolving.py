"""Host names named by evidence are kept as seen and resolved only when an admin asks."""

import socket

import pytest
from django.urls import reverse

from incidents.models import Event, Offender
from incidents.resolving import incident_resolve, resolve_names

from .factories import an_incident

pytestmark = pytest.mark.django_db

FAKE_DNS = {
    "scanner.example.net": ["45.13.7.9", "2a01:4f8::1"],
    "inside.example.net": ["10.0.0.7"],
}


@pytest.fixture
def fake_resolver(monkeypatch):
    asked = []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in ("127.0.0.1", "::1", "localhost"):  # the broker and the database
            return real(host, port, *args, **kwargs)
        asked.append(host)
        if host not in FAKE_DNS:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, 0))
                for a in FAKE_DNS[host]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


@pytest.fixture
def named(responder):
    incident = an_incident(responder)
    for source in ("scanner.example.net", "inside.example.net", "gone.example.net"):
        Offender.objects.create(incident=incident, source=source, count=3)
    Offender.objects.create(incident=incident, source="45.13.7.10", ip="45.13.7.10", count=1)
    return incident


def test_nothing_is_resolved_until_an_admin_asks(client, named, viewer, fake_resolver):
    client.force_login(viewer)
    page = client.get(named.get_absolute_url()).content.decode()
    assert "3 offender(s) are named by host name" not in page  # a viewer cannot ask
    assert fake_resolver == []
    assert Offender.objects.filter(incident=named, ip__isnull=True).count() == 3


def test_resolving_records_addresses_reasons_and_failures_on_each_offender(named, fake_resolver):
    incident_resolve(named.pk)
    scanner = Offender.objects.get(source="scanner.example.net")
    assert scanner.ip == "45.13.7.9" and scanner.resolved_addresses == ["45.13.7.9", "2a01:4f8::1"]
    assert scanner.excluded_reason == "" and scanner.resolved_at is not None
    inside = Offender.objects.get(source="inside.example.net")
    assert inside.ip == "10.0.0.7" and inside.excluded_reason == "private range"
    gone = Offender.objects.get(source="gone.example.net")
    assert gone.ip is None and gone.resolution_error.startswith("does not resolve")
    assert sorted(fake_resolver) == ["gone.example.net", "inside.example.net", "scanner.example.net"]
    assert Event.objects.filter(incident=named, action="resolve").count() == 1


def test_a_resolver_that_hangs_is_cut_off_at_the_time_limit(monkeypatch):
    import threading

    release = threading.Event()

    def hang(*args, **kwargs):
        release.wait(5)
        raise socket.gaierror("late")

    monkeypatch.setattr(socket, "getaddrinfo", hang)
    try:
        assert resolve_names(["slow.example.net"], timeout=0.2) == {"slow.example.net": "lookup timed out"}
    finally:
        release.set()


def test_the_resolve_button_queues_the_lookup_and_audits_the_request(
        client, named, responder, fake_resolver, django_capture_on_commit_callbacks, monkeypatch):
    from contacts.tasks import resolve_incident
    from incidents.tasks import resolve_host_names

    queued = []  # the real task, run here instead of through the broker
    monkeypatch.setattr(resolve_host_names, "delay",
                        lambda *args: queued.append(args) or resolve_host_names.apply(args=args))
    contacts_asked = []
    monkeypatch.setattr(resolve_incident, "delay", lambda *args: contacts_asked.append(args))
    client.force_login(responder)
    page = client.get(named.get_absolute_url()).content.decode()
    assert "3 offender(s) are named by host name" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("incidents:resolve", args=[named.reference]))
    assert response.status_code == 302 and queued == [(named.pk,)]
    assert Offender.objects.get(source="scanner.example.net").ip == "45.13.7.9"
    assert Event.objects.filter(incident=named, action="resolve", actor=responder).exists()
    assert contacts_asked == [(named.pk,)]  # the new addresses go on to their abuse contacts
    page = client.get(named.get_absolute_url()).content.decode()
    assert "resolved to 45.13.7.9, 2a01:4f8::1" in page
