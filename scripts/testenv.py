"""Run a command against real PostgreSQL and Redis.

DATABASE_URL and REDIS_URL are used when set. Otherwise throwaway instances are started from the
installed ``postgres`` and ``redis-server`` binaries in a temporary folder, on free loopback ports,
and removed afterwards. Usage: python scripts/testenv.py COMMAND [ARGS...]
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

PG_PACKAGES = "postgresql (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql)"
REDIS_PACKAGES = "redis-server (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    candidates += sorted(glob.glob(f"/usr/local/opt/postgresql*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def wait_port(port: int, what: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"testenv: {what} exited with {proc.returncode} while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"testenv: {what} did not start within {timeout:.0f} s")


def start_postgres(workdir: str) -> tuple[subprocess.Popen, str]:
    initdb, postgres = find_pg_bin("initdb"), find_pg_bin("postgres")
    if not initdb or not postgres:
        sys.exit(f"testenv: DATABASE_URL is not set and PostgreSQL is not installed; install "
                 f"{PG_PACKAGES}, or set DATABASE_URL to a server the tests may use.")
    datadir = os.path.join(workdir, "pg")
    os.mkdir(datadir)
    run_as: list[str] = []
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root: hand the folder to an unprivileged account.
        account = next((n for n in ("postgres", "nobody") if _user_exists(n)), None)
        if account is None:
            sys.exit("testenv: running as root with no 'postgres' or 'nobody' account for PostgreSQL")
        entry = pwd.getpwnam(account)
        os.chmod(workdir, 0o755)  # noqa: S103 - the unprivileged server must reach its folder
        os.chown(datadir, entry.pw_uid, entry.pw_gid)
        run_as = ["runuser", "-u", account, "--"]
    subprocess.run([*run_as, initdb, "-D", datadir, "-U", "abusedesk", "--auth=trust",
                    "-E", "UTF8", "--no-sync"], check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    log = open(os.path.join(workdir, "pg.log"), "w")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(
        [*run_as, postgres, "-D", datadir, "-p", str(port), "-h", "127.0.0.1", "-k", datadir,
         "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
         "-c", "max_connections=200"],
        stdout=subprocess.DEVNULL, stderr=log,
    )
    wait_port(port, "postgres", proc)
    time.sleep(0.3)
    return proc, f"postgres://abusedesk@127.0.0.1:{port}/abusedesk_test_base"


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def start_redis(workdir: str) -> tuple[subprocess.Popen, str]:
    server = shutil.which("redis-server")
    if not server:
        sys.exit(f"testenv: REDIS_URL is not set and Redis is not installed; install "
                 f"{REDIS_PACKAGES}, or set REDIS_URL to a server the tests may use.")
    port = free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", workdir], stdout=subprocess.DEVNULL,
    )
    wait_port(port, "redis-server", proc)
    return proc, f"redis://127.0.0.1:{port}/0"


def main(argv: list[str]) -> int:
    if not argv:
        sys.exit(__doc__)
    env = dict(os.environ)
    started: list[subprocess.Popen] = []
    workdir = tempfile.mkdtemp(prefix="abusedesk-testenv-")
    try:
        if not env.get("DATABASE_URL"):
            proc, env["DATABASE_URL"] = start_postgres(workdir)
            started.append(proc)
            print(f"testenv: throwaway PostgreSQL at {env['DATABASE_URL']}", flush=True)
        if not env.get("REDIS_URL"):
            proc, env["REDIS_URL"] = start_redis(workdir)
            started.append(proc)
            print(f"testenv: throwaway Redis at {env['REDIS_URL']}", flush=True)
        env.setdefault("ABUSEDESK_DATA_DIR", os.path.join(workdir, "data"))
        return subprocess.call(argv, env=env)
    finally:
        for proc in started:
            proc.terminate()
        for proc in started:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
