"""The tenant scope: which organization the current code runs for.

Modelled on PostHog's scoping: the current org lives in a context variable, set in few places
(the web middleware from the user's membership, the API mixin, management commands, Celery tasks),
and every tenant-owned model's `objects` manager filters by it. With no org set the manager raises
`TenantScopeMissing` (as PostHog's does): a forgotten scope is a loud error in tests, never a
silently empty page. Code that must see every tenant (migrations, the seed, admin for superusers)
says so by using the explicitly named `all_tenants` manager, and a read for one org that is not
the current one says which with `all_tenants.for_org(org)` (never a hand-written
`filter(organization=…)`, which `tests/test_tenancy_reads.py` forbids).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from apps.governance.models import Organization

_current_org: contextvars.ContextVar[Organization | None] = contextvars.ContextVar(
    "datachat_current_org", default=None
)


def current_org() -> Organization | None:
    return _current_org.get()


@contextmanager
def tenant_scope(org: Organization) -> Iterator[Organization]:
    """Run a block for one organization: every scoped manager inside sees only its rows."""
    token = _current_org.set(org)
    try:
        yield org
    finally:
        _current_org.reset(token)


def activate_tenant(org: Organization | None) -> contextvars.Token:
    """Set the scope for the rest of a request; pair with `deactivate_tenant(token)`."""
    return _current_org.set(org)


def deactivate_tenant(token: contextvars.Token) -> None:
    _current_org.reset(token)


class TenantScopeMissing(RuntimeError):
    """A tenant-scoped manager was used with no organization set: a programming error."""


class TenantQuerySet(models.QuerySet):
    def for_org(self, org: Organization | int) -> TenantQuerySet:
        """The rows of one organization, given as an instance or a primary key."""
        if isinstance(org, int):
            return self.filter(organization_id=org)
        if org is None or getattr(org, "pk", None) is None:
            raise TenantScopeMissing("for_org() needs a saved organization")
        return self.filter(organization_id=org.pk)


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    """Rows of the current organization only; raises when no organization is set."""

    def get_queryset(self) -> TenantQuerySet:
        qs = super().get_queryset()
        org = current_org()
        if org is None:
            raise TenantScopeMissing(
                f"{self.model.__name__}.objects used with no organization set: "
                "run inside tenant_scope(org) or read with all_tenants.for_org(org)"
            )
        return qs.filter(organization=org)


class TenantOwnedModel(models.Model):
    """Base for every tenant-owned model: an `organization` and the two managers.

    `all_tenants` is the default manager so Django's machinery (admin, related managers,
    migrations) keeps working; application code reads through `objects` or `for_org`.
    """

    organization = models.ForeignKey(
        "governance.Organization", on_delete=models.CASCADE, related_name="+"
    )

    all_tenants = TenantQuerySet.as_manager()
    objects = TenantManager()

    class Meta:
        abstract = True
        default_manager_name = "all_tenants"
        base_manager_name = "all_tenants"

    def clean(self) -> None:
        """Every tenant-owned object this one points to is of the same organization: a person
        who edits two orgs cannot file one org's metric under the other's data source (the
        admin's forms run this)."""
        from django.core.exceptions import ValidationError

        super().clean()
        errors = {}
        for field in self._meta.concrete_fields:
            related = field.related_model if field.many_to_one else None
            if not (isinstance(related, type) and issubclass(related, TenantOwnedModel)):
                continue
            target_id = getattr(self, field.attname)
            if target_id is None or self.organization_id is None:
                continue
            target = related.all_tenants.filter(pk=target_id).values("organization_id").first()
            if target is not None and target["organization_id"] != self.organization_id:
                errors[field.name] = _("Choose one of this organization's own.")
        if errors:
            raise ValidationError(errors)
