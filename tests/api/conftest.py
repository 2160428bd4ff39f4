"""Fixtures of the API tests: token clients per demo user, answers made through the pipeline."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.chat.models import Conversation, Message
from apps.knowledge.selectors import datasource_get
from tests.support.fixtures import api_key_for


@pytest.fixture
def api(member):  # noqa: ANN001, ANN201
    """`api("acme", "analista")` → an APIClient authenticated with a new API token of that user."""

    def client_for(org: str, username: str) -> APIClient:
        membership = member(org, username)
        key = api_key_for(membership.user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        client.membership = membership
        return client

    return client_for


@pytest.fixture
def run_sql(member):  # noqa: ANN001, ANN201
    """Run SQL as a member through the real pipeline (`run_query`); returns the answer object."""
    from apps.chat.pipeline import run_query

    def run(org: str, username: str, sql: str, **kwargs: Any) -> dict:
        answer = run_query(membership=member(org, username), sql=sql, channel="api", **kwargs)
        assert answer["type"] == "SQL", answer
        return answer

    return run


@pytest.fixture
def stored_answer(member):  # noqa: ANN001, ANN201
    """A question and its SQL answer as the pipeline stores them, made directly.

    For roles that may not type SQL (VIEWER) and for answers given under an earlier policy: the
    stored SQL is whatever the test says, so an export can prove it re-runs under the current one.
    """

    def make(
        org: str,
        username: str,
        sql: str,
        *,
        question: str = "¿Ventas por región?",
        answer_type: str = "SQL",
        kind: str = Message.Kind.ASK,
        rows: list | None = None,
        **answer: Any,
    ) -> Message:
        membership = member(org, username)
        source = datasource_get(org=membership.organization)
        conversation = Conversation.all_tenants.create(
            organization=membership.organization,
            user=membership.user,
            data_source=source,
            title=question[:80],
        )
        body = {
            "type": answer_type,
            "answer": "…",
            "sql": sql if answer_type == "SQL" else None,
            "columns": [],
            "rows": rows or [],
            "row_count": len(rows or []),
            "source": source.name,
            "scope": [],
            "masked_columns": [],
            **answer,
        }
        message = Message.all_tenants.create(
            organization=membership.organization,
            conversation=conversation,
            kind=kind,
            question=question,
            answer_type=answer_type,
            sql=sql if answer_type == "SQL" else "",
            answer=body,
            error_code=(answer.get("error") or {}).get("code", ""),
        )
        body.update(conversation_id=conversation.pk, message_id=message.pk)
        Message.all_tenants.filter(pk=message.pk).update(answer=body)
        message.refresh_from_db()
        return message

    return make
