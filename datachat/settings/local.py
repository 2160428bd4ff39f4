"""The default: a developer's machine or the embedded demo. Same as base; debug off unless asked.

Only here and in test settings do secrets have a fallback, so the demo runs with no `.env`.
"""

from apps.governance.engine.audit_chain import keyring_derived
from datachat.settings.base import *  # noqa: F403
from datachat.settings.base import DATACHAT_AUDIT_KEY, SECRET_KEY

SECRET_KEY = SECRET_KEY or "datachat-insecure-dev-key-change-me"
# The audit chain's key: a `dev` key derived from the secret key unless one is set.
DATACHAT_AUDIT_KEY = DATACHAT_AUDIT_KEY or keyring_derived(SECRET_KEY)
