"""The registry against the Django layers: every `DataSource.Kind` has an adapter and the other
way round, and a source of an unknown kind is refused wherever an engine is chosen."""

from __future__ import annotations

import pytest

from apps.governance.engine.dialects import UnknownDialect, registered
from apps.knowledge import locations
from apps.knowledge.models import DataSource
from apps.knowledge.query_context import connection_for
from apps.knowledge.services import _introspect

pytestmark = pytest.mark.django_db


def test_an_unknown_kind_raises_in_the_chat_and_knowledge_engines(tmp_path):
    from apps.chat.engine import llm_prompt
    from apps.chat.engine.offline import sqlgen
    from apps.governance.engine.dialects import SourceConnection
    from apps.knowledge.engine.introspection import introspect

    with pytest.raises(UnknownDialect):
        llm_prompt.dialect_name("oracle")
    with pytest.raises(UnknownDialect):
        introspect("oracle", SourceConnection(dialect="oracle", sqlite_path=str(tmp_path / "x")))

    class Model:
        dialect = "oracle"

    with pytest.raises(UnknownDialect):
        sqlgen._engine(Model())
    assert llm_prompt.dialect_name("postgresql") == "PostgreSQL"
    assert llm_prompt.dialect_name("mysql") == "MariaDB"


def test_every_kind_has_an_adapter_and_every_adapter_a_kind():
    assert set(DataSource.Kind.values) == {d.kind for d in registered()}


def test_a_source_of_an_unknown_kind_is_refused_everywhere(member):
    org = member("acme", "analista").organization
    source = DataSource.all_tenants.filter(organization=org).first()
    source.kind = "oracle"  # as a row written before its engine was removed would be
    with pytest.raises(UnknownDialect):
        connection_for(source)
    with pytest.raises(UnknownDialect):
        _introspect(source)
    with pytest.raises(locations.LocationError) as refused:
        locations.location_check(org=org, kind="oracle", location="x.db")
    assert refused.value.code == "location_invalid"
    with pytest.raises(locations.LocationError) as refused:
        locations.url_kind("oracle://scott:tiger@db.example/orcl")
    assert refused.value.code == "location_invalid"
    # Shown, never opened: the admin still lists the row, without its location's password.
    assert "tiger" not in locations.location_display(
        kind="oracle", stored="oracle://scott:tiger@db.example/orcl"
    )
    assert "secret" not in locations.location_display(
        kind="postgres", stored="postgresql://u:secret@[bad"
    )


def test_a_reused_source_id_never_gets_the_other_sources_catalog_or_model(member):
    """Test transactions roll back and an id comes again (so can a deleted source's): the memos
    key on the engine and the refresh time too, so a MariaDB source never reads the catalog or
    the semantic model a PostgreSQL source left under the same id and schema version."""
    import datetime as dt

    from apps.chat.semantic_cache import semantic_model_for
    from apps.knowledge.selectors import catalog_snapshot

    org = member("acme", "analista").organization
    source = DataSource.all_tenants.filter(organization=org, kind="sqlite").first()
    first = catalog_snapshot(data_source=source)
    twin = DataSource.all_tenants.get(pk=source.pk)
    twin.kind = "mariadb"
    twin.refreshed_at = (source.refreshed_at or dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) + (
        dt.timedelta(seconds=1)
    )
    assert twin.memo_key() != source.memo_key()
    assert catalog_snapshot(data_source=twin).dialect == "mariadb"
    assert catalog_snapshot(data_source=source) is first and first.dialect == "sqlite"
    model = semantic_model_for(twin, catalog_snapshot(data_source=twin))
    assert model.dialect == "mariadb"
    assert semantic_model_for(source, first).dialect == "sqlite"


def test_every_server_engine_has_url_schemes_and_a_display_without_the_password():
    """A new server engine cannot be half-wired: its URLs pick it, and staff never see the
    password of its location, parsable or not."""
    servers = [d for d in registered() if d.server]
    assert {d.kind for d in servers} >= {"postgres", "mariadb"}
    for dialect in servers:
        assert dialect.url_schemes, dialect.kind
        for scheme in dialect.url_schemes:
            url = f"{scheme}://reader:pw-secret-1@127.0.0.1:5/db"
            assert locations.url_kind(url) == dialect.kind
            shown = locations.location_display(kind=dialect.kind, stored=url)
            assert "pw-secret-1" not in shown and shown.startswith(dialect.url_schemes[0])
    for dialect in registered():
        if not dialect.server:
            assert locations.location_display(kind=dialect.kind, stored="ventas.db") == "ventas.db"


def test_per_role_enforcement_names_the_engines_that_support_it(member):
    from django.core.management import CommandError, call_command

    member("acme", "admin")  # the demo org and its SQLite source
    with pytest.raises(CommandError) as refused:
        call_command("create_readonly_role", "--org", "acme", "--source", "empresa", "--print")
    supporting = [d.label for d in registered() if d.supports_roles]
    assert supporting and all(label in str(refused.value) for label in supporting)
    assert "SQLite" not in str(refused.value)
