"""`manage.py query`: run SQL through the guard, the policy rewrite and the read-only executor."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from apps.chat.engine.answer import Answer
from apps.chat.management.commands.ask import render_text
from apps.chat.pipeline import run_query
from apps.governance.cli import OneLineErrors, membership_from_args


class Command(OneLineErrors, BaseCommand):
    help = "Run a SQL query as a member of an organization; prints the answer object."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("sql", nargs="?", help="One SQL statement.")
        parser.add_argument("--org", required=True)
        parser.add_argument("--user", required=True)
        parser.add_argument("--source", help="Data source name (default: the org's default).")
        parser.add_argument("--json", action="store_true", help="Print the answer object as JSON.")
        parser.add_argument("--batch", help='JSONL file, one {"sql": ...} per line; prints JSONL.')

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        membership = membership_from_args(options["org"], options["user"])
        if options["batch"]:
            for sql, problem in _read_batch(options["batch"]):
                if problem:
                    answer = batch_line_error(problem)
                else:
                    answer = run_query(
                        membership=membership, sql=sql, source_name=options["source"]
                    )
                self.stdout.write(json.dumps(answer, ensure_ascii=False))
            return
        if not options["sql"] or not options["sql"].strip():
            raise CommandError("missing SQL")
        answer = run_query(membership=membership, sql=options["sql"], source_name=options["source"])
        if options["json"]:
            self.stdout.write(json.dumps(answer, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render_text(answer))


def batch_line_error(problem: str) -> dict:
    """An unreadable batch line still gets its answer object, in order: nothing is skipped."""
    answer = Answer(type="ERROR", answer=problem, error={"code": "bad_input", "message": problem})
    return answer.to_dict()


def _read_batch(path: str) -> list[tuple[str, str]]:
    """(sql, problem) per non-empty line of {"sql": ...} JSON (the SQL may contain newlines)."""
    try:
        stream = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise CommandError(f"cannot read batch file: {exc}") from exc
    items = []
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if not isinstance(item["sql"], str):
                    raise TypeError("sql must be a string")
                items.append((item["sql"], ""))
            except (ValueError, KeyError, TypeError):
                items.append(("", f'line {number}: expected a JSON object {{"sql": "..."}}'))
    return items
