"""What /healthz checks: the database, the broker, and a recent worker heartbeat."""

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import Heartbeat


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "error": str(exc)[:200]}
    return {"ok": True}


def check_broker() -> dict:
    from abusedesk.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
            transport = conn.transport_cls
    except Exception as exc:
        return {"ok": False, "error": str(exc)[:200]}
    return {"ok": True, "transport": str(transport)}


def check_worker() -> dict:
    try:
        latest = Heartbeat.latest()
    except Exception as exc:
        return {"ok": False, "error": str(exc)[:200]}
    if latest is None:
        return {"ok": False, "error": "no worker has reported yet"}
    age = (timezone.now() - latest.seen_at).total_seconds()
    return {
        "ok": age <= settings.HEARTBEAT_MAX_AGE_SECONDS,
        "hostname": latest.hostname,
        "last_seen": latest.seen_at.isoformat(),
        "age_seconds": round(age, 1),
        "max_age_seconds": settings.HEARTBEAT_MAX_AGE_SECONDS,
    }


def health() -> tuple[bool, dict]:
    checks = {"database": check_database(), "broker": check_broker(), "worker": check_worker()}
    ok = all(check["ok"] for check in checks.values())
    return ok, {"status": "ok" if ok else "fail", "checks": checks}
