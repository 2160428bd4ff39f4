"""`manage.py ask`: run a question through the whole assistant pipeline (the web chat's path)."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from apps.chat.pipeline import ask
from apps.governance.cli import OneLineErrors, membership_from_args


class Command(OneLineErrors, BaseCommand):
    help = "Ask a question as a member of an organization; prints the answer object."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("question", nargs="?", help="The question, in Spanish or English.")
        parser.add_argument("--org", required=True, help="Organization slug, e.g. acme.")
        parser.add_argument("--user", required=True, help="Username of a member of the org.")
        parser.add_argument("--source", help="Data source name (default: the org's default).")
        parser.add_argument("--conversation", type=int, help="Continue this conversation id.")
        parser.add_argument("--json", action="store_true", help="Print the answer object as JSON.")
        parser.add_argument("--batch", help="A file with one question per line; prints JSONL.")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        membership = membership_from_args(options["org"], options["user"])
        if options["batch"]:
            questions = _read_lines(options["batch"])
            for question in questions:
                answer = ask(
                    membership=membership, question=question, source_name=options["source"]
                )
                self.stdout.write(json.dumps(answer, ensure_ascii=False))
            return
        if not options["question"] or not options["question"].strip():
            raise CommandError("missing question")
        answer = ask(
            membership=membership,
            question=options["question"],
            source_name=options["source"],
            conversation_id=options["conversation"],
        )
        if options["json"]:
            self.stdout.write(json.dumps(answer, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render_text(answer))


def _read_lines(path: str) -> list[str]:
    try:
        stream = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise CommandError(f"cannot read batch file: {exc}") from exc
    with stream:
        return [line.strip() for line in stream if line.strip()]


def render_text(answer: dict) -> str:
    """A short human-readable rendering for terminals (the JSON is the contract)."""
    lines = [f"[{answer['type']}] {answer['answer']}"]
    if answer.get("sql"):
        lines.append(f"SQL: {answer['sql']}")
    if answer.get("columns"):
        lines.append(" | ".join(answer["columns"]))
        for row in answer["rows"][:20]:
            lines.append(" | ".join("" if v is None else str(v) for v in row))
        if answer["row_count"] > 20:
            lines.append(f"… {answer['row_count']} rows")
    for suggestion in answer.get("suggestions") or []:
        lines.append(f"  → {suggestion}")
    return "\n".join(lines)
