"""docker-compose.yml cannot drift from the code.

No Docker engine runs here, so the file is read as compose would read it (anchors, merge keys,
``${VAR}`` from .env, which .env.example stands in for) and each app service's command is run as a
subprocess against the test PostgreSQL and Redis: web migrates and answers /healthz with 200, beat
schedules the heartbeat task and the worker executes it.
"""

import contextlib
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import redis
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("web", "worker", "beat")
STARTUP_TIMEOUT = 420  # seconds: fresh migrations and three gunicorn workers on a busy 2-core machine
COMPOSE_REDIS_DB = 5  # a Redis database of its own, away from the rest of the suite


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, as compose reads an env_file; blank lines and comments skipped."""
    values = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not KEY=VALUE: {raw!r}"
        values[key.strip()] = value.strip()
    return values


DOTENV = read_env_file(ROOT / ".env.example")
_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[?-])(?P<arg>[^}]*))?\}")


def interpolate(value, variables: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error} substitution."""

    def substitute(match):
        name, op, arg = match["name"], match["op"], match["arg"]
        current = variables.get(name)
        if op in (":?", "?"):
            assert current if op == ":?" else current is not None, (
                f"compose needs {name} ({arg}) and .env.example does not set it")
        if op in (":-", "-") and (not current if op == ":-" else current is None):
            return arg
        return current or ""

    return _VARIABLE.sub(substitute, str(value))


def named_volume_mounts(service: dict) -> dict[str, str]:
    """{mount target: volume name} for the service's named volumes (not bind mounts)."""
    mounts = {}
    for entry in service.get("volumes", []):
        source, _, target = entry.partition(":")
        if source in (COMPOSE.get("volumes") or {}):
            mounts[target.split(":")[0]] = source
    return mounts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- The file itself --------------------------------------------------------------------------


def test_compose_defines_postgres_redis_web_worker_and_beat():
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(SERVICES)
    assert "gunicorn abusedesk.wsgi" in SERVICES["web"]["command"]
    assert "migrate --noinput" in SERVICES["web"]["command"]
    assert "celery -A abusedesk worker" in SERVICES["worker"]["command"]
    assert "celery -A abusedesk beat" in SERVICES["beat"]["command"]


def test_the_database_and_the_evidence_store_live_on_named_volumes():
    assert "/var/lib/postgresql/data" in named_volume_mounts(SERVICES["postgres"])
    for name in APP_SERVICES:
        evidence_root = SERVICES[name]["environment"]["EVIDENCE_ROOT"]
        mounts = named_volume_mounts(SERVICES[name])
        assert any(evidence_root == t or evidence_root.startswith(t + "/") for t in mounts), (
            f"{name}: EVIDENCE_ROOT {evidence_root} is not on a named volume ({mounts})")


def test_app_services_take_every_setting_from_the_environment_file():
    for name in APP_SERVICES:
        assert SERVICES[name]["env_file"] == ".env", name
        assert SERVICES[name]["environment"]["ABUSEDESK_ENV"] == "production", name


def test_the_app_connects_to_the_postgres_and_redis_services_with_their_credentials():
    postgres = SERVICES["postgres"]["environment"]
    postgres_env = {key: interpolate(value, DOTENV) for key, value in postgres.items()}
    for name in APP_SERVICES:
        environment = SERVICES[name]["environment"]
        database = urlsplit(interpolate(environment["DATABASE_URL"], DOTENV))
        assert (database.hostname, database.port) == ("postgres", 5432), name
        assert database.username == postgres_env["POSTGRES_USER"], name
        assert database.password == postgres_env["POSTGRES_PASSWORD"], name
        assert database.path.lstrip("/") == postgres_env["POSTGRES_DB"], name
        assert urlsplit(interpolate(environment["REDIS_URL"], DOTENV)).hostname == "redis", name


def test_the_web_healthcheck_port_and_published_port_agree_with_gunicorns_bind():
    web = SERVICES["web"]
    container_port = web["ports"][0].rsplit(":", 1)[1]
    assert web["environment"]["GUNICORN_CMD_ARGS"] == f"--bind 0.0.0.0:{container_port}"
    assert f"127.0.0.1:{container_port}/healthz" in " ".join(web["healthcheck"]["test"])


# --- The services, run ------------------------------------------------------------------------


@pytest.fixture
def fresh_database():
    """A database of its own on the test PostgreSQL server, dropped afterwards."""
    server = urlsplit(os.environ["DATABASE_URL"])
    maintenance = server._replace(path="/postgres").geturl()
    name = f"abusedesk_compose_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def compose_redis():
    """The test Redis server, on a database number of its own, emptied before and after."""
    url = urlsplit(os.environ["REDIS_URL"])._replace(path=f"/{COMPOSE_REDIS_DB}").geturl()
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


