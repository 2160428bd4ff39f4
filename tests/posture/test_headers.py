"""Response headers on pages with data: a Content-Security-Policy without inline script, no-store.

The CSP is only worth having if the pages keep to it: the templates are scanned for inline
scripts and event-handler attributes, and so is what the pages actually render.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

from tests.support.fixtures import api_key_for, login_request

pytestmark = pytest.mark.django_db

PASSWORD = "datachat-demo"
HTMX = {"HTTP_HX_REQUEST": "true"}


def directives(response) -> dict[str, list[str]]:  # noqa: ANN001
    header = response["Content-Security-Policy"]
    parts = [p.strip().split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


class InlineScriptFinder(HTMLParser):
    """Collects what a `script-src 'self'` policy would block: inline code and handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_inline: bool = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        for name, value in attrs:
            if name.startswith("on") or name.startswith("hx-on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}=javascript:…>")
        if tag == "script":
            kind = (names.get("type") or "").lower()
            self._in_inline = not names.get("src") and kind != "application/json"

    def handle_data(self, data: str) -> None:
        if self._in_inline and data.strip():
            self.problems.append(f"inline <script>: {data.strip()[:60]}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline = False


def inline_code(html: str) -> list[str]:
    finder = InlineScriptFinder()
    finder.feed(html)
    return finder.problems


def template_files() -> list[Path]:
    roots = [
        Path(settings.BASE_DIR) / "templates",
        *Path(settings.BASE_DIR).glob("apps/*/templates"),
    ]
    return sorted(p for root in roots for p in root.rglob("*.html"))


def test_the_finder_sees_what_the_policy_would_block():
    # A control: the scanner below must be able to fail
    assert inline_code('<button onclick="go()">x</button>')
    assert inline_code("<script>alert(1)</script>")
    assert inline_code('<a href="javascript:alert(1)">x</a>')
    assert not inline_code('<script src="/static/js/chat.js"></script>')
    assert not inline_code('<script id="f" type="application/json">{"a": 1}</script>')


def test_no_template_has_an_inline_script_or_event_handler():
    files = template_files()
    assert len(files) > 10
    found = {}
    for path in files:
        source = path.read_text()
        # Template tags stand in for attribute values; what is left is plain HTML to scan.
        problems = inline_code(re.sub(r"{%.*?%}|{{.*?}}", "x", source, flags=re.S))
        if problems:
            found[str(path.relative_to(settings.BASE_DIR))] = problems
    assert not found


def test_chat_page_has_the_policy_and_renders_no_inline_code(client):
    client.login(request=login_request(), username="analista", password=PASSWORD)
    # An answer with a table and a chart, rendered the way the page does
    fragment = client.post("/chat/", {"question": "Total de ventas por región"}, **HTMX)
    page = client.get("/chat/last/", follow=True)
    policy = directives(page)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-eval'" not in page["Content-Security-Policy"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]
    html = fragment.content.decode()
    assert 'class="chart"' in html and "application/json" in html
    assert inline_code(html) == []
    assert inline_code(page.content.decode()) == []


@pytest.mark.parametrize("path", ["/api/docs/", "/accounts/login/", "/admin/login/"])
def test_other_pages_render_no_inline_code(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert directives(response)["script-src"] == ["'self'"]
    assert inline_code(response.content.decode()) == []


def test_the_api_docs_start_up_script_is_a_file(client):
    page = client.get("/api/docs/").content.decode()
    script = client.get("/api/docs/?script=")
    assert "/api/docs/?script=" in page
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content


@pytest.mark.parametrize(
    "path,user",
    [
        ("/chat/last/", "analista"),
        ("/knowledge/", "analista"),
        ("/compliance/audit/", "auditor"),
        ("/chat/conversations/?q=ventas", "analista"),
    ],
)
def test_pages_with_data_are_never_stored(client, path, user):
    client.login(request=login_request(), username=user, password=PASSWORD)
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_api_responses_are_never_stored(client, member):
    key = api_key_for(member("acme", "analista").user)
    for path in ("/api/v1/conversations/", "/api/v1/datasources/", "/api/v1/knowledge/documents/"):
        response = client.get(path, HTTP_AUTHORIZATION=f"Token {key}")
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"], path


def test_static_files_keep_their_own_caching(client):
    response = client.get("/static/js/chat.js")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
