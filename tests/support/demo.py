"""The seeded demo inside the test database, and handles on its members."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # noqa: ANN001, ANN201
    """Seed the demo once per test session (and per xdist worker) into the test database."""
    with django_db_blocker.unblock():
        call_command("seed_demo", rows=5000, seed=42, stdout=_Quiet())


class _Quiet:
    def write(self, *_args, **_kwargs) -> None:  # noqa: ANN002, ANN003
        pass

    def flush(self) -> None:
        pass


@pytest.fixture
def member(db):  # noqa: ANN001, ANN201
    """`member("acme", "analista")` → that user's Membership."""
    from apps.governance.selectors import membership_get, organization_get

    def get(org_slug: str, username: str):  # noqa: ANN202
        org = organization_get(slug=org_slug)
        return membership_get(org=org, username=username)

    return get


@pytest.fixture
def demo_db_path() -> str:
    from django.conf import settings

    return str(settings.DATA_DIR / "sources" / "acme" / "empresa.db")
