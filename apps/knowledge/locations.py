"""Where a data source may live: the one check for every path that sets or opens a location.

A data source reads another database with the platform's own process, so its location decides
what DataChat can be made to read. The rules (docs/security.md, "Data-source locations"):

- SQLite: a name relative to the org's folder, `$DATACHAT_DATA_DIR/sources/<org-slug>/`. No
  absolute paths, no `..`, no hidden names, no URI characters; symlinks are resolved and the
  target must still be inside that folder. Never the app database, the vector store or anything
  else of the platform's state, never another org's folder.
- PostgreSQL: a `postgresql://user[:password]@host[:port]/database` URL whose host is listed in
  `DATACHAT_SOURCE_HOSTS`, naming its own user; never the app's own database or role on the app
  database's server; the connection uses the URL's credentials only (no password file, no
  environment fallback).
- MariaDB/MySQL: a `mysql://user[:password]@host[:port]/database` URL under the same host rule,
  naming its user and one database, with no options (no socket, no LOCAL INFILE); never the
  app's own database.

`location_check` runs when a location is set (admin form, services, seed_demo, commands) and
again every time one is opened (`DataSource.location()`), so a location stored before these rules,
or a symlink swapped later, is refused when opening too.
"""

from __future__ import annotations

import getpass
import re
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings

from apps.governance.engine.dialects import (
    ConnectionFailed,
    SourceConnection,
    UnknownDialect,
    get_dialect,
    kind_for_url,
)

SQLITE = "sqlite"
POSTGRES = "postgres"
MARIADB = "mariadb"
DUCKDB = "duckdb"  # an org's uploaded spreadsheets: a DuckDB file under the same rules as SQLite
_MYSQL_DEFAULT_PORT = "3306"

# Stable error codes (API answers, form errors, audit entries and tests match on them).
MESSAGES = {
    "location_invalid": "This is not a valid location for this kind of data source.",
    "location_outside_org": (
        "SQLite files must be inside the organization's own folder (sources/<org>/), named "
        "relative to it: no absolute paths, no '..', no link leading out of it."
    ),
    "location_is_platform": (
        "This location belongs to the platform itself (its database, vector store or "
        "credentials) and can never be a data source."
    ),
    "host_not_allowed": (
        "This database server is not in the list of allowed hosts (DATACHAT_SOURCE_HOSTS)."
    ),
    "location_unavailable": (
        "The data source could not be opened: the file is missing or is not a SQLite database, "
        "or the server refused the connection."
    ),
    "location_superuser_only": (
        "Only platform staff (superusers) may set or change a data source's location."
    ),
}

# libpq options a source URL may carry; anything else (hostaddr, service, passfile, sslkey, …)
# could point the connection somewhere the checks did not look, or at the platform's files.
_PG_OPTIONS = frozenset(
    {"host", "port", "dbname", "user", "password", "sslmode", "connect_timeout", "application_name"}
)
_PG_DEFAULT_PORT = "5432"
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "ip6-localhost", "ip6-loopback"})
_NAME_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,199}$")
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


class LocationError(ValueError):
    """A location that may not be used: `code` is stable, `message` is safe to show anyone,
    `detail` (technical: the OS or driver error) is for platform staff and logs only."""

    def __init__(self, code: str, message: str | None = None, *, detail: str = "") -> None:
        self.code = code
        self.message = message or MESSAGES[code]
        self.detail = detail
        super().__init__(f"{code}: {self.message}")


@dataclass(frozen=True)
class CheckedLocation:
    """A location that passed the rules: what to store, and what to open."""

    kind: str
    stored: str  # the normalised form kept (encrypted) in the database
    sqlite_path: str | None = None  # the file of a SQLite or DuckDB source, absolute, resolved
    pg_dsn: str | None = None  # libpq conninfo built from the checked parts only
    dsn: str | None = None  # another server engine's URL, rebuilt from the checked parts only

    def connection(self) -> SourceConnection:
        """The executor's / introspection's connection spec for this location (no role)."""
        return SourceConnection(
            dialect=self.kind, sqlite_path=self.sqlite_path, pg_dsn=self.pg_dsn, dsn=self.dsn
        )


def org_sources_dir(org: Any) -> Path:
    """`$DATACHAT_DATA_DIR/sources/<org-slug>/`: the only place an org's SQLite files live."""
    slug = getattr(org, "slug", "") or ""
    if not _SLUG.match(slug):
        raise LocationError("location_invalid", "The organization has no usable slug.")
    return _sources_root() / slug


