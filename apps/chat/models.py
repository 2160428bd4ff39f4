"""Conversations and their messages (one message per question and its answer)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.governance.tenancy import TenantOwnedModel


class Conversation(TenantOwnedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations"
    )
    data_source = models.ForeignKey(
        "knowledge.DataSource", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200, blank=True)
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwnedModel.Meta):
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["organization", "user", "-updated_at"])]

    def __str__(self) -> str:
        return self.title or f"Conversation {self.pk}"


class Message(TenantOwnedModel):
    """A turn: the question asked and the full answer object returned for it."""

    class Kind(models.TextChoices):
        ASK = "ask", "ask"
        QUERY = "query", "query"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ASK)
    question = models.TextField()
    answer_type = models.CharField(max_length=10)  # SQL, RAG, HYBRID, CLARIFY, REFUSED, ERROR
    intent = models.JSONField(null=True, blank=True)
    sql = models.TextField(blank=True)
    # The structured plan the offline engine built: follow-ups rewrite it.
    plan = models.JSONField(null=True, blank=True)
    answer = models.JSONField(default=dict)
    error_code = models.CharField(max_length=50, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    cached = models.BooleanField(default=False)
    timings_ms = models.JSONField(default=dict)
    llm = models.JSONField(default=dict)
    feedback_rating = models.CharField(max_length=4, blank=True)  # up, down
    feedback_comment = models.TextField(blank=True)
    feedback_tags = models.JSONField(default=list, blank=True)
    # The chart type the asker chose with the switcher (empty: the one the engine chose); kept
    # so a reload draws what they picked.
    chart_type = models.CharField(max_length=10, blank=True)
    # A steward or admin looked at this 👎 in the review queue (it leaves the queue's count).
    feedback_reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwnedModel.Meta):
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.question[:80]


class QuestionStat(TenantOwnedModel):
    """How often an answered question was asked in an org, in one language, and by how many
    people: the chat page's frequent questions, maintained as messages are recorded (and
    forgotten with their conversation), so reading them is one indexed query whatever the
    history's size. Counts answered questions only (SQL, RAG, HYBRID), as the chips offer."""

    lang = models.CharField(max_length=8)
    question = models.TextField()
    question_hash = models.CharField(max_length=64)
    asked = models.PositiveIntegerField(default=0)
    people = models.PositiveIntegerField(default=0)

    class Meta(TenantOwnedModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "lang", "question_hash"], name="chat_questionstat_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "lang", "-asked"])]

    def __str__(self) -> str:
        return f"{self.question[:60]} ×{self.asked}"


class QuestionAsker(models.Model):
    """How many times one person asked one `QuestionStat`'s question (its `people` count)."""

    stat = models.ForeignKey(QuestionStat, on_delete=models.CASCADE, related_name="askers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    asked = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stat", "user"], name="chat_questionasker_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ×{self.asked}"


class QueryJob(TenantOwnedModel):
    """A long query run by a Celery worker instead of a web worker (apps/chat/jobs.py).

    Created when a question's SQL is expected to be slow (the planner's cost above the org's
    threshold, or a first attempt past the web deadline); it carries what the worker needs to
    guard, run, format and record the answer: the SQL, the reading of the question, and where it
    goes. The worker records the server's session id (`backend_pid`: PostgreSQL's backend
    pid, MariaDB's thread id) when the query starts, so Stop can cancel it in the database;
    `cancel_requested` is what the worker's watchdog polls.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")
        FAILED = "failed", _("failed")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="jobs", null=True, blank=True
    )
    source_name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Message.Kind.choices)
    channel = models.CharField(max_length=10)
    lang = models.CharField(max_length=8, default="es")
    question = models.TextField()
    sql = models.TextField()
    intent = models.JSONField(null=True, blank=True)
    plan = models.JSONField(null=True, blank=True)
    chart_hint = models.CharField(max_length=20, blank=True)
    narrate_shape = models.BooleanField(default=False)
    llm = models.JSONField(default=dict, blank=True)
    cache_key = models.CharField(max_length=80, blank=True)
    # Why it became a job: "cost" (the planner's estimate) or "deadline" (a first attempt).
    reason = models.CharField(max_length=10)
    estimated_cost = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    cancel_requested = models.BooleanField(default=False)
    backend_pid = models.IntegerField(null=True, blank=True)
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwnedModel.Meta):
        verbose_name = _("query job")
        verbose_name_plural = _("query jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "status", "user"])]

    def __str__(self) -> str:
        return f"{self.pk} {self.status}"


class Gap(TenantOwnedModel):
    """One thing an answer was missing: a word, metric or value the engine could not place in an
    asked-back (or refused-as-unknown) answer, or a 👎 on an answer. Written when the message is
    recorded (and when the 👎 is given), so the knowledge gaps page groups them with one indexed
    query per period instead of re-reading every answer. Deleted with its message."""

    class Kind(models.TextChoices):
        WORD = "word", _("word or phrase")
        METRIC = "metric", _("metric")
        VALUE = "value", _("value")
        QUESTION = "question", _("question asked back")  # nothing identified: the question
        FEEDBACK = "feedback", _("not helpful")  # a 👎

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="gaps")
    data_source = models.ForeignKey(
        "knowledge.DataSource", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.CharField(max_length=200)  # as the asker wrote it
    key = models.CharField(max_length=200)  # folded: what groups the gaps
    answer_type = models.CharField(max_length=10)
    created_at = models.DateTimeField()  # the message's

    class Meta(TenantOwnedModel.Meta):
        indexes = [
            models.Index(fields=["organization", "created_at"]),
            models.Index(fields=["organization", "kind", "key"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.text}"


class GapFix(TenantOwnedModel):
    """A steward's fix of one gap (a synonym, a metric or a verified example) and what re-asking
    the gap's questions in the background found: how many now get an answer, which still not."""

    class Action(models.TextChoices):
        SYNONYM = "synonym", _("synonym")
        METRIC = "metric", _("metric")
        EXAMPLE = "example", _("verified example")

    class Status(models.TextChoices):
        PENDING = "pending", _("re-asking")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    data_source = models.ForeignKey(
        "knowledge.DataSource", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10)
    key = models.CharField(max_length=200)
    text = models.CharField(max_length=200)
    action = models.CharField(max_length=10, choices=Action.choices)
    target = models.CharField(max_length=300, blank=True)  # what the fix changed, in words
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    knowledge_version = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    asked = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    # [{"question": ..., "type": SQL|CLARIFY|…}] of every question re-asked
    results = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwnedModel.Meta):
        indexes = [models.Index(fields=["organization", "kind", "key", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} for {self.text}"
