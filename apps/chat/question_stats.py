"""The frequent-questions aggregate (`QuestionStat`): written as answers are recorded, read by
the chat page. Services write (`question_stat_record`, `question_stats_forget`); the selector
`frequent_questions` reads."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import F

from apps.chat.models import Message, QuestionAsker, QuestionStat
from datachat.contract import ANSWERED_TYPES

COUNTED_TYPES = ANSWERED_TYPES


def question_hash(question: str) -> str:
    return hashlib.sha256(question.encode("utf-8")).hexdigest()


def counted(*, kind: str, answer_type: str) -> bool:
    return kind == Message.Kind.ASK and answer_type in COUNTED_TYPES


def question_stat_record(*, org: Any, user: Any, question: str, lang: str, n: int = 1) -> None:
    """One more answered question (`n` more) by `user`; call in the transaction recording it.

    Two upserts (`INSERT … ON CONFLICT DO UPDATE … RETURNING`, PostgreSQL and SQLite alike) and,
    for a new asker, one update: this runs on every answer, cached ones included."""
    stat_table = connection.ops.quote_name(QuestionStat._meta.db_table)
    asker_table = connection.ops.quote_name(QuestionAsker._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {stat_table} (organization_id, lang, question, question_hash, asked, "
            "people) VALUES (%s, %s, %s, %s, %s, 0) ON CONFLICT (organization_id, lang, "
            f"question_hash) DO UPDATE SET asked = {stat_table}.asked + %s RETURNING id",
            [org.pk, lang, question, question_hash(question), n, n],
        )
        stat_id = cursor.fetchone()[0]
        cursor.execute(
            f"INSERT INTO {asker_table} (stat_id, user_id, asked) VALUES (%s, %s, %s) "
            f"ON CONFLICT (stat_id, user_id) DO UPDATE SET asked = {asker_table}.asked + %s "
            "RETURNING asked",
            [stat_id, user.pk, n, n],
        )
        if cursor.fetchone()[0] == n:  # a new asker of this question
            cursor.execute(f"UPDATE {stat_table} SET people = people + 1 WHERE id = %s", [stat_id])


def question_stats_forget(*, messages: Iterable[Message]) -> None:
    """Take messages about to be deleted out of the aggregate (a deleted conversation)."""
    counts: Counter = Counter()
    for message in messages:
        if counted(kind=message.kind, answer_type=message.answer_type):
            lang = (message.answer or {}).get("lang")
            if not lang:
                continue
            user_id = message.conversation.user_id
            counts[(message.organization_id, lang, message.question, user_id)] += 1
    with transaction.atomic():
        for (org_id, lang, question, user_id), n in counts.items():
            stat = (
                QuestionStat.all_tenants.for_org(org_id)
                .filter(lang=lang, question_hash=question_hash(question))
                .first()
            )
            if stat is None:
                continue
            asker = QuestionAsker.objects.filter(stat=stat, user_id=user_id).first()
            gone = 0
            if asker is not None:
                left = max(asker.asked - n, 0)
                if left == 0:
                    asker.delete()
                    gone = 1
                else:
                    QuestionAsker.objects.filter(pk=asker.pk).update(asked=left)
            QuestionStat.all_tenants.filter(pk=stat.pk).update(
                asked=F("asked") - min(n, stat.asked), people=F("people") - min(gone, stat.people)
            )


def frequent_questions(*, org: Any, lang: str, limit: int = 3) -> list[str]:
    """The org's most asked answered questions in a language, for the empty state's chips.

    Only questions that at least two different people asked: a colleague's one-off question
    (which may be about data the viewer cannot see) is never shown to others. One indexed query
    on the aggregate, whatever the size of the history.
    """
    rows = (
        QuestionStat.all_tenants.for_org(org)
        .filter(lang=lang, people__gte=2)
        .order_by("-asked", "question")
        .values_list("question", flat=True)[:limit]
    )
    return list(rows)


def question_stats_rebuild(*, org: Any = None) -> int:
    """Recompute the aggregate from the stored messages (the migration's backfill, and a repair
    tool); returns how many questions it holds."""
    messages = Message.all_tenants.filter(kind=Message.Kind.ASK, answer_type__in=COUNTED_TYPES)
    stats = QuestionStat.all_tenants.all()
    if org is not None:
        messages, stats = messages.filter(organization=org), stats.filter(organization=org)
    with transaction.atomic():
        stats.delete()
        rows = messages.values_list(
            "organization_id", "answer__lang", "question", "conversation__user_id"
        )
        counts = Counter(rows.iterator())
        made: dict[tuple, QuestionStat] = {}
        for (org_id, lang, question, user_id), n in counts.items():
            if not lang:
                continue  # an answer without a language is in no language's chips
            key = (org_id, lang, question)
            stat = made.get(key)
            if stat is None:
                stat = made[key] = QuestionStat.all_tenants.create(
                    organization_id=org_id,
                    lang=lang,
                    question=question,
                    question_hash=question_hash(question),
                )
            QuestionAsker.objects.create(stat=stat, user_id=user_id, asked=n)
            stat.asked += n
            stat.people += 1
        for stat in made.values():
            QuestionStat.all_tenants.filter(pk=stat.pk).update(asked=stat.asked, people=stat.people)
    return len(made)
