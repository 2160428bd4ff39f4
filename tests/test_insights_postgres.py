"""Why-answers over a PostgreSQL data source: the same demo data loaded into a scratch PostgreSQL
database must give exactly the decomposition it gives on SQLite (the statements are generated in
the source's dialect and go through the same guard, row filters included)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from apps.chat.engine.decompose import parts_add_up
from apps.chat.pipeline import ask
from tests.test_pg_policy_roles import pg_source, prefix  # noqa: F401 - fixtures

pytestmark = [pytest.mark.services, pytest.mark.django_db]


@pytest.mark.parametrize(
    ("user", "question"),
    [
        ("analista", "¿Por qué bajaron las ventas en febrero?"),
        ("analista", "Why did the average order value change between 2024 and 2025?"),
        ("analista", "¿Por qué bajaron los pedidos en agosto de 2025?"),
        ("visor", "Why did revenue drop in February?"),
    ],
)
def test_the_decomposition_is_the_same_on_postgresql(member, pg_source, user, question):  # noqa: F811
    membership = member("acme", user)
    on_sqlite = ask(membership=membership, question=question)
    cache.clear()
    on_postgres = ask(membership=membership, question=question, source_name="empresa_pg")

    assert on_postgres["type"] == "SQL", on_postgres["answer"]
    assert parts_add_up(on_postgres["decomposition"])
    for key in ("value_a", "value_b", "change", "period_a", "period_b", "scope"):
        assert on_postgres["decomposition"][key] == on_sqlite["decomposition"][key], key
    assert on_postgres["chart"]["type"] == "waterfall"
