"""Every URL, walked by every persona: anonymous, viewer, responder, admin."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from contacts.models import Network, Organisation
from incidents.models import Offender
from reports.models import Message, Report, ReportAttachment, ReportTemplate

from .conftest import make_user
from .factories import an_evidence, an_incident

RANK = {"anonymous": 0, "viewer": 1, "responder": 2, "admin": 3}

# (url name, method, the least role allowed). "anonymous" means open to everyone.
WALK = [
    ("healthz", "get", "anonymous"),
    ("login", "get", "anonymous"),
    ("dashboard", "get", "viewer"),
    ("profile", "get", "viewer"),
    ("password_change", "get", "viewer"),
    ("password_change_done", "get", "viewer"),
    ("logout", "post", "viewer"),
    ("incidents:list", "get", "viewer"),
    ("incidents:detail", "get", "viewer"),
    ("incidents:download", "get", "viewer"),
    ("incidents:evidence_status", "get", "viewer"),
    ("incidents:parse", "post", "responder"),
    ("incidents:offender_exclude", "post", "responder"),
    ("incidents:resolve", "post", "responder"),
    ("incidents:create", "get", "responder"),
    ("incidents:create", "post", "responder"),
    ("incidents:edit", "get", "responder"),
    ("incidents:edit", "post", "responder"),
    ("incidents:upload", "post", "responder"),
    ("replies:unfiled", "get", "viewer"),
    ("replies:message", "get", "viewer"),
    ("replies:file", "post", "responder"),
    ("replies:report_action", "post", "responder"),
    ("contacts:list", "get", "viewer"),
    ("contacts:edit", "get", "responder"),
    ("contacts:edit", "post", "responder"),
    ("contacts:refresh", "post", "responder"),
    ("contacts:network_parent", "post", "responder"),
    ("contacts:incident_lookup", "post", "responder"),
    ("reports:detail", "get", "viewer"),
    ("reports:message_raw", "get", "viewer"),
    ("reports:send", "post", "responder"),
    ("reports:bulk_send", "post", "responder"),
    ("reports:decide", "post", "responder"),
    ("reports:test_email", "get", "admin"),
    ("reports:prepare", "post", "responder"),
    ("reports:edit", "get", "responder"),
    ("reports:edit", "post", "responder"),
    ("reports:recompose", "post", "responder"),
    ("reports:attachment", "get", "viewer"),
    ("reports:templates", "get", "viewer"),
    ("reports:template_new", "get", "admin"),
    ("reports:template_new", "post", "admin"),
    ("reports:template_edit", "get", "admin"),
    ("reports:template_edit", "post", "admin"),
    ("users", "get", "admin"),
    ("user_create", "get", "admin"),
    ("user_edit", "get", "admin"),
    ("admin:index", "get", "admin"),
]


def _named_patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{entry.namespace}:" if entry.namespace else prefix
            if entry.namespace == "admin":
                continue  # Django's own admin site: walked through admin:index
            yield from _named_patterns(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name


def test_the_walk_covers_every_named_url_of_the_app():
    walked = {name for name, _, _ in WALK}
    assert set(_named_patterns()) - walked == set()


@pytest.fixture
def world(db):
    owner = make_user("olga", "responder")
    incident = an_incident(owner)
    evidence = an_evidence(incident, owner)
    offender = Offender.objects.create(incident=incident, source="45.13.7.9", ip="45.13.7.9")
    organisation = Organisation.objects.create(name="Example Networks", handle="EXN", registry="ripencc")
    network = Network.objects.create(start="81.2.0.0", end="81.2.0.255", organisation=organisation)
    report = Report.objects.create(incident=incident, organisation=organisation,
                                   to_addresses=["abuse@transit.example"], subject="Brute force",
                                   body="Please investigate.")
    message = Message.objects.create(report=report, direction="out", kind="report", raw=b"x")
    attachment = ReportAttachment.objects.create(report=report, kind="excerpt", name="e.zip",
                                                 content_type="application/zip", data=b"PK", size=2,
                                                 sha256="0" * 64)
    inbound = Message.objects.create(direction="in", kind="unrelated", subject="walk", raw=b"x")
    return {"incident": incident, "evidence": evidence, "user": owner, "offender": offender,
            "organisation": organisation, "network": network, "report": report, "message": message,
            "inbound": inbound, "attachment": attachment,
            "template": ReportTemplate.objects.order_by("pk").first()}


def _url(name, world):
    from django.urls import reverse

    args = {
        "incidents:detail": [world["incident"].reference],
        "incidents:edit": [world["incident"].reference],
        "incidents:upload": [world["incident"].reference],
        "incidents:download": [world["evidence"].pk],
        "incidents:evidence_status": [world["incident"].reference],
        "incidents:parse": [world["evidence"].pk],
        "incidents:offender_exclude": [world["offender"].pk],
        "incidents:resolve": [world["incident"].reference],
        "user_edit": [world["user"].pk],
        "replies:message": [world["inbound"].pk],
        "replies:file": [world["inbound"].pk],
        "replies:report_action": [world["report"].pk, "snooze"],
        "contacts:edit": [world["organisation"].pk],
        "contacts:refresh": [world["organisation"].pk],
        "contacts:network_parent": [world["network"].pk],
        "contacts:incident_lookup": [world["incident"].reference],
        "reports:detail": [world["report"].pk],
        "reports:send": [world["report"].pk],
        "reports:decide": [world["report"].pk],
        "reports:message_raw": [world["message"].pk],
        "reports:prepare": [world["incident"].reference],
        "reports:edit": [world["report"].pk],
        "reports:recompose": [world["report"].pk],
        "reports:attachment": [world["report"].pk, world["attachment"].pk],
        "reports:template_edit": [world["template"].pk],
    }.get(name, [])
    return reverse(name, args=args)


@pytest.mark.parametrize("persona", list(RANK))
@pytest.mark.parametrize(("name", "method", "least"), WALK)
def test_each_persona_is_allowed_or_denied_each_url(client, world, persona, name, method, least):
    if persona != "anonymous":
        client.force_login(make_user(f"p-{persona}", persona))
    url = _url(name, world)
    response = getattr(client, method)(url, {})
    allowed = RANK[persona] >= RANK[least]
    location = response.get("Location", "")
    if allowed:
        assert response.status_code in (200, 302, 400, 503), (persona, url, response.status_code)
        assert "?next=" not in location, (persona, url, location)
        assert response.status_code != 403
    elif persona == "anonymous" and not name.startswith("admin:"):
        assert response.status_code == 302 and "/accounts/login/?next=" in location, (url, location)
    elif name.startswith("admin:"):
        assert response.status_code == 302 and "/admin/login/" in location
    else:
        assert response.status_code == 403, (persona, url, response.status_code)
