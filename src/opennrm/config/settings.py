"""OpenNRM settings, read from the environment with strict parsing.

See docs/operator-guide.md for every variable. With nothing set, a local development instance
works: SQLite under ``var/`` and secrets generated once into ``var/secrets.json`` (mode 0600).
``OPENNRM_ENV=production`` refuses to start with DEBUG on, generated secrets or missing hosts.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from opennrm.config.env import (
    EnvError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    local_secrets,
    parse_data_keys,
    parse_index_key,
)

ENV = os.environ
PACKAGE_DIR = Path(__file__).resolve().parent.parent
_checkout = PACKAGE_DIR.parent.parent
PROJECT_DIR = _checkout if (_checkout / "pyproject.toml").exists() else Path.cwd()
VAR_DIR = Path(ENV.get("OPENNRM_VAR_DIR", str(PROJECT_DIR / "var"))).resolve()

OPENNRM_ENV = env_choice(ENV, "OPENNRM_ENV", "development", {"development", "production"})
PRODUCTION = OPENNRM_ENV == "production"
DEBUG = env_bool(ENV, "OPENNRM_DEBUG", False)
OPENNRM_DEMO = env_bool(ENV, "OPENNRM_DEMO", False)

# --- secrets ----------------------------------------------------------------------------------
_given = {
    "secret_key": ENV.get("OPENNRM_SECRET_KEY"),
    "data_keys": ENV.get("OPENNRM_DATA_KEYS"),
    "index_key": ENV.get("OPENNRM_INDEX_KEY"),
}
if PRODUCTION:
    _absent = [f"OPENNRM_{k.upper()}" for k, v in _given.items() if not v]
    if DEBUG:
        raise EnvError("OPENNRM_DEBUG must be off when OPENNRM_ENV=production")
    if _absent:
        raise EnvError(f"production needs {', '.join(_absent)} set (generated secrets refused)")
    if OPENNRM_DEMO:
        raise EnvError("OPENNRM_DEMO must be off when OPENNRM_ENV=production")
    _secrets = {k: v for k, v in _given.items() if v}
else:
    _generated = local_secrets(VAR_DIR) if not all(_given.values()) else {}
    _secrets = {k: (v or _generated[k]) for k, v in _given.items()}

SECRET_KEY = _secrets["secret_key"]
if len(SECRET_KEY) < 40 or SECRET_KEY.startswith("django-insecure"):
    raise EnvError("OPENNRM_SECRET_KEY must be at least 40 characters and not a default")
# Data-encryption keys (AES-256-GCM); the first encrypts, all decrypt. See docs/decisions/0002.
OPENNRM_DATA_KEYS = parse_data_keys("OPENNRM_DATA_KEYS", _secrets["data_keys"])
OPENNRM_DATA_KEYS_FROM_ENV = bool(_given["data_keys"])
# Key of the keyed blind indexes (HMAC-SHA256); separate from the data keys.
OPENNRM_INDEX_KEY = parse_index_key("OPENNRM_INDEX_KEY", _secrets["index_key"])

# --- hosts and HTTPS --------------------------------------------------------------------------
ALLOWED_HOSTS = env_list(ENV, "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise EnvError("production needs ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list(ENV, "CSRF_TRUSTED_ORIGINS", [])
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("https://", "http://")):
        raise EnvError(f"CSRF_TRUSTED_ORIGINS entries need a scheme: {_origin!r}")
# The public address of this instance, used in links sent by e-mail (never the Host header).
OPENNRM_BASE_URL = ENV.get("OPENNRM_BASE_URL", "" if PRODUCTION else "http://127.0.0.1:8000")
if not OPENNRM_BASE_URL.startswith(("https://", "http://")):
    raise EnvError("OPENNRM_BASE_URL must be set to an http(s):// address (required in production)")
OPENNRM_BASE_URL = OPENNRM_BASE_URL.rstrip("/") + "/"
OPENNRM_TRUSTED_PROXIES = env_int(ENV, "OPENNRM_TRUSTED_PROXIES", 0)
if OPENNRM_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
_https = env_bool(ENV, "OPENNRM_HTTPS", PRODUCTION)
if PRODUCTION and not _https:
    raise EnvError("OPENNRM_HTTPS cannot be off in production (secure cookies, HSTS, redirect)")
SECURE_SSL_REDIRECT = _https
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_HSTS_SECONDS = 31536000 if _https else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- sessions and cookies ---------------------------------------------------------------------
OPENNRM_SESSION_IDLE_MINUTES = env_int(ENV, "OPENNRM_SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_COOKIE_AGE = OPENNRM_SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True  # sliding expiry: the age counts from the last request
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "opennrm_session"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_NAME = "opennrm_csrf"
CSRF_FAILURE_VIEW = "opennrm.views.csrf_failure"

# --- applications -----------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_htmx",
    "opennrm.core",
    "opennrm.directory",
    "opennrm.sharing",
    "opennrm.intake",
    "opennrm.referrals",
    "opennrm.cases",
    "opennrm.plans",
    "opennrm",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "opennrm.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "opennrm.directory.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "opennrm.config.urls"
WSGI_APPLICATION = "opennrm.config.wsgi.application"
AUTH_USER_MODEL = "directory.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "opennrm.directory.context_processors.navigation",
                "opennrm.core.context_processors.languages",
            ],
        },
    }
]

# --- database ---------------------------------------------------------------------------------
_default_db = f"sqlite:///{VAR_DIR / 'opennrm.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(ENV.get("DATABASE_URL", _default_db))}
except ValueError as exc:  # dj-database-url raises ValueError on an unknown scheme
    raise EnvError(f"DATABASE_URL is not a supported database URL: {exc}") from exc
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # Writers queue instead of failing, and a transaction takes the write lock when it
        # starts, which keeps the audit hash chain strictly serial (docs/decisions/0002).
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
elif DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise EnvError("DATABASE_URL must point to SQLite or PostgreSQL")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- authentication ---------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "opennrm.directory.backends.OrganisationRoleBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = env_int(ENV, "OPENNRM_LOCKOUT_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int(ENV, "OPENNRM_LOCKOUT_MINUTES", 30, minimum=1))
# An account locks after N failures from anywhere; an address locks after N failures on any
# accounts (password spraying).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# A lock-out ends a fixed time after it began: further attempts during it do not extend it, so
# nobody who knows a username can keep its owner locked out indefinitely.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "opennrm.core.context.client_ip_of"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
OTP_TOTP_ISSUER = ENV.get("OPENNRM_TOTP_ISSUER", "OpenNRM")

# --- rule files (jurisdictions, indicator catalogues) and the public report channel --------------
OPENNRM_RULES_DIR = Path(ENV.get("OPENNRM_RULES_DIR", str(PACKAGE_DIR / "jurisdictions")))
# Anonymous public reports: reports and follow-up attempts per client per hour. The client is
# recognised by a keyed hash of its address, held only in the cache for the hour.
OPENNRM_PUBLIC_REPORTS_PER_HOUR = env_int(ENV, "OPENNRM_PUBLIC_REPORTS_PER_HOUR", 5, minimum=1)
OPENNRM_PUBLIC_FOLLOWUPS_PER_HOUR = env_int(ENV, "OPENNRM_PUBLIC_FOLLOWUPS_PER_HOUR", 10, minimum=1)
# Rejected API tokens audited per client per hour (beyond it one marker event, then none).
OPENNRM_REJECTED_TOKENS_AUDITED_PER_HOUR = env_int(
    ENV, "OPENNRM_REJECTED_TOKENS_AUDITED_PER_HOUR", 20, minimum=1
)
_cache_url = ENV.get("OPENNRM_CACHE_URL", "")
if _cache_url and not _cache_url.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured("OPENNRM_CACHE_URL must be a redis:// or rediss:// URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
        if _cache_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "opennrm"}
    )
}

# --- content security policy (django-csp 4) ---------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
# Staff pages are translated into STAFF_LANGUAGES; the public report pages (no login) also into
# Romanian and Bulgarian, the languages of many victims in the Netherlands and Belgium.
STAFF_LANGUAGES = ["en", "nl", "fr"]
PUBLIC_LANGUAGES = ["en", "nl", "fr", "ro", "bg"]
LANGUAGES = [
    ("en", _("English")),
    ("nl", _("Dutch")),
    ("fr", _("French")),
    ("ro", _("Romanian")),
    ("bg", _("Bulgarian")),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "opennrm_language"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = _https
USE_I18N = True
TIME_ZONE = ENV.get("OPENNRM_TIME_ZONE", "Europe/Amsterdam")
USE_TZ = True

# --- static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = not PRODUCTION

# --- e-mail -----------------------------------------------------------------------------------
EMAIL_HOST = ENV.get("OPENNRM_EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int(ENV, "OPENNRM_EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = ENV.get("OPENNRM_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = ENV.get("OPENNRM_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool(ENV, "OPENNRM_EMAIL_TLS", True)
elif PRODUCTION:
    raise EnvError("production needs OPENNRM_EMAIL_HOST")
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = ENV.get("OPENNRM_DEFAULT_FROM_EMAIL", "opennrm@localhost")

# --- logging: never personal data -------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": ENV.get("OPENNRM_LOG_LEVEL", "INFO")},
    "loggers": {
        # Query logging would write decrypted parameters; never enable it.
        "django.db.backends": {"level": "WARNING", "propagate": True},
        "axes": {"level": "WARNING", "propagate": True},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 200
