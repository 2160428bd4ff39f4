"""A guarded query run on a thread of its own, as a job's worker runs it, for the tests that
stop it from elsewhere (the executor's `cancel_backend`, the job's Stop): it hands out the
server's session id as soon as the query is open, and keeps its result or its refusal."""

from __future__ import annotations

import threading
import time

from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.executor import execute


class RunningQuery:
    def __init__(self, query, source) -> None:  # noqa: ANN001 - a GuardedQuery, a connection
        self.ids: list[int] = []
        self.outcome: list[object] = []
        self.started = 0.0
        self._query, self._source = query, source
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        def on_start(handle) -> None:  # noqa: ANN001
            if handle.backend_pid is not None:
                self.ids.append(handle.backend_pid)

        try:
            self.outcome.append(execute(self._query, source=self._source, on_start=on_start))
        except SqlRefusal as refusal:
            self.outcome.append(refusal)

    def start(self, *, wait: float = 10.0) -> int:
        """Start it and return the server's session id once the query is open (then a moment
        more, so the statement is under way)."""
        self.started = time.monotonic()
        self._thread.start()
        while not self.ids and time.monotonic() - self.started < wait:
            time.sleep(0.05)
        assert self.ids, "the executor hands out the session id once the query is open"
        time.sleep(0.3)
        return self.ids[0]

    def outcome_within(self, seconds: float) -> object:
        """Its result or refusal, which must come within `seconds` of the start."""
        self._thread.join(timeout=seconds)
        assert not self._thread.is_alive() and time.monotonic() - self.started < seconds
        return self.outcome[0]
