"""Project-wide pytest set-up: an isolated data directory, the seeded demo, service gates.

Every test session (and every xdist worker) gets its own DATACHAT_DATA_DIR, so tests never touch
the developer's `var/`. The demo is seeded once per session into the test database.
"""

from __future__ import annotations

import os
import tempfile

_data_dir = tempfile.mkdtemp(prefix="datachat-test-")
os.environ["DATACHAT_DATA_DIR"] = _data_dir
# The suite runs the embedded default unless a test sets services up itself.
for _var in ("DATABASE_URL", "REDIS_URL", "OPENAI_API_KEY", "DATACHAT_LLM", "DATACHAT_CHROMA_URL"):
    os.environ.pop(_var, None)

pytest_plugins = ["tests.support.fixtures", "tests.support.services", "tests.support.demo"]
