"""Django settings, read from the environment (see README: Configuration).

SQLite in the data folder is the default; PostgreSQL is chosen by KAMAVOR_DATABASE_URL.
"""

import os
import secrets
import tempfile
from pathlib import Path

import dj_database_url

from kamavor.lib.private_files import make_files_private, make_private, private_umask

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _default_data_dir() -> Path:
    if os.name == "nt":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "Kamavor"
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "kamavor"


DATA_DIR = Path(os.environ.get("KAMAVOR_DATA_DIR") or _default_data_dir()).expanduser()
# Whatever starts Kamavor (the CLI, a WSGI server, the tests) reads these settings first: from
# here on every file it writes is private, and what an older version left readable is fixed.
private_umask()
make_private(DATA_DIR)


def _persistent_secret(name: str, env: str) -> str:
    """Take a secret from the environment, else from (or into) a private file in the data folder.

    A laptop point then starts with one command and keeps its sessions across restarts.
    """
    if os.environ.get(env):
        return os.environ[env]
    path = DATA_DIR / name
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


DEBUG = _env_bool("KAMAVOR_DEBUG")
SECRET_KEY = _persistent_secret("secret_key", "KAMAVOR_SECRET_KEY")
# Personal data is encrypted with its own key, never with SECRET_KEY.
ENCRYPTION_KEY = _persistent_secret("encryption_key", "KAMAVOR_ENCRYPTION_KEY")

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("KAMAVOR_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("KAMAVOR_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "kamavor.core",
    "kamavor.network",
    "kamavor.accounts",
    "kamavor.catalogue",
    "kamavor.stock",
    "kamavor.privacy",
    "kamavor.households",
    "kamavor.matching",
    "kamavor.needs",
    "kamavor.distribution",
    "kamavor.allocation",
    "kamavor.volunteers",
    "kamavor.public",
    "kamavor.backup",
    "kamavor.offline",
    "kamavor.exchange",
    "kamavor.shelters",
    "kamavor.money",
    "kamavor.sorting",
    "kamavor.reports",
    "kamavor.demo",  # the top floor: imports every app above, nothing imports it
]

MIDDLEWARE = [
    # First: scheme, host and client address from KAMAVOR_PROXY_HOPS trusted proxies.
    "kamavor.core.proxy.ProxyHeadersMiddleware",
    # Then the public pages people read most are answered from memory (kamavor/public/cache.py).
    "kamavor.public.cache.PublicPageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The PagesOnly… middleware step aside for the token API (kamavor/core/middleware.py).
    "kamavor.core.middleware.PagesOnlyWhiteNoise",
    "kamavor.core.middleware.PagesOnlySession",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "kamavor.core.middleware.PagesOnlyCsrf",
    "kamavor.core.middleware.PagesOnlyAuthentication",
    # The second factor: which device this session passed (django-otp), and no desk before it.
    "kamavor.core.middleware.PagesOnlyOTP",
    "kamavor.accounts.middleware.SecondFactorMiddleware",
    "kamavor.core.middleware.PagesOnlyMessages",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "kamavor.core.middleware.ContentSecurityPolicyMiddleware",
    "kamavor.network.frame.RememberPointMiddleware",
]

# Django's CSRF check looks for its middleware by name; PagesOnlyCsrf wraps it, and
# kamavor/core/checks.py checks for it instead (kamavor.E001).
SILENCED_SYSTEM_CHECKS = ["security.W003"]

