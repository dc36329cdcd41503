"""Evidence: streamed to private storage, hashed on arrival, never altered; bad input refused."""

import hashlib
import os
import socket
from pathlib import Path

import pytest
from django.urls import reverse

from incidents.models import Event, Evidence

from .factories import an_incident

pytestmark = pytest.mark.django_db

LOG = b"Nov 24 03:14:07 gw sshd[4242]: Failed password for root from 203.0.113.7 port 50022 ssh2\n"


def _upload(client, incident, files, *, json=True, **fields):
    data = {"description": "sshd log", "time_zone": "Europe/Vienna", **fields, "files": files}
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    return client.post(reverse("incidents:upload", args=[incident.reference]), data, **headers)


def _stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _named(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_an_upload_is_hashed_sized_and_stored_under_a_name_of_its_own(
        client, responder, evidence_store):
    incident = an_incident(responder)
    client.force_login(responder)
    response = _upload(client, incident, [_named("auth.log", LOG)])
    assert response.status_code == 200
    evidence = Evidence.objects.get()
    assert response.json() == {"stored": [{"id": evidence.pk, "name": "auth.log",
                                           "size": len(LOG),
                                           "sha256": hashlib.sha256(LOG).hexdigest()}],
                               "errors": []}
    assert (evidence.size, evidence.time_zone, evidence.uploaded_by) == (
        len(LOG), "Europe/Vienna", responder)
    [stored] = _stored_files(evidence_store)
    assert stored.read_bytes() == LOG
    assert "auth" not in stored.name  # the uploaded name is never part of the path
    assert stored.stat().st_mode & 0o222 == 0  # nobody may write to stored evidence
    upload_event = Event.objects.get(action="upload")
    assert upload_event.after["sha256"] == evidence.sha256
    page = client.get(incident.get_absolute_url()).content.decode()
    assert evidence.sha256 in page and "auth.log" in page


def test_several_files_arrive_in_one_upload(client, responder):
    incident = an_incident(responder)
    client.force_login(responder)
    _upload(client, incident, [_named("a.log", b"one\n"), _named("b.log", b"two\n")])
    assert sorted(Evidence.objects.values_list("original_name", "sha256")) == [
        ("a.log", hashlib.sha256(b"one\n").hexdigest()),
        ("b.log", hashlib.sha256(b"two\n").hexdigest()),
    ]


def test_a_plain_form_post_redirects_back_with_the_hash_in_a_message(client, responder):
    incident = an_incident(responder)
    client.force_login(responder)
    response = _upload(client, incident, [_named("auth.log", LOG)], json=False)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert f"Stored auth.log (SHA-256 {hashlib.sha256(LOG).hexdigest()})" in page


def test_an_empty_file_is_refused_and_nothing_is_stored(client, responder, evidence_store):
    incident = an_incident(responder)
    client.force_login(responder)
    response = _upload(client, incident, [_named("empty.log", b"")])
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "empty.log is empty: there is nothing to keep as evidence."]
    assert not Evidence.objects.exists() and _stored_files(evidence_store) == []


def test_a_file_over_the_cap_is_refused_and_nothing_is_kept(
        client, responder, evidence_store, settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    incident = an_incident(responder)
    client.force_login(responder)
    response = _upload(client, incident, [_named("huge.pcap", b"x" * 5000)])
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "huge.pcap is larger than the 1000\xa0bytes limit and was not stored."]
    assert not Evidence.objects.exists() and _stored_files(evidence_store) == []
    assert os.listdir(settings.FILE_UPLOAD_TEMP_DIR) == []


def test_a_hostile_file_name_is_only_displayed_never_used_as_a_path(
        client, responder, evidence_store):
    incident = an_incident(responder)
    client.force_login(responder)
    _upload(client, incident, [_named("../../etc/cron.d/evil\x07\x1b[31m.log", LOG)])
    evidence = Evidence.objects.get()
    assert evidence.original_name == "evil[31m.log"
    [stored] = _stored_files(evidence_store)
    assert stored.is_relative_to(evidence_store) and "evil" not in str(stored)


