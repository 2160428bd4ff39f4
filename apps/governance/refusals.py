"""Refused HTTP requests in the audit log, aggregated so they cannot flood the chain.

What is recorded: 403 and 404 answers of a resolved URL (another org's or another user's object,
a page or endpoint the role may not use), 429s, failed logins (`user_login_failed`) and CSRF
failures. A refusal does not append to the chain at once: it increments a counter row
(`RefusalBucket`) keyed by (chain, actor, address, kind, channel, minute): one UPDATE per refused
request, a bounded table. `refusal_buckets_flush` rolls each closed minute's bucket into ONE
chained entry (`action` = the kind, `outcome` = refused, `details.count` = how many) and deletes
the row; it runs every minute from Celery beat, before each checkpoint and anomaly run, and
whenever a new bucket opens (so a deployment without beat still rolls them).

At most `BUCKETS_PER_MINUTE` distinct (actor, address) buckets open per chain, kind and minute;
beyond that every further actor lands in one overflow bucket (actor `*`), so even a flood from
many addresses or typed usernames adds a bounded number of entries per minute.

Chains: a member's refusal goes to their organization's chain; a refusal of an anonymous caller,
of a user without an organization, or a failed login for a username that does not exist, goes to
the platform chain (`organization` empty), readable by platform staff in the admin.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from apps.governance.models import AuditEntry, Membership, Organization, RefusalBucket

logger = logging.getLogger("datachat.audit")

BUCKETS_PER_MINUTE = 50
OVERFLOW_ACTOR = "*"
ANONYMOUS = "(anonymous)"


class Kind:
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    THROTTLED = "throttled"
    LOGIN_FAILED = "login_failed"
    CSRF_FAILED = "csrf_failed"


KINDS = (Kind.NOT_FOUND, Kind.FORBIDDEN, Kind.THROTTLED, Kind.LOGIN_FAILED, Kind.CSRF_FAILED)


def _bucket_key(
    org_id: int | None, actor: str, ip: str, kind: str, channel: str, minute: Any
) -> str:
    raw = f"{org_id or 0}\x00{actor}\x00{ip}\x00{kind}\x00{channel}\x00{minute.isoformat()}"
    return hashlib.sha256(raw.encode()).hexdigest()


def refusal_record(
    *,
    org: Organization | None,
    user: Any,
    actor: str,
    kind: str,
    channel: str,
    ip: str = "",
    path: str = "",
    status: int = 0,
    role: str = "",
    now: dt.datetime | None = None,
) -> None:
    """Count one refusal in its minute's bucket (creating the bucket on the minute's first one).

    Opening a bucket also rolls every closed minute into the chains.
    """
    minute = (now or timezone.now()).replace(second=0, microsecond=0)
    actor = actor[:150]
    path = path[:200]
    org_id = org.pk if org is not None else None
    key = _bucket_key(org_id, actor, ip, kind, channel, minute)
    bump = {"count": F("count") + 1, "last_path": path}
    if RefusalBucket.objects.filter(key=key).update(**bump):
        return
    open_buckets = RefusalBucket.objects.filter(organization=org, kind=kind, minute=minute).exclude(
        actor=OVERFLOW_ACTOR
    )
    if open_buckets.count() >= BUCKETS_PER_MINUTE:
        actor, ip, user, role = OVERFLOW_ACTOR, "", None, ""
        key = _bucket_key(org_id, actor, ip, kind, channel, minute)
        if RefusalBucket.objects.filter(key=key).update(**bump):
            return
    try:
        with transaction.atomic():
            RefusalBucket.objects.create(
                key=key,
                organization=org,
                user=user if getattr(user, "pk", None) else None,
                actor=actor,
                role=role,
                ip=ip,
                kind=kind,
                channel=channel,
                minute=minute,
                first_path=path,
                last_path=path,
                status=status,
            )
    except IntegrityError:  # a concurrent first hit of the same bucket won the race
        RefusalBucket.objects.filter(key=key).update(**bump)
        return
    refusal_buckets_flush(before=minute)


def refusal_buckets_flush(*, before: dt.datetime | None = None) -> int:
    """Roll every bucket of a minute before `before` (default: the current minute) into one
    chained audit entry each, dated at its minute, and delete it. Returns entries written.

    Safe to run concurrently: a bucket is claimed by deleting it inside the transaction that
    appends its entry, so two flushers never write the same bucket twice.
    """
    from apps.governance.services import audit_record

    cutoff = (before or timezone.now()).replace(second=0, microsecond=0)
    written = 0
    pending = RefusalBucket.objects.filter(minute__lt=cutoff).order_by("minute", "pk")
    for pk in list(pending.values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                bucket = (
                    RefusalBucket.objects.select_for_update()
                    .select_related("organization", "user")
                    .filter(pk=pk)
                    .first()
                )
                if bucket is None or not RefusalBucket.objects.filter(pk=pk).delete()[0]:
                    continue  # another flusher rolled it
                audit_record(
                    org=bucket.organization,
                    user=bucket.user,
                    username=bucket.actor,
                    role=bucket.role,
                    action=bucket.kind,
                    outcome=AuditEntry.Outcome.REFUSED,
                    channel=bucket.channel,
                    code=bucket.kind,
                    rule=f"HTTP {bucket.status}" if bucket.status else "",
                    details={
                        "aggregated": True,
                        "count": bucket.count,
                        "minute": bucket.minute.isoformat(),
                        "ip": bucket.ip,
                        "first_path": bucket.first_path,
                        "last_path": bucket.last_path,
                    },
                    created_at=bucket.minute,
                )
                written += 1
        except DatabaseError:
            # SQLite refuses a write from a stale snapshot when another flusher committed
            # first: that flusher rolled the bucket. Anything else is retried next minute.
            logger.warning("refusal bucket %s not rolled this time", pk, exc_info=True)
    return written


def _client_ip(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


def _channel(request: HttpRequest | None) -> str:
    if request is None:
        return "web"
    path = request.path
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/admin/"):
        return "admin"
    return "web"


def refusal_from_request(*, request: HttpRequest, kind: str, status: int) -> None:
    """Record a refused request: a member's in their org's chain, anyone else's in the
    platform chain. Never raises (a refusal must not become a 500); failures are logged."""
    try:
        user = getattr(request, "user", None)
        authenticated = bool(getattr(user, "is_authenticated", False))
        membership = getattr(request, "membership", None)
        if membership is None and authenticated:
            # Token callers are authenticated inside the API view, after the tenant middleware.
            from apps.governance.api_access import ORG_HEADER
            from apps.governance.selectors import membership_for_user

            membership = membership_for_user(
                user=user, org_slug=request.headers.get(ORG_HEADER)
            ) or membership_for_user(user=user)
        refusal_record(
            org=membership.organization if membership is not None else None,
            user=user if authenticated else None,
            actor=user.get_username() if authenticated else ANONYMOUS,
            role=membership.role if membership is not None else "",
            kind=kind,
            channel=_channel(request),
            ip=_client_ip(request),
            path=request.path,  # no query string: it may carry search terms
            status=status,
        )
        request._refusal_audited = True  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - recording must never turn a refusal into a 500
        logger.exception("could not record a refused request (%s %s)", kind, request.path)


def refusal_login_failed(*, username: str, request: HttpRequest | None) -> None:
    """A failed login: in each org of the user it names, else (unknown user, or a user without
    an org) in the platform chain. The typed username is kept, cut to 150 characters."""
    try:
        user_model = get_user_model()
        user = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()
        memberships = (
            list(Membership.all_tenants.select_related("organization").filter(user=user))
            if user is not None
            else []
        )
        common = {
            "user": user,
            "actor": username or ANONYMOUS,
            "kind": Kind.LOGIN_FAILED,
            "channel": _channel(request),
            "ip": _client_ip(request),
            "path": request.path if request is not None else "",
            "status": 0,
        }
        if not memberships:
            refusal_record(org=None, **common)
        for membership in memberships:
            refusal_record(org=membership.organization, role=membership.role, **common)
    except Exception:  # noqa: BLE001 - a login page must answer whatever the log does
        logger.exception("could not record a failed login")
