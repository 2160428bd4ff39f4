"""Data sources, their schema catalog, and the curated knowledge about them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.governance.tenancy import TenantOwnedModel
from apps.knowledge import locations, secrets


class DataSource(TenantOwnedModel):
    """A team database DataChat queries read-only: a SQLite file or a PostgreSQL URL.

    The location (path or URL, with any password) is stored encrypted. A SQLite location is a
    name relative to the org's folder, `DATACHAT_DATA_DIR/sources/<org-slug>/`, so the data
    directory can move; every location is checked against the rules of `knowledge/locations.py`
    when it is set and again whenever it is opened.
    """

    class Kind(models.TextChoices):
        SQLITE = "sqlite", "SQLite"
        POSTGRES = "postgres", "PostgreSQL"

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
        return checked.sqlite_path if self.kind == self.Kind.SQLITE else checked.pg_dsn

    def display_location(self) -> str:
        return locations.location_display(kind=self.kind, stored=self.stored_location())


class CatalogTable(TenantOwnedModel):
    data_source = models.ForeignKey(DataSource, on_delete=models.CASCADE, related_name="tables")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    synonyms = models.JSONField(default=list, blank=True)
    row_estimate = models.BigIntegerField(default=0)

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
    pii = models.BooleanField(default=False)
    description = models.TextField(blank=True)
    synonyms = models.JSONField(default=list, blank=True)
    # Distinct values of a low-cardinality text column; null when not indexed (or PII).
    distinct_values = models.JSONField(null=True, blank=True)

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
    data_source = models.ForeignKey(
        DataSource, on_delete=models.CASCADE, related_name="foreign_keys"
    )
    table = models.CharField(max_length=200)
    column = models.CharField(max_length=200)
    ref_table = models.CharField(max_length=200)
    ref_column = models.CharField(max_length=200)

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
    data_source = models.ForeignKey(
        DataSource, verbose_name=_("data source"), on_delete=models.CASCADE, related_name="metrics"
    )
    name = models.CharField(verbose_name=_("name"), max_length=200)
    synonyms = models.JSONField(verbose_name=_("synonyms"), default=list, blank=True)
    expression = models.TextField(
        verbose_name=_("expression"), help_text=_("SQL expression, e.g. SUM(ventas.total).")
    )
    table_name = models.CharField(verbose_name=_("table"), max_length=200)
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
