"""Incidents: references, time zones at the edges, the audit trail, the list's filters."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import Profile
from incidents.models import Event, Incident, IncidentStatus

from .factories import an_incident

pytestmark = pytest.mark.django_db


def test_references_count_up_within_the_year(responder):
    first, second = an_incident(responder), an_incident(responder)
    year = datetime.now(UTC).year
    assert first.reference == f"ABD-{year}-0001"
    assert second.reference == f"ABD-{year}-0002"


def test_a_responder_creates_an_incident_entered_in_their_own_zone(client, responder):
    Profile.objects.update_or_create(user=responder, defaults={"time_zone": "Europe/Berlin"})
    client.force_login(responder)
    response = client.post(reverse("incidents:create"), {
        "title": "RDP brute force", "category": "login_attack", "severity": "high",
        "status": "open", "detected_at": "2026-07-01T14:30", "description": "Many 4625s",
    })
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == incident.get_absolute_url()
    # 14:30 in Berlin summer time is 12:30 UTC; the database holds UTC.
    assert incident.detected_at == datetime(2026, 7, 1, 12, 30, tzinfo=UTC)
    assert incident.owner == responder and incident.created_by == responder
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "2026-07-01 14:30 CEST (UTC+02:00, Europe/Berlin)" in page


def test_times_are_shown_in_each_users_zone_with_the_zone_named(client, responder, viewer):
    incident = an_incident(responder, detected_at=datetime(2026, 1, 15, 23, 30, tzinfo=UTC))
    Profile.objects.update_or_create(user=viewer, defaults={"time_zone": "Asia/Tokyo"})
    client.force_login(viewer)
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "2026-01-16 08:30 JST (UTC+09:00, Asia/Tokyo)" in page


def test_editing_records_only_the_changed_fields_before_and_after(client, responder):
    incident = an_incident(responder, title="Port scan")
    client.force_login(responder)
    form = {
        "title": "Port scan of the DMZ", "category": incident.category,
        "severity": incident.severity, "status": "reporting",
        "detected_at": incident.detected_at.strftime("%Y-%m-%dT%H:%M"),
        "owner": responder.pk, "description": "",
    }
    client.post(reverse("incidents:edit", args=[incident.reference]), form)
    events = {e.action: e for e in Event.objects.filter(incident=incident)}
    assert set(events) == {"create", "status", "change"}
    assert events["status"].before == {"status": "open"}
    assert events["status"].after == {"status": "reporting"}
    assert events["change"].before == {"title": "Port scan"}
    assert events["change"].after == {"title": "Port scan of the DMZ"}
    assert events["change"].actor == responder
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "Status open → reporting" in page


def test_saving_an_unchanged_incident_records_nothing(responder):
    from incidents.services import incident_update

    incident = an_incident(responder)
    incident_update(actor=responder, incident=incident, title=incident.title)
    assert Event.objects.filter(incident=incident).count() == 1


def test_audit_events_cannot_be_changed_or_deleted(responder):
    an_incident(responder)
    event = Event.objects.get()
    event.summary = "rewritten history"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    with pytest.raises(ValidationError):
        Event.objects.all().update(summary="x")
    with pytest.raises(ValidationError):
        Event.objects.all().delete()
    assert Event.objects.get().summary.startswith("Created incident")


def test_a_viewer_sees_no_edit_or_upload_controls(client, responder, viewer):
    incident = an_incident(responder)
    client.force_login(viewer)
    page = client.get(incident.get_absolute_url()).content.decode()
    assert 'id="upload-form"' not in page
    assert reverse("incidents:edit", args=[incident.reference]) not in page


def test_the_list_filters_by_status_category_owner_dates_and_search(client, responder, viewer):
    a = an_incident(responder, title="SSH from AS64500", category="login_attack",
                    detected_at=datetime(2026, 3, 1, 10, tzinfo=UTC))
    b = an_incident(viewer, title="Scan of web servers", category="port_scan",
                    status=IncidentStatus.WAITING, detected_at=datetime(2026, 5, 1, 10, tzinfo=UTC))
    client.force_login(viewer)

    def refs(**query):
        response = client.get(reverse("incidents:list"), query)
        return {i.reference for i in response.context["object_list"]}

    assert refs() == {a.reference, b.reference}
    assert refs(status="waiting") == {b.reference}
    assert refs(category="login_attack") == {a.reference}
    assert refs(owner=viewer.pk) == {b.reference}
    assert refs(detected_after="2026-04-01") == {b.reference}
    assert refs(detected_before="2026-04-01") == {a.reference}
    assert refs(q="as64500") == {a.reference}
    assert refs(q=b.reference) == {b.reference}


def test_the_list_is_paginated_by_25(client, responder):
    for n in range(27):
        an_incident(responder, title=f"incident {n}")
    client.force_login(responder)
    first = client.get(reverse("incidents:list"))
    second = client.get(reverse("incidents:list"), {"page": 2})
    assert len(first.context["object_list"]) == 25
    assert len(second.context["object_list"]) == 2


def test_an_unknown_time_zone_in_the_profile_is_refused_with_a_clear_message(client, viewer):
    client.force_login(viewer)
    response = client.post(reverse("profile"), {"time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 200
    assert "Unknown time zone &#x27;Mars/Olympus_Mons&#x27;" in response.content.decode()
    assert Profile.zone_for(viewer) == "UTC"
