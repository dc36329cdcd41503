"""Zeek (Bro) logs (``incidents/parsers/formats/zeek.py``): tab-separated with their header, JSON,
and rows exported without their header. No database is needed."""
# ruff: noqa: E501  (rows are written out column by column, as Zeek writes them)

import io
import ipaddress
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from incidents.parsers import Kind, ParseContext, parse_stream

T = datetime(2024, 11, 18, 6, 25, 3, 123456, tzinfo=UTC)
EPOCH = "1731911103.123456"


def parse(text: str, own: tuple[str, ...] = ()):
    ctx = ParseContext(tz=ZoneInfo("UTC"), reference=T,
                       own_networks=tuple(ipaddress.ip_network(n) for n in own))
    return parse_stream(io.BytesIO(text.encode()), ctx=ctx)


def by_src(outcome) -> dict:
    return outcome.offenders.by_src


def tsv(path: str, fields: list[str], rows: list[list[str]]) -> str:
    head = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-",
            f"#path\t{path}", "#open\t2024-11-18-06-25-03", "#fields\t" + "\t".join(fields),
            "#types\t" + "\t".join("string" for _ in fields)]
    return "\n".join(head + ["\t".join(row) for row in rows] + ["#close\t2024-11-18-07-00-00"]) + "\n"


CONN_FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service", "duration",
               "orig_bytes", "resp_bytes", "conn_state", "local_orig", "local_resp", "missed_bytes", "history",
               "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes", "tunnel_parents"]


def conn(ts, orig, sport, resp, dport, state, proto="tcp") -> list[str]:
    return [ts, "CHhAvVGS1DHFjwGM9", orig, sport, resp, dport, proto, "-", "-", "-", "-", state, "-", "-", "0",
            "S", "1", "44", "0", "0", "-"]


def test_unanswered_and_refused_connections_from_outside_are_a_scans_probes_and_the_rest_are_seen():
    outcome = parse(tsv("conn", CONN_FIELDS, [
        conn(EPOCH, "198.51.100.7", "40001", "203.0.113.10", "22", "S0"),
        conn("1731911104.5", "198.51.100.7", "40002", "203.0.113.10", "23", "REJ"),
        conn("1731911105", "198.51.100.8", "40003", "203.0.113.10", "443", "SF"),
        conn("1731911106", "203.0.113.10", "40004", "198.51.100.9", "443", "S0"),  # ours, outbound
    ]), own=("203.0.113.0/24",))
    assert outcome.format == "zeek" and outcome.errors == [] and outcome.skipped == 0
    found = by_src(outcome)
    scanner = found["198.51.100.7"]
    assert (scanner.count, scanner.kinds, set(scanner.ports), scanner.source_ports) == (
        2, {Kind.SCAN}, {22, 23}, [40001, 40002])
    assert set(scanner.signatures) == {"zeek: TCP connection attempt S0", "zeek: TCP connection attempt REJ"}
    assert (scanner.first_seen, scanner.last_seen) == (T, datetime(2024, 11, 18, 6, 25, 4, 500000, tzinfo=UTC))
    assert (found["198.51.100.8"].kinds, found["198.51.100.8"].hostile) == ({Kind.SEEN}, False)
    assert (found["203.0.113.10"].kinds, found["203.0.113.10"].hostile) == ({Kind.SEEN}, False)
    assert "198.51.100.9" not in found


def test_notices_name_their_source_as_the_offender_with_the_notice_as_signature():
    fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "note", "msg", "src", "dst", "p"]
    outcome = parse(tsv("notice", fields, [
        [EPOCH, "-", "-", "-", "-", "-", "Scan::Port_Scan", "198.51.100.20 scanned at least 15 unique ports",
         "198.51.100.20", "203.0.113.5", "-"],
        [EPOCH, "CHhAvVGS1DHFjwGM9", "198.51.100.21", "50000", "203.0.113.5", "22", "SSH::Password_Guessing",
         "198.51.100.21 appears to be guessing SSH passwords", "198.51.100.21", "-", "22"],
    ]) + json.dumps({"ts": 1731911103.123456, "note": "HTTP::SQL_Injection_Attacker", "msg": "An SQL injection",
                     "src": "198.51.100.22", "dst": "203.0.113.6", "p": 80}) + "\n")
    found = by_src(outcome)
    assert {src: (s.kinds, list(s.signatures), set(s.ports), set(s.targets)) for src, s in found.items()} == {
        "198.51.100.20": ({Kind.SCAN}, ["zeek: Scan::Port_Scan"], set(), {"203.0.113.5"}),
        "198.51.100.21": ({Kind.FAILED_LOGIN}, ["zeek: SSH::Password_Guessing"], {22}, {"203.0.113.5"}),
        "198.51.100.22": ({Kind.IDS_ALERT}, ["zeek: HTTP::SQL_Injection_Attacker"], {80}, {"203.0.113.6"}),
    }
    assert all(s.first_seen == T for s in found.values())


def test_ssh_and_http_rows_in_json_give_failed_logins_and_requests():
    rows = [
        {"ts": "2024-11-18T06:25:03.123456Z", "uid": "C1", "id.orig_h": "198.51.100.30", "id.orig_p": 50000,
         "id.resp_h": "203.0.113.5", "id.resp_p": 22, "auth_success": False, "auth_attempts": 3},
        {"ts": 1731911103.123456, "uid": "C2", "id.orig_h": "198.51.100.31", "id.orig_p": 50001,
         "id.resp_h": "203.0.113.5", "id.resp_p": 22, "auth_success": True, "auth_attempts": 1},
        {"ts": 1731911103.123456, "uid": "C3", "id.orig_h": "198.51.100.32", "id.orig_p": 50002,
         "id.resp_h": "203.0.113.5", "id.resp_p": 80, "method": "GET", "uri": "/wp-login.php?x=1",
         "status_code": 404},
    ]
    found = by_src(parse("".join(json.dumps(row) + "\n" for row in rows)))
    failed, ok, web = found["198.51.100.30"], found["198.51.100.31"], found["198.51.100.32"]
    assert (failed.kinds, list(failed.signatures), failed.first_seen) == (
        {Kind.FAILED_LOGIN}, ["zeek ssh: authentication failed"], T)
    assert (ok.kinds, ok.hostile) == ({Kind.SEEN}, False)
    assert (web.kinds, list(web.signatures), set(web.ports)) == ({Kind.WEB_REQUEST}, ["GET 404 /wp-login.php?…"], {80})


def test_rows_exported_without_their_header_are_read_by_their_leading_columns():
    rows = ["\t".join(conn(EPOCH, "198.51.100.40", "40001", "203.0.113.10", "3389", "S0")),
            "\t".join(["1359565680.761790", "UWkUyAuUGXf", "192.168.6.10", "53209", "192.168.129.36", "53", "udp",
                       "41477", "example.com", "1", "C_INTERNET", "48", "DNSKEY", "0", "NOERROR", "F", "F", "T",
                       "F", "1", "-", "-", "F"])]
    found = by_src(parse("\n".join(rows) + "\n"))
    assert (found["198.51.100.40"].kinds, set(found["198.51.100.40"].ports)) == ({Kind.SCAN}, {3389})
    assert (found["192.168.6.10"].kinds, set(found["192.168.6.10"].ports)) == ({Kind.SEEN}, {53})


def test_a_row_that_does_not_fit_its_header_is_not_read_as_one():
    text = tsv("conn", CONN_FIELDS, [conn(EPOCH, "198.51.100.50", "1", "203.0.113.10", "22", "S0")[:-3]])
    assert "198.51.100.50" not in by_src(parse(text))
