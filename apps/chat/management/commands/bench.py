"""`manage.py bench`: per-stage timings of the pipeline and of the engines, as printed tables.

Speed targets are measured here, not asserted by timed tests. The questions are the project's
evaluation set; each runs cold (a fresh cache) and then again (a cache hit).

With `--llm-stub` a second part runs the same questions through the LLM path against a scripted
OpenAI-compatible server started in-process on 127.0.0.1 (tests/support/openai_stub.py): it
answers each question with the evaluation file's gold SQL (or, without one, a RAG plan citing the
first document it was shown), instantly. It reports what the LLM path costs: calls, prompt tokens
and dollars per question, and the pipeline's latency with the model's own time taken out.
"""

from __future__ import annotations

import contextlib
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings

from apps.chat import llm_path
from apps.chat.engine.llm_prompt import (
    RAG_SYSTEM_PROMPT,
    SYSTEM_PROMPT,
    estimate_messages_tokens,
)
from apps.chat.evaluation import load_cases
from apps.chat.pipeline import ask
from apps.chat.semantic_cache import semantic_model_for
from apps.governance.selectors import membership_get, organization_get
from apps.knowledge.selectors import catalog_snapshot, datasource_get
from datachat.providers.llm import reset_breakers

if TYPE_CHECKING:
    from tests.support.openai_stub import Reply

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
        parser.add_argument(
            "--pg-rows",
            type=int,
            default=0,
            help="Also generate a PostgreSQL source of this many rows (generate_series, in a "
            "scratch database `dcbench_big` on --pg-url) and time an answer and exports.",
        )
        parser.add_argument(
            "--pg-url",
            default="postgres://postgres@127.0.0.1:5432/postgres",
            help="An administrator's URL of the PostgreSQL server for --pg-rows.",
        )
        parser.add_argument(
            "--pg-export-rows",
            default="100000,1000000",
            help="Export sizes (rows, comma-separated) for --pg-rows: RSS per size.",
        )
        parser.add_argument(
            "--llm-stub",
            action="store_true",
            help="Also benchmark the LLM path against a scripted local OpenAI-compatible server.",
        )

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
        self._offline(org, membership, questions)
        self._end_to_end(membership, questions)
        if options["pg_rows"]:
            from apps.chat.bench_pg import bench_big_source

            sizes = [int(x) for x in str(options["pg_export_rows"]).split(",") if x.strip()]
            for title, header, rows in bench_big_source(
                org=org, rows=options["pg_rows"], admin_url=options["pg_url"], export_sizes=sizes
            ):
                self.stdout.write(table(title, header, rows))
        if options["llm_stub"]:
            gold = {" ".join(c.question.split()): c.gold_sql for c in cases if c.gold_sql}
            self._llm(membership, questions, gold)

    def _offline(self, org, membership, questions: list[str]) -> None:  # noqa: ANN001
        """The pipeline as configured (offline by default), cold then cached; the engine alone."""

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

    def _end_to_end(self, membership, questions: list[str]) -> None:  # noqa: ANN001
        """What `ask --batch` costs per question, wall clock, storage included: every question
        fresh (cache cleared), then the same questions again (cache hits: no interpretation, no
        query; still a message and an audit entry each). Also this process's CPU time, which a
        host shared with other work inflates far less than the wall clock."""
        import json

        def timed() -> tuple[list[float], list[float], list[dict]]:
            spent, cpu, answers = [], [], []
            for question in questions:
                started, started_cpu = time.perf_counter(), time.process_time()
                answer = ask(membership=membership, question=question, channel="cli")
                json.dumps(answer, ensure_ascii=False)
                spent.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
                answers.append(answer)
            return spent, cpu, answers

        cache.clear()
        fresh, fresh_cpu, _answers = timed()
        cached, cached_cpu, answers = timed()
        hits = sum(1 for a in answers if a["cached"])
        ratio = statistics.fmean(cached) / statistics.fmean(fresh)
        ratio_cpu = statistics.fmean(cached_cpu) / statistics.fmean(fresh_cpu)
        self.stdout.write(
            table(
                "End to end through `ask --batch` (ms per question, wall clock, storage included)",
                ("pass", "mean", "p50", "p95", "CPU mean"),
                [
                    (
                        label,
                        f"{statistics.fmean(v):.2f}",
                        f"{percentile(v, 50):.2f}",
                        f"{percentile(v, 95):.2f}",
                        f"{statistics.fmean(c):.2f}",
                    )
                    for label, v, c in (
                        ("fresh", fresh, fresh_cpu),
                        (f"cached ({hits} hits)", cached, cached_cpu),
                    )
                ]
                + [("cached / fresh (mean)", f"{ratio:.2f}", "", "", f"{ratio_cpu:.2f}")],
            )
        )

    def _llm(self, membership, questions: list[str], gold: dict[str, str]) -> None:  # noqa: ANN001
        """The LLM path against the scripted server: a cold pass, then the same questions again
        (every one should be a cache hit making no call). The scripted server is the tests' own
        (tests/support/openai_stub.py): `--llm-stub` runs from a checkout, never in production."""
        OpenAIStub = _stub().OpenAIStub  # noqa: N806
        with OpenAIStub() as stub, _llm_endpoint(stub.base_url):
            stub.set_handler(scripted_model(gold))
            ask(membership=membership, question="warm-up", channel="bench")  # imports, pools
            cache.clear()
            stub.reset()
            stub.set_handler(scripted_model(gold))
            cold = self._run(membership, questions)
            structured_requests = [
                r for r in stub.requests if _system_prompt(r.body) == SYSTEM_PROMPT
            ]
            calls_cold = stub.chat_calls
            warm = self._run(membership, questions)
            calls_warm = stub.chat_calls - calls_cold
        answers = cold["answers"]
        n = len(answers) or 1
        llm = [a["llm"] for a in answers]
        prompt = [u["prompt_tokens"] for u in llm]
        estimated = [estimate_messages_tokens(r.body["messages"]) for r in structured_requests]
        counted = [  # as the scripted server counts them (characters / 4, its usage block)
            sum(_stub().estimate_tokens(str(m.get("content") or "")) for m in r.body["messages"])
            for r in structured_requests
        ]
        calls = [u["calls"] for u in llm]
        cost = [u["cost_usd"] for u in llm]
        totals = [a["timings_ms"]["total"] for a in answers]
        model = [a["timings_ms"].get("llm", 0.0) for a in answers]
        overhead = [t - m for t, m in zip(totals, model, strict=True)]
        own = [
            a["timings_ms"]["total"]
            - a["timings_ms"].get("llm", 0.0)
            - a["timings_ms"].get("execute", 0.0)
            - a["timings_ms"].get("record", 0.0)
            for a in answers
        ]
        kinds = defaultdict(int)
        for answer in answers:
            kinds[answer["type"]] += 1
        fallbacks = sum(1 for u in llm if u["provider"] != llm_path.PROVIDER)
        hits = sum(1 for a in warm["answers"] if a["cached"])
        rows = [
            ("answers by type", ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))),
            ("fallbacks to the offline engine", str(fallbacks)),
            ("LLM calls per question, mean", f"{sum(calls) / n:.2f}"),
            ("questions needing more than one call", str(sum(1 for c in calls if c > 1))),
            ("prompt tokens per question, mean (endpoint)", f"{statistics.fmean(prompt):.0f}"),
            ("prompt tokens per question, p95 (endpoint)", f"{percentile(prompt, 95):.0f}"),
            (
                "structured-call prompt, mean / p95 / max (estimate)",
                f"{statistics.fmean(estimated):.0f} / {percentile(estimated, 95):.0f} / "
                f"{max(estimated):.0f}",
            ),
            (
                "structured-call prompt, mean / max (endpoint)",
                f"{statistics.fmean(counted):.0f} / {max(counted):.0f}",
            ),
            ("cost per question, mean (USD)", f"{statistics.fmean(cost):.6f}"),
            ("cost per 1,000 questions (USD)", f"{statistics.fmean(cost) * 1000:.3f}"),
            ("total latency p50 / p95 (ms)", f"{percentile(totals, 50):.1f} / "
             f"{percentile(totals, 95):.1f}"),
            ("model's own time p50 / p95 (ms)", f"{percentile(model, 50):.1f} / "
             f"{percentile(model, 95):.1f}"),
            ("pipeline overhead excl. model p50 / p95 (ms)", f"{percentile(overhead, 50):.1f} / "
             f"{percentile(overhead, 95):.1f}"),
            ("  … excl. model, SQL execution, storage p50 / p95", f"{percentile(own, 50):.1f} / "
             f"{percentile(own, 95):.1f}"),
            ("repeat pass: cache hits / LLM calls", f"{hits}/{len(questions)} / {calls_warm}"),
        ]  # fmt: skip
        self.stdout.write(
            table(
                "LLM path against the scripted server (gpt-4o-mini list prices; the endpoint "
                "counts prompt tokens as chars/4, the estimate errs high)",
                ("measure", "value"),
                rows,
            )
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


# -- the scripted model ---------------------------------------------------------------------------
_QUESTION = re.compile(r"^QUESTION: (.*)$", re.MULTILINE)
_TITLE = re.compile(r"^## (.+)$", re.MULTILINE)


@contextlib.contextmanager
def _llm_endpoint(base_url: str) -> Iterator[None]:
    """Point this process's LLM configuration at `base_url` for the block, then restore it."""
    llm = {
        "DATACHAT_LLM": "openai",
        "OPENAI_API_KEY": "bench",
        "OPENAI_BASE_URL": base_url,
        "DATACHAT_LLM_MODEL": "gpt-4o-mini",
    }
    llm_path.reset()
    reset_breakers()
    try:
        with override_settings(DATACHAT={**settings.DATACHAT, "LLM": llm}):
            llm_path.reset()
            yield
    finally:
        llm_path.reset()
        reset_breakers()


def _system_prompt(body: Any) -> str:
    messages = body.get("messages") if isinstance(body, dict) else None
    return str((messages or [{}])[0].get("content") or "")


def _last_message(body: Any) -> str:
    messages = body.get("messages") if isinstance(body, dict) else None
    return str((messages or [{}])[-1].get("content") or "")


def _stub():  # noqa: ANN202
    try:
        from tests.support import openai_stub
    except ImportError as error:  # an installed copy without the tests folder
        raise CommandError("--llm-stub needs the project's tests/ folder (a checkout)") from error
    return openai_stub


def scripted_model(gold: dict[str, str]) -> Callable[[dict], Reply]:
    """A model that knows the answers: the gold SQL of a question it recognises, else a RAG
    plan; RAG calls cite the first document of their context."""

    Reply = _stub().Reply  # noqa: N806

    def reply(body: dict) -> Reply:
        text = _last_message(body)
        if _system_prompt(body) == RAG_SYSTEM_PROMPT:
            titles = _TITLE.findall(text)[:1]
            return Reply.json({"answer": "Según la documentación: …", "used_sources": titles})
        match = _QUESTION.search(text)
        sql = gold.get(" ".join(match.group(1).split())) if match else None
        plan = {"plan": "SQL", "sql": sql} if sql else {"plan": "RAG", "sql": None}
        return Reply.json(
            {
                "intent": "AGGREGATION" if sql else "SCHEMA",
                "confidence": 0.9,
                "reasoning": "scripted",
                "chart": "auto",
                "suggestions": [],
                **plan,
            }
        )

    return reply