def test_an_unknown_time_zone_is_a_clear_error_and_nothing_is_stored(
        client, responder, evidence_store):
    incident = an_incident(responder)
    client.force_login(responder)
    response = _upload(client, incident, [_named("auth.log", LOG)], time_zone="Europe/Atlantis")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert "Unknown time zone 'Europe/Atlantis'" in error
    assert not Evidence.objects.exists() and _stored_files(evidence_store) == []


def test_an_upload_without_files_says_so(client, responder):
    incident = an_incident(responder)
    client.force_login(responder)
    response = _upload(client, incident, [])
    assert response.json()["errors"] == ["Choose or drop at least one file."]


def test_a_viewer_cannot_upload(client, responder, viewer, evidence_store):
    incident = an_incident(responder)
    client.force_login(viewer)
    assert _upload(client, incident, [_named("auth.log", LOG)]).status_code == 403
    assert not Evidence.objects.exists() and _stored_files(evidence_store) == []


def test_a_download_returns_the_exact_bytes_as_an_attachment_and_is_audited(client, responder,
                                                                            viewer):
    incident = an_incident(responder)
    client.force_login(responder)
    _upload(client, incident, [_named("auth.log", LOG)])
    evidence = Evidence.objects.get()
    client.force_login(viewer)
    response = client.get(reverse("incidents:download", args=[evidence.pk]))
    assert b"".join(response.streaming_content) == LOG
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="auth.log"'
    assert response["X-Evidence-SHA256"] == evidence.sha256
    download = Event.objects.get(action="download")
    assert download.actor == viewer and download.incident == incident


def test_stored_evidence_cannot_be_modified(responder):
    from django.core.exceptions import ValidationError

    from .factories import an_evidence

    evidence = an_evidence(an_incident(responder), responder)
    evidence.sha256 = "0" * 64
    with pytest.raises(ValidationError):
        evidence.save()


def test_evidence_is_not_reachable_under_any_public_url(client, responder, settings):
    from .factories import an_evidence

    evidence = an_evidence(an_incident(responder), responder)
    assert settings.STORAGES["evidence"]["OPTIONS"]["base_url"] is None
    client.logout()
    for url in (f"/static/{evidence.file.name}", f"/media/{evidence.file.name}",
                f"/{evidence.file.name}", reverse("incidents:download", args=[evidence.pk])):
        response = client.get(url)
        assert response.status_code in (302, 404), url
        assert LOG not in getattr(response, "content", b"")


@pytest.mark.django_db(transaction=True)
def test_an_upload_that_breaks_off_halfway_stores_nothing(live_server, responder,
                                                          evidence_store, settings):
    """The client promises 1 MB, sends half, and hangs up: no row, no file, no temp file."""
    incident = an_incident(responder)
    from django.test import Client

    session_client = Client()
    session_client.force_login(responder)
    cookie = session_client.cookies[settings.SESSION_COOKIE_NAME].value
    csrf = "a" * 32
    boundary = "----abusedeskboundary"
    head = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n"
        f"{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"time_zone\"\r\n\r\n"
        f"UTC\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
        f"filename=\"cut.pcap\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body_length = len(head) + 1_000_000
    path = reverse("incidents:upload", args=[incident.reference])
    host, port = live_server.url.removeprefix("http://").split(":")
    request = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: application/json\r\n"
        f"Cookie: {settings.SESSION_COOKIE_NAME}={cookie}; {settings.CSRF_COOKIE_NAME}={csrf}\r\n"
        f"Referer: {live_server.url}/\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {body_length}\r\nConnection: close\r\n\r\n"
    ).encode() + head + b"x" * 500_000
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        reply = b""
        sock.settimeout(30)
        while chunk := sock.recv(65536):
            reply += chunk
    assert b" 400 " in reply.split(b"\r\n", 1)[0], reply[:300]
    assert b"broke off" in reply
    assert not Evidence.objects.exists()
    assert _stored_files(evidence_store) == []
    assert os.listdir(settings.FILE_UPLOAD_TEMP_DIR) == []
