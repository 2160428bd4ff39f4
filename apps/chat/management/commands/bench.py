"""`manage.py bench`: per-stage timings of the pipeline and of the engines, as printed tables.

Speed targets are measured here, not asserted by timed tests. The questions are the project's
evaluation set; each runs cold (a fresh cache) and then again (a cache hit).
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from pathlib import Path

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError

from apps.chat.evaluation import load_cases
from apps.chat.pipeline import ask
from apps.chat.semantic import semantic_model_for
from apps.governance.selectors import membership_get, organization_get
from apps.knowledge.selectors import catalog_snapshot, datasource_get

DEFAULT_CASES = Path(__file__).resolve().parents[2] / "tests" / "data" / "eval_nl2sql.jsonl"
STAGES = (
    "context",
    "screen",
    "cache",
    "intent",
    "retrieve",
    "sql",
    "guard",
    "execute",
    "format",
    "record",
    "total",
)


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def table(title: str, header: tuple[str, ...], rows: list[tuple]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    line = "-" * (sum(widths) + 2 * (len(widths) - 1))
    return "\n".join(
        [title, line, fmt.format(*header), line] + [fmt.format(*r) for r in rows] + [line]
    )


class Command(BaseCommand):
    help = "Benchmark the pipeline stage by stage (cold and cached) and print tables."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--file", default=str(DEFAULT_CASES), help="JSONL questions.")
        parser.add_argument("--org", default="acme")
        parser.add_argument("--user", default="analista")
        parser.add_argument("--limit", type=int, default=0, help="Use only the first N questions.")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        org = organization_get(slug=options["org"])
        membership = membership_get(org=org, username=options["user"]) if org else None
        if membership is None:
            raise CommandError("unknown org or user; run `manage.py seed_demo` first")
        cases = [c for c in load_cases(options["file"]) if c.expect == "answer"]
        if options["limit"]:
            cases = cases[: options["limit"]]
        questions = [c.question for c in cases]
        self.stdout.write(f"{len(questions)} questions from {options['file']}")

        cache.clear()
        cold = self._run(membership, questions)
        warm = self._run(membership, questions)
        hits = sum(1 for answer in warm["answers"] if answer["cached"])
        rows = []
        for stage in STAGES:
            c, w = cold["stages"].get(stage, []), warm["stages"].get(stage, [])
            if not c and not w:
                continue
            rows.append(
                (
                    stage,
                    f"{percentile(c, 50):.2f}",
                    f"{percentile(c, 95):.2f}",
                    f"{percentile(w, 50):.2f}",
                    f"{percentile(w, 95):.2f}",
                )
            )
        self.stdout.write(
            table(
                "Pipeline stage timings (ms): cold cache vs repeated question",
                ("stage", "cold p50", "cold p95", "cached p50", "cached p95"),
                rows,
            )
        )
        self.stdout.write(f"cache hits on the repeat pass: {hits}/{len(questions)}")

        source = datasource_get(org=org)
        catalog = catalog_snapshot(data_source=source)
        started = time.perf_counter()
        model = semantic_model_for(source, catalog)
        build_ms = (time.perf_counter() - started) * 1000
        from apps.chat.engine.offline import interpret

        per_question = []
        for question in questions:
            started = time.perf_counter()
            interpret(question, model)
            per_question.append((time.perf_counter() - started) * 1000)
        self.stdout.write(
            table(
                "Offline engine alone (ms)",
                ("measure", "value"),
                [
                    ("semantic model build (memoised)", f"{build_ms:.2f}"),
                    ("interpret + SQL, p50", f"{percentile(per_question, 50):.3f}"),
                    ("interpret + SQL, p95", f"{percentile(per_question, 95):.3f}"),
                    ("interpret + SQL, mean", f"{statistics.fmean(per_question):.3f}"),
                ],
            )
        )
        overhead = [
            a["timings_ms"]["total"]
            - a["timings_ms"].get("execute", 0)
            - a["timings_ms"].get("record", 0)
            for a in cold["answers"]
        ]
        self.stdout.write(
            f"pipeline overhead beyond SQL execution and storage: p50 "
            f"{percentile(overhead, 50):.2f} ms, p95 {percentile(overhead, 95):.2f} ms"
        )

    def _run(self, membership, questions: list[str]) -> dict:  # noqa: ANN001
        stages: dict[str, list[float]] = defaultdict(list)
        answers = []
        for question in questions:
            answer = ask(membership=membership, question=question, channel="bench")
            answers.append(answer)
            for stage, ms in answer["timings_ms"].items():
                stages[stage].append(ms)
        return {"stages": stages, "answers": answers}
