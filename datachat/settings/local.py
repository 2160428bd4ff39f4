"""The default: a developer's machine or the embedded demo. Same as base; debug off unless asked.

Only here and in test settings do secrets have a fallback, so the demo runs with no `.env`.
"""

from datachat.settings.base import *  # noqa: F403
from datachat.settings.base import SECRET_KEY

SECRET_KEY = SECRET_KEY or "datachat-insecure-dev-key-change-me"
