"""An org of its own over a small SQLite database, for the attacker probes in tests/security."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from django.conf import settings

from apps.chat import semantic_cache as chat_semantic
from apps.chat.pipeline import ask
from apps.governance.models import AccessPolicy, Membership, Role
from apps.governance.services import membership_create, organization_create
from apps.knowledge import selectors
from apps.knowledge.models import DataSource
from apps.knowledge.services import catalog_refresh, datasource_create


def sqlite_org(
    slug: str, script: str, rows: dict, masked: tuple[str, ...] = (), admin: bool = True
) -> DataSource:
    """An org `slug` with one SQLite source built from `script` and `rows` (table -> tuples),
    its catalog read, an analyst (`<slug>-analyst`) whose policy masks every personal column
    (`@pii`) and the columns given, and, with `admin`, an admin (`<slug>-admin`)."""
    org = organization_create(name=slug, slug=slug)
    folder = Path(settings.DATA_DIR) / "sources" / slug
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "data.db"
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript(script)
    for table, values in rows.items():
        marks = ", ".join("?" * len(values[0]))
        conn.executemany(f"INSERT INTO {table} VALUES ({marks})", values)  # noqa: S608
    conn.commit()
    conn.close()
    source = datasource_create(
        org=org,
        name="data",
        kind=DataSource.Kind.SQLITE,
        location="data.db",
        is_default=True,
        restricted=False,
    )
    catalog_refresh(data_source=source)
    AccessPolicy.all_tenants.filter(organization=org, role=Role.ANALYST).update(
        allowed_tables=["*"], masked_columns=["@pii", *masked], row_filters=[], can_query_data=True
    )
    membership_create(org=org, username=f"{slug}-analyst", password="x" * 20, role=Role.ANALYST)
    if admin:
        membership_create(org=org, username=f"{slug}-admin", password="x" * 20, role=Role.ADMIN)
    return source


def answer_shape(answer: dict) -> tuple:
    """What an answer lets its reader tell apart (type, error code, number of suggestions,
    rows): two answers with one shape say the same, so a probe compares them for an oracle."""
    return (
        answer["type"],
        (answer.get("error") or {}).get("code"),
        len(answer.get("suggestions") or []),
        [tuple(r) for r in answer.get("rows") or []],
    )


def answer_text(answer: dict) -> str:
    """Everything an answer says, as one text to look for a secret in."""
    return " ".join(
        str(answer.get(k) or "") for k in ("answer", "rows", "intent", "suggestions", "sql")
    )


@pytest.fixture(autouse=True)
def fresh_memos():  # noqa: ANN201
    """Each probe test reads its org's catalog and model afresh (imported by a probe module, it
    applies to that module's tests)."""
    selectors._snapshot_cache.clear()
    chat_semantic._models.clear()
    yield
    selectors._snapshot_cache.clear()
    chat_semantic._models.clear()


def ask_as(source: DataSource, question: str, who: str = "analyst") -> dict:
    """The answer to `question` asked on the CLI by the org's analyst (or `<slug>-<who>`)."""
    member = Membership.all_tenants.get(
        organization=source.organization, user__username=f"{source.organization.slug}-{who}"
    )
    return ask(membership=member, question=question, channel="cli")


def filter_rows(source: DataSource, *filters: tuple[str, str, object]) -> None:
    """The analyst's row filters: (table, column, value) each."""
    AccessPolicy.all_tenants.filter(organization=source.organization, role=Role.ANALYST).update(
        row_filters=[{"table": t, "column": c, "value": v} for t, c, v in filters]
    )


def never_crashes(answer: dict) -> None:
    """An answer or an ask-back, never an exception (nor the engine's generic ask-back for one)."""
    assert answer["type"] in ("SQL", "CLARIFY", "REFUSED", "RAG"), (answer["type"], answer)
    assert (answer.get("error") or {}).get("code") != "internal_error", answer
    # the engine turns its own exception into a generic ask-back: a crash all the same
    assert "internal error" not in str(answer.get("intent") or ""), answer["intent"]


def injection_is_data(
    source: DataSource, question: str, secrets: tuple[str, ...], check: Callable[[dict, str], None]
) -> None:
    """A question that tries to inject SQL, asked by the analyst and by the admin: each answer's
    SQL is one statement, passes the probe's own `check(answer, sql)`, the analyst's answer
    says none of the `secrets`, and the source's file is unchanged."""
    path = Path(settings.DATA_DIR) / "sources" / source.organization.slug / "data.db"
    before = path.read_bytes()
    for who in ("analyst", "admin"):
        answer = ask_as(source, question, who)
        sql = answer.get("sql") or ""
        check(answer, sql)
        assert sql.rstrip().rstrip(";").count(";") == 0, sql
        if who == "analyst":
            no_secret(answer, secrets)
    assert path.read_bytes() == before


def no_secret(answer: dict, secrets: Iterable[str]) -> None:
    """The answer says none of the `secrets` (masked values), in any of its parts."""
    said = answer_text(answer)
    for secret in secrets:
        assert secret not in said, (secret, answer.get("sql"), answer.get("answer"))
