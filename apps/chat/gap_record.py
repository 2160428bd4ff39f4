"""Knowledge gaps kept as answers are recorded (the knowledge gaps page reads only these rows).

An asked-back answer (CLARIFY) leaves one `Gap` per thing its `unresolved` field names (a word,
a metric, a value), or one `question` gap when the engine named nothing; a refused answer leaves
gaps only when it was refused as unknown (it names what it did not understand); a 👎 leaves a
`feedback` gap while the rating stands. Grouping is by the folded text (`key`).
"""

from __future__ import annotations

from typing import Any

from apps.chat.engine.answer import Answer
from apps.chat.models import Gap, Message
from datachat.text import fold

KEY_LENGTH = 200


def gap_key(text: str) -> str:
    """What groups gaps: the text folded (case, accents) with its spaces collapsed."""
    return " ".join(fold(str(text)).replace("¿", " ").replace("?", " ").split())[:KEY_LENGTH]


def gaps_record(*, message: Message, answer: Answer, source: Any, user: Any) -> int:
    """Write the gaps of a just-recorded answer; returns how many."""
    if answer.type == "CLARIFY":
        items = list(answer.unresolved) or [{"kind": Gap.Kind.QUESTION, "text": message.question}]
    elif answer.type == "REFUSED" and answer.unresolved:
        items = list(answer.unresolved)
    else:
        return 0
    seen: set[tuple[str, str]] = set()
    rows = []
    for item in items:
        kind, said = str(item.get("kind", "word")), str(item.get("text", "")).strip()
        key = gap_key(said)
        if not key or (kind, key) in seen or kind not in Gap.Kind.values:
            continue
        seen.add((kind, key))
        rows.append(
            Gap(
                organization_id=message.organization_id,
                message=message,
                data_source=source,
                user=user,
                kind=kind,
                text=said[:KEY_LENGTH],
                key=key,
                answer_type=answer.type,
                created_at=message.created_at,
            )
        )
    Gap.all_tenants.bulk_create(rows)
    return len(rows)


def gap_feedback_sync(*, message: Message, source: Any) -> None:
    """A 👎 is a gap (grouped by its question) while it stands; changing it removes the gap."""
    existing = Gap.all_tenants.filter(message=message, kind=Gap.Kind.FEEDBACK)
    if message.feedback_rating != "down":
        existing.delete()
        return
    if existing.exists():
        return
    Gap.all_tenants.create(
        organization_id=message.organization_id,
        message=message,
        data_source=source,
        user=message.conversation.user,
        kind=Gap.Kind.FEEDBACK,
        text=message.question[:KEY_LENGTH],
        key=gap_key(message.question),
        answer_type=message.answer_type,
        created_at=message.created_at,
    )
