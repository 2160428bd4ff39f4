"""Settings for the test suite: fast hashing, no throttling surprises, eager Celery by default.

Login throttling (django-axes) stays on, as in production: a test that logs in with a password
passes the request axes needs (`client.login(request=…, …)`, see tests/support/fixtures.py) or
uses `client.force_login`. The request rates are out of reach here; the rate-limit tests lower
them with `override_settings`.
"""

from apps.governance.engine.audit_chain import keyring_derived
from datachat.settings.base import *  # noqa: F403
from datachat.settings.base import DATACHAT_AUDIT_KEY, REST_FRAMEWORK, SECRET_KEY, env

SECRET_KEY = SECRET_KEY or "datachat-insecure-dev-key-change-me"
# The audit chain's key: a `dev` key derived from the secret key unless one is set.
DATACHAT_AUDIT_KEY = DATACHAT_AUDIT_KEY or keyring_derived(SECRET_KEY)

# The suite's PostgreSQL (DATACHAT_TEST_DATABASE_URL) is an allowed data-source host, as an
# operator would list theirs; tests of the allow-list itself override this.
DATACHAT_SOURCE_HOSTS = env.list(
    "DATACHAT_SOURCE_HOSTS",
    default=[
        env.url(
            "DATACHAT_TEST_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/"
        ).hostname
    ],
)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        "user": "100000/min",
        "chat": "100000/min",
        "query": "100000/min",
        "export": "100000/min",
    },
}
DATACHAT_ORG_RATES = {"chat": "100000/min", "query": "100000/min", "export": "100000/min"}
# /health checks on every call, so a test sees the dependency it just broke (the memo has its
# own test, tests/posture/test_health.py).
DATACHAT_HEALTH_CACHE_SECONDS = 0
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
