"""Preparing and composing reports: one draft per organisation, its excerpt, XARF and text."""

import io
import ipaddress
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents.models import Category, Event, Offender
from reports import composing
from reports.composing import (
    report_edit,
    report_recompose_request,
    reports_compose,
    reports_prepare,
)
from reports.models import Report, ReportAttachment, ReportStatus, ReportTemplate
from reports.sending import report_problems, report_queue
from reports.xarf_reports import validate

from .composing_support import ALPHA, BETA, a_world, link_offenders
from .conftest import make_user
from .factories import an_evidence, an_incident

S = ReportStatus


@pytest.fixture(autouse=True)
def reporter(settings):
    settings.REPORT_FROM = "abuse@desk.example.org"
    settings.REPORTER_NAME = "Jane Admin"
    settings.REPORTER_ORGANISATION = "Example Org"
    settings.REPORTER_EMAIL = "abuse@desk.example.org"
    settings.REPORTER_PHONE = "+49 30 1234567"
    settings.REPORT_REDACT_HOSTNAMES = []
    settings.REPORT_REDACT_SYSLOG_HOST = True


@pytest.fixture
def owner(db):
    return make_user("olga", "responder")


@pytest.fixture
def enqueued(monkeypatch):
    """The report ids handed to the compose task, instead of a broker."""
    calls = []
    monkeypatch.setattr(composing, "_enqueue", lambda ids: calls.append(list(ids)))
    return calls


def prepared(owner, world, django_capture_on_commit_callbacks, **options):
    with django_capture_on_commit_callbacks(execute=True):
        return reports_prepare(actor=owner, incident=world.incident, **options)


def composed(report_ids):
    reports_compose(report_ids)
    return {r.organisation.name: r for r in Report.objects.filter(pk__in=report_ids)}


