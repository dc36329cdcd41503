"""Talking to RDAP registries: bootstrap, the network answer, entity follow-ups, and our own walk.

Model-free. Transport is ipwhois's ``Net.get_http_json`` behind our own urllib opener, which
rewrites every URL to ``RDAP_MIRROR_URL`` when set, applies the timeout, and records each
response's status and headers: ipwhois turns HTTP errors into messages, and we need the
``Retry-After`` of a 429 and the ``Location`` of a registry's referral. ipwhois never follows
redirects or retries here (``retry_count=0``): we follow referrals hop by hop so that each hop
waits for its own registry's rate limit, and a rate-limited look-up is rescheduled by its Celery
task instead of sleeping in a worker. No DNS, no port 43: registries come from IANA's bootstrap.
"""

import ipaddress
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit
from urllib.request import (
    BaseHandler,
    HTTPDefaultErrorHandler,
    HTTPErrorProcessor,
    HTTPHandler,
    HTTPSHandler,
    OpenerDirector,
    ProxyHandler,
)

import dns.resolver
from django.conf import settings
from ipwhois.exceptions import HTTPLookupError, HTTPRateLimitError
from ipwhois.net import Net
from ipwhois.rdap import _RDAPNetwork

log = logging.getLogger(__name__)

IANA_BOOTSTRAP = {4: "https://data.iana.org/rdap/ipv4.json", 6: "https://data.iana.org/rdap/ipv6.json"}
BOOTSTRAP_TTL_SECONDS = 24 * 3600
MAX_REFERRALS = 5
REDIRECTS = {301, 302, 303, 307, 308}

# Registry names as ipwhois spells them, by the host that answers.
REGISTRY_HOSTS = {
    "rdap.arin.net": "arin",
    "rdap.db.ripe.net": "ripencc",
    "rdap.apnic.net": "apnic",
    "rdap.lacnic.net": "lacnic",
    "rdap.afrinic.net": "afrinic",
}
PORT43_REGISTRIES = {"whois.arin.net": "arin", "whois.ripe.net": "ripencc", "whois.apnic.net": "apnic",
                     "whois.lacnic.net": "lacnic", "whois.afrinic.net": "afrinic"}
FALLBACK_ROLES = (("noc", "technical"), ("registrant",))


class RdapError(Exception):
    """A look-up that produced no answer. ``transient`` ones are worth asking again later."""

    transient = False


class RateLimited(RdapError):
    """The registry said "slow down" (HTTP 429 or a rate-limit notice)."""

    transient = True

    def __init__(self, message: str, *, registry: str, retry_after: float | None = None):
        super().__init__(message)
        self.registry = registry
        self.retry_after = retry_after


class Unavailable(RdapError):
    """Timeout, connection failure or a server error: try again later."""

    transient = True


class BadAnswer(RdapError):
    """Malformed JSON, not a network object, an unknown address: asking again will not help soon."""


