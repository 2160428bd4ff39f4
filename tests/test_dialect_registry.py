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
