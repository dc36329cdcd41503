"""A fake RDAP server on loopback, reached through RDAP_MIRROR_URL (``/HOST/PATH``).

It behaves like the registries as far as we depend on them: IANA's bootstrap files, network
answers by most-specific containing range (``ip/ADDR`` and ``ip/CIDR``), entity answers, and
scripted misbehaviour per path (429, redirects, malformed JSON, slowness). Every request is logged
with its start and end times so tests can check concurrency and rates. Used by the tests and by
``bench/lookup.py``.
"""

import ipaddress
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REGISTRY_HOSTS = {
    "arin": ("rdap.arin.net", "/registry/"),
    "ripencc": ("rdap.db.ripe.net", "/"),
    "apnic": ("rdap.apnic.net", "/"),
    "lacnic": ("rdap.lacnic.net", "/rdap/"),
    "afrinic": ("rdap.afrinic.net", "/rdap/"),
}


@dataclass
class Hit:
    path: str
    host: str
    started: float
    ended: float = 0.0
    status: int = 0
    network: str = ""


@dataclass
class Reply:
    status: int = 200
    body: bytes | dict | list | None = None
    headers: dict = field(default_factory=dict)
    delay: float = 0.0


def _range(answer: dict):
    def addr(text):
        text = str(text).split("/", 1)[0]
        if "." in text and ":" not in text:
            text = ".".join(str(int(o, 10)) for o in text.split("."))
        return ipaddress.ip_address(text)
    return addr(answer["startAddress"]), addr(answer["endAddress"])


class FakeRdap:
    def __init__(self, bootstrap_dir: Path | None = None, delay: float = 0.0):
        self.delay = delay
        self.networks: dict[str, list[dict]] = {}  # host -> answers
        self.entities: dict[tuple[str, str], dict] = {}
        self.scripted: dict[str, list[Reply | Callable]] = {}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self.bootstrap = {4: {"services": []}, 6: {"services": []}}
        if bootstrap_dir is not None:
            for version in (4, 6):
                self.bootstrap[version] = json.loads(
                    (bootstrap_dir / f"iana_bootstrap_ipv{version}.json").read_text())
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- set-up ---------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def add_network(self, registry: str, answer: dict) -> None:
        host = REGISTRY_HOSTS[registry][0]
        self.networks.setdefault(host, []).append(answer)

    def add_entity(self, registry: str, handle: str, answer: dict) -> None:
        self.entities[(REGISTRY_HOSTS[registry][0], handle)] = answer

    def delegate(self, registry: str, *prefixes: str) -> None:
        """Add prefixes to IANA's bootstrap for ``registry``."""
        host, base = REGISTRY_HOSTS[registry]
        for prefix in prefixes:
            version = ipaddress.ip_network(prefix).version
            url = f"https://{host}{base}"
            for prefixes_, urls in self.bootstrap[version]["services"]:
                if url in urls:
                    prefixes_.append(prefix)
                    break
            else:
                self.bootstrap[version]["services"].append([[prefix], [url]])

    def script(self, path: str, *replies: Reply | Callable) -> None:
        """Answer the next requests for ``/HOST/PATH`` with these replies, in order."""
        self.scripted.setdefault(path, []).extend(replies)

    def ip_path(self, registry: str, address: str) -> str:
        host, base = REGISTRY_HOSTS[registry]
        return f"/{host}{base}ip/{address}"

    # --- what happened --------------------------------------------------------------------------
    def network_hits(self) -> list[Hit]:
        return [h for h in self.hits if "/ip/" in h.path]

    # --- serving --------------------------------------------------------------------------------
    def _answer(self, path: str) -> tuple[Reply, str]:
        with self._lock:
            queue = self.scripted.get(path)
            if queue:
                reply = queue.pop(0)
                return (reply(path) if callable(reply) else reply), ""
        host, _, rest = path.lstrip("/").partition("/")
        if host == "data.iana.org" and rest in ("rdap/ipv4.json", "rdap/ipv6.json"):
            return Reply(body=self.bootstrap[4 if "ipv4" in rest else 6]), ""
        if "/ip/" in "/" + rest:
            query = ("/" + rest).split("/ip/", 1)[1]
            try:
                wanted = ipaddress.ip_network(query, strict=False)
            except ValueError:
                return Reply(400, {"errorCode": 400, "title": "bad request"}), ""
            best = None
            for answer in self.networks.get(host, []):
                start, end = _range(answer)
                if start.version == wanted.version and start <= wanted[0] and wanted[-1] <= end and (
                        best is None or int(end) - int(start) < best[0]):
                    best = (int(end) - int(start), answer)
            if best is None:
                return Reply(404, {"errorCode": 404, "title": "not found"}), ""
            return Reply(body=best[1]), str(best[1].get("handle"))
        if "/entity/" in "/" + rest:
            handle = ("/" + rest).rsplit("/entity/", 1)[-1]  # also under a registry served from /
            if (host, handle) in self.entities:
                return Reply(body=self.entities[(host, handle)]), ""
        return Reply(404, {"errorCode": 404, "title": "not found"}), ""

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                hit = Hit(path=self.path, host=self.path.lstrip("/").split("/", 1)[0],
                          started=time.monotonic())
                with fake._lock:
                    fake.hits.append(hit)
                reply, network = fake._answer(self.path)
                delay = reply.delay or (fake.delay if "/ip/" in self.path else 0)
                if delay:
                    time.sleep(delay)
                body = reply.body
                if not isinstance(body, bytes):
                    body = json.dumps(body).encode() if body is not None else b""
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/rdap+json")
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                hit.ended, hit.status, hit.network = time.monotonic(), reply.status, network

            def log_message(self, *args):
                pass

        return Handler


def load_recorded(fake: FakeRdap, folder: Path) -> list[dict]:
    """Serve every recorded answer in ``folder``; returns their ground truths."""
    truths = []
    for path in sorted(folder.glob("*.expected.json")):
        truth = json.loads(path.read_text())
        answer_file = folder / path.name.replace(".expected.json", ".json")
        if "upstream_normalized" in path.name or not answer_file.exists():
            continue
        answer = json.loads(answer_file.read_text())
        if "network" in truth:
            fake.add_network(truth["rir"], answer)
            truths.append(truth)
        elif truth.get("top_entity"):
            fake.add_entity(truth["rir"], truth["top_entity"]["handle"], answer)
    return truths


# --- Builders for answers of our own ------------------------------------------------------------

def an_entity(handle: str, roles=(), emails=(), *, vcard: bool = True, name: str = "",
              entities=()) -> dict:
    entity = {"objectClassName": "entity", "handle": handle, "roles": list(roles)}
    if vcard:
        props = [["version", {}, "text", "4.0"], ["fn", {}, "text", name or handle]]
        props += [["email", {}, "text", e] for e in emails]
        entity["vcardArray"] = ["vcard", props]
    if entities:
        entity["entities"] = list(entities)
    return entity


def a_network(start: str, end: str, handle: str, *, type: str = "ASSIGNED PA", name: str = "",
              country: str = "NL", parent: str | None = None, entities=(), **extra) -> dict:
    version = ipaddress.ip_address(start).version
    answer = {"objectClassName": "ip network", "handle": handle, "startAddress": start,
              "endAddress": end, "ipVersion": f"v{version}", "name": name or handle,
              "type": type, "country": country, "entities": list(entities),
              "rdapConformance": ["rdap_level_0"]}
    if parent:
        answer["parentHandle"] = parent
    answer.update(extra)
    return answer
