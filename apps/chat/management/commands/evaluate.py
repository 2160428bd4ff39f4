"""`manage.py evaluate FILE`: score the assistant on a JSONL evaluation file."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from apps.chat.evaluation import Summary, evaluate_cases, load_cases, summary_table
from apps.governance.cli import OneLineErrors


class Command(OneLineErrors, BaseCommand):
    help = "Run each case of a JSONL evaluation file through the pipeline and report accuracy."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("file", help="JSONL cases (see CONTRACT.md).")
        parser.add_argument("--org", help="Default org for cases without one (default acme).")
        parser.add_argument("--user", help="Default user for cases without one (default analista).")
        parser.add_argument("--json", action="store_true", help="Print one JSON result per case.")
        parser.add_argument(
            "--min-accuracy", type=float, help="Exit non-zero below this overall accuracy (0-1)."
        )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        try:
            cases = load_cases(options["file"])
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if options["org"] or options["user"]:
            from dataclasses import replace

            cases = [
                replace(
                    c,
                    org=c.org if c.org != "acme" or not options["org"] else options["org"],
                    user=c.user if c.user != "analista" or not options["user"] else options["user"],
                )
                for c in cases
            ]
        summary = Summary()
        total = len(cases)
        for number, result in enumerate(evaluate_cases(cases), start=1):
            summary.results.append(result)
            if options["json"]:
                self.stdout.write(
                    json.dumps(
                        {
                            "id": result.case.id,
                            "ok": result.ok,
                            "type": result.answer_type,
                            "intent": result.intent,
                            "expected_intent": result.case.intent,
                            "reason": result.reason,
                            "ms": round(result.ms, 1),
                            "sql": result.sql,
                        },
                        ensure_ascii=False,
                    )
                )
            else:
                mark = "ok  " if result.ok else "FAIL"
                detail = "" if result.ok else f"  ← {result.reason}"
                self.stdout.write(
                    f"[{number:>3}/{total}] {mark} {result.case.id:<8} {result.answer_type:<8} "
                    f"{result.case.question[:60]}{detail}"
                )
        self.stdout.write(summary_table(summary))
        floor = options["min_accuracy"]
        if floor is not None and summary.accuracy < floor:
            raise CommandError(f"accuracy {summary.accuracy:.1%} is below {floor:.1%}")
