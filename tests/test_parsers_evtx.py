"""Windows .evtx: real event logs (brute force, RDP, MSSQL, Kerberos spraying, a corrupt chunk)
against the addresses the evtx package itself finds in them."""

import gzip
import io
import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from evtx import PyEvtxParser

from incidents.parsers import Kind, ParseContext, parse_stream
from incidents.parsers.addresses import normalise
from incidents.parsers.formats.evtx import Evtx, _offender

from .parsing_support import parse_sample, recall_precision, sample_dir, samples

LOGS = samples("evtx", "*.evtx")
# events whose client the ground truth names and that we count as attempts (131: RDP connections)
COUNTED = {"4625", "4771", "18456", "5152", "4825", "140", "131"}


def truth_of(path: Path) -> dict:
    return json.loads(Path(f"{path}.expected.json").read_text())


def expected_clients(truth: dict) -> set[str]:
    found = {normalise(ip) for ip in truth["failure_counts_by_ip"] if ip != "(no ip)"}
    found |= {normalise(e["ip"]) for e in truth["auth_events"] if e["event_id"] == 131 and e["ip"]}
    return found


def time_created(path: Path) -> dict[int, datetime]:
    found = {}
    events = PyEvtxParser(str(path)).records_json()
    while True:
        try:
            raw = next(events)
        except StopIteration:
            return found
        except RuntimeError:  # a corrupt chunk; the parser goes on with the next
            continue
        created = json.loads(raw["data"])["Event"]["System"].get("TimeCreated") or {}
        if stamp := created.get("#attributes", {}).get("SystemTime"):
            found[raw["event_record_id"]] = datetime.fromisoformat(stamp)


def records_of(path: Path):
    ctx = ParseContext()
    with path.open("rb") as handle:
        return list(Evtx().records(io.BufferedReader(handle), ctx)), ctx


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_every_client_address_the_ground_truth_names_is_found(path):
    sample_dir("evtx")
    truth = truth_of(path)
    outcome = parse_sample(path)
    expected = expected_clients(truth)
    found = {o.src for o in outcome.offenders}
    recall, _ = recall_precision(path.name, expected, found)
    assert recall == 1.0, f"missing {expected - found}"
    assert outcome.records == truth["records_parsed"]
    assert outcome.skipped == truth["parse_error_count"]


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_each_failure_is_counted_once_per_event_with_its_time(path):
    sample_dir("evtx")
    truth = truth_of(path)
    records, _ = records_of(path)
    counted = Counter((r.signature.split()[0], r.src) for r in records)
    for event_id, per_ip in truth["failure_counts_by_event_and_ip"].items():
        for ip, count in per_ip.items():
            if ip != "(no ip)":
                assert counted[(event_id, normalise(ip))] == count, (event_id, ip)
    rdp = Counter(normalise(e["ip"]) for e in truth["auth_events"] if e["event_id"] == 131)
    assert {ip: n for (eid, ip), n in counted.items() if eid == "131"} == dict(rdp)
    # The ground truth's "time" is the record header's (when the record was written, which for an
    # exported log is the export), not TimeCreated as it says; records carry TimeCreated, read
    # here straight from the evtx package.
    created = time_created(path)
    by_id = {e["record_id"]: e for e in truth["auth_events"]}
    for record in records:
        event = by_id[record.location]
        assert record.at == created[record.location]
        assert record.signature.startswith(str(event["event_id"]))
        assert record.kind in (Kind.FAILED_LOGIN, Kind.BLOCKED)
        assert record.dst  # the Computer that logged it


def test_a_corrupt_chunk_is_skipped_and_counted_and_the_chunks_after_it_are_read():
    path = sample_dir("evtx") / "sample_with_a_bad_chunk_magic.evtx"
    _, ctx = records_of(path)
    assert (ctx.records, ctx.skipped) == (270, 2)
    assert [e["at"] for e in ctx.errors] == ["chunk 7 (offset 397312)", "chunk 11 (offset 659456)"]


