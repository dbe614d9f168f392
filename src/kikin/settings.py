"""Django settings for kikin.

Safe by default: these are production settings unless KIKIN_ENV says "demo" (`make demo`) or
"test" (the suite, through `kikin.test_settings`). In production DEBUG is off and cannot be
turned on, the server refuses to start without its own KIKIN_SECRET_KEY, cookies are secure and
HSTS is sent (KIKIN_HTTPS=0 only for a server that is not behind HTTPS), and
`manage.py check --deploy` is clean. Every setting an operator may change is read from an
environment variable named KIKIN_… (README, "Running in production").

The embedded SQLite database is the default so that `make demo` needs nothing installed;
set DATABASE_URL (postgres://user:password@host:port/name) to use PostgreSQL, as CI does.
"""

import datetime as dt
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}: write 1 or 0, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise ImproperlyConfigured(f"{name}: a whole number, not {value!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent
#: "production" (the default), "demo" or "test" (set by kikin.test_settings).
KIKIN_ENV = os.environ.get("KIKIN_ENV", "production")
if KIKIN_ENV not in {"production", "demo", "test"}:
    raise ImproperlyConfigured(f"KIKIN_ENV: production, demo or test, not {KIKIN_ENV!r}")
PRODUCTION = KIKIN_ENV == "production"
TESTING = KIKIN_ENV == "test"
BASE_DIR = Path(os.environ.get("KIKIN_HOME", Path.cwd()))

#: Known to everyone (it is in this file): accepted for the demo and the tests only.
INSECURE_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789"
SECRET_KEY = os.environ.get("KIKIN_SECRET_KEY", "" if PRODUCTION else INSECURE_SECRET_KEY)
if PRODUCTION and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY == INSECURE_SECRET_KEY
):
    raise ImproperlyConfigured(
        "kikin refuses to start in production without its own secret key: set KIKIN_SECRET_KEY "
        "to 50 or more random characters (python -c 'import secrets; "
        "print(secrets.token_urlsafe(50))'), or KIKIN_ENV=demo for a demonstration."
    )
DEBUG = env_bool("KIKIN_DEBUG", False)
if DEBUG and PRODUCTION:
    raise ImproperlyConfigured("KIKIN_DEBUG=1 is refused in production: it shows internals.")
ALLOWED_HOSTS = env_list(
    "KIKIN_ALLOWED_HOSTS", "127.0.0.1,localhost" + (",testserver" if TESTING else "")
)
#: Origins (https://kikin.example.jp) whose forms may post here, behind a proxy or another host.
CSRF_TRUSTED_ORIGINS = env_list("KIKIN_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the API docs' Swagger UI from this site (the CSP allows no CDN)
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "kikin.core",
    "kikin.audit",
    "kikin.accounts",
    "kikin.programs",
    "kikin.help",
    "kikin.calls",
    "kikin.review",
    "kikin.awards",
    "kikin.compute",
    "kikin.matching",
    "kikin.compliance",
    "kikin.outcomes",
    "kikin.targets",
    "kikin.budgets",
    "kikin.exports",
    "kikin.datasets",
    "kikin.jobs",
    "kikin.ops",
    "kikin.challenges",
    "kikin.publish",
    "kikin.exchange",
    "kikin.api",
    "kikin.inbox",
    "kikin.demo",
]

MIDDLEWARE = [
    "kikin.ops.middleware.RequestIdMiddleware",
    "kikin.ops.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "kikin.core.errors.SafeErrorPagesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kikin.accounts.second_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last: runs each signed-in POST once, atomically, rolled back when refused.
    "kikin.core.idempotency.FormKeyMiddleware",
]

ROOT_URLCONF = "kikin.urls"
WSGI_APPLICATION = "kikin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "kikin.inbox.context_processors.inbox",
            ],
            "builtins": [
                "kikin.core.templatetags.kikin_format",
                # {% csrf_token %} also writes the form's idempotency key (kikin.core.idempotency)
                "kikin.core.templatetags.form_keys",
            ],
        },
    }
]


def database_from_url(url: str) -> dict:
    """DATABASE_URL → Django's DATABASES entry (postgres:// or sqlite:///path)."""
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
        }
    if parsed.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(parsed.path) or ":memory:"}
    raise ValueError(
        f"DATABASE_URL: unsupported scheme {parsed.scheme!r} (use postgres:// or sqlite:///)"
    )


DATABASE_URL = os.environ.get("DATABASE_URL", "")
DATABASES = {
    "default": database_from_url(DATABASE_URL)
    if DATABASE_URL
    else {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL;",
        },
        # A file, not memory, so that the browser tests' live server threads can share it; one
        # per process, so that two test runs on one machine do not meet.
        "TEST": {"NAME": BASE_DIR / f"test-db-{os.getpid()}.sqlite3"},
    }
}

