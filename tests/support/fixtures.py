"""Pytest fixtures shared across the test-suite (the project conftest imports them).

`openai_stub` is the only stand-in for an outside service: a real OpenAI-compatible HTTP server on
127.0.0.1 (tests/support/openai_stub.py, where `manage.py bench --llm-stub` also finds it).
Point the code under test at `openai_stub.base_url`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.http import HttpRequest
from django.test import RequestFactory

from tests.support.openai_stub import OpenAIStub


class LLMEnv:
    """The operator's LLM variables (DATACHAT_LLM*, OPENAI_*) for one test: they live in
    `settings.DATACHAT["LLM"]` (read from the environment at start-up); each change makes the
    process re-read its LLM configuration, as a restart would."""

    def __init__(self, settings) -> None:  # noqa: ANN001
        self._settings = settings
        settings.DATACHAT = {**settings.DATACHAT, "LLM": dict(settings.DATACHAT["LLM"])}

    def set(self, **values: str) -> None:
        self._settings.DATACHAT["LLM"].update(values)
        self._reload()

    def delete(self, *names: str) -> None:
        for name in names:
            self._settings.DATACHAT["LLM"].pop(name, None)
        self._reload()

    @staticmethod
    def _reload() -> None:
        from apps.chat import llm_path

        llm_path.reset()


@pytest.fixture
def llm_env(settings) -> Iterator[LLMEnv]:  # noqa: ANN001
    """Set or delete LLM variables for one test (pytest-django restores the settings after)."""
    from apps.chat import llm_path

    yield LLMEnv(settings)
    llm_path.reset()


@pytest.fixture
def openai_stub() -> Iterator[OpenAIStub]:
    """A started stub server; its `base_url` goes where OPENAI_BASE_URL would."""
    from datachat.providers.llm import reset_breakers

    # A new server may get a port an earlier test used: start from closed breakers either way.
    reset_breakers()
    stub = OpenAIStub().start()
    try:
        yield stub
    finally:
        stub.stop()
        reset_breakers()


def login_request() -> HttpRequest:
    """The request django-axes needs to check a password login outside a view.

    axes' backend refuses `authenticate()` calls without a request (it could not count the
    attempt), and `Client.login(**credentials)` passes none of its own:
    `client.login(request=login_request(), username=…, password=…)`.
    """
    return RequestFactory().post("/accounts/login/", REMOTE_ADDR="127.0.0.1")


def api_key_for(user) -> str:  # noqa: ANN001
    """A working API token key for `user`, made as test set-up: straight through knox's manager,
    so it leaves no audit entry (creating a token through the service is audited, and tests that
    read the audit log must see only what they did)."""
    from apps.governance.models import ApiToken

    _token, key = ApiToken.objects.create(user=user)
    return key
