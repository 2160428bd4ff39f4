"""Settings shared by every environment. Everything that varies comes from the environment.

The embedded default (no variables set) is: SQLite app database under DATACHAT_DATA_DIR,
local-memory cache, eager Celery, local Chroma, the offline engine. Production sets DATABASE_URL,
REDIS_URL and friends (see .env.example).
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DATA_DIR = Path(env.str("DATACHAT_DATA_DIR", default=str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

# Secrets have no usable default here: local.py and test.py fill in development values, and
# production.py refuses to start without them (docs/deploy.md).
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Keys for encrypting data-source locations at rest: a comma-separated list, the first encrypts,
# every one decrypts (`manage.py rotate_field_key` re-encrypts with the first). Empty in local and
# test settings means "derive one from SECRET_KEY" so the embedded demo needs no setup.
DATACHAT_FIELD_KEY = env.str("DATACHAT_FIELD_KEY", default="")

# /health and /ready give details (per dependency) only to staff sessions, staff API tokens or
# this bearer token; /metrics requires its own bearer token when one is set.
DATACHAT_HEALTH_TOKEN = env.str("DATACHAT_HEALTH_TOKEN", default="")
DATACHAT_METRICS_TOKEN = env.str("DATACHAT_METRICS_TOKEN", default="")

# Database servers a data source may point at (`host` or `host:port`, comma-separated). Empty:
# none, only SQLite files under DATACHAT_DATA_DIR/sources/<org>/ (docs/security.md).
DATACHAT_SOURCE_HOSTS = env.list("DATACHAT_SOURCE_HOSTS", default=[])

# The audit chain's HMAC key(s), kept out of the database: `kid:secret,kid:secret,…` (the first
# signs, all verify: rotate by putting a new key first) or one secret (key id `k1`). Local and
# test settings derive a `dev` key from SECRET_KEY; production refuses to start without one.
DATACHAT_AUDIT_KEY = env.str("DATACHAT_AUDIT_KEY", default="")
# Signed audit checkpoints (append-only JSONL), outside the app database: put it on other storage.
DATACHAT_AUDIT_CHECKPOINT_DIR = Path(
    env.str("DATACHAT_AUDIT_CHECKPOINT_DIR", default=str(DATA_DIR / "audit-checkpoints"))
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_htmx",
    "csp",
    "apps.governance",
    "apps.knowledge",
    "apps.chat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (vendored htmx, plotly.js, CSS) served by the app itself, compressed and
    # cached, in the demo and in production alike: no CDN and no separate web server needed.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "datachat.middleware.SpanishByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # NUL characters, JSON nested too deep, bodies over the size limit: 400 `bad_input`.
    "datachat.middleware.BadInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.governance.middleware.TenantMiddleware",
    "apps.governance.middleware.RefusalAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so it sees every view's response (static files are served above, by WhiteNoise).
    "datachat.middleware.NoStoreMiddleware",
]

# Content-Security-Policy (django-csp 4 format), in every environment so a developer meets a
# violation before production does. No inline script anywhere: templates load static files and
# pass data through `json_script` blocks (type application/json, which are not executed).
# style-src allows inline styles because plotly.js and htmx insert <style> elements and style
# attributes at run time; plotly.js needs no eval for the chart types the product draws.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        # data:/blob: for the favicon and plotly's "download as PNG" (an SVG rendered via <img>).
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# The usual 403 page, with the failure recorded in the audit log.
CSRF_FAILURE_VIEW = "datachat.errors.csrf_failure"

ROOT_URLCONF = "datachat.urls"
WSGI_APPLICATION = "datachat.wsgi.application"

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
                "apps.chat.context_processors.review_queue",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'datachat.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout: the dev server, Celery eager tasks and commands share one file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "datachat",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # A cache fault is a miss, never an error (DESIGN: caching).
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "datachat",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user object

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/chat/last/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "es"
LANGUAGES = [("es", "Español"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("DATACHAT_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["datachat.formats"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"  # `collectstatic` target in production
STATIC_ROOT.mkdir(exist_ok=True)
# Without `collectstatic` (a developer's checkout), serve straight from static/ and the apps.
WHITENOISE_USE_FINDERS = env.bool("DATACHAT_STATIC_FROM_SOURCE", default=True)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("DATACHAT_API_RATE", default="600/min"),
        # Per-user scopes of the expensive endpoints (apps/governance/api_access.py).
        "chat": env.str("DATACHAT_API_CHAT_RATE", default="30/min"),
        "query": env.str("DATACHAT_API_QUERY_RATE", default="30/min"),
        "export": env.str("DATACHAT_API_EXPORT_RATE", default="10/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DataChat API",
    "DESCRIPTION": "Ask questions about your company's data; every answer is governed and audited.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # The errors every operation can answer (middleware, auth, throttles, pagination).
        "apps.governance.api_access.document_common_errors",
    ],
}

# Celery: eager in-process unless a broker is configured. The in-memory broker names a host so
# that kombu does not warn "No hostname was supplied" on every eager task (the seed runs many).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://localhost/")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or "cache+memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 150
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Without a broker there is no beat: the anomalies page runs the hourly detection itself when the
# last run is older than an hour (idempotent per window). Off when beat runs it (REDIS_URL set).
DATACHAT_ANOMALIES_ON_PAGE = env.bool("DATACHAT_ANOMALIES_ON_PAGE", default=not REDIS_URL)
CELERY_BEAT_SCHEDULE = {
    "anomalies-hourly": {
        "task": "apps.governance.tasks.anomalies_detect_task",
        "schedule": 3600.0,
    },
    # Refused requests counted per minute become chained entries once their minute is over.
    "audit-refusals-every-minute": {
        "task": "apps.governance.tasks.audit_refusals_flush_task",
        "schedule": 60.0,
    },
    # A signed checkpoint of every chain's head, outside the database (and in the log).
    "audit-checkpoint": {
        "task": "apps.governance.tasks.audit_checkpoint_task",
        "schedule": env.float("DATACHAT_AUDIT_CHECKPOINT_SECONDS", default=900.0),
    },
}

# The assistant.
DATACHAT = {
    "LLM": env.str(
        "DATACHAT_LLM", default="openai" if env.str("OPENAI_API_KEY", default="") else "offline"
    ),
    "LLM_MODEL": env.str("DATACHAT_LLM_MODEL", default="gpt-4o-mini"),
    "EMBEDDINGS": env.str("DATACHAT_EMBEDDINGS", default="local"),
    "CHROMA_URL": env.str("DATACHAT_CHROMA_URL", default=""),
    "QUESTION_MAX_CHARS": env.int("DATACHAT_QUESTION_MAX_CHARS", default=2000),
    # PostgreSQL policy roles are named <prefix><org>_<role> (docs/security.md): a prefix per
    # installation keeps two installs that share a database cluster apart.
    "PG_ROLE_PREFIX": env.str("DATACHAT_PG_ROLE_PREFIX", default="dc_"),
    # Cache lifetimes (seconds): DESIGN.md "Caching".
    "CACHE_TTL": {"intent": 3600, "sql": 86400, "result": 300, "rag": 7 * 86400},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DATACHAT_LOG_LEVEL", default="WARNING")},
    # Audit checkpoints go to the log stream whatever the root level: a copy outside the host.
    "loggers": {"datachat.audit": {"level": "INFO"}},
}
