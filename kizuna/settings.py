"""Kizuna settings: one file, driven by the environment (see docs/configuration.md).

SQLite under $KIZUNA_HOME is the default so that install, migrate and run just work;
KIZUNA_DATABASE_URL switches to PostgreSQL.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

from kizuna.lib.env import ConfigError, envbool, envint, envnetworks, envstr

BASE_DIR = Path(__file__).resolve().parent
KIZUNA_HOME = Path(envstr("KIZUNA_HOME", str(Path.cwd() / "var"))).resolve()
DEMO = envbool("KIZUNA_DEMO", False)
DEBUG = envbool("KIZUNA_DEBUG", False)


def _secret_key() -> str:
    """The key from the environment, or one generated once and kept (0600) in KIZUNA_HOME."""
    key = os.environ.get("KIZUNA_SECRET_KEY")
    if key:
        return key
    path = KIZUNA_HOME / "secret_key"
    if path.exists():
        return path.read_text().strip()
    KIZUNA_HOME.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h.strip() for h in envstr("KIZUNA_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
SITE_URL = envstr("KIZUNA_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "kizuna.background",
    "kizuna.monitoring",
    "kizuna.backup",
    "kizuna.throttles",
    "kizuna.tickets",
    "kizuna.mail",
    "kizuna.desk",
    "kizuna.portal",
    "kizuna.api",
    "kizuna.replycheck",
    "kizuna.mood",
    "kizuna.intake",
    "kizuna.standards",
    "kizuna.notifications",
    "kizuna.sla",
    "kizuna.search",
    "kizuna.letters",
    "kizuna.closing",
    "kizuna.demo",
    "kizuna.core",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their caching; before the rest, so that every
    # response Django makes (errors, lockouts, CSRF failures included) gets the headers.
    "kizuna.lib.headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After the language is chosen (its refusal is translated), before anything reads a body.
    "kizuna.lib.upload_limit.UploadLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kizuna.lib.middleware.TimezoneMiddleware",
    # Axes must come last: it turns repeated failed sign-ins into a lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kizuna.urls"
WSGI_APPLICATION = "kizuna.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
_db_url = os.environ.get("KIZUNA_DATABASE_URL", "")
if _db_url:
    DATABASES = {
        "default": dj_database_url.parse(_db_url, conn_max_age=60, conn_health_checks=True)
    }
else:
    KIZUNA_HOME.mkdir(parents=True, exist_ok=True)
    # How long a writer waits for another's lock before "database is locked".
    KIZUNA_SQLITE_BUSY_SECONDS = envint("KIZUNA_SQLITE_BUSY_SECONDS", 20)
    if KIZUNA_SQLITE_BUSY_SECONDS < 1:
        raise ConfigError("KIZUNA_SQLITE_BUSY_SECONDS must be at least 1")
    DATABASES = {
        "default": {
            # Django's SQLite backend, with writers queued on a lock file (see its module).
            "ENGINE": "kizuna.lib.queued_sqlite",
            "NAME": KIZUNA_HOME / "kizuna.sqlite3",
            # Reusing a connection skips opening the file and the PRAGMAs on every request.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at
                # BEGIN so concurrent writers queue on busy_timeout instead of failing.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": KIZUNA_SQLITE_BUSY_SECONDS,
                # Prepared statements kept per connection (sqlite3's default, 128, let the
                # ORM's many short queries push out the long multi-row inserts of a batch of
                # mail, each costing some 0.2 million instructions to prepare again).
                "cached_statements": 512,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background work --------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": envstr("KIZUNA_TASK_BACKEND", "kizuna.background.backend.DatabaseBackend")
    }
}
# A worker renews its lease every third of this; the tasks of a worker whose lease expired
# (killed, machine lost) run again on another. A task whose workers died under it this many
# times is marked failed instead (docs/configuration.md, "Workers").
KIZUNA_TASK_LEASE_SECONDS = envint("KIZUNA_TASK_LEASE_SECONDS", 60)
if KIZUNA_TASK_LEASE_SECONDS < 1:
    raise ConfigError("KIZUNA_TASK_LEASE_SECONDS must be at least 1")
# /healthz says the task queue lags when a task due to run has waited longer than this.
KIZUNA_HEALTH_TASK_SECONDS = envint("KIZUNA_HEALTH_TASK_SECONDS", 300)
if KIZUNA_HEALTH_TASK_SECONDS < 1:
    raise ConfigError("KIZUNA_HEALTH_TASK_SECONDS must be at least 1")
# /metrics answers only requests that send this token (Authorization: Bearer …); off when empty.
KIZUNA_METRICS_TOKEN = envstr("KIZUNA_METRICS_TOKEN", "")
KIZUNA_TASK_MAX_RUNS = envint("KIZUNA_TASK_MAX_RUNS", 5)
if KIZUNA_TASK_MAX_RUNS < 1:
    raise ConfigError("KIZUNA_TASK_MAX_RUNS must be at least 1")

# --- Authentication -------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "desk:login"
LOGIN_REDIRECT_URL = "desk:queue"
# Desk sign-in: after KIZUNA_LOGIN_FAILURE_LIMIT failures for one account from one client
# address, that pair waits 15 minutes (django-axes); failures per client address over all
# accounts, and per account over all addresses, have limits of their own (docs/security.md).
AXES_FAILURE_LIMIT = envint("KIZUNA_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "kizuna.throttles.client.client_address"
KIZUNA_LOGIN_FAILURES_PER_ADDRESS = envint("KIZUNA_LOGIN_FAILURES_PER_ADDRESS", 20)
KIZUNA_LOGIN_FAILURES_PER_ACCOUNT = envint("KIZUNA_LOGIN_FAILURES_PER_ACCOUNT", 20)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "desk/locked_out.html"
AXES_VERBOSE = False  # no start-up banner on every command
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = envstr("KIZUNA_TIME_ZONE", "Asia/Tokyo")

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = KIZUNA_HOME / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve straight from the installed packages: nothing to collect, nothing fetched remotely.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(envstr("KIZUNA_ATTACHMENTS_DIR", str(KIZUNA_HOME / "attachments")))
MEDIA_URL = "/attachments/"
KIZUNA_MAX_ATTACHMENT_BYTES = envint("KIZUNA_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
# The longest reply or status note an agent may send (and the reply checker will check).
KIZUNA_MAX_DRAFT_CHARS = envint("KIZUNA_MAX_DRAFT_CHARS", 50_000)
# A request body (not counting form file uploads) may hold an API reply with a base64
# attachment of the largest allowed size, and then some.
DATA_UPLOAD_MAX_MEMORY_SIZE = max(2 * 1024 * 1024, KIZUNA_MAX_ATTACHMENT_BYTES * 2)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# One request with all its files (a portal or desk reply with attachments). Larger requests
# are refused on their Content-Length, before the body is read (kizuna.lib.uploads).
KIZUNA_MAX_UPLOAD_BYTES = envint("KIZUNA_MAX_UPLOAD_BYTES", KIZUNA_MAX_ATTACHMENT_BYTES * 3)

# --- Mail -----------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = envstr("KIZUNA_FROM_EMAIL", "support@kizuna.example")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = envstr("KIZUNA_SMTP_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = envint("KIZUNA_SMTP_PORT", 587)
    EMAIL_HOST_USER = envstr("KIZUNA_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = envstr("KIZUNA_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = envbool("KIZUNA_SMTP_STARTTLS", True)
    EMAIL_USE_SSL = envbool("KIZUNA_SMTP_SSL", False)
    EMAIL_TIMEOUT = 30
else:
    # Without an SMTP server, outgoing mail is written to files to read and check.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = KIZUNA_HOME / "outbox"
# Outbound mail: the sender's display name, where replies go (else a team's mailbox address,
# else the From address), how often a failed delivery is retried (with growing delays), and
# the window in which an address receives at most one automatic mail (no auto-reply loops).
KIZUNA_FROM_NAME = envstr("KIZUNA_FROM_NAME", "Kizuna Support")
# Mail to customers also carries a simple HTML version of the same text (UTF-8 mail only).
KIZUNA_MAIL_HTML = envbool("KIZUNA_MAIL_HTML", False)
KIZUNA_REPLY_TO = envstr("KIZUNA_REPLY_TO", "")
KIZUNA_MAIL_RETRIES = envint("KIZUNA_MAIL_RETRIES", 8)
KIZUNA_AUTO_REPLY_WINDOW_MINUTES = envint("KIZUNA_AUTO_REPLY_WINDOW_MINUTES", 60)
# Inbound mail: how often mailboxes are polled (failures back off from there), a CA file to
# trust for IMAP servers with a private certificate, and what `kizuna smtpd` accepts: the
# active mailboxes' addresses plus these recipients, messages up to this size.
KIZUNA_POLL_SECONDS = envint("KIZUNA_POLL_SECONDS", 60)
KIZUNA_IMAP_CA_FILE = envstr("KIZUNA_IMAP_CA_FILE", "")
KIZUNA_SMTPD_RECIPIENTS = [
    a.strip().lower() for a in envstr("KIZUNA_SMTPD_RECIPIENTS", "").split(",") if a.strip()
]
KIZUNA_SMTPD_MAX_BYTES = envint("KIZUNA_SMTPD_MAX_BYTES", 25 * 1024 * 1024)

# --- Service levels (P1) ----------------------------------------------------------------------
# Minutes until the first response per priority, promised in every acknowledgement.
KIZUNA_RESPONSE_MINUTES = {
    "urgent": envint("KIZUNA_RESPONSE_MINUTES_URGENT", 60),
    "high": envint("KIZUNA_RESPONSE_MINUTES_HIGH", 4 * 60),
    "normal": envint("KIZUNA_RESPONSE_MINUTES_NORMAL", 8 * 60),
    "low": envint("KIZUNA_RESPONSE_MINUTES_LOW", 24 * 60),
}
# Agents are warned when this share of the time to a due time has gone, for tickets under no
# SLA policy (each policy has its own share); workers look for warnings and missed times due
# every KIZUNA_SLA_SCAN_SECONDS.
KIZUNA_WARN_PERCENT = envint("KIZUNA_WARN_PERCENT", 75)
if not 1 <= KIZUNA_WARN_PERCENT <= 99:
    raise ConfigError("KIZUNA_WARN_PERCENT must be between 1 and 99")
KIZUNA_SLA_SCAN_SECONDS = envint("KIZUNA_SLA_SCAN_SECONDS", 30)
if KIZUNA_SLA_SCAN_SECONDS < 1:
    raise ConfigError("KIZUNA_SLA_SCAN_SECONDS must be at least 1")
KIZUNA_PORTAL_LINK_MINUTES = envint("KIZUNA_PORTAL_LINK_MINUTES", 30)
# The end of the cycle (P10): how long the satisfaction and close link of a resolution works,
# and, for tickets without a team (teams set their own), how many days after closing a
# customer's answer reopens the request rather than opening a new one.
KIZUNA_FEEDBACK_LINK_DAYS = envint("KIZUNA_FEEDBACK_LINK_DAYS", 30)
if KIZUNA_FEEDBACK_LINK_DAYS < 1:
    raise ConfigError("KIZUNA_FEEDBACK_LINK_DAYS must be at least 1")
KIZUNA_REOPEN_DAYS = envint("KIZUNA_REOPEN_DAYS", 14)
# Sign-in links asked for in an hour: per email address, and per client address (an office
# behind one NAT address asks for its people's links from the same address).
KIZUNA_PORTAL_LINKS_PER_HOUR = envint("KIZUNA_PORTAL_LINKS_PER_HOUR", 5)
KIZUNA_PORTAL_LINKS_PER_CLIENT_HOUR = envint("KIZUNA_PORTAL_LINKS_PER_CLIENT_HOUR", 20)

# --- Security -------------------------------------------------------------------------------
HTTPS = envbool("KIZUNA_HTTPS", not (DEBUG or DEMO))
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# Health probes come over plain HTTP from the load balancer or the host itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if envbool("KIZUNA_BEHIND_PROXY", False) else None
)
# The reverse proxies whose X-Forwarded-For names the client (addresses or networks). Without
# them, throttles and the sign-in lockout count every client behind a proxy as one.
KIZUNA_TRUSTED_PROXIES = envnetworks("KIZUNA_TRUSTED_PROXIES")
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = [o for o in envstr("KIZUNA_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("KIZUNA_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

if not SECRET_KEY:
    raise ConfigError("KIZUNA_SECRET_KEY is empty")
