"""Tenants, memberships, access policies and the append-only audit log."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS as KNOX

from apps.governance.tenancy import TenantOwnedModel


class Organization(models.Model):
    """The tenant. Limits that govern every query of the org live here."""

    class Language(models.TextChoices):
        ES = "es", "Español"
        EN = "en", "English"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64, unique=True)
    language = models.CharField(
        max_length=2,
        choices=Language.choices,
        default=Language.ES,
        help_text=_("The language of generated documentation (table docs)."),
    )
    row_cap = models.PositiveIntegerField(
        default=1000, help_text=_("Rows returned in an answer (the table pages them).")
    )
    count_cap = models.PositiveIntegerField(
        default=100_000, help_text=_("Rows read at most to count a result.")
    )
    query_timeout_ms = models.PositiveIntegerField(default=5000)
    knowledge_version = models.PositiveIntegerField(
        default=1, help_text=_("Bumped on every knowledge change; part of every cache key.")
    )
    # Anomaly thresholds per user and hour (compliance reports).
    anomaly_max_questions = models.PositiveIntegerField(default=120)
    anomaly_max_rows = models.PositiveIntegerField(default=50_000)
    anomaly_max_refusals = models.PositiveIntegerField(default=5)
    anomaly_max_not_found = models.PositiveIntegerField(
        default=20, help_text=_("Refused object ids (404) per user and hour: id probing.")
    )
    anomaly_max_failed_logins = models.PositiveIntegerField(
        default=10, help_text=_("Failed logins per username or address and hour.")
    )
    business_hours = models.CharField(
        max_length=11, default="07:00-20:00", help_text=_("Local time, HH:MM-HH:MM.")
    )
    # When anomaly detection last ran for the org (beat, the command, or a page load when no
    # beat is configured): the anomalies page says it, and a stale value triggers a run there.
    anomalies_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    llm_sample_rows = models.BooleanField(
        default=False,
        help_text=_("Allow sending a small sample of masked rows to the LLM for richer answers."),
    )
    llm_monthly_token_budget = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text=_(
            "LLM tokens (prompt + completion) the organization may use per calendar month; once "
            "reached, questions are answered by the built-in engine until the month ends. Empty: "
            "no limit."
        ),
    )
    # Long queries (apps/chat/jobs.py): above this planner cost (PostgreSQL `EXPLAIN`) a question
    # runs as a background job instead of on a web worker; and how many may run at once.
    job_cost_threshold = models.FloatField(
        default=1_000_000.0,
        help_text=_(
            "PostgreSQL sources: a query whose planner cost (EXPLAIN) is above this runs as a "
            "background job, with progress and Stop, instead of in the web request."
        ),
    )
    max_running_queries_per_user = models.PositiveSmallIntegerField(
        default=3,
        help_text=_("Long queries one member may have running at once; more get a 'wait' answer."),
    )
    max_running_queries = models.PositiveSmallIntegerField(
        default=10,
        help_text=_("Long queries the whole organization may have running at once."),
    )
    rate_limits = models.JSONField(
        default=dict,
        blank=True,
        help_text=_(
            'Overrides of the organization-wide request rates, e.g. {"chat": "600/min", '
            '"query": "120/min", "export": "30/hour"}. Empty: the platform defaults.'
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug

    def clean(self) -> None:
        from apps.governance.ratelimit import RATE_SCOPES, Rate

        super().clean()
        if not isinstance(self.rate_limits, dict):
            raise ValidationError({"rate_limits": _("Use an object: {scope: rate}.")})
        for scope, rate in self.rate_limits.items():
            if scope not in RATE_SCOPES:
                raise ValidationError(
                    {
                        "rate_limits": _("Unknown scope %(scope)s (use %(scopes)s).")
                        % {"scope": scope, "scopes": ", ".join(RATE_SCOPES)}
                    }
                )
            try:
                if not isinstance(rate, str):
                    raise ValueError(_('Write each rate as text, e.g. "30/min".'))
                Rate.parse(rate)
            except ValueError as exc:
                raise ValidationError({"rate_limits": str(exc)}) from None


class Role(models.TextChoices):
    VIEWER = "VIEWER", _("Viewer")
    ANALYST = "ANALYST", _("Analyst")
    DATA_SCIENTIST = "DATA_SCIENTIST", _("Data scientist")
    ADMIN = "ADMIN", _("Administrator")
    STEWARD = "STEWARD", _("Data steward")
    COMPLIANCE = "COMPLIANCE", _("Compliance")


class Membership(TenantOwnedModel):
    """A user's role in an organization, with attributes row filters may use (`region`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwnedModel.Meta):
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="uniq_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization_id} ({self.role})"

    def clean(self) -> None:
        """Attributes are an object of text or numbers (or lists of them): row filters read
        them on every request of the member, so any other shape is refused here."""
        super().clean()
        scalar = (str, int, float, bool)
        value = self.attributes
        if not isinstance(value, dict) or not all(
            isinstance(v, scalar) or (isinstance(v, list) and all(isinstance(i, scalar) for i in v))
            for v in value.values()
        ):
            raise ValidationError(
                {
                    "attributes": _(
                        'An object such as {"region": "Norte"} or {"region": ["Norte"]}.'
                    )
                },
                code="attributes_invalid",
            )


