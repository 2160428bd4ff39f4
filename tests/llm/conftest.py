"""The LLM path against the real local OpenAI-compatible server (tests/support/openai_stub.py).

`llm` points the pipeline at the `openai_stub` server through the operator's variables
(DATACHAT_LLM, OPENAI_API_KEY, OPENAI_BASE_URL, as `settings.DATACHAT["LLM"]` holds them), and
makes the process re-read the configuration before and after each test, with closed breakers and
an empty cache.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from django.core.cache import cache

from apps.chat import llm_path
from datachat.providers.llm import reset_breakers
from tests.support.openai_stub import OpenAIStub


@pytest.fixture
def llm(openai_stub: OpenAIStub, llm_env) -> Iterator[OpenAIStub]:  # noqa: ANN001
    """The stub, configured as the process's LLM endpoint. Tests may set more DATACHAT_LLM_*
    variables with `llm_env.set(...)` (tests/support/fixtures.py)."""
    # One transport retry, not two: the backoff sleeps are real and the faults are scripted.
    llm_env.set(
        DATACHAT_LLM="openai",
        OPENAI_API_KEY="test",
        OPENAI_BASE_URL=openai_stub.base_url,
        DATACHAT_LLM_MAX_RETRIES="1",
    )
    reset_breakers()
    cache.clear()
    yield openai_stub
    llm_path.reset()
    reset_breakers()
    cache.clear()


@pytest.fixture
def demo_rows(demo_db_path: str):  # noqa: ANN201
    """Run SQL on the demo file directly (read-only): the expected answers and the secrets."""

    def run(sql: str) -> list[tuple]:
        connection = sqlite3.connect(f"file:{demo_db_path}?mode=ro", uri=True)
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()

    return run