# PostgreSQL: each process borrows connections from a bounded pool (psycopg's) and gives them
# back after each request, so connections never pile up with threads. The database server is
# shared (max_connections 100 here): web processes × KIKIN_DB_POOL_MAX plus the worker's must
# stay well below it. The tests keep Django's plain persistent connections.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters are bound by the server and a statement run twice on a connection is prepared
    # there (psycopg keeps up to 100 a connection): PostgreSQL then plans the ORM's repeated
    # queries once per connection, not at every request. That halves the database's CPU for a
    # submission (4.3 → 2.1 ms; bench/deadline.py). Connections go straight to PostgreSQL (a
    # transaction-pooling PgBouncer in between would need KIKIN_DB_PREPARE_THRESHOLD=0).
    _prepare = env_int("KIKIN_DB_PREPARE_THRESHOLD", 2)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=_prepare if _prepare > 0 else None
    )
    if TESTING or env_int("KIKIN_DB_POOL_MAX", 4) <= 0:
        DATABASES["default"]["CONN_MAX_AGE"] = env_int("KIKIN_DB_CONN_MAX_AGE", 60)
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("KIKIN_DB_POOL_MIN", 1),
            "max_size": env_int("KIKIN_DB_POOL_MAX", 4),
            "timeout": env_int("KIKIN_DB_POOL_TIMEOUT", 10),
            "max_idle": 300,
        }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Accounts (issue 11): Argon2 hashing; sign-in attempts limited and logged by django-axes (five
# wrong passwords for one user name from one address lock that pair out for 15 minutes); a second
# factor (TOTP, django-otp) for the staff roles; demo accounts may skip it only in the demo.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("KIKIN_SIGNIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("KIKIN_SIGNIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "kikin.accounts.signin.username_from_request"
KIKIN_SECOND_FACTOR_ROLES = ("ministry", "agency")
KIKIN_DEMO_ACCOUNTS = os.environ.get("KIKIN_ENV", "") == "demo" or DEBUG
OTP_TOTP_ISSUER = "kikin"
# Mail (password reset, e-mail verification): SMTP where KIKIN_EMAIL_HOST is set, else printed.
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ["KIKIN_EMAIL_HOST"],
            "port": int(os.environ.get("KIKIN_EMAIL_PORT", "587")),
            "username": os.environ.get("KIKIN_EMAIL_USER", ""),
            "password": os.environ.get("KIKIN_EMAIL_PASSWORD", ""),
            "use_tls": os.environ.get("KIKIN_EMAIL_TLS", "1") == "1",
        },
    }
    if os.environ.get("KIKIN_EMAIL_HOST")
    else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
}
DEFAULT_FROM_EMAIL = os.environ.get("KIKIN_FROM_EMAIL", "kikin@localhost")
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Japanese first, with English beside. Dates and deadlines are in Japan Standard Time.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"

