"""Locust scenarios of `make loadtest` (run by `python -m datachat.loadtest`, headless).

Three scenarios, one user class each, weighted equally: a cached answer (a question every user
asks again and again), an uncached answer (a question made unique by a number, so the cache never
has it) and the `/health` baseline. Each virtual user authenticates with one of the API tokens
the runner wrote to `LOADTEST_TOKENS` (a file, one per line).
"""

from __future__ import annotations

import itertools
import os
import random
from pathlib import Path

from locust import HttpUser, between, task

_TOKENS = Path(os.environ["LOADTEST_TOKENS"]).read_text(encoding="utf-8").split()
_NEXT = itertools.count()


class _ApiUser(HttpUser):
    abstract = True
    wait_time = between(0.05, 0.2)

    def on_start(self) -> None:
        token = _TOKENS[next(_NEXT) % len(_TOKENS)]
        self.client.headers["Authorization"] = f"Token {token}"


class CachedAnswer(_ApiUser):
    @task
    def cached(self) -> None:
        self.client.post(
            "/api/v1/chat/", json={"question": "Total de ventas por región"}, name="cached answer"
        )


class UncachedAnswer(_ApiUser):
    @task
    def uncached(self) -> None:
        n = random.randint(1, 10_000_000)  # noqa: S311 - a load pattern, not a secret
        self.client.post(
            "/api/v1/chat/",
            json={"question": f"Top {n} productos por ingresos"},
            name="uncached answer",
        )


class Health(HttpUser):
    wait_time = between(0.05, 0.2)

    @task
    def health(self) -> None:
        self.client.get("/health", name="/health baseline")
