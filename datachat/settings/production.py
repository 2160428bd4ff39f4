"""Production: PostgreSQL, Redis and a real secret are required; secure cookies."""

from django.core.exceptions import ImproperlyConfigured

from apps.governance.engine.audit_chain import AuditKeyError, keyring_parse
from datachat.settings.base import *  # noqa: F403
from datachat.settings.base import env

SECRET_KEY = env.str("DJANGO_SECRET_KEY")
DATACHAT_FIELD_KEY = env.str("DATACHAT_FIELD_KEY")
# No derived default here: production's audit key is its own secret, set on purpose and rotated
# by key id. Checked at start-up, not at the first audit entry.
DATACHAT_AUDIT_KEY = env.str("DATACHAT_AUDIT_KEY", default="")
try:
    keyring_parse(DATACHAT_AUDIT_KEY)
except AuditKeyError as exc:
    raise ImproperlyConfigured(
        f"{exc}: production needs DATACHAT_AUDIT_KEY (kid:secret,… or one secret)"
    ) from exc
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
