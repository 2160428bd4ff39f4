"""Data sources, their schema catalog, and the curated knowledge about them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.governance.tenancy import TenantOwnedModel
from apps.knowledge import locations, secrets


class DataSource(TenantOwnedModel):
    """A team database DataChat queries read-only: a SQLite file, a PostgreSQL or MariaDB URL, or
    the DuckDB file holding the spreadsheets uploaded under this source's name.

    The location (path or URL, with any password) is stored encrypted. A SQLite location is a
    name relative to the org's folder, `DATACHAT_DATA_DIR/sources/<org-slug>/`, so the data
    directory can move; every location is checked against the rules of `knowledge/locations.py`
    when it is set and again whenever it is opened.
    """

    class Kind(models.TextChoices):
        # One value per registered engine adapter (`governance.engine.dialects`; a test checks
        # both lists agree): everything engine-specific goes through `get_dialect(kind)`.
        SQLITE = "sqlite", "SQLite"
        POSTGRES = "postgres", "PostgreSQL"
        MARIADB = "mariadb", "MariaDB"
        DUCKDB = "duckdb", _("Spreadsheets (DuckDB)")

    class SetupStatus(models.TextChoices):
        READY = "ready", _("Ready")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Introspecting")
        FAILED = "failed", _("Failed")

    name = models.SlugField(max_length=100)
    display_name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    location_encrypted = models.TextField(editable=False)
    is_default = models.BooleanField(default=False)
    # New sources are closed until an admin opens them (or grants `use_datasource`).
    restricted = models.BooleanField(
        default=True,
        help_text=_("Only users granted 'use_datasource' on this source may query it."),
    )
    schema_version = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    db_roles_enabled = models.BooleanField(
        default=False,
        editable=False,
        help_text=_(
            "PostgreSQL: every query runs as its role's own database role (set by "
            "manage.py create_readonly_role)."
        ),
    )
    db_roles_synced_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Connecting (`services.datasource_connect`): the schema is introspected, documented and
    # indexed, in a task for a large schema; `setup` says how far it got.
    setup_status = models.CharField(
        max_length=10, choices=SetupStatus.choices, default=SetupStatus.READY, editable=False
    )
    setup = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwnedModel.Meta):
        verbose_name = _("data source")
        verbose_name_plural = _("data sources")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="uniq_source_name")
        ]
        permissions = [("use_datasource", "Can query this data source")]

    def __str__(self) -> str:
        return self.display_name or self.name

    @property
    def dialect(self) -> str:
        return self.kind

    def memo_key(self) -> tuple:
        """What in-process memos and answer caches key a source's catalog on: its id, engine,
        schema version and last refresh. The refresh time tells apart two sources that shared an
        id (a deleted one, or a rolled-back test's) and a schema version."""
        refreshed = self.refreshed_at.isoformat() if self.refreshed_at else ""
        return (self.pk, self.kind, self.schema_version, refreshed)

    def set_location(self, location: str) -> None:
        """Store a location as given: callers pass one `locations.location_check` returned
        (`services.datasource_save` does)."""
        self.location_encrypted = secrets.encrypt(location)

    def stored_location(self) -> str:
        """The decrypted location as stored (a relative file name or a URL), unchecked."""
        return secrets.decrypt(self.location_encrypted)

    def checked_location(self) -> locations.CheckedLocation:
        """The stored location, re-checked now: raises `locations.LocationError` when it breaks
        the rules (stored before them, or a symlink changed since)."""
        return locations.location_check(
            org=self.organization, kind=self.kind, location=self.stored_location()
        )

    def location(self) -> str:
        """The absolute file path or the connection string to open, after the location rules.

        Never log or display it: see `display_location`. Raises `locations.LocationError`.
        """
        checked = self.checked_location()
        return checked.sqlite_path or checked.pg_dsn or checked.dsn or ""

    def display_location(self) -> str:
        return locations.location_display(kind=self.kind, stored=self.stored_location())


class FlagSource(models.TextChoices):
    """Who set a catalog flag: introspection (re-decided at every refresh) or a steward (kept)."""

    AUTO = "auto", _("Detected")
    STEWARD = "steward", _("Set by a steward")


class CatalogTable(TenantOwnedModel):
    data_source = models.ForeignKey(DataSource, on_delete=models.CASCADE, related_name="tables")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    synonyms = models.JSONField(default=list, blank=True)
    # The column that names a row ("nombre", "title"): what a listing or a ranking shows.
    label_column = models.CharField(max_length=200, blank=True)
    row_estimate = models.BigIntegerField(default=0)
    sensitive = models.BooleanField(
        default=False,
        help_text=_(
            "Personal data, salaries, bank details: the default policies keep it from viewers "
            "and analysts until an admin allows it."
        ),
    )
    sensitive_source = models.CharField(
        max_length=10, choices=FlagSource.choices, default=FlagSource.AUTO
    )

    class Meta(TenantOwnedModel.Meta):
        verbose_name = _("catalog table")
        verbose_name_plural = _("catalog tables")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["data_source", "name"], name="uniq_catalog_table")
        ]

    def __str__(self) -> str:
        return self.name


