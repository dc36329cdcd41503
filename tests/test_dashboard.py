"""The home page reads incidents and reports straight from the models."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from contacts.models import Organisation
from incidents.models import IncidentStatus
from reports.models import Report, ReportStatus

from .factories import an_incident

pytestmark = pytest.mark.django_db


def test_the_dashboard_counts_incidents_by_status_and_lists_the_latest(client, responder):
    an_incident(responder, title="first")
    an_incident(responder, title="second", status=IncidentStatus.WAITING)
    an_incident(responder, title="third", status=IncidentStatus.WAITING)
    client.force_login(responder)
    response = client.get(reverse("dashboard"))
    counts = {value: n for value, _, n in response.context["by_status"]}
    assert counts == {"open": 1, "reporting": 0, "waiting": 2, "resolved": 0, "closed": 0}
    assert [i.title for i in response.context["latest"]][:3] == ["third", "second", "first"]


def test_the_dashboard_lists_reports_awaiting_a_reply_and_the_overdue_isps(client, responder):
    incident = an_incident(responder)
    slow = Organisation.objects.create(name="Slow Transit Ltd")
    quick = Organisation.objects.create(name="Quick Hosting")
    due = datetime(2026, 11, 20, 12, tzinfo=UTC)
    Report.objects.create(incident=incident, organisation=slow, status=ReportStatus.OVERDUE,
                          due_at=due)
    Report.objects.create(incident=incident, organisation=slow, status=ReportStatus.OVERDUE,
                          due_at=due + timedelta(days=1))
    Report.objects.create(incident=incident, organisation=quick, status=ReportStatus.SENT,
                          due_at=due + timedelta(days=3))
    Report.objects.create(incident=incident, organisation=quick, status=ReportStatus.DRAFT)
    client.force_login(responder)
    response = client.get(reverse("dashboard"))
    assert [(r.organisation.name, r.status) for r in response.context["awaiting"]] == [
        ("Quick Hosting", "sent")]
    [overdue] = response.context["overdue_isps"]
    assert (overdue["organisation__name"], overdue["reports"], overdue["oldest_due"]) == (
        "Slow Transit Ltd", 2, due)
    assert "Slow Transit Ltd" in response.content.decode()


def test_a_report_moves_only_along_allowed_transitions_and_only_from_its_current_status(
        responder):
    incident = an_incident(responder)
    report = Report.objects.create(incident=incident,
                                   organisation=Organisation.objects.create(name="ISP"))
    assert report.move(ReportStatus.DRAFT, ReportStatus.QUEUED)
    stale = Report.objects.get(pk=report.pk)
    assert report.move(ReportStatus.QUEUED, ReportStatus.SENDING)
    # A second claimant that still believes the report is queued loses the compare-and-set.
    assert not stale.move(ReportStatus.QUEUED, ReportStatus.SENDING)
    with pytest.raises(ValueError, match="cannot go from draft to sent"):
        report.move(ReportStatus.DRAFT, ReportStatus.SENT)
    assert Report.objects.get(pk=report.pk).status == ReportStatus.SENDING
