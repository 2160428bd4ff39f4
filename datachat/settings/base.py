"""Settings shared by every environment. Everything that varies comes from the environment.

The embedded default (no variables set) is: SQLite app database under DATACHAT_DATA_DIR,
local-memory cache, eager Celery, local Chroma, the offline engine. Production sets DATABASE_URL,
REDIS_URL and friends (see .env.example).
"""

import datetime as dt
import os
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from redis.backoff import NoBackoff
from redis.retry import Retry

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
# /health with a broker: how long to wait for a worker's ping, how many queued tasks are too many.
DATACHAT_HEALTH_PING_SECONDS = env.float("DATACHAT_HEALTH_PING_SECONDS", default=1.0)
# A worker that answered is taken as alive this long (a ping parks a web worker for its timeout).
DATACHAT_HEALTH_WORKERS_CACHE_SECONDS = env.float(
    "DATACHAT_HEALTH_WORKERS_CACHE_SECONDS", default=10.0
)
DATACHAT_HEALTH_MAX_QUEUE = env.int("DATACHAT_HEALTH_MAX_QUEUE", default=1000)
# /health runs its checks at most this often per process (seconds; 0: on every call) and answers
# from the last run in between: probes and load balancers call it many times a second.
DATACHAT_HEALTH_CACHE_SECONDS = env.float("DATACHAT_HEALTH_CACHE_SECONDS", default=2.0)

# Database servers a data source may point at (`host` or `host:port`, comma-separated). Empty:
# none, only SQLite files under DATACHAT_DATA_DIR/sources/<org>/ (docs/security.md).
DATACHAT_SOURCE_HOSTS = env.list("DATACHAT_SOURCE_HOSTS", default=[])
# Connecting a data source (docs/your-own-data.md): the largest SQLite file an upload may be, in
# MB, and the schema size (tables) introspected inline; a larger one goes to a Celery task.
DATACHAT_UPLOAD_MAX_MB = env.int("DATACHAT_UPLOAD_MAX_MB", default=200)
DATACHAT_CONNECT_INLINE_TABLES = env.int("DATACHAT_CONNECT_INLINE_TABLES", default=50)
# A SQLite source's introspection (connect, "Refresh schema") stops after this many seconds: a
# view in an uploaded file is its author's SQL and can be made never to finish.
DATACHAT_INTROSPECTION_TIMEOUT_S = env.float("DATACHAT_INTROSPECTION_TIMEOUT_S", default=120.0)
# Spreadsheet uploads (CSV, Excel, Parquet into the org's DuckDB file): the largest file in MB,
# the most rows and columns, and the size (MB) up to which a file is ingested inside the request
# (a larger one goes to a Celery task with progress, when a worker is configured).
DATACHAT_SPREADSHEET_MAX_MB = env.int("DATACHAT_SPREADSHEET_MAX_MB", default=50)
DATACHAT_SPREADSHEET_MAX_ROWS = env.int("DATACHAT_SPREADSHEET_MAX_ROWS", default=1_000_000)
DATACHAT_SPREADSHEET_MAX_COLUMNS = env.int("DATACHAT_SPREADSHEET_MAX_COLUMNS", default=500)
DATACHAT_SPREADSHEET_INLINE_MB = env.int("DATACHAT_SPREADSHEET_INLINE_MB", default=5)

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
    # Hashed, expiring API tokens (the model is governance.ApiToken, KNOX_TOKEN_MODEL below).
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_htmx",
    "csp",
    # Login throttling and lockout; last of the libraries so its signal handlers see every login.
    "axes",
    "apps.governance",
    "apps.knowledge",
    "apps.chat",
]

