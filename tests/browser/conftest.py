"""Browser tests: Playwright (sync API) driving the system's Chromium against a live server.

Never `playwright install`: it downloads a browser. The tests use Debian's /usr/bin/chromium and
skip with the reason when it (or the playwright package) is missing, unless
DATACHAT_REQUIRE_SERVICES=1, when they fail instead.

The live server shares the in-memory test database, so it sees the demo seeded at session start.
These tests are transactional (the server thread must see what the test writes), and Django
empties the database after each of them: the demo is seeded again before a test that finds it
gone, and once more after the module, so later tests in the same worker still have it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator

import pytest
from django.core.management import call_command

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "datachat-demo"


class _Quiet:
    def write(self, *_args, **_kwargs) -> None:  # noqa: ANN002, ANN003
        pass

    def flush(self) -> None:
        pass


def _seed_if_flushed() -> None:
    from apps.governance.models import Organization

    if not Organization.objects.filter(slug="acme").exists():
        call_command("seed_demo", rows=5000, seed=42, stdout=_Quiet())


def _unavailable() -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing (pip install -r requirements-dev.txt)"
    return None


@pytest.fixture(scope="module", autouse=True)
def _demo_restored_after_module(django_db_blocker) -> Iterator[None]:  # noqa: ANN001
    yield
    with django_db_blocker.unblock():
        _seed_if_flushed()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless Chromium per module (or a skip, or a failure in CI, when there is none)."""
    reason = _unavailable()
    if reason:
        if os.environ.get("DATACHAT_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason} and DATACHAT_REQUIRE_SERVICES=1")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop on this thread; Django would then refuse the
    # ORM calls the test fixtures make between page actions (flush, re-seed).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def demo(transactional_db) -> None:  # noqa: ANN001
    """The seeded demo, visible to the live server (seeded again if a flush removed it)."""
    _seed_if_flushed()


@pytest.fixture
def page(browser, live_server, demo) -> Iterator[object]:  # noqa: ANN001
    """A fresh browser context (Spanish, like the product's default) and page."""
    context = browser.new_context(
        locale="es-ES", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(20_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.js_errors = errors
    yield tab
    context.close()


@pytest.fixture
def login(page, live_server) -> Callable[[str], object]:  # noqa: ANN001
    """`login("analista")`: log in through the form; returns the page (on the chat)."""

    def do(username: str):  # noqa: ANN202
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("form.stack button[type=submit]")
        # The chat for most roles; the audit log for compliance (its landing page).
        page.wait_for_url(re.compile(r".*/(chat|compliance)/.*"))
        return page

    return do


def ask(page, question: str) -> object:  # noqa: ANN001
    """Type a question in the composer, press Enter, and return the new answer card."""
    before = page.locator("article.answer[data-message]").count()
    page.fill("#id_question", question)
    page.press("#id_question", "Enter")
    # A locator wait, not wait_for_function: polling a JS string needs eval, which the
    # Content-Security-Policy forbids on every page.
    page.locator("article.answer[data-message]").nth(before).wait_for()
    return page.locator("article.answer[data-message]").last
