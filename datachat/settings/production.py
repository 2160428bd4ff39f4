"""Production: PostgreSQL, Redis and a real secret are required; secure cookies."""

from datachat.settings.base import *  # noqa: F403
from datachat.settings.base import env

SECRET_KEY = env.str("DJANGO_SECRET_KEY")
DATACHAT_FIELD_KEY = env.str("DATACHAT_FIELD_KEY")
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
