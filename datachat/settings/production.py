"""Production: HTTPS only, real secrets required, debug impossible. See docs/deploy.md.

Starting without a required variable is an ImproperlyConfigured error naming it, never a silent
fallback to a development value: a worker or web server that came up with the demo's secret key
would sign sessions anyone can forge.
"""

from django.core.exceptions import ImproperlyConfigured

from apps.governance.engine.audit_chain import AuditKeyError, keyring_parse
from datachat.settings.base import *  # noqa: F403
from datachat.settings.base import env

REQUIRED = {
    "DJANGO_SECRET_KEY": "signs sessions, CSRF tokens and password-reset links",
    "DATACHAT_FIELD_KEY": "encrypts data-source locations and their passwords",
    "DATACHAT_AUDIT_KEY": "keys the audit chain's HMACs",
    "DJANGO_ALLOWED_HOSTS": "the host names this site answers to",
}
_missing = [name for name in REQUIRED if not env.str(name, default="").strip()]
if _missing:
    raise ImproperlyConfigured(
        "Production settings refuse to start without "
        + "; ".join(f"{name} ({REQUIRED[name]})" for name in _missing)
        + ". Set them in the environment (docs/deploy.md)."
    )

SECRET_KEY = env.str("DJANGO_SECRET_KEY")
DATACHAT_FIELD_KEY = env.str("DATACHAT_FIELD_KEY")
# No derived default here: production's audit key is its own secret, set on purpose and rotated
# by key id. Checked at start-up, not at the first audit entry.
DATACHAT_AUDIT_KEY = env.str("DATACHAT_AUDIT_KEY")
try:
    keyring_parse(DATACHAT_AUDIT_KEY)
except AuditKeyError as exc:
    raise ImproperlyConfigured(
        f"{exc}: production needs DATACHAT_AUDIT_KEY (kid:secret,… or one secret)"
    ) from exc

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# DJANGO_DEBUG is deliberately not read here: debug pages print settings and source code.
DEBUG = False

# HTTPS. Behind a TLS-terminating proxy (the default assumption) Django learns the scheme from
# X-Forwarded-Proto, so the proxy must set that header itself and drop any the client sent.
if env.bool("DJANGO_BEHIND_PROXY", default=True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Probes and the Prometheus scraper talk plain HTTP to the pod; they carry no session.
SECURE_REDIRECT_EXEMPT = [r"^health$", r"^ready$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Preloading commits the whole registrable domain to HTTPS in every browser for months: the
# domain owner's decision, so off unless asked, and Django's reminder about it silenced.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# Pages send the CSRF token from the template (htmx's hx-headers); no script reads the cookie.
CSRF_COOKIE_HTTPONLY = True

# Persistent, health-checked app-database connections (base.py) and JSON log lines.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATACHAT_DB_CONN_MAX_AGE", default=60)  # noqa: F405
LOGGING["handlers"]["console"]["formatter"] = env.str(  # noqa: F405
    "DATACHAT_LOG_FORMAT", default="json"
)