ROOT_URLCONF = "kamavor.urls"
WSGI_APPLICATION = "kamavor.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kamavor.core.context.desk",
                "kamavor.reports.views.export_links",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("KAMAVOR_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'kamavor.sqlite3'}",
        conn_max_age=int(os.environ.get("KAMAVOR_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server, and a statement run five times on a connection prepared
    # there: PostgreSQL then parses and plans the desks' few dozen statements once per
    # connection instead of on every call (about two fifths of its CPU per write, see
    # docs/performance.md). KAMAVOR_DB_PREPARE_THRESHOLD=none turns preparing off, as a
    # transaction-pooling PgBouncer without prepared-statement support needs.
    _threshold = os.environ.get("KAMAVOR_DB_PREPARE_THRESHOLD", "5")
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options.update(
        server_side_binding=True,
        prepare_threshold=None if _threshold.lower() == "none" else int(_threshold),
    )
    _mode = os.environ.get("KAMAVOR_DB_PLAN_CACHE_MODE", "force_generic_plan")
    if _options["prepare_threshold"] is not None and _mode:
        # A prepared statement runs its one generic plan instead of being planned again for
        # each call's values: the desks' statements look rows up by key or by an array of keys,
        # where the values do not change the plan, and the server's planning was a sixth of
        # its CPU under the replay (docs/performance.md, ninth round).
        # KAMAVOR_DB_PLAN_CACHE_MODE=auto gives PostgreSQL's own choice back; empty, nothing is
        # set (for a pooler that refuses the connection's `options`).
        _options["options"] = f"{_options.get('options', '')} -c plan_cache_mode={_mode}".strip()
    # Health checks without a round trip, more prepared statements kept
    # (kamavor/core/db/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "kamavor.core.db.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A database outside the data folder is private too (SQLite gives -wal and -shm its mode).
    _database = Path(str(DATABASES["default"]["NAME"]))
    if str(_database) != ":memory:":
        make_files_private(_database.with_name(_database.name + x) for x in ("", "-wal", "-shm"))
    # WAL lets readers work while a desk writes; the busy timeout makes writers queue, not fail;
    # IMMEDIATE transactions take the write lock up front so two desks never deadlock.
    # Writers queue at a gate before BEGIN IMMEDIATE instead of polling the lock
    # (kamavor/core/db/sqlite3/base.py).
    DATABASES["default"]["ENGINE"] = "kamavor.core.db.sqlite3"
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            # `kamavor serve` checkpoints in the background; this is the safety net.
            "PRAGMA wal_autocheckpoint=4000;"
        ),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if DEBUG else 600
    # Tests use a real file (not shared-cache memory) so concurrent desks lock as in production.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"kamavor-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Wrong passwords are counted and locked accounts refused, whoever asks (kamavor.accounts).
AUTHENTICATION_BACKENDS = ["kamavor.accounts.backends.ThrottledModelBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "hy"
LANGUAGES = [("hy", "Հայերեն"), ("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates per language (Armenian "դեկտեմբերի 2", Russian "2 декабря"): kamavor/formats/<lang>/.
FORMAT_MODULE_PATH = ["kamavor.formats"]
USE_I18N = True
TIME_ZONE = os.environ.get("KAMAVOR_TIME_ZONE", "Asia/Yerevan")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = None  # nothing is collected: WhiteNoise serves from the package
# Static files are served by the app itself (WhiteNoise) straight from the package: no
# collectstatic step, no CDN.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_MAX_AGE = 3600

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Production is HTTPS: secure cookies, HSTS and redirects are on unless debugging. A laptop point
# served on its own loopback address needs none of it; `kamavor serve` on 127.0.0.1 turns it off.
if _env_bool("KAMAVOR_HTTPS", default=not DEBUG):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("KAMAVOR_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _env_bool("KAMAVOR_HSTS_PRELOAD", True)
    # X-Forwarded-Proto is read by kamavor.core.proxy, and only from trusted proxies.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KAMAVOR_LOG_LEVEL", "WARNING")},
}

# How soon "expiring soon" starts, in days.
KAMAVOR_EXPIRY_WARNING_DAYS = int(os.environ.get("KAMAVOR_EXPIRY_WARNING_DAYS", "30"))
# How long a volunteer may reverse their own posting, in hours.
KAMAVOR_SELF_REVERSAL_HOURS = 24
# Largest quantity one line may carry: protects the ledger from a scanner typed into a quantity.
KAMAVOR_MAX_LINE_QUANTITY = 1_000_000
# Personal fields of households inactive this long are erased (erase_inactive_personal_data).
KAMAVOR_PERSONAL_DATA_RETENTION_DAYS = int(
    os.environ.get("KAMAVOR_PERSONAL_DATA_RETENTION_DAYS", "365")
)

# E-mail (shift reminders, a coordinator writing to a shift's volunteers): sent through an SMTP
# server when one is configured; without one, nothing is sent and nothing is kept on disk (the
# messages hold volunteers' addresses and private links; see kamavor/privacy/mail.py).
EMAIL_HOST = os.environ.get("KAMAVOR_EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("KAMAVOR_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("KAMAVOR_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("KAMAVOR_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("KAMAVOR_EMAIL_TLS", True)
EMAIL_BACKEND = os.environ.get("KAMAVOR_EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "kamavor.privacy.mail.UnsentEmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("KAMAVOR_FROM_EMAIL", "kamavor@localhost")
# The address of the public pages, for links in e-mails sent by commands (no request to ask).
KAMAVOR_PUBLIC_URL = os.environ.get("KAMAVOR_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Public forms: at most this many submissions from one address per window (in minutes).
KAMAVOR_PUBLIC_FORM_LIMIT = int(os.environ.get("KAMAVOR_PUBLIC_FORM_LIMIT", "5"))
KAMAVOR_PUBLIC_FORM_WINDOW = int(os.environ.get("KAMAVOR_PUBLIC_FORM_WINDOW", "10"))
# How many reverse proxies stand in front of the app (kamavor.core.proxy): the visitor's
# scheme, host and address are then read from X-Forwarded-Proto, -Host and -For.
# 0: the connection's own, and those headers are ignored.
KAMAVOR_PROXY_HOPS = int(os.environ.get("KAMAVOR_PROXY_HOPS", "0"))
# Sign-in throttling (kamavor.accounts.throttle): after this many wrong passwords or codes for
# one account, or from one address (a busy point's desks may share one), within the window (in
# minutes), sign-ins are refused until the window has passed.
KAMAVOR_LOGIN_ACCOUNT_LIMIT = int(os.environ.get("KAMAVOR_LOGIN_ACCOUNT_LIMIT", "5"))
KAMAVOR_LOGIN_ADDRESS_LIMIT = int(os.environ.get("KAMAVOR_LOGIN_ADDRESS_LIMIT", "20"))
KAMAVOR_LOGIN_WINDOW = int(os.environ.get("KAMAVOR_LOGIN_WINDOW", "15"))
# The second factor (django-otp): the name authenticator apps show for Kamavor's codes.
OTP_TOTP_ISSUER = os.environ.get("KAMAVOR_OTP_ISSUER", "Kamavor")
# The admin may delete a member's lost authenticator, never read its secret.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# The key that encrypts `kamavor backup` files (URL-safe base64 of 32 bytes). Unset: the data
# folder's backup_key file, made at the first backup. Keep a copy apart from the backups.
KAMAVOR_BACKUP_KEY = os.environ.get("KAMAVOR_BACKUP_KEY", "")
