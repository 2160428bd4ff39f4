"""The governed-query context: everything a question, an export, an evaluation or the LLM path
needs before any SQL is guarded, assembled in one place.

    ctx = query_context(membership=membership, source=source, lang="es")
    guard_sql(sql, dialect=ctx.dialect.kind, schema=ctx.catalog.schema_mapping(), policy=ctx.policy)
    execute(guarded, source=ctx.connection)

- `source`: the data source (the caller looked it up in the caller's org);
- `catalog`: its catalog snapshot (memoised per schema and knowledge version);
- `policy`: the caller's effective `DataPolicy` on it (or the one given, e.g. the evaluation's);
- `connection`: the executor's connection spec, built on first use (`connection_for`): the
  location rules run again then, and a refused location is a `SqlRefusal` with its code;
- `dialect`: the source's `Dialect` adapter (`UnknownDialect` for an engine nobody registered).

A restricted source the caller may not use raises `SqlRefusal("not_authorized")` with detail
`datasource.restricted`: the same "missing and forbidden look alike" rule everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

from django.conf import settings

from apps.governance.engine.dialects import Dialect, SourceConnection, get_dialect
from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.policy import DataPolicy
from apps.governance.services import policy_resolve_memo
from apps.knowledge.engine.catalog import CatalogSnapshot
from apps.knowledge.locations import LocationError
from apps.knowledge.models import DataSource
from apps.knowledge.selectors import catalog_snapshot

RESTRICTED_RULE = "datasource.restricted"


@dataclass(frozen=True)
class QueryContext:
    source: DataSource
    catalog: CatalogSnapshot
    policy: DataPolicy
    lang: str = "es"

    @property
    def dialect(self) -> Dialect:
        return get_dialect(self.source.kind)

    @cached_property
    def connection(self) -> SourceConnection:
        return connection_for(self.source, self.lang)


def source_usable(*, membership, source: DataSource) -> bool:  # noqa: ANN001
    """A restricted source is usable only with `use_datasource` on it."""
    return not source.restricted or membership.user.has_perm("knowledge.use_datasource", source)


def query_context(
    *,
    membership,  # noqa: ANN001 - governance.models.Membership
    source: DataSource,
    lang: str = "es",
    policy: DataPolicy | None = None,
    check_restricted: bool = True,
) -> QueryContext:
    """Source, catalog, policy and (lazily) connection for `membership` querying `source`."""
    if check_restricted and not source_usable(membership=membership, source=source):
        raise SqlRefusal("not_authorized", lang=lang, detail=RESTRICTED_RULE)
    catalog = catalog_snapshot(data_source=source)
    if policy is None:
        # Memoised per membership and versions (a cached answer's path reads one row for it). The
        # source's memo key (id, engine, schema version, last refresh) tells apart two sources
        # that shared an id: a deleted one, or a rolled-back test's.
        version = (*source.memo_key(), source.organization.knowledge_version)
        policy = policy_resolve_memo(
            membership=membership, catalog_version=version, catalog=catalog.policy_flags
        )
    return QueryContext(source=source, catalog=catalog, policy=policy, lang=lang)


def connection_for(source: DataSource, lang: str = "es") -> SourceConnection:
    """The executor's connection spec for a data source (the location decrypted here only).

    The location rules are applied again here, at every opening: a location stored before them,
    or a symlink changed since, is refused with its code (`location_outside_org`, …). A server
    source with per-role enforcement names the org, so every query runs as its policy's own
    database role (`create_readonly_role`, docs/security.md). Whatever the engine: its adapter
    (`get_dialect`, which raises for an unknown kind) reads the spec.
    """
    dialect = get_dialect(source.kind)
    try:
        checked = source.checked_location()
    except LocationError as exc:
        raise SqlRefusal(exc.code, lang=lang, detail=exc.detail or exc.code) from None
    return replace(
        checked.connection(),
        dialect=dialect.kind,
        pg_role_org=source.organization.slug if source.db_roles_enabled else None,
        pg_role_prefix=settings.DATACHAT.get("PG_ROLE_PREFIX", "dc_"),
    )
