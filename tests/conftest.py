import copy
import ipaddress
import json
import socket

import pytest
from django.contrib.auth import get_user_model

from core.models import Role
from core.roles import set_role

PASSWORD = "correct-horse-battery-staple-42"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing costs a second per user on these machines; login behaviour is unchanged.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def evidence_store(settings, tmp_path):
    """Each test gets its own private evidence folder and upload temp folder."""
    storages = copy.deepcopy(settings.STORAGES)
    storages["evidence"]["OPTIONS"] = {
        "location": str(tmp_path / "evidence"), "base_url": None,
        "file_permissions_mode": 0o440, "directory_permissions_mode": 0o750,
    }
    settings.STORAGES = storages
    (tmp_path / "upload-tmp").mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "upload-tmp")
    return tmp_path / "evidence"


def make_user(username: str, role: str | None, **extra):
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password=PASSWORD, **extra
    )
    if role:
        set_role(user, role)
    return user


@pytest.fixture
def viewer(db):
    return make_user("vera", Role.VIEWER)


@pytest.fixture
def responder(db):
    return make_user("rico", Role.RESPONDER)


@pytest.fixture
def admin_user(db):
    return make_user("ada", Role.ADMIN)


@pytest.fixture
def client_for(client):
    """A logged-in test client for a given user (or anonymous for None)."""

    def _client(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return _client


# --- No test reaches beyond loopback ------------------------------------------------------------
# Every outgoing connection in this process goes through socket.connect (create_connection, urllib,
# redis, psycopg over TCP, ssl): refuse any address that is not loopback.
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _loopback_only(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        host = str(address[0]).split("%", 1)[0]
        try:
            allowed = ipaddress.ip_address(host).is_loopback
        except ValueError:
            allowed = host == "localhost"
        if not allowed:
            raise ConnectionRefusedError(f"tests may only connect to loopback, not {host}")


def _guarded_connect(self, address):
    _loopback_only(self, address)
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    _loopback_only(self, address)
    return _real_connect_ex(self, address)


_real_getaddrinfo = socket.getaddrinfo


def _guarded_getaddrinfo(host, *args, **kwargs):
    # Name look-ups happen in C, outside socket.connect: refuse any name but localhost.
    if host not in (None, "localhost", b"localhost"):
        try:
            ipaddress.ip_address(host.decode() if isinstance(host, bytes) else str(host).split("%")[0])
        except ValueError:
            raise socket.gaierror(socket.EAI_NONAME, f"tests may not resolve {host!r}") from None
    return _real_getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex
socket.getaddrinfo = _guarded_getaddrinfo


# --- A fake RDAP server on loopback -------------------------------------------------------------

@pytest.fixture
def fake_rdap(settings, tmp_path):
    """A fake RDAP server reached through RDAP_MIRROR_URL, with an empty IANA bootstrap (tests
    delegate what they need), fast rates and clean limiter state."""
    from contacts import ratelimit, rdap

    from .rdap_server import FakeRdap

    fake = FakeRdap().start()
    settings.RDAP_MIRROR_URL = fake.url
    settings.RDAP_RATE_PER_SECOND = 1000.0
    settings.RDAP_RATE_LIMITS = {}
    settings.RDAP_TIMEOUT_SECONDS = 2.0
    settings.RDAP_MAX_WAIT_SECONDS = 10.0
    settings.DATA_DIR = tmp_path
    rdap.clear_bootstrap_cache()
    client = ratelimit._redis()
    if client is not None:
        for key in client.scan_iter("abusedesk:rdap:*"):
            client.delete(key)
    yield fake
    fake.stop()
    rdap.clear_bootstrap_cache()


@pytest.fixture
def recorded_rdap(fake_rdap, settings):
    """The fake server serving the recorded registry answers and IANA's bootstrap files."""
    from .rdap_server import load_recorded

    folder = settings.SAMPLE_DATA_DIR / "rdap"
    if not (folder / "iana_bootstrap_ipv4.json").exists():
        pytest.skip(f"recorded RDAP answers not found in {folder} (set ABUSEDESK_SAMPLE_DATA)")
    for version in (4, 6):
        fake_rdap.bootstrap[version] = json.loads(
            (folder / f"iana_bootstrap_ipv{version}.json").read_text())
    fake_rdap.truths = load_recorded(fake_rdap, folder)
    return fake_rdap
