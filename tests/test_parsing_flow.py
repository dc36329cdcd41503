"""From a stored file to offenders on the incident: the parse task's domain side, and the CLI."""

import json
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.urls import reverse

from incidents.models import Event, Evidence, EvidenceState, Offender
from incidents.parsing import evidence_parse, offender_exclude

from .factories import an_evidence, an_incident

pytestmark = pytest.mark.django_db

SSHD = (
    b"Dec 31 23:58:01 gw sshd[101]: Failed password for root from 198.18.0.1 port 4000 ssh2\n"
    b"Dec 31 23:59:01 gw sshd[102]: Failed password for invalid user admin from 45.13.7.9 port 4001 ssh2\n"
    b"Jan  1 00:00:01 gw sshd[103]: Failed password for invalid user admin from 45.13.7.9 port 4002 ssh2\n"
    b"Jan  1 00:01:01 gw sshd[104]: Failed password for root from 45.13.7.9 port 4003 ssh2\n"
    b"Jan  1 00:01:30 gw sshd[105]: Accepted publickey for alice from 192.168.1.20 port 5000 ssh2\n"
    b"Jan  1 00:02:01 gw sshd[106]: Failed password for root from 10.1.2.3 port 4004 ssh2\n"
)


@pytest.fixture
def log_evidence(responder):
    incident = an_incident(responder)
    evidence = an_evidence(incident, responder, content=SSHD, name="auth.log")
    Evidence.objects.filter(pk=evidence.pk).update(
        uploaded_at=datetime(2027, 1, 2, 8, tzinfo=UTC), time_zone="Europe/Berlin")
    return Evidence.objects.get(pk=evidence.pk)


def test_parsing_finds_each_offender_with_its_times_counts_and_rate(log_evidence):
    evidence_parse(log_evidence.pk)
    evidence = Evidence.objects.get(pk=log_evidence.pk)
    assert evidence.state == EvidenceState.PARSED
    assert (evidence.records, evidence.skipped, evidence.offenders_found) == (6, 0, 3)
    assert evidence.detected_format == "sshd"
    offender = Offender.objects.get(source="45.13.7.9")
    # Berlin is UTC+1 in winter; the year comes from the upload and does not jump back at New Year.
    assert offender.first_seen == datetime(2026, 12, 31, 22, 59, 1, tzinfo=UTC)
    assert offender.last_seen == datetime(2026, 12, 31, 23, 1, 1, tzinfo=UTC)
    assert offender.count == 3 and offender.rate_per_minute == 1.5
    assert offender.excluded_reason == ""
    assert list(offender.evidence.all()) == [evidence]
    excluded = dict(Offender.objects.exclude(excluded_reason="").values_list("source",
                                                                           "excluded_reason"))
    assert excluded == {"10.1.2.3": "private range", "198.18.0.1": "benchmarking range"}
    assert not Offender.objects.filter(source="192.168.1.20").exists()  # a success is no attack


def test_parsing_again_never_duplicates_offenders(log_evidence):
    evidence_parse(log_evidence.pk)
    evidence_parse(log_evidence.pk)
    assert Offender.objects.count() == 3
    assert Offender.objects.get(source="45.13.7.9").count == 3


def test_two_files_add_up_on_one_offender(log_evidence, responder):
    second = an_evidence(log_evidence.incident, responder, content=SSHD, name="auth.log.1")
    evidence_parse(log_evidence.pk)
    evidence_parse(second.pk)
    offender = Offender.objects.get(source="45.13.7.9")
    assert offender.count == 6 and offender.evidence.count() == 2


ACCEPTED = (
    b"Jan  1 00:03:00 gw kernel: ACCEPT-IN IN=eth0 OUT= SRC=45.13.7.9 DST=192.0.2.10 LEN=60 "
    b"PROTO=TCP SPT=4010 DPT=443\n"
    b"Jan  1 00:04:00 gw kernel: ACCEPT-IN IN=eth0 OUT= SRC=81.2.69.142 DST=192.0.2.10 LEN=60 "
    b"PROTO=TCP SPT=4011 DPT=443\n"
    b"Jan  1 00:05:00 gw kernel: ACCEPT-IN IN=eth0 OUT= SRC=81.2.69.142 DST=192.0.2.10 LEN=60 "
    b"PROTO=TCP SPT=4012 DPT=443\n"
)


def test_sources_seen_only_in_allowed_traffic_are_listed_but_never_reported(log_evidence, responder):
    evidence_parse(log_evidence.pk)
    accepted = an_evidence(log_evidence.incident, responder, content=ACCEPTED, name="fw.log")
    evidence_parse(accepted.pk)
    allowed = Offender.objects.get(source="81.2.69.142")
    assert allowed.excluded_reason == "seen only in allowed or outbound traffic"
    assert allowed.count == 2 and allowed.kinds == ["allowed or outbound traffic"]
    attacker = Offender.objects.get(source="45.13.7.9")  # also allowed once: still an attacker
    assert attacker.excluded_reason == "" and attacker.count == 3
    assert attacker.kinds == ["failed login"]


def test_own_networks_are_kept_but_never_reported(log_evidence, settings):
    import ipaddress

    settings.OWN_NETWORKS_PARSED = (ipaddress.ip_network("45.13.7.0/24"),)
    evidence_parse(log_evidence.pk)
    assert Offender.objects.get(source="45.13.7.9").excluded_reason == "own network"


