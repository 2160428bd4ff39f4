"""The Dialect registry: one adapter per engine, aliases normalised once, an unknown kind refused
in the governance engine layer (the other layers in tests/test_dialect_registry.py)."""

from __future__ import annotations

import pytest

from apps.governance.engine import executor
from apps.governance.engine.dialects import (
    Dialect,
    SourceConnection,
    UnknownDialect,
    get_dialect,
    normalise_kind,
    register,
    registered,
)
from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.functions import (
    MARIADB_FUNCTIONS,
    POSTGRES_FUNCTIONS,
    SQLITE_FUNCTIONS,
    allowed_functions,
)
from apps.governance.engine.guard import GuardedQuery, guard_sql

from .conftest import ANALYST, SCHEMA


def test_each_builtin_engine_is_one_adapter_with_its_names():
    kinds = {d.kind: d for d in registered()}
    assert set(kinds) >= {"sqlite", "postgres", "mariadb"}
    assert (kinds["sqlite"].sqlglot_name, kinds["sqlite"].label) == ("sqlite", "SQLite")
    assert (kinds["postgres"].sqlglot_name, kinds["postgres"].label) == ("postgres", "PostgreSQL")
    assert kinds["mariadb"].label == "MariaDB"
    assert kinds["sqlite"].functions is SQLITE_FUNCTIONS
    assert kinds["postgres"].functions is POSTGRES_FUNCTIONS
    assert kinds["mariadb"].functions is MARIADB_FUNCTIONS


@pytest.mark.parametrize(
    ("spelling", "kind"),
    [("postgres", "postgres"), ("postgresql", "postgres"), ("PostgreSQL", "postgres"),
     ("sqlite", "sqlite"), ("mariadb", "mariadb"), ("mysql", "mariadb")],
)  # fmt: skip
def test_spellings_are_normalised_once(spelling, kind):
    assert normalise_kind(spelling) == kind
    assert get_dialect(spelling) is get_dialect(kind)
    assert allowed_functions(spelling) is get_dialect(kind).functions


@pytest.mark.parametrize("kind", ["oracle", "", "duck db", None])
def test_an_unknown_kind_raises_with_the_known_ones_named(kind):
    with pytest.raises(UnknownDialect) as error:
        get_dialect(kind)
    assert "sqlite" in str(error.value) and "postgres" in str(error.value)
    assert isinstance(error.value, ValueError)


def test_an_unknown_kind_raises_in_every_engine_layer(tmp_path):
    with pytest.raises(UnknownDialect):
        allowed_functions("oracle")
    with pytest.raises(UnknownDialect):
        guard_sql("SELECT 1", dialect="oracle", schema=SCHEMA, policy=ANALYST)
    with pytest.raises(UnknownDialect):
        GuardedQuery.unchecked_for_engine_tests("SELECT 1", "oracle", ANALYST)
    query = guard_sql("SELECT 1 AS x", dialect="sqlite", schema=SCHEMA, policy=ANALYST)
    with pytest.raises(SqlRefusal) as refused:
        executor.execute(query, source=SourceConnection(dialect="oracle", sqlite_path="x.db"))
    assert refused.value.code == "execution_error" and "oracle" in refused.value.detail
    with pytest.raises(SqlRefusal):
        executor.stream(query, source=SourceConnection(dialect="oracle"), limit=1)


def test_an_adapter_needs_a_kind_and_a_sqlglot_name():
    class Nameless(Dialect):
        pass

    with pytest.raises(ValueError):
        register(Nameless())
