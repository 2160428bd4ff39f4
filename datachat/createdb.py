"""Create the PostgreSQL database named in DATABASE_URL when it does not exist yet.

`make up` runs it before `migrate`; an operator may use it or `createdb` (docs/deploy.md).
Django-free: there is no database for Django to connect to yet. Idempotent.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlparse


def database_create(url: str) -> bool:
    """Create the database of `url` (through the server's `postgres` database). True if created."""
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if parsed.scheme not in ("postgres", "postgresql", "pgsql") or not name:
        raise SystemExit(f"not a PostgreSQL URL with a database name: {parsed.scheme}://…")
    maintenance = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def main() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise SystemExit("DATABASE_URL is not set")
    created = database_create(url)
    name = urlparse(url).path.lstrip("/")
    print(f"database {name}: {'created' if created else 'already exists'}")


if __name__ == "__main__":
    main()
    sys.exit(0)
