"""RDAP look-ups against a fake registry on loopback: recorded answers and misbehaviour of our own."""

import io
import json
import socket
from datetime import timedelta

import dns.resolver
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from contacts import rdap
from contacts.lookup import CachedFailure, NotLookedUp, contact_resolve, offenders_resolve
from contacts.models import AbuseAddress, Lookup, Network, Organisation
from contacts.tasks import resolve_offenders
from incidents.models import Offender

from .factories import an_incident
from .rdap_server import Reply, a_network, an_entity

pytestmark = pytest.mark.django_db

RIPE_ABUSE = an_entity("AR1-RIPE", ["abuse"], ["abuse@example.net"])


def lookup_json(*args) -> dict:
    out = io.StringIO()
    call_command("lookup_contact", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


# --- Recorded answers ---------------------------------------------------------------------------

def test_every_recorded_answer_gives_the_abuse_emails_and_range_of_its_ground_truth(recorded_rdap):
    assert len(recorded_rdap.truths) >= 9
    for truth in recorded_rdap.truths:
        result = lookup_json(truth["query"])
        expected = truth["network"]
        assert result["abuse_emails"] == truth["abuse_emails"], truth["query"]
        assert result["network"]["cidrs"] == expected["cidrs_covering_start_end"], truth["query"]
        first, last = expected["cidrs_covering_start_end"][0], expected["cidrs_covering_start_end"][-1]
        import ipaddress

        assert result["network"]["start"] == str(ipaddress.ip_network(first)[0])
        assert result["network"]["end"] == str(ipaddress.ip_network(last)[-1])
        assert result["network"]["handle"] == expected["handle"]
        assert result["network"]["parent_handle"] == expected["parentHandle"]
        assert result["network"]["registry"] == truth["rir"]
        assert result["source"] == "rdap"


def test_the_command_prints_the_contract_keys_and_answers_again_from_the_cache(recorded_rdap):
    first = lookup_json("74.125.225.229")
    assert set(first) >= {"ip", "network", "abuse_emails", "source"}
    assert set(first["network"]) == {"start", "end", "cidrs", "handle", "name", "country",
                                     "registry", "parent_handle"}
    assert first == {**first, "ip": "74.125.225.229", "source": "rdap",
                     "abuse_emails": ["arin-contact@google.com"]}
    queries = len(recorded_rdap.network_hits())
    again = lookup_json("74.125.225.229")
    assert again["source"] == "cache" and again["abuse_emails"] == first["abuse_emails"]
    assert len(recorded_rdap.network_hits()) == queries
    refreshed = lookup_json("74.125.225.229", "--refresh")
    assert refreshed["source"] == "rdap"
    assert len(recorded_rdap.network_hits()) == queries + 1


def test_arins_nested_abuse_contact_is_found_where_ipwhois_alone_misses_it(recorded_rdap):
    result = lookup_json("13.104.0.0")
    assert result["abuse_emails"] == ["abuse@microsoft.com"]
    org = Organisation.objects.get(networks__handle="NET-13-64-0-0-1")
    assert (org.handle, org.registry, org.low_confidence) == ("MSFT", "arin", False)
    address = org.addresses.get()
    assert (address.email, address.role, address.entity_handle, address.depth, address.registry) == (
        "abuse@microsoft.com", "abuse", "MAC74-ARIN", 1, "arin")


def test_an_answer_without_any_abuse_role_falls_back_to_technical_contacts_with_low_confidence(
        recorded_rdap):
    result = lookup_json("2001:240:10c:1::ca20:9d1d")
    assert result["abuse_emails"] == []
    assert result["low_confidence"] is True
    assert result["fallback_emails"] == ["hostmaster@nic.ad.jp"]
    assert result["do_not_contact"] == ["hostmaster@nic.ad.jp"]  # JPNIC's catch-all
    # No registrant entity: the organisation is named after the network.
    org = Organisation.objects.get(networks__handle="2001:0240::/32")
    assert (org.name, org.low_confidence) == ("IIJ-JPNIC-JP-20000308", True)
    assert org.addresses.get().role == "technical"


@pytest.mark.parametrize(("address", "reason"), [
    ("10.1.2.3", "private range"),
    ("192.0.2.7", "documentation range"),
    ("2001:db8::1", "documentation range"),
    ("127.0.0.1", "loopback"),
    ("not-an-address", "not an IP address"),
])
def test_addresses_that_must_not_be_looked_up_fail_with_their_reason_and_ask_nobody(
        fake_rdap, address, reason):
    with pytest.raises(CommandError, match=reason):
        lookup_json(address)
    assert fake_rdap.hits == []


def test_our_own_networks_are_never_looked_up(fake_rdap, settings):
    import ipaddress

    settings.OWN_NETWORKS_PARSED = (ipaddress.ip_network("45.13.0.0/16"),)
    with pytest.raises(NotLookedUp, match="own network"):
        contact_resolve("45.13.7.9")
    assert fake_rdap.hits == []


# --- Answers of our own -------------------------------------------------------------------------

def test_several_abuse_addresses_are_all_kept_once_each_with_their_provenance(fake_rdap):
    fake_rdap.delegate("ripencc", "81.0.0.0/8")
    fake_rdap.add_network("ripencc", a_network("81.2.0.0", "81.2.3.255", "EXAMPLE-NET", entities=[
        an_entity("ORG-EX1-RIPE", ["registrant"], name="Example Networks BV", entities=[
            an_entity("AR1-RIPE", ["abuse"], ["abuse@example.net", "noc@example.net"])]),
        an_entity("AR2-RIPE", ["abuse"], ["ABUSE@example.net", "cert@example.net"]),
    ]))
    result = lookup_json("81.2.1.1")
    assert result["abuse_emails"] == ["abuse@example.net", "noc@example.net", "cert@example.net"]
    org = Organisation.objects.get()
    assert (org.name, org.handle) == ("Example Networks BV", "ORG-EX1-RIPE")
    rows = {a.email: (a.entity_handle, a.depth, a.role) for a in org.addresses.all()}
    assert rows == {"abuse@example.net": ("AR1-RIPE", 1, "abuse"),
                    "noc@example.net": ("AR1-RIPE", 1, "abuse"),
                    "cert@example.net": ("AR2-RIPE", 0, "abuse")}


def test_an_abuse_entity_without_a_vcard_costs_exactly_one_follow_up_entity_query(fake_rdap):
    fake_rdap.delegate("afrinic", "196.0.0.0/8")
    fake_rdap.add_network("afrinic", a_network("196.10.0.0", "196.10.0.255", "NET-AF", entities=[
        an_entity("PP17-AFRINIC", ["abuse"], vcard=False),
        an_entity("ORG-X-AFRINIC", ["registrant"], name="X Ltd")]))
    fake_rdap.add_entity("afrinic", "PP17-AFRINIC",
                         an_entity("PP17-AFRINIC", [], ["peterp@workonline.africa"]))
    result = lookup_json("196.10.0.9")
    assert result["abuse_emails"] == ["peterp@workonline.africa"]
    entity_hits = [h.path for h in fake_rdap.hits if "/entity/" in h.path]
    assert entity_hits == ["/rdap.afrinic.net/rdap/entity/PP17-AFRINIC"]


def test_the_recorded_entity_answer_supplies_the_email_of_an_abuse_entity_without_a_vcard(
        recorded_rdap):
    recorded_rdap.add_network("afrinic", a_network("196.20.0.0", "196.20.0.255", "NET-AF2", entities=[
        an_entity("PP17-AFRINIC", ["abuse"], vcard=False)]))
    assert lookup_json("196.20.0.1")["abuse_emails"] == ["peterp@workonline.africa"]


def test_a_range_that_is_not_one_cidr_keeps_every_covering_cidr_and_answers_for_all_of_them(
        fake_rdap):
    fake_rdap.delegate("afrinic", "196.0.0.0/8")
    fake_rdap.add_network("afrinic", a_network(
        "196.11.239.0", "196.11.246.255", "196.11.239.0 - 196.11.246.255", type="ASSIGNED PI",
        entities=[an_entity("AB1-AFRINIC", ["abuse"], ["abuse@mtn.example"])]))
    first = lookup_json("196.11.239.10")
    assert first["network"]["cidrs"] == ["196.11.239.0/24", "196.11.240.0/22", "196.11.244.0/23",
                                         "196.11.246.0/24"]
    second = lookup_json("196.11.246.200")
    assert second["source"] == "cache" and second["abuse_emails"] == ["abuse@mtn.example"]
    assert len(fake_rdap.network_hits()) == 1


def test_ipv6_networks_are_looked_up_and_a_48_answers_for_its_neighbours(fake_rdap):
    fake_rdap.delegate("ripencc", "2a00::/12")
    fake_rdap.add_network("ripencc", a_network(
        "2a01:4f8:1::", "2a01:4f8:1:ffff:ffff:ffff:ffff:ffff", "2a01:4f8:1::/48",
        type="ALLOCATED PA", entities=[an_entity("HOS-RIPE", ["abuse"], ["abuse@hoster.example"])]))
    assert lookup_json("2a01:4f8:1::2")["network"]["cidrs"] == ["2a01:4f8:1::/48"]
    assert lookup_json("2a01:4f8:1:99::1")["source"] == "cache"
    assert len(fake_rdap.network_hits()) == 1


def test_a_large_allocation_answers_only_for_the_address_that_asked(fake_rdap):
    fake_rdap.delegate("arin", "74.0.0.0/8")
    fake_rdap.add_network("arin", a_network("74.125.0.0", "74.125.255.255", "NET-74-125",
                                            type="DIRECT ALLOCATION", entities=[RIPE_ABUSE]))
    lookup_json("74.125.1.1")
    assert lookup_json("74.125.1.1")["source"] == "cache"
    assert lookup_json("74.125.200.1")["source"] == "rdap"  # a reassignment may hide below
    assert len(fake_rdap.network_hits()) == 2
    assert Network.objects.count() == 1


def test_an_expired_answer_is_asked_again(fake_rdap):
    fake_rdap.delegate("ripencc", "81.0.0.0/8")
    fake_rdap.add_network("ripencc", a_network("81.3.0.0", "81.3.0.255", "N1", entities=[RIPE_ABUSE]))
    lookup_json("81.3.0.1")
    Network.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert lookup_json("81.3.0.1")["source"] == "rdap"
    assert Network.objects.get().expires_at > timezone.now() + timedelta(days=6)


def test_a_referral_chain_is_followed_to_the_registry_that_holds_the_network(fake_rdap):
    fake_rdap.delegate("arin", "185.0.0.0/8")
    fake_rdap.delegate("ripencc", "186.0.0.0/8")  # only so that the RIPE host is known
    fake_rdap.script(fake_rdap.ip_path("arin", "185.1.1.1"), Reply(
        301, b"", {"Location": "https://rdap.apnic.net/ip/185.1.1.1"}))
    fake_rdap.script("/rdap.apnic.net/ip/185.1.1.1", Reply(
        302, b"", {"Location": "https://rdap.db.ripe.net/ip/185.1.1.1"}))
    fake_rdap.add_network("ripencc", a_network("185.1.0.0", "185.1.3.255", "RIPE-NET",
                                               entities=[RIPE_ABUSE]))
    result = lookup_json("185.1.1.1")
    assert result["network"]["registry"] == "ripencc"
    assert result["abuse_emails"] == ["abuse@example.net"]
    assert [h.path for h in fake_rdap.network_hits()] == [
        "/rdap.arin.net/registry/ip/185.1.1.1", "/rdap.apnic.net/ip/185.1.1.1",
        "/rdap.db.ripe.net/ip/185.1.1.1"]


def test_malformed_json_is_a_failure_remembered_for_an_hour(fake_rdap):
    fake_rdap.delegate("lacnic", "200.0.0.0/8")
    fake_rdap.script(fake_rdap.ip_path("lacnic", "200.1.1.1"), Reply(200, b'{"handle": "X", '))
    with pytest.raises(CommandError, match="malformed JSON"):
        lookup_json("200.1.1.1")
    with pytest.raises(CachedFailure, match="malformed JSON"):
        contact_resolve("200.1.1.1")
    assert len(fake_rdap.network_hits()) == 1
    lookup = Lookup.objects.get(ip="200.1.1.1")
    assert timedelta(minutes=59) < lookup.expires_at - timezone.now() <= timedelta(hours=1)
    Lookup.objects.update(expires_at=timezone.now())
    fake_rdap.add_network("lacnic", a_network("200.1.1.0", "200.1.1.255", "LAC", entities=[
        an_entity("L1", ["abuse"], ["abuse@lac.example"])]))
    assert contact_resolve("200.1.1.1").source == "rdap"


def test_a_registry_that_does_not_answer_in_time_is_unavailable_not_waited_for(fake_rdap, settings):
    settings.RDAP_TIMEOUT_SECONDS = 0.3
    fake_rdap.delegate("apnic", "1.0.0.0/8")
    fake_rdap.script(fake_rdap.ip_path("apnic", "1.2.3.4"), Reply(200, {}, delay=1.5))
    with pytest.raises(rdap.Unavailable, match=r"within 0\.3 s"):
        contact_resolve("1.2.3.4")
    assert Lookup.objects.get(ip="1.2.3.4").error.startswith("no answer from apnic")


def _offender(responder, ip):
    incident = an_incident(responder)
    return Offender.objects.create(incident=incident, source=ip, ip=ip)


def test_a_429_with_retry_after_reschedules_the_task_after_that_delay(fake_rdap, responder,
                                                                      monkeypatch):
    fake_rdap.delegate("ripencc", "81.0.0.0/8")
    fake_rdap.script(fake_rdap.ip_path("ripencc", "81.4.0.1"), Reply(429, b"", {"Retry-After": "120"}))
    offender = _offender(responder, "81.4.0.1")
    retried = {}

    def fake_retry(**kwargs):
        retried.update(kwargs)
        return RuntimeError("retry")

    monkeypatch.setattr(resolve_offenders, "retry", fake_retry)
    with pytest.raises(RuntimeError, match="retry"):
        resolve_offenders.run([offender.pk])
    assert retried["args"] == [[offender.pk]]
    assert 120 <= retried["countdown"] <= 125
    assert not Lookup.objects.filter(ip="81.4.0.1").exists()  # a slow-down is no failure


def test_a_429_without_retry_after_backs_off_exponentially(fake_rdap, responder):
    fake_rdap.delegate("ripencc", "81.0.0.0/8")
    fake_rdap.script(fake_rdap.ip_path("ripencc", "81.5.0.1"), Reply(429, b""))
    offender = _offender(responder, "81.5.0.1")
    pending = offenders_resolve([offender.pk])
    assert pending.offender_ids == [offender.pk] and pending.wait_seconds == 60
    from contacts.tasks import backoff

    assert 60 <= backoff(0, pending.wait_seconds) <= 65
    assert 240 <= backoff(3, pending.wait_seconds) <= 245
    assert backoff(20, 0) <= 3605


def test_a_rate_limit_notice_in_a_normal_answer_is_a_slow_down(fake_rdap):
    fake_rdap.delegate("arin", "23.0.0.0/8")
    fake_rdap.script(fake_rdap.ip_path("arin", "23.1.1.1"), Reply(200, {
        "notices": [{"title": "Rate Limit Notice", "description": ["Too many requests"]}]}))
    with pytest.raises(rdap.RateLimited):
        contact_resolve("23.1.1.1")


def test_resolving_offenders_attaches_each_to_its_network(fake_rdap, responder):
    fake_rdap.delegate("ripencc", "81.0.0.0/8")
    fake_rdap.add_network("ripencc", a_network("81.6.0.0", "81.6.0.255", "N6", entities=[RIPE_ABUSE]))
    offender = _offender(responder, "81.6.0.1")
    assert offenders_resolve([offender.pk]) is None
    offender.refresh_from_db()
    assert offender.network.handle == "N6"
    assert offender.network.organisation.addresses.get().email == "abuse@example.net"


def test_manual_addresses_take_precedence_and_survive_a_refresh(fake_rdap):
    fake_rdap.delegate("ripencc", "81.0.0.0/8")
    fake_rdap.add_network("ripencc", a_network("81.7.0.0", "81.7.0.255", "N7", entities=[RIPE_ABUSE]))
    org = contact_resolve("81.7.0.1").organisation
    AbuseAddress.objects.create(organisation=org, email="desk@example.net", source="manual")
    result = lookup_json("81.7.0.1", "--refresh")
    assert (result["abuse_emails"], result["source"]) == (["desk@example.net"], "manual")
    assert sorted(org.addresses.values_list("email", "source")) == [
        ("abuse@example.net", "rdap"), ("desk@example.net", "manual")]


def test_an_rdap_address_that_disappears_is_dropped_on_refresh(fake_rdap):
    fake_rdap.delegate("ripencc", "81.0.0.0/8")
    fake_rdap.add_network("ripencc", a_network("81.8.0.0", "81.8.0.255", "N8", entities=[RIPE_ABUSE]))
    org = contact_resolve("81.8.0.1").organisation
    fake_rdap.networks["rdap.db.ripe.net"] = [a_network("81.8.0.0", "81.8.0.255", "N8", entities=[
        an_entity("AR1-RIPE", ["abuse"], ["new@example.net"])])]
    contact_resolve("81.8.0.1", refresh=True)
    assert list(org.addresses.values_list("email", flat=True)) == ["new@example.net"]


def test_the_parent_network_is_looked_up_on_demand(fake_rdap):
    from contacts.lookup import network_parent_resolve

    fake_rdap.delegate("ripencc", "81.0.0.0/8")
    fake_rdap.add_network("ripencc", a_network("81.9.0.0", "81.9.255.255", "UPSTREAM",
                                               type="ALLOCATED PA", entities=[
                                                   an_entity("UP1", ["abuse"], ["abuse@up.example"])]))
    fake_rdap.add_network("ripencc", a_network("81.9.1.0", "81.9.1.255", "RESELLER",
                                               parent="UPSTREAM", entities=[RIPE_ABUSE]))
    network = contact_resolve("81.9.1.1").network
    parent = network_parent_resolve(network)
    assert (parent.handle, parent.cidrs) == ("UPSTREAM", ["81.9.0.0/16"])
    assert Network.objects.get(handle="RESELLER").parent == parent
    assert fake_rdap.network_hits()[-1].path == "/rdap.db.ripe.net/ip/81.9.0.0/23"


def test_look_ups_work_without_a_resolver_configuration(fake_rdap, monkeypatch):
    def no_config(self, *args, **kwargs):
        raise dns.resolver.NoResolverConfiguration("no /etc/resolv.conf")

    monkeypatch.setattr(dns.resolver.Resolver, "read_resolv_conf", no_config)
    fake_rdap.delegate("ripencc", "81.0.0.0/8")
    fake_rdap.add_network("ripencc", a_network("81.10.0.0", "81.10.0.255", "N10", entities=[RIPE_ABUSE]))
    assert contact_resolve("81.10.0.1").network.handle == "N10"


def test_without_a_mirror_the_registry_itself_is_asked_and_tests_cannot_reach_it(fake_rdap, settings):
    settings.RDAP_MIRROR_URL = ""
    rdap.clear_bootstrap_cache()
    with pytest.raises(rdap.Unavailable):
        contact_resolve("81.11.0.1")


def test_no_test_can_open_a_socket_beyond_loopback():
    with pytest.raises(ConnectionRefusedError, match="only connect to loopback"):
        socket.create_connection(("192.0.2.1", 443), timeout=1)
    sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    with sock, pytest.raises(ConnectionRefusedError):
        sock.connect(("2001:db8::1", 443))


def test_the_command_also_prints_the_parent_network_when_asked(fake_rdap):
    fake_rdap.delegate("ripencc", "81.0.0.0/8")
    fake_rdap.add_network("ripencc", a_network("81.12.0.0", "81.12.255.255", "UPSTREAM-12",
                                               type="ALLOCATED PA", entities=[RIPE_ABUSE]))
    fake_rdap.add_network("ripencc", a_network("81.12.7.0", "81.12.7.255", "RESELLER-12",
                                               parent="UPSTREAM-12", entities=[RIPE_ABUSE]))
    result = lookup_json("81.12.7.7", "--parent")
    assert result["network"]["handle"] == "RESELLER-12"
    assert (result["parent"]["handle"], result["parent"]["cidrs"]) == ("UPSTREAM-12", ["81.12.0.0/16"])


def test_without_ianas_bootstrap_file_arin_is_asked_and_its_referral_followed(fake_rdap):
    fake_rdap.script("/data.iana.org/rdap/ipv4.json", Reply(503, b"down for maintenance"))
    fake_rdap.script(fake_rdap.ip_path("arin", "81.13.0.1"), Reply(
        302, b"", {"Location": "https://rdap.db.ripe.net/ip/81.13.0.1"}))
    fake_rdap.add_network("ripencc", a_network("81.13.0.0", "81.13.0.255", "N13", entities=[RIPE_ABUSE]))
    result = lookup_json("81.13.0.1")
    assert (result["network"]["handle"], result["network"]["registry"]) == ("N13", "ripencc")


def test_an_answer_that_gives_its_range_only_as_cidr0_cidrs_is_understood(fake_rdap):
    fake_rdap.delegate("apnic", "27.0.0.0/8")
    answer = a_network("27.1.0.0", "27.1.1.255", "CIDR0-ONLY", entities=[RIPE_ABUSE],
                       cidr0_cidrs=[{"v4prefix": "27.1.0.0", "length": 23}])
    del answer["startAddress"], answer["endAddress"]
    fake_rdap.script(fake_rdap.ip_path("apnic", "27.1.1.1"), Reply(200, answer))
    result = lookup_json("27.1.1.1")
    assert (result["network"]["start"], result["network"]["end"]) == ("27.1.0.0", "27.1.1.255")


def test_the_command_exits_non_zero_naming_the_reason_for_an_address_never_looked_up(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "ABUSEDESK_DATA_DIR": str(tmp_path), "RDAP_MIRROR_URL": "http://127.0.0.1:9"}
    result = subprocess.run([sys.executable, "manage.py", "lookup_contact", "192.168.1.20", "--json"],
                            cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "192.168.1.20 must not be looked up: private range" in result.stderr
    assert json.loads(result.stdout) == {
        "ip": "192.168.1.20", "error": "192.168.1.20 must not be looked up: private range",
        "excluded": "private range"}


def test_an_abuse_entity_with_a_jscontact_card_instead_of_a_vcard_gives_its_email(fake_rdap):
    fake_rdap.delegate("afrinic", "41.0.0.0/8")
    abuse = an_entity("JS1-AFRINIC", ["abuse"], vcard=False)
    abuse["jscard"] = {"@type": "Card", "version": "2.0", "name": {"full": "NOC Team"},
                       "emails": {"e1": {"@type": "EmailAddress", "address": "abuse@js.example"}}}
    fake_rdap.add_network("afrinic", a_network("41.1.0.0", "41.1.0.255", "JS-NET", entities=[abuse]))
    assert lookup_json("41.1.0.1")["abuse_emails"] == ["abuse@js.example"]
    assert [h for h in fake_rdap.hits if "/entity/" in h.path] == []  # a card: no follow-up


# --- Variations seen across registries (answers written here, not recorded) ---------------------

def _abuse_with(*email_props, roles=("abuse",)) -> dict:
    entity = an_entity("AB1-TEST", roles)
    entity["vcardArray"][1].extend(email_props)
    return entity


def _parsed(*entities, **fields) -> rdap.NetworkAnswer:
    answer = a_network("192.0.2.0", "192.0.2.255", "NET-TEST", entities=list(entities))
    answer.update(fields)
    return rdap.parse_network(answer, url="https://rdap.db.ripe.net/ip/192.0.2.1",
                              fetch_entity=lambda entity: None)


def test_vcard_emails_are_read_from_mailto_uris_in_any_case_and_from_named_or_listed_values():
    listed = " a@three.example, b@three.example;c@three.example\n"
    answer = _parsed(_abuse_with(["email", {"type": "work"}, "uri", "MAILTO:Abuse@One.example"],
                                 ["email", {}, "text", "Abuse Desk <desk@two.example>"],
                                 ["email", {}, "text", listed]))
    assert answer.abuse_emails == ["Abuse@One.example", "desk@two.example", "a@three.example",
                                   "b@three.example", "c@three.example"]


def test_jscontact_emails_given_as_a_list_or_beside_a_vcard_are_kept():
    listed = an_entity("JS1-TEST", ["abuse"], vcard=False)
    listed["jscard"] = {"emails": [{"address": "mailto:listed@js.example"}]}
    both = an_entity("JS2-TEST", ["abuse"])  # a vCard without email, and a card with one
    both["jscard"] = {"emails": {"e1": {"address": "both@js.example"}}}
    assert _parsed(listed, both).abuse_emails == ["listed@js.example", "both@js.example"]


def test_roles_given_as_one_string_or_in_capitals_still_name_the_abuse_contact():
    single = _abuse_with(["email", {}, "text", "single@roles.example"])
    single["roles"] = "abuse"
    capitals = an_entity("AB2-TEST", ["Abuse", "TECHNICAL"], ["caps@roles.example"])
    assert _parsed(single, capitals).abuse_emails == ["single@roles.example", "caps@roles.example"]


def test_an_unreadable_cidr0_entry_is_skipped_and_the_readable_ones_give_the_range():
    answer = {"objectClassName": "ip network", "handle": "NET6-TEST",
              "cidr0_cidrs": [{"v6prefix": "not-an-address", "length": 32},
                              {"v6prefix": "2001:0db8:0000::", "length": "33"}]}
    parsed = rdap.parse_network(answer, url="https://rdap.arin.net/registry/ip/2001:db8::1")
    assert (parsed.start, parsed.end, parsed.cidrs) == (
        "2001:db8::", "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff", ["2001:db8::/33"])
    with pytest.raises(rdap.BadAnswer, match="not an IP network object"):
        rdap.parse_network({"handle": "X", "cidr0_cidrs": [{"v4prefix": "300.1.1.0", "length": 24}]},
                           url="https://rdap.arin.net/registry/ip/1.2.3.4")


@pytest.mark.parametrize("start, end", [("192.0.2.255", "192.0.2.0"), ("192.0.2.0", "2001:db8::")])
def test_a_range_that_ends_before_it_starts_or_mixes_versions_is_a_bad_answer_not_a_crash(start, end):
    with pytest.raises(rdap.BadAnswer, match="no usable range"):
        _parsed(startAddress=start, endAddress=end)


def test_an_abuse_handle_also_embedded_with_its_card_costs_no_follow_up_query(fake_rdap):
    fake_rdap.delegate("ripencc", "85.0.0.0/8")
    reference = an_entity("AR9-RIPE", ["abuse"], vcard=False)
    holder = an_entity("ORG-T1-RIPE", ["registrant"],
                       entities=[an_entity("AR9-RIPE", ["abuse"], ["abuse@embedded.example"])])
    fake_rdap.add_network("ripencc", a_network("85.1.0.0", "85.1.0.255", "REF-NET",
                                               entities=[reference, holder]))
    assert lookup_json("85.1.0.9")["abuse_emails"] == ["abuse@embedded.example"]
    assert [h for h in fake_rdap.hits if "/entity/" in h.path] == []


def test_an_abuse_entity_whose_card_has_no_email_is_fetched_once_for_it(fake_rdap):
    fake_rdap.delegate("lacnic", "177.0.0.0/8")
    bare = an_entity("IRT-BARE", ["abuse"])  # fn and version only, as in a trimmed answer
    fake_rdap.add_network("lacnic", a_network("177.2.0.0", "177.2.3.255", "BARE-NET", entities=[bare]))
    fake_rdap.add_entity("lacnic", "IRT-BARE", an_entity("IRT-BARE", ["abuse"], ["irt@bare.example"]))
    assert lookup_json("177.2.0.1")["abuse_emails"] == ["irt@bare.example"]
    entity_hits = [h.path for h in fake_rdap.hits if "/entity/" in h.path]
    assert entity_hits == ["/rdap.lacnic.net/rdap/entity/IRT-BARE"]
