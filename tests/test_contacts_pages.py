"""The contacts pages, the incident's offenders grouped by organisation, and the parse hook."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import AbuseAddress, CatchAllMailbox, Lookup, Network, Organisation
from incidents.models import Event, Offender
from incidents.parsing import evidence_parse

from .factories import an_evidence, an_incident

pytestmark = pytest.mark.django_db


def an_organisation(name="Example Networks BV", emails=("abuse@example.net",), **fields):
    org = Organisation.objects.create(name=name, handle=name.split()[0].upper(),
                                      registry="ripencc", **fields)
    for email in emails:
        AbuseAddress.objects.create(organisation=org, email=email, registry="ripencc",
                                    entity_handle="AR1-RIPE", role="abuse", depth=1)
    return org


def a_cached_network(org, start="81.2.0.0", end="81.2.0.255", handle="EXAMPLE-NET"):
    return Network.objects.create(
        start=start, end=end, cidrs=[f"{start}/24"], handle=handle, registry="ripencc",
        type="ASSIGNED PA", organisation=org, expires_at=timezone.now() + timedelta(days=7),
        contacts=[{"email": a.email, "role": a.role, "entity_handle": a.entity_handle,
                   "depth": a.depth} for a in org.addresses.all()])


def test_the_contacts_list_shows_networks_addresses_with_provenance_and_counts(client_for, viewer,
                                                                                responder):
    org = an_organisation()
    network = a_cached_network(org)
    incident = an_incident(responder)
    Offender.objects.create(incident=incident, source="81.2.0.9", ip="81.2.0.9", network=network)
    page = client_for(viewer).get(reverse("contacts:list")).content.decode()
    assert "Example Networks BV" in page
    assert "81.2.0.0/24" in page and "EXAMPLE-NET" in page
    assert "abuse@example.net" in page and "ripencc · AR1-RIPE · abuse · depth 1" in page
    response = client_for(viewer).get(reverse("contacts:list"))
    row = response.context["object_list"][0]
    assert (row.incident_count, row.report_count, row.network_count) == (1, 0, 1)


def test_the_contacts_list_searches_by_address_inside_a_network_and_filters(client_for, viewer):
    a_cached_network(an_organisation())
    a_cached_network(an_organisation("Other Telecom", ("abuse@other.example",), do_not_contact=True,
                                     do_not_contact_reason="asked us not to"),
                     start="81.3.0.0", end="81.3.0.255", handle="OTHER-NET")
    client = client_for(viewer)

    def names(**query):
        return [o.name for o in client.get(reverse("contacts:list"), query).context["object_list"]]

    assert names(q="81.3.0.77") == ["Other Telecom"]
    assert names(q="abuse@example") == ["Example Networks BV"]
    assert names(do_not_contact="true") == ["Other Telecom"]
    assert names() == ["Example Networks BV", "Other Telecom"]


def test_a_responder_edits_overrides_and_manual_addresses_and_the_change_is_audited(client_for,
                                                                                    responder):
    org = an_organisation()
    response = client_for(responder).post(reverse("contacts:edit", args=[org.pk]), {
        "name": "Example Networks", "reply_window_hours": "24", "language": "de",
        "wants_xarf": "", "do_not_contact": "", "do_not_contact_reason": "", "phone": "",
        "manual_addresses": "desk@example.net\nabuse@example.net",
        "auto_follow_up": "on", "max_follow_ups": "2", "auto_escalate": "",
    })
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.reply_window_hours, org.language, org.wants_xarf) == (
        "Example Networks", 24, "de", False)
    assert (org.auto_follow_up, org.max_follow_ups, org.auto_escalate) == (True, 2, False)
    assert sorted(org.addresses.values_list("email", "source")) == [
        ("abuse@example.net", "manual"), ("desk@example.net", "manual")]
    event = Event.objects.get(action="contact_edit")
    assert event.after["manual"] == ["abuse@example.net", "desk@example.net"]


def test_do_not_contact_needs_a_reason(client_for, responder):
    org = an_organisation()
    response = client_for(responder).post(reverse("contacts:edit", args=[org.pk]), {
        "name": org.name, "reply_window_hours": "48", "language": "en", "do_not_contact": "on",
        "do_not_contact_reason": ""})
    assert response.status_code == 200
    assert "Say why" in response.content.decode()
    assert Organisation.objects.get().do_not_contact is False


def test_refresh_from_rdap_enqueues_the_refresh_after_commit(client_for, responder, monkeypatch,
                                                            django_capture_on_commit_callbacks):
    from contacts import tasks

    org = an_organisation()
    asked = []
    monkeypatch.setattr(tasks.refresh_organisation, "delay", asked.append)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(responder).post(reverse("contacts:refresh", args=[org.pk]))
    assert response.status_code == 302
    assert asked == [org.pk]


def test_the_incident_groups_offenders_by_organisation_each_with_its_address_or_reason(
        client_for, viewer, responder):
    good = a_cached_network(an_organisation())
    registry_only = a_cached_network(an_organisation("APNIC Labs", ("helpdesk@apnic.net",)),
                                     start="1.1.1.0", end="1.1.1.255", handle="APNIC-LABS")
    shy = a_cached_network(an_organisation("Quiet ISP", ()), start="81.4.0.0", end="81.4.0.255",
                           handle="QUIET")
    incident = an_incident(responder)
    for ip, network in (("81.2.0.1", good), ("81.2.0.2", good), ("1.1.1.1", registry_only),
                        ("81.4.0.1", shy), ("81.5.0.1", None), ("81.6.0.1", None)):
        Offender.objects.create(incident=incident, source=ip, ip=ip, network=network)
    Offender.objects.create(incident=incident, source="10.0.0.1", ip="10.0.0.1",
                            excluded_reason="private range")
    Lookup.objects.create(ip="81.6.0.1", error="apnic answered HTTP 404",
                          expires_at=timezone.now() + timedelta(hours=1))
    assert CatchAllMailbox.objects.filter(email="helpdesk@apnic.net").exists()
    response = client_for(viewer).get(incident.get_absolute_url())
    groups = {(g.organisation.name if g.organisation else None, g.reason):
              (sorted(o.source for o in g.offenders), [a.email for a in g.addresses])
              for g in response.context["offender_groups"]}
    assert groups == {
        ("Example Networks BV", ""): (["81.2.0.1", "81.2.0.2"], ["abuse@example.net"]),
        ("APNIC Labs", "only a registry catch-all mailbox (helpdesk@apnic.net)"): (["1.1.1.1"], []),
        ("Quiet ISP", "no abuse address in RDAP"): (["81.4.0.1"], []),
        (None, "not looked up yet"): (["81.5.0.1"], []),
        (None, "RDAP look-up failed: apnic answered HTTP 404"): (["81.6.0.1"], []),
        (None, "never reported"): (["10.0.0.1"], []),
    }
    assert "Offenders by organisation" in response.content.decode()


def test_a_parse_that_changes_offenders_enqueues_their_look_up_after_commit(
        responder, monkeypatch, django_capture_on_commit_callbacks):
    from contacts import tasks

    incident = an_incident(responder)
    evidence = an_evidence(incident, responder, content=(
        b"Jan  1 00:00:01 gw sshd[103]: Failed password for root from 45.13.7.9 port 4002 ssh2\n"))
    asked = []
    monkeypatch.setattr(tasks.resolve_incident, "delay", asked.append)
    with django_capture_on_commit_callbacks(execute=True):
        evidence_parse(evidence.pk)
    assert asked == [incident.pk]


def test_the_incident_task_resolves_only_offenders_that_need_it(responder, monkeypatch):
    from contacts import tasks

    incident = an_incident(responder)
    fresh = a_cached_network(an_organisation())
    needs = Offender.objects.create(incident=incident, source="45.13.7.9", ip="45.13.7.9")
    Offender.objects.create(incident=incident, source="81.2.0.1", ip="81.2.0.1", network=fresh)
    Offender.objects.create(incident=incident, source="10.0.0.1", ip="10.0.0.1",
                            excluded_reason="private range")
    Offender.objects.create(incident=incident, source="evil.example", ip=None)
    asked = []
    monkeypatch.setattr(tasks.resolve_offenders, "delay", asked.append)
    tasks.resolve_incident.run(incident.pk)
    assert asked == [[needs.pk]]


def test_look_up_contacts_on_the_incident_enqueues_its_offenders_after_commit(
        client_for, responder, monkeypatch, django_capture_on_commit_callbacks):
    from contacts import tasks

    incident = an_incident(responder)
    asked = []
    monkeypatch.setattr(tasks.resolve_incident, "delay", asked.append)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(responder).post(reverse("contacts:incident_lookup",
                                                      args=[incident.reference]))
    assert response.status_code == 302 and response["Location"].endswith("#by-organisation")
    assert asked == [incident.pk]


def test_look_up_parent_enqueues_the_parent_look_up_after_commit(
        client_for, responder, monkeypatch, django_capture_on_commit_callbacks):
    from contacts import tasks

    network = a_cached_network(an_organisation())
    asked = []
    monkeypatch.setattr(tasks.lookup_parent, "delay", asked.append)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(responder).post(reverse("contacts:network_parent", args=[network.pk]))
    assert asked == [network.pk]
    page = client_for(responder).get(reverse("contacts:edit", args=[network.organisation_id]))
    assert "Look up parent" in page.content.decode()


def _count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_contacts_list_and_incident_page_cost_the_same_queries_for_3_or_12_organisations(
        client_for, viewer, responder):
    incident = an_incident(responder)
    client = client_for(viewer)

    def add(n, offset):
        for i in range(offset, offset + n):
            org = an_organisation(f"ISP {i}", (f"abuse@isp{i}.example",))
            network = a_cached_network(org, start=f"81.{i}.0.0", end=f"81.{i}.0.255", handle=f"N{i}")
            Offender.objects.create(incident=incident, source=f"81.{i}.0.1", ip=f"81.{i}.0.1",
                                    network=network)

    add(3, 0)
    few = (_count_queries(client, reverse("contacts:list")),
           _count_queries(client, incident.get_absolute_url()))
    add(9, 3)
    many = (_count_queries(client, reverse("contacts:list")),
            _count_queries(client, incident.get_absolute_url()))
    assert many == few