class Services:
    """Starts compose services as process groups; stops every one of them at the end."""

    def __init__(self, logdir: Path):
        self.logdir = logdir
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        with open(self.logdir / f"{name}.log", "wb") as log:
            self.procs[name] = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )

    def tails(self, lines: int = 40) -> str:
        parts = []
        for name, proc in self.procs.items():
            text = (self.logdir / f"{name}.log").read_text(errors="replace").splitlines()
            state = "running" if proc.poll() is None else f"exited {proc.returncode}"
            parts.append(f"--- {name} ({state}), last {lines} lines ---\n"
                         + "\n".join(text[-lines:]))
        return "\n".join(parts)

    def exited(self) -> list[str]:
        return [name for name, proc in self.procs.items() if proc.poll() is not None]

    def stop(self, grace: float = 5) -> None:
        """As `docker compose stop`: SIGTERM to each main process, SIGKILL after the grace."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + grace
        for proc in self.procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        for proc in self.procs.values():  # whatever is left in each group, children included
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture
def services(tmp_path):
    running = Services(tmp_path)
    try:
        yield running
    finally:
        running.stop()


def service_command(name: str, volumes: dict[str, Path]) -> list[str]:
    """The service's command split as compose splits it (no shell), volume paths mapped."""
    return [map_volumes(arg, volumes) for arg in shlex.split(SERVICES[name]["command"])]


def map_volumes(value: str, volumes: dict[str, Path]) -> str:
    for target, local in volumes.items():
        value = re.sub(rf"(?<![\w./-]){re.escape(target)}(?=/|\s|$|[\"'])", str(local), value)
    return value


def service_env(name: str, volumes: dict[str, Path], overrides: dict[str, str]) -> dict[str, str]:
    """What the container sees: the image's basics, env_file (.env.example), then `environment`."""
    env = {key: os.environ[key] for key in ("HOME", "LANG", "LC_ALL", "TMPDIR")
           if key in os.environ}
    # The image's PATH has python, celery and gunicorn; here they are in this virtualenv.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env["PYTHONUNBUFFERED"] = "1"  # as the Dockerfile sets it: logs reach us as they happen
    env.update(DOTENV)
    env.update({k: interpolate(v, DOTENV) for k, v in SERVICES[name]["environment"].items()})
    env = {key: map_volumes(value, volumes) for key, value in env.items()}
    env.update(overrides)
    return env


def get_healthz(port: int, host: str) -> tuple[int, dict | str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
    try:
        # Generous: the first request waits for a gunicorn worker to load Django.
        with urllib.request.urlopen(request, timeout=30) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body.decode(errors="replace")[:300]


def task_seen_at(database_url: str):
    try:
        with psycopg.connect(database_url, connect_timeout=10) as conn:
            row = conn.execute(
                "SELECT max(task_seen_at) FROM core_heartbeat WHERE task_seen_at IS NOT NULL"
            ).fetchone()
    except psycopg.errors.UndefinedTable:  # web has not migrated yet
        return None
    except psycopg.OperationalError:  # a busy server, e.g. during the migrations: ask again
        return None
    return row[0]


@pytest.mark.services
def test_web_worker_and_beat_commands_run_healthz_200_and_a_beat_scheduled_task_executes(
    tmp_path, fresh_database, compose_redis, services
):
    port = free_port()
    container_port = SERVICES["web"]["ports"][0].rsplit(":", 1)[1]
    volumes = {}
    for target, volume in named_volume_mounts(SERVICES["web"]).items():
        volumes[target] = tmp_path / f"volume-{volume}"
        volumes[target].mkdir()
    overrides = {
        # The hosts `postgres` and `redis` are the test servers here.
        "DATABASE_URL": fresh_database,
        "REDIS_URL": compose_redis,
        "HEARTBEAT_INTERVAL_SECONDS": "2",
    }
    for name in APP_SERVICES:
        env = service_env(name, volumes, overrides)
        if name == "web":
            env["GUNICORN_CMD_ARGS"] = env["GUNICORN_CMD_ARGS"].replace(
                f"0.0.0.0:{container_port}", f"127.0.0.1:{port}")
            web_env = env
        services.start(name, service_command(name, volumes), env)

    # Requests carry a Host that .env.example allows, as the proxy in front of web would send.
    host = web_env["ALLOWED_HOSTS"].split(",")[0].strip().lstrip(".")
    deadline = time.monotonic() + STARTUP_TIMEOUT
    status, body, seen = None, None, None
    while time.monotonic() < deadline:
        assert not services.exited(), f"{services.exited()} exited early\n{services.tails()}"
        try:
            status, body = get_healthz(port, host)
        except OSError as exc:  # not listening yet
            status, body = None, str(exc)
        seen = seen or task_seen_at(fresh_database)
        if status == 200 and seen:
            break
        time.sleep(1)

    assert status == 200, f"/healthz answered {status}: {body}\n{services.tails()}"
    assert body["status"] == "ok", body
    assert seen is not None, (
        "no heartbeat task executed: beat did not schedule it or the worker did not run it\n"
        + services.tails())

    # The compose healthcheck itself, pointed at this web's port, passes too.
    assert SERVICES["web"]["healthcheck"]["test"][0] == "CMD"
    healthcheck = [arg.replace(f"127.0.0.1:{container_port}", f"127.0.0.1:{port}")
                   for arg in SERVICES["web"]["healthcheck"]["test"][1:]]
    # Like Docker, a probe counts as healthy if one of `retries` attempts passes: on a loaded
    # machine one request may overrun the probe's own timeout.
    for _attempt in range(int(SERVICES["web"]["healthcheck"].get("retries", 1))):
        probe = subprocess.run(healthcheck, env=web_env, cwd=ROOT, capture_output=True,
                               text=True, timeout=60, check=False)
        if probe.returncode == 0:
            break
    assert probe.returncode == 0, f"compose healthcheck failed: {probe.stderr[-2000:]}"