class CatalogColumn(TenantOwnedModel):
    table = models.ForeignKey(CatalogTable, on_delete=models.CASCADE, related_name="columns")
    name = models.CharField(max_length=200)
    data_type = models.CharField(max_length=100, blank=True)
    position = models.PositiveIntegerField(default=0)
    primary_key = models.BooleanField(default=False)
    nullable = models.BooleanField(default=True)
    pii = models.BooleanField(
        default=False,
        help_text=_("Personal data: masked by the default policies and never value-indexed."),
    )
    pii_source = models.CharField(
        max_length=10, choices=FlagSource.choices, default=FlagSource.AUTO
    )
    description = models.TextField(blank=True)
    synonyms = models.JSONField(default=list, blank=True)
    # What a number of this column is in: an ISO 4217 currency ("EUR") or a unit ("km²", "kg").
    # Answers, tables and charts show it; nothing is assumed when both are empty.
    currency = models.CharField(max_length=3, blank=True, help_text=_("ISO 4217 code, e.g. EUR."))
    unit = models.CharField(max_length=30, blank=True, help_text=_("e.g. km², kg, years."))
    # Distinct values of a low-cardinality text column; null when not indexed (or PII).
    distinct_values = models.JSONField(null=True, blank=True)
    # Other words for a value of this column, {value: [synonym, …]} ("sucursal norte" → "Norte"):
    # a steward's, kept across refreshes; the offline engine reads them like the value itself.
    value_synonyms = models.JSONField(default=dict, blank=True)

    class Meta(TenantOwnedModel.Meta):
        verbose_name = _("catalog column")
        verbose_name_plural = _("catalog columns")
        ordering = ["table_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["table", "name"], name="uniq_catalog_column")
        ]

    def __str__(self) -> str:
        return f"{self.table.name}.{self.name}"


class CatalogForeignKey(TenantOwnedModel):
    """A join path: `table.column` refers to `ref_table.ref_column`.

    Introspected from the database's foreign keys, or declared by a steward (the semantic-layer
    file, the admin) where the database declares none; a schema refresh replaces only the
    introspected ones. `cardinality` reads from `table` to `ref_table`.
    """

    class Cardinality(models.TextChoices):
        MANY_TO_ONE = "many_to_one", _("many to one")
        ONE_TO_ONE = "one_to_one", _("one to one")
        ONE_TO_MANY = "one_to_many", _("one to many")
        MANY_TO_MANY = "many_to_many", _("many to many")

    data_source = models.ForeignKey(
        DataSource, on_delete=models.CASCADE, related_name="foreign_keys"
    )
    table = models.CharField(max_length=200)
    column = models.CharField(max_length=200)
    ref_table = models.CharField(max_length=200)
    ref_column = models.CharField(max_length=200)
    cardinality = models.CharField(
        max_length=12, choices=Cardinality.choices, default=Cardinality.MANY_TO_ONE
    )
    declared = models.BooleanField(
        default=False, help_text=_("Declared by a steward, not found in the database.")
    )

    def __str__(self) -> str:
        return f"{self.table}.{self.column} → {self.ref_table}.{self.ref_column}"

    class Meta(TenantOwnedModel.Meta):
        verbose_name = _("foreign key")
        verbose_name_plural = _("foreign keys")


