"""AbuseDesk settings: every value comes from the environment (see README, "Configuration").

Two modes:
- ``local`` (default): zero set-up. SQLite and a filesystem Celery transport under DATA_DIR, a
  SECRET_KEY generated once and kept in DATA_DIR.
- ``production``: SECRET_KEY, DATABASE_URL, REDIS_URL and ALLOWED_HOSTS are required and the
  HTTPS hardening defaults are on.
"""

import contextlib
import ipaddress
import os
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.smart_cast = False

ABUSEDESK_ENV = env.str("ABUSEDESK_ENV", default="local")
if ABUSEDESK_ENV not in ("local", "production"):
    raise ImproperlyConfigured(
        f"ABUSEDESK_ENV must be 'local' or 'production', not {ABUSEDESK_ENV!r}"
    )
PRODUCTION = ABUSEDESK_ENV == "production"


def _required(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when ABUSEDESK_ENV=production")
    return value


DATA_DIR = Path(env.str("ABUSEDESK_DATA_DIR", default=str(BASE_DIR / "data"))).resolve()
if not PRODUCTION:
    DATA_DIR.mkdir(parents=True, exist_ok=True)


def _local_secret_key() -> str:
    """Generate the local SECRET_KEY once and keep it in DATA_DIR, readable by us alone."""
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _required("SECRET_KEY") if PRODUCTION else (
    env.str("SECRET_KEY", default="") or _local_secret_key()
)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when ABUSEDESK_ENV=production")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",  # Bootstrap 5 served from our own static files (django-bootstrap-static)
    "django_filters",
    "core",
    "incidents",
    "contacts",
    "reports",
    "replies",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "core.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "abusedesk.urls"
WSGI_APPLICATION = "abusedesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.abusedesk",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL")
    if PRODUCTION or env.str("DATABASE_URL", default="")
    else {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "abusedesk.sqlite3"}
}
if PRODUCTION and not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured("DATABASE_URL must be set when ABUSEDESK_ENV=production")
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one SQLite file: wait for locks instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
# The zone shown to a user who has not chosen one in their profile.
DEFAULT_USER_TIME_ZONE = env.str("DEFAULT_USER_TIME_ZONE", default="UTC")

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(DATA_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]

