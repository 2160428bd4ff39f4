"""Page-test helpers: log a demo user in, ask through the page, read the stored answer."""

from __future__ import annotations

import re

import pytest

from tests.support.fixtures import login_request

PASSWORD = "datachat-demo"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def login(client):  # noqa: ANN001, ANN201
    """`login("analista")` → the test client, logged in as that demo user."""

    def do(username: str):  # noqa: ANN202
        assert client.login(request=login_request(), username=username, password=PASSWORD)
        return client

    return do


@pytest.fixture
def ask_htmx(client):  # noqa: ANN001, ANN201
    """Post a question the way the page does (htmx) and return (response, html)."""

    def do(question: str, conversation_id: int | None = None):  # noqa: ANN202
        data = {"question": question}
        if conversation_id:
            data["conversation_id"] = str(conversation_id)
        response = client.post("/chat/", data, **HTMX)
        assert response.status_code == 200
        return response, response.content.decode()

    return do


def message_id(html: str) -> int:
    """The id of the (last) answer card in a page or fragment."""
    ids = re.findall(r'data-message="(\d+)"', html)
    assert ids, "no answer card in the page"
    return int(ids[-1])


def body_rows(html: str) -> list[list[str]]:
    """The text of the results table's body cells, row by row."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S) for r in rows]