def org_sources_retire(slug: str) -> Path | None:
    """Move a deleted organization's folder out of `sources/` (to `sources-retired/<slug>-<UTC
    time>/`): its files are kept for the operator, and an org created later with the same slug
    starts with an empty folder instead of the old org's data. Returns the new place, if any."""
    from django.utils import timezone

    if not _SLUG.match(slug or ""):
        return None
    folder = _sources_root() / slug
    if not folder.is_dir():
        return None
    target = (
        Path(settings.DATA_DIR) / "sources-retired" / (f"{slug}-{timezone.now():%Y%m%dT%H%M%S%f}")
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    folder.rename(target)
    return target


def location_check(*, org: Any, kind: str, location: str) -> CheckedLocation:
    """Apply the rules to `location` for a source of `org`; raise `LocationError` if it breaks
    one. Does not open anything (see `location_probe`)."""
    raw = (location or "").strip()
    if not raw or "\x00" in raw or any(ord(c) < 32 for c in raw):
        raise LocationError("location_invalid", "The location is empty or has control characters.")
    if kind == SQLITE:
        return _check_sqlite(org, raw)
    if kind == DUCKDB:
        checked = _check_sqlite(org, raw)
        return CheckedLocation(kind=DUCKDB, stored=checked.stored, sqlite_path=checked.sqlite_path)
    if kind == POSTGRES:
        return _check_postgres(raw)
    if kind == MARIADB:
        return _check_mysql(raw)
    raise LocationError("location_invalid", f"Unsupported data source kind: {kind!r}.")


def url_kind(url: str) -> str:
    """The kind of a server source from its URL's scheme (the adapters' `url_schemes`);
    `location_invalid` for a scheme no engine takes."""
    try:
        return kind_for_url(url).kind
    except UnknownDialect:
        raise LocationError(
            "location_invalid",
            "A server source needs a URL: postgresql://user:password@host:port/database or "
            "mysql://user:password@host:port/database.",
        ) from None


def location_probe(checked: CheckedLocation, *, timeout_s: int = 5) -> None:
    """Open the checked location read-only and run a trivial query (its engine's adapter,
    `Dialect.probe`); `location_unavailable` if that fails (a missing file, not a SQLite
    database, an unreachable server, bad credentials)."""
    try:
        get_dialect(checked.kind).probe(checked.connection(), timeout_s=timeout_s)
    except ConnectionFailed as exc:
        raise LocationError("location_unavailable", exc.message, detail=exc.detail) from None


def location_display(*, kind: str, stored: str) -> str:
    """The location as it may be shown to an org's staff: the file name, or the URL without its
    password."""
    try:
        dialect = get_dialect(kind)
    except UnknownDialect:
        # Shown, not opened (that raises): the admin must still list the row to fix it, and
        # its location may hold a password.
        return "…"
    if not dialect.server:
        return stored  # a file name in the org's folder
    try:
        if dialect.kind == MARIADB:
            parts = _mysql_parts(stored)
            return _mysql_url({**parts, "password": "***" if parts["password"] else ""})
        if dialect.kind == POSTGRES:
            params = _pg_params(stored)
            return _pg_url({**params, "password": "***" if params.get("password") else ""})
    except LocationError:
        pass
    # Unparsable, or a server engine without a display rule here: never the URL (its password).
    return f"{dialect.url_schemes[0] if dialect.url_schemes else dialect.kind}://…"


# --- SQLite files ----------------------------------------------------------------------------


def _sources_root() -> Path:
    return Path(settings.DATA_DIR) / "sources"


def _check_sqlite(org: Any, raw: str) -> CheckedLocation:
    root = org_sources_dir(org)
    name = Path(raw)
    target = name if name.is_absolute() else root / name
    try:
        resolved = target.resolve()  # follows every symlink on the way
        real_root = root.resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise LocationError("location_unavailable", detail=str(exc)) from None
    # Whatever the spelling (absolute, `..`, a symlink), say so when it lands on the platform.
    if _is_platform_file(resolved):
        raise LocationError("location_is_platform")
    if name.is_absolute() or raw.startswith("~") or ".." in name.parts or "\\" in raw:
        raise LocationError("location_outside_org")
    if not resolved.is_relative_to(real_root):
        raise LocationError("location_outside_org")
    if not name.parts or not all(_NAME_PART.match(part) for part in name.parts):
        raise LocationError(
            "location_invalid",
            "File names may use letters, digits, '.', '_', '-' and spaces, and must not start "
            "with a dot.",
        )
    return CheckedLocation(kind=SQLITE, stored=name.as_posix(), sqlite_path=str(resolved))


def _is_platform_file(resolved: Path) -> bool:
    """The app database (and its journals), the vector store, and every other piece of the
    platform's state under DATACHAT_DATA_DIR (anything outside `sources/`)."""
    data_dir = Path(settings.DATA_DIR).resolve()
    sources = _sources_root().resolve()
    if resolved.is_relative_to(data_dir) and not resolved.is_relative_to(sources):
        return True
    if resolved.is_relative_to((Path(settings.DATA_DIR) / "chroma").resolve()):
        return True
    base = resolved.with_name(re.sub(r"-(wal|shm|journal)$", "", resolved.name))
    for config in settings.DATABASES.values():
        if "sqlite" not in config.get("ENGINE", ""):
            continue
        name = str(config.get("NAME") or "")
        on_disk = name and not name.startswith("file:") and name != ":memory:"
        if on_disk and Path(name).resolve() in (resolved, base):
            return True
    return False


# --- PostgreSQL URLs --------------------------------------------------------------------------


def _pg_params(raw: str) -> dict[str, str]:
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    scheme = raw.split("://", 1)[0].lower() if "://" in raw else ""
    if scheme not in get_dialect(POSTGRES).url_schemes:
        raise LocationError(
            "location_invalid",
            "A PostgreSQL source needs a URL: postgresql://user:password@host:port/database.",
        )
    try:
        # libpq's own parser: what it returns is what a connection would use (a `?host=` in the
        # query string wins over the authority, so checking the authority alone would be wrong).
        params = {k: str(v) for k, v in conninfo_to_dict(raw).items()}
    except ProgrammingError as exc:
        raise LocationError("location_invalid", detail=str(exc)) from None
    unknown = sorted(set(params) - _PG_OPTIONS)
    if unknown:
        raise LocationError(
            "location_invalid", f"Connection option(s) not allowed: {', '.join(unknown)}."
        )
    return params


def _pg_url(params: dict[str, str]) -> str:
    user = quote(params.get("user", ""), safe="")
    password = params.get("password", "")
    auth = f"{user}:{quote(password, safe='*')}@" if password else f"{user}@"
    host = params.get("host", "")
    host = f"[{host}]" if ":" in host else host
    port = params.get("port") or _PG_DEFAULT_PORT
    extras = "&".join(
        f"{key}={quote(params[key], safe='')}"
        for key in ("sslmode", "connect_timeout", "application_name")
        if params.get(key)
    )
    url = f"postgresql://{auth}{host}:{port}/{quote(params.get('dbname', ''), safe='')}"
    return f"{url}?{extras}" if extras else url


def _check_postgres(raw: str) -> CheckedLocation:
    params = _pg_params(raw)
    host = params.get("host", "")
    port = params.get("port") or _PG_DEFAULT_PORT
    if not host or host.startswith("/") or "," in host or "," in port:
        # No host means a Unix socket, where peer authentication is the platform's own user.
        raise LocationError(
            "host_not_allowed", "Name exactly one database host (no socket path, no host list)."
        )
    if not port.isdigit():
        raise LocationError("location_invalid", "The port must be a number.")
    user = params.get("user", "")
    if not user:
        raise LocationError(
            "location_invalid",
            "The URL must name the user to connect as: a source never borrows the platform's "
            "own login.",
        )
    params["dbname"] = params.get("dbname") or user
    if not _host_allowed(host, port):
        raise LocationError("host_not_allowed")
    for app in _platform_servers():
        if not _same_server(host, port, app["host"], app["port"]):
            continue
        if params["dbname"] == app["name"]:
            raise LocationError("location_is_platform", "This is the application's own database.")
        if user in app["users"]:
            raise LocationError(
                "location_is_platform",
                "This is the application's own database role: a source connects with its own.",
            )
    dsn_params = {key: params[key] for key in sorted(params)}
    dsn_params.setdefault("password", "")  # an explicit empty one: PGPASSWORD is never read
    # … and no password file either (libpq reads one when the password is empty).
    dsn_params["passfile"] = str(_sources_root() / ".no-password-file")
    from psycopg.conninfo import make_conninfo

    return CheckedLocation(
        kind=POSTGRES, stored=_pg_url(params), pg_dsn=make_conninfo("", **dsn_params)
    )


# --- MariaDB / MySQL URLs ----------------------------------------------------------------------


def _mysql_parts(raw: str) -> dict[str, str]:
    from urllib.parse import unquote, urlsplit

    try:
        parts = urlsplit(raw)
        port = str(parts.port or _MYSQL_DEFAULT_PORT)
    except ValueError as exc:
        raise LocationError("location_invalid", detail=str(exc)) from None
    if parts.scheme.lower() not in get_dialect(MARIADB).url_schemes:
        raise LocationError(
            "location_invalid",
            "A MariaDB/MySQL source needs a URL: mysql://user:password@host:port/database.",
        )
    if parts.query or parts.fragment:
        # Options (unix_socket, local_infile, init_command, …) could point the connection
        # somewhere the checks did not look.
        raise LocationError("location_invalid", "Connection options are not allowed here.")
    return {
        "host": parts.hostname or "",
        "port": port,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "database": unquote(parts.path.lstrip("/")),
    }


def _mysql_url(parts: dict[str, str]) -> str:
    user = quote(parts["user"], safe="")
    auth = f"{user}:{quote(parts['password'], safe='*')}@" if parts["password"] else f"{user}@"
    host = f"[{parts['host']}]" if ":" in parts["host"] else parts["host"]
    return f"mysql://{auth}{host}:{parts['port']}/{quote(parts['database'], safe='')}"


def _check_mysql(raw: str) -> CheckedLocation:
    parts = _mysql_parts(raw)
    host, port = parts["host"], parts["port"]
    if not host or host.startswith("/"):
        raise LocationError("host_not_allowed", "Name exactly one database host (no socket path).")
    if not parts["user"]:
        raise LocationError(
            "location_invalid",
            "The URL must name the user to connect as: a source never borrows the platform's "
            "own login.",
        )
    if not parts["database"] or "/" in parts["database"]:
        raise LocationError("location_invalid", "The URL must name one database.")
    if not _host_allowed(host, port):
        raise LocationError("host_not_allowed")
    for config in settings.DATABASES.values():
        engine = config.get("ENGINE", "")
        if "mysql" not in engine:
            continue
        app_host = config.get("HOST") or "localhost"
        app_port = str(config.get("PORT") or _MYSQL_DEFAULT_PORT)
        if _same_server(host, port, app_host, app_port) and (
            parts["database"] == config.get("NAME") or parts["user"] == config.get("USER")
        ):
            raise LocationError("location_is_platform", "This is the application's own database.")
    url = _mysql_url(parts)
    return CheckedLocation(kind=MARIADB, stored=url, dsn=url)


def _norm_host(host: str) -> str:
    host = host.strip().lower().strip("[]").rstrip(".")
    return "localhost" if host in _LOOPBACK or host.startswith("127.") else host


def _host_allowed(host: str, port: str) -> bool:
    wanted = host.strip().lower().strip("[]").rstrip(".")
    for entry in getattr(settings, "DATACHAT_SOURCE_HOSTS", ()) or ():
        entry = str(entry).strip().lower()
        if not entry:
            continue
        entry_host, entry_port = entry, ""
        match = re.match(r"^\[(.+)\](?::(\d+))?$", entry) or re.match(r"^([^:]+):(\d+)$", entry)
        if match:
            entry_host, entry_port = match.group(1), match.group(2) or ""
        if entry_host.rstrip(".") == wanted and entry_port in ("", port):
            return True
    return False


def _platform_servers() -> list[dict[str, Any]]:
    """Every PostgreSQL database the app itself uses: host, port, name and role(s)."""
    servers = []
    for config in settings.DATABASES.values():
        if "postgres" not in config.get("ENGINE", "") and "postgis" not in config.get("ENGINE", ""):
            continue
        user = config.get("USER") or ""
        servers.append(
            {
                # No host: a Unix socket, i.e. this machine.
                "host": config.get("HOST") or "localhost",
                "port": str(config.get("PORT") or _PG_DEFAULT_PORT),
                "name": config.get("NAME") or "",
                # No user: libpq logs in as the operating-system user.
                "users": {user} if user else {getpass.getuser()},
            }
        )
    return servers


def _same_server(host: str, port: str, app_host: str, app_port: str) -> bool:
    if str(port) != str(app_port):
        return False
    if app_host.startswith("/"):
        app_host = "localhost"
    if _norm_host(host) == _norm_host(app_host):
        return True
    return bool(_addresses(host) & _addresses(app_host))


_ADDRESS_TTL_S = 60.0
_address_cache: dict[str, tuple[float, frozenset[str]]] = {}


def _addresses(host: str) -> frozenset[str]:
    """The host's addresses, remembered for a minute: the check runs at every opening."""
    now = time.monotonic()
    cached = _address_cache.get(host)
    if cached is not None and now - cached[0] < _ADDRESS_TTL_S:
        return cached[1]
    try:
        found = frozenset(info[4][0] for info in socket.getaddrinfo(host.strip("[]"), None))
    except (OSError, UnicodeError):
        found = frozenset()
    _address_cache[host] = (now, found)
    return found
