"""Personal API tokens: hashed at rest, expiring, created and revoked by their owner.

django-rest-knox does the cryptography and the authentication: a token is 64 random hex
characters; the database keeps its SHA-512 digest and its first 15 characters (`token_key`, to
find the candidate rows and to let the owner tell tokens apart), never the key. The key is shown
exactly once, by whoever creates it: the portal page (`/account/tokens/`), `POST /api/v1/tokens/`
or `manage.py drf_create_token USERNAME`. Clients send it as `Authorization: Token <key>`.

- Every token expires (`DATACHAT_API_TOKEN_DAYS` by default, at most
  `DATACHAT_API_TOKEN_MAX_DAYS`); an expired token is refused and deleted at its next use.
- A user holds at most `DATACHAT_API_TOKEN_LIMIT` live tokens.
- A token created *with a token* (through the API) never outlives the token that created it: a
  stolen token cannot mint itself a longer life.
- Tokens belong to a user, not to an org: the caller's membership (and `X-DataChat-Org`) decides
  the org, exactly as for a session. Another user's token is a 404, like a missing one.
- Creating and revoking a token are entries in the audit chain of each of the owner's orgs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.settings import knox_settings
from knox.signals import token_expired

from apps.governance.models import ApiToken, Membership

# Writing `last_used_at` on every request would be a database write per API call.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
MAX_ID = 2**63 - 1


class TokenError(ValueError):
    """A token request that cannot be honoured; `code` is stable, the message is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# --- reads ------------------------------------------------------------------------------------


def api_token_list(*, user: Any) -> QuerySet[ApiToken]:
    """The user's live tokens, newest first (expired ones are not shown, and are purged)."""
    now = timezone.now()
    ApiToken.objects.filter(user=user, expiry__lt=now).delete()
    return ApiToken.objects.filter(user=user).filter(Q(expiry__isnull=True) | Q(expiry__gte=now))


def access_api_token_by_id(*, user: Any, pk: int) -> ApiToken | None:
    """The user's own token with this id; another user's token is the same None as none."""
    if not 0 < pk <= MAX_ID:  # an id no row can have (PostgreSQL would reject it loudly)
        return None
    return api_token_list(user=user).filter(pk=pk).first()


def api_token_days() -> tuple[int, int]:
    """(default, maximum) lifetime in days."""
    default = max(1, knox_settings.TOKEN_TTL.days or 1)
    maximum = max(default, settings.DATACHAT_API_TOKEN_MAX_DAYS)
    return default, maximum


# --- writes -----------------------------------------------------------------------------------


def _audit(user: Any, action: str, token: ApiToken, channel: str) -> None:
    from apps.governance.services import audit_record

    for membership in Membership.all_tenants.select_related("organization").filter(user=user):
        audit_record(
            org=membership.organization,
            user=user,
            role=membership.role,
            action=action,
            channel=channel,
            outcome="answered",
            question=f"API token {token.token_key}… {token.name}".strip(),
            details={
                "token_id": token.pk,
                "token_prefix": token.token_key,
                "expiry": token.expiry.isoformat() if token.expiry else None,
            },
        )


@transaction.atomic
def api_token_create(
    *,
    user: Any,
    name: str = "",
    days: int | None = None,
    not_after: dt.datetime | None = None,
    channel: str = "web",
) -> tuple[ApiToken, str]:
    """A new token for `user`: (the stored token, the key to show once).

    `days` defaults to `DATACHAT_API_TOKEN_DAYS` and may not exceed the maximum; `not_after`
    caps the expiry (the API passes the expiry of the token the request came with).
    """
    default, maximum = api_token_days()
    days = default if days is None else days
    if not isinstance(days, int) or not 1 <= days <= maximum:
        raise TokenError(
            "invalid_expiry",
            _("A token lasts between 1 and %(max)d days.") % {"max": maximum},
        )
    limit = knox_settings.TOKEN_LIMIT_PER_USER
    if limit is not None and api_token_list(user=user).count() >= limit:
        raise TokenError(
            "token_limit_reached",
            _("You already have %(n)d tokens: revoke one you no longer use first.") % {"n": limit},
        )
    lifetime = dt.timedelta(days=days)
    if not_after is not None:
        lifetime = min(lifetime, not_after - timezone.now())
        if lifetime <= dt.timedelta(0):
            raise TokenError("invalid_expiry", _("The token you are using has expired."))
    token, key = ApiToken.objects.create(user=user, expiry=lifetime, name=name.strip()[:100])
    _audit(user, "token_create", token, channel)
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, channel: str = "web") -> None:
    """Delete the token: the next request that uses it is refused (401)."""
    _audit(token.user, "token_revoke", token, channel)
    token.delete()


# --- authentication ---------------------------------------------------------------------------


class ApiTokenAuthentication(TokenAuthentication):
    """knox's `Authorization: Token <key>` check, plus the token's last use (minute resolution).

    knox also deletes the user's other expired tokens on every request (a read of all of them
    each time): here that sweep runs when the token's last use is recorded, at most once a
    minute per token. An expired token is refused and deleted on every request, as in knox.
    """

    def _cleanup_token(self, auth_token: ApiToken) -> bool:
        used = auth_token.last_used_at
        if used is None or timezone.now() - used > LAST_USED_RESOLUTION:
            return super()._cleanup_token(auth_token)  # the sweep, and this token's expiry
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False

    def authenticate_credentials(self, token: bytes) -> tuple[Any, ApiToken]:
        user, auth_token = super().authenticate_credentials(token)
        now = timezone.now()
        if auth_token.last_used_at is None or now - auth_token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=auth_token.pk).update(last_used_at=now)
            auth_token.last_used_at = now
        return user, auth_token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """OpenAPI: `Authorization: Token <key>` (the security scheme keeps DRF's name)."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=knox_settings.AUTH_HEADER_PREFIX
        )