#: The agency that runs the fund and issues its notices (Japanese, English).
KIKIN_AGENCY_NAME = (
    os.environ.get("KIKIN_AGENCY_NAME_JA", "国立研究開発法人新エネルギー・産業技術総合開発機構"),
    os.environ.get(
        "KIKIN_AGENCY_NAME_EN",
        "New Energy and Industrial Technology Development Organization (NEDO)",
    ),
)
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = os.environ.get("KIKIN_STATIC_ROOT") or None  # set for collectstatic in production
WHITENOISE_USE_FINDERS = True
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("KIKIN_MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"
# Files (attachments, evidence, job results) go through Django's storage API: the local folder
# MEDIA_ROOT, or an S3-compatible store when KIKIN_S3_BUCKET is set (django-storages; install
# the `s3` extra), so that every app server and the worker see the same files.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if os.environ.get("KIKIN_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["KIKIN_S3_BUCKET"],
            "endpoint_url": os.environ.get("KIKIN_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("KIKIN_S3_REGION") or None,
            "access_key": os.environ.get("KIKIN_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("KIKIN_S3_SECRET_KEY") or None,
            "location": os.environ.get("KIKIN_S3_PREFIX", ""),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# Sessions in the database (cached in Redis when there is one) and the cache in Redis or the
# database: the web processes keep no state of their own, so any of them serves any request.
REDIS_URL = os.environ.get("KIKIN_REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("KIKIN_CACHE_PREFIX", "kikin"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "kikin_cache",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less hx-headers attribute
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "kikin.core.errors.csrf_failure"

# HTTPS. In production kikin is served over HTTPS (itself or behind a proxy that says so in
# KIKIN_PROXY_SSL_HEADER, e.g. X-Forwarded-Proto): cookies only over HTTPS, HSTS, and plain
# HTTP redirected. KIKIN_HTTPS=0 for a server on a private address without TLS.
HTTPS = env_bool("KIKIN_HTTPS", PRODUCTION)
if os.environ.get("KIKIN_PROXY_SSL_HEADER"):
    _header = os.environ["KIKIN_PROXY_SSL_HEADER"].strip().upper().replace("-", "_")
    SECURE_PROXY_SSL_HEADER = (f"HTTP_{_header}", "https")
USE_X_FORWARDED_HOST = env_bool("KIKIN_USE_X_FORWARDED_HOST", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("KIKIN_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # the load balancer's probe may come over plain HTTP
SECURE_HSTS_SECONDS = env_int("KIKIN_HSTS_SECONDS", 31_536_000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("KIKIN_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("KIKIN_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy: scripts from this site only (no inline script anywhere; htmx and
# kikin.js are static files); styles also inline, since the charts are inline SVG with style
# attributes; pictures from this site or data: URLs; no plug-ins, no framing, forms to here.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Request bodies: Django keeps at most this much of a form in memory, and an upload larger than
# FILE_UPLOAD_MAX_MEMORY_SIZE goes to a temporary file. A request whose declared length is over
# its path's limit is refused (413) before its body is read (kikin.ops.middleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("KIKIN_FORM_MAX_BYTES", 5 * 2**20)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 2**20
KIKIN_MAX_REQUEST_BYTES = env_int("KIKIN_MAX_REQUEST_BYTES", 25 * 2**20)
#: (path prefix, limit in bytes): the larger uploads; the first prefix that matches applies.
KIKIN_REQUEST_BYTES_BY_PATH = [
    ("/compute/pools/", env_int("KIKIN_MAX_USAGE_REPORT_BYTES", 512 * 2**20)),
]

TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# Background jobs (kikin.jobs) on Celery. The broker is RabbitMQ in production and CI
# (KIKIN_BROKER_URL, e.g. amqp://guest:guest@127.0.0.1:5672//); without one, kombu's filesystem
# transport under the data folder, which needs no service. The tests run jobs eagerly.
KIKIN_JOBS_EAGER = os.environ.get("KIKIN_JOBS_EAGER", "1" if TESTING else "0") == "1"
CELERY_BROKER_URL = os.environ.get("KIKIN_BROKER_URL") or (
    "memory://"
    if TESTING
    else "filesystem://"
    if not PRODUCTION
    else "amqp://guest:guest@127.0.0.1:5672//"
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _QUEUE_DIR = Path(os.environ.get("KIKIN_QUEUE_DIR", BASE_DIR / "queue"))
    for _sub in ("in", "processed", "control"):
        (_QUEUE_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_QUEUE_DIR / "in"),
        "data_folder_out": str(_QUEUE_DIR / "in"),
        "processed_folder": str(_QUEUE_DIR / "processed"),
        "control_folder": str(_QUEUE_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("KIKIN_QUEUE", "kikin")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {"jobs-sweep": {"task": "kikin.jobs.sweep", "schedule": 60.0}}
# Research data: the day's checksum check and embargo opening (kikin.datasets.jobs).
CELERY_BEAT_SCHEDULE["datasets-daily"] = {"task": "kikin.datasets.daily", "schedule": 86400.0}
KIKIN_JOBS_PUBLISH_RETRY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.3,
    "interval_max": 0.6,
}

# Operations: JSON logs on standard error, each line with the request id (kikin.ops); errors
# mailed to KIKIN_ADMINS (comma-separated addresses) and sent to Sentry when SENTRY_DSN is set.
ADMINS = env_list("KIKIN_ADMINS")
SERVER_EMAIL = os.environ.get("KIKIN_SERVER_EMAIL", "kikin@localhost")
DEFAULT_FROM_EMAIL = os.environ.get("KIKIN_FROM_EMAIL", SERVER_EMAIL)
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ.get("KIKIN_EMAIL_HOST", "localhost"),
            "port": env_int("KIKIN_EMAIL_PORT", 25),
            "username": os.environ.get("KIKIN_EMAIL_USER", ""),
            "password": os.environ.get("KIKIN_EMAIL_PASSWORD", ""),
            "use_tls": env_bool("KIKIN_EMAIL_TLS", False),
            "timeout": 10,
        },
    }
}
if not PRODUCTION and not os.environ.get("KIKIN_EMAIL_HOST"):
    # The demo writes its mail to files a person can open (README, "Where the demo's mail
    # goes"), one file per message; the tests use Django's locmem outbox.
    MAILERS["default"] = {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": os.environ.get("KIKIN_MAIL_DIR", str(BASE_DIR / "var" / "mail"))},
    }
#: The site's address, for the links in mail (notifications are mailed by the worker, which has
#: no request to ask).
KIKIN_SITE_URL = os.environ.get("KIKIN_SITE_URL", "" if PRODUCTION else "http://127.0.0.1:8000")
#: The demo's accounts have no e-mail address: their notifications are mailed to
#: <user name>@this domain (into the mail folder above). Empty in production: no address, no mail.
KIKIN_MAIL_FALLBACK_DOMAIN = os.environ.get(
    "KIKIN_MAIL_FALLBACK_DOMAIN", "demo.invalid" if KIKIN_ENV == "demo" else ""
)
KIKIN_LOG_FORMAT = os.environ.get("KIKIN_LOG_FORMAT", "json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "kikin.ops.logs.RequestIdFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "json": {"()": "kikin.ops.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": KIKIN_LOG_FORMAT,
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("KIKIN_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"handlers": ["mail_admins"], "level": "ERROR"},
        "kikin.jobs": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.db.backends": {"level": "WARNING"},
    },
}
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    from kikin.ops.logs import init_sentry

    init_sentry(SENTRY_DSN, environment=KIKIN_ENV)
