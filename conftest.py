"""Project-wide pytest set-up: an isolated data directory, the seeded demo, service gates.

Every test session (and every xdist worker) gets its own DATACHAT_DATA_DIR, so tests never touch
the developer's `var/`: `tests/support/isolation.py`, loaded before the settings (pyproject's
addopts). The demo is seeded once per session into the test database.
"""

from __future__ import annotations

pytest_plugins = ["tests.support.fixtures", "tests.support.services", "tests.support.demo"]