def test_an_event_log_arriving_gzipped_through_a_stream_that_cannot_seek_is_read_whole():
    path = sample_dir("evtx") / "smb-password-guessing-security.evtx"
    outcome = parse_stream(io.BytesIO(gzip.compress(path.read_bytes())))
    assert outcome.format == "evtx"
    assert [(o["ip"], o["count"]) for o in outcome.offenders.as_json()] == [("192.168.198.149", 3561)]


def test_a_log_cut_mid_chunk_keeps_the_whole_chunks_and_says_what_was_lost():
    data = (sample_dir("evtx") / "ID131-RDP_brutforce_(no_user_info).evtx").read_bytes()
    outcome = parse_stream(io.BytesIO(data[: 4096 + 65536 + 1000]))
    assert 0 < outcome.records < 154
    assert outcome.skipped == 1
    assert "ends inside chunk 2" in outcome.errors[0]["error"]


SECURITY = "Microsoft-Windows-Security-Auditing"


def test_ntlm_failures_name_the_workstation_as_seen_but_not_the_logging_host_itself():
    failed = {"Workstation": "KALI", "Status": "0xc000006a"}
    assert _offender(4776, SECURITY, failed, "dc01.corp.example") == ("KALI", None, None)
    assert _offender(4776, SECURITY, {**failed, "Workstation": "DC01"}, "dc01.corp.example") is None
    assert _offender(4776, SECURITY, {**failed, "Status": "0x0"}, "dc01.corp.example") is None


def test_a_successful_rdp_authentication_1149_is_not_an_attempt():
    fields = {"Param1": "alice", "Param2": "CORP", "Param3": "203.0.113.9"}
    provider = "Microsoft-Windows-TerminalServices-RemoteConnectionManager"
    assert _offender(1149, provider, fields, "srv") is None


def test_failed_logons_without_an_address_count_only_when_they_came_over_the_network():
    network = {"IpAddress": "-", "LogonType": "3", "WorkstationName": "WIN-ATTACK"}
    local = {**network, "LogonType": "2"}
    assert _offender(4625, SECURITY, network, "srv") == ("WIN-ATTACK", None, None)
    assert _offender(4625, SECURITY, local, "srv") is None
    mapped = {"IpAddress": "::ffff:45.13.7.9", "LogonType": "10"}
    assert _offender(4625, SECURITY, mapped, "srv") == ("45.13.7.9", None, None)


def test_other_remote_access_failures_and_dropped_inbound_packets_are_counted():
    assert _offender(4825, SECURITY, {"ClientAddress": "45.13.7.9"}, "srv") == ("45.13.7.9", None, None)
    assert _offender(140, "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS",
                     {"IPString": "45.13.7.9"}, "srv") == ("45.13.7.9", None, None)
    dropped = {"Direction": "%%14592", "SourceAddress": "45.13.7.9", "DestPort": "3389"}
    assert _offender(5152, SECURITY, dropped, "srv") == ("45.13.7.9", 3389, None)
    assert _offender(5152, SECURITY, {**dropped, "Direction": "%%14593"}, "srv") is None
    assert _offender(4768, SECURITY, {"IpAddress": "45.13.7.9", "Status": "0x0"}, "srv") is None
    unknown_user = {"IpAddress": "45.13.7.9", "Status": "0x6"}
    assert _offender(4768, SECURITY, unknown_user, "srv") == ("45.13.7.9", None, None)


def test_mssql_failures_take_the_client_from_the_message_text_and_ignore_local_ones():
    remote = {"Data": "sa  Reason: Password did not match.  [CLIENT: 45.13.7.9]"}
    local = {"Data": "sa  Reason: Password did not match.  [CLIENT: <local machine>]"}
    assert _offender(18456, "MSSQL$SQLEXPRESS", remote, "db") == ("45.13.7.9", None, None)
    assert _offender(18456, "MSSQLSERVER", local, "db") is None


