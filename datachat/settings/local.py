"""The default: a developer's machine or the embedded demo. Same as base; debug off unless asked.

Only here and in test settings do secrets have a fallback, so the demo runs with no `.env`.
"""

from apps.governance.engine.audit_chain import keyring_derived
from datachat.settings.base import *  # noqa: F403
from datachat.settings.base import DATABASES, DATACHAT_AUDIT_KEY, SECRET_KEY, env

SECRET_KEY = SECRET_KEY or "datachat-insecure-dev-key-change-me"
# The audit chain's key: a `dev` key derived from the secret key unless one is set.
DATACHAT_AUDIT_KEY = DATACHAT_AUDIT_KEY or keyring_derived(SECRET_KEY)

# Against PostgreSQL (`make up`, `make loadtest`) connections are kept as in production: a new
# connection per request costs the server a backend process and the worker a handshake, which
# `make loadtest` measured at 18 ms of server CPU per cached answer (docs/deploy.md).
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATACHAT_DB_CONN_MAX_AGE", default=60)