class AccessPolicy(TenantOwnedModel):
    """What one role of one org may see and do: resolved into a `DataPolicy` (engine/policy.py),
    whose `CAPABILITIES` are these `can_*` booleans (`can_query_data` there is `can_query`).

    - `allowed_tables`: table names, or ["*"] for every table of the data source.
    - `masked_columns`: "table.column" entries shown as the mask string.
    - `row_filters`: [{"table": t, "column": c, "value": v}], where v may reference a membership
      attribute as "{user.region}"; a missing attribute denies every row (fails closed).
    """

    role = models.CharField(max_length=20, choices=Role.choices)
    allowed_tables = models.JSONField(default=list, blank=True)
    masked_columns = models.JSONField(default=list, blank=True)
    row_filters = models.JSONField(default=list, blank=True)
    can_query_data = models.BooleanField(default=True)
    can_export = models.BooleanField(default=False)
    can_edit_sql = models.BooleanField(default=False)
    can_view_audit = models.BooleanField(
        default=False, help_text=_("Read the audit log and the anomaly reports.")
    )
    can_edit_knowledge = models.BooleanField(
        default=False, help_text=_("Review proposed examples and feedback; edit the knowledge.")
    )
    can_add_data = models.BooleanField(
        default=False,
        help_text=_("Connect data sources and see every data source of the organization."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwnedModel.Meta):
        verbose_name = _("access policy")
        verbose_name_plural = _("access policies")
        verbose_name_plural = "access policies"
        constraints = [
            models.UniqueConstraint(fields=["organization", "role"], name="uniq_policy_role")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}:{self.role}"

    def clean(self) -> None:
        """The lists must have the documented shapes: anything else would be read by every
        request of the role's members (a 500 on each), so the form refuses it."""
        super().clean()
        errors = {}
        for name in ("allowed_tables", "masked_columns"):
            value = getattr(self, name)
            if not isinstance(value, list) or not all(isinstance(e, str) for e in value):
                errors[name] = _('A list of names in quotes, e.g. ["ventas", "clientes.email"].')
        filters = self.row_filters
        scalar = (str, int, float, bool)
        if not isinstance(filters, list) or not all(
            isinstance(f, dict)
            and set(f) == {"table", "column", "value"}
            and isinstance(f["table"], str)
            and isinstance(f["column"], str)
            and isinstance(f["value"], scalar)
            for f in filters
        ):
            errors["row_filters"] = _(
                'A list of {"table": …, "column": …, "value": …}; the value is text or a '
                'number, or "{user.attribute}".'
            )
        if errors:
            raise ValidationError(errors, code="policy_invalid")


class AuditQuerySet(models.QuerySet):
    """No bulk update or delete through the app: the log is append-only."""

    def update(self, **kwargs):  # noqa: ANN003
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")

    def for_org(self, org: Organization) -> AuditQuerySet:
        return self.filter(organization=org)


class AuditEntry(models.Model):
    """One attempt (ask, query, export, …): who, what, the verdict and the numbers.

    Each entry is chained to the previous entry of its chain by `entry_hash =
    HMAC(key[key_id], prev_hash || canonical_json(fields))` (governance/engine/audit_chain.py);
    `manage.py verify_audit` walks the chain. One chain per organization, and one platform chain
    (`organization` empty) for what belongs to no organization (failed logins of unknown users).
    An empty `key_id` marks an entry from before keys existed (plain SHA-256).
    """

    class Outcome(models.TextChoices):
        ANSWERED = "answered", _("Answered")
        CLARIFY = "clarify", _("Clarification")
        REFUSED = "refused", _("Refused")
        ERROR = "error", _("Error")

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    seq = models.PositiveBigIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150)
    role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=20)  # ask, query, export, login_failed, not_found, …
    channel = models.CharField(max_length=10, default="cli")  # web, api, cli, task
    source = models.CharField(max_length=100, blank=True)
    question = models.TextField(blank=True)
    sql = models.TextField(blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    code = models.CharField(max_length=50, blank=True)  # stable refusal/error code
    rule = models.CharField(max_length=200, blank=True)  # the rule that decided, when refused
    row_count = models.PositiveIntegerField(default=0)
    duration_ms = models.FloatField(default=0)
    policy_fingerprint = models.CharField(max_length=40, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    key_id = models.CharField(max_length=16, blank=True, default="")
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["organization_id", "seq"]
        verbose_name_plural = "audit entries"
        constraints = [
            models.UniqueConstraint(fields=["organization", "seq"], name="uniq_audit_seq"),
            models.UniqueConstraint(
                fields=["seq"],
                condition=models.Q(organization__isnull=True),
                name="uniq_platform_audit_seq",
            ),
        ]
        indexes = [models.Index(fields=["organization", "created_at"])]

    def __str__(self) -> str:
        return f"{self.organization_id}#{self.seq} {self.username} {self.action} {self.outcome}"

    def save(self, *args, **kwargs):  # noqa: ANN002, ANN003
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN002, ANN003
        raise PermissionError("The audit log is append-only.")


class AuditChainHead(models.Model):
    """The last link of a chain (an org's, or the platform's when `organization` is empty).

    Locking it serialises appends. `legacy_seq` is the last entry written before keys existed,
    and `legacy_seal` a keyed seal over its hash: unkeyed entries are accepted up to it only.
    """

    organization = models.OneToOneField(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    legacy_seq = models.PositiveBigIntegerField(default=0)
    legacy_key_id = models.CharField(max_length=16, blank=True, default="")
    legacy_seal = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [
            # One platform head too (a plain unique column lets NULLs repeat).
            models.UniqueConstraint(
                Coalesce("organization", models.Value(0), output_field=models.BigIntegerField()),
                name="uniq_audit_chain_head",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id or 'platform'}#{self.seq}"


class RefusalBucket(models.Model):
    """Refused HTTP requests counted per (chain, actor, address, kind, channel, minute).

    Not chained: a flood of refusals updates one counter row instead of growing the audit chain;
    `governance.refusals.refusal_buckets_flush` rolls each closed minute into one chained entry
    and deletes the row. `key` is the bucket's identity (unique, so concurrent first hits of a
    bucket cannot create two rows).
    """

    key = models.CharField(max_length=64, unique=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.CharField(max_length=150)  # username (as typed, for a failed login) or "*"
    role = models.CharField(max_length=20, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    kind = models.CharField(max_length=20)
    channel = models.CharField(max_length=10)
    minute = models.DateTimeField()
    count = models.PositiveIntegerField(default=1)
    first_path = models.CharField(max_length=200, blank=True)
    last_path = models.CharField(max_length=200, blank=True)
    status = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["minute"]), models.Index(fields=["kind", "minute"])]

    def __str__(self) -> str:
        return f"{self.organization_id or 'platform'} {self.actor} {self.kind} {self.minute}"


class AnomalyReport(TenantOwnedModel):
    """Unusual activity of one user in one window, for compliance to review."""

    class Kind(models.TextChoices):
        VOLUME = "volume", _("Unusual number of questions")
        ROWS = "rows", _("Unusual number of rows returned")
        REFUSALS = "refusals", _("Repeated refusals")
        OFF_HOURS = "off_hours", _("Activity outside business hours")
        PROBING = "probing", _("Probing object ids (many refused ids)")
        LOGINS = "logins", _("Burst of failed logins")

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        CLOSED = "closed", _("Closed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    observed = models.FloatField()
    baseline = models.FloatField(default=0)
    threshold = models.FloatField()
    severity = models.CharField(max_length=6, choices=Severity.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    details = models.JSONField(default=dict, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwnedModel.Meta):
        verbose_name = _("anomaly report")
        verbose_name_plural = _("anomaly reports")
        ordering = ["-window_start", "-severity"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "username", "kind", "window_start"],
                name="uniq_anomaly_window",
            )
        ]


class ApiToken(AbstractAuthToken):
    """A personal API token (django-rest-knox's model with an id, a name and a last use).

    Only the SHA-512 digest of the key is stored, with the key's first characters (`token_key`)
    to find candidates and to show the user which token is which; the key itself is shown once,
    when the token is created (`apps.governance.api_tokens`). Tokens belong to a user, not to an
    org: the caller's membership (and `X-DataChat-Org`) decides the org, as for a session.
    """

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=KNOX.DIGEST_LENGTH, unique=True)
    name = models.CharField(max_length=100, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.token_key}… ({self.user})"


class AccessRequest(TenantOwnedModel):
    """A member asking for access a refusal denied them ("Solicitar acceso" on a refused
    answer): recorded for the org's administrators, who grant or decline it on their page."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        GRANTED = "granted", _("Granted")
        DECLINED = "declined", _("Declined")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150)
    role = models.CharField(max_length=20, choices=Role.choices)
    code = models.CharField(max_length=40)  # the refusal's code (table_not_allowed, …)
    reason = models.TextField(blank=True)  # the refusal's message, as the member read it
    question = models.TextField(blank=True)
    message_id = models.PositiveBigIntegerField(null=True, blank=True)  # the refused answer
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwnedModel.Meta):
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "message_id"], name="uniq_access_request_message"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}:{self.username} {self.code} ({self.status})"