MIDDLEWARE = [
    # First: a request id on every log line of the request and in the X-Request-ID header.
    "datachat.logs.RequestIdMiddleware",
    # Requests counted by method and status, timed by route (/metrics).
    "datachat.observability.MetricsMiddleware",
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
    # A view failing on an unreachable app database answers 503 + Retry-After (handler500 does
    # the same for failures in the middleware above).
    "datachat.middleware.DatabaseUnavailableMiddleware",
    # Innermost: turns a login refused by axes (AxesStandaloneBackend below) into the lockout
    # page, which the middleware above then sees like any other response.
    "axes.middleware.AxesMiddleware",
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
        # synchronous=NORMAL is SQLite's recommended pairing with WAL: no corruption and no
        # lost commit on a crash of the process; only an OS crash or power cut may drop the
        # last transactions (FULL fsyncs on every commit: most of a cached answer's cost).
        # Production runs on PostgreSQL (docs/deploy.md).
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
# Persistent connections (a new connection per request costs a round trip and a backend process),
# checked before reuse so a connection the server dropped is replaced, not failed on.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATACHAT_DB_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # No statement on the app database runs longer than this (milliseconds; 0: no limit), and a
    # connection attempt gives up quickly so an outage answers 503 at once (docs/deploy.md).
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _statement_ms = env.int("DATACHAT_DB_STATEMENT_TIMEOUT_MS", default=30000)
    if _statement_ms:
        _options["options"] = (
            _options.get("options", "") + f" -c statement_timeout={_statement_ms}"
        ).strip()
    _options.setdefault("connect_timeout", env.int("DATACHAT_DB_CONNECT_TIMEOUT", default=3))
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
                # A Redis outage costs each call at most one short timeout: no retries (redis-py
                # would otherwise retry with backoff), health-checked pooled connections.
                "SOCKET_CONNECT_TIMEOUT": env.float("DATACHAT_REDIS_TIMEOUT", default=0.5),
                "SOCKET_TIMEOUT": env.float("DATACHAT_REDIS_TIMEOUT", default=0.5),
                "CONNECTION_POOL_KWARGS": {
                    "retry": Retry(NoBackoff(), 0),
                    "health_check_interval": 30,
                },
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "datachat",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
DJANGO_REDIS_IGNORE_EXCEPTIONS = True
# A fault django-redis ignores is logged, thinned to one line per kind per minute (LOGGING).
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "datachat.cache"
# Sessions live in the app database, with the cache in front: a cache outage costs a database
# read per request, never a logout (a session written meanwhile is in the database).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Seconds a client is asked to wait (Retry-After) when the app database is unreachable.
DATACHAT_DB_RETRY_AFTER = env.int("DATACHAT_DB_RETRY_AFTER", default=10)

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out client before any password is checked (docs/security.md).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user object

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/accounts/login/"

# --- Login throttling (django-axes) -----------------------------------------------------------
# After DATACHAT_LOGIN_FAILURE_LIMIT failed logins of one username from one address, that pair is
# locked out (the login page and the admin's answer 429) for DATACHAT_LOGIN_COOLOFF_MINUTES; a
# failed attempt during the lockout starts the cool-off again. Failures are recorded in the
# database (axes' AccessAttempt and AccessFailureLog, in the admin); a successful login resets
# the count. DATACHAT_LOGIN_LOCKOUT_BY chooses what is counted: "username+ip_address" (default),
# or a comma-separated list of such groups, any of which locks (e.g.
# "username+ip_address,ip_address" also stops one address trying many usernames).
AXES_ENABLED = env.bool("DATACHAT_LOGIN_THROTTLING", default=True)
AXES_FAILURE_LIMIT = env.int("DATACHAT_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.float("DATACHAT_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [
    [part.strip() for part in group.split("+") if part.strip()]
    for group in env.str("DATACHAT_LOGIN_LOCKOUT_BY", default="username+ip_address").split(",")
    if group.strip()
]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "apps.governance.logins.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "apps.governance.logins.client_ip_address"
# Reverse proxies in front of the app that append to X-Forwarded-For (0: use REMOTE_ADDR).
DATACHAT_TRUSTED_PROXIES = env.int("DATACHAT_TRUSTED_PROXIES", default=0)
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
# `collectstatic` target in production; the container image collects into its own directory
# (DATACHAT_STATIC_ROOT) so a data volume mounted over DATACHAT_DATA_DIR does not hide the files.
STATIC_ROOT = Path(env.str("DATACHAT_STATIC_ROOT", default=str(DATA_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Without `collectstatic` (a developer's checkout), serve straight from static/ and the apps.
WHITENOISE_USE_FINDERS = env.bool("DATACHAT_STATIC_FROM_SOURCE", default=True)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "apps.governance.api_tokens.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # One rate-limit mechanism for the API and the pages (apps/governance/ratelimit.py).
    "DEFAULT_THROTTLE_CLASSES": ["apps.governance.ratelimit.UserRateLimit"],
    # Per user, per scope; the pages (chat, SQL re-run, exports) count against the same scopes.
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("DATACHAT_API_RATE", default="600/min"),
        # Per-user scopes of the expensive endpoints (apps/governance/api_access.py).
        "chat": env.str("DATACHAT_API_CHAT_RATE", default="30/min"),
        "query": env.str("DATACHAT_API_QUERY_RATE", default="30/min"),
        "export": env.str("DATACHAT_API_EXPORT_RATE", default="10/min"),
    },
}
# Per organization, in addition to each user's rate: all of an org's members together. An
# organization may override these in the admin (Organization.rate_limits).
# When Redis fails, rate limits run on each process's own memory (`local`) or refuse (`closed`).
DATACHAT_RATE_LIMIT_FALLBACK = env.str("DATACHAT_RATE_LIMIT_FALLBACK", default="local")
DATACHAT_ORG_RATES = {
    "chat": env.str("DATACHAT_ORG_CHAT_RATE", default="300/min"),
    "query": env.str("DATACHAT_ORG_QUERY_RATE", default="300/min"),
    "export": env.str("DATACHAT_ORG_EXPORT_RATE", default="60/min"),
}

# --- API tokens (django-rest-knox) ------------------------------------------------------------
# Only a SHA-512 digest of each token is stored; the key is shown once, when it is created.
KNOX_TOKEN_MODEL = "governance.ApiToken"
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(days=env.int("DATACHAT_API_TOKEN_DAYS", default=90)),
    "TOKEN_LIMIT_PER_USER": env.int("DATACHAT_API_TOKEN_LIMIT", default=20),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
# The longest lifetime a user may choose for a token (days).
DATACHAT_API_TOKEN_MAX_DAYS = env.int("DATACHAT_API_TOKEN_MAX_DAYS", default=365)
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
# A task whose worker died (killed, OOM) goes back to the queue, not to the failed results.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A task taken by a worker that died is handed out again after this many seconds (Redis broker):
# longer than the longest task (the hard time limit below), far shorter than the default hour.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("DATACHAT_BROKER_VISIBILITY_TIMEOUT", default=300),
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
}
# A result store that is down costs a publisher two quick tries, not Celery's 20 reconnects.
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 5
# Enqueueing with the broker down fails after a few quick tries: the outbox keeps the work.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 150
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# The index outbox (apps/knowledge/outbox.py): how often beat re-enqueues pending rows, and how
# long after its last enqueue a pending row is sent again.
DATACHAT_OUTBOX_SECONDS = env.float("DATACHAT_OUTBOX_SECONDS", default=30.0)
DATACHAT_OUTBOX_REDELIVER_SECONDS = env.float("DATACHAT_OUTBOX_REDELIVER_SECONDS", default=120.0)
# Beat's record of when each task last ran, with the rest of the local state (not the cwd, which
# a container's non-root user cannot write).
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Without a broker there is no beat: the anomalies page runs the hourly detection itself when the
# last run is older than an hour (idempotent per window). Off when beat runs it (REDIS_URL set).
DATACHAT_ANOMALIES_ON_PAGE = env.bool("DATACHAT_ANOMALIES_ON_PAGE", default=not REDIS_URL)
CELERY_BEAT_SCHEDULE = {
    "index-outbox": {
        "task": "apps.knowledge.tasks.index_outbox_flush_task",
        "schedule": DATACHAT_OUTBOX_SECONDS,
    },
    "anomalies-hourly": {
        "task": "apps.governance.tasks.anomalies_detect_task",
        "schedule": 3600.0,
    },
    # Refused requests counted per minute become chained entries once their minute is over.
    "audit-refusals-every-minute": {
        "task": "apps.governance.tasks.audit_refusals_flush_task",
        "schedule": 60.0,
    },
    # Every audit chain verified; the outcome is a gauge on /metrics (an alert when it fails).
    "audit-verify": {
        "task": "apps.governance.tasks.audit_verify_task",
        "schedule": env.float("DATACHAT_AUDIT_VERIFY_SECONDS", default=3600.0),
    },
    # A signed checkpoint of every chain's head, outside the database (and in the log).
    "audit-checkpoint": {
        "task": "apps.governance.tasks.audit_checkpoint_task",
        "schedule": env.float("DATACHAT_AUDIT_CHECKPOINT_SECONDS", default=900.0),
    },
}

# The assistant. The LLM endpoint is configured by the operator's environment variables
# (docs/deploy.md lists each); they are read here, once, and parsed and checked by
# `datachat.providers.llm.LLMConfig.from_env` (a malformed one answers offline, logged).
LLM_VARIABLES = (
    "DATACHAT_LLM",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "DATACHAT_LLM_MODEL",
    "DATACHAT_LLM_MODEL_INTENT",
    "DATACHAT_LLM_MODEL_SQL",
    "DATACHAT_LLM_MODEL_ANSWER",
    "DATACHAT_LLM_TIMEOUT",
    "DATACHAT_LLM_MAX_RETRIES",
    "DATACHAT_LLM_BREAKER_FAILURES",
    "DATACHAT_LLM_BREAKER_COOLDOWN",
    "DATACHAT_LLM_REQUEST_BUDGET",
    "DATACHAT_LLM_TEMPERATURE",
    "DATACHAT_LLM_MAX_TOKENS",
    "DATACHAT_LLM_PRICES",
)
DATACHAT = {
    "LLM": {name: os.environ[name] for name in LLM_VARIABLES if os.environ.get(name)},
    # local (the built-in hashing embedder, offline) or openai (the LLM endpoint's key and URL).
    "EMBEDDINGS": env.str("DATACHAT_EMBEDDINGS", default="local"),
    "EMBEDDINGS_MODEL": env.str("DATACHAT_EMBEDDINGS_MODEL", default="text-embedding-3-small"),
    "CHROMA_URL": env.str("DATACHAT_CHROMA_URL", default=""),
    "QUESTION_MAX_CHARS": env.int("DATACHAT_QUESTION_MAX_CHARS", default=2000),
    # PostgreSQL policy roles are named <prefix><org>_<role> (docs/security.md): a prefix per
    # installation keeps two installs that share a database cluster apart.
    "PG_ROLE_PREFIX": env.str("DATACHAT_PG_ROLE_PREFIX", default="dc_"),
    # Long queries as jobs (apps/chat/jobs.py): on when a worker exists (a broker, not eager);
    # a web request runs a query at most WEB_QUERY_DEADLINE_MS, then hands it to a worker.
    "QUERY_JOBS": env.bool("DATACHAT_QUERY_JOBS", default=not CELERY_TASK_ALWAYS_EAGER),
    "WEB_QUERY_DEADLINE_MS": env.int("DATACHAT_WEB_QUERY_DEADLINE_MS", default=1500),
    # How long a query that passed the web deadline goes straight to a job when asked again.
    "SLOW_MEMORY_SECONDS": env.int("DATACHAT_SLOW_MEMORY_SECONDS", default=600),
    # Cache lifetimes (seconds) of a data answer and of a documentation answer.
    "CACHE_TTL": {"result": 300, "rag": 7 * 86400},
}

# Log lines carry the request id, org and user; `DATACHAT_LOG_FORMAT=json` writes JSON lines
# (production's default). Faults are thinned to one line per kind per minute (datachat/logs.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "datachat.logs.RequestContextFilter"},
        "once_per_minute": {"()": "datachat.logs.OncePerMinuteFilter", "seconds": 60},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "datachat.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env.str("DATACHAT_LOG_FORMAT", default="plain"),
            "filters": ["context", "once_per_minute"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("DATACHAT_LOG_LEVEL", default="WARNING")},
    # Audit checkpoints go to the log stream whatever the root level: a copy outside the host.
    "loggers": {"datachat.audit": {"level": "INFO"}},
}
