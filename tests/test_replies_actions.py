"""A responder snoozes, resolves, reopens and escalates reports; each action is audited."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import AbuseAddress, Organisation
from incidents.models import Event
from reports.models import Report, ReportStatus

from .factories import an_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(responder):
    org = Organisation.objects.create(name="Quiet ISP", reply_window_hours=24)
    AbuseAddress.objects.create(organisation=org, email="abuse@quiet.example")
    now = timezone.now()
    return Report.objects.create(incident=an_incident(responder), organisation=org,
                                 status=ReportStatus.OVERDUE, to_addresses=["abuse@quiet.example"],
                                 sent_at=now - timedelta(days=2), due_at=now - timedelta(days=1))


def act(client, report, action, **data):
    return client.post(reverse("replies:report_action", args=[report.pk, action]), data)


def test_snoozing_sets_the_time_and_is_audited(client, responder, report):
    client.force_login(responder)
    act(client, report, "snooze", hours=72)
    report.refresh_from_db()
    assert timedelta(hours=71) < report.snoozed_until - timezone.now() <= timedelta(hours=72)
    assert Event.objects.filter(action="snooze", actor=responder).exists()


def test_resolving_needs_a_note_and_reopening_restarts_the_window(client, responder, report):
    client.force_login(responder)
    act(client, report, "resolve", note="")
    report.refresh_from_db()
    assert report.status == ReportStatus.OVERDUE  # refused without a note
    act(client, report, "resolve", note="Customer's server cleaned, confirmed by phone")
    report.refresh_from_db()
    assert report.status == ReportStatus.RESOLVED
    assert "confirmed by phone" in Event.objects.get(action="resolve").summary
    act(client, report, "reopen")
    report.refresh_from_db()
    assert report.status == ReportStatus.SENT  # no human reply yet: waiting again
    assert report.due_at > timezone.now() + timedelta(hours=23)


def test_escalating_now_without_any_upstream_says_so(client, responder, report, settings):
    settings.ESCALATION_CERT_EMAIL = ""
    client.force_login(responder)
    response = act(client, report, "escalate")
    report.refresh_from_db()
    assert report.status == ReportStatus.ESCALATED
    assert "no upstream contact" in Event.objects.get(action="escalate").summary
    assert response.status_code == 302


def test_a_draft_cannot_be_resolved_or_escalated(client, responder, report):
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.DRAFT)
    client.force_login(responder)
    act(client, report, "escalate")
    act(client, report, "resolve", note="x")
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    assert not Event.objects.filter(action__in=["escalate", "resolve"]).exists()


def test_a_viewer_cannot_act_on_reports(client, viewer, report):
    client.force_login(viewer)
    assert act(client, report, "snooze", hours=1).status_code == 403


def test_the_incident_status_follows_its_reports(client, responder, report):
    from incidents.models import Incident, IncidentStatus

    incident = report.incident
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.SENT)
    report.refresh_from_db()
    assert report.move(ReportStatus.SENT, ReportStatus.ACKNOWLEDGED)
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.WAITING
    client.force_login(responder)
    act(client, report, "resolve", note="Customer cleaned up")
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.RESOLVED
    assert Event.objects.filter(incident=incident, action="status").count() == 2
    Incident.objects.filter(pk=incident.pk).update(status=IncidentStatus.CLOSED)
    act(client, report, "reopen")
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.CLOSED  # a person closed it