# --- the same events exported as JSON, one per line --------------------------------------------

def parse_json_lines(rows: list[dict], tz: str = "UTC"):
    from zoneinfo import ZoneInfo
    text = "".join(json.dumps(row) + "\n" for row in rows)
    return parse_stream(io.BytesIO(text.encode()), ctx=ParseContext(tz=ZoneInfo(tz)))


SECURITY = "Microsoft-Windows-Security-Auditing"


def test_windows_events_exported_as_json_are_read_like_the_evtx_events_they_were():
    rows = [
        # evtx_dump / pyevtx JSON
        {"Event": {"System": {"Provider": {"#attributes": {"Name": SECURITY}}, "EventID": 4625,
                              "TimeCreated": {"#attributes": {"SystemTime": "2024-11-18T06:25:03.5Z"}},
                              "Computer": "WIN-SRV"},
                   "EventData": {"TargetUserName": "admin", "Status": "0xc000006d", "LogonType": 3,
                                 "IpAddress": "198.51.100.60", "IpPort": "50249"}}},
        # Winlogbeat
        {"@timestamp": "2024-11-18T06:25:04Z", "winlog": {
            "event_id": "4625", "provider_name": SECURITY, "computer_name": "dc01",
            "event_data": {"LogonType": "3", "IpAddress": "198.51.100.61", "IpPort": "0",
                           "Status": "0xc000006d"}}},
        # NXLog and other flat exports: EventTime in the collector's local time
        {"EventTime": "2024-11-18 07:25:05", "Hostname": "dc01", "EventID": 4771, "SourceName": SECURITY,
         "Status": "0x18", "IpAddress": "::ffff:198.51.100.62", "IpPort": "51000"},
        {"@timestamp": "2024-11-18T06:25:06Z", "winlog": {
            "event_id": 18456, "provider_name": "MSSQLSERVER", "computer_name": "sql1",
            "event_data": {"param1": "sa", "param3": "[CLIENT: 198.51.100.64]"}}},
    ]
    outcome = parse_json_lines(rows, tz="Europe/Berlin")
    assert outcome.format == "windows-event-json" and outcome.errors == []
    found = {s.src: (s.first_seen.isoformat(), list(s.signatures), s.source_ports, s.kinds)
             for s in outcome.offenders.by_src.values()}
    assert found == {
        "198.51.100.60": ("2024-11-18T06:25:03.500000+00:00", ["4625 failed logon"], [50249],
                          {Kind.FAILED_LOGIN}),
        "198.51.100.61": ("2024-11-18T06:25:04+00:00", ["4625 failed logon"], [], {Kind.FAILED_LOGIN}),
        "198.51.100.62": ("2024-11-18T06:25:05+00:00", ["4771 Kerberos pre-auth failed"], [51000],
                          {Kind.FAILED_LOGIN}),
        "198.51.100.64": ("2024-11-18T06:25:06+00:00", ["18456 MSSQL login failed"], [], {Kind.FAILED_LOGIN}),
    }


def test_json_events_that_are_not_failures_and_other_json_record_nothing():
    outcome = parse_json_lines([
        {"EventTime": "2024-11-18 07:25:03", "EventID": 4624, "SourceName": SECURITY,
         "IpAddress": "198.51.100.63", "LogonType": "10"},
        {"@timestamp": "2024-11-18T06:25:03Z", "winlog": {
            "event_id": "4625", "provider_name": "Other-Provider",
            "event_data": {"IpAddress": "198.51.100.65"}}},
        {"event_id": 7, "note": "an application's own JSON", "ip": "198.51.100.66"},
    ])
    assert [s.src for s in outcome.offenders.by_src.values() if s.hostile] == []
    assert "198.51.100.63" not in outcome.offenders.by_src and "198.51.100.65" not in outcome.offenders.by_src