def zip_members(report) -> dict[str, bytes]:
    attachment = report.attachments.get(kind=ReportAttachment.Kind.EXCERPT)
    with zipfile.ZipFile(io.BytesIO(bytes(attachment.data))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_prepare_makes_one_draft_per_organisation_and_says_why_the_others_get_none(
        owner, enqueued, django_capture_on_commit_callbacks):
    world = a_world(owner, beta_fields={"do_not_contact": True, "do_not_contact_reason": "reseller"})
    result = prepared(owner, world, django_capture_on_commit_callbacks)

    assert [r.organisation for r in result.created] == [world.alpha]
    (draft,) = result.created
    assert draft.status == S.DRAFT and draft.composing
    assert draft.to_addresses == ["abuse@alpha.example"]
    assert draft.message_id.endswith("@desk.example.org>") and len(draft.reply_token) == 16
    assert sorted(draft.offenders.values_list("source", flat=True)) == sorted(ALPHA)
    reasons = {s.who: (s.sources, s.reason) for s in result.skipped}
    assert reasons["Beta Hosting"] == (list(BETA), "do not contact: reseller")
    # 192.0.2.200 is a documentation address: never reported, so not even listed as skipped
    assert all("192.0.2.200" not in s.sources for s in result.skipped)
    assert enqueued == [[draft.pk]]


def test_offenders_not_looked_up_yet_and_contacts_without_an_address_are_listed_with_the_reason(
        owner, enqueued, django_capture_on_commit_callbacks):
    world = a_world(owner)
    world.beta.addresses.all().delete()
    Offender.objects.filter(incident=world.incident, source="81.2.69.8").update(network=None)
    result = prepared(owner, world, django_capture_on_commit_callbacks)
    reasons = {(s.who, tuple(s.sources)): s.reason for s in result.skipped}
    assert reasons[("Beta Hosting", BETA)] == "no abuse address in RDAP"
    assert reasons[("(no contact)", ("81.2.69.8",))] == "not looked up yet"
    (draft,) = result.created
    assert list(draft.offenders.values_list("source", flat=True)) == ["81.2.69.7"]


def test_preparing_twice_makes_no_second_draft_for_the_same_organisation(
        owner, enqueued, django_capture_on_commit_callbacks):
    world = a_world(owner)
    first = prepared(owner, world, django_capture_on_commit_callbacks)
    second = prepared(owner, world, django_capture_on_commit_callbacks)
    assert len(first.created) == 2 and second.created == []
    assert {s.reason for s in second.skipped} == {
        f"report {r.pk} to it is draft" for r in first.created}
    assert Report.objects.filter(incident=world.incident).count() == 2


def test_digest_mode_puts_the_contacts_other_open_incidents_into_one_report(
        owner, enqueued, django_capture_on_commit_callbacks):
    world = a_world(owner)
    other = an_incident(owner, title="Port scan")
    evidence = an_evidence(other, owner, name="fw.log", content=(
        b"Mar  2 08:00:00 gw1 kernel: [UFW BLOCK] IN=eth0 OUT= MAC= SRC=81.2.69.99 DST=10.0.0.5 "
        b"LEN=60 TTL=50 ID=1 PROTO=TCP SPT=5000 DPT=3389 WINDOW=1 RES=0x00 SYN URGP=0\n"))
    from incidents.parsing import evidence_parse
    evidence_parse(evidence.pk)
    link_offenders(other)

    result = prepared(owner, world, django_capture_on_commit_callbacks, digest=True)
    alpha = next(r for r in result.created if r.organisation == world.alpha)
    beta = next(r for r in result.created if r.organisation == world.beta)
    assert list(alpha.digest_incidents.all()) == [other]
    assert sorted(alpha.offenders.values_list("source", flat=True)) == sorted([*ALPHA, "81.2.69.99"])
    assert list(beta.digest_incidents.all()) == []

    composed_ = composed([alpha.pk])["Alpha Net"]
    assert f"This report covers our incidents {world.incident.reference}, {other.reference}." \
        in composed_.body
    # the other incident is now reported to Alpha Net: a digest from it finds nothing more to add
    again = reports_prepare(actor=owner, incident=other, digest=True)
    assert again.created == []


def test_the_composed_text_states_times_in_our_zone_and_utc_hosts_counts_and_our_details(
        owner, enqueued, django_capture_on_commit_callbacks):
    world = a_world(owner)
    ids = [r.pk for r in prepared(owner, world, django_capture_on_commit_callbacks).created]
    alpha = composed(ids)["Alpha Net"]

    assert not alpha.composing and alpha.compose_error == "" and alpha.composed_at is not None
    assert alpha.template == ReportTemplate.objects.get(category=Category.LOGIN_ATTACK, language="en")
    assert alpha.subject == "Abuse from your network: blocked connection, failed login (2 hosts)"
    body = alpha.body
    assert body.startswith("Dear Alpha Net abuse team,\n")
    # Mar 1 09:12:01 Berlin time is 08:12:01 UTC; the zone is always written out
    assert "When: 2026-03-01 09:12 CET (UTC+01:00, Europe/Berlin) to 2026-03-01 09:12 CET" in body
    assert "(2026-03-01 08:12:01 UTC to 2026-03-01 08:12:06 UTC)" in body
    assert "  81.2.69.7: 3 attempts, 2026-03-01 08:12:01 UTC to 2026-03-01 08:12:06 UTC" in body
    assert "  81.2.69.8: 1 attempts" in body
    assert "4 attempts in total" in body
    assert "89.160.20.9" not in body  # Beta's host is not Alpha's business
    assert "What we did: The address(es) are blocked at our firewall." in body
    assert "Jane Admin\nExample Org\nabuse@desk.example.org, +49 30 1234567\n" in body
    assert f"Our reference: {world.incident.reference}" in body
    assert "We will follow up on " in body and "(48 hours" not in body
    for attachment in alpha.attachments.all():
        assert f"{attachment.name}: " in body and attachment.sha256 in body
    assert problems_of(alpha) == []


def problems_of(report):
    report.refresh_from_db()
    return report_problems(report)


def test_each_contacts_excerpt_holds_only_its_own_lines_with_our_internal_hosts_redacted(
        owner, enqueued, django_capture_on_commit_callbacks):
    world = a_world(owner)
    ids = [r.pk for r in prepared(owner, world, django_capture_on_commit_callbacks).created]
    reports = composed(ids)
    alpha, beta = reports["Alpha Net"], reports["Beta Hosting"]

    alpha_text = b"".join(v for k, v in zip_members(alpha).items() if k != "MANIFEST.txt").decode()
    lines = alpha_text.splitlines()
    assert len(lines) == 4
    assert all(any(ip in line for ip in ALPHA) for line in lines)
    assert "89.160.20.9" not in alpha_text and "192.168.7.20" not in alpha_text
    assert "10.0.0.5" not in alpha_text and " gw1 " not in alpha_text  # redacted
    manifest = zip_members(alpha)["MANIFEST.txt"].decode()
    assert world.evidence.sha256 in manifest and "auth.log" in manifest
    assert "10.0.0.5" not in manifest

    beta_text = b"".join(v for k, v in zip_members(beta).items() if k != "MANIFEST.txt").decode()
    assert [line for line in beta_text.splitlines() if line] and "81.2.69.7" not in beta_text
    # the preview (only) shows what the placeholders stand for
    originals = {r["original"] for r in alpha.redactions.values()}
    assert {"10.0.0.5", "gw1"} <= originals
    # the body quotes the first excerpt lines, redacted too
    assert "From our logs (our internal addresses and host names redacted):" in alpha.body
    assert "Failed password for root from 81.2.69.7 port 50001" in alpha.body
    assert "10.0.0.5" not in alpha.body


def test_an_xarf_v4_report_per_host_is_attached_and_valid_when_the_contact_wants_it(
        owner, enqueued, django_capture_on_commit_callbacks):
    world = a_world(owner)
    world.beta.wants_xarf = False
    world.beta.save()
    ids = [r.pk for r in prepared(owner, world, django_capture_on_commit_callbacks).created]
    reports = composed(ids)
    alpha = reports["Alpha Net"]
    xarf = {a.name: bytes(a.data) for a in alpha.attachments.filter(kind="xarf")}
    ref = world.incident.reference
    names = {f"{ref}-xarf-81.2.69.7.json", f"{ref}-xarf-81.2.69.8.json"}
    assert set(xarf) == names
    for data in xarf.values():
        assert validate(data) == []
        report = json.loads(data)
        assert (report["category"], report["type"]) == ("connection", "login_attack")
        assert report["reporter"] == {"org": "Example Org", "contact": "abuse@desk.example.org",
                                      "domain": "desk.example.org"}
        assert f"reference:{ref.lower()}" in report["tags"]
    seven = json.loads(xarf[f"{ref}-xarf-81.2.69.7.json"])
    assert seven["source_port"] == 50001 and seven["first_seen"] == "2026-03-01T08:12:01+00:00"
    # our internal server (10.0.0.5) is never named; 81.2.69.7 targeted no known address of ours
    eight = json.loads(xarf[f"{ref}-xarf-81.2.69.8.json"])
    assert "destination_ip" not in seven and "destination_ip" not in eight
    assert eight["destination_port"] == 22 and eight["source_port"] == 41234
    assert not reports["Beta Hosting"].attachments.filter(kind="xarf").exists()


def test_a_draft_being_composed_cannot_be_queued(owner, enqueued, django_capture_on_commit_callbacks):
    world = a_world(owner)
    draft = prepared(owner, world, django_capture_on_commit_callbacks).created[0]
    with pytest.raises(ValidationError, match="still being composed"):
        report_queue(actor=owner, report=draft)
    composed([draft.pk])
    draft.refresh_from_db()
    report_queue(actor=owner, report=draft)
    assert Report.objects.get(pk=draft.pk).status == S.QUEUED


def test_a_template_that_fails_at_compose_time_leaves_the_draft_unsendable_with_the_reason(
        owner, enqueued, django_capture_on_commit_callbacks):
    ReportTemplate.objects.filter(category=Category.LOGIN_ATTACK).update(
        body="{{ offenders[99].address }}")
    world = a_world(owner)
    draft = prepared(owner, world, django_capture_on_commit_callbacks).created[0]
    composed([draft.pk])
    draft.refresh_from_db()
    assert "Login attack (English)" in draft.compose_error and not draft.composing
    assert any("composing it failed" in p for p in report_problems(draft))


def test_hand_edits_are_kept_until_the_draft_is_composed_again(
        owner, enqueued, django_capture_on_commit_callbacks):
    world = a_world(owner)
    draft = prepared(owner, world, django_capture_on_commit_callbacks).created[0]
    composed([draft.pk])
    draft.refresh_from_db()
    report_edit(actor=owner, report=draft, subject="My subject", body="My own words.\n")
    draft.refresh_from_db()
    assert (draft.subject, draft.body, draft.body_edited) == ("My subject", "My own words.\n", True)

    with django_capture_on_commit_callbacks(execute=True):
        report_recompose_request(actor=owner, report=draft)
    assert enqueued[-1] == [draft.pk]
    composed([draft.pk])
    draft.refresh_from_db()
    assert draft.body.startswith("Dear ") and not draft.body_edited


def test_a_sent_report_can_be_neither_edited_nor_composed_again(owner, enqueued,
                                                              django_capture_on_commit_callbacks):
    world = a_world(owner)
    draft = prepared(owner, world, django_capture_on_commit_callbacks).created[0]
    composed([draft.pk])
    Report.objects.filter(pk=draft.pk).update(status=S.SENT)
    draft.refresh_from_db()
    with pytest.raises(ValidationError):
        report_edit(actor=owner, report=draft, subject="x", body="y")
    with pytest.raises(ValidationError):
        report_recompose_request(actor=owner, report=draft)


def test_composing_twice_changes_nothing_the_second_time(owner, enqueued,
                                                         django_capture_on_commit_callbacks):
    world = a_world(owner)
    draft = prepared(owner, world, django_capture_on_commit_callbacks).created[0]
    composed([draft.pk])
    before = list(ReportAttachment.objects.filter(report=draft).values_list("pk", "sha256"))
    composed([draft.pk])  # a redelivered task: the draft is no longer composing
    assert list(ReportAttachment.objects.filter(report=draft).values_list("pk", "sha256")) == before


# --- Pages -----------------------------------------------------------------------------------


def test_prepare_on_the_incident_page_lists_drafts_and_skipped_contacts(
        client_for, owner, enqueued, django_capture_on_commit_callbacks):
    world = a_world(owner, beta_fields={"do_not_contact": True, "do_not_contact_reason": "reseller"})
    client = client_for(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:prepare", args=[world.incident.reference]),
                               {"action_taken": "Blocked since 10:00.", "digest": ""}, follow=True)
    page = response.content.decode()
    assert "1 draft report(s) prepared" in page
    assert "No report to Beta Hosting (89.160.20.9): do not contact: reseller." in page
    draft = Report.objects.get(incident=world.incident)
    assert draft.compose_options["action_taken"] == "Blocked since 10:00."
    assert "composing" in page and len(enqueued) == 1


def test_a_viewer_cannot_prepare_reports(client_for, owner, viewer, enqueued):
    world = a_world(owner)
    response = client_for(viewer).post(reverse("reports:prepare", args=[world.incident.reference]))
    assert response.status_code == 403
    assert not Report.objects.exists()


def test_the_preview_shows_the_headers_exactly_as_they_will_go_out_and_the_redactions(
        client_for, owner, enqueued, django_capture_on_commit_callbacks, settings):
    settings.REPORT_REPLY_TO = "abuse+{token}@desk.example.org"
    world = a_world(owner)
    draft = prepared(owner, world, django_capture_on_commit_callbacks).created[0]
    composed([draft.pk])
    draft.refresh_from_db()
    page = client_for(owner).get(reverse("reports:detail", args=[draft.pk])).content.decode()
    assert f"[{world.incident.reference}] Abuse from your network" in page
    assert f"abuse+{draft.reply_token}@desk.example.org" in page
    assert draft.message_id.replace("<", "&lt;").replace(">", "&gt;") in page
    assert "Alpha Net &lt;abuse@alpha.example&gt;" in page
    assert 'id="redactions"' in page and "10.0.0.5" in page
    for attachment in draft.attachments.all():
        assert attachment.name in page


def test_editing_a_draft_subject_folds_line_breaks_so_no_header_can_be_injected(
        client_for, owner, enqueued, django_capture_on_commit_callbacks):
    world = a_world(owner)
    draft = prepared(owner, world, django_capture_on_commit_callbacks).created[0]
    composed([draft.pk])
    client_for(owner).post(reverse("reports:edit", args=[draft.pk]),
                           {"subject": "Hello\r\nBcc: victim@example.com", "body": "Text\n"})
    draft.refresh_from_db()
    assert draft.subject == "Hello Bcc: victim@example.com" and draft.body_edited


def test_attachments_download_only_for_signed_in_users_with_access(
        client, client_for, owner, viewer, enqueued, django_capture_on_commit_callbacks):
    world = a_world(owner)
    draft = prepared(owner, world, django_capture_on_commit_callbacks).created[0]
    composed([draft.pk])
    attachment = draft.attachments.get(kind="excerpt")
    url = reverse("reports:attachment", args=[draft.pk, attachment.pk])
    assert client.get(url).status_code == 302  # to the login page
    response = client_for(viewer).get(url)
    assert response.status_code == 200 and response.content == bytes(attachment.data)
    assert response["Content-Disposition"].startswith("attachment;")
    assert Event.objects.filter(action="download", actor=viewer, object_id=str(draft.pk)).count() == 1
    assert client_for(viewer).get(reverse("reports:attachment", args=[draft.pk + 999, attachment.pk])
                                  ).status_code == 404


def test_with_no_active_template_left_the_text_shipped_for_the_category_is_used(
        owner, enqueued, django_capture_on_commit_callbacks):
    ReportTemplate.objects.update(active=False)
    world = a_world(owner)
    draft = prepared(owner, world, django_capture_on_commit_callbacks).created[0]
    composed([draft.pk])
    draft.refresh_from_db()
    assert draft.template is None and draft.compose_error == ""
    assert draft.body.startswith("Dear Alpha Net abuse team,\n\nWe see repeated failed login attempts")


def test_xarf_names_our_target_only_when_it_is_one_public_address(settings):
    from reports.composing import _public_target

    settings.REPORT_REDACT_NETWORKS_PARSED = (ipaddress.ip_network("81.2.0.0/16"),)
    assert _public_target(["91.198.174.192"]) == "91.198.174.192"
    assert _public_target(["91.198.174.192", "91.198.174.193"]) is None  # several: none named
    assert _public_target(["10.0.0.5"]) is None and _public_target(["81.2.3.4"]) is None
    assert _public_target(["mail.example.org"]) is None and _public_target([]) is None
