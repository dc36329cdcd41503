"""Machine-readable XARF v4 reports, built and validated with the ``xarf`` package.

XARF describes one abuse source per report, so a mail naming several hosts carries one JSON per
host (the busiest first, at most ``MAX_XARF_FILES``). The incident category maps onto an XARF
category and type; the values are plain data prepared by ``reports.composing``.

A host whose report the schema refuses (say, a login attack from an address without a known
source port, which XARF requires for CGNAT) gets no XARF file; the reason is returned for the
preview instead of an invalid file going out.
"""

import json
from dataclasses import dataclass

from xarf import create_report

MAX_XARF_FILES = 20

# incident category -> (XARF category, type, fields that type requires and we can state)
CATEGORY_MAP: dict[str, tuple[str, str, dict]] = {
    "login_attack": ("connection", "login_attack", {}),
    "port_scan": ("connection", "port_scan", {}),
    "ddos": ("connection", "ddos", {}),
    "vulnerability_scan": ("connection", "vulnerability_scan", {"scan_type": "vulnerability_scan"}),
    "exploit": ("connection", "vulnerability_scan", {"scan_type": "mixed"}),
    "malware": ("infrastructure", "botnet", {}),
    "spam": ("messaging", "spam", {}),
    "other": ("connection", "reconnaissance", {}),
}
DDOS_SOURCES = {"firewall_logs", "ids_detection", "flow_analysis", "traffic_monitoring", "honeypot"}
EVIDENCE_SOURCES = {"failed login": "automated_filter", "blocked connection": "firewall_logs",
                    "IDS alert": "ids_detection", "packets": "traffic_analysis",
                    "web request": "automated_filter", "scan": "firewall_logs"}


@dataclass
class XarfFile:
    name: str
    data: bytes
    source: str


def _evidence_source(kinds: list[str]) -> str:
    for kind in kinds:
        if kind in EVIDENCE_SOURCES:
            return EVIDENCE_SOURCES[kind]
    return "automated_filter"


def _protocol(ports: list[str]) -> str:
    for port in ports:
        if port.endswith("/udp"):
            return "udp"
    return "tcp"


def build(*, category: str, reference: str, reporter: dict, offenders: list[dict],
          description: str, timestamp: str) -> tuple[list[XarfFile], list[str]]:
    """One validated XARF v4 JSON per offender; returns the files and the reasons for any left out.

    ``reporter``: {"org", "contact", "domain"}. Each offender: {"address", "first_seen_iso",
    "last_seen_iso", "source_port" (int or None), "destination_port" (int or None),
    "destination_ip" (str or None), "ports" (["22/tcp"...]), "kinds", "count"}.
    """
    xarf_category, xarf_type, extra = CATEGORY_MAP.get(category, CATEGORY_MAP["other"])
    files, left_out = [], []
    for offender in offenders[:MAX_XARF_FILES]:
        fields = {
            "evidence_source": _evidence_source(offender.get("kinds", [])),
            "description": description[:1000],
            "tags": [f"reference:{reference.lower()}"],
            **extra,
        }
        if xarf_type == "ddos" and fields["evidence_source"] not in DDOS_SOURCES:
            fields["evidence_source"] = "traffic_monitoring"
        if xarf_category == "infrastructure":
            fields["compromise_evidence"] = description[:500] or "attacks seen in our logs"
        elif xarf_category == "connection":
            fields["protocol"] = _protocol(offender.get("ports", []))
            fields["first_seen"] = offender["first_seen_iso"]
            if offender.get("last_seen_iso"):
                fields["last_seen"] = offender["last_seen_iso"]
        else:
            fields["protocol"] = "smtp"
        if xarf_type == "reconnaissance":
            fields["probed_resources"] = offender.get("ports") or ["network services"]
        if offender.get("source_port"):
            fields["source_port"] = offender["source_port"]
        if offender.get("destination_port"):
            fields["destination_port"] = offender["destination_port"]
        if offender.get("destination_ip"):
            fields["destination_ip"] = offender["destination_ip"]
        if xarf_type == "ddos" and offender.get("count"):
            fields["attack_vector"] = "flood"
        result = create_report(category=xarf_category, type=xarf_type,
                               source_identifier=offender["address"], reporter=reporter,
                               sender=reporter, timestamp=timestamp, **fields)
        if result.errors or result.report is None:
            why = "; ".join(e.message for e in result.errors) or "the xarf package refused it"
            left_out.append(f"{offender['address']}: no XARF report ({why})")
            continue
        data = result.report.model_dump(mode="json", by_alias=True, exclude_none=True)
        data["timestamp"] = timestamp
        safe = offender["address"].replace(":", "-")
        files.append(XarfFile(name=f"{reference}-xarf-{safe}.json",
                              data=json.dumps(data, indent=2, sort_keys=True).encode() + b"\n",
                              source=offender["address"]))
    if len(offenders) > MAX_XARF_FILES:
        left_out.append(f"{len(offenders) - MAX_XARF_FILES} more host(s) have no XARF file "
                        f"(at most {MAX_XARF_FILES} per report); the excerpt names them")
    return files, left_out


def validate(data: bytes) -> list[str]:
    """Errors the xarf package finds in one of our files (empty: valid)."""
    from xarf import parse

    result = parse(json.loads(data))
    return [f"{e.field}: {e.message}" for e in result.errors]
