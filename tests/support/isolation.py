"""Loaded first (`-p tests.support.isolation` in pyproject's addopts), before pytest-django
imports the settings: every test session (and every xdist worker) gets its own
DATACHAT_DATA_DIR, so the settings' DATA_DIR (the app database, sources, Chroma, uploads) is a
fresh temporary directory and tests never touch the developer's `var/`. Subprocesses the tests
start (a Celery worker, gunicorn) inherit it. The suite runs the embedded default unless a test
sets services up itself.
"""

from __future__ import annotations

import os
import tempfile

os.environ["DATACHAT_DATA_DIR"] = tempfile.mkdtemp(prefix="datachat-test-")
for _var in ("DATABASE_URL", "REDIS_URL", "OPENAI_API_KEY", "DATACHAT_LLM", "DATACHAT_CHROMA_URL"):
    os.environ.pop(_var, None)