def registry_of(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return REGISTRY_HOSTS.get(host, host)


def mirrored(url: str) -> str:
    """``https://HOST/PATH`` as the configured mirror serves it (unchanged without a mirror)."""
    mirror = settings.RDAP_MIRROR_URL
    if not mirror:
        return url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or (mirror and url.startswith(mirror + "/")):
        return url
    rest = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"{mirror}/{parts.netloc}{rest}"


class _Recorder(BaseHandler):
    """Rewrites requests to the mirror and remembers the last response's status and headers."""

    handler_order = 100  # before HTTPErrorProcessor turns error statuses into exceptions

    def __init__(self):
        self.status: int | None = None
        self.headers = None

    def http_request(self, req):
        target = mirrored(req.full_url)
        if target != req.full_url:
            req.full_url = target
        return req

    https_request = http_request

    def http_response(self, req, response):
        self.status, self.headers = response.status, response.headers
        return response

    https_response = http_response


class _Net(Net):
    """ipwhois's transport without its eager DNS resolver (we never ask DNS: see the module doc).

    ``Net.__init__`` builds a dnspython resolver, which fails where /etc/resolv.conf is missing
    (containers, sandboxes); only the attributes ``get_http_json`` uses are set here.
    """

    def __init__(self, address: str, timeout: float, opener: OpenerDirector):
        self.address = ipaddress.ip_address(address)
        self.address_str = str(self.address)
        self.version = self.address.version
        self.timeout = timeout
        self.dns_resolver = dns.resolver.Resolver(configure=False)
        self.opener = opener


def _opener(recorder: _Recorder) -> OpenerDirector:
    opener = OpenerDirector()
    # No redirect handler: referrals are followed by fetch_json, one rate-limited hop at a time.
    handlers = [recorder, HTTPHandler(), HTTPSHandler(), HTTPDefaultErrorHandler(), HTTPErrorProcessor()]
    if not settings.RDAP_MIRROR_URL:
        handlers.insert(0, ProxyHandler())
    for handler in handlers:
        opener.add_handler(handler)
    return opener


def _retry_after(headers) -> float | None:
    value = (headers or {}).get("Retry-After") if headers is not None else None
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _rate_limit_notice(answer: dict) -> bool:
    """A "slow down" inside a 200 answer (ipwhois catches only the exact "Rate Limit Notice").

    Narrow on purpose: terms-of-service notices that merely mention rate limiting are no refusal.
    """
    for notice in answer.get("notices") or []:
        if not isinstance(notice, dict):
            continue
        title = str(notice.get("title") or "").strip().lower()
        text = " ".join(str(d) for d in notice.get("description") or []).lower()
        if title in ("rate limit notice", "rate limit exceeded", "too many requests") \
                or "rate limit exceeded" in text:
            return True
    return False


Throttle = Callable[[str], None]


def _no_throttle(registry: str) -> None:
    return None


def fetch_json(url: str, *, address: str, throttle: Throttle = _no_throttle) -> tuple[dict, str]:
    """GET one RDAP document, following registry referrals; returns (answer, the URL that answered).

    ``throttle(registry)`` is called before every request, so each hop waits for its registry.
    """
    for _hop in range(MAX_REFERRALS + 1):
        registry = registry_of(url)
        throttle(registry)
        recorder = _Recorder()
        net = _Net(address, settings.RDAP_TIMEOUT_SECONDS, _opener(recorder))
        try:
            answer = net.get_http_json(url=url, retry_count=0)
        except HTTPRateLimitError as exc:
            raise RateLimited(f"{registry} is rate limiting us ({url})", registry=registry,
                              retry_after=_retry_after(recorder.headers)) from exc
        except HTTPLookupError as exc:
            status = recorder.status
            if status in REDIRECTS and recorder.headers and recorder.headers.get("Location"):
                url = urljoin(url, recorder.headers["Location"])
                log.info("RDAP referral to %s", url)
                continue
            if status is None:
                raise Unavailable(f"no answer from {registry} within {settings.RDAP_TIMEOUT_SECONDS:g} s"
                                  f" or connection failed ({url})") from exc
            if status == 200:
                raise BadAnswer(f"{registry} answered with malformed JSON ({url})") from exc
            if status >= 500 or status == 408:
                raise Unavailable(f"{registry} answered HTTP {status} ({url})") from exc
            raise BadAnswer(f"{registry} answered HTTP {status} ({url})") from exc
        if not isinstance(answer, dict):
            raise BadAnswer(f"{registry} answered with JSON that is not an object ({url})")
        if _rate_limit_notice(answer):
            raise RateLimited(f"{registry} sent a rate-limit notice ({url})", registry=registry)
        return answer, url
    raise BadAnswer(f"more than {MAX_REFERRALS} referrals, last to {url}")


# --- Bootstrap ----------------------------------------------------------------------------------

_bootstrap_lock = threading.Lock()
_bootstrap: dict[tuple[str, int], tuple[float, list]] = {}


def _bootstrap_services(version: int, address: str) -> list:
    key = (settings.RDAP_MIRROR_URL, version)
    with _bootstrap_lock:
        cached = _bootstrap.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
    answer, _ = fetch_json(IANA_BOOTSTRAP[version], address=address)
    services = []
    for prefixes, urls in answer.get("services") or []:
        nets = [ipaddress.ip_network(p, strict=False) for p in prefixes]
        base = next((u for u in urls if u.startswith("https://")), urls[0] if urls else None)
        if base:
            services.extend((net, base if base.endswith("/") else base + "/") for net in nets)
    if not services:
        raise BadAnswer("IANA's bootstrap file lists no services")
    with _bootstrap_lock:
        _bootstrap[key] = (time.monotonic() + BOOTSTRAP_TTL_SECONDS, services)
    return services


# Where to ask when IANA's bootstrap file cannot be had: ARIN's RDAP refers every address it
# does not hold to the registry that does (the referral is followed like any other).
FALLBACK_BASE = "https://rdap.arin.net/registry/"


def bootstrap_base(address: str) -> str:
    """The RDAP base URL of the registry IANA's bootstrap file names for ``address``."""
    addr = ipaddress.ip_address(address)
    best = None
    try:
        services = _bootstrap_services(addr.version, address)
    except RateLimited:
        raise
    except RdapError as exc:
        log.warning("IANA's bootstrap file is unavailable (%s); asking ARIN, which refers", exc)
        return FALLBACK_BASE
    for net, base in services:
        if addr in net and (best is None or net.prefixlen > best[0].prefixlen):
            best = (net, base)
    if best is None:
        raise BadAnswer(f"IANA's bootstrap names no registry for {address}")
    return best[1]


def clear_bootstrap_cache() -> None:
    with _bootstrap_lock:
        _bootstrap.clear()


# --- Reading an answer --------------------------------------------------------------------------

@dataclass
class Entity:
    handle: str
    roles: list[str]
    emails: list[str]
    depth: int
    has_vcard: bool
    name: str = ""
    phone: str = ""
    self_link: str = ""


@dataclass
class Contact:
    """One email address and where it came from."""

    email: str
    role: str
    entity_handle: str
    depth: int

    def as_dict(self) -> dict:
        return {"email": self.email, "role": self.role, "entity_handle": self.entity_handle,
                "depth": self.depth}


@dataclass
class NetworkAnswer:
    """What we keep of a registry's answer for a network."""

    start: str
    end: str
    cidrs: list[str]
    handle: str
    name: str
    country: str
    type: str
    registry: str
    parent_handle: str
    url: str
    raw: dict
    contacts: list[Contact] = field(default_factory=list)
    low_confidence: bool = False
    organisation_handle: str = ""
    organisation_name: str = ""
    phone: str = ""
    up_link: str = ""

    @property
    def abuse_emails(self) -> list[str]:
        return [] if self.low_confidence else [c.email for c in self.contacts]


def _mailboxes(value) -> list[str]:
    """The addresses in one email value: ``mailto:`` URIs in any case, ``Name <addr>``, and several
    addresses in one value (separated by commas, semicolons or spaces) as some registries send them.
    """
    found = []
    for part in re.split(r"[,;\s]+", str(value).strip()):
        part = part.strip("<>\"'()")
        if part[:7].lower() == "mailto:":
            part = part[7:].split("?", 1)[0]
        if "@" in part:
            found.append(part)
    return found


def _jscard(card: dict) -> tuple[bool, list[str], str, str]:
    """The same from a JSContact card, jCard's successor in RDAP (draft-ietf-regext-rdap-jscontact)."""
    entries = card.get("emails") or {}
    entries = entries.values() if isinstance(entries, dict) else entries if isinstance(entries, list) else []
    emails = [m for e in entries if isinstance(e, dict) and e.get("address")
              for m in _mailboxes(e["address"])]
    name = card.get("name") or {}
    full = name.get("full", "") if isinstance(name, dict) else str(name)
    if not full and isinstance(name, dict):
        full = " ".join(str(c.get("value", "")) for c in name.get("components") or []
                        if isinstance(c, dict)).strip()
    phones = card.get("phones") or {}
    phones = phones.values() if isinstance(phones, dict) else phones if isinstance(phones, list) else []
    phones = [str(p.get("number")).removeprefix("tel:") for p in phones
              if isinstance(p, dict) and p.get("number")]
    return True, emails, str(full), phones[0] if phones else ""


def _vcard(entity: dict) -> tuple[bool, list[str], str, str]:
    """(has a card, its emails, its formatted name, its first phone) from a jCard array.

    A JSContact card stands in for a missing jCard; when an entity carries both (registries in
    transition), the JSContact emails are added to the jCard's.
    """
    card = entity.get("vcardArray")
    jscard = next((entity[k] for k in ("jscard", "jscard_0") if isinstance(entity.get(k), dict)), None)
    if not (isinstance(card, list) and len(card) > 1 and isinstance(card[1], list)):
        return _jscard(jscard) if jscard else (False, [], "", "")
    emails, name, phone = [], "", ""
    for prop in card[1]:
        if not (isinstance(prop, list) and len(prop) >= 4):
            continue
        kind, values = str(prop[0]).lower(), prop[3:]
        flat = [v for value in values for v in (value if isinstance(value, list) else [value])]
        text = [str(v).strip() for v in flat if isinstance(v, str) and v.strip()]
        if kind == "email":
            emails.extend(m for t in text for m in _mailboxes(t))
        elif kind == "fn" and text and not name:
            name = text[0]
        elif kind == "tel" and text and not phone:
            phone = text[0].removeprefix("tel:")
    if jscard:
        emails.extend(_jscard(jscard)[1])
    return True, emails, name, phone


def walk_entities(answer: dict) -> list[Entity]:
    """Every entity at every depth, in document order (depth first), with its vCard emails."""
    found: list[Entity] = []

    def visit(entities, depth):
        for entity in entities or []:
            if not isinstance(entity, dict):
                continue
            has_vcard, emails, name, phone = _vcard(entity)
            roles = entity.get("roles") or []
            roles = [str(r).strip().lower() for r in ([roles] if isinstance(roles, str) else roles)]
            link = next((lk.get("href", "") for lk in entity.get("links") or []
                         if isinstance(lk, dict) and lk.get("rel") == "self"), "")
            found.append(Entity(handle=str(entity.get("handle") or ""), roles=roles, emails=emails,
                                depth=depth, has_vcard=has_vcard, name=name, phone=phone,
                                self_link=link))
            visit(entity.get("entities"), depth + 1)

    visit(answer.get("entities"), 0)
    return found


def _dedupe(contacts: list[Contact]) -> list[Contact]:
    seen, kept = set(), []
    for contact in contacts:
        key = contact.email.lower()
        if key not in seen and "@" in contact.email:
            seen.add(key)
            kept.append(contact)
    return kept


EntityFetcher = Callable[[Entity], Entity | None]


def contacts_from(entities: list[Entity], fetch_entity: EntityFetcher | None = None
                  ) -> tuple[list[Contact], bool]:
    """The abuse contacts, or (low confidence) noc/technical, then registrant ones.

    An abuse entity without an email in its card (or without a card: RIPE and AFRINIC often
    embed only the handle) takes its emails from the same handle elsewhere in the answer, else
    costs one follow-up entity query (``fetch_entity``) per handle.
    """
    abuse: list[Contact] = []
    known = {e.handle: e.emails for e in entities if e.handle and e.emails}
    followed: set[str] = set()
    for entity in entities:
        if "abuse" not in entity.roles:
            continue
        emails = entity.emails or known.get(entity.handle, [])
        if not emails and fetch_entity and entity.handle and entity.handle not in followed:
            followed.add(entity.handle)
            fetched = fetch_entity(entity)
            emails = fetched.emails if fetched else []
        abuse.extend(Contact(e, "abuse", entity.handle, entity.depth) for e in emails)
    if abuse := _dedupe(abuse):
        return abuse, False
    for roles in FALLBACK_ROLES:
        fallback = _dedupe([Contact(e, next(r for r in entity.roles if r in roles), entity.handle,
                                    entity.depth)
                            for entity in entities if set(entity.roles) & set(roles)
                            for e in entity.emails])
        if fallback:
            return fallback, True
    return [], True


def _address(text) -> str:
    """Registry spellings of an address: ``074.125.000.000``, ``62.239.237.0/32``."""
    text = str(text).strip().split("/", 1)[0]
    if "." in text and ":" not in text:
        text = ".".join(str(int(octet, 10)) for octet in text.split("."))
    return str(ipaddress.ip_address(text))


def _range_from_cidr0(cidrs) -> dict:
    """startAddress/endAddress from the cidr0 extension, for answers that only carry that."""
    nets = []
    for c in cidrs if isinstance(cidrs, list) else []:
        prefix = c.get("v4prefix") or c.get("v6prefix") if isinstance(c, dict) else None
        if prefix and c.get("length") is not None:
            try:
                nets.append(ipaddress.ip_network(f"{_address(prefix)}/{int(c['length'])}", strict=False))
            except (ValueError, TypeError):  # one unreadable entry does not spoil the others
                continue
    if not nets or len({n.version for n in nets}) > 1:
        return {}
    return {"startAddress": str(min(n[0] for n in nets)), "endAddress": str(max(n[-1] for n in nets))}


def covering_cidrs(start: str, end: str) -> list[str]:
    return [str(n) for n in ipaddress.summarize_address_range(ipaddress.ip_address(start),
                                                               ipaddress.ip_address(end))]


def parse_network(answer: dict, *, url: str, fetch_entity: EntityFetcher | None = None) -> NetworkAnswer:
    """Read a network answer: ipwhois parses the network object, our walk finds the contacts."""
    if ("startAddress" not in answer or "endAddress" not in answer) and answer.get("cidr0_cidrs"):
        answer = {**answer, **_range_from_cidr0(answer["cidr0_cidrs"])}
    if "startAddress" not in answer or "endAddress" not in answer:
        raise BadAnswer(f"the answer from {url} is not an IP network object")
    parsed = _RDAPNetwork(answer)
    try:
        parsed.parse()
        values = parsed.vars
    except Exception:  # ipwhois refuses answers without a handle; the range is all we need
        values = {}
    try:
        start, end = _address(answer["startAddress"]), _address(answer["endAddress"])
        cidrs = covering_cidrs(start, end)
    except (ValueError, TypeError) as exc:  # unreadable, mixed versions, or start after end
        raise BadAnswer(f"the answer from {url} has no usable range: {exc}") from exc
    registry = registry_of(url)
    if registry not in REGISTRY_HOSTS.values():
        registry = PORT43_REGISTRIES.get(str(answer.get("port43") or "").lower(), registry)
    entities = walk_entities(answer)
    contacts, low = contacts_from(entities, fetch_entity)
    holder = next((e for e in entities if "registrant" in e.roles), None) \
        or next((e for e in entities if "abuse" in e.roles), None)
    up = next((lk.get("href", "") for lk in answer.get("links") or []
               if isinstance(lk, dict) and lk.get("rel") == "up"), "")

    def text(key):
        value = values.get(key) if values.get(key) is not None else answer.get(
            {"parent_handle": "parentHandle"}.get(key, key))
        return str(value).strip() if value is not None else ""

    return NetworkAnswer(
        start=start, end=end, cidrs=cidrs, handle=text("handle"),
        name=text("name"), country=text("country")[:2].upper(), type=text("type"),
        registry=registry, parent_handle=text("parent_handle"), url=url, raw=answer,
        contacts=contacts, low_confidence=low,
        organisation_handle=holder.handle if holder else "",
        organisation_name=(holder.name if holder and holder.name else text("name")),
        phone=next((e.phone for e in entities if "abuse" in e.roles and e.phone), ""),
        up_link=up,
    )


def entity_url(entity: Entity, network_url: str) -> str:
    """Where a registry serves an entity: its self link, else ``<base>/entity/<handle>``."""
    if entity.self_link:
        return entity.self_link
    base = network_url.split("/ip/", 1)[0]
    return f"{base}/entity/{entity.handle}"


def query_network(address: str, *, throttle: Throttle = _no_throttle, base: str | None = None
                  ) -> NetworkAnswer:
    """Ask the registry responsible for ``address`` (or the given base URL) for its network."""
    base = base or bootstrap_base(address)
    answer, url = fetch_json(f"{base}ip/{address}", address=address, throttle=throttle)

    def follow_up(entity: Entity) -> Entity | None:
        try:
            data, _ = fetch_json(entity_url(entity, url), address=address, throttle=throttle)
        except RateLimited:
            raise
        except RdapError as exc:
            log.info("entity %s could not be fetched: %s", entity.handle, exc)
            return None
        has_vcard, emails, name, phone = _vcard(data)
        return Entity(handle=entity.handle, roles=entity.roles, emails=emails, depth=entity.depth,
                      has_vcard=has_vcard, name=name, phone=phone)

    return parse_network(answer, url=url, fetch_entity=follow_up)


def query_url(url: str, *, address: str, throttle: Throttle = _no_throttle) -> NetworkAnswer:
    """Fetch a network by its URL (a parent's ``up`` link, say)."""
    answer, final = fetch_json(url, address=address, throttle=throttle)
    return parse_network(answer, url=final)