class Document(TenantOwnedModel):
    """Curated documentation: a table's doc, a metric definition, the glossary, a free note."""

    class Kind(models.TextChoices):
        TABLE = "TABLE", _("Table documentation")
        METRIC = "METRIC", _("Metric definition")
        GLOSSARY = "GLOSSARY", _("Glossary")
        EXAMPLE = "EXAMPLE", _("Verified example")
        NOTE = "NOTE", _("Note")

    data_source = models.ForeignKey(
        DataSource,
        verbose_name=_("data source"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="documents",
    )
    kind = models.CharField(verbose_name=_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(verbose_name=_("title"), max_length=300)
    body = models.TextField(
        verbose_name=_("body"),
    )
    # The table a document is about: retrieval hides it from callers who may not see the table.
    table_name = models.CharField(verbose_name=_("table"), max_length=200, blank=True)
    version = models.PositiveIntegerField(verbose_name=_("version"), default=1)
    generated = models.BooleanField(
        verbose_name=_("generated"), default=False, help_text=_("Created from introspection.")
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta(TenantOwnedModel.Meta):
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["kind", "title"]
        permissions = [("view_restricted_document", "Can view a restricted document")]

    def __str__(self) -> str:
        return self.title


class Metric(TenantOwnedModel):
    class Format(models.TextChoices):
        NUMBER = "number", _("Number")
        INTEGER = "integer", _("Integer")
        MONEY = "money", _("Money")
        PERCENT = "percent", _("Percent (0-100)")
        RATIO = "ratio", _("Ratio (0-1, shown as %)")

    data_source = models.ForeignKey(
        DataSource, verbose_name=_("data source"), on_delete=models.CASCADE, related_name="metrics"
    )
    name = models.CharField(verbose_name=_("name"), max_length=200)
    synonyms = models.JSONField(verbose_name=_("synonyms"), default=list, blank=True)
    expression = models.TextField(
        verbose_name=_("expression"), help_text=_("SQL expression, e.g. SUM(ventas.total).")
    )
    table_name = models.CharField(verbose_name=_("table"), max_length=200)
    # SQL conditions over the metric's tables, all of which a counted row meets.
    filters = models.JSONField(default=list, blank=True)
    format = models.CharField(max_length=10, choices=Format.choices, blank=True)
    # Shown after the value: a currency code or a unit; empty: the measured column's, if any.
    unit = models.CharField(max_length=30, blank=True)
    description = models.TextField(verbose_name=_("description"), blank=True)
    document = models.OneToOneField(
        Document,
        verbose_name=_("document"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="metric",
    )

    class Meta(TenantOwnedModel.Meta):
        verbose_name = _("metric")
        verbose_name_plural = _("metrics")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["data_source", "name"], name="uniq_metric_name")
        ]

    def __str__(self) -> str:
        return self.name


class VerifiedExample(TenantOwnedModel):
    """A question and the SQL answering it, reviewed by a steward; stale on a schema change."""

    class Status(models.TextChoices):
        PROPOSED = "PROPOSED", _("Proposed")
        APPROVED = "APPROVED", _("Approved")
        REJECTED = "REJECTED", _("Rejected")
        STALE = "STALE", _("Stale")

    data_source = models.ForeignKey(
        DataSource, verbose_name=_("data source"), on_delete=models.CASCADE, related_name="examples"
    )
    question = models.TextField(
        verbose_name=_("question"),
    )
    sql = models.TextField(
        verbose_name=_("SQL"),
    )
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    tables_used = models.JSONField(verbose_name=_("tables used"), default=list, blank=True)
    columns_used = models.JSONField(verbose_name=_("columns used"), default=list, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(verbose_name=_("reviewed at"), null=True, blank=True)
    # Provenance: the chat message it came from (an id, not a FK: knowledge sits below chat).
    source_message_id = models.BigIntegerField(
        verbose_name=_("source message"), null=True, blank=True
    )
    stale_reason = models.CharField(verbose_name=_("stale reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta(TenantOwnedModel.Meta):
        verbose_name = _("verified example")
        verbose_name_plural = _("verified examples")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.question[:80]


class KnowledgeChange(TenantOwnedModel):
    """Who changed which piece of knowledge, when, and how: the steward's version history."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_type = models.CharField(max_length=50)
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=20)  # created, updated, deleted, approved, …
    changes = models.JSONField(default=dict, blank=True)
    knowledge_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwnedModel.Meta):
        verbose_name = _("knowledge change")
        verbose_name_plural = _("knowledge changes")
        ordering = ["-created_at"]


class IndexOutbox(models.Model):
    """A document's index work, written in the transaction that changed the document.

    The transactional outbox of the vector index (docs/deploy.md, "Faults"): the row commits or
    rolls back with the edit, so an edit is never lost when the broker is down at commit time.
    After commit the task is enqueued at once; the beat task `index_outbox_flush_task`
    re-enqueues rows still pending (the broker was down, the message was lost); the worker marks
    the rows done when the document's index is up to date. Not tenant-scoped through a foreign
    key: a row must outlive its document (and the organization deleting it) to unindex it.
    """

    class Action(models.TextChoices):
        INDEX = "index", "index"
        UNINDEX = "unindex", "unindex"

    org_slug = models.CharField(max_length=100)
    document_id = models.BigIntegerField()
    action = models.CharField(max_length=10, choices=Action.choices)
    created_at = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["done_at", "created_at"], name="knowledge_outbox_pending"),
            models.Index(fields=["document_id", "action"], name="knowledge_outbox_document"),
        ]

    def __str__(self) -> str:
        state = "done" if self.done_at else "pending"
        return f"{self.action} {self.org_slug}/{self.document_id} ({state})"
