"""Settings for gridguard, driven by environment variables (see README)."""

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from gridguard.env import envbool, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("GRIDGUARD_VAR_DIR", str(BASE_DIR / "var")))
# The folder of the SQLite database, the task queue, the cache, uploads and exports: made here, so
# that the first `manage.py migrate` of a fresh clone finds it.
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = envbool("DEBUG", False)
SECRET_KEY = envstr("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not envbool("GRIDGUARD_INSECURE_DEV_KEY", True):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    SECRET_KEY = "dev-only-insecure-key-change-me"  # noqa: S105 - development default

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "treebeard",
    "axes",
    "ninja",  # its templates and static files: /api/docs serves Swagger UI from the package, no CDN
    "huey.contrib.djhuey",
    "gridguard.core",
    "gridguard.accounts",
    "gridguard.grids",
    "gridguard.people",
    "gridguard.imports",
    "gridguard.control",
    "gridguard.screening",
    "gridguard.demo",  # the top of the house: runs every capability's demo step
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "gridguard.core.middleware.ApiJsonErrorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gridguard.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "gridguard.core.middleware.ApplicationErrorMiddleware",
]

ROOT_URLCONF = "gridguard.urls"
WSGI_APPLICATION = "gridguard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "gridguard" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "gridguard.core.context_processors.scope",
            ],
            # the project's filters in every template: {% if scope|can:"people.reveal" %}, mask_id, …
            "builtins": ["gridguard.core.templatetags.gridguard"],
        },
    },
]

# Databases: SQLite (WAL) by default, PostgreSQL with DATABASE_URL=postgres://...
_default_sqlite = f"sqlite:///{VAR_DIR / 'gridguard.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", _default_sqlite),
        conn_max_age=envint("CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Persistent connections are unsafe across threads for SQLite, but the dev
    # server and gunicorn-style workers each keep their own connection.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=268435456;"
        ),
    }
    DATABASES["default"]["TEST"] = (
        {"NAME": envstr("GRIDGUARD_TEST_SQLITE", "")} if envstr("GRIDGUARD_TEST_SQLITE", "") else {}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling (django-axes): a user name from one address is locked after AXES_FAILURE_LIMIT
# failures, and an address after AXES_IP_FAILURE_LIMIT failures whatever the names (guessing across
# many accounts); each for AXES_COOLOFF_MINUTES. The address is REMOTE_ADDR, or behind
# TRUSTED_PROXY_COUNT reverse proxies the client's entry in X-Forwarded-For.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_IP_FAILURE_LIMIT = envint("AXES_IP_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "gridguard.accounts.lockout.AxesHandler"
AXES_CLIENT_IP_CALLABLE = "gridguard.accounts.lockout.client_ip_address"
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "gridguard" / "locale"]
TIME_ZONE = envstr("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "gridguard" / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
]
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# HTTPS (HTTPS=1, or SECURE_COOKIES=1 as before): cookies only over HTTPS, and HSTS tells browsers to
# use nothing else for SECURE_HSTS_SECONDS (a year by default; 0 sends none). Behind a reverse proxy
# that ends TLS, SECURE_PROXY_SSL_HEADER names the header by which it says so ("X-Forwarded-Proto"):
# set it only when the proxy always sets (or strips) that header, else a client could claim HTTPS.
HTTPS = envbool("HTTPS", False) or envbool("SECURE_COOKIES", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
_proxy_ssl_header = envstr("SECURE_PROXY_SSL_HEADER", "")
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp) on every answer: scripts, styles, images and fonts from this
# site only — no inline script or style, no eval (htmx is configured in base.html not to need them).
# QR codes are inline SVG; images may also be data: URIs (Swagger UI's stylesheet draws its icons so).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Task queue (huey). Embedded default: a SQLite file beside the database, so the
# worker runs next to the web server with no extra service. HUEY_REDIS_URL
# switches to Redis for several hosts.
HUEY_IMMEDIATE = envbool("HUEY_IMMEDIATE", False)
_redis_url = envstr("HUEY_REDIS_URL", "")
if _redis_url:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "gridguard",
        "url": _redis_url,
        "immediate": HUEY_IMMEDIATE,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "gridguard",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
    }

# Cache: shared by every web process (the public pages' rate limits count per IP across them).
_cache_redis = envstr("CACHE_REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_redis}
        if _cache_redis
        else {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache")}
    )
}
RATELIMIT_VIEW = "gridguard.core.views.rate_limited"
# Public pages (arrival self-report, personal temperature link): requests per IP.
PUBLIC_POST_RATE = envstr("PUBLIC_POST_RATE", "10/m")
PUBLIC_GET_RATE = envstr("PUBLIC_GET_RATE", "60/m")

# Imports: files waiting for the worker live here.
IMPORT_DIR = VAR_DIR / "imports"
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 64 * 1024 * 1024)
# A sheet is checked before it is read (the reader holds it whole, A1 to its last cell): at most
# IMPORT_MAX_ROWS rows (header and title rows included), IMPORT_MAX_COLUMNS columns and
# IMPORT_MAX_CELLS cells; an .xlsx unzips to at most IMPORT_MAX_UNZIPPED_BYTES.
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", 200_000)
IMPORT_MAX_COLUMNS = envint("IMPORT_MAX_COLUMNS", 200)
IMPORT_MAX_CELLS = envint("IMPORT_MAX_CELLS", 20_000_000)
IMPORT_MAX_UNZIPPED_BYTES = envint("IMPORT_MAX_UNZIPPED_BYTES", 1024 * 1024 * 1024)
# An import or export job queued or running with no progress for this long is failed by a periodic
# sweep (its worker died) and its files are deleted.
IMPORT_STALE_MINUTES = envint("IMPORT_STALE_MINUTES", 30)
# Full-number look-ups (查号): a role that may not reveal identity numbers and phones may search by a
# full number (or a phone's last 4, an identity number's last 6) LOOKUP_LIMIT_PER_HOUR different
# times an hour; each is in the audit log, and a refusal past the limit is flagged to the officials.
LOOKUP_LIMIT_PER_HOUR = envint("LOOKUP_LIMIT_PER_HOUR", 20)
# Exports: a list of up to EXPORT_SYNC_ROWS rows downloads at once; a longer one is written by the
# worker into EXPORT_DIR and kept for EXPORT_KEEP_HOURS (the files hold personal data).
EXPORT_DIR = VAR_DIR / "exports"
EXPORT_SYNC_ROWS = envint("EXPORT_SYNC_ROWS", 5000)
EXPORT_KEEP_HOURS = envint("EXPORT_KEEP_HOURS", 72)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

PAGE_SIZE = envint("PAGE_SIZE", 50)
NINJA_PAGINATION_PER_PAGE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
}

SITE_TITLE = _("网格化疫情防控管理平台")