def test_a_parse_already_running_elsewhere_is_not_started_twice(log_evidence):
    Evidence.objects.filter(pk=log_evidence.pk).update(state=EvidenceState.PARSING,
                                                       parse_started_at=datetime.now(UTC))
    assert evidence_parse(log_evidence.pk) is None
    assert not Offender.objects.exists()


def test_an_admin_excludes_an_address_with_a_reason_kept_in_the_audit_trail(
        client, log_evidence, responder):
    evidence_parse(log_evidence.pk)
    offender = Offender.objects.get(source="45.13.7.9")
    client.force_login(responder)
    url = reverse("incidents:offender_exclude", args=[offender.pk])
    client.post(url, {"action": "exclude", "reason": ""})
    offender.refresh_from_db()
    assert offender.manual_exclusion == ""  # no reason, no exclusion
    client.post(url, {"action": "exclude", "reason": "our pentest partner"})
    offender.refresh_from_db()
    assert offender.manual_exclusion == "our pentest partner"
    event = Event.objects.get(action="exclude")
    assert event.actor == responder and event.after == {"manual_exclusion": "our pentest partner"}
    offender_exclude(actor=responder, offender=offender, reason="")
    assert Event.objects.filter(action="include").count() == 1


def test_the_incident_page_shows_offenders_sorted_as_asked(client, log_evidence, viewer):
    evidence_parse(log_evidence.pk)
    client.force_login(viewer)
    url = log_evidence.incident.get_absolute_url()
    by_count = [o.source for o in client.get(url).context["offenders"]]
    by_source = [o.source for o in client.get(url, {"sort": "source"}).context["offenders"]]
    assert by_count[0] == "45.13.7.9"
    assert by_source == sorted(by_source)
    assert client.get(url, {"sort": "password"}).status_code == 200  # unknown keys are ignored


def test_the_status_endpoint_reports_parse_progress(client, log_evidence, viewer):
    evidence_parse(log_evidence.pk)
    client.force_login(viewer)
    body = client.get(reverse("incidents:evidence_status",
                              args=[log_evidence.incident.reference])).json()
    [row] = body["evidence"]
    assert (row["state"], row["records"], row["offenders_found"], row["bytes_read"]) == (
        "parsed", 6, 3, len(SSHD))


def test_the_command_line_prints_the_contract_json_without_storing_anything(tmp_path, capsys):
    path = tmp_path / "auth.log"
    path.write_bytes(SSHD)
    call_command("parse_evidence", str(path), "--tz", "Europe/Berlin",
                 "--reference", "2027-01-02T08:00:00+00:00", "--json")
    result = json.loads(capsys.readouterr().out)
    assert {"format", "records", "skipped", "errors", "offenders"} <= set(result)
    assert result["format"] == "sshd" and result["records"] == 6
    by_ip = {o["ip"]: o for o in result["offenders"]}
    assert by_ip["45.13.7.9"]["count"] == 3
    assert by_ip["45.13.7.9"]["first_seen"] == "2026-12-31T22:59:01+00:00"
    assert by_ip["45.13.7.9"]["excluded"] is None
    assert by_ip["10.1.2.3"]["excluded"] == "private range"
    assert {"ip", "count", "first_seen", "last_seen", "ports", "targets", "excluded"} <= set(
        by_ip["45.13.7.9"])
    assert not Offender.objects.exists()


def test_the_command_line_refuses_an_unknown_zone_or_format_clearly(tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "auth.log"
    path.write_bytes(SSHD)
    with pytest.raises(CommandError, match="Unknown time zone 'Mars/Base'"):
        call_command("parse_evidence", str(path), "--tz", "Mars/Base", "--json")
    with pytest.raises(CommandError, match="Unknown format 'nope'"):
        call_command("parse_evidence", str(path), "--format", "nope", "--json")


def test_a_declared_end_time_places_year_less_lines_before_it(responder):
    incident = an_incident(responder)
    evidence = an_evidence(incident, responder, content=SSHD, name="auth.log")
    # uploaded long after, but the admin says the log ended on 2 January 2025 (Berlin time)
    Evidence.objects.filter(pk=evidence.pk).update(
        uploaded_at=datetime(2026, 6, 1, tzinfo=UTC), time_zone="Europe/Berlin",
        ends_at=datetime(2025, 1, 2, 7, tzinfo=UTC))
    evidence_parse(evidence.pk)
    offender = Offender.objects.get(source="45.13.7.9")
    assert offender.first_seen == datetime(2024, 12, 31, 22, 59, 1, tzinfo=UTC)
    assert offender.last_seen == datetime(2024, 12, 31, 23, 1, 1, tzinfo=UTC)


def test_the_upload_form_reads_the_end_time_in_the_files_zone(client, responder):
    incident = an_incident(responder)
    client.force_login(responder)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(reverse("incidents:upload", args=[incident.reference]), {
        "files": [SimpleUploadedFile("auth.log", SSHD)], "time_zone": "America/New_York",
        "ends_at": "2025-01-02T03:00:00"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    evidence = Evidence.objects.get(incident=incident)
    assert evidence.ends_at == datetime(2025, 1, 2, 8, 0, tzinfo=UTC)  # 03:00 EST = 08:00 UTC