# Evidence never lives under a public URL: its storage has no base_url and downloads go through a
# view that checks permissions. EVIDENCE_STORAGE_BACKEND may name an S3-compatible backend
# (django-storages) when web and workers run on different machines.
EVIDENCE_ROOT = Path(env.str("EVIDENCE_ROOT", default=str(DATA_DIR / "evidence")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": DATA_DIR / "files", "base_url": None}},
    "evidence": {
        "BACKEND": env.str(
            "EVIDENCE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": env.json("EVIDENCE_STORAGE_OPTIONS", default={})
        or {"location": str(EVIDENCE_ROOT), "base_url": None, "file_permissions_mode": 0o440,
            "directory_permissions_mode": 0o750},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
                    if env.bool("STATIC_MANIFEST", default=PRODUCTION)
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Locally (no collectstatic step) whitenoise serves straight from the apps' static folders.
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=2 * 1024**3)
FILE_UPLOAD_HANDLERS = ["incidents.uploads.EvidenceUploadHandler"]
# Uploads stream to a temporary file next to the evidence store, so storing one is a rename.
FILE_UPLOAD_TEMP_DIR = env.str("FILE_UPLOAD_TEMP_DIR", default="") or str(DATA_DIR / "upload-tmp")
# A read-only image at build time may refuse; uploads would then say so when they happen.
with contextlib.suppress(OSError):
    Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every upload streams to a temporary file, never to memory
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("EVIDENCE_MAX_FILES_PER_UPLOAD", default=20)

# Our own networks (CIDRs, comma-separated): never reported or looked up; they also tell which
# side of a packet or an alert is the attacker.
OWN_NETWORKS = env.list("OWN_NETWORKS", default=[])
try:
    OWN_NETWORKS_PARSED = tuple(ipaddress.ip_network(n.strip(), strict=False) for n in OWN_NETWORKS)
except ValueError as exc:
    raise ImproperlyConfigured(f"OWN_NETWORKS holds something that is not a network: {exc}") from exc
# A parse still marked running after this long is taken to have died with its worker.
PARSE_STALE_AFTER_SECONDS = env.int("PARSE_STALE_AFTER_SECONDS", default=6 * 3600)
# A plain log, classic pcap or pcapng at least this large is split into parts parsed at once by up to
# PARSE_PROCESSES processes (incidents/parsers/split.py); 1 process never splits.
PARSE_SPLIT_MIN_BYTES = env.int("PARSE_SPLIT_MIN_BYTES", default=64 * 1024 * 1024)
PARSE_PROCESSES = env.int("PARSE_PROCESSES", default=min(os.cpu_count() or 1, 4))  # split.default_processes
if PARSE_PROCESSES < 1 or PARSE_SPLIT_MIN_BYTES < 0:
    raise ImproperlyConfigured("PARSE_PROCESSES must be at least 1 and PARSE_SPLIT_MIN_BYTES not negative")
# Host names in evidence are resolved only when an admin asks; this bounds one such request.
RESOLVE_TIMEOUT_SECONDS = env.float("RESOLVE_TIMEOUT_SECONDS", default=10.0)

# Folder of the shared real-world samples the acceptance tests read.
SAMPLE_DATA_DIR = Path(env.str("ABUSEDESK_SAMPLE_DATA", default=str(BASE_DIR.parent / "shared" / "data")))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Celery -------------------------------------------------------------------------------------
REDIS_URL = _required("REDIS_URL") if PRODUCTION else env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = DATA_DIR / "broker"
    for sub in ("queue", "processed"):
        (_queue_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(DATA_DIR / "celerybeat-schedule")
)
HEARTBEAT_INTERVAL_SECONDS = env.int("HEARTBEAT_INTERVAL_SECONDS", default=30)
HEARTBEAT_MAX_AGE_SECONDS = env.int("HEARTBEAT_MAX_AGE_SECONDS", default=120)

# --- RDAP (contacts) -----------------------------------------------------------------------------
# Every RDAP request for https://HOST/PATH goes to {RDAP_MIRROR_URL}/HOST/PATH when this is set (an
# air-gapped mirror, or the tests' fake server on loopback).
RDAP_MIRROR_URL = env.str("RDAP_MIRROR_URL", default="").rstrip("/")
RDAP_TIMEOUT_SECONDS = env.float("RDAP_TIMEOUT_SECONDS", default=10.0)
# Requests per second to each registry, shared by all workers (Redis; a lock file locally).
RDAP_RATE_PER_SECOND = env.float("RDAP_RATE_PER_SECOND", default=1.0)
# Per-registry exceptions, e.g. "ripencc=2,arin=0.5" (names: afrinic, apnic, arin, lacnic, ripencc).
RDAP_RATE_LIMITS = {
    name.strip(): float(rate)
    for name, rate in env.dict("RDAP_RATE_LIMITS", default={}).items()
}
if RDAP_RATE_PER_SECOND <= 0 or any(rate <= 0 for rate in RDAP_RATE_LIMITS.values()):
    raise ImproperlyConfigured("RDAP rates must be positive numbers of requests per second")
RDAP_CACHE_TTL_SECONDS = env.int("RDAP_CACHE_TTL_SECONDS", default=7 * 24 * 3600)
RDAP_FAILURE_TTL_SECONDS = env.int("RDAP_FAILURE_TTL_SECONDS", default=3600)
# How long a look-up waits for its registry's turn before it gives the worker back and retries later.
RDAP_MAX_WAIT_SECONDS = env.float("RDAP_MAX_WAIT_SECONDS", default=30.0)

# --- Reports ------------------------------------------------------------------------------------
# Default time an abuse desk gets to answer before a report is overdue (per contact, editable).
REPLY_WINDOW_HOURS = env.int("REPLY_WINDOW_HOURS", default=48)

# --- Mail ---------------------------------------------------------------------------------------
# SMTP from EMAIL_URL, or, when EMAIL_HOST is set, from the separate host/port/user/password/TLS
# variables (handy when a password holds characters a URL would need escaped).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
if env.str("EMAIL_HOST", default=""):
    EMAIL_CONFIG = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": env.str("EMAIL_HOST"),
        "EMAIL_PORT": env.int("EMAIL_PORT", default=587),
        "EMAIL_HOST_USER": env.str("EMAIL_HOST_USER", default=""),
        "EMAIL_HOST_PASSWORD": env.str("EMAIL_HOST_PASSWORD", default=""),
        "EMAIL_USE_TLS": env.bool("EMAIL_USE_TLS", default=False),
        "EMAIL_USE_SSL": env.bool("EMAIL_USE_SSL", default=False),
    }
    if EMAIL_CONFIG["EMAIL_USE_TLS"] and EMAIL_CONFIG["EMAIL_USE_SSL"]:
        raise ImproperlyConfigured("EMAIL_USE_TLS (STARTTLS) and EMAIL_USE_SSL exclude each other")
vars().update(EMAIL_CONFIG)
# Seconds an SMTP connection may stay silent; well under SENDING_STALE_AFTER_SECONDS, so a send is
# over (one way or another) before the sweeper calls it unknown.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=60)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="abusedesk@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Replies and follow-up ----------------------------------------------------------------------
# The abuse mailbox polled for replies (empty IMAP_HOST: no polling; use ingest_email instead).
IMAP_HOST = env.str("IMAP_HOST", default="")
IMAP_SECURITY = env.str("IMAP_SECURITY", default="ssl")  # ssl | starttls | plain
if IMAP_SECURITY not in ("ssl", "starttls", "plain"):
    raise ImproperlyConfigured("IMAP_SECURITY must be ssl, starttls or plain")
IMAP_PORT = env.int("IMAP_PORT", default=993 if IMAP_SECURITY == "ssl" else 143)
IMAP_USER = env.str("IMAP_USER", default="")
IMAP_PASSWORD = env.str("IMAP_PASSWORD", default="")
IMAP_FOLDER = env.str("IMAP_FOLDER", default="INBOX")
IMAP_PROCESSED_FOLDER = env.str("IMAP_PROCESSED_FOLDER", default="")
IMAP_TIMEOUT_SECONDS = env.int("IMAP_TIMEOUT_SECONDS", default=30)
IMAP_POLL_SECONDS = env.int("IMAP_POLL_SECONDS", default=60)
FOLLOW_UP_STEP_SECONDS = env.int("FOLLOW_UP_STEP_SECONDS", default=60)
# Where unanswered reports escalate when no upstream network has an abuse address.
ESCALATION_CERT_EMAIL = env.str("ESCALATION_CERT_EMAIL", default="")
ESCALATION_CERT_NAME = env.str("ESCALATION_CERT_NAME", default="National CERT")
# --- Sending reports (reports/sending.py) ---------------------------------------------------------
# From of every report; its domain names our Message-IDs.
REPORT_FROM = env.str("REPORT_FROM", default="") or DEFAULT_FROM_EMAIL
# Reply-To of every report. "{token}" is replaced by the report's own reply token, e.g.
# "abuse+{token}@example.org" (plus-addressing), so a reply names its report. Empty: REPORT_FROM.
REPORT_REPLY_TO = env.str("REPORT_REPLY_TO", default="")
REPORT_CC_SENDER = env.bool("REPORT_CC_SENDER", default=False)
REPORT_BCC_ARCHIVE = env.str("REPORT_BCC_ARCHIVE", default="")
REPORT_THROTTLE_PER_HOUR = env.int("REPORT_THROTTLE_PER_HOUR", default=10)
REPORT_SEND_MAX_ATTEMPTS = env.int("REPORT_SEND_MAX_ATTEMPTS", default=8)
REPORT_RETRY_BASE_SECONDS = env.int("REPORT_RETRY_BASE_SECONDS", default=60)
REPORT_RETRY_MAX_SECONDS = env.int("REPORT_RETRY_MAX_SECONDS", default=1800)
SENDING_STALE_AFTER_SECONDS = env.int("SENDING_STALE_AFTER_SECONDS", default=900)
OUTBOX_REQUEUE_AFTER_SECONDS = env.int("OUTBOX_REQUEUE_AFTER_SECONDS", default=600)
OUTBOX_SWEEP_INTERVAL_SECONDS = env.int("OUTBOX_SWEEP_INTERVAL_SECONDS", default=60)
for _name in ("REPORT_THROTTLE_PER_HOUR", "REPORT_SEND_MAX_ATTEMPTS", "REPORT_RETRY_BASE_SECONDS",
              "REPORT_RETRY_MAX_SECONDS", "SENDING_STALE_AFTER_SECONDS",
              "OUTBOX_REQUEUE_AFTER_SECONDS", "OUTBOX_SWEEP_INTERVAL_SECONDS"):
    if vars()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1")
if SENDING_STALE_AFTER_SECONDS <= 2 * EMAIL_TIMEOUT:
    raise ImproperlyConfigured(
        "SENDING_STALE_AFTER_SECONDS must exceed twice EMAIL_TIMEOUT: a send still talking to "
        "the mail server must never be called unknown")

# --- Composing reports (reports/composing.py, reports/excerpts.py) --------------------------------
# Who we are, as every report says it.
REPORTER_NAME = env.str("REPORTER_NAME", default="")
REPORTER_ORGANISATION = env.str("REPORTER_ORGANISATION", default="")
REPORTER_EMAIL = env.str("REPORTER_EMAIL", default="") or REPORT_FROM
REPORTER_PHONE = env.str("REPORTER_PHONE", default="")
# The evidence excerpt zipped into each report: at most this many bytes (trimmed beyond, with a note).
REPORT_EXCERPT_MAX_BYTES = env.int("REPORT_EXCERPT_MAX_BYTES", default=5 * 1024 * 1024)
# How many excerpt lines the mail body quotes inline.
REPORT_INLINE_LINES = env.int("REPORT_INLINE_LINES", default=10)
# Redaction in excerpts: addresses inside these networks, host names matching these patterns
# (shell-style, e.g. "*.corp.example.org"), and the host column of syslog lines are replaced by
# stable placeholders (internal-host-1, ...).
REPORT_REDACT_NETWORKS = env.list("REPORT_REDACT_NETWORKS", default=[
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7", "fe80::/10"])
try:
    REPORT_REDACT_NETWORKS_PARSED = tuple(
        ipaddress.ip_network(n.strip(), strict=False) for n in REPORT_REDACT_NETWORKS)
except ValueError as exc:
    raise ImproperlyConfigured(
        f"REPORT_REDACT_NETWORKS holds something that is not a network: {exc}") from exc
REPORT_REDACT_HOSTNAMES = env.list("REPORT_REDACT_HOSTNAMES", default=[])
REPORT_REDACT_SYSLOG_HOST = env.bool("REPORT_REDACT_SYSLOG_HOST", default=True)
if REPORT_EXCERPT_MAX_BYTES < 1024:
    raise ImproperlyConfigured("REPORT_EXCERPT_MAX_BYTES must be at least 1024")

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=PRODUCTION)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# /healthz answers plain HTTP probes from the orchestrator, which never follows the redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
