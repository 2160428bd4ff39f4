"""An org of its own over a small SQLite database, for the attacker probes in tests/security."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from django.conf import settings

from apps.governance.models import AccessPolicy, Role
from apps.governance.services import membership_create, organization_create
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
