"""`manage.py evaluate`: score the assistant on a JSONL evaluation file, or on foreign databases.

    manage.py evaluate FILE [--org SLUG] [--user NAME] [--json] [--min-accuracy X]
    manage.py evaluate --corpus DIR [--only DB ...] [--lang en|es] [--output FILE] [--json]
    manage.py evaluate --database PATH.db|PATH.sql.gz --cases QUESTIONS.jsonl [--lang en|es] ...
    (either form: [--semantic FILE|DIR] [--variant NAME] [--paraphrases] [--totals-only]
     [--min-accuracy X])

The second and third forms run public databases the product was not built around (see
`apps/chat/evaluation_foreign.py`): each gets an evaluation org `foreign-<db>` with the file as its
data source, every question goes through the same pipeline as `ask`, and the table at the end
gives, per database and language, right (strict and lenient) / asked back / refused / error /
documentation answer / confidently wrong. `--totals-only` prints no case at all (for a held-out
set nobody may tune on).
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.chat.evaluation import Summary, evaluate_cases, load_cases, summary_table
from apps.chat.evaluation_foreign import (
    ForeignDatabase,
    ForeignSummary,
    corpus_databases,
    evaluate_foreign,
    foreign_org_prepare,
    foreign_summary_table,
    load_foreign_cases,
    semantic_layer_load,
)
from apps.governance.cli import OneLineErrors


class Command(OneLineErrors, BaseCommand):
    help = "Run each case of a JSONL evaluation file through the pipeline and report accuracy."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("file", nargs="?", help="JSONL cases (see docs/contract.md).")
        parser.add_argument("--org", help="Default org for cases without one (default acme).")
        parser.add_argument("--user", help="Default user for cases without one (default analista).")
        parser.add_argument("--json", action="store_true", help="Print one JSON result per case.")
        parser.add_argument(
            "--min-accuracy", type=float, help="Exit non-zero below this overall accuracy (0-1)."
        )
        foreign = parser.add_argument_group("foreign databases")
        foreign.add_argument(
            "--corpus", help="A folder of foreign databases (<db>/manifest.json, dump, questions)."
        )
        foreign.add_argument(
            "--only", action="append", default=[], help="With --corpus: this database (repeatable)."
        )
        foreign.add_argument("--database", help="One foreign database: a SQLite .db or .sql.gz.")
        foreign.add_argument("--cases", help="With --database: its questions.jsonl.")
        foreign.add_argument("--lang", choices=("en", "es"), help="Only the cases of a language.")
        foreign.add_argument(
            "--semantic",
            help="A semantic-layer YAML file (with --database), or a folder of <db>.yaml (with "
            "--corpus), applied in the org foreign-<db>-semantic (or -<variant>).",
        )
        foreign.add_argument(
            "--variant",
            default="",
            help="Evaluate in the org foreign-<db>-<variant> (e.g. one with a semantic layer).",
        )
        foreign.add_argument(
            "--paraphrases",
            action="store_true",
            help="Ask each case's Spider-Syn paraphrase instead (the cases that have one).",
        )
        foreign.add_argument("--output", help="Write one JSON result per case to this file.")
        foreign.add_argument(
            "--totals-only",
            action="store_true",
            help="Print no case (ids, questions, results): only counts and the final table.",
        )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        if options["corpus"] or options["database"]:
            self._foreign(options)
            return
        if not options["file"]:
            raise CommandError("give a FILE of cases, or --corpus DIR, or --database PATH")
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

    def _foreign(self, options: dict) -> None:
        if options["corpus"] and options["database"]:
            raise CommandError("give --corpus or --database, not both")
        if options["totals_only"] and (options["json"] or options["output"]):
            raise CommandError("--totals-only prints no case: drop --json and --output")
        try:
            if options["corpus"]:
                databases = corpus_databases(options["corpus"], options["only"])
            else:
                databases = [self._single_database(options)]
            plans = [
                (
                    db,
                    load_foreign_cases(
                        db.cases_path, lang=options["lang"], paraphrases=options["paraphrases"]
                    ),
                    self._semantic_layer(options, db),
                )
                for db in databases
            ]
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(str(exc)) from exc
        summary = ForeignSummary()
        with ExitStack() as stack:
            output = (
                stack.enter_context(Path(options["output"]).open("w", encoding="utf-8"))
                if options["output"]
                else None
            )
            for database, cases, semantic in plans:
                self._foreign_database(database, cases, semantic, summary, output, options)
        self.stdout.write(foreign_summary_table(summary))
        floor = options["min_accuracy"]
        if floor is not None and summary.accuracy < floor:
            raise CommandError(f"accuracy {summary.accuracy:.1%} is below {floor:.1%}")

    def _foreign_database(self, database, cases, semantic, summary, output, options) -> None:  # noqa: ANN001
        variant = options["variant"] or ("semantic" if semantic else "")
        try:
            membership = foreign_org_prepare(database, variant=variant, semantic=semantic)
        except (OSError, ValueError) as exc:
            raise CommandError(f"{database.name}: {exc}") from exc
        self.stdout.write(
            f"[{database.name}] org {membership.organization.slug}, "
            f"{len(cases)} cases, user {membership.user.username}"
        )
        total = len(cases)
        for number, result in enumerate(evaluate_foreign(database, cases, membership), start=1):
            summary.results.append(result)
            if output:
                output.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
            if options["json"]:
                self.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False))
            elif options["totals_only"]:
                if number % 20 == 0 or number == total:
                    self.stdout.write(f"[{database.name}] {number}/{total}")
            else:
                self.stdout.write(
                    f"[{database.name} {number:>3}/{total}] {result.outcome:<17} "
                    f"{result.answer_type:<7} {result.case.id:<16} {result.case.question[:70]}"
                )

    @staticmethod
    def _semantic_layer(options: dict, database: ForeignDatabase):  # noqa: ANN205
        if not options["semantic"]:
            return None
        path = Path(options["semantic"])
        if path.is_dir():
            path = path / f"{database.name}.yaml"
        elif options["corpus"]:
            raise CommandError("with --corpus, --semantic is a folder of <db>.yaml files")
        if not path.is_file():
            raise CommandError(f"{path}: no such semantic-layer file")
        return semantic_layer_load(path)

    @staticmethod
    def _single_database(options: dict) -> ForeignDatabase:
        path = Path(options["database"])
        if not options["cases"]:
            raise CommandError("--database needs --cases QUESTIONS.jsonl")
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        name = path.name.removesuffix(".sql.gz").removesuffix(".db").removesuffix(".sqlite")
        manifest_path = path.parent / "manifest.json"
        manifest = (
            json.loads(manifest_path.read_text(encoding="utf-8"))
            if path.name.endswith(".sql.gz") and manifest_path.is_file()
            else None
        )
        return ForeignDatabase(
            name=name, path=path, cases_path=Path(options["cases"]), manifest=manifest
        )
