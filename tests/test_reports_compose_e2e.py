"""Composing and sending end to end: a real Celery worker on Redis composes the drafts Prepare
made (reading the evidence from the store), then sends them to a real SMTP server on loopback."""

import io
import json
import zipfile
from socket import inet_ntoa

import dpkt

from reports.composing import reports_prepare
from reports.models import Report, ReportStatus
from reports.sending import report_queue
from reports.xarf_reports import validate

from .composing_support import ALPHA, BETA, CAPTURE, a_world
from .sending_support import attachments_of, wait_for
from .test_reports_send_e2e import WORKER_TIMEOUT, e2e, wait_status  # noqa: F401 (fixture)

S = ReportStatus


def test_prepared_reports_are_composed_by_a_worker_and_each_isp_gets_only_its_own_evidence(
        e2e, settings, evidence_store):  # noqa: F811
    settings.REPORTER_NAME = "Jane Admin"
    world = a_world(e2e.owner, with_capture=True)
    services = e2e.start(EVIDENCE_ROOT=str(evidence_store), REPORTER_NAME="Jane Admin")
    prepared = reports_prepare(actor=e2e.owner, incident=world.incident)
    ids = sorted(r.pk for r in prepared.created)
    assert len(ids) == 2
    wait_for(lambda: not Report.objects.filter(pk__in=ids, composing=True).exists(), WORKER_TIMEOUT,
             "the drafts to be composed", diagnose=services.tails)

    for report in Report.objects.filter(pk__in=ids):
        assert report.compose_error == ""
        report_queue(actor=e2e.owner, report=report)
    for report in Report.objects.filter(pk__in=ids):
        wait_status(e2e, report, S.SENT)

    received = {m.message["To"].addresses[0].addr_spec: m.message for m in e2e.smtp.messages()}
    assert sorted(received) == ["abuse@alpha.example", "abuse@beta.example"]
    for address, own, others in (("abuse@alpha.example", ALPHA, BETA),
                                 ("abuse@beta.example", BETA, ALPHA)):
        msg = received[address]
        report = Report.objects.get(pk__in=ids, to_addresses=[address])
        assert msg["Subject"].startswith(f"[{world.incident.reference}] Abuse from your network")
        assert "Jane Admin" in msg.get_body(("plain",)).get_content()
        files = attachments_of(msg)
        excerpt = files[f"{world.incident.reference}-evidence.zip"]
        with zipfile.ZipFile(io.BytesIO(excerpt)) as archive:
            names = archive.namelist()
            text = "".join(archive.read(n).decode() for n in names if n.endswith(".log"))
            manifest = archive.read("MANIFEST.txt").decode()
            (pcap_name,) = [n for n in names if n.endswith(".pcap")]
            packets = [(inet_ntoa(ip.src), inet_ntoa(ip.dst), ip.data.sport)
                       for _, frame in dpkt.pcap.Reader(io.BytesIO(archive.read(pcap_name)))
                       for ip in [dpkt.ethernet.Ethernet(frame).data]]
        # only this ISP's packets, in order, our internal server rewritten to a documentation
        # address (the same one for the same server), our public address left as it is
        expected = [p for p in CAPTURE if p[0] in own]
        assert [(s, sp) for s, _, sp in packets] == [(s, sp) for s, _, sp in expected]
        for (_, dst, _), (_, original, _) in zip(packets, expected, strict=True):
            assert (dst == original) if original == "192.0.2.80" else dst.startswith("192.0.2.")
        assert "10.0.0.5" not in {d for _, d, _ in packets}
        lines = [line for line in text.splitlines() if line]
        assert lines and all(any(ip in line for ip in own) for line in lines)
        assert not any(ip in text for ip in others)
        assert "10.0.0.5" not in text and "192.168.7.20" not in text and " gw1 " not in text
        assert world.evidence.sha256 in manifest and "capture.pcap" in manifest
        for name, data in files.items():
            if name.endswith(".json"):
                assert validate(data) == []
                assert json.loads(data)["source_identifier"] in own
        assert {a.name: bytes(a.data) for a in report.attachments.all()} == files
